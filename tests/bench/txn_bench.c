/* txn_bench: complete transactions per second through two zsip stacks in
 * one process, over an in-memory lossless transport (no sockets).
 *
 *   tests/bench/txn_bench [--batches N] [--batch N] [--reliable]
 *
 * Stack A is the UAC, stack B the UAS. Each transaction: A's TU builds a
 * request (zsip_build_request, Via from zsip_stack_make_via) and starts a
 * client transaction; the bytes go through an in-memory queue to B, whose
 * TU answers 200 from inside the REQUEST event (zsip_txn_reply); the 200
 * comes back to A's client transaction. For INVITE, A's TU also builds and
 * sends the ACK for the 2xx (RFC 3261 §13.2.2.4), which B passes up.
 * Transactions run in batches at one virtual instant; after each batch
 * virtual time jumps past every timer (Timer K/J/D, RFC 6026 L/M at 64*T1),
 * and zsip_stack_timeout terminates them all, so the figure includes the
 * whole life of each transaction: build, parse, match, state machines,
 * timer start and expiry, free. A transaction counts as complete when A's
 * TU has seen its final response and its TERMINATED event.
 *
 * Rates are transactions per second of this process's CPU time
 * (CLOCK_PROCESS_CPUTIME_ID: one thread, so one core), which a busy machine
 * does not skew; the wall-clock rate is printed beside it.
 *
 * heap_bytes_per_txn: bytes held through the allocator hooks per live
 * transaction (client and server averaged) when a batch of INVITE
 * transactions has completed and waits for its timers: the request copy,
 * the response copy and the state.
 *
 * Self-contained on purpose: it links lib/libzsip.a and nothing else. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zsip/msg.h"
#include "zsip/stack.h"

#include "count_mem.h"

/* ------------------------------------------------ in-memory transport */

#define QSLOTS 256
#define QMSG 4096

struct slot {
	int to;
	size_t len;
	char data[QMSG];
};

struct node {
	struct zsip_stack *st;
	int tp;
	struct zsip_addr addr;
	struct count_mem mem;
	int idx;
};

struct bench {
	struct node n[2];
	struct slot q[QSLOTS];
	unsigned head, tail;
	uint64_t now;
	int invite;
	unsigned long finals, complete, acks_rx, requests_rx, errors;
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
	struct slot *s = &B.q[B.tail++ % QSLOTS];
	s->to = 1 - n->idx;
	s->len = len;
	memcpy(s->data, buf, len);
	return 0;
}

static void pump(void)
{
	while (B.head != B.tail) {
		struct slot *s = &B.q[B.head % QSLOTS];
		struct node *to = &B.n[s->to];
		/* Copy out first: receiving may send, which fills the ring. */
		static char buf[QMSG];
		size_t len = s->len;
		memcpy(buf, s->data, len);
		B.head++;
		if (zsip_stack_receive(to->st, to->tp, &B.n[1 - s->to].addr, buf, len, B.now) != 0)
			B.errors++;
	}
}

/* ------------------------------------------------------------------ TUs */

static struct zsip_str hval(const struct zsip_msg *m, enum zsip_hdr_id id)
{
	const struct zsip_hdr *h = zsip_msg_find(m, id);
	struct zsip_str none = { NULL, 0 };
	return h ? h->value : none;
}

static void send_ack(struct node *a, const struct zsip_msg *resp)
{
	char via[128], cseq[24], out[1024];
	if (zsip_stack_make_via(a->st, a->tp, via, sizeof via, 0) < 0) {
		B.errors++;
		return;
	}
	snprintf(cseq, sizeof cseq, "%u ACK", (unsigned)resp->cseq.num);
	struct zsip_field f[] = {
		{ ZSIP_STR("Via"), zsip_str_c(via) },
		{ ZSIP_STR("Max-Forwards"), ZSIP_STR("70") },
		{ ZSIP_STR("From"), hval(resp, ZSIP_HDR_FROM) },
		{ ZSIP_STR("To"), hval(resp, ZSIP_HDR_TO) },
		{ ZSIP_STR("Call-ID"), resp->call_id },
		{ ZSIP_STR("CSeq"), zsip_str_c(cseq) },
	};
	struct zsip_request req = { ZSIP_STR("ACK"), ZSIP_STR("sip:bob@10.0.0.2:5060"), f, 6, { NULL, 0 } };
	int n = zsip_build_request(out, sizeof out, &req);
	if (n < 0 || (size_t)n > sizeof out ||
	    zsip_stack_send(a->st, a->tp, &B.n[1].addr, out, (size_t)n) != 0)
		B.errors++;
}

static void on_event(void *user, const struct zsip_event *ev)
{
	struct node *n = user;
	if (n->idx == 1) {
		if (ev->type == ZSIP_EV_REQUEST) {
			static const struct zsip_field contact = { ZSIP_STR("Contact"),
								   ZSIP_STR("<sip:bob@10.0.0.2:5060>") };
			struct zsip_response r = { .code = 200, .to_tag = ZSIP_STR("b0a7c4e1"),
						   .hdrs = &contact, .nhdrs = 1 };
			B.requests_rx++;
			if (zsip_txn_reply(ev->txn, &r, ev->now_ms) != 0)
				B.errors++;
		} else if (ev->type == ZSIP_EV_ACK) {
			B.acks_rx++;
		}
		return;
	}
	switch (ev->type) {
	case ZSIP_EV_RESPONSE:
		if (ev->msg->status >= 200) {
			B.finals++;
			zsip_txn_set_user(ev->txn, (void *)1);
			if (B.invite)
				send_ack(n, ev->msg);
		}
		break;
	case ZSIP_EV_TERMINATED:
		if (zsip_txn_user(ev->txn))
			B.complete++;
		break;
	case ZSIP_EV_TIMEOUT:
	case ZSIP_EV_TRANSPORT_ERROR:
	case ZSIP_EV_STRAY_RESPONSE:
		B.errors++;
		break;
	default:
		break;
	}
}

static void start_txn(unsigned long k)
{
	struct node *a = &B.n[0];
	char via[128], from[64], cid[64], cseq[32], out[1024];
	const char *m = B.invite ? "INVITE" : "OPTIONS";
	if (zsip_stack_make_via(a->st, a->tp, via, sizeof via, 1) < 0) {
		B.errors++;
		return;
	}
	snprintf(from, sizeof from, "\"Alice\" <sip:alice@10.0.0.1>;tag=%lx", k * 2654435761ul);
	snprintf(cid, sizeof cid, "%016lx@10.0.0.1", k * 0x9e3779b97f4a7c15ul);
	snprintf(cseq, sizeof cseq, "%lu %s", 1 + (k & 0xffff), m);
	struct zsip_field f[] = {
		{ ZSIP_STR("Via"), zsip_str_c(via) },
		{ ZSIP_STR("Max-Forwards"), ZSIP_STR("70") },
		{ ZSIP_STR("From"), zsip_str_c(from) },
		{ ZSIP_STR("To"), ZSIP_STR("<sip:bob@10.0.0.2>") },
		{ ZSIP_STR("Call-ID"), zsip_str_c(cid) },
		{ ZSIP_STR("CSeq"), zsip_str_c(cseq) },
		{ ZSIP_STR("Contact"), ZSIP_STR("<sip:alice@10.0.0.1:5060>") },
		{ ZSIP_STR("User-Agent"), ZSIP_STR("zsip-txn-bench") },
	};
	struct zsip_request req = { zsip_str_c(m), ZSIP_STR("sip:bob@10.0.0.2"), f, 8, { NULL, 0 } };
	int n = zsip_build_request(out, sizeof out, &req);
	if (n < 0 || (size_t)n > sizeof out ||
	    zsip_stack_request(a->st, a->tp, &B.n[1].addr, out, (size_t)n, NULL, B.now, NULL) != 0) {
		B.errors++;
		return;
	}
	pump();
}

/* ---------------------------------------------------------------- runs */

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void setup(int reliable)
{
	memset(&B, 0, sizeof B);
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
		cfg.on_event = on_event;
		cfg.seed = 0x5eed0000u + (unsigned)i;
		cfg.max_transactions = 1u << 20;
		n->st = zsip_stack_new(&cfg);
		if (!n->st) {
			fprintf(stderr, "zsip_stack_new failed\n");
			exit(1);
		}
		char sb[32];
		snprintf(sb, sizeof sb, "%s:5060", host[i]);
		n->tp = zsip_stack_add_transport(n->st, reliable ? ZSIP_TRANSPORT_TCP : ZSIP_TRANSPORT_UDP,
						 NULL, reliable, sb);
		zsip_addr_set(&n->addr, host[i], 5060);
	}
	B.now = 1000;
}

static void teardown(void)
{
	for (int i = 0; i < 2; i++)
		zsip_stack_free(B.n[i].st);
}

struct result {
	double per_s;
	double bytes_per_txn;
};

static struct result run(int invite, int reliable, unsigned batches, unsigned batch, int quiet)
{
	setup(reliable);
	B.invite = invite;
	size_t base = B.n[0].mem.live + B.n[1].mem.live;
	double held = 0;
	size_t idle = 0;
	unsigned long k = 0;
	double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (unsigned b = 0; b < batches; b++) {
		for (unsigned i = 0; i < batch; i++)
			start_txn(k++);
		/* Held per transaction: measured on the second batch, when the
		 * index and timer arrays have their size (the first if alone). */
		if (b == 0 || b == 1)
			held = (double)(B.n[0].mem.live + B.n[1].mem.live - (b ? idle : base)) / (2.0 * batch);
		/* Past every timer: D, J, K, L, M are at most 64*T1 (32 s). */
		B.now += 40000;
		for (int i = 0; i < 2; i++)
			zsip_stack_timeout(B.n[i].st, B.now);
		pump();
		if (b == 0)
			idle = B.n[0].mem.live + B.n[1].mem.live;
	}
	double dt = clock_s(CLOCK_MONOTONIC) - t0, dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	unsigned long want = (unsigned long)batches * batch;
	if (B.errors || B.complete != want || B.finals != want || B.requests_rx != want ||
	    (invite && B.acks_rx != want)) {
		fprintf(stderr, "%s: errors %lu, complete %lu/%lu, finals %lu, requests %lu, acks %lu\n",
			invite ? "INVITE" : "non-INVITE", B.errors, B.complete, want, B.finals,
			B.requests_rx, B.acks_rx);
		exit(1);
	}
	/* Every transaction's memory came back; what stays is the index and
	 * timer arrays grown for one batch, the same after every batch. */
	size_t left = B.n[0].mem.live + B.n[1].mem.live;
	if (left != idle || idle < base) {
		fprintf(stderr, "memory not returned: %zu bytes held, %zu after the first batch, %zu new\n",
			left, idle, base);
		exit(1);
	}
	teardown();
	if (dc <= 0)
		dc = dt;
	struct result r = { (double)want / dc, held };
	if (!quiet)
		printf("%-10s over %s: %lu transactions, %.3f s CPU (%.3f s wall): %.0f/s per core "
		       "(%.0f/s wall, %.2f us each), %.0f heap bytes per live txn\n",
		       invite ? "INVITE" : "non-INVITE", reliable ? "TCP" : "UDP", want, dc, dt, r.per_s,
		       (double)want / dt, 1e6 * dc / (double)want, held);
	return r;
}

int main(int argc, char **argv)
{
	unsigned batches = 200, batch = 1000;
	int reliable_only = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--batches") && i + 1 < argc)
			batches = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
			batch = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--reliable"))
			reliable_only = 1;
		else {
			fprintf(stderr, "usage: %s [--batches N] [--batch N] [--reliable]\n", argv[0]);
			return 2;
		}
	}
	if (!batches || !batch || batch > 100000) {
		fprintf(stderr, "bad sizes\n");
		return 2;
	}
	/* Warm up caches and the allocator. */
	run(0, reliable_only, 5, batch, 1);
	struct result ni = run(0, reliable_only, batches, batch, 0);
	struct result inv = run(1, reliable_only, batches, batch, 0);
	if (!reliable_only) {
		run(0, 1, batches, batch, 0);
		run(1, 1, batches, batch, 0);
	}
	printf("total: non_invite_per_s=%.0f invite_per_s=%.0f heap_bytes_per_txn=%.0f\n", ni.per_s, inv.per_s,
	       inv.bytes_per_txn);
	return 0;
}
