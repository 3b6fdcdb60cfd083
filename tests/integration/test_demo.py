"""make demo's script, for a bounded time: it generates a quarter, runs
mashwatchd, raises alerts (and, once the notifier is built in, writes .eml
files), and removes everything it made."""
import pathlib
import re
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_demo_raises_alerts_and_cleans_up(build):
    p = subprocess.run([sys.executable if sys.executable.startswith("/usr/bin/") else
                        "/usr/bin/python3", str(REPO / "scripts" / "demo.py"),
                        "--build", str(build), "--duration", "40", "--interval", "2"],
                       capture_output=True, text=True, timeout=240)
    print(p.stdout)
    assert p.returncode == 0, p.stdout + p.stderr
    m = re.search(r"^demo: (\d+) alerts in mashwatch\.alerts, (\d+) emails in the outbox$",
                  p.stdout, re.M)
    assert m, p.stdout
    alerts, emails = int(m.group(1)), int(m.group(2))
    assert alerts > 50
    for level in ("overdue", "escalated", "repeat"):
        assert re.search(r"Alerts in mashwatch\.alerts:.*\d+ %s" % level, p.stdout), level
    # The notifier writes .eml files once it is part of the daemon.
    if list((REPO / "daemon").glob("notify*.c")):
        assert emails > 0, "the notifier is built in but the demo's outbox is empty"
    workdir = re.search(r"everything lives in (\S+) ", p.stdout).group(1)
    assert not pathlib.Path(workdir).exists()
    assert "removed" in p.stdout.splitlines()[-1]
