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
	};
	return cmocka_run_group_tests_name("digest", tests, NULL, NULL);
}
