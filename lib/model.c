#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mashwatch/model.h"
#include "mashwatch/strmap.h"
#include "mashwatch/pool.h"
#include "mashwatch/xmalloc.h"

#include "model_impl.h"

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
