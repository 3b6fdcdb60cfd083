-- mashwatch state, migration 1: the alert store, its outbox, the leader
-- lease and the poll watermarks.  Applied by `mashwatchctl migrate` in one
-- transaction; never edit a migration that has shipped, add the next one.

-- One row per alert key (rule, instance, level): each key fires once, ever.
create table mashwatch.alerts (
    alert_id     bigserial primary key,
    rule         text        not null,  -- clock, repeat rule or check name; 'invalid' for data quality
    instance_id  text        not null,  -- clock instance; the child for a repeat; the source row for 'invalid'
    level        text        not null
                 check (level in ('due_soon', 'overdue', 'escalated', 'repeat', 'check', 'data_quality')),
    child_id     text,
    team_id      text,
    worker_id    text,
    priority     text,
    started_at   timestamptz,
    due_at       timestamptz,
    fired_at     timestamptz not null,  -- the instant the transition became true
    created_at   timestamptz not null default now(),
    detail       jsonb       not null default '{}',
    resolved_at  timestamptz,
    resolution   text
                 check (resolution in ('met', 'met_late', 'withdrawn', 'passed', 'cleared')),
    stopped_at   timestamptz,
    acked_at     timestamptz,
    acked_by     text,
    ack_note     text,
    ack_until    timestamptz,
    unique (rule, instance_id, level)
);
create index alerts_child on mashwatch.alerts (child_id);
create index alerts_unresolved on mashwatch.alerts (rule, instance_id) where resolved_at is null;

-- The outbox: written in the same transaction as the alert change it
-- announces; the notifier sends from here only.
create table mashwatch.notifications (
    notification_id bigserial primary key,
    alert_id     bigint      not null references mashwatch.alerts on delete cascade,
    event        text        not null check (event in ('raised', 'resolved')),
    created_at   timestamptz not null default now(),
    claimed_at   timestamptz,            -- set when the notifier puts it into an email
    email_id     bigint
);
create index notifications_unclaimed on mashwatch.notifications (notification_id) where claimed_at is null;

-- Leader election: one row per lease; the holder renews it well before
-- expires_at, a standby takes it once expires_at has passed.
create table mashwatch.leases (
    name         text        primary key,
    holder       text        not null,
    acquired_at  timestamptz not null default now(),
    expires_at   timestamptz not null
);

-- Where each source view was last read up to.
create table mashwatch.sync (
    source       text        primary key,
    watermark    timestamptz,
    last_poll_at timestamptz,
    last_full_at timestamptz,
    rows_read    bigint      not null default 0
);
