/* Dialog state (RFC 3261 §12): identifiers, local and remote URI, remote
 * target, route set and CSeq, kept in one allocation; building requests
 * inside a dialog (§12.2.1.1, loose and strict routing) and requests in
 * general; where a URI sends to (the application's resolve callback, or a
 * numeric host). Internal; used by src/ua/. */
#ifndef ZSIPI_DIALOG_H
#define ZSIPI_DIALOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "txn/txn.h"

/* A piece of zsipi_dlg.s. */
struct zsipi_span {
	uint16_t off, len;
};

struct zsipi_dlg {
	struct zsipi_dlg *next;     /* the call's other dialogs (forks) */
	uint32_t local_cseq;
	uint32_t remote_cseq;
	uint8_t has_remote_cseq;
	uint8_t secure;             /* §12.1: sips Request-URI */
	uint8_t confirmed;          /* made or refreshed by a 2xx */
	uint8_t byed;               /* an extra 2xx of a forked INVITE: ACKed and BYEd */
	uint16_t size;              /* bytes allocated for the whole struct */
	struct zsipi_span call_id, local_tag, remote_tag;
	struct zsipi_span local;    /* our From (UAC) / To (UAS) value, with our tag */
	struct zsipi_span remote;   /* the peer's, with its tag */
	struct zsipi_span target;   /* remote target URI (Contact) */
	struct zsipi_span routes;   /* route set, comma-separated, in the order to send */
	char s[];
};

static inline struct zsip_str zsipi_dlg_str(const struct zsipi_dlg *d, struct zsipi_span sp)
{
	return (struct zsip_str){ d->s + sp.off, sp.len };
}

/* UAC: the dialog a response (1xx with a To tag, or 2xx) to our request
 * (CSeq cseq, Request-URI ruri) makes (§12.1.2): route set from
 * Record-Route reversed, target from Contact (ruri when there is none),
 * secure when ruri is a sips URI. NULL: ZSIP_ENOMEM or a field that does
 * not fit (*err says which). */
struct zsipi_dlg *zsipi_dlg_uac(struct zsipi_mem *mem, uint32_t cseq, struct zsip_str ruri,
				const struct zsip_msg *resp, int *err);
/* UAS: the dialog our response with To tag tag makes for request req
 * (§12.1.1): route set from Record-Route in order, target from Contact. */
struct zsipi_dlg *zsipi_dlg_uas(struct zsipi_mem *mem, const struct zsip_msg *req,
				struct zsip_str tag, uint32_t local_cseq, int *err);
void zsipi_dlg_free(struct zsipi_mem *mem, struct zsipi_dlg *d);
/* Replaces the remote target (a target refresh, §12.2) and, when routes
 * is present, the route set; *d may move. 0 or ZSIP_ENOMEM (d unchanged). */
int zsipi_dlg_refresh(struct zsipi_mem *mem, struct zsipi_dlg **d, struct zsip_str target,
		      struct zsip_str routes);
/* The route set a message's Record-Route fields give, written
 * comma-separated into out: reversed (reverse != 0, UAC) or in order.
 * Returns the length, ZSIP_ENOSPC, or ZSIP_EVALUE. */
int zsipi_record_routes(const struct zsip_msg *m, int reverse, char *out, size_t cap);
/* The URI of m's first Contact, or the absent slice. */
struct zsip_str zsipi_contact_uri(const struct zsip_msg *m);
/* 1 when msg (a request from the peer or a response to us) belongs to d:
 * Call-ID and both tags (§12.2.2). */
int zsipi_dlg_match_request(const struct zsipi_dlg *d, const struct zsip_msg *req);

/* A request to write. routes: comma-separated Route values (may be
 * absent); extra: raw header lines, each ending in CRLF (may be absent).
 * branch, via_host and via_port are the top Via's (zsipi_make_via says
 * them), from_tag and to_tag the tags: slices of via, from and to, so that
 * the writer can say where they land (zsipi_req_keys) and the transaction
 * layer need not parse the request it is given. */
struct zsipi_req {
	struct zsip_str method, ruri, via, from, to, call_id, routes, extra, ctype, body;
	uint32_t cseq;
	struct zsip_str branch, via_host, from_tag, to_tag;
	uint16_t via_port;
};
/* Writes r (Max-Forwards 70, each route its own Route field, Content-Type
 * when there is a body). snprintf's rule; ZSIP_EINVAL. When k is not NULL
 * and the request fit, *k gets its keys, slices of out. */
int zsipi_write_request(char *out, size_t cap, const struct zsipi_req *r, struct zsipi_req_keys *k);

/* Fills r with what d puts in a request (§12.2.1.1): From, To, Call-ID,
 * and the Request-URI and Route of loose (first route has lr) or strict
 * routing. *next_hop gets the URI to send to (first route, else target).
 * The strict form needs room to list the target after the routes: tmp
 * (cap tmp_cap) holds it. Returns 0 or ZSIP_ENOSPC / ZSIP_EURI. */
int zsipi_dlg_fill(const struct zsipi_dlg *d, struct zsipi_req *r, struct zsip_str *next_hop,
		   char *tmp, size_t tmp_cap);

/* Where a URI sends to: resolve (when set) decides; without it the host
 * must be numeric (ZSIP_ENAME otherwise), the port defaults to 5060 (5061
 * for sips or transport=tls), and a transport= parameter picks a
 * transport of that kind on the stack, else dflt_tid. */
int zsipi_resolve(struct zsip_stack *s,
		  int (*resolve)(void *, const struct zsip_uri *, int *, struct zsip_addr *),
		  void *user, int dflt_tid,
		  struct zsip_str uri_text, int *tid, struct zsip_addr *dst);

#endif
