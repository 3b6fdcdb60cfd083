/*
 * Unit tests for lib/forecast.c and lib/handover.c: the forecast's window
 * on working-day edges (a Friday, before a bank holiday, Christmas, across
 * the clock change), its arithmetic, its counting per clock and team, and
 * the out-of-hours boundary of the morning handover.
 *
 * Instants are ISO strings with their offset, turned into epoch seconds by
 * tu_at() (timegm), not by the code under test; each expected value was
 * worked out from a printed calendar and the England and Wales holiday
 * list (2022: Good Friday 15 April, Easter Monday 18 April, 26 and 27
 * December; BST from 27 March to 30 October).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mashwatch/forecast.h"
#include "mashwatch/handover.h"

#include "testutil.h"

#define EVERY_DAY	0x7f

static int
check_instant(const struct calendar *cal, const char *what, size_t row,
    int64_t got, const char *want)
{
	char buf[32];

	if (got == tu_at(want))
		return 0;
	calendar_format_iso(cal, got, buf, sizeof(buf));
	print_error("row %zu %s: got %s, want %s\n", row, what, buf, want);
	return 1;
}

static void
test_forecast_window(void **state)
{
	static const struct {
		const char	*now;
		const char	*horizon;	/* NULL: none */
		const char	*next_end;
		const char	*since;
		const char	*until;
		int		 days;
	} rows[] = {
		/* A Friday: tomorrow is Monday; 20 back reach 11 March (GMT). */
		{ "2022-04-08T15:00:00+01:00", NULL,
		  "2022-04-12T00:00:00+01:00", "2022-03-11T00:00:00Z",
		  "2022-04-08T00:00:00+01:00", 20 },
		/* Before Good Friday and Easter Monday: Tuesday is next. */
		{ "2022-04-14T15:00:00+01:00", NULL,
		  "2022-04-20T00:00:00+01:00", "2022-03-17T00:00:00Z",
		  "2022-04-14T00:00:00+01:00", 20 },
		/* Friday before the clock change: Monday ends in BST. */
		{ "2022-03-25T15:00:00Z", NULL,
		  "2022-03-29T00:00:00+01:00", "2022-02-25T00:00:00Z",
		  "2022-03-25T00:00:00Z", 20 },
		/* A Thursday: Friday is next. */
		{ "2022-12-22T15:00:00Z", NULL,
		  "2022-12-24T00:00:00Z", "2022-11-24T00:00:00Z",
		  "2022-12-22T00:00:00Z", 20 },
		/* Friday 23 December: 26 and 27 are holidays, so Wednesday. */
		{ "2022-12-23T15:00:00Z", NULL,
		  "2022-12-29T00:00:00Z", "2022-11-25T00:00:00Z",
		  "2022-12-23T00:00:00Z", 20 },
		/* A Sunday (a forecast on --once): Monday is next. */
		{ "2022-04-10T12:00:00+01:00", NULL,
		  "2022-04-12T00:00:00+01:00", "2022-03-14T00:00:00Z",
		  "2022-04-10T00:00:00+01:00", 20 },
		/* Stops known only 28 days back: 11 March is left out. */
		{ "2022-04-08T15:00:00+01:00", "2022-03-11T14:00:00Z",
		  "2022-04-12T00:00:00+01:00", "2022-03-14T00:00:00Z",
		  "2022-04-08T00:00:00+01:00", 19 },
		/* A horizon at midnight keeps that date. */
		{ "2022-04-08T15:00:00+01:00", "2022-03-11T00:00:00Z",
		  "2022-04-12T00:00:00+01:00", "2022-03-11T00:00:00Z",
		  "2022-04-08T00:00:00+01:00", 20 },
		/* Nothing known before today: no working day, no throughput. */
		{ "2022-04-08T15:00:00+01:00", "2022-04-08T00:00:00+01:00",
		  "2022-04-12T00:00:00+01:00", "2022-04-08T00:00:00+01:00",
		  "2022-04-08T00:00:00+01:00", 0 },
	};
	struct calendar *cal = tu_calendar("Europe/London", CAL_MON_FRI, true);
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		struct forecast_window w;
		int64_t horizon = rows[i].horizon != NULL ?
		    tu_at(rows[i].horizon) : INT64_MIN;

		forecast_window(cal, tu_at(rows[i].now), horizon, &w);
		bad += check_instant(cal, "next_end", i, w.next_end,
		    rows[i].next_end);
		bad += check_instant(cal, "since", i, w.since, rows[i].since);
		bad += check_instant(cal, "until", i, w.until, rows[i].until);
		if (w.days != rows[i].days) {
			print_error("row %zu days: got %d, want %d\n", i,
			    w.days, rows[i].days);
			bad++;
		}
	}
	calendar_free(cal);
	assert_int_equal(bad, 0);
}

static void
test_forecast_arithmetic(void **state)
{
	static const struct {
		long	 due_next;
		long	 stopped;
		int	 days;
		double	 throughput;
		long	 projected;
	} rows[] = {
		/* The example: 48 due, 700 decided in 20 days, 13 late. */
		{ 48, 700, 20, 35.0, 13 },
		/* Fractions round the breaches down. */
		{ 48, 701, 20, 35.05, 12 },
		{ 14, 250, 20, 12.5, 1 },
		{ 13, 250, 20, 12.5, 0 },
		/* The pace covers it: never below 0. */
		{ 10, 250, 20, 12.5, 0 },
		{ 0, 0, 20, 0.0, 0 },
		/* Nothing decided: everything due is late. */
		{ 5, 0, 20, 0.0, 5 },
		/* No day known: throughput 0, not a division by 0. */
		{ 5, 9, 0, 0.0, 5 },
		/* Thirds: 20 stops in 3 days is 6.67 a day, 9 - 6.67 is 2. */
		{ 9, 20, 3, 20.0 / 3, 2 },
		/* Exactly equal after a division: 21/7 = 3. */
		{ 3, 21, 7, 3.0, 0 },
		{ 4, 21, 7, 3.0, 1 },
		/* Fewer days (a horizon): 19. */
		{ 40, 380, 19, 20.0, 20 },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		double t = forecast_throughput(rows[i].stopped, rows[i].days);

		if (t < rows[i].throughput - 1e-9 ||
		    t > rows[i].throughput + 1e-9 ||
		    forecast_projected(rows[i].due_next, t) !=
		    rows[i].projected) {
			print_error("row %zu: got %g and %ld\n", i, t,
			    forecast_projected(rows[i].due_next, t));
			fail();
		}
	}
}

/*
 * Counting: a forecast at Friday 8 April 2022 15:00 BST; the window is
 * 11 March 00:00 GMT .. 8 April 00:00 BST, tomorrow ends at 12 April
 * 00:00 BST.
 */
static void
test_forecast_counting(void **state)
{
	char n_contact[] = "contact", l_contact[] = "Contacts";
	char n_strat[] = "strategy", n_plain[] = "allocation";
	struct clock_conf contact = { .name = n_contact, .label = l_contact,
	    .forecast = true };
	struct clock_conf strat = { .name = n_strat, .forecast = true };
	struct clock_conf plain = { .name = n_plain, .forecast = false };
	static const struct {
		int		 clock;	/* 0 contact, 1 strategy, 2 plain */
		const char	*team;
		const char	*start;
		const char	*due;
		const char	*stop;	/* NULL: running */
		enum clock_state state;
	} views[] = {
		/* Open, due later today: due_next. */
		{ 0, "T1", "2022-04-07T10:00:00+01:00",
		  "2022-04-08T18:00:00+01:00", NULL, CS_ON_TIME },
		/* Open, due exactly at the end of Monday: due_next. */
		{ 0, "T1", "2022-04-07T10:00:00+01:00",
		  "2022-04-12T00:00:00+01:00", NULL, CS_ON_TIME },
		/* Open, due a second later: open only. */
		{ 0, "T1", "2022-04-07T10:00:00+01:00",
		  "2022-04-12T00:00:01+01:00", NULL, CS_ON_TIME },
		/* Due now: overdue, not open. */
		{ 0, "T1", "2022-04-06T10:00:00+01:00",
		  "2022-04-08T15:00:00+01:00", NULL, CS_OVERDUE },
		/* Stopped in the window, on its first and last instants. */
		{ 0, "T1", "2022-03-01T10:00:00Z", "2022-03-20T00:00:00Z",
		  "2022-03-11T00:00:00Z", CS_MET },
		{ 0, "T1", "2022-04-01T10:00:00+01:00",
		  "2022-04-20T00:00:00+01:00", "2022-04-07T23:59:59+01:00",
		  CS_MET },
		/* Stopped before the window, and today: not counted. */
		{ 0, "T1", "2022-03-01T10:00:00Z", "2022-03-20T00:00:00Z",
		  "2022-03-10T23:59:59Z", CS_MET },
		{ 0, "T1", "2022-04-01T10:00:00+01:00",
		  "2022-04-20T00:00:00+01:00", "2022-04-08T00:00:00+01:00",
		  CS_MET },
		/* A stop after now has not happened (replay): open. */
		{ 0, "T2", "2022-04-07T10:00:00+01:00",
		  "2022-04-11T12:00:00+01:00", "2022-04-08T16:00:00+01:00",
		  CS_ON_TIME },
		/* Started after now: not there yet. */
		{ 0, "T2", "2022-04-08T16:00:00+01:00",
		  "2022-04-11T12:00:00+01:00", NULL, CS_ON_TIME },
		/* Withdrawn: nothing. */
		{ 0, "T2", "2022-04-07T10:00:00+01:00",
		  "2022-04-11T12:00:00+01:00", NULL, CS_WITHDRAWN },
		/* No team: its own row, after the teams. */
		{ 0, NULL, "2022-04-07T10:00:00+01:00",
		  "2022-04-11T12:00:00+01:00", NULL, CS_ON_TIME },
		/* Another clock. */
		{ 1, "T1", "2022-04-07T10:00:00+01:00",
		  "2022-04-11T12:00:00+01:00", NULL, CS_ON_TIME },
		/* A clock without forecast = true: left out. */
		{ 2, "T1", "2022-04-07T10:00:00+01:00",
		  "2022-04-11T12:00:00+01:00", NULL, CS_ON_TIME },
	};
	static const struct {
		const char	*clock;
		const char	*team;
		long		 open, due_next, stopped, projected;
	} want[] = {
		{ "contact", "T1", 3, 2, 2, 1 },
		{ "contact", "T2", 1, 1, 0, 1 },
		{ "contact", NULL, 1, 1, 0, 1 },
		{ "strategy", "T1", 1, 1, 0, 1 },
	}, want_totals[] = {
		{ "contact", NULL, 5, 4, 2, 3 },
		{ "strategy", NULL, 1, 1, 0, 1 },
	};
	const struct clock_conf *confs[] = { &contact, &strat, &plain };
	struct calendar *cal = tu_calendar("Europe/London", CAL_MON_FRI, true);
	struct forecast_window w;
	const struct forecast_row *r;
	struct forecast *f;
	size_t n, i;

	(void)state;
	forecast_window(cal, tu_at("2022-04-08T15:00:00+01:00"), INT64_MIN,
	    &w);
	f = forecast_new(&w);
	for (i = 0; i < NELEM(views); i++) {
		struct clock_view v = {
			.clock = confs[views[i].clock],
			.instance_id = "x",
			.child_id = "c",
			.team_id = views[i].team,
			.started_at = tu_at(views[i].start),
			.due_at = tu_at(views[i].due),
			.stopped_at = views[i].stop != NULL ?
			    tu_at(views[i].stop) : TIME_NONE,
			.state = views[i].state,
		};

		forecast_visit(f, &v);
	}
	r = forecast_rows(f, false, &n);
	assert_int_equal(n, NELEM(want));
	for (i = 0; i < n; i++) {
		assert_string_equal(r[i].clock, want[i].clock);
		if (want[i].team == NULL)
			assert_null(r[i].team);
		else
			assert_string_equal(r[i].team, want[i].team);
		assert_int_equal(r[i].open, want[i].open);
		assert_int_equal(r[i].due_next, want[i].due_next);
		assert_int_equal(r[i].stopped, want[i].stopped);
		assert_int_equal(r[i].projected, want[i].projected);
	}
	assert_string_equal(r[0].label, "Contacts");
	assert_string_equal(r[3].label, "strategy");
	/* 2 stops in 20 working days. */
	assert_true(r[0].throughput > 0.0999 && r[0].throughput < 0.1001);
	r = forecast_rows(f, true, &n);
	assert_int_equal(n, NELEM(want_totals));
	for (i = 0; i < n; i++) {
		assert_string_equal(r[i].clock, want_totals[i].clock);
		assert_null(r[i].team);
		assert_int_equal(r[i].open, want_totals[i].open);
		assert_int_equal(r[i].due_next, want_totals[i].due_next);
		assert_int_equal(r[i].stopped, want_totals[i].stopped);
		assert_int_equal(r[i].projected, want_totals[i].projected);
	}
	/* A clock's team rows, a run of the rows. */
	r = forecast_teams(f, "contact", &n);
	assert_int_equal(n, 3);
	assert_string_equal(r[0].team, "T1");
	assert_null(r[2].team);
	r = forecast_teams(f, "strategy", &n);
	assert_int_equal(n, 1);
	assert_null(forecast_teams(f, "allocation", &n));
	assert_int_equal(n, 0);
	forecast_free(f);
	forecast_free(NULL);
	calendar_free(cal);
}

/* The email: the sentence, the teams, escaping, "tomorrow" or the day. */
static void
test_forecast_mail(void **state)
{
	char n_c[] = "contact_decision", l_c[] = "Contacts";
	char t1[] = "<T&1>";
	struct forecast_row total = { .clock = n_c, .label = l_c, .open = 60,
	    .due_next = 48, .stopped = 700, .throughput = 35.0,
	    .projected = 13 };
	struct forecast_row rows[2] = {
		{ .clock = n_c, .label = l_c, .team = t1, .open = 40,
		  .due_next = 30, .throughput = 20.5, .projected = 9 },
		{ .clock = n_c, .label = l_c, .team = NULL, .open = 20,
		  .due_next = 18, .throughput = 14.5, .projected = 3 },
	};
	struct calendar *cal = tu_calendar("Europe/London", CAL_MON_FRI, true);
	struct forecast_window w;
	struct forecast_mail m;
	char day[48];

	(void)state;
	/* Tuesday: tomorrow is Wednesday. */
	forecast_window(cal, tu_at("2022-04-12T15:00:00+01:00"), INT64_MIN,
	    &w);
	forecast_next_day(cal, &w, day, sizeof(day));
	assert_string_equal(day, "tomorrow, Wednesday 13 April");
	forecast_mail_compose(cal, &w, &total, rows, 2, &m);
	assert_string_equal(m.subject, "Forecast: about 13 Contacts will be "
	    "late by the end of tomorrow, Wednesday 13 April");
	assert_non_null(strstr(m.text, "Contacts: Tomorrow, Wednesday 13 "
	    "April, 48 fall due; about 35 are decided a day; about 13 will "
	    "be late."));
	assert_non_null(strstr(m.text, "<T&1>                    40        30"
	    "         20.50           9"));
	assert_non_null(strstr(m.text, "(no team)"));
	assert_non_null(strstr(m.html, "&lt;T&amp;1&gt;"));
	assert_null(strstr(m.html, "<T&1>"));
	assert_non_null(strstr(m.text, "the mean over the last 20 working "
	    "days"));
	forecast_mail_clear(&m);
	/* Thursday before Easter: Tuesday, not "tomorrow"; a slow pace. */
	forecast_window(cal, tu_at("2022-04-14T15:00:00+01:00"), INT64_MIN,
	    &w);
	total.throughput = 2.25;
	forecast_mail_compose(cal, &w, &total, rows, 1, &m);
	assert_non_null(strstr(m.text, "Contacts: Tuesday 19 April, 48 fall "
	    "due; about 2.2 are decided a day"));
	assert_null(strstr(m.text, "(no team)"));
	forecast_mail_clear(&m);
	calendar_free(cal);
}

static void
test_handover_out_of_hours(void **state)
{
	static const struct {
		unsigned	 weekdays;
		int		 from, to;
		const char	*t;
		bool		 out;
	} rows[] = {
		/* Monday 11 April 2022, 08:00-18:00 BST. */
		{ CAL_MON_FRI, 480, 1080, "2022-04-11T07:59:59+01:00", true },
		{ CAL_MON_FRI, 480, 1080, "2022-04-11T08:00:00+01:00", false },
		{ CAL_MON_FRI, 480, 1080, "2022-04-11T17:59:59+01:00", false },
		{ CAL_MON_FRI, 480, 1080, "2022-04-11T18:00:00+01:00", true },
		{ CAL_MON_FRI, 480, 1080, "2022-04-11T00:00:00+01:00", true },
		/* A Saturday, and Good Friday, at noon. */
		{ CAL_MON_FRI, 480, 1080, "2022-04-09T12:00:00+01:00", true },
		{ CAL_MON_FRI, 480, 1080, "2022-04-15T12:00:00+01:00", true },
		/* In GMT: 08:00 local is 08:00Z. */
		{ CAL_MON_FRI, 480, 1080, "2022-01-10T07:59:59Z", true },
		{ CAL_MON_FRI, 480, 1080, "2022-01-10T08:00:00Z", false },
		/* The clock change (Sunday 27 March), every day working. */
		{ EVERY_DAY, 480, 1080, "2022-03-27T07:59:59+01:00", true },
		{ EVERY_DAY, 480, 1080, "2022-03-27T08:00:00+01:00", false },
		{ EVERY_DAY, 480, 1080, "2022-03-27T18:00:00+01:00", true },
		{ EVERY_DAY, 480, 1080, "2022-10-30T07:59:59Z", true },
		{ EVERY_DAY, 480, 1080, "2022-10-30T08:00:00Z", false },
		{ EVERY_DAY, 480, 1080, "2022-10-30T17:59:59Z", false },
		/* Hours to midnight: 23:59:59 is in, midnight is a new day. */
		{ CAL_MON_FRI, 0, 1440, "2022-04-11T23:59:59+01:00", false },
		{ CAL_MON_FRI, 0, 1440, "2022-04-12T00:00:00+01:00", false },
		{ CAL_MON_FRI, 0, 1440, "2022-04-09T00:00:00+01:00", true },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		struct calendar *cal = tu_calendar("Europe/London",
		    rows[i].weekdays, true);
		bool got = handover_out_of_hours(cal, rows[i].from,
		    rows[i].to, tu_at(rows[i].t));

		calendar_free(cal);
		if (got != rows[i].out) {
			print_error("row %zu (%s): got %d\n", i, rows[i].t,
			    got);
			fail();
		}
	}
}

static void
test_handover_since(void **state)
{
	static const struct {
		unsigned	 weekdays;
		int		 to;
		const char	*t;
		const char	*since;
	} rows[] = {
		/* Tuesday's digest: from Monday 18:00. */
		{ CAL_MON_FRI, 1080, "2022-04-12T08:30:00+01:00",
		  "2022-04-11T18:00:00+01:00" },
		/* Monday's: from Friday 18:00, the weekend between. */
		{ CAL_MON_FRI, 1080, "2022-04-11T08:30:00+01:00",
		  "2022-04-08T18:00:00+01:00" },
		/* After Easter: from Thursday 14 April. */
		{ CAL_MON_FRI, 1080, "2022-04-19T08:30:00+01:00",
		  "2022-04-14T18:00:00+01:00" },
		/* Over the clock change: Friday 18:00 GMT. */
		{ CAL_MON_FRI, 1080, "2022-03-28T08:30:00+01:00",
		  "2022-03-25T18:00:00Z" },
		/* A Saturday looks back to Friday. */
		{ CAL_MON_FRI, 1080, "2022-04-09T10:00:00+01:00",
		  "2022-04-08T18:00:00+01:00" },
		/* Every day working: Sunday 27 March 18:00 BST from Monday. */
		{ EVERY_DAY, 1080, "2022-03-28T08:30:00+01:00",
		  "2022-03-27T18:00:00+01:00" },
		/* ... and Saturday 26 March 18:00 GMT from Sunday. */
		{ EVERY_DAY, 1080, "2022-03-27T08:30:00+01:00",
		  "2022-03-26T18:00:00Z" },
		/* Hours to 24:00 end at the midnight that starts today. */
		{ CAL_MON_FRI, 1440, "2022-04-12T08:30:00+01:00",
		  "2022-04-12T00:00:00+01:00" },
		/* After Christmas 2022: from Friday 23 December. */
		{ CAL_MON_FRI, 1080, "2022-12-28T08:30:00Z",
		  "2022-12-23T18:00:00Z" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		struct calendar *cal = tu_calendar("Europe/London",
		    rows[i].weekdays, true);
		int bad = check_instant(cal, "since", i,
		    handover_since(cal, rows[i].to, tu_at(rows[i].t)),
		    rows[i].since);

		calendar_free(cal);
		assert_int_equal(bad, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forecast_window),
		cmocka_unit_test(test_forecast_arithmetic),
		cmocka_unit_test(test_forecast_counting),
		cmocka_unit_test(test_forecast_mail),
		cmocka_unit_test(test_handover_out_of_hours),
		cmocka_unit_test(test_handover_since),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
