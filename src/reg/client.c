/* Registration client (RFC 3261 §10.2): one binding of one Contact to one
 * AOR at one registrar, refreshed before it runs out, over client
 * transactions whose events come straight here (zsip_txn_set_handler). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "zsip/digest.h"
#include "reg/reg_int.h"

#define DEFAULT_EXPIRES 3600u
#define DEFAULT_RETRY_S 30u
#define DEFAULT_ATTEMPTS 4u
#define MAX_ATTEMPTS 16u
#define CALL_ID_LEN 24
#define TAG_LEN 12
#define MAX_AUTH_FIELDS 4
#define AUTH_MAX 2048
#define REQ_MAX 4096

enum op { OP_NONE = 0, OP_REGISTER, OP_UNREGISTER, OP_UNREGISTER_ALL, OP_QUERY };

struct zsip_regc {
	struct zsip_stack *stack;
	struct zsipi_timer timer;   /* refresh, retry, or the binding's end */
	struct zsip_txn *txn;       /* the REGISTER in flight; NULL: none */
	struct zsip_auth_client *auth;
	void (*on_event)(void *user, const struct zsip_regc_event *ev);
	void *user;
	int tid;
	struct zsip_addr dst;
	uint8_t state;              /* enum zsip_regc_state */
	uint8_t op, next_op;        /* enum op: in flight, queued */
	uint8_t in_cb, dead;        /* zsip_regc_free from inside on_event */
	unsigned attempts, max_attempts;
	uint32_t cseq;
	uint32_t expires;           /* asked for (raised by a 423) */
	uint32_t granted;
	uint32_t retry_s;
	uint64_t expires_at;        /* the binding's end (ms); 0: none */
	struct zsip_str ruri, aor, from, contact;
	char call_id[CALL_ID_LEN + 1];
	char tag[TAG_LEN + 1];
	size_t size;
	char strs[];
};

/* ------------------------------------------------------------ helpers */

static void destroy(struct zsip_regc *rc);
static int send_register(struct zsip_regc *rc, uint64_t now);
static void run_next(struct zsip_regc *rc, uint64_t now);

/* Raises an event. Returns 1 when the application freed rc meanwhile: the
 * caller must return at once. */
static int emit(struct zsip_regc *rc, enum zsip_regc_event_type type, int status, int err,
		const struct zsip_msg *m, uint64_t now)
{
	struct zsip_regc_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.status = status;
	ev.err = err;
	ev.expires = type == ZSIP_REGC_EV_REGISTERED ? rc->granted : 0;
	ev.msg = m;
	ev.now_ms = now;
	rc->in_cb++;
	rc->stack->depth++;    /* the stack's re-entry guard holds here too */
	rc->on_event(rc->user, &ev);
	rc->stack->depth--;
	rc->in_cb--;
	if (rc->dead && !rc->in_cb) {
		destroy(rc);
		return 1;
	}
	return 0;
}

static void ignore_event(void *user, const struct zsip_event *ev)
{
	(void)user;
	(void)ev;
}

/* Forgets the transaction in flight: whatever it still does (absorbing
 * retransmitted finals, Timer K) goes unseen. */
static void detach(struct zsip_regc *rc)
{
	if (rc->txn)
		zsip_txn_set_handler(rc->txn, ignore_event, NULL);
	rc->txn = NULL;
}

static int binding_current(const struct zsip_regc *rc)
{
	return rc->state == ZSIP_REGC_ACTIVE || rc->state == ZSIP_REGC_REFRESHING;
}

static void timer_at(struct zsip_regc *rc, uint64_t at);

/* §10.2.4: the interval granted is our Contact's expires parameter in the
 * 200, else its Expires header, else what we asked for. */
static uint32_t granted_expires(const struct zsip_regc *rc, const struct zsip_msg *m)
{
	struct zsip_uri ours;
	uint32_t v;
	if (zsip_uri_parse(&ours, rc->contact) == 0) {
		for (const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_CONTACT); h;
		     h = zsip_msg_find_next(m, h)) {
			struct zsip_str cur = h->value, one;
			while (zsip_value_next(&cur, &one) == 1) {
				struct zsip_contact c;
				if (zsip_contact_parse(&c, one) != 0 || c.star || !c.expires.p)
					continue;
				if (zsip_uri_eq(&c.addr.uri, &ours) == 1 &&
				    zsip_uint_parse(c.expires, UINT32_MAX, &v) == 0)
					return v;
			}
		}
	}
	const struct zsip_hdr *e = zsip_msg_find(m, ZSIP_HDR_EXPIRES);
	if (e && zsip_uint_parse(e->value, UINT32_MAX, &v) == 0)
		return v;
	return rc->expires;
}

/* Refresh ahead of the end by a tenth of the interval, but at least by
 * one Timer F's worth (32 s) when the interval allows, so that a refresh
 * that needs every retransmission still lands in time. */
static uint64_t refresh_lead_ms(uint32_t granted)
{
	uint64_t g = (uint64_t)granted * 1000;
	uint64_t lead = g / 10, floor = g / 2 < 32000 ? g / 2 : 32000;
	return lead > floor ? lead : floor;
}

/* The digits that start v ("120 (maintenance);duration=60" gives "120"). */
static struct zsip_str first_token(struct zsip_str v)
{
	size_t n = 0;
	while (n < v.len && v.p[n] >= '0' && v.p[n] <= '9')
		n++;
	return (struct zsip_str){ v.p, n };
}

/* ------------------------------------------------------------ outcomes */

/* The operation in flight failed for good. */
static void failed(struct zsip_regc *rc, int status, int err, const struct zsip_msg *m, uint64_t now)
{
	int op = rc->op;
	rc->op = OP_NONE;
	switch (op) {
	case OP_REGISTER:
		if (binding_current(rc) && rc->expires_at > now) {
			/* The binding holds until expires_at: retry until then,
			 * with up to a tenth of jitter so that many clients
			 * failed by one outage do not come back in step. */
			uint64_t wait = (uint64_t)rc->retry_s * 1000;
			const struct zsip_hdr *ra = m ? zsip_msg_find(m, ZSIP_HDR_RETRY_AFTER) : NULL;
			uint32_t secs;
			/* §21.5.4, §20.33: not before the registrar asked. The
			 * leading delta-seconds is all we read of it. */
			if (ra && zsip_uint_parse(first_token(ra->value), UINT32_MAX, &secs) == 0 &&
			    (uint64_t)secs * 1000 > wait)
				wait = (uint64_t)secs * 1000;
			wait += zsipi_random64(rc->stack) % (wait / 10 + 1);
			uint64_t at = now + wait;
			rc->state = ZSIP_REGC_ACTIVE;
			timer_at(rc, at < rc->expires_at ? at : rc->expires_at);
			if (emit(rc, ZSIP_REGC_EV_REFRESH_FAILED, status, err, m, now))
				return;
		} else {
			rc->state = ZSIP_REGC_FAILED;
			rc->expires_at = 0;
			rc->granted = 0;
			zsipi_timer_stop(&rc->stack->timers, &rc->timer);
			if (emit(rc, ZSIP_REGC_EV_FAILED, status, err, m, now))
				return;
		}
		break;
	case OP_UNREGISTER:
	case OP_UNREGISTER_ALL:
		rc->state = ZSIP_REGC_IDLE;
		if (emit(rc, ZSIP_REGC_EV_UNREGISTERED, status, err, m, now))
			return;
		break;
	case OP_QUERY:
		if (emit(rc, ZSIP_REGC_EV_BINDINGS, status, err, m, now))
			return;
		break;
	default:
		return;
	}
	run_next(rc, now);
}

static void succeeded(struct zsip_regc *rc, const struct zsip_msg *m, uint64_t now)
{
	int op = rc->op;
	rc->op = OP_NONE;
	enum zsip_regc_event_type type = ZSIP_REGC_EV_BINDINGS;
	if (op == OP_REGISTER) {
		uint32_t g = granted_expires(rc, m);
		if (g == 0) {
			/* A 200 that grants nothing did not bind us. */
			rc->op = op;
			failed(rc, m->status, ZSIP_EREG_REJECTED, m, now);
			return;
		}
		rc->granted = g;
		rc->state = ZSIP_REGC_ACTIVE;
		rc->expires_at = now + (uint64_t)g * 1000;
		timer_at(rc, rc->expires_at - refresh_lead_ms(g));
		type = ZSIP_REGC_EV_REGISTERED;
	} else if (op == OP_UNREGISTER || op == OP_UNREGISTER_ALL) {
		rc->state = ZSIP_REGC_IDLE;
		rc->granted = 0;
		type = ZSIP_REGC_EV_UNREGISTERED;
	}
	if (emit(rc, type, m->status, 0, m, now))
		return;
	run_next(rc, now);
}

/* A final response, or the end of the transaction without one (m NULL). */
static void final(struct zsip_regc *rc, const struct zsip_msg *m, int err, uint64_t now)
{
	int status = m ? m->status : 0;
	if (m && status < 300) {
		succeeded(rc, m, now);
		return;
	}
	int again = rc->attempts < rc->max_attempts;
	if (m && (status == 401 || status == 407) && rc->auth) {
		/* §22.2: answer the challenge on a new transaction, CSeq + 1. */
		err = again ? zsip_auth_client_challenge(rc->auth, m) : ZSIP_EREG_ATTEMPTS;
		if (err == 0 && (err = send_register(rc, now)) == 0)
			return;
	} else if (m && status == 423 && rc->op == OP_REGISTER) {
		/* §10.2.8: ask again with at least Min-Expires. */
		const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_MIN_EXPIRES);
		uint32_t min;
		if (!again)
			err = ZSIP_EREG_ATTEMPTS;
		else if (!h || zsip_uint_parse(h->value, UINT32_MAX, &min) != 0 || min <= rc->expires)
			err = ZSIP_EREG_INTERVAL;
		else {
			rc->expires = min;
			if ((err = send_register(rc, now)) == 0)
				return;
		}
	} else if (m) {
		err = ZSIP_EREG_REJECTED;
	}
	failed(rc, status, err, m, now);
}

static void on_txn(void *user, const struct zsip_event *ev)
{
	struct zsip_regc *rc = user;
	if (ev->txn != rc->txn)
		return;
	switch (ev->type) {
	case ZSIP_EV_RESPONSE:
		if (ev->msg->status < 200)
			return;
		detach(rc);
		final(rc, ev->msg, 0, ev->now_ms);
		break;
	case ZSIP_EV_TIMEOUT:
	case ZSIP_EV_TRANSPORT_ERROR:
		detach(rc);
		final(rc, NULL, ev->err, ev->now_ms);
		break;
	case ZSIP_EV_TERMINATED:
		/* Ended without a final response or a timeout (terminated
		 * by someone): the operation cannot succeed. */
		rc->txn = NULL;
		final(rc, NULL, ZSIP_ETRANSPORT, ev->now_ms);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------ sending */

/* Sends the REGISTER of rc->op: one Call-ID for the registration's life
 * and the CSeq one higher each time (§10.2.4), a new branch (§8.1.1.7). */
static int send_register(struct zsip_regc *rc, uint64_t now)
{
	char via[160], from[ZSIP_REGC_STR_MAX + 32], to[ZSIP_REGC_STR_MAX + 4];
	char contact[ZSIP_REGC_STR_MAX + 4], cseq[32], expires[16], auth[AUTH_MAX];
	char out[REQ_MAX];
	struct zsip_field f[8 + MAX_AUTH_FIELDS];
	size_t n = 0;
	int r;

	if ((r = zsip_stack_make_via(rc->stack, rc->tid, via, sizeof via, 1)) < 0)
		return r;
	snprintf(from, sizeof from, "<%.*s>;tag=%s", (int)rc->from.len, rc->from.p, rc->tag);
	snprintf(to, sizeof to, "<%.*s>", (int)rc->aor.len, rc->aor.p);
	snprintf(cseq, sizeof cseq, "%lu REGISTER", (unsigned long)rc->cseq + 1);
	f[n++] = (struct zsip_field){ ZSIP_STR("Via"), zsip_str_c(via) };
	f[n++] = (struct zsip_field){ ZSIP_STR("Max-Forwards"), ZSIP_STR("70") };
	f[n++] = (struct zsip_field){ ZSIP_STR("From"), zsip_str_c(from) };
	f[n++] = (struct zsip_field){ ZSIP_STR("To"), zsip_str_c(to) };
	f[n++] = (struct zsip_field){ ZSIP_STR("Call-ID"), zsip_str_c(rc->call_id) };
	f[n++] = (struct zsip_field){ ZSIP_STR("CSeq"), zsip_str_c(cseq) };
	switch (rc->op) {
	case OP_REGISTER:
	case OP_UNREGISTER:
		snprintf(contact, sizeof contact, "<%.*s>", (int)rc->contact.len, rc->contact.p);
		snprintf(expires, sizeof expires, "%lu",
			 rc->op == OP_REGISTER ? (unsigned long)rc->expires : 0ul);
		f[n++] = (struct zsip_field){ ZSIP_STR("Contact"), zsip_str_c(contact) };
		f[n++] = (struct zsip_field){ ZSIP_STR("Expires"), zsip_str_c(expires) };
		break;
	case OP_UNREGISTER_ALL:
		f[n++] = (struct zsip_field){ ZSIP_STR("Contact"), ZSIP_STR("*") };
		f[n++] = (struct zsip_field){ ZSIP_STR("Expires"), ZSIP_STR("0") };
		break;
	default:        /* query: no Contact (§10.2.3) */
		break;
	}
	if (rc->auth) {
		r = zsip_auth_client_authorize(rc->auth, ZSIP_STR("REGISTER"), rc->ruri,
					       (struct zsip_str){ "", 0 }, auth, sizeof auth);
		if (r < 0)
			return r;
		n += zsipi_split_lines(auth, (size_t)r, f + n, MAX_AUTH_FIELDS);
	}
	struct zsip_request req = { ZSIP_STR("REGISTER"), rc->ruri, f, n, { NULL, 0 } };
	r = zsip_build_request(out, sizeof out, &req);
	if (r < 0)
		return r;
	if ((size_t)r >= sizeof out)
		return ZSIP_ETOOBIG;
	struct zsip_txn *tx;
	r = zsip_stack_request(rc->stack, rc->tid, &rc->dst, out, (size_t)r, rc, now, &tx);
	if (r < 0)
		return r;
	rc->cseq++;
	rc->attempts++;
	rc->txn = tx;
	zsip_txn_set_handler(tx, on_txn, rc);
	return 0;
}

/* Starts op now. Returns 0 or the error of the first send, with rc as it
 * was before. */
static int start(struct zsip_regc *rc, int op, uint64_t now)
{
	uint8_t state = rc->state;
	rc->op = (uint8_t)op;
	rc->attempts = 0;
	if (op == OP_REGISTER) {
		rc->state = binding_current(rc) ? ZSIP_REGC_REFRESHING : ZSIP_REGC_REGISTERING;
		/* If the refresh hangs, still notice when the binding ends. */
		if (rc->state == ZSIP_REGC_REFRESHING)
			timer_at(rc, rc->expires_at);
	} else if (op != OP_QUERY) {
		rc->state = ZSIP_REGC_UNREGISTERING;
		rc->expires_at = 0;
		zsipi_timer_stop(&rc->stack->timers, &rc->timer);
	}
	int r = send_register(rc, now);
	if (r < 0) {
		rc->op = OP_NONE;
		rc->state = state;
	}
	return r;
}

/* Runs the queued operation, if any, once nothing is in flight. */
static void run_next(struct zsip_regc *rc, uint64_t now)
{
	if (rc->txn || !rc->next_op)
		return;
	int op = rc->next_op;
	rc->next_op = OP_NONE;
	int r = start(rc, op, now);
	if (r < 0) {
		rc->op = (uint8_t)op;
		failed(rc, 0, r, NULL, now);
	}
}

/* Asked by the application: start now, or queue behind the one in flight
 * (a REGISTER or unregister replaces a queued one; a query never does). */
static int request(struct zsip_regc *rc, int op, uint64_t now)
{
	if (!rc || rc->dead)
		return ZSIP_EINVAL;
	now = zsipi_advance(rc->stack, now);
	if (rc->txn) {
		if (op != OP_QUERY || !rc->next_op)
			rc->next_op = (uint8_t)op;
		return 0;
	}
	return start(rc, op, now);
}

/* ------------------------------------------------------------ timer */

static void on_timer(struct zsipi_timer *t, uint64_t now)
{
	struct zsip_regc *rc = (struct zsip_regc *)((char *)t - offsetof(struct zsip_regc, timer));
	if (!binding_current(rc))
		return;
	if (now >= rc->expires_at) {
		/* Every refresh failed before the end (§10.2.4 leaves the
		 * binding to lapse): give up, and drop a late refresh. */
		if (rc->op == OP_REGISTER) {
			detach(rc);
			rc->op = OP_NONE;
		}
		rc->state = ZSIP_REGC_FAILED;
		rc->expires_at = 0;
		rc->granted = 0;
		if (emit(rc, ZSIP_REGC_EV_FAILED, 0, ZSIP_EREG_EXPIRED, NULL, now))
			return;
		run_next(rc, now);
		return;
	}
	if (rc->txn) {
		if (!rc->next_op)
			rc->next_op = OP_REGISTER;
		timer_at(rc, rc->expires_at);
		return;
	}
	rc->next_op = OP_REGISTER;
	run_next(rc, now);
}

static void timer_at(struct zsip_regc *rc, uint64_t at)
{
	/* Cannot fail: the slot was reserved by zsip_regc_new. */
	zsipi_timer_start(&rc->stack->timers, &rc->timer, at, on_timer);
}

/* ------------------------------------------------------------ public */

static int valid_uri(const char *s)
{
	struct zsip_uri u;
	return s && strlen(s) <= ZSIP_REGC_STR_MAX && zsip_uri_parse(&u, zsip_str_c(s)) == 0 &&
	       (u.scheme_id == ZSIP_URI_SIP || u.scheme_id == ZSIP_URI_SIPS);
}

static struct zsip_str keep(char **at, const char *s)
{
	size_t n = strlen(s);
	memcpy(*at, s, n);
	struct zsip_str v = { *at, n };
	*at += n;
	return v;
}

struct zsip_regc *zsip_regc_new(struct zsip_stack *s, const struct zsip_regc_config *cfg)
{
	if (!s || !cfg || !cfg->on_event || !zsipi_transport(s, cfg->transport_id) ||
	    !valid_uri(cfg->registrar_uri) || !valid_uri(cfg->aor) || !valid_uri(cfg->contact) ||
	    (cfg->from && !valid_uri(cfg->from)) || cfg->max_attempts > MAX_ATTEMPTS)
		return NULL;
	const char *from = cfg->from ? cfg->from : cfg->aor;
	size_t size = sizeof(struct zsip_regc) + strlen(cfg->registrar_uri) + strlen(cfg->aor) +
		      strlen(from) + strlen(cfg->contact);
	if (zsipi_timers_reserve(&s->timers, 1) != 0)
		return NULL;
	struct zsip_regc *rc = zsipi_mem_alloc(&s->mem, size);
	if (!rc) {
		zsipi_timers_unreserve(&s->timers, 1);
		return NULL;
	}
	memset(rc, 0, sizeof(*rc));
	rc->stack = s;
	rc->size = size;
	zsipi_timer_init(&rc->timer);
	rc->auth = cfg->auth;
	rc->on_event = cfg->on_event;
	rc->user = cfg->user;
	rc->tid = cfg->transport_id;
	rc->dst = cfg->registrar;
	rc->expires = cfg->expires ? cfg->expires : DEFAULT_EXPIRES;
	rc->retry_s = cfg->retry_s ? cfg->retry_s : DEFAULT_RETRY_S;
	rc->max_attempts = cfg->max_attempts ? cfg->max_attempts : DEFAULT_ATTEMPTS;
	char *at = rc->strs;
	rc->ruri = keep(&at, cfg->registrar_uri);
	rc->aor = keep(&at, cfg->aor);
	rc->from = keep(&at, from);
	rc->contact = keep(&at, cfg->contact);
	/* §19.3: Call-ID and tag random enough that no one guesses them. */
	zsip_stack_random_token(s, rc->call_id, sizeof rc->call_id, CALL_ID_LEN);
	zsip_stack_random_token(s, rc->tag, sizeof rc->tag, TAG_LEN);
	return rc;
}

static void destroy(struct zsip_regc *rc)
{
	struct zsip_stack *s = rc->stack;
	detach(rc);
	zsipi_timer_stop(&s->timers, &rc->timer);
	zsipi_timers_unreserve(&s->timers, 1);
	zsipi_mem_free(&s->mem, rc, rc->size);
}

void zsip_regc_free(struct zsip_regc *rc)
{
	if (!rc)
		return;
	if (rc->in_cb) {
		rc->dead = 1;
		return;
	}
	destroy(rc);
}

int zsip_regc_register(struct zsip_regc *rc, uint64_t now_ms)
{
	return request(rc, OP_REGISTER, now_ms);
}

int zsip_regc_unregister(struct zsip_regc *rc, uint64_t now_ms)
{
	return request(rc, OP_UNREGISTER, now_ms);
}

int zsip_regc_unregister_all(struct zsip_regc *rc, uint64_t now_ms)
{
	return request(rc, OP_UNREGISTER_ALL, now_ms);
}

int zsip_regc_query(struct zsip_regc *rc, uint64_t now_ms)
{
	return request(rc, OP_QUERY, now_ms);
}

enum zsip_regc_state zsip_regc_state(const struct zsip_regc *rc)
{
	return (enum zsip_regc_state)rc->state;
}

uint32_t zsip_regc_expires(const struct zsip_regc *rc)
{
	return rc->granted;
}

struct zsip_str zsip_regc_call_id(const struct zsip_regc *rc)
{
	return (struct zsip_str){ rc->call_id, CALL_ID_LEN };
}

uint32_t zsip_regc_cseq(const struct zsip_regc *rc)
{
	return rc->cseq;
}
