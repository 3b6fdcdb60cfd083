/*
 * The regional benchmark (mashwatchctl region): whatever bytes an extract
 * holds, region_add refuses it with a reason or takes it, and the three
 * writers then run; the JSON they write is one valid object.  Input: up to
 * four extracts separated by NUL bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"

#include "mashwatch/region.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct region *rg = region_new("2022-10");
	char *text = malloc(size + 1), err[512], name[8];
	size_t at = 0;
	int added = 0;

	memcpy(text, data, size);
	text[size] = '\0';
	for (int i = 0; i < 4 && at <= size; i++) {
		size_t len = strlen(text + at);

		err[0] = '\0';
		snprintf(name, sizeof(name), "f%d", i);
		if (region_add(rg, text + at, name, err, sizeof(err)) == 0)
			added++;
		else if (err[0] == '\0')
			abort();	/* a refusal always says why */
		at += len + 1;
	}
	for (int f = RGF_HTML; f <= RGF_JSON; f++) {
		char *out = NULL;
		size_t n = 0;
		FILE *fp = open_memstream(&out, &n);
		int rc = region_write(rg, f, fp);

		fclose(fp);
		if ((rc == 0) != (added > 0))
			abort();
		if (f == RGF_JSON && rc == 0) {
			json_error_t jerr;
			json_t *j = json_loads(out, 0, &jerr);
			double v;

			if (!json_is_object(j))
				abort();
			json_decref(j);
			/* What report.comparators reads back. */
			if (region_median_of(out, "rereferral_rate", &v, err,
			    sizeof(err)) < 0)
				abort();
		}
		free(out);
	}
	region_free(rg);
	free(text);
	return 0;
}
