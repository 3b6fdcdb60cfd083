/*
 * What the board reads besides the model, kept fresh while anyone looks:
 * the unresolved alerts and their acknowledgements from mashwatch.alerts
 * (at once after an alert fires or resolves or an acknowledgement is made
 * on the board, else every ALERTS_EVERY seconds, so that one made with
 * mashwatchctl shows too), and the source's teams and caseloads every
 * AUX_EVERY seconds.  All of it is read asynchronously on the daemon's own
 * connections; a failed read is logged and the last good copy kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "mashwatch/strmap.h"
#include "mashwatch/xmalloc.h"

#include "board_impl.h"
#include "engine.h"
#include "engine_clock.h"
#include "log.h"
#include "pg.h"
#include "source.h"

static int
caseload_cmp(const void *pa, const void *pb)
{
	const struct board_caseload *a = pa, *b = pb;
	int r = board_team_cmp(a->team_id, b->team_id);

	if (r != 0)
		return r;
	if (a->open_cases != b->open_cases)
		return a->open_cases > b->open_cases ? -1 : 1;
	return strcmp(a->worker_id, b->worker_id);
}

const struct team_list *
board_routing(const struct board *b)
{
	return b->teams_loaded ? &b->teams : NULL;
}

const char *
board_routing_note(const struct board *b, int64_t now, char *buf,
    size_t len)
{
	if (b == NULL || !b->cfg->http.board)
		return NULL;
	if (!b->teams_loaded) {
		snprintf(buf, len, "routing: %s.teams not read yet; only admins "
		    "see the board", b->cfg->source.schema);
		return buf;
	}
	if (!b->teams_stale)
		return NULL;
	snprintf(buf, len, "routing: %s.teams unreadable for %lld s; the "
	    "last good routing, read %lld s ago, stays in force",
	    b->cfg->source.schema, (long long)(now - b->teams_failed_at),
	    (long long)(now - b->teams_read_at));
	return buf;
}

static void
alert_free(void *arg, const char *key, size_t len, void *value)
{
	struct board_alert *a = value;

	(void)arg;
	(void)key;
	(void)len;
	free(a->team_id);
	free(a->acked_by);
	free(a->note);
	free(a->reason);
	free(a);
}

static void
hash_free(void *arg, const char *key, size_t len, void *value)
{
	(void)arg;
	(void)key;
	(void)len;
	free(value);
}

/* Free a map of team id -> alerts hash. */
static void
board_alert_teams_free(struct strmap *m)
{
	if (m != NULL)
		strmap_foreach(m, hash_free, NULL);
	strmap_free(m);
}

static void
alerts_clear(struct strmap *m)
{
	if (m == NULL)
		return;
	strmap_foreach(m, alert_free, NULL);
	strmap_free(m);
}

static int64_t
epoch_of(PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? TIME_NONE :
	    (int64_t)strtod(PQgetvalue(res, r, c), NULL);
}

static char *
str_or_null(PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? NULL : xstrdup(PQgetvalue(res, r, c));
}

static void
board_alerts_read(void *arg, PGresult *res)
{
	struct board *b = arg;
	struct strmap *m, *teams;
	uint64_t h = 0xcbf29ce484222325ULL;
	char key[2 * MODEL_MAX_ID + 80];

	b->alerts_busy = false;
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_warnx("board: cannot read the alerts: %s",
			    pg_primary_message(res));
		return;
	}
	m = strmap_new();
	teams = strmap_new();
	for (int r = 0; r < PQntuples(res); r++) {
		struct board_alert *a, *old;
		int level = alert_level_parse(PQgetvalue(res, r, 3));
		int n = snprintf(key, sizeof(key), "%s\x1f%s",
		    PQgetvalue(res, r, 1), PQgetvalue(res, r, 2));
		const char *team = PQgetvalue(res, r, 4);
		uint64_t row = 0, *th;

		if (n < 0 || (size_t)n >= sizeof(key) || level < 0)
			continue;
		for (int c = 0; c < PQnfields(res); c++)
			row = board_hash_str(row, PQgetisnull(res, r, c) ?
			    NULL : PQgetvalue(res, r, c));
		h = board_hash_mix(h, &row, sizeof(row));
		/* Each team's too: its section is drawn again on its own. */
		if ((th = strmap_get(teams, team, strlen(team))) == NULL) {
			th = xcalloc(1, sizeof(*th));
			strmap_put(teams, team, strlen(team), th);
		}
		*th = board_hash_mix(*th, &row, sizeof(row));
		old = strmap_get(m, key, (size_t)n);
		if (old != NULL && old->level >= level)
			continue;
		a = xcalloc(1, sizeof(*a));
		a->alert_id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
		a->level = level;
		a->team_id = xstrdup(PQgetvalue(res, r, 4));
		a->acked_by = str_or_null(res, r, 5);
		a->acked_at = epoch_of(res, r, 6);
		a->note = str_or_null(res, r, 7);
		a->until = epoch_of(res, r, 8);
		a->reason = str_or_null(res, r, 9);
		a->silence_id = PQgetisnull(res, r, 10) ? 0 :
		    strtoll(PQgetvalue(res, r, 10), NULL, 10);
		a->silenced_until = epoch_of(res, r, 11);
		strmap_put(m, key, (size_t)n, a);
		if (old != NULL)
			alert_free(NULL, NULL, 0, old);
	}
	alerts_clear(b->alerts);
	b->alerts = m;
	board_alert_teams_free(b->alert_teams);
	b->alert_teams = teams;
	b->alerts_gen = h;
	b->alerts_at = engine_now();
}

void
board_alerts_refresh(struct board *b)
{
	struct pgconn *state = engine_state_conn(b->engine);
	const struct engine_stats *st = engine_stats(b->engine);

	if (b->alerts_busy || state == NULL || !pgconn_is_up(state))
		return;
	b->alerts_stamp = st->raised + st->resolved;
	b->alerts_dirty = false;
	/* The active silence that ends last, marked on the board. */
	if (pgconn_query(state, "SELECT alert_id, rule, instance_id, level, "
	    "coalesce(team_id, ''), acked_by, extract(epoch FROM acked_at), "
	    "ack_note, extract(epoch FROM ack_until), ack_reason, "
	    "s.silence_id, extract(epoch FROM s.ends_at) "
	    "FROM mashwatch.alerts a "
	    "LEFT JOIN LATERAL (SELECT silence_id, ends_at "
	    "  FROM mashwatch.silences s WHERE s.clock = a.rule"
	    "  AND (s.team_id IS NULL OR s.team_id = a.team_id)"
	    "  AND s.expired_at IS NULL AND s.starts_at <= now()"
	    "  AND s.ends_at > now() ORDER BY s.ends_at DESC LIMIT 1) s ON true "
	    "WHERE resolved_at IS NULL AND level <> 'data_quality' "
	    "ORDER BY alert_id", 0, NULL, board_alerts_read, b) == 0)
		b->alerts_busy = true;
}

/*
 * Both reads answered.  The teams are replaced only by a good read: a
 * failed one keeps the last good routing in force (never an empty one,
 * which would hand every team to the default route), and says so once.
 */
static void
board_aux_done(struct board *b)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int64_t now = engine_now();

	if (--b->aux_busy > 0)
		return;
	if (b->new_teams_ok) {
		team_list_clear(&b->teams);
		b->teams = b->new_teams;
		memset(&b->new_teams, 0, sizeof(b->new_teams));
		if (!b->teams_loaded)
			log_info("board: serving; %zu teams read", b->teams.n);
		else if (b->teams_stale)
			log_info("board: %zu teams read again; the routing is "
			    "current", b->teams.n);
		b->teams_loaded = true;
		b->teams_stale = false;
		b->teams_read_at = now;
	} else {
		team_list_clear(&b->new_teams);
		if (!b->teams_stale)
			b->teams_failed_at = now;
		b->teams_stale = true;
	}
	b->new_teams_ok = false;
	for (size_t i = 0; i < b->teams.n; i++) {
		const struct team *t = &b->teams.v[i];

		h = board_hash_str(h, t->id);
		h = board_hash_str(h, t->name);
		for (size_t j = 0; j < t->manager.n; j++)
			h = board_hash_str(h, t->manager.v[j]);
		h = board_hash_str(h, "\x1f");
		for (size_t j = 0; j < t->escalation.n; j++)
			h = board_hash_str(h, t->escalation.v[j]);
	}
	for (size_t i = 0; i < b->ncaseloads; i++) {
		h = board_hash_str(h, b->caseloads[i].worker_id);
		h = board_hash_str(h, b->caseloads[i].team_id);
		h = board_hash_mix(h, &b->caseloads[i].open_cases, sizeof(int));
	}
	b->aux_gen = h;
	b->aux_at = now;
	b->aux_loaded = true;
}

static void
board_teams_read(void *arg, PGresult *res)
{
	struct board *b = arg;

	team_list_clear(&b->new_teams);
	b->new_teams_ok = source_routing_decode(res, &b->cfg->notify.domains,
	    &b->new_teams) == 0;
	if (!b->new_teams_ok && res != NULL && !b->teams_stale)
		log_warnx("board: cannot read the teams: %s; %s",
		    pg_primary_message(res), b->teams_loaded ? "the last good "
		    "routing stays in force" : "only admins see the board "
		    "until it can be read");
	board_aux_done(b);
}

static void
board_caseloads_read(void *arg, PGresult *res)
{
	struct board *b = arg;

	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK) {
		int n = PQntuples(res);

		free(b->caseloads);
		board_arena_free(b->aux_arena);
		b->aux_arena = NULL;
		b->caseloads = xcalloc((size_t)n + 1, sizeof(*b->caseloads));
		b->ncaseloads = (size_t)n;
		for (int r = 0; r < n; r++) {
			b->caseloads[r].worker_id = board_arena_strdup(&b->aux_arena,
			    PQgetvalue(res, r, 0));
			b->caseloads[r].team_id = board_arena_strdup(&b->aux_arena,
			    PQgetvalue(res, r, 1));
			b->caseloads[r].open_cases = atoi(PQgetvalue(res, r, 2));
		}
		if (n > 1)
			qsort(b->caseloads, (size_t)n, sizeof(*b->caseloads),
			    caseload_cmp);
	} else if (res != NULL)
		log_warnx("board: cannot read the caseloads: %s",
		    pg_primary_message(res));
	board_aux_done(b);
}

void
board_aux_refresh(struct board *b)
{
	struct pgconn *src = engine_source_conn(b->engine);
	char *sql, amber[16];
	const char *params[1] = { amber };

	if (b->aux_busy > 0 || src == NULL || !pgconn_is_up(src))
		return;
	b->aux_at = engine_now();
	sql = source_routing_sql(b->cfg->source.schema);
	if (pgconn_query(src, sql, 0, NULL, board_teams_read, b) == 0)
		b->aux_busy++;
	free(sql);
	snprintf(amber, sizeof(amber), "%d", b->cfg->caseloads.amber);
	sql = xasprintf("SELECT worker_id, coalesce(team_id, ''), open_cases "
	    "FROM %s.caseloads WHERE worker_id IS NOT NULL AND open_cases >= "
	    "$1::int", b->cfg->source.schema);
	if (pgconn_query(src, sql, 1, params, board_caseloads_read, b) == 0)
		b->aux_busy++;
	free(sql);
}

/* While someone looks, keep the alerts and the teams fresh. */
void
board_tick(evutil_socket_t fd, short what, void *arg)
{
	struct board *b = arg;
	const struct engine_stats *st = engine_stats(b->engine);
	int64_t now = engine_now();

	(void)fd;
	(void)what;
	if (!b->cfg->http.board)
		return;
	/* Who may see which team must be known before anyone asks. */
	if (now - b->aux_at >= AUX_EVERY)
		board_aux_refresh(b);
	if (now - b->looked_at > LOOKING_FOR)
		return;
	if (b->alerts_dirty || b->alerts == NULL ||
	    st->raised + st->resolved != b->alerts_stamp ||
	    now - b->alerts_at >= ALERTS_EVERY)
		board_alerts_refresh(b);
}

/* Free the alerts, teams and caseloads b holds (not b itself). */
void
board_refresh_free(struct board *b)
{
	alerts_clear(b->alerts);
	b->alerts = NULL;
	board_alert_teams_free(b->alert_teams);
	b->alert_teams = NULL;
	team_list_clear(&b->teams);
	team_list_clear(&b->new_teams);
	b->teams_loaded = false;
	free(b->caseloads);
	b->caseloads = NULL;
	board_arena_free(b->aux_arena);
	b->aux_arena = NULL;
}
