"""A listener that cannot be knocked over: slow clients are capped and
timed out, running out of descriptors pauses the listener instead of
spinning (and flooding the log), and through both the daemon keeps polling
and firing alerts on time."""

import resource
import socket
import time

import boardhelp as bh
import mw
import opsdata


def alerts_for(db, child):
    return db.query("select count(*) from mashwatch.alerts where child_id = %s", (child,))[0][0]


def test_slow_clients_are_capped_and_timed_out(db, build, tmp_path):
    bh.teams(db)
    d, port, conf = bh.start(db, build, tmp_path,
                             extra_http="max_connections = 8; client_timeout = 2;")
    socks = []
    try:
        # 40 clients that send half a request, then a byte now and then
        # (so that no read timeout ever fires: only client_timeout helps).
        for _ in range(40):
            s = socket.socket()
            s.settimeout(10)
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /board HTTP/1.1\r\nX-Slow: ")
            socks.append(s)

        def trickle():
            for s in socks:
                try:
                    s.send(b"a")
                except OSError:
                    pass
        # Polling and alerting go on meanwhile.
        bh.contacts(db, [("CF", "P-FLOOD", "T1", 3)])
        mw.wait_for(lambda: trickle() or alerts_for(db, "P-FLOOD") > 0, timeout=15,
                    interval=0.5, what="an alert while the listener is flooded")
        # Every slow client is closed within client_timeout and a sweep.
        t0 = time.monotonic()
        closed = 0
        for s in socks:
            s.setblocking(False)
        while time.monotonic() - t0 < 25 and closed < 40:
            trickle()
            closed = 0
            for s in socks:
                try:
                    if s.recv(100, socket.MSG_PEEK) == b"":
                        closed += 1
                except BlockingIOError:
                    pass
                except OSError:
                    closed += 1
            time.sleep(0.5)
        assert closed == 40
        st, body = opsdata.get(port, "/metrics")
        m = opsdata.parse(body)
        assert m["mashwatch_http_at_capacity_total"][frozenset()] >= 1
        assert m["mashwatch_http_timeouts_total"][frozenset()] >= 8
    finally:
        for s in socks:
            s.close()
        assert d.stop() == 0
    log = d.text()
    assert log.count("not accepting more until one closes") <= 3


def test_out_of_descriptors_pauses_the_listener(db, build, tmp_path):
    bh.teams(db)
    limit = 48

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    orig = mw.subprocess.Popen

    def popen(*a, **kw):
        kw["preexec_fn"] = low_limit
        return orig(*a, **kw)
    mw.subprocess.Popen = popen
    try:
        d, port, conf = bh.start(db, build, tmp_path, extra_http="client_timeout = 3;")
    finally:
        mw.subprocess.Popen = orig
    socks = []
    try:
        for _ in range(80):
            s = socket.socket()
            s.connect(("127.0.0.1", port))
            socks.append(s)
        mw.wait_for(lambda: "cannot accept a connection" in d.text(), timeout=10,
                    what="the accept failure logged")
        bh.contacts(db, [("CE", "P-EMFILE", "T1", 3)])
        mw.wait_for(lambda: alerts_for(db, "P-EMFILE") > 0, timeout=20,
                    what="an alert while out of descriptors")
        time.sleep(3)
        # A few lines, not millions: one per 10 s at most.
        assert d.text().count("cannot accept a connection") <= 2
        assert "Error from accept" not in d.text()
    finally:
        for s in socks:
            s.close()
    try:
        # Once the clients go, the listener serves again.
        mw.wait_for(lambda: opsdata.get(port, "/healthz")[0] == 200, timeout=15,
                    what="/healthz after the flood")
    finally:
        assert d.stop() == 0
