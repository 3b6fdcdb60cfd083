/*
 * Foresight (forecast.h): the forecast's window and arithmetic, and the
 * counting of the model's clocks per clock and team.
 */
#include <stdlib.h>
#include <string.h>

#include "mashwatch/forecast.h"
#include "mashwatch/xmalloc.h"

struct forecast {
	struct forecast_window	 w;
	struct forecast_row	*rows;
	size_t			 n, cap;
	size_t			 last;		/* the row found last: runs of a team */
	struct forecast_row	*totals;
	size_t			 ntotals;
	bool			 sorted;
};

void
forecast_window(const struct calendar *cal, int64_t now, int64_t horizon,
    struct forecast_window *w)
{
	struct cal_date today = calendar_date_of(cal, now), d;
	int i;

	w->now = now;
	/* A year always holds a working date: calendar_new refuses none. */
	d = cal_date_add_days(today, 1);
	for (i = 0; i < 366 && !calendar_is_working_day(cal, d); i++)
		d = cal_date_add_days(d, 1);
	w->next_end = calendar_start_of(cal, cal_date_add_days(d, 1));
	w->until = calendar_start_of(cal, today);
	w->since = w->until;
	w->days = 0;
	d = today;
	for (i = 0; i < 366 && w->days < FORECAST_DAYS; i++) {
		int64_t start;

		d = cal_date_add_days(d, -1);
		start = calendar_start_of(cal, d);
		if (start < horizon)
			break;
		if (!calendar_is_working_day(cal, d))
			continue;
		w->since = start;
		w->days++;
	}
}

double
forecast_throughput(long stopped, int days)
{
	return days > 0 ? (double)stopped / days : 0.0;
}

long
forecast_projected(long due_next, double throughput)
{
	double p = (double)due_next - throughput;

	/* A hair of rounding must not lose a whole breach: 3 - 2.0000001. */
	return p <= 0 ? 0 : (long)(p + 1e-9);
}

struct forecast *
forecast_new(const struct forecast_window *w)
{
	struct forecast *f = xcalloc(1, sizeof(*f));

	f->w = *w;
	return f;
}

void
forecast_free(struct forecast *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->rows[i].team);
	free(f->rows);
	free(f->totals);
	free(f);
}

static bool
same_team(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static struct forecast_row *
row_get(struct forecast *f, const struct clock_conf *c, const char *team)
{
	struct forecast_row *r;

	if (f->last < f->n && strcmp(f->rows[f->last].clock, c->name) == 0 &&
	    same_team(f->rows[f->last].team, team))
		return &f->rows[f->last];
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->rows[i].clock, c->name) == 0 &&
		    same_team(f->rows[i].team, team)) {
			f->last = i;
			return &f->rows[i];
		}
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->rows = xreallocarray(f->rows, f->cap, sizeof(*f->rows));
	}
	f->last = f->n;
	r = &f->rows[f->n++];
	memset(r, 0, sizeof(*r));
	r->clock = c->name;
	r->label = c->label != NULL ? c->label : c->name;
	r->team = team != NULL ? xstrdup(team) : NULL;
	return r;
}

void
forecast_add(struct forecast *f, const struct clock_view *v)
{
	const struct forecast_window *w = &f->w;
	struct forecast_row *r;
	int64_t stopped = v->stopped_at;

	if (v->clock == NULL || !v->clock->forecast ||
	    v->state == CS_WITHDRAWN || v->state == CS_INVALID ||
	    v->started_at == TIME_NONE || v->started_at > w->now)
		return;
	if (stopped != TIME_NONE && stopped > w->now)
		stopped = TIME_NONE;
	if (stopped != TIME_NONE) {
		if (stopped < w->since || stopped >= w->until)
			return;
		row_get(f, v->clock, v->team_id)->stopped++;
	} else if (v->due_at > w->now) {
		r = row_get(f, v->clock, v->team_id);
		r->open++;
		if (v->due_at <= w->next_end)
			r->due_next++;
	} else
		return;
	f->sorted = false;
}

void
forecast_visit(void *arg, const struct clock_view *v)
{
	forecast_add(arg, v);
}

static int
row_cmp(const void *pa, const void *pb)
{
	const struct forecast_row *a = pa, *b = pb;
	int c = strcmp(a->clock, b->clock);

	if (c != 0)
		return c;
	if (a->team == NULL || b->team == NULL)
		return (a->team == NULL) - (b->team == NULL);
	return strcmp(a->team, b->team);
}

static void
row_figure(struct forecast_row *r, int days)
{
	r->throughput = forecast_throughput(r->stopped, days);
	r->projected = forecast_projected(r->due_next, r->throughput);
}

static void
forecast_sort(struct forecast *f)
{
	size_t i;

	if (f->sorted)
		return;
	if (f->n > 1)
		qsort(f->rows, f->n, sizeof(*f->rows), row_cmp);
	free(f->totals);
	f->totals = xcalloc(f->n + 1, sizeof(*f->totals));
	f->ntotals = 0;
	for (i = 0; i < f->n; i++) {
		struct forecast_row *r = &f->rows[i], *t;

		row_figure(r, f->w.days);
		if (f->ntotals == 0 ||
		    strcmp(f->totals[f->ntotals - 1].clock, r->clock) != 0) {
			t = &f->totals[f->ntotals++];
			t->clock = r->clock;
			t->label = r->label;
		}
		t = &f->totals[f->ntotals - 1];
		t->open += r->open;
		t->due_next += r->due_next;
		t->stopped += r->stopped;
	}
	for (i = 0; i < f->ntotals; i++)
		row_figure(&f->totals[i], f->w.days);
	f->sorted = true;
}

const struct forecast_row *
forecast_rows(struct forecast *f, bool totals, size_t *n)
{
	forecast_sort(f);
	*n = totals ? f->ntotals : f->n;
	return totals ? f->totals : f->rows;
}

const struct forecast_row *
forecast_teams(struct forecast *f, const char *clock, size_t *n)
{
	const struct forecast_row *rows;
	size_t nrows, i, j;

	rows = forecast_rows(f, false, &nrows);
	for (i = 0; i < nrows && strcmp(rows[i].clock, clock) != 0; i++)
		;
	for (j = i; j < nrows && strcmp(rows[j].clock, clock) == 0; j++)
		;
	*n = j - i;
	return *n > 0 ? &rows[i] : NULL;
}
