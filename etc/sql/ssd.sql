-- ssd.sql: the mash views (doc/contract.md) over the Standard Safeguarding
-- Dataset (SSD) of Data to Insight, PostgreSQL build.  What each clock is
-- built from, and what the SSD cannot give, is in etc/sql/ssd.md.
--
-- Load in one transaction, as a role that can read the SSD tables:
--     psql -X -v ON_ERROR_STOP=1 -v ssd_schema=ssd -1 -f ssd.sql
-- Optional psql variables:
--     ssd_schema=NAME      the schema holding the ssd_* tables (default ssd)
--     ssd_timezone=ZONE    the zone of the SSD's local times (default Europe/London)
--     reader=ROLE          the role mashwatch connects as: USAGE on mash,
--                          SELECT on its views, and nothing in the SSD
-- Reloading is safe: the views are replaced in place, the settings kept.
--
-- After each refresh of the SSD, the refresh job runs
--     select mash_ssd.mark_loaded();
-- The SSD has no change timestamps: every mash row's updated_at is the time
-- of the last mark_loaded(), so the daemon's next poll reads the new load,
-- and the NOTIFY it sends wakes the daemon at once.
--
-- Site settings (mash_ssd.settings, one row), kept across reloads:
--     allocated_roles   involvement role codes that mean "the allocated
--                       worker" (default CW and AW); for example
--                       update mash_ssd.settings set allocated_roles = '{CW,AW,SW}';
--
-- Names (pers_forename, pers_surname, prof_professional_name) are never
-- read: nothing here can put a name into mash.*.

\if :{?ssd_schema}
\else
\set ssd_schema ssd
\endif
\if :{?ssd_timezone}
\else
\set ssd_timezone Europe/London
\endif

create schema if not exists mash;
create schema if not exists mash_ssd;

create table if not exists mash_ssd.settings (
    one              boolean primary key default true check (one),
    allocated_roles  text[]  not null default '{CW,AW}'
);
insert into mash_ssd.settings default values on conflict do nothing;

-- The load marker: updated_at of every mash row.
create table if not exists mash_ssd.load_marker (
    one        boolean     primary key default true check (one),
    loaded_at  timestamptz not null default now()
);
insert into mash_ssd.load_marker default values on conflict do nothing;

create or replace function mash_ssd.mark_loaded() returns timestamptz
language sql volatile as $$
    update mash_ssd.load_marker set loaded_at = clock_timestamp();
    select pg_notify('mash_changed', '');
    select loaded_at from mash_ssd.load_marker;
$$;

-- A yes/no value as the builds write it: Y/N, Yes/No, 1/0, true/false,
-- T/F, JSON true/false; anything else is NULL (unknown).
create or replace function mash_ssd.flag(v text) returns boolean
language sql immutable as $$
    select case upper(btrim(v, ' "'''))
               when 'Y' then true when 'YES' then true when '1' then true
               when 'TRUE' then true when 'T' then true
               when 'N' then false when 'NO' then false when '0' then false
               when 'FALSE' then false when 'F' then false
           end
$$;

-- One flag of an outcome document, whatever the build wrote: JSON with the
-- key as KEY or OUTCOME_KEY (any case); a comma or semicolon separated list
-- (Mosaic) where KEY or OUTCOME_KEY present means true, or KEY=value;
-- JSON that does not parse (legacy comments) is searched as text.  NULL
-- when the document does not say.  Never raises: a view must not fail
-- because one row holds garbage.
create or replace function mash_ssd.outcome_flag(doc text, key text)
returns boolean language plpgsql immutable as $$
declare
    j     jsonb;
    k     text;
    item  text;
    m     text[];
begin
    if doc is null or btrim(doc) = '' then
        return null;
    end if;
    if left(btrim(doc), 1) = '{' then
        begin
            j := doc::jsonb;
        exception when others then
            j := null;
        end;
        if j is not null and jsonb_typeof(j) = 'object' then
            for k in select jk from jsonb_object_keys(j) jk loop
                if upper(k) in (upper(key), 'OUTCOME_' || upper(key)) then
                    return mash_ssd.flag(j ->> k);
                end if;
            end loop;
            return null;
        end if;
        -- Not JSON after all: find "KEY": value in the text.
        m := regexp_match(doc, '"?(?:OUTCOME_)?' || upper(key)
                               || '"?\s*:\s*"?([A-Za-z0-9]+)', 'i');
        return mash_ssd.flag(m[1]);
    end if;
    foreach item in array regexp_split_to_array(doc, '[,;|]') loop
        item := upper(btrim(item));
        if item in (upper(key), 'OUTCOME_' || upper(key)) then
            return true;
        end if;
        m := regexp_match(item, '^(?:OUTCOME_)?' || upper(key) || '\s*[=:]\s*(.+)$');
        if m is not null then
            return mash_ssd.flag(m[1]);
        end if;
    end loop;
    return null;
exception when others then
    return null;
end
$$;

-- An SSD local time as an instant.
create or replace function mash_ssd.instant(t timestamp, zone text)
returns timestamptz language sql immutable as $$
    select t at time zone zone
$$;

-- A stop that may be a date only, on or after a start: a stop on the
-- start's own day but before its time (a date-only visit after a 10:00
-- referral) counts as the start's instant, not as a stop before the start.
-- NULL while there is no stop.
create or replace function mash_ssd.stop(stop timestamp, start timestamp, zone text)
returns timestamptz language sql immutable as $$
    select case when stop is not null then greatest(stop, start) at time zone zone end
$$;

create or replace view mash.clocks as
with marker as (select loaded_at from mash_ssd.load_marker),
roles as (select allocated_roles from mash_ssd.settings),
-- Referrals that call for a social work response: not NFA'd at referral.
referrals as (
    select r.*
      from :"ssd_schema".ssd_cin_episodes r
     where mash_ssd.flag(r.cine_referral_nfa) is not true
)
-- strategy discussion that started the s47 enquiry -> initial child
-- protection conference held.  The conference is the one linked to the
-- enquiry, else (link unknown) the person's first unlinked one on or after
-- the enquiry's start day; transfer-in conferences are never timed.  An
-- enquiry that ended without a conference wanted (NFA, or the conference
-- flag not set) and had none is withdrawn.
select 'icpc'::text                                         as clock,
       e.s47e_s47_enquiry_id::text                          as instance_id,
       e.s47e_person_id::text                               as child_id,
       e.s47e_s47_completed_by_team::text                   as team_id,
       null::text                                           as worker_id,
       null::text                                           as priority,
       mash_ssd.instant(e.s47e_s47_start_date, :'ssd_timezone') as started_at,
       mash_ssd.stop(i.icpc_icpc_date, e.s47e_s47_start_date,
                     :'ssd_timezone')                       as stopped_at,
       (select loaded_at from marker)                       as updated_at
  from :"ssd_schema".ssd_s47_enquiry e
  left join lateral (
        select c.icpc_icpc_date
          from :"ssd_schema".ssd_initial_cp_conference c
         where mash_ssd.flag(c.icpc_icpc_transfer_in) is not true
           and (c.icpc_s47_enquiry_id = e.s47e_s47_enquiry_id
                or (c.icpc_s47_enquiry_id is null
                    and c.icpc_person_id = e.s47e_person_id
                    and coalesce(c.icpc_icpc_date, c.icpc_icpc_target_date)
                        >= date_trunc('day', e.s47e_s47_start_date)))
         order by (c.icpc_s47_enquiry_id is null), c.icpc_icpc_date nulls last
         limit 1) i on true
 where i.icpc_icpc_date is not null
    or e.s47e_s47_end_date is null
    or (mash_ssd.flag(e.s47e_s47_nfa) is not true
        and mash_ssd.outcome_flag(e.s47e_s47_outcome_json, 'CP_CONFERENCE_FLAG'))
union all
-- referral received -> assessment authorised, for each assessment the SSD
-- holds (Liquidlogic keeps open ones; Eclipse only completed ones).  An
-- assessment whose referral closed before it was authorised is withdrawn.
select 'assessment', a.cina_assessment_id, a.cina_person_id, a.cina_assessment_team,
       null, null,
       mash_ssd.instant(r.cine_referral_date, :'ssd_timezone'),
       mash_ssd.instant(a.cina_assessment_auth_date, :'ssd_timezone'),
       (select loaded_at from marker)
  from :"ssd_schema".ssd_cin_assessments a
  left join :"ssd_schema".ssd_cin_episodes r on r.cine_referral_id = a.cina_referral_id
 where a.cina_assessment_auth_date is not null
    or r.cine_close_date is null
union all
-- referral received -> the first allocated-worker involvement for the
-- referral or the person on or after its day (or one already open then).
-- A referral closed before allocation is withdrawn.
select 'allocation', r.cine_referral_id, r.cine_person_id, r.cine_referral_team,
       w.invo_professional_id, null,
       mash_ssd.instant(r.cine_referral_date, :'ssd_timezone'),
       mash_ssd.stop(w.invo_involvement_start_date, r.cine_referral_date,
                     :'ssd_timezone'),
       (select loaded_at from marker)
  from referrals r
  left join lateral (
        select v.invo_professional_id, v.invo_involvement_start_date
          from :"ssd_schema".ssd_involvements v
         where btrim(v.invo_professional_role_id) = any (select unnest(allocated_roles) from roles)
           and (v.invo_referral_id = r.cine_referral_id
                or v.invo_person_id = r.cine_person_id)
           and (v.invo_involvement_start_date >= date_trunc('day', r.cine_referral_date)
                or v.invo_involvement_end_date is null
                or v.invo_involvement_end_date >= r.cine_referral_date)
         order by v.invo_involvement_start_date
         limit 1) w on true
 where w.invo_involvement_start_date is not null
    or r.cine_close_date is null
union all
-- referral received -> child seen on a visit (a proxy: the SSD's visits
-- are the only dated "seen").  Closed without a recorded visit: withdrawn.
select 'child_seen', 'referral:' || r.cine_referral_id, r.cine_person_id,
       r.cine_referral_team, null, null,
       mash_ssd.instant(r.cine_referral_date, :'ssd_timezone'),
       mash_ssd.stop(s.seen, r.cine_referral_date, :'ssd_timezone'),
       (select loaded_at from marker)
  from referrals r
  left join lateral (
        select min(v.cinv_cin_visit_date) as seen
          from :"ssd_schema".ssd_cin_visits v
         where v.cinv_person_id = r.cine_person_id
           and mash_ssd.flag(v.cinv_cin_visit_seen)
           and v.cinv_cin_visit_date >= date_trunc('day', r.cine_referral_date)) s on true
 where s.seen is not null or r.cine_close_date is null
union all
-- s47 enquiry started (urgent: 24 hours) -> child seen on a visit.
select 'child_seen', 's47:' || e.s47e_s47_enquiry_id, e.s47e_person_id,
       e.s47e_s47_completed_by_team, null, 'urgent',
       mash_ssd.instant(e.s47e_s47_start_date, :'ssd_timezone'),
       mash_ssd.stop(s.seen, e.s47e_s47_start_date, :'ssd_timezone'),
       (select loaded_at from marker)
  from :"ssd_schema".ssd_s47_enquiry e
  left join lateral (
        select min(v.cinv_cin_visit_date) as seen
          from :"ssd_schema".ssd_cin_visits v
         where v.cinv_person_id = e.s47e_person_id
           and mash_ssd.flag(v.cinv_cin_visit_seen)
           and v.cinv_cin_visit_date >= date_trunc('day', e.s47e_s47_start_date)) s on true
 where s.seen is not null or e.s47e_s47_end_date is null;

comment on view mash.clocks is
    'One row per timed piece of work, from the SSD (etc/sql/ssd.md).';

create or replace view mash.events as
select 'contact'::text                                      as kind,
       c.cont_contact_id::text                              as event_id,
       c.cont_person_id::text                               as child_id,
       null::text                                           as team_id,
       mash_ssd.instant(c.cont_contact_date, :'ssd_timezone') as occurred_at,
       (select loaded_at from mash_ssd.load_marker)         as updated_at,
       nullif(btrim(c.cont_contact_source_code), '')::text  as source
  from :"ssd_schema".ssd_contacts c
union all
select 'referral', r.cine_referral_id, r.cine_person_id, r.cine_referral_team,
       mash_ssd.instant(r.cine_referral_date, :'ssd_timezone'),
       (select loaded_at from mash_ssd.load_marker),
       nullif(btrim(r.cine_referral_source_code), '')::text
  from :"ssd_schema".ssd_cin_episodes r;

comment on view mash.events is
    'Contacts and referrals from the SSD, for repeat contacts and re-referrals.';

-- The SSD records no strategy discussion: no check can be derived.
create or replace view mash.checks as
select null::text as check_name, null::text as instance_id, null::text as child_id,
       null::text as team_id, null::timestamptz as occurred_at,
       null::boolean as passed, null::text as detail, null::timestamptz as updated_at
 where false;

comment on view mash.checks is 'No checks: the SSD has no strategy discussions.';

-- Live caseloads: distinct children on each professional's open
-- allocated-worker involvements (prof_professional_caseload is a
-- 30 September snapshot, not live).
create or replace view mash.caseloads as
select v.invo_professional_id::text                         as worker_id,
       max(v.invo_professional_team)::text                  as team_id,
       count(distinct v.invo_person_id)::integer            as open_cases
  from :"ssd_schema".ssd_involvements v
 where btrim(v.invo_professional_role_id) = any (select unnest(allocated_roles) from mash_ssd.settings)
   and v.invo_professional_id is not null
   and v.invo_involvement_start_date <= (now() at time zone :'ssd_timezone')
   and (v.invo_involvement_end_date is null
        or v.invo_involvement_end_date > (now() at time zone :'ssd_timezone'))
 group by v.invo_professional_id;

comment on view mash.caseloads is 'Open allocated-worker involvements per professional.';

-- Teams from the departments.  The SSD has no e-mail columns: addresses
-- come from the config's routes.teams.
create or replace view mash.teams as
select d.dept_team_id::text    as team_id,
       d.dept_team_name::text  as name,
       null::text              as manager_email,
       null::text              as escalation_email
  from :"ssd_schema".ssd_department d;

comment on view mash.teams is 'Teams from ssd_department; addresses from the config.';

\if :{?reader}
grant usage on schema mash to :"reader";
grant select on all tables in schema mash to :"reader";
grant usage on schema mash_ssd to :"reader";
\endif
