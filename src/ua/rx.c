/* Requests reaching the UA core: the checks of RFC 3261 §8.2 (405, 416,
 * 482, 420, 415), dialog matching (§12.2.2: 481, 500), dispatch by method,
 * and OPTIONS both ways. */
#include <string.h>

#include "msg/msgi.h"
#include "msg/wbuf.h"
#include "ua/ua_int.h"

/* The UA handles these itself; the app's methods go to the app. */
static int ua_method(const struct zsip_msg *m)
{
	switch (m->method_id) {
	case ZSIP_METHOD_INVITE:
	case ZSIP_METHOD_BYE:
	case ZSIP_METHOD_OPTIONS:
	case ZSIP_METHOD_CANCEL:
	case ZSIP_METHOD_ACK:
		return 1;
	default:
		return 0;
	}
}

static void reply(struct zsip_ua *ua, const struct zsip_event *ev, int code, const char *extra)
{
	zsipi_ua_reply(ua, ev->txn, code, (struct zsip_str){ NULL, 0 }, zsip_str_c(extra), ev->now_ms);
}

/* §11.2: 200 with what we take. */
static void answer_options(struct zsip_ua *ua, const struct zsip_event *ev)
{
	char h[1024];
	struct zsipi_wbuf w = { h, sizeof(h), 0 };
	zsipi_put_c(&w, "Allow: ");
	zsipi_put_c(&w, ua->allow);
	zsipi_put_c(&w, "\r\nAccept: ");
	zsipi_put_c(&w, ua->cfg.accept);
	zsipi_put_c(&w, "\r\nSupported: ");
	zsipi_put_c(&w, ua->cfg.supported ? ua->cfg.supported : "");
	zsipi_put_c(&w, "\r\n");
	if (zsipi_wbuf_end(&w) >= (int)sizeof(h))
		return;
	reply(ua, ev, 200, h);
}

/* §8.2.2.3: every option tag of Require must be ours; else 420 listing
 * the others. A Require that is not a list of tokens is malformed (400).
 * 1 when answered. */
static int check_require(struct zsip_ua *ua, const struct zsip_event *ev)
{
	char h[512] = "Unsupported: ";
	size_t len, pre = strlen(h);
	int n = zsipi_unsupported_tags(ev->msg, ZSIP_HDR_REQUIRE, ua->cfg.supported, h + pre,
				       sizeof(h) - pre - 3, &len);
	if (n == 0)
		return 0;
	if (n < 0) {
		reply(ua, ev, 400, NULL);
		return 1;
	}
	memcpy(h + pre + len, "\r\n", 3);
	reply(ua, ev, 420, h);
	return 1;
}

/* §8.2.3: a body we cannot read gets 415 with what we accept. 1 when
 * answered. */
static int check_content(struct zsip_ua *ua, const struct zsip_event *ev)
{
	const struct zsip_msg *m = ev->msg;
	const struct zsip_hdr *enc = zsip_msg_find(m, ZSIP_HDR_CONTENT_ENCODING);
	if (enc && !zsip_str_caseeq_c(enc->value, "identity")) {
		reply(ua, ev, 415, "Accept-Encoding: identity\r\n");
		return 1;
	}
	if (!m->body.len)
		return 0;
	const struct zsip_hdr *ct = zsip_msg_find(m, ZSIP_HDR_CONTENT_TYPE);
	struct zsip_media media;
	if (ct && zsip_media_parse(&media, ct->value) == 0) {
		struct zsip_str type = { media.type.p,
					 (size_t)(media.subtype.p + media.subtype.len - media.type.p) };
		if (zsipi_list_has(ua->cfg.accept, type))
			return 0;
	}
	char h[320];
	struct zsipi_wbuf w = { h, sizeof(h), 0 };
	zsipi_put_c(&w, "Accept: ");
	zsipi_put_c(&w, ua->cfg.accept);
	zsipi_put_c(&w, "\r\n");
	zsipi_wbuf_end(&w);
	reply(ua, ev, 415, h);
	return 1;
}

static void app_request(struct zsip_ua *ua, struct zsip_call *c, const struct zsip_event *ev)
{
	struct zsip_ua_event uev = {
		.type = ZSIP_UA_REQUEST, .call = c, .user = c ? c->user : NULL, .msg = ev->msg,
		.txn = ev->txn, .transport_id = ev->transport_id, .src = ev->src,
		.now_ms = ev->now_ms,
	};
	zsipi_ua_emit(ua, &uev);
}

/* The dialog of c a request from the peer belongs to (§12.2.2). */
static struct zsipi_dlg *match_dialog(struct zsip_call *c, const struct zsip_msg *m)
{
	if (c->dlg && zsipi_dlg_match_request(c->dlg, m))
		return c->dlg;
	for (struct zsipi_dlg *d = c->forks; d; d = d->next)
		if (zsipi_dlg_match_request(d, m))
			return d;
	return NULL;
}

static void in_dialog(struct zsip_ua *ua, const struct zsip_event *ev)
{
	const struct zsip_msg *m = ev->msg;
	struct zsip_call *c = zsipi_call_find(ua, m->call_id);
	struct zsipi_dlg *d = c ? match_dialog(c, m) : NULL;
	if (!d || d->byed) {
		/* §12.2.2: no dialog, 481. */
		ua->st.answered_481++;
		reply(ua, ev, 481, NULL);
		return;
	}
	/* §12.2.2: a CSeq lower than the last one is out of order: 500. */
	if (d->has_remote_cseq && m->cseq.num < d->remote_cseq) {
		reply(ua, ev, 500, "Retry-After: 1\r\n");
		return;
	}
	d->remote_cseq = m->cseq.num;
	d->has_remote_cseq = 1;
	switch (m->method_id) {
	case ZSIP_METHOD_BYE:
		zsipi_rx_bye(c, ev);
		return;
	case ZSIP_METHOD_INVITE:
		if (check_require(ua, ev) || check_content(ua, ev))
			return;
		if (d != c->dlg) {
			/* A re-INVITE on an early fork: not a session of ours. */
			reply(ua, ev, 481, NULL);
			return;
		}
		zsipi_rx_reinvite(c, ev);
		return;
	case ZSIP_METHOD_OPTIONS:
		answer_options(ua, ev);
		return;
	default:
		app_request(ua, c, ev);
		return;
	}
}

/* §8.2.2.2: a request with no To tag whose From tag, Call-ID and CSeq match
 * an INVITE we are still answering, but arrived by another branch (a fork
 * that came back): 482. */
static int merged(struct zsip_ua *ua, const struct zsip_msg *m)
{
	struct zsip_call *c = zsipi_call_find(ua, m->call_id);
	if (!c || c->outgoing || !c->dlg || !c->inv)
		return 0;
	struct zsipi_dlg *d = c->dlg;
	return zsip_str_eq(m->from.tag, zsipi_dlg_str(d, d->remote_tag)) &&
	       m->cseq.num == d->remote_cseq &&
	       zsip_str_eq(m->cseq.method, ZSIP_STR("INVITE"));
}

void zsipi_ua_rx_request(struct zsip_ua *ua, const struct zsip_event *ev)
{
	const struct zsip_msg *m = ev->msg;
	if (m->method_id == ZSIP_METHOD_CANCEL) {
		zsipi_rx_cancel(ua, ev);
		return;
	}
	int app = !ua_method(m) && zsipi_list_has(ua->cfg.app_methods, m->method);
	if (!ua_method(m) && !app) {
		/* §8.2.1 */
		char h[300];
		strcpy(h, "Allow: ");
		strcat(h, ua->allow);
		strcat(h, "\r\n");
		reply(ua, ev, 405, h);
		return;
	}
	/* §8.2.2.1 */
	if (m->ruri.scheme_id == ZSIP_URI_OTHER) {
		reply(ua, ev, 416, NULL);
		return;
	}
	if (m->to.tag.p) {
		in_dialog(ua, ev);
		return;
	}
	if (merged(ua, m)) {
		reply(ua, ev, 482, NULL);
		return;
	}
	if (check_require(ua, ev))
		return;
	switch (m->method_id) {
	case ZSIP_METHOD_INVITE:
		if (!check_content(ua, ev))
			zsipi_uas_invite(ua, ev);
		return;
	case ZSIP_METHOD_OPTIONS:
		answer_options(ua, ev);
		return;
	case ZSIP_METHOD_BYE:
		/* §15.1.2: a BYE that matches no dialog. */
		ua->st.answered_481++;
		reply(ua, ev, 481, NULL);
		return;
	default:
		app_request(ua, NULL, ev);
		return;
	}
}

void zsipi_ua_rx_ack(struct zsip_ua *ua, const struct zsip_event *ev)
{
	const struct zsip_msg *m = ev->msg;
	struct zsip_call *c = zsipi_call_find(ua, m->call_id);
	if (c && c->dlg && zsipi_dlg_match_request(c->dlg, m))
		zsipi_uas_ack(c, ev);
	/* Otherwise an ACK for a dialog that is gone, or for a non-2xx the
	 * transaction layer absorbed: nothing to do (§17.2.1). */
}

/* ---------------------------------------------------------- OPTIONS out */

int zsip_ua_options(struct zsip_ua *ua, const char *target, void *user, uint64_t now_ms)
{
	if (!ua || !target)
		return ZSIP_EINVAL;
	struct zsip_uri u;
	struct zsip_str t = zsip_str_c(target);
	if (zsip_uri_parse(&u, t) != 0 || !zsipi_valid_value(t))
		return ZSIP_EINVAL;
	struct ua_opt *o = zsipi_mem_alloc(&ua->s->mem, sizeof(*o));
	if (!o)
		return ZSIP_ENOMEM;
	zsipi_ua_enter(ua);
	char via[160], ids[700], acc[300];
	struct zsipi_req r = { .method = ZSIP_STR("OPTIONS"), .ruri = t, .cseq = 1 };
	struct zsipi_wbuf w = { acc, sizeof(acc), 0 };
	zsipi_put_c(&w, "Accept: ");
	zsipi_put_c(&w, ua->cfg.accept);
	zsipi_put_c(&w, "\r\n");
	r.extra = (struct zsip_str){ acc, w.len };
	int rc = zsipi_ua_prepare(ua, t, &r, via, sizeof(via));
	if (rc == 0)
		rc = zsipi_ua_new_ids(ua, ua->cfg.from, NULL, t, &r, ids, sizeof(ids));
	if (rc == 0)
		rc = zsipi_ua_send_req(ua, &r, o, now_ms, &o->tx);
	if (rc < 0) {
		zsipi_mem_free(&ua->s->mem, o, sizeof(*o));
	} else {
		o->user = user;
		o->next = ua->opts;
		ua->opts = o;
	}
	zsipi_ua_leave(ua);
	return rc;
}

void zsipi_options_event(struct zsip_ua *ua, struct ua_opt *o, const struct zsip_event *ev)
{
	struct zsip_ua_event uev = { .type = ZSIP_UA_OPTIONS_RESPONSE, .user = o->user,
				     .transport_id = ev->transport_id, .src = ev->src,
				     .now_ms = ev->now_ms };
	switch (ev->type) {
	case ZSIP_EV_RESPONSE:
		if (ev->msg->status < 200)
			return;
		uev.status = ev->msg->status;
		uev.msg = ev->msg;
		break;
	case ZSIP_EV_TIMEOUT:
		uev.status = 408;
		uev.err = ZSIP_ETIMEOUT;
		break;
	case ZSIP_EV_TRANSPORT_ERROR:
		uev.status = 503;
		uev.err = ZSIP_ETRANSPORT;
		break;
	case ZSIP_EV_TERMINATED: {
		struct ua_opt **pp = &ua->opts;
		while (*pp && *pp != o)
			pp = &(*pp)->next;
		if (*pp)
			*pp = o->next;
		zsip_txn_set_user(ev->txn, NULL);
		zsipi_mem_free(&ua->s->mem, o, sizeof(*o));
		return;
	}
	default:
		return;
	}
	zsipi_ua_emit(ua, &uev);
}
