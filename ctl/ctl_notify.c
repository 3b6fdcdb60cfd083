/*
 * mashwatchctl ack, history and test-email: acknowledging an alert, the
 * trail of who was told what and when about a child, and checking a route.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <event2/event.h>

#include "mashwatch/mail.h"
#include "mashwatch/route.h"
#include "mashwatch/termtext.h"
#include "mashwatch/xmalloc.h"

#include "ctl.h"
#include "daemon/ack.h"
#include "daemon/engine_clock.h"
#include "daemon/pg.h"
#include "daemon/setup.h"
#include "daemon/transport.h"

static void
print_time(const struct ctl *ctl, PGresult *res, int r, int c)
{
	char buf[32];

	if (PQgetisnull(res, r, c)) {
		printf("-");
		return;
	}
	calendar_format_iso(ctl->cal, (int64_t)strtod(PQgetvalue(res, r, c),
	    NULL), buf, sizeof(buf));
	printf("%s", buf);
}

/*
 * ", reason police_unavailable (Police not available; police)": the code
 * as stored, its label and agency while the config still has it.
 */
static void
print_reason(const struct ctl *ctl, const char *code)
{
	const struct reason_conf *r = config_reason(ctl->cfg, code);

	/* Escaped as history's other fields are: the code is the database's. */
	printf(", reason ");
	ctl_put(code);
	if (r != NULL && (strcmp(r->label, r->code) != 0 || r->agency)) {
		printf(" (");
		ctl_put(r->label);
		if (r->agency) {
			printf("; ");
			ctl_put(r->agency);
		}
		printf(")");
	}
}

int
ctl_ack(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "note", required_argument, NULL, 'n' },
		{ "until", required_argument, NULL, 'u' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *by = NULL, *note = NULL, *until = NULL, *reason = NULL;
	const char *params[ACK_NPARAMS];
	char until_buf[32], codes[512];
	PGconn *conn = NULL;
	PGresult *res = NULL;
	int64_t t;
	int ch, rc = EX_USAGE;

	/* 0, not 1: glibc starts afresh and permutes, so ALERT_ID may come first. */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			by = optarg;
			break;
		case 'n':
			note = optarg;
			break;
		case 'u':
			until = optarg;
			break;
		case 'r':
			reason = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || by == NULL || *by == '\0' ||
	    strspn(argv[optind], "0123456789") != strlen(argv[optind]) ||
	    *argv[optind] == '\0')
		goto usage;
	if (until != NULL) {
		if (calendar_parse_iso(ctl->cal, until, &t) < 0) {
			fprintf(stderr, "mashwatchctl: --until '%s' is not an "
			    "ISO 8601 date or time, e.g. 2026-12-08 or "
			    "2026-12-08T17:00\n", until);
			return EX_USAGE;
		}
		snprintf(until_buf, sizeof(until_buf), "%lld", (long long)t);
	}
	/* As the board refuses them: a note or name that could drive a
	 * terminal or forge a line of history (line breaks are allowed). */
	if (termtext_has_control(by) || (note != NULL &&
	    termtext_has_control(note))) {
		fprintf(stderr, "mashwatchctl: ack: --%s holds a control "
		    "character (tab, escape, ...); only line breaks may be in "
		    "a note, and none in --by\n",
		    termtext_has_control(by) ? "by" : "note");
		return EX_DATAERR;
	}
	if (strchr(by, '\n') != NULL) {
		fprintf(stderr, "mashwatchctl: ack: --by is one line\n");
		return EX_DATAERR;
	}
	/* Unknown before anything is written; "required" needs the level. */
	if (reason != NULL && *reason == '\0')
		reason = NULL;
	if (config_reason_check(ctl->cfg, reason, NULL) == REASON_UNKNOWN) {
		fprintf(stderr, "mashwatchctl: --reason '%s' is not a reason "
		    "of the config; valid codes: %s\n", reason,
		    config_reason_codes(ctl->cfg, codes, sizeof(codes)));
		return EX_DATAERR;
	}
	if ((conn = setup_state_connect(ctl->cfg, "mashwatchctl", &rc)) ==
	    NULL)
		return rc;
	params[0] = argv[optind];
	params[1] = by;
	params[2] = note;
	params[3] = until ? until_buf : NULL;
	params[4] = "true";	/* any team's alert */
	params[5] = "{}";
	params[6] = "true";	/* data-quality alerts too: the operator */
	params[7] = reason;
	params[8] = ctl->cfg->ack.reason_required ? "true" : "false";
	res = PQexecParams(conn, ack_sql, ACK_NPARAMS, NULL, params, NULL,
	    NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: ack: %s\n", pg_primary_message(res));
		rc = EX_UNAVAILABLE;
	} else if (PQntuples(res) == 0) {
		fprintf(stderr, "mashwatchctl: no alert %s\n", argv[optind]);
		rc = EX_DATAERR;
	} else if (strcmp(PQgetvalue(res, 0, 3), "t") != 0) {
		fprintf(stderr, "mashwatchctl: alert %s is %s: "
		    "ack.reason_required asks for --reason CODE; valid codes: "
		    "%s\n", argv[optind], PQgetvalue(res, 0, 1),
		    config_reason_codes(ctl->cfg, codes, sizeof(codes)));
		rc = EX_DATAERR;
	} else {
		printf("alert %s (%s, %s) acknowledged by %s%s%s%s%s%s\n",
		    argv[optind], PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
		    by, reason ? ", reason " : "", reason ? reason : "",
		    until ? " until " : "", until ? until : "",
		    strcmp(PQgetvalue(res, 0, 2), "t") == 0 ?
		    " (already resolved)" : "");
		rc = EX_OK;
	}
	PQclear(res);
	PQfinish(conn);
	return rc;
usage:
	fprintf(stderr, "usage: mashwatchctl [-c FILE] ack ALERT_ID --by NAME "
	    "[--reason CODE] [--note TEXT] [--until TIME]\n");
	return rc;
}

static int
history_query(PGconn *conn, const char *sql, const char *child,
    PGresult **res)
{
	const char *params[1] = { child };

	*res = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(*res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: history: %s\n",
		    pg_primary_message(*res));
		PQclear(*res);
		*res = NULL;
		return -1;
	}
	return 0;
}

/* Every alert, then every email with each of its attempts. */
int
ctl_history(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "child", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *child = NULL;
	PGconn *conn;
	PGresult *al = NULL, *em = NULL, *at = NULL, *ak = NULL;
	int ch, rc = EX_UNAVAILABLE;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'c')
			goto usage;
		child = optarg;
	}
	if (child == NULL || optind != argc)
		goto usage;
	if ((conn = setup_state_connect(ctl->cfg, "mashwatchctl", &rc)) ==
	    NULL)
		return rc;
	rc = EX_UNAVAILABLE;
	if (history_query(conn, "SELECT alert_id, rule, level, instance_id, "
	    "team_id, extract(epoch FROM fired_at), "
	    "extract(epoch FROM resolved_at), resolution, "
	    "extract(epoch FROM acked_at), acked_by, ack_note, "
	    "extract(epoch FROM ack_until) FROM mashwatch.alerts "
	    "WHERE child_id = $1 ORDER BY fired_at, alert_id", child, &al) < 0 ||
	    history_query(conn, "SELECT e.email_id, e.kind, e.route, "
	    "array_to_string(e.recipients, ', '), e.subject, e.status, "
	    "extract(epoch FROM e.created_at), extract(epoch FROM e.sent_at), "
	    "string_agg(DISTINCT ea.alert_id::text, ',') "
	    "FROM mashwatch.emails e "
	    "JOIN mashwatch.email_alerts ea ON ea.email_id = e.email_id "
	    "JOIN mashwatch.alerts a ON a.alert_id = ea.alert_id "
	    "WHERE a.child_id = $1 GROUP BY e.email_id "
	    "ORDER BY e.created_at, e.email_id", child, &em) < 0 ||
	    history_query(conn, "SELECT t.email_id, "
	    "extract(epoch FROM t.attempted_at), t.transport, t.outcome, "
	    "t.code, t.reply FROM mashwatch.email_attempts t "
	    "WHERE t.email_id IN (SELECT ea.email_id FROM mashwatch.email_alerts "
	    "ea JOIN mashwatch.alerts a ON a.alert_id = ea.alert_id "
	    "WHERE a.child_id = $1) ORDER BY t.attempted_at, t.attempt_id",
	    child, &at) < 0 ||
	    history_query(conn, "SELECT k.alert_id, extract(epoch FROM "
	    "k.acked_at), k.acked_by, k.note, extract(epoch FROM k.until), "
	    "k.reason FROM mashwatch.acks k JOIN mashwatch.alerts a ON a.alert_id = "
	    "k.alert_id WHERE a.child_id = $1 ORDER BY k.acked_at, k.ack_id",
	    child, &ak) < 0)
		goto out;
	printf("history of child ");
	ctl_put(child);
	printf("\n\nalerts:\n");
	if (PQntuples(al) == 0)
		printf("  (none)\n");
	for (int r = 0; r < PQntuples(al); r++) {
		printf("  alert %s: ", PQgetvalue(al, r, 0));
		ctl_put(PQgetvalue(al, r, 1));
		printf(" ");
		ctl_put(PQgetvalue(al, r, 2));
		printf(", instance ");
		ctl_put(PQgetvalue(al, r, 3));
		printf(", team ");
		ctl_put(PQgetisnull(al, r, 4) ? "-" : PQgetvalue(al, r, 4));
		printf(", fired ");
		print_time(ctl, al, r, 5);
		if (!PQgetisnull(al, r, 6)) {
			printf(", resolved ");
			print_time(ctl, al, r, 6);
			printf(" (");
			ctl_put(PQgetvalue(al, r, 7));
			printf(")");
		}
		printf("\n");
		/* Every acknowledgement, oldest first: re-acking keeps history. */
		for (int k = 0; k < PQntuples(ak); k++) {
			if (strcmp(PQgetvalue(ak, k, 0), PQgetvalue(al, r, 0)))
				continue;
			printf("    acknowledged ");
			print_time(ctl, ak, k, 1);
			printf(" by ");
			ctl_put(PQgetvalue(ak, k, 2));
			if (!PQgetisnull(ak, k, 5))
				print_reason(ctl, PQgetvalue(ak, k, 5));
			if (!PQgetisnull(ak, k, 3)) {
				printf(" (\"");
				ctl_put(PQgetvalue(ak, k, 3));
				printf("\")");
			}
			if (!PQgetisnull(ak, k, 4)) {
				printf(" until ");
				print_time(ctl, ak, k, 4);
			}
			printf("\n");
		}
	}
	printf("\nemails:\n");
	if (PQntuples(em) == 0)
		printf("  (none)\n");
	for (int r = 0; r < PQntuples(em); r++) {
		printf("  email %s (", PQgetvalue(em, r, 0));
		ctl_put(PQgetvalue(em, r, 1));
		printf(") ");
		print_time(ctl, em, r, 6);
		printf(" to ");
		ctl_put(PQgetvalue(em, r, 3));
		printf(" [route ");
		ctl_put(PQgetvalue(em, r, 2));
		printf("], alerts %s: \"", PQgetvalue(em, r, 8));
		ctl_put(PQgetvalue(em, r, 4));
		printf("\"; ");
		ctl_put(PQgetvalue(em, r, 5));
		if (!PQgetisnull(em, r, 7)) {
			printf(" ");
			print_time(ctl, em, r, 7);
		}
		printf("\n");
		for (int k = 0; k < PQntuples(at); k++) {
			if (strcmp(PQgetvalue(at, k, 0), PQgetvalue(em, r, 0)))
				continue;
			printf("    attempt ");
			print_time(ctl, at, k, 1);
			printf(" via ");
			ctl_put(PQgetvalue(at, k, 2));
			printf(": ");
			ctl_put(PQgetvalue(at, k, 3));
			printf(", reply %s%s", PQgetisnull(at, k, 4) ? "" :
			    PQgetvalue(at, k, 4), PQgetisnull(at, k, 4) ? "" : " ");
			ctl_put(PQgetvalue(at, k, 5));
			printf("\n");
		}
	}
	rc = EX_OK;
out:
	PQclear(al);
	PQclear(em);
	PQclear(at);
	PQclear(ak);
	PQfinish(conn);
	return rc;
usage:
	fprintf(stderr, "usage: mashwatchctl [-c FILE] history --child ID\n");
	return EX_USAGE;
}

struct test_send {
	struct event_base	*base;
	struct tx_result	 r;
	bool			 done;
};

static void
test_sent(void *arg, const struct tx_result *r)
{
	struct test_send *ts = arg;

	ts->r = *r;
	ts->done = true;
	event_base_loopexit(ts->base, NULL);
}

int
ctl_test_email(struct ctl *ctl, int argc, char **argv)
{
	struct team_list tl = { NULL, 0 };
	struct route r = { 0 };
	char *msg, *msgid;
	const char *route;
	struct mail_context mc = { .cal = ctl->cal, .link = ctl->cfg->notify.link };
	struct mail_content c;
	struct test_send ts = { 0 };
	struct mailer *tx;
	struct mail *m;
	int rc = EX_UNAVAILABLE;

	if (argc != 2) {
		fprintf(stderr, "usage: mashwatchctl [-c FILE] test-email "
		    "default|data_quality|report|partnership|team:ID|"
		    "escalation:ID|route:NAME\n");
		return EX_USAGE;
	}
	route = argv[1];
	/* The teams view only for a team's route, as the notifier reads it. */
	if ((strncmp(route, "team:", 5) == 0 ||
	    strncmp(route, "escalation:", 11) == 0) &&
	    ctl_read_teams(ctl, &tl) < 0)
		return EX_UNAVAILABLE;
	if (router_by_name(ctl->cfg, &tl, route, &r) < 0) {
		fprintf(stderr, "mashwatchctl: unknown route '%s'\n", route);
		team_list_clear(&tl);
		return EX_USAGE;
	}
	if (r.unrouted)
		printf("route %s has no usable address: %s\n", route,
		    r.origin);
	if (r.rcpts.n == 0) {
		fprintf(stderr, "mashwatchctl: route %s has no address\n", route);
		rc = EX_CONFIG;
		goto out;
	}
	mc.now = engine_now();
	mc.route_title = route;
	mail_compose(&mc, MAIL_TEST, NULL, 0, &c);
	msgid = xasprintf("mashwatch.test.%lld.%d@%s", (long long)mc.now,
	    (int)getpid(), strchr(ctl->cfg->notify.from, '@') ?
	    strchr(ctl->cfg->notify.from, '@') + 1 : "localhost");
	m = mail_new(ctl->cfg->notify.from, msgid, mc.now,
	    calendar_utc_offset(ctl->cal, mc.now));
	for (size_t i = 0; i < r.rcpts.n; i++)
		mail_add_to(m, r.rcpts.v[i]);
	mail_set_subject(m, c.subject);
	mail_set_body(m, c.text, c.html);
	msg = mail_render(m);
	ts.base = event_base_new();
	tx = transport_new(ts.base, ctl->cfg);
	if (transport_send(tx, ctl->cfg->notify.from, r.rcpts.v, r.rcpts.n, msgid,
	    msg, test_sent, &ts) == 0)
		event_base_dispatch(ts.base);
	printf("%s to %zu recipients of route ", ts.r.outcome == TX_SENT ?
	    "sent" : "NOT sent", r.rcpts.n);
	ctl_put(route);
	printf(" via %s: %s%d ", transport_name(tx), ts.r.outcome == TX_RETRY ?
	    "temporary failure, " : ts.r.outcome == TX_FAILED ? "rejected, " :
	    "", ts.r.code);
	/* The server's reply is the server's text: escaped. */
	ctl_put(ts.r.reply);
	printf("\n");
	rc = ts.done && ts.r.outcome == TX_SENT ? EX_OK : EX_UNAVAILABLE;
	transport_free(tx);
	event_base_free(ts.base);
	mail_free(m);
	mail_content_clear(&c);
	free(msg);
	free(msgid);
out:
	route_clear(&r);
	team_list_clear(&tl);
	return rc;
}
