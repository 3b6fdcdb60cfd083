/*
 * Wall-clock now for both programs; tests pin it with libfaketime.
 */
#include <sys/time.h>
#include <time.h>

#include "engine_clock.h"

int64_t
engine_now(void)
{
	return (int64_t)time(NULL);
}

int64_t
engine_now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}
