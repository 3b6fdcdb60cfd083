/*
 * The engine: the loop-side half of mashwatchd.  It owns the two database
 * connections, the model, the leader lease and the timers, and moves rows
 * from the source into the model and transitions from the model into the
 * alert store.
 *
 * poller.h reads the mash views, store.h writes mashwatch.alerts and
 * mashwatch.notifications and holds the lease, this module decides what
 * runs when; engine_clock.h is its wall clock.
 */
#ifndef MASHWATCH_ENGINE_H
#define MASHWATCH_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"
#include "mashwatch/model.h"

#include "engine_clock.h"
#include "poller.h"

struct pgconn;
struct engine;

/* Seconds between readings of a state schema version that was wrong. */
#define ENGINE_SCHEMA_RECHECK	10

struct engine_stats {
	bool		 leader;
	bool		 ready;		/* a first poll has succeeded */
	bool		 source_up;
	bool		 state_up;
	int64_t		 last_poll_at;
	struct poll_stats last_poll;
	uint64_t	 rows_read;
	uint64_t	 polls;
	uint64_t	 poll_failures;
	uint64_t	 polls_failing;	/* failed in a row since the last good one */
	char		 source_error[160];	/* the last failure, "" when none */
	uint64_t	 raised;
	uint64_t	 resolved;
	int		 schema_version;	/* the state's, -1 until read */
	bool		 schema_ok;	/* read since the last connect, and right */
	char		 schema_error[200];	/* why not, "" when right */
};

struct engine *engine_new(struct event_base *base, const struct config *cfg,
    const struct calendar *cal);
void engine_free(struct engine *e);
void engine_start(struct engine *e);
/* Apply a reloaded config and calendar (both outlive the engine's use). */
void engine_reconfigure(struct engine *e, const struct config *cfg,
    const struct calendar *cal);
/* Stop polling, write what is queued, give up the lease; then cb. */
void engine_stop(struct engine *e, void (*cb)(void *arg), void *arg);
const struct engine_stats *engine_stats(const struct engine *e);
/* This daemon's name in mashwatch.leases (host:pid), owned by the engine. */
const char *engine_holder(const struct engine *e);
const struct model *engine_model(const struct engine *e);
/* Whether the model holds a full pass of the source (the leader's). */
bool engine_is_loaded(const struct engine *e);
void engine_on_ready(struct engine *e, void (*cb)(void *arg), void *arg);
/*
 * cb when the first state schema version read since start is not the one
 * this build needs (stats' schema_error says why): the daemon exits 78.
 * A wrong version found later (on a reconnect) does not call it: the
 * engine stands by, not ready, and reads the version again every
 * ENGINE_SCHEMA_RECHECK seconds until it is right.
 */
void engine_on_schema_refused(struct engine *e, void (*cb)(void *arg),
    void *arg);
/* cb when this daemon becomes the leader or stops being it. */
void engine_on_leader(struct engine *e, void (*cb)(void *arg), void *arg);
/* cb after every poll of the source that succeeded, rows or none. */
void engine_on_poll(struct engine *e, void (*cb)(void *arg), void *arg);
/* The state database connection, for read-only figures (/metrics). */
struct pgconn *engine_state_conn(struct engine *e);
/* The source database connection, for the board's teams and caseloads. */
struct pgconn *engine_source_conn(struct engine *e);

#endif
