/* The stack object, shared by the core and the layers above it. Internal:
 * the public view is the opaque struct zsip_stack of zsip/stack.h.
 *
 * The core (src/core) is memory, timers, transports and the send path, the
 * event sink and randomness; it calls the message layer only. The layers
 * above wire themselves in: txn/txn_stack.c has zsip_stack_new (the core
 * plus the transaction table) and the receive dispatch, and every layer
 * that holds memory registers a zsipi_on_free hook. */
#ifndef ZSIPI_CORE_H
#define ZSIPI_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"
#include "core/timer.h"
#include "zsip/msg.h"
#include "zsip/stack.h"

struct zsipi_transport {
	uint8_t used;
	uint8_t kind;           /* enum zsip_transport_kind */
	uint8_t reliable;
	char token[16];         /* Via transport token: "UDP" ... */
	char sent_by[ZSIP_ADDR_HOST_MAX + 8];
	/* sent_by as the Via parser reads it: host, the first host_len
	 * bytes ('[' ']' kept), and port (0 when absent). */
	uint8_t host_len;
	uint16_t port;
};

/* Registered with zsipi_on_free. */
struct zsipi_free_hook {
	void (*fn)(void *user);
	void *user;
};
#define ZSIPI_MAX_FREE_HOOKS 8

/* Owned by the transaction layer (txn/table.c); here so that the stack is
 * one allocation. Transactions hashed by branch (or, for RFC 2543 requests, by Call-ID);
 * chained through zsip_txn.hnext. */
struct zsipi_table {
	struct zsip_txn **b;
	size_t nb;              /* power of two */
	size_t n;
};

struct zsip_stack {
	struct zsipi_mem mem;
	struct zsipi_timers timers;
	struct zsipi_table table;

	void *user;
	int (*send)(void *user, int transport_id, const struct zsip_addr *dst,
		    const char *buf, size_t len);
	/* Where events go: the application's on_event, or the layer above
	 * that took the stack over (zsipi_set_event_sink). */
	void (*on_event)(void *user, const struct zsip_event *ev);
	void *ev_user;
	struct zsipi_free_hook free_hooks[ZSIPI_MAX_FREE_HOOKS];
	size_t n_free_hooks;
	int (*random)(void *user, void *buf, size_t len);
	uint64_t rng;

	struct zsip_limits limits;
	size_t max_txn;
	uint32_t t1, t2, t4, timer_d, trying, retry_after;

	struct zsipi_transport tp[ZSIP_MAX_TRANSPORTS];

	/* Two work buffers of scratch_cap bytes each, for messages the stack
	 * writes itself (stateless answers, ACK, 100 Trying, zsip_txn_reply).
	 * Never held across a callback. */
	char *scratch;
	size_t scratch_cap;

	uint64_t now;           /* latest time an entry point was given */
	int depth;              /* > 0 while an event callback runs */
	struct zsip_stack_stats st;
};

#define ZSIPI_SCRATCH_A(s) ((s)->scratch)
#define ZSIPI_SCRATCH_B(s) ((s)->scratch + (s)->scratch_cap)

/* Moves the stack's clock to now (never back) and returns it. */
static inline uint64_t zsipi_advance(struct zsip_stack *s, uint64_t now)
{
	if (now > s->now)
		s->now = now;
	return s->now;
}

/* The stack without any layer above the core: configuration read with its
 * defaults, scratch buffers, the timer heap. NULL when cfg is invalid or
 * memory runs out. Freed by zsip_stack_free. */
struct zsip_stack *zsipi_core_new(const struct zsip_config *cfg);
/* Registers fn(user), called by zsip_stack_free before the core frees its
 * timers and memory; hooks run last registered first, so a layer above is
 * gone before the layers it uses. A hook must stop the timers it owns.
 * 0 or ZSIP_ELIMIT (ZSIPI_MAX_FREE_HOOKS). */
int zsipi_on_free(struct zsip_stack *s, void (*fn)(void *), void *user);
/* Takes back a hook (e.g. when the layer is freed before the stack);
 * nothing when it is not registered. */
void zsipi_on_free_cancel(struct zsip_stack *s, void (*fn)(void *), void *user);

/* The transport, or NULL for an unknown id. */
const struct zsipi_transport *zsipi_transport(const struct zsip_stack *s, int id);
/* Calls the send callback; 0 or ZSIP_ETRANSPORT (counted). */
int zsipi_send(struct zsip_stack *s, int transport_id, const struct zsip_addr *dst,
	       const char *buf, size_t len);
/* Hands ev to the TU, if it listens. */
void zsipi_emit(struct zsip_stack *s, const struct zsip_event *ev);
/* Hands ev to fn(user, ev) as zsipi_emit does (the same re-entry guard). */
void zsipi_emit_to(struct zsip_stack *s, void (*fn)(void *, const struct zsip_event *), void *user,
		   const struct zsip_event *ev);
/* An upper layer (the UA) takes the events of the stack: from now on they
 * go to fn(user, ev) instead of the config's on_event. */
void zsipi_set_event_sink(struct zsip_stack *s, void (*fn)(void *, const struct zsip_event *),
			  void *user);
/* zsip_stack_make_via, also saying where the parts a client transaction
 * keys on lie in the Via written (slices of out): the branch value, the
 * sent-by host and its port (0 when absent), as the Via parser would read
 * them. */
struct zsipi_via_made {
	struct zsip_str branch, host;
	uint16_t port;
};
int zsipi_make_via(struct zsip_stack *s, int transport_id, char *out, size_t cap, int rport,
		   struct zsipi_via_made *made);
/* 64 random bits from the application's source or the seeded generator. */
uint64_t zsipi_random64(struct zsip_stack *s);

#endif
