/*
 * The JSON lines of `mashwatchd --once` (mashwatchd(8), --once): a public
 * interface, so the keys and their order are fixed here and nowhere else.
 */
#ifndef MASHWATCH_FINDINGS_H
#define MASHWATCH_FINDINGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mashwatch/calendar.h"
#include "mashwatch/model.h"

/*
 * Print the model's findings as of at: open clocks at due_soon and worse
 * (with all: every instance open or stopped in the 28 days up to at), then
 * repeats, failed checks and invalid rows.  Returns the number of lines.
 */
size_t findings_print(FILE *out, const struct model *m,
    const struct calendar *cal, int64_t at, bool all);

#endif
