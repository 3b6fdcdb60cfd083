/* Start-up shared by mashwatchd and mashwatchctl. */
#ifndef MASHWATCH_SETUP_H
#define MASHWATCH_SETUP_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"

#define DEFAULT_CONFIG	"/etc/mashwatch/mashwatch.conf"
#ifndef MASHWATCH_VERSION
#define MASHWATCH_VERSION	"0.1"
#endif

/* Seconds a tool waits for a database unless conninfo's connect_timeout says. */
#define SETUP_CONNECT_TIMEOUT	"10"

/*
 * Load the config at path, printing every error as FILE:LINE: message to
 * stderr.  NULL if it has errors, a connection string that libpq cannot
 * parse included (setup_check_conninfo).
 */
struct config *setup_config(const char *path);
/*
 * Parse source.conninfo and state.conninfo with PQconninfoParse, printing
 * "FILE: NAME: libpq cannot parse it: REASON" to fp for each it refuses.
 * REASON is libpq's, cut where it would quote the string (which can hold
 * a password).  Returns how many it refused.
 */
int setup_check_conninfo(const struct config *cfg, FILE *fp);
/* The calendar the config describes, or NULL with the reason printed. */
struct calendar *setup_calendar(const struct config *cfg);
/* Warn on stderr when t lies beyond the holiday list. */
void setup_warn_coverage(const struct calendar *cal, int64_t t);

/*
 * A blocking connection for the command-line tools (never the daemon's
 * loop), given up after SETUP_CONNECT_TIMEOUT seconds unless conninfo sets
 * connect_timeout.  NULL with the reason printed (one line) if it cannot
 * connect: the caller exits EX_UNAVAILABLE.
 */
PGconn *setup_connect(const char *conninfo, const char *what);
/* The state schema version, 0 if there is none, -1 on error. */
int setup_schema_version(PGconn *conn);

#endif
