/* mashwatch.conf: any file loads or is refused with errors, never crashes. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs = { 0 };
	struct config *cfg;
	char path[256];
	FILE *null;

	if (fz_write_file("mashwatch.conf", data, size, path, sizeof(path)) < 0)
		return 0;
	cfg = config_load(path, &errs);
	FZ_CHECK((cfg == NULL) == (errs.n > 0));
	if (cfg != NULL && (null = fopen("/dev/null", "w")) != NULL) {
		/* What -t -d prints must cope with whatever was loaded. */
		config_print(cfg, null);
		fclose(null);
	}
	config_free(cfg);
	config_errors_clear(&errs);
	unlink(path);
	return 0;
}
