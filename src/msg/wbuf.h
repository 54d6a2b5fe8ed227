/* The bounded writer behind the serializer and the forwarding edits
 * (build.c, rewrite.c). It counts every byte it is given but stores only
 * those that fit in out[0 .. cap): snprintf's rule, without a NUL inside
 * the count. */
#ifndef ZSIP_MSG_WBUF_H
#define ZSIP_MSG_WBUF_H

#include <stddef.h>

#include "zsip/msg.h"

struct zsipi_wbuf {
	char *out;
	size_t cap;
	size_t len;  /* bytes the message needs so far (may exceed cap) */
};

void zsipi_put(struct zsipi_wbuf *w, const char *p, size_t n);
void zsipi_put_str(struct zsipi_wbuf *w, struct zsip_str s);
void zsipi_put_c(struct zsipi_wbuf *w, const char *s);
void zsipi_put_uint(struct zsipi_wbuf *w, unsigned long v);
/* "name: value" CRLF */
void zsipi_put_field(struct zsipi_wbuf *w, struct zsip_str name, struct zsip_str value);
/* The total as an int (ZSIP_EINVAL past INT_MAX); adds a NUL when it fits. */
int zsipi_wbuf_end(struct zsipi_wbuf *w);

/* 1 when s is a non-empty token (RFC 3261 §25.1). */
int zsipi_valid_token(struct zsip_str s);
/* 1 when s holds no CR or LF. */
int zsipi_valid_value(struct zsip_str s);

#endif
