/* URIs: SIP and SIPS (RFC 3261 §19.1, §25.1, IPv6 references per RFC 5118
 * and RFC 5954), tel (RFC 3966) and other absoluteURI schemes. One forward
 * pass over the text; every slice points into it. Comparison and
 * %-unescaping are in uri_cmp.c, which may use the parameter scanner of
 * hdrval.c: this file must not (hdrval.c calls zsip_uri_parse). */
#include <limits.h>
#include <string.h>

#include "msg/hv.h"
#include "msg/lex.h"
#include "zsip/msg.h"

static inline struct zsip_str slice(const char *p, const char *e)
{
	struct zsip_str s = { p, (size_t)(e - p) };
	return s;
}

/* Skips bytes of class cls and valid escapes. */
static const char *span_esc(const char *p, const char *end, unsigned cls)
{
	for (;;) {
		p = zsipi_span(p, end, cls);
		if (p < end && *p == '%' && zsipi_escape_at(p, end))
			p += 3;
		else
			return p;
	}
}

static const struct zsip_str absent = { NULL, 0 };

/* ------------------------------------------------------------ addresses */

/* dec-octet at p: 1-3 DIGIT, at most 255. Returns its end and the value
 * in *v, or NULL. */
static inline const char *octet(const char *p, const char *end, unsigned *v)
{
	unsigned x, d;
	if (end - p >= 3) {
		/* the usual case: three bytes to look at, no bound to check */
		unsigned d1 = (unsigned)((unsigned char)p[1] - '0'), d2 = (unsigned)((unsigned char)p[2] - '0');
		if ((x = (unsigned)((unsigned char)p[0] - '0')) > 9)
			return NULL;
		if (d1 > 9) {
			*v = x;
			return p + 1;
		}
		if (d2 > 9) {
			*v = x * 10 + d1;
			return p + 2;
		}
		x = x * 100 + d1 * 10 + d2;
		if (x > 255)
			return NULL;
		*v = x;
		return p + 3;
	}
	if (p == end || (x = (unsigned)((unsigned char)*p - '0')) > 9)
		return NULL;
	if (++p < end && (d = (unsigned)((unsigned char)*p - '0')) <= 9) {
		x = x * 10 + d;
		if (++p < end && (d = (unsigned)((unsigned char)*p - '0')) <= 9) {
			x = x * 10 + d;
			p++;
			if (x > 255)
				return NULL;
		}
	}
	*v = x;
	return p;
}

/* The IPv4address that starts at p, or NULL: returns its end, and the
 * address in out when out is not NULL. Straight-line: four octets with a
 * '.' between. */
static inline const char *ipv4_prefix(const char *p, const char *end, uint8_t *out)
{
	unsigned a, b, c, d;
	if (!(p = octet(p, end, &a)) || p == end || *p != '.' || !(p = octet(p + 1, end, &b)) ||
	    p == end || *p != '.' || !(p = octet(p + 1, end, &c)) || p == end || *p != '.' ||
	    !(p = octet(p + 1, end, &d)))
		return NULL;
	if (out) {
		out[0] = (uint8_t)a;
		out[1] = (uint8_t)b;
		out[2] = (uint8_t)c;
		out[3] = (uint8_t)d;
	}
	return p;
}

/* ipv4_prefix where sixteen bytes from p are readable: an IPv4address is
 * at most fifteen, so neither it nor the byte after it needs a bound test.
 * The same octets, in the same order, as octet() reads them. */
static inline const char *ipv4_prefix16(const char *p)
{
	for (int i = 0;; i++) {
		unsigned v = (unsigned)((unsigned char)p[0] - '0'), d;
		if (v > 9)
			return NULL;
		if ((d = (unsigned)((unsigned char)p[1] - '0')) > 9) {
			p += 1;
		} else if (v = v * 10 + d, (d = (unsigned)((unsigned char)p[2] - '0')) > 9) {
			p += 2;
		} else {
			if (v * 10 + d > 255)
				return NULL;
			p += 3;
		}
		if (i == 3)
			return p;
		if (*p != '.')
			return NULL;
		p++;
	}
}

int zsipi_ipv4_parse(const char *p, size_t n, uint8_t out[4])
{
	return ipv4_prefix(p, p + n, out) == p + n ? 0 : -1;
}

int zsipi_ipv6_parse(const char *p, size_t n, uint8_t out[16])
{
	const char *end = p + n;
	unsigned g[8];
	int ng = 0, gap = -1; /* gap: index of the group the "::" stands before */

	if (n < 2)
		return -1;
	if (p[0] == ':') {
		if (p[1] != ':')
			return -1;
		gap = 0;
		p += 2;
	}
	while (p < end) {
		const char *h = p;
		unsigned v = 0;
		while (p < end && p - h < 5 && zsipi_is_hex((unsigned char)*p))
			v = v * 16 + zsipi_hexval((unsigned char)*p++);
		if (p < end && *p == '.') {
			/* a trailing IPv4address stands for the last two groups */
			uint8_t v4[4];
			if (ng > 6 || zsipi_ipv4_parse(h, (size_t)(end - h), v4) < 0)
				return -1;
			g[ng++] = (unsigned)v4[0] << 8 | v4[1];
			g[ng++] = (unsigned)v4[2] << 8 | v4[3];
			p = end;
			break;
		}
		if (p == h || p - h > 4 || ng == 8)
			return -1;
		g[ng++] = v;
		if (p == end)
			break;
		if (*p != ':')
			return -1;
		p++;
		if (p < end && *p == ':') {
			if (gap >= 0) /* "::" at most once (RFC 4291 §2.2) */
				return -1;
			gap = ng;
			p++;
		} else if (p == end) {
			return -1; /* a single trailing ':' */
		}
	}
	/* "::" stands for one or more zero groups */
	if (gap < 0 ? ng != 8 : ng > 7)
		return -1;
	memset(out, 0, 16);
	int head = gap < 0 ? ng : gap, tail = ng - head;
	for (int i = 0; i < head; i++) {
		out[2 * i] = (uint8_t)(g[i] >> 8);
		out[2 * i + 1] = (uint8_t)g[i];
	}
	for (int i = 0; i < tail; i++) {
		int at = 8 - tail + i;
		out[2 * at] = (uint8_t)(g[head + i] >> 8);
		out[2 * at + 1] = (uint8_t)g[head + i];
	}
	return 0;
}

/* IPv6reference = "[" IPv6address "]" at p: apart from zsipi_host_parse
 * so that the common cases need no stack of their own. */
static int ipv6_ref(const char *p, const char *end, const char **after)
{
	uint8_t a[16];
	const char *q = p + 1;
	while (q < end && (zsipi_is_hex((unsigned char)*q) || *q == ':' || *q == '.'))
		q++;
	if (q == end || *q != ']' || zsipi_ipv6_parse(p + 1, (size_t)(q - p - 1), a) < 0)
		return -1;
	*after = q + 1;
	return ZSIP_HOST_IPV6;
}

/* host = hostname / IPv4address / IPv6reference (RFC 3261 §25.1).
 * hostname = *( domainlabel "." ) toplabel [ "." ], a domainlabel being
 * alphanum with inner '-', a toplabel starting with ALPHA. So a name whose
 * last label starts with a digit can only be an IPv4address. One pass
 * checks the labels; IPv4 is checked apart, without bound tests when
 * fast is set and sixteen bytes remain (zsipi_host_parse_ref clears it). */
static inline int host_parse(const char *p, const char *end, const char **after, int fast)
{
	if (p < end && *p == '[')
		return ipv6_ref(p, end, after);
	if (p < end && zsipi_is_digit(*p)) {
		/* most likely an address; a name can start with a digit too */
		const char *e = fast && end - p >= 16 ? ipv4_prefix16(p) : ipv4_prefix(p, end, NULL);
		if (e && (e == end || (*e != '.' && !zsipi_is((unsigned char)*e, ZSIPI_C_HOST)))) {
			*after = e;
			return ZSIP_HOST_IPV4;
		}
	}
	const char *lab, *top = NULL;
	for (;;) {
		lab = p;
		p = zsipi_span(p, end, ZSIPI_C_HOST);
		if (p == lab) {
			/* an empty label is only the optional final dot of a name */
			if (!top || (p < end && *p == '.'))
				return -1;
			break;
		}
		if (*lab == '-' || p[-1] == '-')
			return -1;
		top = lab;
		if (p == end || *p != '.')
			break;
		p++;
	}
	*after = p;
	return zsipi_is_alpha(*top) ? ZSIP_HOST_NAME : -1;
}

int zsipi_host_parse(const char *p, const char *end, const char **after)
{
	return host_parse(p, end, after, 1);
}

int zsipi_host_parse_ref(const char *p, const char *end, const char **after)
{
	return host_parse(p, end, after, 0);
}

/* ---------------------------------------------------------------- parse */

/* uri-parameters = *( ";" uri-parameter ), each pname [ "=" pvalue ] with
 * pname and pvalue 1*paramchar (RFC 3261 §25.1; RFC 3966 §3 is a subset).
 * p is just past the first ';'. Returns the end of the list. */
static const char *uri_params(const char *p, const char *end)
{
	for (;;) {
		const char *n = p;
		p = span_esc(p, end, ZSIPI_C_PARAM);
		if (p == n)
			return NULL;
		if (p < end && *p == '=') {
			const char *v = ++p;
			p = span_esc(p, end, ZSIPI_C_PARAM);
			if (p == v)
				return NULL;
		}
		if (p == end || *p != ';')
			return p;
		p++;
	}
}

/* headers = "?" header *( "&" header ); header = hname "=" hvalue, hname
 * 1*( hnv-unreserved / unreserved / escaped ), hvalue the same but may be
 * empty. p is just past the '?'. */
static const char *uri_headers(const char *p, const char *end)
{
	for (;;) {
		const char *n = p;
		p = span_esc(p, end, ZSIPI_C_HNV);
		if (p == n || p == end || *p != '=')
			return NULL;
		p = span_esc(p + 1, end, ZSIPI_C_HNV);
		if (p == end || *p != '&')
			return p;
		p++;
	}
}

/* A byte that ends the host or port where none may: a URI character
 * means a bad host or port, anything else (a space, '>', a bad escape)
 * a bad URI. */
static int stray(const char *p)
{
	return zsipi_is((unsigned char)*p, ZSIPI_C_URIC) ? ZSIP_EURI_HOST : ZSIP_EURI;
}

/* The part after "sip:" / "sips:" (RFC 3261 §19.1.1, §25.1):
 * [ userinfo "@" ] hostport uri-parameters [ headers ]. */
static int sip_part(struct zsip_uri *u, const char *p, const char *end)
{
	/* userinfo = user [ ":" password ] "@". user may hold ';', '?' and '/'
	 * (RFC 4475 §3.1.1.9), so the '@' decides: scan what userinfo allows
	 * and see whether an '@' stops the scan ('@' is valid nowhere else). */
	const char *q = p, *colon = NULL;
	for (unsigned cls = ZSIPI_C_USER; q < end;) {
		q = zsipi_span(q, end, cls);
		if (q < end && *q == '%' && zsipi_escape_at(q, end)) {
			q += 3;
		} else if (q < end && *q == ':' && !colon) {
			colon = q++;
			cls = ZSIPI_C_PASS;
		} else {
			break;
		}
	}
	if (q < end && *q == '@') {
		const char *ue = colon ? colon : q;
		if (ue == p)
			return ZSIP_EURI; /* user = 1*( ... ) */
		u->user = slice(p, ue);
		if (colon)
			u->password = slice(colon + 1, q);
		p = q + 1;
	}

	const char *h = p;
	int t = zsipi_host_parse(p, end, &p);
	if (t < 0)
		return ZSIP_EURI_HOST;
	u->host = slice(h, p);
	u->host_type = (uint8_t)t;

	if (p < end && *p == ':') {
		const char *ps = ++p;
		uint64_t v;
		if (!(p = zsipi_digits(p, end, 65535, &v)))
			return ZSIP_EURI_HOST;
		u->port_str = slice(ps, p);
		u->port = (uint16_t)v;
	}
	if (p < end && *p == ';') {
		const char *ps = ++p;
		if (!(p = uri_params(p, end)))
			return ZSIP_EURI;
		u->params = slice(ps, p);
	}
	if (p < end && *p == '?') {
		const char *hs = ++p;
		if (!(p = uri_headers(p, end)))
			return ZSIP_EURI;
		u->headers = slice(hs, p);
	}
	if (p != end)
		return u->params.p || u->headers.p ? ZSIP_EURI : stray(p);
	return 0;
}

/* telephone-subscriber *par (RFC 3966 §3): a global number is "+" then
 * digits and visual separators with at least one digit; a local number is
 * HEXDIG, '*', '#' and visual separators with at least one of the first
 * three. The parameters follow the SIP URI parameter syntax. */
static int tel_part(struct zsip_uri *u, const char *p, const char *end)
{
	const char *n = p;
	int global = p < end && *p == '+', any = 0;
	for (p += global; p < end && zsipi_is((unsigned char)*p, ZSIPI_C_TEL); p++) {
		char c = *p;
		if (c == '+')
			return ZSIP_EURI;
		if (zsipi_is_digit(c) || (!global && (zsipi_is_hex((unsigned char)c) || c == '*' || c == '#')))
			any = 1;
		else if (c != '-' && c != '.' && c != '(' && c != ')')
			return ZSIP_EURI;
	}
	if (!any)
		return ZSIP_EURI;
	u->user = slice(n, p);
	if (p < end && *p == ';') {
		const char *ps = ++p;
		if (!(p = uri_params(p, end)))
			return ZSIP_EURI;
		u->params = slice(ps, p);
	}
	return p == end ? 0 : ZSIP_EURI;
}

/* absoluteURI = scheme ":" ( hier-part / opaque-part ): one or more uric
 * (RFC 3261 §25.1); the structure of other schemes is not ours to read. */
static int other_part(const char *p, const char *end)
{
	if (p == end)
		return ZSIP_EURI;
	return span_esc(p, end, ZSIPI_C_URIC) == end ? 0 : ZSIP_EURI;
}

int zsip_uri_parse(struct zsip_uri *u, struct zsip_str text)
{
	/* field by field: a memset of the whole struct costs more here */
	u->raw = text;
	u->scheme = u->user = u->password = u->host = absent;
	u->port_str = u->params = u->headers = absent;
	u->port = 0;
	u->scheme_id = 0;
	u->host_type = 0;
	if (!text.p || text.len == 0)
		return ZSIP_EURI;
	const char *p = text.p, *end = p + text.len;

	/* "sip:" in any case: nearly every URI */
	if (text.len > 4 && zsipi_caseeq_lit(p, "sip", 3) && p[3] == ':') {
		u->scheme = slice(p, p + 3);
		u->scheme_id = ZSIP_URI_SIP;
		return sip_part(u, p + 4, end);
	}
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	if (!zsipi_is_alpha(*p))
		return ZSIP_EURI;
	const char *s = zsipi_span(p + 1, end, ZSIPI_C_SCHEME);
	if (s == end || *s != ':')
		return ZSIP_EURI;
	u->scheme = slice(p, s);
	size_t n = (size_t)(s - p);
	p = s + 1;
	if (n == 3 && zsipi_caseeq_lit(text.p, "sip", 3)) {
		u->scheme_id = ZSIP_URI_SIP;
		return sip_part(u, p, end);
	}
	if (n == 4 && zsipi_caseeq_lit(text.p, "sips", 4)) {
		u->scheme_id = ZSIP_URI_SIPS;
		return sip_part(u, p, end);
	}
	if (n == 3 && zsipi_caseeq_lit(text.p, "tel", 3)) {
		u->scheme_id = ZSIP_URI_TEL;
		return tel_part(u, p, end);
	}
	return other_part(p, end);
}
