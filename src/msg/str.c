/* Slices and method names. */
#include <stdint.h>
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

static const uint8_t method_len[] = {
	[ZSIP_METHOD_INVITE] = 6, [ZSIP_METHOD_ACK] = 3,     [ZSIP_METHOD_BYE] = 3,
	[ZSIP_METHOD_CANCEL] = 6, [ZSIP_METHOD_REGISTER] = 8, [ZSIP_METHOD_OPTIONS] = 7,
	[ZSIP_METHOD_PRACK] = 5,  [ZSIP_METHOD_SUBSCRIBE] = 9, [ZSIP_METHOD_NOTIFY] = 6,
	[ZSIP_METHOD_PUBLISH] = 7, [ZSIP_METHOD_INFO] = 4,    [ZSIP_METHOD_REFER] = 5,
	[ZSIP_METHOD_MESSAGE] = 7, [ZSIP_METHOD_UPDATE] = 6,
};

/* a[0..n) == b[0..n) for 3 <= n <= 9, as two loads a side that may
 * overlap and never pass n (a call to memcmp costs more than the
 * compare). */
static inline int same_3to9(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	uint32_t u, v;
	uint16_t h, k;
	if (n >= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		return x == y && a[n - 1] == b[n - 1];
	}
	if (n >= 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if (u != v)
			return 0;
		memcpy(&u, a + n - 4, 4);
		memcpy(&v, b + n - 4, 4);
		return u == v;
	}
	memcpy(&h, a, 2);
	memcpy(&k, b, 2);
	return h == k && a[2] == b[2];
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
	return t.len == method_len[m] && same_3to9(t.p, method_names[m], t.len) ? m : ZSIP_METHOD_OTHER;
}
