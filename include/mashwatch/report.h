/*
 * The nightly report (mashwatch-report(5)): figures accumulated from rows
 * fed one at a time, then written as JSON, CSV, plain text or HTML.
 *
 * Pure: the caller reads the mash views and the alert store and feeds the
 * rows in; nothing here reads a clock, a file or a socket, and the writers
 * only write to the FILE * they are given.  Memory is bounded whatever the
 * length of the history: clocks keep counters and a histogram of whole
 * working days, events are folded per child as they stream past (which is
 * why they must arrive grouped by child, see report_add_event).
 *
 * Life of a report: report_new(); report_add_clock(), report_add_event(),
 * report_add_check(), report_add_caseload() in any interleaving, the alert
 * figures set directly; report_finish(); the writers; report_free().
 */
#ifndef MASHWATCH_REPORT_H
#define MASHWATCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"
#include "mashwatch/model.h"

/* Children listed under "the children with the most" per repeat rule. */
#define REPORT_TOP		10
/* Durations at or beyond this many working days share the last bucket. */
#define REPORT_HIST_MAX		2048
/* Shares and rates are rounded to this many decimal places. */
#define REPORT_SHARE_DIGITS	4

/* Age bands of open items: 0, 1, 2-4, 5-9, 10+ working days. */
enum report_band { RB_0, RB_1, RB_2_4, RB_5_9, RB_10, RB_COUNT };
extern const char *const report_band_names[RB_COUNT];

/* Demand periods, each against the one of equal length just before it. */
enum report_period { RP_DAY, RP_PREV_DAY, RP_7, RP_PREV_7, RP_28,
	RP_PREV_28, RP_COUNT };
extern const char *const report_period_keys[RP_COUNT];

enum report_measure { RM_CONTACTS, RM_DA, RM_REFERRALS, RM_COUNT };

struct report_demand {
	const char	*measure;	/* "contacts", "da_notifications", "referrals" */
	const char	*label;
	uint64_t	 n[RP_COUNT];
};

/* Stopped-clock figures over one 28-day window. */
struct report_stops {
	uint64_t	 stopped;
	uint64_t	 within_limit;
	uint64_t	*hist;		/* hist[d]: stops after d working days */
	size_t		 nhist;
};

struct report_clock {
	const struct clock_conf	*conf;
	struct report_stops	 now;		/* 28 days to D */
	struct report_stops	 week_ago;	/* 28 days to D - 7 */
	uint64_t		 open, overdue;	/* at the end of D */
	uint64_t		 bands[RB_COUNT];
	uint64_t		 open_week_ago, overdue_week_ago;
	/* The open item that started first (ties: smaller instance id). */
	bool			 has_oldest;
	int64_t			 oldest_started;
	int			 oldest_age;	/* working days */
	char			*oldest_instance;
	char			*oldest_child;
};

struct report_child {
	char		*child;
	uint64_t	 count;
};

struct report_repeat {
	const struct repeat_conf *conf;
	int64_t			 from;		/* window: [from, end of D) */
	uint64_t		 children;
	uint64_t		 dist[5];	/* 1, 2, 3, 4, 5+ */
	struct report_child	 top[REPORT_TOP];
	size_t			 ntop;
	uint64_t		 cur;		/* the current child's count */
};

struct report_check {
	const struct check_conf	*conf;
	uint64_t		 total, failed;
};

struct report_alerts {
	uint64_t	raised, resolved, escalated, acknowledged;
	uint64_t	escalations_open;
};

struct report {
	const struct config	*cfg;
	const struct calendar	*cal;
	struct cal_date		 date;
	int64_t			 generated_at;
	int64_t			 end;		/* local midnight after D */
	int64_t			 bounds[RP_COUNT][2];	/* [from, to) */
	int64_t			 since;		/* earliest instant a row can matter */

	struct report_demand	 demand[RM_COUNT];
	struct report_clock	*clocks;
	size_t			 nclocks;
	struct report_repeat	*repeats;
	size_t			 nrepeats;
	uint64_t		 referrals, rereferrals;
	int64_t			 rereferral_from;	/* first instant counted */
	struct report_check	*checks;
	size_t			 nchecks;
	uint64_t		 workers, amber, red;
	struct report_alerts	 alerts;
	uint64_t		 invalid;
	uint64_t		 rows;		/* every row fed in */

	char			**headline;	/* set by report_finish */
	size_t			 nheadline;

	/* Streaming state of report_add_event. */
	char			*cur_child;
	int64_t			 cur_at;
	bool			 cur_has_referral;
	struct cal_date		 cur_referral;	/* local date of the last one */
	bool			 finished;
};

/*
 * A report on local date `date`, generated at `generated_at`.  cfg and cal
 * are borrowed and must outlive the report.  The caller owns the result.
 */
struct report *report_new(const struct config *cfg,
    const struct calendar *cal, struct cal_date date, int64_t generated_at);
void report_free(struct report *r);

/*
 * Rows that can matter are those of mash.clocks that started before
 * r->end and either are open, stopped on or after r->bounds[RP_PREV_28][0],
 * started on or after it, or stopped before they started (invalid); of
 * mash.events
 * and mash.checks those that occurred in [r->since, r->end).  Feeding
 * others is harmless, only slower.
 */
void report_add_clock(struct report *r, const struct clock_row *row);
/*
 * Events must arrive grouped by child_id in byte order (ORDER BY child_id
 * COLLATE "C", occurred_at, event_id) so that each child's figures are
 * folded as soon as the next child starts.  Returns -1 on a row out of
 * that order (the report is then wrong and must be discarded).
 */
int report_add_event(struct report *r, const struct event_row *row);
void report_add_check(struct report *r, const char *check, int64_t occurred_at,
    bool passed);
void report_add_caseload(struct report *r, int open_cases);
/* Fold the last child, work out the quantiles and the headline. */
void report_finish(struct report *r);

/*
 * The q-quantile (0 <= q <= 1) of the values v[i] counted hist[i] times,
 * by linear interpolation between the closest ranks (R type 7, the default
 * of R, NumPy and Excel's PERCENTILE.INC): with the n values sorted as
 * x[0..n-1], h = (n - 1) q, the result is x[floor h] + (h - floor h) *
 * (x[floor h + 1] - x[floor h]).  NaN when n is 0.
 */
double report_quantile_hist(const uint64_t *hist, size_t nhist, double q);
/* The same over sorted values. */
double report_quantile(const double *sorted, size_t n, double q);
/* num / den rounded to REPORT_SHARE_DIGITS places; NaN when den is 0. */
double report_share(uint64_t num, uint64_t den);

/* Writers.  Each returns -1 if fp reported an error. */
int report_write_json(const struct report *r, FILE *fp);
int report_write_csv(const struct report *r, FILE *fp);
int report_write_text(const struct report *r, FILE *fp);
int report_write_html(const struct report *r, FILE *fp);

/* Escaping used by the writers, exported for their tests. */
void report_html_escape(FILE *fp, const char *s);
void report_csv_field(FILE *fp, const char *s);

#endif
