/*
 * The reporter: the nightly report on mashwatchd's schedule
 * (mashwatch-report(5)).  While this daemon is the leader, from report.at local time
 * it runs `mashwatchctl report --send` for the previous day until that
 * succeeds, then on report.weekly the weekly pack on the Monday to Sunday
 * before and on the 1st the monthly pack on the month before; a daemon that was down at report.at does it when it comes back,
 * and mashwatch.reports makes a second run for a day already sent a no-op.
 */
#ifndef MASHWATCH_REPORTER_H
#define MASHWATCH_REPORTER_H

#include <stdbool.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"

struct event_base;
struct reporter;

/*
 * cfg and cal are borrowed (see reporter_reconfigure); config_path is the
 * file they came from, and snap (borrowed; -1: none) a copy of the bytes
 * they were loaded from (setup_config_snapshot): the child reads the copy
 * as its fd 3, named config_path (mashwatchctl --config-as), so an edit
 * of the file that a reload refused never reaches it.  is_leader(arg) is
 * asked before every run.
 */
struct reporter *reporter_new(struct event_base *base, const char *config_path,
    int snap, const struct config *cfg, const struct calendar *cal,
    bool (*is_leader)(void *arg), void *arg);
/* After a good reload: its config, calendar and copy of the bytes. */
void reporter_reconfigure(struct reporter *r, const struct config *cfg,
    const struct calendar *cal, int snap);
/* A run in progress is left to finish: its claim makes that safe. */
void reporter_free(struct reporter *r);

#endif
