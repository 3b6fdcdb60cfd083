/* mashwatchctl migrate and status: the state schema and what the daemon is doing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"
#include "daemon/migrations.h"
#include "daemon/pg.h"
#include "daemon/setup.h"
#include "mashwatch/xmalloc.h"

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
		/* Names and texts from the database, escaped. */
		for (int c = 0; c < PQnfields(res); c++) {
			putchar(' ');
			ctl_put(PQgetisnull(res, r, c) ? "-" :
			    PQgetvalue(res, r, c));
		}
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
 * Healthy: a leader holds the lease and polled the source within three
 * poll intervals, and no email has been failing for longer than
 * notify.send_timeout (nor failed for good in the last day).  Each
 * problem, in words, goes into problems; -1 if the state cannot be read.
 */
static const char health_sql[] =
    "SELECT (SELECT holder FROM mashwatch.leases WHERE name = 'leader'"
    "   AND expires_at > now()),"
    " (SELECT floor(extract(epoch FROM now() - last_poll_at))::bigint"
    "   FROM mashwatch.sync WHERE source = $1),"
    " (SELECT count(*) FROM mashwatch.emails e WHERE e.status = 'pending'"
    "   AND (SELECT min(t.attempted_at) FROM mashwatch.email_attempts t"
    "     WHERE t.email_id = e.email_id AND t.outcome <> 'sent')"
    "   < now() - make_interval(secs => $2::int)),"
    " (SELECT count(*) FROM mashwatch.emails WHERE status = 'failed'"
    "   AND created_at > now() - interval '1 day'),"
    " (SELECT count(*) FROM mashwatch.emails WHERE status = 'pending'),"
    " (SELECT count(*) FROM mashwatch.notifications"
    "   WHERE claimed_at IS NULL),"
    " (SELECT count(*) FROM mashwatch.alerts WHERE resolved_at IS NULL),"
    " (SELECT count(*) FROM mashwatch.silences WHERE expired_at IS NULL"
    "   AND starts_at <= now() AND ends_at > now())";

static int
status_health(struct ctl *ctl, PGconn *state, json_t *out, json_t *problems)
{
	char timeout[16], *why;
	const char *params[2] = { ctl->cfg->source.schema, timeout };
	PGresult *res;
	long long ago;
	int rc = -1;

	snprintf(timeout, sizeof(timeout), "%d", ctl->cfg->notify.send_timeout);
	res = PQexecParams(state, health_sql, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: status: %s\n",
		    pg_primary_message(res));
		goto out;
	}
	json_object_set_new(out, "leader", ctl_json_str(res, 0, 0));
	if (PQgetisnull(res, 0, 0))
		json_array_append_new(problems, json_string("no daemon holds "
		    "the leader's lease"));
	ago = PQgetisnull(res, 0, 1) ? -1 : strtoll(PQgetvalue(res, 0, 1),
	    NULL, 10);
	json_object_set_new(out, "last_poll_seconds_ago", ago < 0 ?
	    json_null() : json_integer(ago));
	if (ago < 0)
		json_array_append_new(problems, json_string("the source has "
		    "never been polled"));
	else if (ago > 3LL * ctl->cfg->source.poll_interval) {
		why = xasprintf("the source was last polled %lld s ago (more "
		    "than 3 poll intervals of %d s)", ago,
		    ctl->cfg->source.poll_interval);
		json_array_append_new(problems, json_string(why));
		free(why);
	}
	if (strcmp(PQgetvalue(res, 0, 2), "0") != 0) {
		why = xasprintf("%s emails failing for longer than send_timeout "
		    "(%d s): see mashwatchctl queue", PQgetvalue(res, 0, 2),
		    ctl->cfg->notify.send_timeout);
		json_array_append_new(problems, json_string(why));
		free(why);
	}
	if (strcmp(PQgetvalue(res, 0, 3), "0") != 0) {
		why = xasprintf("%s emails failed for good in the last day: "
		    "see mashwatchctl queue", PQgetvalue(res, 0, 3));
		json_array_append_new(problems, json_string(why));
		free(why);
	}
	json_object_set_new(out, "emails_failing", json_integer(strtoll(
	    PQgetvalue(res, 0, 2), NULL, 10)));
	json_object_set_new(out, "emails_failed_last_day", json_integer(
	    strtoll(PQgetvalue(res, 0, 3), NULL, 10)));
	json_object_set_new(out, "emails_unsent", json_integer(strtoll(
	    PQgetvalue(res, 0, 4), NULL, 10)));
	json_object_set_new(out, "outbox_waiting", json_integer(strtoll(
	    PQgetvalue(res, 0, 5), NULL, 10)));
	json_object_set_new(out, "open_alerts", json_integer(strtoll(
	    PQgetvalue(res, 0, 6), NULL, 10)));
	json_object_set_new(out, "silences_active", json_integer(strtoll(
	    PQgetvalue(res, 0, 7), NULL, 10)));
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/*
 * What an operator asks first: which daemons run and which leads, when the
 * source was last read, what is open and overdue, whether email is
 * flowing, and whether last night's report went.  Exits 0 when healthy,
 * 1 when degraded (saying why), 69 when the state cannot be read, 78
 * when its schema is not the one this mashwatch knows.
 */
int
ctl_status(struct ctl *ctl, int argc, char **argv)
{
	const char *schema_param[1] = { ctl->cfg->source.schema };
	PGconn *state;
	PGresult *res;
	json_t *out = json_object(), *problems = json_array();
	bool json = false;
	int rc = EX_UNAVAILABLE, version;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = true;
	else if (argc != 1) {
		json_decref(out);
		json_decref(problems);
		return ctl_usage(ctl->command, EX_USAGE);
	}
	if ((state = setup_state_connect(ctl->cfg, "mashwatchctl", &rc)) ==
	    NULL) {
		json_decref(out);
		json_decref(problems);
		return rc;
	}
	rc = EX_UNAVAILABLE;
	version = setup_schema_version(state);
	if (json) {
		json_object_set_new(out, "state_schema", json_integer(version));
		if (status_health(ctl, state, out, problems) < 0)
			goto out;
		json_object_set_new(out, "healthy", json_boolean(
		    json_array_size(problems) == 0));
		json_object_set_new(out, "problems", json_incref(problems));
		ctl_json_print(out);
		rc = json_array_size(problems) == 0 ? EX_OK : 1;
		goto out;
	}
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
	    "last report:") < 0 || status_health(ctl, state, out, problems) < 0)
		goto out;
	if (json_array_size(problems) == 0)
		printf("health: ok\n");
	for (size_t i = 0; i < json_array_size(problems); i++)
		printf("%s%s", i ? "; " : "health: degraded: ",
		    json_string_value(json_array_get(problems, i)));
	if (json_array_size(problems) > 0)
		printf("\n");
	rc = json_array_size(problems) == 0 ? EX_OK : 1;
out:
	json_decref(out);
	json_decref(problems);
	PQfinish(state);
	return rc;
}
