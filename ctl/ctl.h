/*
 * mashwatchctl: one function per command, each in the ctl_*.c file of its
 * concern.  Each returns a sysexits code.
 */
#ifndef MASHWATCH_CTL_H
#define MASHWATCH_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"

struct ctl_command;

struct ctl {
	const struct ctl_command *command;	/* the one being run */
	const char		*config_path;
	struct config		*cfg;
	struct calendar		*cal;
};

/* ctl_commands.c: every command, its usage line and what it does. */
struct ctl_command {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);	/* NULL: help */
	const char	*usage;
	const char	*what;
	bool		 no_config;	/* runs without the config (region) */
};
extern const struct ctl_command ctl_commands[];
extern const size_t ctl_ncommands;
const struct ctl_command *ctl_command_find(const char *name);
/* ctl_usage.c: print the usage of command c (stdout when rc is EX_OK,
 * else stderr; nothing when c is NULL) and return rc. */
int ctl_usage(const struct ctl_command *c, int rc);
/* ctl_source.c */
int ctl_check_source(struct ctl *ctl, int argc, char **argv);
/* ctl_db.c */
int ctl_migrate(struct ctl *ctl, int argc, char **argv);
int ctl_status(struct ctl *ctl, int argc, char **argv);
/* ctl_due.c */
int ctl_due(struct ctl *ctl, int argc, char **argv);
/* ctl_notify.c */
int ctl_ack(struct ctl *ctl, int argc, char **argv);
int ctl_history(struct ctl *ctl, int argc, char **argv);
int ctl_test_email(struct ctl *ctl, int argc, char **argv);
/* ctl_routes.c */
struct team_list;
int ctl_routes(struct ctl *ctl, int argc, char **argv);
/*
 * Print text from the databases (a note, a team's name, a reply) with
 * its control characters escaped (mashwatch/termtext.h): nothing a user
 * wrote can drive the operator's terminal or forge a line.
 */
void ctl_put(const char *s);
/* The source's teams view through the router's parser; -1 on failure. */
int ctl_read_teams(struct ctl *ctl, struct team_list *tl);
/* ctl_purge.c: what the retention section no longer keeps */
int ctl_purge(struct ctl *ctl, int argc, char **argv);
/* ctl_ops.c */
int ctl_alerts(struct ctl *ctl, int argc, char **argv);
int ctl_silence(struct ctl *ctl, int argc, char **argv);
/* ctl_queue.c */
int ctl_queue(struct ctl *ctl, int argc, char **argv);
/*
 * ctl_ops.c: what the operator's commands share.  A column's seconds since
 * the epoch (INT64_MIN for NULL); that instant as ISO 8601 in the
 * calendar's zone (JSON null, or "-" in text, for INT64_MIN); a column as
 * a JSON string or null; a JSON value printed indented on stdout.
 */
#include <jansson.h>
#include <libpq-fe.h>
int64_t ctl_time_of(PGresult *res, int r, int c);
json_t *ctl_json_time(const struct ctl *ctl, int64_t t);
json_t *ctl_json_str(PGresult *res, int r, int c);
const char *ctl_fmt_time(const struct ctl *ctl, int64_t t, char *buf,
    size_t len);
void ctl_json_print(json_t *j);
/* ctl_forecast.c */
int ctl_forecast(struct ctl *ctl, int argc, char **argv);
/* ctl_report.c */
int ctl_report(struct ctl *ctl, int argc, char **argv);
/* ctl_region.c */
int ctl_region(struct ctl *ctl, int argc, char **argv);
/*
 * The whole of a small file (a regional extract or benchmark, at most
 * 16 MiB), NUL-terminated; the caller frees it.  NULL with the reason in
 * err.
 */
char *ctl_file_slurp(const char *path, char *err, size_t errlen);

#endif
