/*
 * The model: every clock instance open or recently stopped, per-child event
 * windows for the repeat rules, failing checks and invalid rows, with a
 * min-heap of the next instant at which any open clock changes state.
 *
 * Pure: rows go in (already split into fields by the poller), "now" is an
 * argument, and what changes comes out as a queue of transitions for the
 * alert store.  Nothing here reads a clock, a socket or a global.
 *
 * Life of a pass: model_begin_full(); model_put_*() for every row, with
 * model_end_events() once the events are in (optional: their index then
 * builds while the rest is read); model_mark_fired() for every unresolved
 * alert the store already holds; model_end_full(now) withdraws what was
 * not seen and evaluates everything.  A large pass builds its event index
 * on a thread of its own, joined before model_end_full() returns; the
 * model is otherwise for one thread only.
 * Between full passes, incremental rows go through model_put_*() and take
 * effect at once; model_advance(now) is called when the timer for
 * model_next_transition() fires.
 */
#ifndef MASHWATCH_MODEL_H
#define MASHWATCH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"

/* "No such instant": a NULL timestamp. */
#define TIME_NONE	INT64_MIN
/*
 * A timestamp that is there but cannot be right: not finite ('infinity',
 * '-infinity') or not a number of seconds.  The source reader gives it for
 * such values; the validity rules make the row invalid.
 */
#define TIME_BAD	(INT64_MIN + 1)

/* Longest identifier accepted from the source, in bytes. */
#define MODEL_MAX_ID	200

/* Clocks starting further than this in the future are invalid. */
#define MODEL_FUTURE_SLACK	300

/*
 * How long a stopped clock stays of interest, in seconds: the model keeps
 * it for late resolutions, --once --all lists it, and the poller reads
 * clocks (and checks) back this far.
 */
#define MODEL_KEEP_STOPPED	(28 * 86400)

enum clock_state {
	CS_ON_TIME,
	CS_DUE_SOON,
	CS_OVERDUE,
	CS_ESCALATED,
	CS_MET,
	CS_MET_LATE,
	CS_WITHDRAWN,
	CS_INVALID,
};

enum alert_level {
	AL_DUE_SOON,
	AL_OVERDUE,
	AL_ESCALATED,
	AL_REPEAT,
	AL_CHECK,
	AL_DATA_QUALITY,
	AL_COUNT
};

const char *clock_state_name(enum clock_state s);
const char *alert_level_name(enum alert_level l);
/* -1 if name is not a level. */
int alert_level_parse(const char *name);

/* One row of mash.clocks as the poller read it; strings are borrowed. */
struct clock_row {
	const char	*clock;
	const char	*instance_id;
	const char	*child_id;
	const char	*team_id;
	const char	*worker_id;
	const char	*priority;
	int64_t		 started_at;	/* TIME_NONE if NULL */
	int64_t		 stopped_at;	/* TIME_NONE while it runs */
};

/*
 * The one set of validity rules for a row of mash.clocks, shared by the
 * model (the daemon and --once), the report and check-source.
 *
 * A row is invalid, and not timed, when: clock, instance_id or child_id is
 * NULL, empty, too long or not UTF-8 (team_id, worker_id, priority when
 * given); started_at is NULL; a timestamp is not finite or is before
 * 1970-01-01 ("timestamp out of range"); the clock is not configured; it
 * stopped before it started; and, live (replay false), it starts or stops
 * more than MODEL_FUTURE_SLACK seconds after now.  In replay (--at, the
 * report) a start after now means "not yet" and a stop after now "still
 * open": the caller decides that, the row is valid.
 * A priority the clock does not list leaves the row valid, timed on the
 * clock's default limit, with a note for a data-quality finding.
 */
struct clock_verdict {
	const struct clock_conf	*clock;		/* NULL when unknown or missing */
	const struct timescale	*limit;		/* what it is timed on, if valid */
	const char		*invalid;	/* why it is not timed, or NULL */
	const char		*note;		/* a finding on a timed row, or NULL */
	char			 buf[128];	/* storage for invalid */
	char			 nbuf[224];	/* storage for note */
};
void model_judge_clock(const struct config *cfg, const struct clock_row *r,
    int64_t now, bool replay, struct clock_verdict *v);

/*
 * A stable reference for a row whose key (clock, instance_id) is missing:
 * "row:" and 16 hex digits of a hash of every field, so that each such row
 * is its own finding and fires once, not on every poll.  Into buf (at
 * least 21 bytes).
 */
void model_row_ref(const char *const *fields, size_t nfields,
    const int64_t *times, size_t ntimes, char *buf, size_t len);

struct event_row {
	const char	*kind;
	const char	*event_id;
	const char	*child_id;
	const char	*team_id;
	int64_t		 occurred_at;
	const char	*source;	/* who made the contact; NULL: not given */
};

struct check_row {
	const char	*check;
	const char	*instance_id;
	const char	*child_id;
	const char	*team_id;
	int64_t		 occurred_at;
	int		 passed;	/* 1, 0, or -1 if NULL */
	const char	*detail;
};

enum transition_kind {
	TR_RAISE,	/* a new alert key fires */
	TR_RESOLVE,	/* every unresolved alert of (rule, instance) resolves */
};

/* A change for the alert store.  Every string is owned by the transition. */
struct transition {
	enum transition_kind	 kind;
	enum alert_level	 level;		/* TR_RAISE */
	char			*rule;
	char			*instance_id;
	char			*child_id;
	char			*team_id;
	char			*worker_id;
	char			*priority;
	int64_t			 started_at;
	int64_t			 due_at;
	int64_t			 fired_at;	/* TR_RAISE: when it became true */
	int64_t			 stopped_at;
	const char		*resolution;	/* TR_RESOLVE: met, met_late, withdrawn, passed, cleared */
	int64_t			 resolved_at;
	char			*detail;	/* JSON object text */
};

void transition_free_array(struct transition *v, size_t n);

struct model;

/*
 * A model for cfg and cal, both borrowed and outliving the model.  In
 * replay mode (--once --at) rows that start after "now" are ignored rather
 * than invalid, and stops after "now" count as not yet happened.
 */
struct model *model_new(const struct config *cfg, const struct calendar *cal,
    bool replay);
void model_free(struct model *m);
/*
 * A replay model that judges clock rows by the live rules (a stop after
 * now is invalid, not "not yet"): --once evaluated at the present.
 */
void model_set_live_rules(struct model *m, bool live);

/* Switch to a reloaded config and calendar; deadlines are recomputed. */
void model_reconfigure(struct model *m, const struct config *cfg,
    const struct calendar *cal, int64_t now);

void model_begin_full(struct model *m);
/* Returns 0, or -1 when the row was invalid and became a finding. */
int model_put_clock(struct model *m, const struct clock_row *row,
    int64_t now);
int model_put_event(struct model *m, const struct event_row *row,
    int64_t now);
int model_put_check(struct model *m, const struct check_row *row,
    int64_t now);
/*
 * Optional, in a full pass: every event row of the pass is in.  The index
 * of them starts to build, on a thread when the pass is large, while the
 * rest of the pass is read; model_end_full() waits for it.  An event put
 * in the same pass after this waits for it too, then goes into the new
 * index directly.
 */
void model_end_events(struct model *m);
/* An unresolved alert the store holds, so that it is not fired again. */
void model_mark_fired(struct model *m, const char *rule,
    const char *instance_id, enum alert_level level, int64_t now);
void model_end_full(struct model *m, int64_t now);
/* A full pass that could not finish: forget it, withdraw nothing. */
void model_abort_full(struct model *m);

/* The next instant a clock changes state, or INT64_MAX. */
int64_t model_next_transition(const struct model *m);
/* Fire every state change due at or before now. */
void model_advance(struct model *m, int64_t now);

/* Take the queued transitions; the caller frees them. */
struct transition *model_take_transitions(struct model *m, size_t *n);
size_t model_pending_transitions(const struct model *m);

/* A read-only view of one clock instance, for output and metrics. */
struct clock_view {
	const struct clock_conf	*clock;
	const char		*instance_id;
	const char		*child_id;
	const char		*team_id;
	const char		*worker_id;
	const char		*priority;
	int64_t			 started_at;
	int64_t			 stopped_at;
	int64_t			 warn_at;	/* TIME_NONE if no warning */
	int64_t			 due_at;
	int64_t			 escalate_at;	/* TIME_NONE if no escalation */
	enum clock_state	 state;		/* at the "now" passed in */
};

/*
 * Visit every clock instance in a stable order (clock, start, id), or, with
 * ordered false, in the model's own order (no sort: for a caller that
 * sorts its own way).  fn must not change the model.
 */
void model_foreach_clock(const struct model *m, int64_t now, bool ordered,
    void (*fn)(void *arg, const struct clock_view *v), void *arg);

struct repeat_view {
	const struct repeat_conf *rule;
	const char		*child_id;
	const char		*team_id;
	size_t			 count;
	const char *const	*event_ids;	/* oldest first */
	const char *const	*sources;	/* each one's source, or NULL */
};
/* Children at or over each rule's min in (now - window, now]. */
void model_foreach_repeat(const struct model *m, int64_t now,
    void (*fn)(void *arg, const struct repeat_view *v), void *arg);

struct check_view {
	const struct check_conf	*check;
	const char		*instance_id;
	const char		*child_id;
	const char		*team_id;
	int64_t			 occurred_at;
	const char		*detail;
};
void model_foreach_failed_check(const struct model *m,
    void (*fn)(void *arg, const struct check_view *v), void *arg);

struct invalid_view {
	const char	*source;	/* "mash.clocks" */
	const char	*instance;	/* printable: truncated, invalid bytes replaced */
	const char	*reason;
};
void model_foreach_invalid(const struct model *m,
    void (*fn)(void *arg, const struct invalid_view *v), void *arg);

struct model_counts {
	size_t	clocks;		/* instances held */
	size_t	open;
	size_t	overdue;	/* overdue or escalated */
	size_t	events;
	size_t	failed_checks;
	size_t	invalid;
};
void model_counts(const struct model *m, int64_t now,
    struct model_counts *c);

/* Clock instances of one (clock, team) pair, for /metrics. */
struct clock_count {
	const struct clock_conf	*clock;
	const char		*team_id;	/* NULL: no owning team */
	size_t			 held;		/* open or recently stopped */
	size_t			 open;
	size_t			 due_soon;
	size_t			 overdue;	/* overdue or escalated */
};
/*
 * Count per (clock, team) in one walk of the instances, without sorting:
 * fn is called once per pair the model holds any instance of, in no
 * particular order.  The strings are the model's: valid until it changes.
 */
void model_count_by(const struct model *m, int64_t now,
    void (*fn)(void *arg, const struct clock_count *c), void *arg);

/*
 * The state of a clock at time now, from its deadlines: the one met and
 * overdue rule.  A stop at or before now is done: met when strictly before
 * due_at, met late at or after it.  Open, it is escalated from escalate_at,
 * overdue from due_at, due soon from warn_at (TIME_NONE: no warning, no
 * escalation).  Used by the model, the board and the report (lib/report.c,
 * which passes a stop at the end of its period as not yet happened).
 */
enum clock_state clock_state_at(int64_t now, int64_t started_at,
    int64_t stopped_at, int64_t warn_at, int64_t due_at, int64_t escalate_at);

/*
 * Why a clock row is invalid, or NULL if it is fine (the priority and
 * duplicate checks need the model, see model_put_clock).
 */
const char *model_check_text(const char *s, size_t max);

#endif
