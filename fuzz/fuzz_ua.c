/* Fuzz target: one zsip UA (dialogs and INVITE sessions) driven by
 * sequences of messages and API calls and random time steps, as UAS and as
 * UAC with calls in progress. Messages are mostly built from what the UA
 * itself sent (responses to its requests, in-dialog requests with its
 * tags), so that they reach deep into the call states, then mutated.
 *
 * Invariants: no crash (ASan/UBSan), no event after a call's terminal
 * event and no terminal event twice, sized frees of the right size, no
 * timer that never moves (a hang), and once input stops, hanging up every
 * call and letting 64*T1 pass a few times leaves no call, dialog or
 * transaction and returns the heap to its size right after zsip_ua_new
 * (give or take the stack's grown pointer arrays); freeing the stack
 * returns every byte; every live transaction keys on what a parse of its
 * request reads (tests/support/txn_keys.c).
 *
 * Input: a sequence of records, each an op byte and its arguments:
 *   op % 8 == 0  raw message: 2-byte length (LE), then that many bytes
 *   op % 8 == 1  new INVITE to the UA: call-id k (byte), CSeq, SDP or not
 *   op % 8 == 2  response to one of the last requests the UA sent: which,
 *                status index, To tag index
 *   op % 8 == 3  request inside a dialog, built from one of the last
 *                messages the UA sent: which, method index, CSeq step
 *   op % 8 == 4  time step: one byte, 0..199 ms or (b - 199) seconds
 *   op % 8 == 5  API: which call, what (invite, respond, hangup,
 *                re-INVITE, OPTIONS, ACK), status index
 *   op % 8 == 6  failure injection: send failures on/off, the n-th
 *                allocation from now fails
 *   op % 8 == 7  mutations of the next built message: count, then
 *                (2-byte offset, byte) pairs; 0xff truncates there
 * Bit 3 of op picks UDP or TCP for a message received.
 *
 * Self-contained: built against src/ alone (make fuzz); AFL++ links
 * fuzz/afl_main.c as the driver. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zsip.h"
#include "fuzz_hooks.h"
#include "../tests/support/txn_keys.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXCALLS 8
#define MSG_MAX 4096
#define NMUT 16

#define FAIL(...)                                                                                        \
	do {                                                                                             \
		fprintf(stderr, "fuzz_ua: " __VA_ARGS__);                                                \
		fputc('\n', stderr);                                                                     \
		abort();                                                                                 \
	} while (0)

struct fcall {
	struct zsip_call *call;
	int done;
};

struct fz {
	struct zsip_stack *st;
	struct zsip_ua *ua;
	int tp[2];
	uint64_t now;
	struct fuzz_mem mem;
	size_t base;
	int send_fail;
	struct fuzz_sent sent;
	uint64_t keyed;         /* txn_created at the last keys check */
	struct fcall calls[MAXCALLS];
	/* pending mutations for the next built message */
	unsigned nmut;
	uint16_t mut_off[NMUT];
	uint8_t mut_byte[NMUT];
	int in_callback;
};

static struct fz F;

static const int codes[12] = { 100, 180, 183, 200, 202, 302, 401, 404, 481, 486, 487, 491 };
static const char *const methods[8] = { "ACK", "BYE", "CANCEL", "INVITE", "OPTIONS", "INFO", "PRACK", "UPDATE" };
static const char *const tags[4] = { "t1", "t2", "t3", "" };
#define SDP "v=0\r\no=x 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"

/* -------------------------------------------------------------- hooks */

static int fz_send(void *user, int tp, const struct zsip_addr *dst, const char *buf, size_t len)
{
	(void)user;
	if (getenv("FUZZ_UA_TRACE"))
		fprintf(stderr, "%6llu sent: %.*s\n", (unsigned long long)F.now, (int)strcspn(buf, "\r"), buf);
	fuzz_sent_keep(&F.sent, tp, dst, buf, len);
	return F.send_fail ? -1 : 0;
}

static struct fcall *free_slot(void)
{
	for (int i = 0; i < MAXCALLS; i++)
		if (!F.calls[i].call)
			return &F.calls[i];
	return NULL;
}

static void on_event(void *user, const struct zsip_ua_event *ev)
{
	(void)user;
	if (getenv("FUZZ_UA_TRACE"))
		fprintf(stderr, "%6llu event %d status %d reason %d\n", (unsigned long long)ev->now_ms, ev->type,
			ev->status, ev->reason);
	if (ev->type == ZSIP_UA_OPTIONS_RESPONSE)
		return;
	if (ev->type == ZSIP_UA_REQUEST) {
		struct zsip_response r = { .code = 200, .to_tag = ZSIP_STR("app") };
		zsip_txn_reply(ev->txn, &r, ev->now_ms);
		return;
	}
	if (!ev->call)
		FAIL("event %d without a call", ev->type);
	struct fcall *s = ev->user;
	if (ev->type == ZSIP_UA_INCOMING) {
		if (s)
			FAIL("INCOMING with a user pointer");
		s = free_slot();
		if (!s) {
			/* No room to follow it: turn it down (603). */
			zsip_call_hangup(ev->call, ev->now_ms);
			return;
		}
		s->call = ev->call;
		s->done = 0;
		zsip_call_set_user(ev->call, s);
	} else if (!s) {
		/* A call turned down at once: its FAILED comes nested. */
		if (ev->type != ZSIP_UA_FAILED)
			FAIL("event %d for a call turned down", ev->type);
		return;
	} else if (s->call != ev->call || s->done) {
		FAIL("event %d after the terminal event or for another call", ev->type);
	}
	if (zsip_call_user(ev->call) != s)
		FAIL("user pointer lost");
	if (ev->type == ZSIP_UA_FAILED || ev->type == ZSIP_UA_ENDED) {
		s->done = 1;
		s->call = NULL;
	}
}

/* ------------------------------------------------------------- messages */

/* Value of header name in msg, into out. */
static int header(const char *msg, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	for (const char *p = msg; p && *p;) {
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
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	return -1;
}

/* The tag parameter of a From/To value, or "". */
static void tag_of(const char *v, char *out, size_t cap)
{
	const char *t = strstr(v, ";tag=");
	out[0] = '\0';
	if (!t)
		return;
	t += 5;
	size_t l = strcspn(t, ";> ");
	if (l >= cap)
		l = cap - 1;
	memcpy(out, t, l);
	out[l] = '\0';
}

static void deliver(char *buf, size_t len, int tcp)
{
	for (unsigned i = 0; i < F.nmut; i++) {
		if (F.mut_off[i] >= len)
			continue;
		if (F.mut_byte[i] == 0xff)
			len = F.mut_off[i];
		else
			buf[F.mut_off[i]] = (char)F.mut_byte[i];
	}
	F.nmut = 0;
	if (getenv("FUZZ_UA_TRACE"))
		fprintf(stderr, "%6llu recv %s: %.*s\n", (unsigned long long)F.now, tcp ? "tcp" : "udp", getenv("FUZZ_UA_FULL") ? (int)len :
			(int)strcspn(buf, "\r"), buf);
	struct zsip_addr src;
	zsip_addr_set(&src, "192.0.2.9", 5060);
	int rc = zsip_stack_receive(F.st, F.tp[tcp], &src, buf, len, F.now);
	if (getenv("FUZZ_UA_TRACE"))
		fprintf(stderr, "        -> %d (fail_after %lu, send_fail %d)\n", rc, F.mem.fail_after, F.send_fail);
}

static void send_built(char *buf, int n, int tcp)
{
	if (n > 0 && n < MSG_MAX)
		deliver(buf, (size_t)n, tcp);
}

static void new_invite(uint8_t k, uint8_t cseq, int sdp, int tcp)
{
	static char buf[MSG_MAX];
	int n = snprintf(buf, sizeof buf,
			 "INVITE sip:ua@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/%s 192.0.2.9:5060;branch=z9hG4bK%02x%02x\r\n"
			 "Max-Forwards: 70\r\nFrom: <sip:peer@192.0.2.9>;tag=f%u\r\nTo: <sip:ua@192.0.2.1>\r\n"
			 "Call-ID: call%u@192.0.2.9\r\nCSeq: %u INVITE\r\nContact: <sip:peer@192.0.2.9:5060>\r\n"
			 "%sContent-Length: %zu\r\n\r\n%s",
			 tcp ? "TCP" : "UDP", k, cseq, k & 3, k & 3, cseq, sdp ? "Content-Type: application/sdp\r\n" : "",
			 sdp ? strlen(SDP) : 0, sdp ? SDP : "");
	send_built(buf, n, tcp);
}

/* A response to the request sent `which` messages ago. */
static void respond_to_sent(uint8_t which, uint8_t st, uint8_t tg, int tcp)
{
	int k = fuzz_sent_slot(&F.sent, which);
	const char *req = k < 0 ? "" : F.sent.buf[k];
	if (k < 0 || !strncmp(req, "SIP/2.0", 7))
		return;
	char via[256], from[256], to[256], cid[128], cseq[64];
	if (header(req, "Via", via, sizeof via) || header(req, "From", from, sizeof from) ||
	    header(req, "To", to, sizeof to) || header(req, "Call-ID", cid, sizeof cid) ||
	    header(req, "CSeq", cseq, sizeof cseq))
		return;
	int code = codes[st % 12];
	const char *t = tags[tg % 4];
	int add = t[0] && !strstr(to, ";tag=") && code > 100;
	static char buf[MSG_MAX];
	int sdp = code >= 180 && code < 300 && strstr(cseq, "INVITE");
	int n = snprintf(buf, sizeof buf,
			 "SIP/2.0 %d X\r\nVia: %s\r\nFrom: %s\r\nTo: %s%s%s\r\nCall-ID: %s\r\nCSeq: %s\r\n"
			 "Contact: <sip:peer@192.0.2.9:5060>\r\n%s%sContent-Length: %zu\r\n\r\n%s",
			 code, via, from, to, add ? ";tag=" : "", add ? t : "", cid, cseq,
			 code == 401 ? "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n" : "",
			 sdp ? "Content-Type: application/sdp\r\n" : "", sdp ? strlen(SDP) : 0, sdp ? SDP : "");
	send_built(buf, n, tcp);
}

/* A request from the peer inside the dialog of a message the UA sent:
 * for a response of the UA, the peer is the From side (it sent the
 * INVITE); for a request of the UA, the peer is its To side. */
static void in_dialog(uint8_t which, uint8_t m, uint8_t step, int tcp)
{
	int k = fuzz_sent_slot(&F.sent, which);
	if (k < 0)
		return;
	const char *msg = F.sent.buf[k];
	char from[256], to[256], cid[128], cseq[64], ftag[64], ttag[64];
	if (header(msg, "From", from, sizeof from) || header(msg, "To", to, sizeof to) ||
	    header(msg, "Call-ID", cid, sizeof cid) || header(msg, "CSeq", cseq, sizeof cseq))
		return;
	tag_of(from, ftag, sizeof ftag);
	tag_of(to, ttag, sizeof ttag);
	int is_resp = !strncmp(msg, "SIP/2.0", 7);
	const char *peer_tag = is_resp ? ftag : (ttag[0] ? ttag : "t1");
	const char *ua_tag = is_resp ? ttag : ftag;
	const char *method = methods[m % 8];
	unsigned num = (unsigned)strtoul(cseq, NULL, 10);
	if (strcmp(method, "ACK") && strcmp(method, "CANCEL"))
		num += (unsigned)(step % 4);
	static char buf[MSG_MAX];
	int sdp = !strcmp(method, "INVITE") && (step & 4);
	/* CANCEL (and, with bit 3, any request) reuses the branch of the
	 * INVITE the UA answered, so that it matches its transaction. */
	char via[256];
	int same = is_resp && (!strcmp(method, "CANCEL") || (step & 8)) && !header(msg, "Via", via, sizeof via);
	if (!same)
		snprintf(via, sizeof via, "SIP/2.0/%s 192.0.2.9:5060;branch=z9hG4bK%02x%02x", tcp ? "TCP" : "UDP", m,
			 step);
	if (!strcmp(method, "CANCEL"))
		ua_tag = "";
	int n = snprintf(buf, sizeof buf,
			 "%s sip:ua@192.0.2.1:5060 SIP/2.0\r\nVia: %s\r\n"
			 "Max-Forwards: 70\r\nFrom: <sip:peer@192.0.2.9>;tag=%s\r\nTo: <sip:ua@192.0.2.1>%s%s\r\n"
			 "Call-ID: %s\r\nCSeq: %u %s\r\nContact: <sip:peer@192.0.2.9:5060>\r\n%sContent-Length: %zu\r\n\r\n%s",
			 method, via, peer_tag, ua_tag[0] ? ";tag=" : "", ua_tag, cid, num, method,
			 sdp ? "Content-Type: application/sdp\r\n" : "", sdp ? strlen(SDP) : 0, sdp ? SDP : "");
	send_built(buf, n, tcp);
}

/* ------------------------------------------------------------------ API */

static void api(uint8_t which, uint8_t what, uint8_t st)
{
	struct fcall *s = &F.calls[which % MAXCALLS];
	struct zsip_call *c = s->done ? NULL : s->call;
	const struct zsip_str sdp = ZSIP_STR(SDP), none = { NULL, 0 };
	switch (what % 6) {
	case 0: {
		struct fcall *f = free_slot();
		if (!f)
			return;
		static const char *const targets[4] = { "sip:peer@192.0.2.9", "sip:peer@192.0.2.9;transport=tcp",
							"sip:peer@[2001:db8::9]:5070", "sip:peer@peer.example" };
		struct zsip_call_params p = { .target = targets[st % 4], .body = (st & 4) ? none : sdp,
					      .route = (st & 8) ? "sip:192.0.2.9;lr" : NULL };
		struct zsip_call *out = NULL;
		if (zsip_call_invite(F.ua, &p, f, F.now, &out) == 0) {
			if (!out)
				FAIL("invite gave no handle");
			f->call = out;
			f->done = 0;
		}
		return;
	}
	case 1:
		if (c) {
			int code = codes[st % 12];
			zsip_call_respond(c, code == 100 ? 183 : code, NULL, code < 300 ? sdp : none, NULL, NULL, F.now);
		}
		return;
	case 2:
		if (c)
			zsip_call_hangup(c, F.now);
		return;
	case 3:
		if (c)
			zsip_call_reinvite(c, (st & 1) ? none : sdp, NULL, F.now);
		return;
	case 4:
		zsip_ua_options(F.ua, (st & 1) ? "sip:peer@192.0.2.9" : "sip:peer@192.0.2.9;transport=tcp", NULL, F.now);
		return;
	default:
		if (c && zsip_call_ack(c, sdp, NULL, F.now) == 0)
			FAIL("zsip_call_ack outside ANSWERED succeeded");
		return;
	}
}

/* Runs every due timeout; a deadline that does not move is a hang. */
static void run_timers(void)
{
	for (int guard = 0;; guard++) {
		uint64_t d = zsip_stack_next_deadline(F.st);
		if (d > F.now)
			return;
		if (guard > 100000)
			FAIL("timer stuck at %llu", (unsigned long long)d);
		zsip_stack_timeout(F.st, F.now);
	}
}

static void setup(uint8_t cfgbyte)
{
	memset(&F, 0, sizeof F);
	F.now = 1000;
	struct zsip_config cfg = { 0 };
	cfg.alloc = (struct zsip_allocator){ fuzz_mem_alloc, fuzz_mem_free, &F.mem };
	cfg.send = fz_send;
	cfg.seed = cfgbyte;
	cfg.max_transactions = 4 + (cfgbyte & 31);
	if (cfgbyte & 32) {
		cfg.t1_ms = 100;
		cfg.t2_ms = 400;
		cfg.t4_ms = 500;
	}
	F.st = zsip_stack_new(&cfg);
	if (!F.st)
		FAIL("zsip_stack_new");
	F.tp[0] = zsip_stack_add_transport(F.st, ZSIP_TRANSPORT_UDP, NULL, 0, "192.0.2.1:5060");
	F.tp[1] = zsip_stack_add_transport(F.st, ZSIP_TRANSPORT_TCP, NULL, 1, "192.0.2.1:5060");
	struct zsip_ua_config uc = { .on_event = on_event, .app_methods = (cfgbyte & 64) ? "MESSAGE" : NULL,
				     .max_calls = 1 + (cfgbyte & 7), .supported = (cfgbyte & 128) ? "timer" : NULL };
	F.ua = zsip_ua_new(F.st, &uc);
	if (!F.ua)
		FAIL("zsip_ua_new");
	F.base = F.mem.live;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup(size ? data[size - 1] : 0);
	size_t i = 0;
#define NEED(n)                                                                                          \
	if (i + (n) > size)                                                                              \
		goto end
	while (i < size) {
		uint8_t op = data[i++];
		int tcp = (op >> 3) & 1;
		switch (op % 8) {
		case 0: {
			NEED(2);
			size_t len = (size_t)data[i] | (size_t)data[i + 1] << 8;
			i += 2;
			if (len > size - i)
				len = size - i;
			static char buf[65536];
			memcpy(buf, data + i, len);
			i += len;
			deliver(buf, len, tcp);
			break;
		}
		case 1:
			NEED(2);
			new_invite(data[i], data[i + 1], !(data[i] & 0x80), tcp);
			i += 2;
			break;
		case 2:
			NEED(3);
			respond_to_sent(data[i], data[i + 1], data[i + 2], tcp);
			i += 3;
			break;
		case 3:
			NEED(3);
			in_dialog(data[i], data[i + 1], data[i + 2], tcp);
			i += 3;
			break;
		case 4: {
			NEED(1);
			uint8_t b = data[i++];
			F.now += b < 200 ? b : (uint64_t)(b - 199) * 1000;
			break;
		}
		case 5:
			NEED(3);
			api(data[i], data[i + 1], data[i + 2]);
			i += 3;
			break;
		case 6: {
			NEED(1);
			uint8_t b = data[i++];
			if (b & 0x80)
				F.send_fail = b & 1;
			else
				F.mem.fail_after = b & 0x3f;
			break;
		}
		default: {
			NEED(1);
			unsigned n = data[i++] % (NMUT + 1);
			F.nmut = 0;
			for (unsigned k = 0; k < n && i + 3 <= size; k++, i += 3) {
				F.mut_off[F.nmut] = (uint16_t)(data[i] | data[i + 1] << 8);
				F.mut_byte[F.nmut++] = data[i + 2];
			}
			break;
		}
		}
		run_timers();
		/* The UA gives the transaction layer the keys of the requests
		 * it writes: they must be what a parse of them reads (checked
		 * when a transaction was made since the last check). */
		struct zsip_stack_stats now_st;
		zsip_stack_stats(F.st, &now_st);
		if (now_st.txn_created != F.keyed && (F.keyed = now_st.txn_created, txn_keys_check(F.st)))
			FAIL("a transaction's keys differ from a parse of its request");
	}
end:
	/* Input is over: no more failures, hang up everything, let time pass. */
	F.mem.fail_after = 0;
	F.send_fail = 0;
	for (int round = 0; round < 8; round++) {
		for (int k = 0; k < MAXCALLS; k++)
			if (F.calls[k].call && !F.calls[k].done) {
				int rc = zsip_call_hangup(F.calls[k].call, F.now);
				if (getenv("FUZZ_UA_TRACE"))
					fprintf(stderr, "hangup call %d: %d (state %d)\n", k, rc,
						F.calls[k].call ? (int)zsip_call_state(F.calls[k].call) : -1);
			}
		F.now += 40000;
		run_timers();
	}
	struct zsip_ua_stats st;
	zsip_ua_stats(F.ua, &st);
	for (int k = 0; k < MAXCALLS; k++)
		if (F.calls[k].call && !F.calls[k].done)
			FAIL("call %d never got its terminal event", k);
	if (st.calls || st.dialogs)
		FAIL("%zu calls, %zu dialogs still live after hang-up and 8 x 40 s", st.calls, st.dialogs);
	struct zsip_stack_stats ss;
	zsip_stack_stats(F.st, &ss);
	/* Back to the size right after zsip_ua_new, but for the stack's timer
	 * heap and transaction index: arrays of pointers that double from 64
	 * entries with the peak load and stay (zsip_stack_free below frees
	 * them), so they only ever add multiples of 512 bytes. */
	size_t extra = F.mem.live - F.base;
	if (F.mem.live < F.base || extra % (64 * sizeof(void *)) != 0 || extra > 65536 || ss.txn_active)
		FAIL("heap %zu bytes, %zu right after zsip_ua_new (%zu transactions live)", F.mem.live, F.base,
		     ss.txn_active);
	zsip_stack_free(F.st);
	if (F.mem.live != 0)
		FAIL("leak: %zu bytes after zsip_stack_free", F.mem.live);
	return 0;
}
