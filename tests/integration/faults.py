"""Helpers for the fault suite (tests/integration/test_fault_*.py): real
daemons, real PostgreSQL, real SMTP, and the faults done to them.

    config(tmp_path, conninfo, ...)   a config whose contact_decision clock
                                      is hour-based (urgent: sent at any hour)
    StallingSmtp                      an SMTP server that takes the next
                                      message and then does not answer
    fake_sendmail(dir)                a sendmail that keeps each message and
                                      can hang after taking one
    add_contacts(db, ids, team)       overdue contacts, one child each
    children_in(texts)                the child references emails name
    Figures are recorded with the `figures` fixture (conftest.py) and printed
    at the end of the run.
"""

import asyncio
import email
import email.policy
import os
import pathlib
import re
import threading
import time
from datetime import timedelta  # noqa: F401  (for the tests)

import mw
import notifyhelp as nh
import testclock

CHILD_REF = re.compile(r"\* #\d+ (F\d+):")


def config(tmp_path, conninfo, transport="smtp", smtp_port=0, sendmail="",
           directory=None, send_timeout=5, lease_ttl=None, poll_interval=1,
           state_conninfo=None, group_wait=0, name="mashwatch.conf"):
    """A config for one fault test.  lease_ttl None keeps the product's
    default (the failover tests measure the default)."""
    path = mw.write_config(tmp_path / name, conninfo, poll_interval=poll_interval,
                           state_conninfo=state_conninfo,
                           clocks={"contact_decision": dict(limit="1 hours")})
    text = path.read_text()
    if lease_ttl is None:
        text = text.replace(" lease_ttl = 15;", "")
    else:
        text = text.replace("lease_ttl = 15;", "lease_ttl = %d;" % lease_ttl)
    directory = directory or tmp_path / "outbox"
    notify = ('notify: { transport = "%s"; smtp_url = "smtp://127.0.0.1:%d"; '
              'require_starttls = false; sendmail = "%s"; directory = "%s"; '
              'from = "mashwatch@example.org"; group_wait = %d; group_interval = 0; '
              'retry_max = 60; send_timeout = %d; '
              'link = "https://cms.example.org/child/{child}"; };'
              % (transport, smtp_port, sendmail or "/usr/sbin/sendmail", directory,
                 group_wait, send_timeout))
    text = re.sub(r"notify: \{[^\n]*\};", lambda m: notify, text)
    path.write_text(text)
    return path


def add_contacts(db, ids, team="T1", hours=3):
    """Contacts F<id> received `hours` ago on the test clock: overdue at once."""
    nh.add_contacts(db, [("FC%d" % i, "F%d" % i, team, testclock.hours_ago(hours))
                         for i in ids])


def children_in(texts):
    """Every child reference in the plain-text bodies, with repeats."""
    found = []
    for text in texts:
        found += CHILD_REF.findall(text)
    return found


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


class StallingCollector(nh.Collector):
    """Keeps every message; the one after stall_next() is kept and then left
    unanswered until release() — as if the relay had queued it and the
    sender vanished before hearing so."""

    def __init__(self):
        super().__init__()
        self._stall = threading.Event()
        self.stalled = threading.Event()
        self._release = threading.Event()
        self.times = []

    def stall_next(self):
        self._stall.set()

    def release(self):
        self._release.set()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parse(envelope.content),
                                  envelope.content))
            self.times.append(time.time())
        if self._stall.is_set():
            self._stall.clear()
            self.stalled.set()
            while not self._release.is_set():
                await asyncio.sleep(0.05)
            return "451 too late"
        return "250 OK queued"


class StallingSmtp(nh.SmtpServer):
    def __init__(self):
        super().__init__()
        self.collector = StallingCollector()


def fake_sendmail(directory):
    """A sendmail that files each message it reads in `directory` and, while
    `directory`/stall exists, then hangs (its pid in stalled.pid)."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "sendmail"
    script.write_text("""#!/bin/sh
d='%s'
n=$(date +%%s%%N)
cat > "$d/.in.$n" && mv "$d/.in.$n" "$d/$n.msg"
if [ -e "$d/stall" ]; then
	rm -f "$d/stall"
	echo $$ > "$d/stalled.pid"
	exec sleep 60
fi
exit 0
""" % directory)
    os.chmod(script, 0o755)
    return script


def sendmail_messages(directory):
    """(arrival time, parsed message) of what the fake sendmail kept."""
    out = []
    for p in sorted(pathlib.Path(directory).glob("*.msg")):
        out.append((p.stat().st_mtime, parse(p.read_bytes())))
    return out


def kill_stalled_sendmail(directory):
    """End the hanging fake sendmail this test started, by its pid."""
    pidfile = pathlib.Path(directory) / "stalled.pid"
    if pidfile.exists():
        try:
            os.kill(int(pidfile.read_text()), 9)
        except (ProcessLookupError, ValueError):
            pass


def lease_left(db):
    """Seconds left on the send lease of the email most recently claimed."""
    rows = db.query("select extract(epoch from next_attempt_at - now())::float8 "
                    "from mashwatch.emails where status = 'pending' "
                    "order by next_attempt_at desc limit 1")
    return rows[0][0] if rows else None


def transitions_once(db):
    """(alerts, outbox rows) and whether no alert has two 'raised' rows."""
    alerts = db.query("select count(*) from mashwatch.alerts")[0][0]
    raised = db.query("select count(*) from mashwatch.notifications "
                      "where event = 'raised'")[0][0]
    twice = db.query("select count(*) from (select alert_id from "
                     "mashwatch.notifications where event = 'raised' "
                     "group by alert_id having count(*) > 1) x")[0][0]
    return alerts, raised, twice


def make_replica(primary):
    """A streaming replica of `primary` (a running PgCluster): pg_basebackup
    -R into a new cluster's folder, its own socket folder, started."""
    from pgcluster import PgCluster

    replica = PgCluster(bindir=primary.bindir)
    primary._server_cmd("pg_basebackup", "-D", replica.datadir, "-h", primary.host,
                        "-p", str(primary.port), "-U", primary.user, "-X", "stream", "-R", "-c", "fast",
                        "--no-sync")
    with open(os.path.join(replica.datadir, "postgresql.conf"), "a") as conf:
        conf.write("\n# the replica's own socket\nunix_socket_directories = '%s'\n"
                   % replica.basedir)
    replica._initialised = True
    replica.start()
    return replica


def wait_replayed(primary, dbname="postgres", timeout=30):
    """Until every standby has replayed all the primary has written."""
    def caught_up():
        conn = primary.connect(dbname)
        try:
            with conn.cursor() as cur:
                cur.execute("select count(*) from pg_stat_replication "
                            "where replay_lsn >= pg_current_wal_lsn()")
                return cur.fetchone()[0] >= 1
        finally:
            conn.close()
    mw.wait_for(caught_up, timeout=timeout, what="the replica to catch up")
