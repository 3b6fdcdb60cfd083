/*
 * The regional benchmark's gate and lookups: which keys may carry an id
 * (a file holding one is refused), which extracts are refused and why,
 * and the region's median read back for report.comparators.  The tables
 * themselves are checked end to end in tests/integration/test_region.py.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mashwatch/region.h"

#include "testutil.h"

static const struct {
	const char	*key;
	int		 id;
} keys[] = {
	{ "child", 1 }, { "worker", 1 }, { "instance", 1 }, { "oldest", 1 },
	{ "listed", 1 }, { "most", 1 }, { "id", 1 }, { "child_id", 1 },
	{ "instance_id", 1 }, { "case-id", 1 }, { "childRef", 1 },
	{ "worker_ref", 1 }, { "contactId", 1 }, { "alert_ids", 1 },
	{ "children", 0 }, { "workers", 0 }, { "contacts", 0 },
	{ "referrals_12_months", 0 }, { "clock", 0 }, { "median", 0 },
	{ "valid", 0 }, { "identity", 0 }, { "red", 0 },
};

static void
test_region_id_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(keys); i++)
		if (region_id_key(keys[i].key) != keys[i].id)
			fail_msg("%s: %d, want %d", keys[i].key,
			    region_id_key(keys[i].key), keys[i].id);
}

#define EXTRACT(AUTH, FIRST, EXTRA) "{\"format\": \"mashwatch-region-" \
	"extract\", \"version\": 1, \"authority\": " AUTH ", \"kind\": " \
	"\"month\", \"first\": \"" FIRST "\", \"end\": \"2022-10-31\", " \
	"\"contacts\": 100, \"repeat_contacts\": 7, \"referrals\": 40, " \
	"\"referrals_12_months\": 400, \"rereferrals_12_months\": 60, " \
	"\"caseloads\": {\"workers\": 10, \"red\": 2, \"red_threshold\": 20}, " \
	"\"clocks\": [{\"clock\": \"contact_decision\", \"label\": null, " \
	"\"stopped\": 90, \"within_limit\": 80, \"median_working_days\": 1}]" \
	EXTRA "}"

static const struct {
	const char	*name;
	const char	*text;
	const char	*err;		/* NULL: added */
} adds[] = {
	{ "an extract", EXTRACT("\"north\"", "2022-10-01", ""), NULL },
	{ "unnamed: the file's name", EXTRACT("null", "2022-10-01", ""), NULL },
	{ "the same authority again", EXTRACT("\"north\"", "2022-10-01", ""),
	  "already in the region" },
	{ "another month", EXTRACT("\"west\"", "2022-09-01", ""),
	  "not the extract of the month 2022-10" },
	{ "an id at the top", EXTRACT("\"west\"", "2022-10-01",
	  ", \"child_id\": \"C1\""), "(child_id)" },
	{ "an id deep down", EXTRACT("\"west\"", "2022-10-01",
	  ", \"x\": [{\"y\": {\"worker\": \"W1\"}}]"), "(x.y.worker)" },
	{ "the full report", "{\"date\": \"2022-10-31\", \"clocks\": "
	  "[{\"clock\": \"a\", \"oldest\": {\"child\": \"C1\"}}]}",
	  "(clocks.oldest)" },
	{ "not JSON", "{\"format\": ", "not JSON" },
	{ "not an extract", "{\"format\": \"other\"}",
	  "not a regional extract" },
	{ "a part above its whole", "{\"format\": \"mashwatch-region-extract\", "
	  "\"version\": 1, \"authority\": \"w\", \"kind\": \"month\", "
	  "\"first\": \"2022-10-01\", \"contacts\": 1, \"repeat_contacts\": 2, "
	  "\"referrals_12_months\": 0, \"rereferrals_12_months\": 0, "
	  "\"caseloads\": {\"workers\": 0, \"red\": 0}, \"clocks\": []}",
	  "a part above its whole" },
	{ "a negative count", "{\"format\": \"mashwatch-region-extract\", "
	  "\"version\": 1, \"authority\": \"w\", \"kind\": \"month\", "
	  "\"first\": \"2022-10-01\", \"contacts\": -1}", "bad contacts" },
};

static void
test_region_add(void **state)
{
	struct region *rg = region_new("2022-10");
	char err[512], *out = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	for (size_t i = 0; i < NELEM(adds); i++) {
		int rc;

		err[0] = '\0';
		rc = region_add(rg, adds[i].text, "file.json", err, sizeof(err));
		if (adds[i].err == NULL && rc != 0)
			fail_msg("%s: refused: %s", adds[i].name, err);
		if (adds[i].err != NULL && (rc == 0 ||
		    strstr(err, adds[i].err) == NULL))
			fail_msg("%s: rc %d, '%s', want '%s'", adds[i].name, rc,
			    err, adds[i].err);
	}
	/* Two authorities went in, the refused ones left nothing behind. */
	fp = open_memstream(&out, &len);
	assert_int_equal(region_write(rg, RGF_CSV, fp), 0);
	fclose(fp);
	assert_non_null(strstr(out, ",north,"));
	assert_non_null(strstr(out, ",file.json,"));
	assert_null(strstr(out, "west"));
	/* Two red workers: c, and so the other authority's too. */
	assert_non_null(strstr(out, "caseloads_above_red,Workers with "
	    "caseloads above red,north,c,10,c,"));
	free(out);
	region_free(rg);
	region_free(NULL);
}

static void
test_region_median_of(void **state)
{
	static const char bench[] = "{\"format\": \"mashwatch-region-"
	    "benchmark\", \"measures\": [{\"measure\": \"x\", \"median\": 0.5}, "
	    "{\"measure\": \"rereferral_rate\", \"median\": 0.1425}, "
	    "{\"measure\": \"y\", \"median\": null}]}";
	char err[256];
	double v = 0;

	(void)state;
	assert_int_equal(region_median_of(bench, "rereferral_rate", &v, err,
	    sizeof(err)), 0);
	assert_true(v == 0.1425);
	assert_int_equal(region_median_of(bench, "y", &v, err, sizeof(err)),
	    0);
	assert_true(isnan(v));
	assert_int_equal(region_median_of(bench, "z", &v, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "no measure"));
	assert_int_equal(region_median_of("{\"format\": \"mashwatch-region-"
	    "extract\"}", "x", &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regional benchmark"));
	assert_int_equal(region_median_of("[", "x", &v, err, sizeof(err)),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_region_id_keys),
		cmocka_unit_test(test_region_add),
		cmocka_unit_test(test_region_median_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
