/*
 * mashwatchctl report: the nightly report for any past date
 * (mashwatch-report(5)), printed, or with --send archived, mailed to
 * routes.report and
 * recorded in mashwatch.reports so that a day is sent once.
 *
 * The views are read by the source reader (source.h), the daemon's own, with
 * the daemon's validity rules: each row is folded into the report as it
 * arrives and then dropped, so memory stays bounded however long the
 * history (the server sorts the events; we keep none).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "mashwatch/report.h"
#include "mashwatch/xmalloc.h"
#include "ctl.h"
#include "ctl_report.h"
#include "log.h"
#include "pg.h"
#include "source.h"
#include "setup.h"

static const char *const format_names[] = { "text", "html", "csv", "json" };

/* What the report needs of the source reader's rows. */
struct report_read {
	const struct config	*cfg;
	struct report		*r;
};

/*
 * Every row goes through the same rules as the daemon's (model_judge_clock)
 * in replay mode as of the report's end: a stop after it has not happened
 * yet.  Invalid rows are counted, never a reason to fail.
 */
static int
report_row(void *arg, const struct source_row *row, bool ok)
{
	struct report_read *rr = arg;
	struct report *r = rr->r;
	struct clock_verdict v;

	if (!ok) {
		if (row->view == SOURCE_CLOCKS)
			r->invalid++;
		return 0;
	}
	switch (row->view) {
	case SOURCE_CLOCKS:
		model_judge_clock(rr->cfg, &row->u.clock, r->end, true, &v);
		if (v.invalid != NULL) {
			r->rows++;
			r->invalid++;
			return 0;
		}
		report_add_clock(r, &row->u.clock);
		return 0;
	case SOURCE_EVENTS: {
		const struct event_row *e = &row->u.event;
		if (e->kind == NULL || e->child_id == NULL ||
		    e->occurred_at == TIME_NONE || e->occurred_at == TIME_BAD)
			return 0;
		if (report_add_event(r, e) < 0) {
			/* Never the child's id: it is a case reference. */
			fprintf(stderr, "mashwatchctl: report: mash.events "
			    "arrived out of order\n");
			return -1;
		}
		return 0;
	}
	case SOURCE_CHECKS: {
		const struct check_row *c = &row->u.check;
		if (c->check == NULL || c->passed < 0 ||
		    c->occurred_at == TIME_NONE || c->occurred_at == TIME_BAD)
			return 0;
		report_add_check(r, c->check, c->occurred_at, c->passed == 1);
		return 0;
	}
	case SOURCE_CASELOADS:
		if (row->u.caseload.open_cases >= 0)
			report_add_caseload(r,
			    (int)row->u.caseload.open_cases);
		return 0;
	default:
		return 0;
	}
}

/* Read the mash views into r through the source reader. */
static int
read_source(const struct ctl *ctl, struct report *r)
{
	static const enum source_view views[] = { SOURCE_CLOCKS,
	    SOURCE_EVENTS, SOURCE_CHECKS, SOURCE_CASELOADS, SOURCE_NVIEWS };
	struct report_read rr = { ctl->cfg, r };
	struct source_bounds b = {
		/* Clocks matter only from the start of the earliest period. */
		.clocks_since = r->bounds[RP_PREV_28][0],
		.events_since = r->since,
		.checks_since = r->since,
		.end = r->end,
	};
	struct source *s = NULL;
	struct timespec t0, t1;
	uint64_t rows = 0;
	PGconn *conn;
	int ret = -1;

	if ((conn = setup_connect(ctl->cfg->source.conninfo, "source")) == NULL)
		return -1;
	s = source_new(ctl->cfg);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (source_read(conn, s, &b, SOURCE_WINDOW, views, report_row, &rr,
	    &rows) < 0)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "report: read %" PRIu64 " rows of the source in "
	    "%.2f s\n", rows, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	ret = 0;
out:
	source_free(s);
	PQfinish(conn);
	return ret;
}

/* Alerts on D, and escalations still open at its end. */
static int
read_alerts(PGconn *conn, struct report *r)
{
	char from[32], to[32];
	const char *params[2] = { from, to };
	PGresult *res;
	int ret = -1;

	snprintf(from, sizeof(from), "%" PRId64, r->bounds[RP_DAY][0]);
	snprintf(to, sizeof(to), "%" PRId64, r->end);
	res = PQexecParams(conn, "WITH p AS (SELECT to_timestamp($1) AS f, "
	    "to_timestamp($2) AS t) SELECT "
	    "count(*) FILTER (WHERE fired_at >= f AND fired_at < t), "
	    "count(*) FILTER (WHERE resolved_at >= f AND resolved_at < t), "
	    "count(*) FILTER (WHERE level = 'escalated' AND fired_at >= f "
	    "AND fired_at < t), "
	    "count(*) FILTER (WHERE acked_at >= f AND acked_at < t), "
	    "count(*) FILTER (WHERE level = 'escalated' AND fired_at < t AND "
	    "(resolved_at IS NULL OR resolved_at >= t)) "
	    "FROM mashwatch.alerts, p", 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "mashwatchctl: report: mashwatch.alerts: %s\n",
		    pg_primary_message(res));
		goto out;
	}
	r->alerts.raised = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	r->alerts.resolved = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
	r->alerts.escalated = strtoull(PQgetvalue(res, 0, 2), NULL, 10);
	r->alerts.acknowledged = strtoull(PQgetvalue(res, 0, 3), NULL, 10);
	r->alerts.escalations_open = strtoull(PQgetvalue(res, 0, 4), NULL, 10);
	ret = 0;
out:
	PQclear(res);
	return ret;
}

int
report_write(const struct report *r, int format, FILE *fp)
{
	switch (format) {
	case FMT_HTML:
		return report_write_html(r, fp);
	case FMT_CSV:
		return report_write_csv(r, fp);
	case FMT_JSON:
		return report_write_json(r, fp);
	default:
		return report_write_text(r, fp);
	}
}

struct report *
report_generate(const struct ctl *ctl, PGconn *state, struct cal_date d)
{
	struct report *r;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = report_new(ctl->cfg, ctl->cal, d, (int64_t)time(NULL));
	fprintf(stderr, "report: %04d-%02d-%02d: reading the source\n", d.year,
	    d.month, d.day);
	if (read_source(ctl, r) < 0 || read_alerts(state, r) < 0) {
		report_free(r);
		return NULL;
	}
	report_finish(r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "report: %04d-%02d-%02d: %" PRIu64 " rows in %.2f s\n",
	    d.year, d.month, d.day, r->rows, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return r;
}

static void
usage_report(void)
{
	fprintf(stderr, "usage: mashwatchctl [-c FILE] report [--date D] "
	    "[--format text|html|csv|json] [--send]\n");
}

int
ctl_report(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "date", required_argument, NULL, 'D' },
		{ "format", required_argument, NULL, 'F' },
		{ "send", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct cal_date d, today;
	struct report *r = NULL;
	PGconn *state = NULL;
	int ch, format = FMT_TEXT, rc = EX_USAGE;
	bool send = false, have_date = false;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'D':
			if (cal_date_parse(optarg, &d) < 0) {
				fprintf(stderr, "mashwatchctl: --date '%s' is "
				    "not a date (YYYY-MM-DD)\n", optarg);
				goto out;
			}
			have_date = true;
			break;
		case 'F':
			for (format = 0; format < 4; format++)
				if (strcmp(optarg, format_names[format]) == 0)
					break;
			if (format == 4) {
				usage_report();
				goto out;
			}
			break;
		case 'S':
			send = true;
			break;
		default:
			usage_report();
			goto out;
		}
	}
	if (optind != argc) {
		usage_report();
		goto out;
	}
	today = calendar_date_of(ctl->cal, (int64_t)time(NULL));
	if (!have_date)
		d = cal_date_add_days(today, -1);
	if (cal_date_cmp(d, today) >= 0) {
		fprintf(stderr, "mashwatchctl: --date must be a past date; "
		    "today is %04d-%02d-%02d\n", today.year, today.month,
		    today.day);
		goto out;
	}
	setup_warn_coverage(ctl->cal, calendar_start_of(ctl->cal, d));
	rc = EX_UNAVAILABLE;
	if ((state = setup_connect(ctl->cfg->state.conninfo, "state")) == NULL)
		goto out;
	if (send) {
		rc = report_send(ctl, state, d);
		goto out;
	}
	if ((r = report_generate(ctl, state, d)) == NULL)
		goto out;
	rc = report_write(r, format, stdout) < 0 || fflush(stdout) != 0 ?
	    EX_IOERR : EX_OK;
out:
	report_free(r);
	PQfinish(state);
	return rc;
}
