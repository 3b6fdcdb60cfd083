-- cms: the project's reference case-management schema.  It stands in for a
-- local authority's real system in the demo and the tests; mashwatch never
-- reads it directly, only through the mapping in mash.sql.
--
-- Load with:  psql -X -v ON_ERROR_STOP=1 -1 -f cms.sql -f mash.sql
--
-- Reloading starts from an empty schema (this is test and demo data, never a
-- site's records).  The drop cascades to the mash views, so load mash.sql
-- again after this file.
--
-- Conventions:
--  * Keys are text case references ('C1', 'P1'), as the systems we map from
--    show them to staff; the mapping passes them through unchanged.
--  * Every table has updated_at, set to now() on insert and by a trigger on
--    update, and an index on it: mashwatch polls the mash views
--    incrementally by updated_at.  now() (the transaction's start) rather
--    than clock_timestamp() so that every row written by one transaction
--    carries the same stamp; either way the stamp precedes the commit, so a
--    poller must re-read a little behind its watermark, and clock_timestamp()
--    would not remove that need.
--  * Deletes are real deletes.  A row that disappears from a view is noticed
--    by the daemon's periodic full resync, not by the incremental poll.
--  * No check that a stop follows its start: real data gets that wrong, and
--    judging it (state 'invalid') is the daemon's job, not the schema's.

drop schema if exists cms cascade;
create schema cms;

create function cms.set_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end
$$;

create table cms.teams (
    team_id          text        primary key,
    name             text        not null,
    manager_email    text,
    escalation_email text,
    updated_at       timestamptz not null default now()
);

create table cms.workers (
    worker_id   text        primary key,
    team_id     text        references cms.teams,
    name        text        not null,
    email       text,
    left_at     timestamptz,            -- no longer in post; still listed while holding cases
    updated_at  timestamptz not null default now()
);
create index workers_team on cms.workers (team_id);

-- A child's record.  The name is here because real systems have it; the
-- mash views must never expose it (tests/integration/test_views.py checks).
create table cms.children (
    child_id       text        primary key,
    name           text,
    date_of_birth  date,
    updated_at     timestamptz not null default now()
);

-- Every contact received at the front door, including police domestic abuse
-- notifications (PPNs), which carry the incident time and the police's
-- DASH risk grading.
create table cms.contacts (
    contact_id          text        primary key,
    child_id            text        not null references cms.children,
    team_id             text        references cms.teams,
    worker_id           text        references cms.workers,
    received_at         timestamptz not null,
    source              text        not null,   -- 'police', 'health', 'school', 'family', ...
    decision_at         timestamptz,            -- MASH decision recorded
    decision            text,                   -- 'no_further_action', 'early_help', 'referral', ...
    is_da_notification  boolean     not null default false,
    incident_at         timestamptz,            -- as recorded by the police
    risk_level          text        check (risk_level in ('high', 'medium', 'standard')),
    screened_at         timestamptz,            -- DA notification screened and decided
    updated_at          timestamptz not null default now(),
    check (not is_da_notification or source = 'police'),
    check (not is_da_notification or risk_level is not null),
    check (risk_level is null or is_da_notification)
);
create index contacts_child on cms.contacts (child_id);
create index contacts_received on cms.contacts (received_at);

-- A referral for a social work response.  The dates the clocks need (first
-- seen, assessment authorised) live on the episode, as in most systems.
create table cms.referrals (
    referral_id               text        primary key,
    contact_id                text        references cms.contacts,
    child_id                  text        not null references cms.children,
    team_id                   text        references cms.teams,
    worker_id                 text        references cms.workers,
    received_at               timestamptz not null,
    urgent                    boolean     not null default false,
    accepted_at               timestamptz,    -- accepted for a social work response
    allocated_at              timestamptz,    -- worker_id allocated
    child_seen_at             timestamptz,
    assessment_authorised_at  timestamptz,
    closed_at                 timestamptz,
    updated_at                timestamptz not null default now()
);
create index referrals_child on cms.referrals (child_id, received_at);
create index referrals_worker on cms.referrals (worker_id) where closed_at is null;
create index referrals_contact on cms.referrals (contact_id);

create table cms.strategy_discussions (
    strategy_id           text        primary key,
    referral_id           text        references cms.referrals,
    child_id              text        not null references cms.children,
    team_id               text        references cms.teams,
    worker_id             text        references cms.workers,
    identified_at         timestamptz not null,   -- need for a discussion identified
    urgent                boolean     not null default false,
    held_at               timestamptz,
    record_circulated_at  timestamptz,
    police_attended       boolean     not null default false,
    health_attended       boolean     not null default false,
    education_attended    boolean     not null default false,
    updated_at            timestamptz not null default now()
);
create index strategy_discussions_child on cms.strategy_discussions (child_id);
create index strategy_discussions_referral on cms.strategy_discussions (referral_id);

-- Section 47 enquiries.  strategy_id is null when an enquiry was started
-- without a strategy discussion, which the mapping reports as a failed check.
-- outcome stays null while the enquiry is open; only 'icpc' (or no outcome
-- yet) keeps the conference clock running.
create table cms.s47_enquiries (
    s47_id         text        primary key,
    strategy_id    text        references cms.strategy_discussions,
    referral_id    text        references cms.referrals,
    child_id       text        not null references cms.children,
    team_id        text        references cms.teams,
    worker_id      text        references cms.workers,
    started_at     timestamptz not null,
    urgent         boolean     not null default false,
    child_seen_at  timestamptz,
    completed_at   timestamptz,
    outcome        text        check (outcome in ('no_further_action', 'child_in_need', 'icpc')),
    updated_at     timestamptz not null default now()
);
create index s47_enquiries_strategy on cms.s47_enquiries (strategy_id);
create index s47_enquiries_child on cms.s47_enquiries (child_id);

-- Initial child protection conferences: at most one per enquiry.
create table cms.initial_conferences (
    conference_id  text        primary key,
    s47_id         text        not null unique references cms.s47_enquiries,
    scheduled_for  timestamptz,
    held_at        timestamptz,
    updated_at     timestamptz not null default now()
);

-- Detail records of visits and assessments.  The mapping does not read
-- them: the dates the clocks need are the summary columns on referrals and
-- s47_enquiries.  They exist so that the demo looks like a real system.
create table cms.visits (
    visit_id     text        primary key,
    child_id     text        not null references cms.children,
    worker_id    text        references cms.workers,
    referral_id  text        references cms.referrals,
    s47_id       text        references cms.s47_enquiries,
    visited_at   timestamptz not null,
    child_seen   boolean     not null default true,
    seen_alone   boolean,
    updated_at   timestamptz not null default now()
);
create index visits_child on cms.visits (child_id, visited_at);

create table cms.assessments (
    assessment_id  text        primary key,
    referral_id    text        not null references cms.referrals,
    child_id       text        not null references cms.children,
    worker_id      text        references cms.workers,
    started_at     timestamptz not null,
    completed_at   timestamptz,
    authorised_at  timestamptz,
    updated_at     timestamptz not null default now()
);
create index assessments_referral on cms.assessments (referral_id);

-- One updated_at trigger and one polling index per table.
do $$
declare
    t text;
begin
    foreach t in array array['teams', 'workers', 'children', 'contacts', 'referrals',
                             'strategy_discussions', 's47_enquiries', 'initial_conferences',
                             'visits', 'assessments'] loop
        execute format('create trigger set_updated_at before update on cms.%I '
                       'for each row execute function cms.set_updated_at()', t);
        execute format('create index %I on cms.%I (updated_at)', t || '_updated_at', t);
    end loop;
end
$$;
