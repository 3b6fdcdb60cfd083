"""Running the real mashwatch binaries in integration tests.

    write_config(path, conninfo, ...)   a complete config for a test database
    migrate(build, config)              mashwatchctl migrate
    Daemon(build, config)               mashwatchd in the background, its log
                                        kept in a file and readable as it runs
"""

import json
import os
import pathlib
import signal
import socket
import subprocess
import time
from datetime import timedelta

import testclock

REPO = pathlib.Path(__file__).resolve().parents[2]
HOLIDAYS = REPO / "etc" / "bank-holidays-england-and-wales.txt"

# The nine clocks of doc/contract.md at their default limits.
CLOCKS = {
    "contact_decision": dict(limit="1 working day", warn_before="1 working day",
                             escalate_after="1 working day"),
    "da_screening": dict(limit="3 working days",
                         limits=dict(high="1 working day", medium="1 working day",
                                     standard="3 working days"),
                         warn_before="1 working day", escalate_after="1 working day"),
    "police_notification_lag": dict(limit="1 working day", alert_on="late_stop"),
    "strategy_discussion": dict(limit="3 working days", limits=dict(urgent="24 hours"),
                                warn_before="1 working day",
                                escalate_after="1 working day"),
    "strategy_record": dict(limit="1 working day"),
    "allocation": dict(limit="1 working day"),
    "child_seen": dict(limit="5 working days", limits=dict(urgent="24 hours")),
    "icpc": dict(limit="15 working days"),
    "assessment": dict(limit="45 working days"),
}


def _clock(name, c):
    parts = ['name = "%s";' % name]
    for key in ("limit", "warn_before", "escalate_after", "alert_on"):
        if key in c:
            parts.append('%s = "%s";' % (key, c[key]))
    if "limits" in c:
        parts.append("limits = { %s };" % " ".join(
            '%s = "%s";' % kv for kv in c["limits"].items()))
    if "forecast" in c:
        parts.append("forecast = %s;" % ("true" if c["forecast"] else "false"))
    return "{ " + " ".join(parts) + " }"


# Every day a working day and no holidays: a test whose clocks run in
# working days then never depends on the day it runs.
EVERY_DAY = ('calendar: { timezone = "Europe/London"; working_days = [ "Mon", "Tue", '
             '"Wed", "Thu", "Fri", "Sat", "Sun" ]; holidays = "%s"; };')


def every_day_calendar(tmp_path):
    """The calendar line of EVERY_DAY, with its empty holiday file in tmp_path."""
    path = tmp_path / "no-holidays.txt"
    path.write_text("# none: every day is a working day in this test\n")
    return EVERY_DAY % path


def free_port():
    """A TCP port on loopback that nothing listens on now (the config
    refuses port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quiet_reminder_at():
    """A reminder_at twelve hours from the test clock: a test that runs for
    minutes never sees a morning digest fall due unless it asks for one, and
    alerts it raises are never older than today's digest instant, so none
    of them is in a digest either (whatever the hour the suite runs at)."""
    return (testclock.local_now() + timedelta(hours=12)).strftime("%H:%M")


def write_config(path, conninfo, clocks=None, poll_interval=30,
                 resync_interval=900, listen="mash_changed", lease_ttl=15,
                 state_conninfo=None, outbox=None, extra="", http_listen="",
                 calendar=None, notify=None):
    """Write a config for one test; clocks overrides CLOCKS entry by entry;
    calendar and notify, whole one-line groups (EVERY_DAY, notifyhelp's
    SMTP group), replace the default ones."""
    merged = dict(CLOCKS)
    merged.update(clocks or {})
    path = pathlib.Path(path)
    outbox = outbox or path.parent / "outbox"
    calendar = calendar or f'calendar: {{ timezone = "Europe/London"; holidays = "{HOLIDAYS}"; }};'
    notify = notify or (f'notify: {{ transport = "directory"; directory = "{outbox}"; '
                        f'from = "mashwatch@example.org"; reminder_at = "{quiet_reminder_at()}"; }};')
    text = f"""
source: {{ conninfo = "{conninfo}"; poll_interval = {poll_interval};
          resync_interval = {resync_interval}; listen = "{listen}"; }};
state: {{ conninfo = "{state_conninfo or conninfo}"; lease_ttl = {lease_ttl}; }};
{calendar}
clocks = ( {", ".join(_clock(n, c) for n, c in merged.items())} );
repeats = (
  {{ name = "repeat_contacts"; kind = "contact"; min = 3; window = "3 months"; }},
  {{ name = "re_referral"; kind = "referral"; min = 2; window = "12 months"; }}
);
checks = ( {{ name = "strategy_attendance"; }}, {{ name = "s47_without_strategy"; }} );
routes: {{ default = [ "mash-managers@example.org" ];
          data_quality = [ "data@example.org" ]; report = [ "leaders@example.org" ]; }};
{notify}
http: {{ listen = "{http_listen}"; }};
{extra}
"""
    path.write_text(text)
    os.chmod(path, 0o600)
    return path


def run(build, *args, check=True, timeout=60):
    """Run a binary from the build; returns the CompletedProcess."""
    cmd = [str(pathlib.Path(build) / args[0])] + [str(a) for a in args[1:]]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       env=testclock.env())
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def migrate(build, config):
    return run(build, "mashwatchctl", "-c", config, "migrate")


def once(build, config, at=None, all=False):
    """mashwatchd --once: the JSON lines, parsed."""
    args = ["mashwatchd", "-c", config, "--once"]
    if at:
        args += ["--at", at]
    if all:
        args.append("--all")
    p = run(build, *args)
    return [json.loads(line) for line in p.stdout.splitlines()]


class Daemon:
    """mashwatchd -f in the background; stop() sends SIGTERM and waits."""

    def __init__(self, build, config, logpath, debug=True, env=None, wrapper=()):
        """wrapper: a command to run it under (valgrind and its options)."""
        self.logpath = pathlib.Path(logpath)
        self.log = open(self.logpath, "w")
        cmd = list(wrapper) + [str(pathlib.Path(build) / "mashwatchd"), "-f", "-c",
                               str(config)]
        if debug:
            cmd.append("-d")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=testclock.env(env))

    def text(self):
        return self.logpath.read_text(errors="replace")

    def wait_log(self, needle, timeout=30, count=1):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.text().count(needle) >= count:
                return
            if self.proc.poll() is not None:
                raise AssertionError("mashwatchd exited %s:\n%s" % (
                    self.proc.returncode, self.text()))
            time.sleep(0.05)
        raise AssertionError("no %r in the log after %ss:\n%s" % (
            needle, timeout, self.text()))

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        self.proc.kill()
        self.proc.wait(10)
        self.log.close()

    def stop(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("mashwatchd did not stop on SIGTERM:\n"
                                     + self.text())
        self.log.close()
        return self.proc.returncode


def wait_for(fn, timeout=30, interval=0.05, what="condition"):
    """Poll fn() until it returns something true; return that."""
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)
