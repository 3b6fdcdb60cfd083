#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "log.h"
#include "migrations.h"
#include "setup.h"

/*
 * libpq's reason for refusing a connection string, fit to print: its
 * words, and what it quotes only when that is one of the marks its own
 * messages quote ("=", "]", ":", "/").  Anything else it quotes (a word
 * of the string, a percent-encoded token, the whole URI) can hold a
 * password, so the reason stops there.  Returns whether it stopped.
 */
static bool
conninfo_reason(const char *err, char *buf, size_t len)
{
	size_t o = 0;
	bool cut = false;

	for (const char *p = err; *p != '\0' && o + 6 < len; p++) {
		if (*p == '"' && !(p[1] != '\0' && strchr("=]:/", p[1]) !=
		    NULL && p[2] == '"')) {
			memcpy(buf + o, "\"...\"", 5);
			o += 5;
			cut = true;
			break;
		}
		if (*p == '"') {
			memcpy(buf + o, p, 3);
			o += 3;
			p += 2;
			continue;
		}
		buf[o++] = *p == '\n' ? ' ' : *p;
	}
	while (o > 0 && buf[o - 1] == ' ')
		o--;
	buf[o] = '\0';
	return cut;
}

/*
 * Parse source.conninfo and state.conninfo with PQconninfoParse, printing
 * "FILE: NAME: libpq cannot parse it: REASON" to fp for each it refuses.
 * REASON is libpq's, cut where it would quote the string (which can hold
 * a password).  Returns how many it refused.
 */
static int
setup_check_conninfo(const struct config *cfg, FILE *fp)
{
	struct setup_conninfo v[SETUP_NCONNINFO];
	int bad = 0;

	setup_conninfos(cfg, v);
	for (size_t i = 0; i < SETUP_NCONNINFO; i++) {
		PQconninfoOption *opts;
		char *err = NULL, reason[256];
		bool cut = false;

		if (v[i].value == NULL)
			continue;
		if ((opts = PQconninfoParse(v[i].value, &err)) != NULL) {
			PQconninfoFree(opts);
			continue;
		}
		if (err != NULL)
			cut = conninfo_reason(err, reason, sizeof(reason));
		else
			snprintf(reason, sizeof(reason), "out of memory");
		fprintf(fp, "%s%s: %s: libpq cannot parse it: %s%s\n",
		    log_prefix(), cfg->path,
		    v[i].name, reason, cut ? " (libpq's quote is not shown: "
		    "it can hold a password)" : "");
		PQfreemem(err);
		bad++;
	}
	return bad;
}

void
setup_conninfos(const struct config *cfg,
    struct setup_conninfo v[SETUP_NCONNINFO])
{
	v[0] = (struct setup_conninfo){ "source.conninfo",
	    cfg->source.conninfo };
	v[1] = (struct setup_conninfo){ "state.conninfo", cfg->state.conninfo };
}

struct config *
setup_config(const char *path)
{
	return setup_config_as(path, path);
}

struct config *
setup_config_as(const char *read_path, const char *path)
{
	struct config_errors errs = { 0 };
	struct config *cfg = config_load_as(read_path, path, &errs);

	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s%s\n", log_prefix(), errs.v[i]);
	config_errors_clear(&errs);
	/* A connection string libpq refuses is a config error, not a crash loop. */
	if (cfg != NULL && setup_check_conninfo(cfg, stderr) > 0) {
		config_free(cfg);
		cfg = NULL;
	}
	return cfg;
}

struct calendar *
setup_calendar(const struct config *cfg)
{
	char err[512];
	struct calendar *cal;

	cal = calendar_new(cfg->calendar.timezone, cfg->calendar.working_days,
	    err, sizeof(err));
	if (cal == NULL) {
		fprintf(stderr, "%s%s: calendar.timezone: %s\n", log_prefix(),
		    cfg->path, err);
		return NULL;
	}
	if (cfg->calendar.holidays[0] != '\0' &&
	    calendar_load_holidays(cal, cfg->calendar.holidays, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "%s%s: calendar.holidays: %s\n", log_prefix(),
		    cfg->path, err);
		calendar_free(cal);
		return NULL;
	}
	return cal;
}

void
setup_warn_coverage(const struct calendar *cal, int64_t t)
{
	struct cal_date d;

	if (calendar_covers(cal, t))
		return;
	d = calendar_date_of(cal, t);
	fprintf(stderr, "%swarning: %04d-%02d-%02d is beyond %d, the last "
	    "year of the holiday list; no holidays are counted after it\n",
	    log_prefix(), d.year, d.month, d.day, calendar_last_year(cal));
}

PGconn *
setup_connect(const char *conninfo, const char *what)
{
	/*
	 * A deadline unless conninfo sets its own (expanded after ours, so it
	 * wins): libpq's default is to wait for ever.
	 */
	const char *const keys[] = { "connect_timeout", "dbname", NULL };
	const char *const vals[] = { SETUP_CONNECT_TIMEOUT, conninfo, NULL };
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	char *msg, *nl;

	if (PQstatus(conn) == CONNECTION_OK)
		return conn;
	msg = strdup(PQerrorMessage(conn));
	while (msg && (nl = strchr(msg, '\n')) != NULL)
		*nl = ' ';
	fprintf(stderr, "%s%s database unavailable: %s\n", log_prefix(), what,
	    msg ? msg : "out of memory");
	free(msg);
	PQfinish(conn);
	return NULL;
}

int
setup_schema_version(PGconn *conn)
{
	PGresult *res;
	int v = -1;

	/* Two steps: a query naming a missing table fails to parse. */
	res = PQexec(conn, "SELECT to_regclass('mashwatch.schema_migrations') "
	    "IS NOT NULL");
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		v = strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? 1 : 0;
	PQclear(res);
	if (v != 1)
		return v;
	res = PQexec(conn, "SELECT coalesce(max(version), 0) "
	    "FROM mashwatch.schema_migrations");
	v = PQresultStatus(res) == PGRES_TUPLES_OK ?
	    atoi(PQgetvalue(res, 0, 0)) : -1;
	PQclear(res);
	return v;
}

int
setup_schema_wanted(void)
{
	return nmigrations > 0 ? migrations[nmigrations - 1].version : 0;
}

const char *
setup_schema_problem(int version, char *buf, size_t len)
{
	int want = setup_schema_wanted();

	if (version == want)
		return NULL;
	if (version < want)
		snprintf(buf, len, "state schema is version %d, this mashwatch "
		    "needs %d: run `mashwatchctl migrate`", version, want);
	else
		snprintf(buf, len, "state schema is version %d, this mashwatch "
		    "needs %d: it is newer than this mashwatch knows (run the "
		    "mashwatch that migrated it)", version, want);
	return buf;
}

PGconn *
setup_state_connect(const struct config *cfg, const char *prog, int *rc)
{
	PGconn *conn;
	char why[256];
	int version;

	*rc = EX_UNAVAILABLE;
	if ((conn = setup_connect(cfg->state.conninfo, "state")) == NULL)
		goto out;
	if ((version = setup_schema_version(conn)) < 0) {
		fprintf(stderr, "%s: cannot read the state schema version: %s",
		    prog, PQerrorMessage(conn));
		goto fail;
	}
	if (setup_schema_problem(version, why, sizeof(why)) != NULL) {
		fprintf(stderr, "%s: %s\n", prog, why);
		*rc = EX_CONFIG;
		goto fail;
	}
	*rc = EX_OK;
	goto out;
fail:
	PQfinish(conn);
	conn = NULL;
out:
	return conn;
}

int
setup_config_snapshot(const char *path)
{
	char buf[8192];
	ssize_t n;
	int in, mfd, fd = -1;

	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s%s: %s\n", log_prefix(), path,
		    strerror(errno));
		return -1;
	}
	if ((mfd = memfd_create("mashwatch.conf", MFD_CLOEXEC)) < 0)
		goto fail;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, (size_t)n) != n)
			goto fail;
	if (n < 0)
		goto fail;
	/* Never 3: the report child gets it as its fd 3 (a dup2 onto itself
	 * would keep close-on-exec). */
	fd = fcntl(mfd, F_DUPFD_CLOEXEC, 10);
	if (fd < 0)
		goto fail;
	close(mfd);
	close(in);
	return fd;
fail:
	fprintf(stderr, "%scannot keep a copy of %s: %s\n", log_prefix(), path,
	    strerror(errno));
	if (mfd >= 0)
		close(mfd);
	close(in);
	return -1;
}
