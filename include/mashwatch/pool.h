/*
 * Small objects of many sizes, carved from 64 KB slabs that are faulted
 * in at once, with a free list per size.  For the model's clock
 * instances: a million of them from malloc cost a page fault every
 * thirty, and on a virtual machine a page fault can cost ten
 * microseconds.  Built with AddressSanitizer, every object is its own
 * malloc() so that the sanitizer still sees each one.
 */
#ifndef MASHWATCH_POOL_H
#define MASHWATCH_POOL_H

#include <stddef.h>

#define POOL_MAX	1024	/* the largest object a pool hands out */

struct pool;

struct pool *pool_new(void);
/* Frees every object still out, and the pool. */
void pool_free_all(struct pool *p);
void *pool_alloc(struct pool *p, size_t size);
/* size: as given to pool_alloc. */
void pool_release(struct pool *p, void *obj, size_t size);

#endif
