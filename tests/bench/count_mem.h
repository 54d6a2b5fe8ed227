/* A counting allocator for the benchmarks: live and peak bytes through the
 * stack's allocator hooks (sized free), on top of malloc. */
#ifndef ZSIP_BENCH_COUNT_MEM_H
#define ZSIP_BENCH_COUNT_MEM_H

#include <stdlib.h>

struct count_mem {
	size_t live, peak;
	unsigned long allocs;   /* successful allocations */
};

static void *cm_alloc(void *user, size_t n)
{
	struct count_mem *m = user;
	void *p = malloc(n);
	if (p) {
		m->allocs++;
		m->live += n;
		if (m->live > m->peak)
			m->peak = m->live;
	}
	return p;
}

static void cm_free(void *user, void *p, size_t n)
{
	struct count_mem *m = user;
	if (p) {
		m->live -= n;
		free(p);
	}
}

#endif
