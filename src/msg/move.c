/* A parsed message carried over to a copy of its bytes with text inserted
 * in its top Via value (received and rport, RFC 3261 §18.2.1, RFC 3581),
 * so that the transaction layer stamps a request without parsing it again.
 * Every slice of struct zsip_msg is moved here: a field added to the
 * struct must be added here too (tests/test_parse.c checks the result
 * against a second parse). */
#include <stdint.h>
#include <string.h>

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

/* take: the slice takes an insertion at its end. */
static inline void mv_take(const struct shift *sh, struct zsip_str *s, int take)
{
	if (!s->p)
		return;
	const char *e = land(sh, s->p + s->len, take);
	s->p = land(sh, s->p, 0);
	s->len = (size_t)(e - s->p);
}

static inline void mv(const struct shift *sh, struct zsip_str *s)
{
	mv_take(sh, s, 1);
}

/* A slice that does not take an insertion at its end. */
static inline void mv_in(const struct shift *sh, struct zsip_str *s)
{
	mv_take(sh, s, 0);
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

/* Text the stamp inserts: digits (a port), or an IP address. */
static int all_of(const char *p, size_t n, const char *set)
{
	return n && strspn(p, set) >= n;
}

/* The top Via moved without parsing it again, when every insertion is one
 * the stamp makes: the port after an empty rport ("=5060" or "5060") and
 * ";received=ADDRESS" at the end of the parameters. Returns -1 for any
 * other insertion (the caller parses the Via again). */
static int move_via(const struct shift *sh, struct zsip_via *v)
{
	struct zsip_via o = *v;
	struct zsip_str rport = o.rport, received = o.received;
	size_t before = 0;
	for (size_t i = 0; i < sh->n; before += sh->add[i], i++) {
		const char *old = sh->old + sh->at[i];
		const char *ins = sh->buf + sh->at[i] + before;
		size_t k = sh->add[i];
		if (o.rport.p && o.rport.len == 0 && old == o.rport.p) {
			size_t eq = k && ins[0] == '=';
			if (!all_of(ins + eq, k - eq, "0123456789"))
				return -1;
			rport = (struct zsip_str){ ins + eq, k - eq };
		} else if (!o.received.p && o.params.p && old == o.params.p + o.params.len &&
			   k > 10 && memcmp(ins, ";received=", 10) == 0 &&
			   all_of(ins + 10, k - 10, "0123456789abcdefABCDEF:.")) {
			received = (struct zsip_str){ ins + 10, k - 10 };
		} else {
			return -1;
		}
	}
	mv(sh, &v->protocol);
	mv(sh, &v->version);
	mv(sh, &v->transport);
	mv_in(sh, &v->host);
	mv(sh, &v->params);
	mv_in(sh, &v->branch);
	mv_in(sh, &v->maddr);
	mv_in(sh, &v->ttl);
	if (received.p == o.received.p)
		mv_in(sh, &received);
	if (rport.p == o.rport.p)
		mv_in(sh, &rport);
	v->received = received;
	v->rport = rport;
	return 0;
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
		/* A field wholly after the insertions (most of them) moves by
		 * their total, name and value alike. */
		size_t off = (size_t)(h->name.p - sh.old);
		if (n && off > sh.last && h->value.p) {
			h->name.p = buf + off + total;
			h->value.p = buf + (size_t)(h->value.p - sh.old) + total;
			continue;
		}
		size_t len0 = h->value.len;
		mv(&sh, &h->name);
		mv(&sh, &h->value);
		h->line_len += (uint32_t)(h->value.len - len0);
	}
	int via_moved = move_via(&sh, &m->via) == 0;
	m->buf = buf;
	m->len += total;
	if (via_moved)
		return 0;

	/* Another edit inside the top Via: read it again. */
	const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_VIA);
	const char *next;
	if (!h || zsipi_via_next(&m->via, h->value.p, h->value.p + h->value.len, &next) < 0)
		return ZSIP_EVIA;
	return 0;
}
