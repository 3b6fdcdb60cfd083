/*
 * A report from the databases, and its writing in each format: the views
 * read by the source reader (source.h), the daemon's own, with the
 * daemon's validity rules; each row is folded into the report as it
 * arrives and then dropped, so memory stays bounded however long the
 * history (the server sorts the events; we keep none).  Used by the
 * report command (ctl_report.c) and its sender (ctl_report_send.c).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "mashwatch/region.h"
#include "mashwatch/report.h"
#include "mashwatch/xmalloc.h"
#include "ctl.h"
#include "ctl_report.h"
#include "daemon/log.h"
#include "daemon/pg.h"
#include "daemon/setup.h"
#include "daemon/source.h"

/*
 * What the report needs of the source reader's rows.  Clocks arrive in
 * (clock, instance_id) order, so a duplicated instance is the row after
 * its twin: the last key read is enough to time it once, as the daemon
 * does, and count the twin as invalid.
 */
struct report_read {
	const struct config	*cfg;
	struct report		*r;
	char			*last;	/* clock, US, instance_id */
};

static bool
report_duplicate(struct report_read *rr, const struct clock_row *c)
{
	char *key = xasprintf("%s\x1f%s", c->clock, c->instance_id);

	if (rr->last != NULL && strcmp(rr->last, key) == 0) {
		free(key);
		return true;
	}
	free(rr->last);
	rr->last = key;
	return false;
}

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
		if (v.invalid != NULL || report_duplicate(rr, &row->u.clock)) {
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
			report_add_worker(r, row->u.caseload.worker_id,
			    row->u.caseload.team_id,
			    (int)row->u.caseload.open_cases);
		return 0;
	default:
		return 0;
	}
}

static void
report_team(void *arg, const char *team_id, const char *name)
{
	report_add_team(arg, team_id, name);
}

/* Read the mash views into r through the source reader. */
static int
read_source(const struct ctl *ctl, struct report *r)
{
	static const enum source_view views[] = { SOURCE_CLOCKS,
	    SOURCE_EVENTS, SOURCE_CHECKS, SOURCE_CASELOADS, SOURCE_NVIEWS };
	struct report_read rr = { ctl->cfg, r, NULL };
	struct source_bounds b = {
		/* Clocks matter only from the earliest period of any trend
		 * point. */
		.clocks_since = report_clock_since(r),
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
	if (source_read_teams(conn, s, report_team, r) < 0)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("report: read %" PRIu64 " rows of the source in "
	    "%.2f s", rows, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	ret = 0;
out:
	source_free(s);
	free(rr.last);
	PQfinish(conn);
	return ret;
}

/*
 * Alerts on D, and escalations still open at its end; raised and
 * escalated over the span.
 */
static int
read_alerts(PGconn *conn, struct report *r)
{
	char from[32], to[32], span[32];
	const char *params[3] = { from, to, span };
	PGresult *res;
	int ret = -1;

	snprintf(from, sizeof(from), "%" PRId64, r->bounds[RP_DAY][0]);
	snprintf(to, sizeof(to), "%" PRId64, r->end);
	snprintf(span, sizeof(span), "%" PRId64, r->span_from);
	res = PQexecParams(conn, "WITH p AS (SELECT to_timestamp($1) AS f, "
	    "to_timestamp($2) AS t, to_timestamp($3) AS s) SELECT "
	    "count(*) FILTER (WHERE fired_at >= s AND fired_at < t), "
	    "count(*) FILTER (WHERE level = 'escalated' AND fired_at >= s "
	    "AND fired_at < t), "
	    "count(*) FILTER (WHERE fired_at >= f AND fired_at < t), "
	    "count(*) FILTER (WHERE resolved_at >= f AND resolved_at < t), "
	    "count(*) FILTER (WHERE level = 'escalated' AND fired_at >= f "
	    "AND fired_at < t), "
	    "count(*) FILTER (WHERE acked_at >= f AND acked_at < t), "
	    "count(*) FILTER (WHERE level = 'escalated' AND fired_at < t AND "
	    "(resolved_at IS NULL OR resolved_at >= t)) "
	    "FROM mashwatch.alerts, p", 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "mashwatchctl: report: mashwatch.alerts: %s\n",
		    pg_primary_message(res));
		goto out;
	}
	r->alerts.raised_span = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	r->alerts.escalated_span = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
	r->alerts.raised = strtoull(PQgetvalue(res, 0, 2), NULL, 10);
	r->alerts.resolved = strtoull(PQgetvalue(res, 0, 3), NULL, 10);
	r->alerts.escalated = strtoull(PQgetvalue(res, 0, 4), NULL, 10);
	r->alerts.acknowledged = strtoull(PQgetvalue(res, 0, 5), NULL, 10);
	r->alerts.escalations_open = strtoull(PQgetvalue(res, 0, 6), NULL, 10);
	ret = 0;
out:
	PQclear(res);
	return ret;
}

int
report_write(const struct report *r, int format, FILE *fp)
{
	if (format >= FMT_TABLE)
		return report_write_table(r, format - FMT_TABLE, fp);
	switch (format) {
	case FMT_HTML:
		return report_write_html(r, fp);
	case FMT_CSV:
		return report_write_csv(r, fp);
	case FMT_JSON:
		return report_write_json(r, fp);
	case FMT_REGION:
		return report_write_region(r, fp);
	default:
		return report_write_text(r, fp);
	}
}

int
report_read_late(PGconn *conn, int64_t t0, int64_t t1,
    void (*fn)(void *arg, const char *clock, const char *reason,
    int64_t due_at, int64_t late_until), void *arg)
{
	char from[32], to[32];
	const char *params[2] = { from, to };
	PGresult *res;
	int ret = -1;

	snprintf(from, sizeof(from), "%" PRId64, t0);
	snprintf(to, sizeof(to), "%" PRId64, t1);
	res = PQexecParams(conn, "WITH p AS (SELECT to_timestamp($1) AS s, "
	    "to_timestamp($2) AS t), late AS (SELECT DISTINCT ON (a.rule, "
	    "a.instance_id) a.rule, a.instance_id, a.due_at, "
	    "coalesce(a.stopped_at, a.resolved_at) AS until "
	    "FROM mashwatch.alerts a, p WHERE a.level = 'overdue' "
	    "AND a.due_at IS NOT NULL AND a.fired_at >= p.s AND a.fired_at < p.t "
	    "ORDER BY a.rule, a.instance_id, a.fired_at) "
	    "SELECT l.rule, (SELECT k.reason FROM mashwatch.acks k "
	    "JOIN mashwatch.alerts b ON b.alert_id = k.alert_id "
	    "WHERE b.rule = l.rule AND b.instance_id = l.instance_id "
	    "AND k.reason IS NOT NULL ORDER BY k.acked_at DESC, k.ack_id DESC "
	    "LIMIT 1), extract(epoch FROM l.due_at), "
	    "extract(epoch FROM least(coalesce(l.until, p.t), p.t)) "
	    "FROM late l, p ORDER BY 1, 2", 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: report: mashwatch.acks: %s\n",
		    pg_primary_message(res));
		goto out;
	}
	for (int i = 0; i < PQntuples(res); i++)
		fn(arg, PQgetvalue(res, i, 0),
		    PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1),
		    (int64_t)strtod(PQgetvalue(res, i, 2), NULL),
		    (int64_t)strtod(PQgetvalue(res, i, 3), NULL));
	ret = 0;
out:
	PQclear(res);
	return ret;
}

static void
late_to_report(void *arg, const char *clock, const char *reason,
    int64_t due_at, int64_t late_until)
{
	report_add_late(arg, clock, reason, due_at, late_until);
}

/* Every part reads the alert store for its own dates; r its late items. */
static int
read_all_alerts(PGconn *state, struct report *r)
{
	struct report *parts[REPORT_PARTS_MAX];
	size_t n = report_parts(r, parts, REPORT_PARTS_MAX);

	for (size_t i = 0; i < n; i++)
		if (read_alerts(state, parts[i]) < 0)
			return -1;
	return report_read_late(state, r->span_from, r->end, late_to_report, r);
}

/*
 * A comparator that names the region's benchmark shows the region's median
 * re-referral rate.  The report goes out whatever: an unreadable file is
 * said on stderr and its comparator is null.
 */
static void
comparators_resolve(const struct ctl *ctl, struct report *r)
{
	const struct config *cfg = ctl->cfg;

	for (size_t i = 0; i < cfg->report.ncomparators; i++) {
		const struct float_entry *c = &cfg->report.comparators[i];
		char err[512], *text;
		double v = NAN;

		if (c->file == NULL)
			continue;
		if ((text = ctl_file_slurp(c->file, err, sizeof(err))) ==
		    NULL || region_median_of(text, "rereferral_rate", &v, err,
		    sizeof(err)) < 0)
			fprintf(stderr, "mashwatchctl: report: "
			    "report.comparators.%s: %s: %s (shown as null)\n",
			    c->name, c->file, err);
		free(text);
		report_set_comparator(r, i, v);
	}
}

struct report *
report_generate_period(const struct ctl *ctl, PGconn *state,
    enum report_kind kind, struct cal_date first, struct cal_date d)
{
	struct report *r;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (kind == RK_DAY)
		r = report_new(ctl->cfg, ctl->cal, d, (int64_t)time(NULL));
	else
		r = report_new_pack(ctl->cfg, ctl->cal, kind, first, d,
		    (int64_t)time(NULL));
	log_info("report: %04d-%02d-%02d: reading the source", d.year,
	    d.month, d.day);
	if (read_source(ctl, r) < 0 || read_all_alerts(state, r) < 0) {
		report_free(r);
		return NULL;
	}
	comparators_resolve(ctl, r);
	report_finish(r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("report: %04d-%02d-%02d: %" PRIu64 " rows in %.2f s",
	    d.year, d.month, d.day, r->rows, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return r;
}
