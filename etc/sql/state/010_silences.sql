-- mashwatch state, migration 10: silences, set by `mashwatchctl silence
-- add` for a known outage or backlog.  While a silence is active (created,
-- not yet ended, not expired by hand) the alerts of its clock (and team,
-- when it names one) send no email: their outbox rows stay unclaimed, so
-- that when the silence ends what is still open is notified as usual.
-- Rows are never deleted by mashwatchctl: every silence, who set it and
-- who ended it stay in history.
create table mashwatch.silences (
    silence_id  bigserial   primary key,
    clock       text        not null,   -- mashwatch.alerts.rule
    team_id     text,                   -- null: every team
    starts_at   timestamptz not null default now(),
    ends_at     timestamptz not null,
    note        text        not null,
    created_by  text        not null,   -- the OS user, or --by
    created_at  timestamptz not null default now(),
    expired_at  timestamptz,            -- `silence expire`: ended early
    expired_by  text,
    check (ends_at > starts_at)
);
create index silences_clock on mashwatch.silences (clock, ends_at)
    where expired_at is null;
