/* call_bench: complete calls per second between two zsip UAs in one
 * process, over an in-memory lossless transport (no sockets).
 *
 *   tests/bench/call_bench [--batches N] [--batch N] [--once]
 *
 * UA A places calls, UA B answers each from inside its INCOMING event
 * with 180 and a 200 carrying an SDP answer; A's UA sends the ACK; later A
 * hangs up (BYE) and B answers 200. (B's stack sends no 100 Trying: its
 * application answers before the 200 ms Trying timer.) Calls run in
 * batches at one virtual instant: the batch is placed, then virtual time
 * jumps past every timer (64*T1: Timer M/L of RFC 6026, the 2xx
 * retransmission and ACK wait), the calls are hung up, and time jumps
 * again so that every transaction and call is freed. The figure therefore
 * covers the whole life of a call: INVITE, 180, 200, ACK, BYE, 200, every
 * build and parse, the dialog, the timers and the frees.
 *
 * calls_per_s is per second of this process's CPU time
 * (CLOCK_PROCESS_CPUTIME_ID: one thread, one core); the wall-clock rate is
 * printed beside it.
 *
 * heap_bytes_per_call: bytes held through the allocator hooks by one
 * established call while idle (no transaction alive), averaged over both
 * sides: (heap of A + heap of B after the INVITE transactions have ended,
 * minus the heap before the batch) / (2 * calls). Both sides together hold
 * twice that.
 *
 * Instructions per call (valgrind; --once skips the warm-up and the TCP
 * run, so nearly all of the count is calls):
 *   valgrind --tool=callgrind --callgrind-out-file=build/call.cg \
 *       tests/bench/call_bench --once --batches 10 --batch 1000
 *   callgrind_annotate build/call.cg | head -40     # Ir total / 10000 calls
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

#define QSLOTS 64
#define QMSG 4096

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
	struct qslot q[QSLOTS];
	unsigned head, tail;
	uint64_t now;
	struct zsip_call **calls;       /* A's calls of the current batch */
	unsigned long incoming, answered, confirmed, ended[2], errors;
};

static struct bench B;

static int q_send(void *user, int tp, const struct zsip_addr *dst, const char *buf, size_t len)
{
	struct node *n = user;
	(void)tp;
	(void)dst;
	if (B.tail - B.head >= QSLOTS || len > QMSG) {
		B.errors++;
		return -1;
	}
	struct qslot *s = &B.q[B.tail++ % QSLOTS];
	s->to = 1 - n->idx;
	s->len = len;
	memcpy(s->data, buf, len);
	return 0;
}

static void pump(void)
{
	static char buf[QMSG];
	while (B.head != B.tail) {
		struct qslot *s = &B.q[B.head % QSLOTS];
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
		B.incoming++;
		if (zsip_call_respond(ev->call, 180, NULL, NOBODY, NULL, NULL, ev->now_ms) != 0 ||
		    zsip_call_respond(ev->call, 200, NULL, ZSIP_STR(SDP_ANSWER), NULL, NULL, ev->now_ms) != 0)
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
	memset(&B, 0, sizeof B);
	B.calls = calloc(batch, sizeof(*B.calls));
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
		if (!B.calls || !n->ua) {
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

static void timers(void)
{
	/* Past every timer: 64*T1 is 32 s. */
	B.now += 40000;
	for (int i = 0; i < 2; i++)
		zsip_stack_timeout(B.n[i].st, B.now);
	pump();
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
	double held = 0;
	const struct zsip_call_params p = { .target = "sip:bob@10.0.0.2", .body = ZSIP_STR(SDP_OFFER) };
	double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (unsigned b = 0; b < batches; b++) {
		size_t before = B.n[0].mem.live + B.n[1].mem.live;
		for (unsigned i = 0; i < batch; i++) {
			if (zsip_call_invite(B.n[0].ua, &p, NULL, B.now, &B.calls[i]) != 0)
				B.errors++;
			pump();
		}
		timers();
		/* Established and idle: no transaction left. Measured on the
		 * second batch, when the tables have their size (the first if
		 * alone). */
		if (b <= 1)
			held = (double)(B.n[0].mem.live + B.n[1].mem.live - before) / (2.0 * batch);
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
	struct zsip_ua_stats sa, sb;
	zsip_ua_stats(B.n[0].ua, &sa);
	zsip_ua_stats(B.n[1].ua, &sb);
	if (B.errors || B.incoming != want || B.answered != want || B.confirmed != want || B.ended[0] != want ||
	    B.ended[1] != want || sa.calls || sb.calls) {
		fprintf(stderr,
			"errors %lu, incoming %lu, answered %lu, confirmed %lu, ended %lu/%lu of %lu, live %zu/%zu\n",
			B.errors, B.incoming, B.answered, B.confirmed, B.ended[0], B.ended[1], want, sa.calls,
			sb.calls);
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
	struct result r = { (double)want / dc, held };
	if (!quiet)
		printf("calls over %s: %lu calls, %.3f s CPU (%.3f s wall): %.0f/s per core (%.0f/s wall, "
		       "%.2f us each), %.0f heap bytes per established idle call per side\n",
		       reliable ? "TCP" : "UDP", want, dc, dt, r.per_s, (double)want / dt, 1e6 * dc / (double)want,
		       held);
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
			fprintf(stderr, "usage: %s [--batches N] [--batch N] [--once]\n", argv[0]);
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
	printf("total: calls_per_s=%.0f heap_bytes_per_call=%.0f\n", udp.per_s, udp.bytes_per_call);
	return 0;
}
