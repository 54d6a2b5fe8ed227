/* re-INVITE both ways (RFC 3261 §14): ours with its ACK and the §14.1
 * retry after a 491; the peer's with 491 while one of ours is pending
 * (glare) and 500 while one of its own is (§14.2). */
#include <string.h>

#include "msg/wbuf.h"
#include "ua/ua_int.h"

static const struct zsip_str NONE = { NULL, 0 };

/* Our re-INVITE is still waiting for its final response. */
static int reinv_out_pending(const struct zsip_call *c)
{
	return c->reinv && (c->flags & CALL_REINV_OUT) && !(c->flags & CALL_REINV_FINAL);
}

/* The peer's re-INVITE is still waiting for our final response. */
static int reinv_in_pending(const struct zsip_call *c)
{
	return c->reinv && !(c->flags & CALL_REINV_OUT);
}

static void done(struct zsip_call *c, int status, int err, const struct zsip_event *ev,
		 uint64_t now)
{
	zsipi_call_free_offer(c);
	struct zsip_ua_event uev = {
		.type = ZSIP_UA_REINVITE_DONE, .call = c, .user = c->user, .status = status,
		.err = err, .msg = ev ? ev->msg : NULL, .transport_id = ev ? ev->transport_id : -1,
		.src = ev ? ev->src : NULL, .now_ms = now,
	};
	zsipi_ua_emit(c->ua, &uev);
}

int zsipi_reinvite_send(struct zsip_call *c, struct zsip_str ctype, struct zsip_str body,
			uint64_t now)
{
	/* The previous one may still be there for its 2xx retransmissions. */
	if (c->reinv)
		zsipi_call_drop_txn(c, &c->reinv);
	c->flags |= CALL_REINV_OUT;
	c->flags &= (uint16_t)~CALL_REINV_FINAL;
	return zsipi_dlg_send(c, c->dlg, "INVITE", 0, NONE, ctype, body, now, &c->reinv);
}

/* "content-type\0body", kept for the retry after a 491. */
static int keep_offer(struct zsip_call *c, struct zsip_str ctype, struct zsip_str body)
{
	struct zsipi_mem *mem = &c->ua->s->mem;
	zsipi_call_free_offer(c);
	size_t n = ctype.len + 1 + body.len;
	c->offer = zsipi_mem_alloc(mem, n);
	if (!c->offer)
		return ZSIP_ENOMEM;
	if (ctype.len)
		memcpy(c->offer, ctype.p, ctype.len);
	c->offer[ctype.len] = '\0';
	if (body.len)
		memcpy(c->offer + ctype.len + 1, body.p, body.len);
	c->offer_len = (uint32_t)n;
	return 0;
}

static void offer_of(const struct zsip_call *c, struct zsip_str *ctype, struct zsip_str *body)
{
	size_t tl = strlen(c->offer);
	*ctype = (struct zsip_str){ c->offer, tl };
	*body = (struct zsip_str){ c->offer + tl + 1, c->offer_len - tl - 1 };
}

int zsip_call_reinvite(struct zsip_call *c, struct zsip_str body, const char *content_type,
		       uint64_t now_ms)
{
	if (!c || !zsipi_valid_value(zsip_str_c(content_type)))
		return ZSIP_EINVAL;
	if ((c->flags & (CALL_DONE | CALL_HUNGUP)) || c->state != ZSIP_CALL_ESTABLISHED)
		return ZSIP_ESTATE;
	if (reinv_out_pending(c) || reinv_in_pending(c) || (c->flags & (CALL_WAIT_ACK | CALL_REINV_WAIT)))
		return ZSIP_EPENDING;
	struct zsip_ua *ua = c->ua;
	zsipi_ua_enter(ua);
	struct zsip_str ctype = zsip_str_c(content_type);
	int rc = keep_offer(c, ctype, body);
	if (rc == 0) {
		struct zsip_str t, b;
		offer_of(c, &t, &b);
		rc = zsipi_reinvite_send(c, t, b, now_ms);
	}
	if (rc < 0)
		zsipi_call_free_offer(c);
	zsipi_ua_leave(ua);
	return rc;
}

static void glare_retry(struct zsipi_timer *t, uint64_t now)
{
	struct zsip_call *c = CALL_OF(t, t_glare);
	struct zsip_ua *ua = c->ua;
	zsipi_ua_enter(ua);
	c->flags &= (uint16_t)~CALL_REINV_WAIT;
	if ((c->flags & (CALL_DONE | CALL_HUNGUP)) || !c->offer) {
		zsipi_call_free_offer(c);
	} else if (reinv_in_pending(c) || (c->flags & CALL_WAIT_ACK)) {
		/* The peer's re-INVITE went first: wait for it to finish. */
		c->flags |= CALL_REINV_WAIT;
		zsipi_call_timer(c, &c->t_glare, now + 1000, glare_retry);
	} else {
		struct zsip_str ctype, body;
		offer_of(c, &ctype, &body);
		int rc = zsipi_reinvite_send(c, ctype, body, now);
		if (rc < 0)
			done(c, 500, rc, NULL, now);
	}
	zsipi_call_check(c);
	zsipi_ua_leave(ua);
}

/* §14.1: after a 491, retry in 2.1-4 s when we chose the Call-ID (we
 * placed the call), else in 0-2 s, in units of 10 ms. */
static uint64_t glare_delay(struct zsip_call *c)
{
	uint64_t r = zsipi_random64(c->ua->s);
	return c->outgoing ? 2100 + (r % 191) * 10 : (r % 201) * 10;
}

void zsipi_reinvite_event(struct zsip_call *c, const struct zsip_event *ev)
{
	if (!(c->flags & CALL_REINV_OUT)) {
		/* The peer's re-INVITE: only its end matters here. */
		if (ev->type == ZSIP_EV_TERMINATED)
			zsipi_call_drop_txn(c, &c->reinv);
		return;
	}
	switch (ev->type) {
	case ZSIP_EV_RESPONSE: {
		const struct zsip_msg *m = ev->msg;
		int st = m->status;
		if (st < 200)
			return;
		if (st < 300) {
			if (c->flags & CALL_REINV_FINAL) {
				/* A retransmitted 2xx: the same ACK again. */
				if (c->out && c->out_cseq == m->cseq.num)
					zsipi_uac_ack(c, c->dlg, m->cseq.num, NONE, NONE, 0, ev->now_ms);
				return;
			}
			c->flags |= CALL_REINV_FINAL;
			/* §12.2.1.2: a 2xx to a target refresh updates the target. */
			struct zsip_str target = zsipi_contact_uri(m);
			if (target.p)
				zsipi_dlg_refresh(&c->ua->s->mem, &c->dlg, target, NONE);
			zsipi_uac_ack(c, c->dlg, m->cseq.num, NONE, NONE, 1, ev->now_ms);
			if (!(c->flags & CALL_DONE))
				done(c, st, 0, ev, ev->now_ms);
			return;
		}
		c->flags |= CALL_REINV_FINAL;
		if (c->flags & CALL_DONE)
			return;
		if ((st == 401 || st == 407) && c->ua->cfg.cred) {
			if (zsipi_uac_auth_retry(c, c->reinv, m, ev->now_ms, &c->reinv) == 0) {
				c->flags &= (uint16_t)~CALL_REINV_FINAL;
				return;
			}
		}
		if (st == 491) {
			zsipi_call_drop_txn(c, &c->reinv);
			c->flags |= CALL_REINV_WAIT;
			zsipi_call_timer(c, &c->t_glare, ev->now_ms + glare_delay(c), glare_retry);
			return;
		}
		zsipi_call_drop_txn(c, &c->reinv);
		if (st == 481 || st == 408) {
			/* §14.1: the dialog is gone (481) or unreachable (408). */
			zsipi_call_free_offer(c);
			if (st == 408 && !(c->flags & CALL_HUNGUP))
				zsipi_call_send_bye(c, ZSIP_UA_END_DIALOG_GONE, ev->now_ms);
			else
				zsipi_call_finish(c, ZSIP_UA_ENDED, st, 0, ZSIP_UA_END_DIALOG_GONE, m,
						  ev->now_ms);
			return;
		}
		/* Any other failure leaves the session as it was (§14.1). */
		done(c, st, 0, ev, ev->now_ms);
		return;
	}
	case ZSIP_EV_TIMEOUT:
	case ZSIP_EV_TRANSPORT_ERROR:
		c->flags |= CALL_REINV_FINAL;
		if (c->flags & CALL_DONE)
			return;
		done(c, ev->type == ZSIP_EV_TIMEOUT ? 408 : 503, ev->err, NULL, ev->now_ms);
		if (!(c->flags & (CALL_DONE | CALL_HUNGUP)))
			zsipi_call_send_bye(c, ZSIP_UA_END_DIALOG_GONE, ev->now_ms);
		return;
	case ZSIP_EV_TERMINATED:
		zsipi_call_drop_txn(c, &c->reinv);
		return;
	default:
		return;
	}
}

void zsipi_rx_reinvite(struct zsip_call *c, const struct zsip_event *ev)
{
	struct zsip_ua *ua = c->ua;
	if (c->flags & (CALL_DONE | CALL_HUNGUP)) {
		zsipi_ua_reply(ua, ev->txn, 481, NONE, NONE, ev->now_ms);
		return;
	}
	if (reinv_in_pending(c) || (!c->outgoing && c->inv && zsip_txn_status(c->inv) < 200)) {
		/* §14.2: an INVITE of the peer is still unanswered. */
		zsipi_ua_reply(ua, ev->txn, 500, NONE, ZSIP_STR("Retry-After: 3\r\n"), ev->now_ms);
		return;
	}
	if (reinv_out_pending(c) || (c->flags & CALL_WAIT_ACK) || c->state != ZSIP_CALL_ESTABLISHED) {
		/* §14.2: ours is pending (or our 2xx is not ACKed): glare. */
		zsipi_ua_reply(ua, ev->txn, 491, NONE, NONE, ev->now_ms);
		return;
	}
	if (c->reinv)
		zsipi_call_drop_txn(c, &c->reinv); /* our older one, finished */
	c->reinv = ev->txn;
	c->flags &= (uint16_t)~(CALL_REINV_OUT | CALL_REINV_FINAL);
	zsipi_ua_own_txn(ua, ev->txn, c);
	struct zsip_ua_event uev = {
		.type = ZSIP_UA_REINVITE, .call = c, .user = c->user, .msg = ev->msg,
		.transport_id = ev->transport_id, .src = ev->src, .now_ms = ev->now_ms,
	};
	zsipi_ua_emit(ua, &uev);
}
