/* MD5 (RFC 1321), SHA-256 and SHA-512/256 (FIPS 180-4) in constant memory,
 * behind one streaming interface. Internal. */
#ifndef ZSIPI_HASH_H
#define ZSIPI_HASH_H

#include <stddef.h>
#include <stdint.h>

enum zsipi_hash_kind { ZSIPI_MD5 = 1, ZSIPI_SHA256, ZSIPI_SHA512_256 };

/* Largest digest in bytes. */
#define ZSIPI_HASH_MAX 32

struct zsipi_hash {
	int kind;
	union {
		uint32_t s32[8];
		uint64_t s64[8];
	} st;
	uint64_t len;           /* bytes fed so far (2^64 is plenty for SIP) */
	uint8_t blk[128];
};

void zsipi_hash_init(struct zsipi_hash *h, enum zsipi_hash_kind kind);
void zsipi_hash_update(struct zsipi_hash *h, const void *p, size_t n);
/* Writes the digest into out and returns its size (16 or 32). */
size_t zsipi_hash_final(struct zsipi_hash *h, uint8_t out[ZSIPI_HASH_MAX]);
/* Digest size of kind in bytes. */
size_t zsipi_hash_size(enum zsipi_hash_kind kind);
/* Lowercase hex of p[0 .. n) into out, with a NUL. */
void zsipi_hex(char *out, const uint8_t *p, size_t n);

#endif
