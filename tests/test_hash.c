/* MD5 (RFC 1321 §A.5 test suite), SHA-256 and SHA-512/256 (FIPS 180-4,
 * the NIST example vectors: "abc", the empty string, the two-block
 * message and one million 'a'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/hash.h"

static void check(enum zsipi_hash_kind k, const char *msg, size_t n, const char *want)
{
	struct zsipi_hash h;
	uint8_t d[ZSIPI_HASH_MAX];
	char hex[2 * ZSIPI_HASH_MAX + 1];
	zsipi_hash_init(&h, k);
	zsipi_hash_update(&h, msg, n);
	zsipi_hex(hex, d, zsipi_hash_final(&h, d));
	assert_string_equal(hex, want);
}

#define CHECK(k, s, want) check(k, s, strlen(s), want)

/* one million 'a' fed in odd-sized pieces, so that block boundaries fall
 * inside update calls */
static void check_million_a(enum zsipi_hash_kind k, const char *want)
{
	char a[997];
	memset(a, 'a', sizeof a);
	struct zsipi_hash h;
	uint8_t d[ZSIPI_HASH_MAX];
	char hex[2 * ZSIPI_HASH_MAX + 1];
	zsipi_hash_init(&h, k);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof a ? left : sizeof a;
		zsipi_hash_update(&h, a, n);
		left -= n;
	}
	zsipi_hex(hex, d, zsipi_hash_final(&h, d));
	assert_string_equal(hex, want);
}

static void test_md5_rfc1321_a5_suite(void **state)
{
	(void)state;
	CHECK(ZSIPI_MD5, "", "d41d8cd98f00b204e9800998ecf8427e");
	CHECK(ZSIPI_MD5, "a", "0cc175b9c0f1b6a831c399e269772661");
	CHECK(ZSIPI_MD5, "abc", "900150983cd24fb0d6963f7d28e17f72");
	CHECK(ZSIPI_MD5, "message digest", "f96b697d7cb7938d525a2f31aaf161d0");
	CHECK(ZSIPI_MD5, "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b");
	CHECK(ZSIPI_MD5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	      "d174ab98d277d9f5a5611c2c9f419d9f");
	CHECK(ZSIPI_MD5, "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	      "57edf4a22be3c955ac49da2e2107b67a");
}

static void test_md5_million_a(void **state)
{
	(void)state;
	check_million_a(ZSIPI_MD5, "7707d6ae4e027c70eea2a935c2296f21");
}

static void test_sha256_fips180_examples(void **state)
{
	(void)state;
	CHECK(ZSIPI_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK(ZSIPI_SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK(ZSIPI_SHA256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_million_a(ZSIPI_SHA256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* FIPS 180-4 §5.3.6.2: SHA-512/256 has its own initial value, so its digest
 * is not SHA-512's truncated */
static void test_sha512_256_fips180_examples(void **state)
{
	(void)state;
	CHECK(ZSIPI_SHA512_256, "abc", "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
	CHECK(ZSIPI_SHA512_256, "", "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a");
	CHECK(ZSIPI_SHA512_256,
	      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	      "3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a");
	check_million_a(ZSIPI_SHA512_256, "9a59a052930187a97038cae692f30708aa6491923ef5194394dc68d56c74fb21");
}

/* Lengths around the padding boundary (55/56/64 bytes for 64-byte blocks,
 * 111/112/128 for SHA-512) fed whole and byte by byte must agree. */
static void test_hash_split_updates_match_whole(void **state)
{
	(void)state;
	char msg[300];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (char)(i * 7 + 1);
	for (int k = ZSIPI_MD5; k <= ZSIPI_SHA512_256; k++) {
		for (size_t n = 0; n < sizeof msg; n++) {
			struct zsipi_hash a, b;
			uint8_t da[ZSIPI_HASH_MAX], db[ZSIPI_HASH_MAX];
			zsipi_hash_init(&a, k);
			zsipi_hash_init(&b, k);
			zsipi_hash_update(&a, msg, n);
			for (size_t i = 0; i < n; i++)
				zsipi_hash_update(&b, msg + i, 1);
			size_t la = zsipi_hash_final(&a, da);
			assert_int_equal(la, zsipi_hash_final(&b, db));
			assert_memory_equal(da, db, la);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md5_rfc1321_a5_suite),
		cmocka_unit_test(test_md5_million_a),
		cmocka_unit_test(test_sha256_fips180_examples),
		cmocka_unit_test(test_sha512_256_fips180_examples),
		cmocka_unit_test(test_hash_split_updates_match_whole),
	};
	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
