/*
 * /healthz, /readyz and /metrics.  Every figure is read from the engine
 * and the model at the moment of the request, except the outbox depth,
 * which needs a query and is refreshed by a timer into struct metrics.
 * The board (/board, /board.json, /board.js, /ack) is board.c's.
 *
 * A listener that cannot be knocked over: every connection evhttp makes
 * is counted (we hold a reference to its bufferevent and notice when
 * evhttp lets go of it); at http.max_connections the oldest idle one
 * (between requests: nothing read, pending or to send) is closed to admit
 * the new client, so idle keep-alives cannot starve /healthz; with none
 * idle the listener stops accepting until one closes, so more clients wait
 * in the kernel's backlog instead of costing descriptors.  A request with
 * two different Content-Length headers gets 400.  A sweep every 200 ms (while any is open)
 * closes a connection that has not finished a request within
 * http.client_timeout of opening or of its last answer (slow clients and
 * idle keep-alives alike).  When accept() fails (EMFILE, ENFILE, ENOMEM)
 * the listener pauses for a back-off that doubles up to 5 s instead of
 * spinning; each of these events is logged at most once per 10 s.
 */
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <grp.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "mashwatch/strmap.h"
#include "mashwatch/xmalloc.h"

#include "board.h"
#include "engine.h"
#include "engine_clock.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"

#define OUTBOX_REFRESH	15	/* seconds between outbox counts */

/* One count in flight at most; a file static because the callback owns
 * no pointer (a late answer after http_free is then harmless). */
static bool outbox_counting;

#define BACKOFF_MIN_MS	50	/* first pause after a failed accept() */
#define BACKOFF_MAX_MS	5000
#define LOG_EVERY	10	/* seconds between two lines about one thing */
#define SWEEP_MS	200	/* between two looks at the open connections */

/* One connection evhttp holds, seen through its filter bufferevent. */
struct http_conn {
	struct http_server	*h;
	struct bufferevent	*bev;
	uint64_t		 id;
	int64_t			 since;		/* opened or last answered, monotonic */
	int			 held;		/* deferred replies in flight */
	bool			 nodelay;	/* TCP_NODELAY set */
	bool			 reading;	/* bytes of a request arrived, not yet whole */
	struct evbuffer_cb_entry *watch;	/* on the input: sets reading */
	struct http_conn	*prev, *next;
};

struct http_server {
	struct event_base	*base;
	struct evhttp		*http;
	struct evconnlistener	*lev;
	struct engine		*engine;
	const struct config	*cfg;
	struct board		*board;
	struct event		*ev_outbox;
	struct event		*ev_sweep;
	struct event		*ev_resume;	/* after an accept() failure */
	bool			 stopping;
	char			*unix_path;	/* http.listen = "unix:PATH" */

	struct http_conn	*conns;
	struct strmap		*by_bev;	/* bufferevent pointer -> conn */
	size_t			 nconns;
	uint64_t		 next_id;
	bool			 full;		/* paused at max_connections */
	bool			 backing_off;
	int			 backoff_ms;
	int64_t			 logged_full, logged_accept, logged_slow;
	uint64_t		 quiet_accept;	/* failures not logged */
};

static int64_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* At most one line about one thing every LOG_EVERY seconds. */
static bool
log_due(int64_t *last)
{
	int64_t now = mono_now();

	if (*last != 0 && now - *last < LOG_EVERY)
		return false;
	*last = now;
	return true;
}

static void
http_listen_update(struct http_server *h)
{
	bool want = !h->full && !h->backing_off && !h->stopping;

	if (h->lev == NULL)
		return;
	if (want)
		evconnlistener_enable(h->lev);
	else
		evconnlistener_disable(h->lev);
}

/*
 * Forget c: evhttp has freed its bufferevent (its callbacks are gone), so
 * drop our reference, which closes the socket.
 */
static void
http_conn_gone(struct http_conn *c)
{
	struct http_server *h = c->h;

	strmap_del(h->by_bev, (const char *)&c->bev, sizeof(c->bev));
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	h->nconns--;
	metrics.http_connections = h->nconns;
	if (c->watch != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(c->bev),
		    c->watch);
	bufferevent_decref(c->bev);
	free(c);
	if (h->full && h->nconns < (size_t)h->cfg->http.max_connections) {
		h->full = false;
		http_listen_update(h);
	}
}

static bool
http_conn_freed(const struct http_conn *c)
{
	bufferevent_data_cb r = NULL;
	bufferevent_event_cb e = NULL;

	bufferevent_getcb(c->bev, &r, NULL, &e, NULL);
	return r == NULL && e == NULL;
}

/* Bytes arrived on c: a request has begun (or, pipelined, another). */
static void
http_conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct http_conn *c = arg;

	(void)buf;
	if (info->n_added > 0)
		c->reading = true;
}

/*
 * Whether c is idle: open between requests (or before its first), with
 * nothing of a request read, no answer deferred and nothing left to send.
 * Such a connection costs a slot and does nothing: the first to go when
 * the cap is reached.
 */
static bool
http_conn_idle(const struct http_conn *c)
{
	int pending = 0;

	if (http_conn_freed(c) || c->reading || c->held > 0 ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
		return false;
	/* Bytes the kernel holds that the loop has not read yet count too. */
	return ioctl(bufferevent_getfd(c->bev), FIONREAD, &pending) == 0 &&
	    pending == 0;
}

/*
 * At http.max_connections: close the oldest idle connection (not except,
 * the one just accepted), so that a new client (a health check, say) is
 * admitted at once instead of waiting for client_timeout.  Returns
 * whether one was closed.
 */
static bool
http_evict_idle(struct http_server *h, const struct http_conn *except)
{
	struct http_conn *c, *oldest = NULL;
	void *evcon = NULL;

	for (c = h->conns; c != NULL; c = c->next)
		if (c != except && http_conn_idle(c) &&
		    (oldest == NULL || c->since <= oldest->since))
			oldest = c;
	if (oldest == NULL)
		return false;
	bufferevent_getcb(oldest->bev, NULL, NULL, NULL, &evcon);
	if (evcon == NULL)
		return false;
	/* Its slot is let go by the next sweep, within SWEEP_MS. */
	evhttp_connection_free(evcon);
	metrics.http_evicted++;
	return true;
}

/*
 * evhttp accepted a connection and asks for its bufferevent.  We keep a
 * reference to it: when evhttp frees it, its callbacks are cleared, which
 * the sweep notices (within SWEEP_MS) before letting go of it.
 */
static struct bufferevent *
http_conn_new(struct event_base *base, void *arg)
{
	struct http_server *h = arg;
	struct bufferevent *bev;
	struct http_conn *c;
	struct timeval tv = { 0, SWEEP_MS * 1000 };

	h->backoff_ms = 0;
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return NULL;
	bufferevent_incref(bev);
	/* Before evhttp sees it: its deferred reads take the same priority. */
	bufferevent_priority_set(bev, HTTP_PRIORITY);
	c = xcalloc(1, sizeof(*c));
	c->h = h;
	c->bev = bev;
	c->id = ++h->next_id;
	c->since = mono_now();
	c->watch = evbuffer_add_cb(bufferevent_get_input(bev), http_conn_input,
	    c);
	c->next = h->conns;
	if (h->conns != NULL)
		h->conns->prev = c;
	h->conns = c;
	strmap_put(h->by_bev, (const char *)&c->bev, sizeof(c->bev), c);
	h->nconns++;
	metrics.http_connections = h->nconns;
	if (!evtimer_pending(h->ev_sweep, NULL))
		evtimer_add(h->ev_sweep, &tv);
	/* The oldest idle one makes room; else the kernel's backlog waits. */
	if (h->nconns >= (size_t)h->cfg->http.max_connections &&
	    !http_evict_idle(h, c)) {
		h->full = true;
		metrics.http_at_capacity++;
		if (log_due(&h->logged_full))
			log_warnx("http: %zu connections open "
			    "(http.max_connections): not accepting more until "
			    "one closes", h->nconns);
		http_listen_update(h);
	}
	return bev;
}

static struct http_conn *
http_conn_of(struct http_server *h, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;

	if (evcon == NULL)
		return NULL;
	bev = evhttp_connection_get_bufferevent(evcon);
	return strmap_get(h->by_bev, (const char *)&bev, sizeof(bev));
}

static void http_text(struct evhttp_request *, int, const char *,
    const char *);

/*
 * Whether the request is framed one way only: two Content-Length headers
 * that disagree are how requests are smuggled past a proxy (RFC 9112,
 * 6.3: a 400, and the connection closed).  Equal copies, or a list of
 * equal values, are one length.
 */
static bool
http_framing_ok(struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyval *kv;
	const char *first = NULL, *p;
	size_t n = 0, m;

	TAILQ_FOREACH(kv, in, next) {
		if (evutil_ascii_strcasecmp(kv->key, "Content-Length") != 0)
			continue;
		for (p = kv->value; *p; p += *p == ',') {
			p += strspn(p, " \t");
			m = strspn(p, "0123456789");
			if (m == 0 || (first != NULL && (m != n ||
			    strncmp(first, p, m) != 0)))
				return false;
			first = p;
			n = m;
			p += m;
			p += strspn(p, " \t");
			if (*p != ',' && *p != '\0')
				return false;
		}
	}
	return true;
}

/*
 * A request arrived whole: the connection's clock starts again.  Returns
 * false, having answered 400, if the request must not be served.
 */
static bool
http_touch(struct http_server *h, struct evhttp_request *req)
{
	struct http_conn *c = http_conn_of(h, req);
	int one = 1;

	if (!http_framing_ok(req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		http_text(req, 400, "Bad Request", "conflicting Content-Length "
		    "headers");
		return false;
	}
	if (c == NULL)
		return true;
	c->since = mono_now();
	/* Whole: what is left in the input (pipelined) is the next one. */
	c->reading = evbuffer_get_length(bufferevent_get_input(c->bev)) > 0;
	/*
	 * An answer ends in a part-filled segment: without this, Nagle holds
	 * it until the client's delayed ACK, 40 ms later, for every board of
	 * more than a few kilobytes.  (The fd is evhttp's once it accepted.)
	 */
	if (!c->nodelay) {
		c->nodelay = true;
		(void)setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP,
		    TCP_NODELAY, &one, sizeof(one));
	}
	return true;
}

static uint64_t
http_hold(void *arg, struct evhttp_request *req)
{
	struct http_conn *c = http_conn_of(arg, req);

	if (c == NULL)
		return 0;
	c->held++;
	return c->id;
}

static void
http_release(void *arg, uint64_t id)
{
	struct http_server *h = arg;

	for (struct http_conn *c = h->conns; c != NULL && id != 0; c = c->next)
		if (c->id == id) {
			c->held--;
			c->since = mono_now();
			break;
		}
}

/*
 * Let go of what evhttp has closed; close what has been slow or idle for
 * longer than http.client_timeout.  Runs while any connection is open.
 */
static void
http_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *h = arg;
	struct timeval tv = { 0, SWEEP_MS * 1000 };
	int64_t now = mono_now();
	size_t closed = 0;
	struct http_conn *c, *next;

	(void)fd;
	(void)what;
	/* Paused at the cap: one that has become idle makes room. */
	if (h->full)
		(void)http_evict_idle(h, NULL);
	for (c = h->conns; c != NULL; c = next) {
		void *evcon = NULL;

		next = c->next;
		if (!http_conn_freed(c) && c->held == 0 &&
		    now - c->since > h->cfg->http.client_timeout) {
			bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
			if (evcon != NULL) {
				evhttp_connection_free(evcon);
				closed++;
			}
		}
		if (http_conn_freed(c))
			http_conn_gone(c);
	}
	metrics.http_timeouts += closed;
	if (closed > 0 && log_due(&h->logged_slow))
		log_info("http: closed %zu connections idle or slow for more "
		    "than %d s", closed, h->cfg->http.client_timeout);
	if (h->conns != NULL)
		evtimer_add(h->ev_sweep, &tv);
}

static void
http_resume(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *h = arg;

	(void)fd;
	(void)what;
	h->backing_off = false;
	http_listen_update(h);
}

/*
 * The server whose listener is failing.  libevent hands the error
 * callback the listener's user data, which evhttp owns, so the one
 * server of the process is found here instead.
 */
static struct http_server *http_listening;

/* accept() failed for want of descriptors or memory: pause, never spin. */
static void
http_accept_error(struct evconnlistener *lev, void *arg)
{
	struct http_server *h = http_listening;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv;

	(void)arg;
	if (h == NULL || h->lev != lev) {
		evconnlistener_disable(lev);
		return;
	}
	metrics.http_accept_errors++;
	h->backoff_ms = h->backoff_ms == 0 ? BACKOFF_MIN_MS :
	    h->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    h->backoff_ms * 2;
	if (log_due(&h->logged_accept)) {
		log_warnx("http: cannot accept a connection: %s; pausing the "
		    "listener for %d ms (%llu more failures not logged)",
		    evutil_socket_error_to_string(err), h->backoff_ms,
		    (unsigned long long)h->quiet_accept);
		h->quiet_accept = 0;
	} else
		h->quiet_accept++;
	h->backing_off = true;
	http_listen_update(h);
	tv.tv_sec = h->backoff_ms / 1000;
	tv.tv_usec = (h->backoff_ms % 1000) * 1000;
	evtimer_add(h->ev_resume, &tv);
}

static void
http_board(struct evhttp_request *req, void *arg)
{
	struct http_server *h = arg;
	const struct board_hold hold = { http_hold, http_release, h };
	const char *path = evhttp_uri_get_path(
	    evhttp_request_get_evhttp_uri(req));

	if (!http_touch(h, req))
		return;
	board_serve(h->board, req, path != NULL ? path : "/board", &hold);
}

/*
 * Append s to buf as a Prometheus label value (backslash, double quote and
 * newline escaped), truncated to fit.
 */
static void
http_escape_label(char *buf, size_t len, const char *s)
{
	size_t o = strlen(buf);

	for (; s != NULL && *s != '\0' && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else
			buf[o++] = *s;
	}
	buf[o] = '\0';
}

static void
http_reply(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, code, reason, body);
}

static void
http_text(struct evhttp_request *req, int code, const char *reason,
    const char *line)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add_printf(b, "%s\n", line);
	http_reply(req, code, reason, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}

static void
http_healthz(struct evhttp_request *req, void *arg)
{
	if (!http_touch(arg, req))
		return;
	http_text(req, 200, "OK", "ok");
}

/* NULL when ready, else why not. */
static const char *
http_not_ready(const struct http_server *h, char *buf, size_t len)
{
	const struct engine_stats *st = engine_stats(h->engine);

	if (h->stopping)
		return "stopping";
	if (!st->state_up)
		return "state database unreachable";
	if (!st->schema_ok) {
		snprintf(buf, len, "%s", st->schema_error[0] ? st->schema_error :
		    "reading the state schema version");
		return buf;
	}
	if (!st->source_up)
		return "source database unreachable";
	if (st->polls_failing > 0 && st->source_error[0] != '\0') {
		/* The SQLSTATE and view only: see pg_result_error. */
		snprintf(buf, len, "source failing (%" PRIu64 " polls in a "
		    "row): %s; %s", st->polls_failing, st->source_error,
		    st->ready ? "timing on the last good model" :
		    "nothing loaded yet");
		return buf;
	}
	if (!st->ready)
		return "starting: neither leader with a first poll nor standby yet";
	return NULL;
}

static void
http_readyz(struct evhttp_request *req, void *arg)
{
	struct http_server *h = arg;
	char buf[256], line[300];
	const char *why = http_not_ready(h, buf, sizeof(buf)), *note;

	if (!http_touch(h, req))
		return;
	if (why != NULL) {
		snprintf(line, sizeof(line), "not ready: %s", why);
		http_text(req, 503, "Service Unavailable", line);
		return;
	}
	/* A stale routing is said, not failed: the board never widens. */
	note = board_routing_note(h->board, engine_now(), buf, sizeof(buf));
	snprintf(line, sizeof(line), "ready: %s%s%s",
	    engine_stats(h->engine)->leader ? "leader" : "standby",
	    note != NULL ? "; " : "", note != NULL ? note : "");
	http_text(req, 200, "OK", line);
}

static void http_outbox_tick(evutil_socket_t, short, void *);

struct count_list {
	struct clock_count	*v;
	size_t			 n, cap;
};

static void
count_collect(void *arg, const struct clock_count *c)
{
	struct count_list *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = *c;
}

/* Stable output: by clock name, then team id (no team first). */
static int
count_cmp(const void *a, const void *b)
{
	const struct clock_count *x = a, *y = b;
	int r = strcmp(x->clock->name, y->clock->name);

	if (r != 0)
		return r;
	if (x->team_id == NULL || y->team_id == NULL)
		return (x->team_id != NULL) - (y->team_id != NULL);
	return strcmp(x->team_id, y->team_id);
}

static void
metric_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static void
metric_u64(struct evbuffer *b, const char *name, const char *type,
    const char *help, uint64_t v)
{
	metric_head(b, name, type, help);
	evbuffer_add_printf(b, "%s %" PRIu64 "\n", name, v);
}

static void
metric_per_clock(struct evbuffer *b, const struct count_list *l,
    const char *name, const char *help, size_t off)
{
	char clock[256], team[512];

	metric_head(b, name, "gauge", help);
	for (size_t i = 0; i < l->n; i++) {
		const struct clock_count *c = &l->v[i];
		size_t v;

		memcpy(&v, (const char *)c + off, sizeof(v));
		clock[0] = team[0] = '\0';
		http_escape_label(clock, sizeof(clock), c->clock->name);
		http_escape_label(team, sizeof(team), c->team_id);
		evbuffer_add_printf(b, "%s{clock=\"%s\",team=\"%s\"} %zu\n",
		    name, clock, team, v);
	}
}

static void
http_metrics(struct evhttp_request *req, void *arg)
{
	struct http_server *h = arg;
	const struct engine_stats *st = engine_stats(h->engine);
	const struct model *m = engine_model(h->engine);
	struct count_list l = { NULL, 0, 0 };
	struct model_counts mc;
	struct evbuffer *b = evbuffer_new();
	int64_t now = engine_now();

	if (!http_touch(h, req))
		return;
	/* A stale count is refreshed for the next scrape, never awaited. */
	if (engine_now() - metrics.outbox_at >= OUTBOX_REFRESH)
		http_outbox_tick(-1, 0, h);
	model_count_by(m, now, count_collect, &l);
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), count_cmp);
	model_counts(m, now, &mc);

	metric_per_clock(b, &l, "mashwatch_clock_open", "Clock instances "
	    "open now, per clock and owning team.",
	    offsetof(struct clock_count, open));
	metric_per_clock(b, &l, "mashwatch_clock_due_soon", "Open clock "
	    "instances due soon, per clock and owning team.",
	    offsetof(struct clock_count, due_soon));
	metric_per_clock(b, &l, "mashwatch_clock_overdue", "Open clock "
	    "instances overdue or escalated, per clock and owning team.",
	    offsetof(struct clock_count, overdue));
	metric_u64(b, "mashwatch_invalid_rows", "gauge", "Source rows held "
	    "as invalid findings.", mc.invalid);
	metric_u64(b, "mashwatch_failed_checks", "gauge", "Compliance checks "
	    "failing now.", mc.failed_checks);

	metric_u64(b, "mashwatch_leader", "gauge", "1 if this daemon holds "
	    "the leader lease.", st->leader ? 1 : 0);
	metric_u64(b, "mashwatch_ready", "gauge", "1 once a first poll "
	    "succeeded or this daemon stands by, on the state schema this "
	    "mashwatch needs.", st->ready && st->schema_ok ? 1 : 0);
	metric_u64(b, "mashwatch_state_schema_ok", "gauge", "1 while the "
	    "state schema is the version this mashwatch needs.",
	    st->schema_ok ? 1 : 0);
	metric_head(b, "mashwatch_database_up", "gauge", "1 while the "
	    "connection to the database is usable.");
	evbuffer_add_printf(b, "mashwatch_database_up{database=\"source\"} "
	    "%d\n", st->source_up ? 1 : 0);
	evbuffer_add_printf(b, "mashwatch_database_up{database=\"state\"} "
	    "%d\n", st->state_up ? 1 : 0);

	metric_u64(b, "mashwatch_polls_total", "counter", "Polls of the "
	    "source finished, full or incremental.", st->polls);
	metric_u64(b, "mashwatch_poll_failures_total", "counter", "Polls of "
	    "the source that failed.", st->poll_failures);
	metric_u64(b, "mashwatch_source_failing_polls", "gauge", "Polls of "
	    "the source failed in a row since the last good one.",
	    st->polls_failing);
	metric_u64(b, "mashwatch_rows_read_total", "counter", "Rows read from "
	    "the source views.", st->rows_read);
	metric_head(b, "mashwatch_poll_duration_seconds", "gauge", "Duration "
	    "of the last successful poll.");
	evbuffer_add_printf(b, "mashwatch_poll_duration_seconds %.6f\n",
	    st->last_poll.seconds);
	metric_u64(b, "mashwatch_last_poll_rows", "gauge", "Rows read by the "
	    "last successful poll.", st->last_poll.rows);
	metric_u64(b, "mashwatch_last_poll_timestamp_seconds", "gauge",
	    "Unix time of the last successful poll; 0 before the first.",
	    (uint64_t)(st->last_poll_at > 0 ? st->last_poll_at : 0));

	metric_u64(b, "mashwatch_alerts_raised_total", "counter", "Alert "
	    "keys this daemon raised.", st->raised);
	metric_u64(b, "mashwatch_alerts_resolved_total", "counter", "Alert "
	    "resolutions this daemon wrote.", st->resolved);
	if (metrics.outbox_depth >= 0)
		metric_u64(b, "mashwatch_outbox_depth", "gauge", "Notifications "
		    "in the outbox not yet put into an email.",
		    (uint64_t)metrics.outbox_depth);
	metric_u64(b, "mashwatch_emails_sent_total", "counter", "Emails a "
	    "transport accepted.", metrics.emails_sent);
	metric_u64(b, "mashwatch_emails_failed_total", "counter", "Email "
	    "attempts that failed.", metrics.emails_failed);
	metric_u64(b, "mashwatch_config_reloads_total", "counter",
	    "Configurations applied by SIGHUP.", metrics.reloads);
	metric_u64(b, "mashwatch_calendar_holidays_until_seconds", "gauge",
	    "Unix time the holiday list runs out (the start of the year after "
	    "its last); 0 when there is none.  Working days after it count "
	    "no holidays.", (uint64_t)(metrics.holidays_until > 0 ?
	    metrics.holidays_until : 0));
	metric_u64(b, "mashwatch_config_reload_failures_total", "counter",
	    "SIGHUPs whose configuration was refused.",
	    metrics.reload_failures);

	metric_u64(b, "mashwatch_http_connections", "gauge", "HTTP "
	    "connections open now.", metrics.http_connections);
	metric_u64(b, "mashwatch_http_timeouts_total", "counter", "HTTP "
	    "connections closed for being idle or slow.", metrics.http_timeouts);
	metric_u64(b, "mashwatch_http_accept_errors_total", "counter",
	    "Failed accept() calls (out of descriptors and the like).",
	    metrics.http_accept_errors);
	metric_u64(b, "mashwatch_http_at_capacity_total", "counter", "Times "
	    "the listener paused at http.max_connections.",
	    metrics.http_at_capacity);
	metric_u64(b, "mashwatch_http_evicted_total", "counter", "Idle "
	    "keep-alive connections closed at http.max_connections to admit "
	    "a new one.", metrics.http_evicted);
	metric_u64(b, "mashwatch_board_requests_total", "counter", "Requests "
	    "to the board.", metrics.board_requests);
	metric_u64(b, "mashwatch_board_denied_total", "counter", "Board "
	    "requests refused (401, 403, CSRF).", metrics.board_denied);
	metric_u64(b, "mashwatch_board_acks_total", "counter",
	    "Acknowledgements made on the board.", metrics.board_acks);

	http_reply(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
	    b);
	evbuffer_free(b);
	free(l.v);
}

static void
http_other(struct evhttp_request *req, void *arg)
{
	if (!http_touch(arg, req))
		return;
	http_text(req, 404, "Not Found", "not found: try /healthz, /readyz "
	    "or /metrics");
}

static void
http_outbox_counted(void *arg, PGresult *res)
{
	static bool warned;

	(void)arg;
	outbox_counting = false;
	if (res == NULL)
		return;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		if (!warned)
			log_warnx("metrics: cannot count the outbox: %s",
			    pg_primary_message(res));
		warned = true;
		metrics.outbox_depth = -1;
		return;
	}
	warned = false;
	metrics.outbox_depth = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	metrics.outbox_at = engine_now();
}

static void
http_outbox_tick(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *h = arg;
	struct pgconn *state = engine_state_conn(h->engine);

	(void)fd;
	(void)what;
	if (state == NULL || !pgconn_is_up(state)) {
		metrics.outbox_depth = -1;
		return;
	}
	if (outbox_counting)
		return;
	if (pgconn_query(state, "SELECT count(*) FROM mashwatch.notifications "
	    "WHERE claimed_at IS NULL", 0, NULL, http_outbox_counted, NULL) == 0)
		outbox_counting = true;
}

static int
http_format_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host)) != NULL)
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	else if (ss->ss_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host)) != NULL)
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	else
		return -1;
	return 0;
}

/*
 * Listen on the Unix socket of http.listen = "unix:PATH": made afresh
 * (a stale one from a crash is removed, anything else there is refused),
 * mode 0660 and group http.socket_group before it listens, so that only
 * the proxy's user can ever connect.  The folder is the unit's
 * RuntimeDirectory.
 */
static struct evconnlistener *
http_listen_unix(struct event_base *base, const struct config *cfg,
    char *err, size_t errlen)
{
	const char *path = cfg->http.listen + 5;
	const char *grp = cfg->http.socket_group;
	struct evconnlistener *lev = NULL;
	struct sockaddr_un sun;
	struct group *gr = NULL;
	struct stat st;
	mode_t old;
	int fd = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "http.listen unix:%s: path too long", path);
		goto out;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (grp != NULL && *grp && (gr = getgrnam(grp)) == NULL) {
		snprintf(err, errlen, "http.socket_group '%s': no such group",
		    grp);
		goto out;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "http.listen unix:%s: exists and "
			    "is not a socket: refused", path);
			goto out;
		}
		(void)unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0) {
		snprintf(err, errlen, "http.listen unix:%s: socket: %s", path,
		    strerror(errno));
		goto out;
	}
	/* Never a moment when others could connect: the mode from bind(). */
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		snprintf(err, errlen, "http.listen unix:%s: cannot bind: %s",
		    path, strerror(errno));
		goto out;
	}
	umask(old);
	if (chmod(path, 0660) != 0 || (gr != NULL &&
	    chown(path, (uid_t)-1, gr->gr_gid) != 0)) {
		snprintf(err, errlen, "http.listen unix:%s: cannot give it "
		    "mode 0660 and group '%s': %s", path, grp, strerror(errno));
		(void)unlink(path);
		goto out;
	}
	lev = evconnlistener_new(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (lev == NULL) {
		snprintf(err, errlen, "http.listen unix:%s: cannot listen: %s",
		    path, strerror(errno));
		(void)unlink(path);
		goto out;
	}
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	return lev;
}

struct http_server *
http_new(struct event_base *base, const struct config *cfg,
    const struct calendar *cal, struct engine *e, char *err, size_t errlen)
{
	const char *addr = cfg->http.listen;
	struct http_server *h = NULL;
	struct sockaddr_storage ss;
	struct evconnlistener *lev;
	struct timeval tv = { OUTBOX_REFRESH, 0 };
	char bound[128];
	int sslen = (int)sizeof(ss);
	socklen_t boundlen = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (strncmp(addr, "unix:", 5) == 0)
		lev = http_listen_unix(base, cfg, err, errlen);
	else if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss,
	    &sslen) < 0 || (ss.ss_family != AF_INET &&
	    ss.ss_family != AF_INET6)) {
		snprintf(err, errlen, "http.listen '%s' is not ADDRESS:PORT, "
		    "e.g. 127.0.0.1:9187 or [::1]:9187", addr);
		goto out;
	} else if ((lev = evconnlistener_new_bind(base, NULL, NULL,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    -1, (struct sockaddr *)&ss, sslen)) == NULL)
		snprintf(err, errlen, "http.listen %s: cannot listen: %s", addr,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	if (lev == NULL)
		goto out;
	h = xcalloc(1, sizeof(*h));
	h->base = base;
	h->engine = e;
	h->cfg = cfg;
	h->lev = lev;
	h->by_bev = strmap_new();
	h->board = board_new(base, e, cfg, cal);
	h->ev_sweep = evtimer_new(base, http_sweep, h);
	h->http = evhttp_new(base);
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST);
	evhttp_set_timeout(h->http, cfg->http.client_timeout);
	evhttp_set_max_headers_size(h->http, 8192);
	evhttp_set_max_body_size(h->http, 16384);
	evhttp_set_bevcb(h->http, http_conn_new, h);
	evhttp_set_cb(h->http, "/board", http_board, h);
	evhttp_set_cb(h->http, "/board.json", http_board, h);
	evhttp_set_cb(h->http, "/board.js", http_board, h);
	evhttp_set_cb(h->http, "/ack", http_board, h);
	evhttp_set_cb(h->http, "/healthz", http_healthz, h);
	evhttp_set_cb(h->http, "/readyz", http_readyz, h);
	evhttp_set_cb(h->http, "/metrics", http_metrics, h);
	evhttp_set_gencb(h->http, http_other, h);
	if (evhttp_bind_listener(h->http, lev) == NULL) {
		evconnlistener_free(lev);
		h->lev = NULL;
		snprintf(err, errlen, "http.listen %s: cannot serve", addr);
		http_free(h);
		h = NULL;
		goto out;
	}
	http_listening = h;
	evconnlistener_set_error_cb(lev, http_accept_error);
	h->ev_resume = evtimer_new(base, http_resume, h);
	/* Port 0 picks a free port; say which, so that tests can find it. */
	if (strncmp(addr, "unix:", 5) == 0) {
		h->unix_path = xstrdup(addr + 5);
		log_notice("http: listening on %s", addr);
	} else if (getsockname(evconnlistener_get_fd(lev),
	    (struct sockaddr *)&ss, &boundlen) == 0 &&
	    http_format_addr(&ss, bound, sizeof(bound)) == 0)
		log_notice("http: listening on %s", bound);
	h->ev_outbox = event_new(base, -1, EV_PERSIST, http_outbox_tick, h);
	event_add(h->ev_outbox, &tv);
out:
	return h;
}

void
http_free(struct http_server *h)
{
	struct http_conn *c, *next;

	if (h == NULL)
		return;
	if (http_listening == h)
		http_listening = NULL;
	if (h->ev_outbox != NULL)
		event_free(h->ev_outbox);
	if (h->ev_sweep != NULL)
		event_free(h->ev_sweep);
	if (h->ev_resume != NULL)
		event_free(h->ev_resume);
	/* Closes every connection; then our references go. */
	evhttp_free(h->http);
	h->lev = NULL;		/* evhttp_free freed it */
	/* Take each one's successor before it goes. */
	for (c = h->conns; c != NULL; c = next) {
		next = c->next;
		http_conn_gone(c);
	}
	board_free(h->board);
	strmap_free(h->by_bev);
	/* The socket is ours: the next start makes it afresh. */
	if (h->unix_path != NULL)
		(void)unlink(h->unix_path);
	free(h->unix_path);
	free(h);
}

void
http_reconfigure(struct http_server *h, const struct config *cfg,
    const struct calendar *cal)
{
	if (h == NULL)
		return;
	h->cfg = cfg;
	evhttp_set_timeout(h->http, cfg->http.client_timeout);
	board_reconfigure(h->board, cfg, cal);
	h->full = h->nconns >= (size_t)cfg->http.max_connections;
	http_listen_update(h);
}

void
http_set_stopping(struct http_server *h)
{
	if (h != NULL)
		h->stopping = true;
}
