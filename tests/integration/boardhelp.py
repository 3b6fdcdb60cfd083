"""Helpers for the board tests: a daemon with http.board on, teams with
managers, overdue contacts, and HTTP requests that carry (or forge) the
proxy's user header."""

import http.client
import re

import mw
import notifyhelp as nh
import testclock

# contact_decision in hours, so that items are overdue at any hour of any day.
CLOCKS = {"contact_decision": dict(limit="1 hours", escalate_after="1 hours")}
HOSTILE = "<img src=x onerror=alert(1)>"


def start(db, build, tmp_path, extra_http="", notify="", calendar=None, extra="",
          clocks=None):
    """Config, migrate, start; returns (daemon, port, config).  extra is
    appended to the config (whole groups: caseloads, say); clocks override
    CLOCKS entry by entry."""
    port = mw.free_port()
    conf = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo,
                           clocks=dict(CLOCKS, **(clocks or {})),
                           poll_interval=1, http_listen="127.0.0.1:%d" % port,
                           calendar=calendar)
    text = conf.read_text()
    text = text.replace('http: { listen = "127.0.0.1:%d"; };' % port,
                        'http: { listen = "127.0.0.1:%d"; board = true; '
                        'board_admins = [ "admin@example.org" ]; %s };' % (port, extra_http))
    if notify:
        if "reminder_at" in notify:
            text = re.sub(r' reminder_at = "[0-9:]*";', "", text)
        text = re.sub(r"(notify: \{[^\n]*)\};", lambda m: m.group(1) + notify + " };", text)
    conf.write_text(text + extra)
    mw.migrate(build, conf)
    d = mw.Daemon(build, conf, tmp_path / "daemon.log", env=testclock.env())
    d.wait_log("http: listening on 127.0.0.1:%d" % port)
    d.wait_log("board: serving")
    return d, port, conf


def teams(db):
    for team, name, mgr, esc in (("T1", "Front door east", "m1@example.org", None),
                                 ("T2", "Front door west", "m2@example.org",
                                  "head@example.org"),
                                 ("T3", "Nobody's", "m3@example.org", None)):
        nh.add_team(db, team, name, mgr, esc)


def contacts(db, rows):
    """rows: (contact_id, child_id, team_id, hours ago)."""
    nh.add_contacts(db, [(cid, child, team, testclock.hours_ago(hours))
                         for cid, child, team, hours in rows])


def request(port, method, path, user=None, body=None, headers=None, source="127.0.0.1"):
    """(status, headers, body) of one request from source."""
    h = dict(headers or {})
    if user is not None:
        h["X-Remote-User"] = user
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
