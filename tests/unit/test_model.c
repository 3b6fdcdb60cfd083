/*
 * The model against the example config and the real holiday file: each
 * clock turns due_soon, overdue and escalated at the right instant, fires
 * each level once, resolves when it stops or disappears, and turns hostile
 * rows into findings.  Expected instants are worked out by hand from the
 * 2022 calendar (Good Friday 15 April, Easter Monday 18 April).
 */
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
#include "mashwatch/model.h"

#include "testutil.h"

struct fixture {
	struct config	*cfg;
	struct calendar	*cal;
	struct model	*m;
	struct transition *t;
	size_t		 nt;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct config_errors errs = { 0 };
	char err[256];

	f->cfg = config_load("etc/mashwatch.conf", &errs);
	for (size_t i = 0; i < errs.n; i++)
		print_error("%s\n", errs.v[i]);
	assert_non_null(f->cfg);
	f->cal = calendar_new(f->cfg->calendar.timezone,
	    f->cfg->calendar.working_days, err, sizeof(err));
	assert_non_null(f->cal);
	assert_int_equal(calendar_load_holidays(f->cal,
	    f->cfg->calendar.holidays, err, sizeof(err)), 0);
	f->m = model_new(f->cfg, f->cal, false);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	transition_free_array(f->t, f->nt);
	model_free(f->m);
	calendar_free(f->cal);
	config_free(f->cfg);
	free(f);
	return 0;
}

/* Take what the model queued, freeing the previous batch. */
static size_t
take(struct fixture *f)
{
	transition_free_array(f->t, f->nt);
	f->t = model_take_transitions(f->m, &f->nt);
	return f->nt;
}

static void
put_clock(struct fixture *f, const char *clock, const char *id,
    const char *priority, const char *start, const char *stop, int64_t now)
{
	struct clock_row r = {
		.clock = clock, .instance_id = id, .child_id = "P1",
		.team_id = "MASH", .priority = priority,
		.started_at = tu_iso(NULL, start),
		.stopped_at = stop ? tu_iso(NULL, stop) : TIME_NONE,
	};

	assert_int_equal(model_put_clock(f->m, &r, now), 0);
}

static void
assert_raise(const struct transition *t, const char *rule, const char *id,
    enum alert_level level, int64_t fired_at)
{
	assert_int_equal(t->kind, TR_RAISE);
	assert_string_equal(t->rule, rule);
	assert_string_equal(t->instance_id, id);
	assert_string_equal(alert_level_name(t->level), alert_level_name(level));
	assert_true(t->fired_at == fired_at);
}

static void
assert_resolve(const struct transition *t, const char *rule, const char *id,
    const char *resolution)
{
	assert_int_equal(t->kind, TR_RESOLVE);
	assert_string_equal(t->rule, rule);
	assert_string_equal(t->instance_id, id);
	assert_string_equal(t->resolution, resolution);
}

/*
 * A contact received on the Thursday before Easter: due at the end of
 * Tuesday 19 April, warned at its start, escalated at the end of the next
 * working day, and decided late on the Thursday.
 */
static void
test_contact_through_easter(void **state)
{
	struct fixture *f = *state;
	int64_t warn = tu_iso(NULL, "2022-04-19T00:00:00+01:00");
	int64_t due = tu_iso(NULL, "2022-04-20T00:00:00+01:00");
	int64_t esc = tu_iso(NULL, "2022-04-21T00:00:00+01:00");

	model_begin_full(f->m);
	put_clock(f, "contact_decision", "C1", NULL,
	    "2022-04-14T10:00:00+01:00", NULL,
	    tu_iso(NULL, "2022-04-14T12:00:00+01:00"));
	model_end_full(f->m, tu_iso(NULL, "2022-04-14T12:00:00+01:00"));
	assert_int_equal(take(f), 0);
	assert_true(model_next_transition(f->m) == warn);

	model_advance(f->m, warn - 1);
	assert_int_equal(take(f), 0);
	model_advance(f->m, warn);
	assert_int_equal(take(f), 1);
	assert_raise(&f->t[0], "contact_decision", "C1", AL_DUE_SOON, warn);
	assert_true(model_next_transition(f->m) == due);

	model_advance(f->m, due);
	assert_int_equal(take(f), 1);
	assert_raise(&f->t[0], "contact_decision", "C1", AL_OVERDUE, due);
	assert_true(f->t[0].due_at == due);
	assert_true(model_next_transition(f->m) == esc);

	model_advance(f->m, esc + 5);
	assert_int_equal(take(f), 1);
	assert_raise(&f->t[0], "contact_decision", "C1", AL_ESCALATED, esc);
	assert_true(model_next_transition(f->m) == INT64_MAX);

	/* Nothing fires twice. */
	model_advance(f->m, esc + 3600);
	assert_int_equal(take(f), 0);

	put_clock(f, "contact_decision", "C1", NULL,
	    "2022-04-14T10:00:00+01:00", "2022-04-21T09:00:00+01:00",
	    tu_iso(NULL, "2022-04-21T09:30:00+01:00"));
	assert_int_equal(take(f), 1);
	assert_resolve(&f->t[0], "contact_decision", "C1", "met_late");
	assert_true(f->t[0].stopped_at ==
	    tu_iso(NULL, "2022-04-21T09:00:00+01:00"));
}

/* Found already past its deadline: overdue fires, the stale warning does not. */
static void
test_found_overdue_skips_warning(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-20T09:00:00+01:00");

	model_begin_full(f->m);
	put_clock(f, "contact_decision", "C2", NULL,
	    "2022-04-14T10:00:00+01:00", NULL, now);
	model_end_full(f->m, now);
	assert_int_equal(take(f), 1);
	assert_raise(&f->t[0], "contact_decision", "C2", AL_OVERDUE,
	    tu_iso(NULL, "2022-04-20T00:00:00+01:00"));
}

/*
 * After a restart the store says what fired: nothing fires again, what
 * came due while down fires, and an alert for an instance the source no
 * longer has is withdrawn.
 */
static void
test_restart_resumes(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-21T09:00:00+01:00");

	model_begin_full(f->m);
	put_clock(f, "contact_decision", "C3", NULL,
	    "2022-04-14T10:00:00+01:00", NULL, now);
	model_mark_fired(f->m, "contact_decision", "C3", AL_DUE_SOON, now);
	model_mark_fired(f->m, "contact_decision", "C3", AL_OVERDUE, now);
	model_mark_fired(f->m, "contact_decision", "GONE", AL_OVERDUE, now);
	model_end_full(f->m, now);
	assert_int_equal(take(f), 2);
	assert_resolve(&f->t[0], "contact_decision", "GONE", "withdrawn");
	assert_raise(&f->t[1], "contact_decision", "C3", AL_ESCALATED,
	    tu_iso(NULL, "2022-04-21T00:00:00+01:00"));
}

/* A row gone from the source at the next full pass is withdrawn. */
static void
test_withdrawn_at_resync(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-20T09:00:00+01:00");
	struct model_counts c;

	model_begin_full(f->m);
	put_clock(f, "contact_decision", "C4", NULL,
	    "2022-04-14T10:00:00+01:00", NULL, now);
	put_clock(f, "contact_decision", "C5", NULL,
	    "2022-04-20T08:00:00+01:00", NULL, now);
	model_end_full(f->m, now);
	assert_int_equal(take(f), 1);

	model_begin_full(f->m);
	put_clock(f, "contact_decision", "C5", NULL,
	    "2022-04-20T08:00:00+01:00", NULL, now + 60);
	model_end_full(f->m, now + 60);
	assert_int_equal(take(f), 1);
	assert_resolve(&f->t[0], "contact_decision", "C4", "withdrawn");
	model_counts(f->m, now + 60, &c);
	assert_int_equal(c.clocks, 1);
	assert_int_equal(c.open, 1);
	assert_int_equal(c.overdue, 0);
}

/*
 * A police notification received a week after the incident: the clock
 * alerts only on its late stop, raised and resolved together.
 */
static void
test_police_notification_late(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-08T12:00:00+01:00");

	model_begin_full(f->m);
	model_end_full(f->m, now);
	put_clock(f, "police_notification_lag", "C6", NULL,
	    "2022-04-01T22:00:00+01:00", "2022-04-08T11:00:00+01:00", now);
	assert_int_equal(take(f), 2);
	assert_raise(&f->t[0], "police_notification_lag", "C6", AL_OVERDUE,
	    tu_iso(NULL, "2022-04-08T11:00:00+01:00"));
	assert_resolve(&f->t[1], "police_notification_lag", "C6", "met_late");
	/* On time: nothing at all. */
	put_clock(f, "police_notification_lag", "C7", NULL,
	    "2022-04-07T22:00:00+01:00", "2022-04-08T09:00:00+01:00", now);
	assert_int_equal(take(f), 0);
}

/* Per-priority limits: an urgent strategy discussion is 24 elapsed hours. */
static void
test_priority_limits(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-03-26T12:00:00Z");

	model_begin_full(f->m);
	/* Across the spring change: 24 hours elapsed is 13:00 BST next day. */
	put_clock(f, "strategy_discussion", "S1", "urgent",
	    "2022-03-26T12:00:00Z", NULL, now);
	/* Standard risk: 3 working days, the end of Wednesday 30 March. */
	put_clock(f, "da_screening", "D1", "standard",
	    "2022-03-25T10:00:00Z", NULL, now);
	model_end_full(f->m, now);
	/* A 1 working day warning on a 24 hour clock starts with the clock. */
	assert_int_equal(take(f), 1);
	assert_raise(&f->t[0], "strategy_discussion", "S1", AL_DUE_SOON, now);
	model_advance(f->m, tu_iso(NULL, "2022-03-27T12:00:00Z"));
	assert_int_equal(take(f), 1);
	assert_raise(&f->t[0], "strategy_discussion", "S1", AL_OVERDUE,
	    tu_iso(NULL, "2022-03-27T13:00:00+01:00"));
}

static void count_invalid_prio(void *arg, const struct invalid_view *v);

/*
 * A priority the clock does not list: timed on the clock's default limit,
 * and a data-quality finding that says so; listed again, the finding
 * clears and the clock stays.
 */
static void
test_unlisted_priority(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-03-28T12:00:00+01:00");
	struct clock_row r = { "da_screening", "D9", "P9", "MASH", NULL,
	    "extreme", tu_iso(NULL, "2022-03-25T10:00:00Z"), TIME_NONE };
	size_t n = 0;

	model_begin_full(f->m);
	assert_int_equal(model_put_clock(f->m, &r, now), 0);
	model_end_full(f->m, now);
	model_foreach_invalid(f->m, count_invalid_prio, &n);
	assert_int_equal(n, 1);
	/* Timed on the default 3 working days: overdue from Thursday. */
	take(f);
	model_advance(f->m, tu_iso(NULL, "2022-03-31T00:00:00+01:00"));
	{
		struct model_counts c;
		model_counts(f->m, tu_iso(NULL, "2022-03-31T00:00:00+01:00"),
		    &c);
		assert_int_equal(c.open, 1);
		assert_int_equal(c.overdue, 1);
		assert_int_equal(c.invalid, 1);
	}
	/* The same row again: no second finding. */
	model_begin_full(f->m);
	assert_int_equal(model_put_clock(f->m, &r, now), 0);
	model_end_full(f->m, now);
	n = 0;
	model_foreach_invalid(f->m, count_invalid_prio, &n);
	assert_int_equal(n, 1);
	/* Put right: the finding clears, the clock stays. */
	r.priority = "high";
	model_begin_full(f->m);
	assert_int_equal(model_put_clock(f->m, &r, now), 0);
	model_end_full(f->m, now);
	n = 0;
	model_foreach_invalid(f->m, count_invalid_prio, &n);
	assert_int_equal(n, 0);
}

/* The one set of rules, live and in replay, as a table. */
static void
test_judge_clock(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-20T09:00:00+01:00");
	int64_t start = tu_iso(NULL, "2022-04-19T09:00:00+01:00");
	const struct {
		const char	*name;
		struct clock_row row;
		bool		 replay;
		const char	*invalid;	/* NULL: timed */
		const char	*note;		/* NULL: no finding */
	} cases[] = {
		{ "plain", { "contact_decision", "I", "P", NULL, NULL, NULL,
		    start, TIME_NONE }, false, NULL, NULL },
		{ "stop infinity", { "contact_decision", "I", "P", NULL, NULL,
		    NULL, start, TIME_BAD }, false, "timestamp out of range",
		    NULL },
		{ "stop infinity, replay", { "contact_decision", "I", "P", NULL,
		    NULL, NULL, start, TIME_BAD }, true,
		    "timestamp out of range", NULL },
		{ "start -infinity", { "contact_decision", "I", "P", NULL, NULL,
		    NULL, TIME_BAD, TIME_NONE }, false,
		    "timestamp out of range", NULL },
		{ "start 1969", { "contact_decision", "I", "P", NULL, NULL, NULL,
		    -1, TIME_NONE }, true, "timestamp out of range", NULL },
		{ "start 1970", { "contact_decision", "I", "P", NULL, NULL, NULL,
		    0, TIME_NONE }, true, NULL, NULL },
		{ "stop 9999 live", { "contact_decision", "I", "P", NULL, NULL,
		    NULL, start, tu_iso(NULL, "9999-12-31T00:00:00Z") }, false,
		    "stopped in the future", NULL },
		/* --at: a stop after TIME has not happened yet. */
		{ "stop 9999 replay", { "contact_decision", "I", "P", NULL,
		    NULL, NULL, start, tu_iso(NULL, "9999-12-31T00:00:00Z") },
		    true, NULL, NULL },
		{ "stop within the slack", { "contact_decision", "I", "P", NULL,
		    NULL, NULL, start, now + 60 }, false, NULL, NULL },
		{ "unknown clock", { "nope", "I", "P", NULL, NULL, NULL, start,
		    TIME_NONE }, false, "unknown clock 'nope'", NULL },
		{ "unlisted priority", { "da_screening", "I", "P", NULL, NULL,
		    "standard2", start, TIME_NONE }, false, NULL,
		    "priority 'standard2' is not configured for da_screening; "
		    "timed on the default limit of 3 working days" },
		{ "empty child", { "contact_decision", "I", "", NULL, NULL,
		    NULL, start, TIME_NONE }, false, "child_id is missing",
		    NULL },
		{ "null clock", { NULL, "I", "P", NULL, NULL, NULL, start,
		    TIME_NONE }, false, "clock is missing", NULL },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct clock_verdict v;

		model_judge_clock(f->cfg, &cases[i].row, now, cases[i].replay,
		    &v);
		if ((v.invalid == NULL) != (cases[i].invalid == NULL) ||
		    (v.invalid != NULL && strcmp(v.invalid,
		    cases[i].invalid) != 0))
			fail_msg("%s: invalid '%s', want '%s'", cases[i].name,
			    v.invalid ? v.invalid : "(none)",
			    cases[i].invalid ? cases[i].invalid : "(none)");
		if ((v.note == NULL) != (cases[i].note == NULL) ||
		    (v.note != NULL && strcmp(v.note, cases[i].note) != 0))
			fail_msg("%s: note '%s', want '%s'", cases[i].name,
			    v.note ? v.note : "(none)",
			    cases[i].note ? cases[i].note : "(none)");
		if (v.invalid == NULL)
			assert_non_null(v.limit);
	}
}

/* A row reference is stable, and differs with any field. */
static void
test_row_ref(void **state)
{
	const char *a[3] = { "x", NULL, "p" }, *b[3] = { "x", "", "p" };
	int64_t t[1] = { 5 }, u[1] = { 6 };
	char r1[32], r2[32], r3[32], r4[32];

	(void)state;
	model_row_ref(a, 3, t, 1, r1, sizeof(r1));
	model_row_ref(a, 3, t, 1, r2, sizeof(r2));
	model_row_ref(b, 3, t, 1, r3, sizeof(r3));
	model_row_ref(a, 3, u, 1, r4, sizeof(r4));
	assert_string_equal(r1, r2);
	assert_int_equal(strlen(r1), 20);
	assert_string_not_equal(r1, r3);	/* NULL is not empty */
	assert_string_not_equal(r1, r4);
}

struct hostile {
	const char	*name;
	struct clock_row row;
	const char	*reason;
};

static void
count_invalid_prio(void *arg, const struct invalid_view *v)
{
	size_t *n = arg;

	if (strstr(v->reason, "is not configured for") != NULL)
		(*n)++;
}

static void
count_invalid(void *arg, const struct invalid_view *v)
{
	size_t *n = arg;

	(void)v;
	(*n)++;
}

/* Each hostile row is one data_quality finding, and the model carries on. */
static void
test_hostile_rows(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-20T09:00:00+01:00");
	int64_t start = tu_iso(NULL, "2022-04-19T09:00:00+01:00");
	char *huge = malloc(1024 * 1024 + 1);
	size_t n = 0;

	memset(huge, 'x', 1024 * 1024);
	huge[1024 * 1024] = '\0';
	const struct hostile rows[] = {
		{ "null child", { "contact_decision", "H1", NULL, "MASH", NULL,
		    NULL, start, TIME_NONE }, "child_id is missing" },
		{ "stop before start", { "contact_decision", "H2", "P2", "MASH",
		    NULL, NULL, start, start - 60 }, "stopped before it started" },
		{ "start in 2099", { "contact_decision", "H3", "P3", "MASH", NULL,
		    NULL, tu_iso(NULL, "2099-01-01T00:00:00Z"), TIME_NONE },
		    "starts in the future" },
		{ "1 MB identifier", { "contact_decision", huge, "P4", "MASH",
		    NULL, NULL, start, TIME_NONE }, "instance_id is too long" },
		{ "invalid UTF-8", { "contact_decision", "H5", "P\xc3\x28", "MASH",
		    NULL, NULL, start, TIME_NONE }, "child_id is not valid UTF-8" },
		{ "unknown clock", { "no_such_clock", "H6", "P6", "MASH", NULL,
		    NULL, start, TIME_NONE }, "unknown clock 'no_such_clock'" },
		{ "null start", { "contact_decision", "H8", "P8", "MASH", NULL,
		    NULL, TIME_NONE, TIME_NONE }, "started_at is missing" },
		{ "start infinity", { "contact_decision", "H10", "P10", "MASH",
		    NULL, NULL, TIME_BAD, TIME_NONE }, "timestamp out of range" },
		{ "stop infinity", { "contact_decision", "H11", "P11", "MASH",
		    NULL, NULL, start, TIME_BAD }, "timestamp out of range" },
		{ "start in year 0001", { "contact_decision", "H12", "P12",
		    "MASH", NULL, NULL, -62135596800LL, TIME_NONE },
		    "timestamp out of range" },
		{ "stop in 9999", { "contact_decision", "H13", "P13", "MASH",
		    NULL, NULL, start, tu_iso(NULL, "9999-12-31T00:00:00Z") },
		    "stopped in the future" },
		/* Two rows without an instance: two findings, not one. */
		{ "null instance 1", { "contact_decision", NULL, "P14", "MASH",
		    NULL, NULL, start, TIME_NONE }, "instance_id is missing" },
		{ "null instance 2", { "contact_decision", NULL, "P15", "MASH",
		    NULL, NULL, start, TIME_NONE }, "instance_id is missing" },
		{ "empty clock", { "", "H16", "P16", "MASH", NULL, NULL, start,
		    TIME_NONE }, "clock is missing" },
	};
	const size_t nrows = NELEM(rows);
	/* Started this morning, so on time: only its duplicate is a finding. */
	struct clock_row dup = { "contact_decision", "H9", "P9", "MASH", NULL,
	    NULL, now - 60, TIME_NONE };

	model_begin_full(f->m);
	for (size_t i = 0; i < nrows; i++)
		assert_int_equal(model_put_clock(f->m, &rows[i].row, now), -1);
	assert_int_equal(model_put_clock(f->m, &dup, now), 0);
	assert_int_equal(model_put_clock(f->m, &dup, now), -1);
	model_end_full(f->m, now);
	assert_int_equal(take(f), nrows + 1);
	for (size_t i = 0; i < f->nt; i++) {
		assert_int_equal(f->t[i].kind, TR_RAISE);
		assert_int_equal(f->t[i].level, AL_DATA_QUALITY);
		assert_string_equal(f->t[i].rule, "invalid");
		/* Never the whole of a hostile value. */
		assert_true(strlen(f->t[i].instance_id) < 300);
		assert_true(strlen(f->t[i].detail) < 600);
	}
	for (size_t i = 0; i < nrows; i++) {
		bool found = false;
		for (size_t j = 0; j < f->nt && !found; j++)
			found = strstr(f->t[j].detail, rows[i].reason) != NULL;
		if (!found)
			fail_msg("%s: no finding '%s'", rows[i].name,
			    rows[i].reason);
	}
	model_foreach_invalid(f->m, count_invalid, &n);
	assert_int_equal(n, nrows + 1);

	/* The same rows at the next resync fire nothing new. */
	model_begin_full(f->m);
	for (size_t i = 0; i < nrows; i++)
		model_put_clock(f->m, &rows[i].row, now);
	model_put_clock(f->m, &dup, now);
	model_put_clock(f->m, &dup, now);
	model_end_full(f->m, now);
	assert_int_equal(take(f), 0);

	/* Put right, the finding clears. */
	model_begin_full(f->m);
	model_put_clock(f->m, &dup, now);
	model_end_full(f->m, now);
	assert_int_equal(take(f), nrows + 1);
	for (size_t i = 0; i < f->nt; i++)
		assert_resolve(&f->t[i], "invalid", f->t[i].instance_id,
		    "cleared");
	free(huge);
}

static void
put_event_from(struct fixture *f, const char *id, const char *child,
    const char *at, const char *source, int64_t now)
{
	struct event_row r = { "contact", id, child, "MASH", tu_iso(NULL, at),
	    source };

	assert_int_equal(model_put_event(f->m, &r, now), 0);
}

static void
put_event(struct fixture *f, const char *id, const char *child,
    const char *at, int64_t now)
{
	put_event_from(f, id, child, at, NULL, now);
}

/* Three contacts in three months fire once; a fourth fires again. */
static void
test_repeat_contacts(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-20T09:00:00+01:00");

	model_begin_full(f->m);
	put_event(f, "E1", "P1", "2022-01-10T10:00:00Z", now);	/* outside */
	/* Who made each contact, through a full pass and one by one. */
	put_event_from(f, "E2", "P1", "2022-02-01T10:00:00Z", "police", now);
	put_event(f, "E3", "P1", "2022-03-01T10:00:00Z", now);
	put_event_from(f, "E4", "P1", "2022-04-19T10:00:00+01:00", "school",
	    now);
	put_event_from(f, "E5", "P2", "2022-04-19T10:00:00+01:00", "health",
	    now);
	put_event_from(f, "E6", "P2", "2022-04-19T11:00:00+01:00", "police",
	    now);
	model_end_full(f->m, now);
	assert_int_equal(take(f), 1);
	assert_raise(&f->t[0], "repeat_contacts", "E4", AL_REPEAT,
	    tu_iso(NULL, "2022-04-19T10:00:00+01:00"));
	assert_string_equal(f->t[0].child_id, "P1");
	assert_non_null(strstr(f->t[0].detail, "\"count\":3"));
	assert_non_null(strstr(f->t[0].detail, "[\"E2\",\"E3\",\"E4\"]"));
	assert_non_null(strstr(f->t[0].detail,
	    "\"sources\":[\"police\",null,\"school\"]"));

	put_event_from(f, "E7", "P2", "2022-04-20T08:00:00+01:00", "police",
	    now);
	assert_int_equal(take(f), 1);
	assert_raise(&f->t[0], "repeat_contacts", "E7", AL_REPEAT,
	    tu_iso(NULL, "2022-04-20T08:00:00+01:00"));
	assert_non_null(strstr(f->t[0].detail,
	    "\"sources\":[\"health\",\"police\",\"police\"]"));
	/* Read again (the poll's overlap): nothing new. */
	put_event(f, "E7", "P2", "2022-04-20T08:00:00+01:00", now);
	assert_int_equal(take(f), 0);
}

/*
 * A source that is not text is a finding, but the contact still counts
 * (as one whose source is not recorded); fixed, the finding resolves.
 */
static void
test_event_source_not_text(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-20T09:00:00+01:00");
	const struct transition *rep = NULL, *bad = NULL;

	model_begin_full(f->m);
	put_event_from(f, "E1", "P1", "2022-04-01T10:00:00+01:00", "police",
	    now);
	put_event_from(f, "E2", "P1", "2022-04-02T10:00:00+01:00", "\xc3\x28",
	    now);
	put_event_from(f, "E3", "P1", "2022-04-03T10:00:00+01:00", "school",
	    now);
	put_event_from(f, "E4", "P2", "2022-04-03T10:00:00+01:00", "", now);
	model_end_full(f->m, now);
	/* The repeat and one finding: an empty source is not recorded. */
	assert_int_equal(take(f), 2);
	for (size_t i = 0; i < f->nt; i++) {
		if (f->t[i].level == AL_REPEAT)
			rep = &f->t[i];
		else if (f->t[i].level == AL_DATA_QUALITY)
			bad = &f->t[i];
	}
	assert_non_null(rep);
	assert_non_null(strstr(rep->detail,
	    "\"sources\":[\"police\",null,\"school\"]"));
	assert_non_null(bad);
	assert_non_null(strstr(bad->detail, "source is not valid text"));
	/* Never the bad bytes themselves. */
	assert_null(strstr(bad->detail, "\xc3\x28"));

	model_begin_full(f->m);
	put_event_from(f, "E1", "P1", "2022-04-01T10:00:00+01:00", "police",
	    now);
	put_event_from(f, "E2", "P1", "2022-04-02T10:00:00+01:00", "health",
	    now);
	put_event_from(f, "E3", "P1", "2022-04-03T10:00:00+01:00", "school",
	    now);
	model_end_full(f->m, now);
	assert_int_equal(take(f), 1);
	assert_resolve(&f->t[0], "invalid", f->t[0].instance_id, "cleared");
}

/*
 * The event index: what each child's window holds after a sequence of
 * passes.  Steps: B begins a full pass, X ends it, A abandons it, E puts an
 * event (staged in a pass, in place outside one).
 */
struct event_step {
	char		 op;
	const char	*kind, *id, *child, *team, *at;
};

#define EV(k, i, c, t, a)	{ 'E', k, i, c, t, a }
#define OP(o)			{ o, NULL, NULL, NULL, NULL, NULL }

static const struct {
	const char		*why;
	struct event_step	 steps[16];
	size_t			 events;	/* in the model at the end */
	const char		*repeats;	/* model_foreach_repeat, as text */
} event_cases[] = {
	{ "three contacts in the window, one before it",
	  { OP('B'), EV("contact", "E1", "P1", "MASH", "2022-01-10T10:00:00Z"),
	    EV("contact", "E2", "P1", "MASH", "2022-02-01T10:00:00Z"),
	    EV("contact", "E3", "P1", "MASH", "2022-03-01T10:00:00Z"),
	    EV("contact", "E4", "P1", "MASH", "2022-04-19T10:00:00+01:00"),
	    OP('X') },
	  4, "repeat_contacts P1 MASH 3 E2,E3,E4;" },
	{ "an id twice in one pass: the later row wins",
	  { OP('B'), EV("contact", "E1", "P1", "MASH", "2022-02-01T10:00:00Z"),
	    EV("contact", "E2", "P1", "MASH", "2022-03-01T10:00:00Z"),
	    EV("contact", "E1", "P1", "MASH", "2022-01-10T10:00:00Z"),
	    EV("contact", "E3", "P1", "MASH", "2022-04-19T10:00:00+01:00"),
	    OP('X') },
	  3, "" },
	{ "an event gone from the next pass is forgotten",
	  { OP('B'), EV("contact", "E1", "P1", "MASH", "2022-02-01T10:00:00Z"),
	    EV("contact", "E2", "P1", "MASH", "2022-03-01T10:00:00Z"),
	    EV("contact", "E3", "P1", "MASH", "2022-04-01T10:00:00+01:00"),
	    OP('X'), OP('B'),
	    EV("contact", "E1", "P1", "MASH", "2022-02-01T10:00:00Z"),
	    EV("contact", "E3", "P1", "MASH", "2022-04-01T10:00:00+01:00"),
	    OP('X') },
	  2, "" },
	{ "a pass left unfinished leaves the last one as it was",
	  { OP('B'), EV("contact", "E1", "P1", "MASH", "2022-02-01T10:00:00Z"),
	    EV("contact", "E2", "P1", "MASH", "2022-03-01T10:00:00Z"),
	    EV("contact", "E3", "P1", "MASH", "2022-04-01T10:00:00+01:00"),
	    OP('X'), OP('B'),
	    EV("contact", "E1", "P1", "MASH", "2022-02-01T10:00:00Z"),
	    OP('A') },
	  3, "repeat_contacts P1 MASH 3 E1,E2,E3;" },
	{ "events between passes, more than the child's run holds, out of "
	  "order",
	  { OP('B'), EV("contact", "E5", "P1", "MASH", "2022-02-05T10:00:00Z"),
	    OP('X'),
	    EV("contact", "E3", "P1", "MASH", "2022-02-03T10:00:00Z"),
	    EV("contact", "E7", "P1", "MASH", "2022-02-07T10:00:00Z"),
	    EV("contact", "E1", "P1", "MASH", "2022-02-01T10:00:00Z"),
	    EV("contact", "E6", "P1", "MASH", "2022-02-06T10:00:00Z"),
	    EV("contact", "E2", "P1", "MASH", "2022-02-02T10:00:00Z"),
	    EV("contact", "E4", "P1", "MASH", "2022-02-04T10:00:00Z"),
	    EV("contact", "E3", "P1", "MASH", "2022-02-03T10:00:00Z") },
	  7, "repeat_contacts P1 MASH 7 E1,E2,E3,E4,E5,E6,E7;" },
	{ "the child's team is that of its latest event",
	  { OP('B'), EV("contact", "E1", "P1", "EAST", "2022-03-01T10:00:00Z"),
	    EV("contact", "E2", "P1", "WEST", "2022-04-19T10:00:00+01:00"),
	    EV("contact", "E3", "P1", "EAST", "2022-02-01T10:00:00Z"),
	    OP('X') },
	  3, "repeat_contacts P1 WEST 3 E3,E1,E2;" },
	{ "events at the same second go in id order",
	  { OP('B'), EV("contact", "Eb", "P1", "MASH", "2022-03-01T10:00:00Z"),
	    EV("contact", "Ec", "P1", "MASH", "2022-03-01T10:00:00Z"),
	    EV("contact", "Ea", "P1", "MASH", "2022-03-01T10:00:00Z"),
	    OP('X') },
	  3, "repeat_contacts P1 MASH 3 Ea,Eb,Ec;" },
	{ "kinds are counted apart; a kind no rule counts is not kept",
	  { OP('B'), EV("contact", "C1", "P1", "MASH", "2022-03-01T10:00:00Z"),
	    EV("contact", "C2", "P1", "MASH", "2022-03-02T10:00:00Z"),
	    EV("referral", "R1", "P1", "MASH", "2021-06-01T10:00:00+01:00"),
	    EV("referral", "R2", "P1", "MASH", "2022-03-03T10:00:00Z"),
	    EV("visit", "V1", "P1", "MASH", "2022-03-03T10:00:00Z"),
	    OP('X') },
	  4, "re_referral P1 MASH 2 R1,R2;" },
	{ "children apart: P1 and P10 share no events",
	  { OP('B'), EV("contact", "E1", "P1", "MASH", "2022-03-01T10:00:00Z"),
	    EV("contact", "E2", "P10", "MASH", "2022-03-02T10:00:00Z"),
	    EV("contact", "E3", "P1", "MASH", "2022-03-03T10:00:00Z"),
	    EV("contact", "E4", "P10", "MASH", "2022-03-04T10:00:00Z"),
	    EV("contact", "E5", "P1", "MASH", "2022-03-05T10:00:00Z"),
	    OP('X') },
	  5, "repeat_contacts P1 MASH 3 E1,E3,E5;" },
};

struct repeat_text {
	char	buf[512];
	size_t	len;
};

static void
repeat_to_text(void *arg, const struct repeat_view *v)
{
	struct repeat_text *rt = arg;

	rt->len += (size_t)snprintf(rt->buf + rt->len, sizeof(rt->buf) - rt->len,
	    "%s %s %s %zu ", v->rule->name, v->child_id, v->team_id, v->count);
	for (size_t i = 0; i < v->count; i++)
		rt->len += (size_t)snprintf(rt->buf + rt->len,
		    sizeof(rt->buf) - rt->len, "%s%s", v->event_ids[i],
		    i + 1 < v->count ? "," : ";");
	assert_true(rt->len < sizeof(rt->buf));
}

static void
test_event_index(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-20T09:00:00+01:00");
	int bad = 0;

	for (size_t i = 0; i < NELEM(event_cases);
	    i++) {
		struct model *m = model_new(f->cfg, f->cal, false);
		struct repeat_text rt = { .len = 0 };
		struct model_counts c;
		struct transition *t;
		size_t n;

		for (const struct event_step *st = event_cases[i].steps;
		    st->op != '\0'; st++) {
			struct event_row r = { st->kind, st->id, st->child,
			    st->team,
			    st->at ? tu_iso(NULL, st->at) : TIME_NONE, NULL };
			switch (st->op) {
			case 'B': model_begin_full(m); break;
			case 'X': model_end_full(m, now); break;
			case 'A': model_abort_full(m); break;
			case 'E':
				assert_int_equal(model_put_event(m, &r, now), 0);
				break;
			}
		}
		model_counts(m, now, &c);
		model_foreach_repeat(m, now, repeat_to_text, &rt);
		if (c.events != event_cases[i].events ||
		    strcmp(rt.buf, event_cases[i].repeats) != 0) {
			print_error("%s: %zu events, repeats \"%s\"; want %zu, "
			    "\"%s\"\n", event_cases[i].why, c.events, rt.buf,
			    event_cases[i].events, event_cases[i].repeats);
			bad++;
		}
		t = model_take_transitions(m, &n);
		transition_free_array(t, n);
		model_free(m);
	}
	assert_int_equal(bad, 0);
}

/* Keep the view of child P6 only. */
static void
count_child(void *arg, const struct repeat_view *v)
{
	struct repeat_text *rt = arg;

	if (strcmp(v->child_id, "P6") == 0)
		rt->len = (size_t)snprintf(rt->buf, sizeof(rt->buf),
		    "%s %s %zu", v->child_id, v->team_id, v->count);
}

/*
 * Enough children to spread over every partition of a pass and to grow
 * the table between passes: child k has k % 4 contacts, so a quarter of
 * them are at the rule's 3; one more contact each takes the next quarter
 * there, and each of those fires once.
 */
static void
event_index_many(struct fixture *f, size_t N)
{
	int64_t now = tu_iso(NULL, "2022-04-20T09:00:00+01:00");
	int64_t day = tu_iso(NULL, "2022-03-01T10:00:00Z");
	struct model_counts c;
	struct repeat_text rt;
	char id[32], child[32];
	size_t k, j, fired = 0;

	model_begin_full(f->m);
	for (k = 0; k < N; k++)
		for (j = 0; j < k % 4; j++) {
			struct event_row r = { "contact", id, child, "MASH",
			    day + (int64_t)j * 86400, NULL };
			snprintf(id, sizeof(id), "E%zu.%zu", k, j);
			snprintf(child, sizeof(child), "P%zu", k);
			assert_int_equal(model_put_event(f->m, &r, now), 0);
		}
	/* As the poller does: the index builds while the clocks are read. */
	model_end_events(f->m);
	for (k = 0; k < N / 4; k++) {
		snprintf(id, sizeof(id), "C%zu", k);
		put_clock(f, "contact_decision", id, NULL,
		    "2022-04-20T08:30:00+01:00", NULL, now);
	}
	/* An event of the pass after that goes into the new index directly. */
	{
		struct event_row r = { "contact", "E.late", "P.late", "MASH",
		    day, NULL };
		assert_int_equal(model_put_event(f->m, &r, now), 0);
	}
	model_end_full(f->m, now);
	model_counts(f->m, now, &c);
	assert_int_equal(c.open, N / 4);
	assert_int_equal(c.events, N / 4 * 6 + 1);
	assert_int_equal(take(f), N / 4);
	for (k = 2; k < N; k += 4) {
		struct event_row r = { "contact", id, child, "EAST", now - 60, NULL };
		snprintf(id, sizeof(id), "E%zu.new", k);
		snprintf(child, sizeof(child), "P%zu", k);
		assert_int_equal(model_put_event(f->m, &r, now), 0);
		fired += take(f);
		assert_string_equal(f->t[0].child_id, child);
		assert_string_equal(f->t[0].team_id, "EAST");
	}
	assert_int_equal(fired, N / 4);
	for (k = N; k < 2 * N; k++) {
		struct event_row r = { "contact", id, child, "MASH", day, NULL };
		snprintf(id, sizeof(id), "E%zu.0", k);
		snprintf(child, sizeof(child), "P%zu", k);
		assert_int_equal(model_put_event(f->m, &r, now), 0);
	}
	model_counts(f->m, now, &c);
	assert_int_equal(c.events, N / 4 * 6 + 1 + N / 4 + N);
	/* Child P6 (2 + 1 contacts) is found among the others by its id. */
	rt.len = 0;
	rt.buf[0] = '\0';
	model_foreach_repeat(f->m, now, count_child, &rt);
	assert_string_equal(rt.buf, "P6 EAST 3");
}

/* 6,000 rows: the index is built inline. */
static void
test_event_index_many(void **state)
{
	event_index_many(*state, 4000);
}

/* 72,000 rows: built on a thread while the clocks are read and swept. */
static void
test_event_index_threaded(void **state)
{
	event_index_many(*state, 48000);
}

/*
 * A pass that fails after its events' index began to build on a thread
 * keeps the index it had, and a model freed mid-pass waits for the thread
 * (ASan and valgrind see what either would leak).
 */
static void
test_event_build_abort(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-20T09:00:00+01:00");
	int64_t day = tu_iso(NULL, "2022-03-01T10:00:00Z");
	struct event_row r = { "contact", "E0", "P0", "MASH", day, NULL };
	struct model_counts c;
	char id[32], child[32];
	const size_t N = 70000;

	assert_int_equal(model_put_event(f->m, &r, now), 0);
	for (int pass = 0; pass < 2; pass++) {
		model_begin_full(f->m);
		for (size_t k = 0; k < N; k++) {
			struct event_row e = { "contact", id, child, "MASH",
			    day, NULL };
			snprintf(id, sizeof(id), "E%zu", k + 1);
			snprintf(child, sizeof(child), "P%zu", k % 20000);
			assert_int_equal(model_put_event(f->m, &e, now), 0);
		}
		model_end_events(f->m);
		if (pass == 1)
			break;		/* model_free in teardown joins it */
		model_abort_full(f->m);
		model_counts(f->m, now, &c);
		assert_int_equal(c.events, 1);
	}
}

static void
put_many(struct fixture *f, const char *prefix, int from, int to, int step,
    const char *stop, int64_t now)
{
	char id[16];

	for (int i = from; i < to; i += step) {
		snprintf(id, sizeof(id), "%s%d", prefix, i);
		put_clock(f, "assessment", id, NULL,
		    "2022-04-19T10:00:00+01:00", stop, now);
	}
}

static size_t
clocks_held(struct fixture *f, int64_t now)
{
	struct model_counts c;

	model_counts(f->m, now, &c);
	return c.clocks;
}

/*
 * The instance table through growth, drops in a walk and drops one at a
 * time: every instance still held is found again (a read of it adds
 * nothing), and none dropped is.
 */
static void
test_instance_table(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-20T09:00:00+01:00");
	const int N = 5000;

	model_begin_full(f->m);
	put_many(f, "A", 0, N, 1, NULL, now);
	model_end_full(f->m, now);
	assert_int_equal(clocks_held(f, now), N);
	/* A full pass without the odd ones withdraws them. */
	model_begin_full(f->m);
	put_many(f, "A", 0, N, 2, NULL, now);
	model_end_full(f->m, now);
	assert_int_equal(clocks_held(f, now), N / 2);
	put_many(f, "A", 0, N, 2, NULL, now);
	assert_int_equal(clocks_held(f, now), N / 2);
	/* A row turned bad (stopped before it started) drops its instance. */
	for (int i = 0; i < N; i += 4) {
		char id[16];
		struct clock_row r = {
			.clock = "assessment", .instance_id = id,
			.child_id = "P1", .started_at = now - 3600,
			.stopped_at = now - 7200,
		};
		snprintf(id, sizeof(id), "A%d", i);
		assert_int_equal(model_put_clock(f->m, &r, now), -1);
	}
	assert_int_equal(clocks_held(f, now), N / 4);
	put_many(f, "A", 2, N, 4, NULL, now);
	assert_int_equal(clocks_held(f, now), N / 4);
	/* The odd ones come back as new instances. */
	put_many(f, "A", 1, N, 2, NULL, now);
	assert_int_equal(clocks_held(f, now), N / 4 + N / 2);
	/* And the ones that turned bad, when put right. */
	put_many(f, "A", 0, N, 1, NULL, now);
	assert_int_equal(clocks_held(f, now), N);
}

/*
 * etc/mashwatch.conf without its first clock, written to a temporary
 * file: every other clock moves down one place.
 */
static struct config *
config_without_first_clock(void)
{
	const char *cut = "\t{\n\t\tname = \"contact_decision\";";
	char path[] = "/tmp/test_model.XXXXXX", *text, *a, *b;
	struct config_errors errs = { 0 };
	struct config *cfg;
	FILE *in, *out;
	long len;
	int fd;

	assert_non_null(in = fopen("etc/mashwatch.conf", "r"));
	assert_int_equal(fseek(in, 0, SEEK_END), 0);
	assert_true((len = ftell(in)) > 0);
	rewind(in);
	assert_non_null(text = calloc(1, (size_t)len + 1));
	assert_int_equal(fread(text, 1, (size_t)len, in), (size_t)len);
	fclose(in);
	assert_non_null(a = strstr(text, cut));
	assert_non_null(b = strstr(a, "\n\t},\n"));
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(out = fdopen(fd, "w"));
	fwrite(text, 1, (size_t)(a - text), out);
	fputs(b + strlen("\n\t},\n"), out);
	assert_int_equal(fclose(out), 0);
	free(text);
	cfg = config_load(path, &errs);
	unlink(path);
	for (size_t i = 0; i < errs.n; i++)
		print_error("%s\n", errs.v[i]);
	assert_non_null(cfg);
	assert_null(config_clock(cfg, "contact_decision"));
	return cfg;
}

/*
 * A reload that moves clocks keeps their instances: found again by the
 * next read, not taken for new ones (and the old withdrawn at the next
 * full pass).  The instances of a clock gone from the file are dropped.
 */
static void
test_reconfigure_moves_clocks(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-20T09:00:00+01:00");
	struct config *cfg = config_without_first_clock();
	struct model_counts c;
	char id[16];

	model_begin_full(f->m);
	put_clock(f, "contact_decision", "C1", NULL,
	    "2022-04-20T08:30:00+01:00", NULL, now);
	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "A%d", i);
		put_clock(f, "assessment", id, NULL,
		    "2022-04-19T10:00:00+01:00", NULL, now);
	}
	model_end_full(f->m, now);
	assert_int_equal(take(f), 0);

	model_reconfigure(f->m, cfg, f->cal, now);
	model_counts(f->m, now, &c);
	assert_int_equal(c.clocks, 100);
	/* An incremental read of every instance finds each one. */
	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "A%d", i);
		put_clock(f, "assessment", id, NULL,
		    "2022-04-19T10:00:00+01:00", NULL, now);
	}
	model_counts(f->m, now, &c);
	assert_int_equal(c.clocks, 100);
	/* And a full pass withdraws nothing. */
	model_begin_full(f->m);
	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "A%d", i);
		put_clock(f, "assessment", id, NULL,
		    "2022-04-19T10:00:00+01:00", NULL, now);
	}
	model_end_full(f->m, now);
	assert_int_equal(take(f), 0);
	model_counts(f->m, now, &c);
	assert_int_equal(c.clocks, 100);
	/* The model holds cfg: free it after the model. */
	model_free(f->m);
	f->m = NULL;
	config_free(cfg);
}

/* A failed check raises; put right, it resolves as passed. */
static void
test_checks(void **state)
{
	struct fixture *f = *state;
	int64_t now = tu_iso(NULL, "2022-04-20T09:00:00+01:00");
	struct check_row r = { "strategy_attendance", "S1", "P1", "MASH",
	    tu_iso(NULL, "2022-04-19T10:00:00+01:00"), 0, "absent: health" };

	model_begin_full(f->m);
	assert_int_equal(model_put_check(f->m, &r, now), 0);
	model_end_full(f->m, now);
	assert_int_equal(take(f), 1);
	assert_raise(&f->t[0], "strategy_attendance", "S1", AL_CHECK,
	    tu_iso(NULL, "2022-04-19T10:00:00+01:00"));
	r.passed = 1;
	r.detail = NULL;
	assert_int_equal(model_put_check(f->m, &r, now), 0);
	assert_int_equal(take(f), 1);
	assert_resolve(&f->t[0], "strategy_attendance", "S1", "passed");
}

struct state_case {
	const char	*what;
	const char	*now;
	const char	*stop;
	enum clock_state want;
};

/* clock_state_at on the Easter contact, instant by instant. */
static void
test_state_table(void **state)
{
	static const struct state_case cases[] = {
		{ "just started", "2022-04-14T10:00:00+01:00", NULL, CS_ON_TIME },
		{ "a second before the warning", "2022-04-18T23:59:59+01:00",
		    NULL, CS_ON_TIME },
		{ "the warning", "2022-04-19T00:00:00+01:00", NULL, CS_DUE_SOON },
		{ "the deadline", "2022-04-20T00:00:00+01:00", NULL, CS_OVERDUE },
		{ "escalation", "2022-04-21T00:00:00+01:00", NULL, CS_ESCALATED },
		{ "decided in time", "2022-04-20T09:00:00+01:00",
		    "2022-04-19T23:59:59+01:00", CS_MET },
		{ "decided at the deadline is late", "2022-04-20T09:00:00+01:00",
		    "2022-04-20T00:00:00+01:00", CS_MET_LATE },
		{ "a stop after now has not happened", "2022-04-20T09:00:00+01:00",
		    "2022-04-20T10:00:00+01:00", CS_OVERDUE },
	};
	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		const struct state_case *c = &cases[i];
		enum clock_state got = clock_state_at(tu_iso(NULL, c->now),
		    tu_iso(NULL, "2022-04-14T10:00:00+01:00"),
		    c->stop ? tu_iso(NULL, c->stop) : TIME_NONE,
		    tu_iso(NULL, "2022-04-19T00:00:00+01:00"),
		    tu_iso(NULL, "2022-04-20T00:00:00+01:00"),
		    tu_iso(NULL, "2022-04-21T00:00:00+01:00"));
		if (got != c->want)
			fail_msg("%s: %s, want %s", c->what,
			    clock_state_name(got), clock_state_name(c->want));
	}
}

struct view_ctx {
	size_t		 n;
	enum clock_state state[4];
};

static void
collect_view(void *arg, const struct clock_view *v)
{
	struct view_ctx *vc = arg;

	if (vc->n < 4)
		vc->state[vc->n] = v->state;
	vc->n++;
}

/* --at replay: a later start is not there yet; a later stop has not happened. */
static void
test_replay(void **state)
{
	struct fixture *f = *state;
	int64_t at = tu_iso(NULL, "2022-04-20T09:00:00+01:00");
	struct model *m = model_new(f->cfg, f->cal, true);
	struct view_ctx vc = { 0 };
	struct clock_row later = { "contact_decision", "R1", "P1", "MASH", NULL,
	    NULL, tu_iso(NULL, "2022-04-21T09:00:00+01:00"), TIME_NONE };
	struct clock_row stopped_later = { "contact_decision", "R2", "P1",
	    "MASH", NULL, NULL, tu_iso(NULL, "2022-04-14T10:00:00+01:00"),
	    tu_iso(NULL, "2022-04-22T09:00:00+01:00") };
	size_t n;
	struct transition *t;

	model_begin_full(m);
	assert_int_equal(model_put_clock(m, &later, at), 0);
	assert_int_equal(model_put_clock(m, &stopped_later, at), 0);
	model_end_full(m, at);
	model_foreach_clock(m, at, true, collect_view, &vc);
	assert_int_equal(vc.n, 1);
	assert_int_equal(vc.state[0], CS_OVERDUE);
	/* Replay writes nothing. */
	t = model_take_transitions(m, &n);
	assert_int_equal(n, 0);
	transition_free_array(t, n);
	model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_contact_through_easter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_found_overdue_skips_warning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_withdrawn_at_resync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_police_notification_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_priority_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlisted_priority, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_judge_clock, setup,
		    teardown),
		cmocka_unit_test(test_row_ref),
		cmocka_unit_test_setup_teardown(test_event_source_not_text,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeat_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_index_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_index_threaded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_event_build_abort, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_instance_table, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure_moves_clocks,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
	};

	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
