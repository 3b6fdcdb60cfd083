"""The state schema's version, checked by the daemon and every mashwatchctl
command that reads the state: older or newer than the binary needs is exit
78 with a message that says what to do, and /readyz is never 200 on it."""

import re
import subprocess

import pytest

import mw
import opsdata

VERSIONS = sorted(int(p.name.split("_")[0]) for p in (mw.REPO / "etc" / "sql" / "state").glob("*.sql"))
WANT = VERSIONS[-1]
# The migration before the last: numbers may skip (one reserved by a branch
# not merged yet), so not WANT - 1.
PREVIOUS = VERSIONS[-2]
OLDER = "state schema is version %d, this mashwatch needs %d: run `mashwatchctl migrate`"


def config(tmp_path, db, **kw):
    return mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, poll_interval=1, **kw)


def newer(db):
    db.execute("insert into mashwatch.schema_migrations (version, name) "
               "values (%s, 'from_the_future')", (WANT + 1,))


def daemon_exit(build, conf, tmp_path):
    """Run mashwatchd to its end; (exit status, log)."""
    d = mw.Daemon(build, conf, tmp_path / "d.log")
    try:
        rc = d.proc.wait(30)
    except subprocess.TimeoutExpired:
        d.stop()
        raise AssertionError("mashwatchd kept running:\n" + d.text())
    d.log.close()
    return rc, d.text()


def test_daemon_refuses_an_unmigrated_state(build, tmp_path, db):
    rc, log = daemon_exit(build, config(tmp_path, db), tmp_path)
    assert rc == 78, log
    assert OLDER % (0, WANT) in log
    # Nothing answered the lease: no daemon is the leader of an empty database.
    assert "another daemon is the leader" not in log
    assert db.query("select to_regclass('mashwatch.leases')")[0][0] is None


def test_daemon_refuses_an_older_schema(build, tmp_path, db):
    conf = config(tmp_path, db)
    mw.migrate(build, conf)
    db.execute("delete from mashwatch.schema_migrations where version = %s", (WANT,))
    rc, log = daemon_exit(build, conf, tmp_path)
    assert rc == 78, log
    assert OLDER % (PREVIOUS, WANT) in log
    assert db.query("select count(*) from mashwatch.leases")[0][0] == 0


def test_daemon_refuses_a_newer_schema(build, tmp_path, db):
    conf = config(tmp_path, db)
    mw.migrate(build, conf)
    newer(db)
    rc, log = daemon_exit(build, conf, tmp_path)
    assert rc == 78, log
    assert "state schema is version %d, this mashwatch needs %d" % (WANT + 1, WANT) in log
    assert db.query("select count(*) from mashwatch.leases")[0][0] == 0


CTL_READERS = [
    ("status",),
    ("history", "--child", "C1"),
    ("ack", "1", "--by", "ops"),
    ("report", "--date", "2026-01-05", "--format", "json"),
    # A Monday: --send claims each email in the state's mashwatch.forecasts.
    ("forecast", "--at", "2026-01-05T15:00:00Z", "--send"),
]


@pytest.mark.parametrize("args", CTL_READERS, ids=lambda a: a[0])
def test_ctl_refuses_a_wrong_schema(build, tmp_path, db, args):
    conf = config(tmp_path, db)
    p = mw.run(build, "mashwatchctl", "-c", conf, *args, check=False)
    assert p.returncode == 78, p.stderr
    assert p.stderr == "mashwatchctl: " + OLDER % (0, WANT) + "\n"
    mw.migrate(build, conf)
    newer(db)
    p = mw.run(build, "mashwatchctl", "-c", conf, *args, check=False)
    assert p.returncode == 78, p.stderr
    assert p.stderr.startswith("mashwatchctl: state schema is version %d, this "
                               "mashwatch needs %d" % (WANT + 1, WANT))


def test_migrate_refuses_a_newer_schema(build, tmp_path, db):
    conf = config(tmp_path, db)
    mw.migrate(build, conf)
    newer(db)
    p = mw.run(build, "mashwatchctl", "-c", conf, "migrate", check=False)
    assert p.returncode == 78, p.stdout + p.stderr
    assert "nothing to do" not in p.stdout
    assert "state schema is version %d" % (WANT + 1) in p.stderr


def test_a_wrong_schema_after_a_reconnect_is_never_ready(build, tmp_path, db):
    """Found on a reconnect (a restore, a failover), a wrong version stands
    the daemon by, /readyz 503 saying why, mashwatch_ready 0; put right, it
    leads again without a restart."""
    port = mw.free_port()
    conf = config(tmp_path, db, http_listen="127.0.0.1:%d" % port)
    mw.migrate(build, conf)
    d = mw.Daemon(build, conf, tmp_path / "d.log")
    try:
        opsdata.http_port(d, port)
        mw.wait_for(lambda: opsdata.get(port, "/readyz") == (200, "ready: leader\n"),
                    what="/readyz 200")
        newer(db)
        db.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                   "where datname = current_database() and pid <> pg_backend_pid()")
        want = (503, "not ready: state schema is version %d, this mashwatch needs %d: "
                "it is newer than this mashwatch knows (run the mashwatch that "
                "migrated it)\n" % (WANT + 1, WANT))
        # Once the daemon has seen the connection go: unreachable, then
        # the wrong version, and never 200 again.
        mw.wait_for(lambda: opsdata.get(port, "/readyz")[0] == 503, what="/readyz 503")
        seen = mw.wait_for(lambda: (lambda r: r == want or (r[0] == 200 and "200"))(
            opsdata.get(port, "/readyz")), what="/readyz naming the schema")
        assert seen is True
        m = opsdata.get(port, "/metrics")[1]
        assert re.search(r"^mashwatch_ready 0$", m, re.M), m
        assert re.search(r"^mashwatch_leader 0$", m, re.M), m
        assert re.search(r"^mashwatch_state_schema_ok 0$", m, re.M), m
        d.wait_log("standing by, not ready, until it is right")
        assert d.alive()
        db.execute("delete from mashwatch.schema_migrations where version = %s",
                   (WANT + 1,))
        mw.wait_for(lambda: opsdata.get(port, "/readyz") == (200, "ready: leader\n"),
                    timeout=30, what="/readyz 200 again")
        assert re.search(r"^mashwatch_state_schema_ok 1$",
                         opsdata.get(port, "/metrics")[1], re.M)
    finally:
        assert d.stop() == 0


def test_a_lease_that_cannot_be_read_is_not_another_leader(build, tmp_path, db):
    """The lease table gone (the version right): the lease query fails, and
    that is no reason to say another daemon leads, nor to be ready."""
    port = mw.free_port()
    conf = config(tmp_path, db, http_listen="127.0.0.1:%d" % port)
    mw.migrate(build, conf)
    db.execute("drop table mashwatch.leases")
    d = mw.Daemon(build, conf, tmp_path / "d.log")
    try:
        opsdata.http_port(d, port)
        d.wait_log("leader lease: ")
        d.wait_log("leader lease: still", timeout=10)
        status, body = opsdata.get(port, "/readyz")
        assert status == 503, body
        assert "another daemon is the leader" not in d.text()
        assert re.search(r"^mashwatch_ready 0$", opsdata.get(port, "/metrics")[1], re.M)
    finally:
        d.stop()
