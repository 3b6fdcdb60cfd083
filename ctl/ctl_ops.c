/*
 * mashwatchctl alerts and silence: the open alerts with their ids (what
 * `ack` takes), and silences for a known outage or backlog.  A silence is
 * a row in mashwatch.silences (migration 010); the notifier's outbox
 * statements pass over what one covers, and `silence expire` wakes it so
 * that what is still open is notified at once.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl.h"
#include "daemon/engine_clock.h"
#include "daemon/pg.h"
#include "daemon/setup.h"
#include "mashwatch/termtext.h"

#define NOTE_MAX	1000

/* Seconds since the epoch in a column, or INT64_MIN for NULL. */
int64_t
ctl_time_of(PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? INT64_MIN :
	    (int64_t)strtod(PQgetvalue(res, r, c), NULL);
}

json_t *
ctl_json_time(const struct ctl *ctl, int64_t t)
{
	char buf[32];

	if (t == INT64_MIN)
		return json_null();
	calendar_format_iso(ctl->cal, t, buf, sizeof(buf));
	return json_string(buf);
}

json_t *
ctl_json_str(PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? json_null() :
	    json_string(PQgetvalue(res, r, c));
}

const char *
ctl_fmt_time(const struct ctl *ctl, int64_t t, char *buf, size_t len)
{
	if (t == INT64_MIN)
		snprintf(buf, len, "-");
	else
		calendar_format_iso(ctl->cal, t, buf, len);
	return buf;
}

void
ctl_json_print(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s != NULL)
		printf("%s\n", s);
	free(s);
}

/* A rule an alert can carry: a clock, a repeat rule or a check. */
static bool
rule_known(const struct ctl *ctl, const char *rule)
{
	return config_clock(ctl->cfg, rule) != NULL ||
	    config_repeat(ctl->cfg, rule) != NULL ||
	    config_check(ctl->cfg, rule) != NULL;
}

/* "3d 4h", "2h 5m", "40s": how late, for a person. */
static void
fmt_late(int64_t s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%lldd %lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, len, "%lldh %lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, len, "%lldm", (long long)(s / 60));
	else
		snprintf(buf, len, "%llds", (long long)s);
}

/*
 * The active silence that ends last of alert a (the alias), as columns
 * silence_id and ends_at of a lateral join named s.
 */
#define ACTIVE_SILENCE(a)						\
    " LEFT JOIN LATERAL (SELECT s.silence_id, s.ends_at"		\
    "  FROM mashwatch.silences s WHERE s.clock = " a ".rule"		\
    "  AND (s.team_id IS NULL OR s.team_id = " a ".team_id)"		\
    "  AND s.expired_at IS NULL AND s.starts_at <= now()"		\
    "  AND s.ends_at > now() ORDER BY s.ends_at DESC LIMIT 1) s ON true"

static const char alerts_sql[] =
    "SELECT a.alert_id, a.rule, a.level, a.team_id, a.child_id,"
    " a.instance_id, extract(epoch FROM a.fired_at),"
    " extract(epoch FROM a.due_at),"
    " floor(extract(epoch FROM now() - a.due_at))::bigint,"
    " a.acked_by, extract(epoch FROM a.acked_at), a.ack_note,"
    " extract(epoch FROM a.ack_until),"
    " a.acked_at IS NOT NULL AND (a.ack_until IS NULL OR a.ack_until > now()),"
    " s.silence_id, extract(epoch FROM s.ends_at), a.priority"
    " FROM mashwatch.alerts a" ACTIVE_SILENCE("a")
    " WHERE a.resolved_at IS NULL"
    "  AND ($1::text IS NULL OR a.team_id = $1)"
    "  AND ($2::text IS NULL OR a.rule = $2)"
    "  AND CASE $3::text"
    "   WHEN 'open' THEN NOT (a.acked_at IS NOT NULL AND (a.ack_until IS NULL"
    "     OR a.ack_until > now())) AND s.silence_id IS NULL"
    "   WHEN 'acked' THEN a.acked_at IS NOT NULL AND (a.ack_until IS NULL"
    "     OR a.ack_until > now())"
    "   WHEN 'silenced' THEN s.silence_id IS NOT NULL"
    "   ELSE true END"
    " ORDER BY a.due_at NULLS LAST, a.alert_id";

static json_t *
alert_json(const struct ctl *ctl, PGresult *res, int r)
{
	json_t *o = json_object(), *ack = json_null(), *sil = json_null();
	bool late = !PQgetisnull(res, r, 8) &&
	    strtoll(PQgetvalue(res, r, 8), NULL, 10) > 0;

	json_object_set_new(o, "id", json_integer(strtoll(PQgetvalue(res, r,
	    0), NULL, 10)));
	json_object_set_new(o, "clock", json_string(PQgetvalue(res, r, 1)));
	json_object_set_new(o, "level", json_string(PQgetvalue(res, r, 2)));
	json_object_set_new(o, "priority", ctl_json_str(res, r, 16));
	json_object_set_new(o, "team", ctl_json_str(res, r, 3));
	json_object_set_new(o, "child", ctl_json_str(res, r, 4));
	json_object_set_new(o, "instance", ctl_json_str(res, r, 5));
	json_object_set_new(o, "fired_at", ctl_json_time(ctl,
	    ctl_time_of(res, r, 6)));
	json_object_set_new(o, "due_at", ctl_json_time(ctl,
	    ctl_time_of(res, r, 7)));
	json_object_set_new(o, "late_seconds", late ? json_integer(strtoll(
	    PQgetvalue(res, r, 8), NULL, 10)) : json_null());
	if (!PQgetisnull(res, r, 9)) {
		ack = json_object();
		json_object_set_new(ack, "by", json_string(PQgetvalue(res, r,
		    9)));
		json_object_set_new(ack, "at", ctl_json_time(ctl,
		    ctl_time_of(res, r, 10)));
		json_object_set_new(ack, "note", ctl_json_str(res, r, 11));
		json_object_set_new(ack, "until", ctl_json_time(ctl,
		    ctl_time_of(res, r, 12)));
		json_object_set_new(ack, "active", json_boolean(strcmp(
		    PQgetvalue(res, r, 13), "t") == 0));
	}
	json_object_set_new(o, "ack", ack);
	if (!PQgetisnull(res, r, 14)) {
		sil = json_object();
		json_object_set_new(sil, "id", json_integer(strtoll(
		    PQgetvalue(res, r, 14), NULL, 10)));
		json_object_set_new(sil, "until", ctl_json_time(ctl,
		    ctl_time_of(res, r, 15)));
	}
	json_object_set_new(o, "silence", sil);
	return o;
}

static void
alert_print(const struct ctl *ctl, PGresult *res, int r)
{
	char due[32], late[32] = "-", t[32];
	/* Ids and names from the source: escaped like every database text. */
	char *team = termtext_escape(PQgetisnull(res, r, 3) ? "-" :
	    PQgetvalue(res, r, 3));
	char *child = termtext_escape(PQgetisnull(res, r, 4) ? "-" :
	    PQgetvalue(res, r, 4));

	if (!PQgetisnull(res, r, 8) && strtoll(PQgetvalue(res, r, 8), NULL,
	    10) > 0)
		fmt_late(strtoll(PQgetvalue(res, r, 8), NULL, 10), late,
		    sizeof(late));
	printf("%-8s %-24s %-10s %-10s %-12s %-25s %-8s ", PQgetvalue(res, r, 0),
	    PQgetvalue(res, r, 1), PQgetvalue(res, r, 2), team, child,
	    ctl_fmt_time(ctl, ctl_time_of(res, r, 7), due, sizeof(due)), late);
	free(team);
	free(child);
	if (!PQgetisnull(res, r, 14))
		printf("silenced (#%s until %s) ", PQgetvalue(res, r, 14),
		    ctl_fmt_time(ctl, ctl_time_of(res, r, 15), t, sizeof(t)));
	if (PQgetisnull(res, r, 9))
		printf("%s\n", PQgetisnull(res, r, 14) ? "not acknowledged" : "");
	else {
		printf("acked by ");
		ctl_put(PQgetvalue(res, r, 9));
		printf(" %s", ctl_fmt_time(ctl, ctl_time_of(res, r, 10), t,
		    sizeof(t)));
		if (!PQgetisnull(res, r, 12))
			printf(" until %s%s", ctl_fmt_time(ctl, ctl_time_of(res,
			    r, 12), t, sizeof(t)), strcmp(PQgetvalue(res, r, 13),
			    "t") == 0 ? "" : " (lapsed)");
		printf("\n");
	}
}

int
ctl_alerts(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "team", required_argument, NULL, 't' },
		{ "clock", required_argument, NULL, 'k' },
		{ "state", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *params[3] = { NULL, NULL, "" };
	bool json = false;
	PGconn *conn;
	PGresult *res;
	json_t *out, *list;
	char now[32];
	int ch, rc = EX_UNAVAILABLE;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			params[0] = optarg;
			break;
		case 'k':
			params[1] = optarg;
			break;
		case 's':
			/* getopt gives a required argument; "" is every state. */
			params[2] = optarg != NULL ? optarg : "";
			break;
		case 'j':
			json = true;
			break;
		default:
			return ctl_usage(ctl->command, EX_USAGE);
		}
	}
	if (optind != argc)
		return ctl_usage(ctl->command, EX_USAGE);
	if (params[1] != NULL && !rule_known(ctl, params[1])) {
		fprintf(stderr, "mashwatchctl: %s has no clock '%s'\n",
		    ctl->cfg->path, params[1]);
		return EX_DATAERR;
	}
	if (*params[2] != '\0' && strcmp(params[2], "open") != 0 &&
	    strcmp(params[2], "acked") != 0 &&
	    strcmp(params[2], "silenced") != 0) {
		fprintf(stderr, "mashwatchctl: --state '%s' is not open, acked "
		    "or silenced\n", params[2]);
		return EX_USAGE;
	}
	if ((conn = setup_state_connect(ctl->cfg, "mashwatchctl", &rc)) ==
	    NULL)
		return rc;
	rc = EX_UNAVAILABLE;
	res = PQexecParams(conn, alerts_sql, 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: alerts: %s\n",
		    pg_primary_message(res));
		goto out;
	}
	if (json) {
		out = json_object();
		list = json_array();
		json_object_set_new(out, "now", ctl_json_time(ctl,
		    engine_now()));
		for (int r = 0; r < PQntuples(res); r++)
			json_array_append_new(list, alert_json(ctl, res, r));
		json_object_set_new(out, "alerts", list);
		ctl_json_print(out);
		json_decref(out);
	} else {
		printf("open alerts at %s: %d\n", ctl_fmt_time(ctl, engine_now(),
		    now, sizeof(now)), PQntuples(res));
		if (PQntuples(res) > 0)
			printf("%-8s %-24s %-10s %-10s %-12s %-25s %-8s %s\n",
			    "ID", "CLOCK", "LEVEL", "TEAM", "CHILD", "DUE",
			    "LATE", "ACKNOWLEDGEMENT");
		for (int r = 0; r < PQntuples(res); r++)
			alert_print(ctl, res, r);
	}
	rc = EX_OK;
out:
	PQclear(res);
	PQfinish(conn);
	return rc;
}

/* Who set a silence: --by, else the OS user running the command. */
static const char *
os_user(void)
{
	struct passwd *pw = getpwuid(getuid());

	return pw != NULL && pw->pw_name != NULL ? pw->pw_name : NULL;
}

static int
silence_add(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "clock", required_argument, NULL, 'k' },
		{ "team", required_argument, NULL, 't' },
		{ "until", required_argument, NULL, 'u' },
		{ "note", required_argument, NULL, 'n' },
		{ "by", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char *clock = NULL, *team = NULL, *until = NULL, *note = NULL;
	const char *by = NULL, *params[5];
	char until_buf[32], t[32];
	PGconn *conn;
	PGresult *res;
	int64_t end;
	int ch, rc = EX_UNAVAILABLE;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			clock = optarg;
			break;
		case 't':
			team = optarg;
			break;
		case 'u':
			until = optarg;
			break;
		case 'n':
			note = optarg;
			break;
		case 'b':
			by = optarg;
			break;
		default:
			return ctl_usage(ctl->command, EX_USAGE);
		}
	}
	if (optind != argc || clock == NULL || until == NULL || note == NULL)
		return ctl_usage(ctl->command, EX_USAGE);
	if (!rule_known(ctl, clock)) {
		fprintf(stderr, "mashwatchctl: %s has no clock '%s'\n",
		    ctl->cfg->path, clock);
		return EX_DATAERR;
	}
	if (team != NULL && *team == '\0') {
		fprintf(stderr, "mashwatchctl: --team is empty\n");
		return EX_USAGE;
	}
	if (*note == '\0' || strlen(note) > NOTE_MAX) {
		fprintf(stderr, "mashwatchctl: --note must say why, in 1 to %d "
		    "characters\n", NOTE_MAX);
		return EX_USAGE;
	}
	if (calendar_parse_iso(ctl->cal, until, &end) < 0) {
		fprintf(stderr, "mashwatchctl: --until '%s' is not an ISO 8601 "
		    "date or time, e.g. 2026-12-08 or 2026-12-08T17:00\n", until);
		return EX_USAGE;
	}
	if (end <= engine_now()) {
		fprintf(stderr, "mashwatchctl: --until %s is not in the future\n",
		    ctl_fmt_time(ctl, end, t, sizeof(t)));
		return EX_USAGE;
	}
	if (by == NULL && (by = os_user()) == NULL) {
		fprintf(stderr, "mashwatchctl: who are you? say --by NAME\n");
		return EX_USAGE;
	}
	if (*by == '\0') {
		fprintf(stderr, "mashwatchctl: --by is empty\n");
		return EX_USAGE;
	}
	snprintf(until_buf, sizeof(until_buf), "%lld", (long long)end);
	params[0] = clock;
	params[1] = team;
	params[2] = until_buf;
	params[3] = note;
	params[4] = by;
	if ((conn = setup_state_connect(ctl->cfg, "mashwatchctl", &rc)) ==
	    NULL)
		return rc;
	rc = EX_UNAVAILABLE;
	res = PQexecParams(conn, "INSERT INTO mashwatch.silences (clock, "
	    "team_id, ends_at, note, created_by) VALUES ($1, $2, "
	    "to_timestamp($3::float8), $4, $5) RETURNING silence_id", 5, NULL,
	    params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "mashwatchctl: silence add: %s\n",
		    pg_primary_message(res));
	else {
		printf("silence %s: %s%s%s until %s, set by %s\n",
		    PQgetvalue(res, 0, 0), clock, team ? " of team " : "",
		    team ? team : "", ctl_fmt_time(ctl, end, t, sizeof(t)), by);
		rc = EX_OK;
	}
	PQclear(res);
	PQfinish(conn);
	return rc;
}

static int
silence_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *params[1] = { "false" };
	bool json = false;
	PGconn *conn;
	PGresult *res;
	json_t *out = NULL;
	char a[32], b[32];
	int ch, rc = EX_UNAVAILABLE;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'a')
			params[0] = "true";
		else if (ch == 'j')
			json = true;
		else
			return ctl_usage(ctl->command, EX_USAGE);
	}
	if (optind != argc)
		return ctl_usage(ctl->command, EX_USAGE);
	if ((conn = setup_state_connect(ctl->cfg, "mashwatchctl", &rc)) ==
	    NULL)
		return rc;
	rc = EX_UNAVAILABLE;
	res = PQexecParams(conn, "SELECT silence_id, clock, team_id, "
	    "extract(epoch FROM starts_at), extract(epoch FROM ends_at), note, "
	    "created_by, extract(epoch FROM expired_at), expired_by, "
	    "CASE WHEN expired_at IS NOT NULL THEN 'expired' WHEN ends_at <= "
	    "now() THEN 'ended' WHEN starts_at > now() THEN 'pending' ELSE "
	    "'active' END FROM mashwatch.silences WHERE $1::bool OR "
	    "(expired_at IS NULL AND ends_at > now()) ORDER BY silence_id",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: silence list: %s\n",
		    pg_primary_message(res));
		goto out;
	}
	if (json)
		out = json_array();
	else if (PQntuples(res) == 0)
		printf("no silences%s\n", *params[0] == 't' ? "" : " in force");
	for (int r = 0; r < PQntuples(res); r++) {
		if (json) {
			json_t *o = json_object();

			json_object_set_new(o, "id", json_integer(strtoll(
			    PQgetvalue(res, r, 0), NULL, 10)));
			json_object_set_new(o, "clock", json_string(
			    PQgetvalue(res, r, 1)));
			json_object_set_new(o, "team", ctl_json_str(res, r, 2));
			json_object_set_new(o, "state", json_string(
			    PQgetvalue(res, r, 9)));
			json_object_set_new(o, "starts_at", ctl_json_time(ctl,
			    ctl_time_of(res, r, 3)));
			json_object_set_new(o, "ends_at", ctl_json_time(ctl,
			    ctl_time_of(res, r, 4)));
			json_object_set_new(o, "note", ctl_json_str(res, r, 5));
			json_object_set_new(o, "by", ctl_json_str(res, r, 6));
			json_object_set_new(o, "expired_at", ctl_json_time(ctl,
			    ctl_time_of(res, r, 7)));
			json_object_set_new(o, "expired_by", ctl_json_str(res,
			    r, 8));
			json_array_append_new(out, o);
			continue;
		}
		/* Who and why were typed by people: escaped (ctl_put). */
		printf("silence %s: %s", PQgetvalue(res, r, 0),
		    PQgetvalue(res, r, 1));
		if (!PQgetisnull(res, r, 2)) {
			printf(" of team ");
			ctl_put(PQgetvalue(res, r, 2));
		}
		printf(" from %s until %s, by ", ctl_fmt_time(ctl,
		    ctl_time_of(res, r, 3), a, sizeof(a)), ctl_fmt_time(ctl,
		    ctl_time_of(res, r, 4), b, sizeof(b)));
		ctl_put(PQgetvalue(res, r, 6));
		printf(": \"");
		ctl_put(PQgetvalue(res, r, 5));
		printf("\" (%s", PQgetvalue(res, r, 9));
		if (!PQgetisnull(res, r, 7)) {
			printf(" %s by ", ctl_fmt_time(ctl, ctl_time_of(res,
			    r, 7), a, sizeof(a)));
			ctl_put(PQgetvalue(res, r, 8));
		}
		printf(")\n");
	}
	if (json) {
		ctl_json_print(out);
		json_decref(out);
	}
	rc = EX_OK;
out:
	PQclear(res);
	PQfinish(conn);
	return rc;
}

/* Ends it now, kept in history; the NOTIFY sends what it held at once. */
static int
silence_expire(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char *by = NULL, *params[2];
	PGconn *conn;
	PGresult *res;
	int ch, rc = EX_UNAVAILABLE;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'b')
			return ctl_usage(ctl->command, EX_USAGE);
		by = optarg;
	}
	if (optind != argc - 1 || *argv[optind] == '\0' ||
	    strspn(argv[optind], "0123456789") != strlen(argv[optind]) ||
	    strlen(argv[optind]) > 18)
		return ctl_usage(ctl->command, EX_USAGE);
	if ((by == NULL && (by = os_user()) == NULL) || *by == '\0') {
		fprintf(stderr, "mashwatchctl: who are you? say --by NAME\n");
		return EX_USAGE;
	}
	params[0] = argv[optind];
	params[1] = by;
	if ((conn = setup_state_connect(ctl->cfg, "mashwatchctl", &rc)) ==
	    NULL)
		return rc;
	rc = EX_UNAVAILABLE;
	res = PQexecParams(conn, "WITH u AS (UPDATE mashwatch.silences SET "
	    "expired_at = now(), expired_by = $2 WHERE silence_id = $1::bigint "
	    "AND expired_at IS NULL AND ends_at > now() RETURNING silence_id) "
	    "SELECT (SELECT count(*) FROM u), EXISTS (SELECT 1 FROM "
	    "mashwatch.silences WHERE silence_id = $1::bigint), "
	    "pg_notify('mashwatch_outbox', '')", 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "mashwatchctl: silence expire: %s\n",
		    pg_primary_message(res));
	else if (strcmp(PQgetvalue(res, 0, 0), "1") == 0) {
		printf("silence %s expired by %s\n", argv[optind], by);
		rc = EX_OK;
	} else {
		fprintf(stderr, "mashwatchctl: %s %s\n", strcmp(PQgetvalue(res,
		    0, 1), "t") == 0 ? "silence has already ended:" :
		    "no silence", argv[optind]);
		rc = EX_DATAERR;
	}
	PQclear(res);
	PQfinish(conn);
	return rc;
}

int
ctl_silence(struct ctl *ctl, int argc, char **argv)
{
	/* The subcommand's argv[0] keeps the program's name for getopt. */
	if (argc >= 2 && (strcmp(argv[1], "add") == 0 ||
	    strcmp(argv[1], "list") == 0 || strcmp(argv[1], "expire") == 0)) {
		const char *sc = argv[1];

		argv[1] = argv[0];
		if (strcmp(sc, "add") == 0)
			return silence_add(ctl, argc - 1, argv + 1);
		if (strcmp(sc, "list") == 0)
			return silence_list(ctl, argc - 1, argv + 1);
		return silence_expire(ctl, argc - 1, argv + 1);
	}
	if (argc >= 2)
		fprintf(stderr, "mashwatchctl: silence %s: not add, list or "
		    "expire\n", argv[1]);
	return ctl_usage(ctl->command, EX_USAGE);
}
