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

/* A connection string of the config and the setting it comes from. */
struct setup_conninfo {
	const char	*name;		/* "source.conninfo", "state.conninfo" */
	const char	*value;		/* borrowed from the config */
};
#define SETUP_NCONNINFO	2
/* The config's connection strings, source first, into v. */
void setup_conninfos(const struct config *cfg,
    struct setup_conninfo v[SETUP_NCONNINFO]);

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
/* The state schema version this build needs: its last compiled-in migration. */
int setup_schema_wanted(void);
/*
 * NULL when the state schema at `version` is the one this build needs;
 * else why not, written into buf: "state schema is version N, this
 * mashwatch needs M: run `mashwatchctl migrate`" when older (0: none),
 * or the same words for a schema newer than this build knows (a
 * rolled-back binary).  Either way the caller exits EX_CONFIG (78).
 */
const char *setup_schema_problem(int version, char *buf, size_t len);
/*
 * setup_connect to the state database, then its schema version checked:
 * NULL, the reason printed as "PROG: ..." and *rc set to EX_UNAVAILABLE
 * (cannot connect or read the version) or EX_CONFIG (wrong version).
 * Every command that reads the state uses this, never setup_connect.
 */
PGconn *setup_state_connect(const struct config *cfg, const char *prog,
    int *rc);

#endif
