/* Simulated network with virtual time; see sim.h. */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ PRNG */

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
	if (n == 0)
		return 0;
	/* Reject the top partial block so every value is equally likely. */
	uint64_t lim = UINT64_MAX - (UINT64_MAX % n);
	uint64_t x;
	do
		x = sim_rng_next(r);
	while (x >= lim);
	return x % n;
}

uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return lo;
	if (hi - lo == UINT64_MAX)
		return sim_rng_next(r);
	return lo + sim_rng_below(r, hi - lo + 1);
}

int sim_rng_pct(struct sim_rng *r, unsigned pct)
{
	if (pct == 0)
		return 0;
	if (pct >= 100)
		return 1;
	return sim_rng_below(r, 100) < pct;
}

/* -------------------------------------------------------------- hashing */

uint64_t sim_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t sim_hash_u64(uint64_t h, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	return sim_hash(h, b, sizeof b);
}

/* ----------------------------------------------------------------- links */

struct sim_link sim_link_udp(unsigned loss_pct)
{
	struct sim_link l = {
		.loss_pct = loss_pct,
		.dup_pct = 5,
		.reorder_pct = 10,
		.reorder_max_ms = 300,
		.delay_min_ms = 5,
		.delay_max_ms = 80,
	};
	return l;
}

struct sim_link sim_link_tcp(unsigned loss_pct)
{
	struct sim_link l = {
		.loss_pct = loss_pct,
		.rto_ms = 200,
		.delay_min_ms = 5,
		.delay_max_ms = 80,
		.reliable = 1,
	};
	return l;
}

struct sim_link sim_link_ideal(uint32_t delay_ms)
{
	struct sim_link l = {
		.delay_min_ms = delay_ms,
		.delay_max_ms = delay_ms,
		.reliable = 1,
	};
	return l;
}

/* ------------------------------------------------------------ the queue */

static int pkt_before(const struct sim_pkt *a, const struct sim_pkt *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static int q_push(struct sim *s, struct sim_pkt p)
{
	if (s->nq == s->capq) {
		size_t cap = s->capq ? s->capq * 2 : 64;
		struct sim_pkt *q = realloc(s->q, cap * sizeof *q);
		if (!q)
			return -1;
		s->q = q;
		s->capq = cap;
	}
	size_t i = s->nq++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!pkt_before(&p, &s->q[up]))
			break;
		s->q[i] = s->q[up];
		i = up;
	}
	s->q[i] = p;
	return 0;
}

static struct sim_pkt q_pop(struct sim *s)
{
	struct sim_pkt top = s->q[0];
	struct sim_pkt last = s->q[--s->nq];
	size_t i = 0, n = s->nq;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && pkt_before(&s->q[c + 1], &s->q[c]))
			c++;
		if (!pkt_before(&s->q[c], &last))
			break;
		s->q[i] = s->q[c];
		i = c;
	}
	if (n > 0)
		s->q[i] = last;
	return top;
}

/* ------------------------------------------------------------------- sim */

void sim_init(struct sim *s, uint64_t seed, uint64_t start, struct sim_link dflt)
{
	memset(s, 0, sizeof *s);
	sim_rng_seed(&s->rng, seed);
	s->now = start;
	s->trace = sim_hash_u64(SIM_HASH_INIT, seed);
	s->stuck_limit = 1000;
	for (int i = 0; i < SIM_MAX_NODES; i++)
		for (int j = 0; j < SIM_MAX_NODES; j++)
			s->link[i][j] = dflt;
}

void sim_destroy(struct sim *s)
{
	for (size_t i = 0; i < s->nq; i++)
		free(s->q[i].data);
	free(s->q);
	s->q = NULL;
	s->nq = s->capq = 0;
}

int sim_add_node(struct sim *s, const struct sim_node_ops *ops, void *ctx)
{
	if (s->nnodes >= SIM_MAX_NODES)
		return -1;
	s->node[s->nnodes].ops = ops;
	s->node[s->nnodes].ctx = ctx;
	return s->nnodes++;
}

void sim_set_link(struct sim *s, int from, int to, struct sim_link l)
{
	if (from >= 0 && from < SIM_MAX_NODES && to >= 0 && to < SIM_MAX_NODES)
		s->link[from][to] = l;
}

void sim_set_all_links(struct sim *s, struct sim_link l)
{
	for (int i = 0; i < SIM_MAX_NODES; i++)
		for (int j = 0; j < SIM_MAX_NODES; j++)
			s->link[i][j] = l;
}

static uint64_t trace_event(uint64_t h, char kind, uint64_t at, int from, int to,
			    const char *buf, size_t len)
{
	h = sim_hash(h, &kind, 1);
	h = sim_hash_u64(h, at);
	h = sim_hash_u64(h, (uint64_t)(unsigned)from);
	h = sim_hash_u64(h, (uint64_t)(unsigned)to);
	h = sim_hash_u64(h, len);
	if (buf)
		h = sim_hash(h, buf, len);
	return h;
}

static int enqueue(struct sim *s, int from, int to, const char *buf, size_t len, uint64_t at)
{
	struct sim_pkt p = { .at = at, .seq = s->seq++, .from = from, .to = to, .len = len };
	p.data = malloc(len ? len : 1);
	if (!p.data)
		return -1;
	if (len)
		memcpy(p.data, buf, len);
	if (q_push(s, p) < 0) {
		free(p.data);
		return -1;
	}
	return 0;
}

int sim_send(struct sim *s, int from, int to, const char *buf, size_t len)
{
	if (from < 0 || from >= s->nnodes || to < 0 || to >= s->nnodes)
		return -1;
	const struct sim_link *l = &s->link[from][to];
	s->st.sent++;

	if (l->down) {
		s->st.down++;
		s->trace = trace_event(s->trace, 'L', s->now, from, to, buf, len);
		return 0;
	}

	uint64_t at = s->now + sim_rng_range(&s->rng, l->delay_min_ms, l->delay_max_ms);
	if (l->reliable) {
		/* A lost segment is sent again by the stream after its RTO,
		 * doubling each time (bounded: a real stack gives up too, but
		 * our connections never break). */
		uint64_t rto = l->rto_ms;
		for (int k = 0; k < 6 && sim_rng_pct(&s->rng, l->loss_pct); k++) {
			at += rto;
			rto *= 2;
			s->st.reordered++;
		}
		/* A stream delivers in order: never before the previous segment. */
		if (at < s->last_at[from][to])
			at = s->last_at[from][to];
		s->last_at[from][to] = at;
		return enqueue(s, from, to, buf, len, at);
	}

	if (sim_rng_pct(&s->rng, l->loss_pct)) {
		s->st.lost++;
		s->trace = trace_event(s->trace, 'L', s->now, from, to, buf, len);
		return 0;
	}
	if (l->reorder_max_ms && sim_rng_pct(&s->rng, l->reorder_pct)) {
		s->st.reordered++;
		at += sim_rng_range(&s->rng, 1, l->reorder_max_ms);
	}
	if (enqueue(s, from, to, buf, len, at) < 0)
		return -1;
	if (sim_rng_pct(&s->rng, l->dup_pct)) {
		/* The copy travels on its own: its own delay, maybe reordered. */
		uint64_t at2 = s->now + sim_rng_range(&s->rng, l->delay_min_ms, l->delay_max_ms);
		if (l->reorder_max_ms && sim_rng_pct(&s->rng, l->reorder_pct))
			at2 += sim_rng_range(&s->rng, 1, l->reorder_max_ms);
		s->st.duplicated++;
		if (enqueue(s, from, to, buf, len, at2) < 0)
			return -1;
	}
	return 0;
}

static uint64_t node_deadline(const struct sim *s, int i)
{
	const struct sim_node_ops *ops = s->node[i].ops;
	if (!ops || !ops->next_deadline || !ops->timeout)
		return SIM_NEVER;
	return ops->next_deadline(s->node[i].ctx);
}

uint64_t sim_next_event(const struct sim *s)
{
	uint64_t t = s->nq ? s->q[0].at : SIM_NEVER;
	for (int i = 0; i < s->nnodes; i++) {
		uint64_t d = node_deadline(s, i);
		if (d < t)
			t = d;
	}
	return t;
}

int sim_step(struct sim *s, uint64_t until)
{
	uint64_t t = sim_next_event(s);
	if (t == SIM_NEVER || t > until)
		return 0;
	if (t > s->now)
		s->now = t;

	/* Timers first: a deadline at the same instant as a delivery fires
	 * before it, the order a real event loop that checks timers on wakeup
	 * would use. Either order is fine as long as it is fixed. */
	int fired = 0;
	for (int i = 0; i < s->nnodes; i++) {
		if (node_deadline(s, i) > s->now)
			continue;
		unsigned n = 0;
		do {
			if (++n > s->stuck_limit)
				return -1;
			s->node[i].ops->timeout(s->node[i].ctx, s->now);
			s->st.timeouts++;
			s->trace = trace_event(s->trace, 'T', s->now, i, i, NULL, 0);
		} while (node_deadline(s, i) <= s->now);
		fired = 1;
	}
	if (fired)
		return 1;

	struct sim_pkt p = q_pop(s);
	s->st.delivered++;
	s->st.bytes += p.len;
	s->trace = trace_event(s->trace, 'D', p.at, p.from, p.to, p.data, p.len);
	if (s->on_deliver)
		s->on_deliver(s->on_deliver_user, &p);
	const struct sim_node_ops *ops = s->node[p.to].ops;
	if (ops && ops->receive)
		ops->receive(s->node[p.to].ctx, p.from, p.data, p.len, s->now);
	free(p.data);
	return 1;
}

int sim_run(struct sim *s, uint64_t until)
{
	int r;
	while ((r = sim_step(s, until)) > 0)
		;
	if (r < 0)
		return -1;
	if (until != SIM_NEVER && s->now < until)
		s->now = until;
	return 0;
}

/* ------------------------------------------------------- counting memory */

/* The header keeps the block size and keeps the payload aligned for any
 * type. */
union sim_mem_hdr {
	size_t size;
	max_align_t align;
};

void *sim_mem_alloc(struct sim_mem *m, size_t size)
{
	if (m->fail_after && --m->fail_after == 0)
		return NULL;
	if (size > SIZE_MAX - sizeof(union sim_mem_hdr))
		return NULL;
	union sim_mem_hdr *h = malloc(sizeof *h + size);
	if (!h)
		return NULL;
	h->size = size;
	m->live += size;
	if (m->live > m->peak)
		m->peak = m->live;
	m->nalloc++;
	return h + 1;
}

void sim_mem_free(struct sim_mem *m, void *p)
{
	if (!p)
		return;
	union sim_mem_hdr *h = (union sim_mem_hdr *)p - 1;
	m->live -= h->size;
	m->nfree++;
	free(h);
}

void sim_mem_free_sized(struct sim_mem *m, void *p, size_t size)
{
	if (!p)
		return;
	if (((union sim_mem_hdr *)p - 1)->size != size)
		m->bad_size++;
	sim_mem_free(m, p);
}

void *sim_mem_realloc(struct sim_mem *m, void *p, size_t size)
{
	if (!p)
		return sim_mem_alloc(m, size);
	if (size == 0) {
		sim_mem_free(m, p);
		return NULL;
	}
	if (m->fail_after && --m->fail_after == 0)
		return NULL;
	if (size > SIZE_MAX - sizeof(union sim_mem_hdr))
		return NULL;
	union sim_mem_hdr *h = (union sim_mem_hdr *)p - 1;
	size_t old = h->size;
	union sim_mem_hdr *n = realloc(h, sizeof *n + size);
	if (!n)
		return NULL;
	n->size = size;
	m->live = m->live - old + size;
	if (m->live > m->peak)
		m->peak = m->live;
	return n + 1;
}

void *sim_mem_hook_alloc(void *user, size_t size)
{
	return sim_mem_alloc(user, size);
}

void sim_mem_hook_free(void *user, void *p, size_t size)
{
	sim_mem_free_sized(user, p, size);
}
