#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/strmap.h"
#include "mashwatch/xmalloc.h"

struct strmap_entry {
	struct strmap_entry	*next;
	void			*value;
	uint64_t		 hash;
	size_t			 len;
	char			 key[];
};

struct strmap {
	struct strmap_entry	**buckets;
	size_t			  nbuckets;	/* a power of two */
	size_t			  count;
};

/* FNV-1a, then a final mix so that the low bits used for buckets spread. */
uint64_t
strmap_hash(const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

struct strmap *
strmap_new(void)
{
	struct strmap *m = xcalloc(1, sizeof(*m));

	m->nbuckets = 16;
	m->buckets = xcalloc(m->nbuckets, sizeof(*m->buckets));
	return m;
}

void
strmap_free(struct strmap *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct strmap_entry *e = m->buckets[i], *next;
		for (; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(m->buckets);
	free(m);
}

static struct strmap_entry **
strmap_slot(const struct strmap *m, const char *key, size_t len, uint64_t h)
{
	struct strmap_entry **pp = &m->buckets[h & (m->nbuckets - 1)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->len == len &&
		    memcmp((*pp)->key, key, len) == 0)
			break;
	return pp;
}

void *
strmap_get(const struct strmap *m, const char *key, size_t len)
{
	struct strmap_entry **pp = strmap_slot(m, key, len, strmap_hash(key, len));

	return *pp ? (*pp)->value : NULL;
}

static void
strmap_grow(struct strmap *m)
{
	size_t n = m->nbuckets * 2;
	struct strmap_entry **b = xcalloc(n, sizeof(*b));

	for (size_t i = 0; i < m->nbuckets; i++) {
		struct strmap_entry *e = m->buckets[i], *next;
		for (; e != NULL; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
}

void *
strmap_put(struct strmap *m, const char *key, size_t len, void *value)
{
	uint64_t h = strmap_hash(key, len);
	struct strmap_entry **pp = strmap_slot(m, key, len, h), *e;
	void *old;

	if (*pp != NULL) {
		old = (*pp)->value;
		(*pp)->value = value;
		return old;
	}
	e = xmalloc(sizeof(*e) + len + 1);
	e->hash = h;
	e->len = len;
	e->value = value;
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	e->next = NULL;
	*pp = e;
	if (++m->count > m->nbuckets)
		strmap_grow(m);
	return NULL;
}

void *
strmap_del(struct strmap *m, const char *key, size_t len)
{
	struct strmap_entry **pp = strmap_slot(m, key, len,
	    strmap_hash(key, len)), *e = *pp;
	void *old;

	if (e == NULL)
		return NULL;
	old = e->value;
	*pp = e->next;
	free(e);
	m->count--;
	return old;
}

size_t
strmap_count(const struct strmap *m)
{
	return m->count;
}

void
strmap_foreach(const struct strmap *m,
    void (*fn)(void *arg, const char *key, size_t len, void *value), void *arg)
{
	for (size_t i = 0; i < m->nbuckets; i++)
		for (struct strmap_entry *e = m->buckets[i]; e; e = e->next)
			fn(arg, e->key, e->len, e->value);
}

const char *
strmap_intern(struct strmap *m, const char *s)
{
	size_t len;
	uint64_t h;
	struct strmap_entry **pp;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	h = strmap_hash(s, len);
	pp = strmap_slot(m, s, len, h);
	if (*pp == NULL) {
		strmap_put(m, s, len, NULL);
		pp = strmap_slot(m, s, len, h);
	}
	return (*pp)->key;
}
