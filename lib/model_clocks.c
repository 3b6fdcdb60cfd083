/*
 * Clock instances: their deadlines from the calendar, their state, the
 * alert levels already fired, and the min-heap that says when the next one
 * changes state.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/pool.h"
#include "mashwatch/xmalloc.h"

#include "model_impl.h"

#define NOT_IN_HEAP	UINT32_MAX

enum {
	INST_DONE = 0x01,	/* stopped and resolved: nothing more to say */
};

struct clock_inst {
	uint32_t		 hash;		/* inst_hash() */
	uint32_t		 heap_idx;
	uint32_t		 pass;		/* last full pass that saw it */
	uint16_t		 clock;		/* index into cfg->clocks */
	uint8_t			 fired;		/* bit per level already in the store */
	uint8_t			 flags;
	const char		*team_id;	/* interned */
	const char		*worker_id;	/* interned */
	const char		*priority;	/* interned */
	const char		*child_id;	/* inside ids[] */
	int64_t			 started_at;
	int64_t			 stopped_at;
	int64_t			 warn_at;
	int64_t			 due_at;
	int64_t			 escalate_at;
	int64_t			 next_at;	/* heap key */
	char			 ids[];		/* instance id, NUL, child id, NUL */
};

static uint32_t
inst_hash(unsigned clock, const char *id, size_t len)
{
	return (uint32_t)(strmap_hash(id, len) ^ (clock * 0x9e3779b97f4a7c15ULL));
}

/*
 * The table holds each instance's hash beside it, so that a probe past
 * other instances (and every miss, as when a first load adds a million)
 * reads the table alone, one cache line, and no instance.  Linear
 * probing; at most half full.
 */
struct inst_slot {
	struct clock_inst	*c;		/* NULL: empty */
	uint32_t		 hash;
};

#define ISLOT_MIN_BITS	10

static size_t
islot_mask(const struct model *m)
{
	return ((size_t)1 << m->islot_bits) - 1;
}

/* The slot holding (clock, id), or the empty slot where it would go. */
static size_t
inst_find(const struct model *m, unsigned clock, const char *id, uint32_t h)
{
	size_t mask = islot_mask(m), i = h & mask;
	const struct inst_slot *s;

	for (; (s = &m->islots[i])->c != NULL; i = (i + 1) & mask)
		if (s->hash == h && s->c->clock == clock &&
		    strcmp(s->c->ids, id) == 0)
			break;
	return i;
}

static struct clock_inst *
inst_get(const struct model *m, unsigned clock, const char *id, uint32_t h)
{
	return m->islots[inst_find(m, clock, id, h)].c;
}

static void
islots_alloc(struct model *m, unsigned bits)
{
	size_t n = (size_t)1 << bits;

	m->islot_bits = bits;
	m->islots = xcalloc(n, sizeof(*m->islots));
	xprefault(m->islots, n * sizeof(*m->islots));
}

static void
islots_grow(struct model *m)
{
	struct inst_slot *old = m->islots;
	size_t n = (size_t)1 << m->islot_bits, mask;

	islots_alloc(m, m->islot_bits + 1);
	mask = islot_mask(m);
	for (size_t i = 0; i < n; i++) {
		size_t j = old[i].hash & mask;
		if (old[i].c == NULL)
			continue;
		while (m->islots[j].c != NULL)
			j = (j + 1) & mask;
		m->islots[j] = old[i];
	}
	free(old);
}

/*
 * Empty slot i, moving later entries of its probe run back into the gap
 * so that no lookup stops short (backward-shift deletion).
 */
static void
islot_clear(struct model *m, size_t i)
{
	size_t mask = islot_mask(m), j = i, home;

	for (;;) {
		j = (j + 1) & mask;
		if (m->islots[j].c == NULL)
			break;
		home = m->islots[j].hash & mask;
		/* It stays if its home lies (cyclically) in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->islots[i] = m->islots[j];
		i = j;
	}
	m->islots[i].c = NULL;
}

void
model_clocks_init(struct model *m)
{
	m->inst_pool = pool_new();
	islots_alloc(m, ISLOT_MIN_BITS);
}

/* The heap: parent of i is (i - 1) / 2; smallest next_at on top. */
static void
heap_swap(struct model *m, size_t a, size_t b)
{
	struct clock_inst *t = m->heap[a];

	m->heap[a] = m->heap[b];
	m->heap[b] = t;
	m->heap[a]->heap_idx = (uint32_t)a;
	m->heap[b]->heap_idx = (uint32_t)b;
}

static void
heap_up(struct model *m, size_t i)
{
	while (i > 0 && m->heap[(i - 1) / 2]->next_at > m->heap[i]->next_at) {
		heap_swap(m, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct model *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;
		if (l < m->nheap && m->heap[l]->next_at < m->heap[s]->next_at)
			s = l;
		if (r < m->nheap && m->heap[r]->next_at < m->heap[s]->next_at)
			s = r;
		if (s == i)
			return;
		heap_swap(m, i, s);
		i = s;
	}
}

static void
heap_remove(struct model *m, struct clock_inst *c)
{
	size_t i = c->heap_idx;

	if (i == NOT_IN_HEAP)
		return;
	c->heap_idx = NOT_IN_HEAP;
	if (i != --m->nheap) {
		m->heap[i] = m->heap[m->nheap];
		m->heap[i]->heap_idx = (uint32_t)i;
		heap_up(m, i);
		heap_down(m, m->heap[i]->heap_idx);
	}
}

static void
heap_set(struct model *m, struct clock_inst *c, int64_t at)
{
	if (at == INT64_MAX) {
		heap_remove(m, c);
		return;
	}
	c->next_at = at;
	if (c->heap_idx == NOT_IN_HEAP) {
		if (m->nheap == m->cap_heap) {
			m->cap_heap = m->cap_heap ? m->cap_heap * 2 : 1024;
			m->heap = xreallocarray(m->heap, m->cap_heap,
			    sizeof(*m->heap));
		}
		c->heap_idx = (uint32_t)m->nheap;
		m->heap[m->nheap++] = c;
		heap_up(m, c->heap_idx);
		return;
	}
	heap_up(m, c->heap_idx);
	heap_down(m, c->heap_idx);
}

int64_t
model_next_transition(const struct model *m)
{
	return m->nheap ? m->heap[0]->next_at : INT64_MAX;
}

static void
inst_deadlines(const struct model *m, struct clock_inst *c)
{
	const struct clock_conf *cc = &m->cfg->clocks[c->clock];
	const struct timescale *limit = config_clock_timescale(cc, c->priority);

	c->due_at = calendar_due(m->cal, c->started_at, limit);
	c->warn_at = cc->has_warn ?
	    calendar_warn(m->cal, c->started_at, c->due_at, &cc->warn_before) :
	    TIME_NONE;
	c->escalate_at = cc->has_escalate ?
	    calendar_escalate(m->cal, c->due_at, &cc->escalate_after) :
	    TIME_NONE;
}

static void
inst_fill(struct model *m, struct transition *t, const struct clock_inst *c)
{
	t->child_id = xstrdup(c->child_id);
	t->team_id = xstrdup(c->team_id);
	t->worker_id = xstrdup(c->worker_id);
	t->priority = xstrdup(c->priority);
	t->started_at = c->started_at;
	t->due_at = c->due_at;
	t->stopped_at = c->stopped_at;
	(void)m;
}

static void
inst_raise(struct model *m, struct clock_inst *c, enum alert_level level,
    int64_t fired_at)
{
	const struct clock_conf *cc = &m->cfg->clocks[c->clock];
	const struct timescale *limit = config_clock_timescale(cc, c->priority);
	struct transition *t;
	char buf[64];

	if (c->fired & (1u << level))
		return;
	c->fired |= (uint8_t)(1u << level);
	if (m->replay)
		return;
	t = model_push(m, TR_RAISE, cc->name, c->ids);
	t->level = level;
	inst_fill(m, t, c);
	t->fired_at = fired_at;
	timescale_format(limit, buf, sizeof(buf));
	t->detail = model_json(json_pack("{s:s}", "limit", buf));
}

static void
inst_resolve(struct model *m, struct clock_inst *c, const char *resolution,
    int64_t resolved_at)
{
	struct transition *t;

	if (c->fired == 0)
		return;
	c->fired = 0;
	if (m->replay)
		return;
	t = model_push(m, TR_RESOLVE, m->cfg->clocks[c->clock].name, c->ids);
	inst_fill(m, t, c);
	t->resolution = resolution;
	t->resolved_at = resolved_at;
}

/*
 * Bring one instance up to date at now: fire what its state has reached,
 * resolve it when it has stopped, and put its next change on the heap.
 * An instance found already past its deadline fires overdue (and
 * escalated) but not the stale due_soon.
 */
static void
inst_evaluate(struct model *m, struct clock_inst *c, int64_t now)
{
	const struct clock_conf *cc = &m->cfg->clocks[c->clock];
	enum clock_state st;
	int64_t next = INT64_MAX;

	if (c->flags & INST_DONE) {
		heap_remove(m, c);
		return;
	}
	st = clock_state_at(now, c->started_at, c->stopped_at, c->warn_at,
	    c->due_at, c->escalate_at);
	if (st == CS_MET || st == CS_MET_LATE) {
		heap_remove(m, c);
		if (cc->alert_on == ALERT_ON_LATE_STOP && st == CS_MET_LATE)
			inst_raise(m, c, AL_OVERDUE, c->stopped_at);
		inst_resolve(m, c, st == CS_MET ? "met" : "met_late",
		    c->stopped_at);
		c->flags |= INST_DONE;
		return;
	}
	if (cc->alert_on == ALERT_ON_OPEN) {
		if (st >= CS_OVERDUE) {
			inst_raise(m, c, AL_OVERDUE, c->due_at);
			if (st == CS_ESCALATED)
				inst_raise(m, c, AL_ESCALATED, c->escalate_at);
		} else if (st == CS_DUE_SOON)
			inst_raise(m, c, AL_DUE_SOON, c->warn_at);
		if (c->warn_at != TIME_NONE && c->warn_at > now)
			next = c->warn_at;
		if (c->due_at > now && c->due_at < next)
			next = c->due_at;
		if (c->escalate_at != TIME_NONE && c->escalate_at > now &&
		    c->escalate_at < next)
			next = c->escalate_at;
	}
	/* A stop recorded ahead of our clock still needs a look when it comes. */
	if (c->stopped_at != TIME_NONE && c->stopped_at > now &&
	    c->stopped_at < next)
		next = c->stopped_at;
	heap_set(m, c, next);
}

void
model_advance(struct model *m, int64_t now)
{
	while (m->nheap > 0 && m->heap[0]->next_at <= now) {
		struct clock_inst *c = m->heap[0];
		heap_remove(m, c);
		inst_evaluate(m, c, now);
	}
}

static void
inst_release(struct model *m, struct clock_inst *c)
{
	size_t il = strlen(c->ids), cl = strlen(c->child_id);

	pool_release(m->inst_pool, c, sizeof(*c) + il + cl + 2);
}

/* Take the instance in slot i out of the model. */
static void
inst_drop(struct model *m, size_t i)
{
	struct clock_inst *c = m->islots[i].c;

	islot_clear(m, i);
	heap_remove(m, c);
	m->nclocks--;
	inst_release(m, c);
}

static void
inst_drop_ptr(struct model *m, const struct clock_inst *c)
{
	size_t mask = islot_mask(m), i = c->hash & mask;

	while (m->islots[i].c != c)
		i = (i + 1) & mask;
	inst_drop(m, i);
}

/* A new instance, in no table yet. */
static struct clock_inst *
inst_new(struct model *m, unsigned clock, const char *id, const char *child,
    uint32_t h)
{
	size_t il = strlen(id), cl = strlen(child);
	struct clock_inst *c = pool_alloc(m->inst_pool,
	    sizeof(*c) + il + cl + 2);

	memset(c, 0, sizeof(*c));
	memcpy(c->ids, id, il + 1);
	memcpy(c->ids + il + 1, child, cl + 1);
	c->child_id = c->ids + il + 1;
	c->hash = h;
	c->clock = (uint16_t)clock;
	c->heap_idx = NOT_IN_HEAP;
	return c;
}

/* Put c in the empty slot i that inst_find() gave. */
static void
inst_insert(struct model *m, size_t i, struct clock_inst *c)
{
	m->islots[i].c = c;
	m->islots[i].hash = c->hash;
	if (++m->nclocks * 2 > (size_t)1 << m->islot_bits)
		islots_grow(m);
}

/*
 * Walk every instance: for (i = 0; (c = inst_next(m, &i)) != NULL; ).
 * The instances lie in no order the walk can follow, so it asks for the
 * one a few slots on while it gives this one.
 */
#define WALK_AHEAD	8

static struct clock_inst *
inst_next(const struct model *m, size_t *i)
{
	size_t n = (size_t)1 << m->islot_bits;

	while (*i < n) {
		struct clock_inst *c = m->islots[(*i)++].c;
		if (*i + WALK_AHEAD < n)
			__builtin_prefetch(m->islots[*i + WALK_AHEAD].c);
		if (c != NULL)
			return c;
	}
	return NULL;
}

/* Dropping during a walk would move entries under it: drop after. */
struct drop_list {
	struct clock_inst	**v;
	size_t			  n, cap;
};

static void
drop_later(struct drop_list *d, struct clock_inst *c)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	d->v[d->n++] = c;
}

static void
drop_now(struct model *m, struct drop_list *d)
{
	for (size_t i = 0; i < d->n; i++)
		inst_drop_ptr(m, d->v[i]);
	free(d->v);
}

/* Text for a reason: short, printable, never the whole of a hostile value. */
static void
reason_name(char *buf, size_t len, const char *what, const char *v)
{
	size_t n = 0;

	n = (size_t)snprintf(buf, len, "%s '", what);
	for (const unsigned char *p = (const unsigned char *)v;
	    *p && n + 5 < len && n < 60; p++)
		buf[n++] = (*p >= 0x20 && *p < 0x7f && *p != '\'') ? (char)*p : '?';
	snprintf(buf + n, len - n, "'");
}

/* A timestamp the rules accept: finite, not before 1970-01-01. */
static bool
time_in_range(int64_t t)
{
	return t != TIME_BAD && t >= 0;
}

void
model_judge_clock(const struct config *cfg, const struct clock_row *r,
    int64_t now, bool replay, struct clock_verdict *v)
{
	static const struct {
		const char	*name;
		size_t		 off;
		bool		 required;
	} fields[] = {
		{ "clock", offsetof(struct clock_row, clock), true },
		{ "instance_id", offsetof(struct clock_row, instance_id), true },
		{ "child_id", offsetof(struct clock_row, child_id), true },
		{ "team_id", offsetof(struct clock_row, team_id), false },
		{ "worker_id", offsetof(struct clock_row, worker_id), false },
		{ "priority", offsetof(struct clock_row, priority), false },
	};
	const struct clock_conf *cc;
	char lim[64];

	v->clock = NULL;
	v->limit = NULL;
	v->invalid = v->note = NULL;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *s, *why;
		memcpy(&s, (const char *)r + fields[i].off, sizeof(s));
		if (s == NULL && !fields[i].required)
			continue;
		if ((why = model_check_text(s, MODEL_MAX_ID)) != NULL) {
			snprintf(v->buf, sizeof(v->buf), "%s %s",
			    fields[i].name, why);
			v->invalid = v->buf;
			return;
		}
	}
	if (r->started_at == TIME_NONE) {
		v->invalid = "started_at is missing";
		return;
	}
	if (!time_in_range(r->started_at) || (r->stopped_at != TIME_NONE &&
	    !time_in_range(r->stopped_at))) {
		v->invalid = "timestamp out of range";
		return;
	}
	if ((cc = config_clock(cfg, r->clock)) == NULL) {
		reason_name(v->buf, sizeof(v->buf), "unknown clock", r->clock);
		v->invalid = v->buf;
		return;
	}
	v->clock = cc;
	if (r->stopped_at != TIME_NONE && r->stopped_at < r->started_at) {
		v->invalid = "stopped before it started";
		return;
	}
	if (!replay && r->started_at > now + MODEL_FUTURE_SLACK) {
		v->invalid = "starts in the future";
		return;
	}
	if (!replay && r->stopped_at != TIME_NONE &&
	    r->stopped_at > now + MODEL_FUTURE_SLACK) {
		v->invalid = "stopped in the future";
		return;
	}
	/* Never leave work untimed because of a label. */
	if ((v->limit = config_clock_limit(cc, r->priority)) == NULL) {
		v->limit = &cc->limit;
		timescale_format(&cc->limit, lim, sizeof(lim));
		reason_name(v->buf, sizeof(v->buf), "priority", r->priority);
		/* Cut short, if ever, at a clock name of 100 bytes or more. */
		if (snprintf(v->nbuf, sizeof(v->nbuf), "%s is not configured "
		    "for %s; timed on the default limit of %s", v->buf,
		    cc->name, lim) >= (int)sizeof(v->nbuf))
			v->nbuf[sizeof(v->nbuf) - 1] = '\0';
		v->note = v->nbuf;
	}
}

/* The finding's id for a row: its instance, or a reference to the row. */
static const char *
clock_row_id(const struct clock_row *r, char *buf, size_t len)
{
	const char *f[6] = { r->clock, r->instance_id, r->child_id,
	    r->team_id, r->worker_id, r->priority };
	int64_t t[2] = { r->started_at, r->stopped_at };

	if (r->clock != NULL && *r->clock != '\0' && r->instance_id != NULL &&
	    *r->instance_id != '\0')
		return r->instance_id;
	model_row_ref(f, 6, t, 2, buf, len);
	return buf;
}

int
model_put_clock(struct model *m, const struct clock_row *r, int64_t now)
{
	struct clock_verdict v;
	char ref[32];
	const char *id;
	struct clock_inst *c;
	int64_t stopped = r->stopped_at;
	int clock;
	uint32_t h;
	size_t i;

	model_judge_clock(m->cfg, r, now, m->replay && !m->live_rules, &v);
	if (v.invalid == NULL && m->replay && r->started_at > now)
		return 0;	/* --at: it has not started yet */
	clock = v.clock != NULL ? (int)(v.clock - m->cfg->clocks) : -1;
	if (v.invalid != NULL) {
		/* A row that turned bad takes its instance out of the model. */
		if (clock >= 0 && model_check_text(r->instance_id,
		    MODEL_MAX_ID) == NULL) {
			h = inst_hash((unsigned)clock, r->instance_id,
			    strlen(r->instance_id));
			i = inst_find(m, (unsigned)clock, r->instance_id, h);
			if ((c = m->islots[i].c) != NULL) {
				inst_resolve(m, c, "withdrawn", now);
				inst_drop(m, i);
			}
		}
		id = clock_row_id(r, ref, sizeof(ref));
		model_invalid(m, "mash.clocks", r->clock, id, v.invalid,
		    false, now);
		return -1;
	}
	if (m->replay && stopped != TIME_NONE && stopped > now)
		stopped = TIME_NONE;

	h = inst_hash((unsigned)clock, r->instance_id, strlen(r->instance_id));
	i = inst_find(m, (unsigned)clock, r->instance_id, h);
	c = m->islots[i].c;
	if (c != NULL && m->in_full && c->pass == m->pass) {
		model_invalid(m, "mash.clocks", r->clock, r->instance_id,
		    "duplicated instance", true, now);
		return -1;
	}
	if (c != NULL && strcmp(c->child_id, r->child_id) != 0) {
		/* The child changed: the ids live inline, so move it. */
		struct clock_inst *n = inst_new(m, (unsigned)clock,
		    r->instance_id, r->child_id, h);
		n->fired = c->fired;
		n->flags = c->flags;
		n->pass = c->pass;
		heap_remove(m, c);
		inst_release(m, c);
		m->islots[i].c = c = n;
	} else if (c == NULL) {
		c = inst_new(m, (unsigned)clock, r->instance_id, r->child_id, h);
		inst_insert(m, i, c);
	}

	if (c->stopped_at != stopped)
		c->flags &= (uint8_t)~INST_DONE;
	c->team_id = strmap_intern(m->strings, r->team_id);
	c->worker_id = strmap_intern(m->strings, r->worker_id);
	c->priority = strmap_intern(m->strings, r->priority);
	c->started_at = r->started_at;
	c->stopped_at = stopped;
	inst_deadlines(m, c);
	c->pass = m->pass;
	model_invalid_clear(m, "mash.clocks", r->clock, r->instance_id, now);
	/* Timed, and still a finding: a priority the clock does not list. */
	if (v.note != NULL)
		model_invalid_tag(m, "mash.clocks", r->clock, r->instance_id,
		    "priority", v.note, now);
	else
		model_invalid_tag_clear(m, "mash.clocks", r->clock,
		    r->instance_id, "priority", now);
	if (m->loaded)
		inst_evaluate(m, c, now);
	return 0;
}

void
model_clocks_sweep(struct model *m, int64_t now)
{
	struct drop_list drop = { NULL, 0, 0 };
	struct clock_inst *c;

	for (size_t i = 0; (c = inst_next(m, &i)) != NULL; ) {
		if (c->pass != m->pass) {
			inst_resolve(m, c, "withdrawn", now);
			drop_later(&drop, c);
			continue;
		}
		inst_evaluate(m, c, now);
		if (!m->replay && c->stopped_at != TIME_NONE &&
		    c->stopped_at < now - MODEL_KEEP_STOPPED && c->fired == 0)
			drop_later(&drop, c);
	}
	drop_now(m, &drop);
}

bool
model_clocks_mark(struct model *m, const char *rule, const char *id,
    enum alert_level level)
{
	const struct clock_conf *cc = config_clock(m->cfg, rule);
	struct clock_inst *c;
	unsigned clock;

	if (cc == NULL)
		return false;
	clock = (unsigned)(cc - m->cfg->clocks);
	c = inst_get(m, clock, id, inst_hash(clock, id, strlen(id)));
	if (c == NULL)
		return false;
	c->fired |= (uint8_t)(1u << level);
	c->flags &= (uint8_t)~INST_DONE;
	return true;
}

void
model_clocks_free(struct model *m)
{
	pool_free_all(m->inst_pool);
	free(m->islots);
	free(m->heap);
}

/*
 * After a reload: clocks may have moved, changed limits or gone.  Look
 * each instance's clock up by its old name, drop those whose clock no
 * longer exists, and recompute every deadline.
 */
void
model_reconfigure(struct model *m, const struct config *cfg,
    const struct calendar *cal, int64_t now)
{
	const struct config *old = m->cfg;
	struct drop_list drop = { NULL, 0, 0 };
	struct inst_slot *slots = m->islots;
	size_t n = (size_t)1 << m->islot_bits;
	struct clock_inst *c;

	for (size_t i = 0; (c = inst_next(m, &i)) != NULL; ) {
		const struct clock_conf *cc = config_clock(cfg,
		    old->clocks[c->clock].name);
		if (cc == NULL) {
			inst_resolve(m, c, "withdrawn", now);
			drop_later(&drop, c);
		}
	}
	drop_now(m, &drop);
	/* A clock's index is part of its instances' hash: hash them anew. */
	islots_alloc(m, m->islot_bits);
	for (size_t i = 0; i < n; i++) {
		unsigned clock;
		if ((c = slots[i].c) == NULL)
			continue;
		clock = (unsigned)(config_clock(cfg,
		    old->clocks[c->clock].name) - cfg->clocks);
		c->clock = (uint16_t)clock;
		c->hash = inst_hash(clock, c->ids, strlen(c->ids));
		m->islots[inst_find(m, clock, c->ids, c->hash)] =
		    (struct inst_slot){ c, c->hash };
	}
	free(slots);
	m->cfg = cfg;
	m->cal = cal;
	for (size_t i = 0; (c = inst_next(m, &i)) != NULL; ) {
		inst_deadlines(m, c);
		if (m->loaded)
			inst_evaluate(m, c, now);
	}
}

static int
inst_cmp(const void *a, const void *b)
{
	const struct clock_inst *x = *(struct clock_inst *const *)a;
	const struct clock_inst *y = *(struct clock_inst *const *)b;

	if (x->clock != y->clock)
		return x->clock < y->clock ? -1 : 1;
	if (x->started_at != y->started_at)
		return x->started_at < y->started_at ? -1 : 1;
	return strcmp(x->ids, y->ids);
}

static void
clock_visit(const struct model *m, const struct clock_inst *c, int64_t now,
    void (*fn)(void *arg, const struct clock_view *v), void *arg)
{
	struct clock_view v = {
		.clock = &m->cfg->clocks[c->clock],
		.instance_id = c->ids,
		.child_id = c->child_id,
		.team_id = c->team_id,
		.worker_id = c->worker_id,
		.priority = c->priority,
		.started_at = c->started_at,
		.stopped_at = c->stopped_at,
		.warn_at = c->warn_at,
		.due_at = c->due_at,
		.escalate_at = c->escalate_at,
	};

	v.state = clock_state_at(now, c->started_at, c->stopped_at, c->warn_at,
	    c->due_at, c->escalate_at);
	fn(arg, &v);
}

void
model_foreach_clock(const struct model *m, int64_t now, bool ordered,
    void (*fn)(void *arg, const struct clock_view *v), void *arg)
{
	struct clock_inst **all, *c;
	size_t n = 0;

	if (!ordered) {
		for (size_t i = 0; (c = inst_next(m, &i)) != NULL; )
			clock_visit(m, c, now, fn, arg);
		return;
	}
	all = xreallocarray(NULL, m->nclocks + 1, sizeof(*all));
	for (size_t i = 0; (c = inst_next(m, &i)) != NULL; )
		all[n++] = c;
	qsort(all, n, sizeof(*all), inst_cmp);
	for (size_t i = 0; i < n; i++)
		clock_visit(m, all[i], now, fn, arg);
	free(all);
}

void
model_clocks_count(const struct model *m, int64_t now, struct model_counts *k)
{
	const struct clock_inst *c;

	for (size_t i = 0; (c = inst_next(m, &i)) != NULL; ) {
		enum clock_state st = clock_state_at(now, c->started_at,
		    c->stopped_at, c->warn_at, c->due_at, c->escalate_at);
		k->clocks++;
		if (st <= CS_ESCALATED)
			k->open++;
		if (st == CS_OVERDUE || st == CS_ESCALATED)
			k->overdue++;
	}
}

/*
 * Groups are few (clocks times teams) and team ids are interned, so an
 * open-addressed table keyed on (clock index, team pointer) is enough.
 */
struct count_table {
	struct clock_count	*v;
	size_t			 n;
	size_t			 cap;	/* slots in idx, a power of two */
	size_t			*idx;	/* 0 empty, else index + 1 */
};

static size_t
count_slot(const struct count_table *t, const struct clock_conf *clock,
    const char *team)
{
	uint64_t h = ((uint64_t)(uintptr_t)clock * 0x9e3779b97f4a7c15ULL) ^
	    ((uint64_t)(uintptr_t)team * 0xc2b2ae3d27d4eb4fULL);
	size_t i = (size_t)(h ^ (h >> 29)) & (t->cap - 1);

	while (t->idx[i] != 0 && (t->v[t->idx[i] - 1].clock != clock ||
	    t->v[t->idx[i] - 1].team_id != team))
		i = (i + 1) & (t->cap - 1);
	return i;
}

static struct clock_count *
count_get(struct count_table *t, const struct clock_conf *clock,
    const char *team)
{
	size_t i;

	if ((t->n + 1) * 2 > t->cap) {
		size_t *old = t->idx, ocap = t->cap;
		t->cap = t->cap ? t->cap * 2 : 64;
		t->idx = xcalloc(t->cap, sizeof(*t->idx));
		t->v = xreallocarray(t->v, t->cap / 2, sizeof(*t->v));
		for (size_t j = 0; j < ocap; j++)
			if (old[j] != 0)
				t->idx[count_slot(t, t->v[old[j] - 1].clock,
				    t->v[old[j] - 1].team_id)] = old[j];
		free(old);
	}
	i = count_slot(t, clock, team);
	if (t->idx[i] == 0) {
		memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
		t->v[t->n].clock = clock;
		t->v[t->n].team_id = team;
		t->idx[i] = ++t->n;
	}
	return &t->v[t->idx[i] - 1];
}

void
model_count_by(const struct model *m, int64_t now,
    void (*fn)(void *arg, const struct clock_count *c), void *arg)
{
	struct count_table t = { NULL, 0, 0, NULL };
	const struct clock_inst *c;

	for (size_t i = 0; (c = inst_next(m, &i)) != NULL; ) {
		enum clock_state st = clock_state_at(now, c->started_at,
		    c->stopped_at, c->warn_at, c->due_at, c->escalate_at);
		struct clock_count *k = count_get(&t,
		    &m->cfg->clocks[c->clock], c->team_id);
		k->held++;
		if (st <= CS_ESCALATED)
			k->open++;
		if (st == CS_DUE_SOON)
			k->due_soon++;
		if (st == CS_OVERDUE || st == CS_ESCALATED)
			k->overdue++;
	}
	for (size_t i = 0; i < t.n; i++)
		fn(arg, &t.v[i]);
	free(t.v);
	free(t.idx);
}
