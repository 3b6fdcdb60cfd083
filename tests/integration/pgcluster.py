"""A throwaway PostgreSQL cluster for the integration tests.

The cluster lives in a fresh temporary directory and listens only on a Unix
socket in that directory (listen_addresses = ''), so tests never collide with
a real server or with each other and need no free TCP port.  Durability is
switched off because the data is thrown away.

PostgreSQL refuses to run as root, so when the tests run as root (CI does)
initdb, pg_ctl and postgres run as the `postgres` OS user through runuser,
with the directory handed over to it.  Clients (psql, psycopg2, the
mashwatch binaries) connect as the database superuser `postgres` with trust
authentication, whoever runs them.

    cluster = PgCluster()
    try:
        cluster.start()
        cluster.create_database("x")
        conn = cluster.connect("x")
    finally:
        cluster.cleanup()
"""

import atexit
import glob
import os
import pathlib
import shutil
import subprocess
import tempfile

import psycopg2
from psycopg2 import sql

import testclock

REPO = pathlib.Path(__file__).resolve().parents[2]
# The reference schema and its mapping; load both, in this order.
CMS_SQL = REPO / "etc" / "sql" / "cms.sql"
MASH_SQL = REPO / "etc" / "sql" / "mash.sql"

SUPERUSER = "postgres"
# A Unix socket path must fit in sun_path (108 bytes on Linux).
SOCKET_PATH_MAX = 107
# The socket directory is private to this cluster, so the default port
# number cannot clash with anything; it only names the socket file.
PORT = 5432


def find_bindir():
    """The newest /usr/lib/postgresql/*/bin that has initdb, or raise."""
    found = []
    for path in glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        version = os.path.basename(os.path.dirname(os.path.dirname(path)))
        try:
            found.append((tuple(int(p) for p in version.split(".")), os.path.dirname(path)))
        except ValueError:
            continue
    if not found:
        raise RuntimeError("no PostgreSQL server found under /usr/lib/postgresql/*/bin")
    return max(found)[1]


class PgCluster:
    """One initdb'd cluster in its own temporary directory.

    start() runs initdb the first time; stop(), start() and restart() may be
    repeated (tests of reconnection use them); cleanup() stops the server and
    removes the directory and is safe to call more than once.
    """

    def __init__(self, bindir=None, port=PORT):
        self.bindir = bindir or find_bindir()
        self.port = port
        self.user = SUPERUSER
        self.as_root = os.geteuid() == 0
        self.basedir = tempfile.mkdtemp(prefix="mashwatch-pg-")
        if len(os.path.join(self.basedir, ".s.PGSQL.%d" % port)) > SOCKET_PATH_MAX:
            os.rmdir(self.basedir)
            self.basedir = tempfile.mkdtemp(prefix="mashwatch-pg-", dir="/tmp")
        self.datadir = os.path.join(self.basedir, "data")
        self.logfile = os.path.join(self.basedir, "postgres.log")
        # The socket directory doubles as libpq's host.
        self.host = self.basedir
        self.running = False
        self._initialised = False
        atexit.register(self.cleanup)
        if self.as_root:
            shutil.chown(self.basedir, user="postgres", group="postgres")
        os.chmod(self.basedir, 0o700)

    # -- server lifecycle ---------------------------------------------------

    def _server_cmd(self, *argv):
        """Run a server program, as `postgres` when we are root."""
        cmd = [os.path.join(self.bindir, argv[0]), *argv[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        # cwd: initdb and pg_ctl fail if they cannot read the current
        # directory, and root's may be closed to `postgres`.
        proc = subprocess.run(cmd, cwd=self.basedir, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=self._env())
        if proc.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s%s" % (
                " ".join(argv[:2]), proc.returncode, proc.stdout, self.log_tail()))
        return proc

    def _env(self):
        env = dict(os.environ)
        # Keep the client and server away from any PG* settings of the caller.
        for key in list(env):
            if key.startswith("PG"):
                del env[key]
        env["LC_ALL"] = "C"
        # The server's now() is the tests' clock (testclock.py).
        return testclock.env(env)

    def _initdb(self):
        self._server_cmd("initdb", "-D", self.datadir, "-U", self.user,
                         "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
        with open(os.path.join(self.datadir, "postgresql.conf"), "a") as conf:
            conf.write("\n# mashwatch tests: private socket, no TCP, no durability\n"
                       "listen_addresses = ''\n"
                       "unix_socket_directories = '%s'\n"
                       "port = %d\n"
                       "fsync = off\n"
                       "synchronous_commit = off\n"
                       "full_page_writes = off\n"
                       "timezone = 'UTC'\n"
                       "max_connections = 100\n" % (self.basedir, self.port))
        self._initialised = True

    def start(self):
        """Start the server (running initdb first if needed) and wait for it."""
        if self.running:
            return
        if not self._initialised:
            self._initdb()
        self._server_cmd("pg_ctl", "-D", self.datadir, "-l", self.logfile, "-w", "-t", "60", "start")
        self.running = True

    def stop(self, mode="fast"):
        """Stop the server; `mode` is pg_ctl's: smart, fast or immediate."""
        if not self.running:
            return
        self._server_cmd("pg_ctl", "-D", self.datadir, "-m", mode, "-w", "stop")
        self.running = False

    def restart(self, mode="fast"):
        self.stop(mode)
        self.start()

    def cleanup(self):
        """Stop the server if it runs and remove the directory.  Idempotent."""
        try:
            if self.running:
                self.stop("immediate")
        finally:
            shutil.rmtree(self.basedir, ignore_errors=True)

    def log_tail(self, lines=40):
        try:
            with open(self.logfile, errors="replace") as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return ""

    # -- clients ------------------------------------------------------------

    def conninfo(self, dbname="postgres"):
        """A libpq conninfo string for `dbname`, usable by the C binaries too."""
        return "host=%s port=%d dbname=%s user=%s" % (self.host, self.port, dbname, self.user)

    def connect(self, dbname="postgres", autocommit=True):
        """A new psycopg2 connection; the caller closes it."""
        conn = psycopg2.connect(self.conninfo(dbname))
        conn.autocommit = autocommit
        return conn

    def create_database(self, name, template=None):
        """CREATE DATABASE name [TEMPLATE template]; copying a template is fast."""
        query = sql.SQL("create database {}").format(sql.Identifier(name))
        if template:
            query = sql.SQL("{} template {}").format(query, sql.Identifier(template))
        self._admin(query)

    def drop_database(self, name):
        """Drop `name`, disconnecting anyone still connected to it."""
        self._admin(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))

    def _admin(self, query):
        conn = self.connect("postgres")
        try:
            with conn.cursor() as cur:
                cur.execute(query)
        finally:
            conn.close()

    def psql(self, dbname, *files, command=None, variables=None, single_transaction=True,
             user=None, check=True):
        """Run psql on `dbname` with ON_ERROR_STOP: each of `files` with -f,
        or `command` with -c; `variables` become -v NAME=VALUE.  Returns the
        CompletedProcess (text stdout and stderr); raises on failure when
        `check`."""
        cmd = [os.path.join(self.bindir, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        if single_transaction:
            cmd.append("-1")
        for name, value in (variables or {}).items():
            cmd += ["-v", "%s=%s" % (name, value)]
        for path in files:
            cmd += ["-f", str(path)]
        if command is not None:
            cmd += ["-c", command]
        conninfo = self.conninfo(dbname)
        if user:
            conninfo = conninfo.replace("user=%s" % self.user, "user=%s" % user)
        cmd += ["-d", conninfo]
        env = self._env()
        # Loading the schema reports every "does not exist, skipping"; only
        # warnings and errors are worth reading.
        env["PGOPTIONS"] = "-c client_min_messages=warning"
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, env=env)
        if check and proc.returncode != 0:
            raise RuntimeError("psql %s failed (%d):\n%s" % (
                " ".join(str(f) for f in files) or command, proc.returncode, proc.stderr))
        return proc
