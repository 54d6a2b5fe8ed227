/* Fuzz target: parse -> serialize -> parse, asserting that the fields come
 * back the same (abort() on a mismatch, with the difference on stderr).
 *
 * For every input that parses:
 *  1. zsip_msg_rewrite with no edits gives the message's own bytes back
 *     (less any CRLFs before the start line, RFC 3261 §7.5);
 *  2. a rebuild from the parsed fields (zsip_build_request for a request;
 *     for a response, zsip_build_response answering a request made of the
 *     response's own fields) parses again to the same fields (msgcmp.c's
 *     rules: the same fields in order, values equal up to LWS, the same
 *     body; the response builder puts Via, From, To, Call-ID and CSeq first);
 *  3. push a Via / a Route, parse, pop it again: the original bytes.
 * A rebuilt message that outgrows a limit the original was within (one more
 * field, a longer start line) is skipped, not failed. */
#include <string.h>

#include "fuzz_check.h"

/* Built with the target, not linked: fuzz builds do not link tests/support. */
#include "../tests/support/msgcmp.c"

static struct zsip_msg orig, again, req;

/* Output of a builder, grown on demand (snprintf's rule). */
static char *out;
static size_t out_cap;

typedef int (*build_fn)(char *o, size_t cap, const void *arg);

static int build(build_fn fn, const void *arg)
{
	int n = fn(out, out_cap, arg);
	if (n >= 0 && (size_t)n > out_cap) {
		free(out);
		out_cap = (size_t)n + 1024;
		out = malloc(out_cap);
		FUZZ_ASSERT(out);
		int m = fn(out, out_cap, arg);
		FUZZ_ASSERT(m == n);
	}
	return n;
}

static int rewrite_none(char *o, size_t cap, const void *arg)
{
	return zsip_msg_rewrite(o, cap, arg, NULL, 0);
}
static int build_req(char *o, size_t cap, const void *arg)
{
	return zsip_build_request(o, cap, arg);
}
struct resp_args {
	const struct zsip_msg *req;
	const struct zsip_response *resp;
};
static int build_resp(char *o, size_t cap, const void *arg)
{
	const struct resp_args *a = arg;
	return zsip_build_response(o, cap, a->req, a->resp);
}
static int push_via(char *o, size_t cap, const void *arg)
{
	return zsip_fwd_push_via(o, cap, arg, ZSIP_STR("SIP/2.0/UDP fuzz.invalid;branch=z9hG4bKfz"));
}
static int pop_via(char *o, size_t cap, const void *arg)
{
	return zsip_fwd_pop_via(o, cap, arg);
}
static int push_route(char *o, size_t cap, const void *arg)
{
	return zsip_fwd_push_route(o, cap, arg, ZSIP_STR("<sip:fuzz.invalid;lr>"));
}
static int pop_route(char *o, size_t cap, const void *arg)
{
	return zsip_fwd_pop_route(o, cap, arg);
}

/* The original's bytes as a rewrite gives them back. */
static struct zsip_str own_bytes(const struct zsip_msg *m)
{
	struct zsip_str s = { m->buf, m->len };
	while (s.len && (s.p[0] == '\r' || s.p[0] == '\n')) {
		s.p++;
		s.len--;
	}
	return s;
}

/* Parses out[0 .. n) from an exactly sized copy into *m. Returns the
 * parser's result; *copy must be freed by the caller. */
static int reparse(struct zsip_msg *m, int n, char **copy)
{
	*copy = malloc((size_t)n ? (size_t)n : 1);
	FUZZ_ASSERT(*copy);
	memcpy(*copy, out, (size_t)n);
	return zsip_msg_parse(m, *copy, (size_t)n, NULL);
}

static int over_limit(int rc)
{
	return rc == ZSIP_ETOOBIG || rc == ZSIP_ETOOMANYHDRS || rc == ZSIP_EHDRTOOLONG;
}

static void dump(const char *what, const char *p, size_t n)
{
	fprintf(stderr, "---- %s (%zu bytes)\n%.*s\n----\n", what, n, (int)n, p);
}

/* 1: no edits, same bytes. */
static void check_rewrite(void)
{
	struct zsip_str want = own_bytes(&orig);
	int n = build(rewrite_none, &orig);
	if (n < 0)
		FUZZ_FAIL("zsip_msg_rewrite without edits failed: %s", zsip_strerror(n));
	if ((size_t)n != want.len || memcmp(out, want.p, want.len) != 0) {
		dump("original", want.p, want.len);
		dump("rewritten", out, (size_t)n);
		FUZZ_FAIL("zsip_msg_rewrite without edits changed the message");
	}
}

/* 3: push then pop gives the original bytes. */
static void check_push_pop(build_fn push, build_fn pop, const char *what)
{
	struct zsip_str want = own_bytes(&orig);
	int n = build(push, &orig);
	if (n < 0)
		FUZZ_FAIL("%s push failed: %s", what, zsip_strerror(n));
	char *copy;
	int rc = reparse(&again, n, &copy);
	if (rc < 0) {
		if (!over_limit(rc)) {
			dump("pushed", copy, (size_t)n);
			FUZZ_FAIL("%s push made an unparsable message: %s (offset %zu)", what,
				  zsip_strerror(rc), again.err_off);
		}
		free(copy);
		return;
	}
	n = build(pop, &again);
	if (n < 0)
		FUZZ_FAIL("%s pop failed: %s", what, zsip_strerror(n));
	if ((size_t)n != want.len || memcmp(out, want.p, want.len) != 0) {
		dump("original", want.p, want.len);
		dump("pushed", copy, (size_t)rc);
		dump("popped", out, (size_t)n);
		FUZZ_FAIL("%s push then pop did not give the original back", what);
	}
	free(copy);
}

/* Header fields for a builder: every field of m but Content-Length (the
 * builders write it), values with folding turned into SP (a builder takes
 * no CR or LF; RFC 3261 §7.3.1 makes them the same). */
static struct zsip_field fields[ZSIP_MAX_HEADERS];
static char *norm;

static size_t collect(const struct zsip_msg *m, int skip_owned)
{
	size_t n = 0, used = 0;
	free(norm);
	norm = malloc(m->len + 1);
	FUZZ_ASSERT(norm);
	for (unsigned i = 0; i < m->nhdr; i++) {
		const struct zsip_hdr *h = &m->hdr[i];
		if (h->id == ZSIP_HDR_CONTENT_LENGTH)
			continue;
		if (skip_owned && (h->id == ZSIP_HDR_VIA || h->id == ZSIP_HDR_FROM ||
				   h->id == ZSIP_HDR_TO || h->id == ZSIP_HDR_CALL_ID ||
				   h->id == ZSIP_HDR_CSEQ))
			continue;
		long len = msgcmp_lws_norm(norm + used, m->len + 1 - used, h->value);
		FUZZ_ASSERT(len >= 0);
		fields[n].name = h->name;
		fields[n].value.p = norm + used;
		fields[n].value.len = (size_t)len;
		used += (size_t)len;
		n++;
	}
	return n;
}

static void compare(const struct zsip_msg *want, const char *what)
{
	char why[256];
	if (msgcmp(want, &again, MSGCMP_IGNORE_CLEN, why, sizeof why) != 0) {
		dump("original", orig.buf, orig.len);
		dump(what, again.buf, again.len);
		FUZZ_FAIL("%s: fields differ: %s", what, why);
	}
}

/* 2, requests: build_request from the fields, parse, compare. */
static void check_rebuild_request(void)
{
	struct zsip_request r = { orig.method, orig.ruri_str, fields, collect(&orig, 0), orig.body };
	int n = build(build_req, &r);
	if (n < 0) {
		dump("original", orig.buf, orig.len);
		FUZZ_FAIL("zsip_build_request refused the fields of a parsed request: %s",
			  zsip_strerror(n));
	}
	char *copy;
	int rc = reparse(&again, n, &copy);
	if (rc < 0) {
		if (!over_limit(rc)) {
			dump("original", orig.buf, orig.len);
			dump("rebuilt", copy, (size_t)n);
			FUZZ_FAIL("the rebuilt request does not parse: %s (offset %zu)",
				  zsip_strerror(rc), again.err_off);
		}
	} else {
		compare(&orig, "rebuilt request");
	}
	free(copy);
}

/* 2, responses: a request carrying the response's fields (Via, From, To,
 * Call-ID, CSeq first, as the response builder writes them), then
 * build_response to it with the rest of the fields. The expected message is
 * that request's field order, which is also the order of the response. */
static void check_rebuild_response(void)
{
	if (orig.status < 100 || orig.status > 699)
		return; /* three digits parse; the builder makes only 1xx-6xx */

	/* the request: the response's own fields, the owned ones first */
	static struct zsip_field rf[ZSIP_MAX_HEADERS];
	static const enum zsip_hdr_id owned[] = { ZSIP_HDR_VIA, ZSIP_HDR_FROM, ZSIP_HDR_TO,
						  ZSIP_HDR_CALL_ID, ZSIP_HDR_CSEQ };
	size_t nall = collect(&orig, 0), nr = 0;
	for (size_t k = 0; k < sizeof owned / sizeof owned[0]; k++)
		for (size_t i = 0; i < nall; i++)
			if (zsip_hdr_lookup(fields[i].name) == owned[k]) {
				rf[nr++] = fields[i];
				if (owned[k] == ZSIP_HDR_TO)
					break; /* the builder copies the first To only */
			}
	size_t nowned = nr;
	for (size_t i = 0; i < nall; i++) {
		enum zsip_hdr_id id = zsip_hdr_lookup(fields[i].name);
		int is_owned = 0;
		for (size_t k = 0; k < sizeof owned / sizeof owned[0]; k++)
			is_owned |= id == owned[k];
		if (!is_owned)
			rf[nr++] = fields[i];
	}
	struct zsip_request r = { orig.cseq.method, ZSIP_STR("sip:fuzz.invalid"), rf, nr,
				  orig.body };
	int n = build(build_req, &r);
	if (n < 0) {
		dump("original", orig.buf, orig.len);
		FUZZ_FAIL("zsip_build_request refused the fields of a parsed response: %s",
			  zsip_strerror(n));
	}
	char *req_copy;
	int rc = reparse(&req, n, &req_copy);
	if (rc < 0) {
		if (!over_limit(rc)) {
			dump("original", orig.buf, orig.len);
			dump("request", req_copy, (size_t)n);
			FUZZ_FAIL("a request made of a valid response's fields does not parse: %s "
				  "(offset %zu)", zsip_strerror(rc), req.err_off);
		}
		free(req_copy);
		return;
	}

	/* An absent phrase would get the RFC's: keep it empty instead. The
	 * parser takes control characters in a phrase that the builder refuses
	 * to write (RFC 3261 §25.1 allows neither): such a phrase goes too. */
	struct zsip_str reason = orig.reason.p ? orig.reason : ZSIP_STR("");
	for (size_t i = 0; i < reason.len; i++) {
		unsigned char c = (unsigned char)reason.p[i];
		if ((c < ' ' && c != '\t') || c == 0x7f) {
			reason = ZSIP_STR("");
			break;
		}
	}
	struct zsip_response resp = { orig.status, reason, { NULL, 0 }, rf + nowned,
				      nr - nowned, orig.body };
	struct resp_args a = { &req, &resp };
	n = build(build_resp, &a);
	if (n < 0) {
		dump("original", orig.buf, orig.len);
		FUZZ_FAIL("zsip_build_response refused a valid response's fields: %s",
			  zsip_strerror(n));
	}
	char *copy;
	rc = reparse(&again, n, &copy);
	if (rc < 0) {
		if (!over_limit(rc)) {
			dump("original", orig.buf, orig.len);
			dump("rebuilt", copy, (size_t)n);
			FUZZ_FAIL("the rebuilt response does not parse: %s (offset %zu)",
				  zsip_strerror(rc), again.err_off);
		}
	} else {
		/* the expected message: the original's start line and body with
		 * the request's field order; compare the parts separately */
		char why[256];
		struct zsip_msg *want = &req;
		want->is_request = 0;
		want->status = orig.status;
		want->reason = reason;
		if (msgcmp(want, &again, MSGCMP_IGNORE_CLEN, why, sizeof why) != 0) {
			dump("original", orig.buf, orig.len);
			dump("rebuilt response", again.buf, again.len);
			FUZZ_FAIL("rebuilt response: fields differ: %s", why);
		}
		/* the typed fields against the original too */
		if (!zsip_str_eq(orig.call_id, again.call_id) || orig.cseq.num != again.cseq.num ||
		    !zsip_str_eq(orig.from.tag, again.from.tag) ||
		    !zsip_str_eq(orig.to.tag, again.to.tag) ||
		    !zsip_str_eq(orig.via.branch, again.via.branch) ||
		    !zsip_str_eq(orig.via.host, again.via.host) || orig.via.port != again.via.port ||
		    orig.max_forwards != again.max_forwards ||
		    !zsip_str_eq(orig.body, again.body)) {
			dump("original", orig.buf, orig.len);
			dump("rebuilt response", again.buf, again.len);
			FUZZ_FAIL("rebuilt response: typed fields differ");
		}
	}
	free(copy);
	free(req_copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (zsip_msg_parse(&orig, (const char *)data, len, NULL) < 0)
		return 0;
	check_rewrite();
	if (orig.is_request)
		check_rebuild_request();
	else
		check_rebuild_response();
	check_push_pop(push_via, pop_via, "Via");
	check_push_pop(push_route, pop_route, "Route");
	return 0;
}
