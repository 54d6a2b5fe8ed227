/* zsip digest authentication (RFC 3261 §22, RFC 7616, RFC 8760, RFC 2617,
 * RFC 2069): the response computation, a client that answers 401/407
 * challenges for any request, and a server side that challenges and
 * verifies.
 *
 * Algorithms: MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256,
 * SHA-512-256-sess. qop: "auth" and "auth-int", and the RFC 2069 form
 * without qop (client side only; the server offers and requires qop=auth).
 *
 * The module sits beside the transaction layer: it reads parsed messages
 * and writes header lines; re-sending a request (CSeq + 1, a new branch)
 * is the caller's job. Nothing here reads a clock or an entropy source: the
 * time comes in as now_ms and randomness from the stack's `random`
 * callback. Memory comes from the stack's allocator hooks; every table has
 * a fixed cap. */
#ifndef ZSIP_DIGEST_H
#define ZSIP_DIGEST_H

#include <stddef.h>
#include <stdint.h>

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

/* Longest hex digest (SHA-256, SHA-512/256: 64 characters), without NUL. */
#define ZSIP_DIGEST_HEX_MAX 64

/* The algorithm token ("SHA-256-sess") of alg; "" for an unknown value. */
const char *zsip_digest_alg_name(enum zsip_digest_alg alg);
/* The algorithm named by token, case-insensitively (RFC 7616 §3.3); an
 * absent token (p == NULL) is MD5 (RFC 2617 §3.2.1). Returns the enum
 * value (> 0) or ZSIP_EAUTH_ALGORITHM for a token this module does not
 * implement. */
int zsip_digest_alg_parse(struct zsip_str token);

/* ------------------------------------------------------ the computation */

/* Everything the response depends on (RFC 7616 §3.4.1 - §3.4.3). Every
 * string is the unquoted value with quoted-pair escapes already removed
 * (RFC 7616 §3.4: the hash uses unq(...)). The slices are only read during
 * the call. */
struct zsip_digest_input {
	enum zsip_digest_alg alg;
	struct zsip_str username, realm, password;
	/* Hex H(username:realm:password) for alg's hash, used when
	 * password.p is NULL (a stored HA1: the password need not be kept). */
	struct zsip_str ha1;
	struct zsip_str nonce;
	struct zsip_str cnonce, nc;  /* required with qop and with -sess */
	struct zsip_str qop;         /* "auth", "auth-int", or absent: RFC 2069 form */
	struct zsip_str method, uri;
	struct zsip_str body;        /* the entity body, for auth-int */
};

/* Writes the lowercase hex response (request-digest) and a NUL into
 * out[0 .. ZSIP_DIGEST_HEX_MAX]. Returns its length (32 for MD5, 64 for the
 * SHA-2 algorithms), ZSIP_EAUTH_ALGORITHM for an unknown alg or qop, or
 * ZSIP_EINVAL when a required value is missing or ha1 is not hex of the
 * right length. */
int zsip_digest_compute(const struct zsip_digest_input *in, char out[ZSIP_DIGEST_HEX_MAX + 1]);

/* ----------------------------------------------------------- credentials */

/* What the application gives for a realm: the user name and either the
 * password or a precomputed HA1 (hex of H(user:realm:password) with the
 * hash of the algorithm asked for; used when password is ""). All three are
 * NUL-terminated; user must not contain control characters. */
struct zsip_auth_cred {
	char user[128];
	char password[128];
	char ha1[129];
};

/* Client credentials callback. realm is the challenge's realm with escapes
 * removed (valid during the call only); alg the algorithm chosen. Return 0
 * after filling *out, or a negative value to decline (the challenge then
 * fails with ZSIP_EAUTH_DECLINED). */
typedef int (*zsip_auth_cred_fn)(void *user, const struct zsip_str *realm, enum zsip_digest_alg alg,
				 struct zsip_auth_cred *out);

/* ---------------------------------------------------------------- client */

/* Most realms one client holds credentials for at once (a registrar and a
 * proxy in different realms need two). */
#define ZSIP_AUTH_MAX_REALMS 4
/* Longest realm, nonce or opaque value (as received) a client keeps. */
#define ZSIP_AUTH_MAX_VALUE 256

struct zsip_auth_client;

/* Creates a client: one per identity (a UA, a registration). It keeps, per
 * realm, the nonce, the nonce count and the credentials, so that every
 * later request to that realm carries credentials without a new challenge
 * (RFC 3261 §22.3). cred and user are kept (user is passed back to cred).
 * Memory comes from stack's allocator; stack must outlive the client.
 * Returns NULL when stack or cred is NULL or memory runs out. */
struct zsip_auth_client *zsip_auth_client_new(struct zsip_stack *stack, zsip_auth_cred_fn cred, void *user);
/* Frees the client and wipes the credentials it held. NULL is allowed. */
void zsip_auth_client_free(struct zsip_auth_client *c);

/* Feeds a 401 or 407 (resp, read during the call only) to a request that
 * was sent with what zsip_auth_client_authorize gave. Every
 * WWW-Authenticate and Proxy-Authenticate challenge counts (401 and 407
 * together, or a 401 from a registrar and a proxy's challenge in one
 * response); for each realm the first Digest challenge, in the server's
 * order, whose algorithm and qop this module supports is taken (RFC 8760
 * §2.4). A realm new to the client asks cred for credentials; a realm
 * already held with stale=true takes the new nonce without asking
 * (RFC 7616 §3.3).
 * Returns 0: credentials are held for every challenged realm, send the
 * request again (CSeq + 1, new branch, RFC 3261 §22.2) with authorize's
 * headers. Errors (the request has then failed; give up):
 *   ZSIP_EAUTH_REJECTED  a realm already held was challenged again without
 *                        stale=true (wrong credentials, §22.2: no loop);
 *                        that realm is forgotten, so a later request starts
 *                        afresh
 *   ZSIP_EAUTH_ALGORITHM a challenged realm offers no supported algorithm
 *                        or qop, or there is no Digest challenge at all
 *   ZSIP_EAUTH_DECLINED  cred declined
 *   ZSIP_EAUTH           no challenge header, or a malformed one (a
 *                        realm, nonce or opaque with a control character,
 *                        even escaped: it could not be echoed)
 *   ZSIP_ELIMIT          a value longer than ZSIP_AUTH_MAX_VALUE, or more
 *                        than ZSIP_AUTH_MAX_REALMS realms
 *   ZSIP_EINVAL          resp is not a 401/407, or cred gave an empty user
 *                        name, one with a control character, or neither a
 *                        password nor an HA1 of the algorithm's length */
int zsip_auth_client_challenge(struct zsip_auth_client *c, const struct zsip_msg *resp);

/* Writes an Authorization (or Proxy-Authorization, for realms challenged
 * by a 407) header line, "Name: value\r\n", for every realm held, into
 * out[0 .. cap) with a NUL after them, for a request with this method,
 * Request-URI (the digest uri, RFC 3261 §22.4) and body (hashed for
 * qop=auth-int). Realm, nonce, opaque and algorithm are echoed as received;
 * the nonce count of each realm goes up by one (RFC 7616 §3.4). The slices
 * are read during the call only. Returns the length written (0: no realm
 * held), ZSIP_ENOSPC (nothing counted), or ZSIP_EINVAL. */
int zsip_auth_client_authorize(struct zsip_auth_client *c, struct zsip_str method, struct zsip_str uri,
			       struct zsip_str body, char *out, size_t cap);

/* ---------------------------------------------------------------- server */

/* Server credentials callback: the credentials of username (escapes
 * removed) in realm for alg. Fill out->password or out->ha1 (out->user is
 * ignored). Return 0, or a negative value for an unknown user (the request
 * then fails with ZSIP_EAUTH_REJECTED, as a wrong password does, so that
 * user names cannot be probed). The slices are valid during the call. */
typedef int (*zsip_auth_lookup_fn)(void *user, const struct zsip_str *realm, const struct zsip_str *username,
				   enum zsip_digest_alg alg, struct zsip_auth_cred *out);

struct zsip_auth_server_config {
	const char *realm;              /* required, copied; at most 127 bytes, no '"' '\\' or control */
	/* Offered algorithms in preference order, one challenge header each
	 * (RFC 8760 §2.4); the list ends at the first 0. All zero: SHA-256
	 * then MD5. Clients that read only the first header and know only
	 * MD5 (SIPp 3.6's -au/-ap) need { ZSIP_DIGEST_MD5 } first. */
	enum zsip_digest_alg algs[6];
	int proxy;                      /* 1: Proxy-Authenticate / Proxy-Authorization (407); 0: WWW- (401) */
	uint32_t nonce_lifetime_ms;     /* after this a nonce is stale; default 300000 */
	unsigned max_nonces;            /* nonces remembered for the nonce-count check; default 1024, at most 2^24 */
	zsip_auth_lookup_fn lookup;     /* required */
	void *user;                     /* passed to lookup */
};

struct zsip_auth_server;

/* Creates a server side. Nonces are stateless (RFC 7616 §3.3): a timestamp,
 * a serial number and a keyed hash under a key drawn from the stack's
 * `random` callback; only the nonce counts of nonces in use are kept, in a
 * table of cfg->max_nonces entries. cfg is copied. Memory comes from
 * stack's allocator; stack must outlive the server. Returns 0 and sets
 * *out, or:
 *   ZSIP_ENORANDOM  the stack was made without a `random` callback (the
 *                   seeded fallback generator would make nonces forgeable),
 *                   or that callback failed
 *   ZSIP_EINVAL     a NULL argument, no realm or a bad one, no lookup, an
 *                   unknown algorithm
 *   ZSIP_ENOMEM     the allocator failed */
int zsip_auth_server_new(struct zsip_stack *stack, const struct zsip_auth_server_config *cfg,
			 struct zsip_auth_server **out);
/* Frees the server. NULL is allowed. */
void zsip_auth_server_free(struct zsip_auth_server *s);

/* Writes the challenge header lines (WWW-Authenticate, or Proxy-Authenticate
 * with cfg.proxy), one per configured algorithm in preference order, all
 * with one fresh nonce, the server's opaque and qop="auth", plus stale=true
 * when stale is non-zero (after ZSIP_EAUTH_STALE or ZSIP_EAUTH_REPLAY), into
 * out[0 .. cap) with a NUL. Send them in a 401 (407 with proxy). Returns
 * the length or ZSIP_ENOSPC. */
int zsip_auth_server_challenge(struct zsip_auth_server *s, uint64_t now_ms, int stale, char *out, size_t cap);

/* Checks the Authorization (Proxy-Authorization with cfg.proxy) of request
 * req for the server's realm (RFC 3261 §22.4, RFC 7616 §3.4). req is read
 * during the call; *username (may be NULL) is set to the authenticated user
 * name as received (quoted-pairs kept), pointing into req's buffer.
 * Returns 0 when the credentials are good, or:
 *   ZSIP_EAUTH_MISSING   no credentials for this realm: challenge
 *   ZSIP_EAUTH_STALE     right password, but the nonce is older than its
 *                        lifetime or not one of ours (e.g. before a
 *                        restart): challenge with stale=1
 *   ZSIP_EAUTH_REPLAY    the nonce count did not go up for this nonce, or
 *                        the nonce was forgotten past max_nonces: challenge
 *                        with stale=1 (never accepted twice)
 *   ZSIP_EAUTH_REJECTED  wrong response, unknown user, opaque not ours:
 *                        answer 403, or challenge again
 *   ZSIP_EAUTH_ALGORITHM an algorithm that was not offered: challenge
 *   ZSIP_EAUTH           malformed credentials, a digest uri other than the
 *                        Request-URI, qop other than auth: answer 400
 *   ZSIP_EINVAL          req is not a request */
int zsip_auth_server_verify(struct zsip_auth_server *s, const struct zsip_msg *req, uint64_t now_ms,
			    struct zsip_str *username);

#ifdef __cplusplus
}
#endif
#endif
