"""make demo's script, for a bounded time: it generates a quarter, runs
mashwatchd, raises alerts, writes alert emails and the report, and removes
everything it made."""
import pathlib
import re
import subprocess
import sys

import pytest

import testclock

REPO = pathlib.Path(__file__).resolve().parents[2]


# The demo at the test clock, then pinned (the whole demo, its PostgreSQL and
# its daemon under libfaketime) to a Saturday afternoon and to Christmas Day,
# a bank holiday, at night: every day is a working day in the demo, so alert
# emails come within its run whatever the day and hour.
WHEN = ["", "2026-12-05T14:00:00", "2026-12-25T23:30:00"]


@pytest.mark.parametrize("pinned", WHEN, ids=["now", "saturday", "bank-holiday-night"])
def test_demo_raises_alerts_and_cleans_up(build, pinned):
    if pinned and not testclock.LIBFAKETIME:
        pytest.skip("pinning the demo needs libfaketime (scripts/bootstrap installs it)")
    p = subprocess.run([sys.executable if sys.executable.startswith("/usr/bin/") else
                        "/usr/bin/python3", str(REPO / "scripts" / "demo.py"),
                        "--build", str(build), "--duration", "40", "--interval", "2"],
                       capture_output=True, text=True, timeout=240,
                       env=testclock.env(offset=testclock.offset_for(pinned)))
    print(p.stdout)
    assert p.returncode == 0, p.stdout + p.stderr
    m = re.search(r"^demo: (\d+) alerts in mashwatch\.alerts, (\d+) alert emails in the "
                  r"outbox$", p.stdout, re.M)
    assert m, p.stdout
    alerts, emails = int(m.group(1)), int(m.group(2))
    assert alerts > 50
    for level in ("overdue", "escalated", "repeat"):
        assert re.search(r"Alerts in mashwatch\.alerts:.*\d+ %s" % level, p.stdout), level
    # Alert emails (never counting a report), and yesterday's report, within the run.
    assert emails > 0, "the demo's outbox has no alert email"
    outbox_lines = re.findall(r"^  (\d+) alert emails in ", p.stdout, re.M)
    assert outbox_lines and int(outbox_lines[-1]) == emails
    day = re.search(r"^  report for (\d{4}-\d\d-\d\d) written to ", p.stdout, re.M)
    assert day, p.stdout
    if pinned:  # the demo ran on the pinned day: yesterday's report is the day before
        assert day.group(1) < pinned[:10], (day.group(1), pinned)
    workdir = re.search(r"everything lives in (\S+) ", p.stdout).group(1)
    assert not pathlib.Path(workdir).exists()
    assert "removed" in p.stdout.splitlines()[-1]


def test_demo_keep_leaves_the_cluster_running_and_says_how_to_stop_it(build):
    import psycopg2
    p = subprocess.run(["/usr/bin/python3", str(REPO / "scripts" / "demo.py"),
                        "--build", str(build), "--duration", "1", "--interval", "1", "--keep"],
                       capture_output=True, text=True, timeout=240)
    assert p.returncode == 0, p.stdout + p.stderr
    conninfo = re.search(r'^  the database   psql "([^"]+)"$', p.stdout, re.M).group(1)
    stop = re.search(r"^  stop it all    (.+)$", p.stdout, re.M).group(1)
    workdir = re.search(r"^  work folder    (\S+) ", p.stdout, re.M).group(1)
    try:
        assert (pathlib.Path(workdir) / "mashwatch.conf").is_file()
        conn = psycopg2.connect(conninfo)
        with conn, conn.cursor() as cur:
            cur.execute("select count(*) from mashwatch.alerts")
            assert cur.fetchone()[0] > 0
        conn.close()
    finally:
        subprocess.run(stop, shell=True, capture_output=True, timeout=60)
    assert not pathlib.Path(workdir).exists()


def test_demo_bootstrap_asks_only_for_what_the_demo_needs(tmp_path):
    """On a machine with nothing (every probe fails), `scripts/bootstrap demo`
    asks for the compiler, the libraries and PostgreSQL, never for what only
    the tests use; `check` asks for those too.  Run as nobody, so it prints
    the apt-get line instead of running it."""
    import os
    import shutil
    if os.getuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run as nobody")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "pkg-config").write_text("#!/bin/sh\nexit 1\n")
    (stubs / "pkg-config").chmod(0o755)
    for tool in ("ls", "id"):
        (stubs / tool).symlink_to(shutil.which(tool))
    tmp_path.chmod(0o755)

    def asks(purpose):
        p = subprocess.run([shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups",
                            "/bin/sh", str(REPO / "scripts" / "bootstrap"), purpose],
                           capture_output=True, text=True, timeout=60,
                           env={"PATH": str(stubs), "HOME": "/"})
        assert p.returncode == 1, p.stdout + p.stderr
        line = re.search(r"apt-get install -y --no-install-recommends(.*)$", p.stderr, re.M)
        assert line, p.stderr
        return set(line.group(1).split())

    demo, check = asks("demo"), asks("check")
    assert {"build-essential", "pkg-config", "libpq-dev", "libevent-dev",
            "libcurl4-openssl-dev"} <= demo
    for test_only in ("chromium", "chromium-driver", "clang", "clang-tools", "valgrind",
                      "wrk", "libcmocka-dev", "man-db", "faketime"):
        assert test_only not in demo, test_only
        assert test_only in check, test_only
    assert demo < check
