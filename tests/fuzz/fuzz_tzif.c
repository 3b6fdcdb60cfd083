/* TZif files: parsed or refused; what loads answers for any instant. */
#include <sys/stat.h>

#include "fuzz.h"

#include "mashwatch/tz.h"

static char dir[128];

/* The private TZDIR goes when the fuzzer exits. */
static void
tzdir_remove(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/Fuzz", dir);
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t at[] = { INT64_MIN / 4, -1, 0, 1648342800,
	    1666486800, 4102444800LL, INT64_MAX / 4 };
	char path[256], err[512];
	struct tz *tz;
	FILE *fp;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/mashwatch-fuzz-tz-%ld",
		    (long)getpid());
		mkdir(dir, 0700);
		setenv("TZDIR", dir, 1);
		atexit(tzdir_remove);
	}
	snprintf(path, sizeof(path), "%s/Fuzz", dir);
	if ((fp = fopen(path, "wb")) == NULL)
		return 0;
	if (size > 0)
		fwrite(data, 1, size, fp);
	fclose(fp);
	if ((tz = tz_load("Fuzz", err, sizeof(err))) == NULL) {
		FZ_CHECK(err[0] != '\0');
		return 0;
	}
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		int off = tz_offset_at(tz, at[i]);

		FZ_CHECK(off > -100000 && off < 100000);
		(void)tz_local_to_utc(tz, at[i]);
	}
	tz_free(tz);
	return 0;
}
