/* Fuzz target: the URI parser, URI comparison and %-unescaping.
 *
 * Oracles: parsing is deterministic and stays inside the input; a SIP/SIPS
 * URI equals itself and an identical copy in another buffer (RFC 3261
 * §19.1.4 is reflexive); comparison is symmetric (the input is also split at
 * its first LF into two URIs); unescaping never grows the text. */
#include <string.h>

#include "fuzz_check.h"

static void check_slices(const struct zsip_uri *u, struct zsip_str in)
{
	fuzz_in(u->raw, in.p, in.len, "raw");
	fuzz_in(u->scheme, in.p, in.len, "scheme");
	fuzz_in(u->user, in.p, in.len, "user");
	fuzz_in(u->password, in.p, in.len, "password");
	fuzz_in(u->host, in.p, in.len, "host");
	fuzz_in(u->port_str, in.p, in.len, "port_str");
	fuzz_in(u->params, in.p, in.len, "params");
	fuzz_in(u->headers, in.p, in.len, "headers");
	FUZZ_ASSERT(u->scheme_id <= ZSIP_URI_TEL);
	FUZZ_ASSERT(u->host_type <= ZSIP_HOST_IPV6);
	if (u->port_str.p == NULL)
		FUZZ_ASSERT(u->port == 0);

	struct zsip_str cur = u->params, name, value;
	size_t n = 0;
	int rc;
	while ((rc = zsip_param_next(&cur, &name, &value)) == 1) {
		fuzz_in(name, in.p, in.len, "param name");
		fuzz_in(value, in.p, in.len, "param value");
		FUZZ_ASSERT(++n <= FUZZ_MAX_ITEMS(u->params.len));
	}
	FUZZ_ASSERT(rc == 0 || rc == ZSIP_EPARAM);
}

static int is_sip(const struct zsip_uri *u)
{
	return u->scheme_id == ZSIP_URI_SIP || u->scheme_id == ZSIP_URI_SIPS;
}

static void unescape(struct zsip_str s)
{
	if (!s.p)
		return;
	char *out = malloc(s.len ? s.len : 1);
	FUZZ_ASSERT(out);
	int rc = zsip_unescape(out, s.len, s);
	FUZZ_ASSERT(rc == ZSIP_EINVAL || (rc >= 0 && (size_t)rc <= s.len));
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct zsip_str in = { (const char *)data, len };
	struct zsip_uri u, u2;

	unescape(in);
	int rc = zsip_uri_parse(&u, in);
	FUZZ_ASSERT(rc == 0 || rc == ZSIP_EURI || rc == ZSIP_EURI_HOST);
	if (rc == 0) {
		check_slices(&u, in);
		unescape(u.user);
		unescape(u.password);
		unescape(u.host);
		unescape(u.params);
		unescape(u.headers);
		if (is_sip(&u)) {
			FUZZ_ASSERT(zsip_uri_eq(&u, &u) == 1);
			/* the same bytes elsewhere: equal, field for field */
			char *copy = malloc(len ? len : 1);
			FUZZ_ASSERT(copy);
			memcpy(copy, data, len);
			struct zsip_str in2 = { copy, len };
			FUZZ_ASSERT(zsip_uri_parse(&u2, in2) == 0);
			FUZZ_ASSERT(zsip_uri_eq(&u, &u2) == 1);
			FUZZ_ASSERT(zsip_uri_eq(&u2, &u) == 1);
			FUZZ_ASSERT(u2.port == u.port && u2.scheme_id == u.scheme_id &&
				    u2.host_type == u.host_type && u2.host.len == u.host.len &&
				    u2.user.len == u.user.len && u2.params.len == u.params.len);
			free(copy);
		} else {
			FUZZ_ASSERT(zsip_uri_eq(&u, &u) < 0);
		}
	}

	/* two URIs separated by the first LF: comparison must be symmetric */
	const char *lf = memchr(data, '\n', len);
	if (lf) {
		struct zsip_str a = { (const char *)data, (size_t)(lf - (const char *)data) };
		struct zsip_str b = { lf + 1, len - a.len - 1 };
		if (zsip_uri_parse(&u, a) == 0 && zsip_uri_parse(&u2, b) == 0) {
			check_slices(&u, a);
			check_slices(&u2, b);
			int ab = zsip_uri_eq(&u, &u2), ba = zsip_uri_eq(&u2, &u);
			if (ab != ba)
				FUZZ_FAIL("zsip_uri_eq not symmetric: %d vs %d for '%.*s' and '%.*s'",
					  ab, ba, (int)a.len, a.p, (int)b.len, b.p);
			if (is_sip(&u) && is_sip(&u2))
				FUZZ_ASSERT(ab == 0 || ab == 1);
		}
	}
	return 0;
}
