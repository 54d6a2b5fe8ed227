/* The torture tests of RFC 4475 and the IPv6 torture tests of RFC 5118,
 * read at run time from ZSIP_SHARED_DIR/conformance/{rfc4475,rfc5118}.
 *
 * Every *.dat file is one UDP datagram given to zsip_msg_parse; the
 * verdict comes from that directory's EXPECTED.tsv (name, section,
 * verdict, response, note):
 *   valid     parses, and every field in the table below reads right;
 *   invalid   fails with the error code in the table below, and
 *             zsip_err_status() gives the response column (400/505/501;
 *             'drop' for a response, which only has to fail);
 *   either    never crashes; if accepted the fields are sane (and the
 *             table's fields right when it has an entry), if rejected the
 *             status is the response column;
 *   semantic  parses (the response is the TU's business); the table checks
 *             the fields that TU check would read.
 * A file without an EXPECTED row, a row without a file, a valid or semantic
 * case without a field table entry, an invalid case without an error code,
 * or a table entry for a case that no longer exists each fail, so new
 * files cannot slip through untested. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <cmocka.h>

#include "zsip/msg.h"
#include "support/msgexpect.h"

#define CONF_DIR ZSIP_SHARED_DIR "/conformance"

static const char *const dirs[] = { "rfc4475", "rfc5118" };
#define NDIRS (sizeof dirs / sizeof dirs[0])

/* ------------------------------------------------------ EXPECTED.tsv rows */

struct row {
	const char *dir;
	char name[96];
	char section[16];
	char verdict[16];
	char response[16];
	char note[512];
};

static struct row rows[256];
static size_t nrows;
static char tsv_error[320];

static void load_expected(void)
{
	nrows = 0;
	tsv_error[0] = 0;
	for (size_t d = 0; d < NDIRS; d++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s/EXPECTED.tsv", CONF_DIR, dirs[d]);
		FILE *f = fopen(path, "r");
		if (!f) {
			snprintf(tsv_error, sizeof tsv_error, "cannot open %.200s", path);
			return;
		}
		char line[2048];
		int first = 1;
		while (fgets(line, sizeof line, f)) {
			line[strcspn(line, "\r\n")] = 0;
			if (first) { /* header row */
				first = 0;
				continue;
			}
			if (!line[0])
				continue;
			if (nrows == sizeof rows / sizeof rows[0])
				break;
			struct row *r = &rows[nrows];
			memset(r, 0, sizeof *r);
			r->dir = dirs[d];
			char *fields[5] = { 0 };
			char *p = line;
			for (int i = 0; i < 5 && p; i++) {
				fields[i] = p;
				p = strchr(p, '\t');
				if (p && i < 4)
					*p++ = 0;
			}
			if (!fields[3]) {
				snprintf(tsv_error, sizeof tsv_error, "%.100s: short row '%.100s'", path, line);
				continue;
			}
			snprintf(r->name, sizeof r->name, "%s", fields[0]);
			snprintf(r->section, sizeof r->section, "%s", fields[1]);
			snprintf(r->verdict, sizeof r->verdict, "%s", fields[2]);
			snprintf(r->response, sizeof r->response, "%s", fields[3]);
			snprintf(r->note, sizeof r->note, "%s", fields[4] ? fields[4] : "");
			nrows++;
		}
		fclose(f);
	}
}

static struct row *find_row(const char *dir, const char *name)
{
	for (size_t i = 0; i < nrows; i++)
		if (strcmp(rows[i].dir, dir) == 0 && strcmp(rows[i].name, name) == 0)
			return &rows[i];
	return NULL;
}

static char *load_case(const struct row *r, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s/%s.dat", CONF_DIR, r->dir, r->name);
	return mx_load(path, len);
}

/* ------------------------------------------------ the special points */

static void first_contact(const struct zsip_msg *m, struct zsip_contact *c)
{
	assert_int_equal(zsip_msg_contact(m, c), 0);
}

/* 3.1.1.1: folds inside values, LWS around ':' and separators, escaped
 * quotes in a display name, an empty Subject, three Via values. */
static void x_wsinv(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->ruri.params, "unknownparam");
	mx_assert_str(m->from.display, "J Rosenberg \\\\\\\"");
	mx_assert_str(m->via.protocol, "SIP");
	mx_assert_str(m->via.version, "2.0");
	assert_int_equal(mx_count_fields(m, ZSIP_HDR_VIA), 2);
	assert_int_equal(mx_count_values(m, ZSIP_HDR_VIA), 3);
	struct zsip_via v;
	assert_int_equal(zsip_via_parse(&v, mx_value_at(m, ZSIP_HDR_VIA, 1)), 0);
	mx_assert_str(v.transport, "TCP");
	mx_assert_str(v.host, "spindle.example.com");
	mx_assert_str(v.branch, "z9hG4bK9ikj8");
	assert_int_equal(zsip_via_parse(&v, mx_value_at(m, ZSIP_HDR_VIA, 2)), 0);
	mx_assert_str(v.transport, "UDP");
	mx_assert_str(v.host, "192.168.255.111");
	mx_assert_str(v.branch, "z9hG4bK30239");
	/* "s :" is Subject, present with an empty value (RFC 3261 §20.36) */
	const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_SUBJECT);
	assert_non_null(h);
	mx_assert_str(h->name, "s");
	mx_assert_str(h->value, "");
	/* the fold stays inside the value; the ends are trimmed (§7.3.1) */
	h = zsip_msg_find_name(m, ZSIP_STR("newfangledheader"));
	assert_non_null(h);
	mx_assert_str(h->value, "newfangled value\r\n continued newfangled value");
	h = zsip_msg_find_name(m, ZSIP_STR("UnknownHeaderWithUnusualValue"));
	assert_non_null(h);
	mx_assert_str(h->value, ";;,,;;,;");
	h = zsip_msg_find(m, ZSIP_HDR_ROUTE);
	assert_non_null(h);
	mx_assert_str(h->value, "<sip:services.example.com;lr;unknownwith=value;unknown-no-value>");
	h = zsip_msg_find(m, ZSIP_HDR_TO);
	mx_assert_str(h->name, "TO");
	mx_assert_str(m->to.uri.host, "chair-dnrc.example.com");
	struct zsip_contact c;
	first_contact(m, &c);
	mx_assert_str(c.addr.display, "Quoted string \\\"\\\"");
	mx_assert_str(c.addr.uri.user, "jdrosen");
	mx_assert_str(c.q, "0.33");
}

/* 3.1.1.2: an extension method made of every token character; NUL, BEL
 * and DEL as quoted-pairs in a display name; UTF-8 in a value. */
static void x_intmeth(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
	static const char to_dn[] = "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f";
	assert_non_null(m->to.display.p);
	assert_int_equal(m->to.display.len, sizeof to_dn - 1);
	assert_memory_equal(m->to.display.p, to_dn, sizeof to_dn - 1);
	mx_assert_str(m->to.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	mx_assert_str(m->from.display, "token1~` token2'+_ token3*%!.-");
	mx_assert_str(m->from.uri.user, "mundane");
	const struct zsip_hdr *h = zsip_msg_find_name(m, ZSIP_STR("extensionHeader-!.%*+_`'~"));
	assert_non_null(h);
	assert_int_equal(h->id, ZSIP_HDR_OTHER);
	mx_assert_str(h->value, "\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb");
	assert_int_equal(m->cseq.method_id, ZSIP_METHOD_OTHER);
}

/* 3.1.1.3: escapes stay as received; an escaped ':' and '@' belong to the
 * user part. */
static void x_esc01(const struct zsip_msg *m, size_t len)
{
	(void)len;
	char out[64];
	int n = zsip_unescape(out, sizeof out, m->ruri.user);
	assert_int_equal(n, 21);
	assert_memory_equal(out, "sips:user@example.com", 21);
	mx_assert_str(m->to.uri.user, "%75se%72");
	n = zsip_unescape(out, sizeof out, m->to.uri.user);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "user", 4);
	mx_assert_str(m->from.uri.user, "I%20have%20spaces");
	struct zsip_contact c;
	first_contact(m, &c);
	mx_assert_str(c.addr.uri.user, "cal%6Cer");
	mx_assert_str(c.addr.uri.params, "%6C%72;n%61me=v%61lue%25%34%31");
}

/* 3.1.1.4: %00 in user parts; two Contacts differ only by their NULs. */
static void x_escnull(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->to.uri.user, "null-%00-null");
	char out[32];
	assert_int_equal(zsip_unescape(out, sizeof out, m->to.uri.user), 11);
	assert_memory_equal(out, "null-\0-null", 11);
	assert_int_equal(mx_count_fields(m, ZSIP_HDR_CONTACT), 2);
	struct zsip_contact a, b;
	assert_int_equal(zsip_contact_parse(&a, mx_value_at(m, ZSIP_HDR_CONTACT, 0)), 0);
	assert_int_equal(zsip_contact_parse(&b, mx_value_at(m, ZSIP_HDR_CONTACT, 1)), 0);
	mx_assert_str(a.addr.uri.user, "%00");
	mx_assert_str(b.addr.uri.user, "%00%00");
	assert_int_equal(zsip_uri_eq(&a.addr.uri, &b.addr.uri), 0);
}

/* 3.1.1.5: '%' in a token is no escape: RE%47IST%45R is not REGISTER and
 * C%6Fntact is not Contact. */
static void x_esc02(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(m->cseq.method_id, ZSIP_METHOD_OTHER);
	assert_int_equal(mx_count_fields(m, ZSIP_HDR_CONTACT), 2);
	mx_assert_str(mx_value_at(m, ZSIP_HDR_CONTACT, 0), "<sip:alias1@host1.example.com>");
	mx_assert_str(mx_value_at(m, ZSIP_HDR_CONTACT, 1), "<sip:alias3@host3.example.com>");
	const struct zsip_hdr *h = zsip_msg_find_name(m, ZSIP_STR("C%6Fntact"));
	assert_non_null(h);
	assert_int_equal(h->id, ZSIP_HDR_OTHER);
	mx_assert_str(h->value, "<sip:alias2@host2.example.com>");
	assert_int_equal(zsip_hdr_lookup(ZSIP_STR("C%6Fntact")), ZSIP_HDR_OTHER);
	mx_assert_str(m->to.display, "%Z%45");
	mx_assert_str(m->from.display, "%Z%45");
}

/* 3.1.1.6: no LWS between a display name and '<'. */
static void x_lwsdisp(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->from.display, "caller");
	mx_assert_str(m->from.uri.user, "caller");
	mx_assert_str(m->from.uri.host, "example.com");
}

/* 3.1.1.7: long values everywhere and 34 Via fields in many spellings. */
static void x_longreq(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(mx_count_fields(m, ZSIP_HDR_VIA), 34);
	assert_int_equal(mx_count_values(m, ZSIP_HDR_VIA), 34);
	struct zsip_via v;
	assert_int_equal(zsip_via_parse(&v, mx_value_at(m, ZSIP_HDR_VIA, 33)), 0);
	mx_assert_str(v.host, "host.example.com");
	mx_assert_str(v.received, "192.0.2.5");
	assert_non_null(v.branch.p);
	assert_int_equal(v.branch.len, 215);
	assert_int_equal(m->from.tag.len, 155);
	mx_assert_str(m->to.display, "I have a user name of extremeextremeextremeextremeextremeextremeextremeextreme"
				     "extremeextreme proportion");
	assert_int_equal(m->to.uri.port, 6000);
	const struct zsip_hdr *h = zsip_msg_find_name(
		m, ZSIP_STR("Unknown-LongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLong-Name"));
	assert_non_null(h);
	assert_int_equal(h->id, ZSIP_HDR_OTHER);
	struct zsip_contact c;
	first_contact(m, &c);
	mx_assert_str(c.addr.uri.host, "host5.example.net");
}

/* 3.1.1.8: Content-Length 0 ends the first request; the second one is not
 * part of this message. */
static void x_dblreq(const struct zsip_msg *m, size_t len)
{
	assert_int_equal(m->len, 300);
	assert_true(len > m->len);
	/* a blank line, then the second request, which is ignored here but
	 * is a whole request of its own (the CRLF before its start line is
	 * skipped, RFC 3261 §7.5) */
	assert_memory_equal(m->buf + m->len, "\r\nINVITE sip:joe@example.com SIP/2.0\r\n", 38);
	struct zsip_msg *second = malloc(sizeof *second);
	assert_non_null(second);
	char *rest = mx_copy(m->buf + m->len, len - m->len);
	int rc = zsip_msg_parse(second, rest, len - m->len, NULL);
	assert_true(rc > 0);
	assert_int_equal(second->method_id, ZSIP_METHOD_INVITE);
	mx_assert_str(second->call_id, "dblreq.0ha0isnda977644900765@192.0.2.15");
	assert_int_equal(second->content_length, 150);
	free(rest);
	free(second);
}

/* 3.1.1.9: the ';' belongs to the user part, so there are no URI
 * parameters. */
static void x_semiuri(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->ruri.params, NULL);
	assert_int_equal(mx_count_values(m, ZSIP_HDR_ACCEPT), 6);
	mx_assert_str(mx_value_at(m, ZSIP_HDR_ACCEPT, 5), "message/sipfrag");
}

/* 3.1.1.10: unknown transports parse. */
static void x_transports(const struct zsip_msg *m, size_t len)
{
	(void)len;
	static const char *const want[] = { "UDP", "SCTP", "TLS", "UNKNOWN", "TCP" };
	assert_int_equal(mx_count_values(m, ZSIP_HDR_VIA), 5);
	for (int i = 0; i < 5; i++) {
		struct zsip_via v;
		assert_int_equal(zsip_via_parse(&v, mx_value_at(m, ZSIP_HDR_VIA, i)), 0);
		mx_assert_str(v.transport, want[i]);
	}
	mx_assert_str(m->call_id, "transports.kijh4akdnaqjkwendsasfdj");
}

/* 3.1.1.11: a binary body with NULs is exactly Content-Length bytes. */
static void x_mpart01(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_non_null(memchr(m->body.p, 0, m->body.len));
	static const char tail[] = "\r\n--7a9cbec02ceef655--\r\n";
	assert_memory_equal(m->body.p + m->body.len - (sizeof tail - 1), tail, sizeof tail - 1);
	assert_memory_equal(m->body.p, "--7a9cbec02ceef655\r\n", 20);
	mx_assert_str(m->via.rport, "");
	const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_IDENTITY);
	assert_non_null(h);
	struct zsip_media mt;
	assert_int_equal(zsip_media_parse(&mt, zsip_msg_find(m, ZSIP_HDR_CONTENT_TYPE)->value), 0);
	mx_assert_str(mt.type, "multipart");
	mx_assert_str(mt.subtype, "mixed");
}

/* 3.1.1.12: a long reason phrase with UTF-8 and punctuation. */
static void x_unreason(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(m->reason.len, 74);
}

/* 3.3.12 / 3.3.13: the parameter of a Contact without '<' '>' is a header
 * parameter; inside '<' '>' it is a URI parameter (RFC 3261 §20.10). */
static void x_cparam01(const struct zsip_msg *m, size_t len)
{
	(void)len;
	struct zsip_contact c;
	first_contact(m, &c);
	mx_assert_str(c.addr.uri.user, "+19725552222");
	mx_assert_str(c.addr.uri.host, "gw1.example.net");
	mx_assert_str(c.addr.uri.params, NULL);
	mx_assert_str(c.addr.params, "unknownparam");
}

static void x_cparam02(const struct zsip_msg *m, size_t len)
{
	(void)len;
	struct zsip_contact c;
	first_contact(m, &c);
	mx_assert_str(c.addr.uri.user, "+19725552222");
	mx_assert_str(c.addr.uri.params, "unknownparam");
	mx_assert_str(c.addr.params, NULL);
}

/* 3.3.14: the escaped Route header stays in the Contact URI. */
static void x_regescrt(const struct zsip_msg *m, size_t len)
{
	(void)len;
	const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_CONTACT);
	assert_non_null(h);
	mx_assert_str(h->name, "M");
	struct zsip_contact c;
	first_contact(m, &c);
	mx_assert_str(c.addr.uri.headers, "Route=%3Csip:sip.example.com%3E");
	mx_assert_str(c.addr.uri.params, NULL);
}

/* 3.4.1: no Content-Length over UDP: the body runs to the end. */
static void x_inv2543(const struct zsip_msg *m, size_t len)
{
	assert_int_equal(m->body.p + m->body.len, m->buf + len);
	assert_memory_equal(m->body.p, "v=0\r\n", 5);
	mx_assert_str(m->from.uri.params, "user=phone");
	mx_assert_str(m->to.uri.user, "+16505552222");
}

static void contact_host(const struct zsip_msg *m, const char *host)
{
	struct zsip_contact c;
	first_contact(m, &c);
	mx_assert_str(c.addr.uri.host, host);
	assert_int_equal(c.addr.uri.host_type, ZSIP_HOST_IPV6);
}

/* RFC 5118 §4.1 */
static void x_ipv6_good(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(m->ruri.host_type, ZSIP_HOST_IPV6);
	assert_int_equal(m->via.host_type, ZSIP_HOST_IPV6);
	contact_host(m, "[2001:db8::1]");
}

/* RFC 5118 §4.3: the whole reference is the host. */
static void x_port_ambiguous(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(m->ruri.host_type, ZSIP_HOST_IPV6);
	mx_assert_str(m->ruri.port_str, NULL);
}

/* RFC 5118 §4.4 */
static void x_port_unambiguous(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(m->ruri.host_type, ZSIP_HOST_IPV6);
	mx_assert_str(m->ruri.port_str, "5070");
}

/* RFC 5118 §4.5 */
static void x_received_nodelim(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->via.received, "2001:db8::9:255");
	contact_host(m, "[2001:db8::9:1]");
}

static void x_received_delim(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->via.received, "[2001:db8::9:255]");
}

/* RFC 5118 §4.6, §4.8: the SDP is opaque; the SIP parts hold IPv6. */
static void x_ipv6_in_sdp(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->to.uri.host, "[2001:db8::10]");
	contact_host(m, "[2001:db8::20]");
	assert_memory_equal(m->body.p, "v=0\r\n", 5);
}

static void x_mult_ip_in_sdp(const struct zsip_msg *m, size_t len)
{
	(void)len;
	contact_host(m, "[2001:db8::9:1]");
	assert_memory_equal(m->body.p, "v=0\r\n", 5);
}

/* RFC 5118 §4.7 */
static void x_mult_ip_in_header(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(m->via.host_type, ZSIP_HOST_IPV6);
	assert_int_equal(mx_count_values(m, ZSIP_HDR_VIA), 3);
	struct zsip_via v;
	assert_int_equal(zsip_via_parse(&v, mx_value_at(m, ZSIP_HDR_VIA, 1)), 0);
	mx_assert_str(v.host, "192.0.2.1");
	assert_int_equal(v.host_type, ZSIP_HOST_IPV4);
	assert_int_equal(zsip_via_parse(&v, mx_value_at(m, ZSIP_HDR_VIA, 2)), 0);
	mx_assert_str(v.transport, "TCP");
	mx_assert_str(v.host, "[2001:db8::9:255]");
	mx_assert_str(v.received, "192.0.2.200");
	mx_assert_str(v.branch, "z9hG4bK451jj");
}

/* RFC 5118 §4.9 */
static void x_ipv4_mapped(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(m->via.host_type, ZSIP_HOST_IPV6);
	struct zsip_via v;
	assert_int_equal(zsip_via_parse(&v, mx_value_at(m, ZSIP_HDR_VIA, 1)), 0);
	mx_assert_str(v.host, "[::ffff:192.0.2.2]");
	assert_int_equal(v.port, 0);
	contact_host(m, "[::ffff:192.0.2.2]");
}

/* RFC 5118 §4.10 */
static void x_two_colons(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(m->ruri.host_type, ZSIP_HOST_IPV6);
	mx_assert_str(m->to.uri.host, "[2001:db8::192.0.2.1]");
}

/* 3.3.2 / 3.3.3: a UAS needs to see that the scheme is not one it knows. */
static void x_unkscm(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->ruri.scheme, "nobodyKnowsThisScheme");
}

static void x_novelsc(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->ruri.scheme, "soap.beep");
}

/* 3.3.4: a registrar needs the To, From and Contact schemes. */
static void x_unksm2(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_int_equal(m->to.uri.scheme_id, ZSIP_URI_OTHER);
	mx_assert_str(m->to.uri.scheme, "isbn");
	assert_int_equal(m->from.uri.scheme_id, ZSIP_URI_OTHER);
	mx_assert_str(m->from.uri.scheme, "http");
	struct zsip_contact c;
	first_contact(m, &c);
	assert_int_equal(c.addr.uri.scheme_id, ZSIP_URI_OTHER);
	mx_assert_str(c.addr.uri.scheme, "name");
}

/* 3.3.5: a UAS needs the option tags of Require and Proxy-Require. */
static void x_bext01(const struct zsip_msg *m, size_t len)
{
	(void)len;
	assert_non_null(zsip_msg_find(m, ZSIP_HDR_REQUIRE));
	assert_int_equal(mx_count_values(m, ZSIP_HDR_REQUIRE), 2);
	mx_assert_str(mx_value_at(m, ZSIP_HDR_REQUIRE, 0), "nothingSupportsThis");
	mx_assert_str(mx_value_at(m, ZSIP_HDR_REQUIRE, 1), "nothingSupportsThisEither");
	assert_int_equal(mx_count_values(m, ZSIP_HDR_PROXY_REQUIRE), 2);
	mx_assert_str(mx_value_at(m, ZSIP_HDR_PROXY_REQUIRE, 1), "norDoAnyProxiesSupportThis");
}

/* 3.3.6: a UAS needs the Content-Type. */
static void x_invut(const struct zsip_msg *m, size_t len)
{
	(void)len;
	struct zsip_media mt;
	assert_int_equal(zsip_media_parse(&mt, zsip_msg_find(m, ZSIP_HDR_CONTENT_TYPE)->value), 0);
	mx_assert_str(mt.type, "application");
	mx_assert_str(mt.subtype, "unknownformat");
	assert_memory_equal(m->body.p + m->body.len - 10, "</audio>\r\n", 10);
}

/* 3.3.7: an unknown authorization scheme parses. */
static void x_regaut01(const struct zsip_msg *m, size_t len)
{
	(void)len;
	const struct zsip_hdr *h = zsip_msg_find(m, ZSIP_HDR_AUTHORIZATION);
	assert_non_null(h);
	struct zsip_auth a;
	assert_int_equal(zsip_auth_parse(&a, h->value), 0);
	mx_assert_str(a.scheme, "NoOneKnowsThisScheme");
	mx_assert_str(a.params, "opaque-data=here");
}

/* 3.3.10: the second Via holds the broadcast address. */
static void x_bcast(const struct zsip_msg *m, size_t len)
{
	(void)len;
	struct zsip_via v;
	assert_int_equal(zsip_via_parse(&v, mx_value_at(m, ZSIP_HDR_VIA, 1)), 0);
	mx_assert_str(v.host, "255.255.255.255");
	assert_int_equal(v.host_type, ZSIP_HOST_IPV4);
}

/* 3.3.15: a UAS needs Accept and Content-Type. */
static void x_sdp01(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(zsip_msg_find(m, ZSIP_HDR_ACCEPT)->value, "text/nobodyKnowsThis");
	mx_assert_str(zsip_msg_find(m, ZSIP_HDR_CONTENT_TYPE)->value, "application/sdp");
}

/* 3.2.1: the branch is the cookie alone; the syntax is fine. */
static void x_badbranch(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(m->via.branch, "z9hG4bK");
}

static void x_baddate(const struct zsip_msg *m, size_t len)
{
	(void)len;
	mx_assert_str(zsip_msg_find(m, ZSIP_HDR_DATE)->value, "Fri, 01 Jan 2010 16:00:00 EST");
}

/* ------------------------------------------------------- field tables */

#define REQ(mid, meth) .is_request = 1, .method_id = (mid), .method = (meth)
#define RESP(code, rs) .is_request = 0, .status = (code), .reason = (rs)

/* Valid and semantic cases must be here; either cases may be (checked
 * when the parser accepts them). Values read off the .dat files. */
static const struct {
	const char *dir;
	struct mx_want w;
} fields[] = {
	/* ------------------------------------------------ RFC 4475 valid */
	{ "rfc4475", { .name = "wsinv", REQ(ZSIP_METHOD_INVITE, "INVITE"),
		.ruri = "sip:vivekg@chair-dnrc.example.com;unknownparam", .scheme_id = ZSIP_URI_SIP,
		.ruri_user = "vivekg", .ruri_host = "chair-dnrc.example.com", .ruri_port = 0,
		.via_transport = "UDP", .via_host = "192.0.2.2", .via_port = 0, .via_branch = "390skdjuw",
		.from_tag = "98asjd8", .to_tag = "1918181833n", .call_id = "wsinv.ndaksdj@192.0.2.1",
		.cseq = 9, .cseq_method = "INVITE", .max_forwards = 68, .content_length = 150, .body_len = 150,
		.nhdr = 14, .msg_len = -1, .extra = x_wsinv } },
	{ "rfc4475", { .name = "intmeth", REQ(ZSIP_METHOD_OTHER, "!interesting-Method0123456789_*+`.%indeed'~"),
		.ruri = "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
		.scheme_id = ZSIP_URI_SIP, .ruri_user = "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
		.ruri_host = "example.com", .ruri_port = 0,
		.via_transport = "TCP", .via_host = "host1.example.com", .via_port = 0, .via_branch = "z9hG4bK-.!%66*_+`'~",
		.from_tag = "_token~1'+`*%!-.", .to_tag = NULL,
		.call_id = "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
		.cseq = 139122385, .cseq_method = "!interesting-Method0123456789_*+`.%indeed'~",
		.max_forwards = 255, .content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = x_intmeth } },
	{ "rfc4475", { .name = "esc01", REQ(ZSIP_METHOD_INVITE, "INVITE"),
		.ruri = "sip:sips%3Auser%40example.com@example.net", .scheme_id = ZSIP_URI_SIP,
		.ruri_user = "sips%3Auser%40example.com", .ruri_host = "example.net", .ruri_port = 0,
		.via_transport = "UDP", .via_host = "host5.example.net", .via_port = 0, .via_branch = "z9hG4bKkdjuw",
		.from_tag = "938", .to_tag = NULL, .call_id = "esc01.239409asdfakjkn23onasd0-3234",
		.cseq = 234234, .cseq_method = "INVITE", .max_forwards = 87, .content_length = 150, .body_len = 150,
		.nhdr = 9, .msg_len = -1, .extra = x_esc01 } },
	{ "rfc4475", { .name = "escnull", REQ(ZSIP_METHOD_REGISTER, "REGISTER"),
		.ruri = "sip:example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL, .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "host5.example.com", .via_port = 0,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "839923423", .to_tag = NULL,
		.call_id = "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd", .cseq = 14398234, .cseq_method = "REGISTER",
		.max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 9, .msg_len = -1, .extra = x_escnull } },
	{ "rfc4475", { .name = "esc02", REQ(ZSIP_METHOD_OTHER, "RE%47IST%45R"),
		.ruri = "sip:registrar.example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL,
		.ruri_host = "registrar.example.com", .ruri_port = 0,
		.via_transport = "TCP", .via_host = "host.example.com", .via_port = 0, .via_branch = "z9hG4bK209%fzsnel234",
		.from_tag = "f232jadfj23", .to_tag = NULL, .call_id = "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf",
		.cseq = 29344, .cseq_method = "RE%47IST%45R", .max_forwards = 70, .content_length = 0, .body_len = 0,
		.nhdr = 10, .msg_len = -1, .extra = x_esc02 } },
	{ "rfc4475", { .name = "lwsdisp", REQ(ZSIP_METHOD_OPTIONS, "OPTIONS"),
		.ruri = "sip:user@example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user", .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "funky.example.com", .via_port = 0,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "323", .to_tag = NULL,
		.call_id = "lwsdisp.1234abcd@funky.example.com", .cseq = 60, .cseq_method = "OPTIONS",
		.max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 7, .msg_len = -1, .extra = x_lwsdisp } },
	{ "rfc4475", { .name = "longreq", REQ(ZSIP_METHOD_INVITE, "INVITE"),
		.ruri = "sip:user@example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user", .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "TCP", .via_host = "sip33.example.com", .via_port = 0, .via_branch = NULL,
		.from_tag = MX_ANY, .to_tag = NULL,
		.call_id = "longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreally"
			   "reallyreallyreallyreallyreallyreallyreallylongcallid",
		.cseq = 3882340, .cseq_method = "INVITE", .max_forwards = 70, .content_length = 150, .body_len = 150,
		.nhdr = 43, .msg_len = -1, .extra = x_longreq } },
	{ "rfc4475", { .name = "dblreq", REQ(ZSIP_METHOD_REGISTER, "REGISTER"),
		.ruri = "sip:example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL, .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "192.0.2.125", .via_port = 0,
		.via_branch = "z9hG4bKkdjuw23492", .from_tag = "43251j3j324", .to_tag = NULL,
		.call_id = "dblreq.0ha0isndaksdj99sdfafnl3lk233412", .cseq = 8, .cseq_method = "REGISTER",
		.max_forwards = 8, .content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = 300, .extra = x_dblreq } },
	{ "rfc4475", { .name = "semiuri", REQ(ZSIP_METHOD_OPTIONS, "OPTIONS"),
		.ruri = "sip:user;par=u%40example.net@example.com", .scheme_id = ZSIP_URI_SIP,
		.ruri_user = "user;par=u%40example.net", .ruri_host = "example.com", .ruri_port = 0,
		.via_transport = "UDP", .via_host = "192.0.2.1", .via_port = 0, .via_branch = "z9hG4bKkdjuw",
		.from_tag = "33242", .to_tag = NULL, .call_id = "semiuri.0ha0isndaksdj", .cseq = 8, .cseq_method = "OPTIONS",
		.max_forwards = 3, .content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = x_semiuri } },
	{ "rfc4475", { .name = "transports", REQ(ZSIP_METHOD_OPTIONS, "OPTIONS"),
		.ruri = "sip:user@example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user", .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "t1.example.com", .via_port = 0,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "323", .to_tag = NULL,
		.call_id = "transports.kijh4akdnaqjkwendsasfdj", .cseq = 60, .cseq_method = "OPTIONS",
		.max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 12, .msg_len = -1, .extra = x_transports } },
	{ "rfc4475", { .name = "mpart01", REQ(ZSIP_METHOD_MESSAGE, "MESSAGE"),
		.ruri = "sip:kumiko@example.org", .scheme_id = ZSIP_URI_SIP, .ruri_user = "kumiko",
		.ruri_host = "example.org", .ruri_port = 0, .via_transport = "UDP", .via_host = "127.0.0.1",
		.via_port = 5070, .via_branch = "z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-", .from_tag = "2fb0dcc9",
		.to_tag = NULL, .call_id = "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", .cseq = 1,
		.cseq_method = "MESSAGE", .max_forwards = 70, .content_length = 553, .body_len = 553, .nhdr = 14,
		.msg_len = -1, .extra = x_mpart01 } },
	{ "rfc4475", { .name = "unreason",
		RESP(200, "= 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f"
			  "\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd1\x82\xd1\x8c - "
			  "\xd0\xbf\xd1\x80\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xb5"),
		.via_transport = "UDP", .via_host = "192.0.2.198", .via_port = 0, .via_branch = "z9hG4bK1324923",
		.from_tag = "11141343", .to_tag = "2229", .call_id = "unreason.1234ksdfak3j2erwedfsASdf", .cseq = 35,
		.cseq_method = "INVITE", .max_forwards = -1, .content_length = 154, .body_len = 154, .nhdr = 8,
		.msg_len = -1, .extra = x_unreason } },
	{ "rfc4475", { .name = "noreason", RESP(100, ""),
		.via_transport = "UDP", .via_host = "192.0.2.105", .via_port = 0, .via_branch = "z9hG4bK2398ndaoe",
		.from_tag = "39ansfi3", .to_tag = "902jndnke3", .call_id = "noreason.asndj203insdf99223ndf", .cseq = 35,
		.cseq_method = "INVITE", .max_forwards = -1, .content_length = 0, .body_len = 0, .nhdr = 7,
		.msg_len = -1, .extra = NULL } },
	{ "rfc4475", { .name = "cparam01", REQ(ZSIP_METHOD_REGISTER, "REGISTER"),
		.ruri = "sip:example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL, .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "saturn.example.com", .via_port = 5060,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "DkfVgjkrtMwaerKKpe", .to_tag = NULL,
		.call_id = "cparam01.70710@saturn.example.com", .cseq = 2, .cseq_method = "REGISTER",
		.max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = x_cparam01 } },
	{ "rfc4475", { .name = "cparam02", REQ(ZSIP_METHOD_REGISTER, "REGISTER"),
		.ruri = "sip:example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL, .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "saturn.example.com", .via_port = 5060,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "838293", .to_tag = NULL,
		.call_id = "cparam02.70710@saturn.example.com", .cseq = 3, .cseq_method = "REGISTER",
		.max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = x_cparam02 } },
	{ "rfc4475", { .name = "regescrt", REQ(ZSIP_METHOD_REGISTER, "REGISTER"),
		.ruri = "sip:example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL, .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "host5.example.com", .via_port = 0,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "8", .to_tag = NULL,
		.call_id = "regescrt.k345asrl3fdbv@192.0.2.1", .cseq = 14398234, .cseq_method = "REGISTER",
		.max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = x_regescrt } },
	{ "rfc4475", { .name = "inv2543", REQ(ZSIP_METHOD_INVITE, "INVITE"),
		.ruri = "sip:UserB@example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = "UserB",
		.ruri_host = "example.com", .ruri_port = 0, .via_transport = "UDP", .via_host = "iftgw.example.com",
		.via_port = 0, .via_branch = NULL, .from_tag = NULL, .to_tag = NULL,
		.call_id = "inv2543.1717@ift.client.example.com", .cseq = 56, .cseq_method = "INVITE",
		.max_forwards = -1, .content_length = -1, .body_len = 105, .nhdr = 7, .msg_len = -1, .extra = x_inv2543 } },

	/* --------------------------------------------- RFC 4475 semantic */
	{ "rfc4475", { .name = "unkscm", REQ(ZSIP_METHOD_OPTIONS, "OPTIONS"),
		.ruri = "nobodyKnowsThisScheme:totallyopaquecontent", .scheme_id = ZSIP_URI_OTHER, .ruri_user = NULL,
		.ruri_host = NULL, .ruri_port = 0, .via_transport = "TCP", .via_host = "host9.example.com",
		.via_port = 0, .via_branch = "z9hG4bKkdjuw39234", .from_tag = "384", .to_tag = NULL,
		.call_id = "unkscm.nasdfasser0q239nwsdfasdkl34", .cseq = 3923423, .cseq_method = "OPTIONS",
		.max_forwards = 3, .content_length = 0, .body_len = 0, .nhdr = 7, .msg_len = -1, .extra = x_unkscm } },
	{ "rfc4475", { .name = "novelsc", REQ(ZSIP_METHOD_OPTIONS, "OPTIONS"),
		.ruri = "soap.beep://192.0.2.103:3002", .scheme_id = ZSIP_URI_OTHER, .ruri_user = NULL, .ruri_host = NULL,
		.ruri_port = 0, .via_transport = "TCP", .via_host = "host9.example.com", .via_port = 0,
		.via_branch = "z9hG4bKkdjuw39234", .from_tag = "384", .to_tag = NULL,
		.call_id = "novelsc.asdfasser0q239nwsdfasdkl34", .cseq = 3923423, .cseq_method = "OPTIONS",
		.max_forwards = 3, .content_length = 0, .body_len = 0, .nhdr = 7, .msg_len = -1, .extra = x_novelsc } },
	{ "rfc4475", { .name = "unksm2", REQ(ZSIP_METHOD_REGISTER, "REGISTER"),
		.ruri = "sip:example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL, .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "192.0.2.21", .via_port = 5060,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "3234233", .to_tag = NULL,
		.call_id = "unksm2.daksdj@hyphenated-host.example.com", .cseq = 234902, .cseq_method = "REGISTER",
		.max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = x_unksm2 } },
	{ "rfc4475", { .name = "bext01", REQ(ZSIP_METHOD_OPTIONS, "OPTIONS"),
		.ruri = "sip:user@example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user", .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "TLS", .via_host = "fold-and-staple.example.com", .via_port = 0,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "242etr", .to_tag = NULL, .call_id = "bext01.0ha0isndaksdj",
		.cseq = 8, .cseq_method = "OPTIONS", .max_forwards = 6, .content_length = 0, .body_len = 0, .nhdr = 9,
		.msg_len = -1, .extra = x_bext01 } },
	{ "rfc4475", { .name = "invut", REQ(ZSIP_METHOD_INVITE, "INVITE"),
		.ruri = "sip:user@example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user", .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "somehost.example.com", .via_port = 0,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "8392034", .to_tag = NULL,
		.call_id = "invut.0ha0isndaksdjadsfij34n23d", .cseq = 235448, .cseq_method = "INVITE",
		.max_forwards = 70, .content_length = 40, .body_len = 40, .nhdr = 9, .msg_len = -1, .extra = x_invut } },
	{ "rfc4475", { .name = "regaut01", REQ(ZSIP_METHOD_REGISTER, "REGISTER"),
		.ruri = "sip:example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL, .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "TCP", .via_host = "192.0.2.253", .via_port = 0,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "87321hj23128", .to_tag = NULL,
		.call_id = "regaut01.0ha0isndaksdj", .cseq = 9338, .cseq_method = "REGISTER", .max_forwards = 8,
		.content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = x_regaut01 } },
	{ "rfc4475", { .name = "bcast", RESP(200, "OK"),
		.via_transport = "UDP", .via_host = "192.0.2.198", .via_port = 0, .via_branch = "z9hG4bK1324923",
		.from_tag = "11141343", .to_tag = "2229", .call_id = "bcast.0384840201234ksdfak3j2erwedfsASdf",
		.cseq = 35, .cseq_method = "INVITE", .max_forwards = -1, .content_length = 154, .body_len = 154,
		.nhdr = 9, .msg_len = -1, .extra = x_bcast } },
	{ "rfc4475", { .name = "zeromf", REQ(ZSIP_METHOD_OPTIONS, "OPTIONS"),
		.ruri = "sip:user@example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user", .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "host1.example.com", .via_port = 0,
		.via_branch = "z9hG4bKkdjuw2349i", .from_tag = "3ghsd41", .to_tag = NULL,
		.call_id = "zeromf.jfasdlfnm2o2l43r5u0asdfas", .cseq = 39234321, .cseq_method = "OPTIONS",
		.max_forwards = 0, .content_length = 0, .body_len = 0, .nhdr = 7, .msg_len = -1, .extra = NULL } },
	{ "rfc4475", { .name = "sdp01", REQ(ZSIP_METHOD_INVITE, "INVITE"),
		.ruri = "sip:user@example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user", .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "192.0.2.15", .via_port = 0,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "234", .to_tag = NULL, .call_id = "sdp01.ndaksdj9342dasdd",
		.cseq = 8, .cseq_method = "INVITE", .max_forwards = 5, .content_length = 150, .body_len = 150,
		.nhdr = 10, .msg_len = -1, .extra = x_sdp01 } },

	/* ------------------------------- RFC 4475 either (when accepted) */
	{ "rfc4475", { .name = "badbranch", REQ(ZSIP_METHOD_OPTIONS, "OPTIONS"),
		.ruri = "sip:user@example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user", .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "192.0.2.1", .via_port = 0, .via_branch = "z9hG4bK",
		.from_tag = "33242", .to_tag = NULL, .call_id = "badbranch.sadonfo23i420jv0as0derf3j3n", .cseq = 8,
		.cseq_method = "OPTIONS", .max_forwards = 3, .content_length = 0, .body_len = 0, .nhdr = 8,
		.msg_len = -1, .extra = x_badbranch } },
	{ "rfc4475", { .name = "baddate", REQ(ZSIP_METHOD_INVITE, "INVITE"),
		.ruri = "sip:user@example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user", .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "host.example.com", .via_port = 0,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "2234923", .to_tag = NULL,
		.call_id = "baddate.239423mnsadf3j23lj42--sedfnm234", .cseq = 1392934, .cseq_method = "INVITE",
		.max_forwards = 70, .content_length = 150, .body_len = 150, .nhdr = 10, .msg_len = -1, .extra = x_baddate } },
	{ "rfc4475", { .name = "badaspec", REQ(ZSIP_METHOD_OPTIONS, "OPTIONS"),
		.ruri = "sip:user@example.org", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user", .ruri_host = "example.org",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "host4.example.com", .via_port = 5060,
		.via_branch = "z9hG4bKkdju43234", .from_tag = "433423", .to_tag = NULL,
		.call_id = "badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3", .cseq = 3923239, .cseq_method = "OPTIONS",
		.max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = NULL } },
	{ "rfc4475", { .name = "regbadct", REQ(ZSIP_METHOD_REGISTER, "REGISTER"),
		.ruri = "sip:example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL, .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "135.180.130.133", .via_port = 5060,
		.via_branch = "z9hG4bKkdjuw", .from_tag = "998332", .to_tag = NULL,
		.call_id = "regbadct.k345asrl3fdbv@10.0.0.1", .cseq = 1, .cseq_method = "REGISTER", .max_forwards = 70,
		.content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = NULL } },

	/* ------------------------------------------------ RFC 5118 valid */
	{ "rfc5118", { .name = "ipv6-good", REQ(ZSIP_METHOD_REGISTER, "REGISTER"),
		.ruri = "sip:[2001:db8::10]", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL, .ruri_host = "[2001:db8::10]",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "[2001:db8::9:1]", .via_port = 0,
		.via_branch = "z9hG4bKas3-111", .from_tag = "81x2", .to_tag = NULL,
		.call_id = "SSG9559905523997077@hlau_4100", .cseq = 98176, .cseq_method = "REGISTER", .max_forwards = 70,
		.content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = x_ipv6_good } },
	{ "rfc5118", { .name = "port-ambiguous", REQ(ZSIP_METHOD_REGISTER, "REGISTER"),
		.ruri = "sip:[2001:db8::10:5070]", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL,
		.ruri_host = "[2001:db8::10:5070]", .ruri_port = 0, .via_transport = "UDP", .via_host = "[2001:db8::9:1]",
		.via_port = 0, .via_branch = "z9hG4bKas3-111", .from_tag = "81x2", .to_tag = NULL,
		.call_id = "SSG9559905523997077@hlau_4100", .cseq = 98176, .cseq_method = "REGISTER", .max_forwards = 70,
		.content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = x_port_ambiguous } },
	{ "rfc5118", { .name = "port-unambiguous", REQ(ZSIP_METHOD_REGISTER, "REGISTER"),
		.ruri = "sip:[2001:db8::10]:5070", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL,
		.ruri_host = "[2001:db8::10]", .ruri_port = 5070, .via_transport = "UDP", .via_host = "[2001:db8::9:1]",
		.via_port = 0, .via_branch = "z9hG4bKas3-111", .from_tag = "81x2", .to_tag = NULL,
		.call_id = "SSG9559905523997077@hlau_4100", .cseq = 98176, .cseq_method = "REGISTER", .max_forwards = 70,
		.content_length = 0, .body_len = 0, .nhdr = 8, .msg_len = -1, .extra = x_port_unambiguous } },
	{ "rfc5118", { .name = "via-received-param-no-delim", REQ(ZSIP_METHOD_OPTIONS, "OPTIONS"),
		.ruri = "sip:[2001:db8::10]", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL, .ruri_host = "[2001:db8::10]",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "[2001:db8::9:1]", .via_port = 0,
		.via_branch = "z9hG4bKas3", .from_tag = "81x2", .to_tag = NULL, .call_id = "SSG95523997077@hlau_4100",
		.cseq = 921, .cseq_method = "OPTIONS", .max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 8,
		.msg_len = -1, .extra = x_received_nodelim } },
	{ "rfc5118", { .name = "ipv6-in-sdp", REQ(ZSIP_METHOD_INVITE, "INVITE"),
		.ruri = "sip:user@[2001:db8::10]", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user",
		.ruri_host = "[2001:db8::10]", .ruri_port = 0, .via_transport = "UDP", .via_host = "[2001:db8::20]",
		.via_port = 0, .via_branch = "z9hG4bKas3-111", .from_tag = "81x2", .to_tag = NULL,
		.call_id = "SSG9559905523997077@hlau_4100", .cseq = 8612, .cseq_method = "INVITE", .max_forwards = 70,
		.content_length = 251, .body_len = 251, .nhdr = 9, .msg_len = -1, .extra = x_ipv6_in_sdp } },
	{ "rfc5118", { .name = "mult-ip-in-header", REQ(ZSIP_METHOD_BYE, "BYE"),
		.ruri = "sip:user@host.example.net", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user",
		.ruri_host = "host.example.net", .ruri_port = 0, .via_transport = "UDP", .via_host = "[2001:db8::9:1]",
		.via_port = 6050, .via_branch = "z9hG4bKas3-111", .from_tag = "81x2", .to_tag = "9817--94",
		.call_id = "997077@lau_4100", .cseq = 89187, .cseq_method = "BYE", .max_forwards = 70,
		.content_length = 0, .body_len = 0, .nhdr = 9, .msg_len = -1, .extra = x_mult_ip_in_header } },
	{ "rfc5118", { .name = "mult-ip-in-sdp", REQ(ZSIP_METHOD_INVITE, "INVITE"),
		.ruri = "sip:user@[2001:db8::10]", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user",
		.ruri_host = "[2001:db8::10]", .ruri_port = 0, .via_transport = "UDP", .via_host = "[2001:db8::9:1]",
		.via_port = 0, .via_branch = "z9hG4bKas3-111", .from_tag = "81x2", .to_tag = NULL,
		.call_id = "SSG9559905523997077@hlau_4100", .cseq = 8912, .cseq_method = "INVITE", .max_forwards = 70,
		.content_length = 189, .body_len = 189, .nhdr = 9, .msg_len = -1, .extra = x_mult_ip_in_sdp } },
	{ "rfc5118", { .name = "ipv4-mapped-ipv6", REQ(ZSIP_METHOD_INVITE, "INVITE"),
		.ruri = "sip:user@example.com", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user", .ruri_host = "example.com",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "[::ffff:192.0.2.10]", .via_port = 19823,
		.via_branch = "z9hG4bKbh19", .from_tag = "81x2", .to_tag = NULL,
		.call_id = "SSG9559905523997077@hlau_4100", .cseq = 612, .cseq_method = "INVITE", .max_forwards = 70,
		.content_length = 245, .body_len = 245, .nhdr = 10, .msg_len = -1, .extra = x_ipv4_mapped } },
	{ "rfc5118", { .name = "ipv6-correct-abnf-2-colons", REQ(ZSIP_METHOD_OPTIONS, "OPTIONS"),
		.ruri = "sip:user@[2001:db8::192.0.2.1]", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user",
		.ruri_host = "[2001:db8::192.0.2.1]", .ruri_port = 0, .via_transport = "UDP",
		.via_host = "lab1.east.example.com", .via_port = 0, .via_branch = "z9hG4bKas3-111", .from_tag = "810x2",
		.to_tag = NULL, .call_id = "G9559905523997077@hlau_4100", .cseq = 689, .cseq_method = "OPTIONS",
		.max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 7, .msg_len = -1, .extra = x_two_colons } },

	/* ------------------------------- RFC 5118 either (when accepted) */
	{ "rfc5118", { .name = "via-received-param-with-delim", REQ(ZSIP_METHOD_BYE, "BYE"),
		.ruri = "sip:[2001:db8::10]", .scheme_id = ZSIP_URI_SIP, .ruri_user = NULL, .ruri_host = "[2001:db8::10]",
		.ruri_port = 0, .via_transport = "UDP", .via_host = "[2001:db8::9:1]", .via_port = 0,
		.via_branch = "z9hG4bKas3-111", .from_tag = "81x2", .to_tag = "bd76ya",
		.call_id = "SSG9559905523997077@hlau_4100", .cseq = 321, .cseq_method = "BYE", .max_forwards = 70,
		.content_length = 0, .body_len = 0, .nhdr = 7, .msg_len = -1, .extra = x_received_delim } },
	{ "rfc5118", { .name = "ipv6-bug-abnf-3-colons", REQ(ZSIP_METHOD_OPTIONS, "OPTIONS"),
		.ruri = "sip:user@[2001:db8:::192.0.2.1]", .scheme_id = ZSIP_URI_SIP, .ruri_user = "user",
		.ruri_host = "[2001:db8:::192.0.2.1]", .ruri_port = 0, .via_transport = "UDP",
		.via_host = "lab1.east.example.com", .via_port = 0, .via_branch = "z9hG4bKas3-111", .from_tag = "810x2",
		.to_tag = NULL, .call_id = "G9559905523997077@hlau_4100", .cseq = 689, .cseq_method = "OPTIONS",
		.max_forwards = 70, .content_length = 0, .body_len = 0, .nhdr = 7, .msg_len = -1, .extra = NULL } },
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const struct mx_want *find_fields(const char *dir, const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].dir, dir) == 0 && strcmp(fields[i].w.name, name) == 0)
			return &fields[i].w;
	return NULL;
}

/* The error each invalid case must give, chosen by what its note says is
 * wrong. Where a case has several faults and RFC 3261 does not say which
 * one a parser reports first, each of them is listed. */
static const struct {
	const char *dir;
	const char *name;
	int err[3];
} errors[] = {
	{ "rfc4475", "badinv01", { ZSIP_EVIA } },           /* empty Via parameters; §20.42, §25.1 */
	{ "rfc4475", "clerr", { ZSIP_EBODY } },             /* Content-Length past the datagram; §18.3 */
	{ "rfc4475", "ncl", { ZSIP_ECLEN } },               /* negative Content-Length; §20.14 */
	{ "rfc4475", "scalar02", { ZSIP_ECSEQ } },          /* CSeq above 2^32-1; §8.1.1.5 */
	{ "rfc4475", "scalarlg", { ZSIP_ECSEQ } },          /* CSeq above 2^32-1 in a response */
	{ "rfc4475", "quotbal", { ZSIP_ETO } },             /* To display name never closed */
	{ "rfc4475", "ltgtruri", { ZSIP_ERURI } },          /* '<' '>' around the Request-URI; §25.1 */
	{ "rfc4475", "lwsruri", { ZSIP_ERURI } },           /* white space inside the Request-URI */
	{ "rfc4475", "lwsstart", { ZSIP_ESTARTLINE } },     /* two SP between elements; §7.1 */
	{ "rfc4475", "trws", { ZSIP_ESTARTLINE } },         /* SP after SIP-Version; §7.1 */
	{ "rfc4475", "escruri", { ZSIP_ERURI } },           /* headers in a Request-URI; §19.1.1 */
	{ "rfc4475", "baddn", { ZSIP_EFROM, ZSIP_ETO } },   /* unquoted non-token display names in both */
	{ "rfc4475", "badvers", { ZSIP_EVERSION } },        /* SIP/7.0: 505, §21.5.6 */
	{ "rfc4475", "mismatch01", { ZSIP_ECSEQ_METHOD } }, /* CSeq method differs; §8.1.1.5 */
	{ "rfc4475", "mismatch02", { ZSIP_ENOTIMPL } },     /* unknown method, CSeq differs; §8.2.1 */
	{ "rfc4475", "bigcode", { ZSIP_ESTATUS } },         /* status code of ten digits; §7.2 */
	{ "rfc4475", "insuf", { ZSIP_ENOCALLID, ZSIP_ENOFROM, ZSIP_ENOTO } }, /* §8.1.1 */
	{ "rfc4475", "multi01", { ZSIP_EMULTI } },          /* repeated single-value headers; §7.3.1 */
	{ "rfc4475", "mcl01", { ZSIP_ECLEN_DUP } },         /* two Content-Length values */
	{ "rfc5118", "ipv6-bad", { ZSIP_ERURI } },          /* IPv6 host without '[' ']'; RFC 5118 §4.2 */
};
#define NERRORS (sizeof errors / sizeof errors[0])

static const int *find_errors(const char *dir, const char *name)
{
	for (size_t i = 0; i < NERRORS; i++)
		if (strcmp(errors[i].dir, dir) == 0 && strcmp(errors[i].name, name) == 0)
			return errors[i].err;
	return NULL;
}

static int err_listed(const int *errs, int rc)
{
	for (int i = 0; i < 3 && errs[i]; i++)
		if (errs[i] == rc)
			return 1;
	return 0;
}

/* ------------------------------------------------------- the checks */

static int is_dat(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcmp(name + n - 4, ".dat") == 0;
}

static void test_expected_tsv_files_load(void **state)
{
	(void)state;
	if (tsv_error[0])
		fail_msg("%s", tsv_error);
	assert_true(nrows >= 61); /* 49 torture messages of RFC 4475, 12 of RFC 5118 */
}

/* A new .dat file without a verdict would otherwise go untested. */
static void test_every_dat_file_has_an_expected_row(void **state)
{
	(void)state;
	int missing = 0;
	for (size_t d = 0; d < NDIRS; d++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", CONF_DIR, dirs[d]);
		DIR *dp = opendir(path);
		if (!dp)
			fail_msg("cannot open %s", path);
		struct dirent *e;
		while ((e = readdir(dp)) != NULL) {
			if (!is_dat(e->d_name))
				continue;
			char name[96];
			snprintf(name, sizeof name, "%.*s", (int)(strlen(e->d_name) - 4), e->d_name);
			if (!find_row(dirs[d], name)) {
				print_error("%s/%s.dat has no row in EXPECTED.tsv\n", dirs[d], name);
				missing++;
			}
		}
		closedir(dp);
	}
	assert_int_equal(missing, 0);
}

static void test_every_expected_row_has_a_dat_file(void **state)
{
	(void)state;
	int missing = 0;
	for (size_t i = 0; i < nrows; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s/%s.dat", CONF_DIR, rows[i].dir, rows[i].name);
		FILE *f = fopen(path, "rb");
		if (!f) {
			print_error("EXPECTED.tsv row %s/%s has no file\n", rows[i].dir, rows[i].name);
			missing++;
			continue;
		}
		fclose(f);
	}
	assert_int_equal(missing, 0);
}

static int known_verdict(const char *v)
{
	return !strcmp(v, "valid") || !strcmp(v, "invalid") || !strcmp(v, "either") || !strcmp(v, "semantic");
}

/* The tables here and EXPECTED.tsv must describe the same cases. */
static void test_every_case_has_its_table_entry_and_no_entry_is_stale(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		if (!known_verdict(r->verdict)) {
			print_error("%s/%s: unknown verdict '%s'\n", r->dir, r->name, r->verdict);
			bad++;
		}
		int valid = !strcmp(r->verdict, "valid") || !strcmp(r->verdict, "semantic");
		if (valid && !find_fields(r->dir, r->name)) {
			print_error("no field table for %s/%s\n", r->dir, r->name);
			bad++;
		}
		if (!strcmp(r->verdict, "invalid") && !find_errors(r->dir, r->name)) {
			print_error("no expected error code for %s/%s\n", r->dir, r->name);
			bad++;
		}
	}
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct row *r = find_row(fields[i].dir, fields[i].w.name);
		if (!r || !strcmp(r->verdict, "invalid")) {
			print_error("field table entry %s/%s matches no valid, semantic or either row\n", fields[i].dir,
				    fields[i].w.name);
			bad++;
		}
	}
	for (size_t i = 0; i < NERRORS; i++) {
		const struct row *r = find_row(errors[i].dir, errors[i].name);
		if (!r || strcmp(r->verdict, "invalid")) {
			print_error("error table entry %s/%s matches no invalid row\n", errors[i].dir, errors[i].name);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Runs one case; the row is the test's state. */
static void run_case(void **state)
{
	const struct row *r = *state;
	size_t len = 0;
	char *buf = load_case(r, &len);
	if (!buf)
		fail_msg("cannot read %s/%s.dat", r->dir, r->name);
	struct zsip_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	int rc = zsip_msg_parse(m, buf, len, NULL);
	int is_response = len >= 4 && memcmp(buf, "SIP/", 4) == 0;

	if (!strcmp(r->verdict, "valid") || !strcmp(r->verdict, "semantic")) {
		if (rc < 0)
			fail_msg("%s/%s (RFC %s §%s, %s) rejected: %d %s at offset %zu", r->dir, r->name,
				 strcmp(r->dir, "rfc5118") ? "4475" : "5118", r->section, r->verdict, rc,
				 zsip_strerror(rc), m->err_off);
		mx_check_sane(m, buf, len, rc);
		const struct mx_want *w = find_fields(r->dir, r->name);
		if (!w)
			fail_msg("no field table for %s/%s", r->dir, r->name);
		mx_check_want(m, len, w);
	} else if (!strcmp(r->verdict, "invalid")) {
		if (rc >= 0)
			fail_msg("%s/%s accepted; it must be rejected: %s", r->dir, r->name, r->note);
		assert_true(m->err_off <= len);
		const int *errs = find_errors(r->dir, r->name);
		if (!errs)
			fail_msg("no expected error code for %s/%s", r->dir, r->name);
		if (!err_listed(errs, rc))
			fail_msg("%s/%s: got %d (%s), expected %d (%s)%s", r->dir, r->name, rc, zsip_strerror(rc),
				 errs[0], zsip_strerror(errs[0]), errs[1] ? " or another listed fault" : "");
		const char *reason = NULL;
		int status = zsip_err_status(rc, &reason);
		if (!strcmp(r->response, "drop")) {
			/* a response is never answered (RFC 3261 §18.1.2); it only
			 * has to fail */
			assert_true(is_response);
		} else {
			assert_false(is_response);
			if (status != atoi(r->response))
				fail_msg("%s/%s: %s gives status %d, expected %s", r->dir, r->name, zsip_strerror(rc),
					 status, r->response);
			assert_non_null(reason);
			assert_true(reason[0] != 0);
		}
	} else if (!strcmp(r->verdict, "either")) {
		if (rc >= 0) {
			mx_check_sane(m, buf, len, rc);
			const struct mx_want *w = find_fields(r->dir, r->name);
			if (w)
				mx_check_want(m, len, w);
		} else {
			assert_true(m->err_off <= len);
			int status = zsip_err_status(rc, NULL);
			if (strcmp(r->response, "-") == 0)
				assert_true(status >= 400 && status <= 599);
			else if (status != atoi(r->response))
				fail_msg("%s/%s rejected with %d (%s): status %d, expected %s", r->dir, r->name, rc,
					 zsip_strerror(rc), status, r->response);
		}
	} else {
		fail_msg("%s/%s: unknown verdict '%s'", r->dir, r->name, r->verdict);
	}
	free(m);
	free(buf);
}

int main(void)
{
	load_expected();

	const struct CMUnitTest tables[] = {
		cmocka_unit_test(test_expected_tsv_files_load),
		cmocka_unit_test(test_every_dat_file_has_an_expected_row),
		cmocka_unit_test(test_every_expected_row_has_a_dat_file),
		cmocka_unit_test(test_every_case_has_its_table_entry_and_no_entry_is_stale),
	};
	int failed = cmocka_run_group_tests_name("conformance_tables", tables, NULL, NULL);

	/* One test per EXPECTED row, named after its RFC section, so a failure
	 * names the case. */
	static struct CMUnitTest cases[sizeof rows / sizeof rows[0]];
	static char names[sizeof rows / sizeof rows[0]][160];
	size_t n = 0;
	for (size_t i = 0; i < nrows; i++) {
		snprintf(names[n], sizeof names[n], "%s_%s_%s_%s", rows[i].dir, rows[i].section, rows[i].name,
			 rows[i].verdict);
		memset(&cases[n], 0, sizeof cases[n]);
		cases[n].name = names[n];
		cases[n].test_func = run_case;
		cases[n].initial_state = &rows[i];
		n++;
	}
	if (n == 0)
		return failed ? failed : 1;
	failed += _cmocka_run_group_tests("conformance_cases", cases, n, NULL, NULL);
	return failed;
}
