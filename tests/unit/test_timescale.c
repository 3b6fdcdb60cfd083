/*
 * Unit tests for lib/timescale.c: the strings with units that limits,
 * warnings, escalations and windows are written in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mashwatch/timescale.h"

#include "testutil.h"


#define LIMIT_UNITS	"write \"N hours\", \"N days\" or \"N working days\""
#define WINDOW_UNITS	"write \"N hours\", \"N days\", \"N working days\" " \
			"or \"N months\""

static void
test_timescale_parse_valid(void **state)
{
	static const struct {
		const char	*s;
		unsigned	 allowed;
		enum ts_unit	 unit;
		int		 n;
		const char	*why;
	} rows[] = {
		{ "1 working day", TS_ALLOW_LIMIT, TS_WORKING_DAYS, 1,
		  "singular" },
		{ "3 working days", TS_ALLOW_LIMIT, TS_WORKING_DAYS, 3,
		  "plural" },
		{ "24 hours", TS_ALLOW_LIMIT, TS_HOURS, 24, "hours" },
		{ "1 hour", TS_ALLOW_LIMIT, TS_HOURS, 1, "one hour" },
		{ "0 days", TS_ALLOW_LIMIT, TS_DAYS, 0, "zero is allowed" },
		{ "1 day", TS_ALLOW_LIMIT, TS_DAYS, 1, "one day" },
		{ "  2   Working   Days  ", TS_ALLOW_LIMIT, TS_WORKING_DAYS, 2,
		  "blanks around and inside, any case" },
		{ "5\tdays", TS_ALLOW_LIMIT, TS_DAYS, 5, "a tab" },
		{ "007 days", TS_ALLOW_LIMIT, TS_DAYS, 7, "leading zeros" },
		{ "10000 hours", TS_ALLOW_LIMIT, TS_HOURS, TS_MAX_N,
		  "the largest number" },
		{ "3 months", TS_ALLOW_WINDOW, TS_MONTHS, 3,
		  "months in a window" },
		{ "12 Month", TS_ALLOW_WINDOW, TS_MONTHS, 12,
		  "singular with a plural number is tolerated" },
		{ "45 working days", 1u << TS_WORKING_DAYS, TS_WORKING_DAYS,
		  45, "only working days allowed" },
	};
	struct timescale ts;
	char err[256];
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		memset(&ts, 0xff, sizeof(ts));
		err[0] = '\0';
		if (timescale_parse(rows[i].s, rows[i].allowed, &ts, err,
		    sizeof(err)) != 0 || ts.unit != rows[i].unit ||
		    ts.n != rows[i].n) {
			print_error("\"%s\" (%s): %s\n", rows[i].s, rows[i].why,
			    err);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_timescale_parse_invalid(void **state)
{
	static const struct {
		const char	*s;
		unsigned	 allowed;
		const char	*msg;
		const char	*why;
	} rows[] = {
		{ "3 months", TS_ALLOW_LIMIT,
		  "\"3 months\": months are not allowed here; " LIMIT_UNITS,
		  "months are for windows, not limits" },
		{ "1 hour", 1u << TS_WORKING_DAYS,
		  "\"1 hour\": hours are not allowed here; "
		  "write \"N working days\"", "a single allowed unit" },
		{ "1 month", (1u << TS_HOURS) | (1u << TS_DAYS),
		  "\"1 month\": months are not allowed here; "
		  "write \"N hours\" or \"N days\"", "two allowed units" },
		{ "", TS_ALLOW_LIMIT,
		  "\"\" is not a timescale; " LIMIT_UNITS, "empty" },
		{ "hours", TS_ALLOW_LIMIT,
		  "\"hours\" is not a timescale; " LIMIT_UNITS, "no number" },
		{ "-1 hours", TS_ALLOW_LIMIT,
		  "\"-1 hours\" is not a timescale; " LIMIT_UNITS,
		  "negative" },
		{ "1.5 hours", TS_ALLOW_LIMIT,
		  "\"1.5 hours\" is not a timescale; " LIMIT_UNITS,
		  "fraction" },
		{ "1hours", TS_ALLOW_LIMIT,
		  "\"1hours\" is not a timescale; " LIMIT_UNITS,
		  "no blank between number and unit" },
		{ "1", TS_ALLOW_LIMIT,
		  "\"1\" is not a timescale; " LIMIT_UNITS, "no unit" },
		{ "1 working", TS_ALLOW_LIMIT,
		  "\"1 working\" is not a timescale; " LIMIT_UNITS,
		  "half a unit" },
		{ "1 work day", TS_ALLOW_LIMIT,
		  "\"1 work day\" is not a timescale; " LIMIT_UNITS,
		  "not our word" },
		{ "2 weeks", TS_ALLOW_WINDOW,
		  "\"2 weeks\" is not a timescale; " WINDOW_UNITS,
		  "weeks are not a unit" },
		{ "1 hours x", TS_ALLOW_LIMIT,
		  "\"1 hours x\" is not a timescale; " LIMIT_UNITS,
		  "trailing words" },
		{ "10001 hours", TS_ALLOW_LIMIT,
		  "\"10001 hours\": the number must be 0 to 10000",
		  "one past the largest" },
		{ "99999999999999999999 days", TS_ALLOW_LIMIT,
		  "\"99999999999999999999 days\": the number must be 0 to "
		  "10000", "overflows a long" },
	};
	struct timescale ts;
	char err[256];
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		err[0] = '\0';
		if (timescale_parse(rows[i].s, rows[i].allowed, &ts, err,
		    sizeof(err)) != -1 || strcmp(err, rows[i].msg) != 0) {
			print_error("\"%s\" (%s): got \"%s\", want \"%s\"\n",
			    rows[i].s, rows[i].why, err, rows[i].msg);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_timescale_format(void **state)
{
	static const struct {
		struct timescale	 ts;
		const char		*want;
	} rows[] = {
		{ { TS_WORKING_DAYS, 1 }, "1 working day" },
		{ { TS_WORKING_DAYS, 3 }, "3 working days" },
		{ { TS_HOURS, 24 }, "24 hours" },
		{ { TS_HOURS, 1 }, "1 hour" },
		{ { TS_DAYS, 0 }, "0 days" },
		{ { TS_MONTHS, 1 }, "1 month" },
		{ { TS_MONTHS, 3 }, "3 months" },
	};
	struct timescale back;
	char buf[64], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		timescale_format(&rows[i].ts, buf, sizeof(buf));
		assert_string_equal(buf, rows[i].want);
		/* What is written can be read back. */
		assert_int_equal(timescale_parse(buf, TS_ALLOW_WINDOW, &back,
		    err, sizeof(err)), 0);
		assert_int_equal(back.unit, rows[i].ts.unit);
		assert_int_equal(back.n, rows[i].ts.n);
	}
	/* A short buffer is truncated, not overrun. */
	timescale_format(&rows[0].ts, buf, 5);
	assert_string_equal(buf, "1 wo");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timescale_parse_valid),
		cmocka_unit_test(test_timescale_parse_invalid),
		cmocka_unit_test(test_timescale_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
