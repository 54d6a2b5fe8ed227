/* Digest authentication: the response computation (RFC 2617 §3.5,
 * RFC 7616 §3.9.1 vectors byte for byte, RFC 2069 form, -sess, auth-int),
 * the client (RFC 3261 §22.2, §22.3, RFC 7616 §3.3, RFC 8760 §2.4) and the
 * server side (RFC 3261 §22.4, RFC 7616 §3.3, §3.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zsip.h"

/* ------------------------------------------------------ the computation */

/* RFC 2617 §3.5: Mufasa / "Circle Of Life", qop=auth, MD5 */
static void test_compute_rfc2617_3_5_example(void **state)
{
	(void)state;
	struct zsip_digest_input in = {
		.alg = ZSIP_DIGEST_MD5,
		.username = ZSIP_STR("Mufasa"),
		.realm = ZSIP_STR("testrealm@host.com"),
		.password = ZSIP_STR("Circle Of Life"),
		.nonce = ZSIP_STR("dcd98b7102dd2f0e8b11d0f600bfb0c093"),
		.cnonce = ZSIP_STR("0a4f113b"),
		.nc = ZSIP_STR("00000001"),
		.qop = ZSIP_STR("auth"),
		.method = ZSIP_STR("GET"),
		.uri = ZSIP_STR("/dir/index.html"),
	};
	char out[ZSIP_DIGEST_HEX_MAX + 1];
	assert_int_equal(zsip_digest_compute(&in, out), 32);
	assert_string_equal(out, "6629fae49393a05397450978507c4ef1");
}

static struct zsip_digest_input rfc7616_input(enum zsip_digest_alg alg)
{
	struct zsip_digest_input in = {
		.alg = alg,
		.username = ZSIP_STR("Mufasa"),
		.realm = ZSIP_STR("http-auth@example.org"),
		.password = ZSIP_STR("Circle of Life"),
		.nonce = ZSIP_STR("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"),
		.cnonce = ZSIP_STR("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
		.nc = ZSIP_STR("00000001"),
		.qop = ZSIP_STR("auth"),
		.method = ZSIP_STR("GET"),
		.uri = ZSIP_STR("/dir/index.html"),
	};
	return in;
}

/* RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256 */
static void test_compute_rfc7616_3_9_1_md5_and_sha256(void **state)
{
	(void)state;
	char out[ZSIP_DIGEST_HEX_MAX + 1];
	struct zsip_digest_input in = rfc7616_input(ZSIP_DIGEST_MD5);
	assert_int_equal(zsip_digest_compute(&in, out), 32);
	assert_string_equal(out, "8ca523f5e9506fed4657c9700eebdbec");
	in = rfc7616_input(ZSIP_DIGEST_SHA256);
	assert_int_equal(zsip_digest_compute(&in, out), 64);
	assert_string_equal(out, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

/* RFC 7616 §3.4.2: a stored HA1 (H(user:realm:password)) gives the same
 * response as the password */
static void test_compute_with_precomputed_ha1(void **state)
{
	(void)state;
	char a[ZSIP_DIGEST_HEX_MAX + 1], b[ZSIP_DIGEST_HEX_MAX + 1];
	struct zsip_digest_input in = rfc7616_input(ZSIP_DIGEST_SHA256);
	assert_int_equal(zsip_digest_compute(&in, a), 64);
	in.password.p = NULL;
	/* SHA-256("Mufasa:http-auth@example.org:Circle of Life") */
	in.ha1 = ZSIP_STR("7987C64C30E25F1B74BE53F966B49B90F2808AA92FAF9A00262392D7B4794232");
	assert_int_equal(zsip_digest_compute(&in, b), 64);
	assert_string_equal(a, b);
	in.ha1.len--;
	assert_int_equal(zsip_digest_compute(&in, b), ZSIP_EINVAL);
}

/* RFC 2069 §2.1.2: without qop, response = KD(H(A1), nonce ":" H(A2)) */
static void test_compute_rfc2069_form_without_qop(void **state)
{
	(void)state;
	char out[ZSIP_DIGEST_HEX_MAX + 1];
	struct zsip_digest_input in = rfc7616_input(ZSIP_DIGEST_MD5);
	in.qop.p = NULL;
	in.cnonce.p = NULL;
	in.nc.p = NULL;
	assert_int_equal(zsip_digest_compute(&in, out), 32);
	/* MD5(MD5(A1) ":" nonce ":" MD5("GET:/dir/index.html")), computed apart */
	assert_string_equal(out, "7b2cc3b30e75b4777ea31027084363fd");
}

/* RFC 7616 §3.4.2 -sess and §3.4.3 auth-int, checked against values
 * computed apart (python hashlib) */
static void test_compute_sess_and_auth_int(void **state)
{
	(void)state;
	char out[ZSIP_DIGEST_HEX_MAX + 1];
	struct zsip_digest_input in = rfc7616_input(ZSIP_DIGEST_MD5_SESS);
	assert_int_equal(zsip_digest_compute(&in, out), 32);
	assert_string_equal(out, "e783283f46242139c486a698fec7211d");
	in = rfc7616_input(ZSIP_DIGEST_SHA512_256);
	in.qop = ZSIP_STR("auth-int");
	in.body = ZSIP_STR("v=0\r\n");
	assert_int_equal(zsip_digest_compute(&in, out), 64);
	assert_string_equal(out, "5e69357dfa951887c95e88aae45b1f7f834aeba94f85648b86d532e82afdb589");
}

static void test_compute_rejects_unknown_alg_and_qop(void **state)
{
	(void)state;
	char out[ZSIP_DIGEST_HEX_MAX + 1];
	struct zsip_digest_input in = rfc7616_input(ZSIP_DIGEST_MD5);
	in.qop = ZSIP_STR("auth-conf");
	assert_int_equal(zsip_digest_compute(&in, out), ZSIP_EAUTH_ALGORITHM);
	in = rfc7616_input((enum zsip_digest_alg)42);
	assert_int_equal(zsip_digest_compute(&in, out), ZSIP_EAUTH_ALGORITHM);
	in = rfc7616_input(ZSIP_DIGEST_MD5);
	in.cnonce.p = NULL; /* qop needs cnonce */
	assert_int_equal(zsip_digest_compute(&in, out), ZSIP_EINVAL);
}

/* RFC 7616 §3.3: tokens case-insensitive; absent means MD5 (RFC 2617 §3.2.1) */
static void test_alg_names_round_trip(void **state)
{
	(void)state;
	for (int a = ZSIP_DIGEST_MD5; a <= ZSIP_DIGEST_SHA512_256_SESS; a++)
		assert_int_equal(zsip_digest_alg_parse(zsip_str_c(zsip_digest_alg_name(a))), a);
	assert_int_equal(zsip_digest_alg_parse(ZSIP_STR("sha-256")), ZSIP_DIGEST_SHA256);
	struct zsip_str none = { NULL, 0 };
	assert_int_equal(zsip_digest_alg_parse(none), ZSIP_DIGEST_MD5);
	assert_int_equal(zsip_digest_alg_parse(ZSIP_STR("SHA-1")), ZSIP_EAUTH_ALGORITHM);
	assert_string_equal(zsip_digest_alg_name(0), "");
}

/* ------------------------------------------------------------- fixtures */

static int null_send(void *u, int t, const struct zsip_addr *d, const char *b, size_t l)
{
	(void)u, (void)t, (void)d, (void)b, (void)l;
	return 0;
}

/* a test source: deterministic, but through the `random` callback */
static int test_random(void *u, void *buf, size_t len)
{
	static uint64_t x = 1;
	(void)u;
	for (size_t i = 0; i < len; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		((unsigned char *)buf)[i] = (unsigned char)(x >> 56);
	}
	return 0;
}

static struct zsip_stack *new_stack(int with_random)
{
	struct zsip_config cfg = { 0 };
	cfg.send = null_send;
	if (with_random)
		cfg.random = test_random;
	cfg.seed = 7;
	struct zsip_stack *s = zsip_stack_new(&cfg);
	assert_non_null(s);
	return s;
}

struct creds {
	int calls;
	int decline;
	const char *user, *password, *ha1;
	char realm[256]; /* last realm asked for */
	enum zsip_digest_alg alg;
};

static int cred_cb(void *u, const struct zsip_str *realm, enum zsip_digest_alg alg, struct zsip_auth_cred *out)
{
	struct creds *c = u;
	c->calls++;
	snprintf(c->realm, sizeof c->realm, "%.*s", (int)realm->len, realm->p);
	c->alg = alg;
	if (c->decline)
		return -1;
	snprintf(out->user, sizeof out->user, "%s", c->user);
	snprintf(out->password, sizeof out->password, "%s", c->password ? c->password : "");
	snprintf(out->ha1, sizeof out->ha1, "%s", c->ha1 ? c->ha1 : "");
	return 0;
}

/* A message in a buffer that lives as long as the test needs it. */
struct wire {
	char buf[8192];
	struct zsip_msg msg;
};

static void parse_or_fail(struct wire *w, int n)
{
	assert_true(n > 0 && (size_t)n < sizeof w->buf);
	int rc = zsip_msg_parse(&w->msg, w->buf, (size_t)n, NULL);
	if (rc < 0)
		fail_msg("parse %d: %s\n%s", rc, zsip_strerror(rc), w->buf);
}

/* A 401 (or 407) carrying the given header lines. */
static const struct zsip_msg *response(struct wire *w, int status, const char *hdrs)
{
	int n = snprintf(w->buf, sizeof w->buf,
			 "SIP/2.0 %d Unauthorized\r\n"
			 "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK776asdhds\r\n"
			 "From: <sip:alice@example.com>;tag=1928301774\r\n"
			 "To: <sip:alice@example.com>;tag=a6c85cf\r\n"
			 "Call-ID: a84b4c76e66710\r\n"
			 "CSeq: 1 REGISTER\r\n"
			 "%s"
			 "Content-Length: 0\r\n\r\n",
			 status, hdrs);
	parse_or_fail(w, n);
	return &w->msg;
}

/* A request to ruri carrying the given header lines. */
static const struct zsip_msg *request(struct wire *w, const char *method, const char *ruri, const char *hdrs)
{
	int n = snprintf(w->buf, sizeof w->buf,
			 "%s %s SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK776asdhds\r\n"
			 "From: <sip:alice@example.com>;tag=1928301774\r\n"
			 "To: <sip:alice@example.com>\r\n"
			 "Call-ID: a84b4c76e66710\r\n"
			 "CSeq: 2 %s\r\n"
			 "%s"
			 "Content-Length: 0\r\n\r\n",
			 method, ruri, method, hdrs);
	parse_or_fail(w, n);
	return &w->msg;
}

/* The parsed credentials of header line number idx (0-based) in lines. */
static struct zsip_auth parse_line(const char *lines, int idx, char *name, size_t name_cap)
{
	const char *p = lines;
	for (int i = 0; i < idx; i++) {
		p = strstr(p, "\r\n");
		assert_non_null(p);
		p += 2;
	}
	const char *colon = strchr(p, ':'), *eol = strstr(p, "\r\n");
	assert_non_null(colon);
	assert_non_null(eol);
	snprintf(name, name_cap, "%.*s", (int)(colon - p), p);
	struct zsip_auth a;
	struct zsip_str v = { colon + 2, (size_t)(eol - colon - 2) };
	assert_int_equal(zsip_auth_parse(&a, v), 0);
	return a;
}

static int slice_is(struct zsip_str s, const char *want)
{
	if (!want)
		return s.p == NULL;
	return s.p && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

#define AUTHORIZE(c, method, uri, out) \
	zsip_auth_client_authorize(c, ZSIP_STR(method), ZSIP_STR(uri), ZSIP_STR(""), out, sizeof out)

static const char rfc7616_challenge[] =
	"WWW-Authenticate: Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256,"
	" nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"\r\n";

/* ---------------------------------------------------------------- client */

/* RFC 3261 §22.2, RFC 7616 §3.4: the answer echoes realm, nonce, opaque and
 * algorithm as received and carries the response computed over them */
static void test_client_answers_401_echoing_the_challenge_rfc7616_3_4(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "Mufasa", .password = "Circle of Life" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	assert_non_null(c);
	struct wire w;
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, rfc7616_challenge)), 0);
	assert_int_equal(cr.calls, 1);
	assert_string_equal(cr.realm, "http-auth@example.org");
	assert_int_equal(cr.alg, ZSIP_DIGEST_SHA256);

	char out[2048], name[64];
	int n = AUTHORIZE(c, "REGISTER", "sip:example.org", out);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(out));
	struct zsip_auth a = parse_line(out, 0, name, sizeof name);
	assert_string_equal(name, "Authorization");
	assert_true(slice_is(a.username, "Mufasa"));
	assert_true(slice_is(a.realm, "http-auth@example.org"));
	assert_true(slice_is(a.nonce, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"));
	assert_true(slice_is(a.opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"));
	assert_true(slice_is(a.algorithm, "SHA-256"));
	assert_true(slice_is(a.uri, "sip:example.org"));
	assert_true(slice_is(a.qop, "auth"));
	assert_true(slice_is(a.nc, "00000001"));
	assert_non_null(a.cnonce.p);

	struct zsip_digest_input in = rfc7616_input(ZSIP_DIGEST_SHA256);
	in.cnonce = a.cnonce;
	in.method = ZSIP_STR("REGISTER");
	in.uri = ZSIP_STR("sip:example.org");
	char want[ZSIP_DIGEST_HEX_MAX + 1];
	assert_int_equal(zsip_digest_compute(&in, want), 64);
	assert_true(slice_is(a.response, want));
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

/* RFC 3261 §22.3 / RFC 7616 §3.4: later requests to the realm carry
 * credentials without a new challenge, nc counting up, and no new prompt */
static void test_client_reuses_nonce_with_nc_counting_up_rfc3261_22_3(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "Mufasa", .password = "Circle of Life" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	struct wire w;
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, rfc7616_challenge)), 0);
	char out[2048], name[64];
	for (int i = 1; i <= 3; i++) {
		assert_true(AUTHORIZE(c, "INVITE", "sip:bob@example.org", out) > 0);
		struct zsip_auth a = parse_line(out, 0, name, sizeof name);
		char nc[9];
		snprintf(nc, sizeof nc, "%08x", i);
		assert_true(slice_is(a.nc, nc));
	}
	assert_int_equal(cr.calls, 1);
	/* a buffer too small counts nothing */
	char tiny[16];
	assert_int_equal(AUTHORIZE(c, "INVITE", "sip:bob@example.org", tiny), ZSIP_ENOSPC);
	assert_true(AUTHORIZE(c, "INVITE", "sip:bob@example.org", out) > 0);
	assert_true(slice_is(parse_line(out, 0, name, sizeof name).nc, "00000004"));
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

/* RFC 7616 §3.3 stale=true: retry with the new nonce, no new prompt, nc
 * starts again at 1 */
static void test_client_stale_true_takes_new_nonce_without_prompt_rfc7616_3_3(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "Mufasa", .password = "Circle of Life" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	struct wire w;
	char out[2048], name[64];
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, rfc7616_challenge)), 0);
	assert_true(AUTHORIZE(c, "REGISTER", "sip:example.org", out) > 0);
	assert_true(AUTHORIZE(c, "REGISTER", "sip:example.org", out) > 0);
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401,
					     "WWW-Authenticate: Digest realm=\"http-auth@example.org\", qop=\"auth\","
					     " algorithm=SHA-256, nonce=\"fresh\", stale=TRUE\r\n")),
			 0);
	assert_int_equal(cr.calls, 1);
	assert_true(AUTHORIZE(c, "REGISTER", "sip:example.org", out) > 0);
	struct zsip_auth a = parse_line(out, 0, name, sizeof name);
	assert_true(slice_is(a.nonce, "fresh"));
	assert_true(slice_is(a.nc, "00000001"));
	assert_null(a.opaque.p); /* the new challenge had none */
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

/* RFC 3261 §22.2: a second challenge for a realm we answered, without
 * stale=true, means wrong credentials: give up (no loop); the realm is
 * forgotten, so a later request asks again */
static void test_client_gives_up_on_second_challenge_without_stale_rfc3261_22_2(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "Mufasa", .password = "wrong" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	struct wire w;
	char out[2048];
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, rfc7616_challenge)), 0);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, rfc7616_challenge)), ZSIP_EAUTH_REJECTED);
	assert_int_equal(AUTHORIZE(c, "REGISTER", "sip:example.org", out), 0);
	assert_int_equal(cr.calls, 1);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, rfc7616_challenge)), 0);
	assert_int_equal(cr.calls, 2);
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

/* RFC 8760 §2.4: several challenges, the first supported one in the
 * server's order wins */
static void test_client_takes_first_supported_algorithm_in_server_order_rfc8760_2_4(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "u", .password = "p" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	struct wire w;
	char out[2048], name[64];
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401,
					     "WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", algorithm=SHA-1, qop=\"auth\"\r\n"
					     "WWW-Authenticate: Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-512-256, qop=\"auth\"\r\n"
					     "WWW-Authenticate: Digest realm=\"r\", nonce=\"n3\", algorithm=MD5, qop=\"auth\"\r\n")),
			 0);
	assert_int_equal(cr.alg, ZSIP_DIGEST_SHA512_256);
	assert_true(AUTHORIZE(c, "REGISTER", "sip:r", out) > 0);
	assert_null(strstr(out, "\r\nAuthorization")); /* one line only */
	struct zsip_auth a = parse_line(out, 0, name, sizeof name);
	assert_true(slice_is(a.algorithm, "SHA-512-256"));
	assert_true(slice_is(a.nonce, "n2"));
	assert_int_equal(a.response.len, 64);
	zsip_auth_client_free(c);

	/* the same, several challenges in one header value (RFC 7235 §4.1) */
	c = zsip_auth_client_new(st, cred_cb, &cr);
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401,
					     "WWW-Authenticate: Basic realm=\"r\", Digest realm=\"r\", nonce=\"n1\","
					     " algorithm=MD5-sess, qop=\"auth\", Digest realm=\"r\", nonce=\"n2\"\r\n")),
			 0);
	assert_int_equal(cr.alg, ZSIP_DIGEST_MD5_SESS);
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

/* issue 7: give up on an unsupported algorithm (or scheme), or when the
 * application declines */
static void test_client_gives_up_on_unsupported_algorithm_or_decline(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "u", .password = "p" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	struct wire w;
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", algorithm=SHA-1\r\n")),
			 ZSIP_EAUTH_ALGORITHM);
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401,
					     "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth-conf\"\r\n")),
			 ZSIP_EAUTH_ALGORITHM);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, "WWW-Authenticate: Basic realm=\"r\"\r\n")),
			 ZSIP_EAUTH_ALGORITHM);
	assert_int_equal(cr.calls, 0);
	cr.decline = 1;
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, rfc7616_challenge)), ZSIP_EAUTH_DECLINED);
	assert_int_equal(cr.calls, 1);
	char out[256];
	assert_int_equal(AUTHORIZE(c, "REGISTER", "sip:r", out), 0);
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

static void test_client_rejects_malformed_or_missing_challenge(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "u", .password = "p" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	struct wire w;
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, "")), ZSIP_EAUTH);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, "WWW-Authenticate: Digest realm=\"r\"\r\n")),
			 ZSIP_EAUTH); /* no nonce */
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, "WWW-Authenticate: Digest realm=\"r\r\n")),
			 ZSIP_EAUTH);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 200, rfc7616_challenge)), ZSIP_EINVAL);
	/* RFC 7616 §3.4: realm, nonce and opaque go back as received, so one
	 * holding a control character (a line fold, or a quoted-pair such as
	 * an escaped NUL, which fuzz_digest found: fuzz/regress/fuzz_digest/)
	 * would break the Authorization line: the challenge is malformed. */
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401, "WWW-Authenticate: Digest realm=\"a\r\n b\", nonce=\"n\"\r\n")),
			 ZSIP_EAUTH);
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"a\\\x01\"\r\n")),
			 ZSIP_EAUTH);
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", opaque=\"\\\x7f\"\r\n")),
			 ZSIP_EAUTH);
	assert_int_equal(cr.calls, 0);
	/* a user name with a control character is refused */
	cr.user = "a\x01";
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, rfc7616_challenge)), ZSIP_EINVAL);
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

/* issue 7 / RFC 3261 §22.3: a 401 from the registrar and a 407 from a proxy
 * in another realm are both answered */
static void test_client_answers_www_and_proxy_challenges_together_rfc3261_22_3(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "u", .password = "p" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	struct wire w;
	char out[4096], name[64];
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 407,
					     "WWW-Authenticate: Digest realm=\"registrar\", nonce=\"a\", qop=\"auth\"\r\n"
					     "Proxy-Authenticate: Digest realm=\"proxy\", nonce=\"b\", qop=\"auth\"\r\n")),
			 0);
	assert_int_equal(cr.calls, 2);
	assert_true(AUTHORIZE(c, "INVITE", "sip:bob@example.org", out) > 0);
	struct zsip_auth a = parse_line(out, 0, name, sizeof name);
	assert_string_equal(name, "Authorization");
	assert_true(slice_is(a.realm, "registrar"));
	a = parse_line(out, 1, name, sizeof name);
	assert_string_equal(name, "Proxy-Authorization");
	assert_true(slice_is(a.realm, "proxy"));
	assert_null(a.algorithm.p); /* absent in the challenge: absent in the answer */
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

/* RFC 3261 §25.1 quoted-pair: the hash uses the unescaped realm
 * (RFC 7616 §3.4 unq()), the header echoes it as received, and our user
 * name is escaped */
static void test_client_quoted_string_escapes_rfc7616_3_4(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "al\"ice", .password = "p" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	struct wire w;
	char out[2048], name[64];
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401,
					     "WWW-Authenticate: Digest realm=\"a\\\"b\", nonce=\"n\\\\x\", qop=\"auth\"\r\n")),
			 0);
	assert_string_equal(cr.realm, "a\"b");
	assert_true(AUTHORIZE(c, "REGISTER", "sip:r", out) > 0);
	struct zsip_auth a = parse_line(out, 0, name, sizeof name);
	assert_true(slice_is(a.realm, "a\\\"b"));
	assert_true(slice_is(a.nonce, "n\\\\x"));
	assert_true(slice_is(a.username, "al\\\"ice"));
	struct zsip_digest_input in = {
		.alg = ZSIP_DIGEST_MD5, .username = ZSIP_STR("al\"ice"), .realm = ZSIP_STR("a\"b"),
		.password = ZSIP_STR("p"), .nonce = ZSIP_STR("n\\x"), .cnonce = a.cnonce, .nc = a.nc,
		.qop = ZSIP_STR("auth"), .method = ZSIP_STR("REGISTER"), .uri = ZSIP_STR("sip:r"),
	};
	char want[ZSIP_DIGEST_HEX_MAX + 1];
	assert_int_equal(zsip_digest_compute(&in, want), 32);
	assert_true(slice_is(a.response, want));
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

/* RFC 2069 (no qop: no cnonce, nc or qop sent) and auth-int (RFC 7616
 * §3.4.3: the body is hashed) */
static void test_client_rfc2069_form_and_auth_int(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "Mufasa", .password = "Circle of Life" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	struct wire w;
	char out[2048], name[64], want[ZSIP_DIGEST_HEX_MAX + 1];
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n")),
			 0);
	assert_true(AUTHORIZE(c, "REGISTER", "sip:r", out) > 0);
	struct zsip_auth a = parse_line(out, 0, name, sizeof name);
	assert_null(a.cnonce.p);
	assert_null(a.nc.p);
	assert_null(a.qop.p);
	struct zsip_digest_input in = {
		.alg = ZSIP_DIGEST_MD5, .username = ZSIP_STR("Mufasa"), .realm = ZSIP_STR("r"),
		.password = ZSIP_STR("Circle of Life"), .nonce = ZSIP_STR("n"),
		.method = ZSIP_STR("REGISTER"), .uri = ZSIP_STR("sip:r"),
	};
	assert_int_equal(zsip_digest_compute(&in, want), 32);
	assert_true(slice_is(a.response, want));
	zsip_auth_client_free(c);

	c = zsip_auth_client_new(st, cred_cb, &cr);
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401,
					     "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"\r\n")),
			 0);
	assert_true(zsip_auth_client_authorize(c, ZSIP_STR("INVITE"), ZSIP_STR("sip:r"), ZSIP_STR("v=0\r\n"), out,
					       sizeof out) > 0);
	a = parse_line(out, 0, name, sizeof name);
	assert_true(slice_is(a.qop, "auth-int"));
	in.qop = ZSIP_STR("auth-int");
	in.cnonce = a.cnonce;
	in.nc = a.nc;
	in.method = ZSIP_STR("INVITE");
	in.body = ZSIP_STR("v=0\r\n");
	assert_int_equal(zsip_digest_compute(&in, want), 32);
	assert_true(slice_is(a.response, want));
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

/* A stored HA1 instead of the password gives the same answer */
static void test_client_accepts_precomputed_ha1(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "Mufasa",
			    .ha1 = "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	struct wire w;
	char out[2048], name[64];
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, rfc7616_challenge)), 0);
	assert_true(AUTHORIZE(c, "GET", "/dir/index.html", out) > 0);
	struct zsip_auth a = parse_line(out, 0, name, sizeof name);
	struct zsip_digest_input in = rfc7616_input(ZSIP_DIGEST_SHA256);
	in.cnonce = a.cnonce;
	char want[ZSIP_DIGEST_HEX_MAX + 1];
	assert_int_equal(zsip_digest_compute(&in, want), 64);
	assert_true(slice_is(a.response, want));
	zsip_auth_client_free(c);
	/* an HA1 of the wrong length for the algorithm is refused */
	cr.ha1 = "0123";
	c = zsip_auth_client_new(st, cred_cb, &cr);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, rfc7616_challenge)), ZSIP_EINVAL);
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

/* Caps: a value past ZSIP_AUTH_MAX_VALUE and realms past
 * ZSIP_AUTH_MAX_REALMS are refused with ZSIP_ELIMIT, nothing overflows */
static void test_client_caps_values_and_realms(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "u", .password = "p" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	struct wire w;
	char hdrs[2048];
	int n = snprintf(hdrs, sizeof hdrs, "WWW-Authenticate: Digest realm=\"r\", nonce=\"%0*d\"\r\n",
			 ZSIP_AUTH_MAX_VALUE, 7);
	assert_true(n > 0);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, hdrs)), ZSIP_ELIMIT);
	n = 0;
	for (int i = 0; i <= ZSIP_AUTH_MAX_REALMS; i++)
		n += snprintf(hdrs + n, sizeof hdrs - (size_t)n,
			      "Proxy-Authenticate: Digest realm=\"r%d\", nonce=\"n\"\r\n", i);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 407, hdrs)), ZSIP_ELIMIT);
	assert_int_equal(cr.calls, 0);
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

/* ---------------------------------------------------------------- server */

struct users {
	int calls;
	const char *user, *password;
};

static int lookup_cb(void *u, const struct zsip_str *realm, const struct zsip_str *username,
		     enum zsip_digest_alg alg, struct zsip_auth_cred *out)
{
	struct users *us = u;
	(void)realm;
	(void)alg;
	us->calls++;
	if (!zsip_str_eq(*username, zsip_str_c(us->user)))
		return -1;
	snprintf(out->password, sizeof out->password, "%s", us->password);
	return 0;
}

static struct users alice = { 0, "alice", "secret" };

static struct zsip_auth_server *new_server(struct zsip_stack *st, unsigned max_nonces,
					   enum zsip_digest_alg a0, enum zsip_digest_alg a1)
{
	struct zsip_auth_server_config cfg = { 0 };
	cfg.realm = "example.com";
	cfg.algs[0] = a0;
	cfg.algs[1] = a1;
	cfg.max_nonces = max_nonces;
	cfg.nonce_lifetime_ms = 30000;
	cfg.lookup = lookup_cb;
	cfg.user = &alice;
	struct zsip_auth_server *s = NULL;
	assert_int_equal(zsip_auth_server_new(st, &cfg, &s), 0);
	assert_non_null(s);
	return s;
}

/* The whole exchange: the server's challenge at time now into client c,
 * then c's credentials for a REGISTER to ruri, verified at time later. */
static int round_trip(struct zsip_auth_server *s, struct zsip_auth_client *c, uint64_t now, uint64_t later,
		      const char *ruri, const char *digest_uri)
{
	char ch[2048], cred[2048];
	struct wire w1, w2;
	assert_true(zsip_auth_server_challenge(s, now, 0, ch, sizeof ch) > 0);
	int rc = zsip_auth_client_challenge(c, response(&w1, 401, ch));
	if (rc)
		return rc;
	assert_true(zsip_auth_client_authorize(c, ZSIP_STR("REGISTER"), zsip_str_c(digest_uri), ZSIP_STR(""), cred,
					       sizeof cred) > 0);
	return zsip_auth_server_verify(s, request(&w2, "REGISTER", ruri, cred), later, NULL);
}

/* issue 7: the server side refuses to start without the stack's `random`
 * callback: a nonce key from the seeded fallback could be guessed */
static void test_server_refuses_to_start_without_random_callback(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(0);
	struct zsip_auth_server_config cfg = { .realm = "example.com", .lookup = lookup_cb };
	struct zsip_auth_server *s = (void *)1;
	assert_int_equal(zsip_auth_server_new(st, &cfg, &s), ZSIP_ENORANDOM);
	assert_null(s);
	zsip_stack_free(st);
	st = new_stack(1);
	cfg.realm = "bad\"realm";
	assert_int_equal(zsip_auth_server_new(st, &cfg, &s), ZSIP_EINVAL);
	cfg.realm = "example.com";
	cfg.algs[0] = (enum zsip_digest_alg)9;
	assert_int_equal(zsip_auth_server_new(st, &cfg, &s), ZSIP_EINVAL);
	cfg.algs[0] = 0;
	cfg.lookup = NULL;
	assert_int_equal(zsip_auth_server_new(st, &cfg, &s), ZSIP_EINVAL);
	zsip_stack_free(st);
}

/* RFC 8760 §2.4: one header per algorithm, preference order; RFC 7616
 * §3.3: opaque, qop="auth", stale=true when asked */
static void test_server_challenge_has_one_header_per_algorithm_rfc8760_2_4(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct zsip_auth_server *s = new_server(st, 0, ZSIP_DIGEST_SHA512_256, ZSIP_DIGEST_MD5);
	char out[2048], name[64];
	int n = zsip_auth_server_challenge(s, 1000, 0, out, sizeof out);
	assert_int_equal((size_t)n, strlen(out));
	struct zsip_auth a = parse_line(out, 0, name, sizeof name);
	assert_string_equal(name, "WWW-Authenticate");
	assert_true(slice_is(a.algorithm, "SHA-512-256"));
	assert_true(slice_is(a.realm, "example.com"));
	assert_true(slice_is(a.qop, "auth"));
	assert_non_null(a.opaque.p);
	assert_null(a.stale.p);
	struct zsip_auth b = parse_line(out, 1, name, sizeof name);
	assert_true(slice_is(b.algorithm, "MD5"));
	assert_true(zsip_str_eq(a.nonce, b.nonce));
	assert_null(strstr(strstr(out, "\r\n") + 2 + strlen("WWW"), "WWW-Authenticate")); /* two lines */
	/* a fresh nonce per challenge, stale=true on request */
	char out2[2048];
	assert_true(zsip_auth_server_challenge(s, 1000, 1, out2, sizeof out2) > 0);
	struct zsip_auth c2 = parse_line(out2, 0, name, sizeof name);
	assert_false(zsip_str_eq(a.nonce, c2.nonce));
	assert_true(slice_is(c2.stale, "true"));
	assert_int_equal(zsip_auth_server_challenge(s, 1000, 0, out2, 20), ZSIP_ENOSPC);
	zsip_auth_server_free(s);
	zsip_stack_free(st);
}

/* RFC 3261 §22.4: the client's answer to our challenge verifies, for every
 * algorithm */
static void test_server_verifies_client_answer_every_algorithm_rfc3261_22_4(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "alice", .password = "secret" };
	for (int alg = ZSIP_DIGEST_MD5; alg <= ZSIP_DIGEST_SHA512_256_SESS; alg++) {
		struct zsip_auth_server *s = new_server(st, 0, alg, 0);
		struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
		assert_int_equal(round_trip(s, c, 1000, 2000, "sip:example.com", "sip:example.com"), 0);
		assert_int_equal(cr.alg, alg);
		zsip_auth_client_free(c);
		zsip_auth_server_free(s);
	}
	zsip_stack_free(st);
}

static void test_server_rejects_wrong_password_and_unknown_user_rfc3261_22_4(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct zsip_auth_server *s = new_server(st, 0, 0, 0);
	struct creds cr = { .user = "alice", .password = "guess" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	assert_int_equal(round_trip(s, c, 1000, 1000, "sip:example.com", "sip:example.com"), ZSIP_EAUTH_REJECTED);
	zsip_auth_client_free(c);
	cr.user = "mallory";
	cr.password = "secret";
	c = zsip_auth_client_new(st, cred_cb, &cr);
	assert_int_equal(round_trip(s, c, 1000, 1000, "sip:example.com", "sip:example.com"), ZSIP_EAUTH_REJECTED);
	zsip_auth_client_free(c);
	zsip_auth_server_free(s);
	zsip_stack_free(st);
}

/* RFC 3261 §22.4: the digest uri must be the Request-URI (credentials
 * lifted from another request do not count) */
static void test_server_refuses_digest_uri_other_than_request_uri_rfc3261_22_4(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct zsip_auth_server *s = new_server(st, 0, 0, 0);
	struct creds cr = { .user = "alice", .password = "secret" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	assert_int_equal(round_trip(s, c, 1000, 1000, "sip:example.com", "sip:other.example.com"), ZSIP_EAUTH);
	zsip_auth_client_free(c);
	zsip_auth_server_free(s);
	zsip_stack_free(st);
}

/* RFC 7616 §3.3 stale: a nonce past its lifetime, with the right password,
 * gets stale; the client then retries without a new prompt */
static void test_server_stale_nonce_then_client_retries_without_prompt_rfc7616_3_3(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct zsip_auth_server *s = new_server(st, 0, 0, 0);
	struct creds cr = { .user = "alice", .password = "secret" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	assert_int_equal(round_trip(s, c, 1000, 1000 + 30001, "sip:example.com", "sip:example.com"),
			 ZSIP_EAUTH_STALE);
	char ch[2048], cred[2048];
	struct wire w1, w2;
	assert_true(zsip_auth_server_challenge(s, 40000, 1, ch, sizeof ch) > 0);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w1, 401, ch)), 0);
	assert_int_equal(cr.calls, 1);
	assert_true(AUTHORIZE(c, "REGISTER", "sip:example.com", cred) > 0);
	struct zsip_str user;
	assert_int_equal(zsip_auth_server_verify(s, request(&w2, "REGISTER", "sip:example.com", cred), 41000, &user),
			 0);
	assert_true(slice_is(user, "alice"));
	zsip_auth_client_free(c);
	zsip_auth_server_free(s);
	zsip_stack_free(st);
}

/* RFC 7616 §3.4 / RFC 2617 §3.2.2: the same nonce count twice is a replay;
 * counting up is fine */
static void test_server_refuses_replayed_nonce_count_rfc7616_3_4(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct zsip_auth_server *s = new_server(st, 0, 0, 0);
	struct creds cr = { .user = "alice", .password = "secret" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	char ch[2048], cred1[2048], cred2[2048];
	struct wire w;
	assert_true(zsip_auth_server_challenge(s, 1000, 0, ch, sizeof ch) > 0);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, ch)), 0);
	assert_true(AUTHORIZE(c, "REGISTER", "sip:example.com", cred1) > 0);
	assert_true(AUTHORIZE(c, "REGISTER", "sip:example.com", cred2) > 0);
	assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com", cred1), 1000, NULL), 0);
	assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com", cred1), 1000, NULL),
			 ZSIP_EAUTH_REPLAY);
	assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com", cred2), 1000, NULL), 0);
	assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com", cred1), 1000, NULL),
			 ZSIP_EAUTH_REPLAY);
	zsip_auth_client_free(c);
	zsip_auth_server_free(s);
	zsip_stack_free(st);
}

/* issue 7: past the table's cap the oldest nonce is forgotten and its next
 * use answered stale, never accepted twice */
static void test_server_forgotten_nonce_is_never_accepted_twice(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct zsip_auth_server *s = new_server(st, 2, 0, 0);
	struct creds cr = { .user = "alice", .password = "secret" };
	struct zsip_auth_client *c[3];
	char first[2048];
	struct wire w;
	for (int i = 0; i < 3; i++) {
		c[i] = zsip_auth_client_new(st, cred_cb, &cr);
		assert_int_equal(round_trip(s, c[i], 1000, 1000, "sip:example.com", "sip:example.com"), 0);
		if (i == 0)
			assert_true(AUTHORIZE(c[0], "REGISTER", "sip:example.com", first) > 0);
	}
	/* c[0]'s nonce was pushed out by c[2]'s: nc 2 of it is refused */
	assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com", first), 1000, NULL),
			 ZSIP_EAUTH_REPLAY);
	/* the two still held keep counting */
	for (int i = 1; i < 3; i++) {
		char cred[2048];
		assert_true(AUTHORIZE(c[i], "REGISTER", "sip:example.com", cred) > 0);
		assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com", cred), 1000, NULL),
				 0);
	}
	for (int i = 0; i < 3; i++)
		zsip_auth_client_free(c[i]);
	zsip_auth_server_free(s);
	zsip_stack_free(st);
}

/* realm and algorithm must be ones offered; a nonce not made by us (a
 * forged MAC) with the right password is stale, not accepted */
static void test_server_checks_realm_algorithm_and_nonce_origin_rfc7616_3_4(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct zsip_auth_server *s = new_server(st, 0, ZSIP_DIGEST_SHA256, 0);
	struct creds cr = { .user = "alice", .password = "secret" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	char ch[2048], cred[2048];
	struct wire w;
	/* no credentials, or only for another realm */
	assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com", ""), 1000, NULL),
			 ZSIP_EAUTH_MISSING);
	assert_int_equal(zsip_auth_server_verify(
				 s, request(&w, "REGISTER", "sip:example.com",
					    "Authorization: Digest username=\"alice\", realm=\"other\", nonce=\"n\","
					    " uri=\"sip:example.com\", response=\"00\"\r\n"),
				 1000, NULL),
			 ZSIP_EAUTH_MISSING);
	/* MD5 where only SHA-256 was offered */
	assert_true(zsip_auth_server_challenge(s, 1000, 0, ch, sizeof ch) > 0);
	char *alg = strstr(ch, "algorithm=SHA-256");
	assert_non_null(alg);
	memcpy(alg, "algorithm=MD5    ", 17);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, ch)), 0);
	assert_true(AUTHORIZE(c, "REGISTER", "sip:example.com", cred) > 0);
	assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com", cred), 1000, NULL),
			 ZSIP_EAUTH_ALGORITHM);
	zsip_auth_client_free(c);

	/* a nonce with a flipped MAC digit */
	c = zsip_auth_client_new(st, cred_cb, &cr);
	assert_true(zsip_auth_server_challenge(s, 1000, 0, ch, sizeof ch) > 0);
	char *nonce = strstr(ch, "nonce=\"");
	nonce[7 + 40] = nonce[7 + 40] == '0' ? '1' : '0';
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, ch)), 0);
	assert_true(AUTHORIZE(c, "REGISTER", "sip:example.com", cred) > 0);
	assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com", cred), 1000, NULL),
			 ZSIP_EAUTH_STALE);
	zsip_auth_client_free(c);

	/* malformed credentials: 400 */
	assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com",
							    "Authorization: Digest username=\"alice\"\r\n"),
						 1000, NULL),
			 ZSIP_EAUTH_MISSING);
	assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com",
							    "Authorization: Digest realm=\"example.com\", nonce=\"x\"\r\n"),
						 1000, NULL),
			 ZSIP_EAUTH);
	assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com",
							    "Authorization: Digest realm=\"example.com\r\n"),
						 1000, NULL),
			 ZSIP_EAUTH);
	zsip_auth_server_free(s);
	zsip_stack_free(st);
}

/* Proxy-Authenticate / Proxy-Authorization with cfg.proxy (RFC 3261 §22.3) */
static void test_server_proxy_mode_uses_proxy_headers_rfc3261_22_3(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct zsip_auth_server_config cfg = { .realm = "proxy.example", .proxy = 1, .lookup = lookup_cb, .user = &alice };
	struct zsip_auth_server *s;
	assert_int_equal(zsip_auth_server_new(st, &cfg, &s), 0);
	struct creds cr = { .user = "alice", .password = "secret" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	char ch[2048], cred[2048];
	struct wire w1, w2;
	assert_true(zsip_auth_server_challenge(s, 5, 0, ch, sizeof ch) > 0);
	assert_non_null(strstr(ch, "Proxy-Authenticate: Digest"));
	assert_int_equal(zsip_auth_client_challenge(c, response(&w1, 407, ch)), 0);
	assert_true(AUTHORIZE(c, "INVITE", "sip:bob@example.org", cred) > 0);
	assert_non_null(strstr(cred, "Proxy-Authorization: Digest"));
	assert_int_equal(zsip_auth_server_verify(s, request(&w2, "INVITE", "sip:bob@example.org", cred), 6, NULL), 0);
	zsip_auth_client_free(c);
	zsip_auth_server_free(s);
	zsip_stack_free(st);
}

/* Replaces the first occurrence of from in s (a NUL-terminated buffer
 * with room) by to. */
static void edit(char *s, const char *from, const char *to)
{
	char *p = strstr(s, from);
	assert_non_null(p);
	size_t fl = strlen(from), tl = strlen(to);
	memmove(p + tl, p + fl, strlen(p + fl) + 1);
	memcpy(p, to, tl);
}

/* Credentials of alice for a REGISTER to sip:example.com answering a fresh
 * challenge of s, in out. */
static void answer(struct zsip_auth_server *s, struct zsip_auth_client *c, char *out, size_t cap)
{
	char ch[2048];
	struct wire w;
	assert_true(zsip_auth_server_challenge(s, 1000, 0, ch, sizeof ch) > 0);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, ch)), 0);
	assert_true(zsip_auth_client_authorize(c, ZSIP_STR("REGISTER"), ZSIP_STR("sip:example.com"), ZSIP_STR(""), out,
					       cap) > 0);
}

/* RFC 7616 §3.4: the client must use a qop offered (we offer auth only),
 * nc is 8LHEX, opaque comes back unchanged; a nonce not of our shape is
 * not ours (stale, as after a restart) */
static void test_server_refuses_tampered_credentials_rfc7616_3_4(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct zsip_auth_server *s = new_server(st, 0, ZSIP_DIGEST_MD5, 0);
	struct creds cr = { .user = "alice", .password = "secret" };
	struct wire w;
	char cred[2048];
	static const struct {
		const char *from, *to;
		int want;
	} cases[] = {
		{ ", qop=auth", "", ZSIP_EAUTH },
		{ ", qop=auth", ", qop=auth-int", ZSIP_EAUTH },
		{ ", nc=00000001", ", nc=0000001", ZSIP_EAUTH },
		{ ", nc=00000001", ", nc=0000000g", ZSIP_EAUTH },
		{ "opaque=\"", "opaque=\"x", ZSIP_EAUTH_REJECTED },
		{ "response=\"", "response=\"0", ZSIP_EAUTH_REJECTED },
		{ "username=\"alice\"", "username=\"al\\ice\"", 0 }, /* the escape removed: alice */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
		answer(s, c, cred, sizeof cred);
		edit(cred, cases[i].from, cases[i].to);
		int rc = zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com", cred), 1000, NULL);
		if (rc != cases[i].want)
			fail_msg("case %zu: %s, want %s\n%s", i, zsip_strerror(rc), zsip_strerror(cases[i].want), cred);
		zsip_auth_client_free(c);
	}
	/* a nonce of another shape, answered with the right password: stale */
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401,
					     "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"short\", qop=\"auth\","
					     " opaque=\"x\"\r\n")),
			 0);
	char ch[2048];
	assert_true(zsip_auth_server_challenge(s, 1000, 0, ch, sizeof ch) > 0);
	const char *op = strstr(ch, "opaque=\"") + 8;
	char opaque[64];
	snprintf(opaque, sizeof opaque, "opaque=\"%.*s\"", (int)(strchr(op, '"') - op), op);
	assert_true(AUTHORIZE(c, "REGISTER", "sip:example.com", cred) > 0);
	edit(cred, "opaque=\"x\"", opaque);
	assert_int_equal(zsip_auth_server_verify(s, request(&w, "REGISTER", "sip:example.com", cred), 1000, NULL),
			 ZSIP_EAUTH_STALE);
	zsip_auth_client_free(c);
	zsip_auth_server_free(s);
	zsip_stack_free(st);
}

static int failing_random(void *u, void *buf, size_t len)
{
	(void)u, (void)buf, (void)len;
	return -1;
}

static int alloc_budget;
static void *budget_alloc(void *u, size_t n)
{
	(void)u;
	return alloc_budget-- > 0 ? malloc(n) : NULL;
}
static void budget_free(void *u, void *p, size_t n)
{
	(void)u, (void)n;
	free(p);
}

/* a random callback that fails, or memory that runs out, is an error code,
 * never a half-made object */
static void test_new_reports_random_failure_and_out_of_memory(void **state)
{
	(void)state;
	struct zsip_config cfg = { 0 };
	cfg.send = null_send;
	cfg.random = failing_random;
	struct zsip_stack *st = zsip_stack_new(&cfg);
	assert_non_null(st);
	struct zsip_auth_server_config sc = { .realm = "example.com", .lookup = lookup_cb };
	struct zsip_auth_server *s;
	assert_int_equal(zsip_auth_server_new(st, &sc, &s), ZSIP_ENORANDOM);
	zsip_stack_free(st);

	cfg.random = test_random;
	cfg.alloc.alloc = budget_alloc;
	cfg.alloc.free = budget_free;
	alloc_budget = 1000;
	st = zsip_stack_new(&cfg);
	assert_non_null(st);
	struct zsip_stack_stats before, after;
	zsip_stack_stats(st, &before);
	for (int budget = 0; budget < 2; budget++) {
		alloc_budget = budget;
		assert_int_equal(zsip_auth_server_new(st, &sc, &s), ZSIP_ENOMEM);
	}
	alloc_budget = 0;
	assert_null(zsip_auth_client_new(st, cred_cb, NULL));
	zsip_stack_stats(st, &after);
	assert_int_equal(after.heap_bytes, before.heap_bytes);
	zsip_stack_free(st);
}

/* RFC 7616 §3.3: stale=true with another hash: a stored HA1 was made with
 * the old hash, so the application is asked again; a password is not */
static void test_client_stale_with_new_hash_asks_again_only_for_ha1(void **state)
{
	(void)state;
	struct zsip_stack *st = new_stack(1);
	struct creds cr = { .user = "Mufasa", .ha1 = "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232" };
	struct zsip_auth_client *c = zsip_auth_client_new(st, cred_cb, &cr);
	struct wire w;
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, rfc7616_challenge)), 0);
	cr.ha1 = "3d78807defe7de2157e2b0b6573a855f"; /* MD5("Mufasa:http-auth@example.org:Circle of Life") */
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401,
					     "WWW-Authenticate: Digest realm=\"http-auth@example.org\", nonce=\"m\","
					     " algorithm=MD5, qop=\"auth\", stale=true\r\n")),
			 0);
	assert_int_equal(cr.calls, 2);
	assert_int_equal(cr.alg, ZSIP_DIGEST_MD5);
	zsip_auth_client_free(c);

	cr.calls = 0;
	cr.ha1 = NULL;
	cr.password = "Circle of Life";
	c = zsip_auth_client_new(st, cred_cb, &cr);
	assert_int_equal(zsip_auth_client_challenge(c, response(&w, 401, rfc7616_challenge)), 0);
	assert_int_equal(zsip_auth_client_challenge(
				 c, response(&w, 401,
					     "WWW-Authenticate: Digest realm=\"http-auth@example.org\", nonce=\"m\","
					     " algorithm=MD5, qop=\"auth\", stale=true\r\n")),
			 0);
	assert_int_equal(cr.calls, 1);
	zsip_auth_client_free(c);
	zsip_stack_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compute_rfc2617_3_5_example),
		cmocka_unit_test(test_compute_rfc7616_3_9_1_md5_and_sha256),
		cmocka_unit_test(test_compute_with_precomputed_ha1),
		cmocka_unit_test(test_compute_rfc2069_form_without_qop),
		cmocka_unit_test(test_compute_sess_and_auth_int),
		cmocka_unit_test(test_compute_rejects_unknown_alg_and_qop),
		cmocka_unit_test(test_alg_names_round_trip),
		cmocka_unit_test(test_client_answers_401_echoing_the_challenge_rfc7616_3_4),
		cmocka_unit_test(test_client_reuses_nonce_with_nc_counting_up_rfc3261_22_3),
		cmocka_unit_test(test_client_stale_true_takes_new_nonce_without_prompt_rfc7616_3_3),
		cmocka_unit_test(test_client_gives_up_on_second_challenge_without_stale_rfc3261_22_2),
		cmocka_unit_test(test_client_takes_first_supported_algorithm_in_server_order_rfc8760_2_4),
		cmocka_unit_test(test_client_gives_up_on_unsupported_algorithm_or_decline),
		cmocka_unit_test(test_client_rejects_malformed_or_missing_challenge),
		cmocka_unit_test(test_client_answers_www_and_proxy_challenges_together_rfc3261_22_3),
		cmocka_unit_test(test_client_quoted_string_escapes_rfc7616_3_4),
		cmocka_unit_test(test_client_rfc2069_form_and_auth_int),
		cmocka_unit_test(test_client_accepts_precomputed_ha1),
		cmocka_unit_test(test_client_caps_values_and_realms),
		cmocka_unit_test(test_server_refuses_to_start_without_random_callback),
		cmocka_unit_test(test_server_challenge_has_one_header_per_algorithm_rfc8760_2_4),
		cmocka_unit_test(test_server_verifies_client_answer_every_algorithm_rfc3261_22_4),
		cmocka_unit_test(test_server_rejects_wrong_password_and_unknown_user_rfc3261_22_4),
		cmocka_unit_test(test_server_refuses_digest_uri_other_than_request_uri_rfc3261_22_4),
		cmocka_unit_test(test_server_stale_nonce_then_client_retries_without_prompt_rfc7616_3_3),
		cmocka_unit_test(test_server_refuses_replayed_nonce_count_rfc7616_3_4),
		cmocka_unit_test(test_server_forgotten_nonce_is_never_accepted_twice),
		cmocka_unit_test(test_server_checks_realm_algorithm_and_nonce_origin_rfc7616_3_4),
		cmocka_unit_test(test_server_proxy_mode_uses_proxy_headers_rfc3261_22_3),
		cmocka_unit_test(test_server_refuses_tampered_credentials_rfc7616_3_4),
		cmocka_unit_test(test_new_reports_random_failure_and_out_of_memory),
		cmocka_unit_test(test_client_stale_with_new_hash_asks_again_only_for_ha1),
	};
	return cmocka_run_group_tests_name("digest", tests, NULL, NULL);
}
