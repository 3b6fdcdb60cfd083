/*
 * The nightly report's arithmetic: rows in, figures out.  The writers are
 * in report_format.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/report.h"
#include "mashwatch/xmalloc.h"

const char *const report_band_names[RB_COUNT] = {
	"0", "1", "2-4", "5-9", "10+",
};

const char *const report_period_keys[RP_COUNT] = {
	"day", "previous_day", "days_7", "previous_7", "days_28", "previous_28",
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

struct report *
report_new(const struct config *cfg, const struct calendar *cal,
    struct cal_date date, int64_t generated_at)
{
	struct report *r = xcalloc(1, sizeof(*r));
	static const int periods[RP_COUNT][2] = {
		/* days before D of the first and of the day after the last */
		{ 0, -1 }, { 1, 0 }, { 6, -1 }, { 13, 6 }, { 27, -1 }, { 55, 27 },
	};

	r->cfg = cfg;
	r->cal = cal;
	r->date = date;
	r->generated_at = generated_at;
	r->end = day_start(r, -1);
	r->since = r->end;
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

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nclocks; i++) {
		free(r->clocks[i].now.hist);
		free(r->clocks[i].week_ago.hist);
		free(r->clocks[i].oldest_instance);
		free(r->clocks[i].oldest_child);
	}
	free(r->clocks);
	for (size_t i = 0; i < r->nrepeats; i++)
		for (size_t j = 0; j < r->repeats[i].ntop; j++)
			free(r->repeats[i].top[j].child);
	free(r->repeats);
	free(r->checks);
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
    const struct clock_row *row, int64_t due)
{
	int age = calendar_working_days_between(r->cal, row->started_at,
	    r->end - 1);

	c->open++;
	if (due <= r->end)
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

/*
 * As of the end of D, like `mashwatchd --once --at`: a row that starts
 * later has not happened, a stop later has not happened yet.
 */
void
report_add_clock(struct report *r, const struct clock_row *row)
{
	struct report_clock *c;
	const struct timescale *limit;
	int64_t due, start = row->started_at, stop = row->stopped_at;
	int64_t week_end = r->bounds[RP_PREV_7][1];

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

	if (stop == TIME_NONE)
		clock_open(r, c, row, due);
	else if (stop >= r->bounds[RP_28][0])
		stops_add(&c->now, calendar_working_days_between(r->cal,
		    start, stop), stop < due);

	/* The same a week earlier, for "what got worse". */
	if (start >= week_end)
		return;
	if (stop == TIME_NONE || stop >= week_end) {
		c->open_week_ago++;
		if (due <= week_end)
			c->overdue_week_ago++;
	} else if (stop >= day_start(r, 34))
		stops_add(&c->week_ago, calendar_working_days_between(r->cal,
		    start, stop), stop < due);
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
}

/*
 * DfE: a referral is a re-referral when the same child had a referral in
 * the 12 months before it.  Like every window here that is local dates:
 * an earlier referral (an earlier row, even on the same date) dated in
 * (date - 12 months, date].
 */
static void
event_referral(struct report *r, int64_t t)
{
	struct cal_date d = calendar_date_of(r->cal, t);
	struct cal_date first = cal_date_add_days(
	    cal_date_add_months(d, -REREFERRAL_MONTHS), 1);

	count_demand(r, RM_REFERRALS, t);
	if (t >= r->rereferral_from && t < r->end) {
		r->referrals++;
		if (r->cur_has_referral &&
		    cal_date_cmp(r->cur_referral, first) >= 0)
			r->rereferrals++;
	}
	r->cur_has_referral = true;
	r->cur_referral = d;
}

int
report_add_event(struct report *r, const struct event_row *row)
{
	int cmp = 1;

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
		count_demand(r, RM_CONTACTS, row->occurred_at);
	else if (strcmp(row->kind, "referral") == 0)
		event_referral(r, row->occurred_at);
	for (size_t i = 0; i < r->nrepeats; i++) {
		struct report_repeat *rp = &r->repeats[i];

		if (strcmp(rp->conf->kind, row->kind) == 0 &&
		    row->occurred_at >= rp->from)
			rp->cur++;
	}
	return 0;
}

/* Checks that fell in the 28 days to D, by the configured names. */
void
report_add_check(struct report *r, const char *check, int64_t occurred_at,
    bool passed)
{
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

/* Amber: more than the amber threshold but not more than red. */
void
report_add_caseload(struct report *r, int open_cases)
{
	r->rows++;
	r->workers++;
	if (open_cases > r->cfg->caseloads.red)
		r->red++;
	else if (open_cases > r->cfg->caseloads.amber)
		r->amber++;
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
report_quantile(const double *sorted, size_t n, double q)
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

double
report_share(uint64_t num, uint64_t den)
{
	double scale = pow(10, REPORT_SHARE_DIGITS);

	if (den == 0)
		return NAN;
	return round((double)num / (double)den * scale) / scale;
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
		if (!isnan(s) && !isnan(s7) && s < s7 - 0.05)
			headline_add(r, xasprintf("Worse: %s: %.0f%% done in "
			    "time over 28 days, down from %.0f%%.",
			    c->conf->label, s * 100, s7 * 100));
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

		for (size_t i = 0; i < r->cfg->report.ncomparators; i++)
			if (rate > r->cfg->report.comparators[i].value)
				above++;
		headline_add(r, xasprintf("Re-referrals: %.1f%% of referrals "
		    "in 12 months%s.", rate * 100, above == 0 ? "" :
		    above == r->cfg->report.ncomparators ?
		    ", above every comparator" : ", above some comparators"));
	}
	if (r->invalid > 0)
		headline_add(r, xasprintf("%llu source row%s could not be "
		    "right (see data quality).", (unsigned long long)r->invalid,
		    r->invalid == 1 ? "" : "s"));
}

void
report_finish(struct report *r)
{
	if (r->finished)
		return;
	child_fold(r);
	headline_build(r);
	r->finished = true;
}
