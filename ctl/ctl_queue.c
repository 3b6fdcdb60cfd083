/*
 * mashwatchctl queue: what mail waits and why (like Postfix's mailq).
 * Two kinds of item: emails not yet delivered (mashwatch.emails: waiting,
 * failing and retried with back-off, or failed for good in the last
 * FAILED_DAYS days), and alerts in the outbox not yet put into an email
 * (mashwatch.notifications: held for the morning digest, outside working
 * hours, grouped for group_wait/group_interval, or silenced).  `queue
 * retry` makes pending emails due now and wakes the leader's notifier
 * with a NOTIFY on its channel.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "ctl.h"
#include "daemon/engine_clock.h"
#include "daemon/pg.h"
#include "mashwatch/route.h"
#include "daemon/setup.h"

#define FAILED_DAYS	"7"

static const char emails_sql[] =
    "SELECT email_id, kind, route, array_to_string(recipients, ', '),"
    " status, attempts, last_reply, extract(epoch FROM next_attempt_at),"
    " extract(epoch FROM created_at)"
    " FROM mashwatch.emails WHERE status = 'pending' OR (status = 'failed'"
    "  AND created_at > now() - interval '" FAILED_DAYS " days')"
    " ORDER BY created_at, email_id";

static const char outbox_sql[] =
    "SELECT n.notification_id, n.event, a.alert_id, a.rule, a.level,"
    " a.team_id, a.priority, extract(epoch FROM n.created_at),"
    " n.held_at IS NOT NULL, s.silence_id, extract(epoch FROM s.ends_at),"
    " a.resolved_at IS NOT NULL"
    " FROM mashwatch.notifications n"
    " JOIN mashwatch.alerts a ON a.alert_id = n.alert_id"
    " LEFT JOIN LATERAL (SELECT s.silence_id, s.ends_at"
    "  FROM mashwatch.silences s WHERE s.clock = a.rule"
    "  AND (s.team_id IS NULL OR s.team_id = a.team_id)"
    "  AND s.expired_at IS NULL AND s.starts_at <= now()"
    "  AND s.ends_at > now() ORDER BY s.ends_at DESC LIMIT 1) s ON true"
    " WHERE n.claimed_at IS NULL ORDER BY n.notification_id";

/* Whether the time t falls in notify.working_hours of a working day. */
static bool
in_hours(const struct ctl *ctl, int64_t t)
{
	struct cal_date d = calendar_date_of(ctl->cal, t);
	int64_t local = t + calendar_utc_offset(ctl->cal, t);
	int minute = (int)((local % 86400 + 86400) % 86400 / 60);

	return calendar_is_working_day(ctl->cal, d) &&
	    minute >= ctl->cfg->notify.work_from &&
	    minute < ctl->cfg->notify.work_to;
}

/* The next morning digest's instant after now (reminder_at, DST-aware). */
static int64_t
next_digest(const struct ctl *ctl, int64_t now)
{
	struct cal_date d = calendar_date_of(ctl->cal, now);

	for (int i = 0; i < 400; i++, d = cal_date_add_days(d, 1)) {
		int64_t mid = calendar_start_of(ctl->cal, d);
		int64_t at = mid + (int64_t)ctl->cfg->notify.reminder_at * 60;

		at -= calendar_utc_offset(ctl->cal, at) -
		    calendar_utc_offset(ctl->cal, mid);
		if (calendar_is_working_day(ctl->cal, d) && at > now)
			return at;
	}
	return INT64_MIN;
}

struct qitem {
	char		 id[32];
	const char	*type;		/* "email" or "outbox" */
	const char	*state;
	char		 why[600];
	char		 route[200];
	int64_t		 created;
	int64_t		 next;		/* INT64_MIN: none */
};

static void
email_item(PGresult *res, int r, struct qitem *q)
{
	const char *status = PQgetvalue(res, r, 4);
	int attempts = atoi(PQgetvalue(res, r, 5));
	const char *reply = PQgetisnull(res, r, 6) ? "no reply" :
	    PQgetvalue(res, r, 6);

	snprintf(q->id, sizeof(q->id), "%s", PQgetvalue(res, r, 0));
	q->type = "email";
	snprintf(q->route, sizeof(q->route), "%s", PQgetvalue(res, r, 2));
	q->created = ctl_time_of(res, r, 8);
	q->next = ctl_time_of(res, r, 7);
	if (strcmp(status, "failed") == 0) {
		q->state = "failed";
		snprintf(q->why, sizeof(q->why), "%s email failed for good "
		    "after %d attempts: %s; `queue retry %s` sends it again",
		    PQgetvalue(res, r, 1), attempts, reply, q->id);
		q->next = INT64_MIN;
	} else if (attempts > 0 && !PQgetisnull(res, r, 6)) {
		q->state = "failing";
		snprintf(q->why, sizeof(q->why), "%s email, attempt %d "
		    "failed: %s", PQgetvalue(res, r, 1), attempts, reply);
	} else {
		q->state = "waiting";
		snprintf(q->why, sizeof(q->why), "%s email waiting to be "
		    "sent", PQgetvalue(res, r, 1));
	}
}

/* Why an alert is still in the outbox, as the notifier decides it. */
static int64_t
route_last(PGresult *routes, const char *key)
{
	for (int r = 0; r < PQntuples(routes); r++)
		if (strcmp(PQgetvalue(routes, r, 0), key) == 0)
			return ctl_time_of(routes, r, 1);
	return INT64_MIN;
}

static void
outbox_item(const struct ctl *ctl, const struct team_list *tl,
    PGresult *routes, PGresult *res, int r, int64_t now, struct qitem *q)
{
	const struct clock_conf *cc = config_clock(ctl->cfg,
	    PQgetvalue(res, r, 3));
	const char *level = PQgetvalue(res, r, 4);
	bool urgent = cc != NULL && strcmp(level, "repeat") != 0 &&
	    strcmp(level, "data_quality") != 0 &&
	    config_clock_timescale(cc, PQgetisnull(res, r, 6) ? NULL :
	    PQgetvalue(res, r, 6))->unit == TS_HOURS;
	int64_t last, due;
	struct route rt;
	char t[32];

	snprintf(q->id, sizeof(q->id), "n%s", PQgetvalue(res, r, 0));
	q->type = "outbox";
	q->created = ctl_time_of(res, r, 7);
	router_route(ctl->cfg, tl, PQgetvalue(res, r, 3), level,
	    PQgetisnull(res, r, 5) ? NULL : PQgetvalue(res, r, 5), &rt);
	snprintf(q->route, sizeof(q->route), "%s", rt.key);
	last = route_last(routes, rt.key);
	route_clear(&rt);
	if (!PQgetisnull(res, r, 9)) {
		q->state = "silenced";
		q->next = ctl_time_of(res, r, 10);
		snprintf(q->why, sizeof(q->why), "alert %s (%s %s) silenced "
		    "by silence %s until %s", PQgetvalue(res, r, 2),
		    PQgetvalue(res, r, 3), level, PQgetvalue(res, r, 9),
		    ctl_fmt_time(ctl, q->next, t, sizeof(t)));
		return;
	}
	if (strcmp(PQgetvalue(res, r, 1), "resolved") == 0 ||
	    strcmp(PQgetvalue(res, r, 8), "t") == 0 ||
	    strcmp(PQgetvalue(res, r, 11), "t") == 0 ||
	    (!urgent && (!in_hours(ctl, q->created) || !in_hours(ctl, now)))) {
		q->state = "held";
		q->next = next_digest(ctl, now);
		snprintf(q->why, sizeof(q->why), "alert %s (%s %s) %s: held "
		    "for the morning digest", PQgetvalue(res, r, 2),
		    PQgetvalue(res, r, 3), level,
		    strcmp(PQgetvalue(res, r, 1), "resolved") == 0 ||
		    strcmp(PQgetvalue(res, r, 11), "t") == 0 ? "resolved" :
		    "routine, outside working hours");
		return;
	}
	q->state = "grouped";
	due = urgent ? q->created : q->created + ctl->cfg->notify.group_wait;
	if (!urgent && last != INT64_MIN &&
	    last + ctl->cfg->notify.group_interval > due)
		due = last + ctl->cfg->notify.group_interval;
	q->next = due > now ? due : now;
	snprintf(q->why, sizeof(q->why), "alert %s (%s %s) %s",
	    PQgetvalue(res, r, 2), PQgetvalue(res, r, 3), level,
	    urgent ? "urgent: goes at once" : due > now && last != INT64_MIN &&
	    due == last + ctl->cfg->notify.group_interval ?
	    "waits for the route's group_interval" : due > now ?
	    "waits for group_wait to gather others" : "due now");
}

static void
queue_print(const struct ctl *ctl, const struct qitem *q, size_t n,
    bool json)
{
	json_t *out, *list;
	char a[32], b[32];

	if (!json) {
		printf("%zu held or failing at %s\n", n, ctl_fmt_time(ctl,
		    engine_now(), a, sizeof(a)));
		if (n > 0)
			printf("%-8s %-9s %-20s %-25s %s\n", "ID", "STATE",
			    "ROUTE", "NEXT ATTEMPT", "WHY");
		/* A relay's reply is text from outside: escaped (ctl_put). */
		for (size_t i = 0; i < n; i++) {
			printf("%-8s %-9s %-20s %-25s ", q[i].id, q[i].state,
			    q[i].route, ctl_fmt_time(ctl, q[i].next, b,
			    sizeof(b)));
			ctl_put(q[i].why);
			printf("\n");
		}
		return;
	}
	out = json_object();
	list = json_array();
	json_object_set_new(out, "now", ctl_json_time(ctl, engine_now()));
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_string(q[i].id));
		json_object_set_new(o, "type", json_string(q[i].type));
		json_object_set_new(o, "state", json_string(q[i].state));
		json_object_set_new(o, "route", json_string(q[i].route));
		json_object_set_new(o, "why", json_string(q[i].why));
		json_object_set_new(o, "created_at", ctl_json_time(ctl,
		    q[i].created));
		json_object_set_new(o, "next_attempt_at", ctl_json_time(ctl,
		    q[i].next));
		json_array_append_new(list, o);
	}
	json_object_set_new(out, "items", list);
	ctl_json_print(out);
	json_decref(out);
}

static int
queue_list(struct ctl *ctl, PGconn *conn, bool json)
{
	struct team_list tl = { NULL, 0 };
	PGresult *em, *ob = NULL, *rt = NULL;
	struct qitem *q = NULL;
	size_t n = 0;
	int64_t now = engine_now();
	int rc = EX_UNAVAILABLE;

	em = PQexec(conn, emails_sql);
	if (PQresultStatus(em) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: queue: %s\n",
		    pg_primary_message(em));
		goto out;
	}
	ob = PQexec(conn, outbox_sql);
	if (PQresultStatus(ob) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: queue: %s\n",
		    pg_primary_message(ob));
		goto out;
	}
	rt = PQexec(conn, "SELECT route, extract(epoch FROM last_email_at) "
	    "FROM mashwatch.routes");
	if (PQresultStatus(rt) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: queue: %s\n",
		    pg_primary_message(rt));
		goto out;
	}
	/* Routes need the teams; without them, say so and use the config's. */
	if (PQntuples(ob) > 0 && ctl_read_teams(ctl, &tl) < 0)
		fprintf(stderr, "mashwatchctl: warning: the teams view cannot "
		    "be read: routes shown are the config's\n");
	q = calloc((size_t)(PQntuples(em) + PQntuples(ob)) + 1, sizeof(*q));
	if (q == NULL) {
		fprintf(stderr, "mashwatchctl: queue: out of memory\n");
		goto out;
	}
	for (int r = 0; r < PQntuples(em); r++)
		email_item(em, r, &q[n++]);
	for (int r = 0; r < PQntuples(ob); r++)
		outbox_item(ctl, &tl, rt, ob, r, now, &q[n++]);
	queue_print(ctl, q, n, json);
	rc = EX_OK;
out:
	free(q);
	team_list_clear(&tl);
	PQclear(em);
	PQclear(ob);
	PQclear(rt);
	return rc;
}

/* Every pending email, or the one named (pending or failed), due now. */
static int
queue_retry(struct ctl *ctl, PGconn *conn, const char *id)
{
	const char *params[1] = { id };
	PGresult *res;
	int rc = EX_UNAVAILABLE;

	if (id != NULL && (*id == 'n' || *id == 'N')) {
		fprintf(stderr, "mashwatchctl: %s is an alert in the outbox, not "
		    "an email yet: it goes when the notifier's rules say (see "
		    "`mashwatchctl queue`)\n", id);
		return EX_DATAERR;
	}
	if (id != NULL && (*id == '\0' || strlen(id) > 18 ||
	    strspn(id, "0123456789") != strlen(id)))
		return ctl_usage(ctl->command, EX_USAGE);
	res = PQexecParams(conn, "WITH u AS (UPDATE mashwatch.emails SET "
	    "status = 'pending', next_attempt_at = now() WHERE CASE WHEN $1::text "
	    "IS NULL THEN status = 'pending' ELSE email_id = $1::bigint AND "
	    "status IN ('pending', 'failed') END RETURNING email_id) "
	    "SELECT (SELECT count(*) FROM u), pg_notify('mashwatch_outbox', "
	    "'send')", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "mashwatchctl: queue retry: %s\n",
		    pg_primary_message(res));
	else if (id != NULL && strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
		fprintf(stderr, "mashwatchctl: no email %s waiting or failed\n",
		    id);
		rc = EX_DATAERR;
	} else {
		printf("%s email%s due now; the leader sends %s\n",
		    PQgetvalue(res, 0, 0), strcmp(PQgetvalue(res, 0, 0), "1") ?
		    "s" : "", strcmp(PQgetvalue(res, 0, 0), "1") ? "them" : "it");
		rc = EX_OK;
	}
	PQclear(res);
	return rc;
}

int
ctl_queue(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, retry = false;
	PGconn *conn;
	int ch, rc;

	if (argc >= 2 && strcmp(argv[1], "retry") == 0) {
		retry = true;
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j' || retry)
			return ctl_usage(ctl->command, EX_USAGE);
		json = true;
	}
	if ((retry && argc - optind > 1) || (!retry && optind != argc))
		return ctl_usage(ctl->command, EX_USAGE);
	if ((conn = setup_state_connect(ctl->cfg, "mashwatchctl", &rc)) ==
	    NULL)
		return rc;
	rc = EX_UNAVAILABLE;
	rc = retry ? queue_retry(ctl, conn, optind < argc ? argv[optind] :
	    NULL) : queue_list(ctl, conn, json);
	PQfinish(conn);
	return rc;
}
