/* Fuzz target: digest authentication (zsip/digest.h).
 *
 * The input is one SIP message. A 401/407 goes to a fresh client
 * (challenge parsing, RFC 8760 algorithm choice, quoted-pair handling);
 * when it takes the challenge, its Authorization lines must make a request
 * that parses, with credentials that parse. A request goes to the server
 * side's verify. Oracles: only documented error codes come back; the
 * client's output always parses; the server never accepts credentials it
 * did not challenge for (the nonce key is random, so a fuzzed nonce cannot
 * carry a valid MAC); nothing leaks (the stack's allocator count returns to
 * where it was). */
#include <string.h>

#include "fuzz_check.h"

static int no_send(void *u, int t, const struct zsip_addr *d, const char *b, size_t l)
{
	(void)u, (void)t, (void)d, (void)b, (void)l;
	return 0;
}

static int fill_random(void *u, void *buf, size_t len)
{
	static uint64_t x = 0x9e3779b97f4a7c15ull;
	(void)u;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		((unsigned char *)buf)[i] = (unsigned char)x;
	}
	return 0;
}

static int mode; /* what the credentials callbacks do this run */

static int cred(void *u, const struct zsip_str *realm, enum zsip_digest_alg alg, struct zsip_auth_cred *out)
{
	(void)u;
	FUZZ_ASSERT(realm && realm->p);
	FUZZ_ASSERT(alg >= ZSIP_DIGEST_MD5 && alg <= ZSIP_DIGEST_SHA512_256_SESS);
	if (mode == 2)
		return -1;
	strcpy(out->user, "al\"ice\\");
	if (mode == 1)
		memset(out->ha1, 'a', alg <= ZSIP_DIGEST_MD5_SESS ? 32 : 64);
	else
		strcpy(out->password, "secret");
	return 0;
}

static int lookup(void *u, const struct zsip_str *realm, const struct zsip_str *username, enum zsip_digest_alg alg,
		  struct zsip_auth_cred *out)
{
	(void)u, (void)realm, (void)alg;
	FUZZ_ASSERT(username && username->p);
	if (mode == 2)
		return -1;
	strcpy(out->password, "secret");
	return 0;
}

static void check_client_output(const char *lines, int n)
{
	static char req[16384];
	int m = snprintf(req, sizeof req,
			 "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			 "From: <sip:a@b>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: x\r\nCSeq: 2 INVITE\r\n"
			 "%sContent-Length: 0\r\n\r\n",
			 lines);
	FUZZ_ASSERT(m > 0 && (size_t)m < sizeof req && n >= 0);
	struct zsip_msg msg;
	int rc = zsip_msg_parse(&msg, req, (size_t)m, NULL);
	if (rc < 0)
		FUZZ_FAIL("client output does not parse (%s):\n%s", zsip_strerror(rc), req);
	static const enum zsip_hdr_id ids[2] = { ZSIP_HDR_AUTHORIZATION, ZSIP_HDR_PROXY_AUTHORIZATION };
	int count = 0;
	for (int i = 0; i < 2; i++)
		for (const struct zsip_hdr *h = zsip_msg_find(&msg, ids[i]); h; h = zsip_msg_find_next(&msg, h)) {
			struct zsip_auth a;
			FUZZ_ASSERT(zsip_auth_parse(&a, h->value) == 0);
			FUZZ_ASSERT(a.realm.p && a.nonce.p && a.response.p && a.username.p && a.uri.p);
			count++;
		}
	FUZZ_ASSERT(count > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct zsip_stack *st;
	if (!st) {
		struct zsip_config cfg = { 0 };
		cfg.send = no_send;
		cfg.random = fill_random;
		st = zsip_stack_new(&cfg);
		FUZZ_ASSERT(st);
	}
	mode = (int)(len % 3);
	struct zsip_stack_stats before;
	zsip_stack_stats(st, &before);

	struct zsip_msg msg;
	if (zsip_msg_parse(&msg, (const char *)data, len, NULL) < 0)
		return 0;
	if (!msg.is_request) {
		struct zsip_auth_client *c = zsip_auth_client_new(st, cred, NULL);
		FUZZ_ASSERT(c);
		int rc = zsip_auth_client_challenge(c, &msg);
		FUZZ_ASSERT(rc == 0 || rc == ZSIP_EAUTH_REJECTED || rc == ZSIP_EAUTH_ALGORITHM ||
			    rc == ZSIP_EAUTH_DECLINED || rc == ZSIP_EAUTH || rc == ZSIP_ELIMIT || rc == ZSIP_EINVAL);
		if (rc == 0) {
			FUZZ_ASSERT(mode != 2);
			static char out[8192];
			int n = zsip_auth_client_authorize(c, ZSIP_STR("INVITE"), ZSIP_STR("sip:bob@example.com"),
							   ZSIP_STR("v=0\r\n"), out, sizeof out);
			FUZZ_ASSERT(n > 0 || n == ZSIP_ENOSPC);
			if (n > 0)
				check_client_output(out, n);
		}
		zsip_auth_client_free(c);
	} else {
		struct zsip_auth_server_config cfg = { 0 };
		cfg.realm = "example.com";
		cfg.proxy = mode == 1;
		cfg.lookup = lookup;
		cfg.max_nonces = 4;
		struct zsip_auth_server *s;
		FUZZ_ASSERT(zsip_auth_server_new(st, &cfg, &s) == 0);
		struct zsip_str user;
		int rc = zsip_auth_server_verify(s, &msg, 1000, &user);
		/* a fuzzed nonce cannot carry our MAC: never accepted */
		FUZZ_ASSERT(rc == ZSIP_EAUTH_MISSING || rc == ZSIP_EAUTH_STALE || rc == ZSIP_EAUTH_REPLAY ||
			    rc == ZSIP_EAUTH_REJECTED || rc == ZSIP_EAUTH_ALGORITHM || rc == ZSIP_EAUTH);
		static char ch[4096];
		FUZZ_ASSERT(zsip_auth_server_challenge(s, 1000, rc == ZSIP_EAUTH_STALE, ch, sizeof ch) > 0);
		zsip_auth_server_free(s);
	}
	struct zsip_stack_stats after;
	zsip_stack_stats(st, &after);
	FUZZ_ASSERT(after.heap_bytes == before.heap_bytes);
	return 0;
}
