#!/usr/bin/python3
"""The nightly report at scale: 100,000 contacts a year over two years (with
their decision, DA screening and police-lag clocks), 20,000 referrals a year
and 4,000 strategy discussions, through the reference schema and the mash
views.  Prints the run time of `mashwatchctl report --format json` (target:
under 5 s) and its peak memory (the child's maximum RSS): the report with its
13 weekly trend points and teams (issue 18), then the weekly and the monthly
pack (each also with a previous period and a year earlier), and the
partnership pack (13 months of police notification lag)."""

import datetime as dt
import os
import pathlib
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import mw  # noqa: E402
from pgcluster import CMS_SQL, MASH_SQL, PgCluster  # noqa: E402

PER_YEAR = int(os.environ.get("BENCH_CONTACTS_PER_YEAR", 100_000))
YEARS = 2
BUILD = pathlib.Path(os.environ.get("MASHWATCH_BUILD", REPO / "build"))
D = dt.date(2022, 4, 27)


def main():
    pg = PgCluster()
    pg.start()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="mwreportbench."))
    try:
        pg.create_database("bench")
        pg.psql("bench", CMS_SQL, MASH_SQL)
        conn = pg.connect("bench")
        cur = conn.cursor()
        n = PER_YEAR * YEARS
        span = YEARS * 365 * 86400
        end = "timestamptz '2022-04-28 00:00 Europe/London'"
        print("generating %d contacts over %d years ..." % (n, YEARS), flush=True)
        cur.execute("insert into cms.teams values ('MASH', 'Front door')")
        cur.execute("insert into cms.children (child_id) select 'P' || g "
                    "from generate_series(0, %s) g", (n // 3,))
        # A contact every ~5 minutes; most decided within hours, one in 50
        # still open; one in 20 a police DA notification.
        cur.execute(f"""insert into cms.contacts (contact_id, child_id, team_id, received_at,
                decision_at, source, is_da_notification, risk_level, incident_at, screened_at)
            select 'C' || g, 'P' || ((g::bigint * 7919) %% %(children)s), 'MASH', t,
                   case when g %% 50 = 0 then null else t + (g %% 30) * interval '1 hour' end,
                   case when g %% 20 = 0 then 'police' else 'school' end,
                   g %% 20 = 0, case when g %% 20 = 0 then 'standard' end,
                   case when g %% 20 = 0 then t - interval '30 hours' end,
                   case when g %% 20 = 0 then t + interval '5 hours' end
            from (select g, {end} - (g::bigint * %(span)s / %(n)s) * interval '1 second' as t
                  from generate_series(1, %(n)s) g) s""",
                    dict(children=n // 3, span=span, n=n))
        nref = n // 5
        cur.execute(f"""insert into cms.referrals (referral_id, child_id, team_id, received_at)
            select 'R' || g, 'P' || ((g::bigint * 104729) %% %(children)s), 'MASH',
                   {end} - (g::bigint * %(span)s / %(n)s) * interval '1 second'
            from generate_series(1, %(n)s) g""", dict(children=n // 3, span=span, n=nref))
        cur.execute(f"""insert into cms.strategy_discussions (strategy_id, child_id, team_id,
                identified_at, held_at, record_circulated_at, police_attended, health_attended)
            select 'S' || g, 'P' || g, 'MASH', t, t + interval '2 days', t + interval '3 days',
                   true, g %% 3 > 0
            from (select g, {end} - (g::bigint * %(span)s / %(n)s) * interval '1 second' as t
                  from generate_series(1, %(n)s) g) s""", dict(span=span, n=n // 50))
        cur.execute("vacuum analyze")
        rows = {}
        for v in ("clocks", "events", "checks"):
            cur.execute("select count(*) from mash.%s" % v)
            rows[v] = cur.fetchone()[0]
        print("source: %(clocks)d clock rows, %(events)d events, %(checks)d checks" % rows,
              flush=True)

        config = mw.write_config(tmp / "bench.conf", pg.conninfo("bench"), extra="""
report: { archive = "%s"; comparators = { england = 0.24; }; };""" % (tmp / "archive"))
        mw.migrate(BUILD, config)

        # A wrapper process of our own, so that its RUSAGE_CHILDREN is the
        # report alone (not psql or initdb).
        wrap = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
                "sys.stderr.write('maxrss_kb=%d\\n' % "
                "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)")
        runs = (("report", ["--date", D.isoformat()]),
                ("weekly pack", ["--week", "2022-04-20"]),
                ("monthly pack", ["--month", "2022-03"]),
                ("partnership pack", ["--partnership", "--month", "2022-03"]))
        for what, args in runs:
            cmd = [sys.executable, "-c", wrap, str(BUILD / "mashwatchctl"), "-c", str(config),
                   "report", "--format", "json"] + args
            t = time.time()
            p = subprocess.run(cmd, capture_output=True, text=True)
            elapsed = time.time() - t
            if p.returncode != 0:
                print(p.stderr)
                return 1
            log = p.stderr.strip().splitlines()
            peak = int(log.pop().split("=")[1])
            if what == "report":
                print("\n".join(log))
                points = len(__import__("json").loads(p.stdout)["trends"])
                print("trend points: %d" % points)
            print("%s run time: %.2f s (target < 5 s)" % (what, elapsed))
            print("%s peak memory: %.1f MB (maximum RSS of mashwatchctl)" % (what, peak / 1024))
        return 0
    finally:
        pg.cleanup()


if __name__ == "__main__":
    sys.exit(main())
