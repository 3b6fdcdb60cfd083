/*
 * The reporter runs the report in a child process, `mashwatchctl report
 * --send --date D` (and the packs, `--week D`, `--month YYYY-MM`, and the
 * partnership pack, `--partnership --month YYYY-MM`, and on working days
 * at forecast.at the forecast, `mashwatchctl forecast --send`), watched
 * from the loop with a timer and waitpid(WNOHANG).
 * Why a child rather than async queries on the loop: the report reads a
 * few hundred thousand rows and the mail transport may wait on a relay;
 * in a child none of that can stall the loop or the lease, the claim-then-
 * send protocol lives in one place (ctl_report_send.c) for the daemon and
 * the operator alike, and a crash in it cannot take the daemon down.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "mashwatch/xmalloc.h"
#include "log.h"
#include "reporter.h"

extern char **environ;

/* How often to look; a report is due at most this late after report.at. */
#define TICK		30
/* After a failed run, wait this long before the next attempt. */
#define RETRY		300

struct reporter {
	struct event_base	*base;
	struct event		*tick;
	char			*config_path;	/* absolute: the child may not share our cwd */
	char			*ctl_path;
	int			 snap;		/* the config's bytes, or -1 */
	const struct config	*cfg;
	const struct calendar	*cal;
	bool			(*is_leader)(void *);
	void			*arg;
	pid_t			 child;
	int			 kind;		/* what the child is sending */
	struct cal_date		 running;	/* its date (first date of a pack) */
	struct cal_date		 done[6];	/* per kind: last sent (or found sent) */
	time_t			 retry_at;
};

/*
 * What the reporter sends: the daily report, the weekly and monthly packs
 * (to routes.report), the partnership pack (to routes.partnership), the
 * day's forecast; then, once a day, the purge of what retention keeps no
 * longer (`mashwatchctl purge`, which prints its counts to our log).
 */
enum { SEND_DAY, SEND_WEEK, SEND_MONTH, SEND_PARTNERSHIP, SEND_PURGE,
	SEND_FORECAST };
static const char *const send_names[6] = { "report", "weekly pack",
	"monthly pack", "partnership pack", "purge", "forecast" };

/* mashwatchctl beside mashwatchd, else in ../bin (sbin installs), else PATH. */
static char *
ctl_find(void)
{
	char self[PATH_MAX], *slash, *p;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			p = xasprintf("%s/mashwatchctl", self);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
			p = xasprintf("%s/../bin/mashwatchctl", self);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return xstrdup("mashwatchctl");
}

/*
 * The latest day on which something is due: today once report.at has
 * passed, else yesterday.
 */
static struct cal_date
due_day(const struct reporter *r, time_t now)
{
	struct cal_date today = calendar_date_of(r->cal, now);
	int64_t midnight = calendar_start_of(r->cal, today);

	if ((now - midnight) / 60 >= r->cfg->report.at)
		return today;
	return cal_date_add_days(today, -1);
}

/*
 * The Monday of the week whose pack is due: the Monday to Sunday week
 * before the latest report.weekly day on or before due_day.
 */
static struct cal_date
due_week(const struct reporter *r, time_t now)
{
	struct cal_date t = due_day(r, now);

	t = cal_date_add_days(t, -((cal_date_weekday(t) - r->cfg->report.weekly +
	    7) % 7));
	/* The Sunday before t, then its Monday. */
	t = cal_date_add_days(t, cal_date_weekday(t) == 0 ? -7 :
	    -cal_date_weekday(t));
	return cal_date_add_days(t, -6);
}

/* The 1st of the month whose pack is due: the month before due_day's. */
static struct cal_date
due_month(const struct reporter *r, time_t now)
{
	struct cal_date t = due_day(r, now);

	t.day = 1;
	return cal_date_add_months(t, -1);
}

/*
 * The date whose report is due now: yesterday once report.at has passed
 * today, else the day before yesterday (due yesterday, perhaps missed).
 */
static struct cal_date
due_date(const struct reporter *r, time_t now)
{
	struct cal_date today = calendar_date_of(r->cal, now);
	int64_t midnight = calendar_start_of(r->cal, today);

	if ((now - midnight) / 60 >= r->cfg->report.at)
		return cal_date_add_days(today, -1);
	return cal_date_add_days(today, -2);
}

/*
 * Whether today's forecast is due: a working day, forecast.at has passed,
 * and some clock has forecast = true.  Its date into *d.
 */
static bool
due_forecast(const struct reporter *r, time_t now, struct cal_date *d)
{
	struct cal_date today = calendar_date_of(r->cal, now);
	int64_t midnight = calendar_start_of(r->cal, today);
	size_t i;

	for (i = 0; i < r->cfg->nclocks && !r->cfg->clocks[i].forecast; i++)
		;
	*d = today;
	return i < r->cfg->nclocks && calendar_is_working_day(r->cal, today) &&
	    (now - midnight) / 60 >= r->cfg->forecast.at;
}

static void
reporter_reap(struct reporter *r)
{
	int status;
	pid_t pid = waitpid(r->child, &status, WNOHANG);

	if (pid == 0)
		return;
	r->child = -1;
	if (pid < 0) {
		log_warn("%s %04d-%02d-%02d: waitpid", send_names[r->kind],
		    r->running.year, r->running.month, r->running.day);
		r->retry_at = time(NULL) + RETRY;
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == EX_OK) {
		log_info("%s %04d-%02d-%02d: done", send_names[r->kind],
		    r->running.year, r->running.month, r->running.day);
		r->done[r->kind] = r->running;
		return;
	}
	log_warnx("%s %04d-%02d-%02d: mashwatchctl %s %d; trying again in "
	    "%d s", send_names[r->kind], r->running.year, r->running.month,
	    r->running.day,
	    WIFEXITED(status) ? "exited" : "killed by signal",
	    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), RETRY);
	r->retry_at = time(NULL) + RETRY;
}

static void
reporter_start(struct reporter *r, int kind, struct cal_date d)
{
	char date[16], a0[] = "mashwatchctl", a1[] = "-c", a3[] = "report";
	char a4[] = "--send", a5[] = "--date", a5w[] = "--week";
	char a5m[] = "--month", a7[] = "--scheduled", a8[] = "--partnership";
	char a3f[] = "forecast";
	char *a5s[4] = { a5, a5w, a5m, a5m };
	char a1s[] = "/proc/self/fd/3", a2[] = "--config-as", purge[] = "purge";
	char *argv[13];
	size_t n = 0;
	posix_spawn_file_actions_t fa;
	int err;

	argv[n++] = a0;
	argv[n++] = a1;
	/* With a copy: -c /proc/self/fd/3 --config-as FILE, the copy as fd 3. */
	if (r->snap >= 0) {
		argv[n++] = a1s;
		argv[n++] = a2;
	}
	argv[n++] = r->config_path;
	if (kind == SEND_PURGE)
		argv[n++] = purge;
	else if (kind == SEND_FORECAST) {
		/*
		 * The forecast is as of now, `forecast --send`: it looks
		 * ahead, so no period of it can come before go-live and it
		 * needs no --scheduled.
		 */
		argv[n++] = a3f;
		argv[n++] = a4;
	} else {
		argv[n++] = a3;
		argv[n++] = a4;
		argv[n++] = a5s[kind];
		argv[n++] = date;
		argv[n++] = a7;
		if (kind == SEND_PARTNERSHIP)
			argv[n++] = a8;
	}
	argv[n] = NULL;
	if (kind == SEND_MONTH || kind == SEND_PARTNERSHIP)
		snprintf(date, sizeof(date), "%04d-%02d", d.year, d.month);
	else
		snprintf(date, sizeof(date), "%04d-%02d-%02d", d.year, d.month,
		    d.day);
	posix_spawn_file_actions_init(&fa);
	if (r->snap >= 0)
		posix_spawn_file_actions_adddup2(&fa, r->snap, 3);
	err = posix_spawnp(&r->child, r->ctl_path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err != 0) {
		errno = err;
		log_warn("%s %s: cannot run %s", send_names[kind], date,
		    r->ctl_path);
		r->child = -1;
		r->retry_at = time(NULL) + RETRY;
		return;
	}
	r->kind = kind;
	r->running = d;
	log_info("%s %s: %s (pid %d)", send_names[kind], date,
	    kind == SEND_PURGE ? "running" : "sending", (int)r->child);
}

static void
reporter_tick(evutil_socket_t fd, short what, void *arg)
{
	struct reporter *r = arg;
	struct timeval tv = { TICK, 0 };
	time_t now = time(NULL);
	struct cal_date d;

	(void)fd;
	(void)what;
	if (r->child > 0)
		reporter_reap(r);
	if (r->child > 0 || now < r->retry_at || !r->is_leader(r->arg))
		goto again;
	/* The forecast first: it is for this afternoon, the rest for the past. */
	if (due_forecast(r, now, &d) &&
	    cal_date_cmp(d, r->done[SEND_FORECAST]) != 0) {
		reporter_start(r, SEND_FORECAST, d);
		goto again;
	}
	/*
	 * One child at a time: the day's report, then the packs.  No one to
	 * send them to: the nightly report (or the partnership pack) is
	 * switched off; the purge runs all the same.
	 */
	if (r->cfg->routes.report.n > 0) {
		d = due_date(r, now);
		if (cal_date_cmp(d, r->done[SEND_DAY]) != 0) {
			reporter_start(r, SEND_DAY, d);
			goto again;
		}
		d = due_week(r, now);
		if (cal_date_cmp(d, r->done[SEND_WEEK]) != 0) {
			reporter_start(r, SEND_WEEK, d);
			goto again;
		}
		d = due_month(r, now);
		if (cal_date_cmp(d, r->done[SEND_MONTH]) != 0) {
			reporter_start(r, SEND_MONTH, d);
			goto again;
		}
	}
	d = due_month(r, now);
	if (r->cfg->routes.partnership.n > 0 &&
	    cal_date_cmp(d, r->done[SEND_PARTNERSHIP]) != 0) {
		reporter_start(r, SEND_PARTNERSHIP, d);
		goto again;
	}
	/* Once a day, after the report and the packs have gone. */
	d = due_day(r, now);
	if (cal_date_cmp(d, r->done[SEND_PURGE]) != 0)
		reporter_start(r, SEND_PURGE, d);
again:
	/* Poll the child often; otherwise a tick is enough. */
	if (r->child > 0)
		tv.tv_sec = 1;
	evtimer_add(r->tick, &tv);
}

struct reporter *
reporter_new(struct event_base *base, const char *config_path, int snap,
    const struct config *cfg, const struct calendar *cal,
    bool (*is_leader)(void *arg), void *arg)
{
	struct reporter *r = xcalloc(1, sizeof(*r));
	struct timeval tv = { 1, 0 };
	char *abs = realpath(config_path, NULL);

	r->base = base;
	r->config_path = abs ? abs : xstrdup(config_path);
	r->ctl_path = ctl_find();
	r->snap = snap;
	r->cfg = cfg;
	r->cal = cal;
	r->is_leader = is_leader;
	r->arg = arg;
	r->child = -1;
	r->tick = evtimer_new(base, reporter_tick, r);
	/* The first look soon after start: a report missed while down. */
	evtimer_add(r->tick, &tv);
	return r;
}

void
reporter_reconfigure(struct reporter *r, const struct config *cfg,
    const struct calendar *cal, int snap)
{
	r->snap = snap;
	r->cfg = cfg;
	r->cal = cal;
}

void
reporter_free(struct reporter *r)
{
	if (r == NULL)
		return;
	if (r->child > 0)
		log_info("%s %04d-%02d-%02d: left running (pid %d)",
		    send_names[r->kind], r->running.year, r->running.month, r->running.day,
		    (int)r->child);
	event_free(r->tick);
	free(r->config_path);
	free(r->ctl_path);
	free(r);
}
