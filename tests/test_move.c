/* zsipi_msg_move (src/msg/move.c): a parsed request carried over to a copy
 * of its bytes with received and rport put into its top Via (RFC 3261
 * §18.2.1, RFC 3581 §4) must read exactly as a second parse of the copy
 * would: the transaction layer hands it to the TU instead of parsing the
 * request again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg/msgi.h"
#include "support/msgcmp.h"
#include "zsip/msg.h"

/* Same bytes at the same offsets, or both absent. */
static void same(struct zsip_str a, const char *abuf, struct zsip_str b, const char *bbuf,
		 const char *what)
{
	if (!a.p || !b.p) {
		if (a.p != b.p)
			fail_msg("%s: present in one only", what);
		return;
	}
	if (a.p - abuf != b.p - bbuf || a.len != b.len)
		fail_msg("%s: at %td+%zu, a parse gives %td+%zu", what, a.p - abuf, a.len,
			 b.p - bbuf, b.len);
}

#define SAME(f) same(mv.f, mv.buf, re.f, re.buf, #f)
#define SAME_URI(u) do { SAME(u.raw); SAME(u.scheme); SAME(u.user); SAME(u.password); \
		SAME(u.host); SAME(u.port_str); SAME(u.params); SAME(u.headers); } while (0)

/* Inserts ins[i] at the end of the first occurrence of after[i] in text
 * past the previous insertion ("": at the previous point), moves the parse of text onto the result and compares
 * it with a parse of the result. */
static void check(const char *text, const char *const *after, const char *const *ins, size_t n)
{
	static struct zsip_msg mv, re;
	size_t len = strlen(text);
	assert_true(zsip_msg_parse(&mv, text, len, NULL) > 0);
	char out[2048];
	size_t at[2], add[2], o = 0, from = 0;
	for (size_t i = 0; i < n; i++) {
		const char *hit = *after[i] ? strstr(text + from, after[i]) : text + from;
		assert_non_null(hit);
		at[i] = (size_t)(hit - text) + strlen(after[i]);
		add[i] = strlen(ins[i]);
		memcpy(out + o, text + from, at[i] - from);
		o += at[i] - from;
		memcpy(out + o, ins[i], add[i]);
		o += add[i];
		from = at[i];
	}
	memcpy(out + o, text + from, len - from);
	o += len - from;

	assert_int_equal(zsipi_msg_move(&mv, out, at, add, n), 0);
	assert_true(zsip_msg_parse(&re, out, o, NULL) > 0);
	assert_ptr_equal(mv.buf, out);
	assert_int_equal(mv.len, o);
	char why[256];
	if (msgcmp(&mv, &re, 0, why, sizeof why) != 0)
		fail_msg("moved and parsed differ: %s", why);
	SAME(method); SAME(ruri_str); SAME_URI(ruri); SAME(reason);
	SAME(via.protocol); SAME(via.version); SAME(via.transport); SAME(via.host);
	SAME(via.params); SAME(via.branch); SAME(via.received); SAME(via.rport);
	SAME(via.maddr); SAME(via.ttl);
	assert_int_equal(mv.via.port, re.via.port);
	SAME(from.display); SAME_URI(from.uri); SAME(from.params); SAME(from.tag);
	SAME(to.display); SAME_URI(to.uri); SAME(to.params); SAME(to.tag);
	SAME(call_id); SAME(cseq.method); SAME(body); SAME(head);
	assert_int_equal(mv.nhdr, re.nhdr);
	for (unsigned i = 0; i < mv.nhdr; i++) {
		SAME(hdr[i].name);
		SAME(hdr[i].value);
		assert_int_equal(mv.hdr[i].line_len, re.hdr[i].line_len);
	}
}

static const char invite[] =
	"INVITE sip:bob@biloxi.example.com;transport=udp SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.7:5060;rport;branch=z9hG4bKr3\r\n"
	"Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKlower\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: \"Alice\" <sip:alice@atlanta.example.com:5070;user=ip>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 4\r\n"
	"\r\n"
	"v=0\n";

/* RFC 3581 §4: rport gets the source port; §18.2.1: received the address. */
static void test_move_rport_and_received_match_a_second_parse_rfc3581_4(void **state)
{
	(void)state;
	const char *after[] = { ";rport", ";branch=z9hG4bKr3" };
	const char *ins[] = { "=40000", ";received=192.0.2.9" };
	check(invite, after, ins, 2);
}

/* §18.2.1: received alone, at the end of the first of two values in one
 * field; the second value and every later field move. */
static void test_move_received_in_first_of_two_values_18_2_1(void **state)
{
	(void)state;
	static const char req[] =
		"OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
		"v: SIP/2.0/UDP client.example.com:5062;branch=z9hG4bKo1 ,\r\n"
		"  SIP/2.0/TCP proxy.example.com;branch=z9hG4bKo2\r\n"
		"To: <sip:carol@chicago.example.com>\r\n"
		"From: <sip:alice@atlanta.example.com>;tag=x1\r\n"
		"Call-ID: o1\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Timestamp: 54\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	const char *after[] = { "branch=z9hG4bKo1" };
	const char *ins[] = { ";received=192.0.2.9" };
	check(req, after, ins, 1);
}

/* The two edits at the same point: "rport" last and the value ends there. */
static void test_move_rport_value_and_received_at_one_point_rfc3581_4(void **state)
{
	(void)state;
	static const char req[] =
		"BYE sip:bob@192.0.2.4 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bKb1;rport\r\n"
		"To: <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
		"From: <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		"Call-ID: b1\r\n"
		"CSeq: 2 BYE\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	const char *after[] = { ";rport", "" };
	const char *ins[] = { "=5062", ";received=2001:db8::10" };
	check(req, after, ins, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_rport_and_received_match_a_second_parse_rfc3581_4),
		cmocka_unit_test(test_move_received_in_first_of_two_values_18_2_1),
		cmocka_unit_test(test_move_rport_value_and_received_at_one_point_rfc3581_4),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
