-- mashwatch state, migration 9: go-live, and the backlog it found.
-- sends no report or pack for a period whose scheduled run came before it
-- (mashwatchctl report --send by hand still does), and the alerts of the
-- first full pass are flagged as the backlog found at go-live.
create table mashwatch.golive (
    id            int         primary key default 1 check (id = 1),
    went_live_at  timestamptz not null,
    holder        text        not null       -- the leader that went live
);

-- A state database that has run before this migration went live then:
-- the earliest trace it kept.
insert into mashwatch.golive (went_live_at, holder)
select t, 'migration 9' from (
    select least((select min(created_at) from mashwatch.alerts),
                 (select min(claimed_at) from mashwatch.reports),
                 (select min(claimed_at) from mashwatch.report_packs),
                 (select min(role_since) from mashwatch.daemons),
                 (select min(last_full_at) from mashwatch.sync)) as t) x
where t is not null;

alter table mashwatch.notifications add column backlog boolean not null default false;
