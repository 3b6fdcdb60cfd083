"""Several authorities on one host (mashwatch@.service): three daemons, each
with its own source and its own state database, sharing one PostgreSQL
cluster and one mail relay.  North's source dies (its database refuses
connections and its sessions are cut), south's mapping breaks (mash.clocks
is gone); east's alert is still written at the deadline second and its
email still goes.  Each daemon is its own process, so nothing one waits
for can hold another; this shows it end to end.

The instances use separate state databases; once state.schema exists
(several authorities in one state database, each in its own schema) the
same test runs with one state database: see STATE below.
"""

import datetime as dt
import time

import pytest

import mw
import notifyhelp as nh
import testclock
from conftest import TEMPLATE, Database

NAMES = ("north", "south", "east")


def state_for(pg, name):
    """Where an instance keeps its state: today a database of its own.
    With state.schema: return (pg.conninfo("mashwatch_state"),
    'state: { schema = "mw_%s"; };' % name) after creating that database
    once, and write_config puts the schema in."""
    dbname = "state_%s" % name
    pg.create_database(dbname)
    return dbname


@pytest.fixture
def region(pg, build, tmp_path):
    smtp = nh.SmtpServer()
    smtp.start()
    made, daemons = [], {}
    try:
        due = None
        for name in NAMES:
            src = "src_%s" % name
            pg.create_database(src, template=TEMPLATE)
            made.append(src)
            made.append(state_for(pg, name))
            db = Database(pg, src)
            nh.add_team(db, "T1", "MASH " + name, "%s-manager@example.org" % name)
            folder = tmp_path / name
            folder.mkdir()
            notify = ('notify: { transport = "smtp"; smtp_url = "smtp://127.0.0.1:%d"; '
                      'require_starttls = false; from = "mashwatch@example.org"; '
                      'group_wait = 0; group_interval = 0; reminder_at = "%s"; };'
                      % (smtp.port, mw.quiet_reminder_at()))
            config = mw.write_config(folder / ("%s.conf" % name), db.conninfo,
                                     state_conninfo=pg.conninfo(made[-1]), poll_interval=1,
                                     clocks={"contact_decision": dict(limit="1 hours")},
                                     calendar=mw.every_day_calendar(tmp_path), notify=notify)
            mw.migrate(build, config)
            daemons[name] = [db, config, None]
        # One contact per authority falls due in the same second, far
        # enough ahead for all three to load first.
        due = testclock.now().replace(microsecond=0) + dt.timedelta(seconds=8)
        for name in NAMES:
            nh.add_contacts(daemons[name][0], [("K1", "P-%s" % name, "T1",
                                                due - dt.timedelta(hours=1))])
            daemons[name][2] = mw.Daemon(build, daemons[name][1], tmp_path / name / "d.log")
        for name in NAMES:
            daemons[name][2].wait_log("loaded")
        yield daemons, smtp, due
    finally:
        for name, (db, _, d) in daemons.items():
            if d is not None:
                d.stop()
            db.close()
        for dbname in made:
            pg.drop_database(dbname)
        smtp.stop()


def alerts(pg, name):
    conn = pg.connect("state_%s" % name)
    try:
        with conn.cursor() as cur:
            cur.execute("select instance_id, level, due_at, created_at from mashwatch.alerts"
                        " where rule = 'contact_decision'")
            return cur.fetchall()
    finally:
        conn.close()


def test_dead_source_and_broken_mapping_delay_no_one(pg, region):
    daemons, smtp, due = region
    assert testclock.now() < due - dt.timedelta(seconds=2), "the daemons took too long to load"
    # North's source dies: no new connection, every session cut.
    pg._admin("alter database src_north allow_connections false")
    pg._admin("select pg_terminate_backend(pid) from pg_stat_activity"
              " where datname = 'src_north'")
    # South's mapping breaks: the view the daemon reads is gone.
    daemons["south"][0].execute("alter view mash.clocks rename to clocks_broken")

    rows = mw.wait_for(lambda: alerts(pg, "east"), timeout=20, what="east's alert")
    instance, level, due_at, created_at = rows[0]
    assert (instance, level, due_at) == ("K1", "overdue", due)
    lag = (created_at - due).total_seconds()
    # The others may mail too (north's clock was loaded before its source
    # died): wait for east's own.
    east = mw.wait_for(lambda: [m for rcpts, m, _ in smtp.collector.all()
                                if rcpts == ["east-manager@example.org"]],
                       timeout=20, what="east's email")
    mailed = (testclock.now() - due).total_seconds()
    print("east: alert %.3f s after the deadline; email in within %.1f s" % (lag, mailed))
    assert 0 <= lag < 1.0
    assert east and "overdue" in east[0]["Subject"].lower()

    # The failures were real: north lost its source, south its view, and
    # both daemons are still running.
    daemons["north"][2].wait_log("source database", timeout=20)
    daemons["south"][2].wait_log("failed", timeout=20)
    for name in NAMES:
        assert daemons[name][2].alive(), name
    # Nothing of one authority reached another's recipients.
    for rcpts, m, _ in smtp.collector.all():
        assert len(rcpts) == 1 and rcpts[0].split("-")[0] in NAMES
