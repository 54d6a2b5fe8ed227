/* The stack object: configuration, transports, randomness, response
 * routing (RFC 3261 §18.2.2, RFC 3581), stateless answers (§8.2, §21),
 * the transaction cap and memory accounting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support/txn_world.h"
#include "txn/txn.h"
#include "zsip.h"

static struct tw *W;
static char buf[TW_BUF];

static int setup(void **state)
{
	(void)state;
	W = calloc(1, sizeof(*W));
	return W && tw_init(W, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tw_fini(W);
	free(W);
	return 0;
}

static int null_send(void *u, int t, const struct zsip_addr *d, const char *b, size_t l)
{
	(void)u, (void)t, (void)d, (void)b, (void)l;
	return 0;
}

static void parse_sent(size_t i, struct zsip_msg *m)
{
	assert_true(i < W->nsent);
	assert_true(zsip_msg_parse(m, W->sent[i].buf, W->sent[i].len, NULL) > 0);
}

static struct zsip_txn *last_request_txn(void)
{
	size_t n = tw_count(W, ZSIP_EV_REQUEST);
	assert_true(n > 0);
	return tw_nth(W, ZSIP_EV_REQUEST, n - 1)->txn;
}

static void reply(struct zsip_txn *tx, int code)
{
	struct zsip_response r;
	memset(&r, 0, sizeof(r));
	r.code = code;
	r.to_tag = ZSIP_STR("srv");
	assert_int_equal(zsip_txn_reply(tx, &r, W->now), 0);
}

/* Receives a request with the given top Via from host:port, answers 200,
 * and leaves the response in W->sent[last]. */
static void request_with_via(int tid, const char *via, const char *host, uint16_t port)
{
	static unsigned calls;
	snprintf(buf, sizeof(buf),
		 "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
		 "Via: %s\r\n"
		 "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKlower\r\n"
		 "To: <sip:bob@biloxi.example.com>\r\n"
		 "From: <sip:alice@atlanta.example.com>;tag=88\r\n"
		 "Call-ID: route-%u\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		 via, ++calls);
	assert_int_equal(tw_recv(W, tid, host, port, buf), 0);
	reply(last_request_txn(), 200);
}

static void test_stack_new_needs_send_and_sane_timers(void **state)
{
	(void)state;
	struct zsip_config c;
	memset(&c, 0, sizeof(c));
	assert_null(zsip_stack_new(NULL));
	assert_null(zsip_stack_new(&c));      /* no send callback */
	c.send = null_send;
	c.t1_ms = 5000;
	c.t2_ms = 4000;
	assert_null(zsip_stack_new(&c));      /* T1 > T2 */
	c.t1_ms = 0;
	c.t2_ms = 0;
	struct zsip_stack *s = zsip_stack_new(&c);
	assert_non_null(s);
	assert_true(zsip_stack_next_deadline(s) == UINT64_MAX);
	zsip_stack_free(s);
	zsip_stack_free(NULL);
}

static void test_stack_add_transport_checks_arguments_and_cap(void **state)
{
	(void)state;
	struct zsip_config c;
	memset(&c, 0, sizeof(c));
	c.send = null_send;
	struct zsip_stack *s = zsip_stack_new(&c);
	assert_int_equal(zsip_stack_add_transport(s, ZSIP_TRANSPORT_UDP, NULL, 0, ""), ZSIP_EINVAL);
	assert_int_equal(zsip_stack_add_transport(s, ZSIP_TRANSPORT_UDP, NULL, 0, "a b"), ZSIP_EINVAL);
	assert_int_equal(zsip_stack_add_transport(s, ZSIP_TRANSPORT_OTHER, NULL, 1, "h"), ZSIP_EINVAL);
	assert_int_equal(zsip_stack_add_transport(s, ZSIP_TRANSPORT_OTHER, "SC TP", 1, "h"), ZSIP_EINVAL);
	assert_int_equal(zsip_stack_add_transport(s, (enum zsip_transport_kind)99, NULL, 1, "h"), ZSIP_EINVAL);
	int id = zsip_stack_add_transport(s, ZSIP_TRANSPORT_OTHER, "SCTP", 1, "[2001:db8::1]:5060");
	assert_int_equal(id, 0);
	char via[128];
	assert_true(zsip_stack_make_via(s, id, via, sizeof(via), 0) > 0);
	assert_true(strncmp(via, "SIP/2.0/SCTP [2001:db8::1]:5060;branch=z9hG4bK", 46) == 0);
	for (int i = 1; i < ZSIP_MAX_TRANSPORTS; i++)
		assert_int_equal(zsip_stack_add_transport(s, ZSIP_TRANSPORT_UDP, NULL, 0, "h"), i);
	assert_int_equal(zsip_stack_add_transport(s, ZSIP_TRANSPORT_UDP, NULL, 0, "h"), ZSIP_ELIMIT);
	zsip_stack_free(s);
}

static void test_stack_branch_has_magic_cookie_and_is_unique_8_1_1_7(void **state)
{
	(void)state;
	enum { N = 20000 };
	char (*b)[ZSIP_BRANCH_LEN + 1] = calloc(N, sizeof(*b));
	for (int i = 0; i < N; i++) {
		assert_int_equal(zsip_stack_branch(W->s, b[i], sizeof(b[i])), ZSIP_BRANCH_LEN);
		assert_int_equal(strncmp(b[i], "z9hG4bK", 7), 0);
		assert_int_equal(strlen(b[i]), ZSIP_BRANCH_LEN);
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N && j < i + 64; j++)
			assert_string_not_equal(b[i], b[j]);
	qsort(b, N, sizeof(*b), (int (*)(const void *, const void *))strcmp);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(b[i - 1], b[i]);
	free(b);
	char small[ZSIP_BRANCH_LEN];
	assert_int_equal(zsip_stack_branch(W->s, small, sizeof(small)), ZSIP_ENOSPC);
}

static int fixed_random(void *user, void *out, size_t len)
{
	int *calls = user;
	(*calls)++;
	memset(out, 0x11, len);
	return 0;
}

static void test_stack_randomness_comes_from_the_application(void **state)
{
	(void)state;
	int calls = 0;
	struct zsip_config c;
	memset(&c, 0, sizeof(c));
	c.send = null_send;
	c.random = fixed_random;
	c.user = &calls;
	struct zsip_stack *s = zsip_stack_new(&c);
	char b[32];
	zsip_stack_branch(s, b, sizeof(b));
	assert_string_equal(b, "z9hG4bK1111111111111111");
	assert_int_equal(calls, 1);
	char tok[11];
	assert_int_equal(zsip_stack_random_token(s, tok, sizeof(tok), 10), 10);
	assert_int_equal(strlen(tok), 10);
	assert_int_equal(zsip_stack_random_token(s, tok, sizeof(tok), 11), ZSIP_ENOSPC);
	zsip_stack_free(s);

	/* Without a callback, the seed decides, repeatably. */
	char a1[32], a2[32];
	memset(&c, 0, sizeof(c));
	c.send = null_send;
	c.seed = 77;
	s = zsip_stack_new(&c);
	zsip_stack_branch(s, a1, sizeof(a1));
	zsip_stack_free(s);
	s = zsip_stack_new(&c);
	zsip_stack_branch(s, a2, sizeof(a2));
	zsip_stack_free(s);
	assert_string_equal(a1, a2);
}

static void test_stack_make_via_writes_sent_by_branch_and_rport_rfc3581(void **state)
{
	(void)state;
	char via[128];
	int n = zsip_stack_make_via(W->s, W->tcp, via, sizeof(via), 1);
	assert_int_equal(n, (int)strlen(via));
	struct zsip_via v;
	assert_int_equal(zsip_via_parse(&v, zsip_str_c(via)), 0);
	assert_true(zsip_str_eq(v.transport, ZSIP_STR("TCP")));
	assert_true(zsip_str_eq(v.host, ZSIP_STR("pc33.atlanta.example.com")));
	assert_non_null(v.branch.p);
	assert_int_equal(strncmp(v.branch.p, "z9hG4bK", 7), 0);
	assert_non_null(v.rport.p);
	assert_int_equal(v.rport.len, 0);
	assert_int_equal(zsip_stack_make_via(W->s, W->tcp, via, 20, 1), ZSIP_ENOSPC);
	assert_int_equal(zsip_stack_make_via(W->s, 9, via, sizeof(via), 1), ZSIP_EINVAL);
}

/* ====================================================== routing, §18.2.2 */

static void test_stack_response_goes_to_source_ip_and_sent_by_port_18_2_2(void **state)
{
	(void)state;
	request_with_via(W->udp, "SIP/2.0/UDP client.biloxi.example.com:5062;branch=z9hG4bKr1",
			 "192.0.2.9", 40000);
	assert_int_equal(W->nsent, 1);
	assert_string_equal(W->sent[0].dst.host, "192.0.2.9");
	assert_int_equal(W->sent[0].dst.port, 5062);
	assert_int_equal(W->sent[0].tid, W->udp);
	/* §18.2.1: received names the source, because sent-by does not. */
	struct zsip_msg m;
	parse_sent(0, &m);
	assert_true(zsip_str_eq(m.via.received, ZSIP_STR("192.0.2.9")));
	assert_null(m.via.rport.p);
	/* Every Via comes back, in order (§8.2.6.2). */
	const struct zsip_hdr *v = zsip_msg_find(&m, ZSIP_HDR_VIA);
	v = zsip_msg_find_next(&m, v);
	assert_non_null(v);
	assert_true(zsip_str_eq(v->value, ZSIP_STR("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKlower")));
}

static void test_stack_default_port_5060_when_sent_by_has_none_18_2_2(void **state)
{
	(void)state;
	request_with_via(W->udp, "SIP/2.0/UDP client.biloxi.example.com;branch=z9hG4bKr2",
			 "192.0.2.9", 40000);
	assert_int_equal(W->sent[0].dst.port, 5060);
}

static void test_stack_rport_sends_to_source_port_and_fills_it_rfc3581_4(void **state)
{
	(void)state;
	request_with_via(W->udp, "SIP/2.0/UDP 10.0.0.7:5060;rport;branch=z9hG4bKr3",
			 "192.0.2.9", 40000);
	assert_string_equal(W->sent[0].dst.host, "192.0.2.9");
	assert_int_equal(W->sent[0].dst.port, 40000);
	struct zsip_msg m;
	parse_sent(0, &m);
	assert_true(zsip_str_eq(m.via.rport, ZSIP_STR("40000")));
	assert_true(zsip_str_eq(m.via.received, ZSIP_STR("192.0.2.9")));
	assert_true(zsip_str_eq(m.via.branch, ZSIP_STR("z9hG4bKr3")));
	/* The TU saw the stamped request too, and so does the transaction. */
	struct zsip_msg req;
	const struct tw_event *e = tw_nth(W, ZSIP_EV_REQUEST, 0);
	assert_true(zsip_msg_parse(&req, e->buf, e->len, NULL) > 0);
	assert_true(zsip_str_eq(req.via.rport, ZSIP_STR("40000")));
	struct zsip_str stored = zsip_txn_request(e->txn);
	assert_true(zsip_msg_parse(&req, stored.p, stored.len, NULL) > 0);
	assert_true(zsip_str_eq(req.via.received, ZSIP_STR("192.0.2.9")));
}

static void test_stack_no_received_when_sent_by_is_the_source_18_2_1(void **state)
{
	(void)state;
	request_with_via(W->udp, "SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKr4", "192.0.2.9", 5070);
	struct zsip_msg m;
	parse_sent(0, &m);
	assert_null(m.via.received.p);
	assert_int_equal(W->sent[0].dst.port, 5070);
}

static void test_stack_maddr_response_goes_to_maddr_18_2_2(void **state)
{
	(void)state;
	request_with_via(W->udp, "SIP/2.0/UDP client.biloxi.example.com:5064;maddr=239.1.2.3;ttl=1;branch=z9hG4bKr5",
			 "192.0.2.9", 40000);
	assert_string_equal(W->sent[0].dst.host, "239.1.2.3");
	assert_int_equal(W->sent[0].dst.port, 5064);
}

static void test_stack_reliable_response_goes_back_over_the_connection_18_2_2(void **state)
{
	(void)state;
	request_with_via(W->tcp, "SIP/2.0/TCP client.biloxi.example.com:5062;branch=z9hG4bKr6",
			 "192.0.2.9", 40001);
	assert_int_equal(W->sent[0].tid, W->tcp);
	assert_string_equal(W->sent[0].dst.host, "192.0.2.9");
	assert_int_equal(W->sent[0].dst.port, 40001);
}

static void test_stack_ipv6_source_and_sent_by_18_2_2(void **state)
{
	(void)state;
	request_with_via(W->udp, "SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bKr7", "2001:db8::9", 5062);
	struct zsip_msg m;
	parse_sent(0, &m);
	assert_null(m.via.received.p); /* the bracketed sent-by is the source */
	assert_string_equal(W->sent[0].dst.host, "2001:db8::9");
}

/* ============================================== stateless answers, §8.2 */

static void test_stack_unparseable_request_gets_400_with_reason_8_2(void **state)
{
	(void)state;
	const char *bad =
		"OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP client.biloxi.example.com:5062;rport;branch=z9hG4bKbad1\r\n"
		"Max-Forwards: 300\r\n"
		"To: <sip:bob@biloxi.example.com>\r\n"
		"From: <sip:alice@atlanta.example.com>;tag=88\r\n"
		"Call-ID: bad1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	struct zsip_msg m;
	int err = zsip_msg_parse(&m, bad, strlen(bad), NULL);
	assert_true(err < 0);
	const char *reason = NULL;
	int code = zsip_err_status(err, &reason);
	assert_true(code >= 400);
	assert_int_equal(tw_recv(W, W->udp, "192.0.2.9", 40000, bad), err);
	assert_int_equal(W->nsent, 1);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 0);
	assert_int_equal(W->sent[0].dst.port, 40000); /* rport */
	parse_sent(0, &m);
	assert_int_equal(m.status, code);
	assert_true(zsip_str_eq(m.reason, zsip_str_c(reason)));
	assert_true(zsip_str_eq(m.call_id, ZSIP_STR("bad1")));
	assert_true(zsip_str_eq(m.via.branch, ZSIP_STR("z9hG4bKbad1")));
	assert_true(zsip_str_eq(m.via.received, ZSIP_STR("192.0.2.9")));
	assert_true(zsip_str_eq(m.via.rport, ZSIP_STR("40000")));
	assert_non_null(m.to.tag.p); /* §8.2.6.2 */
	assert_int_equal(m.cseq.num, 1);
	/* A retransmission gets the same answer, To tag included. */
	tw_recv(W, W->udp, "192.0.2.9", 40000, bad);
	assert_int_equal(W->nsent, 2);
	assert_int_equal(W->sent[1].len, W->sent[0].len);
	assert_memory_equal(W->sent[1].buf, W->sent[0].buf, W->sent[0].len);
	struct zsip_stack_stats st;
	zsip_stack_stats(W->s, &st);
	assert_int_equal(st.rx_bad_answered, 2);
	assert_int_equal(st.txn_active, 0);
}

static void test_stack_unanswerable_request_is_dropped_8_2(void **state)
{
	(void)state;
	/* No Call-ID: the answer could not carry one. */
	const char *bad =
		"OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP client.biloxi.example.com;branch=z9hG4bKbad2\r\n"
		"To: <sip:bob@biloxi.example.com>\r\nFrom: <sip:a@x>;tag=1\r\n"
		"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	assert_true(tw_recv(W, W->udp, "192.0.2.9", 5060, bad) < 0);
	/* No Via: nowhere to send it. */
	const char *bad2 =
		"OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
		"To: <sip:bob@biloxi.example.com>\r\nFrom: <sip:a@x>;tag=1\r\n"
		"Call-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	assert_true(tw_recv(W, W->udp, "192.0.2.9", 5060, bad2) < 0);
	/* Garbage. */
	assert_true(tw_recv(W, W->udp, "192.0.2.9", 5060, "\x01\x02 hello\r\n\r\n") < 0);
	assert_int_equal(W->nsent, 0);
	struct zsip_stack_stats st;
	zsip_stack_stats(W->s, &st);
	assert_int_equal(st.rx_bad_dropped, 3);
}

static void test_stack_malformed_ack_is_never_answered_17(void **state)
{
	(void)state;
	const char *bad =
		"ACK sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP client.biloxi.example.com;branch=z9hG4bKbad3\r\n"
		"Max-Forwards: 999\r\n"
		"To: <sip:bob@biloxi.example.com>;tag=2\r\nFrom: <sip:a@x>;tag=1\r\n"
		"Call-ID: x\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
	assert_true(tw_recv(W, W->udp, "192.0.2.9", 5060, bad) < 0);
	assert_int_equal(W->nsent, 0);
}

/* The request line says ACK but the CSeq does not (nor parses as ACK): the
 * request is still an ACK, and an ACK is never answered (§17.1.1.3,
 * §17.2.3); a check on the CSeq alone would send it a 400. */
static void test_stack_ack_with_non_ack_cseq_is_never_answered_17(void **state)
{
	(void)state;
	const char *bad[] = {
		"ACK sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP client.biloxi.example.com;branch=z9hG4bKbad4\r\n"
		"To: <sip:bob@biloxi.example.com>;tag=2\r\nFrom: <sip:a@x>;tag=1\r\n"
		"Call-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		"ACK sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP client.biloxi.example.com;branch=z9hG4bKbad5\r\n"
		"To: <sip:bob@biloxi.example.com>;tag=2\r\nFrom: <sip:a@x>;tag=1\r\n"
		"Call-ID: x\r\nCSeq: one ACK\r\nContent-Length: 0\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(tw_recv(W, W->udp, "192.0.2.9", 5060, bad[i]) < 0);
	assert_int_equal(W->nsent, 0);
}

static void test_stack_malformed_response_is_dropped_and_counted_18_1_2(void **state)
{
	(void)state;
	const char *bad = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
			  "To: <sip:b@x>\r\nFrom: <sip:a@x>;tag=1\r\nCSeq: 1 OPTIONS\r\n"
			  "Content-Length: 0\r\n\r\n"; /* no Call-ID */
	assert_true(tw_recv(W, W->udp, "192.0.2.9", 5060, bad) < 0);
	assert_int_equal(W->nsent, 0);
	assert_int_equal(W->nev, 0);
	struct zsip_stack_stats st;
	zsip_stack_stats(W->s, &st);
	assert_int_equal(st.rx_bad_responses, 1);
}

/* ============================================================ the cap */

static int incoming_invite(struct tw *w, unsigned i)
{
	char b[1024];
	char branch[40];
	snprintf(branch, sizeof(branch), "z9hG4bKflood%u", i);
	int n = snprintf(b, sizeof(b),
			 "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=%s\r\n"
			 "Max-Forwards: 70\r\n"
			 "To: <sip:bob@biloxi.example.com>\r\n"
			 "From: <sip:alice@atlanta.example.com>;tag=%u\r\n"
			 "Call-ID: flood-%u@192.0.2.9\r\nCSeq: 1 INVITE\r\n"
			 "Contact: <sip:alice@192.0.2.9>\r\n"
			 "Content-Length: 0\r\n\r\n",
			 branch, i, i);
	struct zsip_addr a;
	zsip_addr_set(&a, "192.0.2.9", 5060);
	return zsip_stack_receive(w->s, w->udp, &a, b, (size_t)n, w->now);
}

static void test_stack_over_cap_answers_503_retry_after_without_memory_21_5_4(void **state)
{
	(void)state;
	tw_fini(W);
	struct zsip_config c;
	memset(&c, 0, sizeof(c));
	c.max_transactions = 2;
	c.retry_after_s = 7;
	assert_int_equal(tw_init(W, &c), 0);
	assert_int_equal(incoming_invite(W, 1), 0);
	assert_int_equal(incoming_invite(W, 2), 0);
	struct zsip_stack_stats st0, st1;
	zsip_stack_stats(W->s, &st0);
	assert_int_equal(incoming_invite(W, 3), ZSIP_ELIMIT);
	zsip_stack_stats(W->s, &st1);
	assert_int_equal(st1.heap_bytes, st0.heap_bytes);
	assert_int_equal(st1.heap_peak, st0.heap_peak);
	assert_int_equal(st1.tx_overload_503, 1);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 2);
	assert_int_equal(W->nsent, 1);
	struct zsip_msg m;
	parse_sent(0, &m);
	assert_int_equal(m.status, 503);
	assert_non_null(m.to.tag.p);
	const struct zsip_hdr *ra = zsip_msg_find(&m, ZSIP_HDR_RETRY_AFTER);
	assert_non_null(ra);
	assert_true(zsip_str_eq(ra->value, ZSIP_STR("7")));
	assert_true(zsip_str_eq(m.via.branch, ZSIP_STR("z9hG4bKflood3")));
	/* Retransmissions of admitted requests still match. */
	assert_int_equal(incoming_invite(W, 1), 0);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 2);
	/* The client side is capped too. */
	int n = tw_request(buf, sizeof(buf), "OPTIONS", "UDP", "pc33.atlanta.example.com",
			   "z9hG4bKcap", NULL, NULL, NULL);
	struct zsip_addr d;
	zsip_addr_set(&d, "192.0.2.4", 5060);
	assert_int_equal(zsip_stack_request(W->s, W->udp, &d, buf, (size_t)n, NULL, 0, NULL), ZSIP_ELIMIT);
}

static void test_stack_flood_of_100000_invites_capped_at_1000_stays_flat(void **state)
{
	(void)state;
	tw_fini(W);
	struct zsip_config c;
	memset(&c, 0, sizeof(c));
	c.max_transactions = 1000;
	assert_int_equal(tw_init(W, &c), 0);
	size_t peak_after_fill = 0;
	unsigned refused = 0;
	for (unsigned i = 0; i < 100000; i++) {
		W->now = i / 10; /* 10 INVITEs per ms */
		int rc = incoming_invite(W, i);
		if (rc == ZSIP_ELIMIT)
			refused++;
		else
			assert_int_equal(rc, 0);
		zsip_stack_timeout(W->s, W->now);
		/* By 2 s every admitted INVITE has had its 100 Trying (and
		 * the copy the transaction keeps of it): from there on
		 * nothing may grow. */
		if (i == 20000) {
			struct zsip_stack_stats st;
			zsip_stack_stats(W->s, &st);
			peak_after_fill = st.heap_bytes;
		}
	}
	struct zsip_stack_stats st;
	zsip_stack_stats(W->s, &st);
	assert_int_equal(refused, 99000);
	assert_int_equal(st.tx_overload_503, 99000);
	assert_int_equal(st.txn_active, 1000);
	assert_int_equal(st.heap_bytes, peak_after_fill);
	assert_int_equal(st.heap_peak, peak_after_fill);
	print_message("flood: 100000 INVITEs, 1000 admitted, %u answered 503, heap %zu bytes flat\n",
		      refused, st.heap_bytes);
}

/* ============================================================ memory */

struct counting {
	size_t live, calls, bad;
	size_t fail_at; /* fail the n-th allocation (1-based); 0 never */
};

static void *c_alloc(void *user, size_t n)
{
	struct counting *c = user;
	c->calls++;
	if (c->fail_at && c->calls == c->fail_at)
		return NULL;
	size_t *p = malloc(n + sizeof(size_t));
	if (!p)
		return NULL;
	*p = n;
	c->live += n;
	return p + 1;
}

static void c_free(void *user, void *ptr, size_t n)
{
	struct counting *c = user;
	size_t *p = (size_t *)ptr - 1;
	if (*p != n)
		c->bad++;
	c->live -= *p;
	free(p);
}

/* Restarts W on a stack whose every allocation cnt counts. */
static void counting_world(struct zsip_config *c, struct counting *cnt)
{
	tw_fini(W);
	memset(c, 0, sizeof(*c));
	c->alloc.alloc = c_alloc;
	c->alloc.free = c_free;
	c->alloc.user = cnt;
	assert_int_equal(tw_init(W, c), 0);
}

static void test_stack_every_byte_goes_through_the_hooks_and_back(void **state)
{
	(void)state;
	struct counting cnt = { 0, 0, 0, 0 };
	struct zsip_config c;
	counting_world(&c, &cnt);
	for (unsigned i = 0; i < 300; i++)
		incoming_invite(W, i);
	struct zsip_stack_stats st;
	zsip_stack_stats(W->s, &st);
	assert_int_equal(st.heap_bytes, cnt.live);
	tw_fini(W);
	assert_int_equal(cnt.live, 0);
	assert_int_equal(cnt.bad, 0);
	/* Leave W usable for teardown. */
	assert_int_equal(tw_init(W, NULL), 0);
}

/* RFC 3581 §4, §18.2.1: a stateless 503 is routed and stamped like any
 * answer: to the source port for rport, with received and rport filled. */
static void test_stack_over_cap_503_carries_received_and_rport_rfc3581_4(void **state)
{
	(void)state;
	tw_fini(W);
	struct zsip_config c;
	memset(&c, 0, sizeof(c));
	c.max_transactions = 1;
	assert_int_equal(tw_init(W, &c), 0);
	assert_int_equal(incoming_invite(W, 1), 0);
	static const char req[] =
		"OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP client.example.com;rport;branch=z9hG4bKover\r\n"
		"To: <sip:bob@biloxi.example.com>\r\n"
		"From: <sip:alice@atlanta.example.com>;tag=9\r\n"
		"Call-ID: over@client.example.com\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(tw_recv(W, W->udp, "192.0.2.9", 40000, req), ZSIP_ELIMIT);
	assert_int_equal(W->nsent, 1);
	assert_int_equal(W->sent[0].dst.port, 40000);
	struct zsip_msg m;
	parse_sent(0, &m);
	assert_int_equal(m.status, 503);
	assert_true(zsip_str_eq(m.via.rport, ZSIP_STR("40000")));
	assert_true(zsip_str_eq(m.via.received, ZSIP_STR("192.0.2.9")));
	assert_true(zsip_str_eq(m.via.branch, ZSIP_STR("z9hG4bKover")));
}

static void test_stack_allocation_failure_answers_503(void **state)
{
	(void)state;
	struct counting cnt = { 0, 0, 0, 0 };
	struct zsip_config c;
	counting_world(&c, &cnt);
	cnt.fail_at = cnt.calls + 1;
	assert_int_equal(incoming_invite(W, 1), ZSIP_ENOMEM);
	assert_int_equal(W->nsent, 1);
	struct zsip_msg m;
	parse_sent(0, &m);
	assert_int_equal(m.status, 503);
	assert_int_equal(incoming_invite(W, 2), 0); /* and recovers */
	tw_fini(W);
	assert_int_equal(cnt.live, 0);
	assert_int_equal(tw_init(W, NULL), 0);
}

/* A small device's stack: every buffer is sized from limits.max_msg_size
 * and the table from max_transactions, so 4 KiB messages and 16
 * transactions fit in 16 KiB when idle, before and after a full table
 * has come and gone (issue 9 §3); the default stack is the big one. */
static void test_stack_small_config_idle_footprint_within_16_kib(void **state)
{
	(void)state;
	struct counting cnt = { 0, 0, 0, 0 };
	struct zsip_config c;
	counting_world(&c, &cnt);
	size_t dflt = cnt.live;
	tw_fini(W);
	assert_true(dflt > 2 * 65535); /* two scratch buffers for a 64 KiB message */

	c.limits.max_msg_size = 4096;
	c.max_transactions = 16;
	assert_int_equal(tw_init(W, &c), 0);
	size_t idle = cnt.live;
	for (unsigned i = 0; i < 16; i++) {
		char via[96];
		snprintf(via, sizeof(via), "SIP/2.0/UDP client.biloxi.example.com;branch=z9hG4bKfp%u", i);
		request_with_via(W->udp, via, "192.0.2.9", 5060);
		tw_clear(W);
	}
	struct zsip_stack_stats st;
	zsip_stack_stats(W->s, &st);
	assert_int_equal(st.txn_active, 16);
	size_t busy = cnt.live;
	tw_advance(W, 64 * 500 + 1); /* Timer J (§17.2.2) ends them all */
	zsip_stack_stats(W->s, &st);
	assert_int_equal(st.txn_active, 0);
	print_message("idle stack: %zu bytes at the defaults, %zu for 4 KiB messages and 16 "
		      "transactions (%zu with all 16 live, %zu once they ended)\n",
		      dflt, idle, busy, cnt.live);
	assert_true(idle <= 16 * 1024);
	assert_true(cnt.live <= 16 * 1024);
	tw_fini(W);
	assert_int_equal(cnt.live, 0);
	assert_int_equal(tw_init(W, NULL), 0);
}

static void test_stack_heap_bytes_per_transaction_measured(void **state)
{
	(void)state;
	struct zsip_stack_stats st0, st1, st2;
	/* Server INVITE transactions, answered 180 (request + response kept). */
	zsip_stack_stats(W->s, &st0);
	for (unsigned i = 0; i < 1000; i++) {
		incoming_invite(W, i);
		reply(last_request_txn(), 180);
		tw_clear(W);
	}
	zsip_stack_stats(W->s, &st1);
	size_t server = (st1.heap_bytes - st0.heap_bytes) / 1000;
	/* Client non-INVITE transactions. */
	for (unsigned i = 0; i < 1000; i++) {
		char br[32];
		snprintf(br, sizeof(br), "z9hG4bKmem%u", i);
		int n = tw_request(buf, sizeof(buf), "OPTIONS", "UDP", "pc33.atlanta.example.com",
				   br, NULL, NULL, NULL);
		struct zsip_addr d;
		zsip_addr_set(&d, "192.0.2.4", 5060);
		assert_int_equal(zsip_stack_request(W->s, W->udp, &d, buf, (size_t)n, NULL, 0, NULL), 0);
		if (i == 0) {
			zsip_stack_stats(W->s, &st2);
			print_message("one client OPTIONS of %d bytes: %zu heap bytes\n", n,
				      st2.heap_bytes - st1.heap_bytes);
		}
	}
	zsip_stack_stats(W->s, &st2);
	size_t client = (st2.heap_bytes - st1.heap_bytes) / 1000;
	print_message("heap per transaction: server INVITE+180 %zu bytes, client OPTIONS %zu bytes "
		      "(struct zsip_txn %zu + the message bytes + 16 for table and timer slots)\n",
		      server, client, sizeof(struct zsip_txn));
	assert_true(server < 1400);
	assert_true(client < 800);
	/* The client ones end at Timer F and give back what they held; the
	 * server INVITEs wait for their TU. */
	tw_advance(W, 100000);
	struct zsip_stack_stats st3;
	zsip_stack_stats(W->s, &st3);
	assert_int_equal(st3.txn_active, 1000);
	assert_true(st2.heap_bytes - st3.heap_bytes >= 1000 * (sizeof(struct zsip_txn) + 300));
}

static int reenter_rc;

static void reenter_hook(struct tw *w, const struct zsip_event *ev)
{
	if (ev->type != ZSIP_EV_REQUEST)
		return;
	struct zsip_addr a;
	zsip_addr_set(&a, "192.0.2.1", 1);
	reenter_rc = zsip_stack_receive(w->s, w->udp, &a, "x", 1, w->now);
	/* Answering from inside the callback is allowed. */
	struct zsip_response r;
	memset(&r, 0, sizeof(r));
	r.code = 200;
	r.to_tag = ZSIP_STR("in-cb");
	zsip_txn_reply(ev->txn, &r, w->now);
}

static void test_stack_callbacks_may_answer_but_not_reenter(void **state)
{
	(void)state;
	W->hook = reenter_hook;
	incoming_invite(W, 5);
	assert_int_equal(reenter_rc, ZSIP_ESTATE);
	assert_int_equal(W->nsent, 1);
	struct zsip_msg m;
	parse_sent(0, &m);
	assert_int_equal(m.status, 200);
	assert_int_equal(zsip_stack_timeout(W->s, 0), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_stack_new_needs_send_and_sane_timers),
		T(test_stack_add_transport_checks_arguments_and_cap),
		T(test_stack_branch_has_magic_cookie_and_is_unique_8_1_1_7),
		T(test_stack_randomness_comes_from_the_application),
		T(test_stack_make_via_writes_sent_by_branch_and_rport_rfc3581),
		T(test_stack_response_goes_to_source_ip_and_sent_by_port_18_2_2),
		T(test_stack_default_port_5060_when_sent_by_has_none_18_2_2),
		T(test_stack_rport_sends_to_source_port_and_fills_it_rfc3581_4),
		T(test_stack_no_received_when_sent_by_is_the_source_18_2_1),
		T(test_stack_maddr_response_goes_to_maddr_18_2_2),
		T(test_stack_reliable_response_goes_back_over_the_connection_18_2_2),
		T(test_stack_ipv6_source_and_sent_by_18_2_2),
		T(test_stack_unparseable_request_gets_400_with_reason_8_2),
		T(test_stack_unanswerable_request_is_dropped_8_2),
		T(test_stack_malformed_ack_is_never_answered_17),
		T(test_stack_ack_with_non_ack_cseq_is_never_answered_17),
		T(test_stack_malformed_response_is_dropped_and_counted_18_1_2),
		T(test_stack_over_cap_answers_503_retry_after_without_memory_21_5_4),
		T(test_stack_flood_of_100000_invites_capped_at_1000_stays_flat),
		T(test_stack_every_byte_goes_through_the_hooks_and_back),
		T(test_stack_over_cap_503_carries_received_and_rport_rfc3581_4),
		T(test_stack_allocation_failure_answers_503),
		T(test_stack_heap_bytes_per_transaction_measured),
		T(test_stack_small_config_idle_footprint_within_16_kib),
		T(test_stack_callbacks_may_answer_but_not_reenter),
	};
	return cmocka_run_group_tests_name("stack", tests, NULL, NULL);
}
