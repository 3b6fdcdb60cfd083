"""The fault suite, the databases: PostgreSQL restarted fast and immediate
in the middle of a run, the state database turned read-only and back, and
the primary lost with a streaming replica promoted in its place (two real
clusters, a multi-host conninfo with target_session_attrs=read-write).
Nothing is lost, no transition is written twice.  Each test prints its
figures."""

import pathlib
import time

import pytest

import faults
import mw
import notifyhelp as nh
from pgcluster import CMS_SQL, MASH_SQL, PgCluster


def emls(folder):
    return [f for f in pathlib.Path(folder).glob("*.eml") if not f.name.startswith(".")]


def children_written(folder):
    return faults.children_in(nh.body_text(faults.parse(f.read_bytes()))
                              for f in emls(folder))


def overdue(db):
    return db.query("select count(*) from mashwatch.alerts "
                    "where rule = 'contact_decision' and level = 'overdue'")[0][0]


def wait_all_sent(db, timeout=60):
    mw.wait_for(lambda: db.query("select count(*) from mashwatch.emails "
                                 "where status <> 'sent'")[0][0] == 0 and
                db.query("select count(*) from mashwatch.notifications "
                         "where claimed_at is null")[0][0] == 0,
                timeout=timeout, what="every transition emailed")


def test_postgres_fast_and_immediate_restart(pg, db, build, tmp_path, figures):
    # Every commit durable, so an immediate stop loses nothing PostgreSQL acknowledged.
    db.execute("alter database %s set synchronous_commit = on" % db.name)
    nh.add_team(db, "T1", "Team one", "t1@example.org")
    config = faults.config(tmp_path, db.conninfo, transport="directory")
    mw.migrate(build, config)
    d = mw.Daemon(build, config, tmp_path / "d.log")
    outages = []
    try:
        d.wait_log("notifier: active")
        faults.add_contacts(db, range(1, 6))
        for n, mode in ((10, "fast"), (15, "immediate")):
            mw.wait_for(lambda: overdue(db) == n - 5, timeout=30, what="alerts")
            db.close()
            down = time.time()
            pg.restart(mode)
            faults.add_contacts(db, range(n - 4, n + 1))
            db.conn = db.connect()
            d.wait_log("reachable again", count=len(outages) + 1, timeout=60)
            outages.append((mode, time.time() - down))
        mw.wait_for(lambda: overdue(db) == 15, timeout=30, what="15 alerts")
        wait_all_sent(db)
        time.sleep(2)
        alerts, raised, twice = faults.transitions_once(db)
        children = children_written(tmp_path / "outbox")
        figures("PostgreSQL restarted mid-run (%s): %d alerts, %d 'raised' rows, "
                "%d written twice, %d of 15 children lost, daemon alive: %s"
                % (", ".join("%s: back after %.1f s" % o for o in outages), alerts,
                   raised, twice, 15 - len(set(children)), d.alive()))
        assert twice == 0 and raised == alerts
        assert sorted(set(children)) == sorted("F%d" % i for i in range(1, 16))
        assert d.alive()
    finally:
        assert d.stop() == 0


def _set_read_only(pg, on):
    conn = pg.connect("postgres")
    try:
        with conn.cursor() as cur:
            if on:
                cur.execute("alter system set default_transaction_read_only = on")
            else:
                cur.execute("alter system reset default_transaction_read_only")
            cur.execute("select pg_reload_conf()")
    finally:
        conn.close()


def _add_contacts_rw(db, ids):
    conn = db.connect(autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("set default_transaction_read_only = off")
            for i in ids:
                cur.execute("insert into cms.children (child_id) values (%s)",
                            ("F%d" % i,))
                cur.execute("insert into cms.contacts (contact_id, child_id, team_id, "
                            "received_at, source) values (%s, %s, 'T1', "
                            "now() - interval '3 hours', 'school')", ("FC%d" % i, "F%d" % i))
    finally:
        conn.close()


def test_state_database_read_only(pg, db, build, tmp_path, figures):
    nh.add_team(db, "T1", "Team one", "t1@example.org")
    config = faults.config(tmp_path, db.conninfo, transport="directory")
    mw.migrate(build, config)
    d = mw.Daemon(build, config, tmp_path / "d.log")
    try:
        d.wait_log("notifier: active")
        faults.add_contacts(db, range(1, 4))
        mw.wait_for(lambda: overdue(db) == 3, timeout=30, what="3 alerts")
        wait_all_sent(db)
        _set_read_only(pg, True)
        ro_at = time.time()
        try:
            d.wait_log("SQLSTATE 25006 (read_only_sql_transaction)", timeout=30)
            _add_contacts_rw(db, range(4, 7))
            time.sleep(3)
            assert d.alive()
        finally:
            _set_read_only(pg, False)
        back = time.time()
        mw.wait_for(lambda: overdue(db) == 6, timeout=30, what="the held alerts")
        wait_all_sent(db)
        recovered = time.time() - back
        alerts, raised, twice = faults.transitions_once(db)
        children = children_written(tmp_path / "outbox")
        # A send whose outcome could not be recorded is sent again: once.
        sends = d.text().count(") sent: ")
        emails = db.query("select count(*) from mashwatch.emails")[0][0]
        figures("state database read-only for %.1f s: alerts written and sent %.1f s "
                "after it was writable; %d alerts, %d written twice, %d sends for %d "
                "emails, %d of 6 children lost, lease errors logged %d time(s)"
                % (back - ro_at, recovered, alerts, twice, sends, emails,
                   6 - len(set(children)), d.text().count("mashwatchd: leader lease: SQLSTATE")))
        assert twice == 0 and raised == alerts
        assert sends <= emails + 1
        # The error once per spell ("leader lease: SQLSTATE ..."); the
        # repeats are debug lines ("leader lease: still ...").
        assert d.text().count("mashwatchd: leader lease: SQLSTATE") <= 1
        assert sorted(set(children)) == sorted("F%d" % i for i in range(1, 7))
        assert d.alive()
    finally:
        _set_read_only(pg, False)
        assert d.stop() == 0


class _Db:
    """The few Database methods faults/notifyhelp use, on any cluster."""

    def __init__(self, cluster, name, conninfo):
        self.cluster, self.name, self.conninfo = cluster, name, conninfo
        self.conn = None

    def connect(self, autocommit=True):
        import psycopg2
        conn = psycopg2.connect(self.conninfo)
        conn.autocommit = autocommit
        return conn

    def execute(self, q, params=None):
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(q, params)
        finally:
            conn.close()

    def query(self, q, params=None):
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(q, params)
                return cur.fetchall()
        finally:
            conn.close()


def test_replica_promoted(build, tmp_path, figures):
    primary = PgCluster()
    replica = None
    d = None
    try:
        primary.start()
        primary.create_database("mash")
        primary.psql("mash", CMS_SQL, MASH_SQL)
        replica = faults.make_replica(primary)
        both = ("host=%s,%s port=%d,%d dbname=mash user=postgres "
                "target_session_attrs=read-write connect_timeout=2"
                % (primary.host, replica.host, primary.port, replica.port))
        db = _Db(primary, "mash", both)
        nh.add_team(db, "T1", "Team one", "t1@example.org")
        config = faults.config(tmp_path, both, transport="directory")
        mw.migrate(build, config)
        d = mw.Daemon(build, config, tmp_path / "d.log")
        d.wait_log("notifier: active")
        faults.add_contacts(db, range(1, 6))
        # One that falls due while the primary is gone: a timer the daemon keeps.
        nh.add_contacts(db, [("FC6", "F6", "T1", faults.testclock.hours_ago(1) +
                              faults.timedelta(seconds=6))])
        mw.wait_for(lambda: overdue(db) == 5, timeout=30, what="5 alerts")
        faults.wait_replayed(primary)
        primary.stop("immediate")
        lost = time.time()
        replica._server_cmd("pg_ctl", "-D", replica.datadir, "-w", "promote")
        promoted = time.time() - lost
        d.wait_log("reachable again", timeout=60)
        reconnected = time.time() - lost
        faults.add_contacts(db, range(7, 10))
        mw.wait_for(lambda: overdue(db) == 9, timeout=60, what="9 alerts")
        wait_all_sent(db)
        alerts, raised, twice = faults.transitions_once(db)
        children = children_written(tmp_path / "outbox")
        f6_due = db.query("select extract(epoch from due_at)::float8 from mashwatch.alerts "
                          "where instance_id like '%%FC6%%' and level = 'overdue'")[0][0] - lost
        figures("primary lost, replica promoted %.1f s later: daemon on the new "
                "primary %.1f s after the loss; %d alerts, %d written twice, "
                "%d of 9 children lost (F6 fell due %.1f s after the loss)"
                % (promoted, reconnected, alerts, twice, 9 - len(set(children)), f6_due))
        assert twice == 0 and raised == alerts
        assert sorted(set(children)) == sorted("F%d" % i for i in range(1, 10))
        assert f6_due > 0
        assert d.alive()
    finally:
        if d is not None:
            assert d.stop() == 0
        if replica is not None:
            replica.cleanup()
        primary.cleanup()
