/*
 * mashwatchd --once: one evaluation as of a time, JSON lines on stdout,
 * nothing written anywhere.  The same poller and model as the daemon, in
 * replay mode, so yesterday's position can be replayed exactly.
 *
 * once_load() is the one way the command-line programs read the source
 * into a model (--once and `mashwatchctl check-source`), through the
 * daemon's poller and source reader, so that they judge rows exactly as
 * the daemon does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include <event2/event.h>

#include "mashwatch/findings.h"

#include "log.h"
#include "once.h"
#include "pg.h"
#include "poller.h"

/*
 * The source's connection gives up at its connect_timeout (default 10 s,
 * pg.c); this is the backstop should it not say so.
 */
#define CONNECT_TIMEOUT	10

struct once {
	struct event_base	*base;
	struct pgconn		*src;
	struct poller		*poller;
	struct model		*model;
	int64_t			 at;
	bool			 started;
	struct poll_stats	 st;
	int			 rc;
};

static void
once_done(void *arg, bool ok, bool full, const struct poll_stats *st)
{
	struct once *o = arg;

	(void)full;
	o->st = *st;
	if (!ok) {
		log_err("reading the source failed");
		o->rc = EX_UNAVAILABLE;
	} else {
		model_end_full(o->model, o->at);
		o->rc = EX_OK;
		log_debug("--once: %zu rows in %.2f s", st->rows, st->seconds);
	}
	event_base_loopbreak(o->base);
}

static void
once_state(void *arg, bool up)
{
	struct once *o = arg;

	if (!up) {
		if (!o->started) {
			o->rc = EX_UNAVAILABLE;
			event_base_loopbreak(o->base);
		}
		return;
	}
	if (o->started)
		return;
	o->started = true;
	if (poller_run(o->poller, o->model, true, o->at, 0, once_done, o) < 0) {
		o->rc = EX_UNAVAILABLE;
		event_base_loopbreak(o->base);
	}
}

static void
once_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct once *o = arg;

	(void)fd;
	(void)what;
	if (o->started)
		return;
	log_err("--once: no source database after %d s", CONNECT_TIMEOUT);
	o->rc = EX_UNAVAILABLE;
	event_base_loopbreak(o->base);
}

/*
 * The first failed attempt ends --once (pg.c has logged why, in one line):
 * the daemon retries, a one-shot command must not.
 */
static void
once_watch(evutil_socket_t fd, short what, void *arg)
{
	struct once *o = arg;
	struct pgconn_stats st;

	(void)fd;
	(void)what;
	pgconn_get_stats(o->src, &st);
	if (o->started || st.conn_failures == 0)
		return;
	log_err("--once: the source database is unavailable");
	o->rc = EX_UNAVAILABLE;
	event_base_loopbreak(o->base);
}

int
once_load(const struct config *cfg, struct model *m, int64_t at,
    struct poll_stats *st)
{
	struct once o = { .model = m, .at = at, .rc = EX_UNAVAILABLE };
	struct timeval tv = { .tv_sec = CONNECT_TIMEOUT };
	struct timeval tick = { .tv_usec = 50000 };
	struct event *timeout, *watch;

	o.base = event_base_new();
	if (o.base == NULL)
		fatalx("cannot create the event loop");
	o.src = pgconn_new(o.base, "source", cfg->source.conninfo, once_state,
	    &o);
	if (o.src != NULL)
		pgconn_set_one_shot(o.src);
	o.poller = poller_new(o.src, cfg);
	timeout = evtimer_new(o.base, once_timeout, &o);
	evtimer_add(timeout, &tv);
	watch = event_new(o.base, -1, EV_PERSIST, once_watch, &o);
	evtimer_add(watch, &tick);
	event_base_dispatch(o.base);
	event_free(watch);
	event_free(timeout);
	pgconn_free(o.src);
	poller_free(o.poller);
	event_base_free(o.base);
	if (st != NULL)
		*st = o.st;
	return o.rc;
}

int
once_run(const struct config *cfg, const struct calendar *cal, int64_t at,
    bool replay, bool all)
{
	struct model *m = model_new(cfg, cal, true);
	int rc;

	model_set_live_rules(m, !replay);
	rc = once_load(cfg, m, at, NULL);
	if (rc == EX_OK) {
		findings_print(stdout, m, cal, at, all);
		findings_print_forecast(stdout, m, cal, at);
		/* The morning handover is asked for as of a time: --at. */
		if (replay)
			findings_print_handover(stdout, m, cal,
			    cfg->notify.work_from, cfg->notify.work_to, at);
		if (fflush(stdout) != 0)
			rc = EX_IOERR;
	}
	model_free(m);
	return rc;
}
