/* Edits of a parsed message, and the proxy's forwarding helpers on top.
 *
 * One mechanism: walk the header fields in order, copy every untouched byte
 * range of the received buffer as it is (start line, fields with their
 * folding, the blank line, the body) and splice the edited lines in. A
 * forwarded message thus differs from the received one only where the edit
 * says (RFC 3261 §16.6: a proxy must not reorder or change other fields). */
#include <string.h>

#include "msg/wbuf.h"
#include "zsip/msg.h"

static int is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct zsip_str trim(struct zsip_str s)
{
	while (s.len && is_lws(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_lws(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* Edits come sorted by field index; a field takes any number of inserts
 * before it and at most one change of its own. */
static int check_edits(const struct zsip_msg *msg, const struct zsip_edit *e, size_t n)
{
	unsigned prev_at = 0;
	int prev_change = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && e[i].at < prev_at)
			return ZSIP_EINVAL;
		if (!i || e[i].at != prev_at)
			prev_change = 0;
		prev_at = e[i].at;
		switch (e[i].op) {
		case ZSIP_EDIT_INSERT:
			if (e[i].at > msg->nhdr || !zsipi_valid_token(e[i].field.name) ||
			    !zsipi_valid_value(e[i].field.value))
				return ZSIP_EINVAL;
			break;
		case ZSIP_EDIT_REPLACE:
			if (!zsipi_valid_value(e[i].field.value))
				return ZSIP_EINVAL;
			/* fall through */
		case ZSIP_EDIT_REMOVE:
		case ZSIP_EDIT_REMOVE_FIRST:
			if (e[i].at >= msg->nhdr || prev_change)
				return ZSIP_EINVAL;
			prev_change = 1;
			break;
		default:
			return ZSIP_EINVAL;
		}
	}
	return 0;
}

/* What is left of field h once its first comma-separated value goes
 * (RFC 3261 §7.3.1: "Name: a, b" is the same as two fields). Sets *rest
 * (absent when nothing is left). */
static int rest_after_first(const struct zsip_hdr *h, struct zsip_str *rest)
{
	struct zsip_str cursor = h->value, v;
	int rc = zsip_value_next(&cursor, &v);
	if (rc < 0)
		return rc;
	rest->p = NULL;
	rest->len = 0;
	if (rc == 0)
		return 0;
	cursor = trim(cursor);
	if (cursor.len)
		*rest = cursor;
	return 0;
}

/* Applies the edits at field index `at`; *i walks the sorted list. Returns
 * the one change (REMOVE, REPLACE, REMOVE_FIRST) at this index, or NULL. */
static const struct zsip_edit *apply_inserts(struct zsipi_wbuf *w, const struct zsip_edit *e,
					     size_t n, size_t *i, unsigned at)
{
	const struct zsip_edit *change = NULL;
	for (; *i < n && e[*i].at == at; (*i)++) {
		if (e[*i].op == ZSIP_EDIT_INSERT)
			zsipi_put_field(w, e[*i].field.name, e[*i].field.value);
		else
			change = &e[*i];
	}
	return change;
}

int zsip_msg_rewrite(char *out, size_t cap, const struct zsip_msg *msg,
		     const struct zsip_edit *edits, size_t nedits)
{
	if (!msg || !msg->buf || (!out && cap) || (nedits && !edits) || msg->nhdr > ZSIP_MAX_HEADERS)
		return ZSIP_EINVAL;
	int rc = check_edits(msg, edits, nedits);
	if (rc < 0)
		return rc;

	struct zsipi_wbuf w = { out, cap, 0 };
	const char *end = msg->buf + msg->len;
	const char *pos = msg->buf;
	/* CRLFs before the start line are not part of the message (§7.5). */
	while (pos < end && (*pos == '\r' || *pos == '\n'))
		pos++;

	size_t ei = 0;
	for (unsigned k = 0; k < msg->nhdr; k++) {
		const struct zsip_hdr *h = &msg->hdr[k];
		if (h->name.p < pos || h->name.p > end)
			return ZSIP_EINVAL;
		zsipi_put(&w, pos, (size_t)(h->name.p - pos));
		pos = h->name.p + h->line_len;
		const struct zsip_edit *c = apply_inserts(&w, edits, nedits, &ei, k);
		if (!c) {
			zsipi_put(&w, h->name.p, h->line_len);
			continue;
		}
		struct zsip_str rest;
		switch (c->op) {
		case ZSIP_EDIT_REPLACE:
			zsipi_put_field(&w, h->name, c->field.value);
			break;
		case ZSIP_EDIT_REMOVE_FIRST:
			if ((rc = rest_after_first(h, &rest)) < 0)
				return rc;
			if (rest.p)
				zsipi_put_field(&w, h->name, rest);
			break;
		default: /* ZSIP_EDIT_REMOVE */
			break;
		}
	}
	if (pos > end)
		return ZSIP_EINVAL;
	if (msg->nhdr == 0) {
		/* No fields: inserts go right after the start line. */
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		const char *sl_end = nl ? nl + 1 : end;
		zsipi_put(&w, pos, (size_t)(sl_end - pos));
		pos = sl_end;
	}
	apply_inserts(&w, edits, nedits, &ei, msg->nhdr);
	/* the blank line and the body */
	zsipi_put(&w, pos, (size_t)(end - pos));
	return zsipi_wbuf_end(&w);
}

/* --------------------------------------------------------- forwarding */

static unsigned index_of(const struct zsip_msg *msg, const struct zsip_hdr *h)
{
	return (unsigned)(h - msg->hdr);
}

/* Index just after the last Via field; 0 when there is none. */
static unsigned after_last_via(const struct zsip_msg *msg)
{
	const struct zsip_hdr *last = NULL;
	for (const struct zsip_hdr *h = zsip_msg_find(msg, ZSIP_HDR_VIA); h; h = zsip_msg_find_next(msg, h))
		last = h;
	return last ? index_of(msg, last) + 1 : 0;
}

static int insert_one(char *out, size_t cap, const struct zsip_msg *msg, unsigned at,
		      const char *name, struct zsip_str value)
{
	if (!value.p || trim(value).len == 0)
		return ZSIP_EINVAL;
	struct zsip_edit e = { ZSIP_EDIT_INSERT, at, { zsip_str_c(name), value } };
	return zsip_msg_rewrite(out, cap, msg, &e, 1);
}

/* Puts a new field with this id above the existing ones (the top of the
 * list, RFC 3261 §7.3.1 keeps order across fields). When there are none
 * yet, it goes right after the last Via: the message's routing fields
 * then read top-down as Via, Record-Route/Route, and the rest. */
static int push_top(char *out, size_t cap, const struct zsip_msg *msg, enum zsip_hdr_id id,
		    struct zsip_str value)
{
	if (!msg)
		return ZSIP_EINVAL;
	const struct zsip_hdr *h = zsip_msg_find(msg, id);
	unsigned at = h ? index_of(msg, h) : after_last_via(msg);
	return insert_one(out, cap, msg, at, zsip_hdr_name(id), value);
}

static int pop_top(char *out, size_t cap, const struct zsip_msg *msg, enum zsip_hdr_id id)
{
	if (!msg)
		return ZSIP_EINVAL;
	const struct zsip_hdr *h = zsip_msg_find(msg, id);
	if (!h)
		return ZSIP_ENOTFOUND;
	struct zsip_edit e = { ZSIP_EDIT_REMOVE_FIRST, index_of(msg, h), { { NULL, 0 }, { NULL, 0 } } };
	return zsip_msg_rewrite(out, cap, msg, &e, 1);
}

/* RFC 3261 §16.6 step 8: the proxy's Via goes above all others. */
int zsip_fwd_push_via(char *out, size_t cap, const struct zsip_msg *msg, struct zsip_str via_value)
{
	if (!msg)
		return ZSIP_EINVAL;
	const struct zsip_hdr *h = zsip_msg_find(msg, ZSIP_HDR_VIA);
	return insert_one(out, cap, msg, h ? index_of(msg, h) : 0, "Via", via_value);
}

/* RFC 3261 §16.7 step 9: the proxy takes off the topmost Via value. */
int zsip_fwd_pop_via(char *out, size_t cap, const struct zsip_msg *msg)
{
	return pop_top(out, cap, msg, ZSIP_HDR_VIA);
}

/* RFC 3261 §16.6 step 4: the proxy's Record-Route goes above the others. */
int zsip_fwd_add_record_route(char *out, size_t cap, const struct zsip_msg *msg, struct zsip_str value)
{
	return push_top(out, cap, msg, ZSIP_HDR_RECORD_ROUTE, value);
}

/* RFC 3261 §16.6 step 7 (a pre-loaded route) and §16.12.1.1. */
int zsip_fwd_push_route(char *out, size_t cap, const struct zsip_msg *msg, struct zsip_str value)
{
	return push_top(out, cap, msg, ZSIP_HDR_ROUTE, value);
}

/* RFC 3261 §16.4: a proxy named by the top Route removes that value. */
int zsip_fwd_pop_route(char *out, size_t cap, const struct zsip_msg *msg)
{
	return pop_top(out, cap, msg, ZSIP_HDR_ROUTE);
}
