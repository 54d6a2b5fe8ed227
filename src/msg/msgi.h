/* Message-layer helpers for the transaction layer, so that it parses a
 * received request once. Internal (zsipi_*, not exported). */
#ifndef ZSIP_MSG_MSGI_H
#define ZSIP_MSG_MSGI_H

#include <stddef.h>
#include <stdint.h>

#include "zsip/msg.h"

/* m was parsed from m->buf; buf holds the same bytes with add[i] bytes
 * inserted at offset at[i] (ascending, all inside the top Via value). Moves
 * every slice of m onto buf, as a parse of buf would give, without parsing
 * it again (the top Via value is read again). 0, or ZSIP_EVIA when the
 * edited Via no longer parses (m is then unusable). */
int zsipi_msg_move(struct zsip_msg *m, const char *buf, const size_t *at, const size_t *add,
		   size_t n);

/* A field a response copies from its request (RFC 3261 §8.2.6): its id and
 * its value as off/len from the start of the request. */
struct zsipi_copy {
	uint32_t off;
	unsigned len : 24;      /* a longer value is not copied (no response) */
	unsigned id : 8;        /* enum zsip_hdr_id */
};

/* The fields of req a response copies, in the order it writes them (Via
 * ..., From, To, Call-ID, CSeq, Timestamp), into c[0 .. cap) (c NULL:
 * only counted). Returns the count (at most ZSIP_MAX_HEADERS), or 0 when
 * one that must be there is missing, a value is 16 MiB or more, or cap is
 * short. */
size_t zsipi_response_copies(const struct zsip_msg *req, struct zsipi_copy *c, size_t cap);

/* zsip_build_response from those fields (c[0 .. n) of zsipi_response_copies,
 * offsets from base) instead of a parsed request; to_tagged: the request's
 * To had a tag. lines: whole header lines ("Name: value" CRLF each) the
 * stack wrote from checked parts, put before resp->hdrs without the
 * checks a caller's fields get. */
int zsipi_build_response_copies(char *out, size_t cap, const char *base,
				const struct zsipi_copy *c, size_t n, int to_tagged,
				struct zsip_str lines, const struct zsip_response *resp);

/* 1 when the comma-separated list (NULL: empty) holds item, compared
 * case-insensitively (methods, option tags, media types). */
int zsipi_list_has(const char *list, struct zsip_str item);

/* RFC 3261 §8.2.2.3: the option tags of every `id` field of m (Require or
 * Proxy-Require) that the comma-separated list `supported` (NULL: none)
 * lacks, joined by ", " into out[0 .. cap), rebuilt from the tags since a
 * raw value may hold line folds. *len gets their length. Returns how many
 * (0: every tag is supported), ZSIP_EVALUE when a field is not a list of
 * tokens (§20.32: option-tag = token; an empty field too), ZSIP_ELIMIT
 * when the tags do not fit in cap. Pointers are borrowed for the call. */
int zsipi_unsupported_tags(const struct zsip_msg *m, enum zsip_hdr_id id, const char *supported,
			   char *out, size_t cap, size_t *len);

#endif
