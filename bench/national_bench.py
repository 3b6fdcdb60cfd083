#!/usr/bin/python3
"""The country on one host: N daemons (default 153, the English local
authorities) against one PostgreSQL cluster, each authority with its own
source schema (source.schema) in one source database and, until
state.schema exists, its own state database in the same cluster.

    bench/national_bench.py [--authorities N] [--steady SECONDS]
    (or BENCH_AUTHORITIES, BENCH_STEADY; make bench runs it with the defaults)

Prints: time from starting all daemons until every one has loaded its
source; RSS and PSS in total and per daemon; CPU per minute of the daemons
(and of PostgreSQL) at steady state; connections to PostgreSQL (per
daemon, and the max_connections that needs); and the p50/p99/max from a
deadline to the arrival of the email, when one contact in every authority
falls due in the same second.  Targets (issue 27): all ready within 60 s,
total RSS under 3 GiB, steady CPU under 5% of one core, deadline to email
p99 <= 1 s.  Figures only; nothing is asserted.

Sizes.  The Children in Need census for England (2022-23) counts about
620,000 referrals in the year.  Authorities differ by a factor of about
ten either way of the middle, so each authority's share of the referrals
is drawn from a log-normal (sigma 0.7, mean 1/153) at evenly spaced
quantiles -- N authorities span the same range whatever N is -- giving
referrals a year per authority; its open clocks are a fifth of that (the
year's referrals that are somewhere in contact, screening, strategy,
allocation or assessment at once: 45 working days of assessment out of
about 253), a few hundred to a few thousand each; its events (contacts in
3 months and referrals in 12, what the repeat rules read) ten times its
open clocks (twice its referrals).
These are synthetic authorities shaped like the census's spread, not the
published figures of named authorities.
"""

import argparse
import datetime
import math
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import mw  # noqa: E402
import notifyhelp as nh  # noqa: E402
from pgcluster import PgCluster  # noqa: E402

BUILD = pathlib.Path(os.environ.get("MASHWATCH_BUILD", REPO / "build"))
REFERRALS_ENGLAND = 620_000
SIGMA = 0.7

TABLES = """
create schema {s};
create table {s}.clocks (clock text not null, instance_id text not null,
    child_id text not null, team_id text, worker_id text, priority text,
    started_at timestamptz not null, stopped_at timestamptz,
    updated_at timestamptz not null default now());
create table {s}.events (kind text not null, event_id text not null,
    child_id text not null, team_id text, occurred_at timestamptz not null,
    updated_at timestamptz not null default now());
create table {s}.checks (check_name text not null, instance_id text not null,
    child_id text not null, team_id text, occurred_at timestamptz not null,
    passed boolean not null, detail text, updated_at timestamptz not null default now());
create table {s}.teams (team_id text primary key, name text, manager_email text,
    escalation_email text);
insert into {s}.teams values ('T1', 'MASH', '{s}-manager@example.org', null);
insert into {s}.clocks (clock, instance_id, child_id, team_id, started_at, updated_at)
    select 'assessment', 'A' || g, 'P' || g, 'T1',
           now() - (g % 86400) * interval '1 second', now() - interval '1 hour'
    from generate_series(1, {clocks}) g;
insert into {s}.events (kind, event_id, child_id, team_id, occurred_at, updated_at)
    select case when g % 2 = 0 then 'contact' else 'referral' end, 'E' || g,
           'P' || (g % {children}), 'T1',
           now() - (g % (85 * 86400)) * interval '1 second', now() - interval '1 hour'
    from generate_series(1, {events}) g;
create index on {s}.clocks (updated_at);
create index on {s}.events (updated_at);
"""


def norm_ppf(p):
    """The standard normal's quantile (Acklam's approximation, ~1e-9)."""
    a = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
         1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
    b = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
         6.680131188771972e+01, -1.328068155288572e+01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
         -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
         3.754408661907416e+00)
    if p < 0.02425:
        q = math.sqrt(-2 * math.log(p))
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    if p > 1 - 0.02425:
        return -norm_ppf(1 - p)
    q = p - 0.5
    r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)


def sizes(n):
    """Open clocks per authority: see the module's comment."""
    mean = REFERRALS_ENGLAND / 153
    mu = math.log(mean) - SIGMA * SIGMA / 2
    out = []
    for i in range(n):
        referrals = math.exp(mu + SIGMA * norm_ppf((i + 0.5) / n))
        out.append(max(50, round(referrals / 5)))
    return out


def proc_kb(pid, field, path="status"):
    try:
        for line in open("/proc/%d/%s" % (pid, path)):
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    try:
        fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_pids(pg):
    pid = int(open(os.path.join(pg.datadir, "postmaster.pid")).readline())
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [pid] + [int(k) for k in kids.split()]


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


class Stamped(nh.Collector):
    """Every message's arrival time and recipients."""

    async def handle_DATA(self, server, session, envelope):
        at = time.time()
        with self.lock:
            self.messages.append((at, list(envelope.rcpt_tos)))
        return "250 OK"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--authorities", type=int,
                    default=int(os.environ.get("BENCH_AUTHORITIES", 153)))
    ap.add_argument("--steady", type=int, default=int(os.environ.get("BENCH_STEADY", 60)),
                    help="seconds of steady state measured for CPU")
    args, _ = ap.parse_known_args()
    n = args.authorities
    names = ["la%03d" % (i + 1) for i in range(n)]
    clocks = sizes(n)

    pg = PgCluster()
    pg.start()
    # Each daemon holds a few connections (counted below); the tests'
    # 100 is far too few for the country.
    conn = pg.connect("postgres")
    conn.cursor().execute("alter system set max_connections = %d" % (4 * n + 50))
    conn.close()
    pg.restart()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="mwnational."))
    from aiosmtpd.controller import Controller
    collector = Stamped()
    port = mw.free_port()
    smtp = Controller(collector, hostname="127.0.0.1", port=port)
    smtp.start()
    daemons = []
    try:
        t0 = time.time()
        pg.create_database("source")
        src = pg.connect("source")
        cur = src.cursor()
        for name, k in zip(names, clocks):
            cur.execute(TABLES.format(s=name, clocks=k, events=10 * k, children=5 * k))
        cur.execute("vacuum analyze")
        print("authorities: %d; open clocks each: min %d, median %d, max %d (total %d); "
              "events 10x; generated in %.1f s"
              % (n, min(clocks), statistics.median(clocks), max(clocks), sum(clocks),
                 time.time() - t0), flush=True)
        notify = ('notify: { transport = "smtp"; smtp_url = "smtp://127.0.0.1:%d"; '
                  'require_starttls = false; from = "mashwatch@example.org"; '
                  'group_wait = 0; reminder_at = "%s"; };' % (port, mw.quiet_reminder_at()))
        configs = []
        for name in names:
            pg.create_database("state_" + name)
            config = mw.write_config(tmp / ("%s.conf" % name), pg.conninfo("source"),
                                     state_conninfo=pg.conninfo("state_" + name),
                                     clocks={"contact_decision": dict(limit="1 hours")},
                                     calendar=mw.every_day_calendar(tmp), notify=notify)
            # Its own schema; no nightly report (the engine is measured).
            text = config.read_text().replace(
                "source: {", 'source: { schema = "%s";' % name).replace(
                ' report = [ "leaders@example.org" ];', "")
            config.write_text(text)
            mw.migrate(BUILD, config)
            configs.append(config)

        # All at once, as a host boots.
        t0 = time.time()
        for name, config in zip(names, configs):
            daemons.append(mw.Daemon(BUILD, config, tmp / ("%s.log" % name), debug=False))
        for d in daemons:
            d.wait_log("loaded", timeout=600)
        ready = time.time() - t0
        print("all ready:        %.1f s after starting %d daemons (target <= 60 s)"
              % (ready, n), flush=True)

        time.sleep(5)
        rss = [proc_kb(d.proc.pid, "VmRSS") for d in daemons]
        pss = [proc_kb(d.proc.pid, "Pss", "smaps_rollup") for d in daemons]
        print("RSS:              total %.1f MiB (target < 3072), per daemon mean %.1f MiB, "
              "max %.1f MiB" % (sum(rss) / 1024, statistics.mean(rss) / 1024, max(rss) / 1024))
        print("PSS:              total %.1f MiB (shared pages counted once), per daemon "
              "mean %.1f MiB" % (sum(pss) / 1024, statistics.mean(pss) / 1024))
        pgpss = sum(proc_kb(p, "Pss", "smaps_rollup") for p in postgres_pids(pg))
        print("PostgreSQL PSS:   %.1f MiB, its backends for these daemons and the server"
              % (pgpss / 1024))
        conns = pg.connect("postgres")
        c = conns.cursor()
        c.execute("select count(*) filter (where datname = 'source'), count(*) from "
                  "pg_stat_activity where application_name = 'mashwatchd'")
        to_source, used = c.fetchone()
        c.execute("show max_connections")
        print("connections:      %d from the daemons (%.1f each: %d to the source, %d to "
              "the state databases), max_connections %s"
              % (used, used / n, to_source, used - to_source, c.fetchone()[0]), flush=True)
        conns.close()

        # Steady state: no change in any source; polls, lease renewals.
        pids = postgres_pids(pg)
        d0 = sum(cpu_seconds(d.proc.pid) for d in daemons)
        p0 = sum(cpu_seconds(p) for p in pids)
        time.sleep(args.steady)
        d1 = sum(cpu_seconds(d.proc.pid) for d in daemons)
        p1 = sum(cpu_seconds(p) for p in pids)
        print("steady CPU:       daemons %.2f s per minute = %.2f%% of one core "
              "(target < 5%%); PostgreSQL %.2f s per minute, over %d s"
              % ((d1 - d0) * 60 / args.steady, (d1 - d0) * 100 / args.steady,
                 (p1 - p0) * 60 / args.steady, args.steady), flush=True)

        # One contact per authority due in the same second.
        due = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + \
            datetime.timedelta(seconds=20)
        for name in names:
            cur.execute("insert into %s.clocks (clock, instance_id, child_id, team_id, "
                        "started_at) values ('contact_decision', 'K1', 'Q1', 'T1', %%s)"
                        % name, (due - datetime.timedelta(hours=1),))
        cur.execute("notify mash_changed")
        arrived = mw.wait_for(lambda: len(collector.all()) >= n and collector.all(),
                              timeout=120, what="%d emails" % n)
        first = {}
        for at, rcpts in arrived:
            for r in rcpts:
                first.setdefault(r.split("-")[0], at)
        lat = [first[name] - due.timestamp() for name in names if name in first]
        print("deadline -> email: n=%d  p50 %.3f s  p99 %.3f s  max %.3f s (target p99 <= 1 s)"
              % (len(lat), pct(lat, 50), pct(lat, 99), max(lat)), flush=True)
        # Where the time goes: the alert written in each state database,
        # then the email (one SMTP server here takes all of them).
        wrote = []
        for name in names:
            sc = pg.connect("state_" + name)
            c = sc.cursor()
            c.execute("select extract(epoch from created_at - due_at) from mashwatch.alerts"
                      " where instance_id = 'K1' and level = 'overdue'")
            wrote += [float(r[0]) for r in c.fetchall()]
            sc.close()
        if wrote:
            print("deadline -> alert: n=%d  p50 %.3f s  p99 %.3f s  max %.3f s (written in the "
                  "state database)" % (len(wrote), pct(wrote, 50), pct(wrote, 99), max(wrote)),
                  flush=True)
    finally:
        for d in daemons:
            if d.alive():
                d.stop()
        smtp.stop()
        pg.cleanup()
        subprocess.run(["rm", "-rf", str(tmp)])


if __name__ == "__main__":
    main()
