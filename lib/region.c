/*
 * The regional benchmark (include/mashwatch/region.h): extracts in,
 * measures side by side under disclosure control out.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mashwatch/disclosure.h"
#include "mashwatch/region.h"
#include "mashwatch/report.h"
#include "mashwatch/xmalloc.h"

#define REGION_EXTRACT	"mashwatch-region-extract"
#define REGION_TABLE	"mashwatch-region-benchmark"

struct rg_auth {
	char	*name;
	json_t	*x;		/* the extract */
};

struct region {
	char		 month[8];
	struct rg_auth	*a;
	size_t		 n;
};

enum rg_kind { RGK_SHARE, RGK_PER_10000, RGK_MEDIAN };

/* One authority's cells of a measure, and what may be shown of them. */
struct rg_cell {
	bool		 has;		/* the authority has this measure */
	uint64_t	 num, den;
	double		 value;		/* NaN: nothing to measure */
	bool		 c_num, c_den, c_value;
	size_t		 rank;		/* 0: none */
};

struct rg_measure {
	char		*id, *label;
	enum rg_kind	 kind;
	bool		 higher_better;
	const char	*num_name, *den_name;	/* num_name NULL: a median */
	struct rg_cell	*cell;		/* one per authority */
	struct rg_cell	 total;		/* the region */
	double		 q[3];		/* lower quartile, median, upper */
};

static void rg_err(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
rg_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

struct region *
region_new(const char *month)
{
	struct region *rg = xcalloc(1, sizeof(*rg));

	snprintf(rg->month, sizeof(rg->month), "%s", month);
	return rg;
}

void
region_free(struct region *rg)
{
	if (rg == NULL)
		return;
	for (size_t i = 0; i < rg->n; i++) {
		free(rg->a[i].name);
		json_decref(rg->a[i].x);
	}
	free(rg->a);
	free(rg);
}

static bool
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

int
region_id_key(const char *key)
{
	static const char *const exact[] = { "child", "worker", "instance",
	    "oldest", "listed", "most", "id" };

	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(key, exact[i]) == 0)
			return 1;
	if (ends_with(key, "_id") || ends_with(key, "-id") ||
	    ends_with(key, "_ids") || ends_with(key, "Id"))
		return 1;
	if ((strncmp(key, "child", 5) == 0 && strcmp(key, "children") != 0) ||
	    (strncmp(key, "worker", 6) == 0 && strcmp(key, "workers") != 0))
		return 1;
	return 0;
}

/* The path of the first id-bearing key in v, or false. */
static bool
find_id_key(json_t *v, char *path, size_t len)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, x) {
			size_t used = strlen(path);

			if (region_id_key(key)) {
				snprintf(path + used, len - used, "%s%s",
				    used ? "." : "", key);
				return true;
			}
			snprintf(path + used, len - used, "%s%s", used ? "." :
			    "", key);
			if (find_id_key(x, path, len))
				return true;
			path[used] = '\0';
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (find_id_key(x, path, len))
				return true;
	}
	return false;
}

/* A count: a non-negative integer at key of o. */
static bool
count_ok(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) >= 0;
}

static uint64_t
count_of(json_t *o, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(o, key));
}

/* The shape region_write relies on; the failing key in *bad. */
static bool
extract_ok(json_t *x, const char **bad)
{
	static const char *const counts[] = { "contacts", "repeat_contacts",
	    "referrals_12_months", "rereferrals_12_months" };
	json_t *cl = json_object_get(x, "caseloads"), *c;
	size_t i;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		if (!count_ok(x, counts[i]))
			return *bad = counts[i], false;
	if (!json_is_object(cl) || !count_ok(cl, "workers") ||
	    !count_ok(cl, "red") || count_of(cl, "red") > count_of(cl,
	    "workers"))
		return *bad = "caseloads", false;
	if (count_of(x, "repeat_contacts") > count_of(x, "contacts") ||
	    count_of(x, "rereferrals_12_months") > count_of(x,
	    "referrals_12_months"))
		return *bad = "counts (a part above its whole)", false;
	if (!json_is_array(json_object_get(x, "clocks")))
		return *bad = "clocks", false;
	json_array_foreach(json_object_get(x, "clocks"), i, c) {
		json_t *m = json_object_get(c, "median_working_days");

		if (!json_is_string(json_object_get(c, "clock")) ||
		    !count_ok(c, "stopped") || !count_ok(c, "within_limit") ||
		    count_of(c, "within_limit") > count_of(c, "stopped") ||
		    !(json_is_null(m) || json_is_number(m)))
			return *bad = "clocks", false;
	}
	return true;
}

int
region_add(struct region *rg, const char *text, const char *fallback,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *x = json_loads(text, JSON_REJECT_DUPLICATES, &je), *v;
	char path[256] = "", first[16];
	const char *name, *bad = NULL;
	int ret = -1;

	if (x == NULL) {
		rg_err(err, errlen, "not JSON (line %d: %s)", je.line, je.text);
		goto out;
	}
	if (find_id_key(x, path, sizeof(path))) {
		rg_err(err, errlen, "it holds a key that can carry a child, "
		    "worker or case id (%s): only the regional extract "
		    "(mashwatchctl report --month %s --format region) may "
		    "leave an authority", path, rg->month);
		goto out;
	}
	v = json_object_get(x, "format");
	if (!json_is_object(x) || !json_is_string(v) ||
	    strcmp(json_string_value(v), REGION_EXTRACT) != 0 ||
	    !json_is_integer(json_object_get(x, "version")) ||
	    json_integer_value(json_object_get(x, "version")) != 1) {
		rg_err(err, errlen, "not a regional extract (format \"%s\" "
		    "version 1)", REGION_EXTRACT);
		goto out;
	}
	snprintf(first, sizeof(first), "%s-01", rg->month);
	v = json_object_get(x, "first");
	if (!json_is_string(json_object_get(x, "kind")) ||
	    strcmp(json_string_value(json_object_get(x, "kind")), "month") ||
	    !json_is_string(v) || strcmp(json_string_value(v), first) != 0) {
		rg_err(err, errlen, "not the extract of the month %s "
		    "(kind \"month\", first \"%s\")", rg->month, first);
		goto out;
	}
	if (!extract_ok(x, &bad)) {
		rg_err(err, errlen, "not a regional extract: bad %s", bad);
		goto out;
	}
	v = json_object_get(x, "authority");
	name = json_is_string(v) && json_string_value(v)[0] ?
	    json_string_value(v) : fallback;
	if (!json_is_null(v) && !json_is_string(v)) {
		rg_err(err, errlen, "not a regional extract: bad authority");
		goto out;
	}
	for (size_t i = 0; i < rg->n; i++)
		if (strcmp(rg->a[i].name, name) == 0) {
			rg_err(err, errlen, "the authority \"%s\" is already "
			    "in the region", name);
			goto out;
		}
	rg->a = xreallocarray(rg->a, rg->n + 1, sizeof(*rg->a));
	rg->a[rg->n].name = xstrdup(name);
	rg->a[rg->n].x = x;
	rg->n++;
	x = NULL;
	ret = 0;
out:
	json_decref(x);
	return ret;
}

/* Clock c of extract x, or NULL. */
static json_t *
clock_of(json_t *x, const char *clock)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(x, "clocks"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "clock")),
		    clock) == 0)
			return c;
	return NULL;
}

/*
 * Disclosure control of a counted measure: one row per authority that
 * has it and the region's row, the columns num, den - num and den.
 */
static void
measure_protect(struct rg_measure *m, size_t n)
{
	size_t rows = 0, k = 0;
	uint64_t *v;
	enum disclosure_mark *mark;

	for (size_t i = 0; i < n; i++)
		rows += m->cell[i].has;
	v = xcalloc((rows + 1) * 3, sizeof(*v));
	mark = xcalloc((rows + 1) * 3, sizeof(*mark));
	for (size_t i = 0; i < n; i++) {
		const struct rg_cell *c = &m->cell[i];

		if (!c->has)
			continue;
		v[k * 3] = c->num;
		v[k * 3 + 1] = c->den - c->num;
		v[k * 3 + 2] = c->den;
		for (int j = 0; j < 3; j++)
			v[rows * 3 + j] += v[k * 3 + j];
		k++;
	}
	disclosure_suppress(v, rows + 1, 3, true, true, mark);
	k = 0;
	for (size_t i = 0; i <= n; i++) {
		struct rg_cell *c = i < n ? &m->cell[i] : &m->total;
		size_t r = i < n ? k : rows;

		if (i < n && !c->has)
			continue;
		c->c_num = mark[r * 3] != DM_SHOWN;
		c->c_den = mark[r * 3 + 2] != DM_SHOWN;
		/* A rate from a suppressed count is suppressed. */
		c->c_value = c->c_num || c->c_den || mark[r * 3 + 1] != DM_SHOWN;
		k += i < n;
	}
	free(v);
	free(mark);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Quartiles (type 7, as the report's medians) and ranks of what is shown. */
static void
measure_rank(struct rg_measure *m, size_t n)
{
	double *v = xcalloc(n ? n : 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (m->cell[i].has && !m->cell[i].c_value &&
		    !isnan(m->cell[i].value))
			v[k++] = m->cell[i].value;
	qsort(v, k, sizeof(*v), dbl_cmp);
	for (int j = 0; j < 3; j++) {
		double h = k ? (double)(k - 1) * (j + 1) / 4.0 : 0;
		size_t lo = (size_t)floor(h);

		m->q[j] = k == 0 ? NAN : lo + 1 < k ? v[lo] + (h - (double)lo) *
		    (v[lo + 1] - v[lo]) : v[lo];
	}
	for (size_t i = 0; i < n; i++) {
		struct rg_cell *c = &m->cell[i];

		if (!c->has || c->c_value || isnan(c->value))
			continue;
		c->rank = 1;
		for (size_t j = 0; j < k; j++)
			if (m->higher_better ? v[j] > c->value :
			    v[j] < c->value)
				c->rank++;
	}
	free(v);
}

static double
measure_value(const struct rg_measure *m, uint64_t num, uint64_t den)
{
	return m->kind == RGK_PER_10000 ? report_per_10000(num, den) :
	    report_share(num, den);
}

/* A counted measure: num and den of each extract by get(). */
static struct rg_measure *
measure_add(struct rg_measure **ms, size_t *nms, struct region *rg,
    const char *id, const char *label, enum rg_kind kind, bool higher,
    const char *num_name, const char *den_name)
{
	struct rg_measure *m;

	*ms = xreallocarray(*ms, *nms + 1, sizeof(**ms));
	m = &(*ms)[(*nms)++];
	memset(m, 0, sizeof(*m));
	m->id = xstrdup(id);
	m->label = xstrdup(label);
	m->kind = kind;
	m->higher_better = higher;
	m->num_name = num_name;
	m->den_name = den_name;
	m->cell = xcalloc(rg->n ? rg->n : 1, sizeof(*m->cell));
	return m;
}

static void
measure_counts_done(struct rg_measure *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m->cell[i].has) {
			m->cell[i].value = measure_value(m, m->cell[i].num,
			    m->cell[i].den);
			m->total.num += m->cell[i].num;
			m->total.den += m->cell[i].den;
		}
	m->total.has = true;
	measure_protect(m, n);
	m->total.value = measure_value(m, m->total.num, m->total.den);
	measure_rank(m, n);
}

/* Every measure, in the order of the benchmark. */
static struct rg_measure *
measures_make(struct region *rg, size_t *nms)
{
	struct rg_measure *ms = NULL, *m;
	const char **clocks = NULL;
	size_t nclocks = 0, i, j;
	json_t *c;
	char id[300], label[600];

	*nms = 0;
	/* The clocks of all extracts, in order of first appearance. */
	for (i = 0; i < rg->n; i++)
		json_array_foreach(json_object_get(rg->a[i].x, "clocks"), j,
		    c) {
			const char *name = json_string_value(
			    json_object_get(c, "clock"));
			size_t k;

			for (k = 0; k < nclocks; k++)
				if (strcmp(clocks[k], name) == 0)
					break;
			if (k == nclocks) {
				clocks = xreallocarray(clocks, nclocks + 1,
				    sizeof(*clocks));
				clocks[nclocks++] = name;
			}
		}
	for (size_t k = 0; k < nclocks; k++) {
		const char *lab = clocks[k];
		struct rg_measure *share;

		for (i = 0; i < rg->n; i++) {
			json_t *l = json_object_get(clock_of(rg->a[i].x,
			    clocks[k]), "label");

			if (json_is_string(l)) {
				lab = json_string_value(l);
				break;
			}
		}
		snprintf(id, sizeof(id), "share_within_limit.%s", clocks[k]);
		snprintf(label, sizeof(label), "%s: share within limit", lab);
		share = measure_add(&ms, nms, rg, id, label, RGK_SHARE, true,
		    "within_limit", "stopped");
		for (i = 0; i < rg->n; i++) {
			json_t *x = clock_of(rg->a[i].x, clocks[k]);

			if (x == NULL)
				continue;
			share->cell[i].has = true;
			share->cell[i].num = count_of(x, "within_limit");
			share->cell[i].den = count_of(x, "stopped");
		}
		measure_counts_done(share, rg->n);
		share = NULL;
		snprintf(id, sizeof(id), "median_working_days.%s", clocks[k]);
		snprintf(label, sizeof(label), "%s: median working days", lab);
		m = measure_add(&ms, nms, rg, id, label, RGK_MEDIAN, false,
		    NULL, "stopped");
		share = &ms[*nms - 2];
		for (i = 0; i < rg->n; i++) {
			json_t *x = clock_of(rg->a[i].x, clocks[k]);
			json_t *med = json_object_get(x, "median_working_days");

			if (x == NULL)
				continue;
			m->cell[i] = share->cell[i];
			m->cell[i].rank = 0;
			m->cell[i].value = json_is_number(med) ?
			    json_number_value(med) : NAN;
			/* A median of suppressed stops is suppressed. */
			m->cell[i].c_value = share->cell[i].c_den;
		}
		m->total = share->total;
		m->total.value = NAN;
		measure_rank(m, rg->n);
	}
	free(clocks);

	m = measure_add(&ms, nms, rg, "rereferral_rate", "Re-referrals "
	    "within 12 months of a referral (12 months to the month's end)",
	    RGK_SHARE, false, "rereferrals", "referrals");
	for (i = 0; i < rg->n; i++) {
		m->cell[i].has = true;
		m->cell[i].num = count_of(rg->a[i].x, "rereferrals_12_months");
		m->cell[i].den = count_of(rg->a[i].x, "referrals_12_months");
	}
	measure_counts_done(m, rg->n);
	m = measure_add(&ms, nms, rg, "repeat_contacts_per_10000",
	    "Repeat contacts per 10,000 contacts", RGK_PER_10000, false,
	    "repeat_contacts", "contacts");
	for (i = 0; i < rg->n; i++) {
		m->cell[i].has = true;
		m->cell[i].num = count_of(rg->a[i].x, "repeat_contacts");
		m->cell[i].den = count_of(rg->a[i].x, "contacts");
	}
	measure_counts_done(m, rg->n);
	m = measure_add(&ms, nms, rg, "caseloads_above_red",
	    "Workers with caseloads above red", RGK_SHARE, false,
	    "workers_above_red", "workers");
	for (i = 0; i < rg->n; i++) {
		json_t *cl = json_object_get(rg->a[i].x, "caseloads");

		m->cell[i].has = true;
		m->cell[i].num = count_of(cl, "red");
		m->cell[i].den = count_of(cl, "workers");
	}
	measure_counts_done(m, rg->n);
	return ms;
}

static void
measures_free(struct rg_measure *ms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ms[i].id);
		free(ms[i].label);
		free(ms[i].cell);
	}
	free(ms);
}

/*
 * A cell's count as shown: "c", the count, or a total rounded to 5; NULL
 * for none.  buf holds the text.
 */
static const char *
fmt_count(bool has, bool c, uint64_t v, bool total, char *buf, size_t len)
{
	if (!has)
		return NULL;
	if (c)
		return "c";
	snprintf(buf, len, "%llu", (unsigned long long)(total ?
	    disclosure_round(v) : v));
	return buf;
}

/* A value as text: a percentage, per 10,000 or working days. */
static const char *
fmt_value(const struct rg_measure *m, bool c, double v, bool csv, char *buf,
    size_t len)
{
	if (c)
		return "c";
	if (isnan(v))
		return csv ? "" : "\xe2\x80\x93";
	if (m->kind == RGK_SHARE)
		return csv ? (snprintf(buf, len, "%.4f", v), buf) :
		    report_format_share(v, buf, len);
	snprintf(buf, len, "%.1f", v);
	return buf;
}

static json_t *
json_count_cell(bool has, bool c, uint64_t v, bool total)
{
	if (!has)
		return json_null();
	if (c)
		return json_string("c");
	return json_integer((json_int_t)(total ? disclosure_round(v) : v));
}

static json_t *
json_value_cell(bool c, double v)
{
	if (c)
		return json_string("c");
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *
cell_json(const struct rg_measure *m, const struct rg_cell *c, bool region)
{
	json_t *o = json_object();

	json_object_set_new(o, "numerator", m->num_name == NULL ?
	    json_null() : json_count_cell(c->has, c->c_num, c->num, region));
	json_object_set_new(o, "denominator",
	    json_count_cell(c->has, c->c_den, c->den, true));
	json_object_set_new(o, "value", c->has ? json_value_cell(c->c_value,
	    c->value) : json_null());
	return o;
}

static int
write_json(const struct region *rg, const struct rg_measure *ms, size_t nms,
    FILE *fp)
{
	json_t *o = json_object(), *a = json_array(), *list = json_array();
	int ret;

	json_object_set_new(o, "format", json_string(REGION_TABLE));
	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "month", json_string(rg->month));
	for (size_t i = 0; i < rg->n; i++)
		json_array_append_new(a, json_string(rg->a[i].name));
	json_object_set_new(o, "authorities", a);
	for (size_t k = 0; k < nms; k++) {
		const struct rg_measure *m = &ms[k];
		json_t *x = json_object(), *cells = json_array(), *r;

		json_object_set_new(x, "measure", json_string(m->id));
		json_object_set_new(x, "label", json_string(m->label));
		json_object_set_new(x, "better", json_string(m->higher_better ?
		    "higher" : "lower"));
		json_object_set_new(x, "numerator", m->num_name ?
		    json_string(m->num_name) : json_null());
		json_object_set_new(x, "denominator",
		    json_string(m->den_name));
		json_object_set_new(x, "lower_quartile",
		    json_value_cell(false, m->q[0]));
		json_object_set_new(x, "median", json_value_cell(false,
		    m->q[1]));
		json_object_set_new(x, "upper_quartile",
		    json_value_cell(false, m->q[2]));
		for (size_t i = 0; i < rg->n; i++) {
			json_t *c = cell_json(m, &m->cell[i], false);

			json_object_set_new(c, "rank", m->cell[i].rank ?
			    json_integer((json_int_t)m->cell[i].rank) :
			    json_null());
			r = json_object();
			json_object_set_new(r, "authority",
			    json_string(rg->a[i].name));
			json_object_update(r, c);
			json_decref(c);
			json_array_append_new(cells, r);
		}
		json_object_set_new(x, "authorities", cells);
		json_object_set_new(x, "region", cell_json(m, &m->total, true));
		json_array_append_new(list, x);
	}
	json_object_set_new(o, "measures", list);
	ret = json_dumpf(o, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(10));
	json_decref(o);
	if (ret == 0)
		fputc('\n', fp);
	return ret;
}

static void
csv_row(FILE *fp, const char *month, const struct rg_measure *m,
    const char *who, const char *num, const char *den, const char *value,
    size_t rank)
{
	const char *f[] = { month, m->id, m->label, who, num ? num : "",
	    den ? den : "", value };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		report_csv_field(fp, f[i]);
		fputc(',', fp);
	}
	if (rank)
		fprintf(fp, "%zu", rank);
	fputs("\r\n", fp);
}

static void
write_csv(const struct region *rg, const struct rg_measure *ms, size_t nms,
    FILE *fp)
{
	static const char *const stats[3] = { "Region lower quartile",
	    "Region median", "Region upper quartile" };
	char a[32], b[32], v[32];

	fputs("month,measure,label,authority,numerator,denominator,value,"
	    "rank\r\n", fp);
	for (size_t k = 0; k < nms; k++) {
		const struct rg_measure *m = &ms[k];

		for (size_t i = 0; i <= rg->n; i++) {
			const struct rg_cell *c = i < rg->n ? &m->cell[i] :
			    &m->total;

			csv_row(fp, rg->month, m, i < rg->n ? rg->a[i].name :
			    "Region", m->num_name ? fmt_count(c->has, c->c_num,
			    c->num, i == rg->n, a, sizeof(a)) : NULL,
			    fmt_count(c->has, c->c_den, c->den, true, b,
			    sizeof(b)), c->has ? fmt_value(m, c->c_value,
			    c->value, true, v, sizeof(v)) : "", c->rank);
		}
		for (int j = 0; j < 3; j++)
			csv_row(fp, rg->month, m, stats[j], NULL, NULL,
			    fmt_value(m, false, m->q[j], true, v, sizeof(v)),
			    0);
	}
}

static void
html_cell(FILE *fp, const struct rg_measure *m, const struct rg_cell *c,
    bool region, size_t ranked)
{
	char a[32], b[32], v[32];
	const char *num, *den;

	fputs("<td style=\"padding:4px 8px;text-align:right\">", fp);
	if (!c->has) {
		fputs("\xe2\x80\x93</td>", fp);
		return;
	}
	report_html_escape(fp, fmt_value(m, c->c_value, c->value, false, v,
	    sizeof(v)));
	if (c->rank)
		fprintf(fp, "<br><small>rank %zu of %zu</small>", c->rank,
		    ranked);
	num = m->num_name ? fmt_count(true, c->c_num, c->num, region, a,
	    sizeof(a)) : NULL;
	den = fmt_count(true, c->c_den, c->den, true, b, sizeof(b));
	fputs("<br><small>", fp);
	if (num != NULL) {
		report_html_escape(fp, num);
		fputs(" of ", fp);
	}
	report_html_escape(fp, den);
	fprintf(fp, " %s</small></td>", m->den_name);
}

static void
write_html(const struct region *rg, const struct rg_measure *ms, size_t nms,
    FILE *fp)
{
	static const char *const stats[3] = { "Lower quartile", "Median",
	    "Upper quartile" };
	char v[32];

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>Regional benchmark ", fp);
	report_html_escape(fp, rg->month);
	fputs("</title></head>\n<body style=\"font-family:Arial,sans-serif;"
	    "color:#0b0c0c\">\n<h1>Regional benchmark: ", fp);
	report_html_escape(fp, rg->month);
	fputs("</h1>\n<p>c: a count from 1 to 5, or a figure suppressed so "
	    "that such a count cannot be worked out from the totals; totals "
	    "(what a count is \"of\", and the region's) are rounded to the "
	    "nearest 5, so a count may exceed its total; a rate or median "
	    "from a suppressed count is suppressed.  Rank 1 is the best of "
	    "the authorities shown.</p>\n"
	    "<table style=\"border-collapse:collapse\">\n<tr><th style=\""
	    "text-align:left\">Measure</th>", fp);
	for (size_t i = 0; i < rg->n; i++) {
		fputs("<th style=\"padding:4px 8px\">", fp);
		report_html_escape(fp, rg->a[i].name);
		fputs("</th>", fp);
	}
	fputs("<th style=\"padding:4px 8px\">Region</th>", fp);
	for (int j = 0; j < 3; j++)
		fprintf(fp, "<th style=\"padding:4px 8px\">%s</th>", stats[j]);
	fputs("</tr>\n", fp);
	for (size_t k = 0; k < nms; k++) {
		const struct rg_measure *m = &ms[k];
		size_t ranked = 0;

		for (size_t i = 0; i < rg->n; i++)
			ranked += m->cell[i].rank != 0;
		fputs("<tr style=\"border-top:1px solid #b1b4b6\"><td style=\""
		    "padding:4px 8px\">", fp);
		report_html_escape(fp, m->label);
		fprintf(fp, "<br><small>%s is better</small></td>",
		    m->higher_better ? "higher" : "lower");
		for (size_t i = 0; i < rg->n; i++)
			html_cell(fp, m, &m->cell[i], false, ranked);
		html_cell(fp, m, &m->total, true, ranked);
		for (int j = 0; j < 3; j++) {
			fputs("<td style=\"padding:4px 8px;text-align:right\">",
			    fp);
			report_html_escape(fp, fmt_value(m, false, m->q[j],
			    false, v, sizeof(v)));
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n</body></html>\n", fp);
}

int
region_write(struct region *rg, enum region_format f, FILE *fp)
{
	struct rg_measure *ms;
	size_t nms;
	int ret = -1;

	if (rg->n == 0)
		return -1;
	ms = measures_make(rg, &nms);
	if (f == RGF_JSON) {
		if (write_json(rg, ms, nms, fp) < 0)
			goto out;
	} else if (f == RGF_CSV)
		write_csv(rg, ms, nms, fp);
	else
		write_html(rg, ms, nms, fp);
	ret = ferror(fp) ? -1 : 0;
out:
	measures_free(ms, nms);
	return ret;
}

int
region_median_of(const char *text, const char *measure, double *out,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je), *m, *fmt;
	size_t i;
	int ret = -1;

	if (o == NULL) {
		rg_err(err, errlen, "not JSON (line %d: %s)", je.line, je.text);
		goto out;
	}
	fmt = json_object_get(o, "format");
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt),
	    REGION_TABLE) != 0) {
		rg_err(err, errlen, "not a regional benchmark (format \"%s\")",
		    REGION_TABLE);
		goto out;
	}
	json_array_foreach(json_object_get(o, "measures"), i, m) {
		json_t *id = json_object_get(m, "measure");
		json_t *med = json_object_get(m, "median");

		if (!json_is_string(id) || strcmp(json_string_value(id),
		    measure) != 0)
			continue;
		*out = json_is_number(med) ? json_number_value(med) : NAN;
		ret = 0;
		goto out;
	}
	rg_err(err, errlen, "no measure \"%s\"", measure);
out:
	json_decref(o);
	return ret;
}
