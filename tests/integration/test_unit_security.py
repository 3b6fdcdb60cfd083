"""systemd/mashwatch.service and the template mashwatch@.service (one
authority of several per host): Type=notify units that systemd-analyze
verify accepts without a warning and systemd-analyze security rates 2.0 or
lower (README.md, Operations); the template differs from the plain unit
only where it names the instance."""
import pathlib
import re
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
UNIT = REPO / "systemd" / "mashwatch.service"
TEMPLATE = REPO / "systemd" / "mashwatch@.service"
LIMIT = 2.0
# The lines of the template that name the instance, and the plain unit's.
INSTANCE_LINES = {
    "Description=mashwatch: timeliness alerts for the MASH front door of %i":
        "Description=mashwatch: timeliness alerts for the MASH front door",
    "ExecStart=/usr/sbin/mashwatchd -f -c /etc/mashwatch/%i.conf":
        "ExecStart=/usr/sbin/mashwatchd -f -c /etc/mashwatch/mashwatch.conf",
    "StateDirectory=mashwatch/%i": "StateDirectory=mashwatch",
    "RuntimeDirectory=mashwatch/%i": "RuntimeDirectory=mashwatch",
    "WorkingDirectory=/var/lib/mashwatch/%i": "WorkingDirectory=/var/lib/mashwatch",
}


def analyze(*args):
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True,
                          timeout=60)


def as_installed(unit, tmp_path, build, name):
    """The unit as make install writes it, but running the build's daemon
    (verify wants ExecStart= to exist), saved as name (an instance of the
    template: systemd-analyze checks instances, not templates)."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (scripts/bootstrap installs systemd)")
    path = tmp_path / name
    path.write_text(unit.read_text().replace("/usr/sbin/mashwatchd",
                                             str(build / "mashwatchd")))
    return path


@pytest.mark.parametrize("unit,name", [(UNIT, "mashwatch.service"),
                                       (TEMPLATE, "mashwatch@north.service")])
def test_exposure_score(unit, name, tmp_path, build):
    path = as_installed(unit, tmp_path, build, name)
    p = analyze("security", "--offline=true", "--no-pager", str(path))
    if p.returncode != 0 and "--offline" in p.stderr:
        pytest.skip("this systemd-analyze has no --offline (systemd < 250): "
                    + p.stderr.strip())
    m = re.search(r"Overall exposure level for %s: (\d+\.\d+)" % re.escape(name), p.stdout)
    assert m, p.stdout + p.stderr
    score = float(m.group(1))
    print("systemd-analyze security: %s exposure %.1f" % (name, score))
    assert score <= LIMIT, p.stdout


@pytest.mark.parametrize("unit,name", [(UNIT, "mashwatch.service"),
                                       (TEMPLATE, "mashwatch@north.service")])
def test_verify(unit, name, tmp_path, build):
    path = as_installed(unit, tmp_path, build, name)
    p = analyze("verify", "--man=no", str(path))
    # An unknown key is only a warning (exit 0): no output is the test.
    assert p.returncode == 0 and p.stderr == "" and p.stdout == "", p.stdout + p.stderr


def test_verify_catches_a_typo(tmp_path, build):
    # The check above can fail: a misspelt key is reported.
    path = as_installed(TEMPLATE, tmp_path, build, "mashwatch@north.service")
    path.write_text(path.read_text().replace("\nType=notify", "\nTpye=notify"))
    p = analyze("verify", "--man=no", str(path))
    assert "Unknown key" in p.stderr


def test_template_is_the_unit_but_for_the_instance():
    def settings(path):
        lines = path.read_text().splitlines()
        return [l for l in lines[lines.index("[Unit]"):] if l and not l.startswith("#")]
    assert [INSTANCE_LINES.get(l, l) for l in settings(TEMPLATE)] == settings(UNIT)
    assert set(INSTANCE_LINES) <= set(settings(TEMPLATE))


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
