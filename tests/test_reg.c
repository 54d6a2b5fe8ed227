/* The registration client (RFC 3261 §10.2) against a registrar played by
 * hand, one stack in virtual time; then client and registrar helper on a
 * lossy simulated network. */
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

#define REGISTRAR "192.0.2.10"
#define OURS "sip:alice@192.0.2.4:5060"

static struct tw *W;
static struct sim_mem M;
static struct zsip_regc *RC;
static struct zsip_regc_config C;
static struct zsip_auth_client *AUTH;

#define MAX_EV 64
static struct zsip_regc_event EV[MAX_EV];
static size_t NEV;
static int free_in_cb;      /* zsip_regc_free from the callback */
static int unregister_in_cb;

static void on_reg(void *user, const struct zsip_regc_event *ev)
{
	(void)user;
	if (NEV < MAX_EV) {
		EV[NEV] = *ev;
		EV[NEV].msg = NULL;
	}
	NEV++;
	if (free_in_cb) {
		zsip_regc_free(RC);
		RC = NULL;
	} else if (unregister_in_cb && ev->type == ZSIP_REGC_EV_REGISTERED) {
		assert_int_equal(zsip_regc_unregister(RC, ev->now_ms), 0);
	}
}

static int cred(void *user, const struct zsip_str *realm, enum zsip_digest_alg alg, struct zsip_auth_cred *out)
{
	(void)user;
	(void)realm;
	(void)alg;
	memset(out, 0, sizeof(*out));
	strcpy(out->user, "alice");
	strcpy(out->password, "secret");
	return 0;
}

static int setup(void **state)
{
	(void)state;
	W = calloc(1, sizeof(*W));
	memset(&M, 0, sizeof M);
	struct zsip_config cfg = { 0 };
	cfg.alloc.alloc = sim_mem_hook_alloc;
	cfg.alloc.free = sim_mem_hook_free;
	cfg.alloc.user = &M;
	if (!W || tw_init(W, &cfg) != 0)
		return -1;
	W->now = 1000;
	NEV = 0;
	free_in_cb = unregister_in_cb = 0;
	memset(&C, 0, sizeof C);
	C.transport_id = W->udp;
	zsip_addr_set(&C.registrar, REGISTRAR, 5060);
	C.registrar_uri = "sip:atlanta.example.com";
	C.aor = "sip:alice@atlanta.example.com";
	C.contact = OURS;
	C.on_event = on_reg;
	AUTH = NULL;
	RC = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	zsip_regc_free(RC);
	zsip_auth_client_free(AUTH);
	tw_fini(W);
	free(W);
	assert_int_equal(M.live, 0);
	assert_int_equal(M.bad_size, 0);
	return 0;
}

static void make(void)
{
	RC = zsip_regc_new(W->s, &C);
	assert_non_null(RC);
}

/* The i-th message sent (negative: from the end), parsed. */
static void sent(long i, struct zsip_msg *m)
{
	size_t k = i < 0 ? W->nsent - (size_t)-i : (size_t)i;
	assert_true(k < W->nsent);
	assert_true(zsip_msg_parse(m, W->sent[k].buf, W->sent[k].len, NULL) > 0);
}

static struct zsip_str hdr(const struct zsip_msg *m, enum zsip_hdr_id id)
{
	const struct zsip_hdr *h = zsip_msg_find(m, id);
	return h ? h->value : (struct zsip_str){ NULL, 0 };
}

static void assert_str(struct zsip_str v, const char *want)
{
	assert_non_null(v.p);
	if (v.len != strlen(want) || memcmp(v.p, want, v.len) != 0)
		fail_msg("got \"%.*s\", want \"%s\"", (int)v.len, v.p, want);
}

/* The registrar answers the last REGISTER sent with code and extra lines. */
static void answer(int code, const char *extra)
{
	struct zsip_msg m;
	sent(-1, &m);
	struct zsip_field f[4];
	size_t nf = 0;
	char lines[1024];
	snprintf(lines, sizeof lines, "%s", extra ? extra : "");
	for (char *p = lines; *p;) {
		char *eol = strstr(p, "\r\n");
		char *colon = strchr(p, ':');
		*eol = '\0';
		f[nf].name = (struct zsip_str){ p, (size_t)(colon - p) };
		f[nf].value = zsip_str_c(colon + 2);
		nf++;
		p = eol + 2;
	}
	struct zsip_response r = { code, { NULL, 0 }, ZSIP_STR("reg1"), f, nf, { NULL, 0 } };
	char out[TW_BUF];
	int n = zsip_build_response(out, sizeof out, &m, &r);
	assert_true(n > 0 && (size_t)n < sizeof out);
	struct zsip_addr a;
	zsip_addr_set(&a, REGISTRAR, 5060);
	assert_int_equal(zsip_stack_receive(W->s, W->udp, &a, out, (size_t)n, W->now), 0);
	tw_advance(W, W->now);  /* TERMINATED etc. */
}

static const struct zsip_regc_event *last_ev(void)
{
	assert_true(NEV > 0 && NEV <= MAX_EV);
	return &EV[NEV - 1];
}

/* REGISTER requests sent, retransmissions not counted: the CSeq counts
 * them. */
static size_t registers_sent(void)
{
	size_t n = 0;
	for (size_t i = 0; i < W->nsent && i < TW_MAX; i++) {
		struct zsip_msg m;
		if (zsip_msg_parse(&m, W->sent[i].buf, W->sent[i].len, NULL) > 0 && m.is_request &&
		    m.cseq.num > n)
			n = m.cseq.num;
	}
	return n;
}

/* ------------------------------------------------------------- client */

/* §10.2.1: Request-URI the domain, To the AOR, From the AOR with a tag,
 * our Contact, Expires (default 3600), CSeq from 1, Max-Forwards 70. */
static void test_regc_register_request_has_aor_contact_and_expires_10_2_1(void **state)
{
	(void)state;
	make();
	assert_int_equal(zsip_regc_register(RC, W->now), 0);
	assert_int_equal(zsip_regc_state(RC), ZSIP_REGC_REGISTERING);
	assert_int_equal(W->nsent, 1);
	assert_string_equal(W->sent[0].dst.host, REGISTRAR);
	struct zsip_msg m;
	sent(0, &m);
	assert_str(m.method, "REGISTER");
	assert_str(m.ruri_str, "sip:atlanta.example.com");
	assert_str(m.to.uri.raw, "sip:alice@atlanta.example.com");
	assert_null(m.to.tag.p);
	assert_str(m.from.uri.raw, "sip:alice@atlanta.example.com");
	assert_true(m.from.tag.len >= 8);       /* §19.3: random enough */
	assert_str(hdr(&m, ZSIP_HDR_CONTACT), "<" OURS ">");
	assert_str(hdr(&m, ZSIP_HDR_EXPIRES), "3600");
	assert_int_equal(m.cseq.num, 1);
	assert_int_equal(m.max_forwards, 70);
	assert_true(zsip_str_eq(m.call_id, zsip_regc_call_id(RC)));
	assert_memory_equal(m.via.branch.p, "z9hG4bK", 7);
	assert_int_equal(NEV, 0);
}

/* §10.2: a third party registers another AOR: From is its own identity. */
static void test_regc_third_party_registration_puts_its_identity_in_from_10_2(void **state)
{
	(void)state;
	C.from = "sip:secretary@atlanta.example.com";
	make();
	assert_int_equal(zsip_regc_register(RC, W->now), 0);
	struct zsip_msg m;
	sent(0, &m);
	assert_str(m.from.uri.raw, "sip:secretary@atlanta.example.com");
	assert_str(m.to.uri.raw, "sip:alice@atlanta.example.com");
}

/* §10.2.4: the granted interval is our Contact's expires parameter in the
 * 200 (not another Contact's, not the Expires header). */
static void test_regc_granted_interval_is_our_contacts_expires_param_10_2_4(void **state)
{
	(void)state;
	make();
	zsip_regc_register(RC, W->now);
	answer(200, "Contact: <sip:alice@198.51.100.7>;expires=50, <sip:alice@192.0.2.4:5060>;expires=1800\r\n"
		    "Expires: 900\r\n");
	assert_int_equal(NEV, 1);
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_REGISTERED);
	assert_int_equal(last_ev()->expires, 1800);
	assert_int_equal(last_ev()->status, 200);
	assert_int_equal(zsip_regc_state(RC), ZSIP_REGC_ACTIVE);
	assert_int_equal(zsip_regc_expires(RC), 1800);
}

/* §10.2.4: without an expires parameter on our Contact, the Expires
 * header gives the interval. */
static void test_regc_granted_interval_falls_back_to_expires_header_10_2_4(void **state)
{
	(void)state;
	make();
	zsip_regc_register(RC, W->now);
	answer(200, "Contact: <" OURS ">\r\nExpires: 900\r\n");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_REGISTERED);
	assert_int_equal(last_ev()->expires, 900);
}

/* §10.2.4: refresh before the binding ends, with the same Call-ID, the
 * CSeq one higher and a new branch. */
static void test_regc_refreshes_before_expiry_same_call_id_cseq_up_10_2_4(void **state)
{
	(void)state;
	make();
	zsip_regc_register(RC, W->now);
	uint64_t t0 = W->now;
	answer(200, "Contact: <" OURS ">;expires=3600\r\n");
	struct zsip_msg first, m;
	sent(0, &first);
	tw_advance(W, t0 + 3240000 - 1);
	assert_int_equal(registers_sent(), 1);
	tw_advance(W, t0 + 3240000);
	assert_int_equal(registers_sent(), 2);
	assert_int_equal(zsip_regc_state(RC), ZSIP_REGC_REFRESHING);
	sent(-1, &m);
	sent(0, &first);
	assert_true(zsip_str_eq(m.call_id, first.call_id));
	assert_true(zsip_str_eq(m.from.tag, first.from.tag));
	assert_int_equal(m.cseq.num, 2);
	assert_false(zsip_str_eq(m.via.branch, first.via.branch));
	answer(200, "Contact: <" OURS ">;expires=600\r\n");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_REGISTERED);
	assert_int_equal(last_ev()->expires, 600);
	/* 600 s granted: refreshed a tenth ahead, at 540 s */
	uint64_t t1 = W->now;
	tw_advance(W, t1 + 540000 - 1);
	assert_int_equal(registers_sent(), 2);
	tw_advance(W, t1 + 540000);
	assert_int_equal(registers_sent(), 3);
	sent(-1, &m);
	assert_int_equal(m.cseq.num, 3);
}

/* §10.2.8: 423 is retried with the Min-Expires interval, on a new
 * transaction with CSeq + 1. */
static void test_regc_423_retried_with_min_expires_10_2_8(void **state)
{
	(void)state;
	C.expires = 30;
	make();
	zsip_regc_register(RC, W->now);
	answer(423, "Min-Expires: 120\r\n");
	assert_int_equal(NEV, 0);
	assert_int_equal(registers_sent(), 2);
	struct zsip_msg m;
	sent(-1, &m);
	assert_str(hdr(&m, ZSIP_HDR_EXPIRES), "120");
	assert_int_equal(m.cseq.num, 2);
	answer(200, "Contact: <" OURS ">;expires=120\r\n");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_REGISTERED);
	assert_int_equal(last_ev()->expires, 120);
}

/* A 423 that gives nothing higher to ask for cannot be met. */
static void test_regc_423_without_usable_min_expires_fails(void **state)
{
	(void)state;
	make();
	zsip_regc_register(RC, W->now);
	answer(423, "");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_FAILED);
	assert_int_equal(last_ev()->err, ZSIP_EREG_INTERVAL);
	assert_int_equal(last_ev()->status, 423);
	assert_int_equal(zsip_regc_state(RC), ZSIP_REGC_FAILED);
	assert_int_equal(registers_sent(), 1);
}

/* §10.2.2: unregistering our binding: our Contact with Expires 0; the
 * refresh stops and the end is reported. */
static void test_regc_unregister_sends_our_contact_with_expires_zero_10_2_2(void **state)
{
	(void)state;
	make();
	zsip_regc_register(RC, W->now);
	answer(200, "Contact: <" OURS ">;expires=3600\r\n");
	assert_int_equal(zsip_regc_unregister(RC, W->now), 0);
	assert_int_equal(zsip_regc_state(RC), ZSIP_REGC_UNREGISTERING);
	struct zsip_msg m;
	sent(-1, &m);
	assert_str(hdr(&m, ZSIP_HDR_CONTACT), "<" OURS ">");
	assert_str(hdr(&m, ZSIP_HDR_EXPIRES), "0");
	assert_int_equal(m.cseq.num, 2);
	answer(200, "");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_UNREGISTERED);
	assert_int_equal(last_ev()->err, 0);
	assert_int_equal(zsip_regc_state(RC), ZSIP_REGC_IDLE);
	tw_advance(W, W->now + 2 * 3600000);
	assert_int_equal(registers_sent(), 2);   /* no refresh */
}

/* §10.2.2: removing all bindings: "Contact: *" with "Expires: 0". */
static void test_regc_unregister_all_sends_star_with_expires_zero_10_2_2(void **state)
{
	(void)state;
	make();
	assert_int_equal(zsip_regc_unregister_all(RC, W->now), 0);
	struct zsip_msg m;
	sent(-1, &m);
	assert_str(hdr(&m, ZSIP_HDR_CONTACT), "*");
	assert_str(hdr(&m, ZSIP_HDR_EXPIRES), "0");
	answer(200, "");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_UNREGISTERED);
}

/* §10.2.3: a query carries no Contact, and gets the bindings. */
static void test_regc_query_sends_no_contact_10_2_3(void **state)
{
	(void)state;
	make();
	assert_int_equal(zsip_regc_query(RC, W->now), 0);
	struct zsip_msg m;
	sent(-1, &m);
	assert_null(zsip_msg_find(&m, ZSIP_HDR_CONTACT));
	assert_null(zsip_msg_find(&m, ZSIP_HDR_EXPIRES));
	answer(200, "Contact: <sip:alice@198.51.100.7>;expires=50\r\n");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_BINDINGS);
	assert_int_equal(last_ev()->status, 200);
	assert_int_equal(zsip_regc_state(RC), ZSIP_REGC_IDLE);
}

/* A final failure ends the registration with its status. */
static void test_regc_final_failure_reports_failed_with_status(void **state)
{
	(void)state;
	make();
	zsip_regc_register(RC, W->now);
	answer(403, "");
	assert_int_equal(NEV, 1);
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_FAILED);
	assert_int_equal(last_ev()->status, 403);
	assert_int_equal(last_ev()->err, ZSIP_EREG_REJECTED);
	tw_advance(W, W->now + 3600000);
	assert_int_equal(registers_sent(), 1);
}

/* §8.1.3.1: no answer within Timer F is a failure (as a 408). */
static void test_regc_no_answer_reports_failed_with_timeout(void **state)
{
	(void)state;
	make();
	uint64_t t0 = W->now;
	zsip_regc_register(RC, W->now);
	tw_advance(W, t0 + 64 * 500);
	assert_int_equal(NEV, 1);
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_FAILED);
	assert_int_equal(last_ev()->err, ZSIP_ETIMEOUT);
	assert_int_equal(last_ev()->now_ms, t0 + 64 * 500);
}

/* A failed refresh is reported and retried (retry_s, up to a tenth of
 * jitter) while the binding lasts; when it runs out, the registration
 * fails with ZSIP_EREG_EXPIRED. */
static void test_regc_failed_refresh_retries_until_binding_expires(void **state)
{
	(void)state;
	C.retry_s = 20;
	make();
	zsip_regc_register(RC, W->now);
	uint64_t t0 = W->now;
	answer(200, "Contact: <" OURS ">;expires=100\r\n");
	/* 100 s granted: refreshed one Timer F (32 s) ahead, at 68 s */
	tw_advance(W, t0 + 68000);
	assert_int_equal(registers_sent(), 2);
	answer(500, "");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_REFRESH_FAILED);
	assert_int_equal(last_ev()->status, 500);
	assert_int_equal(zsip_regc_state(RC), ZSIP_REGC_ACTIVE);
	tw_advance(W, t0 + 68000 + 20000 - 1);
	assert_int_equal(registers_sent(), 2);
	tw_advance(W, t0 + 68000 + 22000);
	assert_int_equal(registers_sent(), 3);
	answer(503, "");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_REFRESH_FAILED);
	tw_advance(W, t0 + 100000);
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_FAILED);
	assert_int_equal(last_ev()->err, ZSIP_EREG_EXPIRED);
	assert_int_equal(last_ev()->now_ms, t0 + 100000);
	assert_int_equal(zsip_regc_state(RC), ZSIP_REGC_FAILED);
	size_t n = registers_sent();
	tw_advance(W, t0 + 3600000);
	assert_int_equal(registers_sent(), n);
}

/* §21.5.4: a refresh refused with 503 and Retry-After is not retried
 * before that (when it is longer than retry_s). */
static void test_regc_failed_refresh_waits_for_retry_after_21_5_4(void **state)
{
	(void)state;
	C.retry_s = 20;
	make();
	zsip_regc_register(RC, W->now);
	uint64_t t0 = W->now;
	answer(200, "Contact: <" OURS ">;expires=600\r\n");
	tw_advance(W, t0 + 540000);
	assert_int_equal(registers_sent(), 2);
	answer(503, "Retry-After: 40 (maintenance)\r\n");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_REFRESH_FAILED);
	tw_advance(W, t0 + 540000 + 40000 - 1);
	assert_int_equal(registers_sent(), 2);
	tw_advance(W, t0 + 540000 + 44000);
	assert_int_equal(registers_sent(), 3);
	answer(200, "Contact: <" OURS ">;expires=600\r\n");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_REGISTERED);
	assert_int_equal(zsip_regc_state(RC), ZSIP_REGC_ACTIVE);
}

/* Without an auth client a challenge cannot be answered. */
static void test_regc_401_without_credentials_fails(void **state)
{
	(void)state;
	make();
	zsip_regc_register(RC, W->now);
	answer(401, "WWW-Authenticate: Digest realm=\"atlanta.example.com\", nonce=\"n1\"\r\n");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_FAILED);
	assert_int_equal(last_ev()->status, 401);
	assert_int_equal(last_ev()->err, ZSIP_EREG_REJECTED);
}

/* §22.2, §10.2: a 401 is answered with credentials on a new transaction
 * (new branch, CSeq + 1, same Call-ID); a second challenge for the realm
 * (wrong password) ends it, without a loop. */
static void test_regc_401_answered_once_with_credentials_then_gives_up_22_2(void **state)
{
	(void)state;
	AUTH = zsip_auth_client_new(W->s, cred, NULL);
	assert_non_null(AUTH);
	C.auth = AUTH;
	make();
	zsip_regc_register(RC, W->now);
	const char *ch = "WWW-Authenticate: Digest realm=\"atlanta.example.com\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", "
			 "qop=\"auth\", algorithm=MD5\r\n";
	answer(401, ch);
	assert_int_equal(NEV, 0);
	assert_int_equal(registers_sent(), 2);
	struct zsip_msg a, b;
	sent(0, &a);
	sent(-1, &b);
	assert_null(zsip_msg_find(&a, ZSIP_HDR_AUTHORIZATION));
	assert_non_null(zsip_msg_find(&b, ZSIP_HDR_AUTHORIZATION));
	assert_int_equal(b.cseq.num, 2);
	assert_true(zsip_str_eq(a.call_id, b.call_id));
	assert_false(zsip_str_eq(a.via.branch, b.via.branch));
	answer(401, ch);
	assert_int_equal(NEV, 1);
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_FAILED);
	assert_int_equal(last_ev()->status, 401);
	assert_int_equal(last_ev()->err, ZSIP_EAUTH_REJECTED);
	assert_int_equal(registers_sent(), 2);
}

/* A REGISTER asked for while one is in flight is queued, not sent beside
 * it ("busy" errors on overlapping refreshes are a known trap). */
static void test_regc_overlapping_requests_are_queued(void **state)
{
	(void)state;
	make();
	zsip_regc_register(RC, W->now);
	assert_int_equal(zsip_regc_register(RC, W->now), 0);
	assert_int_equal(zsip_regc_unregister(RC, W->now), 0);   /* replaces the queued one */
	assert_int_equal(registers_sent(), 1);
	answer(200, "Contact: <" OURS ">;expires=3600\r\n");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_REGISTERED);
	assert_int_equal(registers_sent(), 2);
	struct zsip_msg m;
	sent(-1, &m);
	assert_str(hdr(&m, ZSIP_HDR_EXPIRES), "0");
	answer(200, "");
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_UNREGISTERED);
	assert_int_equal(NEV, 2);
}

/* The application may free the registration, or start the next request,
 * from inside its event callback. */
static void test_regc_free_or_unregister_inside_the_callback_is_safe(void **state)
{
	(void)state;
	make();
	unregister_in_cb = 1;
	zsip_regc_register(RC, W->now);
	answer(200, "Contact: <" OURS ">;expires=3600\r\n");
	assert_int_equal(registers_sent(), 2);
	unregister_in_cb = 0;
	free_in_cb = 1;
	answer(200, "");
	assert_null(RC);
	assert_int_equal(last_ev()->type, ZSIP_REGC_EV_UNREGISTERED);
	tw_advance(W, W->now + 3600000);
	assert_int_equal(registers_sent(), 2);
}

/* Freed with a REGISTER in flight: its answer goes nowhere, nothing leaks
 * (teardown checks the allocator). */
static void test_regc_free_with_request_in_flight_leaks_nothing(void **state)
{
	(void)state;
	make();
	zsip_regc_register(RC, W->now);
	zsip_regc_free(RC);
	RC = NULL;
	answer(200, "Contact: <" OURS ">;expires=3600\r\n");
	tw_advance(W, W->now + 64 * 500);
	assert_int_equal(NEV, 0);
}

static void test_regc_new_refuses_bad_config(void **state)
{
	(void)state;
	struct zsip_regc_config c = C;
	c.contact = "not a uri";
	assert_null(zsip_regc_new(W->s, &c));
	c = C;
	c.aor = "tel:+15551234";
	assert_null(zsip_regc_new(W->s, &c));
	c = C;
	c.on_event = NULL;
	assert_null(zsip_regc_new(W->s, &c));
	c = C;
	c.transport_id = 99;
	assert_null(zsip_regc_new(W->s, &c));
	c = C;
	c.max_attempts = 100;
	assert_null(zsip_regc_new(W->s, &c));
	assert_null(zsip_regc_new(NULL, &C));
	assert_int_equal(zsip_regc_register(NULL, 0), ZSIP_EINVAL);
}

/* A send that fails at once is returned, with no event and the state as
 * it was. */
static void test_regc_send_failure_is_returned_not_raised(void **state)
{
	(void)state;
	make();
	W->fail_after = 0;
	assert_int_equal(zsip_regc_register(RC, W->now), ZSIP_ETRANSPORT);
	assert_int_equal(zsip_regc_state(RC), ZSIP_REGC_IDLE);
	assert_int_equal(zsip_regc_cseq(RC), 0);
	W->fail_after = -1;
	assert_int_equal(zsip_regc_register(RC, W->now), 0);
	assert_int_equal(zsip_regc_cseq(RC), 1);
	assert_int_equal(NEV, 0);
}


/* Heap per registration, for the record (README): 100 registrations
 * created, measured through the allocator hooks (a first round grows the
 * stack's timer heap, which keeps its size). */
static void test_regc_measures_heap_bytes_per_registration(void **state)
{
	(void)state;
	static struct zsip_regc *all[100];
	size_t base = 0;
	for (int round = 0; round < 2; round++) {
		if (round)
			base = M.live;
		for (int i = 0; i < 100; i++) {
			all[i] = zsip_regc_new(W->s, &C);
			assert_non_null(all[i]);
		}
		if (!round)
			for (int i = 0; i < 100; i++)
				zsip_regc_free(all[i]);
	}
	printf("  client heap: %.0f bytes per registration (ids, strings, timer)\n",
	       (double)(M.live - base) / 100);
	assert_true((M.live - base) / 100 < 1024);
	for (int i = 0; i < 100; i++)
		zsip_regc_free(all[i]);
	assert_int_equal(M.live, base);
}

/* ------------------------------------------------ on a lossy network */

/* Two stacks on the simulated network (support/sim.h): node 0 holds the
 * registration client, node 1 the registrar helper with a digest server
 * (every REGISTER needs credentials: 401; a nonce lives 300 s, so
 * refreshes also meet stale=true) and a minimum interval above what the
 * client asks for (423). Per seed: register
 * (401, 423, 200), an hour of refreshes, then remove-all. */
#define SIM_HOUR 3600000ull
#define SIM_SEEDS 1000

struct simrun;

struct node {
	struct simrun *run;
	struct sim_rng rng;
	struct sim *sim;
	int id, tp;
	struct zsip_stack *st;
	struct zsip_addr addr, peer;
	struct sim_mem mem;
};

struct simrun {
	struct node n[2];
	struct zsip_regc *rc;
	struct zsip_registrar *reg;
	struct zsip_auth_client *auth;
	struct zsip_auth_server *srv;
	unsigned ev[8];          /* by zsip_regc_event_type */
	int last_err, last_status;
	unsigned checks;         /* credential lookups by the digest server */
	unsigned sent401, sent423; /* answers the registrar sent (retransmissions too) */
	uint64_t registered_at;  /* first REGISTERED */
};

static int n_send(void *user, int tp, const struct zsip_addr *dst, const char *buf, size_t len)
{
	struct node *n = user;
	(void)tp;
	(void)dst;
	if (len > 12 && !memcmp(buf, "SIP/2.0 401", 11))
		n->run->sent401++;
	if (len > 12 && !memcmp(buf, "SIP/2.0 423", 11))
		n->run->sent423++;
	return sim_send(n->sim, n->id, 1 - n->id, buf, len);
}

static void n_receive(void *ctx, int from, const char *buf, size_t len, uint64_t now)
{
	struct node *n = ctx;
	(void)from;
	zsip_stack_receive(n->st, n->tp, &n->peer, buf, len, now);
}

static uint64_t n_deadline(void *ctx)
{
	return zsip_stack_next_deadline(((struct node *)ctx)->st);
}

static void n_timeout(void *ctx, uint64_t now)
{
	zsip_stack_timeout(((struct node *)ctx)->st, now);
}

static const struct sim_node_ops node_ops = { n_receive, n_deadline, n_timeout };

/* The registrar's stack: every REGISTER goes to the helper. */
static void n_event(void *user, const struct zsip_event *ev)
{
	struct node *n = user;
	if (ev->type == ZSIP_EV_REQUEST && n->run->reg)
		assert_true(zsip_registrar_process(n->run->reg, ev->txn, ev->now_ms) > 0);
}

/* The registrar's digest server knows alice (secret). */
static int sr_lookup(void *user, const struct zsip_str *realm, const struct zsip_str *username,
		     enum zsip_digest_alg alg, struct zsip_auth_cred *out)
{
	struct simrun *r = user;
	(void)realm;
	(void)alg;
	r->checks++;
	if (!zsip_str_eq(*username, ZSIP_STR("alice")))
		return -1;
	snprintf(out->password, sizeof out->password, "secret");
	return 0;
}

/* Each stack's randomness (the digest server needs it), from the seed. */
static int n_random(void *user, void *buf, size_t len)
{
	struct node *n = user;
	for (size_t i = 0; i < len; i++)
		((unsigned char *)buf)[i] = (unsigned char)sim_rng_next(&n->rng);
	return 0;
}

static void sr_event(void *user, const struct zsip_regc_event *ev)
{
	struct simrun *r = user;
	if (ev->type < 8)
		r->ev[ev->type]++;
	r->last_err = ev->err;
	r->last_status = ev->status;
	if (ev->type == ZSIP_REGC_EV_REGISTERED && !r->registered_at)
		r->registered_at = ev->now_ms;
}

struct sim_tally {
	unsigned runs, refreshes, refresh_failures, checks, sent401;
	uint64_t lost, delivered;
};

static void sim_reg_run(uint64_t seed, int reliable, struct sim_tally *t)
{
	static struct simrun run;
	struct simrun *r = &run;
	memset(r, 0, sizeof *r);
	struct sim s;
	sim_init(&s, seed, 1000, reliable ? sim_link_tcp(20) : sim_link_udp(20));
	static const char *const host[2] = { "10.0.0.1", "10.0.0.2" };
	for (int i = 0; i < 2; i++) {
		struct node *n = &r->n[i];
		struct zsip_config cfg = { 0 };
		cfg.alloc.alloc = sim_mem_hook_alloc;
		cfg.alloc.free = sim_mem_hook_free;
		cfg.alloc.user = &n->mem;
		cfg.user = n;
		cfg.send = n_send;
		cfg.on_event = n_event;
		cfg.random = n_random;
		sim_rng_seed(&n->rng, seed * 2 + (uint64_t)i + 1);
		n->run = r;
		n->sim = &s;
		n->st = zsip_stack_new(&cfg);
		assert_non_null(n->st);
		char sent_by[32];
		snprintf(sent_by, sizeof sent_by, "%s:5060", host[i]);
		n->tp = zsip_stack_add_transport(n->st, reliable ? ZSIP_TRANSPORT_TCP : ZSIP_TRANSPORT_UDP, NULL,
						 reliable, sent_by);
		assert_true(n->tp >= 0);
		n->id = sim_add_node(&s, &node_ops, n);
		zsip_addr_set(&n->addr, host[i], 5060);
	}
	r->n[0].peer = r->n[1].addr;
	r->n[1].peer = r->n[0].addr;

	struct zsip_auth_server_config ac = { 0 };
	ac.realm = "atlanta.example.com";
	ac.lookup = sr_lookup;
	ac.user = r;
	assert_int_equal(zsip_auth_server_new(r->n[1].st, &ac, &r->srv), 0);
	struct zsip_registrar_config rcfg = { 0 };
	rcfg.min_expires = 300;
	rcfg.auth = r->srv;
	r->reg = zsip_registrar_new(r->n[1].st, &rcfg);
	assert_non_null(r->reg);
	size_t reg_base = r->n[1].mem.live;

	r->auth = zsip_auth_client_new(r->n[0].st, cred, NULL);
	assert_non_null(r->auth);
	struct zsip_regc_config c = { 0 };
	c.transport_id = r->n[0].tp;
	c.registrar = r->n[1].addr;
	c.registrar_uri = "sip:atlanta.example.com";
	c.aor = "sip:alice@atlanta.example.com";
	c.contact = "sip:alice@10.0.0.1:5060";
	c.expires = 60;
	c.auth = r->auth;
	c.on_event = sr_event;
	c.user = r;
	r->rc = zsip_regc_new(r->n[0].st, &c);
	assert_non_null(r->rc);
	assert_int_equal(zsip_regc_register(r->rc, s.now), 0);

	uint64_t t0 = s.now;
	assert_int_equal(sim_run(&s, t0 + SIM_HOUR), 0);
	/* An hour on: both sides hold the one binding, granted 300 s. */
	struct zsip_reg_contact ct[2];
	int nb = zsip_registrar_lookup(r->reg, ZSIP_STR("sip:alice@atlanta.example.com"), ct, 2, s.now);
	if (nb != 1 || r->ev[ZSIP_REGC_EV_FAILED] || zsip_regc_expires(r->rc) != 300 ||
	    (zsip_regc_state(r->rc) != ZSIP_REGC_ACTIVE && zsip_regc_state(r->rc) != ZSIP_REGC_REFRESHING))
		fail_msg("seed %llu %s: after an hour %d bindings, client state %d, granted %u, failed %u (err %d)",
			 (unsigned long long)seed, reliable ? "tcp" : "udp", nb, zsip_regc_state(r->rc),
			 zsip_regc_expires(r->rc), r->ev[ZSIP_REGC_EV_FAILED], r->last_err);
	assert_memory_equal(ct[0].uri.p, "sip:alice@10.0.0.1:5060", ct[0].uri.len);
	/* 401 then 423 then 200 (§22.2, §10.2.8): at least two REGISTERs
	 * before the first grant, then a refresh every 268 s. */
	assert_true(r->sent401 >= 1 && r->sent423 >= 1 && r->checks >= 1);
	assert_true(r->ev[ZSIP_REGC_EV_REGISTERED] >= SIM_HOUR / 268000);

	assert_int_equal(zsip_regc_unregister_all(r->rc, s.now), 0);
	assert_int_equal(sim_run(&s, SIM_NEVER), 0);
	/* Remove-all confirmed, and both sides agree there is nothing. */
	if (r->ev[ZSIP_REGC_EV_UNREGISTERED] != 1 || r->last_err != 0 || r->last_status != 200)
		fail_msg("seed %llu %s: unregister events %u err %d status %d", (unsigned long long)seed,
			 reliable ? "tcp" : "udp", r->ev[ZSIP_REGC_EV_UNREGISTERED], r->last_err, r->last_status);
	assert_int_equal(zsip_regc_state(r->rc), ZSIP_REGC_IDLE);
	size_t aors, bindings;
	zsip_registrar_count(r->reg, &aors, &bindings);
	assert_int_equal(aors, 0);
	assert_int_equal(bindings, 0);
	assert_int_equal(r->n[1].mem.live, reg_base);   /* idle registrar: back to its base */

	t->runs++;
	t->refreshes += r->ev[ZSIP_REGC_EV_REGISTERED];
	t->refresh_failures += r->ev[ZSIP_REGC_EV_REFRESH_FAILED];
	t->checks += r->checks;
	t->sent401 += r->sent401;
	t->lost += s.st.lost;
	t->delivered += s.st.delivered;
	zsip_regc_free(r->rc);
	zsip_auth_client_free(r->auth);
	zsip_registrar_free(r->reg);
	zsip_auth_server_free(r->srv);
	for (int i = 0; i < 2; i++) {
		zsip_stack_free(r->n[i].st);
		assert_int_equal(r->n[i].mem.live, 0);
		assert_int_equal(r->n[i].mem.bad_size, 0);
	}
	sim_destroy(&s);
}

static void sim_many(int reliable)
{
	struct sim_tally t = { 0 };
	for (uint64_t seed = 1; seed <= SIM_SEEDS; seed++)
		sim_reg_run(seed, reliable, &t);
	printf("  %s 20%% loss, %u seeds: %u grants (%.1f per hour), %u refresh failures, %u 401s, %u credential checks, "
	       "%llu datagrams lost of %llu\n",
	       reliable ? "TCP" : "UDP", t.runs, t.refreshes, (double)t.refreshes / t.runs, t.refresh_failures,
	       t.sent401, t.checks, (unsigned long long)t.lost, (unsigned long long)(t.lost + t.delivered));
	assert_int_equal(t.runs, SIM_SEEDS);
}

/* §10.2: register through 401 and 423, refresh for an hour, remove all;
 * over UDP with 20% loss, duplication and reordering, for 1000 seeds. */
static void test_reg_sim_udp_20pct_loss_register_refresh_unregister(void **state)
{
	(void)state;
	sim_many(0);
}

static void test_reg_sim_tcp_20pct_loss_register_refresh_unregister(void **state)
{
	(void)state;
	sim_many(1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_regc_register_request_has_aor_contact_and_expires_10_2_1),
		T(test_regc_third_party_registration_puts_its_identity_in_from_10_2),
		T(test_regc_granted_interval_is_our_contacts_expires_param_10_2_4),
		T(test_regc_granted_interval_falls_back_to_expires_header_10_2_4),
		T(test_regc_refreshes_before_expiry_same_call_id_cseq_up_10_2_4),
		T(test_regc_423_retried_with_min_expires_10_2_8),
		T(test_regc_423_without_usable_min_expires_fails),
		T(test_regc_unregister_sends_our_contact_with_expires_zero_10_2_2),
		T(test_regc_unregister_all_sends_star_with_expires_zero_10_2_2),
		T(test_regc_query_sends_no_contact_10_2_3),
		T(test_regc_final_failure_reports_failed_with_status),
		T(test_regc_no_answer_reports_failed_with_timeout),
		T(test_regc_failed_refresh_retries_until_binding_expires),
		T(test_regc_failed_refresh_waits_for_retry_after_21_5_4),
		T(test_regc_401_without_credentials_fails),
		T(test_regc_401_answered_once_with_credentials_then_gives_up_22_2),
		T(test_regc_overlapping_requests_are_queued),
		T(test_regc_free_or_unregister_inside_the_callback_is_safe),
		T(test_regc_free_with_request_in_flight_leaks_nothing),
		T(test_regc_new_refuses_bad_config),
		T(test_regc_send_failure_is_returned_not_raised),
		T(test_regc_measures_heap_bytes_per_registration),
		cmocka_unit_test(test_reg_sim_udp_20pct_loss_register_refresh_unregister),
		cmocka_unit_test(test_reg_sim_tcp_20pct_loss_register_refresh_unregister),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
