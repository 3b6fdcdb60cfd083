/*
 * mashwatchctl report --partnership --month YYYY-MM: the monthly
 * partnership pack (mashwatch-report(5)), printed, or with --send claimed
 * in mashwatch.report_packs (kind 'partnership'), archived under
 * report.archive and mailed to routes.partnership by the same protocol as
 * the weekly and monthly packs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "mashwatch/mail.h"
#include "mashwatch/partnership.h"
#include "mashwatch/xmalloc.h"
#include "ctl_report.h"
#include "daemon/pg.h"
#include "daemon/setup.h"
#include "daemon/source.h"

/* Rows are judged as the report judges them: replay as of the month's end. */
static int
pship_row(void *arg, const struct source_row *row, bool ok)
{
	struct partnership *p = arg;
	struct clock_verdict v;

	if (!ok)
		return 0;
	switch (row->view) {
	case SOURCE_CLOCKS:
		model_judge_clock(p->cfg, &row->u.clock, p->to, true, &v);
		if (v.invalid == NULL)
			partnership_add_clock(p, &row->u.clock);
		break;
	case SOURCE_EVENTS:
		partnership_add_event(p, &row->u.event);
		break;
	case SOURCE_CHECKS:
		if (row->u.check.passed >= 0 &&
		    row->u.check.occurred_at != TIME_NONE &&
		    row->u.check.occurred_at != TIME_BAD)
			partnership_add_check(p, row->u.check.check,
			    row->u.check.occurred_at, row->u.check.passed == 1,
			    row->u.check.detail);
		break;
	default:
		break;
	}
	return 0;
}

static void
pship_late(void *arg, const char *clock, const char *reason, int64_t due_at,
    int64_t late_until)
{
	partnership_add_late(arg, clock, reason, due_at, late_until);
}

/* The source views over the 13 months of the lag, then the alert store. */
static struct partnership *
pship_generate(const struct ctl *ctl, PGconn *state, struct cal_date first)
{
	static const enum source_view views[] = { SOURCE_CLOCKS,
	    SOURCE_EVENTS, SOURCE_CHECKS, SOURCE_NVIEWS };
	struct partnership *p = partnership_new(ctl->cfg, ctl->cal, first,
	    (int64_t)time(NULL));
	struct source_bounds b = {
		.clocks_since = partnership_clock_since(p),
		.events_since = p->from,
		.checks_since = p->from,
		.end = p->to,
	};
	struct source *s = NULL;
	uint64_t rows = 0;
	PGconn *conn;
	int ok = -1;

	if ((conn = setup_connect(ctl->cfg->source.conninfo, "source")) == NULL)
		goto out;
	s = source_new(ctl->cfg);
	if (source_read(conn, s, &b, SOURCE_WINDOW, views, pship_row, p,
	    &rows) < 0)
		goto out;
	if (report_read_late(state, p->from, p->to, pship_late, p) < 0)
		goto out;
	fprintf(stderr, "report: partnership %04d-%02d: %" PRIu64 " rows\n",
	    first.year, first.month, rows);
	ok = 0;
out:
	source_free(s);
	PQfinish(conn);
	if (ok < 0) {
		partnership_free(p);
		return NULL;
	}
	return p;
}

static int
pship_write(const struct partnership *p, int format, FILE *fp)
{
	switch (format) {
	case FMT_HTML:
		return partnership_write_html(p, fp);
	case FMT_CSV:
		return partnership_write_csv(p, fp);
	case FMT_JSON:
		return partnership_write_json(p, fp);
	default:
		return partnership_write_text(p, fp);
	}
}

static char *
pship_mem(const struct partnership *p, int format, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	if (fp == NULL)
		return NULL;
	if (pship_write(p, format, fp) < 0) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	if (len != NULL)
		*len = n;
	return buf;
}

/* The files of a pack, made in memory and archived. */
struct pship_files {
	char	*data[4], *path[3], *name[3];
	size_t	 len[4];
};

static void
pship_files_clear(struct pship_files *f)
{
	for (int i = 0; i < 4; i++)
		free(f->data[i]);
	for (int i = 0; i < 3; i++) {
		free(f->path[i]);
		free(f->name[i]);
	}
}

static int
pship_files_make(const struct ctl *ctl, const struct partnership *p,
    const char *stem, struct pship_files *f)
{
	static const int fmts[4] = { FMT_HTML, FMT_CSV, FMT_JSON, FMT_TEXT };
	static const char *const ext[3] = { "html", "csv", "json" };

	for (int i = 0; i < 4; i++)
		if ((f->data[i] = pship_mem(p, fmts[i], &f->len[i])) == NULL)
			return -1;
	if (mkdir(ctl->cfg->report.archive, 0750) < 0 && errno != EEXIST) {
		fprintf(stderr, "mashwatchctl: report: %s: %s\n",
		    ctl->cfg->report.archive, strerror(errno));
		return -1;
	}
	for (int i = 0; i < 3; i++) {
		f->name[i] = xasprintf("mashwatch-%s.%s", stem, ext[i]);
		if ((f->path[i] = report_archive_file(ctl->cfg->report.archive,
		    f->name[i], f->data[i], f->len[i])) == NULL)
			return -1;
	}
	return 0;
}

static char *
pship_compose(const struct ctl *ctl, const struct partnership *p,
    const char *msgid, const struct pship_files *f)
{
	const struct addresses *to = &ctl->cfg->routes.partnership;
	struct mail *m;
	char subject[128], *msg;

	snprintf(subject, sizeof(subject), "MASH partnership pack %04d-%02d: "
	    "%" PRIu64 " late items, %zu agencies named", p->first.year,
	    p->first.month, p->late, p->nagencies);
	m = mail_new(ctl->cfg->notify.from, msgid, p->generated_at,
	    calendar_utc_offset(ctl->cal, p->generated_at));
	for (size_t i = 0; i < to->n; i++)
		mail_add_to(m, to->v[i]);
	mail_set_subject(m, subject);
	mail_set_body(m, f->data[3], f->data[0]);
	mail_attach(m, "text/csv; charset=utf-8", f->name[1], f->data[1],
	    f->len[1]);
	mail_attach(m, "application/json", f->name[2], f->data[2], f->len[2]);
	msg = mail_render(m);
	mail_free(m);
	return msg;
}

static int
pship_send(const struct ctl *ctl, PGconn *state, struct cal_date first)
{
	const struct ledger *l = &report_pack_ledger;
	const struct addresses *to = &ctl->cfg->routes.partnership;
	struct partnership *p = NULL;
	struct pship_files f = { 0 };
	struct tx_result tx = { 0 };
	char key[16], stem[32], me[128], host[64] = "localhost", msgid[192];
	char *msg = NULL, *rcpts = NULL;
	const char *at;
	bool busy = false, claimed = false;
	int rc = EX_SOFTWARE;

	if (to->n == 0) {
		fprintf(stderr, "mashwatchctl: report --partnership --send: %s "
		    "names no routes.partnership\n", ctl->cfg->path);
		return EX_CONFIG;
	}
	snprintf(key, sizeof(key), "%04d-%02d-01", first.year, first.month);
	snprintf(stem, sizeof(stem), "partnership-%04d-%02d", first.year,
	    first.month);
	gethostname(host, sizeof(host) - 1);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	snprintf(me, sizeof(me), "%s:%d:%08lx", host, (int)getpid(), random());
	switch (report_claim(state, l, key, "partnership", me, &busy)) {
	case -1:
		return EX_UNAVAILABLE;
	case 0:
		return busy ? EX_TEMPFAIL : EX_OK;
	}
	claimed = true;
	if ((p = pship_generate(ctl, state, first)) == NULL) {
		rc = EX_UNAVAILABLE;
		goto out;
	}
	/* Archive first: the files are the record of what was sent. */
	if (pship_files_make(ctl, p, stem, &f) < 0) {
		rc = EX_CANTCREAT;
		goto out;
	}
	if (report_ledger_exec(state, l->paths, key, me, f.path[0], f.path[1],
	    f.path[2], "partnership", NULL) < 0) {
		rc = EX_UNAVAILABLE;
		goto out;
	}
	at = strchr(ctl->cfg->notify.from, '@');
	snprintf(msgid, sizeof(msgid), "%s.%08lx@%s", stem, random(),
	    at ? at + 1 : host);
	if ((msg = pship_compose(ctl, p, msgid, &f)) == NULL ||
	    report_mail_send(ctl->cfg, to, stem, msg, &tx) < 0) {
		fprintf(stderr, "mashwatchctl: report: %s not sent: %s\n", stem,
		    tx.reply[0] ? tx.reply : "the transport failed");
		rc = EX_TEMPFAIL;
		goto out;
	}
	rcpts = xstrdup("");
	/* Addresses cannot hold a newline: the config refuses them. */
	for (size_t i = 0; i < to->n; i++) {
		char *x = xasprintf("%s%s%s", rcpts, i ? "\n" : "", to->v[i]);

		free(rcpts);
		rcpts = x;
	}
	/* Sent: from here on a failure must not release the claim. */
	claimed = false;
	if (report_ledger_exec(state, l->sent, key, me, msgid, rcpts, NULL,
	    "partnership", NULL) < 0) {
		rc = EX_UNAVAILABLE;
		goto out;
	}
	fprintf(stderr, "report: %s sent to %zu recipients as <%s>\n", stem,
	    to->n, msgid);
	rc = EX_OK;
out:
	/* Give a failed claim back at once so that a retry need not wait. */
	if (claimed)
		report_ledger_exec(state, l->release, key, me, NULL, NULL, NULL,
		    "partnership", NULL);
	free(rcpts);
	free(msg);
	pship_files_clear(&f);
	partnership_free(p);
	return rc;
}

int
partnership_run(const struct ctl *ctl, PGconn *state, struct cal_date first,
    int format, bool send)
{
	struct partnership *p;
	int rc;

	if (send)
		return pship_send(ctl, state, first);
	if ((p = pship_generate(ctl, state, first)) == NULL)
		return EX_UNAVAILABLE;
	rc = pship_write(p, format, stdout) < 0 || fflush(stdout) != 0 ?
	    EX_IOERR : EX_OK;
	partnership_free(p);
	return rc;
}
