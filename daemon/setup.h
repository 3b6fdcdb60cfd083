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
 * parse included.
 */
struct config *setup_config(const char *path);
/* setup_config of a snapshot at read_path, named path (config_load_as). */
struct config *setup_config_as(const char *read_path, const char *path);
/*
 * The bytes of the file at path in a private, unnamed file (memfd, close
 * on exec, numbered 10 or above): what the daemon validated, for the
 * report child to read even after the file on disk has changed.  -1 (and
 * a line on stderr) when it cannot be made.
 */
int setup_config_snapshot(const char *path);
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
