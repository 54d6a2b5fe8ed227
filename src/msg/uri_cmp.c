/* URI comparison (RFC 3261 §19.1.4) and %-unescaping. Apart from uri.c
 * because comparing parameters uses zsip_param_next (hdrval.c), which
 * itself calls the URI parser. */
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

/* ----------------------------------------------------------- comparison */

/* The next unit of a URI component for comparison, advancing *pp: the
 * byte with its escape decoded, ASCII case folded when fold is set, and
 * bit 8 set for an escaped reserved character, which RFC 3261 §19.1.4
 * keeps distinct from the character itself. */
static unsigned next_unit(const char **pp, const char *end, int fold)
{
	const char *p = *pp;
	unsigned c = (unsigned char)*p;
	if (c == '%' && zsipi_escape_at(p, end)) {
		c = zsipi_hexval((unsigned char)p[1]) << 4 | zsipi_hexval((unsigned char)p[2]);
		*pp = p + 3;
		if ((zsipi_cc((unsigned char)c) & (ZSIPI_C_URIC | ZSIPI_C_UNRES)) == ZSIPI_C_URIC)
			return c | 0x100u;
	} else {
		*pp = p + 1;
	}
	return fold ? zsipi_lower((unsigned char)c) : c;
}

/* Equality of two components as §19.1.4 reads them; absent equals only
 * absent. */
static int comp_eq(struct zsip_str a, struct zsip_str b, int fold)
{
	if (!a.p || !b.p)
		return !a.p && !b.p;
	const char *p = a.p, *pe = a.p + a.len, *q = b.p, *qe = b.p + b.len;
	if (a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0))
		return 1;
	while (p < pe && q < qe)
		if (next_unit(&p, pe, fold) != next_unit(&q, qe, fold))
			return 0;
	return p == pe && q == qe;
}

/* transport, user, ttl, method and maddr must be in both URIs or in
 * neither (RFC 3261 §19.1.4). */
static int sticky_param(struct zsip_str name)
{
	static const char *const names[] = { "transport", "user", "ttl", "method", "maddr" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (comp_eq(name, zsip_str_c(names[i]), 1))
			return 1;
	return 0;
}

/* Every parameter of a that b also names must match one of b's with that
 * name; a sticky one that b lacks fails. Run both ways this is symmetric. */
static int params_cover(struct zsip_str a, struct zsip_str b)
{
	struct zsip_str ca = a, na, va;
	while (zsip_param_next(&ca, &na, &va) == 1) {
		struct zsip_str cb = b, nb, vb;
		int named = 0, matched = 0;
		while (!matched && zsip_param_next(&cb, &nb, &vb) == 1) {
			if (!comp_eq(na, nb, 1))
				continue;
			named = 1;
			matched = comp_eq(va, vb, 1);
		}
		if (named ? !matched : sticky_param(na))
			return 0;
	}
	return 1;
}

/* The next "hname=hvalue" of a '&'-separated header list. */
static int header_next(struct zsip_str *cur, struct zsip_str *name, struct zsip_str *value)
{
	if (!cur->p || cur->len == 0)
		return 0;
	const char *p = cur->p, *end = p + cur->len;
	const char *amp = memchr(p, '&', cur->len);
	const char *e = amp ? amp : end;
	const char *eq = memchr(p, '=', (size_t)(e - p));
	*name = slice(p, eq ? eq : e);
	*value = eq ? slice(eq + 1, e) : slice(e, e);
	cur->p = amp ? amp + 1 : end;
	cur->len = (size_t)(end - cur->p);
	return 1;
}

static size_t header_count(struct zsip_str h)
{
	struct zsip_str n, v;
	size_t k = 0;
	while (header_next(&h, &n, &v))
		k++;
	return k;
}

/* Header components are never ignored: each must be in the other URI
 * with an equal value (names case-insensitive, values as written once
 * unescaped). */
static int headers_cover(struct zsip_str a, struct zsip_str b)
{
	struct zsip_str ca = a, na, va;
	while (header_next(&ca, &na, &va)) {
		struct zsip_str cb = b, nb, vb;
		int found = 0;
		while (!found && header_next(&cb, &nb, &vb))
			found = comp_eq(na, nb, 1) && comp_eq(va, vb, 0);
		if (!found)
			return 0;
	}
	return 1;
}

static int host_eq(const struct zsip_uri *a, const struct zsip_uri *b)
{
	if (a->host_type != b->host_type)
		return 0;
	if (a->host_type == ZSIP_HOST_IPV6 && a->host.len >= 2 && b->host.len >= 2) {
		/* [2001:db8::1] and [2001:DB8:0:0::1] name the same address */
		uint8_t x[16], y[16];
		if (zsipi_ipv6_parse(a->host.p + 1, a->host.len - 2, x) == 0 &&
		    zsipi_ipv6_parse(b->host.p + 1, b->host.len - 2, y) == 0)
			return memcmp(x, y, 16) == 0;
	}
	return comp_eq(a->host, b->host, 1);
}

int zsip_uri_eq(const struct zsip_uri *a, const struct zsip_uri *b)
{
	if (!a || !b || (a->scheme_id != ZSIP_URI_SIP && a->scheme_id != ZSIP_URI_SIPS) ||
	    (b->scheme_id != ZSIP_URI_SIP && b->scheme_id != ZSIP_URI_SIPS))
		return ZSIP_EINVAL;
	/* RFC 3261 §19.1.4: a SIP and a SIPS URI are never equivalent;
	 * userinfo is case-sensitive, the rest is not; an omitted port is not
	 * the default port. */
	if (a->scheme_id != b->scheme_id || !comp_eq(a->user, b->user, 0) ||
	    !comp_eq(a->password, b->password, 0) || !host_eq(a, b) ||
	    !a->port_str.p != !b->port_str.p || a->port != b->port)
		return 0;
	if (!params_cover(a->params, b->params) || !params_cover(b->params, a->params))
		return 0;
	if (header_count(a->headers) != header_count(b->headers) ||
	    !headers_cover(a->headers, b->headers) || !headers_cover(b->headers, a->headers))
		return 0;
	return 1;
}

/* ------------------------------------------------------------- unescape */

int zsip_unescape(char *out, size_t cap, struct zsip_str in)
{
	if ((!in.p && in.len) || in.len > INT_MAX)
		return ZSIP_EINVAL;
	size_t n = 0;
	for (size_t i = 0; i < in.len; i++) {
		unsigned char c = (unsigned char)in.p[i];
		if (c == '%') {
			if (!zsipi_escape_at(in.p + i, in.p + in.len))
				return ZSIP_EINVAL;
			c = (unsigned char)(zsipi_hexval((unsigned char)in.p[i + 1]) << 4 |
					    zsipi_hexval((unsigned char)in.p[i + 2]));
			i += 2;
		}
		if (n >= cap)
			return ZSIP_ENOSPC;
		out[n++] = (char)c;
	}
	return (int)n;
}
