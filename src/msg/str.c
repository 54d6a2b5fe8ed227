/* Slices and method names. */
#include <string.h>

#include "zsip/msg.h"

struct zsip_str zsip_str_c(const char *s)
{
	struct zsip_str r = { s, s ? strlen(s) : 0 };
	return r;
}

int zsip_str_eq(struct zsip_str a, struct zsip_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline unsigned char lower(unsigned char c)
{
	return (unsigned char)((unsigned)(c - 'A') < 26u ? c + 32 : c);
}

int zsip_str_caseeq(struct zsip_str a, struct zsip_str b)
{
	if (a.len != b.len)
		return 0;
	for (size_t i = 0; i < a.len; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
			return 0;
	return 1;
}

int zsip_str_caseeq_c(struct zsip_str a, const char *c)
{
	return zsip_str_caseeq(a, zsip_str_c(c));
}

static const char *const method_names[] = {
	[ZSIP_METHOD_OTHER] = "",          [ZSIP_METHOD_INVITE] = "INVITE",
	[ZSIP_METHOD_ACK] = "ACK",         [ZSIP_METHOD_BYE] = "BYE",
	[ZSIP_METHOD_CANCEL] = "CANCEL",   [ZSIP_METHOD_REGISTER] = "REGISTER",
	[ZSIP_METHOD_OPTIONS] = "OPTIONS", [ZSIP_METHOD_PRACK] = "PRACK",
	[ZSIP_METHOD_SUBSCRIBE] = "SUBSCRIBE", [ZSIP_METHOD_NOTIFY] = "NOTIFY",
	[ZSIP_METHOD_PUBLISH] = "PUBLISH", [ZSIP_METHOD_INFO] = "INFO",
	[ZSIP_METHOD_REFER] = "REFER",     [ZSIP_METHOD_MESSAGE] = "MESSAGE",
	[ZSIP_METHOD_UPDATE] = "UPDATE",
};

const char *zsip_method_name(enum zsip_method m)
{
	return (unsigned)m < sizeof method_names / sizeof method_names[0] ? method_names[m] : "";
}

/* Methods are case-sensitive (RFC 3261 §7.1). Dispatch on the first byte
 * and the length so a lookup costs one memcmp at most. */
enum zsip_method zsip_method_id(struct zsip_str t)
{
	enum zsip_method m = ZSIP_METHOD_OTHER;
	if (t.len < 3 || t.len > 9)
		return m;
	switch (t.p[0]) {
	case 'A': m = ZSIP_METHOD_ACK; break;
	case 'B': m = ZSIP_METHOD_BYE; break;
	case 'C': m = ZSIP_METHOD_CANCEL; break;
	case 'I': m = t.len == 6 ? ZSIP_METHOD_INVITE : ZSIP_METHOD_INFO; break;
	case 'M': m = ZSIP_METHOD_MESSAGE; break;
	case 'N': m = ZSIP_METHOD_NOTIFY; break;
	case 'O': m = ZSIP_METHOD_OPTIONS; break;
	case 'P': m = t.len == 5 ? ZSIP_METHOD_PRACK : ZSIP_METHOD_PUBLISH; break;
	case 'R': m = t.len == 8 ? ZSIP_METHOD_REGISTER : ZSIP_METHOD_REFER; break;
	case 'S': m = ZSIP_METHOD_SUBSCRIBE; break;
	case 'U': m = ZSIP_METHOD_UPDATE; break;
	default: return ZSIP_METHOD_OTHER;
	}
	const char *n = method_names[m];
	return strlen(n) == t.len && memcmp(n, t.p, t.len) == 0 ? m : ZSIP_METHOD_OTHER;
}
