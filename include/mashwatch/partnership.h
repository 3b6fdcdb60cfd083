/*
 * The partnership pack (mashwatch-report(5), PARTNERSHIP PACK): for one
 * calendar month, what the front door's lateness waits on partners, as
 * the safeguarding partnership needs it to hold them to account.
 *
 *   - for each agency, the items that went overdue in the month whose
 *     acknowledged reason names it (the config's reasons list): count,
 *     share of all items late in the month, median working days late,
 *     overall and by clock;
 *   - the police notification lag (partnership.police_lag_clock, from the
 *     incident to the MASH): median and 90th percentile working days of
 *     the notifications that arrived in each of the 13 months to the
 *     month;
 *   - strategy discussions held in the month without police or health
 *     (partnership.attendance_check);
 *   - contacts received in the month by source (mash.events.source).
 *
 * Pure like report.h: the caller feeds rows, the writers write to a FILE *.
 * Life: partnership_new(); partnership_add_*() in any order;
 * partnership_write_*(); partnership_free().
 */
#ifndef MASHWATCH_PARTNERSHIP_H
#define MASHWATCH_PARTNERSHIP_H

#include <stdint.h>
#include <stdio.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"
#include "mashwatch/model.h"
#include "mashwatch/report.h"

/* Months of the police notification lag, the pack's month last. */
#define PARTNERSHIP_LAG_MONTHS	13

/* A histogram of whole working days (for medians and percentiles). */
struct pship_hist {
	uint64_t	*n;		/* n[d]: values of d days */
	size_t		 len;
	uint64_t	 total;
};

struct pship_agency {
	char			*agency;
	struct pship_hist	 all;		/* late items, days late */
	struct pship_hist	*clocks;	/* per configured clock */
};

struct pship_lag {
	struct cal_date		 month;		/* its 1st */
	int64_t			 from, to;	/* [from, to) */
	struct pship_hist	 days;		/* incident to the MASH */
};

struct partnership {
	const struct config	*cfg;
	const struct calendar	*cal;
	struct cal_date		 first, last;	/* the month */
	int64_t			 from, to;	/* [from, to) */
	int64_t			 generated_at;

	uint64_t		 late;		/* every item late in the month */
	uint64_t		*late_clock;	/* ... per configured clock */
	struct pship_agency	*agencies;	/* by name */
	size_t			 nagencies;

	struct pship_lag	 lag[PARTNERSHIP_LAG_MONTHS];	/* oldest first */

	uint64_t		 held;		/* attendance checks of the month */
	uint64_t		 without;	/* ... that failed */
	uint64_t		 police_absent, health_absent;

	uint64_t		 contacts;	/* received in the month */
	struct report_source	*sources;	/* by name, NULL last */
	size_t			 nsources;
};

/*
 * The pack of the month that starts on `first` (its day is ignored).  cfg
 * and cal are borrowed and must outlive it; the caller owns the result.
 */
struct partnership *partnership_new(const struct config *cfg,
    const struct calendar *cal, struct cal_date first, int64_t generated_at);
void partnership_free(struct partnership *p);
/* The earliest instant a clock row can matter (the lag's first month). */
int64_t partnership_clock_since(const struct partnership *p);

/*
 * An item of `clock` that went overdue in the month (read like
 * report_add_late): due at due_at, late until late_until, with its
 * acknowledged reason's code or NULL.  Every item counts in the month's
 * late items; those whose reason has an agency count for that agency.
 */
void partnership_add_late(struct partnership *p, const char *clock,
    const char *reason, int64_t due_at, int64_t late_until);
/*
 * A valid row of mash.clocks: a stopped row of the police lag clock that
 * stopped in one of the 13 months counts there, its working days from
 * start to stop.
 */
void partnership_add_clock(struct partnership *p, const struct clock_row *r);
/* A row of mash.checks (the attendance check's, in the month, count). */
void partnership_add_check(struct partnership *p, const char *check,
    int64_t occurred_at, bool passed, const char *detail);
/* A row of mash.events (contacts received in the month count). */
void partnership_add_event(struct partnership *p, const struct event_row *r);

/* The q-quantile of h (report_quantile_hist's definition); NaN if empty. */
double partnership_quantile(const struct pship_hist *h, double q);

/* Writers; -1 if fp reported an error.  CSV: section,key,value as the
 * report's. */
int partnership_write_json(const struct partnership *p, FILE *fp);
int partnership_write_csv(const struct partnership *p, FILE *fp);
int partnership_write_text(const struct partnership *p, FILE *fp);
int partnership_write_html(const struct partnership *p, FILE *fp);

#endif
