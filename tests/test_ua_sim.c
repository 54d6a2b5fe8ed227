/* Calls between UAs over the simulated lossy network (support/sim.h), for
 * many seeds, over UDP-like and TCP-like links at 20% loss: the call flows
 * of RFC 3665 §3, the races of RFC 5407 §3 and an INVITE challenged by 407
 * (RFC 3261 §22.2, §22.3), each in its own test.
 *
 * Checked on every run: each call gets exactly one terminal event and no
 * event after it, no event comes twice, both ends agree on how the call
 * ended (and on the status when it failed), the flow's own RFC outcome
 * holds, the network goes idle (no timer left: nothing hangs), every heap
 * is back to its size before the call, and every 16th seed replays to the
 * same trace.
 *
 * ZSIP_UA_SIM_SEEDS sets the seed count (default 1000; CI under valgrind
 * may use fewer). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support/sim.h"
#include "support/ua_pair.h"
#include "zsip.h"

#define T1 500u
#define LOSS 20u
#define NSLOT 6
#define NACT 16
#define NNODE 3
#define FORK_HOST "10.0.0.9" /* datagrams sent there reach nodes 1 and 2 */
#define OFFER "v=0\r\no=a 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
#define HOLD "v=0\r\no=a 1 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n"
#define ANSWER "v=0\r\no=b 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"

static const struct zsip_str NOBODY = { NULL, 0 };
static int tracing; /* ZSIP_UA_SIM_ONLY: print every delivery and event */

/* One call as one node sees it. */
struct slot {
	struct zsip_call *call;         /* NULL after the terminal event */
	unsigned n[ZSIP_UA_OPTIONS_RESPONSE + 1]; /* events by type */
	int terminal;                   /* FAILED or ENDED, 0 before */
	int status;
	enum zsip_ua_end_reason reason;
	unsigned reinvite_ok;           /* REINVITE_DONE with a 2xx */
	int reinvite_last;              /* status of the last REINVITE_DONE */
	int reinvite_fail;              /* a non-2xx REINVITE_DONE status, 0: none */
	int reinvite_rc;                /* what the flow's last zsip_call_reinvite returned */
	int state_at_hangup;            /* zsip_call_state when the flow hung up; 0: it did not */
	int challenged;                 /* incoming: rejected with a 407 challenge */
	char call_id[128];
};

struct world;

struct node {
	struct world *w;
	int idx;
	char host[16];
	struct zsip_stack *s;
	struct zsip_ua *ua;
	int tid;
	struct sim_mem mem;
	size_t base;                    /* heap after zsip_ua_new */
	struct slot slot[NSLOT];
	int nslot;
	uint64_t hash;                  /* of every event, for the replay check */

	/* What the application on this node does. */
	int ring;                       /* 180 on INCOMING */
	int answer;                     /* final status for INCOMING; 0: none */
	uint32_t answer_max_ms;         /* answer after a random delay in [0, this]; 0: at once */
	int hangup_after_answer;        /* hang up right after answering 2xx */
	int link_down_on_incoming;      /* cut the link from node 0 here: our 2xx is never ACKed */
	int hangup_on_answered;         /* caller: hang up inside ANSWERED (BYE before ACK) */
	uint32_t hangup_on_progress_max_ms; /* caller: hang up a random [0, this] ms after the first 1xx */
	int reinvite_status;            /* answer to a re-INVITE */
	int resume;                     /* after our re-INVITE succeeds, re-INVITE once more (resume) */
	unsigned options_resp;
	int options_status;

	/* Digest (RFC 3261 §22), in worlds made with auth: node 0 answers
	 * challenges as alice, node 1 challenges every INVITE with 407 until
	 * it carries good credentials (a proxy's challenge, §22.3). */
	struct zsip_auth_server *srv;   /* NULL: no challenge */
	struct sim_rng rng;             /* the stack's random callback (srv needs one) */
	unsigned cred_calls;            /* times the credentials callback ran */
};

enum act_kind { ACT_INVITE, ACT_ANSWER, ACT_HANGUP, ACT_GIVEUP, ACT_REINVITE, ACT_OPTIONS };

/* A callee gives up ringing after this (an application's no-answer timer:
 * the stack leaves an unanswered INVITE alone, §13.3.1.1). */
#define RING_TIMEOUT_MS 60000u

struct act {
	uint64_t at;
	enum act_kind kind;
	int node, slot;
	const char *arg;
};

struct world {
	struct sim sim;
	struct sim_rng rng;             /* the applications' random choices */
	uint64_t seed;
	int reliable;
	const char *flow;
	int n;
	struct node node[NNODE];
	struct act act[NACT];
	int nact;
};

#define CHECK(w, cond)                                                                                   \
	do {                                                                                             \
		if (!(cond)) {                                                                           \
			print_error("%s, %s, seed %llu: %s (line %d)\n", (w)->flow,                      \
				    (w)->reliable ? "TCP-like" : "UDP-like", (unsigned long long)(w)->seed, \
				    #cond, __LINE__);                                                    \
			fail();                                                                          \
		}                                                                                        \
	} while (0)

/* ------------------------------------------------------------ plumbing */

static void *mem_alloc(void *u, size_t n)
{
	return sim_mem_alloc(u, n);
}

static void mem_free(void *u, void *p, size_t n)
{
	sim_mem_free_sized(u, p, n);
}

static int on_send(void *user, int tid, const struct zsip_addr *dst, const char *buf, size_t len)
{
	(void)tid;
	struct node *n = user;
	struct world *w = n->w;
	if (!strcmp(dst->host, FORK_HOST)) {
		/* A forking proxy reduced to its effect on the caller: both
		 * callees get the INVITE (and the CANCEL), each answers with
		 * its own To tag. */
		for (int i = 1; i < w->n; i++)
			sim_send(&w->sim, n->idx, i, buf, len);
		return 0;
	}
	if (tracing)
		fprintf(stderr, "  %6llu  send %d -> %s  %.30s\n", (unsigned long long)w->sim.now, n->idx, dst->host, buf);
	for (int i = 0; i < w->n; i++)
		if (!strcmp(w->node[i].host, dst->host))
			return sim_send(&w->sim, n->idx, i, buf, len) ? -1 : 0;
	if (tracing)
		fprintf(stderr, "  send to unknown %s: %.40s\n", dst->host, buf);
	return 0;
}

static void keep_call_id(struct slot *s)
{
	struct zsip_str id = zsip_call_id(s->call);
	snprintf(s->call_id, sizeof(s->call_id), "%.*s", (int)id.len, id.p);
}

/* The stack's randomness, from the seed (the digest server refuses the
 * seeded fallback). */
static int node_random(void *user, void *buf, size_t len)
{
	struct node *n = user;
	for (size_t i = 0; i < len; i++)
		((unsigned char *)buf)[i] = (unsigned char)sim_rng_next(&n->rng);
	return 0;
}

/* alice's credentials, for any realm. */
static int node_cred(void *user, const struct zsip_str *realm, enum zsip_digest_alg alg, struct zsip_auth_cred *out)
{
	struct node *n = user;
	(void)realm;
	(void)alg;
	n->cred_calls++;
	snprintf(out->user, sizeof(out->user), "alice");
	snprintf(out->password, sizeof(out->password), "secret");
	return 0;
}


static void add_act(struct world *w, uint64_t at, enum act_kind kind, int node, int slot, const char *arg)
{
	CHECK(w, w->nact < NACT);
	w->act[w->nact++] = (struct act){ at, kind, node, slot, arg };
}

static int slot_index(const struct node *n, const struct slot *s)
{
	return (int)(s - n->slot);
}

static void hangup(struct world *w, struct node *n, struct slot *s, uint64_t now)
{
	if (!s->call)
		return;
	s->state_at_hangup = (int)zsip_call_state(s->call);
	int rc = zsip_call_hangup(s->call, now);
	CHECK(w, rc == 0 || rc == ZSIP_ESTATE);
	(void)n;
}

static void reinvite(struct world *w, struct slot *s, const char *body, uint64_t now)
{
	if (!s->call)
		return;
	int rc = s->reinvite_rc = zsip_call_reinvite(s->call, zsip_str_c(body), NULL, now);
	/* Not established yet, ending, or an INVITE pending either way. */
	CHECK(w, rc == 0 || rc == ZSIP_ESTATE || rc == ZSIP_EPENDING);
}


static void trace_deliver(void *user, const struct sim_pkt *p)
{
	(void)user;
	const char *e = memchr(p->data, '\r', p->len);
	int l = e ? (int)(e - p->data) : (int)p->len;
	char cseq[64] = "";
	const char *c = strstr(p->data, "CSeq:");
	if (c)
		sscanf(c, "CSeq: %63[^\r]", cseq);
	fprintf(stderr, "  %6llu  %d -> %d  %.*s  [%s]\n", (unsigned long long)p->at, p->from, p->to, l, p->data, cseq);
}

static void on_event(void *user, const struct zsip_ua_event *ev)
{
	struct node *n = user;
	struct world *w = n->w;
	if (tracing)
		fprintf(stderr, "  %6llu  node %d event %d status %d reason %d err %d\n", (unsigned long long)ev->now_ms,
		       n->idx, ev->type, ev->status, ev->reason, ev->err);
	n->hash = sim_hash_u64(n->hash, (uint64_t)ev->type | (uint64_t)ev->status << 8 |
					    (uint64_t)ev->reason << 24 | ev->now_ms << 32);
	if (ev->type == ZSIP_UA_OPTIONS_RESPONSE) {
		n->options_resp++;
		n->options_status = ev->status;
		return;
	}
	CHECK(w, ev->type != ZSIP_UA_REQUEST);
	struct slot *s;
	if (ev->type == ZSIP_UA_INCOMING) {
		CHECK(w, n->nslot < NSLOT);
		s = &n->slot[n->nslot++];
		s->call = ev->call;
		zsip_call_set_user(ev->call, s);
		CHECK(w, zsip_call_outgoing(ev->call) == 0);
		keep_call_id(s);
	} else {
		s = ev->user;
		CHECK(w, s != NULL && ev->call == s->call);
	}
	/* Nothing after the terminal event (the handle is gone). */
	CHECK(w, !s->terminal);
	s->n[ev->type]++;
	uint64_t now = ev->now_ms;
	switch (ev->type) {
	case ZSIP_UA_INCOMING:
		if (n->srv) {
			/* Each INVITE is verified once (its retransmissions stay in
			 * its server transaction): the first has no credentials, the
			 * re-sent one and every later call good ones (§22.3). */
			int rc = zsip_auth_server_verify(n->srv, ev->msg, now, NULL);
			CHECK(w, rc == 0 || rc == ZSIP_EAUTH_MISSING);
			if (rc) {
				char h[1024];
				CHECK(w, zsip_auth_server_challenge(n->srv, now, 0, h, sizeof(h)) > 0);
				s->challenged = 1;
				CHECK(w, zsip_call_respond(ev->call, 407, NULL, NOBODY, NULL, h, now) == 0);
				break;
			}
		}
		if (n->link_down_on_incoming) {
			struct sim_link l = w->sim.link[0][n->idx];
			l.down = 1;
			sim_set_link(&w->sim, 0, n->idx, l);
		}
		if (n->ring)
			CHECK(w, zsip_call_respond(ev->call, 180, NULL, NOBODY, NULL, NULL, now) == 0);
		if (!n->answer || n->answer_max_ms)
			add_act(w, now + RING_TIMEOUT_MS, ACT_GIVEUP, n->idx, slot_index(n, s), NULL);
		if (n->answer && n->answer_max_ms)
			add_act(w, now + sim_rng_range(&w->rng, 0, n->answer_max_ms), ACT_ANSWER, n->idx,
				slot_index(n, s), NULL);
		else if (n->answer) {
			CHECK(w, zsip_call_respond(ev->call, n->answer, NULL,
						   n->answer < 300 ? ZSIP_STR(ANSWER) : NOBODY, NULL, NULL,
						   now) == 0);
			if (n->hangup_after_answer)
				hangup(w, n, s, now);
		}
		break;
	case ZSIP_UA_PROGRESS:
		if (n->hangup_on_progress_max_ms && s->n[ZSIP_UA_PROGRESS] == 1)
			add_act(w, now + sim_rng_range(&w->rng, 0, n->hangup_on_progress_max_ms), ACT_HANGUP,
				n->idx, slot_index(n, s), NULL);
		break;
	case ZSIP_UA_ANSWERED:
		if (n->hangup_on_answered)
			hangup(w, n, s, now);
		break;
	case ZSIP_UA_REINVITE:
		CHECK(w, zsip_call_respond(ev->call, n->reinvite_status, NULL,
					   n->reinvite_status < 300 ? ZSIP_STR(ANSWER) : NOBODY, NULL, NULL,
					   now) == 0);
		break;
	case ZSIP_UA_REINVITE_DONE:
		s->reinvite_last = ev->status;
		if (ev->status >= 300)
			s->reinvite_fail = ev->status;
		if (ev->status >= 200 && ev->status < 300) {
			s->reinvite_ok++;
			if (n->resume && s->reinvite_ok == 1)
				add_act(w, now + 2000, ACT_REINVITE, n->idx, slot_index(n, s), OFFER);
		}
		break;
	case ZSIP_UA_FAILED:
	case ZSIP_UA_ENDED:
		s->terminal = ev->type;
		s->status = ev->status;
		s->reason = ev->reason;
		s->call = NULL;
		break;
	default:
		break;
	}
}

static void node_receive(void *ctx, int from, const char *buf, size_t len, uint64_t now)
{
	struct node *n = ctx;
	struct zsip_addr src;
	zsip_addr_set(&src, n->w->node[from].host, 5060);
	zsip_stack_receive(n->s, n->tid, &src, buf, len, now);
}

static uint64_t node_deadline(void *ctx)
{
	return zsip_stack_next_deadline(((struct node *)ctx)->s);
}

static void node_timeout(void *ctx, uint64_t now)
{
	zsip_stack_timeout(((struct node *)ctx)->s, now);
}

static const struct sim_node_ops node_ops = { node_receive, node_deadline, node_timeout };

/* auth: node 0 answers challenges, node 1 challenges every INVITE with 407
 * (its stack then has a random callback). */
static void world_init(struct world *w, const char *flow, uint64_t seed, int reliable, int nodes, int auth)
{
	memset(w, 0, sizeof(*w));
	w->flow = flow;
	w->seed = seed;
	w->reliable = reliable;
	sim_init(&w->sim, seed, 1000, reliable ? sim_link_tcp(LOSS) : sim_link_udp(LOSS));
	sim_rng_seed(&w->rng, seed ^ 0x5eed5eedULL);
	if (tracing)
		w->sim.on_deliver = trace_deliver;
	for (int i = 0; i < nodes; i++) {
		struct node *n = &w->node[i];
		n->w = w;
		n->idx = i;
		snprintf(n->host, sizeof(n->host), "10.0.0.%d", (unsigned char)(i + 1)); /* i < NNODE */
		CHECK(w, sim_add_node(&w->sim, &node_ops, n) == i);
		w->n++;
		struct zsip_config sc = { 0 };
		sc.alloc = (struct zsip_allocator){ mem_alloc, mem_free, &n->mem };
		sc.user = n;
		sc.send = on_send;
		sc.seed = seed * 31 + (uint64_t)i;
		if (auth && i == 1) {
			sim_rng_seed(&n->rng, sc.seed);
			sc.random = node_random;
		}
		n->s = zsip_stack_new(&sc);
		CHECK(w, n->s != NULL);
		char sent_by[32];
		snprintf(sent_by, sizeof(sent_by), "%s:5060", n->host);
		n->tid = zsip_stack_add_transport(n->s, reliable ? ZSIP_TRANSPORT_TCP : ZSIP_TRANSPORT_UDP, NULL,
						  reliable, sent_by);
		CHECK(w, n->tid >= 0);
		struct zsip_ua_config uc = { .on_event = on_event, .user = n, .transport_id = n->tid };
		if (auth && i == 0) {
			uc.cred = node_cred;
			uc.cred_user = n;
		}
		n->ua = zsip_ua_new(n->s, &uc);
		CHECK(w, n->ua != NULL);
		if (auth && i == 1) {
			/* A proxy's challenge: Proxy-Authenticate in a 407,
			 * SHA-256 then MD5 (the defaults). */
			struct zsip_auth_server_config ac = { .realm = "proxy.example.com", .proxy = 1,
							      .lookup = up_alice_lookup };
			CHECK(w, zsip_auth_server_new(n->s, &ac, &n->srv) == 0);
		}
		n->base = n->mem.live;
		n->reinvite_status = 200;
	}
}

static void do_act(struct world *w, const struct act *a)
{
	struct node *n = &w->node[a->node];
	struct slot *s = &n->slot[a->slot];
	uint64_t now = w->sim.now;
	switch (a->kind) {
	case ACT_INVITE: {
		CHECK(w, n->nslot < NSLOT);
		s = &n->slot[n->nslot++];
		struct zsip_call_params p = { .target = a->arg, .body = ZSIP_STR(OFFER) };
		CHECK(w, zsip_call_invite(n->ua, &p, s, now, &s->call) == 0);
		CHECK(w, zsip_call_outgoing(s->call) == 1);
		keep_call_id(s);
		break;
	}
	case ACT_ANSWER:
		if (s->call && zsip_call_state(s->call) != ZSIP_CALL_ENDING) {
			int rc = zsip_call_respond(s->call, n->answer, NULL,
						   n->answer < 300 ? ZSIP_STR(ANSWER) : NOBODY, NULL, NULL, now);
			/* The caller's CANCEL may have come first (§9.2). */
			CHECK(w, rc == 0 || rc == ZSIP_ESTATE);
			if (rc == 0 && n->hangup_after_answer)
				hangup(w, n, s, now);
		}
		break;
	case ACT_HANGUP:
		hangup(w, n, s, now);
		break;
	case ACT_GIVEUP:
		if (s->call && (zsip_call_state(s->call) == ZSIP_CALL_INCOMING ||
				zsip_call_state(s->call) == ZSIP_CALL_EARLY))
			hangup(w, n, s, now);
		break;
	case ACT_REINVITE:
		reinvite(w, s, a->arg, now);
		break;
	case ACT_OPTIONS:
		CHECK(w, zsip_ua_options(n->ua, a->arg, NULL, now) == 0);
		break;
	}
}

/* Runs the network and the scheduled actions (which events may add to)
 * until the network is idle, then checks that it is: no timer left on any
 * stack within ten virtual minutes means nothing hangs. */
static void world_run(struct world *w)
{
	const uint64_t limit = w->sim.now + 600000;
	for (;;) {
		int next = -1;
		for (int i = 0; i < w->nact; i++)
			if (next < 0 || w->act[i].at < w->act[next].at)
				next = i;
		uint64_t t = sim_next_event(&w->sim);
		if (next >= 0 && w->act[next].at <= t) {
			struct act a = w->act[next];
			w->act[next] = w->act[--w->nact];
			if (a.at > w->sim.now)
				CHECK(w, sim_run(&w->sim, a.at) == 0);
			do_act(w, &a);
			continue;
		}
		if (t == SIM_NEVER || t > limit)
			break;
		CHECK(w, sim_step(&w->sim, t) == 1);
	}
	/* Idle: no datagram in flight, no timer left on any stack. */
	CHECK(w, sim_next_event(&w->sim) == SIM_NEVER);
}

/* The checks every flow shares, then frees the world. Returns a hash of
 * the whole run for the replay check. */
static uint64_t world_finish(struct world *w)
{
	uint64_t h = w->sim.trace;
	for (int i = 0; i < w->n; i++) {
		struct node *n = &w->node[i];
		for (int k = 0; k < n->nslot; k++) {
			const struct slot *s = &n->slot[k];
			/* Exactly one terminal event per call; no event twice. */
			CHECK(w, s->n[ZSIP_UA_FAILED] + s->n[ZSIP_UA_ENDED] == 1);
			CHECK(w, s->n[ZSIP_UA_INCOMING] <= 1 && s->n[ZSIP_UA_ANSWERED] <= 1);
			/* CONFIRMED once for the call, once per re-INVITE we answered. */
			CHECK(w, s->n[ZSIP_UA_CONFIRMED] <= 1 + s->n[ZSIP_UA_REINVITE]);
			/* An established call ends with ENDED, never FAILED. */
			if (s->n[ZSIP_UA_ANSWERED] || s->n[ZSIP_UA_CONFIRMED])
				CHECK(w, s->terminal == ZSIP_UA_ENDED);
		}
		struct zsip_ua_stats st;
		zsip_ua_stats(n->ua, &st);
		CHECK(w, st.calls == 0 && st.dialogs == 0);
		/* Heap back to its size before the first call. */
		CHECK(w, n->mem.live == n->base);
		CHECK(w, n->mem.bad_size == 0);
		h = sim_hash_u64(h, n->hash);
	}
	for (int i = 0; i < w->n; i++) {
		zsip_auth_server_free(w->node[i].srv);
		zsip_stack_free(w->node[i].s);
		CHECK(w, w->node[i].mem.live == 0);
	}
	sim_destroy(&w->sim);
	return h;
}

/* Caller (node 0) and callee (node 1) agree on how their call ended. */
static void check_pair_agrees(struct world *w, const struct node *caller, const struct node *callee)
{
	CHECK(w, caller->nslot == 1);
	const struct slot *a = &caller->slot[0];
	if (callee->nslot == 0) {
		/* The INVITE never got through: Timer B (§17.1.1.2). */
		CHECK(w, a->terminal == ZSIP_UA_FAILED && a->status == 408);
		return;
	}
	CHECK(w, callee->nslot == 1);
	const struct slot *b = &callee->slot[0];
	if (a->terminal == ZSIP_UA_FAILED && a->status == 408) {
		/* Timer B ended the caller's side (every 1xx lost, so no CANCEL
		 * could go, §9.1): the callee gives up ringing on its own. */
		CHECK(w, b->terminal == ZSIP_UA_FAILED);
		return;
	}
	CHECK(w, a->terminal == b->terminal);
	if (a->terminal == ZSIP_UA_FAILED)
		CHECK(w, a->status == b->status);
	else if (!a->state_at_hangup || a->state_at_hangup == ZSIP_CALL_ESTABLISHED)
		CHECK(w, a->n[ZSIP_UA_ANSWERED] == 1);
	/* else a 2xx that raced our CANCEL: ACKed and BYEd, no ANSWERED (ua.h). */
}

typedef void (*flow_fn)(struct world *w);

static unsigned nseeds(void)
{
	const char *e = getenv("ZSIP_UA_SIM_SEEDS");
	long v = e ? strtol(e, NULL, 10) : 1000;
	return v > 0 ? (unsigned)v : 1000;
}

static uint64_t run_once(const char *name, flow_fn setup, flow_fn check, uint64_t seed, int reliable,
			 int nodes, int auth)
{
	struct world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	world_init(w, name, seed, reliable, nodes, auth);
	setup(w);
	world_run(w);
	check(w);
	uint64_t h = world_finish(w);
	free(w);
	return h;
}

static void run_flow(const char *name, flow_fn setup, flow_fn check, int reliable, int nodes, int auth)
{
	unsigned n = nseeds();
	const char *only = getenv("ZSIP_UA_SIM_ONLY"); /* one seed, traced: for debugging a failure */
	if (only) {
		tracing = 1;
		run_once(name, setup, check, strtoull(only, NULL, 10), reliable, nodes, auth);
		return;
	}
	for (uint64_t seed = 1; seed <= n; seed++) {
		uint64_t h = run_once(name, setup, check, seed, reliable, nodes, auth);
		/* The same seed replays to the same trace. */
		if (seed % 16 == 0 && run_once(name, setup, check, seed, reliable, nodes, auth) != h) {
			print_error("%s: seed %llu does not replay\n", name, (unsigned long long)seed);
			fail();
		}
	}
}

#define A (&w->node[0])
#define B (&w->node[1])
#define C (&w->node[2])
#define START 1000u

/* ---------------------------------------------------------------- flows */

/* RFC 3665 §3.1 successful session: INVITE, 180, 200, ACK; the caller
 * hangs up with BYE (§15.1.1). */
static void basic_setup(struct world *w)
{
	B->ring = 1;
	B->answer = 200;
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
	add_act(w, START + 8000, ACT_HANGUP, 0, 0, NULL);
}

static void basic_check(struct world *w)
{
	check_pair_agrees(w, A, B);
	const struct slot *a = &A->slot[0];
	if (a->state_at_hangup == ZSIP_CALL_ESTABLISHED) {
		CHECK(w, a->terminal == ZSIP_UA_ENDED && a->reason == ZSIP_UA_END_LOCAL);
		CHECK(w, B->slot[0].reason == ZSIP_UA_END_REMOTE);
	}
}

/* The callee hangs up the established call (§15.1.1, RFC 3665 §3.1 with
 * the BYE the other way). */
static void callee_bye_setup(struct world *w)
{
	B->ring = 1;
	B->answer = 200;
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
	add_act(w, START + 8000, ACT_HANGUP, 1, 0, NULL);
}

static void callee_bye_check(struct world *w)
{
	check_pair_agrees(w, A, B);
	const struct slot *b = &B->slot[0];
	if (b->state_at_hangup == ZSIP_CALL_ESTABLISHED) {
		CHECK(w, b->terminal == ZSIP_UA_ENDED && b->reason == ZSIP_UA_END_LOCAL);
		CHECK(w, A->slot[0].reason == ZSIP_UA_END_REMOTE);
	}
}

/* The INVITE got through and the caller's side did not end on Timer B. */
static int reached(const struct world *w)
{
	return B->nslot && !(A->slot[0].terminal == ZSIP_UA_FAILED && A->slot[0].status == 408);
}

/* RFC 3665 §3.5 busy: 486 ends the call on both sides, the caller's
 * transaction ACKs it (§17.1.1.3). */
static void busy_setup(struct world *w)
{
	B->answer = 486;
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
}

static void busy_check(struct world *w)
{
	check_pair_agrees(w, A, B);
	if (reached(w)) {
		CHECK(w, A->slot[0].status == 486 && A->slot[0].reason == ZSIP_UA_END_REJECTED);
		CHECK(w, B->slot[0].reason == ZSIP_UA_END_REJECTED);
	}
}

/* RFC 3665 §3.7 no answer: the callee rings, the caller gives up with
 * CANCEL (§9.1), 200 to the CANCEL and 487 to the INVITE (§9.2). */
static void cancel_setup(struct world *w)
{
	B->ring = 1;
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
	add_act(w, START + 3000, ACT_HANGUP, 0, 0, NULL);
}

static void cancel_check(struct world *w)
{
	check_pair_agrees(w, A, B);
	if (reached(w)) {
		CHECK(w, A->slot[0].terminal == ZSIP_UA_FAILED && A->slot[0].status == 487);
		CHECK(w, A->slot[0].reason == ZSIP_UA_END_LOCAL && B->slot[0].reason == ZSIP_UA_END_REMOTE);
	}
}

/* RFC 5407 §3.1.2 / §9.1: the CANCEL crosses the 200. Either the CANCEL
 * wins (487, both FAILED) or the 200 does (the caller ACKs then BYEs it,
 * both ENDED); never a mix. */
static void cancel_race_setup(struct world *w)
{
	B->ring = 1;
	B->answer = 200;
	B->answer_max_ms = 400;
	A->hangup_on_progress_max_ms = 400;
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
	/* Every 1xx may be lost: hang up anyway, late. */
	add_act(w, START + 20000, ACT_HANGUP, 0, 0, NULL);
}

static void cancel_race_check(struct world *w)
{
	check_pair_agrees(w, A, B);
	if (A->slot[0].terminal == ZSIP_UA_FAILED && B->nslot)
		CHECK(w, A->slot[0].status == 487);
}

/* RFC 3665 §3.8 unsuccessful, no response: nothing comes back, Timer B
 * fails the call with 408 (§17.1.1.2). */
static void no_response_setup(struct world *w)
{
	struct sim_link l = w->sim.link[0][1];
	l.down = 1;
	sim_set_link(&w->sim, 0, 1, l);
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
}

static void no_response_check(struct world *w)
{
	CHECK(w, B->nslot == 0);
	check_pair_agrees(w, A, B);
	CHECK(w, A->slot[0].reason == ZSIP_UA_END_TIMEOUT);
}

/* RFC 3665 §3.1 with forking (§13.2.2.4, §19.3 of RFC 3261's proxy
 * model): two callees answer 200; the caller ACKs both, keeps the first as
 * the call and ends the other with BYE. */
static void fork_setup(struct world *w)
{
	for (int i = 1; i <= 2; i++) {
		w->node[i].ring = 1;
		w->node[i].answer = 200;
		w->node[i].answer_max_ms = 300;
	}
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@" FORK_HOST);
	add_act(w, START + 10000, ACT_HANGUP, 0, 0, NULL);
}

static void fork_check(struct world *w)
{
	const struct slot *a = &A->slot[0];
	CHECK(w, A->nslot == 1);
	if (B->nslot + C->nslot == 0) {
		CHECK(w, a->terminal == ZSIP_UA_FAILED && a->status == 408);
		return;
	}
	CHECK(w, a->terminal == ZSIP_UA_ENDED && a->n[ZSIP_UA_ANSWERED] == 1);
	for (int i = 1; i <= 2; i++) {
		const struct node *n = &w->node[i];
		if (!n->nslot)
			continue; /* that branch never got the INVITE (Timer B ended it at the caller) */
		CHECK(w, n->nslot == 1);
		/* Each 2xx is ACKed; the one not kept gets BYE (§13.2.2.4). */
		CHECK(w, n->slot[0].terminal == ZSIP_UA_ENDED && n->slot[0].reason == ZSIP_UA_END_REMOTE);
	}
}

/* RFC 3665 §3.1 with hold and resume by re-INVITE (§14.1, RFC 6337 §5.3):
 * both re-INVITEs succeed and the call stays up until the BYE. */
static void hold_setup(struct world *w)
{
	B->ring = 1;
	B->answer = 200;
	A->resume = 1;
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
	add_act(w, START + 8000, ACT_REINVITE, 0, 0, HOLD);
	/* Past 64*T1 after the hold: a 2xx whose ACK got lost before the
	 * resume went out must have been ACKed again by then, or the callee
	 * ends the call (§13.3.1.4; seed 74 over UDP found it). */
	add_act(w, START + 60000, ACT_HANGUP, 0, 0, NULL);
}

static void hold_check(struct world *w)
{
	check_pair_agrees(w, A, B);
	const struct slot *a = &A->slot[0];
	if (a->n[ZSIP_UA_ANSWERED] && a->n[ZSIP_UA_REINVITE_DONE]) {
		/* A re-INVITE fails only with 500 + Retry-After, when it
		 * overtook the ACK of the one before (§14.2); the call stays up
		 * either way (§14.1). */
		CHECK(w, a->reinvite_ok + (a->reinvite_fail != 0) >= a->n[ZSIP_UA_REINVITE_DONE]);
		CHECK(w, !a->reinvite_fail || a->reinvite_fail == 500);
		CHECK(w, B->slot[0].n[ZSIP_UA_REINVITE] >= a->reinvite_ok);
		CHECK(w, a->reason == ZSIP_UA_END_LOCAL);
	}
	if (a->state_at_hangup == ZSIP_CALL_ESTABLISHED && a->reinvite_ok && !a->reinvite_fail)
		CHECK(w, a->reinvite_ok == 2);
}

/* §14.1 glare: both sides re-INVITE at once; each gets 491, retries after
 * its random delay (2.1-4 s for the Call-ID owner, 0-2 s for the other),
 * and both re-INVITEs end up accepted. The callee then hangs up. */
static void glare_setup(struct world *w)
{
	B->ring = 1;
	B->answer = 200;
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
	add_act(w, START + 8000, ACT_REINVITE, 0, 0, HOLD);
	add_act(w, START + 8000, ACT_REINVITE, 1, 0, HOLD);
	/* Late enough for a retried re-INVITE to finish, even by Timer B. */
	add_act(w, START + 60000, ACT_HANGUP, 1, 0, NULL);
}

static void glare_check(struct world *w)
{
	check_pair_agrees(w, A, B);
	for (int i = 0; i < 2; i++) {
		const struct slot *s = &w->node[i].slot[0];
		const struct slot *o = &w->node[1 - i].slot[0];
		if (w->node[1].nslot == 0)
			return;
		/* A 491 is retried, never reported; every re-INVITE done was accepted. */
		CHECK(w, s->n[ZSIP_UA_REINVITE_DONE] <= 1 && s->reinvite_ok == s->n[ZSIP_UA_REINVITE_DONE]);
		CHECK(w, o->n[ZSIP_UA_REINVITE] >= s->reinvite_ok);
	}
	/* Both re-INVITEs went out (neither side was still waiting for an
	 * ACK) and the call lasted: both were accepted in the end. */
	if (B->slot[0].state_at_hangup == ZSIP_CALL_ESTABLISHED && A->slot[0].n[ZSIP_UA_ANSWERED] &&
	    A->slot[0].reinvite_rc == 0 && B->slot[0].reinvite_rc == 0)
		CHECK(w, A->slot[0].reinvite_ok == 1 && B->slot[0].reinvite_ok == 1);
}

/* RFC 5407 §3.3 (BYE crossing a re-INVITE): the caller re-INVITEs while
 * the callee hangs up; the call ends once on both sides. */
static void bye_reinvite_setup(struct world *w)
{
	B->ring = 1;
	B->answer = 200;
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
	add_act(w, START + 8000, ACT_REINVITE, 0, 0, HOLD);
	add_act(w, START + 8000 + sim_rng_range(&w->rng, 0, 100), ACT_HANGUP, 1, 0, NULL);
}

static void bye_reinvite_check(struct world *w)
{
	check_pair_agrees(w, A, B);
	CHECK(w, A->slot[0].n[ZSIP_UA_REINVITE_DONE] <= 1);
	if (B->nslot && B->slot[0].state_at_hangup == ZSIP_CALL_ESTABLISHED)
		CHECK(w, B->slot[0].reason == ZSIP_UA_END_LOCAL);
}

/* RFC 5407 §3.1.1 (BYE before ACK): the caller hangs up as soon as the 200
 * arrives, so its BYE may overtake the ACK; the call still ends once. */
static void bye_before_ack_setup(struct world *w)
{
	B->answer = 200;
	A->hangup_on_answered = 1;
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
}

static void bye_before_ack_check(struct world *w)
{
	check_pair_agrees(w, A, B);
	if (reached(w)) {
		CHECK(w, A->slot[0].terminal == ZSIP_UA_ENDED && A->slot[0].reason == ZSIP_UA_END_LOCAL);
		CHECK(w, B->slot[0].reason == ZSIP_UA_END_REMOTE);
	}
}

/* §15 (callee side): the callee hangs up right after its 200; its BYE
 * waits for the ACK (or for 64*T1), and the call ends once on both sides. */
static void callee_bye_before_ack_setup(struct world *w)
{
	B->answer = 200;
	B->hangup_after_answer = 1;
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
}

static void callee_bye_before_ack_check(struct world *w)
{
	check_pair_agrees(w, A, B);
	if (reached(w)) {
		CHECK(w, A->slot[0].terminal == ZSIP_UA_ENDED && A->slot[0].reason == ZSIP_UA_END_REMOTE);
		CHECK(w, B->slot[0].reason == ZSIP_UA_END_LOCAL);
	}
}

/* §13.3.1.4: the callee's 2xx is never ACKed (the link from the caller
 * goes down once the INVITE is in); after 64*T1 the callee ends the call
 * with BYE; the caller takes the BYE. */
static void no_ack_setup(struct world *w)
{
	B->answer = 200;
	B->link_down_on_incoming = 1;
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
}

static void no_ack_check(struct world *w)
{
	check_pair_agrees(w, A, B);
	if (reached(w)) {
		CHECK(w, B->slot[0].terminal == ZSIP_UA_ENDED && B->slot[0].reason == ZSIP_UA_END_NO_ACK);
		CHECK(w, B->slot[0].n[ZSIP_UA_CONFIRMED] == 0);
		CHECK(w, A->slot[0].n[ZSIP_UA_ANSWERED] == 1 && A->slot[0].reason == ZSIP_UA_END_REMOTE);
	}
}

/* §11.2: OPTIONS outside a dialog is answered 200 by the UA core; the
 * answer is reported once. */
static void options_setup(struct world *w)
{
	add_act(w, START, ACT_OPTIONS, 0, 0, "sip:b@10.0.0.2");
}

static void options_check(struct world *w)
{
	CHECK(w, A->options_resp == 1);
	CHECK(w, A->options_status == 200 || A->options_status == 408);
	CHECK(w, A->nslot == 0 && B->nslot == 0);
}

/* RFC 3261 §22.2, §22.3 (RFC 3665 §3.2's flow, the 407 here from the
 * callee standing in for a proxy): the callee challenges the INVITE with
 * 407 and Proxy-Authenticate; the caller asks its credentials callback,
 * sends the INVITE again with Proxy-Authorization (CSeq + 1, new branch)
 * on the same call handle, and the call is answered and hung up. A second
 * call to the same realm goes with the credentials already held (§22.3:
 * nonce count up) and is not challenged; the password is asked for once. */
static void invite_407_answered_then_credentials_reused_setup(struct world *w)
{
	B->ring = 1;
	B->answer = 200;
	add_act(w, START, ACT_INVITE, 0, 0, "sip:b@10.0.0.2");
	add_act(w, START + 8000, ACT_HANGUP, 0, 0, NULL);
	add_act(w, START + 40000, ACT_INVITE, 0, 1, "sip:b@10.0.0.2");
	add_act(w, START + 48000, ACT_HANGUP, 0, 1, NULL);
}

static void invite_407_answered_then_credentials_reused_check(struct world *w)
{
	CHECK(w, A->nslot == 2 && A->cred_calls <= 1);
	for (int k = 0; k < 2; k++) {
		const struct slot *a = &A->slot[k], *b = NULL;
		unsigned challenged = 0;
		for (int i = 0; i < B->nslot; i++) {
			const struct slot *s = &B->slot[i];
			if (strcmp(s->call_id, a->call_id))
				continue;
			if (s->challenged) {
				challenged++;
				CHECK(w, s->terminal == ZSIP_UA_FAILED && s->status == 407 &&
						 s->reason == ZSIP_UA_END_REJECTED);
			} else {
				CHECK(w, b == NULL); /* one call, however often challenged */
				b = s;
			}
		}
		/* The right password is never refused: only Timer B can fail it. */
		CHECK(w, a->terminal == ZSIP_UA_ENDED || (a->terminal == ZSIP_UA_FAILED && a->status == 408));
		/* One challenge at most; the first call's first INVITE has none
		 * to send (§22.2), so an accepted first call was challenged. */
		CHECK(w, challenged <= 1);
		if (k == 0 && b)
			CHECK(w, challenged == 1 && A->cred_calls == 1);
		/* Held credentials go with the next call unasked (§22.3). */
		if (k == 1 && A->slot[0].n[ZSIP_UA_ANSWERED])
			CHECK(w, challenged == 0 && A->cred_calls == 1);
		if (!b) {
			CHECK(w, a->terminal == ZSIP_UA_FAILED);
			continue;
		}
		if (a->terminal == ZSIP_UA_FAILED) {
			/* Timer B: every 2xx to the re-sent INVITE was lost. */
			CHECK(w, b->n[ZSIP_UA_CONFIRMED] == 0);
			continue;
		}
		/* Both ends agree: established, then ended by the caller's BYE. */
		CHECK(w, b->terminal == ZSIP_UA_ENDED);
		if (a->state_at_hangup == ZSIP_CALL_ESTABLISHED)
			CHECK(w, a->n[ZSIP_UA_ANSWERED] == 1 && a->reason == ZSIP_UA_END_LOCAL &&
					 b->reason == ZSIP_UA_END_REMOTE);
	}
}

/* ---------------------------------------------------------------- tests */

#define FLOW_TESTS_AUTH(name, nodes, auth)                                              \
	static void test_sim_##name##_udp_20pct_loss(void **state)                      \
	{                                                                               \
		(void)state;                                                            \
		run_flow(#name, name##_setup, name##_check, 0, nodes, auth);            \
	}                                                                               \
	static void test_sim_##name##_tcp_20pct_loss(void **state)                      \
	{                                                                               \
		(void)state;                                                            \
		run_flow(#name, name##_setup, name##_check, 1, nodes, auth);            \
	}
#define FLOW_TESTS(name, nodes) FLOW_TESTS_AUTH(name, nodes, 0)

FLOW_TESTS(basic, 2)
FLOW_TESTS(callee_bye, 2)
FLOW_TESTS(busy, 2)
FLOW_TESTS(cancel, 2)
FLOW_TESTS(cancel_race, 2)
FLOW_TESTS(no_response, 2)
FLOW_TESTS(fork, 3)
FLOW_TESTS(hold, 2)
FLOW_TESTS(glare, 2)
FLOW_TESTS(bye_reinvite, 2)
FLOW_TESTS(bye_before_ack, 2)
FLOW_TESTS(callee_bye_before_ack, 2)
FLOW_TESTS(no_ack, 2)
FLOW_TESTS(options, 2)
FLOW_TESTS_AUTH(invite_407_answered_then_credentials_reused, 2, 1)

#define BOTH(name) cmocka_unit_test(test_sim_##name##_udp_20pct_loss), cmocka_unit_test(test_sim_##name##_tcp_20pct_loss)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(basic),          BOTH(callee_bye),   BOTH(busy),           BOTH(cancel),
		BOTH(cancel_race),    BOTH(no_response),  BOTH(fork),           BOTH(hold),
		BOTH(glare),          BOTH(bye_reinvite), BOTH(bye_before_ack), BOTH(callee_bye_before_ack),
		BOTH(no_ack),         BOTH(options),      BOTH(invite_407_answered_then_credentials_reused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
