-- mashwatch state, migration 13: the daily forecast emails, one row per
-- working day, clock and team, so that each goes out once whatever
-- restarts or standby takeovers happen (mashwatch.conf(5), forecast.at).
--
-- Claim, then send, as for mashwatch.reports: a sender inserts the row
-- (the primary key lets exactly one in) or takes over a claim left unsent
-- for longer than the claim timeout; only the holder sends, then stamps
-- sent_at.  team is '' for clocks without a team and '*' for the one email
-- of a clock to routes.forecast.
create table mashwatch.forecasts (
    on_date     date        not null,  -- the local working day it is for
    clock       text        not null,
    team        text        not null,
    claimed_by  text        not null,  -- host:pid:random of the sender
    claimed_at  timestamptz not null default now(),
    sent_at     timestamptz,
    message_id  text,
    recipients  text[],
    due_next    integer,
    projected   integer,
    primary key (on_date, clock, team)
);
