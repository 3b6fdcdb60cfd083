/*
 * What `mashwatchd -t` checks beyond the config's syntax: what would make
 * a valid config fail once running.  Offline: the files it names exist
 * with safe modes, libpq service names resolve in the service file libpq
 * would read, the holiday list covers today and the year ahead.  With
 * --connect: both databases and the SMTP relay, as the daemon would use
 * them, without sending anything.
 */
#ifndef MASHWATCH_PREFLIGHT_H
#define MASHWATCH_PREFLIGHT_H

#include <stdint.h>
#include <stdio.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"

/* Days ahead the holiday list must cover for -t to say nothing. */
#define PREFLIGHT_HOLIDAYS_AHEAD	365

/*
 * The offline checks as of `now`: each error is a line "mashwatchd: ..."
 * on fp, each warning "mashwatchd: warning: ...".  Returns the number of
 * errors (warnings do not count): the caller exits 78 when it is not 0.
 */
int preflight_offline(const struct config *cfg, const struct calendar *cal,
    int64_t now, FILE *fp);

/*
 * Connect to the source and state databases (the state's schema version
 * checked as at start) and, for the smtp transport, the relay: greeting,
 * EHLO, STARTTLS when notify.require_starttls or smtps, AUTH when
 * notify.smtp_user is set; no MAIL FROM, nothing sent.  One line per
 * check on fp, "ok" or "mashwatchd: NAME: why".  Returns the number that
 * failed.
 */
int preflight_connect(const struct config *cfg, FILE *fp);

/*
 * The instant (Unix time) just after the holiday list's last year ends in
 * the calendar's zone; 0 when the list is empty (no holidays declared).
 */
int64_t preflight_holidays_until(const struct calendar *cal);

#endif
