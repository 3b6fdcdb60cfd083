-- mashwatch state, migration 6: the weekly and monthly packs,
-- one row per pack, so that a pack is sent once, by the same claim-then-
-- send protocol as mashwatch.reports (migration 3): kind is 'week' or
-- 'month', period_first the Monday or the 1st the pack starts on.
create table mashwatch.report_packs (
    kind          text        not null check (kind in ('week', 'month')),
    period_first  date        not null,
    period_last   date        not null,
    claimed_by    text        not null,     -- host:pid:random of the sender
    claimed_at    timestamptz not null default now(),
    generated_at  timestamptz,
    sent_at       timestamptz,
    message_id    text,
    recipients    text[],
    html_path     text,
    csv_path      text,
    json_path     text,
    primary key (kind, period_first)
);
