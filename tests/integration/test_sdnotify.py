"""mashwatchd under a faithful NOTIFY_SOCKET listener.

The listener is what systemd offers a Type=notify service: an AF_UNIX
datagram socket named by $NOTIFY_SOCKET (a path, or '@name' in the abstract
namespace), with $WATCHDOG_USEC set.  The daemon must say READY=1 after its
first poll, STATUS= lines, WATCHDOG=1 at half the period, RELOADING=1 with
MONOTONIC_USEC then READY=1 around SIGHUP, and STOPPING=1 on SIGTERM.  A
broken config on SIGHUP keeps the old one; a changed limit is applied.
"""
import os
import signal
import socket
import threading
import time

import mw
import opsdata


class NotifyListener:
    """Collects every datagram, as a list of {KEY: VALUE} dicts."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        # What $NOTIFY_SOCKET says: '@' stands for the abstract namespace's NUL.
        self.address = "@" + address[1:] if address.startswith("\0") else address
        self.messages = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.sock.settimeout(0.2)
        self.running = True
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            msg = dict(line.split("=", 1) for line in data.decode().split("\n") if line)
            with self.lock:
                self.messages.append((time.monotonic(), msg))

    def keys(self):
        with self.lock:
            return [k for _, m in self.messages for k in m]

    def find(self, key, value=None, after=0):
        """Index of the first message at or after `after` that sets key."""
        with self.lock:
            for i, (_, m) in enumerate(self.messages[after:], after):
                if key in m and (value is None or m[key] == value):
                    return i
        return None

    def wait(self, key, value=None, after=0, timeout=30):
        # Index 0 is a find, so wrap it: wait_for wants something true.
        return mw.wait_for(lambda: [self.find(key, value, after)] if
                           self.find(key, value, after) is not None else None,
                           timeout=timeout, what="%s from the daemon" % key)[0]

    def close(self):
        self.running = False
        self.sock.close()


def overdue(port, clock="contact_decision", team="MASH"):
    m = opsdata.parse(opsdata.get(port, "/metrics")[1])
    return opsdata.per_clock(m, "mashwatch_clock_overdue").get((clock, team))


def run_daemon(build, conf, tmp_path, listener, watchdog_usec=600000):
    env = dict(os.environ, NOTIFY_SOCKET=listener.address,
               WATCHDOG_USEC=str(watchdog_usec))
    return mw.Daemon(build, conf, tmp_path / "daemon.log", env=env)


def test_notify_sequence_and_reloads(db, build, tmp_path):
    opsdata.load(db)
    port = mw.free_port()
    # contact_decision at 45 working days: the month-old contacts are not
    # overdue until the reload brings the limit down to 1 working day.
    slow = {"contact_decision": dict(limit="45 working days")}
    conf = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, clocks=slow,
                           http_listen="127.0.0.1:%d" % port)
    mw.migrate(build, conf)
    listener = NotifyListener(str(tmp_path / "notify.sock"))
    d = run_daemon(build, conf, tmp_path, listener)
    try:
        ready = listener.wait("READY", "1")
        assert "STATUS" in listener.messages[ready][1]
        assert listener.messages[ready][1]["STATUS"].startswith("leader: ")
        # Every 0.3 s for a 0.6 s watchdog: several within two seconds.
        mw.wait_for(lambda: listener.keys().count("WATCHDOG") >= 3, timeout=5,
                    what="three WATCHDOG=1")
        opsdata.http_port(d, port)
        assert overdue(port) == 0

        # A broken config: every error logged, the old one kept.
        good = conf.read_text()
        conf.write_text(good + "\nsource: { poll_interval = -1; };\nnonsense = ;\n")
        n = len(listener.messages)
        d.proc.send_signal(signal.SIGHUP)
        reloading = listener.wait("RELOADING", "1", after=n)
        assert int(listener.messages[reloading][1]["MONOTONIC_USEC"]) > 0
        listener.wait("READY", "1", after=reloading + 1)
        d.wait_log("still running on the old configuration")
        assert d.alive()
        assert opsdata.get(port, "/readyz")[0] == 200
        assert overdue(port) == 0

        # A changed limit is applied at once.
        mw.write_config(conf, db.conninfo, http_listen="127.0.0.1:%d" % port)
        n = len(listener.messages)
        d.proc.send_signal(signal.SIGHUP)
        reloading = listener.wait("RELOADING", "1", after=n)
        listener.wait("READY", "1", after=reloading + 1)
        d.wait_log("reloaded ")
        assert overdue(port) == opsdata.expected(db)[("contact_decision", "MASH")][1] == 3
        m = opsdata.parse(opsdata.get(port, "/metrics")[1])
        assert m["mashwatch_config_reloads_total"][frozenset()] == 1
        assert m["mashwatch_config_reload_failures_total"][frozenset()] == 1

        n = len(listener.messages)
        assert d.stop() == 0
        listener.wait("STOPPING", "1", after=n, timeout=5)
    finally:
        if d.alive():
            d.kill()
        listener.close()

    keys = listener.keys()
    order = [keys.index("READY"), keys.index("WATCHDOG"), keys.index("RELOADING"),
             len(keys) - 1 - keys[::-1].index("STOPPING")]
    assert order == sorted(order), keys
    assert keys.index("STATUS") <= keys.index("WATCHDOG")
    assert keys[-1] in ("STOPPING", "WATCHDOG", "STATUS")
    print("notifications:", keys)


def test_abstract_socket_and_no_watchdog(db, build, tmp_path):
    """'@name' is the abstract namespace; no WATCHDOG_USEC, no WATCHDOG=1."""
    opsdata.load(db)
    conf = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo)
    mw.migrate(build, conf)
    name = "mashwatch-test-%d" % os.getpid()
    listener = NotifyListener("\0" + name)
    assert listener.address == "@" + name
    env = dict(os.environ, NOTIFY_SOCKET=listener.address)
    env.pop("WATCHDOG_USEC", None)
    d = mw.Daemon(build, conf, tmp_path / "daemon.log", env=env)
    try:
        listener.wait("READY", "1")
        time.sleep(1)
        assert "WATCHDOG" not in listener.keys()
        assert d.stop() == 0
        listener.wait("STOPPING", "1", timeout=5)
    finally:
        if d.alive():
            d.kill()
        listener.close()


def test_watchdog_for_another_pid_is_ignored(db, build, tmp_path):
    """WATCHDOG_PID names the process the watchdog is for."""
    opsdata.load(db)
    conf = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo)
    mw.migrate(build, conf)
    listener = NotifyListener(str(tmp_path / "n.sock"))
    env = dict(os.environ, NOTIFY_SOCKET=listener.address, WATCHDOG_USEC="200000",
               WATCHDOG_PID="1")
    d = mw.Daemon(build, conf, tmp_path / "daemon.log", env=env)
    try:
        listener.wait("READY", "1")
        time.sleep(0.5)
        assert "WATCHDOG" not in listener.keys()
    finally:
        d.stop()
        listener.close()
