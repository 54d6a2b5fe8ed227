/* Fuzz target: the parser's fast byte scanners (src/msg/scan.h) against
 * their byte-by-byte references, the fast Via parser against the full one
 * (zsipi_via_next_ref, src/msg/hdrval.c) and the host parser against its
 * bound-tested form (zsipi_host_parse_ref, src/msg/uri.c).
 *
 * Oracle: on every input, from each of its first 64 offsets and from the
 * start of each of its lines, each fast form (SWAR, and SSE2 where built)
 * returns what the reference returns (the Reason-Phrase scan also with
 * its end cut short of the readable bytes);
 * the input is copied into a buffer of exactly its size so that ASan sees
 * any read past the end. */
#include <string.h>

#include "../tests/support/msgcmp.c"
#include "fuzz_check.h"
#include "msg/hv.h"
#include "msg/scan.h"

typedef const char *(*scan_fn)(const char *, const char *);

static void agree(const char *what, scan_fn ref, scan_fn fast, const char *p, const char *end)
{
	const char *want = ref(p, end), *got = fast(p, end);
	if (got != want)
		FUZZ_FAIL("%s over %td bytes: got %td, want %td", what, end - p, got - p, want - p);
}

typedef const char *(*line_fn)(const char *, const char *, const char **);

static void agree_line(const char *what, line_fn fast, const char *p, const char *end)
{
	const char *wc, *gc, *want = zsipi_scan_line_ref(p, end, &wc), *got = fast(p, end, &gc);
	if (got != want || gc != wc)
		FUZZ_FAIL("%s over %td bytes: got %td/%td, want %td/%td", what, end - p, got - p, gc - p,
			  want - p, wc - p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	FUZZ_ASSERT(buf);
	if (size)
		memcpy(buf, data, size);
	const char *end = buf + size;
	/* every start (the scanners' word steps fall differently from each),
	 * bounded so that long inputs stay quick */
	size_t starts = size < 64 ? size + 1 : 64;
	for (size_t i = 0; i < starts; i++) {
		const char *p = buf + i;
		agree("eol swar", zsipi_scan_eol_ref, zsipi_scan_eol_swar, p, end);
		agree("colon swar", zsipi_scan_colon_ref, zsipi_scan_colon_swar, p, end);
#ifdef __SSE2__
		agree("eol sse2", zsipi_scan_eol_ref, zsipi_scan_eol_sse2, p, end);
		agree("colon sse2", zsipi_scan_colon_ref, zsipi_scan_colon_sse2, p, end);
#endif
#ifdef __SSE2__
		/* the Reason-Phrase scan: read to the end, judged to a cut */
		for (const char *e = p; e <= end; e += (end - p) / 3 + 1)
			if (zsipi_scan_text_sse2(p, e, end) != zsipi_scan_text_ref(p, e))
				FUZZ_FAIL("text sse2 over %td of %td bytes", e - p, end - p);
#endif
		agree_line("line swar", zsipi_scan_line_swar, p, end);
#ifdef __SSE2__
		agree_line("line sse2", zsipi_scan_line_sse2, p, end);
#endif
	}
	/* the input as a Via value, and from just past its first space (where
	 * a message's "Via:" would leave it) */
	for (const char *q = buf;;) {
		struct zsip_via fast, ref;
		const char *fn = NULL, *rn = NULL;
		int frc = zsipi_via_next(&fast, q, end, &fn), rrc = zsipi_via_next_ref(&ref, q, end, &rn);
		if (frc != rrc || (rrc == 0 && (fn != rn || !msgcmp_via_same(&fast, &ref))))
			FUZZ_FAIL("via over %td bytes: rc %d, want %d", end - q, frc, rrc);
		if (q != buf || !(q = memchr(buf, ' ', size)))
			break;
		q++;
	}
	for (size_t i = 0; i < starts; i++) {
		const char *fa = NULL, *ra = NULL;
		int f = zsipi_host_parse(buf + i, end, &fa), r = zsipi_host_parse_ref(buf + i, end, &ra);
		if (f != r || (r >= 0 && fa != ra))
			FUZZ_FAIL("host over %td bytes: %d, want %d", end - buf - i, f, r);
	}
	/* and every line of it, as the header loop walks them */
	for (const char *q = buf; q < end;) {
		const char *e = zsipi_scan_eol_ref(q, end);
		agree("eol line", zsipi_scan_eol_ref, zsipi_scan_eol, q, end);
		agree("colon line", zsipi_scan_colon_ref, zsipi_scan_colon, q, end);
		agree_line("line line", zsipi_scan_line, q, end);
		q = e + 1;
	}
	free(buf);
	return 0;
}
