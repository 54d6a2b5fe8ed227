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
	size_t left = up_fini(W);
	free(W);
	/* zsip_stack_free frees the UA and everything it held. */
	assert_int_equal(left, 0);
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
	const struct up_dgram *r = up_rx_last(B, "SIP/2.0 ");
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

/* ------------------------------------------------------------ main */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic_call_answered_acked_and_ended_by_bye, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invite_carries_contact_max_forwards_allow_body_and_extra_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invite_to_a_host_name_without_resolver_fails_with_ename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invite_to_an_ipv6_literal_is_sent_without_resolver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_486_fails_the_call_on_both_sides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uas_retransmits_2xx_at_t1_doubling_to_t2_then_byes_after_64_t1, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_uas_ack_stops_2xx_retransmissions_and_confirms, setup_raw, teardown),
	};
	return cmocka_run_group_tests_name("call", tests, NULL, NULL);
}
