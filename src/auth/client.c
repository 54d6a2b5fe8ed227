/* The digest client (RFC 3261 §22.2, §22.3; RFC 7616 §3.3, §3.4; RFC 8760
 * §2.4): per realm, the challenge's values as received, our cnonce, the
 * nonce count and the credentials, in a fixed table of
 * ZSIP_AUTH_MAX_REALMS entries. */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "core/core.h"
#include "msg/lex.h"

enum { QOP_NONE, QOP_AUTH, QOP_AUTH_INT };

struct realm {
	uint8_t used, proxy, qop, alg;
	uint8_t has_opaque, has_alg;
	uint32_t nc;
	struct zsip_str realm_s, nonce_s, opaque_s, alg_s; /* into the arrays below */
	char realm[ZSIP_AUTH_MAX_VALUE], nonce[ZSIP_AUTH_MAX_VALUE], opaque[ZSIP_AUTH_MAX_VALUE];
	char algtok[24];
	char cnonce[17];
	struct zsip_auth_cred cred;
};

struct zsip_auth_client {
	struct zsip_stack *stack;
	zsip_auth_cred_fn cred;
	void *user;
	struct realm r[ZSIP_AUTH_MAX_REALMS];
};

struct zsip_auth_client *zsip_auth_client_new(struct zsip_stack *stack, zsip_auth_cred_fn cred, void *user)
{
	if (!stack || !cred)
		return NULL;
	struct zsip_auth_client *c = zsipi_mem_alloc(&stack->mem, sizeof *c);
	if (!c)
		return NULL;
	memset(c, 0, sizeof *c);
	c->stack = stack;
	c->cred = cred;
	c->user = user;
	return c;
}

void zsip_auth_client_free(struct zsip_auth_client *c)
{
	if (!c)
		return;
	zsipi_wipe(c->r, sizeof c->r);
	zsipi_mem_free(&c->stack->mem, c, sizeof *c);
}

/* The qop we answer with: auth when offered, else auth-int; the RFC 2069
 * form when the challenge has no qop. -1: only qop values we lack. */
static int pick_qop(struct zsip_str qop)
{
	if (!qop.p)
		return QOP_NONE;
	int best = -1;
	const char *p = qop.p, *end = qop.p + qop.len;
	while (p < end) {
		while (p < end && (*p == ',' || (zsipi_cc((unsigned char)*p) & ZSIPI_C_LWS)))
			p++;
		const char *t = p;
		p = zsipi_span(p, end, ZSIPI_C_TOKEN);
		struct zsip_str tok = { t, (size_t)(p - t) };
		if (zsip_str_caseeq_c(tok, "auth"))
			return QOP_AUTH;
		if (zsip_str_caseeq_c(tok, "auth-int"))
			best = QOP_AUTH_INT;
		if (p == t)
			p++; /* a stray byte: skip it */
	}
	return best;
}

/* One realm's choice from a challenge response. */
struct pick {
	struct zsip_auth a;
	int alg, qop, proxy;
	char realm[ZSIP_AUTH_MAX_VALUE];
	struct zsip_str realm_u; /* unescaped, in realm[] */
};

static int realm_eq(struct zsip_str a, struct zsip_str b)
{
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

static struct realm *find_realm(struct zsip_auth_client *c, struct zsip_str realm_u)
{
	char buf[ZSIP_AUTH_MAX_VALUE];
	for (int i = 0; i < ZSIP_AUTH_MAX_REALMS; i++) {
		struct realm *r = &c->r[i];
		if (r->used && realm_eq(zsipi_unq(r->realm_s, buf, sizeof buf), realm_u))
			return r;
	}
	return NULL;
}

static void forget(struct realm *r)
{
	zsipi_wipe(r, sizeof *r);
}

static int copy_value(char *dst, size_t cap, struct zsip_str *out, struct zsip_str v)
{
	if (v.len >= cap)
		return ZSIP_ELIMIT;
	memcpy(dst, v.p, v.len);
	dst[v.len] = 0;
	out->p = dst;
	out->len = v.len;
	return 0;
}

/* Takes the challenge into r (known to fit: checked in collect). */
static void take(struct zsip_auth_client *c, struct realm *r, const struct pick *k)
{
	r->used = 1;
	r->proxy = (uint8_t)k->proxy;
	r->qop = (uint8_t)k->qop;
	r->alg = (uint8_t)k->alg;
	r->nc = 0;
	copy_value(r->realm, sizeof r->realm, &r->realm_s, k->a.realm);
	copy_value(r->nonce, sizeof r->nonce, &r->nonce_s, k->a.nonce);
	r->has_opaque = k->a.opaque.p != NULL;
	if (r->has_opaque)
		copy_value(r->opaque, sizeof r->opaque, &r->opaque_s, k->a.opaque);
	r->has_alg = k->a.algorithm.p != NULL;
	if (r->has_alg)
		copy_value(r->algtok, sizeof r->algtok, &r->alg_s, k->a.algorithm);
	/* one cnonce per nonce: the -sess session key stays the same and the
	 * nonce count alone tells requests apart (RFC 7616 §3.4) */
	zsip_stack_random_token(c->stack, r->cnonce, sizeof r->cnonce, sizeof r->cnonce - 1);
}

/* Asks the application for r's credentials and checks what it gave. */
static int ask(struct zsip_auth_client *c, struct realm *r, struct zsip_str realm_u)
{
	struct zsip_auth_cred cred;
	memset(&cred, 0, sizeof cred);
	int rc = c->cred(c->user, &realm_u, (enum zsip_digest_alg)r->alg, &cred);
	cred.user[sizeof cred.user - 1] = 0;
	cred.password[sizeof cred.password - 1] = 0;
	cred.ha1[sizeof cred.ha1 - 1] = 0;
	if (rc < 0) {
		zsipi_wipe(&cred, sizeof cred);
		return ZSIP_EAUTH_DECLINED;
	}
	rc = cred.user[0] ? 0 : ZSIP_EINVAL;
	for (const char *u = cred.user; *u && !rc; u++)
		if ((unsigned char)*u < 0x20 || *u == 0x7f)
			rc = ZSIP_EINVAL;
	if (!rc && !cred.password[0] && strlen(cred.ha1) != 2 * zsipi_hash_size(zsipi_digest_hash(r->alg)))
		rc = ZSIP_EINVAL;
	if (!rc)
		r->cred = cred;
	zsipi_wipe(&cred, sizeof cred);
	return rc;
}

/* 1 when v holds a control character other than HTAB, raw (a line fold)
 * or escaped (a quoted-pair may carry even NUL, RFC 3261 §25.1): echoed
 * as received it would break the header line we write, or C strings. */
static int has_ctl(struct zsip_str v)
{
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 1;
	}
	return 0;
}

/* Every challenge of resp into picks[]: for each realm the first supported
 * one in the server's order (RFC 8760 §2.4). Returns how many, or an
 * error. */
static int collect(const struct zsip_msg *resp, struct pick *picks, int cap)
{
	int n = 0, digest = 0, any = 0, nun = 0;
	struct pick k;
	/* realms seen with what we lack, until a supported challenge comes */
	char unsup[ZSIP_AUTH_MAX_REALMS][ZSIP_AUTH_MAX_VALUE];
	size_t unsup_len[ZSIP_AUTH_MAX_REALMS];
	static const uint16_t ids[2] = { ZSIP_HDR_WWW_AUTHENTICATE, ZSIP_HDR_PROXY_AUTHENTICATE };
	for (int w = 0; w < 2; w++) {
		for (const struct zsip_hdr *h = zsip_msg_find(resp, ids[w]); h; h = zsip_msg_find_next(resp, h)) {
			struct zsip_str rest = h->value;
			int rc;
			any = 1;
			while ((rc = zsipi_auth_next(&rest, &k.a)) == 1) {
				if (!zsip_str_caseeq_c(k.a.scheme, "digest"))
					continue;
				digest = 1;
				if (!k.a.realm.p || !k.a.nonce.p)
					return ZSIP_EAUTH;
				if (k.a.realm.len >= ZSIP_AUTH_MAX_VALUE || k.a.nonce.len >= ZSIP_AUTH_MAX_VALUE ||
				    (k.a.opaque.p && k.a.opaque.len >= ZSIP_AUTH_MAX_VALUE))
					return ZSIP_ELIMIT;
				if (has_ctl(k.a.realm) || has_ctl(k.a.nonce) || has_ctl(k.a.opaque))
					return ZSIP_EAUTH;
				k.realm_u = zsipi_unq(k.a.realm, k.realm, sizeof k.realm);
				k.alg = zsip_digest_alg_parse(k.a.algorithm);
				k.qop = pick_qop(k.a.qop);
				k.proxy = w;
				int taken = 0;
				for (int i = 0; i < n && !taken; i++)
					taken = realm_eq(picks[i].realm_u, k.realm_u);
				if (taken)
					continue;
				if (k.alg < 0 || k.qop < 0 ||
				    (k.a.algorithm.p && k.a.algorithm.len >= sizeof ((struct realm *)0)->algtok)) {
					if (nun == ZSIP_AUTH_MAX_REALMS)
						return ZSIP_ELIMIT;
					memcpy(unsup[nun], k.realm_u.p, k.realm_u.len);
					unsup_len[nun++] = k.realm_u.len;
					continue;
				}
				if (n == cap)
					return ZSIP_ELIMIT;
				picks[n] = k;
				/* the unescaped realm must point into the copy */
				picks[n].realm_u.p = picks[n].realm;
				n++;
			}
			if (rc < 0)
				return rc;
		}
	}
	if (!any)
		return ZSIP_EAUTH;
	if (!digest)
		return ZSIP_EAUTH_ALGORITHM;
	/* a realm offered only with algorithms or qop we lack: give up */
	for (int j = 0; j < nun; j++) {
		struct zsip_str u = { unsup[j], unsup_len[j] };
		int found = 0;
		for (int i = 0; i < n && !found; i++)
			found = realm_eq(picks[i].realm_u, u);
		if (!found)
			return ZSIP_EAUTH_ALGORITHM;
	}
	return n;
}

int zsip_auth_client_challenge(struct zsip_auth_client *c, const struct zsip_msg *resp)
{
	if (!c || !resp || resp->is_request || (resp->status != 401 && resp->status != 407))
		return ZSIP_EINVAL;
	struct pick picks[ZSIP_AUTH_MAX_REALMS];
	int n = collect(resp, picks, ZSIP_AUTH_MAX_REALMS);
	if (n < 0)
		return n;
	/* §22.2: a realm we already answered, challenged again without
	 * stale=true, means the credentials are wrong: no loop */
	for (int i = 0; i < n; i++) {
		struct realm *r = find_realm(c, picks[i].realm_u);
		if (r && !zsip_str_caseeq_c(picks[i].a.stale, "true")) {
			forget(r);
			return ZSIP_EAUTH_REJECTED;
		}
	}
	for (int i = 0; i < n; i++) {
		struct pick *k = &picks[i];
		struct realm *r = find_realm(c, k->realm_u);
		if (r) {
			/* RFC 7616 §3.3 stale=true: same credentials, new nonce; a
			 * stored HA1 is only good for the hash it was made with */
			enum zsipi_hash_kind before = zsipi_digest_hash(r->alg);
			take(c, r, k);
			if (!r->cred.password[0] && zsipi_digest_hash(r->alg) != before) {
				int rc = ask(c, r, k->realm_u);
				if (rc) {
					forget(r);
					return rc;
				}
			}
			continue;
		}
		for (int j = 0; j < ZSIP_AUTH_MAX_REALMS && !r; j++)
			if (!c->r[j].used)
				r = &c->r[j];
		if (!r)
			return ZSIP_ELIMIT;
		take(c, r, k);
		int rc = ask(c, r, k->realm_u);
		if (rc) {
			forget(r);
			return rc;
		}
	}
	return 0;
}

static int authorize_one(struct realm *r, struct zsip_str method, struct zsip_str uri, struct zsip_str body,
			 struct zsipi_wbuf *w)
{
	char realm[ZSIP_AUTH_MAX_VALUE], nonce[ZSIP_AUTH_MAX_VALUE], nc[9], resp[ZSIP_DIGEST_HEX_MAX + 1];
	snprintf(nc, sizeof nc, "%08x", (unsigned)(r->nc + 1));
	struct zsip_digest_input in = {
		.alg = (enum zsip_digest_alg)r->alg,
		.username = zsip_str_c(r->cred.user),
		.realm = zsipi_unq(r->realm_s, realm, sizeof realm),
		.password = r->cred.password[0] ? zsip_str_c(r->cred.password) : (struct zsip_str){ NULL, 0 },
		.ha1 = zsip_str_c(r->cred.ha1),
		.nonce = zsipi_unq(r->nonce_s, nonce, sizeof nonce),
		.cnonce = zsip_str_c(r->cnonce),
		.nc = zsip_str_c(nc),
		.method = method,
		.uri = uri,
		.body = body,
	};
	if (r->qop == QOP_AUTH)
		in.qop = ZSIP_STR("auth");
	else if (r->qop == QOP_AUTH_INT)
		in.qop = ZSIP_STR("auth-int");
	int rc = zsip_digest_compute(&in, resp);
	if (rc < 0)
		return rc;
	/* RFC 7616 §3.4, RFC 3261 §22.4: realm, nonce, opaque and algorithm
	 * go back exactly as received */
	zsipi_put_c(w, r->proxy ? "Proxy-Authorization: Digest username=\"" : "Authorization: Digest username=\"");
	zsipi_put_quoted(w, in.username);
	zsipi_put_c(w, "\", realm=\"");
	zsipi_put_str(w, r->realm_s);
	zsipi_put_c(w, "\", nonce=\"");
	zsipi_put_str(w, r->nonce_s);
	zsipi_put_c(w, "\", uri=\"");
	if (zsipi_put_quoted(w, uri))
		return ZSIP_EINVAL;
	zsipi_put_c(w, "\", response=\"");
	zsipi_put(w, resp, (size_t)rc);
	zsipi_put_c(w, "\"");
	if (r->has_alg) {
		zsipi_put_c(w, ", algorithm=");
		zsipi_put_str(w, r->alg_s);
	}
	if (r->qop || in.alg == ZSIP_DIGEST_MD5_SESS || in.alg == ZSIP_DIGEST_SHA256_SESS ||
	    in.alg == ZSIP_DIGEST_SHA512_256_SESS) {
		zsipi_put_c(w, ", cnonce=\"");
		zsipi_put_c(w, r->cnonce);
		zsipi_put_c(w, "\"");
	}
	if (r->qop) {
		zsipi_put_c(w, ", qop=");
		zsipi_put_str(w, in.qop);
		zsipi_put_c(w, ", nc=");
		zsipi_put_c(w, nc);
	}
	if (r->has_opaque) {
		zsipi_put_c(w, ", opaque=\"");
		zsipi_put_str(w, r->opaque_s);
		zsipi_put_c(w, "\"");
	}
	zsipi_put_c(w, "\r\n");
	return 0;
}

int zsip_auth_client_authorize(struct zsip_auth_client *c, struct zsip_str method, struct zsip_str uri,
			       struct zsip_str body, char *out, size_t cap)
{
	if (!c || !method.p || !uri.p || (!out && cap))
		return ZSIP_EINVAL;
	struct zsipi_wbuf w = { out, cap, 0 };
	for (int i = 0; i < ZSIP_AUTH_MAX_REALMS; i++) {
		if (!c->r[i].used)
			continue;
		int rc = authorize_one(&c->r[i], method, uri, body, &w);
		if (rc)
			return rc;
	}
	int len = zsipi_wbuf_end(&w);
	if (len < 0)
		return len;
	if ((size_t)len >= cap)
		return len ? ZSIP_ENOSPC : 0;
	/* counted only once the headers are written (RFC 7616 §3.4: nc counts
	 * the requests sent with this nonce) */
	for (int i = 0; i < ZSIP_AUTH_MAX_REALMS; i++)
		if (c->r[i].used)
			c->r[i].nc++;
	return len;
}
