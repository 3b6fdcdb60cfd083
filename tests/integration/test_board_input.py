"""What the board and its listener take from a client: idle keep-alive
clients cannot starve /healthz (the oldest idle one makes room);
conflicting Content-Length is refused; the same-origin check is against
http.public_url, never X-Forwarded-Host; ?since= is per user's view; notes
with control characters are refused and none reach a terminal raw."""

import json
import socket
import urllib.parse

import boardhelp as bh
import mw
import opsdata

ADMIN, M1, M2 = "admin@example.org", "m1@example.org", "m2@example.org"


def keepalive_get(port, path="/healthz"):
    """A connection that made one request, read its answer, and stays open."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    got = b""
    while b"\r\n\r\n" not in got or not got.endswith(b"ok\n"):
        chunk = s.recv(4096)
        assert chunk, got
        got += chunk
    assert got.startswith(b"HTTP/1.1 200")
    return s


def closed(s, timeout=5):
    s.settimeout(timeout)
    try:
        return s.recv(100) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_idle_clients_make_room_for_health(db, build, tmp_path):
    bh.teams(db)
    d, port, conf = bh.start(db, build, tmp_path,
                             extra_http="max_connections = 8; client_timeout = 120;")
    socks = []
    try:
        # Eight idle keep-alive clients fill the cap (the 8th is admitted by
        # closing the 1st); then clients that never send a byte.
        for _ in range(8):
            socks.append(keepalive_get(port))
        for _ in range(4):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        # /healthz still answers at once (generous bound: not a timing test).
        for _ in range(3):
            c = socket.create_connection(("127.0.0.1", port), timeout=5)
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert c.recv(100).startswith(b"HTTP/1.1 200")
            c.close()
        # The oldest idle ones were closed to admit them, not timed out.
        assert closed(socks[0]) and closed(socks[1])
        assert not closed(socks[-1], timeout=0.5)
        m = opsdata.parse(opsdata.get(port, "/metrics")[1])
        assert m["mashwatch_http_evicted_total"][frozenset()] >= 6
        assert m["mashwatch_http_timeouts_total"][frozenset()] == 0
    finally:
        for s in socks:
            s.close()
        assert d.stop() == 0


def raw(port, text):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(text.encode())
        got = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
            if b"\r\n\r\n" in got:
                head, _, body = got.partition(b"\r\n\r\n")
                length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")]
                if length and len(body) >= length[0]:
                    break
        return got.decode(errors="replace")
    finally:
        s.close()


def test_conflicting_content_length_is_refused(db, build, tmp_path):
    d, port, conf = bh.with_contacts(db, build, tmp_path)
    try:
        head = ("POST /ack HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Remote-User: %s\r\n"
                "%s: %s\r\nOrigin: http://127.0.0.1:%d\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n" %
                (M1, bh.PROXY_HEADER, bh.SECRET, port))
        for lengths in (("7", "12"), ("7, 12",), ("7", "7, 8")):
            text = head + "".join("Content-Length: %s\r\n" % n for n in lengths) + \
                "\r\nalert=1&note=smuggled"
            got = raw(port, text)
            assert got.startswith("HTTP/1.1 400") and "Content-Length" in got, (lengths, got)
        got = raw(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                  "Content-Length: 1\r\nConnection: close\r\n\r\nx")
        assert got.startswith("HTTP/1.1 400")
        # The same length twice is one length: on to the board's checks.
        got = raw(port, head + "Content-Length: 7\r\nContent-Length: 7\r\n"
                  "Connection: close\r\n\r\nalert=1")
        assert got.startswith("HTTP/1.1 403") and "token" in got, got
        assert db.query("select count(*) from mashwatch.alerts "
                        "where acked_at is not null")[0][0] == 0
    finally:
        assert d.stop() == 0


def board_json(port, user, query=""):
    st, _, body = bh.get(port, "/board.json" + query, user=user)
    assert st == 200, body
    return json.loads(body)


def test_origin_is_the_public_url_and_since_is_per_user(db, build, tmp_path):
    d, port, conf = bh.with_contacts(db, build, tmp_path)
    own = "http://127.0.0.1:%d" % port
    try:
        j = mw.wait_for(lambda: (lambda j: j["teams"][0]["items"][0]["ack"] and j)(
            board_json(port, M1)), timeout=15, what="the alerts on the board")
        token, alert = j["csrf"], j["teams"][0]["items"][0]["ack"]["alert"]

        def post(headers, note="seen"):
            body = urllib.parse.urlencode({"alert": alert, "csrf": token, "note": note})
            return bh.request(port, "POST", "/ack", user=M1, body=body, headers=headers)

        # The Host and X-Forwarded-Host a client sends change nothing.
        for h in ({"Origin": "https://evil.example", "Host": "evil.example",
                   "X-Forwarded-Host": "evil.example"},
                  {"Origin": "https://evil.example", "X-Forwarded-Host": "evil.example"},
                  {"Origin": "https://127.0.0.1:%d" % port},       # another scheme
                  {"Origin": "http://127.0.0.1:%d" % (port + 1)},  # another port
                  {"Origin": "http://127.0.0.2:%d" % port},        # another host
                  {"Origin": own + ".evil.example"},
                  {"Referer": "http://evil.example/" + own}):
            assert post(h)[0] == 403, h
        # Control characters in a note: 400, said plainly; nothing recorded.
        for note in ("\x1b[2J\x1b]0;pwned\x07", "tab\tseparated", "c1 \u009b31m",
                     "bare\rreturn"):
            st, _, body = post({"Origin": own}, note=note)
            assert st == 400 and "control characters" in body, note
        assert db.query("select count(*) from mashwatch.acks")[0][0] == 0
        # From the board's own address (Referer too), with line breaks: taken.
        st, _, _ = post({"Origin": own, "Host": "evil.example",
                         "X-Forwarded-Host": "evil.example"}, note="line one\r\nline two")
        assert st == 303
        assert db.query("select ack_note from mashwatch.alerts where alert_id = %s",
                        (alert,))[0][0] == "line one\r\nline two"

        # From the shell too, a note or name with control characters is
        # refused, said plainly, before anything is written.
        child = j["teams"][0]["items"][0]["child"]
        for by, note in (("Jo", "seen\x1b]0;pwned\x07"), ("Jo\x1b[31m", "seen"),
                         ("Jo", "tab\there"), ("Jo\nForged", "seen")):
            p = mw.run(build, "mashwatchctl", "-c", conf, "ack", str(alert), "--by", by,
                       "--note", note, check=False)
            assert p.returncode == 65 and "mashwatchctl: ack: --" in p.stderr, (by, note)
        assert db.query("select count(*) from mashwatch.acks")[0][0] == 1
        # Text already in the state database (an older mashwatch, a hand-
        # written row) reaches history escaped anyway.
        mw.run(build, "mashwatchctl", "-c", conf, "ack", str(alert), "--by", "Jo",
               "--note", "seen")
        db.execute("update mashwatch.acks set acked_by = 'Jo' || chr(27) || '[31m', "
                   "note = 'seen' || chr(27) || ']0;pwned' || chr(7) || chr(10) || "
                   "'forged line' where note = 'seen'")
        db.execute("update mashwatch.alerts set acked_by = 'Jo' || chr(27) || '[31m', "
                   "ack_note = 'seen' || chr(27) || ']0;pwned' || chr(7) || chr(10) || "
                   "'forged line' where alert_id = %s", (alert,))
        out = mw.run(build, "mashwatchctl", "-c", conf, "history", "--child", child).stdout
        assert "\x1b" not in out and "\x07" not in out
        assert 'by Jo\\x1b[31m ("seen\\x1b]0;pwned\\x07\\nforged line")' in out
        assert "line one\\r\\nline two" in out

        # ?since=: another team's change is not a change for m1.
        mw.wait_for(lambda: all(i["ack"] for t in board_json(port, ADMIN)["teams"]
                                for i in t["items"]), timeout=15, what="every alert read")
        mw.wait_for(lambda: any(i["ack"]["acked_by"] in ("Jo", "Jo\x1b[31m")
                                for i in board_json(port, M1)["teams"][0]["items"]),
                    timeout=15, what="the shell's acknowledgement on the board")
        v1 = board_json(port, M1)["version"]
        v2 = board_json(port, M2)["version"]
        assert v1 != v2
        va = board_json(port, ADMIN)["version"]
        with db.connect() as conn, conn.cursor() as cur:
            cur.execute("update cms.contacts set decision_at = now(), decision = 'referral' "
                        "where contact_id = 'C3'")
        mw.wait_for(lambda: board_json(port, ADMIN, "?since=%d" % va).get("changed", True)
                    and board_json(port, M2, "?since=%d" % v2).get("changed", True),
                    timeout=15, what="T2's change for the admin and m2")
        assert board_json(port, M1, "?since=%d" % v1) == {"version": v1, "changed": False}
        # An acknowledgement in T2 is not a change for m1 either.
        other = [i["ack"]["alert"] for t in board_json(port, M2)["teams"]
                 for i in t["items"] if i["child"] == bh.HOSTILE][0]
        mw.run(build, "mashwatchctl", "-c", conf, "ack", str(other), "--by", "Jo")
        mw.wait_for(lambda: any(i["ack"] and i["ack"]["acked_by"] == "Jo"
                                for t in board_json(port, M2)["teams"] for i in t["items"]),
                    timeout=15, what="the acknowledgement in T2")
        assert board_json(port, M1, "?since=%d" % v1) == {"version": v1, "changed": False}
        # T1's own change is.
        with db.connect() as conn, conn.cursor() as cur:
            cur.execute("update cms.contacts set decision_at = now(), decision = 'referral' "
                        "where contact_id = 'C2'")
        mw.wait_for(lambda: board_json(port, M1, "?since=%d" % v1).get("changed", True),
                    timeout=15, what="T1's change for m1")
    finally:
        assert d.stop() == 0
