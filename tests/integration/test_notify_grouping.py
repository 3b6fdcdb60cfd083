"""Notifications grouped per route: 50 contacts going overdue for 3 teams
within group_wait arrive as exactly 3 emails, one per team manager, each
listing its own items and nothing else.  Real PostgreSQL, real SMTP."""

import re

import mw
import notifyhelp as nh

TEAMS = {"T1": "t1-manager@example.org", "T2": "t2-manager@example.org",
         "T3": "t3-manager@example.org"}


def test_fifty_contacts_three_teams_three_emails(db, build, tmp_path):
    smtp = nh.SmtpServer()
    smtp.start()
    for team, addr in TEAMS.items():
        nh.add_team(db, team, "Team " + team, addr)
    config = nh.write_config(tmp_path, db, smtp.port,
                             clocks={"contact_decision": dict(limit="1 hours")})
    mw.migrate(build, config)
    daemon = mw.Daemon(build, config, tmp_path / "mashwatchd.log")
    try:
        daemon.wait_log("notifier: active")
        # 50 contacts received 3 hours ago: overdue at once, within group_wait.
        rows = []
        for i in range(50):
            team = "T%d" % (i % 3 + 1)
            rows.append(("C%02d" % i, "P%02d" % i, team, nh.hours_ago(3)))
        nh.add_contacts(db, rows)
        nh.wait_messages(smtp, 3)
        nh.settle(5)  # nothing more may come
        got = smtp.collector.all()
        assert len(got) == 3, [m["Subject"] for _, m, _ in got]
        by_rcpt = {tuple(rcpts): msg for rcpts, msg, _ in got}
        assert sorted(by_rcpt) == sorted((a,) for a in TEAMS.values())
        for team, addr in TEAMS.items():
            msg = by_rcpt[(addr,)]
            want = {"P%02d" % i for i in range(50) if "T%d" % (i % 3 + 1) == team}
            text = nh.body_text(msg)
            listed = set(re.findall(r"\* #\d+ (P\d\d):", text))
            assert listed == want
            assert msg["Subject"].startswith("MASH: %d overdue: " % len(want))
            assert msg.get_content_type() == "multipart/alternative"
            html = nh.body_html(msg)
            for child in want:
                assert 'href="https://cms.example.org/child/%s"' % child in html
        # The audit: 3 emails sent, 50 alerts carried, one attempt each.
        assert db.query("select count(*), count(*) filter (where status = 'sent') "
                        "from mashwatch.emails") == [(3, 3)]
        assert db.query("select count(distinct alert_id) from mashwatch.email_alerts") == [(50,)]
        assert db.query("select outcome, code, count(*) from mashwatch.email_attempts "
                        "group by 1, 2") == [("sent", 250, 3)]
        assert db.query("select count(*) from mashwatch.notifications "
                        "where claimed_at is null") == [(0,)]
        # No child identifiers in the log.
        assert "P01" not in daemon.text() and "C01" not in daemon.text()
    finally:
        daemon.stop()
        smtp.stop()
