/*
 * The board's JSON and the requests: what is served and when.  Calls
 * down, never up: who may see what, the CSRF token and POST /ack are in
 * board_access.c; the snapshot in board_snap.c; the alerts, teams and
 * caseloads read from the databases in board_refresh.c; the page itself
 * in board_html.c; what they all use in board_base.c.
 *
 * Requests are served from a snapshot of the open clock instances sorted
 * per team, oldest due first, rebuilt only when the model may have changed
 * (a poll, an alert raised or resolved) or a minute has passed, so that 50
 * browsers polling at once cost one walk of the model, not fifty.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "mashwatch/forecast.h"
#include "mashwatch/jsonval.h"
#include "mashwatch/mail.h"
#include "mashwatch/strmap.h"
#include "mashwatch/xmalloc.h"

#include "board_impl.h"
#include "engine.h"
#include "engine_clock.h"
#include "metrics.h"


/* What the whole board shows: the era of the kept sections. */
static uint64_t
board_era_version(const struct board *b)
{
	uint64_t h = b->snap->stamp;

	return board_hash_mix(h, &b->alerts_gen, sizeof(b->alerts_gen));
}

/* An alert shown in team_id's section but raised under another team. */
static uint64_t
board_mix_foreign(const struct board *b, const char *team_id,
    const char *rule, const char *instance_id, uint64_t h)
{
	struct board_view w;
	const struct board_alert *a;

	memset(&w, 0, sizeof(w));
	w.alerts = b->alerts;
	if ((a = board_alert_of(&w, rule, instance_id)) == NULL ||
	    strcmp(a->team_id, team_id) == 0)
		return h;
	h = board_hash_mix(h, &a->alert_id, sizeof(a->alert_id));
	h = board_hash_mix(h, &a->level, sizeof(a->level));
	h = board_hash_str(h, a->acked_by);
	h = board_hash_mix(h, &a->acked_at, sizeof(a->acked_at));
	h = board_hash_str(h, a->note);
	return board_hash_mix(h, &a->until, sizeof(a->until));
}

/*
 * The version of what this viewer sees (?since=): the teams they see,
 * each with its stamp and its alerts (and any other team's alert shown in
 * it), so that another team's change is not a change for them, and a
 * version says nothing about teams they do not see.
 */
static uint64_t
board_version(const struct board *b, const struct board_viewer *v)
{
	const struct board_snap *s = b->snap;
	uint64_t h = 0xcbf29ce484222325ULL;
	const uint64_t *ah;

	for (size_t ti = 0; ti < s->nteams; ti++) {
		const struct board_team *t = &s->teams[ti];

		if (!v->team_ok[ti])
			continue;
		h = board_hash_str(h, t->team_id);
		h = board_hash_mix(h, &t->stamp, sizeof(t->stamp));
		ah = b->alert_teams == NULL ? NULL : strmap_get(b->alert_teams,
		    t->team_id, strlen(t->team_id));
		if (ah != NULL)
			h = board_hash_mix(h, ah, sizeof(*ah));
		for (size_t i = t->first; i < t->first + t->n; i++)
			h = board_mix_foreign(b, t->team_id,
			    s->items[i].clock->name, s->items[i].instance_id, h);
	}
	return h & 0x1fffffffffffffULL;	/* exact in a JavaScript number */
}

static void
board_filter_parse(const struct config *cfg, const struct evkeyvalq *q,
    struct board_filter *f)
{
	const char *c = evhttp_find_header(q, "clock");
	const char *s = evhttp_find_header(q, "state");

	f->clock = NULL;
	f->state = -1;
	if (c != NULL && config_clock(cfg, c) != NULL)
		f->clock = config_clock(cfg, c)->name;
	if (s != NULL) {
		for (int i = CS_ON_TIME; i <= CS_ESCALATED; i++)
			if (strcmp(s, clock_state_name((enum clock_state)i)) == 0)
				f->state = i;
	}
}

static json_t *
json_ack(const struct board_view *v, const struct board_alert *a)
{
	json_t *o;

	if (a == NULL)
		return json_null();
	o = json_object();
	json_object_set_new(o, "alert", json_integer(a->alert_id));
	json_object_set_new(o, "level", json_string(alert_level_name(
	    (enum alert_level)a->level)));
	json_object_set_new(o, "acked_by", jsonval_str(a->acked_by));
	json_object_set_new(o, "acked_at", jsonval_instant(v->cal, a->acked_at));
	json_object_set_new(o, "note", jsonval_str(a->note));
	json_object_set_new(o, "until", jsonval_instant(v->cal, a->until));
	json_object_set_new(o, "reason", jsonval_str(a->reason));
	/* A silence (mashwatchctl silence add): no email while it lasts. */
	json_object_set_new(o, "silence", a->silence_id ?
	    json_integer(a->silence_id) : json_null());
	json_object_set_new(o, "silenced_until", jsonval_instant(v->cal,
	    a->silenced_until));
	return o;
}

/* One team's section of /board.json. */
static json_t *
board_json_team(const struct board_view *v, const struct board_team *t)
{
	const struct board_snap *s = v->snap;
	int max = v->cfg->http.board_max_items;
	char late[96];
	json_t *jt, *counts, *items, *others, *cl, *fc;
	size_t shown = 0, matching = 0;

	counts = json_array();
	items = json_array();
	others = json_array();
	cl = json_array();
	jt = json_object();
	json_object_set_new(jt, "team", *t->team_id ? json_string(
	    t->team_id) : json_null());
	json_object_set_new(jt, "name", jsonval_str(t->name));
	for (size_t k = 0; k < v->cfg->nclocks; k++) {
		const struct board_count *c = &t->counts[k];

		if (c->open == 0)
			continue;
		json_array_append_new(counts, json_pack("{s:s, s:s, "
		    "s:I, s:I, s:I, s:I}", "clock", c->clock->name,
		    "label", c->clock->label ? c->clock->label :
		    c->clock->name, "open", (json_int_t)c->open,
		    "due_soon", (json_int_t)c->due_soon, "overdue",
		    (json_int_t)c->overdue, "escalated",
		    (json_int_t)c->escalated));
	}
	fc = json_array();
	for (size_t k = 0; k < v->cfg->nclocks; k++) {
		const struct board_count *c = &t->counts[k];

		if (!c->fc)
			continue;
		json_array_append_new(fc, json_pack("{s:s, s:s, s:I, s:I, "
		    "s:f, s:I}", "clock", c->clock->name, "label",
		    c->clock->label ? c->clock->label : c->clock->name,
		    "open", (json_int_t)c->fc_open, "due_next",
		    (json_int_t)c->fc_due_next, "throughput",
		    (double)(long long)(c->fc_throughput * 100 + 0.5) / 100,
		    "projected_breaches", (json_int_t)forecast_projected(
		    c->fc_due_next, c->fc_throughput)));
	}
	for (size_t i = t->first; i < t->first + t->n; i++) {
		const struct board_item *it = &s->items[i];
		json_t *ji;
		char *link;

		if (!board_item_shown(v, it))
			continue;
		matching++;
		if (shown >= (size_t)max)
			continue;
		shown++;
		link = mail_link(v->cfg->notify.link, it->child_id,
		    it->instance_id);
		board_lateness(v, it, late, sizeof(late));
		ji = json_object();
		json_object_set_new(ji, "clock", json_string(
		    it->clock->name));
		json_object_set_new(ji, "label", json_string(
		    it->clock->label ? it->clock->label :
		    it->clock->name));
		json_object_set_new(ji, "instance", json_string(
		    it->instance_id));
		json_object_set_new(ji, "child", json_string(
		    it->child_id));
		json_object_set_new(ji, "link", jsonval_str(link));
		json_object_set_new(ji, "priority", jsonval_str(
		    it->priority));
		json_object_set_new(ji, "started_at", jsonval_instant(v->cal,
		    it->started_at));
		json_object_set_new(ji, "due_at", jsonval_instant(v->cal,
		    it->due_at));
		json_object_set_new(ji, "state", json_string(
		    clock_state_name(it->state)));
		json_object_set_new(ji, "lateness", json_string(late));
		json_object_set_new(ji, "worker", jsonval_str(
		    it->worker_id));
		json_object_set_new(ji, "ack", json_ack(v,
		    board_alert_of(v, it->clock->name,
		    it->instance_id)));
		json_array_append_new(items, ji);
		free(link);
	}
	for (size_t i = 0; i < s->nothers; i++) {
		const struct board_other *o = &s->others[i];

		if (strcmp(o->team_id, t->team_id) != 0)
			continue;
		json_array_append_new(others, json_pack("{s:s, s:s, "
		    "s:s, s:s, s:o, s:I, s:o}", "kind", o->at == 0 ?
		    "repeat" : "check", "rule", o->rule, "label",
		    o->label, "child", o->child_id, "at",
		    o->at == 0 ? json_null() : jsonval_instant(v->cal, o->at),
		    "count", (json_int_t)o->count, "ack", json_ack(v,
		    board_alert_of(v, o->rule, o->instance_id))));
	}
	for (size_t i = 0; i < s->ncaseloads; i++)
		if (strcmp(s->caseloads[i].team_id, t->team_id) == 0)
			json_array_append_new(cl, json_pack("{s:s, "
			    "s:i}", "worker", s->caseloads[i].worker_id,
			    "open_cases", s->caseloads[i].open_cases));
	json_object_set_new(jt, "counts", counts);
	json_object_set_new(jt, "items", items);
	json_object_set_new(jt, "more", json_integer((json_int_t)
	    (matching - shown)));
	json_object_set_new(jt, "repeats_and_checks", others);
	json_object_set_new(jt, "caseloads", cl);
	json_object_set_new(jt, "forecast", fc);
	return jt;
}

/* What a client may give as an acknowledgement's reason. */
static json_t *
board_json_reasons(const struct config *cfg)
{
	json_t *a = json_array();

	for (size_t i = 0; i < cfg->nreasons; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:o}", "code",
		    cfg->reasons[i].code, "label", cfg->reasons[i].label,
		    "agency", jsonval_str(cfg->reasons[i].agency)));
	return a;
}

/* The top of /board.json, up to its "teams" array (the last member). */
static void
board_json_head(const struct board_view *v, struct evbuffer *out)
{
	json_t *root = json_object();
	char *text;

	json_object_set_new(root, "version", json_integer((json_int_t)
	    v->version));
	json_object_set_new(root, "changed", json_true());
	json_object_set_new(root, "user", json_string(v->viewer->user));
	json_object_set_new(root, "leader", json_boolean(v->leader));
	json_object_set_new(root, "now", jsonval_instant(v->cal, v->now));
	json_object_set_new(root, "csrf", json_string(v->viewer->csrf));
	json_object_set_new(root, "reasons", board_json_reasons(v->cfg));
	json_object_set_new(root, "reason_required",
	    json_boolean(v->cfg->ack.reason_required));
	text = json_dumps(root, JSON_COMPACT);
	evbuffer_add(out, text, strlen(text) - 1);	/* without its '}' */
	evbuffer_add_printf(out, ",\"teams\":[");
	free(text);
	json_decref(root);
}

/* A team as drawn, shared into the answers by reference. */
struct board_piece {
	struct evbuffer	*body;
	struct evbuffer	*z;		/* body deflated, once a client asks */
	unsigned long	 crc;		/* the text's CRC-32 */
	size_t		 len;		/* the text's length */
	uint64_t	 era;		/* the last it was used in */
	bool		 foreign;	/* shows another team's alert */
	uint64_t	 alerts_gen;	/* all the alerts when drawn */
};

/* Keep at most this much drawn (megabytes an admin, kilobytes a manager). */
#define PIECES_MAX	(64u << 20)

static void
piece_free(void *arg, const char *key, size_t len, void *value)
{
	struct board_piece *p = value;

	(void)arg;
	(void)key;
	(void)len;
	evbuffer_free(p->body);	/* answers still being sent hold their own */
	if (p->z != NULL)
		evbuffer_free(p->z);
	free(p);
}

static void
board_pieces_forget(struct board *b)
{
	if (b->pieces != NULL) {
		strmap_foreach(b->pieces, piece_free, NULL);
		strmap_free(b->pieces);
	}
	b->pieces = NULL;
	b->pieces_bytes = 0;
}

struct sweep {
	struct board	*b;
	struct strmap	*kept;
};

static void
piece_sweep(void *arg, const char *key, size_t len, void *value)
{
	struct sweep *w = arg;
	struct board_piece *p = value;

	if (p->era == w->b->pieces_era) {
		strmap_put(w->kept, key, len, p);
		return;
	}
	w->b->pieces_bytes -= evbuffer_get_length(p->body) +
	    (p->z != NULL ? evbuffer_get_length(p->z) : 0);
	piece_free(NULL, key, len, p);
}

/*
 * What the answers show moved on (a new snapshot, alerts, the minute):
 * keep what was used since the last move, which may still hold, and let
 * the rest go.
 */
static void
board_pieces_era(struct board *b, uint64_t era)
{
	struct sweep w = { b, strmap_new() };

	if (b->pieces != NULL) {
		strmap_foreach(b->pieces, piece_sweep, &w);
		strmap_free(b->pieces);
	}
	b->pieces = w.kept;
	b->pieces_era = era;
}

/* p, compressed too if the answer is (or NULL if zlib failed). */
static struct board_piece *
piece_deflated(struct board *b, struct board_piece *p, bool gz)
{
	if (!gz || p->z != NULL)
		return p;
	p->z = evbuffer_new();
	if (board_deflate(p->body, p->z, &p->crc) != 0) {
		evbuffer_free(p->z);
		p->z = NULL;
		return NULL;
	}
	b->pieces_bytes += evbuffer_get_length(p->z);
	return p;
}

/*
 * Team t as the view draws it, from what is kept or drawn now.  A team's
 * section depends on its own stamp (its clocks, repeats, checks and
 * caseloads), its alerts (all of them, if it shows one raised under
 * another team), the minute (how late), the filter and, in the page, the
 * user's token in its forms; nothing else.
 */
static struct board_piece *
board_piece(struct board *b, const struct board_view *v,
    const struct board_team *t, bool json, bool gz)
{
	struct board_view w = *v;
	struct board_piece *p;
	char *key, *text;
	const uint64_t *alerts;
	size_t len;
	json_t *jt;

	alerts = b->alert_teams == NULL ? NULL : strmap_get(b->alert_teams,
	    t->team_id, strlen(t->team_id));
	key = xasprintf("%c %" PRIx64 " %" PRIx64 " %lld %d %d %s\x1f%s\x1f%s",
	    json ? 'j' : 'h', t->stamp, alerts != NULL ? *alerts : 0,
	    (long long)(v->now / 60), v->cfg->http.board_max_items,
	    v->filter.state, v->filter.clock ? v->filter.clock : "",
	    json ? "" : v->viewer->csrf, t->team_id);
	len = strlen(key);
	p = strmap_get(b->pieces, key, len);
	/* One that shows another team's alert holds while no alert changed. */
	if (p != NULL && p->foreign && p->alerts_gen != b->alerts_gen) {
		strmap_del(b->pieces, key, len);
		b->pieces_bytes -= evbuffer_get_length(p->body) +
		    (p->z != NULL ? evbuffer_get_length(p->z) : 0);
		piece_free(NULL, key, len, p);
		p = NULL;
	}
	if (p != NULL) {
		p->era = b->pieces_era;
		free(key);
		return piece_deflated(b, p, gz);
	}
	p = xcalloc(1, sizeof(*p));
	p->body = evbuffer_new();
	p->era = b->pieces_era;
	p->alerts_gen = b->alerts_gen;
	w.team = t->team_id;
	w.foreign = &p->foreign;
	if (json) {
		jt = board_json_team(&w, t);
		text = json_dumps(jt, JSON_COMPACT);
		evbuffer_add(p->body, text, strlen(text));
		free(text);
		json_decref(jt);
	} else
		board_render_team(&w, t, p->body);
	/* One block, before anyone shares it: deflated and copied from. */
	p->len = evbuffer_get_length(p->body);
	evbuffer_pullup(p->body, -1);
	if (b->pieces_bytes + evbuffer_get_length(p->body) > PIECES_MAX) {
		board_pieces_forget(b);
		b->pieces = strmap_new();
	}
	b->pieces_bytes += evbuffer_get_length(p->body);
	strmap_put(b->pieces, key, len, p);
	free(key);
	return piece_deflated(b, p, gz);
}

/* Append what src holds to dst, copied (src may be shared by reference). */
static void
copy_into(struct evbuffer *dst, struct evbuffer *src)
{
	size_t n = evbuffer_get_length(src);
	struct evbuffer_iovec v;

	if (n == 0 || evbuffer_reserve_space(dst, (ev_ssize_t)n, &v, 1) < 1)
		return;
	evbuffer_copyout(src, v.iov_base, n);
	v.iov_len = n;
	evbuffer_commit_space(dst, &v, 1);
}

/*
 * Everything of an answer after its head (which names the user and the
 * second): the teams the viewer sees, in order, and the tail, drawn from
 * the kept sections into one piece, kept while the board's version and
 * the minute hold.  Every answer for the same teams, filter and coding
 * (and, in the page, token) is then its head and this, by reference.
 */
static struct board_piece *
board_rest(struct board *b, const struct board_view *v, bool json, bool gz)
{
	const struct board_snap *s = v->snap;
	struct board_piece *r, *p;
	struct evbuffer *part;
	struct board_gz g;
	char *key, *seen = xmalloc(s->nteams + 1);
	bool first = true;
	size_t len;

	for (size_t ti = 0; ti < s->nteams; ti++)
		seen[ti] = v->viewer->team_ok[ti] ? '1' : '0';
	seen[s->nteams] = '\0';
	/* Good for this era only (the pieces' keys say what they show). */
	key = xasprintf("R%c%c %" PRIx64 " %d %d %s\x1f%s\x1f%s", json ? 'j' :
	    'h', gz ? 'z' : '-', b->pieces_era, v->cfg->http.board_max_items,
	    v->filter.state,
	    v->filter.clock ? v->filter.clock : "", json ? "" : v->viewer->csrf,
	    seen);
	free(seen);
	len = strlen(key);
	if ((r = strmap_get(b->pieces, key, len)) != NULL) {
		r->era = b->pieces_era;
		free(key);
		return r;
	}
	r = xcalloc(1, sizeof(*r));
	r->era = b->pieces_era;
	r->body = evbuffer_new();
	part = evbuffer_new();
	if (gz) {
		r->z = evbuffer_new();
		g.out = r->z;
		g.crc = 0;
		g.len = 0;
	}
	for (size_t ti = 0; ti < s->nteams && r != NULL; ti++) {
		if (!v->viewer->team_ok[ti])
			continue;
		if (json && !first)
			evbuffer_add(part, ",", 1);
		first = false;
		if ((p = board_piece(b, v, &s->teams[ti], json, gz)) == NULL) {
			piece_free(NULL, NULL, 0, r);
			r = NULL;
		} else if (gz) {
			board_gz_buffer(&g, part);
			board_gz_piece(&g, p->z, p->crc, p->len, false);
		} else {
			evbuffer_add_buffer(r->body, part);
			copy_into(r->body, p->body);
		}
	}
	if (r == NULL) {
		evbuffer_free(part);
		free(key);
		return NULL;
	}
	if (json)
		evbuffer_add(part, "]}\n", 3);
	else
		board_render_tail(v, part);
	if (gz) {
		board_gz_buffer(&g, part);
		r->crc = g.crc;
		r->len = g.len;
	} else {
		evbuffer_add_buffer(r->body, part);
		r->len = evbuffer_get_length(r->body);
	}
	evbuffer_free(part);
	b->pieces_bytes += evbuffer_get_length(r->body) +
	    (r->z != NULL ? evbuffer_get_length(r->z) : 0);
	strmap_put(b->pieces, key, len, r);
	free(key);
	return r;
}

/*
 * The board as JSON or HTML into out, gzipped if gz: the head drawn now
 * for this user and this second, the rest by reference from what is kept
 * (so an answer of megabytes costs no copying, and 50 browsers polling
 * one board cost one drawing of it).  Returns false if zlib failed, with
 * out to be thrown away.
 */
static bool
board_draw(struct board *b, const struct board_view *v, bool json, bool gz,
    struct evbuffer *out)
{
	uint64_t minute = (uint64_t)(v->now / 60);
	uint64_t global = board_era_version(b);
	uint64_t era = board_hash_mix(global, &minute, sizeof(minute));
	struct evbuffer *head = evbuffer_new();
	struct board_piece *r;
	struct board_gz g;

	if (b->pieces == NULL || era != b->pieces_era)
		board_pieces_era(b, era);
	if ((r = board_rest(b, v, json, gz)) == NULL) {
		evbuffer_free(head);
		return false;
	}
	if (json)
		board_json_head(v, head);
	else
		board_render_head(v, head);
	if (gz) {
		board_gz_start(&g, out);
		board_gz_buffer(&g, head);
		board_gz_piece(&g, r->z, r->crc, r->len, true);
		board_gz_end(&g);
	} else {
		evbuffer_add_buffer(out, head);
		if (evbuffer_add_buffer_reference(out, r->body) != 0)
			copy_into(out, r->body);
	}
	evbuffer_free(head);
	return true;
}


static void
board_get(struct board *b, struct evhttp_request *req, bool json)
{
	struct board_viewer viewer;
	struct board_view v;
	struct evkeyvalq q;
	struct evbuffer *out;
	const char *since, *acked;
	char note[96], vers[24];
	uint64_t version;

	TAILQ_INIT(&q);
	board_fresh(b, engine_now());
	if (board_viewer(b, req, &viewer) != 0) {
		metrics.board_denied++;
		return;
	}
	evhttp_parse_query_str(evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req)) ? evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req)) : "", &q);
	memset(&v, 0, sizeof(v));
	v.cfg = b->cfg;
	v.cal = b->cal;
	v.snap = b->snap;
	v.alerts = b->alerts;
	v.viewer = &viewer;
	v.now = engine_now();
	v.leader = engine_stats(b->engine)->leader;
	version = v.version = board_version(b, &viewer);
	board_filter_parse(b->cfg, &q, &v.filter);
	out = evbuffer_new();
	since = json ? evhttp_find_header(&q, "since") : NULL;
	if (!json) {
		acked = evhttp_find_header(&q, "acked");
		if (acked != NULL && strspn(acked, "0123456789") ==
		    strlen(acked) && *acked != '\0' && strlen(acked) < 20) {
			snprintf(note, sizeof(note), "Alert %s acknowledged.",
			    acked);
			v.notice = note;
		}
	}
	/* Caches between us and the browser keep one answer per coding. */
	evhttp_add_header(evhttp_request_get_output_headers(req), "Vary",
	    "Accept-Encoding");
	/* The version, for scripts that ask ?since= and read answers gzipped. */
	snprintf(vers, sizeof(vers), "%" PRIu64, version);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "X-Board-Version", vers);
	if (since != NULL && strtoull(since, NULL, 10) == version) {
		evbuffer_add_printf(out, "{\"version\":%" PRIu64
		    ",\"changed\":false}\n", version);
	} else if (board_accepts_gzip(req) && board_draw(b, &v, json, true,
	    out))
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Encoding", "gzip");
	else {
		evbuffer_drain(out, evbuffer_get_length(out));
		board_draw(b, &v, json, false, out);
	}
	board_reply(req, 200, "OK", json ? "application/json" :
	    "text/html; charset=utf-8", out);
	evbuffer_free(out);
	evhttp_clear_headers(&q);
	board_viewer_clear(&viewer);
}

void
board_serve(struct board *b, struct evhttp_request *req, const char *path,
    const struct board_hold *hold)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	metrics.board_requests++;
	if (!b->cfg->http.board) {
		board_text(req, 404, "Not Found", "the board is off "
		    "(http.board = false)");
		return;
	}
	if (strcmp(path, "/board.js") == 0) {
		struct evbuffer *js = evbuffer_new();

		evbuffer_add_reference(js, board_script, strlen(board_script),
		    NULL, NULL);
		board_reply(req, 200, "OK", "text/javascript; charset=utf-8",
		    js);
		evbuffer_free(js);
		return;
	}
	if (strcmp(path, "/ack") == 0) {
		if (cmd != EVHTTP_REQ_POST) {
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Allow", "POST");
			board_text(req, 405, "Method Not Allowed", "POST only");
			return;
		}
		board_post_ack(b, req, hold);
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		board_text(req, 405, "Method Not Allowed", "GET only");
		return;
	}
	board_get(b, req, strcmp(path, "/board.json") == 0);
}

struct board *
board_new(struct event_base *base, struct engine *e,
    const struct config *cfg, const struct calendar *cal)
{
	struct board *b = xcalloc(1, sizeof(*b));
	struct timeval tv = { 1, 0 };

	b->base = base;
	b->engine = e;
	b->cfg = cfg;
	b->cal = cal;
	b->csrf = strmap_new();
	b->looked_at = INT64_MIN / 2;
	b->ev_tick = event_new(base, -1, EV_PERSIST, board_tick, b);
	if (cfg->http.board)
		event_add(b->ev_tick, &tv);
	return b;
}

void
board_reconfigure(struct board *b, const struct config *cfg,
    const struct calendar *cal)
{
	struct timeval tv = { 1, 0 };

	b->cfg = cfg;
	b->cal = cal;
	/* The board ticks (once a second) only while it is on. */
	if (cfg->http.board && !event_pending(b->ev_tick, EV_TIMEOUT, NULL))
		event_add(b->ev_tick, &tv);
	else if (!cfg->http.board)
		event_del(b->ev_tick);
	b->aux_at = 0;
	/* The snapshot points into the old config's clocks. */
	board_snap_free(b->snap);
	b->snap = NULL;
	board_pieces_forget(b);
}

void
board_free(struct board *b)
{
	if (b == NULL)
		return;
	board_access_free(b);
	board_pieces_forget(b);
	event_free(b->ev_tick);
	board_snap_free(b->snap);
	board_refresh_free(b);
	free(b);
}

