"""A quiet go-live: on a state database that has never run, the first start
mails no report or pack for a period before it (the schedule starts from
its next run; `mashwatchctl report --send` still sends one by hand), and a
state database migrated from one that ran keeps its history: what was due
while it was down still goes."""

import datetime as dt
import re

import mw
import testclock


def configure(db, build, tmp_path):
    # report.at 00:00 has passed today: yesterday's report, last week's
    # and last month's packs are all due by the schedule.
    config = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, poll_interval=1,
                             extra='report: { at = "00:00"; archive = "%s"; };'
                             % (tmp_path / "archive"))
    mw.migrate(build, config)
    return config


def report_emails(tmp_path):
    out = tmp_path / "outbox"
    return sorted(p.name for p in out.glob("*.eml")) if out.exists() else []


def test_first_start_sends_nothing_from_before_it(build, tmp_path, db):
    config = configure(db, build, tmp_path)
    yesterday = testclock.local_now().date() - dt.timedelta(days=1)
    d = mw.Daemon(build, config, tmp_path / "d.log")
    try:
        d.wait_log("go-live: the first leader of this state database")
        d.wait_log("report %s: done" % yesterday.isoformat(), timeout=60)
        d.wait_log("monthly pack", timeout=60)
        d.wait_log("purge ", timeout=60)
    finally:
        assert d.stop() == 0
    text = d.text()
    assert "before go-live at" in text
    assert "sent to" not in text
    assert [n for n in report_emails(tmp_path) if "report" in n or "week" in n
            or "month" in n] == []
    assert db.query("select count(*) from mashwatch.reports where sent_at is not null") == [(0,)]
    assert db.query("select count(*) from mashwatch.report_packs where sent_at is not null") == [(0,)]
    assert db.query("select holder <> 'migration 9' from mashwatch.golive") == [(True,)]
    # By hand it still goes.
    p = mw.run(build, "mashwatchctl", "-c", config, "report", "--send", "--date",
               yesterday.isoformat())
    assert "sent to 1 recipients" in p.stderr + p.stdout
    assert db.query("select count(*) from mashwatch.reports where sent_at is not null") == [(1,)]
    # A restart is not a go-live: the next period's report is sent as usual
    # (here: the one for the day before yesterday would be before go-live
    # and stays unsent, yesterday's is found sent).
    d = mw.Daemon(build, config, tmp_path / "d2.log")
    try:
        d.wait_log("report %s: done" % yesterday.isoformat(), timeout=60)
    finally:
        d.stop()
    assert "go-live" not in d.text().replace("before go-live", "")


def test_first_start_sends_no_partnership_pack_from_before_it(build, tmp_path, db):
    # The partnership pack is scheduled as the monthly pack is (the 1st at
    # report.at): last month's came before this first start.
    config = configure(db, build, tmp_path)
    config.write_text(config.read_text().replace(
        'report = [ "leaders@example.org" ];',
        'report = [ "leaders@example.org" ]; partnership = [ "board@example.org" ];'))
    month = (testclock.local_now().date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    d = mw.Daemon(build, config, tmp_path / "d.log")
    try:
        d.wait_log("partnership pack %s: done" % month.isoformat(), timeout=60)
    finally:
        assert d.stop() == 0
    text = d.text()
    assert "partnership pack of %s: due at" % month.isoformat() in text
    assert "before go-live at" in text
    assert [n for n in report_emails(tmp_path) if "partnership" in n] == []
    assert db.query("select count(*) from mashwatch.report_packs "
                    "where kind = 'partnership' and sent_at is not null") == [(0,)]
    # By hand it still goes.
    p = mw.run(build, "mashwatchctl", "-c", config, "report", "--partnership",
               "--send", "--month", month.strftime("%Y-%m"))
    assert p.returncode == 0, p.stderr
    assert db.query("select count(*) from mashwatch.report_packs "
                    "where kind = 'partnership' and sent_at is not null") == [(1,)]


def test_a_state_that_ran_before_the_upgrade_keeps_its_schedule(build, tmp_path, db):
    """Migration 9 on a state database with a history dates go-live from
    its earliest trace: a report missed while it was down still goes."""
    config = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, poll_interval=1,
                             extra='report: { at = "00:00"; archive = "%s"; };'
                             % (tmp_path / "archive"))
    # Up to migration 8, a report sent 40 days ago, then the upgrade.
    db.execute("create schema mashwatch")
    db.execute("create table mashwatch.schema_migrations (version int primary key, "
               "name text not null, applied_at timestamptz not null default now())")
    for sql in sorted((mw.REPO / "etc" / "sql" / "state").glob("00[1-8]_*.sql")):
        db.execute(sql.read_text())
        db.execute("insert into mashwatch.schema_migrations (version, name) values (%s, %s)",
                   (int(sql.name[:3]), sql.stem))
    db.execute("insert into mashwatch.reports (report_date, claimed_by, claimed_at, sent_at) "
               "values (current_date - 40, 'old', now() - interval '40 days', "
               "now() - interval '40 days')")
    p = mw.migrate(build, config)
    assert "applied 009_golive" in p.stdout
    (live,) = db.query("select went_live_at < now() - interval '39 days' from mashwatch.golive")
    assert live == (True,)
    yesterday = testclock.local_now().date() - dt.timedelta(days=1)
    d = mw.Daemon(build, config, tmp_path / "d.log")
    try:
        d.wait_log("report %s: done" % yesterday.isoformat(), timeout=60)
    finally:
        d.stop()
    assert "go-live: the first leader" not in d.text()
    assert db.query("select count(*) from mashwatch.reports where report_date = %s "
                    "and sent_at is not null", (yesterday,)) == [(1,)]


def test_backlog_at_go_live_is_one_email_per_route(build, tmp_path, db):
    import notifyhelp as nh
    smtp = nh.SmtpServer()
    smtp.start()
    try:
        nh.add_team(db, "T1", "Team one", "t1@example.org")
        nh.add_team(db, "T2", "Team two", "t2@example.org")
        # Thirty hours old: overdue on an every-day calendar, whatever the
        # hour or the weekday the test runs at.
        nh.add_contacts(db, [("A%d" % i, "CA%d" % i, "T1", nh.hours_ago(30)) for i in range(25)])
        nh.add_contacts(db, [("B%d" % i, "CB%d" % i, "T2", nh.hours_ago(30)) for i in range(3)])
        # Working hours that do not hold now: the backlog goes regardless
        # (go-live is chosen), a routine alert after it waits as usual.
        h = testclock.local_now().hour
        hours = "20:00-21:00" if h < 12 or h >= 22 else "05:00-06:00"
        config = nh.write_config(tmp_path, db, smtp.port, calendar=mw.every_day_calendar(tmp_path),
                                 notify='max_items = 10; working_hours = "%s";' % hours)
        mw.migrate(build, config)
        d = mw.Daemon(build, config, tmp_path / "d.log")
        try:
            d.wait_log("go-live: the first leader")
            msgs = nh.wait_messages(smtp, 2)
            nh.settle(4)
            msgs = smtp.collector.all()
            by_rcpt = {}
            for rcpts, msg, _ in msgs:
                by_rcpt.setdefault(tuple(rcpts), []).append(msg)
            assert sorted(by_rcpt) == [("t1@example.org",), ("t2@example.org",)], \
                [m["Subject"] for _, m, _ in msgs]
            for rcpt, team in ((("t1@example.org",), "T1"), (("t2@example.org",), "T2")):
                (msg,) = by_rcpt[rcpt]
                open_ = db.query("select count(*) from mashwatch.alerts where team_id = %s "
                                 "and resolved_at is null", (team,))[0][0]
                assert open_ > 0
                assert msg["Subject"].startswith("MASH backlog at go-live: "), msg["Subject"]
                body = nh.body_text(msg)
                assert "Counts per clock:" in body
                m = re.search(r"^  (.+): (\d+) \(\d+ escalated, \d+ overdue", body, re.M)
                assert m and int(m.group(2)) == open_, body
                assert "Counts per clock:" in nh.body_html(msg)
                assert "the backlog it found at go-live" in body
            # Every outbox row of the first pass was the backlog, and is claimed.
            assert db.query("select count(*) from mashwatch.notifications "
                            "where not backlog or claimed_at is null") == [(0,)]
            # After go-live an alert is an alert again: not the backlog,
            # held for working hours like any routine one.
            nh.add_contacts(db, [("N1", "CN1", "T2", nh.hours_ago(30))])
            db.execute("notify mash_changed")
            q = ("select n.backlog, n.held_at is not null from mashwatch.notifications n "
                 "join mashwatch.alerts a using (alert_id) where a.instance_id like '%%N1%%'")
            assert mw.wait_for(lambda: db.query(q) == [(False, True)] and True, timeout=60,
                               what="the next alert, held")
            assert len(smtp.collector.all()) == len(msgs)
        finally:
            d.stop()
        # A restart is not a go-live.
        d = mw.Daemon(build, config, tmp_path / "d2.log")
        try:
            d.wait_log("notifier: active")
            nh.settle(3)
        finally:
            d.stop()
        assert "go-live: the first leader" not in d.text()
        assert sum(m["Subject"].startswith("MASH backlog") for _, m, _ in smtp.collector.all()) == 2
    finally:
        smtp.stop()
