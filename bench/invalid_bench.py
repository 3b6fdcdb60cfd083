#!/usr/bin/python3
"""Dirty data at scale (issue 13): the full load of 1,000,000 open clocks,
clean, beside the same load with 10% of the rows invalid (a third each: an
unknown clock, a stop at 'infinity', a start in year 0001).  Prints the
load time and RSS of each, how long the alert store took to record the
findings, and how many data-quality emails they made.  Figures only, never
assertions.  BENCH_CLOCKS sets the row count."""

import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import mw  # noqa: E402
from pgcluster import PgCluster  # noqa: E402

CLOCKS = int(os.environ.get("BENCH_CLOCKS", 1_000_000))
BUILD = pathlib.Path(os.environ.get("MASHWATCH_BUILD", REPO / "build"))

SCHEMA = """
create schema mash;
create table mash.clocks (clock text, instance_id text, child_id text, team_id text,
    worker_id text, priority text, started_at timestamptz, stopped_at timestamptz,
    updated_at timestamptz not null default now() - interval '1 hour');
create table mash.events (kind text, event_id text, child_id text, team_id text,
    occurred_at timestamptz, updated_at timestamptz not null default now());
create table mash.checks (check_name text, instance_id text, child_id text, team_id text,
    occurred_at timestamptz, passed boolean, detail text,
    updated_at timestamptz not null default now());
create table mash.teams (team_id text primary key, name text, manager_email text,
    escalation_email text);
"""


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def load(cur, dirty):
    cur.execute("truncate mash.clocks")
    # Open assessments started in the last day: on time, so a clean load
    # writes no alerts and the figures are reading and judging.
    cur.execute("""insert into mash.clocks (clock, instance_id, child_id, team_id,
            worker_id, started_at, stopped_at)
        select case when %s and g %% 30 = 0 then 'no_such_clock' else 'assessment' end,
               'A' || g, 'P' || (g %% 700000), 'T' || (g %% 40), 'W' || (g %% 3000),
               case when %s and g %% 30 = 10 then '0001-01-01'::timestamptz
                    else now() - (g %% 86400) * interval '1 second' end,
               case when %s and g %% 30 = 20 then 'infinity'::timestamptz end
        from generate_series(1, %s) g""", (dirty, dirty, dirty, CLOCKS))
    cur.execute("vacuum analyze mash.clocks")


def run(pg, cur, config, tmp, dirty):
    state = pg.connect("state")
    state.autocommit = True
    scur = state.cursor()
    scur.execute("truncate mashwatch.alerts, mashwatch.notifications cascade")
    load(cur, dirty)
    outbox = tmp / "outbox"
    subprocess.run(["rm", "-rf", str(outbox)])
    outbox.mkdir()
    d = mw.Daemon(BUILD, config, tmp / ("%s.log" % ("dirty" if dirty else "clean")))
    try:
        d.wait_log("loaded", timeout=900)
        m = re.search(r"loaded (\d+) rows in ([\d.]+) s: (\d+) open clocks, "
                      r"(\d+) overdue, (\d+) invalid", d.text())
        t0 = time.time()
        time.sleep(1)
        kb = rss_kb(d.proc.pid)
        want = int(m.group(5))
        stored = 0
        deadline = time.time() + 600
        while time.time() < deadline:
            scur.execute("select count(*) from mashwatch.alerts where level = 'data_quality'")
            stored = scur.fetchone()[0]
            if stored >= want:
                break
            time.sleep(0.5)
        store_s = time.time() - t0
        # One group interval's worth of mail (group_wait 0).
        time.sleep(5)
        emails = len(list(outbox.glob("*.eml")))
        size = sum(p.stat().st_size for p in outbox.glob("*.eml"))
    finally:
        d.stop()
        state.close()
    return dict(rows=int(m.group(1)), secs=float(m.group(2)), open=int(m.group(3)),
                invalid=want, kb=kb, stored=stored, store_s=store_s,
                emails=emails, mail_kb=size / 1024)


def main():
    pg = PgCluster()
    pg.start()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="mwbench13."))
    try:
        pg.create_database("bench")
        pg.create_database("state")
        conn = pg.connect("bench")
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute(SCHEMA)
        config = mw.write_config(tmp / "bench.conf", pg.conninfo("bench"),
                                 state_conninfo=pg.conninfo("state"),
                                 poll_interval=3600, resync_interval=86400,
                                 outbox=tmp / "outbox")
        text = config.read_text().replace("min = 3;", "min = 1000;").replace(
            "min = 2;", "min = 1000;").replace(' report = [ "leaders@example.org" ];', "")
        text = text.replace('from = "mashwatch@example.org";',
                            'from = "mashwatch@example.org"; group_wait = 0;')
        config.write_text(text)
        mw.migrate(BUILD, config)
        print("%d open clocks, clean and with 10%% invalid ..." % CLOCKS, flush=True)
        clean = run(pg, cur, config, tmp, False)
        dirty = run(pg, cur, config, tmp, True)
        for name, r in (("clean", clean), ("10% invalid", dirty)):
            print("%-12s load %d rows in %.2f s (%.0f rows/s), %d open, %d invalid; "
                  "RSS %.1f MB" % (name, r["rows"], r["secs"], r["rows"] / r["secs"],
                                   r["open"], r["invalid"], r["kb"] / 1024))
        print("findings:    %d of %d stored in %.1f s after the load; %d data-quality "
              "email(s), %.0f KB, in the first seconds"
              % (dirty["stored"], dirty["invalid"], dirty["store_s"], dirty["emails"],
                 dirty["mail_kb"]))
        print("dirty/clean: load %.2fx, RSS %.2fx"
              % (dirty["secs"] / clean["secs"], dirty["kb"] / clean["kb"]))
    finally:
        pg.cleanup() if hasattr(pg, "cleanup") else pg.stop()
        subprocess.run(["rm", "-rf", str(tmp)])


if __name__ == "__main__":
    main()
