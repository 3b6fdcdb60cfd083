-- The SSD tables mashwatch's mapping (etc/sql/ssd.sql) reads, as PostgreSQL
-- DDL in the shape of the SSD's PostgreSQL (OLM Eclipse) build, v1.4.x:
-- the test fixture's copy (tests/integration/test_ssd.py loads it into a schema).
-- Only the columns a mapping may need are listed; real builds carry more.
-- Create in a schema of the site's choice, e.g.:  SET search_path = ssd;

CREATE TABLE ssd_person (
    pers_person_id          varchar(48) PRIMARY KEY,  -- the CMS person id: use as child_id
    pers_legacy_id          varchar(48),
    pers_forename           varchar(300),             -- names exist in the SSD: never copy them
    pers_surname            varchar(300),
    pers_dob                timestamp,
    pers_sex                varchar(20)
);

CREATE TABLE ssd_contacts (
    cont_contact_id             varchar(48) PRIMARY KEY,
    cont_person_id              varchar(48),
    cont_contact_date           timestamp,               -- date contact received into the LA
    cont_contact_source_code    varchar(48),             -- local codes, not the CIN 1A-10 codes
    cont_contact_source_desc    varchar(255),
    cont_contact_outcome_json   varchar(4000)            -- flags; NULL on Eclipse; text list on Mosaic
);

CREATE TABLE ssd_cin_episodes (                          -- referrals
    cine_referral_id            varchar(48) PRIMARY KEY,
    cine_person_id              varchar(48),
    cine_referral_date          timestamp,
    cine_cin_primary_need_code  varchar(3),
    cine_referral_source_code   varchar(48),
    cine_referral_source_desc   varchar(255),
    cine_referral_outcome_json  varchar(4000),           -- keys X_FLAG or OUTCOME_X_FLAG
    cine_referral_nfa           char(1),
    cine_close_reason           varchar(100),
    cine_close_date             timestamp,
    cine_referral_team          varchar(48),             -- -> ssd_department.dept_team_id
    cine_referral_worker_id     varchar(100)             -- unreliable (a name in one build)
);

CREATE TABLE ssd_cin_assessments (
    cina_assessment_id          varchar(48) PRIMARY KEY,
    cina_person_id              varchar(48),
    cina_referral_id            varchar(48),             -- -> ssd_cin_episodes
    cina_assessment_start_date  timestamp,
    cina_assessment_child_seen  char(1),                 -- Y/N, no date
    cina_assessment_auth_date   timestamp,               -- completed and authorised
    cina_assessment_outcome_json varchar(1000),
    cina_assessment_outcome_nfa char(1),
    cina_assessment_team        varchar(48),
    cina_assessment_worker_id   varchar(100)
);

CREATE TABLE ssd_s47_enquiry (
    s47e_s47_enquiry_id         varchar(48) PRIMARY KEY,
    s47e_referral_id            varchar(48),
    s47e_person_id              varchar(48),
    s47e_s47_start_date         timestamp,   -- date of the strategy discussion that initiated the s47
    s47e_s47_end_date           timestamp,   -- completed and authorised
    s47e_s47_nfa                char(1),
    s47e_s47_outcome_json       varchar(1000),           -- ICPC wanted: CP_CONFERENCE_FLAG / OUTCOME_CP_CONFERENCE_FLAG
    s47e_s47_completed_by_team  varchar(48),
    s47e_s47_completed_by_worker_id varchar(100)
);

CREATE TABLE ssd_initial_cp_conference (
    icpc_icpc_id                varchar(48) PRIMARY KEY,
    icpc_icpc_meeting_id        varchar(48),
    icpc_s47_enquiry_id         varchar(48),             -- -> ssd_s47_enquiry; NULL when unknown
    icpc_person_id              varchar(48),
    icpc_cp_plan_id             varchar(48),
    icpc_referral_id            varchar(48),
    icpc_icpc_transfer_in       char(1),                 -- Y: transfer-in conference, not timed
    icpc_icpc_target_date       timestamp,               -- the CMS's own 15-working-day target
    icpc_icpc_date              timestamp,               -- conference held; NULL while pending
    icpc_icpc_outcome_cp_flag   char(1),
    icpc_icpc_outcome_json      varchar(1000),
    icpc_icpc_team              varchar(48),
    icpc_icpc_worker_id         varchar(100)
);

CREATE TABLE ssd_cin_visits (
    cinv_cin_visit_id           varchar(48) PRIMARY KEY,
    cinv_person_id              varchar(48),             -- absent in the Mosaic warehouse build
    cinv_cin_visit_date         timestamp,
    cinv_cin_visit_seen         char(1),
    cinv_cin_visit_seen_alone   char(1),
    cinv_cin_visit_bedroom      char(1)
);

CREATE TABLE ssd_professionals (
    prof_professional_id        varchar(48) PRIMARY KEY,
    prof_staff_id               varchar(48),
    prof_professional_name      varchar(300),            -- a name: never copy it
    prof_social_worker_registration_no varchar(48),
    prof_professional_job_title varchar(500),
    prof_professional_caseload  integer,                 -- a 30 September snapshot: not live
    prof_professional_department varchar(100),
    prof_full_time_equivalency  double precision
);

CREATE TABLE ssd_involvements (                          -- the one reliable worker join
    invo_involvements_id        varchar(48) PRIMARY KEY,
    invo_professional_id        varchar(48),             -- -> ssd_professionals
    invo_professional_role_id   varchar(200),            -- CMS-specific codes (e.g. 'CW', 'AW'): a site setting
    invo_professional_team      varchar(48),             -- -> ssd_department
    invo_person_id              varchar(48),             -- absent in the Mosaic warehouse build
    invo_involvement_start_date timestamp,
    invo_involvement_end_date   timestamp,
    invo_worker_change_reason   varchar(200),
    invo_referral_id            varchar(48)
);

CREATE TABLE ssd_department (
    dept_team_id                varchar(48) PRIMARY KEY,
    dept_team_name              varchar(255),
    dept_team_parent_id         varchar(48),
    dept_team_parent_name       varchar(255)
);
