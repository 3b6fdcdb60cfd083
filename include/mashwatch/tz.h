/*
 * Time zones read from the system's TZif files (/usr/share/zoneinfo, or
 * $TZDIR), so that a calendar owns its zone and nothing touches the
 * process-wide TZ.  Instants are seconds since the epoch (UTC); "local
 * seconds" are the same count read on the zone's wall clock.
 */
#ifndef MASHWATCH_TZ_H
#define MASHWATCH_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/*
 * Load the zone called name ("Europe/London", "UTC").  Returns NULL and a
 * message in err if the name is unsafe or the file missing or malformed.
 * The caller owns the result; free it with tz_free.
 */
struct tz *tz_load(const char *name, char *err, size_t errlen);
void tz_free(struct tz *tz);
const char *tz_name(const struct tz *tz);

/* Offset east of UTC, in seconds, in force at instant t. */
int tz_offset_at(const struct tz *tz, int64_t t);

/*
 * The instant at which the zone's wall clock reads `local`.  When that wall
 * time happens twice (autumn) the earlier instant; when it never happens
 * (spring gap) the first instant after the gap.
 */
int64_t tz_local_to_utc(const struct tz *tz, int64_t local);

/*
 * Civil-date arithmetic (proleptic Gregorian, no zone involved), the one
 * copy the calendar and the zone rules share.  Day numbers count from
 * day 0 = 1970-01-01; months run 1-12.
 */
int64_t tz_days_from_civil(int64_t y, int m, int d);
/* The date of day number z, into *y, *m (1-12) and *d (1-31). */
void tz_civil_from_days(int64_t z, int64_t *y, int *m, int *d);
/* 0 = Sunday, as in struct tm. */
int tz_weekday_of_days(int64_t z);
int tz_month_days(int64_t y, int m);
/* a / b rounded towards minus infinity (b != 0). */
int64_t tz_floor_div(int64_t a, int64_t b);

#endif
