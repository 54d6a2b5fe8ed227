/* Hooks shared by the fuzz targets that run a stack (fuzz_stack, fuzz_ua,
 * fuzz_registrar): a counting allocator that checks every sized free and
 * can fail the n-th allocation, and a ring of the last messages the stack
 * sent, for building what the peer answers. Header only: each target is
 * one translation unit, built with the library sources. */
#ifndef ZSIP_FUZZ_HOOKS_H
#define ZSIP_FUZZ_HOOKS_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zsip/stack.h"

/* -------------------------------------------------------- the allocator */

/* Give &mem as the allocator's user pointer. */
struct fuzz_mem {
	size_t live;                /* bytes held */
	unsigned long fail_after;   /* > 0: the fail_after-th allocation from now fails */
};

/* Each block keeps its size in front, so that the sized free is checked
 * (a wrong size aborts: ASan would not see it). */
static inline void *fuzz_mem_alloc(void *user, size_t n)
{
	struct fuzz_mem *m = user;
	if (m->fail_after && --m->fail_after == 0)
		return NULL;
	size_t *p = malloc(sizeof(max_align_t) + n);
	if (!p)
		return NULL;
	*p = n;
	m->live += n;
	return (char *)p + sizeof(max_align_t);
}

static inline void fuzz_mem_free(void *user, void *ptr, size_t n)
{
	struct fuzz_mem *m = user;
	if (!ptr)
		return;
	size_t *p = (size_t *)(void *)((char *)ptr - sizeof(max_align_t));
	if (*p != n) {
		fprintf(stderr, "fuzz: sized free of %zu bytes for a block of %zu\n", n, *p);
		abort();
	}
	m->live -= n;
	free(p);
}

/* ------------------------------------------------- what the stack sent */

#define FUZZ_SENT_KEEP 8
#define FUZZ_SENT_MAX 4096

struct fuzz_sent {
	char buf[FUZZ_SENT_KEEP][FUZZ_SENT_MAX + 1];    /* NUL-terminated copies */
	size_t len[FUZZ_SENT_KEEP];
	struct zsip_addr dst[FUZZ_SENT_KEEP];
	int tp[FUZZ_SENT_KEEP];
	unsigned n;                                     /* messages kept so far */
};

/* Keeps a message the send callback got (cut at FUZZ_SENT_MAX). Reads
 * every byte (ASan checks them) and aborts on a destination the
 * application could not use. */
static inline void fuzz_sent_keep(struct fuzz_sent *q, int tp, const struct zsip_addr *dst, const char *buf,
			   size_t len)
{
	if (dst->host[0] == '\0' || !memchr(dst->host, '\0', sizeof dst->host)) {
		fprintf(stderr, "fuzz: send to an unusable address\n");
		abort();
	}
	unsigned k = q->n++ % FUZZ_SENT_KEEP;
	size_t n = len < FUZZ_SENT_MAX ? len : FUZZ_SENT_MAX;
	memcpy(q->buf[k], buf, n);
	q->buf[k][n] = '\0';
	q->len[k] = n;
	q->dst[k] = *dst;
	q->tp[k] = tp;
}

/* The slot of the message sent back messages before the last (taken
 * modulo FUZZ_SENT_KEEP), or -1 when nothing was sent yet. */
static inline int fuzz_sent_slot(const struct fuzz_sent *q, unsigned back)
{
	if (!q->n)
		return -1;
	return (int)((q->n - 1 - back % FUZZ_SENT_KEEP) % FUZZ_SENT_KEEP);
}

#endif
