/* Fuzz target: the TCP stream framer, fed the input as one stream.
 *
 * Oracles: each message or keep-alive taken off the front is 0 < used <=
 * remaining; MORE takes nothing; the framer decides on a message from its
 * own bytes (framing exactly those bytes gives the same answer, and one
 * byte fewer is MORE); when the framed message parses and carries a
 * Content-Length, the parser ends it where the framer did. The same stream
 * is also framed under tight limits, which must only ever fail cleanly. */
#include <string.h>

#include "fuzz_check.h"

static void frame_stream(const char *buf, size_t len, const struct zsip_limits *lim, int deep)
{
	static struct zsip_msg m;
	size_t off = 0, rounds = 0;
	while (off < len) {
		const char *p = buf + off;
		size_t rest = len - off, used = 12345;
		int kind = zsip_frame(p, rest, lim, &used);
		FUZZ_ASSERT(++rounds <= len + 1);
		if (kind < 0) {
			FUZZ_ASSERT(kind == ZSIP_ECLEN || kind == ZSIP_ETOOBIG || kind < 0);
			FUZZ_ASSERT(zsip_strerror(kind) != NULL);
			return;
		}
		if (kind == ZSIP_FRAME_MORE) {
			FUZZ_ASSERT(used == 0);
			return;
		}
		FUZZ_ASSERT(kind == ZSIP_FRAME_MESSAGE || kind == ZSIP_FRAME_PING ||
			    kind == ZSIP_FRAME_PONG);
		if (used == 0 || used > rest)
			FUZZ_FAIL("framer kind %d took %zu of %zu bytes at offset %zu", kind, used,
				  rest, off);
		if (kind == ZSIP_FRAME_PING)
			FUZZ_ASSERT(used >= 4 && memcmp(p, "\r\n\r\n", 4) == 0);
		if (kind == ZSIP_FRAME_PONG) /* CRLF, or a bare LF tolerated */
			for (size_t i = 0; i < used; i++)
				FUZZ_ASSERT(p[i] == '\r' || p[i] == '\n');
		if (deep && kind == ZSIP_FRAME_MESSAGE) {
			/* the same message alone, in an exactly sized buffer */
			char *copy = malloc(used);
			FUZZ_ASSERT(copy);
			memcpy(copy, p, used);
			size_t used2 = 0;
			int kind2 = zsip_frame(copy, used, lim, &used2);
			if (kind2 != kind || used2 != used)
				FUZZ_FAIL("framing the message alone gave kind %d used %zu, in the "
					  "stream kind %d used %zu", kind2, used2, kind, used);
			kind2 = zsip_frame(copy, used - 1, lim, &used2);
			if (kind2 != ZSIP_FRAME_MORE)
				FUZZ_FAIL("one byte short of a %zu-byte message gave kind %d used %zu",
					  used, kind2, used2);
			int rc = zsip_msg_parse(&m, copy, used, lim);
			if (rc > 0 && m.content_length >= 0 && (size_t)rc != used)
				FUZZ_FAIL("the framer took %zu bytes, the parser %d", used, rc);
			free(copy);
		}
		off += used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	frame_stream((const char *)data, len, NULL, 1);
	struct zsip_limits tight = { 300, 6, 80 };
	frame_stream((const char *)data, len, &tight, 1);
	return 0;
}
