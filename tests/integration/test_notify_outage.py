"""Delivery at least once: the SMTP server stops, mashwatchd is restarted
during the outage, and when the server returns every item arrives, once."""

import re
import time

import mw
import notifyhelp as nh


def test_smtp_outage_with_restart_loses_nothing(db, build, tmp_path):
    smtp = nh.SmtpServer()  # not started: the outage begins at once
    nh.add_team(db, "T1", "Team one", "t1@example.org")
    config = nh.write_config(tmp_path, db, smtp.port,
                             clocks={"contact_decision": dict(limit="1 hours")})
    mw.migrate(build, config)
    daemon = mw.Daemon(build, config, tmp_path / "d1.log")
    try:
        daemon.wait_log("notifier: active")
        nh.add_contacts(db, [("C%d" % i, "P%d" % i, "T1", nh.hours_ago(3)) for i in range(5)])
        daemon.wait_log("failed, will retry")
    finally:
        assert daemon.stop() == 0
    assert "finishing email" in daemon.text() or "will retry" in daemon.text()
    # More work arrives while mashwatchd is down and SMTP still is.
    nh.add_contacts(db, [("C%d" % i, "P%d" % i, "T1", nh.hours_ago(3)) for i in range(5, 8)])
    daemon = mw.Daemon(build, config, tmp_path / "d2.log")
    try:
        daemon.wait_log("notifier: active")
        daemon.wait_log("failed, will retry")
        time.sleep(2)
        smtp.start()
        got = nh.wait_messages(smtp, 2, timeout=90)
        time.sleep(5)
        got = smtp.collector.all()
        children = []
        for _, msg, _ in got:
            children += re.findall(r"\* #\d+ (P\d):", nh.body_text(msg))
        assert sorted(children) == ["P%d" % i for i in range(8)]
        attempts = db.query("select outcome, count(*) from mashwatch.email_attempts "
                            "group by 1 order by 1")
        assert dict(attempts)["sent"] == len(got)
        assert dict(attempts)["retry"] >= 2
        assert db.query("select count(*) from mashwatch.emails where status <> 'sent'") == [(0,)]
    finally:
        daemon.stop()
        smtp.stop()
