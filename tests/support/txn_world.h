/* A stack under test in virtual time: it records every send and every
 * event, so tests can assert what went on the wire and when. No cmocka
 * here (benches and fuzzers may reuse it). */
#ifndef ZSIP_TEST_TXN_WORLD_H
#define ZSIP_TEST_TXN_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "zsip.h"

#define TW_MAX 512
#define TW_BUF 4096

struct tw_sent {
	int tid;
	struct zsip_addr dst;
	uint64_t at;
	size_t len;
	char buf[TW_BUF];
};

struct tw_event {
	enum zsip_event_type type;
	struct zsip_txn *txn;
	struct zsip_txn *cancel_target;
	int err;
	int transport_id;
	uint64_t at;
	size_t len;             /* bytes of ev->msg, 0 when none */
	char buf[TW_BUF];
};

struct tw {
	struct zsip_stack *s;
	int udp, tcp, tls;
	uint64_t now;
	struct tw_sent sent[TW_MAX];
	size_t nsent;
	struct tw_event ev[TW_MAX];
	size_t nev;
	long fail_after;        /* sends after this many succeed fail; -1: never */
	/* Called for every event after it is recorded (may be NULL). */
	void (*hook)(struct tw *w, const struct zsip_event *ev);
	void *hook_user;
};

/* A stack with UDP (sent-by "pc33.atlanta.example.com"), TCP and TLS
 * transports; cfg may be NULL (defaults) and is completed with the
 * world's callbacks. Returns 0 or -1. */
int tw_init(struct tw *w, const struct zsip_config *cfg);
void tw_fini(struct tw *w);

/* Runs every timer due up to t, each at its own time; now becomes t. */
void tw_advance(struct tw *w, uint64_t t);
/* Receives text (a NUL-terminated message) from host:port at now. */
int tw_recv(struct tw *w, int tid, const char *host, uint16_t port, const char *text);

/* The number of events of a type; the i-th one (NULL when none). */
size_t tw_count(const struct tw *w, enum zsip_event_type type);
const struct tw_event *tw_nth(const struct tw *w, enum zsip_event_type type, size_t i);
void tw_clear(struct tw *w);

/* Writes a request in the shape of RFC 3261 §24.2 (Alice to Bob):
 * method, top Via "SIP/2.0/<tp> <sent_by>;branch=<branch><via_extra>",
 * CSeq 314159 <cseq_method or method>, extra headers (CRLF-ended) before
 * Content-Length. Returns the length. */
int tw_request(char *out, size_t cap, const char *method, const char *tp, const char *sent_by,
	       const char *branch, const char *via_extra, const char *cseq_method,
	       const char *extra);
/* A response to such a request: code, To tag (NULL: none), same Via. */
int tw_response(char *out, size_t cap, int code, const char *method, const char *tp,
		const char *sent_by, const char *branch, const char *to_tag);

#endif
