"""/metrics, /healthz and /readyz of a running mashwatchd.

The open and overdue counts per clock and team must match mash.clocks, the
format must be Prometheus text with HELP and TYPE lines, label values must
be escaped, and no child or instance identifier may appear - neither in
/metrics nor in the debug log.
"""
import mw
import opsdata
from opsdata import SECRET


def test_metrics_match_the_database(db, build, tmp_path):
    opsdata.load(db)
    port = mw.free_port()
    # Routine alerts wait an hour (group_wait): in working hours they would
    # otherwise be mailed at once, and emails_sent_total is asserted 0.
    notify = ('notify: { transport = "directory"; directory = "%s"; '
              'from = "mashwatch@example.org"; reminder_at = "%s"; group_wait = 3600; };'
              % (tmp_path / "outbox", mw.quiet_reminder_at()))
    conf = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo,
                           http_listen="127.0.0.1:%d" % port, poll_interval=1, notify=notify)
    mw.migrate(build, conf)
    # A site that went live before: the rows found now are not a go-live
    # backlog (which would go at once, whatever group_wait says).
    db.execute("insert into mashwatch.golive (went_live_at, holder) "
               "values (now() - interval '1 day', 'test')")
    d = mw.Daemon(build, conf, tmp_path / "daemon.log")
    try:
        opsdata.http_port(d, port)
        assert opsdata.get(port, "/healthz") == (200, "ok\n")
        mw.wait_for(lambda: opsdata.get(port, "/readyz")[0] == 200, what="/readyz 200")
        assert opsdata.get(port, "/readyz")[1] == "ready: leader\n"
        assert opsdata.get(port, "/nowhere")[0] == 404

        status, body = opsdata.get(port, "/metrics")
        assert status == 200
        print(body)
        m = opsdata.parse(body)
        want = opsdata.expected(db)
        open_ = opsdata.per_clock(m, "mashwatch_clock_open")
        overdue = opsdata.per_clock(m, "mashwatch_clock_overdue")
        for key, (n_open, n_overdue) in want.items():
            assert open_.get(key) == n_open, key
            assert overdue.get(key) == n_overdue, key
        # Nothing open that the database does not have.
        assert {k for k, v in open_.items() if v} == set(want)
        assert want[("contact_decision", opsdata.ODD_TEAM)] == (4, 3)
        assert 'team="EAST \\"1\\"\\\\x"' in body

        assert m["mashwatch_leader"][frozenset()] == 1
        assert m["mashwatch_polls_total"][frozenset()] >= 1
        assert m["mashwatch_rows_read_total"][frozenset()] > 0
        assert "mashwatch_poll_duration_seconds" in m
        assert m["mashwatch_invalid_rows"][frozenset()] == 0
        assert m["mashwatch_emails_sent_total"][frozenset()] == 0
        mw.wait_for(lambda: "mashwatch_outbox_depth" in opsdata.get(port, "/metrics")[1],
                    timeout=20, what="the outbox depth")
        depth = opsdata.parse(opsdata.get(port, "/metrics")[1])["mashwatch_outbox_depth"]
        assert depth[frozenset()] == db.query(
            "select count(*) from mashwatch.notifications where claimed_at is null")[0][0]

        # A new contact shows up on the next poll.
        db.execute("insert into cms.contacts (contact_id, child_id, team_id, received_at, source)"
                   " values ('CONTACT-SECRET-99', 'CHILD-SECRET-1', 'MASH', now(), 'health')")
        mw.wait_for(lambda: opsdata.per_clock(
            opsdata.parse(opsdata.get(port, "/metrics")[1]),
            "mashwatch_clock_open").get(("contact_decision", "MASH")) == 6,
            timeout=15, what="the new contact in /metrics")
        assert SECRET not in opsdata.get(port, "/metrics")[1]
    finally:
        rc = d.stop()
    assert rc == 0
    log = d.text()
    assert SECRET not in log, [l for l in log.splitlines() if SECRET in l]
