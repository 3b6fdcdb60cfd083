/*
 * The board's snapshot: the open clock instances sorted per team, oldest
 * due first, rebuilt only when what it was built from changed (a poll, an
 * alert raised or resolved) or a minute has passed.  Used by the requests
 * (board.c) and POST /ack (board_access.c); reads through board_refresh.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "mashwatch/forecast.h"
#include "mashwatch/mail.h"
#include "mashwatch/strmap.h"
#include "mashwatch/xmalloc.h"

#include "board_impl.h"
#include "engine.h"

/* The snapshot. */

static void
rank_free(void *arg, const char *key, size_t len, void *value)
{
	(void)arg;
	(void)key;
	(void)len;
	free(value);
}

void
board_snap_free(struct board_snap *s)
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
	strmap_free(s->names);
	if (s->ranks != NULL)
		strmap_foreach(s->ranks, rank_free, NULL);
	strmap_free(s->ranks);
	free(s);
}

/*
 * The model keeps each team, worker and priority once, so within a walk
 * its pointer names the string: a walk looks the pointer up here (one
 * multiply, a slot or two) before it hashes the string into the
 * snapshot's own names.
 */
struct seen {
	const char	*from;		/* the model's; NULL: an empty slot */
	const char	*name;		/* the snapshot's copy */
	unsigned	*rank;		/* once seen as a team */
};

struct collect {
	struct board_snap	*s;
	size_t			 cap, ocap;
	struct seen		*seen;
	size_t			 nseen, seen_cap;	/* a power of two */
	struct seen		 no_team;		/* work without a team */
};

static size_t
seen_slot(const struct seen *t, size_t cap, const char *from)
{
	uint64_t h = (uint64_t)(uintptr_t)from * 0x9e3779b97f4a7c15ULL;
	size_t i = (size_t)(h >> 32) & (cap - 1);

	while (t[i].from != NULL && t[i].from != from)
		i = (i + 1) & (cap - 1);
	return i;
}

/* The snapshot's entry for a string of the model's (not NULL). */
static struct seen *
seen_get(struct collect *c, const char *from)
{
	size_t i;

	if ((c->nseen + 1) * 2 > c->seen_cap) {
		size_t ocap = c->seen_cap;
		struct seen *old = c->seen;

		c->seen_cap = ocap ? ocap * 2 : 256;
		c->seen = xcalloc(c->seen_cap, sizeof(*c->seen));
		for (size_t j = 0; j < ocap; j++)
			if (old[j].from != NULL)
				c->seen[seen_slot(c->seen, c->seen_cap,
				    old[j].from)] = old[j];
		free(old);
	}
	i = seen_slot(c->seen, c->seen_cap, from);
	if (c->seen[i].from == NULL) {
		c->seen[i].from = from;
		c->seen[i].name = strmap_intern(c->s->names, from);
		c->nseen++;
	}
	return &c->seen[i];
}

/* The team's name and rank in the snapshot. */
static struct seen *
seen_team(struct collect *c, const char *from)
{
	struct seen *e = from ? seen_get(c, from) : &c->no_team;
	struct board_snap *s = c->s;

	if (e->rank == NULL) {
		size_t len;

		if (e->name == NULL)
			e->name = strmap_intern(s->names, "");
		/* No team and a team named "" are one section. */
		len = strlen(e->name);
		if ((e->rank = strmap_get(s->ranks, e->name, len)) == NULL) {
			e->rank = xcalloc(1, sizeof(*e->rank));
			strmap_put(s->ranks, e->name, len, e->rank);
		}
	}
	return e;
}

static void
collect_clock(void *arg, const struct clock_view *v)
{
	struct collect *c = arg;
	struct board_snap *s = c->s;
	struct board_item *it;
	const struct seen *team;

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
	team = seen_team(c, v->team_id);
	it->team_id = team->name;
	it->team_rank = team->rank;
	it->worker_id = v->worker_id ? seen_get(c, v->worker_id)->name : NULL;
	it->priority = v->priority ? seen_get(c, v->priority)->name : NULL;
	it->started_at = v->started_at;
	it->warn_at = v->warn_at;
	it->due_at = v->due_at;
	it->escalate_at = v->escalate_at;
	it->hourly = config_clock_timescale(v->clock, v->priority)->unit ==
	    TS_HOURS;
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

/* Number the teams in board order, for item_cmp. */

struct ranking {
	const char	**ids;
	size_t		  n;
};

static void
rank_collect(void *arg, const char *key, size_t len, void *value)
{
	struct ranking *r = arg;

	(void)len;
	(void)value;
	r->ids[r->n++] = key;
}

static int
rank_cmp(const void *pa, const void *pb)
{
	return board_team_cmp(*(const char *const *)pa, *(const char *const *)pb);
}

static void
rank_teams(struct board_snap *s)
{
	size_t n = strmap_count(s->ranks);
	struct ranking r = { xreallocarray(NULL, n + 1, sizeof(*r.ids)), 0 };

	strmap_foreach(s->ranks, rank_collect, &r);
	/* Sort the ids, then give each rank by its id's place. */
	qsort(r.ids, r.n, sizeof(*r.ids), rank_cmp);
	for (size_t i = 0; i < r.n; i++)
		*(unsigned *)strmap_get(s->ranks, r.ids[i], strlen(r.ids[i])) =
		    (unsigned)i;
	free(r.ids);
}

/* By team ("" last), then due, start, clock and instance. */

static int
item_cmp(const struct board_item *a, const struct board_item *b)
{
	int r;

	if (*a->team_rank != *b->team_rank)
		return *a->team_rank < *b->team_rank ? -1 : 1;
	if (a->due_at != b->due_at)
		return a->due_at < b->due_at ? -1 : 1;
	if (a->started_at != b->started_at)
		return a->started_at < b->started_at ? -1 : 1;
	if ((r = strcmp(a->clock->name, b->clock->name)) != 0)
		return r;
	return strcmp(a->instance_id, b->instance_id);
}

/*
 * The items are sorted by small keys, then moved once: sorting the items
 * themselves would move 100 bytes at every step.  The keys go by radix
 * (least significant byte first, skipping a byte every key shares: the
 * high bytes of times that lie within months of each other), which is
 * stable, so keys left equal on (team, due, start) stay in walk order
 * and only such runs, rare, need item_cmp's strings.
 */
struct item_key {
	uint64_t	 due, start;	/* order-preserving: the sign bit flipped */
	uint32_t	 rank, i;
};

#define KEY_BYTES	20	/* start's 8, due's 8, rank's 4 */

static unsigned
key_byte(const struct item_key *k, unsigned d)
{
	if (d < 8)
		return (unsigned)(k->start >> (8 * d)) & 0xff;
	if (d < 16)
		return (unsigned)(k->due >> (8 * (d - 8))) & 0xff;
	return (k->rank >> (8 * (d - 16))) & 0xff;
}

static int
key_cmp(const void *pa, const void *pb, void *arg)
{
	const struct item_key *a = pa, *b = pb;
	const struct board_item *items = arg;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->due != b->due)
		return a->due < b->due ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return item_cmp(&items[a->i], &items[b->i]);
}

static bool
key_tied(const struct item_key *a, const struct item_key *b)
{
	return a->rank == b->rank && a->due == b->due && a->start == b->start;
}

/* Sort n keys; the result is in k (tmp is scratch of n). */
static void
key_sort(struct item_key *k, struct item_key *tmp, size_t n,
    struct board_item *items)
{
	size_t count[KEY_BYTES][256];	/* 40 kB of stack */
	struct item_key *from = k, *to = tmp;

	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++) {
		uint64_t start = k[i].start, due = k[i].due;
		uint32_t rank = k[i].rank;

		for (unsigned d = 0; d < 8; d++) {
			count[d][start & 0xff]++;
			count[8 + d][due & 0xff]++;
			start >>= 8;
			due >>= 8;
		}
		for (unsigned d = 16; d < KEY_BYTES; d++) {
			count[d][rank & 0xff]++;
			rank >>= 8;
		}
	}
	for (unsigned d = 0; d < KEY_BYTES; d++) {
		size_t at = 0;

		if (count[d][key_byte(&k[0], d)] == n)
			continue;	/* every key has this byte */
		for (unsigned v = 0; v < 256; v++) {
			size_t c = count[d][v];

			count[d][v] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			to[count[d][key_byte(&from[i], d)]++] = from[i];
		struct item_key *t = from;
		from = to;
		to = t;
	}
	if (from != k)
		memcpy(k, from, n * sizeof(*k));
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && key_tied(&k[i], &k[j]); j++)
			;
		if (j - i > 1)
			qsort_r(&k[i], j - i, sizeof(*k), key_cmp, items);
	}
}

static void
sort_items(struct board_snap *s)
{
	struct item_key *k = xreallocarray(NULL, s->nitems, 2 * sizeof(*k));
	struct board_item *sorted = xreallocarray(NULL, s->nitems,
	    sizeof(*sorted));

	for (size_t i = 0; i < s->nitems; i++) {
		k[i].rank = *s->items[i].team_rank;
		k[i].due = (uint64_t)s->items[i].due_at ^ (UINT64_C(1) << 63);
		k[i].start = (uint64_t)s->items[i].started_at ^
		    (UINT64_C(1) << 63);
		k[i].i = (uint32_t)i;
	}
	key_sort(k, k + s->nitems, s->nitems, s->items);
	for (size_t i = 0; i < s->nitems; i++)
		sorted[i] = s->items[k[i].i];
	free(s->items);
	s->items = sorted;
	free(k);
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

/* The team with that id, or NULL and where it would go in *at. */
static struct board_team *
snap_search(struct board_snap *s, const char *team_id, size_t *at)
{
	size_t lo = 0, hi = s->nteams;

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
	*at = lo;
	return NULL;
}

/* The team with that id (snap_team added every one), or NULL. */
static struct board_team *
snap_find(struct board_snap *s, const char *team_id)
{
	size_t at;

	return snap_search(s, team_id, &at);
}

static struct board_team *
snap_team(struct board_snap *s, const struct board *b, const char *team_id)
{
	struct board_team *t;
	const struct team *ta;
	size_t lo = 0;

	/* Teams are added in order, so the last is the one to look at first. */
	if (s->nteams > 0 && strcmp(s->teams[s->nteams - 1].team_id,
	    team_id) == 0)
		return &s->teams[s->nteams - 1];
	if ((t = snap_search(s, team_id, &lo)) != NULL)
		return t;
	s->teams = xreallocarray(s->teams, s->nteams + 1, sizeof(*s->teams));
	memmove(&s->teams[lo + 1], &s->teams[lo],
	    (s->nteams - lo) * sizeof(*s->teams));
	s->nteams++;
	t = memset(&s->teams[lo], 0, sizeof(*t));
	t->team_id = board_arena_strdup(&s->arena, team_id);
	ta = team_list_find(&b->teams, team_id);
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

/*
 * What the snapshot is built from: when it changes, build again.  The model
 * changes only by rows read (or a new model, on standing by); a repeat's
 * window may also pass with nothing read, and its alert resolves.
 */
static uint64_t
board_built_stamp(const struct board *b, int64_t now)
{
	const struct engine_stats *st = engine_stats(b->engine);
	const struct model *m = engine_model(b->engine);
	uint64_t h = 0xcbf29ce484222325ULL, hour = (uint64_t)(now / 3600);

	h = board_hash_mix(h, &st->rows_read, sizeof(st->rows_read));
	h = board_hash_mix(h, &st->resolved, sizeof(st->resolved));
	h = board_hash_mix(h, &m, sizeof(m));
	h = board_hash_mix(h, &b->aux_gen, sizeof(b->aux_gen));
	h = board_hash_mix(h, &b->cfg, sizeof(b->cfg));
	/* The forecast moves with the time too: at most an hour behind. */
	return board_hash_mix(h, &hour, sizeof(hour));
}

/* What the states are as of: when it changes, bring them up to date. */
static uint64_t
board_stated_stamp(const struct board *b, int64_t now)
{
	const struct engine_stats *st = engine_stats(b->engine);
	uint64_t h = 0x84222325cbf29ce4ULL, minute = (uint64_t)(now / 60);

	h = board_hash_mix(h, &st->raised, sizeof(st->raised));
	return board_hash_mix(h, &minute, sizeof(minute));
}

static uint64_t
item_hash(uint64_t h, const struct board_item *it)
{
	int64_t t[5] = { it->started_at, it->warn_at, it->due_at,
	    it->escalate_at, (int64_t)it->state << 1 | it->hourly };

	h = board_hash_str(h, it->clock->name);
	h = board_hash_str(h, it->instance_id);
	h = board_hash_str(h, it->child_id);
	h = board_hash_str(h, it->worker_id);
	h = board_hash_str(h, it->priority);
	return board_hash_mix(h, t, sizeof(t));
}

/*
 * Each team's stamp: a hash of everything its section shows but the
 * alerts and the time (the answers key on those apart), so that a team
 * whose clocks did not change is not drawn again when another's did.
 */
static void
team_stamps(struct board_snap *s, size_t nclocks)
{
	for (size_t i = 0; i < s->nteams; i++) {
		struct board_team *t = &s->teams[i];
		uint64_t h = 0xcbf29ce484222325ULL;

		h = board_hash_str(h, t->team_id);
		h = board_hash_str(h, t->name);
		for (size_t k = t->first; k < t->first + t->n; k++)
			h = item_hash(h, &s->items[k]);
		t->stamp = h;
	}
	for (size_t i = 0; i < s->nothers; i++) {
		const struct board_other *o = &s->others[i];
		struct board_team *t = snap_find(s, o->team_id);
		int64_t n[2] = { o->at, (int64_t)o->count };

		if (t == NULL)
			continue;
		t->stamp = board_hash_str(t->stamp, o->rule);
		t->stamp = board_hash_str(t->stamp, o->label);
		t->stamp = board_hash_str(t->stamp, o->instance_id);
		t->stamp = board_hash_str(t->stamp, o->child_id);
		t->stamp = board_hash_mix(t->stamp, n, sizeof(n));
	}
	for (size_t i = 0; i < s->nteams; i++) {
		struct board_team *t = &s->teams[i];

		for (size_t k = 0; t->counts != NULL && k < nclocks; k++) {
			const struct board_count *c = &t->counts[k];
			int64_t f[2] = { c->fc_open, c->fc_due_next };

			if (!c->fc)
				continue;
			t->stamp = board_hash_mix(t->stamp, f, sizeof(f));
			t->stamp = board_hash_mix(t->stamp, &c->fc_throughput,
			    sizeof(c->fc_throughput));
		}
	}
	for (size_t i = 0; i < s->ncaseloads; i++) {
		const struct board_caseload *c = &s->caseloads[i];
		struct board_team *t = snap_find(s, c->team_id);

		if (t == NULL)
			continue;
		t->stamp = board_hash_str(t->stamp, c->worker_id);
		t->stamp = board_hash_mix(t->stamp, &c->open_cases,
		    sizeof(c->open_cases));
	}
}

/* A team's counts per clock, from its items' states. */
static void
team_count(struct board_snap *s, struct board_team *t,
    const struct config *cfg)
{
	for (size_t k = 0; k < cfg->nclocks; k++) {
		t->counts[k].open = t->counts[k].due_soon = 0;
		t->counts[k].overdue = t->counts[k].escalated = 0;
	}
	for (size_t i = t->first; i < t->first + t->n; i++) {
		const struct board_item *it = &s->items[i];
		struct board_count *k = &t->counts[clock_index(cfg, it->clock)];

		k->open++;
		if (it->state == CS_DUE_SOON)
			k->due_soon++;
		else if (it->state == CS_OVERDUE)
			k->overdue++;
		else if (it->state == CS_ESCALATED)
			k->escalated++;
	}
}

/*
 * Bring the states up to date at now, without building again: a clock
 * falls due, or warns, or escalates, at an instant its deadlines give.  A
 * team with a state changed is counted again and stamped anew.
 */
static void
board_restate(struct board_snap *s, const struct config *cfg, int64_t now)
{
	for (size_t ti = 0; ti < s->nteams; ti++) {
		struct board_team *t = &s->teams[ti];
		bool changed = false;

		for (size_t i = t->first; i < t->first + t->n; i++) {
			struct board_item *it = &s->items[i];
			enum clock_state st = clock_state_at(now,
			    it->started_at, TIME_NONE, it->warn_at, it->due_at,
			    it->escalate_at);

			if (st != it->state) {
				it->state = st;
				changed = true;
			}
		}
		if (changed) {
			team_count(s, t, cfg);
			t->stamp = board_hash_mix(t->stamp, &now, sizeof(now));
		}
	}
	s->at = now;
}

/* Each team's forecast per clock with forecast = true (forecast.h). */
static void
board_forecast(const struct board *b, struct board_snap *s,
    const struct model *m, int64_t now)
{
	struct forecast_window w;
	const struct forecast_row *r;
	struct forecast *f;
	size_t n;

	forecast_window(b->cal, now,
	    now - MODEL_KEEP_STOPPED, &w);
	f = forecast_new(&w);
	model_foreach_clock(m, now, false, forecast_visit, f);
	r = forecast_rows(f, false, &n);
	for (size_t i = 0; i < n; i++) {
		const struct clock_conf *cc = config_clock(b->cfg, r[i].clock);
		struct board_team *t = snap_team(s, b, r[i].team != NULL ?
		    r[i].team : "");
		struct board_count *c;

		if (cc == NULL)
			continue;
		c = &t->counts[clock_index(b->cfg, cc)];
		c->fc = true;
		c->fc_open = r[i].open;
		c->fc_due_next = r[i].due_next;
		c->fc_throughput = r[i].throughput;
	}
	forecast_free(f);
}

static void
board_build(struct board *b, int64_t now, uint64_t built, uint64_t stated)
{
	const struct model *m = engine_model(b->engine);
	struct board_snap *s = xcalloc(1, sizeof(*s));
	struct collect c = { .s = s };

	/* About as many as last time: no copying as the array grows. */
	if (b->snap != NULL && b->snap->nitems > 0) {
		c.cap = b->snap->nitems + b->snap->nitems / 8 + 64;
		s->items = xreallocarray(NULL, c.cap, sizeof(*s->items));
	}

	s->at = now;
	s->built = built;
	s->stated = stated;
	s->stamp = board_hash_mix(built, &stated, sizeof(stated));
	s->names = strmap_new();
	s->ranks = strmap_new();
	model_foreach_clock(m, now, false, collect_clock, &c);
	rank_teams(s);
	model_foreach_repeat(m, now, collect_repeat, &c);
	model_foreach_failed_check(m, collect_check, &c);
	free(c.seen);
	if (s->nitems > 1)
		sort_items(s);
	if (s->nothers > 1)
		qsort(s->others, s->nothers, sizeof(*s->others), other_cmp);
	for (size_t i = 0; i < s->nitems; i++) {
		struct board_team *t = snap_team(s, b, s->items[i].team_id);

		if (t->n == 0)
			t->first = i;
		t->n++;
	}
	for (size_t i = 0; i < s->nteams; i++)
		team_count(s, &s->teams[i], b->cfg);
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
	board_forecast(b, s, m, now);
	/* Teams with nothing waiting still get their (empty) section. */
	for (size_t i = 0; i < b->teams.n; i++)
		snap_team(s, b, b->teams.v[i].id);
	for (size_t i = 0; i < b->cfg->routes.nteams; i++)
		snap_team(s, b, b->cfg->routes.teams[i].team_id);
	team_stamps(s, b->cfg->nclocks);
	board_snap_free(b->snap);
	b->snap = s;
}

/*
 * Build the snapshot again if what it was built from changed, else bring
 * its states up to date if an alert fired or a minute passed.
 */
void
board_fresh(struct board *b, int64_t now)
{
	uint64_t built = board_built_stamp(b, now), stated = board_stated_stamp(b, now);
	bool idle = now - b->looked_at > LOOKING_FOR;

	b->looked_at = now;
	if (idle) {
		/* Someone looks again after a while: read what we let go. */
		board_alerts_refresh(b);
		if (now - b->aux_at >= AUX_EVERY)
			board_aux_refresh(b);
	}
	if (b->snap == NULL || b->snap->built != built)
		board_build(b, now, built, stated);
	else if (b->snap->stated != stated) {
		board_restate(b->snap, b->cfg, now);
		b->snap->stated = stated;
		b->snap->stamp = board_hash_mix(built, &stated, sizeof(stated));
	}
}
