"""The board over HTTP: who sees which teams, in what order, escaped; the
proxy header believed only from trusted proxies; acknowledgement with its
CSRF token and same-origin check, recorded as mashwatchctl ack records it."""

import gzip
import http.client
import json
import re
import urllib.parse
from datetime import datetime, timedelta

import boardhelp as bh
import mw
import notifyhelp as nh
import testclock


def ack_form(alert, token, note="seen"):
    return urllib.parse.urlencode({"alert": alert, "csrf": token, "note": note})


start_board = bh.with_contacts


def sections(html):
    return re.findall(r'<section class="team" data-team="([^"]*)">', html)


def test_who_sees_what_in_which_order(db, build, tmp_path):
    d, port, conf = start_board(db, build, tmp_path)
    try:
        # No header, or not an address: 401 with nothing in it.
        for user in (None, "", "not-an-address"):
            st, _, body = bh.get(port, "/board", user=user)
            assert st == 401 and "P-T1" not in body
        st, _, body = bh.get(port, "/board", user="stranger@example.org")
        assert st == 403 and "P-T1" not in body

        st, hdrs, html = bh.get(port, "/board", user="M1@Example.org")
        assert st == 200 and hdrs["Content-Type"].startswith("text/html")
        assert "frame-ancestors 'none'" in hdrs["Content-Security-Policy"]
        assert sections(html) == ["T1"]
        assert html.index("P-T1-OLD") < html.index("P-T1-NEW")   # oldest due first
        assert "P-T2" not in html and "P-NOTEAM" not in html
        # Manager and escalation recipients of T2 see T2 only.
        for user in ("m2@example.org", "head@example.org"):
            assert sections(bh.get(port, "/board", user=user)[2]) == ["T2"]
        # The default route's recipients see what the router mails them:
        # the items with no team, and T1's and T3's escalations (neither
        # team has an escalation address, so the default route stands in).
        assert sections(bh.get(port, "/board", user="mash-managers@example.org")[2]) == \
            ["T1", "T3", ""]
        # routes.report and http.board_admins see every team, "No team" last.
        for user in ("leaders@example.org", "admin@example.org"):
            html = bh.get(port, "/board", user=user)[2]
            assert sections(html) == ["T1", "T2", "T3", ""]

        # A case reference with HTML in it is text.
        assert bh.HOSTILE not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html

        # The filter.
        html = bh.get(port, "/board?clock=contact_decision&state=escalated",
                      user="admin@example.org")[2]
        assert "P-T1-OLD" in html
        html = bh.get(port, "/board?state=on_time", user="admin@example.org")[2]
        assert "P-T1-OLD" not in html

        # board.json: the same, and since=VERSION while nothing changed.
        st, hdrs, body = bh.get(port, "/board.json", user="m2@example.org")
        assert st == 200 and hdrs["Content-Type"] == "application/json"
        j = mw.wait_for(lambda: (lambda j: j["teams"][0]["items"][0]["ack"] and j)(
            json.loads(bh.get(port, "/board.json", user="m2@example.org")[2])),
            timeout=15, what="the alerts on the board")
        assert [t["team"] for t in j["teams"]] == ["T2"]
        items = j["teams"][0]["items"]
        assert [i["child"] for i in items] == ["P-T2", bh.HOSTILE]
        assert items[0]["state"] == "escalated" and items[0]["ack"]["level"] == "escalated"
        assert items[0]["link"] is None
        assert j["teams"][0]["counts"][0]["open"] == 2
        unchanged = json.loads(bh.get(port, "/board.json?since=%d" % j["version"],
                                      user="m2@example.org")[2])
        assert unchanged == {"version": j["version"], "changed": False}
    finally:
        assert d.stop() == 0


def test_a_request_that_bypasses_the_proxy_gets_nothing(db, build, tmp_path):
    # Only 127.0.0.2 is the proxy: a client on 127.0.0.1 that forges the
    # header is refused, the proxy's own request is served.
    d, port, conf = start_board(db, build, tmp_path,
                          extra_http='trusted_proxies = [ "127.0.0.2" ];')
    try:
        for path in ("/board", "/board.json"):
            st, _, body = bh.get(port, path, user="admin@example.org")
            assert st == 401 and "P-T1" not in body and "T1" not in body
        st, _, body = bh.request(port, "POST", "/ack", user="admin@example.org",
                                 body="alert=1", headers={"Origin": "http://127.0.0.1:%d" % port})
        assert st == 401
        st, _, body = bh.get(port, "/board", user="admin@example.org", source="127.0.0.2")
        assert st == 200 and "P-T1-OLD" in body
        # /healthz and /metrics stay as they were; /metrics names no child.
        st, _, body = bh.get(port, "/metrics")
        assert st == 200 and "P-T1" not in body
    finally:
        assert d.stop() == 0


def test_ack_needs_the_users_token_and_this_origin(db, build, tmp_path):
    d, port, conf = start_board(db, build, tmp_path)
    origin = {"Origin": "http://127.0.0.1:%d" % port, "Host": "127.0.0.1:%d" % port}
    try:
        # The acknowledgements are read once someone looks.
        j = mw.wait_for(lambda: (lambda j: j["teams"][0]["items"][0]["ack"] and j)(
            json.loads(bh.get(port, "/board.json", user="m1@example.org")[2])),
            timeout=15, what="the alerts on the board")
        token = j["csrf"]
        alert = j["teams"][0]["items"][0]["ack"]["alert"]
        other = mw.wait_for(lambda: (lambda j: j["teams"][0]["items"][0]["ack"] and j)(
            json.loads(bh.get(port, "/board.json", user="m2@example.org")[2])),
            timeout=15, what="the alerts on the board")
        other_alert = other["teams"][0]["items"][0]["ack"]["alert"]

        def post(body, headers=origin, user="m1@example.org"):
            return bh.request(port, "POST", "/ack", user=user, body=body, headers=headers)

        # No token, a wrong token, another user's token: refused.
        assert post("alert=%d&note=x" % alert)[0] == 403
        assert post(ack_form(alert, "0" * 64))[0] == 403
        assert post(ack_form(alert, other["csrf"]))[0] == 403
        # The right token from another site, or with no Origin at all.
        assert post(ack_form(alert, token), headers={"Origin": "https://evil.example",
                                                     "Host": origin["Host"]})[0] == 403
        assert post(ack_form(alert, token), headers={"Host": origin["Host"]})[0] == 403
        assert post(ack_form(alert, token), headers=dict(origin, **{
            "Sec-Fetch-Site": "cross-site"}))[0] == 403
        # A GET never acknowledges.
        assert bh.get(port, "/ack?" + ack_form(alert, token), user="m1@example.org")[0] == 405
        assert db.query("select count(*) from mashwatch.alerts where acked_at is not null")[0][0] == 0
        # Another team's alert is not this user's to acknowledge.
        assert post(ack_form(other_alert, token))[0] == 404

        st, hdrs, _ = post(ack_form(alert, token, note="called <the> school"))
        assert st == 303 and hdrs["Location"] == "/board?acked=%d" % alert
        by, note = db.query("select acked_by, ack_note from mashwatch.alerts "
                            "where alert_id = %s", (alert,))[0]
        assert (by, note) == ("m1@example.org", "called <the> school")
        hist = mw.run(build, "mashwatchctl", "-c", conf, "history", "--child", "P-T1-OLD").stdout
        assert "by m1@example.org" in hist and "called <the> school" in hist
        html = mw.wait_for(lambda: (lambda h: "by m1@example.org" in h and h)(
            bh.get(port, "/board?acked=%d" % alert, user="m1@example.org")[2]),
            timeout=15, what="the acknowledgement on the board")
        assert "Alert %d acknowledged." % alert in html
        assert "called &lt;the&gt; school" in html
    finally:
        assert d.stop() == 0


def test_what_changed_in_one_team_shows_and_no_user_gets_anothers_page(db, build, tmp_path):
    """Each team's section is drawn once and shared into every answer that
    shows it: a change in one team (a decision, a worker allocated) shows
    for everyone who sees it, the teams that did not change are the same,
    and a page never carries another user's token."""
    d, port, conf = start_board(db, build, tmp_path)
    admin, m1 = "admin@example.org", "m1@example.org"

    def board(user, path="/board.json"):
        st, _, body = bh.get(port, path, user=user)
        assert st == 200
        return json.loads(body) if path.startswith("/board.json") else body

    def children(j):
        return {t["team"]: [(i["child"], i["worker"]) for i in t["items"]] for t in j["teams"]}

    try:
        mw.wait_for(lambda: board(admin)["teams"][0]["items"][0]["ack"], timeout=15,
                    what="the alerts on the board")
        before = children(board(admin))
        assert before["T1"] == [("P-T1-OLD", None), ("P-T1-NEW", None)]
        assert ("P-T2", None) in before["T2"]
        for user in (admin, m1, "m2@example.org"):          # drawn for each of them
            board(user)
            board(user, "/board")
        # T2's contact decided, a worker allocated in T1: one poll.
        with db.connect() as conn, conn.cursor() as cur:
            cur.execute("insert into cms.workers (worker_id, team_id, name) "
                        "values ('W9', 'T1', 'A Worker')")
            cur.execute("update cms.contacts set worker_id = 'W9' where contact_id = 'C2'")
            cur.execute("update cms.contacts set decision_at = now(), decision = 'referral' "
                        "where contact_id = 'C3'")
        after = mw.wait_for(lambda: (lambda c: ("P-T2", None) not in c["T2"] and c)(
            children(board(admin))), timeout=5, what="the decision on the admin's board")
        assert after["T1"] == [("P-T1-OLD", None), ("P-T1-NEW", "W9")]
        assert after["T3"] == before["T3"] and after[None] == before[None]
        assert children(board("m2@example.org")) == {"T2": after["T2"]}
        assert children(board(m1)) == {"T1": after["T1"]}
        html = board(m1, "/board")
        assert "W9" in html and "P-T2" not in html

        # A child moved to T2 with its alert raised under T1: an
        # acknowledgement made from the shell shows in T2's section too.
        with db.connect() as conn, conn.cursor() as cur:
            cur.execute("update cms.contacts set team_id = 'T2' where contact_id = 'C1'")
        moved = mw.wait_for(lambda: (lambda t: t.get("P-T1-OLD") and t)(
            {i["child"]: i for t in board(admin)["teams"] if t["team"] == "T2"
             for i in t["items"]}), timeout=5, what="the child in T2")
        assert moved["P-T1-OLD"]["ack"]["acked_by"] is None
        mw.run(build, "mashwatchctl", "-c", conf, "ack", str(moved["P-T1-OLD"]["ack"]["alert"]),
               "--by", "Jo Manager", "--note", "moved team")
        mw.wait_for(lambda: [i["ack"]["acked_by"] for t in board(admin)["teams"]
                             if t["team"] == "T2" for i in t["items"]
                             if i["child"] == "P-T1-OLD"] == ["Jo Manager"],
                    timeout=15, what="the acknowledgement in T2's section")

        # Every form on a page carries that page's user's token, whoever's
        # page drew the same team first.
        tokens = {}
        for user in (admin, m1):
            tokens[user] = board(user)["csrf"]
        assert tokens[admin] != tokens[m1]
        for user, other in ((admin, m1), (m1, admin)):
            forms = re.findall(r'name="csrf" value="([0-9a-f]+)"', board(user, "/board"))
            assert forms and set(forms) == {tokens[user]}, user
            assert tokens[other] not in board(user, "/board")
    finally:
        assert d.stop() == 0


def test_gzip_for_who_asks_for_it(db, build, tmp_path):
    """A client that accepts gzip gets the same board compressed (sections
    compressed once, joined per answer); one that does not, or refuses it
    with q=0, gets it as it is."""
    d, port, conf = start_board(db, build, tmp_path)

    def fetch(path, user, encoding=None):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        h = {"X-Remote-User": user, bh.PROXY_HEADER: bh.SECRET}
        if encoding is not None:
            h["Accept-Encoding"] = encoding
        try:
            c.request("GET", path, headers=h)
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def same(path, a, b):      # the same board, but for the second it was drawn
        if path.startswith("/board.json"):
            a, b = json.loads(a), json.loads(b)
            a.pop("now"), b.pop("now")
            return a == b
        return re.sub(rb"\d\d:\d\d</span>", b"", a) == re.sub(rb"\d\d:\d\d</span>", b"", b)

    try:
        mw.wait_for(lambda: json.loads(fetch("/board.json", "admin@example.org")[2])
                    ["teams"][0]["items"][0]["ack"], timeout=15, what="the alerts")
        for user in ("admin@example.org", "m2@example.org"):
            for path in ("/board.json", "/board.json?state=escalated", "/board"):
                for enc in ("gzip", "br, gzip;q=0.5, deflate", "GZIP", "*", "x-gzip"):
                    for _ in range(3):      # again if the minute (how late) turned
                        before = fetch(path, user)[2]
                        st, hdrs, body = fetch(path, user, enc)
                        if same(path, before, fetch(path, user)[2]):
                            break
                    assert st == 200 and hdrs["Content-Encoding"] == "gzip", (path, enc)
                    assert "Accept-Encoding" in hdrs["Vary"]
                    assert hdrs["X-Board-Version"] == str(json.loads(before)["version"]) \
                        if path.startswith("/board.json") else hdrs["X-Board-Version"].isdigit()
                    text = gzip.decompress(body)        # checks the CRC and length
                    assert same(path, text, before), (user, path, enc)
                for enc in ("identity", "gzip;q=0", "gzip; q=0.0, br", "deflate"):
                    st, hdrs, body = fetch(path, user, enc)
                    assert st == 200 and "Content-Encoding" not in hdrs, enc
        big = fetch("/board.json", "admin@example.org", "gzip")[2]
        assert len(big) < len(fetch("/board.json", "admin@example.org")[2])
    finally:
        assert d.stop() == 0


def test_a_clock_that_falls_due_shows_without_a_poll(db, build, tmp_path):
    """Nothing read from the source: a contact falls due (its limit in
    hours) and its alert fires; the board shows it overdue within 5 s,
    counted, with the version moved for the open pages."""
    d, port, conf = start_board(db, build, tmp_path)
    try:
        mw.wait_for(lambda: json.loads(bh.get(port, "/board.json", user="m1@example.org")[2])
                    ["teams"][0]["items"][0]["ack"], timeout=15, what="the alerts")
        # Due 4 s from now (1 hour after it came in).
        nh.add_contacts(db, [("C9", "P-T1-SOON", "T1",
                              testclock.now() - timedelta(hours=1) + timedelta(seconds=4))])

        def item():
            j = json.loads(bh.get(port, "/board.json", user="m1@example.org")[2])
            items = {i["child"]: i for i in j["teams"][0]["items"]}
            return j, items.get("P-T1-SOON")

        j, it = mw.wait_for(lambda: (lambda j, i: i and (j, i))(*item()), timeout=5,
                            what="the new contact on the board")
        if it["state"] == "on_time" or it["state"] == "due_soon":
            before = j["version"]
            overdue_before = j["teams"][0]["counts"][0]["overdue"]
            j, it = mw.wait_for(lambda: (lambda j, i: i["state"] == "overdue" and (j, i))(
                *item()), timeout=12, what="the contact overdue on the board")
            assert j["version"] != before
            assert j["teams"][0]["counts"][0]["overdue"] == overdue_before + 1
        assert it["state"] == "overdue"
        # Its alert, read once it fired, shows with it (to acknowledge).
        j, it = mw.wait_for(lambda: (lambda j, i: i["ack"] and (j, i))(*item()),
                            timeout=5, what="the contact's alert on the board")
        assert it["ack"]["level"] == "overdue" and it["ack"]["acked_by"] is None
    finally:
        assert d.stop() == 0


def test_items_in_order_however_they_tie(db, build, tmp_path):
    """Oldest due first, then started, clock and instance: many contacts
    that came in at the same instant (the same due), inserted out of
    order, and some from years ago (times whose high bytes differ), are
    listed in exactly that order."""
    d, port, conf = start_board(db, build, tmp_path)
    try:
        base = testclock.hours_ago(30)
        whens = [base, base - timedelta(minutes=7), base - timedelta(days=3 * 365),
                 base - timedelta(days=40), base]
        rows = []
        for n in range(90):
            # Contact ids whose string order is not their insertion order.
            rows.append(("Q%d" % ((n * 37) % 90), "P-Q%d" % n, "T3", whens[n % len(whens)]))
        nh.add_contacts(db, rows)

        def items():
            j = json.loads(bh.get(port, "/board.json", user="m3@example.org")[2])
            return j["teams"][0]["items"]

        got = mw.wait_for(lambda: (lambda i: len(i) == 90 and i)(items()), timeout=15,
                          what="the 90 contacts on the board")
        key = [(datetime.fromisoformat(i["due_at"]), datetime.fromisoformat(i["started_at"]),
                i["clock"], i["instance"]) for i in got]
        assert len({k[:2] for k in key}) == len(whens) - 1     # ties, many
        assert key == sorted(key)
    finally:
        assert d.stop() == 0


def test_caseloads_counted_as_the_alert_counts_them(db, build, tmp_path):
    """Workers at or over caseloads.amber are listed, most cases first,
    red at or over caseloads.red (the caseload alert's thresholds); below
    amber, not listed; by worker reference only."""
    bh.teams(db)
    n = 0
    for worker, cases in (("W-RED", 3), ("W-AMBER", 2), ("W-FINE", 1)):
        db.execute("insert into cms.workers (worker_id, team_id, name) "
                   "values (%s, 'T1', 'Secret Worker Name')", (worker,))
        for _ in range(cases):
            n += 1
            db.execute("insert into cms.children (child_id) values (%s)", ("K%d" % n,))
            db.execute("insert into cms.referrals (referral_id, child_id, team_id, "
                       "worker_id, received_at, accepted_at, allocated_at) values "
                       "(%s, %s, 'T1', %s, now(), now(), now())", ("R%d" % n, "K%d" % n, worker))
    d, port, conf = bh.start(db, build, tmp_path,
                             extra="caseloads: { amber = 2; red = 3; };\n")
    try:
        j = mw.wait_for(lambda: (lambda j: j["teams"][0]["caseloads"] and j)(
            json.loads(bh.get(port, "/board.json", user="m1@example.org")[2])),
            timeout=15, what="the caseloads on the board")
        assert j["teams"][0]["caseloads"] == [{"worker": "W-RED", "open_cases": 3},
                                              {"worker": "W-AMBER", "open_cases": 2}]
        html = bh.get(port, "/board", user="m1@example.org")[2]
        html = html[html.index('<section id="caseloads">'):]
        html = html[:html.index("</section>")]
        rows = re.findall(r'<tr class="(\w+)"><td>[^<]*</td><td>(W-\w+)</td><td>(\d+)</td>',
                          html)
        assert rows == [("escalated", "W-RED", "3"), ("overdue", "W-AMBER", "2")], rows
        assert "W-FINE" not in html and "Secret Worker Name" not in html
    finally:
        assert d.stop() == 0
