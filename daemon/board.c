/*
 * The board's data, access control and handlers.  The page itself is
 * drawn by board_html.c.
 *
 * Requests are served from a snapshot of the open clock instances sorted
 * per team, oldest due first, rebuilt only when the model may have changed
 * (a poll, an alert raised or resolved) or a minute has passed, so that 50
 * browsers polling at once cost one walk of the model, not fifty.  The
 * acknowledgements come from mashwatch.alerts, re-read while anyone looks
 * at the board: at once after an alert fires or resolves or an
 * acknowledgement is made here, else every ALERTS_EVERY seconds (so that
 * one made with mashwatchctl shows too).  Teams and caseloads come from the
 * source views every AUX_EVERY seconds.
 */
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "mashwatch/mail.h"
#include "mashwatch/strmap.h"
#include "mashwatch/xmalloc.h"

#include "ack.h"
#include "board_impl.h"
#include "engine.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"

#define ALERTS_EVERY	10	/* seconds between reads of the alerts, at most */
#define AUX_EVERY	30	/* ... of mash.teams and mash.caseloads */
#define LOOKING_FOR	60	/* seconds after a request that we keep reading */
#define CSRF_MAX	4096	/* users with a token; more start afresh */
#define ACK_NOTE_MAX	1000	/* bytes of an acknowledgement's note */

/* Strings of one snapshot, carved from 64 KB blocks, freed at once. */
struct board_arena {
	struct board_arena	*next;
	size_t			 used, size;
	char			 data[];
};

struct team_addr {
	char		*team_id;
	char		*name;
	char		*addrs;		/* manager and escalation, lower case, ",a,b," */
};

struct board {
	struct event_base	*base;
	struct engine		*engine;
	const struct config	*cfg;
	const struct calendar	*cal;
	struct board_snap	*snap;
	int64_t			 looked_at;	/* last request */

	struct strmap		*alerts;	/* "rule\x1finstance" -> board_alert */
	uint64_t		 alerts_gen;	/* content hash of the last read */
	uint64_t		 alerts_stamp;	/* engine raised+resolved when read */
	int64_t			 alerts_at;
	bool			 alerts_busy;
	bool			 alerts_dirty;	/* an ack here: read again soon */

	struct team_addr	*teams;		/* mash.teams */
	size_t			 nteams;
	struct board_caseload	*caseloads;
	size_t			 ncaseloads;
	struct board_arena	*aux_arena;
	uint64_t		 aux_gen;
	bool			 aux_loaded;
	int64_t			 aux_at;
	int			 aux_busy;	/* queries in flight */
	struct team_addr	*new_teams;	/* being read */
	size_t			 new_nteams;

	struct event		*ev_tick;
	struct strmap		*csrf;		/* user -> token */
	struct ack		*acks;		/* in flight */
};

/* An acknowledgement waiting for the state database. */
struct ack {
	struct board		*b;
	struct evhttp_request	*req;
	struct board_hold	 hold;
	uint64_t		 held;
	char			*alert;
	struct ack		*next;
	bool			 json;
};

static void *
arena_alloc(struct board_arena **a, size_t n)
{
	struct board_arena *blk = *a;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (blk == NULL || blk->used + n > blk->size) {
		size_t size = n > 65536 ? n : 65536;

		blk = xmalloc(sizeof(*blk) + size);
		blk->size = size;
		blk->used = 0;
		blk->next = *a;
		*a = blk;
	}
	p = blk->data + blk->used;
	blk->used += n;
	return p;
}

static const char *
arena_strdup(struct board_arena **a, const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	p = arena_alloc(a, n);
	memcpy(p, s, n);
	return p;
}

static void
arena_free(struct board_arena *a)
{
	while (a != NULL) {
		struct board_arena *next = a->next;

		free(a);
		a = next;
	}
}

static uint64_t
hash_mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
hash_str(uint64_t h, const char *s)
{
	return hash_mix(h, s ? s : "\x01", s ? strlen(s) + 1 : 1);
}

/* The snapshot. */

static void
snap_free(struct board_snap *s)
{
	if (s == NULL)
		return;
	free(s->items);
	for (size_t i = 0; i < s->nteams; i++)
		free(s->teams[i].counts);
	free(s->teams);
	free(s->others);
	free(s->caseloads);
	arena_free(s->arena);
	free(s);
}

struct collect {
	struct board_snap	*s;
	size_t			 cap, ocap;
};

static void
collect_clock(void *arg, const struct clock_view *v)
{
	struct collect *c = arg;
	struct board_snap *s = c->s;
	struct board_item *it;
	const struct timescale *lim;

	if (v->state > CS_ESCALATED)
		return;
	if (s->nitems == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		s->items = xreallocarray(s->items, c->cap, sizeof(*s->items));
	}
	it = &s->items[s->nitems++];
	it->clock = v->clock;
	it->instance_id = arena_strdup(&s->arena, v->instance_id);
	it->child_id = arena_strdup(&s->arena, v->child_id);
	it->team_id = arena_strdup(&s->arena, v->team_id ? v->team_id : "");
	it->worker_id = arena_strdup(&s->arena, v->worker_id);
	it->priority = arena_strdup(&s->arena, v->priority);
	it->started_at = v->started_at;
	it->due_at = v->due_at;
	lim = config_clock_limit(v->clock, v->priority);
	if (lim == NULL)
		lim = &v->clock->limit;
	it->hourly = lim->unit == TS_HOURS;
	it->state = v->state;
}

static struct board_other *
other_add(struct collect *c)
{
	struct board_snap *s = c->s;

	if (s->nothers == c->ocap) {
		c->ocap = c->ocap ? c->ocap * 2 : 64;
		s->others = xreallocarray(s->others, c->ocap,
		    sizeof(*s->others));
	}
	return memset(&s->others[s->nothers++], 0, sizeof(*s->others));
}

static void
collect_repeat(void *arg, const struct repeat_view *v)
{
	struct collect *c = arg;
	struct board_other *o = other_add(c);

	o->rule = arena_strdup(&c->s->arena, v->rule->name);
	o->label = v->rule->label ? arena_strdup(&c->s->arena, v->rule->label) :
	    o->rule;
	o->instance_id = arena_strdup(&c->s->arena, v->child_id);
	o->child_id = o->instance_id;
	o->team_id = arena_strdup(&c->s->arena, v->team_id ? v->team_id : "");
	o->count = v->count;
}

static void
collect_check(void *arg, const struct check_view *v)
{
	struct collect *c = arg;
	struct board_other *o = other_add(c);

	o->rule = arena_strdup(&c->s->arena, v->check->name);
	o->label = v->check->label ? arena_strdup(&c->s->arena,
	    v->check->label) : o->rule;
	o->instance_id = arena_strdup(&c->s->arena, v->instance_id);
	o->child_id = arena_strdup(&c->s->arena, v->child_id);
	o->team_id = arena_strdup(&c->s->arena, v->team_id ? v->team_id : "");
	o->at = v->occurred_at;
}

/* By team ("" last), then due, start, clock and instance. */
static int
team_cmp(const char *a, const char *b)
{
	if (*a == '\0' || *b == '\0')
		return (*a == '\0') - (*b == '\0');
	return strcmp(a, b);
}

static int
item_cmp(const void *pa, const void *pb)
{
	const struct board_item *a = pa, *b = pb;
	int r = team_cmp(a->team_id, b->team_id);

	if (r != 0)
		return r;
	if (a->due_at != b->due_at)
		return a->due_at < b->due_at ? -1 : 1;
	if (a->started_at != b->started_at)
		return a->started_at < b->started_at ? -1 : 1;
	if ((r = strcmp(a->clock->name, b->clock->name)) != 0)
		return r;
	return strcmp(a->instance_id, b->instance_id);
}

/* Repeats before checks, then by team, most events first, then child. */
static int
other_cmp(const void *pa, const void *pb)
{
	const struct board_other *a = pa, *b = pb;
	int r;

	if ((a->at == 0) != (b->at == 0))
		return a->at == 0 ? -1 : 1;
	if ((r = team_cmp(a->team_id, b->team_id)) != 0)
		return r;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if ((r = strcmp(a->rule, b->rule)) != 0)
		return r;
	return strcmp(a->instance_id, b->instance_id);
}

static int
caseload_cmp(const void *pa, const void *pb)
{
	const struct board_caseload *a = pa, *b = pb;
	int r = team_cmp(a->team_id, b->team_id);

	if (r != 0)
		return r;
	if (a->open_cases != b->open_cases)
		return a->open_cases > b->open_cases ? -1 : 1;
	return strcmp(a->worker_id, b->worker_id);
}

static const struct team_addr *
board_team_addr(const struct board *b, const char *team_id)
{
	for (size_t i = 0; i < b->nteams; i++)
		if (strcmp(b->teams[i].team_id, team_id) == 0)
			return &b->teams[i];
	return NULL;
}

static struct board_team *
snap_team(struct board_snap *s, const struct board *b, const char *team_id)
{
	struct board_team *t;
	const struct team_addr *ta;
	size_t lo = 0, hi = s->nteams;

	/* Teams are added in order, so the last is the one to look at first. */
	if (s->nteams > 0 && strcmp(s->teams[s->nteams - 1].team_id,
	    team_id) == 0)
		return &s->teams[s->nteams - 1];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = team_cmp(s->teams[mid].team_id, team_id);

		if (r == 0)
			return &s->teams[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	s->teams = xreallocarray(s->teams, s->nteams + 1, sizeof(*s->teams));
	memmove(&s->teams[lo + 1], &s->teams[lo],
	    (s->nteams - lo) * sizeof(*s->teams));
	s->nteams++;
	t = memset(&s->teams[lo], 0, sizeof(*t));
	t->team_id = arena_strdup(&s->arena, team_id);
	ta = board_team_addr(b, team_id);
	if (ta != NULL && ta->name != NULL && *ta->name != '\0')
		t->name = arena_strdup(&s->arena, ta->name);
	t->counts = xcalloc(b->cfg->nclocks ? b->cfg->nclocks : 1,
	    sizeof(*t->counts));
	for (size_t i = 0; i < b->cfg->nclocks; i++)
		t->counts[i].clock = &b->cfg->clocks[i];
	return t;
}

static size_t
clock_index(const struct config *cfg, const struct clock_conf *c)
{
	return (size_t)(c - cfg->clocks);
}

/* What the snapshot is built from: when it changes, build again. */
static uint64_t
board_stamp(const struct board *b, int64_t now)
{
	const struct engine_stats *st = engine_stats(b->engine);
	uint64_t h = 0xcbf29ce484222325ULL, minute = (uint64_t)(now / 60);

	h = hash_mix(h, &st->polls, sizeof(st->polls));
	h = hash_mix(h, &st->raised, sizeof(st->raised));
	h = hash_mix(h, &st->resolved, sizeof(st->resolved));
	h = hash_mix(h, &minute, sizeof(minute));
	h = hash_mix(h, &b->aux_gen, sizeof(b->aux_gen));
	h = hash_mix(h, &b->cfg, sizeof(b->cfg));
	return h;
}

static void
board_build(struct board *b, int64_t now, uint64_t stamp)
{
	const struct model *m = engine_model(b->engine);
	struct board_snap *s = xcalloc(1, sizeof(*s));
	struct collect c = { s, 0, 0 };

	s->at = now;
	s->stamp = stamp;
	model_foreach_clock(m, now, collect_clock, &c);
	model_foreach_repeat(m, now, collect_repeat, &c);
	model_foreach_failed_check(m, collect_check, &c);
	if (s->nitems > 1)
		qsort(s->items, s->nitems, sizeof(*s->items), item_cmp);
	if (s->nothers > 1)
		qsort(s->others, s->nothers, sizeof(*s->others), other_cmp);
	for (size_t i = 0; i < s->nitems; i++) {
		struct board_item *it = &s->items[i];
		struct board_team *t = snap_team(s, b, it->team_id);
		struct board_count *k = &t->counts[clock_index(b->cfg,
		    it->clock)];

		if (t->n == 0)
			t->first = i;
		t->n++;
		k->open++;
		if (it->state == CS_DUE_SOON)
			k->due_soon++;
		else if (it->state == CS_OVERDUE)
			k->overdue++;
		else if (it->state == CS_ESCALATED)
			k->escalated++;
	}
	for (size_t i = 0; i < s->nothers; i++) {
		struct board_team *t = snap_team(s, b, s->others[i].team_id);

		if (s->others[i].at == 0)
			t->nrepeats++;
		else
			t->nchecks++;
	}
	if (b->ncaseloads > 0) {
		s->caseloads = xreallocarray(NULL, b->ncaseloads,
		    sizeof(*s->caseloads));
		for (size_t i = 0; i < b->ncaseloads; i++) {
			s->caseloads[i] = b->caseloads[i];
			s->caseloads[i].worker_id = arena_strdup(&s->arena,
			    b->caseloads[i].worker_id);
			s->caseloads[i].team_id = arena_strdup(&s->arena,
			    b->caseloads[i].team_id);
			snap_team(s, b, s->caseloads[i].team_id)->ncaseloads++;
		}
		s->ncaseloads = b->ncaseloads;
	}
	/* Teams with nothing waiting still get their (empty) section. */
	for (size_t i = 0; i < b->nteams; i++)
		snap_team(s, b, b->teams[i].team_id);
	for (size_t i = 0; i < b->cfg->routes.nteams; i++)
		snap_team(s, b, b->cfg->routes.teams[i].team_id);
	snap_free(b->snap);
	b->snap = s;
}

/* The alerts and the source's teams and caseloads. */

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
	struct strmap *m;
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
	for (int r = 0; r < PQntuples(res); r++) {
		struct board_alert *a, *old;
		int level = alert_level_parse(PQgetvalue(res, r, 3));
		int n = snprintf(key, sizeof(key), "%s\x1f%s",
		    PQgetvalue(res, r, 1), PQgetvalue(res, r, 2));

		if (n < 0 || (size_t)n >= sizeof(key) || level < 0)
			continue;
		for (int c = 0; c < PQnfields(res); c++)
			h = hash_str(h, PQgetisnull(res, r, c) ? NULL :
			    PQgetvalue(res, r, c));
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
		strmap_put(m, key, (size_t)n, a);
		if (old != NULL)
			alert_free(NULL, NULL, 0, old);
	}
	alerts_clear(b->alerts);
	b->alerts = m;
	b->alerts_gen = h;
	b->alerts_at = engine_now();
}

static void
board_alerts_refresh(struct board *b)
{
	struct pgconn *state = engine_state_conn(b->engine);
	const struct engine_stats *st = engine_stats(b->engine);

	if (b->alerts_busy || state == NULL || !pgconn_is_up(state))
		return;
	b->alerts_stamp = st->raised + st->resolved;
	b->alerts_dirty = false;
	if (pgconn_query(state, "SELECT alert_id, rule, instance_id, level, "
	    "coalesce(team_id, ''), acked_by, extract(epoch FROM acked_at), "
	    "ack_note, extract(epoch FROM ack_until) FROM mashwatch.alerts "
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
		h = hash_str(h, b->teams[i].team_id);
		h = hash_str(h, b->teams[i].name);
		h = hash_str(h, b->teams[i].addrs);
	}
	for (size_t i = 0; i < b->ncaseloads; i++) {
		h = hash_str(h, b->caseloads[i].worker_id);
		h = hash_str(h, b->caseloads[i].team_id);
		h = hash_mix(h, &b->caseloads[i].open_cases, sizeof(int));
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
		arena_free(b->aux_arena);
		b->aux_arena = NULL;
		b->caseloads = xcalloc((size_t)n + 1, sizeof(*b->caseloads));
		b->ncaseloads = (size_t)n;
		for (int r = 0; r < n; r++) {
			b->caseloads[r].worker_id = arena_strdup(&b->aux_arena,
			    PQgetvalue(res, r, 0));
			b->caseloads[r].team_id = arena_strdup(&b->aux_arena,
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

static void
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
	    "FROM %s.caseloads WHERE worker_id IS NOT NULL AND open_cases > "
	    "$1::int", b->cfg->source.schema);
	if (pgconn_query(src, sql, 1, params, board_caseloads_read, b) == 0)
		b->aux_busy++;
	free(sql);
}

/* While someone looks, keep the alerts and the teams fresh. */
static void
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

/* Access. */

static bool
addr_in(const struct addresses *a, const char *user)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcasecmp(a->v[i], user) == 0)
			return true;
	return false;
}

static bool
addr_in_set(const char *set, const char *user)
{
	size_t n = strlen(user);
	const char *p = set;

	while (set != NULL && (p = strstr(p, user)) != NULL) {
		if (p[-1] == ',' && p[n] == ',')
			return true;
		p++;
	}
	return false;
}

/*
 * Whether user receives team_id's alerts: the config's routes.teams first,
 * then mash.teams, else the default route, as the notifier routes them.
 */
static bool
board_team_visible(const struct board *b, const char *team_id,
    const char *user)
{
	const struct team_route *tr = *team_id ? config_team_route(b->cfg,
	    team_id) : NULL;
	const struct team_addr *ta = *team_id ? board_team_addr(b, team_id) :
	    NULL;
	bool routed = false;

	if (tr != NULL && (tr->manager.n > 0 || tr->escalation.n > 0)) {
		routed = true;
		if (addr_in(&tr->manager, user) || addr_in(&tr->escalation,
		    user))
			return true;
	}
	if (ta != NULL && strlen(ta->addrs) > 1) {
		routed = true;
		if (addr_in_set(ta->addrs, user))
			return true;
	}
	return !routed && addr_in(&b->cfg->routes.def, user);
}

static bool
peer_trusted(const struct config *cfg, const char *host)
{
	unsigned char a[16], t[16];
	int fa = AF_INET, ft;

	if (host == NULL)
		return false;
	if (inet_pton(AF_INET, host, a) != 1) {
		if (inet_pton(AF_INET6, host, a) != 1)
			return false;
		fa = AF_INET6;
	}
	for (size_t i = 0; i < cfg->http.trusted_proxies.n; i++) {
		const char *p = cfg->http.trusted_proxies.v[i];

		ft = strchr(p, ':') ? AF_INET6 : AF_INET;
		if (ft == fa && inet_pton(ft, p, t) == 1 &&
		    memcmp(a, t, fa == AF_INET ? 4 : 16) == 0)
			return true;
	}
	return false;
}

/* A plausible email address: what the proxy put in the header. */
static bool
user_ok(const char *u)
{
	size_t n = u ? strlen(u) : 0;

	if (n == 0 || n > 254 || strchr(u, '@') == NULL)
		return false;
	for (; *u; u++)
		if ((unsigned char)*u <= ' ' || (unsigned char)*u >= 0x7f ||
		    strchr("<>,;\"'()[]\\&", *u) != NULL)
			return false;
	return true;
}

static void
board_reply(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "same-origin");
	evhttp_add_header(h, "Content-Security-Policy", "default-src 'none'; "
	    "script-src 'self'; style-src 'unsafe-inline'; connect-src "
	    "'self'; form-action 'self'; frame-ancestors 'none'; "
	    "base-uri 'none'");
	evhttp_send_reply(req, code, reason, body);
}

static void
board_text(struct evhttp_request *req, int code, const char *reason,
    const char *line)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add_printf(b, "%s\n", line);
	board_reply(req, code, reason, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}

static void
csrf_free(void *arg, const char *key, size_t len, void *value)
{
	(void)arg;
	(void)key;
	(void)len;
	free(value);
}

static const char *
board_csrf(struct board *b, const char *user)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[32];
	char *tok = strmap_get(b->csrf, user, strlen(user));

	if (tok != NULL)
		return tok;
	if (strmap_count(b->csrf) >= CSRF_MAX) {
		strmap_foreach(b->csrf, csrf_free, NULL);
		strmap_free(b->csrf);
		b->csrf = strmap_new();
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		fatal("getrandom");
	tok = xmalloc(2 * sizeof(rnd) + 1);
	for (size_t i = 0; i < sizeof(rnd); i++) {
		tok[2 * i] = hex[rnd[i] >> 4];
		tok[2 * i + 1] = hex[rnd[i] & 15];
	}
	tok[2 * sizeof(rnd)] = '\0';
	strmap_put(b->csrf, user, strlen(user), tok);
	return tok;
}

/* Constant time, so that a token cannot be guessed byte by byte. */
static bool
token_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	unsigned char d = 0;

	if (b == NULL || strlen(b) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/*
 * Who is asking: 401 without a trusted proxy's header, 403 when they may
 * see nothing.  On success fills v (free with viewer_clear).
 */
static int
board_viewer(struct board *b, struct evhttp_request *req,
    struct board_viewer *v)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const char *user = NULL;
	char *host = NULL;
	ev_uint16_t port;
	bool any = false;

	memset(v, 0, sizeof(*v));
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &host, &port);
	if (!peer_trusted(b->cfg, host)) {
		board_text(req, 401, "Unauthorized", "not through the "
		    "authenticating proxy: the board is only served to "
		    "http.trusted_proxies");
		return 401;
	}
	user = evhttp_find_header(evhttp_request_get_input_headers(req),
	    b->cfg->http.user_header);
	if (!user_ok(user)) {
		board_text(req, 401, "Unauthorized", "no user: the proxy did "
		    "not say who you are");
		return 401;
	}
	v->user = xstrdup(user);
	for (char *p = v->user; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	v->all = addr_in(&b->cfg->routes.report, v->user) ||
	    addr_in(&b->cfg->http.board_admins, v->user);
	v->team_ok = xcalloc(b->snap->nteams + 1, sizeof(*v->team_ok));
	for (size_t i = 0; i < b->snap->nteams; i++) {
		v->team_ok[i] = v->all || board_team_visible(b,
		    b->snap->teams[i].team_id, v->user);
		any = any || v->team_ok[i];
	}
	if (!any && !v->all && !b->aux_loaded) {
		board_text(req, 503, "Service Unavailable", "starting: the "
		    "teams are not read yet; try again in a moment");
		free(v->user);
		free(v->team_ok);
		memset(v, 0, sizeof(*v));
		return 503;
	}
	if (!any && !v->all) {
		board_text(req, 403, "Forbidden", "you receive no team's "
		    "alerts, so there is nothing for you on this board");
		free(v->user);
		free(v->team_ok);
		memset(v, 0, sizeof(*v));
		return 403;
	}
	v->csrf = board_csrf(b, v->user);
	return 0;
}

static void
viewer_clear(struct board_viewer *v)
{
	free(v->user);
	free(v->team_ok);
}

/* Helpers for the renderers. */

const struct board_alert *
board_alert_of(const struct board_view *v, const char *rule,
    const char *instance_id)
{
	char key[2 * MODEL_MAX_ID + 80];
	int n;

	if (v->alerts == NULL)
		return NULL;
	n = snprintf(key, sizeof(key), "%s\x1f%s", rule, instance_id);
	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	return strmap_get(v->alerts, key, (size_t)n);
}

bool
board_item_shown(const struct board_view *v, const struct board_item *it)
{
	if (v->filter.clock != NULL && strcmp(it->clock->name,
	    v->filter.clock) != 0)
		return false;
	return v->filter.state < 0 || (int)it->state == v->filter.state;
}

void
board_format_time(const struct calendar *cal, int64_t t, bool with_time,
    char *buf, size_t len)
{
	time_t lt;
	struct tm tm;

	if (t == TIME_NONE) {
		snprintf(buf, len, "-");
		return;
	}
	lt = (time_t)(t + calendar_utc_offset(cal, t));
	gmtime_r(&lt, &tm);
	strftime(buf, len, with_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d", &tm);
}

void
board_lateness(const struct board_view *v, const struct board_item *it,
    char *buf, size_t len)
{
	struct mail_context ctx = { .cal = v->cal, .now = v->now };
	struct mail_item mi;
	int64_t d;

	if (it->hourly) {
		d = v->now - it->due_at;
		if (d < 0)
			snprintf(buf, len, "due in %lld h %02lld min",
			    (long long)(-d / 3600), (long long)(-d % 3600 / 60));
		else
			snprintf(buf, len, "%lld h %02lld min late",
			    (long long)(d / 3600), (long long)(d % 3600 / 60));
		return;
	}
	memset(&mi, 0, sizeof(mi));
	mi.rule = it->clock->name;
	mi.level = "overdue";
	mi.due_at = it->due_at;
	mi.started_at = it->started_at;
	mi.stopped_at = mi.fired_at = mi.first_sent_at = TIME_NONE;
	mail_item_lateness(&ctx, &mi, buf, len);
}

const char *
board_state_label(enum clock_state s)
{
	switch (s) {
	case CS_ON_TIME:
		return "on time";
	case CS_DUE_SOON:
		return "due soon";
	case CS_OVERDUE:
		return "overdue";
	case CS_ESCALATED:
		return "escalated";
	default:
		return clock_state_name(s);
	}
}

/* Requests. */

static uint64_t
board_version(const struct board *b)
{
	uint64_t h = b->snap->stamp;

	h = hash_mix(h, &b->alerts_gen, sizeof(b->alerts_gen));
	return h & 0x1fffffffffffffULL;	/* exact in a JavaScript number */
}

static void
board_filter_parse(const struct config *cfg, const struct evkeyvalq *q,
    struct board_filter *f)
{
	const char *c = evhttp_find_header(q, "clock");
	const char *s = evhttp_find_header(q, "state");

	f->clock = NULL;
	f->state = -1;
	if (c != NULL && config_clock(cfg, c) != NULL)
		f->clock = config_clock(cfg, c)->name;
	if (s != NULL) {
		for (int i = CS_ON_TIME; i <= CS_ESCALATED; i++)
			if (strcmp(s, clock_state_name((enum clock_state)i)) == 0)
				f->state = i;
	}
}

static json_t *
json_time(const struct calendar *cal, int64_t t)
{
	char buf[32];

	if (t == TIME_NONE)
		return json_null();
	calendar_format_iso(cal, t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
json_str(const char *s)
{
	return s == NULL ? json_null() : json_string(s);
}

static json_t *
json_ack(const struct board_view *v, const struct board_alert *a)
{
	json_t *o;

	if (a == NULL)
		return json_null();
	o = json_object();
	json_object_set_new(o, "alert", json_integer(a->alert_id));
	json_object_set_new(o, "level", json_string(alert_level_name(
	    (enum alert_level)a->level)));
	json_object_set_new(o, "acked_by", json_str(a->acked_by));
	json_object_set_new(o, "acked_at", json_time(v->cal, a->acked_at));
	json_object_set_new(o, "note", json_str(a->note));
	json_object_set_new(o, "until", json_time(v->cal, a->until));
	return o;
}

static json_t *
board_json(const struct board_view *v)
{
	const struct board_snap *s = v->snap;
	json_t *root = json_object(), *teams = json_array();
	int max = v->cfg->http.board_max_items;
	char late[96];

	json_object_set_new(root, "version", json_integer((json_int_t)
	    v->version));
	json_object_set_new(root, "changed", json_true());
	json_object_set_new(root, "user", json_string(v->viewer->user));
	json_object_set_new(root, "leader", json_boolean(v->leader));
	json_object_set_new(root, "now", json_time(v->cal, v->now));
	json_object_set_new(root, "csrf", json_string(v->viewer->csrf));
	for (size_t ti = 0; ti < s->nteams; ti++) {
		const struct board_team *t = &s->teams[ti];
		json_t *jt, *counts, *items, *others, *cl;
		size_t shown = 0, matching = 0;

		if (!v->viewer->team_ok[ti])
			continue;
		counts = json_array();
		items = json_array();
		others = json_array();
		cl = json_array();
		jt = json_object();
		json_object_set_new(jt, "team", *t->team_id ? json_string(
		    t->team_id) : json_null());
		json_object_set_new(jt, "name", json_str(t->name));
		for (size_t k = 0; k < v->cfg->nclocks; k++) {
			const struct board_count *c = &t->counts[k];

			if (c->open == 0)
				continue;
			json_array_append_new(counts, json_pack("{s:s, s:s, "
			    "s:I, s:I, s:I, s:I}", "clock", c->clock->name,
			    "label", c->clock->label ? c->clock->label :
			    c->clock->name, "open", (json_int_t)c->open,
			    "due_soon", (json_int_t)c->due_soon, "overdue",
			    (json_int_t)c->overdue, "escalated",
			    (json_int_t)c->escalated));
		}
		for (size_t i = t->first; i < t->first + t->n; i++) {
			const struct board_item *it = &s->items[i];
			json_t *ji;
			char *link;

			if (!board_item_shown(v, it))
				continue;
			matching++;
			if (shown >= (size_t)max)
				continue;
			shown++;
			link = mail_link(v->cfg->notify.link, it->child_id,
			    it->instance_id);
			board_lateness(v, it, late, sizeof(late));
			ji = json_object();
			json_object_set_new(ji, "clock", json_string(
			    it->clock->name));
			json_object_set_new(ji, "label", json_string(
			    it->clock->label ? it->clock->label :
			    it->clock->name));
			json_object_set_new(ji, "instance", json_string(
			    it->instance_id));
			json_object_set_new(ji, "child", json_string(
			    it->child_id));
			json_object_set_new(ji, "link", json_str(link));
			json_object_set_new(ji, "priority", json_str(
			    it->priority));
			json_object_set_new(ji, "started_at", json_time(v->cal,
			    it->started_at));
			json_object_set_new(ji, "due_at", json_time(v->cal,
			    it->due_at));
			json_object_set_new(ji, "state", json_string(
			    clock_state_name(it->state)));
			json_object_set_new(ji, "lateness", json_string(late));
			json_object_set_new(ji, "worker", json_str(
			    it->worker_id));
			json_object_set_new(ji, "ack", json_ack(v,
			    board_alert_of(v, it->clock->name,
			    it->instance_id)));
			json_array_append_new(items, ji);
			free(link);
		}
		for (size_t i = 0; i < s->nothers; i++) {
			const struct board_other *o = &s->others[i];

			if (strcmp(o->team_id, t->team_id) != 0)
				continue;
			json_array_append_new(others, json_pack("{s:s, s:s, "
			    "s:s, s:s, s:o, s:I, s:o}", "kind", o->at == 0 ?
			    "repeat" : "check", "rule", o->rule, "label",
			    o->label, "child", o->child_id, "at",
			    o->at == 0 ? json_null() : json_time(v->cal, o->at),
			    "count", (json_int_t)o->count, "ack", json_ack(v,
			    board_alert_of(v, o->rule, o->instance_id))));
		}
		for (size_t i = 0; i < s->ncaseloads; i++)
			if (strcmp(s->caseloads[i].team_id, t->team_id) == 0)
				json_array_append_new(cl, json_pack("{s:s, "
				    "s:i}", "worker", s->caseloads[i].worker_id,
				    "open_cases", s->caseloads[i].open_cases));
		json_object_set_new(jt, "counts", counts);
		json_object_set_new(jt, "items", items);
		json_object_set_new(jt, "more", json_integer((json_int_t)
		    (matching - shown)));
		json_object_set_new(jt, "repeats_and_checks", others);
		json_object_set_new(jt, "caseloads", cl);
		json_array_append_new(teams, jt);
	}
	json_object_set_new(root, "teams", teams);
	return root;
}

/* Build the snapshot again if what it was built from changed. */
static void
board_fresh(struct board *b, int64_t now)
{
	uint64_t stamp = board_stamp(b, now);
	bool idle = now - b->looked_at > LOOKING_FOR;

	b->looked_at = now;
	if (idle) {
		/* Someone looks again after a while: read what we let go. */
		board_alerts_refresh(b);
		if (now - b->aux_at >= AUX_EVERY)
			board_aux_refresh(b);
	}
	if (b->snap == NULL || b->snap->stamp != stamp)
		board_build(b, now, stamp);
}

static void
board_get(struct board *b, struct evhttp_request *req, bool json)
{
	struct board_viewer viewer;
	struct board_view v;
	struct evkeyvalq q;
	struct evbuffer *out;
	const char *since, *acked;
	char note[96];
	uint64_t version;

	TAILQ_INIT(&q);
	board_fresh(b, engine_now());
	if (board_viewer(b, req, &viewer) != 0) {
		metrics.board_denied++;
		return;
	}
	evhttp_parse_query_str(evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req)) ? evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req)) : "", &q);
	memset(&v, 0, sizeof(v));
	v.cfg = b->cfg;
	v.cal = b->cal;
	v.snap = b->snap;
	v.alerts = b->alerts;
	v.viewer = &viewer;
	v.now = engine_now();
	v.leader = engine_stats(b->engine)->leader;
	version = v.version = board_version(b);
	board_filter_parse(b->cfg, &q, &v.filter);
	out = evbuffer_new();
	if (json) {
		json_t *root;
		char *text;

		since = evhttp_find_header(&q, "since");
		if (since != NULL && strtoull(since, NULL, 10) == version) {
			evbuffer_add_printf(out, "{\"version\":%" PRIu64
			    ",\"changed\":false}\n", version);
		} else {
			root = board_json(&v);
			text = json_dumps(root, JSON_COMPACT);
			evbuffer_add(out, text, strlen(text));
			evbuffer_add(out, "\n", 1);
			free(text);
			json_decref(root);
		}
		board_reply(req, 200, "OK", "application/json", out);
	} else {
		acked = evhttp_find_header(&q, "acked");
		if (acked != NULL && strspn(acked, "0123456789") ==
		    strlen(acked) && *acked != '\0' && strlen(acked) < 20) {
			snprintf(note, sizeof(note), "Alert %s acknowledged.",
			    acked);
			v.notice = note;
		}
		board_render_html(&v, out);
		board_reply(req, 200, "OK", "text/html; charset=utf-8", out);
	}
	evbuffer_free(out);
	evhttp_clear_headers(&q);
	viewer_clear(&viewer);
}

/* POST /ack */

static void
ack_unlink(struct ack *a)
{
	struct ack **pp;

	for (pp = &a->b->acks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
}

static void
ack_done(void *arg, PGresult *res)
{
	struct ack *a = arg;
	struct evkeyvalq *h = evhttp_request_get_output_headers(a->req);
	char loc[64];

	ack_unlink(a);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_warnx("board: cannot record an acknowledgement: %s",
			    pg_primary_message(res));
		board_text(a->req, 503, "Service Unavailable", "the "
		    "acknowledgement could not be recorded; try again");
	} else if (PQntuples(res) == 0) {
		board_text(a->req, 404, "Not Found", "no such alert on any "
		    "team you can see");
	} else {
		metrics.board_acks++;
		a->b->alerts_dirty = true;
		board_alerts_refresh(a->b);
		log_info("board: alert %s (%s, %s) acknowledged", a->alert,
		    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		if (a->json)
			board_text(a->req, 200, "OK", "acknowledged");
		else {
			snprintf(loc, sizeof(loc), "/board?acked=%s", a->alert);
			evhttp_add_header(h, "Location", loc);
			board_text(a->req, 303, "See Other", "acknowledged");
		}
	}
	if (a->hold.release != NULL)
		a->hold.release(a->hold.arg, a->held);
	free(a->alert);
	free(a);
}

/* "scheme://host[:port]" of an Origin or the start of a Referer. */
static bool
origin_matches(const char *origin, const char *host)
{
	const char *p;
	size_t n;

	if (origin == NULL || host == NULL || *host == '\0')
		return false;
	if (strncmp(origin, "https://", 8) == 0)
		p = origin + 8;
	else if (strncmp(origin, "http://", 7) == 0)
		p = origin + 7;
	else
		return false;
	n = strlen(host);
	return strncasecmp(p, host, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* A text[] literal of the teams v may see. */
static char *
visible_teams(const struct board_snap *s, const struct board_viewer *v)
{
	struct evbuffer *b = evbuffer_new();
	size_t len;
	char *out;

	evbuffer_add(b, "{", 1);
	for (size_t i = 0, n = 0; i < s->nteams; i++) {
		if (!v->team_ok[i])
			continue;
		evbuffer_add(b, n > 0 ? ",\"" : "\"", n > 0 ? 2 : 1);
		n++;
		for (const char *p = s->teams[i].team_id; *p; p++) {
			if (*p == '"' || *p == '\\')
				evbuffer_add(b, "\\", 1);
			evbuffer_add(b, p, 1);
		}
		evbuffer_add(b, "\"", 1);
	}
	evbuffer_add(b, "}", 1);
	len = evbuffer_get_length(b);
	out = xmalloc(len + 1);
	evbuffer_remove(b, out, len);
	out[len] = '\0';
	evbuffer_free(b);
	return out;
}

static void
board_post_ack(struct board *b, struct evhttp_request *req,
    const struct board_hold *hold)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	struct board_viewer viewer;
	struct evkeyvalq form;
	struct pgconn *state = engine_state_conn(b->engine);
	const char *origin, *host, *alert, *note, *until, *token, *site;
	const char *params[ACK_NPARAMS];
	char *text = NULL, *teams = NULL, until_buf[32];
	struct ack *a;
	size_t len;
	int64_t t;

	TAILQ_INIT(&form);
	board_fresh(b, engine_now());
	if (board_viewer(b, req, &viewer) != 0) {
		metrics.board_denied++;
		return;
	}
	/* Same origin: the browser says where the form was. */
	host = evhttp_find_header(in, "X-Forwarded-Host");
	if (host == NULL)
		host = evhttp_find_header(in, "Host");
	origin = evhttp_find_header(in, "Origin");
	if (origin == NULL)
		origin = evhttp_find_header(in, "Referer");
	site = evhttp_find_header(in, "Sec-Fetch-Site");
	if (!origin_matches(origin, host) || (site != NULL &&
	    strcmp(site, "same-origin") != 0)) {
		metrics.board_denied++;
		board_text(req, 403, "Forbidden", "refused: the request did "
		    "not come from this board (Origin)");
		goto out;
	}
	len = evbuffer_get_length(body);
	text = xmalloc(len + 1);
	evbuffer_copyout(body, text, len);
	text[len] = '\0';
	if (strlen(text) != len || evhttp_parse_query_str(text, &form) != 0) {
		board_text(req, 400, "Bad Request", "the form did not parse");
		goto out;
	}
	token = evhttp_find_header(&form, "csrf");
	if (!token_equal(viewer.csrf, token)) {
		metrics.board_denied++;
		board_text(req, 403, "Forbidden", "refused: the form's token "
		    "is missing or not yours; reload the board and try again");
		goto out;
	}
	alert = evhttp_find_header(&form, "alert");
	note = evhttp_find_header(&form, "note");
	until = evhttp_find_header(&form, "until");
	if (alert == NULL || *alert == '\0' || strlen(alert) > 18 ||
	    strspn(alert, "0123456789") != strlen(alert)) {
		board_text(req, 400, "Bad Request", "which alert? 'alert' "
		    "must be an alert number");
		goto out;
	}
	/* A note too long, or not UTF-8 (jansson refuses it), is dropped. */
	if (note != NULL) {
		json_t *probe = json_string(note);

		if (strlen(note) > ACK_NOTE_MAX || probe == NULL)
			note = NULL;
		json_decref(probe);
	}
	if (note != NULL && *note == '\0')
		note = NULL;
	if (until != NULL && *until != '\0') {
		if (calendar_parse_iso(b->cal, until, &t) < 0) {
			board_text(req, 400, "Bad Request", "'until' is not a "
			    "time such as 2022-04-27T17:00");
			goto out;
		}
		snprintf(until_buf, sizeof(until_buf), "%lld", (long long)t);
	} else
		until = NULL;
	if (state == NULL || !pgconn_is_up(state)) {
		board_text(req, 503, "Service Unavailable", "the state "
		    "database is unreachable; try again");
		goto out;
	}
	teams = visible_teams(b->snap, &viewer);
	params[0] = alert;
	params[1] = viewer.user;
	params[2] = note;
	params[3] = until ? until_buf : NULL;
	params[4] = viewer.all ? "t" : "f";
	params[5] = teams;
	a = xcalloc(1, sizeof(*a));
	a->b = b;
	a->req = req;
	if (hold != NULL)
		a->hold = *hold;
	a->alert = xstrdup(alert);
	a->json = evhttp_find_header(in, "X-Requested-With") != NULL;
	/* The same statement as mashwatchctl ack, limited to the user's teams. */
	if (pgconn_query(state, ack_sql, ACK_NPARAMS, params, ack_done,
	    a) != 0) {
		free(a->alert);
		free(a);
		board_text(req, 503, "Service Unavailable", "the state "
		    "database is unreachable; try again");
		goto out;
	}
	a->next = b->acks;
	b->acks = a;
	if (a->hold.hold != NULL)
		a->held = a->hold.hold(a->hold.arg, req);
out:
	evhttp_clear_headers(&form);
	free(teams);
	free(text);
	viewer_clear(&viewer);
}

void
board_serve(struct board *b, struct evhttp_request *req, const char *path,
    const struct board_hold *hold)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	metrics.board_requests++;
	if (!b->cfg->http.board) {
		board_text(req, 404, "Not Found", "the board is off "
		    "(http.board = false)");
		return;
	}
	if (strcmp(path, "/board.js") == 0) {
		struct evbuffer *js = evbuffer_new();

		evbuffer_add_reference(js, board_script, strlen(board_script),
		    NULL, NULL);
		board_reply(req, 200, "OK", "text/javascript; charset=utf-8",
		    js);
		evbuffer_free(js);
		return;
	}
	if (strcmp(path, "/ack") == 0) {
		if (cmd != EVHTTP_REQ_POST) {
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Allow", "POST");
			board_text(req, 405, "Method Not Allowed", "POST only");
			return;
		}
		board_post_ack(b, req, hold);
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		board_text(req, 405, "Method Not Allowed", "GET only");
		return;
	}
	board_get(b, req, strcmp(path, "/board.json") == 0);
}

struct board *
board_new(struct event_base *base, struct engine *e,
    const struct config *cfg, const struct calendar *cal)
{
	struct board *b = xcalloc(1, sizeof(*b));
	struct timeval tv = { 1, 0 };

	b->base = base;
	b->engine = e;
	b->cfg = cfg;
	b->cal = cal;
	b->csrf = strmap_new();
	b->looked_at = INT64_MIN / 2;
	b->ev_tick = event_new(base, -1, EV_PERSIST, board_tick, b);
	if (cfg->http.board)
		event_add(b->ev_tick, &tv);
	return b;
}

void
board_reconfigure(struct board *b, const struct config *cfg,
    const struct calendar *cal)
{
	struct timeval tv = { 1, 0 };

	b->cfg = cfg;
	b->cal = cal;
	/* The board ticks (once a second) only while it is on. */
	if (cfg->http.board && !event_pending(b->ev_tick, EV_TIMEOUT, NULL))
		event_add(b->ev_tick, &tv);
	else if (!cfg->http.board)
		event_del(b->ev_tick);
	b->aux_at = 0;
	/* The snapshot points into the old config's clocks. */
	snap_free(b->snap);
	b->snap = NULL;
}

void
board_free(struct board *b)
{
	if (b == NULL)
		return;
	while (b->acks != NULL) {
		struct ack *a = b->acks;

		b->acks = a->next;
		free(a->alert);
		free(a);
	}
	event_free(b->ev_tick);
	snap_free(b->snap);
	alerts_clear(b->alerts);
	team_addrs_clear(b->teams, b->nteams);
	team_addrs_clear(b->new_teams, b->new_nteams);
	free(b->caseloads);
	arena_free(b->aux_arena);
	strmap_foreach(b->csrf, csrf_free, NULL);
	strmap_free(b->csrf);
	free(b);
}
