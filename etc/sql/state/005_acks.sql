-- mashwatch state, migration 5: every acknowledgement of an alert, kept.  The ack_*
-- columns of mashwatch.alerts hold the latest one (what the notifier
-- reads); acknowledging again used to overwrite the earlier note.  This
-- table keeps them all, for `mashwatchctl history --child` and as
-- evidence of management oversight.
create table mashwatch.acks (
    ack_id     bigserial   primary key,
    alert_id   bigint      not null references mashwatch.alerts on delete cascade,
    acked_at   timestamptz not null,
    acked_by   text        not null,
    note       text,
    until      timestamptz
);
create index acks_alert on mashwatch.acks (alert_id, acked_at);

-- The acknowledgements made before this migration: the latest of each.
insert into mashwatch.acks (alert_id, acked_at, acked_by, note, until)
select alert_id, acked_at, coalesce(acked_by, ''), ack_note, ack_until
  from mashwatch.alerts
 where acked_at is not null;

-- Every daemon, leader or standby, as it last reported itself (each lease
-- tick), for `mashwatchctl status`; the leader adds its open and overdue
-- counts per clock.
create table mashwatch.daemons (
    holder      text        primary key,   -- host:pid
    role        text        not null check (role in ('leader', 'standby')),
    role_since  timestamptz not null,
    seen_at     timestamptz not null,
    version     text,
    counts      jsonb       not null default '{}'  -- {clock: {"open": N, "overdue": N}}
);
