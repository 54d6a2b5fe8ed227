/* The timers of the whole stack. Timers are intrusive: the owner (a
 * transaction, a call) embeds struct zsipi_timer and gets it back in the
 * callback. Ties fire in the order they were started, so a run is
 * repeatable. Internal.
 *
 * Most timers of a SIP stack have one of a few durations (T1, 64*T1, T4,
 * the 200 ms of 100 Trying) and are started as time goes forward, so those
 * of one duration are started in the order they fall due. A timer that
 * falls due at or after the last one of a run (a list kept in firing
 * order) joins its tail: start, stop and fire are O(1) there. The others
 * go to a binary min-heap (O(log n)). The next deadline is the earliest
 * of the runs' heads and the heap's top. */
#ifndef ZSIPI_CORE_TIMER_H
#define ZSIPI_CORE_TIMER_H

#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

struct zsipi_timer;
typedef void (*zsipi_timer_fn)(struct zsipi_timer *t, uint64_t now);

struct zsipi_timer {
	uint64_t at;        /* deadline, ms */
	zsipi_timer_fn fn;
	struct zsipi_timer *next, *prev; /* in a run */
	uint32_t pos;       /* index in the heap + 1, or ZSIPI_TIMER_RUN0 + run; 0: not running */
	uint32_t seq;       /* start order, breaks ties */
};

#define ZSIPI_TIMER_RUNS 8
#define ZSIPI_TIMER_RUN0 (UINT32_MAX - ZSIPI_TIMER_RUNS + 1)

struct zsipi_timers {
	struct zsipi_timer **heap;
	size_t n, cap;
	struct { struct zsipi_timer *head, *tail; } run[ZSIPI_TIMER_RUNS];
	size_t reserved;    /* slots promised to owners; cap never drops below */
	uint32_t seq;
	struct zsipi_mem *mem;
};

void zsipi_timers_init(struct zsipi_timers *ts, struct zsipi_mem *mem);
/* Frees the heap; the timers themselves belong to their owners. */
void zsipi_timers_fini(struct zsipi_timers *ts);

/* Promises k more running timers, growing the heap now so that a later
 * zsipi_timer_start cannot fail. Returns 0 or ZSIP_ENOMEM. */
int zsipi_timers_reserve(struct zsipi_timers *ts, size_t k);
/* Takes back a promise of k. */
void zsipi_timers_unreserve(struct zsipi_timers *ts, size_t k);

static inline void zsipi_timer_init(struct zsipi_timer *t)
{
	t->at = 0;
	t->fn = 0;
	t->next = t->prev = 0;
	t->pos = 0;
	t->seq = 0;
}

static inline int zsipi_timer_running(const struct zsipi_timer *t)
{
	return t->pos != 0;
}

/* Starts t (restarts it when running) to call fn at time at. Within the
 * reserved slots it cannot fail; beyond them it returns ZSIP_ENOMEM when the
 * heap cannot grow. */
int zsipi_timer_start(struct zsipi_timers *ts, struct zsipi_timer *t, uint64_t at,
		      zsipi_timer_fn fn);
/* Stops t; nothing when it is not running. */
void zsipi_timer_stop(struct zsipi_timers *ts, struct zsipi_timer *t);

/* The earliest deadline, UINT64_MAX when none. */
uint64_t zsipi_timers_next(const struct zsipi_timers *ts);

/* Fires every timer due at or before now, earliest first, including those
 * that callbacks start for a time <= now. A timer is stopped before its
 * callback runs, so the callback may start it again or free its owner. */
void zsipi_timers_run(struct zsipi_timers *ts, uint64_t now);

#endif
