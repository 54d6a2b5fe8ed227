/* URI parser, comparison and unescaping: RFC 3261 §19.1, §25.1, RFC 3966,
 * RFC 5118 and the URI constructs of the RFC 4475 torture messages.
 *
 * Every input is copied into a malloc'd buffer of exactly its length, so
 * that a read past the slice is caught by AddressSanitizer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/hv.h"
#include "zsip/msg.h"

/* ---------------------------------------------------------------- helpers */

/* s[0 .. n) in a heap buffer of exactly n bytes (one byte for n == 0,
 * which the slice does not include). */
static char *exact(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);
	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

/* 1 when got holds want; want NULL means absent. */
static int slice_is(struct zsip_str got, const char *want)
{
	if (!want)
		return got.p == NULL;
	return got.p && got.len == strlen(want) && memcmp(got.p, want, got.len) == 0;
}

#define EXPECT_SLICE(in, field, got, want)                                                   \
	do {                                                                                   \
		if (!slice_is(got, want))                                                     \
			fail_msg("'%s': %s is '%.*s'%s, want %s%s%s", in, field, (int)(got).len, \
				 (got).p ? (got).p : "", (got).p ? "" : " (absent)",            \
				 (want) ? "'" : "", (want) ? (want) : "absent", (want) ? "'" : ""); \
	} while (0)

static int parse(struct zsip_uri *u, const char *s, char **buf)
{
	size_t n = strlen(s);
	*buf = exact(s, n);
	struct zsip_str t = { *buf, n };
	return zsip_uri_parse(u, t);
}

/* Parses every prefix of s in an exact buffer: whatever the verdict, no
 * read may leave the slice. */
static void parse_prefixes(const char *s)
{
	size_t n = strlen(s);
	for (size_t k = 0; k <= n; k++) {
		char *b = exact(s, k);
		struct zsip_uri u;
		struct zsip_str t = { b, k };
		int rc = zsip_uri_parse(&u, t);
		assert_true(rc == 0 || rc == ZSIP_EURI || rc == ZSIP_EURI_HOST);
		free(b);
	}
}

/* ------------------------------------------------------------ valid URIs */

struct uri_case {
	const char *in;
	int scheme_id;
	const char *scheme, *user, *password, *host;
	int host_type;
	const char *port_str;
	unsigned port;
	const char *params, *headers;
};

#define SIP ZSIP_URI_SIP
#define SIPS ZSIP_URI_SIPS
#define TEL ZSIP_URI_TEL
#define OTHER ZSIP_URI_OTHER
#define NAME ZSIP_HOST_NAME
#define V4 ZSIP_HOST_IPV4
#define V6 ZSIP_HOST_IPV6
#define NOHOST ZSIP_HOST_NONE

static const struct uri_case valid_uris[] = {
	/* RFC 3261 §19.1.3 examples */
	{ "sip:alice@atlanta.com", SIP, "sip", "alice", NULL, "atlanta.com", NAME, NULL, 0, NULL, NULL },
	{ "sip:alice:secretword@atlanta.com;transport=tcp", SIP, "sip", "alice", "secretword", "atlanta.com",
	  NAME, NULL, 0, "transport=tcp", NULL },
	{ "sips:alice@atlanta.com?subject=project%20x&priority=urgent", SIPS, "sips", "alice", NULL,
	  "atlanta.com", NAME, NULL, 0, NULL, "subject=project%20x&priority=urgent" },
	{ "sip:+1-212-555-1212:1234@gateway.com;user=phone", SIP, "sip", "+1-212-555-1212", "1234",
	  "gateway.com", NAME, NULL, 0, "user=phone", NULL },
	{ "sips:1212@gateway.com", SIPS, "sips", "1212", NULL, "gateway.com", NAME, NULL, 0, NULL, NULL },
	{ "sip:alice@192.0.2.4", SIP, "sip", "alice", NULL, "192.0.2.4", V4, NULL, 0, NULL, NULL },
	{ "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", SIP, "sip", NULL, NULL, "atlanta.com",
	  NAME, NULL, 0, "method=REGISTER", "to=alice%40atlanta.com" },
	{ "sip:alice;day=tuesday@atlanta.com", SIP, "sip", "alice;day=tuesday", NULL, "atlanta.com", NAME,
	  NULL, 0, NULL, NULL },
	/* scheme and host are case-insensitive (§19.1.4): SIP: is sip */
	{ "SIP:ALICE@AtLanTa.CoM;Transport=udp", SIP, "SIP", "ALICE", NULL, "AtLanTa.CoM", NAME, NULL, 0,
	  "Transport=udp", NULL },
	/* ports (§19.1.1: port = 1*DIGIT) */
	{ "sip:bob@biloxi.com:5060", SIP, "sip", "bob", NULL, "biloxi.com", NAME, "5060", 5060, NULL, NULL },
	{ "sip:h.example.com:0", SIP, "sip", NULL, NULL, "h.example.com", NAME, "0", 0, NULL, NULL },
	{ "sip:h.example.com:65535", SIP, "sip", NULL, NULL, "h.example.com", NAME, "65535", 65535, NULL, NULL },
	{ "sip:h.example.com:05060", SIP, "sip", NULL, NULL, "h.example.com", NAME, "05060", 5060, NULL, NULL },
	/* hostname = *( domainlabel "." ) toplabel [ "." ] (§25.1) */
	{ "sip:host.example.com.", SIP, "sip", NULL, NULL, "host.example.com.", NAME, NULL, 0, NULL, NULL },
	{ "sip:a-b.c-d.example", SIP, "sip", NULL, NULL, "a-b.c-d.example", NAME, NULL, 0, NULL, NULL },
	{ "sip:host1", SIP, "sip", NULL, NULL, "host1", NAME, NULL, 0, NULL, NULL },
	{ "sip:123.example.com", SIP, "sip", NULL, NULL, "123.example.com", NAME, NULL, 0, NULL, NULL },
	{ "sip:1.2.3.4.example.com", SIP, "sip", NULL, NULL, "1.2.3.4.example.com", NAME, NULL, 0, NULL, NULL },
	{ "sip:10.0.0.1-x.example", SIP, "sip", NULL, NULL, "10.0.0.1-x.example", NAME, NULL, 0, NULL, NULL },
	{ "sip:u@192.0.2.1:5060;lr", SIP, "sip", "u", NULL, "192.0.2.1", V4, "5060", 5060, "lr", NULL },
	{ "sip:u@255.255.255.255?a=b", SIP, "sip", "u", NULL, "255.255.255.255", V4, NULL, 0, NULL, "a=b" },
	{ "sip:010.000.000.001", SIP, "sip", NULL, NULL, "010.000.000.001", V4, NULL, 0, NULL, NULL },
	/* RFC 4475 §3.1.1.1: Route URI with unknown parameters */
	{ "sip:services.example.com;lr;unknownwith=value;unknown-no-value", SIP, "sip", NULL, NULL,
	  "services.example.com", NAME, NULL, 0, "lr;unknownwith=value;unknown-no-value", NULL },
	/* RFC 4475 §3.1.1.2: every user and password character */
	{ "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
	  "@example.com",
	  SIP, "sip", "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
	  "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", "example.com", NAME, NULL, 0, NULL, NULL },
	/* RFC 4475 §3.1.1.3: escaped ':' and '@' stay in the user */
	{ "sip:sips%3Auser%40example.com@example.net", SIP, "sip", "sips%3Auser%40example.com", NULL,
	  "example.net", NAME, NULL, 0, NULL, NULL },
	{ "sip:%75se%72@example.com", SIP, "sip", "%75se%72", NULL, "example.com", NAME, NULL, 0, NULL, NULL },
	{ "sip:I%20have%20spaces@example.net", SIP, "sip", "I%20have%20spaces", NULL, "example.net", NAME,
	  NULL, 0, NULL, NULL },
	{ "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", SIP, "sip", "cal%6Cer", NULL,
	  "host5.example.net", NAME, NULL, 0, "%6C%72;n%61me=v%61lue%25%34%31", NULL },
	/* RFC 4475 §3.1.1.4: %00 is an escape like any other */
	{ "sip:null-%00-null@example.com", SIP, "sip", "null-%00-null", NULL, "example.com", NAME, NULL, 0,
	  NULL, NULL },
	{ "sip:%00%00@host5.example.com", SIP, "sip", "%00%00", NULL, "host5.example.com", NAME, NULL, 0,
	  NULL, NULL },
	/* RFC 4475 §3.1.1.9: ';' before the '@' belongs to the user */
	{ "sip:user;par=u%40example.net@example.com", SIP, "sip", "user;par=u%40example.net", NULL,
	  "example.com", NAME, NULL, 0, NULL, NULL },
	/* RFC 4475 §3.3.14: an escaped header inside a Contact URI */
	{ "sip:user@example.com?Route=%3Csip:sip.example.com%3E", SIP, "sip", "user", NULL, "example.com",
	  NAME, NULL, 0, NULL, "Route=%3Csip:sip.example.com%3E" },
	{ "sip:+19725552222@gw1.example.net;unknownparam", SIP, "sip", "+19725552222", NULL,
	  "gw1.example.net", NAME, NULL, 0, "unknownparam", NULL },
	/* RFC 5118 §4.1, §4.3, §4.4, §4.9, §4.10 */
	{ "sip:[2001:db8::10]", SIP, "sip", NULL, NULL, "[2001:db8::10]", V6, NULL, 0, NULL, NULL },
	{ "sip:[2001:db8::10:5070]", SIP, "sip", NULL, NULL, "[2001:db8::10:5070]", V6, NULL, 0, NULL, NULL },
	{ "sip:[2001:db8::10]:5070", SIP, "sip", NULL, NULL, "[2001:db8::10]", V6, "5070", 5070, NULL, NULL },
	{ "sip:ted@[::ffff:192.0.2.2]", SIP, "sip", "ted", NULL, "[::ffff:192.0.2.2]", V6, NULL, 0, NULL, NULL },
	{ "sip:user@[2001:db8::192.0.2.1]", SIP, "sip", "user", NULL, "[2001:db8::192.0.2.1]", V6, NULL, 0,
	  NULL, NULL },
	{ "sip:caller@[2001:db8::1];transport=tcp", SIP, "sip", "caller", NULL, "[2001:db8::1]", V6, NULL, 0,
	  "transport=tcp", NULL },
	{ "sip:h.example.com;maddr=[2001:db8::1]", SIP, "sip", NULL, NULL, "h.example.com", NAME, NULL, 0,
	  "maddr=[2001:db8::1]", NULL },
	/* tel URIs (RFC 3966 §3) */
	{ "tel:+1-201-555-0123", TEL, "tel", "+1-201-555-0123", NULL, NULL, NOHOST, NULL, 0, NULL, NULL },
	{ "tel:7042;phone-context=example.com", TEL, "tel", "7042", NULL, NULL, NOHOST, NULL, 0,
	  "phone-context=example.com", NULL },
	{ "tel:863-1234;phone-context=+1-914-555", TEL, "tel", "863-1234", NULL, NULL, NOHOST, NULL, 0,
	  "phone-context=+1-914-555", NULL },
	{ "TEL:*67#;phone-context=example.com", TEL, "TEL", "*67#", NULL, NULL, NOHOST, NULL, 0,
	  "phone-context=example.com", NULL },
	/* other schemes: absoluteURI (RFC 3261 §25.1, RFC 4475 §3.3.2,
	 * §3.3.3, §3.3.4) */
	{ "nobodyKnowsThisScheme:totallyopaquecontent", OTHER, "nobodyKnowsThisScheme", NULL, NULL, NULL,
	  NOHOST, NULL, 0, NULL, NULL },
	{ "soap.beep://192.0.2.103:3002", OTHER, "soap.beep", NULL, NULL, NULL, NOHOST, NULL, 0, NULL, NULL },
	{ "isbn:2983792873", OTHER, "isbn", NULL, NULL, NULL, NOHOST, NULL, 0, NULL, NULL },
	{ "http://www.example.com", OTHER, "http", NULL, NULL, NULL, NOHOST, NULL, 0, NULL, NULL },
	{ "name:John_Smith", OTHER, "name", NULL, NULL, NULL, NOHOST, NULL, 0, NULL, NULL },
	{ "mailto:watson@bell-telephone.com?subject=a%20b", OTHER, "mailto", NULL, NULL, NULL, NOHOST, NULL,
	  0, NULL, NULL },
	{ "urn:uuid:00000000-0000-1000-8000-000A95A0E128", OTHER, "urn", NULL, NULL, NULL, NOHOST, NULL, 0,
	  NULL, NULL },
};

/* RFC 3261 §19.1.1, §25.1; RFC 3966 §3; RFC 4475; RFC 5118. */
static void test_uri_valid_forms_rfc3261_19_1(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof valid_uris / sizeof valid_uris[0]; i++) {
		const struct uri_case *c = &valid_uris[i];
		struct zsip_uri u;
		char *b;
		int rc = parse(&u, c->in, &b);
		if (rc != 0)
			fail_msg("'%s': rc %d, want 0", c->in, rc);
		if (u.scheme_id != c->scheme_id || u.host_type != c->host_type || u.port != c->port)
			fail_msg("'%s': scheme_id %d host_type %d port %u", c->in, u.scheme_id, u.host_type, u.port);
		EXPECT_SLICE(c->in, "raw", u.raw, c->in);
		EXPECT_SLICE(c->in, "scheme", u.scheme, c->scheme);
		EXPECT_SLICE(c->in, "user", u.user, c->user);
		EXPECT_SLICE(c->in, "password", u.password, c->password);
		EXPECT_SLICE(c->in, "host", u.host, c->host);
		EXPECT_SLICE(c->in, "port_str", u.port_str, c->port_str);
		EXPECT_SLICE(c->in, "params", u.params, c->params);
		EXPECT_SLICE(c->in, "headers", u.headers, c->headers);
		free(b);
	}
}

/* ---------------------------------------------------------- invalid URIs */

struct bad_case {
	const char *in;
	int err;
};

static const struct bad_case bad_uris[] = {
	{ "", ZSIP_EURI },
	{ "sip", ZSIP_EURI },
	{ "1sip:host", ZSIP_EURI },              /* scheme starts with ALPHA */
	{ ":host", ZSIP_EURI },
	{ "si p:host", ZSIP_EURI },
	/* the ':' after the scheme is a ':', not a byte that case-folds onto it */
	{ "sip\x1auser@example.com", ZSIP_EURI },
	{ "SIP\x1ahost", ZSIP_EURI },
	{ "sips\x1ahost", ZSIP_EURI },
	/* RFC 4475 §3.1.2.7: a Request-URI in '<' '>' */
	{ "<sip:user@example.com>", ZSIP_EURI },
	{ "sip:user@example.com>", ZSIP_EURI },
	/* RFC 4475 §3.1.2.8: no white space inside */
	{ "sip:user@example.com ", ZSIP_EURI },
	{ "sip:user@exa mple.com", ZSIP_EURI },
	{ "sip:us er@example.com", ZSIP_EURI },
	{ "sip:host;lr\r\n", ZSIP_EURI },
	{ "sip:user@host\"", ZSIP_EURI },
	/* user = 1*( unreserved / escaped / user-unreserved ) */
	{ "sip:@host", ZSIP_EURI },
	{ "sip::pw@host", ZSIP_EURI },
	{ "sip:us%zzer@host", ZSIP_EURI },
	{ "sip:us%4@host", ZSIP_EURI },
	{ "sip:user@host%41", ZSIP_EURI },
	/* host, port (RFC 3261 §25.1, RFC 5118) */
	{ "sip:", ZSIP_EURI_HOST },
	{ "sip:user@", ZSIP_EURI_HOST },
	{ "sip:2001:db8::10", ZSIP_EURI_HOST },  /* RFC 5118 §4.2: IPv6 without '[' ']' */
	{ "sip:[2001:db8::10", ZSIP_EURI_HOST },
	{ "sip:2001:db8::10]", ZSIP_EURI_HOST },
	{ "sip:user@[2001:db8:::192.0.2.1]", ZSIP_EURI_HOST }, /* RFC 5118 §4.10 */
	{ "sip:[]", ZSIP_EURI_HOST },
	{ "sip:[1:2:3:4:5:6:7:8:9]", ZSIP_EURI_HOST },
	{ "sip:[1:2:3:4:5:6:7]", ZSIP_EURI_HOST },
	{ "sip:[1::2::3]", ZSIP_EURI_HOST },
	{ "sip:[12345::1]", ZSIP_EURI_HOST },
	{ "sip:[:1:2:3:4:5:6:7]", ZSIP_EURI_HOST },
	{ "sip:[1:2:3:4:5:6:7:]", ZSIP_EURI_HOST },
	{ "sip:[1::2:3:4:5:6:7:8]", ZSIP_EURI_HOST },
	{ "sip:[::1.2.3]", ZSIP_EURI_HOST },
	{ "sip:[::1.2.3.256]", ZSIP_EURI_HOST },
	{ "sip:[1:2:3:4:5:6:7::1.2.3.4]", ZSIP_EURI_HOST },
	{ "sip:[1.2.3.4::1]", ZSIP_EURI_HOST },
	{ "sip:[g::1]", ZSIP_EURI_HOST },
	{ "sip:user@[::1]x", ZSIP_EURI_HOST },
	{ "sip:192.0.2.256", ZSIP_EURI_HOST },
	{ "sip:192.0.2.1a", ZSIP_EURI_HOST },
	{ "sip:192.0.2.1.", ZSIP_EURI_HOST },
	{ "sip:1920.0.2.1", ZSIP_EURI_HOST },
	{ "sip:192.0.2.1-", ZSIP_EURI_HOST },
	{ "sip:a.-b.example", ZSIP_EURI_HOST },
	{ "sip:a.b-.example", ZSIP_EURI_HOST },
	{ "sip:example.123", ZSIP_EURI_HOST },
	{ "sip:192.0.2", ZSIP_EURI_HOST },
	{ "sip:192.0.2.1.5", ZSIP_EURI_HOST },
	{ "sip:-host.example.com", ZSIP_EURI_HOST },
	{ "sip:host-.example.com", ZSIP_EURI_HOST },
	{ "sip:a..example.com", ZSIP_EURI_HOST },
	{ "sip:.example.com", ZSIP_EURI_HOST },
	{ "sip:host_x.example.com", ZSIP_EURI_HOST },
	{ "sip:user@host@host", ZSIP_EURI_HOST },
	{ "sip:host:", ZSIP_EURI_HOST },
	{ "sip:host:65536", ZSIP_EURI_HOST },
	{ "sip:host:99999999999999999999", ZSIP_EURI_HOST },
	{ "sip:host:5o60", ZSIP_EURI_HOST },
	{ "sip:host:-1", ZSIP_EURI_HOST },
	/* uri-parameters: pname and pvalue are 1*paramchar */
	{ "sip:host;", ZSIP_EURI },
	{ "sip:host;;lr", ZSIP_EURI },
	{ "sip:host;lr=", ZSIP_EURI },
	{ "sip:host;=x", ZSIP_EURI },
	{ "sip:u@host;a=b@c", ZSIP_EURI },
	{ "sip:host;a=\"b\"", ZSIP_EURI },
	/* headers: hname "=" hvalue, joined by '&' */
	{ "sip:host?", ZSIP_EURI },
	{ "sip:host?a", ZSIP_EURI },
	{ "sip:host?a=b&", ZSIP_EURI },
	{ "sip:host?=b", ZSIP_EURI },
	{ "sip:host?a=b c", ZSIP_EURI },
	{ "sip:host?a=<b>", ZSIP_EURI },
	/* tel (RFC 3966 §3) */
	{ "tel:", ZSIP_EURI },
	{ "tel:+", ZSIP_EURI },
	{ "tel:+1-2a", ZSIP_EURI },
	{ "tel:1+2", ZSIP_EURI },
	{ "tel:--", ZSIP_EURI },
	{ "tel:123?x=y", ZSIP_EURI },
	{ "tel:123;", ZSIP_EURI },
	{ "tel:12 3", ZSIP_EURI },
	/* absoluteURI: one or more uric */
	{ "nobody:", ZSIP_EURI },
	{ "foo:bar baz", ZSIP_EURI },
	{ "foo:a#b", ZSIP_EURI },
	{ "foo:a<b", ZSIP_EURI },
	{ "foo:%g0", ZSIP_EURI },
};

/* RFC 3261 §25.1: zsip_uri_parse on the whole text refuses any byte the
 * grammar does not allow there, with ZSIP_EURI_HOST for host and port. */
static void test_uri_rejects_what_the_grammar_forbids_rfc3261_25_1(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_uris / sizeof bad_uris[0]; i++) {
		struct zsip_uri u;
		char *b;
		int rc = parse(&u, bad_uris[i].in, &b);
		if (rc != bad_uris[i].err)
			fail_msg("'%s': rc %d, want %d", bad_uris[i].in, rc, bad_uris[i].err);
		free(b);
	}
}

/* RFC 4475 §3.1.1.4: a %00 escape does not end the URI; a raw NUL is not
 * a URI character. */
static void test_uri_nul_bytes_rfc4475_3_1_1_4(void **state)
{
	(void)state;
	static const char raw[] = "sip:a\0b@example.com";
	char *b = exact(raw, sizeof raw - 1);
	struct zsip_uri u;
	struct zsip_str t = { b, sizeof raw - 1 };
	assert_int_equal(zsip_uri_parse(&u, t), ZSIP_EURI);
	free(b);
}

/* RFC 3261 §19.1.1: what the parser leaves unset is absent, not empty. */
static void test_uri_absent_parts_are_null_rfc3261_19_1_1(void **state)
{
	(void)state;
	struct zsip_uri u;
	char *b;
	assert_int_equal(parse(&u, "sip:example.com", &b), 0);
	assert_null(u.user.p);
	assert_null(u.password.p);
	assert_null(u.port_str.p);
	assert_null(u.params.p);
	assert_null(u.headers.p);
	assert_int_equal(u.port, 0);
	free(b);
	/* an empty password is present: userinfo = user [ ":" password ] "@" */
	assert_int_equal(parse(&u, "sip:alice:@example.com", &b), 0);
	assert_true(slice_is(u.user, "alice"));
	assert_non_null(u.password.p);
	assert_int_equal(u.password.len, 0);
	free(b);
}

/* RFC 3261 §25.1 (hvalue may be empty), §19.1.1. */
static void test_uri_header_with_empty_value_rfc3261_25_1(void **state)
{
	(void)state;
	struct zsip_uri u;
	char *b;
	assert_int_equal(parse(&u, "sip:h.example.com?body=&x=y", &b), 0);
	assert_true(slice_is(u.headers, "body=&x=y"));
	free(b);
}

/* No read outside the slice, for every prefix of every table entry. */
static void test_uri_never_reads_past_the_slice(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof valid_uris / sizeof valid_uris[0]; i++)
		parse_prefixes(valid_uris[i].in);
	for (size_t i = 0; i < sizeof bad_uris / sizeof bad_uris[0]; i++)
		parse_prefixes(bad_uris[i].in);
}

/* ------------------------------------------------------------ comparison */

struct eq_case {
	const char *a, *b;
	int eq;
};

static const struct eq_case eq_cases[] = {
	/* RFC 3261 §19.1.4, the equivalent examples */
	{ "sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp", 1 },
	{ "sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5", 1 },
	{ "sip:carol@chicago.com", "sip:carol@chicago.com;security=on", 1 },
	{ "sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on", 1 },
	{ "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
	  "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com", 1 },
	{ "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
	  "sip:alice@atlanta.com?priority=urgent&subject=project%20x", 1 },
	/* RFC 3261 §19.1.4, the non-equivalent examples */
	{ "SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP", 0 },
	{ "sip:bob@biloxi.com", "sip:bob@biloxi.com:5060", 0 },
	{ "sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp", 0 },
	{ "sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp", 0 },
	{ "sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting", 0 },
	{ "sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4", 0 },
	/* the rules behind them */
	{ "sip:alice@atlanta.com", "sips:alice@atlanta.com", 0 },           /* scheme */
	{ "sip:alice:pw@atlanta.com", "sip:alice:PW@atlanta.com", 0 },      /* userinfo case-sensitive */
	{ "sip:alice:pw@atlanta.com", "sip:alice@atlanta.com", 0 },
	{ "sip:alice@atlanta.com", "sip:atlanta.com", 0 },
	{ "sip:alice@atlanta.com:5060", "sip:alice@atlanta.com:5061", 0 },
	{ "sip:alice@atlanta.com:5060", "sip:alice@atlanta.com:05060", 1 },
	/* an explicit port, even 0, never equals an absent one */
	{ "sip:carol@chicago.com:0", "sip:carol@chicago.com", 0 },
	{ "sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off", 0 },
	{ "sip:carol@chicago.com;security=on", "sip:carol@chicago.com;SECURITY=ON", 1 },
	{ "sip:carol@chicago.com;lr", "sip:carol@chicago.com;lr=on", 0 },
	{ "sip:a@h.example.com;user=phone", "sip:a@h.example.com", 0 },
	{ "sip:a@h.example.com;ttl=1", "sip:a@h.example.com", 0 },
	{ "sip:a@h.example.com;method=INVITE", "sip:a@h.example.com", 0 },
	{ "sip:a@h.example.com;maddr=192.0.2.1", "sip:a@h.example.com", 0 },
	{ "sip:a@h.example.com;lr", "sip:a@h.example.com", 1 },
	{ "sip:a@h.example.com;%6C%72", "sip:a@h.example.com;lr", 1 },
	/* characters outside "reserved" equal their escapes; reserved ones do not */
	{ "sip:%41lice@h.example.com", "sip:Alice@h.example.com", 1 },
	{ "sip:a%3Bb@h.example.com", "sip:a;b@h.example.com", 0 },
	{ "sip:a%3bb@h.example.com", "sip:a%3Bb@h.example.com", 1 },
	{ "sip:null-%00-null@example.com", "sip:null-%00%00-null@example.com", 0 }, /* RFC 4475 §3.1.1.4 */
	{ "sip:%00@host5.example.com", "sip:%00%00@host5.example.com", 0 },
	/* headers are never ignored; values compare as written once unescaped */
	{ "sip:h.example.com?a=b", "sip:h.example.com?a=c", 0 },
	{ "sip:h.example.com?a=b", "sip:h.example.com?A=b", 1 },
	{ "sip:h.example.com?a=b&a=b", "sip:h.example.com?a=b", 0 },
	/* IPv6 references name addresses, not strings (RFC 5118 §4) */
	{ "sip:[2001:db8::1]", "sip:[2001:DB8:0:0::1]", 1 },
	{ "sip:[::ffff:192.0.2.2]", "sip:[::FFFF:c000:202]", 1 },
	{ "sip:[2001:db8::1]", "sip:[2001:db8::2]", 0 },
	{ "sip:[2001:db8::1]:5060", "sip:[2001:db8::1]", 0 },
};

static void eq_one(const char *sa, const char *sb, int want)
{
	struct zsip_uri a, b;
	char *ba, *bb;
	if (parse(&a, sa, &ba) != 0)
		fail_msg("'%s' does not parse", sa);
	if (parse(&b, sb, &bb) != 0)
		fail_msg("'%s' does not parse", sb);
	int ab = zsip_uri_eq(&a, &b), ba_ = zsip_uri_eq(&b, &a);
	if (ab != want || ba_ != want)
		fail_msg("'%s' vs '%s': %d / %d, want %d", sa, sb, ab, ba_, want);
	assert_int_equal(zsip_uri_eq(&a, &a), 1);
	free(ba);
	free(bb);
}

/* RFC 3261 §19.1.4, every example of the section both ways round. */
static void test_uri_eq_rfc3261_19_1_4_examples(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof eq_cases / sizeof eq_cases[0]; i++)
		eq_one(eq_cases[i].a, eq_cases[i].b, eq_cases[i].eq);
}

/* §19.1.4 is defined for SIP and SIPS URIs only. */
static void test_uri_eq_rejects_other_schemes_rfc3261_19_1_4(void **state)
{
	(void)state;
	struct zsip_uri a, b;
	char *ba, *bb;
	assert_int_equal(parse(&a, "tel:+1-201-555-0123", &ba), 0);
	assert_int_equal(parse(&b, "sip:+1-201-555-0123@example.com", &bb), 0);
	assert_true(zsip_uri_eq(&a, &b) < 0);
	assert_true(zsip_uri_eq(&b, &a) < 0);
	assert_true(zsip_uri_eq(&a, &a) < 0);
	free(ba);
	free(bb);
}

/* ------------------------------------------------------------- unescape */

/* RFC 3261 §25.1: escaped = "%" HEXDIG HEXDIG. */
static void test_unescape_decodes_escapes_rfc3261_25_1(void **state)
{
	(void)state;
	char out[32];
	char *b = exact("%61lice%3a%3A%00x", 17);
	struct zsip_str in = { b, 17 };
	assert_int_equal(zsip_unescape(out, sizeof out, in), 9);
	assert_memory_equal(out, "alice::\0x", 9);
	free(b);

	b = exact("", 0);
	in.p = b;
	in.len = 0;
	assert_int_equal(zsip_unescape(out, sizeof out, in), 0);
	free(b);

	static const char *const bad[] = { "%", "%4", "a%4", "%g1", "%1g", "%%41" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		b = exact(bad[i], strlen(bad[i]));
		in.p = b;
		in.len = strlen(bad[i]);
		if (zsip_unescape(out, sizeof out, in) != ZSIP_EINVAL)
			fail_msg("'%s' should be ZSIP_EINVAL", bad[i]);
		free(b);
	}
}

static void test_unescape_reports_short_output(void **state)
{
	(void)state;
	char out[4];
	char *b = exact("%41%42%43%44%45", 15);
	struct zsip_str in = { b, 15 };
	assert_int_equal(zsip_unescape(out, 4, in), ZSIP_ENOSPC);
	assert_int_equal(zsip_unescape(out, 0, in), ZSIP_ENOSPC);
	in.len = 12;
	assert_int_equal(zsip_unescape(out, 4, in), 4);
	assert_memory_equal(out, "ABCD", 4);
	free(b);
}

/* zsipi_host_parse and its reference on s[0 .. n) in an exact buffer. */
static void host_agree(const char *s, size_t n)
{
	char *b = exact(s, n);
	const char *fa = NULL, *ra = NULL;
	int f = zsipi_host_parse(b, b + n, &fa), r = zsipi_host_parse_ref(b, b + n, &ra);
	if (f != r || (r >= 0 && fa != ra))
		fail_msg("host parsers differ on \"%.*s\": %d/%d", (int)n, s, f, r);
	free(b);
}

/* host = hostname / IPv4address (RFC 3261 §25.1, dec-octet per RFC 5954):
 * the IPv4 path that reads without bound tests when sixteen bytes remain
 * agrees with the bound-tested one on near-addresses, whatever follows. */
static void test_host_fast_ipv4_agrees_with_reference_rfc3261_25_1(void **state)
{
	(void)state;
	static const char *const hosts[] = { "198.51.100.23", "1.2.3.4", "255.255.255.255", "256.1.1.1",
					     "01.002.3.4", "1.2.3.4.5", "1.2.3", "1.2.3.4a", "1.2.3.4-",
					     "1.2.3.4.", "12.34.56.789", "1234.1.1.1", "0.0.0.0" };
	static const char *const tails[] = { "", ":5060;branch=z9hG4bK", ";x", ">aaaaaaaaaaaaaaaa",
					     ".example.com;lr", "0000000000000000" };
	static const char subst[] = "0123456789.a-:;>";
	char buf[64];
	for (size_t h = 0; h < sizeof hosts / sizeof hosts[0]; h++) {
		for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
			size_t hn = strlen(hosts[h]), n = hn + strlen(tails[t]);
			memcpy(buf, hosts[h], hn);
			memcpy(buf + hn, tails[t], n - hn);
			for (size_t k = 0; k <= n; k++)
				host_agree(buf, k);
			for (size_t at = 0; at < hn; at++) {
				char was = buf[at];
				for (size_t c = 0; c < sizeof subst - 1; c++) {
					buf[at] = subst[c];
					host_agree(buf, n);
				}
				buf[at] = was;
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_fast_ipv4_agrees_with_reference_rfc3261_25_1),
		cmocka_unit_test(test_uri_valid_forms_rfc3261_19_1),
		cmocka_unit_test(test_uri_rejects_what_the_grammar_forbids_rfc3261_25_1),
		cmocka_unit_test(test_uri_nul_bytes_rfc4475_3_1_1_4),
		cmocka_unit_test(test_uri_absent_parts_are_null_rfc3261_19_1_1),
		cmocka_unit_test(test_uri_header_with_empty_value_rfc3261_25_1),
		cmocka_unit_test(test_uri_never_reads_past_the_slice),
		cmocka_unit_test(test_uri_eq_rfc3261_19_1_4_examples),
		cmocka_unit_test(test_uri_eq_rejects_other_schemes_rfc3261_19_1_4),
		cmocka_unit_test(test_unescape_decodes_escapes_rfc3261_25_1),
		cmocka_unit_test(test_unescape_reports_short_output),
	};
	return cmocka_run_group_tests_name("uri", tests, NULL, NULL);
}
