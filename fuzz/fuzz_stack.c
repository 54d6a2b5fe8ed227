/* Fuzz target: sequences of (mutated) SIP messages and random time steps
 * fed into one zsip stack, with a scripted TU that starts client
 * transactions, answers server transactions, ends transactions and makes
 * sends and allocations fail. At the end the stack is freed and every byte
 * it took must have come back (checked through the allocator hooks, so a
 * leak aborts under AFL++ too, not only under LeakSanitizer). A timer that
 * never moves (the stack keeps asking for a timeout it does not handle)
 * aborts as a hang.
 *
 * Input: a sequence of records, each an op byte and its arguments:
 *   op % 8 == 0  raw message: 2-byte length (LE), then that many bytes
 *   op % 8 == 1  template message: template, branch/status, n mutations of
 *                (2-byte offset, byte); a byte 0xff truncates there
 *   op % 8 == 2  answer one of the last requests the stack sent: which,
 *                status; the response is built with zsip_build_response
 *   op % 8 == 3  time step: one byte, 0..199 ms or (b - 199) seconds;
 *                then every due timeout runs
 *   op % 8 == 4  TU starts a client transaction: method, branch, transport
 *   op % 8 == 5  TU answers a server transaction: which, status
 *   op % 8 == 6  failure injection: one byte (send failures on/off, fail
 *                the n-th allocation from now, auto-answer mode)
 *   op % 8 == 7  TU terminates a transaction, or sends a stray message
 * Bits 3-4 of op pick the source address, bit 5 the transport (UDP/TCP).
 * The last byte of the input also picks the stack's config: transaction
 * cap 1 + (b & 15); bit 4: T1/T2/T4 = 100/400/500 ms; bit 5: 600-byte
 * message limit. A message ending in '\n' gets cap 11 and the defaults.
 *
 * Every request handed to the TU must read exactly as a parse of its own
 * bytes: the stack stamps received/rport into its copy and moves the first
 * parse onto it (zsipi_msg_move) instead of parsing again.
 *
 * Self-contained: built against src/ alone (make fuzz); AFL++ links
 * fuzz/afl_main.c as the driver. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zsip/msg.h"
#include "zsip/stack.h"
#include "../tests/support/msgcmp.c"
#include "fuzz_hooks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HANDLES 32

struct fz {
	struct zsip_stack *st;
	int tp[2];
	uint64_t now;

	struct fuzz_mem mem;

	/* send side */
	int send_fail;
	struct fuzz_sent sent;

	/* handles the TU holds, each forgotten at its TERMINATED event */
	struct zsip_txn *srv[MAX_HANDLES];
	struct zsip_txn *cli[MAX_HANDLES];
	int auto_answer;            /* 0: off; else the status to answer with */
};

static struct fz F;

static const int codes[8] = { 100, 180, 183, 200, 302, 404, 486, 503 };
static const char *const srcs[4] = { "192.0.2.1", "192.0.2.2", "2001:db8::7", "peer.example" };

/* -------------------------------------------------------------- hooks */

static int fz_send(void *user, int tp, const struct zsip_addr *dst, const char *buf, size_t len)
{
	(void)user;
	fuzz_sent_keep(&F.sent, tp, dst, buf, len);
	return F.send_fail ? -1 : 0;
}

static void forget(struct zsip_txn *t)
{
	for (int i = 0; i < MAX_HANDLES; i++) {
		if (F.srv[i] == t)
			F.srv[i] = NULL;
		if (F.cli[i] == t)
			F.cli[i] = NULL;
	}
}

/* Same offsets in their own buffers, or both absent. */
static int same_at(struct zsip_str a, const char *abuf, struct zsip_str b, const char *bbuf)
{
	if (!a.p || !b.p)
		return a.p == b.p;
	return a.p - abuf == b.p - bbuf && a.len == b.len;
}

static void check_moved(const struct zsip_msg *m)
{
	static struct zsip_msg re;
	if (zsip_msg_parse(&re, m->buf, m->len, NULL) != (int)m->len)
		abort();
	if (msgcmp(m, &re, 0, NULL, 0) != 0)
		abort();
	const struct zsip_str a[] = { m->via.host, m->via.params, m->via.branch, m->via.received,
				      m->via.rport, m->from.tag, m->to.tag, m->call_id, m->body, m->head };
	const struct zsip_str b[] = { re.via.host, re.via.params, re.via.branch, re.via.received,
				      re.via.rport, re.from.tag, re.to.tag, re.call_id, re.body, re.head };
	for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
		if (!same_at(a[i], m->buf, b[i], re.buf))
			abort();
	for (unsigned i = 0; i < m->nhdr; i++)
		if (!same_at(m->hdr[i].value, m->buf, re.hdr[i].value, re.buf) ||
		    m->hdr[i].line_len != re.hdr[i].line_len)
			abort();
}

static void fz_event(void *user, const struct zsip_event *ev)
{
	(void)user;
	/* The entry points refuse to be re-entered from a callback. */
	if (zsip_stack_timeout(F.st, F.now) != ZSIP_ESTATE)
		abort();
	switch (ev->type) {
	case ZSIP_EV_REQUEST:
		if (!ev->txn || !ev->msg)
			abort();
		check_moved(ev->msg);
		for (int i = 0; i < MAX_HANDLES; i++) {
			if (!F.srv[i]) {
				F.srv[i] = ev->txn;
				break;
			}
		}
		if (F.auto_answer) {
			struct zsip_response r = { .code = F.auto_answer, .to_tag = ZSIP_STR("fz") };
			zsip_txn_reply(ev->txn, &r, F.now);
		}
		break;
	case ZSIP_EV_RESPONSE:
		if (!ev->txn || !ev->msg || ev->msg->is_request)
			abort();
		break;
	case ZSIP_EV_TERMINATED:
		if (!ev->txn)
			abort();
		forget(ev->txn);
		break;
	case ZSIP_EV_TIMEOUT:
	case ZSIP_EV_TRANSPORT_ERROR:
		if (!ev->txn)
			abort();
		/* Exercise the accessors on a live handle. */
		(void)zsip_txn_state(ev->txn);
		(void)zsip_txn_request(ev->txn);
		(void)zsip_txn_branch(ev->txn);
		(void)zsip_txn_peer(ev->txn);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------ messages */

/* A message of kind t about branch b; st picks a status for responses. */
static int tmpl(char *out, size_t cap, unsigned t, unsigned b, unsigned st)
{
	int code = codes[st % 8];
	switch (t % 12) {
	case 0: /* INVITE from a peer, with a body */
		return snprintf(out, cap,
				"INVITE sip:bob@10.9.9.9 SIP/2.0\r\n"
				"Via: SIP/2.0/UDP 192.0.2.%u:5060;branch=z9hG4bKp%u;rport\r\n"
				"Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=a%u\r\nTo: <sip:bob@10.9.9.9>\r\n"
				"Call-ID: c%u@x\r\nCSeq: 1 INVITE\r\nContact: <sip:a@192.0.2.1>\r\n"
				"Content-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n",
				1 + b, b, b, b);
	case 1: /* ACK for a non-2xx, same branch */
	case 2: /* CANCEL, same branch */
		return snprintf(out, cap,
				"%s sip:bob@10.9.9.9 SIP/2.0\r\n"
				"Via: SIP/2.0/UDP 192.0.2.%u:5060;branch=z9hG4bKp%u\r\n"
				"Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=a%u\r\nTo: <sip:bob@10.9.9.9>%s\r\n"
				"Call-ID: c%u@x\r\nCSeq: 1 %s\r\nContent-Length: 0\r\n\r\n",
				t % 12 == 1 ? "ACK" : "CANCEL", 1 + b, b, b, t % 12 == 1 ? ";tag=fz" : "", b,
				t % 12 == 1 ? "ACK" : "CANCEL");
	case 3: /* OPTIONS / BYE */
	case 4:
		return snprintf(out, cap,
				"%s sip:bob@10.9.9.9 SIP/2.0\r\n"
				"v: SIP/2.0/TCP 192.0.2.%u;branch=z9hG4bKo%u;received=198.51.100.1\r\n"
				"f: <sip:a@x>;tag=a%u\r\nt: <sip:bob@10.9.9.9>;tag=b\r\n"
				"i: o%u@x\r\nCSeq: %u %s\r\nl: 0\r\n\r\n",
				t % 12 == 3 ? "OPTIONS" : "BYE", 1 + b, b, b, b, 2 + b, t % 12 == 3 ? "OPTIONS" : "BYE");
	case 5: /* RFC 2543: no magic cookie */
	case 6:
		return snprintf(out, cap,
				"%s sip:bob@10.9.9.9 SIP/2.0\r\n"
				"Via: SIP/2.0/UDP old.example:5060%s\r\n"
				"From: sip:a@x;tag=%u\r\nTo: sip:bob@10.9.9.9%s\r\n"
				"Call-ID: old%u@x\r\nCSeq: 7 %s\r\n\r\n",
				t % 12 == 5 ? "INVITE" : "ACK", b & 1 ? ";branch=1" : "", b,
				t % 12 == 6 ? ";tag=fz" : "", b, t % 12 == 5 ? "INVITE" : "ACK");
	case 7: /* response to one of our client transactions */
	case 8:
	case 10:
		return snprintf(out, cap,
				"SIP/2.0 %d Whatever\r\n"
				"Via: SIP/2.0/%s 10.9.9.9:%s;branch=z9hG4bKfz%u;rport=5060;received=10.9.9.9\r\n"
				"From: <sip:fz@10.9.9.9>;tag=fz%u\r\nTo: <sip:x@y>%s\r\n"
				"Call-ID: fz%u@10.9.9.9\r\nCSeq: %u %s\r\nContent-Length: 0\r\n\r\n",
				code, t % 12 == 10 ? "TCP" : "UDP", t % 12 == 10 ? "5061" : "5060", b, b,
				code > 100 ? ";tag=r" : "", b, 1 + b, t % 12 == 8 ? "OPTIONS" : "INVITE");
	case 9: /* ACK for a 2xx: a branch of its own */
		return snprintf(out, cap,
				"ACK sip:bob@10.9.9.9 SIP/2.0\r\n"
				"Via: SIP/2.0/UDP 192.0.2.%u:5060;branch=z9hG4bKack%u\r\n"
				"From: <sip:a@x>;tag=a%u\r\nTo: <sip:bob@10.9.9.9>;tag=fz\r\n"
				"Call-ID: c%u@x\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
				1 + b, b, b, b);
	default: /* §18.2.2 routing: maddr, received, rport */
		return snprintf(out, cap,
				"MESSAGE sip:bob@10.9.9.9 SIP/2.0\r\n"
				"Via: SIP/2.0/UDP host.example:5070;branch=z9hG4bKm%u;maddr=239.1.1.%u;ttl=1;rport\r\n"
				"Via: SIP/2.0/UDP [2001:db8::1]:5080;branch=z9hG4bKn%u\r\n"
				"From: <sip:a@x>;tag=m%u\r\nTo: <sip:bob@10.9.9.9>\r\n"
				"Call-ID: m%u@x\r\nCSeq: 3 MESSAGE\r\nContent-Length: 2\r\n\r\nhi",
				b, b, b, b, b);
	}
}

/* ----------------------------------------------------------- the driver */

struct cursor {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct cursor *c)
{
	if (!c->n)
		return 0;
	c->n--;
	return *c->p++;
}

static unsigned take16(struct cursor *c)
{
	unsigned lo = take(c);
	return lo | take(c) << 8;
}

static void run_timers(void)
{
	unsigned guard = 0;
	while (zsip_stack_next_deadline(F.st) <= F.now) {
		zsip_stack_timeout(F.st, F.now);
		if (++guard > 100000)
			abort(); /* a deadline that never moves: the app would spin */
	}
}

static void deliver(unsigned op, const char *buf, size_t len)
{
	struct zsip_addr src;
	zsip_addr_set(&src, srcs[(op >> 3) & 3], (uint16_t)(5060 + ((op >> 3) & 3)));
	zsip_stack_receive(F.st, F.tp[(op >> 5) & 1], &src, buf, len, F.now);
	run_timers();
}

static void client_request(unsigned m, unsigned b, unsigned tpi)
{
	static const char *const meth[5] = { "INVITE", "OPTIONS", "CANCEL", "REGISTER", "BYE" };
	char via[96], cid[48], cseq[32], from[64], out[1024];
	const char *mm = meth[m % 5];
	snprintf(via, sizeof via, "SIP/2.0/%s 10.9.9.9:%s;branch=z9hG4bKfz%u;rport", tpi ? "TCP" : "UDP",
		 tpi ? "5061" : "5060", b);
	snprintf(cid, sizeof cid, "fz%u@10.9.9.9", b);
	snprintf(cseq, sizeof cseq, "%u %s", 1 + b, mm);
	snprintf(from, sizeof from, "<sip:fz@10.9.9.9>;tag=fz%u", b);
	struct zsip_field f[] = {
		{ ZSIP_STR("Via"), zsip_str_c(via) },
		{ ZSIP_STR("Max-Forwards"), ZSIP_STR("70") },
		{ ZSIP_STR("From"), zsip_str_c(from) },
		{ ZSIP_STR("To"), ZSIP_STR("<sip:x@y>") },
		{ ZSIP_STR("Call-ID"), zsip_str_c(cid) },
		{ ZSIP_STR("CSeq"), zsip_str_c(cseq) },
	};
	struct zsip_request req = { zsip_str_c(mm), ZSIP_STR("sip:x@192.0.2.1"), f, 6, { NULL, 0 } };
	int n = zsip_build_request(out, sizeof out, &req);
	if (n <= 0 || (size_t)n > sizeof out)
		return;
	struct zsip_addr dst;
	zsip_addr_set(&dst, srcs[b & 3], (uint16_t)(5060 + (b & 3)));
	struct zsip_txn *t = NULL;
	if (zsip_stack_request(F.st, F.tp[tpi], &dst, out, (size_t)n, NULL, F.now, &t) == 0) {
		if (!t)
			abort();
		for (int i = 0; i < MAX_HANDLES; i++) {
			if (!F.cli[i]) {
				F.cli[i] = t;
				break;
			}
		}
	}
	run_timers();
}

/* Answers a request the stack sent, as the peer would. */
static void answer_sent(unsigned which, unsigned st, unsigned mut_off, unsigned mut_val)
{
	static struct zsip_msg m;
	static char resp[FUZZ_SENT_MAX + 512];
	int k = fuzz_sent_slot(&F.sent, which);
	if (k < 0 || !F.sent.len[k])
		return;
	if (zsip_msg_parse(&m, F.sent.buf[k], F.sent.len[k], NULL) <= 0 || !m.is_request)
		return;
	struct zsip_response r = { .code = codes[st % 8], .to_tag = ZSIP_STR("peer") };
	int n = zsip_build_response(resp, sizeof resp, &m, &r);
	if (n <= 0 || (size_t)n > sizeof resp)
		return;
	if (mut_val)
		resp[mut_off % (unsigned)n] = (char)mut_val;
	int tpi = F.sent.tp[k] == F.tp[1];
	zsip_stack_receive(F.st, F.tp[tpi], &F.sent.dst[k], resp, (size_t)n, F.now);
	run_timers();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(&F, 0, sizeof F);
	struct cursor c = { data, size };

	/* The last byte shapes the stack (small caps reach the 503 path, short
	 * timers, a small size limit); it stays part of the records too, so
	 * that a bare record sequence is a valid input (fuzz/seed.sh). */
	unsigned shape = size ? data[size - 1] : 0;
	struct zsip_config cfg = { 0 };
	cfg.alloc.alloc = fuzz_mem_alloc;
	cfg.alloc.free = fuzz_mem_free;
	cfg.alloc.user = &F.mem;
	cfg.send = fz_send;
	cfg.on_event = fz_event;
	cfg.seed = shape;
	cfg.max_transactions = 1 + (shape & 15);
	if (shape & 16) {
		cfg.t1_ms = 100;
		cfg.t2_ms = 400;
		cfg.t4_ms = 500;
	}
	if (shape & 32)
		cfg.limits.max_msg_size = 600;
	F.st = zsip_stack_new(&cfg);
	if (!F.st)
		return 0;
	F.tp[0] = zsip_stack_add_transport(F.st, ZSIP_TRANSPORT_UDP, NULL, 0, "10.9.9.9:5060");
	F.tp[1] = zsip_stack_add_transport(F.st, ZSIP_TRANSPORT_TCP, NULL, 1, "10.9.9.9:5061");
	if (F.tp[0] < 0 || F.tp[1] < 0)
		abort();

	static char buf[8192];
	for (unsigned rec = 0; c.n && rec < 2048; rec++) {
		unsigned op = take(&c);
		switch (op % 8) {
		case 0: {
			size_t len = take16(&c);
			if (len > c.n)
				len = c.n;
			memcpy(buf, c.p, len); /* the stack may not keep a pointer into it */
			c.p += len;
			c.n -= len;
			deliver(op, buf, len);
			break;
		}
		case 1: {
			unsigned t = take(&c), b = take(&c);
			int n = tmpl(buf, sizeof buf, t, b & 3, b >> 2);
			if (n <= 0 || (size_t)n >= sizeof buf)
				break;
			size_t len = (size_t)n;
			for (unsigned k = take(&c) & 15; k && len; k--) {
				size_t off = take16(&c) % len;
				unsigned v = take(&c);
				if (v == 0xff)
					len = off;
				else
					buf[off] = (char)v;
			}
			deliver(op, buf, len);
			break;
		}
		case 2: {
			unsigned w = take(&c), s = take(&c);
			answer_sent(w, s, take16(&c), s & 0x80 ? take(&c) : 0);
			break;
		}
		case 3: {
			unsigned t = take(&c);
			F.now += t < 200 ? t : (uint64_t)(t - 199) * 1000;
			run_timers();
			break;
		}
		case 4: {
			unsigned m = take(&c), b = take(&c);
			client_request(m, b & 3, (op >> 5) & 1);
			break;
		}
		case 5: {
			unsigned w = take(&c) % MAX_HANDLES, s = take(&c);
			if (F.srv[w]) {
				struct zsip_response r = { .code = codes[s % 8], .to_tag = ZSIP_STR("fz") };
				zsip_txn_reply(F.srv[w], &r, F.now);
				run_timers();
			}
			break;
		}
		case 6: {
			unsigned v = take(&c);
			F.send_fail = v & 1;
			F.mem.fail_after = (v >> 1) & 1 ? 1 + ((v >> 2) & 7) : 0;
			F.auto_answer = (v >> 5) ? codes[(v >> 5) & 7] : 0;
			break;
		}
		case 7: {
			unsigned w = take(&c);
			struct zsip_txn **tab = w & 0x80 ? F.cli : F.srv;
			struct zsip_txn *t = tab[w % MAX_HANDLES];
			if (w & 0x40) {
				struct zsip_addr dst;
				zsip_addr_set(&dst, srcs[w & 3], 5060);
				int n = tmpl(buf, sizeof buf, 9, w & 3, 0);
				if (n > 0 && (size_t)n < sizeof buf)
					zsip_stack_send(F.st, F.tp[(w >> 2) & 1], &dst, buf, (size_t)n);
			} else if (t) {
				(void)zsip_txn_kind(t);
				(void)zsip_txn_status(t);
				zsip_txn_terminate(t);
				run_timers();
			}
			break;
		}
		}
	}

	/* Let everything run out, as an application that stops receiving
	 * would: two hours of virtual time, in big steps. */
	F.send_fail = 0;
	F.mem.fail_after = 0;
	for (int i = 0; i < 8; i++) {
		F.now += 1000u * 1000u;
		run_timers();
	}
#ifdef FZ_DEBUG
	struct zsip_stack_stats ss;
	zsip_stack_stats(F.st, &ss);
	fprintf(stderr, "rx req %llu resp %llu retx %llu bad %llu/%llu/%llu stray %llu 503 %llu txn %llu/%llu timeouts %llu sent %u\n",
		(unsigned long long)ss.rx_requests, (unsigned long long)ss.rx_responses,
		(unsigned long long)ss.rx_retransmissions, (unsigned long long)ss.rx_bad_answered,
		(unsigned long long)ss.rx_bad_dropped, (unsigned long long)ss.rx_bad_responses,
		(unsigned long long)ss.rx_stray_responses, (unsigned long long)ss.tx_overload_503,
		(unsigned long long)ss.txn_created, (unsigned long long)ss.txn_terminated,
		(unsigned long long)ss.txn_timeouts, F.sent.n);
#endif
	zsip_stack_free(F.st);
	if (F.mem.live != 0)
		abort(); /* the stack leaked through its own allocator */
	return 0;
}
