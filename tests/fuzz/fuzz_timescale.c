/*
 * Durations and timescales ("3 working days"), dates and ISO instants: what
 * parses formats back to something that parses to the same (instants from
 * 1900, after local mean time, whose offsets are not whole minutes).
 */
#include "fuzz.h"

#include "mashwatch/timescale.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fz_world *w = fz_world();
	struct timescale ts, again;
	struct cal_date d;
	char err[256], buf[128], *s = fz_cstring(data, size);
	int64_t t, t2;

	if (timescale_parse(s, TS_ALLOW_WINDOW, &ts, err, sizeof(err)) == 0) {
		timescale_format(&ts, buf, sizeof(buf));
		FZ_CHECK(timescale_parse(buf, TS_ALLOW_WINDOW, &again, err,
		    sizeof(err)) == 0);
		FZ_CHECK(memcmp(&ts, &again, sizeof(ts)) == 0);
	} else
		FZ_CHECK(err[0] != '\0');
	(void)timescale_parse(s, TS_ALLOW_LIMIT, &ts, err, sizeof(err));
	(void)cal_date_parse(s, &d);
	if (calendar_parse_iso(w->cal, s, &t) == 0 &&
	    calendar_covers(w->cal, t) &&
	    calendar_date_of(w->cal, t).year >= 1900) {
		calendar_format_iso(w->cal, t, buf, sizeof(buf));
		FZ_CHECK(calendar_parse_iso(w->cal, buf, &t2) == 0 && t2 == t);
	}
	(void)calendar_parse_iso(NULL, s, &t);
	free(s);
	return 0;
}
