/* Transaction layer internals: the transaction object, the hash table that
 * matches messages to transactions (RFC 3261 §17.1.3, §17.2.3), the four
 * state machines (§17.1.1, §17.1.2, §17.2.1, §17.2.2, RFC 6026), response
 * routing (§18.2.2, RFC 3581) and the stateless answers. */
#ifndef ZSIPI_TXN_H
#define ZSIPI_TXN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/core.h"
#include "msg/msgi.h"

/* The RFC's timer letters. A transaction runs at most two timers at once:
 * a retransmission slot (A, E, G, or the 100 Trying delay) and an end slot
 * (B, D, F, H, I, J, K, L, M, or GONE, the zero-length step that delivers
 * TERMINATED and frees the transaction). */
enum zsipi_timer_id {
	ZSIPI_TIMER_NONE = 0,
	ZSIPI_TIMER_A, ZSIPI_TIMER_B, ZSIPI_TIMER_D, ZSIPI_TIMER_E,
	ZSIPI_TIMER_F, ZSIPI_TIMER_G, ZSIPI_TIMER_H, ZSIPI_TIMER_I,
	ZSIPI_TIMER_J, ZSIPI_TIMER_K, ZSIPI_TIMER_L, ZSIPI_TIMER_M,
	ZSIPI_TIMER_TRYING,     /* §17.2.1: 100 Trying after 200 ms of TU silence */
	ZSIPI_TIMER_GONE,
};

/* What drives a state machine: a timer (enum zsipi_timer_id values), a
 * message from the network, or a response from the TU. */
enum zsipi_input {
	ZSIPI_IN_RX_1XX = 100,  /* client: response received */
	ZSIPI_IN_RX_2XX,
	ZSIPI_IN_RX_FINAL,      /* 300-699 */
	ZSIPI_IN_RX_REQUEST,    /* server: the request again (retransmission) */
	ZSIPI_IN_RX_ACK,        /* server INVITE: an ACK that matched */
	ZSIPI_IN_TU_1XX,        /* server: response from the TU */
	ZSIPI_IN_TU_2XX,
	ZSIPI_IN_TU_FINAL,      /* 300-699 */
};

/* The message behind an input, when there is one. */
struct zsipi_rx {
	const struct zsip_msg *msg;     /* from the network; NULL for TU input */
	const char *buf;        /* TU response bytes */
	size_t len;
	int status;             /* TU response status */
	struct zsip_str to_tag; /* its To tag, a slice of buf (RFC 2543 matching) */
	int transport;
	const struct zsip_addr *src;
	uint64_t now;
};

struct zsip_txn {
	struct zsip_stack *stack;
	struct zsip_txn *hnext;
	void *user;
	/* zsip_txn_set_handler: this transaction's events go here, not to
	 * the stack's sink. NULL: the sink. */
	void (*on_event)(void *user, const struct zsip_event *ev);
	void *ev_user;
	struct zsipi_timer retx;
	struct zsipi_timer end;
	uint32_t retx_ms;       /* the interval the retransmission slot runs */
	uint32_t hash;
	uint8_t kind;           /* enum zsip_txn_kind */
	uint8_t state;          /* enum zsip_txn_state */
	uint8_t method_id;      /* enum zsip_method */
	uint8_t reliable;
	uint8_t retx_id;        /* enum zsipi_timer_id running in each slot */
	uint8_t end_id;
	uint8_t cookie;         /* branch starts with z9hG4bK */
	uint8_t ncopy;          /* server: see zsipi_txn_copies */
	uint16_t status;        /* last status sent or received */
	uint16_t via_port;
	int transport;
	uint32_t cseq;
	struct zsip_addr peer;

	/* Fields of the request, pointing into req[]. */
	struct zsip_str method;
	struct zsip_str branch;
	struct zsip_str via_host;
	struct zsip_str call_id;
	struct zsip_str from_tag;
	struct zsip_str to_tag;
	struct zsip_str ruri;

	/* The last response sent (server) or the ACK (client INVITE). */
	char *out;
	uint32_t out_len, out_cap;
	struct zsip_str out_to_tag; /* To tag of out, for RFC 2543 ACK matching */

	uint32_t req_len;       /* bytes of the request in req[] */
	uint32_t req_alloc;     /* bytes allocated for req[] and, on a server, the copies */
	char req[];
};

/* Server: where the fields a response copies lie in the request (Via ...,
 * From, To, Call-ID, CSeq, Timestamp), tx->ncopy of them after req[] (at
 * the next multiple of 4), so that answering never parses it again. */
static inline size_t zsipi_txn_copy_off(size_t req_len)
{
	return (req_len + 3) & ~(size_t)3;
}

static inline const struct zsipi_copy *zsipi_txn_copies(const struct zsip_txn *tx)
{
	return (const struct zsipi_copy *)(const void *)(tx->req + zsipi_txn_copy_off(tx->req_len));
}

/* zsip_str_caseeq, trying the exact bytes first (the common case). */
static inline int zsipi_same_ci(struct zsip_str a, struct zsip_str b)
{
	return a.len == b.len && (!a.len || memcmp(a.p, b.p, a.len) == 0 || zsip_str_caseeq(a, b));
}

static inline int zsipi_is_server(const struct zsip_txn *tx)
{
	return tx->kind == ZSIP_TXN_SERVER_INVITE || tx->kind == ZSIP_TXN_SERVER_NON_INVITE;
}

/* ------------------------------------------------------------ table.c */
int zsipi_table_init(struct zsipi_table *t, struct zsipi_mem *mem);
/* Frees the buckets only. */
void zsipi_table_fini(struct zsipi_table *t, struct zsipi_mem *mem);
void zsipi_table_insert(struct zsip_stack *s, struct zsip_txn *tx);
void zsipi_table_remove(struct zsip_stack *s, struct zsip_txn *tx);
/* The hash a transaction is filed under. */
uint32_t zsipi_txn_hash(int server, int cookie, struct zsip_str branch, struct zsip_str call_id);
/* §17.1.3: live client transaction with this branch and CSeq method. */
struct zsip_txn *zsipi_match_client(struct zsip_stack *s, struct zsip_str branch,
				    const struct zsip_cseq *cseq);
/* §17.2.3: live server transaction for a request (ACK finds its INVITE). */
struct zsip_txn *zsipi_match_server(struct zsip_stack *s, const struct zsip_msg *req);
/* §9.2: the live INVITE server transaction a CANCEL cancels. */
struct zsip_txn *zsipi_match_cancel(struct zsip_stack *s, const struct zsip_msg *cancel);
int zsipi_has_cookie(struct zsip_str branch);

/* ------------------------------------------------------------ machine.c */
/* Each returns 0, or for TU inputs ZSIP_ESTATE / ZSIP_ETRANSPORT. */
int zsipi_client_invite(struct zsip_txn *tx, int in, const struct zsipi_rx *rx);
int zsipi_client_non_invite(struct zsip_txn *tx, int in, const struct zsipi_rx *rx);
int zsipi_server_invite(struct zsip_txn *tx, int in, const struct zsipi_rx *rx);
int zsipi_server_non_invite(struct zsip_txn *tx, int in, const struct zsipi_rx *rx);
/* Runs tx's machine. */
int zsipi_txn_input(struct zsip_txn *tx, int in, const struct zsipi_rx *rx);

/* ------------------------------------------------------------ txn.c */
/* What a transaction keeps of its request to match messages to it: slices
 * of the request's bytes, as the parser reads them (absent: { NULL, 0 }). */
struct zsipi_req_keys {
	struct zsip_str method;         /* of the request line */
	struct zsip_str ruri;
	struct zsip_str branch;         /* of the top Via */
	struct zsip_str via_host;       /* its sent-by host ('[' ']' kept) */
	struct zsip_str call_id;
	struct zsip_str from_tag, to_tag;
	uint32_t cseq;                  /* CSeq number (its method is the request's) */
	uint16_t via_port;              /* 0 when absent */
	uint8_t method_id;              /* enum zsip_method */
};
/* The keys of a parsed request (slices of m->buf). */
void zsipi_msg_keys(const struct zsip_msg *m, struct zsipi_req_keys *k);
/* zsip_stack_request for a request whose keys the caller already knows
 * because it wrote buf[0 .. len) itself (a layer above: the UA), so that it
 * is not parsed again: k's slices lie in buf. The caller answers for the
 * request being well formed (built from checked parts). Returns what
 * zsip_stack_request returns; ZSIP_ETOOBIG past limits.max_msg_size. */
int zsipi_stack_request_keyed(struct zsip_stack *s, int transport_id, const struct zsip_addr *dst,
			      const char *buf, size_t len, const struct zsipi_req_keys *k, void *user,
			      uint64_t now, struct zsip_txn **out);
/* Hands an event about tx to its handler, or to the stack's sink. */
void zsipi_txn_emit(struct zsip_txn *tx, const struct zsip_event *ev);
/* Starts timer id in its slot, due ms after now. */
void zsipi_txn_timer(struct zsip_txn *tx, enum zsipi_timer_id id, uint64_t now, uint64_t ms);
void zsipi_txn_timer_stop(struct zsip_txn *tx, enum zsipi_timer_id id);
/* Moves tx to Terminated: it stops matching, and TERMINATED is delivered and
 * tx freed from the timer run at now. Safe to call more than once. */
void zsipi_txn_end(struct zsip_txn *tx, uint64_t now);
/* zsip_txn_reply with header lines the caller (the UA) wrote from checked
 * parts, put before resp->hdrs without their checks (lines of
 * zsipi_build_response_copies). */
int zsipi_txn_reply(struct zsip_txn *tx, const struct zsip_response *resp, struct zsip_str lines,
		    uint64_t now_ms);
/* Replaces tx->out with a copy of buf; to_tag (a slice of buf, may be
 * absent) is kept for RFC 2543 ACK matching. 0 or ZSIP_ENOMEM. */
int zsipi_txn_store_out(struct zsip_txn *tx, const char *buf, size_t len,
			struct zsip_str to_tag);
/* Handles a parsed request / response from the network. */
/* zsipi_rx_request may move m onto the transaction's stamped copy of its
 * bytes (zsipi_msg_move). */
int zsipi_rx_request(struct zsip_stack *s, int tid, const struct zsip_addr *src,
		     struct zsip_msg *m, uint64_t now);
int zsipi_rx_response(struct zsip_stack *s, int tid, const struct zsip_addr *src,
		      const struct zsip_msg *m, uint64_t now);

/* ------------------------------------------------------------ route.c */
/* §18.2.2 and RFC 3581: where a response to a request with top Via via,
 * received from src over tp, goes. ZSIP_EINVAL when it cannot be routed
 * (e.g. an maddr too long for struct zsip_addr). */
int zsipi_response_dest(const struct zsipi_transport *tp, const struct zsip_via *via,
			const struct zsip_addr *src, struct zsip_addr *dst);
/* §18.2.1, RFC 3581 §4: the edits that put received (when the source is
 * not the sent-by host) and the rport value (when asked for) on the top
 * Via of a request. */
struct zsipi_stamp {
	const char *rport_at;   /* insert the rport value here; NULL: none */
	int rport_eq;           /* with an '=' first */
	const char *recv_at;    /* insert ";received=<source>" here; NULL: none */
	char port[6];
	size_t extra;           /* bytes the edits add; 0: nothing to do */
};
/* Plans the edits for m, received from src. */
void zsipi_stamp_plan(struct zsipi_stamp *p, const struct zsip_msg *m,
		      const struct zsip_addr *src);
/* Writes m's bytes with the edits into out (room for m->len + p->extra)
 * and moves m onto them without parsing again (zsipi_msg_move). Returns
 * the length; 0 when the stamped Via would not read back, m then being
 * as it was. lim: the limits m was parsed with. */
size_t zsipi_stamp_move(char *out, const struct zsipi_stamp *p, struct zsip_msg *m,
			const struct zsip_addr *src, const struct zsip_limits *lim);
/* Writes top (the top Via value, parsed as via) stamped as above into
 * out. Returns the length, 0 when cap is too small. */
size_t zsipi_stamp_via(char *out, size_t cap, struct zsip_str top, const struct zsip_via *via,
		       const struct zsip_addr *src);

/* ------------------------------------------------------------ stateless.c */
/* Answers a request that failed to parse with err (§8.2, §21), when its
 * Via, From, To, Call-ID and CSeq can be read. 1 when answered, 0 when
 * dropped. */
int zsipi_answer_bad_request(struct zsip_stack *s, int tid, const struct zsip_addr *src,
			     const char *buf, size_t len, int err);
/* Answers m with 503 and Retry-After, taking no memory (overload). m may
 * be moved onto the stamped copy in scratch A. */
void zsipi_answer_overload(struct zsip_stack *s, int tid, const struct zsip_addr *src,
			   struct zsip_msg *m);

#endif
