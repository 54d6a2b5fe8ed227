/* Shared fixtures of the transaction tests (test_txn_client.c,
 * test_txn_server.c): one stack in virtual time (support/txn_world.h) and
 * short ways to start, answer and inspect transactions. Included by those
 * files only; cmocka-based, unlike the other support files. */
#ifndef ZSIP_TEST_TXN_TEST_H
#define ZSIP_TEST_TXN_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support/txn_world.h"
#include "zsip.h"

#define SENT_BY "pc33.atlanta.example.com"
#define PEER "192.0.2.4"

static struct tw *W;
static char buf[TW_BUF];

static inline int setup(void **state)
{
	(void)state;
	W = calloc(1, sizeof(*W));
	return W && tw_init(W, NULL) == 0 ? 0 : -1;
}

static inline int teardown(void **state)
{
	(void)state;
	tw_fini(W);
	free(W);
	return 0;
}

static inline const char *tp_name(int tid)
{
	return tid == W->udp ? "UDP" : tid == W->tcp ? "TCP" : "TLS";
}

/* ------------------------------------------------------------- helpers */

static inline struct zsip_txn *client(int tid, const char *method, const char *branch, const char *extra)
{
	int n = tw_request(buf, sizeof(buf), method, tp_name(tid), SENT_BY, branch, NULL, NULL, extra);
	struct zsip_addr dst;
	zsip_addr_set(&dst, PEER, 5060);
	struct zsip_txn *tx = NULL;
	assert_int_equal(zsip_stack_request(W->s, tid, &dst, buf, (size_t)n, NULL, W->now, &tx), 0);
	assert_non_null(tx);
	return tx;
}

/* A response for a client transaction arrives from the peer. */
static inline int answer(int tid, int code, const char *method, const char *branch, const char *tag)
{
	tw_response(buf, sizeof(buf), code, method, tp_name(tid), SENT_BY, branch, tag);
	return tw_recv(W, tid, PEER, 5060, buf);
}

/* A request for the server side arrives from the peer. */
static inline int incoming(int tid, const char *method, const char *branch, const char *cseq_method,
		    const char *extra)
{
	tw_request(buf, sizeof(buf), method, tp_name(tid), "client.biloxi.example.com:5062", branch,
		   NULL, cseq_method, extra);
	return tw_recv(W, tid, "192.0.2.9", 5062, buf);
}

static inline struct zsip_txn *last_request_txn(void)
{
	size_t n = tw_count(W, ZSIP_EV_REQUEST);
	assert_true(n > 0);
	return tw_nth(W, ZSIP_EV_REQUEST, n - 1)->txn;
}

static inline int reply(struct zsip_txn *tx, int code, const char *tag)
{
	struct zsip_response r;
	memset(&r, 0, sizeof(r));
	r.code = code;
	r.to_tag = zsip_str_c(tag);
	return zsip_txn_reply(tx, &r, W->now);
}

static inline void parse_sent(size_t i, struct zsip_msg *m)
{
	assert_true(i < W->nsent);
	assert_true(zsip_msg_parse(m, W->sent[i].buf, W->sent[i].len, NULL) > 0);
}

static inline void assert_send_times(const uint64_t *t, size_t n)
{
	for (size_t i = 0; i < n && i < W->nsent; i++)
		if (W->sent[i].at != t[i])
			fail_msg("send %zu at %llu, expected %llu", i,
				 (unsigned long long)W->sent[i].at, (unsigned long long)t[i]);
	assert_int_equal(W->nsent, n);
}

static inline uint64_t event_time(enum zsip_event_type type)
{
	const struct tw_event *e = tw_nth(W, type, 0);
	assert_non_null(e);
	return e->at;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

#endif
