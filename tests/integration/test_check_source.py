"""mashwatchctl check-source: a good contract, each kind of broken one, an
unreachable source.  Exit 0 / 65 / 69, a table and --format json."""

import json

import pytest

import mw
import testclock


def seed(db):
    """A few real rows in the reference schema: two contacts (one late,
    one decided), one with a clock name the config will not know."""
    t = testclock.hours_ago(24 * 10)
    db.execute("insert into cms.teams (team_id, name) values ('MASH', 'Front door')")
    db.execute("insert into cms.children (child_id) values ('P1'), ('P2')")
    db.execute("insert into cms.contacts (contact_id, child_id, team_id, received_at, "
               "source) values ('C1', 'P1', 'MASH', %s, 'school')", (t,))
    db.execute("insert into cms.contacts (contact_id, child_id, team_id, received_at, "
               "source, decision_at, decision) values ('C2', 'P2', 'MASH', %s, "
               "'health', %s, 'no_further_action')", (t, testclock.hours_ago(24 * 9)))


def check(build, config, *args):
    return mw.run(build, "mashwatchctl", "-c", config, "check-source", *args, check=False)


def as_json(build, config):
    p = check(build, config, "--format", "json")
    return p.returncode, json.loads(p.stdout)


def test_good_contract(build, tmp_path, db):
    seed(db)
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    p = check(build, config)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "mashwatch can run on this source" in p.stdout
    assert "incremental polling: yes" in p.stdout
    for view in ("clocks", "events", "checks", "caseloads", "teams"):
        assert "\n%-10s yes      yes       ok" % view in p.stdout, p.stdout
    rc, j = as_json(build, config)
    assert rc == 0 and j["ok"] is True and j["problems"] == []
    assert j["schema"] == "mash"
    rows = {(c["clock"], c["priority"]): (c["rows"], c["open"]) for c in j["clocks"]}
    assert rows[("contact_decision", None)] == (2, 1)
    assert j["unknown_names"] == []
    assert "da_screening" in j["configured_clocks_without_rows"]
    assert j["loaded"]["open"] == 1 and j["loaded"]["overdue"] == 1
    assert j["invalid"] == []
    assert j["incremental"] is True
    clocks_view = [v for v in j["views"] if v["view"] == "clocks"][0]
    assert clocks_view["rows"] == 2 and clocks_view["newest_updated_at"]
    assert clocks_view["newest_age_seconds"] >= 0


def test_unknown_clock_and_priority_and_invalid_rows(build, tmp_path, db):
    """Names the config does not know and invalid rows are reported by
    reason (through the daemon's reader); mashwatch can still run: 0."""
    seed(db)
    t = testclock.hours_ago(5)
    db.execute("insert into cms.contacts (contact_id, child_id, team_id, received_at, "
               "source, is_da_notification, risk_level) values ('C3', 'P1', 'MASH', %s, "
               "'police', true, 'medium')", (t,))
    # The config knows no 'medium' priority for da_screening.
    config = tmp_path / "mw.conf"
    mw.write_config(config, db.conninfo)
    text = config.read_text().replace('medium = "1 working day"; ', "")
    config.write_text(text)
    # a stop before its start
    db.execute("insert into cms.contacts (contact_id, child_id, team_id, received_at, "
               "source, decision_at) values ('C4', 'P2', 'MASH', %s, 'school', %s)",
               (t, testclock.hours_ago(30)))
    rc, j = as_json(build, config)
    assert rc == 0, j
    assert any("unknown priority" in u and "medium" in u for u in j["unknown_names"]), j
    bad = {(i["source"], i["reason"]): i["rows"] for i in j["invalid"]}
    assert bad[("mash.clocks", "stopped before it started")] == 1, bad
    # Still timed (on the clock's default limit), and reported.
    assert bad[("mash.clocks", "priority 'medium' is not configured for da_screening; "
                "timed on the default limit of 3 working days")] == 1, bad
    p = check(build, config)
    assert "invalid rows, by reason:" in p.stdout
    assert "priority 'medium' is not configured for da_screening" in p.stdout

    # A name from the source with an escape sequence in it reaches the
    # operator's terminal escaped, in every line that quotes it.  (The
    # reference schema's check would refuse it; a site's need not.)
    db.execute("alter table cms.contacts drop constraint contacts_risk_level_check")
    db.execute("insert into cms.contacts (contact_id, child_id, team_id, received_at, "
               "source, is_da_notification, risk_level) values ('C5', 'P1', 'MASH', %s, "
               "'police', true, 'hi' || chr(27) || '[2J' || chr(7))", (t,))
    p = check(build, config)
    assert "\x1b" not in p.stdout and "\x07" not in p.stdout
    assert "hi\\x1b[2J\\x07" in p.stdout


BROKEN = [
    # (what, SQL that breaks it, view, column, words)
    ("missing view", "drop view mash.teams", "teams", None, "missing"),
    ("missing column",
     "drop view mash.caseloads; create view mash.caseloads as "
     "select 'W1'::text as worker_id, 'MASH'::text as team_id",
     "caseloads", "open_cases", "missing column"),
    ("wrong type",
     "drop view mash.events; create view mash.events as select 'contact'::text as kind, "
     "'E1'::text as event_id, 'P1'::text as child_id, null::text as team_id, "
     "now()::timestamp as occurred_at, now() as updated_at",
     "events", "occurred_at", "type timestamp without time zone, the contract says timestamptz"),
    ("unreadable",
     "create role cs_reader login; grant usage on schema mash to cs_reader; "
     "grant select on mash.clocks, mash.events, mash.checks, mash.caseloads to cs_reader",
     "teams", None, "permission denied"),
]


@pytest.mark.parametrize("what,breakage,view,column,words", BROKEN,
                         ids=[b[0] for b in BROKEN])
def test_broken_contract_is_65(build, tmp_path, db, what, breakage, view, column, words):
    seed(db)
    db.execute(breakage)
    conninfo = db.conninfo
    if what == "unreadable":
        conninfo = conninfo.replace("user=postgres", "user=cs_reader")
        assert "cs_reader" in conninfo, conninfo
    config = mw.write_config(tmp_path / "mw.conf", conninfo)
    try:
        rc, j = as_json(build, config)
        assert rc == 65, j
        assert j["ok"] is False
        hits = [p for p in j["problems"] if p["view"] == view and p.get("column") == column]
        assert hits and words in hits[0]["problem"], j["problems"]
        p = check(build, config)
        assert p.returncode == 65
        name = "mash.%s%s" % (view, "." + column if column else "")
        assert name in p.stdout and "the contract is NOT met" in p.stdout, p.stdout
    finally:
        if what == "unreadable":
            db.execute("drop owned by cs_reader; drop role cs_reader")


def test_no_updated_at_polling_not_incremental(build, tmp_path, db):
    seed(db)
    db.execute("drop view mash.checks; create view mash.checks as "
               "select 'x'::text as check_name, 'I1'::text as instance_id, "
               "'P1'::text as child_id, null::text as team_id, now() as occurred_at, "
               "true as passed, null::text as detail, null::timestamptz as updated_at")
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    rc, j = as_json(build, config)
    assert rc == 0
    assert j["incremental"] is False
    assert any("mash.checks" in w and "no updated_at" in w for w in j["incremental_problems"])


def test_unreachable_is_69(build, tmp_path):
    config = mw.write_config(tmp_path / "mw.conf", "host=/nonexistent port=1 dbname=x")
    p = check(build, config)
    assert p.returncode == 69
    assert "source database unavailable" in p.stderr


def test_usage(build, tmp_path, db):
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    p = check(build, config, "--format", "xml")
    assert p.returncode == 64 and "usage: mashwatchctl [-c FILE] check-source" in p.stderr
    p = check(build, config, "--help")
    assert p.returncode == 0 and "check-source [--format text|json]" in p.stdout


def test_view_failing_when_read_is_65(build, tmp_path, db):
    """A mapping that fails on one row (a cast) is the contract broken, not
    the source unreachable: 65 with the table, the view and SQLSTATE named,
    never PostgreSQL's text (it quotes the row: a child id)."""
    seed(db)
    secret = "CHILD-SECRET-4242"
    db.execute("alter view mash.clocks rename to clocks_real")
    db.execute("create table public.kids (child_id text, updated_at timestamptz)")
    db.execute("insert into public.kids values ('1', now()), (%s, now())", (secret,))
    db.execute("create view mash.clocks as select c.clock, c.instance_id, "
               "(k.child_id::int)::text as child_id, c.team_id, c.worker_id, "
               "c.priority, c.started_at, c.stopped_at, "
               "greatest(c.updated_at, k.updated_at) as updated_at "
               "from mash.clocks_real c cross join public.kids k")
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    p = check(build, config)
    assert p.returncode == 65, p.stdout + p.stderr
    assert "the source database stopped answering" not in p.stderr
    assert ("mash.clocks: fails when the daemon reads it: SQLSTATE 22P02 "
            "(invalid_text_representation)") in p.stdout, p.stdout
    assert "\nclocks     yes      NO        ok" in p.stdout, p.stdout
    assert "the contract is NOT met" in p.stdout
    rc, j = as_json(build, config)
    assert rc == 65 and j["ok"] is False
    hits = [x for x in j["problems"] if x["view"] == "clocks" and "22P02" in x["problem"]]
    assert hits, j["problems"]
    clocks_view = [v for v in j["views"] if v["view"] == "clocks"][0]
    assert clocks_view["readable"] is False and clocks_view["rows"] == 4
    assert j["loaded"] is None
    assert secret not in p.stdout + p.stderr


def test_clock_table_counts_what_the_daemon_times(build, tmp_path, db):
    """The rows-per-clock table's open column is the daemon's judgement:
    a row that starts in the future, one with an infinite start and a
    duplicate are rows of the view, but not open work; the lines add up
    to "loaded as the daemon would"."""
    seed(db)
    db.execute("alter view mash.clocks rename to clocks_real")
    db.execute("create table public.hostile as select * from mash.clocks_real with no data")
    db.execute("create view mash.clocks as select * from mash.clocks_real "
               "union all select * from public.hostile")
    for inst, start in (("H-FUT", testclock.hours_ago(-72)), ("H-INF", "-infinity"),
                        ("C1", testclock.hours_ago(24 * 10))):
        db.execute("insert into public.hostile (clock, instance_id, child_id, team_id, "
                   "started_at, updated_at) values ('contact_decision', %s, 'P9', "
                   "'MASH', %s, now())", (inst, start))
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    rc, j = as_json(build, config)
    assert rc == 0, j
    line = [c for c in j["clocks"] if c["clock"] == "contact_decision"
            and c["priority"] is None][0]
    # Five rows in the view, four with no stop; C1 and C2 are timed, C1 open.
    assert line["rows"] == 5 and line["open"] == 1, line
    assert line["loaded"] == 2, line
    assert sum(c["open"] for c in j["clocks"]) == j["loaded"]["open"] == 1
    assert sum(c["loaded"] for c in j["clocks"]) == j["loaded"]["clocks"] == 2
    p = check(build, config)
    assert "%-26s %-12s %10s %10s %10s" % ("clock", "priority", "in view", "loaded",
                                           "open") in p.stdout, p.stdout
    assert "%-26s %-12s %10d %10d %10d" % ("contact_decision", "-", 5, 2, 1) in p.stdout
    assert "loaded as the daemon would: 2 clock instances" in p.stdout
