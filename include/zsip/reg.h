/* zsip registration: a REGISTER client (RFC 3261 §10.2) and a registrar
 * helper (§10.3), both over the transaction layer (zsip/stack.h).
 *
 * Neither needs the UA: the client starts its own client transactions and
 * takes their events with zsip_txn_set_handler; the registrar answers a
 * REGISTER server transaction the application hands it, its bindings in
 * the helper's own table or in the application's storage
 * (zsip_registrar_store). Both keep their timers in the stack (refresh,
 * the expiry of the helper's table), so the application drives them with
 * zsip_stack_timeout / zsip_stack_next_deadline as usual, and both
 * allocate only through the stack's allocator hooks, with a cap on every
 * table. Use them from the stack's thread.
 *
 * Errors are negative ZSIP_E* codes: zsip/err.h, -100..-109 for this
 * module. */
#ifndef ZSIP_REG_H
#define ZSIP_REG_H

#include <stddef.h>
#include <stdint.h>

#include "zsip/err.h"
#include "zsip/msg.h"
#include "zsip/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

struct zsip_auth_client; /* zsip/digest.h */
struct zsip_auth_server;

/* ===================================================== registration client */

struct zsip_regc;

enum zsip_regc_event_type {
	/* The registrar accepted our binding (a first registration or a
	 * refresh): ev->expires is the interval it granted (the expires
	 * parameter of our Contact in the 200, else its Expires header,
	 * §10.2.4). The next refresh is scheduled before it runs out. */
	ZSIP_REGC_EV_REGISTERED = 1,
	/* A refresh failed (ev->status / ev->err say how); the binding still
	 * holds until it expires, and the client tries again, retry_s later
	 * (or after the response's Retry-After when longer; with up to a
	 * tenth of jitter), until then. */
	ZSIP_REGC_EV_REFRESH_FAILED,
	/* Registering failed or the binding was lost: a final failure
	 * (ev->status, ev->err ZSIP_EREG_REJECTED), a timeout or transport
	 * error (ev->err), a challenge that could not be answered (a
	 * zsip/digest.h code), a 423 that could not be met
	 * (ZSIP_EREG_INTERVAL), too many attempts (ZSIP_EREG_ATTEMPTS), or
	 * the binding ran out while refreshes failed (ZSIP_EREG_EXPIRED).
	 * Nothing more happens until the application calls again. */
	ZSIP_REGC_EV_FAILED,
	/* An unregister (one binding or all) finished. ev->err 0 and
	 * ev->status 2xx: the registrar confirmed it; otherwise it did not
	 * answer or refused, and the binding may live on until it expires.
	 * Always raised exactly once per unregister. */
	ZSIP_REGC_EV_UNREGISTERED,
	/* A query (zsip_regc_query) finished: ev->msg is the 200 with the
	 * Contact of every binding of the AOR, or ev->status / ev->err say
	 * why there is none. */
	ZSIP_REGC_EV_BINDINGS,
};

struct zsip_regc_event {
	enum zsip_regc_event_type type;
	int status;                 /* the final status that decided it; 0: none */
	int err;                    /* 0, or a negative ZSIP_E* code */
	uint32_t expires;           /* REGISTERED: the granted interval, seconds */
	const struct zsip_msg *msg; /* the response, valid during the callback; NULL when none */
	uint64_t now_ms;
};

/* The visible state machine. */
enum zsip_regc_state {
	ZSIP_REGC_IDLE = 0,         /* no binding (never registered, or unregistered) */
	ZSIP_REGC_REGISTERING,      /* first REGISTER in progress */
	ZSIP_REGC_ACTIVE,           /* binding current; refresh scheduled */
	ZSIP_REGC_REFRESHING,       /* binding current; refresh REGISTER in progress */
	ZSIP_REGC_UNREGISTERING,
	ZSIP_REGC_FAILED,
};

/* What a registration is. The strings are copied by zsip_regc_new (each at
 * most ZSIP_REGC_STR_MAX bytes). Zero numbers mean the default. */
#define ZSIP_REGC_STR_MAX 256
struct zsip_regc_config {
	int transport_id;           /* a transport of the stack */
	struct zsip_addr registrar; /* where the REGISTERs are sent (next hop) */
	const char *registrar_uri;  /* Request-URI: the domain, no user part (§10.2), e.g. "sip:example.com" */
	const char *aor;            /* address-of-record, the To URI, e.g. "sip:alice@example.com" */
	const char *from;           /* From URI for a third-party registration; NULL: the AOR (§10.2) */
	const char *contact;        /* the Contact URI to bind, e.g. "sip:alice@192.0.2.4:5060" */
	uint32_t expires;           /* interval asked for, seconds; default 3600 */
	uint32_t retry_s;           /* wait after a failed refresh, seconds; default 30 */
	unsigned max_attempts;      /* REGISTERs per operation (401/407 and 423 each cost one);
				     * default 4, at most 16 */
	/* Answers 401/407 (zsip/digest.h); borrowed, it must outlive the
	 * registration; NULL: a challenge is a failure. Credentials it holds
	 * go on every REGISTER, refreshes included. */
	struct zsip_auth_client *auth;
	/* Events. Called from zsip_stack_timeout / zsip_stack_receive (as
	 * stack events are), never from the zsip_regc_* calls themselves.
	 * May call zsip_regc_register / _unregister / _unregister_all /
	 * _query / _free on this registration. Required. */
	void (*on_event)(void *user, const struct zsip_regc_event *ev);
	void *user;
};

/* Creates a registration (nothing is sent yet). The Call-ID and From tag
 * are drawn here and kept for its whole life, the CSeq counts up from 1
 * (§10.2.4, §8.1.1.5). Returns NULL when an argument is bad (missing
 * string, one longer than ZSIP_REGC_STR_MAX or not a valid URI, unknown
 * transport, no on_event) or memory runs out. */
struct zsip_regc *zsip_regc_new(struct zsip_stack *stack, const struct zsip_regc_config *cfg);

/* Frees the registration without sending anything (unregister first and
 * wait for ZSIP_REGC_EV_UNREGISTERED to remove the binding). A REGISTER still
 * in flight finishes in the stack unseen. NULL is allowed. Safe inside its
 * own on_event. Must be called before zsip_stack_free. */
void zsip_regc_free(struct zsip_regc *rc);

/* Adds (or refreshes now) the binding: REGISTER with Contact and Expires.
 * When another REGISTER of this registration is in flight, this one is
 * queued and sent after it (a later request replaces a queued one).
 * Returns 0, or the error of building or sending the request
 * (ZSIP_ELIMIT, ZSIP_ENOMEM, ZSIP_ETRANSPORT ...), in which case no event
 * follows. */
int zsip_regc_register(struct zsip_regc *rc, uint64_t now_ms);

/* Removes our binding: REGISTER with our Contact and Expires: 0 (§10.2.2);
 * the refresh stops. ZSIP_REGC_EV_UNREGISTERED follows. Returns as
 * zsip_regc_register. */
int zsip_regc_unregister(struct zsip_regc *rc, uint64_t now_ms);

/* Removes every binding of the AOR: "Contact: *" with "Expires: 0"
 * (§10.2.2). ZSIP_REGC_EV_UNREGISTERED follows. Returns as
 * zsip_regc_register. */
int zsip_regc_unregister_all(struct zsip_regc *rc, uint64_t now_ms);

/* Asks for the current bindings: REGISTER without Contact (§10.2.3).
 * ZSIP_REGC_EV_BINDINGS follows. Does not touch the registration's state.
 * Returns as zsip_regc_register. */
int zsip_regc_query(struct zsip_regc *rc, uint64_t now_ms);

enum zsip_regc_state zsip_regc_state(const struct zsip_regc *rc);
/* The interval the registrar granted last (seconds; 0 when none). */
uint32_t zsip_regc_expires(const struct zsip_regc *rc);
/* The Call-ID every REGISTER of this registration carries (owned by rc). */
struct zsip_str zsip_regc_call_id(const struct zsip_regc *rc);
/* The CSeq number of the last REGISTER sent (0: none yet). */
uint32_t zsip_regc_cseq(const struct zsip_regc *rc);

/* ======================================================== registrar helper */

struct zsip_registrar;

/* Steps 1 to 4 of §10.3 are the application's policy: is the Request-URI
 * a domain this registrar serves, who is the requester (e.g. with the
 * digest server of zsip/digest.h), and may it change the bindings of aor
 * (third-party registration)? aor is the canonical AOR of step 5 (scheme,
 * unescaped user, lower-case host, port; no parameters).
 * Return 0 to let the request through; or a status 300..699 to answer
 * instead, writing the extra header lines for that answer ("Name: value"
 * lines, each ended by CRLF, e.g. a WWW-Authenticate challenge) into
 * hdrs[0 .. cap) and their length into *hdrs_len (left 0: none). */
typedef int (*zsip_registrar_admit_fn)(void *user, const struct zsip_msg *req, struct zsip_str aor,
				       char *hdrs, size_t cap, size_t *hdrs_len);

/* One binding of an AOR (§10.3), as the registrar hands it to a binding
 * store and takes it back. */
struct zsip_reg_binding {
	struct zsip_str uri;        /* the Contact URI as registered */
	struct zsip_str call_id;    /* Call-ID of the REGISTER that last set it (§10.3 step 7) */
	uint32_t cseq;              /* and that REGISTER's CSeq number */
	uint16_t q;                 /* q in thousandths; 1000 when not given */
	uint64_t expires_at;        /* when it ends, in ms of the now_ms the registrar is given */
};

/* The application's own storage for the bindings (a database, a table
 * shared by several registrars), in place of the helper's table. Keys are
 * canonical AORs (§10.3 step 5, as admit gets them). The registrar calls
 * these only from zsip_registrar_process and zsip_registrar_lookup, one at
 * a time; they must not call into the registrar.
 *
 * Bindings end by their expires_at: the registrar skips the ones that have
 * ended (never lists or routes to them) and leaves them out of the next
 * put of their AOR; the store may also delete them whenever it likes. With
 * a store the registrar keeps no binding and runs no timer of its own. */
struct zsip_registrar_store {
	/* Reads the bindings of aor (valid during the call) into out[0 ..
	 * max) and returns how many it wrote (0: none; max is max_per_aor,
	 * which the registrar never exceeds in a put), or a negative value
	 * when the storage fails. The slices written point into the store's
	 * memory and must stay valid until its next get or put call. Called
	 * for every REGISTER that passes steps 1 to 5 and for every lookup. */
	int (*get)(void *user, struct zsip_str aor, struct zsip_reg_binding *out, size_t max, uint64_t now_ms);
	/* Replaces every binding of aor by b[0 .. n) (n 0: aor has none
	 * left), all or nothing. aor and b (with the slices in it) are valid
	 * during the call only: copy what you keep. Called once for each
	 * REGISTER that adds, refreshes or removes bindings (not for a query,
	 * §10.2.3), after every check passed and before the 200 goes out.
	 * Return 0; ZSIP_ELIMIT or ZSIP_ENOMEM when the storage is full (the
	 * REGISTER gets 503 with Retry-After); any other negative value when
	 * it fails (500). After an error the storage must be as it was: the
	 * answer says nothing changed. */
	int (*put)(void *user, struct zsip_str aor, const struct zsip_reg_binding *b, size_t n, uint64_t now_ms);
	void *user;                 /* passed to get and put */
};

/* Zero numbers mean the default. */
struct zsip_registrar_config {
	unsigned max_aors;          /* AORs held at once; default 1024 (the helper's table only) */
	unsigned max_bindings;      /* bindings held at once, all AORs; default 4096 (the helper's table only) */
	unsigned max_per_aor;       /* bindings of one AOR; default 16, at most 256 */
	uint32_t min_expires;       /* shorter asks get 423 with Min-Expires (§10.3 step 7); default 60 */
	uint32_t max_expires;       /* longer asks are shortened to this; default 86400 */
	uint32_t default_expires;   /* when the request names none (§10.3 step 7); default 3600 */
	zsip_registrar_admit_fn admit; /* NULL: every request is admitted */
	void *user;
	/* Optional digest server (zsip/digest.h), borrowed: it must outlive
	 * the registrar. Every REGISTER must then carry good credentials for
	 * its realm before admit sees it (§10.3 step 3): none, or a stale or
	 * replayed nonce, gets 401 with a fresh challenge (stale=true for the
	 * latter two); wrong ones a new challenge (the client gives up);
	 * malformed ones 400. Without admit, the authenticated user may bind
	 * only the AOR whose user part is its user name (step 4: 403 for a
	 * third-party registration; allow those in admit). */
	struct zsip_auth_server *auth;
	/* Where the bindings live: get and put both NULL, the helper's own
	 * capped table (expired by a stack timer); both set, the
	 * application's storage (copied, so cfg may go; store.user is
	 * borrowed). */
	struct zsip_registrar_store store;
};

/* Creates a registrar helper on stack. cfg NULL: the defaults. Returns
 * NULL when a value is out of range (min > max expires, max_per_aor too
 * large), only one of store.get and store.put is set, or memory runs
 * out. */
struct zsip_registrar *zsip_registrar_new(struct zsip_stack *stack,
					  const struct zsip_registrar_config *cfg);

/* Frees every binding. NULL is allowed. Must be called before
 * zsip_stack_free. */
void zsip_registrar_free(struct zsip_registrar *reg);

/* Answers the REGISTER of server transaction txn (RFC 3261 §10.3):
 * 420 for a Require it does not support (step 2); the admit callback
 * (steps 1, 3, 4); 404 when To is not a SIP or SIPS URI (step 5); 400 for a
 * bad Contact, Expires or q, or a "*" that is not alone with Expires: 0
 * (step 6); 423 with Min-Expires for a non-zero expiry below min_expires;
 * 500 when a binding's Call-ID matches and the CSeq is not higher (step 7,
 * nothing is changed: the update is all or nothing); 503 with Retry-After
 * past max_aors, max_bindings or max_per_aor, or out of memory (or a store
 * whose put says it is full); 500 when the store's get or put fails; else
 * the bindings are added, refreshed or removed and 200 lists every current
 * binding of the AOR with its remaining expires (step 8).
 * Returns the status sent (> 0); ZSIP_EINVAL when txn is NULL, not a
 * server transaction or not a REGISTER (nothing is sent); or the error of
 * zsip_txn_reply. */
int zsip_registrar_process(struct zsip_registrar *reg, struct zsip_txn *txn, uint64_t now_ms);

/* One current binding. */
struct zsip_reg_contact {
	struct zsip_str uri;        /* the Contact URI as registered */
	uint32_t expires;           /* seconds left */
	uint16_t q;                 /* q in thousandths; 1000 when not given */
};

/* The current bindings of aor (any SIP/SIPS URI; canonicalized as in
 * §10.3 step 5), for routing a request to it (§16.5). Writes at most max
 * into out and returns how many there are (0: none), ZSIP_EINVAL for a
 * URI that is not SIP/SIPS, or ZSIP_ESTORE when the store's get failed.
 * The uri slices point into the registrar's table (valid until the next
 * call into the registrar or the stack) or into the store (valid until its
 * next get or put). */
int zsip_registrar_lookup(struct zsip_registrar *reg, struct zsip_str aor,
			  struct zsip_reg_contact *out, size_t max, uint64_t now_ms);

/* How many AORs and bindings the helper's table holds (expired ones go at
 * the stack's next timeout); 0 and 0 with a store. */
void zsip_registrar_count(const struct zsip_registrar *reg, size_t *aors, size_t *bindings);

#ifdef __cplusplus
}
#endif
#endif
