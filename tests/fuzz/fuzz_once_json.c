/*
 * The JSON lines of `mashwatchd --once` (findings_print): whatever rows the
 * source holds — any bytes in ids, any instants — every line is one valid
 * JSON object.
 */
#include <jansson.h>

#include "fuzz.h"

#include "mashwatch/findings.h"
#include "mashwatch/model.h"

static const char *const clocks[] = { "contact_decision", "da_screening",
    "strategy_discussion", "allocation", "child_seen", "no_such_clock" };
static const char *const kinds[] = { "contact", "referral", "da_notification",
    "strategy_discussion", "bogus" };

/* An instant near 2022-04 most of the time, anything now and then. */
static int64_t
fz_when(struct fz *f)
{
	uint8_t how = fz_u8(f);

	if (how == 0)
		return TIME_NONE;
	if (how == 1)
		return fz_i64(f);
	return 1650000000 + (int64_t)(int16_t)(fz_u8(f) << 8 | fz_u8(f)) * 3600;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fz_world *w = fz_world();
	struct fz f = { data, size, { 0 }, 0 };
	const int64_t now = 1650300000;
	struct model *m = model_new(w->cfg, w->cal, false);
	char *out = NULL, *line, *save;
	size_t len = 0;
	FILE *fp;
	int rows = 0;

	model_begin_full(m);
	while (f.n > 0 && rows++ < 40) {
		if (fz_u8(&f) & 1) {
			struct clock_row r;

			r.clock = clocks[fz_u8(&f) % 6];
			r.instance_id = fz_str(&f);
			r.child_id = fz_str(&f);
			r.team_id = fz_str(&f);
			r.worker_id = fz_u8(&f) & 1 ? fz_str(&f) : NULL;
			r.priority = fz_u8(&f) & 1 ? fz_str(&f) : NULL;
			r.started_at = fz_when(&f);
			r.stopped_at = fz_when(&f);
			(void)model_put_clock(m, &r, now);
		} else {
			struct event_row e = { 0 };

			e.kind = kinds[fz_u8(&f) % 5];
			e.event_id = fz_str(&f);
			e.child_id = fz_str(&f);
			e.team_id = fz_str(&f);
			e.occurred_at = fz_when(&f);
			(void)model_put_event(m, &e, now);
		}
	}
	model_end_full(m, now);
	if ((fp = open_memstream(&out, &len)) == NULL)
		abort();
	findings_print(fp, m, w->cal, now, true);
	fclose(fp);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		json_error_t jerr;
		json_t *j = json_loads(line, 0, &jerr);

		if (j == NULL)
			fprintf(stderr, "not JSON (%s): %s\n", jerr.text, line);
		FZ_CHECK(j != NULL && json_is_object(j));
		json_decref(j);
	}
	free(out);
	model_free(m);
	fz_done(&f);
	return 0;
}
