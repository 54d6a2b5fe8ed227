/* Intrusive timers ordered by (deadline, start order): runs kept in that
 * order beside a binary min-heap (timer.h says why). */
#include <string.h>

#include "core/timer.h"
#include "zsip/err.h"

void zsipi_timers_init(struct zsipi_timers *ts, struct zsipi_mem *mem)
{
	memset(ts, 0, sizeof(*ts));
	ts->mem = mem;
}

void zsipi_timers_fini(struct zsipi_timers *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		ts->heap[i]->pos = 0;
	for (int r = 0; r < ZSIPI_TIMER_RUNS; r++) {
		for (struct zsipi_timer *t = ts->run[r].head; t; t = t->next)
			t->pos = 0;
		ts->run[r].head = ts->run[r].tail = NULL;
	}
	zsipi_mem_free(ts->mem, ts->heap, ts->cap * sizeof(*ts->heap));
	ts->heap = NULL;
	ts->n = ts->cap = ts->reserved = 0;
}

static int grow(struct zsipi_timers *ts, size_t want)
{
	if (want <= ts->cap)
		return 0;
	/* pos keeps heap indexes below the run numbers */
	if (want >= ZSIPI_TIMER_RUN0)
		return ZSIP_ENOMEM;
	size_t cap = ts->cap ? ts->cap : 64;
	while (cap < want)
		cap *= 2;
	struct zsipi_timer **h = zsipi_mem_alloc(ts->mem, cap * sizeof(*h));
	if (!h)
		return ZSIP_ENOMEM;
	if (ts->n)
		memcpy(h, ts->heap, ts->n * sizeof(*h));
	zsipi_mem_free(ts->mem, ts->heap, ts->cap * sizeof(*ts->heap));
	ts->heap = h;
	ts->cap = cap;
	return 0;
}

int zsipi_timers_reserve(struct zsipi_timers *ts, size_t k)
{
	int rc = grow(ts, ts->reserved + k);
	if (rc == 0)
		ts->reserved += k;
	return rc;
}

void zsipi_timers_unreserve(struct zsipi_timers *ts, size_t k)
{
	ts->reserved = k > ts->reserved ? 0 : ts->reserved - k;
	/* Give back a heap grown for a burst once it is a quarter used, so
	 * that an idle stack returns to its empty size; the slack avoids
	 * growing and shrinking around one size. A failed allocation keeps
	 * the larger heap. */
	size_t used = ts->n > ts->reserved ? ts->n : ts->reserved;
	if (ts->cap <= 64 || used > ts->cap / 4)
		return;
	size_t cap = 64;
	while (cap < used * 2)
		cap *= 2;
	struct zsipi_timer **h = zsipi_mem_alloc(ts->mem, cap * sizeof(*h));
	if (!h)
		return;
	if (ts->n)
		memcpy(h, ts->heap, ts->n * sizeof(*h));
	zsipi_mem_free(ts->mem, ts->heap, ts->cap * sizeof(*ts->heap));
	ts->heap = h;
	ts->cap = cap;
}

static int earlier(const struct zsipi_timer *a, const struct zsipi_timer *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	/* seq wraps after 2^32 starts; the signed difference keeps FIFO order
	 * for timers started within 2^31 of each other. */
	return (int32_t)(a->seq - b->seq) < 0;
}

static void place(struct zsipi_timers *ts, size_t i, struct zsipi_timer *t)
{
	ts->heap[i] = t;
	t->pos = (uint32_t)(i + 1);
}

static void sift_up(struct zsipi_timers *ts, size_t i)
{
	struct zsipi_timer *t = ts->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!earlier(t, ts->heap[parent]))
			break;
		place(ts, i, ts->heap[parent]);
		i = parent;
	}
	place(ts, i, t);
}

/* Takes heap[i] out and mends the heap bottom-up: the hole goes down to a
 * leaf by the earlier child (one compare a level), the last timer fills it
 * and rises as far as it must, usually not at all. About half the
 * compares of sifting the last timer down from i; the order timers fire in
 * is the same, (deadline, start order) being a total order. */
static void remove_at(struct zsipi_timers *ts, size_t i)
{
	ts->heap[i]->pos = 0;
	ts->n--;
	if (i == ts->n)
		return;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= ts->n)
			break;
		if (c + 1 < ts->n && earlier(ts->heap[c + 1], ts->heap[c]))
			c++;
		place(ts, i, ts->heap[c]);
		i = c;
	}
	place(ts, i, ts->heap[ts->n]);
	sift_up(ts, i);
}

/* Takes t out of its run. */
static void run_unlink(struct zsipi_timers *ts, struct zsipi_timer *t)
{
	unsigned r = t->pos - ZSIPI_TIMER_RUN0;
	if (t->prev)
		t->prev->next = t->next;
	else
		ts->run[r].head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		ts->run[r].tail = t->prev;
	t->pos = 0;
}

static void unlink_timer(struct zsipi_timers *ts, struct zsipi_timer *t)
{
	if (t->pos >= ZSIPI_TIMER_RUN0)
		run_unlink(ts, t);
	else
		remove_at(ts, t->pos - 1);
}

/* The run a timer due at `at` (started last) joins in order: the one whose
 * tail falls due latest but not after it, else an empty one; -1: none. */
static int pick_run(const struct zsipi_timers *ts, uint64_t at)
{
	int best = -1;
	uint64_t best_at = 0;
	for (int r = 0; r < ZSIPI_TIMER_RUNS; r++) {
		const struct zsipi_timer *tail = ts->run[r].tail;
		if (tail && tail->at <= at && (best < 0 || tail->at > best_at)) {
			best = r;
			best_at = tail->at;
		}
	}
	if (best < 0)
		for (int r = 0; r < ZSIPI_TIMER_RUNS && best < 0; r++)
			if (!ts->run[r].tail)
				best = r;
	return best;
}

int zsipi_timer_start(struct zsipi_timers *ts, struct zsipi_timer *t, uint64_t at,
		      zsipi_timer_fn fn)
{
	if (t->pos)
		unlink_timer(ts, t);
	int r = pick_run(ts, at);
	if (r < 0 && ts->n == ts->cap && grow(ts, ts->n + 1) != 0)
		return ZSIP_ENOMEM;
	t->at = at;
	t->fn = fn;
	t->seq = ts->seq++;
	if (r >= 0) {
		t->next = NULL;
		t->prev = ts->run[r].tail;
		if (t->prev)
			t->prev->next = t;
		else
			ts->run[r].head = t;
		ts->run[r].tail = t;
		t->pos = ZSIPI_TIMER_RUN0 + (uint32_t)r;
		return 0;
	}
	ts->heap[ts->n] = t;
	ts->n++;
	sift_up(ts, ts->n - 1);
	return 0;
}

void zsipi_timer_stop(struct zsipi_timers *ts, struct zsipi_timer *t)
{
	if (t->pos)
		unlink_timer(ts, t);
}

/* The timer that fires first, NULL when none runs. */
static struct zsipi_timer *first(const struct zsipi_timers *ts)
{
	struct zsipi_timer *m = ts->n ? ts->heap[0] : NULL;
	for (int r = 0; r < ZSIPI_TIMER_RUNS; r++) {
		struct zsipi_timer *h = ts->run[r].head;
		if (h && (!m || earlier(h, m)))
			m = h;
	}
	return m;
}

uint64_t zsipi_timers_next(const struct zsipi_timers *ts)
{
	const struct zsipi_timer *t = first(ts);
	return t ? t->at : UINT64_MAX;
}

void zsipi_timers_run(struct zsipi_timers *ts, uint64_t now)
{
	struct zsipi_timer *t;
	while ((t = first(ts)) && t->at <= now) {
		unlink_timer(ts, t);
		t->fn(t, now);
	}
}
