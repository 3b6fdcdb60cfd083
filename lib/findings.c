#include <jansson.h>

#include "mashwatch/findings.h"
#include "mashwatch/jsonval.h"

struct print_ctx {
	FILE			*out;
	const struct calendar	*cal;
	int64_t			 at;
	bool			 all;
	size_t			 lines;
};

static void
print_line(struct print_ctx *pc, json_t *o)
{
	if (o == NULL)
		return;
	json_dumpf(o, pc->out, JSON_COMPACT | JSON_ENSURE_ASCII);
	fputc('\n', pc->out);
	json_decref(o);
	pc->lines++;
}

static void
print_clock(void *arg, const struct clock_view *v)
{
	struct print_ctx *pc = arg;
	int64_t stopped = v->stopped_at;

	if (stopped != TIME_NONE && stopped > pc->at)
		stopped = TIME_NONE;
	if (pc->all) {
		if (stopped != TIME_NONE &&
		    stopped <= pc->at - MODEL_KEEP_STOPPED)
			return;
	} else if (v->state != CS_DUE_SOON && v->state != CS_OVERDUE &&
	    v->state != CS_ESCALATED)
		return;
	print_line(pc, json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o}",
	    "type", "clock",
	    "clock", v->clock->name,
	    "instance", jsonval_str(v->instance_id),
	    "child", jsonval_str(v->child_id),
	    "team", jsonval_str(v->team_id),
	    "priority", jsonval_str(v->priority),
	    "state", clock_state_name(v->state),
	    "started_at", jsonval_instant(pc->cal, v->started_at),
	    "due_at", jsonval_instant(pc->cal, v->due_at),
	    "stopped_at", jsonval_instant(pc->cal, stopped)));
}

static void
print_repeat(void *arg, const struct repeat_view *v)
{
	struct print_ctx *pc = arg;
	json_t *ids = json_array(), *srcs = json_array();

	for (size_t i = 0; i < v->count; i++) {
		json_array_append_new(ids, json_string(v->event_ids[i]));
		json_array_append_new(srcs, jsonval_str(v->sources[i]));
	}
	/* sources: in step with events, null where the source is unknown. */
	print_line(pc, json_pack("{s:s,s:s,s:s,s:I,s:o,s:o}",
	    "type", "repeat",
	    "rule", v->rule->name,
	    "child", v->child_id,
	    "count", (json_int_t)v->count,
	    "events", ids,
	    "sources", srcs));
}

static void
print_check(void *arg, const struct check_view *v)
{
	struct print_ctx *pc = arg;

	print_line(pc, json_pack("{s:s,s:s,s:s,s:s,s:b,s:o}",
	    "type", "check",
	    "check", v->check->name,
	    "instance", v->instance_id,
	    "child", v->child_id,
	    "passed", 0,
	    "detail", jsonval_str(v->detail)));
}

static void
print_invalid(void *arg, const struct invalid_view *v)
{
	struct print_ctx *pc = arg;

	print_line(pc, json_pack("{s:s,s:s,s:s,s:s}",
	    "type", "invalid",
	    "source", v->source,
	    "instance", v->instance,
	    "reason", v->reason));
}

size_t
findings_print(FILE *out, const struct model *m, const struct calendar *cal,
    int64_t at, bool all)
{
	struct print_ctx pc = { out, cal, at, all, 0 };

	model_foreach_clock(m, at, true, print_clock, &pc);
	model_foreach_repeat(m, at, print_repeat, &pc);
	model_foreach_failed_check(m, print_check, &pc);
	model_foreach_invalid(m, print_invalid, &pc);
	return pc.lines;
}
