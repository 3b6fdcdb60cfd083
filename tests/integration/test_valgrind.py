"""The programs under valgrind (run by scripts/valgrind-run, `make valgrind`
and its smoke in `make check`; skipped otherwise): mashwatchctl migrate,
mashwatchd --once, and a daemon that starts, polls, alerts, sends over
real SMTP, reloads a good and a bad config and stops.  valgrind exits 99
on any error or definite leak, so every exit status must be 0."""

import os
import pathlib
import signal
import subprocess
import time

import pytest

import faults
import mw
import notifyhelp as nh

MODE = os.environ.get("MASHWATCH_VALGRIND", "")
REPO = pathlib.Path(__file__).resolve().parents[2]
VALGRIND = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
            "--suppressions=%s" % (REPO / "tests" / "valgrind.supp"),
            "--num-callers=30", "--trace-children=no"]

pytestmark = pytest.mark.skipif(not MODE, reason="run by scripts/valgrind-run")


def under_valgrind(build, *args):
    p = subprocess.run(VALGRIND + [str(build / args[0])] + [str(a) for a in args[1:]],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, "%s exited %d under valgrind:\n%s" % (
        args[0], p.returncode, p.stderr[-8000:])
    return p


def test_daemon_under_valgrind(db, build, tmp_path, figures):
    smtp = nh.SmtpServer()
    smtp.start()
    nh.add_team(db, "T1", "Team one", "t1@example.org")
    config = faults.config(tmp_path, db.conninfo, smtp_port=smtp.port, send_timeout=30)
    good = config.read_text()
    under_valgrind(build, "mashwatchctl", "-c", config, "migrate")
    faults.add_contacts(db, range(1, 4))
    if MODE == "full":
        under_valgrind(build, "mashwatchd", "-c", config, "--once", "--all")
        under_valgrind(build, "mashwatchd", "-t", "-c", config)
    start = time.time()
    d = mw.Daemon(build, config, tmp_path / "d.log", wrapper=VALGRIND)
    try:
        d.wait_log("notifier: active", timeout=180)
        nh.wait_messages(smtp, 1, timeout=180)
        config.write_text(good.replace("group_interval = 0", "group_interval = 1"))
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log("reloaded", timeout=120)
        config.write_text(good + "\nnot a setting\n")
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log("reload failed", timeout=120)
        faults.add_contacts(db, range(4, 6))
        mw.wait_for(lambda: {"F4", "F5"} <= set(faults.children_in(
            nh.body_text(m) for _, m, _ in smtp.collector.all())), timeout=180,
            what="the second email")
    finally:
        rc = d.stop(timeout=180)
        smtp.stop()
    log = d.text()
    figures("valgrind (%s): daemon started, alerted, sent %d emails, reloaded twice "
            "and stopped in %.1f s; exit %d (99 = errors or definite leaks)"
            % (MODE, len(smtp.collector.all()), time.time() - start, rc))
    assert rc == 0, log[-8000:]
