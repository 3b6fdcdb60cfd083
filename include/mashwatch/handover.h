/*
 * The morning handover: which clocks started while the office was closed.
 * Pure: instants, the calendar and notify.working_hours in, answers out.
 *
 * "Out of hours" is a local time on a non-working date, or before the
 * start or at or after the end of notify.working_hours on a working date.
 * The handover window of an instant t runs from the end of working hours
 * on the last working date before t's local date up to t: what the morning
 * digest lists under "Arrived out of hours", and what `mashwatchd --once`
 * prints as "out_of_hours" lines.
 */
#ifndef MASHWATCH_HANDOVER_H
#define MASHWATCH_HANDOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "mashwatch/calendar.h"

/*
 * The instant of local time `minute` (minutes after midnight, 0..1440) on
 * date d; 1440 is the midnight that starts the next date.  On a date the
 * clock changes, the wall-clock time is kept (18:00 is 18:00 local).
 */
int64_t handover_local_time(const struct calendar *cal, struct cal_date d,
    int minute);

/*
 * Whether instant t is out of hours for working hours [work_from,
 * work_to), in minutes after local midnight.
 */
bool handover_out_of_hours(const struct calendar *cal, int work_from,
    int work_to, int64_t t);

/*
 * The start of the handover window of t: work_to on the last working date
 * before t's local date.  A calendar always has a working weekday, so there
 * is one (looked for at most a year back; else a year before t).
 */
int64_t handover_since(const struct calendar *cal, int work_to, int64_t t);

#endif
