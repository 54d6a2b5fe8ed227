/* The called side of an INVITE (RFC 3261 §13.3): the INCOMING event, our
 * responses with one To tag per dialog, the 2xx retransmitted from T1
 * doubling to T2 until the ACK, and BYE when no ACK came within 64*T1
 * (§13.3.1.4). Also answers re-INVITEs (reinvite.c decides when). */
#include <string.h>

#include "msg/wbuf.h"
#include "txn/txn.h"
#include "ua/ua_int.h"

void zsipi_uas_invite(struct zsip_ua *ua, const struct zsip_event *ev)
{
	const struct zsip_msg *m = ev->msg;
	int err = 0;
	struct zsip_call *c = NULL;
	if (ua->ndlg < ua->cfg.max_dialogs)
		c = zsipi_call_new(ua, 0, NULL, &err);
	if (!c) {
		/* Past a cap: 503 with Retry-After, nothing kept (§21.5.4). */
		char h[40];
		struct zsipi_wbuf w = { h, sizeof(h), 0 };
		zsipi_put_c(&w, "Retry-After: ");
		zsipi_put_uint(&w, ua->cfg.retry_after_s);
		zsipi_put_c(&w, "\r\n");
		zsipi_wbuf_end(&w);
		ua->st.rejected_overload++;
		zsipi_ua_reply(ua, ev->txn, 503, (struct zsip_str){ NULL, 0 }, zsip_str_c(h),
			       ev->now_ms);
		return;
	}
	/* The To tag of every response we send in this dialog (§12.1.1). */
	char tag[16];
	zsip_stack_random_token(ua->s, tag, sizeof(tag), 10);
	c->dlg = zsipi_dlg_uas(&ua->s->mem, m, zsip_str_c(tag), 1, &err);
	if (!c->dlg) {
		zsipi_call_discard(c);
		/* §8.1.1.8: an INVITE must carry a Contact. */
		zsipi_ua_reply(ua, ev->txn, err == ZSIP_ENOMEM ? 503 : 400,
			       (struct zsip_str){ NULL, 0 }, (struct zsip_str){ NULL, 0 }, ev->now_ms);
		return;
	}
	c->ndlg = 1;
	ua->ndlg++;
	c->inv = ev->txn;
	zsipi_ua_own_txn(ua, ev->txn, c);
	c->state = ZSIP_CALL_INCOMING;
	zsipi_call_table_add(c, m->call_id);
	struct zsip_ua_event uev = {
		.type = ZSIP_UA_INCOMING, .call = c, .msg = m, .transport_id = ev->transport_id,
		.src = ev->src, .now_ms = ev->now_ms,
	};
	zsipi_ua_emit(ua, &uev);
}

static void uas_retx(struct zsipi_timer *t, uint64_t now)
{
	struct zsip_call *c = CALL_OF(t, t_retx);
	struct zsip_ua *ua = c->ua;
	if (!(c->flags & CALL_WAIT_ACK) || !c->retx_tx)
		return;
	zsipi_ua_enter(ua);
	/* §13.3.1.4: T1, 2*T1 ... capped at T2; the transaction still
	 * holds the 2xx (its last response). */
	zsip_txn_respond(c->retx_tx, c->retx_tx->out, c->retx_tx->out_len, now);
	c->retx_ms = c->retx_ms * 2 < ua->s->t2 ? c->retx_ms * 2 : ua->s->t2;
	zsipi_call_timer(c, &c->t_retx, now + c->retx_ms, uas_retx);
	zsipi_ua_leave(ua);
}

void zsipi_uas_stop_retx(struct zsip_call *c)
{
	struct zsip_ua *ua = c->ua;
	zsipi_timer_stop(&ua->s->timers, &c->t_retx);
	zsipi_timer_stop(&ua->s->timers, &c->t_end);
	c->flags &= (uint16_t)~CALL_WAIT_ACK;
	c->retx_tx = NULL;
	zsipi_mem_free(&ua->s->mem, c->out, c->out_len);
	c->out = NULL;
	c->out_len = 0;
	/* The re-INVITE we answered is over once its 2xx is acknowledged. */
	if (c->reinv && !(c->flags & CALL_REINV_OUT))
		zsipi_call_drop_txn(c, &c->reinv);
}

static void uas_no_ack(struct zsipi_timer *t, uint64_t now)
{
	struct zsip_call *c = CALL_OF(t, t_end);
	struct zsip_ua *ua = c->ua;
	zsipi_ua_enter(ua);
	zsipi_uas_stop_retx(c);
	/* §13.3.1.4: no ACK within 64*T1: the session is over, BYE. */
	if (!(c->flags & CALL_DONE))
		zsipi_call_send_bye(c, (c->flags & CALL_BYE_HELD) ? ZSIP_UA_END_LOCAL
								  : ZSIP_UA_END_NO_ACK, now);
	zsipi_call_check(c);
	zsipi_ua_leave(ua);
}

void zsipi_uas_ack(struct zsip_call *c, const struct zsip_event *ev)
{
	const struct zsip_msg *m = ev->msg;
	if (!(c->flags & CALL_WAIT_ACK) || m->cseq.num != c->out_cseq)
		return; /* a retransmitted ACK, or one for an older 2xx */
	zsipi_uas_stop_retx(c);
	if (c->flags & CALL_BYE_HELD) {
		/* §15: the BYE waited for this ACK. */
		c->flags &= (uint16_t)~CALL_BYE_HELD;
		zsipi_call_send_bye(c, ZSIP_UA_END_LOCAL, ev->now_ms);
		return;
	}
	if (c->flags & CALL_DONE)
		return;
	if (c->state == ZSIP_CALL_CONNECTING)
		c->state = ZSIP_CALL_ESTABLISHED;
	struct zsip_ua_event uev = {
		.type = ZSIP_UA_CONFIRMED, .call = c, .user = c->user, .msg = m,
		.transport_id = ev->transport_id, .src = ev->src, .now_ms = ev->now_ms,
	};
	zsipi_ua_emit(c->ua, &uev);
}

int zsipi_uas_send(struct zsip_call *c, struct zsip_txn *tx, int status, const char *reason,
		   struct zsip_str body, const char *ctype, const char *headers, uint64_t now)
{
	struct zsip_ua *ua = c->ua;
	struct zsipi_dlg *d = c->dlg;
	char hdrs[2048];
	int n = 0;
	if (status > 100) {
		n = zsipi_ua_std_headers(ua, zsip_txn_transport(tx), 0, hdrs, sizeof(hdrs));
		if (n < 0)
			return n;
	}
	struct zsip_field f[40];
	size_t nf = 0;
	/* §12.1.1: a response that makes the dialog copies Record-Route: the
	 * UAS's route set is exactly those values, in order. */
	if (tx == c->inv && d->routes.len && status > 100 && status < 300)
		f[nf++] = (struct zsip_field){ ZSIP_STR("Record-Route"), zsipi_dlg_str(d, d->routes) };
	if (body.len)
		f[nf++] = (struct zsip_field){ ZSIP_STR("Content-Type"),
					       zsip_str_c(ctype ? ctype : "application/sdp") };
	nf += zsipi_split_fields(zsip_str_c(headers), f + nf, sizeof(f) / sizeof(f[0]) - nf);
	struct zsip_response resp = {
		.code = status, .reason = zsip_str_c(reason), .hdrs = f, .nhdrs = nf, .body = body,
		.to_tag = status > 100 ? zsipi_dlg_str(d, d->local_tag) : (struct zsip_str){ NULL, 0 },
	};
	/* Built by the transaction from the fields it kept of the request:
	 * no second parse of the INVITE. */
	/* Our own header lines go as written: made of checked parts. */
	int rc = zsipi_txn_reply(tx, &resp, (struct zsip_str){ hdrs, (size_t)n }, now);
	if (rc < 0 || status < 200 || status >= 300)
		return rc;
	/* §13.3.1.4: we retransmit the 2xx until its ACK, from the bytes the
	 * transaction keeps (it lives 64*T1 in Accepted, RFC 6026 §7.1; past
	 * that nothing retransmits). */
	zsipi_call_free_out(c);
	c->out_cseq = tx->cseq;
	c->flags |= CALL_WAIT_ACK;
	c->retx_tx = tx;
	/* Over any transport: a proxy on the way may use UDP (§13.3.1.4). */
	c->retx_ms = ua->s->t1;
	zsipi_call_timer(c, &c->t_retx, now + c->retx_ms, uas_retx);
	zsipi_call_timer(c, &c->t_end, now + 64ull * ua->s->t1, uas_no_ack);
	/* A 2xx to a target refresh updates the remote target (§12.2.2). */
	struct zsip_msg req;
	struct zsip_str raw = zsip_txn_request(tx);
	if (tx == c->reinv && zsip_msg_parse(&req, raw.p, raw.len, &ua->s->limits) > 0) {
		struct zsip_str target = zsipi_contact_uri(&req);
		if (target.p)
			zsipi_dlg_refresh(&ua->s->mem, &c->dlg, target, (struct zsip_str){ NULL, 0 });
	}
	return 0;
}

int zsip_call_respond(struct zsip_call *c, int status, const char *reason, struct zsip_str body,
		      const char *content_type, const char *headers, uint64_t now_ms)
{
	if (!c)
		return ZSIP_EINVAL;
	if (status < 100 || status > 699 || !zsipi_valid_value(zsip_str_c(reason)) ||
	    !zsipi_valid_value(zsip_str_c(content_type)))
		return ZSIP_EINVAL;
	struct zsip_ua *ua = c->ua;
	struct zsip_txn *tx = NULL;
	if (c->reinv && !(c->flags & CALL_REINV_OUT) && zsip_txn_status(c->reinv) < 200)
		tx = c->reinv;
	else if (!c->outgoing && c->inv && !(c->flags & CALL_DONE) &&
		 (c->state == ZSIP_CALL_INCOMING || c->state == ZSIP_CALL_EARLY))
		tx = c->inv;
	if (!tx)
		return ZSIP_ESTATE;
	zsipi_ua_enter(ua);
	int rc = zsipi_uas_send(c, tx, status, reason, body, content_type, headers, now_ms);
	if (rc == 0 && tx == c->inv) {
		if (status >= 300)
			zsipi_call_finish(c, ZSIP_UA_FAILED, status, 0,
					  (c->flags & CALL_HUNGUP) ? ZSIP_UA_END_LOCAL
								   : ZSIP_UA_END_REJECTED,
					  NULL, now_ms);
		else if (status >= 200)
			c->state = ZSIP_CALL_CONNECTING;
		else if (status > 100)
			c->state = ZSIP_CALL_EARLY;
	} else if (rc == 0 && status >= 300) {
		/* A failed re-INVITE leaves the session as it was (§14.2). */
		zsipi_call_drop_txn(c, &c->reinv);
	}
	zsipi_ua_leave(ua);
	return rc;
}
