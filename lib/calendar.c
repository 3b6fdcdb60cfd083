/*
 * The working-day calendar of doc/contract.md.  Dates are handled as
 * day numbers (day 0 = 1970-01-01); the zone only turns instants into
 * local dates and back.  Holidays are kept as a sorted array of day
 * numbers so that a lookup is a binary search.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/calendar.h"
#include "mashwatch/tz.h"
#include "mashwatch/xmalloc.h"

struct calendar {
	struct tz	*tz;
	unsigned	 weekdays;	/* bit (1 << wday), 0 = Sunday */
	int64_t		*hol;		/* sorted, no duplicates */
	size_t		 nhol;
	size_t		 holcap;
	/*
	 * The working days of the years the holidays cover, so that n
	 * working days on is two array reads rather than n lookups: a
	 * million clocks load in one pass.  Outside them, day by day.
	 */
	int64_t		 ix_first;	/* day number of the first day indexed */
	uint32_t	*ix_before;	/* [i]: working days in [first, first + i) */
	uint32_t	*ix_work;	/* [k]: the kth working day, less first */
	size_t		 ix_days;	/* days indexed */
	size_t		 ix_nwork;	/* working days among them */
};

/* Day numbers and dates, by the zone module's civil arithmetic. */
static int64_t
cal_days(struct cal_date d)
{
	return tz_days_from_civil(d.year, d.month, d.day);
}

static struct cal_date
cal_from_days(int64_t z)
{
	struct cal_date d;
	int64_t y;

	tz_civil_from_days(z, &y, &d.month, &d.day);
	d.year = (int)y;
	return d;
}

struct cal_date
cal_date_add_days(struct cal_date d, int n)
{
	return cal_from_days(cal_days(d) + n);
}

int
cal_date_diff(struct cal_date a, struct cal_date b)
{
	return (int)(cal_days(a) - cal_days(b));
}

struct cal_date
cal_date_add_months(struct cal_date d, int n)
{
	int64_t m = (int64_t)d.year * 12 + (d.month - 1) + n;
	int mdays;

	d.year = (int)tz_floor_div(m, 12);
	d.month = (int)(m - (int64_t)d.year * 12) + 1;
	mdays = tz_month_days(d.year, d.month);
	if (d.day > mdays)
		d.day = mdays;
	return d;
}

int
cal_date_cmp(struct cal_date a, struct cal_date b)
{
	if (a.year != b.year)
		return a.year < b.year ? -1 : 1;
	if (a.month != b.month)
		return a.month < b.month ? -1 : 1;
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return 0;
}

int
cal_date_weekday(struct cal_date d)
{
	return tz_weekday_of_days(cal_days(d));
}

/* n digits exactly; -1 otherwise. */
static int
cal_digits(const char *s, int n)
{
	int v = 0;

	for (; n > 0; n--, s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* "YYYY-MM-DD" at the front of s; *end is set past it. */
static int
cal_date_scan(const char *s, struct cal_date *d, const char **end)
{
	int y, m, day;

	if ((y = cal_digits(s, 4)) == -1 || s[4] != '-' ||
	    (m = cal_digits(s + 5, 2)) == -1 || s[7] != '-' ||
	    (day = cal_digits(s + 8, 2)) == -1)
		return -1;
	if (m < 1 || m > 12 || day < 1 || day > tz_month_days(y, m))
		return -1;
	d->year = y;
	d->month = m;
	d->day = day;
	*end = s + 10;
	return 0;
}

int
cal_date_parse(const char *s, struct cal_date *d)
{
	struct cal_date tmp;
	const char *end;

	if (cal_date_scan(s, &tmp, &end) == -1 || *end != '\0')
		return -1;
	*d = tmp;
	return 0;
}

struct calendar *
calendar_new(const char *tzname, unsigned working_weekdays, char *err,
    size_t errlen)
{
	struct calendar *cal;
	struct tz *tz;

	/* With no working weekday a working-day deadline never comes. */
	if ((working_weekdays & 0x7f) == 0) {
		snprintf(err, errlen, "no working weekdays");
		return NULL;
	}
	if ((tz = tz_load(tzname, err, errlen)) == NULL)
		return NULL;
	cal = xcalloc(1, sizeof(*cal));
	cal->tz = tz;
	cal->weekdays = working_weekdays & 0x7f;
	return cal;
}

void
calendar_free(struct calendar *cal)
{
	if (cal == NULL)
		return;
	tz_free(cal->tz);
	free(cal->hol);
	free(cal->ix_before);
	free(cal->ix_work);
	free(cal);
}

/* Index of the first holiday on or after day. */
static size_t
cal_hol_lower(const struct calendar *cal, int64_t day)
{
	size_t lo = 0, hi = cal->nhol, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cal->hol[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
cal_is_holiday(const struct calendar *cal, int64_t day)
{
	size_t i = cal_hol_lower(cal, day);

	return i < cal->nhol && cal->hol[i] == day;
}

static void
cal_insert_day(struct calendar *cal, int64_t day)
{
	size_t i = cal_hol_lower(cal, day);

	if (i < cal->nhol && cal->hol[i] == day)
		return;
	if (cal->nhol == cal->holcap) {
		cal->holcap = cal->holcap ? cal->holcap * 2 : 64;
		cal->hol = xreallocarray(cal->hol, cal->holcap,
		    sizeof(*cal->hol));
	}
	memmove(cal->hol + i + 1, cal->hol + i,
	    (cal->nhol - i) * sizeof(*cal->hol));
	cal->hol[i] = day;
	cal->nhol++;
}

static bool cal_is_working(const struct calendar *cal, int64_t day);

/* Index whole years, from the first holiday's to the last's. */
static void
cal_index(struct calendar *cal)
{
	size_t i;

	free(cal->ix_before);
	free(cal->ix_work);
	cal->ix_before = cal->ix_work = NULL;
	cal->ix_days = cal->ix_nwork = 0;
	if (cal->nhol == 0)
		return;
	cal->ix_first = cal_days((struct cal_date){
	    cal_from_days(cal->hol[0]).year, 1, 1 });
	cal->ix_days = (size_t)(cal_days((struct cal_date){
	    cal_from_days(cal->hol[cal->nhol - 1]).year + 1, 1, 1 }) -
	    cal->ix_first);
	cal->ix_before = xreallocarray(NULL, cal->ix_days + 1,
	    sizeof(*cal->ix_before));
	cal->ix_work = xreallocarray(NULL, cal->ix_days,
	    sizeof(*cal->ix_work));
	for (i = 0; i < cal->ix_days; i++) {
		cal->ix_before[i] = (uint32_t)cal->ix_nwork;
		if (cal_is_working(cal, cal->ix_first + (int64_t)i))
			cal->ix_work[cal->ix_nwork++] = (uint32_t)i;
	}
	cal->ix_before[cal->ix_days] = (uint32_t)cal->ix_nwork;
}

void
calendar_add_holiday(struct calendar *cal, struct cal_date d)
{
	cal_insert_day(cal, cal_days(d));
	cal_index(cal);
}

/*
 * Holidays are collected first and added only when the whole file is
 * good, so a bad file leaves the calendar as it was.
 */
int
calendar_load_holidays(struct calendar *cal, const char *path, char *err,
    size_t errlen)
{
	struct cal_date *days = NULL, d;
	size_t ndays = 0, cap = 0, linesz = 0, i;
	char *line = NULL, *p, *e;
	const char *end;
	unsigned long lineno = 0;
	ssize_t n;
	FILE *fp;
	int ret = -1;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &linesz, fp)) != -1) {
		lineno++;
		if (memchr(line, '\0', (size_t)n) != NULL) {
			snprintf(err, errlen, "%s:%lu: NUL byte in line",
			    path, lineno);
			goto out;
		}
		for (p = line; isspace((unsigned char)*p); p++)
			;
		for (e = p + strlen(p); e > p &&
		    isspace((unsigned char)e[-1]); e--)
			;
		*e = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		if (cal_date_scan(p, &d, &end) == -1 || *end != '\0') {
			snprintf(err, errlen, "%s:%lu: \"%.40s\" is not a "
			    "date; write one YYYY-MM-DD date per line",
			    path, lineno, p);
			goto out;
		}
		if (ndays == cap) {
			cap = cap ? cap * 2 : 64;
			days = xreallocarray(days, cap, sizeof(*days));
		}
		days[ndays++] = d;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	for (i = 0; i < ndays; i++)
		cal_insert_day(cal, cal_days(days[i]));
	cal_index(cal);
	ret = 0;
out:
	free(line);
	free(days);
	fclose(fp);
	return ret;
}

int
calendar_first_year(const struct calendar *cal)
{
	return cal->nhol ? cal_from_days(cal->hol[0]).year : 0;
}

int
calendar_last_year(const struct calendar *cal)
{
	return cal->nhol ? cal_from_days(cal->hol[cal->nhol - 1]).year : 0;
}

const char *
calendar_tzname(const struct calendar *cal)
{
	return tz_name(cal->tz);
}

/* Local day number of instant t. */
static int64_t
cal_day_of(const struct calendar *cal, int64_t t)
{
	return tz_floor_div(t + tz_offset_at(cal->tz, t), 86400);
}

struct cal_date
calendar_date_of(const struct calendar *cal, int64_t t)
{
	return cal_from_days(cal_day_of(cal, t));
}

bool
calendar_covers(const struct calendar *cal, int64_t t)
{
	return calendar_date_of(cal, t).year <= calendar_last_year(cal);
}

int
calendar_utc_offset(const struct calendar *cal, int64_t t)
{
	return tz_offset_at(cal->tz, t);
}

static int64_t
cal_start_of_day(const struct calendar *cal, int64_t day)
{
	return tz_local_to_utc(cal->tz, day * 86400);
}

int64_t
calendar_start_of(const struct calendar *cal, struct cal_date d)
{
	return cal_start_of_day(cal, cal_days(d));
}

static bool
cal_is_working(const struct calendar *cal, int64_t day)
{
	return (cal->weekdays & (1u << tz_weekday_of_days(day))) != 0 &&
	    !cal_is_holiday(cal, day);
}

bool
calendar_is_working_day(const struct calendar *cal, struct cal_date d)
{
	return cal_is_working(cal, cal_days(d));
}

/* The nth working day after day (day itself never counts). */
static int64_t
cal_working_forward(const struct calendar *cal, int64_t day, int n)
{
	int64_t i = day + 1 - cal->ix_first, k;

	if (n > 0 && i >= 0 && i < (int64_t)cal->ix_days) {
		k = (int64_t)cal->ix_before[i] + n - 1;
		if (k < (int64_t)cal->ix_nwork)
			return cal->ix_first + cal->ix_work[k];
	}
	while (n > 0)
		if (cal_is_working(cal, ++day))
			n--;
	return day;
}

/* The nth working day before day (day itself never counts). */
static int64_t
cal_working_back(const struct calendar *cal, int64_t day, int n)
{
	int64_t i = day - cal->ix_first, k;

	if (n > 0 && i >= 0 && i <= (int64_t)cal->ix_days) {
		k = (int64_t)cal->ix_before[i] - n;
		if (k >= 0)
			return cal->ix_first + cal->ix_work[k];
	}
	while (n > 0)
		if (cal_is_working(cal, --day))
			n--;
	return day;
}

/* Local day number and seconds into it of instant t. */
static int64_t
cal_split(const struct calendar *cal, int64_t t, int64_t *secs)
{
	int64_t local = t + tz_offset_at(cal->tz, t);
	int64_t day = tz_floor_div(local, 86400);

	*secs = local - day * 86400;
	return day;
}

/*
 * Deadlines in days end with their date: due_at is the local midnight that
 * starts the day after.  Months (windows only) are treated like days.
 */
/*
 * ts on from local day (or, in hours, from instant t): the local midnight
 * that ends the day reached.
 */
static int64_t
cal_end_after(const struct calendar *cal, int64_t t, int64_t day,
    const struct timescale *ts)
{
	switch (ts->unit) {
	case TS_HOURS:
		return t + (int64_t)ts->n * 3600;
	case TS_DAYS:
		day += ts->n;
		break;
	case TS_WORKING_DAYS:
		day = cal_working_forward(cal, day, ts->n);
		break;
	case TS_MONTHS:
		day = cal_days(cal_date_add_months(cal_from_days(day), ts->n));
		break;
	}
	return cal_start_of_day(cal, day + 1);
}

int64_t
calendar_due(const struct calendar *cal, int64_t start,
    const struct timescale *ts)
{
	return cal_end_after(cal, start, cal_day_of(cal, start), ts);
}

int64_t
calendar_warn(const struct calendar *cal, int64_t start, int64_t due_at,
    const struct timescale *ts)
{
	int64_t w, day;
	int n = ts->n;

	if (n <= 0)
		return due_at;
	if (ts->unit != TS_WORKING_DAYS) {
		w = calendar_subtract(cal, due_at, ts);
		return w < start ? start : w;
	}
	/*
	 * Working days count back from the due date (the date of the last
	 * second before due_at), the due date first if it is a working day;
	 * the warning starts the nth.  Stop at start: a warning earlier
	 * than the clock itself means "warn at once".
	 */
	day = cal_day_of(cal, due_at - 1);
	for (;;) {
		if (cal_is_working(cal, day) && --n == 0)
			break;
		if (cal_start_of_day(cal, day) <= start)
			return start;
		day--;
	}
	w = cal_start_of_day(cal, day);
	return w < start ? start : w;
}

/*
 * Escalation counts on from the due date, the local date of the last
 * second before due_at, and ends with the nth date after it.  Zero of any
 * unit escalates at due_at.
 */
int64_t
calendar_escalate(const struct calendar *cal, int64_t due_at,
    const struct timescale *ts)
{
	if (ts->n <= 0)
		return due_at;
	return cal_end_after(cal, due_at, cal_day_of(cal, due_at - 1), ts);
}

/*
 * Days, working days and months step the local date back and keep the
 * local time of day; a time lost to the spring change becomes the first
 * instant after it.
 */
int64_t
calendar_subtract(const struct calendar *cal, int64_t t,
    const struct timescale *ts)
{
	int64_t day, secs;
	struct cal_date d;

	day = cal_split(cal, t, &secs);
	switch (ts->unit) {
	case TS_HOURS:
		return t - (int64_t)ts->n * 3600;
	case TS_DAYS:
		day -= ts->n;
		break;
	case TS_WORKING_DAYS:
		day = cal_working_back(cal, day, ts->n);
		break;
	case TS_MONTHS:
		d = cal_date_add_months(cal_from_days(day), -ts->n);
		day = cal_days(d);
		break;
	}
	return tz_local_to_utc(cal->tz, day * 86400 + secs);
}

/*
 * Working days in the day range (from, to]: whole weeks by arithmetic,
 * the rest one by one, less the holidays that fall on working weekdays.
 */
static int64_t
cal_count_working(const struct calendar *cal, int64_t from, int64_t to)
{
	int64_t span = to - from, count, day;
	size_t i;
	int wd, perweek = 0;

	for (wd = 0; wd < 7; wd++)
		if (cal->weekdays & (1u << wd))
			perweek++;
	count = span / 7 * perweek;
	for (day = from + span / 7 * 7 + 1; day <= to; day++)
		if (cal->weekdays & (1u << tz_weekday_of_days(day)))
			count++;
	for (i = cal_hol_lower(cal, from + 1);
	    i < cal->nhol && cal->hol[i] <= to; i++)
		if (cal->weekdays & (1u << tz_weekday_of_days(cal->hol[i])))
			count--;
	return count;
}

int
calendar_working_days_between(const struct calendar *cal, int64_t a,
    int64_t b)
{
	int64_t da = cal_day_of(cal, a), db = cal_day_of(cal, b);

	if (db >= da)
		return (int)cal_count_working(cal, da, db);
	return -(int)cal_count_working(cal, db, da);
}

void
calendar_format_iso(const struct calendar *cal, int64_t t, char *buf,
    size_t len)
{
	int64_t day, secs;
	struct cal_date d;
	int off, aoff;

	off = tz_offset_at(cal->tz, t);
	day = cal_split(cal, t, &secs);
	d = cal_from_days(day);
	aoff = off < 0 ? -off : off;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    d.year, d.month, d.day, (int)(secs / 3600),
	    (int)(secs / 60 % 60), (int)(secs % 60), off < 0 ? '-' : '+',
	    aoff / 3600, aoff / 60 % 60);
}

int
calendar_parse_iso(const struct calendar *cal, const char *s, int64_t *t)
{
	struct cal_date d;
	const char *p;
	int h, m, sec = 0, oh, om, sign;
	int64_t local;

	if (cal_date_scan(s, &d, &p) == -1)
		return -1;
	/* A date alone is the start of that local day (never 00:00 UTC). */
	if (*p == '\0') {
		if (cal == NULL)
			return -1;
		*t = calendar_start_of(cal, d);
		return 0;
	}
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if ((h = cal_digits(p, 2)) == -1 || p[2] != ':' ||
	    (m = cal_digits(p + 3, 2)) == -1)
		return -1;
	p += 5;
	if (*p == ':') {
		if ((sec = cal_digits(p + 1, 2)) == -1)
			return -1;
		p += 3;
	}
	if (h > 23 || m > 59 || sec > 59)
		return -1;
	local = cal_days(d) * 86400 + h * 3600 + m * 60 + sec;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*t = local;
		return 0;
	}
	if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if ((oh = cal_digits(p + 1, 2)) == -1 || p[3] != ':' ||
		    (om = cal_digits(p + 4, 2)) == -1 || p[6] != '\0' ||
		    oh > 23 || om > 59)
			return -1;
		*t = local - sign * (oh * 3600 + om * 60);
		return 0;
	}
	if (*p != '\0' || cal == NULL)
		return -1;
	*t = tz_local_to_utc(cal->tz, local);
	return 0;
}
