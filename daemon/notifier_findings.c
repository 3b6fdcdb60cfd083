/*
 * What the notifier itself raises, after each read of the source's teams
 * (as often as the source is polled): a data-quality finding for each
 * address of the teams view that the router had to drop, naming the team
 * and never a child; and a caseload alert for each worker at or over
 * caseloads.red, to the team's manager, with the worker's reference and
 * count only, resolved once the worker is below caseloads.amber.
 *
 * Each is one statement that writes the alerts with their outbox rows and
 * resolves what no longer holds, fenced by the lease like the alert store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mashwatch/xmalloc.h"

#include "log.h"
#include "notifier_impl.h"
#include "pg.h"

/*
 * Both statements open with the lease (the leader's holder in $1) and end
 * by queueing what they raised and resolved in the outbox and waking it:
 * one text for each, so that the two cannot drift apart.
 */
#define FINDINGS_LEASE							\
    "WITH lease AS (SELECT 1 FROM mashwatch.leases"			\
    "  WHERE name = 'leader' AND holder = $1 AND expires_at > now()"
#define FINDINGS_OUTBOX							\
    "  RETURNING a.alert_id"						\
    "), outbox AS (INSERT INTO mashwatch.notifications"		\
    "  (alert_id, event) SELECT alert_id, 'raised' FROM raised"		\
    "  UNION ALL SELECT alert_id, 'resolved' FROM resolved RETURNING 1"	\
    ") SELECT (SELECT count(*) FROM raised),"				\
    "  (SELECT count(*) FROM resolved), pg_notify('mashwatch_outbox', '')"

static const char address_sql[] =
    FINDINGS_LEASE
    "), b AS (SELECT * FROM jsonb_to_recordset($2::jsonb)"
    "    AS b(team_id text, key text, reason text)"
    "), raised AS (INSERT INTO mashwatch.alerts (rule, instance_id, level,"
    "    team_id, fired_at, detail)"
    "  SELECT 'address', b.key, 'data_quality', b.team_id, now(),"
    "    jsonb_build_object('reason', b.reason) FROM b"
    "  WHERE EXISTS (SELECT 1 FROM lease)"
    "  ON CONFLICT (rule, instance_id, level) DO UPDATE"
    "  SET resolved_at = NULL, resolution = NULL, fired_at = now(),"
    "    created_at = now(), detail = excluded.detail"
    "  WHERE mashwatch.alerts.resolved_at IS NOT NULL"
    "  RETURNING alert_id"
    "), resolved AS (UPDATE mashwatch.alerts a SET resolved_at = now(),"
    "    resolution = 'cleared'"
    "  WHERE a.rule = 'address' AND a.resolved_at IS NULL"
    "    AND NOT EXISTS (SELECT 1 FROM b WHERE b.key = a.instance_id)"
    "    AND EXISTS (SELECT 1 FROM lease)"
    FINDINGS_OUTBOX;

static const char caseload_sql[] =
    FINDINGS_LEASE
    "), c AS (SELECT * FROM jsonb_to_recordset($2::jsonb)"
    "    AS c(worker_id text, team_id text, open_cases int)"
    "), raised AS (INSERT INTO mashwatch.alerts (rule, instance_id, level,"
    "    team_id, worker_id, fired_at, detail)"
    "  SELECT 'caseload', c.worker_id, 'caseload', c.team_id, c.worker_id,"
    "    now(), jsonb_build_object('count', c.open_cases, 'red', $3::int)"
    "  FROM c WHERE c.open_cases >= $3::int AND EXISTS (SELECT 1 FROM lease)"
    "  ON CONFLICT (rule, instance_id, level) DO UPDATE"
    "  SET resolved_at = NULL, resolution = NULL, fired_at = now(),"
    "    created_at = now(), detail = excluded.detail,"
    "    team_id = excluded.team_id, acked_at = NULL, acked_by = NULL,"
    "    ack_note = NULL, ack_until = NULL, ack_reason = NULL"
    "  WHERE mashwatch.alerts.resolved_at IS NOT NULL"
    "  RETURNING alert_id"
    /* Still open: the count kept current (the digest says it), not raised. */
    "), counted AS (UPDATE mashwatch.alerts a SET detail ="
    "    jsonb_build_object('count', c.open_cases, 'red', $3::int),"
    "    team_id = c.team_id"
    "  FROM c WHERE a.rule = 'caseload' AND a.level = 'caseload'"
    "    AND a.instance_id = c.worker_id AND a.resolved_at IS NULL"
    "    AND (a.detail->>'count' IS DISTINCT FROM c.open_cases::text"
    "      OR a.team_id IS DISTINCT FROM c.team_id)"
    "    AND EXISTS (SELECT 1 FROM lease)"
    "), resolved AS (UPDATE mashwatch.alerts a SET resolved_at = now(),"
    "    resolution = 'cleared'"
    "  WHERE a.rule = 'caseload' AND a.resolved_at IS NULL"
    "    AND NOT EXISTS (SELECT 1 FROM c WHERE c.worker_id = a.instance_id)"
    "    AND EXISTS (SELECT 1 FROM lease)"
    FINDINGS_OUTBOX;

static char what_addresses[] = "addresses of the teams view";
static char what_caseloads[] = "caseload alerts";

static void
notifier_findings_done(void *arg, PGresult *res)
{
	const char *what = arg;

	if (res == NULL)
		return;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_err("notifier: cannot record %s (SQLSTATE %s)", what,
		    PQresultErrorField(res, PG_DIAG_SQLSTATE) ?
		    PQresultErrorField(res, PG_DIAG_SQLSTATE) : "?");
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "0") != 0 ||
	    strcmp(PQgetvalue(res, 0, 1), "0") != 0)
		log_info("notifier: %s: %s raised, %s resolved", what,
		    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
}

void
notifier_address_findings(struct notifier *n)
{
	json_t *a = json_array();
	const char *params[2];
	char *js, *key;

	for (size_t i = 0; i < n->teams.n; i++) {
		const struct team *t = &n->teams.v[i];

		for (size_t j = 0; j < t->nbad; j++) {
			char *reason = xasprintf("team %s: %s", t->id,
			    t->bad[j]);

			key = xasprintf("%s\x1f%s", t->id, t->bad[j]);
			json_array_append_new(a, json_pack("{s:s,s:s,s:s}",
			    "team_id", t->id, "key", key, "reason", reason));
			free(key);
			free(reason);
		}
	}
	js = json_dumps(a, JSON_COMPACT);
	params[0] = n->holder;
	params[1] = js;
	pgconn_query(n->state, address_sql, 2, params, notifier_findings_done,
	    what_addresses);
	free(js);
	json_decref(a);
}

static void
notifier_caseloads_read(void *arg, PGresult *res)
{
	struct notifier *n = arg;
	json_t *a;
	const char *params[3];
	char red[16], *js;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_err("notifier: cannot read %s.caseloads: %s",
			    n->cfg->source.schema, pg_primary_message(res));
		return;
	}
	if (!notifier_active(n))
		return;
	a = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(a, json_pack("{s:s,s:s?,s:i}",
		    "worker_id", PQgetvalue(res, i, 0), "team_id",
		    PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1),
		    "open_cases", atoi(PQgetvalue(res, i, 2))));
	js = json_dumps(a, JSON_COMPACT);
	snprintf(red, sizeof(red), "%d", n->cfg->caseloads.red);
	params[0] = n->holder;
	params[1] = js;
	params[2] = red;
	pgconn_query(n->state, caseload_sql, 3, params, notifier_findings_done,
	    what_caseloads);
	free(js);
	json_decref(a);
}

void
notifier_caseloads_refresh(struct notifier *n)
{
	char amber[16], *sql;
	const char *params[1] = { amber };

	/* Only workers at amber or over: the others resolve by absence. */
	snprintf(amber, sizeof(amber), "%d", n->cfg->caseloads.amber);
	sql = xasprintf("SELECT worker_id, team_id, open_cases FROM "
	    "%s.caseloads WHERE worker_id IS NOT NULL AND open_cases >= "
	    "$1::int", n->cfg->source.schema);
	pgconn_query(n->src, sql, 1, params, notifier_caseloads_read, n);
	free(sql);
}
