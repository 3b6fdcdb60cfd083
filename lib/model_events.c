/*
 * Per-child event windows and the repeat rules over them.  A repeat alert
 * is keyed by the event that brought a child to the rule's minimum (or
 * beyond) inside its window, so each further contact is a fresh alert and
 * a restart never repeats one.
 *
 * A source can hold millions of events, so an index makes no allocation
 * per event or per child.  It is one block of text (the ids, found by
 * offset), one array of children, an open-addressed table over them keyed
 * by the top bits of a hash, and one array of events in which each child
 * owns a run, oldest first.
 *
 * A full pass does not update the index in place.  It stages its rows
 * (no lookups while the rows stream in), then sorts them by hash into a
 * new index, which fills front to back in hash order, and drops the old
 * one: events the source no longer has are simply not in the new index.
 * Incremental reads change the index in place.  A child whose run is full
 * moves it to the end of the array; the hole it leaves, like the child
 * ids that staging copies once per row, is reclaimed by the next pass.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/xmalloc.h"

#include "model_impl.h"

struct event {
	int64_t		 at;
	const char	*source;	/* interned; NULL: not given */
	uint32_t	 id;		/* offset in the index's text */
};

struct child {
	uint64_t	 hash;		/* of kind and child id */
	const char	*kind;		/* interned */
	const char	*team_id;	/* interned: of the latest event */
	uint32_t	 child_id;	/* offset in the index's text */
	uint32_t	 first;		/* its run: ev[first .. first + n) */
	uint32_t	 n;
	uint32_t	 cap;
};

/* The arrays grow at their ends and are faulted in ahead (xprefault_ahead). */
struct events {
	char		*text;
	size_t		 ntext, cap_text, faulted_text;
	struct child	*ch;
	size_t		 nch, cap_ch, faulted_ch;
	uint32_t	*slots;		/* child index + 1; 0 is empty */
	unsigned	 bits;		/* 1 << bits slots */
	struct event	*ev;
	size_t		 nev, cap_ev, faulted_ev;	/* nev counts holes too */
	size_t		 live;		/* events in runs */
};

/*
 * A row of a full pass, waiting for the pass to end, with its ids inline
 * so that sorting the rows by child reads each row's memory once.
 */
struct staged {
	uint64_t	 hash;		/* child_hash() */
	int64_t		 at;
	const char	*kind;		/* interned */
	const char	*team_id;	/* interned */
	const char	*source;	/* interned */
	uint16_t	 child_len;	/* child id, with its NUL */
	uint16_t	 id_len;	/* event id, likewise */
	char		 str[];		/* child id, then event id */
};

#define STAGED_ALIGN	8

/*
 * Staged rows go to one of PARTS partitions by the top byte of their hash.
 * A partition of even a large source fits in the cache, so sorting one is
 * cheap, and taking them in order gives the rows in hash order.
 */
#define PART_BITS	8
#define PARTS		(1u << PART_BITS)

struct stage_chunk {
	char		*buf;
	size_t		 len;
};

/* Chunks, not one buffer: growing never copies. */
#define CHUNK_SHIFT	13
#define CHUNK_SIZE	(STAGED_ALIGN << CHUNK_SHIFT)

struct stage_part {
	struct stage_chunk *chunks;
	size_t		 nchunks, cap_chunks;
	size_t		 n;		/* rows */
	size_t		 text;		/* bytes of ids */
};

#define MIN_BITS	4

/* A full pass of fewer staged rows than this builds its index inline. */
#define BUILD_THREAD_MIN	65536

static const char *
text(const struct events *x, uint32_t off)
{
	return x->text + off;
}

static uint32_t
text_add(struct events *x, const char *s)
{
	size_t len = strlen(s) + 1;
	uint32_t off;

	if (x->ntext + len > UINT32_MAX) {
		fprintf(stderr, "mashwatch: event ids exceed 4 GB\n");
		abort();
	}
	if (x->ntext + len > x->cap_text) {
		while (x->ntext + len > x->cap_text)
			x->cap_text = x->cap_text ? x->cap_text * 2 : 4096;
		x->text = xreallocarray(x->text, x->cap_text, 1);
	}
	off = (uint32_t)x->ntext;
	x->ntext += len;
	xprefault_ahead(x->text, x->ntext, x->cap_text, &x->faulted_text);
	memcpy(x->text + off, s, len);
	return off;
}

/* Kinds are interned, so the pointer stands for the kind. */
static uint64_t
child_hash(const char *kind, const char *child_id)
{
	uint64_t h = strmap_hash(child_id, strlen(child_id));

	h ^= (uint64_t)(uintptr_t)kind * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static struct events *
events_new(unsigned bits)
{
	struct events *x = xcalloc(1, sizeof(*x));

	x->bits = bits < MIN_BITS ? MIN_BITS : bits;
	x->slots = xcalloc((size_t)1 << x->bits, sizeof(*x->slots));
	return x;
}

static void
events_free(struct events *x)
{
	if (x == NULL)
		return;
	free(x->text);
	free(x->ch);
	free(x->slots);
	free(x->ev);
	free(x);
}

static void
slot_insert(struct events *x, uint32_t idx)
{
	size_t mask = ((size_t)1 << x->bits) - 1;
	size_t i = (size_t)(x->ch[idx].hash >> (64 - x->bits));

	while (x->slots[i] != 0)
		i = (i + 1) & mask;
	x->slots[i] = idx + 1;
}

static struct child *
events_find(const struct events *x, uint64_t h, const char *kind,
    const char *child_id)
{
	size_t mask = ((size_t)1 << x->bits) - 1;
	size_t i = (size_t)(h >> (64 - x->bits));

	for (; x->slots[i] != 0; i = (i + 1) & mask) {
		struct child *c = &x->ch[x->slots[i] - 1];
		if (c->hash == h && c->kind == kind &&
		    strcmp(text(x, c->child_id), child_id) == 0)
			return c;
	}
	return NULL;
}

static struct child *
child_add(struct events *x, uint64_t h, const char *kind,
    const char *child_id)
{
	struct child *c;

	if ((x->nch + 1) * 2 > (size_t)1 << x->bits) {
		x->bits++;
		free(x->slots);
		x->slots = xcalloc((size_t)1 << x->bits, sizeof(*x->slots));
		xprefault(x->slots, ((size_t)1 << x->bits) * sizeof(*x->slots));
		for (size_t i = 0; i < x->nch; i++)
			slot_insert(x, (uint32_t)i);
	}
	if (x->nch == x->cap_ch) {
		x->cap_ch = x->cap_ch ? x->cap_ch * 2 : 64;
		x->ch = xreallocarray(x->ch, x->cap_ch, sizeof(*x->ch));
	}
	xprefault_ahead(x->ch, (x->nch + 1) * sizeof(*x->ch),
	    x->cap_ch * sizeof(*x->ch), &x->faulted_ch);
	c = &x->ch[x->nch];
	memset(c, 0, sizeof(*c));
	c->hash = h;
	c->kind = kind;
	c->child_id = text_add(x, child_id);
	slot_insert(x, (uint32_t)x->nch++);
	return c;
}

/* Room at the end of the array for n more events. */
static void
events_reserve(struct events *x, size_t n)
{
	if (x->nev + n <= x->cap_ev)
		return;
	while (x->nev + n > x->cap_ev)
		x->cap_ev = x->cap_ev ? x->cap_ev * 2 : 64;
	if (x->cap_ev > UINT32_MAX) {
		fprintf(stderr, "mashwatch: too many events\n");
		abort();
	}
	x->ev = xreallocarray(x->ev, x->cap_ev, sizeof(*x->ev));
}

/* The next n events at the end of the array, faulted in. */
static struct event *
events_take(struct events *x, size_t n)
{
	struct event *e;

	events_reserve(x, n);
	e = x->ev + x->nev;
	x->nev += n;
	xprefault_ahead(x->ev, x->nev * sizeof(*x->ev),
	    x->cap_ev * sizeof(*x->ev), &x->faulted_ev);
	return e;
}

/* Make room in c's run for one more event, moving it if it is full. */
static void
child_grow(struct events *x, struct child *c)
{
	uint32_t cap = c->cap ? c->cap * 2 : 2;

	struct event *run;

	if (c->n < c->cap)
		return;
	run = events_take(x, cap);
	memcpy(run, x->ev + c->first, c->n * sizeof(*x->ev));
	c->first = (uint32_t)(run - x->ev);
	c->cap = cap;
}

static void
part_free(struct stage_part *p)
{
	for (size_t i = 0; i < p->nchunks; i++)
		free(p->chunks[i].buf);
	free(p->chunks);
	memset(p, 0, sizeof(*p));
}

static struct events *build_wait(struct model *m);
static struct events *build_join(struct model *m);

/* Forget a pass's events: its stage, and any index built from it. */
static void
events_clear(struct model *m)
{
	events_free(build_join(m));
	if (m->stage != NULL)
		for (size_t i = 0; i < PARTS; i++)
			part_free(&m->stage[i]);
	free(m->stage);
	m->stage = NULL;
	m->nstaged = 0;
}

void
model_events_free(struct model *m)
{
	events_clear(m);
	events_free(m->events);
}

void
model_events_init(struct model *m)
{
	m->events = events_new(MIN_BITS);
}

size_t
model_events_live(const struct model *m)
{
	return m->events->live;
}

void
model_events_abort(struct model *m)
{
	events_clear(m);
}

void
model_repeat_mark(struct model *m, const char *rule, const char *event_id)
{
	char key[2 * MODEL_MAX_ID + 8];
	size_t n = (size_t)snprintf(key, sizeof(key), "%s\x1f%s", rule,
	    event_id);

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

/* Events of c in (t - window, t]: the index in its run of the first, and the count. */
static size_t
window_count(const struct model *m, const struct events *x,
    const struct child *c, const struct repeat_conf *r, int64_t t,
    size_t *first)
{
	int64_t lo = calendar_subtract(m->cal, t, &r->window);
	const struct event *v = x->ev + c->first;
	size_t n = 0;

	*first = c->n;
	for (size_t i = 0; i < c->n; i++) {
		if (v[i].at <= lo || v[i].at > t)
			continue;
		if (n++ == 0)
			*first = i;
	}
	return n;
}

/*
 * Fire the rules over c's kind if the event at index k of its run brought
 * the child to the minimum, and k is still inside the window at now.
 */
static void
child_evaluate(struct model *m, const struct events *x, const struct child *c,
    size_t k, int64_t now, const int64_t *since)
{
	const struct event *v = x->ev + c->first, *e = &v[k];
	const char *eid = text(x, e->id);

	for (size_t i = 0; i < m->cfg->nrepeats; i++) {
		const struct repeat_conf *r = &m->cfg->repeats[i];
		char key[2 * MODEL_MAX_ID + 8], win[64];
		size_t n, first, klen;
		struct transition *t;
		json_t *ids, *srcs;

		if (c->n < (uint32_t)r->min || strcmp(r->kind, c->kind) != 0)
			continue;
		if (e->at <= (since ? since[i] :
		    calendar_subtract(m->cal, now, &r->window)))
			continue;
		n = window_count(m, x, c, r, e->at, &first);
		if (n < (size_t)r->min)
			continue;
		klen = (size_t)snprintf(key, sizeof(key), "%s\x1f%s", r->name,
		    eid);
		if (klen >= sizeof(key) || strmap_get(m->repeat_fired, key, klen))
			continue;
		strmap_put(m->repeat_fired, key, klen, m);
		if (m->replay)
			continue;
		t = model_push(m, TR_RAISE, r->name, eid);
		t->level = AL_REPEAT;
		t->child_id = xstrdup(text(x, c->child_id));
		t->team_id = xstrdup(c->team_id);
		t->fired_at = e->at;
		t->started_at = v[first].at;
		ids = json_array();
		srcs = json_array();
		for (size_t j = first; j < c->n; j++)
			if (v[j].at <= e->at) {
				json_array_append_new(ids,
				    json_string(text(x, v[j].id)));
				json_array_append_new(srcs, v[j].source ?
				    json_string(v[j].source) : json_null());
			}
		timescale_format(&r->window, win, sizeof(win));
		/* sources: who made each of events, in step (null: unknown). */
		t->detail = model_json(json_pack("{s:s,s:I,s:s,s:o,s:o}",
		    "kind", r->kind, "count", (json_int_t)n, "window", win,
		    "events", ids, "sources", srcs));
	}
}

/* Oldest first; equal times by id, so the order never depends on arrival. */
static int
event_before(const struct events *x, const struct event *a,
    const struct event *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	return strcmp(text(x, a->id), text(x, b->id)) < 0;
}

/* Keep c's run sorted after the event at k moved or arrived; its new index. */
static size_t
child_settle(const struct events *x, const struct child *c, size_t k)
{
	struct event *v = x->ev + c->first, e = v[k];

	while (k > 0 && event_before(x, &e, &v[k - 1])) {
		v[k] = v[k - 1];
		k--;
	}
	while (k + 1 < c->n && event_before(x, &v[k + 1], &e)) {
		v[k] = v[k + 1];
		k++;
	}
	v[k] = e;
	return k;
}

static const char *
event_row_invalid(const struct model *m, const struct event_row *r,
    int64_t now, char *buf, size_t len)
{
	static const char *const names[] = { "kind", "event_id", "child_id" };
	const char *vals[] = { r->kind, r->event_id, r->child_id };
	const char *why;

	for (size_t i = 0; i < 3; i++)
		if ((why = model_check_text(vals[i], MODEL_MAX_ID)) != NULL) {
			snprintf(buf, len, "%s %s", names[i], why);
			return buf;
		}
	if (r->team_id != NULL &&
	    model_check_text(r->team_id, MODEL_MAX_ID) != NULL)
		return "team_id is not valid text";
	if (r->occurred_at == TIME_NONE)
		return "occurred_at is missing";
	if (r->occurred_at == TIME_BAD || r->occurred_at < 0)
		return "timestamp out of range";
	if (!m->replay && r->occurred_at > now + MODEL_FUTURE_SLACK)
		return "occurs in the future";
	return NULL;
}

static size_t
staged_size(size_t child_len, size_t id_len)
{
	size_t n = sizeof(struct staged) + child_len + id_len;

	return (n + STAGED_ALIGN - 1) & ~(size_t)(STAGED_ALIGN - 1);
}

/* A reference to a staged row: its chunk, and its offset in eighths. */
static struct staged *
staged_at(const struct stage_part *p, uint32_t ref)
{
	return (struct staged *)(void *)(p->chunks[ref >> CHUNK_SHIFT].buf +
	    (size_t)(ref & ((1u << CHUNK_SHIFT) - 1)) * STAGED_ALIGN);
}

/* Room for need bytes at the end of p. */
static struct stage_chunk *
part_room(struct stage_part *p, size_t need)
{
	struct stage_chunk *c;

	if (p->nchunks > 0 &&
	    p->chunks[p->nchunks - 1].len + need <= CHUNK_SIZE)
		return &p->chunks[p->nchunks - 1];
	if ((p->nchunks + 1) >> (32 - CHUNK_SHIFT) != 0) {
		fprintf(stderr, "mashwatch: too many events\n");
		abort();
	}
	if (p->nchunks == p->cap_chunks) {
		p->cap_chunks = p->cap_chunks ? p->cap_chunks * 2 : 4;
		p->chunks = xreallocarray(p->chunks, p->cap_chunks,
		    sizeof(*p->chunks));
	}
	c = &p->chunks[p->nchunks++];
	c->buf = xmalloc(CHUNK_SIZE);
	xprefault(c->buf, CHUNK_SIZE);
	c->len = 0;
	return c;
}

/* A full pass: keep the row (with its checked source) for the sort. */
static void
event_stage(struct model *m, const struct event_row *r, const char *kind,
    const char *source)
{
	size_t cl = strlen(r->child_id) + 1, il = strlen(r->event_id) + 1;
	size_t need = staged_size(cl, il);
	uint64_t h = child_hash(kind, r->child_id);
	struct stage_chunk *c;
	struct stage_part *p;
	struct staged *s;

	if (m->stage == NULL)
		m->stage = xcalloc(PARTS, sizeof(*m->stage));
	p = &m->stage[h >> (64 - PART_BITS)];
	c = part_room(p, need);
	s = (struct staged *)(void *)(c->buf + c->len);
	c->len += need;
	s->hash = h;
	s->at = r->occurred_at;
	s->kind = kind;
	s->team_id = strmap_intern(m->strings, r->team_id);
	s->source = strmap_intern(m->strings, source);
	s->child_len = (uint16_t)cl;
	s->id_len = (uint16_t)il;
	memcpy(s->str, r->child_id, cl);
	memcpy(s->str + cl, r->event_id, il);
	p->text += cl + il;
	p->n++;
	m->nstaged++;
}

int
model_put_event(struct model *m, const struct event_row *r, int64_t now)
{
	struct events *x = m->events;
	const char *why, *kind, *source = r->source;
	struct child *c;
	char buf[128];
	uint64_t h;
	size_t k;
	bool fresh = false;

	if ((why = event_row_invalid(m, r, now, buf, sizeof(buf))) != NULL) {
		const char *id = r->event_id;
		char ref[32];
		/* Missing keys: each row its own finding, stably. */
		if (r->kind == NULL || *r->kind == '\0' || id == NULL ||
		    *id == '\0') {
			const char *f[4] = { r->kind, r->event_id, r->child_id,
			    r->team_id };
			model_row_ref(f, 4, &r->occurred_at, 1, ref,
			    sizeof(ref));
			id = ref;
		}
		model_invalid(m, "mash.events", r->kind, id, why, false, now);
		return -1;
	}
	model_invalid_clear(m, "mash.events", r->kind, r->event_id, now);
	/* Counted still, and a finding: a source that is not text.  An
	 * empty one is simply not recorded. */
	if (source != NULL && *source == '\0')
		source = NULL;
	if (source != NULL && model_check_text(source, MODEL_MAX_ID) != NULL) {
		model_invalid_tag(m, "mash.events", r->kind, r->event_id,
		    "source", "source is not valid text", now);
		source = NULL;
	} else
		model_invalid_tag_clear(m, "mash.events", r->kind, r->event_id,
		    "source", now);
	if ((m->replay && r->occurred_at > now) || !kind_is_counted(m, r->kind))
		return 0;
	kind = strmap_intern(m->strings, r->kind);
	if (m->in_full) {
		if (m->build == NULL) {
			event_stage(m, r, kind, source);
			return 0;
		}
		/* After model_end_events: straight into the new index. */
		x = build_wait(m);
	}

	h = child_hash(kind, r->child_id);
	if ((c = events_find(x, h, kind, r->child_id)) == NULL)
		c = child_add(x, h, kind, r->child_id);
	for (k = 0; k < c->n; k++)
		if (strcmp(text(x, x->ev[c->first + k].id), r->event_id) == 0)
			break;
	if (k == c->n) {
		child_grow(x, c);
		x->ev[c->first + k].id = text_add(x, r->event_id);
		c->n++;
		x->live++;
		fresh = true;
	}
	x->ev[c->first + k].at = r->occurred_at;
	x->ev[c->first + k].source = strmap_intern(m->strings, source);
	k = child_settle(x, c, k);
	if (k == c->n - 1)
		c->team_id = strmap_intern(m->strings, r->team_id);
	if (m->loaded && fresh && !m->in_full)
		child_evaluate(m, x, c, k, now, NULL);
	return 0;
}

static bool
same_child(const struct staged *s, const struct staged *t)
{
	return s->hash == t->hash && s->kind == t->kind &&
	    strcmp(s->str, t->str) == 0;
}

/* Staged rows by child, then by event id; the later of a duplicate last. */
static int
staged_cmp(const void *a, const void *b, void *arg)
{
	uint32_t p = *(const uint32_t *)a, q = *(const uint32_t *)b;
	const struct staged *s = staged_at(arg, p), *t = staged_at(arg, q);
	int d;

	if (s->hash != t->hash)
		return s->hash < t->hash ? -1 : 1;
	if (s->kind != t->kind)
		return s->kind < t->kind ? -1 : 1;
	if ((d = strcmp(s->str, t->str)) != 0)
		return d;
	if ((d = strcmp(s->str + s->child_len, t->str + t->child_len)) != 0)
		return d;
	return p < q ? -1 : p > q;
}

static int
event_cmp(const void *a, const void *b, void *arg)
{
	const struct events *x = arg;

	if (event_before(x, a, b))
		return -1;
	return event_before(x, b, a);
}

/*
 * Most children have a handful of events and most buckets a handful of
 * rows: an insertion sort beats qsort's set-up for those.
 */
#define SMALL_SORT	12

static void
sort_rows(struct stage_part *m, uint32_t *v, size_t n)
{
	if (n > SMALL_SORT) {
		qsort_r(v, n, sizeof(*v), staged_cmp, m);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		uint32_t r = v[i];
		size_t j = i;
		for (; j > 0 && staged_cmp(&r, &v[j - 1], m) < 0; j--)
			v[j] = v[j - 1];
		v[j] = r;
	}
}

static void
sort_events(struct events *x, struct event *v, size_t n)
{
	if (n > SMALL_SORT) {
		qsort_r(v, n, sizeof(*v), event_cmp, x);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct event e = v[i];
		size_t j = i;
		for (; j > 0 && event_before(x, &e, &v[j - 1]); j--)
			v[j] = v[j - 1];
		v[j] = e;
	}
}

/* The references of p's rows, in the order they came. */
static void
part_refs(const struct stage_part *p, uint32_t *refs)
{
	size_t n = 0;

	for (size_t c = 0; c < p->nchunks; c++) {
		size_t off = 0;
		while (off < p->chunks[c].len) {
			uint32_t ref = (uint32_t)(c << CHUNK_SHIFT |
			    off / STAGED_ALIGN);
			const struct staged *s = staged_at(p, ref);
			refs[n++] = ref;
			off += staged_size(s->child_len, s->id_len);
		}
	}
}

/*
 * Order a partition's rows by the next bits of their hash, a counting
 * sort, so that each child's rows share a small bucket.  Returns the rows
 * (as staged_at() references); start[b] is where bucket b ends.
 */
static uint32_t *
part_buckets(const struct stage_part *p, unsigned *bitsp, uint32_t **startp)
{
	size_t nb, i;
	unsigned bits = 1;
	uint32_t *start, *order, *refs;

	while (((size_t)1 << bits) < p->n)
		bits++;
	nb = (size_t)1 << bits;
	start = xcalloc(nb + 1, sizeof(*start));
	order = xreallocarray(NULL, p->n + 1, sizeof(*order));
	refs = xreallocarray(NULL, p->n + 1, sizeof(*refs));
	part_refs(p, refs);
#define BUCKET(ref) \
	((size_t)((staged_at(p, (ref))->hash << PART_BITS) >> (64 - bits)))
	for (i = 0; i < p->n; i++)
		start[BUCKET(refs[i]) + 1]++;
	for (i = 0; i < nb; i++)
		start[i + 1] += start[i];
	for (i = 0; i < p->n; i++)
		order[start[BUCKET(refs[i])]++] = refs[i];
#undef BUCKET
	free(refs);
	*bitsp = bits;
	*startp = start;
	return order;
}

/*
 * Append the child whose rows are rows[0 .. n), n >= 1 (sorted, duplicates
 * out).
 */
static struct child *
child_build(const struct stage_part *p, struct events *x, const uint32_t *rows,
    size_t n)
{
	const struct staged *s = staged_at(p, rows[0]), *latest = s;
	struct event *run;
	struct child *c;

	if (x->nch == x->cap_ch) {
		x->cap_ch = x->cap_ch ? x->cap_ch * 2 : 1024;
		x->ch = xreallocarray(x->ch, x->cap_ch, sizeof(*x->ch));
	}
	xprefault_ahead(x->ch, (x->nch + 1) * sizeof(*x->ch),
	    x->cap_ch * sizeof(*x->ch), &x->faulted_ch);
	c = &x->ch[x->nch++];
	c->hash = s->hash;
	c->kind = s->kind;
	c->child_id = text_add(x, s->str);
	run = events_take(x, n);
	c->first = (uint32_t)(run - x->ev);
	c->n = c->cap = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		const struct staged *t = staged_at(p, rows[i]);
		struct event *e = &run[i];
		e->at = t->at;
		e->source = t->source;
		e->id = text_add(x, t->str + t->child_len);
		/* The child's team is that of its latest event. */
		if (t->at > latest->at ||
		    (t->at == latest->at && strcmp(t->str + t->child_len,
		    latest->str + latest->child_len) > 0))
			latest = t;
	}
	c->team_id = latest->team_id;
	x->live += n;
	sort_events(x, x->ev + c->first, n);
	return c;
}

/* Build the children of one partition into x. */
static void
part_build(struct stage_part *p, struct events *x)
{
	uint32_t *order, *start, *rows = NULL;
	size_t nb, b, i, caprows = 0;
	unsigned bits;

	order = part_buckets(p, &bits, &start);
	nb = (size_t)1 << bits;
	for (b = 0, i = 0; b < nb; i = start[b++]) {
		size_t end = start[b], k, nrows = 0;
		sort_rows(p, order + i, end - i);
		for (k = i; k < end; k++) {
			const struct staged *s = staged_at(p, order[k]);
			const struct staged *t = k + 1 < end ?
			    staged_at(p, order[k + 1]) : NULL;
			bool same = t != NULL && same_child(s, t);
			/* Of a duplicated id, the later row wins. */
			if (same && strcmp(s->str + s->child_len,
			    t->str + t->child_len) == 0)
				continue;
			if (nrows == caprows) {
				caprows = caprows ? caprows * 2 : 64;
				rows = xreallocarray(rows, caprows,
				    sizeof(*rows));
			}
			rows[nrows++] = order[k];
			if (same)
				continue;
			child_build(p, x, rows, nrows);
			nrows = 0;
		}
	}
	free(rows);
	free(start);
	free(order);
}

/*
 * A new index from the staged rows, child by child in hash order.  It
 * reads only the stage, which it frees, and writes only the new index, so
 * it can run on a thread of its own (model_end_events) while the pass
 * reads on.
 */
static struct events *
events_build(struct stage_part *stage, size_t nstaged)
{
	struct events *x = events_new(MIN_BITS);
	size_t i, text = 1;

	if (stage != NULL) {
		/* Room for every id staged: duplicates only make less. */
		for (i = 0; i < PARTS; i++)
			text += stage[i].text;
		x->cap_text = text;
		x->text = xreallocarray(NULL, x->cap_text, 1);
		events_reserve(x, nstaged);
		for (i = 0; i < PARTS; i++) {
			part_build(&stage[i], x);
			part_free(&stage[i]);
		}
	}
	/* The children are in hash order, so the table fills front to back. */
	while (((size_t)1 << x->bits) < x->nch * 2)
		x->bits++;
	free(x->slots);
	x->slots = xcalloc((size_t)1 << x->bits, sizeof(*x->slots));
	xprefault(x->slots, ((size_t)1 << x->bits) * sizeof(*x->slots));
	for (i = 0; i < x->nch; i++)
		slot_insert(x, (uint32_t)i);
	return x;
}

struct events_build {
	struct stage_part	*stage;
	size_t			 nstaged;
	struct events		*x;
	pthread_t		 thread;
	bool			 threaded;
};

static void *
events_build_thread(void *arg)
{
	struct events_build *b = arg;

	b->x = events_build(b->stage, b->nstaged);
	return NULL;
}

void
model_end_events(struct model *m)
{
	struct events_build *b;

	if (!m->in_full || m->build != NULL)
		return;
	b = xcalloc(1, sizeof(*b));
	/* The build owns the stage now. */
	b->stage = m->stage;
	b->nstaged = m->nstaged;
	m->stage = NULL;
	m->nstaged = 0;
	/* Small passes are not worth a thread; nor is failing to start one. */
	b->threaded = b->nstaged >= BUILD_THREAD_MIN &&
	    pthread_create(&b->thread, NULL, events_build_thread, b) == 0;
	if (!b->threaded)
		events_build_thread(b);
	m->build = b;
}

/* Wait for the build (started) to finish; its index. */
static struct events *
build_wait(struct model *m)
{
	struct events_build *b = m->build;

	if (b->threaded) {
		pthread_join(b->thread, NULL);
		b->threaded = false;
	}
	return b->x;
}

/* Wait for the build and take its index; NULL if none was started. */
static struct events *
build_join(struct model *m)
{
	struct events_build *b = m->build;
	struct events *x;

	if (b == NULL)
		return NULL;
	x = build_wait(m);
	free(b->stage);
	free(b);
	m->build = NULL;
	return x;
}

/*
 * End of a full pass: take the new index, drop the old one (events the
 * source no longer has are simply not in the new one), and look at each
 * child's latest event, which is the one a new alert would be about.
 */
void
model_events_build_finish(struct model *m, int64_t now)
{
	int64_t *since;
	struct events *x;

	model_end_events(m);
	/* Without a pass begun there is no new index: keep the one we have. */
	if ((x = build_join(m)) != NULL) {
		events_free(m->events);
		m->events = x;
	} else
		x = m->events;

	since = xreallocarray(NULL, m->cfg->nrepeats + 1, sizeof(*since));
	for (size_t i = 0; i < m->cfg->nrepeats; i++)
		since[i] = calendar_subtract(m->cal, now,
		    &m->cfg->repeats[i].window);
	for (size_t i = 0; i < x->nch; i++)
		child_evaluate(m, x, &x->ch[i], x->ch[i].n - 1, now, since);
	free(since);
}

struct repeat_hit {
	size_t			 rule;
	const struct child	*c;
	size_t			 first;
	size_t			 count;
};

static int
hit_cmp(const void *a, const void *b, void *arg)
{
	const struct repeat_hit *p = a, *q = b;
	const struct events *x = arg;

	if (p->rule != q->rule)
		return p->rule < q->rule ? -1 : 1;
	return strcmp(text(x, p->c->child_id), text(x, q->c->child_id));
}

void
model_foreach_repeat(const struct model *m, int64_t now,
    void (*fn)(void *arg, const struct repeat_view *v), void *arg)
{
	struct events *x = m->events;
	struct repeat_hit *hits = NULL;
	size_t nhits = 0, caphits = 0;

	for (size_t k = 0; k < x->nch; k++) {
		const struct child *c = &x->ch[k];
		for (size_t i = 0; i < m->cfg->nrepeats; i++) {
			const struct repeat_conf *r = &m->cfg->repeats[i];
			size_t first, n;
			if (c->n < (uint32_t)r->min ||
			    strcmp(r->kind, c->kind) != 0)
				continue;
			n = window_count(m, x, c, r, now, &first);
			if (n < (size_t)r->min)
				continue;
			if (nhits == caphits) {
				caphits = caphits ? caphits * 2 : 16;
				hits = xreallocarray(hits, caphits,
				    sizeof(*hits));
			}
			hits[nhits++] = (struct repeat_hit){ i, c, first, n };
		}
	}
	if (nhits > 0)
		qsort_r(hits, nhits, sizeof(*hits), hit_cmp, x);
	for (size_t i = 0; i < nhits; i++) {
		const struct repeat_hit *h = &hits[i];
		const char **ids = xreallocarray(NULL, h->count, sizeof(*ids));
		const char **srcs = xreallocarray(NULL, h->count,
		    sizeof(*srcs));
		struct repeat_view v = {
			.rule = &m->cfg->repeats[h->rule],
			.child_id = text(x, h->c->child_id),
			.team_id = h->c->team_id,
			.count = h->count,
			.event_ids = ids,
			.sources = srcs,
		};
		for (size_t j = 0; j < h->count; j++) {
			const struct event *ev = &x->ev[h->c->first +
			    h->first + j];

			ids[j] = text(x, ev->id);
			srcs[j] = ev->source;
		}
		fn(arg, &v);
		free(ids);
		free(srcs);
	}
	free(hits);
}
