/* INVITE sessions through the UA core (RFC 3261 §8.2, §9, §13-15, RFC
 * 5407): two stacks with UAs over the simulated network in virtual time
 * (support/ua_pair.h), or one UA and a raw node scripted by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support/txn_keys.h"
#include "support/ua_pair.h"
#include "zsip.h"

#define T1 500u
#define SDP_OFFER "v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n"
#define SDP_ANSWER "v=0\r\no=bob 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n"

static struct up *W;
static struct up_node *A, *B;   /* alice (caller), bob (callee or raw) */
static size_t base_a, base_b;   /* heap after setup */

/* What a node's hook does with an INCOMING call (indexed by node). */
static int answer[UP_NODES];    /* final status to answer with; 0: do nothing */
static int ring[UP_NODES];      /* send 180 first */
static int reinvite_answer[UP_NODES]; /* status for a re-INVITE; 0: none */
static struct zsip_call *incoming[UP_NODES];
#define bob_answer answer[1]
#define bob_ring ring[1]
#define bob_call incoming[1]

static const struct zsip_str NOBODY = { NULL, 0 };

static void hook(struct up_node *n, const struct zsip_ua_event *ev)
{
	int i = n->idx;
	if (ev->type == ZSIP_UA_INCOMING) {
		incoming[i] = ev->call;
		if (ring[i])
			zsip_call_respond(ev->call, 180, NULL, NOBODY, NULL, NULL, ev->now_ms);
		if (answer[i])
			zsip_call_respond(ev->call, answer[i], NULL,
					  answer[i] < 300 ? ZSIP_STR(SDP_ANSWER) : NOBODY, NULL, NULL,
					  ev->now_ms);
	}
	if (ev->type == ZSIP_UA_REINVITE && reinvite_answer[i])
		zsip_call_respond(ev->call, reinvite_answer[i], NULL,
				  reinvite_answer[i] < 300 ? ZSIP_STR(SDP_ANSWER) : NOBODY, NULL, NULL,
				  ev->now_ms);
}

static int setup_pair(int reliable, int bob_raw)
{
	W = calloc(1, sizeof(*W));
	up_init(W, 42);
	struct zsip_ua_config cfg = { .app_methods = "REGISTER", .user_agent = "zsip-test" };
	if (up_add(W, "192.0.2.1", 0, reliable, &cfg, NULL) != 0 ||
	    up_add(W, "192.0.2.2", bob_raw, reliable, &cfg, NULL) != 1)
		return -1;
	A = &W->node[0];
	B = &W->node[1];
	A->hook = hook;
	B->hook = hook;
	memset(answer, 0, sizeof(answer));
	memset(ring, 0, sizeof(ring));
	memset(reinvite_answer, 0, sizeof(reinvite_answer));
	memset(incoming, 0, sizeof(incoming));
	bob_answer = 200;
	bob_ring = 1;
	reinvite_answer[0] = reinvite_answer[1] = 200;
	base_a = A->mem.live;
	base_b = B->mem.live;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_pair(0, 0);
}

static int setup_raw(void **state)
{
	(void)state;
	return setup_pair(0, 1);
}

static int teardown(void **state)
{
	(void)state;
	size_t key_errors = W->key_errors;
	size_t left = up_fini(W);
	free(W);
	/* zsip_stack_free frees the UA and everything it held. */
	assert_int_equal(left, 0);
	assert_int_equal(key_errors, 0);
	return 0;
}

static struct zsip_call *call_bob(void)
{
	struct zsip_call_params p = { .target = "sip:bob@192.0.2.2", .body = ZSIP_STR(SDP_OFFER) };
	struct zsip_call *c = NULL;
	assert_int_equal(zsip_call_invite(A->ua, &p, (void *)0x1234, up_now(W), &c), 0);
	assert_non_null(c);
	return c;
}

/* Everything is back to the size it had before the call, once 64*T1 has
 * passed after the last message. */
static void assert_heaps_idle(void)
{
	up_for(W, 64 * T1 + 1000);
	assert_int_equal(A->mem.live, base_a);
	if (B->s)
		assert_int_equal(B->mem.live, base_b);
}

/* ------------------------------------------------------------ basic call */

/* RFC 3665 §3.1: INVITE, 180, 200, ACK, BYE, 200; §13.2.2.4 the ACK is
 * built by the UA; §15.1 BYE ends both sides. */
static void test_basic_call_answered_acked_and_ended_by_bye(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 1000);
	assert_int_equal(up_count(A, ZSIP_UA_PROGRESS), 1);
	assert_int_equal(up_last(A, ZSIP_UA_PROGRESS)->status, 180);
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 1);
	assert_non_null(strstr(up_last(A, ZSIP_UA_ANSWERED)->msg, "m=audio 3456"));
	assert_int_equal(up_count(B, ZSIP_UA_INCOMING), 1);
	assert_non_null(strstr(up_last(B, ZSIP_UA_INCOMING)->msg, "m=audio 49170"));
	assert_int_equal(up_count(B, ZSIP_UA_CONFIRMED), 1);
	assert_int_equal(zsip_call_state(c), ZSIP_CALL_ESTABLISHED);
	assert_int_equal(zsip_call_state(bob_call), ZSIP_CALL_ESTABLISHED);

	assert_int_equal(zsip_call_hangup(c, up_now(W)), 0);
	up_for(W, 1000);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_ENDED)->reason, ZSIP_UA_END_LOCAL);
	assert_int_equal(up_last(A, ZSIP_UA_ENDED)->status, 200);
	assert_int_equal(up_count(B, ZSIP_UA_ENDED), 1);
	assert_int_equal(up_last(B, ZSIP_UA_ENDED)->reason, ZSIP_UA_END_REMOTE);
	assert_heaps_idle();
}

/* §8.1.1.2, §8.1.1.3, §7.3: what the caller gives for the INVITE is
 * checked when the call is placed (the request goes out as written: the
 * transaction layer takes its keys from the UA and does not parse it
 * again): a From or To that is no name-addr, a header line without a colon
 * or CRLF, or a bare line feed gets ZSIP_EINVAL, and nothing is sent. */
static void test_invite_with_malformed_from_to_or_header_lines_is_refused_8_1_1(void **state)
{
	(void)state;
	static const struct { const char *from, *to, *headers; } bad[] = {
		{ "Alice", NULL, NULL },
		{ NULL, "<sip:bob@192.0.2.2", NULL },
		{ NULL, NULL, "Subject lunch\r\n" },
		{ NULL, NULL, "Subject: lunch" },
		{ NULL, NULL, "Subject: lunch\nX-A: b\r\n" },
		{ NULL, NULL, ": lunch\r\n" },
	};
	uint64_t sent = W->sim.st.sent;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct zsip_call_params p = { .target = "sip:bob@192.0.2.2", .from = bad[i].from,
					      .to = bad[i].to, .headers = bad[i].headers };
		struct zsip_call *c = (struct zsip_call *)&p;
		assert_int_equal(zsip_call_invite(A->ua, &p, NULL, up_now(W), &c), ZSIP_EINVAL);
		assert_null(c);
	}
	assert_int_equal(W->sim.st.sent, sent);
	/* The same with good values goes, and the transaction keys what a
	 * parse of the INVITE gives (From tag, To, Call-ID, CSeq, branch,
	 * sent-by). */
	struct zsip_call_params p = { .target = "sip:bob@192.0.2.2", .from = "\"Alice\" <sip:alice@a.example>",
				      .to = "Bob <sip:bob@b.example>", .headers = "Subject: lunch\r\nX-A: b\r\n",
				      .route = "sip:192.0.2.2;lr" };
	struct zsip_call *c;
	assert_int_equal(zsip_call_invite(A->ua, &p, NULL, up_now(W), &c), 0);
	assert_int_equal(W->sim.st.sent, sent + 1);
	assert_int_equal(txn_keys_check(A->s), 0);
	up_for(W, 1000);
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 1);
	assert_int_equal(zsip_call_hangup(c, up_now(W)), 0);
	assert_int_equal(txn_keys_check(A->s), 0);
	up_for(W, 64 * T1 + 1000);
	assert_heaps_idle();
}

/* §8.1.1: the INVITE carries Contact, Max-Forwards 70, Allow, Supported
 * (when configured), the body and the caller's extra headers. */
static void test_invite_carries_contact_max_forwards_allow_body_and_extra_headers(void **state)
{
	(void)state;
	struct zsip_call_params p = { .target = "sip:bob@192.0.2.2", .body = ZSIP_STR(SDP_OFFER),
				      .headers = "Subject: lunch\r\n" };
	struct zsip_call *c;
	assert_int_equal(zsip_call_invite(A->ua, &p, NULL, up_now(W), &c), 0);
	up_for(W, 5);
	up_for(W, 10);
	const struct up_dgram *inv = up_rx_last(B, "INVITE ");
	assert_non_null(inv);
	char v[256];
	assert_int_equal(up_header(inv->buf, "Contact", v, sizeof(v)), 0);
	assert_string_equal(v, "<sip:192.0.2.1:5060>");
	assert_int_equal(up_header(inv->buf, "Max-Forwards", v, sizeof(v)), 0);
	assert_string_equal(v, "70");
	assert_int_equal(up_header(inv->buf, "Allow", v, sizeof(v)), 0);
	assert_string_equal(v, "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER");
	assert_int_equal(up_header(inv->buf, "Supported", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(up_header(inv->buf, "User-Agent", v, sizeof(v)), 0);
	assert_string_equal(v, "zsip-test");
	assert_int_equal(up_header(inv->buf, "Subject", v, sizeof(v)), 0);
	assert_string_equal(v, "lunch");
	assert_int_equal(up_header(inv->buf, "Content-Type", v, sizeof(v)), 0);
	assert_string_equal(v, "application/sdp");
	assert_non_null(strstr(inv->buf, "\r\n\r\n" SDP_OFFER));
	up_for(W, 1000);
	zsip_call_hangup(c, up_now(W));
	up_for(W, 1000);
	assert_heaps_idle();
}

/* §8.1.3.5 / names: without a resolve callback a host name is refused
 * with a clear error and nothing is sent. */
static void test_invite_to_a_host_name_without_resolver_fails_with_ename(void **state)
{
	(void)state;
	struct zsip_call_params p = { .target = "sip:bob@biloxi.example.com" };
	struct zsip_call *c = (void *)1;
	assert_int_equal(zsip_call_invite(A->ua, &p, NULL, up_now(W), &c), ZSIP_ENAME);
	assert_null(c);
	assert_int_equal(A->mem.live, base_a);
}

static void test_invite_to_an_ipv6_literal_is_sent_without_resolver(void **state)
{
	(void)state;
	struct zsip_call_params p = { .target = "sip:bob@[2001:db8::9]:5070" };
	struct zsip_call *c = NULL;
	assert_int_equal(zsip_call_invite(A->ua, &p, NULL, up_now(W), &c), 0);
	assert_non_null(c);
	/* Nobody lives there: Timer B ends it (§17.1.1.2), as a FAILED 408. */
	up_for(W, 64 * T1 + 100);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->status, 408);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->reason, ZSIP_UA_END_TIMEOUT);
	assert_heaps_idle();
}

/* RFC 3665 §3.3: busy. */
static void test_busy_486_fails_the_call_on_both_sides(void **state)
{
	(void)state;
	bob_answer = 486;
	call_bob();
	up_for(W, 1000);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->status, 486);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->reason, ZSIP_UA_END_REJECTED);
	assert_int_equal(up_count(B, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 0);
	assert_heaps_idle();
}

/* A request from the raw node (bob, 192.0.2.2) to alice. */
static void raw_request(const char *method, const char *branch, const char *to_tag, unsigned cseq,
			const char *cseq_method, const char *extra)
{
	char buf[2048];
	snprintf(buf, sizeof(buf),
		 "%s sip:alice@192.0.2.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=%s\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:bob@192.0.2.2>;tag=bt1\r\n"
		 "To: <sip:alice@192.0.2.1>%s%s\r\n"
		 "Call-ID: raw-call-1\r\n"
		 "CSeq: %u %s\r\n"
		 "Contact: <sip:bob@192.0.2.2>\r\n"
		 "%s"
		 "Content-Length: 0\r\n\r\n",
		 method, branch, to_tag ? ";tag=" : "", to_tag ? to_tag : "", cseq,
		 cseq_method ? cseq_method : method, extra ? extra : "");
	up_inject(W, 1, 0, buf);
}

/* The To tag alice put in her last response to the raw node. */
static void alice_tag(char *out, size_t cap)
{
	const struct up_dgram *r = NULL;
	for (size_t i = B->nrx; i-- > 0 && !r;)
		if (!strncmp(B->rx[i].buf, "SIP/2.0 ", 8) && strstr(B->rx[i].buf, "CSeq: 1 INVITE"))
			r = &B->rx[i];
	assert_non_null(r);
	char to[256];
	assert_int_equal(up_header(r->buf, "To", to, sizeof(to)), 0);
	const char *t = strstr(to, "tag=");
	assert_non_null(t);
	snprintf(out, cap, "%s", t + 4);
}

/* §13.3.1.4: the UAS sends the 2xx again from T1 doubling up to T2 until
 * the ACK comes; with no ACK within 64*T1 it ends the dialog with BYE. */
static void test_uas_retransmits_2xx_at_t1_doubling_to_t2_then_byes_after_64_t1(void **state)
{
	(void)state;
	answer[0] = 200;
	raw_request("INVITE", "z9hG4bKr1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_INCOMING), 1);
	up_for(W, 16000);
	uint64_t at[8];
	size_t n = 0;
	for (size_t i = 0; i < B->nrx && n < 8; i++)
		if (!strncmp(B->rx[i].buf, "SIP/2.0 200", 11))
			at[n++] = B->rx[i].at;
	assert_true(n >= 6);
	assert_int_equal(at[1] - at[0], 500);
	assert_int_equal(at[2] - at[1], 1000);
	assert_int_equal(at[3] - at[2], 2000);
	assert_int_equal(at[4] - at[3], 4000);
	assert_int_equal(at[5] - at[4], 4000);
	assert_int_equal(up_rx_count(B, "BYE ", NULL), 0);
	up_for(W, 64 * T1);
	/* (sent again by its transaction: Timer E) */
	assert_true(up_rx_count(B, "BYE ", NULL) >= 1);
	assert_true(up_rx_last(B, "BYE ")->at >= at[0] + 64 * T1);
	/* The BYE is not answered either: Timer F ends it, and the call. */
	up_for(W, 64 * T1 + 1000);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_ENDED)->reason, ZSIP_UA_END_NO_ACK);
	assert_int_equal(up_count(A, ZSIP_UA_CONFIRMED), 0);
	assert_heaps_idle();
}

/* §13.3.1.4: the ACK stops the retransmissions. */
static void test_uas_ack_stops_2xx_retransmissions_and_confirms(void **state)
{
	(void)state;
	answer[0] = 200;
	raw_request("INVITE", "z9hG4bKr1", NULL, 1, NULL, NULL);
	up_for(W, 700);
	char tag[64];
	alice_tag(tag, sizeof(tag));
	raw_request("ACK", "z9hG4bKr2", tag, 1, NULL, NULL);
	up_for(W, 20);
	size_t n = up_rx_count(B, "SIP/2.0 200", NULL);
	assert_int_equal(up_count(A, ZSIP_UA_CONFIRMED), 1);
	up_for(W, 10000);
	assert_int_equal(up_rx_count(B, "SIP/2.0 200", NULL), n);
	/* A retransmitted ACK changes nothing. */
	raw_request("ACK", "z9hG4bKr2", tag, 1, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_CONFIRMED), 1);
}

/* ------------------------------------------------------ raw responses */

static void raw_answer_at(int node, const char *method, int code, const char *tag, const char *extra,
			  const char *body)
{
	assert_int_equal(up_answer(W, node, method, code, tag, extra, body), 0);
}

static void raw_answer(const char *method, int code, const char *tag, const char *extra)
{
	raw_answer_at(1, method, code, tag, extra, NULL);
}

#define BOB_CONTACT "Contact: <sip:bob@192.0.2.2>\r\n"

/* ----------------------------------------------------------- CANCEL */

/* §9.1: a CANCEL is not sent before a provisional response came; the
 * hang-up waits for one, then cancels; the 487 ends the call. */
static void test_hangup_before_any_1xx_holds_cancel_until_provisional_9_1(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 50);
	assert_int_equal(zsip_call_hangup(c, up_now(W)), 0);
	assert_int_equal(zsip_call_hangup(c, up_now(W)), ZSIP_ESTATE);
	up_for(W, 2000);
	assert_int_equal(up_rx_count(B, "CANCEL ", NULL), 0);
	assert_int_equal(up_rx_count(B, "BYE ", NULL), 0);
	raw_answer("INVITE ", 100, NULL, NULL);
	up_for(W, 50);
	assert_int_equal(up_rx_count(B, "CANCEL ", NULL), 1);
	/* §9.1: same branch as the INVITE, CSeq number, method CANCEL. */
	char v1[256], v2[256];
	up_header(up_rx_last(B, "INVITE ")->buf, "Via", v1, sizeof(v1));
	up_header(up_rx_last(B, "CANCEL ")->buf, "Via", v2, sizeof(v2));
	assert_string_equal(v1, v2);
	up_header(up_rx_last(B, "CANCEL ")->buf, "CSeq", v2, sizeof(v2));
	assert_string_equal(v2, "1 CANCEL");
	raw_answer("CANCEL ", 200, "x", NULL);
	raw_answer("INVITE ", 487, "t487", NULL);
	up_for(W, 50);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->status, 487);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->reason, ZSIP_UA_END_LOCAL);
	assert_int_equal(up_count(A, ZSIP_UA_PROGRESS), 0);
	assert_heaps_idle();
}

/* RFC 3665 §3.8 / §9.1, §9.2: hang-up of a ringing call sends CANCEL (never
 * BYE); the callee answers 200 to it and 487 to the INVITE. */
static void test_hangup_of_ringing_call_cancels_and_both_sides_fail_with_487(void **state)
{
	(void)state;
	bob_answer = 0;
	struct zsip_call *c = call_bob();
	up_for(W, 500);
	assert_int_equal(up_count(A, ZSIP_UA_PROGRESS), 1);
	assert_int_equal(zsip_call_state(c), ZSIP_CALL_EARLY);
	assert_int_equal(zsip_call_hangup(c, up_now(W)), 0);
	up_for(W, 500);
	assert_int_equal(up_rx_count(B, "CANCEL ", NULL), 1);
	assert_int_equal(up_rx_count(B, "BYE ", NULL), 0);
	assert_int_equal(up_rx_count(A, "SIP/2.0 200", "1 CANCEL"), 1);
	assert_int_equal(up_count(B, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_last(B, ZSIP_UA_FAILED)->reason, ZSIP_UA_END_REMOTE);
	assert_int_equal(up_last(B, ZSIP_UA_FAILED)->status, 487);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->status, 487);
	assert_heaps_idle();
}

/* §9.1, RFC 5407 §3.1.2: a 2xx that crosses the CANCEL establishes the
 * dialog; the UA ACKs it and sends BYE; the call ends with ENDED. */
static void test_2xx_racing_cancel_is_acked_then_byed_5407(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 20);
	raw_answer("INVITE ", 180, "r1", BOB_CONTACT);
	up_for(W, 20);
	zsip_call_hangup(c, up_now(W));
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "CANCEL ", NULL), 1);
	raw_answer("INVITE ", 200, "r1", BOB_CONTACT);
	raw_answer("CANCEL ", 200, "r1", NULL);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "ACK ", NULL), 1);
	assert_int_equal(up_rx_count(B, "BYE ", NULL), 1);
	/* ACK before BYE, both to the 2xx's Contact. */
	assert_true(strncmp(up_rx_last(B, "ACK ")->buf, "ACK sip:bob@192.0.2.2 ", 22) == 0);
	assert_true(strncmp(up_rx_last(B, "BYE ")->buf, "BYE sip:bob@192.0.2.2 ", 22) == 0);
	assert_true(up_rx_last(B, "ACK ") < up_rx_last(B, "BYE "));
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 0);
	raw_answer("BYE ", 200, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_ENDED)->reason, ZSIP_UA_END_LOCAL);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 0);
	assert_heaps_idle();
}

/* §9.2: a CANCEL after the final response gets 200 and changes nothing. */
static void test_cancel_after_final_response_gets_200_and_changes_nothing_9_2(void **state)
{
	(void)state;
	answer[0] = 200;
	raw_request("INVITE", "z9hG4bKr1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	raw_request("CANCEL", "z9hG4bKr1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 200", "1 CANCEL"), 1);
	assert_int_equal(up_rx_count(B, "SIP/2.0 487", NULL), 0);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 0);
	char tag[64];
	alice_tag(tag, sizeof(tag));
	raw_request("ACK", "z9hG4bKr2", tag, 1, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_CONFIRMED), 1);
}

/* §9.2: CANCEL of a pending INVITE: 200 to it, 487 to the INVITE, event. */
static void test_cancel_of_pending_invite_gets_200_and_invite_487_9_2(void **state)
{
	(void)state;
	ring[0] = 1;
	raw_request("INVITE", "z9hG4bKr1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	raw_request("CANCEL", "z9hG4bKr1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 200", "1 CANCEL"), 1);
	assert_int_equal(up_rx_count(B, "SIP/2.0 487", "1 INVITE"), 1);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->reason, ZSIP_UA_END_REMOTE);
	/* The 487 carries the same To tag as the 180 (§12.1.1: one tag). */
	const struct up_dgram *r180 = up_rx_last(B, "SIP/2.0 180");
	const struct up_dgram *r487 = up_rx_last(B, "SIP/2.0 487");
	char t1[256], t2[256];
	up_header(r180->buf, "To", t1, sizeof(t1));
	up_header(r487->buf, "To", t2, sizeof(t2));
	assert_string_equal(t1, t2);
	raw_request("ACK", "z9hG4bKr1", strstr(t2, "tag=") + 4, 1, NULL, NULL);
	assert_heaps_idle();
}

static void test_cancel_matching_no_invite_gets_481_9_2(void **state)
{
	(void)state;
	raw_request("CANCEL", "z9hG4bKnone", NULL, 1, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 481", NULL), 1);
}

/* ----------------------------------------------------------- BYE */

/* §15.1.2: BYE on an early dialog from the caller: 200, and 487 to the
 * INVITE. */
static void test_bye_on_early_dialog_gets_200_and_invite_487_15_1_2(void **state)
{
	(void)state;
	ring[0] = 1;
	raw_request("INVITE", "z9hG4bKr1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	char tag[64];
	alice_tag(tag, sizeof(tag));
	raw_request("BYE", "z9hG4bKr3", tag, 2, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 200", " BYE\r\n"), 1);
	assert_int_equal(up_rx_count(B, "SIP/2.0 487", "1 INVITE"), 1);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->reason, ZSIP_UA_END_REMOTE);
	raw_request("ACK", "z9hG4bKr1", tag, 1, NULL, NULL);
	assert_heaps_idle();
}

/* §15.1.2: a BYE that matches no dialog gets 481. */
static void test_bye_without_dialog_gets_481_15_1_2(void **state)
{
	(void)state;
	raw_request("BYE", "z9hG4bKr3", "nosuchtag", 2, NULL, NULL);
	raw_request("BYE", "z9hG4bKr4", NULL, 2, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 481", " BYE\r\n"), 2);
	assert_int_equal(A->nev, 0);
	assert_heaps_idle(); /* nothing kept past the transactions */
}

/* RFC 5407 §3.2.1 (BYE before ACK): the 2xx retransmissions stop, the call
 * ends. */
static void test_bye_before_ack_ends_call_and_stops_2xx_retransmissions_5407(void **state)
{
	(void)state;
	answer[0] = 200;
	raw_request("INVITE", "z9hG4bKr1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	char tag[64];
	alice_tag(tag, sizeof(tag));
	raw_request("BYE", "z9hG4bKr3", tag, 2, NULL, NULL);
	up_for(W, 20);
	size_t n = up_rx_count(B, "SIP/2.0 200", "1 INVITE");
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_ENDED)->reason, ZSIP_UA_END_REMOTE);
	up_for(W, 8000);
	assert_int_equal(up_rx_count(B, "SIP/2.0 200", "1 INVITE"), n);
	assert_heaps_idle();
}

/* §15: the callee hangs up before the ACK: the BYE waits for it. */
static void test_uas_hangup_before_ack_holds_bye_until_ack_15(void **state)
{
	(void)state;
	answer[0] = 200;
	raw_request("INVITE", "z9hG4bKr1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(zsip_call_hangup(incoming[0], up_now(W)), 0);
	up_for(W, 100);
	assert_int_equal(up_rx_count(B, "BYE ", NULL), 0);
	char tag[64];
	alice_tag(tag, sizeof(tag));
	raw_request("ACK", "z9hG4bKr2", tag, 1, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "BYE ", NULL), 1);
	raw_answer_at(1, "BYE ", 200, NULL, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_ENDED)->reason, ZSIP_UA_END_LOCAL);
	assert_heaps_idle();
}

/* §17.2.4: the transport fails under an INVITE not answered yet (here its
 * 100 Trying): the call can no longer be answered and ends with FAILED
 * (reason TRANSPORT) instead of waiting forever (found by fuzz_ua). */
static void test_transport_error_before_answer_fails_the_incoming_call_17_2_4(void **state)
{
	(void)state;
	bob_answer = 0;
	bob_ring = 0;
	B->send_fail = 1;
	struct zsip_call *c = call_bob();
	up_for(W, 300);
	assert_int_equal(up_count(B, ZSIP_UA_INCOMING), 1);
	assert_int_equal(up_count(B, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_last(B, ZSIP_UA_FAILED)->reason, ZSIP_UA_END_TRANSPORT);
	assert_int_equal(up_last(B, ZSIP_UA_FAILED)->err, ZSIP_ETRANSPORT);
	B->send_fail = 0;
	zsip_call_hangup(c, up_now(W));
	up_for(W, 64 * T1);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 1);
	assert_heaps_idle();
}

/* A hangup whose 603 could not be sent (out of memory) reports it and can
 * be tried again; the call does not stay unanswered forever (found by
 * fuzz_ua). */
static void test_hangup_that_failed_for_lack_of_memory_can_be_retried(void **state)
{
	(void)state;
	bob_answer = 0;
	bob_ring = 0;
	(void)call_bob();
	up_for(W, 100);
	assert_non_null(bob_call);
	B->mem.fail_after = 1;
	int rc = zsip_call_hangup(bob_call, up_now(W));
	B->mem.fail_after = 0;
	assert_int_equal(rc, ZSIP_ENOMEM);
	assert_int_equal(up_count(B, ZSIP_UA_FAILED), 0);
	assert_int_equal(zsip_call_hangup(bob_call, up_now(W)), 0);
	assert_int_equal(up_count(B, ZSIP_UA_FAILED), 1);
	up_for(W, 1000);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->status, 603);
	assert_heaps_idle();
}

/* An incoming call not answered yet: hang-up rejects it (603). */
/* §13.2.2.4: two forks ring, a third answers: the call takes the third's
 * dialog and both early ones are freed (one was lost from the fork list
 * and leaked; found by fuzz_ua). */
static void test_2xx_from_a_third_fork_frees_both_early_dialogs_13_2_2_4(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 50);
	assert_int_equal(up_answer(W, 1, "INVITE ", 180, "fa", "Contact: <sip:192.0.2.2>\r\n", NULL), 0);
	assert_int_equal(up_answer(W, 1, "INVITE ", 180, "fb", "Contact: <sip:192.0.2.2>\r\n", NULL), 0);
	assert_int_equal(up_answer(W, 1, "INVITE ", 200, "fc",
				   "Contact: <sip:192.0.2.2>\r\nContent-Type: application/sdp\r\n", SDP_ANSWER),
			 0);
	up_for(W, 100);
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 1);
	assert_int_equal(zsip_call_hangup(c, up_now(W)), 0);
	up_for(W, 100);
	assert_int_equal(up_answer(W, 1, "BYE ", 200, NULL, NULL, NULL), 0);
	up_for(W, 100);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_heaps_idle();
}

static void test_hangup_of_unanswered_incoming_call_rejects_with_603(void **state)
{
	(void)state;
	raw_request("INVITE", "z9hG4bKr1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(zsip_call_hangup(incoming[0], up_now(W)), 0);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->reason, ZSIP_UA_END_LOCAL);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 603", NULL), 1);
	raw_request("ACK", "z9hG4bKr1", "x", 1, NULL, NULL);
	assert_heaps_idle();
}

/* ----------------------------------------------------------- forking */

/* §13.2.2.4, §12.1.2: two forks answer 180 with their own tags (two early
 * dialogs), then both 200: the first is the call, the second is ACKed and
 * BYEd; its retransmission is ACKed again but not BYEd twice. */
static void test_forked_invite_second_2xx_is_acked_then_byed_13_2_2_4(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 20);
	raw_answer("INVITE ", 180, "f1", BOB_CONTACT);
	raw_answer("INVITE ", 180, "f2", BOB_CONTACT);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_PROGRESS), 2);
	struct zsip_ua_stats st;
	zsip_ua_stats(A->ua, &st);
	assert_int_equal(st.dialogs, 2);
	raw_answer_at(1, "INVITE ", 200, "f2", BOB_CONTACT, SDP_ANSWER);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 1);
	assert_int_equal(up_rx_count(B, "ACK ", "tag=f2"), 1);
	raw_answer_at(1, "INVITE ", 200, "f1", BOB_CONTACT, SDP_ANSWER);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "ACK ", "tag=f1"), 1);
	assert_int_equal(up_rx_count(B, "BYE ", "tag=f1"), 1);
	assert_int_equal(up_rx_count(B, "BYE ", "tag=f2"), 0);
	/* Retransmissions of each 2xx: ACK again, nothing else. */
	raw_answer_at(1, "INVITE ", 200, "f1", BOB_CONTACT, SDP_ANSWER);
	raw_answer_at(1, "INVITE ", 200, "f2", BOB_CONTACT, SDP_ANSWER);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "ACK ", "tag=f1"), 2);
	assert_int_equal(up_rx_count(B, "ACK ", "tag=f2"), 2);
	assert_int_equal(up_rx_count(B, "BYE ", "tag=f1"), 1);
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 1);
	assert_int_equal(zsip_call_state(c), ZSIP_CALL_ESTABLISHED);
	zsip_call_hangup(c, up_now(W));
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "BYE ", "tag=f2"), 1);
	raw_answer("BYE ", 200, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_heaps_idle();
}

/* RFC 6026 §7.1, §13.2.2.4: every retransmitted 2xx gets the ACK again. */
static void test_retransmitted_2xx_gets_the_same_ack_again_6026(void **state)
{
	(void)state;
	call_bob();
	up_for(W, 20);
	raw_answer_at(1, "INVITE ", 200, "r1", BOB_CONTACT, SDP_ANSWER);
	up_for(W, 20);
	raw_answer_at(1, "INVITE ", 200, "r1", BOB_CONTACT, SDP_ANSWER);
	raw_answer_at(1, "INVITE ", 200, "r1", BOB_CONTACT, SDP_ANSWER);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "ACK ", NULL), 3);
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 1);
	assert_string_equal(B->rx[B->nrx - 1].buf, B->rx[B->nrx - 2].buf);
}

/* §13.2.2.4: when the INVITE had no offer, the answer goes in the ACK. */
static int ack_with_body;
static void ack_hook(struct up_node *n, const struct zsip_ua_event *ev)
{
	if (ev->type == ZSIP_UA_ANSWERED && ack_with_body)
		assert_int_equal(zsip_call_ack(ev->call, ZSIP_STR(SDP_OFFER), NULL, ev->now_ms), 0);
	hook(n, ev);
}

static void test_ack_carries_the_answer_given_in_the_answered_callback_13_2_2_4(void **state)
{
	(void)state;
	ack_with_body = 1;
	A->hook = ack_hook;
	struct zsip_call_params p = { .target = "sip:bob@192.0.2.2" };
	struct zsip_call *c;
	assert_int_equal(zsip_call_invite(A->ua, &p, NULL, up_now(W), &c), 0);
	up_for(W, 200);
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 1);
	assert_int_equal(up_count(B, ZSIP_UA_CONFIRMED), 1);
	assert_non_null(strstr(up_last(B, ZSIP_UA_CONFIRMED)->msg, "m=audio 49170"));
	/* Outside that callback it is too late. */
	assert_int_equal(zsip_call_ack(c, NOBODY, NULL, up_now(W)), ZSIP_ESTATE);
	ack_with_body = 0;
}

/* ---------------------------------------------------------- re-INVITE */

#define SDP_HOLD "v=0\r\no=alice 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=sendonly\r\n"

static struct zsip_call *established_call(void)
{
	struct zsip_call *c = call_bob();
	up_for(W, 200);
	assert_int_equal(up_count(B, ZSIP_UA_CONFIRMED), 1);
	return c;
}

/* RFC 3665 §3 hold and resume, §14: a re-INVITE with a=sendonly, its 2xx
 * and ACK, then the resume; the callee may re-INVITE too. */
static void test_reinvite_hold_and_resume_14(void **state)
{
	(void)state;
	struct zsip_call *c = established_call();
	assert_int_equal(zsip_call_reinvite(c, ZSIP_STR(SDP_HOLD), NULL, up_now(W)), 0);
	/* One at a time (§14.1). */
	assert_int_equal(zsip_call_reinvite(c, ZSIP_STR(SDP_HOLD), NULL, up_now(W)), ZSIP_EPENDING);
	up_for(W, 200);
	assert_int_equal(up_count(B, ZSIP_UA_REINVITE), 1);
	assert_non_null(strstr(up_last(B, ZSIP_UA_REINVITE)->msg, "a=sendonly"));
	assert_int_equal(up_count(A, ZSIP_UA_REINVITE_DONE), 1);
	assert_int_equal(up_last(A, ZSIP_UA_REINVITE_DONE)->status, 200);
	assert_int_equal(up_count(B, ZSIP_UA_CONFIRMED), 2);
	/* The re-INVITE's CSeq is the dialog's next (§12.2.1.1). */
	char v[64];
	up_header(up_last(B, ZSIP_UA_REINVITE)->msg, "CSeq", v, sizeof(v));
	assert_string_equal(v, "2 INVITE");
	assert_int_equal(zsip_call_reinvite(c, ZSIP_STR(SDP_OFFER), NULL, up_now(W)), 0);
	up_for(W, 200);
	assert_int_equal(up_count(A, ZSIP_UA_REINVITE_DONE), 2);
	assert_int_equal(zsip_call_reinvite(bob_call, ZSIP_STR(SDP_ANSWER), NULL, up_now(W)), 0);
	up_for(W, 200);
	assert_int_equal(up_count(A, ZSIP_UA_REINVITE), 1);
	assert_int_equal(up_count(B, ZSIP_UA_REINVITE_DONE), 1);
	zsip_call_hangup(c, up_now(W));
	up_for(W, 200);
	assert_int_equal(up_count(B, ZSIP_UA_ENDED), 1);
	assert_heaps_idle();
}

/* §14.1: a failed re-INVITE leaves the session as it was. */
static void test_rejected_reinvite_leaves_the_call_established_14_1(void **state)
{
	(void)state;
	reinvite_answer[1] = 488;
	struct zsip_call *c = established_call();
	assert_int_equal(zsip_call_reinvite(c, ZSIP_STR(SDP_HOLD), NULL, up_now(W)), 0);
	up_for(W, 200);
	assert_int_equal(up_last(A, ZSIP_UA_REINVITE_DONE)->status, 488);
	assert_int_equal(zsip_call_state(c), ZSIP_CALL_ESTABLISHED);
	assert_int_equal(zsip_call_state(bob_call), ZSIP_CALL_ESTABLISHED);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 0);
	reinvite_answer[1] = 200;
	assert_int_equal(zsip_call_reinvite(c, ZSIP_STR(SDP_HOLD), NULL, up_now(W)), 0);
	up_for(W, 200);
	assert_int_equal(up_last(A, ZSIP_UA_REINVITE_DONE)->status, 200);
}

/* §14.1, §14.2, RFC 5407 §3.1.5 (glare): both sides re-INVITE at once;
 * each gets 491; the owner of the Call-ID (the caller) retries after
 * 2.1-4 s, the other after 0-2 s; both re-INVITEs then succeed. */
static void test_reinvite_glare_gets_491_and_retries_after_random_delay_14_1(void **state)
{
	(void)state;
	struct zsip_call *c = established_call();
	uint64_t t0 = up_now(W);
	assert_int_equal(zsip_call_reinvite(c, ZSIP_STR(SDP_HOLD), NULL, t0), 0);
	assert_int_equal(zsip_call_reinvite(bob_call, ZSIP_STR(SDP_ANSWER), NULL, t0), 0);
	up_for(W, 100);
	assert_int_equal(up_rx_count(A, "SIP/2.0 491", NULL), 1);
	assert_int_equal(up_rx_count(B, "SIP/2.0 491", NULL), 1);
	assert_int_equal(up_count(A, ZSIP_UA_REINVITE_DONE), 0);
	up_for(W, 6000);
	assert_int_equal(up_count(A, ZSIP_UA_REINVITE_DONE), 1);
	assert_int_equal(up_count(B, ZSIP_UA_REINVITE_DONE), 1);
	assert_int_equal(up_last(A, ZSIP_UA_REINVITE_DONE)->status, 200);
	assert_int_equal(up_last(B, ZSIP_UA_REINVITE_DONE)->status, 200);
	/* The retries: bob's (not the owner) within 2 s of the 491, alice's
	 * between 2.1 and 4 s. */
	uint64_t a_retry = 0, b_retry = 0;
	for (size_t i = 0; i < B->nrx; i++)
		if (!strncmp(B->rx[i].buf, "INVITE ", 7) && B->rx[i].at > t0 + 100 && !a_retry)
			a_retry = B->rx[i].at;
	for (size_t i = 0; i < A->nrx; i++)
		if (!strncmp(A->rx[i].buf, "INVITE ", 7) && A->rx[i].at > t0 + 100 && !b_retry)
			b_retry = A->rx[i].at;
	assert_true(a_retry >= t0 + 2100 && a_retry <= t0 + 4100);
	assert_true(b_retry > t0 && b_retry <= t0 + 2100);
}

/* §14.1: while our answer to the peer's re-INVITE is pending we cannot
 * start one; a second final response is refused. */
static void test_reinvite_while_answering_one_is_pending_14_1(void **state)
{
	(void)state;
	reinvite_answer[1] = 0;
	struct zsip_call *c = established_call();
	assert_int_equal(zsip_call_reinvite(c, ZSIP_STR(SDP_HOLD), NULL, up_now(W)), 0);
	up_for(W, 100);
	assert_int_equal(up_count(B, ZSIP_UA_REINVITE), 1);
	assert_int_equal(zsip_call_reinvite(bob_call, ZSIP_STR(SDP_ANSWER), NULL, up_now(W)),
			 ZSIP_EPENDING);
	assert_int_equal(zsip_call_respond(bob_call, 200, NULL, ZSIP_STR(SDP_ANSWER), NULL, NULL,
					   up_now(W)), 0);
	up_for(W, 100);
	assert_int_equal(up_last(A, ZSIP_UA_REINVITE_DONE)->status, 200);
	assert_int_equal(zsip_call_respond(bob_call, 200, NULL, NOBODY, NULL, NULL, up_now(W)),
			 ZSIP_ESTATE);
}

/* RFC 5407 §3.1.3 (BYE crossing the re-INVITE): the unanswered
 * re-INVITE gets 487, the call ends once on each side. */
static void test_bye_crossing_reinvite_ends_call_once_5407(void **state)
{
	(void)state;
	reinvite_answer[1] = 0;
	struct zsip_call *c = established_call();
	assert_int_equal(zsip_call_reinvite(c, ZSIP_STR(SDP_HOLD), NULL, up_now(W)), 0);
	up_for(W, 100);
	assert_int_equal(zsip_call_hangup(bob_call, up_now(W)), 0);
	up_for(W, 200);
	assert_int_equal(up_rx_count(A, "SIP/2.0 487", NULL), 1);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_int_equal(up_count(B, ZSIP_UA_ENDED), 1);
	/* The 487 may be reported before the BYE ends the call. */
	assert_true(up_count(A, ZSIP_UA_REINVITE_DONE) <= 1);
	assert_heaps_idle();
}

/* ---------------------------------------------------- UA core answers */

/* §11.2: OPTIONS outside a dialog: 200 with Allow, Accept, Supported. */
static void test_options_outside_dialog_gets_200_with_allow_accept_supported_11_2(void **state)
{
	(void)state;
	raw_request("OPTIONS", "z9hG4bKo1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	const struct up_dgram *r = up_rx_last(B, "SIP/2.0 200");
	assert_non_null(r);
	char v[256];
	assert_int_equal(up_header(r->buf, "Allow", v, sizeof(v)), 0);
	assert_string_equal(v, "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER");
	assert_int_equal(up_header(r->buf, "Accept", v, sizeof(v)), 0);
	assert_string_equal(v, "application/sdp");
	assert_int_equal(up_header(r->buf, "Supported", v, sizeof(v)), 0);
	assert_int_equal(up_header(r->buf, "To", v, sizeof(v)), 0);
	assert_non_null(strstr(v, ";tag="));
	assert_int_equal(A->nev, 0);
}

/* §11: OPTIONS inside a dialog is answered the same way. */
static void test_options_inside_dialog_gets_200_11(void **state)
{
	(void)state;
	answer[0] = 200;
	raw_request("INVITE", "z9hG4bKr1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	char tag[64];
	alice_tag(tag, sizeof(tag));
	raw_request("ACK", "z9hG4bKr2", tag, 1, NULL, NULL);
	raw_request("OPTIONS", "z9hG4bKo2", tag, 2, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 200", "2 OPTIONS"), 1);
	assert_non_null(strstr(up_rx_last(B, "SIP/2.0 200")->buf, "Allow: INVITE"));
}

static int options_status;
static void options_hook(struct up_node *n, const struct zsip_ua_event *ev)
{
	if (ev->type == ZSIP_UA_OPTIONS_RESPONSE) {
		assert_ptr_equal(ev->user, (void *)0x77);
		options_status = ev->status;
	}
	hook(n, ev);
}

/* The application's OPTIONS: the answer comes as an event; a dead peer
 * gives 408 after Timer F. */
static void test_ua_options_reports_the_answer_and_the_timeout(void **state)
{
	(void)state;
	A->hook = options_hook;
	options_status = 0;
	assert_int_equal(zsip_ua_options(A->ua, "sip:bob@192.0.2.2", (void *)0x77, up_now(W)), 0);
	up_for(W, 100);
	assert_int_equal(options_status, 200);
	assert_int_equal(up_count(A, ZSIP_UA_OPTIONS_RESPONSE), 1);
	assert_int_equal(zsip_ua_options(A->ua, "sip:bob@192.0.2.99", (void *)0x77, up_now(W)), 0);
	up_for(W, 64 * T1 + 100);
	assert_int_equal(options_status, 408);
	assert_int_equal(zsip_ua_options(A->ua, "sip:bob@nowhere.example.com", NULL, up_now(W)),
			 ZSIP_ENAME);
	assert_heaps_idle();
}

/* §8.2.1: a method nobody handles: 405 with Allow. */
static void test_unknown_method_gets_405_with_allow_8_2_1(void **state)
{
	(void)state;
	raw_request("SUBSCRIBE", "z9hG4bKs1", NULL, 1, NULL, "Event: presence\r\n");
	up_for(W, 20);
	const struct up_dgram *r = up_rx_last(B, "SIP/2.0 405");
	assert_non_null(r);
	assert_non_null(strstr(r->buf, "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER\r\n"));
}

/* A method the application took (app_methods): REQUEST with the server
 * transaction, answered by the application. */
static void register_hook(struct up_node *n, const struct zsip_ua_event *ev)
{
	if (ev->type == ZSIP_UA_REQUEST) {
		assert_null(ev->call);
		struct zsip_response r = { .code = 200 };
		assert_int_equal(zsip_txn_reply(ev->txn, &r, ev->now_ms), 0);
	}
	hook(n, ev);
}

static void test_app_method_goes_to_the_application_as_request_event(void **state)
{
	(void)state;
	A->hook = register_hook;
	raw_request("REGISTER", "z9hG4bKg1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_REQUEST), 1);
	assert_int_equal(up_rx_count(B, "SIP/2.0 200", "1 REGISTER"), 1);
}

/* §8.2.2.1: a Request-URI scheme we do not serve: 416. */
static void test_unsupported_uri_scheme_gets_416_8_2_2_1(void **state)
{
	(void)state;
	up_inject(W, 1, 0,
		  "OPTIONS mailto:alice@atlanta.example.com SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKm1\r\n"
		  "From: <sip:bob@192.0.2.2>;tag=1\r\nTo: <sip:alice@192.0.2.1>\r\n"
		  "Call-ID: m1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 416", NULL), 1);
}

/* §8.2.2.3: Require with an option tag we do not support: 420 listing it
 * in Unsupported. */
static void test_unknown_require_option_gets_420_with_unsupported_8_2_2_3(void **state)
{
	(void)state;
	raw_request("INVITE", "z9hG4bKq1", NULL, 1, NULL, "Require: 100rel, foo\r\n");
	up_for(W, 20);
	const struct up_dgram *r = up_rx_last(B, "SIP/2.0 420");
	assert_non_null(r);
	assert_non_null(strstr(r->buf, "Unsupported: 100rel, foo\r\n"));
	assert_int_equal(up_count(A, ZSIP_UA_INCOMING), 0);
}

/* §8.2.2.3 with §20.32: the 420 lists every option tag of every Require,
 * a folded one too (its raw value cannot be copied into a header line); a
 * Require that is not a list of tokens is malformed: 400 (§8.2 and §21.4.1),
 * never an INVITE left unanswered. */
static void test_folded_require_gets_420_and_bad_require_gets_400_8_2_2_3(void **state)
{
	(void)state;
	raw_request("INVITE", "z9hG4bKq2", NULL, 1, NULL, "Require: foo,\r\n bar\r\nRequire: baz\r\n");
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 420", "Unsupported: foo, bar, baz\r\n"), 1);
	raw_request("INVITE", "z9hG4bKq3", NULL, 2, NULL, "Require: foo\r\n bar\r\n");
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 400", "CSeq: 2 INVITE"), 1);
	raw_request("INVITE", "z9hG4bKq4", NULL, 3, NULL, "Require: \"foo\"\r\n");
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 400", "CSeq: 3 INVITE"), 1);
	assert_int_equal(up_count(A, ZSIP_UA_INCOMING), 0);
}

/* §8.2.3: a body type we do not take: 415 with Accept; an encoding we do
 * not take: 415 with Accept-Encoding. */
static void test_unsupported_content_type_or_encoding_gets_415_8_2_3(void **state)
{
	(void)state;
	up_inject(W, 1, 0,
		  "INVITE sip:alice@192.0.2.1 SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKc1\r\n"
		  "From: <sip:bob@192.0.2.2>;tag=1\r\nTo: <sip:alice@192.0.2.1>\r\n"
		  "Call-ID: c1\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@192.0.2.2>\r\n"
		  "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi");
	up_inject(W, 1, 0,
		  "INVITE sip:alice@192.0.2.1 SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKc2\r\n"
		  "From: <sip:bob@192.0.2.2>;tag=2\r\nTo: <sip:alice@192.0.2.1>\r\n"
		  "Call-ID: c2\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@192.0.2.2>\r\n"
		  "Content-Type: application/sdp\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\nhi");
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 415", "Accept: application/sdp\r\n"), 1);
	assert_int_equal(up_rx_count(B, "SIP/2.0 415", "Accept-Encoding: identity\r\n"), 1);
	assert_int_equal(up_count(A, ZSIP_UA_INCOMING), 0);
}

/* §8.2.2.2: the same INVITE (From tag, Call-ID, CSeq) by another branch
 * while the first is in progress: 482. */
static void test_merged_request_gets_482_8_2_2_2(void **state)
{
	(void)state;
	raw_request("INVITE", "z9hG4bKr1", NULL, 1, NULL, NULL);
	raw_request("INVITE", "z9hG4bKr1other", NULL, 1, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_INCOMING), 1);
	assert_int_equal(up_rx_count(B, "SIP/2.0 482", NULL), 1);
}

/* Caps: past max_calls a new INVITE gets 503 with Retry-After and takes
 * no memory; zsip_call_invite gives ZSIP_ELIMIT. */
static void test_invite_past_the_call_cap_gets_503_with_retry_after(void **state)
{
	(void)state;
	assert_int_equal(up_fini(W), 0);
	free(W);
	W = calloc(1, sizeof(*W));
	up_init(W, 42);
	struct zsip_ua_config cfg = { .max_calls = 1 };
	assert_int_equal(up_add(W, "192.0.2.1", 0, 0, &cfg, NULL), 0);
	assert_int_equal(up_add(W, "192.0.2.2", 1, 0, NULL, NULL), 1);
	A = &W->node[0];
	B = &W->node[1];
	A->hook = hook;
	memset(answer, 0, sizeof(answer));
	memset(ring, 0, sizeof(ring));
	raw_request("INVITE", "z9hG4bKr1", NULL, 1, NULL, NULL);
	up_for(W, 20);
	up_inject(W, 1, 0,
		  "INVITE sip:alice@192.0.2.1 SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKcap\r\n"
		  "From: <sip:bob@192.0.2.2>;tag=9\r\nTo: <sip:alice@192.0.2.1>\r\n"
		  "Call-ID: cap2\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@192.0.2.2>\r\nContent-Length: 0\r\n\r\n");
	up_for(W, 20);
	const struct up_dgram *r = up_rx_last(B, "SIP/2.0 503");
	assert_non_null(r);
	assert_non_null(strstr(r->buf, "Retry-After: 5\r\n"));
	assert_int_equal(up_count(A, ZSIP_UA_INCOMING), 1);
	struct zsip_call_params p = { .target = "sip:bob@192.0.2.2" };
	struct zsip_call *c;
	assert_int_equal(zsip_call_invite(A->ua, &p, NULL, up_now(W), &c), ZSIP_ELIMIT);
}

/* zsip_ua_free with calls in several states, then zsip_stack_free:
 * nothing leaks (teardown checks), no event comes. */
static void test_ua_free_with_live_calls_leaks_nothing(void **state)
{
	(void)state;
	bob_answer = 0;
	call_bob();
	up_for(W, 100);
	call_bob();
	size_t nev = A->nev;
	zsip_ua_free(A->ua);
	A->ua = NULL;
	zsip_ua_free(B->ua);
	B->ua = NULL;
	up_for(W, 64 * T1);
	assert_int_equal(A->nev, nev);
}

/* The memory goal: an established call that is idle (no
 * transaction left) holds at most 1 KiB on each side, measured through the
 * allocator hooks. */
static void test_established_idle_call_holds_under_1_kib_per_side(void **state)
{
	(void)state;
	enum { N = 20 };
	struct zsip_call *c[N];
	/* A first round grows the stacks' timer heaps to their working size
	 * (they keep their capacity, as hash tables do). */
	for (int i = 0; i < N; i++)
		c[i] = call_bob();
	up_for(W, 1000);
	for (int i = 0; i < N; i++)
		zsip_call_hangup(c[i], up_now(W));
	up_for(W, 64 * T1 + 1000);
	base_a = A->mem.live;
	base_b = B->mem.live;
	for (int i = 0; i < N; i++)
		c[i] = call_bob();
	up_for(W, 64 * T1 + 1000);
	struct zsip_stack_stats sa, sb;
	zsip_stack_stats(A->s, &sa);
	zsip_stack_stats(B->s, &sb);
	assert_int_equal(sa.txn_active, 0);
	assert_int_equal(sb.txn_active, 0);
	size_t per_a = (A->mem.live - base_a) / N, per_b = (B->mem.live - base_b) / N;
	printf("bytes per established idle call: caller %zu, callee %zu\n", per_a, per_b);
	assert_true(per_a <= 1024);
	assert_true(per_b <= 1024);
	for (int i = 0; i < N; i++)
		zsip_call_hangup(c[i], up_now(W));
	assert_heaps_idle();
}

/* Over a TCP-like transport (no retransmissions by the transactions) the
 * same call works, and ends clean. */
static void test_basic_call_over_a_reliable_transport(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 200);
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 1);
	assert_int_equal(up_count(B, ZSIP_UA_CONFIRMED), 1);
	char v[128];
	assert_int_equal(up_header(up_rx_last(B, "INVITE ")->buf, "Contact", v, sizeof(v)), 0);
	assert_string_equal(v, "<sip:192.0.2.1:5060;transport=tcp>");
	zsip_call_hangup(c, up_now(W));
	up_for(W, 200);
	assert_int_equal(up_count(B, ZSIP_UA_ENDED), 1);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_heaps_idle();
}

static int setup_tcp(void **state)
{
	(void)state;
	return setup_pair(1, 0);
}

static void no_event(void *user, const struct zsip_ua_event *ev)
{
	(void)user;
	(void)ev;
}

/* One UA per stack; on_event is required. */
static void test_second_ua_on_a_stack_is_refused(void **state)
{
	(void)state;
	struct zsip_ua_config cfg = { 0 };
	assert_null(zsip_ua_new(A->s, &cfg));
	cfg.on_event = no_event;
	assert_null(zsip_ua_new(A->s, &cfg));
}

/* §13.3.1.4 for a re-INVITE the caller answered: its ACK wait survives
 * the end of the caller's own INVITE transaction (Timer M); no ACK within
 * 64*T1 still ends the call with BYE. */
static void test_unacked_2xx_to_peer_reinvite_byes_after_64_t1_even_past_timer_m(void **state)
{
	(void)state;
	answer[0] = 0;
	reinvite_answer[0] = 200;
	call_bob();
	up_for(W, 20);
	raw_answer_at(1, "INVITE ", 200, "r1", BOB_CONTACT, SDP_ANSWER);
	up_for(W, 30000);
	/* bob re-INVITEs alice inside the dialog, and never ACKs the 2xx. */
	const struct up_dgram *inv = up_rx_last(B, "INVITE ");
	char from[256], callid[128], buf[2048];
	up_header(inv->buf, "From", from, sizeof(from));
	up_header(inv->buf, "Call-ID", callid, sizeof(callid));
	snprintf(buf, sizeof(buf),
		 "INVITE sip:192.0.2.1:5060 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKre1\r\n"
		 "From: <sip:bob@192.0.2.2>;tag=r1\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 7 INVITE\r\n"
		 BOB_CONTACT "Content-Length: 0\r\n\r\n", from, callid);
	up_inject(W, 1, 0, buf);
	uint64_t t = up_now(W);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_REINVITE), 1);
	up_for(W, 64 * T1 + 1000);
	const struct up_dgram *bye = up_rx_last(B, "BYE ");
	assert_non_null(bye);
	assert_true(bye->at >= t + 64 * T1);
	raw_answer("BYE ", 200, NULL, NULL);
	up_for(W, 100);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_ENDED)->reason, ZSIP_UA_END_NO_ACK);
	assert_heaps_idle();
}

/* §17.1.1.2 has no timer in Proceeding: a re-INVITE answered only with a
 * 1xx would live forever; the end of the call ends it. */
static void test_reinvite_stuck_in_proceeding_is_ended_with_the_call(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 20);
	raw_answer_at(1, "INVITE ", 200, "r1", BOB_CONTACT, SDP_ANSWER);
	up_for(W, 20);
	assert_int_equal(zsip_call_reinvite(c, ZSIP_STR(SDP_HOLD), NULL, up_now(W)), 0);
	up_for(W, 20);
	raw_answer("INVITE ", 180, NULL, BOB_CONTACT);
	up_for(W, 20);
	assert_int_equal(zsip_call_hangup(c, up_now(W)), 0);
	up_for(W, 20);
	raw_answer("BYE ", 200, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_heaps_idle();
}

/* Caps: past max_dialogs a fork's 1xx makes no early dialog, and its 2xx
 * is still ACKed then BYEd (§13.2.2.4). */
static void test_fork_past_the_dialog_cap_is_still_acked_and_byed(void **state)
{
	(void)state;
	assert_int_equal(up_fini(W), 0);
	free(W);
	W = calloc(1, sizeof(*W));
	up_init(W, 42);
	struct zsip_ua_config cfg = { .max_dialogs = 1 };
	assert_int_equal(up_add(W, "192.0.2.1", 0, 0, &cfg, NULL), 0);
	assert_int_equal(up_add(W, "192.0.2.2", 1, 0, NULL, NULL), 1);
	A = &W->node[0];
	B = &W->node[1];
	A->hook = hook;
	base_a = A->mem.live;
	call_bob();
	up_for(W, 20);
	raw_answer("INVITE ", 180, "f1", BOB_CONTACT);
	raw_answer("INVITE ", 180, "f2", BOB_CONTACT);
	up_for(W, 20);
	struct zsip_ua_stats st;
	zsip_ua_stats(A->ua, &st);
	assert_int_equal(st.dialogs, 1);
	raw_answer_at(1, "INVITE ", 200, "f1", BOB_CONTACT, SDP_ANSWER);
	raw_answer_at(1, "INVITE ", 200, "f2", BOB_CONTACT, SDP_ANSWER);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 1);
	assert_int_equal(up_rx_count(B, "ACK ", "tag=f2"), 1);
	assert_int_equal(up_rx_count(B, "BYE ", "tag=f2"), 1);
	assert_int_equal(up_rx_count(B, "BYE ", "tag=f1"), 0);
}

/* Every event of a call carries the handle and the user pointer given to
 * zsip_call_invite (or set with zsip_call_set_user). */
static void test_events_carry_the_call_handle_and_user_pointer(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 200);
	zsip_call_hangup(c, up_now(W));
	up_for(W, 200);
	assert_true(A->nev >= 3);
	for (size_t i = 0; i < A->nev; i++) {
		assert_ptr_equal(A->ev[i].call, c);
		assert_ptr_equal(A->ev[i].user, (void *)0x1234);
	}
	assert_ptr_equal(up_last(B, ZSIP_UA_INCOMING)->user, NULL);
}

/* 183 with an early answer in its body reaches the caller as PROGRESS. */
static void progress_hook(struct up_node *n, const struct zsip_ua_event *ev)
{
	if (ev->type == ZSIP_UA_INCOMING)
		assert_int_equal(zsip_call_respond(ev->call, 183, "Session Progress", ZSIP_STR(SDP_ANSWER),
						   NULL, "X-Early: yes\r\n", ev->now_ms), 0);
	hook(n, ev);
}

static void test_183_with_early_answer_reaches_the_caller(void **state)
{
	(void)state;
	B->hook = progress_hook;
	bob_ring = 0;
	call_bob();
	up_for(W, 200);
	const struct up_event *e = up_last(A, ZSIP_UA_PROGRESS);
	assert_non_null(e);
	assert_int_equal(e->status, 183);
	assert_non_null(strstr(e->msg, "m=audio 3456"));
	assert_non_null(strstr(e->msg, "X-Early: yes\r\n"));
	assert_non_null(strstr(e->msg, "Contact: <sip:192.0.2.2:5060>\r\n"));
}

/* RFC 5407 §3.2 (2xx retransmissions after BYE): after the call ended,
 * a retransmitted 2xx still gets its ACK while the INVITE transaction
 * lives. */
static void test_2xx_retransmitted_after_bye_is_still_acked_5407(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 20);
	raw_answer_at(1, "INVITE ", 200, "r1", BOB_CONTACT, SDP_ANSWER);
	up_for(W, 20);
	zsip_call_hangup(c, up_now(W));
	up_for(W, 20);
	raw_answer("BYE ", 200, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	size_t acks = up_rx_count(B, "ACK ", NULL);
	raw_answer_at(1, "INVITE ", 200, "r1", BOB_CONTACT, SDP_ANSWER);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "ACK ", NULL), acks + 1);
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 1);
	assert_int_equal(up_rx_count(B, "BYE ", NULL), 1);
	assert_heaps_idle();
}

/* ------------------------------------------------------------ digest */

#define CHALLENGE "WWW-Authenticate: Digest realm=\"biloxi.example.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", qop=\"auth\", algorithm=MD5\r\n"
#define PROXY_CHALLENGE "Proxy-Authenticate: Digest realm=\"proxy.example.com\", nonce=\"aa11bb22\", qop=\"auth\", algorithm=MD5\r\n"

static const char *password = "secret";

static int alice_cred(void *user, const struct zsip_str *realm, enum zsip_digest_alg alg,
		      struct zsip_auth_cred *out)
{
	(void)user;
	(void)realm;
	(void)alg;
	strcpy(out->user, "alice");
	strcpy(out->password, password);
	return 0;
}


static int fake_random(void *user, void *buf, size_t len)
{
	static uint8_t x = 7;
	(void)user;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)(x = (uint8_t)(x * 37 + 11));
	return 0;
}

static struct zsip_auth_server *bob_auth;

/* bob challenges every INVITE without good credentials (RFC 3261 §22.2). */
static void auth_hook(struct up_node *n, const struct zsip_ua_event *ev)
{
	if (ev->type == ZSIP_UA_INCOMING) {
		if (zsip_auth_server_verify(bob_auth, ev->msg, ev->now_ms, NULL) == 0) {
			zsip_call_respond(ev->call, 200, NULL, ZSIP_STR(SDP_ANSWER), NULL, NULL, ev->now_ms);
		} else {
			char h[1024];
			assert_true(zsip_auth_server_challenge(bob_auth, ev->now_ms, 0, h, sizeof(h)) > 0);
			zsip_call_respond(ev->call, 401, NULL, NOBODY, NULL, h, ev->now_ms);
		}
		return;
	}
	hook(n, ev);
}

static int setup_auth_with(int bob_raw)
{
	W = calloc(1, sizeof(*W));
	up_init(W, 42);
	struct zsip_ua_config acfg = { .cred = alice_cred };
	struct zsip_config scfg = { .random = fake_random };
	if (up_add(W, "192.0.2.1", 0, 0, &acfg, NULL) != 0 ||
	    up_add(W, "192.0.2.2", bob_raw, 0, NULL, &scfg) != 1)
		return -1;
	A = &W->node[0];
	B = &W->node[1];
	A->hook = hook;
	B->hook = auth_hook;
	memset(answer, 0, sizeof(answer));
	memset(ring, 0, sizeof(ring));
	memset(incoming, 0, sizeof(incoming));
	reinvite_answer[0] = reinvite_answer[1] = 200;
	password = "secret";
	bob_auth = NULL;
	if (!bob_raw) {
		struct zsip_auth_server_config sc = { .realm = "biloxi.example.com", .lookup = up_alice_lookup,
						      .algs = { ZSIP_DIGEST_MD5 } };
		if (zsip_auth_server_new(B->s, &sc, &bob_auth) != 0)
			return -1;
	}
	base_a = A->mem.live;
	base_b = B->mem.live;
	return 0;
}

static int setup_auth(void **state)
{
	(void)state;
	return setup_auth_with(0);
}

static int setup_auth_raw(void **state)
{
	(void)state;
	return setup_auth_with(1);
}

static int teardown_auth(void **state)
{
	zsip_auth_server_free(bob_auth);
	bob_auth = NULL;
	return teardown(state);
}

/* §22.2: a 401 to the INVITE is answered on the same call handle: the
 * INVITE again with credentials, CSeq + 1, a new branch, the same Call-ID
 * and From tag; §22.3: later requests (the BYE) carry them too. */
static void test_invite_challenged_401_is_resent_with_credentials_22_2(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 200);
	assert_int_equal(up_rx_count(B, "INVITE ", NULL), 2);
	assert_int_equal(up_count(A, ZSIP_UA_ANSWERED), 1);
	assert_ptr_equal(up_last(A, ZSIP_UA_ANSWERED)->call, c);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 0);
	const struct up_dgram *first = NULL, *second = up_rx_last(B, "INVITE ");
	for (size_t i = 0; i < B->nrx && !first; i++)
		if (!strncmp(B->rx[i].buf, "INVITE ", 7))
			first = &B->rx[i];
	char a[512], b[512];
	assert_int_equal(up_header(second->buf, "Authorization", a, sizeof(a)), 0);
	assert_non_null(strstr(a, "username=\"alice\""));
	assert_int_equal(up_header(first->buf, "Authorization", a, sizeof(a)), -1);
	up_header(second->buf, "CSeq", a, sizeof(a));
	assert_string_equal(a, "2 INVITE");
	up_header(first->buf, "Via", a, sizeof(a));
	up_header(second->buf, "Via", b, sizeof(b));
	assert_string_not_equal(a, b);
	up_header(first->buf, "Call-ID", a, sizeof(a));
	up_header(second->buf, "Call-ID", b, sizeof(b));
	assert_string_equal(a, b);
	up_header(first->buf, "From", a, sizeof(a));
	up_header(second->buf, "From", b, sizeof(b));
	assert_string_equal(a, b);
	zsip_call_hangup(c, up_now(W));
	up_for(W, 200);
	assert_int_equal(up_rx_count(B, "BYE ", "Authorization: Digest"), 1);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_heaps_idle();
}

/* §22.2: a second challenge for the same realm (wrong password) is not
 * answered again: the call fails with the auth error. */
static void test_wrong_password_fails_after_one_retry_22_2(void **state)
{
	(void)state;
	password = "wrong";
	call_bob();
	up_for(W, 200);
	assert_int_equal(up_rx_count(B, "INVITE ", NULL), 2);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->status, 401);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->reason, ZSIP_UA_END_AUTH);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->err, ZSIP_EAUTH_REJECTED);
	assert_heaps_idle();
}

/* §9.1 after §22.2: the CANCEL goes with the branch of the INVITE that was
 * sent again, once that one had a provisional response. */
static void test_cancel_after_challenge_uses_the_resent_invite_branch_9_1(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 20);
	raw_answer("INVITE ", 401, "c1", CHALLENGE);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "INVITE ", NULL), 2);
	zsip_call_hangup(c, up_now(W));
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "CANCEL ", NULL), 0);
	raw_answer("INVITE ", 180, "c2", BOB_CONTACT);
	up_for(W, 20);
	const struct up_dgram *cancel = up_rx_last(B, "CANCEL ");
	assert_non_null(cancel);
	char v1[256], v2[256];
	up_header(up_rx_last(B, "INVITE ")->buf, "Via", v1, sizeof(v1));
	up_header(cancel->buf, "Via", v2, sizeof(v2));
	assert_string_equal(v1, v2);
	up_header(cancel->buf, "CSeq", v2, sizeof(v2));
	assert_string_equal(v2, "2 CANCEL");
	raw_answer("CANCEL ", 200, NULL, NULL);
	raw_answer("INVITE ", 487, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_FAILED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_FAILED)->status, 487);
	assert_heaps_idle();
}

/* §22.3: a 407 to the BYE is answered with Proxy-Authorization. */
static void test_bye_challenged_407_is_resent_with_proxy_credentials_22_3(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 20);
	raw_answer_at(1, "INVITE ", 200, "b1", BOB_CONTACT, SDP_ANSWER);
	up_for(W, 20);
	zsip_call_hangup(c, up_now(W));
	up_for(W, 20);
	raw_answer("BYE ", 407, NULL, PROXY_CHALLENGE);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "BYE ", NULL), 2);
	const struct up_dgram *bye = up_rx_last(B, "BYE ");
	char v[512];
	assert_int_equal(up_header(bye->buf, "Proxy-Authorization", v, sizeof(v)), 0);
	assert_non_null(strstr(v, "realm=\"proxy.example.com\""));
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 0);
	raw_answer("BYE ", 200, NULL, NULL);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_ENDED), 1);
	assert_int_equal(up_last(A, ZSIP_UA_ENDED)->status, 200);
	assert_heaps_idle();
}

/* §22.2 for a re-INVITE: resent with credentials, then it succeeds. */
static void test_reinvite_challenged_401_is_resent_with_credentials(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob();
	up_for(W, 20);
	raw_answer_at(1, "INVITE ", 200, "b1", BOB_CONTACT, SDP_ANSWER);
	up_for(W, 20);
	assert_int_equal(zsip_call_reinvite(c, ZSIP_STR(SDP_HOLD), NULL, up_now(W)), 0);
	up_for(W, 20);
	raw_answer("INVITE ", 401, NULL, CHALLENGE);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "INVITE ", "Authorization: Digest"), 1);
	raw_answer_at(1, "INVITE ", 200, NULL, BOB_CONTACT, SDP_ANSWER);
	up_for(W, 20);
	assert_int_equal(up_count(A, ZSIP_UA_REINVITE_DONE), 1);
	assert_int_equal(up_last(A, ZSIP_UA_REINVITE_DONE)->status, 200);
}

/* ------------------------------------------------------------ main */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic_call_answered_acked_and_ended_by_bye, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invite_carries_contact_max_forwards_allow_body_and_extra_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invite_with_malformed_from_to_or_header_lines_is_refused_8_1_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invite_to_a_host_name_without_resolver_fails_with_ename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invite_to_an_ipv6_literal_is_sent_without_resolver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_486_fails_the_call_on_both_sides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uas_retransmits_2xx_at_t1_doubling_to_t2_then_byes_after_64_t1, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_uas_ack_stops_2xx_retransmissions_and_confirms, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_hangup_before_any_1xx_holds_cancel_until_provisional_9_1, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_hangup_of_ringing_call_cancels_and_both_sides_fail_with_487, setup, teardown),
		cmocka_unit_test_setup_teardown(test_2xx_racing_cancel_is_acked_then_byed_5407, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_after_final_response_gets_200_and_changes_nothing_9_2, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_of_pending_invite_gets_200_and_invite_487_9_2, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_matching_no_invite_gets_481_9_2, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_bye_on_early_dialog_gets_200_and_invite_487_15_1_2, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_bye_without_dialog_gets_481_15_1_2, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_bye_before_ack_ends_call_and_stops_2xx_retransmissions_5407, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_uas_hangup_before_ack_holds_bye_until_ack_15, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_transport_error_before_answer_fails_the_incoming_call_17_2_4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hangup_that_failed_for_lack_of_memory_can_be_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_2xx_from_a_third_fork_frees_both_early_dialogs_13_2_2_4, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_hangup_of_unanswered_incoming_call_rejects_with_603, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_forked_invite_second_2xx_is_acked_then_byed_13_2_2_4, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_retransmitted_2xx_gets_the_same_ack_again_6026, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_ack_carries_the_answer_given_in_the_answered_callback_13_2_2_4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reinvite_hold_and_resume_14, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_reinvite_leaves_the_call_established_14_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reinvite_glare_gets_491_and_retries_after_random_delay_14_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reinvite_while_answering_one_is_pending_14_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bye_crossing_reinvite_ends_call_once_5407, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_outside_dialog_gets_200_with_allow_accept_supported_11_2, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_options_inside_dialog_gets_200_11, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_ua_options_reports_the_answer_and_the_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_method_gets_405_with_allow_8_2_1, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_app_method_goes_to_the_application_as_request_event, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_uri_scheme_gets_416_8_2_2_1, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_require_option_gets_420_with_unsupported_8_2_2_3, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_folded_require_gets_420_and_bad_require_gets_400_8_2_2_3, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_content_type_or_encoding_gets_415_8_2_3, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_merged_request_gets_482_8_2_2_2, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_invite_past_the_call_cap_gets_503_with_retry_after, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_ua_free_with_live_calls_leaks_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_established_idle_call_holds_under_1_kib_per_side, setup, teardown),
		cmocka_unit_test_setup_teardown(test_basic_call_over_a_reliable_transport, setup_tcp, teardown),
		cmocka_unit_test_setup_teardown(test_second_ua_on_a_stack_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unacked_2xx_to_peer_reinvite_byes_after_64_t1_even_past_timer_m, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_reinvite_stuck_in_proceeding_is_ended_with_the_call, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_fork_past_the_dialog_cap_is_still_acked_and_byed, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_events_carry_the_call_handle_and_user_pointer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_183_with_early_answer_reaches_the_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invite_challenged_401_is_resent_with_credentials_22_2, setup_auth, teardown_auth),
		cmocka_unit_test_setup_teardown(test_wrong_password_fails_after_one_retry_22_2, setup_auth, teardown_auth),
		cmocka_unit_test_setup_teardown(test_cancel_after_challenge_uses_the_resent_invite_branch_9_1, setup_auth_raw, teardown_auth),
		cmocka_unit_test_setup_teardown(test_bye_challenged_407_is_resent_with_proxy_credentials_22_3, setup_auth_raw, teardown_auth),
		cmocka_unit_test_setup_teardown(test_reinvite_challenged_401_is_resent_with_credentials, setup_auth_raw, teardown_auth),
		cmocka_unit_test_setup_teardown(test_2xx_retransmitted_after_bye_is_still_acked_5407, setup_raw, teardown),
	};
	return cmocka_run_group_tests_name("call", tests, NULL, NULL);
}
