/* Compares two parsed messages field by field, for round-trip tests and
 * the fuzz round-trip target. No cmocka in here: results are return values
 * and a description of the first difference.
 *
 * "Same" means what a SIP element would read the same (RFC 3261 §7.3.1):
 * start line elements byte for byte; the header fields in the same order,
 * each with the same id (unknown names compared ignoring case, known ones
 * by id, so a compact form equals its full form) and the same value once
 * every run of LWS (SP, HT, CR, LF) is read as one SP; and the same body. */
#ifndef ZSIP_TEST_MSGCMP_H
#define ZSIP_TEST_MSGCMP_H

#include <stddef.h>

#include "zsip/msg.h"

/* Leave Content-Length fields out of the header lists (a builder that
 * writes its own Content-Length at the end may move or add one); the
 * bodies are still compared, and the two content_length values when both
 * messages had one. */
#define MSGCMP_IGNORE_CLEN 1u

/* Returns 0 when a and b carry the same message, -1 otherwise with the
 * first difference described in why[0 .. cap) (NUL-terminated; why may be
 * NULL). */
int msgcmp(const struct zsip_msg *a, const struct zsip_msg *b, unsigned flags,
	   char *why, size_t cap);

/* 1 when two header values are equal after LWS normalisation. */
int msgcmp_value_eq(struct zsip_str a, struct zsip_str b);

/* Writes in with each run of LWS turned into one SP and the ends trimmed
 * (folding removed, RFC 3261 §7.3.1) into out; returns the length, or -1
 * when cap is too small. */
long msgcmp_lws_norm(char *out, size_t cap, struct zsip_str in);

/* 1 when two parsed Via values hold the same slices and numbers (the
 * fast Via parser against its reference). */
int msgcmp_via_same(const struct zsip_via *a, const struct zsip_via *b);

#endif
