"""A permanent rejection: the server answers 550 for a team manager's
address.  The email is recorded as failed with the server's reply, is not
retried, and the data-quality route is told.  Real PostgreSQL, real SMTP."""

import mw
import notifyhelp as nh


class Rejecting(nh.Collector):
    """Refuses every recipient at gone.example.org, as a real server would."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@gone.example.org"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_permanent_rejection_is_recorded_and_reported(db, build, tmp_path):
    smtp = nh.SmtpServer()
    smtp.collector = Rejecting()
    smtp.start()
    nh.add_team(db, "T1", "Team T1", "manager@gone.example.org")
    config = nh.write_config(tmp_path, db, smtp.port,
                             clocks={"contact_decision": dict(limit="1 hours")})
    mw.migrate(build, config)
    daemon = mw.Daemon(build, config, tmp_path / "mashwatchd.log")
    try:
        daemon.wait_log("notifier: active")
        nh.add_contacts(db, [("C1", "P1", "T1", nh.hours_ago(3))])
        nh.wait_messages(smtp, 1)
        nh.settle(6)  # long enough for a retry, had there been one
        got = smtp.collector.all()
        assert [rcpts for rcpts, _, _ in got] == [["data@example.org"]], got
        report = got[0][1]
        text = nh.body_text(report)
        # It names the email, its route and the server's answer; and as it is
        # about no child, it carries no case link.
        assert "route team:T1" in text and "550" in text, text
        assert "https://cms.example.org/child/" not in text, text
        failed = db.query("select route, status, last_reply from mashwatch.emails "
                          "where status <> 'sent'")
        assert len(failed) == 1 and failed[0][1] == "failed", failed
        assert "550" in failed[0][2]
        attempts = db.query("select a.outcome, a.code from mashwatch.email_attempts a "
                            "join mashwatch.emails e using (email_id) "
                            "where e.status = 'failed'")
        assert attempts == [("failed", 550)], attempts
        assert daemon.alive()
    finally:
        daemon.stop()
        smtp.stop()
