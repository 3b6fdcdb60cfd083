"""Every command in the EXAMPLES of mashwatchd(8) and mashwatchctl(1) runs,
as written, against a test database (only the config path and the programs'
folder are put in), and exits 0.  The man pages cannot drift from the
programs unseen."""

import pathlib
import re
import shlex
import subprocess

import pytest

import mw
import testclock

REPO = pathlib.Path(__file__).resolve().parents[2]
PAGES = [REPO / "doc" / "mashwatchd.8", REPO / "doc" / "mashwatchctl.1"]
CONF = "/etc/mashwatch/mashwatch.conf"
# report.archive's default: the region example reads an extract from it.
ARCHIVE = "/var/lib/mashwatch/reports"


def examples(page):
    text = page.read_text()
    m = re.search(r"^\.SH EXAMPLES\n(.*?)^\.SH ", text, re.M | re.S)
    assert m, "%s has no EXAMPLES" % page.name
    block = re.search(r"^\.EX\n(.*?)^\.EE$", m.group(1), re.M | re.S).group(1)
    # roff escapes: \- is a minus.
    return [line.replace("\\-", "-") for line in block.splitlines() if line.strip()]


ALL = [(p.name, cmd) for p in PAGES for cmd in examples(p)]


@pytest.fixture
def site(build, tmp_path, db):
    """A migrated state schema, an alert 1 for child P1, a contact, a
    silence 1, a leader that has just polled, and the regional extract of
    March 2022 in the archive."""
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo, extra=(
        'reasons = ( { code = "police_unavailable"; agency = "police"; } );'))
    mw.migrate(build, config)
    db.execute("insert into cms.teams (team_id, name) values ('MASH', 'Front door')")
    db.execute("insert into cms.children (child_id) values ('P1')")
    db.execute("insert into cms.contacts (contact_id, child_id, team_id, received_at, source) "
               "values ('C1', 'P1', 'MASH', %s, 'school')", (testclock.hours_ago(30),))
    db.execute("insert into mashwatch.alerts (alert_id, rule, instance_id, level, child_id, "
               "team_id, fired_at) values (1, 'contact_decision', 'C1', 'overdue', 'P1', "
               "'MASH', now())")
    # A silence 1 to expire, and a leader that has just polled, as a running
    # daemon leaves them (status exits 0 only then).
    db.execute("insert into mashwatch.silences (clock, ends_at, note, created_by) "
               "values ('contact_decision', now() + interval '1 day', 'outage', 'ops')")
    db.execute("insert into mashwatch.leases (name, holder, expires_at) "
               "values ('leader', 'host:1', now() + interval '1 hour')")
    db.execute("insert into mashwatch.sync (source, last_poll_at) values ('mash', now())")
    archive = tmp_path / "reports"
    archive.mkdir()
    p = mw.run(build, "mashwatchctl", "-c", config, "report", "--month", "2022-03",
               "--format", "region")
    (archive / "mashwatch-month-2022-03-region.json").write_text(p.stdout)
    return config, archive


def test_every_page_has_examples():
    assert len(ALL) >= 10
    assert {p for p, _ in ALL} == {p.name for p in PAGES}


@pytest.mark.parametrize("page,command", ALL, ids=["%s: %s" % a for a in ALL])
def test_example_runs(build, site, page, command):
    config, archive = site
    argv = shlex.split(command.replace(CONF, str(config)).replace(ARCHIVE, str(archive)))
    argv[0] = str(build / argv[0])
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, "%s\nstdout:\n%s\nstderr:\n%s" % (command, p.stdout, p.stderr)
    assert "usage" not in p.stderr, command
