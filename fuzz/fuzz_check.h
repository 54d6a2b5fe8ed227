/* Helpers shared by the fuzz targets (header only: each target is one
 * translation unit, built with the library sources). */
#ifndef ZSIP_FUZZ_CHECK_H
#define ZSIP_FUZZ_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <zsip.h>

/* Bound on the items one list iteration may yield; a list of n bytes holds
 * at most n + 1 items, so more means the iterator does not advance. */
#define FUZZ_MAX_ITEMS(n) ((n) + 2)

#define FUZZ_FAIL(...)                                                        \
	do {                                                                  \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);               \
		fprintf(stderr, __VA_ARGS__);                                 \
		fputc('\n', stderr);                                          \
		abort();                                                      \
	} while (0)

#define FUZZ_ASSERT(cond)                                                     \
	do {                                                                  \
		if (!(cond))                                                  \
			FUZZ_FAIL("assertion failed: %s", #cond);             \
	} while (0)

/* A non-empty slice must lie inside [base, base + len). Empty slices may
 * point anywhere (an implementation may hand out a static ""). */
static inline void fuzz_in(struct zsip_str s, const char *base, size_t len, const char *what)
{
	if (!s.p || s.len == 0)
		return;
	uintptr_t p = (uintptr_t)s.p, b = (uintptr_t)base;
	if (p < b || p - b > len || s.len > len - (p - b))
		FUZZ_FAIL("%s: slice [%p, +%zu) outside the input [%p, +%zu)", what,
			  (const void *)s.p, s.len, (const void *)base, len);
}

#endif
