/*
 * mashwatchd: watches the MASH front door for work waiting past its
 * timescale (doc/ARCHITECTURE.md).  main() parses the options, loads the config and
 * the calendar, and runs the loop; the engine does the work, and signals
 * arrive through the loop (evsignal) so handlers run as ordinary code.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sysexits.h>

#include <event2/event.h>

#include "mashwatch/config.h"
#include "engine.h"
#include "engine_clock.h"
#include "http.h"
#include "log.h"
#include "reporter.h"
#include "metrics.h"
#include "notifier.h"
#include "once.h"
#include "preflight.h"
#include "sdnotify.h"
#include "setup.h"

/* Warn daily when the holiday list runs out within this many days. */
#define HOLIDAYS_WARN_DAYS	60

/* Seconds between STATUS= updates (sent only when the text changes). */
#define STATUS_INTERVAL	5

#define MASHWATCH_CONF	DEFAULT_CONFIG

enum {
	OPT_ONCE = 256,
	OPT_AT,
	OPT_ALL,
	OPT_CONNECT,
};

struct options {
	const char	*config;
	const char	*at;
	bool		 test;
	bool		 debug;
	bool		 foreground;
	bool		 once;
	bool		 all;
	bool		 connect;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mashwatchd [-dfhtV] [-c FILE]\n"
	    "       mashwatchd -t [-d] [-c FILE] [--connect]\n"
	    "       mashwatchd [-d] [-c FILE] --once [--at TIME] [--all]\n"
	    "  -c, --config FILE  configuration (default " MASHWATCH_CONF ")\n"
	    "  -t, --test         check the configuration and exit;"
	    " with -d print it\n"
	    "      --connect      with -t: also connect to both databases\n"
	    "                     and the SMTP relay (nothing is sent)\n"
	    "  -d, --debug        log debug messages\n"
	    "  -f, --foreground   accepted for compatibility: mashwatchd never\n"
	    "                     forks and always runs in the foreground\n"
	    "      --once         evaluate once, print JSON lines, exit\n"
	    "      --at TIME      evaluate as of TIME (ISO 8601)\n"
	    "      --all          also print clocks on time and stopped\n"
	    "  -h, --help         this help\n"
	    "  -V, --version      print the version\n");
}

/* Returns -1 on bad usage, 1 when --help or --version was handled. */
static int
options_parse(int argc, char *argv[], struct options *o)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL,	'c' },
		{ "test",	no_argument,		NULL,	't' },
		{ "debug",	no_argument,		NULL,	'd' },
		{ "foreground",	no_argument,		NULL,	'f' },
		{ "once",	no_argument,		NULL,	OPT_ONCE },
		{ "at",		required_argument,	NULL,	OPT_AT },
		{ "all",	no_argument,		NULL,	OPT_ALL },
		{ "connect",	no_argument,		NULL,	OPT_CONNECT },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 },
	};
	static char progname[] = "mashwatchd";
	int ch;

	/* getopt's complaints start with argv[0]: the name, not a path. */
	argv[0] = progname;
	o->config = MASHWATCH_CONF;
	while ((ch = getopt_long(argc, argv, "c:tdfhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 't':
			o->test = true;
			break;
		case 'd':
			o->debug = true;
			break;
		case 'f':
			/* Always in the foreground, as systemd wants. */
			o->foreground = true;
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_AT:
			o->at = optarg;
			break;
		case OPT_ALL:
			o->all = true;
			break;
		case OPT_CONNECT:
			o->connect = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("mashwatchd %s\n", MASHWATCH_VERSION);
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mashwatchd: unexpected argument '%s'\n",
		    argv[optind]);
		return -1;
	}
	if ((o->at != NULL || o->all) && !o->once) {
		fprintf(stderr, "mashwatchd: --at and --all need --once\n");
		return -1;
	}
	if (o->connect && !o->test) {
		fprintf(stderr, "mashwatchd: --connect needs -t\n");
		return -1;
	}
	return 0;
}

struct daemon {
	struct event_base	*base;
	const char		*config_path;
	int			 config_snap;	/* the bytes of cfg (memfd), or -1 */
	struct config		*cfg;
	struct calendar		*cal;
	struct engine		*engine;
	struct notifier		*notifier;
	int			 running;	/* engine and notifier not yet stopped */
	struct reporter		*reporter;
	struct sdnotify		*notify;
	struct http_server	*http;
	struct event		*ev_status;
	struct event		*ev_holidays;	/* daily look at the holiday list */
	struct model_counts	 status_counts;	/* as of status_stamp */
	uint64_t		 status_stamp;
	bool			 status_counted;
	bool			 stopping;
	int			 exit_code;	/* EX_OK unless the loop ended on an error */
};

/* One line for `systemctl status`: role, counts, last poll.  No ids. */
static void
daemon_status(struct daemon *d, char *buf, size_t len)
{
	const struct engine_stats *st = engine_stats(d->engine);
	struct model_counts c;
	uint64_t stamp;
	char when[64];

	if (d->stopping) {
		snprintf(buf, len, "stopping: writing what is queued");
		return;
	}
	if (!st->state_up || !st->source_up) {
		snprintf(buf, len, "waiting for the %s database",
		    !st->state_up ? "state" : "source");
		return;
	}
	if (!st->schema_ok) {
		snprintf(buf, len, "not ready: %s", st->schema_error[0] ?
		    st->schema_error : "reading the state schema version");
		return;
	}
	if (!st->leader) {
		snprintf(buf, len, "standby: another daemon is the leader");
		return;
	}
	if (st->last_poll_at == 0) {
		snprintf(buf, len, "leader: loading the source");
		return;
	}
	/*
	 * Counting walks every clock: do it only when a poll or an alert has
	 * changed something, so an idle daemon stays idle between timers.
	 */
	stamp = st->polls + st->raised + st->resolved;
	if (stamp != d->status_stamp || !d->status_counted) {
		model_counts(engine_model(d->engine), engine_now(),
		    &d->status_counts);
		d->status_stamp = stamp;
		d->status_counted = true;
	}
	c = d->status_counts;
	calendar_format_iso(d->cal, st->last_poll_at, when, sizeof(when));
	snprintf(buf, len, "leader: %zu open, %zu overdue, %zu invalid rows; "
	    "last poll %s (%zu rows, %.2f s)", c.open, c.overdue, c.invalid,
	    when, st->last_poll.rows, st->last_poll.seconds);
}

static void
daemon_on_status(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	char buf[256];

	(void)fd;
	(void)what;
	daemon_status(d, buf, sizeof(buf));
	sdnotify_status(d->notify, buf);
}

/*
 * At start, after a reload and daily: /metrics says when the holiday list
 * runs out, and the log warns from HOLIDAYS_WARN_DAYS before (an error
 * once it has: working days then count no holiday).
 */
static void
daemon_check_holidays(struct daemon *d)
{
	int64_t now = engine_now(), until = preflight_holidays_until(d->cal);

	metrics.holidays_until = until;
	if (d->cfg->calendar.holidays[0] == '\0' || until == 0)
		return;
	if (now >= until)
		log_err("calendar.holidays: %s ended with %d: no holiday is "
		    "counted now; add the coming years and reload",
		    d->cfg->calendar.holidays, calendar_last_year(d->cal));
	else if (until - now <= (int64_t)HOLIDAYS_WARN_DAYS * 86400)
		log_warnx("calendar.holidays: %s runs out at the end of %d, "
		    "in %" PRId64 " days: add next year's holidays and reload",
		    d->cfg->calendar.holidays, calendar_last_year(d->cal),
		    (until - now + 86399) / 86400);
}

static void
daemon_on_holidays(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	daemon_check_holidays(arg);
}

/* The first poll succeeded, or we stand by: tell systemd we are up. */
static void
daemon_on_ready(void *arg)
{
	struct daemon *d = arg;
	char buf[256];

	daemon_status(d, buf, sizeof(buf));
	sdnotify_ready(d->notify, buf);
}

static void
daemon_stopped(void *arg)
{
	struct daemon *d = arg;

	if (--d->running == 0)
		event_base_loopexit(d->base, NULL);
}

/*
 * The state schema read at start is not the one this build needs: exit
 * 78, so that systemd (RestartPreventExitStatus=78) stops rather than
 * restarting a daemon that cannot work until `mashwatchctl migrate`.
 * Nothing has been written: no lease was asked for.
 */
static void
daemon_on_schema_refused(void *arg)
{
	struct daemon *d = arg;

	d->exit_code = EX_CONFIG;
	event_base_loopexit(d->base, NULL);
}

static void
daemon_on_leader(void *arg)
{
	struct daemon *d = arg;

	notifier_wake(d->notifier);
}

static void
daemon_on_poll(void *arg)
{
	struct daemon *d = arg;

	notifier_source_polled(d->notifier);
}

/*
 * The engine's model, for the digest's "Arrived out of hours"; NULL until
 * a full pass is in, so that the digest waits for it (the next poll wakes
 * the notifier).
 */
static const struct model *
daemon_model(void *arg)
{
	struct daemon *d = arg;

	return engine_is_loaded(d->engine) ? engine_model(d->engine) : NULL;
}

static bool
daemon_is_leader(void *arg)
{
	struct daemon *d = arg;

	return engine_stats(d->engine)->leader;
}

static void
daemon_on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)what;
	if (d->stopping) {
		log_notice("signal %d again: stopping now", (int)sig);
		event_base_loopexit(d->base, NULL);
		return;
	}
	d->stopping = true;
	log_notice("signal %d: stopping", (int)sig);
	sdnotify_stopping(d->notify);
	http_set_stopping(d->http);
	d->running = 2;
	notifier_stop(d->notifier, daemon_stopped, d);
	engine_stop(d->engine, daemon_stopped, d);
}

/*
 * After RELOADING=1 systemd waits for READY=1.  Still serving on the old
 * configuration counts as ready; before the first poll, READY=1 waits for
 * the engine as at start.
 */
static void
daemon_reloaded(struct daemon *d)
{
	if (engine_stats(d->engine)->ready)
		daemon_on_ready(d);
}

/* SIGHUP: a bad new config is logged, every error of it, and the old kept. */
static void
daemon_on_reload(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct config_errors errs = { NULL, 0 };
	struct config *cfg;
	struct calendar *cal;
	char err[512], snap_path[32];
	int snap;

	(void)sig;
	(void)what;
	log_notice("reloading %s", d->config_path);
	sdnotify_reloading(d->notify);
	/* What is validated is what the report child will read: a copy. */
	snap = setup_config_snapshot(d->config_path);
	snprintf(snap_path, sizeof(snap_path), "/proc/self/fd/%d", snap);
	if ((cfg = config_load_as(snap >= 0 ? snap_path : d->config_path,
	    d->config_path, &errs)) == NULL) {
		for (size_t i = 0; i < errs.n; i++)
			log_err("%s", errs.v[i]);
		log_err("reload failed: %zu errors; still running on the old "
		    "configuration", errs.n);
		config_errors_clear(&errs);
		goto fail;
	}
	cal = calendar_new(cfg->calendar.timezone, cfg->calendar.working_days,
	    err, sizeof(err));
	if (cal != NULL && cfg->calendar.holidays[0] != '\0' &&
	    calendar_load_holidays(cal, cfg->calendar.holidays, err,
	    sizeof(err)) < 0) {
		calendar_free(cal);
		cal = NULL;
	}
	if (cal == NULL) {
		log_err("reload failed: calendar: %s; still running on the old "
		    "configuration", err);
		config_free(cfg);
		goto fail;
	}
	/* A copy that cannot be made keeps the last good one for the child. */
	if (snap >= 0) {
		if (d->config_snap >= 0)
			close(d->config_snap);
		d->config_snap = snap;
	}
	config_unreloadable_changes(d->cfg, cfg, &errs);
	for (size_t i = 0; i < errs.n; i++)
		log_warnx("%s (needs a restart; the old value stays in use)",
		    errs.v[i]);
	config_errors_clear(&errs);
	engine_reconfigure(d->engine, cfg, cal);
	notifier_reconfigure(d->notifier, cfg, cal);
	reporter_reconfigure(d->reporter, cfg, cal, d->config_snap);
	http_reconfigure(d->http, cfg, cal);
	config_free(d->cfg);
	calendar_free(d->cal);
	d->cfg = cfg;
	d->cal = cal;
	metrics.reloads++;
	log_notice("reloaded %s", d->config_path);
	daemon_check_holidays(d);
	daemon_reloaded(d);
	return;
fail:
	if (snap >= 0)
		close(snap);
	metrics.reload_failures++;
	daemon_reloaded(d);
}

static int
daemon_run(struct daemon *d)
{
	struct event *ev_term, *ev_int, *ev_hup;
	struct event_config *ecfg;
	struct timeval tv = { STATUS_INTERVAL, 0 };
	char err[256];
	int ret = EX_OK;

	if ((ecfg = event_config_new()) == NULL)
		fatalx("cannot create the event loop");
	/* After one HTTP client's callback, look at the timers again. */
	event_config_set_max_dispatch_interval(ecfg, NULL, 1, HTTP_PRIORITY);
	d->base = event_base_new_with_config(ecfg);
	event_config_free(ecfg);
	if (d->base == NULL || event_base_priority_init(d->base,
	    HTTP_PRIORITIES) != 0)
		fatalx("cannot create the event loop");
	ev_term = evsignal_new(d->base, SIGTERM, daemon_on_stop, d);
	ev_int = evsignal_new(d->base, SIGINT, daemon_on_stop, d);
	ev_hup = evsignal_new(d->base, SIGHUP, daemon_on_reload, d);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	evsignal_add(ev_hup, NULL);
	signal(SIGPIPE, SIG_IGN);

	log_notice("mashwatchd %s starting (calendar %s, %zu clocks)",
	    MASHWATCH_VERSION, calendar_tzname(d->cal), d->cfg->nclocks);
	d->notify = sdnotify_new(d->base);
	d->engine = engine_new(d->base, d->cfg, d->cal);
	d->notifier = notifier_new(d->base, d->cfg, d->cal,
	    engine_holder(d->engine), daemon_is_leader, d);
	notifier_set_model(d->notifier, daemon_model, d);
	engine_on_ready(d->engine, daemon_on_ready, d);
	engine_on_leader(d->engine, daemon_on_leader, d);
	engine_on_schema_refused(d->engine, daemon_on_schema_refused, d);
	engine_on_poll(d->engine, daemon_on_poll, d);
	if (d->cfg->http.listen[0] != '\0' && (d->http = http_new(d->base,
	    d->cfg, d->cal, d->engine, err, sizeof(err))) == NULL) {
		log_err("%s", err);
		ret = EX_UNAVAILABLE;
		goto out;
	}
	d->ev_status = event_new(d->base, -1, EV_PERSIST, daemon_on_status, d);
	event_add(d->ev_status, &tv);
	d->ev_holidays = event_new(d->base, -1, EV_PERSIST, daemon_on_holidays,
	    d);
	tv.tv_sec = 86400;
	event_add(d->ev_holidays, &tv);
	daemon_check_holidays(d);
	engine_start(d->engine);
	d->reporter = reporter_new(d->base, d->config_path, d->config_snap,
	    d->cfg, d->cal, daemon_is_leader, d);
	event_base_dispatch(d->base);
	ret = d->exit_code;

out:
	reporter_free(d->reporter);
	if (d->ev_status != NULL)
		event_free(d->ev_status);
	if (d->ev_holidays != NULL)
		event_free(d->ev_holidays);
	http_free(d->http);
	notifier_free(d->notifier);
	engine_free(d->engine);
	sdnotify_free(d->notify);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	event_base_free(d->base);
	log_notice("mashwatchd stopped");
	return ret;
}

int
main(int argc, char *argv[])
{
	struct daemon d = { .config_snap = -1 };
	struct options o = { 0 };
	char snap_path[32];
	int64_t at;
	int ret = EX_SOFTWARE;

	switch (options_parse(argc, argv, &o)) {
	case -1:
		usage(stderr);
		return EX_USAGE;
	case 1:
		return EX_OK;
	}
	log_init("mashwatchd", o.debug);
	log_route_libevent();
	d.config_path = o.config;

	/*
	 * The daemon reads a copy of the file, which the report child reads
	 * too: a later edit, broken or not, reaches neither until a reload
	 * validates it.  (-t and --once read the file itself.)
	 */
	if (!o.test && !o.once)
		d.config_snap = setup_config_snapshot(o.config);
	snprintf(snap_path, sizeof(snap_path), "/proc/self/fd/%d", d.config_snap);
	if ((d.cfg = setup_config_as(d.config_snap >= 0 ? snap_path : o.config,
	    o.config)) == NULL) {
		if (d.config_snap >= 0)
			close(d.config_snap);
		return EX_CONFIG;
	}
	if ((d.cal = setup_calendar(d.cfg)) == NULL) {
		ret = EX_CONFIG;
		goto out;
	}
	if (o.test) {
		if (o.debug)
			config_print(d.cfg, stdout);
		ret = EX_CONFIG;
		if (preflight_offline(d.cfg, d.cal, engine_now(), stderr) > 0)
			goto out;
		if (o.connect && preflight_connect(d.cfg, stderr) > 0) {
			ret = EX_UNAVAILABLE;
			goto out;
		}
		printf("configuration OK\n");
		ret = EX_OK;
		goto out;
	}
	if (o.once) {
		at = engine_now();
		if (o.at != NULL && calendar_parse_iso(d.cal, o.at, &at) < 0) {
			fprintf(stderr, "mashwatchd: --at '%s' is not an ISO 8601 "
			    "date or time, e.g. 2022-04-27, 2022-04-27T09:00 or "
			    "2022-04-27T09:00:00+01:00\n", o.at);
			ret = EX_USAGE;
			goto out;
		}
		setup_warn_coverage(d.cal, at);
		ret = once_run(d.cfg, d.cal, at, o.at != NULL, o.all);
		goto out;
	}
	ret = daemon_run(&d);
out:
	calendar_free(d.cal);
	config_free(d.cfg);
	if (d.config_snap >= 0)
		close(d.config_snap);
	return ret;
}
