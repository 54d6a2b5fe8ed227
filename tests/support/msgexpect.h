/* Helpers shared by the message-layer tests (test_parse.c,
 * test_conformance.c, test_frame.c, test_alloc.c): exactly sized heap
 * copies of inputs, slice assertions with readable failures, a table
 * format for the expected fields of a parsed message, and a sanity check
 * that every slice of a parsed message lies inside its buffer.
 *
 * Header-only (static functions) so that nothing here is linked into the
 * other test binaries. Include <cmocka.h> (and what it needs) first. */
#ifndef ZSIP_TEST_MSGEXPECT_H
#define ZSIP_TEST_MSGEXPECT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zsip/msg.h"

#ifndef ZSIP_SHARED_DIR
#error "the Makefile defines ZSIP_SHARED_DIR"
#endif

#if defined(__GNUC__)
#define MX_UNUSED __attribute__((unused))
#else
#define MX_UNUSED
#endif

/* A copy of p[0 .. len) in a heap block of exactly len bytes, with no NUL
 * after it, so that AddressSanitizer (make check) reports any read past
 * the end of the input. Never returns NULL. */
static MX_UNUSED char *mx_copy(const void *p, size_t len)
{
	char *c = malloc(len);
	if (!c && len == 0)
		c = malloc(1);
	if (!c) {
		print_error("out of memory copying %zu bytes\n", len);
		abort();
	}
	if (len)
		memcpy(c, p, len);
	return c;
}

/* Reads a whole file into an exactly sized heap block; NULL when it cannot
 * be read. */
static MX_UNUSED char *mx_load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char tmp[1 << 16];
	size_t n = fread(tmp, 1, sizeof tmp, f);
	int big = !feof(f);
	fclose(f);
	if (big)
		return NULL; /* torture files and corpus messages are far smaller */
	*len = n;
	return mx_copy(tmp, n);
}

/* Offset of the first occurrence of needle in buf[0 .. len), or -1. */
static MX_UNUSED long mx_find(const char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; n <= len && i <= len - n; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return (long)i;
	return -1;
}

/* "don't check this one" in a table of expected strings */
#define MX_ANY "\x7f(any)"

static MX_UNUSED int mx_is_any(const char *want)
{
	return want && strcmp(want, MX_ANY) == 0;
}

/* Asserts that slice s holds exactly want (NULL: s must be absent; MX_ANY:
 * anything). */
#define mx_assert_str(s, want) mx_assert_str_((s), (want), #s, __FILE__, __LINE__)
static MX_UNUSED void mx_assert_str_(struct zsip_str s, const char *want, const char *what,
				     const char *file, int line)
{
	if (mx_is_any(want))
		return;
	if (!want) {
		if (s.p) {
			print_error("%s: expected absent, got \"%.*s\"\n", what, (int)s.len, s.p);
			_fail(file, line);
		}
		return;
	}
	if (!s.p) {
		print_error("%s: expected \"%s\", got absent\n", what, want);
		_fail(file, line);
	}
	if (s.len != strlen(want) || memcmp(s.p, want, s.len) != 0) {
		print_error("%s: expected \"%s\" (%zu bytes), got \"%.*s\" (%zu bytes)\n", what, want,
			    strlen(want), (int)s.len, s.p, s.len);
		_fail(file, line);
	}
}

#define mx_assert_int(got, want) mx_assert_int_((long long)(got), (long long)(want), #got, __FILE__, __LINE__)
static MX_UNUSED void mx_assert_int_(long long got, long long want, const char *what, const char *file, int line)
{
	if (got != want) {
		print_error("%s: expected %lld, got %lld\n", what, want, got);
		_fail(file, line);
	}
}

/* Asserts a parse error: rc must be want (a ZSIP_E* code). */
#define mx_assert_err(rc, want) mx_assert_err_((rc), (want), #rc, __FILE__, __LINE__)
static MX_UNUSED void mx_assert_err_(int rc, int want, const char *what, const char *file, int line)
{
	if (rc != want) {
		print_error("%s: expected %d (%s), got %d (%s)\n", what, want, zsip_strerror(want), rc,
			    rc < 0 ? zsip_strerror(rc) : "success");
		_fail(file, line);
	}
}

/* The fields to check in a parsed message. Strings: NULL means the slice
 * must be absent, MX_ANY means not checked. */
struct mx_want {
	const char *name;
	int is_request;
	/* request line */
	int method_id;
	const char *method;
	const char *ruri;
	int scheme_id;
	const char *ruri_user;
	const char *ruri_host;
	int ruri_port;              /* 0: absent */
	/* status line */
	int status;
	const char *reason;
	/* top Via */
	const char *via_transport;
	const char *via_host;
	int via_port;               /* 0: absent */
	const char *via_branch;
	/* dialog identifiers */
	const char *from_tag;
	const char *to_tag;
	const char *call_id;
	uint32_t cseq;
	const char *cseq_method;
	int max_forwards;           /* -1: absent */
	long content_length;        /* -1: absent */
	size_t body_len;
	unsigned nhdr;
	long msg_len;               /* -1: the whole input */
	/* the special point of the case */
	void (*extra)(const struct zsip_msg *m, size_t len);
};

#define mx_in_buf(m, len, s) mx_in_buf_((m), (len), (s), #s, __FILE__, __LINE__)
static MX_UNUSED void mx_in_buf_(const struct zsip_msg *m, size_t len, struct zsip_str s, const char *what,
				 const char *file, int line)
{
	if (!s.p)
		return;
	if (s.p < m->buf || s.p > m->buf + len || s.len > (size_t)(m->buf + len - s.p)) {
		print_error("%s: slice outside the input buffer\n", what);
		_fail(file, line);
	}
}

static MX_UNUSED void mx_uri_in_buf(const struct zsip_msg *m, size_t len, const struct zsip_uri *u)
{
	mx_in_buf(m, len, u->raw);
	mx_in_buf(m, len, u->scheme);
	mx_in_buf(m, len, u->user);
	mx_in_buf(m, len, u->password);
	mx_in_buf(m, len, u->host);
	mx_in_buf(m, len, u->port_str);
	mx_in_buf(m, len, u->params);
	mx_in_buf(m, len, u->headers);
}

/* What every accepted message must satisfy, whatever it holds: the return
 * value is the message length, every slice points into the input, the
 * head and body tile the message, the per-id chains visit exactly the
 * fields of that id in order, and the checked fields are filled. */
#define mx_check_sane(m, buf, len, rc) mx_check_sane_((m), (buf), (len), (rc), __FILE__, __LINE__)
static MX_UNUSED void mx_check_sane_(const struct zsip_msg *m, const char *buf, size_t len, int rc,
				     const char *file, int line)
{
#define MX_SANE(cond)                                                         \
	do {                                                                  \
		if (!(cond)) {                                                \
			print_error("sanity check failed: %s\n", #cond);      \
			_fail(file, line);                                    \
		}                                                             \
	} while (0)
	MX_SANE(rc > 0);
	MX_SANE(m->buf == buf);
	MX_SANE((size_t)rc == m->len);
	MX_SANE(m->len <= len);
	MX_SANE(m->head.p == buf);
	MX_SANE(m->body.p != NULL);
	MX_SANE(m->body.p == buf + m->head.len);
	MX_SANE(m->head.len + m->body.len == m->len);
	MX_SANE(m->head.len >= 4);
	MX_SANE(m->content_length == -1 || (size_t)m->content_length == m->body.len);
	MX_SANE(m->content_length != -1 || m->len == len);
	MX_SANE(m->nhdr >= 5 && m->nhdr <= ZSIP_MAX_HEADERS);
	MX_SANE(m->max_forwards >= -1 && m->max_forwards <= 255);
	if (m->is_request) {
		MX_SANE(m->method.p && m->method.len > 0);
		MX_SANE(m->method_id == (uint8_t)zsip_method_id(m->method));
		MX_SANE(m->ruri_str.p && m->ruri_str.len > 0);
		MX_SANE(zsip_str_eq(m->ruri.raw, m->ruri_str));
		mx_in_buf(m, len, m->method);
		mx_in_buf(m, len, m->ruri_str);
		mx_uri_in_buf(m, len, &m->ruri);
		/* RFC 3261 §8.1.1.5: the CSeq method matches the request's */
		MX_SANE(zsip_str_eq(m->cseq.method, m->method));
	} else {
		MX_SANE(m->status >= 100 && m->status <= 699);
		MX_SANE(m->reason.p != NULL);
		mx_in_buf(m, len, m->reason);
	}
	MX_SANE(m->call_id.p && m->call_id.len > 0);
	MX_SANE(m->cseq.method.p && m->cseq.method.len > 0);
	MX_SANE(m->via.transport.p && m->via.transport.len > 0);
	MX_SANE(m->via.host.p && m->via.host.len > 0);
	MX_SANE(m->from.uri.raw.p && m->from.uri.raw.len > 0);
	MX_SANE(m->to.uri.raw.p && m->to.uri.raw.len > 0);
	mx_in_buf(m, len, m->call_id);
	mx_in_buf(m, len, m->cseq.method);
	mx_in_buf(m, len, m->via.transport);
	mx_in_buf(m, len, m->via.host);
	mx_in_buf(m, len, m->via.params);
	mx_in_buf(m, len, m->via.branch);
	mx_in_buf(m, len, m->from.display);
	mx_in_buf(m, len, m->from.params);
	mx_in_buf(m, len, m->from.tag);
	mx_uri_in_buf(m, len, &m->from.uri);
	mx_in_buf(m, len, m->to.display);
	mx_in_buf(m, len, m->to.params);
	mx_in_buf(m, len, m->to.tag);
	mx_uri_in_buf(m, len, &m->to.uri);
	/* every header field lies inside the head, in order */
	const char *prev = buf;
	for (unsigned i = 0; i < m->nhdr && i < ZSIP_MAX_HEADERS; i++) {
		const struct zsip_hdr *h = &m->hdr[i];
		MX_SANE(h->name.p > prev);
		MX_SANE(h->name.len > 0);
		MX_SANE(h->name.p + h->line_len <= buf + m->head.len);
		MX_SANE(h->value.p != NULL);
		MX_SANE(h->value.p >= h->name.p + h->name.len);
		MX_SANE(h->value.p + h->value.len <= h->name.p + h->line_len);
		MX_SANE(h->id == (uint16_t)zsip_hdr_lookup(h->name));
		prev = h->name.p;
	}
	/* zsip_msg_find / find_next visit the fields of each id in order */
	for (int id = 1; id < ZSIP_HDR__COUNT; id++) {
		unsigned want = 0;
		const struct zsip_hdr *h = zsip_msg_find(m, (enum zsip_hdr_id)id);
		for (unsigned i = 0; i < m->nhdr && i < ZSIP_MAX_HEADERS; i++) {
			if (m->hdr[i].id != id)
				continue;
			MX_SANE(h == &m->hdr[i]);
			if (h != &m->hdr[i])
				break;
			h = zsip_msg_find_next(m, h);
			want++;
		}
		MX_SANE(h == NULL);
		(void)want;
	}
#undef MX_SANE
}

/* Checks m against w field by field. len is the input length. */
#define mx_check_want(m, len, w) mx_check_want_((m), (len), (w), __FILE__, __LINE__)
static MX_UNUSED void mx_check_want_(const struct zsip_msg *m, size_t len, const struct mx_want *w,
				     const char *file, int line)
{
	(void)file;
	(void)line;
	mx_assert_int(m->is_request, w->is_request);
	if (w->is_request) {
		mx_assert_int(m->method_id, w->method_id);
		mx_assert_str(m->method, w->method);
		mx_assert_str(m->ruri_str, w->ruri);
		mx_assert_int(m->ruri.scheme_id, w->scheme_id);
		mx_assert_str(m->ruri.user, w->ruri_user);
		mx_assert_str(m->ruri.host, w->ruri_host);
		mx_assert_int(m->ruri.port, w->ruri_port);
	} else {
		mx_assert_int(m->status, w->status);
		mx_assert_str(m->reason, w->reason);
	}
	mx_assert_str(m->via.transport, w->via_transport);
	mx_assert_str(m->via.host, w->via_host);
	mx_assert_int(m->via.port, w->via_port);
	mx_assert_str(m->via.branch, w->via_branch);
	mx_assert_str(m->from.tag, w->from_tag);
	mx_assert_str(m->to.tag, w->to_tag);
	mx_assert_str(m->call_id, w->call_id);
	mx_assert_int(m->cseq.num, w->cseq);
	mx_assert_str(m->cseq.method, w->cseq_method);
	mx_assert_int(m->max_forwards, w->max_forwards);
	mx_assert_int(m->content_length, w->content_length);
	mx_assert_int(m->body.len, w->body_len);
	mx_assert_int(m->nhdr, w->nhdr);
	mx_assert_int(m->len, w->msg_len < 0 ? (long long)len : (long long)w->msg_len);
	if (w->extra)
		w->extra(m, len);
}

/* The number of comma-separated values over every field with this id. */
static MX_UNUSED int mx_count_values(const struct zsip_msg *m, enum zsip_hdr_id id)
{
	int n = 0;
	for (const struct zsip_hdr *h = zsip_msg_find(m, id); h; h = zsip_msg_find_next(m, h)) {
		struct zsip_str cur = h->value, v;
		int rc;
		while ((rc = zsip_value_next(&cur, &v)) == 1)
			n++;
		if (rc < 0)
			return rc;
	}
	return n;
}

/* The number of fields with this id. */
static MX_UNUSED int mx_count_fields(const struct zsip_msg *m, enum zsip_hdr_id id)
{
	int n = 0;
	for (const struct zsip_hdr *h = zsip_msg_find(m, id); h; h = zsip_msg_find_next(m, h))
		n++;
	return n;
}

/* The i-th (0-based) comma-separated value over every field with this id;
 * absent when there are fewer. */
static MX_UNUSED struct zsip_str mx_value_at(const struct zsip_msg *m, enum zsip_hdr_id id, int i)
{
	struct zsip_str none = { NULL, 0 };
	for (const struct zsip_hdr *h = zsip_msg_find(m, id); h; h = zsip_msg_find_next(m, h)) {
		struct zsip_str cur = h->value, v;
		while (zsip_value_next(&cur, &v) == 1)
			if (i-- == 0)
				return v;
	}
	return none;
}

#endif
