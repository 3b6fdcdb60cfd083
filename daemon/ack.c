/* The acknowledgement statement (ack.h). */
#include "ack.h"

const char ack_sql[] =
    "WITH a AS (UPDATE mashwatch.alerts SET acked_at = now(), "
    "  acked_by = $2, ack_note = $3, ack_until = to_timestamp($4::float8)"
    "  WHERE alert_id = $1::bigint"
    "  AND CASE WHEN level = 'data_quality' THEN $7::boolean"
    "  ELSE ($5::boolean OR coalesce(team_id, '') = ANY($6::text[])) END"
    "  RETURNING alert_id, rule, level, resolved_at IS NOT NULL AS done,"
    "  acked_at, acked_by, ack_note, ack_until"
    "), h AS (INSERT INTO mashwatch.acks (alert_id, acked_at, acked_by,"
    "  note, until) SELECT alert_id, acked_at, acked_by, ack_note,"
    "  ack_until FROM a"
    ") SELECT rule, level, done FROM a";
