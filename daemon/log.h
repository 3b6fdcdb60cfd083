/*
 * Logging to stderr, one line per event, with the syslog priority prefix
 * ("<4>") that journald understands.  Never log a child's name or a case
 * note: log counts and internal ids.
 */
#ifndef MASHWATCH_LOG_H
#define MASHWATCH_LOG_H

#include <stdbool.h>

void log_init(bool debug);
/* libevent's messages through ours, rate limited. */
void log_route_libevent(void);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* adds strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
