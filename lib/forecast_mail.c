/*
 * What the forecast email says (forecast.h): one clock, its total and its
 * teams, in text and HTML.  Pure: the rows in, strings out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/forecast.h"
#include "mashwatch/html.h"
#include "mashwatch/xmalloc.h"

static const char *const day_names[7] = { "Sunday", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday" };
static const char *const month_names[12] = { "January", "February",
	"March", "April", "May", "June", "July", "August", "September",
	"October", "November", "December" };

void
forecast_next_day(const struct calendar *cal,
    const struct forecast_window *w, char *buf, size_t len)
{
	struct cal_date d = calendar_date_of(cal, w->next_end - 1);
	struct cal_date today = calendar_date_of(cal, w->now);

	snprintf(buf, len, "%s%s %d %s",
	    cal_date_diff(d, today) == 1 ? "tomorrow, " : "",
	    day_names[cal_date_weekday(d)], d.day, month_names[d.month - 1]);
}

/* A rate as a reader says it: whole from 10 on, one place below. */
static void
rate_text(double v, char *buf, size_t len)
{
	snprintf(buf, len, v >= 10 ? "%.0f" : "%.1f", v);
}

static void
html_put(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		const char *e = html_entity(*s);

		if (e != NULL)
			fputs(e, fp);
		else
			fputc(*s, fp);
	}
}

static const char *
team_name(const struct forecast_row *r)
{
	return r->team != NULL ? r->team : "(no team)";
}

void
forecast_mail_compose(const struct calendar *cal,
    const struct forecast_window *w, const struct forecast_row *total,
    const struct forecast_row *rows, size_t n, struct forecast_mail *out)
{
	char day[48], rate[32], Day[48];
	size_t tlen = 0, hlen = 0;
	FILE *t, *h;

	forecast_next_day(cal, w, day, sizeof(day));
	/* The sentence starts with the day: "Tomorrow, ..." */
	snprintf(Day, sizeof(Day), "%s", day);
	if (Day[0] >= 'a' && Day[0] <= 'z')
		Day[0] = (char)(Day[0] - 'a' + 'A');
	rate_text(total->throughput, rate, sizeof(rate));
	out->subject = xasprintf("Forecast: about %ld %s will be late by the "
	    "end of %s", total->projected, total->label, day);
	out->text = NULL;
	out->html = NULL;
	t = open_memstream(&out->text, &tlen);
	h = open_memstream(&out->html, &hlen);
	if (t == NULL || h == NULL)
		abort();
	fprintf(t, "%s: %s, %ld fall due; about %s are decided a day; "
	    "about %ld will be late.\n\n", total->label, Day, total->due_next,
	    rate, total->projected);
	fputs("<p><b>", h);
	html_put(h, total->label);
	fprintf(h, "</b>: %s, %ld fall due; about %s are decided a day; "
	    "about <b>%ld will be late</b>.</p>\n", Day, total->due_next, rate,
	    total->projected);
	fprintf(t, "%-20s %6s %9s %13s %11s\n", "Team", "Open", "Due next",
	    "Decided a day", "Likely late");
	fputs("<table border=\"1\" cellpadding=\"4\" "
	    "style=\"border-collapse:collapse\">\n<tr><th>Team</th>"
	    "<th>Open</th><th>Due next</th><th>Decided a day</th>"
	    "<th>Likely late</th></tr>\n", h);
	for (size_t i = 0; i < n; i++) {
		const struct forecast_row *r = &rows[i];

		fprintf(t, "%-20s %6ld %9ld %13.2f %11ld\n", team_name(r),
		    r->open, r->due_next, r->throughput, r->projected);
		fputs("<tr><td>", h);
		html_put(h, team_name(r));
		fprintf(h, "</td><td>%ld</td><td>%ld</td><td>%.2f</td>"
		    "<td>%ld</td></tr>\n", r->open, r->due_next,
		    r->throughput, r->projected);
	}
	fputs("</table>\n", h);
	fprintf(t, "\nOpen: running and not yet due.  Due next: of those, due "
	    "by the end of %s.  Decided a day: stopped per working day, the "
	    "mean over the last %d working days.  Likely late: due next less "
	    "decided a day, rounded down.\n", day, w->days);
	fprintf(h, "<p>Open: running and not yet due.  Due next: of those, "
	    "due by the end of %s.  Decided a day: stopped per working day, "
	    "the mean over the last %d working days.  Likely late: due next "
	    "less decided a day, rounded down.</p>\n", day, w->days);
	fclose(t);
	fclose(h);
}

void
forecast_mail_clear(struct forecast_mail *m)
{
	free(m->subject);
	free(m->text);
	free(m->html);
	memset(m, 0, sizeof(*m));
}
