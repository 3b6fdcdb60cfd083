/*
 * Unit tests of lib/partnership.c: the police notification lag in working
 * days (Easter, a weekend, the clock change, the months' edges) with its
 * median and 90th percentile, late work by agency, the attendance check's
 * detail, contacts by source.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"
#include "mashwatch/partnership.h"

#include "testutil.h"

static const char conf_text[] =
    "clocks = ( { name = \"contact_decision\"; limit = \"1 working day\"; },\n"
    "  { name = \"police_notification_lag\"; limit = \"1 working day\";"
    " alert_on = \"late_stop\"; },\n"
    "  { name = \"strategy_discussion\"; limit = \"3 working days\"; } );\n"
    "reasons = ( { code = \"police_unavailable\"; agency = \"police\"; },\n"
    "  { code = \"awaiting_gp\"; agency = \"health\"; },\n"
    "  { code = \"capacity\"; } );\n";

struct fixture {
	char		 path[64];
	struct config	*cfg;
	struct calendar	*cal;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->cfg = tu_config(conf_text, f->path, sizeof(f->path));
	f->cal = tu_calendar("Europe/London", CAL_MON_FRI, false);
	/* Easter 2022 */
	calendar_add_holiday(f->cal, (struct cal_date){ 2022, 4, 15 });
	calendar_add_holiday(f->cal, (struct cal_date){ 2022, 4, 18 });
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	config_free(f->cfg);
	calendar_free(f->cal);
	unlink(f->path);
	free(f);
	return 0;
}

static void
lag(struct fixture *f, struct partnership *p, const char *clock,
    const char *incident, const char *received)
{
	struct clock_row r = {
		.clock = clock, .instance_id = "N", .child_id = "P",
		.started_at = incident ? tu_iso(f->cal, incident) : TIME_NONE,
		.stopped_at = received ? tu_iso(f->cal, received) : TIME_NONE,
	};

	partnership_add_clock(p, &r);
}

/* Working days from the incident to the MASH, by the month it arrived. */
static void
test_police_lag(void **state)
{
	static const struct {
		const char	*clock, *incident, *received;
	} rows[] = {
		/* Thu before Easter to the Tuesday after: 1. */
		{ "police_notification_lag", "2022-04-14T10:00:00+01:00",
		  "2022-04-19T09:00:00+01:00" },
		/* Same day: 0. */
		{ "police_notification_lag", "2022-04-20T08:00:00+01:00",
		  "2022-04-20T23:59:00+01:00" },
		/* Friday to Friday: 5. */
		{ "police_notification_lag", "2022-04-01T10:00:00+01:00",
		  "2022-04-08T10:00:00+01:00" },
		/* Saturday to Monday: 1 (the Monday). */
		{ "police_notification_lag", "2022-04-23T22:00:00+01:00",
		  "2022-04-25T08:00:00+01:00" },
		/* Across the clock change (27 March), arrived in March: 1. */
		{ "police_notification_lag", "2022-03-25T23:30:00Z",
		  "2022-03-28T09:00:00+01:00" },
		/* Arrived at 00:30 BST on 1 April: April's, not March's. */
		{ "police_notification_lag", "2022-03-31T10:00:00+01:00",
		  "2022-04-01T00:30:00+01:00" },
		/* 23:30 on 30 April: still April (1 May is Sunday). */
		{ "police_notification_lag", "2022-04-29T10:00:00+01:00",
		  "2022-04-30T23:30:00+01:00" },
		/* May: not in the pack of April. */
		{ "police_notification_lag", "2022-04-29T10:00:00+01:00",
		  "2022-05-01T00:30:00+01:00" },
		/* The first month, thirteen back; and the one before it. */
		{ "police_notification_lag", "2021-04-01T10:00:00+01:00",
		  "2021-04-06T10:00:00+01:00" },
		{ "police_notification_lag", "2021-03-01T10:00:00Z",
		  "2021-03-31T10:00:00+01:00" },
		/* Not stopped, stopped before it started, another clock. */
		{ "police_notification_lag", "2022-04-04T10:00:00+01:00", NULL },
		{ "police_notification_lag", "2022-04-06T10:00:00+01:00",
		  "2022-04-05T10:00:00+01:00" },
		{ "contact_decision", "2022-04-04T10:00:00+01:00",
		  "2022-04-29T10:00:00+01:00" },
	};
	static const struct {
		int		 index;		/* 12: April 2022 */
		uint64_t	 n;
		double		 median, p90;
	} want[] = {
		/* April: 0, 0, 1, 1, 1, 5 -> median 1, p90 h = 4.5: 1 + .5 * 4. */
		{ 12, 6, 1.0, 3.0 },
		{ 11, 1, 1.0, 1.0 },
		/* This calendar has no 2021 holidays: Fri 2, Mon 5, Tue 6. */
		{ 0, 1, 3.0, 3.0 },
		{ 1, 0, NAN, NAN },
	};
	struct fixture *f = *state;
	struct partnership *p = partnership_new(f->cfg, f->cal,
	    (struct cal_date){ 2022, 4, 17 }, 0);

	assert_int_equal(p->first.day, 1);
	assert_int_equal(p->last.day, 30);
	assert_int_equal(p->lag[0].month.year, 2021);
	assert_int_equal(p->lag[0].month.month, 4);
	assert_int_equal(partnership_clock_since(p),
	    tu_iso(f->cal, "2021-04-01T00:00:00+01:00"));
	for (size_t i = 0; i < NELEM(rows); i++)
		lag(f, p, rows[i].clock, rows[i].incident, rows[i].received);
	for (size_t i = 0; i < NELEM(want); i++) {
		const struct pship_hist *h = &p->lag[want[i].index].days;
		double m = partnership_quantile(h, 0.5);
		double q = partnership_quantile(h, 0.9);

		assert_int_equal(h->total, want[i].n);
		if (isnan(want[i].median) ? !isnan(m) : m != want[i].median)
			fail_msg("month %d: median %g", want[i].index, m);
		if (isnan(want[i].p90) ? !isnan(q) : fabs(q - want[i].p90) >
		    1e-9)
			fail_msg("month %d: p90 %g", want[i].index, q);
	}
	partnership_free(p);
}

/* Late work by the agency its reason names; every late item counts. */
static void
test_late_by_agency(void **state)
{
	static const struct {
		const char	*clock, *reason, *due, *until;
	} rows[] = {
		{ "contact_decision", "police_unavailable",
		  "2022-04-14T10:00:00+01:00", "2022-04-19T09:00:00+01:00" },
		{ "strategy_discussion", "police_unavailable",
		  "2022-04-20T10:00:00+01:00", "2022-04-25T09:00:00+01:00" },
		{ "contact_decision", "awaiting_gp",
		  "2022-04-21T10:00:00+01:00", "2022-04-22T09:00:00+01:00" },
		{ "contact_decision", NULL,
		  "2022-04-22T10:00:00+01:00", "2022-05-01T00:00:00+01:00" },
		{ "strategy_discussion", "capacity",
		  "2022-04-26T10:00:00+01:00", "2022-04-27T10:00:00+01:00" },
		/* A code since removed: late, but no agency. */
		{ "strategy_discussion", "retired",
		  "2022-04-26T10:00:00+01:00", "2022-04-27T10:00:00+01:00" },
		/* A clock the config lacks: ignored. */
		{ "gone", "police_unavailable",
		  "2022-04-26T10:00:00+01:00", "2022-04-27T10:00:00+01:00" },
	};
	struct fixture *f = *state;
	struct partnership *p = partnership_new(f->cfg, f->cal,
	    (struct cal_date){ 2022, 4, 1 }, 0);
	const struct pship_agency *a;

	for (size_t i = 0; i < NELEM(rows); i++)
		partnership_add_late(p, rows[i].clock, rows[i].reason,
		    tu_iso(f->cal, rows[i].due), tu_iso(f->cal, rows[i].until));
	assert_int_equal(p->late, 6);
	assert_int_equal(p->late_clock[0], 3);	/* contact_decision */
	assert_int_equal(p->late_clock[2], 3);	/* strategy_discussion */
	assert_int_equal(p->nagencies, 2);
	a = &p->agencies[0];
	assert_string_equal(a->agency, "health");
	assert_int_equal(a->all.total, 1);
	assert_true(partnership_quantile(&a->all, 0.5) == 1.0);
	a = &p->agencies[1];
	assert_string_equal(a->agency, "police");
	assert_int_equal(a->all.total, 2);
	/* 1 (across Easter) and 3 working days late. */
	assert_true(partnership_quantile(&a->all, 0.5) == 2.0);
	assert_int_equal(a->clocks[0].total, 1);
	assert_int_equal(a->clocks[2].total, 1);
	assert_true(partnership_quantile(&a->clocks[2], 0.5) == 3.0);
	partnership_free(p);
}

/* The attendance check: the month's rows, and who its detail says was absent. */
static void
test_attendance(void **state)
{
	static const struct {
		const char	*check, *at;
		bool		 passed;
		const char	*detail;
	} rows[] = {
		{ "strategy_attendance", "2022-04-05T10:00:00+01:00", true, NULL },
		{ "strategy_attendance", "2022-04-06T10:00:00+01:00", false,
		  "absent: health" },
		{ "strategy_attendance", "2022-04-07T10:00:00+01:00", false,
		  "absent: police, health" },
		{ "strategy_attendance", "2022-04-08T10:00:00+01:00", false,
		  "absent: policeman" },	/* not "police" */
		{ "strategy_attendance", "2022-04-08T11:00:00+01:00", false,
		  "no record of who came" },
		{ "strategy_attendance", "2022-04-30T23:59:00+01:00", false,
		  "absent: police" },
		{ "strategy_attendance", "2022-05-01T00:00:00+01:00", false,
		  "absent: police" },		/* May */
		{ "strategy_attendance", "2022-03-31T23:59:00+01:00", false,
		  "absent: police" },		/* March */
		{ "s47_without_strategy", "2022-04-08T10:00:00+01:00", false,
		  "absent: police" },		/* another check */
	};
	struct fixture *f = *state;
	struct partnership *p = partnership_new(f->cfg, f->cal,
	    (struct cal_date){ 2022, 4, 1 }, 0);

	for (size_t i = 0; i < NELEM(rows); i++)
		partnership_add_check(p, rows[i].check, tu_iso(f->cal,
		    rows[i].at), rows[i].passed, rows[i].detail);
	assert_int_equal(p->held, 6);
	assert_int_equal(p->without, 5);
	assert_int_equal(p->police_absent, 2);
	assert_int_equal(p->health_absent, 2);
	partnership_free(p);
}

/* Contacts received in the month, by source; other kinds never count. */
static void
test_contacts_by_source(void **state)
{
	static const struct {
		const char	*kind, *at, *source;
	} rows[] = {
		{ "contact", "2022-04-01T00:00:00+01:00", "police" },
		{ "contact", "2022-04-02T10:00:00+01:00", "school" },
		{ "contact", "2022-04-03T10:00:00+01:00", "police" },
		{ "contact", "2022-04-04T10:00:00+01:00", NULL },
		{ "contact", "2022-04-05T10:00:00+01:00", "" },
		{ "referral", "2022-04-05T10:00:00+01:00", "police" },
		{ "contact", "2022-03-31T23:59:59+01:00", "police" },
		{ "contact", "2022-05-01T00:00:00+01:00", "police" },
	};
	struct fixture *f = *state;
	struct partnership *p = partnership_new(f->cfg, f->cal,
	    (struct cal_date){ 2022, 4, 1 }, 0);

	for (size_t i = 0; i < NELEM(rows); i++) {
		struct event_row e = { rows[i].kind, "E", "P", NULL,
		    tu_iso(f->cal, rows[i].at), rows[i].source };

		partnership_add_event(p, &e);
	}
	assert_int_equal(p->contacts, 5);
	assert_int_equal(p->nsources, 3);
	assert_string_equal(p->sources[0].source, "police");
	assert_int_equal(p->sources[0].contacts, 2);
	assert_string_equal(p->sources[1].source, "school");
	assert_int_equal(p->sources[1].contacts, 1);
	assert_null(p->sources[2].source);
	assert_int_equal(p->sources[2].contacts, 2);
	partnership_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_police_lag, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_late_by_agency, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_attendance, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_contacts_by_source, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
