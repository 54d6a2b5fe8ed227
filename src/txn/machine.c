/* The four transaction state machines of RFC 3261 §17, with the Accepted
 * state and Timers L and M of RFC 6026. One function per machine, a switch
 * on the RFC's state, and in it a switch on the input: read it beside the
 * figures of §17.1.1.2 (INVITE client), §17.1.2.2 (non-INVITE client),
 * §17.2.1 (INVITE server) and §17.2.2 (non-INVITE server), and RFC 6026
 * §7.1-7.2.
 *
 * Inputs that a state does not list are absorbed: a stray 1xx in
 * Completed, a TU response after the final one (ZSIP_ESTATE), and so on. */
#include <stdio.h>
#include <string.h>

#include "txn/txn.h"

static uint64_t t64(const struct zsip_stack *s)
{
	return 64ull * s->t1;
}

static uint32_t min_t2(const struct zsip_stack *s, uint64_t ms)
{
	return ms < s->t2 ? (uint32_t)ms : s->t2;
}

static void pass_up(struct zsip_txn *tx, enum zsip_event_type type, const struct zsipi_rx *rx)
{
	struct zsip_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.txn = tx;
	ev.msg = rx->msg;
	ev.transport_id = rx->src ? rx->transport : tx->transport;
	ev.src = rx->src;
	ev.now_ms = rx->now;
	zsipi_txn_emit(tx, &ev);
}

/* Timer B, F (§17.1.1.2, §17.1.2.2) or H (§17.2.1): tell the TU, end. */
static int timed_out(struct zsip_txn *tx, uint64_t now)
{
	struct zsip_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = ZSIP_EV_TIMEOUT;
	ev.txn = tx;
	ev.transport_id = tx->transport;
	ev.err = ZSIP_ETIMEOUT;
	ev.now_ms = now;
	tx->stack->st.txn_timeouts++;
	zsipi_txn_emit(tx, &ev);
	zsipi_txn_end(tx, now);
	return 0;
}

/* §17.1.4, §17.2.4: a send the transaction made on its own failed. */
static int transport_error(struct zsip_txn *tx, uint64_t now)
{
	if (tx->state == ZSIP_TXN_TERMINATED)
		return 0;
	struct zsip_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = ZSIP_EV_TRANSPORT_ERROR;
	ev.txn = tx;
	ev.transport_id = tx->transport;
	ev.err = ZSIP_ETRANSPORT;
	ev.now_ms = now;
	zsipi_txn_emit(tx, &ev);
	zsipi_txn_end(tx, now);
	return 0;
}

static int send_bytes(struct zsip_txn *tx, const char *buf, size_t len)
{
	return zsipi_send(tx->stack, tx->transport, &tx->peer, buf, len);
}

static int send_trying(struct zsip_txn *tx);

/* Sends tx->out again (a retransmission), or our 100 Trying, which is not
 * kept. Nothing sent yet: nothing to do. */
static int resend_out(struct zsip_txn *tx)
{
	int trying = !tx->out_len && tx->kind == ZSIP_TXN_SERVER_INVITE && tx->status == 100;
	if (!tx->out_len && !trying)
		return 0;
	tx->stack->st.tx_retransmissions++;
	if (trying)
		return send_trying(tx);
	return send_bytes(tx, tx->out, tx->out_len);
}

static int resend_request(struct zsip_txn *tx)
{
	tx->stack->st.tx_retransmissions++;
	return send_bytes(tx, tx->req, tx->req_len);
}

/* A response from the TU becomes the one to retransmit, then goes out.
 * A transport failure ends the transaction (§17.2.4): the TU learns it
 * from the return value. */
static int send_tu_response(struct zsip_txn *tx, const struct zsipi_rx *rx, int end_on_error)
{
	int rc = zsipi_txn_store_out(tx, rx->buf, rx->len, rx->to_tag);
	if (rc != 0)
		return rc;
	tx->status = (uint16_t)rx->status;
	if (send_bytes(tx, tx->out, tx->out_len) != 0) {
		if (end_on_error)
			zsipi_txn_end(tx, rx->now);
		return ZSIP_ETRANSPORT;
	}
	return 0;
}

/* The first comma-separated value of the first field with id. */
static struct zsip_str first_value(const struct zsip_msg *m, enum zsip_hdr_id id)
{
	struct zsip_str v = { NULL, 0 };
	const struct zsip_hdr *h = zsip_msg_find(m, id);
	if (h) {
		struct zsip_str cur = h->value;
		if (zsip_value_next(&cur, &v) != 1)
			v = h->value;
	}
	return v;
}

static struct zsip_str field_value(const struct zsip_msg *m, enum zsip_hdr_id id)
{
	const struct zsip_hdr *h = zsip_msg_find(m, id);
	return h ? h->value : (struct zsip_str){ NULL, 0 };
}

/* §17.1.1.3: the ACK for a non-2xx final response. Request-URI, Call-ID,
 * From, CSeq number and the single top Via of the INVITE; To of the
 * response; the INVITE's Route header fields. Kept in tx->out so that
 * response retransmissions get it again. */
static int build_ack(struct zsip_txn *tx, const struct zsip_msg *resp)
{
	struct zsip_stack *s = tx->stack;
	struct zsip_msg req;
	if (zsip_msg_parse(&req, tx->req, tx->req_len, &s->limits) < 0)
		return ZSIP_EINVAL;
	struct zsip_field f[ZSIP_MAX_HEADERS + 6];
	size_t n = 0;
	char cseq[24];
	snprintf(cseq, sizeof(cseq), "%lu ACK", (unsigned long)tx->cseq);

	f[n++] = (struct zsip_field){ ZSIP_STR("Via"), first_value(&req, ZSIP_HDR_VIA) };
	for (const struct zsip_hdr *h = zsip_msg_find(&req, ZSIP_HDR_ROUTE); h;
	     h = zsip_msg_find_next(&req, h))
		f[n++] = (struct zsip_field){ ZSIP_STR("Route"), h->value };
	f[n++] = (struct zsip_field){ ZSIP_STR("Max-Forwards"), ZSIP_STR("70") };
	f[n++] = (struct zsip_field){ ZSIP_STR("From"), field_value(&req, ZSIP_HDR_FROM) };
	f[n++] = (struct zsip_field){ ZSIP_STR("To"), field_value(resp, ZSIP_HDR_TO) };
	f[n++] = (struct zsip_field){ ZSIP_STR("Call-ID"), req.call_id };
	f[n++] = (struct zsip_field){ ZSIP_STR("CSeq"), zsip_str_c(cseq) };

	struct zsip_request ack = { ZSIP_STR("ACK"), req.ruri_str, f, n, { NULL, 0 } };
	char *out = ZSIPI_SCRATCH_B(s);
	int len = zsip_build_request(out, s->scratch_cap, &ack);
	if (len < 0)
		return len;
	if ((size_t)len > s->scratch_cap)
		return ZSIP_ETOOBIG;
	return zsipi_txn_store_out(tx, out, (size_t)len, (struct zsip_str){ NULL, 0 });
}

/* §17.2.1: the 100 Trying the transaction sends itself, with the
 * request's Timestamp (§8.2.6.1) and no To tag. Built again from the
 * request for each retransmission rather than kept: most INVITEs get a
 * response from the TU before any retransmission. */
static int send_trying(struct zsip_txn *tx)
{
	struct zsip_stack *s = tx->stack;
	struct zsip_response r;
	memset(&r, 0, sizeof(r));
	r.code = 100;
	char *out = ZSIPI_SCRATCH_B(s);
	int len = zsipi_build_response_copies(out, s->scratch_cap, tx->req, zsipi_txn_copies(tx),
					      tx->ncopy, 1, (struct zsip_str){ NULL, 0 }, &r);
	if (len < 0 || (size_t)len > s->scratch_cap)
		return 0;
	tx->status = 100;
	return send_bytes(tx, out, (size_t)len);
}

/* ------------------------------------------------ INVITE client, §17.1.1 */

int zsipi_client_invite(struct zsip_txn *tx, int in, const struct zsipi_rx *rx)
{
	struct zsip_stack *s = tx->stack;
	uint64_t now = rx->now;

	switch (tx->state) {
	case ZSIP_TXN_CALLING:
	case ZSIP_TXN_PROCEEDING:
		switch (in) {
		case ZSIPI_TIMER_A:
			/* Calling only (Proceeding stopped it): resend, double. */
			if (resend_request(tx) != 0)
				return transport_error(tx, now);
			tx->retx_ms *= 2;
			zsipi_txn_timer(tx, ZSIPI_TIMER_A, now, tx->retx_ms);
			return 0;
		case ZSIPI_TIMER_B:
			return timed_out(tx, now);
		case ZSIPI_IN_RX_1XX:
			/* Calling -> Proceeding: no more retransmissions, and
			 * Timer B no longer runs. */
			if (tx->state == ZSIP_TXN_CALLING) {
				zsipi_txn_timer_stop(tx, ZSIPI_TIMER_A);
				zsipi_txn_timer_stop(tx, ZSIPI_TIMER_B);
				tx->state = ZSIP_TXN_PROCEEDING;
			}
			tx->status = (uint16_t)rx->msg->status;
			pass_up(tx, ZSIP_EV_RESPONSE, rx);
			return 0;
		case ZSIPI_IN_RX_2XX:
			/* RFC 6026 §7.2: Accepted, so that retransmitted and
			 * forked 2xx still reach the TU until Timer M. */
			zsipi_txn_timer_stop(tx, ZSIPI_TIMER_A);
			tx->state = ZSIP_TXN_ACCEPTED;
			zsipi_txn_timer(tx, ZSIPI_TIMER_M, now, t64(s));
			tx->status = (uint16_t)rx->msg->status;
			pass_up(tx, ZSIP_EV_RESPONSE, rx);
			return 0;
		case ZSIPI_IN_RX_FINAL: {
			/* §17.1.1.2: Completed; ACK it (§17.1.1.3), pass it up;
			 * Timer D absorbs the retransmissions. */
			zsipi_txn_timer_stop(tx, ZSIPI_TIMER_A);
			tx->state = ZSIP_TXN_COMPLETED;
			zsipi_txn_timer(tx, ZSIPI_TIMER_D, now, tx->reliable ? 0 : s->timer_d);
			tx->status = (uint16_t)rx->msg->status;
			int rc = build_ack(tx, rx->msg);
			if (rc == 0)
				rc = send_bytes(tx, tx->out, tx->out_len);
			pass_up(tx, ZSIP_EV_RESPONSE, rx);
			if (rc == ZSIP_ETRANSPORT)
				transport_error(tx, now);
			return 0;
		}
		}
		break;

	case ZSIP_TXN_COMPLETED:
		switch (in) {
		case ZSIPI_IN_RX_FINAL:
			/* A retransmission: ACK again, not passed up. */
			s->st.rx_retransmissions++;
			if (resend_out(tx) != 0)
				return transport_error(tx, now);
			return 0;
		case ZSIPI_TIMER_D:
			zsipi_txn_end(tx, now);
			return 0;
		}
		break;

	case ZSIP_TXN_ACCEPTED:
		switch (in) {
		case ZSIPI_IN_RX_2XX:
			/* RFC 6026 §7.2: each 2xx goes up; the TU ACKs it. */
			pass_up(tx, ZSIP_EV_RESPONSE, rx);
			return 0;
		case ZSIPI_TIMER_M:
			zsipi_txn_end(tx, now);
			return 0;
		}
		break;
	}
	if (in >= ZSIPI_IN_RX_1XX && in <= ZSIPI_IN_RX_FINAL)
		s->st.rx_retransmissions++;
	return 0;
}

/* -------------------------------------------- non-INVITE client, §17.1.2 */

int zsipi_client_non_invite(struct zsip_txn *tx, int in, const struct zsipi_rx *rx)
{
	struct zsip_stack *s = tx->stack;
	uint64_t now = rx->now;

	switch (tx->state) {
	case ZSIP_TXN_TRYING:
	case ZSIP_TXN_PROCEEDING:
		switch (in) {
		case ZSIPI_TIMER_E:
			/* Trying: doubling up to T2; Proceeding: T2. */
			if (resend_request(tx) != 0)
				return transport_error(tx, now);
			tx->retx_ms = tx->state == ZSIP_TXN_PROCEEDING
					      ? s->t2
					      : min_t2(s, 2ull * tx->retx_ms);
			zsipi_txn_timer(tx, ZSIPI_TIMER_E, now, tx->retx_ms);
			return 0;
		case ZSIPI_TIMER_F:
			return timed_out(tx, now);
		case ZSIPI_IN_RX_1XX:
			tx->state = ZSIP_TXN_PROCEEDING;
			tx->status = (uint16_t)rx->msg->status;
			pass_up(tx, ZSIP_EV_RESPONSE, rx);
			return 0;
		case ZSIPI_IN_RX_2XX:
		case ZSIPI_IN_RX_FINAL:
			/* Completed; Timer K absorbs retransmissions. */
			zsipi_txn_timer_stop(tx, ZSIPI_TIMER_E);
			tx->state = ZSIP_TXN_COMPLETED;
			zsipi_txn_timer(tx, ZSIPI_TIMER_K, now, tx->reliable ? 0 : s->t4);
			tx->status = (uint16_t)rx->msg->status;
			pass_up(tx, ZSIP_EV_RESPONSE, rx);
			return 0;
		}
		break;

	case ZSIP_TXN_COMPLETED:
		if (in == ZSIPI_TIMER_K) {
			zsipi_txn_end(tx, now);
			return 0;
		}
		break;
	}
	if (in >= ZSIPI_IN_RX_1XX && in <= ZSIPI_IN_RX_FINAL)
		s->st.rx_retransmissions++;
	return 0;
}

/* ------------------------------------------------ INVITE server, §17.2.1 */

int zsipi_server_invite(struct zsip_txn *tx, int in, const struct zsipi_rx *rx)
{
	struct zsip_stack *s = tx->stack;
	uint64_t now = rx->now;
	int rc;

	switch (tx->state) {
	case ZSIP_TXN_PROCEEDING:
		switch (in) {
		case ZSIPI_TIMER_TRYING:
			/* The TU said nothing within 200 ms. */
			if (tx->out_len == 0 && send_trying(tx) != 0)
				return transport_error(tx, now);
			return 0;
		case ZSIPI_IN_RX_REQUEST:
			/* Resend the latest provisional response, if any. */
			s->st.rx_retransmissions++;
			if (resend_out(tx) != 0)
				return transport_error(tx, now);
			return 0;
		case ZSIPI_IN_TU_1XX:
			zsipi_txn_timer_stop(tx, ZSIPI_TIMER_TRYING);
			return send_tu_response(tx, rx, 1);
		case ZSIPI_IN_TU_2XX:
			/* RFC 6026 §7.1: Accepted until Timer L. */
			zsipi_txn_timer_stop(tx, ZSIPI_TIMER_TRYING);
			rc = send_tu_response(tx, rx, 1);
			if (rc == 0) {
				tx->state = ZSIP_TXN_ACCEPTED;
				zsipi_txn_timer(tx, ZSIPI_TIMER_L, now, t64(s));
			}
			return rc;
		case ZSIPI_IN_TU_FINAL:
			/* Completed: Timer G retransmits (unreliable only),
			 * Timer H waits for the ACK. */
			zsipi_txn_timer_stop(tx, ZSIPI_TIMER_TRYING);
			rc = send_tu_response(tx, rx, 1);
			if (rc == 0) {
				tx->state = ZSIP_TXN_COMPLETED;
				if (!tx->reliable) {
					tx->retx_ms = s->t1;
					zsipi_txn_timer(tx, ZSIPI_TIMER_G, now, tx->retx_ms);
				}
				zsipi_txn_timer(tx, ZSIPI_TIMER_H, now, t64(s));
			}
			return rc;
		}
		break;

	case ZSIP_TXN_COMPLETED:
		switch (in) {
		case ZSIPI_IN_RX_REQUEST:
			s->st.rx_retransmissions++;
			if (resend_out(tx) != 0)
				return transport_error(tx, now);
			return 0;
		case ZSIPI_IN_RX_ACK:
			/* Confirmed: Timer I absorbs ACK retransmissions. */
			zsipi_txn_timer_stop(tx, ZSIPI_TIMER_G);
			tx->state = ZSIP_TXN_CONFIRMED;
			zsipi_txn_timer(tx, ZSIPI_TIMER_I, now, tx->reliable ? 0 : s->t4);
			return 0;
		case ZSIPI_TIMER_G:
			if (resend_out(tx) != 0)
				return transport_error(tx, now);
			tx->retx_ms = min_t2(s, 2ull * tx->retx_ms);
			zsipi_txn_timer(tx, ZSIPI_TIMER_G, now, tx->retx_ms);
			return 0;
		case ZSIPI_TIMER_H:
			/* The ACK never came. */
			return timed_out(tx, now);
		}
		break;

	case ZSIP_TXN_CONFIRMED:
		if (in == ZSIPI_TIMER_I) {
			zsipi_txn_end(tx, now);
			return 0;
		}
		break;

	case ZSIP_TXN_ACCEPTED:
		switch (in) {
		case ZSIPI_IN_RX_REQUEST:
			/* RFC 6026 §7.1: absorbed, not passed up; the TU's own
			 * 2xx retransmissions answer it. */
			s->st.rx_retransmissions++;
			return 0;
		case ZSIPI_IN_RX_ACK:
			pass_up(tx, ZSIP_EV_ACK, rx);
			return 0;
		case ZSIPI_IN_TU_2XX:
			/* The TU's 2xx retransmissions go down (RFC 6026 §7.1);
			 * a failure is the TU's to handle. */
			return send_tu_response(tx, rx, 0);
		case ZSIPI_TIMER_L:
			zsipi_txn_end(tx, now);
			return 0;
		}
		break;
	}
	if (in == ZSIPI_IN_RX_REQUEST || in == ZSIPI_IN_RX_ACK)
		s->st.rx_retransmissions++;
	if (in >= ZSIPI_IN_TU_1XX && in <= ZSIPI_IN_TU_FINAL)
		return ZSIP_ESTATE;
	return 0;
}

/* -------------------------------------------- non-INVITE server, §17.2.2 */

int zsipi_server_non_invite(struct zsip_txn *tx, int in, const struct zsipi_rx *rx)
{
	struct zsip_stack *s = tx->stack;
	uint64_t now = rx->now;
	int rc;

	switch (tx->state) {
	case ZSIP_TXN_TRYING:
	case ZSIP_TXN_PROCEEDING:
		switch (in) {
		case ZSIPI_IN_RX_REQUEST:
			/* Trying: discarded; Proceeding: latest provisional again. */
			s->st.rx_retransmissions++;
			if (tx->state == ZSIP_TXN_PROCEEDING && resend_out(tx) != 0)
				return transport_error(tx, now);
			return 0;
		case ZSIPI_IN_TU_1XX:
			rc = send_tu_response(tx, rx, 1);
			if (rc == 0)
				tx->state = ZSIP_TXN_PROCEEDING;
			return rc;
		case ZSIPI_IN_TU_2XX:
		case ZSIPI_IN_TU_FINAL:
			/* Completed; Timer J absorbs request retransmissions. */
			rc = send_tu_response(tx, rx, 1);
			if (rc == 0) {
				tx->state = ZSIP_TXN_COMPLETED;
				zsipi_txn_timer(tx, ZSIPI_TIMER_J, now, tx->reliable ? 0 : t64(s));
			}
			return rc;
		}
		break;

	case ZSIP_TXN_COMPLETED:
		switch (in) {
		case ZSIPI_IN_RX_REQUEST:
			s->st.rx_retransmissions++;
			if (resend_out(tx) != 0)
				return transport_error(tx, now);
			return 0;
		case ZSIPI_TIMER_J:
			zsipi_txn_end(tx, now);
			return 0;
		}
		break;
	}
	if (in >= ZSIPI_IN_TU_1XX && in <= ZSIPI_IN_TU_FINAL)
		return ZSIP_ESTATE;
	return 0;
}

int zsipi_txn_input(struct zsip_txn *tx, int in, const struct zsipi_rx *rx)
{
	switch (tx->kind) {
	case ZSIP_TXN_CLIENT_INVITE: return zsipi_client_invite(tx, in, rx);
	case ZSIP_TXN_CLIENT_NON_INVITE: return zsipi_client_non_invite(tx, in, rx);
	case ZSIP_TXN_SERVER_INVITE: return zsipi_server_invite(tx, in, rx);
	default: return zsipi_server_non_invite(tx, in, rx);
	}
}
