"""Retention: `mashwatchctl purge [--dry-run]` and the leader's daily purge
after the report.  What is past retention goes (alerts with their outbox
rows, acknowledgements and emails; digests; reports and their files; the
directory transport's .eml files); what is still open, still pending or
needed for the 13-week trends and the repeat windows stays, whatever the
retention says.  Counts only are printed, never an id or a reference."""

import os
import re
import time
from datetime import date, timedelta

import mw

DAY = 86400


def conf(tmp_path, db, retention="", **kw):
    extra = "retention: { %s };" % retention if retention else ""
    archive = tmp_path / "archive"
    return mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, extra=extra + (
        ' report: { archive = "%s"; };' % archive), **kw)


def alert(db, ref, resolved_days=None, fired_days=None, level="overdue",
          rule="contact_decision", unclaimed=False, email_status="sent"):
    """An alert for child ref fired and resolved that many days ago, with a
    claimed notification, an acknowledgement and an email naming it."""
    fired = fired_days if fired_days is not None else (resolved_days or 0) + 2
    aid = db.query(
        "insert into mashwatch.alerts (rule, instance_id, level, child_id, team_id, "
        "fired_at, resolved_at, resolution) values (%s, %s, %s, %s, 'T1', "
        "now() - make_interval(days => %s), "
        "now() - make_interval(days => %s), %s) returning alert_id",
        (rule, "I-" + ref, level, ref, fired, resolved_days,
         None if resolved_days is None else "met_late"))[0][0]
    db.execute("insert into mashwatch.notifications (alert_id, event, created_at, claimed_at) "
               "values (%s, 'raised', now() - make_interval(days => %s), %s)",
               (aid, fired, None if unclaimed else "2000-01-01"))
    db.execute("insert into mashwatch.acks (alert_id, acked_at, acked_by) values "
               "(%s, now() - make_interval(days => %s), 'ops')", (aid, fired))
    eid = db.query(
        "insert into mashwatch.emails (kind, route, recipients, message_id, subject, "
        "message, status, created_at) values ('alerts', 'team:T1', '{t1@example.org}', "
        "%s, %s, 'x', %s, now() - make_interval(days => %s)) returning email_id",
        ("<%s@test>" % ref, "alert about " + ref, email_status, fired))[0][0]
    db.execute("insert into mashwatch.email_alerts (email_id, alert_id) values (%s, %s)",
               (eid, aid))
    db.execute("insert into mashwatch.email_attempts (email_id, transport, outcome) "
               "values (%s, 'smtp', 'sent')", (eid,))
    return aid


def kept(db):
    return sorted(r[0] for r in db.query("select child_id from mashwatch.alerts"))


def seed(db, tmp_path):
    alert(db, "OLD1", resolved_days=500)            # past 400 days: goes
    alert(db, "OLD2", resolved_days=401)            # goes
    alert(db, "RECENT", resolved_days=300)          # within 400 days: stays
    alert(db, "OPEN", resolved_days=None, fired_days=600)   # still open: stays
    alert(db, "UNSENT", resolved_days=500, unclaimed=True)  # notification waiting
    alert(db, "WEEKS", resolved_days=60)            # inside the 13-week trends
    alert(db, "REPEAT", resolved_days=120, fired_days=200, level="repeat",
          rule="repeat_contacts")                   # inside its repeat window
    # An email still pending from long ago: never purged.
    db.execute("insert into mashwatch.emails (kind, route, recipients, message_id, subject, "
               "message, created_at) values ('digest', 'default', '{a@example.org}', "
               "'<pending@test>', 'digest', 'x', now() - interval '500 days')")
    for days in (500, 10):
        db.execute("insert into mashwatch.digests (route, on_date, items, claimed_by) "
                   "values ('default', current_date - %s, 1, 'test')", (days,))
        db.execute("insert into mashwatch.reports (report_date, claimed_by, sent_at) "
                   "values (current_date - %s, 'test', now())", (days,))
    archive = tmp_path / "archive"
    archive.mkdir()
    old = date.today() - timedelta(days=500)
    new = date.today() - timedelta(days=10)
    old_month = (date.today() - timedelta(days=600)).replace(day=1)
    for name in ("mashwatch-report-%s.html" % old, "mashwatch-report-%s-clocks.csv" % old,
                 "mashwatch-week-%s.json" % old, "mashwatch-month-%s.html" % old_month.strftime("%Y-%m"),
                 "mashwatch-partnership-%s.json" % old_month.strftime("%Y-%m"),
                 "mashwatch-report-%s.html" % new, "notes-%s.txt" % old):
        (archive / name).write_text("x")
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    for name, days in (("old.eml", 40), ("new.eml", 10), (".old.eml.tmp", 40), ("old.txt", 40)):
        p = outbox / name
        p.write_text("x")
        t = time.time() - days * DAY
        os.utime(p, (t, t))


def counts_line(out):
    counts = out.split(":", 1)[1].split(" (retention")[0]
    return dict((k, int(n)) for n, k in re.findall(r"(\d+) ([a-z ]+)", counts))


def test_purge_dry_run_then_for_real(build, tmp_path, db):
    config = conf(tmp_path, db)
    mw.migrate(build, config)
    seed(db, tmp_path)
    before = kept(db)
    p = mw.run(build, "mashwatchctl", "-c", config, "purge", "--dry-run")
    assert p.stdout.startswith("purge (dry run), would remove:"), p.stdout
    want = {"alerts": 2, "notifications": 2, "acknowledgements": 2, "emails": 2,
            "digests": 1, "reports": 1, "packs": 0, "report files": 5, "outbox files": 1}
    assert counts_line(p.stdout) == want, p.stdout
    assert kept(db) == before
    assert (tmp_path / "outbox" / "old.eml").exists()
    assert (tmp_path / "archive" / ("mashwatch-report-%s.html" % (date.today() - timedelta(days=500)))).exists()

    p = mw.run(build, "mashwatchctl", "-c", config, "purge")
    assert p.stdout.startswith("purged:"), p.stdout
    assert counts_line(p.stdout) == want, p.stdout
    # Counts only: no child, no alert or email id.
    assert not re.search(r"OLD|I-|<", p.stdout + p.stderr)
    assert kept(db) == sorted(["RECENT", "OPEN", "UNSENT", "WEEKS", "REPEAT"])
    assert db.query("select count(*) from mashwatch.emails where status = 'pending'")[0][0] == 1
    assert db.query("select count(*) from mashwatch.email_attempts")[0][0] == 5
    assert db.query("select count(*) from mashwatch.digests")[0][0] == 1
    assert db.query("select count(*) from mashwatch.reports")[0][0] == 1
    assert sorted(f.name for f in (tmp_path / "outbox").iterdir()) == [
        ".old.eml.tmp", "new.eml", "old.txt"]
    assert sorted(f.name for f in (tmp_path / "archive").iterdir()) == sorted([
        "mashwatch-report-%s.html" % (date.today() - timedelta(days=10)),
        "notes-%s.txt" % (date.today() - timedelta(days=500))])
    # Again: nothing left to do.
    p = mw.run(build, "mashwatchctl", "-c", config, "purge")
    assert set(counts_line(p.stdout).values()) == {0}, p.stdout


def test_a_short_retention_keeps_the_trends_and_repeat_windows(build, tmp_path, db):
    config = conf(tmp_path, db, retention='alerts = "1 day"; outbox_files = "12 hours"; '
                  'reports = "1 month";')
    mw.migrate(build, config)
    seed(db, tmp_path)
    # Either side of the floor: 15 weeks (105 days) since resolution.
    alert(db, "D100", resolved_days=100)
    alert(db, "D110", resolved_days=110)
    p = mw.run(build, "mashwatchctl", "-c", config, "purge")
    # RECENT (300 days) and D110 go now; WEEKS (60 days), D100 and REPEAT stay.
    assert kept(db) == sorted(["OPEN", "UNSENT", "WEEKS", "REPEAT", "D100"]), p.stdout
    assert counts_line(p.stdout)["outbox files"] == 2


def test_retention_refuses_working_days(build, tmp_path, db):
    config = conf(tmp_path, db, retention='alerts = "30 working days";')
    p = mw.run(build, "mashwatchd", "-t", "-c", config, check=False)
    assert p.returncode == 78
    assert "retention.alerts" in p.stderr


def test_purge_usage(build, tmp_path, db):
    config = conf(tmp_path, db)
    mw.migrate(build, config)
    p = mw.run(build, "mashwatchctl", "-c", config, "purge", "--now", check=False)
    assert p.returncode == 64
    assert "purge [--dry-run]" in p.stderr


def test_the_leader_purges_after_the_report(build, tmp_path, db):
    config = conf(tmp_path, db, poll_interval=1)
    mw.migrate(build, config)
    seed(db, tmp_path)
    d = mw.Daemon(build, config, tmp_path / "d.log")
    try:
        d.wait_log("purged:", timeout=60)
        text = d.text()
        # After the day's report, and logged with its counts.
        assert text.index("report 2") < text.index("purge 2")
        line = next(l for l in text.splitlines() if "purged:" in l)
        assert counts_line(line)["alerts"] == 2, line
        assert kept(db) == sorted(["RECENT", "OPEN", "UNSENT", "WEEKS", "REPEAT"])
        # Once a day: not again on the next ticks.
        d.wait_log("purge ", timeout=5)
        time.sleep(2)
        assert d.text().count("purged:") == 1
    finally:
        assert d.stop() == 0
