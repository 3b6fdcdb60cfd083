#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static bool log_debugging;

void
log_init(bool debug)
{
	log_debugging = debug;
	setvbuf(stderr, NULL, _IOLBF, 0);
}

void
log_set_debug(bool debug)
{
	log_debugging = debug;
}

/* One write per line so that concurrent writers never interleave. */
static void
log_vline(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char buf[2048];
	int n;

	n = snprintf(buf, sizeof(buf), "<%d>", pri);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (suffix != NULL) {
		size_t used = strlen(buf);
		snprintf(buf + used, sizeof(buf) - used, ": %s", suffix);
	}
	/* A message must stay one line for journald. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "%s\n", buf);
}

#define LOG_FN(fn, pri, cond)					\
void								\
fn(const char *fmt, ...)					\
{								\
	va_list ap;						\
	if (!(cond))						\
		return;						\
	va_start(ap, fmt);					\
	log_vline(pri, fmt, ap, NULL);				\
	va_end(ap);						\
}

LOG_FN(log_warnx, LOG_WARNING, 1)
LOG_FN(log_err, LOG_ERR, 1)
LOG_FN(log_notice, LOG_NOTICE, 1)
LOG_FN(log_info, LOG_INFO, 1)
LOG_FN(log_debug, LOG_DEBUG, log_debugging)

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
