/*
 * The working-day calendar: a time zone, the working weekdays and a list of
 * holidays.  Everything here is pure: instants in, instants out.
 *
 * doc/contract.md defines the arithmetic:
 * - "N hours" is elapsed time and ignores the clock change.
 * - "N days" and "N working days" follow local dates: the start's local date
 *   is day 0 (working day or not), step forward to the Nth (working) date
 *   after it; the deadline is the end of that date, i.e. the local midnight
 *   that starts the next date.
 * - "N months" (windows only) steps local dates back or forward by calendar
 *   months, clamping to the end of a shorter month.
 */
#ifndef MASHWATCH_CALENDAR_H
#define MASHWATCH_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mashwatch/timescale.h"

struct calendar;

/* A local calendar date. */
struct cal_date {
	int	year;
	int	month;	/* 1-12 */
	int	day;	/* 1-31 */
};

/* Bit (1 << wday) per working weekday, wday 0 = Sunday as in struct tm. */
#define CAL_MON_FRI	0x3e

/*
 * A calendar in zone tzname with the given working weekdays and no holidays.
 * Returns NULL with a message in err if the zone cannot be loaded.  The
 * caller owns the result; free it with calendar_free.
 */
struct calendar *calendar_new(const char *tzname, unsigned working_weekdays,
    char *err, size_t errlen);
void calendar_free(struct calendar *cal);

/*
 * Read holidays from path: one ISO date (YYYY-MM-DD) per line, blank lines
 * and lines starting with '#' ignored.  On a bad line returns -1 with
 * "PATH:LINE: message" in err.
 */
int calendar_load_holidays(struct calendar *cal, const char *path, char *err,
    size_t errlen);
void calendar_add_holiday(struct calendar *cal, struct cal_date d);

/* First and last year the holiday list covers (0 when empty). */
int calendar_first_year(const struct calendar *cal);
int calendar_last_year(const struct calendar *cal);
/* False when t's local date lies beyond the last year of the holiday list. */
bool calendar_covers(const struct calendar *cal, int64_t t);

const char *calendar_tzname(const struct calendar *cal);

/* Local date, and offset east of UTC, of instant t. */
struct cal_date calendar_date_of(const struct calendar *cal, int64_t t);
int calendar_utc_offset(const struct calendar *cal, int64_t t);
/* The instant of local midnight that starts date d. */
int64_t calendar_start_of(const struct calendar *cal, struct cal_date d);
bool calendar_is_working_day(const struct calendar *cal, struct cal_date d);

/* Date arithmetic on plain dates (no zone involved). */
struct cal_date cal_date_add_days(struct cal_date d, int n);
struct cal_date cal_date_add_months(struct cal_date d, int n);
int cal_date_cmp(struct cal_date a, struct cal_date b);
/* Days from b to a (a - b). */
int cal_date_diff(struct cal_date a, struct cal_date b);
int cal_date_weekday(struct cal_date d);	/* 0 = Sunday */
/* Parse "YYYY-MM-DD" exactly; -1 if malformed or not a real date. */
int cal_date_parse(const char *s, struct cal_date *d);

/* The deadline of a clock that started at `start` with limit ts. */
int64_t calendar_due(const struct calendar *cal, int64_t start,
    const struct timescale *ts);
/*
 * When to warn, ts before due_at.  A working-day warning lands at the start
 * of a working date: warn_before = 1 working day before a working-day
 * deadline is the start of the due date.  Never before start.
 */
int64_t calendar_warn(const struct calendar *cal, int64_t start,
    int64_t due_at, const struct timescale *ts);
/*
 * When to escalate, ts after due_at: hours add elapsed time; days and
 * working days count from the due date (the local date of due_at - 1s), so
 * 1 working day is the end of the next working day after the due date.
 */
int64_t calendar_escalate(const struct calendar *cal, int64_t due_at,
    const struct timescale *ts);
/* The instant ts before t (for windows: TIME - 3 months). */
int64_t calendar_subtract(const struct calendar *cal, int64_t t,
    const struct timescale *ts);

/*
 * Whole working days after a's local date up to and including b's local
 * date: 0 when both fall on the same date, negative when b is before a.
 * Used for "how late" and for ages ("started on D: 0").
 */
int calendar_working_days_between(const struct calendar *cal, int64_t a,
    int64_t b);

/*
 * Format t as ISO 8601 with the calendar's UTC offset, e.g.
 * "2022-04-20T00:00:00+01:00" (needs 26 bytes).
 */
void calendar_format_iso(const struct calendar *cal, int64_t t, char *buf,
    size_t len);
/*
 * The one time syntax of both programs (due, ack, silence, report, --at):
 * ISO 8601 "YYYY-MM-DDTHH:MM[:SS]", optionally followed by "Z" or
 * "+HH:MM"/"-HH:MM" (a space may stand for the T), or a date alone
 * "YYYY-MM-DD", which means the start of that day in the calendar's zone.
 * Without an offset the time is the calendar's local time (a time in a
 * spring-forward gap: the first instant after it; in an autumn overlap:
 * the earlier).  With cal NULL only a time with an offset is read.
 * Returns -1 if malformed.
 */
int calendar_parse_iso(const struct calendar *cal, const char *s,
    int64_t *t);

#endif
