"""The operator's controls, run for real against a running daemon:
`alerts` lists what is open with its id, `silence` stops the email about a
clock (and team) for a known outage, is marked on the board and, once it
ends (expired by hand or by time), what is still open is notified as usual;
`queue` says what mail waits and why, `queue retry` sends now, and
`status` exits 0 healthy, 1 degraded (saying why), 69 unreachable."""

import email
import email.policy
import json
from datetime import datetime, timedelta

import boardhelp as bh
import mw
import notifyhelp as nh
import testclock


def ctl(build, conf, *args):
    return mw.run(build, "mashwatchctl", "-c", conf, *args, check=False)


def jctl(build, conf, *args):
    p = ctl(build, conf, *args)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def mailed_to(outbox):
    """The recipients of every .eml the directory transport wrote."""
    if not outbox.exists():
        return []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"]
            for p in sorted(outbox.glob("*.eml"))]


def local(dt):
    """A local time without an offset: the one time syntax allows it."""
    return dt.astimezone(testclock.LONDON).strftime("%Y-%m-%dT%H:%M:%S")


def test_silence_holds_the_email_is_marked_and_expiry_sends(db, build, tmp_path):
    bh.teams(db)
    d, port, conf = bh.start(db, build, tmp_path)
    outbox = tmp_path / "outbox"
    try:
        until = local(testclock.now() + timedelta(hours=2))
        p = ctl(build, conf, "silence", "add", "--clock", "contact_decision", "--team", "T1",
                "--until", until, "--note", "CMS outage: known backlog", "--by", "ops-anna")
        assert p.returncode == 0, p.stderr
        sid = int(p.stdout.split()[1].rstrip(":"))
        bh.contacts(db, [("C1", "P-T1", "T1", 3), ("C2", "P-T2", "T2", 3)])
        # T2's manager is told; T1's is silenced.
        mw.wait_for(lambda: "m2@example.org" in mailed_to(outbox), timeout=30,
                    what="T2's email")
        nh.settle(4)
        assert "m1@example.org" not in mailed_to(outbox)
        # alerts: ids, due, how late, the silence; filters.
        got = jctl(build, conf, "alerts", "--json")["alerts"]
        by_team = {a["team"]: a for a in got if a["level"] == "overdue"}
        assert by_team["T1"]["silence"]["id"] == sid
        assert by_team["T2"]["silence"] is None
        assert by_team["T1"]["late_seconds"] > 3600 and by_team["T1"]["ack"] is None
        assert by_team["T1"]["due_at"].endswith(("+00:00", "+01:00"))
        silenced = jctl(build, conf, "alerts", "--state", "silenced", "--json")["alerts"]
        assert {a["team"] for a in silenced} == {"T1"}
        opened = jctl(build, conf, "alerts", "--state", "open", "--json")["alerts"]
        assert {a["team"] for a in opened} == {"T2"}
        assert {a["team"] for a in jctl(build, conf, "alerts", "--team", "T2",
                                        "--json")["alerts"]} == {"T2"}
        text = ctl(build, conf, "alerts", "--clock", "contact_decision").stdout
        assert "silenced (#%d until" % sid in text and "P-T1" in text
        # acked: an acknowledgement made with ack shows in --state acked.
        t2 = by_team["T2"]["id"]
        assert ctl(build, conf, "ack", str(t2), "--by", "m2", "--until", "2099-01-01").returncode == 0
        acked = jctl(build, conf, "alerts", "--state", "acked", "--json")["alerts"]
        assert [a["id"] for a in acked] == [t2] and acked[0]["ack"]["by"] == "m2"
        # The queue says why T1's alert waits.
        items = jctl(build, conf, "queue", "--json")["items"]
        held = [i for i in items if i["state"] == "silenced"]
        assert held and "silence %d" % sid in held[0]["why"]
        assert held[0]["route"] == "team:T1" and held[0]["type"] == "outbox"
        # The board marks it (its alerts are read at most 10 s apart).
        item = mw.wait_for(lambda: [
            i for t in json.loads(bh.get(port, "/board.json", user="admin@example.org")[2])["teams"]
            if t["team"] == "T1" for i in t["items"] if i["ack"] and i["ack"]["silence"] == sid],
            timeout=30, what="the silence on the board")
        assert item[0]["ack"]["silenced_until"].startswith(until[:13])
        html = bh.get(port, "/board", user="admin@example.org")[2]
        assert 'class="silenced">silenced until' in html
        # Listed, then expired by hand: T1's manager is told at once.
        lst = jctl(build, conf, "silence", "list", "--json")
        assert [(s["id"], s["by"], s["state"]) for s in lst] == [(sid, "ops-anna", "active")]
        p = ctl(build, conf, "silence", "expire", str(sid), "--by", "ops-ben")
        assert p.returncode == 0, p.stderr
        mw.wait_for(lambda: "m1@example.org" in mailed_to(outbox), timeout=15,
                    what="T1's email once the silence ended")
        # Kept in history with who set it and who ended it.
        assert jctl(build, conf, "silence", "list", "--json") == []
        hist = jctl(build, conf, "silence", "list", "--all", "--json")
        assert [(s["by"], s["state"], s["expired_by"], s["note"]) for s in hist] == [
            ("ops-anna", "expired", "ops-ben", "CMS outage: known backlog")]
        p = ctl(build, conf, "silence", "expire", str(sid))
        assert p.returncode == 65 and "mashwatchctl: silence has already ended" in p.stderr
        p = ctl(build, conf, "silence", "expire", "999")
        assert p.returncode == 65 and "no silence 999" in p.stderr
    finally:
        assert d.stop() == 0


def test_a_silence_that_ends_by_time_notifies_what_is_open(db, build, tmp_path):
    bh.teams(db)
    d, port, conf = bh.start(db, build, tmp_path)
    outbox = tmp_path / "outbox"
    try:
        # Without --by: the OS user running the command is recorded.
        p = ctl(build, conf, "silence", "add", "--clock", "contact_decision",
                "--until", local(testclock.now() + timedelta(seconds=15)), "--note", "drill")
        assert p.returncode == 0, p.stderr
        bh.contacts(db, [("C1", "P-T1", "T1", 3), ("C9", "P-GONE", "T2", 3)])
        mw.wait_for(lambda: db.query("select count(*) from mashwatch.alerts "
                                     "where level = 'overdue'")[0][0] == 2, timeout=30)
        # One resolves while silenced: it is not open any more, never mailed.
        db.execute("update cms.contacts set decision_at = now(), decision = "
                   "'no_further_action', updated_at = now() where contact_id = 'C9'")
        mw.wait_for(lambda: db.query("select resolved_at is not null from mashwatch.alerts "
                                     "where instance_id = 'C9' and level = 'overdue'")
                    == [(True,)], timeout=30, what="C9 resolved")
        assert mailed_to(outbox) == []
        mw.wait_for(lambda: "m1@example.org" in mailed_to(outbox), timeout=60,
                    what="the email once the silence ran out")
        nh.settle(3)
        assert "m2@example.org" not in mailed_to(outbox), "\n".join(map(repr, db.query(
            "select a.alert_id, a.instance_id, a.level, a.resolved_at, a.fired_at, n.event, n.created_at, n.claimed_at from mashwatch.alerts a join mashwatch.notifications n using (alert_id) order by 1")))
        import getpass
        assert jctl(build, conf, "silence", "list", "--all", "--json")[0]["by"] == getpass.getuser()
    finally:
        assert d.stop() == 0


def test_queue_shows_failing_mail_retry_sends_now_and_status_says_so(db, build, tmp_path):
    smtp = nh.SmtpServer()  # not started yet: the relay is down
    nh.add_team(db, "T1", "Team one", "m1@example.org")
    conf = nh.write_config(tmp_path, db, smtp.port, notify="send_timeout = 5;",
                           clocks={"contact_decision": dict(limit="1 hours")})
    mw.migrate(build, conf)
    daemon = mw.Daemon(build, conf, tmp_path / "mashwatchd.log")
    try:
        daemon.wait_log("notifier: active")
        nh.add_contacts(db, [("C1", "P1", "T1", nh.hours_ago(3))])
        mw.wait_for(lambda: db.query("select count(*) from mashwatch.email_attempts "
                                     "where outcome = 'retry'")[0][0] >= 1, timeout=30)
        # A long back-off, as after hours of failure.
        db.execute("update mashwatch.emails set next_attempt_at = now() + interval '1 hour'")
        items = jctl(build, conf, "queue", "--json")["items"]
        failing = [i for i in items if i["type"] == "email"]
        assert len(failing) == 1 and failing[0]["state"] == "failing"
        assert failing[0]["route"] == "team:T1" and "attempt" in failing[0]["why"]
        assert failing[0]["next_attempt_at"] is not None
        text = ctl(build, conf, "queue").stdout
        assert "failing" in text and failing[0]["id"] in text
        # Failing for longer than send_timeout: degraded, and why.
        nh.settle(6)
        p = ctl(build, conf, "status")
        assert p.returncode == 1, p.stdout + p.stderr
        assert "health: degraded:" in p.stdout and "failing for longer than send_timeout" in p.stdout
        j = json.loads(ctl(build, conf, "status", "--json").stdout)
        assert j["healthy"] is False and j["emails_failing"] == 1
        assert any("send_timeout" in w for w in j["problems"])
        # The relay is back; retry sends now, not in an hour.
        smtp.start()
        p = ctl(build, conf, "queue", "retry", failing[0]["id"])
        assert p.returncode == 0, p.stderr
        nh.wait_messages(smtp, 1, timeout=20)
        p = mw.wait_for(lambda: (lambda p: p.returncode == 0 and p)(ctl(build, conf, "status")),
                        timeout=30, what="a healthy status")
        assert "health: ok" in p.stdout
        j = json.loads(ctl(build, conf, "status", "--json").stdout)
        assert j["healthy"] is True and j["problems"] == [] and j["leader"]
        assert jctl(build, conf, "queue", "--json")["items"] == []
        p = ctl(build, conf, "queue", "retry", "12345")
        assert p.returncode == 65 and "mashwatchctl: no email 12345" in p.stderr
    finally:
        daemon.stop()
        smtp.stop()
    # No daemon: no leader polls, degraded.
    p = ctl(build, conf, "status")
    if p.returncode == 0:  # the lease may outlive the daemon by lease_ttl
        p = mw.wait_for(lambda: (lambda p: p.returncode == 1 and p)(ctl(build, conf, "status")),
                        timeout=40, what="a degraded status")
    assert p.returncode == 1 and "no daemon holds the leader's lease" in p.stdout
    # No state database: 69.
    bad = mw.write_config(tmp_path / "bad.conf", "host=/nonexistent port=1 dbname=x")
    for args in (["status"], ["status", "--json"], ["alerts"], ["queue"], ["silence", "list"]):
        p = ctl(build, bad, *args)
        assert p.returncode == 69, args
        assert p.stderr.startswith("mashwatchctl: "), p.stderr


def test_bad_input_is_refused_clearly(db, build, tmp_path):
    conf = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    mw.migrate(build, conf)
    soon = local(testclock.now() + timedelta(hours=1))
    for args, code, words in [
            (["alerts", "--state", "late"], 64, "--state 'late' is not open, acked or silenced"),
            (["alerts", "--clock", "nope"], 65, "has no clock 'nope'"),
            (["alerts", "extra"], 64, "usage"),
            (["silence"], 64, "usage"),
            (["silence", "mute"], 64, "silence mute: not add, list or expire"),
            (["silence", "add", "--clock", "contact_decision", "--until", soon], 64, "usage"),
            (["silence", "add", "--clock", "nope", "--until", soon, "--note", "x"], 65,
             "has no clock 'nope'"),
            (["silence", "add", "--clock", "contact_decision", "--until", "tomorrow",
              "--note", "x"], 64, "--until 'tomorrow' is not an ISO 8601 date or time"),
            (["silence", "add", "--clock", "contact_decision", "--until", "2020-01-01",
              "--note", "x"], 64, "is not in the future"),
            (["silence", "add", "--clock", "contact_decision", "--until", soon,
              "--note", ""], 64, "--note must say why"),
            (["silence", "add", "--clock", "contact_decision", "--until", soon,
              "--note", "x" * 1001], 64, "--note must say why"),
            (["silence", "expire", "abc"], 64, "usage"),
            (["queue", "retry", "n12"], 65, "is an alert in the outbox, not an email yet"),
            (["queue", "retry", "1", "2"], 64, "usage"),
            (["queue", "--frobnicate"], 64, "usage"),
            (["status", "--yaml"], 64, "usage")]:
        p = ctl(build, conf, *args)
        assert p.returncode == code, (args, p.returncode, p.stderr)
        assert words in p.stderr, (args, p.stderr)
        assert p.stderr.splitlines()[0].startswith(("mashwatchctl", "usage: mashwatchctl")), \
            (args, p.stderr)
    assert db.query("select count(*) from mashwatch.silences") == [(0,)]
    # A date alone is local midnight; --by is kept.
    p = ctl(build, conf, "silence", "add", "--clock", "contact_decision", "--until", "2099-06-01",
            "--note", "x", "--by", "ops")
    assert p.returncode == 0 and "until 2099-06-01T00:00:00+01:00" in p.stdout, p.stdout


def closed_hours():
    """working_hours that do not hold the test clock's now, for an hour or more."""
    h = testclock.local_now().hour
    return 'working_hours = "%s";' % ("20:00-21:00" if h < 12 or h >= 22 else "05:00-06:00")


def held_config(db, build, tmp_path, notify, group_wait=2):
    smtp_port = mw.free_port()  # nothing is sent in these tests
    nh.add_team(db, "T1", "Team one", "m1@example.org")
    conf = nh.write_config(tmp_path, db, smtp_port, calendar=mw.every_day_calendar(tmp_path),
                           clocks={"contact_decision": dict(limit="1 working day")},
                           notify=notify)
    conf.write_text(conf.read_text().replace("group_wait = 2;", "group_wait = %d;" % group_wait))
    mw.migrate(build, conf)
    return conf


def test_queue_says_what_is_held_for_the_digest_and_what_waits_for_grouping(db, build,
                                                                            tmp_path):
    # Routine, out of working hours: held for the morning digest.
    conf = held_config(db, build, tmp_path, closed_hours())
    d = mw.Daemon(build, conf, tmp_path / "d1.log")
    try:
        d.wait_log("notifier: active")
        nh.add_contacts(db, [("C1", "P1", "T1", nh.hours_ago(80))])
        mw.wait_for(lambda: db.query("select count(*) from mashwatch.notifications "
                                     "where held_at is not null")[0][0] >= 1, timeout=30,
                    what="the alert held")
        items = jctl(build, conf, "queue", "--json")["items"]
        held = [i for i in items if i["state"] == "held"]
        assert held and "held for the morning digest" in held[0]["why"], items
        assert held[0]["route"] == "team:T1" and held[0]["id"].startswith("n")
        nxt = held[0]["next_attempt_at"]
        import re
        reminder = re.search(r'reminder_at = "(\d\d:\d\d)"', conf.read_text()).group(1)
        assert nxt is not None and nxt[11:16] == reminder, (nxt, reminder)
        p = ctl(build, conf, "queue", "retry", held[0]["id"])
        assert p.returncode == 65 and "not an email yet" in p.stderr
    finally:
        assert d.stop() == 0


def test_queue_says_what_waits_for_group_wait(db, build, tmp_path):
    conf = held_config(db, build, tmp_path, 'working_hours = "00:00-24:00";', group_wait=600)
    d = mw.Daemon(build, conf, tmp_path / "d1.log")
    try:
        d.wait_log("notifier: active")
        nh.add_contacts(db, [("C1", "P1", "T1", nh.hours_ago(80))])
        mw.wait_for(lambda: db.query("select count(*) from mashwatch.notifications")[0][0] >= 1,
                    timeout=30, what="the alert")
        items = jctl(build, conf, "queue", "--json")["items"]
        grouped = [i for i in items if i["state"] == "grouped"]
        assert grouped and "group_wait" in grouped[0]["why"], items
        created = datetime.fromisoformat(grouped[0]["created_at"])
        nxt = datetime.fromisoformat(grouped[0]["next_attempt_at"])
        assert 599 <= (nxt - created).total_seconds() <= 601
        assert db.query("select count(*) from mashwatch.emails") == [(0,)]
    finally:
        assert d.stop() == 0
