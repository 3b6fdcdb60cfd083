/*
 * One full pass over the source, outside the loop: `mashwatchd --once`
 * and `mashwatchctl check-source`.
 */
#ifndef MASHWATCH_ONCE_H
#define MASHWATCH_ONCE_H

#include <stdbool.h>
#include <stdint.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"
#include "mashwatch/model.h"

#include "poller.h"

/*
 * Read every view into m (borrowed, fresh) in one full pass as of
 * at, the daemon's poller and validity rules, and end the pass.  Returns
 * EX_OK, or EX_UNAVAILABLE when the source cannot be read; st (may be
 * NULL) gets the pass's figures, and on failure st->refused says whether
 * the server refused a view with the session still up (which view, and
 * its SQLSTATE) rather than being out of reach.
 */
int once_load(const struct config *cfg, struct model *m, int64_t at,
    struct poll_stats *st);
/*
 * `mashwatchd --once`; returns a sysexits code.  replay: --at was
 * given, so a stop after it has not happened yet; otherwise the live
 * daemon's rules (a stop in the future is invalid).
 */
int once_run(const struct config *cfg, const struct calendar *cal,
    int64_t at, bool replay, bool all);

#endif
