/* Byte scanners for the parser's hot loops: the end of a header line and
 * the end of a header name, many bytes a step. Each has a plain byte-by-byte
 * reference (_ref) that says what it must return; fuzz/fuzz_scan.c and
 * tests/test_parse.c hold the fast ones to it on every input. Nothing here
 * reads outside [p, end).
 *
 * Two fast forms: SWAR in portable C (eight bytes in a uint64_t), and SSE2
 * (sixteen bytes) where the compiler has it, which is every x86-64; the
 * parser takes the SSE2 one when there is one. Both test a word for "a byte
 * below 0x0e" (CR is 0x0d, LF 0x0a) and, for names, "a ':' byte"; a hit only
 * says where to look, the byte itself decides, so a TAB or another control
 * byte in a value costs a look and no more. */
#ifndef ZSIP_MSG_SCAN_H
#define ZSIP_MSG_SCAN_H

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---------------------------------------------------------- references */

/* The first CR or LF in [p, end), or end. */
static inline const char *zsipi_scan_eol_ref(const char *p, const char *end)
{
	while (p < end && *p != '\r' && *p != '\n')
		p++;
	return p;
}

/* The first ':', CR or LF in [p, end), or end. */
static inline const char *zsipi_scan_colon_ref(const char *p, const char *end)
{
	while (p < end && *p != ':' && *p != '\r' && *p != '\n')
		p++;
	return p;
}

/* A header line from p: *colon gets the first ':', CR or LF (end when
 * none); when that is a ':' the first CR or LF after it (or end) is
 * returned, else *colon itself. */
static inline const char *zsipi_scan_line_ref(const char *p, const char *end, const char **colon)
{
	const char *c = zsipi_scan_colon_ref(p, end);
	*colon = c;
	return c < end && *c == ':' ? zsipi_scan_eol_ref(c + 1, end) : c;
}

/* The first byte of [p, end) that a Reason-Phrase may not hold: a control
 * byte other than HT, or DEL (TEXT-UTF8, RFC 3261 §25.1); end when none. */
static inline const char *zsipi_scan_text_ref(const char *p, const char *end)
{
	while (p < end && ((unsigned char)*p >= 0x20 || *p == '\t') && *p != 0x7f)
		p++;
	return p;
}

/* ---------------------------------------------------------------- SWAR */

#define ZSIPI_ONES_ 0x0101010101010101ull
#define ZSIPI_HIGHS_ 0x8080808080808080ull

/* Nonzero when a byte of x is below n (n <= 0x80): the usual has-less test.
 * It may flag bytes above a real hit too, so it only says "look here". */
static inline uint64_t zsipi_swar_less_(uint64_t x, unsigned n)
{
	return (x - ZSIPI_ONES_ * n) & ~x & ZSIPI_HIGHS_;
}

/* Nonzero when a byte of x equals c. */
static inline uint64_t zsipi_swar_has_(uint64_t x, unsigned c)
{
	uint64_t v = x ^ (ZSIPI_ONES_ * c);
	return (v - ZSIPI_ONES_) & ~v & ZSIPI_HIGHS_;
}

/* zsipi_scan_eol_ref, eight bytes a step: words without a byte below 0x0e
 * are skipped whole; a word with one is read byte by byte (the byte order
 * of the machine does not matter). */
static inline const char *zsipi_scan_eol_swar(const char *p, const char *end)
{
	while (end - p >= 8) {
		uint64_t x;
		memcpy(&x, p, 8);
		if (zsipi_swar_less_(x, 0x0e)) {
			const char *q = zsipi_scan_eol_ref(p, p + 8);
			if (q < p + 8)
				return q;
		}
		p += 8;
	}
	return zsipi_scan_eol_ref(p, end);
}

/* zsipi_scan_colon_ref, eight bytes a step. */
static inline const char *zsipi_scan_colon_swar(const char *p, const char *end)
{
	while (end - p >= 8) {
		uint64_t x;
		memcpy(&x, p, 8);
		if (zsipi_swar_less_(x, 0x0e) | zsipi_swar_has_(x, ':')) {
			const char *q = zsipi_scan_colon_ref(p, p + 8);
			if (q < p + 8)
				return q;
		}
		p += 8;
	}
	return zsipi_scan_colon_ref(p, end);
}

static inline const char *zsipi_scan_line_swar(const char *p, const char *end, const char **colon)
{
	const char *c = zsipi_scan_colon_swar(p, end);
	*colon = c;
	return c < end && *c == ':' ? zsipi_scan_eol_swar(c + 1, end) : c;
}

#undef ZSIPI_ONES_
#undef ZSIPI_HIGHS_

/* ---------------------------------------------------------------- SSE2 */

#ifdef __SSE2__
/* The bytes of x below 0x0e, as a movemask: max(x, 0x0d) == 0x0d (x is
 * read once, no copy of it kept). */
static inline unsigned zsipi_sse2_ctl_(__m128i x)
{
	const __m128i cr = _mm_set1_epi8(0x0d);
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(x, cr), cr));
}

/* zsipi_scan_eol_ref, sixteen bytes a step, then the SWAR form. */
static inline const char *zsipi_scan_eol_sse2(const char *p, const char *end)
{
	if (end - p >= 16) {
		const char *last = end - 16;
		do {
			unsigned m = zsipi_sse2_ctl_(_mm_loadu_si128((const __m128i *)(const void *)p));
			for (; m; m &= m - 1) {
				const char *q = p + __builtin_ctz(m);
				if (*q == '\r' || *q == '\n')
					return q;
			}
			p += 16;
		} while (p <= last);
	}
	return zsipi_scan_eol_swar(p, end);
}

/* zsipi_scan_colon_ref, sixteen bytes a step, then the SWAR form. */
static inline const char *zsipi_scan_colon_sse2(const char *p, const char *end)
{
	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = zsipi_sse2_ctl_(x) |
			     (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(':')));
		for (; m; m &= m - 1) {
			const char *q = p + __builtin_ctz(m);
			if (*q == ':' || *q == '\r' || *q == '\n')
				return q;
		}
		p += 16;
	}
	return zsipi_scan_colon_swar(p, end);
}

/* The line at p from the masks of its first n bytes (16 or 32; ctl: bytes
 * below 0x0e) and of the ':' in its first 16 (col): 1 with *colon and
 * *eol set as zsipi_scan_line_ref sets them, or 0 when the first 16 bytes
 * hold no ':' and no line end (a long name, or a line end further on). */
static inline int zsipi_sse2_line_(const char *p, const char *end, unsigned n, unsigned ctl, unsigned col,
				   const char **colon, const char **eol)
{
	unsigned e = 0;
	for (; ctl; ctl &= ctl - 1) {
		const char *q = p + __builtin_ctz(ctl);
		if (*q == '\r' || *q == '\n') {
			e = ctl & -ctl;
			break;
		}
	}
	col &= e ? e - 1 : ~0u;
	if (col) {
		*colon = p + __builtin_ctz(col);
		*eol = e ? p + __builtin_ctz(e) : zsipi_scan_eol_sse2(p + n, end);
		return 1;
	}
	if (e & 0xffffu) {
		*colon = *eol = p + __builtin_ctz(e);
		return 1;
	}
	return 0;
}

/* zsipi_scan_line_ref with two loads for the usual line, whose name and
 * ':' lie in its first 16 bytes (one load when fewer than 32 are left):
 * the same words give the ':' and, when the line is short, its end. */
static inline const char *zsipi_scan_line_sse2(const char *p, const char *end, const char **colon)
{
	const __m128i c = _mm_set1_epi8(':');
	const char *eol;
	if (end - p >= 32) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
		unsigned ctl = zsipi_sse2_ctl_(x) | zsipi_sse2_ctl_(y) << 16;
		unsigned col = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, c));
		if (zsipi_sse2_line_(p, end, 32, ctl, col, colon, &eol))
			return eol;
	} else if (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		if (zsipi_sse2_line_(p, end, 16, zsipi_sse2_ctl_(x),
				     (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, c)), colon, &eol))
			return eol;
	}
	const char *k = zsipi_scan_colon_sse2(p, end);
	*colon = k;
	return k < end && *k == ':' ? zsipi_scan_eol_sse2(k + 1, end) : k;
}
/* zsipi_scan_text_ref, sixteen bytes a step: the bytes between end and
 * lim (readable, lim >= end) are read and not judged, so that a short
 * Reason-Phrase is one step. */
static inline const char *zsipi_scan_text_sse2(const char *p, const char *end, const char *lim)
{
	for (; p < end; p += 16) {
		if (lim - p < 16)
			return zsipi_scan_text_ref(p, end);
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		const __m128i us = _mm_set1_epi8(0x1f);
		__m128i c = _mm_cmpeq_epi8(_mm_max_epu8(x, us), us);
		c = _mm_andnot_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')), c);
		c = _mm_or_si128(c, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
		unsigned m = (unsigned)_mm_movemask_epi8(c);
		if (end - p < 16)
			m &= (1u << (end - p)) - 1;
		if (m)
			return p + __builtin_ctz(m);
	}
	return end;
}
#define zsipi_scan_text zsipi_scan_text_sse2
#define zsipi_scan_eol zsipi_scan_eol_sse2
#define zsipi_scan_colon zsipi_scan_colon_sse2
#define zsipi_scan_line zsipi_scan_line_sse2
#else
#define zsipi_scan_text(p, end, lim) zsipi_scan_text_ref(p, end)
#define zsipi_scan_eol zsipi_scan_eol_swar
#define zsipi_scan_colon zsipi_scan_colon_swar
#define zsipi_scan_line zsipi_scan_line_swar
#endif

#endif
