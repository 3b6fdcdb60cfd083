/*
 * What runs when.  A daemon is a standby until it holds the leader lease;
 * the leader loads everything, then polls incrementally, resyncs in full
 * now and then, wakes on NOTIFY, and keeps one timer armed for the next
 * instant a clock changes state.  Losing the state database or the lease
 * drops the model: the alert store is the truth, and a full load rebuilds
 * the rest without firing anything twice.
 */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "mashwatch/xmalloc.h"

#include "engine.h"
#include "engine_clock.h"
#include "log.h"
#include "pg.h"
#include "poller.h"
#include "setup.h"
#include "store.h"

struct engine {
	struct event_base	*base;
	const struct config	*cfg;
	const struct calendar	*cal;
	struct pgconn		*src;
	struct pgconn		*state;
	struct poller		*poller;
	struct store		*store;
	struct model		*model;
	char			 holder[128];
	bool			 heartbeat_warned;

	struct event		*ev_lease;	/* take or renew the lease */
	int64_t			 renewed_at;	/* last time the leader asked */
	struct event		*ev_poll;	/* incremental poll */
	struct event		*ev_resync;	/* full pass */
	struct event		*ev_tick;	/* next clock transition */
	struct event		*ev_retry;	/* a failed load, again */
	struct event		*ev_stop;	/* give up draining */

	bool			 leader;
	bool			 loading;
	bool			 loaded;
	bool			 want_poll;	/* a NOTIFY came while busy */
	bool			 want_full;	/* a resync came due while busy */
	bool			 rebuild;	/* the store refused a batch */
	bool			 stopping;
	int64_t			 watermark_us;
	struct fired_key	*fired;
	size_t			 nfired;

	struct engine_stats	 stats;
	void			(*ready_cb)(void *);
	void			*ready_arg;
	void			(*leader_cb)(void *);
	void			*leader_arg;
	void			(*poll_cb)(void *);
	void			*poll_arg;
	void			(*stop_cb)(void *);
	void			*stop_arg;
	void			(*schema_cb)(void *);
	void			*schema_arg;
	bool			 schema_asking;	/* the version query in flight */
	bool			 schema_ever_ok;
	bool			 backlog;	/* go-live: flag the first pass */
	int64_t			 schema_asked_at;
};

static void
timer_in(struct event *ev, int64_t usec)
{
	struct timeval tv;

	if (usec < 0)
		usec = 0;
	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	evtimer_add(ev, &tv);
}

static void
engine_ready(struct engine *e)
{
	if (e->stats.ready)
		return;
	e->stats.ready = true;
	if (e->ready_cb)
		e->ready_cb(e->ready_arg);
}

/* Hand what the model decided to the store. */
static void
engine_flush(struct engine *e)
{
	struct transition *v;
	size_t n;

	if (model_pending_transitions(e->model) == 0)
		return;
	v = model_take_transitions(e->model, &n);
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == TR_RAISE)
			e->stats.raised++;
		else
			e->stats.resolved++;
	}
	store_write(e->store, v, n);
}

/* Arm the one timer for the next instant any open clock changes state. */
static void
engine_arm(struct engine *e)
{
	int64_t next = model_next_transition(e->model);

	evtimer_del(e->ev_tick);
	if (!e->loaded || next == INT64_MAX)
		return;
	timer_in(e->ev_tick, next * 1000000 - engine_now_us());
}

static void
engine_tick(evutil_socket_t fd, short what, void *arg)
{
	struct engine *e = arg;
	int64_t now = engine_now();

	(void)fd;
	(void)what;
	/* The timer may wake a little early; the model is the judge. */
	if (model_next_transition(e->model) > now) {
		engine_arm(e);
		return;
	}
	model_advance(e->model, now);
	engine_flush(e);
	engine_arm(e);
}

static void engine_load(struct engine *e);

static void
engine_step_down(struct engine *e, const char *why)
{
	bool was = e->leader;

	if (was)
		log_notice("standing by: %s", why);
	e->leader = false;
	e->stats.leader = false;
	if (was && e->leader_cb)
		e->leader_cb(e->leader_arg);
	e->loaded = false;
	evtimer_del(e->ev_tick);
	evtimer_del(e->ev_retry);
	store_discard(e->store);
	/* A load in flight finishes into the old model and is discarded then. */
	if (!e->loading) {
		model_free(e->model);
		e->model = model_new(e->cfg, e->cal, false);
	}
}

/*
 * The store refused a batch: what it held is counted as fired in the model
 * but is not in the store.  Rebuild the model from the store (which fires
 * it again), after a pause so a batch refused every time cannot spin.
 */
static void
engine_store_refused(void *arg)
{
	struct engine *e = arg;

	if (!e->leader || e->stopping)
		return;
	e->loaded = false;
	evtimer_del(e->ev_tick);
	if (e->loading) {
		e->rebuild = true;	/* engine_polled finishes the job */
		return;
	}
	model_free(e->model);
	e->model = model_new(e->cfg, e->cal, false);
	timer_in(e->ev_retry, 5 * 1000000);
}

static void
engine_lease_lost(void *arg)
{
	engine_step_down(arg, "another daemon holds the leader lease");
}

static void
engine_heartbeat_written(void *arg, PGresult *res)
{
	struct engine *e = arg;

	/* Before `mashwatchctl migrate` adds the table: say so once. */
	if (res != NULL && PQresultStatus(res) != PGRES_COMMAND_OK &&
	    !e->heartbeat_warned) {
		log_warnx("cannot record this daemon in mashwatch.daemons "
		    "(SQLSTATE %s); run mashwatchctl migrate",
		    PQresultErrorField(res, PG_DIAG_SQLSTATE) ?
		    PQresultErrorField(res, PG_DIAG_SQLSTATE) : "?");
		e->heartbeat_warned = true;
	}
}

static void
engine_count_clock(void *arg, const struct clock_count *c)
{
	json_t *by = arg, *o;

	if ((o = json_object_get(by, c->clock->name)) == NULL) {
		o = json_pack("{s:I,s:I}", "open", (json_int_t)0, "overdue",
		    (json_int_t)0);
		json_object_set_new(by, c->clock->name, o);
	}
	json_object_set_new(o, "open", json_integer(json_integer_value(
	    json_object_get(o, "open")) + (json_int_t)c->open));
	json_object_set_new(o, "overdue", json_integer(json_integer_value(
	    json_object_get(o, "overdue")) + (json_int_t)c->overdue));
}

/*
 * For `mashwatchctl status`: this daemon, its role and since when, and
 * (the leader, once loaded) open and overdue per clock.  Counts and clock
 * names only, never a child.
 */
static void
engine_heartbeat(struct engine *e)
{
	json_t *by = json_object();
	const char *params[4];
	char *counts;

	if (e->leader && e->loaded) {
		for (size_t i = 0; i < e->cfg->nclocks; i++)
			json_object_set_new(by, e->cfg->clocks[i].name,
			    json_pack("{s:I,s:I}", "open", (json_int_t)0,
			    "overdue", (json_int_t)0));
		model_count_by(e->model, engine_now(), engine_count_clock, by);
	}
	counts = json_dumps(by, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(by);
	params[0] = e->holder;
	params[1] = e->leader ? "leader" : "standby";
	params[2] = counts ? counts : "{}";
	params[3] = MASHWATCH_VERSION;
	pgconn_query(e->state, "INSERT INTO mashwatch.daemons AS d (holder, "
	    "role, role_since, seen_at, version, counts) VALUES ($1, $2, now(), "
	    "now(), $4, $3::jsonb) ON CONFLICT (holder) DO UPDATE SET "
	    "role = excluded.role, role_since = CASE WHEN d.role = excluded.role "
	    "THEN d.role_since ELSE now() END, seen_at = now(), "
	    "version = excluded.version, counts = excluded.counts", 4, params,
	    engine_heartbeat_written, e);
	free(counts);
}

static void
engine_golive(void *arg, bool first)
{
	struct engine *e = arg;

	if (!first)
		return;
	e->backlog = true;
	log_notice("go-live: the first leader of this state database; what "
	    "the first pass finds goes out as one backlog email per route");
}

static void
engine_lease_answer(void *arg, bool held)
{
	struct engine *e = arg;

	if (e->stopping)
		return;
	if (held && !e->leader) {
		log_notice("leader: this daemon (%s) now polls and alerts",
		    e->holder);
		e->leader = true;
		e->stats.leader = true;
		if (e->leader_cb)
			e->leader_cb(e->leader_arg);
		/* Answered before the load's first statement, on one connection. */
		store_golive(e->store, engine_golive, e);
		engine_load(e);
	} else if (!held && e->leader)
		engine_step_down(e, "the leader lease could not be renewed");
	else if (!held && !e->stats.ready && !store_lease_failing(e->store)) {
		/* Only when the lease was read: an error is not a leader. */
		log_info("standing by: another daemon is the leader");
		engine_ready(e);
	}
	engine_heartbeat(e);
}

static void engine_lease_tick(evutil_socket_t fd, short what, void *arg);

static void
engine_schema_answer(void *arg, PGresult *res)
{
	struct engine *e = arg;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) :
	    NULL;
	char why[sizeof(e->stats.schema_error)];
	int version = -1;

	e->schema_asking = false;
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK)
		version = atoi(PQgetvalue(res, 0, 0));
	else if (state != NULL && (strcmp(state, "42P01") == 0 ||
	    strcmp(state, "3F000") == 0))
		version = 0;	/* no schema or no table: never migrated */
	else {
		if (res != NULL)
			log_err("state database: cannot read the schema "
			    "version: %s", pg_primary_message(res));
		return;		/* the lease tick asks again */
	}
	if (setup_schema_problem(version, why, sizeof(why)) != NULL) {
		if (!e->stats.schema_ok && e->stats.schema_version == version &&
		    strcmp(e->stats.schema_error, why) == 0) {
			log_debug("state database: %s", why);
			return;
		}
		e->stats.schema_version = version;
		e->stats.schema_ok = false;
		memcpy(e->stats.schema_error, why, sizeof(why));
		if (!e->schema_ever_ok && e->schema_cb != NULL) {
			log_err("%s", why);
			e->schema_cb(e->schema_arg);
			return;
		}
		log_err("%s; standing by, not ready, until it is right", why);
		engine_step_down(e, "the state schema is not the one this "
		    "mashwatch needs");
		return;
	}
	if (e->schema_ever_ok && e->stats.schema_error[0] != '\0')
		log_notice("state schema is version %d again", version);
	e->stats.schema_version = version;
	e->stats.schema_ok = true;
	e->stats.schema_error[0] = '\0';
	e->schema_ever_ok = true;
	engine_lease_tick(-1, 0, e);
}

/*
 * The version in one statement: a missing schema or table is an error
 * (SQLSTATE 3F000, 42P01) that means version 0, never "the lease is
 * held elsewhere".
 */
static void
engine_schema_ask(struct engine *e)
{
	if (e->schema_asking || e->stopping || !pgconn_is_up(e->state))
		return;
	if (e->stats.schema_version >= 0 && engine_now() - e->schema_asked_at <
	    ENGINE_SCHEMA_RECHECK)
		return;
	e->schema_asked_at = engine_now();
	if (pgconn_query(e->state, "SELECT coalesce(max(version), 0) FROM "
	    "mashwatch.schema_migrations", 0, NULL, engine_schema_answer,
	    e) == 0)
		e->schema_asking = true;
}

static void
engine_lease_tick(evutil_socket_t fd, short what, void *arg)
{
	struct engine *e = arg;

	(void)fd;
	(void)what;
	/* No lease, no heartbeat, no "standing by" until the schema is right. */
	if (!e->stats.schema_ok) {
		engine_schema_ask(e);
		return;
	}
	/*
	 * The tick is every second: a standby asks each time, so it takes
	 * over within a second of the lease lapsing; the leader renews every
	 * third of the lease, so two renewals can fail before it lapses.
	 */
	if (e->leader && (what & EV_TIMEOUT) && engine_now() - e->renewed_at <
	    e->cfg->state.lease_ttl / 3)
		return;
	if (!e->stopping && pgconn_is_up(e->state)) {
		e->renewed_at = engine_now();
		store_lease(e->store, engine_lease_answer, e);
	}
}

static void
engine_fired_free(struct engine *e)
{
	store_fired_free(e->fired, e->nfired);
	e->fired = NULL;
	e->nfired = 0;
}

static void
engine_sync_written(void *arg, PGresult *res)
{
	(void)arg;
	if (res != NULL && PQresultStatus(res) != PGRES_COMMAND_OK)
		log_warnx("cannot record the poll in mashwatch.sync: %s",
		    pg_primary_message(res));
}

/* For `mashwatchctl status`: when we last read the source. */
static void
engine_record_poll(struct engine *e, bool full, const struct poll_stats *st)
{
	char rows[32], wm[32];
	const char *params[4] = { full ? "true" : "false", rows, wm,
	    e->cfg->source.schema };

	snprintf(rows, sizeof(rows), "%zu", st->rows);
	snprintf(wm, sizeof(wm), "%.6f", (double)st->watermark_us / 1e6);
	pgconn_query(e->state, "INSERT INTO mashwatch.sync AS s (source, "
	    "watermark, last_poll_at, last_full_at, rows_read) VALUES ($4, "
	    "to_timestamp($3::float8), now(), CASE WHEN $1::bool THEN now() END, "
	    "$2::bigint) ON CONFLICT (source) DO UPDATE SET "
	    "watermark = excluded.watermark, last_poll_at = now(), "
	    "last_full_at = coalesce(excluded.last_full_at, s.last_full_at), "
	    "rows_read = s.rows_read + excluded.rows_read", 4, params,
	    engine_sync_written, e);
}

static void
engine_polled(void *arg, bool ok, bool full, const struct poll_stats *st)
{
	struct engine *e = arg;
	int64_t now = engine_now();
	struct timespec t0, t1;

	e->loading = false;
	e->stats.polls++;
	if (e->rebuild) {
		e->rebuild = false;
		engine_fired_free(e);
		model_free(e->model);
		e->model = model_new(e->cfg, e->cal, false);
		e->loaded = false;
		if (e->leader && !e->stopping)
			timer_in(e->ev_retry, 5 * 1000000);
		return;
	}
	if (!e->leader || e->stopping) {
		/* Stood down while reading: this model is stale. */
		engine_fired_free(e);
		model_free(e->model);
		e->model = model_new(e->cfg, e->cal, false);
		return;
	}
	if (!ok) {
		/* The last good model and its timers stay: nothing withdrawn. */
		e->stats.poll_failures++;
		e->stats.polls_failing++;
		snprintf(e->stats.source_error, sizeof(e->stats.source_error),
		    "%s", st->error[0] ? st->error : "the source failed");
		engine_fired_free(e);
		if (!e->loaded)
			timer_in(e->ev_retry, 5 * 1000000);
		return;
	}
	if (e->stats.polls_failing > 0)
		log_notice("source: reading again after %" PRIu64 " failed "
		    "polls", e->stats.polls_failing);
	e->stats.polls_failing = 0;
	e->stats.source_error[0] = '\0';
	e->stats.last_poll = *st;
	e->stats.last_poll_at = now;
	e->stats.rows_read += st->rows;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (full) {
		for (size_t i = 0; i < e->nfired; i++)
			if (e->fired[i].level >= 0)
				model_mark_fired(e->model, e->fired[i].rule,
				    e->fired[i].instance_id,
				    (enum alert_level)e->fired[i].level, now);
		engine_fired_free(e);
		model_end_full(e->model, now);
		/* The pass ends when the model is whole, not when reading does. */
		clock_gettime(CLOCK_MONOTONIC, &t1);
		e->stats.last_poll.seconds += (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		st = &e->stats.last_poll;
		if (!e->loaded) {
			struct model_counts c;
			model_counts(e->model, now, &c);
			log_notice("loaded %zu rows in %.2f s: %zu open clocks, "
			    "%zu overdue, %zu invalid rows", st->rows, st->seconds,
			    c.open, c.overdue, c.invalid);
		} else
			log_info("resync: %zu rows in %.1f s", st->rows,
			    st->seconds);
		/*
		 * The pass's staging (model_events.c: 256 partitions of
		 * 64 KiB chunks) was freed below the index built from it,
		 * where glibc keeps it: give it back, or every daemon keeps
		 * some 16 MiB it no longer uses (bench/national_bench.py).
		 */
		malloc_trim(0);
	} else if (st->rows > 0)
		log_debug("poll: %zu rows in %.3f s", st->rows, st->seconds);
	e->loaded = true;
	e->watermark_us = st->watermark_us;
	engine_record_poll(e, full, st);
	store_set_backlog(e->store, e->backlog && full);
	engine_flush(e);
	model_advance(e->model, now);
	engine_flush(e);
	store_set_backlog(e->store, false);
	if (full)
		e->backlog = false;
	engine_arm(e);
	engine_ready(e);
	if (e->poll_cb)
		e->poll_cb(e->poll_arg);
	if (e->want_full) {
		e->want_full = false;
		event_active(e->ev_resync, EV_TIMEOUT, 0);
	} else if (e->want_poll) {
		e->want_poll = false;
		event_active(e->ev_poll, EV_TIMEOUT, 0);
	}
}

static void
engine_fired(void *arg, bool ok, struct fired_key *v, size_t n)
{
	struct engine *e = arg;

	e->fired = v;
	e->nfired = n;
	if (!ok || !e->leader || e->stopping || !pgconn_is_up(e->src) ||
	    poller_run(e->poller, e->model, true, engine_now(), 0,
	    engine_polled, e) < 0) {
		e->loading = false;
		engine_fired_free(e);
		if (e->leader && !e->stopping)
			timer_in(e->ev_retry, 5 * 1000000);
	}
}

/* A full load, first as leader or after a failure: the store's view first. */
static void
engine_load(struct engine *e)
{
	if (e->loading || e->stopping || !e->leader)
		return;
	if (!pgconn_is_up(e->src) || !pgconn_is_up(e->state))
		return;		/* on_state will call again */
	e->loading = true;
	if (e->loaded) {
		/* A periodic resync: the model already knows what fired. */
		if (poller_run(e->poller, e->model, true, engine_now(), 0,
		    engine_polled, e) < 0)
			e->loading = false;
		return;
	}
	if (store_load_fired(e->store, engine_fired, e) < 0)
		e->loading = false;
}

static void
engine_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	engine_load(arg);
}

/*
 * Whether a poll or a full pass may start now: only on the leader, once
 * loaded, not stopping; while another pass runs, *want remembers to run
 * this one when it ends.
 */
static bool
engine_pass_may_start(struct engine *e, bool *want)
{
	if (!e->leader || !e->loaded || e->stopping)
		return false;
	if (e->loading || poller_busy(e->poller)) {
		*want = true;
		return false;
	}
	return true;
}

static void
engine_poll(evutil_socket_t fd, short what, void *arg)
{
	struct engine *e = arg;

	(void)fd;
	(void)what;
	if (!engine_pass_may_start(e, &e->want_poll))
		return;
	if (!pgconn_is_up(e->src))
		return;
	e->loading = true;
	if (poller_run(e->poller, e->model, false, engine_now(),
	    e->watermark_us, engine_polled, e) < 0)
		e->loading = false;
}

/* The periodic full pass: what disappeared from the source is withdrawn. */
static void
engine_resync(evutil_socket_t fd, short what, void *arg)
{
	struct engine *e = arg;

	(void)fd;
	(void)what;
	if (engine_pass_may_start(e, &e->want_full))
		engine_load(e);
}

static void
engine_notified(void *arg, const char *channel, const char *payload)
{
	struct engine *e = arg;

	(void)channel;
	(void)payload;
	log_debug("source: change notified");
	engine_poll(-1, 0, e);
}

static void
engine_src_state(void *arg, bool up)
{
	struct engine *e = arg;

	e->stats.source_up = up;
	if (up && e->leader && !e->loaded)
		engine_load(e);
	else if (up && e->loaded)
		engine_poll(-1, 0, e);
}

static void
engine_state_state(void *arg, bool up)
{
	struct engine *e = arg;

	e->stats.state_up = up;
	/* A reconnect may reach another database (a restore, a failover). */
	e->stats.schema_ok = false;
	if (!up) {
		/* Nothing can be written or renewed: let the store be the truth. */
		engine_step_down(e, "the state database is unavailable");
		return;
	}
	e->schema_asked_at = 0;
	engine_schema_ask(e);
}

struct engine *
engine_new(struct event_base *base, const struct config *cfg,
    const struct calendar *cal)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	char host[64];
	struct timeval tv;

	e->base = base;
	e->cfg = cfg;
	e->cal = cal;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(e->holder, sizeof(e->holder), "%s:%ld", host, (long)getpid());
	e->stats.schema_version = -1;
	e->model = model_new(cfg, cal, false);
	e->src = pgconn_new(base, "source", cfg->source.conninfo,
	    engine_src_state, e);
	e->state = pgconn_new(base, "state", cfg->state.conninfo,
	    engine_state_state, e);
	e->poller = poller_new(e->src, cfg);
	e->store = store_new(e->state, e->holder, cfg->state.lease_ttl);
	store_on_lost(e->store, engine_lease_lost, e);
	store_on_refused(e->store, engine_store_refused, e);
	e->ev_lease = event_new(base, -1, EV_PERSIST, engine_lease_tick, e);
	e->ev_poll = event_new(base, -1, EV_PERSIST, engine_poll, e);
	e->ev_resync = event_new(base, -1, EV_PERSIST, engine_resync, e);
	e->ev_tick = evtimer_new(base, engine_tick, e);
	e->ev_retry = evtimer_new(base, engine_retry, e);
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	event_add(e->ev_lease, &tv);
	tv.tv_sec = cfg->source.poll_interval;
	event_add(e->ev_poll, &tv);
	tv.tv_sec = cfg->source.resync_interval;
	event_add(e->ev_resync, &tv);
	return e;
}

void
engine_start(struct engine *e)
{
	if (e->cfg->source.listen[0] != '\0')
		pgconn_listen(e->src, e->cfg->source.listen, engine_notified, e);
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	if (e->ev_stop)
		event_free(e->ev_stop);
	event_free(e->ev_lease);
	event_free(e->ev_poll);
	event_free(e->ev_resync);
	event_free(e->ev_tick);
	event_free(e->ev_retry);
	/* Connections first: their pending callbacks point into us. */
	pgconn_free(e->src);
	pgconn_free(e->state);
	poller_free(e->poller);
	store_free(e->store);
	engine_fired_free(e);
	model_free(e->model);
	free(e);
}

void
engine_reconfigure(struct engine *e, const struct config *cfg,
    const struct calendar *cal)
{
	struct timeval tv = { .tv_sec = cfg->source.poll_interval };

	model_reconfigure(e->model, cfg, cal, engine_now());
	poller_reconfigure(e->poller, cfg);
	e->cfg = cfg;
	e->cal = cal;
	event_del(e->ev_poll);
	event_add(e->ev_poll, &tv);
	tv.tv_sec = cfg->source.resync_interval;
	event_del(e->ev_resync);
	event_add(e->ev_resync, &tv);
	engine_flush(e);
	engine_arm(e);
}

static void
engine_stopped(void *arg)
{
	struct engine *e = arg;
	void (*cb)(void *) = e->stop_cb;

	e->stop_cb = NULL;
	if (e->ev_stop)
		evtimer_del(e->ev_stop);
	if (cb)
		cb(e->stop_arg);
}

static void
engine_drained(void *arg)
{
	struct engine *e = arg;

	if (!e->stopping)
		return;
	store_on_drained(e->store, NULL, NULL);
	if (!e->leader || store_release(e->store, engine_stopped, e) < 0)
		engine_stopped(e);
}

static void
engine_stop_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct engine *e = arg;

	(void)fd;
	(void)what;
	log_warnx("stopping with %zu alert changes unwritten; the next "
	    "leader will find them again", store_queued(e->store));
	engine_stopped(e);
}

void
engine_stop(struct engine *e, void (*cb)(void *arg), void *arg)
{
	e->stopping = true;
	e->stop_cb = cb;
	e->stop_arg = arg;
	event_del(e->ev_lease);
	event_del(e->ev_poll);
	event_del(e->ev_resync);
	evtimer_del(e->ev_tick);
	evtimer_del(e->ev_retry);
	e->ev_stop = evtimer_new(e->base, engine_stop_timeout, e);
	timer_in(e->ev_stop, 5 * 1000000);
	store_on_drained(e->store, engine_drained, e);
	if (store_queued(e->store) == 0 || !pgconn_is_up(e->state))
		engine_drained(e);
}

const char *
engine_holder(const struct engine *e)
{
	return e->holder;
}

const struct engine_stats *
engine_stats(const struct engine *e)
{
	return &e->stats;
}

const struct model *
engine_model(const struct engine *e)
{
	return e->model;
}

bool
engine_is_loaded(const struct engine *e)
{
	return e->loaded;
}

void
engine_on_ready(struct engine *e, void (*cb)(void *), void *arg)
{
	e->ready_cb = cb;
	e->ready_arg = arg;
}

void
engine_on_schema_refused(struct engine *e, void (*cb)(void *), void *arg)
{
	e->schema_cb = cb;
	e->schema_arg = arg;
}

void
engine_on_leader(struct engine *e, void (*cb)(void *), void *arg)
{
	e->leader_cb = cb;
	e->leader_arg = arg;
}

void
engine_on_poll(struct engine *e, void (*cb)(void *), void *arg)
{
	e->poll_cb = cb;
	e->poll_arg = arg;
}

struct pgconn *
engine_state_conn(struct engine *e)
{
	return e->state;
}

struct pgconn *
engine_source_conn(struct engine *e)
{
	return e->src;
}
