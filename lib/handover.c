/*
 * The morning handover's window and its out-of-hours test (handover.h).
 */
#include "mashwatch/handover.h"

int64_t
handover_local_time(const struct calendar *cal, struct cal_date d,
    int minute)
{
	int64_t start, t;

	if (minute >= 1440)
		return calendar_start_of(cal, cal_date_add_days(d, 1));
	start = calendar_start_of(cal, d);
	t = start + (int64_t)minute * 60;
	/* Across a clock change the day is 23 or 25 hours long. */
	return t + calendar_utc_offset(cal, start) - calendar_utc_offset(cal, t);
}

bool
handover_out_of_hours(const struct calendar *cal, int work_from,
    int work_to, int64_t t)
{
	struct cal_date d = calendar_date_of(cal, t);

	if (!calendar_is_working_day(cal, d))
		return true;
	return t < handover_local_time(cal, d, work_from) ||
	    t >= handover_local_time(cal, d, work_to);
}

int64_t
handover_since(const struct calendar *cal, int work_to, int64_t t)
{
	struct cal_date d = calendar_date_of(cal, t);

	for (int i = 1; i <= 366; i++) {
		struct cal_date p = cal_date_add_days(d, -i);

		if (calendar_is_working_day(cal, p))
			return handover_local_time(cal, p, work_to);
	}
	return t - 366 * 86400;
}
