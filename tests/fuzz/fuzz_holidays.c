/* The holiday file: loads or says PATH:LINE: why; a calendar still works. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct calendar *cal;
	char path[256], err[512];
	struct cal_date d = { 2024, 12, 25 };

	if (fz_write_file("holidays.txt", data, size, path, sizeof(path)) < 0)
		return 0;
	if ((cal = calendar_new("Europe/London", 0x3e, err, sizeof(err))) ==
	    NULL)
		abort();
	err[0] = '\0';
	if (calendar_load_holidays(cal, path, err, sizeof(err)) < 0)
		FZ_CHECK(strncmp(err, path, strlen(path)) == 0);
	(void)calendar_is_working_day(cal, d);
	(void)calendar_first_year(cal);
	(void)calendar_last_year(cal);
	calendar_free(cal);
	unlink(path);
	return 0;
}
