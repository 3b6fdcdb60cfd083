#!/usr/bin/python3
"""make demo: mashwatch on a throwaway PostgreSQL with a quarter of made-up
MASH activity.

It starts a private PostgreSQL cluster (tests/integration/pgcluster.py),
loads the reference schema (etc/sql/cms.sql) and its mapping
(etc/sql/mash.sql), runs `mashwatchctl migrate`, generates three months of
contacts, police domestic abuse notifications, referrals, strategy
discussions, section 47 enquiries and conferences - some late, some
children contacted again and again, some police notifications weeks after
the incident - and runs mashwatchd against it with the directory transport.
While it runs it keeps adding contacts and decisions.  Ctrl-C (or SIGTERM,
or --duration) stops the daemon and the cluster and removes everything it
made, unless --keep.

Every name and case reference is invented.
"""

import argparse
import atexit
import datetime as dt
import os
import pathlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from pgcluster import CMS_SQL, MASH_SQL, PgCluster  # noqa: E402

if os.environ.get("FAKETIME"):
    # Pinned to another day by libfaketime (tests/integration/test_demo.py):
    # there time.sleep's clock_nanosleep fails with EINVAL, and subprocess
    # sleeps through it; a select's timeout works.  The demo, its PostgreSQL
    # and its daemon then all live on the same pinned clock.
    import select

    def _sleep(seconds):
        select.select([], [], [], max(0.0, seconds))

    time.sleep = _sleep

UTC = dt.timezone.utc
DAYS = 91                       # a quarter
TEAMS = [("MASH", "Multi-agency safeguarding hub"),
         ("ASSESS1", "Assessment team 1"), ("ASSESS2", "Assessment team 2")]
SOURCES = [("police", 30), ("school", 20), ("health", 20), ("family", 8),
           ("anonymous", 4), ("local_authority", 8), ("other", 10)]
# Contacts per weekday (Mon..Sun): Monday carries the weekend.
WEEKDAY = [1.35, 1.0, 1.0, 1.0, 0.9, 0.25, 0.2]
# Arrivals per hour of the day.
HOURLY = [1, 1, 1, 1, 1, 1, 2, 4, 9, 12, 12, 11, 9, 10, 11, 10, 8, 5, 3, 2, 2, 1, 1, 1]


def say(msg=""):
    print(msg, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_working_day(d, holidays):
    return d.weekday() < 5 and d not in holidays


def load_holidays():
    out = set()
    for line in (REPO / "etc" / "bank-holidays-england-and-wales.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            out.add(dt.date.fromisoformat(line))
    return out


def add_working_days(t, n, holidays, rng):
    """A time of day on the nth working day after t's date, in office hours."""
    d = t.date()
    while n > 0:
        d += dt.timedelta(days=1)
        if is_working_day(d, holidays):
            n -= 1
    hour = rng.choice([9, 10, 11, 12, 14, 15, 16])
    base = dt.datetime(d.year, d.month, d.day, hour, rng.randrange(60), tzinfo=UTC)
    return max(base, t + dt.timedelta(minutes=20))


class Generator:
    """Makes rows for the cms tables.  Times beyond `now` become NULL: the
    work has not happened yet, so its clock is open."""

    def __init__(self, conn, seed, now):
        self.conn = conn
        self.rng = random.Random(seed)
        self.now = now
        self.holidays = load_holidays()
        self.n = {"contact": 0, "referral": 0, "strategy": 0, "s47": 0, "icpc": 0,
                  "child": 0}
        self.children = []
        self.workers = {}

    def cur(self):
        return self.conn.cursor()

    def upto_now(self, t):
        return t if t is not None and t <= self.now else None

    def later(self, t, on_time, late_p, late_days=(2, 8)):
        """When the work after t happens: usually within on_time working
        days, sometimes late by several working days."""
        if self.rng.random() < late_p:
            n = on_time + self.rng.randint(*late_days)
        else:
            n = self.rng.randint(0, on_time)
        if n == 0:
            return t + dt.timedelta(hours=self.rng.uniform(0.5, 6))
        return add_working_days(t, n, self.holidays, self.rng)

    def setup_people(self):
        with self.cur() as c:
            for team, name in TEAMS:
                c.execute("insert into cms.teams (team_id, name, manager_email, escalation_email)"
                          " values (%s, %s, %s, %s)",
                          (team, name, "%s-managers@example.org" % team.lower(),
                           "head-of-service@example.org"))
                n = 6 if team == "MASH" else 9
                self.workers[team] = []
                for i in range(1, n + 1):
                    wid = "W-%s-%02d" % (team, i)
                    self.workers[team].append(wid)
                    c.execute("insert into cms.workers (worker_id, team_id, name, email)"
                              " values (%s, %s, %s, %s)",
                              (wid, team, "Worker %s %d" % (team, i),
                               "%s@example.org" % wid.lower()))

    def child(self):
        """A child: mostly new, sometimes one we have seen before, and a few
        families are contacted about again and again."""
        r = self.rng.random()
        if self.children and r < 0.12:
            return self.rng.choice(self.children[: max(1, len(self.children) // 20)])
        if self.children and r < 0.30:
            return self.rng.choice(self.children)
        self.n["child"] += 1
        cid = "P%06d" % (100000 + self.n["child"])
        with self.cur() as c:
            c.execute("insert into cms.children (child_id, name, date_of_birth) values (%s, %s, %s)",
                      (cid, "Demo Child %d" % self.n["child"],
                       dt.date(2008, 1, 1) + dt.timedelta(days=self.rng.randrange(16 * 365))))
        self.children.append(cid)
        return cid

    def contact(self, received, da=False, incident=None):
        self.n["contact"] += 1
        cid = "C%06d" % self.n["contact"]
        child = self.child()
        source = "police" if da else self.rng.choices(
            [s for s, _ in SOURCES], [w for _, w in SOURCES])[0]
        worker = self.rng.choice(self.workers["MASH"])
        # A backlog, as the inspectors found: a few contacts wait weeks.
        backlog = self.rng.random() < 0.02
        decided = None if backlog else self.upto_now(self.later(received, 1, 0.12))
        risk = screened = None
        if da:
            risk = self.rng.choices(["high", "medium", "standard"], [15, 45, 40])[0]
            late = 0.35 if risk == "medium" else 0.1
            screened = self.upto_now(self.later(received, 1 if risk != "standard" else 3,
                                                late, (3, 25)))
            decided = screened
        elif source == "police" and self.rng.random() < 0.5:
            incident = received - dt.timedelta(hours=self.rng.uniform(2, 30))
        else:
            incident = None
        decision = None
        if decided is not None:
            decision = self.rng.choices(["no_further_action", "early_help", "referral"],
                                        [45, 30, 25])[0]
        with self.cur() as c:
            c.execute(
                "insert into cms.contacts (contact_id, child_id, team_id, worker_id, received_at,"
                " source, decision_at, decision, is_da_notification, incident_at, risk_level,"
                " screened_at) values (%s, %s, 'MASH', %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (cid, child, worker, received, source, decided, decision, da, incident, risk,
                 screened))
        if decision == "referral":
            self.referral(cid, child, decided)

    def referral(self, contact_id, child, received):
        self.n["referral"] += 1
        rid = "R%06d" % self.n["referral"]
        team = self.rng.choice(["ASSESS1", "ASSESS2"])
        urgent = self.rng.random() < 0.12
        accepted = self.upto_now(received + dt.timedelta(hours=self.rng.uniform(0.5, 5)))
        allocated = seen = authorised = None
        worker = None
        if accepted:
            allocated = self.upto_now(self.later(accepted, 1, 0.2))
            worker = self.rng.choice(self.workers[team]) if allocated else None
            if allocated:
                seen = self.upto_now(self.later(allocated, 1 if urgent else 4, 0.15))
                authorised = self.upto_now(self.later(accepted, 40, 0.15, (5, 20)))
        with self.cur() as c:
            c.execute(
                "insert into cms.referrals (referral_id, contact_id, child_id, team_id, worker_id,"
                " received_at, urgent, accepted_at, allocated_at, child_seen_at,"
                " assessment_authorised_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (rid, contact_id, child, team, worker, received, urgent, accepted, allocated,
                 seen, authorised))
        if accepted and self.rng.random() < 0.3:
            self.strategy(rid, child, team, worker, accepted, urgent)

    def strategy(self, rid, child, team, worker, accepted, urgent):
        self.n["strategy"] += 1
        sid = "S%06d" % self.n["strategy"]
        identified = self.upto_now(accepted + dt.timedelta(hours=self.rng.uniform(1, 8)))
        if identified is None:
            return
        # "A systemic delay in the convening of strategy discussions".
        held = self.upto_now(self.later(identified, 0 if urgent else 3, 0.25))
        circulated = self.upto_now(self.later(held, 1, 0.3)) if held else None
        with self.cur() as c:
            c.execute(
                "insert into cms.strategy_discussions (strategy_id, referral_id, child_id,"
                " team_id, worker_id, identified_at, urgent, held_at, record_circulated_at,"
                " police_attended, health_attended, education_attended)"
                " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (sid, rid, child, team, worker, identified, urgent, held, circulated,
                 self.rng.random() < 0.85, self.rng.random() < 0.7, self.rng.random() < 0.5))
        if held and self.rng.random() < 0.7:
            self.s47(sid, rid, child, team, worker, held, urgent)

    def s47(self, sid, rid, child, team, worker, held, urgent):
        self.n["s47"] += 1
        eid = "E%06d" % self.n["s47"]
        started = self.upto_now(held + dt.timedelta(hours=self.rng.uniform(0.5, 4)))
        if started is None:
            return
        # A few enquiries start without a strategy discussion on record.
        strategy = None if self.rng.random() < 0.04 else sid
        seen = self.upto_now(self.later(started, 0 if urgent else 3, 0.1))
        completed = self.upto_now(self.later(started, 15, 0.2))
        outcome = None
        if completed:
            outcome = self.rng.choices(["no_further_action", "child_in_need", "icpc"],
                                       [30, 45, 25])[0]
        with self.cur() as c:
            c.execute(
                "insert into cms.s47_enquiries (s47_id, strategy_id, referral_id, child_id,"
                " team_id, worker_id, started_at, urgent, child_seen_at, completed_at, outcome)"
                " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (eid, strategy, rid, child, team, worker, started, urgent, seen, completed,
                 outcome))
            if outcome == "icpc":
                self.n["icpc"] += 1
                held_icpc = self.upto_now(self.later(held, 15, 0.3))
                c.execute("insert into cms.initial_conferences (conference_id, s47_id,"
                          " scheduled_for, held_at) values (%s, %s, %s, %s)",
                          ("I%06d" % self.n["icpc"], eid, held_icpc, held_icpc))

    def arrival(self, day):
        hour = self.rng.choices(range(24), HOURLY)[0]
        return dt.datetime(day.year, day.month, day.day, hour, self.rng.randrange(60),
                           self.rng.randrange(60), tzinfo=UTC)

    def quarter(self, per_day=22):
        """Three months of arrivals up to now, oldest first."""
        start = (self.now - dt.timedelta(days=DAYS)).date()
        for i in range(DAYS + 1):
            day = start + dt.timedelta(days=i)
            n = self.rng.gauss(per_day * WEEKDAY[day.weekday()], 3)
            if not is_working_day(day, self.holidays) and day.weekday() < 5:
                n *= 0.3
            for _ in range(max(0, round(n))):
                t = self.arrival(day)
                if t <= self.now:
                    self.contact(t)
            # Police domestic abuse notifications: the weekend's incidents
            # arrive in a burst on Monday morning; a few weeks late.
            nda = self.rng.randint(2, 5)
            if day.weekday() == 0:
                nda += self.rng.randint(8, 16)
            for _ in range(nda if day.weekday() < 5 else 0):
                t = dt.datetime(day.year, day.month, day.day, self.rng.choice([8, 9, 9, 10, 11]),
                                self.rng.randrange(60), tzinfo=UTC)
                if t > self.now:
                    continue
                if self.rng.random() < 0.08:
                    incident = t - dt.timedelta(days=self.rng.uniform(14, 45))
                elif day.weekday() == 0:
                    incident = t - dt.timedelta(hours=self.rng.uniform(10, 72))
                else:
                    incident = t - dt.timedelta(hours=self.rng.uniform(3, 30))
                self.contact(t, da=True, incident=incident)

    def live(self, now):
        """While the demo runs: a new contact or two, and some decisions."""
        self.now = now
        for _ in range(self.rng.randint(1, 3)):
            self.contact(now - dt.timedelta(seconds=self.rng.randrange(5)),
                         da=self.rng.random() < 0.25,
                         incident=now - dt.timedelta(hours=self.rng.uniform(2, 40)))
        with self.cur() as c:
            c.execute("update cms.contacts set decision_at = now(), decision = 'early_help',"
                      " screened_at = case when is_da_notification then now() end"
                      " where contact_id in (select contact_id from cms.contacts"
                      " where decision_at is null order by random() limit 1)")


def write_config(path, conninfo, workdir, port):
    """The example config with the demo's database, folders and timings."""
    text = (REPO / "etc" / "mashwatch.conf").read_text()
    subs = [
        ('conninfo = "service=mash";', 'conninfo = "%s";' % conninfo),
        ('conninfo = "service=mashwatch";', 'conninfo = "%s";' % conninfo),
        ("poll_interval = 30;", "poll_interval = 5;"),
        ("resync_interval = 900;", "resync_interval = 60;"),
        # Every day a working day with no holidays: alert emails within a
        # minute whatever the day (a Saturday, Christmas), never held for
        # Monday's digest.
        ('working_days = [ "Mon", "Tue", "Wed", "Thu", "Fri" ];',
         'working_days = [ "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" ];'),
        ('holidays = "bank-holidays-england-and-wales.txt";',
         'holidays = "%s";' % (workdir / "no-holidays.txt")),
        ('transport = "smtp";', 'transport = "directory";'),
        ('password_file = "/etc/mashwatch/smtp-password";', 'password_file = "";'),
        ('directory = "/var/lib/mashwatch/outbox";', 'directory = "%s";' % (workdir / "outbox")),
        ('archive = "/var/lib/mashwatch/reports";', 'archive = "%s";' % (workdir / "reports")),
        ("group_wait = 0;", "group_wait = 5;"),
        # Routine emails at any hour the demo runs, not only in office hours.
        ('working_hours = "08:00-18:00";', 'working_hours = "00:00-24:00";'),
        ("group_interval = 300;", "group_interval = 20;"),
        ('listen = "127.0.0.1:9187";', 'listen = "127.0.0.1:%d";' % port),
    ]
    (workdir / "no-holidays.txt").write_text(
        "# the demo: every day is a working day, so alerts go at once\n")
    for old, new in subs:
        if old not in text:
            raise SystemExit("demo: etc/mashwatch.conf has no %r any more; update scripts/demo.py"
                             % old)
        text = text.replace(old, new)
    text = text.replace("ASSESS1 = {", "ASSESS2 = {\n\t\t\tmanager = [ \"assessment-team-2@"
                        "example.org\" ];\n\t\t};\n\t\tASSESS1 = {", 1)
    path.write_text(text)
    os.chmod(path, 0o600)


def ctl_has(build, command):
    """Whether this build's mashwatchctl knows `command`."""
    p = subprocess.run([str(build / "mashwatchctl"), "help", command], capture_output=True,
                       text=True)
    return p.returncode == 0


class Demo:
    def __init__(self, args):
        self.args = args
        self.build = pathlib.Path(args.build).resolve()
        self.cluster = None
        self.daemon = None
        self.workdir = pathlib.Path(tempfile.mkdtemp(prefix="mashwatch-demo-"))
        self.stop_requested = False

    def ctl(self, *argv, check=True):
        p = subprocess.run([str(self.build / "mashwatchctl"), "-c", str(self.conf), *argv],
                           capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise SystemExit("demo: mashwatchctl %s failed:\n%s" % (" ".join(argv), p.stderr))
        return p

    def alert_counts(self):
        with self.conn.cursor() as c:
            c.execute("select level, count(*) from mashwatch.alerts group by level order by 2 desc")
            return c.fetchall()

    def emails(self):
        """The alert emails (alerts, escalations, digests, data quality):
        named after their Message-ID, mashwatch.KIND...; the reports and
        packs (report-, week-, month-) are not alerts."""
        return sorted(p for p in (self.workdir / "outbox").glob("**/*.eml")
                      if p.name.startswith("mashwatch."))

    def run(self):
        for exe in ("mashwatchd", "mashwatchctl"):
            if not (self.build / exe).is_file():
                raise SystemExit("demo: %s is not built; run make first" % (self.build / exe))
        say("mashwatch demo: everything lives in %s and is removed when you stop it"
            " (unless --keep)."
            % self.workdir)
        say("Starting a throwaway PostgreSQL ...")
        self.cluster = PgCluster()
        self.cluster.start()
        self.cluster.create_database("mash")
        self.cluster.psql("mash", CMS_SQL, MASH_SQL)
        conninfo = self.cluster.conninfo("mash")
        (self.workdir / "outbox").mkdir()
        (self.workdir / "reports").mkdir()
        self.port = free_port()
        self.conf = self.workdir / "mashwatch.conf"
        write_config(self.conf, conninfo, self.workdir, self.port)
        self.ctl("migrate")
        self.conn = self.cluster.connect("mash", autocommit=True)

        say("Generating a quarter of MASH activity ...")
        now = dt.datetime.now(UTC)
        self.gen = Generator(self.conn, self.args.seed, now)
        with self.conn.cursor() as c:
            # One transaction for speed, and so the daemon sees it whole.
            self.conn.autocommit = False
            self.gen.setup_people()
            self.gen.quarter()
            self.conn.commit()
            self.conn.autocommit = True
            c.execute("select (select count(*) from cms.contacts),"
                      " (select count(*) from cms.contacts where is_da_notification),"
                      " (select count(*) from cms.referrals),"
                      " (select count(*) from cms.strategy_discussions),"
                      " (select count(*) from mash.clocks where stopped_at is null)")
            contacts, da, referrals, strategies, open_ = c.fetchone()
        say("  %d contacts (%d police domestic abuse notifications), %d referrals, "
            "%d strategy discussions; %d clocks open now" % (contacts, da, referrals,
                                                            strategies, open_))

        log = open(self.workdir / "mashwatchd.log", "w")
        self.daemon = subprocess.Popen([str(self.build / "mashwatchd"), "-f", "-c", str(self.conf)],
                                       stdout=log, stderr=subprocess.STDOUT)
        say("Started mashwatchd (pid %d); its log: %s" % (self.daemon.pid, log.name))
        self.wait_loaded()
        self.show()
        self.loop()

    def wait_loaded(self):
        deadline = time.time() + 60
        logpath = self.workdir / "mashwatchd.log"
        while time.time() < deadline and not self.stop_requested:
            if "loaded " in logpath.read_text(errors="replace"):
                return
            if self.daemon.poll() is not None:
                raise SystemExit("demo: mashwatchd exited %d:\n%s" % (
                    self.daemon.returncode, logpath.read_text(errors="replace")))
            time.sleep(0.2)

    def show(self):
        time.sleep(2)
        say()
        for line in (self.workdir / "mashwatchd.log").read_text(errors="replace").splitlines():
            if "loaded " in line or "leader:" in line:
                # Off the journal each line already starts "mashwatchd: ".
                say("  " + line)
        counts = self.alert_counts()
        say("Alerts in mashwatch.alerts: " + ", ".join("%d %s" % (n, lv) for lv, n in counts))
        say()
        say("Where to look:")
        say("  alert emails   %s  (one .eml file per email)" % (self.workdir / "outbox"))
        say("  the report     %s" % (self.workdir / "reports"))
        say("  metrics        curl http://127.0.0.1:%d/metrics" % self.port)
        say("  status         %s -c %s status" % (self.build / "mashwatchctl", self.conf))
        say("  the database   psql \"%s\"" % self.cluster.conninfo("mash"))
        if ctl_has(self.build, "report"):
            day = (dt.datetime.now(UTC) - dt.timedelta(days=1)).date().isoformat()
            p = self.ctl("report", "--date", day, "--format", "text", check=False)
            out = self.workdir / "reports" / ("report-%s.txt" % day)
            out.write_text(p.stdout)
            say("  report for %s written to %s" % (day, out) if p.returncode == 0 else
                "  mashwatchctl report failed: %s" % p.stderr.strip())
        else:
            say("  (the nightly report is not in this build yet: `mashwatchctl report` "
                "does not exist; reports will appear in the folder above)")
        say()
        say("Adding contacts every few seconds; Ctrl-C stops and removes everything.")

    def loop(self):
        started = time.time()
        last_emails = -1
        while not self.stop_requested:
            if self.args.duration and time.time() - started >= self.args.duration:
                break
            if self.daemon.poll() is not None:
                raise SystemExit("demo: mashwatchd exited %d; see above" % self.daemon.returncode)
            self.gen.live(dt.datetime.now(UTC))
            emails = len(self.emails())
            if emails != last_emails:
                say("  %d alert emails in %s" % (emails, self.workdir / "outbox"))
                last_emails = emails
            for _ in range(int(self.args.interval * 10)):
                if self.stop_requested:
                    break
                time.sleep(0.1)
        # What came since the last look (the go-live backlog goes first, the
        # rest as it falls due) is counted once, by the same counter.
        emails = len(self.emails())
        if emails != last_emails:
            say("  %d alert emails in %s" % (emails, self.workdir / "outbox"))
        total = sum(n for _, n in self.alert_counts())
        say("demo: %d alerts in mashwatch.alerts, %d alert emails in the outbox"
            % (total, emails))

    def cleanup(self):
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(20)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        if getattr(self, "conn", None) is not None:
            self.conn.close()
        if self.args.keep:
            self.keep()
            return
        if self.cluster is not None:
            self.cluster.cleanup()
        shutil.rmtree(self.workdir, ignore_errors=True)
        say("demo: stopped; removed %s and the PostgreSQL cluster" % self.workdir)


    def keep(self):
        """--keep: the daemon stops; the folder and the cluster stay, running,
        and we say where everything went and how to stop it."""
        say("demo: kept everything:")
        say("  work folder    %s  (config, daemon log, outbox, reports)" % self.workdir)
        if self.cluster is not None and self.cluster.running:
            atexit.unregister(self.cluster.cleanup)
            pg_ctl = os.path.join(self.cluster.bindir, "pg_ctl")
            as_pg = "runuser -u postgres -- " if os.getuid() == 0 else ""
            say("  PostgreSQL     %s  (still running, Unix socket only)" % self.cluster.basedir)
            say("  the database   psql \"%s\"" % self.cluster.conninfo("mash"))
            say("  run the daemon %s -f -c %s" % (self.build / "mashwatchd", self.conf))
            say("  status         %s -c %s status" % (self.build / "mashwatchctl", self.conf))
            say("  stop it all    %s%s stop -D %s && rm -rf %s %s" % (
                as_pg, pg_ctl, self.cluster.datadir, self.cluster.basedir, self.workdir))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(REPO / "build"), help="folder of the built programs")
    ap.add_argument("--duration", type=float, default=0,
                    help="stop after this many seconds of running (default: until Ctrl-C)")
    ap.add_argument("--interval", type=float, default=5, help="seconds between new activity")
    ap.add_argument("--seed", type=int, default=2022, help="random seed of the generated data")
    ap.add_argument("--keep", action="store_true", help="keep the work folder at the end")
    args = ap.parse_args()

    demo = Demo(args)

    def on_signal(signum, frame):
        demo.stop_requested = True
        # A second Ctrl-C during set-up interrupts what is running.
        signal.signal(signum, signal.default_int_handler)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        demo.run()
    except KeyboardInterrupt:
        pass
    finally:
        demo.cleanup()


if __name__ == "__main__":
    main()
