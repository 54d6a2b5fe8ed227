/* Registrar helper (RFC 3261 §10.3): a REGISTER server transaction reads
 * the bindings of its AOR from a store, the new set is worked out and
 * checked, then written back in one put, all or nothing. The store is the
 * application's (zsip_registrar_store) or the helper's own: bindings per
 * canonical AOR in capped tables, expired by one stack timer at the
 * earliest end. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "msg/msgi.h"
#include "zsip/digest.h"
#include "reg/reg_int.h"

#define DEF_MAX_AORS 1024u
#define DEF_MAX_BINDINGS 4096u
#define DEF_PER_AOR 16u
#define MAX_PER_AOR 256u
#define DEF_MIN_EXPIRES 60u
#define DEF_MAX_EXPIRES 86400u
#define DEF_EXPIRES 3600u
#define AOR_MAX 256             /* canonical AOR bytes */
#define URI_MAX 512             /* a Contact URI we keep */
#define ADMIT_HDRS 2048
#define REQ_CONTACTS 32         /* Contact values in one REGISTER */
#define CALL_ID_MAX 1024

struct binding {
	struct binding *next;
	uint64_t expires_at;    /* ms */
	uint32_t cseq;
	uint16_t q;             /* thousandths */
	uint16_t uri_len;
	uint16_t cid_len;
	uint16_t size;
	char data[];            /* the URI, then the Call-ID */
};

struct aor {
	struct aor *next;
	struct binding *b;
	unsigned nb;
	uint32_t hash;
	uint16_t len;
	char key[];
};

struct zsip_registrar {
	struct zsip_stack *stack;
	struct zsip_registrar_store store;     /* the application's, or table_get / table_put */
	struct zsip_reg_binding *work;          /* max_per_aor read, then max_per_aor + REQ_CONTACTS written */
	size_t nwork;
	struct zsipi_timer timer;       /* at the earliest binding end */
	struct aor **tab;
	size_t ntab;                    /* power of two */
	size_t naors, nbindings;
	unsigned max_aors, max_bindings, max_per_aor;
	uint32_t min_expires, max_expires, def_expires;
	zsip_registrar_admit_fn admit;
	void *user;
	struct zsip_auth_server *auth;
};

/* ------------------------------------------------------------ AORs */

/* §10.3 step 5: the AOR with every URI parameter removed and escapes
 * decoded; scheme and host in lower case (they compare case-blind,
 * §19.1.4), the user as is. Returns the length or a negative error. */
static int canonical_aor(char *out, size_t cap, struct zsip_str text)
{
	struct zsip_uri u;
	if (zsip_uri_parse(&u, text) != 0 || (u.scheme_id != ZSIP_URI_SIP && u.scheme_id != ZSIP_URI_SIPS))
		return ZSIP_EINVAL;
	size_t n = 0;
	const char *scheme = u.scheme_id == ZSIP_URI_SIP ? "sip:" : "sips:";
	size_t sl = strlen(scheme);
	if (sl >= cap)
		return ZSIP_ENOSPC;
	memcpy(out, scheme, sl);
	n = sl;
	if (u.user.p) {
		int k = zsip_unescape(out + n, cap - n, u.user);
		if (k < 0)
			return k;
		n += (size_t)k;
		if (n + 1 >= cap)
			return ZSIP_ENOSPC;
		out[n++] = '@';
	}
	if (n + u.host.len + 7 >= cap)
		return ZSIP_ENOSPC;
	for (size_t i = 0; i < u.host.len; i++) {
		char c = u.host.p[i];
		out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	if (u.port_str.p)
		n += (size_t)snprintf(out + n, cap - n, ":%u", (unsigned)u.port);
	return (int)n;
}

static uint32_t hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

static struct aor **aor_slot(struct zsip_registrar *r, const char *key, size_t len)
{
	uint32_t h = hash(key, len);
	struct aor **pp = &r->tab[h & (r->ntab - 1)];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->len == len && memcmp((*pp)->key, key, len) == 0)
			break;
	return pp;
}

static void binding_free(struct zsip_registrar *r, struct binding *b)
{
	zsipi_mem_free(&r->stack->mem, b, b->size);
}

/* Unlinks *pp from its chain and frees it. */
static void aor_free(struct zsip_registrar *r, struct aor **pp)
{
	struct aor *a = *pp;
	*pp = a->next;
	while (a->b) {
		struct binding *b = a->b;
		a->b = b->next;
		binding_free(r, b);
		r->nbindings--;
	}
	zsipi_mem_free(&r->stack->mem, a, sizeof(*a) + a->len);
	r->naors--;
}

/* Drops the bindings of a that ended by now; frees a when none is left.
 * Returns the earliest end of those left (UINT64_MAX when none). */
static uint64_t aor_expire(struct zsip_registrar *r, struct aor **pp, uint64_t now)
{
	struct aor *a = *pp;
	uint64_t next = UINT64_MAX;
	for (struct binding **bp = &a->b; *bp;) {
		struct binding *b = *bp;
		if (b->expires_at <= now) {
			*bp = b->next;
			binding_free(r, b);
			a->nb--;
			r->nbindings--;
			continue;
		}
		if (b->expires_at < next)
			next = b->expires_at;
		bp = &b->next;
	}
	if (!a->b)
		aor_free(r, pp);
	return next;
}

static void on_timer(struct zsipi_timer *t, uint64_t now);

static void arm(struct zsip_registrar *r, uint64_t at)
{
	if (at == UINT64_MAX)
		return;
	if (!zsipi_timer_running(&r->timer) || at < r->timer.at)
		zsipi_timer_start(&r->stack->timers, &r->timer, at, on_timer);
}

/* Sweeps every AOR; the timer then waits for the earliest end left. */
static void on_timer(struct zsipi_timer *t, uint64_t now)
{
	struct zsip_registrar *r = (struct zsip_registrar *)((char *)t - offsetof(struct zsip_registrar, timer));
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < r->ntab; i++) {
		for (struct aor **pp = &r->tab[i]; *pp;) {
			struct aor *a = *pp;
			uint64_t n = aor_expire(r, pp, now);
			if (n < next)
				next = n;
			if (*pp == a)
				pp = &a->next;
		}
	}
	arm(r, next);
}

/* The helper's own store. */
static int table_get(void *user, struct zsip_str key, struct zsip_reg_binding *out, size_t max, uint64_t now)
{
	struct zsip_registrar *r = user;
	(void)now;
	const struct aor *a = *aor_slot(r, key.p, key.len);
	size_t n = 0;
	for (const struct binding *b = a ? a->b : NULL; b && n < max; b = b->next, n++) {
		out[n].uri = (struct zsip_str){ b->data, b->uri_len };
		out[n].call_id = (struct zsip_str){ b->data + b->uri_len, b->cid_len };
		out[n].cseq = b->cseq;
		out[n].q = b->q;
		out[n].expires_at = b->expires_at;
	}
	return (int)n;
}

/* All or nothing: the caps, every allocation, then the swap (set may
 * point into the bindings it replaces). */
static int table_put(void *user, struct zsip_str key, const struct zsip_reg_binding *set, size_t n,
		     uint64_t now)
{
	struct zsip_registrar *r = user;
	struct zsipi_mem *mem = &r->stack->mem;
	(void)now;
	struct aor **pp = aor_slot(r, key.p, key.len);
	struct aor *a = *pp;
	size_t old = a ? a->nb : 0;
	if (n > old && ((!a && r->naors >= r->max_aors) || r->nbindings - old + n > r->max_bindings))
		return ZSIP_ELIMIT;
	struct aor *na = NULL;
	if (n && !a) {
		if (!(na = zsipi_mem_alloc(mem, sizeof(*na) + key.len)))
			return ZSIP_ENOMEM;
		memset(na, 0, sizeof(*na));
		na->hash = hash(key.p, key.len);
		na->len = (uint16_t)key.len;
		memcpy(na->key, key.p, key.len);
	}
	struct binding *head = NULL, **tail = &head;
	uint64_t first = UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t size = sizeof(struct binding) + set[i].uri.len + set[i].call_id.len;
		struct binding *b = zsipi_mem_alloc(mem, size);
		if (!b) {
			while (head) {
				b = head;
				head = b->next;
				binding_free(r, b);
			}
			zsipi_mem_free(mem, na, na ? sizeof(*na) + na->len : 0);
			return ZSIP_ENOMEM;
		}
		memset(b, 0, sizeof(*b));
		b->expires_at = set[i].expires_at;
		b->cseq = set[i].cseq;
		b->q = set[i].q;
		b->uri_len = (uint16_t)set[i].uri.len;
		b->cid_len = (uint16_t)set[i].call_id.len;
		b->size = (uint16_t)size;
		memcpy(b->data, set[i].uri.p, set[i].uri.len);
		memcpy(b->data + b->uri_len, set[i].call_id.p, set[i].call_id.len);
		*tail = b;
		tail = &b->next;
		if (b->expires_at < first)
			first = b->expires_at;
	}
	if (na) {
		*pp = a = na;
		r->naors++;
	}
	if (a) {
		while (a->b) {
			struct binding *b = a->b;
			a->b = b->next;
			binding_free(r, b);
		}
		r->nbindings = r->nbindings - old + n;
		a->b = head;
		a->nb = (unsigned)n;
		if (!n)
			aor_free(r, pp);
	}
	arm(r, first);
	return 0;
}

/* ------------------------------------------------------------ REGISTER */

/* q = "0" ["." 0*3DIGIT] / "1" ["." 0*3"0"] (§20.10), in thousandths. */
static int parse_q(struct zsip_str v, uint16_t *q)
{
	if (v.len == 0 || v.len > 5 || (v.p[0] != '0' && v.p[0] != '1'))
		return ZSIP_EINVAL;
	unsigned val = (unsigned)(v.p[0] - '0') * 1000, scale = 100;
	if (v.len > 1) {
		if (v.p[1] != '.')
			return ZSIP_EINVAL;
		for (size_t i = 2; i < v.len; i++, scale /= 10) {
			if (v.p[i] < '0' || v.p[i] > '9')
				return ZSIP_EINVAL;
			val += (unsigned)(v.p[i] - '0') * scale;
		}
	}
	if (val > 1000)
		return ZSIP_EINVAL;
	*q = (uint16_t)val;
	return 0;
}

/* One Contact of the request, checked. */
struct change {
	struct zsip_str uri;
	uint32_t expires;       /* seconds; 0: remove */
	uint16_t q;
};

/* The index in b[0 .. n) of the binding of URI text (§19.1.4
 * comparison), or -1. */
static int find_binding(const struct zsip_reg_binding *b, size_t n, struct zsip_str text)
{
	struct zsip_uri uri;
	if (zsip_uri_parse(&uri, text) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct zsip_uri u;
		if (zsip_uri_parse(&u, b[i].uri) == 0 && zsip_uri_eq(&u, &uri) == 1)
			return (int)i;
	}
	return -1;
}

/* §10.3 step 7: a binding with the request's Call-ID changes only for a
 * higher CSeq (an older or repeated request is out of order). */
static int in_order(const struct zsip_reg_binding *b, const struct zsip_msg *m)
{
	if (!zsip_str_eq(b->call_id, m->call_id))
		return 1;
	return m->cseq.num > b->cseq;
}

static int reply(struct zsip_txn *txn, int code, const char *reason, const struct zsip_field *f,
		 size_t nf, uint64_t now)
{
	struct zsip_response resp;
	memset(&resp, 0, sizeof(resp));
	resp.code = code;
	resp.reason = zsip_str_c(reason);
	resp.hdrs = f;
	resp.nhdrs = nf;
	int rc = zsip_txn_reply(txn, &resp, now);
	return rc < 0 ? rc : code;
}

static int reply_503(struct zsip_registrar *r, struct zsip_txn *txn, uint64_t now)
{
	char ra[16];
	snprintf(ra, sizeof ra, "%u", (unsigned)r->stack->retry_after);
	struct zsip_field f = { ZSIP_STR("Retry-After"), zsip_str_c(ra) };
	return reply(txn, 503, NULL, &f, 1, now);
}

size_t zsipi_split_lines(const char *p, size_t len, struct zsip_field *f, size_t max)
{
	size_t n = 0;
	const char *end = p + len;
	while (p < end && n < max) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		const char *colon = memchr(p, ':', (size_t)(le - p));
		if (colon) {
			const char *v = colon + 1;
			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = le;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			f[n].name = (struct zsip_str){ p, (size_t)(colon - p) };
			f[n].value = (struct zsip_str){ v, (size_t)(ve - v) };
			n++;
		}
		p = eol ? eol + 1 : end;
	}
	return n;
}

/* The 200 of step 8, written before the put so that nothing can fail
 * after it: a Contact field with its remaining expires for each binding
 * of set (§10.3 step 8). */
struct answer {
	char *mem;
	size_t size, nf;
};

#define CONTACT_EXTRA 48        /* "<>;q=0.000;expires=4294967295" */

static int answer_make(struct zsip_registrar *r, struct answer *ans, const struct zsip_reg_binding *set,
		       size_t n, uint64_t now)
{
	size_t text = 1;
	for (size_t i = 0; i < n; i++)
		text += set[i].uri.len + CONTACT_EXTRA;
	ans->nf = n;
	ans->size = n * sizeof(struct zsip_field) + text;
	ans->mem = zsipi_mem_alloc(&r->stack->mem, ans->size);
	if (!ans->mem)
		return ZSIP_ENOMEM;
	struct zsip_field *f = (struct zsip_field *)(void *)ans->mem;
	char *t = ans->mem + n * sizeof(struct zsip_field);
	size_t cap = text, at = 0;
	for (size_t i = 0; i < n; i++) {
		const struct zsip_reg_binding *b = &set[i];
		unsigned long left = (unsigned long)((b->expires_at - now + 999) / 1000);
		int k;
		if (b->q == 1000)
			k = snprintf(t + at, cap - at, "<%.*s>;expires=%lu", (int)b->uri.len, b->uri.p, left);
		else
			k = snprintf(t + at, cap - at, "<%.*s>;q=%u.%03u;expires=%lu", (int)b->uri.len, b->uri.p,
				     b->q / 1000u, b->q % 1000u, left);
		f[i].name = ZSIP_STR("Contact");
		f[i].value = (struct zsip_str){ t + at, (size_t)k };
		at += (size_t)k;
	}
	return 0;
}

/* Sends the 200 and frees ans. */
static int answer_send(struct zsip_registrar *r, struct zsip_txn *txn, struct answer *ans, uint64_t now)
{
	int rc = reply(txn, 200, NULL, (const struct zsip_field *)(void *)ans->mem, ans->nf, now);
	zsipi_mem_free(&r->stack->mem, ans->mem, ans->size);
	/* More bindings than one message holds: the changes stand, but the
	 * request must still get its answer. */
	if (rc == ZSIP_ETOOBIG)
		rc = reply(txn, 500, "Server Internal Error - Too Many Bindings", NULL, 0, now);
	return rc;
}

/* §8.2.2.3: 420 with every option tag of every Require in Unsupported (we
 * support none); a Require that is not a list of tokens (§20.32), or one
 * past 1 KiB of tags, gets 400. */
static int reply_unsupported(struct zsip_txn *txn, const struct zsip_msg *m, uint64_t now)
{
	char list[1024];
	size_t n;
	if (zsipi_unsupported_tags(m, ZSIP_HDR_REQUIRE, NULL, list, sizeof list, &n) <= 0)
		return reply(txn, 400, "Bad Request - Malformed Require", NULL, 0, now);
	struct zsip_field f = { ZSIP_STR("Unsupported"), { list, n } };
	return reply(txn, 420, NULL, &f, 1, now);
}

/* §10.3 step 3, §22.4 with the digest server: returns 0 when the request
 * carries good credentials (*user: the user name, a slice of m), else the
 * status answered: 401 with a challenge (stale=true after a stale or
 * replayed nonce; again after wrong credentials), 400 for malformed ones. */
static int authenticate(struct zsip_registrar *r, struct zsip_txn *txn, const struct zsip_msg *m,
			struct zsip_str *user, uint64_t now)
{
	int rc = zsip_auth_server_verify(r->auth, m, now, user);
	if (rc == 0)
		return 0;
	if (rc == ZSIP_EAUTH || rc == ZSIP_EINVAL)
		return reply(txn, 400, "Bad Request - Malformed Authorization", NULL, 0, now);
	char hdrs[ADMIT_HDRS];
	int n = zsip_auth_server_challenge(r->auth, now, rc == ZSIP_EAUTH_STALE || rc == ZSIP_EAUTH_REPLAY,
					   hdrs, sizeof hdrs);
	if (n < 0)
		return reply(txn, 500, NULL, NULL, 0, now);
	struct zsip_field f[8];
	size_t nf = zsipi_split_lines(hdrs, (size_t)n, f, 8);
	return reply(txn, 401, NULL, f, nf, now);
}

/* 1 when user names the user part of the canonical AOR key. */
static int own_aor(struct zsip_str user, struct zsip_str key)
{
	const char *colon = memchr(key.p, ':', key.len);
	const char *at = NULL;
	for (const char *q = colon; q && q < key.p + key.len; q++)
		if (*q == '@')
			at = q;
	return at && user.p && (size_t)(at - colon - 1) == user.len && memcmp(colon + 1, user.p, user.len) == 0;
}

/* Steps 6 and 7 for every Contact value; 0 or the status to answer. */
static int read_contacts(struct zsip_registrar *r, const struct zsip_msg *m, const struct zsip_reg_binding *have,
			 size_t nhave, struct change *ch, size_t *nch, int *star)
{
	uint32_t hdr_exp = r->def_expires;
	int has_hdr_exp = 0;
	const struct zsip_hdr *eh = zsip_msg_find(m, ZSIP_HDR_EXPIRES);
	if (eh) {
		if (zsip_uint_parse(eh->value, UINT32_MAX, &hdr_exp) != 0)
			return 400;
		has_hdr_exp = 1;
	}
	size_t n = 0, nvalues = 0;
	*star = 0;
	for (const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_CONTACT); h; h = zsip_msg_find_next(m, h)) {
		struct zsip_str cur = h->value, one;
		int k;
		while ((k = zsip_value_next(&cur, &one)) == 1) {
			struct zsip_contact c;
			nvalues++;
			if (zsip_contact_parse(&c, one) != 0)
				return 400;
			if (c.star) {
				*star = 1;
				continue;
			}
			if (n == REQ_CONTACTS)
				return 503;
			struct change *x = &ch[n];
			memset(x, 0, sizeof(*x));
			x->uri = c.addr.uri.raw;
			if (x->uri.len > URI_MAX)
				return 400;
			x->q = 1000;
			if (c.q.p && parse_q(c.q, &x->q) != 0)
				return 400;
			x->expires = hdr_exp;
			if (c.expires.p && zsip_uint_parse(c.expires, UINT32_MAX, &x->expires) != 0)
				return 400;
			n++;
		}
		if (k < 0)
			return 400;
	}
	/* §10.3 step 6: "*" only alone and with Expires: 0. */
	if (*star && (nvalues != 1 || !has_hdr_exp || hdr_exp != 0))
		return 400;
	for (size_t i = 0; i < n; i++) {
		if (ch[i].expires && ch[i].expires < r->min_expires)
			return 423;
		if (ch[i].expires > r->max_expires)
			ch[i].expires = r->max_expires;
		int k = find_binding(have, nhave, ch[i].uri);
		if (k >= 0 && !in_order(&have[k], m))
			return 500;
	}
	*nch = n;
	return 0;
}

/* Reads the bindings of aor from the store into cur[0 .. max_per_aor)
 * without the ended ones. Returns how many, or ZSIP_ESTORE. */
static int read_bindings(struct zsip_registrar *r, struct zsip_str aor, struct zsip_reg_binding *cur, uint64_t now)
{
	int nb = r->store.get(r->store.user, aor, cur, r->max_per_aor, now);
	if (nb < 0)
		return ZSIP_ESTORE;
	size_t n = 0;
	for (size_t i = 0; i < (size_t)nb && i < r->max_per_aor; i++)
		if (cur[i].expires_at > now)
			cur[n++] = cur[i];
	return (int)n;
}

static int reply_store_failed(struct zsip_txn *txn, uint64_t now)
{
	/* An unexpected condition of the server's, not of the request: 500
	 * (§21.5.1), not 503, which says the server is overloaded and would
	 * send the client to another one (RFC 3263 §4.3). */
	return reply(txn, 500, "Server Internal Error - Binding Storage", NULL, 0, now);
}

/* Steps 6 to 8 on aor: read the bindings, work out the new set, check it,
 * write it back, answer. */
static int update(struct zsip_registrar *r, struct zsip_txn *txn, const struct zsip_msg *m, struct zsip_str aor,
		  uint64_t now)
{
	struct zsip_reg_binding *cur = r->work, *next = r->work + r->max_per_aor;
	int nb = read_bindings(r, aor, cur, now);
	if (nb < 0)
		return reply_store_failed(txn, now);
	size_t ncur = (size_t)nb, n = 0, nnext = 0;
	struct change ch[REQ_CONTACTS];
	int star;
	int st = read_contacts(r, m, cur, ncur, ch, &n, &star);
	if (st == 423) {
		char me[16];
		snprintf(me, sizeof me, "%lu", (unsigned long)r->min_expires);
		struct zsip_field f = { ZSIP_STR("Min-Expires"), zsip_str_c(me) };
		return reply(txn, 423, NULL, &f, 1, now);
	}
	if (st == 503)
		return reply_503(r, txn, now);
	if (st == 500)
		return reply(txn, 500, "Server Internal Error - Out of Order CSeq", NULL, 0, now);
	if (st)
		return reply(txn, st, NULL, NULL, 0, now);

	if (star) {
		/* §10.3 step 6: remove all, each only if in order. */
		for (size_t i = 0; i < ncur; i++)
			if (!in_order(&cur[i], m))
				return reply(txn, 500, "Server Internal Error - Out of Order CSeq", NULL, 0, now);
	} else {
		/* Step 7: each Contact replaces or removes its binding (a
		 * request may name one twice: the last wins, as if sent one
		 * after the other). */
		memcpy(next, cur, ncur * sizeof(*cur));
		nnext = ncur;
		for (size_t i = 0; i < n; i++) {
			int k = find_binding(next, nnext, ch[i].uri);
			if (k >= 0)
				memmove(&next[k], &next[k + 1], (nnext - (size_t)k - 1) * sizeof(*next));
			nnext -= k >= 0;
			if (ch[i].expires)
				next[nnext++] = (struct zsip_reg_binding){ ch[i].uri, m->call_id, m->cseq.num, ch[i].q,
									   now + (uint64_t)ch[i].expires * 1000 };
		}
		/* The cap holds the set as it would be (a request that
		 * removes one binding and adds another is fine at it). */
		if (nnext > ncur && nnext > r->max_per_aor)
			return reply_503(r, txn, now);
	}
	struct answer ans;
	if (answer_make(r, &ans, next, nnext, now) != 0)
		return reply_503(r, txn, now);
	if (star || n) {
		int rc = r->store.put(r->store.user, aor, next, nnext, now);
		if (rc < 0) {
			zsipi_mem_free(&r->stack->mem, ans.mem, ans.size);
			return rc == ZSIP_ELIMIT || rc == ZSIP_ENOMEM ? reply_503(r, txn, now)
								   : reply_store_failed(txn, now);
		}
	}
	return answer_send(r, txn, &ans, now);
}

int zsip_registrar_process(struct zsip_registrar *r, struct zsip_txn *txn, uint64_t now_ms)
{
	if (!r || !txn || zsip_txn_kind(txn) != ZSIP_TXN_SERVER_NON_INVITE ||
	    zsip_txn_method(txn) != ZSIP_METHOD_REGISTER)
		return ZSIP_EINVAL;
	struct zsip_stack *s = r->stack;
	uint64_t now = zsipi_advance(s, now_ms);
	struct zsip_str raw = zsip_txn_request(txn);
	struct zsip_msg m;
	if (zsip_msg_parse(&m, raw.p, raw.len, &s->limits) < 0)
		return ZSIP_EINVAL;
	if (m.call_id.len > CALL_ID_MAX)
		return reply(txn, 400, "Bad Request - Call-ID Too Long", NULL, 0, now);

	/* Step 2: we support no extension a REGISTER could require. */
	if (zsip_msg_find(&m, ZSIP_HDR_REQUIRE))
		return reply_unsupported(txn, &m, now);
	/* Step 3: authentication by the digest server, when configured. */
	struct zsip_str user = { NULL, 0 };
	if (r->auth) {
		int st = authenticate(r, txn, &m, &user, now);
		if (st)
			return st;
	}
	/* Step 5: the AOR from To, canonical. */
	char key[AOR_MAX];
	int klen = canonical_aor(key, sizeof key, m.to.uri.raw);
	if (klen < 0)
		return reply(txn, 404, NULL, NULL, 0, now);
	/* Step 4 without a policy of the application's: the authenticated
	 * user binds only its own AOR (no third-party registration). */
	if (r->auth && !r->admit && !own_aor(user, (struct zsip_str){ key, (size_t)klen }))
		return reply(txn, 403, NULL, NULL, 0, now);
	/* Steps 1, 3, 4: the application's policy (domain, authentication,
	 * who may bind this AOR). */
	if (r->admit) {
		char hdrs[ADMIT_HDRS];
		size_t hl = 0;
		int st = r->admit(r->user, &m, (struct zsip_str){ key, (size_t)klen }, hdrs, sizeof hdrs, &hl);
		if (st) {
			struct zsip_field f[8];
			size_t nf = zsipi_split_lines(hdrs, hl < sizeof hdrs ? hl : sizeof hdrs, f, 8);
			if (st < 300 || st > 699)
				st = 500;
			return reply(txn, st, NULL, f, nf, now);
		}
	}

	return update(r, txn, &m, (struct zsip_str){ key, (size_t)klen }, now);
}

/* ------------------------------------------------------------ lookup */

int zsip_registrar_lookup(struct zsip_registrar *r, struct zsip_str aor, struct zsip_reg_contact *out,
			  size_t max, uint64_t now_ms)
{
	if (!r || (max && !out))
		return ZSIP_EINVAL;
	char key[AOR_MAX];
	int klen = canonical_aor(key, sizeof key, aor);
	if (klen < 0)
		return ZSIP_EINVAL;
	int n = read_bindings(r, (struct zsip_str){ key, (size_t)klen }, r->work, now_ms);
	for (int i = 0; i < n && (size_t)i < max; i++) {
		const struct zsip_reg_binding *b = &r->work[i];
		out[i].uri = b->uri;
		out[i].expires = (uint32_t)((b->expires_at - now_ms + 999) / 1000);
		out[i].q = b->q;
	}
	return n;
}

void zsip_registrar_count(const struct zsip_registrar *r, size_t *aors, size_t *bindings)
{
	if (aors)
		*aors = r ? r->naors : 0;
	if (bindings)
		*bindings = r ? r->nbindings : 0;
}

/* ------------------------------------------------------------ life */

struct zsip_registrar *zsip_registrar_new(struct zsip_stack *s, const struct zsip_registrar_config *cfg)
{
	struct zsip_registrar_config c;
	if (!s)
		return NULL;
	if (cfg)
		c = *cfg;
	else
		memset(&c, 0, sizeof(c));
	unsigned max_aors = c.max_aors ? c.max_aors : DEF_MAX_AORS;
	unsigned per = c.max_per_aor ? c.max_per_aor : DEF_PER_AOR;
	uint32_t mn = c.min_expires ? c.min_expires : DEF_MIN_EXPIRES;
	uint32_t mx = c.max_expires ? c.max_expires : DEF_MAX_EXPIRES;
	uint32_t def = c.default_expires ? c.default_expires : DEF_EXPIRES;
	if (per > MAX_PER_AOR || mn > mx || max_aors > (1u << 24) || !c.store.get != !c.store.put)
		return NULL;
	size_t ntab = c.store.get ? 1 : 16; /* with a store the table stays empty */
	while (ntab < max_aors && !c.store.get)
		ntab *= 2;
	if (zsipi_timers_reserve(&s->timers, 1) != 0)
		return NULL;
	size_t nwork = 2 * (size_t)per + REQ_CONTACTS;
	struct zsip_registrar *r = zsipi_mem_alloc(&s->mem, sizeof(*r));
	struct aor **tab = zsipi_mem_alloc(&s->mem, ntab * sizeof(*tab));
	struct zsip_reg_binding *work = zsipi_mem_alloc(&s->mem, nwork * sizeof(*work));
	if (!r || !tab || !work) {
		zsipi_mem_free(&s->mem, r, sizeof(*r));
		zsipi_mem_free(&s->mem, tab, ntab * sizeof(*tab));
		zsipi_mem_free(&s->mem, work, nwork * sizeof(*work));
		zsipi_timers_unreserve(&s->timers, 1);
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	memset(tab, 0, ntab * sizeof(*tab));
	r->stack = s;
	r->work = work;
	r->nwork = nwork;
	r->store = c.store.get ? c.store : (struct zsip_registrar_store){ table_get, table_put, r };
	zsipi_timer_init(&r->timer);
	r->tab = tab;
	r->ntab = ntab;
	r->max_aors = max_aors;
	r->max_bindings = c.max_bindings ? c.max_bindings : DEF_MAX_BINDINGS;
	r->max_per_aor = per;
	r->min_expires = mn;
	r->max_expires = mx;
	r->def_expires = def < mn ? mn : def > mx ? mx : def;
	r->admit = c.admit;
	r->auth = c.auth;
	r->user = c.user;
	return r;
}

void zsip_registrar_free(struct zsip_registrar *r)
{
	if (!r)
		return;
	struct zsip_stack *s = r->stack;
	for (size_t i = 0; i < r->ntab; i++)
		while (r->tab[i])
			aor_free(r, &r->tab[i]);
	zsipi_timer_stop(&s->timers, &r->timer);
	zsipi_timers_unreserve(&s->timers, 1);
	zsipi_mem_free(&s->mem, r->tab, r->ntab * sizeof(*r->tab));
	zsipi_mem_free(&s->mem, r->work, r->nwork * sizeof(*r->work));
	zsipi_mem_free(&s->mem, r, sizeof(*r));
}
