"""Foresight and the morning handover against a real PostgreSQL, at pinned
instants (--at): the "forecast" lines of --once on a Friday (the next
working day is Monday, the throughput window reaches back 20 working days
but the stops are known for 28 days only), and the "out_of_hours" lines on
its boundary (18:00 is out, 08:00 is in; a weekend before a Monday)."""

import pytest

import mw
from test_engine import contact, seed

FRIDAY = "2022-04-08T15:00:00+01:00"


@pytest.fixture
def config(db, build, tmp_path):
    path = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, clocks={
        "contact_decision": dict(mw.CLOCKS["contact_decision"], forecast=True)})
    mw.migrate(build, path)
    return path


def kinds(rows, kind):
    return [r for r in rows if r["type"] == kind]


def test_once_forecast_on_a_friday(db, build, config):
    seed(db, "T1")
    seed(db, "T2")
    # T1: 38 decided on working days from Monday 14 March to Thursday
    # 7 April (19 working days known: Friday 11 March starts before the
    # 28 days --once reads back), two a day: throughput 2.0.
    days = ["2022-03-%02d" % d for d in (14, 15, 16, 17, 18, 21, 22, 23, 24, 25,
                                         28, 29, 30, 31)] + \
           ["2022-04-%02d" % d for d in (1, 4, 5, 6, 7)]
    assert len(days) == 19
    n = 0
    for day in days:
        for hour in ("09", "13"):
            n += 1
            contact(db, "D%d" % n, "PD%d" % n, day + " 08:00+00",
                    day + " %s:00+00" % hour, team="T1")
    # A stop on the Saturday counts for the span; one on 11 March (before
    # the window), and one today (after it) do not.
    contact(db, "SAT", "PS", "2022-03-18 10:00+00", "2022-03-19 11:00+00", team="T1")
    contact(db, "OLD", "PO", "2022-03-10 10:00+00", "2022-03-11 16:00+00", team="T1")
    contact(db, "TODAY", "PT", "2022-04-07 10:00+01", "2022-04-08 09:00+01", team="T1")
    # T1 open: one due by the end of Friday, five by the end of Monday
    # (the next working day): 6 due, 39/19 = 2.05 decided a day, 3 late.
    contact(db, "F1", "P1", "2022-04-07 10:00+01", team="T1")
    for i in range(2, 7):
        contact(db, "F%d" % i, "P%d" % i, "2022-04-08 09:00+01", team="T1")
    # T2: three open, none decided lately: all three will be late.
    for i in range(3):
        contact(db, "G%d" % i, "Q%d" % i, "2022-04-08 10:00+01", team="T2")
    # Overdue (due Thursday's end): not open, not due_next.
    contact(db, "LATE", "PL", "2022-04-06 10:00+01", team="T2")
    # Received after the forecast: not there yet.
    contact(db, "AFTER", "PA", "2022-04-08 16:00+01", team="T2")

    rows = kinds(mw.once(build, config, at=FRIDAY), "forecast")
    assert rows == [
        {"type": "forecast", "clock": "contact_decision", "team": "T1",
         "open": 6, "due_next": 6, "throughput": 2.05, "projected_breaches": 3},
        {"type": "forecast", "clock": "contact_decision", "team": "T2",
         "open": 3, "due_next": 3, "throughput": 0.0, "projected_breaches": 3},
    ]
    # Monday morning: Friday's stops are in; F1 (due Friday) is overdue.
    db.execute("update cms.contacts set decision_at = '2022-04-08 16:30+01' "
               "where contact_id in ('F2', 'F3')")
    rows = kinds(mw.once(build, config, at="2022-04-11T07:00:00+01:00"), "forecast")
    t1 = [r for r in rows if r["team"] == "T1"][0]
    assert (t1["open"], t1["due_next"]) == (3, 3)
    # Clocks without forecast = true print no forecast line, and neither
    # does a config with none.
    plain = mw.write_config(config.parent / "plain.conf", db.conninfo)
    assert kinds(mw.once(build, plain, at=FRIDAY), "forecast") == []


def test_once_out_of_hours_boundary(db, build, config):
    """notify.working_hours is 08:00-18:00 (the default): on Tuesday 12
    April 2022 at 08:30 the handover lists what started from Monday 18:00
    on, out of those hours, stopped or not."""
    seed(db, "T1")
    contact(db, "IN", "P1", "2022-04-11 17:59:59+01", team="T1")
    contact(db, "EVE", "P2", "2022-04-11 18:00+01", "2022-04-12 08:10+01", team="T1")
    contact(db, "NIGHT", "P3", "2022-04-12 02:00+01", team="T1")
    contact(db, "EARLY", "P4", "2022-04-12 07:59:59+01", team="T1")
    contact(db, "OPEN", "P5", "2022-04-12 08:00+01", team="T1")
    contact(db, "LATER", "P6", "2022-04-12 09:00+01", team="T1")
    rows = kinds(mw.once(build, config, at="2022-04-12T08:30:00+01:00"), "out_of_hours")
    assert [(r["instance"], r["stopped"]) for r in rows] == [
        ("EVE", True), ("NIGHT", False), ("EARLY", False)]
    assert rows[0] == {
        "type": "out_of_hours", "clock": "contact_decision", "instance": "EVE",
        "child": "P2", "team": "T1", "priority": None,
        "started_at": "2022-04-11T18:00:00+01:00",
        "due_at": "2022-04-13T00:00:00+01:00", "stopped": True,
        "stopped_at": "2022-04-12T08:10:00+01:00"}
    # Before EVE was decided it is listed as not stopped.
    rows = kinds(mw.once(build, config, at="2022-04-12T08:05:00+01:00"), "out_of_hours")
    assert [(r["instance"], r["stopped"], r["stopped_at"]) for r in rows][0] == \
        ("EVE", False, None)
    # Monday's handover reaches back to Friday 18:00, over the weekend.
    contact(db, "FRI", "P7", "2022-04-08 17:00+01", team="T1")
    contact(db, "FRIEVE", "P8", "2022-04-08 19:00+01", team="T1")
    contact(db, "SAT", "P9", "2022-04-09 12:00+01", team="T1")
    rows = kinds(mw.once(build, config, at="2022-04-11T08:30:00+01:00"), "out_of_hours")
    assert [r["instance"] for r in rows] == ["FRIEVE", "SAT"]
    # Without --at the handover is not printed (it is as of a time).
    assert kinds(mw.once(build, config), "out_of_hours") == []
