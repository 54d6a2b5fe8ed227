/* UAs in virtual time over the simulated network; see ua_pair.h. */
#include "support/ua_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "support/txn_keys.h"

static void *mem_alloc(void *u, size_t n)
{
	return sim_mem_alloc(u, n);
}

static void mem_free(void *u, void *p, size_t n)
{
	sim_mem_free_sized(u, p, n);
}

static int node_of(struct up *w, const char *host)
{
	for (int i = 0; i < w->n; i++)
		if (!strcmp(w->node[i].host, host))
			return i;
	return -1;
}

static int on_send(void *user, int tid, const struct zsip_addr *dst, const char *buf, size_t len)
{
	(void)tid;
	struct up_node *n = user;
	if (n->send_fail)
		return -1;
	int to = node_of(n->w, dst->host);
	if (to < 0)
		return 0; /* nobody there: lost */
	return sim_send(&n->w->sim, n->idx, to, buf, len) == 0 ? 0 : -1;
}

static void on_ua_event(void *user, const struct zsip_ua_event *ev)
{
	struct up_node *n = user;
	for (int i = 0; i < n->w->n; i++)
		if (n->w->node[i].s)
			n->w->key_errors += txn_keys_check(n->w->node[i].s);
	if (n->nev < UP_MAX) {
		struct up_event *e = &n->ev[n->nev++];
		e->type = ev->type;
		e->call = ev->call;
		e->user = ev->user;
		e->status = ev->status;
		e->err = ev->err;
		e->reason = ev->reason;
		e->at = ev->now_ms;
		e->msg[0] = '\0';
		if (ev->msg) {
			size_t l = ev->msg->len < UP_BUF - 1 ? ev->msg->len : UP_BUF - 1;
			memcpy(e->msg, ev->msg->buf, l);
			e->msg[l] = '\0';
		}
	}
	if (n->hook)
		n->hook(n, ev);
}

static void node_receive(void *ctx, int from, const char *buf, size_t len, uint64_t now)
{
	struct up_node *n = ctx;
	if (n->nrx < UP_MAX) {
		struct up_dgram *d = &n->rx[n->nrx++];
		d->from = from;
		d->at = now;
		d->len = len < UP_BUF - 1 ? len : UP_BUF - 1;
		memcpy(d->buf, buf, d->len);
		d->buf[d->len] = '\0';
	}
	if (!n->s)
		return;
	struct zsip_addr src;
	zsip_addr_set(&src, n->w->node[from].host, 5060);
	zsip_stack_receive(n->s, n->tid, &src, buf, len, now);
}

static uint64_t node_deadline(void *ctx)
{
	struct up_node *n = ctx;
	return n->s ? zsip_stack_next_deadline(n->s) : SIM_NEVER;
}

static void node_timeout(void *ctx, uint64_t now)
{
	struct up_node *n = ctx;
	zsip_stack_timeout(n->s, now);
}

static const struct sim_node_ops ops = { node_receive, node_deadline, node_timeout };

void up_init(struct up *w, uint64_t seed)
{
	memset(w, 0, sizeof(*w));
	sim_init(&w->sim, seed, 1000, sim_link_ideal(10));
}

int up_add(struct up *w, const char *host, int raw, int reliable, const struct zsip_ua_config *cfg,
	   const struct zsip_config *scfg)
{
	if (w->n >= UP_NODES)
		return -1;
	int i = w->n++;
	struct up_node *n = &w->node[i];
	n->w = w;
	n->idx = i;
	snprintf(n->host, sizeof(n->host), "%s", host);
	if (sim_add_node(&w->sim, &ops, n) != i)
		return -1;
	if (raw)
		return i;
	struct zsip_config sc = { 0 };
	if (scfg)
		sc = *scfg;
	sc.alloc = (struct zsip_allocator){ mem_alloc, mem_free, &n->mem };
	sc.user = n;
	sc.send = on_send;
	sc.seed = (uint64_t)i * 7919 + w->sim.rng.s;
	n->s = zsip_stack_new(&sc);
	if (!n->s)
		return -1;
	char sent_by[48];
	snprintf(sent_by, sizeof(sent_by), "%s:5060", host);
	n->tid = zsip_stack_add_transport(n->s, reliable ? ZSIP_TRANSPORT_TCP : ZSIP_TRANSPORT_UDP,
					  NULL, reliable, sent_by);
	struct zsip_ua_config uc = { 0 };
	if (cfg)
		uc = *cfg;
	uc.on_event = on_ua_event;
	uc.user = n;
	uc.transport_id = n->tid;
	n->ua = zsip_ua_new(n->s, &uc);
	return n->ua ? i : -1;
}

size_t up_fini(struct up *w)
{
	size_t left = 0;
	for (int i = 0; i < w->n; i++) {
		struct up_node *n = &w->node[i];
		if (n->s)
			zsip_stack_free(n->s);
		left += n->mem.live;
	}
	sim_destroy(&w->sim);
	return left;
}

void up_run(struct up *w, uint64_t t)
{
	sim_run(&w->sim, t);
}

void up_for(struct up *w, uint64_t ms)
{
	sim_run(&w->sim, w->sim.now + ms);
}

uint64_t up_now(const struct up *w)
{
	return w->sim.now;
}

void up_inject(struct up *w, int from, int to, const char *text)
{
	sim_send(&w->sim, from, to, text, strlen(text));
}

size_t up_count(const struct up_node *n, enum zsip_ua_event_type type)
{
	size_t k = 0;
	for (size_t i = 0; i < n->nev; i++)
		k += n->ev[i].type == type;
	return k;
}

const struct up_event *up_last(const struct up_node *n, enum zsip_ua_event_type type)
{
	for (size_t i = n->nev; i-- > 0;)
		if (n->ev[i].type == type)
			return &n->ev[i];
	return NULL;
}

size_t up_rx_count(const struct up_node *n, const char *prefix, const char *needle)
{
	size_t k = 0;
	for (size_t i = 0; i < n->nrx; i++)
		if (!strncmp(n->rx[i].buf, prefix, strlen(prefix)) &&
		    (!needle || strstr(n->rx[i].buf, needle)))
			k++;
	return k;
}

const struct up_dgram *up_rx_last(const struct up_node *n, const char *prefix)
{
	for (size_t i = n->nrx; i-- > 0;)
		if (!strncmp(n->rx[i].buf, prefix, strlen(prefix)))
			return &n->rx[i];
	return NULL;
}

int up_header(const char *msg, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	for (const char *p = msg; p && *p; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL) {
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			const char *e = strstr(v, "\r\n");
			size_t l = e ? (size_t)(e - v) : strlen(v);
			if (l >= cap)
				return -1;
			memcpy(out, v, l);
			out[l] = '\0';
			return 0;
		}
		if (p[0] == '\r' && p[1] == '\n')
			break;
	}
	return -1;
}

int up_answer(struct up *w, int node, const char *method, int code, const char *tag,
	      const char *extra, const char *body)
{
	const struct up_dgram *req = up_rx_last(&w->node[node], method);
	if (!req)
		return -1;
	char via[256], from[256], to[256], callid[128], cseq[64], buf[4096];
	if (up_header(req->buf, "Via", via, sizeof(via)) || up_header(req->buf, "From", from, sizeof(from)) ||
	    up_header(req->buf, "To", to, sizeof(to)) ||
	    up_header(req->buf, "Call-ID", callid, sizeof(callid)) ||
	    up_header(req->buf, "CSeq", cseq, sizeof(cseq)))
		return -1;
	int add_tag = tag && !strstr(to, "tag=");
	snprintf(buf, sizeof(buf),
		 "SIP/2.0 %d X\r\nVia: %s\r\nFrom: %s\r\nTo: %s%s%s\r\nCall-ID: %s\r\nCSeq: %s\r\n"
		 "%sContent-Length: %zu\r\n\r\n%s",
		 code, via, from, to, add_tag ? ";tag=" : "", add_tag ? tag : "", callid, cseq,
		 extra ? extra : "", body ? strlen(body) : 0, body ? body : "");
	up_inject(w, node, req->from, buf);
	return 0;
}

int up_alice_lookup(void *user, const struct zsip_str *realm, const struct zsip_str *username,
		    enum zsip_digest_alg alg, struct zsip_auth_cred *out)
{
	(void)user;
	(void)realm;
	(void)alg;
	if (!zsip_str_eq(*username, ZSIP_STR("alice")))
		return -1;
	snprintf(out->password, sizeof(out->password), "secret");
	return 0;
}
