/* zsip_msg_parse and its accessors (src/msg/parse.c, err.c, str.c): the
 * start line, header field syntax, the checks RFC 3261 puts on a received
 * message, the configured limits, the error codes and offsets, and the
 * messages of ZSIP_SHARED_DIR/corpus.
 *
 * Every input is parsed from an exactly sized heap copy (no NUL after it)
 * so that `make check` catches any read past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <dirent.h>
#include <cmocka.h>

#include "zsip/msg.h"
#include "msg/scan.h"
#include "support/msgexpect.h"

#define CORPUS_DIR ZSIP_SHARED_DIR "/corpus"

/* ------------------------------------------------------------ helpers */

struct pm {
	struct zsip_msg m;
	char *buf;
	size_t len;
	int rc;
};

static struct pm *parse_n(const char *text, size_t n, const struct zsip_limits *lim)
{
	struct pm *p = malloc(sizeof *p);
	assert_non_null(p);
	p->buf = mx_copy(text, n);
	p->len = n;
	p->rc = zsip_msg_parse(&p->m, p->buf, n, lim);
	return p;
}

static struct pm *parse_s(const char *text)
{
	return parse_n(text, strlen(text), NULL);
}

static void pm_free(struct pm *p)
{
	if (p) {
		free(p->buf);
		free(p);
	}
}

/* Parses text and asserts it is accepted whole. */
#define parse_ok(text) parse_ok_((text), __FILE__, __LINE__)
static struct pm *parse_ok_(const char *text, const char *file, int line)
{
	struct pm *p = parse_s(text);
	if (p->rc < 0) {
		print_error("rejected: %d (%s) at offset %zu in:\n%s\n", p->rc, zsip_strerror(p->rc), p->m.err_off,
			    text);
		_fail(file, line);
	}
	if ((size_t)p->rc != p->len) {
		print_error("accepted %d bytes of %zu\n", p->rc, p->len);
		_fail(file, line);
	}
	mx_check_sane_(&p->m, p->buf, p->len, p->rc, file, line);
	return p;
}

/* Parses text, asserts it fails with err, and returns err_off. */
#define parse_err(text, err) parse_err_((text), (err), __FILE__, __LINE__)
static size_t parse_err_(const char *text, int err, const char *file, int line)
{
	struct pm *p = parse_s(text);
	if (p->rc != err) {
		print_error("expected %d (%s), got %d (%s) for:\n%s\n", err, zsip_strerror(err), p->rc,
			    p->rc < 0 ? zsip_strerror(p->rc) : "accepted", text);
		_fail(file, line);
	}
	if (p->m.err_off > p->len) {
		print_error("err_off %zu past the input (%zu bytes)\n", p->m.err_off, p->len);
		_fail(file, line);
	}
	size_t off = p->m.err_off;
	pm_free(p);
	return off;
}

/* The pieces of a well-formed request (RFC 3261 §24.2 style). */
#define RL   "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
#define VIA  "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877\r\n"
#define MF   "Max-Forwards: 70\r\n"
#define TO   "To: <sip:carol@chicago.example.com>\r\n"
#define FROM "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
#define CID  "Call-ID: a84b4c76e66710\r\n"
#define CSEQ "CSeq: 63104 OPTIONS\r\n"
#define CL0  "Content-Length: 0\r\n"
#define HDRS VIA MF TO FROM CID CSEQ
#define REQ  RL HDRS CL0 "\r\n"
/* A response to it. */
#define SL   "SIP/2.0 200 OK\r\n"
#define RHDRS VIA "To: <sip:carol@chicago.example.com>;tag=93810874\r\n" FROM CID CSEQ

static char *load_corpus(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", CORPUS_DIR, name);
	char *b = mx_load(path, len);
	if (!b)
		fail_msg("cannot read %s", path);
	return b;
}

static const struct zsip_limits defaults = { 65535, ZSIP_MAX_HEADERS, 8192 };

/* ------------------------------------------------------- start lines */

static void test_request_line_and_headers_are_read_rfc3261_7_1(void **state)
{
	(void)state;
	struct pm *p = parse_ok(REQ);
	const struct zsip_msg *m = &p->m;
	assert_true(m->is_request);
	mx_assert_str(m->method, "OPTIONS");
	assert_int_equal(m->method_id, ZSIP_METHOD_OPTIONS);
	mx_assert_str(m->ruri_str, "sip:carol@chicago.example.com");
	assert_int_equal(m->ruri.scheme_id, ZSIP_URI_SIP);
	mx_assert_str(m->ruri.user, "carol");
	mx_assert_str(m->ruri.host, "chicago.example.com");
	mx_assert_str(m->via.transport, "UDP");
	mx_assert_str(m->via.host, "pc33.atlanta.example.com");
	mx_assert_str(m->via.branch, "z9hG4bKhjhs8ass877");
	mx_assert_str(m->from.tag, "1928301774");
	mx_assert_str(m->from.display, "Alice");
	mx_assert_str(m->to.tag, NULL);
	mx_assert_str(m->call_id, "a84b4c76e66710");
	assert_int_equal(m->cseq.num, 63104);
	mx_assert_str(m->cseq.method, "OPTIONS");
	assert_int_equal(m->cseq.method_id, ZSIP_METHOD_OPTIONS);
	assert_int_equal(m->max_forwards, 70);
	assert_int_equal(m->content_length, 0);
	assert_non_null(m->body.p);
	assert_int_equal(m->body.len, 0);
	assert_int_equal(m->nhdr, 7);
	assert_int_equal(m->head.len, p->len);
	mx_assert_str(m->hdr[0].name, "Via");
	mx_assert_str(m->hdr[6].name, "Content-Length");
	mx_assert_str(m->hdr[6].value, "0");
	assert_int_equal(m->hdr[6].line_len, strlen(CL0));
	pm_free(p);
}

static void test_status_line_code_and_reason_are_read_rfc3261_7_2(void **state)
{
	(void)state;
	struct pm *p = parse_ok("SIP/2.0 180 Ringing\r\n" RHDRS CL0 "\r\n");
	assert_false(p->m.is_request);
	assert_int_equal(p->m.status, 180);
	mx_assert_str(p->m.reason, "Ringing");
	mx_assert_str(p->m.to.tag, "93810874");
	/* RFC 3261 §8.1.1.6: Max-Forwards is a request header */
	assert_int_equal(p->m.max_forwards, -1);
	pm_free(p);

	/* Reason-Phrase = *(reserved / unreserved / escaped / UTF8-NONASCII /
	 * UTF8-CONT / SP / HTAB) (§25.1): spaces and UTF-8 stay in it */
	p = parse_ok("SIP/2.0 486 Busy Here \xc3\xa9t\xc3\xa9\r\n" RHDRS CL0 "\r\n");
	mx_assert_str(p->m.reason, "Busy Here \xc3\xa9t\xc3\xa9");
	pm_free(p);
}

static void test_status_line_with_empty_reason_phrase_rfc4475_3_1_1_13(void **state)
{
	(void)state;
	struct pm *p = parse_ok("SIP/2.0 100 \r\n" RHDRS CL0 "\r\n");
	assert_int_equal(p->m.status, 100);
	mx_assert_str(p->m.reason, "");
	pm_free(p);
}

static void test_request_line_with_two_spaces_is_rejected_rfc4475_3_1_2_9(void **state)
{
	(void)state;
	parse_err("OPTIONS  sip:carol@chicago.example.com SIP/2.0\r\n" HDRS CL0 "\r\n", ZSIP_ESTARTLINE);
	parse_err("OPTIONS sip:carol@chicago.example.com  SIP/2.0\r\n" HDRS CL0 "\r\n", ZSIP_ESTARTLINE);
	assert_int_equal(zsip_err_status(ZSIP_ESTARTLINE, NULL), 400);
}

static void test_request_line_with_space_after_version_is_rejected_rfc4475_3_1_2_10(void **state)
{
	(void)state;
	parse_err("OPTIONS sip:carol@chicago.example.com SIP/2.0 \r\n" HDRS CL0 "\r\n", ZSIP_ESTARTLINE);
}

static void test_request_line_separators_are_single_sp_not_tab_rfc3261_25_1(void **state)
{
	(void)state;
	parse_err("OPTIONS\tsip:carol@chicago.example.com SIP/2.0\r\n" HDRS CL0 "\r\n", ZSIP_ESTARTLINE);
}

static void test_request_line_without_version_is_rejected_rfc3261_7_1(void **state)
{
	(void)state;
	parse_err("OPTIONS sip:carol@chicago.example.com\r\n" HDRS CL0 "\r\n", ZSIP_ESTARTLINE);
}

static void test_method_with_non_token_character_is_rejected_rfc3261_25_1(void **state)
{
	(void)state;
	parse_err("OPT(IONS sip:carol@chicago.example.com SIP/2.0\r\n" HDRS CL0 "\r\n", ZSIP_EMETHOD);
	parse_err("OPT@IONS sip:carol@chicago.example.com SIP/2.0\r\n" HDRS CL0 "\r\n", ZSIP_EMETHOD);
}

static void test_methods_are_case_sensitive_rfc3261_7_1(void **state)
{
	(void)state;
	struct pm *p = parse_ok("options sip:carol@chicago.example.com SIP/2.0\r\n" VIA MF TO FROM CID
				"CSeq: 63104 options\r\n" CL0 "\r\n");
	assert_int_equal(p->m.method_id, ZSIP_METHOD_OTHER);
	mx_assert_str(p->m.method, "options");
	pm_free(p);
	assert_int_equal(zsip_method_id(ZSIP_STR("invite")), ZSIP_METHOD_OTHER);
	assert_int_equal(zsip_method_id(ZSIP_STR("Invite")), ZSIP_METHOD_OTHER);
}

static void test_extension_method_is_other_and_keeps_its_token_rfc3261_8_2_1(void **state)
{
	(void)state;
	struct pm *p = parse_ok("FOO sip:carol@chicago.example.com SIP/2.0\r\n" VIA MF TO FROM CID
				"CSeq: 1 FOO\r\n" CL0 "\r\n");
	assert_int_equal(p->m.method_id, ZSIP_METHOD_OTHER);
	mx_assert_str(p->m.method, "FOO");
	assert_int_equal(p->m.cseq.method_id, ZSIP_METHOD_OTHER);
	pm_free(p);
}

static void test_known_methods_map_to_their_ids_and_back_rfc3261_7_1(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum zsip_method id;
	} t[] = {
		{ "INVITE", ZSIP_METHOD_INVITE },     { "ACK", ZSIP_METHOD_ACK },
		{ "BYE", ZSIP_METHOD_BYE },           { "CANCEL", ZSIP_METHOD_CANCEL },
		{ "REGISTER", ZSIP_METHOD_REGISTER }, { "OPTIONS", ZSIP_METHOD_OPTIONS },
		{ "PRACK", ZSIP_METHOD_PRACK },       { "SUBSCRIBE", ZSIP_METHOD_SUBSCRIBE },
		{ "NOTIFY", ZSIP_METHOD_NOTIFY },     { "PUBLISH", ZSIP_METHOD_PUBLISH },
		{ "INFO", ZSIP_METHOD_INFO },         { "REFER", ZSIP_METHOD_REFER },
		{ "MESSAGE", ZSIP_METHOD_MESSAGE },   { "UPDATE", ZSIP_METHOD_UPDATE },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(zsip_method_id(zsip_str_c(t[i].name)), t[i].id);
		assert_string_equal(zsip_method_name(t[i].id), t[i].name);
		/* a name one byte off, at any position, is no known method (the
		 * compare reads the name as overlapping words: each byte counts) */
		char buf[16];
		size_t n = strlen(t[i].name);
		for (size_t k = 0; k < n; k++) {
			memcpy(buf, t[i].name, n);
			buf[k] = 'Z';
			assert_int_equal(zsip_method_id((struct zsip_str){ buf, n }), ZSIP_METHOD_OTHER);
		}
	}
	assert_string_equal(zsip_method_name(ZSIP_METHOD_OTHER), "");
	assert_int_equal(zsip_method_id(ZSIP_STR("INVITES")), ZSIP_METHOD_OTHER);
	assert_int_equal(zsip_method_id(ZSIP_STR("INVIT")), ZSIP_METHOD_OTHER);
	assert_int_equal(zsip_method_id(ZSIP_STR("INFA")), ZSIP_METHOD_OTHER);
	assert_int_equal(zsip_method_id(ZSIP_STR("")), ZSIP_METHOD_OTHER);
}

static void test_sip_version_other_than_2_0_is_answered_505_rfc3261_21_5_6(void **state)
{
	(void)state;
	static const char *const v[] = { "SIP/7.0", "SIP/2.1", "SIP/3.0", "SIP/1.0" };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char msg[1024];
		snprintf(msg, sizeof msg, "OPTIONS sip:carol@chicago.example.com %s\r\n" HDRS CL0 "\r\n", v[i]);
		parse_err(msg, ZSIP_EVERSION);
	}
	const char *reason = NULL;
	assert_int_equal(zsip_err_status(ZSIP_EVERSION, &reason), 505);
	assert_non_null(reason);
	assert_non_null(strstr(reason, "Version"));
	/* a response with another version is malformed too (RFC 3261 §7.2) */
	parse_err("SIP/3.0 200 OK\r\n" RHDRS CL0 "\r\n", ZSIP_EVERSION);
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (§25.1): what is not one is
 * a malformed start line (400), not an unsupported version (505). */
static void test_something_that_is_not_a_sip_version_is_a_bad_start_line_rfc3261_25_1(void **state)
{
	(void)state;
	static const char *const v[] = { "HTTP/1.1", "SIP/2", "SIP/2.0.1", "SIP/.0", "SIP2.0", "SIP/2.0x" };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char msg[1024];
		snprintf(msg, sizeof msg, "OPTIONS sip:carol@chicago.example.com %s\r\n" HDRS CL0 "\r\n", v[i]);
		parse_err(msg, ZSIP_ESTARTLINE);
		snprintf(msg, sizeof msg, "%s 200 OK\r\n" RHDRS CL0 "\r\n", v[i]);
		struct pm *p = parse_s(msg);
		if (p->rc >= 0 || zsip_err_status(p->rc, NULL) != 400)
			fail_msg("status line starting %s: %d (%s)", v[i], p->rc,
				 p->rc < 0 ? zsip_strerror(p->rc) : "accepted");
		pm_free(p);
	}
}

static void test_sip_version_is_case_insensitive_rfc3261_7_1(void **state)
{
	(void)state;
	struct pm *p = parse_ok("OPTIONS sip:carol@chicago.example.com sip/2.0\r\n" HDRS CL0 "\r\n");
	assert_int_equal(p->m.method_id, ZSIP_METHOD_OPTIONS);
	pm_free(p);
	p = parse_ok("Sip/2.0 200 OK\r\n" RHDRS CL0 "\r\n");
	assert_int_equal(p->m.status, 200);
	pm_free(p);
}

static void test_status_code_is_three_digits_from_100_to_699_rfc3261_7_2(void **state)
{
	(void)state;
	parse_err("SIP/2.0 20 OK\r\n" RHDRS CL0 "\r\n", ZSIP_ESTATUS);
	parse_err("SIP/2.0 2000 OK\r\n" RHDRS CL0 "\r\n", ZSIP_ESTATUS);
	parse_err("SIP/2.0 4294967301 OK\r\n" RHDRS CL0 "\r\n", ZSIP_ESTATUS);
	parse_err("SIP/2.0 abc OK\r\n" RHDRS CL0 "\r\n", ZSIP_ESTATUS);
	parse_err("SIP/2.0 099 OK\r\n" RHDRS CL0 "\r\n", ZSIP_ESTATUS);
	/* "SIP/2.0 allows six values for the first digit" */
	parse_err("SIP/2.0 700 OK\r\n" RHDRS CL0 "\r\n", ZSIP_ESTATUS);
	parse_err("SIP/2.0 999 OK\r\n" RHDRS CL0 "\r\n", ZSIP_ESTATUS);
	struct pm *p = parse_ok("SIP/2.0 699 Whatever\r\n" RHDRS CL0 "\r\n");
	assert_int_equal(p->m.status, 699);
	pm_free(p);
}

static void test_request_uri_in_angle_brackets_is_rejected_rfc4475_3_1_2_7(void **state)
{
	(void)state;
	parse_err("OPTIONS <sip:carol@chicago.example.com> SIP/2.0\r\n" HDRS CL0 "\r\n", ZSIP_ERURI);
}

static void test_request_uri_with_headers_is_rejected_rfc3261_19_1_1(void **state)
{
	(void)state;
	parse_err("OPTIONS sip:carol@chicago.example.com?Subject=hi SIP/2.0\r\n" HDRS CL0 "\r\n", ZSIP_ERURI);
}

static void test_request_uri_without_host_is_rejected_rfc3261_25_1(void **state)
{
	(void)state;
	parse_err("OPTIONS sip:carol@ SIP/2.0\r\n" HDRS CL0 "\r\n", ZSIP_ERURI);
	parse_err("OPTIONS sip: SIP/2.0\r\n" HDRS CL0 "\r\n", ZSIP_ERURI);
	assert_int_equal(zsip_err_status(ZSIP_ERURI, NULL), 400);
}

static void test_sips_and_tel_request_uris_parse_rfc3261_19_1_rfc3966(void **state)
{
	(void)state;
	struct pm *p = parse_ok("OPTIONS sips:carol@chicago.example.com:5061 SIP/2.0\r\n" HDRS CL0 "\r\n");
	assert_int_equal(p->m.ruri.scheme_id, ZSIP_URI_SIPS);
	assert_int_equal(p->m.ruri.port, 5061);
	pm_free(p);
	p = parse_ok("OPTIONS tel:+1-201-555-0123 SIP/2.0\r\n" HDRS CL0 "\r\n");
	assert_int_equal(p->m.ruri.scheme_id, ZSIP_URI_TEL);
	mx_assert_str(p->m.ruri.user, "+1-201-555-0123");
	pm_free(p);
}

static void test_crlf_before_the_start_line_is_ignored_rfc3261_7_5(void **state)
{
	(void)state;
	struct pm *p = parse_ok("\r\n\r\n" REQ);
	assert_int_equal(p->m.method_id, ZSIP_METHOD_OPTIONS);
	mx_assert_str(p->m.call_id, "a84b4c76e66710");
	pm_free(p);
}

/* ------------------------------------------------------- header names */

/* RFC 3261 §7.3.3 (i m e l c f s k t v), RFC 6665 §8.2.1 (o u), RFC 3515
 * §2.1 (r), RFC 3892 §3 (b), RFC 4028 §4 (x), RFC 8224 §4 (y), RFC 3841
 * §9.1-9.3 (a j d). */
static const struct {
	char letter;
	enum zsip_hdr_id id;
	const char *full;
	const char *line;   /* the field in compact form, lower case */
	int replaces;       /* the base field it stands in for, or -1 */
} compact[] = {
	{ 'i', ZSIP_HDR_CALL_ID, "Call-ID", "i: a84b4c76e66710\r\n", 5 },
	{ 'm', ZSIP_HDR_CONTACT, "Contact", "m: <sip:alice@pc33.atlanta.example.com>\r\n", -1 },
	{ 'e', ZSIP_HDR_CONTENT_ENCODING, "Content-Encoding", "e: gzip\r\n", -1 },
	{ 'l', ZSIP_HDR_CONTENT_LENGTH, "Content-Length", "l: 0\r\n", 7 },
	{ 'c', ZSIP_HDR_CONTENT_TYPE, "Content-Type", "c: text/plain\r\n", -1 },
	{ 'f', ZSIP_HDR_FROM, "From", "f: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n", 4 },
	{ 's', ZSIP_HDR_SUBJECT, "Subject", "s: lunch\r\n", -1 },
	{ 'k', ZSIP_HDR_SUPPORTED, "Supported", "k: 100rel\r\n", -1 },
	{ 't', ZSIP_HDR_TO, "To", "t: <sip:carol@chicago.example.com>\r\n", 3 },
	{ 'v', ZSIP_HDR_VIA, "Via", "v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877\r\n", 1 },
	{ 'o', ZSIP_HDR_EVENT, "Event", "o: presence\r\n", -1 },
	{ 'r', ZSIP_HDR_REFER_TO, "Refer-To", "r: <sip:bob@biloxi.example.com>\r\n", -1 },
	{ 'u', ZSIP_HDR_ALLOW_EVENTS, "Allow-Events", "u: presence\r\n", -1 },
	{ 'b', ZSIP_HDR_REFERRED_BY, "Referred-By", "b: <sip:alice@atlanta.example.com>\r\n", -1 },
	{ 'x', ZSIP_HDR_SESSION_EXPIRES, "Session-Expires", "x: 1800\r\n", -1 },
	{ 'y', ZSIP_HDR_IDENTITY, "Identity", "y: eyJhbGciOiJFUzI1NiJ9.e30.c2ln;info=<https://cert.example.org/a.cer>\r\n", -1 },
	{ 'a', ZSIP_HDR_ACCEPT_CONTACT, "Accept-Contact", "a: *;audio\r\n", -1 },
	{ 'j', ZSIP_HDR_REJECT_CONTACT, "Reject-Contact", "j: *;video\r\n", -1 },
	{ 'd', ZSIP_HDR_REQUEST_DISPOSITION, "Request-Disposition", "d: proxy\r\n", -1 },
};

static const char *const base_lines[] = { RL, VIA, MF, TO, FROM, CID, CSEQ, CL0 };
#define NBASE (sizeof base_lines / sizeof base_lines[0])

/* The base request with field `skip` left out (or replaced by `with`) and
 * `extra` added before the blank line. */
static size_t build(char *out, size_t cap, int skip, const char *with, const char *extra)
{
	size_t n = 0;
	out[0] = 0;
	for (size_t i = 0; i < NBASE; i++) {
		const char *l = (int)i == skip ? with : base_lines[i];
		if (l)
			n += (size_t)snprintf(out + n, cap - n, "%s", l);
	}
	if (extra)
		n += (size_t)snprintf(out + n, cap - n, "%s", extra);
	n += (size_t)snprintf(out + n, cap - n, "\r\n");
	assert_true(n < cap);
	return n;
}

static void test_every_compact_form_names_its_header_in_either_case_rfc3261_7_3_3(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof compact / sizeof compact[0]; i++) {
		for (int upper = 0; upper < 2; upper++) {
			char line[256], msg[2048], letter[2] = { compact[i].letter, 0 };
			snprintf(line, sizeof line, "%s", compact[i].line);
			if (upper) {
				line[0] = (char)toupper((unsigned char)line[0]);
				letter[0] = line[0];
			}
			if (compact[i].replaces >= 0)
				build(msg, sizeof msg, compact[i].replaces, line, NULL);
			else
				build(msg, sizeof msg, -1, NULL, line);
			struct pm *p = parse_s(msg);
			if (p->rc < 0)
				fail_msg("'%s' compact form rejected: %s", letter, zsip_strerror(p->rc));
			const struct zsip_hdr *h = zsip_msg_find(&p->m, compact[i].id);
			if (!h)
				fail_msg("'%s' is not read as %s", letter, compact[i].full);
			mx_assert_str(h->name, letter);
			assert_ptr_equal(zsip_msg_find_name(&p->m, zsip_str_c(compact[i].full)), h);
			assert_ptr_equal(zsip_msg_find_name(&p->m, zsip_str_c(letter)), h);
			assert_int_equal(zsip_hdr_lookup(zsip_str_c(letter)), compact[i].id);
			assert_int_equal(h->id, compact[i].id);
			pm_free(p);
		}
	}
}

static void test_mandatory_fields_in_compact_form_fill_the_checked_fields_rfc3261_7_3_3(void **state)
{
	(void)state;
	struct pm *p = parse_ok("OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
				"v: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bKx1\r\n"
				"t: <sip:carol@chicago.example.com>\r\n"
				"F: <sip:alice@atlanta.example.com>;tag=abc\r\n"
				"I: compact-1@example.com\r\n"
				"CSeq: 1 OPTIONS\r\n"
				"L: 4\r\n"
				"\r\n"
				"body");
	mx_assert_str(p->m.via.transport, "TCP");
	mx_assert_str(p->m.via.branch, "z9hG4bKx1");
	mx_assert_str(p->m.to.uri.user, "carol");
	mx_assert_str(p->m.from.tag, "abc");
	mx_assert_str(p->m.call_id, "compact-1@example.com");
	assert_int_equal(p->m.content_length, 4);
	mx_assert_str(p->m.body, "body");
	pm_free(p);
}

static void test_hdr_lookup_knows_every_canonical_name_in_any_case_rfc3261_7_3_1(void **state)
{
	(void)state;
	for (int id = 1; id < ZSIP_HDR__COUNT; id++) {
		const char *name = zsip_hdr_name((enum zsip_hdr_id)id);
		assert_non_null(name);
		if (!name[0])
			fail_msg("header id %d has no canonical name", id);
		assert_int_equal(zsip_hdr_lookup(zsip_str_c(name)), id);
		char lo[64], up[64];
		size_t n = strlen(name);
		assert_true(n < sizeof lo);
		for (size_t i = 0; i <= n; i++) {
			lo[i] = (char)tolower((unsigned char)name[i]);
			up[i] = (char)toupper((unsigned char)name[i]);
		}
		assert_int_equal(zsip_hdr_lookup(zsip_str_c(lo)), id);
		assert_int_equal(zsip_hdr_lookup(zsip_str_c(up)), id);
		/* a name one letter shorter is another header (or, cut to one
		 * letter, maybe a compact form) */
		struct zsip_str shorter = { name, n - 1 };
		if (n > 2)
			assert_int_not_equal(zsip_hdr_lookup(shorter), id);
	}
	assert_string_equal(zsip_hdr_name(ZSIP_HDR_CALL_ID), "Call-ID");
	assert_string_equal(zsip_hdr_name(ZSIP_HDR_CSEQ), "CSeq");
	assert_string_equal(zsip_hdr_name(ZSIP_HDR_WWW_AUTHENTICATE), "WWW-Authenticate");
	assert_string_equal(zsip_hdr_name(ZSIP_HDR_OTHER), "");
	assert_int_equal(zsip_hdr_lookup(ZSIP_STR("X-Custom")), ZSIP_HDR_OTHER);
	assert_int_equal(zsip_hdr_lookup(ZSIP_STR("Vias")), ZSIP_HDR_OTHER);
	assert_int_equal(zsip_hdr_lookup(ZSIP_STR("g")), ZSIP_HDR_OTHER);
	assert_int_equal(zsip_hdr_lookup(ZSIP_STR("")), ZSIP_HDR_OTHER);
}

static void test_header_names_are_case_insensitive_rfc3261_7_3_1(void **state)
{
	(void)state;
	struct pm *p = parse_ok("OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
				"vIA: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877\r\n"
				"MAX-FORWARDS: 7\r\n"
				"TO: <sip:carol@chicago.example.com>\r\n"
				"fRoM: <sip:alice@atlanta.example.com>;tag=1\r\n"
				"call-id: lower@x\r\n"
				"CSEQ: 2 OPTIONS\r\n"
				"content-LENGTH: 0\r\n"
				"\r\n");
	mx_assert_str(p->m.via.host, "pc33.atlanta.example.com");
	assert_int_equal(p->m.max_forwards, 7);
	mx_assert_str(p->m.from.tag, "1");
	mx_assert_str(p->m.call_id, "lower@x");
	assert_int_equal(p->m.cseq.num, 2);
	assert_int_equal(p->m.content_length, 0);
	/* the name slice keeps the case it was received in */
	mx_assert_str(zsip_msg_find(&p->m, ZSIP_HDR_CALL_ID)->name, "call-id");
	pm_free(p);
}

static void test_lws_before_the_colon_is_allowed_rfc3261_7_3_1(void **state)
{
	(void)state;
	struct pm *p = parse_ok(RL VIA MF TO FROM "Call-ID \t : abc@x\r\n" CSEQ "Content-Length:0\r\n\r\n");
	mx_assert_str(p->m.call_id, "abc@x");
	const struct zsip_hdr *h = zsip_msg_find(&p->m, ZSIP_HDR_CALL_ID);
	mx_assert_str(h->name, "Call-ID");
	assert_int_equal(p->m.content_length, 0);
	pm_free(p);
}

static void test_white_space_around_a_value_is_not_part_of_it_rfc3261_7_3_1(void **state)
{
	(void)state;
	struct pm *p = parse_ok(RL VIA MF TO FROM "Call-ID:   abc@x \t \r\n" CSEQ "Subject:\t hello world  \r\n" CL0
				"\r\n");
	mx_assert_str(p->m.call_id, "abc@x");
	mx_assert_str(zsip_msg_find(&p->m, ZSIP_HDR_SUBJECT)->value, "hello world");
	pm_free(p);
}

static void test_folded_values_keep_the_fold_and_typed_fields_read_through_it_rfc3261_7_3_1(void **state)
{
	(void)state;
	static const char msg[] = "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP\r\n pc33.atlanta.example.com\r\n\t;branch=z9hG4bKfold\r\n"
				  "Max-Forwards: 70\r\n"
				  "To:\r\n <sip:carol@chicago.example.com>\r\n"
				  "From: Alice\r\n <sip:alice@atlanta.example.com>\r\n ;tag=88\r\n"
				  "Call-ID: a84b4c76e66710\r\n"
				  "CSeq: 63104\r\n OPTIONS\r\n"
				  "Subject: I know you're there,\r\n pick up the phone\r\n   and talk to me!\r\n"
				  "Content-Length: 0\r\n"
				  "\r\n";
	struct pm *p = parse_ok(msg);
	const struct zsip_msg *m = &p->m;
	mx_assert_str(m->via.host, "pc33.atlanta.example.com");
	mx_assert_str(m->via.branch, "z9hG4bKfold");
	mx_assert_str(m->to.uri.host, "chicago.example.com");
	mx_assert_str(m->from.tag, "88");
	assert_int_equal(m->cseq.num, 63104);
	mx_assert_str(m->cseq.method, "OPTIONS");
	const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_SUBJECT);
	mx_assert_str(h->value, "I know you're there,\r\n pick up the phone\r\n   and talk to me!");
	/* the whole field, folds included, is one line_len */
	long at = mx_find(p->buf, p->len, "Subject:");
	long next = mx_find(p->buf, p->len, "Content-Length:");
	assert_ptr_equal(h->name.p, p->buf + at);
	assert_int_equal(h->line_len, next - at);
	/* a value that starts on the next line: the leading fold is white space */
	mx_assert_str(zsip_msg_find(m, ZSIP_HDR_TO)->value, "<sip:carol@chicago.example.com>");
	assert_int_equal(m->nhdr, 8);
	pm_free(p);
}

static void test_header_line_without_name_and_colon_is_rejected_rfc3261_7_3_1(void **state)
{
	(void)state;
	char msg[2048];
	build(msg, sizeof msg, -1, NULL, "This line has no colon\r\n");
	size_t off = parse_err(msg, ZSIP_EHDRLINE);
	long at = mx_find(msg, strlen(msg), "This line");
	assert_true(off >= (size_t)at && off < (size_t)at + 22);
	build(msg, sizeof msg, -1, NULL, "Call ID: x\r\n");
	parse_err(msg, ZSIP_EHDRLINE);
	build(msg, sizeof msg, -1, NULL, ": no name\r\n");
	parse_err(msg, ZSIP_EHDRLINE);
	build(msg, sizeof msg, -1, NULL, "Sub\"ject: x\r\n");
	parse_err(msg, ZSIP_EHDRLINE);
}

static void test_continuation_line_without_a_field_is_rejected_rfc3261_7_3_1(void **state)
{
	(void)state;
	/* a fold continues a field; right after the start line there is none */
	parse_err(RL " Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK1\r\n" MF TO FROM CID CSEQ CL0 "\r\n",
		  ZSIP_EHDRLINE);
	/* HCOLON = *( SP / HTAB ) ":" SWS: no fold between name and colon */
	parse_err(RL VIA MF TO FROM "Call-ID\r\n : abc\r\n" CSEQ CL0 "\r\n", ZSIP_EHDRLINE);
	/* nor white space before the start line (§7.1) */
	parse_err(" " REQ, ZSIP_ESTARTLINE);
}

static void test_reason_phrase_with_control_characters_is_rejected_rfc3261_25_1(void **state)
{
	(void)state;
	parse_err("SIP/2.0 200 O\x01K\r\n" RHDRS CL0 "\r\n", ZSIP_ESTARTLINE);
	parse_err("SIP/2.0 200 O\x7fK\r\n" RHDRS CL0 "\r\n", ZSIP_ESTARTLINE);
	/* HTAB is allowed */
	struct pm *p = parse_ok("SIP/2.0 200 O\tK\r\n" RHDRS CL0 "\r\n");
	mx_assert_str(p->m.reason, "O\tK");
	pm_free(p);
}

static void test_request_uri_port_above_65535_is_rejected_rfc3261_25_1(void **state)
{
	(void)state;
	parse_err("OPTIONS sip:carol@chicago.example.com:65536 SIP/2.0\r\n" HDRS CL0 "\r\n", ZSIP_ERURI);
	struct pm *p = parse_ok("OPTIONS sip:carol@chicago.example.com:65535 SIP/2.0\r\n" HDRS CL0 "\r\n");
	assert_int_equal(p->m.ruri.port, 65535);
	pm_free(p);
	char msg[2048];
	build(msg, sizeof msg, 1, "Via: SIP/2.0/UDP pc33.atlanta.example.com:65536;branch=z9hG4bK1\r\n", NULL);
	parse_err(msg, ZSIP_EVIA);
}

/* To, From, Call-ID, CSeq and Max-Forwards are not comma lists (§7.3.1,
 * §20): a list inside one field is as wrong as a second field. */
static void test_single_value_header_holding_a_comma_list_is_rejected_rfc3261_7_3_1(void **state)
{
	(void)state;
	static const struct {
		int idx;
		const char *line;
		int err;
	} t[] = {
		{ 3, "To: <sip:carol@chicago.example.com>, <sip:bob@biloxi.example.com>\r\n", ZSIP_ETO },
		{ 4, "From: <sip:alice@atlanta.example.com>;tag=1, <sip:eve@example.com>;tag=2\r\n", ZSIP_EFROM },
		{ 6, "CSeq: 63104 OPTIONS, 63105 OPTIONS\r\n", ZSIP_ECSEQ },
		{ 2, "Max-Forwards: 70, 69\r\n", ZSIP_EMAXFWD },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char msg[2048];
		build(msg, sizeof msg, t[i].idx, t[i].line, NULL);
		struct pm *p = parse_s(msg);
		if (p->rc != t[i].err && p->rc != ZSIP_EMULTI)
			fail_msg("%.*s: got %d (%s), expected %s or %s", (int)strlen(t[i].line) - 2, t[i].line, p->rc,
				 p->rc < 0 ? zsip_strerror(p->rc) : "accepted", zsip_strerror(t[i].err),
				 zsip_strerror(ZSIP_EMULTI));
		pm_free(p);
	}
}

static void test_numbers_take_no_sign_rfc3261_25_1(void **state)
{
	(void)state;
	char msg[2048];
	build(msg, sizeof msg, 2, "Max-Forwards: +70\r\n", NULL);
	parse_err(msg, ZSIP_EMAXFWD);
	build(msg, sizeof msg, 6, "CSeq: +1 OPTIONS\r\n", NULL);
	parse_err(msg, ZSIP_ECSEQ);
	build(msg, sizeof msg, 6, "CSeq: 1 OPTIONS extra\r\n", NULL);
	parse_err(msg, ZSIP_ECSEQ);
	parse_err(RL HDRS "Content-Length: +5\r\n\r\nhello", ZSIP_ECLEN);
}

static void test_find_with_ids_out_of_range_or_empty_names_finds_nothing(void **state)
{
	(void)state;
	struct pm *p = parse_ok(REQ);
	assert_null(zsip_msg_find(&p->m, ZSIP_HDR__COUNT));
	assert_null(zsip_msg_find(&p->m, (enum zsip_hdr_id)200));
	assert_null(zsip_msg_find_name(&p->m, ZSIP_STR("")));
	assert_null(zsip_msg_find_next(&p->m, zsip_msg_find(&p->m, ZSIP_HDR_CSEQ)));
	pm_free(p);
}

static void test_repeated_fields_keep_their_order_and_chain_rfc3261_7_3_1(void **state)
{
	(void)state;
	struct pm *p = parse_ok(RL "Route: <sip:a.example.com;lr>\r\n" VIA "Route: <sip:b.example.com;lr>\r\n" MF TO
				"route: <sip:c.example.com;lr>\r\n" FROM CID CSEQ
				"Route: <sip:d.example.com;lr>, <sip:e.example.com;lr>\r\n" CL0 "\r\n");
	const struct zsip_msg *m = &p->m;
	static const char *const want[] = { "<sip:a.example.com;lr>", "<sip:b.example.com;lr>",
					    "<sip:c.example.com;lr>", "<sip:d.example.com;lr>, <sip:e.example.com;lr>" };
	const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_ROUTE);
	assert_ptr_equal(h, &m->hdr[0]);
	const struct zsip_hdr *prev = NULL;
	for (int i = 0; i < 4; i++) {
		assert_non_null(h);
		mx_assert_str(h->value, want[i]);
		assert_int_equal(h->id, ZSIP_HDR_ROUTE);
		assert_true(prev == NULL || h > prev);
		prev = h;
		h = zsip_msg_find_next(m, h);
	}
	assert_null(h);
	assert_int_equal(mx_count_values(m, ZSIP_HDR_ROUTE), 5);
	mx_assert_str(mx_value_at(m, ZSIP_HDR_ROUTE, 4), "<sip:e.example.com;lr>");
	assert_null(zsip_msg_find(m, ZSIP_HDR_RECORD_ROUTE));
	assert_null(zsip_msg_find_next(m, zsip_msg_find(m, ZSIP_HDR_CALL_ID)));
	pm_free(p);
}

/* The top Via is the first value of the first Via field (§7.3.1: a list
 * in one field equals the fields in order; §18.2.2 answers to it). */
static void test_top_via_is_the_first_value_of_the_first_via_field_rfc3261_20_42(void **state)
{
	(void)state;
	struct pm *p = parse_ok(RL "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1 , SIP/2.0/TCP b.example.com:5070;branch=z9hG4bK2\r\n"
				MF TO FROM "v: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n" CID CSEQ CL0 "\r\n");
	mx_assert_str(p->m.via.host, "a.example.com");
	mx_assert_str(p->m.via.branch, "z9hG4bK1");
	assert_int_equal(mx_count_values(&p->m, ZSIP_HDR_VIA), 3);
	struct zsip_via v;
	assert_int_equal(zsip_via_parse(&v, mx_value_at(&p->m, ZSIP_HDR_VIA, 1)), 0);
	mx_assert_str(v.host, "b.example.com");
	assert_int_equal(v.port, 5070);
	pm_free(p);
}

static void test_find_name_finds_unknown_headers_ignoring_case_rfc3261_7_3_1(void **state)
{
	(void)state;
	struct pm *p = parse_ok(RL HDRS "X-Custom: one\r\nx-custom: two\r\nX-Other: three\r\n" CL0 "\r\n");
	const struct zsip_hdr *h = zsip_msg_find_name(&p->m, ZSIP_STR("X-CUSTOM"));
	assert_non_null(h);
	assert_int_equal(h->id, ZSIP_HDR_OTHER);
	mx_assert_str(h->value, "one");
	h = zsip_msg_find_name(&p->m, ZSIP_STR("x-other"));
	assert_non_null(h);
	mx_assert_str(h->value, "three");
	assert_null(zsip_msg_find_name(&p->m, ZSIP_STR("X-Missing")));
	assert_null(zsip_msg_find_name(&p->m, ZSIP_STR("X-Custo")));
	/* known names in any form reach the same field */
	const struct zsip_hdr *cid = zsip_msg_find(&p->m, ZSIP_HDR_CALL_ID);
	assert_ptr_equal(zsip_msg_find_name(&p->m, ZSIP_STR("call-ID")), cid);
	assert_ptr_equal(zsip_msg_find_name(&p->m, ZSIP_STR("i")), cid);
	assert_ptr_equal(zsip_msg_find_name(&p->m, ZSIP_STR("I")), cid);
	assert_null(zsip_msg_find_name(&p->m, ZSIP_STR("Contact")));
	pm_free(p);
}

static void test_parse_leaves_nothing_of_the_previous_message(void **state)
{
	(void)state;
	size_t l1, l3;
	char *b1 = load_corpus("01-invite-sdp.sip", &l1);
	char *b3 = load_corpus("03-100-trying.sip", &l3);
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	assert_int_equal(zsip_msg_parse(m, b1, l1, NULL), (int)l1);
	assert_non_null(zsip_msg_find(m, ZSIP_HDR_CONTACT));
	assert_int_equal(zsip_msg_parse(m, b3, l3, NULL), (int)l3);
	assert_false(m->is_request);
	assert_null(zsip_msg_find(m, ZSIP_HDR_CONTACT));
	assert_null(zsip_msg_find(m, ZSIP_HDR_MAX_FORWARDS));
	assert_null(zsip_msg_find(m, ZSIP_HDR_CONTENT_TYPE));
	assert_int_equal(m->max_forwards, -1);
	assert_int_equal(m->nhdr, 6);
	struct zsip_contact c;
	assert_int_equal(zsip_msg_contact(m, &c), ZSIP_ENOTFOUND);
	mx_check_sane(m, b3, l3, (int)l3);
	free(m);
	free(b1);
	free(b3);
}

/* ------------------------------------------------------ mandatory fields */

static void test_each_missing_mandatory_header_has_its_own_error_rfc3261_8_1_1(void **state)
{
	(void)state;
	static const struct {
		int skip;
		int err;
		const char *name;
	} t[] = {
		{ 1, ZSIP_ENOVIA, "Via" },
		{ 3, ZSIP_ENOTO, "To" },
		{ 4, ZSIP_ENOFROM, "From" },
		{ 5, ZSIP_ENOCALLID, "Call-ID" },
		{ 6, ZSIP_ENOCSEQ, "CSeq" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char msg[2048];
		build(msg, sizeof msg, t[i].skip, NULL, NULL);
		parse_err(msg, t[i].err);
		const char *reason = NULL;
		assert_int_equal(zsip_err_status(t[i].err, &reason), 400);
		assert_non_null(reason);
		if (!strstr(reason, t[i].name))
			fail_msg("reason \"%s\" for a missing %s does not name it", reason, t[i].name);
	}
}

static void test_missing_max_forwards_is_accepted_for_rfc2543_peers_rfc4475_3_4_1(void **state)
{
	(void)state;
	char msg[2048];
	build(msg, sizeof msg, 2, NULL, NULL);
	struct pm *p = parse_ok(msg);
	assert_int_equal(p->m.max_forwards, -1);
	pm_free(p);
}

static void test_response_without_via_or_call_id_is_rejected_rfc3261_20(void **state)
{
	(void)state;
	parse_err(SL "To: <sip:carol@chicago.example.com>;tag=9\r\n" FROM CID CSEQ CL0 "\r\n", ZSIP_ENOVIA);
	parse_err(SL VIA "To: <sip:carol@chicago.example.com>;tag=9\r\n" FROM CSEQ CL0 "\r\n", ZSIP_ENOCALLID);
}

static void test_several_values_for_a_single_value_header_are_rejected_rfc4475_3_3_8(void **state)
{
	(void)state;
	static const struct {
		int idx;
		const char *again;
	} t[] = {
		{ 2, "Max-Forwards: 69\r\n" },
		{ 3, "To: <sip:other@example.net>\r\n" },
		{ 4, "From: <sip:other@example.net>;tag=2\r\n" },
		{ 5, "Call-ID: second@example.net\r\n" },
		{ 6, "CSeq: 63105 OPTIONS\r\n" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char msg[2048];
		build(msg, sizeof msg, -1, NULL, t[i].again);
		size_t off = parse_err(msg, ZSIP_EMULTI);
		/* the fault is the second field */
		long at = mx_find(msg, strlen(msg), t[i].again);
		assert_true(off >= (size_t)at && off < (size_t)at + strlen(t[i].again));
	}
	assert_int_equal(zsip_err_status(ZSIP_EMULTI, NULL), 400);
}

static void test_cseq_method_must_match_the_request_method_rfc3261_8_1_1_5(void **state)
{
	(void)state;
	/* RFC 4475 §3.1.2.17: a known method with another CSeq method is 400 */
	parse_err(RL VIA MF TO FROM CID "CSeq: 8 INVITE\r\n" CL0 "\r\n", ZSIP_ECSEQ_METHOD);
	assert_int_equal(zsip_err_status(ZSIP_ECSEQ_METHOD, NULL), 400);
	/* RFC 4475 §3.1.2.18, RFC 3261 §8.2.1: an unknown method is answered
	 * 501 before anything else is looked at */
	parse_err("NEWMETHOD sip:carol@chicago.example.com SIP/2.0\r\n" VIA MF TO FROM CID "CSeq: 8 INVITE\r\n" CL0
		  "\r\n",
		  ZSIP_ENOTIMPL);
	assert_int_equal(zsip_err_status(ZSIP_ENOTIMPL, NULL), 501);
	/* methods are compared case-sensitively (§7.1) */
	parse_err(RL VIA MF TO FROM CID "CSeq: 8 options\r\n" CL0 "\r\n", ZSIP_ECSEQ_METHOD);
	/* ACK and CANCEL carry their own method (§17.1.1.3, §9.1) */
	struct pm *p = parse_ok("ACK sip:carol@chicago.example.com SIP/2.0\r\n" VIA MF TO FROM CID "CSeq: 63104 ACK\r\n" CL0
				"\r\n");
	assert_int_equal(p->m.cseq.method_id, ZSIP_METHOD_ACK);
	pm_free(p);
	/* a response's CSeq names the request it answers */
	p = parse_ok("SIP/2.0 200 OK\r\n" VIA "To: <sip:carol@chicago.example.com>;tag=9\r\n" FROM CID
		     "CSeq: 7 INVITE\r\n" CL0 "\r\n");
	assert_int_equal(p->m.cseq.method_id, ZSIP_METHOD_INVITE);
	pm_free(p);
}

static void test_cseq_number_fits_32_bits_rfc3261_8_1_1_5(void **state)
{
	(void)state;
	struct pm *p = parse_ok(RL VIA MF TO FROM CID "CSeq: 4294967295 OPTIONS\r\n" CL0 "\r\n");
	assert_int_equal(p->m.cseq.num, 4294967295u);
	pm_free(p);
	parse_err(RL VIA MF TO FROM CID "CSeq: 4294967296 OPTIONS\r\n" CL0 "\r\n", ZSIP_ECSEQ);
	parse_err(RL VIA MF TO FROM CID "CSeq: 36893488147419103232 OPTIONS\r\n" CL0 "\r\n", ZSIP_ECSEQ);
	parse_err(RL VIA MF TO FROM CID "CSeq: -1 OPTIONS\r\n" CL0 "\r\n", ZSIP_ECSEQ);
	parse_err(RL VIA MF TO FROM CID "CSeq: OPTIONS\r\n" CL0 "\r\n", ZSIP_ECSEQ);
	parse_err(RL VIA MF TO FROM CID "CSeq: 1\r\n" CL0 "\r\n", ZSIP_ECSEQ);
}

static void test_max_forwards_is_0_to_255_rfc3261_20_22(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		int want;
	} ok[] = { { "0", 0 }, { "255", 255 }, { "0070", 70 } };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char line[64], msg[2048];
		snprintf(line, sizeof line, "Max-Forwards: %s\r\n", ok[i].v);
		build(msg, sizeof msg, 2, line, NULL);
		struct pm *p = parse_ok(msg);
		assert_int_equal(p->m.max_forwards, ok[i].want);
		pm_free(p);
	}
	static const char *const bad[] = { "256", "-1", "abc", "", "7 0", "99999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char line[64], msg[2048];
		snprintf(line, sizeof line, "Max-Forwards: %s\r\n", bad[i]);
		build(msg, sizeof msg, 2, line, NULL);
		parse_err(msg, ZSIP_EMAXFWD);
	}
}

static void test_call_id_is_word_at_word_rfc3261_25_1(void **state)
{
	(void)state;
	static const char *const ok[] = { "abc", "abc@def", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com",
					  "a(b)<c>:\\\"/[]?{}" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char line[128], msg[2048];
		snprintf(line, sizeof line, "Call-ID: %s\r\n", ok[i]);
		build(msg, sizeof msg, 5, line, NULL);
		struct pm *p = parse_ok(msg);
		mx_assert_str(p->m.call_id, ok[i]);
		pm_free(p);
	}
	static const char *const bad[] = { "", "a b", "@x", "x@", "a@b@c", "a;b", "a,b" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char line[128], msg[2048];
		snprintf(line, sizeof line, "Call-ID: %s\r\n", bad[i]);
		build(msg, sizeof msg, 5, line, NULL);
		parse_err(msg, ZSIP_ECALLID);
	}
}

static void test_malformed_via_from_to_are_rejected_with_their_codes_rfc3261_25_1(void **state)
{
	(void)state;
	char msg[2048];
	build(msg, sizeof msg, 1, "Via: SIP/2.0/UDP\r\n", NULL);
	parse_err(msg, ZSIP_EVIA);
	build(msg, sizeof msg, 1, "Via: SIP/2.0/UDP pc33.atlanta.example.com;;branch=z9hG4bK1\r\n", NULL);
	parse_err(msg, ZSIP_EVIA);
	/* a malformed Via below the top one is still malformed */
	build(msg, sizeof msg, -1, NULL, "Via: garbage\r\n");
	parse_err(msg, ZSIP_EVIA);
	build(msg, sizeof msg, 4, "From: <sip:alice@atlanta.example.com;tag=1\r\n", NULL);
	parse_err(msg, ZSIP_EFROM);
	build(msg, sizeof msg, 3, "To: \"Bob <sip:bob@biloxi.example.com>\r\n", NULL);
	parse_err(msg, ZSIP_ETO);
}

/* --------------------------------------------------- Content-Length */

static void test_content_length_larger_than_the_datagram_is_400_rfc3261_18_3(void **state)
{
	(void)state;
	parse_err(RL HDRS "Content-Length: 10\r\n\r\nshort", ZSIP_EBODY);
	const char *reason = NULL;
	assert_int_equal(zsip_err_status(ZSIP_EBODY, &reason), 400);
	assert_non_null(reason);
}

static void test_bytes_past_content_length_are_not_part_of_the_message_rfc3261_18_3(void **state)
{
	(void)state;
	static const char msg[] = RL HDRS "Content-Length: 5\r\n\r\nhello, and more";
	struct pm *p = parse_s(msg);
	size_t head = (size_t)mx_find(msg, sizeof msg - 1, "hello");
	assert_int_equal(p->rc, (int)(head + 5));
	assert_int_equal(p->m.len, head + 5);
	mx_assert_str(p->m.body, "hello");
	assert_int_equal(p->m.content_length, 5);
	mx_check_sane(&p->m, p->buf, p->len, p->rc);
	pm_free(p);
}

static void test_without_content_length_the_body_runs_to_the_datagram_end_rfc3261_18_3(void **state)
{
	(void)state;
	struct pm *p = parse_ok(RL HDRS "\r\nv=0\r\nwhatever");
	assert_int_equal(p->m.content_length, -1);
	mx_assert_str(p->m.body, "v=0\r\nwhatever");
	pm_free(p);
	p = parse_ok(RL HDRS "\r\n");
	assert_int_equal(p->m.content_length, -1);
	assert_non_null(p->m.body.p);
	assert_int_equal(p->m.body.len, 0);
	pm_free(p);
}

static void test_two_different_content_lengths_are_rejected_rfc4475_3_3_9(void **state)
{
	(void)state;
	parse_err(RL HDRS "Content-Length: 5\r\nl: 3\r\n\r\nhello", ZSIP_ECLEN_DUP);
	assert_int_equal(zsip_err_status(ZSIP_ECLEN_DUP, NULL), 400);
}

static void test_negative_or_garbage_content_length_is_rejected_rfc3261_20_14(void **state)
{
	(void)state;
	static const char *const bad[] = { "-1", "-999", "abc", "5x", "", "99999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char msg[2048];
		snprintf(msg, sizeof msg, RL HDRS "Content-Length: %s\r\n\r\nhello", bad[i]);
		parse_err(msg, ZSIP_ECLEN);
	}
}

static void test_content_length_with_leading_zeros_or_compact_name_rfc3261_20_14(void **state)
{
	(void)state;
	struct pm *p = parse_ok(RL HDRS "Content-Length: 005\r\n\r\nhello");
	assert_int_equal(p->m.content_length, 5);
	pm_free(p);
	p = parse_ok(RL HDRS "l: 5\r\n\r\nhello");
	mx_assert_str(p->m.body, "hello");
	pm_free(p);
}

/* ------------------------------------------------------------ limits */

static void test_message_larger_than_max_msg_size_is_413_rfc3261_21_4_11(void **state)
{
	(void)state;
	size_t len;
	char *buf = load_corpus("01-invite-sdp.sip", &len);
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	struct zsip_limits lim = defaults;
	lim.max_msg_size = len - 1;
	mx_assert_err(zsip_msg_parse(m, buf, len, &lim), ZSIP_ETOOBIG);
	lim.max_msg_size = len;
	assert_int_equal(zsip_msg_parse(m, buf, len, &lim), (int)len);
	const char *reason = NULL;
	assert_int_equal(zsip_err_status(ZSIP_ETOOBIG, &reason), 413);
	assert_non_null(reason);
	free(m);
	free(buf);
}

/* Builds a request of exactly total bytes (a body of 'x' fills it). */
static char *sized_request(size_t total)
{
	char head[1024];
	/* five digits whatever the body length, so the head length is fixed */
	int hl = snprintf(head, sizeof head, RL HDRS "Content-Length: %05u\r\n\r\n", 0u);
	size_t body = total - (size_t)hl;
	snprintf(head, sizeof head, RL HDRS "Content-Length: %05u\r\n\r\n", (unsigned)body);
	char *b = malloc(total);
	assert_non_null(b);
	memcpy(b, head, (size_t)hl);
	memset(b + hl, 'x', body);
	return b;
}

static void test_default_max_msg_size_is_65535(void **state)
{
	(void)state;
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	char *b = sized_request(65535);
	assert_int_equal(zsip_msg_parse(m, b, 65535, NULL), 65535);
	free(b);
	b = sized_request(65536);
	mx_assert_err(zsip_msg_parse(m, b, 65536, NULL), ZSIP_ETOOBIG);
	free(b);
	free(m);
}

static void test_more_fields_than_max_headers_are_rejected(void **state)
{
	(void)state;
	size_t len;
	char *buf = load_corpus("01-invite-sdp.sip", &len); /* 15 fields, Content-Length last */
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	struct zsip_limits lim = defaults;
	lim.max_headers = 15;
	assert_int_equal(zsip_msg_parse(m, buf, len, &lim), (int)len);
	assert_int_equal(m->nhdr, 15);
	lim.max_headers = 14;
	mx_assert_err(zsip_msg_parse(m, buf, len, &lim), ZSIP_ETOOMANYHDRS);
	assert_int_equal(m->err_off, (size_t)mx_find(buf, len, "Content-Length:"));
	assert_int_equal(zsip_err_status(ZSIP_ETOOMANYHDRS, NULL), 400);
	free(m);
	free(buf);
}

/* A request with the base fields and fillers up to nfields fields. */
static char *many_fields(unsigned nfields, size_t *len)
{
	size_t cap = 64 * 1024;
	char *t = malloc(cap);
	assert_non_null(t);
	size_t n = (size_t)snprintf(t, cap, "%s", RL HDRS CL0);
	for (unsigned i = 7; i < nfields; i++)
		n += (size_t)snprintf(t + n, cap - n, "X-Filler-%u: %u\r\n", i, i);
	n += (size_t)snprintf(t + n, cap - n, "\r\n");
	char *b = mx_copy(t, n);
	free(t);
	*len = n;
	return b;
}

static void test_no_more_than_zsip_max_headers_fields_whatever_the_limit(void **state)
{
	(void)state;
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	size_t len;
	char *b = many_fields(ZSIP_MAX_HEADERS, &len);
	assert_int_equal(zsip_msg_parse(m, b, len, NULL), (int)len);
	assert_int_equal(m->nhdr, ZSIP_MAX_HEADERS);
	/* the last field is reachable by name */
	char last[32];
	snprintf(last, sizeof last, "X-Filler-%u", ZSIP_MAX_HEADERS - 1);
	assert_ptr_equal(zsip_msg_find_name(m, zsip_str_c(last)), &m->hdr[ZSIP_MAX_HEADERS - 1]);
	free(b);

	b = many_fields(ZSIP_MAX_HEADERS + 1, &len);
	mx_assert_err(zsip_msg_parse(m, b, len, NULL), ZSIP_ETOOMANYHDRS);
	char name[32];
	snprintf(name, sizeof name, "X-Filler-%u:", ZSIP_MAX_HEADERS);
	assert_int_equal(m->err_off, (size_t)mx_find(b, len, name));
	/* hdr[] holds ZSIP_MAX_HEADERS fields: a larger limit cannot raise it */
	struct zsip_limits lim = defaults;
	lim.max_headers = 1000;
	mx_assert_err(zsip_msg_parse(m, b, len, &lim), ZSIP_ETOOMANYHDRS);
	free(b);
	free(m);
}

static void test_field_longer_than_max_header_len_is_rejected(void **state)
{
	(void)state;
	size_t len;
	char *buf = load_corpus("01-invite-sdp.sip", &len);
	long at = mx_find(buf, len, "Contact:");
	long end = mx_find(buf + at, len - (size_t)at, "\r\n");
	size_t field = (size_t)end + 2; /* name to CRLF inclusive */
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	struct zsip_limits lim = defaults;
	lim.max_header_len = field;
	assert_int_equal(zsip_msg_parse(m, buf, len, &lim), (int)len);
	lim.max_header_len = field - 1;
	mx_assert_err(zsip_msg_parse(m, buf, len, &lim), ZSIP_EHDRTOOLONG);
	assert_int_equal(m->err_off, (size_t)at);
	assert_int_equal(zsip_err_status(ZSIP_EHDRTOOLONG, NULL), 400);
	free(m);
	free(buf);
}

static void test_folded_field_counts_all_its_lines_against_max_header_len(void **state)
{
	(void)state;
	static const char msg[] = RL HDRS "Subject: 0123456789012345678901234567890\r\n"
					  " 0123456789012345678901234567890\r\n"
					  " 0123456789012345678901234567890\r\n" CL0 "\r\n";
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	char *b = mx_copy(msg, sizeof msg - 1);
	struct zsip_limits lim = defaults;
	/* every line of the message is shorter (Via is the longest, 70), the
	 * folded Subject field (110) is not */
	lim.max_header_len = 80;
	mx_assert_err(zsip_msg_parse(m, b, sizeof msg - 1, &lim), ZSIP_EHDRTOOLONG);
	assert_int_equal(m->err_off, (size_t)mx_find(msg, sizeof msg - 1, "Subject:"));
	free(b);
	free(m);
}

static void test_default_max_header_len_is_8192(void **state)
{
	(void)state;
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	for (size_t field = 8192; field <= 8193; field++) {
		char *t = malloc(16384);
		assert_non_null(t);
		size_t n = (size_t)snprintf(t, 16384, "%s", RL HDRS CL0);
		memcpy(t + n, "X-Long: ", 8);
		memset(t + n + 8, 'a', field - 10);
		memcpy(t + n + field - 2, "\r\n\r\n", 4);
		n += field + 2;
		char *b = mx_copy(t, n);
		int rc = zsip_msg_parse(m, b, n, NULL);
		if (field == 8192)
			assert_int_equal(rc, (int)n);
		else
			mx_assert_err(rc, ZSIP_EHDRTOOLONG);
		free(b);
		free(t);
	}
	free(m);
}

/* ------------------------------------------------------ error offsets */

static void test_err_off_points_into_the_faulty_line(void **state)
{
	(void)state;
	static const struct {
		const char *msg;
		int err;
		const char *line; /* the start of the line at fault */
	} t[] = {
		{ "OPTIONS sip:carol@chicago.example.com SIP/3.0\r\n" HDRS CL0 "\r\n", ZSIP_EVERSION, "OPTIONS" },
		{ "OPTIONS <sip:carol@chicago.example.com> SIP/2.0\r\n" HDRS CL0 "\r\n", ZSIP_ERURI, "OPTIONS" },
		{ RL "Via: SIP/2.0/UDP ;branch=z9hG4bK1\r\n" MF TO FROM CID CSEQ CL0 "\r\n", ZSIP_EVIA, "Via:" },
		{ RL VIA "Max-Forwards: 256\r\n" TO FROM CID CSEQ CL0 "\r\n", ZSIP_EMAXFWD, "Max-Forwards:" },
		{ RL VIA MF TO FROM "Call-ID: a b\r\n" CSEQ CL0 "\r\n", ZSIP_ECALLID, "Call-ID:" },
		{ RL VIA MF TO FROM CID "CSeq: x OPTIONS\r\n" CL0 "\r\n", ZSIP_ECSEQ, "CSeq:" },
		{ RL VIA MF TO FROM CID "CSeq: 1 INVITE\r\n" CL0 "\r\n", ZSIP_ECSEQ_METHOD, "CSeq:" },
		{ RL VIA MF "To: \"Bob <sip:bob@biloxi.example.com>\r\n" FROM CID CSEQ CL0 "\r\n", ZSIP_ETO, "To:" },
		{ RL VIA MF TO "From: <sip:alice@atlanta.example.com;tag=1\r\n" CID CSEQ CL0 "\r\n", ZSIP_EFROM,
		  "From:" },
		{ RL HDRS "Content-Length: abc\r\n\r\n", ZSIP_ECLEN, "Content-Length:" },
		{ RL HDRS "Content-Length: 0\r\nContent-Length: 1\r\n\r\nx", ZSIP_ECLEN_DUP, "Content-Length: 1" },
		{ RL VIA MF "no colon here\r\n" TO FROM CID CSEQ CL0 "\r\n", ZSIP_EHDRLINE, "no colon" },
		{ "SIP/2.0 2000 OK\r\n" RHDRS CL0 "\r\n", ZSIP_ESTATUS, "SIP/2.0" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t len = strlen(t[i].msg);
		size_t off = parse_err(t[i].msg, t[i].err);
		long at = mx_find(t[i].msg, len, t[i].line);
		long eol = mx_find(t[i].msg + at, len - (size_t)at, "\r\n");
		if (off < (size_t)at || off > (size_t)(at + eol))
			fail_msg("case %zu (%s): err_off %zu is outside the line at %ld..%ld", i, zsip_strerror(t[i].err),
				 off, at, at + eol);
	}
}

/* ------------------------------------------------------- error status */

static void test_err_status_gives_the_response_and_a_reason_naming_the_fault_rfc3261_21_4_1(void **state)
{
	(void)state;
	static const struct {
		int err;
		int status;
		const char *names; /* what the reason phrase must mention */
	} t[] = {
		{ ZSIP_ENOVIA, 400, "Via" },
		{ ZSIP_ENOFROM, 400, "From" },
		{ ZSIP_ENOTO, 400, "To" },
		{ ZSIP_ENOCALLID, 400, "Call-ID" },
		{ ZSIP_ENOCSEQ, 400, "CSeq" },
		{ ZSIP_EVIA, 400, "Via" },
		{ ZSIP_EFROM, 400, "From" },
		{ ZSIP_ETO, 400, "To" },
		{ ZSIP_ECALLID, 400, "Call-ID" },
		{ ZSIP_ECSEQ, 400, "CSeq" },
		{ ZSIP_ECSEQ_METHOD, 400, "CSeq" },
		{ ZSIP_EMAXFWD, 400, "Max-Forwards" },
		{ ZSIP_ECLEN, 400, "Content-Length" },
		{ ZSIP_ECLEN_DUP, 400, "Content-Length" },
		{ ZSIP_ERURI, 400, "Request-URI" },
		{ ZSIP_EVERSION, 505, "Version" },
		{ ZSIP_ETOOBIG, 413, NULL },
		{ ZSIP_ENOTIMPL, 501, NULL },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *reason = NULL;
		int st = zsip_err_status(t[i].err, &reason);
		if (st != t[i].status)
			fail_msg("%s: status %d, expected %d", zsip_strerror(t[i].err), st, t[i].status);
		assert_non_null(reason);
		if (t[i].names && !strstr(reason, t[i].names))
			fail_msg("%s: reason \"%s\" does not name %s", zsip_strerror(t[i].err), reason, t[i].names);
		/* reason may be NULL */
		assert_int_equal(zsip_err_status(t[i].err, NULL), st);
	}

	/* every message fault has a response, and the 400s each say which
	 * fault it was, so no two of them share a reason phrase */
	static const int faults[] = {
		ZSIP_ETRUNC, ZSIP_ETOOBIG, ZSIP_ETOOMANYHDRS, ZSIP_EHDRTOOLONG, ZSIP_ESTARTLINE, ZSIP_EMETHOD,
		ZSIP_ERURI, ZSIP_EVERSION, ZSIP_ESTATUS, ZSIP_EHDRLINE, ZSIP_EVALUE, ZSIP_EPARAM, ZSIP_EURI,
		ZSIP_EURI_HOST, ZSIP_ENAMEADDR, ZSIP_EVIA, ZSIP_ECSEQ, ZSIP_ENUMBER, ZSIP_EAUTH, ZSIP_EFROM,
		ZSIP_ETO, ZSIP_ECALLID, ZSIP_EMAXFWD, ZSIP_ECLEN, ZSIP_ENOVIA, ZSIP_ENOFROM, ZSIP_ENOTO,
		ZSIP_ENOCALLID, ZSIP_ENOCSEQ, ZSIP_EMULTI, ZSIP_ECSEQ_METHOD, ZSIP_ENOTIMPL, ZSIP_EBODY,
		ZSIP_ECLEN_DUP,
	};
	const size_t nf = sizeof faults / sizeof faults[0];
	const char *reasons[sizeof faults / sizeof faults[0]];
	for (size_t i = 0; i < nf; i++) {
		int st = zsip_err_status(faults[i], &reasons[i]);
		if (st != 400 && st != 413 && st != 501 && st != 505)
			fail_msg("%s: status %d", zsip_strerror(faults[i]), st);
		assert_non_null(reasons[i]);
		assert_true(reasons[i][0] != 0);
		const char *s = zsip_strerror(faults[i]);
		assert_non_null(s);
		assert_true(s[0] != 0);
	}
	for (size_t i = 0; i < nf; i++)
		for (size_t j = i + 1; j < nf; j++)
			if (zsip_err_status(faults[i], NULL) == 400 && zsip_err_status(faults[j], NULL) == 400 &&
			    strcmp(reasons[i], reasons[j]) == 0)
				fail_msg("%s and %s share the reason \"%s\"", zsip_strerror(faults[i]),
					 zsip_strerror(faults[j]), reasons[i]);

	/* what is not a message fault gets no response */
	static const int others[] = { ZSIP_OK, ZSIP_EINVAL, ZSIP_ENOMEM, ZSIP_ENOSPC, ZSIP_ENOTFOUND,
				      ZSIP_ELIMIT, ZSIP_ESTATE, ZSIP_ETRANSPORT, ZSIP_ETIMEOUT, -999 };
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		assert_int_equal(zsip_err_status(others[i], NULL), 0);
		assert_non_null(zsip_strerror(others[i]));
	}
}

/* --------------------------------------------------------- truncation */

/* Every prefix of a message, in an exactly sized block, fails cleanly:
 * ZSIP_ETRUNC while the header block is cut (§7: a message needs its
 * blank line), ZSIP_EBODY once only the body is short (§18.3). */
static void check_prefixes(const char *name)
{
	size_t len;
	char *full = load_corpus(name, &len);
	long head = mx_find(full, len, "\r\n\r\n");
	assert_true(head > 0);
	size_t head_len = (size_t)head + 4;
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	for (size_t n = 0; n < len; n++) {
		char *b = mx_copy(full, n);
		int rc = zsip_msg_parse(m, b, n, NULL);
		int want = n < head_len ? ZSIP_ETRUNC : ZSIP_EBODY;
		if (rc != want)
			fail_msg("%s cut to %zu of %zu bytes: got %d (%s), expected %s", name, n, len, rc,
				 rc < 0 ? zsip_strerror(rc) : "accepted", zsip_strerror(want));
		if (m->err_off > n)
			fail_msg("%s cut to %zu bytes: err_off %zu past the end", name, n, m->err_off);
		assert_int_equal(zsip_err_status(rc, NULL), 400);
		free(b);
	}
	char *b = mx_copy(full, len);
	assert_int_equal(zsip_msg_parse(m, b, len, NULL), (int)len);
	free(b);
	free(m);
	free(full);
}

static void test_every_prefix_of_an_invite_fails_cleanly_rfc3261_18_3(void **state)
{
	(void)state;
	check_prefixes("01-invite-sdp.sip");
}

static void test_every_prefix_of_every_corpus_message_fails_cleanly_rfc3261_18_3(void **state)
{
	(void)state;
	DIR *d = opendir(CORPUS_DIR);
	assert_non_null(d);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".sip") == 0) {
			check_prefixes(e->d_name);
			n++;
		}
	}
	closedir(d);
	assert_true(n >= 14);
}

/* ----------------------------------------------------- mutated inputs */

static uint32_t rng_state = 0x2545f491u;

static uint32_t rng(void)
{
	uint32_t x = rng_state; /* xorshift32: repeatable from its seed */
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

/* One random edit of buf[0 .. len) into out; returns the new length. */
static size_t mutate(char *out, const char *buf, size_t len)
{
	static const char pick[] = ":;,<>\"\\ \t\r\n%@[]=?0123456789\x00\x7f\xff\xc3";
	memcpy(out, buf, len);
	size_t at = len ? rng() % len : 0;
	switch (rng() % 5) {
	case 0: /* replace a byte */
		if (len)
			out[at] = pick[rng() % (sizeof pick - 1)];
		return len;
	case 1: /* delete a byte */
		if (len)
			memmove(out + at, out + at + 1, len - at - 1);
		return len ? len - 1 : 0;
	case 2: { /* insert a byte */
		memmove(out + at + 1, out + at, len - at);
		out[at] = pick[rng() % (sizeof pick - 1)];
		return len + 1;
	}
	case 3: { /* repeat a span */
		size_t n = 1 + rng() % 40;
		if (at + n > len)
			n = len - at;
		memmove(out + at + n, out + at, len - at);
		return len + n;
	}
	default: /* cut */
		return at;
	}
}

/* Whatever the bytes (small random edits of the corpus, from a fixed
 * seed), an accepted message satisfies every invariant of a parsed
 * message, parses the same on its own, and is cut at the same length by
 * the stream framer; a rejected one names a fault that has a response, at
 * an offset inside the input. Neither reads past the input (make check). */
static void test_mutated_messages_keep_every_invariant(void **state)
{
	(void)state;
	DIR *d = opendir(CORPUS_DIR);
	assert_non_null(d);
	struct dirent *e;
	struct zsip_msg *m = malloc(sizeof *m), *m2 = malloc(sizeof *m2);
	char *work = malloc(8192);
	assert_non_null(m);
	assert_non_null(m2);
	assert_non_null(work);
	unsigned accepted = 0, rejected = 0;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l <= 4 || strcmp(e->d_name + l - 4, ".sip") != 0)
			continue;
		size_t len;
		char *orig = load_corpus(e->d_name, &len);
		assert_true(len < 2048);
		for (int i = 0; i < 3000; i++) {
			/* one to three edits on top of each other */
			size_t n = mutate(work, orig, len);
			int edits = (int)(rng() % 3);
			for (int k = 0; k < edits; k++) {
				char tmp[4096];
				memcpy(tmp, work, n);
				n = mutate(work, tmp, n);
			}
			char *b = mx_copy(work, n);
			int rc = zsip_msg_parse(m, b, n, NULL);
			if (rc >= 0) {
				mx_check_sane(m, b, n, rc);
				/* the message alone is the same message */
				char *alone = mx_copy(b, (size_t)rc);
				assert_int_equal(zsip_msg_parse(m2, alone, (size_t)rc, NULL), rc);
				free(alone);
				/* on a stream, the framer cuts it where the parser ends it */
				size_t cut = 0;
				if (m->content_length >= 0 && b[0] != '\r' && b[0] != '\n') {
					int fr = zsip_frame(b, n, NULL, &cut);
					if (fr != ZSIP_FRAME_MESSAGE || cut != (size_t)rc)
						fail_msg("%s mutated: the parser takes %d bytes, the framer %s %zu",
							 e->d_name, rc, fr == ZSIP_FRAME_MESSAGE ? "takes" : "says",
							 cut);
				}
				accepted++;
			} else {
				int st = zsip_err_status(rc, NULL);
				if (st != 400 && st != 413 && st != 501 && st != 505)
					fail_msg("%s mutated: %d (%s) has no response", e->d_name, rc, zsip_strerror(rc));
				assert_true(m->err_off <= n);
				rejected++;
			}
			size_t used = 0;
			int fr = zsip_frame(b, n, NULL, &used);
			if (fr == ZSIP_FRAME_MESSAGE || fr == ZSIP_FRAME_PING || fr == ZSIP_FRAME_PONG)
				assert_true(used > 0 && used <= n);
			else if (fr == ZSIP_FRAME_MORE)
				assert_int_equal(used, 0);
			free(b);
		}
		free(orig);
	}
	closedir(d);
	free(work);
	free(m2);
	free(m);
	/* the edits are small: both outcomes must be common */
	assert_true(accepted > 1000);
	assert_true(rejected > 1000);
}

/* ------------------------------------------------------------ corpus */

static void xc_01(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->via.rport, "");
	mx_assert_str(m->to.display, "Bob");
	mx_assert_str(m->from.display, "Alice Liddell");
	struct zsip_contact c;
	assert_int_equal(zsip_msg_contact(m, &c), 0);
	mx_assert_str(c.addr.uri.host, "198.51.100.23");
	assert_int_equal(c.addr.uri.port, 5060);
	mx_assert_str(c.addr.uri.params, "transport=udp");
	assert_int_equal(mx_count_values(m, ZSIP_HDR_ALLOW), 12);
	mx_assert_str(zsip_msg_find(m, ZSIP_HDR_CONTENT_TYPE)->value, "application/sdp");
	assert_memory_equal(m->body.p, "v=0\r\n", 5);
}

static void xc_02(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(mx_count_fields(m, ZSIP_HDR_VIA), 3);
	assert_int_equal(mx_count_fields(m, ZSIP_HDR_RECORD_ROUTE), 2);
	mx_assert_str(zsip_msg_find(m, ZSIP_HDR_RECORD_ROUTE)->value, "<sip:edge2.biloxi.example.com;lr>");
	struct zsip_via v;
	assert_int_equal(zsip_via_parse(&v, mx_value_at(m, ZSIP_HDR_VIA, 2)), 0);
	mx_assert_str(v.received, "198.51.100.23");
}

static void xc_03(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->via.received, "198.51.100.23");
	struct zsip_contact c;
	assert_int_equal(zsip_msg_contact(m, &c), ZSIP_ENOTFOUND);
}

static void xc_06(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(mx_count_fields(m, ZSIP_HDR_ROUTE), 2);
	mx_assert_str(zsip_msg_find(m, ZSIP_HDR_ROUTE)->value, "<sip:core1.atlanta.example.com;lr;ftag=1928301774>");
}

static void xc_07(const struct zsip_msg *m, size_t len)
{
	(void)len;
	const struct zsip_hdr *h = zsip_msg_find_name(m, ZSIP_STR("reason"));
	assert_non_null(h);
	assert_int_equal(h->id, ZSIP_HDR_OTHER);
	mx_assert_str(h->value, "Q.850;cause=16;text=\"Normal call clearing\"");
}

static void xc_10(const struct zsip_msg *m, size_t len)
{
	(void)len;
	struct zsip_contact c;
	assert_int_equal(zsip_msg_contact(m, &c), 0);
	mx_assert_str(c.expires, "3600");
	uint32_t e;
	assert_int_equal(zsip_uint_parse(zsip_msg_find(m, ZSIP_HDR_EXPIRES)->value, 0xffffffffu, &e), 0);
	assert_int_equal(e, 3600);
}

static void xc_11(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(mx_count_fields(m, ZSIP_HDR_WWW_AUTHENTICATE), 2);
	const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_WWW_AUTHENTICATE);
	struct zsip_auth a;
	assert_int_equal(zsip_auth_parse(&a, h->value), 0);
	mx_assert_str(a.scheme, "Digest");
	mx_assert_str(a.realm, "biloxi.example.com");
	mx_assert_str(a.algorithm, "SHA-256");
	mx_assert_str(a.qop, "auth");
	h = zsip_msg_find_next(m, h);
	assert_int_equal(zsip_auth_parse(&a, h->value), 0);
	mx_assert_str(a.algorithm, "MD5");
	mx_assert_str(a.nonce, "ea9c8e88df84f1cec4341ae6cbe5a359");
}

static void xc_12(const struct zsip_msg *m, size_t len)
{
	(void)len;
	struct zsip_auth a;
	assert_int_equal(zsip_auth_parse(&a, zsip_msg_find(m, ZSIP_HDR_AUTHORIZATION)->value), 0);
	mx_assert_str(a.username, "bob");
	mx_assert_str(a.uri, "sip:registrar.biloxi.example.com");
	mx_assert_str(a.nc, "00000001");
	mx_assert_str(a.qop, "auth");
}

static void xc_14(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(zsip_msg_find(m, ZSIP_HDR_VIA)->name, "v");
	mx_assert_str(zsip_msg_find(m, ZSIP_HDR_CONTACT)->name, "m");
	mx_assert_str(zsip_msg_find(m, ZSIP_HDR_SUPPORTED)->name, "k");
	mx_assert_str(zsip_msg_find(m, ZSIP_HDR_CONTENT_TYPE)->name, "c");
	mx_assert_str(zsip_msg_find(m, ZSIP_HDR_CONTENT_LENGTH)->name, "l");
}

#define CREQ(mid, meth) .is_request = 1, .method_id = (mid), .method = (meth), .scheme_id = ZSIP_URI_SIP
#define CRESP(code, rs) .is_request = 0, .status = (code), .reason = (rs)
#define DLG_CALLID "a84b4c76e66710-3f9d2e@198.51.100.23"

static const struct mx_want corpus[] = {
	{ .name = "01-invite-sdp.sip", CREQ(ZSIP_METHOD_INVITE, "INVITE"), .ruri = "sip:bob@biloxi.example.com",
	  .ruri_user = "bob", .ruri_host = "biloxi.example.com", .ruri_port = 0, .via_transport = "UDP",
	  .via_host = "198.51.100.23", .via_port = 5060, .via_branch = "z9hG4bK776asdhds", .from_tag = "1928301774",
	  .to_tag = NULL, .call_id = DLG_CALLID, .cseq = 314159, .cseq_method = "INVITE", .max_forwards = 70,
	  .content_length = 271, .body_len = 271, .nhdr = 15, .msg_len = -1, .extra = xc_01 },
	{ .name = "02-invite-proxied.sip", CREQ(ZSIP_METHOD_INVITE, "INVITE"), .ruri = "sip:bob@203.0.113.77:5060",
	  .ruri_user = "bob", .ruri_host = "203.0.113.77", .ruri_port = 5060, .via_transport = "UDP",
	  .via_host = "edge2.biloxi.example.com", .via_port = 5060, .via_branch = "z9hG4bK4b43c2ff8.1",
	  .from_tag = "1928301774", .to_tag = NULL, .call_id = DLG_CALLID, .cseq = 314159, .cseq_method = "INVITE",
	  .max_forwards = 68, .content_length = 271, .body_len = 271, .nhdr = 16, .msg_len = -1, .extra = xc_02 },
	{ .name = "03-100-trying.sip", CRESP(100, "Trying"), .via_transport = "UDP", .via_host = "198.51.100.23",
	  .via_port = 5060, .via_branch = "z9hG4bK776asdhds", .from_tag = "1928301774", .to_tag = NULL,
	  .call_id = DLG_CALLID, .cseq = 314159, .cseq_method = "INVITE", .max_forwards = -1, .content_length = 0,
	  .body_len = 0, .nhdr = 6, .msg_len = -1, .extra = xc_03 },
	{ .name = "04-180-ringing.sip", CRESP(180, "Ringing"), .via_transport = "UDP",
	  .via_host = "edge2.biloxi.example.com", .via_port = 5060, .via_branch = "z9hG4bK4b43c2ff8.1",
	  .from_tag = "1928301774", .to_tag = "a6c85cf", .call_id = DLG_CALLID, .cseq = 314159,
	  .cseq_method = "INVITE", .max_forwards = -1, .content_length = 0, .body_len = 0, .nhdr = 12, .msg_len = -1,
	  .extra = NULL },
	{ .name = "05-200-ok-sdp.sip", CRESP(200, "OK"), .via_transport = "UDP", .via_host = "edge2.biloxi.example.com",
	  .via_port = 5060, .via_branch = "z9hG4bK4b43c2ff8.1", .from_tag = "1928301774", .to_tag = "a6c85cf",
	  .call_id = DLG_CALLID, .cseq = 314159, .cseq_method = "INVITE", .max_forwards = -1, .content_length = 204,
	  .body_len = 204, .nhdr = 17, .msg_len = -1, .extra = NULL },
	{ .name = "06-ack.sip", CREQ(ZSIP_METHOD_ACK, "ACK"), .ruri = "sip:bob@203.0.113.77:5060", .ruri_user = "bob",
	  .ruri_host = "203.0.113.77", .ruri_port = 5060, .via_transport = "UDP", .via_host = "198.51.100.23",
	  .via_port = 5060, .via_branch = "z9hG4bKnashds8", .from_tag = "1928301774", .to_tag = "a6c85cf",
	  .call_id = DLG_CALLID, .cseq = 314159, .cseq_method = "ACK", .max_forwards = 70, .content_length = 0,
	  .body_len = 0, .nhdr = 10, .msg_len = -1, .extra = xc_06 },
	{ .name = "07-bye.sip", CREQ(ZSIP_METHOD_BYE, "BYE"), .ruri = "sip:bob@203.0.113.77:5060", .ruri_user = "bob",
	  .ruri_host = "203.0.113.77", .ruri_port = 5060, .via_transport = "UDP", .via_host = "198.51.100.23",
	  .via_port = 5060, .via_branch = "z9hG4bKb9a1e33", .from_tag = "1928301774", .to_tag = "a6c85cf",
	  .call_id = DLG_CALLID, .cseq = 314160, .cseq_method = "BYE", .max_forwards = 70, .content_length = 0,
	  .body_len = 0, .nhdr = 11, .msg_len = -1, .extra = xc_07 },
	{ .name = "08-cancel.sip", CREQ(ZSIP_METHOD_CANCEL, "CANCEL"), .ruri = "sip:bob@biloxi.example.com",
	  .ruri_user = "bob", .ruri_host = "biloxi.example.com", .ruri_port = 0, .via_transport = "UDP",
	  .via_host = "198.51.100.23", .via_port = 5060, .via_branch = "z9hG4bK776asdhds", .from_tag = "1928301774",
	  .to_tag = NULL, .call_id = DLG_CALLID, .cseq = 314159, .cseq_method = "CANCEL", .max_forwards = 70,
	  .content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = NULL },
	{ .name = "09-487.sip", CRESP(487, "Request Terminated"), .via_transport = "UDP", .via_host = "198.51.100.23",
	  .via_port = 5060, .via_branch = "z9hG4bK776asdhds", .from_tag = "1928301774", .to_tag = "a6c85cf",
	  .call_id = DLG_CALLID, .cseq = 314159, .cseq_method = "INVITE", .max_forwards = -1, .content_length = 0,
	  .body_len = 0, .nhdr = 6, .msg_len = -1, .extra = NULL },
	{ .name = "10-register.sip", CREQ(ZSIP_METHOD_REGISTER, "REGISTER"),
	  .ruri = "sip:registrar.biloxi.example.com", .ruri_user = NULL, .ruri_host = "registrar.biloxi.example.com",
	  .ruri_port = 0, .via_transport = "UDP", .via_host = "192.0.2.44", .via_port = 5062,
	  .via_branch = "z9hG4bKnashd92", .from_tag = "456248", .to_tag = NULL, .call_id = "843817637684230@998sdasdh09",
	  .cseq = 1826, .cseq_method = "REGISTER", .max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 12,
	  .msg_len = -1, .extra = xc_10 },
	{ .name = "11-401-challenge.sip", CRESP(401, "Unauthorized"), .via_transport = "UDP", .via_host = "192.0.2.44",
	  .via_port = 5062, .via_branch = "z9hG4bKnashd92", .from_tag = "456248", .to_tag = "2493k59kd",
	  .call_id = "843817637684230@998sdasdh09", .cseq = 1826, .cseq_method = "REGISTER", .max_forwards = -1,
	  .content_length = 0, .body_len = 0, .nhdr = 9, .msg_len = -1, .extra = xc_11 },
	{ .name = "12-register-auth.sip", CREQ(ZSIP_METHOD_REGISTER, "REGISTER"),
	  .ruri = "sip:registrar.biloxi.example.com", .ruri_user = NULL, .ruri_host = "registrar.biloxi.example.com",
	  .ruri_port = 0, .via_transport = "UDP", .via_host = "192.0.2.44", .via_port = 5062,
	  .via_branch = "z9hG4bKnashd93", .from_tag = "456248", .to_tag = NULL, .call_id = "843817637684230@998sdasdh09",
	  .cseq = 1827, .cseq_method = "REGISTER", .max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 11,
	  .msg_len = -1, .extra = xc_12 },
	{ .name = "13-options.sip", CREQ(ZSIP_METHOD_OPTIONS, "OPTIONS"), .ruri = "sip:carol@chicago.example.com",
	  .ruri_user = "carol", .ruri_host = "chicago.example.com", .ruri_port = 0, .via_transport = "TCP",
	  .via_host = "pc33.atlanta.example.com", .via_port = 0, .via_branch = "z9hG4bKhjhs8ass877",
	  .from_tag = "1928301774", .to_tag = NULL, .call_id = "a84b4c76e66710", .cseq = 63104, .cseq_method = "OPTIONS",
	  .max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 9, .msg_len = -1, .extra = NULL },
	{ .name = "14-invite-compact.sip", CREQ(ZSIP_METHOD_INVITE, "INVITE"), .ruri = "sip:bob@biloxi.example.com",
	  .ruri_user = "bob", .ruri_host = "biloxi.example.com", .ruri_port = 0, .via_transport = "UDP",
	  .via_host = "198.51.100.23", .via_port = 5060, .via_branch = "z9hG4bK74bf9", .from_tag = "9fxced76sl",
	  .to_tag = NULL, .call_id = "3848276298220188511@atlanta.example.com", .cseq = 2, .cseq_method = "INVITE",
	  .max_forwards = 70, .content_length = 271, .body_len = 271, .nhdr = 10, .msg_len = -1, .extra = xc_14 },
};

static void test_every_corpus_message_parses_with_its_key_fields(void **state)
{
	(void)state;
	DIR *d = opendir(CORPUS_DIR);
	if (!d)
		fail_msg("cannot open %s", CORPUS_DIR);
	struct dirent *e;
	int n = 0;
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l <= 4 || strcmp(e->d_name + l - 4, ".sip") != 0)
			continue;
		const struct mx_want *w = NULL;
		for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++)
			if (strcmp(corpus[i].name, e->d_name) == 0)
				w = &corpus[i];
		if (!w)
			fail_msg("no field table for corpus/%s", e->d_name);
		size_t len;
		char *b = load_corpus(e->d_name, &len);
		int rc = zsip_msg_parse(m, b, len, NULL);
		if (rc < 0)
			fail_msg("corpus/%s rejected: %s at offset %zu", e->d_name, zsip_strerror(rc), m->err_off);
		mx_check_sane(m, b, len, rc);
		mx_check_want(m, len, w);
		free(b);
		n++;
	}
	closedir(d);
	free(m);
	assert_int_equal(n, (int)(sizeof corpus / sizeof corpus[0]));
}

/* ------------------------------------------------------- fast scanners */

typedef const char *(*scan_fn)(const char *, const char *);

/* The word-at-a-time scanners of src/msg/scan.h return what their
 * byte-by-byte references return, from every start offset of buf (the
 * fuzz target fuzz/fuzz_scan.c does the same on arbitrary input). The copy
 * is exactly len bytes, so that a read past the end shows under ASan. */
static void scanners_agree(const char *name, const char *buf, size_t len)
{
	static const struct {
		const char *what;
		scan_fn ref, fast;
	} s[] = {
		{ "eol swar", zsipi_scan_eol_ref, zsipi_scan_eol_swar },
		{ "colon swar", zsipi_scan_colon_ref, zsipi_scan_colon_swar },
#ifdef __SSE2__
		{ "eol sse2", zsipi_scan_eol_ref, zsipi_scan_eol_sse2 },
		{ "colon sse2", zsipi_scan_colon_ref, zsipi_scan_colon_sse2 },
#endif
	};
	char *b = malloc(len ? len : 1);
	assert_non_null(b);
	memcpy(b, buf, len);
	typedef const char *(*line_fn)(const char *, const char *, const char **);
	static const struct {
		const char *what;
		line_fn fast;
	} l[] = {
		{ "line swar", zsipi_scan_line_swar },
#ifdef __SSE2__
		{ "line sse2", zsipi_scan_line_sse2 },
#endif
	};
	for (size_t i = 0; i <= len; i++) {
		for (size_t k = 0; k < sizeof s / sizeof s[0]; k++) {
			const char *want = s[k].ref(b + i, b + len), *got = s[k].fast(b + i, b + len);
			if (got != want)
				fail_msg("%s: %s from offset %zu: got %td, want %td", name, s[k].what, i,
					 got - b, want - b);
		}
#ifdef __SSE2__
		/* the Reason-Phrase scan reads up to the buffer's end, judges
		 * up to its own */
		for (size_t e = i; e <= len; e += (len - i) / 2 + 1) {
			const char *want = zsipi_scan_text_ref(b + i, b + e),
				   *got = zsipi_scan_text_sse2(b + i, b + e, b + len);
			if (got != want)
				fail_msg("%s: text sse2 over %zu..%zu: got %td, want %td", name, i, e, got - b,
					 want - b);
		}
#endif
		for (size_t k = 0; k < sizeof l / sizeof l[0]; k++) {
			const char *wc, *gc, *want = zsipi_scan_line_ref(b + i, b + len, &wc),
					     *got = l[k].fast(b + i, b + len, &gc);
			if (got != want || gc != wc)
				fail_msg("%s: %s from offset %zu: got %td/%td, want %td/%td", name, l[k].what, i,
					 got - b, gc - b, want - b, wc - b);
		}
	}
	free(b);
}

static void scanners_agree_on_dir(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name), sl = strlen(suffix);
		if (l <= sl || strcmp(e->d_name + l - sl, suffix) != 0)
			continue;
		char path[512];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		size_t len;
		char *b = mx_load(path, &len);
		if (!b)
			fail_msg("cannot read %s", path);
		scanners_agree(path, b, len);
		free(b);
		n++;
	}
	closedir(d);
	assert_true(n > 0);
}

static void test_fast_scanners_agree_with_byte_by_byte_reference(void **state)
{
	(void)state;
	scanners_agree_on_dir(CORPUS_DIR, ".sip");
	scanners_agree_on_dir(ZSIP_SHARED_DIR "/conformance/rfc4475", ".dat");
	scanners_agree_on_dir(ZSIP_SHARED_DIR "/conformance/rfc5118", ".dat");
	/* the edges: hits in every lane of a word and at the very end */
	static const char hit[] = ":\r\n\t\x0e\x0c\x00\x80\xff\x1f\x7f"
				  " ";
	char b[40];
	for (size_t at = 0; at < sizeof b; at++)
		for (size_t c = 0; c < sizeof hit - 1; c++) {
			memset(b, 'a', sizeof b);
			b[at] = hit[c];
			scanners_agree("edge", b, sizeof b);
			scanners_agree("edge-short", b, at + 1);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_line_and_headers_are_read_rfc3261_7_1),
		cmocka_unit_test(test_fast_scanners_agree_with_byte_by_byte_reference),
		cmocka_unit_test(test_status_line_code_and_reason_are_read_rfc3261_7_2),
		cmocka_unit_test(test_status_line_with_empty_reason_phrase_rfc4475_3_1_1_13),
		cmocka_unit_test(test_request_line_with_two_spaces_is_rejected_rfc4475_3_1_2_9),
		cmocka_unit_test(test_request_line_with_space_after_version_is_rejected_rfc4475_3_1_2_10),
		cmocka_unit_test(test_request_line_separators_are_single_sp_not_tab_rfc3261_25_1),
		cmocka_unit_test(test_request_line_without_version_is_rejected_rfc3261_7_1),
		cmocka_unit_test(test_method_with_non_token_character_is_rejected_rfc3261_25_1),
		cmocka_unit_test(test_methods_are_case_sensitive_rfc3261_7_1),
		cmocka_unit_test(test_extension_method_is_other_and_keeps_its_token_rfc3261_8_2_1),
		cmocka_unit_test(test_known_methods_map_to_their_ids_and_back_rfc3261_7_1),
		cmocka_unit_test(test_sip_version_other_than_2_0_is_answered_505_rfc3261_21_5_6),
		cmocka_unit_test(test_something_that_is_not_a_sip_version_is_a_bad_start_line_rfc3261_25_1),
		cmocka_unit_test(test_sip_version_is_case_insensitive_rfc3261_7_1),
		cmocka_unit_test(test_status_code_is_three_digits_from_100_to_699_rfc3261_7_2),
		cmocka_unit_test(test_request_uri_in_angle_brackets_is_rejected_rfc4475_3_1_2_7),
		cmocka_unit_test(test_request_uri_with_headers_is_rejected_rfc3261_19_1_1),
		cmocka_unit_test(test_request_uri_without_host_is_rejected_rfc3261_25_1),
		cmocka_unit_test(test_sips_and_tel_request_uris_parse_rfc3261_19_1_rfc3966),
		cmocka_unit_test(test_crlf_before_the_start_line_is_ignored_rfc3261_7_5),
		cmocka_unit_test(test_every_compact_form_names_its_header_in_either_case_rfc3261_7_3_3),
		cmocka_unit_test(test_mandatory_fields_in_compact_form_fill_the_checked_fields_rfc3261_7_3_3),
		cmocka_unit_test(test_hdr_lookup_knows_every_canonical_name_in_any_case_rfc3261_7_3_1),
		cmocka_unit_test(test_header_names_are_case_insensitive_rfc3261_7_3_1),
		cmocka_unit_test(test_lws_before_the_colon_is_allowed_rfc3261_7_3_1),
		cmocka_unit_test(test_white_space_around_a_value_is_not_part_of_it_rfc3261_7_3_1),
		cmocka_unit_test(test_folded_values_keep_the_fold_and_typed_fields_read_through_it_rfc3261_7_3_1),
		cmocka_unit_test(test_header_line_without_name_and_colon_is_rejected_rfc3261_7_3_1),
		cmocka_unit_test(test_continuation_line_without_a_field_is_rejected_rfc3261_7_3_1),
		cmocka_unit_test(test_reason_phrase_with_control_characters_is_rejected_rfc3261_25_1),
		cmocka_unit_test(test_request_uri_port_above_65535_is_rejected_rfc3261_25_1),
		cmocka_unit_test(test_single_value_header_holding_a_comma_list_is_rejected_rfc3261_7_3_1),
		cmocka_unit_test(test_numbers_take_no_sign_rfc3261_25_1),
		cmocka_unit_test(test_find_with_ids_out_of_range_or_empty_names_finds_nothing),
		cmocka_unit_test(test_repeated_fields_keep_their_order_and_chain_rfc3261_7_3_1),
		cmocka_unit_test(test_top_via_is_the_first_value_of_the_first_via_field_rfc3261_20_42),
		cmocka_unit_test(test_find_name_finds_unknown_headers_ignoring_case_rfc3261_7_3_1),
		cmocka_unit_test(test_parse_leaves_nothing_of_the_previous_message),
		cmocka_unit_test(test_each_missing_mandatory_header_has_its_own_error_rfc3261_8_1_1),
		cmocka_unit_test(test_missing_max_forwards_is_accepted_for_rfc2543_peers_rfc4475_3_4_1),
		cmocka_unit_test(test_response_without_via_or_call_id_is_rejected_rfc3261_20),
		cmocka_unit_test(test_several_values_for_a_single_value_header_are_rejected_rfc4475_3_3_8),
		cmocka_unit_test(test_cseq_method_must_match_the_request_method_rfc3261_8_1_1_5),
		cmocka_unit_test(test_cseq_number_fits_32_bits_rfc3261_8_1_1_5),
		cmocka_unit_test(test_max_forwards_is_0_to_255_rfc3261_20_22),
		cmocka_unit_test(test_call_id_is_word_at_word_rfc3261_25_1),
		cmocka_unit_test(test_malformed_via_from_to_are_rejected_with_their_codes_rfc3261_25_1),
		cmocka_unit_test(test_content_length_larger_than_the_datagram_is_400_rfc3261_18_3),
		cmocka_unit_test(test_bytes_past_content_length_are_not_part_of_the_message_rfc3261_18_3),
		cmocka_unit_test(test_without_content_length_the_body_runs_to_the_datagram_end_rfc3261_18_3),
		cmocka_unit_test(test_two_different_content_lengths_are_rejected_rfc4475_3_3_9),
		cmocka_unit_test(test_negative_or_garbage_content_length_is_rejected_rfc3261_20_14),
		cmocka_unit_test(test_content_length_with_leading_zeros_or_compact_name_rfc3261_20_14),
		cmocka_unit_test(test_message_larger_than_max_msg_size_is_413_rfc3261_21_4_11),
		cmocka_unit_test(test_default_max_msg_size_is_65535),
		cmocka_unit_test(test_more_fields_than_max_headers_are_rejected),
		cmocka_unit_test(test_no_more_than_zsip_max_headers_fields_whatever_the_limit),
		cmocka_unit_test(test_field_longer_than_max_header_len_is_rejected),
		cmocka_unit_test(test_folded_field_counts_all_its_lines_against_max_header_len),
		cmocka_unit_test(test_default_max_header_len_is_8192),
		cmocka_unit_test(test_err_off_points_into_the_faulty_line),
		cmocka_unit_test(test_err_status_gives_the_response_and_a_reason_naming_the_fault_rfc3261_21_4_1),
		cmocka_unit_test(test_every_prefix_of_an_invite_fails_cleanly_rfc3261_18_3),
		cmocka_unit_test(test_every_prefix_of_every_corpus_message_fails_cleanly_rfc3261_18_3),
		cmocka_unit_test(test_every_corpus_message_parses_with_its_key_fields),
		cmocka_unit_test(test_mutated_messages_keep_every_invariant),
	};
	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
