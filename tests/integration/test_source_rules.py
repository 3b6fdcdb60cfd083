"""The one source reader and its validity rules (issue 13), on a real
PostgreSQL, for the live daemon, --once and the report alike: hostile rows
(infinity, -infinity, year 0001, a stop in 9999, NULL and empty keys,
duplicates, an unlisted priority, an unknown clock) and a mapping view
that fails on a child id, which must reach no log line and no stderr."""

import json
import urllib.error
import urllib.request

import pytest

import mw
import testclock

SECRET = "CHILD-SECRET-4242"

# da_screening as a site that lists only high and medium.
CLOCKS = {"da_screening": dict(limit="3 working days",
                               limits=dict(high="1 working day",
                                           medium="1 working day"))}


def hostile_view(db):
    """mash.clocks becomes the real mapping plus a table of hostile rows."""
    db.execute("alter view mash.clocks rename to clocks_real")
    db.execute("create table public.hostile as select * from mash.clocks_real with no data")
    db.execute("create view mash.clocks as select * from mash.clocks_real "
               "union all select * from public.hostile")


def add(db, clock, instance, child, started, stopped=None, priority=None):
    db.execute("insert into public.hostile (clock, instance_id, child_id, team_id, "
               "priority, started_at, stopped_at, updated_at) "
               "values (%s, %s, %s, 'MASH', %s, %s, %s, now())",
               (clock, instance, child, priority, started, stopped))


def seed_hostile(db, start):
    add(db, "contact_decision", "H-INF", "P1", start, "infinity")
    add(db, "contact_decision", "H-NINF", "P2", "-infinity")
    add(db, "contact_decision", "H-0001", "P3", "0001-01-01 00:00+00")
    add(db, "contact_decision", "H-9999", "P4", start, "9999-12-31 00:00+00")
    add(db, "contact_decision", None, "P5", start)
    add(db, "contact_decision", None, "P6", start)
    add(db, "contact_decision", "H-DUP", "P7", start)
    add(db, "contact_decision", "H-DUP", "P7", start)
    add(db, "da_screening", "H-PRIO", "P8", start, priority="standard")
    add(db, "no_such_clock", "H-UNK", "P9", start)
    add(db, None, "H-NOCLOCK", "P10", start)
    add(db, "contact_decision", "H-NOCHILD", None, start)
    add(db, "", "H-EMPTYCLOCK", "P11", start)
    add(db, "contact_decision", "", "P12", start)
    add(db, "contact_decision", "H-EMPTYCHILD", "", start)


EXPECT = {
    "H-INF": "timestamp out of range",
    "H-NINF": "timestamp out of range",
    "H-0001": "timestamp out of range",
    "H-9999": "stopped in the future",
    "H-DUP": "duplicated instance",
    "H-PRIO": "priority 'standard' is not configured for da_screening; "
              "timed on the default limit of 3 working days",
    "H-UNK": "unknown clock 'no_such_clock'",
    "H-NOCHILD": "child_id is missing",
    "H-EMPTYCHILD": "child_id is missing",
}

# Findings per reason, as the live rules judge seed_hostile's rows.
PRIO = EXPECT["H-PRIO"]
COUNTS = {
    "timestamp out of range": 3,        # infinity, -infinity, 0001
    "stopped in the future": 1,         # 9999
    "instance_id is missing": 3,        # NULL twice, ''
    "clock is missing": 2,              # NULL, ''
    "child_id is missing": 2,           # NULL, ''
    "duplicated instance": 1,
    "unknown clock 'no_such_clock'": 1,
    PRIO: 1,                            # timed, and a finding
}
# Rows keyed by a reference to the row: no clock, or no instance.
KEYLESS = ("instance_id is missing", "clock is missing")


def counts(reasons):
    n = {}
    for r in reasons:
        n[r] = n.get(r, 0) + 1
    return n


@pytest.fixture
def config(db, build, tmp_path):
    path = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, clocks=CLOCKS)
    mw.migrate(build, path)
    return path


def check_findings(reasons_by_instance, null_refs):
    for inst, reason in EXPECT.items():
        assert reason in reasons_by_instance.get(inst, []), (inst, reasons_by_instance)
    # Five rows without a clock or an instance (NULL or ''): five findings,
    # each keyed by its own row.
    assert len(null_refs) == 5 and len(set(null_refs)) == 5, null_refs
    assert all(r.startswith("row:") for r in null_refs)


def test_once_hostile_rows(db, build, config):
    hostile_view(db)
    start = testclock.hours_ago(24 * 10)
    seed_hostile(db, start)
    lines = mw.once(build, config, all=True)
    invalid = [l for l in lines if l["type"] == "invalid"]
    by_inst = {}
    for l in invalid:
        by_inst.setdefault(l["instance"], []).append(l["reason"])
    nulls = [l["instance"] for l in invalid if l["reason"] in KEYLESS]
    check_findings(by_inst, nulls)
    assert counts(l["reason"] for l in invalid) == COUNTS
    # The unlisted priority is timed too: a clock line and an invalid line.
    clocks = {l["instance"]: l for l in lines if l["type"] == "clock"}
    assert clocks["H-PRIO"]["state"] in ("overdue", "escalated")
    # A duplicate is timed once; the invalid rows not at all.
    assert clocks["H-DUP"]["clock"] == "contact_decision"
    for bad in ("H-INF", "H-NINF", "H-0001", "H-9999", "H-UNK", "H-NOCLOCK",
                "H-NOCHILD", "H-EMPTYCLOCK", "H-EMPTYCHILD"):
        assert bad not in clocks

    # check-source counts them by reason through the same reader.
    p = mw.run(build, "mashwatchctl", "-c", config, "check-source", "--format", "json")
    assert {i["reason"]: i["rows"] for i in json.loads(p.stdout)["invalid"]
            if i["source"] == "mash.clocks"} == COUNTS

    # --at keeps its replay rule: a stop after TIME has not happened yet.
    at = testclock.now().isoformat(timespec="seconds")
    lines = mw.once(build, config, at=at, all=True)
    clocks = {l["instance"]: l for l in lines if l["type"] == "clock"}
    assert clocks["H-9999"]["stopped_at"] is None
    assert not any(l["type"] == "invalid" and l["instance"] == "H-9999" for l in lines)
    assert any(l["type"] == "invalid" and l["instance"] == "H-INF" for l in lines)
    replay = dict(COUNTS)
    del replay["stopped in the future"]
    assert counts(l["reason"] for l in lines if l["type"] == "invalid") == replay


def test_report_hostile_rows(db, build, config):
    """The report reads through the same reader: no 'cannot convert
    infinity', the same rows invalid, the unlisted priority timed."""
    hostile_view(db)
    seed_hostile(db, testclock.hours_ago(24 * 10))
    p = mw.run(build, "mashwatchctl", "-c", config, "report", "--format", "json")
    report = json.loads(p.stdout)
    # The report gives a total only: every reason of COUNTS but the live
    # one (its stop is after the report's end: still open) and the timed
    # unlisted priority; that is infinity, -infinity, 0001, three rows
    # without an instance, two without a clock, two without a child, the
    # unknown clock and the twin of the duplicated instance.
    want = sum(n for r, n in COUNTS.items() if r not in ("stopped in the future", PRIO))
    assert want == 12
    assert report["invalid"] == want, report["invalid"]
    da = [c for c in report["clocks"] if c["clock"] == "da_screening"][0]
    assert da["open"] == 1 and da["overdue"] == 1
    # H-DUP timed once; H-9999 open (its stop is after the report's end).
    cd = [c for c in report["clocks"] if c["clock"] == "contact_decision"][0]
    assert cd["open"] == 2, cd


def test_daemon_hostile_rows(db, build, config, tmp_path):
    hostile_view(db)
    seed_hostile(db, testclock.hours_ago(24 * 10))
    d = mw.Daemon(build, config, tmp_path / "d.log")
    try:
        d.wait_log("loaded ")
        rows = mw.wait_for(lambda: db.query(
            "select instance_id, detail->>'instance', detail->>'reason' "
            "from mashwatch.alerts where level = 'data_quality'"), what="findings")
        total = sum(COUNTS.values())
        mw.wait_for(lambda: len(db.query("select 1 from mashwatch.alerts "
                                         "where level = 'data_quality'")) >= total,
                    what="%d findings" % total)
        rows = db.query("select instance_id, detail->>'instance', detail->>'reason' "
                        "from mashwatch.alerts where level = 'data_quality'")
        by_inst = {}
        for _, inst, reason in rows:
            by_inst.setdefault(inst, []).append(reason)
        nulls = [inst for _, inst, reason in rows if reason in KEYLESS]
        check_findings(by_inst, nulls)
        assert counts(reason for _, _, reason in rows) == COUNTS
        # The unlisted priority is timed: it went overdue like any other.
        timed = mw.wait_for(lambda: db.query(
            "select level from mashwatch.alerts where rule = 'da_screening' "
            "and instance_id = 'H-PRIO' and level = 'overdue'"), what="H-PRIO overdue")
        assert timed
        # Each finding fires once: a resync does not fire them again.
        n = len(rows)
        d.stop()
        d = mw.Daemon(build, config, tmp_path / "d2.log")
        d.wait_log("loaded ")
        assert len(db.query("select 1 from mashwatch.alerts "
                            "where level = 'data_quality'")) == n
    finally:
        d.stop()


def failing_view(db):
    """A mapping that casts child ids to integers: fails on SECRET."""
    db.execute("alter view mash.clocks rename to clocks_real")
    db.execute("create table public.kids (child_id text, updated_at timestamptz)")
    db.execute("insert into public.kids values ('1', now())")
    db.execute("create view mash.clocks as select c.clock, c.instance_id, "
               "(k.child_id::int)::text as child_id, c.team_id, c.worker_id, "
               "c.priority, c.started_at, c.stopped_at, "
               "greatest(c.updated_at, k.updated_at) as updated_at "
               "from mash.clocks_real c cross join public.kids k")


def test_failing_view_no_child_id_in_logs(db, build, tmp_path):
    port = mw.free_port()
    config = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, poll_interval=1,
                             http_listen="127.0.0.1:%d" % port)
    mw.migrate(build, config)
    db.execute("insert into cms.teams (team_id, name) values ('MASH', 'MASH')")
    db.execute("insert into cms.children (child_id) values ('P1')")
    db.execute("insert into cms.contacts (contact_id, child_id, team_id, received_at, "
               "source) values ('C1', 'P1', 'MASH', %s, 'school')",
               (testclock.hours_ago(24 * 10),))
    failing_view(db)
    d = mw.Daemon(build, config, tmp_path / "d.log")
    try:
        d.wait_log("loaded ")
        mw.wait_for(lambda: db.query("select 1 from mashwatch.alerts "
                                     "where rule = 'contact_decision'"), what="an alert")
        # Now a row the mapping cannot cast: every poll fails on it.
        db.execute("insert into public.kids values (%s, now())", (SECRET,))
        d.wait_log("SQLSTATE 22P02 (invalid_text_representation)")

        def readyz():
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/readyz" % port, timeout=5)
                return None
            except urllib.error.HTTPError as e:
                return e.read().decode()
        why = mw.wait_for(readyz, what="/readyz 503")
        assert "source failing" in why and "mash.clocks" in why and "22P02" in why
        assert "last good model" in why
        metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                         timeout=5).read().decode()
        failing = [l for l in metrics.splitlines()
                   if l.startswith("mashwatch_source_failing_polls ")]
        assert failing and int(failing[0].split()[1]) >= 1
        # The last good model stays: nothing withdrawn.
        assert not db.query("select 1 from mashwatch.alerts where resolution = 'withdrawn'")
        assert d.alive()
    finally:
        d.stop()
    assert SECRET not in d.text()

    once = mw.run(build, "mashwatchd", "-c", config, "--once", check=False)
    assert once.returncode == 69
    assert "22P02" in once.stderr
    report = mw.run(build, "mashwatchctl", "-c", config, "report", check=False)
    assert report.returncode != 0
    assert "22P02" in report.stderr
    outs = [once.stdout, once.stderr, report.stdout, report.stderr]

    # mashwatchctl too: check-source reads the failing mash.clocks; routes
    # reads a mash.teams that fails on the same row; status reads a state
    # table that does (PostgreSQL's text would quote the child id).
    check = mw.run(build, "mashwatchctl", "-c", config, "check-source", check=False)
    assert check.returncode == 65 and "22P02" in check.stdout, check.stdout
    db.execute("alter view mash.teams rename to teams_real")
    db.execute("create view mash.teams as select t.* from mash.teams_real t "
               "cross join public.kids k where k.child_id::int > 0")
    routes = mw.run(build, "mashwatchctl", "-c", config, "routes", check=False)
    assert routes.returncode == 69 and "22P02" in routes.stderr, routes.stderr
    db.execute("alter table mashwatch.sync rename to sync_real")
    db.execute("create view mashwatch.sync as select s.source, s.last_poll_at, "
               "s.last_full_at, s.rows_read + k.child_id::int as rows_read "
               "from mashwatch.sync_real s cross join public.kids k")
    status = mw.run(build, "mashwatchctl", "-c", config, "status", check=False)
    assert status.returncode != 0 and "22P02" in status.stderr, status.stderr
    for p in (check, routes, status):
        outs += [p.stdout, p.stderr]
    for out in outs:
        assert SECRET not in out


def test_unreachable_fails_fast(build, tmp_path):
    """--once and mashwatchctl give up with 69 within the connect timeout."""
    port = mw.free_port()      # nothing listens there
    config = mw.write_config(tmp_path / "mashwatch.conf",
                             "host=127.0.0.1 port=%d connect_timeout=3" % port)
    for args in (["mashwatchd", "--once"], ["mashwatchctl", "status"],
                 ["mashwatchctl", "report"]):
        p = mw.run(build, args[0], "-c", config, *args[1:], check=False, timeout=15)
        assert p.returncode == 69, (args, p.returncode, p.stderr)
        assert "unavailable" in p.stderr


def test_bad_conninfo_is_a_config_error(build, tmp_path):
    config = mw.write_config(tmp_path / "mashwatch.conf", "host=/tmp bogus")
    p = mw.run(build, "mashwatchd", "-t", "-c", config, check=False)
    assert p.returncode == 78
    assert "source.conninfo: libpq cannot parse it" in p.stderr
    assert "configuration OK" not in p.stdout


@pytest.mark.parametrize("conninfo", [
    "postgresql://u:sekret@[bad",             # libpq quotes the whole URI
    "host=/tmp password=my sekret",           # ... the word it cannot read
    "postgresql://u@h/db?password=sekret%zz",  # ... the token it cannot decode
])
def test_bad_conninfo_password_not_printed(build, tmp_path, conninfo):
    config = mw.write_config(tmp_path / "mashwatch.conf", conninfo)
    p = mw.run(build, "mashwatchd", "-t", "-c", config, check=False)
    assert p.returncode == 78
    assert "source.conninfo: libpq cannot parse it: " in p.stderr, p.stderr
    assert "sekret" not in p.stdout + p.stderr, p.stderr
