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
 * report_add_check(), report_add_worker() in any interleaving, the alert
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
#include "mashwatch/forecast.h"
#include "mashwatch/model.h"

struct json_t;		/* jansson's, for the writers that share JSON */

/* Children listed under "the children with the most" per repeat rule. */
#define REPORT_TOP		10
/* Durations at or beyond this many working days share the last bucket. */
#define REPORT_HIST_MAX		2048
/*
 * The one rounding rule: a share or rate is num / den rounded half away
 * from zero to this many decimal places, once, in report_share(); every
 * format prints that number (JSON 0.1350, text, HTML and CSV 13.50%).
 */
#define REPORT_SHARE_DIGITS	4
/* Weekly points of the trend, the last ending on the report date. */
#define REPORT_TREND_WEEKS	13
/* At most this many "attention first" sentences. */
#define REPORT_ATTENTION_MAX	5
/* A share within limit that fell by more than this is called out. */
#define REPORT_ATTENTION_DROP	0.10
/* A chart's size: the PNG's pixels, the SVG's view box, the img's size. */
#define REPORT_CHART_WIDTH	560
#define REPORT_CHART_HEIGHT	180

/* Age bands of open items: 0, 1, 2-4, 5-9, 10+ working days. */
enum report_band { RB_0, RB_1, RB_2_4, RB_5_9, RB_10, RB_COUNT };
extern const char *const report_band_names[RB_COUNT];

/* Demand periods, each against the one of equal length just before it. */
enum report_period { RP_DAY, RP_PREV_DAY, RP_7, RP_PREV_7, RP_28,
	RP_PREV_28, RP_DAY_WEEK_AGO, RP_COUNT };
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
	struct report_stops	 span;		/* stopped in the report's span */
	/* The open item that started first (ties: smaller instance id). */
	bool			 has_oldest;
	int64_t			 oldest_started;
	int			 oldest_age;	/* working days */
	char			*oldest_instance;
	char			*oldest_child;
	uint64_t		 late_span;	/* went overdue in the span */
};

/*
 * Items of one clock that went overdue in the span, with one reason (NULL:
 * none given): the latest reason any acknowledgement of the item gave.
 */
struct report_exception {
	size_t		 clock;		/* index into r->clocks */
	char		*reason;	/* the stored code; NULL: none */
	uint64_t	 late;
	uint64_t	*hist;		/* hist[d]: late by d working days */
	size_t		 nhist;
};

struct report_child {
	char		*child;
	uint64_t	 count;
};

/* Contacts of the children at or over a repeat rule's min, by source. */
struct report_source {
	char		*source;	/* NULL: not recorded */
	uint64_t	 children;	/* with at least one contact from it */
	uint64_t	 contacts;
};

/* One event of the current child, kept until it is folded. */
struct report_cur_event {
	char		*source;
	int64_t		 at;
};

struct report_repeat {
	const struct repeat_conf *conf;
	int64_t			 from;		/* window: [from, end of D) */
	uint64_t		 children;
	uint64_t		 dist[5];	/* 1, 2, 3, 4, 5+ */
	struct report_child	 top[REPORT_TOP];
	size_t			 ntop;
	uint64_t		 cur;		/* the current child's count */
	/* Who makes repeat contacts (report_sources.c). */
	uint64_t		 repeat_children;	/* at or over min */
	uint64_t		 repeat_contacts;	/* their events */
	struct report_source	*sources;	/* by source, NULL last */
	size_t			 nsources;
	uint64_t		*gaps;		/* gaps[d]: d days to the next */
	size_t			 ngaps;
	struct report_cur_event	*cur_ev;
	size_t			 ncur, capcur;
};

struct report_check {
	const struct check_conf	*conf;
	uint64_t		 total, failed;
};

struct report_alerts {
	uint64_t	raised, resolved, escalated, acknowledged;
	uint64_t	escalations_open;
	uint64_t	raised_span, escalated_span;	/* in the span */
};

/* A team's clock figures: the same objects as the report's own clocks. */
struct report_team {
	char			*team;		/* NULL: work without a team */
	char			*name;		/* from mash.teams; may be NULL */
	struct report_clock	*clocks;	/* nclocks, as r->clocks */
};

/* A worker at amber or red. */
struct report_worker {
	char		*worker;
	char		*team;		/* may be NULL */
	int		 open_cases;
	bool		 red;
};

/* A daily report, or a weekly or monthly pack (on its last date). */
enum report_kind { RK_DAY, RK_WEEK, RK_MONTH };

/* One "attention first" sentence and the rule that chose it. */
struct report_attention {
	const char	*rule;
	char		*text;
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
	/*
	 * report.comparators' values, in its order: the number configured,
	 * or for one that names the region's file what the caller read from
	 * it (report_set_comparator); NaN until then or when unreadable.
	 */
	double			*comparators;
	int64_t			 rereferral_from;	/* first instant counted */
	struct report_check	*checks;
	size_t			 nchecks;
	uint64_t		 workers, amber, red;
	struct report_alerts	 alerts;
	uint64_t		 invalid;
	uint64_t		 rows;		/* every row fed in */

	char			**headline;	/* set by report_finish */
	size_t			 nheadline;

	/*
	 * The span: local dates [span_first, date], 7 days for a daily
	 * report (the trend point that ends on D), the week or month of a
	 * pack.  Clocks stopped, demand and alerts are also counted over it.
	 */
	enum report_kind	 kind;
	struct cal_date		 span_first;
	int64_t			 span_from;
	uint64_t		 span_demand[RM_COUNT];
	/*
	 * Contacts in the span about a child who had another contact dated
	 * in the 12 months before (as a re-referral; the regional benchmark).
	 */
	uint64_t		 span_repeat_contacts;

	/*
	 * The forecast (forecast.h) as of the end of D, for the clocks with
	 * forecast = true: NULL in a trend point or a pack's comparison,
	 * and until the first clock row is in.
	 */
	struct forecast		*forecast;

	struct report_team	*teams;		/* sorted by report_finish */
	size_t			 nteams;
	struct report_worker	*flagged;	/* amber and red, highest first */
	size_t			 nflagged;

	/*
	 * Reports of the same engine fed the same rows: the weekly trend
	 * points (oldest first; none in a trend point itself), and for a
	 * pack the period before and the same period a year earlier.
	 */
	struct report		*trend[REPORT_TREND_WEEKS];
	size_t			 ntrend;
	struct report		*previous, *year_ago;
	bool			 sub;		/* one of those */

	struct report_attention	 attention[REPORT_ATTENTION_MAX];
	size_t			 nattention;

	/* Why work was late: by clock, then reason (report_add_late). */
	struct report_exception	*exceptions;
	size_t			 nexceptions;

	/* Streaming state of report_add_event. */
	char			*cur_child;
	int64_t			 cur_at;
	bool			 cur_has_referral;
	struct cal_date		 cur_referral;	/* local date of the last one */
	bool			 cur_has_contact;
	struct cal_date		 cur_contact;	/* local date of the last one */
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
 * A pack: the report on `last` whose span is [first, last] (a Monday to
 * Sunday week or a calendar month), with the period of the same kind
 * before it and the same period a year earlier (the week 52 weeks before;
 * the same month), each a report of its own fed the same rows.
 */
struct report *report_new_pack(const struct config *cfg,
    const struct calendar *cal, enum report_kind kind, struct cal_date first,
    struct cal_date last, int64_t generated_at);
/*
 * r and every report it feeds (trend points, comparisons), r first, into
 * out[0..max); returns how many.  The caller reads the alert store once
 * for each (see report_alert_window).
 */
size_t report_parts(struct report *r, struct report **out, size_t max);
#define REPORT_PARTS_MAX	(1 + 2 * (1 + REPORT_TREND_WEEKS))
/* The earliest instant of mash.clocks rows any part needs (stopped_at). */
int64_t report_clock_since(const struct report *r);
/* A team's name from mash.teams (the team is listed even without work). */
void report_add_team(struct report *r, const char *team, const char *name);
/*
 * A worker's open cases (mash.caseloads); worker and team may be NULL
 * (then only the counts are kept).
 */
void report_add_worker(struct report *r, const char *worker, const char *team,
    int open_cases);
/*
 * Comparator i of report.comparators is v (the region's median the caller
 * read from the file that comparator names; NaN: unknown, shown as null).
 */
void report_set_comparator(struct report *r, size_t i, double v);
/* Did the year-earlier comparison find anything at all? */
bool report_has_data(const struct report *r);

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
/*
 * The repeat figures by source (report_sources.c, for report.c): keep an
 * event of the current child that rp counts; fold the child (counted when
 * it reached rp's min); free what rp holds for them.
 */
void report_sources_push(struct report_repeat *rp, const char *source,
    int64_t at);
void report_sources_fold(struct report_repeat *rp, const struct calendar *cal);
void report_sources_free(struct report_repeat *rp);
/* One value of `days` (negative: 0; the last bucket caps) into a histogram. */
void report_hist_add(uint64_t **hist, size_t *n, int days);
/*
 * The entry of source (NULL: not recorded) in the array *v of *n, sorted
 * by source with NULL last, added (zeroed) when missing.
 */
struct report_source *report_source_get(struct report_source **v, size_t *n,
    const char *source);
/* Pointers to v's n entries, most contacts first (the caller frees). */
const struct report_source **report_sources_ranked(
    const struct report_source *v, size_t n);
/* o as indented JSON, the report's way (its JSON's and the packs'). */
int report_json_dump(struct json_t *o, FILE *fp);
/* The repeat rule's "by_source" array and median gap (JSON), as text, HTML. */
struct json_t *report_sources_json(const struct report_repeat *rp);
void report_sources_text(const struct report_repeat *rp, FILE *fp);
void report_sources_html(const struct report_repeat *rp, FILE *fp);

/*
 * An item of `clock` that went overdue in the span: due at due_at, late
 * until late_until (when it stopped, else the end of the span), with the
 * reason its acknowledgement gave (NULL or "": none).  Clocks the config
 * does not name are ignored.  Read by the caller from the alert store, for
 * r itself (not its trend points or comparisons).
 */
void report_add_late(struct report *r, const char *clock, const char *reason,
    int64_t due_at, int64_t late_until);
/* The reason's agency (NULL: none or not configured), label and share. */
const char *report_exception_agency(const struct report *r,
    const struct report_exception *e);
const char *report_exception_label(const struct report *r,
    const struct report_exception *e);
double report_exception_share(const struct report *r,
    const struct report_exception *e);
/* The "exceptions" array of the JSON (a new reference). */
struct json_t *report_late_json(const struct report *r);
/* The "why work was late" section, as text and as HTML table rows. */
void report_late_text(const struct report *r, FILE *fp);
void report_late_html(const struct report *r, FILE *fp);

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
/* num / den rounded to REPORT_SHARE_DIGITS places; NaN when den is 0. */
double report_share(uint64_t num, uint64_t den);

/*
 * A rate per 10,000 (repeat contacts per 10,000 contacts): 10000 num / den
 * rounded half away from zero to 1 decimal place; NaN when den is 0.
 */
double report_per_10000(uint64_t num, uint64_t den);

/* share as a percentage, the one way every format prints it ("13.50%"). */
const char *report_format_share(double share, char *buf, size_t len);

/* Writers.  Each returns -1 if fp reported an error. */
int report_write_json(const struct report *r, FILE *fp);
/*
 * The regional extract (mashwatch-report(5), REGION EXTRACT): the span's
 * counts and medians that `mashwatchctl region` lays side by side, and no
 * child, worker or case id at all.
 */
int report_write_region(const struct report *r, FILE *fp);
int report_write_csv(const struct report *r, FILE *fp);
/*
 * The section,key,value CSV of any JSON object o (the report's, the
 * partnership pack's): top-level scalars in section top, each object or
 * array member a section of its own, nested keys joined by dots, array
 * elements named by their identifying member.
 */
int report_write_csv_json(struct json_t *o, const char *top, FILE *fp);
int report_write_text(const struct report *r, FILE *fp);
int report_write_html(const struct report *r, FILE *fp);

/* The tidy tables (one CSV each, documented in mashwatch-report(5)). */
enum report_table { RT_CLOCKS, RT_TEAMS, RT_TRENDS, RT_REPEATS,
	RT_CASELOADS, RT_DATA_QUALITY, RT_COUNT };
extern const char *const report_table_names[RT_COUNT];
int report_write_table(const struct report *r, enum report_table t, FILE *fp);

/*
 * Trend charts: chart i of report_chart_count(r) (a clock's share within
 * limit, then contacts a week) as SVG text for the archive, or as
 * PNG bytes for an email (*png malloc'ed, the caller frees; -1 on error).
 * The HTML for mail refers to chart i as cid:report_chart_cid(i).
 */
size_t report_chart_count(const struct report *r);
/*
 * Chart i's clock index (charts are drawn for the clocks that stopped
 * something in the 13 weeks, in configuration order), or nclocks for the
 * last chart, contacts a week.
 */
size_t report_chart_clock(const struct report *r, size_t i);
int report_chart_svg(const struct report *r, size_t i, FILE *fp);
int report_chart_png(const struct report *r, size_t i, unsigned char **png,
    size_t *len);
const char *report_chart_title(const struct report *r, size_t i, char *buf,
    size_t len);
/*
 * Free the font caches cairo and fontconfig keep for the life of the
 * process (so that the sanitizers and valgrind see none); once, at exit,
 * after the last chart.
 */
void report_chart_done(void);
/* "chart-I@mashwatch" into buf. */
const char *report_chart_cid(size_t i, char *buf, size_t len);
/* The HTML with charts as <img src="cid:..."> instead of inline SVG. */
int report_write_html_mail(const struct report *r, FILE *fp);

/* Escaping used by the writers (report.c, below them all), exported for
 * their tests. */
void report_html_escape(FILE *fp, const char *s);
void report_csv_field(FILE *fp, const char *s);

#endif
