/* JSON values shared by the findings, the board and the report. */
#include <stdint.h>

#include <jansson.h>

#include "mashwatch/jsonval.h"
#include "mashwatch/model.h"

json_t *
jsonval_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

json_t *
jsonval_instant(const struct calendar *cal, int64_t t)
{
	char buf[40];

	if (t == TIME_NONE)
		return json_null();
	calendar_format_iso(cal, t, buf, sizeof(buf));
	return json_string(buf);
}
