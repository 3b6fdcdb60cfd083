#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <event2/event.h>

#include "log.h"

static bool log_debugging;
static bool log_journal;
static char log_name[64] = "mashwatch: ";

/* $JOURNAL_STREAM is "DEV:INODE" of the journal's stream; is it stderr? */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/*
 * In the journal every line needs a priority, the ones printed with
 * fprintf(stderr) too (an error of mashwatchctl's, run as the report
 * child; a config error at start-up): stderr becomes a stream that gives
 * a line without one "<3>", or "<4>" for a warning.
 */
static char	log_part[2048];
static size_t	log_npart;

static void
log_flush_line(void)
{
	char pri[4] = "";

	if (log_npart == 0)
		return;
	if (!(log_npart >= 3 && log_part[0] == '<' && log_part[1] >= '0' &&
	    log_part[1] <= '7' && log_part[2] == '>'))
		snprintf(pri, sizeof(pri), "<%d>", memmem(log_part, log_npart,
		    "warning:", 8) != NULL ? LOG_WARNING : LOG_ERR);
	if (write(STDERR_FILENO, pri, strlen(pri)) < 0 ||
	    write(STDERR_FILENO, log_part, log_npart) < 0)
		(void)0;	/* nowhere left to say so */
	log_npart = 0;
}

static ssize_t
log_stderr_write(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	for (size_t i = 0; i < len; i++) {
		if (log_npart < sizeof(log_part) - 1 || buf[i] == '\n')
			log_part[log_npart++] = buf[i];
		if (buf[i] == '\n' || log_npart == sizeof(log_part))
			log_flush_line();
	}
	return (ssize_t)len;
}

void
log_init(const char *prog, bool debug)
{
	static cookie_io_functions_t io = { .write = log_stderr_write };
	FILE *fp;

	log_debugging = debug;
	log_journal = stderr_is_journal();
	snprintf(log_name, sizeof(log_name), "%s: ", prog);
	if (log_journal && (fp = fopencookie(NULL, "w", io)) != NULL)
		stderr = fp;
	setvbuf(stderr, NULL, _IOLBF, 0);
}

const char *
log_prefix(void)
{
	return log_journal ? "" : log_name;
}

bool
log_to_journal(void)
{
	return log_journal;
}

/* One write per line so that concurrent writers never interleave. */
static void
log_vline(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char buf[2048];
	int n;

	if (log_journal)
		n = snprintf(buf, sizeof(buf), "<%d>", pri);
	else
		n = snprintf(buf, sizeof(buf), "%s", log_name);
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

/*
 * libevent's own messages, through our log with our prefixes, at most
 * LIBEVENT_BURST lines in any LIBEVENT_WINDOW seconds: a loop that fails
 * the same way thousands of times a second must not fill the journal.
 */
#define LIBEVENT_BURST	10
#define LIBEVENT_WINDOW	10

static void
log_libevent(int severity, const char *msg)
{
	static time_t window;
	static unsigned lines, dropped;
	struct timespec ts;
	int pri;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_sec - window >= LIBEVENT_WINDOW) {
		if (dropped > 0)
			log_warnx("libevent: %u more messages in %d s not "
			    "logged", dropped, LIBEVENT_WINDOW);
		window = ts.tv_sec;
		lines = dropped = 0;
	}
	if (severity == EVENT_LOG_DEBUG && !log_debugging)
		return;
	if (++lines > LIBEVENT_BURST) {
		dropped++;
		return;
	}
	pri = severity == EVENT_LOG_ERR ? LOG_ERR : severity == EVENT_LOG_WARN ?
	    LOG_WARNING : severity == EVENT_LOG_MSG ? LOG_INFO : LOG_DEBUG;
	if (pri == LOG_ERR)
		log_err("libevent: %s", msg);
	else if (pri == LOG_WARNING)
		log_warnx("libevent: %s", msg);
	else if (pri == LOG_INFO)
		log_info("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

void
log_route_libevent(void)
{
	event_set_log_callback(log_libevent);
}
