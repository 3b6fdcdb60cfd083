/*
 * The report for people: HTML for the email body and a plain-text
 * alternative.  The HTML is built for Outlook's Word engine and for phones:
 * tables for layout, every style inline, colours also as bgcolor, bar
 * charts made of table cells, no scripts, no external anything.  Trend
 * charts are inline SVG in the archived page and cid: PNG images in the
 * email, always with their numbers in a table beside them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/html.h"
#include "mashwatch/report.h"

#define FONT	"font-family:Arial,Helvetica,sans-serif;"
#define RED	"#b3261e"
#define AMBER	"#b26a00"
#define GREEN	"#1e7b34"
#define BLUE	"#1d5fa8"
#define GREY	"#e6e6e6"
#define MUTED	"#555555"

/* The one rounding rule: see report_format_share. */
static const char *
pct(double v, char *buf, size_t len)
{
	return report_format_share(v, buf, len);
}

static const char *
wd(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "–");
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

static const char *
date_str(struct cal_date d, char *buf, size_t len)
{
	snprintf(buf, len, "%04d-%02d-%02d", d.year, d.month, d.day);
	return buf;
}

static uint64_t
clock_total_overdue(const struct report *r, bool week_ago)
{
	uint64_t n = 0;

	for (size_t i = 0; i < r->nclocks; i++)
		n += week_ago ? r->clocks[i].overdue_week_ago :
		    r->clocks[i].overdue;
	return n;
}

/* ---- HTML ---- */

static void
h_section(FILE *fp, const char *n, const char *title)
{
	fprintf(fp, "<tr><td style=\"" FONT "padding:22px 16px 6px 16px;"
	    "font-size:18px;font-weight:bold;color:#222222;border-bottom:"
	    "2px solid " BLUE "\">%s. ", n);
	report_html_escape(fp, title);
	fputs("</td></tr>\n", fp);
}

static void
h_note(FILE *fp, const char *text)
{
	fputs("<tr><td style=\"" FONT "padding:4px 16px;font-size:12px;"
	    "color:" MUTED "\">", fp);
	report_html_escape(fp, text);
	fputs("</td></tr>\n", fp);
}

/*
 * One bar: a table whose first cell is `value / max` of the width.  Both
 * width and bgcolor are attributes too, which is what Outlook honours.
 */
static void
h_bar(FILE *fp, double value, double max, const char *colour)
{
	int w = max > 0 ? (int)lround(value / max * 100) : 0;

	if (value > 0 && w < 1)
		w = 1;
	if (w > 100)
		w = 100;
	fputs("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\"><tr>", fp);
	if (w > 0)
		fprintf(fp, "<td width=\"%d%%\" height=\"14\" bgcolor=\"%s\" "
		    "style=\"background:%s;height:14px;font-size:1px;"
		    "line-height:1px\">&nbsp;</td>", w, colour, colour);
	if (w < 100)
		fprintf(fp, "<td width=\"%d%%\" height=\"14\" bgcolor=\"" GREY
		    "\" style=\"background:" GREY ";height:14px;font-size:1px;"
		    "line-height:1px\">&nbsp;</td>", 100 - w);
	fputs("</tr></table>", fp);
}

/* A table of label | bar | figure rows inside the page's one column. */
static void
h_bars_open(FILE *fp)
{
	fputs("<tr><td style=\"padding:6px 16px\"><table role=\"presentation\" "
	    "width=\"100%\" cellpadding=\"3\" cellspacing=\"0\" border=\"0\" "
	    "style=\"" FONT "font-size:14px\">\n", fp);
}

static void
h_bars_row(FILE *fp, const char *label, double value, double max,
    const char *colour, const char *figure)
{
	fputs("<tr><td width=\"38%\" style=\"" FONT "font-size:14px;"
	    "color:#222222;word-break:break-word;overflow-wrap:anywhere\">", fp);
	report_html_escape(fp, label);
	fputs("</td><td width=\"44%\">", fp);
	h_bar(fp, value, max, colour);
	fputs("</td><td width=\"18%\" align=\"right\" style=\"" FONT
	    "font-size:14px;font-weight:bold;white-space:nowrap\">", fp);
	report_html_escape(fp, figure);
	fputs("</td></tr>\n", fp);
}

static void
h_table_close(FILE *fp)
{
	fputs("</table></td></tr>\n", fp);
}

static void
h_grid_open(FILE *fp, const char *const *heads, size_t n)
{
	fputs("<tr><td style=\"padding:6px 16px\"><table role=\"presentation\" "
	    "width=\"100%\" cellpadding=\"3\" cellspacing=\"0\" border=\"0\" "
	    "style=\"" FONT "font-size:13px;border-collapse:collapse\">\n", fp);
	if (n == 0)
		return;
	fputs("<tr>", fp);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "<th align=\"%s\" style=\"" FONT "font-size:12px;"
		    "color:" MUTED ";border-bottom:1px solid #cccccc;"
		    "font-weight:normal\">%s</th>", i == 0 ? "left" : "right",
		    heads[i]);
	fputs("</tr>\n", fp);
}

static void
h_cell_text(FILE *fp, const char *s)
{
	fputs("<td align=\"left\" style=\"border-bottom:1px solid #eeeeee;"
	    "word-break:break-word;overflow-wrap:anywhere\">", fp);
	report_html_escape(fp, s);
	fputs("</td>", fp);
}

static void
h_cell(FILE *fp, const char *s, const char *colour)
{
	fprintf(fp, "<td align=\"right\" style=\"border-bottom:1px solid "
	    "#eeeeee;white-space:nowrap%s%s%s\">", colour ? ";color:" : "",
	    colour ? colour : "", colour ? ";font-weight:bold" : "");
	report_html_escape(fp, s);
	fputs("</td>", fp);
}

static void
h_cell_n(FILE *fp, uint64_t n, const char *colour_if_nonzero)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)n);
	h_cell(fp, buf, n > 0 ? colour_if_nonzero : NULL);
}

/* "12 (9)": this period and, in grey, the one before. */
static void
h_cell_vs(FILE *fp, uint64_t now, uint64_t before)
{
	const char *arrow = now > before ? " &#9650;" : now < before ?
	    " &#9660;" : "";

	fprintf(fp, "<td align=\"right\" style=\"border-bottom:1px solid "
	    "#eeeeee\"><b>%llu</b>%s<br><span style=\"color:" MUTED
	    ";font-size:11px;white-space:nowrap\">was %llu</span></td>",
	    (unsigned long long)now, arrow, (unsigned long long)before);
}

static void
h_headline(FILE *fp, const struct report *r)
{
	uint64_t late = clock_total_overdue(r, false);
	uint64_t was = clock_total_overdue(r, true);
	double max = 0;

	fprintf(fp, "<tr><td bgcolor=\"%s\" style=\"" FONT "background:%s;"
	    "color:#ffffff;padding:16px;font-size:22px;font-weight:bold\">"
	    "%llu overdue now <span style=\"font-size:14px;font-weight:normal\">"
	    "(a week earlier %llu)</span></td></tr>\n",
	    late ? RED : GREEN, late ? RED : GREEN, (unsigned long long)late,
	    (unsigned long long)was);
	fputs("<tr><td style=\"" FONT "padding:10px 16px;font-size:15px;"
	    "line-height:22px;color:#222222\">", fp);
	/* The first line is the total already shown above. */
	for (size_t i = 1; i < r->nheadline; i++) {
		bool worse = strncmp(r->headline[i], "Worse:", 6) == 0;

		fprintf(fp, "<div style=\"margin:0 0 6px 0%s\">&#8226; ",
		    worse ? ";color:" RED ";font-weight:bold" : "");
		report_html_escape(fp, r->headline[i]);
		fputs("</div>\n", fp);
	}
	fputs("</td></tr>\n", fp);
	for (size_t i = 0; i < r->nclocks; i++)
		if ((double)r->clocks[i].overdue > max)
			max = (double)r->clocks[i].overdue;
	if (max == 0)
		return;
	h_note(fp, "Overdue now, by clock:");
	h_bars_open(fp);
	for (size_t i = 0; i < r->nclocks; i++) {
		const struct report_clock *c = &r->clocks[i];
		char fig[48];

		if (c->overdue == 0)
			continue;
		snprintf(fig, sizeof(fig), "%llu%s", (unsigned long long)
		    c->overdue, c->overdue > c->overdue_week_ago ? " \u25B2" :
		    "");
		h_bars_row(fp, c->conf->label ? c->conf->label : c->conf->name,
		    (double)c->overdue, max, RED, fig);
	}
	h_table_close(fp);
}

static void
h_demand(FILE *fp, const struct report *r)
{
	static const char *const heads[] = { "", "Yesterday", "7 days",
	    "28 days" };

	h_section(fp, "1", "Demand");
	h_note(fp, "Yesterday with the same weekday a week earlier; 7 and 28 "
	    "days with the 7 and 28 days before them.");
	h_grid_open(fp, heads, 4);
	for (int m = 0; m < RM_COUNT; m++) {
		const struct report_demand *d = &r->demand[m];

		fputs("<tr>", fp);
		h_cell_text(fp, d->label);
		h_cell_vs(fp, d->n[RP_DAY], d->n[RP_DAY_WEEK_AGO]);
		h_cell_vs(fp, d->n[RP_7], d->n[RP_PREV_7]);
		h_cell_vs(fp, d->n[RP_28], d->n[RP_PREV_28]);
		fputs("</tr>\n", fp);
	}
	h_table_close(fp);
}

static const char *
share_colour(double s)
{
	if (isnan(s))
		return GREY;
	return s >= 0.9 ? GREEN : s >= 0.7 ? AMBER : RED;
}

static void
h_timeliness(FILE *fp, const struct report *r)
{
	static const char *const heads[] = { "", "Done", "Median", "90%",
	    "Open", "Overdue", "Oldest" };
	char a[32], b[32], o[32];

	h_section(fp, "2", "Timeliness");
	h_note(fp, "Share done within the limit, of those done in the 28 days "
	    "to the report date:");
	h_bars_open(fp);
	for (size_t i = 0; i < r->nclocks; i++) {
		const struct report_clock *c = &r->clocks[i];
		double s = report_share(c->now.within_limit, c->now.stopped);

		h_bars_row(fp, c->conf->label ? c->conf->label : c->conf->name,
		    isnan(s) ? 0 : s, 1, share_colour(s), pct(s, a, sizeof(a)));
	}
	h_table_close(fp);
	h_note(fp, "Durations in working days; open and overdue at the end of "
	    "the day.");
	h_grid_open(fp, heads, 7);
	for (size_t i = 0; i < r->nclocks; i++) {
		const struct report_clock *c = &r->clocks[i];

		fputs("<tr>", fp);
		h_cell_text(fp, c->conf->label ? c->conf->label : c->conf->name);
		h_cell_n(fp, c->now.stopped, NULL);
		h_cell(fp, wd(report_quantile_hist(c->now.hist, c->now.nhist,
		    0.5), a, sizeof(a)), NULL);
		h_cell(fp, wd(report_quantile_hist(c->now.hist, c->now.nhist,
		    0.9), b, sizeof(b)), NULL);
		h_cell_n(fp, c->open, NULL);
		h_cell_n(fp, c->overdue, RED);
		if (c->has_oldest)
			snprintf(o, sizeof(o), "%d wd", c->oldest_age);
		else
			snprintf(o, sizeof(o), "–");
		h_cell(fp, o, NULL);
		fputs("</tr>\n", fp);
	}
	h_table_close(fp);
}

static void
h_waiting(FILE *fp, const struct report *r)
{
	static const char *const heads[] = { "Working days waiting", "0", "1",
	    "2–4", "5–9", "10+" };
	static const char *const shade[RB_COUNT] = { NULL, NULL, AMBER, RED,
	    RED };

	h_section(fp, "3", "Waiting now");
	h_grid_open(fp, heads, 6);
	for (size_t i = 0; i < r->nclocks; i++) {
		const struct report_clock *c = &r->clocks[i];

		fputs("<tr>", fp);
		h_cell_text(fp, c->conf->label ? c->conf->label : c->conf->name);
		for (int b = 0; b < RB_COUNT; b++)
			h_cell_n(fp, c->bands[b], shade[b]);
		fputs("</tr>\n", fp);
	}
	h_table_close(fp);
}

/* What will be late by the end of the next working day at the current pace. */
static void
h_forecast(FILE *fp, const struct report *r)
{
	static const char *const heads[] = { "Clock / team", "Open",
	    "Due next", "Decided a day", "Likely late" };
	struct forecast_window w;
	const struct forecast_row *rows, *tot;
	char due[32], rate[32], note[200];
	size_t n, nt;

	if (r->forecast == NULL)
		return;
	forecast_window(r->cal, r->end, r->since, &w);
	tot = forecast_rows(r->forecast, true, &nt);
	forecast_next_day(r->cal, &w, due, sizeof(due));
	h_section(fp, "3a", "Forecast");
	snprintf(note, sizeof(note), "Open at the end of the report date, "
	    "due by the end of %s, against what was decided a day over the "
	    "last %d working days; likely late is the difference, rounded "
	    "down.", due, w.days);
	h_note(fp, note);
	h_grid_open(fp, heads, 5);
	for (size_t i = 0; i < nt; i++) {
		const struct clock_conf *cc = config_clock(r->cfg, tot[i].clock);

		fputs("<tr>", fp);
		h_cell_text(fp, cc && cc->label ? cc->label : tot[i].clock);
		h_cell_n(fp, (uint64_t)tot[i].open, NULL);
		h_cell_n(fp, (uint64_t)tot[i].due_next, NULL);
		snprintf(rate, sizeof(rate), "%.2f", tot[i].throughput);
		h_cell(fp, rate, NULL);
		h_cell_n(fp, (uint64_t)tot[i].projected, RED);
		fputs("</tr>\n", fp);
		rows = forecast_teams(r->forecast, tot[i].clock, &n);
		for (size_t j = 0; j < n; j++) {
			char team[160];

			snprintf(team, sizeof(team), "\xc2\xa0\xc2\xa0%s",
			    rows[j].team ? rows[j].team : "(no team)");
			fputs("<tr>", fp);
			h_cell_text(fp, team);
			h_cell_n(fp, (uint64_t)rows[j].open, NULL);
			h_cell_n(fp, (uint64_t)rows[j].due_next, NULL);
			snprintf(rate, sizeof(rate), "%.2f",
			    rows[j].throughput);
			h_cell(fp, rate, NULL);
			h_cell_n(fp, (uint64_t)rows[j].projected, RED);
			fputs("</tr>\n", fp);
		}
	}
	h_table_close(fp);
}

static void
h_repeats(FILE *fp, const struct report *r)
{
	static const char *const names[5] = { "1", "2", "3", "4", "5 or more" };
	char title[160], fig[32], w[32];

	h_section(fp, "4", "Repeat contacts");
	for (size_t i = 0; i < r->nrepeats; i++) {
		const struct report_repeat *rp = &r->repeats[i];
		double max = 0;

		if (strcmp(rp->conf->kind, "contact") != 0)
			continue;
		timescale_format(&rp->conf->window, w, sizeof(w));
		snprintf(title, sizeof(title), "%s: %llu children with "
		    "contacts in the %s to the report date, by number of "
		    "contacts:", rp->conf->label ? rp->conf->label :
		    rp->conf->name, (unsigned long long)rp->children, w);
		h_note(fp, title);
		for (int k = 0; k < 5; k++)
			if ((double)rp->dist[k] > max)
				max = (double)rp->dist[k];
		h_bars_open(fp);
		for (int k = 0; k < 5; k++) {
			snprintf(fig, sizeof(fig), "%llu",
			    (unsigned long long)rp->dist[k]);
			snprintf(title, sizeof(title), "%s contact%s", names[k],
			    k == 0 ? "" : "s");
			h_bars_row(fp, title, (double)rp->dist[k], max,
			    k == 0 ? BLUE : k == 1 ? AMBER : RED, fig);
		}
		h_table_close(fp);
		report_sources_html(rp, fp);
		if (rp->ntop == 0)
			continue;
		fputs("<tr><td style=\"" FONT "padding:4px 16px;font-size:13px;"
		    "color:#222222\">Most contacted: ", fp);
		for (size_t j = 0; j < rp->ntop; j++) {
			fputs(j ? ", " : "", fp);
			report_html_escape(fp, rp->top[j].child);
			fprintf(fp, " (%llu)", (unsigned long long)rp->top[j].count);
		}
		fputs("</td></tr>\n", fp);
	}
}

static void
h_rereferrals(FILE *fp, const struct report *r)
{
	double rate = report_share(r->rereferrals, r->referrals);
	double max = isnan(rate) ? 0 : rate;
	char fig[32], note[160];

	h_section(fp, "5", "Re-referrals");
	snprintf(note, sizeof(note), "%llu of %llu referrals in the 12 months "
	    "to the report date followed another within 12 months.",
	    (unsigned long long)r->rereferrals,
	    (unsigned long long)r->referrals);
	h_note(fp, note);
	for (size_t i = 0; i < r->cfg->report.ncomparators; i++)
		if (r->comparators[i] > max)
			max = r->comparators[i];
	h_bars_open(fp);
	h_bars_row(fp, "This authority", isnan(rate) ? 0 : rate, max, BLUE,
	    pct(rate, fig, sizeof(fig)));
	for (size_t i = 0; i < r->cfg->report.ncomparators; i++) {
		const struct float_entry *c = &r->cfg->report.comparators[i];
		char label[80];

		snprintf(label, sizeof(label), "%s", c->name);
		for (char *p = label; *p; p++)
			if (*p == '_')
				*p = ' ';
		label[0] = (char)(label[0] >= 'a' && label[0] <= 'z' ?
		    label[0] - 'a' + 'A' : label[0]);
		h_bars_row(fp, label, isnan(r->comparators[i]) ? 0 :
		    r->comparators[i], max, "#8a8a8a",
		    pct(r->comparators[i], fig, sizeof(fig)));
	}
	h_table_close(fp);
}

static bool
is_strategy(const char *name)
{
	return strncmp(name, "strategy", 8) == 0;
}

static void
h_strategy(FILE *fp, const struct report *r)
{
	static const char *const heads[] = { "", "In time", "Overdue now" };
	static const char *const cheads[] = { "Last 28 days", "Held",
	    "Not met" };
	char a[32];

	h_section(fp, "6", "Strategy discussions");
	h_grid_open(fp, heads, 3);
	for (size_t i = 0; i < r->nclocks; i++) {
		const struct report_clock *c = &r->clocks[i];
		double s = report_share(c->now.within_limit, c->now.stopped);

		if (!is_strategy(c->conf->name))
			continue;
		fputs("<tr>", fp);
		h_cell_text(fp, c->conf->label ? c->conf->label : c->conf->name);
		h_cell(fp, pct(s, a, sizeof(a)), NULL);
		h_cell_n(fp, c->overdue, RED);
		fputs("</tr>\n", fp);
	}
	h_table_close(fp);
	h_grid_open(fp, cheads, 3);
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct report_check *k = &r->checks[i];

		fputs("<tr>", fp);
		h_cell_text(fp, k->conf->label ? k->conf->label : k->conf->name);
		h_cell_n(fp, k->total, NULL);
		h_cell_n(fp, k->failed, RED);
		fputs("</tr>\n", fp);
	}
	h_table_close(fp);
}

static void
h_pairs(FILE *fp, const char *const *labels, const uint64_t *v, size_t n,
    const char *const *colours)
{
	h_grid_open(fp, NULL, 0);
	for (size_t i = 0; i < n; i++) {
		fputs("<tr>", fp);
		h_cell_text(fp, labels[i]);
		h_cell_n(fp, v[i], colours ? colours[i] : NULL);
		fputs("</tr>\n", fp);
	}
	h_table_close(fp);
}

/* ---- issue 18: attention, trends, teams, workers, packs ---- */

static void
h_attention(FILE *fp, const struct report *r)
{
	if (r->nattention == 0)
		return;
	fputs("<tr><td style=\"" FONT "padding:12px 16px 4px 16px;"
	    "font-size:16px;font-weight:bold;color:" RED "\">Attention first"
	    "</td></tr>\n<tr><td style=\"" FONT "padding:0 16px 8px 16px;"
	    "font-size:15px;line-height:22px;color:#222222\">", fp);
	for (size_t i = 0; i < r->nattention; i++) {
		fprintf(fp, "<div style=\"margin:0 0 6px 0\">%zu. ", i + 1);
		report_html_escape(fp, r->attention[i].text);
		fputs("</div>\n", fp);
	}
	fputs("</td></tr>\n", fp);
}

static void
h_period_cells(FILE *fp, const struct report *p, size_t clock)
{
	char a[32];

	if (p == NULL) {
		h_cell(fp, "\u2013", NULL);
		return;
	}
	if (clock == (size_t)-1) {
		h_cell_n(fp, p->span_demand[RM_CONTACTS], NULL);
		return;
	}
	h_cell(fp, pct(report_share(p->clocks[clock].span.within_limit,
	    p->clocks[clock].span.stopped), a, sizeof(a)), NULL);
}

/* A pack: this period beside the one before and a year earlier. */
static void
h_pack(FILE *fp, const struct report *r)
{
	static const char *const heads[] = { "", "This period",
	    "Period before", "A year earlier" };
	const struct report *y = report_has_data(r->year_ago) ? r->year_ago :
	    NULL;

	if (r->kind == RK_DAY)
		return;
	h_section(fp, "0", r->kind == RK_WEEK ? "The week" : "The month");
	h_note(fp, "Shares done within the limit of what stopped in the "
	    "period; \u2013 where there is no data a year earlier.");
	h_grid_open(fp, heads, 4);
	fputs("<tr>", fp);
	h_cell_text(fp, "Contacts");
	h_period_cells(fp, r, (size_t)-1);
	h_period_cells(fp, r->previous, (size_t)-1);
	h_period_cells(fp, y, (size_t)-1);
	fputs("</tr>\n", fp);
	for (size_t i = 0; i < r->nclocks; i++) {
		fputs("<tr>", fp);
		h_cell_text(fp, r->clocks[i].conf->label ?
		    r->clocks[i].conf->label : r->clocks[i].conf->name);
		h_period_cells(fp, r, i);
		h_period_cells(fp, r->previous, i);
		h_period_cells(fp, y, i);
		fputs("</tr>\n", fp);
	}
	h_table_close(fp);
}

/* Chart i's numbers, one row per week (i is the clock, nclocks: contacts). */
static void
h_chart_numbers(FILE *fp, const struct report *r, size_t i)
{
	char d[16], a[32];

	fputs("<table cellpadding=\"2\" cellspacing=\"0\" border=\"0\" "
	    "style=\"" FONT "font-size:11px\"><tr><th align=\"left\">Week to"
	    "</th><th align=\"right\">Value</th></tr>", fp);
	for (size_t k = 0; k < r->ntrend; k++) {
		const struct report *p = r->trend[k];

		if (i < r->nclocks)
			pct(report_share(p->clocks[i].span.within_limit,
			    p->clocks[i].span.stopped), a, sizeof(a));
		else
			snprintf(a, sizeof(a), "%llu", (unsigned long long)
			    p->span_demand[RM_CONTACTS]);
		fprintf(fp, "<tr><td>%s</td><td align=\"right\">%s</td>"
		    "</tr>", date_str(p->date, d, sizeof(d)), a);
	}
	fputs("</table>", fp);
}

static void
h_trends(FILE *fp, const struct report *r, bool mail)
{
	char title[160], cid[64];

	if (report_chart_count(r) == 0)
		return;
	h_section(fp, "10", "Trends (13 weeks)");
	h_note(fp, "Each point is the 7 days to the date shown; the numbers "
	    "are beside each chart.");
	for (size_t i = 0; i < report_chart_count(r); i++) {
		report_chart_title(r, i, title, sizeof(title));
		fputs("<tr><td style=\"" FONT "padding:10px 16px 2px 16px;"
		    "font-size:14px;font-weight:bold\">", fp);
		report_html_escape(fp, title);
		fputs("</td></tr>\n<tr><td style=\"padding:0 16px\">"
		    "<table role=\"presentation\" width=\"100%\" "
		    "cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr>"
		    "<td valign=\"top\" width=\"75%\">", fp);
		/*
		 * Outlook on Windows ignores max-width and takes an img's size
		 * from its attributes; the others scale it down by the style.
		 */
		if (mail) {
			fprintf(fp, "<img src=\"cid:%s\" width=\"%d\" "
			    "height=\"%d\" style=\"display:block;width:100%%;"
			    "max-width:%dpx;height:auto\" alt=\"",
			    report_chart_cid(i, cid, sizeof(cid)),
			    REPORT_CHART_WIDTH, REPORT_CHART_HEIGHT,
			    REPORT_CHART_WIDTH);
			report_html_escape(fp, title);
			fputs("\">", fp);
		} else
			report_chart_svg(r, i, fp);
		fputs("</td><td valign=\"top\" width=\"25%\">", fp);
		h_chart_numbers(fp, r, report_chart_clock(r, i));
		fputs("</td></tr></table></td></tr>\n", fp);
	}
}

static void
h_teams(FILE *fp, const struct report *r)
{
	static const char *const heads[] = { "Team / clock", "Done",
	    "In time", "Open", "Overdue" };
	char a[32], n[32];

	if (r->nteams == 0)
		return;
	h_section(fp, "11", "Teams");
	h_note(fp, "The same figures per team (28 days; open and overdue at "
	    "the end of the day); the teams add up to the whole.");
	h_grid_open(fp, heads, 5);
	for (size_t t = 0; t < r->nteams; t++) {
		const struct report_team *tm = &r->teams[t];

		fputs("<tr><td colspan=\"5\" style=\"" FONT "font-weight:bold;"
		    "padding-top:8px\">", fp);
		report_html_escape(fp, tm->team ? tm->team : "No team");
		if (tm->name) {
			fputs(" \u2013 ", fp);
			report_html_escape(fp, tm->name);
		}
		fputs("</td></tr>\n", fp);
		for (size_t i = 0; i < r->nclocks; i++) {
			const struct report_clock *c = &tm->clocks[i];

			if (c->now.stopped == 0 && c->open == 0)
				continue;
			fputs("<tr>", fp);
			h_cell_text(fp, c->conf->label ? c->conf->label :
			    c->conf->name);
			snprintf(n, sizeof(n), "%llu",
			    (unsigned long long)c->now.stopped);
			h_cell(fp, n, NULL);
			h_cell(fp, pct(report_share(c->now.within_limit,
			    c->now.stopped), a, sizeof(a)), NULL);
			h_cell_n(fp, c->open, NULL);
			h_cell_n(fp, c->overdue, RED);
			fputs("</tr>\n", fp);
		}
	}
	h_table_close(fp);
}

static void
h_workers(FILE *fp, const struct report *r)
{
	static const char *const heads[] = { "Worker", "Team", "Open cases" };
	char n[32];

	if (r->nflagged == 0)
		return;
	h_note(fp, "Workers at amber and red, highest first:");
	h_grid_open(fp, heads, 3);
	for (size_t i = 0; i < r->nflagged; i++) {
		const struct report_worker *w = &r->flagged[i];

		fputs("<tr>", fp);
		h_cell_text(fp, w->worker);
		h_cell(fp, w->team ? w->team : "\u2013", NULL);
		snprintf(n, sizeof(n), "%d", w->open_cases);
		h_cell(fp, n, w->red ? RED : AMBER);
		fputs("</tr>\n", fp);
	}
	h_table_close(fp);
}

static void
h_rest(FILE *fp, const struct report *r)
{
	char amber[64], red[64];
	const char *cl[3] = { "Workers with open cases", amber, red };
	const char *const cc[3] = { NULL, AMBER, RED };
	uint64_t cv[3] = { r->workers, r->amber, r->red };
	static const char *const al[5] = { "Raised", "Resolved", "Escalated",
	    "Acknowledged", "Escalations still open" };
	static const char *const ac[5] = { NULL, NULL, RED, NULL, RED };
	uint64_t av[5] = { r->alerts.raised, r->alerts.resolved,
	    r->alerts.escalated, r->alerts.acknowledged,
	    r->alerts.escalations_open };
	static const char *const il[1] = { "Source rows that cannot be right" };

	h_section(fp, "7", "Caseloads");
	snprintf(amber, sizeof(amber), "Over %d cases (amber)",
	    r->cfg->caseloads.amber);
	snprintf(red, sizeof(red), "Over %d cases (red)", r->cfg->caseloads.red);
	h_pairs(fp, cl, cv, 3, cc);
	h_workers(fp, r);
	h_section(fp, "8", "Alerts on the report date");
	h_pairs(fp, al, av, 5, ac);
	h_section(fp, "9", "Data quality");
	h_pairs(fp, il, &r->invalid, 1, ac + 2);
	h_section(fp, "9a", "Why work was late");
	report_late_html(r, fp);
}

static int
html_write(const struct report *r, FILE *fp, bool mail)
{
	char d[16];

	date_str(r->date, d, sizeof(d));
	/*
	 * Outlook on Windows ignores max-width: a 680-pixel table inside
	 * comments only it reads ([if mso]) holds the page to the width
	 * the other clients take from max-width.
	 */
	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en-GB\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">"
	    "<title>MASH front door report %s</title></head>\n"
	    "<body style=\"margin:0;padding:0;background:#f2f2f2\">\n"
	    "<table role=\"presentation\" width=\"100%%\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\" bgcolor=\"#f2f2f2\"><tr>"
	    "<td align=\"center\" style=\"padding:12px 4px\">\n"
	    "<!--[if mso]><table role=\"presentation\" width=\"680\" "
	    "align=\"center\" cellpadding=\"0\" cellspacing=\"0\" "
	    "border=\"0\"><tr><td><![endif]-->\n"
	    "<table role=\"presentation\" width=\"100%%\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\" bgcolor=\"#ffffff\" "
	    "style=\"max-width:680px;background:#ffffff\">\n"
	    "<tr><td style=\"" FONT "padding:16px 16px 8px 16px;"
	    "font-size:13px;color:" MUTED "\">MASH front door &middot; %s "
	    "(%s)</td></tr>\n", d, d, calendar_tzname(r->cal));
	h_attention(fp, r);
	h_headline(fp, r);
	h_pack(fp, r);
	h_demand(fp, r);
	h_timeliness(fp, r);
	h_waiting(fp, r);
	h_forecast(fp, r);
	h_repeats(fp, r);
	h_rereferrals(fp, r);
	h_strategy(fp, r);
	h_rest(fp, r);
	h_trends(fp, r, mail);
	h_teams(fp, r);
	fputs("<tr><td style=\"" FONT "padding:20px 16px;font-size:11px;"
	    "color:" MUTED "\">Generated by mashwatch. Working days exclude "
	    "weekends and bank holidays. Shares are rounded to two decimal "
	    "places of a percentage. Figures are defined in "
	    "mashwatch-report(5).</td></tr>\n"
	    "</table>\n<!--[if mso]></td></tr></table><![endif]-->\n"
	    "</td></tr></table>\n</body></html>\n", fp);
	return ferror(fp) ? -1 : 0;
}

int
report_write_html(const struct report *r, FILE *fp)
{
	return html_write(r, fp, false);
}

int
report_write_html_mail(const struct report *r, FILE *fp)
{
	return html_write(r, fp, true);
}

/* ---- plain text ---- */

static void
t_section(FILE *fp, const char *n, const char *title)
{
	fprintf(fp, "\n%s. %s\n", n, title);
}

static void
t_pack(FILE *fp, const struct report *r)
{
	const struct report *y = report_has_data(r->year_ago) ? r->year_ago :
	    NULL;
	char d0[16], d1[16], a[32], b[32], c[32];

	if (r->kind == RK_DAY)
		return;
	fprintf(fp, "\n%s %s to %s (before it; a year earlier)\n",
	    r->kind == RK_WEEK ? "Week" : "Month",
	    date_str(r->span_first, d0, sizeof(d0)),
	    date_str(r->date, d1, sizeof(d1)));
	fprintf(fp, "   contacts %llu (%llu; ", (unsigned long long)
	    r->span_demand[RM_CONTACTS], (unsigned long long)
	    r->previous->span_demand[RM_CONTACTS]);
	if (y)
		fprintf(fp, "%llu)\n", (unsigned long long)
		    y->span_demand[RM_CONTACTS]);
	else
		fputs("no data)\n", fp);
	for (size_t i = 0; i < r->nclocks; i++) {
		const struct report_stops *s0 = &r->clocks[i].span;
		const struct report_stops *s1 = &r->previous->clocks[i].span;

		fprintf(fp, "   %s: in time %s (%s; %s)\n",
		    r->clocks[i].conf->label ? r->clocks[i].conf->label :
		    r->clocks[i].conf->name,
		    pct(report_share(s0->within_limit, s0->stopped), a,
		    sizeof(a)), pct(report_share(s1->within_limit,
		    s1->stopped), b, sizeof(b)), y ? pct(report_share(
		    y->clocks[i].span.within_limit, y->clocks[i].span.stopped),
		    c, sizeof(c)) : "no data");
	}
}

static void
t_trends(FILE *fp, const struct report *r)
{
	char d[16], a[32];

	if (r->ntrend == 0)
		return;
	t_section(fp, "10", "Trends (weeks to the date; contacts, then the "
	    "share within limit per clock)");
	for (size_t k = 0; k < r->ntrend; k++) {
		const struct report *p = r->trend[k];

		fprintf(fp, "   %s %6llu", date_str(p->date, d, sizeof(d)),
		    (unsigned long long)p->span_demand[RM_CONTACTS]);
		for (size_t i = 0; i < p->nclocks; i++)
			fprintf(fp, " %8s", pct(report_share(
			    p->clocks[i].span.within_limit,
			    p->clocks[i].span.stopped), a, sizeof(a)));
		fputc('\n', fp);
	}
}

static void
t_teams(FILE *fp, const struct report *r)
{
	char a[32];

	if (r->nteams == 0)
		return;
	t_section(fp, "11", "Teams (28 days; open and overdue at the end of "
	    "the day)");
	for (size_t t = 0; t < r->nteams; t++) {
		const struct report_team *tm = &r->teams[t];

		fprintf(fp, "   %s%s%s\n", tm->team ? tm->team : "No team",
		    tm->name ? " - " : "", tm->name ? tm->name : "");
		for (size_t i = 0; i < r->nclocks; i++) {
			const struct report_clock *c = &tm->clocks[i];

			if (c->now.stopped == 0 && c->open == 0)
				continue;
			fprintf(fp, "      %s: done %llu, in time %s, open %llu, "
			    "overdue %llu\n", c->conf->label ? c->conf->label :
			    c->conf->name, (unsigned long long)c->now.stopped,
			    pct(report_share(c->now.within_limit,
			    c->now.stopped), a, sizeof(a)),
			    (unsigned long long)c->open,
			    (unsigned long long)c->overdue);
		}
		for (size_t i = 0; i < r->nflagged; i++) {
			const struct report_worker *w = &r->flagged[i];

			if (tm->team == NULL ? w->team != NULL :
			    w->team == NULL || strcmp(w->team, tm->team) != 0)
				continue;
			fprintf(fp, "      worker %s: %d open cases (%s)\n",
			    w->worker, w->open_cases, w->red ? "red" : "amber");
		}
	}
}

/* The forecast as in h_forecast, when a clock has forecast = true. */
static void
t_forecast(FILE *fp, const struct report *r)
{
	struct forecast_window w;
	const struct forecast_row *rows, *tot;
	char due[48];
	size_t n, nt;

	if (r->forecast == NULL)
		return;
	forecast_window(r->cal, r->end, r->since, &w);
	forecast_next_day(r->cal, &w, due, sizeof(due));
	tot = forecast_rows(r->forecast, true, &nt);
	t_section(fp, "3a", "Forecast (open at the end of the day, due by "
	    "the end of the next working day, decided a day over 20 working "
	    "days)");
	for (size_t i = 0; i < nt; i++) {
		const struct clock_conf *cc = config_clock(r->cfg, tot[i].clock);

		fprintf(fp, "   %s: by the end of %s %ld fall due; about %.2f "
		    "are decided a day; about %ld will be late (%ld open)\n",
		    cc && cc->label ? cc->label : tot[i].clock, due,
		    tot[i].due_next, tot[i].throughput, tot[i].projected,
		    tot[i].open);
		rows = forecast_teams(r->forecast, tot[i].clock, &n);
		for (size_t j = 0; j < n; j++)
			fprintf(fp, "      team %s: %ld due, %.2f a day, %ld "
			    "late, %ld open\n", rows[j].team ? rows[j].team :
			    "(none)", rows[j].due_next, rows[j].throughput,
			    rows[j].projected, rows[j].open);
	}
}

int
report_write_text(const struct report *r, FILE *fp)
{
	char d[16], a[32], b[32], c3[32], w[32];

	fprintf(fp, "MASH front door report for %s (%s)\n\n",
	    date_str(r->date, d, sizeof(d)), calendar_tzname(r->cal));
	if (r->nattention > 0)
		fputs("Attention first:\n", fp);
	for (size_t i = 0; i < r->nattention; i++)
		fprintf(fp, "%zu. %s\n", i + 1, r->attention[i].text);
	if (r->nattention > 0)
		fputc('\n', fp);
	for (size_t i = 0; i < r->nheadline; i++)
		fprintf(fp, "* %s\n", r->headline[i]);
	t_pack(fp, r);

	t_section(fp, "1", "Demand (yesterday against the same weekday a "
	    "week earlier; 7 and 28 days against the period before)");
	for (int m = 0; m < RM_COUNT; m++) {
		const struct report_demand *dm = &r->demand[m];

		fprintf(fp, "   %-38s yesterday %llu (%llu), 7 days %llu (%llu), "
		    "28 days %llu (%llu)\n", dm->label,
		    (unsigned long long)dm->n[RP_DAY],
		    (unsigned long long)dm->n[RP_DAY_WEEK_AGO],
		    (unsigned long long)dm->n[RP_7],
		    (unsigned long long)dm->n[RP_PREV_7],
		    (unsigned long long)dm->n[RP_28],
		    (unsigned long long)dm->n[RP_PREV_28]);
	}

	t_section(fp, "2", "Timeliness (28 days; working days)");
	for (size_t i = 0; i < r->nclocks; i++) {
		const struct report_clock *c = &r->clocks[i];

		fprintf(fp, "   %s\n      done %llu, in time %s, median %s, "
		    "90%% %s; open %llu, overdue %llu", c->conf->label ?
		    c->conf->label : c->conf->name,
		    (unsigned long long)c->now.stopped,
		    pct(report_share(c->now.within_limit, c->now.stopped), a,
		    sizeof(a)), wd(report_quantile_hist(c->now.hist,
		    c->now.nhist, 0.5), b, sizeof(b)),
		    wd(report_quantile_hist(c->now.hist, c->now.nhist, 0.9),
		    c3, sizeof(c3)), (unsigned long long)c->open,
		    (unsigned long long)c->overdue);
		if (c->has_oldest)
			fprintf(fp, ", oldest %s (%d working days)",
			    c->oldest_instance, c->oldest_age);
		fputc('\n', fp);
	}

	t_section(fp, "3", "Waiting now (working days: 0 / 1 / 2-4 / 5-9 / 10+)");
	for (size_t i = 0; i < r->nclocks; i++) {
		const struct report_clock *c = &r->clocks[i];

		fprintf(fp, "   %-52s", c->conf->label ? c->conf->label :
		    c->conf->name);
		for (int k = 0; k < RB_COUNT; k++)
			fprintf(fp, " %5llu", (unsigned long long)c->bands[k]);
		fputc('\n', fp);
	}

	t_forecast(fp, r);
	t_section(fp, "4", "Repeat contacts");
	for (size_t i = 0; i < r->nrepeats; i++) {
		const struct report_repeat *rp = &r->repeats[i];

		if (strcmp(rp->conf->kind, "contact") != 0)
			continue;
		timescale_format(&rp->conf->window, w, sizeof(w));
		fprintf(fp, "   %llu children in %s: 1: %llu, 2: %llu, 3: %llu, "
		    "4: %llu, 5+: %llu\n", (unsigned long long)rp->children, w,
		    (unsigned long long)rp->dist[0],
		    (unsigned long long)rp->dist[1],
		    (unsigned long long)rp->dist[2],
		    (unsigned long long)rp->dist[3],
		    (unsigned long long)rp->dist[4]);
		for (size_t j = 0; j < rp->ntop; j++)
			fprintf(fp, "%s%s (%llu)", j ? ", " : "   most: ",
			    rp->top[j].child,
			    (unsigned long long)rp->top[j].count);
		if (rp->ntop)
			fputc('\n', fp);
		report_sources_text(rp, fp);
	}

	t_section(fp, "5", "Re-referrals (12 months)");
	fprintf(fp, "   %llu of %llu referrals: %s", (unsigned long long)
	    r->rereferrals, (unsigned long long)r->referrals,
	    pct(report_share(r->rereferrals, r->referrals), a, sizeof(a)));
	for (size_t i = 0; i < r->cfg->report.ncomparators; i++)
		fprintf(fp, "; %s %s", r->cfg->report.comparators[i].name,
		    pct(r->comparators[i], a, sizeof(a)));
	fputc('\n', fp);

	t_section(fp, "6", "Strategy discussions (28 days)");
	for (size_t i = 0; i < r->nclocks; i++)
		if (is_strategy(r->clocks[i].conf->name))
			fprintf(fp, "   %s: in time %s, overdue now %llu\n",
			    r->clocks[i].conf->label ? r->clocks[i].conf->label :
			    r->clocks[i].conf->name,
			    pct(report_share(r->clocks[i].now.within_limit,
			    r->clocks[i].now.stopped), a, sizeof(a)),
			    (unsigned long long)r->clocks[i].overdue);
	for (size_t i = 0; i < r->nchecks; i++)
		fprintf(fp, "   %s: %llu of %llu\n", r->checks[i].conf->label ?
		    r->checks[i].conf->label : r->checks[i].conf->name,
		    (unsigned long long)r->checks[i].failed,
		    (unsigned long long)r->checks[i].total);

	t_section(fp, "7", "Caseloads");
	fprintf(fp, "   %llu workers; over %d: %llu; over %d: %llu\n",
	    (unsigned long long)r->workers, r->cfg->caseloads.amber,
	    (unsigned long long)r->amber, r->cfg->caseloads.red,
	    (unsigned long long)r->red);
	t_section(fp, "8", "Alerts on the report date");
	fprintf(fp, "   raised %llu, resolved %llu, escalated %llu, "
	    "acknowledged %llu; escalations still open %llu\n",
	    (unsigned long long)r->alerts.raised,
	    (unsigned long long)r->alerts.resolved,
	    (unsigned long long)r->alerts.escalated,
	    (unsigned long long)r->alerts.acknowledged,
	    (unsigned long long)r->alerts.escalations_open);
	t_section(fp, "9", "Data quality");
	fprintf(fp, "   %llu source rows cannot be right\n",
	    (unsigned long long)r->invalid);
	report_late_text(r, fp);
	t_trends(fp, r);
	t_teams(fp, r);
	return ferror(fp) ? -1 : 0;
}
