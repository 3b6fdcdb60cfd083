"""daemon/pg.c against a real PostgreSQL, through tests/pgprobe.

pgprobe prints one line per check it passed; pgconn's log lines (with -d,
debug ones too) go to its stderr, which is what journald would see.
"""
import os
import re
import select
import subprocess
import time

import pytest

from _pgtmp import PgTmp

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("MASHWATCH_BUILD",
                       os.path.join(HERE, "..", "..", "build"))
PGPROBE = os.path.join(BUILD, "tests", "pgprobe")
# trust auth ignores it; it must never reach a log line.
SECRET = "sekrit-9f2c"


@pytest.fixture(scope="module")
def pgtmp():
    if not os.access(PGPROBE, os.X_OK):
        pytest.fail("%s not built (make integration builds it)" % PGPROBE)
    server = PgTmp()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


def conninfo(server):
    return server.conninfo + " password=" + SECRET


def run_probe(server, *args, timeout=120):
    return subprocess.run([PGPROBE, *args, conninfo(server)],
                          capture_output=True, text=True, timeout=timeout)


def lines_matching(text, pattern):
    return [l for l in text.splitlines() if re.search(pattern, l)]


def test_query_copy_and_notify(pgtmp):
    r = run_probe(pgtmp, "-n", "20000")
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout.splitlines()
    assert "freed in callback" in out
    assert "query ok" in out
    assert any(l.startswith("copy ok rows=20000 ") for l in out), r.stdout
    # Delivered while pg_sleep statements were still queued, not after.
    assert ("notify channel=mw_probe payload=during-query while_busy=1"
            in out), r.stdout
    assert "done" in out
    assert re.search(r"stats source queries=\d+ query_errors=0 "
                     r"rows_copied=20000 conn_failures=0", r.stdout)
    assert "unavailable" not in r.stderr
    assert SECRET not in r.stderr


def read_until(proc, marker, timeout):
    """Lines of proc's stdout up to and including marker."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if not ready:
            continue
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
        if seen[-1] == marker:
            return seen
    proc.kill()
    raise AssertionError("no %r from pgprobe; got %r" % (marker, seen))


def test_server_restart(pgtmp):
    proc = subprocess.Popen([PGPROBE, "-d", "-r", "-n", "1000",
                             conninfo(pgtmp)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        before = read_until(proc, "waiting for restart", 60)
        pgtmp.stop()
        # Long enough that the first retry fails too.
        time.sleep(2.5)
        pgtmp.start()
        rest, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    out = before + rest.splitlines()
    assert proc.returncode == 0, "\n".join(out) + "\n" + err

    # The in-flight and the queued statement each got res == NULL once.
    assert "lost queries=2" in out
    assert "refused while down" in out
    assert out.count("down source") == 1
    assert out.count("up source") == 2
    assert out.count("up state") == 2
    # LISTEN was re-issued on the new connection.
    assert ("notify channel=mw_probe payload=after-restart while_busy=0"
            in out), out
    assert out[-1] == "done"

    for name in ("source", "state"):
        unavailable = lines_matching(
            err, r"^pgprobe: %s database unavailable: .+; retrying$" % name)
        again = lines_matching(
            err, r"^pgprobe: %s database reachable again after \d+ s$" % name)
        assert len(unavailable) == 1, err
        assert len(again) == 1, err
    # Further attempts during the outage are debug-level only.
    assert lines_matching(err, r"^pgprobe: source database still unavailable: ")
    assert SECRET not in err
    assert "password" not in err


def test_copy_throughput(pgtmp, capsys):
    n = 1000000
    r = run_probe(pgtmp, "-b", "-n", str(n), timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"^bench rows=(\d+) .*$", r.stdout, re.M)
    assert m and int(m.group(1)) == n, r.stdout
    with capsys.disabled():
        print("\n  pgconn_copy_out, copytext_split per row: " + m.group(0))


def test_server_down_at_start(pgtmp):
    """An outage that starts before the first connect is logged the same way."""
    pgtmp.stop()
    try:
        proc = subprocess.Popen([PGPROBE, "-n", "100", conninfo(pgtmp)],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(2.5)
    finally:
        pgtmp.start()
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, out + err
    assert "copy ok rows=100 " in out
    assert re.search(r"stats source .* conn_failures=[1-9]", out), out
    for name in ("source", "state"):
        assert len(lines_matching(
            err, r"^pgprobe: %s database unavailable: .*Connection refused.*; "
                 r"retrying$" % name)) == 1, err
        assert len(lines_matching(
            err, r"^pgprobe: %s database reachable again after \d+ s$" % name)) == 1
    # Without -d the retries in between are silent.
    assert not lines_matching(err, r"still unavailable"), err
