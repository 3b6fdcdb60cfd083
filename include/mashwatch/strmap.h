/*
 * A chained hash table from byte strings to pointers, and a string interner
 * built on it.  Keys are copied; values are the caller's.
 */
#ifndef MASHWATCH_STRMAP_H
#define MASHWATCH_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap;

struct strmap *strmap_new(void);
/* Frees the table and its key copies, not the values. */
void strmap_free(struct strmap *m);
void *strmap_get(const struct strmap *m, const char *key, size_t len);
/* Insert or replace; returns the previous value or NULL. */
void *strmap_put(struct strmap *m, const char *key, size_t len, void *value);
void *strmap_del(struct strmap *m, const char *key, size_t len);
size_t strmap_count(const struct strmap *m);
/* Visit every entry; fn may not change the map. */
void strmap_foreach(const struct strmap *m,
    void (*fn)(void *arg, const char *key, size_t len, void *value), void *arg);

/* A stable copy of s owned by the map, shared by equal strings; NULL stays NULL. */
const char *strmap_intern(struct strmap *m, const char *s);

uint64_t strmap_hash(const char *key, size_t len);

#endif
