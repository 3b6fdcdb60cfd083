/*
 * Per-child event windows and the repeat rules over them.  A repeat alert
 * is keyed by the event that brought a child to the rule's minimum (or
 * beyond) inside its window, so each further contact is a fresh alert and
 * a restart never repeats one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/xmalloc.h"

#include "model_impl.h"

struct event {
	int64_t		 at;
	char		*id;
	uint32_t	 pass;
};

struct child_events {
	const char	*kind;		/* interned */
	const char	*team_id;	/* interned: of the latest event */
	char		*child_id;
	struct event	*v;		/* oldest first */
	uint32_t	 n;
	uint32_t	 cap;
};

static size_t
events_key(char *buf, size_t len, const char *a, const char *b)
{
	return (size_t)snprintf(buf, len, "%s\x1f%s", a, b);
}

static void
child_free(struct child_events *ce)
{
	for (uint32_t i = 0; i < ce->n; i++)
		free(ce->v[i].id);
	free(ce->v);
	free(ce->child_id);
	free(ce);
}

static void
child_free_cb(void *arg, const char *key, size_t len, void *value)
{
	(void)arg;
	(void)key;
	(void)len;
	child_free(value);
}

void
model_events_free(struct model *m)
{
	strmap_foreach(m->children, child_free_cb, NULL);
	strmap_free(m->children);
}

void
model_repeat_mark(struct model *m, const char *rule, const char *event_id)
{
	char key[2 * MODEL_MAX_ID + 8];
	size_t n = events_key(key, sizeof(key), rule, event_id);

	if (n < sizeof(key))
		strmap_put(m->repeat_fired, key, n, m);
}

static bool
kind_is_counted(const struct model *m, const char *kind)
{
	for (size_t i = 0; i < m->cfg->nrepeats; i++)
		if (strcmp(m->cfg->repeats[i].kind, kind) == 0)
			return true;
	return false;
}

/* Events of ce in (t - window, t]: the index of the first, and the count. */
static size_t
window_count(const struct model *m, const struct child_events *ce,
    const struct repeat_conf *r, int64_t t, size_t *first)
{
	int64_t lo = calendar_subtract(m->cal, t, &r->window);
	size_t n = 0;

	*first = ce->n;
	for (size_t i = 0; i < ce->n; i++) {
		if (ce->v[i].at <= lo || ce->v[i].at > t)
			continue;
		if (n++ == 0)
			*first = i;
	}
	return n;
}

/*
 * Fire the rules over ce's kind if the event at index k brought the child
 * to the minimum, and k is still inside the window at now.
 */
static void
child_evaluate(struct model *m, struct child_events *ce, size_t k,
    int64_t now, const int64_t *since)
{
	const struct event *e = &ce->v[k];

	for (size_t i = 0; i < m->cfg->nrepeats; i++) {
		const struct repeat_conf *r = &m->cfg->repeats[i];
		char key[2 * MODEL_MAX_ID + 8], win[64];
		size_t n, first, klen;
		struct transition *t;
		json_t *ids;

		if (strcmp(r->kind, ce->kind) != 0)
			continue;
		if (e->at <= (since ? since[i] :
		    calendar_subtract(m->cal, now, &r->window)))
			continue;
		n = window_count(m, ce, r, e->at, &first);
		if (n < (size_t)r->min)
			continue;
		klen = events_key(key, sizeof(key), r->name, e->id);
		if (klen >= sizeof(key) || strmap_get(m->repeat_fired, key, klen))
			continue;
		strmap_put(m->repeat_fired, key, klen, m);
		if (m->replay)
			continue;
		t = model_push(m, TR_RAISE, r->name, e->id);
		t->level = AL_REPEAT;
		t->child_id = xstrdup(ce->child_id);
		t->team_id = xstrdup(ce->team_id);
		t->fired_at = e->at;
		t->started_at = ce->v[first].at;
		ids = json_array();
		for (size_t j = first; j < ce->n; j++)
			if (ce->v[j].at <= e->at)
				json_array_append_new(ids, json_string(ce->v[j].id));
		timescale_format(&r->window, win, sizeof(win));
		t->detail = model_json(json_pack("{s:s,s:I,s:s,s:o}", "kind",
		    r->kind, "count", (json_int_t)n, "window", win, "events",
		    ids));
	}
}

/* Keep v sorted by time after v[k] moved or arrived; returns its new index. */
static size_t
child_settle(struct child_events *ce, size_t k)
{
	struct event e = ce->v[k];

	while (k > 0 && (ce->v[k - 1].at > e.at ||
	    (ce->v[k - 1].at == e.at && strcmp(ce->v[k - 1].id, e.id) > 0))) {
		ce->v[k] = ce->v[k - 1];
		k--;
	}
	while (k + 1 < ce->n && (ce->v[k + 1].at < e.at ||
	    (ce->v[k + 1].at == e.at && strcmp(ce->v[k + 1].id, e.id) < 0))) {
		ce->v[k] = ce->v[k + 1];
		k++;
	}
	ce->v[k] = e;
	return k;
}

int
model_put_event(struct model *m, const struct event_row *r, int64_t now)
{
	static const char *const names[] = { "kind", "event_id", "child_id" };
	const char *vals[] = { r->kind, r->event_id, r->child_id };
	char key[2 * MODEL_MAX_ID + 8], buf[128];
	const char *why = NULL;
	struct child_events *ce;
	size_t klen, k;
	bool fresh = false;

	for (size_t i = 0; i < 3 && why == NULL; i++)
		if ((why = model_check_text(vals[i], MODEL_MAX_ID)) != NULL) {
			snprintf(buf, sizeof(buf), "%s %s", names[i], why);
			why = buf;
		}
	if (why == NULL && r->team_id != NULL &&
	    model_check_text(r->team_id, MODEL_MAX_ID) != NULL)
		why = "team_id is not valid text";
	if (why == NULL && r->occurred_at == TIME_NONE)
		why = "occurred_at is missing";
	if (why == NULL && !m->replay &&
	    r->occurred_at > now + MODEL_FUTURE_SLACK)
		why = "occurs in the future";
	if (why != NULL) {
		model_invalid(m, "mash.events", r->kind, r->event_id, why,
		    false, now);
		return -1;
	}
	model_invalid_clear(m, "mash.events", r->kind, r->event_id, now);
	if ((m->replay && r->occurred_at > now) || !kind_is_counted(m, r->kind))
		return 0;

	klen = events_key(key, sizeof(key), r->kind, r->child_id);
	if ((ce = strmap_get(m->children, key, klen)) == NULL) {
		ce = xcalloc(1, sizeof(*ce));
		ce->kind = strmap_intern(m->strings, r->kind);
		ce->child_id = xstrdup(r->child_id);
		strmap_put(m->children, key, klen, ce);
	}
	for (k = 0; k < ce->n; k++)
		if (strcmp(ce->v[k].id, r->event_id) == 0)
			break;
	if (k == ce->n) {
		if (ce->n == ce->cap) {
			ce->cap = ce->cap ? ce->cap * 2 : 2;
			ce->v = xreallocarray(ce->v, ce->cap, sizeof(*ce->v));
		}
		ce->v[k].id = xstrdup(r->event_id);
		ce->n++;
		m->nevents++;
		fresh = true;
	}
	ce->v[k].at = r->occurred_at;
	ce->v[k].pass = m->pass;
	k = child_settle(ce, k);
	if (k == ce->n - 1)
		ce->team_id = strmap_intern(m->strings, r->team_id);
	if (m->loaded && !m->in_full && fresh)
		child_evaluate(m, ce, k, now, NULL);
	return 0;
}

struct sweep_ctx {
	struct model	*m;
	int64_t		 now;
	int64_t		*since;		/* per rule: now - window, computed once */
	char		**empty;
	size_t		 nempty;
};

static void
child_sweep(void *arg, const char *key, size_t len, void *value)
{
	struct sweep_ctx *sc = arg;
	struct child_events *ce = value;
	uint32_t j = 0;

	for (uint32_t i = 0; i < ce->n; i++) {
		if (ce->v[i].pass == sc->m->pass) {
			ce->v[j++] = ce->v[i];
			continue;
		}
		free(ce->v[i].id);
		sc->m->nevents--;
	}
	ce->n = j;
	if (ce->n == 0) {
		sc->empty = xreallocarray(sc->empty, sc->nempty + 1,
		    sizeof(*sc->empty));
		sc->empty[sc->nempty++] = xstrndup(key, len);
		return;
	}
	child_evaluate(sc->m, ce, ce->n - 1, sc->now, sc->since);
}

/*
 * End of a full pass: forget events the source no longer has, then look at
 * each child's latest event, which is the one a new alert would be about.
 */
void
model_events_sweep(struct model *m, int64_t now)
{
	struct sweep_ctx sc = { .m = m, .now = now };

	sc.since = xreallocarray(NULL, m->cfg->nrepeats + 1, sizeof(*sc.since));
	for (size_t i = 0; i < m->cfg->nrepeats; i++)
		sc.since[i] = calendar_subtract(m->cal, now,
		    &m->cfg->repeats[i].window);
	strmap_foreach(m->children, child_sweep, &sc);
	free(sc.since);
	for (size_t i = 0; i < sc.nempty; i++) {
		child_free(strmap_del(m->children, sc.empty[i],
		    strlen(sc.empty[i])));
		free(sc.empty[i]);
	}
	free(sc.empty);
}

struct repeat_hit {
	size_t			 rule;
	const struct child_events *ce;
	size_t			 first;
	size_t			 count;
};

struct repeat_ctx {
	const struct model	*m;
	int64_t			 now;
	struct repeat_hit	*v;
	size_t			 n;
};

static void
child_collect(void *arg, const char *key, size_t len, void *value)
{
	struct repeat_ctx *rc = arg;
	const struct child_events *ce = value;

	(void)key;
	(void)len;
	for (size_t i = 0; i < rc->m->cfg->nrepeats; i++) {
		const struct repeat_conf *r = &rc->m->cfg->repeats[i];
		size_t first, n;
		if (strcmp(r->kind, ce->kind) != 0)
			continue;
		n = window_count(rc->m, ce, r, rc->now, &first);
		if (n < (size_t)r->min)
			continue;
		rc->v = xreallocarray(rc->v, rc->n + 1, sizeof(*rc->v));
		rc->v[rc->n++] = (struct repeat_hit){ i, ce, first, n };
	}
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct repeat_hit *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->ce->child_id, y->ce->child_id);
}

void
model_foreach_repeat(const struct model *m, int64_t now,
    void (*fn)(void *arg, const struct repeat_view *v), void *arg)
{
	struct repeat_ctx rc = { .m = m, .now = now };

	strmap_foreach(m->children, child_collect, &rc);
	if (rc.n > 0)
		qsort(rc.v, rc.n, sizeof(*rc.v), hit_cmp);
	for (size_t i = 0; i < rc.n; i++) {
		const struct repeat_hit *h = &rc.v[i];
		const char **ids = xreallocarray(NULL, h->count, sizeof(*ids));
		struct repeat_view v = {
			.rule = &m->cfg->repeats[h->rule],
			.child_id = h->ce->child_id,
			.team_id = h->ce->team_id,
			.count = h->count,
			.event_ids = ids,
		};
		for (size_t j = 0; j < h->count; j++)
			ids[j] = h->ce->v[h->first + j].id;
		fn(arg, &v);
		free(ids);
	}
	free(rc.v);
}
