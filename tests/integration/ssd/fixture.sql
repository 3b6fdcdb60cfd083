-- A small SSD extract in the shape a front door produces, for the mapping's
-- tests (tests/integration/test_ssd.py).  Local times without zone, many of
-- them dates only; outcome documents from each build (Eclipse OUTCOME_ keys,
-- Liquidlogic keys with 1/Y flags, Mosaic's text list, legacy JSON that does
-- not parse); names in ssd_person and ssd_professionals that must never
-- reach mash.*.  Load after ssd_core.sql with search_path set to the schema.
-- The tests evaluate it as of Wednesday 11 May 2022, 12:00 BST; Good Friday
-- (15 April), Easter Monday (18 April) and 2 May 2022 are bank holidays.

insert into ssd_department values
    ('T_MASH', 'MASH', 'T_FD', 'Front door'),
    ('T_AS1', 'Assessment Team 1', 'T_FD', 'Front door');

insert into ssd_person (pers_person_id, pers_legacy_id, pers_forename, pers_surname, pers_dob, pers_sex) values
    ('P01', 'L01', 'Amelia', 'Zzyzxbottom', '2014-02-01', 'F'),
    ('P02', 'L02', 'Benjamin', 'Quuxworthy', '2016-06-12', 'M'),
    ('P03', 'L03', 'Chloe', 'Vexingham', '2011-09-30', 'F'),
    ('P04', 'L04', 'Daniel', 'Wobblethorpe', '2019-01-05', 'M'),
    ('P05', 'L05', 'Evie', 'Frobisham', '2012-12-12', 'F'),
    ('P06', 'L06', 'Freddie', 'Grumbleton', '2015-03-03', 'M'),
    ('P07', 'L07', 'Grace', 'Hubbleworth', '2018-07-21', 'F'),
    ('P08', 'L08', 'Harry', 'Inkerbridge', '2013-11-11', 'M'),
    ('P09', 'L09', 'Isla', 'Jollyfoot', '2017-04-04', 'F'),
    ('P10', 'L10', 'Jack', 'Kettlewhistle', '2010-10-10', 'M'),
    ('P11', 'L11', 'Katie', 'Lumpkinshaw', '2020-02-20', 'F'),
    ('P12', 'L12', 'Leo', 'Mumblesworth', '2012-05-15', 'M');

insert into ssd_professionals values
    ('W1', 'S1', 'Nadia Prunesquallor', 'SW123', 'Social Worker', 17, 'T_AS1', 1.0),
    ('W2', 'S2', 'Oswald Quibbleford', 'SW456', 'Team Manager', 0, 'T_AS1', 1.0);

-- P01 is contacted three times in April (a repeat contact) and referred
-- twice (a re-referral).  Contact outcomes in three builds' shapes.
insert into ssd_contacts values
    ('C1', 'P01', '2022-04-01 09:15', 'SCH', 'School', '{"OUTCOME_NFA_FLAG":"Y"}'),
    ('C2', 'P01', '2022-04-02', 'POL', 'Police', NULL),
    ('C3', 'P01', '2022-04-03 17:40', 'HLT', 'Health', 'REFERRAL, ADVICE'),
    ('C4', 'P02', '2022-05-09 09:00', 'SCH', 'School', '{"CP_CONFERENCE_FLAG": true}'),
    ('C5', 'P03', '2022-05-10', 'FAM', 'Family', 'not json at all {');

insert into ssd_cin_episodes (cine_referral_id, cine_person_id, cine_referral_date,
        cine_referral_nfa, cine_close_date, cine_referral_team, cine_referral_worker_id,
        cine_referral_outcome_json) values
    -- allocated the next day: met
    ('R1', 'P01', '2022-04-04', 'N', NULL, 'T_AS1', 'Nadia Prunesquallor', '{"OUTCOME_SINGLE_ASSESSMENT_FLAG":"Y"}'),
    -- never allocated, due end of Tuesday 10 May: overdue
    ('R2', 'P02', '2022-05-09 09:30', 'N', NULL, 'T_MASH', NULL, NULL),
    -- received yesterday afternoon: due end of today, on time
    ('R3', 'P03', '2022-05-10 14:00', 'N', NULL, 'T_MASH', NULL, NULL),
    -- NFA at referral: nothing to time
    ('R4', 'P04', '2022-05-10 11:00', 'Y', '2022-05-10', 'T_MASH', NULL, NULL),
    -- closed before allocation: withdrawn
    ('R5', 'P05', '2022-04-20', 'N', '2022-04-22', 'T_MASH', NULL, NULL),
    -- a team manager's involvement first (not an allocated-worker role),
    -- the allocated worker three days later: late
    ('R6', 'P06', '2022-05-03', '0', NULL, 'T_AS1', NULL, NULL),
    -- P01 again within 12 months, NFA'd: a re-referral, nothing to time
    ('R7', 'P01', '2022-05-05 10:00', 'Y', '2022-05-06', 'T_MASH', NULL, NULL);

insert into ssd_involvements values
    ('I1', 'W1', 'CW', 'T_AS1', 'P01', '2022-04-05', NULL, NULL, 'R1'),
    ('I2', 'W2', 'TM', 'T_AS1', 'P06', '2022-05-03', NULL, NULL, 'R6'),
    ('I3', 'W1', 'AW', 'T_AS1', 'P06', '2022-05-06', NULL, NULL, NULL),
    -- an ended involvement of P03's from years ago allocates nothing now
    ('I4', 'W1', 'CW', 'T_AS1', 'P03', '2019-01-01', '2019-06-01', 'Case closed', NULL);

insert into ssd_cin_assessments (cina_assessment_id, cina_person_id, cina_referral_id,
        cina_assessment_start_date, cina_assessment_child_seen, cina_assessment_auth_date,
        cina_assessment_team, cina_assessment_worker_id) values
    ('A1', 'P01', 'R1', '2022-04-05', 'Y', '2022-05-09', 'T_AS1', 'W1'),
    ('A2', 'P02', 'R2', '2022-05-09', 'N', NULL, 'T_MASH', NULL),
    ('A3', 'P05', 'R5', '2022-04-21', 'N', NULL, 'T_MASH', NULL),
    -- its referral is not in the extract: no start, a data-quality finding
    ('A4', 'P03', 'RX', '2022-05-01', 'N', NULL, 'T_MASH', NULL);

insert into ssd_s47_enquiry (s47e_s47_enquiry_id, s47e_referral_id, s47e_person_id,
        s47e_s47_start_date, s47e_s47_end_date, s47e_s47_nfa, s47e_s47_outcome_json,
        s47e_s47_completed_by_team, s47e_s47_completed_by_worker_id) values
    -- Eclipse keys; conference pending
    ('E1', NULL, 'P07', '2022-05-10 10:00', '2022-05-10', 'N', '{"OUTCOME_CP_CONFERENCE_FLAG":"Y"}', 'T_AS1', NULL),
    -- Liquidlogic keys; conference held a day late
    ('E2', NULL, 'P08', '2022-04-11', '2022-04-20', 'N', '{"CP_CONFERENCE_FLAG":"1","NFA_FLAG":"0"}', 'T_AS1', NULL),
    -- NFA, no conference: withdrawn
    ('E3', NULL, 'P09', '2022-04-25', '2022-04-28', 'Y', NULL, 'T_AS1', NULL),
    -- Mosaic's text list; conference never held: overdue
    ('E4', NULL, 'P10', '2022-04-14', '2022-04-27', 'N', 'STRATEGY_DISCUSSION, CP_CONFERENCE_FLAG', 'T_AS1', NULL),
    -- legacy JSON that does not parse, flag N: no conference wanted
    ('E5', NULL, 'P11', '2022-04-19', '2022-04-22', 'N', '{"CP_CONFERENCE_FLAG": "N" /* legacy */}', 'T_AS1', NULL),
    -- legacy JSON that does not parse, flag Yes; still open
    ('E6', NULL, 'P12', '2022-05-04', NULL, 'N', '{CP_CONFERENCE_FLAG: Yes, // to chase}', 'T_AS1', NULL);

insert into ssd_initial_cp_conference (icpc_icpc_id, icpc_icpc_meeting_id, icpc_s47_enquiry_id,
        icpc_person_id, icpc_icpc_transfer_in, icpc_icpc_target_date, icpc_icpc_date,
        icpc_icpc_team) values
    ('K1', 'M1', 'E1', 'P07', 'N', '2022-05-31', NULL, 'T_AS1'),
    -- linked by person only (enquiry id unknown)
    ('K2', 'M2', NULL, 'P08', 'N', '2022-05-05', '2022-05-06', 'T_AS1'),
    -- a transfer-in conference for P12 is never the stop
    ('K3', 'M3', 'E6', 'P12', 'Y', NULL, '2022-05-05', 'T_AS1');

insert into ssd_cin_visits values
    ('V1', 'P02', '2022-05-10', 'y', 'N', 'N'),
    ('V2', 'P03', '2022-05-10', 'N', 'N', 'N'),
    ('V3', 'P07', '2022-05-10 15:00', 't', 'Y', 'N'),
    ('V4', 'P08', '2022-04-11 16:00', 'T', 'N', 'N'),
    ('V5', 'P09', '2022-04-25', '1', 'N', 'N'),
    ('V6', 'P01', '2022-04-06', 'Y', 'N', 'N'),
    ('V7', 'P06', '2022-05-04', 'Y', 'N', 'N');
