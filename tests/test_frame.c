/* zsip_frame (src/msg/frame.c): cutting messages off a byte stream. Over
 * TCP and TLS a message ends where its Content-Length says, and
 * Content-Length is mandatory (RFC 3261 §18.3); CRLF keep-alives may stand
 * between messages (RFC 5626 §3.5.1).
 *
 * Inputs are exactly sized heap copies so `make check` catches any read
 * past the bytes received so far. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <cmocka.h>

#include "zsip/msg.h"
#include "support/msgexpect.h"

#define CORPUS_DIR ZSIP_SHARED_DIR "/corpus"

static char *load_corpus(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", CORPUS_DIR, name);
	char *b = mx_load(path, len);
	if (!b)
		fail_msg("cannot read %s", path);
	return b;
}

/* Frames text[0 .. n) from an exact copy; returns the kind, sets *used. */
static int frame_n(const char *text, size_t n, const struct zsip_limits *lim, size_t *used)
{
	char *b = mx_copy(text, n);
	*used = 12345;
	int rc = zsip_frame(b, n, lim, used);
	free(b);
	return rc;
}

static int frame_s(const char *text, size_t *used)
{
	return frame_n(text, strlen(text), NULL, used);
}

static const char *kind(int rc)
{
	switch (rc) {
	case ZSIP_FRAME_MORE: return "MORE";
	case ZSIP_FRAME_MESSAGE: return "MESSAGE";
	case ZSIP_FRAME_PING: return "PING";
	case ZSIP_FRAME_PONG: return "PONG";
	default: return zsip_strerror(rc);
	}
}

/* call runs first: it sets used */
#define assert_frame(call, used, want_rc, want_used)                                   \
	do {                                                                            \
		int rc_ = (call);                                                       \
		assert_frame_(rc_, (used), (want_rc), (want_used), __FILE__, __LINE__); \
	} while (0)
static void assert_frame_(int rc, size_t used, int want_rc, size_t want_used, const char *file, int line)
{
	if (rc != want_rc || (rc >= 0 && used != want_used)) {
		print_error("frame: got %s used %zu, expected %s used %zu\n", kind(rc), used, kind(want_rc),
			    want_used);
		_fail(file, line);
	}
}

#define HEAD(cl)                                                              \
	"MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\n"                      \
	"Via: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bKm1\r\n"      \
	"Max-Forwards: 70\r\n"                                                \
	"To: <sip:bob@biloxi.example.com>\r\n"                                \
	"From: <sip:alice@atlanta.example.com>;tag=1\r\n"                     \
	"Call-ID: frame-1@atlanta.example.com\r\n"                            \
	"CSeq: 1 MESSAGE\r\n"                                                 \
	"Content-Type: text/plain\r\n" cl "\r\n"

static void check_every_split(const char *name)
{
	size_t len, used;
	char *buf = load_corpus(name, &len);
	for (size_t n = 0; n < len; n++) {
		int rc = frame_n(buf, n, NULL, &used);
		if (rc != ZSIP_FRAME_MORE || used != 0)
			fail_msg("%s cut to %zu of %zu bytes: %s used %zu, expected MORE", name, n, len, kind(rc), used);
	}
	assert_frame(frame_n(buf, len, NULL, &used), used, ZSIP_FRAME_MESSAGE, len);
	free(buf);
}

static void test_frame_needs_more_at_every_split_point_rfc3261_18_3(void **state)
{
	(void)state;
	check_every_split("01-invite-sdp.sip");  /* a body of 271 bytes */
	check_every_split("13-options.sip");     /* Content-Length 0 */
	check_every_split("14-invite-compact.sip"); /* "l:" */
}

static void test_frame_ends_the_message_after_content_length_body_bytes_rfc3261_18_3(void **state)
{
	(void)state;
	size_t used;
	/* a blank line inside the body does not end it */
	static const char msg[] = HEAD("Content-Length: 10\r\n") "ab\r\n\r\ncdefNEXT";
	size_t head = sizeof msg - 1 - 14;
	assert_frame(frame_s(msg, &used), used, ZSIP_FRAME_MESSAGE, head + 10);
	/* nor does text in the body that looks like a header */
	static const char msg2[] = HEAD("Content-Length: 22\r\n") "Content-Length: 9999\r\n";
	assert_frame(frame_s(msg2, &used), used, ZSIP_FRAME_MESSAGE, sizeof msg2 - 1);
}

static void test_frame_splits_two_pipelined_messages_rfc3261_18_3(void **state)
{
	(void)state;
	size_t l1, l2, used;
	char *a = load_corpus("01-invite-sdp.sip", &l1);
	char *b = load_corpus("07-bye.sip", &l2);
	char *both = malloc(l1 + l2);
	assert_non_null(both);
	memcpy(both, a, l1);
	memcpy(both + l1, b, l2);
	/* however much of the second one has arrived, the first is whole */
	for (size_t n = l1; n <= l1 + l2; n++)
		assert_frame(frame_n(both, n, NULL, &used), used, ZSIP_FRAME_MESSAGE, l1);
	assert_frame(frame_n(both + l1, l2, NULL, &used), used, ZSIP_FRAME_MESSAGE, l2);
	/* each framed message parses as itself */
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	char *first = mx_copy(both, l1);
	assert_int_equal(zsip_msg_parse(m, first, l1, NULL), (int)l1);
	assert_int_equal(m->method_id, ZSIP_METHOD_INVITE);
	free(first);
	free(m);
	free(both);
	free(a);
	free(b);
}

static void test_frame_crlfcrlf_is_a_ping_rfc5626_3_5_1(void **state)
{
	(void)state;
	size_t used;
	assert_frame(frame_s("\r\n\r\n", &used), used, ZSIP_FRAME_PING, 4);
	static const char msg[] = "\r\n\r\n" HEAD("Content-Length: 0\r\n");
	assert_frame(frame_s(msg, &used), used, ZSIP_FRAME_PING, 4);
	assert_frame(frame_s(msg + 4, &used), used, ZSIP_FRAME_MESSAGE, sizeof msg - 1 - 4);
	/* two pings in a row are two pings */
	assert_frame(frame_s("\r\n\r\n\r\n\r\n", &used), used, ZSIP_FRAME_PING, 4);
}

static void test_frame_single_crlf_is_a_pong_rfc5626_3_5_1(void **state)
{
	(void)state;
	size_t used;
	static const char msg[] = "\r\n" HEAD("Content-Length: 0\r\n");
	assert_frame(frame_s(msg, &used), used, ZSIP_FRAME_PONG, 2);
	assert_frame(frame_s(msg + 2, &used), used, ZSIP_FRAME_MESSAGE, sizeof msg - 1 - 2);
}

static void test_frame_waits_while_a_keepalive_may_still_be_a_ping_rfc5626_3_5_1(void **state)
{
	(void)state;
	size_t used;
	assert_frame(frame_s("\r", &used), used, ZSIP_FRAME_MORE, 0);
	assert_frame(frame_s("\r\n\r", &used), used, ZSIP_FRAME_MORE, 0);
	/* a lone CRLF is a whole pong or the first half of a ping: either
	 * answer is right, nothing else is */
	int rc = frame_s("\r\n", &used);
	if (!(rc == ZSIP_FRAME_PONG && used == 2) && !(rc == ZSIP_FRAME_MORE && used == 0))
		fail_msg("lone CRLF: %s used %zu", kind(rc), used);
}

static void test_frame_without_content_length_is_an_error_on_a_stream_rfc3261_18_3(void **state)
{
	(void)state;
	size_t used;
	static const char msg[] = HEAD("") "hello";
	mx_assert_err(frame_s(msg, &used), ZSIP_ECLEN);
	/* a control byte where the name has '-' makes another name */
	static const char cr[] = HEAD("Content\x0dLength: 5\r\n") "hello";
	mx_assert_err(frame_s(cr, &used), ZSIP_ECLEN);
	/* until the header block is whole there is no telling */
	static const char part[] = "MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n";
	assert_frame(frame_s(part, &used), used, ZSIP_FRAME_MORE, 0);
}

static void test_frame_negative_or_garbage_content_length_is_an_error_rfc3261_20_14(void **state)
{
	(void)state;
	static const char *const bad[] = {
		HEAD("Content-Length: -5\r\n") "hello",
		HEAD("Content-Length: abc\r\n") "hello",
		HEAD("Content-Length: 12abc\r\n") "hello",
		HEAD("Content-Length: \r\n") "hello",
		HEAD("Content-Length: 5\r\nContent-Length: 6\r\n") "hello!",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t used;
		int rc = frame_s(bad[i], &used);
		if (rc != ZSIP_ECLEN)
			fail_msg("case %zu: %s, expected %s", i, kind(rc), zsip_strerror(ZSIP_ECLEN));
	}
}

static void test_frame_reads_content_length_in_any_form_rfc3261_7_3_3(void **state)
{
	(void)state;
	static const char *const ok[] = {
		HEAD("l: 5\r\n") "helloNEXT",
		HEAD("L: 5\r\n") "helloNEXT",
		HEAD("content-length: 5\r\n") "helloNEXT",
		HEAD("CONTENT-LENGTH  :  5\r\n") "helloNEXT",
		HEAD("Content-Length:\r\n 5\r\n") "helloNEXT",
		HEAD("Content-Length: 005\r\n") "helloNEXT",
		/* names that only start like it are other headers */
		HEAD("Lang: 7\r\nX-Content-Length: 99\r\nContent-Length: 5\r\nContent-Length-X: 8\r\n") "helloNEXT",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		size_t used, len = strlen(ok[i]);
		int rc = frame_s(ok[i], &used);
		if (rc != ZSIP_FRAME_MESSAGE || used != len - 4)
			fail_msg("case %zu: %s used %zu, expected MESSAGE used %zu", i, kind(rc), used, len - 4);
	}
}

static void test_frame_stops_at_limits_instead_of_waiting(void **state)
{
	(void)state;
	size_t used;
	struct zsip_limits lim = { 1000, ZSIP_MAX_HEADERS, 8192 };
	/* Content-Length says the message will not fit: no need to wait for it */
	static const char big[] = HEAD("Content-Length: 60000\r\n") "first bytes";
	mx_assert_err(frame_n(big, sizeof big - 1, &lim, &used), ZSIP_ETOOBIG);
	mx_assert_err(frame_n(big, sizeof big - 1, NULL, &used), ZSIP_FRAME_MORE);
	static const char huge[] = HEAD("Content-Length: 70000\r\n") "first bytes";
	mx_assert_err(frame_n(huge, sizeof huge - 1, NULL, &used), ZSIP_ETOOBIG);
	/* a header block that never ends */
	char *endless = malloc(2000);
	assert_non_null(endless);
	memcpy(endless, "MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\n", 44);
	for (size_t i = 44; i + 12 <= 2000; i += 12)
		memcpy(endless + i, "X-Pad: abc\r\n", 12);
	memset(endless + 44 + 12 * ((2000 - 44) / 12), 'x', (2000 - 44) % 12);
	mx_assert_err(frame_n(endless, 2000, &lim, &used), ZSIP_ETOOBIG);
	free(endless);
	/* a message of exactly the limit fits */
	size_t len;
	char *b = load_corpus("01-invite-sdp.sip", &len);
	lim.max_msg_size = len;
	assert_frame(frame_n(b, len, &lim, &used), used, ZSIP_FRAME_MESSAGE, len);
	lim.max_msg_size = len - 1;
	mx_assert_err(frame_n(b, len, &lim, &used), ZSIP_ETOOBIG);
	free(b);
}

static void test_frame_and_parse_agree_on_every_corpus_message(void **state)
{
	(void)state;
	DIR *d = opendir(CORPUS_DIR);
	assert_non_null(d);
	struct dirent *e;
	int n = 0;
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l <= 4 || strcmp(e->d_name + l - 4, ".sip") != 0)
			continue;
		size_t len, used;
		char *b = load_corpus(e->d_name, &len);
		int rc = frame_n(b, len, NULL, &used);
		if (rc != ZSIP_FRAME_MESSAGE || used != len)
			fail_msg("%s: %s used %zu of %zu", e->d_name, kind(rc), used, len);
		assert_int_equal(zsip_msg_parse(m, b, used, NULL), (int)used);
		free(b);
		n++;
	}
	closedir(d);
	free(m);
	assert_true(n >= 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_needs_more_at_every_split_point_rfc3261_18_3),
		cmocka_unit_test(test_frame_ends_the_message_after_content_length_body_bytes_rfc3261_18_3),
		cmocka_unit_test(test_frame_splits_two_pipelined_messages_rfc3261_18_3),
		cmocka_unit_test(test_frame_crlfcrlf_is_a_ping_rfc5626_3_5_1),
		cmocka_unit_test(test_frame_single_crlf_is_a_pong_rfc5626_3_5_1),
		cmocka_unit_test(test_frame_waits_while_a_keepalive_may_still_be_a_ping_rfc5626_3_5_1),
		cmocka_unit_test(test_frame_without_content_length_is_an_error_on_a_stream_rfc3261_18_3),
		cmocka_unit_test(test_frame_negative_or_garbage_content_length_is_an_error_rfc3261_20_14),
		cmocka_unit_test(test_frame_reads_content_length_in_any_form_rfc3261_7_3_3),
		cmocka_unit_test(test_frame_stops_at_limits_instead_of_waiting),
		cmocka_unit_test(test_frame_and_parse_agree_on_every_corpus_message),
	};
	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
