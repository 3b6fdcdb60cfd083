/*
 * mashwatchctl report: the nightly report for any past date
 * (mashwatch-report(5)), printed, or with --send archived, mailed to
 * routes.report and
 * recorded in mashwatch.reports so that a day is sent once.  The command
 * only: ctl_report_gen.c makes and writes the report, ctl_report_send.c
 * sends it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "mashwatch/report.h"
#include "mashwatch/xmalloc.h"
#include "ctl.h"
#include "ctl_report.h"
#include "daemon/log.h"
#include "daemon/pg.h"
#include "daemon/setup.h"
#include "daemon/source.h"

static const char *const format_names[] = { "text", "html", "csv", "json",
	"region" };

static void
usage_report(void)
{
	fprintf(stderr, "usage: mashwatchctl [-c FILE] report [--date D | "
	    "--week D | --month YYYY-MM]\n"
	    "           [--format text|html|csv|json|region] [--table NAME] "
	    "[--send]\n"
	    "       mashwatchctl [-c FILE] report --partnership --month "
	    "YYYY-MM\n"
	    "           [--format text|html|csv|json] [--send]\n"
	    "       tables: clocks teams trends repeats caseloads "
	    "data_quality\n");
}


/*
 * When the daemon's schedule sends the report or pack on the period
 * first..d: report.at on the day after a report's date, on the first
 * report.weekly day after a week, on the 1st after a month.
 */
static int64_t
scheduled_at(const struct ctl *ctl, enum report_kind kind,
    struct cal_date first, struct cal_date d)
{
	struct cal_date on = cal_date_add_days(d, 1);

	if (kind == RK_WEEK)
		on = cal_date_add_days(on, (ctl->cfg->report.weekly -
		    cal_date_weekday(on) + 7) % 7);
	else if (kind == RK_MONTH)
		on = cal_date_add_months(first, 1);
	return calendar_start_of(ctl->cal, on) + (int64_t)ctl->cfg->report.at *
	    60;
}

/*
 * --send --scheduled (the daemon's reporter): true, said on stderr, when
 * the period's scheduled run (the partnership pack's, when partnership: the
 * monthly pack's time) came before this state database went live
 * (mashwatch.golive; none yet counts as now): the first start mails
 * nothing about a time before mashwatch ran.  A database error is
 * "not before": the claim that follows reports it.
 */
static bool
before_golive(const struct ctl *ctl, PGconn *state, enum report_kind kind,
    struct cal_date first, struct cal_date d, bool partnership)
{
	PGresult *res = PQexec(state, "SELECT extract(epoch FROM coalesce("
	    "(SELECT went_live_at FROM mashwatch.golive), now()))::bigint");
	int64_t live, at = scheduled_at(ctl, kind, first, d);
	char when[64], lived[64];
	bool before = false;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		live = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		before = at < live;
		if (before) {
			calendar_format_iso(ctl->cal, at, when, sizeof(when));
			calendar_format_iso(ctl->cal, live, lived,
			    sizeof(lived));
			log_info("report: %s of %04d-%02d-%02d: due at "
			    "%s, before go-live at %s: not sent (mashwatchctl "
			    "report --send sends it by hand)",
			    partnership ? "partnership pack" : kind == RK_DAY ?
			    "report" : kind == RK_WEEK ? "weekly pack" :
			    "monthly pack", first.year,
			    first.month, first.day, when, lived);
		}
	}
	PQclear(res);
	return before;
}

/* "YYYY-MM" exactly, as the first of that month. */
static int
month_parse(const char *s, struct cal_date *d)
{
	char buf[16];

	if (strlen(s) != 7)
		return -1;
	snprintf(buf, sizeof(buf), "%s-01", s);
	return cal_date_parse(buf, d);
}

int
ctl_report(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "date", required_argument, NULL, 'D' },
		{ "format", required_argument, NULL, 'F' },
		{ "send", no_argument, NULL, 'S' },
		{ "scheduled", no_argument, NULL, 'G' },
		{ "week", required_argument, NULL, 'W' },
		{ "month", required_argument, NULL, 'M' },
		{ "table", required_argument, NULL, 'T' },
		{ "partnership", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct cal_date d, today, first;
	struct report *r = NULL;
	PGconn *state = NULL;
	int ch, format = FMT_TEXT, rc = EX_USAGE, table = -1, nperiod = 0;
	enum report_kind kind = RK_DAY;
	bool send = false, have_date = false, scheduled = false;
	bool partnership = false;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'D':
			if (cal_date_parse(optarg, &d) < 0) {
				fprintf(stderr, "mashwatchctl: --date '%s' is "
				    "not a date (YYYY-MM-DD)\n", optarg);
				goto out;
			}
			have_date = true;
			break;
		case 'F':
			for (format = 0; format < FMT_TABLE; format++)
				if (strcmp(optarg, format_names[format]) == 0)
					break;
			if (format == FMT_TABLE) {
				usage_report();
				goto out;
			}
			break;
		case 'S':
			send = true;
			break;
		case 'G':
			scheduled = true;
			break;
		case 'P':
			partnership = true;
			break;
		case 'W':
			if (cal_date_parse(optarg, &d) < 0) {
				fprintf(stderr, "mashwatchctl: --week '%s' is "
				    "not a date (YYYY-MM-DD)\n", optarg);
				goto out;
			}
			/* The Monday to Sunday week that holds the date. */
			first = cal_date_add_days(d,
			    -((cal_date_weekday(d) + 6) % 7));
			d = cal_date_add_days(first, 6);
			kind = RK_WEEK;
			nperiod++;
			break;
		case 'M':
			if (month_parse(optarg, &first) < 0) {
				fprintf(stderr, "mashwatchctl: --month '%s' is "
				    "not a month (YYYY-MM)\n", optarg);
				goto out;
			}
			d = cal_date_add_days(cal_date_add_months(first, 1), -1);
			kind = RK_MONTH;
			nperiod++;
			break;
		case 'T':
			for (table = 0; table < RT_COUNT; table++)
				if (strcmp(optarg,
				    report_table_names[table]) == 0)
					break;
			if (table == RT_COUNT) {
				fprintf(stderr, "mashwatchctl: --table '%s' is "
				    "not a table\n", optarg);
				usage_report();
				goto out;
			}
			break;
		default:
			usage_report();
			goto out;
		}
	}
	if (optind != argc || nperiod + have_date > 1) {
		usage_report();
		goto out;
	}
	/* The partnership pack is monthly, and has no tidy tables. */
	if (partnership && (kind != RK_MONTH || table >= 0 ||
	    format == FMT_REGION)) {
		fprintf(stderr, "mashwatchctl: report --partnership needs "
		    "--month YYYY-MM (and no --table or --format region)\n");
		usage_report();
		goto out;
	}
	if (table >= 0)
		format = FMT_TABLE + table;
	today = calendar_date_of(ctl->cal, (int64_t)time(NULL));
	if (!have_date && kind == RK_DAY)
		d = cal_date_add_days(today, -1);
	if (kind == RK_DAY)
		first = d;
	if (cal_date_cmp(d, today) >= 0) {
		fprintf(stderr, "mashwatchctl: the %s must have ended before "
		    "today (%04d-%02d-%02d)\n", kind == RK_DAY ? "date" :
		    kind == RK_WEEK ? "week" : "month", today.year,
		    today.month, today.day);
		goto out;
	}
	setup_warn_coverage(ctl->cal, calendar_start_of(ctl->cal, d));
	if ((state = setup_state_connect(ctl->cfg, "mashwatchctl", &rc)) ==
	    NULL)
		goto out;
	rc = EX_UNAVAILABLE;
	if (send && scheduled && before_golive(ctl, state, kind, first, d,
	    partnership)) {
		rc = EX_OK;
		goto out;
	}
	if (partnership) {
		rc = partnership_run(ctl, state, first, format, send);
		goto out;
	}
	if (send) {
		rc = report_send(ctl, state, kind, first, d);
		goto out;
	}
	if ((r = report_generate_period(ctl, state, kind, first, d)) == NULL)
		goto out;
	rc = report_write(r, format, stdout) < 0 || fflush(stdout) != 0 ?
	    EX_IOERR : EX_OK;
out:
	report_free(r);
	PQfinish(state);
	return rc;
}
