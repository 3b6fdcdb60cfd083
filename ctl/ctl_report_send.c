/*
 * mashwatchctl report --send: claim the date, generate, archive, mail,
 * record.  mashwatch.reports (migration 3) makes a day's report go out
 * once whatever restarts or leader changes happen: the primary key on
 * report_date lets exactly one sender claim the day, and a claim that was
 * never stamped sent is taken over only after CLAIM_TIMEOUT, so a sender
 * that died mid-way is replaced without two live senders ever racing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "mashwatch/mail.h"
#include "mashwatch/xmalloc.h"
#include "ctl_report.h"
#include "daemon/pg.h"
#include "daemon/setup.h"
#include "daemon/transport.h"

/* Longer than any report run and mail attempt (see the bench). */
#define CLAIM_TIMEOUT	"15 minutes"

struct sent {
	struct event_base	*base;
	struct tx_result	 result;
	bool			 done;
};

static char *
mem_of(const struct report *r, int format, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	if (fp == NULL)
		return NULL;
	if (report_write(r, format, fp) < 0) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	if (len)
		*len = n;
	return buf;
}

/* Write data to dir/name atomically (a temporary file, then rename). */
static char *
archive_file(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *tmp = xasprintf("%s/.%s.tmp", dir, name);
	FILE *fp;
	int fd;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640)) < 0 ||
	    (fp = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "mashwatchctl: report: %s: %s\n", tmp,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	if (fwrite(data, 1, len, fp) != len || fflush(fp) != 0 ||
	    fsync(fileno(fp)) != 0) {
		fprintf(stderr, "mashwatchctl: report: %s: %s\n", tmp,
		    strerror(errno));
		fclose(fp);
		goto fail;
	}
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "mashwatchctl: report: %s: %s\n", path,
		    strerror(errno));
		goto fail;
	}
	free(tmp);
	return path;
fail:
	unlink(tmp);
	free(tmp);
	free(path);
	return NULL;
}

static void
on_sent(void *arg, const struct tx_result *r)
{
	struct sent *s = arg;

	s->result = *r;
	s->done = true;
	event_base_loopexit(s->base, NULL);
}

int
ctl_mail_send(const struct config *cfg, char *const *rcpts, size_t nrcpts,
    const char *name, const char *msg, struct tx_result *out)
{
	struct sent s = { 0 };
	struct mailer *t;
	int ret = -1;

	if ((s.base = event_base_new()) == NULL)
		return -1;
	t = transport_new(s.base, cfg);
	if (transport_send(t, cfg->notify.from, rcpts, nrcpts, name, msg,
	    on_sent, &s) == 0) {
		event_base_dispatch(s.base);
		if (s.done) {
			*out = s.result;
			ret = out->outcome == TX_SENT ? 0 : -1;
		}
	}
	transport_free(t);
	event_base_free(s.base);
	return ret;
}

/* The attachments and inline charts of one message. */
struct files {
	char		*name[3 + RT_COUNT];
	char		*data[3 + RT_COUNT];
	size_t		 len[3 + RT_COUNT];
	char		*path[3 + RT_COUNT];
	unsigned char	*png[REPORT_PARTS_MAX];
	size_t		 pnglen[REPORT_PARTS_MAX];
	size_t		 ncharts;
};

static void
files_clear(struct files *f)
{
	for (size_t i = 0; i < 3 + RT_COUNT; i++) {
		free(f->name[i]);
		free(f->data[i]);
		free(f->path[i]);
	}
	for (size_t i = 0; i < f->ncharts; i++)
		free(f->png[i]);
}

static char *
compose(const struct ctl *ctl, const struct report *r, const char *msgid,
    const char *text, const char *html, const struct files *f)
{
	struct mail *m;
	char subject[160], *msg, cid[64];
	uint64_t late = 0;

	for (size_t i = 0; i < r->nclocks; i++)
		late += r->clocks[i].overdue;
	if (r->kind == RK_WEEK)
		snprintf(subject, sizeof(subject), "MASH front door weekly "
		    "pack %04d-%02d-%02d to %04d-%02d-%02d: %" PRIu64
		    " overdue", r->span_first.year, r->span_first.month,
		    r->span_first.day, r->date.year, r->date.month,
		    r->date.day, late);
	else if (r->kind == RK_MONTH)
		snprintf(subject, sizeof(subject), "MASH front door monthly "
		    "pack %04d-%02d: %" PRIu64 " overdue", r->date.year,
		    r->date.month, late);
	else
		snprintf(subject, sizeof(subject), "MASH front door report "
		    "%04d-%02d-%02d: %" PRIu64 " overdue", r->date.year,
		    r->date.month, r->date.day, late);
	m = mail_new(ctl->cfg->notify.from, msgid, r->generated_at,
	    calendar_utc_offset(ctl->cal, r->generated_at));
	for (size_t i = 0; i < ctl->cfg->routes.report.n; i++)
		mail_add_to(m, ctl->cfg->routes.report.v[i]);
	mail_set_subject(m, subject);
	mail_set_body(m, text, html);
	for (size_t i = 0; i < f->ncharts; i++)
		mail_inline(m, "image/png", report_chart_cid(i, cid,
		    sizeof(cid)), f->png[i], f->pnglen[i]);
	/* The section,key,value CSV, then one tidy CSV per table. */
	for (size_t i = 1; i < 3 + RT_COUNT; i++)
		if (i != 2)
			mail_attach(m, "text/csv; charset=utf-8", f->name[i],
			    f->data[i], f->len[i]);
	msg = mail_render(m);
	mail_free(m);
	return msg;
}

/*
 * Where a send is recorded: mashwatch.reports keyed by the date for a
 * daily report, mashwatch.report_packs keyed by kind and first date for a
 * pack.  Every statement is given six text parameters and uses those it
 * needs: $1 the key date, $2 the claim, $3..$5 the values, $6 the kind.
 */
struct ledger {
	const char	*claim, *who, *paths, *sent, *release;
};

static const struct ledger daily = {
	"INSERT INTO mashwatch.reports (report_date, claimed_by) "
	"VALUES ($1::date, $2) ON CONFLICT (report_date) "
	"DO UPDATE SET claimed_by = excluded.claimed_by, claimed_at = now() "
	"WHERE reports.sent_at IS NULL AND reports.claimed_at < "
	"now() - interval '" CLAIM_TIMEOUT "' RETURNING 1",
	"SELECT sent_at IS NOT NULL, claimed_by, coalesce(sent_at, claimed_at) "
	"FROM mashwatch.reports WHERE report_date = $1::date",
	"UPDATE mashwatch.reports SET generated_at = now(), html_path = $3, "
	"csv_path = $4, json_path = $5 WHERE report_date = $1::date AND "
	"claimed_by = $2",
	"UPDATE mashwatch.reports SET sent_at = now(), message_id = $3, "
	"recipients = string_to_array($4, E'\\n') WHERE report_date = $1::date AND "
	"claimed_by = $2",
	"DELETE FROM mashwatch.reports WHERE report_date = $1::date AND "
	"claimed_by = $2 AND sent_at IS NULL",
};

static const struct ledger packs = {
	"INSERT INTO mashwatch.report_packs (period_first, claimed_by, kind, "
	"period_last) SELECT $1::date, $2, $6, CASE WHEN $6 = 'week' THEN "
	"$1::date + 6 ELSE ($1::date + interval '1 month' - interval '1 day')"
	"::date END ON CONFLICT (kind, period_first) DO UPDATE SET "
	"claimed_by = excluded.claimed_by, claimed_at = now() WHERE "
	"report_packs.sent_at IS NULL AND report_packs.claimed_at < "
	"now() - interval '" CLAIM_TIMEOUT "' RETURNING 1",
	"SELECT sent_at IS NOT NULL, claimed_by, coalesce(sent_at, claimed_at) "
	"FROM mashwatch.report_packs WHERE period_first = $1::date AND kind = $6",
	"UPDATE mashwatch.report_packs SET generated_at = now(), "
	"html_path = $3, csv_path = $4, json_path = $5 WHERE "
	"period_first = $1::date AND claimed_by = $2 AND kind = $6",
	"UPDATE mashwatch.report_packs SET sent_at = now(), message_id = $3, "
	"recipients = string_to_array($4, E'\\n') WHERE period_first = $1::date "
	"AND claimed_by = $2 AND kind = $6",
	"DELETE FROM mashwatch.report_packs WHERE period_first = $1::date AND "
	"claimed_by = $2 AND sent_at IS NULL AND kind = $6",
};

/* Run one ledger statement with the six parameters it may use. */
static int
ledger_exec(PGconn *state, const char *sql, const char *key, const char *me,
    const char *a, const char *b, const char *c, const char *kind,
    PGresult **out)
{
	static const Oid text[6] = { 25, 25, 25, 25, 25, 25 };
	const char *p[6] = { key, me, a, b, c, kind };
	PGresult *res = PQexecParams(state, sql, 6, text, p, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: report: %s: %s\n", kind[0] == 'd' ?
		    "mashwatch.reports" : "mashwatch.report_packs",
		    pg_primary_message(res));
		PQclear(res);
		return -1;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/*
 * Claim the key.  1: ours; 0: already sent (or being sent by a live
 * claim: *busy); -1: error.
 */
static int
claim(PGconn *state, const struct ledger *l, const char *date,
    const char *kind, const char *me, bool *busy)
{
	PGresult *res;
	int ret;

	if (ledger_exec(state, l->claim, date, me, NULL, NULL, NULL, kind,
	    &res) < 0)
		return -1;
	ret = PQntuples(res) == 1;
	PQclear(res);
	if (ret)
		return 1;
	if (ledger_exec(state, l->who, date, me, NULL, NULL, NULL, kind,
	    &res) < 0)
		return -1;
	if (PQntuples(res) == 1) {
		*busy = strcmp(PQgetvalue(res, 0, 0), "f") == 0;
		fprintf(stderr, "report: %s: %s by %s at %s\n", date,
		    *busy ? "being sent" : "already sent", PQgetvalue(res, 0, 1),
		    PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return 0;
}

/* "report-2022-04-27", "week-2022-04-18", "month-2022-04". */
static void
stem_of(enum report_kind kind, struct cal_date first, struct cal_date d,
    char *buf, size_t len)
{
	if (kind == RK_WEEK)
		snprintf(buf, len, "week-%04d-%02d-%02d", first.year,
		    first.month, first.day);
	else if (kind == RK_MONTH)
		snprintf(buf, len, "month-%04d-%02d", first.year, first.month);
	else
		snprintf(buf, len, "report-%04d-%02d-%02d", d.year, d.month,
		    d.day);
}

/* Every file made in memory, then archived under report.archive. */
static int
files_make(const struct ctl *ctl, const struct report *r, const char *stem,
    struct files *f)
{
	static const int fmts[3] = { FMT_HTML, FMT_CSV, FMT_JSON };
	static const char *const ext[3] = { "html", "csv", "json" };

	for (size_t i = 0; i < 3 + RT_COUNT; i++) {
		int fmt = i < 3 ? fmts[i] : FMT_TABLE + (int)(i - 3);

		f->name[i] = i < 3 ? xasprintf("mashwatch-%s.%s", stem,
		    ext[i]) : xasprintf("mashwatch-%s-%s.csv", stem,
		    report_table_names[i - 3]);
		if ((f->data[i] = mem_of(r, fmt, &f->len[i])) == NULL ||
		    (f->path[i] = archive_file(ctl->cfg->report.archive,
		    f->name[i], f->data[i], f->len[i])) == NULL)
			return -1;
	}
	for (size_t i = 0; i < report_chart_count(r) &&
	    i < REPORT_PARTS_MAX; i++) {
		if (report_chart_png(r, i, &f->png[i], &f->pnglen[i]) < 0) {
			fprintf(stderr, "mashwatchctl: report: chart %zu could "
			    "not be drawn\n", i);
			return -1;
		}
		f->ncharts++;
	}
	return 0;
}

static char *
mem_html_mail(const struct report *r)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	if (fp == NULL)
		return NULL;
	if (report_write_html_mail(r, fp) < 0) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	return buf;
}

int
report_send(const struct ctl *ctl, PGconn *state, enum report_kind kind,
    struct cal_date first, struct cal_date d)
{
	struct report *r = NULL;
	struct tx_result tx = { 0 };
	struct files f = { 0 };
	char key[16], me[128], host[64] = "localhost", msgid[192], stem[64];
	const char *kname = kind == RK_WEEK ? "week" : kind == RK_MONTH ?
	    "month" : "day";
	const struct ledger *l = kind == RK_DAY ? &daily : &packs;
	char *msg = NULL;
	size_t i;
	bool busy = false, claimed = false;
	int rc = EX_SOFTWARE;

	snprintf(key, sizeof(key), "%04d-%02d-%02d", kind == RK_DAY ? d.year :
	    first.year, kind == RK_DAY ? d.month : first.month,
	    kind == RK_DAY ? d.day : first.day);
	stem_of(kind, first, d, stem, sizeof(stem));
	gethostname(host, sizeof(host) - 1);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	snprintf(me, sizeof(me), "%s:%d:%08lx", host, (int)getpid(), random());
	if (ctl->cfg->routes.report.n == 0) {
		fprintf(stderr, "mashwatchctl: report --send: %s names no "
		    "routes.report\n", ctl->cfg->path);
		return EX_CONFIG;
	}
	switch (claim(state, l, key, kname, me, &busy)) {
	case -1:
		return EX_UNAVAILABLE;
	case 0:
		return busy ? EX_TEMPFAIL : EX_OK;
	}
	claimed = true;
	if ((r = report_generate_period(ctl, state, kind, first, d)) == NULL) {
		rc = EX_UNAVAILABLE;
		goto out;
	}

	/* Archive first: the files are the record of what was sent. */
	if (mkdir(ctl->cfg->report.archive, 0750) < 0 && errno != EEXIST) {
		fprintf(stderr, "mashwatchctl: report: %s: %s\n",
		    ctl->cfg->report.archive, strerror(errno));
		rc = EX_CANTCREAT;
		goto out;
	}
	if (files_make(ctl, r, stem, &f) < 0) {
		rc = EX_CANTCREAT;
		goto out;
	}
	if (ledger_exec(state, l->paths, key, me, f.path[0], f.path[1],
	    f.path[2], kname, NULL) < 0) {
		rc = EX_UNAVAILABLE;
		goto out;
	}

	{
		char *text = mem_of(r, FMT_TEXT, NULL);
		char *html = mem_html_mail(r);
		const char *at = strchr(ctl->cfg->notify.from, '@');

		snprintf(msgid, sizeof(msgid), "%s.%08lx@%s", stem,
		    random(), at ? at + 1 : host);
		msg = text && html ? compose(ctl, r, msgid, text, html, &f) :
		    NULL;
		free(text);
		free(html);
	}
	if (msg == NULL || ctl_mail_send(ctl->cfg, ctl->cfg->routes.report.v,
	    ctl->cfg->routes.report.n, stem, msg, &tx) < 0) {
		fprintf(stderr, "mashwatchctl: report: %s not sent: %s\n", stem,
		    tx.reply[0] ? tx.reply : "the transport failed");
		rc = EX_TEMPFAIL;
		goto out;
	}
	{
		char *rcpts = xstrdup("");

		/* Addresses cannot hold a newline: the config refuses them. */
		for (i = 0; i < ctl->cfg->routes.report.n; i++) {
			char *x = xasprintf("%s%s%s", rcpts, i ? "\n" : "",
			    ctl->cfg->routes.report.v[i]);

			free(rcpts);
			rcpts = x;
		}
		/* Sent: from here on a failure must not release the claim. */
		claimed = false;
		if (ledger_exec(state, l->sent, key, me, msgid, rcpts, NULL,
		    kname, NULL) < 0) {
			free(rcpts);
			rc = EX_UNAVAILABLE;
			goto out;
		}
		free(rcpts);
	}
	fprintf(stderr, "report: %s sent to %zu recipients as <%s>\n", stem,
	    ctl->cfg->routes.report.n, msgid);
	rc = EX_OK;
out:
	/* Give a failed claim back at once so that a retry need not wait. */
	if (claimed)
		ledger_exec(state, l->release, key, me, NULL, NULL, NULL, kname,
		    NULL);
	files_clear(&f);
	free(msg);
	report_free(r);
	report_chart_done();
	return rc;
}
