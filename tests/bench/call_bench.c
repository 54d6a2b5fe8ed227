/* call_bench: complete calls per second between two zsip UAs in one
 * process, over an in-memory lossless transport (no sockets).
 *
 *   tests/bench/call_bench [--batches N] [--batch K] [--once]
 *
 * One call is the whole RFC 3665 §3.1 exchange, seven messages: INVITE,
 * 100 Trying, 180, 200 with an SDP answer, ACK, BYE, 200. UA A places a
 * batch of K calls at one virtual instant; B's application stays silent,
 * so 200 ms of virtual time later B's INVITE server transactions send 100
 * Trying (§17.2.1); then B answers each call with 180 and 200, and A's UA
 * sends the ACK. Virtual time jumps past every timer (64*T1: Timers L and
 * M of RFC 6026, K, the 2xx retransmission and ACK wait), A hangs the calls
 * up (BYE, 200), and time jumps again so that every transaction and call is
 * freed. The figure therefore covers the whole life of a call: seven
 * messages built and parsed, both UAs, four transactions with their timers,
 * the dialogs, and the frees. The bench fails unless exactly seven messages
 * went per call and every call ended on both sides.
 *
 * calls_per_s is per second of this process's CPU time
 * (CLOCK_PROCESS_CPUTIME_ID: one thread, one core) over UDP; the wall-clock
 * rate is printed beside it. --once skips the warm-up and the TCP run.
 *
 * heap_bytes_per_call: bytes held through the allocator hooks by one
 * established call while idle (no transaction alive on either stack: that
 * is checked), on the side that holds more: (heap after the INVITE
 * transactions have ended - heap before the batch) / K, measured on the
 * second batch (the first when alone), when the tables have their size.
 * Bytes as asked of the hooks (malloc's own overhead not counted).
 *
 * Instructions per call (callgrind): two runs that differ only in the
 * number of batches, subtracted, so that start-up cancels out:
 *   for n in 2 4; do valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *       tests/bench/call_bench --once --batches $n --batch 1000 2>&1 | grep Collected; done
 *   (second - first) / 2000
 *
 * Self-contained on purpose: it links lib/libzsip.a and nothing else. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zsip.h"

#define SDP_OFFER "v=0\r\no=alice 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n"
#define SDP_ANSWER "v=0\r\no=bob 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n"

#include "count_mem.h"

/* ------------------------------------------------ in-memory transport */

/* Messages in flight at once: the batch's 100 Tryings, sent by one timer
 * run, plus a few. */
#define QMSG 2048
#define TRYING_MS 200

struct qslot {
	int to;
	size_t len;
	char data[QMSG];
};

struct node {
	struct zsip_stack *st;
	struct zsip_ua *ua;
	int tp;
	struct zsip_addr addr;
	struct count_mem mem;
	int idx;
};

struct bench {
	struct node n[2];
	struct qslot *q;
	unsigned nq, head, tail;
	uint64_t now;
	struct zsip_call **calls;       /* A's calls of the current batch */
	struct zsip_call **in;          /* B's, waiting for the answer */
	unsigned nin, batch;
	unsigned long sent, incoming, answered, confirmed, ended[2], errors;
};

static struct bench B;

static int q_send(void *user, int tp, const struct zsip_addr *dst, const char *buf, size_t len)
{
	struct node *n = user;
	(void)tp;
	(void)dst;
	if (B.tail - B.head >= B.nq || len > QMSG) {
		B.errors++;
		return -1;
	}
	struct qslot *s = &B.q[B.tail++ % B.nq];
	s->to = 1 - n->idx;
	s->len = len;
	memcpy(s->data, buf, len);
	B.sent++;
	return 0;
}

static void pump(void)
{
	static char buf[QMSG];
	while (B.head != B.tail) {
		struct qslot *s = &B.q[B.head % B.nq];
		struct node *to = &B.n[s->to];
		/* Copy out first: receiving may send, which fills the ring. */
		size_t len = s->len;
		memcpy(buf, s->data, len);
		B.head++;
		if (zsip_stack_receive(to->st, to->tp, &B.n[1 - s->to].addr, buf, len, B.now) != 0)
			B.errors++;
	}
}

static const struct zsip_str NOBODY = { NULL, 0 };

static void on_event(void *user, const struct zsip_ua_event *ev)
{
	struct node *n = user;
	switch (ev->type) {
	case ZSIP_UA_INCOMING:
		/* answered after the 100 Trying */
		B.incoming++;
		if (B.nin < B.batch)
			B.in[B.nin++] = ev->call;
		else
			B.errors++;
		break;
	case ZSIP_UA_ANSWERED:
		B.answered++;
		break;
	case ZSIP_UA_CONFIRMED:
		B.confirmed++;
		break;
	case ZSIP_UA_ENDED:
		B.ended[n->idx]++;
		break;
	case ZSIP_UA_PROGRESS:
		break;
	default:
		B.errors++;
		break;
	}
}

/* ---------------------------------------------------------------- runs */

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void setup(int reliable, unsigned batch)
{
	free(B.calls);
	free(B.in);
	free(B.q);
	memset(&B, 0, sizeof B);
	B.batch = batch;
	B.nq = batch + 64;
	B.calls = calloc(batch, sizeof(*B.calls));
	B.in = calloc(batch, sizeof(*B.in));
	B.q = malloc(B.nq * sizeof(*B.q));
	static const char *const host[2] = { "10.0.0.1", "10.0.0.2" };
	for (int i = 0; i < 2; i++) {
		struct node *n = &B.n[i];
		n->idx = i;
		struct zsip_config cfg = { 0 };
		cfg.alloc.alloc = cm_alloc;
		cfg.alloc.free = cm_free;
		cfg.alloc.user = &n->mem;
		cfg.user = n;
		cfg.send = q_send;
		cfg.seed = 0x5eed0000u + (unsigned)i;
		cfg.max_transactions = 4 * batch + 16;
		n->st = zsip_stack_new(&cfg);
		char sb[32];
		snprintf(sb, sizeof sb, "%s:5060", host[i]);
		n->tp = n->st ? zsip_stack_add_transport(n->st, reliable ? ZSIP_TRANSPORT_TCP : ZSIP_TRANSPORT_UDP,
							 NULL, reliable, sb)
			      : -1;
		struct zsip_ua_config uc = { .on_event = on_event, .user = n, .transport_id = n->tp,
					     .max_calls = batch + 16 };
		n->ua = n->tp >= 0 ? zsip_ua_new(n->st, &uc) : NULL;
		if (!B.calls || !B.in || !B.q || !n->ua) {
			fprintf(stderr, "setup failed\n");
			exit(1);
		}
		zsip_addr_set(&n->addr, host[i], 5060);
	}
	B.now = 1000;
}

static void teardown(void)
{
	for (int i = 0; i < 2; i++)
		zsip_stack_free(B.n[i].st);
}

/* Virtual time moves on by ms and every timer due runs. */
static void advance(uint64_t ms)
{
	B.now += ms;
	for (int i = 0; i < 2; i++)
		zsip_stack_timeout(B.n[i].st, B.now);
	pump();
}

/* Past every timer: 64*T1 is 32 s. */
static void timers(void)
{
	advance(40000);
}

static size_t txn_active(void)
{
	size_t n = 0;
	for (int i = 0; i < 2; i++) {
		struct zsip_stack_stats st;
		zsip_stack_stats(B.n[i].st, &st);
		n += st.txn_active;
	}
	return n;
}

struct result {
	double per_s;
	double bytes_per_call;
};

static struct result run(int reliable, unsigned batches, unsigned batch, int quiet)
{
	setup(reliable, batch);
	size_t base = B.n[0].mem.live + B.n[1].mem.live;
	size_t idle = 0;
	double held[2] = { 0, 0 };
	const struct zsip_call_params p = { .target = "sip:bob@10.0.0.2", .body = ZSIP_STR(SDP_OFFER) };
	unsigned long allocs0 = B.n[0].mem.allocs + B.n[1].mem.allocs;
	double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (unsigned b = 0; b < batches; b++) {
		size_t before[2] = { B.n[0].mem.live, B.n[1].mem.live };
		B.nin = 0;
		for (unsigned i = 0; i < batch; i++) {
			if (zsip_call_invite(B.n[0].ua, &p, NULL, B.now, &B.calls[i]) != 0)
				B.errors++;
			pump();
		}
		/* B's application is silent: 100 Trying (§17.2.1) */
		advance(TRYING_MS);
		for (unsigned i = 0; i < B.nin; i++) {
			if (zsip_call_respond(B.in[i], 180, NULL, NOBODY, NULL, NULL, B.now) != 0 ||
			    zsip_call_respond(B.in[i], 200, NULL, ZSIP_STR(SDP_ANSWER), NULL, NULL, B.now) != 0)
				B.errors++;
			pump();
		}
		timers();
		/* Established and idle: no transaction left. */
		if (txn_active())
			B.errors++;
		if (b <= 1)
			for (int i = 0; i < 2; i++)
				held[i] = (double)(B.n[i].mem.live - before[i]) / batch;
		for (unsigned i = 0; i < batch; i++) {
			if (zsip_call_hangup(B.calls[i], B.now) != 0)
				B.errors++;
			pump();
		}
		timers();
		if (b == 0)
			idle = B.n[0].mem.live + B.n[1].mem.live;
	}
	double dt = clock_s(CLOCK_MONOTONIC) - t0, dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	unsigned long want = (unsigned long)batches * batch;
	double allocs = (double)(B.n[0].mem.allocs + B.n[1].mem.allocs - allocs0) / (double)want;
	struct zsip_ua_stats sa, sb;
	zsip_ua_stats(B.n[0].ua, &sa);
	zsip_ua_stats(B.n[1].ua, &sb);
	if (B.errors || B.incoming != want || B.answered != want || B.confirmed != want || B.ended[0] != want ||
	    B.ended[1] != want || sa.calls || sb.calls || txn_active() || B.sent != 7 * want) {
		fprintf(stderr,
			"errors %lu, incoming %lu, answered %lu, confirmed %lu, ended %lu/%lu of %lu, live %zu/%zu, "
			"%lu messages sent (want 7 per call)\n",
			B.errors, B.incoming, B.answered, B.confirmed, B.ended[0], B.ended[1], want, sa.calls,
			sb.calls, B.sent);
		exit(1);
	}
	size_t left = B.n[0].mem.live + B.n[1].mem.live;
	if (left != idle || idle < base) {
		fprintf(stderr, "memory not returned: %zu bytes held, %zu after the first batch, %zu before\n",
			left, idle, base);
		exit(1);
	}
	teardown();
	if (dc <= 0)
		dc = dt;
	struct result r = { (double)want / dc, held[0] > held[1] ? held[0] : held[1] };
	if (!quiet)
		printf("calls over %s: %lu calls (%lu messages), %.3f s CPU (%.3f s wall): %.0f/s per core "
		       "(%.0f/s wall, %.2f us each, %.1f allocations); heap per established idle call: caller "
		       "%.0f, callee %.0f bytes\n",
		       reliable ? "TCP" : "UDP", want, B.sent, dc, dt, r.per_s, (double)want / dt,
		       1e6 * dc / (double)want, allocs, held[0], held[1]);
	return r;
}

int main(int argc, char **argv)
{
	unsigned batches = 100, batch = 1000;
	int once = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--batches") && i + 1 < argc)
			batches = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
			batch = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--once"))
			once = 1;
		else {
			fprintf(stderr, "usage: %s [--batches N] [--batch K] [--once]\n", argv[0]);
			return 2;
		}
	}
	if (!batches || !batch || batch > 100000) {
		fprintf(stderr, "bad sizes\n");
		return 2;
	}
	if (!once)
		run(0, 5, batch, 1); /* warm up caches and the allocator */
	struct result udp = run(0, batches, batch, 0);
	if (!once)
		run(1, batches, batch, 0);
	free(B.calls);
	free(B.in);
	free(B.q);
	printf("total: calls_per_s=%.0f heap_bytes_per_call=%.0f\n", udp.per_s, udp.bytes_per_call);
	return 0;
}
