/*
 * Foresight: what will be late tomorrow at the current pace, per clock
 * with `forecast = true` and per team.  Pure: the model's clocks and "now"
 * in, figures out.
 *
 * For an instant now:
 * - open: instances not stopped and not yet due (due_at > now);
 * - due_next: those of them due by the end of the next working day, i.e.
 *   at or before the local midnight that ends the first working date
 *   after now's local date (a Friday's next working day is Monday, the
 *   day before a bank holiday skips it);
 * - throughput: instances stopped per working day, the mean over the
 *   FORECAST_DAYS working dates before now's date (stops on a non-working
 *   date in between count for the span); only dates that start at or
 *   after the horizon (how far back the stops are known) are counted, and
 *   the mean is over the dates counted;
 * - projected_breaches: max(0, due_next - throughput) rounded down.
 */
#ifndef MASHWATCH_FORECAST_H
#define MASHWATCH_FORECAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mashwatch/calendar.h"
#include "mashwatch/model.h"

/* Working days the throughput is the mean over. */
#define FORECAST_DAYS	20

struct forecast_window {
	int64_t	now;
	int64_t	next_end;	/* due_next: due at or before this */
	int64_t	since;		/* throughput: stops at or after this ... */
	int64_t	until;		/* ... and before this: the start of today */
	int	days;		/* working dates in [since, until) */
};

/* The window of a forecast at now, with stops known from horizon on. */
void forecast_window(const struct calendar *cal, int64_t now,
    int64_t horizon, struct forecast_window *w);

/* stopped / days, 0 when days is 0. */
double forecast_throughput(long stopped, int days);
/* max(0, due_next - throughput), rounded down. */
long forecast_projected(long due_next, double throughput);

/* The figures of one clock and team (team NULL: the clock's total). */
struct forecast_row {
	const char	*clock;		/* borrowed from the config */
	const char	*label;
	char		*team;		/* owned by the forecast; NULL: none or total */
	long		 open;
	long		 due_next;
	long		 stopped;	/* in the throughput window */
	double		 throughput;
	long		 projected;
};

struct forecast;

/* An empty forecast for window w.  Free with forecast_free. */
struct forecast *forecast_new(const struct forecast_window *w);
void forecast_free(struct forecast *f);
/*
 * Count one instance: only clocks with forecast = true; a stop after now
 * has not happened yet (replay).
 */
void forecast_add(struct forecast *f, const struct clock_view *v);
/* model_foreach_clock's callback: forecast_add(arg, v). */
void forecast_visit(void *arg, const struct clock_view *v);
/*
 * The rows per clock and team, sorted by clock name then team
 * (no team last); totals true: one row per clock, team NULL, summed.
 * Valid until the next forecast_add or forecast_free.
 */
const struct forecast_row *forecast_rows(struct forecast *f, bool totals,
    size_t *n);

/*
 * The team rows of one clock (a run of forecast_rows(f, false)), as *n;
 * NULL and 0 when it has none.  Valid as forecast_rows' result.
 */
const struct forecast_row *forecast_teams(struct forecast *f,
    const char *clock, size_t *n);

/* An email: every string owned; free with forecast_mail_clear. */
struct forecast_mail {
	char	*subject;
	char	*text;
	char	*html;
};

/*
 * The forecast email of one clock (forecast_mail.c): its total row, and
 * the team rows to list (all of the clock's for routes.forecast, the one
 * team's for a team's escalation route).  It opens "Contact decision:
 * tomorrow, Monday 11 April, 48 fall due; about 35 are decided a day;
 * about 13 will be late." then gives the figures per team and how they are
 * worked out.  Only clock labels and team ids: never a child.
 */
void forecast_mail_compose(const struct calendar *cal,
    const struct forecast_window *w, const struct forecast_row *total,
    const struct forecast_row *rows, size_t n, struct forecast_mail *out);
void forecast_mail_clear(struct forecast_mail *m);

/*
 * "Monday 11 April" for the next working date of w, "tomorrow" when it is
 * the date after now's (into buf, 40 bytes will do).
 */
void forecast_next_day(const struct calendar *cal,
    const struct forecast_window *w, char *buf, size_t len);

#endif
