#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/timescale.h"

static const struct {
	const char	*one;
	const char	*many;
	enum ts_unit	 unit;
} ts_units[] = {
	{ "hour",		"hours",		TS_HOURS },
	{ "day",		"days",			TS_DAYS },
	{ "working day",	"working days",		TS_WORKING_DAYS },
	{ "month",		"months",		TS_MONTHS },
};

#define NUNITS (sizeof(ts_units) / sizeof(ts_units[0]))

static void
timescale_allowed(unsigned allowed, char *buf, size_t len)
{
	size_t i, k = 0, count = 0, used = 0;

	for (i = 0; i < NUNITS; i++)
		if (allowed & (1u << ts_units[i].unit))
			count++;
	buf[0] = '\0';
	for (i = 0; i < NUNITS && used < len; i++) {
		if (!(allowed & (1u << ts_units[i].unit)))
			continue;
		k++;
		used += (size_t)snprintf(buf + used, len - used, "%s\"N %s\"",
		    k == 1 ? "" : (k == count ? " or " : ", "),
		    ts_units[i].many);
	}
}

int
timescale_parse(const char *s, unsigned allowed, struct timescale *ts,
    char *err, size_t errlen)
{
	char want[128], unit[32], *end;
	const char *p = s, *q;
	size_t i, n;
	long v;

	timescale_allowed(allowed, want, sizeof(want));
	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		goto bad;
	errno = 0;
	v = strtol(p, &end, 10);
	q = end;
	if (errno != 0 || v < 0 || v > TS_MAX_N) {
		snprintf(err, errlen, "\"%s\": the number must be 0 to %d",
		    s, TS_MAX_N);
		return -1;
	}
	if (!isspace((unsigned char)*q))
		goto bad;
	while (isspace((unsigned char)*q))
		q++;
	/* Collapse runs of blanks in the unit ("working   days") to one space. */
	for (n = 0; *q && n < sizeof(unit) - 1; q++) {
		if (isspace((unsigned char)*q)) {
			if (n > 0 && unit[n - 1] != ' ')
				unit[n++] = ' ';
			continue;
		}
		unit[n++] = (char)tolower((unsigned char)*q);
	}
	if (*q)
		goto bad;
	while (n > 0 && unit[n - 1] == ' ')
		n--;
	unit[n] = '\0';
	for (i = 0; i < NUNITS; i++) {
		if (strcmp(unit, ts_units[i].one) != 0 &&
		    strcmp(unit, ts_units[i].many) != 0)
			continue;
		if (!(allowed & (1u << ts_units[i].unit))) {
			snprintf(err, errlen, "\"%s\": %s are not allowed here; "
			    "write %s", s, ts_units[i].many, want);
			return -1;
		}
		ts->unit = ts_units[i].unit;
		ts->n = (int)v;
		return 0;
	}
bad:
	snprintf(err, errlen, "\"%s\" is not a timescale; write %s", s, want);
	return -1;
}

void
timescale_format(const struct timescale *ts, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < NUNITS; i++)
		if (ts_units[i].unit == ts->unit)
			break;
	if (i == NUNITS) {
		snprintf(buf, len, "%d ?", ts->n);
		return;
	}
	snprintf(buf, len, "%d %s", ts->n,
	    ts->n == 1 ? ts_units[i].one : ts_units[i].many);
}
