/*
 * Unit tests for lib/calendar.c against the real England and Wales bank
 * holiday file (tests run from the repository root).
 *
 * Every expected value was worked out by hand from a printed calendar and
 * the holiday list, and is written as an ISO string with its offset; tu_at()
 * turns it into epoch seconds with timegm(3), not with the code under test.
 * BST: 2020-03-29..10-25, 2021-03-28..10-31, 2022-03-27..10-30,
 * 2023-03-26..10-29, 2028-03-26..10-29, 2045-03-26..10-29.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mashwatch/calendar.h"

#include "testutil.h"

#define H(n)	{ TS_HOURS, (n) }
#define D(n)	{ TS_DAYS, (n) }
#define WD(n)	{ TS_WORKING_DAYS, (n) }
#define M(n)	{ TS_MONTHS, (n) }

static struct cal_date
ymd(int y, int m, int d)
{
	struct cal_date cd = { y, m, d };

	return cd;
}

/* Compare an instant; on a mismatch say which row and what came out. */
static int
check_instant(const struct calendar *cal, const char *what, int64_t got,
    const char *want)
{
	char buf[32];

	if (got == tu_at(want))
		return 0;
	calendar_format_iso(cal, got, buf, sizeof(buf));
	print_error("%s: got %s, want %s\n", what, buf, want);
	return 1;
}

static int
setup(void **state)
{
	unsetenv("TZDIR");
	*state = NULL;
	return 0;
}

static void
test_calendar_new_errors(void **state)
{
	char err[256];

	(void)state;
	assert_null(calendar_new("Mars/Olympus_Mons", CAL_MON_FRI, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "Mars/Olympus_Mons"));
	assert_null(calendar_new("../etc/passwd", CAL_MON_FRI, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "not a safe time zone name"));
	/* No working weekday would make working-day deadlines endless. */
	assert_null(calendar_new("Europe/London", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "working"));
	calendar_free(NULL);
}

static const struct due_row {
	const char		*start;
	struct timescale	 ts;
	const char		*due;
	const char		*why;
} due_rows[] = {
	{ "2022-04-14T10:00:00+01:00", WD(1), "2022-04-20T00:00:00+01:00",
	  "DESIGN example: Thu, Good Friday and Easter Monday off, "
	  "due Tue 19th" },
	{ "2022-04-14T10:00:00+01:00", WD(0), "2022-04-15T00:00:00+01:00",
	  "0 working days: the end of the start date" },
	{ "2022-04-13T10:00:00+01:00", WD(2), "2022-04-20T00:00:00+01:00",
	  "Wed: Thu 14th, then Tue 19th after Easter" },
	{ "2022-04-09T10:00:00+01:00", WD(1), "2022-04-12T00:00:00+01:00",
	  "start on a Saturday: Mon 11th is the first working day" },
	{ "2022-04-10T15:00:00+01:00", WD(1), "2022-04-12T00:00:00+01:00",
	  "start on a Sunday: Mon 11th" },
	{ "2022-04-09T10:00:00+01:00", WD(0), "2022-04-10T00:00:00+01:00",
	  "Saturday is day 0 though not a working day" },
	{ "2022-04-16T09:00:00+01:00", WD(1), "2022-04-20T00:00:00+01:00",
	  "Easter Saturday: Sun, Easter Monday, then Tue 19th" },
	{ "2022-04-15T12:00:00+01:00", WD(3), "2022-04-22T00:00:00+01:00",
	  "Good Friday start: Tue 19, Wed 20, Thu 21" },
	{ "2020-12-24T10:00:00+00:00", WD(1), "2020-12-30T00:00:00+00:00",
	  "Christmas 2020: Fri 25 and substitute Mon 28 off, Tue 29" },
	{ "2020-12-31T16:00:00+00:00", WD(1), "2021-01-05T00:00:00+00:00",
	  "New Year 2021 (Fri): Mon 4 January" },
	{ "2021-12-24T09:00:00+00:00", WD(1), "2021-12-30T00:00:00+00:00",
	  "Christmas 2021 on a weekend: substitutes Mon 27 and Tue 28" },
	{ "2021-12-31T09:00:00+00:00", WD(1), "2022-01-05T00:00:00+00:00",
	  "New Year 2022 on a Saturday: substitute Mon 3, due Tue 4" },
	{ "2022-12-23T14:00:00+00:00", WD(2), "2022-12-30T00:00:00+00:00",
	  "Christmas 2022 on a Sunday: Mon 26, Tue 27 off; Wed 28, "
	  "Thu 29" },
	{ "2022-12-30T11:00:00+00:00", WD(1), "2023-01-04T00:00:00+00:00",
	  "New Year 2023 on a Sunday: substitute Mon 2, due Tue 3" },
	{ "2022-09-16T10:00:00+01:00", WD(1), "2022-09-21T00:00:00+01:00",
	  "one-off: the Queen's funeral, Mon 19 September 2022" },
	{ "2023-05-05T10:00:00+01:00", WD(1), "2023-05-10T00:00:00+01:00",
	  "one-off: the Coronation, Mon 8 May 2023" },
	{ "2023-04-28T10:00:00+01:00", WD(1), "2023-05-03T00:00:00+01:00",
	  "Early May bank holiday Mon 1 May 2023" },
	{ "2022-03-25T10:00:00+00:00", WD(1), "2022-03-29T00:00:00+01:00",
	  "working days across the spring change: Mon 28, BST midnight" },
	{ "2022-03-27T00:30:00+00:00", WD(1), "2022-03-29T00:00:00+01:00",
	  "start on the spring-change Sunday, before 01:00 GMT" },
	{ "2022-10-28T10:00:00+01:00", WD(1), "2022-11-01T00:00:00+00:00",
	  "working days across the autumn change: Mon 31, GMT midnight" },
	{ "2022-10-30T01:30:00+00:00", WD(1), "2022-11-01T00:00:00+00:00",
	  "start in the repeated hour (second 01:30, GMT)" },
	{ "2022-03-26T12:00:00+00:00", H(24), "2022-03-27T13:00:00+01:00",
	  "24 elapsed hours over the spring change: 25 on the wall "
	  "clock" },
	{ "2022-10-29T12:00:00+01:00", H(24), "2022-10-30T11:00:00+00:00",
	  "24 elapsed hours over the autumn change: 23 on the wall "
	  "clock" },
	{ "2022-03-26T10:00:00+00:00", D(1), "2022-03-28T00:00:00+01:00",
	  "1 day over the spring change: end of Sunday, a 23h day" },
	{ "2022-10-29T10:00:00+01:00", D(1), "2022-10-31T00:00:00+00:00",
	  "1 day over the autumn change: end of Sunday, a 25h day" },
	{ "2022-07-07T00:00:00+01:00", WD(1), "2022-07-09T00:00:00+01:00",
	  "start at local midnight: Thursday is day 0" },
	{ "2022-07-07T23:59:00+01:00", WD(1), "2022-07-09T00:00:00+01:00",
	  "start at 23:59: still Thursday" },
	{ "2022-07-07T23:59:59+01:00", WD(1), "2022-07-09T00:00:00+01:00",
	  "the last second of Thursday" },
	{ "2022-07-08T00:00:00+01:00", WD(1), "2022-07-12T00:00:00+01:00",
	  "midnight starts Friday: due Monday 11th" },
	{ "2022-06-30T23:30:00Z", WD(1), "2022-07-05T00:00:00+01:00",
	  "23:30Z Thu is 00:30 BST Fri 1 July: day 0 is the Friday" },
	{ "2022-12-15T10:00:00+00:00", WD(15), "2023-01-11T00:00:00+00:00",
	  "15 working days over Christmas 2022 and New Year 2023" },
	{ "2021-12-13T10:00:00+00:00", WD(15), "2022-01-07T00:00:00+00:00",
	  "15 working days over Christmas 2021 and New Year 2022" },
	{ "2020-11-16T09:00:00+00:00", WD(45), "2021-01-22T00:00:00+00:00",
	  "45 working days over Christmas 2020: Thu 21 January" },
	{ "2028-03-20T10:00:00+00:00", WD(5), "2028-03-28T00:00:00+01:00",
	  "2028 is past the file: weekdays only, BST from 26 March" },
	{ "2027-12-23T10:00:00+00:00", WD(5), "2028-01-04T00:00:00+00:00",
	  "off the end of the file: 27 and 28 December off, then "
	  "weekdays into 2028" },
	{ "2015-12-23T10:00:00+00:00", WD(3), "2015-12-29T00:00:00+00:00",
	  "2015 is before the file: Christmas Day counts" },
	{ "2015-12-30T10:00:00+00:00", WD(3), "2016-01-06T00:00:00+00:00",
	  "from before the file into it: 1 January 2016 is off" },
	{ "2045-03-24T10:00:00+00:00", WD(1), "2045-03-28T00:00:00+01:00",
	  "2045: the zone's footer rule puts Mon 27 in BST" },
	{ "2022-04-14T10:00:00+01:00", D(3), "2022-04-18T00:00:00+01:00",
	  "3 days: Sunday 17th, holidays do not matter" },
	{ "2022-04-14T10:00:00+01:00", D(0), "2022-04-15T00:00:00+01:00",
	  "0 days: end of the start date" },
	{ "2022-12-30T11:00:00+00:00", D(7), "2023-01-07T00:00:00+00:00",
	  "7 days over New Year: Friday 6 January" },
	{ "2022-04-14T10:00:00+01:00", H(0), "2022-04-14T10:00:00+01:00",
	  "0 hours: due at once" },
	{ "2022-04-14T10:00:00+01:00", H(1), "2022-04-14T11:00:00+01:00",
	  "1 hour" },
	{ "2022-12-24T10:00:00+00:00", H(48), "2022-12-26T10:00:00+00:00",
	  "hours ignore holidays" },
	{ "2022-01-31T10:00:00+00:00", M(1), "2022-03-01T00:00:00+00:00",
	  "months (windows only): 31 Jan + 1 month clamps to 28 Feb" },
};

static void
test_calendar_due(void **state)
{
	const struct due_row *r;
	struct calendar *cal;
	char what[160];
	size_t i;
	int bad = 0;

	(void)state;
	cal = tu_calendar("Europe/London", CAL_MON_FRI, true);
	for (i = 0; i < NELEM(due_rows); i++) {
		r = &due_rows[i];
		snprintf(what, sizeof(what), "due %s (%s)", r->start, r->why);
		bad += check_instant(cal, what,
		    calendar_due(cal, tu_at(r->start), &r->ts), r->due);
	}
	calendar_free(cal);
	assert_int_equal(bad, 0);
}

static void
test_calendar_due_other_calendars(void **state)
{
	static const struct timescale wd1 = WD(1), d1 = D(1);
	struct calendar *cal;
	int bad = 0;

	(void)state;
	/* New York, no holidays: the US change is the 2nd Sunday of March. */
	cal = tu_calendar("America/New_York", CAL_MON_FRI, false);
	bad += check_instant(cal, "NY over the spring change",
	    calendar_due(cal, tu_at("2022-03-11T10:00:00-05:00"), &wd1),
	    "2022-03-15T00:00:00-04:00");
	bad += check_instant(cal, "NY over the autumn change",
	    calendar_due(cal, tu_at("2022-11-04T10:00:00-04:00"), &wd1),
	    "2022-11-08T00:00:00-05:00");
	/* 23:30 EST Friday is Saturday in UTC; day 0 stays Friday. */
	bad += check_instant(cal, "NY evening",
	    calendar_due(cal, tu_at("2022-01-07T23:30:00-05:00"), &wd1),
	    "2022-01-11T00:00:00-05:00");
	calendar_free(cal);

	/* Monday to Saturday: Saturdays count, holidays still do not. */
	cal = tu_calendar("Europe/London", CAL_MON_FRI | 1u << 6, true);
	bad += check_instant(cal, "Mon-Sat: Friday to Saturday",
	    calendar_due(cal, tu_at("2022-04-08T10:00:00+01:00"), &wd1),
	    "2022-04-10T00:00:00+01:00");
	bad += check_instant(cal, "Mon-Sat: Easter Saturday works",
	    calendar_due(cal, tu_at("2022-04-14T10:00:00+01:00"), &wd1),
	    "2022-04-17T00:00:00+01:00");
	calendar_free(cal);

	/* Sao Paulo, 2018: clocks went from 00:00 to 01:00 on 4 November. */
	cal = tu_calendar("America/Sao_Paulo", CAL_MON_FRI, false);
	bad += check_instant(cal, "a day that starts at 01:00",
	    calendar_due(cal, tu_at("2018-11-02T10:00:00-03:00"), &d1),
	    "2018-11-04T01:00:00-02:00");
	bad += check_instant(cal, "start of a date with no midnight",
	    calendar_start_of(cal, ymd(2018, 11, 4)),
	    "2018-11-04T01:00:00-02:00");
	calendar_free(cal);
	assert_int_equal(bad, 0);
}

static const struct warn_row {
	const char		*start;
	const char		*due;
	struct timescale	 ts;
	const char		*warn;
	const char		*why;
} warn_rows[] = {
	{ "2022-04-14T10:00:00+01:00", "2022-04-20T00:00:00+01:00",
	  WD(1), "2022-04-19T00:00:00+01:00",
	  "1 working day before a working-day deadline: start of the "
	  "due date" },
	{ "2022-04-14T10:00:00+01:00", "2022-04-20T00:00:00+01:00",
	  WD(2), "2022-04-14T10:00:00+01:00",
	  "2 back over Easter is Thu 14th 00:00, before start: start" },
	{ "2022-04-14T10:00:00+01:00", "2022-04-20T00:00:00+01:00",
	  WD(0), "2022-04-20T00:00:00+01:00", "0: at due_at" },
	{ "2022-12-15T10:00:00+00:00", "2023-01-11T00:00:00+00:00",
	  WD(3), "2023-01-06T00:00:00+00:00",
	  "Tue 10, Mon 9, Fri 6 January" },
	{ "2022-12-15T10:00:00+00:00", "2023-01-11T00:00:00+00:00",
	  WD(6), "2023-01-03T00:00:00+00:00",
	  "back to Tue 3 January" },
	{ "2022-12-15T10:00:00+00:00", "2023-01-11T00:00:00+00:00",
	  WD(7), "2022-12-30T00:00:00+00:00",
	  "over the substitute Mon 2 January and the weekend" },
	{ "2022-04-12T10:00:00+01:00", "2022-04-16T10:00:00+01:00",
	  WD(1), "2022-04-14T00:00:00+01:00",
	  "due on Easter Saturday (hours): not working, nor Good "
	  "Friday; Thu 14th" },
	{ "2022-04-06T10:00:00+01:00", "2022-04-11T00:00:00+01:00",
	  WD(1), "2022-04-08T00:00:00+01:00",
	  "due date a Sunday (days limit): Friday" },
	{ "2022-03-25T10:00:00+00:00", "2022-03-29T00:00:00+01:00",
	  WD(1), "2022-03-28T00:00:00+01:00",
	  "start of Monday after the spring change is 23:00Z Sunday" },
	{ "2022-10-20T10:00:00+01:00", "2022-11-02T00:00:00+00:00",
	  WD(2), "2022-10-31T00:00:00+00:00",
	  "Tue 1 Nov, Mon 31 Oct (GMT)" },
	{ "2022-10-20T10:00:00+01:00", "2022-11-02T00:00:00+00:00",
	  WD(3), "2022-10-28T00:00:00+01:00",
	  "Fri 28 Oct, still BST" },
	{ "2022-04-14T10:00:00+01:00", "2022-04-20T00:00:00+01:00",
	  H(2), "2022-04-19T22:00:00+01:00", "2 hours before" },
	{ "2022-03-26T00:00:00+00:00", "2022-03-27T12:00:00+01:00",
	  H(12), "2022-03-26T23:00:00+00:00",
	  "12 elapsed hours back over the spring change" },
	{ "2022-04-14T10:00:00+01:00", "2022-04-15T10:00:00+01:00",
	  H(48), "2022-04-14T10:00:00+01:00",
	  "more hours than the clock has run: start" },
	{ "2022-04-14T10:00:00+01:00", "2022-04-15T10:00:00+01:00",
	  H(0), "2022-04-15T10:00:00+01:00", "0 hours: due_at" },
	{ "2022-04-14T10:00:00+01:00", "2022-04-20T00:00:00+01:00",
	  D(1), "2022-04-19T00:00:00+01:00",
	  "1 day before a midnight deadline: start of the due date" },
	{ "2022-10-27T10:00:00+01:00", "2022-11-01T00:00:00+00:00",
	  D(3), "2022-10-29T00:00:00+01:00",
	  "3 local days back over the autumn change (73 hours)" },
	{ "2022-04-14T10:00:00+01:00", "2022-04-20T00:00:00+01:00",
	  D(10), "2022-04-14T10:00:00+01:00", "clamped to start" },
};

static void
test_calendar_warn(void **state)
{
	const struct warn_row *r;
	struct calendar *cal;
	char what[160];
	size_t i;
	int bad = 0;

	(void)state;
	cal = tu_calendar("Europe/London", CAL_MON_FRI, true);
	for (i = 0; i < NELEM(warn_rows); i++) {
		r = &warn_rows[i];
		snprintf(what, sizeof(what), "warn %s (%s)", r->due, r->why);
		bad += check_instant(cal, what,
		    calendar_warn(cal, tu_at(r->start),
		    tu_at(r->due), &r->ts), r->warn);
	}
	calendar_free(cal);
	assert_int_equal(bad, 0);
}

static const struct escalate_row {
	const char		*due;
	struct timescale	 ts;
	const char		*esc;
	const char		*why;
} escalate_rows[] = {
	{ "2022-04-20T00:00:00+01:00", WD(1), "2022-04-21T00:00:00+01:00",
	  "due date Tue 19th: end of Wed 20th" },
	{ "2022-04-15T00:00:00+01:00", WD(1), "2022-04-20T00:00:00+01:00",
	  "due date Thu 14th: over Easter to Tue 19th" },
	{ "2022-12-24T00:00:00+00:00", WD(2), "2022-12-30T00:00:00+00:00",
	  "due date Fri 23 Dec: Wed 28, Thu 29" },
	{ "2021-12-25T00:00:00+00:00", WD(1), "2021-12-30T00:00:00+00:00",
	  "due date Fri 24 Dec 2021: substitutes 27, 28; Wed 29" },
	{ "2022-03-26T00:00:00+00:00", WD(1), "2022-03-29T00:00:00+01:00",
	  "due date Fri 25 Mar: Mon 28, after the spring change" },
	{ "2022-04-14T10:00:00+01:00", WD(1), "2022-04-20T00:00:00+01:00",
	  "hours-based due_at Thu 10:00: due date Thu, then Tue 19th" },
	{ "2022-04-14T10:00:00+01:00", WD(0), "2022-04-14T10:00:00+01:00",
	  "0: escalate at due_at" },
	{ "2022-03-26T12:00:00+00:00", H(24), "2022-03-27T13:00:00+01:00",
	  "24 elapsed hours over the spring change" },
	{ "2022-04-20T00:00:00+01:00", H(0), "2022-04-20T00:00:00+01:00",
	  "0 hours: due_at" },
	{ "2022-10-29T00:00:00+01:00", D(2), "2022-10-31T00:00:00+00:00",
	  "due date Fri 28 Oct: end of Sun 30 (GMT)" },
	{ "2022-04-14T10:00:00+01:00", D(1), "2022-04-16T00:00:00+01:00",
	  "hours-based due_at: end of the next date, Good Friday" },
};

static void
test_calendar_escalate(void **state)
{
	const struct escalate_row *r;
	struct calendar *cal;
	char what[160];
	size_t i;
	int bad = 0;

	(void)state;
	cal = tu_calendar("Europe/London", CAL_MON_FRI, true);
	for (i = 0; i < NELEM(escalate_rows); i++) {
		r = &escalate_rows[i];
		snprintf(what, sizeof(what), "escalate %s (%s)", r->due,
		    r->why);
		bad += check_instant(cal, what,
		    calendar_escalate(cal, tu_at(r->due), &r->ts), r->esc);
	}
	calendar_free(cal);
	assert_int_equal(bad, 0);
}

static const struct subtract_row {
	const char		*t;
	struct timescale	 ts;
	const char		*want;
	const char		*why;
} subtract_rows[] = {
	{ "2022-04-20T10:00:00+01:00", WD(3), "2022-04-13T10:00:00+01:00",
	  "back over Easter 2022: Tue 19, Thu 14, Wed 13; Mon 18, Fri 15 "
	  "off" },
	{ "2016-01-05T10:00:00+00:00", WD(3), "2015-12-30T10:00:00+00:00",
	  "back out of the file: 1 January 2016 off, 31 December counts" },
	{ "2028-01-04T10:00:00+00:00", WD(5), "2027-12-24T10:00:00+00:00",
	  "back from past the file into it: 27 and 28 December off" },
	{ "2022-05-31T12:00:00+01:00", M(3), "2022-02-28T12:00:00+00:00",
	  "31 May - 3 months clamps to 28 Feb, same wall time in GMT" },
	{ "2024-05-31T10:00:00+01:00", M(3), "2024-02-29T10:00:00+00:00",
	  "leap year: 29 Feb" },
	{ "2024-02-29T09:00:00+00:00", M(12), "2023-02-28T09:00:00+00:00",
	  "29 Feb - 12 months" },
	{ "2022-04-27T00:00:00+01:00", M(3), "2022-01-27T00:00:00+00:00",
	  "report window: (D - 3 months, D]" },
	{ "2023-01-31T08:00:00+00:00", M(2), "2022-11-30T08:00:00+00:00",
	  "across the year end, clamped to 30 Nov" },
	{ "2022-04-27T01:30:00+01:00", M(1), "2022-03-27T02:00:00+01:00",
	  "27 Mar 01:30 never happened: first instant after the gap" },
	{ "2022-11-30T01:30:00+00:00", M(1), "2022-10-30T01:30:00+01:00",
	  "30 Oct 01:30 happened twice: the earlier (BST)" },
	{ "2022-03-28T10:00:00+01:00", D(2), "2022-03-26T10:00:00+00:00",
	  "days keep the wall time: 47 elapsed hours" },
	{ "2022-04-19T15:00:00+01:00", WD(1), "2022-04-14T15:00:00+01:00",
	  "1 working day back over Easter" },
	{ "2022-04-16T10:00:00+01:00", WD(1), "2022-04-14T10:00:00+01:00",
	  "from Easter Saturday" },
	{ "2023-01-03T09:00:00+00:00", WD(3), "2022-12-28T09:00:00+00:00",
	  "Dec 30, 29, 28 over the substitute 2 January" },
	{ "2022-03-27T12:00:00+01:00", H(24), "2022-03-26T11:00:00+00:00",
	  "24 elapsed hours over the spring change" },
	{ "2022-03-27T12:00:00+01:00", H(0), "2022-03-27T12:00:00+01:00",
	  "0 hours" },
	{ "2022-03-27T12:00:00+01:00", M(0), "2022-03-27T12:00:00+01:00",
	  "0 months" },
};

static void
test_calendar_subtract(void **state)
{
	const struct subtract_row *r;
	struct calendar *cal;
	char what[160];
	size_t i;
	int bad = 0;

	(void)state;
	cal = tu_calendar("Europe/London", CAL_MON_FRI, true);
	for (i = 0; i < NELEM(subtract_rows); i++) {
		r = &subtract_rows[i];
		snprintf(what, sizeof(what), "subtract %s (%s)", r->t, r->why);
		bad += check_instant(cal, what,
		    calendar_subtract(cal, tu_at(r->t), &r->ts), r->want);
	}
	calendar_free(cal);
	assert_int_equal(bad, 0);
}

static void
test_calendar_working_days_between(void **state)
{
	static const struct {
		const char	*a;
		const char	*b;
		int		 n;
		const char	*why;
	} rows[] = {
		{ "2022-04-14T10:00:00+01:00", "2022-04-14T23:59:00+01:00", 0,
		  "same date" },
		{ "2022-04-14T23:00:00+01:00", "2022-04-14T01:00:00+01:00", 0,
		  "same date, b earlier in the day" },
		{ "2022-04-14T10:00:00+01:00", "2022-04-19T09:00:00+01:00", 1,
		  "over Easter: only Tue 19th" },
		{ "2022-04-19T09:00:00+01:00", "2022-04-14T10:00:00+01:00", -1,
		  "the mirror: negative" },
		{ "2022-07-08T10:00:00+01:00", "2022-07-10T10:00:00+01:00", 0,
		  "Friday to Sunday" },
		{ "2022-07-08T10:00:00+01:00", "2022-07-11T10:00:00+01:00", 1,
		  "Friday to Monday" },
		{ "2022-07-09T10:00:00+01:00", "2022-07-11T08:00:00+01:00", 1,
		  "Saturday to Monday" },
		{ "2022-07-09T10:00:00+01:00", "2022-07-10T10:00:00+01:00", 0,
		  "Saturday to Sunday" },
		{ "2022-07-10T10:00:00+01:00", "2022-07-09T10:00:00+01:00", 0,
		  "Sunday back to Saturday" },
		{ "2022-07-11T10:00:00+01:00", "2022-07-08T10:00:00+01:00", -1,
		  "Monday back to Friday" },
		{ "2020-11-16T09:00:00+00:00", "2021-01-21T17:00:00+00:00", 45,
		  "the 45-working-day assessment over Christmas 2020" },
		{ "2021-01-21T17:00:00+00:00", "2020-11-16T09:00:00+00:00", -45,
		  "and back" },
		{ "2022-12-15T10:00:00+00:00", "2023-01-10T10:00:00+00:00", 15,
		  "the 15-working-day case" },
		{ "2022-12-23T10:00:00+00:00", "2023-01-03T10:00:00+00:00", 4,
		  "Dec 28, 29, 30 and Jan 3" },
		{ "2021-12-31T12:00:00+00:00", "2022-12-31T12:00:00+00:00", 250,
		  "all of 2022: 260 weekdays less 10 weekday holidays" },
		{ "2022-06-30T22:00:00Z", "2022-06-30T23:30:00Z", 1,
		  "same UTC date, but Thu 30 June to Fri 1 July in London" },
		{ "2022-03-25T10:00:00+00:00", "2022-03-28T23:30:00+01:00", 1,
		  "over the spring change, late Monday" },
		{ "2027-12-31T10:00:00+00:00", "2028-01-07T10:00:00+00:00", 5,
		  "past the file: 3-7 January 2028, New Year unknown" },
	};
	struct calendar *cal;
	size_t i;
	int bad = 0, n;

	(void)state;
	cal = tu_calendar("Europe/London", CAL_MON_FRI, true);
	for (i = 0; i < NELEM(rows); i++) {
		n = calendar_working_days_between(cal, tu_at(rows[i].a),
		    tu_at(rows[i].b));
		if (n != rows[i].n) {
			print_error("%s .. %s (%s): got %d, want %d\n",
			    rows[i].a, rows[i].b, rows[i].why, n, rows[i].n);
			bad++;
		}
	}
	calendar_free(cal);
	assert_int_equal(bad, 0);
}

static void
test_calendar_is_working_day(void **state)
{
	static const struct {
		struct cal_date	d;
		bool		working;
		const char	*why;
	} rows[] = {
		{ { 2022, 4, 14 }, true, "Thursday before Easter" },
		{ { 2022, 4, 15 }, false, "Good Friday" },
		{ { 2022, 4, 16 }, false, "Saturday" },
		{ { 2022, 4, 17 }, false, "Sunday" },
		{ { 2022, 4, 18 }, false, "Easter Monday" },
		{ { 2022, 4, 19 }, true, "Tuesday after Easter" },
		{ { 2020, 12, 25 }, false, "Christmas 2020 (Friday)" },
		{ { 2020, 12, 28 }, false, "Boxing Day 2020 substitute" },
		{ { 2021, 12, 27 }, false, "Christmas 2021 substitute" },
		{ { 2021, 12, 28 }, false, "Boxing Day 2021 substitute" },
		{ { 2022, 1, 3 }, false, "New Year 2022 substitute" },
		{ { 2022, 12, 25 }, false, "Christmas 2022: a Sunday" },
		{ { 2022, 12, 26 }, false, "Boxing Day 2022" },
		{ { 2022, 12, 27 }, false, "Christmas 2022 substitute" },
		{ { 2023, 1, 2 }, false, "New Year 2023 substitute" },
		{ { 2022, 9, 19 }, false, "the Queen's funeral" },
		{ { 2022, 9, 20 }, true, "the day after" },
		{ { 2023, 5, 8 }, false, "the Coronation" },
		{ { 2022, 6, 2 }, false, "Platinum Jubilee (Thursday)" },
		{ { 2022, 6, 3 }, false, "Platinum Jubilee (Friday)" },
		{ { 2028, 4, 14 }, true, "Good Friday 2028: past the file" },
	};
	struct calendar *cal;
	size_t i;
	int bad = 0;

	(void)state;
	cal = tu_calendar("Europe/London", CAL_MON_FRI, true);
	for (i = 0; i < NELEM(rows); i++) {
		if (calendar_is_working_day(cal, rows[i].d) !=
		    rows[i].working) {
			print_error("%04d-%02d-%02d (%s)\n", rows[i].d.year,
			    rows[i].d.month, rows[i].d.day, rows[i].why);
			bad++;
		}
	}
	calendar_free(cal);
	assert_int_equal(bad, 0);
}

static void
test_calendar_coverage(void **state)
{
	struct calendar *cal;
	struct timescale wd5 = WD(5);

	(void)state;
	cal = tu_calendar("Europe/London", CAL_MON_FRI, true);
	assert_string_equal(calendar_tzname(cal), "Europe/London");
	assert_int_equal(calendar_first_year(cal), 2016);
	assert_int_equal(calendar_last_year(cal), 2027);
	assert_true(calendar_covers(cal, tu_at("2016-01-01T00:00:00Z")));
	assert_true(calendar_covers(cal, tu_at("2027-12-31T23:59:59Z")));
	assert_false(calendar_covers(cal, tu_at("2028-01-01T00:00:00Z")));
	assert_false(calendar_covers(cal, tu_at("2028-03-20T10:00:00Z")));
	/* Not covered, yet a deadline all the same. */
	assert_int_equal(calendar_due(cal, tu_at("2028-03-20T10:00:00Z"), &wd5),
	    tu_at("2028-03-28T00:00:00+01:00"));
	/* The local date decides: 23:30Z on 31 Dec 2027 in Tokyo is 2028. */
	calendar_free(cal);
	cal = tu_calendar("Asia/Tokyo", CAL_MON_FRI, true);
	assert_false(calendar_covers(cal, tu_at("2027-12-31T23:30:00Z")));
	assert_true(calendar_covers(cal, tu_at("2027-12-31T14:59:59Z")));
	calendar_free(cal);
	/* No holidays at all: nothing is covered. */
	cal = tu_calendar("Europe/London", CAL_MON_FRI, false);
	assert_int_equal(calendar_first_year(cal), 0);
	assert_int_equal(calendar_last_year(cal), 0);
	assert_false(calendar_covers(cal, tu_at("2022-01-01T12:00:00Z")));
	calendar_add_holiday(cal, ymd(2030, 1, 2));
	calendar_add_holiday(cal, ymd(2025, 12, 25));
	calendar_add_holiday(cal, ymd(2030, 1, 2));
	assert_int_equal(calendar_first_year(cal), 2025);
	assert_int_equal(calendar_last_year(cal), 2030);
	assert_false(calendar_is_working_day(cal, ymd(2030, 1, 2)));
	assert_true(calendar_is_working_day(cal, ymd(2030, 1, 3)));
	calendar_free(cal);
}

static void
test_calendar_local_dates(void **state)
{
	static const struct {
		const char	*t;
		struct cal_date	 d;
		int		 off;
		const char	*why;
	} rows[] = {
		{ "2022-06-30T23:30:00Z", { 2022, 7, 1 }, 3600,
		  "BST: already 1 July" },
		{ "2022-06-30T22:59:59Z", { 2022, 6, 30 }, 3600,
		  "BST: still 30 June" },
		{ "2022-01-01T00:00:00Z", { 2022, 1, 1 }, 0, "GMT midnight" },
		{ "2021-12-31T23:59:59Z", { 2021, 12, 31 }, 0, "GMT" },
		{ "2022-03-27T00:59:59Z", { 2022, 3, 27 }, 0,
		  "before the spring change" },
		{ "2022-03-27T01:00:00Z", { 2022, 3, 27 }, 3600,
		  "after the spring change" },
		{ "2022-10-30T00:59:59Z", { 2022, 10, 30 }, 3600,
		  "before the autumn change" },
		{ "2022-10-30T01:00:00Z", { 2022, 10, 30 }, 0,
		  "after the autumn change" },
		{ "1969-12-31T23:00:00Z", { 1970, 1, 1 }, 3600,
		  "before the epoch, British Standard Time" },
	};
	static const struct {
		struct cal_date	 d;
		const char	*start;
		const char	*why;
	} starts[] = {
		{ { 2022, 3, 27 }, "2022-03-27T00:00:00+00:00",
		  "the spring-change day starts in GMT" },
		{ { 2022, 3, 28 }, "2022-03-28T00:00:00+01:00",
		  "the next in BST" },
		{ { 2022, 10, 30 }, "2022-10-30T00:00:00+01:00",
		  "the autumn-change day starts in BST" },
		{ { 2022, 10, 31 }, "2022-10-31T00:00:00+00:00",
		  "the next in GMT" },
		{ { 2060, 7, 1 }, "2060-07-01T00:00:00+01:00",
		  "footer rule" },
	};
	struct calendar *cal;
	struct cal_date d;
	char what[128];
	size_t i;
	int bad = 0;

	(void)state;
	cal = tu_calendar("Europe/London", CAL_MON_FRI, true);
	for (i = 0; i < NELEM(rows); i++) {
		d = calendar_date_of(cal, tu_at(rows[i].t));
		if (cal_date_cmp(d, rows[i].d) != 0 ||
		    calendar_utc_offset(cal, tu_at(rows[i].t)) != rows[i].off) {
			print_error("%s (%s): got %04d-%02d-%02d %d\n",
			    rows[i].t, rows[i].why, d.year, d.month, d.day,
			    calendar_utc_offset(cal, tu_at(rows[i].t)));
			bad++;
		}
	}
	for (i = 0; i < NELEM(starts); i++) {
		snprintf(what, sizeof(what), "start of %04d-%02d-%02d (%s)",
		    starts[i].d.year, starts[i].d.month, starts[i].d.day,
		    starts[i].why);
		bad += check_instant(cal, what,
		    calendar_start_of(cal, starts[i].d), starts[i].start);
	}
	calendar_free(cal);
	assert_int_equal(bad, 0);
}

static void
test_cal_date_arithmetic(void **state)
{
	static const struct {
		struct cal_date	d;
		int		n;
		struct cal_date	want;
		const char	*why;
	} days[] = {
		{ { 2022, 12, 31 }, 1, { 2023, 1, 1 }, "year end" },
		{ { 2024, 2, 28 }, 1, { 2024, 2, 29 }, "leap day" },
		{ { 2023, 2, 28 }, 1, { 2023, 3, 1 }, "no leap day" },
		{ { 2000, 2, 28 }, 1, { 2000, 2, 29 }, "2000 is leap" },
		{ { 2100, 2, 28 }, 1, { 2100, 3, 1 }, "2100 is not" },
		{ { 2022, 1, 1 }, -1, { 2021, 12, 31 }, "backwards" },
		{ { 1970, 1, 1 }, -1, { 1969, 12, 31 }, "before the epoch" },
		{ { 2022, 4, 14 }, 365, { 2023, 4, 14 }, "a year" },
		{ { 2022, 4, 14 }, 0, { 2022, 4, 14 }, "nothing" },
	}, months[] = {
		{ { 2022, 1, 31 }, 1, { 2022, 2, 28 }, "clamp to 28 Feb" },
		{ { 2024, 1, 31 }, 1, { 2024, 2, 29 }, "clamp to 29 Feb" },
		{ { 2022, 3, 31 }, -1, { 2022, 2, 28 }, "back, clamped" },
		{ { 2022, 8, 31 }, 1, { 2022, 9, 30 }, "30-day month" },
		{ { 2022, 12, 15 }, 1, { 2023, 1, 15 }, "over the year end" },
		{ { 2022, 1, 15 }, -1, { 2021, 12, 15 }, "back over it" },
		{ { 2022, 5, 31 }, -3, { 2022, 2, 28 }, "3 months back" },
		{ { 2022, 4, 30 }, -13, { 2021, 3, 30 }, "13 months back" },
		{ { 2024, 2, 29 }, -12, { 2023, 2, 28 }, "leap day, a year" },
		{ { 2024, 2, 29 }, 48, { 2028, 2, 29 }, "four years on" },
	};
	static const struct {
		struct cal_date	d;
		int		wday;
	} wdays[] = {
		{ { 1970, 1, 1 }, 4 }, { { 1969, 12, 31 }, 3 },
		{ { 2000, 1, 1 }, 6 }, { { 2022, 4, 14 }, 4 },
		{ { 2022, 4, 17 }, 0 }, { { 2022, 4, 18 }, 1 },
		{ { 1900, 1, 1 }, 1 }, { { 2100, 12, 31 }, 5 },
	};
	struct cal_date got;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < NELEM(days); i++) {
		got = cal_date_add_days(days[i].d, days[i].n);
		if (cal_date_cmp(got, days[i].want) != 0) {
			print_error("add_days (%s): %04d-%02d-%02d\n",
			    days[i].why, got.year, got.month, got.day);
			bad++;
		}
	}
	for (i = 0; i < NELEM(months); i++) {
		got = cal_date_add_months(months[i].d, months[i].n);
		if (cal_date_cmp(got, months[i].want) != 0) {
			print_error("add_months (%s): %04d-%02d-%02d\n",
			    months[i].why, got.year, got.month, got.day);
			bad++;
		}
	}
	for (i = 0; i < NELEM(wdays); i++) {
		if (cal_date_weekday(wdays[i].d) != wdays[i].wday) {
			print_error("weekday %04d-%02d-%02d\n",
			    wdays[i].d.year, wdays[i].d.month,
			    wdays[i].d.day);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_int_equal(cal_date_cmp(ymd(2022, 4, 14), ymd(2022, 4, 14)), 0);
	assert_true(cal_date_cmp(ymd(2022, 4, 14), ymd(2022, 4, 15)) < 0);
	assert_true(cal_date_cmp(ymd(2022, 5, 1), ymd(2022, 4, 30)) > 0);
	assert_true(cal_date_cmp(ymd(2021, 12, 31), ymd(2022, 1, 1)) < 0);
}

static void
test_cal_date_parse(void **state)
{
	static const struct {
		const char	*s;
		int		 ok;
		struct cal_date	 d;
		const char	*why;
	} rows[] = {
		{ "2022-04-14", 0, { 2022, 4, 14 }, "plain" },
		{ "2024-02-29", 0, { 2024, 2, 29 }, "leap day" },
		{ "2000-02-29", 0, { 2000, 2, 29 }, "leap century" },
		{ "2022-02-29", -1, { 0, 0, 0 }, "not a leap year" },
		{ "2100-02-29", -1, { 0, 0, 0 }, "century, not leap" },
		{ "2022-04-31", -1, { 0, 0, 0 }, "30-day month" },
		{ "2022-00-10", -1, { 0, 0, 0 }, "month 0" },
		{ "2022-13-01", -1, { 0, 0, 0 }, "month 13" },
		{ "2022-01-00", -1, { 0, 0, 0 }, "day 0" },
		{ "2022-4-14", -1, { 0, 0, 0 }, "one-digit month" },
		{ "2022-04-14x", -1, { 0, 0, 0 }, "trailing junk" },
		{ "2022-04-14 ", -1, { 0, 0, 0 }, "trailing blank" },
		{ " 2022-04-14", -1, { 0, 0, 0 }, "leading blank" },
		{ "2022/04/14", -1, { 0, 0, 0 }, "slashes" },
		{ "14-04-2022", -1, { 0, 0, 0 }, "day first" },
		{ "", -1, { 0, 0, 0 }, "empty" },
		{ "2022-04-1", -1, { 0, 0, 0 }, "short" },
		{ "+022-04-14", -1, { 0, 0, 0 }, "sign" },
	};
	struct cal_date d;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		memset(&d, 0, sizeof(d));
		if (cal_date_parse(rows[i].s, &d) != rows[i].ok ||
		    (rows[i].ok == 0 && cal_date_cmp(d, rows[i].d) != 0)) {
			print_error("\"%s\" (%s)\n", rows[i].s, rows[i].why);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
write_text(const char *path, const char *text)
{
	FILE *fp;

	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static void
test_calendar_load_holidays(void **state)
{
	static const struct {
		const char	*text;
		int		 line;
		const char	*why;
	} bad_rows[] = {
		{ "2022-01-03\n2022-13-01\n", 2, "month 13" },
		{ "# comment\n\n2022-02-29\n", 3, "not a leap year" },
		{ "2022-01-03 extra\n", 1, "words after the date" },
		{ "2022-01-03 # substitute\n", 1, "a comment after a date" },
		{ "03/01/2022\n", 1, "not ISO" },
		{ "  \n\t\n2022-1-3\n", 3, "one-digit fields" },
		{ "2022-01-03\n#\nfoo", 3, "junk without a final newline" },
	};
	char dir[] = "/tmp/mashwatch-cal-XXXXXX", path[256], err[512];
	char want[300];
	struct calendar *cal;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/holidays.txt", dir);
	for (i = 0; i < NELEM(bad_rows); i++) {
		cal = tu_calendar("Europe/London", CAL_MON_FRI, false);
		write_text(path, bad_rows[i].text);
		err[0] = '\0';
		snprintf(want, sizeof(want), "%s:%d: ", path, bad_rows[i].line);
		if (calendar_load_holidays(cal, path, err, sizeof(err)) != -1 ||
		    strncmp(err, want, strlen(want)) != 0) {
			print_error("%s: got \"%s\", want \"%s...\"\n",
			    bad_rows[i].why, err, want);
			fail();
		}
		/* A bad file leaves the calendar as it was. */
		assert_int_equal(calendar_last_year(cal), 0);
		calendar_free(cal);
	}

	/* Blanks around dates, CRLF, comments and repeats are fine. */
	cal = tu_calendar("Europe/London", CAL_MON_FRI, false);
	write_text(path, "# holidays\n 2022-01-03 \n\n\t# indented comment\n"
	    "2021-12-27\r\n2021-12-27\n");
	assert_int_equal(calendar_load_holidays(cal, path, err, sizeof(err)),
	    0);
	assert_int_equal(calendar_first_year(cal), 2021);
	assert_int_equal(calendar_last_year(cal), 2022);
	assert_false(calendar_is_working_day(cal, ymd(2022, 1, 3)));
	assert_false(calendar_is_working_day(cal, ymd(2021, 12, 27)));
	assert_true(calendar_is_working_day(cal, ymd(2021, 12, 28)));
	/* A second file adds to the first. */
	write_text(path, "2023-05-08\n");
	assert_int_equal(calendar_load_holidays(cal, path, err, sizeof(err)),
	    0);
	assert_int_equal(calendar_last_year(cal), 2023);
	assert_false(calendar_is_working_day(cal, ymd(2022, 1, 3)));
	calendar_free(cal);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);

	/* A missing file names itself. */
	cal = tu_calendar("Europe/London", CAL_MON_FRI, false);
	assert_int_equal(calendar_load_holidays(cal, "/nonexistent/hols.txt",
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/hols.txt: "));
	calendar_free(cal);
}

static void
test_calendar_format_iso(void **state)
{
	static const struct {
		const char	*zone;
		const char	*t;
		const char	*want;
		const char	*why;
	} rows[] = {
		{ "Europe/London", "2022-04-19T23:00:00Z",
		  "2022-04-20T00:00:00+01:00", "BST" },
		{ "Europe/London", "2022-01-05T00:00:00Z",
		  "2022-01-05T00:00:00+00:00", "GMT: +00:00, not Z" },
		{ "Europe/London", "2022-10-30T00:30:00Z",
		  "2022-10-30T01:30:00+01:00", "first 01:30" },
		{ "Europe/London", "2022-10-30T01:30:00Z",
		  "2022-10-30T01:30:00+00:00", "second 01:30" },
		{ "Europe/London", "1969-12-31T23:00:00Z",
		  "1970-01-01T00:00:00+01:00", "before the epoch" },
		{ "Europe/London", "2060-07-01T12:34:56Z",
		  "2060-07-01T13:34:56+01:00", "footer rule, seconds" },
		{ "UTC", "2022-04-19T23:00:00Z", "2022-04-19T23:00:00+00:00",
		  "UTC" },
		{ "America/New_York", "2022-01-10T12:00:00Z",
		  "2022-01-10T07:00:00-05:00", "negative offset" },
		{ "Asia/Kolkata", "2022-04-14T10:00:00Z",
		  "2022-04-14T15:30:00+05:30", "half hour east" },
		{ "America/St_Johns", "2022-01-10T12:00:00Z",
		  "2022-01-10T08:30:00-03:30", "half hour west" },
		{ "Australia/Sydney", "2022-12-31T13:00:00Z",
		  "2023-01-01T00:00:00+11:00", "New Year down under" },
	};
	struct calendar *cal;
	char buf[26];
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		cal = tu_calendar(rows[i].zone, CAL_MON_FRI, false);
		/* 26 bytes is enough, as the header promises. */
		calendar_format_iso(cal, tu_at(rows[i].t), buf, sizeof(buf));
		if (strcmp(buf, rows[i].want) != 0) {
			print_error("%s %s (%s): got %s, want %s\n",
			    rows[i].zone, rows[i].t, rows[i].why, buf,
			    rows[i].want);
			bad++;
		}
		calendar_free(cal);
	}
	assert_int_equal(bad, 0);
}

static void
test_calendar_parse_iso(void **state)
{
	static const struct {
		const char	*s;
		const char	*want;
		const char	*why;
	} good[] = {
		{ "2022-04-20T00:00:00+01:00", "2022-04-19T23:00:00Z",
		  "with an offset" },
		{ "2022-04-14T10:00:00Z", "2022-04-14T10:00:00Z", "Z" },
		{ "2022-04-14T10:00:00z", "2022-04-14T10:00:00Z", "lower z" },
		{ "2022-04-14 10:00Z", "2022-04-14T10:00:00Z",
		  "space for T, no seconds" },
		{ "2022-04-14T10:00:00-05:30", "2022-04-14T15:30:00Z",
		  "negative offset with minutes" },
		{ "2022-04-14T10:00:00-00:00", "2022-04-14T10:00:00Z",
		  "-00:00" },
		{ "2000-02-29T23:59:59+14:00", "2000-02-29T09:59:59Z",
		  "leap day, far east" },
		{ "1969-07-20T20:17:40Z", "1969-07-20T20:17:40Z",
		  "before the epoch" },
		{ "2022-04-14T10:00", "2022-04-14T09:00:00Z",
		  "no offset: London local time, BST" },
		{ "2022-01-14T10:00:30", "2022-01-14T10:00:30Z",
		  "no offset: GMT" },
		{ "2022-03-27T01:30", "2022-03-27T01:00:00Z",
		  "local time in the gap: first instant after it" },
		{ "2022-10-30T01:30", "2022-10-30T00:30:00Z",
		  "local time in the overlap: the earlier" },
		{ "2026-12-08", "2026-12-08T00:00:00Z",
		  "a date alone: local midnight, GMT" },
		{ "2022-04-14", "2022-04-13T23:00:00Z",
		  "a date alone: local midnight, BST" },
		{ "2022-03-27", "2022-03-27T00:00:00Z",
		  "a date alone on the spring-forward day" },
		{ "2022-10-30", "2022-10-29T23:00:00Z",
		  "a date alone on the fall-back day" },
		{ "2024-02-29", "2024-02-29T00:00:00Z", "a leap day alone" },
	};
	static const struct {
		const char	*s;
		const char	*why;
	} bad[] = {
		{ "", "empty" },
		{ "2022-04-14 ", "date and a blank" },
		{ "2022-02-29", "29 February of a common year alone" },
		{ "2022-4-14", "one-digit month" },
		{ "20220414", "basic format" },
		{ "2022-04-14Z", "a date with Z" },
		{ "2022-04-14+01:00", "a date with an offset" },
		{ "2022-04-14T", "no time" },
		{ "2022-04-14T10", "no minutes" },
		{ "2022-04-14T1:00Z", "one-digit hour" },
		{ "2022-04-14T24:00Z", "hour 24" },
		{ "2022-04-14T10:60Z", "minute 60" },
		{ "2022-04-14T10:00:60Z", "second 60" },
		{ "2022-02-30T10:00Z", "30 February" },
		{ "2022-13-01T10:00Z", "month 13" },
		{ "2022-04-14X10:00Z", "X for T" },
		{ "2022-04-14T10:00+1:00", "one-digit offset hour" },
		{ "2022-04-14T10:00+01", "offset without minutes" },
		{ "2022-04-14T10:00+0100", "offset without colon" },
		{ "2022-04-14T10:00+24:00", "offset hour 24" },
		{ "2022-04-14T10:00+01:60", "offset minute 60" },
		{ "2022-04-14T10:00Zjunk", "junk after Z" },
		{ "2022-04-14T10:00+01:00 ", "trailing blank" },
		{ "2022-04-14T10:00:00.5Z", "fractional seconds" },
		{ " 2022-04-14T10:00Z", "leading blank" },
		{ "yesterday", "words" },
	};
	struct calendar *cal;
	int64_t t;
	size_t i;
	int nbad = 0;

	(void)state;
	cal = tu_calendar("Europe/London", CAL_MON_FRI, false);
	for (i = 0; i < NELEM(good); i++) {
		t = 0;
		if (calendar_parse_iso(cal, good[i].s, &t) != 0 ||
		    t != tu_at(good[i].want)) {
			print_error("\"%s\" (%s): got %lld\n", good[i].s,
			    good[i].why, (long long)t);
			nbad++;
		}
	}
	for (i = 0; i < NELEM(bad); i++) {
		if (calendar_parse_iso(cal, bad[i].s, &t) != -1) {
			print_error("accepted \"%s\" (%s)\n", bad[i].s,
			    bad[i].why);
			nbad++;
		}
	}
	calendar_free(cal);
	/* Without a calendar only explicit offsets will do. */
	assert_int_equal(calendar_parse_iso(NULL, "2022-04-14T10:00Z", &t), 0);
	assert_int_equal(t, tu_at("2022-04-14T10:00:00Z"));
	assert_int_equal(calendar_parse_iso(NULL, "2022-04-14T10:00", &t), -1);
	assert_int_equal(calendar_parse_iso(NULL, "2022-04-14", &t), -1);
	/* A date alone in a zone east of UTC: its midnight is the day before. */
	cal = tu_calendar("Australia/Sydney", CAL_MON_FRI, false);
	assert_int_equal(calendar_parse_iso(cal, "2022-04-14", &t), 0);
	assert_int_equal(t, tu_at("2022-04-13T14:00:00Z"));
	calendar_free(cal);
	assert_int_equal(nbad, 0);
}

static void
test_calendar_iso_round_trips(void **state)
{
	static const char *zones[] = { "Europe/London", "America/New_York",
	    "Australia/Sydney", "Asia/Kolkata", "UTC" };
	static const char *instants[] = {
		"2022-03-27T00:59:59Z", "2022-03-27T01:00:00Z",
		"2022-10-30T00:30:00Z", "2022-10-30T01:30:00Z",
		"2022-04-14T09:00:00Z", "1969-12-31T23:00:00Z",
		"2045-10-29T01:00:00Z", "2022-11-06T05:30:00Z",
		"2022-11-06T06:30:00Z",
	};
	static const char *strings[] = { "2022-04-20T00:00:00+01:00",
	    "2022-01-05T00:00:00+00:00", "2022-10-30T01:30:00+01:00",
	    "2022-10-30T01:30:00+00:00" };
	struct calendar *cal;
	char buf[32];
	int64_t t;
	size_t z, i;

	(void)state;
	for (z = 0; z < NELEM(zones); z++) {
		cal = tu_calendar(zones[z], CAL_MON_FRI, false);
		for (i = 0; i < NELEM(instants); i++) {
			/* The offset is explicit, so no calendar is needed. */
			calendar_format_iso(cal, tu_at(instants[i]), buf,
			    sizeof(buf));
			assert_int_equal(calendar_parse_iso(NULL, buf, &t), 0);
			if (t != tu_at(instants[i])) {
				print_error("%s %s: %s\n", zones[z],
				    instants[i], buf);
				fail();
			}
		}
		calendar_free(cal);
	}
	cal = tu_calendar("Europe/London", CAL_MON_FRI, false);
	for (i = 0; i < NELEM(strings); i++) {
		assert_int_equal(calendar_parse_iso(cal, strings[i], &t), 0);
		calendar_format_iso(cal, t, buf, sizeof(buf));
		assert_string_equal(buf, strings[i]);
	}
	calendar_free(cal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar_new_errors),
		cmocka_unit_test(test_calendar_due),
		cmocka_unit_test(test_calendar_due_other_calendars),
		cmocka_unit_test(test_calendar_warn),
		cmocka_unit_test(test_calendar_escalate),
		cmocka_unit_test(test_calendar_subtract),
		cmocka_unit_test(test_calendar_working_days_between),
		cmocka_unit_test(test_calendar_is_working_day),
		cmocka_unit_test(test_calendar_coverage),
		cmocka_unit_test(test_calendar_local_dates),
		cmocka_unit_test(test_cal_date_arithmetic),
		cmocka_unit_test(test_cal_date_parse),
		cmocka_unit_test(test_calendar_load_holidays),
		cmocka_unit_test(test_calendar_format_iso),
		cmocka_unit_test(test_calendar_parse_iso),
		cmocka_unit_test(test_calendar_iso_round_trips),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
