/* Inside the board: shared by daemon/board*.c only. */
#ifndef MASHWATCH_BOARD_IMPL_H
#define MASHWATCH_BOARD_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"
#include "mashwatch/model.h"

#include "board.h"

struct evbuffer;
struct strmap;

/* One open clock instance, copied out of the model into the snapshot. */
struct board_item {
	const struct clock_conf	*clock;
	const char		*instance_id;
	const char		*child_id;
	const char		*team_id;	/* "" for none */
	const char		*worker_id;	/* NULL for none */
	const char		*priority;
	int64_t			 started_at;
	int64_t			 due_at;
	bool			 hourly;	/* its limit is in hours: show a time */
	enum clock_state	 state;
};

/* A repeat (rule = repeat rule) or a failed check (rule = check). */
struct board_other {
	const char	*rule;
	const char	*label;
	const char	*instance_id;	/* the child for a repeat */
	const char	*child_id;
	const char	*team_id;
	int64_t		 at;		/* a check: when; a repeat: 0 */
	size_t		 count;		/* a repeat: events in the window */
};

struct board_caseload {
	const char	*worker_id;
	const char	*team_id;
	int		 open_cases;
};

/* Per clock, within one team. */
struct board_count {
	const struct clock_conf	*clock;
	size_t			 open, due_soon, overdue, escalated;
};

struct board_team {
	const char		*team_id;	/* "" for clocks with no team */
	const char		*name;		/* from mash.teams, or NULL */
	size_t			 first, n;	/* its items, oldest due first */
	struct board_count	*counts;	/* one per configured clock */
	size_t			 nrepeats, nchecks, ncaseloads;
};

/* Everything the board shows, as of `at`; rebuilt when it changes. */
struct board_snap {
	int64_t			 at;
	uint64_t		 stamp;		/* what it was built from */
	struct board_item	*items;
	size_t			 nitems;
	struct board_team	*teams;		/* by team id, "" last */
	size_t			 nteams;
	struct board_other	*others;	/* repeats then checks, by team */
	size_t			 nothers;
	struct board_caseload	*caseloads;	/* by team, most cases first */
	size_t			 ncaseloads;
	struct board_arena	*arena;		/* every string above */
};

/* The unresolved alert of highest level of one (rule, instance). */
struct board_alert {
	long long	 alert_id;
	int		 level;		/* enum alert_level */
	char		*team_id;
	char		*acked_by;	/* NULL: not acknowledged */
	int64_t		 acked_at;
	char		*note;
	int64_t		 until;		/* TIME_NONE: no end */
};

/* Who is asking, and what they may see. */
struct board_viewer {
	char		*user;		/* lower case */
	bool		 all;		/* routes.report or http.board_admins */
	bool		*team_ok;	/* per snapshot team */
	const char	*csrf;		/* the user's token */
};

/* What a request asked for: ?clock=NAME&state=overdue, both optional. */
struct board_filter {
	const char	*clock;		/* NULL: every clock */
	int		 state;		/* -1: every open state */
};

struct board_view {
	const struct config	*cfg;
	const struct calendar	*cal;
	const struct board_snap	*snap;
	const struct strmap	*alerts;	/* "rule\x1finstance" -> board_alert */
	const struct board_viewer *viewer;
	struct board_filter	 filter;
	int64_t			 now;
	uint64_t		 version;
	bool			 leader;
	const char		*notice;	/* one line above the board, or NULL */
};

/* board.c */
const struct board_alert *board_alert_of(const struct board_view *v,
    const char *rule, const char *instance_id);
bool board_item_shown(const struct board_view *v, const struct board_item *it);
void board_format_time(const struct calendar *cal, int64_t t, bool with_time,
    char *buf, size_t len);
void board_lateness(const struct board_view *v, const struct board_item *it,
    char *buf, size_t len);
const char *board_state_label(enum clock_state s);

/* board_html.c */
void board_render_html(const struct board_view *v, struct evbuffer *out);
void board_html_escape(struct evbuffer *out, const char *s);
extern const char board_script[];

#endif
