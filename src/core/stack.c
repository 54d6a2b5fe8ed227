/* The stack object's core: configuration, memory, timers, transports and
 * the send path, the event sink, randomness. It calls only the message
 * layer: the layers above wire themselves in (zsip_stack_new and
 * zsip_stack_receive are in txn/txn_stack.c) and clean up through
 * zsipi_on_free. */
#include <string.h>

#include "core/core.h"
#include "msg/hv.h"
#include "msg/lex.h"

#define DEFAULT_MAX_TXN 4096u
#define DEFAULT_T1 500u
#define DEFAULT_T2 4000u
#define DEFAULT_T4 5000u
#define DEFAULT_TIMER_D 32000u  /* §17.1.1.2: at least 32 s on unreliable transports */
#define DEFAULT_TRYING 200u     /* §17.2.1 */
#define DEFAULT_RETRY_AFTER 5u
#define DEFAULT_MAX_MSG 65535u
#define DEFAULT_MAX_HEADER_LEN 8192u
/* Room for what the stack adds to a message it rewrites (Via stamping,
 * To tag, Retry-After, Content-Length). */
#define SCRATCH_SLACK 1024u

int zsip_addr_set(struct zsip_addr *a, const char *host, uint16_t port)
{
	if (!a || !host)
		return ZSIP_EINVAL;
	size_t n = strlen(host);
	if (n >= sizeof(a->host))
		return ZSIP_EINVAL;
	memcpy(a->host, host, n + 1);
	a->port = port;
	return 0;
}

/* splitmix64: a bijection of its counter, so the stream never repeats within
 * 2^64 draws and branches from one stack are unique. */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t zsipi_random64(struct zsip_stack *s)
{
	uint64_t v;
	if (s->random && s->random(s->user, &v, sizeof(v)) == 0)
		return v;
	return splitmix64(&s->rng);
}

struct zsip_stack *zsipi_core_new(const struct zsip_config *cfg)
{
	if (!cfg || !cfg->send)
		return NULL;
	struct zsipi_mem mem;
	zsipi_mem_init(&mem, &cfg->alloc);

	uint32_t t1 = cfg->t1_ms ? cfg->t1_ms : DEFAULT_T1;
	uint32_t t2 = cfg->t2_ms ? cfg->t2_ms : DEFAULT_T2;
	uint32_t t4 = cfg->t4_ms ? cfg->t4_ms : DEFAULT_T4;
	/* §17.1.2.2: T2 caps intervals that start at T1. 64*T1 must fit the
	 * 32-bit interval fields. */
	if (t1 > t2 || t1 > UINT32_MAX / 64)
		return NULL;

	struct zsip_stack *s = zsipi_mem_alloc(&mem, sizeof(*s));
	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->mem = mem;
	zsipi_timers_init(&s->timers, &s->mem);

	s->user = cfg->user;
	s->send = cfg->send;
	s->on_event = cfg->on_event;
	s->ev_user = cfg->user;
	s->random = cfg->random;
	s->rng = cfg->seed;
	s->limits = cfg->limits;
	/* zsip_msg_parse takes a zero as a limit of zero; ours means default. */
	if (!s->limits.max_msg_size)
		s->limits.max_msg_size = DEFAULT_MAX_MSG;
	if (!s->limits.max_headers || s->limits.max_headers > ZSIP_MAX_HEADERS)
		s->limits.max_headers = ZSIP_MAX_HEADERS;
	if (!s->limits.max_header_len)
		s->limits.max_header_len = DEFAULT_MAX_HEADER_LEN;
	s->max_txn = cfg->max_transactions ? cfg->max_transactions : DEFAULT_MAX_TXN;
	s->t1 = t1;
	s->t2 = t2;
	s->t4 = t4;
	s->timer_d = cfg->timer_d_ms ? cfg->timer_d_ms : DEFAULT_TIMER_D;
	s->trying = cfg->trying_ms ? cfg->trying_ms : DEFAULT_TRYING;
	s->retry_after = cfg->retry_after_s ? cfg->retry_after_s : DEFAULT_RETRY_AFTER;

	s->scratch_cap = s->limits.max_msg_size + SCRATCH_SLACK;
	s->scratch = zsipi_mem_alloc(&s->mem, 2 * s->scratch_cap);
	/* The first heap slots come with the stack, so a stack's idle
	 * footprint is all there once it exists. */
	if (!s->scratch || zsipi_timers_reserve(&s->timers, 64) != 0) {
		zsip_stack_free(s);
		return NULL;
	}
	zsipi_timers_unreserve(&s->timers, 64);
	return s;
}

void zsip_stack_free(struct zsip_stack *s)
{
	if (!s)
		return;
	/* Upper layers first: they may still hold what lower ones own. */
	while (s->n_free_hooks > 0) {
		struct zsipi_free_hook h = s->free_hooks[--s->n_free_hooks];
		h.fn(h.user);
	}
	zsipi_timers_fini(&s->timers);
	zsipi_mem_free(&s->mem, s->scratch, 2 * s->scratch_cap);
	struct zsipi_mem mem = s->mem;
	zsipi_mem_free(&mem, s, sizeof(*s));
}

int zsipi_on_free(struct zsip_stack *s, void (*fn)(void *), void *user)
{
	if (s->n_free_hooks == ZSIPI_MAX_FREE_HOOKS)
		return ZSIP_ELIMIT;
	s->free_hooks[s->n_free_hooks].fn = fn;
	s->free_hooks[s->n_free_hooks].user = user;
	s->n_free_hooks++;
	return 0;
}

void zsipi_on_free_cancel(struct zsip_stack *s, void (*fn)(void *), void *user)
{
	for (size_t i = s->n_free_hooks; i-- > 0;) {
		if (s->free_hooks[i].fn != fn || s->free_hooks[i].user != user)
			continue;
		memmove(&s->free_hooks[i], &s->free_hooks[i + 1],
			(s->n_free_hooks - i - 1) * sizeof(s->free_hooks[0]));
		s->n_free_hooks--;
		return;
	}
}

/* ------------------------------------------------------------ transports */

/* sent-by = host [ ":" port ] (RFC 3261 §20.42), as it goes into Via:
 * 1 when valid, with the host's length and the port (0: none) in tp. */
static int valid_sent_by(const char *s, size_t n, struct zsipi_transport *tp)
{
	const char *end = s + n, *p;
	if (zsipi_host_parse(s, end, &p) < 0 || p - s > UINT8_MAX)
		return 0;
	tp->host_len = (uint8_t)(p - s);
	tp->port = 0;
	if (p == end)
		return 1;
	if (*p++ != ':' || p == end || end - p > 5)
		return 0;
	unsigned port = 0;
	for (; p < end; p++) {
		if (!zsipi_is_digit(*p))
			return 0;
		port = port * 10 + (unsigned)(*p - '0');
	}
	tp->port = (uint16_t)port;
	return port <= 65535;
}

int zsip_stack_add_transport(struct zsip_stack *s, enum zsip_transport_kind kind,
			     const char *via_token, int reliable, const char *sent_by)
{
	if (!s || !sent_by)
		return ZSIP_EINVAL;
	const char *token;
	switch (kind) {
	case ZSIP_TRANSPORT_UDP: token = "UDP"; break;
	case ZSIP_TRANSPORT_TCP: token = "TCP"; break;
	case ZSIP_TRANSPORT_TLS: token = "TLS"; break;
	case ZSIP_TRANSPORT_OTHER: token = via_token; break;
	default: return ZSIP_EINVAL;
	}
	if (!token || !*token || strlen(token) >= sizeof(s->tp[0].token))
		return ZSIP_EINVAL;
	if (zsipi_span(token, token + strlen(token), ZSIPI_C_TOKEN) != token + strlen(token))
		return ZSIP_EINVAL;
	size_t n = strlen(sent_by);
	struct zsipi_transport parts;
	if (n >= sizeof(s->tp[0].sent_by) || !valid_sent_by(sent_by, n, &parts))
		return ZSIP_EINVAL;
	for (int i = 0; i < ZSIP_MAX_TRANSPORTS; i++) {
		struct zsipi_transport *tp = &s->tp[i];
		if (tp->used)
			continue;
		tp->used = 1;
		tp->host_len = parts.host_len;
		tp->port = parts.port;
		tp->kind = (uint8_t)kind;
		tp->reliable = reliable ? 1 : 0;
		memcpy(tp->token, token, strlen(token) + 1);
		memcpy(tp->sent_by, sent_by, n + 1);
		return i;
	}
	return ZSIP_ELIMIT;
}

const struct zsipi_transport *zsipi_transport(const struct zsip_stack *s, int id)
{
	if (id < 0 || id >= ZSIP_MAX_TRANSPORTS || !s->tp[id].used)
		return NULL;
	return &s->tp[id];
}

int zsipi_send(struct zsip_stack *s, int transport_id, const struct zsip_addr *dst,
	       const char *buf, size_t len)
{
	if (s->send(s->user, transport_id, dst, buf, len) != 0) {
		s->st.tx_errors++;
		return ZSIP_ETRANSPORT;
	}
	return 0;
}

void zsipi_emit_to(struct zsip_stack *s, void (*fn)(void *, const struct zsip_event *), void *user,
		   const struct zsip_event *ev)
{
	if (!fn)
		return;
	s->depth++;
	fn(user, ev);
	s->depth--;
}

void zsipi_emit(struct zsip_stack *s, const struct zsip_event *ev)
{
	zsipi_emit_to(s, s->on_event, s->ev_user, ev);
}

void zsipi_set_event_sink(struct zsip_stack *s, void (*fn)(void *, const struct zsip_event *),
			  void *user)
{
	s->on_event = fn;
	s->ev_user = user;
}

int zsip_stack_send(struct zsip_stack *s, int transport_id, const struct zsip_addr *dst,
		    const char *buf, size_t len)
{
	if (!s || !dst || !buf || !len || !zsipi_transport(s, transport_id))
		return ZSIP_EINVAL;
	return zsipi_send(s, transport_id, dst, buf, len);
}

/* ------------------------------------------------------------ entry points */

int zsip_stack_timeout(struct zsip_stack *s, uint64_t now_ms)
{
	if (!s)
		return ZSIP_EINVAL;
	if (s->depth)
		return ZSIP_ESTATE;
	zsipi_timers_run(&s->timers, zsipi_advance(s, now_ms));
	return 0;
}

uint64_t zsip_stack_next_deadline(const struct zsip_stack *s)
{
	return s ? zsipi_timers_next(&s->timers) : UINT64_MAX;
}

/* ------------------------------------------------------------ TU helpers */

int zsip_stack_branch(struct zsip_stack *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	if (!s || !out)
		return ZSIP_EINVAL;
	if (cap <= ZSIP_BRANCH_LEN)
		return ZSIP_ENOSPC;
	uint64_t r = zsipi_random64(s);
	memcpy(out, ZSIP_BRANCH_COOKIE, 7);
	for (int i = 0; i < 16; i++)
		out[7 + i] = hex[(r >> (60 - 4 * i)) & 0xf];
	out[ZSIP_BRANCH_LEN] = '\0';
	return ZSIP_BRANCH_LEN;
}

int zsip_stack_random_token(struct zsip_stack *s, char *out, size_t cap, size_t n)
{
	/* alnum[i % 62] for the 64 values of six bits: no division per
	 * character (62 letters, a tiny bias toward '0' and '1'). */
	static const char alnum[] =
		"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01";
	if (!s || !out)
		return ZSIP_EINVAL;
	if (cap <= n || n > 0x7fffffff)
		return ZSIP_ENOSPC;
	uint64_t r = 0;
	int left = 0;
	for (size_t i = 0; i < n; i++) {
		if (left == 0) {
			r = zsipi_random64(s);
			left = 10;      /* 6 bits each */
		}
		out[i] = alnum[r & 63];
		r >>= 6;
		left--;
	}
	out[n] = '\0';
	return (int)n;
}

int zsipi_make_via(struct zsip_stack *s, int transport_id, char *out, size_t cap, int rport,
		   struct zsipi_via_made *made)
{
	if (!s || !out)
		return ZSIP_EINVAL;
	const struct zsipi_transport *tp = zsipi_transport(s, transport_id);
	if (!tp)
		return ZSIP_EINVAL;
	size_t tl = strlen(tp->token), sl = strlen(tp->sent_by);
	size_t need = strlen("SIP/2.0/") + tl + 1 + sl + strlen(";branch=") + ZSIP_BRANCH_LEN +
		      (rport ? strlen(";rport") : 0);
	if (cap <= need)
		return ZSIP_ENOSPC;
	char *p = out;
	memcpy(p, "SIP/2.0/", 8);
	p += 8;
	memcpy(p, tp->token, tl);
	p += tl;
	*p++ = ' ';
	char *host = p;
	memcpy(p, tp->sent_by, sl);
	p += sl;
	memcpy(p, ";branch=", 8);
	p += 8;
	char *branch = p;
	zsip_stack_branch(s, p, ZSIP_BRANCH_LEN + 1);
	p += ZSIP_BRANCH_LEN;
	if (rport) {
		memcpy(p, ";rport", 6);
		p += 6;
	}
	*p = '\0';
	if (made) {
		made->branch = (struct zsip_str){ branch, ZSIP_BRANCH_LEN };
		made->host = (struct zsip_str){ host, tp->host_len };
		made->port = tp->port;
	}
	return (int)(p - out);
}

int zsip_stack_make_via(struct zsip_stack *s, int transport_id, char *out, size_t cap, int rport)
{
	return zsipi_make_via(s, transport_id, out, cap, rport, NULL);
}
