/* The public entry points that need the transaction layer: the stack with
 * its transaction table, the receive dispatch and the statistics. Above
 * the core, which never calls up. */
#include <string.h>

#include "txn/txn.h"

/* zsipi_on_free hook: the transactions still alive, then the table. */
static void txn_stack_free(void *user)
{
	struct zsip_stack *s = user;
	for (size_t i = 0; i < s->table.nb; i++) {
		struct zsip_txn *tx = s->table.b[i];
		while (tx) {
			struct zsip_txn *next = tx->hnext;
			zsipi_timer_stop(&s->timers, &tx->retx);
			zsipi_timer_stop(&s->timers, &tx->end);
			zsipi_mem_free(&s->mem, tx->out, tx->out_cap);
			zsipi_mem_free(&s->mem, tx, sizeof(*tx) + tx->req_alloc);
			tx = next;
		}
	}
	zsipi_table_fini(&s->table, &s->mem);
}

struct zsip_stack *zsip_stack_new(const struct zsip_config *cfg)
{
	struct zsip_stack *s = zsipi_core_new(cfg);
	if (!s)
		return NULL;
	if (zsipi_on_free(s, txn_stack_free, s) != 0 || zsipi_table_init(&s->table, &s->mem) != 0) {
		zsip_stack_free(s);
		return NULL;
	}
	return s;
}

int zsip_stack_receive(struct zsip_stack *s, int transport_id, const struct zsip_addr *src,
		       const char *buf, size_t len, uint64_t now_ms)
{
	if (!s || !src || !buf || !len)
		return ZSIP_EINVAL;
	if (s->depth)
		return ZSIP_ESTATE;
	if (!zsipi_transport(s, transport_id))
		return ZSIP_EINVAL;
	uint64_t now = zsipi_advance(s, now_ms);

	struct zsip_msg m;
	int rc = zsip_msg_parse(&m, buf, len, &s->limits);
	if (rc < 0) {
		/* §18.1.2 drops a malformed response; a malformed request is
		 * answered when it can be (§8.2, §21.4.1). */
		if (len >= 4 && memcmp(buf, "SIP/", 4) == 0) {
			s->st.rx_bad_responses++;
		} else if (zsipi_answer_bad_request(s, transport_id, src, buf, len, rc)) {
			s->st.rx_bad_answered++;
		} else {
			s->st.rx_bad_dropped++;
		}
		return rc;
	}
	if (m.is_request)
		return zsipi_rx_request(s, transport_id, src, &m, now);
	return zsipi_rx_response(s, transport_id, src, &m, now);
}


void zsip_stack_stats(const struct zsip_stack *s, struct zsip_stack_stats *out)
{
	if (!s || !out)
		return;
	*out = s->st;
	out->txn_active = s->table.n;
	out->heap_bytes = s->mem.bytes;
	out->heap_peak = s->mem.peak;
}
