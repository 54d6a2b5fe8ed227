/* zsip message layer: zero-copy parser, typed header parsers, serializer,
 * forwarding edits and the TCP stream framer.
 *
 * Nothing here allocates. A parsed value is a struct zsip_str pointing into
 * the buffer the caller passed to the parser: keep that buffer alive, and
 * unchanged, for as long as you read the parsed message or anything taken
 * from it. Every function is reentrant and keeps no state between calls.
 *
 * Errors are negative ZSIP_E* codes (zsip/err.h); zsip_strerror() names
 * them. */
#ifndef ZSIP_MSG_H
#define ZSIP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "zsip/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- slices */

/* A byte range in someone else's buffer; not NUL-terminated. An absent value
 * has p == NULL; a present but empty one has p != NULL and len == 0. */
struct zsip_str {
	const char *p;
	size_t len;
};

/* A slice of a NUL-terminated literal, for building messages. */
#define ZSIP_STR(lit) ((struct zsip_str){ (lit), sizeof(lit) - 1 })

/* Makes a slice of a NUL-terminated string s (NULL gives an absent slice). */
struct zsip_str zsip_str_c(const char *s);
/* 1 when a and b hold the same bytes. */
int zsip_str_eq(struct zsip_str a, struct zsip_str b);
/* 1 when a and b are equal ignoring ASCII case. */
int zsip_str_caseeq(struct zsip_str a, struct zsip_str b);
/* 1 when a equals the NUL-terminated c, ignoring ASCII case. */
int zsip_str_caseeq_c(struct zsip_str a, const char *c);

/* --------------------------------------------------------------- methods */

enum zsip_method {
	ZSIP_METHOD_OTHER = 0, /* an extension method: read the token itself */
	ZSIP_METHOD_INVITE,
	ZSIP_METHOD_ACK,
	ZSIP_METHOD_BYE,
	ZSIP_METHOD_CANCEL,
	ZSIP_METHOD_REGISTER,
	ZSIP_METHOD_OPTIONS,
	ZSIP_METHOD_PRACK,
	ZSIP_METHOD_SUBSCRIBE,
	ZSIP_METHOD_NOTIFY,
	ZSIP_METHOD_PUBLISH,
	ZSIP_METHOD_INFO,
	ZSIP_METHOD_REFER,
	ZSIP_METHOD_MESSAGE,
	ZSIP_METHOD_UPDATE,
};

/* The method a token names (case-sensitive, RFC 3261 §7.1), or
 * ZSIP_METHOD_OTHER. */
enum zsip_method zsip_method_id(struct zsip_str token);
/* The canonical name of a known method; "" for ZSIP_METHOD_OTHER. */
const char *zsip_method_name(enum zsip_method m);

/* --------------------------------------------------------------- headers */

/* Known header names. Lookup is case-insensitive and knows the compact forms
 * of RFC 3261 §7.3.3 and later RFCs. Unknown headers are ZSIP_HDR_OTHER. */
enum zsip_hdr_id {
	ZSIP_HDR_OTHER = 0,
	ZSIP_HDR_ACCEPT,
	ZSIP_HDR_ACCEPT_CONTACT,      /* a, RFC 3841 */
	ZSIP_HDR_ACCEPT_ENCODING,
	ZSIP_HDR_ACCEPT_LANGUAGE,
	ZSIP_HDR_ALERT_INFO,
	ZSIP_HDR_ALLOW,
	ZSIP_HDR_ALLOW_EVENTS,        /* u, RFC 6665 */
	ZSIP_HDR_AUTHENTICATION_INFO,
	ZSIP_HDR_AUTHORIZATION,
	ZSIP_HDR_CALL_ID,             /* i */
	ZSIP_HDR_CALL_INFO,
	ZSIP_HDR_CONTACT,             /* m */
	ZSIP_HDR_CONTENT_DISPOSITION,
	ZSIP_HDR_CONTENT_ENCODING,    /* e */
	ZSIP_HDR_CONTENT_LANGUAGE,
	ZSIP_HDR_CONTENT_LENGTH,      /* l */
	ZSIP_HDR_CONTENT_TYPE,        /* c */
	ZSIP_HDR_CSEQ,
	ZSIP_HDR_DATE,
	ZSIP_HDR_ERROR_INFO,
	ZSIP_HDR_EVENT,               /* o, RFC 6665 */
	ZSIP_HDR_EXPIRES,
	ZSIP_HDR_FROM,                /* f */
	ZSIP_HDR_IDENTITY,            /* y, RFC 8224 */
	ZSIP_HDR_IN_REPLY_TO,
	ZSIP_HDR_MAX_FORWARDS,
	ZSIP_HDR_MIME_VERSION,
	ZSIP_HDR_MIN_EXPIRES,
	ZSIP_HDR_MIN_SE,
	ZSIP_HDR_ORGANIZATION,
	ZSIP_HDR_PATH,
	ZSIP_HDR_PRIORITY,
	ZSIP_HDR_PROXY_AUTHENTICATE,
	ZSIP_HDR_PROXY_AUTHORIZATION,
	ZSIP_HDR_PROXY_REQUIRE,
	ZSIP_HDR_RACK,
	ZSIP_HDR_RECORD_ROUTE,
	ZSIP_HDR_REFER_TO,            /* r, RFC 3515 */
	ZSIP_HDR_REFERRED_BY,         /* b, RFC 3892 */
	ZSIP_HDR_REJECT_CONTACT,      /* j, RFC 3841 */
	ZSIP_HDR_REPLY_TO,
	ZSIP_HDR_REQUEST_DISPOSITION, /* d, RFC 3841 */
	ZSIP_HDR_REQUIRE,
	ZSIP_HDR_RETRY_AFTER,
	ZSIP_HDR_ROUTE,
	ZSIP_HDR_RSEQ,
	ZSIP_HDR_SERVER,
	ZSIP_HDR_SERVICE_ROUTE,
	ZSIP_HDR_SESSION_EXPIRES,     /* x, RFC 4028 */
	ZSIP_HDR_SUBJECT,             /* s */
	ZSIP_HDR_SUPPORTED,           /* k */
	ZSIP_HDR_TIMESTAMP,
	ZSIP_HDR_TO,                  /* t */
	ZSIP_HDR_UNSUPPORTED,
	ZSIP_HDR_USER_AGENT,
	ZSIP_HDR_VIA,                 /* v */
	ZSIP_HDR_WARNING,
	ZSIP_HDR_WWW_AUTHENTICATE,
	ZSIP_HDR__COUNT
};

/* The id of a header name (full or compact form, any case). */
enum zsip_hdr_id zsip_hdr_lookup(struct zsip_str name);
/* The canonical full name of a known header ("Call-ID"); "" for OTHER. */
const char *zsip_hdr_name(enum zsip_hdr_id id);

/* One header field as received. name and value point into the message
 * buffer. value has leading and trailing white space removed but keeps any
 * folding (CRLF followed by SP/HT) inside it: the typed parsers treat folds
 * as white space, as RFC 3261 §7.3.1 says. The whole field, from the first
 * byte of its name to the end of its last CRLF, is name.p[0 .. line_len). */
struct zsip_hdr {
	struct zsip_str name;
	struct zsip_str value;
	uint32_t line_len;
	uint16_t id;     /* enum zsip_hdr_id */
	uint16_t next;   /* index of the next field with the same id, 0: none */
};

/* --------------------------------------------------------------- limits */

/* Hard cap on the header fields one parsed message can hold. */
#define ZSIP_MAX_HEADERS 128

/* Limits the parser and framer enforce. Pass NULL for the defaults. */
struct zsip_limits {
	size_t max_msg_size;    /* bytes given to the parser (a whole datagram) or framed; default 65535 */
	unsigned max_headers;   /* header fields; default and maximum ZSIP_MAX_HEADERS */
	size_t max_header_len;  /* one field incl. folding; default 8192 */
};

/* ------------------------------------------------------------------ URIs */

enum zsip_uri_scheme {
	ZSIP_URI_OTHER = 0, /* absoluteURI of another scheme: only raw and scheme are set */
	ZSIP_URI_SIP,
	ZSIP_URI_SIPS,
	ZSIP_URI_TEL,       /* RFC 3966: user holds the number, params the rest */
};

enum zsip_host_type {
	ZSIP_HOST_NONE = 0,
	ZSIP_HOST_NAME,
	ZSIP_HOST_IPV4,
	ZSIP_HOST_IPV6,     /* host keeps the '[' ']' */
};

/* A parsed URI (RFC 3261 §19.1, RFC 3966). Every slice points into the
 * text given to zsip_uri_parse. %-escapes are left as received: compare
 * with zsip_uri_eq or decode with zsip_unescape. */
struct zsip_uri {
	struct zsip_str raw;       /* the whole URI */
	struct zsip_str scheme;    /* "sip", "sips", "tel", ... as written */
	struct zsip_str user;      /* absent when there is no userinfo */
	struct zsip_str password;  /* absent when there is no ':' in userinfo */
	struct zsip_str host;
	struct zsip_str port_str;  /* absent when no port is given */
	struct zsip_str params;    /* after the first ';' up to '?' or the end, without the ';' */
	struct zsip_str headers;   /* after '?', without the '?' */
	uint16_t port;             /* 0 when absent */
	uint8_t scheme_id;         /* enum zsip_uri_scheme */
	uint8_t host_type;         /* enum zsip_host_type */
};

/* Parses text as one URI. SIP and SIPS URIs are parsed fully (user,
 * password, host including IPv6 references, port, parameters, headers);
 * tel URIs into number and parameters; other schemes are checked for
 * absoluteURI characters only.
 * Returns 0, ZSIP_EURI (malformed), or ZSIP_EURI_HOST (bad host or port). */
int zsip_uri_parse(struct zsip_uri *uri, struct zsip_str text);

/* Compares two SIP/SIPS URIs by the rules of RFC 3261 §19.1.4 (escapes
 * decoded, scheme/host/parameter names case-insensitive, user and password
 * case-sensitive, the listed parameters must match when present in either).
 * Returns 1 (equivalent), 0 (not), or a negative error for a non-SIP URI. */
int zsip_uri_eq(const struct zsip_uri *a, const struct zsip_uri *b);

/* Decodes %-escapes of in into out (cap bytes). Returns the decoded length,
 * ZSIP_ENOSPC when out is too small, ZSIP_EINVAL for a bad escape. */
int zsip_unescape(char *out, size_t cap, struct zsip_str in);

/* ------------------------------------------------------------ parameters */

/* Finds parameter name (case-insensitive) in a ';'-separated list such as
 * zsip_uri.params or zsip_via.params (no leading ';'; LWS around '=' and ';'
 * allowed). Returns 1 and sets *value (empty, not absent, for a parameter
 * without '='; quotes kept for a quoted value) or 0 when not present. */
int zsip_param_find(struct zsip_str params, const char *name, struct zsip_str *value);

/* Iterates over a ';'-separated list: sets *name and *value (value absent
 * when there is no '='), advances *cursor. Returns 1 while there is one, 0
 * at the end, ZSIP_EPARAM for an empty or malformed parameter. */
int zsip_param_next(struct zsip_str *cursor, struct zsip_str *name, struct zsip_str *value);

/* -------------------------------------------------- header value splitting */

/* Takes the next comma-separated value from *cursor (initially a header's
 * value) into *value, trimmed of LWS, and advances *cursor past the comma.
 * Commas inside quoted strings and <...> do not split.
 * Returns 1 while there is a value, 0 at the end, ZSIP_EVALUE for an empty
 * element or an unbalanced quote or '<'. */
int zsip_value_next(struct zsip_str *cursor, struct zsip_str *value);

/* ----------------------------------------------------- typed header values */

/* name-addr or addr-spec with header parameters (From, To, Contact, Route,
 * Record-Route, Reply-To, Refer-To ...): RFC 3261 §20.10, §20.20, §25.1. */
struct zsip_nameaddr {
	struct zsip_str display;   /* display name, quotes removed (quoted-pairs kept); absent if none */
	struct zsip_uri uri;
	struct zsip_str params;    /* header parameters after the URI, without the first ';' */
	struct zsip_str tag;       /* value of the tag parameter; absent if none */
};

/* Parses one name-addr / addr-spec value with its parameters. For an
 * addr-spec without '<' '>', everything after the first ';' is a header
 * parameter (RFC 3261 §20.10).
 * Returns 0, ZSIP_ENAMEADDR, or the URI's error. */
int zsip_nameaddr_parse(struct zsip_nameaddr *na, struct zsip_str value);

/* One Contact value: a name-addr, or '*' (RFC 3261 §20.10). */
struct zsip_contact {
	struct zsip_nameaddr addr;  /* unset when star */
	struct zsip_str q;          /* q parameter; absent if none */
	struct zsip_str expires;    /* expires parameter; absent if none */
	int star;                   /* 1 for "Contact: *" */
};
/* Returns 0, or the error of zsip_nameaddr_parse. */
int zsip_contact_parse(struct zsip_contact *c, struct zsip_str value);

/* One Via value (RFC 3261 §20.42, §18.2.1, RFC 3581). */
struct zsip_via {
	struct zsip_str protocol;   /* "SIP" */
	struct zsip_str version;    /* "2.0" */
	struct zsip_str transport;  /* "UDP", "TCP", "TLS", "SCTP", or other token */
	struct zsip_str host;       /* sent-by host; IPv6 keeps '[' ']' */
	struct zsip_str params;     /* after the first ';', without it */
	struct zsip_str branch;     /* absent if none */
	struct zsip_str received;   /* absent if none */
	struct zsip_str rport;      /* absent if none; empty when no value */
	struct zsip_str maddr;      /* absent if none */
	struct zsip_str ttl;        /* absent if none */
	uint16_t port;              /* sent-by port; 0 when absent */
	uint8_t host_type;          /* enum zsip_host_type */
};
/* Parses one Via value. Returns 0 or ZSIP_EVIA. */
int zsip_via_parse(struct zsip_via *via, struct zsip_str value);

/* CSeq (RFC 3261 §20.16): number up to 2^32-1 and method token. */
struct zsip_cseq {
	uint32_t num;
	struct zsip_str method;
	uint8_t method_id;          /* enum zsip_method */
};
/* Returns 0 or ZSIP_ECSEQ. */
int zsip_cseq_parse(struct zsip_cseq *cseq, struct zsip_str value);

/* A decimal field such as Max-Forwards, Content-Length, Expires, Min-Expires,
 * RSeq, Retry-After (its leading delta-seconds). Leading zeros are allowed.
 * Returns 0 and *out, or ZSIP_ENUMBER when not digits or above max. */
int zsip_uint_parse(struct zsip_str value, uint32_t max, uint32_t *out);

/* Content-Type / media-type (RFC 3261 §20.15). */
struct zsip_media {
	struct zsip_str type;       /* "application" */
	struct zsip_str subtype;    /* "sdp" */
	struct zsip_str params;     /* after the first ';', without it */
};
/* Returns 0 or ZSIP_EVALUE. */
int zsip_media_parse(struct zsip_media *m, struct zsip_str value);

/* Digest credentials or challenge (RFC 3261 §20.7, §20.27, §20.28, §20.44,
 * RFC 7616): WWW-Authenticate, Proxy-Authenticate, Authorization,
 * Proxy-Authorization. Quoted values are given without their quotes
 * (quoted-pairs kept). Absent fields have p == NULL. */
struct zsip_auth {
	struct zsip_str scheme;     /* "Digest" or another scheme */
	struct zsip_str params;     /* everything after the scheme */
	struct zsip_str realm, nonce, opaque, algorithm, qop, stale, domain;
	struct zsip_str username, uri, response, cnonce, nc;
};
/* Returns 0 or ZSIP_EAUTH. Unknown schemes parse (scheme and params set). */
int zsip_auth_parse(struct zsip_auth *a, struct zsip_str value);

/* ---------------------------------------------------------------- message */

/* A parsed SIP message. Plain data: read any field. Fields that every
 * transaction and dialog needs were parsed and checked by zsip_msg_parse
 * and are here ready; everything else is parsed on demand from hdr[]. */
struct zsip_msg {
	const char *buf;            /* the caller's buffer */
	size_t len;                 /* bytes of buf this message uses */
	int is_request;

	/* request line (is_request) */
	struct zsip_str method;
	struct zsip_str ruri_str;
	struct zsip_uri ruri;
	uint8_t method_id;          /* enum zsip_method */

	/* status line (!is_request) */
	int status;
	struct zsip_str reason;

	/* checked headers */
	struct zsip_via via;        /* the top Via value */
	struct zsip_nameaddr from;
	struct zsip_nameaddr to;
	struct zsip_str call_id;
	struct zsip_cseq cseq;
	int max_forwards;           /* -1 when absent */
	long content_length;        /* -1 when absent */
	struct zsip_str body;       /* may be empty; never absent */
	struct zsip_str head;       /* start line and headers, up to and incl. the blank line */

	/* the header fields in order */
	unsigned nhdr;
	uint8_t first[ZSIP_HDR__COUNT]; /* index + 1 of the first field with each id, 0: none */
	struct zsip_hdr hdr[ZSIP_MAX_HEADERS];

	/* on error: offset into buf where the fault was found */
	size_t err_off;
};

/* Parses one SIP message from buf[0 .. len) as received in one datagram:
 * Content-Length, when present, ends the message (bytes after it are not
 * part of it); when absent the body runs to len. Checks what RFC 3261 asks
 * of a received message (§7, §8.1.1, §8.2, §18.3, §20, §25): start line
 * shape and SIP/2.0, the mandatory headers (To, From, Call-ID, CSeq, Via;
 * Max-Forwards is not required, for RFC 2543 peers), one value for each
 * single-value header, CSeq method against the request method, Content-Length
 * against the bytes present, and the grammar of the Request-URI, Via, From,
 * To, CSeq, Call-ID, Max-Forwards and Content-Length.
 *
 * msg: written; points into buf afterwards. limits: NULL for the defaults.
 * Returns the number of bytes the message uses (> 0), or a negative ZSIP_E*
 * code with msg->err_off set to the offset of the fault; after an error
 * only err_off is meaningful (the parser does not clear what it had not
 * reached: other fields may hold an earlier message's slices). Never
 * allocates. */
int zsip_msg_parse(struct zsip_msg *msg, const char *buf, size_t len,
		   const struct zsip_limits *limits);

/* The first header field with this id, or NULL. */
const struct zsip_hdr *zsip_msg_find(const struct zsip_msg *msg, enum zsip_hdr_id id);
/* The next field with the same id as h, or NULL. */
const struct zsip_hdr *zsip_msg_find_next(const struct zsip_msg *msg, const struct zsip_hdr *h);
/* The first field whose name is name (case-insensitive; known names match
 * their compact forms too), or NULL. */
const struct zsip_hdr *zsip_msg_find_name(const struct zsip_msg *msg, struct zsip_str name);

/* The first Contact value of msg, parsed. Returns 0, ZSIP_ENOTFOUND when
 * there is none, or a parse error. */
int zsip_msg_contact(const struct zsip_msg *msg, struct zsip_contact *c);

/* The response a server should send for a parse error err (RFC 3261 §8.2,
 * §21): 400 for most faults, 505 for a bad SIP version, 501 for an unknown
 * method whose CSeq disagrees, 413 for an oversized message, 0 when the
 * error is not a message fault. *reason (may be NULL) gets a reason phrase
 * that names the fault, e.g. "Bad Request - Missing Call-ID"; a static
 * string. */
int zsip_err_status(int err, const char **reason);

/* ---------------------------------------------------------------- framer */

enum zsip_frame_kind {
	ZSIP_FRAME_MORE = 0,    /* not a whole message yet: read more bytes */
	ZSIP_FRAME_MESSAGE,     /* buf[0 .. *used) is one message */
	ZSIP_FRAME_PING,        /* buf starts with a CRLFCRLF keep-alive (RFC 5626 §3.5.1); answer CRLF */
	ZSIP_FRAME_PONG,        /* buf starts with a single CRLF keep-alive */
};
/* Finds the first message in bytes received from a stream (RFC 3261 §18.3:
 * Content-Length is mandatory there). Returns a zsip_frame_kind and sets
 * *used to the bytes to take off the front (0 for MORE), or a negative
 * error (ZSIP_ECLEN: missing or bad Content-Length; ZSIP_ETRUNC: a CR not
 * followed by LF where a keep-alive or message should start; ZSIP_ETOOBIG: past
 * limits) after which the connection should be closed. limits: NULL for
 * the defaults. */
int zsip_frame(const char *buf, size_t len, const struct zsip_limits *limits, size_t *used);

/* ------------------------------------------------------------ serializer */

/* A header field to write: name and value are copied as given. */
struct zsip_field {
	struct zsip_str name;
	struct zsip_str value;
};

/* A request to build. Via, From, To, Call-ID, CSeq, Max-Forwards and any
 * other header go in hdrs in the order to write them; Content-Length is
 * written by the builder from body. */
struct zsip_request {
	struct zsip_str method;
	struct zsip_str ruri;
	const struct zsip_field *hdrs;
	size_t nhdrs;
	struct zsip_str body;       /* may be absent */
};

/* Writes the request into out[0 .. cap). Returns the length of the whole
 * message; when that is larger than cap nothing usable was written and the
 * caller should retry with that much room (snprintf's rule). When cap has
 * room after the message, a NUL follows it (not counted). Returns
 * ZSIP_EINVAL when a name, method or URI is empty or holds CR/LF. */
int zsip_build_request(char *out, size_t cap, const struct zsip_request *req);

/* A response to a received request. */
struct zsip_response {
	int code;                   /* 100..699 */
	struct zsip_str reason;     /* absent: the RFC 3261 §21 phrase */
	struct zsip_str to_tag;     /* absent: To copied as is; present: added when To has no tag */
	const struct zsip_field *hdrs; /* extra fields (Contact, Content-Type ...) */
	size_t nhdrs;
	struct zsip_str body;
};

/* Writes a response to req into out (RFC 3261 §8.2.6): every Via in order,
 * From, To (with to_tag added when asked and To has none), Call-ID and
 * CSeq copied byte for byte, then the extra fields and Content-Length.
 * Returns the length (snprintf's rule, as zsip_build_request) or
 * ZSIP_EINVAL. */
int zsip_build_response(char *out, size_t cap, const struct zsip_msg *req,
			const struct zsip_response *resp);

/* The RFC 3261 §21 reason phrase for a status code ("" when unknown). */
const char *zsip_reason_phrase(int code);

/* ------------------------------------------------------- forwarding edits */

/* An edit of a parsed message. Untouched bytes are copied as they are. */
enum zsip_edit_op {
	ZSIP_EDIT_INSERT,       /* insert field before hdr[at] (at == nhdr: after the last) */
	ZSIP_EDIT_REMOVE,       /* remove field hdr[at] */
	ZSIP_EDIT_REPLACE,      /* replace the value of hdr[at] */
	ZSIP_EDIT_REMOVE_FIRST, /* remove the first comma-separated value of hdr[at]; the field goes when it was the only one */
};
struct zsip_edit {
	enum zsip_edit_op op;
	unsigned at;
	struct zsip_field field;    /* INSERT: name and value; REPLACE: value */
};

/* Writes msg with the edits applied into out (snprintf's rule). Edits must
 * be sorted by at; at most one REMOVE/REPLACE/REMOVE_FIRST per field.
 * Returns the length, or ZSIP_EINVAL for an out-of-range or unsorted edit. */
int zsip_msg_rewrite(char *out, size_t cap, const struct zsip_msg *msg,
		     const struct zsip_edit *edits, size_t nedits);

/* Forwarding helpers (RFC 3261 §16.6, §16.7) built on zsip_msg_rewrite;
 * each writes the whole edited message into out (snprintf's rule). */
/* Adds "Via: via_value" on top of the Via fields. */
int zsip_fwd_push_via(char *out, size_t cap, const struct zsip_msg *msg, struct zsip_str via_value);
/* Removes the top Via value (a response on its way back). ZSIP_ENOTFOUND when none. */
int zsip_fwd_pop_via(char *out, size_t cap, const struct zsip_msg *msg);
/* Adds "Record-Route: value" above the existing Record-Route fields. */
int zsip_fwd_add_record_route(char *out, size_t cap, const struct zsip_msg *msg, struct zsip_str value);
/* Adds "Route: value" above the existing Route fields. */
int zsip_fwd_push_route(char *out, size_t cap, const struct zsip_msg *msg, struct zsip_str value);
/* Removes the top Route value. ZSIP_ENOTFOUND when none. */
int zsip_fwd_pop_route(char *out, size_t cap, const struct zsip_msg *msg);

#ifdef __cplusplus
}
#endif
#endif
