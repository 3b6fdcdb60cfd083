/*
 * The pool hands out distinct, writable objects of every size up to
 * POOL_MAX, takes them back, and reuses them; freeing the pool frees
 * whatever is still out (LeakSanitizer and valgrind check that).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mashwatch/pool.h"

#include "testutil.h"

#define N	3000

static const size_t sizes[] = { 1, 15, 16, 17, 100, 120, 136, 255, 512,
    1000, POOL_MAX };

/* Every object keeps the bytes written to it while others come and go. */
static void
test_pool_objects(void **state)
{
	static unsigned char *obj[N];
	static size_t len[N];
	struct pool *p = pool_new();
	size_t i, j;

	(void)state;
	for (i = 0; i < N; i++) {
		len[i] = sizes[i % NELEM(sizes)];
		obj[i] = pool_alloc(p, len[i]);
		assert_true(((uintptr_t)obj[i] & 7) == 0);
		memset(obj[i], (int)(i & 0xff), len[i]);
	}
	/* Give back every third, take the same sizes again: reused or new. */
	for (i = 0; i < N; i += 3)
		pool_release(p, obj[i], len[i]);
	for (i = 0; i < N; i += 3) {
		obj[i] = pool_alloc(p, len[i]);
		memset(obj[i], (int)(i & 0xff), len[i]);
	}
	for (i = 0; i < N; i++)
		for (j = 0; j < len[i]; j++)
			if (obj[i][j] != (unsigned char)(i & 0xff))
				fail_msg("object %zu byte %zu overwritten", i, j);
	/* Half still out when the pool goes. */
	for (i = 0; i < N; i += 2)
		pool_release(p, obj[i], len[i]);
	pool_free_all(p);
}

/* A released object is the next one handed out at its size. */
static void
test_pool_reuse(void **state)
{
	struct pool *p = pool_new();
	void *a, *b;

	(void)state;
	a = pool_alloc(p, 120);
	pool_release(p, a, 120);
	b = pool_alloc(p, 113);		/* same 16-byte class */
#if !defined(__SANITIZE_ADDRESS__)
	assert_ptr_equal(a, b);
#endif
	pool_release(p, b, 113);
	pool_free_all(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_objects),
		cmocka_unit_test(test_pool_reuse),
	};

	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
