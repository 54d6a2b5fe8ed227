/* zsip error codes. Every function that can fail returns 0 (or a length)
 * on success and one of these negative values on failure. */
#ifndef ZSIP_ERR_H
#define ZSIP_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

enum zsip_err {
	ZSIP_OK = 0,

	/* general */
	ZSIP_EINVAL = -1,        /* bad argument */
	ZSIP_ENOMEM = -2,        /* the allocator failed */
	ZSIP_ENOSPC = -3,        /* output buffer too small */
	ZSIP_ENOTFOUND = -4,     /* no such header, parameter or object */
	ZSIP_ELIMIT = -5,        /* a configured cap was reached */
	ZSIP_ESTATE = -6,        /* not allowed in the current state */
	ZSIP_ETRANSPORT = -7,    /* the send callback reported a failure */
	ZSIP_ETIMEOUT = -8,      /* a transaction timed out */

	/* message framing and limits */
	ZSIP_ETRUNC = -20,       /* the message ends before its header block does */
	ZSIP_ETOOBIG = -21,      /* message larger than limits.max_msg_size */
	ZSIP_ETOOMANYHDRS = -22, /* more header fields than limits.max_headers */
	ZSIP_EHDRTOOLONG = -23,  /* a header field longer than limits.max_header_len */

	/* start line */
	ZSIP_ESTARTLINE = -30,   /* malformed request or status line */
	ZSIP_EMETHOD = -31,      /* method is not a token */
	ZSIP_ERURI = -32,        /* malformed Request-URI */
	ZSIP_EVERSION = -33,     /* SIP version other than SIP/2.0 */
	ZSIP_ESTATUS = -34,      /* status code not three digits */

	/* header syntax */
	ZSIP_EHDRLINE = -40,     /* header line without a valid name and ':' */
	ZSIP_EVALUE = -41,       /* malformed header value */
	ZSIP_EPARAM = -42,       /* malformed parameter list */
	ZSIP_EURI = -43,         /* malformed URI */
	ZSIP_EURI_HOST = -44,    /* malformed host or port in a URI */
	ZSIP_ENAMEADDR = -45,    /* malformed name-addr / addr-spec */
	ZSIP_EVIA = -46,         /* malformed Via */
	ZSIP_ECSEQ = -47,        /* malformed CSeq (number above 2^32-1, bad method) */
	ZSIP_ENUMBER = -48,      /* malformed or out-of-range number */
	ZSIP_EAUTH = -49,        /* malformed authentication header */
	ZSIP_EFROM = -50,        /* malformed From */
	ZSIP_ETO = -51,          /* malformed To */
	ZSIP_ECALLID = -52,      /* malformed Call-ID */
	ZSIP_EMAXFWD = -53,      /* malformed Max-Forwards (above 255) */
	ZSIP_ECLEN = -54,        /* malformed or negative Content-Length */

	/* message semantics (RFC 3261 §8.2, §18.3) */
	ZSIP_ENOVIA = -60,       /* missing Via */
	ZSIP_ENOFROM = -61,      /* missing From */
	ZSIP_ENOTO = -62,        /* missing To */
	ZSIP_ENOCALLID = -63,    /* missing Call-ID */
	ZSIP_ENOCSEQ = -64,      /* missing CSeq */
	ZSIP_EMULTI = -65,       /* several values for a single-value header */
	ZSIP_ECSEQ_METHOD = -66, /* CSeq method differs from the request method */
	ZSIP_ENOTIMPL = -67,     /* unknown method whose CSeq method differs: answered 501 */
	ZSIP_EBODY = -68,        /* Content-Length larger than the bytes present */
	ZSIP_ECLEN_DUP = -69,    /* two Content-Length fields that disagree */

	/* UA and dialogs (zsip/ua.h) */
	ZSIP_ENAME = -80,        /* a host name where only a numeric address works (no resolve callback) */
	ZSIP_ERESOLVE = -81,     /* the resolve callback refused the URI */
	ZSIP_EPENDING = -82,     /* another INVITE transaction is pending in the dialog (§14.1) */

	/* digest authentication (zsip/digest.h) */
	ZSIP_EAUTH_REJECTED = -90,  /* credentials refused (wrong password, unknown user) */
	ZSIP_EAUTH_ALGORITHM = -91, /* no supported digest algorithm or qop offered */
	ZSIP_EAUTH_DECLINED = -92,  /* the credentials callback declined */
	ZSIP_ENORANDOM = -93,       /* needs the stack's `random` callback */
	ZSIP_EAUTH_STALE = -94,     /* nonce expired or not ours: challenge with stale=true */
	ZSIP_EAUTH_REPLAY = -95,    /* nonce count did not increase */
	ZSIP_EAUTH_MISSING = -96,   /* no credentials for the realm */

	/* registration (zsip/reg.h) */
	ZSIP_EREG_REJECTED = -100, /* the registrar answered with a final failure status */
	ZSIP_EREG_INTERVAL = -101, /* 423 Interval Too Brief that could not be met */
	ZSIP_EREG_ATTEMPTS = -102, /* max_attempts REGISTERs without success */
	ZSIP_EREG_EXPIRED = -103,  /* the binding ran out while refreshes failed */
	ZSIP_ESTORE = -104,        /* the registrar's binding store failed */
};

/* A short English description of an error code ("missing Call-ID");
 * a static string, never NULL. */
const char *zsip_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
