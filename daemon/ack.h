/*
 * Acknowledging an alert: the one statement that `mashwatchctl ack` and
 * the board's POST /ack both run, so that an acknowledgement has the same
 * store and effect wherever it is made.
 *
 * Parameters: $1 alert id, $2 who (a name or the board user's address),
 * $3 note or NULL, $4 until as epoch seconds or NULL, $5 'true' when any
 * team's alert may be acknowledged, else $6 the text[] of team ids the
 * user may act for ('' stands for no team); a data-quality alert instead
 * needs $7 'true' (the data-quality route and admins), $8 the reason's
 * code or NULL (the caller has checked it against the config's reasons
 * with config_reason_check), $9 'true' when ack.reason_required.  The
 * alert row keeps the latest acknowledgement (the notifier reads it);
 * mashwatch.acks keeps every one.  Returns rule, level, done ('t' if
 * already resolved), acked ('f' when refused: no reason given for an
 * overdue or escalated alert while $9 -- the levels config_reason_check
 * names); no row when there is no such alert the user may see.
 */
#ifndef MASHWATCH_ACK_H
#define MASHWATCH_ACK_H

#define ACK_NPARAMS	9
extern const char ack_sql[];

#endif
