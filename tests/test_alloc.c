/* The message layer allocates nothing (include/zsip/msg.h: "Nothing here
 * allocates"; ARCHITECTURE.md, Zero copy). This test proves it: malloc,
 * calloc, realloc and the aligned allocators are defined here as counting
 * interposers that forward to glibc's __libc_* entry points, so every
 * allocation in the process (libzsip.a linked statically, libc, cmocka)
 * goes through them. Every corpus and conformance message is then parsed,
 * framed, taken apart by every typed parser, answered, rebuilt and
 * forwarded, and the count must stay 0 across all of it.
 *
 * Under AddressSanitizer (make check) ASan owns malloc and these
 * definitions would fight it, so they are compiled out and the counting
 * tests skip; the workload still runs there, for ASan's sake. The plain
 * `make test` run is the proof. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <dirent.h>
#include <cmocka.h>

#include "zsip/msg.h"
#include "support/msgexpect.h"

#if defined(__SANITIZE_ADDRESS__)
#define ZT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZT_ASAN 1
#endif
#endif

#if !defined(ZT_ASAN) && defined(__GLIBC__)
#define ZT_COUNTING 1
#endif

/* ------------------------------------------------------ the interposers */

#ifdef ZT_COUNTING
static volatile unsigned long n_allocs;
static void *volatile first_caller;

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

static void counted(void *caller)
{
	if (n_allocs++ == 0)
		first_caller = caller;
}

void *malloc(size_t n)
{
	counted(__builtin_return_address(0));
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	counted(__builtin_return_address(0));
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	counted(__builtin_return_address(0));
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}

void *aligned_alloc(size_t align, size_t n)
{
	counted(__builtin_return_address(0));
	return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	counted(__builtin_return_address(0));
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	void *p = __libc_memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

static void count_reset(void)
{
	n_allocs = 0;
	first_caller = NULL;
}

/* Start of the executable's image (GNU ld's default linker script), so
 * that the first caller can be given as an offset addr2line understands. */
extern char __executable_start[];

static void report(const char *what)
{
	if (n_allocs)
		fail_msg("%s made %lu heap allocation(s); the first was called from "
			 "addr2line -f -e build/tests/test_alloc %#lx",
			 what, (unsigned long)n_allocs,
			 (unsigned long)((const char *)first_caller - __executable_start));
}
#endif

/* ------------------------------------------------------------ inputs */

struct input {
	char name[128];
	char *buf;
	size_t len;
};

static struct input inputs[128];
static size_t ninputs;

static void load_dir(const char *dir, const char *ext)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	size_t el = strlen(ext);
	while ((e = readdir(d)) != NULL && ninputs < sizeof inputs / sizeof inputs[0]) {
		size_t l = strlen(e->d_name);
		if (l <= el || strcmp(e->d_name + l - el, ext) != 0)
			continue;
		char path[512];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct input *in = &inputs[ninputs];
		in->buf = mx_load(path, &in->len);
		if (!in->buf)
			continue;
		snprintf(in->name, sizeof in->name, "%.120s", e->d_name);
		ninputs++;
	}
	closedir(d);
}

static int setup(void **state)
{
	(void)state;
	ninputs = 0;
	load_dir(ZSIP_SHARED_DIR "/corpus", ".sip");
	load_dir(ZSIP_SHARED_DIR "/conformance/rfc4475", ".dat");
	load_dir(ZSIP_SHARED_DIR "/conformance/rfc5118", ".dat");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < ninputs; i++)
		free(inputs[i].buf);
	ninputs = 0;
	return 0;
}

/* ------------------------------------------------------------ workload */

/* What the workload did, to show it ran; filled without allocating. */
struct tally {
	unsigned parsed, rejected, typed, built, rebuilt, reparsed, framed;
};

/* Static: the workload itself must not need the heap. */
static struct zsip_msg msg, msg2;
static char out[80 * 1024];

static void params_walk(struct zsip_str params)
{
	struct zsip_str cur = params, name, value;
	while (zsip_param_next(&cur, &name, &value) == 1)
		(void)zsip_hdr_lookup(name);
	(void)zsip_param_find(params, "tag", &value);
	(void)zsip_param_find(params, "lr", &value);
}

static void uri_walk(const struct zsip_uri *u, const struct zsip_uri *other)
{
	char tmp[512];
	params_walk(u->params);
	if (u->user.p)
		(void)zsip_unescape(tmp, sizeof tmp, u->user);
	(void)zsip_uri_eq(u, u);
	if (other)
		(void)zsip_uri_eq(u, other);
	struct zsip_uri again;
	(void)zsip_uri_parse(&again, u->raw);
}

/* Every typed parser on every field it applies to. */
static void typed_walk(const struct zsip_msg *m, struct tally *t)
{
	for (unsigned i = 0; i < m->nhdr; i++) {
		const struct zsip_hdr *h = &m->hdr[i];
		(void)zsip_msg_find_name(m, h->name);
		(void)zsip_hdr_lookup(h->name);
		(void)zsip_hdr_name((enum zsip_hdr_id)h->id);
		struct zsip_str cur = h->value, v;
		uint32_t u32;
		switch (h->id) {
		case ZSIP_HDR_VIA:
			while (zsip_value_next(&cur, &v) == 1) {
				struct zsip_via via;
				if (zsip_via_parse(&via, v) == 0)
					params_walk(via.params);
				t->typed++;
			}
			break;
		case ZSIP_HDR_CONTACT:
			while (zsip_value_next(&cur, &v) == 1) {
				struct zsip_contact c;
				if (zsip_contact_parse(&c, v) == 0 && !c.star)
					uri_walk(&c.addr.uri, m->is_request ? &m->ruri : NULL);
				t->typed++;
			}
			break;
		case ZSIP_HDR_FROM:
		case ZSIP_HDR_TO:
		case ZSIP_HDR_ROUTE:
		case ZSIP_HDR_RECORD_ROUTE:
		case ZSIP_HDR_REPLY_TO:
		case ZSIP_HDR_REFER_TO:
		case ZSIP_HDR_REFERRED_BY:
		case ZSIP_HDR_PATH:
		case ZSIP_HDR_SERVICE_ROUTE:
			while (zsip_value_next(&cur, &v) == 1) {
				struct zsip_nameaddr na;
				if (zsip_nameaddr_parse(&na, v) == 0) {
					params_walk(na.params);
					uri_walk(&na.uri, NULL);
				}
				t->typed++;
			}
			break;
		case ZSIP_HDR_CSEQ: {
			struct zsip_cseq cs;
			(void)zsip_cseq_parse(&cs, h->value);
			t->typed++;
			break;
		}
		case ZSIP_HDR_MAX_FORWARDS:
		case ZSIP_HDR_CONTENT_LENGTH:
		case ZSIP_HDR_EXPIRES:
		case ZSIP_HDR_MIN_EXPIRES:
		case ZSIP_HDR_RSEQ:
		case ZSIP_HDR_MIN_SE:
			(void)zsip_uint_parse(h->value, 0xffffffffu, &u32);
			t->typed++;
			break;
		case ZSIP_HDR_RETRY_AFTER:
		case ZSIP_HDR_SESSION_EXPIRES: {
			struct zsip_str first = h->value;
			size_t n = 0;
			while (n < first.len && first.p[n] >= '0' && first.p[n] <= '9')
				n++;
			first.len = n;
			(void)zsip_uint_parse(first, 0xffffffffu, &u32);
			t->typed++;
			break;
		}
		case ZSIP_HDR_CONTENT_TYPE: {
			struct zsip_media mt;
			if (zsip_media_parse(&mt, h->value) == 0)
				params_walk(mt.params);
			t->typed++;
			break;
		}
		case ZSIP_HDR_WWW_AUTHENTICATE:
		case ZSIP_HDR_PROXY_AUTHENTICATE:
		case ZSIP_HDR_AUTHORIZATION:
		case ZSIP_HDR_PROXY_AUTHORIZATION: {
			struct zsip_auth a;
			(void)zsip_auth_parse(&a, h->value);
			t->typed++;
			break;
		}
		default:
			while (zsip_value_next(&cur, &v) == 1)
				;
			break;
		}
	}
	struct zsip_contact c;
	(void)zsip_msg_contact(m, &c);
	(void)zsip_method_name((enum zsip_method)m->method_id);
	(void)zsip_method_id(m->cseq.method);
	(void)zsip_str_caseeq_c(m->call_id, "x");
	if (m->is_request)
		uri_walk(&m->ruri, &m->to.uri);
}

static void build_walk(const struct zsip_msg *m, struct tally *t)
{
	static const struct zsip_field extra[] = {
		{ ZSIP_STR("Contact"), ZSIP_STR("<sip:uas@192.0.2.1:5060>") },
		{ ZSIP_STR("Content-Type"), ZSIP_STR("application/sdp") },
	};
	if (m->is_request) {
		static const int codes[] = { 100, 180, 200, 401, 486, 487, 500, 606 };
		for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
			struct zsip_response r = { 0 };
			r.code = codes[i];
			if (codes[i] > 100)
				r.to_tag = ZSIP_STR("totag99");
			if (codes[i] == 200) {
				r.hdrs = extra;
				r.nhdrs = 2;
				r.body = ZSIP_STR("v=0\r\n");
				r.reason = ZSIP_STR("Fine");
			}
			int n = zsip_build_response(out, sizeof out, m, &r);
			(void)zsip_build_response(out, 16, m, &r); /* too small: only counts */
			if (n > 0 && (size_t)n <= sizeof out) {
				t->built++;
				if (zsip_msg_parse(&msg2, out, (size_t)n, NULL) > 0) {
					t->reparsed++;
					typed_walk(&msg2, t);
				}
			}
		}
		/* forwarding edits (RFC 3261 §16.6) */
		int n = zsip_fwd_push_via(out, sizeof out, m,
					  ZSIP_STR("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy1"));
		if (n > 0 && (size_t)n <= sizeof out && zsip_msg_parse(&msg2, out, (size_t)n, NULL) > 0)
			t->reparsed++;
		(void)zsip_fwd_add_record_route(out, sizeof out, m, ZSIP_STR("<sip:proxy.example.com;lr>"));
		(void)zsip_fwd_push_route(out, sizeof out, m, ZSIP_STR("<sip:next.example.com;lr>"));
		(void)zsip_fwd_pop_route(out, sizeof out, m);
	} else {
		(void)zsip_fwd_pop_via(out, sizeof out, m);
	}
	/* a general rewrite: insert on top, replace the last field, drop the
	 * first value of the top Via when it is not the first field */
	struct zsip_edit e[3];
	size_t ne = 0;
	e[ne].op = ZSIP_EDIT_INSERT;
	e[ne].at = 0;
	e[ne].field.name = ZSIP_STR("X-Inserted");
	e[ne].field.value = ZSIP_STR("1");
	ne++;
	const struct zsip_hdr *via = zsip_msg_find(m, ZSIP_HDR_VIA);
	unsigned via_at = via ? (unsigned)(via - m->hdr) : 0;
	if (via && via_at > 0 && via_at < m->nhdr - 1) {
		e[ne].op = ZSIP_EDIT_REMOVE_FIRST;
		e[ne].at = via_at;
		e[ne].field.name.p = NULL;
		e[ne].field.name.len = 0;
		e[ne].field.value = e[ne].field.name;
		ne++;
	}
	if (m->nhdr > 1) {
		e[ne].op = ZSIP_EDIT_REPLACE;
		e[ne].at = m->nhdr - 1;
		e[ne].field.name.p = NULL;
		e[ne].field.name.len = 0;
		e[ne].field.value = ZSIP_STR("replaced");
		ne++;
	}
	int n = zsip_msg_rewrite(out, sizeof out, m, e, ne);
	if (n > 0)
		t->rebuilt++;
	(void)zsip_msg_rewrite(out, 8, m, e, ne);
}

static void request_walk(struct tally *t)
{
	static const struct zsip_field f[] = {
		{ ZSIP_STR("Via"), ZSIP_STR("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport") },
		{ ZSIP_STR("Max-Forwards"), ZSIP_STR("70") },
		{ ZSIP_STR("From"), ZSIP_STR("<sip:alice@example.com>;tag=1") },
		{ ZSIP_STR("To"), ZSIP_STR("<sip:bob@example.com>") },
		{ ZSIP_STR("Call-ID"), ZSIP_STR("alloc-test@192.0.2.1") },
		{ ZSIP_STR("CSeq"), ZSIP_STR("1 INVITE") },
		{ ZSIP_STR("Contact"), ZSIP_STR("<sip:alice@192.0.2.1:5060>") },
		{ ZSIP_STR("Content-Type"), ZSIP_STR("application/sdp") },
	};
	struct zsip_request r = { ZSIP_STR("INVITE"), ZSIP_STR("sip:bob@example.com"), f, 8, ZSIP_STR("v=0\r\n") };
	int n = zsip_build_request(out, sizeof out, &r);
	(void)zsip_build_request(out, 10, &r);
	if (n > 0 && (size_t)n <= sizeof out) {
		t->built++;
		if (zsip_msg_parse(&msg2, out, (size_t)n, NULL) == n) {
			t->reparsed++;
			typed_walk(&msg2, t);
		}
	}
	for (int code = 100; code < 700; code++)
		(void)zsip_reason_phrase(code);
	for (int err = 0; err >= -70; err--) {
		const char *reason;
		(void)zsip_err_status(err, &reason);
		(void)zsip_strerror(err);
	}
}

/* Everything the message layer offers, over every input. Allocates
 * nothing of its own. */
static void workload(struct tally *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < ninputs; i++) {
		const struct input *in = &inputs[i];
		size_t used;
		if (zsip_frame(in->buf, in->len, NULL, &used) >= 0)
			t->framed++;
		int rc = zsip_msg_parse(&msg, in->buf, in->len, NULL);
		if (rc < 0) {
			t->rejected++;
			continue;
		}
		t->parsed++;
		typed_walk(&msg, t);
		build_walk(&msg, t);
	}
	request_walk(t);
}

/* --------------------------------------------------------------- tests */

static void check_workload_ran(const struct tally *t)
{
	/* 14 corpus messages and 48 RFC 4475/5118 messages are accepted,
	 * 21 rejected; leave room for new files */
	assert_true(ninputs >= 70);
	assert_true(t->parsed >= 50);
	assert_true(t->rejected >= 15);
	assert_true(t->typed >= 500);
	assert_true(t->built >= 200);
	assert_true(t->reparsed >= 200);
	assert_true(t->rebuilt >= 50);
	assert_true(t->framed >= 14);
}

#ifdef ZT_COUNTING
/* The counter sees an allocation made anywhere in the process, so a zero
 * below means something. */
static void test_interposer_counts_allocations(void **state)
{
	(void)state;
	void *(*volatile m)(size_t) = malloc;
	void *(*volatile c)(size_t, size_t) = calloc;
	void *(*volatile r)(void *, size_t) = realloc;
	count_reset();
	void *a = m(16);
	void *b = c(2, 8);
	a = r(a, 64);
	unsigned long n = n_allocs;
	free(a);
	free(b);
	assert_int_equal(n, 3);
	/* allocations inside libc reach it too */
	count_reset();
	char *d = strdup("counted");
	n = n_allocs;
	free(d);
	assert_true(n >= 1);
}
#endif

static void test_parse_typed_parsers_build_and_rewrite_make_no_heap_allocation(void **state)
{
	(void)state;
	struct tally t;
#ifdef ZT_COUNTING
	count_reset();
	workload(&t);
	report("the message layer");
	check_workload_ran(&t);
#else
	/* Still run everything: under ASan this finds memory errors. */
	workload(&t);
	check_workload_ran(&t);
	print_message("AddressSanitizer (or a non-glibc libc) owns malloc here, so allocations cannot be "
		      "counted; the plain `make test` run is the proof\n");
	skip();
#endif
}

static void test_each_parse_alone_makes_no_heap_allocation(void **state)
{
	(void)state;
#ifdef ZT_COUNTING
	for (size_t i = 0; i < ninputs; i++) {
		count_reset();
		(void)zsip_msg_parse(&msg, inputs[i].buf, inputs[i].len, NULL);
		if (n_allocs)
			fail_msg("parsing %s made %lu heap allocation(s)", inputs[i].name, (unsigned long)n_allocs);
	}
	assert_true(ninputs >= 70);
#else
	print_message("AddressSanitizer owns malloc: allocations cannot be counted under make check\n");
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#ifdef ZT_COUNTING
		cmocka_unit_test(test_interposer_counts_allocations),
#endif
		cmocka_unit_test(test_parse_typed_parsers_build_and_rewrite_make_no_heap_allocation),
		cmocka_unit_test(test_each_parse_alone_makes_no_heap_allocation),
	};
	return cmocka_run_group_tests_name("alloc", tests, setup, teardown);
}
