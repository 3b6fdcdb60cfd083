#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mashwatch/model.h"
#include "mashwatch/strmap.h"
#include "mashwatch/pool.h"
#include "mashwatch/xmalloc.h"

#include "model_impl.h"

/* Stopped clocks are kept this long for --all and late resolutions. */
#define KEEP_STOPPED	(28 * 86400)

static const char *const state_names[] = {
	"on_time", "due_soon", "overdue", "escalated", "met", "met_late",
	"withdrawn", "invalid",
};

static const char *const level_names[] = {
	"due_soon", "overdue", "escalated", "repeat", "check", "data_quality",
};

const char *
clock_state_name(enum clock_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ?
	    state_names[s] : "?";
}

const char *
alert_level_name(enum alert_level l)
{
	return (unsigned)l < AL_COUNT ? level_names[l] : "?";
}

int
alert_level_parse(const char *name)
{
	for (int i = 0; i < AL_COUNT; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

enum clock_state
clock_state_at(int64_t now, int64_t started_at, int64_t stopped_at,
    int64_t warn_at, int64_t due_at, int64_t escalate_at)
{
	(void)started_at;
	if (stopped_at != TIME_NONE && stopped_at <= now)
		return stopped_at < due_at ? CS_MET : CS_MET_LATE;
	if (escalate_at != TIME_NONE && now >= escalate_at)
		return CS_ESCALATED;
	if (now >= due_at)
		return CS_OVERDUE;
	if (warn_at != TIME_NONE && now >= warn_at)
		return CS_DUE_SOON;
	return CS_ON_TIME;
}

/*
 * Why text from the source cannot be used, or NULL.  Invalid UTF-8 would
 * corrupt JSON and email; an enormous identifier is a broken mapping, not
 * a case reference.
 */
const char *
model_check_text(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0;

	if (s == NULL || *s == '\0')
		return "is missing";
	while (*p) {
		unsigned c = *p;
		int extra;
		unsigned cp;

		if (++len > max)
			return "is too long";
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			extra = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			extra = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			extra = 3;
			cp = c & 0x07;
		} else
			return "is not valid UTF-8";
		p++;
		for (int i = 0; i < extra; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return "is not valid UTF-8";
			cp = (cp << 6) | (*p & 0x3f);
			len++;
		}
		/* Overlong forms, surrogates and beyond U+10FFFF. */
		if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return "is not valid UTF-8";
	}
	return NULL;
}

void
transition_free_array(struct transition *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].rule);
		free(v[i].instance_id);
		free(v[i].child_id);
		free(v[i].team_id);
		free(v[i].worker_id);
		free(v[i].priority);
		free(v[i].detail);
	}
	free(v);
}

struct transition *
model_push(struct model *m, enum transition_kind kind, const char *rule,
    const char *instance_id)
{
	struct transition *t;

	if (m->ntrans == m->cap_trans) {
		m->cap_trans = m->cap_trans ? m->cap_trans * 2 : 64;
		m->trans = xreallocarray(m->trans, m->cap_trans,
		    sizeof(*m->trans));
	}
	t = &m->trans[m->ntrans++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->rule = xstrdup(rule);
	t->instance_id = xstrdup(instance_id);
	t->started_at = t->due_at = t->fired_at = TIME_NONE;
	t->stopped_at = t->resolved_at = TIME_NONE;
	return t;
}

char *
model_json(json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);

	json_decref(obj);
	return s ? s : xstrdup("{}");
}

struct transition *
model_take_transitions(struct model *m, size_t *n)
{
	struct transition *v = m->trans;

	*n = m->ntrans;
	m->trans = NULL;
	m->ntrans = m->cap_trans = 0;
	return v;
}

size_t
model_pending_transitions(const struct model *m)
{
	return m->ntrans;
}

struct model *
model_new(const struct config *cfg, const struct calendar *cal, bool replay)
{
	struct model *m = xcalloc(1, sizeof(*m));

	m->cfg = cfg;
	m->cal = cal;
	m->replay = replay;
	m->strings = strmap_new();
	model_clocks_init(m);
	model_events_init(m);
	m->checks = strmap_new();
	m->invalid = strmap_new();
	m->repeat_fired = strmap_new();
	return m;
}

void
model_free(struct model *m)
{
	if (m == NULL)
		return;
	model_clocks_free(m);
	model_events_free(m);
	model_checks_free(m);
	model_invalid_free(m);
	strmap_free(m->repeat_fired);
	strmap_free(m->strings);
	transition_free_array(m->trans, m->ntrans);
	free(m);
}

void
model_set_live_rules(struct model *m, bool live)
{
	m->live_rules = live;
}

void
model_begin_full(struct model *m)
{
	model_events_abort(m);	/* a pass left unfinished */
	m->pass++;
	m->in_full = true;
}

void
model_abort_full(struct model *m)
{
	model_events_abort(m);
	m->in_full = false;
}

void
model_end_full(struct model *m, int64_t now)
{
	/* The events' index builds on (model_end_events) beside the sweep. */
	model_end_events(m);
	model_clocks_sweep(m, now);
	model_events_build_finish(m, now);
	model_checks_sweep(m, now);
	model_invalid_sweep(m, now);
	m->in_full = false;
	m->loaded = true;
}

void
model_mark_fired(struct model *m, const char *rule, const char *instance_id,
    enum alert_level level, int64_t now)
{
	bool known = false;

	switch (level) {
	case AL_DUE_SOON:
	case AL_OVERDUE:
	case AL_ESCALATED:
		known = model_clocks_mark(m, rule, instance_id, level);
		break;
	case AL_REPEAT:
		/* Repeat alerts stay as history; remember the key only. */
		model_repeat_mark(m, rule, instance_id);
		return;
	case AL_CHECK:
		known = model_checks_mark(m, rule, instance_id);
		break;
	case AL_DATA_QUALITY:
		known = model_invalid_mark(m, instance_id);
		break;
	default:
		return;
	}
	if (!known) {
		/* The store has an alert for something the source no longer has. */
		struct transition *t = model_push(m, TR_RESOLVE, rule,
		    instance_id);
		t->resolution = level == AL_DATA_QUALITY ? "cleared" :
		    "withdrawn";
		t->resolved_at = now;
	}
}

void
model_counts(const struct model *m, int64_t now, struct model_counts *c)
{
	memset(c, 0, sizeof(*c));
	model_clocks_count(m, now, c);
	c->events = model_events_live(m);
	c->failed_checks = m->nfailed;
	c->invalid = strmap_count(m->invalid);
}
