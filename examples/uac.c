/* uac: places SIP calls with zsip.
 *
 *   examples/uac --target SIP-URI [--proxy ADDR:PORT] [--bind ADDR:PORT]
 *                [--transport udp|tcp] [--calls N] [--rate CPS] [--hold MS]
 *                [--register --registrar ADDR:PORT --user U --password P
 *                 --expires S] [--trace]
 *
 * Places N calls, RATE per second (several at once): INVITE, 200, ACK, HOLD
 * ms, BYE, 200. With --register it first registers USER at the registrar
 * (answering its 401), and answers 401/407 to the INVITEs with the same
 * credentials. Last line: "calls: N ok, M failed"; exit 0 only when every
 * call and the registration succeeded, 1 otherwise, 2 for a bad command
 * line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zsip.h>
#include <zsip/digest.h>
#include <zsip/reg.h>
#include <zsip/ua.h>

#include "common.h"

struct uac {
	struct ex_net *net;
	struct zsip_ua *ua;
	struct zsip_regc *regc;
	const char *user, *password;
	unsigned hold_ms;
	int registered;                 /* 0 pending, 1 done, -1 failed */
	/* established calls waiting for their BYE: a FIFO, in BYE-time order
	 * since every call is held the same time */
	struct held { struct zsip_call *call; uint64_t bye_at; } *held;
	unsigned calls, head, nheld;
	unsigned placed, ok, failed;
	int broken;                     /* the peer is unreachable: place no more calls */
};

static void usage(void)
{
	fprintf(stderr,
		"usage: uac --target SIP-URI [--proxy ADDR:PORT] [--bind ADDR:PORT] [--transport udp|tcp]\n"
		"           [--calls N] [--rate CPS] [--hold MS]\n"
		"           [--register --registrar ADDR:PORT --user U --password P --expires S] [--trace]\n"
		"  Places N calls (INVITE, 200, ACK, hold, BYE, 200); last line 'calls: N ok, M failed'.\n");
	exit(2);
}

/* Credentials for every 401/407, to the REGISTER and to the INVITEs. */
static int cred(void *user, const struct zsip_str *realm, enum zsip_digest_alg alg,
		struct zsip_auth_cred *out)
{
	struct uac *c = user;
	(void)realm;
	(void)alg;
	if (!c->user)
		return -1;
	snprintf(out->user, sizeof out->user, "%s", c->user);
	snprintf(out->password, sizeof out->password, "%s", c->password);
	return 0;
}

static void on_reg(void *user, const struct zsip_regc_event *ev)
{
	struct uac *c = user;
	if (ev->type == ZSIP_REGC_EV_REGISTERED) {
		c->registered = 1;
	} else if (ev->type == ZSIP_REGC_EV_FAILED) {
		fprintf(stderr, "uac: registration failed: %d %s\n", ev->status,
			ev->err ? zsip_strerror(ev->err) : "");
		c->registered = -1;
	}
}

static void call_failed(struct uac *c, const struct zsip_ua_event *ev, const char *what)
{
	c->failed++;
	if (c->broken)
		return; /* said once already */
	if (ev->err == ZSIP_ETRANSPORT) {
		const char *why = ex_net_last_error(c->net);
		fprintf(stderr, "uac: %s\n", why ? why : "the peer is unreachable");
		c->broken = 1;
	} else if (c->failed <= 5) {
		fprintf(stderr, "uac: call %s: %d%s%s\n", what, ev->status, ev->err ? " " : "",
			ev->err ? zsip_strerror(ev->err) : "");
	}
}

static void on_event(void *user, const struct zsip_ua_event *ev)
{
	struct uac *c = user;
	switch (ev->type) {
	case ZSIP_UA_ANSWERED: {
		/* the UA sends the ACK; we hang up after the hold time */
		struct held *h = &c->held[(c->head + c->nheld++) % c->calls];
		h->call = ev->call;
		h->bye_at = ev->now_ms + c->hold_ms;
		zsip_call_set_user(ev->call, h);
		return;
	}
	case ZSIP_UA_FAILED:
		call_failed(c, ev, "failed");
		return;
	case ZSIP_UA_ENDED:
		if (ev->user)
			((struct held *)ev->user)->call = NULL;
		if (ev->reason == ZSIP_UA_END_LOCAL && ev->status >= 200 && ev->status < 300)
			c->ok++;
		else
			call_failed(c, ev, "ended badly");
		return;
	case ZSIP_UA_INCOMING:
		/* we only place calls */
		zsip_call_respond(ev->call, 486, NULL, (struct zsip_str){ 0 }, NULL, NULL, ev->now_ms);
		return;
	default:
		return;
	}
}

/* BYE for every call held long enough; returns the next BYE time. */
static uint64_t hangup_due(struct uac *c, uint64_t now)
{
	while (c->nheld) {
		struct held *h = &c->held[c->head];
		if (h->call && h->bye_at > now)
			return h->bye_at;
		if (h->call) {
			zsip_call_set_user(h->call, NULL);
			zsip_call_hangup(h->call, now);
		}
		c->head = (c->head + 1) % c->calls;
		c->nheld--;
	}
	return UINT64_MAX;
}

int main(int argc, char **argv)
{
	struct uac c = { 0 };
	const char *target = NULL, *proxy = NULL, *registrar = NULL;
	struct zsip_addr bind, proxy_addr, reg_addr;
	int have_bind = 0, tcp = 0, trace = 0, do_register = 0;
	unsigned long calls = 1, expires = 3600;
	double rate = 10;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--register"))
			do_register = 1;
		else if (!strcmp(a, "--trace"))
			trace = 1;
		else if (!v)
			usage();
		else if (!strcmp(a, "--target") && ++i)
			target = v;
		else if (!strcmp(a, "--proxy") && ++i)
			proxy = ex_parse_hostport(v, &proxy_addr) == 0 ? v : (usage(), NULL);
		else if (!strcmp(a, "--bind") && ++i)
			have_bind = ex_parse_hostport(v, &bind) == 0 ? 1 : (usage(), 0);
		else if (!strcmp(a, "--transport") && ++i)
			tcp = !strcmp(v, "tcp") ? 1 : !strcmp(v, "udp") ? 0 : (usage(), 0);
		else if (!strcmp(a, "--calls") && ++i)
			calls = strtoul(v, NULL, 10);
		else if (!strcmp(a, "--rate") && ++i)
			rate = strtod(v, NULL);
		else if (!strcmp(a, "--hold") && ++i)
			c.hold_ms = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(a, "--registrar") && ++i)
			registrar = ex_parse_hostport(v, &reg_addr) == 0 ? v : (usage(), NULL);
		else if (!strcmp(a, "--user") && ++i)
			c.user = v;
		else if (!strcmp(a, "--password") && ++i)
			c.password = v;
		else if (!strcmp(a, "--expires") && ++i)
			expires = strtoul(v, NULL, 10);
		else
			usage();
	}
	struct zsip_uri turi;
	if (!target || zsip_uri_parse(&turi, zsip_str_c(target)) < 0 || calls == 0 || calls > 1000000 ||
	    !(rate > 0) || (do_register && (!registrar || !c.user || !c.password)))
		usage();
	if (!have_bind) {
		/* loopback of the target's family, any port */
		zsip_addr_set(&bind, turi.host_type == ZSIP_HOST_IPV6 ? "::1" : "127.0.0.1", 0);
	}
	c.calls = (unsigned)calls;

	c.net = ex_net_open("uac", &bind, tcp, trace);
	if (!c.net)
		return 1;
	struct zsip_config cfg = { 0 };
	ex_net_config(c.net, &cfg);
	cfg.max_transactions = 65536;
	struct zsip_stack *stack = zsip_stack_new(&cfg);
	if (!stack || ex_net_attach(c.net, stack) < 0) {
		fprintf(stderr, "uac: cannot create the stack\n");
		return 1;
	}
	/* our Contact: the user (when given) at the address we listen on */
	char contact[128], route[128] = "";
	snprintf(contact, sizeof contact, "sip:%s%s%s%s", c.user ? c.user : "", c.user ? "@" : "",
		 ex_net_sent_by(c.net), tcp ? ";transport=tcp" : "");
	if (proxy) {
		/* the outbound proxy goes first in the route set (loose routing) */
		ex_addr_uri(route, sizeof route, &proxy_addr);
		strcat(route, tcp ? ";transport=tcp;lr" : ";lr");
	}
	char from[160] = "";
	if (c.user && registrar) {
		char ruri[96];
		ex_addr_uri(ruri, sizeof ruri, &reg_addr);
		snprintf(from, sizeof from, "<sip:%s@%s>", c.user, ruri + 4);
	}
	struct zsip_ua_config ucfg = {
		.on_event = on_event, .user = &c,
		.contact = contact,
		.from = from[0] ? from : NULL,
		.user_agent = "zsip-uac",
		.cred = cred, .cred_user = &c,
		.max_calls = c.calls < 32768 ? c.calls + 16 : 32768,
	};
	c.ua = zsip_ua_new(stack, &ucfg);
	c.held = calloc(c.calls, sizeof *c.held);
	if (!c.ua || !c.held) {
		fprintf(stderr, "uac: cannot create the UA\n");
		return 1;
	}
	/* the offer every INVITE carries (no media flows: this is signalling only) */
	char sdp[256];
	const char *ip = ex_net_local(c.net)->host;
	char v = strchr(ip, ':') ? '6' : '4';
	size_t sdp_len = (size_t)snprintf(sdp, sizeof sdp,
					  "v=0\r\no=zsip 1 1 IN IP%c %s\r\ns=-\r\nc=IN IP%c %s\r\nt=0 0\r\n"
					  "m=audio 6002 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", v, ip, v, ip);
	static volatile sig_atomic_t stop;
	ex_on_signals(&stop);
	uint64_t now = ex_now_ms();
	int rc = 0;

	struct zsip_auth_client *auth = NULL;
	if (do_register) {
		/* REGISTER sip:DOMAIN with To/From sip:USER@DOMAIN and our Contact */
		char ruri[96], aor[160];
		ex_addr_uri(ruri, sizeof ruri, &reg_addr);
		snprintf(aor, sizeof aor, "sip:%s@%s", c.user, ruri + 4);
		auth = zsip_auth_client_new(stack, cred, &c);
		struct zsip_regc_config rc_cfg = {
			.transport_id = 0, .registrar = reg_addr, .registrar_uri = ruri, .aor = aor,
			.contact = contact, .expires = (uint32_t)expires, .auth = auth,
			.on_event = on_reg, .user = &c,
		};
		c.regc = auth ? zsip_regc_new(stack, &rc_cfg) : NULL;
		if (!c.regc || zsip_regc_register(c.regc, now) < 0) {
			fprintf(stderr, "uac: cannot register: %s\n",
				ex_net_last_error(c.net) ? ex_net_last_error(c.net) : "bad registration");
			c.registered = -1;
		}
		while (!stop && c.registered == 0 && ex_net_turn(c.net, UINT64_MAX, &now) == 0)
			;
		if (c.registered != 1) {
			c.failed = c.calls; /* not placed */
			rc = 1;
		}
	}

	/* the calls: the i-th leaves at start + i / rate */
	uint64_t start = now, next_bye = UINT64_MAX;
	while (!stop && c.ok + c.failed < c.calls) {
		uint64_t next_call = UINT64_MAX;
		while (c.placed < c.calls && !c.broken) {
			uint64_t at = start + (uint64_t)(c.placed * 1000.0 / rate);
			if (at > now) {
				next_call = at;
				break;
			}
			struct zsip_call_params p = { .target = target, .route = route[0] ? route : NULL,
						      .body = { sdp, sdp_len } };
			int e = zsip_call_invite(c.ua, &p, NULL, now, NULL);
			c.placed++;
			if (e < 0) {
				const char *why = ex_net_last_error(c.net);
				fprintf(stderr, "uac: cannot call %s: %s\n", target, why ? why : zsip_strerror(e));
				c.failed++;
				c.broken = 1;
			}
		}
		if (c.broken) {
			c.failed += c.calls - c.placed; /* never placed */
			c.placed = c.calls;
		}
		if (c.ok + c.failed >= c.calls)
			break;
		if (ex_net_turn(c.net, next_call < next_bye ? next_call : next_bye, &now) < 0)
			break;
		next_bye = hangup_due(&c, now);
	}
	if (stop)
		c.failed = c.calls - c.ok;

	printf("calls: %u ok, %u failed\n", c.ok, c.failed);
	zsip_regc_free(c.regc);
	zsip_ua_free(c.ua);
	zsip_auth_client_free(auth);
	zsip_stack_free(stack);
	ex_net_close(c.net);
	free(c.held);
	return rc == 0 && c.failed == 0 && c.ok == c.calls ? 0 : 1;
}
