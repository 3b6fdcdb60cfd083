"""An operator's first day: help and versions, config errors that name the
clock, status with a leader and a standby, acknowledgements that keep their
history."""

import re

import mw
import testclock

COMMANDS = ["migrate", "status", "check-source", "due", "ack", "history", "test-email",
            "report", "help"]


def ctl(build, *args, check=False):
    return mw.run(build, "mashwatchctl", *args, check=check)


def test_help_and_version_need_no_config(build):
    p = ctl(build, "--help")
    assert p.returncode == 0 and p.stderr == ""
    for c in COMMANDS:
        assert re.search(r"^  %s " % re.escape(c), p.stdout, re.M), c
    assert ctl(build, "-h").stdout == p.stdout
    # No command: the same list, but as a usage error.
    p = ctl(build)
    assert p.returncode == 64 and "check-source" in p.stderr
    for prog in ("mashwatchctl", "mashwatchd"):
        for flag in ("-V", "--version"):
            p = mw.run(build, prog, flag)
            assert re.fullmatch(r"%s \d+\.\d+\S*\n" % prog, p.stdout), p.stdout
    p = mw.run(build, "mashwatchd", "--help")
    assert "--once" in p.stdout and "-V, --version" in p.stdout


def test_help_for_each_command(build):
    for c in COMMANDS:
        a = ctl(build, "help", c)
        b = ctl(build, c, "--help")
        assert a.returncode == 0 and b.returncode == 0, c
        assert a.stdout.startswith("usage: mashwatchctl [-c FILE] %s" % c), a.stdout
        assert a.stdout == b.stdout, c
    p = ctl(build, "help", "frobnicate")
    assert p.returncode == 64 and "no command 'frobnicate'" in p.stderr
    p = ctl(build, "frobnicate")
    assert p.returncode == 64 and "unknown command 'frobnicate'" in p.stderr


def test_config_errors_name_the_clock(build, tmp_path):
    config = mw.write_config(tmp_path / "mw.conf", "dbname=x")
    text = config.read_text().replace(
        '{ name = "icpc"; limit = "15 working days"; }',
        '{ name = "icpc"; limit = "15 workdays"; }')
    config.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "15 workdays" in l)
    p = mw.run(build, "mashwatchd", "-t", "-c", config, check=False)
    assert p.returncode == 78
    assert "%s:%d: 'clocks[icpc].limit': \"15 workdays\" is not a timescale" % (
        config, line) in p.stderr, p.stderr
    # mashwatchctl reads the same way.
    p = ctl(build, "-c", config, "status")
    assert p.returncode == 78 and "'clocks[icpc].limit'" in p.stderr


def add_overdue_contact(db, cid="C1", child="P1"):
    db.execute("insert into cms.teams (team_id, name) values ('MASH', 'Front door') "
               "on conflict do nothing")
    db.execute("insert into cms.children (child_id) values (%s)", (child,))
    db.execute("insert into cms.contacts (contact_id, child_id, team_id, received_at, source) "
               "values (%s, %s, 'MASH', %s, 'school')", (cid, child, testclock.hours_ago(24 * 8)))


def test_status_shows_leader_standby_poll_and_clocks(build, tmp_path, db):
    add_overdue_contact(db)
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo, lease_ttl=6)
    mw.migrate(build, config)
    first = mw.Daemon(build, config, tmp_path / "a.log")
    second = None
    try:
        first.wait_log("now polls and alerts")
        second = mw.Daemon(build, config, tmp_path / "b.log")
        second.wait_log("standing by")

        def ready():
            out = ctl(build, "-c", config, "status", check=True).stdout
            return out if ("standby" in out and "contact_decision 1 open 1 overdue" in out) \
                else None
        out = mw.wait_for(ready, timeout=30, what="status with both daemons")
        daemons = out.split("daemons:\n", 1)[1].split("\n\n")[0]
        assert re.search(r"^  \S+:%d leader since \d{4}-\d\d-\d\d " % first.proc.pid,
                         out, re.M), out
        assert re.search(r"^  \S+:%d standby since " % second.proc.pid, out, re.M), out
        assert daemons
        assert re.search(r"^  source mash last poll \d{4}-\d\d-\d\d \S+ \(\d+ s ago\)", out,
                         re.M), out
        assert "da_screening 0 open 0 overdue" in out
        assert "notifications waiting" in out and "emails unsent" in out
        assert "last report:" in out
    finally:
        if second:
            second.stop()
        first.stop()


def test_ack_keeps_its_history(build, tmp_path, db):
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    mw.migrate(build, config)
    (alert,) = db.query("insert into mashwatch.alerts (rule, instance_id, level, child_id, "
                        "team_id, fired_at) values ('contact_decision', 'C1', 'overdue', "
                        "'P1', 'MASH', now()) returning alert_id")[0]
    ctl(build, "-c", config, "ack", str(alert), "--by", "Jo Manager", "--note",
        "first note", check=True)
    p = ctl(build, "-c", config, "ack", str(alert), "--by", "Sam Head", "--note",
            "second note", "--until", "2031-01-01T09:00:00Z", check=True)
    assert "acknowledged by Sam Head until 2031-01-01T09:00:00Z" in p.stdout
    rows = db.query("select acked_by, note from mashwatch.acks where alert_id = %s "
                    "order by ack_id", (alert,))
    assert rows == [("Jo Manager", "first note"), ("Sam Head", "second note")]
    # The alert holds the latest, which the notifier reads.
    assert db.query("select acked_by, ack_note from mashwatch.alerts where alert_id = %s",
                    (alert,)) == [("Sam Head", "second note")]
    hist = ctl(build, "-c", config, "history", "--child", "P1", check=True).stdout
    first = hist.index('by Jo Manager ("first note")')
    second = hist.index('by Sam Head ("second note") until 2031-01-01T09:00:00+00:00')
    assert first < second


def test_ready_only_after_the_first_successful_poll(build, tmp_path, db):
    """A source the daemon cannot read yet: no READY=1 (systemd keeps the
    unit 'activating'); once the view is back, READY=1 follows the poll."""
    import os
    from pgcluster import MASH_SQL
    from test_sdnotify import NotifyListener
    add_overdue_contact(db)
    db.execute("drop view mash.clocks")
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    mw.migrate(build, config)
    listener = NotifyListener(str(tmp_path / "notify.sock"))
    env = dict(os.environ, NOTIFY_SOCKET=listener.address)
    d = mw.Daemon(build, config, tmp_path / "d.log", env=env)
    try:
        d.wait_log("now polls and alerts")
        # The daemon's own poll (not the report child, which a fresh
        # state database does not run at go-live).
        d.wait_log("reading mash.clocks: SQLSTATE 42P01")
        assert "READY" not in listener.keys()
        db.psql(MASH_SQL)
        ready = listener.wait("READY", "1", timeout=30)
        assert listener.messages[ready][1]["STATUS"].startswith("leader: ")
    finally:
        d.stop()
        listener.close()
