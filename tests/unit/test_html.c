/* Unit tests for lib/html.c: every byte value, against a table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mashwatch/html.h"

#include "testutil.h"

static void
test_html_entity(void **state)
{
	static const struct {
		char		 c;
		const char	*want;
	} cases[] = {
		{ '&', "&amp;" },
		{ '<', "&lt;" },
		{ '>', "&gt;" },
		{ '"', "&quot;" },
		{ '\'', "&#39;" },
	};
	const char *want;

	(void)state;
	/* The five above are escaped; every other byte stands for itself. */
	for (int c = -128; c < 128; c++) {
		want = NULL;
		for (size_t i = 0; i < NELEM(cases); i++)
			if (cases[i].c == (char)c)
				want = cases[i].want;
		if (want == NULL)
			assert_null(html_entity((char)c));
		else
			assert_string_equal(html_entity((char)c), want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_entity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
