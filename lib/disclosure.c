/*
 * Statistical disclosure control (include/mashwatch/disclosure.h): primary
 * suppression of small counts, then secondary suppression line by line
 * until every line with a total holds no suppressed cell or two or more.
 */
#include "mashwatch/disclosure.h"

bool
disclosure_is_small(uint64_t n)
{
	return n >= 1 && n <= DISCLOSURE_MAX_SMALL;
}

uint64_t
disclosure_round(uint64_t n)
{
	return (n + DISCLOSURE_ROUND / 2) / DISCLOSURE_ROUND * DISCLOSURE_ROUND;
}

/*
 * Better choice for a secondary: a count over a total (a total is what
 * readers want most), a positive count over a zero (a zero is often
 * known to be zero, so hiding it protects little), then the smallest.
 */
static bool
better(uint64_t v, bool total, uint64_t bv, bool btotal)
{
	if (total != btotal)
		return !total;
	if ((v == 0) != (bv == 0))
		return v != 0;
	return v < bv;
}

/*
 * One line: n cells at v[first + k * step], the last one its total.
 * Returns true when it suppressed a cell.
 */
static bool
line_protect(const uint64_t *v, enum disclosure_mark *mark, size_t first,
    size_t step, size_t n)
{
	size_t suppressed = 0, best = 0;
	bool have = false;

	for (size_t k = 0; k < n; k++)
		if (mark[first + k * step] != DM_SHOWN)
			suppressed++;
	if (suppressed != 1)
		return false;
	for (size_t k = 0; k < n; k++) {
		size_t i = first + k * step;
		bool total = k == n - 1;

		if (mark[i] != DM_SHOWN)
			continue;
		if (!have || better(v[i], total, v[best],
		    best == first + (n - 1) * step)) {
			best = i;
			have = true;
		}
	}
	if (!have)
		return false;
	mark[best] = DM_SECONDARY;
	return true;
}

void
disclosure_suppress(const uint64_t *v, size_t rows, size_t cols,
    bool row_totals, bool col_totals, enum disclosure_mark *mark)
{
	bool changed = true;

	for (size_t i = 0; i < rows * cols; i++)
		mark[i] = disclosure_is_small(v[i]) ? DM_PRIMARY : DM_SHOWN;
	/* Each pass suppresses at least one cell or stops: it ends. */
	while (changed) {
		changed = false;
		for (size_t r = 0; row_totals && cols > 1 && r < rows; r++)
			if (line_protect(v, mark, r * cols, 1, cols))
				changed = true;
		for (size_t c = 0; col_totals && rows > 1 && c < cols; c++)
			if (line_protect(v, mark, c, cols, rows))
				changed = true;
	}
}
