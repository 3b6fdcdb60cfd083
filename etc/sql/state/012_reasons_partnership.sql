-- mashwatch state, migration 12: the reason an acknowledgement gives for
-- lateness, a code of the config's reasons list (mashwatchctl ack
-- --reason, the board's select).  Kept with every acknowledgement in acks
-- (what the report and the partnership pack count) and, as the latest
-- one, on the alert (what the notifier and the board show).  The code,
-- not the label, is stored: a label may be reworded, a code keeps its
-- meaning.  (Numbers 9 to 11 belong to other branches.)
alter table mashwatch.acks add column reason text;
alter table mashwatch.alerts add column ack_reason text;
create index acks_reason on mashwatch.acks (reason) where reason is not null;

-- The monthly partnership pack is sent once by the packs' claim-then-send
-- protocol (migration 6), as kind 'partnership', period_first the 1st.
alter table mashwatch.report_packs drop constraint report_packs_kind_check;
alter table mashwatch.report_packs add constraint report_packs_kind_check
    check (kind in ('week', 'month', 'partnership'));
