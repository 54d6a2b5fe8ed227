/* The bounded writer behind the serializer and the forwarding edits
 * (build.c, rewrite.c). It counts every byte it is given but stores only
 * those that fit in out[0 .. cap): snprintf's rule, without a NUL inside
 * the count. */
#ifndef ZSIP_MSG_WBUF_H
#define ZSIP_MSG_WBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "zsip/msg.h"

struct zsipi_wbuf {
	char *out;
	size_t cap;
	size_t len;  /* bytes the message needs so far (may exceed cap) */
};

/* zsipi_put when the piece does not fit whole. */
void zsipi_put_short(struct zsipi_wbuf *w, const char *p, size_t n);

/* Inline: every message is written in a few dozen pieces, most of them
 * literals whose length the compiler knows, so that the copy of a whole
 * piece becomes a few moves. */
static inline void zsipi_put(struct zsipi_wbuf *w, const char *p, size_t n)
{
	if (w->len <= w->cap && n <= w->cap - w->len) {
		memcpy(w->out + w->len, p, n);
		w->len += n;
		return;
	}
	zsipi_put_short(w, p, n);
}

static inline void zsipi_put_str(struct zsipi_wbuf *w, struct zsip_str s)
{
	if (s.len)
		zsipi_put(w, s.p, s.len);
}

static inline void zsipi_put_c(struct zsipi_wbuf *w, const char *s)
{
	zsipi_put(w, s, strlen(s));
}

/* "name: value" CRLF */
static inline void zsipi_put_field(struct zsipi_wbuf *w, struct zsip_str name, struct zsip_str value)
{
	zsipi_put_str(w, name);
	zsipi_put(w, ": ", 2);
	zsipi_put_str(w, value);
	zsipi_put(w, "\r\n", 2);
}

void zsipi_put_uint(struct zsipi_wbuf *w, unsigned long v);
/* The total as an int (ZSIP_EINVAL past INT_MAX); adds a NUL when it fits. */
int zsipi_wbuf_end(struct zsipi_wbuf *w);

/* 1 when s is a non-empty token (RFC 3261 §25.1). */
int zsipi_valid_token(struct zsip_str s);
/* 1 when s holds no CR or LF. */
int zsipi_valid_value(struct zsip_str s);

#endif
