-- mashwatch state, migration 2: what the notifier sent, to whom, with
-- which alerts, and every attempt to deliver it (mashwatchd(8), NOTIFICATIONS).
-- An email row is created in the same transaction that claims its outbox
-- rows, and holds the whole message, so a retry sends the same bytes.

create table mashwatch.emails (
    email_id        bigserial   primary key,
    kind            text        not null
                    check (kind in ('alerts', 'digest', 'escalation',
                                    'data_quality', 'delivery_failure', 'test', 'report')),
    route           text        not null,  -- 'team:ID', 'escalation:ID', 'default', 'data_quality', 'report'
    recipients      text[]      not null,
    message_id      text        not null unique,
    subject         text        not null,  -- as composed, before header encoding
    message         text        not null,  -- the full RFC 5322 message, CRLF line ends
    status          text        not null default 'pending'
                    check (status in ('pending', 'sent', 'failed')),
    attempts        integer     not null default 0,
    created_at      timestamptz not null default now(),
    next_attempt_at timestamptz not null default now(),
    sent_at         timestamptz,
    last_reply      text
);
create index emails_pending on mashwatch.emails (next_attempt_at) where status = 'pending';
create index emails_route on mashwatch.emails (route, created_at);

-- Which alerts (and which outbox rows) each email carried.
create table mashwatch.email_alerts (
    email_id        bigint      not null references mashwatch.emails on delete cascade,
    alert_id        bigint      not null references mashwatch.alerts on delete cascade,
    notification_id bigint      references mashwatch.notifications on delete set null,
    primary key (email_id, alert_id)
);
create index email_alerts_alert on mashwatch.email_alerts (alert_id);

-- Every attempt to deliver an email and the transport's answer: the audit.
create table mashwatch.email_attempts (
    attempt_id      bigserial   primary key,
    email_id        bigint      not null references mashwatch.emails on delete cascade,
    attempted_at    timestamptz not null default now(),
    transport       text        not null,
    outcome         text        not null check (outcome in ('sent', 'retry', 'failed')),
    code            integer,               -- SMTP reply code, exit status; null if none
    reply           text
);
create index email_attempts_email on mashwatch.email_attempts (email_id);

-- Per route: when it last got an email (group_interval) and the local date
-- of its last morning digest (one a working day, even across restarts).
create table mashwatch.routes (
    route           text        primary key,
    last_email_at   timestamptz,
    last_digest_on  date
);
