/*
 * Disclosure control: primary suppression of counts 1 to 5, secondary
 * suppression so that no "c" can be recovered from the row and column
 * totals, and totals rounded to 5.  Tables of grids: each expected mark is
 * '.' shown, 'P' primary, 'S' secondary, row by row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mashwatch/disclosure.h"

#include "testutil.h"

#define MAXCELLS	32

struct grid_case {
	const char	*name;
	size_t		 rows, cols;
	bool		 row_totals, col_totals;
	uint64_t	 v[MAXCELLS];
	const char	*want;		/* rows * cols marks */
};

static const struct grid_case grids[] = {
	{ "nothing small", 2, 3, true, false,
	  { 10, 20, 30, 6, 7, 13 }, "......" },
	/* One suppressed cell in a row: its total would give it away. */
	{ "one suppressed cell in a row", 2, 3, true, false,
	  { 3, 10, 13, 20, 30, 50 }, "PS...." },
	/* Two in a row and column: the classic rectangle of four. */
	{ "two in a row and column", 3, 3, true, true,
	  { 3, 10, 13, 20, 30, 50, 23, 40, 63 }, "PS.SS...." },
	{ "three authorities and a region total", 4, 3, true, true,
	  { 3, 40, 43, 20, 30, 50, 25, 60, 85, 48, 130, 178 },
	  "PS.SS......." },
	/* A total of 6 from two small counts: both c, the total shown. */
	{ "a total of 6 from 1 and 5", 1, 3, true, false,
	  { 1, 5, 6 }, "PP." },
	{ "a total of 6 from 2 and 4 in a column", 3, 1, false, true,
	  { 2, 4, 6 }, "PP." },
	{ "a total of 6 from 6 and 0", 1, 3, true, false,
	  { 6, 0, 6 }, "..." },
	/* A small total is a primary itself. */
	{ "a small total", 1, 3, true, false, { 2, 2, 4 }, "PPP" },
	{ "a zero and a small total", 1, 3, true, false, { 4, 0, 4 }, "P.P" },
	/* A positive count is taken before a zero, a count before a total. */
	{ "positive before zero", 1, 4, true, false,
	  { 3, 0, 7, 10 }, "P.S." },
	{ "zero when nothing else", 1, 3, true, false,
	  { 3, 0, 3 }, "P.P" },
	{ "zero before the total", 1, 4, true, false,
	  { 3, 0, 0, 3 }, "P..P" },
	{ "the total when it is all that is left", 2, 1, false, true,
	  { 4, 10 }, "PS" },
	{ "smallest first, ties to the first", 1, 5, true, false,
	  { 4, 9, 8, 8, 29 }, "P.S.." },
	/* Lines without a total are no relation: nothing to recover. */
	{ "no totals", 2, 2, false, false, { 3, 10, 20, 30 }, "P..." },
	/* A secondary can start a chain through another column. */
	{ "chain", 3, 4, true, true,
	  { 2, 50, 60, 112, 40, 7, 70, 117, 42, 57, 130, 229 },
	  "PS..SS......" },
	/* Zero is never primary; 6 is not small. */
	{ "edges of small", 1, 4, false, false, { 0, 1, 5, 6 }, ".PP." },
};

static void
test_disclosure_grids(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(grids); i++) {
		const struct grid_case *g = &grids[i];
		enum disclosure_mark mark[MAXCELLS];
		char got[MAXCELLS + 1];
		size_t n = g->rows * g->cols;

		assert_int_equal(strlen(g->want), n);
		disclosure_suppress(g->v, g->rows, g->cols, g->row_totals,
		    g->col_totals, mark);
		for (size_t k = 0; k < n; k++)
			got[k] = mark[k] == DM_SHOWN ? '.' :
			    mark[k] == DM_PRIMARY ? 'P' : 'S';
		got[n] = '\0';
		if (strcmp(got, g->want) != 0)
			fail_msg("%s: got %s, want %s", g->name, got, g->want);
	}
}

/*
 * Whatever the counts, afterwards every line with a total holds no
 * suppressed cell or at least two, and every count from 1 to 5 is hidden.
 */
static void
test_disclosure_lines_safe(void **state)
{
	enum disclosure_mark mark[6 * 5];
	uint64_t v[6 * 5];
	unsigned seed = 27;

	(void)state;
	for (int trial = 0; trial < 2000; trial++) {
		size_t rows = 2 + (size_t)(rand_r(&seed) % 5);
		size_t cols = 2 + (size_t)(rand_r(&seed) % 4);

		/* Interior counts, mostly small, then the totals. */
		for (size_t r = 0; r + 1 < rows; r++) {
			uint64_t sum = 0;

			for (size_t c = 0; c + 1 < cols; c++) {
				v[r * cols + c] = (uint64_t)(rand_r(&seed) %
				    (trial % 2 ? 12 : 40));
				sum += v[r * cols + c];
			}
			v[r * cols + cols - 1] = sum;
		}
		for (size_t c = 0; c < cols; c++) {
			uint64_t sum = 0;

			for (size_t r = 0; r + 1 < rows; r++)
				sum += v[r * cols + c];
			v[(rows - 1) * cols + c] = sum;
		}
		disclosure_suppress(v, rows, cols, true, true, mark);
		for (size_t r = 0; r < rows; r++) {
			size_t n = 0;

			for (size_t c = 0; c < cols; c++)
				n += mark[r * cols + c] != DM_SHOWN;
			if (n == 1)
				fail_msg("trial %d: row %zu has one c", trial, r);
		}
		for (size_t c = 0; c < cols; c++) {
			size_t n = 0;

			for (size_t r = 0; r < rows; r++)
				n += mark[r * cols + c] != DM_SHOWN;
			if (n == 1)
				fail_msg("trial %d: column %zu has one c", trial,
				    c);
		}
		for (size_t k = 0; k < rows * cols; k++)
			if (disclosure_is_small(v[k]) && mark[k] != DM_PRIMARY)
				fail_msg("trial %d: %" PRIu64 " shown", trial,
				    v[k]);
	}
}

static const struct {
	uint64_t n, want;
} rounds[] = {
	{ 0, 0 }, { 2, 0 }, { 3, 5 }, { 5, 5 }, { 6, 5 }, { 7, 5 },
	{ 8, 10 }, { 12, 10 }, { 13, 15 }, { 178, 180 }, { 1002, 1000 },
};

static void
test_disclosure_round(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(rounds); i++)
		if (disclosure_round(rounds[i].n) != rounds[i].want)
			fail_msg("round(%" PRIu64 ") = %" PRIu64 ", want %"
			    PRIu64, rounds[i].n,
			    disclosure_round(rounds[i].n), rounds[i].want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disclosure_grids),
		cmocka_unit_test(test_disclosure_lines_safe),
		cmocka_unit_test(test_disclosure_round),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
