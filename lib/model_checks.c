/*
 * Failed compliance checks from mash.checks, and the invalid rows found at
 * the boundary: both become alerts for a manager or the data-quality
 * route, and both clear when the source is put right.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/xmalloc.h"

#include "model_impl.h"

#define MAX_DETAIL	2000
#define PRINTABLE	80

struct check_ent {
	const char	*check;		/* interned name */
	const char	*team_id;	/* interned */
	char		*instance_id;
	char		*child_id;
	char		*detail;
	int64_t		 occurred_at;
	uint32_t	 pass;
	bool		 passed;
	bool		 fired;
};

struct invalid_ent {
	const char	*source;	/* static */
	char		*key;		/* the alert's instance id */
	char		*instance;	/* printable */
	char		*reason;
	uint32_t	 pass;
	bool		 fired;
	bool		 duplicate;
};

static void
check_free(struct check_ent *c)
{
	free(c->instance_id);
	free(c->child_id);
	free(c->detail);
	free(c);
}

static void
check_free_cb(void *arg, const char *key, size_t len, void *value)
{
	(void)arg;
	(void)key;
	(void)len;
	check_free(value);
}

void
model_checks_free(struct model *m)
{
	strmap_foreach(m->checks, check_free_cb, NULL);
	strmap_free(m->checks);
}

static void
check_evaluate(struct model *m, struct check_ent *c, int64_t now)
{
	struct transition *t;

	if (!c->passed && !c->fired) {
		c->fired = true;
		if (m->replay)
			return;
		t = model_push(m, TR_RAISE, c->check, c->instance_id);
		t->level = AL_CHECK;
		t->child_id = xstrdup(c->child_id);
		t->team_id = xstrdup(c->team_id);
		t->fired_at = c->occurred_at;
		t->started_at = c->occurred_at;
		t->detail = model_json(json_pack("{s:s?}", "detail",
		    c->detail));
	} else if (c->passed && c->fired) {
		c->fired = false;
		if (m->replay)
			return;
		t = model_push(m, TR_RESOLVE, c->check, c->instance_id);
		t->child_id = xstrdup(c->child_id);
		t->team_id = xstrdup(c->team_id);
		t->resolution = "passed";
		t->resolved_at = now;
	}
}

int
model_put_check(struct model *m, const struct check_row *r, int64_t now)
{
	static const char *const names[] = { "check_name", "instance_id",
	    "child_id" };
	const char *vals[] = { r->check, r->instance_id, r->child_id };
	char key[2 * MODEL_MAX_ID + 8], buf[128];
	const char *why = NULL;
	struct check_ent *c;
	size_t klen;

	for (size_t i = 0; i < 3 && why == NULL; i++)
		if ((why = model_check_text(vals[i], MODEL_MAX_ID)) != NULL) {
			snprintf(buf, sizeof(buf), "%s %s", names[i], why);
			why = buf;
		}
	if (why == NULL && r->team_id != NULL &&
	    model_check_text(r->team_id, MODEL_MAX_ID) != NULL)
		why = "team_id is not valid text";
	if (why == NULL && r->detail != NULL && *r->detail != '\0' &&
	    model_check_text(r->detail, MAX_DETAIL) != NULL)
		why = "detail is too long or not valid UTF-8";
	if (why == NULL && config_check(m->cfg, r->check) == NULL)
		why = "unknown check";
	if (why == NULL && r->occurred_at == TIME_NONE)
		why = "occurred_at is missing";
	if (why == NULL && (r->occurred_at == TIME_BAD || r->occurred_at < 0))
		why = "timestamp out of range";
	if (why == NULL && r->passed < 0)
		why = "passed is missing";
	if (why != NULL) {
		const char *id = r->instance_id;
		char ref[32];
		/* Missing keys: each row its own finding, stably. */
		if (r->check == NULL || *r->check == '\0' || id == NULL ||
		    *id == '\0') {
			const char *f[4] = { r->check, r->instance_id,
			    r->child_id, r->team_id };
			model_row_ref(f, 4, &r->occurred_at, 1, ref,
			    sizeof(ref));
			id = ref;
		}
		model_invalid(m, "mash.checks", r->check, id, why, false, now);
		return -1;
	}
	model_invalid_clear(m, "mash.checks", r->check, r->instance_id, now);
	if (m->replay && r->occurred_at > now)
		return 0;

	klen = (size_t)snprintf(key, sizeof(key), "%s\x1f%s", r->check,
	    r->instance_id);
	if ((c = strmap_get(m->checks, key, klen)) == NULL) {
		c = xcalloc(1, sizeof(*c));
		c->check = strmap_intern(m->strings, r->check);
		c->instance_id = xstrdup(r->instance_id);
		c->passed = true;
		strmap_put(m->checks, key, klen, c);
	}
	if (c->passed && !r->passed)
		m->nfailed++;
	else if (!c->passed && r->passed)
		m->nfailed--;
	c->passed = r->passed;
	free(c->child_id);
	c->child_id = xstrdup(r->child_id);
	free(c->detail);
	c->detail = r->detail ? xstrdup(r->detail) : NULL;
	c->team_id = strmap_intern(m->strings, r->team_id);
	c->occurred_at = r->occurred_at;
	c->pass = m->pass;
	if (m->loaded && !m->in_full)
		check_evaluate(m, c, now);
	return 0;
}

bool
model_checks_mark(struct model *m, const char *rule, const char *id)
{
	char key[2 * MODEL_MAX_ID + 8];
	size_t klen = (size_t)snprintf(key, sizeof(key), "%s\x1f%s", rule, id);
	struct check_ent *c;

	if (klen >= sizeof(key) || (c = strmap_get(m->checks, key, klen)) == NULL)
		return false;
	c->fired = true;
	return true;
}

struct sweep_ctx {
	struct model	*m;
	int64_t		 now;
	char		**gone;
	size_t		 ngone;
};

static void
sweep_gone(struct sweep_ctx *sc, const char *key, size_t len)
{
	sc->gone = xreallocarray(sc->gone, sc->ngone + 1, sizeof(*sc->gone));
	sc->gone[sc->ngone++] = xstrndup(key, len);
}

static void
check_sweep(void *arg, const char *key, size_t len, void *value)
{
	struct sweep_ctx *sc = arg;
	struct check_ent *c = value;
	struct transition *t;

	if (c->pass == sc->m->pass && config_check(sc->m->cfg, c->check)) {
		check_evaluate(sc->m, c, sc->now);
		/* A passing check with nothing to resolve need not be kept. */
		if (!c->passed || c->fired)
			return;
	} else if (c->fired && !sc->m->replay) {
		t = model_push(sc->m, TR_RESOLVE, c->check, c->instance_id);
		t->child_id = xstrdup(c->child_id);
		t->team_id = xstrdup(c->team_id);
		t->resolution = "withdrawn";
		t->resolved_at = sc->now;
	}
	if (!c->passed)
		sc->m->nfailed--;
	sweep_gone(sc, key, len);
}

void
model_checks_sweep(struct model *m, int64_t now)
{
	struct sweep_ctx sc = { .m = m, .now = now };

	strmap_foreach(m->checks, check_sweep, &sc);
	for (size_t i = 0; i < sc.ngone; i++) {
		check_free(strmap_del(m->checks, sc.gone[i],
		    strlen(sc.gone[i])));
		free(sc.gone[i]);
	}
	free(sc.gone);
}

struct failed_ctx {
	const struct model	 *m;
	const struct check_ent	**v;
	size_t			  n;
};

static void
check_collect(void *arg, const char *key, size_t len, void *value)
{
	struct failed_ctx *fc = arg;
	const struct check_ent *c = value;

	(void)key;
	(void)len;
	if (c->passed)
		return;
	fc->v = xreallocarray(fc->v, fc->n + 1, sizeof(*fc->v));
	fc->v[fc->n++] = c;
}

static int
check_cmp(const void *a, const void *b)
{
	const struct check_ent *x = *(const struct check_ent *const *)a;
	const struct check_ent *y = *(const struct check_ent *const *)b;
	int d = strcmp(x->check, y->check);

	if (d != 0)
		return d;
	if (x->occurred_at != y->occurred_at)
		return x->occurred_at < y->occurred_at ? -1 : 1;
	return strcmp(x->instance_id, y->instance_id);
}

void
model_foreach_failed_check(const struct model *m,
    void (*fn)(void *arg, const struct check_view *v), void *arg)
{
	struct failed_ctx fc = { .m = m };

	strmap_foreach(m->checks, check_collect, &fc);
	if (fc.n > 0)
		qsort(fc.v, fc.n, sizeof(*fc.v), check_cmp);
	for (size_t i = 0; i < fc.n; i++) {
		const struct check_ent *c = fc.v[i];
		struct check_view v = {
			.check = config_check(m->cfg, c->check),
			.instance_id = c->instance_id,
			.child_id = c->child_id,
			.team_id = c->team_id,
			.occurred_at = c->occurred_at,
			.detail = c->detail,
		};
		if (v.check != NULL)
			fn(arg, &v);
	}
	free(fc.v);
}

/* Invalid rows. */

/* A short printable form of hostile text: never the whole of it. */
static size_t
printable(char *out, size_t len, const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return (size_t)snprintf(out, len, "(null)");
	for (const unsigned char *p = (const unsigned char *)s;
	    *p && n + 4 < len && n < PRINTABLE; p++)
		out[n++] = (*p >= 0x20 && *p < 0x7f) ? (char)*p : '?';
	if (strlen(s) > PRINTABLE && n + 4 < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return n;
}

static void
invalid_free(struct invalid_ent *e)
{
	free(e->key);
	free(e->instance);
	free(e->reason);
	free(e);
}

static void
invalid_free_cb(void *arg, const char *key, size_t len, void *value)
{
	(void)arg;
	(void)key;
	(void)len;
	invalid_free(value);
}

void
model_invalid_free(struct model *m)
{
	strmap_foreach(m->invalid, invalid_free_cb, NULL);
	strmap_free(m->invalid);
}

static size_t
invalid_key(char *key, size_t len, const char *source, const char *what,
    const char *id, const char *tag)
{
	char w[PRINTABLE + 8], i[PRINTABLE + 8];

	printable(w, sizeof(w), what);
	printable(i, sizeof(i), id);
	if (tag != NULL)
		return (size_t)snprintf(key, len, "%s/%s/%s/%s", source, w, i,
		    tag);
	return (size_t)snprintf(key, len, "%s/%s/%s", source, w, i);
}

static void
invalid_raise(struct model *m, struct invalid_ent *e, int64_t now)
{
	struct transition *t;

	if (e->fired)
		return;
	e->fired = true;
	if (m->replay)
		return;
	t = model_push(m, TR_RAISE, "invalid", e->key);
	t->level = AL_DATA_QUALITY;
	t->fired_at = now;
	t->detail = model_json(json_pack("{s:s,s:s,s:s}", "source", e->source,
	    "instance", e->instance, "reason", e->reason));
}

static void
invalid_resolve(struct model *m, struct invalid_ent *e, int64_t now)
{
	struct transition *t;

	if (!e->fired || m->replay)
		return;
	t = model_push(m, TR_RESOLVE, "invalid", e->key);
	t->resolution = "cleared";
	t->resolved_at = now;
}

static void
invalid_put(struct model *m, const char *source, const char *what,
    const char *id, const char *tag, const char *reason, bool duplicate,
    int64_t now)
{
	char key[3 * PRINTABLE + 64], inst[PRINTABLE + 8];
	size_t klen = invalid_key(key, sizeof(key), source, what, id, tag);
	struct invalid_ent *e = strmap_get(m->invalid, key, klen);

	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->source = source;
		e->key = xstrndup(key, klen);
		printable(inst, sizeof(inst), id);
		e->instance = xstrdup(inst);
		strmap_put(m->invalid, key, klen, e);
	}
	free(e->reason);
	e->reason = xstrdup(reason);
	e->duplicate = duplicate;
	e->pass = m->pass;
	if (m->loaded && !m->in_full)
		invalid_raise(m, e, now);
}

void
model_invalid(struct model *m, const char *source, const char *what,
    const char *id, const char *reason, bool duplicate, int64_t now)
{
	invalid_put(m, source, what, id, NULL, reason, duplicate, now);
}

void
model_invalid_tag(struct model *m, const char *source, const char *what,
    const char *id, const char *tag, const char *reason, int64_t now)
{
	invalid_put(m, source, what, id, tag, reason, false, now);
}

static void
invalid_clear(struct model *m, const char *source, const char *what,
    const char *id, const char *tag, int64_t now)
{
	char key[3 * PRINTABLE + 64];
	size_t klen;
	struct invalid_ent *e;

	/* In a full pass the sweep decides: a duplicate's twin is valid. */
	if (m->in_full || strmap_count(m->invalid) == 0)
		return;
	klen = invalid_key(key, sizeof(key), source, what, id, tag);
	if ((e = strmap_get(m->invalid, key, klen)) == NULL || e->duplicate)
		return;
	invalid_resolve(m, e, now);
	invalid_free(strmap_del(m->invalid, key, klen));
}

void
model_invalid_clear(struct model *m, const char *source, const char *what,
    const char *id, int64_t now)
{
	invalid_clear(m, source, what, id, NULL, now);
}

void
model_invalid_tag_clear(struct model *m, const char *source,
    const char *what, const char *id, const char *tag, int64_t now)
{
	invalid_clear(m, source, what, id, tag, now);
}

bool
model_invalid_mark(struct model *m, const char *key)
{
	struct invalid_ent *e = strmap_get(m->invalid, key, strlen(key));

	if (e == NULL)
		return false;
	e->fired = true;
	return true;
}

static void
invalid_sweep(void *arg, const char *key, size_t len, void *value)
{
	struct sweep_ctx *sc = arg;
	struct invalid_ent *e = value;

	if (e->pass == sc->m->pass) {
		invalid_raise(sc->m, e, sc->now);
		return;
	}
	invalid_resolve(sc->m, e, sc->now);
	sweep_gone(sc, key, len);
}

void
model_invalid_sweep(struct model *m, int64_t now)
{
	struct sweep_ctx sc = { .m = m, .now = now };

	strmap_foreach(m->invalid, invalid_sweep, &sc);
	for (size_t i = 0; i < sc.ngone; i++) {
		invalid_free(strmap_del(m->invalid, sc.gone[i],
		    strlen(sc.gone[i])));
		free(sc.gone[i]);
	}
	free(sc.gone);
}

struct invalid_ctx {
	const struct invalid_ent **v;
	size_t n;
};

static void
invalid_collect(void *arg, const char *key, size_t len, void *value)
{
	struct invalid_ctx *ic = arg;

	(void)key;
	(void)len;
	ic->v = xreallocarray(ic->v, ic->n + 1, sizeof(*ic->v));
	ic->v[ic->n++] = value;
}

static int
invalid_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct invalid_ent *const *)a)->key,
	    (*(const struct invalid_ent *const *)b)->key);
}

void
model_foreach_invalid(const struct model *m,
    void (*fn)(void *arg, const struct invalid_view *v), void *arg)
{
	struct invalid_ctx ic = { 0 };

	strmap_foreach(m->invalid, invalid_collect, &ic);
	if (ic.n > 0)
		qsort(ic.v, ic.n, sizeof(*ic.v), invalid_cmp);
	for (size_t i = 0; i < ic.n; i++) {
		struct invalid_view v = { ic.v[i]->source, ic.v[i]->instance,
		    ic.v[i]->reason };
		fn(arg, &v);
	}
	free(ic.v);
}
