/* Typed header values: parameter lists, list splitting, name-addr,
 * Contact, Via, CSeq, numbers, media types and authentication values
 * (RFC 3261 §7.3, §20, §25.1; RFC 3581; RFC 4475; RFC 5118; RFC 7616).
 *
 * Every input is copied into a malloc'd buffer of exactly its length, so
 * that a read past the slice is caught by AddressSanitizer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/hv.h"
#include "msg/lex.h"
#include "support/msgcmp.h"
#include "zsip/msg.h"

/* ---------------------------------------------------------------- helpers */

static char *exact(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);
	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

static struct zsip_str dup_str(const char *s)
{
	size_t n = strlen(s);
	struct zsip_str r = { exact(s, n), n };
	return r;
}

static void drop(struct zsip_str s)
{
	free((void *)(uintptr_t)s.p);
}

static int slice_is(struct zsip_str got, const char *want)
{
	if (!want)
		return got.p == NULL;
	return got.p && got.len == strlen(want) && memcmp(got.p, want, got.len) == 0;
}

#define EXPECT_SLICE(in, field, got, want)                                                    \
	do {                                                                                    \
		if (!slice_is(got, want))                                                      \
			fail_msg("'%s': %s is '%.*s'%s, want %s%s%s", in, field, (int)(got).len,  \
				 (got).p ? (got).p : "", (got).p ? "" : " (absent)",             \
				 (want) ? "'" : "", (want) ? (want) : "absent", (want) ? "'" : ""); \
	} while (0)

/* Appends s[0..n) to out (cap bytes, NUL-terminated). */
static void put(char *out, size_t cap, const char *s, size_t n)
{
	size_t l = strlen(out);
	assert_true(l + n < cap);
	memcpy(out + l, s, n);
	out[l + n] = '\0';
}

/* The whole of a parameter iteration as "name=value|name|...", ended by
 * "." (end of list) or "!" (ZSIP_EPARAM). */
static void params_dump(struct zsip_str list, char *out, size_t cap)
{
	struct zsip_str n, v;
	int rc, k = 0;
	out[0] = '\0';
	while ((rc = zsip_param_next(&list, &n, &v)) == 1) {
		assert_true(++k < 64);
		if (k > 1)
			put(out, cap, "|", 1);
		put(out, cap, n.p, n.len);
		if (v.p) {
			put(out, cap, "=", 1);
			put(out, cap, v.p, v.len);
		}
	}
	assert_true(rc == 0 || rc == ZSIP_EPARAM);
	put(out, cap, rc == 0 ? "." : "!", 1);
}

/* The whole of a value iteration as "v1|v2|...", ended by "." or "!". */
static void values_dump(struct zsip_str list, char *out, size_t cap)
{
	struct zsip_str v;
	int rc, k = 0;
	out[0] = '\0';
	while ((rc = zsip_value_next(&list, &v)) == 1) {
		assert_true(++k < 64);
		if (k > 1)
			put(out, cap, "|", 1);
		put(out, cap, v.p, v.len);
	}
	assert_true(rc == 0 || rc == ZSIP_EVALUE);
	put(out, cap, rc == 0 ? "." : "!", 1);
}

/* ------------------------------------------------------------------ lex */

/* RFC 3261 §7.3.1, §25.1: LWS = [*WSP CRLF] 1*WSP. A CRLF not followed by
 * WSP ends the field and is no white space. */
static void test_lex_skips_folds_but_not_bare_line_ends_rfc3261_25_1(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t stop;
	} cases[] = {
		{ "  \t x", 4 }, { "\r\n x", 3 }, { "\r\n\tx", 3 }, { " \r\n  \r\n x", 8 },
		{ "\n x", 2 },   { "\r\nx", 0 },  { "\r\n", 0 },    { " \r", 1 },
		{ "\r", 0 },     { "", 0 },       { " \r\n", 1 },   { "x ", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = strlen(cases[i].in);
		char *b = exact(cases[i].in, n);
		const char *p = zsipi_skip_lws(b, b + n);
		if ((size_t)(p - b) != cases[i].stop)
			fail_msg("case %zu: stopped at %td, want %zu", i, p - b, cases[i].stop);
		free(b);
	}
}

/* RFC 3261 §25.1: quoted-string = SWS DQUOTE *(qdtext / quoted-pair )
 * DQUOTE; quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F). */
static void test_lex_quoted_string_end_rfc3261_25_1(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t len;
		long end; /* -1: malformed */
	} cases[] = {
		{ "\"abc\" x", 7, 5 },
		{ "\"a\\\"b\"", 6, 6 },
		{ "\"a\\\\\"", 5, 5 },
		{ "\"\"", 2, 2 },
		{ "\"a,b<c>\"", 8, 8 },
		{ "\"a\r\n b\"", 7, 7 },     /* a fold is LWS */
		{ "\"a\r\nb\"", 7, -1 },     /* a line end is not */
		{ "\"abc", 4, -1 },
		{ "\"abc\\\"", 6, -1 },
		{ "\"a\\", 3, -1 },
		{ "\"a\x01\"", 4, -1 },     /* controls only as quoted-pairs */
		{ "\"a\x7f\"", 4, -1 },
		{ "\"a\\\x01\\\0\\\x7f\"", 9, 9 }, /* RFC 4475 §3.1.1.2 */
		{ "\"\xc3\xa9\"", 4, 4 },   /* UTF8-NONASCII */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *b = exact(cases[i].in, cases[i].len);
		const char *e = zsipi_quoted_end(b, b + cases[i].len);
		long got = e ? (long)(e - b) : -1;
		if (got != cases[i].end)
			fail_msg("case %zu: %ld, want %ld", i, got, cases[i].end);
		free(b);
	}
}

/* RFC 3261 §7.3.1: parameter names compare without regard to case. */
static void test_lex_caseeq_lit_folds_letters_only_rfc3261_7_3_1(void **state)
{
	(void)state;
	assert_true(zsipi_caseeq_lit("BRANCH", "branch", 6));
	assert_true(zsipi_caseeq_lit("bRaNcH", "branch", 6));
	assert_false(zsipi_caseeq_lit("branci", "branch", 6));
	assert_false(zsipi_caseeq_lit("bran\x03h", "branch", 6));
	assert_true(zsipi_caseeq_lit("ALGORITHM", "algorithm", 9));
	assert_false(zsipi_caseeq_lit("ALGORITHN", "algorithm", 9));
	assert_true(zsipi_caseeq_lit("Received", "received", 8));
	assert_false(zsipi_caseeq_lit("Receivee", "received", 8));
}

/* ----------------------------------------------------------- parameters */

static const struct {
	const char *in, *want;
} param_cases[] = {
	{ "", "." },
	{ "tag=1918181833n", "tag=1918181833n." },
	/* RFC 4475 §3.1.1.1: LWS and folds around ';' and '=' */
	{ "   tag    = 1918181833n", "tag=1918181833n." },
	{ "\r\n  tag = 98asjd8", "tag=98asjd8." },
	{ " newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33", "newparam=newvalue|secondparam|q=0.33." },
	{ "lr;unknownwith=value;unknown-no-value", "lr|unknownwith=value|unknown-no-value." },
	/* quoted values keep their quotes (RFC 3261 §25.1 gen-value) */
	{ "expires=3600;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";reg-id=1",
	  "expires=3600|+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"|reg-id=1." },
	{ "x=\"a;b=c\";y", "x=\"a;b=c\"|y." },
	/* host values and URI paramchar */
	{ "received=[2001:db8::9:255];maddr=239.255.255.1", "received=[2001:db8::9:255]|maddr=239.255.255.1." },
	{ "received=2001:db8::9:255", "received=2001:db8::9:255." },
	{ "%6C%72;n%61me=v%61lue%25%34%31", "%6C%72|n%61me=v%61lue%25%34%31." },
	/* empty or malformed parameters (RFC 4475 §3.1.2.1) */
	{ ";", "!" },
	{ ";;;", "!" },
	{ "a;", "a!" },
	{ "a; ", "a!" },
	{ "a;;b", "a!" },
	{ "a=", "!" },
	{ "a= ;b", "!" },
	{ "=b", "!" },
	{ "a=\"b", "!" },
	{ "a b", "!" },
	{ "a=b c", "!" },
	{ "a=b,c", "!" },
};

/* RFC 3261 §7.3.1, §25.1: generic-param lists with LWS around ';' and '='. */
static void test_param_next_lists_rfc3261_25_1(void **state)
{
	(void)state;
	char got[512];
	for (size_t i = 0; i < sizeof param_cases / sizeof param_cases[0]; i++) {
		struct zsip_str in = dup_str(param_cases[i].in);
		params_dump(in, got, sizeof got);
		if (strcmp(got, param_cases[i].want) != 0)
			fail_msg("'%s': got '%s', want '%s'", param_cases[i].in, got, param_cases[i].want);
		drop(in);
	}
	/* an absent list has no parameters */
	struct zsip_str none = { NULL, 0 }, n, v;
	assert_int_equal(zsip_param_next(&none, &n, &v), 0);
}

/* RFC 3261 §7.3.1: parameter names are case-insensitive. */
static void test_param_find_is_case_insensitive_rfc3261_7_3_1(void **state)
{
	(void)state;
	struct zsip_str in = dup_str("\r\n  Tag = 98asjd8 ; lr ; x=\"q v\"");
	struct zsip_str v;
	assert_int_equal(zsip_param_find(in, "tag", &v), 1);
	assert_true(slice_is(v, "98asjd8"));
	assert_int_equal(zsip_param_find(in, "TAG", &v), 1);
	assert_true(slice_is(v, "98asjd8"));
	/* a parameter without '=' is present with an empty value */
	assert_int_equal(zsip_param_find(in, "lr", &v), 1);
	assert_non_null(v.p);
	assert_int_equal(v.len, 0);
	assert_int_equal(zsip_param_find(in, "x", &v), 1);
	assert_true(slice_is(v, "\"q v\""));
	assert_int_equal(zsip_param_find(in, "branch", &v), 0);
	assert_int_equal(zsip_param_find(in, "ta", &v), 0);
	drop(in);
}

/* ---------------------------------------------------------- value lists */

static const struct {
	const char *in, *want;
} value_cases[] = {
	{ "", "." },
	{ "  ", "." },
	{ "a", "a." },
	{ "a, b ,c", "a|b|c." },
	/* RFC 3261 §7.3.1: commas in quoted strings and <...> do not split */
	{ "\"Bell, Alexander\" <sip:a.g.bell@example.com>;tag=43, <sip:t@example.org>",
	  "\"Bell, Alexander\" <sip:a.g.bell@example.com>;tag=43|<sip:t@example.org>." },
	{ "<sip:a@example.com;x=1,2>, <sip:b@example.com>", "<sip:a@example.com;x=1,2>|<sip:b@example.com>." },
	{ "\"a\\\",b\" <sip:x@example.com>, y", "\"a\\\",b\" <sip:x@example.com>|y." },
	{ "<sip:a@example.com>;p=\"1,2\",<sip:b@example.com>", "<sip:a@example.com>;p=\"1,2\"|<sip:b@example.com>." },
	/* RFC 4475 §3.1.1.1: folds around the comma */
	{ "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n SIP  /    2.0   / UDP  "
	  "192.168.255.111   ; branch=\r\n z9hG4bK30239",
	  "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8|SIP  /    2.0   / UDP  "
	  "192.168.255.111   ; branch=\r\n z9hG4bK30239." },
	{ "application/sdp, application/pkcs7-mime,\r\n        multipart/mixed, multipart/signed",
	  "application/sdp|application/pkcs7-mime|multipart/mixed|multipart/signed." },
	/* empty elements (RFC 4475 §3.1.2.1) */
	{ "SIP/2.0/UDP 192.0.2.15;;,;,,", "SIP/2.0/UDP 192.0.2.15;;|;!" },
	{ ",a", "!" },
	{ "a,", "a!" },
	{ "a, ", "a!" },
	{ "a,,b", "a!" },
	{ " , ", "!" },
	/* unbalanced quote or '<' */
	{ "\"unterminated, x", "!" },
	{ "a, \"b", "a!" },
	{ "<sip:a@example.com, b", "!" },
};

/* RFC 3261 §7.3.1: several values of one field split at commas. */
static void test_value_next_splits_at_top_level_commas_rfc3261_7_3_1(void **state)
{
	(void)state;
	char got[1024];
	for (size_t i = 0; i < sizeof value_cases / sizeof value_cases[0]; i++) {
		struct zsip_str in = dup_str(value_cases[i].in);
		values_dump(in, got, sizeof got);
		if (strcmp(got, value_cases[i].want) != 0)
			fail_msg("'%s': got '%s', want '%s'", value_cases[i].in, got, value_cases[i].want);
		drop(in);
	}
}

/* The split point is found at every offset, inside and across the
 * eight-byte blocks the scanner reads. */
static void test_value_next_finds_separators_at_any_offset_rfc3261_7_3_1(void **state)
{
	(void)state;
	char in[64], want[80], got[128];
	static const char seps[] = { ',', '"', '<' };
	for (size_t k = 0; k < 40; k++) {
		for (size_t j = 0; j < sizeof seps; j++) {
			memset(in, 'a', k);
			size_t n = k;
			if (seps[j] == ',') {
				n += (size_t)sprintf(in + n, ",b");
				snprintf(want, sizeof want, "%.*s|b.", (int)k, in);
			} else if (seps[j] == '"') {
				n += (size_t)sprintf(in + n, "\"x,y\",c");
				snprintf(want, sizeof want, "%.*s\"x,y\"|c.", (int)k, in);
			} else {
				n += (size_t)sprintf(in + n, "<s,t>,c");
				snprintf(want, sizeof want, "%.*s<s,t>|c.", (int)k, in);
			}
			if (k == 0 && seps[j] == ',') {
				/* a leading comma is an empty element */
				snprintf(want, sizeof want, "!");
			}
			char *b = exact(in, n);
			struct zsip_str s = { b, n };
			values_dump(s, got, sizeof got);
			if (strcmp(got, want) != 0)
				fail_msg("'%.*s': got '%s', want '%s'", (int)n, in, got, want);
			free(b);
		}
	}
}

/* ------------------------------------------------------------ name-addr */

struct na_case {
	const char *in;
	int rc;
	const char *display, *uri, *params, *tag;
};

static const struct na_case na_cases[] = {
	/* RFC 3261 §20.20, §20.39 ordinary forms */
	{ "\"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774", 0, "Alice Liddell",
	  "sip:alice@atlanta.example.com", "tag=1928301774", "1928301774" },
	{ "Bob <sip:bob@biloxi.com>", 0, "Bob", "sip:bob@biloxi.com", NULL, NULL },
	{ "<sip:bob@biloxi.com>", 0, NULL, "sip:bob@biloxi.com", NULL, NULL },
	{ "\"\" <sip:bob@biloxi.com>", 0, "", "sip:bob@biloxi.com", NULL, NULL },
	{ "sip:caller@example.net;tag=134161461246", 0, NULL, "sip:caller@example.net", "tag=134161461246",
	  "134161461246" },
	{ "The Operator <sip:operator@cs.columbia.edu>;tag=287447", 0, "The Operator",
	  "sip:operator@cs.columbia.edu", "tag=287447", "287447" },
	{ "<sip:a@example.com>\r\n ;tag=x", 0, NULL, "sip:a@example.com", "tag=x", "x" },
	{ "<sip:a@example.com>;TAG=x", 0, NULL, "sip:a@example.com", "TAG=x", "x" },
	/* RFC 4475 §3.1.1.1: folds, escaped quotes in the display name */
	{ "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8", 0,
	  "J Rosenberg \\\\\\\"", "sip:jdrosen@example.com", "\r\n  tag = 98asjd8", "98asjd8" },
	{ "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n", 0, NULL,
	  "sip:vivekg@chair-dnrc.example.com", "   tag    = 1918181833n", "1918181833n" },
	/* RFC 4475 §3.1.1.2: every token character in a display name and tag */
	{ "token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="
	  "\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\";"
	  "tag=_token~1'+`*%!-.",
	  0, "token1~` token2'+_ token3*%!.-", "sip:mundane@example.com",
	  "fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\";"
	  "tag=_token~1'+`*%!-.",
	  "_token~1'+`*%!-." },
	{ "\"BEL:\\\x07 DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>", 0,
	  "BEL:\\\x07 DEL:\\\x7f", "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com", NULL, NULL },
	/* RFC 4475 §3.1.1.3, §3.1.1.4: escapes */
	{ "sip:%75se%72@example.com", 0, NULL, "sip:%75se%72@example.com", NULL, NULL },
	{ "<sip:I%20have%20spaces@example.net>;tag=938", 0, NULL, "sip:I%20have%20spaces@example.net", "tag=938",
	  "938" },
	{ "sip:null-%00-null@example.com;tag=839923423", 0, NULL, "sip:null-%00-null@example.com",
	  "tag=839923423", "839923423" },
	/* RFC 4475 §3.1.1.6: no LWS between display name and '<' */
	{ "caller<sip:caller@example.com>;tag=323", 0, "caller", "sip:caller@example.com", "tag=323", "323" },
	{ "\"caller\"<sip:caller@example.com>", 0, "caller", "sip:caller@example.com", NULL, NULL },
	/* RFC 4475 §3.3.12, §3.3.13: without '<' '>' the ';' starts header
	 * parameters; inside them it is a URI parameter */
	{ "sip:+19725552222@gw1.example.net;unknownparam", 0, NULL, "sip:+19725552222@gw1.example.net",
	  "unknownparam", NULL },
	{ "<sip:+19725552222@gw1.example.net;unknownparam>", 0, NULL,
	  "sip:+19725552222@gw1.example.net;unknownparam", NULL, NULL },
	/* RFC 4475 §3.3.14: escaped headers inside '<' '>' */
	{ "<sip:user@example.com?Route=%3Csip:sip.example.com%3E>", 0, NULL,
	  "sip:user@example.com?Route=%3Csip:sip.example.com%3E", NULL, NULL },
	/* RFC 4475 §3.3.4: other schemes parse */
	{ "isbn:2983792873", 0, NULL, "isbn:2983792873", NULL, NULL },
	{ "<http://www.example.com>;tag=3234233", 0, NULL, "http://www.example.com", "tag=3234233", "3234233" },
	{ "<name:John_Smith>", 0, NULL, "name:John_Smith", NULL, NULL },
	/* RFC 5118 §4.1, §4.9 */
	{ "\"Caller\" <sip:caller@[2001:db8::1]>", 0, "Caller", "sip:caller@[2001:db8::1]", NULL, NULL },
	{ "\"T. desk phone\" <sip:ted@[::ffff:192.0.2.2]>", 0, "T. desk phone", "sip:ted@[::ffff:192.0.2.2]", NULL,
	  NULL },
	{ "sip:user@[2001:db8::10];tag=x", 0, NULL, "sip:user@[2001:db8::10]", "tag=x", "x" },
	{ "\"\xc3\xa9t\xc3\xa9\" <sip:a@example.com>", 0, "\xc3\xa9t\xc3\xa9", "sip:a@example.com", NULL, NULL },

	/* RFC 4475 §3.1.2.6: unterminated quote */
	{ "\"Mr. J. User <sip:j.user@example.com>", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	/* RFC 4475 §3.1.2.15: non-token characters in an unquoted name */
	{ "Bell, Alexander <sip:a.g.bell@example.com>;tag=43", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "Watson, Thomas <sip:t.watson@example.org>", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "J. \"R\" <sip:a@example.com>", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "Bob sip:bob@example.com", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	/* RFC 4475 §3.1.2.14: spaces inside '<' '>' (rejecting is preferred) */
	{ "\"Watson, Thomas\" < sip:t.watson@example.org >", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "<sip:t.watson@example.org >", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	/* RFC 4475 §3.1.2.13: '?' in an addr-spec (rejecting is preferred) */
	{ "sip:user@example.com?Route=%3Csip:sip.example.com%3E", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "sip:a@example.com,sip:b@example.com", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	/* RFC 4475 §3.1.2.1: empty parameters */
	{ "\"Joe\" <sip:joe@example.org>;;;;", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "<sip:joe@example.org>;", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	/* tag-param = "tag" EQUAL token (RFC 3261 §25.1) */
	{ "<sip:a@example.com>;tag", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "<sip:a@example.com>;tag=\"x\"", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "<sip:a@example.com>;tag=x;tag=y", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	/* structure */
	{ "", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "<>", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "<sip:a@example.com", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "<sip:a@example.com> x", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "<sip:a@example.com>>", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "\"a\" sip:a@example.com", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "\"a\x01\" <sip:a@example.com>", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	{ "<sip:a@example.com>;a=b c", ZSIP_ENAMEADDR, NULL, NULL, NULL, NULL },
	/* the URI's own error comes through (RFC 5118 §4.10) */
	{ "sip:user@[2001:db8:::192.0.2.1]", ZSIP_EURI_HOST, NULL, NULL, NULL, NULL },
	{ "<sip:user@[2001:db8:::192.0.2.1]>", ZSIP_EURI_HOST, NULL, NULL, NULL, NULL },
	{ "<sip:a b@example.com>", ZSIP_EURI, NULL, NULL, NULL, NULL },
};

/* RFC 3261 §20.10, §20.20, §20.39, §25.1; RFC 4475. */
static void test_nameaddr_forms_rfc3261_20_10(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof na_cases / sizeof na_cases[0]; i++) {
		const struct na_case *c = &na_cases[i];
		struct zsip_str in = dup_str(c->in);
		struct zsip_nameaddr na;
		int rc = zsip_nameaddr_parse(&na, in);
		if (rc != c->rc)
			fail_msg("'%s': rc %d, want %d", c->in, rc, c->rc);
		if (rc == 0) {
			EXPECT_SLICE(c->in, "display", na.display, c->display);
			EXPECT_SLICE(c->in, "uri", na.uri.raw, c->uri);
			EXPECT_SLICE(c->in, "params", na.params, c->params);
			EXPECT_SLICE(c->in, "tag", na.tag, c->tag);
		}
		drop(in);
	}
}

/* RFC 4475 §3.3.12, §3.3.13: where the parameter lands. */
static void test_nameaddr_uri_param_vs_header_param_rfc4475_3_3_12(void **state)
{
	(void)state;
	struct zsip_nameaddr na;
	struct zsip_str in = dup_str("sip:+19725552222@gw1.example.net;unknownparam");
	assert_int_equal(zsip_nameaddr_parse(&na, in), 0);
	assert_null(na.uri.params.p);
	assert_true(slice_is(na.uri.host, "gw1.example.net"));
	assert_true(slice_is(na.uri.user, "+19725552222"));
	drop(in);
	in = dup_str("<sip:+19725552222@gw1.example.net;unknownparam>");
	assert_int_equal(zsip_nameaddr_parse(&na, in), 0);
	assert_true(slice_is(na.uri.params, "unknownparam"));
	assert_null(na.params.p);
	drop(in);
}

/* RFC 4475 §3.1.1.2: quoted-pairs for NUL inside a quoted display name. */
static void test_nameaddr_quoted_pair_nul_rfc4475_3_1_1_2(void **state)
{
	(void)state;
	static const char raw[] = "\"BEL:\\\x07 NUL:\\\0 DEL:\\\x7f\" <sip:a@example.com>";
	size_t n = sizeof raw - 1;
	char *b = exact(raw, n);
	struct zsip_str in = { b, n };
	struct zsip_nameaddr na;
	assert_int_equal(zsip_nameaddr_parse(&na, in), 0);
	assert_int_equal(na.display.len, 20);
	assert_memory_equal(na.display.p, "BEL:\\\x07 NUL:\\\0 DEL:\\\x7f", 20);
	free(b);
}

/* -------------------------------------------------------------- Contact */

struct contact_case {
	const char *in;
	int rc, star;
	const char *uri, *q, *expires;
};

static const struct contact_case contact_cases[] = {
	/* RFC 3261 §20.10 */
	{ "*", 0, 1, NULL, NULL, NULL },
	{ "  *  ", 0, 1, NULL, NULL, NULL },
	{ "<sip:alice@pc33.atlanta.example.com>", 0, 0, "sip:alice@pc33.atlanta.example.com", NULL, NULL },
	{ "\"Mr. Watson\" <sip:watson@worcester.bell-telephone.com>;q=0.7; expires=3600", 0, 0,
	  "sip:watson@worcester.bell-telephone.com", "0.7", "3600" },
	{ "<sip:bob@192.0.2.44:5062;transport=udp>;expires=3600;+sip.instance="
	  "\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";reg-id=1",
	  0, 0, "sip:bob@192.0.2.44:5062;transport=udp", NULL, "3600" },
	/* RFC 4475 §3.1.1.1 */
	{ "\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33",
	  0, 0, "sip:jdrosen@example.com", "0.33", NULL },
	/* RFC 4475 §3.1.2.4: the value is read as written; range is the registrar's */
	{ "<sip:user@host129.example.com>\r\n  ;expires=280297596632815", 0, 0, "sip:user@host129.example.com", NULL,
	  "280297596632815" },
	/* RFC 4475 §3.1.1.3, §3.1.1.4, §3.3.12 */
	{ "\r\n  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>", 0, 0,
	  "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", NULL, NULL },
	{ "<sip:%00@host5.example.com>", 0, 0, "sip:%00@host5.example.com", NULL, NULL },
	{ "sip:+19725552222@gw1.example.net;unknownparam", 0, 0, "sip:+19725552222@gw1.example.net", NULL, NULL },
	/* errors */
	{ "\"Joe\" <sip:joe@example.org>;;;;", ZSIP_ENAMEADDR, 0, NULL, NULL, NULL }, /* RFC 4475 §3.1.2.1 */
	{ "sip:user@example.com?Route=%3Csip:sip.example.com%3E", ZSIP_ENAMEADDR, 0, NULL, NULL, NULL },
	{ "*;q=1", ZSIP_ENAMEADDR, 0, NULL, NULL, NULL },
	{ "**", ZSIP_ENAMEADDR, 0, NULL, NULL, NULL },
	{ "", ZSIP_ENAMEADDR, 0, NULL, NULL, NULL },
};

/* RFC 3261 §20.10: Contact values, '*', q and expires. */
static void test_contact_forms_rfc3261_20_10(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof contact_cases / sizeof contact_cases[0]; i++) {
		const struct contact_case *c = &contact_cases[i];
		struct zsip_str in = dup_str(c->in);
		struct zsip_contact ct;
		int rc = zsip_contact_parse(&ct, in);
		if (rc != c->rc)
			fail_msg("'%s': rc %d, want %d", c->in, rc, c->rc);
		if (rc == 0) {
			if (ct.star != c->star)
				fail_msg("'%s': star %d", c->in, ct.star);
			if (!c->star)
				EXPECT_SLICE(c->in, "uri", ct.addr.uri.raw, c->uri);
			EXPECT_SLICE(c->in, "q", ct.q, c->q);
			EXPECT_SLICE(c->in, "expires", ct.expires, c->expires);
		}
		drop(in);
	}
}

/* ------------------------------------------------------------------ Via */

struct via_case {
	const char *in;
	int rc;
	const char *protocol, *version, *transport, *host;
	int host_type;
	unsigned port;
	const char *params, *branch, *received, *rport, *maddr, *ttl;
};

#define NAME ZSIP_HOST_NAME
#define V4 ZSIP_HOST_IPV4
#define V6 ZSIP_HOST_IPV6
#define VIA_BAD(s) { s, ZSIP_EVIA, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL }

static const struct via_case via_cases[] = {
	/* RFC 3261 §20.42 */
	{ "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds", 0, "SIP", "2.0", "UDP", "pc33.atlanta.com", NAME, 0,
	  "branch=z9hG4bK776asdhds", "z9hG4bK776asdhds", NULL, NULL, NULL, NULL },
	{ "SIP/2.0/UDP erlang.bell-telephone.com:5060;branch=z9hG4bK87asdks7", 0, "SIP", "2.0", "UDP",
	  "erlang.bell-telephone.com", NAME, 5060, "branch=z9hG4bK87asdks7", "z9hG4bK87asdks7", NULL, NULL, NULL,
	  NULL },
	{ "SIP/2.0/UDP 192.0.2.1:5060 ;received=192.0.2.207;branch=z9hG4bK77asjd", 0, "SIP", "2.0", "UDP",
	  "192.0.2.1", V4, 5060, "received=192.0.2.207;branch=z9hG4bK77asjd", "z9hG4bK77asjd", "192.0.2.207", NULL,
	  NULL, NULL },
	{ "SIP / 2.0 / UDP first.example.com: 4000;ttl=16;maddr=224.2.0.1;branch=z9hG4bKa7c6a8dlze.1", 0, "SIP",
	  "2.0", "UDP", "first.example.com", NAME, 4000, "ttl=16;maddr=224.2.0.1;branch=z9hG4bKa7c6a8dlze.1",
	  "z9hG4bKa7c6a8dlze.1", NULL, NULL, "224.2.0.1", "16" },
	{ "SIP/2.0/UDP host.example.com ; BRANCH = z9hG4bK1 ; Received = 192.0.2.1", 0, "SIP", "2.0", "UDP",
	  "host.example.com", NAME, 0, " BRANCH = z9hG4bK1 ; Received = 192.0.2.1", "z9hG4bK1", "192.0.2.1", NULL,
	  NULL, NULL },
	{ "SIP/2.0/UDP host.example.com:5060", 0, "SIP", "2.0", "UDP", "host.example.com", NAME, 5060, NULL, NULL,
	  NULL, NULL, NULL, NULL },
	{ "SIP/2.0/UDP host.example.com : 5060;branch=x", 0, "SIP", "2.0", "UDP", "host.example.com", NAME, 5060,
	  "branch=x", "x", NULL, NULL, NULL, NULL },
	{ "SIP/2.0/UDP host.example.com;x=\"a;b\";branch=z9hG4bK1", 0, "SIP", "2.0", "UDP", "host.example.com",
	  NAME, 0, "x=\"a;b\";branch=z9hG4bK1", "z9hG4bK1", NULL, NULL, NULL, NULL },
	/* RFC 3581 §3, §4: rport with and without a value */
	{ "SIP/2.0/UDP 192.0.2.44:5062;rport;branch=z9hG4bKnashd92", 0, "SIP", "2.0", "UDP", "192.0.2.44", V4, 5062,
	  "rport;branch=z9hG4bKnashd92", "z9hG4bKnashd92", NULL, "", NULL, NULL },
	{ "SIP/2.0/UDP 198.51.100.23:5060;rport;branch=z9hG4bK776asdhds;received=198.51.100.23;rport=5060", 0,
	  "SIP", "2.0", "UDP", "198.51.100.23", V4, 5060,
	  "rport;branch=z9hG4bK776asdhds;received=198.51.100.23;rport=5060", "z9hG4bK776asdhds", "198.51.100.23",
	  "5060", NULL, NULL },
	/* RFC 4475 §3.1.1.1: LWS and folds around '/', ';', '=' */
	{ "SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw", 0, "SIP", "2.0", "UDP", "192.0.2.2", V4, 0,
	  "branch=390skdjuw", "390skdjuw", NULL, NULL, NULL, NULL },
	{ "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8", 0, "SIP", "2.0", "TCP",
	  "spindle.example.com", NAME, 0, "\r\n  branch  =   z9hG4bK9ikj8", "z9hG4bK9ikj8", NULL, NULL, NULL, NULL },
	{ "SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239", 0, "SIP", "2.0", "UDP",
	  "192.168.255.111", V4, 0, " branch=\r\n z9hG4bK30239", "z9hG4bK30239", NULL, NULL, NULL, NULL },
	/* the fast path for "SIP/2.0/" must still allow SWS after it */
	{ "SIP/2.0/ UDP host.example.com", 0, "SIP", "2.0", "UDP", "host.example.com", NAME, 0, NULL, NULL, NULL,
	  NULL, NULL, NULL },
	{ "SIP/2.0/\r\n UDP host.example.com", 0, "SIP", "2.0", "UDP", "host.example.com", NAME, 0, NULL, NULL, NULL,
	  NULL, NULL, NULL },
	{ "sip/2.0/udp host.example.com", 0, "sip", "2.0", "udp", "host.example.com", NAME, 0, NULL, NULL, NULL, NULL,
	  NULL, NULL },
	{ "SIP/3.0/UDP host.example.com", 0, "SIP", "3.0", "UDP", "host.example.com", NAME, 0, NULL, NULL, NULL, NULL,
	  NULL, NULL },
	/* a name may start with digits; only a whole IPv4address is one */
	{ "SIP/2.0/UDP 1.2.3.4.example.com:5060", 0, "SIP", "2.0", "UDP", "1.2.3.4.example.com", NAME, 5060, NULL,
	  NULL, NULL, NULL, NULL, NULL },
	/* RFC 4475 §3.1.1.2: every token character in a branch */
	{ "SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~", 0, "SIP", "2.0", "TCP", "host1.example.com",
	  NAME, 0, "branch=z9hG4bK-.!%66*_+`'~", "z9hG4bK-.!%66*_+`'~", NULL, NULL, NULL, NULL },
	/* RFC 4475 §3.1.1.10: unknown transports are tokens */
	{ "SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf", 0, "SIP", "2.0", "SCTP", "t2.example.com", NAME, 0,
	  "branch=z9hG4bKklasjdhf", "z9hG4bKklasjdhf", NULL, NULL, NULL, NULL },
	{ "SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj", 0, "SIP", "2.0", "TLS", "t3.example.com", NAME, 0,
	  "branch=z9hG4bK2980unddj", "z9hG4bK2980unddj", NULL, NULL, NULL, NULL },
	{ "SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en", 0, "SIP", "2.0", "UNKNOWN", "t4.example.com",
	  NAME, 0, "branch=z9hG4bKasd0f3en", "z9hG4bKasd0f3en", NULL, NULL, NULL, NULL },
	/* RFC 4475 §3.2.1: the magic cookie alone is syntactically fine */
	{ "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK", 0, "SIP", "2.0", "UDP", "192.0.2.1", V4, 0, "branch=z9hG4bK",
	  "z9hG4bK", NULL, NULL, NULL, NULL },
	/* RFC 5118 §4.1, §4.5, §4.7, §4.9 */
	{ "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111", 0, "SIP", "2.0", "UDP", "[2001:db8::9:1]", V6, 0,
	  "branch=z9hG4bKas3-111", "z9hG4bKas3-111", NULL, NULL, NULL, NULL },
	{ "SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111", 0, "SIP", "2.0", "UDP", "[2001:db8::9:1]", V6,
	  6050, "branch=z9hG4bKas3-111", "z9hG4bKas3-111", NULL, NULL, NULL, NULL },
	{ "SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3", 0, "SIP", "2.0", "UDP",
	  "[2001:db8::9:1]", V6, 0, "received=2001:db8::9:255;branch=z9hG4bKas3", "z9hG4bKas3", "2001:db8::9:255",
	  NULL, NULL, NULL },
	{ "SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3-111", 0, "SIP", "2.0", "UDP",
	  "[2001:db8::9:1]", V6, 0, "received=[2001:db8::9:255];branch=z9hG4bKas3-111", "z9hG4bKas3-111",
	  "[2001:db8::9:255]", NULL, NULL, NULL },
	{ "SIP/2.0/TCP [2001:db8::9:255];branch=z9hG4bK451jj;received=192.0.2.200", 0, "SIP", "2.0", "TCP",
	  "[2001:db8::9:255]", V6, 0, "branch=z9hG4bK451jj;received=192.0.2.200", "z9hG4bK451jj", "192.0.2.200",
	  NULL, NULL, NULL },
	{ "SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbh19", 0, "SIP", "2.0", "UDP", "[::ffff:192.0.2.10]",
	  V6, 19823, "branch=z9hG4bKbh19", "z9hG4bKbh19", NULL, NULL, NULL, NULL },
	{ "SIP/2.0/UDP host.example.com;maddr=[2001:db8::1]", 0, "SIP", "2.0", "UDP", "host.example.com", NAME, 0,
	  "maddr=[2001:db8::1]", NULL, NULL, NULL, "[2001:db8::1]", NULL },

	/* RFC 4475 §3.1.2.1: empty parameters */
	VIA_BAD("SIP/2.0/UDP 192.0.2.15;;"),
	VIA_BAD("SIP/2.0/UDP 192.0.2.15;"),
	VIA_BAD("SIP/2.0/UDP 192.0.2.15; ;branch=x"),
	VIA_BAD("SIP/2.0/UDP 192.0.2.15;branch=x;"),
	/* sent-protocol and sent-by */
	VIA_BAD(""),
	VIA_BAD("SIP/2.0"),
	VIA_BAD("SIP/2.0 host.example.com"),
	VIA_BAD("SIP/2.0/UDP"),
	VIA_BAD("SIP/2.0/UDP "),
	VIA_BAD("SIP/2.0/UDPhost.example.com"),
	VIA_BAD("SIP//2.0/UDP host.example.com"),
	VIA_BAD("SIP/2.0/UDP/X host.example.com"),
	VIA_BAD("SIP/2.0/UDP host.example.com junk"),
	VIA_BAD("SIP/2.0/UDP host.example.com,"),
	VIA_BAD("SIP/2.0/UDP host_x.example.com"),
	VIA_BAD("SIP/2.0/UDP 2001:db8::1"),          /* RFC 5118: IPv6 needs '[' ']' */
	VIA_BAD("SIP/2.0/UDP 192.0.2.1a"),
	VIA_BAD("SIP/2.0/UDP 192.0.2.300"),
	VIA_BAD("SIP/2.0/UDP 192.0.2.1.;branch=x"),
	VIA_BAD("SIP/2.0/UDP host.example.com;branch=z9hG4bK:1"),
	VIA_BAD("SIP/2.0/UDP [2001:db8::1"),
	VIA_BAD("SIP/2.0/UDP [2001:db8:::1]"),
	VIA_BAD("SIP/2.0/UDP host.example.com:"),
	VIA_BAD("SIP/2.0/UDP host.example.com:70000"),
	VIA_BAD("SIP/2.0/UDP host.example.com:50a"),
	/* the grammar of the known parameters */
	VIA_BAD("SIP/2.0/UDP host.example.com;branch"),
	VIA_BAD("SIP/2.0/UDP host.example.com;branch=\"z9hG4bK1\""),
	VIA_BAD("SIP/2.0/UDP host.example.com;branch="),
	VIA_BAD("SIP/2.0/UDP host.example.com;received=host.example.com"),
	VIA_BAD("SIP/2.0/UDP host.example.com;received=192.0.2.256"),
	VIA_BAD("SIP/2.0/UDP host.example.com;received=[192.0.2.1]"),
	VIA_BAD("SIP/2.0/UDP host.example.com;rport=x"),
	VIA_BAD("SIP/2.0/UDP host.example.com;rport=65536"),
	VIA_BAD("SIP/2.0/UDP host.example.com;ttl=256"),
	VIA_BAD("SIP/2.0/UDP host.example.com;ttl"),
	VIA_BAD("SIP/2.0/UDP host.example.com;maddr=[::1"),
	VIA_BAD("SIP/2.0/UDP host.example.com;maddr"),
	VIA_BAD("SIP/2.0/UDP host.example.com;a=b c"),
	VIA_BAD("SIP/2.0/UDP host.example.com;a=\"b"),
};

/* RFC 3261 §20.42, §25.1; RFC 3581; RFC 4475; RFC 5118. */
static void test_via_forms_rfc3261_20_42(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof via_cases / sizeof via_cases[0]; i++) {
		const struct via_case *c = &via_cases[i];
		struct zsip_str in = dup_str(c->in);
		struct zsip_via v;
		int rc = zsip_via_parse(&v, in);
		if (rc != c->rc)
			fail_msg("'%s': rc %d, want %d", c->in, rc, c->rc);
		if (rc == 0) {
			EXPECT_SLICE(c->in, "protocol", v.protocol, c->protocol);
			EXPECT_SLICE(c->in, "version", v.version, c->version);
			EXPECT_SLICE(c->in, "transport", v.transport, c->transport);
			EXPECT_SLICE(c->in, "host", v.host, c->host);
			EXPECT_SLICE(c->in, "params", v.params, c->params);
			EXPECT_SLICE(c->in, "branch", v.branch, c->branch);
			EXPECT_SLICE(c->in, "received", v.received, c->received);
			EXPECT_SLICE(c->in, "rport", v.rport, c->rport);
			EXPECT_SLICE(c->in, "maddr", v.maddr, c->maddr);
			EXPECT_SLICE(c->in, "ttl", v.ttl, c->ttl);
			if (v.host_type != c->host_type || v.port != c->port)
				fail_msg("'%s': host_type %d port %u", c->in, v.host_type, v.port);
		}
		drop(in);
	}
}

/* zsipi_via_next and its reference zsipi_via_next_ref on n bytes of s. */
static void via_agree(const char *s, size_t n)
{
	char *b = exact(s, n);
	struct zsip_via fast, ref;
	const char *fn = NULL, *rn = NULL;
	int frc = zsipi_via_next(&fast, b, b + n, &fn), rrc = zsipi_via_next_ref(&ref, b, b + n, &rn);
	if (frc != rrc || (rrc == 0 && (fn != rn || !msgcmp_via_same(&fast, &ref))))
		fail_msg("fast Via parser differs on \"%.*s\": rc %d/%d", (int)n, s, frc, rrc);
	free(b);
}

/* The fast path for the usual Via shape reads every value as the full
 * parser does (RFC 3261 §20.42, §25.1): each case, each of its prefixes,
 * and each with one byte replaced by a separator, LWS or a digit at every
 * position (the edges of the shape). */
static void test_via_fast_path_agrees_with_reference_rfc3261_20_42(void **state)
{
	(void)state;
	static const char *const more[] = {
		"SIP/2.0/UDP 198.51.100.23:5060;rport;branch=z9hG4bK776asdhds",
		"SIP/2.0/TCP h;rport=1;rport;branch=a;branch=b;received=1.2.3.4;ttl=3;maddr=x.y",
		"SIP/2.0/UDP h;rport;rport=5060",
		"SIP/2.0/UDP 1.2.3.4;received=[::1];maddr=[::1]",
		"SIP/2.0/UDP h;ttl=256;branch=x",
		"SIP/2.0/UDP a.b:65536;branch=x",
		"SIP/2.0/UDP a.b:00000000000000000000005060;branch=x",
		"SIP/2.0/UDP h,SIP/2.0/UDP g;branch=x",
	};
	static const char subst[] = " \t\r\n;=,:\"[].0a-/%";
	char buf[256];
	for (size_t i = 0; i < sizeof via_cases / sizeof via_cases[0] + sizeof more / sizeof more[0]; i++) {
		size_t nv = sizeof via_cases / sizeof via_cases[0];
		const char *in = i < nv ? via_cases[i].in : more[i - nv];
		size_t n = strlen(in);
		assert_true(n < sizeof buf);
		for (size_t k = 0; k <= n; k++)
			via_agree(in, k);
		for (size_t at = 0; at < n; at++) {
			for (size_t c = 0; c < sizeof subst - 1; c++) {
				memcpy(buf, in, n);
				buf[at] = subst[c];
				via_agree(buf, n);
			}
		}
	}
}

/* RFC 4475 §3.1.2.1: the Via of badinv01 as the message parser sees it. */
static void test_via_list_with_stray_separators_rfc4475_3_1_2_1(void **state)
{
	(void)state;
	struct zsip_str in = dup_str("SIP/2.0/UDP 192.0.2.15;;,;,,"), cur = in, v;
	struct zsip_via via;
	assert_int_equal(zsip_value_next(&cur, &v), 1);
	assert_int_equal(zsip_via_parse(&via, v), ZSIP_EVIA);
	drop(in);
}

/* ----------------------------------------------------------------- CSeq */

static const struct {
	const char *in;
	int rc;
	uint32_t num;
	const char *method;
	int id;
} cseq_cases[] = {
	/* RFC 3261 §20.16 */
	{ "4711 INVITE", 0, 4711, "INVITE", ZSIP_METHOD_INVITE },
	{ "1 REGISTER", 0, 1, "REGISTER", ZSIP_METHOD_REGISTER },
	{ "0 ACK", 0, 0, "ACK", ZSIP_METHOD_ACK },
	{ "  314159   BYE  ", 0, 314159, "BYE", ZSIP_METHOD_BYE },
	{ "4294967295 OPTIONS", 0, 4294967295u, "OPTIONS", ZSIP_METHOD_OPTIONS },
	/* RFC 4475 §3.1.1.1: leading zeros and a fold before the method */
	{ "0009\r\n  INVITE", 0, 9, "INVITE", ZSIP_METHOD_INVITE },
	{ "00000000000000000000000001 BYE", 0, 1, "BYE", ZSIP_METHOD_BYE },
	/* RFC 4475 §3.1.1.2, §3.1.1.5: extension methods are tokens, case-sensitive */
	{ "139122385 !interesting-Method0123456789_*+`.%indeed'~", 0, 139122385,
	  "!interesting-Method0123456789_*+`.%indeed'~", ZSIP_METHOD_OTHER },
	{ "1 RE%47IST%45R", 0, 1, "RE%47IST%45R", ZSIP_METHOD_OTHER },
	{ "1 invite", 0, 1, "invite", ZSIP_METHOD_OTHER },
	/* RFC 4475 §3.1.2.4: above 2^32-1 */
	{ "4294967296 INVITE", ZSIP_ECSEQ, 0, NULL, 0 },
	{ "36893488147419103232 REGISTER", ZSIP_ECSEQ, 0, NULL, 0 },
	/* 1*DIGIT LWS Method */
	{ "", ZSIP_ECSEQ, 0, NULL, 0 },
	{ "INVITE", ZSIP_ECSEQ, 0, NULL, 0 },
	{ "1INVITE", ZSIP_ECSEQ, 0, NULL, 0 },
	{ "1", ZSIP_ECSEQ, 0, NULL, 0 },
	{ "1 ", ZSIP_ECSEQ, 0, NULL, 0 },
	{ "-1 INVITE", ZSIP_ECSEQ, 0, NULL, 0 },
	{ "1.5 INVITE", ZSIP_ECSEQ, 0, NULL, 0 },
	{ "1 INVITE BYE", ZSIP_ECSEQ, 0, NULL, 0 },
	{ "1 INV@TE", ZSIP_ECSEQ, 0, NULL, 0 },
	{ "1\r\nINVITE", ZSIP_ECSEQ, 0, NULL, 0 },
};

/* RFC 3261 §20.16, §25.1. */
static void test_cseq_forms_rfc3261_20_16(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cseq_cases / sizeof cseq_cases[0]; i++) {
		struct zsip_str in = dup_str(cseq_cases[i].in);
		struct zsip_cseq c;
		int rc = zsip_cseq_parse(&c, in);
		if (rc != cseq_cases[i].rc)
			fail_msg("'%s': rc %d, want %d", cseq_cases[i].in, rc, cseq_cases[i].rc);
		if (rc == 0) {
			if (c.num != cseq_cases[i].num || c.method_id != cseq_cases[i].id)
				fail_msg("'%s': num %u id %d", cseq_cases[i].in, c.num, c.method_id);
			EXPECT_SLICE(cseq_cases[i].in, "method", c.method, cseq_cases[i].method);
		}
		drop(in);
	}
}

/* -------------------------------------------------------------- numbers */

static const struct {
	const char *in;
	uint32_t max;
	int rc;
	uint32_t want;
} uint_cases[] = {
	/* RFC 3261 §20.22 Max-Forwards 0-255, leading zeros (RFC 4475 §3.1.1.1) */
	{ "70", 255, 0, 70 },
	{ "0068", 255, 0, 68 },
	{ "0", 255, 0, 0 },
	{ "255", 255, 0, 255 },
	{ "256", 255, ZSIP_ENUMBER, 0 },
	{ "300", 255, ZSIP_ENUMBER, 0 }, /* RFC 4475 §3.1.2.4 */
	/* Content-Length, Expires: 1*DIGIT */
	{ " 150 ", UINT32_MAX, 0, 150 },
	{ "4294967295", UINT32_MAX, 0, 4294967295u },
	{ "4294967296", UINT32_MAX, ZSIP_ENUMBER, 0 },
	{ "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
	  UINT32_MAX, ZSIP_ENUMBER, 0 }, /* RFC 4475 §3.1.2.4 */
	{ "000000000000000000000000000000000000000007", UINT32_MAX, 0, 7 },
	{ "", 255, ZSIP_ENUMBER, 0 },
	{ " ", 255, ZSIP_ENUMBER, 0 },
	{ "-1", UINT32_MAX, ZSIP_ENUMBER, 0 }, /* RFC 4475 §3.1.2.3 */
	{ "+1", UINT32_MAX, ZSIP_ENUMBER, 0 },
	{ "12a", UINT32_MAX, ZSIP_ENUMBER, 0 },
	{ "1 2", UINT32_MAX, ZSIP_ENUMBER, 0 },
	{ "0x10", UINT32_MAX, ZSIP_ENUMBER, 0 },
};

static void test_uint_parse_rfc3261_25_1(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof uint_cases / sizeof uint_cases[0]; i++) {
		struct zsip_str in = dup_str(uint_cases[i].in);
		uint32_t v = 12345;
		int rc = zsip_uint_parse(in, uint_cases[i].max, &v);
		if (rc != uint_cases[i].rc || (rc == 0 && v != uint_cases[i].want))
			fail_msg("'%s' max %u: rc %d value %u", uint_cases[i].in, uint_cases[i].max, rc, v);
		drop(in);
	}
}

/* ----------------------------------------------------------- media type */

static const struct {
	const char *in;
	int rc;
	const char *type, *subtype, *params;
} media_cases[] = {
	/* RFC 3261 §20.15 */
	{ "application/sdp", 0, "application", "sdp", NULL },
	{ "multipart/mixed;boundary=7a9cbec02ceef655", 0, "multipart", "mixed", "boundary=7a9cbec02ceef655" },
	{ "text/html; charset=ISO-8859-4", 0, "text", "html", " charset=ISO-8859-4" },
	{ "text/plain ; charset = \"utf-8\" ; format=flowed", 0, "text", "plain",
	  " charset = \"utf-8\" ; format=flowed" },
	{ "application / sdp", 0, "application", "sdp", NULL },
	{ "application/x-private+xml", 0, "application", "x-private+xml", NULL },
	{ "", ZSIP_EVALUE, NULL, NULL, NULL },
	{ "application", ZSIP_EVALUE, NULL, NULL, NULL },
	{ "application/", ZSIP_EVALUE, NULL, NULL, NULL },
	{ "/sdp", ZSIP_EVALUE, NULL, NULL, NULL },
	{ "application/sdp;", ZSIP_EVALUE, NULL, NULL, NULL },
	{ "application/sdp;charset", ZSIP_EVALUE, NULL, NULL, NULL },
	{ "application/sdp;charset=", ZSIP_EVALUE, NULL, NULL, NULL },
	{ "application/sdp x", ZSIP_EVALUE, NULL, NULL, NULL },
	{ "application/sdp/x", ZSIP_EVALUE, NULL, NULL, NULL },
	{ "application/sdp;a=\"b", ZSIP_EVALUE, NULL, NULL, NULL },
};

static void test_media_parse_rfc3261_20_15(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof media_cases / sizeof media_cases[0]; i++) {
		struct zsip_str in = dup_str(media_cases[i].in);
		struct zsip_media m;
		int rc = zsip_media_parse(&m, in);
		if (rc != media_cases[i].rc)
			fail_msg("'%s': rc %d, want %d", media_cases[i].in, rc, media_cases[i].rc);
		if (rc == 0) {
			EXPECT_SLICE(media_cases[i].in, "type", m.type, media_cases[i].type);
			EXPECT_SLICE(media_cases[i].in, "subtype", m.subtype, media_cases[i].subtype);
			EXPECT_SLICE(media_cases[i].in, "params", m.params, media_cases[i].params);
		}
		drop(in);
	}
}

/* ----------------------------------------------------------------- auth */

/* RFC 3261 §20.44, §22.4; RFC 7616 §3.3. */
static void test_auth_digest_challenge_rfc7616_3_3(void **state)
{
	(void)state;
	const char *s = "Digest realm=\"biloxi.example.com\", qop=\"auth\", algorithm=MD5,\r\n "
			"nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", "
			"stale=FALSE, domain=\"sip:ss1.example.com sip:ss2.example.com\"";
	struct zsip_str in = dup_str(s);
	struct zsip_auth a;
	assert_int_equal(zsip_auth_parse(&a, in), 0);
	EXPECT_SLICE(s, "scheme", a.scheme, "Digest");
	EXPECT_SLICE(s, "realm", a.realm, "biloxi.example.com");
	EXPECT_SLICE(s, "qop", a.qop, "auth");
	EXPECT_SLICE(s, "algorithm", a.algorithm, "MD5");
	EXPECT_SLICE(s, "nonce", a.nonce, "ea9c8e88df84f1cec4341ae6cbe5a359");
	EXPECT_SLICE(s, "opaque", a.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
	EXPECT_SLICE(s, "stale", a.stale, "FALSE");
	EXPECT_SLICE(s, "domain", a.domain, "sip:ss1.example.com sip:ss2.example.com");
	EXPECT_SLICE(s, "username", a.username, NULL);
	EXPECT_SLICE(s, "response", a.response, NULL);
	assert_ptr_equal(a.params.p, in.p + 7);
	assert_int_equal(a.params.len, in.len - 7);
	drop(in);
}

/* RFC 3261 §20.7, §22.4; RFC 7616 §3.4. */
static void test_auth_digest_credentials_rfc7616_3_4(void **state)
{
	(void)state;
	const char *s = "Digest username=\"bob\", realm=\"biloxi.example.com\", "
			"nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", uri=\"sip:registrar.biloxi.example.com\", "
			"response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", "
			"algorithm=SHA-256, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", "
			"opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001";
	struct zsip_str in = dup_str(s);
	struct zsip_auth a;
	assert_int_equal(zsip_auth_parse(&a, in), 0);
	EXPECT_SLICE(s, "username", a.username, "bob");
	EXPECT_SLICE(s, "realm", a.realm, "biloxi.example.com");
	EXPECT_SLICE(s, "uri", a.uri, "sip:registrar.biloxi.example.com");
	EXPECT_SLICE(s, "response", a.response, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
	EXPECT_SLICE(s, "algorithm", a.algorithm, "SHA-256");
	EXPECT_SLICE(s, "cnonce", a.cnonce, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
	EXPECT_SLICE(s, "qop", a.qop, "auth");
	EXPECT_SLICE(s, "nc", a.nc, "00000001");
	EXPECT_SLICE(s, "stale", a.stale, NULL);
	drop(in);
}

static const struct {
	const char *in;
	int rc;
	const char *scheme, *params, *realm;
} auth_cases[] = {
	/* RFC 4475 §3.3.7: an unknown scheme parses */
	{ "NoOneKnowsThisScheme opaque-data=here", 0, "NoOneKnowsThisScheme", "opaque-data=here", NULL },
	/* RFC 7235 §2.1: token68 credentials and bare schemes */
	{ "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", 0, "Basic", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==", NULL },
	{ "Negotiate", 0, "Negotiate", "", NULL },
	{ "Basic realm=\"x\"", 0, "Basic", "realm=\"x\"", "x" },
	/* names are case-insensitive; quoted-pairs stay */
	{ "digest REALM=\"a\\\"b\", nonce=1", 0, "digest", "REALM=\"a\\\"b\", nonce=1", "a\\\"b" },
	{ "Digest realm=\"\"", 0, "Digest", "realm=\"\"", "" },
	/* RFC 7235 §4.1: a second challenge in the same value ends the first */
	{ "Digest realm=\"a\", nonce=\"n\", Basic realm=\"b\"", 0, "Digest", "realm=\"a\", nonce=\"n\"", "a" },
	{ "Digest realm=\"a\", Negotiate", 0, "Digest", "realm=\"a\"", "a" },
	/* malformed */
	{ "", ZSIP_EAUTH, NULL, NULL, NULL },
	{ "Digest", ZSIP_EAUTH, NULL, NULL, NULL },
	{ "Digest realm", ZSIP_EAUTH, NULL, NULL, NULL },
	{ "Digest realm=", ZSIP_EAUTH, NULL, NULL, NULL },
	{ "Digest realm=\"x", ZSIP_EAUTH, NULL, NULL, NULL },
	{ "Digest realm=x,, nonce=y", ZSIP_EAUTH, NULL, NULL, NULL },
	{ "Digest realm=x,", ZSIP_EAUTH, NULL, NULL, NULL },
	{ "Digest ,realm=x", ZSIP_EAUTH, NULL, NULL, NULL },
	{ "Digest realm=a, realm=b", ZSIP_EAUTH, NULL, NULL, NULL }, /* RFC 7616 §3.3 */
	{ "Digest realm=a b", ZSIP_EAUTH, NULL, NULL, NULL },
	{ "Digest,realm=x", ZSIP_EAUTH, NULL, NULL, NULL },
	{ "\"Digest\" realm=x", ZSIP_EAUTH, NULL, NULL, NULL },
};

/* RFC 3261 §25.1 challenge / credentials, RFC 7235 §2.1. */
static void test_auth_forms_rfc3261_25_1(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof auth_cases / sizeof auth_cases[0]; i++) {
		struct zsip_str in = dup_str(auth_cases[i].in);
		struct zsip_auth a;
		int rc = zsip_auth_parse(&a, in);
		if (rc != auth_cases[i].rc)
			fail_msg("'%s': rc %d, want %d", auth_cases[i].in, rc, auth_cases[i].rc);
		if (rc == 0) {
			EXPECT_SLICE(auth_cases[i].in, "scheme", a.scheme, auth_cases[i].scheme);
			EXPECT_SLICE(auth_cases[i].in, "params", a.params, auth_cases[i].params);
			EXPECT_SLICE(auth_cases[i].in, "realm", a.realm, auth_cases[i].realm);
		}
		drop(in);
	}
}

/* ------------------------------------------------------ slice boundaries */

/* Runs every parser over one input of exactly n bytes. */
static void run_all(const char *s, size_t n)
{
	char *b = exact(s, n);
	struct zsip_str in = { b, n }, cur, x, y;
	struct zsip_nameaddr na;
	struct zsip_contact ct;
	struct zsip_via v;
	struct zsip_cseq c;
	struct zsip_media m;
	struct zsip_auth a;
	uint32_t u;
	int k = 0;
	(void)zsip_nameaddr_parse(&na, in);
	(void)zsip_contact_parse(&ct, in);
	(void)zsip_via_parse(&v, in);
	(void)zsip_cseq_parse(&c, in);
	(void)zsip_media_parse(&m, in);
	(void)zsip_auth_parse(&a, in);
	(void)zsip_uint_parse(in, UINT32_MAX, &u);
	(void)zsip_param_find(in, "tag", &x);
	for (cur = in; zsip_value_next(&cur, &x) == 1;)
		assert_true(++k <= (int)n + 1);
	k = 0;
	for (cur = in; zsip_param_next(&cur, &x, &y) == 1;)
		assert_true(++k <= (int)n + 1);
	free(b);
}

static void run_prefixes(const char *s)
{
	size_t n = strlen(s);
	for (size_t k = 0; k <= n; k++)
		run_all(s, k);
}

/* No parser reads outside the slice it is given, for every prefix of
 * every input above (the slice is not NUL-terminated). */
static void test_hdrval_never_reads_past_the_slice(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof param_cases / sizeof param_cases[0]; i++)
		run_prefixes(param_cases[i].in);
	for (size_t i = 0; i < sizeof value_cases / sizeof value_cases[0]; i++)
		run_prefixes(value_cases[i].in);
	for (size_t i = 0; i < sizeof na_cases / sizeof na_cases[0]; i++)
		run_prefixes(na_cases[i].in);
	for (size_t i = 0; i < sizeof contact_cases / sizeof contact_cases[0]; i++)
		run_prefixes(contact_cases[i].in);
	for (size_t i = 0; i < sizeof via_cases / sizeof via_cases[0]; i++)
		run_prefixes(via_cases[i].in);
	for (size_t i = 0; i < sizeof cseq_cases / sizeof cseq_cases[0]; i++)
		run_prefixes(cseq_cases[i].in);
	for (size_t i = 0; i < sizeof media_cases / sizeof media_cases[0]; i++)
		run_prefixes(media_cases[i].in);
	for (size_t i = 0; i < sizeof auth_cases / sizeof auth_cases[0]; i++)
		run_prefixes(auth_cases[i].in);
	/* values that end in the middle of a fold, an escape or a quote */
	static const char *const tails[] = { "a;b=\r", "a;b=\r\n", "<sip:a@b>;x=\"\\", "1\r\n", "SIP/2.0/UDP h:",
					     "\"a\\", "Digest a=\"\\" };
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++)
		run_prefixes(tails[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lex_skips_folds_but_not_bare_line_ends_rfc3261_25_1),
		cmocka_unit_test(test_lex_quoted_string_end_rfc3261_25_1),
		cmocka_unit_test(test_lex_caseeq_lit_folds_letters_only_rfc3261_7_3_1),
		cmocka_unit_test(test_param_next_lists_rfc3261_25_1),
		cmocka_unit_test(test_param_find_is_case_insensitive_rfc3261_7_3_1),
		cmocka_unit_test(test_value_next_splits_at_top_level_commas_rfc3261_7_3_1),
		cmocka_unit_test(test_value_next_finds_separators_at_any_offset_rfc3261_7_3_1),
		cmocka_unit_test(test_nameaddr_forms_rfc3261_20_10),
		cmocka_unit_test(test_nameaddr_uri_param_vs_header_param_rfc4475_3_3_12),
		cmocka_unit_test(test_nameaddr_quoted_pair_nul_rfc4475_3_1_1_2),
		cmocka_unit_test(test_contact_forms_rfc3261_20_10),
		cmocka_unit_test(test_via_forms_rfc3261_20_42),
		cmocka_unit_test(test_via_fast_path_agrees_with_reference_rfc3261_20_42),
		cmocka_unit_test(test_via_list_with_stray_separators_rfc4475_3_1_2_1),
		cmocka_unit_test(test_cseq_forms_rfc3261_20_16),
		cmocka_unit_test(test_uint_parse_rfc3261_25_1),
		cmocka_unit_test(test_media_parse_rfc3261_20_15),
		cmocka_unit_test(test_auth_digest_challenge_rfc7616_3_3),
		cmocka_unit_test(test_auth_digest_credentials_rfc7616_3_4),
		cmocka_unit_test(test_auth_forms_rfc3261_25_1),
		cmocka_unit_test(test_hdrval_never_reads_past_the_slice),
	};
	return cmocka_run_group_tests_name("hdrval", tests, NULL, NULL);
}
