/* Helpers shared by the digest client and server. Internal. */
#ifndef ZSIPI_AUTH_H
#define ZSIPI_AUTH_H

#include <stddef.h>

#include "auth/hash.h"
#include "msg/wbuf.h"
#include "zsip/digest.h"

/* The hash behind alg (0 for an unknown alg), and whether it is a -sess one. */
enum zsipi_hash_kind zsipi_digest_hash(enum zsip_digest_alg alg);

/* unq() of RFC 7616 §3.4 / quoted-pair removal of RFC 3261 §25.1: copies v
 * into buf[0 .. cap) without its backslash escapes. Returns the slice in
 * buf, or an absent slice (p == NULL) when v is absent or does not fit. */
struct zsip_str zsipi_unq(struct zsip_str v, char *buf, size_t cap);

/* Writes s as the inside of a quoted-string, escaping '"' and '\\'
 * (RFC 3261 §25.1 quoted-pair); -1 when s holds a control character. */
int zsipi_put_quoted(struct zsipi_wbuf *w, struct zsip_str s);

/* The next challenge of a WWW-Authenticate / Proxy-Authenticate value
 * (RFC 7235 §4.1 allows several in one, comma-separated): parses it into
 * *a and moves *rest past it. Returns 1, 0 at the end, or ZSIP_EAUTH. */
int zsipi_auth_next(struct zsip_str *rest, struct zsip_auth *a);

/* Wipes n bytes at p (credentials) in a way the compiler keeps. */
void zsipi_wipe(void *p, size_t n);

/* 1 when a and b are equal; the time taken depends on their lengths only. */
int zsipi_ct_eq(const char *a, size_t alen, const char *b, size_t blen);

#endif
