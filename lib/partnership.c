/*
 * The partnership pack (partnership.h): figures fed row by row, written
 * as JSON (the definition of every figure), CSV (the JSON flattened, as
 * the report's), text and HTML.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mashwatch/jsonval.h"
#include "mashwatch/partnership.h"
#include "mashwatch/report.h"
#include "mashwatch/xmalloc.h"

#define FONT	"font-family:Arial,Helvetica,sans-serif;"

static void
hist_add(struct pship_hist *h, int days)
{
	report_hist_add(&h->n, &h->len, days);
	h->total++;
}

double
partnership_quantile(const struct pship_hist *h, double q)
{
	return report_quantile_hist(h->n, h->len, q);
}

static int64_t
month_start(const struct calendar *cal, struct cal_date d)
{
	d.day = 1;
	return calendar_start_of(cal, d);
}

struct partnership *
partnership_new(const struct config *cfg, const struct calendar *cal,
    struct cal_date first, int64_t generated_at)
{
	struct partnership *p = xcalloc(1, sizeof(*p));

	first.day = 1;
	p->cfg = cfg;
	p->cal = cal;
	p->first = first;
	p->last = cal_date_add_days(cal_date_add_months(first, 1), -1);
	p->from = month_start(cal, first);
	p->to = month_start(cal, cal_date_add_months(first, 1));
	p->generated_at = generated_at;
	p->late_clock = xcalloc(cfg->nclocks ? cfg->nclocks : 1,
	    sizeof(*p->late_clock));
	for (int i = 0; i < PARTNERSHIP_LAG_MONTHS; i++) {
		struct pship_lag *l = &p->lag[i];

		l->month = cal_date_add_months(first,
		    i - (PARTNERSHIP_LAG_MONTHS - 1));
		l->from = month_start(cal, l->month);
		l->to = month_start(cal, cal_date_add_months(l->month, 1));
	}
	return p;
}

void
partnership_free(struct partnership *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nagencies; i++) {
		struct pship_agency *a = &p->agencies[i];

		free(a->agency);
		free(a->all.n);
		for (size_t c = 0; c < p->cfg->nclocks; c++)
			free(a->clocks[c].n);
		free(a->clocks);
	}
	free(p->agencies);
	for (int i = 0; i < PARTNERSHIP_LAG_MONTHS; i++)
		free(p->lag[i].days.n);
	for (size_t i = 0; i < p->nsources; i++)
		free(p->sources[i].source);
	free(p->sources);
	free(p->late_clock);
	free(p);
}

int64_t
partnership_clock_since(const struct partnership *p)
{
	return p->lag[0].from;
}

static size_t
clock_index(const struct config *cfg, const char *clock)
{
	for (size_t i = 0; i < cfg->nclocks; i++)
		if (strcmp(cfg->clocks[i].name, clock) == 0)
			return i;
	return SIZE_MAX;
}

static struct pship_agency *
agency_get(struct partnership *p, const char *agency)
{
	size_t i;

	for (i = 0; i < p->nagencies; i++) {
		int k = strcmp(p->agencies[i].agency, agency);

		if (k == 0)
			return &p->agencies[i];
		if (k > 0)
			break;
	}
	p->agencies = xreallocarray(p->agencies, p->nagencies + 1,
	    sizeof(*p->agencies));
	memmove(&p->agencies[i + 1], &p->agencies[i],
	    (p->nagencies - i) * sizeof(*p->agencies));
	p->nagencies++;
	memset(&p->agencies[i], 0, sizeof(p->agencies[i]));
	p->agencies[i].agency = xstrdup(agency);
	p->agencies[i].clocks = xcalloc(p->cfg->nclocks ? p->cfg->nclocks : 1,
	    sizeof(*p->agencies[i].clocks));
	return &p->agencies[i];
}

void
partnership_add_late(struct partnership *p, const char *clock,
    const char *reason, int64_t due_at, int64_t late_until)
{
	const struct reason_conf *rc = config_reason(p->cfg, reason);
	size_t c = clock_index(p->cfg, clock);
	struct pship_agency *a;
	int days;

	if (c == SIZE_MAX)
		return;
	p->late++;
	p->late_clock[c]++;
	if (rc == NULL || rc->agency == NULL)
		return;
	a = agency_get(p, rc->agency);
	days = calendar_working_days_between(p->cal, due_at, late_until);
	hist_add(&a->all, days);
	hist_add(&a->clocks[c], days);
}

void
partnership_add_clock(struct partnership *p, const struct clock_row *r)
{
	if (r->clock == NULL ||
	    strcmp(r->clock, p->cfg->partnership.police_lag_clock) != 0 ||
	    r->started_at == TIME_NONE || r->started_at == TIME_BAD ||
	    r->stopped_at == TIME_NONE || r->stopped_at == TIME_BAD ||
	    r->stopped_at < r->started_at)
		return;
	for (int i = 0; i < PARTNERSHIP_LAG_MONTHS; i++)
		if (r->stopped_at >= p->lag[i].from &&
		    r->stopped_at < p->lag[i].to) {
			hist_add(&p->lag[i].days,
			    calendar_working_days_between(p->cal,
			    r->started_at, r->stopped_at));
			return;
		}
}

/* Whether detail, "absent: police, health", names agency. */
static bool
absent_names(const char *detail, const char *agency)
{
	static const char prefix[] = "absent: ";
	size_t n = strlen(agency);
	const char *s;

	if (detail == NULL || strncmp(detail, prefix, sizeof(prefix) - 1))
		return false;
	for (s = detail + sizeof(prefix) - 1; *s; ) {
		size_t len = strcspn(s, ",");

		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (len == n && strncmp(s, agency, n) == 0)
			return true;
		s += strcspn(s, ",");
		s += strspn(s, ", ");
	}
	return false;
}

void
partnership_add_check(struct partnership *p, const char *check,
    int64_t occurred_at, bool passed, const char *detail)
{
	if (check == NULL ||
	    strcmp(check, p->cfg->partnership.attendance_check) != 0 ||
	    occurred_at < p->from || occurred_at >= p->to)
		return;
	p->held++;
	if (passed)
		return;
	p->without++;
	if (absent_names(detail, "police"))
		p->police_absent++;
	if (absent_names(detail, "health"))
		p->health_absent++;
}

void
partnership_add_event(struct partnership *p, const struct event_row *r)
{
	if (r->kind == NULL || strcmp(r->kind, "contact") != 0 ||
	    r->occurred_at < p->from || r->occurred_at >= p->to ||
	    r->occurred_at == TIME_NONE || r->occurred_at == TIME_BAD)
		return;
	p->contacts++;
	report_source_get(&p->sources, &p->nsources, r->source != NULL &&
	    *r->source ? r->source : NULL)->contacts++;
}

/* ---- writers ---- */

/* Sources most contacts first, ties by name, "not recorded" last. */
static const struct report_source **
sources_ranked(const struct partnership *p)
{
	return report_sources_ranked(p->sources, p->nsources);
}

static json_t *
json_days(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *
json_share(uint64_t num, uint64_t den)
{
	double v = report_share(num, den);

	return isnan(v) ? json_null() : json_real(v);
}

static const char *
month_str(struct cal_date d, char *buf, size_t len)
{
	snprintf(buf, len, "%04d-%02d", d.year, d.month);
	return buf;
}

static const char *
date_str(struct cal_date d, char *buf, size_t len)
{
	snprintf(buf, len, "%04d-%02d-%02d", d.year, d.month, d.day);
	return buf;
}

static json_t *
partnership_json(const struct partnership *p)
{
	json_t *o = json_object(), *a = json_array(), *x;
	const struct report_source **src;
	char buf[32];

	json_object_set_new(o, "kind", json_string("partnership"));
	json_object_set_new(o, "month", json_string(month_str(p->first, buf,
	    sizeof(buf))));
	json_object_set_new(o, "first", json_string(date_str(p->first, buf,
	    sizeof(buf))));
	json_object_set_new(o, "last", json_string(date_str(p->last, buf,
	    sizeof(buf))));
	calendar_format_iso(p->cal, p->generated_at, buf, sizeof(buf));
	json_object_set_new(o, "generated_at", json_string(buf));
	json_object_set_new(o, "timezone",
	    json_string(calendar_tzname(p->cal)));
	json_object_set_new(o, "share_digits",
	    json_integer(REPORT_SHARE_DIGITS));

	for (size_t i = 0; i < p->nagencies; i++) {
		const struct pship_agency *ag = &p->agencies[i];
		json_t *cl = json_array();

		for (size_t c = 0; c < p->cfg->nclocks; c++) {
			if (ag->clocks[c].total == 0)
				continue;
			json_array_append_new(cl, json_pack("{s:s, s:s, s:I, "
			    "s:o, s:o}", "clock", p->cfg->clocks[c].name,
			    "label", p->cfg->clocks[c].label,
			    "late", (json_int_t)ag->clocks[c].total,
			    "share", json_share(ag->clocks[c].total,
			    p->late_clock[c]), "median_days_late",
			    json_days(partnership_quantile(&ag->clocks[c],
			    0.5))));
		}
		json_array_append_new(a, json_pack("{s:s, s:I, s:o, s:o, s:o}",
		    "agency", ag->agency, "late", (json_int_t)ag->all.total,
		    "share", json_share(ag->all.total, p->late),
		    "median_days_late", json_days(partnership_quantile(
		    &ag->all, 0.5)), "clocks", cl));
	}
	json_object_set_new(o, "late", json_pack("{s:I, s:o}", "items",
	    (json_int_t)p->late, "agencies", a));

	a = json_array();
	for (int i = 0; i < PARTNERSHIP_LAG_MONTHS; i++) {
		const struct pship_lag *l = &p->lag[i];

		json_array_append_new(a, json_pack("{s:s, s:I, s:o, s:o}",
		    "month", month_str(l->month, buf, sizeof(buf)),
		    "notifications", (json_int_t)l->days.total,
		    "median_days", json_days(partnership_quantile(&l->days,
		    0.5)), "p90_days", json_days(partnership_quantile(
		    &l->days, 0.9))));
	}
	json_object_set_new(o, "police_lag", json_pack("{s:s, s:o}", "clock",
	    p->cfg->partnership.police_lag_clock, "months", a));

	json_object_set_new(o, "strategy_attendance", json_pack("{s:s, s:I, "
	    "s:I, s:o, s:I, s:I}", "check",
	    p->cfg->partnership.attendance_check, "held", (json_int_t)p->held,
	    "without_police_or_health", (json_int_t)p->without,
	    "share", json_share(p->without, p->held),
	    "police_absent", (json_int_t)p->police_absent,
	    "health_absent", (json_int_t)p->health_absent));

	a = json_array();
	src = sources_ranked(p);
	for (size_t i = 0; i < p->nsources; i++)
		json_array_append_new(a, json_pack("{s:o, s:I, s:o}", "source",
		    jsonval_str(src[i]->source), "contacts",
		    (json_int_t)src[i]->contacts, "share",
		    json_share(src[i]->contacts, p->contacts)));
	free(src);
	x = json_pack("{s:I, s:o}", "contacts", (json_int_t)p->contacts,
	    "sources", a);
	json_object_set_new(o, "contacts_by_source", x);
	return o;
}

int
partnership_write_json(const struct partnership *p, FILE *fp)
{
	json_t *o = partnership_json(p);
	int ret = report_json_dump(o, fp);

	json_decref(o);
	return ret;
}

int
partnership_write_csv(const struct partnership *p, FILE *fp)
{
	json_t *o = partnership_json(p);
	int ret = report_write_csv_json(o, "partnership", fp);

	json_decref(o);
	return ret;
}

static const char *
days_str(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

int
partnership_write_text(const struct partnership *p, FILE *fp)
{
	const struct report_source **src;
	char m[16], s[32], d1[16], d2[16];

	fprintf(fp, "MASH partnership pack %s (%s)\n\n", month_str(p->first, m,
	    sizeof(m)), calendar_tzname(p->cal));
	fprintf(fp, "1. Late work waiting on partners (%llu items went "
	    "overdue)\n", (unsigned long long)p->late);
	if (p->nagencies == 0)
		fputs("   no late item's reason names an agency\n", fp);
	for (size_t i = 0; i < p->nagencies; i++) {
		const struct pship_agency *ag = &p->agencies[i];

		fprintf(fp, "   %s: %llu (%s), median %s working days late\n",
		    ag->agency, (unsigned long long)ag->all.total,
		    report_format_share(report_share(ag->all.total, p->late),
		    s, sizeof(s)), days_str(partnership_quantile(&ag->all,
		    0.5), d1, sizeof(d1)));
		for (size_t c = 0; c < p->cfg->nclocks; c++)
			if (ag->clocks[c].total > 0)
				fprintf(fp, "      %s: %llu (%s of its late "
				    "items)\n", p->cfg->clocks[c].label,
				    (unsigned long long)ag->clocks[c].total,
				    report_format_share(report_share(
				    ag->clocks[c].total, p->late_clock[c]), s,
				    sizeof(s)));
	}
	fprintf(fp, "\n2. Police notification lag (working days from the "
	    "incident to the MASH)\n");
	for (int i = 0; i < PARTNERSHIP_LAG_MONTHS; i++) {
		const struct pship_lag *l = &p->lag[i];

		fprintf(fp, "   %s: %llu notifications, median %s, 90th "
		    "percentile %s\n", month_str(l->month, m, sizeof(m)),
		    (unsigned long long)l->days.total,
		    days_str(partnership_quantile(&l->days, 0.5), d1,
		    sizeof(d1)), days_str(partnership_quantile(&l->days, 0.9),
		    d2, sizeof(d2)));
	}
	fprintf(fp, "\n3. Strategy discussions without police or health\n"
	    "   %llu of %llu held (%s); police absent %llu, health absent "
	    "%llu\n", (unsigned long long)p->without,
	    (unsigned long long)p->held, report_format_share(report_share(
	    p->without, p->held), s, sizeof(s)),
	    (unsigned long long)p->police_absent,
	    (unsigned long long)p->health_absent);
	fprintf(fp, "\n4. Contacts by source (%llu)\n",
	    (unsigned long long)p->contacts);
	src = sources_ranked(p);
	for (size_t i = 0; i < p->nsources; i++)
		fprintf(fp, "   %s: %llu (%s)\n", src[i]->source ?
		    src[i]->source : "not recorded",
		    (unsigned long long)src[i]->contacts,
		    report_format_share(report_share(src[i]->contacts,
		    p->contacts), s, sizeof(s)));
	free(src);
	return ferror(fp) ? -1 : 0;
}

static void
h_cell(FILE *fp, const char *tag, const char *align, const char *text)
{
	fprintf(fp, "<%s align=\"%s\" style=\"" FONT "font-size:14px;"
	    "padding:3px 6px;border-bottom:1px solid #dddddd\">", tag, align);
	report_html_escape(fp, text);
	fprintf(fp, "</%s>", tag);
}

static void
h_table(FILE *fp, const char *title, const char *const *heads, size_t n)
{
	fputs("<h2 style=\"" FONT "font-size:18px;color:#222222;"
	    "border-bottom:2px solid #1d5fa8\">", fp);
	report_html_escape(fp, title);
	fputs("</h2>\n<table role=\"presentation\" width=\"100%\" "
	    "cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr>", fp);
	for (size_t i = 0; i < n; i++)
		h_cell(fp, "th", i ? "right" : "left", heads[i]);
	fputs("</tr>\n", fp);
}

int
partnership_write_html(const struct partnership *p, FILE *fp)
{
	static const char *const late_h[] = { "Agency / clock", "Late",
	    "Share", "Median working days late" };
	static const char *const lag_h[] = { "Month", "Notifications",
	    "Median working days", "90th percentile" };
	static const char *const att_h[] = { "Held",
	    "Without police or health", "Share", "Police absent",
	    "Health absent" };
	static const char *const src_h[] = { "Source", "Contacts", "Share" };
	const struct report_source **src;
	char m[16], s[32], d1[16], n1[32], n2[32], n3[32], n4[32];

	month_str(p->first, m, sizeof(m));
	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta "
	    "charset=\"utf-8\"><title>MASH partnership pack %s</title></head>"
	    "\n<body style=\"margin:0;padding:16px;background:#ffffff;"
	    "max-width:680px\">\n<p style=\"" FONT "font-size:13px;"
	    "color:#555555\">MASH partnership pack &middot; %s (", m, m);
	report_html_escape(fp, calendar_tzname(p->cal));
	fputs(")</p>\n", fp);

	snprintf(n1, sizeof(n1), "%llu", (unsigned long long)p->late);
	h_table(fp, "1. Late work waiting on partners", late_h, 4);
	fputs("<tr>", fp);
	h_cell(fp, "td", "left", "All items that went overdue");
	h_cell(fp, "td", "right", n1);
	h_cell(fp, "td", "right", "");
	h_cell(fp, "td", "right", "");
	fputs("</tr>\n", fp);
	for (size_t i = 0; i < p->nagencies; i++) {
		const struct pship_agency *ag = &p->agencies[i];

		snprintf(n1, sizeof(n1), "%llu",
		    (unsigned long long)ag->all.total);
		fputs("<tr class=\"agency\">", fp);
		h_cell(fp, "td", "left", ag->agency);
		h_cell(fp, "td", "right", n1);
		h_cell(fp, "td", "right", report_format_share(report_share(
		    ag->all.total, p->late), s, sizeof(s)));
		h_cell(fp, "td", "right", days_str(partnership_quantile(
		    &ag->all, 0.5), d1, sizeof(d1)));
		fputs("</tr>\n", fp);
		for (size_t c = 0; c < p->cfg->nclocks; c++) {
			char label[200];

			if (ag->clocks[c].total == 0)
				continue;
			snprintf(label, sizeof(label), "\u2003%s",
			    p->cfg->clocks[c].label);
			snprintf(n1, sizeof(n1), "%llu",
			    (unsigned long long)ag->clocks[c].total);
			fputs("<tr>", fp);
			h_cell(fp, "td", "left", label);
			h_cell(fp, "td", "right", n1);
			h_cell(fp, "td", "right", report_format_share(
			    report_share(ag->clocks[c].total,
			    p->late_clock[c]), s, sizeof(s)));
			h_cell(fp, "td", "right", days_str(
			    partnership_quantile(&ag->clocks[c], 0.5), d1,
			    sizeof(d1)));
			fputs("</tr>\n", fp);
		}
	}
	fputs("</table>\n", fp);

	h_table(fp, "2. Police notification lag, incident to the MASH", lag_h,
	    4);
	for (int i = 0; i < PARTNERSHIP_LAG_MONTHS; i++) {
		const struct pship_lag *l = &p->lag[i];

		snprintf(n1, sizeof(n1), "%llu",
		    (unsigned long long)l->days.total);
		fputs("<tr>", fp);
		h_cell(fp, "td", "left", month_str(l->month, m, sizeof(m)));
		h_cell(fp, "td", "right", n1);
		h_cell(fp, "td", "right", days_str(partnership_quantile(
		    &l->days, 0.5), d1, sizeof(d1)));
		h_cell(fp, "td", "right", days_str(partnership_quantile(
		    &l->days, 0.9), n2, sizeof(n2)));
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);

	h_table(fp, "3. Strategy discussions without police or health", att_h,
	    5);
	snprintf(n1, sizeof(n1), "%llu", (unsigned long long)p->held);
	snprintf(n2, sizeof(n2), "%llu", (unsigned long long)p->without);
	snprintf(n3, sizeof(n3), "%llu", (unsigned long long)p->police_absent);
	snprintf(n4, sizeof(n4), "%llu", (unsigned long long)p->health_absent);
	fputs("<tr>", fp);
	h_cell(fp, "td", "left", n1);
	h_cell(fp, "td", "right", n2);
	h_cell(fp, "td", "right", report_format_share(report_share(p->without,
	    p->held), s, sizeof(s)));
	h_cell(fp, "td", "right", n3);
	h_cell(fp, "td", "right", n4);
	fputs("</tr>\n</table>\n", fp);

	h_table(fp, "4. Contacts by source", src_h, 3);
	src = sources_ranked(p);
	for (size_t i = 0; i < p->nsources; i++) {
		snprintf(n1, sizeof(n1), "%llu",
		    (unsigned long long)src[i]->contacts);
		fputs("<tr>", fp);
		h_cell(fp, "td", "left", src[i]->source ? src[i]->source :
		    "not recorded");
		h_cell(fp, "td", "right", n1);
		h_cell(fp, "td", "right", report_format_share(report_share(
		    src[i]->contacts, p->contacts), s, sizeof(s)));
		fputs("</tr>\n", fp);
	}
	free(src);
	fputs("</table>\n<p style=\"" FONT "font-size:11px;color:#555555\">"
	    "Generated by mashwatch. Working days exclude weekends and bank "
	    "holidays. Figures are defined in mashwatch-report(5).</p>\n"
	    "</body></html>\n", fp);
	return ferror(fp) ? -1 : 0;
}
