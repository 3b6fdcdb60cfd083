/*
 * mashwatchctl purge: what the retention section says is kept no longer.
 * Alerts resolved longer ago than retention.alerts go with their outbox
 * rows, acknowledgements and the emails that named nothing else; digests'
 * ledger rows as old; reports and packs (files and rows) older than
 * retention.reports; the directory transport's .eml files older than
 * retention.outbox_files.  The leader's reporter runs it once a day after
 * the report; an operator runs it by hand, --dry-run to see the counts.
 *
 * Batches of PURGE_BATCH rows, each its own transaction, so that no lock
 * is held for long and the daemon's writes never wait behind a purge.
 * Counts only are printed, never an id or a reference: what is purged is
 * about children.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "mashwatch/xmalloc.h"

#include "ctl.h"
#include "daemon/pg.h"
#include "daemon/setup.h"

/* Rows per transaction (and its text, for the statements). */
#define PURGE_BATCH	500
#define PURGE_STR_(x)	#x
#define PURGE_STR(x)	PURGE_STR_(x)
#define PURGE_LIMIT	" LIMIT " PURGE_STR(PURGE_BATCH) " "

/*
 * What is never purged whatever retention says: alerts resolved within
 * the report's 13-week trends (with two weeks to spare: a weekly pack's
 * trends end on its last Sunday), and repeat alerts that fired
 * within the longest repeat window the daemon reloads (13 months, as
 * store_load_fired): purging those would fire them again.
 */
#define PURGE_FLOOR	"interval '15 weeks'"
#define PURGE_REPEATS	"interval '13 months'"

enum { P_ALERTS, P_NOTIFICATIONS, P_ACKS, P_EMAILS, P_DIGESTS, P_REPORTS,
	P_PACKS, P_REPORT_FILES, P_OUTBOX_FILES, P_COUNT };

static const char *const purge_names[P_COUNT] = {
	"alerts", "notifications", "acknowledgements", "emails", "digests",
	"reports", "packs", "report files", "outbox files",
};

/* "400 days" as a PostgreSQL interval; a retention is never working days. */
static void
interval_of(const struct timescale *ts, char *buf, size_t len)
{
	snprintf(buf, len, "%d %s", ts->n, ts->unit == TS_HOURS ? "hours" :
	    ts->unit == TS_MONTHS ? "months" : "days");
}

/* The alerts past retention, their rows and the emails left naming none. */
static const char *const alert_batch_sql =
	"WITH v AS (SELECT a.alert_id FROM mashwatch.alerts a "
	"WHERE a.resolved_at IS NOT NULL AND a.resolved_at < now() - $1::interval "
	"AND a.resolved_at < now() - " PURGE_FLOOR " "
	"AND NOT (a.level = 'repeat' AND a.fired_at > now() - " PURGE_REPEATS ") "
	"AND NOT EXISTS (SELECT 1 FROM mashwatch.notifications n WHERE "
	"n.alert_id = a.alert_id AND n.claimed_at IS NULL) "
	"ORDER BY a.alert_id " PURGE_LIMIT "FOR UPDATE OF a SKIP LOCKED), "
	"n AS (DELETE FROM mashwatch.notifications WHERE alert_id IN "
	"(SELECT alert_id FROM v) RETURNING 1), "
	"k AS (DELETE FROM mashwatch.acks WHERE alert_id IN "
	"(SELECT alert_id FROM v) RETURNING 1), "
	"l AS (DELETE FROM mashwatch.email_alerts WHERE alert_id IN "
	"(SELECT alert_id FROM v) RETURNING 1), "
	"a AS (DELETE FROM mashwatch.alerts WHERE alert_id IN "
	"(SELECT alert_id FROM v) RETURNING 1) "
	"SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM n), "
	"(SELECT count(*) FROM k)";

/*
 * Emails no longer naming any alert (theirs purged, or digests, tests and
 * delivery failures that never named one), sent or given up, older than
 * retention.alerts; report emails older than retention.reports.  Never
 * one still pending.
 */
static const char *const email_batch_sql =
	"WITH v AS (SELECT e.email_id FROM mashwatch.emails e "
	"WHERE e.status <> 'pending' AND e.created_at < now() - " PURGE_FLOOR " "
	"AND e.created_at < now() - CASE WHEN e.kind = 'report' THEN "
	"$2::interval ELSE $1::interval END "
	"AND NOT EXISTS (SELECT 1 FROM mashwatch.email_alerts ea WHERE "
	"ea.email_id = e.email_id) "
	"ORDER BY e.email_id " PURGE_LIMIT "FOR UPDATE OF e SKIP LOCKED), "
	"d AS (DELETE FROM mashwatch.emails WHERE email_id IN "
	"(SELECT email_id FROM v) RETURNING 1) SELECT count(*) FROM d";

static const char *const digest_batch_sql =
	"WITH v AS (SELECT route, on_date FROM mashwatch.digests "
	"WHERE on_date < (now() - $1::interval)::date "
	"AND on_date < (now() - " PURGE_FLOOR ")::date "
	"ORDER BY on_date " PURGE_LIMIT "FOR UPDATE SKIP LOCKED), "
	"d AS (DELETE FROM mashwatch.digests g USING v WHERE g.route = v.route "
	"AND g.on_date = v.on_date RETURNING 1) SELECT count(*) FROM d";

/* A claim not sent within a day is over; a report is kept by its date. */
static const char *const report_batch_sql =
	"WITH v AS (SELECT report_date FROM mashwatch.reports "
	"WHERE report_date < (now() - $1::interval)::date "
	"AND (sent_at IS NOT NULL OR claimed_at < now() - interval '1 day') "
	"ORDER BY report_date " PURGE_LIMIT "FOR UPDATE SKIP LOCKED), "
	"d AS (DELETE FROM mashwatch.reports r USING v WHERE "
	"r.report_date = v.report_date RETURNING 1) SELECT count(*) FROM d";

static const char *const pack_batch_sql =
	"WITH v AS (SELECT kind, period_first FROM mashwatch.report_packs "
	"WHERE period_last < (now() - $1::interval)::date "
	"AND (sent_at IS NOT NULL OR claimed_at < now() - interval '1 day') "
	"ORDER BY period_first " PURGE_LIMIT "FOR UPDATE SKIP LOCKED), "
	"d AS (DELETE FROM mashwatch.report_packs p USING v WHERE "
	"p.kind = v.kind AND p.period_first = v.period_first RETURNING 1) "
	"SELECT count(*) FROM d";

/*
 * Run one batch statement until it removes fewer than a batch; add its
 * columns to counts[first..].  In a dry run everything happens inside the
 * caller's transaction, rolled back at the end.  -1 on a database error.
 */
static int
purge_rows(PGconn *conn, const char *sql, const char *const *params,
    int nparams, uint64_t *counts, int first, int ncols)
{
	uint64_t n;
	int ret = -1;

	do {
		PGresult *res = PQexecParams(conn, sql, nparams, NULL, params,
		    NULL, NULL, 0);

		if (PQresultStatus(res) != PGRES_TUPLES_OK ||
		    PQntuples(res) != 1) {
			fprintf(stderr, "mashwatchctl: purge: %s: %s\n",
			    purge_names[first], pg_primary_message(res));
			PQclear(res);
			goto out;
		}
		n = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
		for (int c = 0; c < ncols; c++)
			counts[first + c] += strtoull(PQgetvalue(res, 0, c),
			    NULL, 10);
		PQclear(res);
	} while (n >= PURGE_BATCH);
	ret = 0;
out:
	return ret;
}

/*
 * The last date a report archive file covers, from its name:
 * mashwatch-report-D..., mashwatch-week-MONDAY... (to the Sunday),
 * mashwatch-month-YYYY-MM... and mashwatch-partnership-YYYY-MM... (to the
 * month's last day).  -1 for any other name.
 */
static int
report_file_end(const char *name, struct cal_date *end)
{
	int y, m, d, n = 0;

	if (sscanf(name, "mashwatch-report-%4d-%2d-%2d%n", &y, &m, &d, &n) ==
	    3 && n > 0) {
		*end = (struct cal_date){ y, m, d };
		return 0;
	}
	if (sscanf(name, "mashwatch-week-%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 &&
	    n > 0) {
		*end = cal_date_add_days((struct cal_date){ y, m, d }, 6);
		return 0;
	}
	/* The monthly pack's files, and the partnership pack's of a month. */
	if ((sscanf(name, "mashwatch-month-%4d-%2d%n", &y, &m, &n) == 2 ||
	    sscanf(name, "mashwatch-partnership-%4d-%2d%n", &y, &m, &n) == 2) &&
	    n > 0) {
		*end = cal_date_add_days(cal_date_add_months(
		    (struct cal_date){ y, m, 1 }, 1), -1);
		return 0;
	}
	return -1;
}

/*
 * Files in dir older than the cutoff: .eml files by modification time
 * (outbox), or report files by the period they cover (before `before`).
 * Hidden files (a transport's temporary ones) and anything else are left.
 * -1 when dir cannot be read; a missing dir has nothing to purge.
 */
static int
purge_files(const char *dir, bool reports, int64_t cutoff,
    struct cal_date before, bool dry, uint64_t *count)
{
	DIR *dp = NULL;
	struct dirent *de;
	int ret = 0;

	if (dir == NULL || dir[0] == '\0')
		goto out;
	if ((dp = opendir(dir)) == NULL) {
		if (errno != ENOENT) {
			fprintf(stderr, "mashwatchctl: purge: %s: %s\n", dir,
			    strerror(errno));
			ret = -1;
		}
		goto out;
	}
	while ((de = readdir(dp)) != NULL) {
		const char *name = de->d_name;
		size_t len = strlen(name);
		struct cal_date end;
		struct stat st;
		char *path;
		bool old;

		if (name[0] == '.')
			continue;
		if (reports)
			old = report_file_end(name, &end) == 0 &&
			    cal_date_cmp(end, before) < 0;
		else
			old = len > 4 && strcmp(name + len - 4, ".eml") == 0;
		if (!old)
			continue;
		path = xasprintf("%s/%s", dir, name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (reports || (int64_t)st.st_mtime < cutoff)) {
			if (dry || unlink(path) == 0)
				(*count)++;
			else
				fprintf(stderr, "mashwatchctl: purge: cannot "
				    "remove %s: %s\n", path, strerror(errno));
		}
		free(path);
	}
out:
	if (dp != NULL)
		closedir(dp);
	return ret;
}

/* params: retention.reports, retention.outbox_files as intervals. */
static int
purge_cutoffs(PGconn *conn, const char *const *params, int64_t *outbox,
    struct cal_date *reports)
{
	PGresult *res = PQexecParams(conn, "SELECT extract(epoch FROM now() - "
	    "$2::interval)::bigint, to_char((now() - $1::interval)::date, "
	    "'YYYY-MM-DD')", 2, NULL, params, NULL, NULL, 0);
	int ret = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    sscanf(PQgetvalue(res, 0, 1), "%d-%d-%d", &reports->year,
	    &reports->month, &reports->day) == 3) {
		*outbox = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		ret = 0;
	} else
		fprintf(stderr, "mashwatchctl: purge: %s\n",
		    pg_primary_message(res));
	PQclear(res);
	return ret;
}

static int
exec_simple(PGconn *conn, const char *sql, const char *const *params,
    int n)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "mashwatchctl: purge: %s\n",
		    pg_primary_message(res));
	PQclear(res);
	return ok ? 0 : -1;
}

int
ctl_purge(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const struct config *cfg = ctl->cfg;
	char ia[32], ir[32], io[32];
	const char *params[3] = { ia, ir, io };
	const char *tz[1] = { cfg->calendar.timezone };
	uint64_t counts[P_COUNT] = { 0 };
	struct cal_date before;
	int64_t outbox_cutoff;
	bool dry = false;
	PGconn *conn = NULL;
	int ch, rc = EX_USAGE;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'n')
			return ctl_usage(ctl->command, EX_USAGE);
		dry = true;
	}
	if (optind != argc)
		return ctl_usage(ctl->command, EX_USAGE);
	if ((conn = setup_state_connect(cfg, "mashwatchctl", &rc)) == NULL)
		return rc;
	rc = EX_UNAVAILABLE;
	interval_of(&cfg->retention.alerts, ia, sizeof(ia));
	interval_of(&cfg->retention.reports, ir, sizeof(ir));
	interval_of(&cfg->retention.outbox_files, io, sizeof(io));
	/* Dates (digests, reports) are the calendar's local dates. */
	if (exec_simple(conn, "SELECT set_config('TimeZone', $1, false)", tz,
	    1) < 0 || purge_cutoffs(conn, params + 1, &outbox_cutoff, &before) < 0)
		goto out;
	/* A dry run does it all in one transaction and rolls it back. */
	if (dry && exec_simple(conn, "BEGIN", NULL, 0) < 0)
		goto out;
	if (purge_rows(conn, alert_batch_sql, params, 1, counts, P_ALERTS,
	    3) < 0 ||
	    purge_rows(conn, email_batch_sql, params, 2, counts, P_EMAILS,
	    1) < 0 ||
	    purge_rows(conn, digest_batch_sql, params, 1, counts, P_DIGESTS,
	    1) < 0 ||
	    purge_rows(conn, report_batch_sql, params + 1, 1, counts,
	    P_REPORTS, 1) < 0 ||
	    purge_rows(conn, pack_batch_sql, params + 1, 1, counts, P_PACKS,
	    1) < 0)
		goto out;
	if (dry && exec_simple(conn, "ROLLBACK", NULL, 0) < 0)
		goto out;
	rc = EX_IOERR;
	if (purge_files(cfg->report.archive, true, 0, before, dry,
	    &counts[P_REPORT_FILES]) < 0 ||
	    (cfg->notify.transport == TRANSPORT_DIRECTORY &&
	    purge_files(cfg->notify.directory, false, outbox_cutoff, before,
	    dry, &counts[P_OUTBOX_FILES]) < 0))
		goto out;
	printf("%s", dry ? "purge (dry run), would remove:" : "purged:");
	for (int i = 0; i < P_COUNT; i++)
		printf("%s %" PRIu64 " %s", i ? "," : "", counts[i],
		    purge_names[i]);
	printf(" (retention: alerts %s, reports %s, outbox files %s)\n", ia,
	    ir, io);
	rc = EX_OK;
out:
	PQfinish(conn);
	return rc;
}
