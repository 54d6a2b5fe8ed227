/* Error names, and the response a server sends for each message fault. */
#include "zsip/msg.h"

struct err_info {
	int code;
	short status;       /* response for a received request; 0: not a message fault */
	const char *text;   /* zsip_strerror */
	const char *reason; /* reason phrase of that response */
};

static const struct err_info errs[] = {
	{ ZSIP_OK, 0, "success", NULL },
	{ ZSIP_EINVAL, 0, "invalid argument", NULL },
	{ ZSIP_ENOMEM, 0, "out of memory", NULL },
	{ ZSIP_ENOSPC, 0, "buffer too small", NULL },
	{ ZSIP_ENOTFOUND, 0, "not found", NULL },
	{ ZSIP_ELIMIT, 0, "configured limit reached", NULL },
	{ ZSIP_ESTATE, 0, "not allowed in this state", NULL },
	{ ZSIP_ETRANSPORT, 0, "transport error", NULL },
	{ ZSIP_ETIMEOUT, 0, "timed out", NULL },
	{ ZSIP_ETRUNC, 400, "message ends inside its header block", "Bad Request - Truncated Message" },
	{ ZSIP_ETOOBIG, 413, "message too large", "Request Entity Too Large" },
	{ ZSIP_ETOOMANYHDRS, 400, "too many header fields", "Bad Request - Too Many Headers" },
	{ ZSIP_EHDRTOOLONG, 400, "header field too long", "Bad Request - Header Too Long" },
	{ ZSIP_ESTARTLINE, 400, "malformed start line", "Bad Request - Malformed Request-Line" },
	{ ZSIP_EMETHOD, 400, "malformed method", "Bad Request - Malformed Method" },
	{ ZSIP_ERURI, 400, "malformed Request-URI", "Bad Request - Malformed Request-URI" },
	{ ZSIP_EVERSION, 505, "unsupported SIP version", "Version Not Supported" },
	{ ZSIP_ESTATUS, 400, "malformed status code", "Bad Request - Malformed Status Code" },
	{ ZSIP_EHDRLINE, 400, "malformed header line", "Bad Request - Malformed Header Line" },
	{ ZSIP_EVALUE, 400, "malformed header value", "Bad Request - Malformed Header Value" },
	{ ZSIP_EPARAM, 400, "malformed parameter", "Bad Request - Malformed Parameter" },
	{ ZSIP_EURI, 400, "malformed URI", "Bad Request - Malformed URI" },
	{ ZSIP_EURI_HOST, 400, "malformed host or port", "Bad Request - Malformed Host" },
	{ ZSIP_ENAMEADDR, 400, "malformed name-addr", "Bad Request - Malformed Address" },
	{ ZSIP_EVIA, 400, "malformed Via", "Bad Request - Malformed Via" },
	{ ZSIP_ECSEQ, 400, "malformed CSeq", "Bad Request - Malformed CSeq" },
	{ ZSIP_ENUMBER, 400, "malformed number", "Bad Request - Malformed Number" },
	{ ZSIP_EAUTH, 400, "malformed authentication header", "Bad Request - Malformed Authorization" },
	{ ZSIP_EFROM, 400, "malformed From", "Bad Request - Malformed From" },
	{ ZSIP_ETO, 400, "malformed To", "Bad Request - Malformed To" },
	{ ZSIP_ECALLID, 400, "malformed Call-ID", "Bad Request - Malformed Call-ID" },
	{ ZSIP_EMAXFWD, 400, "malformed Max-Forwards", "Bad Request - Malformed Max-Forwards" },
	{ ZSIP_ECLEN, 400, "malformed Content-Length", "Bad Request - Malformed Content-Length" },
	{ ZSIP_ENOVIA, 400, "missing Via", "Bad Request - Missing Via" },
	{ ZSIP_ENOFROM, 400, "missing From", "Bad Request - Missing From" },
	{ ZSIP_ENOTO, 400, "missing To", "Bad Request - Missing To" },
	{ ZSIP_ENOCALLID, 400, "missing Call-ID", "Bad Request - Missing Call-ID" },
	{ ZSIP_ENOCSEQ, 400, "missing CSeq", "Bad Request - Missing CSeq" },
	{ ZSIP_EMULTI, 400, "several values for a single-value header", "Bad Request - Duplicate Header" },
	{ ZSIP_ECSEQ_METHOD, 400, "CSeq method differs from request method", "Bad Request - CSeq Method Mismatch" },
	{ ZSIP_ENOTIMPL, 501, "unknown method with a mismatched CSeq", "Not Implemented" },
	{ ZSIP_EBODY, 400, "Content-Length larger than the body", "Bad Request - Body Shorter Than Content-Length" },
	{ ZSIP_ECLEN_DUP, 400, "conflicting Content-Length fields", "Bad Request - Conflicting Content-Length" },
	/* registration */
	{ ZSIP_EREG_REJECTED, 0, "registration rejected by the registrar", NULL },
	{ ZSIP_EREG_INTERVAL, 0, "registration interval too brief (423) could not be met", NULL },
	{ ZSIP_EREG_ATTEMPTS, 0, "too many REGISTER attempts", NULL },
	{ ZSIP_EREG_EXPIRED, 0, "registration expired while refreshes failed", NULL },
	{ ZSIP_ESTORE, 0, "the registrar's binding store failed", NULL },
	/* UA and dialogs */
	{ ZSIP_ENAME, 0, "host name given and no resolve callback set", NULL },
	{ ZSIP_ERESOLVE, 0, "the resolve callback refused the URI", NULL },
	{ ZSIP_EPENDING, 0, "an INVITE transaction is pending in this dialog", NULL },
	/* digest authentication */
	{ ZSIP_EAUTH_REJECTED, 0, "credentials rejected", NULL },
	{ ZSIP_EAUTH_ALGORITHM, 0, "no supported digest algorithm", NULL },
	{ ZSIP_EAUTH_DECLINED, 0, "credentials declined", NULL },
	{ ZSIP_ENORANDOM, 0, "no random callback in the stack config", NULL },
	{ ZSIP_EAUTH_STALE, 0, "stale nonce", NULL },
	{ ZSIP_EAUTH_REPLAY, 0, "nonce count replayed", NULL },
	{ ZSIP_EAUTH_MISSING, 0, "no credentials for the realm", NULL },
};

static const struct err_info *find(int err)
{
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++)
		if (errs[i].code == err)
			return &errs[i];
	return NULL;
}

const char *zsip_strerror(int err)
{
	const struct err_info *e = find(err);
	return e ? e->text : "unknown error";
}

int zsip_err_status(int err, const char **reason)
{
	const struct err_info *e = find(err);
	int status = e ? e->status : 0;
	if (reason)
		*reason = status ? e->reason : NULL;
	return status;
}
