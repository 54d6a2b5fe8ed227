/* The registrar helper (RFC 3261 §10.3) answering REGISTER server
 * transactions of one stack in virtual time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support/sim.h"
#include "support/txn_world.h"
#include "zsip.h"
#include "zsip/digest.h"

static struct tw *W;
static struct zsip_registrar *R;
static struct sim_mem M;
static struct zsip_registrar_config C;
static int last_status;
static char req[TW_BUF];
static unsigned branch_n;
static int lax_send;            /* out-of-memory runs may send nothing */

/* admit callback state */
static int admit_status;
static char admit_aor[300];

static void hook(struct tw *w, const struct zsip_event *ev)
{
	(void)w;
	if (ev->type == ZSIP_EV_REQUEST)
		last_status = zsip_registrar_process(R, ev->txn, ev->now_ms);
}

static int admit(void *user, const struct zsip_msg *m, struct zsip_str aor, char *hdrs, size_t cap,
		 size_t *hl)
{
	(void)user;
	(void)m;
	snprintf(admit_aor, sizeof admit_aor, "%.*s", (int)aor.len, aor.p);
	if (admit_status == 401)
		*hl = (size_t)snprintf(hdrs, cap, "WWW-Authenticate: Digest realm=\"biloxi.example.com\", "
						  "nonce=\"abc\", qop=\"auth\"\r\n");
	return admit_status;
}

/* Deterministic randomness for the digest server's key (tests only). */
static int t_random(void *user, void *buf, size_t len)
{
	static struct sim_rng rng = { 42 };
	(void)user;
	for (size_t i = 0; i < len; i++)
		((unsigned char *)buf)[i] = (unsigned char)sim_rng_next(&rng);
	return 0;
}

static int start(void)
{
	W = calloc(1, sizeof(*W));
	memset(&M, 0, sizeof M);
	struct zsip_config cfg = { 0 };
	cfg.alloc.alloc = sim_mem_hook_alloc;
	cfg.alloc.free = sim_mem_hook_free;
	cfg.alloc.user = &M;
	cfg.random = t_random;
	if (!W || tw_init(W, &cfg) != 0)
		return -1;
	W->hook = hook;
	W->now = 1000;
	R = zsip_registrar_new(W->s, &C);
	return R ? 0 : -1;
}

static int setup(void **state)
{
	(void)state;
	memset(&C, 0, sizeof C);
	admit_status = 0;
	return start();
}

static int teardown(void **state)
{
	(void)state;
	zsip_registrar_free(R);
	tw_fini(W);
	free(W);
	assert_int_equal(M.live, 0);
	assert_int_equal(M.bad_size, 0);
	return 0;
}

/* A REGISTER from Bob's phone (RFC 3261 §10.2 shape): To, Call-ID, CSeq
 * and the extra lines (Contact, Expires ...) given. Returns the status the
 * registrar sent. */
static int reg_to(const char *to, const char *cid, unsigned cseq, const char *extra)
{
	snprintf(req, sizeof req,
		 "REGISTER sip:registrar.biloxi.example.com SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7%u\r\n"
		 "Max-Forwards: 70\r\n"
		 "To: Bob <%s>\r\n"
		 "From: Bob <sip:bob@biloxi.example.com>;tag=456248\r\n"
		 "Call-ID: %s\r\n"
		 "CSeq: %u REGISTER\r\n"
		 "%s"
		 "Content-Length: 0\r\n\r\n",
		 ++branch_n, to, cid, cseq, extra);
	last_status = 0;
	size_t before = W->nsent;
	int rc = tw_recv(W, W->udp, "192.0.2.4", 5060, req);
	if (!lax_send) {
		assert_int_equal(rc, 0);
		assert_int_equal(W->nsent, before + 1);
	}
	return last_status;
}

static int reg(const char *cid, unsigned cseq, const char *extra)
{
	return reg_to("sip:bob@biloxi.example.com", cid, cseq, extra);
}

static void last_sent(struct zsip_msg *m)
{
	assert_true(W->nsent > 0);
	assert_true(zsip_msg_parse(m, W->sent[W->nsent - 1].buf, W->sent[W->nsent - 1].len, NULL) > 0);
}

/* The n-th Contact value of the last response (-1 when none) and its
 * expires parameter. */
static int sent_contact(size_t n, char *uri, size_t cap, uint32_t *expires, char *q)
{
	struct zsip_msg m;
	last_sent(&m);
	size_t i = 0;
	for (const struct zsip_hdr *h = zsip_msg_find(&m, ZSIP_HDR_CONTACT); h; h = zsip_msg_find_next(&m, h)) {
		struct zsip_str cur = h->value, one;
		while (zsip_value_next(&cur, &one) == 1) {
			if (i++ != n)
				continue;
			struct zsip_contact c;
			assert_int_equal(zsip_contact_parse(&c, one), 0);
			snprintf(uri, cap, "%.*s", (int)c.addr.uri.raw.len, c.addr.uri.raw.p);
			assert_non_null(c.expires.p);
			assert_int_equal(zsip_uint_parse(c.expires, UINT32_MAX, expires), 0);
			if (q)
				snprintf(q, 8, "%.*s", (int)c.q.len, c.q.p ? c.q.p : "");
			return 0;
		}
	}
	return -1;
}

static size_t nbindings(void)
{
	size_t a, b;
	zsip_registrar_count(R, &a, &b);
	return b;
}

static int lookup(const char *aor, struct zsip_reg_contact *out, size_t max)
{
	return zsip_registrar_lookup(R, zsip_str_c(aor), out, max, W->now);
}

#define CID "843817637684230@998sdasdh09"
#define PHONE "Contact: <sip:bob@192.0.2.4>\r\n"

/* ------------------------------------------------------------- tests */

/* §10.3 step 8: the 200 lists every current binding with the expires the
 * registrar chose. */
static void test_registrar_binds_contact_and_200_lists_it_with_expires(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 1826, PHONE "Expires: 7200\r\n"), 200);
	char uri[128];
	uint32_t e;
	assert_int_equal(sent_contact(0, uri, sizeof uri, &e, NULL), 0);
	assert_string_equal(uri, "sip:bob@192.0.2.4");
	assert_int_equal(e, 7200);
	assert_int_equal(sent_contact(1, uri, sizeof uri, &e, NULL), -1);
	struct zsip_reg_contact c[4];
	assert_int_equal(lookup("sip:bob@biloxi.example.com", c, 4), 1);
	assert_int_equal(c[0].expires, 7200);
	assert_int_equal(c[0].q, 1000);
}

/* §10.3 step 7: the Contact's expires parameter wins over the Expires
 * header; with neither, the registrar's default. */
static void test_registrar_contact_expires_param_wins_over_header_else_default(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 1, "Contact: <sip:bob@192.0.2.4>;expires=120, <sip:bob@192.0.2.5>\r\n"
				      "Expires: 600\r\n"), 200);
	struct zsip_reg_contact c[4];
	assert_int_equal(lookup("sip:bob@biloxi.example.com", c, 4), 2);
	assert_int_equal(c[0].expires, 120);
	assert_int_equal(c[1].expires, 600);
	assert_int_equal(reg("other-call", 1, "Contact: <sip:bob@192.0.2.6>\r\n"), 200);
	assert_int_equal(lookup("sip:bob@biloxi.example.com", c, 4), 3);
	assert_int_equal(c[2].expires, 3600);
}

/* §10.3 step 7: a non-zero expiry below the minimum gets 423 with
 * Min-Expires, and nothing is bound. */
static void test_registrar_below_min_expires_gets_423_with_min_expires(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 1, PHONE "Expires: 30\r\n"), 423);
	struct zsip_msg m;
	last_sent(&m);
	const struct zsip_hdr *h = zsip_msg_find(&m, ZSIP_HDR_MIN_EXPIRES);
	assert_non_null(h);
	uint32_t v;
	assert_int_equal(zsip_uint_parse(h->value, UINT32_MAX, &v), 0);
	assert_int_equal(v, 60);
	assert_int_equal(nbindings(), 0);
}

/* §10.3 step 7: the registrar may shorten a long expiry. */
static void test_registrar_shortens_expiry_above_its_maximum(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 1, PHONE "Expires: 999999\r\n"), 200);
	char uri[128];
	uint32_t e;
	assert_int_equal(sent_contact(0, uri, sizeof uri, &e, NULL), 0);
	assert_int_equal(e, 86400);
}

/* §10.2.2: Expires 0 removes that binding, and only that one. */
static void test_registrar_expires_zero_removes_only_that_binding(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 1, "Contact: <sip:bob@192.0.2.4>, <sip:bob@192.0.2.5>\r\n"), 200);
	assert_int_equal(reg(CID, 2, "Contact: <sip:bob@192.0.2.4>;expires=0\r\n"), 200);
	struct zsip_reg_contact c[4];
	assert_int_equal(lookup("sip:bob@biloxi.example.com", c, 4), 1);
	assert_memory_equal(c[0].uri.p, "sip:bob@192.0.2.5", c[0].uri.len);
	char uri[128];
	uint32_t e;
	assert_int_equal(sent_contact(0, uri, sizeof uri, &e, NULL), 0);
	assert_string_equal(uri, "sip:bob@192.0.2.5");
}

/* §10.3 step 6: "Contact: *" with "Expires: 0" removes every binding. */
static void test_registrar_star_with_expires_zero_removes_all(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 1, "Contact: <sip:bob@192.0.2.4>, <sip:bob@192.0.2.5>\r\n"), 200);
	assert_int_equal(reg("another-phone", 1, "Contact: <sip:bob@192.0.2.6>\r\n"), 200);
	assert_int_equal(nbindings(), 3);
	assert_int_equal(reg(CID, 2, "Contact: *\r\nExpires: 0\r\n"), 200);
	assert_int_equal(nbindings(), 0);
	char uri[128];
	uint32_t e;
	assert_int_equal(sent_contact(0, uri, sizeof uri, &e, NULL), -1);
}

/* §10.3 step 6: "*" without Expires: 0, or beside another Contact, is 400. */
static void test_registrar_star_not_alone_or_without_expires_zero_gets_400(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 1, PHONE), 200);
	assert_int_equal(reg(CID, 2, "Contact: *\r\n"), 400);
	assert_int_equal(reg(CID, 3, "Contact: *\r\nExpires: 60\r\n"), 400);
	assert_int_equal(reg(CID, 4, "Contact: *, <sip:bob@192.0.2.5>\r\nExpires: 0\r\n"), 400);
	assert_int_equal(reg(CID, 5, "Contact: *\r\n" PHONE "Expires: 0\r\n"), 400);
	assert_int_equal(nbindings(), 1);
}

/* §10.3 step 7: same Call-ID and a CSeq not higher than the binding's: the
 * request fails and changes nothing, even its other Contacts (all or
 * nothing). */
static void test_registrar_same_call_id_old_cseq_fails_and_changes_nothing(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 10, PHONE "Expires: 600\r\n"), 200);
	assert_int_equal(reg(CID, 10, "Contact: <sip:bob@192.0.2.9>, <sip:bob@192.0.2.4>\r\n"), 500);
	assert_int_equal(reg(CID, 9, PHONE "Expires: 0\r\n"), 500);
	assert_int_equal(reg(CID, 9, "Contact: *\r\nExpires: 0\r\n"), 500);
	struct zsip_reg_contact c[4];
	assert_int_equal(lookup("sip:bob@biloxi.example.com", c, 4), 1);
	assert_int_equal(c[0].expires, 600);
	assert_int_equal(reg(CID, 11, PHONE "Expires: 900\r\n"), 200);
	assert_int_equal(lookup("sip:bob@biloxi.example.com", c, 4), 1);
	assert_int_equal(c[0].expires, 900);
}

/* §10.3 step 7: a binding with another Call-ID is updated whatever the
 * CSeq (a rebooted phone starts again at a low CSeq). */
static void test_registrar_other_call_id_updates_binding_whatever_cseq(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 500, PHONE "Expires: 600\r\n"), 200);
	assert_int_equal(reg("after-reboot", 1, PHONE "Expires: 1200\r\n"), 200);
	struct zsip_reg_contact c[4];
	assert_int_equal(lookup("sip:bob@biloxi.example.com", c, 4), 1);
	assert_int_equal(c[0].expires, 1200);
	/* the binding now carries the new Call-ID and CSeq: the same
	 * request again is out of order */
	assert_int_equal(reg("after-reboot", 1, PHONE), 500);
}

/* §10.3 step 7 and §19.1.4: Contacts are compared as URIs, not bytes. */
static void test_registrar_matches_contact_by_uri_equivalence(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 1, "Contact: <sip:bob@192.0.2.4:5060;transport=udp>\r\n"), 200);
	assert_int_equal(reg(CID, 2, "Contact: <sip:bob@192.0.2.4:5060;TRANSPORT=UDP>;expires=0\r\n"), 200);
	assert_int_equal(nbindings(), 0);
}

/* §10.3 step 5: the AOR is the To URI without parameters and with its
 * escapes decoded, so every spelling reaches the same bindings. */
static void test_registrar_canonical_aor_drops_params_and_decodes_escapes(void **state)
{
	(void)state;
	assert_int_equal(reg_to("sip:%62ob@BILOXI.example.com;user=phone", CID, 1, PHONE), 200);
	struct zsip_reg_contact c[4];
	assert_int_equal(lookup("sip:bob@biloxi.example.com", c, 4), 1);
	assert_int_equal(lookup("sip:bob@biloxi.EXAMPLE.com;transport=tcp", c, 4), 1);
	assert_int_equal(lookup("sip:Bob@biloxi.example.com", c, 4), 0); /* user is case-sensitive */
	assert_int_equal(lookup("sips:bob@biloxi.example.com", c, 4), 0);
	assert_int_equal(lookup("tel:+1-201-555-0123", c, 4), ZSIP_EINVAL);
}

/* §10.3 step 5: an AOR that is not a SIP or SIPS URI is not valid here. */
static void test_registrar_tel_to_gets_404(void **state)
{
	(void)state;
	assert_int_equal(reg_to("tel:+1-201-555-0123", CID, 1, PHONE), 404);
	assert_int_equal(nbindings(), 0);
}

/* §10.3 step 2 and §8.2.2.3: an unsupported Require gets 420 listing it in
 * Unsupported. */
static void test_registrar_require_gets_420_with_unsupported(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 1, PHONE "Require: gruu\r\n"), 420);
	struct zsip_msg m;
	last_sent(&m);
	const struct zsip_hdr *h = zsip_msg_find(&m, ZSIP_HDR_UNSUPPORTED);
	assert_non_null(h);
	assert_memory_equal(h->value.p, "gruu", 4);
	assert_int_equal(nbindings(), 0);
}

/* §8.2.2.3: the 420 lists every option tag of every Require (a folded
 * line too); a Require whose value is not a list of tokens (§20.32, §25.1)
 * is malformed: 400, never a REGISTER left without an answer (fuzz_registrar
 * found one whose 420 could not be built, fuzz/regress/fuzz_registrar/). */
static void test_registrar_420_lists_every_required_tag_and_bad_require_gets_400(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 1, PHONE "Require: gruu,\r\n path\r\nRequire: outbound\r\n"), 420);
	struct zsip_msg m;
	last_sent(&m);
	const struct zsip_hdr *h = zsip_msg_find(&m, ZSIP_HDR_UNSUPPORTED);
	assert_non_null(h);
	assert_int_equal(h->value.len, strlen("gruu, path, outbound"));
	assert_memory_equal(h->value.p, "gruu, path, outbound", h->value.len);
	assert_int_equal(reg(CID, 2, PHONE "Require: foo bar\r\n"), 400);
	assert_int_equal(reg(CID, 3, PHONE "Require: a\n 3600, \"q\"\r\n"), 400);
	assert_int_equal(reg(CID, 4, PHONE "Require: \r\n"), 400);
	assert_int_equal(nbindings(), 0);
}

/* §10.3 steps 1, 3, 4: the admit callback decides; its status and header
 * lines (here a digest challenge) go out, and nothing is bound. */
static void test_registrar_admit_callback_refuses_with_its_status_and_headers(void **state)
{
	(void)state;
	zsip_registrar_free(R);
	C.admit = admit;
	R = zsip_registrar_new(W->s, &C);
	admit_status = 401;
	assert_int_equal(reg_to("sip:bob@BILOXI.example.com;user=phone", CID, 1, PHONE), 401);
	assert_string_equal(admit_aor, "sip:bob@biloxi.example.com");
	struct zsip_msg m;
	last_sent(&m);
	const struct zsip_hdr *h = zsip_msg_find(&m, ZSIP_HDR_WWW_AUTHENTICATE);
	assert_non_null(h);
	struct zsip_auth a;
	assert_int_equal(zsip_auth_parse(&a, h->value), 0);
	assert_memory_equal(a.realm.p, "biloxi.example.com", a.realm.len);
	assert_int_equal(nbindings(), 0);
	admit_status = 403;
	assert_int_equal(reg(CID, 2, PHONE), 403);
	admit_status = 0;
	assert_int_equal(reg(CID, 3, PHONE), 200);
	assert_int_equal(nbindings(), 1);
}

/* §20.10: q values are kept and given back; a malformed one is 400. */
static void test_registrar_keeps_q_values_and_refuses_bad_ones(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 1, "Contact: <sip:bob@192.0.2.4>;q=0.7\r\n"), 200);
	char uri[128], q[8];
	uint32_t e;
	assert_int_equal(sent_contact(0, uri, sizeof uri, &e, q), 0);
	assert_string_equal(q, "0.700");
	struct zsip_reg_contact c[2];
	assert_int_equal(lookup("sip:bob@biloxi.example.com", c, 2), 1);
	assert_int_equal(c[0].q, 700);
	assert_int_equal(reg(CID, 2, "Contact: <sip:bob@192.0.2.5>;q=1.5\r\n"), 400);
	assert_int_equal(reg(CID, 3, "Contact: <sip:bob@192.0.2.5>;q=0.12345\r\n"), 400);
	assert_int_equal(reg(CID, 4, "Contact: <sip:bob@192.0.2.5>;expires=soon\r\n"), 400);
	assert_int_equal(reg(CID, 5, PHONE "Expires: never\r\n"), 400);
	assert_int_equal(nbindings(), 1);
}

/* §10.2.3, §10.3 step 8: a REGISTER without Contact changes nothing and
 * gets the current bindings. */
static void test_registrar_request_without_contact_lists_bindings(void **state)
{
	(void)state;
	assert_int_equal(reg(CID, 1, PHONE "Expires: 600\r\n"), 200);
	W->now += 100000;
	assert_int_equal(reg(CID, 2, ""), 200);
	char uri[128];
	uint32_t e;
	assert_int_equal(sent_contact(0, uri, sizeof uri, &e, NULL), 0);
	assert_int_equal(e, 500);
	assert_int_equal(nbindings(), 1);
}

/* Bindings end in virtual time: the stack's timer removes them, lookups
 * stop giving them at once, and the memory comes back. */
static void test_registrar_binding_expires_on_the_stack_timer(void **state)
{
	(void)state;
	size_t base = M.live;
	assert_int_equal(reg(CID, 1, PHONE "Expires: 60\r\n"), 200);
	assert_int_equal(reg("x", 1, "Contact: <sip:bob@192.0.2.5>\r\nExpires: 120\r\n"), 200);
	assert_true(M.live > base);
	uint64_t t0 = W->now;
	tw_advance(W, t0 + 59999);
	assert_int_equal(nbindings(), 2);
	struct zsip_reg_contact c[4];
	assert_int_equal(lookup("sip:bob@biloxi.example.com", c, 4), 2);
	assert_int_equal(c[0].expires, 1);
	tw_advance(W, t0 + 60000);
	assert_int_equal(nbindings(), 1);
	assert_int_equal(lookup("sip:bob@biloxi.example.com", c, 4), 1);
	tw_advance(W, t0 + 120000 + 64 * 500);     /* bindings and transactions gone */
	assert_int_equal(nbindings(), 0);
	assert_int_equal(M.live, base);
	assert_int_equal(zsip_stack_next_deadline(W->s), UINT64_MAX);
}

/* Caps: past max_aors, max_per_aor or max_bindings, 503 with Retry-After;
 * refreshing what is there still works. */
static void test_registrar_caps_get_503_with_retry_after(void **state)
{
	(void)state;
	zsip_registrar_free(R);
	C.max_aors = 2;
	C.max_per_aor = 2;
	C.max_bindings = 3;
	R = zsip_registrar_new(W->s, &C);
	assert_int_equal(reg_to("sip:a@biloxi.example.com", "c1", 1, PHONE), 200);
	assert_int_equal(reg_to("sip:b@biloxi.example.com", "c2", 1, PHONE), 200);
	assert_int_equal(reg_to("sip:c@biloxi.example.com", "c3", 1, PHONE), 503);
	struct zsip_msg m;
	last_sent(&m);
	assert_non_null(zsip_msg_find(&m, ZSIP_HDR_RETRY_AFTER));
	assert_int_equal(reg_to("sip:a@biloxi.example.com", "c1", 2, "Contact: <sip:a@192.0.2.5>\r\n"), 200);
	assert_int_equal(reg_to("sip:a@biloxi.example.com", "c1", 3, "Contact: <sip:a@192.0.2.6>\r\n"), 503);
	assert_int_equal(reg_to("sip:b@biloxi.example.com", "c2", 2, "Contact: <sip:b@192.0.2.6>\r\n"), 503);
	assert_int_equal(reg_to("sip:a@biloxi.example.com", "c1", 4, PHONE "Expires: 1800\r\n"), 200);
	size_t a, b;
	zsip_registrar_count(R, &a, &b);
	assert_int_equal(a, 2);
	assert_int_equal(b, 3);
}

/* Out of memory while binding: 503 and nothing half done. */
static void test_registrar_out_of_memory_gets_503_and_binds_nothing(void **state)
{
	(void)state;
	int got503 = 0, got200 = 0;
	lax_send = 1;
	for (size_t k = 1; k < 12 && !got200; k++) {
		M.fail_after = k;
		int st = reg(CID, (unsigned)k, "Contact: <sip:bob@192.0.2.4>, <sip:bob@192.0.2.5>\r\n");
		M.fail_after = 0;
		if (st == 503) {
			got503++;
			assert_int_equal(nbindings(), 0);
		} else if (st == 200) {
			got200 = 1;
			assert_int_equal(nbindings(), 2);
		}
	}
	lax_send = 0;
	assert_true(got503 > 0);
	assert_true(got200);
}

static void test_registrar_ignores_what_is_not_a_register_server_transaction(void **state)
{
	(void)state;
	assert_int_equal(zsip_registrar_process(R, NULL, W->now), ZSIP_EINVAL);
	W->hook = NULL;
	char opt[TW_BUF];
	tw_request(opt, sizeof opt, "OPTIONS", "UDP", "client.biloxi.example.com", "z9hG4bKopt1", NULL, NULL, NULL);
	assert_int_equal(tw_recv(W, W->udp, "192.0.2.9", 5060, opt), 0);
	struct zsip_txn *tx = tw_nth(W, ZSIP_EV_REQUEST, 0)->txn;
	assert_int_equal(zsip_registrar_process(R, tx, W->now), ZSIP_EINVAL);
	assert_int_equal(W->nsent, 0);
	assert_null(zsip_registrar_new(W->s, &(struct zsip_registrar_config){ .min_expires = 10, .max_expires = 5 }));
}

/* Digest: the server knows bob and alice; the clients say who they are. */
static int srv_lookup(void *user, const struct zsip_str *realm, const struct zsip_str *username,
		      enum zsip_digest_alg alg, struct zsip_auth_cred *out)
{
	(void)user;
	(void)realm;
	(void)alg;
	if (zsip_str_eq(*username, ZSIP_STR("bob")) || zsip_str_eq(*username, ZSIP_STR("alice"))) {
		snprintf(out->password, sizeof out->password, "zanzibar");
		return 0;
	}
	return -1;
}

static int cli_cred(void *user, const struct zsip_str *realm, enum zsip_digest_alg alg, struct zsip_auth_cred *out)
{
	(void)realm;
	(void)alg;
	const char *who = user;
	memset(out, 0, sizeof(*out));
	snprintf(out->user, sizeof out->user, "%s", who);
	snprintf(out->password, sizeof out->password, "%s", strcmp(who, "mallory") ? "zanzibar" : "guess");
	return 0;
}

/* The client answers the last response (a 401) and gives the header
 * lines for the next REGISTER. */
static void answer_challenge(struct zsip_auth_client *c, char *lines, size_t cap)
{
	struct zsip_msg m;
	last_sent(&m);
	assert_int_equal(m.status, 401);
	assert_int_equal(zsip_auth_client_challenge(c, &m), 0);
	int n = zsip_auth_client_authorize(c, ZSIP_STR("REGISTER"), ZSIP_STR("sip:registrar.biloxi.example.com"),
					   ZSIP_STR(""), lines, cap);
	assert_true(n > 0 && (size_t)n < cap);
}

/* §10.3 step 3, §22.4: with the digest server configured, a REGISTER
 * without credentials is challenged, one with good credentials binds; the
 * authenticated user binds only its own AOR (step 4) unless admit allows
 * more; wrong credentials are challenged again. */
static void test_registrar_with_digest_server_challenges_then_binds_22_4(void **state)
{
	(void)state;
	struct zsip_auth_server_config ac = { 0 };
	ac.realm = "biloxi.example.com";
	ac.lookup = srv_lookup;
	struct zsip_auth_server *srv = NULL;
	assert_int_equal(zsip_auth_server_new(W->s, &ac, &srv), 0);
	zsip_registrar_free(R);
	C.auth = srv;
	R = zsip_registrar_new(W->s, &C);

	assert_int_equal(reg(CID, 1, PHONE), 401);
	struct zsip_msg m;
	last_sent(&m);
	assert_non_null(zsip_msg_find(&m, ZSIP_HDR_WWW_AUTHENTICATE));
	assert_int_equal(nbindings(), 0);

	char lines[1024], extra[1200];
	struct zsip_auth_client *bob = zsip_auth_client_new(W->s, cli_cred, "bob");
	answer_challenge(bob, lines, sizeof lines);
	snprintf(extra, sizeof extra, PHONE "%s", lines);
	assert_int_equal(reg(CID, 2, extra), 200);
	assert_int_equal(nbindings(), 1);

	/* alice, with good credentials, may not bind bob's AOR */
	assert_int_equal(reg("alice-phone", 1, PHONE), 401);
	struct zsip_auth_client *alice = zsip_auth_client_new(W->s, cli_cred, "alice");
	answer_challenge(alice, lines, sizeof lines);
	snprintf(extra, sizeof extra, "Contact: <sip:alice@192.0.2.8>\r\n%s", lines);
	assert_int_equal(reg("alice-phone", 2, extra), 403);

	/* a wrong password: challenged again, nothing bound */
	assert_int_equal(reg("m", 1, PHONE), 401);
	struct zsip_auth_client *mal = zsip_auth_client_new(W->s, cli_cred, "mallory");
	answer_challenge(mal, lines, sizeof lines);
	snprintf(extra, sizeof extra, "Contact: <sip:bob@192.0.2.66>\r\n%s", lines);
	assert_int_equal(reg("m", 2, extra), 401);
	assert_int_equal(nbindings(), 1);

	zsip_auth_client_free(bob);
	zsip_auth_client_free(alice);
	zsip_auth_client_free(mal);
	zsip_registrar_free(R);
	R = NULL;
	zsip_auth_server_free(srv);
}

/* Heap per binding, for the record (README): 1000 AORs of one binding
 * each, then 3 more bindings on each, measured through the allocator hooks
 * once every transaction has ended. */
static void test_registrar_measures_heap_bytes_per_binding(void **state)
{
	(void)state;
	zsip_registrar_free(R);
	C.max_aors = 1000;
	C.max_bindings = 4000;
	R = zsip_registrar_new(W->s, &C);
	tw_advance(W, W->now + 64 * 500);
	size_t base = M.live;
	char to[64], cid[64], ct[256];
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(to, sizeof to, "sip:user%04u@biloxi.example.com", i);
		snprintf(cid, sizeof cid, "%08x-%04u@192.0.2.4", i * 2654435761u, i);
		snprintf(ct, sizeof ct, "Contact: <sip:user%04u@192.0.2.4:5060;transport=udp>\r\n", i);
		W->nsent = 0;
		assert_int_equal(reg_to(to, cid, 1, ct), 200);
	}
	tw_advance(W, W->now + 64 * 500);
	size_t one = M.live - base;
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(to, sizeof to, "sip:user%04u@biloxi.example.com", i);
		snprintf(cid, sizeof cid, "%08x-%04u@192.0.2.4", i * 2654435761u, i);
		snprintf(ct, sizeof ct, "Contact: <sip:user%04u@192.0.2.5:5060;transport=udp>, "
					"<sip:user%04u@192.0.2.6:5060>, <sip:user%04u@192.0.2.7:5060>\r\n", i, i, i);
		W->nsent = 0;
		assert_int_equal(reg_to(to, cid, 2, ct), 200);
	}
	tw_advance(W, W->now + 64 * 500);
	size_t more = M.live - base - one;
	size_t a, b;
	zsip_registrar_count(R, &a, &b);
	assert_int_equal(a, 1000);
	assert_int_equal(b, 4000);
	printf("  registrar heap: %.0f bytes per AOR with one binding, %.0f per further binding "
	       "(~40-byte URIs and Call-IDs)\n", (double)one / 1000, (double)more / 3000);
	assert_true(one / 1000 < 512 && more / 3000 < 256);
}

/* ------------------------------------------- the application's storage */

/* A binding store of the application's (zsip_registrar_store): a small
 * array of its own copies, counting calls, failing on demand. */
#define ST_MAX 8
struct st_binding {
	char aor[128], uri[128], cid[128];
	uint32_t cseq;
	uint16_t q;
	uint64_t expires_at;
};

static struct {
	struct st_binding b[ST_MAX];
	size_t n;
	int get_rc, put_rc;         /* non-zero: what get / put return */
	unsigned gets, puts;
	size_t last_put_n;
} S;

static int st_get(void *user, struct zsip_str aor, struct zsip_reg_binding *out, size_t max, uint64_t now)
{
	(void)now;
	assert_ptr_equal(user, &S);
	S.gets++;
	if (S.get_rc)
		return S.get_rc;
	size_t k = 0;
	for (size_t i = 0; i < S.n && k < max; i++) {
		const struct st_binding *b = &S.b[i];
		if (!zsip_str_eq(aor, zsip_str_c(b->aor)))
			continue;
		out[k++] = (struct zsip_reg_binding){ zsip_str_c(b->uri), zsip_str_c(b->cid), b->cseq, b->q,
						      b->expires_at };
	}
	return (int)k;
}

static int st_put(void *user, struct zsip_str aor, const struct zsip_reg_binding *set, size_t n, uint64_t now)
{
	(void)user;
	(void)now;
	S.puts++;
	S.last_put_n = n;
	if (S.put_rc)
		return S.put_rc;
	size_t k = 0;
	for (size_t i = 0; i < S.n; i++)
		if (!zsip_str_eq(aor, zsip_str_c(S.b[i].aor)))
			S.b[k++] = S.b[i];
	S.n = k;
	for (size_t i = 0; i < n; i++) {
		assert_true(S.n < ST_MAX);
		struct st_binding *b = &S.b[S.n++];
		snprintf(b->aor, sizeof b->aor, "%.*s", (int)aor.len, aor.p);
		snprintf(b->uri, sizeof b->uri, "%.*s", (int)set[i].uri.len, set[i].uri.p);
		snprintf(b->cid, sizeof b->cid, "%.*s", (int)set[i].call_id.len, set[i].call_id.p);
		b->cseq = set[i].cseq;
		b->q = set[i].q;
		b->expires_at = set[i].expires_at;
	}
	return 0;
}

static void st_add(const char *aor, const char *uri, const char *cid, uint32_t cseq, uint16_t q, uint64_t at)
{
	struct st_binding *b = &S.b[S.n++];
	snprintf(b->aor, sizeof b->aor, "%s", aor);
	snprintf(b->uri, sizeof b->uri, "%s", uri);
	snprintf(b->cid, sizeof b->cid, "%s", cid);
	b->cseq = cseq;
	b->q = q;
	b->expires_at = at;
}

static int setup_store(void **state)
{
	(void)state;
	memset(&C, 0, sizeof C);
	memset(&S, 0, sizeof S);
	admit_status = 0;
	C.store = (struct zsip_registrar_store){ st_get, st_put, &S };
	return start();
}

#define BOB "sip:bob@biloxi.example.com"

/* §10.3 step 8 (and §10.2.3): a query lists, with their remaining
 * expires and q, the bindings the store returns, and writes nothing. */
static void test_registrar_store_200_lists_the_bindings_the_store_returns_10_3(void **state)
{
	(void)state;
	st_add(BOB, "sip:bob@192.0.2.4", "a", 1, 1000, W->now + 100000);
	st_add(BOB, "sip:bob@192.0.2.5", "b", 7, 500, W->now + 30000);
	assert_int_equal(reg(CID, 1, ""), 200);
	char uri[128], q[8];
	uint32_t e;
	assert_int_equal(sent_contact(0, uri, sizeof uri, &e, q), 0);
	assert_string_equal(uri, "sip:bob@192.0.2.4");
	assert_int_equal(e, 100);
	assert_int_equal(sent_contact(1, uri, sizeof uri, &e, q), 0);
	assert_string_equal(uri, "sip:bob@192.0.2.5");
	assert_int_equal(e, 30);
	assert_string_equal(q, "0.500");
	assert_int_equal(sent_contact(2, uri, sizeof uri, &e, NULL), -1);
	assert_int_equal(S.gets, 1);
	assert_int_equal(S.puts, 0);
	/* The helper's own table is not used. */
	assert_int_equal(nbindings(), 0);
}

/* §10.3 step 7: a new binding goes to the store with the canonical AOR,
 * the request's Call-ID and CSeq, its q and its end; the 200 lists it. */
static void test_registrar_store_put_gets_new_binding_with_call_id_cseq_q_expiry_10_3(void **state)
{
	(void)state;
	assert_int_equal(reg_to("sip:%62ob@BILOXI.example.com;transport=udp", CID, 1826,
				"Contact: <sip:bob@192.0.2.4>;q=0.7\r\nExpires: 600\r\n"), 200);
	assert_int_equal(S.puts, 1);
	assert_int_equal(S.n, 1);
	assert_string_equal(S.b[0].aor, BOB);
	assert_string_equal(S.b[0].uri, "sip:bob@192.0.2.4");
	assert_string_equal(S.b[0].cid, CID);
	assert_int_equal(S.b[0].cseq, 1826);
	assert_int_equal(S.b[0].q, 700);
	assert_int_equal(S.b[0].expires_at, W->now + 600000);
	char uri[128];
	uint32_t e;
	assert_int_equal(sent_contact(0, uri, sizeof uri, &e, NULL), 0);
	assert_int_equal(e, 600);
}

/* §10.3 step 7: a stored binding with the request's Call-ID and a CSeq
 * not lower refuses the request (500), and the store is not written; a
 * short expiry gets 423 without a write either. */
static void test_registrar_store_old_cseq_gets_500_and_no_put_10_3(void **state)
{
	(void)state;
	st_add(BOB, "sip:bob@192.0.2.4", CID, 10, 1000, W->now + 100000);
	assert_int_equal(reg(CID, 10, PHONE "Expires: 600\r\n"), 500);
	assert_int_equal(reg(CID, 9, "Contact: *\r\nExpires: 0\r\n"), 500);
	assert_int_equal(reg(CID, 11, PHONE "Expires: 5\r\n"), 423);
	assert_int_equal(S.puts, 0);
	assert_int_equal(S.b[0].cseq, 10);
	assert_int_equal(reg(CID, 11, PHONE "Expires: 600\r\n"), 200);
	assert_int_equal(S.puts, 1);
	assert_int_equal(S.b[0].cseq, 11);
}

/* §10.3 step 6: "*" with Expires: 0 writes an empty set for the AOR; other
 * AORs are untouched. */
static void test_registrar_store_star_puts_an_empty_set_10_3(void **state)
{
	(void)state;
	st_add(BOB, "sip:bob@192.0.2.4", "a", 1, 1000, W->now + 100000);
	st_add(BOB, "sip:bob@192.0.2.5", "b", 1, 1000, W->now + 100000);
	st_add("sip:alice@biloxi.example.com", "sip:alice@192.0.2.9", "c", 1, 1000, W->now + 100000);
	assert_int_equal(reg(CID, 1, "Contact: *\r\nExpires: 0\r\n"), 200);
	assert_int_equal(S.puts, 1);
	assert_int_equal(S.last_put_n, 0);
	assert_int_equal(S.n, 1);
	assert_string_equal(S.b[0].aor, "sip:alice@biloxi.example.com");
}

/* §10.2.2, §10.3 step 7: Expires 0 on one Contact writes the others back
 * unchanged, and a binding that has ended (expires_at passed) is neither
 * listed nor written back. */
static void test_registrar_store_removal_keeps_others_and_drops_ended_ones_10_3(void **state)
{
	(void)state;
	st_add(BOB, "sip:bob@192.0.2.4", "a", 1, 1000, W->now + 100000);
	st_add(BOB, "sip:bob@192.0.2.5", "b", 3, 250, W->now + 200000);
	st_add(BOB, "sip:bob@192.0.2.6", "c", 1, 1000, W->now);    /* ended */
	assert_int_equal(reg(CID, 1, PHONE "Expires: 0\r\n"), 200);
	assert_int_equal(S.last_put_n, 1);
	assert_int_equal(S.n, 1);
	assert_string_equal(S.b[0].uri, "sip:bob@192.0.2.5");
	assert_string_equal(S.b[0].cid, "b");
	assert_int_equal(S.b[0].cseq, 3);
	assert_int_equal(S.b[0].q, 250);
	assert_int_equal(S.b[0].expires_at, W->now + 200000);
	char uri[128];
	uint32_t e;
	assert_int_equal(sent_contact(0, uri, sizeof uri, &e, NULL), 0);
	assert_string_equal(uri, "sip:bob@192.0.2.5");
	assert_int_equal(sent_contact(1, uri, sizeof uri, &e, NULL), -1);
}

/* A store that fails: get or put failing is the server's trouble, 500
 * (§21.5.1); a store that says it is full is overloaded, 503 with
 * Retry-After (§21.5.4), as the helper's own table past its caps. */
static void test_registrar_store_failure_gets_500_and_full_store_503(void **state)
{
	(void)state;
	struct zsip_msg m;
	S.get_rc = -1;
	assert_int_equal(reg(CID, 1, PHONE), 500);
	assert_int_equal(S.puts, 0);
	struct zsip_reg_contact c[2];
	assert_int_equal(lookup(BOB, c, 2), ZSIP_ESTORE);
	S.get_rc = 0;
	S.put_rc = ZSIP_ESTORE;
	assert_int_equal(reg(CID, 2, PHONE), 500);
	S.put_rc = ZSIP_ELIMIT;
	assert_int_equal(reg(CID, 3, PHONE), 503);
	last_sent(&m);
	assert_non_null(zsip_msg_find(&m, ZSIP_HDR_RETRY_AFTER));
	S.put_rc = ZSIP_ENOMEM;
	assert_int_equal(reg(CID, 4, PHONE), 503);
	assert_int_equal(S.n, 0);
	S.put_rc = 0;
	assert_int_equal(reg(CID, 5, PHONE), 200);
	assert_int_equal(S.n, 1);
}

/* §16.5 routing: lookup reads through the store and skips ended
 * bindings; the uri slices are the store's. */
static void test_registrar_store_lookup_reads_through_get(void **state)
{
	(void)state;
	st_add(BOB, "sip:bob@192.0.2.4", "a", 1, 1000, W->now + 100000);
	st_add(BOB, "sip:bob@192.0.2.6", "c", 1, 1000, W->now - 1);
	struct zsip_reg_contact c[2];
	assert_int_equal(lookup("sip:bob@biloxi.example.com;user=phone", c, 2), 1);
	assert_ptr_equal(c[0].uri.p, S.b[0].uri);
	assert_int_equal(c[0].expires, 100);
	assert_int_equal(S.gets, 1);
	assert_int_equal(lookup("sip:nobody@biloxi.example.com", c, 2), 0);
	/* Half a store is refused. */
	assert_null(zsip_registrar_new(W->s, &(struct zsip_registrar_config){ .store = { .get = st_get } }));
	assert_null(zsip_registrar_new(W->s, &(struct zsip_registrar_config){ .store = { .put = st_put } }));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TS(f) cmocka_unit_test_setup_teardown(f, setup_store, teardown)
	const struct CMUnitTest tests[] = {
		T(test_registrar_binds_contact_and_200_lists_it_with_expires),
		T(test_registrar_contact_expires_param_wins_over_header_else_default),
		T(test_registrar_below_min_expires_gets_423_with_min_expires),
		T(test_registrar_shortens_expiry_above_its_maximum),
		T(test_registrar_expires_zero_removes_only_that_binding),
		T(test_registrar_star_with_expires_zero_removes_all),
		T(test_registrar_star_not_alone_or_without_expires_zero_gets_400),
		T(test_registrar_same_call_id_old_cseq_fails_and_changes_nothing),
		T(test_registrar_other_call_id_updates_binding_whatever_cseq),
		T(test_registrar_matches_contact_by_uri_equivalence),
		T(test_registrar_canonical_aor_drops_params_and_decodes_escapes),
		T(test_registrar_tel_to_gets_404),
		T(test_registrar_require_gets_420_with_unsupported),
		T(test_registrar_420_lists_every_required_tag_and_bad_require_gets_400),
		T(test_registrar_admit_callback_refuses_with_its_status_and_headers),
		T(test_registrar_keeps_q_values_and_refuses_bad_ones),
		T(test_registrar_request_without_contact_lists_bindings),
		T(test_registrar_binding_expires_on_the_stack_timer),
		T(test_registrar_caps_get_503_with_retry_after),
		T(test_registrar_out_of_memory_gets_503_and_binds_nothing),
		T(test_registrar_ignores_what_is_not_a_register_server_transaction),
		T(test_registrar_with_digest_server_challenges_then_binds_22_4),
		T(test_registrar_measures_heap_bytes_per_binding),
		TS(test_registrar_store_200_lists_the_bindings_the_store_returns_10_3),
		TS(test_registrar_store_put_gets_new_binding_with_call_id_cseq_q_expiry_10_3),
		TS(test_registrar_store_old_cseq_gets_500_and_no_put_10_3),
		TS(test_registrar_store_star_puts_an_empty_set_10_3),
		TS(test_registrar_store_removal_keeps_others_and_drops_ended_ones_10_3),
		TS(test_registrar_store_failure_gets_500_and_full_store_503),
		TS(test_registrar_store_lookup_reads_through_get),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
