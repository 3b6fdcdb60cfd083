/*
 * JSON values the public outputs share (the --once lines, the board's
 * data, the report), so that a missing string or instant reads the same
 * everywhere.  Each returns a new reference (jansson's rules).
 */
#ifndef MASHWATCH_JSONVAL_H
#define MASHWATCH_JSONVAL_H

#include <stdint.h>

#include <jansson.h>

#include "mashwatch/calendar.h"

/* s as a JSON string; NULL as null.  s must be valid UTF-8. */
json_t *jsonval_str(const char *s);
/*
 * Instant t as ISO 8601 with its local offset in cal's zone
 * ("2022-04-14T10:00:00+01:00"); TIME_NONE (model.h) as null.
 */
json_t *jsonval_instant(const struct calendar *cal, int64_t t);

#endif
