/* See txn_keys.h. */
#include "support/txn_keys.h"

#include "txn/txn.h"

/* The same slice of the same buffer. */
static int same(struct zsip_str a, struct zsip_str b)
{
	return a.p == b.p && a.len == b.len;
}

size_t txn_keys_check(struct zsip_stack *s)
{
	size_t bad = 0;
	for (size_t i = 0; i < s->table.nb; i++)
		for (const struct zsip_txn *tx = s->table.b[i]; tx; tx = tx->hnext) {
			struct zsip_msg m;
			struct zsipi_req_keys k;
			if (zsip_msg_parse(&m, tx->req, tx->req_len, NULL) != (int)tx->req_len) {
				bad++;
				continue;
			}
			zsipi_msg_keys(&m, &k);
			if (!same(k.method, tx->method) || !same(k.ruri, tx->ruri) ||
			    !same(k.branch, tx->branch) || !same(k.via_host, tx->via_host) ||
			    !same(k.call_id, tx->call_id) || !same(k.from_tag, tx->from_tag) ||
			    !same(k.to_tag, tx->to_tag) || k.cseq != tx->cseq || k.via_port != tx->via_port ||
			    k.method_id != tx->method_id)
				bad++;
		}
	return bad;
}
