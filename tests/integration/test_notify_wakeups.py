"""The notifier sleeps until something is due, so what wakes it matters:
a source whose teams cannot be read is retried and logged once, and the
email goes out when they can; a standby that becomes the leader starts
sending without waiting for a tick.  Real PostgreSQL, real SMTP."""

import re
import time

import mw
import notifyhelp as nh


def test_unreadable_teams_logged_once_then_sent(db, build, tmp_path):
    smtp = nh.SmtpServer()
    smtp.start()
    nh.add_team(db, "T1", "Team T1", "manager@example.org")
    db.execute("alter view mash.teams rename to teams_away")
    config = nh.write_config(tmp_path, db, smtp.port,
                             clocks={"contact_decision": dict(limit="1 hours")})
    mw.migrate(build, config)
    daemon = mw.Daemon(build, config, tmp_path / "mashwatchd.log")
    try:
        daemon.wait_log("notifier: active")
        nh.add_contacts(db, [("C1", "P1", "T1", nh.hours_ago(3))])
        mw.wait_for(lambda: db.query("select count(*) from mashwatch.notifications")
                    == [(1,)], what="the alert in the outbox")
        nh.settle(25)  # two retries of the teams at least
        text = daemon.text()
        failures = re.findall(r"cannot read mash\.teams: .*", text)
        assert len(failures) == 1, text
        # The reason by SQLSTATE, never PostgreSQL's text or the statement.
        assert "42P01 (undefined_table)" in failures[0], failures
        assert "SELECT" not in failures[0] and "does not exist" not in failures[0]
        assert smtp.collector.all() == []

        db.execute("alter view mash.teams_away rename to teams")
        got = nh.wait_messages(smtp, 1, timeout=30)
        assert [rcpts for rcpts, _, _ in got] == [["manager@example.org"]], got
        assert daemon.text().count("teams read") == 1
        assert daemon.alive()
    finally:
        daemon.stop()
        smtp.stop()


def test_new_leader_sends_at_once(db, build, tmp_path):
    smtp = nh.SmtpServer()
    smtp.start()
    nh.add_team(db, "T1", "Team T1", "manager@example.org")
    config = nh.write_config(tmp_path, db, smtp.port,
                             clocks={"contact_decision": dict(limit="1 hours")})
    config.write_text(config.read_text().replace("lease_ttl = 15;", "lease_ttl = 6;"))
    mw.migrate(build, config)
    a = b = None
    try:
        a = mw.Daemon(build, config, tmp_path / "a.log")
        a.wait_log("notifier: active")
        b = mw.Daemon(build, config, tmp_path / "b.log")
        b.wait_log("standing by")
        a.kill()
        b.wait_log("now polls and alerts", timeout=30)
        became = time.time()
        b.wait_log("notifier: active", timeout=5)
        nh.add_contacts(db, [("C1", "P1", "T1", nh.hours_ago(3))])
        got = nh.wait_messages(smtp, 1, timeout=30)
        print("first email %.1f s after the standby took over" % (time.time() - became))
        assert [rcpts for rcpts, _, _ in got] == [["manager@example.org"]], got
        assert "notifier: active" not in b.text().split("standing by")[0]
        assert b.stop() == 0
    finally:
        # Whatever failed, no daemon outlives the test.
        for d in (a, b):
            if d is not None and d.alive():
                d.kill()
        smtp.stop()
