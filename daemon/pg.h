/*
 * Asynchronous PostgreSQL connections on the libevent loop.
 *
 * A struct pgconn is one libpq connection that never blocks the loop: it
 * connects with PQconnectPoll, runs queued statements one at a time with
 * PQsendQueryParams, streams COPY TO STDOUT row by row, dispatches NOTIFY
 * as it arrives, and reconnects with backoff when the server goes away.
 * Every callback is called from the event loop, never from inside a pgconn_*
 * call.
 */
#ifndef MASHWATCH_PG_H
#define MASHWATCH_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libpq-fe.h>

struct event_base;
struct pgconn;

struct pgconn_stats {
	uint64_t	queries;	/* statements sent, LISTENs included */
	uint64_t	query_errors;	/* results that were an error */
	uint64_t	rows_copied;	/* rows handed to COPY row callbacks */
	uint64_t	conn_failures;	/* failed attempts and lost connections */
	time_t		last_error;	/* wall clock of the last of either; 0 never */
	bool		up;
};

/*
 * Start connecting to `conninfo` (a keyword/value string or a URI) on `base`.
 * `name` ("source", "state") only labels log lines.  application_name
 * (mashwatchd) and TCP keepalives are added unless conninfo sets them.
 * on_state(arg, true) is called each time the connection becomes usable,
 * on_state(arg, false) each time a usable connection is lost; a failed
 * attempt to connect calls nothing.  The first attempt starts from the loop.
 * Returns NULL only if conninfo does not parse (logged, without its text).
 * The caller owns the result and frees it with pgconn_free.
 */
struct pgconn *pgconn_new(struct event_base *base, const char *name,
    const char *conninfo, void (*on_state)(void *arg, bool up), void *arg);

/*
 * For a command that gives up at the first failure (--once): the outage
 * is logged without "; retrying".  Call before the loop runs.
 */
void pgconn_set_one_shot(struct pgconn *c);

/*
 * Drop queued work without calling its callbacks, close the connection and
 * free everything.  NULL is a no-op.  Safe from inside one of c's own
 * callbacks: the memory is then released when that callback returns.
 */
void pgconn_free(struct pgconn *c);

bool pgconn_is_up(const struct pgconn *c);

void pgconn_get_stats(const struct pgconn *c, struct pgconn_stats *st);

/*
 * Queue one statement with text parameters ($1..$nparams, NULL pointers are
 * SQL NULL; sql and params are copied).  Statements run one at a time in
 * the order queued.  cb(arg, res) gets the final result, which pgconn clears
 * after cb returns (check PQresultStatus), or res == NULL if the connection
 * was lost first: then nothing is known about whether it ran.  Returns -1
 * without queueing while the connection is not up.
 */
int pgconn_query(struct pgconn *c, const char *sql, int nparams,
    const char *const *params, void (*cb)(void *arg, PGresult *res),
    void *arg);

/*
 * Queue "COPY (...) TO STDOUT" (text format).  row_cb(arg, line, len) is
 * called once per row with the line in place, without its newline and with
 * line[len] == '\0'; row_cb may modify it (copytext_split does) and must not
 * keep it.  Then done_cb(arg, res) as for pgconn_query.  Rows are not
 * accumulated, so memory stays bounded however many there are.
 */
int pgconn_copy_out(struct pgconn *c, const char *sql,
    void (*row_cb)(void *arg, char *line, size_t len),
    void (*done_cb)(void *arg, PGresult *res), void *arg);

/*
 * LISTEN on `channel` now if up and again after every reconnect;
 * notify_cb(arg, channel, payload) is called for each notification on it,
 * also while a statement is running.  The strings are only valid during the
 * call.  Returns -1 if the channel is empty or longer than an identifier.
 */
int pgconn_listen(struct pgconn *c, const char *channel,
    void (*notify_cb)(void *arg, const char *channel, const char *payload),
    void *arg);

/*
 * What to log about an error result: "SQLSTATE 22P02
 * (invalid_text_representation)", into buf, which is returned.  Never
 * PostgreSQL's message, detail, hint or context: they can quote the row's
 * values (a child id in a failed cast).  A NULL result or one without a
 * SQLSTATE (the connection failed) gives "no SQLSTATE (connection
 * failure)".
 */
const char *pg_result_error(const PGresult *res, char *buf, size_t len);
/* The condition name of a SQLSTATE, or its class's name, or "unknown". */
const char *pg_sqlstate_name(const char *sqlstate);
/*
 * pg_result_error into a static buffer, for one log call at a time on the
 * loop's thread.  (It once returned the server's primary message; it no
 * longer does, for the reason above.)
 */
const char *pg_primary_message(const PGresult *res);

#endif
