#include <jansson.h>

#include "mashwatch/findings.h"
#include "mashwatch/forecast.h"
#include "mashwatch/handover.h"
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

/* Throughput to two places: the figure a reader compares, not a float's tail. */
static json_t *
json_rate(double v)
{
	return json_real((double)(long long)(v * 100 + 0.5) / 100);
}

size_t
findings_print_forecast(FILE *out, const struct model *m,
    const struct calendar *cal, int64_t at)
{
	struct print_ctx pc = { out, cal, at, false, 0 };
	struct forecast_window w;
	const struct forecast_row *r;
	struct forecast *f;
	size_t n;

	forecast_window(cal, at, at - MODEL_KEEP_STOPPED, &w);
	f = forecast_new(&w);
	model_foreach_clock(m, at, false, forecast_visit, f);
	r = forecast_rows(f, false, &n);
	for (size_t i = 0; i < n; i++)
		print_line(&pc, json_pack("{s:s,s:s,s:o,s:I,s:I,s:o,s:I}",
		    "type", "forecast",
		    "clock", r[i].clock,
		    "team", jsonval_str(r[i].team),
		    "open", (json_int_t)r[i].open,
		    "due_next", (json_int_t)r[i].due_next,
		    "throughput", json_rate(r[i].throughput),
		    "projected_breaches", (json_int_t)r[i].projected));
	forecast_free(f);
	return pc.lines;
}

struct handover_ctx {
	struct print_ctx	pc;
	int			work_from, work_to;
	int64_t			since;
};

static void
print_handover(void *arg, const struct clock_view *v)
{
	struct handover_ctx *hc = arg;
	int64_t stopped = v->stopped_at;

	if (v->state == CS_WITHDRAWN || v->state == CS_INVALID ||
	    v->started_at == TIME_NONE || v->started_at < hc->since ||
	    v->started_at > hc->pc.at ||
	    !handover_out_of_hours(hc->pc.cal, hc->work_from, hc->work_to,
	    v->started_at))
		return;
	if (stopped != TIME_NONE && stopped > hc->pc.at)
		stopped = TIME_NONE;
	print_line(&hc->pc, json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:b,"
	    "s:o}",
	    "type", "out_of_hours",
	    "clock", v->clock->name,
	    "instance", jsonval_str(v->instance_id),
	    "child", jsonval_str(v->child_id),
	    "team", jsonval_str(v->team_id),
	    "priority", jsonval_str(v->priority),
	    "started_at", jsonval_instant(hc->pc.cal, v->started_at),
	    "due_at", jsonval_instant(hc->pc.cal, v->due_at),
	    "stopped", stopped != TIME_NONE,
	    "stopped_at", jsonval_instant(hc->pc.cal, stopped)));
}

size_t
findings_print_handover(FILE *out, const struct model *m,
    const struct calendar *cal, int work_from, int work_to, int64_t at)
{
	struct handover_ctx hc = { { out, cal, at, false, 0 }, work_from,
	    work_to, handover_since(cal, work_to, at) };

	model_foreach_clock(m, at, true, print_handover, &hc);
	return hc.pc.lines;
}
