/* zsip stack object and transaction layer (RFC 3261 §17, §18, RFC 6026,
 * RFC 3581).
 *
 * The stack is sans-I/O: it never opens a socket, reads a clock or starts a
 * thread. The application
 *   - registers its transports (zsip_stack_add_transport),
 *   - hands every received datagram, or every message framed off a stream
 *     (zsip_frame), to zsip_stack_receive,
 *   - calls zsip_stack_timeout whenever the time zsip_stack_next_deadline
 *     gave has come, and asks zsip_stack_next_deadline again after every
 *     call into the stack,
 *   - sends what the stack gives to its send callback.
 * Time is a monotonic count of milliseconds chosen by the application; every
 * entry point takes it as now_ms and it must never go backwards.
 *
 * A stack object is used from one thread. It holds no globals; run as many
 * as you like.
 *
 * Errors are negative ZSIP_E* codes (zsip/err.h). */
#ifndef ZSIP_STACK_H
#define ZSIP_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "zsip/err.h"
#include "zsip/msg.h"

#ifdef __cplusplus
extern "C" {
#endif

struct zsip_stack;
struct zsip_txn;

/* ------------------------------------------------------------- addresses */

/* A transport address as the application's sockets see it: plain text, no
 * sockaddr. host is NUL-terminated: an IPv4 address ("192.0.2.1"), an IPv6
 * address without brackets ("2001:db8::1"), or, only where the RFC gives the
 * stack a name (Via maddr, sent-by), a host name that the application must
 * resolve. Tests may use any text ("alice"). */
#define ZSIP_ADDR_HOST_MAX 64
struct zsip_addr {
	char host[ZSIP_ADDR_HOST_MAX];
	uint16_t port;
};

/* Fills a from a NUL-terminated host and a port. Returns 0, or ZSIP_EINVAL
 * when host is NULL or does not fit. */
int zsip_addr_set(struct zsip_addr *a, const char *host, uint16_t port);

/* ------------------------------------------------------------- transports */

enum zsip_transport_kind {
	ZSIP_TRANSPORT_UDP = 1,
	ZSIP_TRANSPORT_TCP,
	ZSIP_TRANSPORT_TLS,
	ZSIP_TRANSPORT_OTHER,   /* e.g. SCTP, WS: give the Via token yourself */
};

/* At most this many transports per stack. */
#define ZSIP_MAX_TRANSPORTS 16

/* --------------------------------------------------------------- memory */

/* Allocator hooks. Every byte the stack holds comes from alloc and goes back
 * through free, which is told the size that was asked for (a sized free, so
 * pool allocators need no headers). alloc returns NULL on failure; the stack
 * then fails cleanly (503 to a request, ZSIP_ENOMEM to a caller). All three
 * members NULL: malloc/free. */
struct zsip_allocator {
	void *(*alloc)(void *user, size_t size);
	void (*free)(void *user, void *ptr, size_t size);
	void *user;
};

/* --------------------------------------------------------------- events */

enum zsip_event_type {
	/* A new request created a server transaction (ev->txn). Answer it with
	 * zsip_txn_respond or zsip_txn_reply, now or later. For a CANCEL,
	 * ev->cancel_target is the INVITE server transaction it matches
	 * (RFC 3261 §9.2), or NULL (answer 481). */
	ZSIP_EV_REQUEST = 1,
	/* An ACK the transaction layer does not absorb: the ACK for a 2xx
	 * (RFC 3261 §13.3.1.4, §17.2.3) or a stray one. ev->txn is the INVITE
	 * server transaction in the Accepted state it matched (RFC 6026 §7.1),
	 * or NULL. No transaction is created for an ACK. */
	ZSIP_EV_ACK,
	/* A response for client transaction ev->txn: every 1xx, the final
	 * response, and (INVITE, RFC 6026 Accepted state) each further 2xx,
	 * which the dialog layer must ACK. Retransmitted non-2xx finals are
	 * absorbed and never reported twice. */
	ZSIP_EV_RESPONSE,
	/* A response that matched no client transaction (RFC 3261 §18.1.2):
	 * e.g. a 2xx to an INVITE after Timer M. ev->txn is NULL. A UA core may
	 * ignore it. */
	ZSIP_EV_STRAY_RESPONSE,
	/* ev->txn timed out: Timer B or F (client: no final response; ev->err
	 * ZSIP_ETIMEOUT, the TU should act as on a 408, §8.1.3.1) or Timer H
	 * (INVITE server: no ACK for a non-2xx final, §17.2.1). TERMINATED
	 * follows. */
	ZSIP_EV_TIMEOUT,
	/* The send callback failed for ev->txn while the stack was sending on
	 * its own (a retransmission, an ACK, a 100 Trying): §17.1.4, §17.2.4.
	 * ev->err is ZSIP_ETRANSPORT. TERMINATED follows. (A failure during
	 * zsip_stack_request or zsip_txn_respond is returned by that call
	 * instead.) */
	ZSIP_EV_TRANSPORT_ERROR,
	/* ev->txn reached the Terminated state and is freed when the callback
	 * returns: forget the handle. Every transaction ends with exactly one
	 * TERMINATED event (except those still alive at zsip_stack_free). It
	 * always comes from zsip_stack_timeout: a transaction that ends during
	 * another call (a receive, zsip_txn_terminate, a failed send) stops
	 * matching at once, and zsip_stack_next_deadline turns <= now so that
	 * the next zsip_stack_timeout delivers TERMINATED and frees it. */
	ZSIP_EV_TERMINATED,
};

/* One event. Every pointer is valid only during the callback: copy what you
 * need. msg points into the received buffer (or the transaction's copy). */
struct zsip_event {
	enum zsip_event_type type;
	struct zsip_txn *txn;           /* see each type; NULL when none */
	const struct zsip_msg *msg;     /* REQUEST, ACK, RESPONSE, STRAY_RESPONSE; else NULL */
	struct zsip_txn *cancel_target; /* REQUEST for a CANCEL; else NULL */
	int transport_id;               /* transport the message came in on; else the txn's */
	const struct zsip_addr *src;    /* its source address; NULL for timer events */
	int err;                        /* TIMEOUT: ZSIP_ETIMEOUT; TRANSPORT_ERROR: ZSIP_ETRANSPORT; else 0 */
	uint64_t now_ms;
};

/* --------------------------------------------------------------- config */

/* Configuration for zsip_stack_new. Zero means "the default" for every
 * number, so `struct zsip_config cfg = {0};` plus a send callback is a
 * working config. The stack copies what it needs; cfg may go after
 * zsip_stack_new returns. */
struct zsip_config {
	struct zsip_allocator alloc;    /* NULL members: malloc/free */
	void *user;                     /* passed to every callback below */

	/* Sends buf[0 .. len) to dst over transport_id. Required. Returns 0,
	 * or non-zero when the transport failed (the stack then treats it as
	 * a transport error, RFC 3261 §17.1.4, §17.2.4). buf is only valid
	 * during the call. Must not call back into the stack. */
	int (*send)(void *user, int transport_id, const struct zsip_addr *dst,
		    const char *buf, size_t len);

	/* Receives every event. May call zsip_stack_request, zsip_stack_send,
	 * zsip_txn_respond, zsip_txn_reply, zsip_txn_terminate and the
	 * accessors; must not call zsip_stack_receive, zsip_stack_timeout or
	 * zsip_stack_free. NULL: events are dropped (requests then stay
	 * unanswered until the TU answers them some other way). */
	void (*on_event)(void *user, const struct zsip_event *ev);

	/* Production needs the operating system's generator here (getrandom(2),
	 * see README "Digest authentication"). Tags, branches, Call-IDs,
	 * cnonces and the digest nonce key come from it and must be
	 * unpredictable to anyone on the path (RFC 3261 §19.3, §22.4): a
	 * guessed To tag and Call-ID let a stranger end a call with one BYE.
	 * The library reads no entropy source itself. Fills buf[0 .. len) with
	 * random bytes and returns 0 (non-zero: failure).
	 * NULL: a predictable generator seeded from seed, for tests and
	 * simulations only; zsip_auth_server_new refuses to run on it
	 * (ZSIP_ENORANDOM). */
	int (*random)(void *user, void *buf, size_t len);
	uint64_t seed;

	unsigned max_transactions;      /* cap on live transactions; default 4096 */
	/* Parser limits; zeros: defaults (65535 bytes ...). max_msg_size also
	 * sizes the stack's two work buffers, 2 * (max_msg_size + 1024) bytes
	 * held for the stack's life: that is most of an idle stack (136,118
	 * bytes at the defaults, 13,240 with 4096 and 16 transactions).
	 * Messages the stack builds or stamps must fit in one of them. */
	struct zsip_limits limits;

	uint32_t t1_ms;                 /* RTT estimate, default 500 (§17.1.1.1) */
	uint32_t t2_ms;                 /* max non-INVITE/response retransmit interval, default 4000 */
	uint32_t t4_ms;                 /* max time a message stays in the network, default 5000 */
	uint32_t timer_d_ms;            /* Timer D on unreliable transports, default 32000 */
	uint32_t trying_ms;             /* INVITE server sends 100 Trying when the TU is silent this long, default 200 (§17.2.1) */
	uint32_t retry_after_s;         /* Retry-After in the overload 503, default 5 */
};

/* ---------------------------------------------------------------- stack */

/* Creates a stack. Returns NULL when cfg is NULL, cfg->send is NULL, a
 * value is out of range (t1 > t2, ...) or memory runs out. Free it with
 * zsip_stack_free. */
struct zsip_stack *zsip_stack_new(const struct zsip_config *cfg);

/* Frees the stack and every transaction it still holds, without sending
 * anything and without raising events. NULL is allowed. */
void zsip_stack_free(struct zsip_stack *stack);

/* Registers a transport owned by the application. kind picks the Via
 * transport token (UDP, TCP, TLS; for OTHER, give via_token, e.g. "SCTP",
 * else it is ignored and may be NULL). reliable: 1 for a stream or
 * otherwise reliable transport (no retransmissions, Timers D, I, J, K are
 * zero, §17), 0 for a datagram one. sent_by: "host" or "host:port" to write
 * in Via (§18.1.1, IPv6 in brackets), copied. Returns the transport id
 * (>= 0), ZSIP_EINVAL for bad arguments, or ZSIP_ELIMIT past
 * ZSIP_MAX_TRANSPORTS. */
int zsip_stack_add_transport(struct zsip_stack *stack, enum zsip_transport_kind kind,
			     const char *via_token, int reliable, const char *sent_by);

/* Handles one received message: a whole datagram, or one message framed off
 * a stream. buf is only read during the call. src is where it came from
 * (for a reliable transport, it names the connection: responses go back to
 * the same transport id and src, §18.2.2).
 *
 * Requests: matched to a server transaction (§17.2.3) or, when new, given
 * to the TU with a new server transaction; retransmissions are absorbed.
 * A request that fails to parse is answered statelessly with the status
 * and reason of zsip_err_status() when its Via, From, To, Call-ID and CSeq
 * can be read, and dropped otherwise; an ACK is never answered. Past the
 * transaction cap (or out of memory), a new request gets a stateless 503
 * with Retry-After and takes no memory. The top Via of a stored request
 * gets received/rport as §18.2.1 and RFC 3581 say.
 * Responses: matched to a client transaction (§17.1.3) and handled by its
 * state machine; one that fails to parse, or whose top Via sent-by is not
 * the one the transaction sent, is dropped and counted.
 *
 * Returns 0 when the message was handled (passed up, absorbed), or a
 * negative code when it was not: the parse error (answered with 4xx/5xx
 * or dropped), ZSIP_ELIMIT or ZSIP_ENOMEM (answered 503), ZSIP_EINVAL for
 * a bad argument or unknown transport, ZSIP_ESTATE when called from a
 * callback. */
int zsip_stack_receive(struct zsip_stack *stack, int transport_id,
		       const struct zsip_addr *src, const char *buf, size_t len,
		       uint64_t now_ms);

/* Runs every timer due at or before now_ms (retransmissions, timeouts,
 * terminations). Returns 0, or ZSIP_ESTATE when called from a callback. */
int zsip_stack_timeout(struct zsip_stack *stack, uint64_t now_ms);

/* The time at which zsip_stack_timeout should next be called, or UINT64_MAX
 * when no timer is running. It may be <= now (call zsip_stack_timeout right
 * away: e.g. a transaction on a reliable transport that just completed
 * terminates at its zero-length Timer J/K). */
uint64_t zsip_stack_next_deadline(const struct zsip_stack *stack);

/* ---------------------------------------------------- client transactions */

/* Starts a client transaction (§17.1) for the request in buf[0 .. len),
 * typically built with zsip_build_request, and sends it to dst over
 * transport_id. The stack parses and keeps its own copy (buf may go when
 * the call returns); the top Via must carry a branch (make one with
 * zsip_stack_make_via or zsip_stack_branch). INVITE gets the INVITE
 * machine, every other method but ACK the non-INVITE one (a CANCEL is an
 * ordinary non-INVITE transaction with the INVITE's branch, §9.1). An ACK
 * has no transaction: send it with zsip_stack_send.
 *
 * user: the transaction's user pointer (zsip_txn_user). *out (may be NULL)
 * gets the handle, valid until its TERMINATED event.
 * Returns 0; ZSIP_EINVAL (not a request, ACK, no branch, bad transport),
 * the parse error of buf, ZSIP_ETOOBIG, ZSIP_ELIMIT (transaction cap),
 * ZSIP_ENOMEM, ZSIP_EINVAL when a live client transaction already has this
 * branch and method, or ZSIP_ETRANSPORT when the first send failed. On
 * any error no transaction exists and no event will come. */
int zsip_stack_request(struct zsip_stack *stack, int transport_id,
		       const struct zsip_addr *dst, const char *buf, size_t len,
		       void *user, uint64_t now_ms, struct zsip_txn **out);

/* Sends buf[0 .. len) to dst over transport_id outside any transaction:
 * the ACK for a 2xx (§13.2.2.4), a stateless response or request. Returns
 * 0, ZSIP_EINVAL, or ZSIP_ETRANSPORT. */
int zsip_stack_send(struct zsip_stack *stack, int transport_id,
		    const struct zsip_addr *dst, const char *buf, size_t len);

/* ----------------------------------------------------- server transactions */

/* Sends a response (bytes built with zsip_build_response for this
 * transaction's request, see zsip_txn_request) on server transaction txn
 * and moves its state machine (§17.2.1, §17.2.2, RFC 6026): 1xx keeps it in
 * Proceeding; 2xx to an INVITE goes to Accepted (Timer L), where further
 * 2xx, retransmitted by the TU, are sent too; other finals go to Completed,
 * and the stack retransmits them itself. The stack keeps a copy. The
 * response goes where §18.2.2 and RFC 3581 say (zsip_txn_peer).
 * Returns 0; ZSIP_EINVAL (not a response to this request, unparseable);
 * ZSIP_ESTATE (client transaction, or a final response was already sent
 * and this is not a 2xx in Accepted); ZSIP_ENOMEM; ZSIP_ETRANSPORT when the
 * send callback failed: the transaction then terminates (§17.2.4) and its
 * TERMINATED event comes from the next zsip_stack_timeout call, except for
 * a 2xx resent in Accepted, which leaves it there (the TU owns 2xx
 * retransmission, RFC 6026 §7.1). */
int zsip_txn_respond(struct zsip_txn *txn, const char *buf, size_t len, uint64_t now_ms);

/* Builds the response described by resp to txn's request (with
 * zsip_build_response) and sends it as zsip_txn_respond does. Returns what
 * zsip_txn_respond returns, or ZSIP_ETOOBIG past the size limit. */
int zsip_txn_reply(struct zsip_txn *txn, const struct zsip_response *resp, uint64_t now_ms);

/* ---------------------------------------------------- any transaction */

enum zsip_txn_kind {
	ZSIP_TXN_CLIENT_INVITE = 1,
	ZSIP_TXN_CLIENT_NON_INVITE,
	ZSIP_TXN_SERVER_INVITE,
	ZSIP_TXN_SERVER_NON_INVITE,
};

/* The states of RFC 3261 §17 figures 5-8 with RFC 6026's Accepted. */
enum zsip_txn_state {
	ZSIP_TXN_CALLING = 1,   /* client INVITE */
	ZSIP_TXN_TRYING,        /* client and server non-INVITE */
	ZSIP_TXN_PROCEEDING,
	ZSIP_TXN_COMPLETED,
	ZSIP_TXN_CONFIRMED,     /* server INVITE */
	ZSIP_TXN_ACCEPTED,      /* INVITE, RFC 6026 */
	ZSIP_TXN_TERMINATED,
};

/* Ends txn now, whatever its state, without sending anything (e.g. a
 * client INVITE whose CANCEL got no 487 within 64*T1, §9.1). No event comes
 * for it except TERMINATED, from the next zsip_stack_timeout call. Returns 0
 * or ZSIP_ESTATE when already terminated. */
int zsip_txn_terminate(struct zsip_txn *txn);

enum zsip_txn_kind zsip_txn_kind(const struct zsip_txn *txn);
enum zsip_txn_state zsip_txn_state(const struct zsip_txn *txn);
/* The request method (enum zsip_method; OTHER for an extension method). */
enum zsip_method zsip_txn_method(const struct zsip_txn *txn);
/* The request that created txn, as the stack keeps it (for a server
 * transaction, with received/rport added to the top Via): parse it with
 * zsip_msg_parse to build a response or a CANCEL. Owned by txn. */
struct zsip_str zsip_txn_request(const struct zsip_txn *txn);
/* The top Via branch of that request. Owned by txn. */
struct zsip_str zsip_txn_branch(const struct zsip_txn *txn);
/* Client: the destination; server: where responses go (§18.2.2). */
const struct zsip_addr *zsip_txn_peer(const struct zsip_txn *txn);
int zsip_txn_transport(const struct zsip_txn *txn);
/* The last status code sent (server) or received (client); 0 when none. */
int zsip_txn_status(const struct zsip_txn *txn);
void *zsip_txn_user(const struct zsip_txn *txn);
void zsip_txn_set_user(struct zsip_txn *txn, void *user);
/* Sends every later event of txn (RESPONSE, ACK, TIMEOUT,
 * TRANSPORT_ERROR, TERMINATED) to on_event(user, ev) instead of the
 * stack's on_event: a module that starts its own transactions (a
 * registration, a call) gets their events without a central dispatch.
 * on_event NULL: back to the stack's. The same rules apply inside it as in
 * the stack's on_event. */
void zsip_txn_set_handler(struct zsip_txn *txn,
			  void (*on_event)(void *user, const struct zsip_event *ev), void *user);
struct zsip_stack *zsip_txn_stack(const struct zsip_txn *txn);

/* ------------------------------------------------------ helpers for the TU */

/* The RFC 3261 §8.1.1.7 magic cookie that starts every branch we make. */
#define ZSIP_BRANCH_COOKIE "z9hG4bK"
/* Length of a branch zsip_stack_branch writes (cookie + 16 characters). */
#define ZSIP_BRANCH_LEN 23

/* Writes a new branch, unique within this stack ("z9hG4bK" + 16 random
 * token characters) and a NUL into out. Returns ZSIP_BRANCH_LEN, or
 * ZSIP_ENOSPC when cap <= ZSIP_BRANCH_LEN. */
int zsip_stack_branch(struct zsip_stack *stack, char *out, size_t cap);

/* Writes n random alphanumeric characters and a NUL into out (tags,
 * Call-ID: §19.3 wants at least 32 bits of randomness). Returns n, or
 * ZSIP_ENOSPC when cap <= n. */
int zsip_stack_random_token(struct zsip_stack *stack, char *out, size_t cap, size_t n);

/* Writes a Via value for a new request over transport_id into out with a
 * NUL: "SIP/2.0/UDP sent-by;branch=z9hG4bK...", plus ";rport" when rport is
 * non-zero (RFC 3581). Returns its length, ZSIP_ENOSPC, or ZSIP_EINVAL for
 * an unknown transport. */
int zsip_stack_make_via(struct zsip_stack *stack, int transport_id, char *out, size_t cap,
			int rport);

/* ---------------------------------------------------------- statistics */

struct zsip_stack_stats {
	uint64_t rx_requests;           /* requests received (parsed) */
	uint64_t rx_responses;          /* responses received (parsed) */
	uint64_t rx_retransmissions;    /* requests and responses absorbed by a transaction */
	uint64_t rx_bad_answered;       /* unparseable requests answered statelessly */
	uint64_t rx_bad_dropped;        /* unparseable requests dropped (could not answer, or ACK) */
	uint64_t rx_bad_responses;      /* responses dropped: unparseable or wrong sent-by (§18.1.2) */
	uint64_t rx_stray_responses;    /* responses matching no client transaction */
	uint64_t tx_overload_503;       /* requests refused past the cap or out of memory */
	uint64_t tx_retransmissions;    /* messages resent by timers or for absorbed retransmissions */
	uint64_t tx_errors;             /* send callback failures */
	uint64_t txn_created;
	uint64_t txn_terminated;
	uint64_t txn_timeouts;
	size_t txn_active;              /* live transactions */
	size_t txn_peak;
	size_t heap_bytes;              /* bytes held through the allocator now */
	size_t heap_peak;
};
void zsip_stack_stats(const struct zsip_stack *stack, struct zsip_stack_stats *out);

#ifdef __cplusplus
}
#endif
#endif
