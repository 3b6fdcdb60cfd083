"""One rule for who sees a team: the router's.  A user sees team T on the
board if and only if the notifier mails T's alerts or escalations to them
(checked against the emails it really wrote), plus the admins and
routes.report; data-quality alerts are acknowledged only by their route
and the admins.  When mash.teams cannot be read, the last good routing
stays in force (nobody gains or loses a team); before any good read only
admins see anything."""

import json
import urllib.parse

import boardhelp as bh
import mw
import notifyhelp as nh

ADMIN, REPORT = "admin@example.org", "leaders@example.org"
USERS = ["boss1@example.org", "m1@example.org", "m2@example.org", "head@example.org",
         "outsider@gmail.com", "mash-managers@example.org", "data@example.org",
         "stranger@example.org"]
ROUTING = ('teams = { T1 = { manager = [ "boss1@example.org" ]; }; };')


def start(db, build, tmp_path):
    """T1 routed by the config to boss1 (mash.teams names m1), T2 to m2 and
    head, T3 to an address allowed_domains refuses; contacts overdue and
    escalated in each team and in none."""
    nh.add_team(db, "T1", "East", "m1@example.org")
    nh.add_team(db, "T2", "West", "m2@example.org", "head@example.org")
    nh.add_team(db, "T3", "Foreign", "outsider@gmail.com")
    d, port, conf = bh.start(db, build, tmp_path, calendar=mw.every_day_calendar(tmp_path),
                             notify='working_hours = "00:00-24:00"; '
                                    'allowed_domains = "example.org"; group_wait = 1;',
                             routes=ROUTING)
    rows = []
    for team in ("T1", "T2", "T3", None):
        rows.append(("C-%s-E" % team, "P-%s-E" % team, team, 30))     # escalated
        rows.append(("C-%s-O" % team, "P-%s-O" % team, team, 1.3))    # overdue only
    bh.contacts(db, rows)
    return d, port, conf


def seen(port, user):
    """The teams user sees on the board ([] for a 403)."""
    st, _, body = bh.get(port, "/board.json", user=user)
    if st == 403:
        return []
    assert st == 200, (user, st, body)
    return [t["team"] or "" for t in json.loads(body)["teams"]]


def mailed(db):
    """team -> set of addresses the notifier wrote alert emails to."""
    out = {}
    for team, rcpt in db.query(
            "select distinct coalesce(a.team_id, ''), unnest(e.recipients) "
            "from mashwatch.emails e join mashwatch.email_alerts ea using (email_id) "
            "join mashwatch.alerts a using (alert_id) where a.level <> 'data_quality'"):
        out.setdefault(team, set()).add(rcpt.lower())
    return out


def test_the_board_shows_what_the_router_mails(db, build, tmp_path):
    d, port, conf = start(db, build, tmp_path)
    try:
        # Every team's alerts and escalations mailed (8 routes in all).
        want_routes = {"team:T1", "team:T2", "escalation:T2", "default"}
        mw.wait_for(lambda: want_routes <= {r for (r,) in db.query(
            "select distinct route from mashwatch.emails")}, timeout=60,
            what="the alert emails of every team")
        mw.wait_for(lambda: db.query(
            "select count(*) from mashwatch.alerts a where level in ('overdue', 'escalated') "
            "and not exists (select 1 from mashwatch.email_alerts ea "
            "where ea.alert_id = a.alert_id)")[0][0] == 0,
            timeout=60, what="every alert in an email")
        sent = mailed(db)
        # The three cases of the issue, said plainly.
        assert sent["T1"] == {"boss1@example.org", "mash-managers@example.org"}
        assert seen(port, "m1@example.org") == []
        assert seen(port, "boss1@example.org") == ["T1"]
        assert seen(port, "outsider@gmail.com") == []
        assert "T3" in seen(port, "mash-managers@example.org")
        # And in general: a user sees exactly the teams mailed to them.
        for user in USERS:
            assert seen(port, user) == sorted(
                (t for t, rcpts in sent.items() if user in rcpts),
                key=lambda t: (t == "", t)), user
        for user in (ADMIN, REPORT):
            assert seen(port, user) == ["T1", "T2", "T3", ""]
        # mashwatchctl routes --board says the same, and why.
        out = mw.run(build, "mashwatchctl", "-c", conf, "routes", "--board",
                     "boss1@example.org").stdout
        assert "team T1, East: receives the team's alerts [routes.teams manager " \
            "(config)]" in out and "team T2" not in out
        out = mw.run(build, "mashwatchctl", "-c", conf, "routes", "--board",
                     "m1@example.org").stdout
        assert "receives no team's alerts" in out and "team T1" not in out
        out = mw.run(build, "mashwatchctl", "-c", conf, "routes", "--board", ADMIN).stdout
        assert "every team: board admin" in out
        out = mw.run(build, "mashwatchctl", "-c", conf, "routes", "--board",
                     "mash-managers@example.org").stdout
        assert "team T3, Foreign: receives the team's alerts [routes.default" in out
        assert "team T1, East: receives the team's escalations" in out
        assert "team T2" not in out and "no team: receives the team's alerts" in out

        # Acknowledging follows seeing.
        def ack(user, alert):
            st, _, body = bh.get(port, "/board.json", user=user)
            token = json.loads(body)["csrf"] if st == 200 else "0" * 64
            form = urllib.parse.urlencode({"alert": alert, "csrf": token})
            return bh.request(port, "POST", "/ack", user=user, body=form,
                              headers={"Origin": "http://127.0.0.1:%d" % port,
                                       "X-Requested-With": "fetch"})[0]

        def alert_of(team, level):
            return db.query("select alert_id from mashwatch.alerts where team_id = %s "
                            "and level = %s order by alert_id limit 1", (team, level))[0][0]

        t1 = alert_of("T1", "overdue")
        assert ack("m1@example.org", t1) == 403
        assert ack("mash-managers@example.org", alert_of("T2", "overdue")) == 404
        # The finding about T3's refused address: not for the team's viewers.
        dq = mw.wait_for(lambda: db.query(
            "select alert_id from mashwatch.alerts where level = 'data_quality' "
            "and team_id = 'T3'"), timeout=30, what="the address finding")[0][0]
        assert ack("mash-managers@example.org", dq) == 404
        assert ack("outsider@gmail.com", dq) == 403
        assert db.query("select acked_by from mashwatch.alerts where alert_id = %s",
                        (dq,))[0][0] is None
        assert ack("data@example.org", dq) == 200
        assert ack("boss1@example.org", t1) == 200
        for alert, by in ((t1, "boss1@example.org"), (dq, "data@example.org")):
            assert db.query("select acked_by from mashwatch.alerts where alert_id = %s",
                            (alert,))[0][0] == by
    finally:
        assert d.stop() == 0


def test_an_unreadable_teams_view_changes_nobodys_teams(db, build, tmp_path):
    d, port, conf = start(db, build, tmp_path)
    everyone = USERS + [ADMIN, REPORT]
    try:
        mw.wait_for(lambda: seen(port, "boss1@example.org") == ["T1"], timeout=30,
                    what="T1's items on boss1's board")
        # The data-quality finding is raised by its own pass: wait for it too
        # before taking the picture that must not change.
        mw.wait_for(lambda: seen(port, "mash-managers@example.org") == ["T1", "T3", ""],
                    timeout=30, what="the data-quality item on the managers' board")
        before = {u: seen(port, u) for u in everyone}
        assert before["mash-managers@example.org"] == ["T1", "T3", ""]
        # mash.teams fails (a view that errors), and meanwhile T3 gets a
        # manager and an escalation: none of it counts until read.
        db.execute("alter view mash.teams rename to teams_gone")
        db.execute("create view mash.teams as select team_id, name, manager_email, "
                   "escalation_email from cms.teams where 1 / (select count(*) - "
                   "count(*) from cms.teams) = 1")
        db.execute("update cms.teams set manager_email = 'm3@example.org', "
                   "escalation_email = 'head3@example.org' where team_id = 'T3'")
        d.wait_log("board: cannot read the teams", timeout=60)
        for u in everyone:
            assert seen(port, u) == before[u], u
        assert seen(port, "m3@example.org") == []
        st, _, body = bh.get(port, "/readyz", proxy=None)
        assert st == 200 and "unreadable" in body and "last good routing" in body
        # Read again: the new routing counts.
        db.execute("drop view mash.teams")
        db.execute("alter view mash.teams_gone rename to teams")
        mw.wait_for(lambda: seen(port, "m3@example.org") == ["T3"], timeout=60,
                    what="T3 for its new manager")
        assert seen(port, "mash-managers@example.org") == ["T1", ""]
        assert "unreadable" not in bh.get(port, "/readyz", proxy=None)[2]
    finally:
        assert d.stop() == 0


def test_before_a_good_read_only_admins_see(db, build, tmp_path):
    db.execute("alter view mash.teams rename to teams_gone")
    bh.teams(db)
    d, port, conf = bh.start(db, build, tmp_path, wait=False)
    try:
        d.wait_log("board: cannot read the teams", timeout=60)
        for user in ("m1@example.org", "mash-managers@example.org", "head@example.org"):
            st, _, body = bh.get(port, "/board.json", user=user)
            assert st == 503 and "not read yet" in body, user
        assert bh.get(port, "/board.json", user=ADMIN)[0] == 200
        assert "not read yet" in bh.get(port, "/readyz", proxy=None)[2]
        db.execute("alter view mash.teams_gone rename to teams")
        d.wait_log("board: serving", timeout=60)
        assert seen(port, "m1@example.org") == ["T1"]
    finally:
        assert d.stop() == 0
