/* Host and address parsing shared by the URI parser (uri.c) and the
 * header-value parsers (hdrval.c). Private to the message layer. */
#ifndef ZSIP_MSG_HV_H
#define ZSIP_MSG_HV_H

#include <stddef.h>
#include <stdint.h>

/* IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each at
 * most 255 (RFC 3261 §25.1 as corrected by RFC 5954). Exactly p[0..n).
 * Returns 0 and the address in out, or -1. */
int zsipi_ipv4_parse(const char *p, size_t n, uint8_t out[4]);

/* IPv6address without brackets (RFC 4291 §2.2, RFC 5954 §4.1): at most
 * eight groups of 1-4 HEXDIG, one "::" at most, an optional trailing
 * IPv4address. Exactly p[0..n). Returns 0 and the address in out, or -1. */
int zsipi_ipv6_parse(const char *p, size_t n, uint8_t out[16]);

/* host = hostname / IPv4address / IPv6reference (RFC 3261 §25.1), read
 * from p as far as it goes. Returns the enum zsip_host_type and sets
 * *after to the first byte past the host, or returns -1 when what is
 * there is not a valid host. */
int zsipi_host_parse(const char *p, const char *end, const char **after);
/* The same with every IPv4 byte bound-tested: the reference that
 * zsipi_host_parse is held to (tests/test_uri.c, fuzz/fuzz_scan.c). */
int zsipi_host_parse_ref(const char *p, const char *end, const char **after);

struct zsip_via;
/* Parses the Via value at p up to the ',' that ends it or end; *next gets
 * end or the start of the next value. Returns 0 or ZSIP_EVIA. */
int zsipi_via_next(struct zsip_via *via, const char *p, const char *end, const char **next);
/* The same without the fast path for the usual shape: the reference that
 * zsipi_via_next is held to (tests/test_hdrval.c, fuzz/fuzz_scan.c). */
int zsipi_via_next_ref(struct zsip_via *via, const char *p, const char *end, const char **next);

#endif
