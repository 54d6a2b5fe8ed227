/* zsip: an embeddable, sans-I/O SIP stack (RFC 3261) in C11.
 * Include this one header; the layer headers below can be read one at a
 * time. All symbols start with zsip_ (ZSIP_ for macros and constants). */
#ifndef ZSIP_H
#define ZSIP_H

#include "zsip/err.h"
#include "zsip/msg.h"
#include "zsip/stack.h"
#include "zsip/digest.h"
#include "zsip/reg.h"
#include "zsip/ua.h"

#endif
