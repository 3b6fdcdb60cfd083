/*
 * Statistical disclosure control of a table of counts, as the Government
 * Statistical Service does it for children's social care: counts from 1 to
 * 5 are shown as "c" (primary suppression), enough other cells are
 * suppressed that no "c" can be worked out from the row and column totals
 * (secondary suppression), and totals are rounded to the nearest 5.
 *
 * Pure: a grid of counts in, a mark per cell out.
 */
#ifndef MASHWATCH_DISCLOSURE_H
#define MASHWATCH_DISCLOSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Counts from 1 to this are suppressed. */
#define DISCLOSURE_MAX_SMALL	5
/* Totals are shown rounded to a multiple of this. */
#define DISCLOSURE_ROUND	5

enum disclosure_mark {
	DM_SHOWN,		/* shown (a total: rounded) */
	DM_PRIMARY,		/* a count from 1 to 5 */
	DM_SECONDARY,		/* suppressed so that no primary can be recovered */
};

/*
 * Mark the cells of a rows x cols grid v (row-major, v[r * cols + c]).
 * When row_totals is true the last column holds each row's total (so a
 * row is one linear relation: its cells add up to its total); when
 * col_totals is true the last row holds each column's total, and the
 * corner, when both are set, the grand total.  Totals are cells like any
 * other: a total from 1 to 5 is a primary too, and a total may be chosen
 * as a secondary when nothing else in its line is left.
 *
 * Primary: every cell from 1 to DISCLOSURE_MAX_SMALL.  Secondary, until
 * nothing changes: in any line (a row with its total, a column with its
 * total) that has exactly one suppressed cell, that cell could be worked
 * out by subtraction, so the smallest other cell of the line is
 * suppressed too: the smallest positive count that is not a total, else
 * the smallest zero that is not a total, else the line's total (ties: the
 * first).  A line without a total is no relation and is left alone.  The
 * result is that every line holds no suppressed cell or at least two.
 * mark must have room for rows * cols entries.
 */
void disclosure_suppress(const uint64_t *v, size_t rows, size_t cols,
    bool row_totals, bool col_totals, enum disclosure_mark *mark);

/* n rounded to the nearest multiple of DISCLOSURE_ROUND (halves up). */
uint64_t disclosure_round(uint64_t n);

/* Is n a count that primary suppression hides (1 to 5)? */
bool disclosure_is_small(uint64_t n);

#endif
