-- mash: the source contract (doc/contract.md) mapped onto the reference
-- schema cms.  mashwatch reads only these views.
--
-- Load after cms.sql, in one transaction, as the owner of cms:
--     psql -X -v ON_ERROR_STOP=1 -1 [-v reader=ROLE] -f mash.sql
-- Reloading is safe: views are replaced in place (keeping their grants) and
-- the triggers are recreated.  With -v reader=ROLE the role gets exactly
-- what the daemon needs: USAGE on the schema and SELECT on its views.  The
-- views run with their owner's rights, so the reader needs nothing in cms,
-- and a child's name, which only cms holds, stays out of its reach.
--
-- Mapping rules:
--  * instance_id / event_id is the id of the row that starts the clock or
--    is the event.  child_seen has two sources, so its ids are prefixed
--    ('referral:R1', 's47:E1') to stay unique within the clock.
--  * updated_at is the greatest updated_at of the rows the view row is
--    built from, so an update to any of them makes the row pollable again.
--    A delete of a joined row cannot raise it; the daemon's resync sees that.
--  * priority is set only where the clock has per-priority limits
--    (da_screening, strategy_discussion, child_seen); elsewhere it is null,
--    because a priority the clock does not list, though timed on its
--    default limit, is reported as a data-quality finding on every row.
--  * Rows are not filtered for sense (a stop before its start still
--    appears): judging data quality is the daemon's job.

create schema if not exists mash;

create or replace view mash.clocks as
-- contact received at the hub -> MASH decision recorded
select 'contact_decision'::text      as clock,
       c.contact_id                  as instance_id,
       c.child_id                    as child_id,
       c.team_id                     as team_id,
       c.worker_id                   as worker_id,
       null::text                    as priority,
       c.received_at                 as started_at,
       c.decision_at                 as stopped_at,
       c.updated_at                  as updated_at
  from cms.contacts c
union all
-- police domestic abuse notification received -> screened; the limit
-- depends on the police risk grading
select 'da_screening', c.contact_id, c.child_id, c.team_id, c.worker_id,
       c.risk_level, c.received_at, c.screened_at, c.updated_at
  from cms.contacts c
 where c.is_da_notification
union all
-- incident as recorded by the police -> notification received at the hub
select 'police_notification_lag', c.contact_id, c.child_id, c.team_id, c.worker_id,
       null, c.incident_at, c.received_at, c.updated_at
  from cms.contacts c
 where c.source = 'police' and c.incident_at is not null
union all
-- need for a strategy discussion identified -> discussion held
select 'strategy_discussion', s.strategy_id, s.child_id, s.team_id, s.worker_id,
       case when s.urgent then 'urgent' end, s.identified_at, s.held_at, s.updated_at
  from cms.strategy_discussions s
union all
-- discussion held -> record circulated to the attendees
select 'strategy_record', s.strategy_id, s.child_id, s.team_id, s.worker_id,
       null, s.held_at, s.record_circulated_at, s.updated_at
  from cms.strategy_discussions s
 where s.held_at is not null
union all
-- referral accepted for a social work response -> worker allocated.  A
-- referral closed before it was allocated is withdrawn, not late forever.
select 'allocation', r.referral_id, r.child_id, r.team_id, r.worker_id,
       null, r.accepted_at, r.allocated_at, r.updated_at
  from cms.referrals r
 where r.accepted_at is not null
   and (r.closed_at is null or r.allocated_at is not null)
union all
-- referral accepted -> child seen (the non-urgent route)
select 'child_seen', 'referral:' || r.referral_id, r.child_id, r.team_id, r.worker_id,
       null, r.accepted_at, r.child_seen_at, r.updated_at
  from cms.referrals r
 where r.accepted_at is not null
   and (r.closed_at is null or r.child_seen_at is not null)
union all
-- urgent s47 enquiry started -> child seen
select 'child_seen', 's47:' || e.s47_id, e.child_id, e.team_id, e.worker_id,
       'urgent', e.started_at, e.child_seen_at, e.updated_at
  from cms.s47_enquiries e
 where e.urgent
union all
-- strategy discussion that started the s47 enquiry -> initial child
-- protection conference held.  An enquiry with no held discussion still
-- needs its conference, so its clock starts with the enquiry itself (the
-- missing discussion is reported by the s47_without_strategy check).  An
-- enquiry concluded without the need for a conference is withdrawn.
select 'icpc', e.s47_id, e.child_id, e.team_id, e.worker_id,
       null, coalesce(s.held_at, e.started_at), i.held_at,
       greatest(e.updated_at, s.updated_at, i.updated_at)
  from cms.s47_enquiries e
  left join cms.strategy_discussions s on s.strategy_id = e.strategy_id
  left join cms.initial_conferences i on i.s47_id = e.s47_id
 where e.outcome is null or e.outcome = 'icpc'
union all
-- referral received -> assessment authorised, for referrals accepted for a
-- social work response (the others are never assessed)
select 'assessment', r.referral_id, r.child_id, r.team_id, r.worker_id,
       null, r.received_at, r.assessment_authorised_at, r.updated_at
  from cms.referrals r
 where r.accepted_at is not null
   and (r.closed_at is null or r.assessment_authorised_at is not null);

comment on view mash.clocks is
    'One row per timed piece of work (mashwatch doc/contract.md).';

-- source (optional in the contract, last so that a reload can add it in
-- place): who made the contact; a referral's is that of its contact.
create or replace view mash.events as
select 'contact'::text   as kind,
       c.contact_id      as event_id,
       c.child_id        as child_id,
       c.team_id         as team_id,
       c.received_at     as occurred_at,
       c.updated_at      as updated_at,
       c.source          as source
  from cms.contacts c
union all
select 'referral', r.referral_id, r.child_id, r.team_id, r.received_at,
       greatest(r.updated_at, rc.updated_at), rc.source
  from cms.referrals r
  left join cms.contacts rc on rc.contact_id = r.contact_id;

comment on view mash.events is
    'Countable events for the repeat rules: contacts and referrals.';

create or replace view mash.checks as
-- Working Together's minimum for a strategy discussion: police and health
-- present (with children's social care, who convene it).  Judged once held.
select 'strategy_attendance'::text                          as check_name,
       s.strategy_id                                        as instance_id,
       s.child_id                                           as child_id,
       s.team_id                                            as team_id,
       s.held_at                                            as occurred_at,
       s.police_attended and s.health_attended              as passed,
       case when not (s.police_attended and s.health_attended) then
           'absent: ' || concat_ws(', ',
                                   case when not s.police_attended then 'police' end,
                                   case when not s.health_attended then 'health' end)
       end                                                  as detail,
       s.updated_at                                         as updated_at
  from cms.strategy_discussions s
 where s.held_at is not null
union all
-- Every enquiry is checked, so that the report has a denominator; one whose
-- linked discussion was never held counts as started without one.
select 's47_without_strategy', e.s47_id, e.child_id, e.team_id, e.started_at,
       s.held_at is not null,
       case when s.strategy_id is null then 'no strategy discussion recorded'
            when s.held_at is null then 'strategy discussion ' || s.strategy_id || ' not held'
       end,
       greatest(e.updated_at, s.updated_at)
  from cms.s47_enquiries e
  left join cms.strategy_discussions s on s.strategy_id = e.strategy_id;

comment on view mash.checks is
    'Compliance facts: strategy_attendance and s47_without_strategy.';

-- A worker's open cases are the distinct children allocated to them on
-- referrals not yet closed.  Workers who have left are listed only while
-- they still hold cases, which then need reallocating.
create or replace view mash.caseloads as
select w.worker_id                                   as worker_id,
       w.team_id                                     as team_id,
       count(distinct r.child_id)::integer           as open_cases
  from cms.workers w
  left join cms.referrals r
         on r.worker_id = w.worker_id
        and r.allocated_at is not null
        and r.closed_at is null
 group by w.worker_id
having w.left_at is null or count(r.referral_id) > 0;

comment on view mash.caseloads is 'Open cases per worker.';

create or replace view mash.teams as
select t.team_id           as team_id,
       t.name              as name,
       t.manager_email     as manager_email,
       t.escalation_email  as escalation_email
  from cms.teams t;

comment on view mash.teams is 'Teams and where their alerts go.';

-- Wake the daemon (LISTEN mash_changed) whenever a statement changes cms.
-- Statement level, so a bulk load sends one notification, not one per row;
-- PostgreSQL also folds identical notifications within a transaction.
create or replace function cms.notify_mash_changed() returns trigger
language plpgsql as $$
begin
    perform pg_notify('mash_changed', '');
    return null;
end
$$;

do $$
declare
    t text;
begin
    foreach t in array array['teams', 'workers', 'children', 'contacts', 'referrals',
                             'strategy_discussions', 's47_enquiries', 'initial_conferences',
                             'visits', 'assessments'] loop
        execute format('drop trigger if exists notify_mash_changed on cms.%I', t);
        execute format('create trigger notify_mash_changed '
                       'after insert or update or delete or truncate on cms.%I '
                       'for each statement execute function cms.notify_mash_changed()', t);
    end loop;
end
$$;

\if :{?reader}
grant usage on schema mash to :"reader";
grant select on all tables in schema mash to :"reader";
\endif
