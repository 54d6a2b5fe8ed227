/* 401/407 to our requests (RFC 3261 §22.2, §22.3): the request goes again
 * with credentials from zsip/digest.h's client, with CSeq + 1 and a new
 * branch, on the same call handle (a CANCEL then uses the new branch). */
#include <string.h>

#include "msg/wbuf.h"
#include "ua/ua_int.h"

int zsipi_uac_auth_retry(struct zsip_call *c, struct zsip_txn *tx, const struct zsip_msg *resp,
			 uint64_t now, struct zsip_txn **out)
{
	struct zsip_ua *ua = c->ua;
	if (!ua->auth)
		return ZSIP_EAUTH;
	int rc = zsip_auth_client_challenge(ua->auth, resp);
	if (rc < 0)
		return rc;
	struct zsip_msg m;
	struct zsip_str raw = zsip_txn_request(tx);
	if (zsip_msg_parse(&m, raw.p, raw.len, &ua->s->limits) < 0)
		return ZSIP_EINVAL;
	/* The credentials, for this method, URI and body. */
	char lines[2048];
	rc = zsip_auth_client_authorize(ua->auth, m.method, m.ruri_str, m.body, lines, sizeof(lines));
	if (rc < 0)
		return rc;
	struct zsip_field f[8];
	size_t nf = zsipi_split_fields((struct zsip_str){ lines, (size_t)rc }, f, 8);
	/* §22.2: CSeq + 1 (in a dialog: the dialog's next), a new branch. */
	uint32_t cseq = m.cseq.num + 1;
	if (tx != c->inv && c->dlg)
		cseq = ++c->dlg->local_cseq;
	char via[160], cs[48];
	int vn = zsip_stack_make_via(ua->s, zsip_txn_transport(tx), via, sizeof(via), 1);
	if (vn < 0)
		return vn;
	struct zsipi_wbuf w = { cs, sizeof(cs), 0 };
	zsipi_put_uint(&w, cseq);
	zsipi_put(&w, " ", 1);
	zsipi_put_str(&w, m.cseq.method);
	if (w.len >= sizeof(cs))
		return ZSIP_EINVAL;
	size_t cn = w.len;
	struct zsip_edit e[ZSIP_MAX_HEADERS + 8];
	size_t ne = 0;
	for (unsigned i = 0; i < m.nhdr && ne < ZSIP_MAX_HEADERS; i++) {
		const struct zsip_hdr *h = &m.hdr[i];
		if (i + 1 == m.first[ZSIP_HDR_VIA])
			e[ne++] = (struct zsip_edit){ ZSIP_EDIT_REPLACE, i,
						      { h->name, { via, (size_t)vn } } };
		else if (h->id == ZSIP_HDR_CSEQ)
			e[ne++] = (struct zsip_edit){ ZSIP_EDIT_REPLACE, i,
						      { h->name, { cs, cn } } };
		else if (h->id == ZSIP_HDR_AUTHORIZATION || h->id == ZSIP_HDR_PROXY_AUTHORIZATION)
			e[ne++] = (struct zsip_edit){ ZSIP_EDIT_REMOVE, i, { { NULL, 0 }, { NULL, 0 } } };
	}
	for (size_t i = 0; i < nf; i++)
		e[ne++] = (struct zsip_edit){ ZSIP_EDIT_INSERT, m.nhdr, f[i] };
	int n = zsip_msg_rewrite(ua->work, ua->work_cap, &m, e, ne);
	if (n < 0)
		return n;
	if ((size_t)n >= ua->work_cap)
		return ZSIP_ETOOBIG;
	struct zsip_txn *nt = NULL;
	rc = zsip_stack_request(ua->s, zsip_txn_transport(tx), zsip_txn_peer(tx), ua->work, (size_t)n, c,
				now, &nt);
	if (rc < 0)
		return rc;
	zsipi_ua_own_txn(ua, nt, c);
	zsipi_ua_forget_txn(tx);
	if (tx == c->inv) {
		c->inv_cseq = cseq;
		/* §9.1 counts provisional responses per INVITE: the new one has
		 * had none. */
		c->flags &= (uint16_t)~CALL_GOT_1XX;
	}
	*out = nt;
	return 0;
}
