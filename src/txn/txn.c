/* Transactions: creation from a TU request or a received one, timers,
 * termination, the public transaction API, and the dispatch of received
 * messages to the state machines. */
#include <stddef.h>
#include <string.h>

#include "txn/txn.h"

/* Each transaction runs at most two timers (txn.h). */
#define TIMERS_PER_TXN 2

static struct zsip_str rebase(struct zsip_str v, const char *from, const char *to)
{
	if (v.p)
		v.p = to + (v.p - from);
	return v;
}

void zsipi_txn_emit(struct zsip_txn *tx, const struct zsip_event *ev)
{
	if (tx->on_event)
		zsipi_emit_to(tx->stack, tx->on_event, tx->ev_user, ev);
	else
		zsipi_emit(tx->stack, ev);
}

/* ------------------------------------------------------------ timers */

static int in_retx_slot(enum zsipi_timer_id id)
{
	return id == ZSIPI_TIMER_A || id == ZSIPI_TIMER_E || id == ZSIPI_TIMER_G ||
	       id == ZSIPI_TIMER_TRYING;
}

static void txn_free(struct zsip_txn *tx)
{
	struct zsip_stack *s = tx->stack;
	zsipi_timer_stop(&s->timers, &tx->retx);
	zsipi_timer_stop(&s->timers, &tx->end);
	zsipi_table_remove(s, tx);
	zsipi_timers_unreserve(&s->timers, TIMERS_PER_TXN);
	zsipi_mem_free(&s->mem, tx->out, tx->out_cap);
	zsipi_mem_free(&s->mem, tx, sizeof(*tx) + tx->req_alloc);
}

static void on_timer(struct zsip_txn *tx, enum zsipi_timer_id id, uint64_t now)
{
	if (id == ZSIPI_TIMER_GONE) {
		struct zsip_stack *s = tx->stack;
		struct zsip_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.type = ZSIP_EV_TERMINATED;
		ev.txn = tx;
		ev.transport_id = tx->transport;
		ev.now_ms = now;
		zsipi_txn_emit(tx, &ev);
		s->st.txn_terminated++;
		txn_free(tx);
		return;
	}
	struct zsipi_rx rx;
	memset(&rx, 0, sizeof(rx));
	rx.transport = tx->transport;
	rx.now = now;
	zsipi_txn_input(tx, (int)id, &rx);
}

static void on_retx(struct zsipi_timer *t, uint64_t now)
{
	struct zsip_txn *tx = (struct zsip_txn *)((char *)t - offsetof(struct zsip_txn, retx));
	enum zsipi_timer_id id = (enum zsipi_timer_id)tx->retx_id;
	tx->retx_id = ZSIPI_TIMER_NONE;
	on_timer(tx, id, now);
}

static void on_end(struct zsipi_timer *t, uint64_t now)
{
	struct zsip_txn *tx = (struct zsip_txn *)((char *)t - offsetof(struct zsip_txn, end));
	enum zsipi_timer_id id = (enum zsipi_timer_id)tx->end_id;
	tx->end_id = ZSIPI_TIMER_NONE;
	on_timer(tx, id, now);
}

void zsipi_txn_timer(struct zsip_txn *tx, enum zsipi_timer_id id, uint64_t now, uint64_t ms)
{
	/* Cannot fail: the slots were reserved when tx was made. */
	if (in_retx_slot(id)) {
		tx->retx_id = (uint8_t)id;
		zsipi_timer_start(&tx->stack->timers, &tx->retx, now + ms, on_retx);
	} else {
		tx->end_id = (uint8_t)id;
		zsipi_timer_start(&tx->stack->timers, &tx->end, now + ms, on_end);
	}
}

void zsipi_txn_timer_stop(struct zsip_txn *tx, enum zsipi_timer_id id)
{
	if (in_retx_slot(id)) {
		if (tx->retx_id == id) {
			zsipi_timer_stop(&tx->stack->timers, &tx->retx);
			tx->retx_id = ZSIPI_TIMER_NONE;
		}
	} else if (tx->end_id == id) {
		zsipi_timer_stop(&tx->stack->timers, &tx->end);
		tx->end_id = ZSIPI_TIMER_NONE;
	}
}

void zsipi_txn_end(struct zsip_txn *tx, uint64_t now)
{
	if (tx->state == ZSIP_TXN_TERMINATED)
		return;
	tx->state = ZSIP_TXN_TERMINATED;
	zsipi_timer_stop(&tx->stack->timers, &tx->retx);
	tx->retx_id = ZSIPI_TIMER_NONE;
	zsipi_txn_timer(tx, ZSIPI_TIMER_GONE, now, 0);
}

int zsipi_txn_store_out(struct zsip_txn *tx, const char *buf, size_t len, struct zsip_str to_tag)
{
	struct zsip_stack *s = tx->stack;
	if (len > UINT32_MAX)
		return ZSIP_ETOOBIG;
	if (len > tx->out_cap) {
		char *p = zsipi_mem_alloc(&s->mem, len);
		if (!p)
			return ZSIP_ENOMEM;
		zsipi_mem_free(&s->mem, tx->out, tx->out_cap);
		tx->out = p;
		tx->out_cap = (uint32_t)len;
	}
	/* The TU may resend what tx holds (the UAS's 2xx retransmissions). */
	if (buf != tx->out)
		memcpy(tx->out, buf, len);
	tx->out_len = (uint32_t)len;
	tx->out_to_tag = rebase(to_tag, buf, tx->out);
	return 0;
}

/* ------------------------------------------------------------ creation */

/* A transaction with room for n request bytes, its timer slots reserved. */
static struct zsip_txn *txn_alloc(struct zsip_stack *s, size_t n)
{
	if (n > UINT32_MAX)
		return NULL;
	if (zsipi_timers_reserve(&s->timers, TIMERS_PER_TXN) != 0)
		return NULL;
	struct zsip_txn *tx = zsipi_mem_alloc(&s->mem, sizeof(*tx) + n);
	if (!tx) {
		zsipi_timers_unreserve(&s->timers, TIMERS_PER_TXN);
		return NULL;
	}
	memset(tx, 0, sizeof(*tx));
	tx->stack = s;
	tx->req_alloc = (uint32_t)n;
	zsipi_timer_init(&tx->retx);
	zsipi_timer_init(&tx->end);
	return tx;
}

void zsipi_msg_keys(const struct zsip_msg *m, struct zsipi_req_keys *k)
{
	k->method = m->method;
	k->ruri = m->ruri_str;
	k->branch = m->via.branch;
	k->via_host = m->via.host;
	k->call_id = m->call_id;
	k->from_tag = m->from.tag;
	k->to_tag = m->to.tag;
	k->cseq = m->cseq.num;
	k->via_port = m->via.port;
	k->method_id = m->method_id;
}

/* Copies the keys of the request whose bytes are at from (tx->req, or the
 * buffer they were copied from) into tx, onto tx->req. */
static void take_keys(struct zsip_txn *tx, const char *from, const struct zsipi_req_keys *k)
{
	tx->method_id = k->method_id;
	tx->method = rebase(k->method, from, tx->req);
	tx->branch = rebase(k->branch, from, tx->req);
	tx->via_host = rebase(k->via_host, from, tx->req);
	tx->via_port = k->via_port;
	tx->call_id = rebase(k->call_id, from, tx->req);
	tx->from_tag = rebase(k->from_tag, from, tx->req);
	tx->to_tag = rebase(k->to_tag, from, tx->req);
	tx->ruri = rebase(k->ruri, from, tx->req);
	tx->cseq = k->cseq;
	tx->cookie = (uint8_t)zsipi_has_cookie(k->branch);
}

static void txn_link(struct zsip_stack *s, struct zsip_txn *tx)
{
	tx->hash = zsipi_txn_hash(zsipi_is_server(tx), tx->cookie, tx->branch, tx->call_id);
	zsipi_table_insert(s, tx);
	s->st.txn_created++;
	if (s->table.n > s->st.txn_peak)
		s->st.txn_peak = s->table.n;
}

int zsip_stack_request(struct zsip_stack *s, int transport_id, const struct zsip_addr *dst,
		       const char *buf, size_t len, void *user, uint64_t now_ms,
		       struct zsip_txn **out)
{
	if (out)
		*out = NULL;
	if (!s || !dst || !buf || !len || !zsipi_transport(s, transport_id))
		return ZSIP_EINVAL;
	struct zsip_msg m;
	int used = zsip_msg_parse(&m, buf, len, &s->limits);
	if (used < 0)
		return used;
	if (!m.is_request)
		return ZSIP_EINVAL;
	struct zsipi_req_keys k;
	zsipi_msg_keys(&m, &k);
	return zsipi_stack_request_keyed(s, transport_id, dst, buf, (size_t)used, &k, user, now_ms, out);
}

int zsipi_stack_request_keyed(struct zsip_stack *s, int transport_id, const struct zsip_addr *dst,
			      const char *buf, size_t len, const struct zsipi_req_keys *k, void *user,
			      uint64_t now_ms, struct zsip_txn **out)
{
	if (out)
		*out = NULL;
	if (!s || !dst || !buf || !len)
		return ZSIP_EINVAL;
	const struct zsipi_transport *tp = zsipi_transport(s, transport_id);
	if (!tp)
		return ZSIP_EINVAL;
	if (len > s->limits.max_msg_size)
		return ZSIP_ETOOBIG;
	uint64_t now = zsipi_advance(s, now_ms);

	/* An ACK is never a transaction of its own (§17.1.1.3, §13.2.2.4). */
	if (k->method_id == ZSIP_METHOD_ACK || !k->branch.p || k->branch.len == 0)
		return ZSIP_EINVAL;
	if (s->table.n >= s->max_txn)
		return ZSIP_ELIMIT;
	struct zsip_cseq cseq = { k->cseq, k->method, k->method_id };
	if (zsipi_match_client(s, k->branch, &cseq))
		return ZSIP_EINVAL;

	struct zsip_txn *tx = txn_alloc(s, len);
	if (!tx)
		return ZSIP_ENOMEM;
	memcpy(tx->req, buf, len);
	tx->req_len = (uint32_t)len;
	take_keys(tx, buf, k);
	tx->user = user;
	tx->transport = transport_id;
	tx->reliable = tp->reliable;
	tx->peer = *dst;
	int invite = k->method_id == ZSIP_METHOD_INVITE;
	tx->kind = invite ? ZSIP_TXN_CLIENT_INVITE : ZSIP_TXN_CLIENT_NON_INVITE;
	tx->state = invite ? ZSIP_TXN_CALLING : ZSIP_TXN_TRYING;

	if (zsipi_send(s, transport_id, dst, tx->req, tx->req_len) != 0) {
		txn_free(tx);
		return ZSIP_ETRANSPORT;
	}
	txn_link(s, tx);
	/* §17.1.1.2 (A, B) and §17.1.2.2 (E, F): retransmit on unreliable
	 * transports only; give up at 64*T1. */
	tx->retx_ms = s->t1;
	if (!tx->reliable)
		zsipi_txn_timer(tx, invite ? ZSIPI_TIMER_A : ZSIPI_TIMER_E, now, tx->retx_ms);
	zsipi_txn_timer(tx, invite ? ZSIPI_TIMER_B : ZSIPI_TIMER_F, now, 64ull * s->t1);
	if (out)
		*out = tx;
	return 0;
}

/* A new request: a server transaction, then the TU. */
static int new_server_txn(struct zsip_stack *s, int tid, const struct zsipi_transport *tp,
			  const struct zsip_addr *src, struct zsip_msg *m, uint64_t now)
{
	struct zsip_addr dst;
	if (zsipi_response_dest(tp, &m->via, src, &dst) != 0) {
		s->st.rx_bad_dropped++;
		return ZSIP_EINVAL;
	}
	if (s->table.n >= s->max_txn) {
		zsipi_answer_overload(s, tid, src, m);
		return ZSIP_ELIMIT;
	}
	struct zsipi_stamp sp;
	zsipi_stamp_plan(&sp, m, src);
	size_t ncopy = zsipi_response_copies(m, NULL, SIZE_MAX);
	size_t room = zsipi_txn_copy_off(m->len + sp.extra) + ncopy * sizeof(struct zsipi_copy);
	struct zsip_txn *tx = ncopy ? txn_alloc(s, room) : NULL;
	if (!tx) {
		zsipi_answer_overload(s, tid, src, m);
		return ZSIP_ENOMEM;
	}

	/* The TU sees, and answers from, the request with received/rport on
	 * its top Via (§18.2.1, RFC 3581 §4): stamped in the copy, and m moved
	 * onto it rather than parsed again. */
	size_t n = sp.extra ? zsipi_stamp_move(tx->req, &sp, m, src, &s->limits) : 0;
	if (!n) {
		memcpy(tx->req, m->buf, m->len);
		n = m->len;
	}
	tx->req_len = (uint32_t)n;
	/* An unstamped copy only moves the copies down. */
	char *copies = tx->req + zsipi_txn_copy_off(tx->req_len);
	tx->ncopy = (uint8_t)zsipi_response_copies(m, (struct zsipi_copy *)(void *)copies, ncopy);
	struct zsipi_req_keys k;
	zsipi_msg_keys(m, &k);
	take_keys(tx, m->buf, &k);
	tx->transport = tid;
	tx->reliable = tp->reliable;
	tx->peer = dst;
	int invite = m->method_id == ZSIP_METHOD_INVITE;
	tx->kind = invite ? ZSIP_TXN_SERVER_INVITE : ZSIP_TXN_SERVER_NON_INVITE;
	tx->state = invite ? ZSIP_TXN_PROCEEDING : ZSIP_TXN_TRYING;

	struct zsip_txn *target = NULL;
	if (m->method_id == ZSIP_METHOD_CANCEL)
		target = zsipi_match_cancel(s, m);
	txn_link(s, tx);
	if (invite)
		zsipi_txn_timer(tx, ZSIPI_TIMER_TRYING, now, s->trying);

	struct zsip_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = ZSIP_EV_REQUEST;
	ev.txn = tx;
	ev.msg = m;
	ev.cancel_target = target;
	ev.transport_id = tid;
	ev.src = src;
	ev.now_ms = now;
	zsipi_emit(s, &ev);
	return 0;
}

int zsipi_rx_request(struct zsip_stack *s, int tid, const struct zsip_addr *src,
		     struct zsip_msg *m, uint64_t now)
{
	s->st.rx_requests++;
	int ack = m->method_id == ZSIP_METHOD_ACK;
	struct zsip_txn *tx = zsipi_match_server(s, m);
	if (tx) {
		struct zsipi_rx rx = { m, NULL, 0, 0, { NULL, 0 }, tid, src, now };
		zsipi_txn_input(tx, ack ? ZSIPI_IN_RX_ACK : ZSIPI_IN_RX_REQUEST, &rx);
		return 0;
	}
	if (ack) {
		/* The ACK for a 2xx is the TU's (§17.2.3, §13.3.1.4). */
		struct zsip_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.type = ZSIP_EV_ACK;
		ev.msg = m;
		ev.transport_id = tid;
		ev.src = src;
		ev.now_ms = now;
		zsipi_emit(s, &ev);
		return 0;
	}
	return new_server_txn(s, tid, zsipi_transport(s, tid), src, m, now);
}

int zsipi_rx_response(struct zsip_stack *s, int tid, const struct zsip_addr *src,
		      const struct zsip_msg *m, uint64_t now)
{
	s->st.rx_responses++;
	struct zsip_txn *tx = zsipi_match_client(s, m->via.branch, &m->cseq);
	if (!tx) {
		s->st.rx_stray_responses++;
		struct zsip_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.type = ZSIP_EV_STRAY_RESPONSE;
		ev.msg = m;
		ev.transport_id = tid;
		ev.src = src;
		ev.now_ms = now;
		zsipi_emit(s, &ev);
		return 0;
	}
	/* §18.1.2: a sent-by other than ours means it was misrouted. */
	if (!zsipi_same_ci(tx->via_host, m->via.host) || tx->via_port != m->via.port ||
	    m->status < 100) {
		s->st.rx_bad_responses++;
		return ZSIP_ENOTFOUND;
	}
	int in = m->status < 200 ? ZSIPI_IN_RX_1XX
		 : m->status < 300 ? ZSIPI_IN_RX_2XX
				   : ZSIPI_IN_RX_FINAL;
	struct zsipi_rx rx = { m, NULL, 0, 0, { NULL, 0 }, tid, src, now };
	zsipi_txn_input(tx, in, &rx);
	return 0;
}

/* ------------------------------------------------------------ TU API */

/* A response from the TU, checked, into the state machine. */
static int respond(struct zsip_txn *tx, const char *buf, size_t len, int status,
		   struct zsip_str to_tag, uint64_t now)
{
	int in = status < 200 ? ZSIPI_IN_TU_1XX
		 : status < 300 ? ZSIPI_IN_TU_2XX
				: ZSIPI_IN_TU_FINAL;
	struct zsipi_rx rx = { NULL, buf, len, status, to_tag, tx->transport, NULL, now };
	return zsipi_txn_input(tx, in, &rx);
}

int zsip_txn_respond(struct zsip_txn *tx, const char *buf, size_t len, uint64_t now_ms)
{
	if (!tx || !buf || !len)
		return ZSIP_EINVAL;
	struct zsip_stack *s = tx->stack;
	if (!zsipi_is_server(tx) || tx->state == ZSIP_TXN_TERMINATED)
		return ZSIP_ESTATE;
	uint64_t now = zsipi_advance(s, now_ms);

	struct zsip_msg m;
	int used = zsip_msg_parse(&m, buf, len, &s->limits);
	if (used < 0 || m.is_request || m.cseq.num != tx->cseq ||
	    m.cseq.method_id != tx->method_id ||
	    (tx->method_id == ZSIP_METHOD_OTHER && !zsip_str_eq(m.cseq.method, tx->method)) ||
	    m.status < 100 || m.status > 699)
		return ZSIP_EINVAL;
	return respond(tx, buf, (size_t)used, m.status, m.to.tag, now);
}

int zsip_txn_reply(struct zsip_txn *tx, const struct zsip_response *resp, uint64_t now_ms)
{
	return zsipi_txn_reply(tx, resp, (struct zsip_str){ NULL, 0 }, now_ms);
}

int zsipi_txn_reply(struct zsip_txn *tx, const struct zsip_response *resp, struct zsip_str lines,
		    uint64_t now_ms)
{
	if (!tx || !resp)
		return ZSIP_EINVAL;
	struct zsip_stack *s = tx->stack;
	if (!zsipi_is_server(tx) || tx->state == ZSIP_TXN_TERMINATED)
		return ZSIP_ESTATE;
	if (resp->code < 100 || resp->code > 699)
		return ZSIP_EINVAL;
	char *out = ZSIPI_SCRATCH_B(s);
	int n = zsipi_build_response_copies(out, s->scratch_cap, tx->req, zsipi_txn_copies(tx),
					    tx->ncopy, tx->to_tag.p != NULL, lines, resp);
	if (n < 0)
		return n;
	if ((size_t)n > s->scratch_cap)
		return ZSIP_ETOOBIG;
	/* Built from our own request, it needs no checking; only RFC 2543
	 * transactions need to know where its To tag lies (ACK matching). */
	if (!tx->cookie)
		return zsip_txn_respond(tx, out, (size_t)n, now_ms);
	return respond(tx, out, (size_t)n, resp->code, (struct zsip_str){ NULL, 0 },
		       zsipi_advance(s, now_ms));
}

int zsip_txn_terminate(struct zsip_txn *tx)
{
	if (!tx)
		return ZSIP_EINVAL;
	if (tx->state == ZSIP_TXN_TERMINATED)
		return ZSIP_ESTATE;
	zsipi_txn_timer_stop(tx, (enum zsipi_timer_id)tx->end_id);
	zsipi_txn_end(tx, tx->stack->now);
	return 0;
}

enum zsip_txn_kind zsip_txn_kind(const struct zsip_txn *tx)
{
	return (enum zsip_txn_kind)tx->kind;
}

enum zsip_txn_state zsip_txn_state(const struct zsip_txn *tx)
{
	return (enum zsip_txn_state)tx->state;
}

enum zsip_method zsip_txn_method(const struct zsip_txn *tx)
{
	return (enum zsip_method)tx->method_id;
}

struct zsip_str zsip_txn_request(const struct zsip_txn *tx)
{
	return (struct zsip_str){ tx->req, tx->req_len };
}

struct zsip_str zsip_txn_branch(const struct zsip_txn *tx)
{
	return tx->branch;
}

const struct zsip_addr *zsip_txn_peer(const struct zsip_txn *tx)
{
	return &tx->peer;
}

int zsip_txn_transport(const struct zsip_txn *tx)
{
	return tx->transport;
}

int zsip_txn_status(const struct zsip_txn *tx)
{
	return tx->status;
}

void *zsip_txn_user(const struct zsip_txn *tx)
{
	return tx->user;
}

void zsip_txn_set_user(struct zsip_txn *tx, void *user)
{
	tx->user = user;
}

void zsip_txn_set_handler(struct zsip_txn *tx, void (*on_event)(void *user, const struct zsip_event *ev),
			  void *user)
{
	tx->on_event = on_event;
	tx->ev_user = user;
}

struct zsip_stack *zsip_txn_stack(const struct zsip_txn *tx)
{
	return tx->stack;
}
