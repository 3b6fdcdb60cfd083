/*
 * What the unit tests share: instants written as ISO strings, and a
 * calendar to test against.  Header-only (static inline), so that each
 * tests/unit/test_<module>.c still builds on its own against the library.
 * The tests run from the top of the tree, as `make unit` does.
 */
#ifndef MASHWATCH_TESTUTIL_H
#define MASHWATCH_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <stdlib.h>
#include <unistd.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The England and Wales bank holidays the example config names. */
#define HOLIDAYS	"etc/bank-holidays-england-and-wales.txt"

/*
 * "YYYY-MM-DDTHH:MM:SS" then "Z", "+HH:MM" or "-HH:MM" (nothing: UTC) as
 * epoch seconds, by timegm(3), never by the code under test: the oracle
 * for the calendar and zone tests.  A malformed string fails the test.
 */
static inline int64_t
tu_at(const char *s)
{
	struct tm tm;
	int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, oh = 0, om = 0;
	int64_t t;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) < 19 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo,
	    &d, &h, &mi, &se) != 6) {
		print_error("bad test instant %s\n", s);
		fail();
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = (int64_t)timegm(&tm);
	if (s[19] == 'Z' || s[19] == '\0')
		return t;
	if (sscanf(s + 20, "%2d:%2d", &oh, &om) != 2) {
		print_error("bad test offset %s\n", s);
		fail();
	}
	return s[19] == '-' ? t + oh * 3600 + om * 60 : t - oh * 3600 - om * 60;
}

/*
 * An ISO instant read by calendar_parse_iso (cal NULL: the string must
 * carry its offset), for tests of modules above the calendar.
 */
static inline int64_t
tu_iso(const struct calendar *cal, const char *iso)
{
	int64_t t = 0;

	if (calendar_parse_iso(cal, iso, &t) != 0) {
		print_error("bad test instant %s\n", iso);
		fail();
	}
	return t;
}

/*
 * A calendar in zone with these working weekdays (CAL_MON_FRI), with the
 * bank holidays of HOLIDAYS when asked.  Fails the test on any error; the
 * caller frees it with calendar_free.
 */
static inline struct calendar *
tu_calendar(const char *zone, unsigned weekdays, bool holidays)
{
	struct calendar *cal;
	char err[256];

	if ((cal = calendar_new(zone, weekdays, err, sizeof(err))) == NULL) {
		print_error("calendar_new %s: %s\n", zone, err);
		fail();
	}
	if (holidays && calendar_load_holidays(cal, HOLIDAYS, err,
	    sizeof(err)) == -1) {
		print_error("%s\n", err);
		calendar_free(cal);
		fail();
	}
	return cal;
}

/*
 * A config loaded from text, written to a temporary file whose name goes
 * into path (at least 32 bytes; the caller unlinks it).  Fails the test,
 * printing every error, when it does not load.
 */
static inline struct config *
tu_config(const char *text, char *path, size_t len)
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg;
	FILE *fp;
	int fd;

	snprintf(path, len, "/tmp/mashwatch-test.XXXXXX");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		fail_msg("cannot write a config in /tmp");
	fputs(text, fp);
	fclose(fp);
	if ((cfg = config_load(path, &errs)) == NULL) {
		for (size_t i = 0; i < errs.n; i++)
			print_error("%s\n", errs.v[i]);
		config_errors_clear(&errs);
		fail();
	}
	config_errors_clear(&errs);
	return cfg;
}

#endif
