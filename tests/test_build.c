/* Serializer and forwarding edits: zsip_build_request, zsip_build_response,
 * zsip_reason_phrase, zsip_msg_rewrite and the zsip_fwd_* helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/msgcmp.h"
#include "zsip/msg.h"

/* ---------------------------------------------------------------- helpers */

#define S(lit) ZSIP_STR(lit)

static int parse_s(struct zsip_msg *m, const char *s)
{
	return zsip_msg_parse(m, s, strlen(s), NULL);
}

static void assert_str(struct zsip_str s, const char *want)
{
	size_t n = strlen(want);
	if (s.p == NULL || s.len != n || memcmp(s.p, want, n) != 0) {
		print_error("expected '%s', got '%.*s'\n", want, s.p ? (int)s.len : 6,
			    s.p ? s.p : "(null)");
		fail();
	}
}

static void assert_slices_eq(struct zsip_str a, struct zsip_str b)
{
	if (!zsip_str_eq(a, b)) {
		print_error("'%.*s' != '%.*s'\n", (int)a.len, a.p ? a.p : "", (int)b.len, b.p ? b.p : "");
		fail();
	}
}

/* The n-th (0-based) field with this id, or NULL. */
static const struct zsip_hdr *nth(const struct zsip_msg *m, enum zsip_hdr_id id, unsigned n)
{
	const struct zsip_hdr *h = zsip_msg_find(m, id);
	while (h && n--)
		h = zsip_msg_find_next(m, h);
	return h;
}

static unsigned count(const struct zsip_msg *m, enum zsip_hdr_id id)
{
	unsigned n = 0;
	for (const struct zsip_hdr *h = zsip_msg_find(m, id); h; h = zsip_msg_find_next(m, h))
		n++;
	return n;
}

/* A caller's buffer of exactly cap bytes followed by guard bytes; a write
 * past cap shows up in the guard (and under ASan, in the redzone when the
 * guard is left out). */
#define GUARD 32
static char *guarded(size_t cap)
{
	char *b = malloc(cap + GUARD);
	assert_non_null(b);
	memset(b, 0xA5, cap + GUARD);
	return b;
}

static void assert_guard(const char *b, size_t cap)
{
	for (size_t i = cap; i < cap + GUARD; i++)
		assert_int_equal((unsigned char)b[i], 0xA5);
}

/* Calls fn for every cap from 0 to need and checks snprintf's rule: the
 * return is always need, nothing lands past cap, and at cap == need the
 * bytes are the message. */
typedef int (*writer_fn)(char *out, size_t cap, const void *arg);

static void check_every_cap(writer_fn fn, const void *arg)
{
	int need = fn(NULL, 0, arg);
	assert_true(need > 0);
	char *ref = malloc((size_t)need + 1);
	assert_non_null(ref);
	assert_int_equal(fn(ref, (size_t)need + 1, arg), need);
	for (size_t cap = 0; cap <= (size_t)need; cap++) {
		char *b = guarded(cap);
		assert_int_equal(fn(cap ? b : NULL, cap, arg), need);
		assert_guard(b, cap);
		if (cap == (size_t)need)
			assert_memory_equal(b, ref, (size_t)need);
		free(b);
		/* and once more in a buffer of exactly cap bytes, for ASan */
		char *e = malloc(cap ? cap : 1);
		assert_non_null(e);
		assert_int_equal(fn(cap ? e : NULL, cap, arg), need);
		free(e);
	}
	free(ref);
}

/* ------------------------------------------------------- request builder */

static const char sdp[] = "v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
			  "t=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";

static const struct zsip_field invite_hdrs[] = {
	{ S("Via"), S("SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds") },
	{ S("Max-Forwards"), S("70") },
	{ S("To"), S("Bob <sip:bob@biloxi.example.com>") },
	{ S("From"), S("Alice <sip:alice@atlanta.example.com>;tag=1928301774") },
	{ S("Call-ID"), S("a84b4c76e66710@pc33.atlanta.example.com") },
	{ S("CSeq"), S("314159 INVITE") },
	{ S("Contact"), S("<sip:alice@pc33.atlanta.example.com>") },
	{ S("Content-Type"), S("application/sdp") },
	{ S("X-Empty"), S("") },
};

static struct zsip_request invite_req(void)
{
	struct zsip_request r = {
		.method = S("INVITE"),
		.ruri = S("sip:bob@biloxi.example.com"),
		.hdrs = invite_hdrs,
		.nhdrs = sizeof invite_hdrs / sizeof invite_hdrs[0],
		.body = { sdp, sizeof sdp - 1 },
	};
	return r;
}

/* RFC 3261 §7.1, §7.3, §7.4: the request line, the fields in order, then
 * Content-Length giving the body's size, the blank line and the body. */
static void test_build_request_parses_back_field_by_field(void **state)
{
	(void)state;
	struct zsip_request r = invite_req();
	char out[2048];
	int n = zsip_build_request(out, sizeof out, &r);
	assert_true(n > 0 && (size_t)n < sizeof out);

	const char *start = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n";
	assert_memory_equal(out, start, strlen(start));

	struct zsip_msg m;
	assert_int_equal(zsip_msg_parse(&m, out, (size_t)n, NULL), n);
	assert_true(m.is_request);
	assert_int_equal(m.method_id, ZSIP_METHOD_INVITE);
	assert_str(m.method, "INVITE");
	assert_str(m.ruri_str, "sip:bob@biloxi.example.com");
	assert_int_equal(m.nhdr, r.nhdrs + 1);
	for (size_t i = 0; i < r.nhdrs; i++) {
		assert_slices_eq(m.hdr[i].name, r.hdrs[i].name);
		assert_slices_eq(m.hdr[i].value, r.hdrs[i].value);
	}
	/* the builder's own Content-Length comes last */
	assert_int_equal(m.hdr[r.nhdrs].id, ZSIP_HDR_CONTENT_LENGTH);
	assert_int_equal(m.content_length, (long)(sizeof sdp - 1));
	assert_int_equal(m.body.len, sizeof sdp - 1);
	assert_memory_equal(m.body.p, sdp, sizeof sdp - 1);
	assert_str(m.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
	assert_int_equal(m.cseq.num, 314159);
	assert_str(m.from.tag, "1928301774");
	assert_null(m.to.tag.p);
	assert_str(m.via.branch, "z9hG4bK776asdhds");
	assert_int_equal(m.max_forwards, 70);
}

/* RFC 3261 §20.14: with no body, Content-Length is 0 (and it is always
 * written, which a stream transport requires, §18.3). */
static void test_build_request_without_body_writes_content_length_zero(void **state)
{
	(void)state;
	struct zsip_request r = invite_req();
	r.method = S("OPTIONS");
	r.body.p = NULL;
	r.body.len = 0;
	struct zsip_field h[6];
	memcpy(h, invite_hdrs, sizeof h);
	h[5].value = S("1 OPTIONS");
	r.hdrs = h;
	r.nhdrs = 6;
	char out[1024];
	int n = zsip_build_request(out, sizeof out, &r);
	assert_true(n > 0);
	const char *tail = "Content-Length: 0\r\n\r\n";
	assert_memory_equal(out + n - strlen(tail), tail, strlen(tail));
	struct zsip_msg m;
	assert_int_equal(zsip_msg_parse(&m, out, (size_t)n, NULL), n);
	assert_int_equal(m.content_length, 0);
	assert_int_equal(m.body.len, 0);
}

/* A method is a token (RFC 3261 §25.1), the Request-URI one element of the
 * request line (§7.1), and no name or value may hold a line end (§7.3),
 * which would let text pass as a field of its own. */
static void test_build_request_rejects_invalid_input(void **state)
{
	(void)state;
	char out[2048];
	struct zsip_request r;
	struct zsip_field h[2] = { { S("Call-ID"), S("x@y") }, { S("Subject"), S("hi") } };

	static const struct zsip_str bad_methods[] = {
		{ "", 0 }, { NULL, 0 }, { "INV ITE", 7 }, { "INVITE\r\n", 8 }, { "INV\nITE", 7 }, { "IN:VITE", 7 },
	};
	for (size_t i = 0; i < sizeof bad_methods / sizeof bad_methods[0]; i++) {
		r = invite_req();
		r.method = bad_methods[i];
		assert_int_equal(zsip_build_request(out, sizeof out, &r), ZSIP_EINVAL);
	}
	static const struct zsip_str bad_uris[] = {
		{ "", 0 }, { NULL, 0 }, { "sip:a@b c", 9 }, { "sip:a@b\r\n", 9 }, { "sip:a\n@b", 8 },
	};
	for (size_t i = 0; i < sizeof bad_uris / sizeof bad_uris[0]; i++) {
		r = invite_req();
		r.ruri = bad_uris[i];
		assert_int_equal(zsip_build_request(out, sizeof out, &r), ZSIP_EINVAL);
	}
	static const struct zsip_field bad_fields[] = {
		{ { "", 0 }, S("v") },
		{ { NULL, 0 }, S("v") },
		{ S("Sub ject"), S("v") },
		{ S("Subject:"), S("v") },
		{ S("Subject\r\n"), S("v") },
		{ S("Subject"), S("a\r\nVia: injected") },
		{ S("Subject"), S("a\rb") },
		{ S("Subject"), S("a\nb") },
		/* the builder owns Content-Length, full and compact (§7.3.3) */
		{ S("Content-Length"), S("0") },
		{ S("content-length"), S("0") },
		{ S("l"), S("0") },
	};
	for (size_t i = 0; i < sizeof bad_fields / sizeof bad_fields[0]; i++) {
		r = invite_req();
		h[1] = bad_fields[i];
		r.hdrs = h;
		r.nhdrs = 2;
		assert_int_equal(zsip_build_request(out, sizeof out, &r), ZSIP_EINVAL);
	}
	r = invite_req();
	r.body.p = NULL;
	r.body.len = 5;
	assert_int_equal(zsip_build_request(out, sizeof out, &r), ZSIP_EINVAL);
	r = invite_req();
	r.hdrs = NULL;
	assert_int_equal(zsip_build_request(out, sizeof out, &r), ZSIP_EINVAL);
	r = invite_req();
	assert_int_equal(zsip_build_request(NULL, 10, &r), ZSIP_EINVAL);
	assert_int_equal(zsip_build_request(out, sizeof out, NULL), ZSIP_EINVAL);
}

static int write_request(char *out, size_t cap, const void *arg)
{
	return zsip_build_request(out, cap, arg);
}

/* snprintf's rule: the needed length always, bytes only within cap. */
static void test_build_request_short_buffer_reports_needed_size(void **state)
{
	(void)state;
	struct zsip_request r = invite_req();
	check_every_cap(write_request, &r);
}

/* ------------------------------------------------------ response builder */

/* An INVITE that went through two proxies: three Via values, two of them
 * in one field, one written compact (RFC 3261 §7.3.1, §7.3.3), and a fold. */
static const char inv_in[] =
	"INVITE sip:bob@192.0.2.4 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3,\r\n"
	"  SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\r\n"
	"v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1\r\n"
	"Max-Forwards: 68\r\n"
	"Record-Route: <sip:server10.biloxi.example.com;lr>\r\n"
	"Record-Route: <sip:bigbox3.site3.atlanta.example.com;lr>\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Timestamp: 54.12 0.5\r\n"
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 4\r\n"
	"\r\n"
	"v=0\n";

/* RFC 3261 §8.2.6.2: Via, From, Call-ID and CSeq equal the request's, To
 * too except for the tag the UAS adds; Via fields keep their order. */
static void assert_copied(const struct zsip_msg *req, const struct zsip_msg *resp)
{
	assert_int_equal(count(resp, ZSIP_HDR_VIA), count(req, ZSIP_HDR_VIA));
	for (unsigned i = 0; i < count(req, ZSIP_HDR_VIA); i++)
		assert_slices_eq(nth(resp, ZSIP_HDR_VIA, i)->value, nth(req, ZSIP_HDR_VIA, i)->value);
	assert_int_equal(count(resp, ZSIP_HDR_FROM), 1);
	assert_slices_eq(zsip_msg_find(resp, ZSIP_HDR_FROM)->value, zsip_msg_find(req, ZSIP_HDR_FROM)->value);
	assert_slices_eq(resp->call_id, req->call_id);
	assert_slices_eq(zsip_msg_find(resp, ZSIP_HDR_CSEQ)->value, zsip_msg_find(req, ZSIP_HDR_CSEQ)->value);
	assert_int_equal(resp->cseq.num, req->cseq.num);
	assert_slices_eq(resp->cseq.method, req->cseq.method);
	assert_slices_eq(resp->from.tag, req->from.tag);
	assert_slices_eq(resp->via.branch, req->via.branch);
}

static void test_response_copies_via_from_to_callid_cseq(void **state)
{
	(void)state;
	struct zsip_msg req, resp;
	assert_true(parse_s(&req, inv_in) > 0);
	struct zsip_response rs = { .code = 200, .to_tag = S("a6c85cf") };
	char out[2048];
	int n = zsip_build_response(out, sizeof out, &req, &rs);
	assert_true(n > 0 && (size_t)n < sizeof out);
	assert_memory_equal(out, "SIP/2.0 200 OK\r\n", 16);
	assert_int_equal(zsip_msg_parse(&resp, out, (size_t)n, NULL), n);
	assert_false(resp.is_request);
	assert_int_equal(resp.status, 200);
	assert_str(resp.reason, "OK");
	assert_copied(&req, &resp);
	/* the folded two-value Via stays one field with both values */
	assert_int_equal(count(&resp, ZSIP_HDR_VIA), 2);
	/* To: the request's value plus the tag (§8.2.6.2) */
	assert_str(zsip_msg_find(&resp, ZSIP_HDR_TO)->value, "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf");
	assert_str(resp.to.tag, "a6c85cf");
	assert_str(resp.to.uri.raw, "sip:bob@biloxi.example.com");
	/* Record-Route, Contact and Timestamp are not the builder's to copy
	 * into a 200 (§12.1.1: the caller adds Record-Route; §8.2.6.1:
	 * Timestamp goes into a 100 only) */
	assert_null(zsip_msg_find(&resp, ZSIP_HDR_RECORD_ROUTE));
	assert_null(zsip_msg_find(&resp, ZSIP_HDR_CONTACT));
	assert_null(zsip_msg_find(&resp, ZSIP_HDR_TIMESTAMP));
	assert_null(zsip_msg_find(&resp, ZSIP_HDR_CONTENT_TYPE));
	assert_int_equal(resp.content_length, 0);
	assert_int_equal(resp.body.len, 0);
}

/* RFC 3261 §8.2.6.2: a UAS adds a tag only when the To has none (a request
 * inside a dialog already carries it, §12.2.1.1). */
static void test_response_keeps_existing_to_tag(void **state)
{
	(void)state;
	static const char bye[] = "BYE sip:alice@pc33.atlanta.example.com SIP/2.0\r\n"
				  "Via: SIP/2.0/TCP 192.0.2.4;branch=z9hG4bKnashds10\r\n"
				  "Max-Forwards: 70\r\n"
				  "From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
				  "To: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
				  "Call-ID: a84b4c76e66710\r\n"
				  "CSeq: 231 BYE\r\n"
				  "Content-Length: 0\r\n\r\n";
	struct zsip_msg req, resp;
	assert_true(parse_s(&req, bye) > 0);
	struct zsip_response rs = { .code = 200, .to_tag = S("other") };
	char out[1024];
	int n = zsip_build_response(out, sizeof out, &req, &rs);
	assert_true(n > 0);
	assert_int_equal(zsip_msg_parse(&resp, out, (size_t)n, NULL), n);
	assert_str(zsip_msg_find(&resp, ZSIP_HDR_TO)->value, "Alice <sip:alice@atlanta.example.com>;tag=1928301774");
	assert_str(resp.to.tag, "1928301774");
	assert_copied(&req, &resp);
}

/* RFC 3261 §8.2.6.1: a 100 (Trying) copies Timestamp; built without a
 * to_tag, its To is the request's as is. */
static void test_100_trying_copies_timestamp_and_adds_no_tag(void **state)
{
	(void)state;
	struct zsip_msg req, resp;
	assert_true(parse_s(&req, inv_in) > 0);
	struct zsip_response rs = { .code = 100 };
	char out[2048];
	int n = zsip_build_response(out, sizeof out, &req, &rs);
	assert_true(n > 0);
	assert_memory_equal(out, "SIP/2.0 100 Trying\r\n", 20);
	assert_int_equal(zsip_msg_parse(&resp, out, (size_t)n, NULL), n);
	assert_copied(&req, &resp);
	assert_null(resp.to.tag.p);
	assert_str(zsip_msg_find(&resp, ZSIP_HDR_TO)->value, "Bob <sip:bob@biloxi.example.com>");
	const struct zsip_hdr *ts = zsip_msg_find(&resp, ZSIP_HDR_TIMESTAMP);
	assert_non_null(ts);
	assert_str(ts->value, "54.12 0.5");
	assert_int_equal(count(&resp, ZSIP_HDR_TIMESTAMP), 1);

	/* a caller's own Timestamp (with a delay) replaces the copy */
	struct zsip_field f[] = { { S("Timestamp"), S("54.12 0.7") } };
	rs.hdrs = f;
	rs.nhdrs = 1;
	n = zsip_build_response(out, sizeof out, &req, &rs);
	assert_int_equal(zsip_msg_parse(&resp, out, (size_t)n, NULL), n);
	assert_int_equal(count(&resp, ZSIP_HDR_TIMESTAMP), 1);
	assert_str(zsip_msg_find(&resp, ZSIP_HDR_TIMESTAMP)->value, "54.12 0.7");
}

/* Extra fields follow the copied ones in the caller's order; Content-Length
 * gives the body's size (RFC 3261 §20.14); a dialog-creating 200 carries
 * the Record-Route set the caller passes (§12.1.1). */
static void test_response_extra_fields_and_body(void **state)
{
	(void)state;
	struct zsip_msg req, resp;
	assert_true(parse_s(&req, inv_in) > 0);
	struct zsip_field f[] = {
		{ S("Record-Route"), zsip_msg_find(&req, ZSIP_HDR_RECORD_ROUTE)->value },
		{ S("Record-Route"), nth(&req, ZSIP_HDR_RECORD_ROUTE, 1)->value },
		{ S("Contact"), S("<sip:bob@192.0.2.4>") },
		{ S("Content-Type"), S("application/sdp") },
	};
	struct zsip_response rs = { .code = 200, .to_tag = S("t1"), .hdrs = f, .nhdrs = 4,
				    .body = { sdp, sizeof sdp - 1 } };
	char out[2048];
	int n = zsip_build_response(out, sizeof out, &req, &rs);
	assert_int_equal(zsip_msg_parse(&resp, out, (size_t)n, NULL), n);
	assert_copied(&req, &resp);
	/* Via, Via, From, To, Call-ID, CSeq, then the extras in order */
	unsigned base = resp.nhdr - 5;
	assert_int_equal(resp.hdr[base].id, ZSIP_HDR_RECORD_ROUTE);
	assert_str(resp.hdr[base].value, "<sip:server10.biloxi.example.com;lr>");
	assert_str(resp.hdr[base + 1].value, "<sip:bigbox3.site3.atlanta.example.com;lr>");
	assert_int_equal(resp.hdr[base + 2].id, ZSIP_HDR_CONTACT);
	assert_int_equal(resp.hdr[base + 3].id, ZSIP_HDR_CONTENT_TYPE);
	assert_int_equal(resp.hdr[base + 4].id, ZSIP_HDR_CONTENT_LENGTH);
	assert_int_equal(resp.content_length, (long)(sizeof sdp - 1));
	assert_memory_equal(resp.body.p, sdp, sizeof sdp - 1);
}

/* RFC 3261 §21 phrases and the codes later RFCs added. */
static void test_reason_phrases_cover_rfc3261_section21(void **state)
{
	(void)state;
	static const struct { int code; const char *phrase; } t[] = {
		{ 100, "Trying" }, { 180, "Ringing" }, { 181, "Call Is Being Forwarded" }, { 182, "Queued" },
		{ 183, "Session Progress" }, { 200, "OK" }, { 202, "Accepted" }, { 204, "No Notification" },
		{ 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Moved Temporarily" },
		{ 305, "Use Proxy" }, { 380, "Alternative Service" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 402, "Payment Required" }, { 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
		{ 408, "Request Timeout" }, { 410, "Gone" }, { 413, "Request Entity Too Large" },
		{ 414, "Request-URI Too Long" }, { 415, "Unsupported Media Type" }, { 416, "Unsupported URI Scheme" },
		{ 420, "Bad Extension" }, { 421, "Extension Required" }, { 422, "Session Interval Too Small" },
		{ 423, "Interval Too Brief" }, { 429, "Provide Referrer Identity" },
		{ 480, "Temporarily Unavailable" }, { 481, "Call/Transaction Does Not Exist" },
		{ 482, "Loop Detected" }, { 483, "Too Many Hops" }, { 484, "Address Incomplete" },
		{ 485, "Ambiguous" }, { 486, "Busy Here" }, { 487, "Request Terminated" },
		{ 488, "Not Acceptable Here" }, { 489, "Bad Event" }, { 491, "Request Pending" },
		{ 493, "Undecipherable" }, { 494, "Security Agreement Required" },
		{ 500, "Server Internal Error" }, { 501, "Not Implemented" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Server Time-out" }, { 505, "Version Not Supported" },
		{ 513, "Message Too Large" }, { 580, "Precondition Failure" }, { 600, "Busy Everywhere" },
		{ 603, "Decline" }, { 604, "Does Not Exist Anywhere" }, { 606, "Not Acceptable" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_string_equal(zsip_reason_phrase(t[i].code), t[i].phrase);
	assert_string_equal(zsip_reason_phrase(299), "");
	assert_string_equal(zsip_reason_phrase(0), "");
	assert_string_equal(zsip_reason_phrase(-1), "");
	assert_string_equal(zsip_reason_phrase(1000), "");
}

/* A code without a registered phrase still gives a valid Status-Line
 * (RFC 3261 §7.2: Reason-Phrase may be empty, the SP before it is not);
 * a caller's phrase replaces the default. */
static void test_response_reason_custom_and_empty(void **state)
{
	(void)state;
	struct zsip_msg req, resp;
	assert_true(parse_s(&req, inv_in) > 0);
	char out[2048];
	struct zsip_response rs = { .code = 499 };
	int n = zsip_build_response(out, sizeof out, &req, &rs);
	assert_memory_equal(out, "SIP/2.0 499 \r\n", 14);
	assert_int_equal(zsip_msg_parse(&resp, out, (size_t)n, NULL), n);
	assert_int_equal(resp.status, 499);
	assert_int_equal(resp.reason.len, 0);

	rs.code = 486;
	rs.reason = S("Busy Here \xc3\xa9t\xc3\xa9");
	n = zsip_build_response(out, sizeof out, &req, &rs);
	assert_int_equal(zsip_msg_parse(&resp, out, (size_t)n, NULL), n);
	assert_int_equal(resp.status, 486);
	assert_str(resp.reason, "Busy Here \xc3\xa9t\xc3\xa9");

	rs.reason = S("");
	n = zsip_build_response(out, sizeof out, &req, &rs);
	assert_memory_equal(out, "SIP/2.0 486 \r\n", 14);
}

/* Status codes are 100..699 (RFC 3261 §7.2, §21); the builder owns Via,
 * From, To, Call-ID, CSeq and Content-Length; a tag is a token (§25.1). */
static void test_response_rejects_invalid_input(void **state)
{
	(void)state;
	struct zsip_msg req, resp;
	assert_true(parse_s(&req, inv_in) > 0);
	char out[2048];
	static const int codes[] = { 0, 99, 700, 1000, -200 };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		struct zsip_response rs = { .code = codes[i] };
		assert_int_equal(zsip_build_response(out, sizeof out, &req, &rs), ZSIP_EINVAL);
	}
	struct zsip_response rs = { .code = 200, .reason = S("OK\r\nVia: x") };
	assert_int_equal(zsip_build_response(out, sizeof out, &req, &rs), ZSIP_EINVAL);
	rs.reason = S("O\nK");
	assert_int_equal(zsip_build_response(out, sizeof out, &req, &rs), ZSIP_EINVAL);
	rs.reason.p = NULL;
	rs.to_tag = S("");
	assert_int_equal(zsip_build_response(out, sizeof out, &req, &rs), ZSIP_EINVAL);
	rs.to_tag = S("a b");
	assert_int_equal(zsip_build_response(out, sizeof out, &req, &rs), ZSIP_EINVAL);
	rs.to_tag = S("ab\r\n");
	assert_int_equal(zsip_build_response(out, sizeof out, &req, &rs), ZSIP_EINVAL);
	rs.to_tag.p = NULL;
	rs.to_tag.len = 0;

	static const struct zsip_field owned[] = {
		{ S("Content-Length"), S("0") }, { S("l"), S("0") }, { S("Via"), S("SIP/2.0/UDP h") },
		{ S("From"), S("<sip:a@b>") }, { S("t"), S("<sip:a@b>") }, { S("Call-ID"), S("x") },
		{ S("CSeq"), S("1 INVITE") }, { S("Contact"), S("<sip:a@b>\r\n") }, { S("Bad Name"), S("x") },
	};
	for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
		rs.hdrs = &owned[i];
		rs.nhdrs = 1;
		assert_int_equal(zsip_build_response(out, sizeof out, &req, &rs), ZSIP_EINVAL);
	}
	rs.hdrs = NULL;
	rs.nhdrs = 0;
	rs.body.p = NULL;
	rs.body.len = 3;
	assert_int_equal(zsip_build_response(out, sizeof out, &req, &rs), ZSIP_EINVAL);
	rs.body.len = 0;

	/* one answers requests, not responses */
	int n = zsip_build_response(out, sizeof out, &req, &rs);
	assert_int_equal(zsip_msg_parse(&resp, out, (size_t)n, NULL), n);
	char out2[2048];
	assert_int_equal(zsip_build_response(out2, sizeof out2, &resp, &rs), ZSIP_EINVAL);
	assert_int_equal(zsip_build_response(out2, sizeof out2, NULL, &rs), ZSIP_EINVAL);
	assert_int_equal(zsip_build_response(out2, sizeof out2, &req, NULL), ZSIP_EINVAL);
}

struct resp_arg {
	const struct zsip_msg *req;
	const struct zsip_response *rs;
};

static int write_response(char *out, size_t cap, const void *arg)
{
	const struct resp_arg *a = arg;
	return zsip_build_response(out, cap, a->req, a->rs);
}

static void test_response_short_buffer_reports_needed_size(void **state)
{
	(void)state;
	struct zsip_msg req;
	assert_true(parse_s(&req, inv_in) > 0);
	struct zsip_field f[] = { { S("Contact"), S("<sip:bob@192.0.2.4>") } };
	struct zsip_response rs = { .code = 180, .to_tag = S("x1"), .hdrs = f, .nhdrs = 1,
				    .body = S("hello") };
	struct resp_arg a = { &req, &rs };
	check_every_cap(write_response, &a);
}

/* ------------------------------------------------------- rewrite / forward */

static const char fwd_in[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKa1, SIP/2.0/UDP p2.example.com;branch=z9hG4bKa2\r\n"
	"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKa3\r\n"
	"Max-Forwards: 70\r\n"
	"Route: <sip:p3.example.com;lr>,\r\n <sip:p4.example.com;lr>\r\n"
	"Route: <sip:p5.example.com;lr>\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Subject: folded\r\n\tsubject\r\n"
	"Call-ID: a84b4c76e66710\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Content-Length: 4\r\n"
	"\r\n"
	"body";

/* Replaces the first occurrence of `from` in `in` by `to`; the expected
 * output of an edit is the input with one line changed. */
static char *subst(const char *in, const char *from, const char *to)
{
	const char *at = strstr(in, from);
	assert_non_null(at);
	size_t n = strlen(in) - strlen(from) + strlen(to);
	char *r = malloc(n + 1);
	assert_non_null(r);
	size_t pre = (size_t)(at - in);
	memcpy(r, in, pre);
	strcpy(r + pre, to);
	strcat(r, at + strlen(from));
	return r;
}

static void assert_output(int n, const char *out, const char *want)
{
	assert_int_equal(n, (int)strlen(want));
	if (memcmp(out, want, (size_t)n) != 0) {
		print_error("got:\n%.*s\nwant:\n%s\n", n, out, want);
		fail();
	}
}

/* With no edits, the message comes out byte for byte (RFC 3261 §16.6: a
 * proxy changes nothing it is not told to); CRLFs before the start line
 * are not part of the message (§7.5) and bytes after Content-Length's end
 * are not either (§18.3). */
static void test_rewrite_without_edits_copies_message(void **state)
{
	(void)state;
	struct zsip_msg m;
	assert_true(parse_s(&m, fwd_in) > 0);
	char out[2048];
	assert_output(zsip_msg_rewrite(out, sizeof out, &m, NULL, 0), out, fwd_in);

	char two[2048];
	snprintf(two, sizeof two, "\r\n\r\n%sOPTIONS sip:x SIP/2.0\r\n", fwd_in);
	assert_true(parse_s(&m, two) > 0);
	assert_output(zsip_msg_rewrite(out, sizeof out, &m, NULL, 0), out, fwd_in);
}

/* RFC 3261 §16.6 step 8: the proxy's Via goes on top of all others. */
static void test_fwd_push_via_goes_on_top(void **state)
{
	(void)state;
	struct zsip_msg m, m2;
	assert_true(parse_s(&m, fwd_in) > 0);
	char out[2048];
	int n = zsip_fwd_push_via(out, sizeof out, &m, S("SIP/2.0/TCP proxy.example.com;branch=z9hG4bKnew"));
	char *want = subst(fwd_in, "Via: ", "Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKnew\r\nVia: ");
	assert_output(n, out, want);
	free(want);
	assert_int_equal(zsip_msg_parse(&m2, out, (size_t)n, NULL), n);
	assert_str(m2.via.branch, "z9hG4bKnew");
	assert_str(m2.via.host, "proxy.example.com");
	assert_int_equal(count(&m2, ZSIP_HDR_VIA), 3);

	assert_int_equal(zsip_fwd_push_via(out, sizeof out, &m, S("")), ZSIP_EINVAL);
	assert_int_equal(zsip_fwd_push_via(out, sizeof out, &m, S("SIP/2.0/UDP a\r\nX: y")), ZSIP_EINVAL);
}

/* RFC 3261 §16.7 step 9: a response loses its top Via value; in a field
 * "Via: a, b" only a goes (§7.3.1: it equals two fields). */
static void test_fwd_pop_via_from_multi_value_field_leaves_rest(void **state)
{
	(void)state;
	struct zsip_msg m, m2;
	assert_true(parse_s(&m, fwd_in) > 0);
	char out[2048];
	int n = zsip_fwd_pop_via(out, sizeof out, &m);
	char *want = subst(fwd_in, "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKa1, ", "Via: ");
	assert_output(n, out, want);
	free(want);
	assert_int_equal(zsip_msg_parse(&m2, out, (size_t)n, NULL), n);
	assert_str(m2.via.branch, "z9hG4bKa2");

	/* popping again removes the now single-valued field entirely */
	char out2[2048];
	int n2 = zsip_fwd_pop_via(out2, sizeof out2, &m2);
	want = subst(fwd_in, "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKa1, "
			     "SIP/2.0/UDP p2.example.com;branch=z9hG4bKa2\r\n", "");
	assert_output(n2, out2, want);
	free(want);
	assert_int_equal(zsip_msg_parse(&m2, out2, (size_t)n2, NULL), n2);
	assert_str(m2.via.branch, "z9hG4bKa3");
	assert_int_equal(count(&m2, ZSIP_HDR_VIA), 1);
}

/* The field keeps the name it was received with (compact too, §7.3.3);
 * a fold after the comma goes with the removed value. */
static void test_fwd_pop_via_keeps_received_name_and_drops_fold(void **state)
{
	(void)state;
	static const char in[] = "SIP/2.0 200 OK\r\n"
				 "v: SIP/2.0/UDP p1.example.com;branch=z9hG4bKa1 ,\r\n"
				 "\tSIP/2.0/UDP pc33.example.com;branch=z9hG4bKa3\r\n"
				 "t: <sip:bob@b.example.com>;tag=9\r\n"
				 "f: <sip:alice@a.example.com>;tag=8\r\n"
				 "i: cid\r\n"
				 "CSeq: 1 INVITE\r\n"
				 "l: 0\r\n\r\n";
	struct zsip_msg m, m2;
	assert_true(parse_s(&m, in) > 0);
	char out[1024];
	int n = zsip_fwd_pop_via(out, sizeof out, &m);
	char *want = subst(in, "v: SIP/2.0/UDP p1.example.com;branch=z9hG4bKa1 ,\r\n\t", "v: ");
	assert_output(n, out, want);
	free(want);
	assert_int_equal(zsip_msg_parse(&m2, out, (size_t)n, NULL), n);
	assert_str(m2.via.branch, "z9hG4bKa3");
}

/* RFC 3261 §16.4: the proxy named by the top Route removes that value;
 * commas inside <...> do not split (§7.3.1, §20.34). */
static void test_fwd_pop_route_removes_top_value(void **state)
{
	(void)state;
	struct zsip_msg m, m2;
	assert_true(parse_s(&m, fwd_in) > 0);
	char out[2048];
	int n = zsip_fwd_pop_route(out, sizeof out, &m);
	char *want = subst(fwd_in, "Route: <sip:p3.example.com;lr>,\r\n <sip:p4", "Route: <sip:p4");
	assert_output(n, out, want);
	free(want);
	assert_int_equal(zsip_msg_parse(&m2, out, (size_t)n, NULL), n);
	assert_str(zsip_msg_find(&m2, ZSIP_HDR_ROUTE)->value, "<sip:p4.example.com;lr>");
	assert_int_equal(count(&m2, ZSIP_HDR_ROUTE), 2);

	static const char commas[] = "OPTIONS sip:x@y SIP/2.0\r\n"
				     "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				     "Route: \"a, b\" <sip:p1.example.com;lr;x=\"1,2\">, <sip:p2.example.com;lr>\r\n"
				     "To: <sip:x@y>\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n";
	assert_true(parse_s(&m, commas) > 0);
	n = zsip_fwd_pop_route(out, sizeof out, &m);
	want = subst(commas, "\"a, b\" <sip:p1.example.com;lr;x=\"1,2\">, ", "");
	assert_output(n, out, want);
	free(want);
}

static void test_fwd_pop_route_without_route_is_not_found(void **state)
{
	(void)state;
	static const char in[] = "OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				 "To: <sip:x@y>\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n";
	struct zsip_msg m;
	assert_true(parse_s(&m, in) > 0);
	char out[1024];
	assert_int_equal(zsip_fwd_pop_route(out, sizeof out, &m), ZSIP_ENOTFOUND);
	assert_int_equal(zsip_fwd_pop_route(NULL, 0, &m), ZSIP_ENOTFOUND);
}

/* RFC 3261 §16.6 step 7 / §16.12.1.1: a pushed Route is the new top. With
 * no Route yet it goes right after the last Via. */
static void test_fwd_push_route_on_top_or_after_last_via(void **state)
{
	(void)state;
	struct zsip_msg m, m2;
	assert_true(parse_s(&m, fwd_in) > 0);
	char out[2048];
	int n = zsip_fwd_push_route(out, sizeof out, &m, S("<sip:new.example.com;lr>"));
	char *want = subst(fwd_in, "Route: ", "Route: <sip:new.example.com;lr>\r\nRoute: ");
	assert_output(n, out, want);
	free(want);
	assert_int_equal(zsip_msg_parse(&m2, out, (size_t)n, NULL), n);
	assert_str(zsip_msg_find(&m2, ZSIP_HDR_ROUTE)->value, "<sip:new.example.com;lr>");

	static const char in[] = "OPTIONS sip:x@y SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP h1;branch=z9hG4bK1\r\n"
				 "Via: SIP/2.0/UDP h2;branch=z9hG4bK2\r\n"
				 "To: <sip:x@y>\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n";
	assert_true(parse_s(&m, in) > 0);
	n = zsip_fwd_push_route(out, sizeof out, &m, S("<sip:r.example.com;lr>"));
	want = subst(in, "To:", "Route: <sip:r.example.com;lr>\r\nTo:");
	assert_output(n, out, want);
	free(want);
	assert_int_equal(zsip_fwd_push_route(out, sizeof out, &m, S("  ")), ZSIP_EINVAL);
}

/* RFC 3261 §16.6 step 4: the proxy's Record-Route goes above those already
 * there (so the UAS reads the route set in order, §12.1.1). */
static void test_fwd_add_record_route_on_top(void **state)
{
	(void)state;
	struct zsip_msg m, m2;
	assert_true(parse_s(&m, inv_in) > 0);
	char out[2048];
	int n = zsip_fwd_add_record_route(out, sizeof out, &m, S("<sip:p0.example.com;lr>"));
	char *want = subst(inv_in, "Record-Route: ", "Record-Route: <sip:p0.example.com;lr>\r\nRecord-Route: ");
	assert_output(n, out, want);
	free(want);
	assert_int_equal(zsip_msg_parse(&m2, out, (size_t)n, NULL), n);
	assert_int_equal(count(&m2, ZSIP_HDR_RECORD_ROUTE), 3);
	assert_str(zsip_msg_find(&m2, ZSIP_HDR_RECORD_ROUTE)->value, "<sip:p0.example.com;lr>");

	/* none yet: after the last Via */
	assert_true(parse_s(&m, fwd_in) > 0);
	n = zsip_fwd_add_record_route(out, sizeof out, &m, S("<sip:p0.example.com;lr>"));
	want = subst(fwd_in, "Max-Forwards:", "Record-Route: <sip:p0.example.com;lr>\r\nMax-Forwards:");
	assert_output(n, out, want);
	free(want);
}

/* The general edit: a proxy decrements Max-Forwards (§16.6 step 3), drops
 * a field and adds one at the end, in one pass. */
static void test_rewrite_replace_remove_insert(void **state)
{
	(void)state;
	struct zsip_msg m, m2;
	assert_true(parse_s(&m, fwd_in) > 0);
	unsigned mf = m.first[ZSIP_HDR_MAX_FORWARDS] - 1u;
	unsigned subj = (unsigned)(zsip_msg_find_name(&m, S("subject")) - m.hdr);
	struct zsip_edit e[] = {
		{ ZSIP_EDIT_INSERT, 0, { S("Via"), S("SIP/2.0/UDP me;branch=z9hG4bKme") } },
		{ ZSIP_EDIT_REPLACE, mf, { { NULL, 0 }, S("69") } },
		{ ZSIP_EDIT_INSERT, subj, { S("X-Before"), S("1") } },
		{ ZSIP_EDIT_REMOVE, subj, { { NULL, 0 }, { NULL, 0 } } },
		{ ZSIP_EDIT_INSERT, m.nhdr, { S("X-Last"), S("") } },
	};
	char out[2048];
	int n = zsip_msg_rewrite(out, sizeof out, &m, e, sizeof e / sizeof e[0]);
	char *a = subst(fwd_in, "Via: ", "Via: SIP/2.0/UDP me;branch=z9hG4bKme\r\nVia: ");
	char *b = subst(a, "Max-Forwards: 70", "Max-Forwards: 69");
	char *c = subst(b, "Subject: folded\r\n\tsubject\r\n", "X-Before: 1\r\n");
	char *d = subst(c, "Content-Length: 4\r\n", "Content-Length: 4\r\nX-Last: \r\n");
	assert_output(n, out, d);
	free(a);
	free(b);
	free(c);
	free(d);
	assert_int_equal(zsip_msg_parse(&m2, out, (size_t)n, NULL), n);
	assert_int_equal(m2.max_forwards, 69);
	assert_null(zsip_msg_find_name(&m2, S("Subject")));
}

/* Edits must be sorted, in range and one change per field. */
static void test_rewrite_rejects_bad_edits(void **state)
{
	(void)state;
	struct zsip_msg m;
	assert_true(parse_s(&m, fwd_in) > 0);
	char out[2048];
	struct zsip_edit unsorted[] = {
		{ ZSIP_EDIT_REMOVE, 3, { { NULL, 0 }, { NULL, 0 } } },
		{ ZSIP_EDIT_REMOVE, 2, { { NULL, 0 }, { NULL, 0 } } },
	};
	assert_int_equal(zsip_msg_rewrite(out, sizeof out, &m, unsorted, 2), ZSIP_EINVAL);
	struct zsip_edit twice[] = {
		{ ZSIP_EDIT_REMOVE, 2, { { NULL, 0 }, { NULL, 0 } } },
		{ ZSIP_EDIT_REPLACE, 2, { { NULL, 0 }, S("x") } },
	};
	assert_int_equal(zsip_msg_rewrite(out, sizeof out, &m, twice, 2), ZSIP_EINVAL);
	struct zsip_edit range[] = {
		{ ZSIP_EDIT_REMOVE, m.nhdr, { { NULL, 0 }, { NULL, 0 } } },
	};
	assert_int_equal(zsip_msg_rewrite(out, sizeof out, &m, range, 1), ZSIP_EINVAL);
	struct zsip_edit range2[] = { { ZSIP_EDIT_INSERT, m.nhdr + 1, { S("X"), S("y") } } };
	assert_int_equal(zsip_msg_rewrite(out, sizeof out, &m, range2, 1), ZSIP_EINVAL);
	struct zsip_edit crlf[] = { { ZSIP_EDIT_INSERT, 0, { S("X"), S("y\r\nZ: 1") } } };
	assert_int_equal(zsip_msg_rewrite(out, sizeof out, &m, crlf, 1), ZSIP_EINVAL);
	struct zsip_edit noname[] = { { ZSIP_EDIT_INSERT, 0, { S(""), S("y") } } };
	assert_int_equal(zsip_msg_rewrite(out, sizeof out, &m, noname, 1), ZSIP_EINVAL);
	struct zsip_edit badrep[] = { { ZSIP_EDIT_REPLACE, 1, { { NULL, 0 }, S("a\nb") } } };
	assert_int_equal(zsip_msg_rewrite(out, sizeof out, &m, badrep, 1), ZSIP_EINVAL);
	struct zsip_edit badop[] = { { (enum zsip_edit_op)42, 1, { { NULL, 0 }, { NULL, 0 } } } };
	assert_int_equal(zsip_msg_rewrite(out, sizeof out, &m, badop, 1), ZSIP_EINVAL);
	assert_int_equal(zsip_msg_rewrite(out, sizeof out, &m, NULL, 1), ZSIP_EINVAL);
	assert_int_equal(zsip_msg_rewrite(out, sizeof out, NULL, NULL, 0), ZSIP_EINVAL);
}

struct fwd_arg {
	const struct zsip_msg *m;
	int which;
};

static int write_fwd(char *out, size_t cap, const void *arg)
{
	const struct fwd_arg *a = arg;
	switch (a->which) {
	case 0: return zsip_fwd_push_via(out, cap, a->m, S("SIP/2.0/UDP me;branch=z9hG4bKx"));
	case 1: return zsip_fwd_pop_via(out, cap, a->m);
	case 2: return zsip_fwd_add_record_route(out, cap, a->m, S("<sip:me;lr>"));
	case 3: return zsip_fwd_push_route(out, cap, a->m, S("<sip:me;lr>"));
	default: return zsip_fwd_pop_route(out, cap, a->m);
	}
}

static void test_fwd_short_buffer_reports_needed_size(void **state)
{
	(void)state;
	struct zsip_msg m;
	assert_true(parse_s(&m, fwd_in) > 0);
	for (int w = 0; w < 5; w++) {
		struct fwd_arg a = { &m, w };
		check_every_cap(write_fwd, &a);
	}
}

/* ---------------------------------------------------- corpus round trips */

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 17, n = 0;
	char *b = malloc(cap);
	assert_non_null(b);
	size_t r;
	/* one byte kept for the NUL that strtok_r needs to stop */
	while ((r = fread(b + n, 1, cap - 1 - n, f)) > 0)
		n += r;
	fclose(f);
	b[n] = '\0';
	*len = n;
	return b;
}

#define OUT_CAP (1u << 18)

static void fail_cmp(const char *file, const char *what, const char *why)
{
	print_error("%s: %s: %s\n", file, what, why);
	fail();
}

/* Builds the response §8.2.6.2 asks for and checks what it copied. */
static void response_round_trip(const char *file, const struct zsip_msg *m, char *out)
{
	struct zsip_response rs = { .code = 180, .to_tag = S("rt1") };
	int n = zsip_build_response(out, OUT_CAP, m, &rs);
	if (n <= 0)
		fail_cmp(file, "zsip_build_response", zsip_strerror(n));
	struct zsip_msg r;
	int rc = zsip_msg_parse(&r, out, (size_t)n, NULL);
	if (rc != n)
		fail_cmp(file, "parsing the built response", zsip_strerror(rc));
	assert_copied(m, &r);
	if (m->to.tag.p)
		assert_slices_eq(r.to.tag, m->to.tag);
	else
		assert_str(r.to.tag, "rt1");
}

/* parse, re-serialize three ways, parse again, compare field by field */
static void round_trip_file(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	size_t len;
	char *in = read_all(path, &len);
	if (!in) {
		print_error("cannot read %s\n", path);
		fail();
	}
	struct zsip_msg *m = malloc(sizeof *m), *m2 = malloc(sizeof *m2);
	char *out = malloc(OUT_CAP), *scratch = malloc(OUT_CAP);
	struct zsip_edit *e = malloc(sizeof *e * ZSIP_MAX_HEADERS);
	struct zsip_field *f = malloc(sizeof *f * ZSIP_MAX_HEADERS);
	assert_true(m && m2 && out && scratch && e && f);
	char why[256];

	int rc = zsip_msg_parse(m, in, len, NULL);
	if (rc <= 0)
		fail_cmp(path, "parse", zsip_strerror(rc));

	/* 1. no edits: the same bytes, less any CRLFs before the start line */
	int n = zsip_msg_rewrite(out, OUT_CAP, m, NULL, 0);
	const char *start = in;
	while (*start == '\r' || *start == '\n')
		start++;
	assert_int_equal(n, (int)(in + m->len - start));
	assert_memory_equal(out, start, (size_t)n);
	if ((rc = zsip_msg_parse(m2, out, (size_t)n, NULL)) != n)
		fail_cmp(path, "reparse after rewrite", zsip_strerror(rc));
	if (msgcmp(m, m2, 0, why, sizeof why))
		fail_cmp(path, "rewrite without edits", why);

	/* 2. every value replaced by its unfolded form */
	size_t used = 0;
	for (unsigned i = 0; i < m->nhdr; i++) {
		long l = msgcmp_lws_norm(scratch + used, OUT_CAP - used, m->hdr[i].value);
		assert_true(l >= 0);
		e[i].op = ZSIP_EDIT_REPLACE;
		e[i].at = i;
		e[i].field.name = m->hdr[i].name;
		e[i].field.value.p = scratch + used;
		e[i].field.value.len = (size_t)l;
		used += (size_t)l;
	}
	n = zsip_msg_rewrite(out, OUT_CAP, m, e, m->nhdr);
	assert_true(n > 0);
	if ((rc = zsip_msg_parse(m2, out, (size_t)n, NULL)) != n)
		fail_cmp(path, "reparse after replacing every value", zsip_strerror(rc));
	if (msgcmp(m, m2, 0, why, sizeof why))
		fail_cmp(path, "rewrite replacing every value", why);

	if (m->is_request) {
		/* 3. the request built again from its parts */
		size_t nf = 0;
		for (unsigned i = 0; i < m->nhdr; i++) {
			if (m->hdr[i].id == ZSIP_HDR_CONTENT_LENGTH)
				continue;
			f[nf].name = m->hdr[i].name;
			f[nf].value = e[i].field.value;
			nf++;
		}
		struct zsip_request r = { m->method, m->ruri_str, f, nf, m->body };
		n = zsip_build_request(out, OUT_CAP, &r);
		if (n <= 0)
			fail_cmp(path, "zsip_build_request", zsip_strerror(n));
		if ((rc = zsip_msg_parse(m2, out, (size_t)n, NULL)) != n)
			fail_cmp(path, "reparse after zsip_build_request", zsip_strerror(rc));
		if (msgcmp(m, m2, MSGCMP_IGNORE_CLEN, why, sizeof why))
			fail_cmp(path, "zsip_build_request", why);

		/* 4. and answered (ACK takes no response, but building one must
		 * still copy right) */
		response_round_trip(path, m, out);
	}
	free(in);
	free(m);
	free(m2);
	free(out);
	free(scratch);
	free(e);
	free(f);
}

static int parses(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	size_t len;
	char *in = read_all(path, &len);
	assert_non_null(in);
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	int ok = zsip_msg_parse(m, in, len, NULL) > 0;
	free(m);
	free(in);
	return ok;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_round_trip_corpus(void **state)
{
	(void)state;
	const char *dir = ZSIP_SHARED_DIR "/corpus";
	DIR *d = opendir(dir);
	assert_non_null(d);
	char *names[512];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 512) {
		if (de->d_name[0] == '.')
			continue;
		names[n] = malloc(strlen(de->d_name) + 1);
		assert_non_null(names[n]);
		strcpy(names[n++], de->d_name);
	}
	closedir(d);
	assert_true(n > 0);
	qsort(names, n, sizeof names[0], by_name);
	for (size_t i = 0; i < n; i++) {
		round_trip_file(dir, names[i]);
		free(names[i]);
	}
}

/* Every case EXPECTED.tsv calls valid or semantic (the message layer must
 * accept both, RFC 4475 §3.1.1, §3.3, RFC 5118 §4), and the "either" cases
 * this parser accepts. */
static unsigned round_trip_valid(const char *dir)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/EXPECTED.tsv", dir);
	size_t len;
	char *tsv = read_all(path, &len);
	assert_non_null(tsv);
	unsigned done = 0;
	char *save = NULL;
	for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[256], section[64], verdict[64];
		if (sscanf(line, "%255[^\t]\t%63[^\t]\t%63[^\t]", name, section, verdict) != 3)
			continue;
		char file[300];
		snprintf(file, sizeof file, "%s.dat", name);
		if (strcmp(verdict, "either") == 0 && !parses(dir, file))
			continue;
		if (strcmp(verdict, "valid") != 0 && strcmp(verdict, "semantic") != 0 &&
		    strcmp(verdict, "either") != 0)
			continue;
		round_trip_file(dir, file);
		done++;
	}
	free(tsv);
	return done;
}

static void test_round_trip_rfc4475_valid(void **state)
{
	(void)state;
	assert_true(round_trip_valid(ZSIP_SHARED_DIR "/conformance/rfc4475") >= 17);
}

static void test_round_trip_rfc5118_valid(void **state)
{
	(void)state;
	assert_true(round_trip_valid(ZSIP_SHARED_DIR "/conformance/rfc5118") >= 8);
}

/* The comparison helper itself: it must see a difference where there is
 * one, or the round trips above prove nothing. */
static void test_msgcmp_detects_differences(void **state)
{
	(void)state;
	struct zsip_msg a, b;
	char why[256];
	static const char base[] = "OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				   "To: <sip:x@y>\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID: c\r\n"
				   "CSeq: 1 OPTIONS\r\nSubject: a  b\r\nContent-Length: 0\r\n\r\n";
	assert_true(parse_s(&a, base) > 0);
	static const char *const same[] = {
		"OPTIONS sip:x@y SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"t: <sip:x@y>\r\nf: <sip:a@b>;tag=1\r\ni: c\r\n"
		"CSeq: 1 OPTIONS\r\nsubject:   a\r\n  b  \r\nl: 0\r\n\r\n",
	};
	assert_true(parse_s(&b, same[0]) > 0);
	assert_int_equal(msgcmp(&a, &b, 0, why, sizeof why), 0);

	static const char *const differ[] = {
		"OPTIONS sip:x@z SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"To: <sip:x@y>\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID: c\r\n"
		"CSeq: 1 OPTIONS\r\nSubject: a  b\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"To: <sip:x@y>\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID: c\r\n"
		"CSeq: 1 OPTIONS\r\nSubject: ab\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"To: <sip:x@y>\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID: c\r\n"
		"CSeq: 1 OPTIONS\r\nSubject: a  b\r\nX: 1\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"To: <sip:x@y>\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID: c\r\n"
		"CSeq: 1 OPTIONS\r\nSubject: a  b\r\nContent-Length: 1\r\n\r\nZ",
		"OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"From: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: c\r\n"
		"CSeq: 1 OPTIONS\r\nSubject: a  b\r\nContent-Length: 0\r\n\r\n",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"To: <sip:x@y>\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID: c\r\n"
		"CSeq: 1 OPTIONS\r\nSubject: a  b\r\nContent-Length: 0\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++) {
		assert_true(parse_s(&b, differ[i]) > 0);
		assert_int_equal(msgcmp(&a, &b, 0, why, sizeof why), -1);
		assert_true(why[0] != '\0');
	}
	assert_true(msgcmp_value_eq(S(" a \r\n\tb "), S("a b")));
	assert_false(msgcmp_value_eq(S("a b"), S("ab")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_request_parses_back_field_by_field),
		cmocka_unit_test(test_build_request_without_body_writes_content_length_zero),
		cmocka_unit_test(test_build_request_rejects_invalid_input),
		cmocka_unit_test(test_build_request_short_buffer_reports_needed_size),
		cmocka_unit_test(test_response_copies_via_from_to_callid_cseq),
		cmocka_unit_test(test_response_keeps_existing_to_tag),
		cmocka_unit_test(test_100_trying_copies_timestamp_and_adds_no_tag),
		cmocka_unit_test(test_response_extra_fields_and_body),
		cmocka_unit_test(test_reason_phrases_cover_rfc3261_section21),
		cmocka_unit_test(test_response_reason_custom_and_empty),
		cmocka_unit_test(test_response_rejects_invalid_input),
		cmocka_unit_test(test_response_short_buffer_reports_needed_size),
		cmocka_unit_test(test_rewrite_without_edits_copies_message),
		cmocka_unit_test(test_fwd_push_via_goes_on_top),
		cmocka_unit_test(test_fwd_pop_via_from_multi_value_field_leaves_rest),
		cmocka_unit_test(test_fwd_pop_via_keeps_received_name_and_drops_fold),
		cmocka_unit_test(test_fwd_pop_route_removes_top_value),
		cmocka_unit_test(test_fwd_pop_route_without_route_is_not_found),
		cmocka_unit_test(test_fwd_push_route_on_top_or_after_last_via),
		cmocka_unit_test(test_fwd_add_record_route_on_top),
		cmocka_unit_test(test_rewrite_replace_remove_insert),
		cmocka_unit_test(test_rewrite_rejects_bad_edits),
		cmocka_unit_test(test_fwd_short_buffer_reports_needed_size),
		cmocka_unit_test(test_msgcmp_detects_differences),
		cmocka_unit_test(test_round_trip_corpus),
		cmocka_unit_test(test_round_trip_rfc4475_valid),
		cmocka_unit_test(test_round_trip_rfc5118_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
