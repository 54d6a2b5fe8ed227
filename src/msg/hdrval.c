/* Typed header values (RFC 3261 §7.3, §20, §25.1): parameter lists, list
 * splitting, name-addr / addr-spec, Contact, Via, CSeq, numbers and media
 * types. Each parser is one forward pass over the value's slice; LWS,
 * folds included, is skipped wherever the grammar allows it. */
#include <string.h>

#include "msg/hv.h"
#include "msg/lex.h"
#include "zsip/msg.h"

static inline struct zsip_str slice(const char *p, const char *e)
{
	struct zsip_str s = { p, (size_t)(e - p) };
	return s;
}

static const struct zsip_str absent = { NULL, 0 };

/* ------------------------------------------------------------ parameters */

/* gen-value = token / host / quoted-string, or a uri-parameter's pvalue
 * (paramchar), starting at p (RFC 3261 §25.1). Returns its end, or NULL
 * when it is empty or an unclosed quote; *token is 1 for a plain token. */
static inline const char *param_value(const char *p, const char *end, int *token)
{
	*token = 0;
	if (p < end && *p == '"')
		return zsipi_quoted_skip(p, end);
	const char *v = p;
	p = zsipi_span(p, end, ZSIPI_C_TOKEN);
	*token = 1;
	if (p < end && zsipi_is((unsigned char)*p, ZSIPI_C_PARAM)) {
		p = zsipi_span(p, end, ZSIPI_C_TOKEN | ZSIPI_C_PARAM);
		*token = 0;
	}
	return p == v ? NULL : p;
}

/* The cursor rests on the next parameter's name, or on the last ';' when
 * nothing follows it, so that the next call reports the empty parameter.
 * *token (may be NULL) says whether the value is a plain token. */
static int param_next(struct zsip_str *cur, struct zsip_str *name, struct zsip_str *value, int *token)
{
	if (!cur->p)
		return 0;
	const char *end = cur->p + cur->len;
	const char *p = zsipi_skip_lws(cur->p, end);
	if (p == end) {
		cur->p = end;
		cur->len = 0;
		return 0;
	}
	/* generic-param = token [ EQUAL gen-value ]; uri-parameter names and
	 * values are paramchar (RFC 3261 §25.1): take either. */
	const char *n = p;
	p = zsipi_span(p, end, ZSIPI_C_TOKEN | ZSIPI_C_PARAM);
	if (p == n)
		return ZSIP_EPARAM;
	struct zsip_str nm = slice(n, p), val = absent;
	int tok = 0;
	p = zsipi_skip_lws(p, end);
	if (p < end && *p == '=') {
		const char *v = zsipi_skip_lws(p + 1, end);
		if (!(p = param_value(v, end, &tok)))
			return ZSIP_EPARAM;
		val = slice(v, p);
		p = zsipi_skip_lws(p, end);
	}
	if (p < end) {
		if (*p != ';')
			return ZSIP_EPARAM;
		const char *semi = p;
		p = zsipi_skip_lws(p + 1, end);
		if (p == end)
			p = semi;
	}
	cur->p = p;
	cur->len = (size_t)(end - p);
	*name = nm;
	*value = val;
	if (token)
		*token = tok;
	return 1;
}

int zsip_param_next(struct zsip_str *cur, struct zsip_str *name, struct zsip_str *value)
{
	return param_next(cur, name, value, NULL);
}

int zsip_param_find(struct zsip_str params, const char *name, struct zsip_str *value)
{
	size_t len = strlen(name);
	struct zsip_str n, v;
	while (zsip_param_next(&params, &n, &v) == 1) {
		if (n.len == len && zsipi_caseeq(n.p, name, len)) {
			if (!v.p)
				v = slice(n.p + n.len, n.p + n.len);
			*value = v;
			return 1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------- value lists */

/* The first ',', '"' or '<' at or after p. Eight bytes at a time while
 * none is among them (the usual has-zero-byte test on each byte XOR the
 * wanted one; a hit only sends us to the byte loop, so byte order does not
 * matter), then byte by byte. */
static const char *find_vsep(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	while (end - p >= 8) {
		uint64_t x, a, b, c;
		memcpy(&x, p, 8);
		a = x ^ (ones * ',');
		b = x ^ (ones * '"');
		c = x ^ (ones * '<');
		if (((a - ones) & ~a & highs) | ((b - ones) & ~b & highs) | ((c - ones) & ~c & highs))
			break;
		p += 8;
	}
	return zsipi_until(p, end, ZSIPI_C_VSEP);
}

/* The cursor rests on the next value, or on the last ',' when nothing
 * follows it, so that the next call reports the empty element. */
int zsip_value_next(struct zsip_str *cur, struct zsip_str *value)
{
	if (!cur->p)
		return 0;
	const char *end = cur->p + cur->len;
	const char *p = zsipi_skip_lws(cur->p, end);
	if (p == end) {
		cur->p = end;
		cur->len = 0;
		return 0;
	}
	if (*p == ',')
		return ZSIP_EVALUE;
	const char *s = p;
	for (;;) {
		p = find_vsep(p, end);
		if (p == end || *p == ',')
			break;
		if (*p == '"') {
			if (!(p = zsipi_quoted_skip(p, end)))
				return ZSIP_EVALUE;
		} else { /* '<': the URI runs to '>' and holds no quotes */
			const char *gt = memchr(p, '>', (size_t)(end - p));
			if (!gt)
				return ZSIP_EVALUE;
			p = gt + 1;
		}
	}
	*value = slice(s, zsipi_trim_lws(s, p));
	if (p < end) {
		const char *comma = p;
		p = zsipi_skip_lws(p + 1, end);
		if (p == end)
			p = comma;
	}
	cur->p = p;
	cur->len = (size_t)(end - p);
	return 1;
}

/* ------------------------------------------------------------ name-addr */

/* Header parameters of a name-addr (generic-param, RFC 3261 §25.1), with
 * the tag picked out: tag-param = "tag" EQUAL token (§19.3); for a
 * Contact (c != NULL) also q and expires (§20.10), in the same pass. p is
 * just past the first ';'. The grammar is param_next's, read here in
 * place: each parameter is checked up to the ';' or end after it before
 * it is looked at, and an empty one (";;", a final ';') is malformed. */
static int nameaddr_params(struct zsip_nameaddr *na, struct zsip_contact *c, const char *p, const char *end)
{
	na->params = slice(p, end);
	for (;;) {
		p = zsipi_skip_lws(p, end);
		const char *n = p;
		p = zsipi_span(p, end, ZSIPI_C_TOKEN | ZSIPI_C_PARAM);
		if (p == n)
			return ZSIP_ENAMEADDR;
		size_t nl = (size_t)(p - n);
		struct zsip_str v = absent;
		int token = 0;
		if (p < end && (unsigned char)*p <= ' ')
			p = zsipi_skip_lws(p, end);
		if (p < end && *p == '=') {
			const char *vs = zsipi_skip_lws(p + 1, end);
			if (!(p = param_value(vs, end, &token)))
				return ZSIP_ENAMEADDR;
			v = slice(vs, p);
			p = zsipi_skip_lws(p, end);
		}
		if (p < end && *p != ';')
			return ZSIP_ENAMEADDR;
		if (nl == 3 && zsipi_caseeq_lit(n, "tag", 3)) {
			if (!token || na->tag.p)
				return ZSIP_ENAMEADDR;
			na->tag = v;
		} else if (c && nl == 1 && (*n | 0x20) == 'q') {
			if (!c->q.p)
				c->q = v.p ? v : slice(n + 1, n + 1);
		} else if (c && nl == 7 && zsipi_caseeq_lit(n, "expires", 7)) {
			if (!c->expires.p)
				c->expires = v.p ? v : slice(n + 7, n + 7);
		}
		if (p == end)
			return 0;
		p++;
	}
}

/* name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
 * display-name = *(token LWS) / quoted-string (RFC 3261 §25.1, §20.10). */
static int parse_nameaddr(struct zsip_nameaddr *na, struct zsip_contact *c, struct zsip_str value)
{
	na->display = na->params = na->tag = absent;
	if (!value.p)
		return ZSIP_ENAMEADDR;
	const char *end = value.p + value.len;
	const char *p = zsipi_skip_lws(value.p, end);
	end = zsipi_trim_lws(p, end);
	if (p == end)
		return ZSIP_ENAMEADDR;

	if (*p == '"') {
		const char *q = zsipi_quoted_end(p, end);
		if (!q)
			return ZSIP_ENAMEADDR; /* RFC 4475 §3.1.2.6 */
		na->display = slice(p + 1, q - 1);
		p = zsipi_skip_lws(q, end);
		if (p == end || *p != '<')
			return ZSIP_ENAMEADDR;
	} else if (*p != '<') {
		const char *t = zsipi_span(p, end, ZSIPI_C_TOKEN);
		if (t == p)
			return ZSIP_ENAMEADDR;
		if (t < end && *t == ':') {
			/* addr-spec: a scheme is a token run straight up to ':'. Without
			 * '<' '>' the URI can hold no ',', '?' or ';' (§20: those force
			 * name-addr), so the first ';' starts the header parameters
			 * (§20.10, RFC 4475 §3.3.12) and a '?' or ',' is malformed
			 * (RFC 4475 §3.1.2.13). */
			const char *us = p;
			while (p < end && !zsipi_is((unsigned char)*p, ZSIPI_C_LWS) && *p != ';' && *p != ',' &&
			       *p != '?')
				p++;
			if (p < end && (*p == '?' || *p == ','))
				return ZSIP_ENAMEADDR;
			int rc = zsip_uri_parse(&na->uri, slice(us, p));
			if (rc < 0)
				return rc;
			p = zsipi_skip_lws(p, end);
			goto params;
		}
		/* tokens separated by LWS up to '<', which may follow directly
		 * (RFC 4475 §3.1.1.6); anything else, such as the ',' of
		 * "Bell, Alexander", is not a display name (§3.1.2.15). */
		const char *q;
		for (;;) {
			q = zsipi_skip_lws(t, end);
			if (q < end && *q == '<')
				break;
			if (q == t)
				return ZSIP_ENAMEADDR;
			const char *t2 = zsipi_span(q, end, ZSIPI_C_TOKEN);
			if (t2 == q)
				return ZSIP_ENAMEADDR;
			t = t2;
		}
		na->display = slice(p, t);
		p = q;
	}

	/* p is at '<'. The addr-spec fills it exactly: LAQUOT and RAQUOT take
	 * SWS only outside (RFC 4475 §3.1.2.14 prefers rejecting "< sip:... >"). */
	const char *us = p + 1;
	const char *gt = memchr(us, '>', (size_t)(end - us));
	if (!gt || gt == us || zsipi_is((unsigned char)*us, ZSIPI_C_LWS) ||
	    zsipi_is((unsigned char)gt[-1], ZSIPI_C_LWS))
		return ZSIP_ENAMEADDR;
	int rc = zsip_uri_parse(&na->uri, slice(us, gt));
	if (rc < 0)
		return rc;
	p = zsipi_skip_lws(gt + 1, end);

params:
	if (p == end)
		return 0;
	if (*p != ';')
		return ZSIP_ENAMEADDR;
	return nameaddr_params(na, c, p + 1, end);
}

/* zsip_uri_parse writes na->uri on every successful path; a failure
 * before it leaves nothing stale behind either. */
static int nameaddr(struct zsip_nameaddr *na, struct zsip_contact *c, struct zsip_str value)
{
	int rc = parse_nameaddr(na, c, value);
	if (rc < 0)
		memset(&na->uri, 0, sizeof na->uri);
	return rc;
}

int zsip_nameaddr_parse(struct zsip_nameaddr *na, struct zsip_str value)
{
	return nameaddr(na, NULL, value);
}

/* Contact: ( STAR / contact-param ) with c-p-q and c-p-expires picked out
 * (RFC 3261 §20.10, §25.1). */
int zsip_contact_parse(struct zsip_contact *c, struct zsip_str value)
{
	if (value.p) {
		const char *end = value.p + value.len;
		const char *p = zsipi_skip_lws(value.p, end);
		if (p < end && *p == '*' && zsipi_trim_lws(p, end) - p == 1) {
			memset(c, 0, sizeof *c);
			c->star = 1;
			return 0;
		}
	}
	/* nameaddr writes all of c->addr */
	c->q = c->expires = absent;
	c->star = 0;
	return nameaddr(&c->addr, c, value);
}

/* ------------------------------------------------------------------ Via */

/* 1*DIGIT no larger than max, all of s. */
static int digits_max(struct zsip_str s, unsigned max, size_t maxlen)
{
	if (s.len == 0 || s.len > maxlen)
		return 0;
	unsigned v = 0;
	for (size_t i = 0; i < s.len; i++) {
		if (!zsipi_is_digit(s.p[i]))
			return 0;
		v = v * 10 + (unsigned)(s.p[i] - '0');
	}
	return v <= max;
}

/* received = IPv4address / IPv6address (RFC 3261 §20.42 as corrected by
 * RFC 5118 §4.5); a bracketed IPv6 reference is taken too, as RFC 5118
 * asks of a robust parser. */
static int received_ok(struct zsip_str v)
{
	uint8_t a[16];
	const char *p = v.p;
	size_t n = v.len;
	if (n >= 2 && p[0] == '[' && p[n - 1] == ']')
		return zsipi_ipv6_parse(p + 1, n - 2, a) == 0;
	return zsipi_ipv4_parse(p, n, a) == 0 || zsipi_ipv6_parse(p, n, a) == 0;
}

/* via-params (RFC 3261 §20.42, §25.1; rport RFC 3581 §3). Known names are
 * checked against their grammar; the first of each is kept. quoted: 0 for
 * a token value, 1 for a quoted-string, 2 for a host that is no token. */
static int via_param(struct zsip_via *via, struct zsip_str n, struct zsip_str v, int quoted)
{
	struct zsip_str *slot = NULL;
	int ok = 1;
	switch (n.len) {
	case 3:
		if (zsipi_caseeq_lit(n.p, "ttl", 3)) {
			slot = &via->ttl;
			ok = v.p && digits_max(v, 255, 3);
		}
		break;
	case 5:
		if (zsipi_caseeq_lit(n.p, "rport", 5)) {
			slot = &via->rport;
			if (!v.p)
				v = slice(n.p + 5, n.p + 5);
			else
				ok = digits_max(v, 65535, 5);
		} else if (zsipi_caseeq_lit(n.p, "maddr", 5)) {
			const char *after;
			slot = &via->maddr;
			ok = v.p && quoted != 1 && zsipi_host_parse(v.p, v.p + v.len, &after) > 0 &&
			     after == v.p + v.len;
		}
		break;
	case 6:
		if (zsipi_caseeq_lit(n.p, "branch", 6)) {
			slot = &via->branch;
			ok = v.p && !quoted;
		}
		break;
	case 8:
		if (zsipi_caseeq_lit(n.p, "received", 8)) {
			slot = &via->received;
			ok = v.p && quoted != 1 && received_ok(v);
		}
		break;
	default:
		break;
	}
	if (!ok)
		return ZSIP_EVIA;
	/* The first of each counts, but an rport with a value (filled in by
	 * a server, RFC 3581 §4) wins over a bare one. */
	if (slot && (!slot->p || (slot == &via->rport && slot->len == 0)))
		*slot = v;
	return 0;
}

/* At the end of one Via value: p is at end or at its ','. An empty element
 * after the ',' is malformed (RFC 4475 §3.1.2.1). */
static int via_end(const char *p, const char *end, const char **next)
{
	if (p < end) {
		p = zsipi_skip_lws(p + 1, end);
		if (p == end || *p == ',')
			return ZSIP_EVIA;
	}
	*next = p;
	return 0;
}

/* via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 * sent-protocol = protocol-name SLASH protocol-version SLASH transport
 * sent-by = host [ COLON port ]; SLASH, COLON, SEMI, EQUAL allow SWS
 * around them (RFC 3261 §20.42, §25.1, RFC 4475 §3.1.1.1). */
int zsip_via_parse(struct zsip_via *via, struct zsip_str value)
{
	if (!value.p) {
		memset(via, 0, sizeof *via);
		return ZSIP_EVIA;
	}
	const char *end = value.p + value.len, *next;
	end = zsipi_trim_lws(value.p, end);
	int rc = zsipi_via_next(via, value.p, end, &next);
	return rc < 0 || next != end ? ZSIP_EVIA : 0;
}

/* field by field: a memset of the whole struct costs more here */
static inline void via_clear(struct zsip_via *via)
{
	via->protocol = via->version = via->transport = via->host = via->params = absent;
	via->branch = via->received = via->rport = via->maddr = via->ttl = absent;
	via->port = 0;
	via->host_type = 0;
}

/* The Via nearly every message has: "SIP/2.0/", a transport, one SP, the
 * host, maybe ":" port, then parameters, each a name or name=token, with no
 * LWS, quote or ',' anywhere else. On that shape it makes the checks that
 * zsipi_via_next_ref makes, in one pass with no LWS to skip; on any other it
 * returns 0, having written only fields of via, for the full parser to read
 * the value again from the start. */
static int via_fast(struct zsip_via *via, const char *p, const char *end, const char **next)
{
	uint64_t word, sip20;
	memcpy(&sip20, "SIP/2.0/", 8);
	if (end - p <= 8)
		return 0;
	memcpy(&word, p, 8);
	if (word != sip20)
		return 0;
	const char *t = p + 8, *s = zsipi_span(t, end, ZSIPI_C_TOKEN);
	if (s == t || s == end || *s != ' ')
		return 0;
	via->protocol = slice(p, p + 3);
	via->version = slice(p + 4, p + 7);
	via->transport = slice(t, s);
	p = ++s;
	int ht = zsipi_host_parse(p, end, &p);
	if (ht < 0)
		return 0;
	via->host = slice(s, p);
	via->host_type = (uint8_t)ht;
	if (p < end && *p == ':') {
		uint64_t v;
		if (!(p = zsipi_digits(p + 1, end, 65535, &v)))
			return 0;
		via->port = (uint16_t)v;
	}
	*next = end;
	if (p == end)
		return 1;
	if (*p != ';')
		return 0;
	const char *params = p + 1;
	do {
		const char *n = ++p;
		p = zsipi_span(p, end, ZSIPI_C_TOKEN);
		if (p == n)
			return 0;
		struct zsip_str v = absent;
		if (p < end && *p == '=') {
			const char *vs = ++p;
			p = zsipi_span(p, end, ZSIPI_C_TOKEN);
			if (p == vs)
				return 0;
			v = slice(vs, p);
		}
		if ((p < end && *p != ';') || via_param(via, slice(n, v.p ? v.p - 1 : p), v, 0) < 0)
			return 0;
	} while (p < end);
	via->params = slice(params, end);
	return 1;
}

int zsipi_via_next(struct zsip_via *via, const char *p, const char *end, const char **next)
{
	via_clear(via);
	if (via_fast(via, p, end, next))
		return 0;
	return zsipi_via_next_ref(via, p, end, next);
}

/* Parses the Via value at p and stops at the ',' that ends it (a ',' can
 * only stand in a quoted string inside one), so that a Via field with many
 * values is read in one pass. *next: end, or the byte after the ','. */
int zsipi_via_next_ref(struct zsip_via *via, const char *p, const char *end, const char **next)
{
	via_clear(via);
	const char *s;
	p = zsipi_skip_lws(p, end);
	*next = end;

	struct zsip_str *part[3] = { &via->protocol, &via->version, &via->transport };
	int i = 0;
	uint64_t w = 0, sip20;
	memcpy(&sip20, "SIP/2.0/", 8);
	if (end - p > 8)
		memcpy(&w, p, 8);
	if (w == sip20) {
		/* the form nearly every Via has */
		via->protocol = slice(p, p + 3);
		via->version = slice(p + 4, p + 7);
		p = zsipi_skip_lws(p + 8, end);
		i = 2;
		goto transport;
	}
	for (; i < 3; i++) {
		if (i) {
			p = zsipi_skip_lws(p, end);
			if (p == end || *p != '/')
				return ZSIP_EVIA;
			p = zsipi_skip_lws(p + 1, end);
		}
transport:
		s = p;
		p = zsipi_span(p, end, ZSIPI_C_TOKEN);
		if (p == s)
			return ZSIP_EVIA;
		*part[i] = slice(s, p);
	}
	s = zsipi_skip_lws(p, end);
	if (s == p)
		return ZSIP_EVIA;
	p = s;
	int t = zsipi_host_parse(p, end, &p);
	if (t < 0)
		return ZSIP_EVIA;
	via->host = slice(s, p);
	via->host_type = (uint8_t)t;

	p = zsipi_skip_lws(p, end);
	if (p < end && *p == ':') {
		uint64_t v;
		if (!(p = zsipi_digits(zsipi_skip_lws(p + 1, end), end, 65535, &v)))
			return ZSIP_EVIA;
		via->port = (uint16_t)v;
		p = zsipi_skip_lws(p, end);
	}
	if (p == end || *p == ',')
		return via_end(p, end, next);
	if (*p != ';')
		return ZSIP_EVIA;
	const char *params = p + 1;

	/* Each parameter is a non-empty generic-param: ";;" is malformed
	 * (RFC 4475 §3.1.2.1). */
	while (p < end && *p != ',') {
		p = zsipi_skip_lws(p + 1, end);
		s = p;
		p = zsipi_span(p, end, ZSIPI_C_TOKEN);
		if (p == s)
			return ZSIP_EVIA;
		struct zsip_str n = slice(s, p), v = absent;
		int quoted = 0;
		p = zsipi_skip_lws(p, end);
		if (p < end && *p == '=') {
			p = zsipi_skip_lws(p + 1, end);
			s = p;
			if (p < end && *p == '"') {
				if (!(p = zsipi_quoted_skip(p, end)))
					return ZSIP_EVIA;
				quoted = 1;
			} else {
				/* token, or a host with '[' ']' ':' (quoted 2: not a token) */
				p = zsipi_span(p, end, ZSIPI_C_TOKEN);
				if (p < end && zsipi_is((unsigned char)*p, ZSIPI_C_GENVAL)) {
					p = zsipi_span(p, end, ZSIPI_C_GENVAL);
					quoted = 2;
				}
				if (p == s)
					return ZSIP_EVIA;
			}
			v = slice(s, p);
			p = zsipi_skip_lws(p, end);
		}
		if (via_param(via, n, v, quoted) < 0 || (p < end && *p != ';' && *p != ','))
			return ZSIP_EVIA;
	}
	via->params = slice(params, zsipi_trim_lws(params, p));
	return via_end(p, end, next);
}

/* ----------------------------------------------------------------- CSeq */

/* CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16, §25.1); the number is below
 * 2^31 by §8.1.1.5, but a receiver accepts up to 2^32-1 (RFC 4475
 * §3.1.2.4 rejects larger). */
int zsip_cseq_parse(struct zsip_cseq *c, struct zsip_str value)
{
	c->num = 0;
	c->method = absent;
	c->method_id = ZSIP_METHOD_OTHER;
	if (!value.p)
		return ZSIP_ECSEQ;
	const char *end = value.p + value.len;
	const char *p = zsipi_skip_lws(value.p, end), *s;
	end = zsipi_trim_lws(p, end);
	uint64_t n;
	if (!(p = zsipi_digits(p, end, 0xffffffffu, &n)))
		return ZSIP_ECSEQ;
	s = zsipi_skip_lws(p, end);
	if (s == p)
		return ZSIP_ECSEQ;
	p = zsipi_span(s, end, ZSIPI_C_TOKEN);
	if (p == s || p != end)
		return ZSIP_ECSEQ;
	c->num = (uint32_t)n;
	c->method = slice(s, p);
	c->method_id = (uint8_t)zsip_method_id(c->method);
	return 0;
}

/* ------------------------------------------------------------- numbers */

int zsip_uint_parse(struct zsip_str value, uint32_t max, uint32_t *out)
{
	if (!value.p)
		return ZSIP_ENUMBER;
	const char *end = value.p + value.len;
	const char *p = zsipi_skip_lws(value.p, end);
	end = zsipi_trim_lws(p, end);
	uint64_t n;
	if (!(p = zsipi_digits(p, end, max, &n)) || p != end)
		return ZSIP_ENUMBER;
	*out = (uint32_t)n;
	return 0;
}

/* ---------------------------------------------------------- media type */

/* media-type = m-type SLASH m-subtype *( SEMI m-parameter ),
 * m-parameter = m-attribute EQUAL m-value, m-value = token / quoted-string
 * (RFC 3261 §20.15, §25.1). */
int zsip_media_parse(struct zsip_media *m, struct zsip_str value)
{
	m->type = m->subtype = m->params = absent;
	if (!value.p)
		return ZSIP_EVALUE;
	const char *end = value.p + value.len;
	const char *p = zsipi_skip_lws(value.p, end), *s = p;
	end = zsipi_trim_lws(p, end);
	p = zsipi_span(p, end, ZSIPI_C_TOKEN);
	if (p == s)
		return ZSIP_EVALUE;
	m->type = slice(s, p);
	p = zsipi_skip_lws(p, end);
	if (p == end || *p != '/')
		return ZSIP_EVALUE;
	s = p = zsipi_skip_lws(p + 1, end);
	p = zsipi_span(p, end, ZSIPI_C_TOKEN);
	if (p == s)
		return ZSIP_EVALUE;
	m->subtype = slice(s, p);
	p = zsipi_skip_lws(p, end);
	if (p == end)
		return 0;
	if (*p != ';')
		return ZSIP_EVALUE;
	m->params = slice(p + 1, end);
	while (p < end) {
		s = p = zsipi_skip_lws(p + 1, end);
		p = zsipi_span(p, end, ZSIPI_C_TOKEN);
		if (p == s)
			return ZSIP_EVALUE;
		p = zsipi_skip_lws(p, end);
		if (p == end || *p != '=')
			return ZSIP_EVALUE;
		s = p = zsipi_skip_lws(p + 1, end);
		if (p < end && *p == '"')
			p = zsipi_quoted_end(p, end);
		else
			p = zsipi_span(p, end, ZSIPI_C_TOKEN);
		if (!p || p == s)
			return ZSIP_EVALUE;
		p = zsipi_skip_lws(p, end);
		if (p < end && *p != ';')
			return ZSIP_EVALUE;
	}
	return 0;
}
