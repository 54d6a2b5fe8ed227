/* Server transactions of RFC 3261 §17.2: the INVITE machine (§17.2.1,
 * with RFC 6026's Accepted state and Timer L), the non-INVITE machine
 * (§17.2.2) and request matching (§17.2.3 with the RFC 2543 fallback, §9.2
 * for CANCEL), driven in virtual time. */
#include "support/txn_test.h"

/* ================================================ INVITE server, §17.2.1 */

static void test_txn_invite_server_new_invite_passed_up_in_proceeding_17_2_1(void **state)
{
	(void)state;
	assert_int_equal(incoming(W->udp, "INVITE", "z9hG4bKs1", NULL, NULL), 0);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 1);
	const struct tw_event *e = tw_nth(W, ZSIP_EV_REQUEST, 0);
	assert_non_null(e->txn);
	assert_null(e->cancel_target);
	assert_int_equal(zsip_txn_kind(e->txn), ZSIP_TXN_SERVER_INVITE);
	assert_int_equal(zsip_txn_state(e->txn), ZSIP_TXN_PROCEEDING);
	assert_int_equal(zsip_txn_method(e->txn), ZSIP_METHOD_INVITE);
	assert_true(zsip_str_eq(zsip_txn_branch(e->txn), zsip_str_c("z9hG4bKs1")));
}

static void test_txn_invite_server_sends_100_trying_after_200ms_17_2_1(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "z9hG4bKs2", NULL, "Timestamp: 54\r\n");
	tw_advance(W, 199);
	assert_int_equal(W->nsent, 0);
	tw_advance(W, 200);
	assert_int_equal(W->nsent, 1);
	assert_int_equal(W->sent[0].at, 200);
	struct zsip_msg m;
	parse_sent(0, &m);
	assert_int_equal(m.status, 100);
	assert_null(m.to.tag.p);
	assert_true(zsip_str_eq(m.via.branch, zsip_str_c("z9hG4bKs2")));
	assert_int_equal(m.cseq.method_id, ZSIP_METHOD_INVITE);
	assert_non_null(zsip_msg_find(&m, ZSIP_HDR_TIMESTAMP)); /* §8.2.6.1 */
	tw_advance(W, 10000);
	assert_int_equal(W->nsent, 1); /* once, and not retransmitted */
	/* An INVITE retransmission gets the 100 again. */
	incoming(W->udp, "INVITE", "z9hG4bKs2", NULL, "Timestamp: 54\r\n");
	assert_int_equal(W->nsent, 2);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 1);
}

static void test_txn_invite_server_no_100_when_tu_answers_within_200ms_17_2_1(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "z9hG4bKs3", NULL, NULL);
	tw_advance(W, 50);
	assert_int_equal(reply(last_request_txn(), 180, "bt"), 0);
	tw_advance(W, 5000);
	assert_int_equal(W->nsent, 1);
	struct zsip_msg m;
	parse_sent(0, &m);
	assert_int_equal(m.status, 180);
	assert_true(zsip_str_eq(m.to.tag, zsip_str_c("bt")));
}

static void test_txn_invite_server_absorbs_retransmission_before_any_response_17_2_1(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "z9hG4bKs4", NULL, NULL);
	tw_advance(W, 50);
	incoming(W->udp, "INVITE", "z9hG4bKs4", NULL, NULL);
	assert_int_equal(W->nsent, 0);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 1);
}

static void test_txn_invite_server_retransmission_resends_latest_provisional_17_2_1(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "z9hG4bKs5", NULL, NULL);
	struct zsip_txn *tx = last_request_txn();
	reply(tx, 180, "bt");
	reply(tx, 183, "bt");
	incoming(W->udp, "INVITE", "z9hG4bKs5", NULL, NULL);
	assert_int_equal(W->nsent, 3);
	assert_memory_equal(W->sent[2].buf, W->sent[1].buf, W->sent[1].len);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 1);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_PROCEEDING);
}

static void test_txn_invite_server_timer_g_retransmits_final_until_h_17_2_1(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "z9hG4bKs6", NULL, NULL);
	struct zsip_txn *tx = last_request_txn();
	tw_advance(W, 100);
	assert_int_equal(reply(tx, 486, "bt"), 0);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_COMPLETED);
	tw_advance(W, 40000);
	/* G: T1, then doubling up to T2, until H = 64*T1 after the final. */
	const uint64_t t[] = { 100, 600, 1600, 3600, 7600, 11600, 15600, 19600, 23600, 27600, 31600 };
	assert_send_times(t, 11);
	assert_int_equal(event_time(ZSIP_EV_TIMEOUT), 32100);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 32100);
}

static void test_txn_invite_server_ack_confirms_and_timer_i_is_t4_17_2_1(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "z9hG4bKs7", NULL, NULL);
	struct zsip_txn *tx = last_request_txn();
	reply(tx, 486, "bt");
	tw_advance(W, 300);
	assert_int_equal(incoming(W->udp, "ACK", "z9hG4bKs7", NULL, NULL), 0);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_CONFIRMED);
	assert_int_equal(tw_count(W, ZSIP_EV_ACK), 0); /* absorbed */
	tw_advance(W, 1000);
	incoming(W->udp, "ACK", "z9hG4bKs7", NULL, NULL);     /* absorbed */
	incoming(W->udp, "INVITE", "z9hG4bKs7", NULL, NULL);  /* absorbed */
	assert_int_equal(tw_count(W, ZSIP_EV_ACK), 0);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 1);
	tw_advance(W, 5299);
	assert_int_equal(tw_count(W, ZSIP_EV_TERMINATED), 0);
	tw_advance(W, 40000);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 5300);
	assert_int_equal(W->nsent, 1); /* G stopped at the ACK (first G due at 500) */
	assert_int_equal(tw_count(W, ZSIP_EV_TIMEOUT), 0);
}

static void test_txn_invite_server_reliable_no_g_timer_i_zero_17_2_1(void **state)
{
	(void)state;
	incoming(W->tcp, "INVITE", "z9hG4bKs8", NULL, NULL);
	struct zsip_txn *tx = last_request_txn();
	reply(tx, 500, "bt");
	tw_advance(W, 2000);
	assert_int_equal(W->nsent, 1);
	incoming(W->tcp, "ACK", "z9hG4bKs8", NULL, NULL);
	tw_advance(W, 2000);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 2000);
}

static void test_txn_invite_server_reliable_timer_h_still_64_t1_17_2_1(void **state)
{
	(void)state;
	incoming(W->tcp, "INVITE", "z9hG4bKs9", NULL, NULL);
	reply(last_request_txn(), 404, "bt");
	tw_advance(W, 40000);
	assert_int_equal(W->nsent, 1);
	assert_int_equal(event_time(ZSIP_EV_TIMEOUT), 32000);
}

static void test_txn_invite_server_2xx_enters_accepted_rfc6026_7_1(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "z9hG4bKsa", NULL, NULL);
	struct zsip_txn *tx = last_request_txn();
	tw_advance(W, 100);
	assert_int_equal(reply(tx, 200, "bt"), 0);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_ACCEPTED);
	tw_advance(W, 5000);
	assert_int_equal(W->nsent, 1); /* the transaction does not retransmit 2xx */
	/* INVITE retransmissions are absorbed, not passed up. */
	incoming(W->udp, "INVITE", "z9hG4bKsa", NULL, NULL);
	assert_int_equal(W->nsent, 1);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 1);
	/* The TU's 2xx retransmissions go down. */
	assert_int_equal(reply(tx, 200, "bt"), 0);
	assert_int_equal(W->nsent, 2);
	/* Other responses are refused. */
	assert_int_equal(reply(tx, 180, "bt"), ZSIP_ESTATE);
	assert_int_equal(reply(tx, 486, "bt"), ZSIP_ESTATE);
	/* An ACK that matches goes up with the transaction. */
	incoming(W->udp, "ACK", "z9hG4bKsa", NULL, NULL);
	assert_int_equal(tw_count(W, ZSIP_EV_ACK), 1);
	assert_ptr_equal(tw_nth(W, ZSIP_EV_ACK, 0)->txn, tx);
	tw_advance(W, 40000);
	/* Timer L = 64*T1 after the 2xx. */
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 32100);
	assert_int_equal(tw_count(W, ZSIP_EV_TIMEOUT), 0);
}

static void test_txn_invite_server_ack_for_2xx_with_own_branch_goes_up_alone_17_2_3(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "z9hG4bKsb", NULL, NULL);
	reply(last_request_txn(), 200, "bt");
	/* §13.2.2.4: the ACK for a 2xx is a new transaction (new branch). */
	incoming(W->udp, "ACK", "z9hG4bKsb-ack", NULL, NULL);
	assert_int_equal(tw_count(W, ZSIP_EV_ACK), 1);
	assert_null(tw_nth(W, ZSIP_EV_ACK, 0)->txn);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 1); /* no transaction for ACK */
}

static void test_txn_invite_server_refuses_response_after_final_17_2_1(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "z9hG4bKsc", NULL, NULL);
	struct zsip_txn *tx = last_request_txn();
	reply(tx, 486, "bt");
	assert_int_equal(reply(tx, 200, "bt"), ZSIP_ESTATE);
	assert_int_equal(reply(tx, 180, "bt"), ZSIP_ESTATE);
	assert_int_equal(W->nsent, 1);
}

static void test_txn_invite_server_transport_error_on_retransmission_17_2_4(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "z9hG4bKsd", NULL, NULL);
	reply(last_request_txn(), 486, "bt");
	W->fail_after = 1;
	tw_advance(W, 10000);
	assert_int_equal(event_time(ZSIP_EV_TRANSPORT_ERROR), 500);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 500);
}

static void test_txn_server_respond_send_failure_returns_etransport_17_2_4(void **state)
{
	(void)state;
	incoming(W->udp, "OPTIONS", "z9hG4bKse", NULL, NULL);
	struct zsip_txn *tx = last_request_txn();
	W->fail_after = 0;
	assert_int_equal(reply(tx, 200, "bt"), ZSIP_ETRANSPORT);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_TERMINATED);
	tw_advance(W, 0);
	assert_int_equal(tw_count(W, ZSIP_EV_TERMINATED), 1);
}

/* ============================================ non-INVITE server, §17.2.2 */

static void test_txn_non_invite_server_trying_absorbs_retransmission_17_2_2(void **state)
{
	(void)state;
	incoming(W->udp, "OPTIONS", "z9hG4bKn1", NULL, NULL);
	struct zsip_txn *tx = last_request_txn();
	assert_int_equal(zsip_txn_kind(tx), ZSIP_TXN_SERVER_NON_INVITE);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_TRYING);
	incoming(W->udp, "OPTIONS", "z9hG4bKn1", NULL, NULL);
	tw_advance(W, 10000);
	assert_int_equal(W->nsent, 0); /* no 100 for non-INVITE, nothing resent */
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 1);
}

static void test_txn_non_invite_server_proceeding_resends_provisional_17_2_2(void **state)
{
	(void)state;
	incoming(W->udp, "REGISTER", "z9hG4bKn2", NULL, NULL);
	struct zsip_txn *tx = last_request_txn();
	assert_int_equal(reply(tx, 100, NULL), 0);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_PROCEEDING);
	incoming(W->udp, "REGISTER", "z9hG4bKn2", NULL, NULL);
	assert_int_equal(W->nsent, 2);
	assert_memory_equal(W->sent[1].buf, W->sent[0].buf, W->sent[0].len);
}

static void test_txn_non_invite_server_completed_resends_final_timer_j_64_t1_17_2_2(void **state)
{
	(void)state;
	incoming(W->udp, "BYE", "z9hG4bKn3", NULL, NULL);
	struct zsip_txn *tx = last_request_txn();
	tw_advance(W, 100);
	assert_int_equal(reply(tx, 200, NULL), 0);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_COMPLETED);
	tw_advance(W, 20000);
	assert_int_equal(W->nsent, 1); /* no retransmission on its own */
	incoming(W->udp, "BYE", "z9hG4bKn3", NULL, NULL);
	assert_int_equal(W->nsent, 2);
	assert_memory_equal(W->sent[1].buf, W->sent[0].buf, W->sent[0].len);
	assert_int_equal(reply(tx, 500, NULL), ZSIP_ESTATE);
	tw_advance(W, 32099);
	assert_int_equal(tw_count(W, ZSIP_EV_TERMINATED), 0);
	tw_advance(W, 40000);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 32100);
}

static void test_txn_non_invite_server_reliable_timer_j_zero_17_2_2(void **state)
{
	(void)state;
	incoming(W->tcp, "OPTIONS", "z9hG4bKn4", NULL, NULL);
	tw_advance(W, 10);
	reply(last_request_txn(), 200, "x");
	tw_advance(W, 10);
	assert_int_equal(event_time(ZSIP_EV_TERMINATED), 10);
}


static void test_txn_non_invite_server_proceeding_to_completed_17_2_2(void **state)
{
	(void)state;
	incoming(W->udp, "REGISTER", "z9hG4bKn5", NULL, NULL);
	struct zsip_txn *tx = last_request_txn();
	reply(tx, 100, NULL);
	reply(tx, 200, "r");
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_COMPLETED);
	assert_int_equal(zsip_txn_status(tx), 200);
	incoming(W->udp, "REGISTER", "z9hG4bKn5", NULL, NULL);
	assert_int_equal(W->nsent, 3);
	struct zsip_msg m;
	parse_sent(2, &m);
	assert_int_equal(m.status, 200); /* the final, not the 100 */
}

/* ==================================================== matching, §17.2.3 */

static void test_txn_server_cancel_is_own_transaction_and_finds_invite_9_2(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "z9hG4bKm1", NULL, NULL);
	struct zsip_txn *inv = last_request_txn();
	incoming(W->udp, "CANCEL", "z9hG4bKm1", NULL, NULL);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 2);
	const struct tw_event *e = tw_nth(W, ZSIP_EV_REQUEST, 1);
	assert_ptr_not_equal(e->txn, inv);
	assert_int_equal(zsip_txn_kind(e->txn), ZSIP_TXN_SERVER_NON_INVITE);
	assert_int_equal(zsip_txn_method(e->txn), ZSIP_METHOD_CANCEL);
	assert_ptr_equal(e->cancel_target, inv);
	/* A CANCEL for nothing has no target (the TU answers 481). */
	incoming(W->udp, "CANCEL", "z9hG4bKm-none", NULL, NULL);
	assert_null(tw_nth(W, ZSIP_EV_REQUEST, 2)->cancel_target);
}

/* The CANCEL matches its INVITE by the §17.2.3 rules, branch and sent-by
 * together (§9.2): the INVITE's branch from another sent-by is another
 * client's request, and cancels nothing. */
static void test_txn_server_cancel_with_invite_branch_other_sent_by_has_no_target_9_2(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "z9hG4bKm3", NULL, NULL);
	tw_request(buf, sizeof(buf), "CANCEL", "UDP", "other.example.com", "z9hG4bKm3", NULL, NULL, NULL);
	tw_recv(W, W->udp, "192.0.2.10", 5060, buf);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 2);
	const struct tw_event *e = tw_nth(W, ZSIP_EV_REQUEST, 1);
	assert_int_equal(zsip_txn_method(e->txn), ZSIP_METHOD_CANCEL);
	assert_null(e->cancel_target);
}

static void test_txn_server_same_branch_other_sent_by_is_new_transaction_17_2_3(void **state)
{
	(void)state;
	incoming(W->udp, "OPTIONS", "z9hG4bKm2", NULL, NULL);
	tw_request(buf, sizeof(buf), "OPTIONS", "UDP", "other.example.com", "z9hG4bKm2", NULL, NULL, NULL);
	tw_recv(W, W->udp, "192.0.2.10", 5060, buf);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 2);
	/* ... and another method with the same branch too. */
	incoming(W->udp, "INFO", "z9hG4bKm2", NULL, NULL);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 3);
}

static void test_txn_server_rfc2543_retransmission_matched_without_cookie_17_2_3(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "1234-old", NULL, NULL);
	incoming(W->udp, "INVITE", "1234-old", NULL, NULL);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 1);
	/* No branch at all. */
	const char *t = "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
			"Via: SIP/2.0/UDP old.example.com\r\n"
			"To: <sip:bob@biloxi.example.com>\r\nFrom: <sip:a@x>;tag=9\r\n"
			"Call-ID: old-call\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	tw_recv(W, W->udp, "192.0.2.11", 5060, t);
	tw_recv(W, W->udp, "192.0.2.11", 5060, t);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 2);
	/* A different CSeq is a new request. */
	const char *t2 = "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP old.example.com\r\n"
			 "To: <sip:bob@biloxi.example.com>\r\nFrom: <sip:a@x>;tag=9\r\n"
			 "Call-ID: old-call\r\nCSeq: 8 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	tw_recv(W, W->udp, "192.0.2.11", 5060, t2);
	assert_int_equal(tw_count(W, ZSIP_EV_REQUEST), 3);
}

static void test_txn_server_rfc2543_ack_matches_by_response_to_tag_17_2_3(void **state)
{
	(void)state;
	incoming(W->udp, "INVITE", "2543br", NULL, NULL);
	struct zsip_txn *tx = last_request_txn();
	reply(tx, 486, "tag486");
	/* An ACK with another To tag is not for this transaction. */
	tw_request(buf, sizeof(buf), "ACK", "UDP", "client.biloxi.example.com:5062", "2543br", NULL, NULL, NULL);
	char *to = strstr(buf, "biloxi.example.com>\r\n");
	assert_non_null(to);
	char ack[TW_BUF];
	size_t pre = (size_t)(to - buf) + strlen("biloxi.example.com>");
	snprintf(ack, sizeof(ack), "%.*s;tag=other%s", (int)pre, buf, buf + pre);
	tw_recv(W, W->udp, "192.0.2.9", 5062, ack);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_COMPLETED);
	assert_int_equal(tw_count(W, ZSIP_EV_ACK), 1);
	snprintf(ack, sizeof(ack), "%.*s;tag=tag486%s", (int)pre, buf, buf + pre);
	tw_recv(W, W->udp, "192.0.2.9", 5062, ack);
	assert_int_equal(zsip_txn_state(tx), ZSIP_TXN_CONFIRMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_txn_invite_server_new_invite_passed_up_in_proceeding_17_2_1),
		T(test_txn_invite_server_sends_100_trying_after_200ms_17_2_1),
		T(test_txn_invite_server_no_100_when_tu_answers_within_200ms_17_2_1),
		T(test_txn_invite_server_absorbs_retransmission_before_any_response_17_2_1),
		T(test_txn_invite_server_retransmission_resends_latest_provisional_17_2_1),
		T(test_txn_invite_server_timer_g_retransmits_final_until_h_17_2_1),
		T(test_txn_invite_server_ack_confirms_and_timer_i_is_t4_17_2_1),
		T(test_txn_invite_server_reliable_no_g_timer_i_zero_17_2_1),
		T(test_txn_invite_server_reliable_timer_h_still_64_t1_17_2_1),
		T(test_txn_invite_server_2xx_enters_accepted_rfc6026_7_1),
		T(test_txn_invite_server_ack_for_2xx_with_own_branch_goes_up_alone_17_2_3),
		T(test_txn_invite_server_refuses_response_after_final_17_2_1),
		T(test_txn_invite_server_transport_error_on_retransmission_17_2_4),
		T(test_txn_server_respond_send_failure_returns_etransport_17_2_4),
		T(test_txn_non_invite_server_trying_absorbs_retransmission_17_2_2),
		T(test_txn_non_invite_server_proceeding_resends_provisional_17_2_2),
		T(test_txn_non_invite_server_completed_resends_final_timer_j_64_t1_17_2_2),
		T(test_txn_non_invite_server_reliable_timer_j_zero_17_2_2),
		T(test_txn_non_invite_server_proceeding_to_completed_17_2_2),
		T(test_txn_server_cancel_is_own_transaction_and_finds_invite_9_2),
		T(test_txn_server_cancel_with_invite_branch_other_sent_by_has_no_target_9_2),
		T(test_txn_server_same_branch_other_sent_by_is_new_transaction_17_2_3),
		T(test_txn_server_rfc2543_retransmission_matched_without_cookie_17_2_3),
		T(test_txn_server_rfc2543_ack_matches_by_response_to_tag_17_2_3),
	};
	return cmocka_run_group_tests_name("txn_server", tests, NULL, NULL);
}
