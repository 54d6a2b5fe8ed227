/* WWW-Authenticate, Proxy-Authenticate, Authorization and
 * Proxy-Authorization values (RFC 3261 §20.7, §20.27, §20.28, §20.44,
 * §25.1; RFC 7616 §3.3, §3.4; RFC 7235 §2.1). */
#include <stddef.h>
#include <string.h>

#include "msg/lex.h"
#include "zsip/msg.h"

static inline struct zsip_str slice(const char *p, const char *e)
{
	struct zsip_str s = { p, (size_t)(e - p) };
	return s;
}

struct auth_field {
	const char *name;
	uint8_t len;
	uint16_t off; /* offsetof(struct zsip_auth, field) */
};

#define F(n) { #n, sizeof(#n) - 1, offsetof(struct zsip_auth, n) }
static const struct auth_field fields[] = {
	F(realm), F(nonce), F(opaque), F(algorithm), F(qop), F(stale), F(domain),
	F(username), F(uri), F(response), F(cnonce), F(nc),
};
#undef F

static struct zsip_str *field(struct zsip_auth *a, struct zsip_str name)
{
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (fields[i].len == name.len && zsipi_caseeq_lit(name.p, fields[i].name, name.len))
			return (struct zsip_str *)(void *)((char *)a + fields[i].off);
	return NULL;
}

/* auth-param *( COMMA auth-param ), auth-param = auth-param-name EQUAL
 * ( token / quoted-string ). Stops before a ", scheme ..." that starts a
 * second challenge in the same value (RFC 7235 §4.1 allows several).
 * Returns the end of the list or NULL when it is malformed. */
static const char *params(struct zsip_auth *a, const char *p, const char *end)
{
	for (;;) {
		const char *n = p;
		p = zsipi_span(p, end, ZSIPI_C_TOKEN);
		if (p == n)
			return NULL;
		const char *q = zsipi_skip_lws(p, end);
		if (q == end || *q != '=')
			return NULL;
		q = zsipi_skip_lws(q + 1, end);
		const char *v = q, *ve;
		if (q < end && *q == '"') {
			if (!(q = zsipi_quoted_end(q, end)))
				return NULL;
			v++;
			ve = q - 1;
		} else {
			q = zsipi_span(q, end, ZSIPI_C_TOKEN);
			if (q == v)
				return NULL;
			ve = q;
		}
		struct zsip_str *f = field(a, slice(n, p));
		if (f) {
			/* each parameter at most once (RFC 7616 §3.3, §3.4) */
			if (f->p)
				return NULL;
			*f = slice(v, ve);
		}
		const char *last = q;
		q = zsipi_skip_lws(q, end);
		if (q == end)
			return last;
		if (*q != ',')
			return NULL;
		p = zsipi_skip_lws(q + 1, end);
		/* a token not followed by '=' after the comma: the scheme of the
		 * next challenge */
		const char *t = zsipi_span(p, end, ZSIPI_C_TOKEN);
		const char *u = zsipi_skip_lws(t, end);
		if (t > p && (u == end || (u > t && *u != '=')))
			return last;
	}
}

int zsip_auth_parse(struct zsip_auth *a, struct zsip_str value)
{
	memset(a, 0, sizeof *a);
	if (!value.p)
		return ZSIP_EAUTH;
	const char *end = value.p + value.len;
	const char *p = zsipi_skip_lws(value.p, end), *s = p;
	end = zsipi_trim_lws(p, end);
	p = zsipi_span(p, end, ZSIPI_C_TOKEN);
	if (p == s)
		return ZSIP_EAUTH;
	a->scheme = slice(s, p);
	int digest = a->scheme.len == 6 && zsipi_caseeq_lit(s, "digest", 6);
	s = zsipi_skip_lws(p, end);
	if (p < end && s == p)
		return ZSIP_EAUTH; /* auth-scheme LWS ... */
	a->params = slice(s, end);
	if (s == end)
		return digest ? ZSIP_EAUTH : 0;
	const char *e = params(a, s, end);
	if (e) {
		a->params = slice(s, e);
		return 0;
	}
	if (digest)
		return ZSIP_EAUTH;
	/* Another scheme may carry a token68 or its own syntax (RFC 7235
	 * §2.1): keep it whole and leave the digest fields unset. */
	struct zsip_str scheme = a->scheme;
	memset(a, 0, sizeof *a);
	a->scheme = scheme;
	a->params = slice(s, end);
	return 0;
}
