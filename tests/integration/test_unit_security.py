"""systemd/mashwatch.service: a Type=notify unit that systemd-analyze
security rates 2.0 or lower (README.md, Operations)."""
import pathlib
import re
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
UNIT = REPO / "systemd" / "mashwatch.service"
LIMIT = 2.0


def analyze(*args):
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True,
                          timeout=60)


def test_exposure_score():
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (scripts/bootstrap installs systemd)")
    p = analyze("security", "--offline=true", "--no-pager", str(UNIT))
    if p.returncode != 0 and "--offline" in p.stderr:
        pytest.skip("this systemd-analyze has no --offline (systemd < 250): "
                    + p.stderr.strip())
    m = re.search(r"Overall exposure level for mashwatch\.service: (\d+\.\d+)", p.stdout)
    assert m, p.stdout + p.stderr
    score = float(m.group(1))
    print("systemd-analyze security: mashwatch.service exposure %.1f" % score)
    assert score <= LIMIT, p.stdout


def test_unit_settings():
    text = UNIT.read_text()
    settings = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    assert settings["Type"] == ["notify"]
    assert settings["ExecStart"] == ["/usr/sbin/mashwatchd -f -c /etc/mashwatch/mashwatch.conf"]
    assert settings["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    assert settings["User"] == ["mashwatch"]
    assert settings["StateDirectory"] == ["mashwatch"]
    assert "WatchdogSec" in settings
    assert settings["NotifyAccess"] == ["main"]
    assert settings["RestartPreventExitStatus"] == ["78"]


def test_no_exec_start_pre():
    # RestartPreventExitStatus= does not cover ExecStartPre= (systemd.service(5)),
    # so a `mashwatchd -t` there made a bad config restart for ever; the
    # daemon checks its config itself and exits 78.
    lines = [l.strip() for l in UNIT.read_text().splitlines()]
    assert not [l for l in lines if l.startswith("ExecStartPre")]


def test_libpq_files_documented():
    # The unit points libpq at its own service and password files; the man
    # page's FILES and README's first day must say to create them.
    env = [l.split("=", 1)[1] for l in UNIT.read_text().splitlines()
           if l.startswith("Environment=")]
    files = dict(kv.split("=", 1) for e in env for kv in e.split())
    man = (REPO / "doc" / "mashwatchd.8").read_text()
    files_section = man.split(".SH FILES", 1)[1].split(".SH ", 1)[0]
    readme = (REPO / "README.md").read_text()
    for var in ("PGSERVICEFILE", "PGPASSFILE"):
        assert files[var] in files_section, var
        assert files[var] in readme, var
    assert "chmod 0600 %s" % files["PGPASSFILE"] in readme
