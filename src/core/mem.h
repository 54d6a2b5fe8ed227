/* Allocation through the application's hooks, with a byte count so that the
 * stack can report what it holds (zsip_stack_stats) and tests can prove that
 * memory stays flat. Internal. */
#ifndef ZSIPI_MEM_H
#define ZSIPI_MEM_H

#include <stddef.h>

#include "zsip/stack.h"

struct zsipi_mem {
	struct zsip_allocator a;
	size_t bytes;   /* held now */
	size_t peak;
};

/* a may be NULL or have NULL members: malloc/free. */
void zsipi_mem_init(struct zsipi_mem *m, const struct zsip_allocator *a);
/* NULL when the hook fails or n is 0. */
void *zsipi_mem_alloc(struct zsipi_mem *m, size_t n);
/* n must be the size given to zsipi_mem_alloc. p may be NULL. */
void zsipi_mem_free(struct zsipi_mem *m, void *p, size_t n);

#endif
