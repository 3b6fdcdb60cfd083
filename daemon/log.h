/*
 * Logging to stderr, one line per event.  When stderr is the journal
 * ($JOURNAL_STREAM names stderr's device and inode) each line starts with
 * the syslog priority prefix ("<4>") that journald reads; anywhere else
 * (a terminal, a file, a pipe) with the program's name ("mashwatchd: "),
 * never a raw "<4>".  Never log a child's name or a case note: log counts
 * and internal ids.
 */
#ifndef MASHWATCH_LOG_H
#define MASHWATCH_LOG_H

#include <stdbool.h>

/* Before any line: the program's name, and whether debug lines show. */
void log_init(const char *prog, bool debug);
/*
 * What starts a line that is not the log's (an error printed with
 * fprintf): the program's name and ": ", or "" when the line goes to the
 * journal, which names the program itself.
 */
const char *log_prefix(void);
/*
 * The priority prefix of a line written by a child whose stderr is ours
 * ("<6>" when stderr is the journal, else ""): the report child's lines.
 */
bool log_to_journal(void);
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
