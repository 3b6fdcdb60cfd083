/*
 * The source reader: the one module that reads the mash views and turns
 * their rows into the model's records (doc/contract.md).  The
 * poller (mashwatchd and --once), mashwatchctl report and check-source all
 * read through it, so that no two readers of a view can disagree.
 *
 * Contract
 *
 *   - Every statement that reads mash.* is built here, once per
 *     configuration, from constant texts and source.schema (validated as an
 *     identifier when the config loads).  Bounds are not in the texts: they
 *     are set per session with source_bounds_sql() and its parameters, so
 *     nothing is ever built from data.
 *   - Rows arrive as COPY text and are decoded by source_decode() into
 *     struct clock_row, event_row, check_row or caseload_row.  Timestamps
 *     are epoch seconds; NULL is TIME_NONE; a value that is not finite
 *     ('infinity', '-infinity') is TIME_BAD.  Strings point into the line
 *     and live as long as it does.
 *   - Decoding never judges a row.  The validity rules are
 *     model_judge_clock() (and the model's rules for events and checks):
 *     the caller applies them, the same ones everywhere.
 *   - Errors are reported by SQLSTATE, condition name and view, never with
 *     PostgreSQL's message, detail or context (they can quote row values).
 */
#ifndef MASHWATCH_SOURCE_H
#define MASHWATCH_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "mashwatch/config.h"
#include "mashwatch/model.h"

/* The views, in the order a pass reads them (events first: see poller.c). */
enum source_view {
	SOURCE_EVENTS,
	SOURCE_CLOCKS,
	SOURCE_CHECKS,
	SOURCE_CASELOADS,
	SOURCE_NVIEWS
};

/* Which rows of a view a statement reads. */
enum source_scope {
	/* Rows updated since the watermark (less its overlap). */
	SOURCE_CHANGED,
	/*
	 * Everything still of interest at "now": clocks open or stopped
	 * since clocks_since, events since events_since, checks failing or
	 * since checks_since, every caseload.
	 */
	SOURCE_CURRENT,
	/*
	 * A report's window: clocks started before end and open or stopped
	 * since clocks_since, in (clock, instance_id) order so that a
	 * duplicate follows its twin; events and checks in [since, end),
	 * events in child order (report_add_event needs them grouped); every
	 * caseload.
	 */
	SOURCE_WINDOW,
	SOURCE_NSCOPES
};

/* One row of mash.caseloads. */
struct caseload_row {
	const char	*worker_id;
	const char	*team_id;
	long		 open_cases;	/* -1 if NULL or not a number */
};

/* A decoded row: view says which member is set. */
struct source_row {
	enum source_view	 view;
	union {
		struct clock_row	clock;
		struct event_row	event;
		struct check_row	check;
		struct caseload_row	caseload;
	} u;
};

/* The bounds a session's statements read (seconds since the epoch). */
struct source_bounds {
	double	 since;		/* SOURCE_CHANGED: updated_at after this */
	int64_t	 clocks_since;	/* SOURCE_CURRENT, SOURCE_WINDOW */
	int64_t	 events_since;	/* SOURCE_CURRENT, and since for WINDOW */
	int64_t	 checks_since;	/* SOURCE_CURRENT */
	int64_t	 end;		/* SOURCE_WINDOW: exclusive upper bound */
};

struct source;

/* The statements for cfg's schema; cfg is borrowed only during the call. */
struct source *source_new(const struct config *cfg);
void source_free(struct source *s);

/* "mash.clocks" for SOURCE_CLOCKS: the view's name for messages. */
const char *source_view_name(enum source_view v);

/*
 * The COPY ... TO STDOUT statement for a view and scope, owned by s.
 * Its bounds come from the session (source_bounds_sql).
 */
const char *source_sql(const struct source *s, enum source_view v,
    enum source_scope sc);

/*
 * One statement setting every bound for the session, and its parameters:
 * params (SOURCE_NPARAMS pointers) point into buf, which b fills.  The
 * statement (owned by s) returns one row; its column SOURCE_NPARAMS is the
 * server's now() in microseconds since the epoch (the next watermark),
 * the next whether mash.events has its optional source column: hand the
 * result to source_bounds_result before reading mash.events, so that the
 * events statements read the column, or NULL in its place.
 */
#define SOURCE_NPARAMS	5
struct source_params {
	char		 buf[SOURCE_NPARAMS][32];
	const char	*params[SOURCE_NPARAMS];
};
const char *source_bounds_sql(const struct source *s);
void source_bounds_result(struct source *s, const PGresult *res);
/* What the last source_bounds_result said (false before any). */
bool source_has_event_source(const struct source *s);
void source_bounds_params(const struct source_bounds *b,
    struct source_params *p);

/*
 * Decode one COPY text line of view v in place into row.  Returns 0, or
 * -1 when the line does not have the view's columns.  A field holding a
 * NUL byte is made invalid UTF-8, so that the rules see it.
 */
int source_decode(enum source_view v, char *line, size_t len,
    struct source_row *row);

/*
 * Blocking read for mashwatchctl: set the bounds on conn, then stream
 * each view in views (terminated by SOURCE_NVIEWS) in scope sc, decoding
 * every row and calling fn(arg, row, ok).  ok is false when the line could
 * not be decoded (row then holds only view).  fn returns -1 to stop.
 * Returns 0, or -1 with one line on stderr naming the view and the
 * SQLSTATE (never the server's text).  Rows counts every row read.
 */
typedef int (*source_row_fn)(void *arg, const struct source_row *row,
    bool ok);
int source_read(PGconn *conn, struct source *s,
    const struct source_bounds *b, enum source_scope sc,
    const enum source_view *views, source_row_fn fn, void *arg,
    uint64_t *rows);

/*
 * Blocking read of mash.teams for mashwatchctl: fn(arg, team_id, name)
 * for every team (name may be NULL).  Returns 0, or -1 with one line on
 * stderr (SQLSTATE only).  The addresses: source_routing_sql below.
 */
int source_read_teams(PGconn *conn, const struct source *s,
    void (*fn)(void *arg, const char *team_id, const char *name), void *arg);

struct address_domains;
struct team_list;

/*
 * The teams view as the router needs it (team, name, manager and
 * escalation addresses): the one statement that the notifier, the board
 * and mashwatchctl (routes, test-email) run, in team order.  The caller
 * frees it.
 */
char *source_routing_sql(const char *schema);
/*
 * The rows of that statement into out (appended; every address through
 * the router's one parser, checked against allowed).  Returns -1, out
 * untouched, when res is not a good answer: the caller keeps the last good
 * list (the routing fails closed).
 */
int source_routing_decode(const PGresult *res,
    const struct address_domains *allowed, struct team_list *out);

#endif
