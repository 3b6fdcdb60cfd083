/*
 * mashwatchctl forecast: the day's forecast (forecast.h) printed, or with
 * --send emailed for each clock whose projected breaches reach
 * forecast.alert_at, to routes.forecast or else to the escalation route
 * of each team with items due next.  The daemon's reporter runs
 * `forecast --send` at forecast.at on working days.
 *
 * mashwatch.forecasts (migration 13) makes each email go out once per
 * working day, clock and team whatever restarts or takeovers happen: claim
 * the row, send, stamp it sent; a failed send gives the claim back, a
 * claim left by a sender that died is taken over after CLAIM_TIMEOUT.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "mashwatch/forecast.h"
#include "mashwatch/mail.h"
#include "mashwatch/route.h"
#include "mashwatch/xmalloc.h"
#include "ctl.h"
#include "ctl_report.h"
#include "daemon/engine_clock.h"
#include "daemon/once.h"
#include "daemon/pg.h"
#include "daemon/setup.h"

#define CLAIM_TIMEOUT	"15 minutes"

static const char *const sql_claim =
	"INSERT INTO mashwatch.forecasts (on_date, clock, team, claimed_by) "
	"VALUES ($1::date, $2, $3, $4) ON CONFLICT (on_date, clock, team) "
	"DO UPDATE SET claimed_by = excluded.claimed_by, claimed_at = now() "
	"WHERE forecasts.sent_at IS NULL AND forecasts.claimed_at < "
	"now() - interval '" CLAIM_TIMEOUT "' RETURNING 1";
static const char *const sql_sent =
	"UPDATE mashwatch.forecasts SET sent_at = now(), message_id = $5, "
	"recipients = string_to_array($6, E'\\n'), due_next = $7::int, "
	"projected = $8::int WHERE on_date = $1::date AND clock = $2 AND "
	"team = $3 AND claimed_by = $4";
static const char *const sql_release =
	"DELETE FROM mashwatch.forecasts WHERE on_date = $1::date AND "
	"clock = $2 AND team = $3 AND claimed_by = $4 AND sent_at IS NULL";

/* Run one statement of the ledger with up to eight text parameters. */
static int
ledger(PGconn *state, const char *sql, const char *const *p, int np,
    bool *got_row)
{
	PGresult *res = PQexecParams(state, sql, np, NULL, p, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	int ret = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: forecast: mashwatch.forecasts: "
		    "%s\n", pg_primary_message(res));
		ret = -1;
	} else if (got_row != NULL)
		*got_row = PQntuples(res) == 1;
	PQclear(res);
	return ret;
}

struct sender {
	const struct ctl		*ctl;
	PGconn				*state;
	const struct forecast_window	*w;
	char				 date[16];
	char				 me[128];
	char				 host[64];
	int				 sent, failed;
};

/*
 * One email of a clock: key is the team ("" none, "*" routes.forecast).
 * Returns 0 when sent or already sent, -1 when it must be tried again.
 */
static int
send_one(struct sender *s, const struct forecast_row *total,
    const struct forecast_row *rows, size_t n, const char *key,
    const struct addresses *to)
{
	const char *p[8] = { s->date, total->clock, key, s->me };
	struct forecast_mail fm = { 0 };
	struct tx_result tx = { 0 };
	char msgid[320], name[160], due[16], proj[16], *rc = NULL, *msg;
	const char *at = strchr(s->ctl->cfg->notify.from, '@');
	const struct forecast_row *r = n == 1 ? &rows[0] : total;
	struct mail *m;
	bool mine = false;
	int ret = -1;

	if (to->n == 0) {
		fprintf(stderr, "mashwatchctl: forecast: %s, team %s: no "
		    "address to send to\n", total->clock, key);
		return -1;
	}
	if (ledger(s->state, sql_claim, p, 4, &mine) < 0)
		return -1;
	if (!mine) {
		fprintf(stderr, "forecast: %s %s team '%s': already sent or "
		    "being sent\n", s->date, total->clock, key);
		return 0;
	}
	forecast_mail_compose(s->ctl->cal, s->w, total, rows, n, &fm);
	snprintf(name, sizeof(name), "forecast-%s-%s", s->date, total->clock);
	snprintf(msgid, sizeof(msgid), "%s.%08lx@%s", name, random(),
	    at ? at + 1 : s->host);
	m = mail_new(s->ctl->cfg->notify.from, msgid, s->w->now,
	    calendar_utc_offset(s->ctl->cal, s->w->now));
	for (size_t i = 0; i < to->n; i++)
		mail_add_to(m, to->v[i]);
	mail_set_subject(m, fm.subject);
	mail_set_body(m, fm.text, fm.html);
	msg = mail_render(m);
	mail_free(m);
	if (msg == NULL || report_mail_send(s->ctl->cfg, to, name, msg,
	    &tx) < 0) {
		fprintf(stderr, "mashwatchctl: forecast: %s team '%s' not "
		    "sent: %s\n", total->clock, key,
		    tx.reply[0] ? tx.reply : "the transport failed");
		ledger(s->state, sql_release, p, 4, NULL);
		goto out;
	}
	rc = xstrdup("");
	for (size_t i = 0; i < to->n; i++) {
		char *x = xasprintf("%s%s%s", rc, i ? "\n" : "", to->v[i]);

		free(rc);
		rc = x;
	}
	snprintf(due, sizeof(due), "%ld", r->due_next);
	snprintf(proj, sizeof(proj), "%ld", r->projected);
	p[4] = msgid;
	p[5] = rc;
	p[6] = due;
	p[7] = proj;
	/* Sent: a failure to record it must not release the claim. */
	if (ledger(s->state, sql_sent, p, 8, NULL) < 0)
		goto out;
	fprintf(stderr, "forecast: %s %s team '%s' sent to %zu recipients as "
	    "<%s>\n", s->date, total->clock, key, to->n, msgid);
	ret = 0;
out:
	free(rc);
	free(msg);
	forecast_mail_clear(&fm);
	return ret;
}

/* Every email of one clock whose projection reaches forecast.alert_at. */
static void
send_clock(struct sender *s, const struct team_list *tl,
    const struct forecast_row *total, const struct forecast_row *rows,
    size_t n)
{
	const struct config *cfg = s->ctl->cfg;

	if (cfg->routes.forecast.n > 0) {
		if (send_one(s, total, rows, n, "*", &cfg->routes.forecast) < 0)
			s->failed++;
		else
			s->sent++;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct route rt;
		struct addresses to;

		if (rows[i].due_next == 0)
			continue;
		router_route(cfg, tl, total->clock, "escalated", rows[i].team,
		    &rt);
		to.v = rt.rcpts.v;
		to.n = rt.rcpts.n;
		if (send_one(s, total, &rows[i], 1, rows[i].team ?
		    rows[i].team : "", &to) < 0)
			s->failed++;
		else
			s->sent++;
		route_clear(&rt);
	}
}

/* Send f's emails, claimed in state (the caller's connection). */
static int
forecast_send(struct ctl *ctl, PGconn *state, struct forecast *f,
    const struct forecast_window *w)
{
	struct sender s = { .ctl = ctl, .w = w, .state = state };
	struct team_list tl = { 0 };
	const struct forecast_row *rows, *totals;
	struct cal_date d = calendar_date_of(ctl->cal, w->now);
	size_t n, nt, i;
	int rc = EX_OK;

	if (!calendar_is_working_day(ctl->cal, d)) {
		fprintf(stderr, "forecast: %04d-%02d-%02d is not a working day: "
		    "nothing sent\n", d.year, d.month, d.day);
		return EX_OK;
	}
	snprintf(s.date, sizeof(s.date), "%04d-%02d-%02d", d.year, d.month,
	    d.day);
	gethostname(s.host, sizeof(s.host) - 1);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	snprintf(s.me, sizeof(s.me), "%s:%d:%08lx", s.host, (int)getpid(),
	    random());
	/* Team routes come from the teams view, as the notifier's do. */
	if (ctl->cfg->routes.forecast.n == 0 &&
	    ctl_read_teams(ctl, &tl) < 0) {
		rc = EX_UNAVAILABLE;
		goto out;
	}
	totals = forecast_rows(f, true, &nt);
	for (i = 0; i < nt; i++) {
		if (totals[i].projected < ctl->cfg->forecast.alert_at)
			continue;
		rows = forecast_teams(f, totals[i].clock, &n);
		send_clock(&s, &tl, &totals[i], rows, n);
	}
	if (s.failed > 0)
		rc = EX_TEMPFAIL;
out:
	team_list_clear(&tl);
	return rc;
}

static void
forecast_print(const struct ctl *ctl, struct forecast *f,
    const struct forecast_window *w)
{
	const struct forecast_row *rows, *totals;
	size_t n, nt;

	totals = forecast_rows(f, true, &nt);
	if (nt == 0)
		printf("No clock has forecast = true, or none has work open or "
		    "decided lately.\n");
	for (size_t i = 0; i < nt; i++) {
		struct forecast_mail fm;

		rows = forecast_teams(f, totals[i].clock, &n);
		forecast_mail_compose(ctl->cal, w, &totals[i], rows, n, &fm);
		printf("%s%s", i ? "\n" : "", fm.text);
		forecast_mail_clear(&fm);
	}
}

int
ctl_forecast(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "send", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *at_arg = NULL;
	struct forecast_window w;
	struct forecast *f = NULL;
	struct model *m = NULL;
	PGconn *state = NULL;
	bool send = false;
	int64_t at;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			at_arg = optarg;
			break;
		case 's':
			send = true;
			break;
		default:
			return ctl_usage(ctl->command, EX_USAGE);
		}
	}
	if (optind != argc)
		return ctl_usage(ctl->command, EX_USAGE);
	at = engine_now();
	if (at_arg != NULL && calendar_parse_iso(ctl->cal, at_arg, &at) < 0) {
		fprintf(stderr, "mashwatchctl: forecast: --at '%s' is not an "
		    "ISO 8601 time\n", at_arg);
		return EX_USAGE;
	}
	/*
	 * The claims are in the state: its schema version is checked before
	 * the source is read (exit 78 on the wrong one, as every command that
	 * reads the state).
	 */
	if (send && (state = setup_state_connect(ctl->cfg, "mashwatchctl",
	    &rc)) == NULL)
		goto out;
	m = model_new(ctl->cfg, ctl->cal, true);
	model_set_live_rules(m, at_arg == NULL);
	rc = once_load(ctl->cfg, m, at, NULL);
	if (rc != EX_OK)
		goto out;
	forecast_window(ctl->cal, at, at - MODEL_KEEP_STOPPED, &w);
	f = forecast_new(&w);
	model_foreach_clock(m, at, false, forecast_visit, f);
	if (send)
		rc = forecast_send(ctl, state, f, &w);
	else {
		forecast_print(ctl, f, &w);
		if (fflush(stdout) != 0)
			rc = EX_IOERR;
	}
out:
	forecast_free(f);
	model_free(m);
	PQfinish(state);
	return rc;
}
