/*
 * The nightly report's arithmetic: rows in, figures out.  The writers are
 * in report_json.c (JSON, CSV), report_tables.c (the tidy CSVs),
 * report_chart.c (the charts) and report_html.c (text and HTML).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/html.h"
#include "mashwatch/report.h"
#include "mashwatch/xmalloc.h"

const char *const report_band_names[RB_COUNT] = {
	"0", "1", "2-4", "5-9", "10+",
};

const char *const report_period_keys[RP_COUNT] = {
	"day", "previous_day", "days_7", "previous_7", "days_28", "previous_28",
	"same_day_previous_week",
};

static const struct {
	const char	*measure;
	const char	*label;
} measures[RM_COUNT] = {
	{ "contacts", "Contacts" },
	{ "da_notifications", "Police domestic abuse notifications" },
	{ "referrals", "Referrals" },
};

/* The DfE's re-referral look-back and the period the rate is taken over. */
#define REREFERRAL_MONTHS	12

static int64_t
day_start(const struct report *r, int days_before_d)
{
	return calendar_start_of(r->cal, cal_date_add_days(r->date,
	    -days_before_d));
}

/*
 * The first instant of a window "(D - ts, D]": local dates for months and
 * days, as mashwatch-report(5) says; elapsed or working time otherwise.
 */
static int64_t
window_from(const struct report *r, const struct timescale *ts)
{
	switch (ts->unit) {
	case TS_MONTHS:
		return calendar_start_of(r->cal, cal_date_add_days(
		    cal_date_add_months(r->date, -ts->n), 1));
	case TS_DAYS:
		return day_start(r, ts->n - 1);
	default:
		return calendar_subtract(r->cal, r->end, ts);
	}
}

/* The one constructor: a report on `date` whose span starts on `first`. */
static struct report *
report_make(const struct config *cfg, const struct calendar *cal,
    struct cal_date date, struct cal_date first, int64_t generated_at,
    bool sub)
{
	struct report *r = xcalloc(1, sizeof(*r));
	static const int periods[RP_COUNT][2] = {
		/* days before D of the first and of the day after the last */
		{ 0, -1 }, { 1, 0 }, { 6, -1 }, { 13, 6 }, { 27, -1 }, { 55, 27 },
		{ 7, 6 },
	};

	r->cfg = cfg;
	r->cal = cal;
	r->date = date;
	r->generated_at = generated_at;
	r->sub = sub;
	r->end = day_start(r, -1);
	r->span_first = first;
	r->span_from = calendar_start_of(cal, first);
	r->since = r->span_from < r->end ? r->span_from : r->end;
	for (int p = 0; p < RP_COUNT; p++) {
		r->bounds[p][0] = day_start(r, periods[p][0]);
		r->bounds[p][1] = day_start(r, periods[p][1]);
		if (r->bounds[p][0] < r->since)
			r->since = r->bounds[p][0];
	}
	for (int m = 0; m < RM_COUNT; m++) {
		r->demand[m].measure = measures[m].measure;
		r->demand[m].label = measures[m].label;
	}
	r->comparators = xcalloc(cfg->report.ncomparators ?
	    cfg->report.ncomparators : 1, sizeof(*r->comparators));
	for (size_t i = 0; i < cfg->report.ncomparators; i++)
		r->comparators[i] = cfg->report.comparators[i].value;

	r->nclocks = cfg->nclocks;
	r->clocks = xcalloc(r->nclocks ? r->nclocks : 1, sizeof(*r->clocks));
	for (size_t i = 0; i < r->nclocks; i++)
		r->clocks[i].conf = &cfg->clocks[i];

	r->nrepeats = cfg->nrepeats;
	r->repeats = xcalloc(r->nrepeats ? r->nrepeats : 1,
	    sizeof(*r->repeats));
	for (size_t i = 0; i < r->nrepeats; i++) {
		r->repeats[i].conf = &cfg->repeats[i];
		r->repeats[i].from = window_from(r, &cfg->repeats[i].window);
		if (r->repeats[i].from < r->since)
			r->since = r->repeats[i].from;
	}

	/*
	 * Referrals in the 12 months to D, each looking back 12 months more:
	 * events are needed from 24 months before D.
	 */
	r->rereferral_from = calendar_start_of(cal, cal_date_add_days(
	    cal_date_add_months(date, -REREFERRAL_MONTHS), 1));
	{
		int64_t t = calendar_start_of(cal, cal_date_add_days(
		    cal_date_add_months(date, -2 * REREFERRAL_MONTHS), 1));

		if (t < r->since)
			r->since = t;
	}

	r->nchecks = cfg->nchecks;
	r->checks = xcalloc(r->nchecks ? r->nchecks : 1, sizeof(*r->checks));
	for (size_t i = 0; i < r->nchecks; i++)
		r->checks[i].conf = &cfg->checks[i];
	return r;
}

static int64_t
since_of(const struct report *r)
{
	int64_t t = r->since;

	for (size_t i = 0; i < r->ntrend; i++)
		if (r->trend[i]->since < t)
			t = r->trend[i]->since;
	if (r->previous && r->previous->since < t)
		t = r->previous->since;
	if (r->year_ago && r->year_ago->since < t)
		t = r->year_ago->since;
	return t;
}

/* Feed r's trend points, oldest first: the weeks ending D - 7k. */
static void
trend_make(struct report *r)
{
	for (int k = REPORT_TREND_WEEKS - 1; k >= 0; k--) {
		struct cal_date end = cal_date_add_days(r->date, -7 * k);

		r->trend[r->ntrend++] = report_make(r->cfg, r->cal, end,
		    cal_date_add_days(end, -6), r->generated_at, true);
	}
}

struct report *
report_new(const struct config *cfg, const struct calendar *cal,
    struct cal_date date, int64_t generated_at)
{
	struct report *r = report_make(cfg, cal, date,
	    cal_date_add_days(date, -6), generated_at, false);

	trend_make(r);
	r->since = since_of(r);
	return r;
}

struct report *
report_new_pack(const struct config *cfg, const struct calendar *cal,
    enum report_kind kind, struct cal_date first, struct cal_date last,
    int64_t generated_at)
{
	struct report *r = report_make(cfg, cal, last, first, generated_at,
	    false);
	struct cal_date pf, pl, yf, yl;

	r->kind = kind;
	if (kind == RK_WEEK) {
		pf = cal_date_add_days(first, -7);
		pl = cal_date_add_days(last, -7);
		yf = cal_date_add_days(first, -364);
		yl = cal_date_add_days(last, -364);
	} else {
		pf = cal_date_add_months(first, -1);
		pl = cal_date_add_days(first, -1);
		yf = cal_date_add_months(first, -12);
		yl = cal_date_add_days(cal_date_add_months(yf, 1), -1);
	}
	r->previous = report_make(cfg, cal, pl, pf, generated_at, true);
	r->year_ago = report_make(cfg, cal, yl, yf, generated_at, true);
	trend_make(r);
	r->since = since_of(r);
	return r;
}

size_t
report_parts(struct report *r, struct report **out, size_t max)
{
	size_t n = 0;

	if (n < max)
		out[n++] = r;
	for (size_t i = 0; i < r->ntrend && n < max; i++)
		out[n++] = r->trend[i];
	if (r->previous && n < max)
		out[n++] = r->previous;
	if (r->year_ago && n < max)
		out[n++] = r->year_ago;
	return n;
}

int64_t
report_clock_since(const struct report *r)
{
	int64_t t = r->bounds[RP_PREV_28][0];
	struct report *parts[REPORT_PARTS_MAX];
	size_t n = report_parts((struct report *)(uintptr_t)r, parts,
	    REPORT_PARTS_MAX);

	for (size_t i = 0; i < n; i++) {
		if (parts[i]->bounds[RP_PREV_28][0] < t)
			t = parts[i]->bounds[RP_PREV_28][0];
		if (parts[i]->span_from < t)
			t = parts[i]->span_from;
	}
	return t;
}

static void
clocks_free(struct report_clock *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].now.hist);
		free(c[i].week_ago.hist);
		free(c[i].span.hist);
		free(c[i].oldest_instance);
		free(c[i].oldest_child);
	}
	free(c);
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	forecast_free(r->forecast);
	clocks_free(r->clocks, r->nclocks);
	free(r->comparators);
	for (size_t i = 0; i < r->nteams; i++) {
		clocks_free(r->teams[i].clocks, r->nclocks);
		free(r->teams[i].team);
		free(r->teams[i].name);
	}
	free(r->teams);
	for (size_t i = 0; i < r->nflagged; i++) {
		free(r->flagged[i].worker);
		free(r->flagged[i].team);
	}
	free(r->flagged);
	for (size_t i = 0; i < r->ntrend; i++)
		report_free(r->trend[i]);
	report_free(r->previous);
	report_free(r->year_ago);
	for (size_t i = 0; i < r->nattention; i++)
		free(r->attention[i].text);
	for (size_t i = 0; i < r->nrepeats; i++) {
		for (size_t j = 0; j < r->repeats[i].ntop; j++)
			free(r->repeats[i].top[j].child);
		report_sources_free(&r->repeats[i]);
	}
	free(r->repeats);
	free(r->checks);
	for (size_t i = 0; i < r->nexceptions; i++) {
		free(r->exceptions[i].reason);
		free(r->exceptions[i].hist);
	}
	free(r->exceptions);
	for (size_t i = 0; i < r->nheadline; i++)
		free(r->headline[i]);
	free(r->headline);
	free(r->cur_child);
	free(r);
}

static bool
in_period(const struct report *r, enum report_period p, int64_t t)
{
	return t >= r->bounds[p][0] && t < r->bounds[p][1];
}

static void
count_demand(struct report *r, enum report_measure m, int64_t t)
{
	for (int p = 0; p < RP_COUNT; p++)
		if (in_period(r, p, t))
			r->demand[m].n[p]++;
	if (t >= r->span_from && t < r->end)
		r->span_demand[m]++;
}

static void
stops_add(struct report_stops *s, int days, bool within)
{
	size_t d = days < 0 ? 0 : (size_t)days;

	if (d >= REPORT_HIST_MAX)
		d = REPORT_HIST_MAX - 1;
	if (d >= s->nhist) {
		size_t n = d + 1 > 2 * s->nhist ? d + 1 : 2 * s->nhist;

		if (n > REPORT_HIST_MAX)
			n = REPORT_HIST_MAX;
		s->hist = xreallocarray(s->hist, n, sizeof(*s->hist));
		memset(s->hist + s->nhist, 0, (n - s->nhist) * sizeof(*s->hist));
		s->nhist = n;
	}
	s->hist[d]++;
	s->stopped++;
	if (within)
		s->within_limit++;
}

static enum report_band
band_of(int age)
{
	if (age <= 0)
		return RB_0;
	if (age == 1)
		return RB_1;
	if (age <= 4)
		return RB_2_4;
	if (age <= 9)
		return RB_5_9;
	return RB_10;
}

static struct report_clock *
clock_find(struct report *r, const char *name)
{
	for (size_t i = 0; i < r->nclocks; i++)
		if (strcmp(r->clocks[i].conf->name, name) == 0)
			return &r->clocks[i];
	return NULL;
}

static void
clock_open(struct report *r, struct report_clock *c,
    const struct clock_row *row, bool overdue)
{
	int age = calendar_working_days_between(r->cal, row->started_at,
	    r->end - 1);

	c->open++;
	if (overdue)
		c->overdue++;
	c->bands[band_of(age)]++;
	if (c->has_oldest && (row->started_at > c->oldest_started ||
	    (row->started_at == c->oldest_started &&
	    strcmp(row->instance_id, c->oldest_instance) >= 0)))
		return;
	free(c->oldest_instance);
	free(c->oldest_child);
	c->has_oldest = true;
	c->oldest_started = row->started_at;
	c->oldest_age = age;
	c->oldest_instance = xstrdup(row->instance_id);
	c->oldest_child = xstrdup(row->child_id);
}

/* The team's entry, made on first sight. */
static struct report_team *
team_get(struct report *r, const char *team)
{
	struct report_team *t;

	for (size_t i = 0; i < r->nteams; i++)
		if (team == NULL ? r->teams[i].team == NULL :
		    r->teams[i].team != NULL && strcmp(r->teams[i].team,
		    team) == 0)
			return &r->teams[i];
	r->teams = xreallocarray(r->teams, r->nteams + 1, sizeof(*r->teams));
	t = &r->teams[r->nteams++];
	t->team = team ? xstrdup(team) : NULL;
	t->name = NULL;
	t->clocks = xcalloc(r->nclocks ? r->nclocks : 1, sizeof(*t->clocks));
	for (size_t i = 0; i < r->nclocks; i++)
		t->clocks[i].conf = r->clocks[i].conf;
	return t;
}

void
report_add_team(struct report *r, const char *team, const char *name)
{
	struct report_team *t;

	if (team == NULL)
		return;
	t = team_get(r, team);
	free(t->name);
	t->name = name ? xstrdup(name) : NULL;
}

/*
 * The model's state of a clock at `at` (clock_state_at), where the
 * report's periods end: a stop at `at` or later has not happened yet, so
 * it is open then (clock_state_at alone counts a stop at `at` as done).
 * Due soon and escalated do not matter here: no warning, no escalation.
 */
static enum clock_state
state_at(int64_t at, int64_t start, int64_t stop, int64_t due)
{
	if (stop != TIME_NONE && stop >= at)
		stop = TIME_NONE;
	return clock_state_at(at, start, stop, TIME_NONE, due, TIME_NONE);
}

static bool
state_stopped(enum clock_state st)
{
	return st == CS_MET || st == CS_MET_LATE;
}

/*
 * One valid row's figures into c (the report's clock or a team's): open
 * at the end of D, stopped in the 28 days, in the span, a week earlier.
 * stop is TIME_NONE unless it is before r->end.
 */
static void
clock_tally(struct report *r, struct report_clock *c,
    const struct clock_row *row, int64_t stop, int64_t due)
{
	int64_t start = row->started_at, week_end = r->bounds[RP_PREV_7][1];
	enum clock_state st = state_at(r->end, start, stop, due);
	int days = 0;

	if (stop != TIME_NONE)
		days = calendar_working_days_between(r->cal, start, stop);
	if (!state_stopped(st))
		clock_open(r, c, row, st == CS_OVERDUE);
	else {
		if (stop >= r->bounds[RP_28][0])
			stops_add(&c->now, days, st == CS_MET);
		if (stop >= r->span_from)
			stops_add(&c->span, days, st == CS_MET);
	}

	/* The same a week earlier, for "what got worse". */
	if (start >= week_end)
		return;
	st = state_at(week_end, start, stop, due);
	if (!state_stopped(st)) {
		c->open_week_ago++;
		if (st == CS_OVERDUE)
			c->overdue_week_ago++;
	} else if (stop >= day_start(r, 34))
		stops_add(&c->week_ago, days, st == CS_MET);
}

/*
 * As of the end of D, like `mashwatchd --once --at`: a row that starts
 * later has not happened, a stop later has not happened yet.  The same
 * row then feeds the trend points and comparisons: one engine.
 */
/* A clock row into the forecast as of the end of D (rows back to since). */
static void
forecast_row(struct report *r, const struct clock_conf *conf,
    const struct clock_row *row, int64_t due)
{
	struct clock_view v = { .clock = conf, .instance_id = row->instance_id,
	    .child_id = row->child_id, .team_id = row->team_id,
	    .worker_id = row->worker_id, .priority = row->priority,
	    .started_at = row->started_at, .stopped_at = row->stopped_at,
	    .warn_at = TIME_NONE, .due_at = due, .escalate_at = TIME_NONE,
	    .state = CS_ON_TIME };

	if (!conf->forecast)
		return;
	if (r->forecast == NULL) {
		struct forecast_window w;

		forecast_window(r->cal, r->end, r->since, &w);
		r->forecast = forecast_new(&w);
	}
	forecast_add(r->forecast, &v);
}

void
report_add_clock(struct report *r, const struct clock_row *row)
{
	struct report_clock *c;
	const struct timescale *limit;
	int64_t due, start = row->started_at, stop = row->stopped_at;

	for (size_t i = 0; i < r->ntrend; i++)
		report_add_clock(r->trend[i], row);
	if (r->previous)
		report_add_clock(r->previous, row);
	if (r->year_ago)
		report_add_clock(r->year_ago, row);
	r->rows++;
	if (start == TIME_NONE || start >= r->end)
		return;
	if (stop != TIME_NONE && stop >= r->end)
		stop = TIME_NONE;
	c = clock_find(r, row->clock);
	limit = c ? config_clock_limit(c->conf, row->priority) : NULL;
	/* An unlisted priority is timed on the default (model_judge_clock). */
	if (c != NULL && limit == NULL)
		limit = &c->conf->limit;
	if (c == NULL || (stop != TIME_NONE && stop < start)) {
		r->invalid++;
		return;
	}
	if (strcmp(row->clock, "da_screening") == 0)
		count_demand(r, RM_DA, start);
	due = calendar_due(r->cal, start, limit);
	clock_tally(r, c, row, stop, due);
	if (!r->sub)
		forecast_row(r, c->conf, row, due);
	if (!r->sub)
		clock_tally(r, &team_get(r, row->team_id)->clocks[c - r->clocks],
		    row, stop, due);
}

/* Keep the REPORT_TOP children with the most events, first child first. */
static void
repeat_top(struct report_repeat *rp, const char *child)
{
	size_t i;

	if (rp->cur < 2)
		return;
	if (rp->ntop == REPORT_TOP && rp->top[REPORT_TOP - 1].count >= rp->cur)
		return;
	if (rp->ntop == REPORT_TOP)
		free(rp->top[--rp->ntop].child);
	for (i = rp->ntop; i > 0 && rp->top[i - 1].count < rp->cur; i--)
		rp->top[i] = rp->top[i - 1];
	rp->top[i].child = xstrdup(child);
	rp->top[i].count = rp->cur;
	rp->ntop++;
}

static void
child_fold(struct report *r)
{
	if (r->cur_child == NULL)
		return;
	for (size_t i = 0; i < r->nrepeats; i++) {
		struct report_repeat *rp = &r->repeats[i];

		report_sources_fold(rp, r->cal);
		if (rp->cur == 0)
			continue;
		rp->children++;
		rp->dist[rp->cur >= 5 ? 4 : rp->cur - 1]++;
		repeat_top(rp, r->cur_child);
		rp->cur = 0;
	}
	free(r->cur_child);
	r->cur_child = NULL;
	r->cur_has_referral = false;
	r->cur_has_contact = false;
}

/*
 * Was the child's previous event of a kind (an earlier row, even on the
 * same date) dated in (date - 12 months, date] of the one at t?  Records
 * t's date as the previous one for the next.  Like every window here that
 * is local dates.
 */
static bool
event_repeats(struct report *r, int64_t t, bool *have, struct cal_date *last)
{
	struct cal_date d = calendar_date_of(r->cal, t);
	struct cal_date first = cal_date_add_days(
	    cal_date_add_months(d, -REREFERRAL_MONTHS), 1);
	bool repeat = *have && cal_date_cmp(*last, first) >= 0;

	*have = true;
	*last = d;
	return repeat;
}

/*
 * DfE: a referral is a re-referral when the same child had a referral in
 * the 12 months before it.
 */
static void
event_referral(struct report *r, int64_t t)
{
	bool repeat = event_repeats(r, t, &r->cur_has_referral,
	    &r->cur_referral);

	count_demand(r, RM_REFERRALS, t);
	if (t >= r->rereferral_from && t < r->end) {
		r->referrals++;
		if (repeat)
			r->rereferrals++;
	}
}

/*
 * A repeat contact, for the regional benchmark: a contact in the span
 * about a child who had another contact in the 12 months before, the
 * re-referral's rule, so that every authority counts it alike whatever
 * its repeat rules say.
 */
static void
event_contact(struct report *r, int64_t t)
{
	bool repeat = event_repeats(r, t, &r->cur_has_contact,
	    &r->cur_contact);

	count_demand(r, RM_CONTACTS, t);
	if (repeat && t >= r->span_from && t < r->end)
		r->span_repeat_contacts++;
}

int
report_add_event(struct report *r, const struct event_row *row)
{
	int cmp = 1;

	for (size_t i = 0; i < r->ntrend; i++)
		if (report_add_event(r->trend[i], row) < 0)
			return -1;
	if (r->previous && report_add_event(r->previous, row) < 0)
		return -1;
	if (r->year_ago && report_add_event(r->year_ago, row) < 0)
		return -1;
	r->rows++;
	if (row->occurred_at == TIME_NONE || row->occurred_at >= r->end)
		return 0;
	if (r->cur_child != NULL)
		cmp = strcmp(row->child_id, r->cur_child);
	if (cmp < 0 || (cmp == 0 && row->occurred_at < r->cur_at))
		return -1;
	if (cmp != 0) {
		child_fold(r);
		r->cur_child = xstrdup(row->child_id);
	}
	r->cur_at = row->occurred_at;

	if (strcmp(row->kind, "contact") == 0)
		event_contact(r, row->occurred_at);
	else if (strcmp(row->kind, "referral") == 0)
		event_referral(r, row->occurred_at);
	for (size_t i = 0; i < r->nrepeats; i++) {
		struct report_repeat *rp = &r->repeats[i];

		if (strcmp(rp->conf->kind, row->kind) == 0 &&
		    row->occurred_at >= rp->from) {
			rp->cur++;
			/* Only the report itself shows them, not its parts. */
			if (!r->sub)
				report_sources_push(rp, row->source,
				    row->occurred_at);
		}
	}
	return 0;
}

/* Checks that fell in the 28 days to D, by the configured names. */
void
report_add_check(struct report *r, const char *check, int64_t occurred_at,
    bool passed)
{
	for (size_t i = 0; i < r->ntrend; i++)
		report_add_check(r->trend[i], check, occurred_at, passed);
	if (r->previous)
		report_add_check(r->previous, check, occurred_at, passed);
	if (r->year_ago)
		report_add_check(r->year_ago, check, occurred_at, passed);
	r->rows++;
	if (!in_period(r, RP_28, occurred_at))
		return;
	for (size_t i = 0; i < r->nchecks; i++) {
		if (strcmp(r->checks[i].conf->name, check) != 0)
			continue;
		r->checks[i].total++;
		if (!passed)
			r->checks[i].failed++;
		return;
	}
}

/*
 * Amber: more than the amber threshold but not more than red.  Caseloads
 * have no history: only the report itself counts them, not its parts.
 */
void
report_add_worker(struct report *r, const char *worker, const char *team,
    int open_cases)
{
	struct report_worker *w;
	bool red = open_cases > r->cfg->caseloads.red;

	r->rows++;
	r->workers++;
	if (red)
		r->red++;
	else if (open_cases > r->cfg->caseloads.amber)
		r->amber++;
	else
		return;
	if (worker == NULL)
		return;
	if (!r->sub)
		team_get(r, team);
	r->flagged = xreallocarray(r->flagged, r->nflagged + 1,
	    sizeof(*r->flagged));
	w = &r->flagged[r->nflagged++];
	w->worker = xstrdup(worker);
	w->team = team ? xstrdup(team) : NULL;
	w->open_cases = open_cases;
	w->red = red;
}

void
report_set_comparator(struct report *r, size_t i, double v)
{
	if (i < r->cfg->report.ncomparators)
		r->comparators[i] = v;
}

bool
report_has_data(const struct report *r)
{
	if (r == NULL)
		return false;
	for (int m = 0; m < RM_COUNT; m++)
		if (r->demand[m].n[RP_28] || r->span_demand[m])
			return true;
	for (size_t i = 0; i < r->nclocks; i++)
		if (r->clocks[i].now.stopped || r->clocks[i].open)
			return true;
	return false;
}

double
report_quantile_hist(const uint64_t *hist, size_t nhist, double q)
{
	uint64_t n = 0, seen = 0, lo, hi;
	double h, xlo = NAN, xhi = NAN;

	for (size_t i = 0; i < nhist; i++)
		n += hist[i];
	if (n == 0)
		return NAN;
	h = (double)(n - 1) * q;
	lo = (uint64_t)floor(h);
	hi = lo + 1 < n ? lo + 1 : lo;
	for (size_t i = 0; i < nhist && isnan(xhi); i++) {
		seen += hist[i];
		if (isnan(xlo) && seen > lo)
			xlo = (double)i;
		if (seen > hi)
			xhi = (double)i;
	}
	return xlo + (h - floor(h)) * (xhi - xlo);
}

double
report_share(uint64_t num, uint64_t den)
{
	double scale = pow(10, REPORT_SHARE_DIGITS);

	if (den == 0)
		return NAN;
	return round((double)num / (double)den * scale) / scale;
}

double
report_per_10000(uint64_t num, uint64_t den)
{
	if (den == 0)
		return NAN;
	return round((double)num / (double)den * 100000.0) / 10.0;
}

static void
headline_add(struct report *r, char *line)
{
	r->headline = xreallocarray(r->headline, r->nheadline + 1,
	    sizeof(*r->headline));
	r->headline[r->nheadline++] = line;
}

/*
 * What a director must see first: what is late now and what got worse
 * since a week ago, then the repeat and re-referral figures that the
 * inspectors found leaders did not know.
 */
static void
headline_build(struct report *r)
{
	uint64_t overdue = 0, was = 0;

	for (size_t i = 0; i < r->nclocks; i++) {
		overdue += r->clocks[i].overdue;
		was += r->clocks[i].overdue_week_ago;
	}
	headline_add(r, xasprintf("%llu item%s overdue at the end of the day "
	    "(a week earlier: %llu).", (unsigned long long)overdue,
	    overdue == 1 ? "" : "s", (unsigned long long)was));
	for (size_t i = 0; i < r->nclocks; i++) {
		const struct report_clock *c = &r->clocks[i];
		double s = report_share(c->now.within_limit, c->now.stopped);
		double s7 = report_share(c->week_ago.within_limit,
		    c->week_ago.stopped);

		if (c->overdue > c->overdue_week_ago)
			headline_add(r, xasprintf("Worse: %s: %llu overdue, "
			    "up from %llu a week earlier.", c->conf->label,
			    (unsigned long long)c->overdue,
			    (unsigned long long)c->overdue_week_ago));
		char a[32], b[32];

		if (!isnan(s) && !isnan(s7) && s < s7 - 0.05)
			headline_add(r, xasprintf("Worse: %s: %s done in "
			    "time over 28 days, down from %s.", c->conf->label,
			    report_format_share(s, a, sizeof(a)),
			    report_format_share(s7, b, sizeof(b))));
	}
	for (size_t i = 0; i < r->nrepeats; i++) {
		const struct report_repeat *rp = &r->repeats[i];
		char w[32];
		uint64_t n = 0;

		if (strcmp(rp->conf->kind, "contact") != 0)
			continue;
		for (int k = 2; k < 5; k++)
			n += rp->dist[k];
		timescale_format(&rp->conf->window, w, sizeof(w));
		headline_add(r, xasprintf("%llu child%s had 3 or more contacts "
		    "in %s.", (unsigned long long)n, n == 1 ? "" : "ren", w));
	}
	if (r->referrals > 0) {
		double rate = report_share(r->rereferrals, r->referrals);
		size_t above = 0;
		char a[32];

		size_t known = 0;

		for (size_t i = 0; i < r->cfg->report.ncomparators; i++) {
			if (isnan(r->comparators[i]))
				continue;
			known++;
			if (rate > r->comparators[i])
				above++;
		}
		headline_add(r, xasprintf("Re-referrals: %s of referrals "
		    "in 12 months%s.", report_format_share(rate, a, sizeof(a)),
		    above == 0 ? "" : above == known ?
		    ", above every comparator" : ", above some comparators"));
	}
	if (r->invalid > 0)
		headline_add(r, xasprintf("%llu source row%s could not be "
		    "right (see data quality).", (unsigned long long)r->invalid,
		    r->invalid == 1 ? "" : "s"));
}

const char *
report_format_share(double share, char *buf, size_t len)
{
	if (isnan(share))
		snprintf(buf, len, "\u2013");
	else
		snprintf(buf, len, "%.2f%%", share * 100);
	return buf;
}

static void
attention_add(struct report *r, const char *rule, char *text)
{
	if (r->nattention == REPORT_ATTENTION_MAX) {
		free(text);
		return;
	}
	r->attention[r->nattention].rule = rule;
	r->attention[r->nattention++].text = text;
}

/* Stopped and within limit over trend points [from, to). */
static double
trend_share(const struct report *r, size_t ci, size_t from, size_t to)
{
	uint64_t n = 0, in = 0;

	for (size_t k = from; k < to; k++) {
		n += r->trend[k]->clocks[ci].span.stopped;
		in += r->trend[k]->clocks[ci].span.within_limit;
	}
	return report_share(in, n);
}

/*
 * Did a share fall by more than REPORT_ATTENTION_DROP?  In units of the
 * shares' last decimal place, where they are whole numbers: in binary
 * 0.8 - 0.7 is more than 0.1, and a fall of exactly 10 points is not more.
 */
static bool
share_fell(double before, double now)
{
	double scale = pow(10, REPORT_SHARE_DIGITS);

	return llround(before * scale) - llround(now * scale) >
	    llround(REPORT_ATTENTION_DROP * scale);
}

/*
 * At most REPORT_ATTENTION_MAX sentences, by rule, in this order: open
 * escalations; each clock whose share within limit in the last week
 * fell more than REPORT_ATTENTION_DROP below the four weeks before; the
 * oldest waiting item; workers over the red threshold; rows that could
 * not be timed.  Each sentence says why it is there.
 */
static void
attention_build(struct report *r)
{
	const struct report_clock *old = NULL;
	size_t last = r->ntrend;

	if (r->alerts.escalations_open > 0)
		attention_add(r, "escalations_open", xasprintf("%llu "
		    "escalation%s still open at the end of the day: the work "
		    "is past its escalation point and a senior manager has "
		    "been told.", (unsigned long long)r->alerts.escalations_open,
		    r->alerts.escalations_open == 1 ? " is" : "s are"));
	for (size_t i = 0; i < r->nclocks && last >= 5; i++) {
		double now = trend_share(r, i, last - 1, last);
		double before = trend_share(r, i, last - 5, last - 1);
		char a[32], b[32];

		if (isnan(now) || isnan(before) || !share_fell(before, now))
			continue;
		attention_add(r, "share_fell", xasprintf("%s: %s done within "
		    "the limit in the week to the report date, down from %s "
		    "over the four weeks before (a fall of more than %d "
		    "points).", r->clocks[i].conf->label ?
		    r->clocks[i].conf->label : r->clocks[i].conf->name,
		    report_format_share(now, a, sizeof(a)),
		    report_format_share(before, b, sizeof(b)),
		    (int)(REPORT_ATTENTION_DROP * 100)));
	}
	for (size_t i = 0; i < r->nclocks; i++) {
		const struct report_clock *c = &r->clocks[i];

		if (c->has_oldest && (old == NULL || c->oldest_age >
		    old->oldest_age))
			old = c;
	}
	if (old != NULL && old->oldest_age > 0)
		attention_add(r, "oldest_waiting", xasprintf("The oldest "
		    "waiting item is %s (%s), open for %d working day%s.",
		    old->oldest_instance, old->conf->label ? old->conf->label :
		    old->conf->name, old->oldest_age,
		    old->oldest_age == 1 ? "" : "s"));
	if (r->red > 0) {
		char *list = xstrdup("");

		for (size_t i = 0, n = 0; i < r->nflagged && n < 3; i++) {
			char *x;

			if (!r->flagged[i].red)
				continue;
			x = xasprintf("%s%s%s (%d)", list, n++ ? ", " : ": ",
			    r->flagged[i].worker, r->flagged[i].open_cases);
			free(list);
			list = x;
		}
		attention_add(r, "caseloads_red", xasprintf("%llu worker%s "
		    "over the red caseload threshold of %d cases%s.",
		    (unsigned long long)r->red, r->red == 1 ? " is" : "s are",
		    r->cfg->caseloads.red, list));
		free(list);
	}
	if (r->invalid > 0)
		attention_add(r, "data_quality", xasprintf("%llu source row%s "
		    "could not be timed (a stop before its start, an unknown "
		    "clock or priority), so the timeliness figures leave %s "
		    "out: see data quality.", (unsigned long long)r->invalid,
		    r->invalid == 1 ? "" : "s", r->invalid == 1 ? "it" :
		    "them"));
}

static int
team_cmp(const void *a, const void *b)
{
	const struct report_team *x = a, *y = b;

	if (x->team == NULL || y->team == NULL)
		return (x->team == NULL) - (y->team == NULL);
	return strcmp(x->team, y->team);
}

/* Highest first, then by team and reference, so the order is stable. */
static int
worker_cmp(const void *a, const void *b)
{
	const struct report_worker *x = a, *y = b;
	int c;

	if (x->open_cases != y->open_cases)
		return x->open_cases > y->open_cases ? -1 : 1;
	if ((x->team == NULL) != (y->team == NULL))
		return x->team == NULL ? 1 : -1;
	if (x->team != NULL && (c = strcmp(x->team, y->team)) != 0)
		return c;
	return strcmp(x->worker, y->worker);
}

void
report_finish(struct report *r)
{
	if (r->finished)
		return;
	for (size_t i = 0; i < r->ntrend; i++)
		report_finish(r->trend[i]);
	if (r->previous)
		report_finish(r->previous);
	if (r->year_ago)
		report_finish(r->year_ago);
	child_fold(r);
	if (r->nteams > 1)
		qsort(r->teams, r->nteams, sizeof(*r->teams), team_cmp);
	if (r->nflagged > 1)
		qsort(r->flagged, r->nflagged, sizeof(*r->flagged),
		    worker_cmp);
	headline_build(r);
	if (!r->sub)
		attention_build(r);
	r->finished = true;
}

void
report_html_escape(FILE *fp, const char *s)
{
	const char *e;

	for (; s != NULL && *s != '\0'; s++) {
		if ((e = html_entity(*s)) != NULL)
			fputs(e, fp);
		else
			fputc(*s, fp);
	}
}
