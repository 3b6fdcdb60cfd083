/*
 * Allocation that never returns NULL: on exhaustion it prints a message and
 * aborts, so callers never check.  The daemon cannot do anything useful
 * without memory, and a half-built alert is worse than a restart.
 */
#ifndef MASHWATCH_XMALLOC_H
#define MASHWATCH_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
/* xstrdup(NULL) returns NULL. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
