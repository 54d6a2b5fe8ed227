/* The transaction table and the matching rules of RFC 3261 §17.1.3
 * (responses to client transactions), §17.2.3 (requests to server
 * transactions, with the RFC 2543 fallback) and §9.2 (CANCEL to the INVITE
 * it cancels). */
#include <string.h>

#include "txn/txn.h"

#define INITIAL_BUCKETS 64u

int zsipi_table_init(struct zsipi_table *t, struct zsipi_mem *mem)
{
	t->b = zsipi_mem_alloc(mem, INITIAL_BUCKETS * sizeof(*t->b));
	if (!t->b)
		return ZSIP_ENOMEM;
	memset(t->b, 0, INITIAL_BUCKETS * sizeof(*t->b));
	t->nb = INITIAL_BUCKETS;
	t->n = 0;
	return 0;
}

void zsipi_table_fini(struct zsipi_table *t, struct zsipi_mem *mem)
{
	zsipi_mem_free(mem, t->b, t->nb * sizeof(*t->b));
	t->b = NULL;
	t->nb = t->n = 0;
}

int zsipi_has_cookie(struct zsip_str branch)
{
	return branch.len >= 7 && memcmp(branch.p, ZSIP_BRANCH_COOKIE, 7) == 0;
}

/* Eight bytes at a time (the FNV-1a step on words), then murmur3's
 * finalizer so that the low bits, the bucket, depend on every byte. The
 * branch is hashed without case because §7.3.1 makes parameter values
 * case-insensitive, while Call-ID is case-sensitive (§20.8): folding sets
 * bit 5 of every byte, which maps a letter and its capital alike. */
static uint32_t hash_str(uint64_t h, struct zsip_str s, int fold)
{
	const uint64_t m = fold ? 0x2020202020202020ull : 0;
	size_t i = 0;
	for (; i + 8 <= s.len; i += 8) {
		uint64_t w;
		memcpy(&w, s.p + i, 8);
		h = (h ^ (w | m)) * 0x100000001b3ull;
	}
	uint64_t w = 0;
	if (i < s.len && s.len >= 8) {
		/* the last eight bytes, overlapping the words before */
		memcpy(&w, s.p + s.len - 8, 8);
		w |= m;
	} else {
		for (size_t k = 0; i < s.len; i++, k += 8)
			w |= (uint64_t)((unsigned char)s.p[i] | (m & 0xff)) << k;
	}
	h = (h ^ w) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

uint32_t zsipi_txn_hash(int server, int cookie, struct zsip_str branch, struct zsip_str call_id)
{
	uint64_t h = server ? 0xcbf29ce484222325ull : 0x84222325cbf29ce4ull;
	if (server && !cookie)
		return hash_str(h, call_id, 0);
	return hash_str(h, branch, 1);
}

/* Doubles the buckets while the load passes one; a failed allocation only
 * leaves the chains longer. */
static void maybe_grow(struct zsip_stack *s)
{
	struct zsipi_table *t = &s->table;
	if (t->n <= t->nb)
		return;
	size_t nb = t->nb * 2;
	struct zsip_txn **b = zsipi_mem_alloc(&s->mem, nb * sizeof(*b));
	if (!b)
		return;
	memset(b, 0, nb * sizeof(*b));
	for (size_t i = 0; i < t->nb; i++) {
		struct zsip_txn *tx = t->b[i];
		while (tx) {
			struct zsip_txn *next = tx->hnext;
			size_t j = tx->hash & (nb - 1);
			tx->hnext = b[j];
			b[j] = tx;
			tx = next;
		}
	}
	zsipi_mem_free(&s->mem, t->b, t->nb * sizeof(*t->b));
	t->b = b;
	t->nb = nb;
}

void zsipi_table_insert(struct zsip_stack *s, struct zsip_txn *tx)
{
	struct zsipi_table *t = &s->table;
	t->n++;
	maybe_grow(s);
	size_t j = tx->hash & (t->nb - 1);
	tx->hnext = t->b[j];
	t->b[j] = tx;
}

void zsipi_table_remove(struct zsip_stack *s, struct zsip_txn *tx)
{
	struct zsipi_table *t = &s->table;
	struct zsip_txn **pp = &t->b[tx->hash & (t->nb - 1)];
	while (*pp && *pp != tx)
		pp = &(*pp)->hnext;
	if (*pp) {
		*pp = tx->hnext;
		t->n--;
	}
	tx->hnext = NULL;
}

static struct zsip_txn *bucket(struct zsip_stack *s, uint32_t h)
{
	return s->table.b[h & (s->table.nb - 1)];
}

/* Both absent, or both present and equal. */
static int opt_eq(struct zsip_str a, struct zsip_str b)
{
	if (!a.p || !b.p)
		return !a.p && !b.p;
	return zsip_str_eq(a, b);
}

static int same_method(const struct zsip_txn *tx, unsigned id, struct zsip_str token)
{
	if (tx->method_id != id)
		return 0;
	return id != ZSIP_METHOD_OTHER || zsip_str_eq(tx->method, token);
}

struct zsip_txn *zsipi_match_client(struct zsip_stack *s, struct zsip_str branch,
				    const struct zsip_cseq *cseq)
{
	if (!branch.p)
		return NULL;
	uint32_t h = zsipi_txn_hash(0, 1, branch, branch);
	for (struct zsip_txn *tx = bucket(s, h); tx; tx = tx->hnext) {
		/* Equal keys hash alike: another hash in the bucket cannot match. */
		if (tx->hash != h || zsipi_is_server(tx) || tx->state == ZSIP_TXN_TERMINATED)
			continue;
		if (zsipi_same_ci(tx->branch, branch) && same_method(tx, cseq->method_id, cseq->method))
			return tx;
	}
	return NULL;
}

static int same_sent_by(const struct zsip_txn *tx, const struct zsip_via *via)
{
	return tx->via_port == via->port && zsipi_same_ci(tx->via_host, via->host);
}

/* RFC 2543 requests carry no unique branch: §17.2.3 matches them on the
 * Request-URI, tags, Call-ID, CSeq and top Via. The top Via is compared by
 * its identifying parts (sent-by and branch), because the stored copy has
 * received/rport stamped on it. to_tag is the tag the request must carry. */
static int match_2543(const struct zsip_txn *tx, const struct zsip_msg *m, struct zsip_str to_tag)
{
	if (!zsip_str_eq(tx->call_id, m->call_id) || tx->cseq != m->cseq.num ||
	    !opt_eq(tx->from_tag, m->from.tag) || !opt_eq(to_tag, m->to.tag) ||
	    !same_sent_by(tx, &m->via) || !opt_eq(tx->branch, m->via.branch))
		return 0;
	if (zsip_str_eq(tx->ruri, m->ruri_str))
		return 1;
	struct zsip_uri a;
	if (zsip_uri_parse(&a, tx->ruri) != 0)
		return 0;
	return zsip_uri_eq(&a, &m->ruri) == 1;
}

struct zsip_txn *zsipi_match_server(struct zsip_stack *s, const struct zsip_msg *m)
{
	int cookie = zsipi_has_cookie(m->via.branch);
	int ack = m->method_id == ZSIP_METHOD_ACK;
	uint32_t h = zsipi_txn_hash(1, cookie, m->via.branch, m->call_id);
	for (struct zsip_txn *tx = bucket(s, h); tx; tx = tx->hnext) {
		if (tx->hash != h || !zsipi_is_server(tx) || tx->state == ZSIP_TXN_TERMINATED ||
		    tx->cookie != cookie)
			continue;
		/* An ACK belongs to the INVITE transaction (§17.2.3). */
		int method_ok = ack ? tx->method_id == ZSIP_METHOD_INVITE
				    : same_method(tx, m->method_id, m->method);
		if (!method_ok)
			continue;
		if (cookie) {
			if (zsipi_same_ci(tx->branch, m->via.branch) && same_sent_by(tx, &m->via))
				return tx;
		} else if (match_2543(tx, m, ack ? tx->out_to_tag : tx->to_tag)) {
			return tx;
		}
	}
	return NULL;
}

struct zsip_txn *zsipi_match_cancel(struct zsip_stack *s, const struct zsip_msg *m)
{
	int cookie = zsipi_has_cookie(m->via.branch);
	uint32_t h = zsipi_txn_hash(1, cookie, m->via.branch, m->call_id);
	for (struct zsip_txn *tx = bucket(s, h); tx; tx = tx->hnext) {
		if (tx->hash != h || tx->kind != ZSIP_TXN_SERVER_INVITE ||
		    tx->state == ZSIP_TXN_TERMINATED || tx->cookie != cookie)
			continue;
		if (cookie) {
			if (zsipi_same_ci(tx->branch, m->via.branch) && same_sent_by(tx, &m->via))
				return tx;
		} else if (match_2543(tx, m, tx->to_tag)) {
			return tx;
		}
	}
	return NULL;
}
