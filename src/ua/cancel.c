/* Ending calls: the one hang-up that picks CANCEL, BYE or a rejection from
 * the state; CANCEL out (§9.1: only after a 1xx, give up after 64*T1) and
 * in (§9.2: 200, then 487 to the INVITE); BYE out and in (§15.1). */
#include <string.h>

#include "ua/ua_int.h"

static const struct zsip_str NONE = { NULL, 0 };

static void cancel_giveup(struct zsipi_timer *t, uint64_t now)
{
	struct zsip_call *c = CALL_OF(t, t_end);
	struct zsip_ua *ua = c->ua;
	zsipi_ua_enter(ua);
	/* §9.1: no final response within 64*T1 of the CANCEL: the INVITE is
	 * over. */
	if (c->inv && zsip_txn_status(c->inv) < 200) {
		zsip_txn_terminate(c->inv);
		zsipi_call_drop_txn(c, &c->inv);
		zsipi_call_finish(c, ZSIP_UA_FAILED, 408, ZSIP_ETIMEOUT, ZSIP_UA_END_LOCAL, NULL, now);
	}
	zsipi_call_check(c);
	zsipi_ua_leave(ua);
}

void zsipi_uac_send_cancel(struct zsip_call *c, uint64_t now)
{
	struct zsip_ua *ua = c->ua;
	if (!c->inv || zsip_txn_status(c->inv) >= 200)
		return;
	struct zsip_msg inv;
	struct zsip_str raw = zsip_txn_request(c->inv);
	if (zsip_msg_parse(&inv, raw.p, raw.len, &ua->s->limits) < 0)
		return;
	/* §9.1: Request-URI, Call-ID, To, From, CSeq number and Route of the
	 * INVITE, its top Via only (same branch). */
	const struct zsip_hdr *via = zsip_msg_find(&inv, ZSIP_HDR_VIA);
	const struct zsip_hdr *route = zsip_msg_find(&inv, ZSIP_HDR_ROUTE);
	struct zsip_str cur = via->value, top;
	if (zsip_value_next(&cur, &top) != 1)
		return;
	struct zsipi_req r = {
		.method = ZSIP_STR("CANCEL"), .ruri = inv.ruri_str, .via = top,
		.from = zsip_msg_find(&inv, ZSIP_HDR_FROM)->value,
		.to = zsip_msg_find(&inv, ZSIP_HDR_TO)->value, .call_id = inv.call_id,
		.routes = route ? route->value : NONE, .cseq = inv.cseq.num,
		.branch = inv.via.branch, .via_host = inv.via.host, .via_port = inv.via.port,
		.from_tag = inv.from.tag, .to_tag = inv.to.tag,
	};
	struct zsipi_req_keys k;
	int n = zsipi_write_request(ua->work, ua->work_cap, &r, &k);
	if (n < 0 || (size_t)n >= ua->work_cap)
		return;
	struct zsip_txn *tx = NULL;
	/* Nothing waits for the CANCEL's own response: the INVITE's 487
	 * tells (§9.1). Its events go to the sink, which drops them. */
	if (zsipi_stack_request_keyed(ua->s, zsip_txn_transport(c->inv), zsip_txn_peer(c->inv), ua->work,
				      (size_t)n, &k, NULL, now, &tx) == 0)
		c->flags |= CALL_CANCELLED;
	zsipi_call_timer(c, &c->t_end, now + 64ull * ua->s->t1, cancel_giveup);
}

void zsipi_call_send_bye(struct zsip_call *c, enum zsip_ua_end_reason reason, uint64_t now)
{
	c->state = ZSIP_CALL_ENDING;
	c->end_reason = (uint8_t)reason;
	if (c->bye)
		return;
	/* The peer's re-INVITE we have not answered will not be (§15.1.2's
	 * rule, applied on our side too). */
	if (c->reinv && !(c->flags & CALL_REINV_OUT) && zsip_txn_status(c->reinv) < 200) {
		zsipi_ua_reply(c->ua, c->reinv, 487, NONE, NONE, now);
		zsipi_call_drop_txn(c, &c->reinv);
	}
	int rc = zsipi_dlg_send(c, c->dlg, "BYE", 0, NONE, NONE, NONE, now, &c->bye);
	if (rc < 0)
		zsipi_call_finish(c, ZSIP_UA_ENDED, 0, rc, reason, NULL, now);
}

void zsipi_bye_event(struct zsip_call *c, const struct zsip_event *ev)
{
	enum zsip_ua_end_reason reason = (enum zsip_ua_end_reason)c->end_reason;
	switch (ev->type) {
	case ZSIP_EV_RESPONSE: {
		int st = ev->msg->status;
		if (st < 200)
			return;
		if ((st == 401 || st == 407) && c->ua->cfg.cred &&
		    zsipi_uac_auth_retry(c, c->bye, ev->msg, ev->now_ms, &c->bye) == 0)
			return;
		/* Whatever the answer, the dialog is over (§15.1.1). */
		zsipi_call_finish(c, ZSIP_UA_ENDED, st, 0, reason, ev->msg, ev->now_ms);
		return;
	}
	case ZSIP_EV_TIMEOUT:
	case ZSIP_EV_TRANSPORT_ERROR:
		zsipi_call_finish(c, ZSIP_UA_ENDED, ev->type == ZSIP_EV_TIMEOUT ? 408 : 503, ev->err,
				  reason, NULL, ev->now_ms);
		return;
	case ZSIP_EV_TERMINATED:
		zsipi_call_drop_txn(c, &c->bye);
		return;
	default:
		return;
	}
}

int zsipi_call_hangup(struct zsip_call *c, uint64_t now)
{
	if (c->flags & (CALL_DONE | CALL_HUNGUP))
		return ZSIP_ESTATE;
	c->flags |= CALL_HUNGUP;
	struct zsip_ua *ua = c->ua;
	if (c->outgoing) {
		if (c->state == ZSIP_CALL_ESTABLISHED) {
			/* Inside ANSWERED: the ACK goes first. */
			if (ua->acking == c && !(c->flags & CALL_ACK_SENT))
				zsipi_uac_ack(c, c->dlg, c->inv_cseq, NONE, NONE, 1, now);
			zsipi_call_send_bye(c, ZSIP_UA_END_LOCAL, now);
			return 0;
		}
		/* §9.1: a pending INVITE is cancelled, never BYEd; not before
		 * a provisional response came. */
		c->state = ZSIP_CALL_ENDING;
		if (c->flags & CALL_GOT_1XX)
			zsipi_uac_send_cancel(c, now);
		else
			c->flags |= CALL_CANCEL_HELD;
		return 0;
	}
	switch (c->state) {
	case ZSIP_CALL_INCOMING:
	case ZSIP_CALL_EARLY: {
		int rc = zsip_call_respond(c, 603, NULL, NONE, NULL, NULL, now);
		/* Not sent (out of memory): the call is still ours to end;
		 * a later hangup must try again, not get ZSIP_ESTATE. */
		if (rc < 0)
			c->flags &= (uint16_t)~CALL_HUNGUP;
		return rc;
	}
	case ZSIP_CALL_CONNECTING:
		/* §15: not before the ACK of our 2xx (or its timeout). */
		c->flags |= CALL_BYE_HELD;
		c->state = ZSIP_CALL_ENDING;
		return 0;
	default:
		zsipi_call_send_bye(c, ZSIP_UA_END_LOCAL, now);
		return 0;
	}
}

int zsip_call_hangup(struct zsip_call *c, uint64_t now_ms)
{
	if (!c)
		return ZSIP_EINVAL;
	zsipi_ua_enter(c->ua);
	struct zsip_ua *ua = c->ua;
	int rc = zsipi_call_hangup(c, now_ms);
	zsipi_ua_leave(ua);
	return rc;
}

static void reply_ok(struct zsip_ua *ua, const struct zsip_event *ev)
{
	zsipi_ua_reply(ua, ev->txn, 200, NONE, NONE, ev->now_ms);
}

void zsipi_rx_cancel(struct zsip_ua *ua, const struct zsip_event *ev)
{
	struct zsip_txn *target = ev->cancel_target;
	if (!target) {
		/* §9.2: nothing to cancel. */
		zsipi_ua_reply(ua, ev->txn, 481, NONE, NONE, ev->now_ms);
		return;
	}
	/* §9.2: the CANCEL gets its 200 whatever happens to the INVITE. */
	reply_ok(ua, ev);
	struct zsip_call *c = zsip_txn_user(target);
	if (!c || zsip_txn_status(target) >= 200)
		return; /* already answered: the CANCEL changes nothing */
	struct zsip_str tag = zsipi_dlg_str(c->dlg, c->dlg->local_tag);
	zsipi_ua_reply(ua, target, 487, tag, NONE, ev->now_ms);
	if (target == c->inv)
		zsipi_call_finish(c, ZSIP_UA_FAILED, 487, 0, ZSIP_UA_END_REMOTE, ev->msg, ev->now_ms);
	else if (target == c->reinv)
		zsipi_call_drop_txn(c, &c->reinv);
}

void zsipi_rx_bye(struct zsip_call *c, const struct zsip_event *ev)
{
	struct zsip_ua *ua = c->ua;
	reply_ok(ua, ev);
	if (c->flags & CALL_DONE)
		return;
	struct zsip_str tag = zsipi_dlg_str(c->dlg, c->dlg->local_tag);
	/* §15.1.2: pending requests of the dialog get 487. */
	if (c->reinv && !(c->flags & CALL_REINV_OUT) && zsip_txn_status(c->reinv) < 200) {
		zsipi_ua_reply(ua, c->reinv, 487, tag, NONE, ev->now_ms);
		zsipi_call_drop_txn(c, &c->reinv);
	}
	if (!c->outgoing && c->inv && zsip_txn_status(c->inv) < 200) {
		/* The caller ended the early dialog (§15). */
		zsipi_ua_reply(ua, c->inv, 487, tag, NONE, ev->now_ms);
		zsipi_call_finish(c, ZSIP_UA_FAILED, 487, 0, ZSIP_UA_END_REMOTE, ev->msg, ev->now_ms);
		return;
	}
	if (c->outgoing && c->state != ZSIP_CALL_ESTABLISHED && c->state != ZSIP_CALL_ENDING)
		return; /* a BYE on an early dialog of ours: the INVITE decides */
	if (c->flags & CALL_WAIT_ACK)
		zsipi_uas_stop_retx(c); /* BYE before the ACK (RFC 5407 §3.2.1) */
	if (c->bye)
		return; /* BYEs crossed: ours ends the call when answered */
	zsipi_call_finish(c, ZSIP_UA_ENDED, 0, 0, ZSIP_UA_END_REMOTE, ev->msg, ev->now_ms);
}
