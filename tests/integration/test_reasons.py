"""Reasons for lateness (issue 26, item 1): a code from the config's
reasons list given with an acknowledgement by mashwatchctl ack and by the
board's form, refused when unknown (with the valid codes) or, under
ack.reason_required, missing for an escalated alert; stored with every
acknowledgement, shown by history and the board, and counted in the
report's exceptions."""

import json
import re
import urllib.parse

import boardhelp as bh
import mw

REASONS = """
reasons = (
  { code = "police_unavailable"; label = "Police not available"; agency = "police"; },
  { code = "awaiting_health"; label = "Waiting for <health>"; agency = "health"; },
  { code = "capacity"; label = "Team capacity"; }
);
ack: { reason_required = true; };
"""


def alert_of(db, child):
    return db.query("select alert_id from mashwatch.alerts where child_id = %s "
                    "and level = 'escalated'", (child,))[0][0]


def test_a_reason_through_ack_board_history_and_report(db, build, tmp_path):
    bh.teams(db)
    d, port, conf = bh.start(db, build, tmp_path, extra=REASONS)
    origin = {"Origin": "http://127.0.0.1:%d" % port, "Host": "127.0.0.1:%d" % port}
    try:
        bh.contacts(db, [("C1", "P-ONE", "T1", 30), ("C2", "P-TWO", "T1", 5),
                         ("C3", "P-THREE", "T2", 10), ("C4", "P-FOUR", "T2", 3),
                         ("C5", "P-FIVE", None, 4)])
        mw.wait_for(lambda: db.query("select count(*) from mashwatch.alerts "
                                     "where level = 'escalated'")[0][0] >= 5,
                    timeout=30, what="escalations")
        ctl = ("mashwatchctl", "-c", conf)

        # mashwatchctl: an unknown code is refused before anything is written.
        a3 = alert_of(db, "P-THREE")
        p = mw.run(build, *ctl, "ack", a3, "--by", "Sam", "--reason", "police",
                   check=False)
        assert p.returncode != 0
        assert p.stderr.startswith("mashwatchctl: --reason 'police' is not a reason")
        assert "valid codes: police_unavailable, awaiting_health, capacity" in p.stderr
        # None at all, for an escalated alert, under ack.reason_required.
        p = mw.run(build, *ctl, "ack", a3, "--by", "Sam", "--note", "on it", check=False)
        assert p.returncode != 0
        assert "is escalated: ack.reason_required asks for --reason" in p.stderr
        assert "valid codes: police_unavailable, awaiting_health, capacity" in p.stderr
        assert db.query("select count(*) from mashwatch.acks")[0][0] == 0
        assert db.query("select count(*) from mashwatch.alerts "
                        "where acked_at is not null")[0][0] == 0
        p = mw.run(build, *ctl, "ack", a3, "--by", "Sam", "--reason",
                   "police_unavailable", "--note", "GMP asked twice")
        assert "reason police_unavailable" in p.stdout
        assert db.query("select reason, note from mashwatch.acks where alert_id = %s",
                        (a3,)) == [("police_unavailable", "GMP asked twice")]
        assert db.query("select ack_reason from mashwatch.alerts where alert_id = %s",
                        (a3,))[0][0] == "police_unavailable"
        hist = mw.run(build, *ctl, "history", "--child", "P-THREE").stdout
        assert re.search(r"acknowledged \S+ by Sam, reason police_unavailable "
                         r"\(Police not available; police\) \(\"GMP asked twice\"\)", hist)

        # The board: a required select of every reason, escaped.
        j = mw.wait_for(lambda: (lambda j: j["teams"][0]["items"][0]["ack"] and j)(
            json.loads(bh.get(port, "/board.json", user="m1@example.org")[2])),
            timeout=15, what="the alerts on the board")
        assert j["reason_required"] is True
        assert [(r["code"], r["agency"]) for r in j["reasons"]] == [
            ("police_unavailable", "police"), ("awaiting_health", "health"),
            ("capacity", None)]
        html = bh.get(port, "/board", user="m1@example.org")[2]
        assert '<select name="reason" aria-label="reason" required>' in html
        assert '<option value="awaiting_health">Waiting for &lt;health&gt;</option>' in html
        token = j["csrf"]
        a1 = alert_of(db, "P-ONE")

        def post(**fields):
            body = urllib.parse.urlencode(dict(alert=a1, csrf=token, **fields))
            return bh.request(port, "POST", "/ack", user="m1@example.org", body=body,
                              headers=origin)

        st, _, body = post(reason="health")
        assert st == 400 and "not a reason code" in body
        assert "valid codes: police_unavailable, awaiting_health, capacity" in body
        st, _, body = post(note="seen", reason="")
        assert st == 400 and "a reason is required" in body and "awaiting_health" in body
        assert db.query("select count(*) from mashwatch.acks where alert_id = %s",
                        (a1,))[0][0] == 0
        st, hdrs, _ = post(reason="awaiting_health", note="GP letter due")
        assert st == 303
        assert db.query("select acked_by, reason from mashwatch.acks where alert_id = %s",
                        (a1,)) == [("m1@example.org", "awaiting_health")]
        html = mw.wait_for(lambda: (lambda h: "by m1@example.org" in h and h)(
            bh.get(port, "/board", user="m1@example.org")[2]),
            timeout=15, what="the acknowledgement on the board")
        assert 'reason <span class="reason">Waiting for &lt;health&gt;</span>' in html
        j = json.loads(bh.get(port, "/board.json", user="m1@example.org")[2])
        acks = [i["ack"] for t in j["teams"] for i in t["items"]
                if i["ack"] and i["ack"]["alert"] == a1]
        assert acks and acks[0]["reason"] == "awaiting_health"
        hist = mw.run(build, *ctl, "history", "--child", "P-ONE").stdout
        assert "by m1@example.org, reason awaiting_health (Waiting for <health>; health)" in hist
    finally:
        assert d.stop() == 0

    # The report is on a day that has ended: the five items went overdue
    # on Wednesday 20 April 2022 (pinned), two with a reason.
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("update mashwatch.alerts set fired_at = "
                    "'2022-04-20T12:00:00+01:00', due_at = '2022-04-20T10:00:00+01:00'")
    day = "2022-04-22"
    rep = json.loads(mw.run(build, *ctl, "report", "--date", day, "--format",
                            "json").stdout)
    # Late from the 20th to the end of the 22nd: the same for each.
    assert len({e["median_days_late"] for e in rep["exceptions"]}) == 1
    assert rep["exceptions"][0]["median_days_late"] >= 2
    # By clock, then code; the items without a reason last.
    got = [(e["clock"], e["reason"], e["agency"], e["late"], e["share"])
           for e in rep["exceptions"]]
    assert got == [("contact_decision", "awaiting_health", "health", 1, 0.2),
                   ("contact_decision", "police_unavailable", "police", 1, 0.2),
                   ("contact_decision", None, None, 3, 0.6)]
    text = mw.run(build, *ctl, "report", "--date", day).stdout
    assert "Police not available [police]: 1 late (20.00%)" in text
    html = mw.run(build, *ctl, "report", "--date", day, "--format", "html").stdout
    assert "Waiting for &lt;health&gt;" in html
