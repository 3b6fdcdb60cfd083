/* mashwatchctl migrate and status: the state schema and what the daemon is doing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"
#include "daemon/migrations.h"
#include "daemon/pg.h"
#include "daemon/setup.h"

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
	if (argc != 1)
		return ctl_usage(ctl->command, EX_USAGE);
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
	if (current > setup_schema_wanted()) {
		/* A rolled-back binary: never "nothing to do" on a newer schema. */
		char why[256];

		fprintf(stderr, "mashwatchctl: %s\n", setup_schema_problem(
		    current, why, sizeof(why)));
		rc = EX_CONFIG;
		goto out;
	}
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

/*
 * What an operator asks first: which daemons run and which leads, when the
 * source was last read, what is open and overdue, whether email is
 * flowing, and whether last night's report went.
 */
int
ctl_status(struct ctl *ctl, int argc, char **argv)
{
	const char *schema_param[1] = { ctl->cfg->source.schema };
	PGconn *state;
	PGresult *res;
	int rc = EX_UNAVAILABLE, version;

	(void)argv;
	if (argc != 1)
		return ctl_usage(ctl->command, EX_USAGE);
	if ((state = setup_state_connect(ctl->cfg, "mashwatchctl", &rc)) ==
	    NULL)
		return rc;
	rc = EX_UNAVAILABLE;
	version = setup_schema_version(state);
	printf("state schema: version %d\n", version);
	if (status_query(state, "SELECT holder, 'since ' || "
	    "to_char(acquired_at, 'YYYY-MM-DD HH24:MI:SSOF'), 'lease until ' || "
	    "to_char(expires_at, 'YYYY-MM-DD HH24:MI:SSOF'), "
	    "CASE WHEN expires_at < now() THEN '(lapsed)' ELSE '' END "
	    "FROM mashwatch.leases WHERE name = 'leader'", "leader:") < 0)
		goto out;
	/* Daemons seen in the last day; one not seen for a minute is gone. */
	if (version >= 5 && status_query(state, "SELECT holder, role, 'since ' "
	    "|| to_char(role_since, 'YYYY-MM-DD HH24:MI:SSOF'), 'seen ' || "
	    "floor(extract(epoch FROM now() - seen_at))::bigint || ' s ago', "
	    "coalesce('version ' || version, ''), CASE WHEN seen_at < now() - "
	    "interval '1 minute' THEN '(not running?)' ELSE '' END "
	    "FROM mashwatch.daemons WHERE seen_at > now() - interval '1 day' "
	    "ORDER BY role, holder", "daemons:") < 0)
		goto out;
	res = PQexecParams(state, "SELECT 'source ' || source, 'last poll ' || "
	    "coalesce(to_char(last_poll_at, 'YYYY-MM-DD HH24:MI:SSOF') || ' (' "
	    "|| floor(extract(epoch FROM now() - last_poll_at))::bigint || "
	    "' s ago)', 'never'), 'last full load ' || coalesce(to_char("
	    "last_full_at, 'YYYY-MM-DD HH24:MI:SSOF'), 'never'), rows_read || "
	    "' rows read' FROM mashwatch.sync ORDER BY source = $1 DESC, source",
	    1, NULL, schema_param, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: polls: %s\n",
		    pg_primary_message(res));
		PQclear(res);
		goto out;
	}
	print_rows(res, "polls:");
	PQclear(res);
	if (version >= 5 && status_query(state, "SELECT c.key, "
	    "(c.value->>'open') || ' open', (c.value->>'overdue') || "
	    "' overdue' FROM mashwatch.daemons d, jsonb_each(d.counts) c "
	    "WHERE d.role = 'leader' AND d.seen_at = (SELECT max(seen_at) "
	    "FROM mashwatch.daemons WHERE role = 'leader') ORDER BY c.key",
	    "clocks (from the leader):") < 0)
		goto out;
	if (status_query(state, "SELECT rule, level, count(*) || ' open', "
	    "count(acked_at) || ' acknowledged' FROM mashwatch.alerts "
	    "WHERE resolved_at IS NULL GROUP BY rule, level ORDER BY rule, level",
	    "open alerts:") < 0 ||
	    status_query(state, "SELECT count(*) || ' notifications waiting', "
	    "coalesce('oldest ' || to_char(min(created_at), "
	    "'YYYY-MM-DD HH24:MI:SSOF'), '') FROM mashwatch.notifications "
	    "WHERE claimed_at IS NULL", "outbox:") < 0 ||
	    status_query(state, "SELECT count(*) || ' emails unsent', "
	    "coalesce('oldest ' || to_char(min(created_at), "
	    "'YYYY-MM-DD HH24:MI:SSOF') || ' (' || floor(extract(epoch FROM "
	    "now() - min(created_at)))::bigint || ' s ago)', '') "
	    "FROM mashwatch.emails WHERE status = 'pending'", "emails:") < 0 ||
	    status_query(state, "SELECT 'report of ' || report_date, "
	    "CASE WHEN sent_at IS NOT NULL THEN 'sent ' || to_char(sent_at, "
	    "'YYYY-MM-DD HH24:MI:SSOF') WHEN generated_at IS NOT NULL THEN "
	    "'generated, not sent' ELSE 'claimed by ' || claimed_by END, "
	    "coalesce(array_to_string(recipients, ', '), '') "
	    "FROM mashwatch.reports ORDER BY report_date DESC LIMIT 1",
	    "last report:") < 0)
		goto out;
	rc = EX_OK;
out:
	PQfinish(state);
	return rc;
}
