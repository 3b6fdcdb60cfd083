#!/usr/bin/python3
"""The engine at scale: a synthetic source of 1,000,000 open clocks and
3,000,000 events.  Prints the full-load time and rows per second beside the
floor (COPY of the same rows to a null sink, same run; the median of
three alternating runs of each), RSS per open clock,
one incremental poll of 10,000 changed rows, and the CPU an idle daemon
uses over 30 seconds.  Targets: load within 1.5x the floor, under 300 bytes
of RSS per open clock, no CPU between timers."""

import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import mw  # noqa: E402
from pgcluster import PgCluster  # noqa: E402

CLOCKS = int(os.environ.get("BENCH_CLOCKS", 1_000_000))
EVENTS = int(os.environ.get("BENCH_EVENTS", 3_000_000))
BUILD = pathlib.Path(os.environ.get("MASHWATCH_BUILD", REPO / "build"))
RUNS = int(os.environ.get("BENCH_RUNS", 3))

SCHEMA = """
create schema mash;
create table mash.clocks (clock text not null, instance_id text not null,
    child_id text not null, team_id text, worker_id text, priority text,
    started_at timestamptz not null, stopped_at timestamptz,
    updated_at timestamptz not null default now());
create table mash.events (kind text not null, event_id text not null,
    child_id text not null, team_id text, occurred_at timestamptz not null,
    updated_at timestamptz not null default now());
create table mash.checks (check_name text not null, instance_id text not null,
    child_id text not null, team_id text, occurred_at timestamptz not null,
    passed boolean not null, detail text, updated_at timestamptz not null default now());
create table mash.teams (team_id text primary key, name text, manager_email text,
    escalation_email text);
insert into mash.teams select 'T' || g, 'Team ' || g, 'manager' || g || '@example.org',
    'head' || g || '@example.org' from generate_series(0, 39) g;
"""

CLOCK_COLS = ("clock, instance_id, child_id, team_id, worker_id, priority, "
              "floor(extract(epoch from started_at))::bigint, "
              "floor(extract(epoch from stopped_at))::bigint")
EVENT_COLS = "kind, event_id, child_id, team_id, floor(extract(epoch from occurred_at))::bigint"


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def copy_floor(pg, db):
    """COPY (SELECT the same columns) TO STDOUT into /dev/null, via psql."""
    t = time.time()
    for sql in ("copy (select %s from mash.clocks where stopped_at is null) to stdout" % CLOCK_COLS,
                "copy (select %s from mash.events) to stdout" % EVENT_COLS):
        subprocess.run([str(pathlib.Path(pg.bindir) / "psql"), "-X", "-q", "-d",
                        pg.conninfo(db), "-c", sql], stdout=subprocess.DEVNULL, check=True)
    return time.time() - t


def start_daemon(config, log):
    d = mw.Daemon(BUILD, config, log)
    d.wait_log("loaded", timeout=600)
    m = re.search(r"loaded (\d+) rows in ([\d.]+) s", d.text())
    return d, int(m.group(1)), float(m.group(2))


def main():
    pg = PgCluster()
    pg.start()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="mwbench."))
    try:
        pg.create_database("bench")
        conn = pg.connect("bench")
        cur = conn.cursor()
        cur.execute(SCHEMA)
        print("generating %d open clocks and %d events ..." % (CLOCKS, EVENTS), flush=True)
        # Open assessments started in the last day: on time, so the load
        # measures reading, not writing alerts.
        cur.execute("""insert into mash.clocks (clock, instance_id, child_id, team_id,
                worker_id, started_at)
            select 'assessment', 'A' || g, 'P' || (g %% 700000), 'T' || (g %% 40),
                   'W' || (g %% 3000), now() - (g %% 86400) * interval '1 second'
            from generate_series(1, %s) g""", (CLOCKS,))
        cur.execute("""insert into mash.events (kind, event_id, child_id, team_id, occurred_at)
            select 'contact', 'E' || g, 'P' || (g %% 1000000), 'T' || (g %% 40),
                   now() - (g %% (85 * 86400)) * interval '1 second'
            from generate_series(1, %s) g""", (EVENTS,))
        # As if written an hour ago: the incremental poll's 60 s overlap
        # should find only the 10,000 rows changed below.
        cur.execute("update mash.clocks set updated_at = now() - interval '1 hour'")
        cur.execute("update mash.events set updated_at = now() - interval '1 hour'")
        cur.execute("create index on mash.clocks (updated_at)")
        cur.execute("create index on mash.events (updated_at)")
        cur.execute("vacuum analyze mash.clocks")
        cur.execute("vacuum analyze mash.events")
        pg.create_database("state")

        # A repeat rule that never fires: the bench measures reading.
        extra = ""
        config = mw.write_config(tmp / "bench.conf", pg.conninfo("bench"),
                                 state_conninfo=pg.conninfo("state"),
                                 poll_interval=3600, resync_interval=86400)
        # No report route: the nightly report (which reads the same rows)
        # stays off, so the figures are the engine's alone.
        text = config.read_text().replace("min = 3;", "min = 1000;").replace(
            "min = 2;", "min = 1000;").replace(' report = [ "leaders@example.org" ];', "")
        config.write_text(text + extra)
        mw.migrate(BUILD, config)

        # Memory: clocks alone, against the same daemon with an empty source.
        cur.execute("alter table mash.events rename to events_all")
        cur.execute("create table mash.events (like mash.events_all including all)")
        cur.execute("alter table mash.clocks rename to clocks_all")
        cur.execute("create table mash.clocks (like mash.clocks_all including all)")
        d, _, _ = start_daemon(config, tmp / "empty.log")
        time.sleep(1)
        empty_kb = rss_kb(d.proc.pid)
        d.stop()
        cur.execute("drop table mash.clocks")
        cur.execute("alter table mash.clocks_all rename to clocks")
        d, rows, secs = start_daemon(config, tmp / "clocks.log")
        time.sleep(1)
        clocks_kb = rss_kb(d.proc.pid)
        d.stop()
        per_clock = (clocks_kb - empty_kb) * 1024 / CLOCKS
        cur.execute("drop table mash.events")
        cur.execute("alter table mash.events_all rename to events")

        # The floor and the load alternate RUNS times; the medians count.
        # A checkpoint first, so that the server's writing out of the rows
        # just generated lands on neither.
        cur.execute("checkpoint")
        floors, loads, phases = [], [], []
        d = None
        try:
            for i in range(RUNS):
                if d is not None:
                    d.stop()
                floors.append(copy_floor(pg, "bench"))
                d, rows, secs = start_daemon(config, tmp / ("full%d.log" % i))
                loads.append(secs)
                views = re.findall(r"read mash\.(\w+): \d+ rows, ([\d.]+) s into", d.text())
                phases.append(", ".join("%s %s s" % v for v in views)
                              + ", whole at %.2f s" % secs)
            floor, secs = statistics.median(floors), statistics.median(loads)
            all_kb = rss_kb(d.proc.pid)
            print("full load:        %d rows in %.2f s, %.0f rows/s (median of %d: %s)"
                  % (rows, secs, rows / secs, RUNS, " ".join("%.2f" % t for t in loads)))
            print("COPY floor:       %.2f s for the same rows, psql to /dev/null (median of %d: %s)"
                  % (floor, RUNS, " ".join("%.2f" % t for t in floors)))
            print("load / floor:     %.2fx (target <= 1.5x)" % (secs / floor))
            for i, ph in enumerate(phases):
                print("  load %d read by: %s" % (i + 1, ph))
            print("RSS, empty:       %.1f MB" % (empty_kb / 1024))
            print("RSS, clocks:      %.1f MB: %.0f bytes per open clock (target < 300)"
                  % (clocks_kb / 1024, per_clock))
            print("RSS, all:         %.1f MB with %d events too" % (all_kb / 1024, EVENTS))

            # One incremental poll of 10,000 changed rows, woken by NOTIFY.
            before = d.text().count("poll: ")
            cur.execute("update mash.clocks set updated_at = now(), worker_id = 'W9999' "
                        "where instance_id in (select 'A' || g from generate_series(1, 10000) g)")
            cur.execute("notify mash_changed")
            mw.wait_for(lambda: d.text().count("poll: ") > before, timeout=60,
                        what="the incremental poll")
            m = re.findall(r"poll: (\d+) rows in ([\d.]+) s", d.text())[-1]
            print("incremental poll: %s changed rows in %.3f s" % (m[0], float(m[1])))

            time.sleep(2)
            c0 = cpu_seconds(d.proc.pid)
            time.sleep(30)
            c1 = cpu_seconds(d.proc.pid)
            print("idle CPU:         %.3f s over 30 s (target: none between timers)" % (c1 - c0))
        finally:
            if d is not None and d.alive():
                d.stop()
    finally:
        pg.cleanup() if hasattr(pg, "cleanup") else pg.stop()
        subprocess.run(["rm", "-rf", str(tmp)])


if __name__ == "__main__":
    main()
