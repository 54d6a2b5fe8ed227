/* The UA object: configuration, the Call-ID table, call lifetime, the
 * event sink it installs on the stack, and the helpers every part of the
 * UA sends through. Requests are dispatched in rx.c. */
#include <string.h>

#include "msg/wbuf.h"
#include "txn/txn.h"
#include "ua/ua_int.h"

#define DEFAULT_MAX_CALLS 1024u
#define DEFAULT_RETRY_AFTER 5u
#define STR_MAX 255u

/* Room for one message we write: the stack's largest plus our headers. */
#define WORK_SLACK 2048u

static void ua_sink(void *user, const struct zsip_event *ev);
static void ua_txn_event(void *user, const struct zsip_event *ev);
static void ua_stack_gone(void *user);

/* ------------------------------------------------------------ lifetime */

static int valid_cfg_str(const char *s)
{
	if (!s)
		return 1;
	size_t n = strlen(s);
	return n <= STR_MAX && zsipi_valid_value((struct zsip_str){ s, n });
}

/* Copies the config's strings into one block and points cfg at them. */
static int copy_strings(struct zsip_ua *ua, const struct zsip_ua_config *cfg)
{
	const char **fields[] = { &ua->cfg.contact, &ua->cfg.from, &ua->cfg.user_agent,
				  &ua->cfg.supported, &ua->cfg.accept, &ua->cfg.app_methods };
	const char *src[] = { cfg->contact, cfg->from, cfg->user_agent, cfg->supported,
			      cfg->accept ? cfg->accept : "application/sdp", cfg->app_methods };
	size_t total = 0;
	for (size_t i = 0; i < 6; i++) {
		if (!valid_cfg_str(src[i]))
			return ZSIP_EINVAL;
		total += src[i] ? strlen(src[i]) + 1 : 0;
	}
	ua->strs = total ? zsipi_mem_alloc(&ua->s->mem, total) : NULL;
	if (total && !ua->strs)
		return ZSIP_ENOMEM;
	ua->strs_len = total;
	size_t at = 0;
	for (size_t i = 0; i < 6; i++) {
		*fields[i] = NULL;
		if (!src[i])
			continue;
		size_t n = strlen(src[i]) + 1;
		memcpy(ua->strs + at, src[i], n);
		*fields[i] = ua->strs + at;
		at += n;
	}
	return 0;
}

struct zsip_ua *zsip_ua_new(struct zsip_stack *s, const struct zsip_ua_config *cfg)
{
	if (!s || !cfg || !cfg->on_event || s->depth || s->on_event == ua_sink)
		return NULL; /* one UA per stack, not from a callback */
	if (!zsipi_transport(s, cfg->transport_id))
		return NULL;
	struct zsip_ua *ua = zsipi_mem_alloc(&s->mem, sizeof(*ua));
	if (!ua)
		return NULL;
	memset(ua, 0, sizeof(*ua));
	ua->s = s;
	ua->cfg = *cfg;
	if (!ua->cfg.max_calls)
		ua->cfg.max_calls = DEFAULT_MAX_CALLS;
	if (!ua->cfg.max_dialogs)
		ua->cfg.max_dialogs = 2 * ua->cfg.max_calls;
	if (!ua->cfg.retry_after_s)
		ua->cfg.retry_after_s = DEFAULT_RETRY_AFTER;
	int rc = copy_strings(ua, cfg);
	/* The From of our requests: written as given, never parsed again. */
	struct zsip_nameaddr na;
	if (rc == 0 && cfg->from && zsip_nameaddr_parse(&na, zsip_str_c(cfg->from)) != 0)
		rc = ZSIP_EINVAL;
	size_t am = ua->cfg.app_methods ? strlen(ua->cfg.app_methods) : 0;
	if (rc == 0 && am + 40 > sizeof(ua->allow))
		rc = ZSIP_EINVAL;
	if (rc == 0) {
		strcpy(ua->allow, "INVITE, ACK, BYE, CANCEL, OPTIONS");
		if (am) {
			strcat(ua->allow, ", ");
			strcat(ua->allow, ua->cfg.app_methods);
		}
		ua->nb = 64;
		while (ua->nb < ua->cfg.max_calls && ua->nb < (1u << 20))
			ua->nb <<= 1;
		ua->tab = zsipi_mem_alloc(&s->mem, ua->nb * sizeof(*ua->tab));
		ua->work_cap = s->limits.max_msg_size + WORK_SLACK;
		ua->work = zsipi_mem_alloc(&s->mem, ua->work_cap);
		if (cfg->cred)
			ua->auth = zsip_auth_client_new(s, cfg->cred, cfg->cred_user);
		if (!ua->tab || !ua->work || (cfg->cred && !ua->auth))
			rc = ZSIP_ENOMEM;
		else
			memset(ua->tab, 0, ua->nb * sizeof(*ua->tab));
	}
	if (rc != 0) {
		zsip_ua_free(ua);
		return NULL;
	}
	/* Freed with the stack, before the transactions it holds. */
	if (zsipi_on_free(s, ua_stack_gone, ua) != 0) {
		zsip_ua_free(ua);
		return NULL;
	}
	zsipi_set_event_sink(s, ua_sink, ua);
	return ua;
}

static void free_call(struct zsip_call *c);

/* Lets go of every transaction the UA holds: no event of theirs reaches
 * the UA again. */
static void release_txn(struct zsip_txn *tx)
{
	if (!tx)
		return;
	zsip_txn_set_handler(tx, NULL, NULL);
	zsip_txn_set_user(tx, NULL);
	zsip_txn_terminate(tx);
}

void zsip_ua_free(struct zsip_ua *ua)
{
	/* From inside one of its own callbacks it would pull the UA from
	 * under the code that called back: refused (documented). */
	if (!ua || ua->nest)
		return;
	struct zsip_stack *s = ua->s;
	if (ua->tab) {
		/* Calls out of the table (done, finishing) are on the reap list
		 * or referenced by a transaction: walk both. */
		for (size_t i = 0; i < ua->nb; i++)
			while (ua->tab[i])
				free_call(ua->tab[i]);
	}
	while (ua->reap)
		free_call(ua->reap);
	while (ua->opts) {
		struct ua_opt *o = ua->opts;
		ua->opts = o->next;
		release_txn(o->tx);
		zsipi_mem_free(&s->mem, o, sizeof(*o));
	}
	/* Calls neither in the table nor queued: those finishing a protocol
	 * exchange, found through the list of all calls. */
	while (ua->all)
		free_call(ua->all);
	if (s->on_event == ua_sink)
		zsipi_set_event_sink(s, NULL, NULL);
	zsipi_on_free_cancel(s, ua_stack_gone, ua);
	zsip_auth_client_free(ua->auth);
	zsipi_mem_free(&s->mem, ua->tab, ua->nb * sizeof(*ua->tab));
	zsipi_mem_free(&s->mem, ua->work, ua->work_cap);
	zsipi_mem_free(&s->mem, ua->strs, ua->strs_len);
	zsipi_mem_free(&s->mem, ua, sizeof(*ua));
}

static void ua_stack_gone(void *user)
{
	zsip_ua_free(user);
}

struct zsip_stack *zsip_ua_stack(const struct zsip_ua *ua)
{
	return ua ? ua->s : NULL;
}

void zsip_ua_stats(const struct zsip_ua *ua, struct zsip_ua_stats *out)
{
	if (!ua || !out)
		return;
	*out = ua->st;
	out->calls = ua->ncalls;
	out->dialogs = ua->ndlg;
}

/* ---------------------------------------------------------------- calls */

/* The transaction table's Call-ID hash (case-sensitive, §20.8; eight
 * bytes a step). */
static size_t bucket(const struct zsip_ua *ua, struct zsip_str id)
{
	return zsipi_txn_hash(1, 0, (struct zsip_str){ NULL, 0 }, id) & (ua->nb - 1);
}

struct zsip_call *zsipi_call_new(struct zsip_ua *ua, int outgoing, void *user, int *err)
{
	if (ua->ncalls >= ua->cfg.max_calls) {
		*err = ZSIP_ELIMIT;
		return NULL;
	}
	struct zsip_call *c = zsipi_mem_alloc(&ua->s->mem, sizeof(*c));
	/* Two timers per call: promised now so that starting them never
	 * fails later. */
	if (!c || zsipi_timers_reserve(&ua->s->timers, CALL_TIMERS) != 0) {
		zsipi_mem_free(&ua->s->mem, c, sizeof(*c));
		*err = ZSIP_ENOMEM;
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->ua = ua;
	c->user = user;
	c->outgoing = (uint8_t)outgoing;
	zsipi_timer_init(&c->t_retx);
	zsipi_timer_init(&c->t_end);
	zsipi_timer_init(&c->t_glare);
	c->anext = ua->all;
	if (ua->all)
		ua->all->aprev = c;
	ua->all = c;
	ua->ncalls++;
	if (outgoing)
		ua->st.calls_out++;
	else
		ua->st.calls_in++;
	return c;
}

void zsipi_call_table_add(struct zsip_call *c, struct zsip_str call_id)
{
	struct zsip_ua *ua = c->ua;
	size_t b = bucket(ua, call_id);
	c->hnext = ua->tab[b];
	ua->tab[b] = c;
	c->flags |= CALL_IN_TABLE;
}

static void table_remove(struct zsip_call *c)
{
	if (!(c->flags & CALL_IN_TABLE))
		return;
	struct zsip_ua *ua = c->ua;
	struct zsip_str id = zsip_call_id(c);
	struct zsip_call **pp = &ua->tab[bucket(ua, id)];
	while (*pp && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = c->hnext;
	c->hnext = NULL;
	c->flags &= (uint16_t)~CALL_IN_TABLE;
}

struct zsip_call *zsipi_call_find(struct zsip_ua *ua, struct zsip_str call_id)
{
	for (struct zsip_call *c = ua->tab[bucket(ua, call_id)]; c; c = c->hnext)
		if (zsip_str_eq(zsip_call_id(c), call_id))
			return c;
	return NULL;
}

void zsipi_call_drop_txn(struct zsip_call *c, struct zsip_txn **slot)
{
	if (*slot) {
		zsip_txn_set_user(*slot, NULL);
		*slot = NULL;
	}
	zsipi_call_check(c);
}

void zsipi_call_free_out(struct zsip_call *c)
{
	struct zsipi_mem *mem = &c->ua->s->mem;
	zsipi_mem_free(mem, c->out, c->out_len);
	c->out = NULL;
	c->out_len = 0;
}

void zsipi_call_free_offer(struct zsip_call *c)
{
	struct zsipi_mem *mem = &c->ua->s->mem;
	zsipi_mem_free(mem, c->offer, c->offer_len);
	c->offer = NULL;
	c->offer_len = 0;
}

/* Copies buf into c->out. 0 or ZSIP_ENOMEM. */
static int call_keep_out(struct zsip_call *c, const char *buf, size_t len, uint32_t cseq)
{
	struct zsipi_mem *mem = &c->ua->s->mem;
	char *p = zsipi_mem_alloc(mem, len);
	if (!p)
		return ZSIP_ENOMEM;
	memcpy(p, buf, len);
	zsipi_mem_free(mem, c->out, c->out_len);
	c->out = p;
	c->out_len = (uint32_t)len;
	c->out_cseq = cseq;
	return 0;
}

static void free_dialogs(struct zsip_call *c)
{
	struct zsip_ua *ua = c->ua;
	while (c->forks) {
		struct zsipi_dlg *d = c->forks;
		c->forks = d->next;
		zsipi_dlg_free(&ua->s->mem, d);
	}
	zsipi_dlg_free(&ua->s->mem, c->dlg);
	c->dlg = NULL;
	ua->ndlg -= c->ndlg;
	c->ndlg = 0;
}

static void free_call(struct zsip_call *c)
{
	struct zsip_ua *ua = c->ua;
	table_remove(c);
	if (c->flags & CALL_REAP) {
		struct zsip_call **pp = &ua->reap;
		while (*pp && *pp != c)
			pp = &(*pp)->rnext;
		if (*pp)
			*pp = c->rnext;
	}
	if (c->aprev)
		c->aprev->anext = c->anext;
	else
		ua->all = c->anext;
	if (c->anext)
		c->anext->aprev = c->aprev;
	release_txn(c->inv);
	release_txn(c->reinv);
	release_txn(c->bye);
	zsipi_timer_stop(&ua->s->timers, &c->t_retx);
	zsipi_timer_stop(&ua->s->timers, &c->t_end);
	zsipi_timer_stop(&ua->s->timers, &c->t_glare);
	zsipi_timers_unreserve(&ua->s->timers, CALL_TIMERS);
	zsipi_call_free_out(c);
	zsipi_call_free_offer(c);
	free_dialogs(c);
	if (ua->acking == c)
		ua->acking = NULL;
	ua->ncalls--;
	zsipi_mem_free(&ua->s->mem, c, sizeof(*c));
}

void zsipi_call_discard(struct zsip_call *c)
{
	free_call(c);
}

void zsipi_ua_own_txn(struct zsip_ua *ua, struct zsip_txn *tx, void *user)
{
	zsip_txn_set_user(tx, user);
	zsip_txn_set_handler(tx, ua_txn_event, ua);
}

void zsipi_ua_forget_txn(struct zsip_txn *tx)
{
	if (!tx)
		return;
	zsip_txn_set_handler(tx, NULL, NULL);
	zsip_txn_set_user(tx, NULL);
}

void zsipi_call_timer(struct zsip_call *c, struct zsipi_timer *t, uint64_t at, zsipi_timer_fn fn)
{
	/* Within the slots reserved for the call: cannot fail. */
	zsipi_timer_start(&c->ua->s->timers, t, at, fn);
}

void zsipi_call_check(struct zsip_call *c)
{
	if (!(c->flags & CALL_DONE) || (c->flags & CALL_REAP))
		return;
	if (c->inv || c->reinv || c->bye || zsipi_timer_running(&c->t_retx) ||
	    zsipi_timer_running(&c->t_end) || zsipi_timer_running(&c->t_glare))
		return;
	c->flags |= CALL_REAP;
	c->rnext = c->ua->reap;
	c->ua->reap = c;
}

void zsipi_ua_enter(struct zsip_ua *ua)
{
	ua->nest++;
}

void zsipi_ua_leave(struct zsip_ua *ua)
{
	if (--ua->nest)
		return;
	while (ua->reap)
		free_call(ua->reap);
}

void zsipi_ua_emit(struct zsip_ua *ua, struct zsip_ua_event *ev)
{
	ua->nest++;
	ua->cfg.on_event(ua->cfg.user, ev);
	ua->nest--;
}

void zsipi_call_finish(struct zsip_call *c, enum zsip_ua_event_type type, int status, int err,
		       enum zsip_ua_end_reason reason, const struct zsip_msg *msg, uint64_t now)
{
	if (c->flags & CALL_DONE)
		return;
	c->flags |= CALL_DONE;
	/* Out of the table: a request for this dialog now gets 481. */
	table_remove(c);
	/* Our re-INVITE still without a final response would otherwise wait
	 * forever in Proceeding (no timer there, §17.1.1.2): the dialog is
	 * gone, so is it. */
	if (c->reinv && (c->flags & CALL_REINV_OUT) && !(c->flags & CALL_REINV_FINAL)) {
		zsip_txn_terminate(c->reinv);
		zsipi_ua_forget_txn(c->reinv);
		c->reinv = NULL;
	}
	/* Early dialogs of a call that did not happen hold nothing we need. */
	if (type == ZSIP_UA_FAILED && !c->reinv && !c->bye)
		free_dialogs(c);
	struct zsip_ua_event ev = {
		.type = type, .call = c, .user = c->user, .status = status, .err = err,
		.reason = reason, .msg = msg, .transport_id = -1, .now_ms = now,
	};
	zsipi_ua_emit(c->ua, &ev);
	zsipi_call_check(c);
}

/* --------------------------------------------------------- accessors */

enum zsip_call_state zsip_call_state(const struct zsip_call *c)
{
	return (enum zsip_call_state)c->state;
}

int zsip_call_outgoing(const struct zsip_call *c)
{
	return c->outgoing;
}

struct zsip_str zsip_call_id(const struct zsip_call *c)
{
	if (c->dlg)
		return zsipi_dlg_str(c->dlg, c->dlg->call_id);
	/* Before any dialog: the INVITE's, as its transaction keeps it. */
	struct zsip_msg m;
	if (c->inv && zsip_msg_parse(&m, zsip_txn_request(c->inv).p, zsip_txn_request(c->inv).len,
				     NULL) > 0)
		return m.call_id;
	return (struct zsip_str){ NULL, 0 };
}

void *zsip_call_user(const struct zsip_call *c)
{
	return c->user;
}

void zsip_call_set_user(struct zsip_call *c, void *user)
{
	c->user = user;
}

struct zsip_ua *zsip_call_ua(const struct zsip_call *c)
{
	return c->ua;
}

/* ------------------------------------------------------------ sending */

/* Our Contact URI for transport tid (§8.1.1.8). */
static int put_contact_uri(struct zsipi_wbuf *w, const struct zsip_ua *ua, int tid)
{
	if (ua->cfg.contact) {
		zsipi_put_c(w, ua->cfg.contact);
		return 0;
	}
	const struct zsipi_transport *tp = zsipi_transport(ua->s, tid);
	if (!tp)
		return ZSIP_EINVAL;
	zsipi_put_c(w, tp->kind == ZSIP_TRANSPORT_TLS ? "sips:" : "sip:");
	zsipi_put_c(w, tp->sent_by);
	if (tp->kind == ZSIP_TRANSPORT_TCP)
		zsipi_put_c(w, ";transport=tcp");
	return 0;
}

int zsipi_ua_contact(const struct zsip_ua *ua, int tid, char *out, size_t cap)
{
	struct zsipi_wbuf w = { out, cap, 0 };
	zsipi_put_c(&w, "Contact: <");
	if (put_contact_uri(&w, ua, tid) < 0)
		return ZSIP_EINVAL;
	zsipi_put_c(&w, ">\r\n");
	int n = zsipi_wbuf_end(&w);
	return n >= 0 && (size_t)n >= cap ? ZSIP_ENOSPC : n;
}

int zsipi_ua_new_ids(struct zsip_ua *ua, const char *from, const char *to, struct zsip_str target,
		     struct zsipi_req *r, char *buf, size_t cap)
{
	/* §8.1.1.3, §8.1.1.4: a new From tag and Call-ID; the To has no tag. */
	char tag[12], callid[32];
	zsip_stack_random_token(ua->s, tag, sizeof(tag), 10);
	zsip_stack_random_token(ua->s, callid, sizeof(callid), 24);
	struct zsipi_wbuf w = { buf, cap, 0 };
	if (from) {
		zsipi_put_c(&w, from);
	} else {
		zsipi_put_c(&w, "<");
		if (put_contact_uri(&w, ua, ua->tid) < 0)
			return ZSIP_EINVAL;
		zsipi_put_c(&w, ">");
	}
	zsipi_put_c(&w, ";tag=");
	size_t ft = w.len;
	zsipi_put_c(&w, tag);
	size_t f = w.len;
	if (to) {
		zsipi_put_c(&w, to);
	} else {
		zsipi_put_c(&w, "<");
		zsipi_put_str(&w, target);
		zsipi_put_c(&w, ">");
	}
	size_t t = w.len;
	zsipi_put_c(&w, callid);
	if (w.len >= cap)
		return ZSIP_ETOOBIG;
	r->from = (struct zsip_str){ buf, f };
	r->from_tag = (struct zsip_str){ buf + ft, f - ft };
	r->to = (struct zsip_str){ buf + f, t - f };
	r->call_id = (struct zsip_str){ buf + t, w.len - t };
	return 0;
}

int zsipi_ua_auth_lines(struct zsip_ua *ua, const struct zsipi_req *r, char *out, size_t cap)
{
	/* §22.3: once a realm challenged us, every request carries its
	 * credentials. */
	if (!ua->auth)
		return 0;
	int n = zsip_auth_client_authorize(ua->auth, r->method, r->ruri, r->body, out, cap);
	return n == ZSIP_ENOSPC ? ZSIP_ETOOBIG : n;
}

int zsipi_ua_send_req(struct zsip_ua *ua, const struct zsipi_req *r, void *user, uint64_t now,
		      struct zsip_txn **out)
{
	struct zsipi_req_keys k;
	int n = zsipi_write_request(ua->work, ua->work_cap, r, &k);
	if (n < 0)
		return n;
	if ((size_t)n >= ua->work_cap)
		return ZSIP_ETOOBIG;
	/* Written here from checked parts: the transaction takes the keys
	 * the writer says rather than parsing the bytes again. */
	struct zsip_txn *tx = NULL;
	int rc = zsipi_stack_request_keyed(ua->s, ua->tid, &ua->dst, ua->work, (size_t)n, &k, user, now,
					   &tx);
	if (rc < 0)
		return rc;
	zsipi_ua_own_txn(ua, tx, user);
	if (out)
		*out = tx;
	return 0;
}

int zsipi_ua_std_headers(const struct zsip_ua *ua, int tid, int request, char *out, size_t cap)
{
	int n = zsipi_ua_contact(ua, tid, out, cap);
	if (n < 0)
		return n;
	struct zsipi_wbuf w = { out + n, cap - (size_t)n, 0 };
	zsipi_put_c(&w, "Allow: ");
	zsipi_put_c(&w, ua->allow);
	zsipi_put_c(&w, "\r\n");
	/* Empty when we support no extension: still says so (§20.37). */
	zsipi_put_c(&w, "Supported: ");
	zsipi_put_c(&w, ua->cfg.supported ? ua->cfg.supported : "");
	zsipi_put_c(&w, "\r\n");
	if (ua->cfg.user_agent) {
		zsipi_put_c(&w, request ? "User-Agent: " : "Server: ");
		zsipi_put_c(&w, ua->cfg.user_agent);
		zsipi_put_c(&w, "\r\n");
	}
	int m = zsipi_wbuf_end(&w);
	if (m < 0 || (size_t)m >= w.cap)
		return ZSIP_ENOSPC;
	return n + m;
}

/* The transport and address a URI sends to. */
static int route_to(struct zsip_ua *ua, struct zsip_str uri, int *tid, struct zsip_addr *dst)
{
	return zsipi_resolve(ua->s, ua->cfg.resolve, ua->cfg.resolve_user, ua->cfg.transport_id, uri,
			     tid, dst);
}

int zsipi_ua_send_raw(struct zsip_ua *ua, struct zsip_str next_hop, const char *buf, size_t len)
{
	int tid;
	struct zsip_addr dst;
	int rc = route_to(ua, next_hop, &tid, &dst);
	return rc < 0 ? rc : zsip_stack_send(ua->s, tid, &dst, buf, len);
}

int zsipi_ua_prepare(struct zsip_ua *ua, struct zsip_str next_hop, struct zsipi_req *r,
		     char *via, size_t via_cap)
{
	int rc = route_to(ua, next_hop, &ua->tid, &ua->dst);
	if (rc < 0)
		return rc;
	struct zsipi_via_made made;
	rc = zsipi_make_via(ua->s, ua->tid, via, via_cap, 1, &made);
	if (rc < 0)
		return rc;
	r->via = (struct zsip_str){ via, (size_t)rc };
	r->branch = made.branch;
	r->via_host = made.host;
	r->via_port = made.port;
	return 0;
}

int zsipi_dlg_send(struct zsip_call *c, struct zsipi_dlg *d, const char *method, uint32_t cseq,
		   struct zsip_str extra, struct zsip_str ctype, struct zsip_str body, uint64_t now,
		   struct zsip_txn **out)
{
	struct zsip_ua *ua = c->ua;
	struct zsipi_req r = { .method = zsip_str_c(method), .extra = extra, .ctype = ctype,
			       .body = body };
	char tmp[1024], via[160];
	struct zsip_str hop;
	int rc = zsipi_dlg_fill(d, &r, &hop, tmp, sizeof(tmp));
	if (rc < 0)
		return rc;
	rc = zsipi_ua_prepare(ua, hop, &r, via, sizeof(via));
	if (rc < 0)
		return rc;
	r.cseq = cseq ? cseq : ++d->local_cseq;
	char hdrs[3072];
	int h = 0;
	/* A re-INVITE refreshes the target: Contact and the rest (§14.1). */
	if (!strcmp(method, "INVITE"))
		h = zsipi_ua_std_headers(ua, ua->tid, 1, hdrs, sizeof(hdrs));
	if (h < 0 || (size_t)h + extra.len >= sizeof(hdrs))
		return ZSIP_ETOOBIG;
	if (extra.len)
		memcpy(hdrs + h, extra.p, extra.len);
	h += (int)extra.len;
	int a = zsipi_ua_auth_lines(ua, &r, hdrs + h, sizeof(hdrs) - (size_t)h);
	if (a < 0)
		return a;
	r.extra = (struct zsip_str){ hdrs, (size_t)h + (size_t)a };
	if (strcmp(method, "ACK"))
		return zsipi_ua_send_req(ua, &r, c, now, out);
	int n = zsipi_write_request(ua->work, ua->work_cap, &r, NULL);
	if (n < 0)
		return n;
	if ((size_t)n >= ua->work_cap)
		return ZSIP_ETOOBIG;
	rc = zsip_stack_send(ua->s, ua->tid, &ua->dst, ua->work, (size_t)n);
	if (rc == 0 && out)
		rc = call_keep_out(c, ua->work, (size_t)n, r.cseq);
	return rc;
}

/* Splits header lines "Name: value\r\n" into fields. Returns how many. */
size_t zsipi_split_fields(struct zsip_str text, struct zsip_field *f, size_t max)
{
	size_t n = 0;
	const char *p = text.p, *end = text.p ? text.p + text.len : NULL;
	while (p && p < end && n < max) {
		const char *eol = memchr(p, '\r', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (colon) {
			const char *v = colon + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			f[n].name = (struct zsip_str){ p, (size_t)(colon - p) };
			f[n].value = (struct zsip_str){ v, (size_t)(eol - v) };
			n++;
		}
		p = eol + (eol + 1 < end && eol[1] == '\n' ? 2 : 1);
	}
	return n;
}

int zsipi_ua_reply(struct zsip_ua *ua, struct zsip_txn *tx, int code, struct zsip_str to_tag,
		   struct zsip_str extra, uint64_t now)
{
	struct zsip_field f[16];
	size_t nf = zsipi_split_fields(extra, f, 16);
	char tag[16];
	/* A request whose To has a tag keeps it (§8.2.6.2): no new one. */
	if (!to_tag.p && code > 100 && !tx->to_tag.p) {
		/* §8.2.6.2: a response without a dialog still gets a To tag. */
		zsip_stack_random_token(ua->s, tag, sizeof(tag), 10);
		to_tag = (struct zsip_str){ tag, 10 };
	}
	struct zsip_response resp = { .code = code, .to_tag = to_tag, .hdrs = f, .nhdrs = nf };
	int rc = zsip_txn_reply(tx, &resp, now);
	/* Not answered (out of memory): nobody else will answer it, and an
	 * INVITE server transaction in Proceeding has no timer to end it. */
	if (rc < 0 && zsip_txn_status(tx) < 200)
		zsip_txn_terminate(tx);
	return rc;
}

/* ------------------------------------------------------------- events */

static void ua_sink(void *user, const struct zsip_event *ev)
{
	struct zsip_ua *ua = user;
	zsipi_ua_enter(ua);
	if (ev->type == ZSIP_EV_REQUEST)
		zsipi_ua_rx_request(ua, ev);
	else if (ev->type == ZSIP_EV_ACK)
		zsipi_ua_rx_ack(ua, ev);
	/* Other events are about transactions that are not ours: the
	 * application's (ZSIP_UA_REQUEST), or sent and forgotten (CANCEL,
	 * the BYE of an extra 2xx). Stray responses: a 2xx after Timer M
	 * needs nothing (§13.2.2.4 asks for ACKs while the INVITE lives). */
	zsipi_ua_leave(ua);
}

/* A 2xx retransmitted for an INVITE of ours that the call no longer
 * follows (a re-INVITE followed by the next one, or by its §14.1 retry):
 * its ACK was lost, so ACK it again (§13.2.2.4), or the peer ends the
 * call after 64*T1 (§13.3.1.4). */
static void ack_old_2xx(struct zsip_ua *ua, const struct zsip_event *ev)
{
	const struct zsip_msg *m = ev->msg;
	if (ev->type != ZSIP_EV_RESPONSE || m->status < 200 || m->status >= 300 ||
	    zsip_txn_kind(ev->txn) != ZSIP_TXN_CLIENT_INVITE)
		return;
	struct zsip_call *c = zsipi_call_find(ua, m->call_id);
	if (c && c->dlg && zsip_str_eq(zsipi_dlg_str(c->dlg, c->dlg->remote_tag), m->to.tag) &&
	    zsip_str_eq(zsipi_dlg_str(c->dlg, c->dlg->local_tag), m->from.tag))
		zsipi_uac_ack(c, c->dlg, m->cseq.num, (struct zsip_str){ NULL, 0 }, (struct zsip_str){ NULL, 0 }, 0,
			      ev->now_ms);
}

static void ua_txn_event(void *user, const struct zsip_event *ev)
{
	struct zsip_ua *ua = user;
	zsipi_ua_enter(ua);
	void *tu = zsip_txn_user(ev->txn);
	if (ev->type == ZSIP_EV_ACK) {
		zsipi_ua_rx_ack(ua, ev);
	} else if (!tu) {
		ack_old_2xx(ua, ev);
	} else if (tu && zsip_txn_method(ev->txn) == ZSIP_METHOD_OPTIONS &&
		   zsip_txn_kind(ev->txn) == ZSIP_TXN_CLIENT_NON_INVITE) {
		zsipi_options_event(ua, tu, ev);
	} else if (tu) {
		struct zsip_call *c = tu;
		if (ev->type == ZSIP_EV_TERMINATED && c->retx_tx == ev->txn)
			c->retx_tx = NULL;
		if (ev->txn == c->inv) {
			if (c->outgoing) {
				zsipi_uac_event(c, ev);
			} else if (ev->type == ZSIP_EV_TERMINATED || ev->type == ZSIP_EV_TRANSPORT_ERROR) {
				/* Gone before our final response (the transport
				 * failed): nothing can answer the call any more. */
				if (!(c->flags & CALL_DONE) &&
				    (c->state == ZSIP_CALL_INCOMING || c->state == ZSIP_CALL_EARLY))
					zsipi_call_finish(c, ZSIP_UA_FAILED, 503, ZSIP_ETRANSPORT,
							  ZSIP_UA_END_TRANSPORT, NULL, ev->now_ms);
				if (ev->type == ZSIP_EV_TERMINATED)
					zsipi_call_drop_txn(c, &c->inv);
			}
		} else if (ev->txn == c->reinv) {
			zsipi_reinvite_event(c, ev);
		} else if (ev->txn == c->bye) {
			zsipi_bye_event(c, ev);
		}
	}
	zsipi_ua_leave(ua);
}
