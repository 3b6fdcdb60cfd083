/*
 * mashwatchctl report: ctl_report_gen.c makes and writes a report,
 * ctl_report_send.c sends one, ctl_report.c is the command that uses both.
 */
#ifndef MASHWATCH_CTL_REPORT_H
#define MASHWATCH_CTL_REPORT_H

#include <stdio.h>

#include <libpq-fe.h>

#include "mashwatch/report.h"
#include "daemon/transport.h"
#include "ctl.h"

/*
 * Formats of --format, in the order of their names; FMT_TABLE + t is the
 * tidy CSV of table t (--table).
 */
enum report_format { FMT_TEXT, FMT_HTML, FMT_CSV, FMT_JSON, FMT_TABLE };

/*
 * ctl_report_gen.c: read the source views and the alert store for
 * [first, d] (kind RK_DAY with first == d, or a pack: RK_WEEK, RK_MONTH);
 * NULL (reason printed) on error.
 */
struct report *report_generate_period(const struct ctl *ctl, PGconn *state,
    enum report_kind kind, struct cal_date first, struct cal_date d);
/* Write r to fp in format (enum report_format, FMT_TABLE + t). */
int report_write(const struct report *r, int format, FILE *fp);

/*
 * ctl_report_send.c: claim the date in mashwatch.reports, generate, archive
 * under report.archive, mail to routes.report and record the send.  Returns
 * EX_OK also when the date was already sent; EX_TEMPFAIL when another
 * sender holds a live claim.
 */
int report_send(const struct ctl *ctl, PGconn *state, enum report_kind kind,
    struct cal_date first, struct cal_date d);

/*
 * One message to rcpts through the configured transport, on an event loop
 * of its own (ctl_report_send.c): 0 once sent, else -1 with what the
 * transport said in out.  For the report, the packs and the forecast.
 */
int ctl_mail_send(const struct config *cfg, char *const *rcpts,
    size_t nrcpts, const char *name, const char *msg, struct tx_result *out);

#endif
