#include <sys/queue.h>
#include <sys/time.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "mashwatch/xmalloc.h"

#include "log.h"
#include "pg.h"

#define PG_BACKOFF_MIN		1.0	/* seconds */
#define PG_BACKOFF_MAX		60.0
#define PG_JITTER		0.2	/* +- fraction of each delay */
#define PG_CONNECT_TIMEOUT	10	/* seconds, unless connect_timeout says */
#define PG_MAX_IDENT		63	/* NAMEDATALEN - 1 */
#define PG_MAX_PARAMS		65535

enum pgconn_state {
	PGC_DOWN,		/* waiting for the retry timer */
	PGC_CONNECTING,		/* PQconnectPoll in progress */
	PGC_UP,
};

enum pgq_kind {
	PGQ_QUERY,
	PGQ_COPY,
	PGQ_LISTEN,		/* internal: no callbacks */
};

struct pgq {
	TAILQ_ENTRY(pgq)	 entry;
	enum pgq_kind		 kind;
	char			*sql;
	int			 nparams;
	char			**params;
	void			(*cb)(void *, PGresult *);
	void			(*row_cb)(void *, char *, size_t);
	void			*arg;
};
TAILQ_HEAD(pgq_list, pgq);

struct pglisten {
	TAILQ_ENTRY(pglisten)	 entry;
	char			*channel;
	void			(*cb)(void *, const char *, const char *);
	void			*arg;
};
TAILQ_HEAD(pglisten_list, pglisten);

struct pgconn {
	struct event_base	*base;
	char			*name;
	char			**keys;		/* NULL-terminated, for PQconnectStartParams */
	char			**vals;
	char			*password;	/* scrubbed from logged messages */
	int			 connect_timeout;

	PGconn			*conn;
	enum pgconn_state	 state;
	struct event		*ev_sock;
	int			 watch_fd;
	short			 watch_what;
	struct event		*ev_timer;	/* retry when down, deadline when connecting */
	struct event		*ev_kick;	/* start queued work from the loop */

	struct pgq_list		 queue;		/* head is in flight when busy */
	bool			 busy;
	bool			 in_copy;
	PGresult		*last;		/* latest result of the head statement */
	struct pglisten_list	 listens;

	void			(*on_state)(void *, bool);
	void			*arg;

	double			 backoff;
	bool			 failing;	/* an outage has been logged */
	bool			 one_shot;	/* a command that exits: no "retrying" */
	bool			 ever_up;
	struct timespec		 fail_since;
	unsigned short		 rnd[3];

	int			 depth;		/* event handlers running */
	bool			 dying;		/* pgconn_free called inside one */

	struct pgconn_stats	 stats;
};

static void	pgconn_sock_cb(evutil_socket_t, short, void *);
static void	pgconn_timer_cb(evutil_socket_t, short, void *);
static void	pgconn_kick_cb(evutil_socket_t, short, void *);
static void	pgconn_down(struct pgconn *, const char *);
static void	pgconn_pump(struct pgconn *);

static double
pg_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
pgq_free(struct pgq *q)
{
	int i;

	if (q == NULL)
		return;
	for (i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q->sql);
	free(q);
}

/*
 * A line of a connection's error text that reports a statement's error
 * rather than the connection's: libpq keeps the last statement's error in
 * the connection's text, and its message, detail, context and query lines
 * can quote row values.  The connection's own lines (refused, timed out,
 * FATAL at start-up) are kept: they name hosts and users, never rows.
 */
static bool
pgconn_statement_line(const char *p)
{
	static const char *const prefixes[] = { "ERROR:", "DETAIL:",
	    "HINT:", "CONTEXT:", "LINE ", "QUERY:", "STATEMENT:", "WARNING:",
	    "NOTICE:", "WHERE:" };

	while (*p == ' ' || *p == '\t')
		p++;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(p, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/*
 * Make a libpq message fit for one log line: runs of newlines, tabs and
 * spaces become one space, conninfo's password, if any, is masked, and
 * lines about a statement's error (pgconn_statement_line) are dropped.
 */
static void
pgconn_clean_msg(const struct pgconn *c, const char *msg, char *out, size_t len)
{
	size_t o = 0, plen = 0;
	const char *p;
	bool bol = true, skip = false;

	if (c->password != NULL)
		plen = strlen(c->password);
	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	for (p = msg; *p != '\0' && o + 1 < len; p++) {
		if (bol) {
			skip = pgconn_statement_line(p);
			bol = false;
		}
		if (*p == '\n') {
			bol = true;
			skip = false;
		}
		if (skip)
			continue;
		if (plen > 0 && strncmp(p, c->password, plen) == 0) {
			const char *mask = "***";

			while (*mask != '\0' && o + 1 < len)
				out[o++] = *mask++;
			p += plen - 1;
			continue;
		}
		if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
			if (o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		out[o++] = *p;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	if (o == 0)
		o = (size_t)snprintf(out, len, "the connection failed");
	out[o] = '\0';
}

/* (Re)arm the socket event only when the fd or the interest changed. */
static void
pgconn_watch(struct pgconn *c, int fd, short what)
{
	if (c->watch_fd == fd && c->watch_what == what &&
	    event_pending(c->ev_sock, EV_READ | EV_WRITE, NULL))
		return;
	event_del(c->ev_sock);
	event_assign(c->ev_sock, c->base, fd, what, pgconn_sock_cb, c);
	if (event_add(c->ev_sock, NULL) == -1)
		fatalx("%s database: event_add failed", c->name);
	c->watch_fd = fd;
	c->watch_what = what;
}

static void
pgconn_unwatch(struct pgconn *c)
{
	event_del(c->ev_sock);
	c->watch_fd = -1;
	c->watch_what = 0;
}

static void
pgconn_schedule(struct pgconn *c, double delay)
{
	struct timeval tv;

	tv.tv_sec = (time_t)delay;
	tv.tv_usec = (suseconds_t)((delay - (double)tv.tv_sec) * 1e6);
	evtimer_del(c->ev_timer);
	if (evtimer_add(c->ev_timer, &tv) == -1)
		fatalx("%s database: evtimer_add failed", c->name);
}

static void
pgconn_kick(struct pgconn *c)
{
	if (c->state == PGC_UP && !c->busy && !TAILQ_EMPTY(&c->queue))
		event_active(c->ev_kick, EV_TIMEOUT, 0);
}

/*
 * Handlers bracket their work with enter/leave so that pgconn_free from a
 * callback only marks the connection; the last leave releases it.
 */
static void
pgconn_enter(struct pgconn *c)
{
	c->depth++;
}

static void
pgconn_destroy(struct pgconn *c)
{
	struct pgq *q;
	struct pglisten *l;
	size_t i;

	while ((q = TAILQ_FIRST(&c->queue)) != NULL) {
		TAILQ_REMOVE(&c->queue, q, entry);
		pgq_free(q);
	}
	while ((l = TAILQ_FIRST(&c->listens)) != NULL) {
		TAILQ_REMOVE(&c->listens, l, entry);
		free(l->channel);
		free(l);
	}
	event_free(c->ev_sock);
	event_free(c->ev_timer);
	event_free(c->ev_kick);
	PQclear(c->last);
	if (c->conn != NULL)
		PQfinish(c->conn);
	for (i = 0; c->keys[i] != NULL; i++) {
		free(c->keys[i]);
		free(c->vals[i]);
	}
	free(c->keys);
	free(c->vals);
	free(c->password);
	free(c->name);
	free(c);
}

static void
pgconn_leave(struct pgconn *c)
{
	if (--c->depth == 0 && c->dying)
		pgconn_destroy(c);
}

/*
 * libpq's default prints server notices raw on stderr, which would break
 * the one-line, prefixed log.  A FATAL sent to an idle connection arrives
 * here too, just before the loss that pgconn_down logs.
 */
static void
pgconn_notice(void *arg, const PGresult *res)
{
	struct pgconn *c = arg;
	const char *sev;
	char msg[512];

	/* A notice's text can quote values too: its SQLSTATE only. */
	pg_result_error(res, msg, sizeof(msg));
	sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (sev != NULL && strcmp(sev, "WARNING") == 0)
		log_warnx("%s database: %s", c->name, msg);
	else
		log_debug("%s database: %s", c->name, msg);
}

static void
pgconn_connect(struct pgconn *c)
{
	int fd;

	c->conn = PQconnectStartParams((const char *const *)c->keys,
	    (const char *const *)c->vals, 0);
	if (c->conn == NULL) {
		pgconn_down(c, "out of memory starting a connection");
		return;
	}
	if (PQstatus(c->conn) == CONNECTION_BAD ||
	    (fd = PQsocket(c->conn)) < 0) {
		pgconn_down(c, PQerrorMessage(c->conn));
		return;
	}
	PQsetNoticeReceiver(c->conn, pgconn_notice, c);
	c->state = PGC_CONNECTING;
	/* libpq leaves no deadline of its own on an async connect. */
	pgconn_schedule(c, (double)c->connect_timeout);
	/* As if PQconnectPoll had last returned PGRES_POLLING_WRITING. */
	pgconn_watch(c, fd, EV_WRITE);
}

/* Quoting needs the live connection (its encoding), so it happens here. */
static void
pgconn_queue_listen(struct pgconn *c, const struct pglisten *l)
{
	struct pgq *q;
	char *ident;

	ident = PQescapeIdentifier(c->conn, l->channel, strlen(l->channel));
	if (ident == NULL) {
		log_warnx("%s database: cannot quote channel %s", c->name,
		    l->channel);
		return;
	}
	q = xcalloc(1, sizeof(*q));
	q->kind = PGQ_LISTEN;
	q->sql = xasprintf("LISTEN %s", ident);
	PQfreemem(ident);
	TAILQ_INSERT_TAIL(&c->queue, q, entry);
	pgconn_kick(c);
}

static void
pgconn_issue_listens(struct pgconn *c)
{
	struct pglisten *l;

	TAILQ_FOREACH(l, &c->listens, entry)
		pgconn_queue_listen(c, l);
}

static void
pgconn_up(struct pgconn *c)
{
	if (PQsetnonblocking(c->conn, 1) != 0) {
		pgconn_down(c, PQerrorMessage(c->conn));
		return;
	}
	evtimer_del(c->ev_timer);
	c->state = PGC_UP;
	c->stats.up = true;
	c->backoff = PG_BACKOFF_MIN;
	if (c->failing)
		log_notice("%s database reachable again after %d s", c->name,
		    (int)(pg_mono_now() - (double)c->fail_since.tv_sec -
		    (double)c->fail_since.tv_nsec / 1e9 + 0.5));
	else if (!c->ever_up)
		log_info("%s database connected", c->name);
	c->failing = false;
	c->ever_up = true;
	pgconn_watch(c, PQsocket(c->conn), EV_READ | EV_PERSIST);
	/* LISTENs go first so no notification after on_state is missed. */
	pgconn_issue_listens(c);
	if (c->on_state != NULL)
		c->on_state(c->arg, true);
	if (!c->dying)
		pgconn_pump(c);
}

/*
 * The one way down, for a failed attempt and a lost connection alike: log
 * once per outage, close, arm the retry, then tell every statement that was
 * queued (res == NULL) and finally on_state.  The state is already DOWN when
 * callbacks run, so a callback that queues again is refused.
 */
static void
pgconn_down(struct pgconn *c, const char *why)
{
	struct pgq_list failed;
	struct pgq *q;
	bool was_up = c->state == PGC_UP;
	double delay;
	char reason[512];

	pgconn_clean_msg(c, why, reason, sizeof(reason));
	c->stats.conn_failures++;
	c->stats.last_error = time(NULL);

	delay = c->backoff * (1.0 + PG_JITTER * (2.0 * erand48(c->rnd) - 1.0));
	if (!c->failing) {
		c->failing = true;
		clock_gettime(CLOCK_MONOTONIC, &c->fail_since);
		log_err("%s database unavailable: %s%s", c->name, reason,
		    c->one_shot ? "" : "; retrying");
	} else
		log_debug("%s database still unavailable: %s; next attempt "
		    "in %.1f s", c->name, reason, delay);
	c->backoff *= 2.0;
	if (c->backoff > PG_BACKOFF_MAX)
		c->backoff = PG_BACKOFF_MAX;

	pgconn_unwatch(c);
	event_del(c->ev_kick);
	if (c->conn != NULL) {
		PQfinish(c->conn);
		c->conn = NULL;
	}
	PQclear(c->last);
	c->last = NULL;
	c->busy = false;
	c->in_copy = false;
	c->state = PGC_DOWN;
	c->stats.up = false;
	pgconn_schedule(c, delay);

	TAILQ_INIT(&failed);
	TAILQ_CONCAT(&failed, &c->queue, entry);
	while ((q = TAILQ_FIRST(&failed)) != NULL) {
		TAILQ_REMOVE(&failed, q, entry);
		if (q->cb != NULL && !c->dying)
			q->cb(q->arg, NULL);
		pgq_free(q);
	}
	if (was_up && c->on_state != NULL && !c->dying)
		c->on_state(c->arg, false);
}

static void
pgconn_flush(struct pgconn *c)
{
	int fd = PQsocket(c->conn);

	switch (PQflush(c->conn)) {
	case 0:
		pgconn_watch(c, fd, EV_READ | EV_PERSIST);
		break;
	case 1:
		pgconn_watch(c, fd, EV_READ | EV_WRITE | EV_PERSIST);
		break;
	default:
		pgconn_down(c, PQerrorMessage(c->conn));
		break;
	}
}

/* Send the head of the queue if nothing is in flight. */
static void
pgconn_pump(struct pgconn *c)
{
	struct pgq *q;

	if (c->state != PGC_UP || c->busy || c->dying ||
	    (q = TAILQ_FIRST(&c->queue)) == NULL)
		return;
	if (!PQsendQueryParams(c->conn, q->sql, q->nparams, NULL,
	    (const char *const *)q->params, NULL, NULL, 0)) {
		pgconn_down(c, PQerrorMessage(c->conn));
		return;
	}
	c->busy = true;
	c->stats.queries++;
	pgconn_flush(c);
}

/* The head statement has returned its last result: hand it over. */
static void
pgconn_complete(struct pgconn *c)
{
	struct pgq *q = TAILQ_FIRST(&c->queue);
	PGresult *res = c->last;
	ExecStatusType st;

	TAILQ_REMOVE(&c->queue, q, entry);
	c->last = NULL;
	c->busy = false;
	st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE ||
	    st == PGRES_NONFATAL_ERROR) {
		c->stats.query_errors++;
		c->stats.last_error = time(NULL);
	}
	if (q->kind == PGQ_LISTEN && st != PGRES_COMMAND_OK) {
		char msg[512];

		pg_result_error(res, msg, sizeof(msg));
		log_warnx("%s database: %s failed: %s", c->name, q->sql, msg);
	}
	/* A statement that ends without any result is still answered. */
	if (res == NULL)
		res = PQmakeEmptyPGresult(c->conn, PGRES_FATAL_ERROR);
	if (q->cb != NULL)
		q->cb(q->arg, res);
	PQclear(res);
	pgq_free(q);
}

static void
pgconn_notifies(struct pgconn *c)
{
	struct pglisten *l, *tl;
	PGnotify *n;

	while (!c->dying && c->state == PGC_UP &&
	    (n = PQnotifies(c->conn)) != NULL) {
		for (l = TAILQ_FIRST(&c->listens); l != NULL && !c->dying;
		    l = tl) {
			tl = TAILQ_NEXT(l, entry);
			if (strcmp(l->channel, n->relname) == 0)
				l->cb(l->arg, n->relname, n->extra);
		}
		PQfreemem(n);
	}
}

/*
 * Take everything libpq has buffered: COPY rows, results, completions
 * (each of which sends the next statement).  Stops when libpq needs more
 * from the socket or the queue is empty.
 */
static void
pgconn_process(struct pgconn *c)
{
	struct pgq *q;
	PGresult *res;
	char *buf;
	int len;

	while (!c->dying && c->state == PGC_UP && c->busy) {
		q = TAILQ_FIRST(&c->queue);
		if (c->in_copy) {
			len = PQgetCopyData(c->conn, &buf, 1);
			if (len == 0)
				break;
			if (len == -1) {
				c->in_copy = false;
				continue;
			}
			if (len < 0) {
				pgconn_down(c, PQerrorMessage(c->conn));
				break;
			}
			if (buf[len - 1] == '\n')
				buf[--len] = '\0';
			c->stats.rows_copied++;
			if (q->row_cb != NULL)
				q->row_cb(q->arg, buf, (size_t)len);
			PQfreemem(buf);
			continue;
		}
		if (PQisBusy(c->conn))
			break;
		if ((res = PQgetResult(c->conn)) == NULL) {
			pgconn_complete(c);
			pgconn_pump(c);
			continue;
		}
		switch (PQresultStatus(res)) {
		case PGRES_COPY_OUT:
			/* pgconn_query given a COPY: its rows are dropped. */
			PQclear(res);
			c->in_copy = true;
			break;
		case PGRES_COPY_IN:
			PQclear(res);
			if (PQputCopyEnd(c->conn, "COPY FROM STDIN is not "
			    "supported by pgconn") == -1) {
				pgconn_down(c, PQerrorMessage(c->conn));
				return;
			}
			pgconn_flush(c);
			break;
		case PGRES_COPY_BOTH:
			PQclear(res);
			pgconn_down(c, "unexpected COPY BOTH");
			return;
		default:
			PQclear(c->last);
			c->last = res;
			break;
		}
	}
	pgconn_notifies(c);
}

static void
pgconn_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pgconn *c = arg;
	int nfd;

	(void)fd;
	pgconn_enter(c);
	if (c->state == PGC_CONNECTING) {
		/* The socket may change between polls (next host, SSL retry). */
		switch (PQconnectPoll(c->conn)) {
		case PGRES_POLLING_READING:
			if ((nfd = PQsocket(c->conn)) < 0)
				pgconn_down(c, "connection has no socket");
			else
				pgconn_watch(c, nfd, EV_READ);
			break;
		case PGRES_POLLING_WRITING:
			if ((nfd = PQsocket(c->conn)) < 0)
				pgconn_down(c, "connection has no socket");
			else
				pgconn_watch(c, nfd, EV_WRITE);
			break;
		case PGRES_POLLING_OK:
			pgconn_up(c);
			break;
		default:
			pgconn_down(c, PQerrorMessage(c->conn));
			break;
		}
		goto out;
	}
	if (c->state != PGC_UP)
		goto out;
	if (what & EV_READ) {
		if (!PQconsumeInput(c->conn) ||
		    PQstatus(c->conn) == CONNECTION_BAD) {
			pgconn_down(c, PQerrorMessage(c->conn));
			goto out;
		}
	}
	/* libpq wants a flush retried on either readiness while it has output. */
	if (c->watch_what & EV_WRITE) {
		pgconn_flush(c);
		if (c->state != PGC_UP)
			goto out;
	}
	pgconn_process(c);
 out:
	pgconn_leave(c);
}

static void
pgconn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pgconn *c = arg;

	(void)fd;
	(void)what;
	pgconn_enter(c);
	if (c->state == PGC_DOWN)
		pgconn_connect(c);
	else if (c->state == PGC_CONNECTING)
		pgconn_down(c, "timeout while connecting");
	pgconn_leave(c);
}

static void
pgconn_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pgconn *c = arg;

	(void)fd;
	(void)what;
	pgconn_enter(c);
	pgconn_pump(c);
	pgconn_leave(c);
}

static bool
pg_opt_set(const PQconninfoOption *opts, const char *key)
{
	for (; opts->keyword != NULL; opts++)
		if (strcmp(opts->keyword, key) == 0)
			return opts->val != NULL && *opts->val != '\0';
	return false;
}

/*
 * Parse conninfo once into keyword/value arrays, adding what the daemon
 * wants unless the operator said otherwise: its name in pg_stat_activity
 * and keepalives so that a vanished peer is noticed on an idle connection.
 */
static int
pgconn_parse(struct pgconn *c, const char *conninfo)
{
	static const char *const defaults[][2] = {
		{ "application_name", "mashwatchd" },
		{ "keepalives", "1" },
		{ "keepalives_idle", "30" },
		{ "keepalives_interval", "10" },
		{ "keepalives_count", "3" },
	};
	PQconninfoOption *opts = NULL, *o;
	char *err = NULL;
	size_t n = 0, i;
	int ret = -1;

	if ((opts = PQconninfoParse(conninfo, &err)) == NULL)
		goto out;
	for (o = opts; o->keyword != NULL; o++)
		n++;
	n += sizeof(defaults) / sizeof(defaults[0]);
	c->keys = xcalloc(n + 1, sizeof(*c->keys));
	c->vals = xcalloc(n + 1, sizeof(*c->vals));
	n = 0;
	/* libpq treats an empty value as unset; so does pgconn. */
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || *o->val == '\0')
			continue;
		c->keys[n] = xstrdup(o->keyword);
		c->vals[n] = xstrdup(o->val);
		n++;
		if (strcmp(o->keyword, "password") == 0)
			c->password = xstrdup(o->val);
		if (strcmp(o->keyword, "connect_timeout") == 0 &&
		    atoi(o->val) > 0)
			c->connect_timeout = atoi(o->val);
	}
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (pg_opt_set(opts, defaults[i][0]))
			continue;
		c->keys[n] = xstrdup(defaults[i][0]);
		c->vals[n] = xstrdup(defaults[i][1]);
		n++;
	}
	ret = 0;
 out:
	PQconninfoFree(opts);
	PQfreemem(err);
	return ret;
}

struct pgconn *
pgconn_new(struct event_base *base, const char *name, const char *conninfo,
    void (*on_state)(void *, bool), void *arg)
{
	struct pgconn *c;
	struct timespec ts;

	c = xcalloc(1, sizeof(*c));
	c->base = base;
	c->name = xstrdup(name);
	c->on_state = on_state;
	c->arg = arg;
	c->connect_timeout = PG_CONNECT_TIMEOUT;
	c->backoff = PG_BACKOFF_MIN;
	c->watch_fd = -1;
	TAILQ_INIT(&c->queue);
	TAILQ_INIT(&c->listens);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c->rnd[0] = (unsigned short)ts.tv_nsec;
	c->rnd[1] = (unsigned short)getpid();
	c->rnd[2] = (unsigned short)((uintptr_t)c >> 4);

	if (pgconn_parse(c, conninfo) == -1) {
		/* The parser's message may quote conninfo, password and all. */
		log_warnx("%s database: connection string does not parse",
		    name);
		free(c->name);
		free(c);
		c = NULL;
		goto out;
	}
	c->ev_sock = event_new(base, -1, 0, pgconn_sock_cb, c);
	c->ev_timer = evtimer_new(base, pgconn_timer_cb, c);
	c->ev_kick = event_new(base, -1, 0, pgconn_kick_cb, c);
	if (c->ev_sock == NULL || c->ev_timer == NULL || c->ev_kick == NULL)
		fatalx("%s database: cannot create events", name);
	/* Connect from the loop, so pgconn_new never calls back. */
	pgconn_schedule(c, 0.0);
 out:
	return c;
}

void
pgconn_set_one_shot(struct pgconn *c)
{
	c->one_shot = true;
}

void
pgconn_free(struct pgconn *c)
{
	if (c == NULL)
		return;
	if (c->depth > 0) {
		c->dying = true;
		pgconn_unwatch(c);
		evtimer_del(c->ev_timer);
		event_del(c->ev_kick);
		return;
	}
	pgconn_destroy(c);
}

bool
pgconn_is_up(const struct pgconn *c)
{
	return c != NULL && c->state == PGC_UP && !c->dying;
}

void
pgconn_get_stats(const struct pgconn *c, struct pgconn_stats *st)
{
	*st = c->stats;
}

static int
pgconn_enqueue(struct pgconn *c, enum pgq_kind kind, const char *sql,
    int nparams, const char *const *params, void (*cb)(void *, PGresult *),
    void (*row_cb)(void *, char *, size_t), void *arg)
{
	struct pgq *q;
	int i;

	if (!pgconn_is_up(c) || sql == NULL || nparams < 0 ||
	    nparams > PG_MAX_PARAMS || (nparams > 0 && params == NULL))
		return -1;
	q = xcalloc(1, sizeof(*q));
	q->kind = kind;
	q->sql = xstrdup(sql);
	q->nparams = nparams;
	q->params = xcalloc((size_t)nparams, sizeof(*q->params));
	for (i = 0; i < nparams; i++)
		q->params[i] = xstrdup(params[i]);
	q->cb = cb;
	q->row_cb = row_cb;
	q->arg = arg;
	TAILQ_INSERT_TAIL(&c->queue, q, entry);
	pgconn_kick(c);
	return 0;
}

int
pgconn_query(struct pgconn *c, const char *sql, int nparams,
    const char *const *params, void (*cb)(void *, PGresult *), void *arg)
{
	return pgconn_enqueue(c, PGQ_QUERY, sql, nparams, params, cb, NULL,
	    arg);
}

int
pgconn_copy_out(struct pgconn *c, const char *sql,
    void (*row_cb)(void *, char *, size_t),
    void (*done_cb)(void *, PGresult *), void *arg)
{
	return pgconn_enqueue(c, PGQ_COPY, sql, 0, NULL, done_cb, row_cb,
	    arg);
}

int
pgconn_listen(struct pgconn *c, const char *channel,
    void (*notify_cb)(void *, const char *, const char *), void *arg)
{
	struct pglisten *l;
	size_t len;

	if (c == NULL || c->dying || channel == NULL || notify_cb == NULL ||
	    (len = strlen(channel)) == 0 || len > PG_MAX_IDENT)
		return -1;
	l = xcalloc(1, sizeof(*l));
	l->channel = xstrdup(channel);
	l->cb = notify_cb;
	l->arg = arg;
	TAILQ_INSERT_TAIL(&c->listens, l, entry);
	/* While down it is issued with the others on the next connect. */
	if (c->state == PGC_UP)
		pgconn_queue_listen(c, l);
	return 0;
}

/* The conditions a source or state statement can plausibly meet. */
static const struct {
	const char	*code;
	const char	*name;
} sqlstates[] = {
	{ "08000", "connection_exception" },
	{ "08003", "connection_does_not_exist" },
	{ "08006", "connection_failure" },
	{ "0A000", "feature_not_supported" },
	{ "21000", "cardinality_violation" },
	{ "22001", "string_data_right_truncation" },
	{ "22003", "numeric_value_out_of_range" },
	{ "22007", "invalid_datetime_format" },
	{ "22008", "datetime_field_overflow" },
	{ "22012", "division_by_zero" },
	{ "22021", "character_not_in_repertoire" },
	{ "22023", "invalid_parameter_value" },
	{ "22P02", "invalid_text_representation" },
	{ "23502", "not_null_violation" },
	{ "23503", "foreign_key_violation" },
	{ "23505", "unique_violation" },
	{ "23514", "check_violation" },
	{ "25006", "read_only_sql_transaction" },
	{ "28000", "invalid_authorization_specification" },
	{ "28P01", "invalid_password" },
	{ "40001", "serialization_failure" },
	{ "40P01", "deadlock_detected" },
	{ "42501", "insufficient_privilege" },
	{ "42601", "syntax_error" },
	{ "42703", "undefined_column" },
	{ "42804", "datatype_mismatch" },
	{ "42846", "cannot_coerce" },
	{ "42883", "undefined_function" },
	{ "42P01", "undefined_table" },
	{ "3F000", "invalid_schema_name" },
	{ "53100", "disk_full" },
	{ "53200", "out_of_memory" },
	{ "53300", "too_many_connections" },
	{ "54000", "program_limit_exceeded" },
	{ "55P03", "lock_not_available" },
	{ "57014", "query_canceled" },
	{ "57P01", "admin_shutdown" },
	{ "57P03", "cannot_connect_now" },
	{ "P0001", "raise_exception" },
	{ "XX000", "internal_error" },
}, sqlclasses[] = {
	{ "08", "connection_exception" },
	{ "0A", "feature_not_supported" },
	{ "21", "cardinality_violation" },
	{ "22", "data_exception" },
	{ "23", "integrity_constraint_violation" },
	{ "25", "invalid_transaction_state" },
	{ "28", "invalid_authorization_specification" },
	{ "40", "transaction_rollback" },
	{ "42", "syntax_error_or_access_rule_violation" },
	{ "53", "insufficient_resources" },
	{ "54", "program_limit_exceeded" },
	{ "55", "object_not_in_prerequisite_state" },
	{ "57", "operator_intervention" },
	{ "58", "system_error" },
	{ "P0", "plpgsql_error" },
	{ "XX", "internal_error" },
};

const char *
pg_sqlstate_name(const char *code)
{
	size_t i;

	if (code == NULL || strlen(code) != 5)
		return "unknown";
	for (i = 0; i < sizeof(sqlstates) / sizeof(sqlstates[0]); i++)
		if (strcmp(sqlstates[i].code, code) == 0)
			return sqlstates[i].name;
	for (i = 0; i < sizeof(sqlclasses) / sizeof(sqlclasses[0]); i++)
		if (strncmp(sqlclasses[i].code, code, 2) == 0)
			return sqlclasses[i].name;
	return "unknown";
}

const char *
pg_result_error(const PGresult *res, char *buf, size_t len)
{
	const char *code = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	bool ok;

	/* Only five characters of [0-9A-Z] ever reach the log. */
	ok = code != NULL && strlen(code) == 5;
	for (size_t i = 0; ok && i < 5; i++)
		ok = (code[i] >= '0' && code[i] <= '9') ||
		    (code[i] >= 'A' && code[i] <= 'Z');
	if (!ok)
		snprintf(buf, len, "no SQLSTATE (connection failure)");
	else
		snprintf(buf, len, "SQLSTATE %s (%s)", code,
		    pg_sqlstate_name(code));
	return buf;
}

const char *
pg_primary_message(const PGresult *res)
{
	static char buf[96];

	return pg_result_error(res, buf, sizeof(buf));
}
