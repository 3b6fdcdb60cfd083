"""The fault suite, sending: mashwatchd killed with SIGKILL in the middle of
a send, on each transport, then restarted.  Nothing is lost; the email in
flight is sent at most once more, within notify.send_timeout + one poll of
the restart.  Also: the directory transport unwritable, and SMTP down for a
minute with the daemon restarted.  Each test prints its figures."""

import os
import pathlib
import signal
import stat
import time

import faults
import mw
import notifyhelp as nh

SEND_TIMEOUT = 5
POLL = 1
# Seconds between the restart's "now polls and alerts" and what the bound
# allows: the bound itself, plus the time to load and hand over.
SLACK = 3


def emls(folder):
    """The finished .eml files (not the transport's .tmp- ones)."""
    return [f for f in folder.glob("*.eml") if not f.name.startswith(".")]


def restart_and_time(build, config, tmp_path, name, killed):
    d = mw.Daemon(build, config, tmp_path / name)
    d.wait_log("now polls and alerts", timeout=30)
    return d, time.time()


def test_kill_mid_smtp_transaction(db, build, tmp_path, figures):
    smtp = faults.StallingSmtp()
    smtp.start()
    nh.add_team(db, "T1", "Team one", "t1@example.org")
    config = faults.config(tmp_path, db.conninfo, smtp_port=smtp.port,
                           send_timeout=SEND_TIMEOUT, lease_ttl=3)
    mw.migrate(build, config)
    smtp.collector.stall_next()
    d1 = mw.Daemon(build, config, tmp_path / "d1.log")
    d2 = None
    try:
        d1.wait_log("notifier: active")
        faults.add_contacts(db, range(1, 6))
        mw.wait_for(smtp.collector.stalled.is_set, timeout=30, what="the stalled DATA")
        left = faults.lease_left(db)
        d1.kill()
        killed = time.time()
        smtp.collector.release()
        d2, took = restart_and_time(build, config, tmp_path, "d2.log", killed)
        got = nh.wait_messages(smtp, 2, timeout=SEND_TIMEOUT + 30)
        resent = smtp.collector.times[1]
        time.sleep(POLL + 1)
        got = smtp.collector.all()
        ids = [m["Message-ID"] for _, m, _ in got]
        children = faults.children_in(nh.body_text(m) for _, m, _ in got)
        figures("kill -9 mid-SMTP: send lease %.1f s left at the kill; re-sent %.1f s "
                "after the kill, %.1f s after the restart took over; %d emails, "
                "%d duplicate, %d of 5 children lost"
                % (left, resent - killed, resent - took, len(got),
                   len(ids) - len(set(ids)), 5 - len(set(children))))
        assert sorted(set(children)) == ["F%d" % i for i in range(1, 6)]
        assert len(ids) - len(set(ids)) == 1          # the one in flight, once more
        assert resent - took <= SEND_TIMEOUT + POLL + SLACK
        assert db.query("select status, attempts from mashwatch.emails") == [("sent", 2)]
    finally:
        if d1.alive():
            d1.kill()
        if d2 is not None:
            assert d2.stop() == 0
        smtp.stop()


def test_kill_mid_sendmail(db, build, tmp_path, figures):
    box = tmp_path / "sendmail"
    script = faults.fake_sendmail(box)
    (box / "stall").touch()
    nh.add_team(db, "T1", "Team one", "t1@example.org")
    config = faults.config(tmp_path, db.conninfo, transport="sendmail", sendmail=script,
                           send_timeout=SEND_TIMEOUT, lease_ttl=3)
    mw.migrate(build, config)
    d1 = mw.Daemon(build, config, tmp_path / "d1.log")
    d2 = None
    try:
        d1.wait_log("notifier: active")
        faults.add_contacts(db, range(1, 6))
        mw.wait_for(lambda: (box / "stalled.pid").exists(), timeout=30,
                    what="sendmail to hang")
        left = faults.lease_left(db)
        d1.kill()
        killed = time.time()
        faults.kill_stalled_sendmail(box)
        d2, took = restart_and_time(build, config, tmp_path, "d2.log", killed)
        mw.wait_for(lambda: len(faults.sendmail_messages(box)) >= 2,
                    timeout=SEND_TIMEOUT + 30, what="the email again")
        time.sleep(POLL + 1)
        got = faults.sendmail_messages(box)
        resent = got[1][0]
        ids = [m["Message-ID"] for _, m in got]
        children = faults.children_in(nh.body_text(m) for _, m in got)
        figures("kill -9 mid-sendmail: send lease %.1f s left at the kill; re-sent "
                "%.1f s after the kill, %.1f s after the restart took over; %d emails, "
                "%d duplicate, %d of 5 children lost"
                % (left, resent - killed, resent - took, len(got),
                   len(ids) - len(set(ids)), 5 - len(set(children))))
        assert sorted(set(children)) == ["F%d" % i for i in range(1, 6)]
        assert len(ids) - len(set(ids)) == 1
        assert resent - took <= SEND_TIMEOUT + POLL + SLACK
    finally:
        faults.kill_stalled_sendmail(box)
        if d1.alive():
            d1.kill()
        if d2 is not None:
            assert d2.stop() == 0


def test_sendmail_that_hangs_is_killed_within_send_timeout(db, build, tmp_path, figures):
    """A sendmail that never finishes holds its email no longer than the
    send lease: the transport kills it and the next attempt delivers."""
    box = tmp_path / "sendmail"
    script = faults.fake_sendmail(box)
    (box / "stall").touch()
    nh.add_team(db, "T1", "Team one", "t1@example.org")
    config = faults.config(tmp_path, db.conninfo, transport="sendmail", sendmail=script,
                           send_timeout=SEND_TIMEOUT, lease_ttl=3)
    mw.migrate(build, config)
    d = mw.Daemon(build, config, tmp_path / "d.log")
    try:
        d.wait_log("notifier: active")
        faults.add_contacts(db, range(1, 4))
        mw.wait_for(lambda: (box / "stalled.pid").exists(), timeout=30,
                    what="sendmail to hang")
        hung = time.time()
        d.wait_log("killing it", timeout=SEND_TIMEOUT + 5)
        killed_after = time.time() - hung
        mw.wait_for(lambda: db.query("select count(*) from mashwatch.emails "
                                     "where status = 'sent'")[0][0] == 1,
                    timeout=30, what="the email sent")
        got = faults.sendmail_messages(box)
        figures("sendmail hung: killed after %.1f s (send_timeout %d s); %d copies kept"
                % (killed_after, SEND_TIMEOUT, len(got)))
        assert killed_after <= SEND_TIMEOUT
        assert d.alive()
    finally:
        faults.kill_stalled_sendmail(box)
        assert d.stop() == 0


def test_kill_mid_directory_write(db, build, tmp_path, figures):
    """The write blocks (the temporary file is a FIFO nobody reads), the
    daemon is killed there, and the restart writes the email."""
    outbox = tmp_path / "outbox"
    outbox.write_text("in the way\n")       # first attempt: ENOTDIR, even as root
    nh.add_team(db, "T1", "Team one", "t1@example.org")
    config = faults.config(tmp_path, db.conninfo, transport="directory",
                           directory=outbox, send_timeout=SEND_TIMEOUT, lease_ttl=3)
    mw.migrate(build, config)
    d1 = mw.Daemon(build, config, tmp_path / "d1.log")
    d2 = None
    try:
        d1.wait_log("notifier: active")
        faults.add_contacts(db, range(1, 6))
        d1.wait_log("failed, will retry")
        # Within the 2 s back-off: a folder whose temporary file blocks.
        msgid = db.query("select message_id from mashwatch.emails")[0][0]
        safe = "".join(c if c.isalnum() or c in ".-_@" else "_" for c in msgid)
        outbox.unlink()
        outbox.mkdir()
        fifo = outbox / (".tmp-%s.eml" % safe)
        os.mkfifo(fifo)
        mw.wait_for(lambda: db.query("select attempts from mashwatch.emails")[0][0] >= 2,
                    timeout=10, what="the second attempt")
        time.sleep(0.5)
        assert not emls(outbox)
        left = faults.lease_left(db)
        d1.kill()
        killed = time.time()
        fifo.unlink()
        d2, took = restart_and_time(build, config, tmp_path, "d2.log", killed)
        mw.wait_for(lambda: emls(outbox), timeout=SEND_TIMEOUT + 30,
                    what="the .eml file")
        written = time.time()
        files = emls(outbox)
        children = faults.children_in(nh.body_text(faults.parse(f.read_bytes()))
                                      for f in files)
        figures("kill -9 mid-directory write: send lease %.1f s left at the kill; "
                "written %.1f s after the kill, %.1f s after the restart took over; "
                "%d file(s), %d of 5 children lost"
                % (left, written - killed, written - took, len(files),
                   5 - len(set(children))))
        assert sorted(set(children)) == ["F%d" % i for i in range(1, 6)]
        assert len(files) == 1
        assert written - took <= SEND_TIMEOUT + POLL + SLACK
    finally:
        if d1.alive():
            d1.kill()
        if d2 is not None:
            assert d2.stop() == 0


def test_directory_unwritable(db, build, tmp_path, figures):
    """The outbox cannot be written (a file where the folder should be):
    every attempt is a retry, the daemon carries on, and once the folder
    can be written each email arrives once."""
    outbox = tmp_path / "outbox"
    outbox.write_text("in the way\n")
    nh.add_team(db, "T1", "Team one", "t1@example.org")
    config = faults.config(tmp_path, db.conninfo, transport="directory",
                           directory=outbox, send_timeout=SEND_TIMEOUT)
    mw.migrate(build, config)
    d = mw.Daemon(build, config, tmp_path / "d.log")
    try:
        d.wait_log("notifier: active")
        faults.add_contacts(db, range(1, 4))
        d.wait_log("failed, will retry", count=2)
        assert d.alive()
        outbox.unlink()
        outbox.mkdir()
        fixed = time.time()
        mw.wait_for(lambda: emls(outbox), timeout=30, what="the email")
        arrived = time.time() - fixed
        time.sleep(POLL + 1)
        files = emls(outbox)
        children = faults.children_in(nh.body_text(faults.parse(f.read_bytes()))
                                      for f in files)
        retries = db.query("select count(*) from mashwatch.email_attempts "
                           "where outcome = 'retry'")[0][0]
        figures("directory unwritable: %d retries, written %.1f s after the folder "
                "was fixed, %d file(s), %d of 3 children lost"
                % (retries, arrived, len(files), 3 - len(set(children))))
        assert sorted(set(children)) == ["F1", "F2", "F3"]
        assert retries >= 2
        assert db.query("select count(*) from mashwatch.emails "
                        "where status <> 'sent'") == [(0,)]
    finally:
        assert d.stop() == 0


OUTAGE = int(os.environ.get("MASHWATCH_FAULT_OUTAGE", "60"))


def test_smtp_down_a_minute_then_daemon_restarted(db, build, tmp_path, figures):
    """SMTP is down for OUTAGE seconds (60) while alerts fire; then the
    relay returns and the daemon is restarted: nothing is lost and nothing
    arrives twice."""
    smtp = nh.SmtpServer()          # not started: the outage begins at once
    nh.add_team(db, "T1", "Team one", "t1@example.org")
    config = faults.config(tmp_path, db.conninfo, smtp_port=smtp.port,
                           send_timeout=SEND_TIMEOUT)
    mw.migrate(build, config)
    d1 = mw.Daemon(build, config, tmp_path / "d1.log")
    d2 = None
    start = time.time()
    try:
        d1.wait_log("notifier: active")
        faults.add_contacts(db, range(1, 4))
        d1.wait_log("failed, will retry")
        time.sleep(OUTAGE / 2)
        faults.add_contacts(db, range(4, 7))
        time.sleep(max(0, OUTAGE - (time.time() - start)))
        assert d1.stop() == 0
        smtp.start()
        back = time.time()
        d2 = mw.Daemon(build, config, tmp_path / "d2.log")
        nh.wait_messages(smtp, 1, timeout=90)
        mw.wait_for(lambda: db.query("select count(*) from mashwatch.emails "
                                     "where status <> 'sent'")[0][0] == 0,
                    timeout=90, what="every email sent")
        done = time.time() - back
        got = smtp.collector.all()
        ids = [m["Message-ID"] for _, m, _ in got]
        children = faults.children_in(nh.body_text(m) for _, m, _ in got)
        retries = db.query("select count(*) from mashwatch.email_attempts "
                           "where outcome = 'retry'")[0][0]
        figures("SMTP down %d s, daemon restarted: %d failed attempts, all sent %.1f s "
                "after the relay returned; %d emails, %d duplicate, %d of 6 children lost"
                % (OUTAGE, retries, done, len(got), len(ids) - len(set(ids)),
                   6 - len(set(children))))
        assert sorted(set(children)) == ["F%d" % i for i in range(1, 7)]
        assert len(ids) == len(set(ids))
    finally:
        if d1.alive():
            d1.kill()
        if d2 is not None:
            assert d2.stop() == 0
        smtp.stop()
