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
#include "pg.h"
#include "setup.h"
#include "transport.h"

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

/* One message through the configured transport, on a loop of our own. */
static int
mail_send(const struct config *cfg, const char *name, const char *msg,
    struct tx_result *out)
{
	struct sent s = { 0 };
	struct mailer *t;
	int ret = -1;

	if ((s.base = event_base_new()) == NULL)
		return -1;
	t = transport_new(s.base, cfg);
	if (transport_send(t, cfg->notify.from, cfg->routes.report.v,
	    cfg->routes.report.n, name, msg, on_sent, &s) == 0) {
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

static char *
compose(const struct ctl *ctl, const struct report *r, const char *msgid,
    const char *text, const char *html, const char *csv, size_t csvlen,
    const char *csvname)
{
	struct mail *m;
	char subject[160], *msg;
	uint64_t late = 0;

	for (size_t i = 0; i < r->nclocks; i++)
		late += r->clocks[i].overdue;
	snprintf(subject, sizeof(subject), "MASH front door report "
	    "%04d-%02d-%02d: %" PRIu64 " overdue", r->date.year, r->date.month,
	    r->date.day, late);
	m = mail_new(ctl->cfg->notify.from, msgid, r->generated_at,
	    calendar_utc_offset(ctl->cal, r->generated_at));
	for (size_t i = 0; i < ctl->cfg->routes.report.n; i++)
		mail_add_to(m, ctl->cfg->routes.report.v[i]);
	mail_set_subject(m, subject);
	mail_set_body(m, text, html);
	mail_attach(m, "text/csv; charset=utf-8", csvname, csv, csvlen);
	msg = mail_render(m);
	mail_free(m);
	return msg;
}

static int
exec_params(PGconn *conn, const char *sql, int n, const char *const *p,
    PGresult **out)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, p, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: report: mashwatch.reports: %s\n",
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
 * Claim the date.  1: ours; 0: already sent (or being sent by a live
 * claim: *busy); -1: error.
 */
static int
claim(PGconn *state, const char *date, const char *me, bool *busy)
{
	const char *p[2] = { date, me };
	PGresult *res;
	int ret;

	if (exec_params(state, "INSERT INTO mashwatch.reports (report_date, "
	    "claimed_by) VALUES ($1, $2) ON CONFLICT (report_date) DO UPDATE "
	    "SET claimed_by = excluded.claimed_by, claimed_at = now() "
	    "WHERE reports.sent_at IS NULL AND reports.claimed_at < "
	    "now() - interval '" CLAIM_TIMEOUT "' RETURNING 1", 2, p,
	    &res) < 0)
		return -1;
	ret = PQntuples(res) == 1;
	PQclear(res);
	if (ret)
		return 1;
	if (exec_params(state, "SELECT sent_at IS NOT NULL, claimed_by, "
	    "coalesce(sent_at, claimed_at) FROM mashwatch.reports WHERE "
	    "report_date = $1", 1, p, &res) < 0)
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

int
report_send(const struct ctl *ctl, PGconn *state, struct cal_date d)
{
	struct report *r = NULL;
	struct tx_result tx = { 0 };
	char date[16], me[128], host[64] = "localhost", msgid[192], eml[64];
	char *files[3] = { NULL, NULL, NULL }, *paths[3] = { NULL, NULL, NULL };
	char *msg = NULL;
	size_t lens[3] = { 0 }, i;
	static const int fmts[3] = { FMT_HTML, FMT_CSV, FMT_JSON };
	static const char *const ext[3] = { "html", "csv", "json" };
	bool busy = false, claimed = false;
	int rc = EX_SOFTWARE;

	snprintf(date, sizeof(date), "%04d-%02d-%02d", d.year, d.month, d.day);
	gethostname(host, sizeof(host) - 1);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	snprintf(me, sizeof(me), "%s:%d:%08lx", host, (int)getpid(), random());
	if (ctl->cfg->routes.report.n == 0) {
		fprintf(stderr, "mashwatchctl: report --send: %s names no "
		    "routes.report\n", ctl->cfg->path);
		return EX_CONFIG;
	}
	switch (claim(state, date, me, &busy)) {
	case -1:
		return EX_UNAVAILABLE;
	case 0:
		return busy ? EX_TEMPFAIL : EX_OK;
	}
	claimed = true;
	if ((r = report_generate(ctl, state, d)) == NULL) {
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
	for (i = 0; i < 3; i++) {
		char name[64];

		snprintf(name, sizeof(name), "mashwatch-report-%s.%s", date,
		    ext[i]);
		if ((files[i] = mem_of(r, fmts[i], &lens[i])) == NULL ||
		    (paths[i] = archive_file(ctl->cfg->report.archive, name,
		    files[i], lens[i])) == NULL) {
			rc = EX_CANTCREAT;
			goto out;
		}
	}
	{
		const char *p[5] = { date, me, paths[0], paths[1], paths[2] };

		if (exec_params(state, "UPDATE mashwatch.reports SET "
		    "generated_at = now(), html_path = $3, csv_path = $4, "
		    "json_path = $5 WHERE report_date = $1 AND claimed_by = $2",
		    5, p, NULL) < 0) {
			rc = EX_UNAVAILABLE;
			goto out;
		}
	}

	{
		char *text = mem_of(r, FMT_TEXT, NULL);
		const char *at = strchr(ctl->cfg->notify.from, '@');
		char csvname[64];

		snprintf(csvname, sizeof(csvname), "mashwatch-report-%s.csv",
		    date);
		snprintf(msgid, sizeof(msgid), "report-%s.%08lx@%s", date,
		    random(), at ? at + 1 : host);
		msg = text ? compose(ctl, r, msgid, text, files[0], files[1],
		    lens[1], csvname) : NULL;
		free(text);
	}
	snprintf(eml, sizeof(eml), "report-%s", date);
	if (msg == NULL || mail_send(ctl->cfg, eml, msg, &tx) < 0) {
		fprintf(stderr, "mashwatchctl: report: %s not sent: %s\n", date,
		    tx.reply[0] ? tx.reply : "the transport failed");
		rc = EX_TEMPFAIL;
		goto out;
	}
	{
		char *rcpts = xstrdup("");
		const char *p[4] = { date, me, msgid, NULL };

		/* Addresses cannot hold a newline: the config refuses them. */
		for (i = 0; i < ctl->cfg->routes.report.n; i++) {
			char *x = xasprintf("%s%s%s", rcpts, i ? "\n" : "",
			    ctl->cfg->routes.report.v[i]);

			free(rcpts);
			rcpts = x;
		}
		p[3] = rcpts;
		/* Sent: from here on a failure must not release the claim. */
		claimed = false;
		if (exec_params(state, "UPDATE mashwatch.reports SET sent_at = "
		    "now(), message_id = $3, recipients = string_to_array($4, "
		    "E'\\n') WHERE report_date = $1 AND claimed_by = $2",
		    4, p, NULL) < 0) {
			free(rcpts);
			rc = EX_UNAVAILABLE;
			goto out;
		}
		free(rcpts);
	}
	fprintf(stderr, "report: %s sent to %zu recipients as <%s>\n", date,
	    ctl->cfg->routes.report.n, msgid);
	rc = EX_OK;
out:
	/* Give a failed claim back at once so that a retry need not wait. */
	if (claimed) {
		const char *p[2] = { date, me };

		exec_params(state, "DELETE FROM mashwatch.reports WHERE "
		    "report_date = $1 AND claimed_by = $2 AND sent_at IS NULL",
		    2, p, NULL);
	}
	for (i = 0; i < 3; i++) {
		free(files[i]);
		free(paths[i]);
	}
	free(msg);
	report_free(r);
	return rc;
}
