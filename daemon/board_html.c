/*
 * The board as an HTML page, and the small script that keeps it live.
 *
 * Every value from the data goes through board_html_escape(), so a case
 * reference such as "<script>" is shown as text.  The script is served
 * from /board.js (the page's Content-Security-Policy allows no inline
 * script).
 *
 * Live updates poll /board.json?since=VERSION every 2 s rather than hold a
 * server-sent event stream open: a poll is a short request that passes
 * through any reverse proxy without special buffering settings, counts
 * against http.max_connections only while it runs (an open stream per tab
 * would let 256 tabs fill the listener), survives the idle timeout, and
 * costs one comparison of a number while nothing has changed.  When the
 * version moves, the page fetches itself again and swaps the board in
 * place, unless the manager is typing into an acknowledgement form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "mashwatch/forecast.h"
#include "mashwatch/html.h"
#include "mashwatch/mail.h"

#include "board_impl.h"

static void
board_html_escape(struct evbuffer *out, const char *s)
{
	const char *run = s;

	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		const char *e = html_entity(*s);

		if (e == NULL)
			continue;
		if (s > run)
			evbuffer_add(out, run, (size_t)(s - run));
		evbuffer_add(out, e, strlen(e));
		run = s + 1;
	}
	if (s > run)
		evbuffer_add(out, run, (size_t)(s - run));
}

static void
esc(struct evbuffer *out, const char *s)
{
	board_html_escape(out, s);
}

static const char *
dash(const char *s)
{
	return s == NULL || *s == '\0' ? "-" : s;
}

static const char *
team_title(const struct board_team *t)
{
	return *t->team_id ? t->team_id : "No team";
}

static const char page_style[] =
    "body{font-family:system-ui,sans-serif;margin:1em 2em;color:#111}"
    "h1{font-size:1.4em}h2{margin-top:1.5em;border-bottom:2px solid #444}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #bbb;padding:.2em .5em;text-align:left;"
    "vertical-align:top}th{background:#eee}"
    "tr.escalated td{background:#f8c9c4}tr.overdue td{background:#fde3d0}"
    "tr.due_soon td{background:#fff4c2}"
    ".notice{background:#e3f1e3;padding:.4em}.warn{background:#fde3d0;"
    "padding:.4em}form.ack input[name=note]{width:12em}"
    ".muted{color:#555}";

static void
render_filter(const struct board_view *v, struct evbuffer *out)
{
	static const enum clock_state states[] = { CS_ON_TIME, CS_DUE_SOON,
	    CS_OVERDUE, CS_ESCALATED };

	evbuffer_add_printf(out, "<form method=\"get\" action=\"/board\" "
	    "id=\"filter\"><label>Clock <select name=\"clock\">"
	    "<option value=\"\">every clock</option>");
	for (size_t i = 0; i < v->cfg->nclocks; i++) {
		const struct clock_conf *c = &v->cfg->clocks[i];

		evbuffer_add_printf(out, "<option value=\"");
		esc(out, c->name);
		evbuffer_add_printf(out, "\"%s>", v->filter.clock != NULL &&
		    strcmp(v->filter.clock, c->name) == 0 ? " selected" : "");
		esc(out, c->label ? c->label : c->name);
		evbuffer_add_printf(out, "</option>");
	}
	evbuffer_add_printf(out, "</select></label> <label>State <select "
	    "name=\"state\"><option value=\"\">every state</option>");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		evbuffer_add_printf(out, "<option value=\"%s\"%s>%s</option>",
		    clock_state_name(states[i]), v->filter.state ==
		    (int)states[i] ? " selected" : "",
		    board_state_label(states[i]));
	evbuffer_add_printf(out, "</select></label> <button type=\"submit\">"
	    "Show</button></form>\n");
}

/* Counts per clock over the teams the viewer sees. */
static void
render_totals(const struct board_view *v, struct evbuffer *out)
{
	const struct board_snap *s = v->snap;

	evbuffer_add_printf(out, "<table id=\"counts\"><caption>Open now, "
	    "per clock</caption><tr><th>Clock</th><th>Open</th><th>Due soon"
	    "</th><th>Overdue</th><th>Escalated</th></tr>\n");
	for (size_t k = 0; k < v->cfg->nclocks; k++) {
		size_t open = 0, soon = 0, over = 0, esc_n = 0;
		const struct clock_conf *c = &v->cfg->clocks[k];

		for (size_t t = 0; t < s->nteams; t++) {
			if (!v->viewer->team_ok[t])
				continue;
			open += s->teams[t].counts[k].open;
			soon += s->teams[t].counts[k].due_soon;
			over += s->teams[t].counts[k].overdue;
			esc_n += s->teams[t].counts[k].escalated;
		}
		if (open == 0)
			continue;
		evbuffer_add_printf(out, "<tr data-clock=\"");
		esc(out, c->name);
		evbuffer_add_printf(out, "\"><td>");
		esc(out, c->label ? c->label : c->name);
		evbuffer_add_printf(out, "</td><td>%zu</td><td>%zu</td><td>%zu"
		    "</td><td>%zu</td></tr>\n", open, soon, over, esc_n);
	}
	evbuffer_add_printf(out, "</table>\n");
}

/*
 * The reason select of an acknowledgement form, when the config lists
 * reasons; required (no empty choice) where ack.reason_required makes the
 * server refuse the alert without one.
 */
static void
render_reasons(const struct board_view *v, const struct board_alert *a,
    struct evbuffer *out)
{
	const struct config *cfg = v->cfg;
	bool need = config_reason_check(cfg, NULL,
	    alert_level_name((enum alert_level)a->level)) == REASON_MISSING;

	if (cfg->nreasons == 0)
		return;
	evbuffer_add_printf(out, "<select name=\"reason\" "
	    "aria-label=\"reason\"%s><option value=\"\">%s</option>",
	    need ? " required" : "", need ? "reason (required)" :
	    "no reason");
	for (size_t i = 0; i < cfg->nreasons; i++) {
		evbuffer_add_printf(out, "<option value=\"");
		esc(out, cfg->reasons[i].code);
		evbuffer_add_printf(out, "\">");
		esc(out, cfg->reasons[i].label);
		evbuffer_add_printf(out, "</option>");
	}
	evbuffer_add_printf(out, "</select> ");
}

/*
 * The forecast per clock with forecast = true, over the teams the viewer
 * sees: what falls due by the end of the next working day against what is
 * decided a day, and so how many will likely be late.
 */
static void
render_forecast(const struct board_view *v, struct evbuffer *out)
{
	const struct board_snap *s = v->snap;
	bool any = false;

	for (size_t k = 0; k < v->cfg->nclocks; k++) {
		long open = 0, due = 0;
		double rate = 0;
		bool fc = false;
		const struct clock_conf *c = &v->cfg->clocks[k];

		for (size_t t = 0; t < s->nteams; t++) {
			const struct board_count *bc = &s->teams[t].counts[k];

			if (!v->viewer->team_ok[t] || !bc->fc)
				continue;
			fc = true;
			open += bc->fc_open;
			due += bc->fc_due_next;
			rate += bc->fc_throughput;
		}
		if (!fc)
			continue;
		if (!any)
			evbuffer_add_printf(out, "<table id=\"forecast\">"
			    "<caption>Forecast: by the end of the next working "
			    "day, at the pace of the last 20 working days"
			    "</caption><tr><th>Clock</th><th>Open</th>"
			    "<th>Due next</th><th>Decided a day</th>"
			    "<th>Likely late</th></tr>\n");
		any = true;
		evbuffer_add_printf(out, "<tr data-clock=\"");
		esc(out, c->name);
		evbuffer_add_printf(out, "\"><td>");
		esc(out, c->label ? c->label : c->name);
		evbuffer_add_printf(out, "</td><td>%ld</td><td>%ld</td>"
		    "<td>%.2f</td><td>%ld</td></tr>\n", open, due, rate,
		    forecast_projected(due, rate));
	}
	if (any)
		evbuffer_add_printf(out, "</table>\n");
}

static void
render_ack(const struct board_view *v, const struct board_alert *a,
    struct evbuffer *out)
{
	char when[32], until[32], silenced[80] = "";

	if (a == NULL) {
		evbuffer_add_printf(out, "<td class=\"muted\">no alert</td>");
		return;
	}
	if (a->silence_id != 0) {
		board_format_time(v->cal, a->silenced_until, true, until,
		    sizeof(until));
		snprintf(silenced, sizeof(silenced), "<span class=\"silenced\">"
		    "silenced until %s</span> ", until);
	}
	if (a->acked_by != NULL) {
		board_format_time(v->cal, a->acked_at, true, when, sizeof(when));
		evbuffer_add_printf(out, "<td class=\"acked\">%sby ", silenced);
		esc(out, a->acked_by);
		evbuffer_add_printf(out, " at %s", when);
		if (a->reason != NULL) {
			const struct reason_conf *r = config_reason(v->cfg,
			    a->reason);

			evbuffer_add_printf(out, ", reason <span "
			    "class=\"reason\">");
			esc(out, r != NULL ? r->label : a->reason);
			evbuffer_add_printf(out, "</span>");
		}
		if (a->note != NULL) {
			evbuffer_add_printf(out, ": &ldquo;");
			esc(out, a->note);
			evbuffer_add_printf(out, "&rdquo;");
		}
		if (a->until != TIME_NONE) {
			board_format_time(v->cal, a->until, true, until,
			    sizeof(until));
			evbuffer_add_printf(out, " (until %s)", until);
		}
		evbuffer_add_printf(out, "</td>");
		return;
	}
	evbuffer_add_printf(out, "<td>%s<form method=\"post\" action=\"/ack\" "
	    "class=\"ack\"><input type=\"hidden\" name=\"csrf\" value=\"", silenced);
	esc(out, v->viewer->csrf);
	evbuffer_add_printf(out, "\"><input type=\"hidden\" name=\"alert\" "
	    "value=\"%lld\">", a->alert_id);
	render_reasons(v, a, out);
	evbuffer_add_printf(out, "<input name=\"note\" maxlength=\"1000\" "
	    "placeholder=\"note\" aria-label=\"note\"> <input "
	    "type=\"datetime-local\" name=\"until\" aria-label=\"until\"> "
	    "<button type=\"submit\">Acknowledge alert %lld</button></form>"
	    "</td>", a->alert_id);
}

static void
render_case(const struct board_view *v, const char *child,
    const char *instance, struct evbuffer *out)
{
	char *link = mail_link(v->cfg->notify.link, child, instance);

	if (link != NULL) {
		evbuffer_add_printf(out, "<a href=\"");
		esc(out, link);
		evbuffer_add_printf(out, "\" rel=\"noreferrer\">");
	}
	evbuffer_add_printf(out, "<span class=\"case\">");
	esc(out, child);
	evbuffer_add_printf(out, "</span>");
	if (link != NULL)
		evbuffer_add_printf(out, "</a>");
	free(link);
}

void
board_render_team(const struct board_view *v, const struct board_team *t,
    struct evbuffer *out)
{
	const struct board_snap *s = v->snap;
	size_t shown = 0, matching = 0, max = (size_t)v->cfg->http.board_max_items;
	char started[32], due[32], late[96];

	evbuffer_add_printf(out, "<section class=\"team\" data-team=\"");
	esc(out, t->team_id);
	evbuffer_add_printf(out, "\"><h2>");
	esc(out, team_title(t));
	if (t->name != NULL) {
		evbuffer_add_printf(out, " &middot; ");
		esc(out, t->name);
	}
	evbuffer_add_printf(out, "</h2>\n<p class=\"counts\">");
	for (size_t k = 0, n = 0; k < v->cfg->nclocks; k++) {
		const struct board_count *c = &t->counts[k];

		if (c->open == 0)
			continue;
		evbuffer_add_printf(out, "%s", n++ ? "; " : "");
		esc(out, c->clock->label ? c->clock->label : c->clock->name);
		evbuffer_add_printf(out, ": %zu open, %zu overdue", c->open,
		    c->overdue + c->escalated);
	}
	evbuffer_add_printf(out, "</p>\n<table class=\"items\"><tr>"
	    "<th>Clock</th><th>Case</th><th>Started</th><th>Due</th>"
	    "<th>State</th><th>How late</th><th>Worker</th>"
	    "<th>Acknowledged</th></tr>\n");
	for (size_t i = t->first; i < t->first + t->n; i++) {
		const struct board_item *it = &s->items[i];

		if (!board_item_shown(v, it))
			continue;
		if (++matching > max)
			continue;
		shown++;
		board_format_time(v->cal, it->started_at, true, started,
		    sizeof(started));
		/* A working-day deadline is the end of its due date. */
		board_format_time(v->cal, it->hourly ? it->due_at :
		    it->due_at - 1, it->hourly, due, sizeof(due));
		board_lateness(v, it, late, sizeof(late));
		evbuffer_add_printf(out, "<tr class=\"%s\" data-instance=\"",
		    clock_state_name(it->state));
		esc(out, it->instance_id);
		evbuffer_add_printf(out, "\"><td>");
		esc(out, it->clock->label ? it->clock->label : it->clock->name);
		evbuffer_add_printf(out, "</td><td>");
		render_case(v, it->child_id, it->instance_id, out);
		evbuffer_add_printf(out, "</td><td>%s</td><td>%s</td><td>%s"
		    "</td><td>%s</td><td>", started, due,
		    board_state_label(it->state), late);
		esc(out, dash(it->worker_id));
		evbuffer_add_printf(out, "</td>");
		render_ack(v, board_alert_of(v, it->clock->name,
		    it->instance_id), out);
		evbuffer_add_printf(out, "</tr>\n");
	}
	evbuffer_add_printf(out, "</table>\n");
	if (matching == 0)
		evbuffer_add_printf(out, "<p class=\"muted\">Nothing "
		    "waiting.</p>\n");
	else if (matching > shown)
		evbuffer_add_printf(out, "<p class=\"more\">and %zu more "
		    "(use the filter above)</p>\n", matching - shown);
	evbuffer_add_printf(out, "</section>\n");
}

/*
 * The rows and the snapshot's teams are both sorted by team: walk *ti
 * along to team_id's entry.  Whether the viewer may see that team; a team
 * not listed is never shown (and the walk starts again from the top).
 */
static bool
team_visible(const struct board_view *v, const char *team_id, size_t *ti)
{
	const struct board_snap *s = v->snap;

	while (*ti < s->nteams && strcmp(s->teams[*ti].team_id, team_id) != 0)
		(*ti)++;
	if (*ti == s->nteams) {
		*ti = 0;
		return false;
	}
	return v->viewer->team_ok[*ti];
}

static void
render_others(const struct board_view *v, bool repeats,
    struct evbuffer *out)
{
	const struct board_snap *s = v->snap;
	size_t n = 0, ti = 0;
	char at[32];

	evbuffer_add_printf(out, "<section id=\"%s\"><h2>%s</h2>\n<table>"
	    "<tr><th>Team</th><th>Rule</th><th>Case</th><th>%s</th>"
	    "<th>Acknowledged</th></tr>\n", repeats ? "repeats" : "checks",
	    repeats ? "Repeat contacts" : "Failed checks",
	    repeats ? "Events in the window" : "When");
	for (size_t i = 0; i < s->nothers; i++) {
		const struct board_other *o = &s->others[i];

		if ((o->at == 0) != repeats)
			continue;
		if (!team_visible(v, o->team_id, &ti))
			continue;
		n++;
		evbuffer_add_printf(out, "<tr><td>");
		esc(out, team_title(&s->teams[ti]));
		evbuffer_add_printf(out, "</td><td>");
		esc(out, o->label);
		evbuffer_add_printf(out, "</td><td>");
		render_case(v, o->child_id, o->at == 0 ? "" : o->instance_id,
		    out);
		if (repeats)
			evbuffer_add_printf(out, "</td><td>%zu</td>", o->count);
		else {
			board_format_time(v->cal, o->at, true, at, sizeof(at));
			evbuffer_add_printf(out, "</td><td>%s</td>", at);
		}
		render_ack(v, board_alert_of(v, o->rule, o->instance_id), out);
		evbuffer_add_printf(out, "</tr>\n");
	}
	evbuffer_add_printf(out, "</table>\n%s</section>\n", n == 0 ?
	    "<p class=\"muted\">None.</p>" : "");
}

static void
render_caseloads(const struct board_view *v, struct evbuffer *out)
{
	const struct board_snap *s = v->snap;
	size_t n = 0, ti = 0;

	evbuffer_add_printf(out, "<section id=\"caseloads\"><h2>Caseloads"
	    "</h2>\n<p class=\"muted\">Workers with %d open cases or more "
	    "(red: %d or more).</p><table><tr><th>Team</th><th>Worker</th>"
	    "<th>Open cases</th></tr>\n", v->cfg->caseloads.amber,
	    v->cfg->caseloads.red);
	for (size_t i = 0; i < s->ncaseloads; i++) {
		const struct board_caseload *c = &s->caseloads[i];

		if (!team_visible(v, c->team_id, &ti))
			continue;
		n++;
		evbuffer_add_printf(out, "<tr class=\"%s\"><td>",
		    c->open_cases >= v->cfg->caseloads.red ? "escalated" :
		    "overdue");
		esc(out, team_title(&s->teams[ti]));
		evbuffer_add_printf(out, "</td><td>");
		esc(out, c->worker_id);
		evbuffer_add_printf(out, "</td><td>%d</td></tr>\n",
		    c->open_cases);
	}
	evbuffer_add_printf(out, "</table>\n%s</section>\n", n == 0 ?
	    "<p class=\"muted\">None.</p>" : "");
}

void
board_render_head(const struct board_view *v, struct evbuffer *out)
{
	char now[32];

	board_format_time(v->cal, v->now, true, now, sizeof(now));
	evbuffer_add_printf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>Front door board</title>"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<style>%s</style><script src=\"/board.js\" defer></script>"
	    "</head>\n<body data-version=\"%llu\">\n<h1>Front door board</h1>"
	    "\n<p>Signed in as <b id=\"user\">", page_style,
	    (unsigned long long)v->version);
	esc(out, v->viewer->user);
	evbuffer_add_printf(out, "</b>. Updates by itself; last changed "
	    "<span id=\"updated\">%s</span>.</p>\n", now);
	render_filter(v, out);
	evbuffer_add_printf(out, "<main id=\"board\">\n");
	if (v->notice != NULL) {
		evbuffer_add_printf(out, "<p class=\"notice\">");
		esc(out, v->notice);
		evbuffer_add_printf(out, "</p>\n");
	}
	if (!v->leader)
		evbuffer_add_printf(out, "<p class=\"warn\">This daemon is "
		    "standing by (or still starting): open the leader's "
		    "board for what is waiting.</p>\n");
	render_totals(v, out);
	render_forecast(v, out);
}

void
board_render_tail(const struct board_view *v, struct evbuffer *out)
{
	render_others(v, true, out);
	render_others(v, false, out);
	render_caseloads(v, out);
	evbuffer_add_printf(out, "</main>\n</body></html>\n");
}

/* /board.js: poll, and swap the board in when its version moves. */
const char board_script[] =
    "'use strict';\n"
    "(function () {\n"
    "  var busy = false;\n"
    "  function typing() {\n"
    "    var a = document.activeElement;\n"
    "    if (a && a.form && a.form.classList.contains('ack')) return true;\n"
    "    var f = document.querySelectorAll('form.ack input[name=note], "
    "form.ack input[name=until], form.ack select[name=reason]');\n"
    "    for (var i = 0; i < f.length; i++) if (f[i].value) return true;\n"
    "    return false;\n"
    "  }\n"
    "  function tick() {\n"
    "    if (busy || typing()) return;\n"
    "    busy = true;\n"
    "    var v = document.body.dataset.version;\n"
    "    fetch('/board.json?since=' + encodeURIComponent(v), "
    "{credentials: 'same-origin', cache: 'no-store'})\n"
    "      .then(function (r) { return r.ok ? r.json() : null; })\n"
    "      .then(function (j) {\n"
    "        if (!j || !j.changed) return null;\n"
    "        var u = new URL(location.href); u.searchParams.delete('acked');\n"
    "        return fetch(u.toString(), {credentials: 'same-origin', "
    "cache: 'no-store'})\n"
    "          .then(function (r) { return r.ok ? r.text() : null; })\n"
    "          .then(function (t) {\n"
    "            if (!t || typing()) return;\n"
    "            var d = new DOMParser().parseFromString(t, 'text/html');\n"
    "            var m = d.getElementById('board');\n"
    "            if (!m) return;\n"
    "            document.getElementById('board').replaceWith("
    "document.adoptNode(m));\n"
    "            document.body.dataset.version = d.body.dataset.version;\n"
    "            var u2 = d.getElementById('updated');\n"
    "            if (u2) document.getElementById('updated').textContent = "
    "u2.textContent;\n"
    "          });\n"
    "      })\n"
    "      .catch(function () {})\n"
    "      .then(function () { busy = false; });\n"
    "  }\n"
    "  setInterval(tick, 2000);\n"
    "})();\n";
