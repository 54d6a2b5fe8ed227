/* uas: a SIP user agent server and registrar on zsip.
 *
 *   examples/uas [--bind ADDR:PORT] [--transport udp|tcp] [--auth USER:PASS]
 *                [--ring MS] [--quiet] [--trace]
 *
 * INVITE gets 180, then (MS ms later, default 0) 200 with an SDP answer; the
 * UA core absorbs the ACK, answers BYE with 200, CANCEL with 200 + 487,
 * OPTIONS with 200, anything in an unknown dialog with 481. REGISTER goes to
 * the registrar helper (200 with the bindings). With --auth, REGISTER and
 * INVITE are challenged with a 401 digest challenge (MD5 first, then
 * SHA-256). SIGINT or SIGTERM: one summary line, exit 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zsip.h>
#include <zsip/digest.h>
#include <zsip/reg.h>
#include <zsip/ua.h>

#include "common.h"

#define MAX_CALLS 8192

struct uas {
	struct ex_net *net;
	struct zsip_stack *stack;
	struct zsip_ua *ua;
	struct zsip_registrar *reg;
	struct zsip_auth_server *auth;  /* NULL without --auth */
	const char *user, *pass;
	unsigned ring_ms;
	int quiet;
	char sdp[256];
	size_t sdp_len;
	/* calls waiting for their 200 (--ring): a ring of call handles, in
	 * answer-time order since every call waits the same MS */
	struct ring { struct zsip_call *call; uint64_t at; } *ringing;
	unsigned head, count;
	unsigned long answered, completed, failed, registrations;
};

static void usage(void)
{
	fprintf(stderr, "usage: uas [--bind ADDR:PORT] [--transport udp|tcp] [--auth USER:PASS] [--ring MS]\n"
			"           [--quiet] [--trace]\n"
			"  A UAS and registrar: INVITE -> 180, 200 (after MS ms) with SDP; BYE, CANCEL,\n"
			"  OPTIONS, REGISTER answered. Stops on SIGINT/SIGTERM with a summary line.\n");
	exit(2);
}

/* --auth: the one user's password, for the digest server. */
static int lookup(void *user, const struct zsip_str *realm, const struct zsip_str *username,
		  enum zsip_digest_alg alg, struct zsip_auth_cred *out)
{
	struct uas *u = user;
	(void)realm;
	(void)alg;
	if (!zsip_str_eq(*username, zsip_str_c(u->user)))
		return -1;
	snprintf(out->password, sizeof out->password, "%s", u->pass);
	return 0;
}

/* Checks the request's credentials. Returns 0 when it may go on, else the
 * status to answer with, challenge lines written into hdrs. */
static int check_auth(struct uas *u, const struct zsip_msg *req, uint64_t now, char *hdrs, size_t cap,
		      size_t *hdrs_len)
{
	*hdrs_len = 0;
	if (!u->auth)
		return 0;
	int rc = zsip_auth_server_verify(u->auth, req, now, NULL);
	if (rc == 0)
		return 0;
	if (rc == ZSIP_EAUTH)
		return 400;
	int n = zsip_auth_server_challenge(u->auth, now, rc == ZSIP_EAUTH_STALE || rc == ZSIP_EAUTH_REPLAY,
					   hdrs, cap);
	if (n < 0)
		return 500;
	*hdrs_len = (size_t)n;
	return 401;
}

/* The registrar's policy hook (RFC 3261 §10.3 steps 1-4): who may register. */
static int admit(void *user, const struct zsip_msg *req, struct zsip_str aor, char *hdrs, size_t cap,
		 size_t *hdrs_len)
{
	struct uas *u = user;
	(void)aor;
	return check_auth(u, req, ex_now_ms(), hdrs, cap, hdrs_len);
}

static void answer(struct uas *u, struct zsip_call *call, uint64_t now)
{
	if (zsip_call_respond(call, 200, NULL, (struct zsip_str){ u->sdp, u->sdp_len }, NULL, NULL, now) == 0)
		u->answered++;
}

static void on_event(void *user, const struct zsip_ua_event *ev)
{
	struct uas *u = user;
	switch (ev->type) {
	case ZSIP_UA_INCOMING: {
		char hdrs[1024];
		size_t hl;
		int st = check_auth(u, ev->msg, ev->now_ms, hdrs, sizeof hdrs, &hl);
		if (st) {
			hdrs[hl] = 0;
			zsip_call_respond(ev->call, st, NULL, (struct zsip_str){ 0 }, NULL, hl ? hdrs : NULL,
					  ev->now_ms);
			return;
		}
		zsip_call_respond(ev->call, 180, NULL, (struct zsip_str){ 0 }, NULL, NULL, ev->now_ms);
		if (u->ring_ms == 0 || u->count == MAX_CALLS) {
			answer(u, ev->call, ev->now_ms);
			return;
		}
		/* hold the 200 back: a CANCEL may come meanwhile */
		struct ring *r = &u->ringing[(u->head + u->count++) % MAX_CALLS];
		r->call = ev->call;
		r->at = ev->now_ms + u->ring_ms;
		zsip_call_set_user(ev->call, r);
		return;
	}
	case ZSIP_UA_FAILED:
		/* rejected (401), cancelled (487), or never ACKed */
		if (ev->user)
			((struct ring *)ev->user)->call = NULL;
		if (ev->status != 401)
			u->failed++;
		return;
	case ZSIP_UA_ENDED:
		if (ev->user)
			((struct ring *)ev->user)->call = NULL;
		if (ev->reason == ZSIP_UA_END_REMOTE || ev->reason == ZSIP_UA_END_LOCAL)
			u->completed++;
		else
			u->failed++;
		return;
	case ZSIP_UA_REINVITE:
		/* keep the session as it is: answer with the same SDP */
		zsip_call_respond(ev->call, 200, NULL, (struct zsip_str){ u->sdp, u->sdp_len }, NULL, NULL,
				  ev->now_ms);
		return;
	case ZSIP_UA_REQUEST:
		/* REGISTER, the one method we asked the UA to pass up */
		if (zsip_registrar_process(u->reg, ev->txn, ev->now_ms) == 200)
			u->registrations++;
		return;
	default:
		return;
	}
}

/* 200 for every call whose ring time has come; returns the next time. */
static uint64_t ring_due(struct uas *u, uint64_t now)
{
	while (u->count) {
		struct ring *r = &u->ringing[u->head];
		if (r->call && r->at > now)
			return r->at;
		if (r->call) {
			zsip_call_set_user(r->call, NULL);
			answer(u, r->call, now);
		}
		u->head = (u->head + 1) % MAX_CALLS;
		u->count--;
	}
	return UINT64_MAX;
}

int main(int argc, char **argv)
{
	struct uas u = { 0 };
	struct zsip_addr bind;
	zsip_addr_set(&bind, "127.0.0.1", 5060);
	int tcp = 0, trace = 0;
	char *auth = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--quiet"))
			u.quiet = 1;
		else if (!strcmp(a, "--trace"))
			trace = 1;
		else if (!v)
			usage();
		else if (!strcmp(a, "--bind") && ++i)
			ex_parse_hostport(v, &bind) == 0 || (usage(), 0);
		else if (!strcmp(a, "--transport") && ++i)
			tcp = !strcmp(v, "tcp") ? 1 : !strcmp(v, "udp") ? 0 : (usage(), 0);
		else if (!strcmp(a, "--auth") && ++i)
			auth = strchr(v, ':') ? strdup(v) : (usage(), NULL);
		else if (!strcmp(a, "--ring") && ++i)
			u.ring_ms = (unsigned)strtoul(v, NULL, 10);
		else
			usage();
	}
	if (auth) {
		u.user = auth;
		*strchr(auth, ':') = 0;
		u.pass = auth + strlen(auth) + 1;
	}

	u.net = ex_net_open("uas", &bind, tcp, trace);
	if (!u.net)
		return 1;
	struct zsip_config cfg = { 0 };
	ex_net_config(u.net, &cfg);
	cfg.max_transactions = 65536;
	u.stack = zsip_stack_new(&cfg);
	if (!u.stack || ex_net_attach(u.net, u.stack) < 0) {
		fprintf(stderr, "uas: cannot create the stack\n");
		return 1;
	}
	struct zsip_ua_config ucfg = {
		.on_event = on_event,
		.user = &u,
		.user_agent = "zsip-uas",
		.app_methods = "REGISTER",
		.max_calls = 32768,
	};
	u.ua = zsip_ua_new(u.stack, &ucfg);
	struct zsip_registrar_config rcfg = { .admit = admit, .user = &u };
	u.reg = zsip_registrar_new(u.stack, &rcfg);
	u.ringing = calloc(MAX_CALLS, sizeof *u.ringing);
	if (!u.ua || !u.reg || !u.ringing) {
		fprintf(stderr, "uas: cannot create the UA\n");
		return 1;
	}
	if (auth) {
		/* MD5 first: most deployed clients (SIPp among them) only do MD5 */
		struct zsip_auth_server_config acfg = {
			.realm = "zsip", .algs = { ZSIP_DIGEST_MD5, ZSIP_DIGEST_SHA256 },
			.lookup = lookup, .user = &u,
		};
		int rc = zsip_auth_server_new(u.stack, &acfg, &u.auth);
		if (rc < 0) {
			fprintf(stderr, "uas: digest server: %s\n", zsip_strerror(rc));
			return 1;
		}
	}
	int v6 = strchr(ex_net_local(u.net)->host, ':') != NULL;
	u.sdp_len = (size_t)snprintf(u.sdp, sizeof u.sdp,
				     "v=0\r\no=zsip 1 1 IN IP%c %s\r\ns=-\r\nc=IN IP%c %s\r\nt=0 0\r\n"
				     "m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
				     v6 ? '6' : '4', ex_net_local(u.net)->host, v6 ? '6' : '4',
				     ex_net_local(u.net)->host);
	if (!u.quiet)
		printf("uas: listening on %s %s\n", tcp ? "tcp" : "udp", ex_net_sent_by(u.net));
	fflush(stdout);

	static volatile sig_atomic_t stop;
	ex_on_signals(&stop);
	uint64_t now = ex_now_ms(), next = UINT64_MAX;
	while (!stop) {
		if (ex_net_turn(u.net, next, &now) < 0)
			break;
		next = ring_due(&u, now);
	}

	printf("uas: %lu calls answered, %lu completed, %lu failed; %lu registrations\n", u.answered,
	       u.completed, u.failed, u.registrations);
	zsip_auth_server_free(u.auth);
	zsip_registrar_free(u.reg);
	zsip_ua_free(u.ua);
	zsip_stack_free(u.stack);
	ex_net_close(u.net);
	free(u.ringing);
	free(auth);
	return 0;
}
