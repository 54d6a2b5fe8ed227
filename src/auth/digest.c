/* The digest response of RFC 7616 §3.4.1 - §3.4.3 (also RFC 2617 §3.2.2,
 * and the RFC 2069 form without qop), and the helpers the client and
 * server share. */
#include <string.h>

#include "auth/auth.h"
#include "msg/lex.h"

static const char *const alg_names[] = {
	[ZSIP_DIGEST_MD5] = "MD5",
	[ZSIP_DIGEST_MD5_SESS] = "MD5-sess",
	[ZSIP_DIGEST_SHA256] = "SHA-256",
	[ZSIP_DIGEST_SHA256_SESS] = "SHA-256-sess",
	[ZSIP_DIGEST_SHA512_256] = "SHA-512-256",
	[ZSIP_DIGEST_SHA512_256_SESS] = "SHA-512-256-sess",
};
#define NALGS (sizeof alg_names / sizeof alg_names[0])

const char *zsip_digest_alg_name(enum zsip_digest_alg alg)
{
	return (unsigned)alg < NALGS && alg_names[alg] ? alg_names[alg] : "";
}

int zsip_digest_alg_parse(struct zsip_str token)
{
	if (!token.p)
		return ZSIP_DIGEST_MD5;
	for (unsigned i = 1; i < NALGS; i++)
		if (zsip_str_caseeq_c(token, alg_names[i]))
			return (int)i;
	return ZSIP_EAUTH_ALGORITHM;
}

enum zsipi_hash_kind zsipi_digest_hash(enum zsip_digest_alg alg)
{
	switch (alg) {
	case ZSIP_DIGEST_MD5:
	case ZSIP_DIGEST_MD5_SESS:
		return ZSIPI_MD5;
	case ZSIP_DIGEST_SHA256:
	case ZSIP_DIGEST_SHA256_SESS:
		return ZSIPI_SHA256;
	case ZSIP_DIGEST_SHA512_256:
	case ZSIP_DIGEST_SHA512_256_SESS:
		return ZSIPI_SHA512_256;
	}
	return 0;
}

static int is_sess(enum zsip_digest_alg alg)
{
	return alg == ZSIP_DIGEST_MD5_SESS || alg == ZSIP_DIGEST_SHA256_SESS || alg == ZSIP_DIGEST_SHA512_256_SESS;
}

/* hex H(p[0] ":" p[1] ":" ... p[n-1]) into out */
static void hash_join(enum zsipi_hash_kind k, const struct zsip_str *p, size_t n, char *out)
{
	struct zsipi_hash h;
	uint8_t d[ZSIPI_HASH_MAX];
	zsipi_hash_init(&h, k);
	for (size_t i = 0; i < n; i++) {
		if (i)
			zsipi_hash_update(&h, ":", 1);
		zsipi_hash_update(&h, p[i].p ? p[i].p : "", p[i].len);
	}
	zsipi_hex(out, d, zsipi_hash_final(&h, d));
}

static struct zsip_str str_of(const char *s, size_t n)
{
	struct zsip_str r = { s, n };
	return r;
}

int zsip_digest_compute(const struct zsip_digest_input *in, char out[ZSIP_DIGEST_HEX_MAX + 1])
{
	if (!in || !out)
		return ZSIP_EINVAL;
	enum zsipi_hash_kind k = zsipi_digest_hash(in->alg);
	if (!k)
		return ZSIP_EAUTH_ALGORITHM;
	size_t hl = 2 * zsipi_hash_size(k);
	int qop = 0; /* 0: RFC 2069, 1: auth, 2: auth-int */
	if (in->qop.p) {
		if (zsip_str_caseeq_c(in->qop, "auth"))
			qop = 1;
		else if (zsip_str_caseeq_c(in->qop, "auth-int"))
			qop = 2;
		else
			return ZSIP_EAUTH_ALGORITHM;
	}
	if (!in->nonce.p || !in->method.p || !in->uri.p)
		return ZSIP_EINVAL;
	if ((qop || is_sess(in->alg)) && (!in->cnonce.p || (qop && !in->nc.p)))
		return ZSIP_EINVAL;

	/* RFC 7616 §3.4.2: A1 = unq(username) ":" unq(realm) ":" passwd, and
	 * for -sess H(that) ":" unq(nonce) ":" unq(cnonce) */
	char ha1[ZSIP_DIGEST_HEX_MAX + 1], ha2[ZSIP_DIGEST_HEX_MAX + 1], hb[ZSIP_DIGEST_HEX_MAX + 1];
	if (in->password.p) {
		if (!in->username.p || !in->realm.p)
			return ZSIP_EINVAL;
		struct zsip_str a1[3] = { in->username, in->realm, in->password };
		hash_join(k, a1, 3, ha1);
	} else {
		if (!in->ha1.p || in->ha1.len != hl)
			return ZSIP_EINVAL;
		for (size_t i = 0; i < hl; i++) {
			char c = in->ha1.p[i];
			if (!(zsipi_cc((unsigned char)c) & ZSIPI_C_HEX))
				return ZSIP_EINVAL;
			ha1[i] = (char)(c >= 'A' && c <= 'F' ? c + 32 : c);
		}
		ha1[hl] = 0;
	}
	if (is_sess(in->alg)) {
		struct zsip_str s[3] = { str_of(ha1, hl), in->nonce, in->cnonce };
		hash_join(k, s, 3, ha1);
	}
	/* §3.4.3: A2 = Method ":" request-uri [ ":" H(entity-body) ] */
	struct zsip_str a2[3] = { in->method, in->uri, { hb, hl } };
	if (qop == 2)
		hash_join(k, &in->body, 1, hb);
	hash_join(k, a2, qop == 2 ? 3 : 2, ha2);
	/* §3.4.1: KD(H(A1), unq(nonce) ":" nc ":" unq(cnonce) ":" unq(qop) ":" H(A2));
	 * RFC 2069 §2.1.2: KD(H(A1), unq(nonce) ":" H(A2)) */
	if (qop) {
		struct zsip_str r[6] = { str_of(ha1, hl), in->nonce, in->nc, in->cnonce,
					 { qop == 1 ? "auth" : "auth-int", qop == 1 ? 4u : 8u }, str_of(ha2, hl) };
		hash_join(k, r, 6, out);
	} else {
		struct zsip_str r[3] = { str_of(ha1, hl), in->nonce, str_of(ha2, hl) };
		hash_join(k, r, 3, out);
	}
	return (int)hl;
}

struct zsip_str zsipi_unq(struct zsip_str v, char *buf, size_t cap)
{
	struct zsip_str r = { NULL, 0 };
	if (!v.p)
		return r;
	size_t n = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] == '\\' && i + 1 < v.len)
			i++;
		if (n + 1 >= cap)
			return r;
		buf[n++] = v.p[i];
	}
	buf[n] = 0;
	r.p = buf;
	r.len = n;
	return r;
}

int zsipi_put_quoted(struct zsipi_wbuf *w, struct zsip_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c < 0x20 || c == 0x7f)
			return -1;
		if (c == '"' || c == '\\')
			zsipi_put(w, "\\", 1);
		zsipi_put(w, s.p + i, 1);
	}
	return 0;
}

int zsipi_ct_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return 0;
	unsigned char d = 0;
	for (size_t i = 0; i < alen; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int zsipi_auth_next(struct zsip_str *rest, struct zsip_auth *a)
{
	const char *p = rest->p, *end = rest->p + rest->len;
	while (p < end && (*p == ',' || (zsipi_cc((unsigned char)*p) & ZSIPI_C_LWS)))
		p++;
	if (p == end)
		return 0;
	struct zsip_str v = { p, (size_t)(end - p) };
	if (zsip_auth_parse(a, v))
		return ZSIP_EAUTH;
	p = a->params.p + a->params.len;
	if (p < a->scheme.p + a->scheme.len)
		p = a->scheme.p + a->scheme.len;
	rest->p = p;
	rest->len = (size_t)(end - p);
	return 1;
}

void zsipi_wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}
