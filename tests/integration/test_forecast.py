"""Foresight and the morning handover against a real PostgreSQL, at pinned
instants (--at): the "forecast" lines of --once on a Friday (the next
working day is Monday, the throughput window reaches back 20 working days
but the stops are known for 28 days only), and the "out_of_hours" lines on
its boundary (18:00 is out, 08:00 is in; a weekend before a Monday)."""

import pytest

import json

import boardhelp as bh
import mw
import notifyhelp as nh
import testclock
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


def friday(db):
    """T1: 6 due by the end of Monday, 39 decided in the 19 working days
    known; T2: 3 due, none decided.  The clock's total: 9 due, 2.05 a
    day, 6 late."""
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


def test_once_forecast_on_a_friday(db, build, config):
    seed(db, "T1")
    seed(db, "T2")
    friday(db)
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


def forecast_config(db, build, tmp_path, smtp, alert_at=3, route=None, calendar=None,
                    at=None):
    path = nh.write_config(tmp_path, db, smtp.port, calendar=calendar, clocks={
        "contact_decision": dict(mw.CLOCKS["contact_decision"], forecast=True)})
    text = path.read_text()
    if route:
        text = text.replace('report = [ "leaders@example.org" ];',
                            'report = [ "leaders@example.org" ]; forecast = [ "%s" ];' % route)
    text += "forecast: { alert_at = %d; %s };\n" % (
        alert_at, 'at = "%s";' % at if at else "")
    path.write_text(text)
    mw.migrate(build, path)
    return path


def forecast_send(build, config, at=FRIDAY, check=True):
    return mw.run(build, "mashwatchctl", "-c", config, "forecast", "--send", "--at", at,
                  check=check)


def test_forecast_email_to_each_team_once(db, build, tmp_path):
    """Friday 8 April 2022 at 15:00: 6 will be late, alert_at is 3: one
    email to each team's escalation route, with that team's figures; a
    second run sends nothing (the claim in mashwatch.forecasts)."""
    smtp = nh.SmtpServer()
    smtp.start()
    try:
        config = forecast_config(db, build, tmp_path, smtp)
        nh.add_team(db, "T1", "Front door", "m1@example.org", "esc1@example.org")
        nh.add_team(db, "T2", "Duty", "m2@example.org", "esc2@example.org")
        friday(db)
        forecast_send(build, config)
        got = {tuple(r): m for r, m, _ in smtp.collector.all()}
        assert sorted(got) == [("esc1@example.org",), ("esc2@example.org",)]
        m1 = got[("esc1@example.org",)]
        assert m1["Subject"] == ("Forecast: about 6 contact_decision will be late "
                                 "by the end of Monday 11 April")
        text = nh.body_text(m1)
        assert ("contact_decision: Monday 11 April, 9 fall due; about 2.1 are "
                "decided a day; about 6 will be late.") in text
        # T1's figures only: 6 open, 6 due, 2.05 a day, 3 late.
        assert "T1" in text and "T2" not in text
        assert " 6         6          2.05           3" in text
        assert "<b>6 will be late</b>" in nh.body_html(m1)
        t2 = nh.body_text(got[("esc2@example.org",)])
        assert " 3         3          0.00           3" in t2
        # No child and no contact reaches a forecast.
        for m in got.values():
            assert "P1" not in nh.body_text(m) and "F1" not in nh.body_text(m)
        assert db.query("select clock, team, due_next, projected, recipients, "
                        "sent_at is not null from mashwatch.forecasts order by team") == [
            ("contact_decision", "T1", 6, 3, ["esc1@example.org"], True),
            ("contact_decision", "T2", 3, 3, ["esc2@example.org"], True)]
        # Again (a restart, a standby taking over): nothing more.
        p = forecast_send(build, config)
        assert "already sent" in p.stderr
        nh.settle(1)
        assert len(smtp.collector.all()) == 2
    finally:
        smtp.stop()


def test_forecast_email_to_routes_forecast_and_alert_at(db, build, tmp_path):
    """routes.forecast takes one email per clock with every team's
    figures; below forecast.alert_at nothing is sent."""
    smtp = nh.SmtpServer()
    smtp.start()
    try:
        config = forecast_config(db, build, tmp_path, smtp, alert_at=7)
        nh.add_team(db, "T1", "Front door", "m1@example.org", "esc1@example.org")
        nh.add_team(db, "T2", "Duty", "m2@example.org", "esc2@example.org")
        friday(db)
        forecast_send(build, config)
        nh.settle(1)
        assert smtp.collector.all() == []
        assert db.query("select count(*) from mashwatch.forecasts") == [(0,)]
        config = forecast_config(db, build, tmp_path, smtp, alert_at=6,
                                 route="head@example.org")
        forecast_send(build, config)
        (rcpts, msg, _), = smtp.collector.all()
        assert rcpts == ["head@example.org"]
        text = nh.body_text(msg)
        assert "9 fall due" in text and "T1" in text and "T2" in text
        assert db.query("select team from mashwatch.forecasts") == [("*",)]
        # Not on a Saturday.
        p = forecast_send(build, config, at="2022-04-09T15:00:00+01:00")
        assert "not a working day" in p.stderr
        assert len(smtp.collector.all()) == 1
    finally:
        smtp.stop()


def test_daemon_sends_the_forecast_at_forecast_at_once(db, build, tmp_path):
    """The daemon runs the forecast at forecast.at ("00:00": passed on
    every day of an every-day calendar, whatever the hour the test runs
    at); restarted, it sends no second one."""
    smtp = nh.SmtpServer()
    smtp.start()
    try:
        config = forecast_config(db, build, tmp_path, smtp, alert_at=2, at="00:00",
                                 calendar=mw.every_day_calendar(tmp_path))
        nh.add_team(db, "T1", "Front door", "m1@example.org", "esc1@example.org")
        # Received an hour ago: due at the end of tomorrow, none decided.
        nh.add_contacts(db, [("C%d" % i, "P%d" % i, "T1", testclock.hours_ago(1))
                             for i in range(3)])
        today = testclock.local_now().strftime("%Y-%m-%d")
        for i in range(2):
            daemon = mw.Daemon(build, config, tmp_path / ("d%d.log" % i))
            try:
                daemon.wait_log("forecast %s: done" % today, timeout=60)
                nh.settle(1)
            finally:
                assert daemon.stop() == 0
        # The nightly report may go to routes.report too: only forecasts here.
        (rcpts, msg, _), = [m for m in smtp.collector.all()
                            if m[1]["Subject"].startswith("Forecast")]
        assert rcpts == ["esc1@example.org"]
        assert "3 fall due" in nh.body_text(msg)
        assert "about 3 will be late" in nh.body_text(msg)
    finally:
        smtp.stop()


def test_digest_opens_with_arrived_out_of_hours(db, build, tmp_path):
    """The morning digest (every day working, reminder_at 00:00, working
    hours 00:00-00:01 so that the day before is out of hours from 00:01
    on, whatever the hour the test runs at) opens with what arrived since
    the end of yesterday's working hours, stopped or not; nothing else is
    open, so the digest is the handover alone."""
    from datetime import datetime, time as dtime, timedelta
    smtp = nh.SmtpServer()
    smtp.start()
    try:
        nh.add_team(db, "T1", "Front door", "m1@example.org", "esc1@example.org")
        config = nh.write_config(
            tmp_path, db, smtp.port,
            clocks={"contact_decision": dict(limit="5 working days")},
            calendar=mw.every_day_calendar(tmp_path),
            notify='reminder_at = "00:00"; working_hours = "00:00-00:01";')
        mw.migrate(build, config)
        yesterday = testclock.local_now().date() - timedelta(days=1)

        def local(day, h, m=0, s=0):
            return datetime.combine(day, dtime(h, m, s), tzinfo=testclock.LONDON)

        nh.add_contacts(db, [
            ("IN", "P0", "T1", local(yesterday, 0, 0, 59)),        # in hours
            ("NOON", "P1", "T1", local(yesterday, 12)),
            ("EVE", "P2", "T1", local(yesterday, 20)),
            ("OLD", "P3", "T1", local(yesterday - timedelta(days=1), 12)),
        ])
        db.execute("update cms.contacts set decision_at = %s where contact_id = 'NOON'",
                   (local(yesterday, 13),))
        daemon = mw.Daemon(build, config, tmp_path / "d.log")
        try:
            daemon.wait_log("morning digest for")
            msgs = nh.wait_messages(smtp, 1)
        finally:
            assert daemon.stop() == 0
        (rcpts, msg, _), = msgs
        assert rcpts == ["m1@example.org"]
        text = nh.body_text(msg)
        assert "== Arrived out of hours (2)" in text
        body = text.split("== Arrived out of hours (2)")[1]
        assert "P1: contact_decision" in body and "P2: contact_decision" in body
        assert "P0" not in text and "P3" not in text
        noon = body[body.index("P1:"):body.index("P2:")]
        assert "stopped %s 13:00" % yesterday.isoformat() in noon
        assert "still open" in body[body.index("P2:"):]
        assert "arrived %s 20:00" % yesterday.isoformat() in body
        assert "<h3>Arrived out of hours (2)</h3>" in nh.body_html(msg)
    finally:
        smtp.stop()


def test_board_shows_the_forecast_per_clock(db, build, tmp_path):
    """board.json gives each team its forecast per clock with forecast =
    true, the page a table per clock over the teams the viewer sees.  Every
    day is a working day and the clock is in hours, so the figures are the
    same at any hour: 4 decided the day before yesterday or yesterday, 4/20
    = 0.2 a day; T1 has 3 due within the hour, T2 1."""
    bh.teams(db)
    d, port, conf = bh.start(db, build, tmp_path, calendar=mw.every_day_calendar(tmp_path),
                             clocks={"contact_decision": dict(bh.CLOCKS["contact_decision"],
                                                              forecast=True)})
    try:
        bh.contacts(db, [("O%d" % i, "PO%d" % i, "T1", 0.5) for i in range(3)]
                    + [("S%d" % i, "PS%d" % i, "T1", 30) for i in range(4)]
                    + [("Q1", "PQ1", "T2", 0.5)])
        db.execute("update cms.contacts set decision_at = now() - interval '26 hours', "
                   "updated_at = now() where contact_id like 'S%%'")

        def forecast(user):
            j = json.loads(bh.get(port, "/board.json", user=user)[2])
            return {t["team"]: t["forecast"] for t in j["teams"] if t["forecast"]}
        got = mw.wait_for(lambda: (lambda f: f if f.get("T2") and f.get("T1") and
                                   f["T1"][0]["throughput"] > 0 else None)(
                                       forecast("admin@example.org")),
                          what="the forecast on the board")
        assert got == {
            "T1": [{"clock": "contact_decision", "label": "contact_decision", "open": 3,
                    "due_next": 3, "throughput": 0.2, "projected_breaches": 2}],
            "T2": [{"clock": "contact_decision", "label": "contact_decision", "open": 1,
                    "due_next": 1, "throughput": 0.0, "projected_breaches": 1}]}
        # A manager sees their team's figures only, on the page too.
        assert list(forecast("m1@example.org")) == ["T1"]
        html = bh.get(port, "/board", user="m1@example.org")[2]
        row = html[html.index('<table id="forecast">'):]
        row = row[row.index('<tr data-clock="contact_decision">'):row.index("</table>")]
        assert "<td>3</td><td>3</td><td>0.20</td><td>2</td>" in row
        html = bh.get(port, "/board", user="admin@example.org")[2]
        assert "<td>4</td><td>4</td><td>0.20</td><td>3</td>" in html
    finally:
        assert d.stop() == 0


def test_report_forecast_section(db, build, config):
    """The nightly report on Friday 8 April 2022 gives the forecast as of
    the end of that day: due by the end of Monday, against the stops of the
    20 working days from Monday 14 March to Friday 8 April (2.0 a day)."""
    seed(db, "T1")
    seed(db, "T2")
    friday(db)
    p = mw.run(build, "mashwatchctl", "-c", config, "report", "--date", "2022-04-08",
               "--format", "json")
    fc = json.loads(p.stdout)["forecast"]
    assert fc == {
        "as_of": "2022-04-09T00:00:00+01:00", "due_by": "2022-04-12T00:00:00+01:00",
        "working_days": 20,
        "clocks": [{
            "clock": "contact_decision", "label": "contact_decision", "open": 9, "due_next": 9,
            "throughput": 2.0, "projected_breaches": 7,
            "teams": [
                {"team": "T1", "open": 5, "due_next": 5, "throughput": 2.0,
                 "projected_breaches": 3},
                {"team": "T2", "open": 4, "due_next": 4, "throughput": 0.0,
                 "projected_breaches": 4}]}]}
    html = mw.run(build, "mashwatchctl", "-c", config, "report", "--date", "2022-04-08",
                  "--format", "html").stdout
    assert "3a. Forecast" in html and "due by the end of Monday 11 April" in html
    text = mw.run(build, "mashwatchctl", "-c", config, "report", "--date", "2022-04-08",
                  "--format", "text").stdout
    assert ("contact_decision: by the end of Monday 11 April 9 fall due; about 2.00 are "
            "decided a day; about 7 will be late (9 open)") in text
    assert "team T2: 4 due, 0.00 a day, 4 late, 4 open" in text
    # Without a clock with forecast = true the section is empty.
    plain = mw.write_config(config.parent / "plain.conf", db.conninfo)
    p = mw.run(build, "mashwatchctl", "-c", plain, "report", "--date", "2022-04-08",
               "--format", "json")
    assert json.loads(p.stdout)["forecast"]["clocks"] == []


def test_standby_taking_over_sends_no_second_forecast(db, build, tmp_path):
    """The leader sends the day's forecast; a standby that takes over when
    it dies runs the forecast too, finds the claim and sends nothing."""
    smtp = nh.SmtpServer()
    smtp.start()
    a = b = None
    try:
        config = forecast_config(db, build, tmp_path, smtp, alert_at=1, at="00:00",
                                 calendar=mw.every_day_calendar(tmp_path))
        config.write_text(config.read_text().replace("lease_ttl = 15;", "lease_ttl = 6;"))
        nh.add_team(db, "T1", "Front door", "m1@example.org", "esc1@example.org")
        nh.add_contacts(db, [("C1", "P1", "T1", testclock.hours_ago(1))])
        today = testclock.local_now().strftime("%Y-%m-%d")
        a = mw.Daemon(build, config, tmp_path / "a.log")
        a.wait_log("forecast %s: done" % today, timeout=60)
        b = mw.Daemon(build, config, tmp_path / "b.log")
        b.wait_log("standing by")
        a.kill()
        b.wait_log("now polls and alerts", timeout=30)
        b.wait_log("forecast %s: done" % today, timeout=60)
        nh.settle(1)
        got = [m for _, m, _ in smtp.collector.all() if m["Subject"].startswith("Forecast")]
        assert len(got) == 1
        assert db.query("select count(*) from mashwatch.forecasts") == [(1,)]
        # The standby's run found the leader's claim.
        assert "already sent" in b.text()
        assert b.stop() == 0
    finally:
        for d in (a, b):
            if d is not None and d.alive():
                d.kill()
        smtp.stop()
