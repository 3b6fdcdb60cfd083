/*
 * Timescales: the strings with units that limits, warnings, escalations and
 * windows are written in ("1 working day", "24 hours", "3 months").
 */
#ifndef MASHWATCH_TIMESCALE_H
#define MASHWATCH_TIMESCALE_H

#include <stdbool.h>
#include <stddef.h>

enum ts_unit {
	TS_HOURS,		/* elapsed time, blind to clock changes */
	TS_DAYS,		/* local calendar dates */
	TS_WORKING_DAYS,	/* local dates that are working days */
	TS_MONTHS,		/* local calendar months: windows only */
};

struct timescale {
	enum ts_unit	unit;
	int		n;	/* 0 .. TS_MAX_N */
};

#define TS_MAX_N	10000

/* Which units a setting accepts: a bit per enum ts_unit. */
#define TS_ALLOW_LIMIT	((1u << TS_HOURS) | (1u << TS_DAYS) | (1u << TS_WORKING_DAYS))
#define TS_ALLOW_WINDOW	(TS_ALLOW_LIMIT | (1u << TS_MONTHS))
/* How long something is kept: elapsed or calendar time, not working days. */
#define TS_ALLOW_AGE	((1u << TS_HOURS) | (1u << TS_DAYS) | (1u << TS_MONTHS))

/*
 * Parse "N hours", "N days", "N working days" or "N months" (singular or
 * plural, surrounding blanks ignored) into *ts.  Units outside `allowed` are
 * refused.  On error returns -1 and writes a message that says what is
 * allowed into err.
 */
int timescale_parse(const char *s, unsigned allowed, struct timescale *ts,
    char *err, size_t errlen);

/* Format *ts as it would be written in the config ("1 working day"). */
void timescale_format(const struct timescale *ts, char *buf, size_t len);

#endif
