/* Stream framer (RFC 3261 §18.3): over TCP and TLS a message ends where its
 * Content-Length says, and Content-Length is mandatory. CRLF keep-alives
 * (RFC 5626 §3.5.1) may stand between messages. */
#include <string.h>

#include "zsip/msg.h"

static const struct zsip_limits default_limits = {
	.max_msg_size = 65535, .max_headers = ZSIP_MAX_HEADERS, .max_header_len = 8192,
};

/* When the line at p names Content-Length (either form, any case), returns
 * where its value starts; otherwise NULL. */
static const char *cl_value(const char *p, const char *end)
{
	static const char name[] = "content-length";
	size_t n = 0;
	if (p < end && (*p | 0x20) == 'l') {
		n = 1;
	} else {
		while (p + n < end && n < sizeof name - 1 &&
		       (name[n] == '-' ? p[n] == '-' : ((unsigned char)p[n] | 0x20u) == (unsigned char)name[n]))
			n++;
		if (n != sizeof name - 1)
			return NULL;
	}
	p += n;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && *p == ':' ? p + 1 : NULL;
}

static int lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Reads Content-Length from the header fields in [p, end). Returns the
 * value, -1 when absent, -2 when malformed or repeated with another value. */
static long find_cl(const char *p, const char *end)
{
	long cl = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *q = cl_value(p, eol);
		if (q) {
			while (q < end && lws(*q)) /* the value may sit on a folded line */
				q++;
			const char *d = q;
			long n = 0;
			while (q < end && *q >= '0' && *q <= '9' && n <= 100000000L)
				n = n * 10 + (*q++ - '0');
			const char *e = q;
			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (e == d || (q < end && *q != '\r' && *q != '\n') || (cl >= 0 && cl != n))
				return -2;
			cl = n;
		}
		p = eol + 1;
	}
	return cl;
}

int zsip_frame(const char *buf, size_t len, const struct zsip_limits *lim, size_t *used)
{
	if (!used || (!buf && len))
		return ZSIP_EINVAL;
	*used = 0;
	if (!lim)
		lim = &default_limits;
	if (len == 0)
		return ZSIP_FRAME_MORE;
	if (buf[0] == '\r' || buf[0] == '\n') {
		if (len >= 4 && memcmp(buf, "\r\n\r\n", 4) == 0) {
			*used = 4;
			return ZSIP_FRAME_PING;
		}
		if (buf[0] == '\n') {
			*used = 1;
			return ZSIP_FRAME_PONG;
		}
		if (len < 2 || (len == 3 && buf[2] == '\r'))
			return ZSIP_FRAME_MORE;
		if (buf[1] != '\n')
			return ZSIP_ETRUNC;
		*used = 2;
		return ZSIP_FRAME_PONG;
	}
	/* the blank line ending the header block: "\n\r\n" or "\n\n" */
	const char *p = buf, *end = buf + len, *body = NULL;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p++;
		if (p < end && *p == '\n') {
			body = p + 1;
			break;
		}
		if (p + 1 < end && p[0] == '\r' && p[1] == '\n') {
			body = p + 2;
			break;
		}
	}
	if (!body)
		return len > lim->max_msg_size ? ZSIP_ETOOBIG : ZSIP_FRAME_MORE;
	size_t hl = (size_t)(body - buf);
	if (hl > lim->max_msg_size)
		return ZSIP_ETOOBIG;
	long cl = find_cl((const char *)memchr(buf, '\n', hl) + 1, body);
	if (cl < 0)
		return ZSIP_ECLEN;
	if (hl + (size_t)cl > lim->max_msg_size)
		return ZSIP_ETOOBIG;
	if (len < hl + (size_t)cl)
		return ZSIP_FRAME_MORE;
	*used = hl + (size_t)cl;
	return ZSIP_FRAME_MESSAGE;
}
