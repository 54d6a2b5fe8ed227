/* zsip digest authentication (RFC 2617, RFC 7616, RFC 8760): the types of
 * the API contract only, so that zsip/ua.h compiles. PLACEHOLDER: the digest
 * module owns this file and replaces it with the documented header and its
 * implementation (src/auth/). */
#ifndef ZSIP_DIGEST_H
#define ZSIP_DIGEST_H

#include <stddef.h>

#include "zsip/msg.h"
#include "zsip/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

enum zsip_digest_alg {
	ZSIP_DIGEST_MD5 = 1,
	ZSIP_DIGEST_MD5_SESS,
	ZSIP_DIGEST_SHA256,
	ZSIP_DIGEST_SHA256_SESS,
	ZSIP_DIGEST_SHA512_256,
	ZSIP_DIGEST_SHA512_256_SESS,
};

/* What the application gives for a realm: user name and either the
 * password or a precomputed HA1 (hex). */
struct zsip_auth_cred {
	char user[128];
	char password[128];
	char ha1[129];
};

/* Credentials callback: 0 = filled *out; negative = decline. */
typedef int (*zsip_auth_cred_fn)(void *user, const struct zsip_str *realm, enum zsip_digest_alg alg,
				 struct zsip_auth_cred *out);

#ifdef __cplusplus
}
#endif
#endif
