/* Field-by-field comparison of parsed messages; see msgcmp.h. */
#include "support/msgcmp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Reads a value as a stream of bytes with every LWS run given as one SP
 * and nothing at either end. */
struct norm {
	const char *p, *end;
};

static void norm_init(struct norm *n, struct zsip_str s)
{
	n->p = s.p;
	n->end = s.p ? s.p + s.len : s.p;
	while (n->p < n->end && is_lws(*n->p))
		n->p++;
	while (n->end > n->p && is_lws(n->end[-1]))
		n->end--;
}

/* The next byte, or -1 at the end. */
static int norm_next(struct norm *n)
{
	if (n->p >= n->end)
		return -1;
	if (is_lws(*n->p)) {
		while (n->p < n->end && is_lws(*n->p))
			n->p++;
		return ' ';
	}
	return (unsigned char)*n->p++;
}

int msgcmp_value_eq(struct zsip_str a, struct zsip_str b)
{
	struct norm x, y;
	norm_init(&x, a);
	norm_init(&y, b);
	for (;;) {
		int cx = norm_next(&x), cy = norm_next(&y);
		if (cx != cy)
			return 0;
		if (cx < 0)
			return 1;
	}
}

long msgcmp_lws_norm(char *out, size_t cap, struct zsip_str in)
{
	struct norm n;
	size_t len = 0;
	int c;
	norm_init(&n, in);
	while ((c = norm_next(&n)) >= 0) {
		if (len >= cap)
			return -1;
		out[len++] = (char)c;
	}
	return (long)len;
}

static int say(char *why, size_t cap, const char *fmt, ...)
{
	if (why && cap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, cap, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Printable prefix of a slice for a message. */
static int plen(struct zsip_str s)
{
	return s.len > 60 ? 60 : (int)s.len;
}

static int skipped(const struct zsip_hdr *h, unsigned flags)
{
	return (flags & MSGCMP_IGNORE_CLEN) && h->id == ZSIP_HDR_CONTENT_LENGTH;
}

static unsigned next_kept(const struct zsip_msg *m, unsigned i, unsigned flags)
{
	while (i < m->nhdr && skipped(&m->hdr[i], flags))
		i++;
	return i;
}

static const char *pfx(struct zsip_str s)
{
	return s.p ? s.p : "";
}

int msgcmp(const struct zsip_msg *a, const struct zsip_msg *b, unsigned flags,
	   char *why, size_t cap)
{
	if (why && cap)
		why[0] = '\0';
	if (a->is_request != b->is_request)
		return say(why, cap, "one is a request, the other a response");
	if (a->is_request) {
		if (!zsip_str_eq(a->method, b->method))
			return say(why, cap, "method '%.*s' vs '%.*s'", plen(a->method), pfx(a->method),
				   plen(b->method), pfx(b->method));
		if (a->method_id != b->method_id)
			return say(why, cap, "method id %d vs %d", a->method_id, b->method_id);
		if (!zsip_str_eq(a->ruri_str, b->ruri_str))
			return say(why, cap, "Request-URI '%.*s' vs '%.*s'", plen(a->ruri_str),
				   pfx(a->ruri_str), plen(b->ruri_str), pfx(b->ruri_str));
	} else {
		if (a->status != b->status)
			return say(why, cap, "status %d vs %d", a->status, b->status);
		if (!zsip_str_eq(a->reason, b->reason))
			return say(why, cap, "reason '%.*s' vs '%.*s'", plen(a->reason), pfx(a->reason),
				   plen(b->reason), pfx(b->reason));
	}

	unsigned i = next_kept(a, 0, flags), j = next_kept(b, 0, flags);
	for (; i < a->nhdr && j < b->nhdr; i = next_kept(a, i + 1, flags), j = next_kept(b, j + 1, flags)) {
		const struct zsip_hdr *x = &a->hdr[i], *y = &b->hdr[j];
		if (x->id != y->id || (x->id == ZSIP_HDR_OTHER && !zsip_str_caseeq(x->name, y->name)))
			return say(why, cap, "field %u: name '%.*s' vs field %u: '%.*s'", i, plen(x->name),
				   pfx(x->name), j, plen(y->name), pfx(y->name));
		if (!msgcmp_value_eq(x->value, y->value))
			return say(why, cap, "field %u (%.*s): value '%.*s' vs '%.*s'", i, plen(x->name),
				   pfx(x->name), plen(x->value), pfx(x->value), plen(y->value), pfx(y->value));
	}
	if (i < a->nhdr || j < b->nhdr)
		return say(why, cap, "header count differs: first has %s field %u, second %s field %u",
			   i < a->nhdr ? "extra" : "no", i, j < b->nhdr ? "extra" : "no", j);

	/* The typed fields the parser checked read from the fields above; a
	 * difference here means the parser read equal fields differently. */
	if (!zsip_str_eq(a->call_id, b->call_id))
		return say(why, cap, "Call-ID differs");
	if (a->cseq.num != b->cseq.num || !zsip_str_eq(a->cseq.method, b->cseq.method))
		return say(why, cap, "CSeq %u vs %u", (unsigned)a->cseq.num, (unsigned)b->cseq.num);
	if (!zsip_str_eq(a->from.tag, b->from.tag) || !a->from.tag.p != !b->from.tag.p)
		return say(why, cap, "From tag differs");
	if (!zsip_str_eq(a->to.tag, b->to.tag) || !a->to.tag.p != !b->to.tag.p)
		return say(why, cap, "To tag differs");
	if (!zsip_str_eq(a->via.branch, b->via.branch) || !zsip_str_eq(a->via.host, b->via.host) ||
	    a->via.port != b->via.port)
		return say(why, cap, "top Via differs");
	if (a->max_forwards != b->max_forwards)
		return say(why, cap, "Max-Forwards %d vs %d", a->max_forwards, b->max_forwards);
	if (a->content_length != b->content_length &&
	    (!(flags & MSGCMP_IGNORE_CLEN) || (a->content_length >= 0 && b->content_length >= 0)))
		return say(why, cap, "Content-Length %ld vs %ld", a->content_length, b->content_length);

	if (a->body.len != b->body.len)
		return say(why, cap, "body length %zu vs %zu", a->body.len, b->body.len);
	if (a->body.len && memcmp(a->body.p, b->body.p, a->body.len) != 0)
		return say(why, cap, "body bytes differ");
	return 0;
}

static int same_slice(struct zsip_str a, struct zsip_str b)
{
	return a.p == b.p && a.len == b.len;
}

int msgcmp_via_same(const struct zsip_via *a, const struct zsip_via *b)
{
	return same_slice(a->protocol, b->protocol) && same_slice(a->version, b->version) &&
	       same_slice(a->transport, b->transport) && same_slice(a->host, b->host) &&
	       same_slice(a->params, b->params) && same_slice(a->branch, b->branch) &&
	       same_slice(a->received, b->received) && same_slice(a->rport, b->rport) &&
	       same_slice(a->maddr, b->maddr) && same_slice(a->ttl, b->ttl) && a->port == b->port &&
	       a->host_type == b->host_type;
}
