/*
 * The report's JSON (mashwatch-report(5)): whatever rows feed it, the file
 * is one valid JSON object; the other writers run on the same report.
 */
#include <jansson.h>

#include "fuzz.h"

#include "mashwatch/model.h"
#include "mashwatch/report.h"

static const char *const clocks[] = { "contact_decision", "da_screening",
    "strategy_discussion", "allocation", "icpc", "no_such_clock" };
static const char *const kinds[] = { "contact", "referral", "da_notification",
    "bogus" };

static int64_t
fz_when(struct fz *f)
{
	uint8_t how = fz_u8(f);

	if (how == 0)
		return TIME_NONE;
	if (how == 1)
		return fz_i64(f);
	return 1651000000 - (int64_t)(uint16_t)(fz_u8(f) << 8 | fz_u8(f)) * 3600;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fz_world *w = fz_world();
	struct fz f = { data, size, { 0 }, 0 };
	struct cal_date date = { 2022, 4, 26 };
	struct report *r = report_new(w->cfg, w->cal, date, 1651010000);
	char *out = NULL, child[8];
	size_t len = 0;
	json_error_t jerr;
	json_t *j;
	FILE *fp;
	int rows = 0, c = 0;

	while (f.n > 0 && rows++ < 60) {
		switch (fz_u8(&f) % 4) {
		case 0: {
			struct clock_row row;

			row.clock = clocks[fz_u8(&f) % 6];
			row.instance_id = fz_str(&f);
			row.child_id = fz_str(&f);
			row.team_id = fz_str(&f);
			row.worker_id = NULL;
			row.priority = fz_u8(&f) & 1 ? fz_str(&f) : NULL;
			row.started_at = fz_when(&f);
			row.stopped_at = fz_when(&f);
			report_add_clock(r, &row);
			break;
		}
		case 1: {
			struct event_row e = { 0 };

			/* In child order, as the reporter reads them. */
			c += fz_u8(&f) % 3;
			snprintf(child, sizeof(child), "C%04d", c % 10000);
			e.kind = kinds[fz_u8(&f) % 4];
			e.event_id = fz_str(&f);
			e.child_id = child;
			e.team_id = fz_str(&f);
			e.occurred_at = fz_when(&f);
			e.source = fz_str(&f);
			(void)report_add_event(r, &e);
			break;
		}
		case 2:
			report_add_check(r, fz_str(&f), fz_when(&f),
			    fz_u8(&f) & 1);
			break;
		default:
			report_add_worker(r, NULL, NULL, (int)(int8_t)fz_u8(&f));
			break;
		}
	}
	report_finish(r);
	if ((fp = open_memstream(&out, &len)) == NULL)
		abort();
	FZ_CHECK(report_write_json(r, fp) == 0);
	fclose(fp);
	j = json_loads(out, 0, &jerr);
	if (j == NULL)
		fprintf(stderr, "not JSON (%s)\n", jerr.text);
	FZ_CHECK(j != NULL && json_is_object(j));
	json_decref(j);
	free(out);
	if ((fp = fopen("/dev/null", "w")) != NULL) {
		report_write_csv(r, fp);
		report_write_text(r, fp);
		report_write_html(r, fp);
		fclose(fp);
	}
	report_free(r);
	fz_done(&f);
	return 0;
}
