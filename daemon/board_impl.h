/* Inside the board: shared by daemon/board*.c only. */
#ifndef MASHWATCH_BOARD_IMPL_H
#define MASHWATCH_BOARD_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/util.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"
#include "mashwatch/model.h"
#include "mashwatch/route.h"

#include "board.h"

struct ack;
struct board_arena;
struct engine;
struct event;
struct event_base;
struct evbuffer;
struct evhttp_request;
struct strmap;

#define ALERTS_EVERY	10	/* seconds between reads of the alerts, at most */
#define AUX_EVERY	30	/* ... of mash.teams and mash.caseloads */
#define LOOKING_FOR	60	/* seconds after a request that we keep reading */

/* One open clock instance, copied out of the model into the snapshot. */
struct board_item {
	const struct clock_conf	*clock;
	const char		*instance_id;
	const char		*child_id;
	const char		*team_id;	/* "" for none */
	const char		*worker_id;	/* NULL for none */
	const char		*priority;
	const unsigned		*team_rank;	/* the team's place in board order */
	int64_t			 started_at;
	int64_t			 warn_at;	/* TIME_NONE: none */
	int64_t			 due_at;
	int64_t			 escalate_at;	/* TIME_NONE: none */
	bool			 hourly;	/* its limit is in hours: show a time */
	enum clock_state	 state;		/* as of the snapshot's states_at */
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
	/* The forecast (forecast.h), for a clock with forecast = true. */
	bool			 fc;
	long			 fc_open, fc_due_next;
	double			 fc_throughput;
};

struct board_team {
	const char		*team_id;	/* "" for clocks with no team */
	const char		*name;		/* from mash.teams, or NULL */
	size_t			 first, n;	/* its items, oldest due first */
	struct board_count	*counts;	/* one per configured clock */
	size_t			 nrepeats, nchecks, ncaseloads;
	uint64_t		 stamp;		/* hash of all the above shows */
};

/*
 * Everything the board shows, as of `at`: built again when the model, the
 * teams, the caseloads or the config changed; its states brought up to
 * date (board_restate) when an alert fired or resolved or a minute passed.
 */
struct board_snap {
	int64_t			 at;
	uint64_t		 built;		/* what it was built from */
	uint64_t		 stated;	/* what its states are as of */
	uint64_t		 stamp;		/* both: the board's version */
	struct board_item	*items;
	size_t			 nitems;
	struct board_team	*teams;		/* by team id, "" last */
	size_t			 nteams;
	struct board_other	*others;	/* repeats then checks, by team */
	size_t			 nothers;
	struct board_caseload	*caseloads;	/* by team, most cases first */
	size_t			 ncaseloads;
	struct board_arena	*arena;		/* every string above but */
	struct strmap		*names;		/* teams, workers, priorities */
	struct strmap		*ranks;		/* team id -> unsigned rank */
};

/* The unresolved alert of highest level of one (rule, instance). */
struct board_alert {
	long long	 alert_id;
	int		 level;		/* enum alert_level */
	char		*team_id;
	char		*acked_by;	/* NULL: not acknowledged */
	int64_t		 acked_at;
	char		*note;
	char		*reason;	/* a code of the reasons list, or NULL */
	int64_t		 until;		/* TIME_NONE: no end */
	long long	 silence_id;	/* 0: no active silence covers it */
	int64_t		 silenced_until;	/* TIME_NONE when not silenced */
};

/* Who is asking, and what they may see. */
struct board_viewer {
	char		*user;		/* lower case */
	bool		 all;		/* routes.report or http.board_admins */
	bool		 data_quality;	/* may acknowledge data-quality alerts */
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
	/* Drawing one team's section: set if it shows another team's alert. */
	const char		*team;
	bool			*foreign;
};

/* The board: shared by board.c, board_access.c and board_refresh.c. */
struct board {
	struct event_base	*base;
	struct engine		*engine;
	const struct config	*cfg;
	const struct calendar	*cal;
	struct board_snap	*snap;
	int64_t			 looked_at;	/* last request */

	struct strmap		*alerts;	/* "rule\x1finstance" -> board_alert */
	struct strmap		*alert_teams;	/* team id -> uint64_t hash */
	uint64_t		 alerts_gen;	/* content hash of the last read */
	uint64_t		 alerts_stamp;	/* engine raised+resolved when read */
	int64_t			 alerts_at;
	bool			 alerts_busy;
	bool			 alerts_dirty;	/* an ack here: read again soon */

	/*
	 * The routing: mash.teams as last read well, which the router
	 * (mashwatch/route.h) turns into who sees what.  A failed read keeps
	 * it (fails closed); before a good read only admins see anything.
	 */
	struct team_list	 teams;
	bool			 teams_loaded;	/* a good read happened */
	bool			 teams_stale;	/* the last read failed */
	int64_t			 teams_read_at;	/* of the last good read */
	int64_t			 teams_failed_at;	/* first failure of a spell */
	struct team_list	 new_teams;	/* being read */
	bool			 new_teams_ok;
	struct board_caseload	*caseloads;
	size_t			 ncaseloads;
	struct board_arena	*aux_arena;
	uint64_t		 aux_gen;
	bool			 aux_loaded;
	int64_t			 aux_at;
	int			 aux_busy;	/* queries in flight */

	struct event		*ev_tick;
	struct strmap		*csrf;		/* user -> token */
	struct ack		*acks;		/* in flight */

	/*
	 * Teams as drawn (JSON, or HTML for one user), kept while what they
	 * show holds and shared by reference into every answer that shows
	 * them: 50 browsers polling cost one drawing, and no copying.
	 */
	struct strmap		*pieces;	/* key -> struct board_piece */
	size_t			 pieces_bytes;
	uint64_t		 pieces_era;	/* board_version and minute */
};

/* board_base.c */

/*
 * A copy of s in *a (NULL for NULL), which grows by 64 KB blocks as needed;
 * it lives until board_arena_free(*a), which frees every block at once.
 */
const char *board_arena_strdup(struct board_arena **a, const char *s);
void board_arena_free(struct board_arena *a);
/* A hash of n bytes at p, or of s with its NUL (NULL hashes apart), into h. */
uint64_t board_hash_mix(uint64_t h, const void *p, size_t n);
uint64_t board_hash_str(uint64_t h, const char *s);
/* Team ids in board order: by id, the empty id ("no team") last. */
int board_team_cmp(const char *a, const char *b);
/* Reply with body (borrowed) and the board's security headers. */
void board_reply(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, struct evbuffer *body);
/* Reply with one line of text. */
void board_text(struct evhttp_request *req, int code, const char *reason,
    const char *line);
const struct board_alert *board_alert_of(const struct board_view *v,
    const char *rule, const char *instance_id);
bool board_item_shown(const struct board_view *v, const struct board_item *it);
void board_format_time(const struct calendar *cal, int64_t t, bool with_time,
    char *buf, size_t len);
void board_lateness(const struct board_view *v, const struct board_item *it,
    char *buf, size_t len);
const char *board_state_label(enum clock_state s);

/* board_snap.c */

/* Build the snapshot again if what it was built from changed; note a look. */
void board_fresh(struct board *b, int64_t now);
/* Free a snapshot (NULL is a no-op). */
void board_snap_free(struct board_snap *s);

/* board_access.c */

/*
 * Who is asking: replies 401 without a trusted proxy's header, 403 when
 * they may see nothing (503 while the teams are not read yet) and returns
 * that code.  Returns 0 and fills v (free with board_viewer_clear) when
 * they may look.
 */
int board_viewer(struct board *b, struct evhttp_request *req,
    struct board_viewer *v);
void board_viewer_clear(struct board_viewer *v);
/*
 * POST /ack: check who, where from and the token, then record the
 * acknowledgement; replies once the state database answered (hold, which
 * may be NULL, keeps the connection meanwhile).
 */
void board_post_ack(struct board *b, struct evhttp_request *req,
    const struct board_hold *hold);
/* Free b's acknowledgements in flight and CSRF tokens (not b). */
void board_access_free(struct board *b);

/* board_refresh.c */

/* The routing the board holds: its teams, or NULL before a good read. */
const struct team_list *board_routing(const struct board *b);
/* Read the alerts again, unless a read is under way or there is no database. */
void board_alerts_refresh(struct board *b);
/* Read mash.teams and mash.caseloads again, likewise. */
void board_aux_refresh(struct board *b);
/* Once a second while the board is on: keep what it reads fresh. */
void board_tick(evutil_socket_t fd, short what, void *arg);
/* Free the alerts, teams and caseloads b holds (not b). */
void board_refresh_free(struct board *b);

/* board_gzip.c: a gzip answer assembled from parts. */
struct board_gz {
	struct evbuffer	*out;
	unsigned long	 crc;		/* CRC-32 of the text so far */
	size_t		 len;		/* and its length */
};

/*
 * Compress in (made contiguous, not drained) into z as raw deflate ended
 * by a sync flush, with in's CRC-32 in *crc; -1 if zlib failed.
 */
int board_deflate(struct evbuffer *in, struct evbuffer *z, unsigned long *crc);
void board_gz_start(struct board_gz *g, struct evbuffer *out);
void board_gz_buffer(struct board_gz *g, struct evbuffer *buf);
void board_gz_piece(struct board_gz *g, struct evbuffer *z, unsigned long crc,
    size_t n, bool by_reference);
void board_gz_end(struct board_gz *g);
bool board_accepts_gzip(struct evhttp_request *req);

/* board_html.c: the page is head, one section per team, tail. */
void board_render_head(const struct board_view *v, struct evbuffer *out);
void board_render_team(const struct board_view *v, const struct board_team *t,
    struct evbuffer *out);
void board_render_tail(const struct board_view *v, struct evbuffer *out);
extern const char board_script[];

#endif
