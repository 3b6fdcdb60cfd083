/*
 * The poller: reads mash.clocks, mash.events and mash.checks into the
 * model with COPY ... TO STDOUT, so a full load streams at the speed of the
 * server's own COPY and memory stays bounded by the model, not the result.
 *
 * The statements and the decoding of their rows are the source reader's
 * (source.h), shared with mashwatchctl: this file sequences a pass on the
 * event loop and hands each row to the model, whose rules judge it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mashwatch/xmalloc.h"

#include "log.h"
#include "pg.h"
#include "poller.h"
#include "source.h"

/*
 * Rows committed by transactions that began before our last poll carry an
 * updated_at from before it: read that far back again.  Longer transactions
 * are caught by the full resync.
 */
#define OVERLAP		60
#define PROGRESS_EVERY	250000

/*
 * The views in the order they are read.  Events come first so that a full
 * pass can build their index (model_end_events) while the clocks stream in.
 */
static const enum source_view pass_views[] = {
	SOURCE_EVENTS, SOURCE_CLOCKS, SOURCE_CHECKS,
};
#define V_COUNT	((int)(sizeof(pass_views) / sizeof(pass_views[0])))

struct poller {
	struct pgconn		*src;
	const struct config	*cfg;
	struct source		*source;	/* the statements */
	bool			 rebuild;	/* the config changed mid-pass */
	/* The pass in progress. */
	bool			 busy;
	bool			 full;
	int			 view;
	struct model		*model;
	int64_t			 now;
	struct timespec		 began;
	struct poll_stats	 st;
	size_t			 view_rows;
	poller_done_cb		 cb;
	void			*arg;
};

struct poller *
poller_new(struct pgconn *src, const struct config *cfg)
{
	struct poller *p = xcalloc(1, sizeof(*p));

	p->src = src;
	p->cfg = cfg;
	p->source = source_new(cfg);
	return p;
}

void
poller_free(struct poller *p)
{
	if (p == NULL)
		return;
	source_free(p->source);
	free(p);
}

void
poller_reconfigure(struct poller *p, const struct config *cfg)
{
	p->cfg = cfg;
	/* The texts in use stay valid until the pass in progress ends. */
	if (p->busy)
		p->rebuild = true;
	else {
		source_free(p->source);
		p->source = source_new(cfg);
	}
}

bool
poller_busy(const struct poller *p)
{
	return p->busy;
}

static void
poller_row(void *arg, char *line, size_t len)
{
	struct poller *p = arg;
	struct source_row r;
	int rc = 0;

	if (source_decode(pass_views[p->view], line, len, &r) < 0) {
		log_warnx("%s: a row with the wrong number of columns; "
		    "skipped", source_view_name(pass_views[p->view]));
		p->st.invalid++;
		return;
	}
	switch (r.view) {
	case SOURCE_CLOCKS:
		rc = model_put_clock(p->model, &r.u.clock, p->now);
		break;
	case SOURCE_EVENTS:
		rc = model_put_event(p->model, &r.u.event, p->now);
		break;
	case SOURCE_CHECKS:
		rc = model_put_check(p->model, &r.u.check, p->now);
		break;
	default:
		break;
	}
	if (rc < 0)
		p->st.invalid++;
	p->st.rows++;
	if (++p->view_rows % PROGRESS_EVERY == 0)
		log_info("reading %s: %zu rows",
		    source_view_name(pass_views[p->view]), p->view_rows);
}

static double
elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) +
	    (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

static void poller_next(struct poller *p);

/*
 * A statement the server answered with an ERROR (not FATAL: the session
 * goes on) is the view's own failure, not the connection's: say which,
 * with the SQLSTATE only, for check-source.
 */
static void
poller_note_refusal(struct poller *p, const PGresult *res)
{
	const char *sev = PQresultErrorField(res,
	    PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	bool ok = code != NULL && strlen(code) == 5;

	/* Only five characters of [0-9A-Z], as pg_result_error. */
	for (size_t i = 0; ok && i < 5; i++)
		ok = (code[i] >= '0' && code[i] <= '9') ||
		    (code[i] >= 'A' && code[i] <= 'Z');
	if (!ok || sev == NULL || strcmp(sev, "ERROR") != 0)
		return;
	p->st.refused = true;
	p->st.refused_view = pass_views[p->view];
	memcpy(p->st.refused_sqlstate, code, 6);
}

static void
poller_finish(struct poller *p, bool ok)
{
	poller_done_cb cb = p->cb;
	void *arg = p->arg;

	p->busy = false;
	p->st.seconds = elapsed(&p->began);
	if (!ok && p->full)
		model_abort_full(p->model);
	if (p->rebuild) {
		source_free(p->source);
		p->source = source_new(p->cfg);
		p->rebuild = false;
	}
	cb(arg, ok, p->full, &p->st);
}

static void
poller_copied(void *arg, PGresult *res)
{
	struct poller *p = arg;

	if (res == NULL) {
		snprintf(p->st.error, sizeof(p->st.error), "reading %s: the "
		    "connection was lost", source_view_name(pass_views[p->view]));
		poller_finish(p, false);
		return;
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(p->st.error, sizeof(p->st.error), "reading %s: %s",
		    source_view_name(pass_views[p->view]),
		    pg_primary_message(res));
		log_err("%s failed", p->st.error);
		poller_note_refusal(p, res);
		poller_finish(p, false);
		return;
	}
	if (p->full || p->view_rows > 0)
		log_debug("read %s: %zu rows, %.2f s into the pass",
		    source_view_name(pass_views[p->view]), p->view_rows,
		    elapsed(&p->began));
	if (p->full && pass_views[p->view] == SOURCE_EVENTS)
		model_end_events(p->model);
	p->view++;
	poller_next(p);
}

static void
poller_next(struct poller *p)
{
	if (p->view == V_COUNT) {
		poller_finish(p, true);
		return;
	}
	p->view_rows = 0;
	if (pgconn_copy_out(p->src, source_sql(p->source, pass_views[p->view],
	    p->full ? SOURCE_CURRENT : SOURCE_CHANGED), poller_row,
	    poller_copied, p) < 0) {
		snprintf(p->st.error, sizeof(p->st.error), "reading %s: the "
		    "source is not connected",
		    source_view_name(pass_views[p->view]));
		poller_finish(p, false);
	}
}

static void
poller_bounds_set(void *arg, PGresult *res)
{
	struct poller *p = arg;

	if (res == NULL) {
		snprintf(p->st.error, sizeof(p->st.error), "setting the poll's "
		    "bounds: the connection was lost");
		poller_finish(p, false);
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		snprintf(p->st.error, sizeof(p->st.error), "setting the poll's "
		    "bounds: %s", pg_primary_message(res));
		log_err("source: cannot start a poll: %s",
		    pg_primary_message(res));
		poller_finish(p, false);
		return;
	}
	p->st.watermark_us = strtoll(PQgetvalue(res, 0, SOURCE_NPARAMS),
	    NULL, 10);
	source_bounds_result(p->source, res);
	p->view = 0;		/* the first view */
	if (p->full)
		model_begin_full(p->model);
	poller_next(p);
}

static int64_t
longest_window(const struct config *cfg)
{
	int64_t w = 0;

	/* Generous: months as 31 days, working days as two calendar days. */
	for (size_t i = 0; i < cfg->nrepeats; i++) {
		const struct timescale *t = &cfg->repeats[i].window;
		int64_t s = (int64_t)t->n * (t->unit == TS_MONTHS ? 31 * 86400 :
		    t->unit == TS_HOURS ? 3600 : t->unit == TS_DAYS ? 86400 :
		    2 * 86400);
		if (s > w)
			w = s;
	}
	return w + 86400;
}

int
poller_run(struct poller *p, struct model *m, bool full, int64_t now,
    int64_t since_us, poller_done_cb cb, void *arg)
{
	struct source_bounds b = {
		.since = (double)since_us / 1e6 - (double)OVERLAP,
		.clocks_since = now - MODEL_KEEP_STOPPED,
		.events_since = now - longest_window(p->cfg),
		.checks_since = now - MODEL_KEEP_STOPPED,
		.end = now,
	};
	struct source_params sp;

	if (p->busy)
		return -1;
	source_bounds_params(&b, &sp);
	memset(&p->st, 0, sizeof(p->st));
	p->busy = true;
	p->full = full;
	p->model = m;
	p->now = now;
	p->cb = cb;
	p->arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &p->began);
	if (pgconn_query(p->src, source_bounds_sql(p->source), SOURCE_NPARAMS,
	    sp.params, poller_bounds_set, p) < 0) {
		p->busy = false;
		return -1;
	}
	return 0;
}
