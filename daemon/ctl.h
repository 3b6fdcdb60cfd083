/*
 * mashwatchctl: one function per command, each in the ctl_*.c file of its
 * concern.  Each returns a sysexits code.
 */
#ifndef MASHWATCH_CTL_H
#define MASHWATCH_CTL_H

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"

struct ctl {
	const char		*config_path;
	struct config		*cfg;
	struct calendar		*cal;
};

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
/* The source's teams view through the router's parser; -1 on failure. */
int ctl_read_teams(struct ctl *ctl, struct team_list *tl);
/* ctl_report.c */
int ctl_report(struct ctl *ctl, int argc, char **argv);

#endif
