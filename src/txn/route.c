/* Where responses go (RFC 3261 §18.2.2, RFC 3581 §4) and the received/rport
 * parameters a server adds to the top Via of a request (§18.2.1, RFC 3581). */
#include <string.h>

#include "txn/txn.h"

/* §18.2.2 (and §19.1.2 for the default ports). */
static uint16_t default_port(const struct zsip_via *via)
{
	return zsip_str_caseeq_c(via->transport, "TLS") ? 5061 : 5060;
}

static int set_host(struct zsip_addr *dst, struct zsip_str host)
{
	/* struct zsip_addr holds IPv6 without brackets. */
	if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']') {
		host.p++;
		host.len -= 2;
	}
	if (host.len == 0 || host.len >= sizeof(dst->host))
		return ZSIP_EINVAL;
	memcpy(dst->host, host.p, host.len);
	dst->host[host.len] = '\0';
	return 0;
}

int zsipi_response_dest(const struct zsipi_transport *tp, const struct zsip_via *via,
			const struct zsip_addr *src, struct zsip_addr *dst)
{
	/* Reliable: back over the connection the request came on. */
	if (tp->reliable) {
		*dst = *src;
		return 0;
	}
	/* maddr: to that address, sent-by port or the default. */
	if (via->maddr.p && via->maddr.len) {
		dst->port = via->port ? via->port : default_port(via);
		return set_host(dst, via->maddr);
	}
	/* Otherwise to "received", which is the source address whether or not
	 * it differed from sent-by; to the source port when the client asked
	 * for rport (RFC 3581 §4), else the sent-by port or the default. */
	*dst = *src;
	if (!via->rport.p)
		dst->port = via->port ? via->port : default_port(via);
	return 0;
}

/* The source is only written into received= when it is an IP address, as
 * §20.42 requires; applications and tests may name sources otherwise. */
static int is_ip(const char *h)
{
	size_t n = strlen(h);
	if (n == 0)
		return 0;
	if (strspn(h, "0123456789.") == n)
		return strchr(h, '.') != NULL;
	return strchr(h, ':') != NULL && strspn(h, "0123456789abcdefABCDEF:.") == n;
}

static int host_is_src(struct zsip_str host, const char *src)
{
	if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']') {
		host.p++;
		host.len -= 2;
	}
	return zsip_str_caseeq_c(host, src);
}

/* top: the top Via value (a slice of the message); via: it parsed. */
static void plan_via(struct zsip_str top, const struct zsip_via *via,
		     const struct zsip_addr *src, struct zsipi_stamp *p)
{
	memset(p, 0, sizeof(*p));
	if (!via->received.p && !host_is_src(via->host, src->host) && is_ip(src->host))
		p->recv_at = top.p + top.len;
	/* A bare rport (an empty slice where its name ends) gets "=" and the
	 * port; only edits inside the top Via value are safe. */
	if (via->rport.p && via->rport.len == 0 && via->rport.p >= top.p &&
	    via->rport.p <= top.p + top.len) {
		p->rport_at = via->rport.p;
		p->rport_eq = 1;
		char d[6];
		int n = 0;
		unsigned v = src->port;
		do
			d[n++] = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		for (int i = 0; i < n; i++)
			p->port[i] = d[n - 1 - i];
		p->port[n] = '\0';
	}
}

static size_t plan_size(const struct zsipi_stamp *p, const struct zsip_addr *src)
{
	size_t n = 0;
	if (p->rport_at)
		n += (size_t)p->rport_eq + strlen(p->port);
	if (p->recv_at)
		n += strlen(";received=") + strlen(src->host);
	return n;
}

/* Copies [in, end) into out with the planned edits. */
static char *apply(char *o, const char *in, const char *end, const struct zsipi_stamp *p,
		   const struct zsip_addr *src)
{
	if (p->rport_at) {
		memcpy(o, in, (size_t)(p->rport_at - in));
		o += p->rport_at - in;
		in = p->rport_at;
		if (p->rport_eq)
			*o++ = '=';
		o = stpcpy(o, p->port);
	}
	if (p->recv_at) {
		memcpy(o, in, (size_t)(p->recv_at - in));
		o += p->recv_at - in;
		in = p->recv_at;
		o = stpcpy(o, ";received=");
		o = stpcpy(o, src->host);
	}
	memcpy(o, in, (size_t)(end - in));
	return o + (end - in);
}

void zsipi_stamp_plan(struct zsipi_stamp *p, const struct zsip_msg *m,
		      const struct zsip_addr *src)
{
	memset(p, 0, sizeof(*p));
	/* The top Via value: from its protocol to the end of its parameters
	 * (the parser trims what follows them), else the first
	 * comma-separated value of the first field. */
	const struct zsip_via *v = &m->via;
	struct zsip_str top;
	if (v->protocol.p && v->params.p) {
		top = (struct zsip_str){ v->protocol.p,
					 (size_t)(v->params.p + v->params.len - v->protocol.p) };
	} else {
		const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_VIA);
		struct zsip_str cur = h ? h->value : (struct zsip_str){ NULL, 0 };
		if (zsip_value_next(&cur, &top) != 1)
			return;
	}
	plan_via(top, v, src, p);
	p->extra = plan_size(p, src);
}

size_t zsipi_stamp_move(char *out, const struct zsipi_stamp *p, struct zsip_msg *m,
			const struct zsip_addr *src, const struct zsip_limits *lim)
{
	size_t at[2], add[2], k = 0;
	if (p->rport_at) {
		at[k] = (size_t)(p->rport_at - m->buf);
		add[k++] = (size_t)p->rport_eq + strlen(p->port);
	}
	if (p->recv_at) {
		at[k] = (size_t)(p->recv_at - m->buf);
		add[k++] = strlen(";received=") + strlen(src->host);
	}
	const char *orig = m->buf;
	size_t orig_len = m->len;
	size_t n = (size_t)(apply(out, m->buf, m->buf + m->len, p, src) - out);
	if (zsipi_msg_move(m, out, at, add, k) == 0)
		return n;
	/* The stamped Via does not read back (it cannot happen): unstamped. */
	(void)zsip_msg_parse(m, orig, orig_len, lim);
	return 0;
}

size_t zsipi_stamp_via(char *out, size_t cap, struct zsip_str top, const struct zsip_via *via,
		       const struct zsip_addr *src)
{
	struct zsipi_stamp p;
	plan_via(top, via, src, &p);
	size_t n = top.len + plan_size(&p, src);
	if (n > cap)
		return 0;
	apply(out, top.p, top.p + top.len, &p, src);
	return n;
}
