/* The acknowledgement statement (ack.h). */
#include "ack.h"

/*
 * The alert is read first (t) so that a refusal for want of a reason is
 * told apart from "no such alert"; the levels needing a reason are those
 * of config_reason_check.
 */
const char ack_sql[] =
    "WITH t AS (SELECT alert_id, rule, level, resolved_at IS NOT NULL AS done"
    "  FROM mashwatch.alerts WHERE alert_id = $1::bigint"
    "  AND CASE WHEN level = 'data_quality' THEN $7::boolean"
    "  ELSE ($5::boolean OR coalesce(team_id, '') = ANY($6::text[])) END"
    "), a AS (UPDATE mashwatch.alerts SET acked_at = now(), "
    "  acked_by = $2, ack_note = $3, ack_until = to_timestamp($4::float8),"
    "  ack_reason = $8"
    "  WHERE alert_id IN (SELECT alert_id FROM t WHERE $8::text IS NOT NULL"
    "  OR NOT $9::boolean OR level NOT IN ('overdue', 'escalated'))"
    "  RETURNING alert_id, acked_at, acked_by, ack_note, ack_until,"
    "  ack_reason"
    "), h AS (INSERT INTO mashwatch.acks (alert_id, acked_at, acked_by,"
    "  note, until, reason) SELECT alert_id, acked_at, acked_by, ack_note,"
    "  ack_until, ack_reason FROM a"
    ") SELECT rule, level, done, EXISTS (SELECT 1 FROM a) AS acked FROM t";
