/* mashwatchctl migrate and status: the state schema and what the daemon is doing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"
#include "pg.h"
#include "migrations.h"
#include "setup.h"

static int
exec_ok(PGconn *conn, const char *sql, const char *what)
{
	PGresult *res = PQexec(conn, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "mashwatchctl: %s: %s\n", what,
		    pg_primary_message(res));
	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * Each migration in one transaction with its row in schema_migrations;
 * an advisory lock keeps two migrates from racing.
 */
int
ctl_migrate(struct ctl *ctl, int argc, char **argv)
{
	PGconn *conn;
	int rc = EX_SOFTWARE, current;
	size_t applied = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: mashwatchctl [-c FILE] migrate\n");
		return EX_USAGE;
	}
	if ((conn = setup_connect(ctl->cfg->state.conninfo, "state")) == NULL)
		return EX_UNAVAILABLE;
	if (exec_ok(conn, "SELECT pg_advisory_lock(hashtext('mashwatch migrate'))",
	    "lock") < 0 ||
	    exec_ok(conn, "SET client_min_messages = warning", "settings") < 0 ||
	    exec_ok(conn, "BEGIN; CREATE SCHEMA IF NOT EXISTS mashwatch; "
	    "CREATE TABLE IF NOT EXISTS mashwatch.schema_migrations ("
	    "version int PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now()); COMMIT",
	    "creating schema mashwatch") < 0)
		goto out;
	if ((current = setup_schema_version(conn)) < 0)
		goto out;
	for (size_t i = 0; i < nmigrations; i++) {
		const struct migration *mg = &migrations[i];
		char ver[16];
		const char *params[2] = { ver, mg->name };
		PGresult *res;

		if (mg->version <= current)
			continue;
		snprintf(ver, sizeof(ver), "%d", mg->version);
		if (exec_ok(conn, "BEGIN", "begin") < 0)
			goto out;
		if (exec_ok(conn, mg->sql, mg->name) < 0) {
			PQclear(PQexec(conn, "ROLLBACK"));
			rc = EX_DATAERR;
			goto out;
		}
		res = PQexecParams(conn, "INSERT INTO mashwatch.schema_migrations "
		    "(version, name) VALUES ($1, $2)", 2, NULL, params, NULL,
		    NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			fprintf(stderr, "mashwatchctl: %s: %s\n", mg->name,
			    pg_primary_message(res));
			PQclear(res);
			PQclear(PQexec(conn, "ROLLBACK"));
			goto out;
		}
		PQclear(res);
		if (exec_ok(conn, "COMMIT", mg->name) < 0)
			goto out;
		printf("applied %s\n", mg->name);
		applied++;
	}
	printf("state schema at version %d%s\n",
	    nmigrations ? migrations[nmigrations - 1].version : 0,
	    applied ? "" : " (nothing to do)");
	rc = EX_OK;
out:
	PQfinish(conn);
	return rc;
}

static void
print_rows(PGresult *res, const char *title)
{
	printf("%s\n", title);
	if (PQntuples(res) == 0)
		printf("  (none)\n");
	for (int r = 0; r < PQntuples(res); r++) {
		printf(" ");
		for (int c = 0; c < PQnfields(res); c++)
			printf(" %s", PQgetisnull(res, r, c) ? "-" :
			    PQgetvalue(res, r, c));
		printf("\n");
	}
}

static int
status_query(PGconn *conn, const char *sql, const char *title)
{
	PGresult *res = PQexec(conn, sql);
	int ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	if (ok)
		print_rows(res, title);
	else
		fprintf(stderr, "mashwatchctl: %s: %s\n", title,
		    pg_primary_message(res));
	PQclear(res);
	return ok ? 0 : -1;
}

int
ctl_status(struct ctl *ctl, int argc, char **argv)
{
	PGconn *state;
	int rc = EX_UNAVAILABLE, version;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: mashwatchctl [-c FILE] status\n");
		return EX_USAGE;
	}
	if ((state = setup_connect(ctl->cfg->state.conninfo, "state")) == NULL)
		return EX_UNAVAILABLE;
	version = setup_schema_version(state);
	if (version <= 0) {
		fprintf(stderr, "mashwatchctl: no state schema here: run "
		    "mashwatchctl migrate\n");
		goto out;
	}
	printf("state schema: version %d\n", version);
	if (status_query(state, "SELECT holder, 'since ' || "
	    "to_char(acquired_at, 'YYYY-MM-DD HH24:MI:SSOF'), 'lease until ' || "
	    "to_char(expires_at, 'YYYY-MM-DD HH24:MI:SSOF'), "
	    "CASE WHEN expires_at < now() THEN '(lapsed)' ELSE '' END "
	    "FROM mashwatch.leases WHERE name = 'leader'", "leader:") < 0 ||
	    status_query(state, "SELECT source, 'last poll ' || "
	    "coalesce(to_char(last_poll_at, 'YYYY-MM-DD HH24:MI:SSOF'), 'never'), "
	    "'last full load ' || coalesce(to_char(last_full_at, "
	    "'YYYY-MM-DD HH24:MI:SSOF'), 'never'), rows_read || ' rows read' "
	    "FROM mashwatch.sync ORDER BY source", "polls:") < 0 ||
	    status_query(state, "SELECT rule, level, count(*) || ' open', "
	    "count(acked_at) || ' acknowledged' FROM mashwatch.alerts "
	    "WHERE resolved_at IS NULL GROUP BY rule, level ORDER BY rule, level",
	    "open alerts:") < 0 ||
	    status_query(state, "SELECT count(*) || ' notifications waiting' "
	    "FROM mashwatch.notifications WHERE claimed_at IS NULL",
	    "outbox:") < 0)
		goto out;
	rc = EX_OK;
out:
	PQfinish(state);
	return rc;
}
