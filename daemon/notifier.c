/*
 * The notifier's loop.  While we are the leader it refreshes the teams
 * from the source, turns the outbox into emails per route
 * (notifier_outbox.c decides what goes where), writes the morning digest
 * once a working day, and hands pending emails to the transport one at a
 * time, recording every attempt.
 *
 * It sleeps until the first of those is due (notifier_rearm), and is
 * woken early by what brings one forward: a NOTIFY on the outbox, a
 * database coming back, a change of leader.  An idle daemon wakes for
 * its timers, not to ask whether anything happened.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "mashwatch/mail.h"
#include "mashwatch/xmalloc.h"

#include "engine_clock.h"
#include "log.h"
#include "metrics.h"
#include "notifier_impl.h"
#include "pg.h"
#include "source.h"

#define TEAMS_RETRY	10	/* seconds before reading them again after an error */
#define TEAMS_WAIT	5	/* seconds the outbox waits for a read of them */
#define SWEEP_EVERY	30	/* seconds between looks without a NOTIFY */
#define BACKOFF_MIN	2	/* seconds before the first retry */
#define GIVE_UP_AFTER	(3 * 86400)	/* transient failures become permanent */

static void notifier_send_next(struct notifier *n);
static void notifier_rearm(struct notifier *n);
static void notifier_next_due(void *arg, PGresult *res);

/* Teams: names and addresses from the source's teams view. */

static void
notifier_teams_read(void *arg, PGresult *res)
{
	struct notifier *n = arg;
	struct team_list tl = { NULL, 0 };

	n->teams_busy = false;
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		/* Once per spell of failures, and without the query's text. */
		if (res != NULL && !n->teams_failing)
			log_err("notifier: cannot read %s.teams: %s; no "
			    "alert email goes out until it can be read",
			    n->cfg->source.schema, pg_primary_message(res));
		n->teams_failing = res != NULL;
		n->teams_next_at = engine_now() + TEAMS_RETRY;
		notifier_rearm(n);
		return;
	}
	/* Every address through the one parser; bad ones become findings. */
	(void)source_routing_decode(res, &n->cfg->notify.domains, &tl);
	team_list_clear(&n->teams);
	n->teams = tl;
	/* Read as often as the source is polled: a change counts at once. */
	n->teams_next_at = engine_now() + n->cfg->source.poll_interval;
	if (notifier_active(n)) {
		notifier_address_findings(n);
		notifier_caseloads_refresh(n);
	}
	if (!n->teams_loaded || n->teams_failing)
		log_info("notifier: %zu teams read", tl.n);
	n->teams_loaded = true;
	n->teams_failing = false;
	notifier_rearm(n);
}

static void
notifier_teams_refresh(struct notifier *n)
{
	char *sql;

	if (n->teams_busy || !pgconn_is_up(n->src))
		return;
	/* The answer sets the next time; this one holds if none comes. */
	n->teams_next_at = engine_now() + TEAMS_RETRY;
	n->teams_asked_at = engine_now();
	sql = source_routing_sql(n->cfg->source.schema);
	if (pgconn_query(n->src, sql, 0, NULL, notifier_teams_read, n) == 0)
		n->teams_busy = true;
	free(sql);
}

/* Delivery: one email at a time, every attempt recorded. */

struct sending {
	struct notifier	*n;
	long long	 email_id;
	char		*kind;
	char		*route;
	char		*subject;
	int		 attempts;
	int64_t		 created_at;
	struct tx_result r;
};

static void
sending_free(struct sending *s)
{
	if (s == NULL)
		return;
	free(s->kind);
	free(s->route);
	free(s->subject);
	free(s);
}

static void
notifier_send_finished(struct notifier *n)
{
	sending_free(n->sending);
	n->sending = NULL;
	if (n->stopping) {
		if (n->stop_cb != NULL) {
			void (*cb)(void *) = n->stop_cb;

			n->stop_cb = NULL;
			cb(n->stop_arg);
		}
		return;
	}
	notifier_send_next(n);
}

static void
notifier_recorded(void *arg, PGresult *res)
{
	struct notifier *n = arg;

	if (res != NULL && PQresultStatus(res) != PGRES_TUPLES_OK)
		log_err("notifier: cannot record a delivery attempt: %s",
		    pg_primary_message(res));
	else if (res == NULL)
		log_warnx("notifier: lost the state database while recording "
		    "email #%lld; it may be sent again", n->sending->email_id);
	notifier_send_finished(n);
}

/* A permanent failure is reported to the data-quality route, once. */
static void
notifier_report_failure(struct notifier *n, const struct sending *s)
{
	char detail[900];
	struct mail_item it = { 0 };

	if (strcmp(s->route, "data_quality") == 0 ||
	    strcmp(s->kind, "delivery_failure") == 0)
		return;
	snprintf(detail, sizeof(detail), "email #%lld to route %s "
	    "(\"%s\") could not be delivered: %s", s->email_id, s->route,
	    s->subject, s->r.reply);
	it.alert_id = s->email_id;
	it.rule = "delivery";
	it.label = "Alert email not delivered";
	it.level = "data_quality";
	it.started_at = it.due_at = it.stopped_at = it.fired_at =
	    it.first_sent_at = INT64_MIN;
	it.detail = detail;
	notifier_queue_email(n, "delivery_failure", "data_quality",
	    MAIL_DATA_QUALITY, &it, 1, s->email_id);
}

static void
notifier_sent(void *arg, const struct tx_result *r)
{
	struct notifier *n = arg;
	struct sending *s = n->sending;
	static const char *const outcomes[] = { "sent", "retry", "failed" };
	char id[24], code[16], delay[24];
	const char *params[6];
	int64_t wait;
	int o;

	s->r = *r;
	o = r->outcome;
	if (o == TX_RETRY && engine_now() - s->created_at > GIVE_UP_AFTER)
		o = TX_FAILED;
	/* Exponential backoff from BACKOFF_MIN up to retry_max. */
	wait = BACKOFF_MIN;
	for (int i = 1; i < s->attempts && wait < n->cfg->notify.retry_max; i++)
		wait *= 2;
	if (wait > n->cfg->notify.retry_max)
		wait = n->cfg->notify.retry_max;
	snprintf(id, sizeof(id), "%lld", s->email_id);
	snprintf(code, sizeof(code), "%d", r->code);
	snprintf(delay, sizeof(delay), "%" PRId64, wait);
	params[0] = id;
	params[1] = transport_name(n->tx);
	params[2] = outcomes[o];
	params[3] = r->code ? code : NULL;
	params[4] = r->reply;
	params[5] = delay;
	if (o == TX_SENT)
		log_info("notifier: email #%lld (%s, route %s) sent: %s",
		    s->email_id, s->kind, s->route, r->reply);
	else
		log_warnx("notifier: email #%lld (%s, route %s) attempt %d %s: "
		    "%s", s->email_id, s->kind, s->route, s->attempts,
		    o == TX_FAILED ? "failed for good" : "failed, will retry",
		    r->reply);
	if (o == TX_RETRY && engine_now() + wait < n->retry_at)
		n->retry_at = engine_now() + wait;
	if (o == TX_SENT)
		metrics.emails_sent++;
	else
		metrics.emails_failed++;
	if (o == TX_FAILED) {
		n->stats.failed++;
		notifier_report_failure(n, s);
	} else if (o == TX_SENT)
		n->stats.sent++;
	if (pgconn_query(n->state,
	    "WITH a AS (INSERT INTO mashwatch.email_attempts (email_id, "
	    "  transport, outcome, code, reply) "
	    "  VALUES ($1::bigint, $2, $3, $4::int, $5) RETURNING 1) "
	    "UPDATE mashwatch.emails SET status = CASE $3 WHEN 'retry' "
	    "  THEN 'pending' ELSE $3 END, "
	    "  sent_at = CASE WHEN $3 = 'sent' THEN now() END, last_reply = $5, "
	    "  next_attempt_at = now() + make_interval(secs => $6::int) "
	    "WHERE email_id = $1::bigint RETURNING (SELECT count(*) FROM a)",
	    6, params, notifier_recorded, n) < 0) {
		log_warnx("notifier: state database down: email #%lld will be "
		    "attempted again", s->email_id);
		notifier_send_finished(n);
	}
}

static void
notifier_picked(void *arg, PGresult *res)
{
	struct notifier *n = arg;
	struct sending *s;
	char **rcpts = NULL, *list, *p;
	size_t nr = 0;

	n->picking = false;
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) == 0) {
		if (res != NULL && PQresultStatus(res) != PGRES_TUPLES_OK)
			log_err("notifier: cannot pick an email to send: %s",
			    pg_primary_message(res));
		if (n->stopping && n->stop_cb != NULL)
			notifier_send_finished(n);
		else {
			if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK)
				pgconn_query(n->state, "SELECT ceil(extract(epoch "
				    "FROM min(next_attempt_at) - now()))::bigint "
				    "FROM mashwatch.emails WHERE status = 'pending'",
				    0, NULL, notifier_next_due, n);
			notifier_rearm(n);
		}
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->n = n;
	s->email_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	s->kind = xstrdup(PQgetvalue(res, 0, 1));
	s->route = xstrdup(PQgetvalue(res, 0, 2));
	s->attempts = atoi(PQgetvalue(res, 0, 6));
	s->created_at = strtoll(PQgetvalue(res, 0, 7), NULL, 10);
	s->subject = xstrdup(PQgetvalue(res, 0, 8));
	list = xstrdup(PQgetvalue(res, 0, 3));
	for (char *tok = strtok_r(list, "\n", &p); tok != NULL;
	    tok = strtok_r(NULL, "\n", &p)) {
		rcpts = xreallocarray(rcpts, nr + 1, sizeof(*rcpts));
		rcpts[nr++] = tok;
	}
	n->sending = s;
	if (transport_send(n->tx, n->cfg->notify.from, rcpts, nr,
	    PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5), notifier_sent,
	    n) < 0)
		fatalx("notifier: the transport is busy with another message");
	free(rcpts);
	free(list);
}

/*
 * Nothing to send now: the earliest pending email says when to look again,
 * so that one held by a crashed attempt's lease is taken the moment that
 * lease ends, not at the next sweep.  Seconds from the database's now, so
 * the two clocks need not agree.
 */
static void
notifier_next_due(void *arg, PGresult *res)
{
	struct notifier *n = arg;
	int64_t in;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		return;
	in = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	if (in < 1)
		in = 1;
	if (engine_now() + in < n->next_send_at) {
		n->next_send_at = engine_now() + in;
		notifier_rearm(n);
	}
}

static void
notifier_send_next(struct notifier *n)
{
	char lease[16];
	const char *params[2] = { lease, n->holder };

	if (n->sending != NULL || n->picking || !notifier_active(n))
		return;
	snprintf(lease, sizeof(lease), "%d", n->cfg->notify.send_timeout);
	/*
	 * Taking the email pushes next_attempt_at on by the send's lease:
	 * another daemon skips it until then.  The leader lease is the
	 * fencing token, checked in the same statement: a daemon that was
	 * frozen past its lease and has not yet noticed takes nothing.
	 */
	if (pgconn_query(n->state,
	    "UPDATE mashwatch.emails SET attempts = attempts + 1, "
	    "  next_attempt_at = now() + make_interval(secs => $1::int) "
	    "WHERE email_id = (SELECT email_id FROM mashwatch.emails "
	    "  WHERE status = 'pending' AND next_attempt_at <= now() "
	    "  ORDER BY next_attempt_at, email_id LIMIT 1 "
	    "  FOR UPDATE SKIP LOCKED) "
	    "AND EXISTS (SELECT 1 FROM mashwatch.leases WHERE name = 'leader' "
	    "  AND holder = $2 AND expires_at > now()) "
	    "RETURNING email_id, kind, route, array_to_string(recipients, E'\\n'), "
	    "  message_id, message, attempts, "
	    "  extract(epoch FROM created_at)::bigint, subject",
	    2, params, notifier_picked, n) == 0)
		n->picking = true;
}

/* Called by notifier_outbox.c (n->kick_send) once an email has been stored. */
static void
notifier_kick_send(struct notifier *n)
{
	notifier_send_next(n);
}

/* The tick: do what is due, then sleep until the next thing is. */

static int64_t
earlier(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/*
 * When the outbox is next read: what a poll raised is routed by the teams
 * as that poll left them, so a read of them under way is waited for (not
 * for ever: a source that does not answer does not hold up the email).
 */
static int64_t
outbox_due(const struct notifier *n)
{
	int64_t at = n->next_outbox_at;

	if (n->teams_busy && at < n->teams_asked_at + TEAMS_WAIT)
		at = n->teams_asked_at + TEAMS_WAIT;
	return at;
}

static void
notifier_rearm(struct notifier *n)
{
	int64_t now = engine_now(), next = INT64_MAX;
	struct timeval tv = { 0, 0 };

	if (n->stopping)
		return;
	if (!n->is_leader(n->leader_arg)) {
		/* notifier_wake() comes when that changes. */
		if (n->was_leader)
			next = now;	/* to notice it in the tick */
		else {
			evtimer_del(n->ev_tick);
			return;
		}
	}
	/* What is under way says when it is done; only the rest can fall due. */
	if (!n->teams_busy && pgconn_is_up(n->src))
		next = earlier(next, n->teams_next_at);
	if (notifier_active(n) && n->teams_loaded) {
		if (n->outbox_busy == 0)
			next = earlier(next, outbox_due(n));
		if (!n->picking && n->sending == NULL)
			next = earlier(next, earlier(n->next_send_at,
			    n->retry_at));
		if (!n->digest_busy)
			next = earlier(next, notifier_digest_due(n, now));
	}
	if (next == INT64_MAX) {
		/* Waiting on a database or an answer: those wake us. */
		evtimer_del(n->ev_tick);
		return;
	}
	if (next > now)
		tv.tv_sec = (time_t)(next - now);
	evtimer_add(n->ev_tick, &tv);
}

void
notifier_wake(struct notifier *n)
{
	if (!n->stopping)
		event_active(n->ev_tick, EV_TIMEOUT, 0);
}

void
notifier_source_polled(struct notifier *n)
{
	n->teams_next_at = engine_now();
	notifier_wake(n);
}

static void
notifier_tick(evutil_socket_t fd, short what, void *arg)
{
	struct notifier *n = arg;
	int64_t now = engine_now();

	(void)fd;
	(void)what;
	if (n->stopping)
		return;
	if (!n->is_leader(n->leader_arg)) {
		if (n->was_leader)
			log_info("notifier: standing by");
		n->was_leader = false;
		notifier_rearm(n);
		return;
	}
	if (!n->was_leader) {
		/* New leader: look at everything at once. */
		n->was_leader = true;
		n->next_outbox_at = now;
		n->next_send_at = now;
		n->teams_next_at = now;
		log_info("notifier: active");
	}
	if (now >= n->teams_next_at)
		notifier_teams_refresh(n);
	if (notifier_active(n) && n->teams_loaded) {
		if (now >= outbox_due(n))
			notifier_outbox_round(n, now);
		notifier_digest_check(n, now);
		/*
		 * New emails kick a send themselves and each send asks for
		 * the next; retries fall due unannounced, at the time we
		 * gave them or, for those another leader gave, at the next
		 * sweep.
		 */
		if (now >= earlier(n->next_send_at, n->retry_at)) {
			n->next_send_at = now + SWEEP_EVERY;
			n->retry_at = INT64_MAX;
			notifier_send_next(n);
		}
	}
	notifier_rearm(n);
}

static void
notifier_notified(void *arg, const char *channel, const char *payload)
{
	struct notifier *n = arg;

	(void)channel;
	n->next_outbox_at = 0;
	/* mashwatchctl queue retry: pending emails made due now; send them. */
	if (payload != NULL && strcmp(payload, "send") == 0)
		n->next_send_at = 0;
	notifier_rearm(n);
}

static void
notifier_state_changed(void *arg, bool up)
{
	struct notifier *n = arg;

	if (up) {
		n->next_outbox_at = 0;
		n->next_send_at = 0;
	}
	notifier_rearm(n);
}

static void
notifier_source_changed(void *arg, bool up)
{
	struct notifier *n = arg;

	if (up && !n->teams_loaded)
		n->teams_next_at = 0;
	notifier_rearm(n);
}

struct notifier *
notifier_new(struct event_base *base, const struct config *cfg,
    const struct calendar *cal, const char *holder,
    bool (*is_leader)(void *arg), void *arg)
{
	struct notifier *n = xcalloc(1, sizeof(*n));

	n->holder = xstrdup(holder);
	n->base = base;
	n->cfg = cfg;
	n->cal = cal;
	n->rearm = notifier_rearm;
	n->kick_send = notifier_kick_send;
	n->is_leader = is_leader;
	n->leader_arg = arg;
	n->state = pgconn_new(base, "notifier (state)", cfg->state.conninfo,
	    notifier_state_changed, n);
	n->src = pgconn_new(base, "notifier (source)", cfg->source.conninfo,
	    notifier_source_changed, n);
	if (n->state == NULL || n->src == NULL)
		fatalx("notifier: cannot use the configured conninfo");
	pgconn_listen(n->state, "mashwatch_outbox", notifier_notified, n);
	n->tx = transport_new(base, cfg);
	n->retry_at = INT64_MAX;
	n->ev_tick = evtimer_new(base, notifier_tick, n);
	notifier_wake(n);
	return n;
}

void
notifier_reconfigure(struct notifier *n, const struct config *cfg,
    const struct calendar *cal)
{
	n->cfg = cfg;
	n->cal = cal;
	transport_reconfigure(n->tx, cfg);
	/* reminder_at may have moved: look again today. */
	n->digest_done_on = 0;
	n->next_outbox_at = 0;
	notifier_rearm(n);
}

static void
notifier_stop_now(evutil_socket_t fd, short what, void *arg)
{
	struct notifier *n = arg;
	void (*cb)(void *) = n->stop_cb;

	(void)fd;
	(void)what;
	n->stop_cb = NULL;
	if (cb != NULL)
		cb(n->stop_arg);
}

void
notifier_stop(struct notifier *n, void (*cb)(void *arg), void *arg)
{
	struct timeval now = { 0, 0 };

	n->stopping = true;
	n->stop_cb = cb;
	n->stop_arg = arg;
	evtimer_del(n->ev_tick);
	if (n->picking && n->sending == NULL) {
		/* Whatever the pick returns is sent, then we stop. */
		return;
	}
	if (n->sending != NULL) {
		log_notice("notifier: finishing email #%lld before stopping",
		    n->sending->email_id);
		return;
	}
	/* An email being picked arrives, is not sent, and stays pending. */
	event_base_once(n->base, -1, EV_TIMEOUT, notifier_stop_now, n, &now);
}

void
notifier_free(struct notifier *n)
{
	if (n == NULL)
		return;
	transport_free(n->tx);
	pgconn_free(n->state);
	pgconn_free(n->src);
	event_free(n->ev_tick);
	team_list_clear(&n->teams);
	route_times_clear(n);
	sending_free(n->sending);
	free(n->holder);
	free(n);
}
