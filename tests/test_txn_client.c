/* Client transactions of RFC 3261 §17.1: the INVITE machine (§17.1.1,
 * with RFC 6026's Accepted state and Timer M), the non-INVITE machine
 * (§17.1.2) and response matching (§17.1.3, §18.1.2), driven in virtual
 * time: every timer is checked at its RFC value by the times at which
 * messages go out and events come up. */
#include "support/txn_test.h"

/* ================================================ INVITE client, §17.1.1 */

static void test_txn_invite_client_sends_and_enters_calling_17_1_1_2(void **state)
{
	(void)state;
	struct zsip_txn *tx = client(W->udp, "INVITE", "z9hG4bKnashds8", NULL);
	assert_int_equal(zsip_txn_kind(tx), ZSIP_TXN_CLIENT_INVITE);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_CALLING);
	assert_int_equal(W->nsent, 1);
	assert_string_equal(W->sent[0].dst.host, PEER);
	assert_int_equal(W->sent[0].dst.port, 5060);
	assert_int_equal(W->sent[0].tid, W->udp);
	assert_int_equal(W->sent[0].len, strlen(buf));
	assert_memory_equal(W->sent[0].buf, buf, W->sent[0].len);
}

static void test_txn_invite_client_retransmits_at_t1_doubling_timer_a_17_1_1_2(void **state)
{
	(void)state;
	client(W->udp, "INVITE", "z9hG4bKa", NULL);
	tw_advance(W, 40000);
	/* A fires at T1, 2T1, 4T1 ... after the last send, until B. */
	const uint64_t t[] = { 0, 500, 1500, 3500, 7500, 15500, 31500 };
	assert_send_times(t, 7);
	for (size_t i = 1; i < W->nsent; i++)
		assert_memory_equal(W->sent[i].buf, W->sent[0].buf, W->sent[0].len);
}

static void test_txn_invite_client_timer_b_times_out_at_64_t1_17_1_1_2(void **state)
{
	(void)state;
	struct zsip_stack_stats st0, st1;
	zsip_stack_stats(W->s, &st0);
	client(W->udp, "INVITE", "z9hG4bKb", NULL);
	tw_advance(W, 31999);
	assert_int_equal(tw_count(W, ZSIP_EV_TIMEOUT), 0);
	tw_advance(W, 32000);
	assert_int_equal(event_time(ZSIP_EV_TIMEOUT), 32000);
	assert_int_equal(tw_nth(W, ZSIP_EV_TIMEOUT, 0)->err, ZSIP_ETIMEOUT);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 32000);
	/* The transaction's memory went back (the table may have grown). */
	zsip_stack_stats(W->s, &st1);
	assert_int_equal(st1.heap_bytes, st0.heap_bytes);
	assert_int_equal(st1.txn_active, 0);
}

static void test_txn_invite_client_reliable_never_retransmits_17_1_1_2(void **state)
{
	(void)state;
	client(W->tcp, "INVITE", "z9hG4bKc", NULL);
	tw_advance(W, 40000);
	assert_int_equal(W->nsent, 1);
	/* Timer B still runs over reliable transports. */
	assert_int_equal(event_time(ZSIP_EV_TIMEOUT), 32000);
}

static void test_txn_invite_client_1xx_enters_proceeding_and_stops_timers_17_1_1_2(void **state)
{
	(void)state;
	struct zsip_txn *tx = client(W->udp, "INVITE", "z9hG4bKd", NULL);
	tw_advance(W, 100);
	assert_int_equal(answer(W->udp, 180, "INVITE", "z9hG4bKd", "t1"), 0);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_PROCEEDING);
	assert_int_equal(zsip_txn_status(tx), 180);
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 1);
	assert_ptr_equal(tw_nth(W, ZSIP_EV_RESPONSE, 0)->txn, tx);
	tw_advance(W, 200000);
	assert_int_equal(W->nsent, 1);     /* no more Timer A */
	assert_int_equal(tw_count(W, ZSIP_EV_TIMEOUT), 0); /* no Timer B */
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_PROCEEDING);
}

static void test_txn_invite_client_passes_every_provisional_up_17_1_1_2(void **state)
{
	(void)state;
	client(W->udp, "INVITE", "z9hG4bKe", NULL);
	answer(W->udp, 100, "INVITE", "z9hG4bKe", NULL);
	answer(W->udp, 180, "INVITE", "z9hG4bKe", "t1");
	answer(W->udp, 183, "INVITE", "z9hG4bKe", "t1");
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 3);
}

static void test_txn_invite_client_acks_non2xx_final_17_1_1_3(void **state)
{
	(void)state;
	struct zsip_txn *tx = client(W->udp, "INVITE", "z9hG4bKf",
				     "Route: <sip:p1.example.com;lr>\r\nRoute: <sip:p2.example.com;lr>\r\n");
	tw_advance(W, 100);
	answer(W->udp, 486, "INVITE", "z9hG4bKf", "8321234356");
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_COMPLETED);
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 1);
	assert_int_equal(W->nsent, 2);
	assert_string_equal(W->sent[1].dst.host, PEER);
	assert_int_equal(W->sent[1].at, 100);

	struct zsip_msg inv, ack;
	parse_sent(0, &inv);
	parse_sent(1, &ack);
	assert_int_equal(ack.method_id, ZSIP_METHOD_ACK);
	assert_true(zsip_str_eq(ack.ruri_str, inv.ruri_str));
	assert_true(zsip_str_eq(ack.call_id, inv.call_id));
	assert_true(zsip_str_eq(ack.from.tag, inv.from.tag));
	assert_int_equal(ack.cseq.num, inv.cseq.num);
	assert_int_equal(ack.cseq.method_id, ZSIP_METHOD_ACK);
	/* Only the top Via of the INVITE, same branch. */
	assert_true(zsip_str_eq(ack.via.branch, inv.via.branch));
	const struct zsip_hdr *v = zsip_msg_find(&ack, ZSIP_HDR_VIA);
	assert_null(zsip_msg_find_next(&ack, v));
	/* To of the response. */
	assert_true(zsip_str_eq(ack.to.tag, zsip_str_c("8321234356")));
	/* The INVITE's Route set, in order. */
	const struct zsip_hdr *r = zsip_msg_find(&ack, ZSIP_HDR_ROUTE);
	assert_non_null(r);
	assert_true(zsip_str_eq(r->value, zsip_str_c("<sip:p1.example.com;lr>")));
	r = zsip_msg_find_next(&ack, r);
	assert_non_null(r);
	assert_true(zsip_str_eq(r->value, zsip_str_c("<sip:p2.example.com;lr>")));
	assert_int_equal(ack.body.len, 0);
}

static void test_txn_invite_client_completed_reacks_retransmitted_final_17_1_1_2(void **state)
{
	(void)state;
	client(W->udp, "INVITE", "z9hG4bKg", NULL);
	answer(W->udp, 603, "INVITE", "z9hG4bKg", "x");
	tw_advance(W, 1000);
	answer(W->udp, 603, "INVITE", "z9hG4bKg", "x");
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 1); /* not passed up twice */
	assert_int_equal(W->nsent, 3);
	assert_int_equal(W->sent[2].at, 1000);
	assert_memory_equal(W->sent[2].buf, W->sent[1].buf, W->sent[1].len);
}

static void test_txn_invite_client_timer_d_32s_on_unreliable_17_1_1_2(void **state)
{
	(void)state;
	client(W->udp, "INVITE", "z9hG4bKh", NULL);
	tw_advance(W, 100);
	answer(W->udp, 404, "INVITE", "z9hG4bKh", "x");
	tw_advance(W, 32099);
	assert_int_equal(tw_count(W, ZSIP_EV_TERMINATED), 0);
	tw_advance(W, 40000);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 32100);
	assert_int_equal(W->nsent, 2); /* INVITE, ACK: no retransmissions in Completed */
}

static void test_txn_invite_client_timer_d_zero_on_reliable_17_1_1_2(void **state)
{
	(void)state;
	client(W->tcp, "INVITE", "z9hG4bKi", NULL);
	tw_advance(W, 100);
	answer(W->tcp, 404, "INVITE", "z9hG4bKi", "x");
	assert_true(zsip_stack_next_deadline(W->s) <= 100);
	tw_advance(W, 100);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 100);
}

static void test_txn_invite_client_2xx_enters_accepted_rfc6026_7_2(void **state)
{
	(void)state;
	struct zsip_txn *tx = client(W->udp, "INVITE", "z9hG4bKj", NULL);
	tw_advance(W, 100);
	answer(W->udp, 200, "INVITE", "z9hG4bKj", "a");
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_ACCEPTED);
	assert_int_equal(W->nsent, 1); /* the ACK for a 2xx is the TU's */
	tw_advance(W, 600);
	answer(W->udp, 200, "INVITE", "z9hG4bKj", "a"); /* retransmission */
	answer(W->udp, 200, "INVITE", "z9hG4bKj", "b"); /* another fork */
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 3);
	answer(W->udp, 486, "INVITE", "z9hG4bKj", "c"); /* not for Accepted */
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 3);
	assert_int_equal(W->nsent, 1);
	tw_advance(W, 40000);
	/* Timer M = 64*T1 after the first 2xx. */
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 100 + 32000);
	assert_int_equal(tw_count(W, ZSIP_EV_TIMEOUT), 0);
}

static void test_txn_invite_client_transport_error_terminates_17_1_4(void **state)
{
	(void)state;
	client(W->udp, "INVITE", "z9hG4bKk", NULL);
	W->fail_after = 1;
	tw_advance(W, 10000);
	assert_int_equal(event_time(ZSIP_EV_TRANSPORT_ERROR), 500);
	assert_int_equal(tw_nth(W, ZSIP_EV_TRANSPORT_ERROR, 0)->err, ZSIP_ETRANSPORT);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 500);
	assert_int_equal(tw_count(W, ZSIP_EV_TIMEOUT), 0);
}

static void test_txn_client_first_send_failure_creates_nothing_17_1_4(void **state)
{
	(void)state;
	struct zsip_stack_stats st0, st1;
	zsip_stack_stats(W->s, &st0);
	W->fail_after = 0;
	int n = tw_request(buf, sizeof(buf), "INVITE", "UDP", SENT_BY, "z9hG4bKl", NULL, NULL, NULL);
	struct zsip_addr dst;
	zsip_addr_set(&dst, PEER, 5060);
	struct zsip_txn *tx = (struct zsip_txn *)1;
	assert_int_equal(zsip_stack_request(W->s, W->udp, &dst, buf, (size_t)n, NULL, 0, &tx),
			 ZSIP_ETRANSPORT);
	assert_null(tx);
	zsip_stack_stats(W->s, &st1);
	assert_int_equal(st1.heap_bytes, st0.heap_bytes);
	assert_true(zsip_stack_next_deadline(W->s) == UINT64_MAX);
	tw_advance(W, 100000);
	assert_int_equal(W->nev, 0);
}

static void test_txn_client_request_refuses_ack_and_missing_branch_17_1_1_3(void **state)
{
	(void)state;
	struct zsip_addr dst;
	zsip_addr_set(&dst, PEER, 5060);
	int n = tw_request(buf, sizeof(buf), "ACK", "UDP", SENT_BY, "z9hG4bKm", NULL, NULL, NULL);
	assert_int_equal(zsip_stack_request(W->s, W->udp, &dst, buf, (size_t)n, NULL, 0, NULL), ZSIP_EINVAL);
	n = snprintf(buf, sizeof(buf),
		     "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:b@x>\r\n"
		     "From: <sip:a@x>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(zsip_stack_request(W->s, W->udp, &dst, buf, (size_t)n, NULL, 0, NULL), ZSIP_EINVAL);
	assert_int_equal(W->nsent, 0);
}

static void test_txn_client_duplicate_branch_and_method_refused_17_1_3(void **state)
{
	(void)state;
	client(W->udp, "OPTIONS", "z9hG4bKdup", NULL);
	int n = tw_request(buf, sizeof(buf), "OPTIONS", "UDP", SENT_BY, "z9hG4bKdup", NULL, NULL, NULL);
	struct zsip_addr dst;
	zsip_addr_set(&dst, PEER, 5060);
	assert_int_equal(zsip_stack_request(W->s, W->udp, &dst, buf, (size_t)n, NULL, 0, NULL), ZSIP_EINVAL);
}


static void test_txn_invite_client_proceeding_to_completed_or_accepted_17_1_1_2(void **state)
{
	(void)state;
	struct zsip_txn *a = client(W->udp, "INVITE", "z9hG4bKpa", NULL);
	struct zsip_txn *b = client(W->udp, "INVITE", "z9hG4bKpb", NULL);
	answer(W->udp, 180, "INVITE", "z9hG4bKpa", "t");
	answer(W->udp, 180, "INVITE", "z9hG4bKpb", "t");
	tw_advance(W, 5000);
	answer(W->udp, 486, "INVITE", "z9hG4bKpa", "t");
	answer(W->udp, 200, "INVITE", "z9hG4bKpb", "t");
	assert_int_equal(zsip_txn_state(a), ZSIP_TXN_COMPLETED);
	assert_int_equal(zsip_txn_state(b), ZSIP_TXN_ACCEPTED);
	assert_int_equal(W->nsent, 3); /* two INVITEs, one ACK (for the 486) */
	struct zsip_msg m;
	parse_sent(2, &m);
	assert_int_equal(m.method_id, ZSIP_METHOD_ACK);
	assert_true(zsip_str_eq(m.via.branch, ZSIP_STR("z9hG4bKpa")));
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 4);
}

static void test_txn_invite_client_ack_send_failure_is_transport_error_17_1_4(void **state)
{
	(void)state;
	client(W->udp, "INVITE", "z9hG4bKaf", NULL);
	W->fail_after = 1;
	tw_advance(W, 100);
	answer(W->udp, 486, "INVITE", "z9hG4bKaf", "t");
	/* The final response still goes up, then the failure. */
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 1);
	assert_int_equal(event_time(ZSIP_EV_TRANSPORT_ERROR), 100);
	tw_advance(W, 100);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 100);
}

/* ============================================ non-INVITE client, §17.1.2 */

static void test_txn_non_invite_client_timer_e_doubles_up_to_t2_17_1_2_2(void **state)
{
	(void)state;
	client(W->udp, "OPTIONS", "z9hG4bKn", NULL);
	tw_advance(W, 40000);
	const uint64_t t[] = { 0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500 };
	assert_send_times(t, 11);
}

static void test_txn_non_invite_client_timer_f_times_out_at_64_t1_17_1_2_2(void **state)
{
	(void)state;
	client(W->udp, "REGISTER", "z9hG4bKo", NULL);
	tw_advance(W, 31999);
	assert_int_equal(tw_count(W, ZSIP_EV_TIMEOUT), 0);
	tw_advance(W, 40000);
	assert_int_equal(event_time(ZSIP_EV_TIMEOUT), 32000);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 32000);
}

static void test_txn_non_invite_client_proceeding_retransmits_at_t2_17_1_2_2(void **state)
{
	(void)state;
	struct zsip_txn *tx = client(W->udp, "OPTIONS", "z9hG4bKp", NULL);
	tw_advance(W, 100);
	answer(W->udp, 100, "OPTIONS", "z9hG4bKp", NULL);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_PROCEEDING);
	tw_advance(W, 40000);
	const uint64_t t[] = { 0, 500, 4500, 8500, 12500, 16500, 20500, 24500, 28500 };
	assert_send_times(t, 9);
	assert_int_equal(event_time(ZSIP_EV_TIMEOUT), 32000); /* F still runs */
}

static void test_txn_non_invite_client_final_completes_timer_k_t4_17_1_2_2(void **state)
{
	(void)state;
	struct zsip_txn *tx = client(W->udp, "OPTIONS", "z9hG4bKq", NULL);
	tw_advance(W, 100);
	answer(W->udp, 200, "OPTIONS", "z9hG4bKq", "r");
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_COMPLETED);
	assert_int_equal(zsip_txn_status(tx), 200);
	tw_advance(W, 200);
	answer(W->udp, 200, "OPTIONS", "z9hG4bKq", "r"); /* absorbed */
	answer(W->udp, 180, "OPTIONS", "z9hG4bKq", "r"); /* absorbed */
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 1);
	tw_advance(W, 5099);
	assert_int_equal(tw_count(W, ZSIP_EV_TERMINATED), 0);
	tw_advance(W, 40000);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 5100);
	assert_int_equal(W->nsent, 1); /* 500 ms had not come: no retransmission */
	assert_int_equal(tw_count(W, ZSIP_EV_TIMEOUT), 0);
}

static void test_txn_non_invite_client_reliable_no_e_and_k_zero_17_1_2_2(void **state)
{
	(void)state;
	client(W->tcp, "OPTIONS", "z9hG4bKr", NULL);
	tw_advance(W, 3000);
	assert_int_equal(W->nsent, 1);
	answer(W->tcp, 404, "OPTIONS", "z9hG4bKr", "r");
	tw_advance(W, 3000);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 3000);
}

static void test_txn_non_invite_client_failure_final_passed_up_17_1_2_2(void **state)
{
	(void)state;
	client(W->udp, "BYE", "z9hG4bKs", NULL);
	answer(W->udp, 481, "BYE", "z9hG4bKs", "r");
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 1);
	struct zsip_msg m;
	const struct tw_event *e = tw_nth(W, ZSIP_EV_RESPONSE, 0);
	assert_true(zsip_msg_parse(&m, e->buf, e->len, NULL) > 0);
	assert_int_equal(m.status, 481);
}


static void test_txn_non_invite_client_proceeding_to_completed_17_1_2_2(void **state)
{
	(void)state;
	struct zsip_txn *tx = client(W->udp, "SUBSCRIBE", "z9hG4bKpc", NULL);
	tw_advance(W, 100);
	answer(W->udp, 100, "SUBSCRIBE", "z9hG4bKpc", NULL);
	tw_advance(W, 600);
	answer(W->udp, 202, "SUBSCRIBE", "z9hG4bKpc", "n");
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_COMPLETED);
	tw_advance(W, 60000);
	const uint64_t t[] = { 0, 500 }; /* E stopped with the final */
	assert_send_times(t, 2);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 5600);
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 2);
}

static void test_txn_timers_follow_configured_t1_t2_t4_17_1_2_2(void **state)
{
	(void)state;
	tw_fini(W);
	struct zsip_config c;
	memset(&c, 0, sizeof(c));
	c.t1_ms = 100;
	c.t2_ms = 400;
	c.t4_ms = 1000;
	assert_int_equal(tw_init(W, &c), 0);
	client(W->udp, "OPTIONS", "z9hG4bKcfg", NULL);
	tw_advance(W, 10000);
	/* E: T1, 2T1, then T2 (400) until F = 64*T1 = 6400. */
	const uint64_t t[] = { 0, 100, 300, 700, 1100, 1500, 1900, 2300, 2700, 3100, 3500,
			       3900, 4300, 4700, 5100, 5500, 5900, 6300 };
	assert_send_times(t, sizeof(t) / sizeof(t[0]));
	assert_int_equal(event_time(ZSIP_EV_TIMEOUT), 6400);
	tw_clear(W);
	client(W->udp, "OPTIONS", "z9hG4bKcfg2", NULL);
	answer(W->udp, 200, "OPTIONS", "z9hG4bKcfg2", "x");
	tw_advance(W, 20000);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 10000 + 1000); /* K = T4 */
}

/* ==================================================== matching, §17.1.3 */

static void test_txn_client_matches_by_branch_and_cseq_method_17_1_3(void **state)
{
	(void)state;
	struct zsip_txn *inv = client(W->udp, "INVITE", "z9hG4bKt", NULL);
	answer(W->udp, 180, "INVITE", "z9hG4bKt", "r");
	/* §9.1: the CANCEL has the INVITE's branch. */
	struct zsip_txn *can = client(W->udp, "CANCEL", "z9hG4bKt", NULL);
	answer(W->udp, 200, "CANCEL", "z9hG4bKt", "r");
	answer(W->udp, 487, "INVITE", "z9hG4bKt", "r");
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 3);
	assert_ptr_equal(tw_nth(W, ZSIP_EV_RESPONSE, 1)->txn, can);
	assert_ptr_equal(tw_nth(W, ZSIP_EV_RESPONSE, 2)->txn, inv);
	assert_int_equal(zsip_txn_status(can), 200);
	assert_int_equal(zsip_txn_status(inv), 487);
	/* Branch compare is case-insensitive (§7.3.1 parameter values). */
	struct zsip_txn *o = client(W->udp, "OPTIONS", "z9hG4bKcase", NULL);
	answer(W->udp, 200, "OPTIONS", "z9hG4bKCASE", "r");
	assert_int_equal(zsip_txn_state(o), ZSIP_TXN_COMPLETED);
}

static void test_txn_client_response_with_other_sent_by_dropped_18_1_2(void **state)
{
	(void)state;
	struct zsip_txn *tx = client(W->udp, "OPTIONS", "z9hG4bKu", NULL);
	tw_response(buf, sizeof(buf), 200, "OPTIONS", "UDP", "evil.example.com", "z9hG4bKu", "r");
	assert_true(tw_recv(W, W->udp, PEER, 5060, buf) < 0);
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 0);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_TRYING);
	struct zsip_stack_stats st;
	zsip_stack_stats(W->s, &st);
	assert_int_equal(st.rx_bad_responses, 1);
}

static void test_txn_client_unmatched_response_is_stray_17_1_3(void **state)
{
	(void)state;
	client(W->udp, "OPTIONS", "z9hG4bKv", NULL);
	answer(W->udp, 200, "OPTIONS", "z9hG4bKother", "r");
	answer(W->udp, 200, "INFO", "z9hG4bKv", "r"); /* other method */
	assert_int_equal(tw_count(W, ZSIP_EV_RESPONSE), 0);
	assert_int_equal(tw_count(W, ZSIP_EV_STRAY_RESPONSE), 2);
	assert_null(tw_nth(W, ZSIP_EV_STRAY_RESPONSE, 0)->txn);
}

static void test_txn_terminate_ends_transaction_without_sending(void **state)
{
	(void)state;
	struct zsip_txn *tx = client(W->udp, "INVITE", "z9hG4bKterm", NULL);
	answer(W->udp, 180, "INVITE", "z9hG4bKterm", "r");
	assert_int_equal(zsip_txn_terminate(tx), 0);
	assert_int_equal(zsip_txn_terminate(tx), ZSIP_ESTATE);
	/* It no longer matches: a final response is stray. */
	answer(W->udp, 487, "INVITE", "z9hG4bKterm", "r");
	assert_int_equal(tw_count(W, ZSIP_EV_STRAY_RESPONSE), 1);
	tw_advance(W, 0);
	assert_int_equal(tw_count(W, ZSIP_EV_TERMINATED), 1);
	assert_int_equal(W->nsent, 1);
	assert_true(zsip_stack_next_deadline(W->s) == UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_txn_invite_client_sends_and_enters_calling_17_1_1_2),
		T(test_txn_invite_client_retransmits_at_t1_doubling_timer_a_17_1_1_2),
		T(test_txn_invite_client_timer_b_times_out_at_64_t1_17_1_1_2),
		T(test_txn_invite_client_reliable_never_retransmits_17_1_1_2),
		T(test_txn_invite_client_1xx_enters_proceeding_and_stops_timers_17_1_1_2),
		T(test_txn_invite_client_passes_every_provisional_up_17_1_1_2),
		T(test_txn_invite_client_acks_non2xx_final_17_1_1_3),
		T(test_txn_invite_client_completed_reacks_retransmitted_final_17_1_1_2),
		T(test_txn_invite_client_timer_d_32s_on_unreliable_17_1_1_2),
		T(test_txn_invite_client_timer_d_zero_on_reliable_17_1_1_2),
		T(test_txn_invite_client_2xx_enters_accepted_rfc6026_7_2),
		T(test_txn_invite_client_transport_error_terminates_17_1_4),
		T(test_txn_client_first_send_failure_creates_nothing_17_1_4),
		T(test_txn_client_request_refuses_ack_and_missing_branch_17_1_1_3),
		T(test_txn_client_duplicate_branch_and_method_refused_17_1_3),
		T(test_txn_invite_client_proceeding_to_completed_or_accepted_17_1_1_2),
		T(test_txn_invite_client_ack_send_failure_is_transport_error_17_1_4),
		T(test_txn_non_invite_client_timer_e_doubles_up_to_t2_17_1_2_2),
		T(test_txn_non_invite_client_timer_f_times_out_at_64_t1_17_1_2_2),
		T(test_txn_non_invite_client_proceeding_retransmits_at_t2_17_1_2_2),
		T(test_txn_non_invite_client_final_completes_timer_k_t4_17_1_2_2),
		T(test_txn_non_invite_client_reliable_no_e_and_k_zero_17_1_2_2),
		T(test_txn_non_invite_client_failure_final_passed_up_17_1_2_2),
		T(test_txn_non_invite_client_proceeding_to_completed_17_1_2_2),
		T(test_txn_timers_follow_configured_t1_t2_t4_17_1_2_2),
		T(test_txn_client_matches_by_branch_and_cseq_method_17_1_3),
		T(test_txn_client_response_with_other_sent_by_dropped_18_1_2),
		T(test_txn_client_unmatched_response_is_stray_17_1_3),
		T(test_txn_terminate_ends_transaction_without_sending),
	};
	return cmocka_run_group_tests_name("txn_client", tests, NULL, NULL);
}
