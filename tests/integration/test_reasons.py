"""Reasons for lateness (issue 26, item 1): a code from the config's
reasons list given with an acknowledgement by mashwatchctl ack and by the
board's form, refused when unknown (with the valid codes) or, under
ack.reason_required, missing for an escalated alert; stored with every
acknowledgement, shown by history and the board, and counted in the
report's exceptions."""

import datetime as dt
import email
import email.policy
import json
import re
import urllib.parse

import boardhelp as bh
import mw
import testclock

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

        # Decided: the resolution waits for the digest, which says why it
        # was late.
        db.execute("update cms.contacts set decision_at = now(), decision = 'referral', "
                   "updated_at = now() where contact_id = 'C1'")
        mw.wait_for(lambda: db.query("select count(*) from mashwatch.notifications n "
                                     "join mashwatch.alerts a using (alert_id) where "
                                     "a.child_id = 'P-ONE' and n.event = 'resolved'")[0][0] > 0,
                    timeout=30, what="the resolution")
    finally:
        assert d.stop() == 0

    # The next morning (dated back a day, as if all this was yesterday).
    db.execute("update mashwatch.alerts set created_at = created_at - interval '1 day'")
    db.execute("update mashwatch.notifications set created_at = created_at - interval '1 day'")
    # Its own config: every day a working day, so that today has a digest.
    morning = tmp_path / "morning.conf"
    text = re.sub(r'reminder_at = "[0-9:]+";',
                  'reminder_at = "00:00"; working_hours = "00:00-24:00";', conf.read_text())
    morning.write_text(re.sub(r"^calendar: .*$", lambda m: mw.every_day_calendar(tmp_path), text, flags=re.M))
    morning.chmod(0o600)
    outbox = tmp_path / "outbox"

    def digests():
        return [m for m in (email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                            for p in sorted(outbox.glob("*.eml")))
                if "digest" in m["Subject"] and m["To"] == "m1@example.org"]

    d = mw.Daemon(build, morning, tmp_path / "morning.log")
    try:
        (digest,) = mw.wait_for(digests, timeout=60, what="T1's digest")
    finally:
        assert d.stop() == 0
    text = digest.get_body(preferencelist=("plain",)).get_content()
    resolved = text[text.index("Resolved since the last digest"):]
    assert re.search(r"acknowledged by m1@example.org at [^,]*, reason: Waiting for "
                     r"<health>: \"GP letter due\"", resolved), resolved
    html = digest.get_body(preferencelist=("html",)).get_content()
    assert "reason: Waiting for &lt;health&gt;" in html

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
    csv = mw.run(build, *ctl, "report", "--date", day, "--format", "csv").stdout.splitlines()
    assert "exceptions,contact_decision.police_unavailable.share,0.2" in csv
    assert "exceptions,contact_decision.none.late,3" in csv
    html = mw.run(build, *ctl, "report", "--date", day, "--format", "html").stdout
    assert "Waiting for &lt;health&gt;" in html

    # The partnership pack of April 2022: one of the five late items waits
    # on the police, one on health, each 7 working days late (from the
    # 20th to the end of April).
    pack = json.loads(mw.run(build, *ctl, "report", "--partnership", "--month",
                             "2022-04", "--format", "json").stdout)
    assert pack["late"]["items"] == 5
    assert [(a["agency"], a["late"], a["share"], a["median_days_late"],
             [(c["clock"], c["late"], c["share"]) for c in a["clocks"]])
            for a in pack["late"]["agencies"]] == [
        ("health", 1, 0.2, 7.0, [("contact_decision", 1, 0.2)]),
        ("police", 1, 0.2, 7.0, [("contact_decision", 1, 0.2)])]


# April 2022: Good Friday 15 and Easter Monday 18 are bank holidays.
PACK_CONF = """
reasons = (
  { code = "police_unavailable"; agency = "police"; },
  { code = "awaiting_health"; agency = "health"; },
  { code = "capacity"; }
);
report: { archive = "%s"; };
"""


def pack_world(db, tmp_path):
    """Source rows and alerts for the partnership pack of April 2022."""
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("insert into cms.teams (team_id, name) values ('MASH', 'Front door')")
        for child in ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9"):
            cur.execute("insert into cms.children (child_id) values (%s)", (child,))
        # Police notifications: incident -> received at the MASH.
        for cid, child, incident, received in (
                ("N1", "P1", "2022-04-14T10:00:00+01:00", "2022-04-19T09:00:00+01:00"),  # 1
                ("N2", "P2", "2022-04-20T08:00:00+01:00", "2022-04-20T15:00:00+01:00"),  # 0
                ("N3", "P3", "2022-04-01T10:00:00+01:00", "2022-04-08T10:00:00+01:00"),  # 5
                ("N4", "P4", "2022-03-01T10:00:00Z", "2022-03-03T10:00:00Z"),            # 2
                ("N5", "P5", "2021-04-01T10:00:00+01:00", "2021-04-06T10:00:00+01:00"),  # 1
                ("N6", "P6", "2021-03-01T10:00:00Z", "2021-03-31T10:00:00+01:00")):      # before
            cur.execute("insert into cms.contacts (contact_id, child_id, team_id, "
                        "received_at, source, incident_at, decision_at, decision) "
                        "values (%s, %s, 'MASH', %s, 'police', %s, %s, 'no_further_action')",
                        (cid, child, received, incident, received))
        for cid, child, received, source in (
                ("K1", "P7", "2022-04-04T10:00:00+01:00", "school"),
                ("K2", "P8", "2022-04-05T10:00:00+01:00", "health"),
                ("K3", "P9", "2022-05-01T10:00:00+01:00", "school")):            # May
            cur.execute("insert into cms.contacts (contact_id, child_id, team_id, "
                        "received_at, source, decision_at, decision) values "
                        "(%s, %s, 'MASH', %s, %s, %s, 'no_further_action')",
                        (cid, child, received, source, received))
        for sid, held, police, health in (
                ("S1", "2022-04-05T10:00:00+01:00", True, True),
                ("S2", "2022-04-06T10:00:00+01:00", True, False),
                ("S3", "2022-04-07T10:00:00+01:00", False, False),
                ("S4", "2022-03-30T10:00:00+01:00", False, True)):                # March
            cur.execute("insert into cms.strategy_discussions (strategy_id, child_id, "
                        "team_id, identified_at, held_at, record_circulated_at, "
                        "police_attended, health_attended) values (%s, 'P1', 'MASH', %s, "
                        "%s, %s, %s, %s)", (sid, held, held, held, police, health))
        # Items that went overdue, as the daemon stores them, and their acks.
        for iid, rule, fired, due, stop, reason in (
                ("I1", "contact_decision", "2022-04-14T11:00:00+01:00",
                 "2022-04-14T10:00:00+01:00", "2022-04-19T09:00:00+01:00", "police_unavailable"),
                ("I2", "strategy_discussion", "2022-04-20T11:00:00+01:00",
                 "2022-04-20T10:00:00+01:00", "2022-04-25T09:00:00+01:00", "police_unavailable"),
                ("I3", "contact_decision", "2022-04-21T11:00:00+01:00",
                 "2022-04-21T10:00:00+01:00", "2022-04-22T09:00:00+01:00", "awaiting_health"),
                ("I4", "contact_decision", "2022-04-22T11:00:00+01:00",
                 "2022-04-22T10:00:00+01:00", None, None),
                ("I5", "strategy_discussion", "2022-04-26T11:00:00+01:00",
                 "2022-04-26T10:00:00+01:00", "2022-04-27T10:00:00+01:00", "capacity"),
                ("I6", "contact_decision", "2022-03-31T11:00:00+01:00",
                 "2022-03-31T10:00:00+01:00", "2022-04-04T10:00:00+01:00", "police_unavailable")):
            cur.execute("insert into mashwatch.alerts (rule, instance_id, level, child_id, "
                        "team_id, due_at, fired_at, stopped_at, resolved_at) values "
                        "(%s, %s, 'overdue', 'P1', 'MASH', %s, %s, %s, %s) "
                        "returning alert_id", (rule, iid, due, fired, stop, stop))
            alert = cur.fetchone()[0]
            if reason:
                cur.execute("insert into mashwatch.acks (alert_id, acked_at, acked_by, "
                            "reason) values (%s, %s, 'Jo', %s)", (alert, fired, reason))


def test_the_partnership_pack(db, build, tmp_path):
    archive = tmp_path / "archive"
    conf = mw.write_config(tmp_path / "mw.conf", db.conninfo,
                           extra=PACK_CONF % archive)
    mw.migrate(build, conf)
    pack_world(db, tmp_path)
    ctl = ("mashwatchctl", "-c", conf)
    pack = json.loads(mw.run(build, *ctl, "report", "--partnership", "--month",
                             "2022-04", "--format", "json").stdout)
    assert (pack["kind"], pack["month"], pack["first"], pack["last"]) == (
        "partnership", "2022-04", "2022-04-01", "2022-04-30")

    # Late work by agency: I1 (1 working day late, across Easter) and I2
    # (3) wait on the police, I3 (1) on health; I4 gave no reason, I5's
    # has no agency, I6 went overdue in March.
    assert pack["late"]["items"] == 5
    assert [(a["agency"], a["late"], a["share"], a["median_days_late"],
             [(c["clock"], c["late"], c["share"], c["median_days_late"])
              for c in a["clocks"]]) for a in pack["late"]["agencies"]] == [
        ("health", 1, 0.2, 1.0, [("contact_decision", 1, 0.3333, 1.0)]),
        ("police", 2, 0.4, 2.0, [("contact_decision", 1, 0.3333, 1.0),
                                 ("strategy_discussion", 1, 0.5, 3.0)])]

    # The police's lag: 13 months, April 2021 to April 2022.
    months = pack["police_lag"]["months"]
    assert [m["month"] for m in months][0] == "2021-04" and len(months) == 13
    lag = {m["month"]: (m["notifications"], m["median_days"], m["p90_days"]) for m in months}
    assert lag["2022-04"] == (3, 1.0, 4.2)
    assert lag["2022-03"] == (1, 2.0, 2.0)
    assert lag["2021-04"] == (1, 1.0, 1.0)
    assert lag["2021-05"] == (0, None, None)

    assert pack["strategy_attendance"] == {
        "check": "strategy_attendance", "held": 3, "without_police_or_health": 2,
        "share": 0.6667, "police_absent": 1, "health_absent": 2}
    assert pack["contacts_by_source"] == {"contacts": 5, "sources": [
        {"source": "police", "contacts": 3, "share": 0.6},
        {"source": "health", "contacts": 1, "share": 0.2},
        {"source": "school", "contacts": 1, "share": 0.2}]}

    # The same figures as CSV, text and HTML.
    csv = mw.run(build, *ctl, "report", "--partnership", "--month", "2022-04",
                 "--format", "csv").stdout.splitlines()
    assert csv[0] == "section,key,value"
    assert "late,agencies.police.clocks.strategy_discussion.median_days_late,3" in csv
    assert "police_lag,months.2022-04.p90_days,4.2" in csv
    text = mw.run(build, *ctl, "report", "--partnership", "--month", "2022-04").stdout
    assert "police: 2 (40.00%), median 2.0 working days late" in text
    assert "2022-04: 3 notifications, median 1.0, 90th percentile 4.2" in text
    assert "2 of 3 held (66.67%); police absent 1, health absent 2" in text
    html = mw.run(build, *ctl, "report", "--partnership", "--month", "2022-04",
                  "--format", "html").stdout
    assert "3. Strategy discussions without police or health" in html

    # Bad usage: the pack is monthly.
    p = mw.run(build, *ctl, "report", "--partnership", "--date", "2022-04-30", check=False)
    assert p.returncode == 64 and "--partnership needs --month" in p.stderr
    # --send needs routes.partnership.
    p = mw.run(build, *ctl, "report", "--partnership", "--month", "2022-04", "--send",
               check=False)
    assert p.returncode == 78 and "names no routes.partnership" in p.stderr

    # Sent once to routes.partnership, archived.
    text = conf.read_text().replace('report = [ "leaders@example.org" ];',
                                    'report = [ "leaders@example.org" ]; '
                                    'partnership = [ "board@example.org" ];')
    conf.write_text(text)
    routes = mw.run(build, *ctl, "routes").stdout
    assert re.search(r"partnership.*board@example\.org", routes)
    mw.run(build, *ctl, "report", "--partnership", "--month", "2022-04", "--send")
    p = mw.run(build, *ctl, "report", "--partnership", "--month", "2022-04", "--send")
    assert "already sent" in p.stderr
    sent = list((tmp_path / "outbox").glob("*.eml"))
    assert len(sent) == 1
    eml = sent[0].read_text()
    assert "To: board@example.org" in eml
    assert "Subject: MASH partnership pack 2022-04: 5 late items, 2 agencies named" in eml
    assert sorted(f.name for f in archive.iterdir()) == [
        "mashwatch-partnership-2022-04.csv", "mashwatch-partnership-2022-04.html",
        "mashwatch-partnership-2022-04.json"]
    archived = json.loads((archive / "mashwatch-partnership-2022-04.json").read_text())
    # The same pack, made a moment later.
    archived.pop("generated_at")
    pack.pop("generated_at")
    assert archived == pack
    assert db.query("select kind, period_first::text, period_last::text, "
                    "sent_at is not null from mashwatch.report_packs") == [
        ("partnership", "2022-04-01", "2022-04-30", True)]


def test_the_daemon_sends_the_partnership_pack_once(db, build, tmp_path):
    """On the 1st (here: report.at 00:00 has passed, so last month's pack is
    due) the leader sends the partnership pack to routes.partnership, even
    with no routes.report (the nightly report off), and never twice."""
    conf = mw.write_config(tmp_path / "mw.conf", db.conninfo, poll_interval=1,
                           lease_ttl=5, extra=PACK_CONF % (tmp_path / "archive"))
    text = conf.read_text().replace('report = [ "leaders@example.org" ];',
                                    'partnership = [ "board@example.org" ];')
    conf.write_text(text.replace('report: { archive', 'report: { at = "00:00"; archive'))
    mw.migrate(build, conf)
    # A site that went live long ago (a fresh one sends nothing from
    # before its go-live: test_golive.py).
    db.execute("insert into mashwatch.golive (went_live_at, holder) "
               "values (now() - interval '60 days', 'test')")
    first = testclock.local_now().date().replace(day=1)
    month = (first - dt.timedelta(days=1)).replace(day=1)
    done = "partnership pack %s: done" % month.isoformat()
    stem = "partnership-%04d-%02d" % (month.year, month.month)
    for log in ("d1.log", "d2.log"):
        d = mw.Daemon(build, conf, tmp_path / log)
        try:
            d.wait_log(done, timeout=60)
        finally:
            d.stop()
    sent = sorted(p.name for p in (tmp_path / "outbox").glob("*.eml"))
    assert sent == [stem + ".eml"]
    assert "To: board@example.org" in (tmp_path / "outbox" / sent[0]).read_text()
    assert "sent to" not in (tmp_path / "d2.log").read_text()
    assert db.query("select kind, period_first, sent_at is not null "
                    "from mashwatch.report_packs") == [("partnership", month, True)]
    assert db.query("select count(*) from mashwatch.reports") == [(0,)]
