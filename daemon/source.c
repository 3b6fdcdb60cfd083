/*
 * The source reader (source.h): the statements that read mash.*, the
 * decoding of their COPY rows, and a blocking read for mashwatchctl.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/copytext.h"
#include "mashwatch/route.h"
#include "mashwatch/xmalloc.h"

#include "pg.h"
#include "source.h"

/*
 * Epoch seconds as text; a timestamp that is not finite keeps its own
 * text ('infinity', '-infinity'), which source_decode reads as TIME_BAD.
 * Never NULL for a value that is there: "infinity" is not "still open".
 */
#define EPOCH(col) \
	"CASE WHEN isfinite(" col ") THEN floor(extract(epoch FROM " col \
	"))::bigint::text ELSE " col "::text END"

/* A bound set by source_bounds_sql, read once per statement. */
#define BOUND(setting) "(SELECT to_timestamp(current_setting(" \
	"'mashwatch." setting "')::float8))"

static const char *const view_names[SOURCE_NVIEWS] = {
	"mash.events", "mash.clocks", "mash.checks", "mash.caseloads",
};

static const int view_fields[SOURCE_NVIEWS] = { 6, 8, 7, 3 };

static const char clock_cols[] = "clock, instance_id, child_id, team_id, "
    "worker_id, priority, " EPOCH("started_at") ", " EPOCH("stopped_at");
/* %s: "source", or NULL for a view without the optional column. */
static const char event_cols[] = "kind, event_id, child_id, team_id, "
    EPOCH("occurred_at") ", %s";
static const char check_cols[] = "check_name, instance_id, child_id, "
    "team_id, " EPOCH("occurred_at") ", passed, detail";

struct source {
	char	*sql[SOURCE_NVIEWS][SOURCE_NSCOPES];
	/* mash.events without its optional source column. */
	char	*events_plain[SOURCE_NSCOPES];
	bool	 has_event_source;
	char	*bounds_sql;
	char	*teams_sql;
};

/* The events statements, with the source column or NULL in its place. */
static void
source_events_sql(char **sql, const char *sc, const char *srccol)
{
	char *cols = xasprintf(event_cols, srccol);

	sql[SOURCE_CHANGED] = xasprintf("COPY (SELECT %s "
	    "FROM \"%s\".events WHERE updated_at > " BOUND("since")
	    ") TO STDOUT", cols, sc);
	sql[SOURCE_CURRENT] = xasprintf("COPY (SELECT %s "
	    "FROM \"%s\".events WHERE occurred_at IS NULL OR occurred_at > "
	    BOUND("events_since") " OR NOT isfinite(occurred_at)) TO STDOUT",
	    cols, sc);
	/* Grouped by child in byte order: see report_add_event. */
	sql[SOURCE_WINDOW] = xasprintf("COPY (SELECT %s "
	    "FROM \"%s\".events WHERE occurred_at < " BOUND("end") " AND "
	    "occurred_at >= " BOUND("events_since") " ORDER BY "
	    "child_id COLLATE \"C\", occurred_at, event_id COLLATE \"C\") "
	    "TO STDOUT", cols, sc);
	free(cols);
}

struct source *
source_new(const struct config *cfg)
{
	struct source *s = xcalloc(1, sizeof(*s));
	const char *sc = cfg->source.schema;

	/*
	 * The bounds are sub-selects so that PostgreSQL works them out once,
	 * not once per row: that alone halves the server's time for a load.
	 */
	s->sql[SOURCE_CLOCKS][SOURCE_CHANGED] = xasprintf("COPY (SELECT %s "
	    "FROM \"%s\".clocks WHERE updated_at > " BOUND("since")
	    ") TO STDOUT", clock_cols, sc);
	s->sql[SOURCE_CLOCKS][SOURCE_CURRENT] = xasprintf("COPY (SELECT %s "
	    "FROM \"%s\".clocks WHERE stopped_at IS NULL OR stopped_at > "
	    BOUND("clocks_since") " OR NOT isfinite(stopped_at)) TO STDOUT",
	    clock_cols, sc);
	s->sql[SOURCE_CLOCKS][SOURCE_WINDOW] = xasprintf("COPY (SELECT %s "
	    "FROM \"%s\".clocks WHERE (started_at < " BOUND("end") " OR "
	    "NOT isfinite(started_at)) AND (stopped_at IS NULL OR "
	    "stopped_at >= " BOUND("clocks_since") " OR started_at >= "
	    BOUND("clocks_since") " OR stopped_at < started_at OR "
	    "NOT isfinite(stopped_at)) ORDER BY clock COLLATE \"C\", "
	    "instance_id COLLATE \"C\") TO STDOUT", clock_cols, sc);

	source_events_sql(s->sql[SOURCE_EVENTS], sc, "source");
	source_events_sql(s->events_plain, sc, "NULL::text");

	s->sql[SOURCE_CHECKS][SOURCE_CHANGED] = xasprintf("COPY (SELECT %s "
	    "FROM \"%s\".checks WHERE updated_at > " BOUND("since")
	    ") TO STDOUT", check_cols, sc);
	s->sql[SOURCE_CHECKS][SOURCE_CURRENT] = xasprintf("COPY (SELECT %s "
	    "FROM \"%s\".checks WHERE passed IS NOT TRUE OR occurred_at IS "
	    "NULL OR occurred_at > " BOUND("checks_since") " OR NOT "
	    "isfinite(occurred_at)) TO STDOUT", check_cols, sc);
	s->sql[SOURCE_CHECKS][SOURCE_WINDOW] = xasprintf("COPY (SELECT %s "
	    "FROM \"%s\".checks WHERE occurred_at < " BOUND("end") " AND "
	    "occurred_at >= " BOUND("events_since") ") TO STDOUT",
	    check_cols, sc);

	/* Caseloads have no history: they are as of now, in every scope. */
	for (int k = 0; k < SOURCE_NSCOPES; k++)
		s->sql[SOURCE_CASELOADS][k] = xasprintf("COPY (SELECT "
		    "worker_id, team_id, open_cases FROM \"%s\".caseloads) "
		    "TO STDOUT", sc);
	s->teams_sql = xasprintf("SELECT team_id, name FROM \"%s\".teams", sc);
	/*
	 * Whether mash.events has its optional source column, asked with
	 * every pass's bounds (a site may add it while the daemon runs).
	 * The schema is an identifier (checked when the config loads).
	 */
	s->bounds_sql = xasprintf("SELECT set_config('mashwatch.since', $1, "
	    "false), set_config('mashwatch.clocks_since', $2, false), "
	    "set_config('mashwatch.events_since', $3, false), "
	    "set_config('mashwatch.checks_since', $4, false), "
	    "set_config('mashwatch.end', $5, false), "
	    "(extract(epoch FROM now()) * 1000000)::bigint, "
	    "EXISTS (SELECT 1 FROM pg_catalog.pg_attribute "
	    "WHERE attrelid = to_regclass('\"%s\".events') "
	    "AND attname = 'source' AND attnum > 0 AND NOT attisdropped)", sc);
	return s;
}

void
source_free(struct source *s)
{
	if (s == NULL)
		return;
	for (int v = 0; v < SOURCE_NVIEWS; v++)
		for (int k = 0; k < SOURCE_NSCOPES; k++)
			free(s->sql[v][k]);
	for (int k = 0; k < SOURCE_NSCOPES; k++)
		free(s->events_plain[k]);
	free(s->bounds_sql);
	free(s->teams_sql);
	free(s);
}

const char *
source_view_name(enum source_view v)
{
	return v < SOURCE_NVIEWS ? view_names[v] : "mash.?";
}

const char *
source_sql(const struct source *s, enum source_view v, enum source_scope sc)
{
	if (v == SOURCE_EVENTS && !s->has_event_source)
		return s->events_plain[sc];
	return s->sql[v][sc];
}

const char *
source_bounds_sql(const struct source *s)
{
	return s->bounds_sql;
}

void
source_bounds_result(struct source *s, const PGresult *res)
{
	s->has_event_source = PQntuples(res) == 1 &&
	    PQnfields(res) > SOURCE_NPARAMS + 1 &&
	    strcmp(PQgetvalue(res, 0, SOURCE_NPARAMS + 1), "t") == 0;
}

bool
source_has_event_source(const struct source *s)
{
	return s->has_event_source;
}

void
source_bounds_params(const struct source_bounds *b, struct source_params *p)
{
	snprintf(p->buf[0], sizeof(p->buf[0]), "%.6f", b->since);
	snprintf(p->buf[1], sizeof(p->buf[1]), "%" PRId64, b->clocks_since);
	snprintf(p->buf[2], sizeof(p->buf[2]), "%" PRId64, b->events_since);
	snprintf(p->buf[3], sizeof(p->buf[3]), "%" PRId64, b->checks_since);
	snprintf(p->buf[4], sizeof(p->buf[4]), "%" PRId64, b->end);
	for (int i = 0; i < SOURCE_NPARAMS; i++)
		p->params[i] = p->buf[i];
}

/* Epoch seconds; TIME_NONE for NULL, TIME_BAD for anything else. */
static int64_t
parse_epoch(const char *s)
{
	char *end;
	long long v;

	if (s == NULL)
		return TIME_NONE;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v == TIME_NONE ||
	    v == TIME_BAD)
		return TIME_BAD;
	return (int64_t)v;
}

int
source_decode(enum source_view v, char *line, size_t len,
    struct source_row *row)
{
	char *f[8];
	size_t lens[8];
	unsigned nuls;

	memset(row, 0, sizeof(*row));
	row->view = v;
	if (v >= SOURCE_NVIEWS ||
	    copytext_split(line, len, f, lens, view_fields[v], &nuls) < 0)
		return -1;
	/* An embedded NUL would cut a field short unseen: make it a finding. */
	for (int i = 0; nuls != 0; i++, nuls >>= 1)
		if (nuls & 1)
			f[i][0] = (char)0x80;	/* invalid UTF-8 */
	switch (v) {
	case SOURCE_CLOCKS:
		row->u.clock = (struct clock_row){
			.clock = f[0], .instance_id = f[1], .child_id = f[2],
			.team_id = f[3], .worker_id = f[4], .priority = f[5],
			.started_at = parse_epoch(f[6]),
			.stopped_at = parse_epoch(f[7]),
		};
		break;
	case SOURCE_EVENTS:
		row->u.event = (struct event_row){
			.kind = f[0], .event_id = f[1], .child_id = f[2],
			.team_id = f[3], .occurred_at = parse_epoch(f[4]),
			.source = f[5],
		};
		break;
	case SOURCE_CHECKS:
		row->u.check = (struct check_row){
			.check = f[0], .instance_id = f[1], .child_id = f[2],
			.team_id = f[3], .occurred_at = parse_epoch(f[4]),
			.passed = f[5] == NULL ? -1 : f[5][0] == 't',
			.detail = f[6],
		};
		break;
	case SOURCE_CASELOADS: {
		char *end;
		long n = f[2] == NULL ? -1 : strtol(f[2], &end, 10);
		if (f[2] != NULL && (*end != '\0' || n < 0))
			n = -1;
		row->u.caseload = (struct caseload_row){
			.worker_id = f[0], .team_id = f[1], .open_cases = n,
		};
		break;
	}
	default:
		return -1;
	}
	return 0;
}

/* One view, blocking: COPY out, decode, hand over. */
static int
source_read_view(PGconn *conn, const struct source *s, enum source_view v,
    enum source_scope sc, source_row_fn fn, void *arg, uint64_t *rows)
{
	struct source_row row;
	PGresult *res;
	char *buf, err[128];
	int n, ret = 0;

	res = PQexec(conn, source_sql(s, v, sc));
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		fprintf(stderr, "mashwatchctl: reading %s failed: %s\n",
		    source_view_name(v), pg_result_error(res, err,
		    sizeof(err)));
		PQclear(res);
		/* Drain whatever is left so the connection stays usable. */
		while ((res = PQgetResult(conn)) != NULL)
			PQclear(res);
		return -1;
	}
	PQclear(res);
	while ((n = PQgetCopyData(conn, &buf, 0)) > 0) {
		size_t len = (size_t)n;
		int ok;

		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		ok = source_decode(v, buf, len, &row) == 0;
		(*rows)++;
		if (ret == 0 && fn(arg, &row, ok) < 0)
			ret = -1;
		PQfreemem(buf);
	}
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			fprintf(stderr, "mashwatchctl: reading %s failed: "
			    "%s\n", source_view_name(v), pg_result_error(res,
			    err, sizeof(err)));
			ret = -1;
		}
		PQclear(res);
	}
	if (n == -2) {
		fprintf(stderr, "mashwatchctl: reading %s failed: the "
		    "connection was lost\n", source_view_name(v));
		ret = -1;
	}
	return ret;
}

int
source_read(PGconn *conn, struct source *s,
    const struct source_bounds *b, enum source_scope sc,
    const enum source_view *views, source_row_fn fn, void *arg,
    uint64_t *rows)
{
	struct source_params p;
	PGresult *res;
	char err[128];

	source_bounds_params(b, &p);
	res = PQexecParams(conn, source_bounds_sql(s), SOURCE_NPARAMS, NULL,
	    p.params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: cannot set the source bounds: "
		    "%s\n", pg_result_error(res, err, sizeof(err)));
		PQclear(res);
		return -1;
	}
	source_bounds_result(s, res);
	PQclear(res);
	for (; *views != SOURCE_NVIEWS; views++)
		if (source_read_view(conn, s, *views, sc, fn, arg, rows) < 0)
			return -1;
	return 0;
}

int
source_read_teams(PGconn *conn, const struct source *s,
    void (*fn)(void *arg, const char *team_id, const char *name), void *arg)
{
	PGresult *res;
	char err[128];
	int ret = -1;

	res = PQexec(conn, s->teams_sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: reading mash.teams failed: %s\n",
		    pg_result_error(res, err, sizeof(err)));
		goto out;
	}
	for (int i = 0; i < PQntuples(res); i++)
		if (!PQgetisnull(res, i, 0))
			fn(arg, PQgetvalue(res, i, 0), PQgetisnull(res, i, 1) ?
			    NULL : PQgetvalue(res, i, 1));
	ret = 0;
out:
	PQclear(res);
	return ret;
}

char *
source_routing_sql(const char *schema)
{
	/* The schema is a CONF_IDENT, validated at load: safe to interpolate. */
	return xasprintf("SELECT team_id, name, manager_email, "
	    "escalation_email FROM \"%s\".teams WHERE team_id IS NOT NULL "
	    "ORDER BY team_id", schema);
}

int
source_routing_decode(const PGresult *res,
    const struct address_domains *allowed, struct team_list *out)
{
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQnfields(res) != 4)
		return -1;
	for (int r = 0; r < PQntuples(res); r++)
		team_list_add(out, PQgetvalue(res, r, 0),
		    PQgetisnull(res, r, 1) ? NULL : PQgetvalue(res, r, 1),
		    PQgetisnull(res, r, 2) ? NULL : PQgetvalue(res, r, 2),
		    PQgetisnull(res, r, 3) ? NULL : PQgetvalue(res, r, 3),
		    allowed);
	return 0;
}
