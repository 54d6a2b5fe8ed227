/* The digest server side (RFC 3261 §22.1, §22.4; RFC 7616 §3.3, §3.4,
 * §5.4 - §5.5). A nonce is
 *     16 hex timestamp (ms) | 16 hex serial | 32 hex HMAC-SHA-256(key, both)[0..16)
 * so the server keeps no state per challenge: the MAC proves the nonce is
 * ours, the timestamp gives its age. The serial gives the nonce-count
 * table a safe way to forget: a nonce not in the table whose serial is at
 * most the highest serial ever evicted may have been used before, so it is
 * answered stale, never accepted twice. */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "core/core.h"

#define NONCE_LEN 64
#define DEFAULT_LIFETIME_MS 300000u
#define DEFAULT_MAX_NONCES 1024u
#define MAX_NONCES (1u << 24)

struct nonce_slot {
	uint64_t serial;
	uint32_t nc;
};

struct zsip_auth_server {
	struct zsip_stack *stack;
	char realm[128];
	size_t realm_len;
	uint8_t algs[6];
	unsigned nalgs;
	int proxy;
	uint32_t lifetime;
	zsip_auth_lookup_fn lookup;
	void *user;
	uint8_t key[32];
	char opaque[33];
	uint64_t serial;        /* of the next nonce */
	uint64_t forgot;        /* highest evicted serial + 1; 0: none evicted */
	unsigned cap, n, head;  /* ring of nonces in use, oldest at head once full */
	struct nonce_slot *slots;
};

/* HMAC-SHA-256 (RFC 2104) of msg under the server's key. */
static void mac(const struct zsip_auth_server *s, const void *msg, size_t n, uint8_t out[32])
{
	uint8_t pad[64];
	struct zsipi_hash h;
	memset(pad, 0x36, sizeof pad);
	for (size_t i = 0; i < sizeof s->key; i++)
		pad[i] ^= s->key[i];
	zsipi_hash_init(&h, ZSIPI_SHA256);
	zsipi_hash_update(&h, pad, sizeof pad);
	zsipi_hash_update(&h, msg, n);
	zsipi_hash_final(&h, out);
	for (size_t i = 0; i < sizeof pad; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	zsipi_hash_init(&h, ZSIPI_SHA256);
	zsipi_hash_update(&h, pad, sizeof pad);
	zsipi_hash_update(&h, out, 32);
	zsipi_hash_final(&h, out);
	zsipi_wipe(pad, sizeof pad);
}

static void make_nonce(const struct zsip_auth_server *s, uint64_t ts, uint64_t serial, char out[NONCE_LEN + 1])
{
	uint8_t m[32];
	snprintf(out, NONCE_LEN + 1, "%016llx%016llx", (unsigned long long)ts, (unsigned long long)serial);
	mac(s, out, 32, m);
	zsipi_hex(out + 32, m, 16);
}

static int parse_hex64(const char *p, uint64_t *v)
{
	uint64_t x = 0;
	for (int i = 0; i < 16; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return 0;
}

int zsip_auth_server_new(struct zsip_stack *stack, const struct zsip_auth_server_config *cfg,
			 struct zsip_auth_server **out)
{
	if (!out)
		return ZSIP_EINVAL;
	*out = NULL;
	if (!stack || !cfg || !cfg->realm || !cfg->lookup)
		return ZSIP_EINVAL;
	/* §22.4, RFC 7616 §5.5: a nonce key from the seeded fallback generator
	 * could be guessed, and with it every nonce forged */
	if (!stack->random)
		return ZSIP_ENORANDOM;
	size_t rl = strlen(cfg->realm);
	if (!rl || rl >= sizeof ((struct zsip_auth_server *)0)->realm)
		return ZSIP_EINVAL;
	for (size_t i = 0; i < rl; i++) {
		unsigned char c = (unsigned char)cfg->realm[i];
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			return ZSIP_EINVAL;
	}
	unsigned nalgs = 0;
	uint8_t algs[6];
	for (; nalgs < 6 && cfg->algs[nalgs]; nalgs++) {
		if (!zsipi_digest_hash(cfg->algs[nalgs]))
			return ZSIP_EINVAL;
		algs[nalgs] = (uint8_t)cfg->algs[nalgs];
	}
	if (!nalgs) {
		algs[nalgs++] = ZSIP_DIGEST_SHA256;
		algs[nalgs++] = ZSIP_DIGEST_MD5;
	}
	unsigned cap = cfg->max_nonces ? cfg->max_nonces : DEFAULT_MAX_NONCES;
	if (cap > MAX_NONCES)
		return ZSIP_EINVAL;
	struct zsip_auth_server *s = zsipi_mem_alloc(&stack->mem, sizeof *s);
	if (!s)
		return ZSIP_ENOMEM;
	memset(s, 0, sizeof *s);
	s->slots = zsipi_mem_alloc(&stack->mem, cap * sizeof *s->slots);
	if (!s->slots) {
		zsipi_mem_free(&stack->mem, s, sizeof *s);
		return ZSIP_ENOMEM;
	}
	s->stack = stack;
	s->cap = cap;
	memcpy(s->realm, cfg->realm, rl + 1);
	s->realm_len = rl;
	memcpy(s->algs, algs, nalgs);
	s->nalgs = nalgs;
	s->proxy = cfg->proxy != 0;
	s->lifetime = cfg->nonce_lifetime_ms ? cfg->nonce_lifetime_ms : DEFAULT_LIFETIME_MS;
	s->lookup = cfg->lookup;
	s->user = cfg->user;
	uint8_t op[16];
	if (stack->random(stack->user, s->key, sizeof s->key) || stack->random(stack->user, op, sizeof op)) {
		zsip_auth_server_free(s);
		return ZSIP_ENORANDOM;
	}
	zsipi_hex(s->opaque, op, sizeof op);
	*out = s;
	return 0;
}

void zsip_auth_server_free(struct zsip_auth_server *s)
{
	if (!s)
		return;
	struct zsipi_mem *m = &s->stack->mem;
	zsipi_mem_free(m, s->slots, s->cap * sizeof *s->slots);
	zsipi_wipe(s, sizeof *s);
	zsipi_mem_free(m, s, sizeof *s);
}

int zsip_auth_server_challenge(struct zsip_auth_server *s, uint64_t now_ms, int stale, char *out, size_t cap)
{
	if (!s || (!out && cap))
		return ZSIP_EINVAL;
	char nonce[NONCE_LEN + 1];
	make_nonce(s, now_ms, s->serial, nonce);
	struct zsipi_wbuf w = { out, cap, 0 };
	for (unsigned i = 0; i < s->nalgs; i++) {
		zsipi_put_c(&w, s->proxy ? "Proxy-Authenticate: Digest realm=\"" : "WWW-Authenticate: Digest realm=\"");
		zsipi_put(&w, s->realm, s->realm_len);
		zsipi_put_c(&w, "\", nonce=\"");
		zsipi_put_c(&w, nonce);
		zsipi_put_c(&w, "\", opaque=\"");
		zsipi_put_c(&w, s->opaque);
		zsipi_put_c(&w, "\", algorithm=");
		zsipi_put_c(&w, zsip_digest_alg_name(s->algs[i]));
		zsipi_put_c(&w, ", qop=\"auth\"");
		if (stale)
			zsipi_put_c(&w, ", stale=true");
		zsipi_put_c(&w, "\r\n");
	}
	int len = zsipi_wbuf_end(&w);
	if (len >= 0 && (size_t)len >= cap)
		return ZSIP_ENOSPC;
	if (len >= 0)
		s->serial++;
	return len;
}

/* RFC 7616 §3.4: nc is 8LHEX */
static int parse_nc(struct zsip_str nc, uint32_t *v)
{
	if (nc.len != 8)
		return -1;
	uint32_t x = 0;
	for (int i = 0; i < 8; i++) {
		char c = nc.p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		x = x << 4 | (uint32_t)d;
	}
	*v = x;
	return 0;
}

/* The nonce-count check of RFC 7616 §3.4 / RFC 2617 §3.2.2 for a nonce
 * known good: 0 and the count recorded, or ZSIP_EAUTH_REPLAY. */
static int count(struct zsip_auth_server *s, uint64_t serial, uint32_t nc)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct nonce_slot *e = &s->slots[i];
		if (e->serial != serial)
			continue;
		if (nc <= e->nc)
			return ZSIP_EAUTH_REPLAY;
		e->nc = nc;
		return 0;
	}
	/* not in the table: new, unless it may have been forgotten */
	if (serial < s->forgot)
		return ZSIP_EAUTH_REPLAY;
	struct nonce_slot *e;
	if (s->n < s->cap) {
		e = &s->slots[s->n++];
	} else {
		e = &s->slots[s->head];
		s->head = (s->head + 1) % s->cap;
		if (e->serial + 1 > s->forgot)
			s->forgot = e->serial + 1;
	}
	e->serial = serial;
	e->nc = nc;
	return 0;
}

/* The credentials in req for our realm: 1 found (in *a), 0 none, or
 * ZSIP_EAUTH when only malformed ones are there. */
static int find_credentials(const struct zsip_auth_server *s, const struct zsip_msg *req, struct zsip_auth *a)
{
	int bad = 0;
	char buf[sizeof s->realm];
	struct zsip_str ours = { s->realm, s->realm_len };
	enum zsip_hdr_id id = s->proxy ? ZSIP_HDR_PROXY_AUTHORIZATION : ZSIP_HDR_AUTHORIZATION;
	for (const struct zsip_hdr *h = zsip_msg_find(req, id); h; h = zsip_msg_find_next(req, h)) {
		if (zsip_auth_parse(a, h->value)) {
			bad = 1;
			continue;
		}
		if (!zsip_str_caseeq_c(a->scheme, "digest"))
			continue;
		if (zsip_str_eq(zsipi_unq(a->realm, buf, sizeof buf), ours))
			return 1;
	}
	return bad ? ZSIP_EAUTH : 0;
}

int zsip_auth_server_verify(struct zsip_auth_server *s, const struct zsip_msg *req, uint64_t now_ms,
			    struct zsip_str *username)
{
	if (!s || !req || !req->is_request)
		return ZSIP_EINVAL;
	struct zsip_auth a;
	int rc = find_credentials(s, req, &a);
	if (rc <= 0)
		return rc ? rc : ZSIP_EAUTH_MISSING;
	if (!a.username.p || !a.nonce.p || !a.uri.p || !a.response.p)
		return ZSIP_EAUTH;
	/* we offer qop=auth only, and a client must use one offered (RFC 7616
	 * §3.4) */
	if (!a.qop.p || !zsip_str_caseeq_c(a.qop, "auth") || !a.cnonce.p || !a.nc.p)
		return ZSIP_EAUTH;
	uint32_t nc;
	if (parse_nc(a.nc, &nc))
		return ZSIP_EAUTH;
	int alg = zsip_digest_alg_parse(a.algorithm);
	int offered = 0;
	for (unsigned i = 0; i < s->nalgs; i++)
		offered |= alg == s->algs[i];
	if (!offered)
		return ZSIP_EAUTH_ALGORITHM;
	/* §22.4: the digest uri is the Request-URI of this request */
	char uri[1024], user[256], nonce[NONCE_LEN + 2], cnonce[256];
	struct zsip_str uri_u = zsipi_unq(a.uri, uri, sizeof uri);
	if (!uri_u.p || !zsip_str_eq(uri_u, req->ruri_str))
		return ZSIP_EAUTH;
	struct zsip_str user_u = zsipi_unq(a.username, user, sizeof user);
	struct zsip_str nonce_u = zsipi_unq(a.nonce, nonce, sizeof nonce);
	struct zsip_str cnonce_u = zsipi_unq(a.cnonce, cnonce, sizeof cnonce);
	if (!user_u.p || !cnonce_u.p)
		return ZSIP_EAUTH;
	struct zsip_str opaque = { s->opaque, sizeof s->opaque - 1 };
	if (!a.opaque.p || !zsip_str_eq(a.opaque, opaque))
		return ZSIP_EAUTH_REJECTED;

	struct zsip_auth_cred cred;
	memset(&cred, 0, sizeof cred);
	struct zsip_str realm = { s->realm, s->realm_len };
	/* an unknown user costs the same work as a wrong password, so that
	 * timing does not tell which user names exist */
	int unknown = s->lookup(s->user, &realm, &user_u, (enum zsip_digest_alg)alg, &cred) < 0;
	if (unknown) {
		memset(&cred, 0, sizeof cred);
		cred.password[0] = '-';
	}
	cred.password[sizeof cred.password - 1] = 0;
	cred.ha1[sizeof cred.ha1 - 1] = 0;
	struct zsip_digest_input in = {
		.alg = (enum zsip_digest_alg)alg,
		.username = user_u,
		.realm = realm,
		.password = cred.password[0] ? zsip_str_c(cred.password) : (struct zsip_str){ NULL, 0 },
		.ha1 = zsip_str_c(cred.ha1),
		.nonce = nonce_u.p ? nonce_u : a.nonce,
		.cnonce = cnonce_u,
		.nc = a.nc,
		.qop = ZSIP_STR("auth"),
		.method = req->method,
		.uri = uri_u,
	};
	char want[ZSIP_DIGEST_HEX_MAX + 1];
	rc = zsip_digest_compute(&in, want);
	zsipi_wipe(&cred, sizeof cred);
	if (rc < 0)
		return ZSIP_EAUTH_REJECTED;
	/* the response is hex: compare it ignoring case, in constant time */
	char got[ZSIP_DIGEST_HEX_MAX];
	size_t gl = a.response.len < sizeof got ? a.response.len : sizeof got;
	for (size_t i = 0; i < gl; i++) {
		char c = a.response.p[i];
		got[i] = (char)(c >= 'A' && c <= 'F' ? c + 32 : c);
	}
	if (unknown || a.response.len != (size_t)rc || !zsipi_ct_eq(got, gl, want, (size_t)rc))
		return ZSIP_EAUTH_REJECTED;

	/* the right password: now whether the nonce is ours and fresh
	 * (RFC 7616 §3.3 stale) */
	uint64_t ts, serial;
	char check[NONCE_LEN + 1];
	if (!nonce_u.p || nonce_u.len != NONCE_LEN || parse_hex64(nonce_u.p, &ts) ||
	    parse_hex64(nonce_u.p + 16, &serial))
		return ZSIP_EAUTH_STALE;
	make_nonce(s, ts, serial, check);
	if (!zsipi_ct_eq(check, NONCE_LEN, nonce_u.p, NONCE_LEN) || serial >= s->serial)
		return ZSIP_EAUTH_STALE;
	if (ts > now_ms || now_ms - ts > s->lifetime)
		return ZSIP_EAUTH_STALE;
	rc = count(s, serial, nc);
	if (!rc && username)
		*username = a.username;
	return rc;
}
