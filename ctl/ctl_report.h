/*
 * mashwatchctl report: ctl_report_gen.c makes and writes a report,
 * ctl_report_send.c sends one, ctl_report.c is the command that uses both.
 */
#ifndef MASHWATCH_CTL_REPORT_H
#define MASHWATCH_CTL_REPORT_H

#include <stdio.h>

#include <libpq-fe.h>

#include "mashwatch/report.h"
#include "ctl.h"
#include "daemon/transport.h"

/*
 * Formats of --format, in the order of their names; FMT_TABLE + t is the
 * tidy CSV of table t (--table).
 */
enum report_format { FMT_TEXT, FMT_HTML, FMT_CSV, FMT_JSON, FMT_REGION,
	FMT_TABLE };

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
 * What ctl_report_send.c shares with the partnership pack's sending
 * (ctl_report_partner.c).
 *
 * Write data to dir/name atomically (a temporary file, then rename);
 * returns the path (the caller frees) or NULL with a line on stderr.
 */
char *report_archive_file(const char *dir, const char *name,
    const char *data, size_t len);
/* One message to `to` through the configured transport; 0 when sent. */
int report_mail_send(const struct config *cfg, const struct addresses *to,
    const char *name, const char *msg, struct tx_result *out);
/*
 * Where a send is recorded, by the claim-then-send protocol: each
 * statement takes six text parameters, $1 the key date, $2 the claim, $3
 * to $5 values, $6 the kind.  report_pack_ledger is mashwatch.report_packs
 * (kind week, month or partnership).
 */
struct ledger {
	const char	*claim, *who, *paths, *sent, *release;
};
extern const struct ledger report_pack_ledger;
/* Run one ledger statement; *out (if not NULL) gets the result. */
int report_ledger_exec(PGconn *state, const char *sql, const char *key,
    const char *me, const char *a, const char *b, const char *c,
    const char *kind, PGresult **out);
/*
 * Claim the key.  1: ours; 0: already sent (or being sent by a live
 * claim: *busy); -1: error.
 */
int report_claim(PGconn *state, const struct ledger *l, const char *date,
    const char *kind, const char *me, bool *busy);

/*
 * The items that went overdue in [from, to) (their first overdue alert
 * fired then), each with the latest reason any acknowledgement of it gave
 * (NULL: none), when it was due and until when it was late (its stop or
 * resolution, else to): fn for each.  Returns 0, or -1 with a line on
 * stderr.
 */
int report_read_late(PGconn *state, int64_t from, int64_t to,
    void (*fn)(void *arg, const char *clock, const char *reason,
    int64_t due_at, int64_t late_until), void *arg);

/*
 * ctl_report_partner.c: the partnership pack of the month starting on
 * first: printed in format (FMT_TEXT .. FMT_JSON), or with send claimed,
 * archived and mailed to routes.partnership.  Returns an exit status.
 */
int partnership_run(const struct ctl *ctl, PGconn *state,
    struct cal_date first, int format, bool send);

#endif
