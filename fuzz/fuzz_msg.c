/* Fuzz target: the message parser, then every typed parser on every header
 * it found. Checks that nothing reads outside the input (ASan), that every
 * slice handed back lies inside it, that offsets and lengths are in range
 * and that every list iterator advances. */
#include <string.h>

#include "fuzz_check.h"

static const char *base;
static size_t size;

#define IN(s) fuzz_in((s), base, size, #s)

static void check_params(struct zsip_str params)
{
	struct zsip_str cur = params, name, value;
	size_t n = 0;
	int rc;
	IN(params);
	while ((rc = zsip_param_next(&cur, &name, &value)) == 1) {
		IN(name);
		IN(value);
		FUZZ_ASSERT(++n <= FUZZ_MAX_ITEMS(params.len));
	}
	FUZZ_ASSERT(rc == 0 || rc == ZSIP_EPARAM);
	struct zsip_str v;
	static const char *const names[] = { "tag", "branch", "lr", "transport", "q", "expires",
					     "received", "rport", "maddr", "ttl", "user" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (zsip_param_find(params, names[i], &v) == 1)
			IN(v);
}

static void check_uri(const struct zsip_uri *u)
{
	IN(u->raw);
	IN(u->scheme);
	IN(u->user);
	IN(u->password);
	IN(u->host);
	IN(u->port_str);
	IN(u->params);
	IN(u->headers);
	if (u->scheme_id == ZSIP_URI_SIP || u->scheme_id == ZSIP_URI_SIPS) {
		check_params(u->params);
		FUZZ_ASSERT(zsip_uri_eq(u, u) == 1);
	}
	char out[256];
	if (u->user.p && u->user.len <= sizeof out) {
		int rc = zsip_unescape(out, sizeof out, u->user);
		FUZZ_ASSERT(rc == ZSIP_EINVAL || (rc >= 0 && (size_t)rc <= u->user.len));
	}
}

static void check_nameaddr(const struct zsip_nameaddr *na)
{
	IN(na->display);
	IN(na->params);
	IN(na->tag);
	check_uri(&na->uri);
	check_params(na->params);
}

static void check_via(struct zsip_str value)
{
	struct zsip_via v;
	if (zsip_via_parse(&v, value) != 0)
		return;
	IN(v.protocol);
	IN(v.version);
	IN(v.transport);
	IN(v.host);
	IN(v.params);
	IN(v.branch);
	IN(v.received);
	IN(v.rport);
	IN(v.maddr);
	IN(v.ttl);
	check_params(v.params);
}

enum list_kind { L_PLAIN, L_VIA, L_NAMEADDR, L_CONTACT, L_MEDIA };

/* Splits a header value at commas and runs the typed parser on each. */
static void each_value(struct zsip_str hv, enum list_kind kind)
{
	struct zsip_str cur = hv, v;
	size_t n = 0;
	int rc;
	while ((rc = zsip_value_next(&cur, &v)) == 1) {
		IN(v);
		FUZZ_ASSERT(++n <= FUZZ_MAX_ITEMS(hv.len));
		switch (kind) {
		case L_VIA:
			check_via(v);
			break;
		case L_NAMEADDR: {
			struct zsip_nameaddr na;
			if (zsip_nameaddr_parse(&na, v) == 0)
				check_nameaddr(&na);
			break;
		}
		case L_CONTACT: {
			struct zsip_contact c;
			if (zsip_contact_parse(&c, v) == 0) {
				if (!c.star)
					check_nameaddr(&c.addr);
				IN(c.q);
				IN(c.expires);
			}
			break;
		}
		case L_MEDIA: {
			struct zsip_media m;
			if (zsip_media_parse(&m, v) == 0) {
				IN(m.type);
				IN(m.subtype);
				check_params(m.params);
			}
			break;
		}
		case L_PLAIN:
			break;
		}
	}
	FUZZ_ASSERT(rc == 0 || rc == ZSIP_EVALUE);
}

static void check_auth(struct zsip_str value)
{
	struct zsip_auth a;
	if (zsip_auth_parse(&a, value) != 0)
		return;
	IN(a.scheme);
	IN(a.params);
	IN(a.realm);
	IN(a.nonce);
	IN(a.opaque);
	IN(a.algorithm);
	IN(a.qop);
	IN(a.stale);
	IN(a.domain);
	IN(a.username);
	IN(a.uri);
	IN(a.response);
	IN(a.cnonce);
	IN(a.nc);
}

static void check_header(const struct zsip_msg *m, const struct zsip_hdr *h)
{
	struct zsip_str v = h->value;
	IN(h->name);
	IN(v);
	FUZZ_ASSERT(h->id < ZSIP_HDR__COUNT);
	FUZZ_ASSERT(zsip_hdr_lookup(h->name) == h->id);
	FUZZ_ASSERT(h->name.len <= h->line_len);
	FUZZ_ASSERT((size_t)(h->name.p - m->buf) + h->line_len <= m->len);
	FUZZ_ASSERT(zsip_msg_find_name(m, h->name) != NULL);
	uint32_t num;
	switch (h->id) {
	case ZSIP_HDR_VIA:
		each_value(v, L_VIA);
		break;
	case ZSIP_HDR_FROM:
	case ZSIP_HDR_TO:
	case ZSIP_HDR_REPLY_TO:
	case ZSIP_HDR_REFER_TO:
	case ZSIP_HDR_REFERRED_BY: {
		struct zsip_nameaddr na;
		if (zsip_nameaddr_parse(&na, v) == 0)
			check_nameaddr(&na);
		break;
	}
	case ZSIP_HDR_CONTACT:
		each_value(v, L_CONTACT);
		break;
	case ZSIP_HDR_ROUTE:
	case ZSIP_HDR_RECORD_ROUTE:
	case ZSIP_HDR_PATH:
	case ZSIP_HDR_SERVICE_ROUTE:
		each_value(v, L_NAMEADDR);
		break;
	case ZSIP_HDR_CSEQ: {
		struct zsip_cseq c;
		if (zsip_cseq_parse(&c, v) == 0)
			IN(c.method);
		break;
	}
	case ZSIP_HDR_MAX_FORWARDS:
		if (zsip_uint_parse(v, 255, &num) == 0)
			FUZZ_ASSERT(num <= 255);
		break;
	case ZSIP_HDR_CONTENT_LENGTH:
	case ZSIP_HDR_EXPIRES:
	case ZSIP_HDR_MIN_EXPIRES:
	case ZSIP_HDR_RSEQ:
	case ZSIP_HDR_RETRY_AFTER:
	case ZSIP_HDR_MIN_SE:
	case ZSIP_HDR_SESSION_EXPIRES:
		(void)zsip_uint_parse(v, UINT32_MAX, &num);
		if (zsip_uint_parse(v, 1000, &num) == 0)
			FUZZ_ASSERT(num <= 1000);
		break;
	case ZSIP_HDR_CONTENT_TYPE: {
		struct zsip_media md;
		if (zsip_media_parse(&md, v) == 0) {
			IN(md.type);
			IN(md.subtype);
			check_params(md.params);
		}
		break;
	}
	case ZSIP_HDR_ACCEPT:
		each_value(v, L_MEDIA);
		break;
	case ZSIP_HDR_WWW_AUTHENTICATE:
	case ZSIP_HDR_PROXY_AUTHENTICATE:
	case ZSIP_HDR_AUTHORIZATION:
	case ZSIP_HDR_PROXY_AUTHORIZATION:
		check_auth(v);
		break;
	default:
		each_value(v, L_PLAIN);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct zsip_msg m;
	base = (const char *)data;
	size = len;

	int rc = zsip_msg_parse(&m, base, len, NULL);
	if (rc < 0) {
		FUZZ_ASSERT(m.err_off <= len);
		FUZZ_ASSERT(zsip_strerror(rc) != NULL);
		const char *reason = NULL;
		int st = zsip_err_status(rc, &reason);
		FUZZ_ASSERT(st == 0 || (st >= 400 && st <= 599));
		FUZZ_ASSERT(st == 0 || reason != NULL);
		/* tight limits must fail cleanly too */
		struct zsip_limits lim = { 512, 8, 128 };
		(void)zsip_msg_parse(&m, base, len, &lim);
		return 0;
	}
	FUZZ_ASSERT(rc > 0 && (size_t)rc <= len);
	FUZZ_ASSERT(m.buf == base && m.len == (size_t)rc);
	FUZZ_ASSERT(m.nhdr <= ZSIP_MAX_HEADERS);
	FUZZ_ASSERT(m.body.p != NULL);
	base = m.buf;
	size = m.len; /* everything must lie inside the message itself */
	IN(m.body);
	IN(m.head);
	if (m.content_length >= 0)
		FUZZ_ASSERT((size_t)m.content_length == m.body.len);
	FUZZ_ASSERT(m.max_forwards >= -1 && m.max_forwards <= 255);
	if (m.is_request) {
		IN(m.method);
		IN(m.ruri_str);
		check_uri(&m.ruri);
		FUZZ_ASSERT(m.method.len > 0);
	} else {
		FUZZ_ASSERT(m.status >= 0 && m.status <= 999); /* three digits */
		IN(m.reason);
	}
	IN(m.via.branch);
	IN(m.via.host);
	IN(m.call_id);
	check_nameaddr(&m.from);
	check_nameaddr(&m.to);

	for (unsigned i = 0; i < m.nhdr; i++) {
		check_header(&m, &m.hdr[i]);
		if (m.hdr[i].next)
			FUZZ_ASSERT(m.hdr[i].next > i && m.hdr[i].next < m.nhdr &&
				    m.hdr[m.hdr[i].next].id == m.hdr[i].id);
	}
	for (unsigned id = 1; id < ZSIP_HDR__COUNT; id++) {
		const struct zsip_hdr *h = zsip_msg_find(&m, (enum zsip_hdr_id)id);
		size_t n = 0;
		for (; h; h = zsip_msg_find_next(&m, h)) {
			FUZZ_ASSERT(h->id == id);
			FUZZ_ASSERT(++n <= m.nhdr);
		}
	}
	/* the message alone, without the bytes after it, parses to itself */
	if ((size_t)rc < len) {
		static struct zsip_msg m2;
		char *copy = malloc((size_t)rc);
		FUZZ_ASSERT(copy);
		memcpy(copy, data, (size_t)rc);
		int rc2 = zsip_msg_parse(&m2, copy, (size_t)rc, NULL);
		if (rc2 != rc)
			FUZZ_FAIL("the %d-byte message alone parses to %d (%s)", rc, rc2,
				  rc2 < 0 ? zsip_strerror(rc2) : "length");
		FUZZ_ASSERT(m2.nhdr == m.nhdr && m2.body.len == m.body.len);
		free(copy);
	}

	struct zsip_contact c;
	rc = zsip_msg_contact(&m, &c);
	FUZZ_ASSERT(rc <= 0);
	if (rc == 0 && !c.star)
		check_nameaddr(&c.addr);
	return 0;
}
