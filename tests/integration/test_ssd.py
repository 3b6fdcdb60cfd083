"""The SSD mapping (etc/sql/ssd.sql) on a realistic SSD extract of our own
(tests/integration/ssd/): the clocks and their states as of a pinned time,
names kept out of mash.*, the load marker, the site's role codes, and
check-source on an SSD database."""

import json
import pathlib
import tempfile

import mw

HERE = pathlib.Path(__file__).resolve().parent
SSD_CORE = HERE / "ssd" / "ssd_core.sql"
FIXTURE = HERE / "ssd" / "fixture.sql"
SSD_SQL = mw.REPO / "etc" / "sql" / "ssd.sql"

# Wednesday 11 May 2022, 12:00 BST (see fixture.sql).
AT = "2022-05-11T12:00:00+01:00"

# What --once --all prints as of AT: every instance open, or stopped in
# the 28 days before.  Worked out by hand in fixture.sql's comments.
EXPECTED = {
    ("allocation", "R2"): "overdue",
    ("allocation", "R3"): "on_time",
    ("allocation", "R6"): "met_late",
    ("child_seen", "referral:R2"): "met",
    ("child_seen", "referral:R3"): "on_time",
    ("child_seen", "referral:R6"): "met",
    ("child_seen", "s47:E1"): "met",
    ("child_seen", "s47:E3"): "met",
    ("child_seen", "s47:E6"): "overdue",
    ("icpc", "E1"): "on_time",
    ("icpc", "E2"): "met_late",
    ("icpc", "E4"): "overdue",
    ("icpc", "E6"): "on_time",
    ("assessment", "A1"): "met",
    ("assessment", "A2"): "on_time",
}

NAMES = ["Amelia", "Zzyzxbottom", "Benjamin", "Quuxworthy", "Vexingham", "Wobblethorpe",
         "Frobisham", "Grumbleton", "Hubbleworth", "Inkerbridge", "Jollyfoot",
         "Kettlewhistle", "Lumpkinshaw", "Mumblesworth", "Prunesquallor", "Quibbleford"]


def load_ssd(db, schema="ssd_src", reader=None):
    """The SSD tables and the fixture in `schema`, then the mapping."""
    db.execute("drop schema if exists mash cascade")
    db.execute("create schema %s" % schema)
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as f:
        f.write("set search_path = %s;\n%s\n%s" % (schema, SSD_CORE.read_text(),
                                                   FIXTURE.read_text()))
        f.flush()
        db.psql(f.name)
    variables = {"ssd_schema": schema}
    if reader:
        variables["reader"] = reader
    db.psql(SSD_SQL, variables=variables)
    db.execute("select mash_ssd.mark_loaded()")


def states(lines):
    return {(x["clock"], x["instance"]): x["state"] for x in lines if x["type"] == "clock"}


def test_ssd_clocks_and_states(build, tmp_path, db):
    load_ssd(db)
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    lines = mw.once(build, config, at=AT, all=True)
    assert states(lines) == EXPECTED
    # Times are the SSD's local times, read as Europe/London.
    r2 = [x for x in lines if x.get("instance") == "R2"][0]
    assert r2["started_at"] == "2022-05-09T09:30:00+01:00"
    assert r2["due_at"] == "2022-05-11T00:00:00+01:00"
    assert r2["team"] == "T_MASH" and r2["child"] == "P02"
    # The assessment whose referral is missing is a finding, not silence.
    invalid = [x for x in lines if x["type"] == "invalid"]
    assert [(x["instance"], x["reason"]) for x in invalid] == [("A4", "started_at is missing")]
    # Repeat contacts and re-referrals come from the SSD's events.
    repeats = {(x["rule"], x["child"]): x["count"] for x in lines if x["type"] == "repeat"}
    assert repeats == {("repeat_contacts", "P01"): 3, ("re_referral", "P01"): 2}
    # Without --all, only what needs attention.
    attention = states(mw.once(build, config, at=AT))
    assert attention == {k: v for k, v in EXPECTED.items() if v == "overdue"}


def test_ssd_views_never_carry_names(db):
    load_ssd(db)
    text = ""
    for view in ("clocks", "events", "checks", "caseloads", "teams"):
        text += repr(db.query("select * from mash.%s" % view))
    assert "P02" in text and "T_MASH" in text
    for name in NAMES:
        assert name not in text, name


def test_ssd_caseloads_and_teams(db):
    load_ssd(db)
    assert db.query("select worker_id, team_id, open_cases from mash.caseloads "
                    "order by worker_id") == [("W1", "T_AS1", 2)]
    assert db.query("select * from mash.teams order by team_id") == [
        ("T_AS1", "Assessment Team 1", None, None), ("T_MASH", "MASH", None, None)]


def test_ssd_role_codes_are_a_site_setting(build, tmp_path, db):
    """With the team manager's code TM as an allocated-worker code, R6 is
    allocated on its own day; the setting survives reloading the mapping."""
    load_ssd(db)
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    db.execute("update mash_ssd.settings set allocated_roles = '{CW,AW,TM}'")
    db.psql(SSD_SQL, variables={"ssd_schema": "ssd_src"})
    assert states(mw.once(build, config, at=AT, all=True))[("allocation", "R6")] == "met"


def test_ssd_load_marker_drives_updated_at(db):
    load_ssd(db)
    (before,) = db.query("select max(updated_at) from mash.clocks")[0]
    conn = db.connect()
    conn.cursor().execute("listen mash_changed")
    (marked,) = db.query("select mash_ssd.mark_loaded()")[0]
    mw.wait_for(lambda: conn.poll() or conn.notifies, timeout=10, what="NOTIFY")
    assert [n.channel for n in conn.notifies] == ["mash_changed"]
    conn.close()
    assert marked > before
    assert db.query("select count(distinct updated_at), min(updated_at) from mash.clocks") \
        == [(1, marked)]


def test_ssd_outcome_parsing_never_fails(db):
    load_ssd(db)
    cases = [
        ('{"OUTCOME_CP_CONFERENCE_FLAG":"Y"}', True),
        ('{"cp_conference_flag":"No"}', False),
        ('{"CP_CONFERENCE_FLAG":1}', True),
        ('{"CP_CONFERENCE_FLAG":false}', False),
        ('{"CP_CONFERENCE_FLAG":"T"}', True),
        ('{"OTHER":"Y"}', None),
        ('CP_CONFERENCE_FLAG', True),
        ('NFA; OUTCOME_CP_CONFERENCE_FLAG', True),
        ('CP_CONFERENCE_FLAG=N', False),
        ('{"CP_CONFERENCE_FLAG": "Y" /* legacy */}', True),
        ('{broken', None),
        ('[1, 2]', None),
        ('', None),
        (None, None),
        ('\\u0000 {"', None),
    ]
    for doc, want in cases:
        got = db.query("select mash_ssd.outcome_flag(%s, 'CP_CONFERENCE_FLAG')", (doc,))[0][0]
        assert got is want, (doc, got)


def test_ssd_reader_role_needs_nothing_in_the_ssd(build, tmp_path, db):
    db.execute("create role ssd_reader login")
    try:
        load_ssd(db, reader="ssd_reader")
        conninfo = db.conninfo.replace("user=postgres", "user=ssd_reader")
        config = mw.write_config(tmp_path / "mw.conf", conninfo)
        assert states(mw.once(build, config, at=AT, all=True)) == EXPECTED
        p = mw.run(build, "mashwatchctl", "-c", config, "check-source", check=False)
        assert p.returncode == 0, p.stdout + p.stderr
    finally:
        db.execute("drop owned by ssd_reader; drop role ssd_reader")


def test_check_source_on_ssd(build, tmp_path, db):
    load_ssd(db, schema="ssd")
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    p = mw.run(build, "mashwatchctl", "-c", config, "check-source", "--format", "json",
               check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    j = json.loads(p.stdout)
    assert j["ok"] and j["incremental"]
    # The clocks the SSD cannot give are named, so the site can drop them.
    assert set(j["configured_clocks_without_rows"]) == {
        "contact_decision", "da_screening", "police_notification_lag",
        "strategy_discussion", "strategy_record"}
    bad = {(i["source"], i["reason"]): i["rows"] for i in j["invalid"]}
    assert bad == {("mash.clocks", "started_at is missing"): 1}
    rows = {(c["clock"], c["priority"]): c["rows"] for c in j["clocks"]}
    assert rows[("child_seen", "urgent")] == 4 and rows[("icpc", None)] == 4


def repeats_with_sources(lines):
    return {(x["rule"], x["child"]): list(zip(x["events"], x["sources"]))
            for x in lines if x["type"] == "repeat"}


def test_ssd_repeat_contacts_name_who_made_them(build, tmp_path, db):
    """cont_contact_source_code (and a referral's cine_referral_source_code)
    reaches the repeat alerts through mash.events.source; a site whose view
    lacks the column gets the same alerts with unknown sources, and
    check-source is content with it."""
    load_ssd(db)
    db.execute("update ssd_src.ssd_cin_episodes set cine_referral_source_code = ' POL ' "
               "where cine_referral_id = 'R1'")
    db.execute("update ssd_src.ssd_cin_episodes set cine_referral_source_code = '' "
               "where cine_referral_id = 'R7'")
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    assert repeats_with_sources(mw.once(build, config, at=AT)) == {
        ("repeat_contacts", "P01"): [("C1", "SCH"), ("C2", "POL"), ("C3", "HLT")],
        ("re_referral", "P01"): [("R1", "POL"), ("R7", None)],
    }

    # The report counts the repeat children's contacts by source: P01's
    # three, one each; the gaps 1 and 1 day (1, 2 and 3 April).
    mw.migrate(build, config)
    rep = json.loads(mw.run(build, "mashwatchctl", "-c", config, "report", "--date",
                            "2022-05-10", "--format", "json").stdout)
    contacts = [x for x in rep["repeats"] if x["rule"] == "repeat_contacts"][0]
    assert contacts["repeat_children"] == 1 and contacts["repeat_events"] == 3
    assert [(x["source"], x["children"], x["contacts"], x["share"])
            for x in contacts["by_source"]] == [
        ("HLT", 1, 1, 0.3333), ("POL", 1, 1, 0.3333), ("SCH", 1, 1, 0.3333)]
    assert contacts["median_gap_days"] == 1.0
    text = mw.run(build, "mashwatchctl", "-c", config, "report", "--date",
                  "2022-05-10").stdout
    assert "by source (1 child with 3 or more): HLT 1 (1 child, 33.33%)" in text

    # The view as a site wrote it before the column existed.
    db.execute("alter view mash.events rename to events_with_source")
    db.execute("create view mash.events as select kind, event_id, child_id, team_id, "
               "occurred_at, updated_at from mash.events_with_source")
    assert repeats_with_sources(mw.once(build, config, at=AT)) == {
        ("repeat_contacts", "P01"): [("C1", None), ("C2", None), ("C3", None)],
        ("re_referral", "P01"): [("R1", None), ("R7", None)],
    }
    p = mw.run(build, "mashwatchctl", "-c", config, "check-source", "--format", "json",
               check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert not [x for x in json.loads(p.stdout)["problems"] if x["view"] == "events"]

    # A source column of the wrong type is the contract broken, said so.
    db.execute("create or replace view mash.events as select kind, event_id, child_id, "
               "team_id, occurred_at, updated_at, 1 as source from mash.events_with_source")
    p = mw.run(build, "mashwatchctl", "-c", config, "check-source", "--format", "json",
               check=False)
    assert p.returncode != 0
    assert [(x["column"], x["problem"]) for x in json.loads(p.stdout)["problems"]
            if x["view"] == "events"] == [("source", "type integer, the contract says text")]
