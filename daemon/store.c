/*
 * The alert store: transitions go to mashwatch.alerts together with their
 * outbox rows in mashwatch.notifications, in one statement and so one
 * transaction, and only while this daemon holds the leader lease (the
 * check is inside the statement, so a daemon that lost the lease a moment
 * ago cannot write).  Batches are written strictly in order; a batch that
 * fails for want of a connection stays queued.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mashwatch/xmalloc.h"

#include "engine_clock.h"
#include "log.h"
#include "pg.h"
#include "store.h"

#define BATCH_MAX	2000

struct batch {
	struct batch	*next;
	char		*json;
	size_t		 n;
	bool		 backlog;	/* the first pass at go-live */
};

struct store {
	struct pgconn	*state;
	char		*holder;
	char		 ttl[16];
	struct batch	*head, **tail;
	size_t		 queued;	/* transitions in the queue */
	bool		 writing;
	void		(*lost_cb)(void *);
	void		*lost_arg;
	void		(*refused_cb)(void *);
	void		*refused_arg;
	void		(*drained_cb)(void *);
	void		*drained_arg;
	/* The lease request in flight. */
	void		(*lease_cb)(void *, bool);
	void		*lease_arg;
	bool		 lease_failing;	/* logged once per spell of errors */
	void		(*release_cb)(void *);
	void		*release_arg;
	void		(*fired_cb)(void *, bool, struct fired_key *, size_t);
	void		*fired_arg;
	bool		 backlog;	/* store_write flags its outbox rows */
	void		(*golive_cb)(void *, bool);
	void		*golive_arg;
};

/*
 * One statement: the lease check, the new alerts with their 'raised'
 * outbox rows, the resolutions with their 'resolved' rows.  A raise
 * resolved in the same batch (a police notification that arrived late) is
 * stored already resolved, with one 'raised' row: the CTEs share one
 * snapshot, so an UPDATE could not see the INSERT.
 */
static const char store_write_sql[] =
    "WITH lease AS ("
    "  SELECT 1 FROM mashwatch.leases"
    "  WHERE name = 'leader' AND holder = $2 AND expires_at > now()"
    "), x AS ("
    "  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(ord int, kind text,"
    "    rule text, instance_id text, level text, child_id text,"
    "    team_id text, worker_id text, priority text, started_at float8,"
    "    due_at float8, fired_at float8, stopped_at float8,"
    "    resolution text, resolved_at float8, detail text)"
    "), raised AS ("
    "  INSERT INTO mashwatch.alerts (rule, instance_id, level, child_id,"
    "    team_id, worker_id, priority, started_at, due_at, fired_at, detail,"
    "    resolved_at, resolution, stopped_at)"
    "  SELECT r.rule, r.instance_id, r.level, r.child_id, r.team_id,"
    "    r.worker_id, r.priority, to_timestamp(r.started_at),"
    "    to_timestamp(r.due_at), to_timestamp(r.fired_at),"
    "    coalesce(r.detail, '{}')::jsonb, to_timestamp(s.resolved_at),"
    "    s.resolution, to_timestamp(coalesce(s.stopped_at, r.stopped_at))"
    "  FROM x r LEFT JOIN LATERAL (SELECT * FROM x s WHERE s.kind = 'resolve'"
    "    AND s.rule = r.rule AND s.instance_id = r.instance_id"
    "    AND s.ord > r.ord ORDER BY s.ord LIMIT 1) s ON true"
    "  WHERE r.kind = 'raise' AND EXISTS (SELECT 1 FROM lease)"
    "  ON CONFLICT (rule, instance_id, level) DO NOTHING"
    "  RETURNING alert_id"
    "), resolved AS ("
    "  UPDATE mashwatch.alerts a SET resolved_at = to_timestamp(x.resolved_at),"
    "    resolution = x.resolution,"
    "    stopped_at = coalesce(to_timestamp(x.stopped_at), a.stopped_at)"
    "  FROM x WHERE x.kind = 'resolve' AND a.rule = x.rule"
    "    AND a.instance_id = x.instance_id AND a.resolved_at IS NULL"
    "    AND EXISTS (SELECT 1 FROM lease)"
    "  RETURNING a.alert_id"
    "), outbox AS ("
    "  INSERT INTO mashwatch.notifications (alert_id, event, backlog)"
    "  SELECT alert_id, 'raised', $3::bool FROM raised"
    "  UNION ALL SELECT alert_id, 'resolved', $3::bool FROM resolved"
    "  RETURNING 1"
    ") SELECT (SELECT count(*) FROM lease), (SELECT count(*) FROM raised),"
    "  (SELECT count(*) FROM resolved), (SELECT count(*) FROM outbox),"
    "  pg_notify('mashwatch_outbox', '')";

struct store *
store_new(struct pgconn *state, const char *holder, int lease_ttl)
{
	struct store *s = xcalloc(1, sizeof(*s));

	s->state = state;
	s->holder = xstrdup(holder);
	snprintf(s->ttl, sizeof(s->ttl), "%d", lease_ttl);
	s->tail = &s->head;
	return s;
}

void
store_discard(struct store *s)
{
	struct batch *b, *next;

	for (b = s->head; b != NULL; b = next) {
		next = b->next;
		free(b->json);
		free(b);
	}
	s->head = NULL;
	s->tail = &s->head;
	s->queued = 0;
}

void
store_free(struct store *s)
{
	if (s == NULL)
		return;
	store_discard(s);
	free(s->holder);
	free(s);
}

size_t
store_queued(const struct store *s)
{
	return s->queued;
}

void
store_on_lost(struct store *s, void (*cb)(void *), void *arg)
{
	s->lost_cb = cb;
	s->lost_arg = arg;
}

void
store_on_refused(struct store *s, void (*cb)(void *), void *arg)
{
	s->refused_cb = cb;
	s->refused_arg = arg;
}

void
store_on_drained(struct store *s, void (*cb)(void *), void *arg)
{
	s->drained_cb = cb;
	s->drained_arg = arg;
}

static json_t *
json_time(int64_t t)
{
	return t == TIME_NONE ? json_null() : json_integer(t);
}

static json_t *
json_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void store_kick(struct store *s);

static void
store_written(void *arg, PGresult *res)
{
	struct store *s = arg;
	struct batch *b = s->head;

	s->writing = false;
	if (res == NULL)
		return;		/* connection lost: kept; sent again when it is back */
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		/*
		 * Refused: the model already counts these as fired, so dropping
		 * the batch would lose them.  Drop everything queued and let the
		 * engine rebuild from the store, which fires them again.
		 */
		log_err("alert store: a batch of %zu transitions was refused: %s; "
		    "rebuilding from the alert store", b->n,
		    pg_primary_message(res));
		store_discard(s);
		if (s->refused_cb)
			s->refused_cb(s->refused_arg);
		return;
	} else if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
		log_warnx("alert store: the leader lease is no longer ours; "
		    "standing down");
		store_discard(s);
		if (s->lost_cb)
			s->lost_cb(s->lost_arg);
		return;
	} else
		log_info("alerts: %s raised, %s resolved",
		    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	s->head = b->next;
	if (s->head == NULL)
		s->tail = &s->head;
	s->queued -= b->n;
	free(b->json);
	free(b);
	store_kick(s);
}

static void
store_kick(struct store *s)
{
	const char *params[3];

	if (s->writing)
		return;
	if (s->head == NULL) {
		if (s->drained_cb)
			s->drained_cb(s->drained_arg);
		return;
	}
	if (!pgconn_is_up(s->state))
		return;
	params[0] = s->head->json;
	params[1] = s->holder;
	params[2] = s->head->backlog ? "true" : "false";
	if (pgconn_query(s->state, store_write_sql, 3, params, store_written,
	    s) == 0)
		s->writing = true;
}

void
store_write(struct store *s, struct transition *v, size_t n)
{
	for (size_t at = 0; at < n; at += BATCH_MAX) {
		size_t end = at + BATCH_MAX < n ? at + BATCH_MAX : n;
		json_t *arr = json_array();
		struct batch *b;

		for (size_t i = at; i < end; i++) {
			const struct transition *t = &v[i];
			json_array_append_new(arr, json_pack(
			    "{s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,"
			    "s:o,s:o,s:o,s:o}",
			    "ord", (json_int_t)(i - at),
			    "kind", t->kind == TR_RAISE ? "raise" : "resolve",
			    "rule", t->rule,
			    "instance_id", t->instance_id,
			    "level", json_str(t->kind == TR_RAISE ?
				alert_level_name(t->level) : NULL),
			    "child_id", json_str(t->child_id),
			    "team_id", json_str(t->team_id),
			    "worker_id", json_str(t->worker_id),
			    "priority", json_str(t->priority),
			    "started_at", json_time(t->started_at),
			    "due_at", json_time(t->due_at),
			    "fired_at", json_time(t->fired_at),
			    "stopped_at", json_time(t->stopped_at),
			    "resolution", json_str(t->resolution),
			    "resolved_at", json_time(t->resolved_at),
			    "detail", json_str(t->detail)));
		}
		b = xcalloc(1, sizeof(*b));
		b->json = json_dumps(arr, JSON_COMPACT);
		b->n = end - at;
		b->backlog = s->backlog;
		json_decref(arr);
		if (b->json == NULL)
			fatalx("alert store: cannot encode a batch");
		*s->tail = b;
		s->tail = &b->next;
		s->queued += b->n;
	}
	transition_free_array(v, n);
	store_kick(s);
}

/* The lease. */

static void
store_leased(void *arg, PGresult *res)
{
	struct store *s = arg;
	bool held = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1;
	void (*cb)(void *, bool) = s->lease_cb;

	/* A standby asks every second: say so once per spell of errors. */
	if (res != NULL && PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (!s->lease_failing)
			log_err("leader lease: %s", pg_primary_message(res));
		else
			log_debug("leader lease: still %s",
			    pg_primary_message(res));
		s->lease_failing = true;
	} else if (res != NULL)
		s->lease_failing = false;
	s->lease_cb = NULL;
	if (cb)
		cb(s->lease_arg, held);
	if (held)
		store_kick(s);
}

int
store_lease(struct store *s, void (*cb)(void *arg, bool held), void *arg)
{
	const char *params[2] = { s->holder, s->ttl };

	if (s->lease_cb != NULL)
		return 0;	/* one in flight already */
	s->lease_cb = cb;
	s->lease_arg = arg;
	if (pgconn_query(s->state,
	    "INSERT INTO mashwatch.leases AS l (name, holder, expires_at) "
	    "VALUES ('leader', $1, now() + make_interval(secs => $2::int)) "
	    "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
	    "expires_at = excluded.expires_at, acquired_at = CASE "
	    "WHEN l.holder = excluded.holder THEN l.acquired_at ELSE now() END "
	    "WHERE l.holder = excluded.holder OR l.expires_at < now() "
	    "RETURNING holder", 2, params, store_leased, s) < 0) {
		s->lease_cb = NULL;
		return -1;
	}
	return 0;
}

static void
store_released(void *arg, PGresult *res)
{
	struct store *s = arg;
	void (*cb)(void *) = s->release_cb;

	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK)
		log_info("leader lease released");
	s->release_cb = NULL;
	if (cb)
		cb(s->release_arg);
}

int
store_release(struct store *s, void (*cb)(void *arg), void *arg)
{
	const char *params[1] = { s->holder };

	s->release_cb = cb;
	s->release_arg = arg;
	if (pgconn_query(s->state, "DELETE FROM mashwatch.leases "
	    "WHERE name = 'leader' AND holder = $1", 1, params, store_released,
	    s) < 0) {
		s->release_cb = NULL;
		return -1;
	}
	return 0;
}

/* What has fired already: unresolved alerts, and repeats still in a window. */

static void
store_fired_loaded(void *arg, PGresult *res)
{
	struct store *s = arg;
	struct fired_key *v = NULL;
	size_t n = 0;
	bool ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;

	if (res != NULL && !ok)
		log_err("alert store: cannot read open alerts: %s",
		    pg_primary_message(res));
	if (ok) {
		n = (size_t)PQntuples(res);
		v = xcalloc(n + 1, sizeof(*v));
		for (size_t i = 0; i < n; i++) {
			v[i].rule = xstrdup(PQgetvalue(res, (int)i, 0));
			v[i].instance_id = xstrdup(PQgetvalue(res, (int)i, 1));
			v[i].level = alert_level_parse(PQgetvalue(res, (int)i, 2));
		}
	}
	s->fired_cb(s->fired_arg, ok, v, n);
}

int
store_load_fired(struct store *s,
    void (*cb)(void *arg, bool ok, struct fired_key *v, size_t n), void *arg)
{
	s->fired_cb = cb;
	s->fired_arg = arg;
	return pgconn_query(s->state, "SELECT rule, instance_id, level "
	    "FROM mashwatch.alerts "
	    "WHERE rule NOT IN ('address', 'caseload') AND "
	    "((resolved_at IS NULL AND level <> 'repeat') "
	    "OR (level = 'repeat' AND fired_at > now() - interval '13 months'))",
	    0, NULL, store_fired_loaded, s);
}

void
store_fired_free(struct fired_key *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].rule);
		free(v[i].instance_id);
	}
	free(v);
}

void
store_set_backlog(struct store *s, bool backlog)
{
	s->backlog = backlog;
}

static void
store_golive_answered(void *arg, PGresult *res)
{
	struct store *s = arg;
	void (*cb)(void *, bool) = s->golive_cb;
	bool first = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1;

	if (res != NULL && PQresultStatus(res) != PGRES_TUPLES_OK)
		log_err("alert store: cannot record go-live: %s",
		    pg_primary_message(res));
	s->golive_cb = NULL;
	if (cb)
		cb(s->golive_arg, first);
}

int
store_golive(struct store *s, void (*cb)(void *arg, bool first), void *arg)
{
	const char *params[1] = { s->holder };

	s->golive_cb = cb;
	s->golive_arg = arg;
	if (pgconn_query(s->state, "INSERT INTO mashwatch.golive (went_live_at, "
	    "holder) VALUES (now(), $1) ON CONFLICT (id) DO NOTHING "
	    "RETURNING 1", 1, params, store_golive_answered, s) < 0) {
		s->golive_cb = NULL;
		return -1;
	}
	return 0;
}

bool
store_lease_failing(const struct store *s)
{
	return s->lease_failing;
}
