/* The message parser: start line, header fields, body, and the checks RFC
 * 3261 puts on a received message. One forward pass over the header block;
 * memchr finds line ends, a table classifies name bytes, nothing is copied
 * and nothing is allocated. */
#include <string.h>

#include "msg/hv.h"
#include "msg/lex.h"
#include "msg/scan.h"
#include "zsip/msg.h"

static const struct zsip_limits default_limits = {
	.max_msg_size = 65535,
	.max_headers = ZSIP_MAX_HEADERS,
	.max_header_len = 8192,
};

/* ------------------------------------------------------------ name lookup */

struct hname {
	char lname[24]; /* lower case, zero-padded: read as whole words */
	uint8_t len;
	uint8_t id;
};

#define H(s, id) { s, sizeof(s) - 1, id }

/* Compact forms by letter (RFC 3261 §7.3.3; RFC 3515, 3841, 3892, 4028,
 * 6665, 8224). */
static const uint8_t compact[26] = {
	['a' - 'a'] = ZSIP_HDR_ACCEPT_CONTACT,
	['b' - 'a'] = ZSIP_HDR_REFERRED_BY,
	['c' - 'a'] = ZSIP_HDR_CONTENT_TYPE,
	['d' - 'a'] = ZSIP_HDR_REQUEST_DISPOSITION,
	['e' - 'a'] = ZSIP_HDR_CONTENT_ENCODING,
	['f' - 'a'] = ZSIP_HDR_FROM,
	['i' - 'a'] = ZSIP_HDR_CALL_ID,
	['j' - 'a'] = ZSIP_HDR_REJECT_CONTACT,
	['k' - 'a'] = ZSIP_HDR_SUPPORTED,
	['l' - 'a'] = ZSIP_HDR_CONTENT_LENGTH,
	['m' - 'a'] = ZSIP_HDR_CONTACT,
	['o' - 'a'] = ZSIP_HDR_EVENT,
	['r' - 'a'] = ZSIP_HDR_REFER_TO,
	['s' - 'a'] = ZSIP_HDR_SUBJECT,
	['t' - 'a'] = ZSIP_HDR_TO,
	['u' - 'a'] = ZSIP_HDR_ALLOW_EVENTS,
	['v' - 'a'] = ZSIP_HDR_VIA,
	['x' - 'a'] = ZSIP_HDR_SESSION_EXPIRES,
	['y' - 'a'] = ZSIP_HDR_IDENTITY,
};

/* Full names by length, the common ones first; each list ends with {0}. */
static const struct hname len2[] = { H("to", ZSIP_HDR_TO), { "", 0, 0 } };
static const struct hname len3[] = { H("via", ZSIP_HDR_VIA), { "", 0, 0 } };
static const struct hname len4[] = { H("from", ZSIP_HDR_FROM), H("cseq", ZSIP_HDR_CSEQ),
	H("date", ZSIP_HDR_DATE), H("path", ZSIP_HDR_PATH), H("rack", ZSIP_HDR_RACK),
	H("rseq", ZSIP_HDR_RSEQ), { "", 0, 0 } };
static const struct hname len5[] = { H("route", ZSIP_HDR_ROUTE), H("allow", ZSIP_HDR_ALLOW),
	H("event", ZSIP_HDR_EVENT), { "", 0, 0 } };
static const struct hname len6[] = { H("accept", ZSIP_HDR_ACCEPT), H("min-se", ZSIP_HDR_MIN_SE),
	H("server", ZSIP_HDR_SERVER), { "", 0, 0 } };
static const struct hname len7[] = { H("call-id", ZSIP_HDR_CALL_ID), H("contact", ZSIP_HDR_CONTACT),
	H("expires", ZSIP_HDR_EXPIRES), H("require", ZSIP_HDR_REQUIRE), H("subject", ZSIP_HDR_SUBJECT),
	H("warning", ZSIP_HDR_WARNING), { "", 0, 0 } };
static const struct hname len8[] = { H("identity", ZSIP_HDR_IDENTITY),
	H("priority", ZSIP_HDR_PRIORITY), H("refer-to", ZSIP_HDR_REFER_TO),
	H("reply-to", ZSIP_HDR_REPLY_TO), { "", 0, 0 } };
static const struct hname len9[] = { H("supported", ZSIP_HDR_SUPPORTED),
	H("call-info", ZSIP_HDR_CALL_INFO), H("timestamp", ZSIP_HDR_TIMESTAMP), { "", 0, 0 } };
static const struct hname len10[] = { H("user-agent", ZSIP_HDR_USER_AGENT),
	H("alert-info", ZSIP_HDR_ALERT_INFO), H("error-info", ZSIP_HDR_ERROR_INFO), { "", 0, 0 } };
static const struct hname len11[] = { H("in-reply-to", ZSIP_HDR_IN_REPLY_TO),
	H("min-expires", ZSIP_HDR_MIN_EXPIRES), H("referred-by", ZSIP_HDR_REFERRED_BY),
	H("retry-after", ZSIP_HDR_RETRY_AFTER), H("unsupported", ZSIP_HDR_UNSUPPORTED), { "", 0, 0 } };
static const struct hname len12[] = { H("max-forwards", ZSIP_HDR_MAX_FORWARDS),
	H("content-type", ZSIP_HDR_CONTENT_TYPE), H("record-route", ZSIP_HDR_RECORD_ROUTE),
	H("allow-events", ZSIP_HDR_ALLOW_EVENTS), H("mime-version", ZSIP_HDR_MIME_VERSION),
	H("organization", ZSIP_HDR_ORGANIZATION), { "", 0, 0 } };
static const struct hname len13[] = { H("authorization", ZSIP_HDR_AUTHORIZATION),
	H("proxy-require", ZSIP_HDR_PROXY_REQUIRE), H("service-route", ZSIP_HDR_SERVICE_ROUTE), { "", 0, 0 } };
static const struct hname len14[] = { H("content-length", ZSIP_HDR_CONTENT_LENGTH),
	H("accept-contact", ZSIP_HDR_ACCEPT_CONTACT), H("reject-contact", ZSIP_HDR_REJECT_CONTACT), { "", 0, 0 } };
static const struct hname len15[] = { H("accept-encoding", ZSIP_HDR_ACCEPT_ENCODING),
	H("accept-language", ZSIP_HDR_ACCEPT_LANGUAGE),
	H("session-expires", ZSIP_HDR_SESSION_EXPIRES), { "", 0, 0 } };
static const struct hname len16[] = { H("content-encoding", ZSIP_HDR_CONTENT_ENCODING),
	H("content-language", ZSIP_HDR_CONTENT_LANGUAGE),
	H("www-authenticate", ZSIP_HDR_WWW_AUTHENTICATE), { "", 0, 0 } };
static const struct hname len18[] = { H("proxy-authenticate", ZSIP_HDR_PROXY_AUTHENTICATE), { "", 0, 0 } };
static const struct hname len19[] = { H("authentication-info", ZSIP_HDR_AUTHENTICATION_INFO),
	H("content-disposition", ZSIP_HDR_CONTENT_DISPOSITION),
	H("proxy-authorization", ZSIP_HDR_PROXY_AUTHORIZATION),
	H("request-disposition", ZSIP_HDR_REQUEST_DISPOSITION), { "", 0, 0 } };
static const struct hname *const by_len[20] = {
	[2] = len2, [3] = len3, [4] = len4, [5] = len5, [6] = len6, [7] = len7,
	[8] = len8, [9] = len9, [10] = len10, [11] = len11, [12] = len12, [13] = len13,
	[14] = len14, [15] = len15, [16] = len16, [18] = len18, [19] = len19,
};

static inline uint64_t ld8(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Names are tokens, so OR-ing 0x20 folds letters to lower case and leaves
 * '-', '.', digits and the other token characters unlike any letter. A
 * name of up to eight bytes is one word compare against each candidate of
 * its length (their padding is zero, the word is cut to the name); a longer
 * one compares whole words, overlapping at the end. avail: bytes readable
 * at p (at least len), so that a name with eight bytes after it is read
 * with one load. */
static inline enum zsip_hdr_id lookup(const char *p, size_t len, size_t avail)
{
	const uint64_t fold = 0x2020202020202020ull;
	if (len == 1) {
		unsigned c0 = ((unsigned char)p[0] | 0x20u) - 'a';
		return c0 < 26 ? (enum zsip_hdr_id)compact[c0] : ZSIP_HDR_OTHER;
	}
	if (len >= sizeof by_len / sizeof by_len[0] || !by_len[len])
		return ZSIP_HDR_OTHER;
	uint64_t w;
	if (avail >= 8) {
		w = ld8(p);
	} else {
		char b[8] = { 0 };
		memcpy(b, p, len);
		w = ld8(b);
	}
	w |= fold;
	if (len < 8) {
		static const unsigned char keep[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		w &= ld8((const char *)keep + 8 - len);
	}
	for (const struct hname *h = by_len[len]; h->len; h++) {
		if (w != ld8(h->lname))
			continue;
		if (len <= 8)
			return (enum zsip_hdr_id)h->id;
		size_t i = 8;
		while (i + 8 < len && (ld8(p + i) | fold) == ld8(h->lname + i))
			i += 8;
		if (i + 8 >= len && (ld8(p + len - 8) | fold) == ld8(h->lname + len - 8))
			return (enum zsip_hdr_id)h->id;
	}
	return ZSIP_HDR_OTHER;
}

enum zsip_hdr_id zsip_hdr_lookup(struct zsip_str name)
{
	if (!name.p || name.len == 0)
		return ZSIP_HDR_OTHER;
	for (size_t i = 0; i < name.len; i++)
		if (!zsipi_is_token((unsigned char)name.p[i]))
			return ZSIP_HDR_OTHER;
	return lookup(name.p, name.len, name.len);
}

static const char *const canonical[ZSIP_HDR__COUNT] = {
	[ZSIP_HDR_OTHER] = "", [ZSIP_HDR_ACCEPT] = "Accept", [ZSIP_HDR_ACCEPT_CONTACT] = "Accept-Contact",
	[ZSIP_HDR_ACCEPT_ENCODING] = "Accept-Encoding", [ZSIP_HDR_ACCEPT_LANGUAGE] = "Accept-Language",
	[ZSIP_HDR_ALERT_INFO] = "Alert-Info", [ZSIP_HDR_ALLOW] = "Allow", [ZSIP_HDR_ALLOW_EVENTS] = "Allow-Events",
	[ZSIP_HDR_AUTHENTICATION_INFO] = "Authentication-Info", [ZSIP_HDR_AUTHORIZATION] = "Authorization",
	[ZSIP_HDR_CALL_ID] = "Call-ID", [ZSIP_HDR_CALL_INFO] = "Call-Info", [ZSIP_HDR_CONTACT] = "Contact",
	[ZSIP_HDR_CONTENT_DISPOSITION] = "Content-Disposition", [ZSIP_HDR_CONTENT_ENCODING] = "Content-Encoding",
	[ZSIP_HDR_CONTENT_LANGUAGE] = "Content-Language", [ZSIP_HDR_CONTENT_LENGTH] = "Content-Length",
	[ZSIP_HDR_CONTENT_TYPE] = "Content-Type", [ZSIP_HDR_CSEQ] = "CSeq", [ZSIP_HDR_DATE] = "Date",
	[ZSIP_HDR_ERROR_INFO] = "Error-Info", [ZSIP_HDR_EVENT] = "Event", [ZSIP_HDR_EXPIRES] = "Expires",
	[ZSIP_HDR_FROM] = "From", [ZSIP_HDR_IDENTITY] = "Identity", [ZSIP_HDR_IN_REPLY_TO] = "In-Reply-To",
	[ZSIP_HDR_MAX_FORWARDS] = "Max-Forwards", [ZSIP_HDR_MIME_VERSION] = "MIME-Version",
	[ZSIP_HDR_MIN_EXPIRES] = "Min-Expires", [ZSIP_HDR_MIN_SE] = "Min-SE", [ZSIP_HDR_ORGANIZATION] = "Organization",
	[ZSIP_HDR_PATH] = "Path", [ZSIP_HDR_PRIORITY] = "Priority", [ZSIP_HDR_PROXY_AUTHENTICATE] = "Proxy-Authenticate",
	[ZSIP_HDR_PROXY_AUTHORIZATION] = "Proxy-Authorization", [ZSIP_HDR_PROXY_REQUIRE] = "Proxy-Require",
	[ZSIP_HDR_RACK] = "RAck", [ZSIP_HDR_RECORD_ROUTE] = "Record-Route", [ZSIP_HDR_REFER_TO] = "Refer-To",
	[ZSIP_HDR_REFERRED_BY] = "Referred-By", [ZSIP_HDR_REJECT_CONTACT] = "Reject-Contact",
	[ZSIP_HDR_REPLY_TO] = "Reply-To", [ZSIP_HDR_REQUEST_DISPOSITION] = "Request-Disposition",
	[ZSIP_HDR_REQUIRE] = "Require", [ZSIP_HDR_RETRY_AFTER] = "Retry-After", [ZSIP_HDR_ROUTE] = "Route",
	[ZSIP_HDR_RSEQ] = "RSeq", [ZSIP_HDR_SERVER] = "Server", [ZSIP_HDR_SERVICE_ROUTE] = "Service-Route",
	[ZSIP_HDR_SESSION_EXPIRES] = "Session-Expires", [ZSIP_HDR_SUBJECT] = "Subject",
	[ZSIP_HDR_SUPPORTED] = "Supported", [ZSIP_HDR_TIMESTAMP] = "Timestamp", [ZSIP_HDR_TO] = "To",
	[ZSIP_HDR_UNSUPPORTED] = "Unsupported", [ZSIP_HDR_USER_AGENT] = "User-Agent", [ZSIP_HDR_VIA] = "Via",
	[ZSIP_HDR_WARNING] = "Warning", [ZSIP_HDR_WWW_AUTHENTICATE] = "WWW-Authenticate",
};

const char *zsip_hdr_name(enum zsip_hdr_id id)
{
	return (unsigned)id < ZSIP_HDR__COUNT ? canonical[id] : "";
}

/* ------------------------------------------------------------ start line */

/* "SIP/2.0", the protocol name case-insensitive (RFC 3261 §7.1). Returns
 * 1 for SIP/2.0, 0 for another well-formed SIP version, -1 otherwise. */
static int sip_version(const char *p, size_t n)
{
	/* nearly every message: a word compare, no loop */
	if (n == 7 && zsipi_caseeq_lit(p, "sip", 3) && memcmp(p + 3, "/2.0", 4) == 0)
		return 1;
	if (n < 7 || (p[0] | 0x20) != 's' || (p[1] | 0x20) != 'i' || (p[2] | 0x20) != 'p' || p[3] != '/')
		return -1;
	size_t i = 4, dot = 0;
	while (i < n && (zsipi_is_digit((unsigned char)p[i]) || (p[i] == '.' && !dot++)))
		i++;
	if (i != n || dot != 1 || p[4] == '.' || p[n - 1] == '.')
		return -1;
	return n == 7 && p[4] == '2' && p[5] == '.' && p[6] == '0';
}

struct parser {
	struct zsip_msg *m;
	const char *buf;
	const struct zsip_limits *lim;
};

static int fail(struct zsip_msg *m, int err, const char *at)
{
	m->err_off = (size_t)(at - m->buf);
	return err;
}

/* Request-Line = Method SP Request-URI SP SIP-Version CRLF (RFC 3261 §7.1,
 * §25.1): exactly one SP between elements, nothing after the version. */
static int parse_request_line(struct zsip_msg *m, const char *p, const char *eol)
{
	const char *s = p;
	while (p < eol && zsipi_is_token((unsigned char)*p))
		p++;
	if (p == s)
		return fail(m, ZSIP_ESTARTLINE, s);
	if (p == eol || *p != ' ')
		return fail(m, zsipi_is_ws(*p) || p == eol ? ZSIP_ESTARTLINE : ZSIP_EMETHOD, p);
	m->method.p = s;
	m->method.len = (size_t)(p - s);
	m->method_id = (uint8_t)zsip_method_id(m->method);
	const char *u = ++p;
	const char *us = memchr(p, ' ', (size_t)(eol - p));
	p = us ? us : eol;
	if (p == u || p == eol)
		return fail(m, ZSIP_ESTARTLINE, p);
	m->ruri_str.p = u;
	m->ruri_str.len = (size_t)(p - u);
	const char *v = ++p;
	int ver = sip_version(v, (size_t)(eol - v));
	if (ver < 0) {
		/* A second SP or a space inside the URI shows up as a bad version;
		 * name the real fault (RFC 4475 §3.1.2.8 and §3.1.2.9). */
		const char *sp = memchr(v, ' ', (size_t)(eol - v));
		if (sp && sip_version(sp + 1, (size_t)(eol - sp - 1)) >= 0)
			return fail(m, *v == ' ' ? ZSIP_ESTARTLINE : ZSIP_ERURI, v);
		if (sp && sip_version(v, (size_t)(sp - v)) >= 0)
			return fail(m, ZSIP_ESTARTLINE, sp);
		/* Not SIP-Version at all ("HTTP/1.1", "SIP/2"): a malformed
		 * Request-Line (400), not another SIP version (505, §21.5.6);
		 * the same answer the Status-Line gets. */
		return fail(m, ZSIP_ESTARTLINE, v);
	}
	if (ver == 0)
		return fail(m, ZSIP_EVERSION, v);
	/* Headers are not allowed in a Request-URI (RFC 3261 §19.1.1 table). */
	if (zsip_uri_parse(&m->ruri, m->ruri_str) < 0 || m->ruri.headers.p)
		return fail(m, ZSIP_ERURI, u);
	m->is_request = 1;
	return 0;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF. The
 * first digit is the class, 1 to 6 (RFC 3261 §7.2: "SIP/2.0 allows six
 * values for the first digit"); a code outside 100-699 has no class. */
static int parse_status_line(struct zsip_msg *m, const char *p, const char *eol, const char *end)
{
	const char *sp = memchr(p, ' ', (size_t)(eol - p));
	if (!sp)
		return fail(m, ZSIP_ESTARTLINE, p);
	int ver = sip_version(p, (size_t)(sp - p));
	if (ver <= 0)
		return fail(m, ver < 0 ? ZSIP_ESTARTLINE : ZSIP_EVERSION, p);
	const char *c = sp + 1;
	if (eol - c < 3 || !zsipi_is_digit((unsigned char)c[0]) || !zsipi_is_digit((unsigned char)c[1]) ||
	    !zsipi_is_digit((unsigned char)c[2]) || c[0] < '1' || c[0] > '6' || (eol - c > 3 && c[3] != ' '))
		return fail(m, ZSIP_ESTATUS, c);
	m->status = (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
	m->reason.p = c + 3 + (eol - c > 3);
	m->reason.len = (size_t)(eol - m->reason.p);
	/* Reason-Phrase is TEXT-UTF8 / SP / HT: no control characters, and
	 * DEL (0x7f) is one. */
	const char *r = zsipi_scan_text(m->reason.p, eol, end);
	return r < eol ? fail(m, ZSIP_ESTARTLINE, r) : 0;
}

/* -------------------------------------------------------------- headers */

/* A header line whose name is not a token followed by ':' (RFC 3261
 * §7.3.1): the offset is the first byte that breaks it. */
static int bad_name(struct zsip_msg *m, const char *name, const char *eol)
{
	const char *p = zsipi_span(name, eol, ZSIPI_C_TOKEN);
	if (p > name)
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
	return fail(m, ZSIP_EHDRLINE, p);
}

/* The end of the line whose first CR or LF (or end) is eol: returns the
 * byte after it, or NULL with the error in *err. A CR must start a CRLF: a
 * bare one is no LWS (RFC 3261 §25.1), and letting it through would let a
 * value end a line for a peer that splits lines at CR. A bare LF ends a
 * line, for lenient peers. */
static inline const char *line_end(struct zsip_msg *m, const char *eol, const char *end, int *err)
{
	if (eol == end)
		return *err = fail(m, ZSIP_ETRUNC, end), NULL;
	if (*eol != '\r')
		return eol + 1;
	if (eol + 1 == end)
		return *err = fail(m, ZSIP_ETRUNC, end), NULL;
	if (eol[1] != '\n')
		return *err = fail(m, ZSIP_EHDRLINE, eol), NULL;
	return eol + 2;
}

#if defined(__GNUC__)
#define RARE __attribute__((noinline, cold))
#else
#define RARE
#endif

/* A value folded onto the line at p, which starts with SP or HT (RFC
 * 3261 §7.3.1): runs over every such line. Returns the byte after the
 * last one and sets *vend to its CR or LF; NULL with the error in *err.
 * Rare, and kept out of the header loop so that the loop's registers stay
 * its own. */
RARE static const char *folded(struct zsip_msg *m, const char *p, const char *end, const char **vend,
			       int *err)
{
	do {
		*vend = zsipi_scan_eol(p, end);
		if (!(p = line_end(m, *vend, end, err)))
			return NULL;
	} while (p < end && (*p == ' ' || *p == '\t'));
	return p;
}

/* Reads the header fields from p, which starts a line. On success *body
 * points after the blank line. */
static int parse_headers(struct parser *ps, const char *p, const char *end, const char **body)
{
	struct zsip_msg *m = ps->m;
	uint8_t last[ZSIP_HDR__COUNT] = { 0 };
	unsigned max = ps->lim->max_headers;
	if (max == 0 || max > ZSIP_MAX_HEADERS)
		max = ZSIP_MAX_HEADERS;

	size_t max_len = ps->lim->max_header_len;
	unsigned n = 0;
	for (;; n++) {
		if (p >= end)
			return fail(m, ZSIP_ETRUNC, p);
		/* The name runs to the ':' of the first line; one scan finds it
		 * and the line's end. A known name is proof enough that it is a
		 * token (see lookup; a CR, which would fold onto '-', stops the
		 * scan first); any other is checked. */
		const char *name = p, *colon, *eol = zsipi_scan_line(p, end, &colon), *ne = colon;
		if (colon == name && colon < end && *colon != ':') {
			/* the blank line that ends the header block */
			if (*p == '\r') {
				if (p + 1 >= end)
					return fail(m, ZSIP_ETRUNC, p);
				if (p[1] != '\n')
					return fail(m, ZSIP_EHDRLINE, p);
				p++;
			}
			m->nhdr = n;
			*body = p + 1;
			return 0;
		}
		if (colon == end)
			return fail(m, ZSIP_ETRUNC, end);
		if (*colon != ':')
			return bad_name(m, name, colon);
		/* usually no WSP before the ':': one test for that */
		if (ne > name && (unsigned char)ne[-1] <= ' ')
			while (ne > name && (ne[-1] == ' ' || ne[-1] == '\t'))
				ne--;
		size_t nlen = (size_t)(ne - name);
		enum zsip_hdr_id id = nlen ? lookup(name, nlen, (size_t)(end - name)) : ZSIP_HDR_OTHER;
		if (id == ZSIP_HDR_OTHER && (nlen == 0 || zsipi_span(name, ne, ZSIPI_C_TOKEN) != ne))
			return bad_name(m, name, colon);
		/* The value runs to the end of the line and over every following
		 * line that starts with SP or HT (a fold). */
		const char *vstart = colon + 1, *vend = eol;
		int rc;
		if (!(p = line_end(m, eol, end, &rc)))
			return rc;
		/* SP and HT sort at or below SP: one test for the usual case of
		 * no fold */
		if (p < end && (unsigned char)*p <= ' ' && (*p == ' ' || *p == '\t') &&
		    !(p = folded(m, p, end, &vend, &rc)))
			return rc;
		size_t line_len = (size_t)(p - name);
		if (line_len > max_len)
			return fail(m, ZSIP_EHDRTOOLONG, name);
		if (n >= max)
			return fail(m, ZSIP_ETOOMANYHDRS, name);
		/* LWS around the value: usually one SP before, none after. No
		 * bound to test: *vend is the CR or LF that ends the last line
		 * (so a value that is all SP stops there), and vend[-1] is at
		 * worst the ':'. */
		if (*vstart == ' ')
			vstart++;
		if ((unsigned char)*vstart <= ' ')
			vstart = zsipi_skip_lws(vstart, vend);
		if ((unsigned char)vend[-1] <= ' ')
			vend = zsipi_trim_lws(vstart, vend);

		struct zsip_hdr *h = &m->hdr[n];
		h->name.p = name;
		h->name.len = nlen;
		h->value.p = vstart;
		h->value.len = (size_t)(vend - vstart);
		h->line_len = (uint32_t)line_len;
		h->id = (uint16_t)id;
		h->next = 0;
		if (id != ZSIP_HDR_OTHER) {
			if (last[id])
				m->hdr[last[id] - 1].next = (uint16_t)n;
			else
				m->first[id] = (uint8_t)(n + 1);
			last[id] = (uint8_t)(n + 1);
		}
	}
}

/* ------------------------------------------------------------- checks */

static const struct zsip_hdr *single(struct zsip_msg *m, enum zsip_hdr_id id, int missing, int *err)
{
	if (!m->first[id]) {
		if (missing)
			*err = fail(m, missing, m->buf + m->head.len);
		return NULL;
	}
	const struct zsip_hdr *h = &m->hdr[m->first[id] - 1];
	if (h->next) {
		*err = fail(m, ZSIP_EMULTI, m->hdr[h->next].name.p);
		return NULL;
	}
	return h;
}

/* Call-ID = word [ "@" word ] (RFC 3261 §25.1); '@' is no word byte. */
static int callid_ok(struct zsip_str v)
{
	const char *p = v.p, *end = v.p + v.len, *w = zsipi_span(p, end, ZSIPI_C_WORD);
	if (w == p)
		return 0;
	if (w < end && *w == '@') {
		p = w + 1;
		w = zsipi_span(p, end, ZSIPI_C_WORD);
		if (w == p)
			return 0;
	}
	return w == end;
}

static int check_vias(struct zsip_msg *m)
{
	const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_VIA);
	if (!h)
		return fail(m, ZSIP_ENOVIA, m->buf + m->head.len);
	struct zsip_via *via = &m->via, rest;
	for (; h; h = zsip_msg_find_next(m, h)) {
		const char *p = h->value.p, *end = p + h->value.len;
		do {
			if (zsipi_via_next(via, p, end, &p) < 0)
				return fail(m, ZSIP_EVIA, h->value.p);
			via = &rest; /* only the top one is kept */
		} while (p < end);
	}
	return 0;
}

static int check(struct zsip_msg *m)
{
	int err = 0;
	const struct zsip_hdr *h;

	/* RFC 3261 §8.1.1: To, From, CSeq, Call-ID, Via are mandatory;
	 * Max-Forwards is left optional for RFC 2543 peers (RFC 4475 §3.4.1). */
	if (!(h = single(m, ZSIP_HDR_TO, ZSIP_ENOTO, &err)))
		return err;
	if (zsip_nameaddr_parse(&m->to, h->value) < 0)
		return fail(m, ZSIP_ETO, h->value.p);
	if (!(h = single(m, ZSIP_HDR_FROM, ZSIP_ENOFROM, &err)))
		return err;
	if (zsip_nameaddr_parse(&m->from, h->value) < 0)
		return fail(m, ZSIP_EFROM, h->value.p);
	if (!(h = single(m, ZSIP_HDR_CALL_ID, ZSIP_ENOCALLID, &err)))
		return err;
	if (!callid_ok(h->value))
		return fail(m, ZSIP_ECALLID, h->value.p);
	m->call_id = h->value;
	if (!(h = single(m, ZSIP_HDR_CSEQ, ZSIP_ENOCSEQ, &err)))
		return err;
	if (zsip_cseq_parse(&m->cseq, h->value) < 0)
		return fail(m, ZSIP_ECSEQ, h->value.p);
	/* RFC 3261 §8.1.1.5: the CSeq method MUST match the request's. A
	 * server that does not know the method answers 501 first (§8.2.1).
	 * Two equal known ids are two tokens equal to the same name. */
	if (m->is_request && (m->method_id == ZSIP_METHOD_OTHER || m->cseq.method_id != m->method_id) &&
	    !zsip_str_eq(m->cseq.method, m->method))
		return fail(m, m->method_id == ZSIP_METHOD_OTHER ? ZSIP_ENOTIMPL : ZSIP_ECSEQ_METHOD,
			    m->cseq.method.p);
	m->max_forwards = -1;
	if ((h = single(m, ZSIP_HDR_MAX_FORWARDS, 0, &err))) {
		uint32_t mf;
		if (zsip_uint_parse(h->value, 255, &mf) < 0)
			return fail(m, ZSIP_EMAXFWD, h->value.p);
		m->max_forwards = (int)mf;
	} else if (err) {
		return err;
	}
	return check_vias(m);
}

/* Content-Length (RFC 3261 §20.14, §18.3). Repeats are tolerated only when
 * they agree (RFC 4475 §3.3.9). */
static int content_length(struct zsip_msg *m, long *out)
{
	*out = -1;
	for (const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_CONTENT_LENGTH); h; h = zsip_msg_find_next(m, h)) {
		uint32_t n;
		if (zsip_uint_parse(h->value, 0xffffffffu, &n) < 0)
			return fail(m, ZSIP_ECLEN, h->value.p);
		if (*out >= 0 && (unsigned long)*out != n)
			return fail(m, ZSIP_ECLEN_DUP, h->name.p);
		*out = (long)n;
	}
	return 0;
}

/* ------------------------------------------------------------- entry */

int zsip_msg_parse(struct zsip_msg *m, const char *buf, size_t len, const struct zsip_limits *lim)
{
	if (!m || (!buf && len))
		return ZSIP_EINVAL;
	if (!lim)
		lim = &default_limits;
	/* No memset of the whole struct: the parsers below write every field of
	 * what they fill (via, from, to, cseq, the Request-URI), so only the
	 * rest is set here. After an error only err_off is meaningful. */
	m->buf = buf;
	m->len = 0;
	m->is_request = 0;
	m->method = m->ruri_str = m->reason = m->call_id = m->body = m->head = (struct zsip_str){ NULL, 0 };
	m->method_id = 0;
	m->status = 0;
	m->max_forwards = -1;
	m->content_length = -1;
	m->nhdr = 0;
	memset(m->first, 0, sizeof m->first);
	m->err_off = 0;
	if (len > lim->max_msg_size)
		return fail(m, ZSIP_ETOOBIG, buf + lim->max_msg_size);

	const char *p = buf, *end = buf + len;
	/* RFC 3261 §7.5: CRLFs before the start line are ignored. */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p == end)
		return fail(m, ZSIP_ETRUNC, p);
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		return fail(m, ZSIP_ETRUNC, end);
	const char *eol = nl > p && nl[-1] == '\r' ? nl - 1 : nl;

	/* A response starts with the version; a method is a token and so never
	 * holds the '/' of "SIP/". */
	int rc;
	if (end - p > 4 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p' && p[3] == '/') {
		memset(&m->ruri, 0, sizeof m->ruri);
		rc = parse_status_line(m, p, eol, end);
	} else {
		rc = parse_request_line(m, p, eol);
	}
	if (rc < 0)
		return rc;

	struct parser ps = { m, buf, lim };
	const char *body = NULL;
	if ((rc = parse_headers(&ps, nl + 1, end, &body)) < 0)
		return rc;
	m->head.p = buf;
	m->head.len = (size_t)(body - buf);

	long cl;
	if ((rc = content_length(m, &cl)) < 0)
		return rc;
	size_t avail = (size_t)(end - body);
	if (cl >= 0 && (unsigned long)cl > avail)
		return fail(m, ZSIP_EBODY, end);
	m->content_length = cl;
	m->body.p = body;
	m->body.len = cl >= 0 ? (size_t)cl : avail;
	m->len = (size_t)(body - buf) + m->body.len;

	if ((rc = check(m)) < 0)
		return rc;
	return (int)m->len;
}

/* ------------------------------------------------------------- access */

const struct zsip_hdr *zsip_msg_find(const struct zsip_msg *m, enum zsip_hdr_id id)
{
	if ((unsigned)id >= ZSIP_HDR__COUNT || id == ZSIP_HDR_OTHER || !m->first[id])
		return NULL;
	return &m->hdr[m->first[id] - 1];
}

const struct zsip_hdr *zsip_msg_find_next(const struct zsip_msg *m, const struct zsip_hdr *h)
{
	return h && h->next ? &m->hdr[h->next] : NULL;
}

const struct zsip_hdr *zsip_msg_find_name(const struct zsip_msg *m, struct zsip_str name)
{
	enum zsip_hdr_id id = zsip_hdr_lookup(name);
	if (id != ZSIP_HDR_OTHER)
		return zsip_msg_find(m, id);
	for (unsigned i = 0; i < m->nhdr; i++)
		if (m->hdr[i].id == ZSIP_HDR_OTHER && zsip_str_caseeq(m->hdr[i].name, name))
			return &m->hdr[i];
	return NULL;
}

int zsip_msg_contact(const struct zsip_msg *m, struct zsip_contact *c)
{
	const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_CONTACT);
	if (!h)
		return ZSIP_ENOTFOUND;
	struct zsip_str cur = h->value, v;
	int rc = zsip_value_next(&cur, &v);
	if (rc <= 0)
		return rc < 0 ? rc : ZSIP_EVALUE;
	return zsip_contact_parse(c, v);
}
