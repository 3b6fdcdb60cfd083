/*
 * The poller: reads mash.clocks, mash.events and mash.checks into the
 * model with COPY ... TO STDOUT, so a full load streams at the speed of the
 * server's own COPY and memory stays bounded by the model, not the result.
 *
 * The time bounds are passed with set_config() as parameters, so the COPY
 * texts are constant: no SQL is built from data.  The one identifier in
 * them is source.schema, validated as an identifier when the config loads.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mashwatch/copytext.h"
#include "mashwatch/xmalloc.h"

#include "engine.h"
#include "log.h"
#include "pg.h"

/*
 * Rows committed by transactions that began before our last poll carry an
 * updated_at from before it: read that far back again.  Longer transactions
 * are caught by the full resync.
 */
#define OVERLAP		60
/* Clocks stopped this long ago are no longer of interest. */
#define RECENT		(28 * 86400)
#define PROGRESS_EVERY	250000

#define EPOCH(col) \
	"CASE WHEN isfinite(" col ") THEN floor(extract(epoch FROM " col "))::bigint END"

/*
 * The views in the order they are read.  Events come first so that a full
 * pass can build their index (model_end_events) while the clocks stream in.
 */
enum view { V_EVENTS, V_CLOCKS, V_CHECKS, V_COUNT };

static const char *const view_names[V_COUNT] = {
	"events", "clocks", "checks",
};

static const int view_fields[V_COUNT] = { 5, 8, 7 };

struct poller {
	struct pgconn		*src;
	const struct config	*cfg;
	char			*sql[V_COUNT][2];	/* [view][full] */
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

static void
poller_build_sql(struct poller *p)
{
	const char *schema = p->cfg->source.schema;

	for (int v = 0; v < V_COUNT; v++)
		for (int f = 0; f < 2; f++)
			free(p->sql[v][f]);
	/*
	 * Incremental: updated since the watermark, less the overlap.  The
	 * bound is a sub-select so that PostgreSQL works it out once, not
	 * once per row: that alone halves the server's time for a full load.
	 */
#define SINCE(setting) "(SELECT to_timestamp(current_setting(" \
	    "'mashwatch." setting "')::float8))"
	p->sql[V_CLOCKS][0] = xasprintf("COPY (SELECT clock, instance_id, "
	    "child_id, team_id, worker_id, priority, " EPOCH("started_at") ", "
	    EPOCH("stopped_at") " FROM \"%s\".clocks WHERE updated_at > "
	    SINCE("since") ") TO STDOUT", schema);
	p->sql[V_CLOCKS][1] = xasprintf("COPY (SELECT clock, instance_id, "
	    "child_id, team_id, worker_id, priority, " EPOCH("started_at") ", "
	    EPOCH("stopped_at") " FROM \"%s\".clocks WHERE stopped_at IS NULL "
	    "OR stopped_at > " SINCE("clocks_since") ") TO STDOUT", schema);
	p->sql[V_EVENTS][0] = xasprintf("COPY (SELECT kind, event_id, "
	    "child_id, team_id, " EPOCH("occurred_at") " FROM \"%s\".events "
	    "WHERE updated_at > " SINCE("since") ") TO STDOUT", schema);
	p->sql[V_EVENTS][1] = xasprintf("COPY (SELECT kind, event_id, "
	    "child_id, team_id, " EPOCH("occurred_at") " FROM \"%s\".events "
	    "WHERE occurred_at IS NULL OR occurred_at > "
	    SINCE("events_since") ") TO STDOUT", schema);
	p->sql[V_CHECKS][0] = xasprintf("COPY (SELECT check_name, "
	    "instance_id, child_id, team_id, " EPOCH("occurred_at") ", passed, "
	    "detail FROM \"%s\".checks WHERE updated_at > " SINCE("since")
	    ") TO STDOUT", schema);
	p->sql[V_CHECKS][1] = xasprintf("COPY (SELECT check_name, "
	    "instance_id, child_id, team_id, " EPOCH("occurred_at") ", passed, "
	    "detail FROM \"%s\".checks WHERE passed IS NOT TRUE OR "
	    "occurred_at IS NULL OR occurred_at > " SINCE("checks_since")
	    ") TO STDOUT", schema);
#undef SINCE
}

struct poller *
poller_new(struct pgconn *src, const struct config *cfg)
{
	struct poller *p = xcalloc(1, sizeof(*p));

	p->src = src;
	p->cfg = cfg;
	poller_build_sql(p);
	return p;
}

void
poller_free(struct poller *p)
{
	if (p == NULL)
		return;
	for (int v = 0; v < V_COUNT; v++)
		for (int f = 0; f < 2; f++)
			free(p->sql[v][f]);
	free(p);
}

void
poller_reconfigure(struct poller *p, const struct config *cfg)
{
	p->cfg = cfg;
	/* The texts in use stay valid until the pass in progress ends. */
	if (p->busy)
		p->rebuild = true;
	else
		poller_build_sql(p);
}

bool
poller_busy(const struct poller *p)
{
	return p->busy;
}

static int64_t
parse_epoch(const char *s)
{
	char *end;
	long long v;

	if (s == NULL)
		return TIME_NONE;
	v = strtoll(s, &end, 10);
	return *end == '\0' ? (int64_t)v : TIME_NONE;
}

static void
poller_row(void *arg, char *line, size_t len)
{
	struct poller *p = arg;
	char *f[8];
	size_t lens[8];
	unsigned nuls;
	int rc = 0;

	if (copytext_split(line, len, f, lens, view_fields[p->view],
	    &nuls) < 0) {
		log_warnx("mash.%s: a row with the wrong number of columns; "
		    "skipped", view_names[p->view]);
		p->st.invalid++;
		return;
	}
	/* An embedded NUL would cut a field short unseen: make it a finding. */
	for (int i = 0; nuls != 0; i++, nuls >>= 1)
		if (nuls & 1)
			f[i][0] = (char)0x80;	/* invalid UTF-8 */
	switch (p->view) {
	case V_CLOCKS: {
		struct clock_row r = {
			.clock = f[0], .instance_id = f[1], .child_id = f[2],
			.team_id = f[3], .worker_id = f[4], .priority = f[5],
			.started_at = parse_epoch(f[6]),
			.stopped_at = parse_epoch(f[7]),
		};
		rc = model_put_clock(p->model, &r, p->now);
		break;
	}
	case V_EVENTS: {
		struct event_row r = {
			.kind = f[0], .event_id = f[1], .child_id = f[2],
			.team_id = f[3], .occurred_at = parse_epoch(f[4]),
		};
		rc = model_put_event(p->model, &r, p->now);
		break;
	}
	case V_CHECKS: {
		struct check_row r = {
			.check = f[0], .instance_id = f[1], .child_id = f[2],
			.team_id = f[3], .occurred_at = parse_epoch(f[4]),
			.passed = f[5] == NULL ? -1 : f[5][0] == 't',
			.detail = f[6],
		};
		rc = model_put_check(p->model, &r, p->now);
		break;
	}
	}
	if (rc < 0)
		p->st.invalid++;
	p->st.rows++;
	if (++p->view_rows % PROGRESS_EVERY == 0)
		log_info("reading mash.%s: %zu rows", view_names[p->view],
		    p->view_rows);
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
		poller_build_sql(p);
		p->rebuild = false;
	}
	cb(arg, ok, p->full, &p->st);
}

static void
poller_copied(void *arg, PGresult *res)
{
	struct poller *p = arg;

	if (res == NULL) {
		poller_finish(p, false);
		return;
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_err("reading mash.%s failed: %s", view_names[p->view],
		    pg_primary_message(res));
		poller_finish(p, false);
		return;
	}
	if (p->full || p->view_rows > 0)
		log_debug("read mash.%s: %zu rows, %.2f s into the pass",
		    view_names[p->view], p->view_rows, elapsed(&p->began));
	if (p->full && p->view == V_EVENTS)
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
	if (pgconn_copy_out(p->src, p->sql[p->view][p->full], poller_row,
	    poller_copied, p) < 0)
		poller_finish(p, false);
}

static void
poller_bounds_set(void *arg, PGresult *res)
{
	struct poller *p = arg;

	if (res == NULL) {
		poller_finish(p, false);
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		log_err("source: cannot start a poll: %s",
		    PQresultErrorMessage(res));
		poller_finish(p, false);
		return;
	}
	p->st.watermark_us = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
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
	char since[32], clocks[32], events[32], checks[32];
	const char *params[4] = { since, clocks, events, checks };
	if (p->busy)
		return -1;
	snprintf(since, sizeof(since), "%.6f",
	    (double)since_us / 1e6 - (double)OVERLAP);
	snprintf(clocks, sizeof(clocks), "%" PRId64, now - RECENT);
	snprintf(events, sizeof(events), "%" PRId64, now - longest_window(p->cfg));
	snprintf(checks, sizeof(checks), "%" PRId64, now - RECENT);
	memset(&p->st, 0, sizeof(p->st));
	p->busy = true;
	p->full = full;
	p->model = m;
	p->now = now;
	p->cb = cb;
	p->arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &p->began);
	if (pgconn_query(p->src, "SELECT set_config('mashwatch.since', $1, false), "
	    "set_config('mashwatch.clocks_since', $2, false), "
	    "set_config('mashwatch.events_since', $3, false), "
	    "set_config('mashwatch.checks_since', $4, false), "
	    "(extract(epoch FROM now()) * 1000000)::bigint", 4, params,
	    poller_bounds_set, p) < 0) {
		p->busy = false;
		return -1;
	}
	return 0;
}
