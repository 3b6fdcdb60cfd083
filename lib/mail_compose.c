/*
 * What an alert email says: a subject that says what and how many, and the
 * same table of items in text and in HTML.  Case references and ids only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/mail.h"
#include "mashwatch/xmalloc.h"

#include "mail_impl.h"

#define NO_TIME	INT64_MIN

/* What "stopped" means for each clock of doc/contract.md. */
static const struct {
	const char	*clock;
	const char	*verb;
} stop_verbs[] = {
	{ "contact_decision", "decided" },
	{ "da_screening", "screened" },
	{ "police_notification_lag", "received" },
	{ "strategy_discussion", "held" },
	{ "strategy_record", "circulated" },
	{ "allocation", "allocated" },
	{ "child_seen", "seen" },
	{ "icpc", "held" },
	{ "assessment", "authorised" },
};

static const char *
stop_verb(const char *rule)
{
	for (size_t i = 0; i < sizeof(stop_verbs) / sizeof(stop_verbs[0]); i++)
		if (rule != NULL && strcmp(rule, stop_verbs[i].clock) == 0)
			return stop_verbs[i].verb;
	return "completed";
}

static const char *
level_phrase(const char *level)
{
	if (level == NULL)
		return "open";
	if (strcmp(level, "due_soon") == 0)
		return "due soon";
	if (strcmp(level, "overdue") == 0)
		return "overdue";
	if (strcmp(level, "escalated") == 0)
		return "escalated";
	if (strcmp(level, "repeat") == 0)
		return "repeat";
	if (strcmp(level, "check") == 0)
		return "failed check";
	if (strcmp(level, "data_quality") == 0)
		return "data problem";
	if (strcmp(level, "caseload") == 0)
		return "caseload";
	return level;
}

static void
format_local(const struct mail_context *ctx, int64_t t, char *buf,
    size_t len)
{
	struct cal_date d;
	int64_t local;

	if (t == NO_TIME) {
		snprintf(buf, len, "-");
		return;
	}
	d = calendar_date_of(ctx->cal, t);
	local = t + calendar_utc_offset(ctx->cal, t);
	local = ((local % 86400) + 86400) % 86400;
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", d.year, d.month, d.day,
	    (int)(local / 3600), (int)(local % 3600 / 60));
}

/*
 * An hour-based deadline as a local time ("Tue 1 Dec 14:05"); a
 * working-day one as the local date of its last second ("Fri 27 Nov").
 */
static void
format_due(const struct mail_context *ctx, const struct mail_item *it,
    char *buf, size_t len)
{
	struct cal_date d;
	int64_t local;

	if (it->due_at == NO_TIME) {
		snprintf(buf, len, "-");
		return;
	}
	if (it->hourly) {
		d = calendar_date_of(ctx->cal, it->due_at);
		local = it->due_at + calendar_utc_offset(ctx->cal, it->due_at);
		local = ((local % 86400) + 86400) % 86400;
		snprintf(buf, len, "%s %d %s %02d:%02d",
		    mail_weekdays[cal_date_weekday(d)], d.day,
		    mail_months[d.month - 1], (int)(local / 3600),
		    (int)(local % 3600 / 60));
		return;
	}
	d = calendar_date_of(ctx->cal, it->due_at - 1);
	snprintf(buf, len, "%s %d %s %04d", mail_weekdays[cal_date_weekday(d)],
	    d.day, mail_months[d.month - 1], d.year);
}

static void
plural_days(char *buf, size_t len, const char *prefix, int n,
    const char *suffix)
{
	snprintf(buf, len, "%s%d working day%s %s", prefix, n, n == 1 ? "" : "s",
	    suffix);
}

void
mail_item_lateness(const struct mail_context *ctx,
    const struct mail_item *it, char *buf, size_t len)
{
	const char *verb = stop_verb(it->rule);
	char pre[48];
	int n;

	if (it->resolved) {
		if (it->resolution != NULL &&
		    strcmp(it->resolution, "withdrawn") == 0) {
			snprintf(buf, len, "withdrawn");
			return;
		}
		if (it->due_at == NO_TIME || it->stopped_at == NO_TIME) {
			snprintf(buf, len, "resolved (%s)", it->resolution ?
			    it->resolution : "cleared");
			return;
		}
		if (it->stopped_at < it->due_at) {
			snprintf(buf, len, "%s in time", verb);
			return;
		}
		if (it->hourly) {
			int64_t h = (it->stopped_at - it->due_at) / 3600;

			if (h == 0)
				snprintf(buf, len, "%s less than an hour late",
				    verb);
			else
				snprintf(buf, len, "%s %lld hour%s late", verb,
				    (long long)h, h == 1 ? "" : "s");
			return;
		}
		n = calendar_working_days_between(ctx->cal, it->due_at - 1,
		    it->stopped_at);
		snprintf(pre, sizeof(pre), "%s ", verb);
		if (n <= 0)
			snprintf(buf, len, "%s late on the due date", verb);
		else
			plural_days(buf, len, pre, n, "late");
		return;
	}
	if (it->due_at == NO_TIME) {
		snprintf(buf, len, "%s", level_phrase(it->level));
		return;
	}
	if (it->hourly) {
		int64_t d = ctx->now - it->due_at;
		int64_t h = (d < 0 ? -d : d) / 3600;

		if (d < 0 && h == 0)
			snprintf(buf, len, "due within the hour");
		else if (d < 0)
			snprintf(buf, len, "due in %lld hour%s", (long long)h,
			    h == 1 ? "" : "s");
		else if (h == 0)
			snprintf(buf, len, "less than an hour late");
		else
			snprintf(buf, len, "%lld hour%s late", (long long)h,
			    h == 1 ? "" : "s");
		return;
	}
	if (ctx->now < it->due_at) {
		n = calendar_working_days_between(ctx->cal, ctx->now,
		    it->due_at - 1);
		if (n <= 0)
			snprintf(buf, len, "due today");
		else
			plural_days(buf, len, "due in ", n, "");
		/* plural_days leaves a trailing blank for the empty suffix. */
		if (len > 0 && buf[0] != '\0' && buf[strlen(buf) - 1] == ' ')
			buf[strlen(buf) - 1] = '\0';
		return;
	}
	n = calendar_working_days_between(ctx->cal, it->due_at - 1, ctx->now);
	if (n <= 0)
		snprintf(buf, len, "late today");
	else
		plural_days(buf, len, "", n, "late");
}

static const char *
item_label(const struct mail_item *it)
{
	return it->label != NULL ? it->label : it->rule ? it->rule : "?";
}

/*
 * "MASH: 3 overdue: Contacts awaiting a MASH decision" for one kind of
 * item; "MASH: 3 overdue, 1 resolved: Contacts awaiting a MASH decision
 * and 2 more" when there are several.
 */
static char *
compose_subject(const struct mail_context *ctx, enum mail_kind kind,
    const struct mail_item *const *v, size_t n)
{
	static const char *const order[] = { "escalated", "overdue",
	    "due_soon", "repeat", "check", "caseload", "data_quality" };
	size_t counts[8] = { 0 };	/* per order[], then resolved */
	const char *labels[3] = { NULL, NULL, NULL };
	size_t nlabels = 0, more = 0;
	struct sbuf b = { 0 };
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		const char *l = item_label(v[i]);
		size_t k;
		bool seen = false;

		if (v[i]->resolved)
			counts[7]++;
		else {
			for (k = 0; k < 7; k++)
				if (v[i]->level != NULL &&
				    strcmp(v[i]->level, order[k]) == 0)
					break;
			counts[k < 7 ? k : 1]++;
		}
		for (k = 0; k < nlabels; k++)
			if (strcmp(labels[k], l) == 0)
				seen = true;
		for (k = 0; k < i && !seen && nlabels == 3; k++)
			if (strcmp(item_label(v[k]), l) == 0)
				seen = true;
		if (!seen && nlabels < 3)
			labels[nlabels++] = l;
		else if (!seen)
			more++;
	}
	sbuf_add(&b, kind == MAIL_DIGEST ? "MASH morning digest: " :
	    kind == MAIL_BACKLOG ? "MASH backlog at go-live: " : "MASH: ");
	switch (kind) {
	case MAIL_TEST:
		sbuf_add(&b, "test email");
		goto route;
	case MAIL_DATA_QUALITY:
		sbuf_printf(&b, "%zu data quality problem%s", n,
		    n == 1 ? "" : "s");
		goto route;
	default:
		for (size_t k = 0; k < 8; k++) {
			if (counts[k] == 0)
				continue;
			sbuf_printf(&b, "%s%zu %s", first ? "" : ", ",
			    counts[k], k == 7 ? "resolved" :
			    level_phrase(order[k]));
			first = false;
		}
	}
	if (first)
		sbuf_add(&b, "nothing new");
	if (nlabels > 0 && kind != MAIL_DIGEST && kind != MAIL_BACKLOG) {
		sbuf_printf(&b, ": %s", labels[0]);
		if (nlabels > 1 || more > 0)
			sbuf_printf(&b, " and %zu more", nlabels - 1 + more);
	}
route:
	if (ctx->route_title != NULL && *ctx->route_title != '\0')
		sbuf_printf(&b, " (%s)", ctx->route_title);
	return sbuf_take(&b);
}

static const char *
dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

static void
compose_intro(const struct mail_context *ctx, enum mail_kind kind, size_t n,
    struct sbuf *t, struct sbuf *h)
{
	const char *what;

	switch (kind) {
	case MAIL_DIGEST:
		what = "This morning's digest: what is new since the last "
		    "email, what is still open and not acknowledged, and what "
		    "was resolved.  Most urgent first.  Acknowledge an item "
		    "with: mashwatchctl ack ALERT_ID --by NAME";
		break;
	case MAIL_ESCALATION:
		what = "These items are past their escalation point and "
		    "are escalated to you.";
		break;
	case MAIL_DATA_QUALITY:
		what = "These problems need someone to look at the data or "
		    "the delivery of alerts.";
		break;
	case MAIL_TEST:
		what = "This is a test email from mashwatch: if you can read "
		    "it, this route works.";
		break;
	case MAIL_BACKLOG:
		what = "mashwatch has started watching the MASH front door.  "
		    "This is the backlog it found at go-live: everything "
		    "already due soon, overdue or escalated, counted per clock, "
		    "then listed most urgent first.  From now on each new alert "
		    "is emailed as it fires.";
		break;
	default:
		what = "New alerts for work at the MASH front door, most urgent "
		    "first.";
	}
	sbuf_printf(t, "%s\n", what);
	sbuf_add(h, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>mashwatch</title></head><body>\n<p>");
	sbuf_add_html(h, what);
	sbuf_add(h, "</p>\n");
	if (ctx->route_title != NULL && *ctx->route_title != '\0') {
		sbuf_printf(t, "Route: %s\n", ctx->route_title);
		sbuf_add(h, "<p>Route: ");
		sbuf_add_html(h, ctx->route_title);
		sbuf_add(h, "</p>\n");
	}
	(void)n;
}

/*
 * What matters beyond the deadline: a repeat's count and window and the
 * contacts behind it, a caseload's count, the acknowledgement.
 */
static void
compose_what(const struct mail_context *ctx, const struct mail_item *it,
    struct sbuf *w)
{
	char when[32];

	if (it->level != NULL && strcmp(it->level, "repeat") == 0 &&
	    it->count > 0)
		sbuf_printf(w, "%d %ss in %s: %s%s%s", it->count,
		    it->kind != NULL && *it->kind != '\0' ? it->kind : "event",
		    it->window ? it->window : "the window",
		    it->events ? it->events : "-",
		    it->sources ? "; made by " : "",
		    it->sources ? it->sources : "");
	if (it->level != NULL && strcmp(it->level, "caseload") == 0)
		sbuf_printf(w, "worker %s holds %d open cases",
		    dash(it->worker_id), it->count);
	if (it->acked_by != NULL) {
		format_local(ctx, it->acked_at, when, sizeof(when));
		sbuf_printf(w, "%sacknowledged by %s at %s%s%s%s%s%s", w->len ?
		    "; " : "", it->acked_by, when, it->ack_reason ?
		    ", reason: " : "", it->ack_reason ? it->ack_reason : "",
		    it->ack_note ? ": \"" : "",
		    it->ack_note ? it->ack_note : "", it->ack_note ? "\"" : "");
	}
}

static void
compose_item(const struct mail_context *ctx, enum mail_kind kind,
    const struct mail_item *it, struct sbuf *t, struct sbuf *h)
{
	char started[32], due[32], late[96], first[32];
	/* Items about no child (delivery failures, some findings) get no link. */
	char *link = it->child_id == NULL || *it->child_id == '\0' ? NULL :
	    mail_link(ctx->link, it->child_id,
	    it->instance_id ? it->instance_id : "");
	const char *team = it->team_name && *it->team_name ? it->team_name :
	    it->team_id;
	struct sbuf note = { 0 }, what = { 0 };

	format_local(ctx, it->started_at, started, sizeof(started));
	format_due(ctx, it, due, sizeof(due));
	mail_item_lateness(ctx, it, late, sizeof(late));
	sbuf_add(&note, "");
	if (it->unrouted)
		sbuf_printf(&note, " [team %s has no address: sent to the "
		    "default route]", dash(it->team_id));
	if (kind == MAIL_ESCALATION || (it->level != NULL &&
	    strcmp(it->level, "escalated") == 0)) {
		if (it->first_sent_at != NO_TIME) {
			format_local(ctx, it->first_sent_at, first,
			    sizeof(first));
			sbuf_printf(&note, " [first sent %s to %s]", first,
			    dash(it->first_sent_to));
		} else
			sbuf_add(&note, " [not sent before]");
	}
	if (it->detail != NULL && *it->detail != '\0')
		sbuf_printf(&note, " [%s]", it->detail);
	compose_what(ctx, it, &what);

	/* Text: one block per item, so that long references do not wrap. */
	sbuf_printf(t, "\n* #%lld %s: %s (%s)\n", it->alert_id,
	    dash(it->child_id), item_label(it), it->resolved ? "resolved" :
	    level_phrase(it->level));
	sbuf_printf(t, "  instance %s, started %s, due %s, %s\n",
	    dash(it->instance_id), started, due, late);
	sbuf_printf(t, "  team %s, worker %s%s\n", dash(team),
	    dash(it->worker_id), note.s);
	if (what.len > 0)
		sbuf_printf(t, "  %s\n", what.s);
	if (link != NULL)
		sbuf_printf(t, "  %s\n", link);

	sbuf_printf(h, "<tr><td>%lld</td><td>", it->alert_id);
	if (link != NULL) {
		sbuf_add(h, "<a href=\"");
		sbuf_add_html(h, link);
		sbuf_add(h, "\">");
	}
	sbuf_add_html(h, dash(it->child_id));
	if (link != NULL)
		sbuf_add(h, "</a>");
	sbuf_add(h, "</td><td>");
	sbuf_add_html(h, item_label(it));
	sbuf_add(h, " (");
	sbuf_add_html(h, it->resolved ? "resolved" : level_phrase(it->level));
	sbuf_add(h, ")<br><small>");
	sbuf_add_html(h, dash(it->instance_id));
	sbuf_add(h, "</small></td><td>");
	sbuf_add_html(h, started);
	sbuf_add(h, "</td><td>");
	sbuf_add_html(h, due);
	sbuf_add(h, "</td><td>");
	sbuf_add_html(h, late);
	sbuf_add_html(h, note.s);
	if (what.len > 0) {
		sbuf_add(h, "<br>");
		sbuf_add_html(h, what.s);
	}
	sbuf_add(h, "</td><td>");
	sbuf_add_html(h, dash(team));
	sbuf_add(h, "</td><td>");
	sbuf_add_html(h, dash(it->worker_id));
	sbuf_add(h, "</td></tr>\n");
	free(note.s);
	free(what.s);
	free(link);
}

/* The view of a data-quality item: its key's first part, "mash.clocks". */
static size_t
dq_view(const struct mail_item *it, const char **v)
{
	const char *id = it->instance_id != NULL ? it->instance_id : "";
	const char *slash = strchr(id, '/');

	if (strncmp(id, "mash.", 5) != 0 || slash == NULL) {
		*v = it->rule != NULL ? it->rule : "other";
		return strlen(*v);
	}
	*v = id;
	return (size_t)(slash - id);
}

struct dq_count {
	const char	*view;
	size_t		 vlen;
	const char	*reason;
	size_t		 n;
};

static int
dq_count_cmp(const void *a, const void *b)
{
	const struct dq_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->reason, y->reason);
}

/* Counts per view and reason, most first: never a flood of rows. */
#define DQ_MAX_REASONS	30

static void
compose_dq_summary(const struct mail_item *items, size_t n, struct sbuf *t,
    struct sbuf *h)
{
	struct dq_count *c = NULL;
	size_t nc = 0, shown;

	for (size_t i = 0; i < n; i++) {
		const char *v, *r = items[i].detail ? items[i].detail : "-";
		size_t vl = dq_view(&items[i], &v), k;

		if (items[i].resolved)
			r = "resolved";
		for (k = 0; k < nc; k++)
			if (c[k].vlen == vl && strncmp(c[k].view, v, vl) == 0 &&
			    strcmp(c[k].reason, r) == 0)
				break;
		if (k == nc) {
			c = xreallocarray(c, nc + 1, sizeof(*c));
			c[nc++] = (struct dq_count){ v, vl, r, 0 };
		}
		c[k].n++;
	}
	if (nc > 0)
		qsort(c, nc, sizeof(*c), dq_count_cmp);
	shown = nc < DQ_MAX_REASONS ? nc : DQ_MAX_REASONS;
	sbuf_printf(t, "\n%zu item%s, by view and reason:\n", n,
	    n == 1 ? "" : "s");
	sbuf_add(h, "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">"
	    "\n<tr><th>View</th><th>Reason</th><th>Rows</th></tr>\n");
	for (size_t k = 0; k < shown; k++) {
		char *view = xstrndup(c[k].view, c[k].vlen);

		sbuf_printf(t, "  %7zu  %s: %s\n", c[k].n, view, c[k].reason);
		sbuf_add(h, "<tr><td>");
		sbuf_add_html(h, view);
		sbuf_add(h, "</td><td>");
		sbuf_add_html(h, c[k].reason);
		sbuf_printf(h, "</td><td>%zu</td></tr>\n", c[k].n);
		free(view);
	}
	if (nc > shown) {
		size_t rest = 0;
		for (size_t k = shown; k < nc; k++)
			rest += c[k].n;
		sbuf_printf(t, "  %7zu  in %zu other reasons\n", rest,
		    nc - shown);
		sbuf_printf(h, "<tr><td colspan=\"2\">%zu other reasons</td>"
		    "<td>%zu</td></tr>\n", nc - shown, rest);
	}
	sbuf_add(h, "</table>\n");
	free(c);
}

/* Urgency order (mashwatch.conf(5)); resolved last, in digests only. */
static const struct {
	const char	*level;
	const char	*title;
} sections[] = {
	{ "escalated", "Escalated" },
	{ "overdue", "Overdue" },
	{ "due_soon", "Due soon" },
	{ "repeat", "Repeat contacts and re-referrals" },
	{ "check", "Failed checks" },
	{ "caseload", "Caseloads" },
	{ "data_quality", "Data quality" },
	{ NULL, "Resolved" },
};
#define NSECTIONS	(sizeof(sections) / sizeof(sections[0]))

static size_t
item_section(const struct mail_item *it)
{
	if (it->resolved)
		return NSECTIONS - 1;
	for (size_t k = 0; k + 1 < NSECTIONS; k++)
		if (it->level != NULL && strcmp(it->level, sections[k].level) == 0)
			return k;
	return 1;	/* an unknown level reads as overdue */
}

static int64_t
item_when(const struct mail_item *it)
{
	return it->due_at != NO_TIME ? it->due_at : it->started_at != NO_TIME ?
	    it->started_at : it->fired_at;
}

/*
 * Digest part, then section, then the longest overdue (or soonest due)
 * first: both are the earliest deadline; then the oldest; then the id.
 */
static int
item_urgency_cmp(const void *a, const void *b)
{
	const struct mail_item *x = *(const struct mail_item *const *)a;
	const struct mail_item *y = *(const struct mail_item *const *)b;
	size_t sx = item_section(x), sy = item_section(y);
	int64_t tx = item_when(x), ty = item_when(y);

	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	if (sx != sy)
		return sx < sy ? -1 : 1;
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x->alert_id < y->alert_id ? -1 : x->alert_id > y->alert_id;
}

static void
compose_heading(struct sbuf *t, struct sbuf *h, const char *title, size_t n,
    int level)
{
	sbuf_printf(t, "\n%s%s (%zu)\n", level == 2 ? "== " : "", title, n);
	sbuf_printf(h, "<h%d>", level + 1);
	sbuf_add_html(h, title);
	sbuf_printf(h, " (%zu)</h%d>\n", n, level + 1);
}

static void
table_open(struct sbuf *h)
{
	sbuf_add(h, "<table border=\"1\" cellpadding=\"4\" "
	    "cellspacing=\"0\">\n<tr><th>Alert</th><th>Case reference"
	    "</th><th>Work</th><th>Started</th><th>Due</th>"
	    "<th>How late</th><th>Team</th><th>Worker</th></tr>\n");
}

/*
 * The backlog's counts per clock (its label) and level, over all n items,
 * in the order the clocks first appear in v (most urgent first).
 */
static void
compose_backlog_counts(const struct mail_item *const *v, size_t n,
    struct sbuf *t, struct sbuf *h)
{
	static const char *const levels[] = { "escalated", "overdue",
	    "due_soon" };

	sbuf_add(t, "\nCounts per clock:\n");
	sbuf_add(h, "<p>Counts per clock:</p>\n<table border=\"1\" "
	    "cellpadding=\"4\" cellspacing=\"0\"><tr><th>Clock</th>"
	    "<th>Escalated</th><th>Overdue</th><th>Due soon</th><th>Other"
	    "</th><th>All</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		const char *l = item_label(v[i]);
		size_t c[4] = { 0 }, all = 0;
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(item_label(v[k]), l) == 0;
		if (seen)
			continue;
		for (size_t k = i; k < n; k++) {
			size_t lv = 0;

			if (strcmp(item_label(v[k]), l) != 0)
				continue;
			while (lv < 3 && (v[k]->level == NULL ||
			    strcmp(v[k]->level, levels[lv]) != 0))
				lv++;
			c[lv]++;
			all++;
		}
		sbuf_printf(t, "  %s: %zu (%zu escalated, %zu overdue, %zu due "
		    "soon, %zu other)\n", l, all, c[0], c[1], c[2], c[3]);
		sbuf_add(h, "<tr><td>");
		sbuf_add_html(h, l);
		sbuf_printf(h, "</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu"
		    "</td><td>%zu</td></tr>\n", c[0], c[1], c[2], c[3], all);
	}
	sbuf_add(h, "</table>\n");
}

/*
 * "Arrived out of hours": what the night and the weekend brought in, for
 * the day team taking it over, with its due and whether it is stopped.
 */
static void
compose_handover(const struct mail_context *ctx, struct sbuf *t,
    struct sbuf *h)
{
	char started[32], due[32], when[32], stopped[48];

	compose_heading(t, h, "Arrived out of hours", ctx->nhandover, 2);
	sbuf_add(t, "Started outside working hours since the end of the "
	    "last working day.\n");
	sbuf_add(h, "<p>Started outside working hours since the end of the "
	    "last working day.</p>\n<table border=\"1\" cellpadding=\"4\" "
	    "cellspacing=\"0\">\n<tr><th>Case reference</th><th>Work</th>"
	    "<th>Arrived</th><th>Due</th><th>Team</th><th>Now</th></tr>\n");
	for (size_t i = 0; i < ctx->nhandover; i++) {
		const struct mail_item *it = &ctx->handover[i];
		const char *team = it->team_name && *it->team_name ?
		    it->team_name : it->team_id;

		format_local(ctx, it->started_at, started, sizeof(started));
		format_due(ctx, it, due, sizeof(due));
		if (it->stopped_at != NO_TIME) {
			format_local(ctx, it->stopped_at, when, sizeof(when));
			snprintf(stopped, sizeof(stopped), "stopped %s", when);
		} else
			snprintf(stopped, sizeof(stopped), "still open");
		sbuf_printf(t, "\n* %s: %s\n  instance %s, arrived %s, due %s, "
		    "team %s, %s\n", dash(it->child_id), item_label(it),
		    dash(it->instance_id), started, due, dash(team), stopped);
		sbuf_add(h, "<tr><td>");
		sbuf_add_html(h, dash(it->child_id));
		sbuf_add(h, "</td><td>");
		sbuf_add_html(h, item_label(it));
		sbuf_add(h, "<br><small>");
		sbuf_add_html(h, dash(it->instance_id));
		sbuf_add(h, "</small></td><td>");
		sbuf_add_html(h, started);
		sbuf_add(h, "</td><td>");
		sbuf_add_html(h, due);
		sbuf_add(h, "</td><td>");
		sbuf_add_html(h, dash(team));
		sbuf_add(h, "</td><td>");
		sbuf_add_html(h, stopped);
		sbuf_add(h, "</td></tr>\n");
	}
	sbuf_add(h, "</table>\n");
}

void
mail_compose(const struct mail_context *ctx, enum mail_kind kind,
    const struct mail_item *items, size_t n, struct mail_content *out)
{
	static const char *const parts[] = { "New since the last email",
	    "Still open and not acknowledged", "Resolved since the last digest" };
	struct sbuf t = { 0 }, h = { 0 };
	const struct mail_item **v = xcalloc(n + 1, sizeof(*v));
	size_t cap = ctx->max_items > 0 ? ctx->max_items : n, i, j, k;

	/* At most max_items lines (and 50 references of data quality), the
	 * most urgent; the rest are counted. */
	if (kind == MAIL_DATA_QUALITY && cap > MAIL_DQ_REFS)
		cap = MAIL_DQ_REFS;
	if (cap > n)
		cap = n;
	for (i = 0; i < n; i++)
		v[i] = &items[i];
	qsort(v, n, sizeof(*v), item_urgency_cmp);
	/* The subject names the most urgent work first. */
	out->subject = compose_subject(ctx, kind, v, n);
	compose_intro(ctx, kind, n, &t, &h);
	if (kind == MAIL_BACKLOG && n > 0)
		compose_backlog_counts(v, n, &t, &h);
	/* The digest opens with the handover. */
	if (kind == MAIL_DIGEST && ctx->nhandover > 0)
		compose_handover(ctx, &t, &h);
	if (kind == MAIL_DATA_QUALITY && n > 0) {
		compose_dq_summary(items, n, &t, &h);
		if (cap > 0) {
			sbuf_add(&t, "\nReferences:\n");
			sbuf_add(&h, "<p>References:</p>\n");
		}
	}
	/*
	 * The lines shown stop at cap; a heading counts all of its part or
	 * section, as the subject does (the rest are "... and N more").
	 */
	for (i = 0; i < cap; i = j) {
		/* One digest part: v[i..j). */
		for (j = i; j < n && (kind != MAIL_DIGEST ||
		    v[j]->part == v[i]->part); j++)
			;
		if (kind == MAIL_DIGEST && v[i]->part >= 0 && v[i]->part <= 2)
			compose_heading(&t, &h, parts[v[i]->part], j - i, 2);
		for (size_t a = i, b; a < j && a < cap; a = b) {
			k = item_section(v[a]);
			for (b = a; b < j && item_section(v[b]) == k; b++)
				;
			compose_heading(&t, &h, sections[k].title, b - a, 3);
			table_open(&h);
			for (size_t c = a; c < b && c < cap; c++)
				compose_item(ctx, kind, v[c], &t, &h);
			sbuf_add(&h, "</table>\n");
		}
	}
	if (n > cap) {
		const char *all = kind == MAIL_DATA_QUALITY ? " \xe2\x80\x94 "
		    "`mashwatchd --once` lists them all" : "";
		sbuf_printf(&t, "\n... and %zu more%s\n", n - cap, all);
		sbuf_printf(&h, "<p>... and %zu more", n - cap);
		sbuf_add_html(&h, all);
		sbuf_add(&h, "</p>\n");
	}
	free(v);
	sbuf_add(&t, "\n-- \nmashwatch: case references only; open the "
	    "case management system for details.\n");
	sbuf_add(&h, "<p><small>mashwatch: case references only; open the "
	    "case management system for details.</small></p>\n</body></html>\n");
	out->text = sbuf_take(&t);
	out->html = sbuf_take(&h);
}

void
mail_content_clear(struct mail_content *c)
{
	free(c->subject);
	free(c->text);
	free(c->html);
	c->subject = c->text = c->html = NULL;
}
