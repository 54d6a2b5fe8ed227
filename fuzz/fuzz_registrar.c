/* Fuzz target: arbitrary REGISTERs into the registrar helper (RFC 3261
 * §10.3) through a real stack, with time passing between them.
 *
 * Input: pieces separated by NUL bytes. A piece of one byte is a control:
 * b < 0xf0 moves time on by b seconds (running every due timeout: binding
 * expiry, transaction timers); b >= 0xf0 makes the (b - 0xef)-th
 * allocation from now fail. Any longer piece is one UDP datagram, from
 * one of four sources, received by the stack; every REGISTER it passes up
 * goes to zsip_registrar_process, any other request gets 405. A seed that
 * is one plain REGISTER is therefore a valid input as it is.
 *
 * An input of odd length puts a digest server (zsip/digest.h, user bob,
 * password zanzibar) in front of the registrar (§10.3 steps 3-4). When bit
 * 1 of the length is set the bindings live in an application store
 * (zsip_registrar_store) of ST_MAX bindings, whose put fails every fifth
 * time and says "full" past ST_MAX; every put is checked (at most
 * max_per_aor bindings, each ending within max_expires).
 *
 * Checked after every piece: the registrar answered every REGISTER it was
 * given with a status (never left one hanging); a lookup of the To URI of
 * the datagram gives at most max_per_aor bindings, none longer than
 * max_expires; the counts stay within the caps. At the end every byte the
 * stack and the registrar took must have come back (allocator hooks).
 *
 * Self-contained: built against src/ alone (make fuzz). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_hooks.h"
#include "zsip/digest.h"
#include "zsip/reg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_AORS 8
#define MAX_BINDINGS 12
#define PER_AOR 4
#define MAX_EXPIRES 7200

struct fz {
	struct zsip_stack *st;
	struct zsip_registrar *reg;
	struct zsip_auth_server *auth;
	uint64_t rng;
	int tp;
	uint64_t now;
	struct fuzz_mem mem;
	int processed, answered;
	int in_reg;             /* inside zsip_registrar_process */
};

static struct fz F;

/* The application store: a flat array of copies. */
#define ST_MAX 16
struct st_binding {
	char aor[256], uri[512], cid[1024];
	size_t aor_len;
	struct zsip_reg_binding b; /* slices into the arrays above */
};

static struct {
	struct st_binding b[ST_MAX];
	size_t n;
	unsigned puts;
} S;

static int st_get(void *user, struct zsip_str aor, struct zsip_reg_binding *out, size_t max, uint64_t now)
{
	(void)user;
	(void)now;
	FUZZ_ASSERT(max == PER_AOR);
	size_t k = 0;
	for (size_t i = 0; i < S.n && k < max; i++)
		if (S.b[i].aor_len == aor.len && !memcmp(S.b[i].aor, aor.p, aor.len))
			out[k++] = S.b[i].b;
	return (int)k;
}

static int st_put(void *user, struct zsip_str aor, const struct zsip_reg_binding *set, size_t n, uint64_t now)
{
	(void)user;
	FUZZ_ASSERT(n <= PER_AOR && aor.len <= sizeof S.b[0].aor);
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(set[i].uri.len > 0 && set[i].uri.len <= sizeof S.b[0].uri);
		FUZZ_ASSERT(set[i].call_id.len <= sizeof S.b[0].cid && set[i].q <= 1000);
		FUZZ_ASSERT(set[i].expires_at > now && set[i].expires_at <= now + MAX_EXPIRES * 1000ull);
	}
	if (++S.puts % 5 == 0)
		return ZSIP_ESTORE;
	size_t keep = 0;
	for (size_t i = 0; i < S.n; i++)
		keep += !(S.b[i].aor_len == aor.len && !memcmp(S.b[i].aor, aor.p, aor.len));
	if (keep + n > ST_MAX)
		return ZSIP_ELIMIT;
	/* set may point into S: copy it out before rewriting. */
	static struct st_binding tmp[PER_AOR];
	for (size_t i = 0; i < n; i++) {
		memcpy(tmp[i].uri, set[i].uri.p, set[i].uri.len);
		memcpy(tmp[i].cid, set[i].call_id.p, set[i].call_id.len);
		tmp[i].b = set[i];
	}
	size_t k = 0;
	for (size_t i = 0; i < S.n; i++)
		if (!(S.b[i].aor_len == aor.len && !memcmp(S.b[i].aor, aor.p, aor.len)))
			S.b[k++] = S.b[i];
	for (size_t i = 0; i < n; i++, k++) {
		struct st_binding *d = &S.b[k];
		memcpy(d->aor, aor.p, aor.len);
		d->aor_len = aor.len;
		memcpy(d->uri, tmp[i].uri, set[i].uri.len);
		memcpy(d->cid, tmp[i].cid, set[i].call_id.len);
		d->b = tmp[i].b;
		d->b.uri.p = d->uri;
		d->b.call_id.p = d->cid;
	}
	for (size_t i = 0; i < k; i++) { /* the moved ones point into their new place */
		S.b[i].b.uri.p = S.b[i].uri;
		S.b[i].b.call_id.p = S.b[i].cid;
	}
	S.n = k;
	return 0;
}

static int fz_send(void *user, int tp, const struct zsip_addr *dst, const char *buf, size_t len)
{
	(void)user;
	(void)tp;
	(void)dst;
	struct zsip_msg m;
	/* What the registrar sends must parse (the stack's stateless answers
	 * to broken requests echo their bytes, and need not). */
	if (F.in_reg)
		FUZZ_ASSERT(zsip_msg_parse(&m, buf, len, NULL) > 0 && m.status >= 200);
	return 0;
}

static int fz_random(void *user, void *buf, size_t len)
{
	(void)user;
	for (size_t i = 0; i < len; i++) {
		F.rng = F.rng * 6364136223846793005ull + 1442695040888963407ull;
		((uint8_t *)buf)[i] = (uint8_t)(F.rng >> 56);
	}
	return 0;
}

static int fz_lookup(void *user, const struct zsip_str *realm, const struct zsip_str *username,
		     enum zsip_digest_alg alg, struct zsip_auth_cred *out)
{
	(void)user;
	(void)realm;
	(void)alg;
	if (!zsip_str_eq(*username, ZSIP_STR("bob")))
		return -1;
	snprintf(out->password, sizeof out->password, "zanzibar");
	return 0;
}

static void fz_event(void *user, const struct zsip_event *ev)
{
	(void)user;
	if (ev->type != ZSIP_EV_REQUEST)
		return;
	if (zsip_txn_method(ev->txn) == ZSIP_METHOD_REGISTER) {
		F.in_reg = 1;
		int st = zsip_registrar_process(F.reg, ev->txn, ev->now_ms);
		F.in_reg = 0;
		F.processed++;
		/* Answered, or the stack could not take the answer (memory). */
		FUZZ_ASSERT((st >= 200 && st <= 699) || st == ZSIP_ENOMEM || st == ZSIP_ETOOBIG);
		if (st > 0)
			F.answered++;
	} else if (zsip_txn_method(ev->txn) != ZSIP_METHOD_ACK) {
		struct zsip_response r;
		memset(&r, 0, sizeof r);
		r.code = 405;
		zsip_txn_reply(ev->txn, &r, ev->now_ms);
	}
}

static void advance(uint64_t to)
{
	for (unsigned guard = 0;; guard++) {
		uint64_t d = zsip_stack_next_deadline(F.st);
		if (d > to)
			break;
		if (guard > 100000)
			FUZZ_FAIL("timer never moves");
		if (d > F.now)
			F.now = d;
		zsip_stack_timeout(F.st, F.now);
	}
	F.now = to;
}

static void check_aor(const char *buf, size_t len)
{
	struct zsip_msg m;
	if (zsip_msg_parse(&m, buf, len, NULL) <= 0)
		return;
	struct zsip_reg_contact c[PER_AOR + 1];
	int n = zsip_registrar_lookup(F.reg, m.to.uri.raw, c, PER_AOR + 1, F.now);
	if (n < 0)
		return;
	FUZZ_ASSERT(n <= PER_AOR);
	for (int i = 0; i < n; i++) {
		FUZZ_ASSERT(c[i].expires > 0 && c[i].expires <= MAX_EXPIRES);
		FUZZ_ASSERT(c[i].q <= 1000);
		FUZZ_ASSERT(c[i].uri.len > 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(&F, 0, sizeof F);
	S.n = 0;
	S.puts = 0;
	F.now = 1000;
	struct zsip_config cfg = { 0 };
	cfg.alloc.alloc = fuzz_mem_alloc;
	cfg.alloc.free = fuzz_mem_free;
	cfg.alloc.user = &F.mem;
	cfg.send = fz_send;
	cfg.on_event = fz_event;
	cfg.random = fz_random;
	cfg.max_transactions = 16;
	F.st = zsip_stack_new(&cfg);
	FUZZ_ASSERT(F.st);
	F.tp = zsip_stack_add_transport(F.st, ZSIP_TRANSPORT_UDP, NULL, 0, "registrar.example.com");
	struct zsip_registrar_config rc = { 0 };
	rc.max_aors = MAX_AORS;
	rc.max_bindings = MAX_BINDINGS;
	rc.max_per_aor = PER_AOR;
	rc.min_expires = 30;
	rc.max_expires = MAX_EXPIRES;
	if (size & 1) {
		struct zsip_auth_server_config ac = { 0 };
		ac.realm = "example.com";
		ac.lookup = fz_lookup;
		ac.max_nonces = 4;
		FUZZ_ASSERT(zsip_auth_server_new(F.st, &ac, &F.auth) == 0);
		rc.auth = F.auth;
	}
	if (size & 2)
		rc.store = (struct zsip_registrar_store){ st_get, st_put, NULL };
	F.reg = zsip_registrar_new(F.st, &rc);
	FUZZ_ASSERT(F.reg);

	static const char *const srcs[4] = { "192.0.2.1", "192.0.2.2", "2001:db8::7", "198.51.100.9" };
	const char *p = (const char *)data, *end = p + size;
	unsigned k = 0;
	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t len = (size_t)((z ? z : end) - p);
		if (len == 1) {
			uint8_t b = (uint8_t)p[0];
			if (b < 0xf0)
				advance(F.now + (uint64_t)b * 1000);
			else
				F.mem.fail_after = b - 0xefu;
		} else if (len > 1) {
			struct zsip_addr src;
			zsip_addr_set(&src, srcs[k++ & 3], 5060);
			zsip_stack_receive(F.st, F.tp, &src, p, len, F.now);
			F.mem.fail_after = 0;
			check_aor(p, len);
		}
		size_t aors, bindings;
		zsip_registrar_count(F.reg, &aors, &bindings);
		FUZZ_ASSERT(aors <= MAX_AORS && bindings <= MAX_BINDINGS && aors <= bindings);
		p += len + (z != NULL);
	}
	/* Past the longest expiry, every binding and transaction is gone. */
	advance(F.now + 3ull * MAX_EXPIRES * 1000);
	size_t aors, bindings;
	zsip_registrar_count(F.reg, &aors, &bindings);
	FUZZ_ASSERT(aors == 0 && bindings == 0);
	zsip_registrar_free(F.reg);
	zsip_auth_server_free(F.auth);
	zsip_stack_free(F.st);
	FUZZ_ASSERT(F.mem.live == 0);
	return 0;
}
