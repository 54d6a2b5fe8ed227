/* MD5 (RFC 1321 §3), SHA-256 (FIPS 180-4 §6.2) and SHA-512/256 (FIPS 180-4
 * §5.3.6.2, §6.4): straight from the specifications, one block buffer and
 * the chaining state, nothing else. */
#include <string.h>

#include "auth/hash.h"

static uint32_t rol32(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
static uint32_t ror32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
static uint64_t ror64(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* ------------------------------------------------------------------ MD5 */

/* RFC 1321 §3.4: T[i] = floor(2^32 * |sin(i + 1)|) and the shifts per round */
static const uint32_t md5_t[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};
static const uint8_t md5_s[16] = { 7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21 };

static void md5_block(uint32_t st[4], const uint8_t *b)
{
	uint32_t x[16], a = st[0], bb = st[1], c = st[2], d = st[3];
	for (int i = 0; i < 16; i++)
		x[i] = le32(b + 4 * i);
	for (int i = 0; i < 64; i++) {
		uint32_t f;
		int k, r = i >> 4;
		switch (r) {
		case 0: f = (bb & c) | (~bb & d); k = i; break;
		case 1: f = (bb & d) | (c & ~d); k = (5 * i + 1) & 15; break;
		case 2: f = bb ^ c ^ d; k = (3 * i + 5) & 15; break;
		default: f = c ^ (bb | ~d); k = (7 * i) & 15; break;
		}
		uint32_t t = d;
		d = c;
		c = bb;
		bb = bb + rol32(a + f + md5_t[i] + x[k], md5_s[r * 4 + (i & 3)]);
		a = t;
	}
	st[0] += a;
	st[1] += bb;
	st[2] += c;
	st[3] += d;
}

/* -------------------------------------------------------------- SHA-256 */

static const uint32_t k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void sha256_block(uint32_t st[8], const uint8_t *b)
{
	uint32_t w[64], v[8];
	for (int i = 0; i < 16; i++)
		w[i] = be32(b + 4 * i);
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, st, sizeof v);
	for (int i = 0; i < 64; i++) {
		uint32_t e = v[4], a = v[0];
		uint32_t t1 = v[7] + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & v[5]) ^ (~e & v[6])) + k256[i] + w[i];
		uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof v[0]);
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		st[i] += v[i];
}

/* -------------------------------------------------------------- SHA-512 */

static const uint64_t k512[80] = {
	0x428a2f98d728ae22ull, 0x7137449123ef65cdull, 0xb5c0fbcfec4d3b2full, 0xe9b5dba58189dbbcull,
	0x3956c25bf348b538ull, 0x59f111f1b605d019ull, 0x923f82a4af194f9bull, 0xab1c5ed5da6d8118ull,
	0xd807aa98a3030242ull, 0x12835b0145706fbeull, 0x243185be4ee4b28cull, 0x550c7dc3d5ffb4e2ull,
	0x72be5d74f27b896full, 0x80deb1fe3b1696b1ull, 0x9bdc06a725c71235ull, 0xc19bf174cf692694ull,
	0xe49b69c19ef14ad2ull, 0xefbe4786384f25e3ull, 0x0fc19dc68b8cd5b5ull, 0x240ca1cc77ac9c65ull,
	0x2de92c6f592b0275ull, 0x4a7484aa6ea6e483ull, 0x5cb0a9dcbd41fbd4ull, 0x76f988da831153b5ull,
	0x983e5152ee66dfabull, 0xa831c66d2db43210ull, 0xb00327c898fb213full, 0xbf597fc7beef0ee4ull,
	0xc6e00bf33da88fc2ull, 0xd5a79147930aa725ull, 0x06ca6351e003826full, 0x142929670a0e6e70ull,
	0x27b70a8546d22ffcull, 0x2e1b21385c26c926ull, 0x4d2c6dfc5ac42aedull, 0x53380d139d95b3dfull,
	0x650a73548baf63deull, 0x766a0abb3c77b2a8ull, 0x81c2c92e47edaee6ull, 0x92722c851482353bull,
	0xa2bfe8a14cf10364ull, 0xa81a664bbc423001ull, 0xc24b8b70d0f89791ull, 0xc76c51a30654be30ull,
	0xd192e819d6ef5218ull, 0xd69906245565a910ull, 0xf40e35855771202aull, 0x106aa07032bbd1b8ull,
	0x19a4c116b8d2d0c8ull, 0x1e376c085141ab53ull, 0x2748774cdf8eeb99ull, 0x34b0bcb5e19b48a8ull,
	0x391c0cb3c5c95a63ull, 0x4ed8aa4ae3418acbull, 0x5b9cca4f7763e373ull, 0x682e6ff3d6b2b8a3ull,
	0x748f82ee5defb2fcull, 0x78a5636f43172f60ull, 0x84c87814a1f0ab72ull, 0x8cc702081a6439ecull,
	0x90befffa23631e28ull, 0xa4506cebde82bde9ull, 0xbef9a3f7b2c67915ull, 0xc67178f2e372532bull,
	0xca273eceea26619cull, 0xd186b8c721c0c207ull, 0xeada7dd6cde0eb1eull, 0xf57d4f7fee6ed178ull,
	0x06f067aa72176fbaull, 0x0a637dc5a2c898a6ull, 0x113f9804bef90daeull, 0x1b710b35131c471bull,
	0x28db77f523047d84ull, 0x32caab7b40c72493ull, 0x3c9ebe0a15c9bebcull, 0x431d67c49c100d4cull,
	0x4cc5d4becb3e42b6ull, 0x597f299cfc657e2aull, 0x5fcb6fab3ad6faecull, 0x6c44198c4a475817ull,
};

static void sha512_block(uint64_t st[8], const uint8_t *b)
{
	uint64_t w[80], v[8];
	for (int i = 0; i < 16; i++)
		w[i] = be64(b + 8 * i);
	for (int i = 16; i < 80; i++) {
		uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
		uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, st, sizeof v);
	for (int i = 0; i < 80; i++) {
		uint64_t e = v[4], a = v[0];
		uint64_t t1 = v[7] + (ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41)) + ((e & v[5]) ^ (~e & v[6])) + k512[i] + w[i];
		uint64_t t2 = (ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39)) + ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof v[0]);
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		st[i] += v[i];
}

/* ------------------------------------------------------------ interface */

static size_t block_size(int kind) { return kind == ZSIPI_SHA512_256 ? 128 : 64; }

size_t zsipi_hash_size(enum zsipi_hash_kind kind) { return kind == ZSIPI_MD5 ? 16 : 32; }

void zsipi_hash_init(struct zsipi_hash *h, enum zsipi_hash_kind kind)
{
	static const uint32_t md5_iv[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	static const uint32_t sha256_iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	/* FIPS 180-4 §5.3.6.2: SHA-512/256's own initial hash value */
	static const uint64_t sha512_256_iv[8] = {
		0x22312194fc2bf72cull, 0x9f555fa3c84c64c2ull, 0x2393b86b6f53b151ull, 0x963877195940eabdull,
		0x96283ee2a88effe3ull, 0xbe5e1e2553863992ull, 0x2b0199fc2c85b8aaull, 0x0eb72ddc81c52ca2ull,
	};
	memset(h, 0, sizeof *h);
	h->kind = kind;
	if (kind == ZSIPI_MD5)
		memcpy(h->st.s32, md5_iv, sizeof md5_iv);
	else if (kind == ZSIPI_SHA256)
		memcpy(h->st.s32, sha256_iv, sizeof sha256_iv);
	else
		memcpy(h->st.s64, sha512_256_iv, sizeof sha512_256_iv);
}

static void block(struct zsipi_hash *h, const uint8_t *b)
{
	if (h->kind == ZSIPI_MD5)
		md5_block(h->st.s32, b);
	else if (h->kind == ZSIPI_SHA256)
		sha256_block(h->st.s32, b);
	else
		sha512_block(h->st.s64, b);
}

void zsipi_hash_update(struct zsipi_hash *h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t bs = block_size(h->kind), used = (size_t)(h->len % bs);
	h->len += n;
	if (used) {
		size_t k = bs - used < n ? bs - used : n;
		memcpy(h->blk + used, b, k);
		b += k;
		n -= k;
		if (used + k < bs)
			return;
		block(h, h->blk);
	}
	for (; n >= bs; b += bs, n -= bs)
		block(h, b);
	memcpy(h->blk, b, n);
}

size_t zsipi_hash_final(struct zsipi_hash *h, uint8_t out[ZSIPI_HASH_MAX])
{
	size_t bs = block_size(h->kind), lenbytes = bs / 8; /* 8 or 16 length bytes */
	uint64_t bits = h->len * 8;
	uint8_t pad[128 + 16] = { 0x80 };
	size_t used = (size_t)(h->len % bs);
	size_t padn = (used < bs - lenbytes ? bs - lenbytes - used : 2 * bs - lenbytes - used);
	uint8_t lb[16] = { 0 };
	for (int i = 0; i < 8; i++) {
		/* MD5 counts little-endian (RFC 1321 §3.2), SHA big-endian */
		if (h->kind == ZSIPI_MD5)
			lb[i] = (uint8_t)(bits >> (8 * i));
		else
			lb[lenbytes - 1 - i] = (uint8_t)(bits >> (8 * i));
	}
	zsipi_hash_update(h, pad, padn);
	zsipi_hash_update(h, lb, lenbytes);
	size_t n = zsipi_hash_size(h->kind);
	for (size_t i = 0; i < n; i++) {
		if (h->kind == ZSIPI_MD5)
			out[i] = (uint8_t)(h->st.s32[i / 4] >> (8 * (i % 4)));
		else if (h->kind == ZSIPI_SHA256)
			out[i] = (uint8_t)(h->st.s32[i / 4] >> (24 - 8 * (i % 4)));
		else
			out[i] = (uint8_t)(h->st.s64[i / 8] >> (56 - 8 * (i % 8)));
	}
	memset(h, 0, sizeof *h);
	return n;
}

void zsipi_hex(char *out, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = 0;
}
