"""mashwatchd -t finds what would fail once running: files the config names
(missing, or with modes the daemon refuses), libpq service names that do
not resolve in the files libpq reads, a holiday list that has run out (an
error) or runs out within a year (a warning naming its last year); with
--connect, both databases and the SMTP relay's handshake (EHLO, AUTH),
nothing sent.  Times follow the test clock."""

import os

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

import mw
import testclock


def site(tmp_path, conninfo="dbname=x", holidays_to=None, notify=None, extra_env=None):
    """A config (SMTP transport, holiday list to `holidays_to`, default two
    years ahead) and the environment -t runs in."""
    year = testclock.local_now().year
    last = holidays_to if holidays_to is not None else year + 2
    hol = tmp_path / "holidays.txt"
    hol.write_text("".join("%d-12-25\n" % y for y in range(year - 2, last + 1)))
    calendar = 'calendar: { timezone = "Europe/London"; holidays = "%s"; };' % hol
    notify = notify or ('notify: { transport = "smtp"; smtp_url = "smtp://127.0.0.1:1"; '
                        'require_starttls = false; from = "mashwatch@example.org"; };')
    conf = mw.write_config(tmp_path / "mashwatch.conf", conninfo, calendar=calendar,
                           notify=notify)
    services = tmp_path / "pg_service.conf"
    if not services.exists():
        services.write_text("# none\n")
    env = {**os.environ, "PGSERVICEFILE": str(services), "PGSYSCONFDIR": str(tmp_path / "sys")}
    env.pop("PGSERVICE", None)
    env.update(extra_env or {})
    return conf, testclock.env(env)


def check(build, conf, env, *more):
    import subprocess
    return subprocess.run([str(build / "mashwatchd"), "-t", "-c", str(conf), *more],
                          capture_output=True, text=True, timeout=60, env=env)


def smtp_notify(port, user=None, password_file=None):
    auth = ""
    if user:
        auth = 'smtp_user = "%s"; password_file = "%s"; ' % (user, password_file)
    return ('notify: { transport = "smtp"; smtp_url = "smtp://127.0.0.1:%d"; %s'
            'require_starttls = false; from = "mashwatch@example.org"; };' % (port, auth))


def test_password_file_missing_or_readable_by_others(build, tmp_path):
    pw = tmp_path / "smtp-password"
    notify = smtp_notify(1, "mw", pw)
    conf, env = site(tmp_path, notify=notify)
    p = check(build, conf, env)
    assert p.returncode == 78
    assert p.stderr == "mashwatchd: notify.password_file: %s: No such file or directory\n" % pw
    assert "configuration OK" not in p.stdout
    pw.write_text("secret\n")
    pw.chmod(0o644)
    p = check(build, conf, env)
    assert p.returncode == 78
    assert "readable by others: refused" in p.stderr
    # Writable by others: the transport refuses it when it sends.
    pw.chmod(0o602)
    p = check(build, conf, env)
    assert p.returncode == 78
    assert "notify.password_file: %s: others have access to it (mode 0602)" % pw in p.stderr
    pw.chmod(0o600)
    p = check(build, conf, env)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "configuration OK\n"


def test_holiday_file_writable_by_anyone(build, tmp_path):
    conf, env = site(tmp_path)
    (tmp_path / "holidays.txt").chmod(0o666)
    p = check(build, conf, env)
    assert p.returncode == 78
    assert "calendar.holidays: %s: anyone may write it (mode 0666)" % (tmp_path / "holidays.txt") \
        in p.stderr


def test_service_names_resolve_where_libpq_looks(build, tmp_path):
    conf, env = site(tmp_path, conninfo="service=nosuchservice")
    p = check(build, conf, env)
    assert p.returncode == 78
    assert ('mashwatchd: source.conninfo: service "nosuchservice" is not defined in %s or %s'
            % (tmp_path / "pg_service.conf", tmp_path / "sys" / "pg_service.conf")) in p.stderr
    assert 'state.conninfo: service "nosuchservice"' in p.stderr
    # In PGSERVICEFILE.
    (tmp_path / "pg_service.conf").write_text("[other]\ndbname=a\n  [nosuchservice]\ndbname=b\n")
    assert check(build, conf, env).returncode == 0
    # Not there, but in PGSYSCONFDIR's file, which libpq reads next.
    (tmp_path / "pg_service.conf").write_text("[other]\ndbname=a\n")
    (tmp_path / "sys").mkdir()
    (tmp_path / "sys" / "pg_service.conf").write_text("[nosuchservice]\ndbname=b\n")
    assert check(build, conf, env).returncode == 0
    # Without PGSERVICEFILE libpq reads ~/.pg_service.conf first.
    (tmp_path / "sys" / "pg_service.conf").unlink()
    home = tmp_path / "home"
    home.mkdir()
    env = dict(env, HOME=str(home))
    del env["PGSERVICEFILE"]
    p = check(build, conf, env)
    assert p.returncode == 78 and str(home / ".pg_service.conf") in p.stderr, p.stderr
    (home / ".pg_service.conf").write_text("[nosuchservice]\nhost=/tmp\n")
    assert check(build, conf, env).returncode == 0
    # PGSERVICE stands for a service the string does not name.
    conf, env = site(tmp_path, conninfo="dbname=x", extra_env={"PGSERVICE": "missing"})
    p = check(build, conf, env)
    assert p.returncode == 78 and 'service "missing"' in p.stderr


def test_holidays_run_out(build, tmp_path):
    year = testclock.local_now().year
    conf, env = site(tmp_path, holidays_to=year - 1)
    p = check(build, conf, env)
    assert p.returncode == 78
    assert "calendar.holidays: %s ends with %d: today" % (tmp_path / "holidays.txt", year - 1) \
        in p.stderr
    # This year only: today is covered, the next 365 days are not.
    conf, env = site(tmp_path, holidays_to=year)
    p = check(build, conf, env)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ("mashwatchd: warning: calendar.holidays: %s covers up to the end "
                        "of %d only: add the next year's holidays before then\n"
                        % (tmp_path / "holidays.txt", year))
    # Next year too: the year ahead is covered, whatever today's date.
    conf, env = site(tmp_path, holidays_to=year + 1)
    p = check(build, conf, env)
    assert p.returncode == 0 and p.stderr == "", p.stderr


class Relay:
    """aiosmtpd with AUTH and a record of the commands it saw."""

    def __init__(self):
        self.seen = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.seen.append("EHLO")
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, options):
        self.seen.append("MAIL")
        return "250 OK"

    def auth(self, server, session, envelope, mechanism, data):
        self.seen.append("AUTH %s" % (data.login.decode() if data else "?"))
        ok = data is not None and data.password == b"secret"
        return AuthResult(success=ok)


def test_connect_checks_databases_and_relay(build, tmp_path, db):
    relay = Relay()
    port = mw.free_port()
    ctl = Controller(relay, hostname="127.0.0.1", port=port, authenticator=relay.auth,
                     auth_require_tls=False)
    ctl.start()
    try:
        pw = tmp_path / "smtp-password"
        pw.write_text("secret\n")
        pw.chmod(0o600)
        conf, env = site(tmp_path, conninfo=db.conninfo,
                         notify=smtp_notify(port, "mashwatch", pw))
        mw.migrate(build, conf)
        p = check(build, conf, env, "--connect")
        assert p.returncode == 0, p.stderr
        assert "source database: ok" in p.stdout
        assert "state database: ok" in p.stdout
        assert "smtp relay smtp://127.0.0.1:%d: ok (EHLO, AUTH, nothing sent)" % port in p.stdout
        assert p.stdout.endswith("configuration OK\n")
        assert "EHLO" in relay.seen and "AUTH mashwatch" in relay.seen
        assert "MAIL" not in relay.seen
        # A wrong password: the relay refuses AUTH, and -t says so.
        pw.write_text("wrong\n")
        p = check(build, conf, env, "--connect")
        assert p.returncode == 69
        assert "mashwatchd: smtp relay: smtp://127.0.0.1:%d:" % port in p.stderr
        assert "configuration OK" not in p.stdout
    finally:
        ctl.stop()
    # Nothing listening, and a source database that does not exist.
    dead = mw.free_port()
    conf, env = site(tmp_path, conninfo=db.conninfo.replace(db.name, "nosuchdb"),
                     notify=smtp_notify(dead))
    p = check(build, conf, env, "--connect")
    assert p.returncode == 69
    assert "mashwatchd: source database: cannot connect" in p.stderr
    assert "mashwatchd: state database: cannot connect" in p.stderr
    assert "mashwatchd: smtp relay: smtp://127.0.0.1:%d:" % dead in p.stderr


def test_connect_needs_t(build, tmp_path):
    conf, env = site(tmp_path)
    import subprocess
    p = subprocess.run([str(build / "mashwatchd"), "--connect", "-c", str(conf)],
                       capture_output=True, text=True, timeout=30, env=env)
    assert p.returncode == 64
    assert "mashwatchd: --connect needs -t" in p.stderr


def env_at(when):
    """The environment that runs a mashwatch binary at `when` (libfaketime)."""
    from datetime import datetime, timezone
    if not testclock.LIBFAKETIME:
        import pytest
        pytest.skip("needs libfaketime")
    e = dict(os.environ)
    e["LD_PRELOAD"] = testclock.LIBFAKETIME
    e["FAKETIME"] = "%+ds" % int(when.timestamp() - datetime.now(timezone.utc).timestamp())
    e["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
    opts = e.get("ASAN_OPTIONS", "")
    e["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "verify_asan_link_order=0"
    return e


def test_daemon_warns_when_holidays_run_out(build, tmp_path):
    """A list ending with 2030: on 20 November 2030 the daemon warns (42
    days left) and /metrics says when it ends; on 1 June it says nothing."""
    import re
    from datetime import datetime
    import opsdata
    hol = tmp_path / "holidays.txt"
    hol.write_text("2029-12-25\n2030-12-25\n")
    calendar = 'calendar: { timezone = "Europe/London"; holidays = "%s"; };' % hol
    until = int(datetime(2031, 1, 1, tzinfo=testclock.LONDON).timestamp())
    for when, warned in ((datetime(2030, 11, 20, 12, tzinfo=testclock.LONDON), True),
                         (datetime(2030, 6, 1, 12, tzinfo=testclock.LONDON), False)):
        port = mw.free_port()
        # Databases that never answer: the calendar is looked at regardless.
        conf = mw.write_config(tmp_path / "mashwatch.conf", "host=127.0.0.1 port=1 dbname=x",
                               calendar=calendar, http_listen="127.0.0.1:%d" % port)
        d = mw.Daemon(build, conf, tmp_path / "d.log", env=env_at(when))
        try:
            opsdata.http_port(d, port)
            m = opsdata.get(port, "/metrics")[1]
            assert re.search(r"^mashwatch_calendar_holidays_until_seconds %d$" % until, m, re.M), m
            line = "calendar.holidays: %s runs out at the end of 2030, in 42 days: " \
                "add next year's holidays and reload" % hol
            assert (line in d.text()) is warned, d.text()
            assert ("runs out" in d.text()) is warned
        finally:
            d.stop()


def test_connect_requires_starttls_where_configured(build, tmp_path, db):
    """notify.require_starttls and a relay that offers no STARTTLS: the
    daemon could never send, so -t --connect says so (exit 69)."""
    relay = Relay()
    port = mw.free_port()
    ctl = Controller(relay, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        notify = ('notify: { transport = "smtp"; smtp_url = "smtp://127.0.0.1:%d"; '
                  'require_starttls = true; from = "mashwatch@example.org"; };' % port)
        conf, env = site(tmp_path, conninfo=db.conninfo, notify=notify)
        mw.migrate(build, conf)
        p = check(build, conf, env, "--connect")
        assert p.returncode == 69, p.stdout + p.stderr
        assert "mashwatchd: smtp relay: smtp://127.0.0.1:%d:" % port in p.stderr
        assert "EHLO" in relay.seen and "MAIL" not in relay.seen
    finally:
        ctl.stop()
