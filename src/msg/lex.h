/* Lexical helpers shared by the message-layer parsers: one 256-entry table
 * of character classes from the RFC 3261 §25.1 grammar, LWS skipping that
 * knows folds, and ASCII case folding. Everything here is static inline or
 * a constant table local to an inline function, so including this header
 * costs nothing where a helper goes unused. */
#ifndef ZSIP_MSG_LEX_H
#define ZSIP_MSG_LEX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Character classes (RFC 3261 §25.1 names in brackets). */
#define ZSIPI_C_TOKEN  0x0001u /* token: alphanum - . ! % * _ + ` ' ~ */
#define ZSIPI_C_WORD   0x0002u /* word: token ( ) < > : \ " / [ ] ? { } */
#define ZSIPI_C_UNRES  0x0004u /* unreserved: alphanum mark */
#define ZSIPI_C_USER   0x0008u /* user: unreserved user-unreserved (& = + $ , ; ? /) */
#define ZSIPI_C_PASS   0x0010u /* password: unreserved & = + $ , */
#define ZSIPI_C_PARAM  0x0020u /* paramchar: unreserved param-unreserved ([ ] / : & + $) */
#define ZSIPI_C_HNV    0x0040u /* hname/hvalue: unreserved hnv-unreserved ([ ] / ? : + $) */
#define ZSIPI_C_URIC   0x0080u /* uric: reserved unreserved (escapes checked apart) */
#define ZSIPI_C_HOST   0x0100u /* domainlabel: alphanum - (the '.' between labels apart) */
#define ZSIPI_C_HEX    0x0200u /* HEXDIG */
#define ZSIPI_C_LWS    0x0400u /* SP HT CR LF: what LWS and folds are made of */
#define ZSIPI_C_QDTEXT 0x0800u /* qdtext: SP HT %x21 %x23-5B %x5D-7E UTF8-NONASCII */
#define ZSIPI_C_SCHEME 0x1000u /* scheme after its first ALPHA: ALPHA DIGIT + - . */
#define ZSIPI_C_VSEP   0x2000u /* what zsip_value_next stops at: , " < */
#define ZSIPI_C_TEL    0x4000u /* tel number: HEXDIG * # - . ( ) + (RFC 3966 §3) */
#define ZSIPI_C_GENVAL 0x8000u /* unquoted gen-value: token / host, so token [ ] : */

#define ZSIPI_ALNUM_(c) (((c) >= '0' && (c) <= '9') || ((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z'))
#define ZSIPI_MARK_(c)                                                                          \
	((c) == '-' || (c) == '_' || (c) == '.' || (c) == '!' || (c) == '~' || (c) == '*' || \
	 (c) == '\'' || (c) == '(' || (c) == ')')
#define ZSIPI_UNRES_(c) (ZSIPI_ALNUM_(c) || ZSIPI_MARK_(c))
#define ZSIPI_TOKEN_(c)                                                                           \
	(ZSIPI_ALNUM_(c) || (c) == '-' || (c) == '.' || (c) == '!' || (c) == '%' || (c) == '*' || \
	 (c) == '_' || (c) == '+' || (c) == '`' || (c) == '\'' || (c) == '~')
#define ZSIPI_WORD_(c)                                                                             \
	(ZSIPI_TOKEN_(c) || (c) == '(' || (c) == ')' || (c) == '<' || (c) == '>' || (c) == ':' ||  \
	 (c) == '\\' || (c) == '"' || (c) == '/' || (c) == '[' || (c) == ']' || (c) == '?' ||     \
	 (c) == '{' || (c) == '}')
#define ZSIPI_PASS_(c) \
	(ZSIPI_UNRES_(c) || (c) == '&' || (c) == '=' || (c) == '+' || (c) == '$' || (c) == ',')
#define ZSIPI_USER_(c) (ZSIPI_PASS_(c) || (c) == ';' || (c) == '?' || (c) == '/')
#define ZSIPI_PARAM_(c)                                                                          \
	(ZSIPI_UNRES_(c) || (c) == '[' || (c) == ']' || (c) == '/' || (c) == ':' || (c) == '&' || \
	 (c) == '+' || (c) == '$')
#define ZSIPI_HNV_(c)                                                                            \
	(ZSIPI_UNRES_(c) || (c) == '[' || (c) == ']' || (c) == '/' || (c) == '?' || (c) == ':' || \
	 (c) == '+' || (c) == '$')
#define ZSIPI_URIC_(c)                                                                           \
	(ZSIPI_UNRES_(c) || (c) == ';' || (c) == '/' || (c) == '?' || (c) == ':' || (c) == '@' || \
	 (c) == '&' || (c) == '=' || (c) == '+' || (c) == '$' || (c) == ',')
#define ZSIPI_HOST_(c) (ZSIPI_ALNUM_(c) || (c) == '-')
#define ZSIPI_HEX_(c) (((c) >= '0' && (c) <= '9') || ((c) >= 'A' && (c) <= 'F') || ((c) >= 'a' && (c) <= 'f'))
#define ZSIPI_QDTEXT_(c) \
	((c) == ' ' || (c) == '\t' || (c) == 0x21 || ((c) >= 0x23 && (c) <= 0x5B) || ((c) >= 0x5D && (c) != 0x7F))
#define ZSIPI_TEL_(c) \
	(ZSIPI_HEX_(c) || (c) == '*' || (c) == '#' || (c) == '-' || (c) == '.' || (c) == '(' || (c) == ')' || (c) == '+')

#define ZSIPI_CC_(c)                                                                        \
	((ZSIPI_TOKEN_(c) ? ZSIPI_C_TOKEN : 0u) | (ZSIPI_WORD_(c) ? ZSIPI_C_WORD : 0u) |    \
	 (ZSIPI_UNRES_(c) ? ZSIPI_C_UNRES : 0u) | (ZSIPI_USER_(c) ? ZSIPI_C_USER : 0u) |    \
	 (ZSIPI_PASS_(c) ? ZSIPI_C_PASS : 0u) | (ZSIPI_PARAM_(c) ? ZSIPI_C_PARAM : 0u) |    \
	 (ZSIPI_HNV_(c) ? ZSIPI_C_HNV : 0u) | (ZSIPI_URIC_(c) ? ZSIPI_C_URIC : 0u) |        \
	 (ZSIPI_HOST_(c) ? ZSIPI_C_HOST : 0u) | (ZSIPI_HEX_(c) ? ZSIPI_C_HEX : 0u) |        \
	 (((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n') ? ZSIPI_C_LWS : 0u) |   \
	 (ZSIPI_QDTEXT_(c) ? ZSIPI_C_QDTEXT : 0u) |                                         \
	 ((ZSIPI_ALNUM_(c) || (c) == '+' || (c) == '-' || (c) == '.') ? ZSIPI_C_SCHEME : 0u) | \
	 (((c) == ',' || (c) == '"' || (c) == '<') ? ZSIPI_C_VSEP : 0u) |                   \
	 (ZSIPI_TEL_(c) ? ZSIPI_C_TEL : 0u) |                                               \
	 ((ZSIPI_TOKEN_(c) || (c) == '[' || (c) == ']' || (c) == ':') ? ZSIPI_C_GENVAL : 0u))
#define ZSIPI_R4_(b) ZSIPI_CC_(b), ZSIPI_CC_((b) + 1), ZSIPI_CC_((b) + 2), ZSIPI_CC_((b) + 3)
#define ZSIPI_R16_(b) ZSIPI_R4_(b), ZSIPI_R4_((b) + 4), ZSIPI_R4_((b) + 8), ZSIPI_R4_((b) + 12)

/* The class bits of byte c. */
static inline unsigned zsipi_cc(unsigned char c)
{
	static const uint16_t t[256] = {
		ZSIPI_R16_(0x00), ZSIPI_R16_(0x10), ZSIPI_R16_(0x20), ZSIPI_R16_(0x30),
		ZSIPI_R16_(0x40), ZSIPI_R16_(0x50), ZSIPI_R16_(0x60), ZSIPI_R16_(0x70),
		ZSIPI_R16_(0x80), ZSIPI_R16_(0x90), ZSIPI_R16_(0xA0), ZSIPI_R16_(0xB0),
		ZSIPI_R16_(0xC0), ZSIPI_R16_(0xD0), ZSIPI_R16_(0xE0), ZSIPI_R16_(0xF0),
	};
	return t[c];
}

#undef ZSIPI_R16_
#undef ZSIPI_R4_
#undef ZSIPI_CC_
#undef ZSIPI_TEL_
#undef ZSIPI_QDTEXT_
#undef ZSIPI_HEX_
#undef ZSIPI_HOST_
#undef ZSIPI_URIC_
#undef ZSIPI_HNV_
#undef ZSIPI_PARAM_
#undef ZSIPI_USER_
#undef ZSIPI_PASS_
#undef ZSIPI_WORD_
#undef ZSIPI_TOKEN_
#undef ZSIPI_UNRES_
#undef ZSIPI_MARK_
#undef ZSIPI_ALNUM_

static inline int zsipi_is(unsigned char c, unsigned cls)
{
	return (zsipi_cc(c) & cls) != 0;
}

static inline int zsipi_is_token(unsigned char c)
{
	return (zsipi_cc(c) & ZSIPI_C_TOKEN) != 0;
}

static inline int zsipi_is_word(unsigned char c)
{
	return (zsipi_cc(c) & ZSIPI_C_WORD) != 0;
}

static inline int zsipi_is_digit(int c)
{
	return (unsigned)(c - '0') < 10u;
}

static inline int zsipi_is_alpha(int c)
{
	return (unsigned)((c | 0x20) - 'a') < 26u;
}

static inline int zsipi_is_hex(unsigned char c)
{
	return (zsipi_cc(c) & ZSIPI_C_HEX) != 0;
}

/* The value of a HEXDIG (only call on one). */
static inline unsigned zsipi_hexval(unsigned char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* escaped = "%" HEXDIG HEXDIG, at p. */
static inline int zsipi_escape_at(const char *p, const char *end)
{
	return end - p >= 3 && zsipi_is_hex((unsigned char)p[1]) && zsipi_is_hex((unsigned char)p[2]);
}

/* 1*DIGIT at p read as a number no larger than max (leading zeros are
 * fine): returns the end of the digits with the value in *out, or NULL
 * when there is no digit or the value passes max. */
static inline const char *zsipi_digits(const char *p, const char *end, uint64_t max, uint64_t *out)
{
	const char *s = p;
	uint64_t v = 0;
	unsigned d;
	while (p < end && (d = (unsigned)((unsigned char)*p - '0')) <= 9) {
		v = v * 10 + d;
		if (v > max)
			return NULL;
		p++;
	}
	if (p == s)
		return NULL;
	*out = v;
	return p;
}

/* WSP: SP or HT. */
static inline int zsipi_is_ws(int c)
{
	return c == ' ' || c == '\t';
}

static inline unsigned char zsipi_lower(unsigned char c)
{
	return (unsigned char)((unsigned)(c - 'A') < 26u ? c + 32 : c);
}

/* 1 when a[0..n) and b[0..n) are equal ignoring ASCII case. */
static inline int zsipi_caseeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (zsipi_lower((unsigned char)a[i]) != zsipi_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* 1 when a[0..n) equals l[0..n) ignoring ASCII case, where the literal l
 * holds lower-case LETTERS only: OR-ing 0x20 folds exactly the letters onto
 * them, but it would fold control bytes onto ':', '/', '.' or digits
 * (0x1a | 0x20 is ':'), so compare any other byte on its own. Up to eight
 * bytes compare as one word; with n a constant this is a load or two. */
static inline int zsipi_caseeq_lit(const char *a, const char *l, size_t n)
{
	if (n > 0 && n <= 8) {
		const uint64_t m = 0x2020202020202020u;
		uint64_t x = 0, y = 0;
		memcpy(&x, a, n);
		memcpy(&y, l, n);
		return (x | m) == (y | m);
	}
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)a[i] | 0x20u) != (unsigned char)l[i])
			return 0;
	return 1;
}

/* Skips LWS forward from p: SP, HT, and folds (CRLF or a bare LF followed
 * by SP/HT, RFC 3261 §7.3.1, §25.1). A CR or LF that does not start a fold
 * is left in place, for the caller to reject. */
static inline const char *zsipi_skip_lws(const char *p, const char *end)
{
	/* SP, HT, CR and LF all sort at or below SP: one test for the usual
	 * case of nothing to skip */
	while (p < end && (unsigned char)*p <= ' ') {
		char c = *p;
		if (c == ' ' || c == '\t')
			p++;
		else if (c == '\r' && end - p >= 3 && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t'))
			p += 3;
		else if (c == '\n' && end - p >= 2 && (p[1] == ' ' || p[1] == '\t'))
			p += 2;
		else
			break;
	}
	return p;
}

/* Moves end back over trailing SP, HT, CR and LF, not before start. */
static inline const char *zsipi_trim_lws(const char *start, const char *end)
{
	while (end > start && (zsipi_cc((unsigned char)end[-1]) & ZSIPI_C_LWS))
		end--;
	return end;
}

/* Skips a run of bytes of class cls (four at a time while it can). */
static inline const char *zsipi_span(const char *p, const char *end, unsigned cls)
{
	if (end - p >= 4) {
		/* while p < lim, p[0..3] are in the slice */
		const char *lim = end - 3;
		do {
			if (!(zsipi_cc((unsigned char)p[0]) & cls))
				return p;
			if (!(zsipi_cc((unsigned char)p[1]) & cls))
				return p + 1;
			if (!(zsipi_cc((unsigned char)p[2]) & cls))
				return p + 2;
			if (!(zsipi_cc((unsigned char)p[3]) & cls))
				return p + 3;
			p += 4;
		} while (p < lim);
	}
	while (p < end && (zsipi_cc((unsigned char)*p) & cls))
		p++;
	return p;
}

/* Skips a run of bytes not of class cls. */
static inline const char *zsipi_until(const char *p, const char *end, unsigned cls)
{
	if (end - p >= 4) {
		const char *lim = end - 3;
		do {
			if (zsipi_cc((unsigned char)p[0]) & cls)
				return p;
			if (zsipi_cc((unsigned char)p[1]) & cls)
				return p + 1;
			if (zsipi_cc((unsigned char)p[2]) & cls)
				return p + 2;
			if (zsipi_cc((unsigned char)p[3]) & cls)
				return p + 3;
			p += 4;
		} while (p < lim);
	}
	while (p < end && !(zsipi_cc((unsigned char)*p) & cls))
		p++;
	return p;
}

/* p points at the opening DQUOTE of a quoted-string (RFC 3261 §25.1):
 * returns the position just past the closing DQUOTE, or NULL when the
 * string is not closed before end or holds a byte that is neither qdtext,
 * a fold, nor a valid quoted-pair. */
static inline const char *zsipi_quoted_end(const char *p, const char *end)
{
	for (p++;;) {
		p = zsipi_span(p, end, ZSIPI_C_QDTEXT);
		if (p == end)
			return NULL;
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c == '\\') {
			/* quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F) */
			if (end - p < 2)
				return NULL;
			unsigned char e = (unsigned char)p[1];
			if (e == '\r' || e == '\n' || e > 0x7F)
				return NULL;
			p += 2;
		} else {
			const char *q = zsipi_skip_lws(p, end);
			if (q == p)
				return NULL;
			p = q;
		}
	}
}

/* The same end as zsipi_quoted_end, found with memchr and without
 * checking the bytes inside: for splitting and skipping, where the
 * content is someone else's to judge. A DQUOTE closes the string unless
 * an odd run of backslashes precedes it (each backslash starts a
 * quoted-pair). */
static inline const char *zsipi_quoted_skip(const char *p, const char *end)
{
	const char *s = ++p;
	for (;;) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return NULL;
		const char *b = q;
		while (b > s && b[-1] == '\\')
			b--;
		if (((q - b) & 1) == 0)
			return q + 1;
		p = q + 1;
	}
}

#endif
