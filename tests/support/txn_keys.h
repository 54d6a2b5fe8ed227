/* The keys a transaction matches messages with (method, Request-URI,
 * branch, sent-by, Call-ID, tags, CSeq) must be those a parse of its stored
 * request gives: the UA hands the transaction layer the keys of the
 * requests it writes instead of the bytes to parse again. For the tests
 * and fuzz_ua. */
#ifndef ZSIP_TEST_TXN_KEYS_H
#define ZSIP_TEST_TXN_KEYS_H

#include <stddef.h>

#include "zsip/stack.h"

/* Checks every live transaction of s; returns how many disagree. */
size_t txn_keys_check(struct zsip_stack *s);

#endif
