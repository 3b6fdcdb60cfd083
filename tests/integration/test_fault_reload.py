"""The fault suite, SIGHUP under load: contacts keep arriving while the
daemon is sent a good config, a bad one (kept the old, logged) and the good
one again.  Every contact alerts once and every alert is emailed."""

import pathlib
import signal
import threading
import time

import faults
import testclock
import mw
import notifyhelp as nh

CONTACTS = 60


def test_sighup_good_and_bad_config_under_load(db, build, tmp_path, figures):
    nh.add_team(db, "T1", "Team one", "t1@example.org")
    config = faults.config(tmp_path, db.conninfo, transport="directory")
    good = config.read_text()
    mw.migrate(build, config)
    d = mw.Daemon(build, config, tmp_path / "d.log")
    stop = threading.Event()
    added = []

    def load():
        for i in range(1, CONTACTS + 1):
            if stop.is_set():
                return
            faults.add_contacts(db, [i])
            added.append(i)
            time.sleep(0.1)

    feeder = threading.Thread(target=load)
    try:
        d.wait_log("notifier: active")
        feeder.start()
        reloads = bad = 0
        for text, expect in ((good.replace("group_interval = 0", "group_interval = 1"),
                              "reloaded"),
                             (good + "\nthis is not a setting\n", "reload failed"),
                             (good.replace("send_timeout = 5", "send_timeout = 600000"),
                              "reload failed"),
                             (good, "reloaded")):
            time.sleep(0.7)
            config.write_text(text)
            d.proc.send_signal(signal.SIGHUP)
            d.wait_log(expect, count=(reloads if expect == "reloaded" else bad) + 1)
            if expect == "reloaded":
                reloads += 1
            else:
                bad += 1
        feeder.join()
        mw.wait_for(lambda: db.query("select count(*) from mashwatch.alerts where "
                                     "level = 'overdue'")[0][0] == len(added),
                    timeout=30, what="every contact alerted")
        mw.wait_for(lambda: db.query("select count(*) from mashwatch.notifications "
                                     "where claimed_at is null")[0][0] == 0 and
                    db.query("select count(*) from mashwatch.emails "
                             "where status <> 'sent'")[0][0] == 0,
                    timeout=30, what="every alert emailed")
        alerts, raised, twice = faults.transitions_once(db)
        files = [f for f in pathlib.Path(tmp_path / "outbox").glob("*.eml")
                 if not f.name.startswith(".")]
        children = faults.children_in(nh.body_text(faults.parse(f.read_bytes()))
                                      for f in files)
        figures("SIGHUP under load: %d contacts over %.1f s, %d good and %d bad reloads; "
                "%d alerts, %d written twice, %d emails, %d children lost, alive: %s"
                % (len(added), len(added) * 0.1, reloads, bad, alerts, twice, len(files),
                   len(added) - len(set(children)), d.alive()))
        assert len(added) == CONTACTS
        assert twice == 0 and raised == alerts
        assert sorted(set(children)) == sorted("F%d" % i for i in added)
        assert d.alive()
    finally:
        stop.set()
        if feeder.is_alive():
            feeder.join()
        assert d.stop() == 0


def test_a_refused_reload_keeps_the_old_config_for_the_report_child_too(db, build, tmp_path):
    """The report child (mashwatchctl report --send) reads the copy of the
    config the daemon validated, never the broken file a reload refused;
    its log lines carry their program's name off the journal."""
    from datetime import timedelta
    at = (testclock.local_now() + timedelta(seconds=120)).replace(second=0, microsecond=0)
    config = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, poll_interval=1,
                             lease_ttl=5, extra='report: { at = "%s"; archive = "%s"; };'
                             % (at.strftime("%H:%M"), tmp_path / "archive"))
    good = config.read_text()
    mw.migrate(build, config)
    want = "report-%s.eml" % (at.date() - timedelta(days=1)).isoformat()
    d = mw.Daemon(build, config, tmp_path / "d.log")
    try:
        d.wait_log("notifier: active")
        time.sleep(3)  # what a first start sends, it has started
        config.write_text(good + "\nthis is not a setting\n")
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log("reload failed")
        outbox = tmp_path / "outbox"
        mw.wait_for(lambda: outbox.exists() and (outbox / want).exists(), timeout=200,
                    interval=1, what="the report sent after the refused reload")
        d.wait_log("report %s: done" % (at.date() - timedelta(days=1)).isoformat(),
                   timeout=30)
        log = d.text()
        assert "mashwatchctl: report: " in log, log
        assert "this is not a setting" not in log.split("reload failed")[1], log
        assert "trying again" not in log, log
    finally:
        assert d.stop() == 0
