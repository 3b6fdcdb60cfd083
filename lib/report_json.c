/*
 * The report as JSON (the public interface of mashwatch-report(5), every
 * key documented in mashwatch-report(5)), its id-free regional extract,
 * and as CSV, one row per figure, flattened from the same JSON so that
 * the two never disagree.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mashwatch/jsonval.h"
#include "mashwatch/report.h"
#include "mashwatch/xmalloc.h"

static json_t *
json_count(uint64_t n)
{
	return json_integer((json_int_t)n);
}

/* NaN (nothing to measure) is null. */
static json_t *
json_num(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *
json_date(struct cal_date d)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.year, d.month, d.day);
	return json_string(buf);
}

static json_t *
json_instant(const struct report *r, int64_t t)
{
	char buf[40];

	calendar_format_iso(r->cal, t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
json_timescale(const struct timescale *ts)
{
	char buf[32];

	timescale_format(ts, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
stops_json(const struct report_stops *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "stopped", json_count(s->stopped));
	json_object_set_new(o, "within_limit", json_count(s->within_limit));
	json_object_set_new(o, "share_within_limit",
	    json_num(report_share(s->within_limit, s->stopped)));
	json_object_set_new(o, "median_working_days",
	    json_num(report_quantile_hist(s->hist, s->nhist, 0.5)));
	json_object_set_new(o, "p90_working_days",
	    json_num(report_quantile_hist(s->hist, s->nhist, 0.9)));
	return o;
}

static json_t *
clock_json(const struct report *r, const struct report_clock *c)
{
	json_t *o = json_object(), *bands = json_object(), *w, *old;

	json_object_set_new(o, "clock", json_string(c->conf->name));
	json_object_set_new(o, "label", jsonval_str(c->conf->label));
	json_object_set_new(o, "limit", json_timescale(&c->conf->limit));
	json_object_update(o, w = stops_json(&c->now));
	json_decref(w);
	json_object_set_new(o, "open", json_count(c->open));
	json_object_set_new(o, "overdue", json_count(c->overdue));
	for (int b = 0; b < RB_COUNT; b++)
		json_object_set_new(bands, report_band_names[b],
		    json_count(c->bands[b]));
	json_object_set_new(o, "age_bands", bands);
	if (c->has_oldest) {
		old = json_object();
		json_object_set_new(old, "instance",
		    json_string(c->oldest_instance));
		json_object_set_new(old, "child", json_string(c->oldest_child));
		json_object_set_new(old, "started_at",
		    json_instant(r, c->oldest_started));
		json_object_set_new(old, "age_working_days",
		    json_integer(c->oldest_age));
	} else
		old = json_null();
	json_object_set_new(o, "oldest", old);
	w = stops_json(&c->week_ago);
	json_object_set_new(w, "open", json_count(c->open_week_ago));
	json_object_set_new(w, "overdue", json_count(c->overdue_week_ago));
	json_object_set_new(o, "week_ago", w);
	return o;
}

static json_t *
repeat_json(const struct report_repeat *rp)
{
	static const char *const keys[5] = { "1", "2", "3", "4", "5+" };
	json_t *o = json_object(), *dist = json_object(), *most = json_array();

	json_object_set_new(o, "rule", json_string(rp->conf->name));
	json_object_set_new(o, "label", jsonval_str(rp->conf->label));
	json_object_set_new(o, "kind", json_string(rp->conf->kind));
	json_object_set_new(o, "window", json_timescale(&rp->conf->window));
	json_object_set_new(o, "children", json_count(rp->children));
	for (int k = 0; k < 5; k++)
		json_object_set_new(dist, keys[k], json_count(rp->dist[k]));
	json_object_set_new(o, "distribution", dist);
	for (size_t i = 0; i < rp->ntop; i++)
		json_array_append_new(most, json_pack("{s:s, s:I}", "child",
		    rp->top[i].child, "count", (json_int_t)rp->top[i].count));
	json_object_set_new(o, "most", most);
	{
		json_t *src = report_sources_json(rp);

		json_object_update(o, src);
		json_decref(src);
	}
	return o;
}

/*
 * A report's span as one object: a trend point, or a pack's period and
 * its comparisons.  Every figure is the report's own (one engine).
 */
static json_t *
period_json(const struct report *r)
{
	json_t *o = json_object(), *a = json_array();

	json_object_set_new(o, "first", json_date(r->span_first));
	json_object_set_new(o, "end", json_date(r->date));
	json_object_set_new(o, "days", json_integer(cal_date_diff(r->date,
	    r->span_first) + 1));
	for (int m = 0; m < RM_COUNT; m++)
		json_object_set_new(o, r->demand[m].measure,
		    json_count(r->span_demand[m]));
	json_object_set_new(o, "rereferral_rate",
	    json_num(report_share(r->rereferrals, r->referrals)));
	json_object_set_new(o, "alerts_raised",
	    json_count(r->alerts.raised_span));
	json_object_set_new(o, "alerts_escalated",
	    json_count(r->alerts.escalated_span));
	for (size_t i = 0; i < r->nclocks; i++) {
		const struct report_clock *c = &r->clocks[i];
		json_t *x = json_object();

		json_object_set_new(x, "clock", json_string(c->conf->name));
		json_object_set_new(x, "stopped", json_count(c->span.stopped));
		json_object_set_new(x, "within_limit",
		    json_count(c->span.within_limit));
		json_object_set_new(x, "share_within_limit",
		    json_num(report_share(c->span.within_limit,
		    c->span.stopped)));
		json_object_set_new(x, "median_working_days",
		    json_num(report_quantile_hist(c->span.hist, c->span.nhist,
		    0.5)));
		json_object_set_new(x, "open", json_count(c->open));
		json_object_set_new(x, "overdue", json_count(c->overdue));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "clocks", a);
	json_object_set_new(o, "repeat_contacts",
	    json_count(r->span_repeat_contacts));
	json_object_set_new(o, "repeat_contacts_per_10000",
	    json_num(report_per_10000(r->span_repeat_contacts,
	    r->span_demand[RM_CONTACTS])));
	return o;
}

static json_t *
worker_json(const struct report_worker *w)
{
	return json_pack("{s:s, s:o, s:i, s:s}", "worker", w->worker,
	    "team", jsonval_str(w->team), "open_cases", w->open_cases,
	    "level", w->red ? "red" : "amber");
}

static bool
same_team(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static json_t *
teams_json(const struct report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nteams; i++) {
		const struct report_team *t = &r->teams[i];
		json_t *o = json_object(), *c = json_array(), *w = json_array();

		json_object_set_new(o, "team", jsonval_str(t->team));
		json_object_set_new(o, "name", jsonval_str(t->name));
		for (size_t k = 0; k < r->nclocks; k++)
			json_array_append_new(c, clock_json(r, &t->clocks[k]));
		json_object_set_new(o, "clocks", c);
		for (size_t k = 0; k < r->nflagged; k++)
			if (same_team(r->flagged[k].team, t->team))
				json_array_append_new(w,
				    worker_json(&r->flagged[k]));
		json_object_set_new(o, "caseloads", w);
		json_array_append_new(a, o);
	}
	return a;
}

/* A rate to two places, as --once and the board give it. */
static double
rate2(double v)
{
	return (double)(long long)(v * 100 + 0.5) / 100;
}

static json_t *
forecast_row_json(const struct forecast_row *f)
{
	return json_pack("{s:o, s:I, s:I, s:f, s:I}",
	    "team", jsonval_str(f->team),
	    "open", (json_int_t)f->open,
	    "due_next", (json_int_t)f->due_next,
	    "throughput", rate2(f->throughput),
	    "projected_breaches", (json_int_t)f->projected);
}

/*
 * The forecast as of the end of D: per clock with forecast = true its
 * figures and its teams' (mashwatch-report(5), FORECAST).
 */
static json_t *
forecast_json(const struct report *r)
{
	struct forecast_window w;
	const struct forecast_row *rows, *tot = NULL;
	size_t n, nt = 0;
	json_t *o = json_object(), *a = json_array();

	forecast_window(r->cal, r->end, r->since, &w);
	if (r->forecast != NULL)
		tot = forecast_rows(r->forecast, true, &nt);
	json_object_set_new(o, "as_of", json_instant(r, w.now));
	json_object_set_new(o, "due_by", json_instant(r, w.next_end));
	json_object_set_new(o, "working_days", json_integer(w.days));
	for (size_t i = 0; i < nt; i++) {
		const struct clock_conf *cc = config_clock(r->cfg, tot[i].clock);
		json_t *teams = json_array();

		rows = forecast_teams(r->forecast, tot[i].clock, &n);
		for (size_t j = 0; j < n; j++)
			json_array_append_new(teams, forecast_row_json(&rows[j]));
		json_array_append_new(a, json_pack("{s:s, s:o, s:I, s:I, s:f, "
		    "s:I, s:o}", "clock", tot[i].clock,
		    "label", jsonval_str(cc ? cc->label : NULL),
		    "open", (json_int_t)tot[i].open,
		    "due_next", (json_int_t)tot[i].due_next,
		    "throughput", rate2(tot[i].throughput),
		    "projected_breaches", (json_int_t)tot[i].projected,
		    "teams", teams));
	}
	json_object_set_new(o, "clocks", a);
	return o;
}

static json_t *
report_json(const struct report *r)
{
	json_t *o = json_object(), *a, *x, *cmp;

	json_object_set_new(o, "date", json_date(r->date));
	json_object_set_new(o, "timezone",
	    json_string(calendar_tzname(r->cal)));
	json_object_set_new(o, "generated_at",
	    json_instant(r, r->generated_at));

	a = json_array();
	for (size_t i = 0; i < r->nheadline; i++)
		json_array_append_new(a, json_string(r->headline[i]));
	json_object_set_new(o, "headline", a);

	a = json_array();
	for (int m = 0; m < RM_COUNT; m++) {
		x = json_object();
		json_object_set_new(x, "measure",
		    json_string(r->demand[m].measure));
		json_object_set_new(x, "label", json_string(r->demand[m].label));
		for (int p = 0; p < RP_COUNT; p++)
			json_object_set_new(x, report_period_keys[p],
			    json_count(r->demand[m].n[p]));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "demand", a);

	a = json_array();
	for (size_t i = 0; i < r->nclocks; i++)
		json_array_append_new(a, clock_json(r, &r->clocks[i]));
	json_object_set_new(o, "clocks", a);

	a = json_array();
	for (size_t i = 0; i < r->nrepeats; i++)
		json_array_append_new(a, repeat_json(&r->repeats[i]));
	json_object_set_new(o, "repeats", a);

	x = json_object();
	json_object_set_new(x, "referrals", json_count(r->referrals));
	json_object_set_new(x, "rereferrals", json_count(r->rereferrals));
	json_object_set_new(x, "rate",
	    json_num(report_share(r->rereferrals, r->referrals)));
	cmp = json_object();
	for (size_t i = 0; i < r->cfg->report.ncomparators; i++)
		json_object_set_new(cmp, r->cfg->report.comparators[i].name,
		    json_num(r->comparators[i]));
	json_object_set_new(x, "comparators", cmp);
	json_object_set_new(o, "rereferrals", x);

	a = json_array();
	for (size_t i = 0; i < r->nchecks; i++)
		json_array_append_new(a, json_pack("{s:s, s:o, s:s, s:I, s:I}",
		    "check", r->checks[i].conf->name,
		    "label", jsonval_str(r->checks[i].conf->label),
		    "window", "28 days",
		    "total", (json_int_t)r->checks[i].total,
		    "failed", (json_int_t)r->checks[i].failed));
	json_object_set_new(o, "checks", a);

	x = json_pack("{s:I, s:I, s:I, s:i, s:i}", "workers",
	    (json_int_t)r->workers, "amber", (json_int_t)r->amber,
	    "red", (json_int_t)r->red,
	    "amber_threshold", r->cfg->caseloads.amber,
	    "red_threshold", r->cfg->caseloads.red);
	a = json_array();
	for (size_t i = 0; i < r->nflagged; i++)
		json_array_append_new(a, worker_json(&r->flagged[i]));
	json_object_set_new(x, "listed", a);
	json_object_set_new(o, "caseloads", x);
	json_object_set_new(o, "alerts", json_pack("{s:I, s:I, s:I, s:I, s:I}",
	    "raised", (json_int_t)r->alerts.raised,
	    "resolved", (json_int_t)r->alerts.resolved,
	    "escalated", (json_int_t)r->alerts.escalated,
	    "acknowledged", (json_int_t)r->alerts.acknowledged,
	    "escalations_open", (json_int_t)r->alerts.escalations_open));
	json_object_set_new(o, "invalid", json_count(r->invalid));
	json_object_set_new(o, "exceptions", report_late_json(r));

	/* Issue 18: what leaders need to know. */
	json_object_set_new(o, "share_digits", json_integer(REPORT_SHARE_DIGITS));
	a = json_array();
	for (size_t i = 0; i < r->nattention; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "rule",
		    r->attention[i].rule, "text", r->attention[i].text));
	json_object_set_new(o, "attention", a);
	json_object_set_new(o, "period", period_json(r));
	a = json_array();
	for (size_t i = 0; i < r->ntrend; i++)
		json_array_append_new(a, period_json(r->trend[i]));
	json_object_set_new(o, "trends", a);
	json_object_set_new(o, "teams", teams_json(r));
	json_object_set_new(o, "forecast", forecast_json(r));
	if (r->kind != RK_DAY) {
		json_object_set_new(o, "pack", json_pack("{s:s, s:o, s:o}",
		    "kind", r->kind == RK_WEEK ? "week" : "month",
		    "first", json_date(r->span_first), "last",
		    json_date(r->date)));
		json_object_set_new(o, "previous", period_json(r->previous));
		json_object_set_new(o, "year_earlier",
		    report_has_data(r->year_ago) ? period_json(r->year_ago) :
		    json_null());
	}
	return o;
}

int
report_json_dump(struct json_t *o, FILE *fp)
{
	int ret = json_dumpf(o, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(10));

	if (ret == 0)
		fputc('\n', fp);
	return ret < 0 || ferror(fp) ? -1 : 0;
}

/* o (taken) written as the report's JSON is; -1 on fp's error. */
static int
json_write(json_t *o, FILE *fp)
{
	int ret = report_json_dump(o, fp);

	json_decref(o);
	return ret;
}

int
report_write_json(const struct report *r, FILE *fp)
{
	return json_write(report_json(r), fp);
}

/*
 * The regional extract (mashwatch-report(5), REGION EXTRACT): what
 * `mashwatchctl region` lays beside other authorities.  Counts and medians
 * only, so that no child, worker or case id ever leaves the authority:
 * nothing here reads an id.
 */
static json_t *
region_json(const struct report *r)
{
	json_t *o = json_object(), *a = json_array();
	const char *kind = r->kind == RK_MONTH ? "month" :
	    r->kind == RK_WEEK ? "week" : "day";

	json_object_set_new(o, "format", json_string("mashwatch-region-extract"));
	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "authority", r->cfg->report.authority[0] ?
	    json_string(r->cfg->report.authority) : json_null());
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "first", json_date(r->span_first));
	json_object_set_new(o, "end", json_date(r->date));
	json_object_set_new(o, "generated_at",
	    json_instant(r, r->generated_at));
	json_object_set_new(o, "contacts",
	    json_count(r->span_demand[RM_CONTACTS]));
	json_object_set_new(o, "repeat_contacts",
	    json_count(r->span_repeat_contacts));
	json_object_set_new(o, "referrals",
	    json_count(r->span_demand[RM_REFERRALS]));
	json_object_set_new(o, "referrals_12_months",
	    json_count(r->referrals));
	json_object_set_new(o, "rereferrals_12_months",
	    json_count(r->rereferrals));
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
		json_object_set_new(x, "stopped", json_count(c->span.stopped));
		json_object_set_new(x, "within_limit",
		    json_count(c->span.within_limit));
		json_object_set_new(x, "median_working_days", json_num(med));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "clocks", a);
	return o;
}

int
report_write_region(const struct report *r, FILE *fp)
{
	return json_write(region_json(r), fp);
}

/*
 * RFC 4180: quote a field holding a comma, quote or line break, doubling
 * the quotes.  A field a spreadsheet would run as a formula (=, +, -, @,
 * tab, CR first) is also quoted and prefixed with an apostrophe; no
 * figure we write starts so, only text from the source could.
 */
void
report_csv_field(FILE *fp, const char *s)
{
	bool formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';

	if (!formula && strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	if (formula)
		fputc('\'', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
csv_row(FILE *fp, const char *section, const char *key, json_t *v)
{
	char num[64];
	const char *s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		s = num;
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.10g", json_real_value(v));
		s = num;
		break;
	case JSON_TRUE:
		s = "true";
		break;
	case JSON_FALSE:
		s = "false";
		break;
	default:
		s = "";
		break;
	}
	report_csv_field(fp, section);
	fputc(',', fp);
	report_csv_field(fp, key);
	fputc(',', fp);
	report_csv_field(fp, s);
	fputs("\r\n", fp);
}

/* An array element is named by its identifying field, else its number. */
static char *
element_name(json_t *e, size_t i)
{
	static const char *const ids[] = { "clock", "rule", "check", "measure",
	    "child", "team", "worker", "end", "agency", "month", "source" };
	json_t *id, *reason;

	/* An exception is one clock and reason: both name it. */
	if (json_is_object(e) && json_is_string(json_object_get(e, "clock")) &&
	    (reason = json_object_get(e, "reason")) != NULL)
		return xasprintf("%s.%s", json_string_value(json_object_get(e,
		    "clock")), json_is_string(reason) ?
		    json_string_value(reason) : "none");
	for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
		if (json_is_object(e) && (id = json_object_get(e, ids[k])) &&
		    json_is_string(id))
			return xstrdup(json_string_value(id));
	return xasprintf("%zu", i + 1);
}

static void
csv_walk(FILE *fp, const char *section, const char *prefix, json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;
	char *key, *name;

	if (json_is_object(v)) {
		json_object_foreach(v, k, e) {
			key = *prefix ? xasprintf("%s.%s", prefix, k) :
			    xstrdup(k);
			csv_walk(fp, section, key, e);
			free(key);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			name = element_name(e, i);
			key = *prefix ? xasprintf("%s.%s", prefix, name) :
			    xstrdup(name);
			csv_walk(fp, section, key, e);
			free(key);
			free(name);
		}
	} else
		csv_row(fp, section, prefix, v);
}

int
report_write_csv_json(struct json_t *o, const char *top, FILE *fp)
{
	json_t *v;
	const char *k;

	fputs("section,key,value\r\n", fp);
	json_object_foreach(o, k, v) {
		if (json_is_object(v) || json_is_array(v))
			csv_walk(fp, k, "", v);
		else
			csv_row(fp, top, k, v);
	}
	return ferror(fp) ? -1 : 0;
}

int
report_write_csv(const struct report *r, FILE *fp)
{
	json_t *o = report_json(r);
	int ret = report_write_csv_json(o, "report", fp);

	json_decref(o);
	return ret;
}
