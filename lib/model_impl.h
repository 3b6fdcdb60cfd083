/*
 * Inside the model: shared by lib/model*.c only, never installed.  Split
 * by concern: model_clocks.c (instances, deadlines, the heap),
 * model_events.c (per-child windows, repeat rules), model_checks.c
 * (checks and invalid rows), model.c (the model's life: new, free, full
 * passes, counts) above them and model_base.c (states, text checks, row
 * references, the transition queue) below them, so every call points
 * one way: model.c -> clocks, events, checks -> model_base.c.
 */
#ifndef MASHWATCH_MODEL_IMPL_H
#define MASHWATCH_MODEL_IMPL_H

#include <jansson.h>

#include "mashwatch/model.h"
#include "mashwatch/strmap.h"

struct clock_inst;
struct inst_slot;
struct stage_part;
struct events_build;

struct model {
	const struct config	*cfg;
	const struct calendar	*cal;
	bool			 replay;
	bool			 live_rules;	/* replay model, live validity (--once without --at) */
	bool			 loaded;
	bool			 in_full;	/* between begin_full and end_full */
	uint32_t		 pass;		/* full passes begun */

	struct strmap		*strings;	/* interned team, worker, priority */

	/* Clock instances, open-addressed by (clock, instance id). */
	struct pool		*inst_pool;
	struct inst_slot	*islots;
	unsigned		 islot_bits;	/* 1 << islot_bits slots */
	size_t			 nclocks;

	/* Open instances by their next transition instant. */
	struct clock_inst	**heap;
	size_t			  nheap;
	size_t			  cap_heap;

	/* Events by child (model_events.c), and a full pass's rows. */
	struct events		*events;
	struct stage_part	*stage;
	size_t			 nstaged;
	struct events_build	*build;		/* from model_end_events */
	struct strmap		*repeat_fired;	/* "rule\x1fevent" -> non-NULL */

	struct strmap		*checks;	/* "check\x1finstance" -> struct check_ent */
	size_t			 nfailed;
	struct strmap		*invalid;	/* alert instance key -> struct invalid_ent */

	struct transition	*trans;
	size_t			 ntrans;
	size_t			 cap_trans;
};

struct transition *model_push(struct model *m, enum transition_kind kind,
    const char *rule, const char *instance_id);
/* Serialise and release obj. */
char *model_json(json_t *obj);

/* Record an invalid row; key parts are joined with '/'. */
void model_invalid(struct model *m, const char *source, const char *what,
    const char *id, const char *reason, bool duplicate, int64_t now);
/* The row behind key is valid again (incremental reads only). */
void model_invalid_clear(struct model *m, const char *source,
    const char *what, const char *id, int64_t now);
/*
 * A finding about a row that is still used (an unlisted priority): keyed
 * apart from the row's own, under tag, so the row being valid does not
 * clear it.
 */
void model_invalid_tag(struct model *m, const char *source, const char *what,
    const char *id, const char *tag, const char *reason, int64_t now);
void model_invalid_tag_clear(struct model *m, const char *source,
    const char *what, const char *id, const char *tag, int64_t now);

void model_clocks_init(struct model *m);
void model_clocks_free(struct model *m);
void model_clocks_sweep(struct model *m, int64_t now);
bool model_clocks_mark(struct model *m, const char *rule, const char *id,
    enum alert_level level);
void model_clocks_count(const struct model *m, int64_t now,
    struct model_counts *c);

void model_events_init(struct model *m);
void model_events_free(struct model *m);
size_t model_events_live(const struct model *m);
void model_events_abort(struct model *m);
/*
 * The end of a full pass's events (model_end_events started the build of
 * their new index, or this does): wait for it, swap it in and evaluate the
 * repeat rules.
 */
void model_events_build_finish(struct model *m, int64_t now);
void model_repeat_mark(struct model *m, const char *rule, const char *event_id);

void model_checks_free(struct model *m);
void model_checks_sweep(struct model *m, int64_t now);
bool model_checks_mark(struct model *m, const char *rule, const char *id);

void model_invalid_free(struct model *m);
void model_invalid_sweep(struct model *m, int64_t now);
bool model_invalid_mark(struct model *m, const char *key);

#endif
