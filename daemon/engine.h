/*
 * The engine: the loop-side half of mashwatchd.  It owns the two database
 * connections, the model, the leader lease and the timers, and moves rows
 * from the source into the model and transitions from the model into the
 * alert store.
 *
 * poller.c reads the mash views, store.c writes mashwatch.alerts and
 * mashwatch.notifications and holds the lease, engine.c decides what runs
 * when.
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

struct pgconn;
struct engine;

/* poller.c */
struct poller;
struct poll_stats {
	size_t		rows;		/* rows read in the last poll */
	size_t		invalid;	/* of which invalid */
	double		seconds;	/* its duration */
	int64_t		watermark_us;	/* source clock when it began */
};
typedef void (*poller_done_cb)(void *arg, bool ok, bool full,
    const struct poll_stats *st);
struct poller *poller_new(struct pgconn *src, const struct config *cfg);
void poller_free(struct poller *p);
void poller_reconfigure(struct poller *p, const struct config *cfg);
/*
 * Read the views into m.  full: everything open or recent (as of now) in a
 * model_begin_full/model_end_full pass, except that end_full is left to
 * the caller; otherwise rows updated since watermark_us - overlap.
 */
int poller_run(struct poller *p, struct model *m, bool full, int64_t now,
    int64_t since_us, poller_done_cb cb, void *arg);
bool poller_busy(const struct poller *p);

/* store.c */
struct store;
struct fired_key {
	char		*rule;
	char		*instance_id;
	int		 level;
};
struct store *store_new(struct pgconn *state, const char *holder,
    int lease_ttl);
void store_free(struct store *s);
/* Try to take or renew the lease; cb(arg, held) once answered (held is
 * false on any failure). */
int store_lease(struct store *s, void (*cb)(void *arg, bool held),
    void *arg);
/* Give the lease up; cb once answered (not called if it cannot be sent). */
int store_release(struct store *s, void (*cb)(void *arg), void *arg);
/* Unresolved alerts (and recent repeats) as fired keys. */
int store_load_fired(struct store *s,
    void (*cb)(void *arg, bool ok, struct fired_key *v, size_t n), void *arg);
void store_fired_free(struct fired_key *v, size_t n);
/* Queue transitions (ownership passes) and write them in order. */
void store_write(struct store *s, struct transition *v, size_t n);
/* Drop whatever is queued (we are no longer leader). */
void store_discard(struct store *s);
size_t store_queued(const struct store *s);
/* Called when a write found that the lease is no longer ours. */
void store_on_lost(struct store *s, void (*cb)(void *arg), void *arg);
/* Called when the database refused a batch; the queue is empty then. */
void store_on_refused(struct store *s, void (*cb)(void *arg), void *arg);
/* Called when everything queued has been written. */
void store_on_drained(struct store *s, void (*cb)(void *arg), void *arg);

/* engine.c */
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
	uint64_t	 raised;
	uint64_t	 resolved;
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
void engine_on_ready(struct engine *e, void (*cb)(void *arg), void *arg);
/* cb when this daemon becomes the leader or stops being it. */
void engine_on_leader(struct engine *e, void (*cb)(void *arg), void *arg);
/* The state database connection, for read-only figures (/metrics). */
struct pgconn *engine_state_conn(struct engine *e);

/* once.c: `mashwatchd --once`; returns a sysexits code. */
int once_run(const struct config *cfg, const struct calendar *cal,
    int64_t at, bool all);

/* Wall-clock now, in seconds and in microseconds. */
int64_t engine_now(void);
int64_t engine_now_us(void);

#endif
