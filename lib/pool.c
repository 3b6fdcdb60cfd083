#include <stdint.h>
#include <stdlib.h>

#include "mashwatch/pool.h"
#include "mashwatch/xmalloc.h"

#define GRAIN		16
#define CLASSES		(POOL_MAX / GRAIN)
#define SLAB_SIZE	(64 * 1024)

#if defined(__SANITIZE_ADDRESS__)
#define POOL_MALLOC	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_MALLOC	1
#endif
#endif

struct free_obj {
	struct free_obj	*next;
};

struct slab {
	struct slab	*next;
	size_t		 used;
	/* Objects follow, GRAIN-aligned. */
};

#define SLAB_HEAD	((sizeof(struct slab) + GRAIN - 1) & ~(size_t)(GRAIN - 1))

/* Under the sanitizer: each object is a malloc() behind this header. */
struct loose {
	struct loose	*prev, *next;
	/* The object follows, GRAIN-aligned. */
};

#define LOOSE_HEAD	((sizeof(struct loose) + GRAIN - 1) & ~(size_t)(GRAIN - 1))

struct pool {
	struct free_obj	*free[CLASSES];
	struct slab	*current[CLASSES];	/* where the next new one comes from */
	struct slab	*slabs;			/* all of them, to free */
	struct loose	*loose;			/* objects out, under the sanitizer */
};

struct pool *
pool_new(void)
{
	return xcalloc(1, sizeof(struct pool));
}

void
pool_free_all(struct pool *p)
{
	struct slab *s, *next;

	if (p == NULL)
		return;
	for (s = p->slabs; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	while (p->loose != NULL) {
		struct loose *l = p->loose;
		p->loose = l->next;
		free(l);
	}
	free(p);
}

static size_t
pool_class(size_t size)
{
	if (size == 0 || size > POOL_MAX)
		abort();
	return (size + GRAIN - 1) / GRAIN - 1;
}

#ifdef POOL_MALLOC

void *
pool_alloc(struct pool *p, size_t size)
{
	struct loose *l = xmalloc(LOOSE_HEAD + size);

	(void)pool_class(size);
	l->prev = NULL;
	l->next = p->loose;
	if (l->next != NULL)
		l->next->prev = l;
	p->loose = l;
	return (char *)l + LOOSE_HEAD;
}

void
pool_release(struct pool *p, void *obj, size_t size)
{
	struct loose *l = (struct loose *)(void *)((char *)obj - LOOSE_HEAD);

	(void)pool_class(size);
	if (l->prev != NULL)
		l->prev->next = l->next;
	else
		p->loose = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
	free(l);
}

#else

void *
pool_alloc(struct pool *p, size_t size)
{
	size_t k = pool_class(size), len = (k + 1) * GRAIN;
	struct free_obj *f = p->free[k];
	struct slab *s = p->current[k];
	void *obj;

	if (f != NULL) {
		p->free[k] = f->next;
		return f;
	}
	if (s == NULL || s->used + len > SLAB_SIZE) {
		s = xmalloc(SLAB_SIZE);
		xprefault(s, SLAB_SIZE);
		s->used = SLAB_HEAD;
		s->next = p->slabs;
		p->slabs = s;
		p->current[k] = s;
	}
	obj = (char *)s + s->used;
	s->used += len;
	return obj;
}

void
pool_release(struct pool *p, void *obj, size_t size)
{
	size_t k = pool_class(size);
	struct free_obj *f = obj;

	f->next = p->free[k];
	p->free[k] = f;
}

#endif
