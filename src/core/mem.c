/* Allocator hooks with accounting. */
#include <stdlib.h>

#include "core/mem.h"

static void *default_alloc(void *user, size_t size)
{
	(void)user;
	return malloc(size);
}

static void default_free(void *user, void *ptr, size_t size)
{
	(void)user;
	(void)size;
	free(ptr);
}

void zsipi_mem_init(struct zsipi_mem *m, const struct zsip_allocator *a)
{
	m->bytes = 0;
	m->peak = 0;
	/* Both hooks or neither: mixing the application's alloc with libc's
	 * free would corrupt its heap. */
	if (a && a->alloc && a->free) {
		m->a = *a;
	} else {
		m->a.alloc = default_alloc;
		m->a.free = default_free;
		m->a.user = NULL;
	}
}

void *zsipi_mem_alloc(struct zsipi_mem *m, size_t n)
{
	if (n == 0)
		return NULL;
	void *p = m->a.alloc(m->a.user, n);
	if (p) {
		m->bytes += n;
		if (m->bytes > m->peak)
			m->peak = m->bytes;
	}
	return p;
}

void zsipi_mem_free(struct zsipi_mem *m, void *p, size_t n)
{
	if (!p)
		return;
	m->bytes -= n;
	m->a.free(m->a.user, p, n);
}
