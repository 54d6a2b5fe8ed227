/* Dialog state through the UA (RFC 3261 §12): route sets (reversed at the
 * UAC, in order at the UAS), loose and strict routing of requests inside a
 * dialog (§12.2.1.1), target refresh, the local CSeq, 481 and 500
 * (§12.2.2), and where a URI sends to (names through the resolve
 * callback). One UA (alice, 192.0.2.1) against raw nodes scripted by hand:
 * bob (192.0.2.2) and two proxies (192.0.2.3, 192.0.2.4). */
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
#define BOB_CONTACT "Contact: <sip:bob@192.0.2.2>\r\n"

static struct up *W;
static struct up_node *A, *B, *P3, *P4;
static struct zsip_call *in_call;
static int answer_status;

static void hook(struct up_node *n, const struct zsip_ua_event *ev)
{
	(void)n;
	if (ev->type == ZSIP_UA_INCOMING)
		in_call = ev->call;
	if ((ev->type == ZSIP_UA_INCOMING || ev->type == ZSIP_UA_REINVITE) && answer_status)
		zsip_call_respond(ev->call, answer_status, NULL, (struct zsip_str){ NULL, 0 }, NULL,
				  NULL, ev->now_ms);
}

static int resolve(void *user, const struct zsip_uri *uri, int *tid, struct zsip_addr *dst)
{
	(void)user;
	(void)tid;
	if (zsip_str_caseeq_c(uri->host, "biloxi.example.com"))
		return zsip_addr_set(dst, "192.0.2.2", 5060);
	return -1;
}

static int setup_with(zsip_ua_resolve_fn fn)
{
	W = calloc(1, sizeof(*W));
	up_init(W, 7);
	struct zsip_ua_config cfg = { .resolve = fn };
	if (up_add(W, "192.0.2.1", 0, 0, &cfg, NULL) != 0 || up_add(W, "192.0.2.2", 1, 0, NULL, NULL) != 1 ||
	    up_add(W, "192.0.2.3", 1, 0, NULL, NULL) != 2 || up_add(W, "192.0.2.4", 1, 0, NULL, NULL) != 3)
		return -1;
	A = &W->node[0];
	B = &W->node[1];
	P3 = &W->node[2];
	P4 = &W->node[3];
	A->hook = hook;
	in_call = NULL;
	answer_status = 0;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_with(NULL);
}

static int setup_resolve(void **state)
{
	(void)state;
	return setup_with(resolve);
}

static int teardown(void **state)
{
	(void)state;
	size_t key_errors = W->key_errors;
	size_t left = up_fini(W);
	free(W);
	assert_int_equal(left, 0);
	assert_int_equal(key_errors, 0);
	return 0;
}

static struct zsip_call *call_bob(const char *target)
{
	struct zsip_call_params p = { .target = target ? target : "sip:bob@192.0.2.2" };
	struct zsip_call *c = NULL;
	assert_int_equal(zsip_call_invite(A->ua, &p, NULL, up_now(W), &c), 0);
	up_for(W, 20);
	return c;
}

static void header(const char *msg, const char *name, char *out, size_t cap)
{
	assert_int_equal(up_header(msg, name, out, cap), 0);
}

/* Every Route field of msg, joined with " | ". */
static void routes(const char *msg, char *out, size_t cap)
{
	out[0] = '\0';
	for (const char *p = strstr(msg, "\r\nRoute: "); p; p = strstr(p + 2, "\r\nRoute: ")) {
		const char *v = p + 9, *e = strstr(v, "\r\n");
		if (out[0])
			strncat(out, " | ", cap - strlen(out) - 1);
		strncat(out, v, (size_t)(e - v) < cap - strlen(out) - 1 ? (size_t)(e - v) : cap - strlen(out) - 1);
	}
}

/* §12.1.2: the UAC's route set is the 2xx's Record-Route reversed; §12.2.1.1
 * with lr on the first route: Request-URI the remote target, Route the
 * set, sent to the first route. */
static void test_uac_route_set_is_record_route_reversed_and_loose_routed_12_2_1_1(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob(NULL);
	assert_int_equal(up_answer(W, 1, "INVITE ", 200, "b1",
				   "Record-Route: <sip:192.0.2.4;lr>, <sip:192.0.2.3;lr>\r\n" BOB_CONTACT, NULL), 0);
	up_for(W, 20);
	const struct up_dgram *ack = up_rx_last(P3, "ACK ");
	assert_non_null(ack);
	assert_int_equal(strncmp(ack->buf, "ACK sip:bob@192.0.2.2 SIP/2.0", 29), 0);
	char r[256];
	routes(ack->buf, r, sizeof(r));
	assert_string_equal(r, "<sip:192.0.2.3;lr> | <sip:192.0.2.4;lr>");
	zsip_call_hangup(c, up_now(W));
	up_for(W, 20);
	const struct up_dgram *bye = up_rx_last(P3, "BYE ");
	assert_non_null(bye);
	assert_int_equal(strncmp(bye->buf, "BYE sip:bob@192.0.2.2 SIP/2.0", 29), 0);
	routes(bye->buf, r, sizeof(r));
	assert_string_equal(r, "<sip:192.0.2.3;lr> | <sip:192.0.2.4;lr>");
	/* §12.2.1.1: the local CSeq goes up by one; From/To carry both tags. */
	header(bye->buf, "CSeq", r, sizeof(r));
	assert_string_equal(r, "2 BYE");
	header(bye->buf, "To", r, sizeof(r));
	assert_non_null(strstr(r, "tag=b1"));
	header(bye->buf, "From", r, sizeof(r));
	assert_non_null(strstr(r, "tag="));
	assert_int_equal(up_rx_count(B, "BYE ", NULL), 0);
}

/* §12.2.1.1: a first route without lr is a strict router: it becomes the
 * Request-URI and the remote target goes last in Route. */
static void test_strict_route_becomes_request_uri_and_target_goes_last_12_2_1_1(void **state)
{
	(void)state;
	struct zsip_call *c = call_bob(NULL);
	assert_int_equal(up_answer(W, 1, "INVITE ", 200, "b1",
				   "Record-Route: <sip:192.0.2.4;lr>, <sip:192.0.2.3>\r\n" BOB_CONTACT, NULL), 0);
	up_for(W, 20);
	zsip_call_hangup(c, up_now(W));
	up_for(W, 20);
	const struct up_dgram *bye = up_rx_last(P3, "BYE ");
	assert_non_null(bye);
	assert_int_equal(strncmp(bye->buf, "BYE sip:192.0.2.3 SIP/2.0", 25), 0);
	char r[256];
	routes(bye->buf, r, sizeof(r));
	assert_string_equal(r, "<sip:192.0.2.4;lr> | <sip:bob@192.0.2.2>");
}

/* A raw INVITE from bob through the proxies to alice. */
static void bob_invites(const char *extra, unsigned cseq)
{
	char buf[2048];
	snprintf(buf, sizeof(buf),
		 "INVITE sip:alice@192.0.2.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKd1\r\n"
		 "From: <sip:bob@192.0.2.2>;tag=bt\r\nTo: <sip:alice@192.0.2.1>\r\n"
		 "Call-ID: dlg-1\r\nCSeq: %u INVITE\r\n" BOB_CONTACT "%sContent-Length: 0\r\n\r\n",
		 cseq, extra ? extra : "");
	up_inject(W, 1, 0, buf);
	up_for(W, 20);
}

static void alice_tag(char *out, size_t cap)
{
	const struct up_dgram *r = up_rx_last(B, "SIP/2.0 200");
	assert_non_null(r);
	char to[256];
	header(r->buf, "To", to, sizeof(to));
	snprintf(out, cap, "%s", strstr(to, "tag=") + 4);
}

static void bob_in_dialog(const char *method, const char *branch, unsigned cseq, const char *extra)
{
	char tag[64], buf[2048];
	alice_tag(tag, sizeof(tag));
	snprintf(buf, sizeof(buf),
		 "%s sip:alice@192.0.2.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=%s\r\n"
		 "From: <sip:bob@192.0.2.2>;tag=bt\r\nTo: <sip:alice@192.0.2.1>;tag=%s\r\n"
		 "Call-ID: dlg-1\r\nCSeq: %u %s\r\n%sContent-Length: 0\r\n\r\n",
		 method, branch, tag, cseq, method, extra ? extra : "");
	up_inject(W, 1, 0, buf);
	up_for(W, 20);
}

/* §12.1.1: the UAS copies Record-Route into its 2xx and keeps the route
 * set in order; its own BYE follows it. */
static void test_uas_route_set_is_record_route_in_order_12_1_1(void **state)
{
	(void)state;
	answer_status = 200;
	bob_invites("Record-Route: <sip:192.0.2.3;lr>\r\nRecord-Route: <sip:192.0.2.4;lr>\r\n", 1);
	const struct up_dgram *ok = up_rx_last(B, "SIP/2.0 200");
	assert_non_null(ok);
	char r[256];
	/* One field or two: the same list (§7.3.1). */
	header(ok->buf, "Record-Route", r, sizeof(r));
	assert_string_equal(r, "<sip:192.0.2.3;lr>, <sip:192.0.2.4;lr>");
	bob_in_dialog("ACK", "z9hG4bKd2", 1, NULL);
	zsip_call_hangup(in_call, up_now(W));
	up_for(W, 20);
	const struct up_dgram *bye = up_rx_last(P3, "BYE ");
	assert_non_null(bye);
	routes(bye->buf, r, sizeof(r));
	assert_string_equal(r, "<sip:192.0.2.3;lr> | <sip:192.0.2.4;lr>");
	assert_int_equal(strncmp(bye->buf, "BYE sip:bob@192.0.2.2 SIP/2.0", 29), 0);
}

/* §12.2.2, §14.2: a re-INVITE refreshes the remote target. */
static void test_reinvite_contact_refreshes_remote_target_12_2_2(void **state)
{
	(void)state;
	answer_status = 200;
	bob_invites(NULL, 1);
	bob_in_dialog("ACK", "z9hG4bKd2", 1, NULL);
	bob_in_dialog("INVITE", "z9hG4bKd3", 2, "Contact: <sip:bob@192.0.2.4>\r\n");
	assert_int_equal(up_rx_count(B, "SIP/2.0 200", "2 INVITE"), 1);
	bob_in_dialog("ACK", "z9hG4bKd4", 2, NULL);
	zsip_call_hangup(in_call, up_now(W));
	up_for(W, 20);
	const struct up_dgram *bye = up_rx_last(P4, "BYE ");
	assert_non_null(bye);
	assert_int_equal(strncmp(bye->buf, "BYE sip:bob@192.0.2.4 SIP/2.0", 29), 0);
}

/* §12.2.2: a request with a CSeq lower than the dialog's: 500. */
static void test_in_dialog_request_with_lower_cseq_gets_500_12_2_2(void **state)
{
	(void)state;
	answer_status = 200;
	bob_invites(NULL, 5);
	bob_in_dialog("ACK", "z9hG4bKd2", 5, NULL);
	bob_in_dialog("OPTIONS", "z9hG4bKd5", 3, NULL);
	assert_int_equal(up_rx_count(B, "SIP/2.0 500", "3 OPTIONS"), 1);
	bob_in_dialog("OPTIONS", "z9hG4bKd6", 6, NULL);
	assert_int_equal(up_rx_count(B, "SIP/2.0 200", "6 OPTIONS"), 1);
}

/* §12.2.2: a request with a To tag that matches no dialog: 481. */
static void test_request_for_unknown_dialog_gets_481_12_2_2(void **state)
{
	(void)state;
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "OPTIONS sip:alice@192.0.2.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKu1\r\n"
		 "From: <sip:bob@192.0.2.2>;tag=bt\r\nTo: <sip:alice@192.0.2.1>;tag=gone\r\n"
		 "Call-ID: nodialog\r\nCSeq: 9 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	up_inject(W, 1, 0, buf);
	up_for(W, 20);
	assert_int_equal(up_rx_count(B, "SIP/2.0 481", NULL), 1);
	struct zsip_ua_stats st;
	zsip_ua_stats(A->ua, &st);
	assert_int_equal(st.answered_481, 1);
}

/* Names: with a resolve callback the UA asks it; a refusal is
 * ZSIP_ERESOLVE. */
static void test_names_go_through_the_resolve_callback(void **state)
{
	(void)state;
	call_bob("sip:bob@biloxi.example.com");
	assert_int_equal(up_rx_count(B, "INVITE sip:bob@biloxi.example.com ", NULL), 1);
	struct zsip_call_params p = { .target = "sip:carol@chicago.example.com" };
	struct zsip_call *c = (void *)1;
	assert_int_equal(zsip_call_invite(A->ua, &p, NULL, up_now(W), &c), ZSIP_ERESOLVE);
	assert_null(c);
}

/* An outbound proxy: the INVITE carries it as Route and goes there. */
static void test_outbound_proxy_is_the_first_route_of_the_invite(void **state)
{
	(void)state;
	struct zsip_call_params p = { .target = "sip:bob@192.0.2.2", .route = "sip:192.0.2.3;lr" };
	struct zsip_call *c;
	assert_int_equal(zsip_call_invite(A->ua, &p, NULL, up_now(W), &c), 0);
	up_for(W, 20);
	const struct up_dgram *inv = up_rx_last(P3, "INVITE ");
	assert_non_null(inv);
	char r[128];
	routes(inv->buf, r, sizeof(r));
	assert_string_equal(r, "<sip:192.0.2.3;lr>");
	assert_int_equal(strncmp(inv->buf, "INVITE sip:bob@192.0.2.2 SIP/2.0", 32), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_uac_route_set_is_record_route_reversed_and_loose_routed_12_2_1_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_route_becomes_request_uri_and_target_goes_last_12_2_1_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uas_route_set_is_record_route_in_order_12_1_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reinvite_contact_refreshes_remote_target_12_2_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_dialog_request_with_lower_cseq_gets_500_12_2_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_for_unknown_dialog_gets_481_12_2_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_go_through_the_resolve_callback, setup_resolve, teardown),
		cmocka_unit_test_setup_teardown(test_outbound_proxy_is_the_first_route_of_the_invite, setup, teardown),
	};
	return cmocka_run_group_tests_name("dialog", tests, NULL, NULL);
}
