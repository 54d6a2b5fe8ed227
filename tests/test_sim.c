/* The simulated network itself, and (below) transactions proven on it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support/sim.h"
#include "zsip/msg.h"
#include "zsip/stack.h"

/* ===================================================== the sim on its own */

static void test_sim_rng_same_seed_gives_same_sequence(void **state)
{
	(void)state;
	struct sim_rng a, b;
	sim_rng_seed(&a, 42);
	sim_rng_seed(&b, 42);
	for (int i = 0; i < 10000; i++)
		assert_true(sim_rng_next(&a) == sim_rng_next(&b));
}

static void test_sim_rng_different_seeds_give_different_sequences(void **state)
{
	(void)state;
	struct sim_rng a, b;
	sim_rng_seed(&a, 1);
	sim_rng_seed(&b, 2);
	int same = 0;
	for (int i = 0; i < 1000; i++)
		same += sim_rng_next(&a) == sim_rng_next(&b);
	assert_int_equal(same, 0);
}

static void test_sim_rng_range_stays_inside_and_covers_it(void **state)
{
	(void)state;
	struct sim_rng r;
	sim_rng_seed(&r, 7);
	int seen[11] = { 0 };
	for (int i = 0; i < 10000; i++) {
		uint64_t v = sim_rng_range(&r, 5, 15);
		assert_true(v >= 5 && v <= 15);
		seen[v - 5]++;
	}
	for (int i = 0; i < 11; i++)
		assert_true(seen[i] > 700 && seen[i] < 1100);
	assert_int_equal(sim_rng_range(&r, 9, 9), 9);
	assert_int_equal(sim_rng_below(&r, 0), 0);
	assert_int_equal(sim_rng_pct(&r, 0), 0);
	assert_int_equal(sim_rng_pct(&r, 100), 1);
}

/* A node that records the sequence numbers it receives (first 4 bytes). */
struct rec_node {
	uint32_t got[20000];
	uint64_t at[20000];
	size_t n;
	uint64_t deadline;
	unsigned timeouts;
	uint64_t timeout_at[16];
	int stuck;            /* never moves its deadline */
};

static void rec_receive(void *ctx, int from, const char *buf, size_t len, uint64_t now)
{
	(void)from;
	struct rec_node *r = ctx;
	assert_int_equal(len, 4);
	uint32_t v;
	memcpy(&v, buf, 4);
	if (r->n < 20000) {
		r->got[r->n] = v;
		r->at[r->n] = now;
		r->n++;
	}
}

static uint64_t rec_deadline(void *ctx)
{
	return ((struct rec_node *)ctx)->deadline;
}

static void rec_timeout(void *ctx, uint64_t now)
{
	struct rec_node *r = ctx;
	if (r->timeouts < 16)
		r->timeout_at[r->timeouts] = now;
	r->timeouts++;
	if (!r->stuck)
		r->deadline = SIM_NEVER;
}

static const struct sim_node_ops rec_ops = { rec_receive, rec_deadline, rec_timeout };

static void send_seq(struct sim *s, int from, int to, uint32_t n, uint64_t step)
{
	for (uint32_t i = 0; i < n; i++) {
		char b[4];
		memcpy(b, &i, 4);
		assert_int_equal(sim_send(s, from, to, b, 4), 0);
		s->now += step;
	}
}

static void test_sim_tcp_like_link_delivers_everything_once_in_order(void **state)
{
	(void)state;
	static struct rec_node a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.deadline = b.deadline = SIM_NEVER;
	struct sim s;
	sim_init(&s, 99, 1000, sim_link_tcp(30));
	int na = sim_add_node(&s, &rec_ops, &a);
	int nb = sim_add_node(&s, &rec_ops, &b);
	send_seq(&s, na, nb, 5000, 1);
	assert_int_equal(sim_run(&s, SIM_NEVER), 0);
	assert_int_equal(b.n, 5000);
	for (uint32_t i = 0; i < 5000; i++) {
		assert_int_equal(b.got[i], i);
		if (i)
			assert_true(b.at[i] >= b.at[i - 1]);
	}
	assert_int_equal(s.st.lost, 0);
	assert_true(s.st.reordered > 1000); /* stream retransmissions: late, still in order */
	assert_int_equal(s.st.duplicated, 0);
	sim_destroy(&s);
}

static void test_sim_udp_like_link_loses_duplicates_and_reorders(void **state)
{
	(void)state;
	static struct rec_node a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.deadline = b.deadline = SIM_NEVER;
	struct sim s;
	sim_init(&s, 12345, 0, sim_link_udp(30));
	int na = sim_add_node(&s, &rec_ops, &a);
	int nb = sim_add_node(&s, &rec_ops, &b);
	send_seq(&s, na, nb, 10000, 1);
	assert_int_equal(sim_run(&s, SIM_NEVER), 0);

	/* 30% loss, 5% duplication of the survivors: about 7350 arrive. */
	assert_true(s.st.lost > 2700 && s.st.lost < 3300);
	assert_true(s.st.duplicated > 250 && s.st.duplicated < 450);
	assert_int_equal(b.n, 10000 - s.st.lost + s.st.duplicated);

	static unsigned count[10000];
	memset(count, 0, sizeof count);
	size_t inversions = 0;
	for (size_t i = 0; i < b.n; i++) {
		count[b.got[i]]++;
		if (i && b.got[i] < b.got[i - 1])
			inversions++;
	}
	size_t twice = 0;
	for (size_t i = 0; i < 10000; i++) {
		assert_true(count[i] <= 2);
		twice += count[i] == 2;
	}
	assert_int_equal(twice, s.st.duplicated);
	assert_true(inversions > 100);
	sim_destroy(&s);
}

static uint64_t trace_of(uint64_t seed)
{
	static struct rec_node a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.deadline = b.deadline = SIM_NEVER;
	struct sim s;
	sim_init(&s, seed, 0, sim_link_udp(30));
	int na = sim_add_node(&s, &rec_ops, &a);
	int nb = sim_add_node(&s, &rec_ops, &b);
	send_seq(&s, na, nb, 500, 3);
	send_seq(&s, nb, na, 500, 2);
	assert_int_equal(sim_run(&s, SIM_NEVER), 0);
	uint64_t t = s.trace;
	sim_destroy(&s);
	return t;
}

static void test_sim_same_seed_gives_same_trace(void **state)
{
	(void)state;
	assert_true(trace_of(5) == trace_of(5));
	assert_true(trace_of(5) != trace_of(6));
}

static void test_sim_timer_fires_exactly_at_the_node_deadline(void **state)
{
	(void)state;
	static struct rec_node a;
	memset(&a, 0, sizeof a);
	a.deadline = 1500;
	struct sim s;
	sim_init(&s, 1, 1000, sim_link_ideal(0));
	sim_add_node(&s, &rec_ops, &a);
	assert_int_equal(sim_next_event(&s), 1500);
	assert_int_equal(sim_run(&s, 1499), 0);
	assert_int_equal(a.timeouts, 0);
	assert_int_equal(s.now, 1499);
	assert_int_equal(sim_run(&s, 5000), 0);
	assert_int_equal(a.timeouts, 1);
	assert_int_equal(a.timeout_at[0], 1500);
	assert_int_equal(s.now, 5000);
	sim_destroy(&s);
}

static void test_sim_reports_a_node_whose_deadline_never_moves(void **state)
{
	(void)state;
	static struct rec_node a;
	memset(&a, 0, sizeof a);
	a.deadline = 10;
	a.stuck = 1;
	struct sim s;
	sim_init(&s, 1, 0, sim_link_ideal(0));
	sim_add_node(&s, &rec_ops, &a);
	assert_int_equal(sim_run(&s, 100), -1);
	sim_destroy(&s);
}

static void test_sim_destroy_frees_undelivered_datagrams(void **state)
{
	(void)state;
	static struct rec_node a;
	memset(&a, 0, sizeof a);
	a.deadline = SIM_NEVER;
	struct sim s;
	sim_init(&s, 1, 0, sim_link_ideal(100));
	int n = sim_add_node(&s, &rec_ops, &a);
	send_seq(&s, n, n, 100, 0);
	assert_int_equal(s.nq, 100);
	sim_destroy(&s); /* valgrind / ASan: no leak */
	assert_int_equal(sim_send(&s, 0, 5, "x", 1), -1);
}

static void test_sim_counting_allocator_tracks_live_and_peak(void **state)
{
	(void)state;
	struct sim_mem m = { 0 };
	void *p = sim_mem_alloc(&m, 100);
	void *q = sim_mem_alloc(&m, 50);
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(m.live, 150);
	q = sim_mem_realloc(&m, q, 500);
	assert_int_equal(m.live, 600);
	sim_mem_free(&m, p);
	sim_mem_free(&m, q);
	assert_int_equal(m.live, 0);
	assert_int_equal(m.peak, 600);
	m.fail_after = 2;
	p = sim_mem_alloc(&m, 1);
	assert_non_null(p);
	assert_null(sim_mem_alloc(&m, 1));
	sim_mem_free(&m, p);
	assert_int_equal(m.live, 0);
}

/* ============================================ transactions on the sim
 *
 * Two stacks (a UAC at 10.0.0.1, a UAS at 10.0.0.2) and a black hole
 * (10.0.0.3, every link to it down) on the simulated network. Above each
 * stack sits a small scripted TU:
 *   - the UAC starts a few transactions per seed at random times: INVITE,
 *     OPTIONS or REGISTER; it ACKs every 2xx to an INVITE itself, as a UA
 *     core does (RFC 3261 §13.2.2.4), since the transaction layer passes
 *     2xx up (§17.1.1.2, RFC 6026 §8.4);
 *   - the UAS answers each new request after random delays: 1xx then 2xx
 *     or 486 for INVITE, 100 and/or 200 for non-INVITE (sometimes after
 *     Timer F has long fired); it retransmits its 2xx to an INVITE every
 *     T1 doubling to T2 until the ACK comes or 64*T1 passes (§13.3.1.4),
 *     through the server transaction in RFC 6026's Accepted state.
 * The properties are checked at the transaction level, per transaction,
 * from the events the TUs saw and from what the network delivered. */

#define T1 500u
#define T2 4000u
#define T64 (64u * T1) /* Timers B and F, §17.1.1.2, §17.1.2.2 */

enum kind {
	K_INV_2XX,        /* INVITE: 180, then 200 */
	K_INV_4XX,        /* INVITE: 180, then 486 */
	K_INV_4XX_DIRECT, /* INVITE: 486 straight away, often before 100 Trying */
	K_OPTIONS,        /* OPTIONS: 200 */
	K_REGISTER,       /* REGISTER: maybe 100, then 200; sometimes after Timer F */
	K_BH_INVITE,      /* INVITE into a black hole: Timer B */
	K_BH_OPTIONS,     /* OPTIONS into a black hole: Timer F */
	K__COUNT
};

static const char *const kind_name[K__COUNT] = {
	"INVITE/180/200", "INVITE/180/486", "INVITE/486", "OPTIONS/200",
	"REGISTER/100/200", "INVITE/lost", "OPTIONS/lost",
};

#define MAX_TX 6

struct rec {
	int kind, is_invite, blackhole;
	uint64_t start_at;            /* when the UAC TU starts it */
	int started;
	char call_id[48];

	/* the UAS TU's script */
	uint64_t d1, d2;              /* 1xx and final, after the request event */
	int prov_code, final_code;

	/* what the network did */
	uint64_t final_arrived_at;    /* first final response to reach the UAC node */
	int req_arrived;              /* a copy of the request reached the UAS node */
	uint64_t ack_arrived_at;      /* first ACK to reach the UAS node after its final */
	unsigned finals_to_live_ctx;  /* final copies that reached the UAC while its txn lived */
	unsigned wire_acks;           /* ACKs the UAC node sent (transaction's and TU's) */
	unsigned reqs_to_answered;    /* request copies that reached a live, answered server txn */
	unsigned wire_resps;          /* responses the UAS node sent */
	unsigned s_resps;             /* responses the UAS TU gave its transaction */

	/* UAC side */
	struct zsip_txn *ctx;
	uint64_t real_start;
	unsigned c_prov, c_final, c_2xx, c_non2xx, c_timeout, c_term, c_tperr, c_late, c_stray;
	int c_final_code;
	uint64_t c_first_prov_at, c_first_final_at, c_timeout_at, c_term_at;
	unsigned acks_sent;
	int killed;                   /* INVITE left in Proceeding: the TU ended it */

	/* UAS side */
	struct zsip_txn *stx;
	unsigned s_req, s_term, s_ack_txn, s_ack_stray, s_timeout, s_late, s_other;
	uint64_t s_req_at, s_next_at, s_2xx_first, s_final_at, s_timeout_at, s_term_at;
	uint32_t s_2xx_ivl;
	int s_phase, s_acked;
	char to_tag[16];
};

struct world;

struct ep {
	struct world *w;
	int node, role;               /* role 0: UAC, 1: UAS */
	struct zsip_stack *stack;
	int tp;
	struct zsip_addr addr;      /* where it listens: its Via sent-by */
	struct zsip_addr seen_as;   /* the source address its datagrams carry */
	struct sim_mem mem;
};

struct world {
	struct sim sim;
	uint64_t seed;
	int reliable;
	struct ep ep[2];
	struct zsip_addr bh_addr;
	int bh_node;
	struct rec rec[MAX_TX];
	int nrec;
	unsigned bad_dst, bad_port, tu_errors, unknown_events;
	char errmsg[256];
};

static void *w_alloc(void *u, size_t n)
{
	return sim_mem_alloc(u, n);
}

static void w_free(void *u, void *p, size_t n)
{
	sim_mem_free_sized(u, p, n);
}

static int addr_eq(const struct zsip_addr *a, const struct zsip_addr *b)
{
	return a->port == b->port && strcmp(a->host, b->host) == 0;
}

static int node_of(struct world *w, const struct zsip_addr *a)
{
	for (int i = 0; i < 2; i++)
		if (addr_eq(a, &w->ep[i].addr) || addr_eq(a, &w->ep[i].seen_as))
			return w->ep[i].node;
	if (addr_eq(a, &w->bh_addr))
		return w->bh_node;
	return -1;
}

/* Call-ID "t<i>.<seed>@sim" names record i. */
static struct rec *rec_of_callid(struct world *w, struct zsip_str cid)
{
	if (!cid.p || cid.len < 2 || cid.p[0] != 't')
		return NULL;
	int i = 0;
	size_t k = 1;
	while (k < cid.len && cid.p[k] >= '0' && cid.p[k] <= '9')
		i = i * 10 + (cid.p[k++] - '0');
	if (i >= w->nrec || strlen(w->rec[i].call_id) != cid.len ||
	    memcmp(w->rec[i].call_id, cid.p, cid.len) != 0)
		return NULL;
	return &w->rec[i];
}

static int w_send(void *user, int tp, const struct zsip_addr *dst, const char *buf, size_t len)
{
	struct ep *e = user;
	(void)tp;
	int to = node_of(e->w, dst);
	if (to < 0) {
		e->w->bad_dst++;
		return 0;
	}
	/* The UAC's datagrams come from port 5070 while its Via says 5060 (a
	 * NAT, say). Responses go to the source port when the request asked
	 * for rport (RFC 3581 §4) or came over a connection (§18.2.2), else to
	 * the sent-by port (§18.2.2). The UAC asks for rport on odd seeds. */
	if (e->role == 1 && to == e->w->ep[0].node) {
		uint16_t want = e->w->reliable || (e->w->seed & 1) ? 5070 : 5060;
		if (dst->port != want)
			e->w->bad_port++;
	}
	/* Count what each side puts on the wire, per transaction. */
	static struct zsip_msg m;
	if (zsip_msg_parse(&m, buf, len, NULL) > 0) {
		struct rec *r = rec_of_callid(e->w, m.call_id);
		if (r && e->role == 0 && m.is_request && m.method_id == ZSIP_METHOD_ACK)
			r->wire_acks++;
		if (r && e->role == 1 && !m.is_request)
			r->wire_resps++;
	}
	return sim_send(&e->w->sim, e->node, to, buf, len);
}

static void trace_tu(struct world *w, int role, int type, const struct rec *r, int code, uint64_t now)
{
	uint64_t h = w->sim.trace;
	h = sim_hash_u64(h, 0x7475000000000000ULL | (uint64_t)(role << 8 | type));
	h = sim_hash_u64(h, r ? (uint64_t)(r - w->rec) : 999);
	h = sim_hash_u64(h, (uint64_t)code);
	w->sim.trace = sim_hash_u64(h, now);
}

static struct zsip_str hdr_value(const struct zsip_msg *m, enum zsip_hdr_id id)
{
	const struct zsip_hdr *h = zsip_msg_find(m, id);
	struct zsip_str none = { NULL, 0 };
	return h ? h->value : none;
}

/* The ACK for a 2xx is the UAC core's, not the transaction's: a new
 * branch, CSeq number of the INVITE, To with the tag of the 2xx
 * (RFC 3261 §13.2.2.4). */
static void uac_send_ack(struct ep *e, struct rec *r, const struct zsip_msg *resp)
{
	char via[128], cseq[32], out[1024];
	if (zsip_stack_make_via(e->stack, e->tp, via, sizeof via, 0) < 0) {
		e->w->tu_errors++;
		return;
	}
	snprintf(cseq, sizeof cseq, "%u ACK", (unsigned)resp->cseq.num);
	struct zsip_field f[] = {
		{ ZSIP_STR("Via"), zsip_str_c(via) },
		{ ZSIP_STR("Max-Forwards"), ZSIP_STR("70") },
		{ ZSIP_STR("From"), hdr_value(resp, ZSIP_HDR_FROM) },
		{ ZSIP_STR("To"), hdr_value(resp, ZSIP_HDR_TO) },
		{ ZSIP_STR("Call-ID"), resp->call_id },
		{ ZSIP_STR("CSeq"), zsip_str_c(cseq) },
	};
	struct zsip_request req = { ZSIP_STR("ACK"), ZSIP_STR("sip:bob@10.0.0.2:5060"), f, 6, { NULL, 0 } };
	int n = zsip_build_request(out, sizeof out, &req);
	if (n < 0 || (size_t)n > sizeof out ||
	    zsip_stack_send(e->stack, e->tp, &e->w->ep[1].addr, out, (size_t)n) != 0) {
		e->w->tu_errors++;
		return;
	}
	r->acks_sent++;
}

static void uac_event(struct ep *e, const struct zsip_event *ev)
{
	struct world *w = e->w;
	struct rec *r = ev->txn ? zsip_txn_user(ev->txn) : NULL;
	if (ev->type == ZSIP_EV_STRAY_RESPONSE) {
		r = ev->msg ? rec_of_callid(w, ev->msg->call_id) : NULL;
		trace_tu(w, 0, ev->type, r, ev->msg ? ev->msg->status : 0, ev->now_ms);
		if (!r) {
			w->unknown_events++;
			return;
		}
		r->c_stray++;
		/* A 2xx retransmitted after Timer M still wants its ACK. */
		if (r->is_invite && ev->msg->status >= 200 && ev->msg->status < 300)
			uac_send_ack(e, r, ev->msg);
		return;
	}
	if (!r) {
		w->unknown_events++;
		return;
	}
	trace_tu(w, 0, ev->type, r, ev->msg ? ev->msg->status : 0, ev->now_ms);
	if (r->c_term)
		r->c_late++;
	switch (ev->type) {
	case ZSIP_EV_RESPONSE: {
		int st = ev->msg->status;
		if (st < 200) {
			if (!r->c_prov++)
				r->c_first_prov_at = ev->now_ms;
			break;
		}
		if (!r->c_final++) {
			r->c_first_final_at = ev->now_ms;
			r->c_final_code = st;
		}
		if (st < 300) {
			r->c_2xx++;
			if (r->is_invite)
				uac_send_ack(e, r, ev->msg);
		} else {
			r->c_non2xx++;
		}
		break;
	}
	case ZSIP_EV_TIMEOUT:
		r->c_timeout++;
		r->c_timeout_at = ev->now_ms;
		break;
	case ZSIP_EV_TRANSPORT_ERROR:
		r->c_tperr++;
		break;
	case ZSIP_EV_TERMINATED:
		r->c_term++;
		r->c_term_at = ev->now_ms;
		r->ctx = NULL;
		break;
	default:
		w->unknown_events++;
		break;
	}
}

static void uas_reply(struct ep *e, struct rec *r, int code, uint64_t now)
{
	struct zsip_field contact = { ZSIP_STR("Contact"), ZSIP_STR("<sip:bob@10.0.0.2:5060>") };
	struct zsip_response resp = {
		.code = code,
		.to_tag = code > 100 ? zsip_str_c(r->to_tag) : (struct zsip_str){ NULL, 0 },
		.hdrs = &contact,
		.nhdrs = code > 100 ? 1 : 0,
	};
	if (!r->stx || zsip_txn_reply(r->stx, &resp, now) != 0)
		e->w->tu_errors++;
	else
		r->s_resps++;
}

/* The UAS TU's timer for record r: next 1xx, the final, or a 2xx resend. */
static void uas_act(struct ep *e, struct rec *r, uint64_t now)
{
	r->s_next_at = SIM_NEVER;
	if (r->s_phase == 0 && r->prov_code) {
		uas_reply(e, r, r->prov_code, now);
		r->s_phase = 1;
		r->s_next_at = r->s_req_at + r->d2;
		return;
	}
	if (r->s_phase <= 1) {
		uas_reply(e, r, r->final_code, now);
		r->s_phase = 2;
		r->s_final_at = now;
		if (r->is_invite && r->final_code < 300) {
			r->s_2xx_first = now;
			r->s_2xx_ivl = T1;
			r->s_next_at = now + T1;
		}
		return;
	}
	/* §13.3.1.4: resend the 2xx, T1 doubling to T2, until the ACK or
	 * 64*T1; RFC 6026 keeps the transaction (Accepted) for exactly that
	 * long, so it is the path for the resends. */
	if (r->s_acked || !r->stx || now - r->s_2xx_first >= T64)
		return;
	uas_reply(e, r, r->final_code, now);
	r->s_2xx_ivl = r->s_2xx_ivl * 2 > T2 ? T2 : r->s_2xx_ivl * 2;
	r->s_next_at = now + r->s_2xx_ivl;
}

static void uas_event(struct ep *e, const struct zsip_event *ev)
{
	struct world *w = e->w;
	struct rec *r = NULL;
	if (ev->type == ZSIP_EV_REQUEST || ev->type == ZSIP_EV_ACK)
		r = rec_of_callid(w, ev->msg->call_id);
	else if (ev->txn)
		r = zsip_txn_user(ev->txn);
	trace_tu(w, 1, ev->type, r, 0, ev->now_ms);
	if (!r) {
		w->unknown_events++;
		return;
	}
	switch (ev->type) {
	case ZSIP_EV_REQUEST:
		if (r->s_term)
			r->s_late++;
		if (r->s_req++)
			break; /* the second one: the check below reports it */
		r->stx = ev->txn;
		zsip_txn_set_user(ev->txn, r);
		r->s_req_at = ev->now_ms;
		r->s_next_at = ev->now_ms + (r->prov_code ? r->d1 : r->d2);
		break;
	case ZSIP_EV_ACK:
		if (ev->txn)
			r->s_ack_txn++;
		else
			r->s_ack_stray++;
		r->s_acked = 1;
		break;
	case ZSIP_EV_TIMEOUT:
		r->s_timeout++;
		r->s_timeout_at = ev->now_ms;
		break;
	case ZSIP_EV_TERMINATED:
		r->s_term++;
		r->s_term_at = ev->now_ms;
		r->stx = NULL;
		break;
	default:
		r->s_other++;
		break;
	}
}

static void w_event(void *user, const struct zsip_event *ev)
{
	struct ep *e = user;
	if (e->role == 0)
		uac_event(e, ev);
	else
		uas_event(e, ev);
}

static void uac_start(struct ep *e, struct rec *r, uint64_t now)
{
	static const char *const meth[K__COUNT] = {
		"INVITE", "INVITE", "INVITE", "OPTIONS", "REGISTER", "INVITE", "OPTIONS",
	};
	char via[128], cseq[32], from[96], out[1024];
	const char *m = meth[r->kind];
	r->started = 1;
	if (zsip_stack_make_via(e->stack, e->tp, via, sizeof via, (int)(e->w->seed & 1)) < 0) {
		e->w->tu_errors++;
		return;
	}
	snprintf(cseq, sizeof cseq, "%u %s", (unsigned)(1 + (r - e->w->rec)), m);
	snprintf(from, sizeof from, "<sip:alice@10.0.0.1>;tag=f%u", (unsigned)(r - e->w->rec));
	const char *ruri = r->kind == K_REGISTER ? "sip:10.0.0.2" :
			   r->blackhole ? "sip:carol@10.0.0.3" : "sip:bob@10.0.0.2";
	struct zsip_field f[] = {
		{ ZSIP_STR("Via"), zsip_str_c(via) },
		{ ZSIP_STR("Max-Forwards"), ZSIP_STR("70") },
		{ ZSIP_STR("From"), zsip_str_c(from) },
		{ ZSIP_STR("To"), ZSIP_STR("<sip:bob@10.0.0.2>") },
		{ ZSIP_STR("Call-ID"), zsip_str_c(r->call_id) },
		{ ZSIP_STR("CSeq"), zsip_str_c(cseq) },
		{ ZSIP_STR("Contact"), ZSIP_STR("<sip:alice@10.0.0.1:5060>") },
	};
	struct zsip_request req = { zsip_str_c(m), zsip_str_c(ruri), f, 7, { NULL, 0 } };
	int n = zsip_build_request(out, sizeof out, &req);
	if (n < 0 || (size_t)n > sizeof out) {
		e->w->tu_errors++;
		return;
	}
	r->real_start = now;
	const struct zsip_addr *dst = r->blackhole ? &e->w->bh_addr : &e->w->ep[1].addr;
	if (zsip_stack_request(e->stack, e->tp, dst, out, (size_t)n, r, now, &r->ctx) != 0)
		e->w->tu_errors++;
}

static uint64_t tu_deadline(const struct ep *e)
{
	const struct world *w = e->w;
	uint64_t t = SIM_NEVER;
	for (int i = 0; i < w->nrec; i++) {
		const struct rec *r = &w->rec[i];
		uint64_t d = e->role == 0 ? (r->started ? SIM_NEVER : r->start_at) : r->s_next_at;
		if (d < t)
			t = d;
	}
	return t;
}

static uint64_t ep_deadline(void *ctx)
{
	struct ep *e = ctx;
	uint64_t a = zsip_stack_next_deadline(e->stack), b = tu_deadline(e);
	return a < b ? a : b;
}

static void ep_timeout(void *ctx, uint64_t now)
{
	struct ep *e = ctx;
	if (zsip_stack_next_deadline(e->stack) <= now)
		zsip_stack_timeout(e->stack, now);
	for (int i = 0; i < e->w->nrec; i++) {
		struct rec *r = &e->w->rec[i];
		if (e->role == 0 && !r->started && r->start_at <= now)
			uac_start(e, r, now);
		if (e->role == 1 && r->s_next_at <= now)
			uas_act(e, r, now);
	}
}

static void ep_receive(void *ctx, int from, const char *buf, size_t len, uint64_t now)
{
	struct ep *e = ctx;
	const struct zsip_addr *src = from == e->w->ep[0].node ? &e->w->ep[0].seen_as : &e->w->ep[1].seen_as;
	zsip_stack_receive(e->stack, e->tp, src, buf, len, now);
}

static const struct sim_node_ops ep_ops = { ep_receive, ep_deadline, ep_timeout };
static const struct sim_node_ops bh_ops = { NULL, NULL, NULL };

/* What reached whom, read off the wire: the oracle for "delivered once"
 * and "a final that arrived must be reported". */
static void w_on_deliver(void *user, const struct sim_pkt *p)
{
	struct world *w = user;
	static struct zsip_msg m;
	if (zsip_msg_parse(&m, p->data, p->len, NULL) <= 0)
		return;
	struct rec *r = rec_of_callid(w, m.call_id);
	if (!r)
		return;
	if (p->to == w->ep[0].node && !m.is_request && m.status >= 200 &&
	    r->final_arrived_at == SIM_NEVER)
		r->final_arrived_at = p->at;
	if (p->to == w->ep[0].node && !m.is_request && m.status >= 300 && r->ctx)
		r->finals_to_live_ctx++;
	if (p->to == w->ep[1].node && m.is_request && m.method_id != ZSIP_METHOD_ACK && r->stx &&
	    r->s_resps)
		r->reqs_to_answered++;
	if (p->to == w->ep[1].node && m.is_request && m.method_id != ZSIP_METHOD_ACK)
		r->req_arrived = 1;
	if (p->to == w->ep[1].node && m.is_request && m.method_id == ZSIP_METHOD_ACK &&
	    r->s_phase == 2 && r->ack_arrived_at == SIM_NEVER)
		r->ack_arrived_at = p->at;
}

static void world_init(struct world *w, uint64_t seed, int reliable)
{
	memset(w, 0, sizeof *w);
	w->seed = seed;
	w->reliable = reliable;
	sim_init(&w->sim, seed, 1000, reliable ? sim_link_tcp(30) : sim_link_udp(30));
	w->sim.on_deliver = w_on_deliver;
	w->sim.on_deliver_user = w;
	static const char *const host[2] = { "10.0.0.1", "10.0.0.2" };
	for (int i = 0; i < 2; i++) {
		struct ep *e = &w->ep[i];
		e->w = w;
		e->role = i;
		zsip_addr_set(&e->addr, host[i], 5060);
		zsip_addr_set(&e->seen_as, host[i], i == 0 ? 5070 : 5060);
		struct zsip_config cfg = { 0 };
		cfg.alloc.alloc = w_alloc;
		cfg.alloc.free = w_free;
		cfg.alloc.user = &e->mem;
		cfg.user = e;
		cfg.send = w_send;
		cfg.on_event = w_event;
		cfg.seed = seed * 2 + (uint64_t)i + 1;
		e->stack = zsip_stack_new(&cfg);
		assert_non_null(e->stack);
		char sent_by[32];
		snprintf(sent_by, sizeof sent_by, "%s:5060", host[i]);
		e->tp = zsip_stack_add_transport(e->stack, reliable ? ZSIP_TRANSPORT_TCP : ZSIP_TRANSPORT_UDP,
						 NULL, reliable, sent_by);
		assert_true(e->tp >= 0);
		e->node = sim_add_node(&w->sim, &ep_ops, e);
	}
	zsip_addr_set(&w->bh_addr, "10.0.0.3", 5060);
	w->bh_node = sim_add_node(&w->sim, &bh_ops, NULL);
	struct sim_link down = w->sim.link[0][0];
	down.down = 1;
	for (int i = 0; i < 3; i++) {
		sim_set_link(&w->sim, i, w->bh_node, down);
		sim_set_link(&w->sim, w->bh_node, i, down);
	}

	/* The script, drawn from the same generator: one seed, one run. */
	struct sim_rng *g = &w->sim.rng;
	w->nrec = MAX_TX;
	for (int i = 0; i < w->nrec; i++) {
		struct rec *r = &w->rec[i];
		uint64_t x = sim_rng_below(g, 32);
		r->kind = x < 7 ? K_INV_2XX : x < 12 ? K_INV_4XX : x < 15 ? K_INV_4XX_DIRECT :
			  x < 22 ? K_OPTIONS : x < 29 ? K_REGISTER : x < 31 ? K_BH_INVITE : K_BH_OPTIONS;
		r->is_invite = r->kind <= K_INV_4XX_DIRECT || r->kind == K_BH_INVITE;
		r->blackhole = r->kind >= K_BH_INVITE;
		r->start_at = 1000 + sim_rng_below(g, 3000);
		snprintf(r->call_id, sizeof r->call_id, "t%d.%llu@sim", i, (unsigned long long)seed);
		snprintf(r->to_tag, sizeof r->to_tag, "b%d", i);
		r->final_arrived_at = r->ack_arrived_at = SIM_NEVER;
		r->s_next_at = SIM_NEVER;
		r->c_first_prov_at = r->c_first_final_at = r->c_timeout_at = SIM_NEVER;
		r->d1 = sim_rng_below(g, 400);
		r->d2 = r->d1 + sim_rng_below(g, 4000);
		switch (r->kind) {
		case K_INV_2XX:
			r->prov_code = 180;
			r->final_code = 200;
			break;
		case K_INV_4XX:
			r->prov_code = 180;
			r->final_code = 486;
			break;
		case K_INV_4XX_DIRECT:
			r->final_code = 486;
			r->d2 = sim_rng_below(g, 400); /* around the 200 ms of 100 Trying */
			break;
		case K_REGISTER:
			r->prov_code = sim_rng_pct(g, 50) ? 100 : 0;
			r->final_code = 200;
			if (sim_rng_pct(g, 10))
				r->d2 = T64 + 8000; /* long after Timer F */
			break;
		default:
			r->final_code = 200;
			break;
		}
	}
}

/* Outcome counters across seeds. */
struct tally {
	unsigned runs, txns[K__COUNT], finals[K__COUNT], timeouts[K__COUNT], left_proceeding;
	unsigned dup_deliveries_absorbed;
	uint64_t retransmissions, lost, duplicated;
};

#define CHECK(w, r, cond)                                                                 \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fail_msg("seed %llu %s txn %d (%s): %s", (unsigned long long)(w)->seed, \
				 (w)->reliable ? "tcp" : "udp", (int)((r) - (w)->rec),     \
				 kind_name[(r)->kind], #cond);                             \
		}                                                                         \
	} while (0)

static void check_rec(struct world *w, struct rec *r, struct tally *t)
{
	/* The UAC side: every client transaction ends once (§17.1), with
	 * either its final response or a timeout at exactly 64*T1. */
	CHECK(w, r, r->started && r->real_start == r->start_at);
	CHECK(w, r, r->c_term == 1);
	CHECK(w, r, r->c_late == 0);
	CHECK(w, r, r->c_tperr == 0);
	CHECK(w, r, r->c_timeout <= 1);
	if (r->is_invite) {
		/* Non-2xx finals are absorbed by the transaction; 2xx may come
		 * again (RFC 6026 §8.4, for the TU to re-ACK); never both. */
		CHECK(w, r, r->c_non2xx <= 1);
		CHECK(w, r, !(r->c_2xx && r->c_non2xx));
	} else {
		/* §17.1.2.2: one final response per non-INVITE transaction. */
		CHECK(w, r, r->c_final <= 1);
		CHECK(w, r, r->c_2xx + r->c_non2xx == r->c_final);
	}
	if (r->c_final) {
		CHECK(w, r, r->c_timeout == 0);
		CHECK(w, r, r->c_final_code == r->final_code);
		CHECK(w, r, !r->blackhole);
		/* Calling/Trying/Proceeding of a non-INVITE end at Timer F; an
		 * INVITE that never saw a 1xx ends at Timer B. */
		if (!r->is_invite || r->c_first_prov_at > r->c_first_final_at)
			CHECK(w, r, r->c_first_final_at < r->real_start + T64);
		t->finals[r->kind]++;
	} else if (r->c_timeout) {
		/* Timer B (§17.1.1.2) fires only in Calling; Timer F
		 * (§17.1.2.2) in Trying or Proceeding. Both at 64*T1, never
		 * later, and only when no final response had reached us. */
		CHECK(w, r, r->c_timeout_at == r->real_start + T64);
		CHECK(w, r, r->final_arrived_at >= r->c_timeout_at);
		if (r->is_invite)
			CHECK(w, r, r->c_prov == 0);
		t->timeouts[r->kind]++;
	} else {
		/* An INVITE in Proceeding has no timer of its own (§17.1.1.2);
		 * it may wait for ever only when no final response reached us. */
		CHECK(w, r, r->killed);
		CHECK(w, r, r->is_invite && r->c_prov > 0);
		CHECK(w, r, r->final_arrived_at == SIM_NEVER);
		t->left_proceeding++;
	}
	if (r->blackhole)
		CHECK(w, r, r->c_timeout == 1 && r->c_prov == 0);

	/* §17.1.1.3: the INVITE transaction ACKs its non-2xx final and every
	 * retransmission of it that reaches it, and never a 2xx: those the TU
	 * ACKs (§13.2.2.4). */
	if (r->is_invite && r->final_code >= 300)
		CHECK(w, r, r->wire_acks == r->finals_to_live_ctx);
	if (r->is_invite && r->final_code < 300)
		CHECK(w, r, r->wire_acks == r->acks_sent);
	/* §17.2.2: a non-INVITE server transaction sends each response the
	 * TU gives it once, and answers every retransmitted request with the
	 * last response, once it has one; it never sends on its own. */
	if (!r->is_invite)
		CHECK(w, r, r->wire_resps == r->s_resps + r->reqs_to_answered);

	/* ... and ends when its last timer says, to the millisecond: Timer K
	 * (T4, §17.1.2.2), D (32 s, §17.1.1.2) or M (64*T1, RFC 6026 §8.4)
	 * after the final, zero on a reliable transport for K and D. */
	const uint64_t rel = (uint64_t)!w->reliable;
	if (r->killed) {
		/* ended by the TU */
	} else if (r->c_timeout) {
		CHECK(w, r, r->c_term_at == r->c_timeout_at);
	} else if (!r->is_invite) {
		CHECK(w, r, r->c_term_at == r->c_first_final_at + rel * 5000);
	} else if (r->c_2xx) {
		CHECK(w, r, r->c_term_at == r->c_first_final_at + T64);
	} else {
		CHECK(w, r, r->c_term_at == r->c_first_final_at + rel * 32000);
	}

	/* The UAS side: the TU sees each request exactly once however many
	 * copies arrive (§17.2.1, §17.2.2: retransmissions are absorbed), and
	 * each server transaction ends exactly once. */
	CHECK(w, r, r->s_req == (unsigned)r->req_arrived);
	CHECK(w, r, r->s_late == 0);
	CHECK(w, r, r->s_term == r->s_req);
	CHECK(w, r, r->s_other == 0);
	if (!r->is_invite) {
		CHECK(w, r, r->s_ack_txn + r->s_ack_stray == 0);
		CHECK(w, r, r->s_timeout == 0); /* no timeouts for a server non-INVITE */
	} else if (r->final_code >= 300) {
		/* The ACK for a non-2xx final belongs to the transaction
		 * (§17.2.1): it must not reach the TU while the transaction
		 * lives. */
		CHECK(w, r, r->s_ack_txn == 0);
	} else {
		CHECK(w, r, r->s_timeout == 0); /* Timer L ends Accepted silently */
	}
	if (r->blackhole)
		CHECK(w, r, r->s_req == 0);

	/* Server transactions end on time too: Timer J (64*T1, zero when
	 * reliable) after a non-INVITE final (§17.2.2); Timer L (64*T1) after
	 * a 2xx (RFC 6026 §8.7); after a non-2xx, Timer I (T4, zero when
	 * reliable) from the ACK, or Timer H (64*T1) without one (§17.2.1). */
	if (r->s_req && r->s_phase == 2) {
		if (!r->is_invite) {
			CHECK(w, r, r->s_term_at == r->s_final_at + rel * T64);
		} else if (r->final_code < 300) {
			CHECK(w, r, r->s_term_at == r->s_final_at + T64);
		} else if (r->s_timeout) {
			CHECK(w, r, r->s_timeout_at == r->s_final_at + T64);
			CHECK(w, r, r->s_term_at == r->s_timeout_at);
			CHECK(w, r, r->ack_arrived_at >= r->s_timeout_at);
		} else {
			CHECK(w, r, r->ack_arrived_at < r->s_final_at + T64);
			CHECK(w, r, r->s_term_at == r->ack_arrived_at + rel * 5000);
		}
	}
	t->txns[r->kind]++;
}

/* One seed: returns the trace hash. */
static uint64_t run_seed(uint64_t seed, int reliable, struct tally *t)
{
	static struct world w;
	world_init(&w, seed, reliable);
	int rc = sim_run(&w.sim, SIM_NEVER);
	if (rc != 0)
		fail_msg("seed %llu: a node's deadline never moved", (unsigned long long)seed);

	/* The network is idle and no timer runs. What may be left is an INVITE
	 * client transaction in Proceeding whose final response never made
	 * it; a UA would CANCEL it (Timer C for a proxy, §16.8). */
	for (int i = 0; i < w.nrec; i++) {
		struct rec *r = &w.rec[i];
		if (r->ctx) {
			r->killed = 1;
			assert_int_equal(zsip_txn_terminate(r->ctx), 0);
		}
	}
	zsip_stack_timeout(w.ep[0].stack, w.sim.now);
	zsip_stack_timeout(w.ep[1].stack, w.sim.now);

	for (int i = 0; i < w.nrec; i++)
		check_rec(&w, &w.rec[i], t);
	assert_int_equal(w.bad_dst, 0);
	assert_int_equal(w.bad_port, 0);
	assert_int_equal(w.tu_errors, 0);
	assert_int_equal(w.unknown_events, 0);

	for (int i = 0; i < 2; i++) {
		struct zsip_stack_stats st;
		zsip_stack_stats(w.ep[i].stack, &st);
		assert_int_equal(st.txn_active, 0);
		assert_int_equal(st.heap_bytes, w.ep[i].mem.live);
		/* Each stack parses everything the other one wrote. */
		assert_int_equal(st.rx_bad_answered + st.rx_bad_dropped + st.rx_bad_responses, 0);
		assert_int_equal(st.tx_errors, 0);
		t->retransmissions += st.tx_retransmissions;
		zsip_stack_free(w.ep[i].stack);
		/* Everything the stack took went back, with the right sizes. */
		assert_int_equal(w.ep[i].mem.live, 0);
		assert_int_equal(w.ep[i].mem.bad_size, 0);
		assert_true(w.ep[i].mem.nalloc == w.ep[i].mem.nfree);
	}
	t->lost += w.sim.st.lost;
	t->duplicated += w.sim.st.duplicated;
	t->runs++;
	uint64_t h = w.sim.trace;
	sim_destroy(&w.sim);
	return h;
}

#define NSEEDS 1000

static void run_many(int reliable)
{
	struct tally t;
	memset(&t, 0, sizeof t);
	for (uint64_t seed = 1; seed <= NSEEDS; seed++) {
		uint64_t h1 = run_seed(seed, reliable, &t);
		/* Every tenth seed again: the same seed gives the same trace,
		 * events to the TUs included. */
		if (seed % 10 == 0) {
			struct tally t2;
			memset(&t2, 0, sizeof t2);
			uint64_t h2 = run_seed(seed, reliable, &t2);
			if (h1 != h2)
				fail_msg("seed %llu: trace %016llx then %016llx", (unsigned long long)seed,
					 (unsigned long long)h1, (unsigned long long)h2);
		}
	}
	printf("  %s, 30%% loss, %u seeds: lost %llu, duplicated %llu, stack retransmissions %llu, "
	       "INVITE left in Proceeding %u\n",
	       reliable ? "TCP-like" : "UDP-like", NSEEDS, (unsigned long long)t.lost,
	       (unsigned long long)t.duplicated, (unsigned long long)t.retransmissions, t.left_proceeding);
	unsigned total = 0;
	for (int k = 0; k < K__COUNT; k++) {
		printf("  %-17s %5u txns: %5u final, %4u timed out\n", kind_name[k], t.txns[k],
		       t.finals[k], t.timeouts[k]);
		total += t.txns[k];
		assert_true(t.txns[k] > 0);
	}
	assert_int_equal(total, NSEEDS * MAX_TX);
	/* Every path was walked: finals on each live kind, timeouts into the
	 * black hole and for the REGISTERs answered after Timer F. */
	for (int k = K_INV_2XX; k <= K_REGISTER; k++)
		assert_true(t.finals[k] > 0);
	assert_int_equal(t.timeouts[K_BH_INVITE], t.txns[K_BH_INVITE]);
	assert_int_equal(t.timeouts[K_BH_OPTIONS], t.txns[K_BH_OPTIONS]);
	assert_true(t.timeouts[K_REGISTER] > 0);
	if (!reliable) {
		assert_true(t.lost > 0 && t.duplicated > 0 && t.retransmissions > 0);
	} else {
		/* §17.1.1.2, §17.1.2.2: nothing is retransmitted on a reliable
		 * transport. */
		assert_int_equal(t.lost, 0);
	}
}

static void test_sim_udp_30pct_loss_every_txn_ends_as_rfc3261_17_says(void **state)
{
	(void)state;
	run_many(0);
}

static void test_sim_tcp_30pct_loss_every_txn_ends_as_rfc3261_17_says(void **state)
{
	(void)state;
	run_many(1);
}

static void test_sim_same_seed_gives_same_stack_trace(void **state)
{
	(void)state;
	struct tally t;
	memset(&t, 0, sizeof t);
	uint64_t a = run_seed(777, 0, &t), b = run_seed(777, 0, &t), c = run_seed(778, 0, &t);
	assert_true(a == b);
	assert_true(a != c);
	a = run_seed(777, 1, &t);
	b = run_seed(777, 1, &t);
	assert_true(a == b);
}

/* ================================================= memory: flood and cost */

#define FLOOD_CAP 1000u
#define FLOOD_N 100000u

struct flood {
	struct sim_mem mem;
	struct zsip_stack *st;
	int tp;
	struct zsip_addr src;       /* sender of the request being received */
	int in_receive;
	unsigned n503, n503_retry_after, n503_misrouted, n100, nother;
	struct zsip_txn *txn[FLOOD_CAP];
	unsigned ntxn, nreq, ntimeout, nterm;
};

static int flood_send(void *user, int tp, const struct zsip_addr *dst, const char *buf, size_t len)
{
	struct flood *f = user;
	static struct zsip_msg m;
	(void)tp;
	if (zsip_msg_parse(&m, buf, len, NULL) <= 0 || m.is_request) {
		f->nother++;
		return 0;
	}
	if (m.status == 503) {
		f->n503++;
		uint32_t secs;
		const struct zsip_hdr *h = zsip_msg_find(&m, ZSIP_HDR_RETRY_AFTER);
		if (h && zsip_uint_parse(h->value, UINT32_MAX, &secs) == 0 && secs > 0)
			f->n503_retry_after++;
		if (!f->in_receive || !addr_eq(dst, &f->src))
			f->n503_misrouted++;
	} else if (m.status == 100) {
		f->n100++;
	} else {
		f->nother++;
	}
	return 0;
}

static void flood_event(void *user, const struct zsip_event *ev)
{
	struct flood *f = user;
	switch (ev->type) {
	case ZSIP_EV_REQUEST:
		f->nreq++;
		if (f->ntxn < FLOOD_CAP) {
			zsip_txn_set_user(ev->txn, (void *)(uintptr_t)(f->ntxn + 1));
			f->txn[f->ntxn++] = ev->txn;
		}
		break;
	case ZSIP_EV_TIMEOUT:
		f->ntimeout++;
		break;
	case ZSIP_EV_TERMINATED: {
		uintptr_t i = (uintptr_t)zsip_txn_user(ev->txn);
		if (i)
			f->txn[i - 1] = NULL;
		f->nterm++;
		break;
	}
	default:
		break;
	}
}

/* One INVITE from a caller of its own (address, branch, Call-ID). */
static int flood_invite(char *out, size_t cap, unsigned i, struct zsip_addr *src)
{
	char host[32];
	snprintf(host, sizeof host, "10.%u.%u.%u", 1 + (i >> 16), (i >> 8) & 255, i & 255);
	zsip_addr_set(src, host, 5060);
	return snprintf(out, cap,
			"INVITE sip:bob@10.0.0.2 SIP/2.0\r\n"
			"Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKflood%u;rport\r\n"
			"Max-Forwards: 70\r\n"
			"From: \"Caller %u\" <sip:caller%u@%s>;tag=%x\r\n"
			"To: <sip:bob@10.0.0.2>\r\n"
			"Call-ID: flood-%u@%s\r\n"
			"CSeq: 1 INVITE\r\n"
			"Contact: <sip:caller%u@%s:5060>\r\n"
			"Content-Length: 0\r\n\r\n",
			host, i, i, i, host, i * 2654435761u, i, host, i, host);
}

static void flood_rx(struct flood *f, unsigned i, uint64_t now)
{
	char buf[1024];
	int n = flood_invite(buf, sizeof buf, i, &f->src);
	assert_true(n > 0 && (size_t)n < sizeof buf);
	if (zsip_stack_next_deadline(f->st) <= now)
		zsip_stack_timeout(f->st, now);
	f->in_receive = 1;
	zsip_stack_receive(f->st, f->tp, &f->src, buf, (size_t)n, now);
	f->in_receive = 0;
}

/* The TU answers every held transaction 486; nobody ACKs, so Timer H
 * (64*T1, §17.2.1) ends them. Returns the time after. */
static uint64_t flood_refuse_all(struct flood *f, uint64_t now)
{
	for (unsigned k = 0; k < f->ntxn; k++) {
		struct zsip_response r = { .code = 486, .to_tag = ZSIP_STR("busy") };
		assert_non_null(f->txn[k]);
		assert_int_equal(zsip_txn_reply(f->txn[k], &r, now), 0);
	}
	uint64_t end = now + T64;
	for (unsigned guard = 0; zsip_stack_next_deadline(f->st) <= end; guard++) {
		uint64_t d = zsip_stack_next_deadline(f->st);
		if (d > now)
			now = d;
		zsip_stack_timeout(f->st, now);
		assert_true(guard < 1000000);
	}
	for (unsigned k = 0; k < f->ntxn; k++)
		assert_null(f->txn[k]);
	return end;
}

/* Issue 3 / ARCHITECTURE "Memory": past the cap a new request gets 503 with
 * Retry-After (RFC 3261 §21.5.4, §20.33) and takes no memory. */
static void test_sim_flood_100k_invites_past_cap_get_503_retry_after_and_flat_heap(void **state)
{
	(void)state;
	static struct flood f;
	memset(&f, 0, sizeof f);
	struct zsip_config cfg = { 0 };
	cfg.alloc.alloc = w_alloc;
	cfg.alloc.free = w_free;
	cfg.alloc.user = &f.mem;
	cfg.user = &f;
	cfg.send = flood_send;
	cfg.on_event = flood_event;
	cfg.seed = 1;
	cfg.max_transactions = FLOOD_CAP;
	f.st = zsip_stack_new(&cfg);
	assert_non_null(f.st);
	f.tp = zsip_stack_add_transport(f.st, ZSIP_TRANSPORT_UDP, NULL, 0, "10.0.0.2:5060");
	assert_true(f.tp >= 0);
	size_t live0 = f.mem.live;

	uint64_t now = 1000;
	unsigned i = 0;
	for (; i < FLOOD_CAP; i++)
		flood_rx(&f, i, now + i / 10);
	assert_int_equal(f.nreq, FLOOD_CAP);
	assert_int_equal(f.n503, 0);
	/* Let the 100 Trying of §17.2.1 go out (the TU stays silent), so the
	 * transactions hold what they will hold while they wait. */
	now += 1000;
	zsip_stack_timeout(f.st, now);
	assert_int_equal(f.n100, FLOOD_CAP);
	size_t live_full = f.mem.live, peak_full = f.mem.peak;
	struct zsip_stack_stats ss;
	zsip_stack_stats(f.st, &ss);
	assert_int_equal(ss.txn_active, FLOOD_CAP);

	for (; i < FLOOD_N; i++)
		flood_rx(&f, i, now + (i - FLOOD_CAP) / 10);
	now += (FLOOD_N - FLOOD_CAP) / 10;
	assert_int_equal(f.nreq, FLOOD_CAP);
	assert_int_equal(f.n503, FLOOD_N - FLOOD_CAP);
	assert_int_equal(f.n503_retry_after, f.n503);
	assert_int_equal(f.n503_misrouted, 0);
	/* Flat: not one byte more than with the cap just reached. */
	assert_int_equal(f.mem.live, live_full);
	assert_int_equal(f.mem.peak, peak_full);
	zsip_stack_stats(f.st, &ss);
	assert_int_equal(ss.tx_overload_503, FLOOD_N - FLOOD_CAP);
	assert_int_equal(ss.txn_active, FLOOD_CAP);

	/* The TU refuses them all; nobody ACKs: Timer H (64*T1, §17.2.1)
	 * ends each one, and the memory comes back, all but the grown index
	 * and timer arrays, which are sized for the cap. */
	now = flood_refuse_all(&f, now);
	assert_int_equal(f.ntimeout, FLOOD_CAP);
	assert_int_equal(f.nterm, FLOOD_CAP);
	zsip_stack_stats(f.st, &ss);
	assert_int_equal(ss.txn_active, 0);
	size_t live_idle = f.mem.live;
	assert_true(live_idle >= live0 && live_idle - live0 <= 64 * FLOOD_CAP);

	/* Room again: new callers are served, not refused; a second round
	 * leaves the heap exactly where the first did. */
	f.ntxn = 0;
	unsigned n503 = f.n503;
	for (unsigned k = 0; k < FLOOD_CAP; k++)
		flood_rx(&f, FLOOD_N + k, now);
	assert_int_equal(f.n503, n503);
	assert_int_equal(f.nreq, 2 * FLOOD_CAP);
	now = flood_refuse_all(&f, now);
	assert_int_equal(f.nterm, 2 * FLOOD_CAP);
	assert_int_equal(f.mem.live, live_idle);
	assert_true(f.mem.peak <= peak_full + 600 * FLOOD_CAP); /* 486 copies instead of 100 */

	zsip_stack_free(f.st);
	assert_int_equal(f.mem.live, 0);
	assert_int_equal(f.mem.bad_size, 0);
	printf("  flood: %u INVITEs, cap %u: %u answered 503 with Retry-After; heap %zu bytes "
	       "(peak %zu) at the cap, %zu new, %zu idle after; %.0f bytes per INVITE server transaction\n",
	       FLOOD_N, FLOOD_CAP, n503, live_full, peak_full, live0, live_idle,
	       (double)(live_full - live0) / FLOOD_CAP);
}

/* Heap bytes per transaction, for the record (issue 3, "Memory"). Two
 * stacks on an ideal link; 1000 transactions each way held open (the UAS TU
 * stays silent), measured through the allocator hooks. */
struct pep {
	struct sim *sim;
	int node, tp;
	struct zsip_stack *st;
	struct zsip_addr addr, peer;
	struct sim_mem mem;
};

static int pep_send(void *user, int tp, const struct zsip_addr *dst, const char *buf, size_t len)
{
	struct pep *p = user;
	(void)tp;
	(void)dst;
	return sim_send(p->sim, p->node, 1 - p->node, buf, len);
}

static void pep_receive(void *ctx, int from, const char *buf, size_t len, uint64_t now)
{
	struct pep *p = ctx;
	(void)from;
	zsip_stack_receive(p->st, p->tp, &p->peer, buf, len, now);
}

static uint64_t pep_deadline(void *ctx)
{
	return zsip_stack_next_deadline(((struct pep *)ctx)->st);
}

static void pep_timeout(void *ctx, uint64_t now)
{
	zsip_stack_timeout(((struct pep *)ctx)->st, now);
}

static const struct sim_node_ops pep_ops = { pep_receive, pep_deadline, pep_timeout };

static void measure_txn_heap(const char *method, int reliable, double *client, double *server)
{
	static struct pep p[2];
	struct sim s;
	sim_init(&s, 1, 1000, sim_link_ideal(10));
	memset(p, 0, sizeof p);
	for (int i = 0; i < 2; i++) {
		struct zsip_config cfg = { 0 };
		cfg.alloc.alloc = w_alloc;
		cfg.alloc.free = w_free;
		cfg.alloc.user = &p[i].mem;
		cfg.user = &p[i];
		cfg.send = pep_send;
		cfg.seed = (uint64_t)i + 5;
		p[i].sim = &s;
		p[i].st = zsip_stack_new(&cfg);
		assert_non_null(p[i].st);
		p[i].tp = zsip_stack_add_transport(p[i].st, reliable ? ZSIP_TRANSPORT_TCP : ZSIP_TRANSPORT_UDP,
						   NULL, reliable, i ? "10.0.0.2:5060" : "10.0.0.1:5060");
		p[i].node = sim_add_node(&s, &pep_ops, &p[i]);
		zsip_addr_set(&p[i].addr, i ? "10.0.0.2" : "10.0.0.1", 5060);
	}
	p[0].peer = p[1].addr;
	p[1].peer = p[0].addr;
	size_t base0 = p[0].mem.live, base1 = p[1].mem.live;
	for (unsigned k = 0; k < 1000; k++) {
		char via[128], from[64], cid[64], cseq[32], out[1024];
		assert_true(zsip_stack_make_via(p[0].st, p[0].tp, via, sizeof via, 1) > 0);
		snprintf(from, sizeof from, "<sip:alice@10.0.0.1>;tag=%08x", k * 2654435761u);
		snprintf(cid, sizeof cid, "%08x%08x@10.0.0.1", k, k * 40503u);
		snprintf(cseq, sizeof cseq, "1 %s", method);
		struct zsip_field f[] = {
			{ ZSIP_STR("Via"), zsip_str_c(via) },
			{ ZSIP_STR("Max-Forwards"), ZSIP_STR("70") },
			{ ZSIP_STR("From"), zsip_str_c(from) },
			{ ZSIP_STR("To"), ZSIP_STR("<sip:bob@10.0.0.2>") },
			{ ZSIP_STR("Call-ID"), zsip_str_c(cid) },
			{ ZSIP_STR("CSeq"), zsip_str_c(cseq) },
			{ ZSIP_STR("Contact"), ZSIP_STR("<sip:alice@10.0.0.1:5060>") },
		};
		struct zsip_request req = { zsip_str_c(method), ZSIP_STR("sip:bob@10.0.0.2"), f, 7, { NULL, 0 } };
		int n = zsip_build_request(out, sizeof out, &req);
		assert_true(n > 0 && (size_t)n < sizeof out);
		assert_int_equal(zsip_stack_request(p[0].st, p[0].tp, &p[1].addr, out, (size_t)n, NULL, s.now, NULL), 0);
	}
	assert_int_equal(sim_run(&s, s.now + 300), 0); /* delivered; 100 Trying sent */
	*client = (double)(p[0].mem.live - base0) / 1000;
	*server = (double)(p[1].mem.live - base1) / 1000;
	for (int i = 0; i < 2; i++) {
		zsip_stack_free(p[i].st);
		assert_int_equal(p[i].mem.live, 0);
		assert_int_equal(p[i].mem.bad_size, 0);
	}
	sim_destroy(&s);
}

static void test_sim_measures_heap_bytes_per_transaction(void **state)
{
	(void)state;
	double ci, si, cn, sn;
	measure_txn_heap("INVITE", 0, &ci, &si);
	measure_txn_heap("OPTIONS", 0, &cn, &sn);
	printf("  heap bytes per transaction (UDP, ~330-byte request): client INVITE %.0f, server INVITE %.0f, "
	       "client non-INVITE %.0f, server non-INVITE %.0f\n", ci, si, cn, sn);
	assert_true(ci > 0 && si > 0 && cn > 0 && sn > 0);
	assert_true(ci < 4096 && si < 4096 && cn < 4096 && sn < 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_rng_same_seed_gives_same_sequence),
		cmocka_unit_test(test_sim_rng_different_seeds_give_different_sequences),
		cmocka_unit_test(test_sim_rng_range_stays_inside_and_covers_it),
		cmocka_unit_test(test_sim_tcp_like_link_delivers_everything_once_in_order),
		cmocka_unit_test(test_sim_udp_like_link_loses_duplicates_and_reorders),
		cmocka_unit_test(test_sim_same_seed_gives_same_trace),
		cmocka_unit_test(test_sim_timer_fires_exactly_at_the_node_deadline),
		cmocka_unit_test(test_sim_reports_a_node_whose_deadline_never_moves),
		cmocka_unit_test(test_sim_destroy_frees_undelivered_datagrams),
		cmocka_unit_test(test_sim_counting_allocator_tracks_live_and_peak),
		cmocka_unit_test(test_sim_same_seed_gives_same_stack_trace),
		cmocka_unit_test(test_sim_udp_30pct_loss_every_txn_ends_as_rfc3261_17_says),
		cmocka_unit_test(test_sim_tcp_30pct_loss_every_txn_ends_as_rfc3261_17_says),
		cmocka_unit_test(test_sim_flood_100k_invites_past_cap_get_503_retry_after_and_flat_heap),
		cmocka_unit_test(test_sim_measures_heap_bytes_per_transaction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
