/*
 * What the board reads besides the model, kept fresh while anyone looks:
 * the unresolved alerts and their acknowledgements from mashwatch.alerts
 * (at once after an alert fires or resolves or an acknowledgement is made
 * on the board, else every ALERTS_EVERY seconds, so that one made with
 * mashwatchctl shows too), and the source's teams and caseloads every
 * AUX_EVERY seconds.  All of it is read asynchronously on the daemon's own
 * connections; a failed read is logged and the last good copy kept.
 */
#include <ctype.h>
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

const struct team_addr *
board_team_addr(const struct board *b, const char *team_id)
{
	for (size_t i = 0; i < b->nteams; i++)
		if (strcmp(b->teams[i].team_id, team_id) == 0)
			return &b->teams[i];
	return NULL;
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
		a->silence_id = PQgetisnull(res, r, 9) ? 0 :
		    strtoll(PQgetvalue(res, r, 9), NULL, 10);
		a->silenced_until = epoch_of(res, r, 10);
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
	    "ack_note, extract(epoch FROM ack_until), s.silence_id, "
	    "extract(epoch FROM s.ends_at) FROM mashwatch.alerts a "
	    "LEFT JOIN LATERAL (SELECT silence_id, ends_at "
	    "  FROM mashwatch.silences s WHERE s.clock = a.rule"
	    "  AND (s.team_id IS NULL OR s.team_id = a.team_id)"
	    "  AND s.expired_at IS NULL AND s.starts_at <= now()"
	    "  AND s.ends_at > now() ORDER BY s.ends_at DESC LIMIT 1) s ON true "
	    "WHERE resolved_at IS NULL AND level <> 'data_quality' "
	    "ORDER BY alert_id", 0, NULL, board_alerts_read, b) == 0)
		b->alerts_busy = true;
}

static void
team_addrs_clear(struct team_addr *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].team_id);
		free(v[i].name);
		free(v[i].addrs);
	}
	free(v);
}

/* ",a@x,b@y," in lower case, from a list separated by commas or semicolons. */
static char *
addr_set(const char *a, const char *b)
{
	size_t n = (a ? strlen(a) : 0) + (b ? strlen(b) : 0) + 4;
	char *out = xmalloc(n), *o = out;
	const char *src[2] = { a, b };

	*o++ = ',';
	for (int k = 0; k < 2; k++) {
		if (o[-1] != ',')
			*o++ = ',';
		for (const char *p = src[k]; p != NULL && *p != '\0'; p++) {
			if (*p == ';' || *p == ',' || isspace((unsigned char)*p)) {
				if (o[-1] != ',')
					*o++ = ',';
			} else
				*o++ = (char)tolower((unsigned char)*p);
		}
	}
	if (o[-1] != ',')
		*o++ = ',';
	*o = '\0';
	return out;
}

static void
board_aux_done(struct board *b)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	if (--b->aux_busy > 0)
		return;
	if (b->new_teams != NULL || b->new_nteams == 0) {
		team_addrs_clear(b->teams, b->nteams);
		b->teams = b->new_teams;
		b->nteams = b->new_nteams;
		b->new_teams = NULL;
		b->new_nteams = 0;
	}
	for (size_t i = 0; i < b->nteams; i++) {
		h = board_hash_str(h, b->teams[i].team_id);
		h = board_hash_str(h, b->teams[i].name);
		h = board_hash_str(h, b->teams[i].addrs);
	}
	for (size_t i = 0; i < b->ncaseloads; i++) {
		h = board_hash_str(h, b->caseloads[i].worker_id);
		h = board_hash_str(h, b->caseloads[i].team_id);
		h = board_hash_mix(h, &b->caseloads[i].open_cases, sizeof(int));
	}
	b->aux_gen = h;
	b->aux_at = engine_now();
	if (!b->aux_loaded)
		log_info("board: serving; %zu teams read", b->nteams);
	b->aux_loaded = true;
}

static void
board_teams_read(void *arg, PGresult *res)
{
	struct board *b = arg;

	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK) {
		int n = PQntuples(res);

		b->new_teams = xcalloc((size_t)n + 1, sizeof(*b->new_teams));
		b->new_nteams = (size_t)n;
		for (int r = 0; r < n; r++) {
			b->new_teams[r].team_id = xstrdup(PQgetvalue(res, r, 0));
			b->new_teams[r].name = str_or_null(res, r, 1);
			b->new_teams[r].addrs = addr_set(PQgetisnull(res, r,
			    2) ? NULL : PQgetvalue(res, r, 2),
			    PQgetisnull(res, r, 3) ? NULL :
			    PQgetvalue(res, r, 3));
		}
	} else if (res != NULL)
		log_warnx("board: cannot read the teams: %s",
		    pg_primary_message(res));
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
	/* The schema is a CONF_IDENT, validated at load: safe to interpolate. */
	sql = xasprintf("SELECT team_id, name, manager_email, escalation_email "
	    "FROM %s.teams WHERE team_id IS NOT NULL ORDER BY team_id",
	    b->cfg->source.schema);
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
	team_addrs_clear(b->teams, b->nteams);
	team_addrs_clear(b->new_teams, b->new_nteams);
	b->teams = b->new_teams = NULL;
	b->nteams = b->new_nteams = 0;
	free(b->caseloads);
	b->caseloads = NULL;
	board_arena_free(b->aux_arena);
	b->aux_arena = NULL;
}
