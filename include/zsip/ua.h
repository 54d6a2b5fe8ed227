/* zsip UA core: dialogs and INVITE sessions (calls) over the transaction
 * layer (RFC 3261 §8, §9, §12-15, RFC 6026, RFC 5407).
 *
 * A struct zsip_ua sits on top of one stack and takes over its events
 * (zsip_ua_new installs it as the stack's event sink). The application keeps
 * driving the stack exactly as before: zsip_stack_receive for every message,
 * zsip_stack_timeout when zsip_stack_next_deadline has come (the UA's own
 * timers, 2xx retransmission, ACK wait, 491 retry, CANCEL give-up, run on
 * the stack's timer heap). Everything stays sans-I/O: the UA sends through
 * the stack's send callback and reads no clock.
 *
 * What the UA does by itself:
 *   - places calls (INVITE with Contact, Max-Forwards 70, Allow, Supported,
 *     an opaque body and the caller's extra headers), ACKs every 2xx
 *     (again for each retransmitted 2xx), ACKs then BYEs the extra 2xx of a
 *     forked INVITE (§13.2.2.4), answers 401/407 through the credentials
 *     callback (same call handle), holds a CANCEL until a 1xx came (§9.1);
 *   - takes calls: INCOMING event, To tag made once per dialog, 2xx
 *     retransmitted from T1 doubling to T2 until the ACK, BYE after 64*T1
 *     without ACK (§13.3.1.4), CANCEL -> 200 + 487, BYE -> 200 (+ 487 to
 *     a pending INVITE, §15.1.2);
 *   - re-INVITE both ways, 491 on glare and the §14.1 retry;
 *   - answers on its own (§8.2, §12.2.2): OPTIONS (200 with Allow, Accept,
 *     Supported), 481 for a request that matches no dialog, 500 for a CSeq
 *     lower than the dialog's, 405 for a method nobody handles, 415, 416,
 *     420, 482 (merged request), 503 with Retry-After past the call cap.
 * Requests the UA leaves to the application (the methods named in
 * zsip_ua_config.app_methods, e.g. REGISTER) come as ZSIP_UA_REQUEST with
 * the server transaction to answer.
 *
 * Threads: a UA is used from the thread that uses its stack.
 *
 * Callbacks: inside on_event (and the resolve and credentials callbacks)
 * the application may call every zsip_call_* function, zsip_ua_options and
 * the accessors, plus zsip_txn_reply / zsip_txn_respond on the ev->txn of a
 * ZSIP_UA_REQUEST. It must not call zsip_ua_free, zsip_stack_receive,
 * zsip_stack_timeout or zsip_stack_free. An event caused by an API call
 * (e.g. FAILED after zsip_call_respond(486)) is delivered before that call
 * returns, nested in the caller's own callback when called from one.
 *
 * Errors are negative ZSIP_E* codes (zsip/err.h); the UA's own are
 * ZSIP_ENAME, ZSIP_ERESOLVE and ZSIP_EPENDING. */
#ifndef ZSIP_UA_H
#define ZSIP_UA_H

#include <stddef.h>
#include <stdint.h>

#include "zsip/digest.h"
#include "zsip/err.h"
#include "zsip/msg.h"
#include "zsip/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

struct zsip_ua;
struct zsip_call;

/* ---------------------------------------------------------------- events */

enum zsip_ua_event_type {
	/* A new INVITE outside any dialog created ev->call (ev->msg is the
	 * INVITE, its body the offer, or empty). Answer with
	 * zsip_call_respond (1xx, 2xx with the answer, or a rejection, e.g.
	 * 401 with a WWW-Authenticate line in its headers), now or later: the
	 * transaction waits for the application as long as it takes.
	 * zsip_call_hangup rejects with 603. */
	ZSIP_UA_INCOMING = 1,
	/* Outgoing call: a 1xx other than 100 arrived (ev->status, ev->msg);
	 * with a To tag it made or refreshed an early dialog. */
	ZSIP_UA_PROGRESS,
	/* Outgoing call: the first 2xx arrived (ev->msg, its body the
	 * answer); the call is established. The UA sends the ACK when this
	 * callback returns; call zsip_call_ack inside it to put a body (the
	 * answer, when the INVITE carried no offer) in that ACK. */
	ZSIP_UA_ANSWERED,
	/* Incoming call (or a re-INVITE we answered 2xx): the ACK for our
	 * 2xx arrived (ev->msg, its body the answer when our 2xx held the
	 * offer). */
	ZSIP_UA_CONFIRMED,
	/* Terminal: the call ended before it was established. ev->status is
	 * the final response (received for an outgoing call, sent for an
	 * incoming one; 487 when cancelled; 408 when it timed out), ev->reason
	 * says why, ev->err is ZSIP_ETIMEOUT, ZSIP_ETRANSPORT, an auth error
	 * (digest.h) or 0. ev->call is invalid after the callback. */
	ZSIP_UA_FAILED,
	/* Terminal: an established call ended (BYE sent and answered or timed
	 * out, BYE received, no ACK within 64*T1, dialog gone: 481/408 to a
	 * request in it). ev->reason says why. ev->call is invalid after the
	 * callback. */
	ZSIP_UA_ENDED,
	/* A re-INVITE arrived in an established call (ev->msg; its body the
	 * new offer, or empty). Answer it with zsip_call_respond (2xx with
	 * the answer; a non-2xx leaves the session as it was, §14.2). */
	ZSIP_UA_REINVITE,
	/* Our re-INVITE (zsip_call_reinvite) is over: ev->status 2xx (ev->msg
	 * holds the answer; ACK already sent) or the failure, after which the
	 * session is as it was (§14.1). A 491 is retried by the UA after the
	 * §14.1 delay and not reported. A 481 ends the call (ENDED, reason
	 * DIALOG_GONE) instead; a 408 or no response at all (ev->err
	 * ZSIP_ETIMEOUT) is reported, then the UA sends BYE and ENDED
	 * follows. */
	ZSIP_UA_REINVITE_DONE,
	/* An out-of-dialog request of a method listed in
	 * zsip_ua_config.app_methods (REGISTER, MESSAGE ...): ev->txn is the
	 * server transaction, ev->msg the request. Answer it with
	 * zsip_txn_reply or zsip_txn_respond, now or later (the transaction
	 * belongs to the stack; an unanswered one is freed with it). ev->call
	 * is NULL. In-dialog requests of those methods come this way too, with
	 * ev->call set. */
	ZSIP_UA_REQUEST,
	/* The response to zsip_ua_options: ev->status and ev->msg, or
	 * ev->err ZSIP_ETIMEOUT / ZSIP_ETRANSPORT with status 408 / 503.
	 * ev->user is the user pointer given to zsip_ua_options. */
	ZSIP_UA_OPTIONS_RESPONSE,
};

/* Why a call ended (FAILED, ENDED). */
enum zsip_ua_end_reason {
	ZSIP_UA_END_NONE = 0,
	ZSIP_UA_END_LOCAL,          /* zsip_call_hangup (BYE sent, CANCEL sent, or rejected) */
	ZSIP_UA_END_REMOTE,         /* the peer sent BYE or CANCEL */
	ZSIP_UA_END_REJECTED,       /* a final non-2xx response: received (outgoing) or sent with zsip_call_respond (incoming) */
	ZSIP_UA_END_TIMEOUT,        /* no final response (Timer B), or no 487 within 64*T1 after CANCEL */
	ZSIP_UA_END_NO_ACK,         /* our 2xx got no ACK within 64*T1 (§13.3.1.4); BYE sent */
	ZSIP_UA_END_DIALOG_GONE,    /* 481 or 408 to a request inside the dialog (§12.2.1.2, §14.1) */
	ZSIP_UA_END_TRANSPORT,      /* the send callback failed */
	ZSIP_UA_END_AUTH,           /* a 401/407 we could not answer (ev->err says why) */
};

/* One event. Every pointer is valid only during the callback. */
struct zsip_ua_event {
	enum zsip_ua_event_type type;
	struct zsip_call *call;         /* NULL for OPTIONS_RESPONSE and out-of-dialog REQUEST */
	void *user;                     /* the call's user pointer (zsip_call_user), or the OPTIONS user */
	int status;                     /* response status behind the event, 0 when none */
	int err;                        /* see each type; 0 when none */
	enum zsip_ua_end_reason reason; /* FAILED, ENDED; else NONE */
	const struct zsip_msg *msg;     /* the message behind the event; NULL for timer events */
	struct zsip_txn *txn;           /* REQUEST: the server transaction to answer; else NULL */
	int transport_id;               /* transport of msg, -1 when none */
	const struct zsip_addr *src;    /* source of msg; NULL for timer events */
	uint64_t now_ms;
};

/* --------------------------------------------------------------- config */

/* Maps a URI (a Request-URI, the first Route, a remote target) to the
 * transport and address to send to: the application's DNS (RFC 3263) or a
 * table. uri points into a buffer valid during the call. Fill *transport_id
 * (a transport of the UA's stack) and *dst; return 0, or a negative value
 * to refuse (the call then fails with ZSIP_ERESOLVE). */
typedef int (*zsip_ua_resolve_fn)(void *user, const struct zsip_uri *uri, int *transport_id,
				  struct zsip_addr *dst);

/* Configuration for zsip_ua_new. Zero/NULL means "the default" for every
 * member but on_event. The UA copies the strings; cfg may go after
 * zsip_ua_new returns. */
struct zsip_ua_config {
	/* Receives every event. Required. */
	void (*on_event)(void *user, const struct zsip_ua_event *ev);
	void *user;                     /* passed to on_event */

	/* The transport for requests whose URI says nothing else (no
	 * ;transport= parameter, no resolve callback): default the first
	 * transport of the stack (id 0). */
	int transport_id;
	/* Contact URI for our requests and 2xx ("sip:alice@192.0.2.1:5060";
	 * without <>). NULL: "sip:" + the sent-by of the transport used, with
	 * ";transport=tcp" (or tls) for a non-UDP transport. */
	const char *contact;
	/* From for zsip_call_invite and zsip_ua_options when the params give
	 * none (a name-addr, no tag; zsip_ua_new fails on one that does not
	 * parse). NULL: "<" contact ">" as written above. */
	const char *from;
	/* User-Agent (requests) and Server (responses) value; NULL: none. */
	const char *user_agent;
	/* Option tags for Supported (RFC 3261 §20.37), comma-separated, sent
	 * in our INVITEs, 1xx/2xx and OPTIONS answers; NULL: none (the header
	 * is then written empty). The UA answers 420 to a Require that names
	 * an option tag not in this list. */
	const char *supported;
	/* Body types we take, for Accept and the 415 check (§8.2.3);
	 * NULL: "application/sdp". */
	const char *accept;
	/* Methods, comma-separated ("REGISTER, MESSAGE"), that the UA passes
	 * to the application as ZSIP_UA_REQUEST and lists in Allow. Any other
	 * method the UA does not handle itself gets 405 with Allow. NULL:
	 * none. */
	const char *app_methods;

	/* Names: NULL means only numeric IPv4 / IPv6 hosts are accepted (a
	 * name gives ZSIP_ENAME). With a callback every URI goes through it. */
	zsip_ua_resolve_fn resolve;
	void *resolve_user;

	/* Credentials for 401/407 to our INVITE, re-INVITE, BYE and OPTIONS
	 * (zsip/digest.h). NULL: a challenge fails the request. */
	zsip_auth_cred_fn cred;
	void *cred_user;

	unsigned max_calls;             /* live calls (both ways); default 1024. Past it: 503 + Retry-After, ZSIP_ELIMIT */
	unsigned max_dialogs;           /* live dialogs, early ones of forked calls included; default 2 * max_calls */
	uint32_t retry_after_s;         /* in that 503; default 5 */
};

/* Creates a UA on stack and makes it the stack's event sink (the stack
 * config's on_event gets nothing from then on). Allocates through the
 * stack's allocator hooks. Returns NULL when stack or cfg is NULL, on_event
 * is NULL, a string is too long (over 255 bytes) or malformed, or memory
 * runs out. One UA per stack. */
struct zsip_ua *zsip_ua_new(struct zsip_stack *stack, const struct zsip_ua_config *cfg);

/* Frees the UA and every call, without sending anything and without
 * events; every handle becomes invalid. Transactions the UA started or was
 * answering are terminated (the stack frees them at its next
 * zsip_stack_timeout, or in zsip_stack_free). The stack's events are
 * dropped afterwards. zsip_stack_free frees a UA still on it, as this
 * does. NULL is allowed. Not from a callback. */
void zsip_ua_free(struct zsip_ua *ua);

/* The stack the UA runs on. */
struct zsip_stack *zsip_ua_stack(const struct zsip_ua *ua);

/* ------------------------------------------------------------- outgoing */

/* What zsip_call_invite needs. Strings are NUL-terminated and copied (the
 * struct and its strings may go once the call returns). */
struct zsip_call_params {
	const char *target;             /* Request-URI, e.g. "sip:bob@192.0.2.4:5060". Required. */
	const char *to;                 /* To name-addr; NULL: "<" target ">" */
	const char *from;               /* From name-addr without tag; NULL: config's */
	/* An outbound proxy or pre-loaded route ("sip:192.0.2.1;lr"): sent
	 * as the Route of the INVITE (and of every request before a route
	 * set exists), and the INVITE goes there. NULL: none. */
	const char *route;
	struct zsip_str body;           /* the offer (opaque); absent or empty: none */
	const char *content_type;       /* of body; NULL: "application/sdp" */
	/* Extra header lines copied into the INVITE as they are, each
	 * "Name: value\r\n" (e.g. "Subject: hi\r\n"). NULL: none. */
	const char *headers;
};

/* Places a call: builds and sends the INVITE (§8.1.1, §13.2.1) and returns
 * its handle in *out, valid until its terminal event (FAILED or ENDED),
 * which always comes exactly once. call_user is given back in every event.
 * Returns 0; ZSIP_EINVAL (bad params: no target, a URI, From or To that
 * does not parse, a header line that is not "Name: value" CRLF, more
 * header lines than limits.max_headers - 16); ZSIP_ENAME (the target or
 * route host is a name and no resolve callback is set); ZSIP_ERESOLVE (the
 * callback refused); ZSIP_ELIMIT (call or dialog cap); ZSIP_ENOMEM; ZSIP_ETOOBIG; ZSIP_ETRANSPORT (the first send
 * failed). On error no call exists and no event comes. */
int zsip_call_invite(struct zsip_ua *ua, const struct zsip_call_params *p, void *call_user,
		     uint64_t now_ms, struct zsip_call **out);

/* Sends the ACK for the 2xx of an outgoing call with body (the answer),
 * content_type NULL meaning "application/sdp". Only inside the ANSWERED
 * callback (afterwards the UA has already sent a bodiless ACK). Returns 0,
 * ZSIP_ESTATE outside that callback, ZSIP_ETOOBIG, ZSIP_ETRANSPORT. */
int zsip_call_ack(struct zsip_call *call, struct zsip_str body, const char *content_type,
		  uint64_t now_ms);

/* ------------------------------------------------------------- incoming */

/* Answers the pending INVITE of call: the initial INVITE (after INCOMING)
 * or a re-INVITE (after REINVITE). status 101..199 (e.g. 180, 183 with an
 * early answer), 200..299 (the answer; the UA retransmits it until the
 * ACK), or 300..699 (a rejection: for the initial INVITE the call then ends
 * with FAILED, reason REJECTED, delivered before this returns; for a
 * re-INVITE the session stays as it was). reason: NULL for the standard
 * phrase. body/content_type as for zsip_call_params; headers: extra lines
 * "Name: value\r\n" or NULL. Contact, Allow and Supported are added to
 * 1xx and 2xx by the UA.
 * Returns 0; ZSIP_EINVAL (status out of range); ZSIP_ESTATE (no INVITE
 * pending an answer: already answered with a final response, cancelled);
 * ZSIP_ETOOBIG; ZSIP_ENOMEM; ZSIP_ETRANSPORT. */
int zsip_call_respond(struct zsip_call *call, int status, const char *reason, struct zsip_str body,
		      const char *content_type, const char *headers, uint64_t now_ms);

/* ------------------------------------------------------------- either */

/* Ends the call with what its state allows, and is always safe to call
 * until the terminal event:
 *   - outgoing, no final response yet: CANCEL (§9.1), held until a 1xx has
 *     come; never BYE. The 487 then ends it with FAILED (reason LOCAL). A
 *     2xx that races the CANCEL is ACKed and BYEd, ending with ENDED.
 *   - incoming, not answered with a final response: 603 Decline; FAILED
 *     (reason LOCAL) before this returns.
 *   - established (2xx sent or received): BYE; ENDED (reason LOCAL) when
 *     its response or its timeout comes. A 2xx we sent and that is not
 *     ACKed yet is ended with BYE too.
 * Returns 0, or ZSIP_ESTATE when the call is already ending (a second
 * hangup is harmless). */
int zsip_call_hangup(struct zsip_call *call, uint64_t now_ms);

/* Sends a re-INVITE with a new offer (body, content_type NULL:
 * "application/sdp"; an empty body makes an offerless re-INVITE whose 2xx
 * holds the offer; the ACK then goes bodiless) in an established call,
 * e.g. hold with a=sendonly (§14.1). REINVITE_DONE reports the outcome.
 * Returns 0; ZSIP_ESTATE (the call is not established or is ending);
 * ZSIP_EPENDING (an INVITE transaction is pending in either direction, or
 * our 2xx is not ACKed yet: retry after REINVITE_DONE / CONFIRMED);
 * ZSIP_ENOMEM; ZSIP_ETOOBIG; ZSIP_ETRANSPORT. */
int zsip_call_reinvite(struct zsip_call *call, struct zsip_str body, const char *content_type,
		       uint64_t now_ms);

/* Sends OPTIONS outside any dialog to target (a SIP URI, NUL-terminated,
 * copied); the answer comes as ZSIP_UA_OPTIONS_RESPONSE with user.
 * Returns 0, ZSIP_EINVAL, ZSIP_ENAME, ZSIP_ERESOLVE, ZSIP_ELIMIT,
 * ZSIP_ENOMEM, ZSIP_ETRANSPORT; on error no event comes. */
int zsip_ua_options(struct zsip_ua *ua, const char *target, void *user, uint64_t now_ms);

/* ------------------------------------------------------------- accessors */

enum zsip_call_state {
	ZSIP_CALL_CALLING = 1,      /* outgoing: INVITE sent, no 1xx with a To tag yet */
	ZSIP_CALL_EARLY,            /* outgoing: early dialog(s); incoming: 1xx with our tag sent */
	ZSIP_CALL_INCOMING,         /* incoming: INVITE received, no response with a tag sent */
	ZSIP_CALL_CONNECTING,       /* incoming: 2xx sent, waiting for the ACK */
	ZSIP_CALL_ESTABLISHED,      /* 2xx received (outgoing) or ACKed (incoming) */
	ZSIP_CALL_ENDING,           /* hung up: CANCEL or BYE in progress */
};

enum zsip_call_state zsip_call_state(const struct zsip_call *call);
/* 1 for a call we placed, 0 for one we took. */
int zsip_call_outgoing(const struct zsip_call *call);
/* The dialog's Call-ID, owned by the call. */
struct zsip_str zsip_call_id(const struct zsip_call *call);
void *zsip_call_user(const struct zsip_call *call);
void zsip_call_set_user(struct zsip_call *call, void *user);
struct zsip_ua *zsip_call_ua(const struct zsip_call *call);

struct zsip_ua_stats {
	size_t calls;                   /* live calls, including ones past their terminal event still finishing their protocol work */
	size_t dialogs;                 /* live dialogs */
	uint64_t calls_out, calls_in;   /* created */
	uint64_t rejected_overload;     /* INVITEs refused with 503 past max_calls */
	uint64_t answered_481;          /* requests that matched no dialog */
};
void zsip_ua_stats(const struct zsip_ua *ua, struct zsip_ua_stats *out);

#ifdef __cplusplus
}
#endif
#endif
