/* Option tags of Require and Proxy-Require against what we support (RFC
 * 3261 §8.2.2.3, §20.32), for every layer that answers 420. */
#include <string.h>

#include "msg/lex.h"
#include "msg/msgi.h"

int zsipi_list_has(const char *list, struct zsip_str tag)
{
	if (!list)
		return 0;
	struct zsip_str cur = zsip_str_c(list), one;
	while (zsip_value_next(&cur, &one) == 1)
		if (zsip_str_caseeq(one, tag))
			return 1;
	return 0;
}

int zsipi_unsupported_tags(const struct zsip_msg *m, enum zsip_hdr_id id, const char *supported,
			   char *out, size_t cap, size_t *len)
{
	size_t n = 0;
	int count = 0;
	for (const struct zsip_hdr *h = zsip_msg_find(m, id); h; h = zsip_msg_find_next(m, h)) {
		struct zsip_str cur = h->value, tag;
		int k, tags = 0;
		while ((k = zsip_value_next(&cur, &tag)) == 1) {
			tags++;
			if (!tag.len || zsipi_span(tag.p, tag.p + tag.len, ZSIPI_C_TOKEN) != tag.p + tag.len)
				return ZSIP_EVALUE;
			if (zsipi_list_has(supported, tag))
				continue;
			if (n + (count ? 2 : 0) + tag.len > cap)
				return ZSIP_ELIMIT;
			if (count++) {
				memcpy(out + n, ", ", 2);
				n += 2;
			}
			memcpy(out + n, tag.p, tag.len);
			n += tag.len;
		}
		if (k < 0 || !tags)
			return ZSIP_EVALUE;
	}
	*len = n;
	return count;
}
