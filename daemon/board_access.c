/*
 * Who may see the board, and what they may change: the user from the
 * trusted proxy's header (401 otherwise), the teams they receive alerts
 * for (403 when none), the CSRF token bound to them, and POST /ack, which
 * records an acknowledgement with the same statement as `mashwatchctl ack`,
 * limited to the user's teams.
 */
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "mashwatch/strmap.h"
#include "mashwatch/termtext.h"
#include "mashwatch/xmalloc.h"

#include "ack.h"
#include "board_impl.h"
#include "engine.h"
#include "engine_clock.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"

#define CSRF_MAX	4096	/* users with a token; more start afresh */
#define ACK_NOTE_MAX	1000	/* bytes of an acknowledgement's note */
#define PROXY_HEADER	"X-Mashwatch-Proxy"	/* the proxy's secret */

/* An acknowledgement waiting for the state database. */
struct ack {
	struct board		*b;
	struct evhttp_request	*req;
	struct board_hold	 hold;
	uint64_t		 held;
	char			*alert;
	struct ack		*next;
	bool			 json;
};

/* "no reason given for overdue alert 12; valid codes: a, b" and the like. */
static void
ack_refuse_reason(struct board *b, struct evhttp_request *req,
    const char *what)
{
	char codes[512], *line;

	line = xasprintf("%s; valid codes: %s", what,
	    config_reason_codes(b->cfg, codes, sizeof(codes)));
	board_text(req, 400, "Bad Request", line);
	free(line);
}

static bool
peer_trusted(const struct config *cfg, const char *host)
{
	unsigned char a[16], t[16];
	int fa = AF_INET, ft;

	if (host == NULL)
		return false;
	if (inet_pton(AF_INET, host, a) != 1) {
		if (inet_pton(AF_INET6, host, a) != 1)
			return false;
		fa = AF_INET6;
	}
	for (size_t i = 0; i < cfg->http.trusted_proxies.n; i++) {
		const char *p = cfg->http.trusted_proxies.v[i];

		ft = strchr(p, ':') ? AF_INET6 : AF_INET;
		if (ft == fa && inet_pton(ft, p, t) == 1 &&
		    memcmp(a, t, fa == AF_INET ? 4 : 16) == 0)
			return true;
	}
	return false;
}

/* Constant time, so that a token cannot be guessed byte by byte. */
static bool
token_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	unsigned char d = 0;

	if (b == NULL || strlen(b) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/*
 * Whether the request came through the authenticating proxy.  Being on
 * this host proves nothing: with http.proxy_secret_file the proxy must
 * send the secret (from any address, loopback included); on the Unix
 * socket the file's mode and group admit only the proxy's user; over TCP
 * the peer must also be one of http.trusted_proxies (config.c refuses a
 * board on TCP with neither secret nor non-loopback proxies).
 */
static bool
proxy_trusted(const struct config *cfg, struct evhttp_request *req,
    struct evhttp_connection *evcon)
{
	const char *sent = evhttp_find_header(
	    evhttp_request_get_input_headers(req), PROXY_HEADER);
	char *host = NULL;
	ev_uint16_t port;

	if (cfg->http.proxy_secret != NULL &&
	    !token_equal(cfg->http.proxy_secret, sent))
		return false;
	if (strncmp(cfg->http.listen, "unix:", 5) == 0)
		return true;
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &host, &port);
	return peer_trusted(cfg, host);
}

/* A plausible email address: what the proxy put in the header. */
static bool
user_ok(const char *u)
{
	size_t n = u ? strlen(u) : 0;

	if (n == 0 || n > 254 || strchr(u, '@') == NULL)
		return false;
	for (; *u; u++)
		if ((unsigned char)*u <= ' ' || (unsigned char)*u >= 0x7f ||
		    strchr("<>,;\"'()[]\\&", *u) != NULL)
			return false;
	return true;
}

static void
csrf_free(void *arg, const char *key, size_t len, void *value)
{
	(void)arg;
	(void)key;
	(void)len;
	free(value);
}

static const char *
board_csrf(struct board *b, const char *user)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[32];
	char *tok = strmap_get(b->csrf, user, strlen(user));

	if (tok != NULL)
		return tok;
	if (strmap_count(b->csrf) >= CSRF_MAX) {
		strmap_foreach(b->csrf, csrf_free, NULL);
		strmap_free(b->csrf);
		b->csrf = strmap_new();
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		fatal("getrandom");
	tok = xmalloc(2 * sizeof(rnd) + 1);
	for (size_t i = 0; i < sizeof(rnd); i++) {
		tok[2 * i] = hex[rnd[i] >> 4];
		tok[2 * i + 1] = hex[rnd[i] & 15];
	}
	tok[2 * sizeof(rnd)] = '\0';
	strmap_put(b->csrf, user, strlen(user), tok);
	return tok;
}

/*
 * Who is asking: 401 without a trusted proxy's header, 403 when they may
 * see nothing.  On success fills v (free with board_viewer_clear).
 */
int
board_viewer(struct board *b, struct evhttp_request *req,
    struct board_viewer *v)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const struct team_list *routing;
	const char *user = NULL;
	bool any = false;
	int code;

	memset(v, 0, sizeof(*v));
	if (!proxy_trusted(b->cfg, req, evcon)) {
		board_text(req, 401, "Unauthorized", "not through the "
		    "authenticating proxy: the board is only served to the "
		    "proxy (http.proxy_secret_file, the Unix socket of "
		    "http.listen, http.trusted_proxies)");
		return 401;
	}
	user = evhttp_find_header(evhttp_request_get_input_headers(req),
	    b->cfg->http.user_header);
	if (!user_ok(user)) {
		board_text(req, 401, "Unauthorized", "no user: the proxy did "
		    "not say who you are");
		return 401;
	}
	v->user = xstrdup(user);
	for (char *p = v->user; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	/* The router's rule, on the routing last read well (none: admins). */
	routing = board_routing(b);
	v->all = route_board_sees(b->cfg, NULL, NULL, v->user, NULL) !=
	    ROUTE_SIGHT_NONE;
	v->data_quality = route_board_data_quality(b->cfg, v->user);
	v->team_ok = xcalloc(b->snap->nteams + 1, sizeof(*v->team_ok));
	for (size_t i = 0; i < b->snap->nteams; i++) {
		v->team_ok[i] = v->all || route_board_sees(b->cfg, routing,
		    b->snap->teams[i].team_id, v->user, NULL) !=
		    ROUTE_SIGHT_NONE;
		any = any || v->team_ok[i];
	}
	/* The data-quality route has no team but its alerts to acknowledge. */
	if (!any && !v->all && !v->data_quality) {
		/* Nothing to show: not yet (503), or never (403). */
		if (routing == NULL) {
			code = 503;
			board_text(req, code, "Service Unavailable", "starting: "
			    "the teams are not read yet; try again in a moment");
		} else {
			code = 403;
			board_text(req, code, "Forbidden", "you receive no "
			    "team's alerts, so there is nothing for you on this "
			    "board");
		}
		free(v->user);
		free(v->team_ok);
		memset(v, 0, sizeof(*v));
		return code;
	}
	v->csrf = board_csrf(b, v->user);
	return 0;
}

void
board_viewer_clear(struct board_viewer *v)
{
	free(v->user);
	free(v->team_ok);
}

/* POST /ack */

static void
ack_unlink(struct ack *a)
{
	struct ack **pp;

	for (pp = &a->b->acks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
}

static void
ack_done(void *arg, PGresult *res)
{
	struct ack *a = arg;
	struct evkeyvalq *h = evhttp_request_get_output_headers(a->req);
	char loc[64];

	ack_unlink(a);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_warnx("board: cannot record an acknowledgement: %s",
			    pg_primary_message(res));
		board_text(a->req, 503, "Service Unavailable", "the "
		    "acknowledgement could not be recorded; try again");
	} else if (PQntuples(res) == 0) {
		board_text(a->req, 404, "Not Found", "no such alert on any "
		    "team you can see");
	} else if (strcmp(PQgetvalue(res, 0, 3), "t") != 0) {
		char *what = xasprintf("alert %s is %s: a reason is required "
		    "(ack.reason_required)", a->alert, PQgetvalue(res, 0, 1));

		ack_refuse_reason(a->b, a->req, what);
		free(what);
	} else {
		metrics.board_acks++;
		a->b->alerts_dirty = true;
		board_alerts_refresh(a->b);
		log_info("board: alert %s (%s, %s) acknowledged", a->alert,
		    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		if (a->json)
			board_text(a->req, 200, "OK", "acknowledged");
		else {
			snprintf(loc, sizeof(loc), "/board?acked=%s", a->alert);
			evhttp_add_header(h, "Location", loc);
			board_text(a->req, 303, "See Other", "acknowledged");
		}
	}
	if (a->hold.release != NULL)
		a->hold.release(a->hold.arg, a->held);
	free(a->alert);
	free(a);
}

/* An origin taken apart: scheme, host (lower case) and port. */
struct origin {
	bool	 https;
	char	 host[256];
	long	 port;
};

/*
 * "scheme://host[:port]" at the start of s (an Origin, a Referer or
 * http.public_url), the port defaulted from the scheme.  -1 if it is not.
 */
static int
origin_parse(const char *s, struct origin *o)
{
	const char *h, *e;
	char *end;
	size_t n;

	memset(o, 0, sizeof(*o));
	if (s == NULL)
		return -1;
	if (strncasecmp(s, "https://", 8) == 0) {
		o->https = true;
		h = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0)
		h = s + 7;
	else
		return -1;
	if (*h == '[')
		e = strchr(h, ']') != NULL ? strchr(h, ']') + 1 : h;
	else
		e = h + strcspn(h, ":/?#");
	n = (size_t)(e - h);
	if (n == 0 || n >= sizeof(o->host))
		return -1;
	for (size_t i = 0; i < n; i++)
		o->host[i] = (char)tolower((unsigned char)h[i]);
	o->port = o->https ? 443 : 80;
	if (*e == ':') {
		if (!isdigit((unsigned char)e[1]))
			return -1;
		o->port = strtol(e + 1, &end, 10);
		e = end;
	}
	return *e == '\0' || *e == '/' || *e == '?' || *e == '#' ? 0 : -1;
}

/*
 * Whether the browser's Origin (or Referer) is the board's own address,
 * http.public_url: scheme, host and port all equal.  Nothing the client
 * or a proxy says about the host (Host, X-Forwarded-Host) counts.
 */
static bool
origin_matches(const char *origin, const char *public_url)
{
	struct origin a, b;

	if (origin_parse(origin, &a) != 0 || origin_parse(public_url, &b) != 0)
		return false;
	return a.https == b.https && a.port == b.port &&
	    strcmp(a.host, b.host) == 0;
}

/* A text[] literal of the teams v may see. */
static char *
visible_teams(const struct board_snap *s, const struct board_viewer *v)
{
	struct evbuffer *b = evbuffer_new();
	size_t len;
	char *out;

	evbuffer_add(b, "{", 1);
	for (size_t i = 0, n = 0; i < s->nteams; i++) {
		if (!v->team_ok[i])
			continue;
		evbuffer_add(b, n > 0 ? ",\"" : "\"", n > 0 ? 2 : 1);
		n++;
		for (const char *p = s->teams[i].team_id; *p; p++) {
			if (*p == '"' || *p == '\\')
				evbuffer_add(b, "\\", 1);
			evbuffer_add(b, p, 1);
		}
		evbuffer_add(b, "\"", 1);
	}
	evbuffer_add(b, "}", 1);
	len = evbuffer_get_length(b);
	out = xmalloc(len + 1);
	evbuffer_remove(b, out, len);
	out[len] = '\0';
	evbuffer_free(b);
	return out;
}

void
board_post_ack(struct board *b, struct evhttp_request *req,
    const struct board_hold *hold)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	struct board_viewer viewer;
	struct evkeyvalq form;
	struct pgconn *state = engine_state_conn(b->engine);
	const char *origin, *alert, *note, *until, *token, *site;
	const char *reason;
	const char *params[ACK_NPARAMS];
	char *text = NULL, *teams = NULL, until_buf[32];
	struct ack *a;
	size_t len;
	int64_t t;

	TAILQ_INIT(&form);
	board_fresh(b, engine_now());
	if (board_viewer(b, req, &viewer) != 0) {
		metrics.board_denied++;
		return;
	}
	/* Same origin: the browser says where the form was. */
	origin = evhttp_find_header(in, "Origin");
	if (origin == NULL)
		origin = evhttp_find_header(in, "Referer");
	site = evhttp_find_header(in, "Sec-Fetch-Site");
	if (!origin_matches(origin, b->cfg->http.public_url) || (site != NULL &&
	    strcmp(site, "same-origin") != 0)) {
		metrics.board_denied++;
		board_text(req, 403, "Forbidden", "refused: the request did "
		    "not come from this board (Origin)");
		goto out;
	}
	len = evbuffer_get_length(body);
	text = xmalloc(len + 1);
	evbuffer_copyout(body, text, len);
	text[len] = '\0';
	if (strlen(text) != len || evhttp_parse_query_str(text, &form) != 0) {
		board_text(req, 400, "Bad Request", "the form did not parse");
		goto out;
	}
	token = evhttp_find_header(&form, "csrf");
	if (!token_equal(viewer.csrf, token)) {
		metrics.board_denied++;
		board_text(req, 403, "Forbidden", "refused: the form's token "
		    "is missing or not yours; reload the board and try again");
		goto out;
	}
	alert = evhttp_find_header(&form, "alert");
	note = evhttp_find_header(&form, "note");
	until = evhttp_find_header(&form, "until");
	reason = evhttp_find_header(&form, "reason");
	if (alert == NULL || *alert == '\0' || strlen(alert) > 18 ||
	    strspn(alert, "0123456789") != strlen(alert)) {
		board_text(req, 400, "Bad Request", "which alert? 'alert' "
		    "must be an alert number");
		goto out;
	}
	/* Shown to other managers and in terminals: no escapes in it. */
	if (note != NULL && termtext_has_control(note)) {
		board_text(req, 400, "Bad Request", "the note has control "
		    "characters (tabs, escapes, bytes that are not UTF-8): "
		    "write it as plain text; line breaks are fine");
		goto out;
	}
	/* A note too long is dropped. */
	if (note != NULL) {
		json_t *probe = json_string(note);

		if (strlen(note) > ACK_NOTE_MAX || probe == NULL)
			note = NULL;
		json_decref(probe);
	}
	if (note != NULL && *note == '\0')
		note = NULL;
	if (until != NULL && *until != '\0') {
		if (calendar_parse_iso(b->cal, until, &t) < 0) {
			board_text(req, 400, "Bad Request", "'until' is not a "
			    "time such as 2022-04-27T17:00");
			goto out;
		}
		snprintf(until_buf, sizeof(until_buf), "%lld", (long long)t);
	} else
		until = NULL;
	if (reason != NULL && *reason == '\0')
		reason = NULL;
	/* Refused before it is written; the level is known to the statement. */
	if (config_reason_check(b->cfg, reason, NULL) == REASON_UNKNOWN) {
		ack_refuse_reason(b, req, "'reason' is not a reason code of "
		    "this service");
		goto out;
	}
	if (state == NULL || !pgconn_is_up(state)) {
		board_text(req, 503, "Service Unavailable", "the state "
		    "database is unreachable; try again");
		goto out;
	}
	teams = visible_teams(b->snap, &viewer);
	params[0] = alert;
	params[1] = viewer.user;
	params[2] = note;
	params[3] = until ? until_buf : NULL;
	params[4] = viewer.all ? "t" : "f";
	params[5] = teams;
	params[6] = viewer.data_quality ? "t" : "f";
	params[7] = reason;
	params[8] = b->cfg->ack.reason_required ? "true" : "false";
	a = xcalloc(1, sizeof(*a));
	a->b = b;
	a->req = req;
	if (hold != NULL)
		a->hold = *hold;
	a->alert = xstrdup(alert);
	a->json = evhttp_find_header(in, "X-Requested-With") != NULL;
	/* The same statement as mashwatchctl ack, limited to the user's teams. */
	if (pgconn_query(state, ack_sql, ACK_NPARAMS, params, ack_done,
	    a) != 0) {
		free(a->alert);
		free(a);
		board_text(req, 503, "Service Unavailable", "the state "
		    "database is unreachable; try again");
		goto out;
	}
	a->next = b->acks;
	b->acks = a;
	if (a->hold.hold != NULL)
		a->held = a->hold.hold(a->hold.arg, req);
out:
	evhttp_clear_headers(&form);
	free(teams);
	free(text);
	board_viewer_clear(&viewer);
}

/* Free the acknowledgements in flight (their requests are gone), the tokens. */
void
board_access_free(struct board *b)
{
	while (b->acks != NULL) {
		struct ack *k = b->acks;

		b->acks = k->next;
		free(k->alert);
		free(k);
	}
	strmap_foreach(b->csrf, csrf_free, NULL);
	strmap_free(b->csrf);
	b->csrf = NULL;
}
