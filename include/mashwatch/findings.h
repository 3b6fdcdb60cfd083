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

/*
 * The forecast as of at (forecast.h), one "forecast" line per clock with
 * forecast = true and team: {"type":"forecast","clock","team","open",
 * "due_next","throughput","projected_breaches"}, throughput to two
 * places, with the stops of the 28 days up to at.  Returns the lines.
 */
size_t findings_print_forecast(FILE *out, const struct model *m,
    const struct calendar *cal, int64_t at);

/*
 * The handover as of at (handover.h): one "out_of_hours" line per clock
 * that started out of working hours [work_from, work_to) from the end of
 * the last working day before at's date up to at, in clock and start
 * order: {"type":"out_of_hours","clock","instance","child","team",
 * "priority","started_at","due_at","stopped","stopped_at"}.
 */
size_t findings_print_handover(FILE *out, const struct model *m,
    const struct calendar *cal, int work_from, int work_to, int64_t at);

#endif
