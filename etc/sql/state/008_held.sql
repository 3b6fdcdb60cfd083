-- mashwatch state, migration 8: routine alerts held for the morning digest.
-- A routine alert that fires outside notify.working_hours waits, unclaimed,
-- for the next digest, which claims it; held_at marks it so that the
-- notifier's reading of the outbox passes over it: however many are held
-- overnight, an urgent alert behind them is read, and sent, at once.
alter table mashwatch.notifications add column held_at timestamptz;
drop index mashwatch.notifications_unclaimed;
create index notifications_unclaimed on mashwatch.notifications (notification_id)
    where claimed_at is null and held_at is null;
