/* A parsed message carried over to a copy of its bytes with text inserted
 * in its top Via value (received and rport, RFC 3261 §18.2.1, RFC 3581),
 * so that the transaction layer stamps a request without parsing it again.
 * Every slice of struct zsip_msg is moved here: a field added to the
 * struct must be added here too (tests/test_parse.c checks the result
 * against a second parse). */
#include <stdint.h>

#include "msg/hv.h"
#include "msg/msgi.h"
#include "zsip/msg.h"

struct shift {
	const char *old, *buf;
	const size_t *at, *add;
	size_t n;
	size_t first, last, total; /* at[0], at[n - 1], the sum of add[] */
};

/* Where old offset off lands: past the insertions before it, and past
 * those at it too when it ends a slice (the slice takes the insertion).
 * Most slices lie wholly before the first insertion or after the last
 * (the insertions are all inside the top Via). */
static inline const char *land(const struct shift *sh, const char *p, int end)
{
	size_t off = (size_t)(p - sh->old);
	if (off < sh->first || (off == sh->first && !end))
		return sh->buf + off;
	if (off > sh->last)
		return sh->buf + off + sh->total;
	size_t d = 0;
	for (size_t i = 0; i < sh->n; i++)
		if (sh->at[i] < off || (end && sh->at[i] == off))
			d += sh->add[i];
	return sh->buf + off + d;
}

static inline void mv(const struct shift *sh, struct zsip_str *s)
{
	if (!s->p)
		return;
	const char *e = land(sh, s->p + s->len, 1);
	s->p = land(sh, s->p, 0);
	s->len = (size_t)(e - s->p);
}

static void mv_uri(const struct shift *sh, struct zsip_uri *u)
{
	mv(sh, &u->raw);
	mv(sh, &u->scheme);
	mv(sh, &u->user);
	mv(sh, &u->password);
	mv(sh, &u->host);
	mv(sh, &u->port_str);
	mv(sh, &u->params);
	mv(sh, &u->headers);
}

static void mv_nameaddr(const struct shift *sh, struct zsip_nameaddr *na)
{
	mv(sh, &na->display);
	mv_uri(sh, &na->uri);
	mv(sh, &na->params);
	mv(sh, &na->tag);
}

int zsipi_msg_move(struct zsip_msg *m, const char *buf, const size_t *at, const size_t *add,
		   size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += add[i];
	struct shift sh = { m->buf, buf, at, add, n, n ? at[0] : SIZE_MAX, n ? at[n - 1] : SIZE_MAX, total };

	mv(&sh, &m->method);
	mv(&sh, &m->ruri_str);
	mv_uri(&sh, &m->ruri);
	mv(&sh, &m->reason);
	mv_nameaddr(&sh, &m->from);
	mv_nameaddr(&sh, &m->to);
	mv(&sh, &m->call_id);
	mv(&sh, &m->cseq.method);
	mv(&sh, &m->body);
	mv(&sh, &m->head);
	for (unsigned i = 0; i < m->nhdr; i++) {
		struct zsip_hdr *h = &m->hdr[i];
		size_t len0 = h->value.len;
		mv(&sh, &h->name);
		mv(&sh, &h->value);
		h->line_len += (uint32_t)(h->value.len - len0);
	}
	m->buf = buf;
	m->len += total;

	/* The top Via's own slices moved inside it: read it again. */
	const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_VIA);
	const char *next;
	if (!h || zsipi_via_next(&m->via, h->value.p, h->value.p + h->value.len, &next) < 0)
		return ZSIP_EVIA;
	return 0;
}
