/* Dialog state (RFC 3261 §12.1): made from the request and response that
 * create it, kept as spans of one allocation so that an idle dialog costs
 * its strings and a few words. */
#include <string.h>

#include "dialog/dialog.h"
#include "msg/wbuf.h"

/* Room for a route set written into a stack buffer. */
#define ROUTES_MAX 2048

struct dlg_parts {
	struct zsip_str call_id, local, local_tag, remote, remote_tag, target, routes;
	struct zsip_str local_suffix;   /* appended to local: ";tag=..." for a UAS */
};

static void put_span(struct zsipi_dlg *d, size_t *at, struct zsipi_span *sp, struct zsip_str v)
{
	sp->off = (uint16_t)*at;
	sp->len = (uint16_t)v.len;
	if (v.len)
		memcpy(d->s + *at, v.p, v.len);
	*at += v.len;
}

/* The offset of the slice inner within outer, which holds it. */
static struct zsipi_span sub_span(struct zsipi_span outer, struct zsip_str outer_s, struct zsip_str inner)
{
	return (struct zsipi_span){ (uint16_t)(outer.off + (size_t)(inner.p - outer_s.p)),
				    (uint16_t)inner.len };
}

static struct zsipi_dlg *dlg_make(struct zsipi_mem *mem, const struct dlg_parts *p, int *err)
{
	size_t n = p->call_id.len + p->local.len + p->local_suffix.len + p->remote.len +
		   p->target.len + p->routes.len;
	/* Spans are 16 bits; a dialog bigger than that is not one we keep. */
	if (n > 60000 || !p->call_id.len || !p->target.len) {
		*err = ZSIP_ETOOBIG;
		return NULL;
	}
	size_t size = sizeof(struct zsipi_dlg) + n;
	struct zsipi_dlg *d = zsipi_mem_alloc(mem, size);
	if (!d) {
		*err = ZSIP_ENOMEM;
		return NULL;
	}
	memset(d, 0, sizeof(*d));
	d->size = (uint16_t)size;
	size_t at = 0;
	put_span(d, &at, &d->call_id, p->call_id);
	put_span(d, &at, &d->local, p->local);
	if (p->local_suffix.len) {
		memcpy(d->s + at, p->local_suffix.p, p->local_suffix.len);
		at += p->local_suffix.len;
		d->local.len = (uint16_t)(d->local.len + p->local_suffix.len);
		/* The suffix is ";tag=" + the tag. */
		d->local_tag = (struct zsipi_span){ (uint16_t)(at - p->local_tag.len),
						    (uint16_t)p->local_tag.len };
	} else {
		d->local_tag = sub_span(d->local, p->local, p->local_tag);
	}
	put_span(d, &at, &d->remote, p->remote);
	d->remote_tag = sub_span(d->remote, p->remote, p->remote_tag);
	put_span(d, &at, &d->target, p->target);
	put_span(d, &at, &d->routes, p->routes);
	return d;
}

void zsipi_dlg_free(struct zsipi_mem *mem, struct zsipi_dlg *d)
{
	if (d)
		zsipi_mem_free(mem, d, d->size);
}

static struct zsip_str hdr_value(const struct zsip_msg *m, enum zsip_hdr_id id)
{
	const struct zsip_hdr *h = zsip_msg_find(m, id);
	return h ? h->value : (struct zsip_str){ NULL, 0 };
}

struct zsip_str zsipi_contact_uri(const struct zsip_msg *m)
{
	struct zsip_contact c;
	if (zsip_msg_contact(m, &c) != 0 || c.star)
		return (struct zsip_str){ NULL, 0 };
	return c.addr.uri.raw;
}

int zsipi_record_routes(const struct zsip_msg *m, int reverse, char *out, size_t cap)
{
	struct zsip_str v[64];
	size_t n = 0;
	for (const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_RECORD_ROUTE); h;
	     h = zsip_msg_find_next(m, h)) {
		struct zsip_str cur = h->value, one;
		int rc;
		while ((rc = zsip_value_next(&cur, &one)) == 1) {
			if (n == sizeof(v) / sizeof(v[0]))
				return ZSIP_ENOSPC;
			v[n++] = one;
		}
		if (rc < 0)
			return rc;
	}
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		struct zsip_str r = v[reverse ? n - 1 - i : i];
		if (len + r.len + 2 > cap)
			return ZSIP_ENOSPC;
		if (i) {
			out[len++] = ',';
			out[len++] = ' ';
		}
		memcpy(out + len, r.p, r.len);
		len += r.len;
	}
	return (int)len;
}

struct zsipi_dlg *zsipi_dlg_uac(struct zsipi_mem *mem, uint32_t cseq, struct zsip_str ruri,
				const struct zsip_msg *resp, int *err)
{
	char routes[ROUTES_MAX];
	int rn = zsipi_record_routes(resp, 1, routes, sizeof(routes));
	if (rn < 0) {
		*err = rn;
		return NULL;
	}
	struct dlg_parts p = {
		.call_id = resp->call_id,
		.local = hdr_value(resp, ZSIP_HDR_FROM),
		.local_tag = resp->from.tag,
		.remote = hdr_value(resp, ZSIP_HDR_TO),
		.remote_tag = resp->to.tag,
		.target = zsipi_contact_uri(resp),
		.routes = { routes, (size_t)rn },
	};
	if (!p.target.p)
		p.target = ruri;
	struct zsipi_dlg *d = dlg_make(mem, &p, err);
	if (d) {
		d->local_cseq = cseq;
		d->secure = ruri.len >= 5 && zsip_str_caseeq((struct zsip_str){ ruri.p, 5 }, ZSIP_STR("sips:"));
	}
	return d;
}

struct zsipi_dlg *zsipi_dlg_uas(struct zsipi_mem *mem, const struct zsip_msg *req,
				struct zsip_str tag, uint32_t local_cseq, int *err)
{
	char routes[ROUTES_MAX], suffix[80];
	int rn = zsipi_record_routes(req, 0, routes, sizeof(routes));
	if (rn < 0 || tag.len > sizeof(suffix) - 6) {
		*err = rn < 0 ? rn : ZSIP_EINVAL;
		return NULL;
	}
	memcpy(suffix, ";tag=", 5);
	memcpy(suffix + 5, tag.p, tag.len);
	struct dlg_parts p = {
		.call_id = req->call_id,
		.local = hdr_value(req, ZSIP_HDR_TO),
		.local_tag = tag,
		.local_suffix = { suffix, 5 + tag.len },
		.remote = hdr_value(req, ZSIP_HDR_FROM),
		.remote_tag = req->from.tag,
		.target = zsipi_contact_uri(req),
		.routes = { routes, (size_t)rn },
	};
	struct zsipi_dlg *d = dlg_make(mem, &p, err);
	if (d) {
		d->local_cseq = local_cseq;
		d->remote_cseq = req->cseq.num;
		d->has_remote_cseq = 1;
		d->secure = req->ruri.scheme_id == ZSIP_URI_SIPS;
	}
	return d;
}

int zsipi_dlg_refresh(struct zsipi_mem *mem, struct zsipi_dlg **dp, struct zsip_str target,
		      struct zsip_str routes)
{
	struct zsipi_dlg *d = *dp;
	struct zsip_str cur_routes = zsipi_dlg_str(d, d->routes);
	/* Nothing new (the usual 2xx after an early dialog): keep it as it is. */
	if ((!target.p || zsip_str_eq(target, zsipi_dlg_str(d, d->target))) &&
	    (!routes.p || zsip_str_eq(routes, cur_routes)))
		return 0;
	struct dlg_parts p = {
		.call_id = zsipi_dlg_str(d, d->call_id),
		.local = zsipi_dlg_str(d, d->local),
		.local_tag = zsipi_dlg_str(d, d->local_tag),
		.remote = zsipi_dlg_str(d, d->remote),
		.remote_tag = zsipi_dlg_str(d, d->remote_tag),
		.target = target.p ? target : zsipi_dlg_str(d, d->target),
		.routes = routes.p ? routes : cur_routes,
	};
	int err;
	struct zsipi_dlg *n = dlg_make(mem, &p, &err);
	if (!n)
		return err;
	n->next = d->next;
	n->local_cseq = d->local_cseq;
	n->remote_cseq = d->remote_cseq;
	n->has_remote_cseq = d->has_remote_cseq;
	n->secure = d->secure;
	n->confirmed = d->confirmed;
	n->byed = d->byed;
	zsipi_dlg_free(mem, d);
	*dp = n;
	return 0;
}

int zsipi_dlg_match_request(const struct zsipi_dlg *d, const struct zsip_msg *req)
{
	/* A request from the peer: its From tag is the remote tag, its To tag
	 * ours (§12.2.2). */
	return zsip_str_eq(req->call_id, zsipi_dlg_str(d, d->call_id)) &&
	       zsip_str_eq(req->to.tag, zsipi_dlg_str(d, d->local_tag)) &&
	       zsip_str_eq(req->from.tag, zsipi_dlg_str(d, d->remote_tag));
}

/* ------------------------------------------------------------- requests */

/* inner, a slice of src (absent when it is not), as a slice of dst, the
 * place src was written to. */
static struct zsip_str moved(struct zsip_str inner, struct zsip_str src, const char *dst)
{
	if (!inner.p || inner.p < src.p || inner.p + inner.len > src.p + src.len)
		return (struct zsip_str){ NULL, 0 };
	return (struct zsip_str){ dst + (inner.p - src.p), inner.len };
}

int zsipi_write_request(char *out, size_t cap, const struct zsipi_req *r, struct zsipi_req_keys *k)
{
	if (!zsipi_valid_token(r->method) || !r->ruri.len)
		return ZSIP_EINVAL;
	struct zsipi_wbuf w = { out, cap, 0 };
	zsipi_put_str(&w, r->method);
	zsipi_put(&w, " ", 1);
	size_t ruri = w.len;
	zsipi_put_str(&w, r->ruri);
	zsipi_put_c(&w, " SIP/2.0\r\nVia: ");
	size_t via = w.len;
	zsipi_put_str(&w, r->via);
	zsipi_put_c(&w, "\r\nMax-Forwards: 70\r\n");
	struct zsip_str cur = r->routes, one;
	while (cur.p && zsip_value_next(&cur, &one) == 1)
		zsipi_put_field(&w, ZSIP_STR("Route"), one);
	size_t from = w.len + 6;
	zsipi_put_field(&w, ZSIP_STR("From"), r->from);
	size_t to = w.len + 4;
	zsipi_put_field(&w, ZSIP_STR("To"), r->to);
	size_t call_id = w.len + 9;
	zsipi_put_field(&w, ZSIP_STR("Call-ID"), r->call_id);
	zsipi_put_c(&w, "CSeq: ");
	zsipi_put_uint(&w, r->cseq);
	zsipi_put(&w, " ", 1);
	zsipi_put_str(&w, r->method);
	zsipi_put(&w, "\r\n", 2);
	zsipi_put_str(&w, r->extra);
	if (r->body.len)
		zsipi_put_field(&w, ZSIP_STR("Content-Type"),
				r->ctype.len ? r->ctype : ZSIP_STR("application/sdp"));
	zsipi_put_c(&w, "Content-Length: ");
	zsipi_put_uint(&w, r->body.len);
	zsipi_put_c(&w, "\r\n\r\n");
	zsipi_put_str(&w, r->body);
	int n = zsipi_wbuf_end(&w);
	if (k && n >= 0 && (size_t)n < cap) {
		k->method = (struct zsip_str){ out, r->method.len };
		k->method_id = (uint8_t)zsip_method_id(r->method);
		k->ruri = (struct zsip_str){ out + ruri, r->ruri.len };
		k->branch = moved(r->branch, r->via, out + via);
		k->via_host = moved(r->via_host, r->via, out + via);
		k->via_port = r->via_port;
		k->call_id = (struct zsip_str){ out + call_id, r->call_id.len };
		k->from_tag = moved(r->from_tag, r->from, out + from);
		k->to_tag = moved(r->to_tag, r->to, out + to);
		k->cseq = r->cseq;
	}
	return n;
}

/* The URI inside a route value "<sip:...;lr>;params". */
static int route_uri(struct zsip_str route, struct zsip_nameaddr *na)
{
	return zsip_nameaddr_parse(na, route);
}

int zsipi_dlg_fill(const struct zsipi_dlg *d, struct zsipi_req *r, struct zsip_str *next_hop,
		   char *tmp, size_t tmp_cap)
{
	r->from = zsipi_dlg_str(d, d->local);
	r->from_tag = zsipi_dlg_str(d, d->local_tag);
	r->to = zsipi_dlg_str(d, d->remote);
	r->to_tag = zsipi_dlg_str(d, d->remote_tag);
	r->call_id = zsipi_dlg_str(d, d->call_id);
	struct zsip_str target = zsipi_dlg_str(d, d->target);
	struct zsip_str routes = zsipi_dlg_str(d, d->routes);
	struct zsip_str cur = routes, first;
	if (!routes.len || zsip_value_next(&cur, &first) != 1) {
		/* §12.2.1.1: empty route set: the remote target, no Route. */
		r->ruri = target;
		r->routes = (struct zsip_str){ NULL, 0 };
		*next_hop = target;
		return 0;
	}
	struct zsip_nameaddr na;
	int rc = route_uri(first, &na);
	if (rc < 0)
		return rc;
	*next_hop = na.uri.raw;
	struct zsip_str lr;
	if (zsip_param_find(na.uri.params, "lr", &lr)) {
		/* Loose routing: Request-URI the target, Route the whole set. */
		r->ruri = target;
		r->routes = routes;
		return 0;
	}
	/* Strict routing: the first route becomes the Request-URI (without
	 * the parameters a Request-URI may not carry, §19.1.1: none of the
	 * ones we would add), the rest and then the target go in Route. */
	r->ruri = na.uri.raw;
	size_t rest = (size_t)(routes.p + routes.len - cur.p);
	while (rest && (*cur.p == ',' || *cur.p == ' ')) {
		cur.p++;
		rest--;
	}
	size_t need = rest + (rest ? 2 : 0) + target.len + 2;
	if (need > tmp_cap)
		return ZSIP_ENOSPC;
	size_t n = 0;
	if (rest) {
		memcpy(tmp, cur.p, rest);
		n = rest;
		memcpy(tmp + n, ", ", 2);
		n += 2;
	}
	tmp[n++] = '<';
	memcpy(tmp + n, target.p, target.len);
	n += target.len;
	tmp[n++] = '>';
	r->routes = (struct zsip_str){ tmp, n };
	return 0;
}

/* ---------------------------------------------------------- resolution */

static int transport_of_kind(struct zsip_stack *s, enum zsip_transport_kind kind)
{
	for (int i = 0; i < ZSIP_MAX_TRANSPORTS; i++) {
		const struct zsipi_transport *tp = zsipi_transport(s, i);
		if (tp && tp->kind == kind)
			return i;
	}
	return -1;
}

int zsipi_resolve(struct zsip_stack *s,
		  int (*resolve)(void *, const struct zsip_uri *, int *, struct zsip_addr *),
		  void *user, int dflt_tid,
		  struct zsip_str uri_text, int *tid, struct zsip_addr *dst)
{
	struct zsip_uri u;
	if (zsip_uri_parse(&u, uri_text) != 0)
		return ZSIP_EURI;
	*tid = dflt_tid;
	if (resolve) {
		memset(dst, 0, sizeof(*dst));
		if (resolve(user, &u, tid, dst) != 0)
			return ZSIP_ERESOLVE;
		return zsipi_transport(s, *tid) ? 0 : ZSIP_ERESOLVE;
	}
	if (u.scheme_id != ZSIP_URI_SIP && u.scheme_id != ZSIP_URI_SIPS)
		return ZSIP_EURI;
	if (u.host_type != ZSIP_HOST_IPV4 && u.host_type != ZSIP_HOST_IPV6)
		return ZSIP_ENAME;
	struct zsip_str host = u.host;
	if (u.host_type == ZSIP_HOST_IPV6 && host.len >= 2) {
		host.p++;
		host.len -= 2;
	}
	if (host.len >= sizeof(dst->host))
		return ZSIP_EURI;
	memcpy(dst->host, host.p, host.len);
	dst->host[host.len] = '\0';
	struct zsip_str tp;
	int tls = u.scheme_id == ZSIP_URI_SIPS;
	if (zsip_param_find(u.params, "transport", &tp)) {
		enum zsip_transport_kind k = zsip_str_caseeq_c(tp, "tcp") ? ZSIP_TRANSPORT_TCP
					   : zsip_str_caseeq_c(tp, "tls") ? ZSIP_TRANSPORT_TLS
					   : zsip_str_caseeq_c(tp, "udp") ? ZSIP_TRANSPORT_UDP
					   : ZSIP_TRANSPORT_OTHER;
		int id = k == ZSIP_TRANSPORT_OTHER ? -1 : transport_of_kind(s, k);
		if (id >= 0)
			*tid = id;
		tls |= k == ZSIP_TRANSPORT_TLS;
	}
	dst->port = u.port ? u.port : tls ? 5061 : 5060;
	return zsipi_transport(s, *tid) ? 0 : ZSIP_EINVAL;
}
