"""Helpers for the board tests: a daemon with http.board on, teams with
managers, overdue contacts, and HTTP requests that carry (or forge) the
proxy's user header."""

import http.client
import os
import re

import mw
import notifyhelp as nh
import testclock

# contact_decision in hours, so that items are overdue at any hour of any day.
CLOCKS = {"contact_decision": dict(limit="1 hours", escalate_after="1 hours")}
HOSTILE = "<img src=x onerror=alert(1)>"


# What the proxy sends in X-Mashwatch-Proxy (http.proxy_secret_file): every
# board test goes through the proxy's trust, as a site's nginx would.
SECRET = "test-proxy-secret-0123456789abcdef"
PROXY_HEADER = "X-Mashwatch-Proxy"


def secret_file(tmp_path, secret=SECRET, mode=0o600):
    """The proxy's secret in a file only its owner reads."""
    path = tmp_path / "proxy-secret"
    path.write_text(secret + "\n")
    os.chmod(path, mode)
    return path


def start(db, build, tmp_path, extra_http="", notify="", calendar=None, extra="",
          listen=None, trust=None, port=None, wait=True, routes="", clocks=None):
    """Config, migrate, start; returns (daemon, port, config).  extra is
    appended to the config (whole groups: caseloads, say).  The board
    trusts its proxy by the secret unless trust (http settings) says
    otherwise; listen replaces 127.0.0.1:PORT (a "unix:PATH", say); routes
    is added to the routes group; clocks override CLOCKS entry by entry."""
    port = port or mw.free_port()
    listen = listen or "127.0.0.1:%d" % port
    if trust is None:
        trust = 'proxy_secret_file = "%s";' % secret_file(tmp_path)
    conf = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo,
                           clocks=dict(CLOCKS, **(clocks or {})),
                           poll_interval=1, http_listen=listen,
                           calendar=calendar)
    text = conf.read_text()
    text = text.replace('http: { listen = "%s"; };' % listen,
                        'http: { listen = "%s"; board = true; '
                        'public_url = "http://127.0.0.1:%d"; %s '
                        'board_admins = [ "admin@example.org" ]; %s };'
                        % (listen, port, trust, extra_http))
    if routes:
        old = 'routes: { default = [ "mash-managers@example.org" ];'
        assert old in text
        text = text.replace(old, old + " " + routes)
    if notify:
        if "reminder_at" in notify:
            text = re.sub(r' reminder_at = "[0-9:]*";', "", text)
        text = re.sub(r"(notify: \{[^\n]*)\};", lambda m: m.group(1) + notify + " };", text)
    conf.write_text(text + extra)
    mw.migrate(build, conf)
    d = mw.Daemon(build, conf, tmp_path / "daemon.log", env=testclock.env())
    if wait:
        d.wait_log("http: listening on %s" % listen)
        d.wait_log("board: serving")
    return d, port, conf


def teams(db):
    for team, name, mgr, esc in (("T1", "Front door east", "m1@example.org", None),
                                 ("T2", "Front door west", "m2@example.org",
                                  "head@example.org"),
                                 ("T3", "Nobody's", "m3@example.org", None)):
        nh.add_team(db, team, name, mgr, esc)


def with_contacts(db, build, tmp_path, **kw):
    """Teams T1..T3, a daemon with the board, five contacts (two in T1,
    two in T2, one with no team) escalated; returns (daemon, port, config)."""
    teams(db)
    d, port, conf = start(db, build, tmp_path, **kw)
    contacts(db, [("C1", "P-T1-OLD", "T1", 30), ("C2", "P-T1-NEW", "T1", 5),
                  ("C3", "P-T2", "T2", 10), ("C4", HOSTILE, "T2", 3),
                  ("C5", "P-NOTEAM", None, 4)])
    mw.wait_for(lambda: db.query("select count(*) from mashwatch.alerts "
                                 "where level = 'escalated'")[0][0] >= 5,
                timeout=30, what="escalations")
    return d, port, conf


def contacts(db, rows):
    """rows: (contact_id, child_id, team_id, hours ago)."""
    nh.add_contacts(db, [(cid, child, team, testclock.hours_ago(hours))
                         for cid, child, team, hours in rows])


def request(port, method, path, user=None, body=None, headers=None, source="127.0.0.1",
            proxy=SECRET):
    """(status, headers, body) of one request from source, carrying the
    proxy's secret (proxy=None: a request that bypasses the proxy)."""
    h = dict(headers or {})
    if user is not None:
        h["X-Remote-User"] = user
    if proxy is not None:
        h.setdefault(PROXY_HEADER, proxy)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                   source_address=(source, 0))
    try:
        if body is not None:
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode()
    finally:
        c.close()


def get(port, path, user=None, **kw):
    return request(port, "GET", path, user=user, **kw)
