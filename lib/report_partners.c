/*
 * What waits on partners and who they are (issue 26).  Why work was late:
 * the items of the report's span that went overdue, counted by clock and
 * by the reason their acknowledgement gave, with the working days each
 * was late; fed by the caller from the alert store (report_add_late),
 * written into the report's JSON ("exceptions"), text and HTML.  And the
 * writers of who makes repeat contacts (counted in report_sources.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mashwatch/jsonval.h"
#include "mashwatch/report.h"
#include "mashwatch/xmalloc.h"

/* Reasons in code order, "no reason" (NULL) after every code. */
static int
reason_cmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == NULL) - (b == NULL);
	return strcmp(a, b);
}

static size_t
clock_index(const struct report *r, const char *clock)
{
	for (size_t i = 0; i < r->nclocks; i++)
		if (strcmp(r->clocks[i].conf->name, clock) == 0)
			return i;
	return SIZE_MAX;
}

void
report_add_late(struct report *r, const char *clock, const char *reason,
    int64_t due_at, int64_t late_until)
{
	struct report_exception *e = NULL;
	size_t c = clock_index(r, clock), i;
	int days;

	if (c == SIZE_MAX)
		return;
	if (reason != NULL && *reason == '\0')
		reason = NULL;
	/* Kept sorted by clock (config order), then reason, as written. */
	for (i = 0; i < r->nexceptions; i++) {
		struct report_exception *x = &r->exceptions[i];
		int k = x->clock != c ? (x->clock < c ? -1 : 1) :
		    reason_cmp(x->reason, reason);

		if (k == 0) {
			e = x;
			break;
		}
		if (k > 0)
			break;
	}
	if (e == NULL) {
		r->exceptions = xreallocarray(r->exceptions,
		    r->nexceptions + 1, sizeof(*r->exceptions));
		memmove(&r->exceptions[i + 1], &r->exceptions[i],
		    (r->nexceptions - i) * sizeof(*r->exceptions));
		r->nexceptions++;
		e = &r->exceptions[i];
		memset(e, 0, sizeof(*e));
		e->clock = c;
		e->reason = reason ? xstrdup(reason) : NULL;
	}
	days = calendar_working_days_between(r->cal, due_at, late_until);
	report_hist_add(&e->hist, &e->nhist, days);
	e->late++;
	r->clocks[c].late_span++;
}

const char *
report_exception_agency(const struct report *r,
    const struct report_exception *e)
{
	const struct reason_conf *rc = config_reason(r->cfg, e->reason);

	return rc != NULL ? rc->agency : NULL;
}

const char *
report_exception_label(const struct report *r,
    const struct report_exception *e)
{
	const struct reason_conf *rc = config_reason(r->cfg, e->reason);

	if (e->reason == NULL)
		return "No reason given";
	return rc != NULL ? rc->label : e->reason;
}

double
report_exception_share(const struct report *r,
    const struct report_exception *e)
{
	return report_share(e->late, r->clocks[e->clock].late_span);
}

json_t *
report_late_json(const struct report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nexceptions; i++) {
		const struct report_exception *e = &r->exceptions[i];
		double med = report_quantile_hist(e->hist, e->nhist, 0.5);

		json_array_append_new(a, json_pack("{s:s, s:o, s:s, s:o, s:I, "
		    "s:f, s:o}", "clock", r->clocks[e->clock].conf->name,
		    "reason", jsonval_str(e->reason),
		    "label", report_exception_label(r, e),
		    "agency", jsonval_str(report_exception_agency(r, e)),
		    "late", (json_int_t)e->late,
		    "share", report_exception_share(r, e),
		    "median_days_late", isnan(med) ? json_null() :
		    json_real(med)));
	}
	return a;
}

void
report_late_text(const struct report *r, FILE *fp)
{
	char share[32];

	fputs("\nWhy work was late (overdue in the period, by the reason "
	    "acknowledged)\n", fp);
	if (r->nexceptions == 0)
		fputs("   nothing went overdue\n", fp);
	for (size_t i = 0; i < r->nexceptions; i++) {
		const struct report_exception *e = &r->exceptions[i];
		const struct clock_conf *c = r->clocks[e->clock].conf;
		const char *ag = report_exception_agency(r, e);

		fprintf(fp, "   %s: %s%s%s%s: %llu late (%s)\n",
		    c->label ? c->label : c->name, report_exception_label(r, e),
		    ag ? " [" : "", ag ? ag : "", ag ? "]" : "",
		    (unsigned long long)e->late, report_format_share(
		    report_exception_share(r, e), share, sizeof(share)));
	}
}

void
report_late_html(const struct report *r, FILE *fp)
{
	char share[32];

	fputs("<tr><td style=\"font-family:Arial,Helvetica,sans-serif;"
	    "padding:6px 16px;font-size:14px\"><table role=\"presentation\" "
	    "width=\"100%\" cellpadding=\"3\" cellspacing=\"0\" border=\"0\" "
	    "class=\"exceptions\"><tr><th align=\"left\">Clock</th>"
	    "<th align=\"left\">Reason</th><th align=\"left\">Agency</th>"
	    "<th align=\"right\">Late</th><th align=\"right\">Share</th></tr>\n",
	    fp);
	if (r->nexceptions == 0)
		fputs("<tr><td colspan=\"5\">Nothing went overdue.</td></tr>\n",
		    fp);
	for (size_t i = 0; i < r->nexceptions; i++) {
		const struct report_exception *e = &r->exceptions[i];
		const struct clock_conf *c = r->clocks[e->clock].conf;
		const char *ag = report_exception_agency(r, e);

		fputs("<tr><td>", fp);
		report_html_escape(fp, c->label ? c->label : c->name);
		fputs("</td><td>", fp);
		report_html_escape(fp, report_exception_label(r, e));
		fputs("</td><td>", fp);
		report_html_escape(fp, ag ? ag : "–");
		fprintf(fp, "</td><td align=\"right\">%llu</td><td "
		    "align=\"right\">", (unsigned long long)e->late);
		report_html_escape(fp, report_format_share(
		    report_exception_share(r, e), share, sizeof(share)));
		fputs("</td></tr>\n", fp);
	}
	fputs("</table></td></tr>\n", fp);
}

/* by_source in the order a reader wants: most contacts first. */
static const struct report_source **
sources_ranked(const struct report_repeat *rp)
{
	return report_sources_ranked(rp->sources, rp->nsources);
}

json_t *
report_sources_json(const struct report_repeat *rp)
{
	const struct report_source **v = sources_ranked(rp);
	double gap = report_quantile_hist(rp->gaps, rp->ngaps, 0.5);
	json_t *o = json_object(), *a = json_array();

	for (size_t i = 0; i < rp->nsources; i++)
		json_array_append_new(a, json_pack("{s:o, s:I, s:I, s:f}",
		    "source", jsonval_str(v[i]->source),
		    "children", (json_int_t)v[i]->children,
		    "contacts", (json_int_t)v[i]->contacts,
		    "share", report_share(v[i]->contacts,
		    rp->repeat_contacts)));
	json_object_set_new(o, "repeat_children",
	    json_integer((json_int_t)rp->repeat_children));
	json_object_set_new(o, "repeat_events",
	    json_integer((json_int_t)rp->repeat_contacts));
	json_object_set_new(o, "by_source", a);
	json_object_set_new(o, "median_gap_days", isnan(gap) ? json_null() :
	    json_real(gap));
	free(v);
	return o;
}

void
report_sources_text(const struct report_repeat *rp, FILE *fp)
{
	const struct report_source **v = sources_ranked(rp);
	double gap = report_quantile_hist(rp->gaps, rp->ngaps, 0.5);
	char share[32];

	fprintf(fp, "   by source (%llu child%s with %d or more): ",
	    (unsigned long long)rp->repeat_children,
	    rp->repeat_children == 1 ? "" : "ren", rp->conf->min);
	if (rp->nsources == 0)
		fputs("none", fp);
	for (size_t i = 0; i < rp->nsources; i++)
		fprintf(fp, "%s%s %llu (%llu child%s, %s)", i ? ", " : "",
		    v[i]->source ? v[i]->source : "not recorded",
		    (unsigned long long)v[i]->contacts,
		    (unsigned long long)v[i]->children,
		    v[i]->children == 1 ? "" : "ren",
		    report_format_share(report_share(v[i]->contacts,
		    rp->repeat_contacts), share, sizeof(share)));
	if (!isnan(gap))
		fprintf(fp, "; median gap %.1f days", gap);
	fputc('\n', fp);
	free(v);
}

void
report_sources_html(const struct report_repeat *rp, FILE *fp)
{
	const struct report_source **v = sources_ranked(rp);
	double gap = report_quantile_hist(rp->gaps, rp->ngaps, 0.5);
	char share[32];

	if (rp->repeat_children == 0) {
		free(v);
		return;
	}
	fprintf(fp, "<tr><td style=\"font-family:Arial,Helvetica,sans-serif;"
	    "padding:6px 16px;font-size:14px\"><table role=\"presentation\" "
	    "width=\"100%%\" cellpadding=\"3\" cellspacing=\"0\" border=\"0\" "
	    "class=\"repeat-sources\"><tr><th align=\"left\">Repeat "
	    "contacts by source (%llu children at %d or more)</th>"
	    "<th align=\"right\">Children</th><th align=\"right\">"
	    "Contacts</th><th align=\"right\">Share</th></tr>\n",
	    (unsigned long long)rp->repeat_children, rp->conf->min);
	for (size_t i = 0; i < rp->nsources; i++) {
		fputs("<tr><td>", fp);
		report_html_escape(fp, v[i]->source ? v[i]->source :
		    "not recorded");
		fprintf(fp, "</td><td align=\"right\">%llu</td><td "
		    "align=\"right\">%llu</td><td align=\"right\">",
		    (unsigned long long)v[i]->children,
		    (unsigned long long)v[i]->contacts);
		report_html_escape(fp, report_format_share(report_share(
		    v[i]->contacts, rp->repeat_contacts), share, sizeof(share)));
		fputs("</td></tr>\n", fp);
	}
	if (!isnan(gap))
		fprintf(fp, "<tr><td colspan=\"4\">Median gap between one "
		    "contact and the next: %.1f days</td></tr>\n", gap);
	fputs("</table></td></tr>\n", fp);
	free(v);
}
