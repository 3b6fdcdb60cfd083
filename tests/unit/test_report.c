/*
 * Unit tests of lib/report*.c: quantiles, the repeat distribution, the
 * re-referral rule at its edges, clock figures as of the end of the day,
 * HTML escaping and CSV quoting.  Tables of cases throughout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"
#include "mashwatch/report.h"

#include "testutil.h"

static const char conf_text[] =
    "source: { conninfo = \"dbname=x\"; };\n"
    "calendar: { timezone = \"Europe/London\"; holidays = \"%s/etc/bank-holidays-england-and-wales.txt\"; };\n"
    "clocks = ( { name = \"contact_decision\"; label = \"Contacts <&> "
    "waiting\"; limit = \"1 working day\"; },\n"
    "  { name = \"strategy_discussion\"; limit = \"3 working days\";"
    " limits = { urgent = \"24 hours\"; }; } );\n"
    "repeats = ( { name = \"repeat_contacts\"; kind = \"contact\"; min = 3;"
    " window = \"3 months\"; } );\n"
    "checks = ( { name = \"strategy_attendance\"; } );\n"
    "reasons = ( { code = \"police_unavailable\"; label = \"Police not "
    "available\"; agency = \"police\"; }, { code = \"capacity\"; } );\n"
    "routes: { default = [ \"a@example.org\" ]; };\n"
    "notify: { transport = \"directory\"; directory = \"/tmp\";"
    " from = \"m@example.org\"; };\n";

struct fixture {
	char		 path[64];
	struct config	*cfg;
	struct calendar	*cal;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *text;

	assert_non_null(f);
	/* Run from the top of the tree, as `make unit` does. */
	assert_true(asprintf(&text, conf_text, getenv("MASHWATCH_SRCDIR") ?
	    getenv("MASHWATCH_SRCDIR") : ".") > 0);
	f->cfg = tu_config(text, f->path, sizeof(f->path));
	free(text);
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

/* The quantile over sorted values, straight from the definition (R type 7). */
static double
quantile_sorted(const double *sorted, size_t n, double q)
{
	double h;
	size_t lo, hi;

	if (n == 0)
		return NAN;
	h = (double)(n - 1) * q;
	lo = (size_t)floor(h);
	hi = lo + 1 < n ? lo + 1 : lo;
	return sorted[lo] + (h - floor(h)) * (sorted[hi] - sorted[lo]);
}

static void
test_quantiles(void **state)
{
	static const struct {
		double		v[8];
		size_t		n;
		double		q, want;
	} cases[] = {
		{ { 0 }, 0, 0.5, NAN },
		{ { 3 }, 1, 0.5, 3 },
		{ { 3 }, 1, 0.9, 3 },
		{ { 1, 2 }, 2, 0.5, 1.5 },
		{ { 1, 2, 3 }, 3, 0.5, 2 },
		{ { 1, 2, 3, 4 }, 4, 0.5, 2.5 },
		{ { 0, 1, 1, 1, 2, 2, 3, 10 }, 8, 0.9, 5.1 },
		{ { 0, 1, 1, 1, 2, 2, 3, 10 }, 8, 0.5, 1.5 },
		{ { 0, 0, 0, 0, 0, 0, 0, 0 }, 8, 0.9, 0 },
		{ { 1, 2, 3, 4, 5, 6, 7, 8 }, 8, 1.0, 8 },
		{ { 1, 2, 3, 4, 5, 6, 7, 8 }, 8, 0.0, 1 },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		uint64_t hist[16] = { 0 };
		double a = quantile_sorted(cases[i].v, cases[i].n, cases[i].q);
		double b;

		for (size_t j = 0; j < cases[i].n; j++)
			hist[(int)cases[i].v[j]]++;
		b = report_quantile_hist(hist, 16, cases[i].q);
		if (isnan(cases[i].want)) {
			assert_true(isnan(a) && isnan(b));
			continue;
		}
		assert_float_equal(a, cases[i].want, 1e-9);
		assert_float_equal(b, cases[i].want, 1e-9);
	}
	assert_float_equal(report_share(150, 1000), 0.15, 1e-12);
	assert_float_equal(report_share(2, 3), 0.6667, 1e-12);
	assert_true(isnan(report_share(0, 0)));
}

static void
feed_from(struct fixture *f, struct report *r, const char *kind,
    const char *child, const char *iso, const char *source)
{
	static int n;
	char id[16];
	struct event_row e = { kind, id, child, "MASH", tu_iso(f->cal, iso),
	    source };

	snprintf(id, sizeof(id), "E%d", ++n);
	assert_int_equal(report_add_event(r, &e), 0);
}

static void
feed(struct fixture *f, struct report *r, const char *kind,
    const char *child, const char *iso)
{
	feed_from(f, r, kind, child, iso, NULL);
}

/* Children with 1..6 contacts, some just outside (D - 3 months, D]. */
static void
test_distribution(void **state)
{
	struct fixture *f = *state;
	struct cal_date d = { 2022, 4, 27 };
	struct report *r = report_new(f->cfg, f->cal, d, 0);
	static const struct {
		const char	*child;
		int		 in, out;	/* contacts inside and outside */
	} kids[] = {
		{ "A", 1, 0 }, { "B", 2, 1 }, { "C", 3, 0 }, { "D", 4, 2 },
		{ "E", 5, 0 }, { "F", 6, 0 }, { "G", 0, 3 }, { "H", 2, 0 },
	};
	const struct report_repeat *rp;

	for (size_t i = 0; i < NELEM(kids); i++) {
		/* 2022-01-27 is D - 3 months: outside; 01-28 inside. */
		for (int k = 0; k < kids[i].out; k++)
			feed(f, r, "contact", kids[i].child,
			    "2022-01-27T23:59:00+00:00");
		for (int k = 0; k < kids[i].in; k++)
			feed(f, r, "contact", kids[i].child, k == 0 ?
			    "2022-01-28T00:00:00+00:00" :
			    "2022-04-27T23:59:00+01:00");
	}
	/* The next day is after D: ignored. */
	feed(f, r, "contact", "Z", "2022-04-28T00:00:00+01:00");
	report_finish(r);
	rp = &r->repeats[0];
	assert_int_equal(rp->children, 7);
	assert_int_equal(rp->dist[0], 1);
	assert_int_equal(rp->dist[1], 2);
	assert_int_equal(rp->dist[2], 1);
	assert_int_equal(rp->dist[3], 1);
	assert_int_equal(rp->dist[4], 2);
	assert_int_equal(rp->ntop, 6);
	assert_string_equal(rp->top[0].child, "F");
	assert_int_equal(rp->top[0].count, 6);
	assert_string_equal(rp->top[1].child, "E");
	assert_string_equal(rp->top[3].child, "C");
	assert_string_equal(rp->top[4].child, "B");	/* ties: first child */
	assert_string_equal(rp->top[5].child, "H");
	/* Contacts on D and the day before */
	assert_int_equal(r->demand[RM_CONTACTS].n[RP_DAY], 16);
	report_free(r);
}

static void
test_out_of_order(void **state)
{
	struct fixture *f = *state;
	struct report *r = report_new(f->cfg, f->cal,
	    (struct cal_date){ 2022, 4, 27 }, 0);
	struct event_row e = { "contact", "E1", "B",  NULL,
	    tu_iso(f->cal, "2022-04-01T10:00:00+01:00"), NULL };

	assert_int_equal(report_add_event(r, &e), 0);
	e.occurred_at -= 60;
	assert_int_equal(report_add_event(r, &e), -1);
	e.child_id = "A";
	assert_int_equal(report_add_event(r, &e), -1);
	report_free(r);
}

/* The DfE rule: an earlier referral dated in (date - 12 months, date]. */
static void
test_rereferrals(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char	*name;
		const char	*times[3];
		int		 referrals, rereferrals;
	} cases[] = {
		{ "one", { "2022-03-01T10:00:00Z" }, 1, 0 },
		{ "two within a year", { "2021-09-01T10:00:00+01:00",
		    "2022-03-01T10:00:00Z" }, 2, 1 },
		{ "exactly 12 months is outside", { "2021-03-01T10:00:00Z",
		    "2022-03-01T10:00:00Z" }, 1, 0 },
		{ "12 months less a day is inside", { "2021-03-02T10:00:00Z",
		    "2022-03-01T10:00:00Z" }, 1, 1 },
		{ "same day twice", { "2022-03-01T10:00:00Z",
		    "2022-03-01T11:00:00Z" }, 2, 1 },
		{ "earlier one before the period still counts",
		    { "2021-04-20T10:00:00+01:00", "2022-04-10T10:00:00+01:00" },
		    1, 1 },
		{ "first of the 12 months", { "2021-04-28T00:00:00+01:00" },
		    1, 0 },
		{ "the day before the period", { "2021-04-27T23:59:00+01:00" },
		    0, 0 },
		{ "after D", { "2022-04-27T10:00:00+01:00",
		    "2022-04-28T00:00:00+01:00" }, 1, 0 },
		{ "three in a row", { "2021-06-01T10:00:00+01:00",
		    "2021-12-01T10:00:00Z", "2022-04-01T10:00:00+01:00" }, 3, 2 },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct report *r = report_new(f->cfg, f->cal,
		    (struct cal_date){ 2022, 4, 27 }, 0);

		for (int k = 0; k < 3 && cases[i].times[k]; k++)
			feed(f, r, "referral", "P1", cases[i].times[k]);
		report_finish(r);
		if ((int)r->referrals != cases[i].referrals ||
		    (int)r->rereferrals != cases[i].rereferrals)
			fail_msg("%s: %llu referrals, %llu re-referrals",
			    cases[i].name, (unsigned long long)r->referrals,
			    (unsigned long long)r->rereferrals);
		report_free(r);
	}
}

/*
 * Clocks as of the end of Wednesday 27 April 2022 (after Easter): open,
 * overdue, age bands, stopped within the limit, durations.
 */
static void
test_clocks(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char	*clock, *priority, *start, *stop;
	} rows[] = {
		/* received Thu 14 Apr, decided Tue 19 Apr: 1 wd, in time */
		{ "contact_decision", NULL, "2022-04-14T10:00:00+01:00",
		    "2022-04-19T09:00:00+01:00" },
		/* decided Wed 20 Apr: 2 wd, late */
		{ "contact_decision", NULL, "2022-04-14T10:00:00+01:00",
		    "2022-04-20T09:00:00+01:00" },
		/* open since Mon 25 Apr: age 2, due end of Tue: overdue */
		{ "contact_decision", NULL, "2022-04-25T10:00:00+01:00", NULL },
		/* open since D: age 0, not due */
		{ "contact_decision", NULL, "2022-04-27T10:00:00+01:00", NULL },
		/* decided after D: open at the end of D, age 1, due end of D */
		{ "contact_decision", NULL, "2022-04-26T10:00:00+01:00",
		    "2022-04-28T09:00:00+01:00" },
		/* started after D: not there yet */
		{ "contact_decision", NULL, "2022-04-28T10:00:00+01:00", NULL },
		/* invalid: stopped before it started; unknown clock */
		{ "contact_decision", NULL, "2022-04-20T10:00:00+01:00",
		    "2022-04-19T10:00:00+01:00" },
		{ "no_such_clock", NULL, "2022-04-20T10:00:00+01:00", NULL },
		/* a priority the clock does not list: timed on its default */
		{ "strategy_discussion", "whenever", "2022-04-20T10:00:00+01:00",
		    NULL },
		/* urgent 24 hours: held after 23 hours, in time, 1 wd */
		{ "strategy_discussion", "urgent", "2022-04-21T10:00:00+01:00",
		    "2022-04-22T09:00:00+01:00" },
	};
	struct report *r = report_new(f->cfg, f->cal,
	    (struct cal_date){ 2022, 4, 27 }, 0);
	const struct report_clock *c;

	for (size_t i = 0; i < NELEM(rows); i++) {
		struct clock_row row = { rows[i].clock, "I", "P1", "MASH",
		    NULL, rows[i].priority, tu_iso(f->cal, rows[i].start),
		    rows[i].stop ? tu_iso(f->cal, rows[i].stop) : TIME_NONE };
		char id[8];

		snprintf(id, sizeof(id), "I%zu", i);
		row.instance_id = id;
		report_add_clock(r, &row);
	}
	report_finish(r);
	c = &r->clocks[0];
	assert_int_equal(c->now.stopped, 2);
	assert_int_equal(c->now.within_limit, 1);
	assert_float_equal(report_quantile_hist(c->now.hist, c->now.nhist,
	    0.5), 1.5, 1e-9);
	assert_int_equal(c->open, 3);
	assert_int_equal(c->overdue, 2);
	assert_int_equal(c->bands[RB_0], 1);
	assert_int_equal(c->bands[RB_1], 1);
	assert_int_equal(c->bands[RB_2_4], 1);
	assert_true(c->has_oldest);
	assert_string_equal(c->oldest_instance, "I2");
	assert_int_equal(c->oldest_age, 2);
	/* A week earlier (end of Wed 20 Apr) none was open. */
	assert_int_equal(c->open_week_ago, 0);
	assert_int_equal(c->week_ago.stopped, 2);
	c = &r->clocks[1];
	assert_int_equal(c->now.stopped, 1);
	assert_int_equal(c->now.within_limit, 1);
	/* "whenever" is unlisted: open, on the default 3 working days, late. */
	assert_int_equal(c->open, 1);
	assert_int_equal(c->overdue, 1);
	assert_int_equal(r->invalid, 2);
	report_free(r);
}

/*
 * The met and overdue rule at its edges (clock_state_at, with a period's
 * end excluded), one contact_decision row at a time, reported on Wednesday
 * 27 April 2022.  The end of D is 28 Apr 00:00; a week earlier, 21 Apr
 * 00:00.  1 working day: a start on Mon 25 is due at 27 Apr 00:00.
 */
static void
test_clock_edges(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char	*start, *stop;
		/* stopped, within limit, open, overdue; the same a week
		 * earlier */
		uint64_t	 want[8];
	} cases[] = {
		/* due at the end of D and stopped then: open and overdue */
		{ "2022-04-26T10:00:00+01:00", "2022-04-28T00:00:00+01:00",
		  { 0, 0, 1, 1, 0, 0, 0, 0 } },
		/* a second before the end of D, before its deadline: in time */
		{ "2022-04-26T10:00:00+01:00", "2022-04-27T23:59:59+01:00",
		  { 1, 1, 0, 0, 0, 0, 0, 0 } },
		/* stopped at its deadline: late */
		{ "2022-04-25T10:00:00+01:00", "2022-04-27T00:00:00+01:00",
		  { 1, 0, 0, 0, 0, 0, 0, 0 } },
		/* a second before it: in time */
		{ "2022-04-25T10:00:00+01:00", "2022-04-26T23:59:59+01:00",
		  { 1, 1, 0, 0, 0, 0, 0, 0 } },
		/* due and stopped at the end of D - 7: late now, open and
		 * overdue then */
		{ "2022-04-19T10:00:00+01:00", "2022-04-21T00:00:00+01:00",
		  { 1, 0, 0, 0, 0, 0, 1, 1 } },
		{ "2022-04-19T10:00:00+01:00", "2022-04-20T23:59:59+01:00",
		  { 1, 1, 0, 0, 1, 1, 0, 0 } },
		/* open: overdue now and a week earlier (due at its end) */
		{ "2022-04-19T10:00:00+01:00", NULL, { 0, 0, 1, 1, 0, 0, 1, 1 } },
		/* due 22 Apr 00:00: open a week earlier, not yet overdue */
		{ "2022-04-20T10:00:00+01:00", NULL, { 0, 0, 1, 1, 0, 0, 1, 0 } },
		/* started at the end of D - 7: not there a week earlier */
		{ "2022-04-21T00:00:00+01:00", NULL, { 0, 0, 1, 1, 0, 0, 0, 0 } },
		/* started at the end of D: not there at all */
		{ "2022-04-28T00:00:00+01:00", NULL, { 0, 0, 0, 0, 0, 0, 0, 0 } },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct report *r = report_new(f->cfg, f->cal,
		    (struct cal_date){ 2022, 4, 27 }, 0);
		struct clock_row row = { "contact_decision", "I", "P1", "MASH",
		    NULL, NULL, tu_iso(f->cal, cases[i].start),
		    cases[i].stop ? tu_iso(f->cal, cases[i].stop) : TIME_NONE };
		const struct report_clock *c = &r->clocks[0];

		report_add_clock(r, &row);
		report_finish(r);
		uint64_t got[8] = { c->now.stopped, c->now.within_limit,
		    c->open, c->overdue, c->week_ago.stopped,
		    c->week_ago.within_limit, c->open_week_ago,
		    c->overdue_week_ago };

		report_free(r);
		if (memcmp(got, cases[i].want, sizeof(got)) == 0)
			continue;
		print_error("%s to %s: got", cases[i].start,
		    cases[i].stop ? cases[i].stop : "open");
		for (size_t k = 0; k < NELEM(got); k++)
			print_error(" %llu", (unsigned long long)got[k]);
		print_error("\n");
		fail();
	}
}

static void
test_html_escape(void **state)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
		{ "a & b", "a &amp; b" },
		{ "\"q\" 'a'", "&quot;q&quot; &#39;a&#39;" },
		{ "&amp;", "&amp;amp;" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		FILE *fp;

		memset(buf, 0, sizeof(buf));
		fp = fmemopen(buf, sizeof(buf), "w");

		report_html_escape(fp, cases[i].in);
		fclose(fp);
		assert_string_equal(buf, cases[i].want);
	}
}

static void
test_csv_field(void **state)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		{ "", "" },
		{ "12", "12" },
		{ "0.15", "0.15" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" },
		{ "cr\r", "\"cr\r\"" },
		{ "=SUM(A1)", "\"'=SUM(A1)\"" },
		{ "+1", "\"'+1\"" },
		{ "-1", "\"'-1\"" },
		{ "@x", "\"'@x\"" },
		{ "a=b", "a=b" },
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		FILE *fp;

		memset(buf, 0, sizeof(buf));
		fp = fmemopen(buf, sizeof(buf), "w");

		report_csv_field(fp, cases[i].in);
		fclose(fp);
		assert_string_equal(buf, cases[i].want);
	}
}

/* Every writer runs, and labels from the config come out escaped. */
static void
test_writers(void **state)
{
	struct fixture *f = *state;
	struct report *r = report_new(f->cfg, f->cal,
	    (struct cal_date){ 2022, 4, 27 },
	    tu_iso(f->cal, "2022-04-28T07:00:00+01:00"));
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	report_finish(r);
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(report_write_html(r, fp), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "Contacts &lt;&amp;&gt; waiting"));
	assert_null(strstr(buf, "<script"));
	assert_null(strstr(buf, "<img"));
	free(buf);
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(report_write_json(r, fp), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "\"date\": \"2022-04-27\""));
	assert_non_null(strstr(buf, "\"median_working_days\": null"));
	free(buf);
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(report_write_csv(r, fp), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "section,key,value\r\nreport,date,"
	    "2022-04-27\r\n"));
	assert_non_null(strstr(buf, "clocks,contact_decision.label,"
	    "Contacts <&> waiting\r\n"));
	free(buf);
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(report_write_text(r, fp), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "MASH front door report for 2022-04-27"));
	free(buf);
	report_free(r);
}

/* Issue 18: the one rounding rule, as every format prints it. */
static void
test_share_format(void **state)
{
	static const struct {
		uint64_t	 num, den;
		const char	*want;
	} cases[] = {
		{ 27, 200, "13.50%" },
		{ 1, 3, "33.33%" },
		{ 2, 3, "66.67%" },
		{ 1, 8, "12.50%" },		/* 0.125 kept, not 0.13 */
		{ 0, 5, "0.00%" },
		{ 5, 5, "100.00%" },
		{ 1, 0, "\u2013" },		/* nothing to measure */
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		assert_string_equal(report_format_share(report_share(
		    cases[i].num, cases[i].den), buf, sizeof(buf)),
		    cases[i].want);
}

/* The trend's weeks and a pack's comparisons, by date. */
static void
test_periods(void **state)
{
	struct fixture *f = *state;
	static const struct {
		enum report_kind kind;
		struct cal_date	 first, last;
		struct cal_date	 pfirst, plast, yfirst, ylast;
	} cases[] = {
		{ RK_WEEK, { 2022, 4, 18 }, { 2022, 4, 24 }, { 2022, 4, 11 },
		  { 2022, 4, 17 }, { 2021, 4, 19 }, { 2021, 4, 25 } },
		{ RK_MONTH, { 2022, 3, 1 }, { 2022, 3, 31 }, { 2022, 2, 1 },
		  { 2022, 2, 28 }, { 2021, 3, 1 }, { 2021, 3, 31 } },
		{ RK_MONTH, { 2024, 3, 1 }, { 2024, 3, 31 }, { 2024, 2, 1 },
		  { 2024, 2, 29 }, { 2023, 3, 1 }, { 2023, 3, 31 } },
		{ RK_MONTH, { 2024, 2, 1 }, { 2024, 2, 29 }, { 2024, 1, 1 },
		  { 2024, 1, 31 }, { 2023, 2, 1 }, { 2023, 2, 28 } },
		{ RK_MONTH, { 2022, 1, 1 }, { 2022, 1, 31 }, { 2021, 12, 1 },
		  { 2021, 12, 31 }, { 2021, 1, 1 }, { 2021, 1, 31 } },
	};
	struct report *r;

	for (size_t i = 0; i < NELEM(cases); i++) {
		r = report_new_pack(f->cfg, f->cal, cases[i].kind,
		    cases[i].first, cases[i].last, 0);
		assert_int_equal(cal_date_cmp(r->date, cases[i].last), 0);
		assert_int_equal(cal_date_cmp(r->span_first, cases[i].first), 0);
		assert_int_equal(cal_date_cmp(r->previous->span_first,
		    cases[i].pfirst), 0);
		assert_int_equal(cal_date_cmp(r->previous->date,
		    cases[i].plast), 0);
		assert_int_equal(cal_date_cmp(r->year_ago->span_first,
		    cases[i].yfirst), 0);
		assert_int_equal(cal_date_cmp(r->year_ago->date,
		    cases[i].ylast), 0);
		assert_int_equal(r->ntrend, REPORT_TREND_WEEKS);
		assert_int_equal(cal_date_cmp(r->trend[REPORT_TREND_WEEKS -
		    1]->date, cases[i].last), 0);
		/* The rows read reach back to the year earlier's stops. */
		assert_true(report_clock_since(r) <=
		    calendar_start_of(f->cal, cases[i].yfirst));
		report_free(r);
	}

	r = report_new(f->cfg, f->cal, (struct cal_date){ 2022, 4, 27 }, 0);
	for (size_t k = 0; k < REPORT_TREND_WEEKS; k++) {
		struct cal_date end = cal_date_add_days(r->date,
		    -7 * (int)(REPORT_TREND_WEEKS - 1 - k));

		assert_int_equal(cal_date_cmp(r->trend[k]->date, end), 0);
		assert_int_equal(cal_date_diff(r->trend[k]->date,
		    r->trend[k]->span_first), 6);
		assert_true(r->trend[k]->sub);
		assert_int_equal(r->trend[k]->ntrend, 0);
	}
	assert_true(r->since <= r->trend[0]->since);
	report_free(r);
}

/*
 * "share_fell": the last trend point's share within limit more than
 * REPORT_ATTENTION_DROP (10 points) below the pooled share of the 4 points
 * before it.  Each week's stops are on its last day, a Wednesday (week 0
 * ends on D, 27 April 2022): in time the same morning, late after a week.
 */
static void
test_share_fell(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char	*why;
		/* weeks before D, stopped in time, stopped; n 0 ends */
		struct { int back; unsigned in, n; } w[7];
		const char	*want;	/* the last week's share, or NULL */
	} cases[] = {
		{ "100% then 80%", { { 4, 10, 10 }, { 3, 10, 10 }, { 2, 10, 10 },
		  { 1, 10, 10 }, { 0, 8, 10 } }, "80.00%" },
		{ "100% then 91%: 9 points", { { 4, 10, 10 }, { 3, 10, 10 },
		  { 2, 10, 10 }, { 1, 10, 10 }, { 0, 91, 100 } }, NULL },
		{ "100% then 90%: exactly 10 points", { { 4, 10, 10 },
		  { 3, 10, 10 }, { 2, 10, 10 }, { 1, 10, 10 }, { 0, 9, 10 } },
		  NULL },
		{ "100% then 89.99%: the least fall called out", { { 4, 1, 1 },
		  { 3, 1, 1 }, { 2, 1, 1 }, { 1, 1, 1 }, { 0, 890, 989 } },
		  "89.99%" },
		{ "80% then 70%: exactly 10 points, though 0.8 - 0.7 > 0.1 "
		  "in binary", { { 4, 8, 10 }, { 3, 8, 10 }, { 2, 8, 10 },
		  { 1, 8, 10 }, { 0, 7, 10 } }, NULL },
		{ "80% then 69.9%", { { 4, 8, 10 }, { 3, 8, 10 }, { 2, 8, 10 },
		  { 1, 8, 10 }, { 0, 699, 1000 } }, "69.90%" },
		{ "pooled, not averaged: 0 of 1 three times and 97 of 97 is 97%",
		  { { 4, 0, 1 }, { 3, 0, 1 }, { 2, 0, 1 }, { 1, 97, 97 },
		  { 0, 8, 10 } }, "80.00%" },
		{ "a fifth week back does not count", { { 5, 10, 10 },
		  { 4, 8, 10 }, { 3, 8, 10 }, { 2, 8, 10 }, { 1, 8, 10 },
		  { 0, 71, 100 } }, NULL },
		{ "nothing stopped in the last week", { { 4, 10, 10 },
		  { 3, 10, 10 }, { 2, 10, 10 }, { 1, 10, 10 } }, NULL },
		{ "nothing stopped before it", { { 0, 0, 10 } }, NULL },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct report *r = report_new(f->cfg, f->cal,
		    (struct cal_date){ 2022, 4, 27 }, 0);
		const char *got = NULL;
		size_t id = 0, fell = 0;

		for (size_t k = 0; k < NELEM(cases[i].w) && cases[i].w[k].n;
		    k++) {
			struct cal_date d = cal_date_add_days(r->date,
			    -7 * cases[i].w[k].back);
			int64_t day = calendar_start_of(f->cal, d);

			for (unsigned j = 0; j < cases[i].w[k].n; j++) {
				bool late = j >= cases[i].w[k].in;
				char iid[16];
				struct clock_row row = { "contact_decision", iid,
				    iid, "MASH", NULL, NULL, day + 9 * 3600 -
				    (late ? 7 * 86400 : 0), day + 10 * 3600 };

				snprintf(iid, sizeof(iid), "I%zu", id++);
				report_add_clock(r, &row);
			}
		}
		report_finish(r);
		for (size_t a = 0; a < r->nattention; a++)
			if (strcmp(r->attention[a].rule, "share_fell") == 0) {
				got = r->attention[a].text;
				fell++;
			}
		if (cases[i].want == NULL ? fell != 0 : fell != 1 ||
		    strstr(got, cases[i].want) == NULL ||
		    strstr(got, "Contacts <&> waiting: ") != got) {
			print_error("%s: got %zu sentence(s): %s\n",
			    cases[i].why, fell, got ? got : "none");
			report_free(r);
			fail();
		}
		report_free(r);
	}
}

/* Every clock row lands in one team; no team is a team of its own. */
static void
test_teams(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char	*team, *start, *stop;
	} rows[] = {
		{ "B", "2022-04-26T10:00:00+01:00", NULL },
		{ "A", "2022-04-25T10:00:00+01:00", "2022-04-25T11:00:00+01:00" },
		{ NULL, "2022-04-20T10:00:00+01:00", NULL },
		{ "A", "2022-04-27T10:00:00+01:00", NULL },
		{ "B", "2022-04-01T10:00:00+01:00", "2022-04-12T11:00:00+01:00" },
		{ NULL, "2022-04-26T10:00:00+01:00", "2022-04-26T09:00:00+01:00" },
	};
	struct report *r = report_new(f->cfg, f->cal,
	    (struct cal_date){ 2022, 4, 27 }, 0);
	uint64_t stopped = 0, open = 0, overdue = 0;

	report_add_team(r, "C", "Nobody's work");
	for (size_t i = 0; i < NELEM(rows); i++) {
		char id[8];
		struct clock_row row = { "contact_decision", id, id,
		    rows[i].team, NULL, NULL, tu_iso(f->cal, rows[i].start),
		    rows[i].stop ? tu_iso(f->cal, rows[i].stop) : TIME_NONE };

		snprintf(id, sizeof(id), "I%zu", i);
		report_add_clock(r, &row);
	}
	report_add_worker(r, "W9", NULL, 30);
	report_add_worker(r, "W1", "A", 19);
	report_add_worker(r, "W2", "B", 30);
	report_finish(r);
	assert_int_equal(r->nteams, 4);
	assert_string_equal(r->teams[0].team, "A");
	assert_string_equal(r->teams[2].team, "C");
	assert_string_equal(r->teams[2].name, "Nobody's work");
	assert_null(r->teams[3].team);
	for (size_t t = 0; t < r->nteams; t++) {
		stopped += r->teams[t].clocks[0].now.stopped;
		open += r->teams[t].clocks[0].open;
		overdue += r->teams[t].clocks[0].overdue;
	}
	assert_int_equal(r->clocks[0].now.stopped, 2);
	assert_int_equal(stopped, r->clocks[0].now.stopped);
	assert_int_equal(open, r->clocks[0].open);
	assert_int_equal(r->clocks[0].open, 3);
	assert_int_equal(overdue, r->clocks[0].overdue);
	assert_int_equal(r->invalid, 1);	/* not in any team */
	/* In the span (20 .. 27 April): A's stop only. */
	assert_int_equal(r->clocks[0].span.stopped, 1);
	/* Highest first, then a team before none. */
	assert_int_equal(r->nflagged, 3);
	assert_string_equal(r->flagged[0].worker, "W2");
	assert_string_equal(r->flagged[1].worker, "W9");
	assert_string_equal(r->flagged[2].worker, "W1");
	assert_false(r->flagged[2].red);
	/* Attention: the red caseloads, the oldest, the invalid row. */
	assert_true(r->nattention >= 3 && r->nattention <= REPORT_ATTENTION_MAX);
	for (size_t i = 0; i < r->nattention; i++)
		if (strcmp(r->attention[i].rule, "caseloads_red") == 0)
			assert_non_null(strstr(r->attention[i].text,
			    "W2 (30), W9 (30)"));
	report_free(r);
}
/*
 * Why work was late: items by clock and reason, "no reason" after the
 * codes, a code no longer configured kept as itself, the share of the
 * clock's late items, and working days late across Easter 2022 (Good
 * Friday 15 and Easter Monday 18 April are not working days).
 */
static void
test_exceptions(void **state)
{
	static const struct {
		const char	*clock, *reason, *due, *until;
	} rows[] = {
		/* Due Thu 14, stopped Tue 19: Fri and Mon are holidays. */
		{ "contact_decision", "police_unavailable",
		  "2022-04-14T12:00:00+01:00", "2022-04-19T09:00:00+01:00" },
		/* Due Tue 19, stopped Fri 22: 3 working days. */
		{ "contact_decision", "police_unavailable",
		  "2022-04-19T12:00:00+01:00", "2022-04-22T09:00:00+01:00" },
		/* Same day: 0 working days late. */
		{ "contact_decision", NULL,
		  "2022-04-20T10:00:00+01:00", "2022-04-20T16:00:00+01:00" },
		{ "contact_decision", "", "2022-04-20T10:00:00+01:00",
		  "2022-04-21T16:00:00+01:00" },
		{ "strategy_discussion", "retired_code",
		  "2022-04-20T10:00:00+01:00", "2022-04-21T16:00:00+01:00" },
		{ "strategy_discussion", "capacity",
		  "2022-04-20T10:00:00+01:00", "2022-04-25T16:00:00+01:00" },
		{ "not_a_clock", "capacity",
		  "2022-04-20T10:00:00+01:00", "2022-04-25T16:00:00+01:00" },
	};
	static const struct {
		const char	*clock, *reason, *label, *agency;
		uint64_t	 late;
		double		 share, median;
	} want[] = {
		{ "contact_decision", "police_unavailable",
		  "Police not available", "police", 2, 0.5, 2.0 },
		{ "contact_decision", NULL, "No reason given", NULL, 2, 0.5,
		  0.5 },
		{ "strategy_discussion", "capacity", "capacity", NULL, 1, 0.5,
		  3.0 },
		{ "strategy_discussion", "retired_code", "retired_code", NULL,
		  1, 0.5, 1.0 },
	};
	struct fixture *f = *state;
	struct report *r = report_new(f->cfg, f->cal,
	    (struct cal_date){ 2022, 4, 27 }, 0);

	for (size_t i = 0; i < NELEM(rows); i++)
		report_add_late(r, rows[i].clock, rows[i].reason,
		    tu_iso(f->cal, rows[i].due), tu_iso(f->cal, rows[i].until));
	assert_int_equal(r->nexceptions, NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++) {
		const struct report_exception *e = &r->exceptions[i];
		const char *ag = report_exception_agency(r, e);

		assert_string_equal(r->clocks[e->clock].conf->name,
		    want[i].clock);
		if (want[i].reason == NULL)
			assert_null(e->reason);
		else
			assert_string_equal(e->reason, want[i].reason);
		assert_string_equal(report_exception_label(r, e),
		    want[i].label);
		if (want[i].agency == NULL)
			assert_null(ag);
		else
			assert_string_equal(ag, want[i].agency);
		assert_int_equal(e->late, want[i].late);
		assert_true(report_exception_share(r, e) == want[i].share);
		if (report_quantile_hist(e->hist, e->nhist, 0.5) !=
		    want[i].median)
			fail_msg("%zu: median %g, want %g", i,
			    report_quantile_hist(e->hist, e->nhist, 0.5),
			    want[i].median);
	}
	report_free(r);
}
/*
 * Who makes repeat contacts: only the children at the rule's min (3 in 3
 * months) count, each child once per source, every contact of theirs in
 * the window; the gaps are whole days between local dates.
 */
static void
test_repeat_sources(void **state)
{
	static const struct {
		const char	*child, *at, *source;
	} rows[] = {
		{ "P1", "2022-01-05T10:00:00Z", "police" },	/* outside */
		{ "P1", "2022-03-01T10:00:00Z", "police" },
		{ "P1", "2022-03-04T23:30:00Z", "police" },	/* GMT: the 4th */
		{ "P1", "2022-03-14T09:00:00Z", "school" },
		{ "P2", "2022-04-01T10:00:00+01:00", "police" },	/* 2: not a repeat */
		{ "P2", "2022-04-02T10:00:00+01:00", "police" },
		{ "P3", "2022-04-01T10:00:00+01:00", "school" },
		{ "P3", "2022-04-02T09:00:00+01:00", NULL },
		{ "P3", "2022-04-02T23:30:00+01:00", "health" },
		{ "P3", "2022-04-20T10:00:00+01:00", "school" },
		{ "P4", "2022-04-28T10:00:00+01:00", "school" },	/* after D */
	};
	static const struct {
		const char	*source;
		uint64_t	 children, contacts;
		double		 share;
	} want[] = {
		{ "school", 2, 3, 0.4286 },
		{ "police", 1, 2, 0.2857 },
		{ "health", 1, 1, 0.1429 },
		{ NULL, 1, 1, 0.1429 },
	};
	struct fixture *f = *state;
	struct report *r = report_new(f->cfg, f->cal,
	    (struct cal_date){ 2022, 4, 27 }, 0);
	const struct report_repeat *rp = &r->repeats[0];
	json_t *j, *a;

	for (size_t i = 0; i < NELEM(rows); i++)
		feed_from(f, r, "contact", rows[i].child, rows[i].at,
		    rows[i].source);
	report_finish(r);
	assert_int_equal(rp->repeat_children, 2);
	assert_int_equal(rp->repeat_contacts, 7);
	j = report_sources_json(rp);
	a = json_object_get(j, "by_source");
	assert_int_equal(json_array_size(a), NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++) {
		json_t *o = json_array_get(a, i);
		json_t *src = json_object_get(o, "source");

		if (want[i].source == NULL)
			assert_true(json_is_null(src));
		else
			assert_string_equal(json_string_value(src),
			    want[i].source);
		assert_int_equal(json_integer_value(json_object_get(o,
		    "children")), want[i].children);
		assert_int_equal(json_integer_value(json_object_get(o,
		    "contacts")), want[i].contacts);
		assert_true(json_real_value(json_object_get(o, "share")) ==
		    want[i].share);
	}
	/*
	 * Gaps: P1 1 Mar -> 4 Mar -> 14 Mar (3, 10); P3 1 Apr -> 2 Apr ->
	 * 2 Apr 23:30 BST, still the 2nd -> 20 Apr (1, 0, 18): median 3.
	 */
	assert_true(json_real_value(json_object_get(j, "median_gap_days")) ==
	    3.0);
	json_decref(j);
	report_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_csv_field),
		cmocka_unit_test_setup_teardown(test_distribution, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rereferrals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_clocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_edges, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_writers, setup, teardown),
		cmocka_unit_test(test_share_format),
		cmocka_unit_test_setup_teardown(test_periods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_teams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exceptions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_repeat_sources, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_share_fell, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
