/* The serializer: requests, responses and reason phrases.
 *
 * Every builder follows snprintf's rule: it walks the whole message, counts
 * every byte it needs, writes only those that fit in out[0 .. cap) and
 * returns the total. A caller whose buffer was too small retries with the
 * returned size. When there is room left after the message, a NUL follows
 * it (not counted), so a message can be printed while debugging. */
#include <limits.h>
#include <string.h>

#include "msg/lex.h"
#include "msg/msgi.h"
#include "msg/wbuf.h"
#include "zsip/msg.h"

/* ----------------------------------------------------------- the writer */

void zsipi_put_short(struct zsipi_wbuf *w, const char *p, size_t n)
{
	if (w->len < w->cap)
		memcpy(w->out + w->len, p, w->cap - w->len);
	/* Saturate rather than wrap: zsipi_wbuf_end turns it into an error. */
	w->len = n > SIZE_MAX - w->len ? SIZE_MAX : w->len + n;
}

void zsipi_put_uint(struct zsipi_wbuf *w, unsigned long v)
{
	char d[24];
	size_t i = sizeof d;
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	zsipi_put(w, d + i, sizeof d - i);
}

int zsipi_wbuf_end(struct zsipi_wbuf *w)
{
	if (w->len > INT_MAX)
		return ZSIP_EINVAL;
	if (w->len < w->cap)
		w->out[w->len] = '\0';
	return (int)w->len;
}

/* ------------------------------------------------------------ validation */

/* token (RFC 3261 §25.1) */
int zsipi_valid_token(struct zsip_str s)
{
	if (!s.p || s.len == 0)
		return 0;
	for (size_t i = 0; i < s.len; i++)
		if (!zsipi_is_token((unsigned char)s.p[i]))
			return 0;
	return 1;
}

/* A value the caller gives may hold anything but a line end: a CR or LF
 * would end the field early and let the rest pass as a header of its own.
 * An absent value writes as empty. */
int zsipi_valid_value(struct zsip_str s)
{
	if (!s.p)
		return s.len == 0;
	return memchr(s.p, '\r', s.len) == NULL && memchr(s.p, '\n', s.len) == NULL;
}

/* The Request-URI is one element of the request line (RFC 3261 §7.1):
 * no SP, HT or control characters may sit inside it. */
static int valid_ruri(struct zsip_str s)
{
	if (!s.p || s.len == 0)
		return 0;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c <= ' ' || c == 0x7f)
			return 0;
	}
	return 1;
}

/* Reason-Phrase (RFC 3261 §25.1): printable characters, UTF-8, SP and HT. */
static int valid_reason(struct zsip_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if ((c < ' ' && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

static int valid_body(struct zsip_str b)
{
	return b.p != NULL || b.len == 0;
}

/* Checks the caller's fields. The builder writes Content-Length itself
 * (from the body), so a caller's copy is refused rather than doubled;
 * `owned` lists further ids the builder writes (responses), 0-terminated. */
static int check_fields(const struct zsip_field *f, size_t n, const enum zsip_hdr_id *owned)
{
	if (n && !f)
		return ZSIP_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!zsipi_valid_token(f[i].name) || !zsipi_valid_value(f[i].value))
			return ZSIP_EINVAL;
		enum zsip_hdr_id id = zsip_hdr_lookup(f[i].name);
		if (id == ZSIP_HDR_CONTENT_LENGTH)
			return ZSIP_EINVAL;
		for (const enum zsip_hdr_id *o = owned; o && *o; o++)
			if (id == *o)
				return ZSIP_EINVAL;
	}
	return 0;
}

static void put_fields(struct zsipi_wbuf *w, const struct zsip_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		zsipi_put_field(w, f[i].name, f[i].value);
}

/* "Content-Length: N CRLF CRLF body": the end of every built message. */
static void put_tail(struct zsipi_wbuf *w, struct zsip_str body)
{
	zsipi_put_c(w, "Content-Length: ");
	zsipi_put_uint(w, body.len);
	zsipi_put(w, "\r\n\r\n", 4);
	zsipi_put_str(w, body);
}

/* -------------------------------------------------------------- requests */

int zsip_build_request(char *out, size_t cap, const struct zsip_request *req)
{
	if (!req || (!out && cap))
		return ZSIP_EINVAL;
	/* Method is a token (RFC 3261 §7.1, §25.1). */
	if (!zsipi_valid_token(req->method) || !valid_ruri(req->ruri) || !valid_body(req->body))
		return ZSIP_EINVAL;
	int rc = check_fields(req->hdrs, req->nhdrs, NULL);
	if (rc < 0)
		return rc;

	struct zsipi_wbuf w = { out, cap, 0 };
	/* Request-Line = Method SP Request-URI SP SIP-Version CRLF (§7.1) */
	zsipi_put_str(&w, req->method);
	zsipi_put(&w, " ", 1);
	zsipi_put_str(&w, req->ruri);
	zsipi_put_c(&w, " SIP/2.0\r\n");
	put_fields(&w, req->hdrs, req->nhdrs);
	put_tail(&w, req->body);
	return zsipi_wbuf_end(&w);
}

/* ------------------------------------------------------------- responses */

/* Fields zsip_build_response copies from the request; the caller may not
 * add them again. */
static const enum zsip_hdr_id resp_owned[] = {
	ZSIP_HDR_VIA, ZSIP_HDR_FROM, ZSIP_HDR_TO, ZSIP_HDR_CALL_ID, ZSIP_HDR_CSEQ, 0
};

static int has_field(const struct zsip_field *f, size_t n, enum zsip_hdr_id id)
{
	for (size_t i = 0; i < n; i++)
		if (zsip_hdr_lookup(f[i].name) == id)
			return 1;
	return 0;
}

/* RFC 3261 §8.2.6: the response copies Via (all of them, in order, §8.2.6.2),
 * From, To, Call-ID and CSeq; a 100 (Trying) copies Timestamp (§8.2.6.1). */
_Static_assert(ZSIP_HDR__COUNT <= 256, "struct zsipi_copy keeps a header id in 8 bits");
static const enum zsip_hdr_id resp_copied[] = {
	ZSIP_HDR_VIA, ZSIP_HDR_FROM, ZSIP_HDR_TO, ZSIP_HDR_CALL_ID, ZSIP_HDR_CSEQ, ZSIP_HDR_TIMESTAMP
};

size_t zsipi_response_copies(const struct zsip_msg *req, struct zsipi_copy *c, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < sizeof resp_copied / sizeof resp_copied[0]; i++) {
		enum zsip_hdr_id id = resp_copied[i];
		const struct zsip_hdr *h = zsip_msg_find(req, id);
		/* The request must hold what a response copies (§8.1.1). */
		if (!h && id != ZSIP_HDR_TIMESTAMP)
			return 0;
		/* One To: the response writes it with its tag. */
		for (; h; h = id == ZSIP_HDR_TO ? NULL : zsip_msg_find_next(req, h)) {
			if (n == cap || h->value.len >= 1u << 24)
				return 0;
			if (c) {
				c[n].off = (uint32_t)(h->value.p - req->buf);
				c[n].len = (uint32_t)h->value.len;
				c[n].id = id;
			}
			n++;
		}
	}
	return n;
}

/* The UAS adds a To tag unless the request had one (§8.2.6.2, §12.1.1).
 *
 * Record-Route is not copied: RFC 3261 §12.1.1 asks for it only in the
 * responses that set up a dialog (1xx/2xx to a dialog-creating request),
 * which only the caller knows; pass the Record-Route fields in resp->hdrs
 * then. Contact, Content-Type and the rest likewise go in resp->hdrs. */
/* "Name: " of a copied field (resp_copied), its length known here rather
 * than measured for every field of every response. */
static struct zsip_str copied_name(unsigned id)
{
	switch (id) {
	case ZSIP_HDR_VIA: return ZSIP_STR("Via: ");
	case ZSIP_HDR_FROM: return ZSIP_STR("From: ");
	case ZSIP_HDR_CALL_ID: return ZSIP_STR("Call-ID: ");
	case ZSIP_HDR_CSEQ: return ZSIP_STR("CSeq: ");
	default: return ZSIP_STR("Timestamp: ");
	}
}

int zsipi_build_response_copies(char *out, size_t cap, const char *base,
				const struct zsipi_copy *c, size_t n, int to_tagged,
				struct zsip_str lines, const struct zsip_response *resp)
{
	if ((!out && cap) || resp->code < 100 || resp->code > 699)
		return ZSIP_EINVAL;
	if (resp->reason.p && !valid_reason(resp->reason))
		return ZSIP_EINVAL;
	/* tag = token (RFC 3261 §25.1) */
	if (resp->to_tag.p && !zsipi_valid_token(resp->to_tag))
		return ZSIP_EINVAL;
	if (!valid_body(resp->body))
		return ZSIP_EINVAL;
	int rc = check_fields(resp->hdrs, resp->nhdrs, resp_owned);
	if (rc < 0)
		return rc;
	/* A caller that gives its own Timestamp (e.g. with a delay) wins. */
	int timestamp = resp->code == 100 && !has_field(resp->hdrs, resp->nhdrs, ZSIP_HDR_TIMESTAMP);

	struct zsipi_wbuf w = { out, cap, 0 };
	/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF (§7.2);
	 * the second SP stays even when the phrase is empty. */
	zsipi_put_c(&w, "SIP/2.0 ");
	zsipi_put_uint(&w, (unsigned long)resp->code);
	zsipi_put(&w, " ", 1);
	if (resp->reason.p)
		zsipi_put_str(&w, resp->reason);
	else
		zsipi_put_c(&w, zsip_reason_phrase(resp->code));
	zsipi_put(&w, "\r\n", 2);

	/* Each field one line under its full name; the value as received (a
	 * fold inside it is legal LWS, RFC 3261 §7.3.1). */
	for (size_t i = 0; i < n; i++) {
		struct zsip_str v = { base + c[i].off, c[i].len };
		if (c[i].id == ZSIP_HDR_TIMESTAMP && !timestamp)
			continue;
		if (c[i].id != ZSIP_HDR_TO) {
			zsipi_put_str(&w, copied_name(c[i].id));
			zsipi_put_str(&w, v);
			zsipi_put(&w, "\r\n", 2);
			continue;
		}
		zsipi_put_c(&w, "To: ");
		zsipi_put_str(&w, v);
		if (resp->to_tag.p && !to_tagged) {
			zsipi_put_c(&w, ";tag=");
			zsipi_put_str(&w, resp->to_tag);
		}
		zsipi_put(&w, "\r\n", 2);
	}

	zsipi_put_str(&w, lines);
	put_fields(&w, resp->hdrs, resp->nhdrs);
	put_tail(&w, resp->body);
	return zsipi_wbuf_end(&w);
}

int zsip_build_response(char *out, size_t cap, const struct zsip_msg *req,
			const struct zsip_response *resp)
{
	if (!req || !resp || !req->is_request)
		return ZSIP_EINVAL;
	struct zsipi_copy c[ZSIP_MAX_HEADERS];
	size_t n = zsipi_response_copies(req, c, ZSIP_MAX_HEADERS);
	if (!n)
		return ZSIP_EINVAL;
	return zsipi_build_response_copies(out, cap, req->buf, c, n, req->to.tag.p != NULL,
					   (struct zsip_str){ NULL, 0 }, resp);
}

/* -------------------------------------------------------- reason phrases */

/* RFC 3261 §21 and the codes later RFCs registered with IANA. */
const char *zsip_reason_phrase(int code)
{
	switch (code) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 181: return "Call Is Being Forwarded";
	case 182: return "Queued";
	case 183: return "Session Progress";
	case 199: return "Early Dialog Terminated";          /* RFC 6228 */
	case 200: return "OK";
	case 202: return "Accepted";                         /* RFC 3265 */
	case 204: return "No Notification";                  /* RFC 5839 */
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Moved Temporarily";
	case 305: return "Use Proxy";
	case 380: return "Alternative Service";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 412: return "Conditional Request Failed";       /* RFC 3903 */
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Unsupported URI Scheme";
	case 417: return "Unknown Resource-Priority";        /* RFC 4412 */
	case 420: return "Bad Extension";
	case 421: return "Extension Required";
	case 422: return "Session Interval Too Small";       /* RFC 4028 */
	case 423: return "Interval Too Brief";
	case 424: return "Bad Location Information";         /* RFC 6442 */
	case 425: return "Bad Alert Message";                /* RFC 8876 */
	case 428: return "Use Identity Header";              /* RFC 8224 */
	case 429: return "Provide Referrer Identity";        /* RFC 3892 */
	case 430: return "Flow Failed";                      /* RFC 5626 */
	case 433: return "Anonymity Disallowed";             /* RFC 5079 */
	case 436: return "Bad Identity Info";                /* RFC 8224 */
	case 437: return "Unsupported Credential";           /* RFC 8224 */
	case 438: return "Invalid Identity Header";          /* RFC 8224 */
	case 439: return "First Hop Lacks Outbound Support"; /* RFC 5626 */
	case 440: return "Max-Breadth Exceeded";             /* RFC 5393 */
	case 469: return "Bad Info Package";                 /* RFC 6086 */
	case 470: return "Consent Needed";                   /* RFC 5360 */
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 482: return "Loop Detected";
	case 483: return "Too Many Hops";
	case 484: return "Address Incomplete";
	case 485: return "Ambiguous";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 489: return "Bad Event";                        /* RFC 6665 */
	case 491: return "Request Pending";
	case 493: return "Undecipherable";
	case 494: return "Security Agreement Required";      /* RFC 3329 */
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Server Time-out";
	case 505: return "Version Not Supported";
	case 513: return "Message Too Large";
	case 555: return "Push Notification Service Not Supported"; /* RFC 8599 */
	case 580: return "Precondition Failure";             /* RFC 3312 */
	case 600: return "Busy Everywhere";
	case 603: return "Decline";
	case 604: return "Does Not Exist Anywhere";
	case 606: return "Not Acceptable";
	case 607: return "Unwanted";                         /* RFC 8197 */
	case 608: return "Rejected";                         /* RFC 8688 */
	default: return "";
	}
}
