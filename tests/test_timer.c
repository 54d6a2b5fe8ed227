/* The stack's timer heap (src/core/timer.c): every transaction timer of
 * RFC 3261 §17 runs on it, so it must fire each timer once, at its time,
 * in order, and stay cheap with thousands of timers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/timer.h"

struct tt {
	struct zsipi_timer t;
	int id;
	uint64_t fired_at;
	int fired;
};

struct log {
	int ids[4096];
	size_t n;
};


static void record(struct zsipi_timer *t, uint64_t now)
{
	struct tt *x = (struct tt *)t;
	x->fired++;
	x->fired_at = now;
}

/* Fires into a log reached through the timer's neighbour field. */
struct ltt {
	struct zsipi_timer t;
	int id;
	struct log *log;
};

static void record_order(struct zsipi_timer *t, uint64_t now)
{
	(void)now;
	struct ltt *x = (struct ltt *)t;
	x->log->ids[x->log->n++] = x->id;
}

static void test_timer_fires_in_deadline_order(void **state)
{
	(void)state;

	struct zsipi_mem mem;
	zsipi_mem_init(&mem, NULL);
	struct zsipi_timers ts;
	zsipi_timers_init(&ts, &mem);
	struct log log = { .n = 0 };
	struct ltt t[5];
	uint64_t at[5] = { 500, 100, 300, 200, 400 };
	for (int i = 0; i < 5; i++) {
		zsipi_timer_init(&t[i].t);
		t[i].id = i;
		t[i].log = &log;
		assert_int_equal(zsipi_timer_start(&ts, &t[i].t, at[i], record_order), 0);
	}
	assert_int_equal(zsipi_timers_next(&ts), 100);
	zsipi_timers_run(&ts, 1000);
	assert_int_equal(log.n, 5);
	int want[5] = { 1, 3, 2, 4, 0 };
	for (int i = 0; i < 5; i++)
		assert_int_equal(log.ids[i], want[i]);
	assert_true(zsipi_timers_next(&ts) == UINT64_MAX);
	zsipi_timers_fini(&ts);
	assert_int_equal(mem.bytes, 0);
}

static void test_timer_equal_deadlines_fire_in_start_order(void **state)
{
	(void)state;
	struct zsipi_mem mem;
	zsipi_mem_init(&mem, NULL);
	struct zsipi_timers ts;
	zsipi_timers_init(&ts, &mem);
	struct log log = { .n = 0 };
	struct ltt t[100];
	for (int i = 0; i < 100; i++) {
		zsipi_timer_init(&t[i].t);
		t[i].id = i;
		t[i].log = &log;
		zsipi_timer_start(&ts, &t[i].t, 42, record_order);
	}
	zsipi_timers_run(&ts, 42);
	assert_int_equal(log.n, 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(log.ids[i], i);
	zsipi_timers_fini(&ts);
}

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

/* Timers of more durations than there are runs, started as time goes on,
 * restarted and stopped at random: every one fires once, by deadline and,
 * for equal deadlines, in the order of its last start (what makes a run of
 * the stack repeatable). */
static void test_timer_many_durations_fire_by_deadline_then_start_order(void **state)
{
	(void)state;
	enum { N = 300 };
	static const uint64_t dur[] = { 0, 200, 500, 1000, 2000, 4000, 4000, 5000, 32000,
					32000, 500, 7, 64, 999 };
	struct zsipi_mem mem;
	zsipi_mem_init(&mem, NULL);
	struct zsipi_timers ts;
	zsipi_timers_init(&ts, &mem);
	static struct log log;
	log.n = 0;
	static struct ltt t[N];
	uint64_t at[N], order[N], start = 0, x = 7, now = 0;
	for (int i = 0; i < N; i++) {
		zsipi_timer_init(&t[i].t);
		t[i].id = i;
		t[i].log = &log;
		at[i] = 0;
	}
	for (int step = 0; step < 3000; step++) {
		int i = (int)(lcg(&x) % N);
		now += lcg(&x) % 3;
		if (lcg(&x) % 5 == 0) {
			zsipi_timer_stop(&ts, &t[i].t);
			at[i] = 0;
			continue;
		}
		at[i] = now + dur[lcg(&x) % (sizeof dur / sizeof dur[0])];
		order[i] = start++;
		assert_int_equal(zsipi_timer_start(&ts, &t[i].t, at[i], record_order), 0);
	}
	zsipi_timers_run(&ts, UINT64_MAX - 1);
	size_t live = 0;
	for (int i = 0; i < N; i++)
		live += at[i] != 0;
	assert_int_equal(log.n, live);
	for (size_t k = 1; k < log.n; k++) {
		int a = log.ids[k - 1], b = log.ids[k];
		assert_true(at[a] < at[b] || (at[a] == at[b] && order[a] < order[b]));
	}
	zsipi_timers_fini(&ts);
	assert_int_equal(mem.bytes, 0);
}

static void test_timer_runs_only_what_is_due(void **state)
{
	(void)state;
	struct zsipi_mem mem;
	zsipi_mem_init(&mem, NULL);
	struct zsipi_timers ts;
	zsipi_timers_init(&ts, &mem);
	struct tt a, b;
	zsipi_timer_init(&a.t);
	zsipi_timer_init(&b.t);
	a.fired = b.fired = 0;
	zsipi_timer_start(&ts, &a.t, 100, record);
	zsipi_timer_start(&ts, &b.t, 101, record);
	zsipi_timers_run(&ts, 99);
	assert_int_equal(a.fired, 0);
	zsipi_timers_run(&ts, 100);
	assert_int_equal(a.fired, 1);
	assert_int_equal(a.fired_at, 100);
	assert_int_equal(b.fired, 0);
	assert_false(zsipi_timer_running(&a.t));
	assert_true(zsipi_timer_running(&b.t));
	assert_int_equal(zsipi_timers_next(&ts), 101);
	zsipi_timers_fini(&ts);
}

static void test_timer_stop_and_restart(void **state)
{
	(void)state;
	struct zsipi_mem mem;
	zsipi_mem_init(&mem, NULL);
	struct zsipi_timers ts;
	zsipi_timers_init(&ts, &mem);
	struct tt a, b;
	zsipi_timer_init(&a.t);
	zsipi_timer_init(&b.t);
	a.fired = b.fired = 0;
	zsipi_timer_start(&ts, &a.t, 100, record);
	zsipi_timer_start(&ts, &b.t, 200, record);
	zsipi_timer_stop(&ts, &a.t);
	zsipi_timer_stop(&ts, &a.t); /* twice is harmless */
	assert_int_equal(zsipi_timers_next(&ts), 200);
	zsipi_timer_start(&ts, &b.t, 50, record); /* restart moves it */
	assert_int_equal(zsipi_timers_next(&ts), 50);
	zsipi_timers_run(&ts, 1000);
	assert_int_equal(a.fired, 0);
	assert_int_equal(b.fired, 1);
	assert_int_equal(b.fired_at, 1000);
	zsipi_timers_fini(&ts);
}

/* A callback may start timers due now; they fire in the same run. */
struct chain {
	struct zsipi_timer t;
	struct zsipi_timers *ts;
	int left;
	int fired;
};

static void chain_fire(struct zsipi_timer *t, uint64_t now)
{
	struct chain *c = (struct chain *)t;
	c->fired++;
	if (c->left-- > 0)
		zsipi_timer_start(c->ts, &c->t, now, chain_fire);
}

static void test_timer_zero_length_timer_started_in_callback_fires_same_run(void **state)
{
	(void)state;
	struct zsipi_mem mem;
	zsipi_mem_init(&mem, NULL);
	struct zsipi_timers ts;
	zsipi_timers_init(&ts, &mem);
	struct chain c = { .ts = &ts, .left = 3, .fired = 0 };
	zsipi_timer_init(&c.t);
	zsipi_timer_start(&ts, &c.t, 10, chain_fire);
	zsipi_timers_run(&ts, 10);
	assert_int_equal(c.fired, 4);
	assert_true(zsipi_timers_next(&ts) == UINT64_MAX);
	zsipi_timers_fini(&ts);
}

/* Random starts, stops and runs against a plain reference model. */
static void test_timer_random_operations_match_reference(void **state)
{
	(void)state;
	enum { N = 2000 };
	struct zsipi_mem mem;
	zsipi_mem_init(&mem, NULL);
	struct zsipi_timers ts;
	zsipi_timers_init(&ts, &mem);
	struct tt *t = calloc(N, sizeof(*t));
	uint64_t *ref = calloc(N, sizeof(*ref)); /* deadline, 0: stopped */
	assert_non_null(t);
	assert_non_null(ref);
	for (int i = 0; i < N; i++)
		zsipi_timer_init(&t[i].t);
	uint64_t x = 1, now = 1;
	for (int step = 0; step < 200000; step++) {
		int i = (int)(lcg(&x) % N);
		switch (lcg(&x) % 4) {
		case 0:
		case 1: {
			uint64_t at = now + lcg(&x) % 1000;
			zsipi_timer_start(&ts, &t[i].t, at, record);
			ref[i] = at;
			break;
		}
		case 2:
			zsipi_timer_stop(&ts, &t[i].t);
			ref[i] = 0;
			break;
		default: {
			now += lcg(&x) % 50;
			for (int k = 0; k < N; k++)
				t[k].fired = 0;
			zsipi_timers_run(&ts, now);
			for (int k = 0; k < N; k++) {
				int due = ref[k] && ref[k] <= now;
				assert_int_equal(t[k].fired, due);
				if (due)
					ref[k] = 0;
			}
			uint64_t min = UINT64_MAX;
			for (int k = 0; k < N; k++)
				if (ref[k] && ref[k] < min)
					min = ref[k];
			assert_true(zsipi_timers_next(&ts) == min);
		}
		}
	}
	zsipi_timers_fini(&ts);
	assert_int_equal(mem.bytes, 0);
	free(t);
	free(ref);
}

static void test_timer_reserve_guarantees_start(void **state)
{
	(void)state;
	struct zsipi_mem mem;
	zsipi_mem_init(&mem, NULL);
	struct zsipi_timers ts;
	zsipi_timers_init(&ts, &mem);
	assert_int_equal(zsipi_timers_reserve(&ts, 1000), 0);
	assert_true(ts.cap >= 1000);
	size_t held = mem.bytes;
	struct tt *t = calloc(1000, sizeof(*t));
	for (int i = 0; i < 1000; i++) {
		zsipi_timer_init(&t[i].t);
		assert_int_equal(zsipi_timer_start(&ts, &t[i].t, (uint64_t)(1000 - i), record), 0);
	}
	assert_int_equal(mem.bytes, held); /* no allocation past the reservation */
	zsipi_timers_unreserve(&ts, 1000);
	zsipi_timers_run(&ts, 5000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(t[i].fired, 1);
	zsipi_timers_fini(&ts);
	free(t);
}

/* A heap grown for a burst of reservations goes back to its first size
 * once they are given back, so an idle stack returns to its empty size. */
static void test_timer_heap_grown_for_a_burst_shrinks_back_when_idle(void **state)
{
	(void)state;
	struct zsipi_mem mem;
	zsipi_mem_init(&mem, NULL);
	struct zsipi_timers ts;
	zsipi_timers_init(&ts, &mem);
	assert_int_equal(zsipi_timers_reserve(&ts, 64), 0);
	zsipi_timers_unreserve(&ts, 64);
	size_t idle = mem.bytes;
	for (int i = 0; i < 300; i++)
		assert_int_equal(zsipi_timers_reserve(&ts, 3), 0);
	assert_true(mem.bytes > idle);
	for (int i = 0; i < 300; i++)
		zsipi_timers_unreserve(&ts, 3);
	assert_int_equal(mem.bytes, idle);
	zsipi_timers_fini(&ts);
	assert_int_equal(mem.bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_fires_in_deadline_order),
		cmocka_unit_test(test_timer_equal_deadlines_fire_in_start_order),
		cmocka_unit_test(test_timer_many_durations_fire_by_deadline_then_start_order),
		cmocka_unit_test(test_timer_runs_only_what_is_due),
		cmocka_unit_test(test_timer_stop_and_restart),
		cmocka_unit_test(test_timer_zero_length_timer_started_in_callback_fires_same_run),
		cmocka_unit_test(test_timer_random_operations_match_reference),
		cmocka_unit_test(test_timer_reserve_guarantees_start),
		cmocka_unit_test(test_timer_heap_grown_for_a_burst_shrinks_back_when_idle),
	};
	return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
