/*
 * The board's snapshot, its JSON, and the requests: what is served and
 * when.  Who may see what, the CSRF token and POST /ack are in
 * board_access.c; the alerts, teams and caseloads read from the databases
 * in board_refresh.c; the page itself in board_html.c.
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

#include "mashwatch/jsonval.h"
#include "mashwatch/mail.h"
#include "mashwatch/strmap.h"
#include "mashwatch/xmalloc.h"

#include "board_impl.h"
#include "engine.h"
#include "metrics.h"

/* Strings of one snapshot, carved from 64 KB blocks, freed at once. */
struct board_arena {
	struct board_arena	*next;
	size_t			 used, size;
	char			 data[];
};

static void *
arena_alloc(struct board_arena **a, size_t n)
{
	struct board_arena *blk = *a;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (blk == NULL || blk->used + n > blk->size) {
		size_t size = n > 65536 ? n : 65536;

		blk = xmalloc(sizeof(*blk) + size);
		blk->size = size;
		blk->used = 0;
		blk->next = *a;
		*a = blk;
	}
	p = blk->data + blk->used;
	blk->used += n;
	return p;
}

const char *
board_arena_strdup(struct board_arena **a, const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	p = arena_alloc(a, n);
	memcpy(p, s, n);
	return p;
}

void
board_arena_free(struct board_arena *a)
{
	while (a != NULL) {
		struct board_arena *next = a->next;

		free(a);
		a = next;
	}
}

uint64_t
board_hash_mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t
board_hash_str(uint64_t h, const char *s)
{
	return board_hash_mix(h, s ? s : "\x01", s ? strlen(s) + 1 : 1);
}

/* The snapshot. */

static void
snap_free(struct board_snap *s)
{
	if (s == NULL)
		return;
	free(s->items);
	for (size_t i = 0; i < s->nteams; i++)
		free(s->teams[i].counts);
	free(s->teams);
	free(s->others);
	free(s->caseloads);
	board_arena_free(s->arena);
	free(s);
}

struct collect {
	struct board_snap	*s;
	size_t			 cap, ocap;
};

static void
collect_clock(void *arg, const struct clock_view *v)
{
	struct collect *c = arg;
	struct board_snap *s = c->s;
	struct board_item *it;
	const struct timescale *lim;

	if (v->state > CS_ESCALATED)
		return;
	if (s->nitems == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		s->items = xreallocarray(s->items, c->cap, sizeof(*s->items));
	}
	it = &s->items[s->nitems++];
	it->clock = v->clock;
	it->instance_id = board_arena_strdup(&s->arena, v->instance_id);
	it->child_id = board_arena_strdup(&s->arena, v->child_id);
	it->team_id = board_arena_strdup(&s->arena, v->team_id ? v->team_id : "");
	it->worker_id = board_arena_strdup(&s->arena, v->worker_id);
	it->priority = board_arena_strdup(&s->arena, v->priority);
	it->started_at = v->started_at;
	it->due_at = v->due_at;
	lim = config_clock_limit(v->clock, v->priority);
	if (lim == NULL)
		lim = &v->clock->limit;
	it->hourly = lim->unit == TS_HOURS;
	it->state = v->state;
}

static struct board_other *
other_add(struct collect *c)
{
	struct board_snap *s = c->s;

	if (s->nothers == c->ocap) {
		c->ocap = c->ocap ? c->ocap * 2 : 64;
		s->others = xreallocarray(s->others, c->ocap,
		    sizeof(*s->others));
	}
	return memset(&s->others[s->nothers++], 0, sizeof(*s->others));
}

static void
collect_repeat(void *arg, const struct repeat_view *v)
{
	struct collect *c = arg;
	struct board_other *o = other_add(c);

	o->rule = board_arena_strdup(&c->s->arena, v->rule->name);
	o->label = v->rule->label ? board_arena_strdup(&c->s->arena, v->rule->label) :
	    o->rule;
	o->instance_id = board_arena_strdup(&c->s->arena, v->child_id);
	o->child_id = o->instance_id;
	o->team_id = board_arena_strdup(&c->s->arena, v->team_id ? v->team_id : "");
	o->count = v->count;
}

static void
collect_check(void *arg, const struct check_view *v)
{
	struct collect *c = arg;
	struct board_other *o = other_add(c);

	o->rule = board_arena_strdup(&c->s->arena, v->check->name);
	o->label = v->check->label ? board_arena_strdup(&c->s->arena,
	    v->check->label) : o->rule;
	o->instance_id = board_arena_strdup(&c->s->arena, v->instance_id);
	o->child_id = board_arena_strdup(&c->s->arena, v->child_id);
	o->team_id = board_arena_strdup(&c->s->arena, v->team_id ? v->team_id : "");
	o->at = v->occurred_at;
}

/* By team ("" last), then due, start, clock and instance. */
int
board_team_cmp(const char *a, const char *b)
{
	if (*a == '\0' || *b == '\0')
		return (*a == '\0') - (*b == '\0');
	return strcmp(a, b);
}

static int
item_cmp(const void *pa, const void *pb)
{
	const struct board_item *a = pa, *b = pb;
	int r = board_team_cmp(a->team_id, b->team_id);

	if (r != 0)
		return r;
	if (a->due_at != b->due_at)
		return a->due_at < b->due_at ? -1 : 1;
	if (a->started_at != b->started_at)
		return a->started_at < b->started_at ? -1 : 1;
	if ((r = strcmp(a->clock->name, b->clock->name)) != 0)
		return r;
	return strcmp(a->instance_id, b->instance_id);
}

/* Repeats before checks, then by team, most events first, then child. */
static int
other_cmp(const void *pa, const void *pb)
{
	const struct board_other *a = pa, *b = pb;
	int r;

	if ((a->at == 0) != (b->at == 0))
		return a->at == 0 ? -1 : 1;
	if ((r = board_team_cmp(a->team_id, b->team_id)) != 0)
		return r;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if ((r = strcmp(a->rule, b->rule)) != 0)
		return r;
	return strcmp(a->instance_id, b->instance_id);
}

static struct board_team *
snap_team(struct board_snap *s, const struct board *b, const char *team_id)
{
	struct board_team *t;
	const struct team_addr *ta;
	size_t lo = 0, hi = s->nteams;

	/* Teams are added in order, so the last is the one to look at first. */
	if (s->nteams > 0 && strcmp(s->teams[s->nteams - 1].team_id,
	    team_id) == 0)
		return &s->teams[s->nteams - 1];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = board_team_cmp(s->teams[mid].team_id, team_id);

		if (r == 0)
			return &s->teams[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	s->teams = xreallocarray(s->teams, s->nteams + 1, sizeof(*s->teams));
	memmove(&s->teams[lo + 1], &s->teams[lo],
	    (s->nteams - lo) * sizeof(*s->teams));
	s->nteams++;
	t = memset(&s->teams[lo], 0, sizeof(*t));
	t->team_id = board_arena_strdup(&s->arena, team_id);
	ta = board_team_addr(b, team_id);
	if (ta != NULL && ta->name != NULL && *ta->name != '\0')
		t->name = board_arena_strdup(&s->arena, ta->name);
	t->counts = xcalloc(b->cfg->nclocks ? b->cfg->nclocks : 1,
	    sizeof(*t->counts));
	for (size_t i = 0; i < b->cfg->nclocks; i++)
		t->counts[i].clock = &b->cfg->clocks[i];
	return t;
}

static size_t
clock_index(const struct config *cfg, const struct clock_conf *c)
{
	return (size_t)(c - cfg->clocks);
}

/* What the snapshot is built from: when it changes, build again. */
static uint64_t
board_stamp(const struct board *b, int64_t now)
{
	const struct engine_stats *st = engine_stats(b->engine);
	uint64_t h = 0xcbf29ce484222325ULL, minute = (uint64_t)(now / 60);

	h = board_hash_mix(h, &st->polls, sizeof(st->polls));
	h = board_hash_mix(h, &st->raised, sizeof(st->raised));
	h = board_hash_mix(h, &st->resolved, sizeof(st->resolved));
	h = board_hash_mix(h, &minute, sizeof(minute));
	h = board_hash_mix(h, &b->aux_gen, sizeof(b->aux_gen));
	h = board_hash_mix(h, &b->cfg, sizeof(b->cfg));
	return h;
}

static void
board_build(struct board *b, int64_t now, uint64_t stamp)
{
	const struct model *m = engine_model(b->engine);
	struct board_snap *s = xcalloc(1, sizeof(*s));
	struct collect c = { s, 0, 0 };

	s->at = now;
	s->stamp = stamp;
	model_foreach_clock(m, now, collect_clock, &c);
	model_foreach_repeat(m, now, collect_repeat, &c);
	model_foreach_failed_check(m, collect_check, &c);
	if (s->nitems > 1)
		qsort(s->items, s->nitems, sizeof(*s->items), item_cmp);
	if (s->nothers > 1)
		qsort(s->others, s->nothers, sizeof(*s->others), other_cmp);
	for (size_t i = 0; i < s->nitems; i++) {
		struct board_item *it = &s->items[i];
		struct board_team *t = snap_team(s, b, it->team_id);
		struct board_count *k = &t->counts[clock_index(b->cfg,
		    it->clock)];

		if (t->n == 0)
			t->first = i;
		t->n++;
		k->open++;
		if (it->state == CS_DUE_SOON)
			k->due_soon++;
		else if (it->state == CS_OVERDUE)
			k->overdue++;
		else if (it->state == CS_ESCALATED)
			k->escalated++;
	}
	for (size_t i = 0; i < s->nothers; i++) {
		struct board_team *t = snap_team(s, b, s->others[i].team_id);

		if (s->others[i].at == 0)
			t->nrepeats++;
		else
			t->nchecks++;
	}
	if (b->ncaseloads > 0) {
		s->caseloads = xreallocarray(NULL, b->ncaseloads,
		    sizeof(*s->caseloads));
		for (size_t i = 0; i < b->ncaseloads; i++) {
			s->caseloads[i] = b->caseloads[i];
			s->caseloads[i].worker_id = board_arena_strdup(&s->arena,
			    b->caseloads[i].worker_id);
			s->caseloads[i].team_id = board_arena_strdup(&s->arena,
			    b->caseloads[i].team_id);
			snap_team(s, b, s->caseloads[i].team_id)->ncaseloads++;
		}
		s->ncaseloads = b->ncaseloads;
	}
	/* Teams with nothing waiting still get their (empty) section. */
	for (size_t i = 0; i < b->nteams; i++)
		snap_team(s, b, b->teams[i].team_id);
	for (size_t i = 0; i < b->cfg->routes.nteams; i++)
		snap_team(s, b, b->cfg->routes.teams[i].team_id);
	snap_free(b->snap);
	b->snap = s;
}

/* Helpers for the renderers. */

const struct board_alert *
board_alert_of(const struct board_view *v, const char *rule,
    const char *instance_id)
{
	char key[2 * MODEL_MAX_ID + 80];
	int n;

	if (v->alerts == NULL)
		return NULL;
	n = snprintf(key, sizeof(key), "%s\x1f%s", rule, instance_id);
	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	return strmap_get(v->alerts, key, (size_t)n);
}

bool
board_item_shown(const struct board_view *v, const struct board_item *it)
{
	if (v->filter.clock != NULL && strcmp(it->clock->name,
	    v->filter.clock) != 0)
		return false;
	return v->filter.state < 0 || (int)it->state == v->filter.state;
}

void
board_format_time(const struct calendar *cal, int64_t t, bool with_time,
    char *buf, size_t len)
{
	time_t lt;
	struct tm tm;

	if (t == TIME_NONE) {
		snprintf(buf, len, "-");
		return;
	}
	lt = (time_t)(t + calendar_utc_offset(cal, t));
	gmtime_r(&lt, &tm);
	strftime(buf, len, with_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d", &tm);
}

void
board_lateness(const struct board_view *v, const struct board_item *it,
    char *buf, size_t len)
{
	struct mail_context ctx = { .cal = v->cal, .now = v->now };
	struct mail_item mi;
	int64_t d;

	if (it->hourly) {
		d = v->now - it->due_at;
		if (d < 0)
			snprintf(buf, len, "due in %lld h %02lld min",
			    (long long)(-d / 3600), (long long)(-d % 3600 / 60));
		else
			snprintf(buf, len, "%lld h %02lld min late",
			    (long long)(d / 3600), (long long)(d % 3600 / 60));
		return;
	}
	memset(&mi, 0, sizeof(mi));
	mi.rule = it->clock->name;
	mi.level = "overdue";
	mi.due_at = it->due_at;
	mi.started_at = it->started_at;
	mi.stopped_at = mi.fired_at = mi.first_sent_at = TIME_NONE;
	mail_item_lateness(&ctx, &mi, buf, len);
}

const char *
board_state_label(enum clock_state s)
{
	switch (s) {
	case CS_ON_TIME:
		return "on time";
	case CS_DUE_SOON:
		return "due soon";
	case CS_OVERDUE:
		return "overdue";
	case CS_ESCALATED:
		return "escalated";
	default:
		return clock_state_name(s);
	}
}

/* Requests. */

void
board_reply(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "same-origin");
	evhttp_add_header(h, "Content-Security-Policy", "default-src 'none'; "
	    "script-src 'self'; style-src 'unsafe-inline'; connect-src "
	    "'self'; form-action 'self'; frame-ancestors 'none'; "
	    "base-uri 'none'");
	evhttp_send_reply(req, code, reason, body);
}

void
board_text(struct evhttp_request *req, int code, const char *reason,
    const char *line)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add_printf(b, "%s\n", line);
	board_reply(req, code, reason, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}

static uint64_t
board_version(const struct board *b)
{
	uint64_t h = b->snap->stamp;

	h = board_hash_mix(h, &b->alerts_gen, sizeof(b->alerts_gen));
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
	return o;
}

static json_t *
board_json(const struct board_view *v)
{
	const struct board_snap *s = v->snap;
	json_t *root = json_object(), *teams = json_array();
	int max = v->cfg->http.board_max_items;
	char late[96];

	json_object_set_new(root, "version", json_integer((json_int_t)
	    v->version));
	json_object_set_new(root, "changed", json_true());
	json_object_set_new(root, "user", json_string(v->viewer->user));
	json_object_set_new(root, "leader", json_boolean(v->leader));
	json_object_set_new(root, "now", jsonval_instant(v->cal, v->now));
	json_object_set_new(root, "csrf", json_string(v->viewer->csrf));
	for (size_t ti = 0; ti < s->nteams; ti++) {
		const struct board_team *t = &s->teams[ti];
		json_t *jt, *counts, *items, *others, *cl;
		size_t shown = 0, matching = 0;

		if (!v->viewer->team_ok[ti])
			continue;
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
		json_array_append_new(teams, jt);
	}
	json_object_set_new(root, "teams", teams);
	return root;
}

/*
 * What a view draws depends only on these (the version covers the
 * snapshot, the alerts, the teams and the config).
 */
static char *
board_draw_key(const struct board_view *v, bool json)
{
	return xasprintf("%d\x1f%s\x1f%s\x1f%" PRIu64 "\x1f%lld\x1f%d\x1f%s"
	    "\x1f%d\x1f%s", json, v->viewer->user, v->viewer->csrf, v->version,
	    (long long)v->now, v->leader, v->filter.clock ? v->filter.clock :
	    "", v->filter.state, v->notice ? v->notice : "");
}

static void
board_draw_forget(struct board *b)
{
	free(b->last_key);
	b->last_key = NULL;
	if (b->last_body != NULL)
		evbuffer_free(b->last_body);
	b->last_body = NULL;
}

/*
 * The board as JSON or HTML into out.  The same user asking again within
 * the second while nothing changed (several tabs, a script, a proxy
 * retrying) gets a copy of the last answer: the whole board for someone
 * who sees every team is megabytes, and drawing it again would hold the
 * loop for a large part of a second each time.
 */
static void
board_draw(struct board *b, const struct board_view *v, bool json,
    struct evbuffer *out)
{
	char *key = board_draw_key(v, json), *text;
	json_t *root;
	size_t len;

	if (b->last_key != NULL && strcmp(key, b->last_key) == 0) {
		len = evbuffer_get_length(b->last_body);
		evbuffer_add(out, evbuffer_pullup(b->last_body, -1), len);
		free(key);
		return;
	}
	if (json) {
		root = board_json(v);
		text = json_dumps(root, JSON_COMPACT);
		evbuffer_add(out, text, strlen(text));
		evbuffer_add(out, "\n", 1);
		free(text);
		json_decref(root);
	} else
		board_render_html(v, out);
	board_draw_forget(b);
	b->last_key = key;
	b->last_body = evbuffer_new();
	len = evbuffer_get_length(out);
	evbuffer_add(b->last_body, evbuffer_pullup(out, -1), len);
}

/* Build the snapshot again if what it was built from changed. */
void
board_fresh(struct board *b, int64_t now)
{
	uint64_t stamp = board_stamp(b, now);
	bool idle = now - b->looked_at > LOOKING_FOR;

	b->looked_at = now;
	if (idle) {
		/* Someone looks again after a while: read what we let go. */
		board_alerts_refresh(b);
		if (now - b->aux_at >= AUX_EVERY)
			board_aux_refresh(b);
	}
	if (b->snap == NULL || b->snap->stamp != stamp)
		board_build(b, now, stamp);
}

static void
board_get(struct board *b, struct evhttp_request *req, bool json)
{
	struct board_viewer viewer;
	struct board_view v;
	struct evkeyvalq q;
	struct evbuffer *out;
	const char *since, *acked;
	char note[96];
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
	version = v.version = board_version(b);
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
	if (since != NULL && strtoull(since, NULL, 10) == version) {
		evbuffer_add_printf(out, "{\"version\":%" PRIu64
		    ",\"changed\":false}\n", version);
	} else
		board_draw(b, &v, json, out);
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
	snap_free(b->snap);
	b->snap = NULL;
	board_draw_forget(b);
}

void
board_free(struct board *b)
{
	if (b == NULL)
		return;
	board_access_free(b);
	board_draw_forget(b);
	event_free(b->ev_tick);
	snap_free(b->snap);
	board_refresh_free(b);
	free(b);
}

