/* The calling side of an INVITE (RFC 3261 §13.2): the INVITE, early
 * dialogs from 1xx with a To tag, the ACK for the 2xx (built here, sent
 * again for every retransmitted 2xx, RFC 6026), and forking: the first 2xx
 * is the call, every other is ACKed then BYEd (§13.2.2.4). */
#include <string.h>

#include "msg/wbuf.h"
#include "ua/ua_int.h"

static const struct zsip_str NONE = { NULL, 0 };

/* A URI given as "sip:..." or "<sip:...>". */
static struct zsip_str bare_uri(const char *s)
{
	struct zsip_str v = zsip_str_c(s);
	if (v.len >= 2 && v.p[0] == '<' && v.p[v.len - 1] == '>') {
		v.p++;
		v.len -= 2;
	}
	return v;
}

static int valid_opt(const char *s)
{
	return !s || zsipi_valid_value(zsip_str_c(s));
}

/* A From or To the caller gives: one name-addr (or addr-spec). */
static int valid_nameaddr(const char *s)
{
	struct zsip_nameaddr na;
	return !s || (valid_opt(s) && zsip_nameaddr_parse(&na, zsip_str_c(s)) == 0);
}

/* Header lines the caller gives: each "Name: value" CRLF, at most max of
 * them. The INVITE goes out as written (the transaction layer does not
 * parse it again), so they are checked here. */
static int valid_lines(const char *s, unsigned max)
{
	if (!s)
		return 1;
	unsigned n = 0;
	while (*s) {
		const char *eol = strstr(s, "\r\n");
		const char *colon = eol ? memchr(s, ':', (size_t)(eol - s)) : NULL;
		if (!colon || ++n > max)
			return 0;
		struct zsip_str name = { s, (size_t)(colon - s) };
		while (name.len && (name.p[name.len - 1] == ' ' || name.p[name.len - 1] == '\t'))
			name.len--;
		if (!zsipi_valid_token(name) ||
		    !zsipi_valid_value((struct zsip_str){ colon + 1, (size_t)(eol - colon - 1) }))
			return 0;
		s = eol + 2;
	}
	return 1;
}

int zsip_call_invite(struct zsip_ua *ua, const struct zsip_call_params *p, void *call_user,
		     uint64_t now_ms, struct zsip_call **out)
{
	if (out)
		*out = NULL;
	/* The fields the UA writes itself take at most 16 of limits.max_headers. */
	if (!ua || !p || !p->target || !valid_nameaddr(p->to) || !valid_nameaddr(p->from) ||
	    !valid_opt(p->route) || !valid_opt(p->content_type) ||
	    !valid_lines(p->headers, ua->s->limits.max_headers > 16 ? ua->s->limits.max_headers - 16 : 0))
		return ZSIP_EINVAL;
	struct zsip_uri u;
	struct zsip_str target = zsip_str_c(p->target), route = { NULL, 0 };
	if (zsip_uri_parse(&u, target) != 0 || !zsipi_valid_value(target))
		return ZSIP_EINVAL;
	if (p->route) {
		route = bare_uri(p->route);
		if (zsip_uri_parse(&u, route) != 0)
			return ZSIP_EINVAL;
	}
	zsipi_ua_enter(ua);
	char via[160], ids[900], routes[300], hdrs[4096];
	struct zsipi_req r = { .method = ZSIP_STR("INVITE"), .ruri = target, .cseq = 1,
			       .body = p->body, .ctype = zsip_str_c(p->content_type) };
	struct zsip_call *c = NULL;
	int rc = zsipi_ua_prepare(ua, route.p ? route : target, &r, via, sizeof(via));
	if (rc == 0)
		rc = zsipi_ua_new_ids(ua, p->from ? p->from : ua->cfg.from, p->to, target, &r, ids,
				      sizeof(ids));
	int n = rc == 0 ? zsipi_ua_std_headers(ua, ua->tid, 1, hdrs, sizeof(hdrs)) : rc;
	size_t xl = p->headers ? strlen(p->headers) : 0;
	if (n >= 0 && (size_t)n + xl >= sizeof(hdrs))
		n = ZSIP_ETOOBIG;
	if (n >= 0 && route.len + 2 < sizeof(routes)) {
		/* An outbound proxy: the pre-loaded Route (§8.1.2). */
		routes[0] = '<';
		memcpy(routes + 1, route.p ? route.p : "", route.len);
		routes[route.len + 1] = '>';
		r.routes = (struct zsip_str){ routes, route.p ? route.len + 2 : 0 };
		memcpy(hdrs + n, p->headers ? p->headers : "", xl);
		r.extra = (struct zsip_str){ hdrs, (size_t)n + xl };
		int a = zsipi_ua_auth_lines(ua, &r, hdrs + r.extra.len, sizeof(hdrs) - r.extra.len);
		if (a >= 0)
			r.extra.len += (size_t)a;
		c = a < 0 ? NULL : zsipi_call_new(ua, 1, call_user, &rc);
		if (a < 0)
			rc = a;
	} else {
		rc = n < 0 ? n : ZSIP_ETOOBIG;
	}
	if (c) {
		rc = zsipi_ua_send_req(ua, &r, c, now_ms, &c->inv);
		if (rc < 0) {
			zsipi_call_discard(c);
			c = NULL;
		} else {
			c->inv_cseq = r.cseq;
			c->state = ZSIP_CALL_CALLING;
		}
	}
	if (out)
		*out = c;
	zsipi_ua_leave(ua);
	return rc;
}

/* ------------------------------------------------------------- the ACK */

int zsipi_uac_ack(struct zsip_call *c, struct zsipi_dlg *d, uint32_t cseq, struct zsip_str ctype,
		  struct zsip_str body, int keep, uint64_t now)
{
	struct zsip_txn *dummy;
	int rc = zsipi_dlg_send(c, d, "ACK", cseq, NONE, ctype, body, now, keep ? &dummy : NULL);
	if (rc == 0 && d == c->dlg)
		c->flags |= CALL_ACK_SENT;
	return rc;
}

/* The kept ACK again, for a retransmitted 2xx with CSeq cseq. */
static void resend_ack(struct zsip_call *c, uint32_t cseq, uint64_t now)
{
	if (c->out && c->out_cseq == cseq) {
		char tmp[1024];
		struct zsipi_req r;
		struct zsip_str hop;
		if (zsipi_dlg_fill(c->dlg, &r, &hop, tmp, sizeof(tmp)) == 0)
			zsipi_ua_send_raw(c->ua, hop, c->out, c->out_len);
		return;
	}
	/* Not kept (an older INVITE's 2xx): a new one, without body. */
	zsipi_uac_ack(c, c->dlg, cseq, NONE, NONE, 0, now);
}

int zsip_call_ack(struct zsip_call *c, struct zsip_str body, const char *content_type,
		  uint64_t now_ms)
{
	if (!c)
		return ZSIP_EINVAL;
	if (c->ua->acking != c || (c->flags & CALL_ACK_SENT))
		return ZSIP_ESTATE;
	return zsipi_uac_ack(c, c->dlg, c->inv_cseq, zsip_str_c(content_type), body, 1, now_ms);
}

/* ------------------------------------------------------------ dialogs */

static struct zsipi_dlg **find_dialog(struct zsip_call *c, struct zsip_str tag)
{
	if (c->dlg && zsip_str_eq(zsipi_dlg_str(c->dlg, c->dlg->remote_tag), tag))
		return &c->dlg;
	for (struct zsipi_dlg **pp = &c->forks; *pp; pp = &(*pp)->next)
		if (zsip_str_eq(zsipi_dlg_str(*pp, (*pp)->remote_tag), tag))
			return pp;
	return NULL;
}

/* The Request-URI of our INVITE, from its start line. */
static struct zsip_str invite_ruri(const struct zsip_call *c)
{
	struct zsip_str raw = zsip_txn_request(c->inv);
	const char *sp = memchr(raw.p, ' ', raw.len);
	const char *end = sp ? memchr(sp + 1, ' ', (size_t)(raw.p + raw.len - sp - 1)) : NULL;
	return end ? (struct zsip_str){ sp + 1, (size_t)(end - sp - 1) } : (struct zsip_str){ NULL, 0 };
}

/* A dialog for a response to our INVITE, not yet counted or kept. */
static struct zsipi_dlg *new_dialog(struct zsip_call *c, const struct zsip_msg *resp)
{
	int err;
	return zsipi_dlg_uac(&c->ua->s->mem, resp->cseq.num, invite_ruri(c), resp, &err);
}

/* The dialog a response with a To tag makes (§12.1.2), or the one it
 * refreshes. NULL past the dialog cap or out of memory. */
static struct zsipi_dlg *dialog_for(struct zsip_call *c, const struct zsip_msg *resp)
{
	struct zsip_ua *ua = c->ua;
	struct zsipi_dlg **pp = find_dialog(c, resp->to.tag);
	if (pp) {
		struct zsip_str target = zsipi_contact_uri(resp);
		if (target.p)
			zsipi_dlg_refresh(&ua->s->mem, pp, target, NONE);
		return *pp;
	}
	if (ua->ndlg >= ua->cfg.max_dialogs)
		return NULL;
	struct zsipi_dlg *d = new_dialog(c, resp);
	if (!d)
		return NULL;
	ua->ndlg++;
	c->ndlg++;
	if (!c->dlg) {
		c->dlg = d;
		zsipi_call_table_add(c, zsipi_dlg_str(d, d->call_id));
	} else {
		d->next = c->forks;
		c->forks = d;
	}
	return d;
}

/* §13.2.2.4: a 2xx from another fork than the call's: ACK it, then BYE
 * it, once; ACK it again when it comes again. */
static void extra_2xx(struct zsip_call *c, const struct zsip_msg *resp, uint64_t now)
{
	struct zsipi_dlg *d = dialog_for(c, resp);
	if (!d) {
		/* Past the dialog cap: ACK and BYE it from a dialog held only
		 * for this (a retransmission then gets both again). */
		d = new_dialog(c, resp);
		if (!d)
			return;
		struct zsip_txn *bye = NULL;
		zsipi_uac_ack(c, d, resp->cseq.num, NONE, NONE, 0, now);
		if (zsipi_dlg_send(c, d, "BYE", 0, NONE, NONE, NONE, now, &bye) == 0)
			zsipi_ua_forget_txn(bye);
		zsipi_dlg_free(&c->ua->s->mem, d);
		return;
	}
	zsipi_uac_ack(c, d, resp->cseq.num, NONE, NONE, 0, now);
	if (d->byed)
		return;
	d->byed = 1;
	d->confirmed = 1;
	struct zsip_txn *bye = NULL;
	if (zsipi_dlg_send(c, d, "BYE", 0, NONE, NONE, NONE, now, &bye) == 0)
		zsipi_ua_forget_txn(bye);
}

/* Frees the early dialogs that lost: the call is the confirmed one now. */
static void drop_early(struct zsip_call *c)
{
	struct zsip_ua *ua = c->ua;
	for (struct zsipi_dlg **pp = &c->forks; *pp;) {
		struct zsipi_dlg *d = *pp;
		if (d->byed) {
			pp = &d->next;
			continue;
		}
		*pp = d->next;
		zsipi_dlg_free(&ua->s->mem, d);
		ua->ndlg--;
		c->ndlg--;
	}
}

static void got_2xx(struct zsip_call *c, const struct zsip_event *ev)
{
	struct zsip_ua *ua = c->ua;
	const struct zsip_msg *m = ev->msg;
	if (c->dlg && c->dlg->confirmed) {
		if (zsip_str_eq(zsipi_dlg_str(c->dlg, c->dlg->remote_tag), m->to.tag))
			resend_ack(c, m->cseq.num, ev->now_ms);
		else
			extra_2xx(c, m, ev->now_ms);
		return;
	}
	struct zsipi_dlg *d = dialog_for(c, m);
	if (!d) {
		/* No room for the dialog (cap, memory): the call fails; the
		 * peer's 2xx goes unACKed and it ends the session (§13.3.1.4). */
		zsipi_call_finish(c, ZSIP_UA_FAILED, 503, ZSIP_ELIMIT, ZSIP_UA_END_REJECTED, m,
				  ev->now_ms);
		return;
	}
	struct zsipi_dlg **pp = find_dialog(c, m->to.tag);
	if (pp != &c->dlg) {
		/* Swap the winner in front; the old front joins the forks
		 * (it kept no list of its own: the primary's next is NULL). */
		*pp = d->next;
		c->dlg->next = c->forks;
		c->forks = c->dlg;
		d->next = NULL;
		c->dlg = d;
	}
	/* §13.2.2.4: the route set is recomputed from the 2xx. */
	char routes[2048];
	int rn = zsipi_record_routes(m, 1, routes, sizeof(routes));
	if (rn >= 0)
		zsipi_dlg_refresh(&ua->s->mem, &c->dlg, NONE, (struct zsip_str){ routes, (size_t)rn });
	c->dlg->confirmed = 1;
	c->dlg->local_cseq = m->cseq.num;
	drop_early(c);
	c->state = ZSIP_CALL_ESTABLISHED;
	if (c->flags & (CALL_HUNGUP | CALL_DONE)) {
		/* The 2xx raced our CANCEL, or came again after the call
		 * failed (no room for its dialog the first time): ACK, then
		 * BYE (§9.1, §15), and no event after the terminal one. */
		zsipi_uac_ack(c, c->dlg, m->cseq.num, NONE, NONE, 1, ev->now_ms);
		zsipi_call_send_bye(c, ZSIP_UA_END_LOCAL, ev->now_ms);
		return;
	}
	struct zsip_ua_event uev = {
		.type = ZSIP_UA_ANSWERED, .call = c, .user = c->user, .status = m->status, .msg = m,
		.transport_id = ev->transport_id, .src = ev->src, .now_ms = ev->now_ms,
	};
	ua->acking = c;
	zsipi_ua_emit(ua, &uev);
	ua->acking = NULL;
	if (!(c->flags & CALL_ACK_SENT))
		zsipi_uac_ack(c, c->dlg, m->cseq.num, NONE, NONE, 1, ev->now_ms);
}

static void got_1xx(struct zsip_call *c, const struct zsip_event *ev)
{
	const struct zsip_msg *m = ev->msg;
	c->flags |= CALL_GOT_1XX;
	if (c->flags & CALL_CANCEL_HELD) {
		/* §9.1: the CANCEL waited for this. */
		c->flags &= (uint16_t)~CALL_CANCEL_HELD;
		zsipi_uac_send_cancel(c, ev->now_ms);
	}
	if (m->status == 100)
		return;
	if (m->to.tag.p && dialog_for(c, m) && c->state == ZSIP_CALL_CALLING)
		c->state = ZSIP_CALL_EARLY;
	if (c->flags & (CALL_HUNGUP | CALL_DONE))
		return;
	struct zsip_ua_event uev = {
		.type = ZSIP_UA_PROGRESS, .call = c, .user = c->user, .status = m->status, .msg = m,
		.transport_id = ev->transport_id, .src = ev->src, .now_ms = ev->now_ms,
	};
	zsipi_ua_emit(c->ua, &uev);
}

void zsipi_uac_event(struct zsip_call *c, const struct zsip_event *ev)
{
	enum zsip_ua_end_reason why = (c->flags & CALL_HUNGUP) ? ZSIP_UA_END_LOCAL
							       : ZSIP_UA_END_REJECTED;
	switch (ev->type) {
	case ZSIP_EV_RESPONSE: {
		int st = ev->msg->status;
		if (st < 200) {
			got_1xx(c, ev);
		} else if (st < 300) {
			got_2xx(c, ev);
		} else if (!(c->flags & CALL_DONE)) {
			if ((st == 401 || st == 407) && !(c->flags & CALL_HUNGUP) && c->ua->cfg.cred) {
				int rc = zsipi_uac_auth_retry(c, c->inv, ev->msg, ev->now_ms, &c->inv);
				if (rc == 0)
					return;
				zsipi_call_finish(c, ZSIP_UA_FAILED, st, rc, ZSIP_UA_END_AUTH, ev->msg,
						  ev->now_ms);
				return;
			}
			zsipi_call_finish(c, ZSIP_UA_FAILED, st, 0, why, ev->msg, ev->now_ms);
		}
		return;
	}
	case ZSIP_EV_TIMEOUT:
		zsipi_call_finish(c, ZSIP_UA_FAILED, 408, ZSIP_ETIMEOUT,
				  (c->flags & CALL_HUNGUP) ? ZSIP_UA_END_LOCAL : ZSIP_UA_END_TIMEOUT,
				  NULL, ev->now_ms);
		return;
	case ZSIP_EV_TRANSPORT_ERROR:
		zsipi_call_finish(c, ZSIP_UA_FAILED, 503, ZSIP_ETRANSPORT, ZSIP_UA_END_TRANSPORT, NULL,
				  ev->now_ms);
		return;
	case ZSIP_EV_TERMINATED:
		/* The ACK of the first 2xx is not needed once no 2xx can come. */
		if (c->out && c->out_cseq == c->inv_cseq && !(c->flags & CALL_WAIT_ACK))
			zsipi_call_free_out(c);
		/* The CANCEL give-up has nothing left to end (t_end may be the
		 * ACK wait of a re-INVITE we answered instead). */
		if (!(c->flags & CALL_WAIT_ACK))
			zsipi_timer_stop(&c->ua->s->timers, &c->t_end);
		zsipi_call_drop_txn(c, &c->inv);
		return;
	default:
		return;
	}
}
