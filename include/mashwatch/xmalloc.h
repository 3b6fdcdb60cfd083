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

/*
 * Ask the kernel to fault in the pages wholly inside [p, p + len) now, in
 * one call, rather than one fault per page on first touch: on a virtual
 * machine a fault can cost ten microseconds.  Only a hint: where the
 * kernel cannot, nothing happens.  For large arrays just allocated or
 * grown.
 */
void xprefault(void *p, size_t len);

/*
 * For an array of cap bytes filled from the front, used bytes so far:
 * keep it faulted in a megabyte ahead of used; *done records how far.
 */
static inline void
xprefault_ahead(void *base, size_t used, size_t cap, size_t *done)
{
	size_t to;

	if (used <= *done)
		return;
	to = used + ((size_t)1 << 20);
	if (to > cap)
		to = cap;
	xprefault((char *)base + *done, to - *done);
	*done = to;
}

#endif
