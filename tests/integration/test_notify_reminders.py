"""Reminders, acknowledgement, escalation, escaping and the audit trail,
over real SMTP.  Every day is a working day in these configs so that the
morning digest can be made to fall due now, whatever day the tests run."""

import re
import signal

import mw
import notifyhelp as nh

CLOCK = {"contact_decision": dict(limit="1 hours", escalate_after="1 hours")}


def ctl(build, config, *args, check=True):
    return mw.run(build, "mashwatchctl", "-c", config, *args, check=check)


def alert_id(db, child, level):
    return db.query("select alert_id from mashwatch.alerts where child_id = %s and level = %s",
                    (child, level))[0][0]


def digests(smtp, rcpt):
    return [m for r, m, _ in smtp.collector.all()
            if rcpt in r and m["Subject"].startswith("MASH morning digest: ")]


def test_ack_reminder_escalation_and_history(db, build, tmp_path):
    smtp = nh.SmtpServer()
    smtp.start()
    nh.add_team(db, "T1", "Team one", "t1@example.org", "head@example.org")
    # reminder_at twelve hours away first: no digest until we move it.
    config = nh.write_config(tmp_path, db, smtp.port, clocks=CLOCK, calendar=mw.every_day_calendar(tmp_path),
                             notify='reminder_at = "%s";' % mw.quiet_reminder_at())
    mw.migrate(build, config)
    daemon = mw.Daemon(build, config, tmp_path / "d.log")
    try:
        daemon.wait_log("notifier: active")
        nh.add_contacts(db, [("CA", "PA", "T1", nh.hours_ago(5)),
                             ("CB", "PB", "T1", nh.hours_ago(5))])
        # Overdue to the manager, escalated to the escalation address.
        got = nh.wait_messages(smtp, 2)
        by = {tuple(r): m for r, m, _ in got}
        assert set(by) == {("t1@example.org",), ("head@example.org",)}
        esc = nh.body_text(by[("head@example.org",)])
        assert "PA" in esc and "PB" in esc
        assert "first sent" in esc and "t1@example.org" in esc

        # Acknowledge PA (its escalation: that covers the levels below).
        ack = ctl(build, config, "ack", str(alert_id(db, "PA", "escalated")), "--by",
                  "Jo Manager", "--note", "discussed at huddle")
        assert "acknowledged by Jo Manager" in ack.stdout
        before = len(smtp.collector.all())
        # The alerts were raised yesterday; move the digest to now and
        # reload.  (A digest lists only what was raised before its instant:
        # what is raised after reminder_at goes as an alert email.)
        db.execute("update mashwatch.alerts set created_at = created_at - interval '1 day'")
        text = re.sub(r'reminder_at = "[0-9:]+";', 'reminder_at = "00:00";', config.read_text())
        config.write_text(text)
        daemon.proc.send_signal(signal.SIGHUP)
        mw.wait_for(lambda: len(smtp.collector.all()) >= before + 2, timeout=30,
                    what="digests")
        nh.settle(3)
        mgr = digests(smtp, "t1@example.org")
        head = digests(smtp, "head@example.org")
        assert len(mgr) == 1 and len(head) == 1
        for msg in mgr + head:
            # PA may have arrived out of hours: the handover lists it.
            body = nh.without_handover(nh.body_text(msg))
            assert "PB" in body
            assert "PA" not in body
        # One digest a day: a second reload sends nothing new.
        daemon.proc.send_signal(signal.SIGHUP)
        nh.settle(4)
        assert len(digests(smtp, "t1@example.org")) == 1

        hist = ctl(build, config, "history", "--child", "PA").stdout
        assert "alert %d: contact_decision overdue" % alert_id(db, "PA", "overdue") in hist
        assert "contact_decision escalated" in hist
        assert "acknowledged" in hist and "by Jo Manager" in hist
        assert "discussed at huddle" in hist
        assert "to t1@example.org [route team:T1]" in hist
        assert "to head@example.org [route escalation:T1]" in hist
        assert "via smtp: sent, reply 250 250 OK queued as test" in hist
    finally:
        daemon.stop()
        smtp.stop()


def test_hostile_reference_and_team_name_arrive_escaped(db, build, tmp_path):
    smtp = nh.SmtpServer()
    smtp.start()
    nh.add_team(db, "T1", "Evil\r\nBcc: thief@example.org\r\nX-Injected: yes",
                "t1@example.org")
    config = nh.write_config(tmp_path, db, smtp.port,
                             clocks={"contact_decision": dict(limit="1 hours")})
    mw.migrate(build, config)
    daemon = mw.Daemon(build, config, tmp_path / "d.log")
    try:
        daemon.wait_log("notifier: active")
        nh.add_contacts(db, [("C1", "<script>alert(1)</script>", "T1", nh.hours_ago(3))])
        got = nh.wait_messages(smtp, 1)
        nh.settle(3)
        assert len(smtp.collector.all()) == 1
        rcpts, msg, raw = got[0]
        assert rcpts == ["t1@example.org"]
        assert msg["X-Injected"] is None and msg["Bcc"] is None
        header_block = raw.split(b"\r\n\r\n", 1)[0]
        assert b"\r\nX-Injected" not in header_block and b"\r\nBcc" not in header_block
        assert "Evil Bcc: thief@example.org X-Injected: yes" in msg["Subject"]
        html = nh.body_html(msg)
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "%3Cscript%3Ealert%281%29%3C%2Fscript%3E" in html
        assert "<script>alert(1)</script>" in nh.body_text(msg)  # text is inert
    finally:
        daemon.stop()
        smtp.stop()
