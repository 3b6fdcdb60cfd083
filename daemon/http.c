/*
 * /healthz, /readyz and /metrics.  Every figure is read from the engine
 * and the model at the moment of the request, except the outbox depth,
 * which needs a query and is refreshed by a timer into struct metrics.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "mashwatch/xmalloc.h"

#include "engine.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"

#define OUTBOX_REFRESH	15	/* seconds between outbox counts */

/* One count in flight at most; a file static because the callback owns
 * no pointer (a late answer after http_free is then harmless). */
static bool outbox_counting;

struct http_server {
	struct event_base	*base;
	struct evhttp		*http;
	struct engine		*engine;
	struct event		*ev_outbox;
	bool			 stopping;
};

void
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
	(void)arg;
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
	const char *why = http_not_ready(h, buf, sizeof(buf));

	if (why != NULL) {
		snprintf(line, sizeof(line), "not ready: %s", why);
		http_text(req, 503, "Service Unavailable", line);
		return;
	}
	http_text(req, 200, "OK", engine_stats(h->engine)->leader ?
	    "ready: leader" : "ready: standby");
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
	    "succeeded or this daemon stands by.", st->ready ? 1 : 0);
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
	metric_u64(b, "mashwatch_config_reload_failures_total", "counter",
	    "SIGHUPs whose configuration was refused.",
	    metrics.reload_failures);

	http_reply(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
	    b);
	evbuffer_free(b);
	free(l.v);
}

static void
http_other(struct evhttp_request *req, void *arg)
{
	(void)arg;
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

struct http_server *
http_new(struct event_base *base, const char *addr, struct engine *e,
    char *err, size_t errlen)
{
	struct http_server *h = NULL;
	struct sockaddr_storage ss;
	struct evconnlistener *lev;
	struct timeval tv = { OUTBOX_REFRESH, 0 };
	char bound[128];
	int sslen = (int)sizeof(ss);
	socklen_t boundlen = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss,
	    &sslen) < 0 || (ss.ss_family != AF_INET &&
	    ss.ss_family != AF_INET6)) {
		snprintf(err, errlen, "http.listen '%s' is not ADDRESS:PORT, "
		    "e.g. 127.0.0.1:9187 or [::1]:9187", addr);
		goto out;
	}
	lev = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_REUSEABLE |
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1,
	    (struct sockaddr *)&ss, sslen);
	if (lev == NULL) {
		snprintf(err, errlen, "http.listen %s: cannot listen: %s", addr,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		goto out;
	}
	h = xcalloc(1, sizeof(*h));
	h->base = base;
	h->engine = e;
	h->http = evhttp_new(base);
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(h->http, 10);
	evhttp_set_max_headers_size(h->http, 8192);
	evhttp_set_max_body_size(h->http, 0);
	evhttp_set_cb(h->http, "/healthz", http_healthz, h);
	evhttp_set_cb(h->http, "/readyz", http_readyz, h);
	evhttp_set_cb(h->http, "/metrics", http_metrics, h);
	evhttp_set_gencb(h->http, http_other, h);
	if (evhttp_bind_listener(h->http, lev) == NULL) {
		evconnlistener_free(lev);
		snprintf(err, errlen, "http.listen %s: cannot serve", addr);
		http_free(h);
		h = NULL;
		goto out;
	}
	/* Port 0 picks a free port; say which, so that tests can find it. */
	if (getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&ss,
	    &boundlen) == 0 &&
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
	if (h == NULL)
		return;
	if (h->ev_outbox != NULL)
		event_free(h->ev_outbox);
	evhttp_free(h->http);
	free(h);
}

void
http_set_stopping(struct http_server *h)
{
	if (h != NULL)
		h->stopping = true;
}
