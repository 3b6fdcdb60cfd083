"""One morning digest per route and working day, whatever restarts, fails
over or breaks off half-way: the claim lives in mashwatch.digests.  Real
PostgreSQL, real SMTP, real daemons.

Every day is a working day in these configs and reminder_at is midnight,
so today's digest is always due; the alerts are dated the day before (a
digest lists what was open at its instant), so the tests mean the same at
any hour of any day.
"""

import datetime

import mw
import notifyhelp as nh
import testclock

CLOCK = {"contact_decision": dict(limit="1 hours")}
TEAMS = [("T1", "t1@example.org"), ("T2", "t2@example.org")]


def configure(db, build, tmp_path, smtp, lease_ttl=None):
    for team, addr in TEAMS:
        nh.add_team(db, team, "Team " + team, addr)
    config = nh.write_config(tmp_path, db, smtp.port, clocks=CLOCK,
                             calendar=mw.every_day_calendar(tmp_path), notify='reminder_at = "00:00";')
    if lease_ttl:
        config.write_text(config.read_text().replace("lease_ttl = 15;",
                                                     "lease_ttl = %d;" % lease_ttl))
    mw.migrate(build, config)
    return config


def raise_yesterday(db, build, config, tmp_path, smtp):
    """Overdue alerts for both teams, raised (as far as the digest can tell)
    yesterday: a daemon raises them, then their rows are dated back."""
    daemon = mw.Daemon(build, config, tmp_path / "raise.log")
    try:
        daemon.wait_log("notifier: active")
        # Yesterday at noon, London time: inside working hours, before the
        # window of the digest's "Arrived out of hours" section (which
        # opens at the end of yesterday's working hours), whatever the
        # hour the test runs at.
        noon = (testclock.local_now() - datetime.timedelta(days=1)).replace(
            hour=12, minute=0, second=0, microsecond=0)
        nh.add_contacts(db, [("C1", "P1", "T1", noon),
                             ("C2", "P2", "T1", noon),
                             ("C3", "P3", "T2", noon)])
        nh.wait_messages(smtp, 2)  # the overdue alert emails, one per team
    finally:
        assert daemon.stop() == 0
    db.execute("update mashwatch.alerts set created_at = created_at - interval '1 day'")
    return len(smtp.collector.all())


def digests(smtp):
    """{recipient: [digest messages]}"""
    out = {}
    for rcpts, msg, _ in smtp.collector.all():
        if "morning digest" in msg["Subject"]:
            for r in rcpts:
                out.setdefault(r, []).append(msg)
    return out


def claims(db):
    return db.query("select d.route, d.items, e.kind, e.status from mashwatch.digests d "
                    "join mashwatch.emails e using (email_id) order by 1")


def test_three_restarts_after_reminder_at_send_one_digest(db, build, tmp_path):
    smtp = nh.SmtpServer()
    smtp.start()
    try:
        config = configure(db, build, tmp_path, smtp)
        raise_yesterday(db, build, config, tmp_path, smtp)
        for i in range(4):
            daemon = mw.Daemon(build, config, tmp_path / ("d%d.log" % i))
            try:
                daemon.wait_log("morning digest for")
                if i == 0:
                    mw.wait_for(lambda: len(digests(smtp)) == 2, what="two digests")
                nh.settle(2)
            finally:
                assert daemon.stop() == 0
        got = digests(smtp)
        assert sorted(got) == ["t1@example.org", "t2@example.org"], got
        assert [len(v) for v in got.values()] == [1, 1]
        assert "P1" in nh.body_text(got["t1@example.org"][0])
        assert "P2" in nh.body_text(got["t1@example.org"][0])
        assert "P3" in nh.body_text(got["t2@example.org"][0])
        assert claims(db) == [("team:T1", 2, "digest", "sent"),
                              ("team:T2", 1, "digest", "sent")]
    finally:
        smtp.stop()


def test_standby_taking_over_after_the_digest_sends_none(db, build, tmp_path):
    smtp = nh.SmtpServer()
    smtp.start()
    a = b = None
    try:
        config = configure(db, build, tmp_path, smtp, lease_ttl=6)
        raise_yesterday(db, build, config, tmp_path, smtp)
        a = mw.Daemon(build, config, tmp_path / "a.log")
        mw.wait_for(lambda: len(digests(smtp)) == 2, what="the leader's digests")
        b = mw.Daemon(build, config, tmp_path / "b.log")
        b.wait_log("standing by")
        a.kill()
        b.wait_log("now polls and alerts", timeout=30)
        b.wait_log("morning digest for", timeout=15)
        nh.settle(3)
        assert [len(v) for v in digests(smtp).values()] == [1, 1]
        assert "stored for" not in b.text()
        assert len(claims(db)) == 2
        assert b.stop() == 0
    finally:
        for d in (a, b):
            if d is not None and d.alive():
                d.kill()
        smtp.stop()


def test_digest_broken_off_is_completed_not_restarted(db, build, tmp_path):
    smtp = nh.SmtpServer()
    smtp.start()
    try:
        config = configure(db, build, tmp_path, smtp)
        raise_yesterday(db, build, config, tmp_path, smtp)
        # Team T2's claim fails while the block is there; T1's goes through.
        db.execute("create table public.block_digest (route text)")
        db.execute("insert into public.block_digest values ('team:T2')")
        db.execute("""create function public.refuse_digest() returns trigger
            language plpgsql as $$ begin
              if exists (select 1 from public.block_digest where route = new.route) then
                raise exception 'blocked for the test';
              end if;
              return new;
            end $$""")
        db.execute("create trigger refuse before insert on mashwatch.digests "
                   "for each row execute function public.refuse_digest()")
        first = mw.Daemon(build, config, tmp_path / "first.log")
        try:
            first.wait_log("cannot store a digest (SQLSTATE P0001)")
            mw.wait_for(lambda: "t1@example.org" in digests(smtp), what="T1's digest")
        finally:
            first.kill()  # the crash, before its retry
        assert "t2@example.org" not in digests(smtp)
        assert "blocked for the test" not in first.text()

        db.execute("delete from public.block_digest")
        second = mw.Daemon(build, config, tmp_path / "second.log")
        try:
            second.wait_log("stored for team:T2")
            mw.wait_for(lambda: "t2@example.org" in digests(smtp), what="T2's digest")
            nh.settle(2)
        finally:
            assert second.stop() == 0
        assert "stored for team:T1" not in second.text()
        got = digests(smtp)
        assert [len(got[r]) for r in ("t1@example.org", "t2@example.org")] == [1, 1]
        assert [c[0] for c in claims(db)] == ["team:T1", "team:T2"]
    finally:
        smtp.stop()


def test_a_silenced_alert_is_left_out_of_the_digest(db, build, tmp_path):
    """An active silence of team T1's clock keeps its open alert out of
    the morning digest (and out of T1's inbox); T2's digest is as usual."""
    smtp = nh.SmtpServer()
    smtp.start()
    try:
        config = configure(db, build, tmp_path, smtp)
        before = raise_yesterday(db, build, config, tmp_path, smtp)
        p = mw.run(build, "mashwatchctl", "-c", config, "silence", "add", "--clock",
                   "contact_decision", "--team", "T1", "--until", "2099-01-01",
                   "--note", "known backlog", "--by", "ops")
        assert p.returncode == 0
        daemon = mw.Daemon(build, config, tmp_path / "digest.log")
        try:
            daemon.wait_log("morning digest for")
            mw.wait_for(lambda: "t2@example.org" in digests(smtp), timeout=30,
                        what="T2's digest")
            nh.settle(3)
        finally:
            assert daemon.stop() == 0
        assert "t1@example.org" not in digests(smtp)
        assert len(smtp.collector.all()) == before + 1
        assert [r for r, *_ in claims(db)] == ["team:T2"]
    finally:
        smtp.stop()
