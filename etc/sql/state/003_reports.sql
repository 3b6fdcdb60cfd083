-- mashwatch state, migration 3: the nightly reports, one row per report
-- date, so that a day's report is sent once whatever restarts or leader
-- changes happen (mashwatch-report(5)).
--
-- Claim, then send: a sender first inserts the row (the primary key lets
-- exactly one in) or takes over a claim left unsent for longer than the
-- claim timeout; only the holder of the claim sends, and it stamps sent_at
-- afterwards.  A crash between the email leaving and sent_at being written
-- can repeat the email once the claim times out, never lose it.
create table mashwatch.reports (
    report_date   date        primary key,
    claimed_by    text        not null,     -- host:pid:random of the sender
    claimed_at    timestamptz not null default now(),
    generated_at  timestamptz,
    sent_at       timestamptz,
    message_id    text,
    recipients    text[],
    html_path     text,
    csv_path      text,
    json_path     text
);
