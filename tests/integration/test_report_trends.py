"""Issue 18: the report's weekly trend, its teams and the weekly and monthly
packs, on a dataset whose figures are known by construction.

Three non-DA contacts a day, 10:00, 11:00 and 12:00 local, in two spans:
15 Feb .. 15 May 2021 (the year before) and 1 Jan .. 30 Apr 2022.  Each goes
to MASH, EAST or no team in turn; most are decided an hour later (within
the 1 working day limit), one in four 30 days later (late), and from
1 April 2022 one in seventeen is never decided.  Every date is fixed: the
report date is Wednesday 27 April 2022, never the real today.
"""

import csv
import datetime as dt
import email
import email.policy
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest

import mw
import reporthelp

LONDON = ZoneInfo("Europe/London")
D = dt.date(2022, 4, 27)
TEAMS = ("MASH", "EAST", None)
SPANS = ((dt.date(2021, 2, 15), dt.date(2021, 5, 15)),
         (dt.date(2022, 1, 1), dt.date(2022, 4, 30)))
ALERTS = [  # fired (local), level
    (dt.datetime(2022, 4, 26, 9, tzinfo=LONDON), "overdue"),
    (dt.datetime(2022, 4, 20, 9, tzinfo=LONDON), "escalated"),
    (dt.datetime(2022, 3, 2, 9, tzinfo=LONDON), "overdue"),
    (dt.datetime(2022, 3, 3, 9, tzinfo=LONDON), "escalated"),
]


def contacts():
    """(id, child, team, received, decided or None) rows."""
    rows = []
    for first, last in SPANS:
        day = first
        while day <= last:
            for i in range(3):
                n = day.toordinal() * 3 + i
                at = dt.datetime(day.year, day.month, day.day, 10 + i, tzinfo=LONDON)
                if day >= dt.date(2022, 4, 1) and n % 17 == 0:
                    stop = None
                elif n % 4 == 0:
                    stop = at + dt.timedelta(days=30)
                else:
                    stop = at + dt.timedelta(hours=1)
                rows.append(("K%d" % n, "C%d" % n, TEAMS[n % 3], at, stop))
            day += dt.timedelta(days=1)
    return rows


ROWS = contacts()


def in_dates(t, first, last):
    return t is not None and first <= t.astimezone(LONDON).date() <= last


def expect(first, last, team=False):
    """Contacts and contact_decision figures of [first, last] by construction."""
    got = dict(contacts=0, stopped=0, within_limit=0)
    for _, _, tm, at, stop in ROWS:
        if team is not False and tm != team:
            continue
        if in_dates(at, first, last):
            got["contacts"] += 1
        if in_dates(stop, first, last) and at.astimezone(LONDON).date() <= last:
            got["stopped"] += 1
            got["within_limit"] += stop - at < dt.timedelta(days=1)
    return got


@pytest.fixture
def loaded(db, build, tmp_path):
    config = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, extra="""
report: { at = "07:00"; archive = "%s"; comparators = { england = 0.24; }; };
""" % (tmp_path / "archive"))
    mw.migrate(build, config)
    conn = db.connect(autocommit=False)
    with conn, conn.cursor() as cur:
        cur.execute("insert into cms.teams (team_id, name) values"
                    " ('MASH', 'Front door'), ('EAST', 'East locality')")
        from psycopg2.extras import execute_values
        execute_values(cur, "insert into cms.children (child_id) values %s",
                       [(r[1],) for r in ROWS], page_size=5000)
        execute_values(cur, "insert into cms.contacts (contact_id, child_id, team_id,"
                       " received_at, decision_at, source, is_da_notification) values %s",
                       [(r[0], r[1], r[2], r[3], r[4], "school", False) for r in ROWS],
                       page_size=5000)
        # Caseloads: R1 23 (red, EAST), A1 19 (amber, MASH), N1 5.
        cur.execute("insert into cms.workers (worker_id, team_id, name) values"
                    " ('R1', 'EAST', 'x'), ('A1', 'MASH', 'y'), ('N1', 'MASH', 'z')")
        n = 0
        for worker, k in (("R1", 23), ("A1", 19), ("N1", 5)):
            for _ in range(k):
                cur.execute("insert into cms.referrals (referral_id, child_id, worker_id,"
                            " received_at, allocated_at) values (%s, %s, %s,"
                            " '2019-01-01', '2019-01-02')", ("WR%03d" % n, ROWS[n][1], worker))
                n += 1
    conn.close()
    for i, (fired, level) in enumerate(ALERTS):
        db.execute("insert into mashwatch.alerts (rule, instance_id, level, fired_at)"
                   " values ('contact_decision', %s, %s, %s)", ("A%d" % i, level, fired))
    return config


def report(build, config, *args):
    p = mw.run(build, "mashwatchctl", "-c", config, "report", "--format", "json", *args)
    return json.loads(p.stdout)


def test_each_trend_point_is_the_report_of_its_week(loaded, build):
    r = report(build, loaded, "--date", D.isoformat())
    trends = r["trends"]
    assert len(trends) == 13
    assert trends[-1]["end"] == "2022-04-27" and trends[0]["end"] == "2022-02-02"
    assert trends[-1] == r["period"]
    for k, point in enumerate(trends):
        end = D - dt.timedelta(days=7 * (12 - k))
        first = end - dt.timedelta(days=6)
        assert point["end"] == end.isoformat() and point["first"] == first.isoformat()
        # The same figures from report --date of the week's end ...
        day = report(build, loaded, "--date", end.isoformat())
        assert point == day["period"], end
        demand = {d["measure"]: d for d in day["demand"]}
        assert point["contacts"] == demand["contacts"]["days_7"]
        assert point["referrals"] == demand["referrals"]["days_7"]
        assert point["rereferral_rate"] == day["rereferrals"]["rate"]
        clocks = {c["clock"]: c for c in day["clocks"]}
        for c in point["clocks"]:
            assert (c["open"], c["overdue"]) == (clocks[c["clock"]]["open"],
                                                 clocks[c["clock"]]["overdue"]), (end, c)
        # ... by construction ...
        want = expect(first, end)
        cd = next(c for c in point["clocks"] if c["clock"] == "contact_decision")
        assert point["contacts"] == want["contacts"]
        assert (cd["stopped"], cd["within_limit"]) == (want["stopped"], want["within_limit"])
        assert point["alerts_raised"] == sum(1 for a in ALERTS if first <= a[0].date() <= end)
        assert point["alerts_escalated"] == sum(1 for a in ALERTS if a[1] == "escalated"
                                                and first <= a[0].date() <= end)
        # ... and from mashwatchd --once --at the end of its last day.
        midnight = dt.datetime(end.year, end.month, end.day, tzinfo=LONDON) + dt.timedelta(days=1)
        lines = mw.once(build, loaded, at=midnight.isoformat(), all=True)
        for c in point["clocks"]:
            mine = [x for x in lines if x["type"] == "clock" and x["clock"] == c["clock"]
                    and x["stopped_at"] is None]
            assert c["open"] == len(mine), (end, c["clock"])
            assert c["overdue"] == sum(1 for x in mine if x["state"] in ("overdue", "escalated"))


def test_teams_add_up_to_the_whole(loaded, build):
    r = report(build, loaded, "--date", D.isoformat())
    teams = {t["team"]: t for t in r["teams"]}
    assert list(teams) == ["EAST", "MASH", None]
    assert teams["MASH"]["name"] == "Front door" and teams[None]["name"] is None
    whole = {c["clock"]: c for c in r["clocks"]}
    for name, c in whole.items():
        for key in ("stopped", "within_limit", "open", "overdue"):
            assert c[key] == sum(next(x for x in t["clocks"] if x["clock"] == name)[key]
                                 for t in r["teams"]), (name, key)
        for band, n in c["age_bands"].items():
            assert n == sum(next(x for x in t["clocks"] if x["clock"] == name)["age_bands"][band]
                            for t in r["teams"])
    # Each team's 28 days by construction.
    for team in TEAMS:
        want = expect(D - dt.timedelta(days=27), D, team=team)
        cd = next(x for x in teams[team]["clocks"] if x["clock"] == "contact_decision")
        assert (cd["stopped"], cd["within_limit"]) == (want["stopped"], want["within_limit"])
    # Workers at amber and red, by reference, highest first, per team.
    assert r["caseloads"]["listed"] == [
        {"worker": "R1", "team": "EAST", "open_cases": 23, "level": "red"},
        {"worker": "A1", "team": "MASH", "open_cases": 19, "level": "amber"}]
    assert [w["worker"] for w in teams["EAST"]["caseloads"]] == ["R1"]
    assert [w["worker"] for w in teams["MASH"]["caseloads"]] == ["A1"]
    # The tidy CSV of clocks by team holds the same numbers.
    p = mw.run(build, "mashwatchctl", "-c", loaded, "report", "--date", D.isoformat(),
               "--table", "teams")
    rows = list(csv.DictReader(io.StringIO(p.stdout, newline="")))
    cd = [x for x in rows if x["clock"] == "contact_decision"]
    assert len(cd) == 3
    assert sum(int(x["stopped_28_days"]) for x in cd) == whole["contact_decision"]["stopped"]
    assert sum(int(x["open"]) for x in cd) == whole["contact_decision"]["open"]
    # Attention first: at most five, each chosen by a rule.
    rules = [a["rule"] for a in r["attention"]]
    assert 1 <= len(rules) <= 5
    assert "caseloads_red" in rules and "oldest_waiting" in rules
    assert "escalations_open" in rules          # two escalations never resolved
    red = next(a for a in r["attention"] if a["rule"] == "caseloads_red")["text"]
    assert "R1 (23)" in red


def check_period(got, first, last):
    want = expect(first, last)
    cd = next(c for c in got["clocks"] if c["clock"] == "contact_decision")
    assert (got["first"], got["end"]) == (first.isoformat(), last.isoformat())
    assert got["contacts"] == want["contacts"]
    assert (cd["stopped"], cd["within_limit"]) == (want["stopped"], want["within_limit"])


def test_weekly_and_monthly_packs(loaded, build):
    w = report(build, loaded, "--week", "2022-04-20")       # a Wednesday
    assert w["pack"] == {"kind": "week", "first": "2022-04-18", "last": "2022-04-24"}
    assert w["date"] == "2022-04-24"
    check_period(w["period"], dt.date(2022, 4, 18), dt.date(2022, 4, 24))
    check_period(w["previous"], dt.date(2022, 4, 11), dt.date(2022, 4, 17))
    check_period(w["year_earlier"], dt.date(2021, 4, 19), dt.date(2021, 4, 25))
    assert w["period"]["days"] == 7 and w["period"]["alerts_raised"] == 1

    m = report(build, loaded, "--month", "2022-03")
    assert m["pack"] == {"kind": "month", "first": "2022-03-01", "last": "2022-03-31"}
    check_period(m["period"], dt.date(2022, 3, 1), dt.date(2022, 3, 31))
    check_period(m["previous"], dt.date(2022, 2, 1), dt.date(2022, 2, 28))
    check_period(m["year_earlier"], dt.date(2021, 3, 1), dt.date(2021, 3, 31))
    assert m["period"]["alerts_raised"] == 2 and m["period"]["alerts_escalated"] == 1
    # No data a year before January 2022: null, not zeros.
    assert report(build, loaded, "--month", "2022-01")["year_earlier"] is None

    text = mw.run(build, "mashwatchctl", "-c", loaded, "report", "--week",
                  "2022-04-20").stdout
    assert "Week 2022-04-18 to 2022-04-24" in text
    # Bad periods are refused with a clear message.
    for args, needle in ((["--month", "2022-13"], "not a month"),
                         (["--month", "2022-3"], "not a month"),
                         (["--week", "2022-02-30"], "not a date"),
                         (["--week", "2999-01-04"], "ended before today"),
                         (["--week", "2022-04-20", "--month", "2022-03"], "usage")):
        p = mw.run(build, "mashwatchctl", "-c", loaded, "report", *args, check=False)
        assert p.returncode == 64 and needle in p.stderr, args


def test_pack_sent_with_charts_and_tables(loaded, build, db, tmp_path):
    p = mw.run(build, "mashwatchctl", "-c", loaded, "report", "--week", "2022-04-20",
               "--send")
    assert "sent to 1 recipients" in p.stderr
    outbox = tmp_path / "outbox"
    sent = [x for x in outbox.iterdir() if not x.name.startswith(".")]
    assert len(sent) == 1
    msg = email.message_from_bytes(sent[0].read_bytes(), policy=email.policy.default)
    assert "weekly pack 2022-04-18 to 2022-04-24" in msg["Subject"]
    html = next(x for x in msg.walk() if x.get_content_type() == "text/html").get_content()
    pngs = [x for x in msg.walk() if x.get_content_type() == "image/png"]
    assert pngs and all(x.get_payload(decode=True)[:8] == b"\x89PNG\r\n\x1a\n" for x in pngs)
    for x in pngs:
        assert "cid:" + x["Content-ID"].strip("<>") in html
    assert "<svg" not in html
    # Outlook on Windows ignores max-width: each chart carries its size in
    # attributes, and the page sits in a 680-pixel table only Outlook reads.
    imgs = re.findall(r"<img [^>]*>", html)
    assert len(imgs) == len(pngs)
    for tag in imgs:
        assert ' width="560" ' in tag and ' height="180" ' in tag, tag
    assert '<!--[if mso]><table role="presentation" width="680" ' in html
    assert html.count("<!--[if mso]>") == html.count("<![endif]-->") == 2
    names = sorted(x.get_filename() for x in msg.walk() if x.get_content_type() == "text/csv")
    assert names == sorted(["mashwatch-week-2022-04-18.csv"] +
                           ["mashwatch-week-2022-04-18-%s.csv" % t for t in
                            ("clocks", "teams", "trends", "repeats", "caseloads",
                             "data_quality")])
    archive = tmp_path / "archive"
    assert "<svg" in (archive / "mashwatch-week-2022-04-18.html").read_text()
    trends = list(csv.DictReader(open(archive / "mashwatch-week-2022-04-18-trends.csv",
                                      newline="")))
    assert {x["week_end"] for x in trends} == {
        (dt.date(2022, 4, 24) - dt.timedelta(days=7 * k)).isoformat() for k in range(13)}
    (row,) = db.query("select period_last, sent_at is not null, json_path"
                      " from mashwatch.report_packs where kind = 'week'"
                      " and period_first = '2022-04-18'")
    assert row[0] == dt.date(2022, 4, 24) and row[1]
    assert row[2].endswith("mashwatch-week-2022-04-18.json")
    # Sent once.
    p = mw.run(build, "mashwatchctl", "-c", loaded, "report", "--week", "2022-04-24",
               "--send")
    assert "already sent" in p.stderr



def test_pack_html_renders(loaded, build):
    """The weekly pack's page, charts as inline SVG, in headless Chromium
    as the daily report is (test_report_figures.py)."""
    html = mw.run(build, "mashwatchctl", "-c", loaded, "report", "--week", "2022-04-20",
                  "--format", "html").stdout
    assert "<script" not in html.lower() and "http://" not in html
    assert html.count("<svg") == html.count("</svg>") > 0
    assert html.index("Attention first") < html.index("1. Demand")
    assert html.index("Trends (13 weeks)") < html.index("Teams")
    reporthelp.render(html, "pack", (("pack.png", "1000,5200"),))
