"""A throwaway PostgreSQL cluster for tests that need to stop and start it.

Minimal on purpose: the shared conftest.py provides the suite-wide `pg`
fixture; this one exists for tests that restart the server under a client.
initdb refuses to run as root, so as root the server runs as `postgres`.
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile


def _bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    return os.path.dirname(found[-1])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgTmp:
    def __init__(self):
        self.bindir = _bindir()
        self.dir = tempfile.mkdtemp(prefix="mw-pgtmp-")
        self.data = os.path.join(self.dir, "data")
        self.logfile = os.path.join(self.dir, "server.log")
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C", "--no-sync")

    @property
    def conninfo(self):
        return "host=127.0.0.1 port=%d dbname=postgres user=postgres" % self.port

    def _run(self, prog, *args):
        cmd = [os.path.join(self.bindir, prog), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=120)

    def start(self):
        opts = ("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off"
                % (self.port, self.dir))
        self._run("pg_ctl", "-D", self.data, "-l", self.logfile, "-w",
                  "-o", opts, "start")

    def stop(self):
        # fast: running statements are terminated, as in a real restart.
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def cleanup(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
