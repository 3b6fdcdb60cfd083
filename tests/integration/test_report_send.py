"""report --send and the daemon's schedule: archived, mailed (directory
transport), recorded in mashwatch.reports (the packs in
mashwatch.report_packs), and sent once per day, week and month whatever
restarts happen.
"""

import datetime as dt
import email
import email.policy

import pytest

import mw
import testclock

# --send mails through the notify branch's transports (daemon/transport.c);
# until that is merged the sending half of the report cannot run.
pytestmark = pytest.mark.skipif(not (mw.REPO / "daemon" / "transport.c").exists(),
                                reason="the notify transports are not merged yet")


def configure(db, build, tmp_path, at="00:00"):
    config = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo,
                             poll_interval=1, lease_ttl=5, extra="""
report: { at = "%s"; archive = "%s";
          comparators = { statistical_neighbours = 0.21; england = 0.24; }; };
""" % (at, tmp_path / "archive"))
    mw.migrate(build, config)
    return config, tmp_path / "outbox"


def reports(outbox):
    if not outbox.exists():
        return []
    return sorted(p for p in outbox.iterdir() if "report" in p.name and not p.name.startswith("."))


def test_send_once_with_archive_and_record(db, build, tmp_path):
    config, outbox = configure(db, build, tmp_path)
    p = mw.run(build, "mashwatchctl", "-c", config, "report", "--date", "2022-04-27", "--send")
    assert "sent to 1 recipients" in p.stderr
    sent = reports(outbox)
    assert len(sent) == 1
    msg = email.message_from_bytes(sent[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] == "leaders@example.org"
    assert "2022-04-27" in msg["Subject"]
    types = [part.get_content_type() for part in msg.walk()]
    assert "text/plain" in types and "text/html" in types and "text/csv" in types
    for ext in ("html", "csv", "json"):
        assert (tmp_path / "archive" / ("mashwatch-report-2022-04-27." + ext)).stat().st_size > 100
    (row,) = db.query("select sent_at is not null, message_id, recipients, json_path"
                      " from mashwatch.reports where report_date = '2022-04-27'")
    assert row[0] and row[1] and row[2] == ["leaders@example.org"]
    assert row[1] in msg["Message-ID"]
    assert row[3].endswith("mashwatch-report-2022-04-27.json")

    # Again: already sent, nothing new, exit 0.
    p = mw.run(build, "mashwatchctl", "-c", config, "report", "--date", "2022-04-27", "--send")
    assert "already sent" in p.stderr
    assert len(reports(outbox)) == 1


def test_live_claim_is_respected(db, build, tmp_path):
    config, outbox = configure(db, build, tmp_path)
    db.execute("insert into mashwatch.reports (report_date, claimed_by)"
               " values ('2022-04-27', 'other:1:x')")
    p = mw.run(build, "mashwatchctl", "-c", config, "report", "--date", "2022-04-27",
               "--send", check=False)
    assert p.returncode == 75 and "being sent" in p.stderr
    assert reports(outbox) == []
    # A claim older than the timeout (its sender died) is taken over.
    db.execute("update mashwatch.reports set claimed_at = now() - interval '1 hour'")
    mw.run(build, "mashwatchctl", "-c", config, "report", "--date", "2022-04-27", "--send")
    assert len(reports(outbox)) == 1


def packs_due(today):
    """The first dates of the packs due on `today` once report.at has
    passed, worked out here rather than by the daemon's code: the Monday to
    Sunday week before the latest Monday (report.weekly's default) on or
    before today, and the month before today's."""
    monday = today - dt.timedelta(days=today.weekday())
    week = monday - dt.timedelta(days=7)
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return week, month


def sent_files(outbox):
    """The emails of the directory transport, one .eml per send."""
    if not outbox.exists():
        return []
    return sorted(p.name for p in outbox.iterdir() if p.suffix == ".eml"
                  and not p.name.startswith("."))


def test_daemon_sends_when_it_comes_back_and_never_twice(db, build, tmp_path):
    # report.at 00:00 has passed today while no daemon ran: yesterday's
    # report, last week's pack and last month's are all due.  The dates come
    # from the test clock (testclock.py), so this holds on any day and at the
    # instants check-clock pins.
    config, outbox = configure(db, build, tmp_path, at="00:00")
    # A site that went live long ago (a fresh one sends nothing from
    # before its go-live: test_golive.py).
    db.execute("insert into mashwatch.golive (went_live_at, holder) "
               "values (now() - interval '60 days', 'test')")
    today = testclock.local_now().date()
    yesterday = today - dt.timedelta(days=1)
    week, month = packs_due(today)
    done = ("report %s: done" % yesterday.isoformat(),
            "weekly pack %s: done" % week.isoformat(),
            "monthly pack %s: done" % month.isoformat())
    want = ["month-%04d-%02d.eml" % (month.year, month.month),
            "report-%s.eml" % yesterday.isoformat(),
            "week-%s.eml" % week.isoformat()]
    d = mw.Daemon(build, config, tmp_path / "d1.log")
    try:
        mw.wait_for(lambda: len(reports(outbox)) == 1, timeout=60, what="the report email")
        for line in done:
            d.wait_log(line, timeout=60)
    finally:
        d.stop()
    (row,) = db.query("select report_date, sent_at is not null from mashwatch.reports")
    assert row == (yesterday, True)
    assert sent_files(outbox) == want
    packs = [("week", week, week + dt.timedelta(days=6), True),
             ("month", month, (month + dt.timedelta(days=32)).replace(day=1)
              - dt.timedelta(days=1), True)]
    assert db.query("select kind, period_first, period_last, sent_at is not null"
                    " from mashwatch.report_packs order by kind desc") == packs
    for stem in ("week-%s" % week.isoformat(), "month-%04d-%02d" % (month.year, month.month)):
        assert (tmp_path / "archive" / ("mashwatch-%s.json" % stem)).stat().st_size > 100
    # A second send would rewrite these under the same names: keep what was sent.
    sent = {name: (outbox / name).read_bytes() for name in want}
    ledger = db.query("select kind, message_id, sent_at from mashwatch.report_packs"
                      " union all select 'day', message_id, sent_at from mashwatch.reports"
                      " order by 1")

    # Restarted just after sending: it looks, finds each sent, sends nothing.
    d = mw.Daemon(build, config, tmp_path / "d2.log")
    try:
        for line in done:
            d.wait_log(line, timeout=60)
    finally:
        d.stop()
    assert len(reports(outbox)) == 1
    assert sent_files(outbox) == want
    assert {name: (outbox / name).read_bytes() for name in want} == sent
    assert "sent to" not in d.text()
    assert db.query("select count(*) from mashwatch.reports") == [(1,)]
    assert db.query("select kind, period_first, period_last, sent_at is not null"
                    " from mashwatch.report_packs order by kind desc") == packs
    assert db.query("select kind, message_id, sent_at from mashwatch.report_packs"
                    " union all select 'day', message_id, sent_at from mashwatch.reports"
                    " order by 1") == ledger
