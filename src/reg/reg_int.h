/* What the registration client and the registrar helper share. Internal. */
#ifndef ZSIPI_REG_INT_H
#define ZSIPI_REG_INT_H

#include <stddef.h>

#include "zsip/msg.h"
#include "zsip/reg.h"

/* Splits "Name: value" lines, each ended by CRLF (or LF), into at most max
 * fields pointing into p; a line without ':' is skipped. Returns how many
 * (zsip_auth_client_authorize output, the registrar's admit headers). */
size_t zsipi_split_lines(const char *p, size_t len, struct zsip_field *f, size_t max);

#endif
