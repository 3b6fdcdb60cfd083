/*
 * The engine's wall clock, one place for "now" in both programs (the
 * daemon's timers and mashwatchctl's reports and checks).
 */
#ifndef MASHWATCH_ENGINE_CLOCK_H
#define MASHWATCH_ENGINE_CLOCK_H

#include <stdint.h>

/* Wall-clock now, in seconds and in microseconds. */
int64_t engine_now(void);
int64_t engine_now_us(void);

#endif
