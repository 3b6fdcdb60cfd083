"""The mash views over the reference schema: exact rows, exact columns.

Each test writes cms rows in one transaction and compares every column the
views return, updated_at included: the rows written by one transaction carry
that transaction's now(), which the helper `write` returns.
"""

import select
from datetime import datetime, timedelta, timezone

import psycopg2
import pytest
from psycopg2 import sql

from pgcluster import CMS_SQL, MASH_SQL

# Thursday before Easter 2022, the example of doc/contract.md.
T0 = datetime(2022, 4, 14, 10, 0, tzinfo=timezone.utc)


def at(hours):
    return T0 + timedelta(hours=hours)


def write(db, *rows):
    """Insert each (table, {column: value}) in one transaction; return its now()."""
    conn = db.connect(autocommit=False)
    try:
        with conn, conn.cursor() as cur:
            for table, values in rows:
                cur.execute(sql.SQL("insert into cms.{} ({}) values ({})").format(
                    sql.Identifier(table),
                    sql.SQL(", ").join(map(sql.Identifier, values)),
                    sql.SQL(", ").join(sql.Placeholder() * len(values))),
                    list(values.values()))
            cur.execute("select now()")
            return cur.fetchone()[0]
    finally:
        conn.close()


def update(db, query, params):
    """Run one parameterised statement in its own transaction; return its now()."""
    conn = db.connect(autocommit=False)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(query, params)
            cur.execute("select now()")
            return cur.fetchone()[0]
    finally:
        conn.close()


def clocks(db, clock):
    return db.query("select * from mash.clocks where clock = %s order by instance_id", (clock,))


def checks(db, name):
    return db.query("select * from mash.checks where check_name = %s order by instance_id", (name,))


def contact(cid, child="P1", **extra):
    values = {"contact_id": cid, "child_id": child, "team_id": "MASH",
              "received_at": T0, "source": "school"}
    values.update(extra)
    return ("contacts", values)


def referral(rid, child="P1", **extra):
    values = {"referral_id": rid, "child_id": child, "team_id": "MASH", "received_at": T0}
    values.update(extra)
    return ("referrals", values)


def strategy(sid, child="P1", **extra):
    values = {"strategy_id": sid, "child_id": child, "team_id": "MASH", "identified_at": T0}
    values.update(extra)
    return ("strategy_discussions", values)


def s47(eid, child="P1", **extra):
    values = {"s47_id": eid, "child_id": child, "team_id": "MASH", "started_at": T0}
    values.update(extra)
    return ("s47_enquiries", values)


@pytest.fixture
def world(db):
    """Two teams, their workers and three children (with names, which the
    views must never show)."""
    write(db,
          ("teams", {"team_id": "MASH", "name": "Front door",
                     "manager_email": "mash-managers@example.org",
                     "escalation_email": "head-of-service@example.org"}),
          ("teams", {"team_id": "AST", "name": "Assessment team",
                     "manager_email": None, "escalation_email": None}),
          ("workers", {"worker_id": "W1", "team_id": "MASH", "name": "Alex Worker"}),
          ("workers", {"worker_id": "W2", "team_id": "AST", "name": "Sam Worker"}),
          ("children", {"child_id": "P1", "name": "Zebedee Quux"}),
          ("children", {"child_id": "P2", "name": "Ermintrude Quux"}),
          ("children", {"child_id": "P3", "name": "Dougal Quux"}))
    return db


# -- the contract's shape -------------------------------------------------------

CONTRACT = {
    "clocks": [("clock", "text"), ("instance_id", "text"), ("child_id", "text"),
               ("team_id", "text"), ("worker_id", "text"), ("priority", "text"),
               ("started_at", "timestamp with time zone"),
               ("stopped_at", "timestamp with time zone"),
               ("updated_at", "timestamp with time zone")],
    "events": [("kind", "text"), ("event_id", "text"), ("child_id", "text"),
               ("team_id", "text"), ("occurred_at", "timestamp with time zone"),
               ("updated_at", "timestamp with time zone"), ("source", "text")],
    "checks": [("check_name", "text"), ("instance_id", "text"), ("child_id", "text"),
               ("team_id", "text"), ("occurred_at", "timestamp with time zone"),
               ("passed", "boolean"), ("detail", "text"),
               ("updated_at", "timestamp with time zone")],
    "caseloads": [("worker_id", "text"), ("team_id", "text"), ("open_cases", "integer")],
    "teams": [("team_id", "text"), ("name", "text"), ("manager_email", "text"),
              ("escalation_email", "text")],
}


def test_views_have_exactly_the_contract_columns(db):
    rows = db.query("select table_name, column_name, data_type"
                    "  from information_schema.columns where table_schema = 'mash'"
                    " order by table_name, ordinal_position")
    got = {}
    for table, column, data_type in rows:
        got.setdefault(table, []).append((column, data_type))
    assert got == CONTRACT
    kinds = db.query("select table_name, table_type from information_schema.tables"
                     " where table_schema = 'mash' order by table_name")
    assert kinds == [(t, "VIEW") for t in sorted(CONTRACT)]


def test_no_mash_column_exposes_a_childs_name(world):
    # No view reads the name column...
    used = world.query("select view_name from information_schema.view_column_usage"
                       " where view_schema = 'mash' and table_schema = 'cms'"
                       "   and table_name = 'children' and column_name = 'name'")
    assert used == []
    # ...no column is a name other than a team's...
    names = world.query("select table_name, column_name from information_schema.columns"
                        " where table_schema = 'mash' and column_name ilike %s", ("%name%",))
    assert sorted(names) == [("checks", "check_name"), ("teams", "name")]
    # ...and with every kind of row present, no value carries one.
    write(world,
          contact("C1", source="police", is_da_notification=True, risk_level="high",
                  incident_at=at(-5)),
          referral("R1", accepted_at=at(1), allocated_at=at(2), worker_id="W1"),
          strategy("S1", held_at=at(3)),
          s47("E1", strategy_id="S1", urgent=True),
          s47("E2"))
    for view in CONTRACT:
        rows = world.query(sql.SQL("select * from mash.{}").format(sql.Identifier(view)))
        assert rows, view
        for row in rows:
            assert not any(isinstance(v, str) and "Quux" in v for v in row), (view, row)


# -- the nine clocks ----------------------------------------------------------------

def test_contact_decision(world):
    stamp = write(world,
                  contact("C1", decision_at=at(5), worker_id="W1"),
                  contact("C2", child="P2", team_id=None),
                  contact("C3", decision_at=at(-1)))  # decided before received
    assert clocks(world, "contact_decision") == [
        ("contact_decision", "C1", "P1", "MASH", "W1", None, T0, at(5), stamp),
        ("contact_decision", "C2", "P2", None, None, None, T0, None, stamp),
        ("contact_decision", "C3", "P1", "MASH", None, None, T0, at(-1), stamp),
    ]


def test_da_screening_priority_is_the_risk_level(world):
    da = {"source": "police", "is_da_notification": True, "incident_at": at(-24)}
    stamp = write(world,
                  contact("C1", risk_level="high", screened_at=at(2), **da),
                  contact("C2", risk_level="medium", **da),
                  contact("C3", risk_level="standard", screened_at=at(-2), **da),
                  contact("C4", source="police"))  # police, but not a DA notification
    assert clocks(world, "da_screening") == [
        ("da_screening", "C1", "P1", "MASH", None, "high", T0, at(2), stamp),
        ("da_screening", "C2", "P1", "MASH", None, "medium", T0, None, stamp),
        ("da_screening", "C3", "P1", "MASH", None, "standard", T0, at(-2), stamp),
    ]


def test_police_notification_lag_runs_from_incident_to_receipt(world):
    stamp = write(world,
                  contact("C1", source="police", is_da_notification=True,
                          risk_level="medium", incident_at=at(-48)),
                  contact("C2", source="police", incident_at=at(-3)),
                  contact("C3", source="police"),                   # no incident time
                  contact("C4", source="health", incident_at=at(-3)),  # not the police
                  contact("C5", source="police", incident_at=at(1)))   # incident after receipt
    assert clocks(world, "police_notification_lag") == [
        ("police_notification_lag", "C1", "P1", "MASH", None, None, at(-48), T0, stamp),
        ("police_notification_lag", "C2", "P1", "MASH", None, None, at(-3), T0, stamp),
        ("police_notification_lag", "C5", "P1", "MASH", None, None, at(1), T0, stamp),
    ]


def test_strategy_discussion_urgent_and_not(world):
    stamp = write(world,
                  strategy("S1", urgent=True, held_at=at(20), worker_id="W1"),
                  strategy("S2", child="P2"),
                  strategy("S3", held_at=at(-1)))  # held before it was identified
    assert clocks(world, "strategy_discussion") == [
        ("strategy_discussion", "S1", "P1", "MASH", "W1", "urgent", T0, at(20), stamp),
        ("strategy_discussion", "S2", "P2", "MASH", None, None, T0, None, stamp),
        ("strategy_discussion", "S3", "P1", "MASH", None, None, T0, at(-1), stamp),
    ]


def test_strategy_record_only_for_held_discussions(world):
    stamp = write(world,
                  strategy("S1", held_at=at(20), record_circulated_at=at(30)),
                  strategy("S2", held_at=at(20)),
                  strategy("S3"),
                  strategy("S4", held_at=at(20), record_circulated_at=at(19)))
    assert clocks(world, "strategy_record") == [
        ("strategy_record", "S1", "P1", "MASH", None, None, at(20), at(30), stamp),
        ("strategy_record", "S2", "P1", "MASH", None, None, at(20), None, stamp),
        ("strategy_record", "S4", "P1", "MASH", None, None, at(20), at(19), stamp),
    ]


def test_allocation_from_acceptance_to_allocation(world):
    stamp = write(world,
                  referral("R1", accepted_at=at(1), allocated_at=at(4), worker_id="W2",
                           team_id="AST"),
                  referral("R2", accepted_at=at(1)),
                  referral("R3"),                                    # not accepted
                  referral("R4", accepted_at=at(1), closed_at=at(2)),  # closed unallocated
                  referral("R5", accepted_at=at(1), allocated_at=at(0), worker_id="W1"))
    assert clocks(world, "allocation") == [
        ("allocation", "R1", "P1", "AST", "W2", None, at(1), at(4), stamp),
        ("allocation", "R2", "P1", "MASH", None, None, at(1), None, stamp),
        ("allocation", "R5", "P1", "MASH", "W1", None, at(1), at(0), stamp),
    ]


def test_child_seen_urgent_s47_and_accepted_referral(world):
    stamp = write(world,
                  referral("R1", accepted_at=at(1), child_seen_at=at(50)),
                  referral("R2", child="P2", accepted_at=at(1)),
                  referral("R3"),                                     # not accepted
                  referral("R4", accepted_at=at(1), closed_at=at(2)),  # closed unseen
                  s47("E1", urgent=True, child_seen_at=at(6), worker_id="W1"),
                  s47("E2", child="P3", urgent=True, child_seen_at=at(-1)),
                  s47("E3"))                                          # not urgent
    assert clocks(world, "child_seen") == [
        ("child_seen", "referral:R1", "P1", "MASH", None, None, at(1), at(50), stamp),
        ("child_seen", "referral:R2", "P2", "MASH", None, None, at(1), None, stamp),
        ("child_seen", "s47:E1", "P1", "MASH", "W1", "urgent", T0, at(6), stamp),
        ("child_seen", "s47:E2", "P3", "MASH", None, "urgent", T0, at(-1), stamp),
    ]


def test_icpc_starts_at_the_strategy_discussion(world):
    first = write(world,
                  strategy("S1", held_at=at(2)),
                  strategy("S2"),
                  s47("E1", strategy_id="S1", started_at=at(3)),
                  s47("E2", started_at=at(4)),                  # no discussion at all
                  s47("E3", strategy_id="S2", started_at=at(5)),  # discussion never held
                  s47("E4", strategy_id="S1", outcome="no_further_action"),
                  s47("E5", strategy_id="S1", outcome="icpc"))
    second = write(world,
                   ("initial_conferences", {"conference_id": "I1", "s47_id": "E1",
                                            "held_at": at(200)}),
                   ("initial_conferences", {"conference_id": "I5", "s47_id": "E5",
                                            "held_at": at(1)}))  # before the discussion
    assert clocks(world, "icpc") == [
        ("icpc", "E1", "P1", "MASH", None, None, at(2), at(200), second),
        ("icpc", "E2", "P1", "MASH", None, None, at(4), None, first),
        ("icpc", "E3", "P1", "MASH", None, None, at(5), None, first),
        ("icpc", "E5", "P1", "MASH", None, None, at(2), at(1), second),
    ]
    # A change to the discussion alone makes the rows built from it pollable.
    third = update(world, "update cms.strategy_discussions set police_attended = true"
                          " where strategy_id = %s", ("S1",))
    assert [(r[1], r[8]) for r in clocks(world, "icpc")] == [
        ("E1", third), ("E2", first), ("E3", first), ("E5", third)]


def test_assessment_from_referral_received(world):
    stamp = write(world,
                  referral("R1", accepted_at=at(1), assessment_authorised_at=at(500)),
                  referral("R2", accepted_at=at(1)),
                  referral("R3"),                                     # not accepted
                  referral("R4", accepted_at=at(1), closed_at=at(2)))  # closed unassessed
    assert clocks(world, "assessment") == [
        ("assessment", "R1", "P1", "MASH", None, None, T0, at(500), stamp),
        ("assessment", "R2", "P1", "MASH", None, None, T0, None, stamp),
    ]


def test_instance_ids_are_unique_within_each_clock(world):
    write(world,
          contact("C1", source="police", is_da_notification=True, risk_level="high",
                  incident_at=at(-1)),
          referral("R1", accepted_at=at(1)),
          strategy("S1", held_at=at(2)),
          s47("R1", strategy_id="S1", urgent=True))  # an s47 id equal to a referral id
    assert world.query("select clock, instance_id from mash.clocks"
                       " group by clock, instance_id having count(*) > 1") == []
    assert sorted(r[0] for r in world.query("select distinct clock from mash.clocks")) == sorted([
        "contact_decision", "da_screening", "police_notification_lag", "strategy_discussion",
        "strategy_record", "allocation", "child_seen", "icpc", "assessment"])


# -- events, checks, caseloads, teams ----------------------------------------------------

def test_events_contacts_and_referrals(world):
    stamp = write(world,
                  contact("C1", received_at=at(-100), source="police"),
                  contact("C2", child="P2", team_id=None),
                  referral("R1", contact_id="C1", received_at=at(3)),
                  referral("R2", child="P3", received_at=at(4)))
    # source: who made the contact; a referral's is its contact's.
    assert world.query("select * from mash.events order by kind, event_id") == [
        ("contact", "C1", "P1", "MASH", at(-100), stamp, "police"),
        ("contact", "C2", "P2", None, T0, stamp, "school"),
        ("referral", "R1", "P1", "MASH", at(3), stamp, "police"),
        ("referral", "R2", "P3", "MASH", at(4), stamp, None),
    ]


def test_strategy_attendance_names_who_was_absent(world):
    stamp = write(world,
                  strategy("S1", held_at=at(1), police_attended=True, health_attended=True),
                  strategy("S2", held_at=at(2), police_attended=True, education_attended=True),
                  strategy("S3", held_at=at(3)),
                  strategy("S4", held_at=at(4), health_attended=True),
                  strategy("S5", police_attended=True))  # not held: nothing to judge
    assert checks(world, "strategy_attendance") == [
        ("strategy_attendance", "S1", "P1", "MASH", at(1), True, None, stamp),
        ("strategy_attendance", "S2", "P1", "MASH", at(2), False, "absent: health", stamp),
        ("strategy_attendance", "S3", "P1", "MASH", at(3), False, "absent: police, health", stamp),
        ("strategy_attendance", "S4", "P1", "MASH", at(4), False, "absent: police", stamp),
    ]


def test_s47_without_strategy(world):
    first = write(world,
                  strategy("S1", held_at=at(1)),
                  strategy("S2"),
                  s47("E1", strategy_id="S1", started_at=at(2)),
                  s47("E2", child="P2", started_at=at(3)),
                  s47("E3", strategy_id="S2", started_at=at(4)))
    assert checks(world, "s47_without_strategy") == [
        ("s47_without_strategy", "E1", "P1", "MASH", at(2), True, None, first),
        ("s47_without_strategy", "E2", "P2", "MASH", at(3), False,
         "no strategy discussion recorded", first),
        ("s47_without_strategy", "E3", "P1", "MASH", at(4), False,
         "strategy discussion S2 not held", first),
    ]
    # Holding the discussion later passes the check and moves updated_at.
    second = update(world, "update cms.strategy_discussions set held_at = %s"
                           " where strategy_id = %s", (at(5), "S2"))
    assert checks(world, "s47_without_strategy")[2] == (
        "s47_without_strategy", "E3", "P1", "MASH", at(4), True, None, second)


def test_caseloads_count_open_allocated_children(world):
    write(world,
          ("workers", {"worker_id": "W3", "team_id": "AST", "name": "Left, no cases",
                       "left_at": at(-1000)}),
          ("workers", {"worker_id": "W4", "team_id": None, "name": "Left, one case",
                       "left_at": at(-1000)}),
          referral("R1", worker_id="W2", allocated_at=at(1)),
          referral("R2", worker_id="W2", allocated_at=at(1)),              # same child again
          referral("R3", child="P2", worker_id="W2", allocated_at=at(1)),
          referral("R4", child="P3", worker_id="W2", allocated_at=at(1),
                   closed_at=at(9)),                                        # closed
          referral("R5", child="P3", worker_id="W1"),                       # not yet allocated
          referral("R6", child="P3", worker_id="W4", allocated_at=at(1)))
    assert world.query("select * from mash.caseloads order by worker_id") == [
        ("W1", "MASH", 0),
        ("W2", "AST", 2),
        ("W4", None, 1),
    ]


def test_teams(world):
    assert world.query("select * from mash.teams order by team_id") == [
        ("AST", "Assessment team", None, None),
        ("MASH", "Front door", "mash-managers@example.org", "head-of-service@example.org"),
    ]


# -- polling support ----------------------------------------------------------------

def test_update_moves_updated_at(world):
    first = write(world, contact("C1"))
    second = update(world, "update cms.contacts set decision_at = %s where contact_id = %s",
                    (at(3), "C1"))
    assert second > first
    assert world.query("select updated_at from cms.contacts") == [(second,)]
    assert clocks(world, "contact_decision") == [
        ("contact_decision", "C1", "P1", "MASH", None, None, T0, at(3), second)]
    # An update cannot set an old stamp either: the trigger has the last word.
    third = update(world, "update cms.contacts set updated_at = %s", (at(-1000),))
    assert world.query("select updated_at from cms.contacts") == [(third,)]


def test_every_cms_table_has_the_trigger_and_an_updated_at_index(db):
    tables = [r[0] for r in db.query(
        "select table_name from information_schema.tables"
        " where table_schema = 'cms' and table_type = 'BASE TABLE' order by 1")]
    assert len(tables) == 10
    for table in tables:
        triggers = db.query("select tgname from pg_trigger"
                            " where tgrelid = %s::regclass and not tgisinternal order by 1",
                            ("cms." + table,))
        assert triggers == [("notify_mash_changed",), ("set_updated_at",)], table
        indexed = db.query("select 1 from pg_index i join pg_attribute a"
                           "   on a.attrelid = i.indrelid and a.attnum = i.indkey[0]"
                           " where i.indrelid = %s::regclass and a.attname = 'updated_at'",
                           ("cms." + table,))
        assert indexed, table


def test_insert_notifies_mash_changed(world):
    listener = world.connect()
    try:
        with listener.cursor() as cur:
            cur.execute("listen mash_changed")
        write(world, contact("C1"))
        deadline = 10.0
        while not listener.notifies and deadline > 0:
            if select.select([listener], [], [], 0.5)[0]:
                listener.poll()
            deadline -= 0.5
        assert [(n.channel, n.payload) for n in listener.notifies] == [("mash_changed", "")]
    finally:
        listener.close()


# -- loading and privileges -------------------------------------------------------------

def test_reload_and_reader_needs_only_select_on_mash(world, pg):
    reader = "reader_" + world.name
    world.execute(sql.SQL("create role {} login").format(sql.Identifier(reader)))
    # mash.sql reloads in place over live data...
    world.psql(MASH_SQL, variables={"reader": reader})
    write(world, contact("C1"))
    conn = psycopg2.connect(pg.conninfo(world.name).replace("user=postgres", "user=" + reader))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for view in CONTRACT:
                cur.execute(sql.SQL("select count(*) from mash.{}").format(sql.Identifier(view)))
            cur.execute("select instance_id from mash.clocks where clock = 'contact_decision'")
            assert cur.fetchall() == [("C1",)]
            for statement in ("select name from cms.children",
                              "update mash.teams set manager_email = 'x@example.org'"):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute(statement)
    finally:
        conn.close()
    # ...and both files reload together from scratch in one transaction.
    world.psql(CMS_SQL, MASH_SQL, variables={"reader": reader})
    assert world.query("select count(*) from mash.clocks") == [(0,)]
