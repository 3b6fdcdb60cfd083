/*
 * mashwatchctl check-source: does the source database meet the contract
 * (doc/contract.md)?  Structure first, from the catalogue: every view
 * present and readable, every column with the contract's type.  Then the
 * rows, read by the daemon's own poller, source reader and model
 * (once_load), so that invalid rows are judged by the one set of rules.
 *
 * Exit: 0 mashwatch can run on it, 65 the contract is broken (a view that
 * fails when read, the server still answering, included), 69 the source
 * cannot be reached.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "mashwatch/model.h"
#include "mashwatch/termtext.h"
#include "mashwatch/xmalloc.h"

#include "ctl.h"
#include "daemon/engine_clock.h"
#include "daemon/once.h"
#include "daemon/pg.h"
#include "daemon/setup.h"

/* The contract: every view and column mashwatch reads, with its type. */
static const struct contract_col {
	const char	*view;
	const char	*column;
	const char	*type;		/* as format_type() spells it */
	const char	*shown;		/* as the contract spells it */
	bool		 optional;	/* may be absent (read as NULL) */
} contract[] = {
	{ "clocks", "clock", "text", "text", false },
	{ "clocks", "instance_id", "text", "text", false },
	{ "clocks", "child_id", "text", "text", false },
	{ "clocks", "team_id", "text", "text", false },
	{ "clocks", "worker_id", "text", "text", false },
	{ "clocks", "priority", "text", "text", false },
	{ "clocks", "started_at", "timestamp with time zone", "timestamptz", false },
	{ "clocks", "stopped_at", "timestamp with time zone", "timestamptz", false },
	{ "clocks", "updated_at", "timestamp with time zone", "timestamptz", false },
	{ "events", "kind", "text", "text", false },
	{ "events", "event_id", "text", "text", false },
	{ "events", "child_id", "text", "text", false },
	{ "events", "team_id", "text", "text", false },
	{ "events", "occurred_at", "timestamp with time zone", "timestamptz", false },
	{ "events", "updated_at", "timestamp with time zone", "timestamptz", false },
	{ "events", "source", "text", "text", true },
	{ "checks", "check_name", "text", "text", false },
	{ "checks", "instance_id", "text", "text", false },
	{ "checks", "child_id", "text", "text", false },
	{ "checks", "team_id", "text", "text", false },
	{ "checks", "occurred_at", "timestamp with time zone", "timestamptz", false },
	{ "checks", "passed", "boolean", "boolean", false },
	{ "checks", "detail", "text", "text", false },
	{ "checks", "updated_at", "timestamp with time zone", "timestamptz", false },
	{ "caseloads", "worker_id", "text", "text", false },
	{ "caseloads", "team_id", "text", "text", false },
	{ "caseloads", "open_cases", "integer", "integer", false },
	{ "teams", "team_id", "text", "text", false },
	{ "teams", "name", "text", "text", false },
	{ "teams", "manager_email", "text", "text", false },
	{ "teams", "escalation_email", "text", "text", false },
};
#define NCONTRACT (sizeof(contract) / sizeof(contract[0]))

static const char *const views[] = {
	"clocks", "events", "checks", "caseloads", "teams",
};
#define NVIEWS (sizeof(views) / sizeof(views[0]))
/* The views the poller reads by updated_at: views[0..NPOLLED). */
#define NPOLLED	3

/* A clock row later than this is "in the future" for updated_at too. */
#define FUTURE_SLACK	MODEL_FUTURE_SLACK

struct view_result {
	bool	 present;
	bool	 readable;
	bool	 columns_ok;
	char	 sqlstate[6];
	bool	 counted;		/* rows is known */
	long long rows;
	char	*newest;		/* max(updated_at), text, or NULL */
	double	 newest_age;		/* seconds; < 0 when unknown */
	long long null_updated;
	long long future_updated;
};

struct check {
	const struct config	*cfg;
	const struct calendar	*cal;
	const char		*schema;
	PGconn			*conn;
	bool			 broken;	/* the contract is not met */
	struct view_result	 v[NVIEWS];
	json_t			*problems;	/* [{view, column, problem}] */
	/* [{clock, priority, rows, loaded, open, problem}]: see tally_clock */
	json_t			*clocks;
	json_t			*unknown;	/* [text] warnings about names */
	json_t			*unused;	/* configured clocks with no rows */
	json_t			*invalid;	/* {source: {reason: n}} */
	struct model_counts	 counts;
	bool			 loaded;
	bool			 incremental;
	json_t			*incremental_why;
};

static void __attribute__((format(printf, 4, 5)))
problem(struct check *c, const char *view, const char *column,
    const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(c->problems, json_pack("{s:s,s:s?,s:s}",
	    "view", view, "column", column, "problem", buf));
	c->broken = true;
}

/* Which view is views[i]'s, or -1. */
static int
view_index(const char *name)
{
	for (size_t i = 0; i < NVIEWS; i++)
		if (strcmp(views[i], name) == 0)
			return (int)i;
	return -1;
}

/* Columns of one relation, from the catalogue: name, type. */
static void
check_columns(struct check *c, int vi)
{
	const char *params[2] = { c->schema, views[vi] };
	struct view_result *vr = &c->v[vi];
	PGresult *res;
	char *sql;

	res = PQexecParams(c->conn, "SELECT a.attname, "
	    "format_type(a.atttypid, a.atttypmod), "
	    "has_schema_privilege(n.oid, 'USAGE') "
	    "AND has_table_privilege(cl.oid, 'SELECT') "
	    "FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace "
	    "LEFT JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0 "
	    "AND NOT a.attisdropped "
	    "WHERE n.nspname = $1 AND cl.relname = $2 "
	    "AND cl.relkind IN ('v', 'r', 'm', 'f', 'p')",
	    2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(vr->sqlstate, sizeof(vr->sqlstate), "%s",
		    PQresultErrorField(res, PG_DIAG_SQLSTATE) ?
		    PQresultErrorField(res, PG_DIAG_SQLSTATE) : "?????");
		problem(c, views[vi], NULL, "cannot read the catalogue "
		    "(SQLSTATE %s)", vr->sqlstate);
		PQclear(res);
		return;
	}
	if (PQntuples(res) == 0) {
		problem(c, views[vi], NULL, "missing: no view %s.%s", c->schema,
		    views[vi]);
		PQclear(res);
		return;
	}
	vr->present = true;
	vr->columns_ok = true;
	for (size_t k = 0; k < NCONTRACT; k++) {
		const struct contract_col *cc = &contract[k];
		int found = -1;

		if (strcmp(cc->view, views[vi]) != 0)
			continue;
		for (int r = 0; r < PQntuples(res); r++)
			if (!PQgetisnull(res, r, 0) &&
			    strcmp(PQgetvalue(res, r, 0), cc->column) == 0)
				found = r;
		if (found < 0 && cc->optional)
			continue;
		if (found < 0) {
			problem(c, views[vi], cc->column,
			    "missing column (the contract: %s)", cc->shown);
			vr->columns_ok = false;
		} else if (strcmp(PQgetvalue(res, found, 1), cc->type) != 0) {
			problem(c, views[vi], cc->column,
			    "type %s, the contract says %s",
			    PQgetvalue(res, found, 1), cc->shown);
			vr->columns_ok = false;
		}
	}
	PQclear(res);

	/*
	 * Readable: the privileges, then a real read, which also finds a view
	 * whose own query fails (its owner lost a table, a bad cast).  Only
	 * the SQLSTATE is shown: a message can quote a row's values.
	 */
	sql = xasprintf("SELECT count(*) FROM \"%s\".\"%s\"", c->schema,
	    views[vi]);
	res = PQexec(c->conn, sql);
	free(sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		snprintf(vr->sqlstate, sizeof(vr->sqlstate), "%s",
		    st ? st : "?????");
		problem(c, views[vi], NULL, "not readable: %s (SQLSTATE %s)",
		    strcmp(vr->sqlstate, "42501") == 0 ? "permission denied" :
		    "reading it fails", vr->sqlstate);
	} else {
		vr->readable = vr->counted = true;
		vr->rows = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	}
	PQclear(res);
}

/* Which view is the source reader's v, or -1. */
static int
source_view_index(enum source_view v)
{
	switch (v) {
	case SOURCE_CLOCKS:
		return view_index("clocks");
	case SOURCE_EVENTS:
		return view_index("events");
	case SOURCE_CHECKS:
		return view_index("checks");
	case SOURCE_CASELOADS:
		return view_index("caseloads");
	default:
		return -1;
	}
}

static bool
has_column(const char *view, const char *column)
{
	for (size_t k = 0; k < NCONTRACT; k++)
		if (strcmp(contract[k].view, view) == 0 &&
		    strcmp(contract[k].column, column) == 0)
			return true;
	return false;
}

/* How fresh each polled view is, and whether polling can be incremental. */
static void
check_freshness(struct check *c)
{
	c->incremental = true;
	c->incremental_why = json_array();
	for (int vi = 0; vi < NPOLLED; vi++) {
		struct view_result *vr = &c->v[vi];
		char *sql, why[160];
		PGresult *res;

		if (!vr->readable || !vr->columns_ok || !has_column(views[vi],
		    "updated_at")) {
			c->incremental = false;
			snprintf(why, sizeof(why), "mash.%s does not meet the "
			    "contract", views[vi]);
			json_array_append_new(c->incremental_why,
			    json_string(why));
			continue;
		}
		sql = xasprintf("SELECT floor(extract(epoch FROM "
		    "max(updated_at)))::bigint, "
		    "extract(epoch FROM now() - max(updated_at))::float8, "
		    "count(*) FILTER (WHERE updated_at IS NULL), "
		    "count(*) FILTER (WHERE updated_at > now() + "
		    "make_interval(secs => %d)) FROM \"%s\".\"%s\"",
		    FUTURE_SLACK, c->schema, views[vi]);
		res = PQexec(c->conn, sql);
		free(sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			c->incremental = false;
			snprintf(why, sizeof(why), "mash.%s: updated_at cannot "
			    "be read (SQLSTATE %s)", views[vi],
			    PQresultErrorField(res, PG_DIAG_SQLSTATE) ?
			    PQresultErrorField(res, PG_DIAG_SQLSTATE) : "?????");
			json_array_append_new(c->incremental_why,
			    json_string(why));
			PQclear(res);
			continue;
		}
		if (!PQgetisnull(res, 0, 0)) {
			char iso[40];

			calendar_format_iso(c->cal, strtoll(PQgetvalue(res, 0,
			    0), NULL, 10), iso, sizeof(iso));
			vr->newest = xstrdup(iso);
		}
		vr->newest_age = PQgetisnull(res, 0, 1) ? -1 :
		    strtod(PQgetvalue(res, 0, 1), NULL);
		vr->null_updated = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		vr->future_updated = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
		PQclear(res);
		if (vr->null_updated > 0) {
			c->incremental = false;
			snprintf(why, sizeof(why), "mash.%s: %lld rows with no "
			    "updated_at are never polled", views[vi],
			    vr->null_updated);
			json_array_append_new(c->incremental_why,
			    json_string(why));
		}
		if (vr->future_updated > 0) {
			c->incremental = false;
			snprintf(why, sizeof(why), "mash.%s: %lld rows with "
			    "updated_at in the future are polled again and "
			    "again", views[vi], vr->future_updated);
			json_array_append_new(c->incremental_why,
			    json_string(why));
		}
	}
}

/*
 * Rows in mash.clocks per clock and priority, every row counted, and the
 * names the config does not know.  How many of them the daemon times,
 * and how many are open, come from its own reader (tally_clocks).
 */
static void
check_clock_names(struct check *c)
{
	char *sql;
	PGresult *res;

	if (!c->v[0].readable || !c->v[0].columns_ok)
		return;
	sql = xasprintf("SELECT clock, priority, count(*) FROM \"%s\".clocks "
	    "GROUP BY 1, 2 ORDER BY 1, 2", c->schema);
	res = PQexec(c->conn, sql);
	free(sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return;
	}
	for (int r = 0; r < PQntuples(res); r++) {
		const char *clock = PQgetisnull(res, r, 0) ? NULL :
		    PQgetvalue(res, r, 0);
		const char *prio = PQgetisnull(res, r, 1) ? NULL :
		    PQgetvalue(res, r, 1);
		const struct clock_conf *cc = clock ? config_clock(c->cfg,
		    clock) : NULL;
		const char *known = cc == NULL ? "unknown clock" :
		    config_clock_limit(cc, prio) == NULL ? "unknown priority" :
		    NULL;
		char why[200];

		json_array_append_new(c->clocks, json_pack(
		    "{s:s?,s:s?,s:I,s:n,s:n,s:s?}", "clock", clock,
		    "priority", prio,
		    "rows", (json_int_t)strtoll(PQgetvalue(res, r, 2), NULL, 10),
		    "loaded", "open", "problem", known));
		if (known != NULL) {
			snprintf(why, sizeof(why), "%s: clock %.60s%s%.60s%s "
			    "is not in the config", known, clock ? clock :
			    "(null)", prio ? " priority " : "", prio ? prio : "",
			    "");
			json_array_append_new(c->unknown, json_string(why));
		}
	}
	for (size_t i = 0; i < c->cfg->nclocks; i++) {
		bool seen = false;

		for (int r = 0; r < PQntuples(res); r++)
			if (!PQgetisnull(res, r, 0) && strcmp(PQgetvalue(res,
			    r, 0), c->cfg->clocks[i].name) == 0)
				seen = true;
		if (!seen)
			json_array_append_new(c->unused,
			    json_string(c->cfg->clocks[i].name));
	}
	PQclear(res);
}

static void
count_invalid(void *arg, const struct invalid_view *v)
{
	json_t *by = arg, *src;
	json_int_t n;

	if ((src = json_object_get(by, v->source)) == NULL) {
		src = json_object();
		json_object_set_new(by, v->source, src);
	}
	n = json_integer_value(json_object_get(src, v->reason));
	json_object_set_new(src, v->reason, json_integer(n + 1));
}

static bool
same_name(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/*
 * One clock instance the daemon holds (valid, open or stopped in the last
 * 28 days), counted on its (clock, priority) line: "loaded", and "open"
 * as the daemon judges it, so that the table adds up to "loaded as the
 * daemon would".
 */
static void
tally_clock(void *arg, const struct clock_view *cv)
{
	struct check *c = arg;
	json_t *e = NULL;
	size_t i;

	json_array_foreach(c->clocks, i, e)
		if (same_name(json_string_value(json_object_get(e, "clock")),
		    cv->clock->name) && same_name(json_string_value(
		    json_object_get(e, "priority")), cv->priority))
			break;
	if (i == json_array_size(c->clocks)) {
		/* A row that came after the count: no count of its own. */
		e = json_pack("{s:s,s:s?,s:n,s:I,s:I,s:n}", "clock",
		    cv->clock->name, "priority", cv->priority, "rows",
		    "loaded", (json_int_t)0, "open", (json_int_t)0, "problem");
		json_array_append_new(c->clocks, e);
	}
	json_object_set_new(e, "loaded", json_integer(json_integer_value(
	    json_object_get(e, "loaded")) + 1));
	if (cv->state <= CS_ESCALATED)
		json_object_set_new(e, "open", json_integer(json_integer_value(
		    json_object_get(e, "open")) + 1));
}

static void
tally_clocks(struct check *c, const struct model *m, int64_t now)
{
	size_t i;
	json_t *e;

	json_array_foreach(c->clocks, i, e) {
		json_object_set_new(e, "loaded", json_integer(0));
		json_object_set_new(e, "open", json_integer(0));
	}
	model_foreach_clock(m, now, false, tally_clock, c);
}

/*
 * The one place check-source reads rows: once_load(), the daemon's poller
 * and source reader (source.c) judged by the live daemon's rules, as of
 * now, so that what it counts as invalid is what the daemon would.
 */
static int
check_read_rows(struct check *c, const struct calendar *cal)
{
	struct model *m = model_new(c->cfg, cal, false);
	int64_t now = engine_now();
	struct poll_stats st;
	int rc, vi;

	model_set_live_rules(m, true);
	rc = once_load(c->cfg, m, now, &st);
	if (rc == EX_OK) {
		model_foreach_invalid(m, count_invalid, c->invalid);
		model_counts(m, now, &c->counts);
		tally_clocks(c, m, now);
		c->loaded = true;
	} else if (st.refused && (vi = source_view_index(st.refused_view)) >=
	    0) {
		/*
		 * The server answered, and refused the view: the mapping
		 * fails on some row (a cast, a constraint).  That is the
		 * contract broken, not the source out of reach.  Its message
		 * can quote the row, so only the SQLSTATE.
		 */
		c->v[vi].readable = false;
		memcpy(c->v[vi].sqlstate, st.refused_sqlstate, 6);
		problem(c, views[vi], NULL, "fails when the daemon reads it: "
		    "SQLSTATE %s (%s)", st.refused_sqlstate,
		    pg_sqlstate_name(st.refused_sqlstate));
		rc = EX_OK;
	}
	model_free(m);
	return rc;
}

static json_t *
report_json(const struct check *c)
{
	json_t *o = json_object(), *vs = json_array(), *inv = json_array();
	const char *src, *reason;
	json_t *by, *n;

	for (size_t i = 0; i < NVIEWS; i++) {
		const struct view_result *vr = &c->v[i];
		json_t *v = json_pack("{s:s,s:b,s:b,s:b}", "view", views[i],
		    "present", vr->present, "readable", vr->readable,
		    "columns_ok", vr->columns_ok);

		if (vr->counted)
			json_object_set_new(v, "rows", json_integer(vr->rows));
		if (i < NPOLLED && vr->readable && vr->columns_ok) {
			json_object_set_new(v, "newest_updated_at",
			    vr->newest ? json_string(vr->newest) : json_null());
			json_object_set_new(v, "newest_age_seconds",
			    vr->newest_age >= 0 ?
			    json_integer((json_int_t)vr->newest_age) :
			    json_null());
		}
		json_array_append_new(vs, v);
	}
	json_object_foreach(c->invalid, src, by)
		json_object_foreach(by, reason, n)
			json_array_append_new(inv, json_pack("{s:s,s:s,s:O}",
			    "source", src, "reason", reason, "rows", n));
	json_object_set_new(o, "schema", json_string(c->schema));
	json_object_set_new(o, "ok", json_boolean(!c->broken));
	json_object_set_new(o, "views", vs);
	json_object_set_new(o, "problems", json_incref(c->problems));
	json_object_set_new(o, "clocks", json_incref(c->clocks));
	json_object_set_new(o, "unknown_names", json_incref(c->unknown));
	json_object_set_new(o, "configured_clocks_without_rows",
	    json_incref(c->unused));
	if (c->loaded) {
		json_object_set_new(o, "invalid", inv);
		json_object_set_new(o, "loaded", json_pack("{s:I,s:I,s:I}",
		    "clocks", (json_int_t)c->counts.clocks,
		    "open", (json_int_t)c->counts.open,
		    "overdue", (json_int_t)c->counts.overdue));
	} else {
		json_decref(inv);
		json_object_set_new(o, "invalid", json_null());
		json_object_set_new(o, "loaded", json_null());
	}
	json_object_set_new(o, "incremental", json_boolean(c->incremental));
	json_object_set_new(o, "incremental_problems",
	    json_incref(c->incremental_why));
	json_object_set_new(o, "listen", json_string(c->cfg->source.listen));
	return o;
}

static void
age_text(double s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 120)
		snprintf(buf, len, "%.0f s ago", s);
	else if (s < 7200)
		snprintf(buf, len, "%.0f min ago", s / 60);
	else if (s < 2 * 86400)
		snprintf(buf, len, "%.1f hours ago", s / 3600);
	else
		snprintf(buf, len, "%.1f days ago", s / 86400);
}

static void report_text(const struct check *, FILE *);

/*
 * The text report on stdout, its control characters escaped (line breaks
 * aside): clock and priority names, and the problems quoting them, come
 * from the source's rows and must not drive the operator's terminal.
 */
static void
report_print(const struct check *c)
{
	char *buf = NULL, *safe;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	if (mem == NULL) {
		report_text(c, stdout);
		return;
	}
	report_text(c, mem);
	fclose(mem);
	safe = termtext_escape_lines(buf);
	fputs(safe, stdout);
	free(safe);
	free(buf);
}

static void
report_text(const struct check *c, FILE *fp)
{
	size_t i;
	json_t *v, *by, *n;
	const char *src, *reason;
	char age[40];

	fprintf(fp, "source contract: schema %s\n\n", c->schema);
	fprintf(fp, "%-10s %-8s %-9s %-8s %10s  %-26s %s\n", "view",
	    "present", "readable", "columns", "rows", "newest updated_at",
	    "age");
	for (i = 0; i < NVIEWS; i++) {
		const struct view_result *vr = &c->v[i];
		char rows[24] = "-";

		if (vr->counted)
			snprintf(rows, sizeof(rows), "%lld", vr->rows);
		age_text(i < NPOLLED && vr->newest ? vr->newest_age : -1,
		    age, sizeof(age));
		fprintf(fp, "%-10s %-8s %-9s %-8s %10s  %-26s %s\n", views[i],
		    vr->present ? "yes" : "NO", vr->present ? (vr->readable ?
		    "yes" : "NO") : "-", vr->present ? (vr->columns_ok ? "ok" :
		    "WRONG") : "-", rows, i < NPOLLED && vr->newest ?
		    vr->newest : "-", i < NPOLLED ? age : "");
	}
	if (json_array_size(c->problems) > 0) {
		fprintf(fp, "\ncontract problems:\n");
		json_array_foreach(c->problems, i, v) {
			const char *col = json_string_value(json_object_get(v,
			    "column"));
			fprintf(fp, "  %s.%s%s%s: %s\n", c->schema,
			    json_string_value(json_object_get(v, "view")),
			    col ? "." : "", col ? col : "",
			    json_string_value(json_object_get(v, "problem")));
		}
	}
	if (json_array_size(c->clocks) > 0) {
		fprintf(fp, "\n%-26s %-12s %10s %10s %10s  %s\n", "clock",
		    "priority", "in view", "loaded", "open", "");
		json_array_foreach(c->clocks, i, v) {
			const char *cl = json_string_value(json_object_get(v,
			    "clock"));
			const char *pr = json_string_value(json_object_get(v,
			    "priority"));
			const char *pb = json_string_value(json_object_get(v,
			    "problem"));
			char num[3][24];
			const char *k[3] = { "rows", "loaded", "open" };

			for (int j = 0; j < 3; j++) {
				json_t *x = json_object_get(v, k[j]);
				if (json_is_integer(x))
					snprintf(num[j], sizeof(num[j]), "%"
					    JSON_INTEGER_FORMAT,
					    json_integer_value(x));
				else
					snprintf(num[j], sizeof(num[j]), "-");
			}
			fprintf(fp, "%-26.60s %-12.60s %10s %10s %10s  %s\n",
			    cl ? cl : "(null)", pr ? pr : "-", num[0], num[1],
			    num[2], pb ? pb : "");
		}
		fprintf(fp, "(in view: every row of %s.clocks, invalid and "
		    "long-stopped ones included;\n loaded and open: the rows "
		    "the daemon times, by its own reader and rules)\n",
		    c->schema);
	}
	if (json_array_size(c->unused) > 0) {
		fprintf(fp, "\nconfigured clocks with no rows:");
		json_array_foreach(c->unused, i, v)
			fprintf(fp, " %s", json_string_value(v));
		fprintf(fp, "\n");
	}
	if (json_array_size(c->unknown) > 0) {
		fprintf(fp, "\nnames the config does not know (a row of an "
		    "unknown clock is not timed; one of an unknown priority is "
		    "timed on its clock's default limit; both are data-quality "
		    "findings):\n");
		json_array_foreach(c->unknown, i, v)
			fprintf(fp, "  %s\n", json_string_value(v));
	}
	if (c->loaded) {
		fprintf(fp, "\nloaded as the daemon would: %zu clock instances "
		    "(open or stopped in the last 28 days), %zu open, %zu "
		    "overdue\n", c->counts.clocks, c->counts.open,
		    c->counts.overdue);
		if (json_object_size(c->invalid) == 0)
			fprintf(fp, "invalid rows: none\n");
		else {
			fprintf(fp, "invalid rows, by reason:\n");
			json_object_foreach(c->invalid, src, by)
				json_object_foreach(by, reason, n)
					fprintf(fp, "  %-12s %8" JSON_INTEGER_FORMAT
					    "  %s\n", src,
					    json_integer_value(n), reason);
		}
	} else
		fprintf(fp, "\nrows not loaded: the polled views do not meet "
		    "the contract\n");
	fprintf(fp, "\nincremental polling: %s\n", c->incremental ? "yes (by "
	    "updated_at)" : "NO: every poll would miss or repeat rows");
	json_array_foreach(c->incremental_why, i, v)
		fprintf(fp, "  %s\n", json_string_value(v));
	if (c->cfg->source.listen[0] != '\0')
		fprintf(fp, "LISTEN channel: %s (a NOTIFY on it wakes the "
		    "daemon; without one it polls every %d s)\n",
		    c->cfg->source.listen, c->cfg->source.poll_interval);
	fprintf(fp, "\n%s\n", c->broken ? "the contract is NOT met" :
	    "mashwatch can run on this source");
}

int
ctl_check_source(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct check c = { .cfg = ctl->cfg, .cal = ctl->cal,
	    .schema = ctl->cfg->source.schema };
	bool json = false;
	int ch, rc = EX_UNAVAILABLE;
	size_t i;

	while ((ch = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "text") != 0)
				return ctl_usage(ctl->command, EX_USAGE);
			break;
		case 'h':
			return ctl_usage(ctl->command, EX_OK);
		default:
			return ctl_usage(ctl->command, EX_USAGE);
		}
	}
	if (optind != argc)
		return ctl_usage(ctl->command, EX_USAGE);
	if ((c.conn = setup_connect(ctl->cfg->source.conninfo, "source")) ==
	    NULL)
		return EX_UNAVAILABLE;
	c.problems = json_array();
	c.clocks = json_array();
	c.unknown = json_array();
	c.unused = json_array();
	c.invalid = json_object();
	for (i = 0; i < NVIEWS; i++)
		check_columns(&c, (int)i);
	if (PQstatus(c.conn) != CONNECTION_OK)
		goto out;
	check_clock_names(&c);
	check_freshness(&c);
	if (c.v[view_index("clocks")].columns_ok &&
	    c.v[view_index("events")].columns_ok &&
	    c.v[view_index("checks")].columns_ok &&
	    c.v[view_index("clocks")].readable &&
	    c.v[view_index("events")].readable &&
	    c.v[view_index("checks")].readable &&
	    check_read_rows(&c, ctl->cal) != EX_OK)
		goto out;
	if (json) {
		json_t *o = report_json(&c);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
		json_decref(o);
	} else
		report_print(&c);
	rc = c.broken ? EX_DATAERR : EX_OK;
out:
	if (rc == EX_UNAVAILABLE)
		fprintf(stderr, "mashwatchctl: check-source: the source "
		    "database stopped answering\n");
	for (i = 0; i < NVIEWS; i++)
		free(c.v[i].newest);
	json_decref(c.problems);
	json_decref(c.clocks);
	json_decref(c.unknown);
	json_decref(c.unused);
	json_decref(c.invalid);
	json_decref(c.incremental_why);
	PQfinish(c.conn);
	return rc;
}
