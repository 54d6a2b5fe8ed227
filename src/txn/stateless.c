/* Answers the stack gives without a transaction: the 4xx/5xx for a request
 * that fails to parse (RFC 3261 §8.2, §21.4.1) and the 503 past the
 * transaction cap (§21.5.4). Neither takes memory: both are written into
 * the stack's scratch buffers. */
#include <stdio.h>
#include <string.h>

#include "txn/txn.h"

/* A stateless answer carries a To tag (§8.2.6.2) that is the same for
 * every retransmission of the request, so it is a hash of what identifies
 * the request rather than a random value. */
static void stateless_tag(char out[9], struct zsip_str a, struct zsip_str b, struct zsip_str c)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t h = 2166136261u;
	const struct zsip_str parts[3] = { a, b, c };
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < parts[k].len; i++)
			h = (h ^ (unsigned char)parts[k].p[i]) * 16777619u;
	for (int i = 0; i < 8; i++)
		out[i] = hex[(h >> (28 - 4 * i)) & 0xf];
	out[8] = '\0';
}

void zsipi_answer_overload(struct zsip_stack *s, int tid, const struct zsip_addr *src,
			   struct zsip_msg *m)
{
	s->st.tx_overload_503++;
	const struct zsipi_transport *tp = zsipi_transport(s, tid);
	struct zsip_addr dst;
	if (zsipi_response_dest(tp, &m->via, src, &dst) != 0)
		return;

	/* The Via gets received/rport like any answer (RFC 3581 §4). */
	struct zsipi_stamp sp;
	zsipi_stamp_plan(&sp, m, src);
	if (sp.extra && m->len + sp.extra <= s->scratch_cap)
		zsipi_stamp_move(ZSIPI_SCRATCH_A(s), &sp, m, src, &s->limits);

	char retry[16], tag[9];
	snprintf(retry, sizeof(retry), "%lu", (unsigned long)s->retry_after);
	stateless_tag(tag, m->call_id, m->via.branch, m->from.tag);
	struct zsip_field f[1] = { { ZSIP_STR("Retry-After"), zsip_str_c(retry) } };
	struct zsip_response r;
	memset(&r, 0, sizeof(r));
	r.code = 503;
	r.to_tag = zsip_str_c(tag);
	r.hdrs = f;
	r.nhdrs = 1;
	char *out = ZSIPI_SCRATCH_B(s);
	int n = zsip_build_response(out, s->scratch_cap, m, &r);
	if (n > 0 && (size_t)n <= s->scratch_cap)
		zsipi_send(s, tid, &dst, out, (size_t)n);
}

/* ------------------------------------------------- unparseable requests */

/* What a broken request still offers to answer it with. */
struct salvage {
	struct zsip_str via[ZSIP_MAX_HEADERS]; /* every Via field value, in order */
	size_t nvia;
	struct zsip_str from, to, call_id, cseq;
};

/* Takes one header line (with its continuation lines) from [*p, end):
 * name and trimmed value. 0 at the blank line or the end. */
static int next_field(const char **p, const char *end, struct zsip_str *name, struct zsip_str *value)
{
	const char *s = *p;
	if (s >= end || *s == '\r' || *s == '\n')
		return 0;
	const char *e = s;
	for (;;) {
		const char *nl = memchr(e, '\n', (size_t)(end - e));
		if (!nl) {
			e = end;
			break;
		}
		e = nl + 1;
		if (e >= end || (*e != ' ' && *e != '\t'))
			break;
	}
	*p = e;
	const char *colon = memchr(s, ':', (size_t)(e - s));
	if (!colon)
		return -1;
	const char *ne = colon;
	while (ne > s && (ne[-1] == ' ' || ne[-1] == '\t'))
		ne--;
	const char *vs = colon + 1, *ve = e;
	while (vs < ve && (*vs == ' ' || *vs == '\t'))
		vs++;
	while (ve > vs && (ve[-1] == '\r' || ve[-1] == '\n' || ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	*name = (struct zsip_str){ s, (size_t)(ne - s) };
	*value = (struct zsip_str){ vs, (size_t)(ve - vs) };
	return 1;
}

/* A value that can be copied into an answer as it is: no bare CR or LF
 * outside a fold, no other control characters. */
static int copyable(struct zsip_str v)
{
	if (!v.p || v.len == 0)
		return 0;
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c == '\r' || c == '\n') {
			size_t j = i;
			while (j < v.len && (v.p[j] == '\r' || v.p[j] == '\n'))
				j++;
			if (j >= v.len || (v.p[j] != ' ' && v.p[j] != '\t'))
				return 0;
			i = j;
		} else if ((c < ' ' && c != '\t') || c == 0x7f) {
			return 0;
		}
	}
	return 1;
}

static int salvage(const char *buf, size_t len, struct salvage *sv)
{
	memset(sv, 0, sizeof(*sv));
	const char *end = buf + len;
	const char *p = memchr(buf, '\n', len);
	if (!p)
		return 0;
	p++;
	struct zsip_str name, value;
	int rc;
	while ((rc = next_field(&p, end, &name, &value)) != 0) {
		if (rc < 0)
			continue;
		switch (zsip_hdr_lookup(name)) {
		case ZSIP_HDR_VIA:
			if (sv->nvia < ZSIP_MAX_HEADERS)
				sv->via[sv->nvia++] = value;
			break;
		case ZSIP_HDR_FROM:
			if (!sv->from.p)
				sv->from = value;
			break;
		case ZSIP_HDR_TO:
			if (!sv->to.p)
				sv->to = value;
			break;
		case ZSIP_HDR_CALL_ID:
			if (!sv->call_id.p)
				sv->call_id = value;
			break;
		case ZSIP_HDR_CSEQ:
			if (!sv->cseq.p)
				sv->cseq = value;
			break;
		default:
			break;
		}
	}
	if (sv->nvia == 0 || !copyable(sv->from) || !copyable(sv->to) ||
	    !copyable(sv->call_id) || !copyable(sv->cseq))
		return 0;
	for (size_t i = 0; i < sv->nvia; i++)
		if (!copyable(sv->via[i]))
			return 0;
	return 1;
}

/* Appends to a bounded buffer; remembers overflow. */
struct out {
	char *p;
	size_t len, cap;
	int over;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->over || n > o->cap - o->len) {
		o->over = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putv(struct out *o, struct zsip_str v)
{
	put(o, v.p, v.len);
}

int zsipi_answer_bad_request(struct zsip_stack *s, int tid, const struct zsip_addr *src,
			     const char *buf, size_t len, int err)
{
	const char *reason = NULL;
	int code = zsip_err_status(err, &reason);
	if (code < 300 || code > 699)
		return 0;
	/* Only a request line can be answered, never an ACK (§17). */
	const char *sp = memchr(buf, ' ', len < 32 ? len : 32);
	if (!sp || (sp - buf == 3 && memcmp(buf, "ACK", 3) == 0))
		return 0;

	struct salvage sv;
	if (!salvage(buf, len, &sv))
		return 0;
	struct zsip_cseq cseq;
	if (zsip_cseq_parse(&cseq, sv.cseq) == 0 && cseq.method_id == ZSIP_METHOD_ACK)
		return 0;
	/* The top Via routes the answer: it has to parse. */
	struct zsip_str cur = sv.via[0], top;
	struct zsip_via via;
	if (zsip_value_next(&cur, &top) != 1 || zsip_via_parse(&via, top) != 0)
		return 0;
	const struct zsipi_transport *tp = zsipi_transport(s, tid);
	struct zsip_addr dst;
	if (zsipi_response_dest(tp, &via, src, &dst) != 0)
		return 0;

	struct out o = { ZSIPI_SCRATCH_B(s), 0, s->scratch_cap, 0 };
	char line[64];
	snprintf(line, sizeof(line), "SIP/2.0 %d ", code);
	puts_(&o, line);
	puts_(&o, reason && *reason ? reason : zsip_reason_phrase(code));
	puts_(&o, "\r\n");

	/* Every Via as received (§8.2.6.2), the top one stamped with
	 * received/rport (§18.2.1, RFC 3581): edits go at the end of the top
	 * value, after any rport left empty. */
	for (size_t i = 0; i < sv.nvia; i++) {
		puts_(&o, "Via: ");
		if (i > 0) {
			putv(&o, sv.via[i]);
			puts_(&o, "\r\n");
			continue;
		}
		const char *top_end = top.p + top.len;
		char v[ZSIP_ADDR_HOST_MAX + 64 + 512];
		size_t vn = top.len < 512 ? zsipi_stamp_via(v, sizeof(v), top, &via, src) : 0;
		if (vn)
			put(&o, v, vn);
		else
			putv(&o, top);
		put(&o, top_end, (size_t)(sv.via[0].p + sv.via[0].len - top_end));
		puts_(&o, "\r\n");
	}
	puts_(&o, "From: ");
	putv(&o, sv.from);
	puts_(&o, "\r\nTo: ");
	putv(&o, sv.to);
	struct zsip_nameaddr to;
	if (zsip_nameaddr_parse(&to, sv.to) == 0 && !to.tag.p) {
		char tag[9];
		stateless_tag(tag, sv.call_id, via.branch, sv.cseq);
		puts_(&o, ";tag=");
		puts_(&o, tag);
	}
	puts_(&o, "\r\nCall-ID: ");
	putv(&o, sv.call_id);
	puts_(&o, "\r\nCSeq: ");
	putv(&o, sv.cseq);
	puts_(&o, "\r\nContent-Length: 0\r\n\r\n");
	if (o.over)
		return 0;
	zsipi_send(s, tid, &dst, o.p, o.len);
	return 1;
}
