/*
 * The regional extract of a report (mashwatch-report(5), REGION EXTRACT):
 * what `mashwatchctl region` lays beside other authorities.  Counts and
 * medians only, so that no child, worker or case id ever leaves the
 * authority: nothing here reads an id, a name of a person or a case note.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mashwatch/report.h"
#include "mashwatch/xmalloc.h"

static json_t *
region_count(uint64_t n)
{
	return json_integer((json_int_t)n);
}

static json_t *
region_date(struct cal_date d)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.year, d.month, d.day);
	return json_string(buf);
}

static json_t *
region_json(const struct report *r)
{
	json_t *o = json_object(), *a = json_array();
	const char *kind = r->kind == RK_MONTH ? "month" :
	    r->kind == RK_WEEK ? "week" : "day";
	char buf[40];

	json_object_set_new(o, "format", json_string("mashwatch-region-extract"));
	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "authority", r->cfg->report.authority[0] ?
	    json_string(r->cfg->report.authority) : json_null());
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "first", region_date(r->span_first));
	json_object_set_new(o, "end", region_date(r->date));
	calendar_format_iso(r->cal, r->generated_at, buf, sizeof(buf));
	json_object_set_new(o, "generated_at", json_string(buf));
	json_object_set_new(o, "contacts",
	    region_count(r->span_demand[RM_CONTACTS]));
	json_object_set_new(o, "repeat_contacts",
	    region_count(r->span_repeat_contacts));
	json_object_set_new(o, "referrals",
	    region_count(r->span_demand[RM_REFERRALS]));
	json_object_set_new(o, "referrals_12_months",
	    region_count(r->referrals));
	json_object_set_new(o, "rereferrals_12_months",
	    region_count(r->rereferrals));
	json_object_set_new(o, "caseloads", json_pack("{s:I, s:I, s:i}",
	    "workers", (json_int_t)r->workers, "red", (json_int_t)r->red,
	    "red_threshold", r->cfg->caseloads.red));
	for (size_t i = 0; i < r->nclocks; i++) {
		const struct report_clock *c = &r->clocks[i];
		double med = report_quantile_hist(c->span.hist, c->span.nhist,
		    0.5);
		json_t *x = json_object();

		json_object_set_new(x, "clock", json_string(c->conf->name));
		json_object_set_new(x, "label", c->conf->label ?
		    json_string(c->conf->label) : json_null());
		json_object_set_new(x, "stopped", region_count(c->span.stopped));
		json_object_set_new(x, "within_limit",
		    region_count(c->span.within_limit));
		json_object_set_new(x, "median_working_days",
		    isnan(med) ? json_null() : json_real(med));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "clocks", a);
	return o;
}

int
report_write_region(const struct report *r, FILE *fp)
{
	json_t *o = region_json(r);
	int ret;

	ret = json_dumpf(o, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(10));
	json_decref(o);
	if (ret == 0)
		fputc('\n', fp);
	return ret < 0 || ferror(fp) ? -1 : 0;
}
