#!/usr/bin/python3
"""Deadline to SMTP at the shipped defaults (group_wait = 0,
group_interval = 300): a real PostgreSQL, a real daemon, a real SMTP server
(aiosmtpd) that stamps each message as it is handed over.

Urgent: 40 contact decisions with a limit of 1 hour falling due one a
second; each item's latency is its deadline to the arrival of the email
that lists it.  Routine: repeat-contact alerts (a working-day matter),
10 of them over two teams three seconds apart; latency is from the contact
that completes the repeat to the email: the first email of a route goes at
once, the others wait for group_interval.  working_hours is set to the whole
day so that the figures do not depend on the hour the bench runs at (out of
hours, routine alerts wait for the morning digest by design).

Prints p50, p99 and max of each.  Target: urgent p99 <= 1 s.  Runs for
about six minutes (BENCH_ROUTINE=0 skips the routine part)."""

import datetime
import os
import pathlib
import re
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import mw  # noqa: E402
import notifyhelp as nh  # noqa: E402
from pgcluster import CMS_SQL, MASH_SQL, PgCluster  # noqa: E402

BUILD = pathlib.Path(os.environ.get("MASHWATCH_BUILD", REPO / "build"))
URGENT = int(os.environ.get("BENCH_URGENT", 40))
ROUTINE = int(os.environ.get("BENCH_ROUTINE", 10))


class Stamped(nh.Collector):
    async def handle_DATA(self, server, session, envelope):
        at = time.time()
        with self.lock:
            self.messages.append((at, envelope.content))
        return "250 OK"


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def show(what, lat):
    if not lat:
        print("  %-8s no figures" % what)
        return
    print("  %-8s n=%d  p50 %.3f s  p99 %.3f s  max %.3f s" %
          (what, len(lat), pct(lat, 50), pct(lat, 99), max(lat)), flush=True)


def arrivals(collector):
    """{child: first arrival} from the messages' text."""
    out = {}
    with collector.lock:
        msgs = list(collector.messages)
    for at, raw in msgs:
        text = raw.decode("utf-8", "replace").replace("=\r\n", "")
        for child in re.findall(r"\* #\d+ ([UR]\d+):", text):
            out.setdefault(child, at)
    return out


def main():
    pg = PgCluster()
    pg.start()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="mwnbench."))
    collector = Stamped()
    port = mw.free_port()
    from aiosmtpd.controller import Controller
    smtp = Controller(collector, hostname="127.0.0.1", port=port)
    smtp.start()
    daemon = None
    try:
        pg.create_database("nbench")
        pg.psql("nbench", CMS_SQL, MASH_SQL)
        conn = pg.connect("nbench")
        cur = conn.cursor()
        for t in range(2):
            cur.execute("insert into cms.teams values (%s, %s, %s, null, now())",
                        ("T%d" % t, "Team %d" % t, "t%d@example.org" % t))
        holidays = tmp / "none.txt"
        holidays.write_text("# none\n")
        config = mw.write_config(tmp / "mashwatch.conf", pg.conninfo("nbench"),
                                 clocks={"contact_decision": dict(limit="1 hours")},
                                 poll_interval=30)
        text = config.read_text()
        text = re.sub(r"notify: \{[^\n]*\};", lambda m: (
            'notify: { transport = "smtp"; smtp_url = "smtp://127.0.0.1:%d"; '
            'require_starttls = false; from = "mashwatch@example.org"; '
            'working_hours = "00:00-24:00"; reminder_at = "%s"; };'
            % (port, mw.quiet_reminder_at())), text)
        text = re.sub(r"calendar: \{[^\n]*\};", lambda m: (
            'calendar: { timezone = "Europe/London"; working_days = [ "Mon", "Tue", "Wed", '
            '"Thu", "Fri", "Sat", "Sun" ]; holidays = "%s"; };' % holidays), text)
        config.write_text(text)
        mw.migrate(BUILD, config)
        daemon = mw.Daemon(BUILD, config, tmp / "d.log", debug=False)
        daemon.wait_log("notifier: active")

        # Urgent: a deadline every second from 5 s on (the source keeps
        # whole seconds).
        now = int(time.time())
        due = {}
        for i in range(URGENT):
            d = now + 5 + i
            due["U%d" % i] = d
            received = datetime.datetime.fromtimestamp(d - 3600, datetime.timezone.utc)
            cur.execute("insert into cms.children (child_id) values (%s)", ("U%d" % i,))
            cur.execute("insert into cms.contacts (contact_id, child_id, team_id, received_at, "
                        "source) values (%s, %s, %s, %s, 'school')",
                        ("CU%d" % i, "U%d" % i, "T%d" % (i % 2), received))
        deadline = now + 5 + URGENT + 30
        while time.time() < deadline and len(set(due) & set(arrivals(collector))) < len(due):
            time.sleep(0.2)
        got = arrivals(collector)
        print("deadline -> email handed to SMTP, shipped defaults "
              "(group_wait 0, group_interval 300):")
        show("urgent", [got[c] - due[c] for c in due if c in got])

        if ROUTINE:
            # Routine: two earlier contacts each, decided; the third completes
            # a repeat (min 3 in 3 months) at a known instant.
            past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2)
            for j in range(ROUTINE):
                child = "R%d" % j
                cur.execute("insert into cms.children (child_id) values (%s)", (child,))
                for k in range(2):
                    cur.execute("insert into cms.contacts (contact_id, child_id, team_id, "
                                "received_at, source, decision_at, decision) values "
                                "(%s, %s, %s, %s, 'school', %s, 'no_further_action')",
                                ("C%s_%d" % (child, k), child, "T%d" % (j % 2), past, past))
            time.sleep(35)  # the next poll takes them in; no repeat yet
            fired = {}
            for j in range(ROUTINE):
                child = "R%d" % j
                fired[child] = time.time()
                cur.execute("insert into cms.contacts (contact_id, child_id, team_id, "
                            "received_at, source) values (%s, %s, %s, now(), 'school')",
                            ("C%s_2" % child, child, "T%d" % (j % 2)))
                time.sleep(3)
            deadline = time.time() + 400
            while time.time() < deadline and \
                    len(set(fired) & set(arrivals(collector))) < len(fired):
                time.sleep(1)
            got = arrivals(collector)
            show("routine", [got[c] - fired[c] for c in fired if c in got])
    finally:
        if daemon is not None:
            daemon.stop()
        smtp.stop()
        pg.cleanup()


if __name__ == "__main__":
    main()
