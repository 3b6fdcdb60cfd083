/*
 * The report's tidy tables: one CSV per table, a header row, one row per
 * observation, every column documented in mashwatch-report(5).  They
 * hold the same numbers as the JSON (the complete machine-readable form)
 * and are what an analyst loads without reshaping.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mashwatch/report.h"

const char *const report_table_names[RT_COUNT] = {
	"clocks", "teams", "trends", "repeats", "caseloads", "data_quality",
};

static void
t_date(FILE *fp, struct cal_date d)
{
	fprintf(fp, "%04d-%02d-%02d", d.year, d.month, d.day);
}

static void
t_str(FILE *fp, const char *s)
{
	fputc(',', fp);
	if (s != NULL)
		report_csv_field(fp, s);
}

static void
t_n(FILE *fp, uint64_t n)
{
	fprintf(fp, ",%llu", (unsigned long long)n);
}

/* A share as the JSON has it (REPORT_SHARE_DIGITS places); empty if none. */
static void
t_share(FILE *fp, double v)
{
	if (isnan(v))
		fputc(',', fp);
	else
		fprintf(fp, ",%.*f", REPORT_SHARE_DIGITS, v);
}

static void
t_days(FILE *fp, double v)
{
	if (isnan(v))
		fputc(',', fp);
	else
		fprintf(fp, ",%.1f", v);
}

static void
t_end(FILE *fp)
{
	fputs("\r\n", fp);
}

static void
clock_cols(FILE *fp, const struct report_clock *c)
{
	char lim[32];

	t_str(fp, c->conf->name);
	t_str(fp, c->conf->label ? c->conf->label : c->conf->name);
	timescale_format(&c->conf->limit, lim, sizeof(lim));
	t_str(fp, lim);
	t_n(fp, c->now.stopped);
	t_n(fp, c->now.within_limit);
	t_share(fp, report_share(c->now.within_limit, c->now.stopped));
	t_days(fp, report_quantile_hist(c->now.hist, c->now.nhist, 0.5));
	t_days(fp, report_quantile_hist(c->now.hist, c->now.nhist, 0.9));
	t_n(fp, c->open);
	t_n(fp, c->overdue);
	for (int b = 0; b < RB_COUNT; b++)
		t_n(fp, c->bands[b]);
}

#define CLOCK_HEAD "clock,label,limit,stopped_28_days,within_limit," \
	"share_within_limit,median_working_days,p90_working_days,open," \
	"overdue,age_0,age_1,age_2_4,age_5_9,age_10_plus"

static void
trend_row(FILE *fp, const struct report *p, const char *measure,
    const char *clock, double v, bool share)
{
	t_date(fp, p->span_first);
	fputc(',', fp);
	t_date(fp, p->date);
	t_str(fp, measure);
	t_str(fp, clock);
	if (share)
		t_share(fp, v);
	else if (isnan(v))
		fputc(',', fp);
	else if (v == floor(v))
		fprintf(fp, ",%.0f", v);
	else
		fprintf(fp, ",%.1f", v);
	t_end(fp);
}

static void
trends(const struct report *r, FILE *fp)
{
	fputs("week_first,week_end,measure,clock,value\r\n", fp);
	for (size_t k = 0; k < r->ntrend; k++) {
		const struct report *p = r->trend[k];

		for (int m = 0; m < RM_COUNT; m++)
			trend_row(fp, p, p->demand[m].measure, NULL,
			    (double)p->span_demand[m], false);
		trend_row(fp, p, "rereferral_rate", NULL,
		    report_share(p->rereferrals, p->referrals), true);
		trend_row(fp, p, "alerts_raised", NULL,
		    (double)p->alerts.raised_span, false);
		trend_row(fp, p, "alerts_escalated", NULL,
		    (double)p->alerts.escalated_span, false);
		for (size_t i = 0; i < p->nclocks; i++) {
			const struct report_clock *c = &p->clocks[i];
			const char *n = c->conf->name;

			trend_row(fp, p, "stopped", n, (double)c->span.stopped,
			    false);
			trend_row(fp, p, "within_limit", n,
			    (double)c->span.within_limit, false);
			trend_row(fp, p, "share_within_limit", n,
			    report_share(c->span.within_limit, c->span.stopped),
			    true);
			trend_row(fp, p, "median_working_days", n,
			    report_quantile_hist(c->span.hist, c->span.nhist,
			    0.5), false);
			trend_row(fp, p, "open", n, (double)c->open, false);
			trend_row(fp, p, "overdue", n, (double)c->overdue,
			    false);
		}
	}
}

int
report_write_table(const struct report *r, enum report_table t, FILE *fp)
{
	static const char *const buckets[5] = { "1", "2", "3", "4", "5+" };
	char w[32];

	switch (t) {
	case RT_CLOCKS:
		fputs("date," CLOCK_HEAD "\r\n", fp);
		for (size_t i = 0; i < r->nclocks; i++) {
			t_date(fp, r->date);
			clock_cols(fp, &r->clocks[i]);
			t_end(fp);
		}
		break;
	case RT_TEAMS:
		fputs("date,team,team_name," CLOCK_HEAD "\r\n", fp);
		for (size_t k = 0; k < r->nteams; k++)
			for (size_t i = 0; i < r->nclocks; i++) {
				t_date(fp, r->date);
				t_str(fp, r->teams[k].team);
				t_str(fp, r->teams[k].name);
				clock_cols(fp, &r->teams[k].clocks[i]);
				t_end(fp);
			}
		break;
	case RT_TRENDS:
		trends(r, fp);
		break;
	case RT_REPEATS:
		fputs("date,rule,kind,window,events,children\r\n", fp);
		for (size_t i = 0; i < r->nrepeats; i++) {
			const struct report_repeat *rp = &r->repeats[i];

			timescale_format(&rp->conf->window, w, sizeof(w));
			for (int b = 0; b < 5; b++) {
				t_date(fp, r->date);
				t_str(fp, rp->conf->name);
				t_str(fp, rp->conf->kind);
				t_str(fp, w);
				t_str(fp, buckets[b]);
				t_n(fp, rp->dist[b]);
				t_end(fp);
			}
		}
		break;
	case RT_CASELOADS:
		fputs("date,worker,team,open_cases,level\r\n", fp);
		for (size_t i = 0; i < r->nflagged; i++) {
			t_date(fp, r->date);
			t_str(fp, r->flagged[i].worker);
			t_str(fp, r->flagged[i].team);
			fprintf(fp, ",%d", r->flagged[i].open_cases);
			t_str(fp, r->flagged[i].red ? "red" : "amber");
			t_end(fp);
		}
		break;
	case RT_DATA_QUALITY:
		fputs("date,finding,rows\r\n", fp);
		t_date(fp, r->date);
		t_str(fp, "invalid_clock_rows");
		t_n(fp, r->invalid);
		t_end(fp);
		break;
	default:
		return -1;
	}
	return ferror(fp) ? -1 : 0;
}
