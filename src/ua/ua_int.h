/* The UA core's internals: the UA and call objects and the helpers that
 * the files of src/ua/ share (ua.c: object, dispatch, the UA core's own
 * answers; uac.c / uas.c: the two sides of an INVITE; cancel.c: CANCEL,
 * BYE and hang-up; reinvite.c: re-INVITE and glare). */
#ifndef ZSIPI_UA_INT_H
#define ZSIPI_UA_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "dialog/dialog.h"
#include "zsip/ua.h"

/* Call flags. */
enum {
	CALL_GOT_1XX = 1 << 0,      /* UAC: a provisional response came (§9.1) */
	CALL_CANCEL_HELD = 1 << 1,  /* UAC: hung up before any 1xx: CANCEL when one comes */
	CALL_CANCELLED = 1 << 2,    /* UAC: CANCEL sent */
	CALL_HUNGUP = 1 << 3,       /* zsip_call_hangup was called */
	CALL_DONE = 1 << 4,         /* terminal event delivered (or the call never had one) */
	CALL_ACK_SENT = 1 << 5,     /* UAC: the ACK of the current 2xx went out */
	CALL_BYE_HELD = 1 << 6,     /* UAS: hung up before the ACK of our 2xx (§15) */
	CALL_REAP = 1 << 7,         /* on ua->reap */
	CALL_IN_TABLE = 1 << 8,     /* in the Call-ID table */
	CALL_REINV_OUT = 1 << 9,    /* reinv is our client transaction (else the peer's) */
	CALL_REINV_WAIT = 1 << 10,  /* UAC: a 491 came; t_retx retries the re-INVITE */
	CALL_WAIT_ACK = 1 << 11,    /* UAS: a 2xx sent (retx_tx holds it), ACK not yet in */
	CALL_REINV_FINAL = 1 << 12, /* our re-INVITE got its final response */
};

struct zsip_call {
	struct zsip_ua *ua;
	struct zsip_call *hnext;    /* Call-ID table chain */
	struct zsip_call *rnext;    /* ua->reap chain */
	struct zsip_call *anext, *aprev; /* every call of the UA */
	void *user;
	struct zsipi_dlg *dlg;      /* the dialog (UAC: the first early, then the confirmed one) */
	struct zsipi_dlg *forks;    /* UAC: the other dialogs of a forked INVITE */
	struct zsip_txn *inv;       /* the initial INVITE (client or server transaction) */
	struct zsip_txn *reinv;     /* a re-INVITE in progress (client or server) */
	struct zsip_txn *bye;       /* our BYE */
	struct zsipi_timer t_retx;  /* UAS: 2xx retransmission; UAC: 491 retry */
	struct zsipi_timer t_end;   /* UAS: 64*T1 ACK wait; UAC: 64*T1 after CANCEL */
	struct zsipi_timer t_glare; /* §14.1: retry of our re-INVITE after a 491 */
	struct zsip_txn *retx_tx;   /* UAS: the transaction our kept 2xx went out on */
	char *out;                  /* UAC: the ACK of the 2xx */
	char *offer;                /* UAC re-INVITE: "content-type\0body" for the 491 retry */
	uint32_t out_len, offer_len;
	uint32_t out_cseq;          /* CSeq of the INVITE our 2xx answers / out acknowledges */
	uint32_t retx_ms;
	uint32_t inv_cseq;          /* CSeq of our latest initial INVITE */
	uint16_t flags;
	uint8_t outgoing;
	uint8_t state;              /* enum zsip_call_state */
	uint8_t end_reason;         /* reason for the ENDED our BYE will bring */
	uint8_t ndlg;               /* dialogs held (counted in ua->ndlg) */
};

/* An OPTIONS we sent (zsip_ua_options). */
struct ua_opt {
	struct ua_opt *next;
	struct zsip_txn *tx;
	void *user;
};

struct zsip_ua {
	struct zsip_stack *s;
	struct zsip_ua_config cfg;  /* strings point into strs */
	char *strs;
	size_t strs_len;
	char allow[256];            /* Allow value: ours and the app's methods */
	struct zsip_call **tab;     /* Call-ID -> calls */
	size_t nb;
	size_t ncalls, ndlg;
	unsigned nest;              /* > 0 while UA code runs: calls are freed at 0 */
	struct zsip_call *reap;
	struct zsip_call *all;
	char *work;                 /* where we write a message before sending it */
	size_t work_cap;
	int tid;                    /* where zsipi_ua_prepare said the next request goes */
	struct zsip_addr dst;
	struct zsip_call *acking;   /* inside ANSWERED: zsip_call_ack may send */
	struct ua_opt *opts;        /* our OPTIONS transactions */
	struct zsip_auth_client *auth; /* answers 401/407 (NULL: no credentials callback) */
	struct zsip_ua_stats st;
};

/* ------------------------------------------------------------ ua.c */
void zsipi_ua_enter(struct zsip_ua *ua);
/* Frees the calls that are done and hold nothing, when nest drops to 0. */
void zsipi_ua_leave(struct zsip_ua *ua);
void zsipi_ua_emit(struct zsip_ua *ua, struct zsip_ua_event *ev);
/* Raises the terminal event (FAILED or ENDED) once and takes the call out
 * of the table; it is freed when it holds no transaction or timer. */
void zsipi_call_finish(struct zsip_call *c, enum zsip_ua_event_type type, int status, int err,
		       enum zsip_ua_end_reason reason, const struct zsip_msg *msg, uint64_t now);
#define CALL_OF(t, member) ((struct zsip_call *)(void *)((char *)(t) - offsetof(struct zsip_call, member)))
#define CALL_TIMERS 3

/* Frees a call at once (a failed zsip_call_invite). */
void zsipi_call_discard(struct zsip_call *c);
/* Makes tx the call's (user c) and sends its events to the UA. */
void zsipi_ua_own_txn(struct zsip_ua *ua, struct zsip_txn *tx, void *user);
/* Forgets tx: its events reach nobody. */
void zsipi_ua_forget_txn(struct zsip_txn *tx);
/* Starts t for c at time at. */
void zsipi_call_timer(struct zsip_call *c, struct zsipi_timer *t, uint64_t at, zsipi_timer_fn fn);
/* Queues c to be freed if it is done and idle. */
void zsipi_call_check(struct zsip_call *c);
/* A new call object (in the table when call_id is given). NULL past the
 * cap or out of memory (*err). */
struct zsip_call *zsipi_call_new(struct zsip_ua *ua, int outgoing, void *user, int *err);
void zsipi_call_table_add(struct zsip_call *c, struct zsip_str call_id);
struct zsip_call *zsipi_call_find(struct zsip_ua *ua, struct zsip_str call_id);
/* Drops the call's reference to tx (its user pointer too). */
void zsipi_call_drop_txn(struct zsip_call *c, struct zsip_txn **slot);
/* Resolves next_hop into ua->tid / ua->dst and writes a Via for it into
 * via (r->via points there). */
int zsipi_ua_prepare(struct zsip_ua *ua, struct zsip_str next_hop, struct zsipi_req *r,
		     char *via, size_t via_cap);
/* Sends buf (an ACK) to next_hop outside any transaction. */
int zsipi_ua_send_raw(struct zsip_ua *ua, struct zsip_str next_hop, const char *buf, size_t len);
/* Writes our Contact header line ("Contact: <...>\r\n") for transport tid. */
int zsipi_ua_contact(const struct zsip_ua *ua, int tid, char *out, size_t cap);
/* Fills r->from (from, or our Contact URI in <>, with a new tag), r->to
 * (to, or target in <>) and r->call_id (new) for a request outside any
 * dialog, after zsipi_ua_prepare; the strings go into buf. */
int zsipi_ua_new_ids(struct zsip_ua *ua, const char *from, const char *to, struct zsip_str target,
		     struct zsipi_req *r, char *buf, size_t cap);
/* Writes the Authorization / Proxy-Authorization lines for r (method,
 * Request-URI, body) of every realm the UA holds credentials for. Returns
 * their length (0: none), or ZSIP_ETOOBIG / ZSIP_EINVAL. */
int zsipi_ua_auth_lines(struct zsip_ua *ua, const struct zsipi_req *r, char *out, size_t cap);
/* Writes r into ua->work and starts its client transaction to where
 * zsipi_ua_prepare said, with user pointer user and the UA's handler. */
int zsipi_ua_send_req(struct zsip_ua *ua, const struct zsipi_req *r, void *user, uint64_t now,
		      struct zsip_txn **out);
/* Writes the header lines our INVITE, 1xx and 2xx carry: Contact,
 * Allow, Supported, User-Agent (request) or Server (response). */
int zsipi_ua_std_headers(const struct zsip_ua *ua, int tid, int request, char *out, size_t cap);
/* Sends a request inside d: method, cseq (0: the dialog's next), extra
 * header lines (an INVITE gets Contact, Allow ... first), body. Client
 * transaction *out, user c. An ACK goes out without a transaction and is
 * kept in c->out when out is not NULL. */
int zsipi_dlg_send(struct zsip_call *c, struct zsipi_dlg *d, const char *method, uint32_t cseq,
		   struct zsip_str extra, struct zsip_str ctype, struct zsip_str body, uint64_t now,
		   struct zsip_txn **out);
/* Answers a server transaction statelessly-in-spirit: code, optional
 * extra header lines, our To tag (absent: none added). */
int zsipi_ua_reply(struct zsip_ua *ua, struct zsip_txn *tx, int code, struct zsip_str to_tag,
		   struct zsip_str extra, uint64_t now);
/* Splits header lines "Name: value\r\n" into at most max fields. */
size_t zsipi_split_fields(struct zsip_str text, struct zsip_field *f, size_t max);
/* Frees c->out; c->offer. */
void zsipi_call_free_out(struct zsip_call *c);
void zsipi_call_free_offer(struct zsip_call *c);

/* ------------------------------------------------------------ rx.c */
/* A new request from the stack (§8.2 checks, dialog matching, dispatch). */
void zsipi_ua_rx_request(struct zsip_ua *ua, const struct zsip_event *ev);
/* An ACK from the stack. */
void zsipi_ua_rx_ack(struct zsip_ua *ua, const struct zsip_event *ev);
/* Events of an OPTIONS we sent. */
void zsipi_options_event(struct zsip_ua *ua, struct ua_opt *o, const struct zsip_event *ev);

/* ------------------------------------------------------------ uac.c */
/* Events of the initial INVITE client transaction. */
void zsipi_uac_event(struct zsip_call *c, const struct zsip_event *ev);
/* Sends the ACK for a 2xx (resp) of the call's INVITE with CSeq cseq:
 * body and ctype (absent: none). Keeps it in c->out when keep. */
int zsipi_uac_ack(struct zsip_call *c, struct zsipi_dlg *d, uint32_t cseq, struct zsip_str ctype,
		  struct zsip_str body, int keep, uint64_t now);
/* Resends the last request of tx with credentials for the 401/407 resp.
 * Returns 0 (the new transaction in *out; tx dropped) or the auth error. */
int zsipi_uac_auth_retry(struct zsip_call *c, struct zsip_txn *tx, const struct zsip_msg *resp,
			 uint64_t now, struct zsip_txn **out);

/* ------------------------------------------------------------ uas.c */
/* A new INVITE outside a dialog (checked by ua.c). */
void zsipi_uas_invite(struct zsip_ua *ua, const struct zsip_event *ev);
/* An ACK that matched dialog d of c. */
void zsipi_uas_ack(struct zsip_call *c, const struct zsip_event *ev);
/* Builds and sends a response on tx (the initial INVITE or a re-INVITE);
 * a 2xx is kept and retransmitted until the ACK. */
int zsipi_uas_send(struct zsip_call *c, struct zsip_txn *tx, int status, const char *reason,
		   struct zsip_str body, const char *ctype, const char *headers, uint64_t now);
void zsipi_uas_stop_retx(struct zsip_call *c);

/* ------------------------------------------------------------ cancel.c */
/* The hang-up of any state. */
int zsipi_call_hangup(struct zsip_call *c, uint64_t now);
/* Sends the CANCEL for c->inv (§9.1). */
void zsipi_uac_send_cancel(struct zsip_call *c, uint64_t now);
/* Sends BYE in c->dlg; ENDED (reason) comes with its response. */
void zsipi_call_send_bye(struct zsip_call *c, enum zsip_ua_end_reason reason, uint64_t now);
/* Events of our BYE. */
void zsipi_bye_event(struct zsip_call *c, const struct zsip_event *ev);
/* An incoming CANCEL (ev->cancel_target set by the transaction layer). */
void zsipi_rx_cancel(struct zsip_ua *ua, const struct zsip_event *ev);
/* An incoming BYE that matched c. */
void zsipi_rx_bye(struct zsip_call *c, const struct zsip_event *ev);

/* ------------------------------------------------------------ reinvite.c */
void zsipi_reinvite_event(struct zsip_call *c, const struct zsip_event *ev);
/* An incoming re-INVITE that matched c. */
void zsipi_rx_reinvite(struct zsip_call *c, const struct zsip_event *ev);
int zsipi_reinvite_send(struct zsip_call *c, struct zsip_str ctype, struct zsip_str body,
			uint64_t now);

#endif
