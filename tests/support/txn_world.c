/* A stack in virtual time that records what it sends and raises. */
#include <stdio.h>
#include <string.h>

#include "support/txn_world.h"

static int tw_send(void *user, int tid, const struct zsip_addr *dst, const char *buf, size_t len)
{
	struct tw *w = user;
	if (w->fail_after >= 0 && (long)w->nsent >= w->fail_after)
		return -1;
	if (w->nsent < TW_MAX) {
		struct tw_sent *s = &w->sent[w->nsent];
		s->tid = tid;
		s->dst = *dst;
		s->at = w->now;
		s->len = len < TW_BUF ? len : TW_BUF - 1;
		memcpy(s->buf, buf, s->len);
		s->buf[s->len] = '\0';
	}
	w->nsent++;
	return 0;
}

static void tw_on_event(void *user, const struct zsip_event *ev)
{
	struct tw *w = user;
	if (w->nev < TW_MAX) {
		struct tw_event *e = &w->ev[w->nev];
		memset(e, 0, offsetof(struct tw_event, buf));
		e->type = ev->type;
		e->txn = ev->txn;
		e->cancel_target = ev->cancel_target;
		e->err = ev->err;
		e->transport_id = ev->transport_id;
		e->at = ev->now_ms;
		if (ev->msg) {
			e->len = ev->msg->len < TW_BUF ? ev->msg->len : TW_BUF - 1;
			memcpy(e->buf, ev->msg->buf, e->len);
		}
		e->buf[e->len] = '\0';
	}
	w->nev++;
	if (w->hook)
		w->hook(w, ev);
}

int tw_init(struct tw *w, const struct zsip_config *cfg)
{
	memset(w, 0, sizeof(*w));
	w->fail_after = -1;
	struct zsip_config c;
	if (cfg)
		c = *cfg;
	else
		memset(&c, 0, sizeof(c));
	c.user = w;
	c.send = tw_send;
	c.on_event = tw_on_event;
	if (!c.seed)
		c.seed = 1;
	w->s = zsip_stack_new(&c);
	if (!w->s)
		return -1;
	w->udp = zsip_stack_add_transport(w->s, ZSIP_TRANSPORT_UDP, NULL, 0, "pc33.atlanta.example.com");
	w->tcp = zsip_stack_add_transport(w->s, ZSIP_TRANSPORT_TCP, NULL, 1, "pc33.atlanta.example.com");
	w->tls = zsip_stack_add_transport(w->s, ZSIP_TRANSPORT_TLS, NULL, 1, "pc33.atlanta.example.com");
	return w->udp >= 0 && w->tcp >= 0 && w->tls >= 0 ? 0 : -1;
}

void tw_fini(struct tw *w)
{
	zsip_stack_free(w->s);
	w->s = NULL;
}

void tw_advance(struct tw *w, uint64_t t)
{
	for (;;) {
		uint64_t d = zsip_stack_next_deadline(w->s);
		if (d > t)
			break;
		if (d > w->now)
			w->now = d;
		zsip_stack_timeout(w->s, w->now);
	}
	if (t > w->now)
		w->now = t;
}

int tw_recv(struct tw *w, int tid, const char *host, uint16_t port, const char *text)
{
	struct zsip_addr a;
	zsip_addr_set(&a, host, port);
	return zsip_stack_receive(w->s, tid, &a, text, strlen(text), w->now);
}

size_t tw_count(const struct tw *w, enum zsip_event_type type)
{
	size_t n = 0;
	for (size_t i = 0; i < w->nev && i < TW_MAX; i++)
		n += w->ev[i].type == type;
	return n;
}

const struct tw_event *tw_nth(const struct tw *w, enum zsip_event_type type, size_t k)
{
	for (size_t i = 0; i < w->nev && i < TW_MAX; i++)
		if (w->ev[i].type == type && k-- == 0)
			return &w->ev[i];
	return NULL;
}

void tw_clear(struct tw *w)
{
	w->nsent = 0;
	w->nev = 0;
}

int tw_request(char *out, size_t cap, const char *method, const char *tp, const char *sent_by,
	       const char *branch, const char *via_extra, const char *cseq_method,
	       const char *extra)
{
	return snprintf(out, cap,
			"%s sip:bob@biloxi.example.com SIP/2.0\r\n"
			"Via: SIP/2.0/%s %s;branch=%s%s\r\n"
			"Max-Forwards: 70\r\n"
			"To: Bob <sip:bob@biloxi.example.com>\r\n"
			"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
			"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
			"CSeq: 314159 %s\r\n"
			"%s"
			"Content-Length: 0\r\n\r\n",
			method, tp, sent_by, branch, via_extra ? via_extra : "",
			cseq_method ? cseq_method : method, extra ? extra : "");
}

int tw_response(char *out, size_t cap, int code, const char *method, const char *tp,
		const char *sent_by, const char *branch, const char *to_tag)
{
	char tag[80] = "";
	if (to_tag)
		snprintf(tag, sizeof(tag), ";tag=%s", to_tag);
	return snprintf(out, cap,
			"SIP/2.0 %d %s\r\n"
			"Via: SIP/2.0/%s %s;branch=%s\r\n"
			"To: Bob <sip:bob@biloxi.example.com>%s\r\n"
			"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
			"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
			"CSeq: 314159 %s\r\n"
			"Content-Length: 0\r\n\r\n",
			code, zsip_reason_phrase(code)[0] ? zsip_reason_phrase(code) : "Whatever",
			tp, sent_by, branch, tag, method);
}
