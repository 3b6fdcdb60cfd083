/*
 * What goes where: routes from the config and the teams view, outbox rows
 * grouped into one email per route after group_wait (at most one per
 * group_interval), and the morning digest.  Every email is composed here,
 * then stored by one statement that also claims what it carries.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/handover.h"
#include "mashwatch/mail.h"
#include "mashwatch/model.h"
#include "mashwatch/strmap.h"
#include "mashwatch/xmalloc.h"

#include "engine_clock.h"
#include "log.h"
#include "notifier_impl.h"
#include "pg.h"
#include "mashwatch/route.h"

#define OUTBOX_BATCH	5000
#define NO_TIME		INT64_MIN

static void
route_for(const struct notifier *n, const char *rule, const char *level,
    const char *team_id, struct route *r)
{
	router_route(n->cfg, &n->teams, rule, level, team_id, r);
}

/* A text[] literal: every element quoted, quotes and backslashes escaped. */
static char *
pg_text_array(const struct addr_list *l)
{
	size_t len = 3;
	char *s, *p;

	for (size_t i = 0; i < l->n; i++)
		len += 2 * strlen(l->v[i]) + 3;
	p = s = xmalloc(len);
	*p++ = '{';
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0)
			*p++ = ',';
		*p++ = '"';
		for (const char *c = l->v[i]; *c; c++) {
			if (*c == '"' || *c == '\\')
				*p++ = '\\';
			*p++ = *c;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

static const char *
from_domain(const struct notifier *n)
{
	const char *at = strrchr(n->cfg->notify.from, '@');

	return at != NULL && at[1] != '\0' ? at + 1 : "localhost";
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/*
 * Subject and message of an email; the caller frees both.  handover: the
 * digest's "Arrived out of hours" (NULL for other emails).
 */
static void
compose_with(const struct notifier *n, enum mail_kind mk, const char *title,
    const struct addr_list *rcpts, const char *message_id,
    const struct mail_item *items, size_t nitems,
    const struct mail_item *handover, size_t nhandover, char **subject,
    char **message)
{
	struct mail_context ctx = { .cal = n->cal, .link = n->cfg->notify.link,
	    .now = engine_now(), .route_title = title,
	    .max_items = (size_t)n->cfg->notify.max_items,
	    .handover = handover, .nhandover = nhandover };
	struct mail_content c;
	struct mail *m;

	mail_compose(&ctx, mk, items, nitems, &c);
	m = mail_new(n->cfg->notify.from, message_id, ctx.now,
	    calendar_utc_offset(n->cal, ctx.now));
	for (size_t i = 0; i < rcpts->n; i++)
		mail_add_to(m, rcpts->v[i]);
	mail_set_subject(m, c.subject);
	mail_set_body(m, c.text, c.html);
	*message = mail_render(m);
	*subject = c.subject;
	c.subject = NULL;
	mail_content_clear(&c);
	mail_free(m);
}

static void
compose(const struct notifier *n, enum mail_kind mk, const char *title,
    const struct addr_list *rcpts, const char *message_id,
    const struct mail_item *items, size_t nitems, char **subject,
    char **message)
{
	compose_with(n, mk, title, rcpts, message_id, items, nitems, NULL, 0,
	    subject, message);
}

/* The outbox. */

void
route_times_clear(struct notifier *n)
{
	for (size_t i = 0; i < n->nrtimes; i++)
		free(n->rtimes[i].route);
	free(n->rtimes);
	n->rtimes = NULL;
	n->nrtimes = 0;
}

static int64_t
route_time(const struct notifier *n, const char *route)
{
	for (size_t i = 0; i < n->nrtimes; i++)
		if (strcmp(n->rtimes[i].route, route) == 0)
			return n->rtimes[i].at;
	return NO_TIME;
}

struct group {
	struct route		 route;
	struct mail_item	*items;
	long long		*nids;
	size_t			 n;
	int64_t			 oldest;
	bool			 escalation;
	bool			 urgent;	/* sent at once, never batched */
	bool			 backlog;	/* found at go-live: MAIL_BACKLOG */
	long long		*claim;		/* digest: outbox rows it takes */
	size_t			 nclaim;
	struct mail_item	*handover;	/* digest: arrived out of hours */
	size_t			 nhandover;
};

static void
notifier_round_done(void *arg, PGresult *res)
{
	struct notifier *n = arg;

	if (res != NULL && PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		log_err("notifier: cannot store an email: %s",
		    pg_primary_message(res));
	else if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1 && PQgetisnull(res, 0, 0))
		/*
		 * Someone claimed part of it first, or the lease is gone:
		 * read the outbox again in a second (not at once: a fenced
		 * leader would ask again and again until it stands down).
		 */
		n->next_outbox_at = engine_now() + 1;
	if (--n->outbox_busy == 0) {
		n->kick_send(n);
		n->rearm(n);
	}
}

static char *
nid_array(const long long *v, size_t n)
{
	size_t len = 3 + n * 21;
	char *s = xmalloc(len), *p = s;

	*p++ = '{';
	for (size_t i = 0; i < n; i++)
		p += snprintf(p, len - (size_t)(p - s), "%s%lld", i ? "," : "",
		    v[i]);
	snprintf(p, len - (size_t)(p - s), "}");
	return s;
}

/*
 * Fenced like every write of the leader's: nothing unless this daemon
 * ($9) holds the lease, in the statement that claims.
 */
static const char claim_sql[] =
    "WITH lease AS (SELECT 1 FROM mashwatch.leases"
    "  WHERE name = 'leader' AND holder = $9 AND expires_at > now()"
    "), c AS (SELECT notification_id, alert_id FROM mashwatch.notifications"
    "  WHERE notification_id = ANY($1::bigint[]) AND claimed_at IS NULL"
    "    AND EXISTS (SELECT 1 FROM lease)"
    "  FOR UPDATE SKIP LOCKED"
    "), ok AS (SELECT count(*) = cardinality($1::bigint[]) AS ok FROM c"
    "), e AS (INSERT INTO mashwatch.emails (kind, route, recipients,"
    "    message_id, subject, message)"
    "  SELECT $2, $3, $4::text[], $5, $6, $7 FROM ok WHERE ok.ok"
    "  RETURNING email_id"
    "), u AS (UPDATE mashwatch.notifications t SET claimed_at = now(),"
    "    email_id = e.email_id FROM e, c"
    "  WHERE t.notification_id = c.notification_id RETURNING 1"
    "), ea AS (INSERT INTO mashwatch.email_alerts (email_id, alert_id,"
    "    notification_id)"
    "  SELECT DISTINCT ON (c.alert_id) e.email_id, c.alert_id,"
    "    c.notification_id FROM e, c ORDER BY c.alert_id, c.notification_id"
    "  RETURNING 1"
    "), r AS (INSERT INTO mashwatch.routes (route, last_email_at)"
    "  SELECT $3, now() FROM e WHERE NOT $8::bool"
    "  ON CONFLICT (route) DO UPDATE"
    "  SET last_email_at = excluded.last_email_at RETURNING 1"
    ") SELECT (SELECT email_id FROM e), (SELECT count(*) FROM u),"
    "  (SELECT count(*) FROM ea), (SELECT count(*) FROM r)";

static void
group_send(struct notifier *n, struct group *g)
{
	char *subject, *message, *msgid, *nids, *rcpts;
	const char *params[9];
	enum mail_kind mk = g->backlog ? MAIL_BACKLOG :
	    g->escalation ? MAIL_ESCALATION :
	    strcmp(g->route.key, "data_quality") == 0 ? MAIL_DATA_QUALITY :
	    MAIL_ALERTS;
	const char *kind = mk == MAIL_ESCALATION ? "escalation" :
	    mk == MAIL_DATA_QUALITY ? "data_quality" : "alerts";

	/* The first outbox row names the email: the same rows, the same id. */
	msgid = xasprintf("mashwatch.%s.%lld.%zu@%s", g->backlog ? "backlog" :
	    kind, g->nids[0], g->n, from_domain(n));
	compose(n, mk, g->route.title, &g->route.rcpts, msgid, g->items, g->n,
	    &subject, &message);
	nids = nid_array(g->nids, g->n);
	rcpts = pg_text_array(&g->route.rcpts);
	params[0] = nids;
	params[1] = kind;
	params[2] = g->route.key;
	params[3] = rcpts;
	params[4] = msgid;
	params[5] = subject;
	params[6] = message;
	params[7] = g->urgent ? "true" : "false";
	params[8] = n->holder;
	if (pgconn_query(n->state, claim_sql, 9, params, notifier_round_done,
	    n) == 0)
		n->outbox_busy++;
	log_info("notifier: %zu %s items for route %s", g->n, g->backlog ?
	    "backlog" : g->urgent ? "urgent" : "routine", g->route.key);
	free(subject);
	free(message);
	free(msgid);
	free(nids);
	free(rcpts);
}

/*
 * One statement over a set of outbox rows ($1), counted as busy; $2 is
 * this daemon, for the lease that fences it.
 */
#define LEADER_ONLY							\
    " AND EXISTS (SELECT 1 FROM mashwatch.leases WHERE name = 'leader'"	\
    " AND holder = $2 AND expires_at > now())"
static void
notifier_mark(struct notifier *n, const char *sql, const long long *nids,
    size_t k)
{
	char *arr = nid_array(nids, k);
	const char *params[2] = { arr, n->holder };

	if (pgconn_query(n->state, sql, 2, params, notifier_round_done,
	    n) == 0)
		n->outbox_busy++;
	free(arr);
}

/* Escalations the config lets an acknowledgement stop: claimed, not sent. */
static void
notifier_suppress(struct notifier *n, const long long *nids, size_t k)
{
	notifier_mark(n, "UPDATE mashwatch.notifications SET "
	    "claimed_at = now() WHERE notification_id = ANY($1::bigint[]) "
	    "AND claimed_at IS NULL" LEADER_ONLY, nids, k);
}

/*
 * Routine alerts held for the morning digest, which claims them: marked
 * so that the outbox is read past them (an urgent alert behind thousands
 * held overnight is read at once).
 */
static void
notifier_hold(struct notifier *n, const long long *nids, size_t k)
{
	notifier_mark(n, "UPDATE mashwatch.notifications SET "
	    "held_at = now() WHERE notification_id = ANY($1::bigint[]) "
	    "AND claimed_at IS NULL AND held_at IS NULL" LEADER_ONLY, nids, k);
}

static int64_t
time_of(PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? NO_TIME :
	    (int64_t)strtod(PQgetvalue(res, r, c), NULL);
}

static const char *
str_of(PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
}

static const char *
label_of(const struct notifier *n, const char *rule)
{
	const struct clock_conf *cc = config_clock(n->cfg, rule);
	const struct repeat_conf *rc;
	const struct check_conf *ch;

	if (cc != NULL)
		return cc->label;
	if ((rc = config_repeat(n->cfg, rule)) != NULL)
		return rc->label;
	if ((ch = config_check(n->cfg, rule)) != NULL)
		return ch->label;
	if (strcmp(rule, "invalid") == 0)
		return "Rows the source should not hold";
	return NULL;
}

/*
 * Silences (mashwatchctl silence add, migration 010).  An active silence
 * of the alert's clock (and of its team, when it names one) keeps the
 * alert's outbox rows unclaimed: no email, no digest line.  Nothing is
 * claimed for it, so once the silence ends (or is expired by hand, which
 * NOTIFYs mashwatch_outbox) what is still open goes out as usual at the
 * next read of the outbox (at most 30 s later).  The outbox also passes
 * over a resolved alert whose row a silence covered while it waited: it
 * is no longer open, and its resolution goes to the digest.
 */
#define SILENCE_ACTIVE(a)						\
    " EXISTS (SELECT 1 FROM mashwatch.silences s WHERE s.clock = " a ".rule" \
    "  AND (s.team_id IS NULL OR s.team_id = " a ".team_id)"		\
    "  AND s.expired_at IS NULL AND s.starts_at <= now()"		\
    "  AND s.ends_at > now())"
#define SILENCED_OUTBOX							\
    " NOT EXISTS (SELECT 1 FROM mashwatch.silences s WHERE s.clock = a.rule" \
    "  AND (s.team_id IS NULL OR s.team_id = a.team_id)"		\
    "  AND s.starts_at <= now() AND (s.expired_at IS NULL"		\
    "   AND s.ends_at > now() OR a.resolved_at IS NOT NULL"		\
    "   AND least(s.ends_at, s.expired_at) > n.created_at))"

/* Columns shared by the outbox and digest queries, from 0. */
#define ALERT_COLS \
    "a.alert_id, a.rule, a.instance_id, a.level, a.child_id, a.team_id," \
    " a.worker_id, extract(epoch FROM a.started_at)," \
    " extract(epoch FROM a.due_at), extract(epoch FROM a.stopped_at)," \
    " extract(epoch FROM a.fired_at), a.resolution," \
    " coalesce(a.detail->>'reason', a.detail->>'detail'), a.priority," \
    " a.acked_by, extract(epoch FROM a.acked_at), a.ack_note," \
    " a.detail->>'count', a.detail->>'window'," \
    " (SELECT string_agg(x, ', ') FROM" \
    "   jsonb_array_elements_text(CASE WHEN jsonb_typeof(a.detail->'events')" \
    "   = 'array' THEN a.detail->'events' END) x)," \
    " a.detail->>'kind', a.ack_reason," \
    " (SELECT CASE WHEN count(x) > 0 THEN string_agg(coalesce(x," \
    "   'not recorded') || ' ' || n, ', ' ORDER BY n DESC," \
    "   coalesce(x, 'not recorded')) END FROM (SELECT x, count(*) AS n" \
    "   FROM jsonb_array_elements_text(CASE WHEN" \
    "   jsonb_typeof(a.detail->'sources') = 'array' THEN" \
    "   a.detail->'sources' END) x GROUP BY x) q)"
#define NCOLS	23

/*
 * Urgent: a clock instance whose limit, after its priority, is in hours.
 * Its alerts go the moment they fire, at any hour, never batched.
 */
static bool
item_is_urgent(const struct notifier *n, const struct mail_item *it)
{
	const struct clock_conf *cc = config_clock(n->cfg, it->rule);

	if (cc == NULL || strcmp(it->level, "repeat") == 0 ||
	    strcmp(it->level, "data_quality") == 0)
		return false;
	/* A priority the clock does not list is timed, and so sent, on limit. */
	return config_clock_timescale(cc, it->priority)->unit == TS_HOURS;
}

/*
 * Routine alerts go only within notify.working_hours of a working day:
 * both when they fired and now, so what fired overnight waits for the
 * morning digest even once the office opens.
 */
static bool
in_working_hours(const struct notifier *n, int64_t t)
{
	struct cal_date d = calendar_date_of(n->cal, t);
	int64_t local = t + calendar_utc_offset(n->cal, t);
	int minute = (int)((local % 86400 + 86400) % 86400 / 60);

	return calendar_is_working_day(n->cal, d) &&
	    minute >= n->cfg->notify.work_from &&
	    minute < n->cfg->notify.work_to;
}

static void
item_from_row(const struct notifier *n, PGresult *res, int r,
    struct mail_item *it)
{
	const struct team *t;

	memset(it, 0, sizeof(*it));
	it->alert_id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
	it->rule = PQgetvalue(res, r, 1);
	it->label = label_of(n, it->rule);
	it->instance_id = str_of(res, r, 2);
	it->level = PQgetvalue(res, r, 3);
	it->child_id = str_of(res, r, 4);
	it->team_id = str_of(res, r, 5);
	it->worker_id = str_of(res, r, 6);
	it->started_at = time_of(res, r, 7);
	it->due_at = time_of(res, r, 8);
	it->stopped_at = time_of(res, r, 9);
	it->fired_at = time_of(res, r, 10);
	it->resolution = str_of(res, r, 11);
	it->detail = str_of(res, r, 12);
	it->first_sent_at = NO_TIME;
	if ((t = team_list_find(&n->teams, it->team_id)) != NULL)
		it->team_name = t->name;
	it->priority = str_of(res, r, 13);
	it->acked_by = str_of(res, r, 14);
	it->acked_at = time_of(res, r, 15);
	it->ack_note = str_of(res, r, 16);
	it->count = PQgetisnull(res, r, 17) ? 0 : atoi(PQgetvalue(res, r, 17));
	it->window = str_of(res, r, 18);
	it->events = str_of(res, r, 19);
	it->kind = str_of(res, r, 20);
	/* The label as configured now; a code since removed shows as itself. */
	if ((it->ack_reason = str_of(res, r, 21)) != NULL &&
	    config_reason(n->cfg, it->ack_reason) != NULL)
		it->ack_reason = config_reason(n->cfg, it->ack_reason)->label;
	it->sources = str_of(res, r, 22);
	it->hourly = item_is_urgent(n, it);
}

static struct group *
group_get(struct group **gs, size_t *ng, struct route *r, bool urgent)
{
	for (size_t i = 0; i < *ng; i++)
		if (strcmp((*gs)[i].route.key, r->key) == 0 &&
		    (*gs)[i].urgent == urgent) {
			route_clear(r);
			return &(*gs)[i];
		}
	*gs = xreallocarray(*gs, *ng + 1, sizeof(**gs));
	memset(&(*gs)[*ng], 0, sizeof(**gs));
	(*gs)[*ng].route = *r;
	(*gs)[*ng].urgent = urgent;
	(*gs)[*ng].oldest = INT64_MAX;
	memset(r, 0, sizeof(*r));
	return &(*gs)[(*ng)++];
}

static void
group_add(struct group *g, const struct mail_item *it, long long nid,
    int64_t created)
{
	g->items = xreallocarray(g->items, g->n + 1, sizeof(*g->items));
	g->nids = xreallocarray(g->nids, g->n + 1, sizeof(*g->nids));
	g->items[g->n] = *it;
	g->nids[g->n] = nid;
	g->n++;
	if (created < g->oldest)
		g->oldest = created;
}

static void
groups_free(struct group *gs, size_t ng)
{
	for (size_t i = 0; i < ng; i++) {
		route_clear(&gs[i].route);
		free(gs[i].items);
		free(gs[i].nids);
		free(gs[i].claim);
		free(gs[i].handover);
	}
	free(gs);
}

static void
notifier_outbox_read(void *arg, PGresult *res)
{
	struct notifier *n = arg;
	struct group *gs = NULL;
	struct route r;
	long long *quiet = NULL, *hold = NULL;
	struct strmap *held;
	char *key;
	bool waiting;
	size_t ng = 0, nquiet = 0, nhold = 0;
	int64_t now = engine_now(), next = now + 30;

	n->outbox_busy--;
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_err("notifier: cannot read the outbox: %s",
			    pg_primary_message(res));
		n->next_outbox_at = now + 5;
		n->rearm(n);
		return;
	}
	/*
	 * An escalation waits until the item's first email is stored, so that
	 * it can say when and to whom that went.
	 */
	held = strmap_new();
	for (int i = 0; i < PQntuples(res); i++) {
		if (strcmp(PQgetvalue(res, i, 3), "escalated") == 0)
			continue;
		key = xasprintf("%s\x1f%s", PQgetvalue(res, i, 1),
		    PQgetvalue(res, i, 2));
		strmap_put(held, key, strlen(key), held);
		free(key);
	}
	for (int i = 0; i < PQntuples(res); i++) {
		struct mail_item it;
		long long nid = strtoll(PQgetvalue(res, i, NCOLS), NULL, 10);
		int64_t created = time_of(res, i, NCOLS + 2);
		struct group *g;

		item_from_row(n, res, i, &it);
		it.resolved = strcmp(PQgetvalue(res, i, NCOLS + 1),
		    "resolved") == 0;
		it.first_sent_at = time_of(res, i, NCOLS + 3);
		it.first_sent_to = str_of(res, i, NCOLS + 4);
		if (!it.resolved && strcmp(it.level, "escalated") == 0 &&
		    n->cfg->notify.ack_stops_escalation &&
		    strcmp(PQgetvalue(res, i, NCOLS + 5), "t") == 0) {
			quiet = xreallocarray(quiet, nquiet + 1, sizeof(*quiet));
			quiet[nquiet++] = nid;
			continue;
		}
		if (!it.resolved && strcmp(it.level, "escalated") == 0) {
			key = xasprintf("%s\x1f%s", it.rule, it.instance_id ?
			    it.instance_id : "");
			waiting = strmap_get(held, key, strlen(key)) != NULL;
			free(key);
			if (waiting) {
				next = now + 1;
				continue;
			}
		}
		/* Routine and fired outside working hours: the digest's. */
		if (!it.hourly && !in_working_hours(n, created)) {
			hold = xreallocarray(hold, nhold + 1, sizeof(*hold));
			hold[nhold++] = nid;
			continue;
		}
		route_for(n, it.rule, it.level, it.team_id, &r);
		it.unrouted = r.unrouted;
		g = group_get(&gs, &ng, &r, it.hourly);
		g->escalation = strncmp(g->route.key, "escalation", 10) == 0;
		group_add(g, &it, nid, created);
	}
	if (nquiet > 0)
		notifier_suppress(n, quiet, nquiet);
	free(quiet);
	for (size_t i = 0; i < ng; i++) {
		struct group *g = &gs[i];
		int64_t last = NO_TIME, due;

		last = route_time(n, g->route.key);
		due = g->oldest + n->cfg->notify.group_wait;
		if (last != NO_TIME && last + n->cfg->notify.group_interval > due)
			due = last + n->cfg->notify.group_interval;
		if (g->urgent)
			due = now;
		else if (!in_working_hours(n, now)) {
			/* Held for the morning digest. */
			hold = xreallocarray(hold, nhold + g->n, sizeof(*hold));
			memcpy(hold + nhold, g->nids, g->n * sizeof(*hold));
			nhold += g->n;
			continue;
		}
		if (g->route.rcpts.n == 0) {
			log_err("notifier: route %s has no address; %zu items "
			    "wait", g->route.key, g->n);
			continue;
		}
		if (due > now) {
			if (due < next)
				next = due;
			continue;
		}
		group_send(n, g);
	}
	if (nhold > 0)
		notifier_hold(n, hold, nhold);
	free(hold);
	n->next_outbox_at = next;
	groups_free(gs, ng);
	strmap_free(held);
	n->rearm(n);
}

/*
 * The backlog at go-live: every row, grouped by route as any alert is,
 * each route's sent at once as one MAIL_BACKLOG email (working hours,
 * group_wait and the digest do not hold it: go-live is chosen).
 */
static void
notifier_backlog_read(void *arg, PGresult *res)
{
	struct notifier *n = arg;
	struct group *gs = NULL;
	struct route r;
	size_t ng = 0;

	n->outbox_busy--;
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_err("notifier: cannot read the go-live backlog: %s",
			    pg_primary_message(res));
		n->rearm(n);
		return;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		struct mail_item it;
		struct group *g;

		item_from_row(n, res, i, &it);
		route_for(n, it.rule, it.level, it.team_id, &r);
		it.unrouted = r.unrouted;
		g = group_get(&gs, &ng, &r, false);
		g->backlog = true;
		group_add(g, &it, strtoll(PQgetvalue(res, i, NCOLS), NULL, 10),
		    time_of(res, i, NCOLS + 2));
	}
	for (size_t i = 0; i < ng; i++) {
		if (gs[i].route.rcpts.n == 0) {
			log_err("notifier: route %s has no address; %zu backlog "
			    "items wait", gs[i].route.key, gs[i].n);
			continue;
		}
		group_send(n, &gs[i]);
	}
	groups_free(gs, ng);
	n->rearm(n);
}

/* When each route last got an email, for group_interval. */
static void
notifier_routes_read(void *arg, PGresult *res)
{
	struct notifier *n = arg;

	n->outbox_busy--;
	n->rearm(n);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_err("notifier: cannot read the routes: %s",
			    pg_primary_message(res));
		return;
	}
	route_times_clear(n);
	n->rtimes = xcalloc((size_t)PQntuples(res) + 1, sizeof(*n->rtimes));
	for (int i = 0; i < PQntuples(res); i++) {
		n->rtimes[i].route = xstrdup(PQgetvalue(res, i, 0));
		n->rtimes[i].at = time_of(res, i, 1);
	}
	n->nrtimes = (size_t)PQntuples(res);
}

/*
 * What item_is_urgent decides, as the outbox query's parameters: the
 * (clock, priority) pairs whose own limit is in hours, those whose own
 * limit is not, and the clocks whose limit (for no priority, or one not
 * listed) is.  Keys are clock, unit separator, priority.
 */
static void
urgent_keys(const struct config *cfg, char *out[3])
{
	struct addr_list l[3] = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };

	for (size_t i = 0; i < cfg->nclocks; i++) {
		const struct clock_conf *cc = &cfg->clocks[i];

		for (size_t k = 0; k < cc->nlimits; k++) {
			char *key = xasprintf("%s\x1f%s", cc->name,
			    cc->limits[k].priority);

			addr_list_add(&l[cc->limits[k].limit.unit == TS_HOURS ?
			    0 : 1], key);
			free(key);
		}
		if (cc->limit.unit == TS_HOURS)
			addr_list_add(&l[2], cc->name);
	}
	for (size_t i = 0; i < 3; i++) {
		out[i] = pg_text_array(&l[i]);
		addr_list_clear(&l[i]);
	}
}

/* The outbox rows with what an email says of them (columns as item_from_row). */
#define OUTBOX_SELECT \
    "SELECT " ALERT_COLS ", n.notification_id,"				\
    "  n.event, extract(epoch FROM n.created_at),"				\
    "  extract(epoch FROM f.created_at), f.recipients,"			\
    "  EXISTS (SELECT 1 FROM mashwatch.alerts k WHERE k.rule = a.rule"	\
    "    AND k.instance_id = a.instance_id AND k.acked_at IS NOT NULL"	\
    "    AND (k.ack_until IS NULL OR k.ack_until > now()))"		\
    " FROM mashwatch.notifications n"					\
    " JOIN mashwatch.alerts a ON a.alert_id = n.alert_id"		\
    " LEFT JOIN LATERAL (SELECT e.created_at,"				\
    "    array_to_string(e.recipients, ', ') AS recipients"		\
    "  FROM mashwatch.alerts p"						\
    "  JOIN mashwatch.email_alerts ea ON ea.alert_id = p.alert_id"	\
    "  JOIN mashwatch.emails e ON e.email_id = ea.email_id"		\
    "  WHERE a.level = 'escalated' AND p.rule = a.rule"			\
    "    AND p.instance_id = a.instance_id AND p.level <> 'escalated'"	\
    "  ORDER BY e.created_at LIMIT 1) f ON true"

void
notifier_outbox_round(struct notifier *n, int64_t now)
{
	char lim[16], *keys[3];
	const char *params[4] = { lim };

	if (n->outbox_busy > 0)
		return;
	n->next_outbox_at = now + 30;
	snprintf(lim, sizeof(lim), "%d", OUTBOX_BATCH);
	if (pgconn_query(n->state, "SELECT route, "
	    "extract(epoch FROM last_email_at) FROM mashwatch.routes",
	    0, NULL, notifier_routes_read, n) < 0)
		return;
	n->outbox_busy++;
	urgent_keys(n->cfg, keys);
	for (size_t i = 0; i < 3; i++)
		params[i + 1] = keys[i];
	/* An escalation says when, and to whom, the item was first sent. */
	/*
	 * The backlog found at go-live, all of it in one reading: one email
	 * per route, whatever its size, before anything else.
	 */
	if (pgconn_query(n->state, OUTBOX_SELECT
	    " WHERE n.claimed_at IS NULL AND n.held_at IS NULL"
	    "   AND n.event = 'raised' AND n.backlog AND" SILENCED_OUTBOX
	    " ORDER BY n.notification_id", 0, NULL, notifier_backlog_read,
	    n) == 0)
		n->outbox_busy++;
	if (pgconn_query(n->state, OUTBOX_SELECT
	    " WHERE n.claimed_at IS NULL AND n.held_at IS NULL"
	    "   AND n.event = 'raised' AND NOT n.backlog AND" SILENCED_OUTBOX
	    /*
	     * Urgent first, data quality last: a backlog of routine alerts
	     * waiting for group_interval, or of findings from a bad extract,
	     * never keeps an urgent one out of the batch.
	     */
	    " ORDER BY CASE WHEN a.level = 'data_quality' THEN 2"
	    "  WHEN a.level NOT IN ('due_soon', 'overdue', 'escalated') THEN 1"
	    "  WHEN coalesce(a.priority, '') <> '' AND"
	    "    a.rule || chr(31) || a.priority = ANY($2::text[]) THEN 0"
	    "  WHEN coalesce(a.priority, '') <> '' AND"
	    "    a.rule || chr(31) || a.priority = ANY($3::text[]) THEN 1"
	    "  WHEN a.rule = ANY($4::text[]) THEN 0 ELSE 1 END,"
	    " n.notification_id LIMIT $1::int",
	    4, params, notifier_outbox_read, n) == 0)
		n->outbox_busy++;
	for (size_t i = 0; i < 3; i++)
		free(keys[i]);
}

/*
 * The morning digest: once per route and working day, at reminder_at, of
 * what was open and unacknowledged at that instant.  mashwatch.digests
 * holds the claim, stored in the statement that stores the email and
 * fenced by the lease, so neither a restart nor a standby taking over
 * sends a route's digest twice; a route whose claim failed is claimed on
 * the next try, the others are not touched again.  Alerts raised after
 * the digest's instant are not in it: they go out as alert emails, so a
 * daemon that starts after reminder_at sends that day's digest at once
 * with only what was already known at reminder_at (on its first day,
 * nothing).
 */

/* The UTC instant of reminder_at on local date d (DST-aware). */
static int64_t
digest_instant(const struct notifier *n, struct cal_date d)
{
	int64_t midnight = calendar_start_of(n->cal, d);
	int64_t at = midnight + (int64_t)n->cfg->notify.reminder_at * 60;

	/* A day of 23 or 25 hours: read the wall clock, not the elapsed time. */
	return at - (calendar_utc_offset(n->cal, at) -
	    calendar_utc_offset(n->cal, midnight));
}

static int64_t
date_key(struct cal_date d)
{
	return d.year * 10000 + d.month * 100 + d.day;
}

static void
digest_answered(struct notifier *n)
{
	if (--n->digest_claims > 0)
		return;
	n->digest_busy = false;
	if (n->digest_failed) {
		/* The routes that made it are recorded; the rest go next try. */
		n->digest_retry_at = engine_now() + 30;
		n->digest_failed = false;
	} else
		n->digest_done_on = n->digest_day;
	n->rearm(n);
}

static void
notifier_digest_stored(void *arg, PGresult *res)
{
	struct notifier *n = arg;
	const char *state;

	if (res == NULL)
		n->digest_failed = true;
	else if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		/* unique_violation: another daemon claimed it first. */
		if (state != NULL && strcmp(state, "23505") == 0)
			log_info("notifier: a digest was already claimed");
		else {
			log_err("notifier: cannot store a digest (SQLSTATE %s)",
			    state != NULL ? state : "?");
			n->digest_failed = true;
		}
	} else if (strcmp(PQgetvalue(res, 0, 2), "t") != 0) {
		log_info("notifier: not the leader: digest not claimed");
		n->digest_failed = true;
	} else if (!PQgetisnull(res, 0, 0))
		log_info("notifier: digest #%s stored for %s",
		    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 3));
	digest_answered(n);
	n->kick_send(n);
}

/*
 * The claim and the email in one statement: nothing unless this daemon
 * holds the lease and the route has had no digest that day; the digests
 * row's primary key refuses a concurrent claim, which then stores nothing.
 */
static const char digest_sql[] =
    "WITH lease AS (SELECT 1 FROM mashwatch.leases"
    "  WHERE name = 'leader' AND holder = $8 AND expires_at > now()"
    "), e AS (INSERT INTO mashwatch.emails (kind, route, recipients,"
    "    message_id, subject, message)"
    "  SELECT 'digest', $2, $3::text[], $4, $5, $6 FROM lease"
    "  WHERE NOT EXISTS (SELECT 1 FROM mashwatch.digests"
    "    WHERE route = $2 AND on_date = $7::date)"
    "  ON CONFLICT (message_id) DO NOTHING RETURNING email_id"
    "), d AS (INSERT INTO mashwatch.digests (route, on_date, email_id,"
    "    items, claimed_by)"
    "  SELECT $2, $7::date, e.email_id, cardinality($1::bigint[]), $8"
    "  FROM e RETURNING 1"
    "), ea AS (INSERT INTO mashwatch.email_alerts (email_id, alert_id)"
    "  SELECT DISTINCT e.email_id, x FROM e, unnest($1::bigint[]) AS x"
    "  RETURNING 1"
    "), u AS (UPDATE mashwatch.notifications t SET claimed_at = now(),"
    "    email_id = e.email_id FROM e"
    "  WHERE t.notification_id = ANY($9::bigint[]) AND t.claimed_at IS NULL"
    "  RETURNING 1"
    ") SELECT (SELECT email_id FROM e), (SELECT count(*) FROM ea),"
    "  EXISTS (SELECT 1 FROM lease), $2::text, (SELECT count(*) FROM u)";

static int
digest_send(struct notifier *n, struct group *g, const char *date)
{
	char *subject, *message, *msgid, *ids, *rcpts, *claims;
	const char *params[9];
	long long *aids = xcalloc(g->n + 1, sizeof(*aids));
	int ret;

	for (size_t i = 0; i < g->n; i++)
		aids[i] = g->items[i].alert_id;
	/* One digest per route and date: the id says so. */
	msgid = xasprintf("mashwatch.digest.%s.%016" PRIx64 "@%s", date,
	    hash_str(g->route.key), from_domain(n));
	compose_with(n, MAIL_DIGEST, g->route.title, &g->route.rcpts, msgid,
	    g->items, g->n, g->handover, g->nhandover, &subject, &message);
	ids = nid_array(aids, g->n);
	rcpts = pg_text_array(&g->route.rcpts);
	params[0] = ids;
	params[1] = g->route.key;
	params[2] = rcpts;
	params[3] = msgid;
	params[4] = subject;
	params[5] = message;
	params[6] = date;
	params[7] = n->holder;
	claims = nid_array(g->claim, g->nclaim);
	params[8] = claims;
	ret = pgconn_query(n->state, digest_sql, 9, params,
	    notifier_digest_stored, n);
	free(claims);
	free(aids);
	free(subject);
	free(message);
	free(msgid);
	free(ids);
	free(rcpts);
	return ret;
}

static int
item_age_cmp(const void *a, const void *b)
{
	const struct mail_item *x = a, *y = b;

	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	int64_t tx = x->started_at != NO_TIME ? x->started_at : x->fired_at;
	int64_t ty = y->started_at != NO_TIME ? y->started_at : y->fired_at;

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x->alert_id < y->alert_id ? -1 : x->alert_id > y->alert_id;
}

/*
 * Older than reminder_backoff working days: every second working day
 * only, counted from the item's start so that it is the same every day.
 */
static bool
digest_wants(const struct notifier *n, const struct mail_item *it,
    int64_t now)
{
	int64_t start = it->started_at != NO_TIME ? it->started_at :
	    it->fired_at;
	int age, backoff = n->cfg->notify.reminder_backoff;

	if (start == NO_TIME)
		return true;
	age = calendar_working_days_between(n->cal, start, now);
	return age <= backoff || (age - backoff) % 2 == 0;
}

void
notifier_set_model(struct notifier *n,
    const struct model *(*model_of)(void *arg), void *arg)
{
	n->model_of = model_of;
	n->model_arg = arg;
}

/*
 * The handover needs the model: a digest due before the first full pass
 * is in waits for it (the next poll wakes the notifier), but no longer
 * than HANDOVER_WAIT, so that a source outage never holds the digest; it
 * then goes without the section, and says so in the log.
 */
#define HANDOVER_WAIT	300

static bool
digest_model_ready(const struct notifier *n)
{
	return n->model_of == NULL || n->model_of(n->model_arg) != NULL;
}

/* Whether the digest due now should wait for the model. */
static bool
digest_model_wait(struct notifier *n, int64_t now)
{
	if (digest_model_ready(n))
		return false;
	if (n->handover_wait_until == 0)
		n->handover_wait_until = now + HANDOVER_WAIT;
	return now < n->handover_wait_until;
}

struct handover_ctx {
	struct notifier	 *n;
	struct group	**gs;
	size_t		 *ng;
	int64_t		  since, at;
};

/* One clock of the model: into its manager's digest if it arrived out of hours. */
static void
handover_visit(void *arg, const struct clock_view *v)
{
	struct handover_ctx *hc = arg;
	const struct notifier *n = hc->n;
	const struct team *t;
	struct mail_item it = { 0 };
	struct route r;
	struct group *g;

	if (v->state == CS_WITHDRAWN || v->state == CS_INVALID ||
	    v->started_at == TIME_NONE || v->started_at < hc->since ||
	    v->started_at > hc->at ||
	    !handover_out_of_hours(n->cal, n->cfg->notify.work_from,
	    n->cfg->notify.work_to, v->started_at))
		return;
	it.rule = v->clock->name;
	it.label = v->clock->label;
	it.instance_id = v->instance_id;
	it.child_id = v->child_id;
	it.team_id = v->team_id;
	t = v->team_id != NULL ? team_list_find(&n->teams, v->team_id) : NULL;
	it.team_name = t != NULL ? t->name : NULL;
	it.priority = v->priority;
	it.started_at = v->started_at;
	it.due_at = v->due_at;
	it.stopped_at = v->stopped_at != TIME_NONE && v->stopped_at <= hc->at ?
	    v->stopped_at : NO_TIME;
	it.fired_at = it.first_sent_at = it.acked_at = NO_TIME;
	it.hourly = config_clock_timescale(v->clock, v->priority)->unit ==
	    TS_HOURS;
	/* The route its new alerts would take: the day team's manager. */
	route_for(n, it.rule, "due_soon", it.team_id, &r);
	g = group_get(hc->gs, hc->ng, &r, false);
	g->handover = xreallocarray(g->handover, g->nhandover + 1,
	    sizeof(*g->handover));
	g->handover[g->nhandover++] = it;
}

/*
 * The digest's "Arrived out of hours" (handover.h) from the engine's
 * model, per route; its strings are borrowed from the model, which does
 * not change before the digests are composed, in this same callback.
 */
static void
digest_add_handover(struct notifier *n, struct group **gs, size_t *ng,
    int64_t at)
{
	struct handover_ctx hc = { n, gs, ng,
	    handover_since(n->cal, n->cfg->notify.work_to, at), at };
	const struct model *m = n->model_of != NULL ?
	    n->model_of(n->model_arg) : NULL;

	if (m != NULL)
		model_foreach_clock(m, at, true, handover_visit, &hc);
	else if (n->model_of != NULL)
		log_warnx("notifier: the source is not loaded: the digest goes "
		    "without \"Arrived out of hours\"");
}

static void
notifier_digest_read(void *arg, PGresult *res)
{
	struct notifier *n = arg;
	struct group *gs = NULL;
	size_t ng = 0, nsent = 0;
	struct route r;
	struct cal_date d;
	int64_t at;
	char date[16];

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_err("notifier: cannot read open alerts for the "
			    "digest: %s", pg_primary_message(res));
		n->digest_busy = false;
		n->digest_retry_at = engine_now() + 30;
		n->rearm(n);
		return;
	}
	/* The day asked about, even if midnight passed since. */
	d = (struct cal_date){ (int)(n->digest_day / 10000),
	    (int)(n->digest_day / 100 % 100), (int)(n->digest_day % 100) };
	at = digest_instant(n, d);
	snprintf(date, sizeof(date), "%04d-%02d-%02d", d.year, d.month, d.day);
	for (int i = 0; i < PQntuples(res); i++) {
		struct mail_item it;
		struct group *g;
		int part = atoi(PQgetvalue(res, i, NCOLS));
		long long nid = PQgetisnull(res, i, NCOLS + 1) ? 0 :
		    strtoll(PQgetvalue(res, i, NCOLS + 1), NULL, 10);
		bool esc;

		item_from_row(n, res, i, &it);
		it.part = part == 3 ? MAIL_PART_RESOLVED : part;
		it.resolved = part == MAIL_PART_RESOLVED;
		if (part == MAIL_PART_OPEN && !digest_wants(n, &it, at))
			continue;
		esc = strcmp(it.level, "escalated") == 0;
		/* The manager keeps hearing about what was escalated too. */
		route_for(n, it.rule, esc ? "overdue" : it.level, it.team_id,
		    &r);
		it.unrouted = r.unrouted;
		g = group_get(&gs, &ng, &r, false);
		/* An outbox row is claimed by the route it was raised for. */
		if (nid != 0 && !esc) {
			g->claim = xreallocarray(g->claim, g->nclaim + 1,
			    sizeof(*g->claim));
			g->claim[g->nclaim++] = nid;
		}
		if (part != 3)
			group_add(g, &it, it.alert_id, at);
		if (esc) {
			route_for(n, it.rule, it.level, it.team_id, &r);
			it.unrouted = r.unrouted;
			g = group_get(&gs, &ng, &r, false);
			if (nid != 0) {
				g->claim = xreallocarray(g->claim, g->nclaim + 1,
				    sizeof(*g->claim));
				g->claim[g->nclaim++] = nid;
			}
			if (part != 3)
				group_add(g, &it, it.alert_id, at);
		}
	}
	digest_add_handover(n, &gs, &ng, at);
	/* One claim for each route with something to say; busy until all
	 * are answered. */
	n->digest_claims = 1;
	for (size_t i = 0; i < ng; i++) {
		if (gs[i].route.rcpts.n == 0 ||
		    (gs[i].n == 0 && gs[i].nhandover == 0))
			continue;
		/* A digest of the handover alone has no items to sort. */
		if (gs[i].n > 1)
			qsort(gs[i].items, gs[i].n, sizeof(*gs[i].items),
			    item_age_cmp);
		if (digest_send(n, &gs[i], date) == 0) {
			n->digest_claims++;
			nsent++;
		} else
			n->digest_failed = true;
	}
	log_info("notifier: morning digest for %s: %zu routes", date, nsent);
	groups_free(gs, ng);
	digest_answered(n);
}

/* When notifier_digest_check() next has something to do. */
int64_t
notifier_digest_due(const struct notifier *n, int64_t now)
{
	struct cal_date d = calendar_date_of(n->cal, now);
	int64_t at;

	/* Waiting for the model: the next poll wakes us before this. */
	if (!digest_model_ready(n) && n->handover_wait_until > now)
		return n->handover_wait_until;
	if (n->digest_done_on == date_key(d)) {
		/* Tomorrow's midnight: the check then decides about that day. */
		return calendar_start_of(n->cal, cal_date_add_days(d, 1));
	}
	at = digest_instant(n, d);
	if (at < n->digest_retry_at)
		at = n->digest_retry_at;
	return at > now ? at : now;
}

/*
 * What a digest lists, each row with its part (MAIL_PART_NEW, _OPEN,
 * _RESOLVED, or 3: an outbox row to claim without a line of its own) and
 * the outbox row it takes:
 *   new       every outbox row stored before the digest's instant and
 *             not yet in an email: what was held overnight, and what fired
 *             since the last email (its 'raised' row)
 *   open      open at the digest's instant and not acknowledged now (an
 *             acknowledgement covers its level and those below it); one
 *             line per item, at its highest level; a repeat while its
 *             window, counted from its first contact, still holds it
 *   resolved  every 'resolved' outbox row stored before the instant:
 *             resolutions go nowhere else
 */
static const char digest_query[] =
    "WITH o AS (SELECT a.*, CASE a.level WHEN 'escalated' THEN 3"
    "  WHEN 'overdue' THEN 2 WHEN 'due_soon' THEN 1 ELSE 0 END AS rank"
    "  FROM mashwatch.alerts a"
    "  WHERE a.resolved_at IS NULL AND a.created_at < to_timestamp($1::float8)"
    "    AND NOT" SILENCE_ACTIVE("a")
    "    AND (a.level <> 'repeat' OR (a.detail->>'window' ~"
    "      '^[0-9]+ (working )?(hour|day|month)s?$' AND a.started_at +"
    "      replace(a.detail->>'window', 'working ', '')::interval > now()))"
    "), k AS (SELECT rule, instance_id, max(rank) AS rank FROM o"
    "  WHERE acked_at IS NOT NULL AND (ack_until IS NULL"
    "    OR ack_until > now()) GROUP BY rule, instance_id"
    "), f AS (SELECT notification_id, alert_id, event"
    "  FROM mashwatch.notifications n WHERE claimed_at IS NULL"
    "    AND created_at < to_timestamp($1::float8)"
    "    AND NOT EXISTS (SELECT 1 FROM mashwatch.alerts sa"
    "      WHERE sa.alert_id = n.alert_id AND" SILENCE_ACTIVE("sa") ")"
    "), op AS (SELECT DISTINCT ON (a.rule, a.instance_id) a.*"
    "  FROM o a LEFT JOIN k ON k.rule = a.rule"
    "  AND k.instance_id = a.instance_id"
    "  WHERE k.rank IS NULL OR a.rank > k.rank"
    "  ORDER BY a.rule, a.instance_id, a.rank DESC"
    ") SELECT " ALERT_COLS ", 1, NULL::bigint FROM op a"
    "  WHERE NOT EXISTS (SELECT 1 FROM f WHERE f.alert_id = a.alert_id"
    "    AND f.event = 'raised')"
    " UNION ALL SELECT " ALERT_COLS ", CASE WHEN f.event = 'resolved'"
    "  THEN 2 WHEN EXISTS (SELECT 1 FROM f g WHERE g.alert_id = f.alert_id"
    "    AND g.event = 'resolved') THEN 3 ELSE 0 END, f.notification_id"
    " FROM f JOIN mashwatch.alerts a ON a.alert_id = f.alert_id";

void
notifier_digest_check(struct notifier *n, int64_t now)
{
	struct cal_date d = calendar_date_of(n->cal, now);
	int64_t key = date_key(d), at = digest_instant(n, d);
	char atbuf[32];
	const char *params[1];

	if (n->digest_busy || n->digest_done_on == key ||
	    now < n->digest_retry_at)
		return;
	if (!calendar_is_working_day(n->cal, d)) {
		n->digest_done_on = key;
		return;
	}
	if (now < at || digest_model_wait(n, now))
		return;
	n->handover_wait_until = 0;
	snprintf(atbuf, sizeof(atbuf), "%lld", (long long)at);
	params[0] = atbuf;
	/*
	 * Open at the digest's instant and not acknowledged now: an
	 * acknowledgement covers its level and those below it (acking
	 * "overdue" quiets "due soon", not an escalation).  One line per
	 * item, at its highest level.  A route that had today's digest
	 * already is refused by its claim.
	 */
	if (pgconn_query(n->state, digest_query, 1, params,
	    notifier_digest_read, n) == 0) {
		n->digest_busy = true;
		n->digest_day = key;
	} else
		n->digest_retry_at = now + 30;
}

/* Emails that claim nothing: the report of a failed delivery. */

static void
notifier_queued(void *arg, PGresult *res)
{
	struct notifier *n = arg;

	if (res != NULL && PQresultStatus(res) != PGRES_TUPLES_OK)
		log_err("notifier: cannot store an email: %s",
		    pg_primary_message(res));
	n->kick_send(n);
}

void
notifier_queue_email(struct notifier *n, const char *kind, const char *route,
    enum mail_kind mk, const struct mail_item *items, size_t nitems,
    long long tag)
{
	struct route r;
	char *subject, *message, *msgid, *rcpts;
	const char *params[7];

	route_for(n, NULL, strcmp(route, "data_quality") == 0 ?
	    "data_quality" : "overdue", NULL, &r);
	msgid = xasprintf("mashwatch.%s.%lld@%s", kind, tag, from_domain(n));
	compose(n, mk, r.title, &r.rcpts, msgid, items, nitems, &subject,
	    &message);
	rcpts = pg_text_array(&r.rcpts);
	params[0] = kind;
	params[1] = r.key;
	params[2] = rcpts;
	params[3] = msgid;
	params[4] = subject;
	params[5] = message;
	params[6] = n->holder;
	if (r.rcpts.n > 0)
		pgconn_query(n->state, "INSERT INTO mashwatch.emails (kind, "
		    "route, recipients, message_id, subject, message) "
		    "SELECT $1, $2, $3::text[], $4, $5, $6 FROM mashwatch.leases"
		    " WHERE name = 'leader' AND holder = $7 AND expires_at > now()"
		    " ON CONFLICT (message_id) DO NOTHING RETURNING email_id",
		    7, params, notifier_queued, n);
	route_clear(&r);
	free(subject);
	free(message);
	free(msgid);
	free(rcpts);
}
