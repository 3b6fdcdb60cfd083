"""mashwatchd -t: the configuration check run by operators and systemd.

Runs the real binary from $MASHWATCH_BUILD (default ./build) and asserts on
its output and exit status (sysexits: 0 ok, 78 bad configuration).
"""
import os
import pathlib
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("MASHWATCH_BUILD", ROOT / "build"))
DAEMON = BUILD / "mashwatchd"
EX_USAGE = 64
EX_CONFIG = 78
# Every error line starts with the program's name, then FILE:LINE.
ERROR_LINE = re.compile(r"^mashwatchd: (?P<file>[^:]+):(?P<line>\d+): (?P<msg>.+)$")


def run(*args):
    return subprocess.run([str(DAEMON), *args], capture_output=True,
                          text=True, timeout=30)


def write(tmp_path, text, mode=0o600):
    path = tmp_path / "mashwatch.conf"
    path.write_text(text)
    path.chmod(mode)
    return path


def error_lines(stderr, path):
    lines = stderr.splitlines()
    for line in lines:
        m = ERROR_LINE.match(line)
        assert m, f"not FILE:LINE: message: {line!r}"
        assert m["file"] == str(path)
    return [int(ERROR_LINE.match(line)["line"]) for line in lines]


def example_site(tmp_path):
    """The example config where what it names exists, as on a site that
    followed it: the SMTP password file (0600), the libpq services (in
    PGSERVICEFILE, as the unit sets it), a holiday list that covers the
    next two years.  Returns (config path, environment)."""
    import testclock
    year = testclock.local_now().year
    holidays = tmp_path / "holidays.txt"
    holidays.write_text("".join("%d-12-25\n" % y for y in (year, year + 1, year + 2)))
    password = tmp_path / "smtp-password"
    password.write_text("secret\n")
    password.chmod(0o600)
    services = tmp_path / "pg_service.conf"
    services.write_text("[mash]\ndbname=mash\n\n[mashwatch]\ndbname=mash\n")
    text = (ROOT / "etc" / "mashwatch.conf").read_text()
    text = text.replace('"bank-holidays-england-and-wales.txt"', '"%s"' % holidays)
    text = text.replace('"/etc/mashwatch/smtp-password"', '"%s"' % password)
    conf = write(tmp_path, text)
    return conf, testclock.env({**os.environ, "PGSERVICEFILE": str(services)})


def run_env(env, *args):
    return subprocess.run([str(DAEMON), *args], capture_output=True, text=True,
                          timeout=30, env=env)


def test_example_config_is_ok(tmp_path):
    conf, env = example_site(tmp_path)
    r = run_env(env, "-t", "-c", str(conf))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "configuration OK\n"
    assert r.stderr == ""


def test_debug_prints_every_setting(tmp_path):
    conf, env = example_site(tmp_path)
    r = run_env(env, "-t", "-d", "-c", str(conf))
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[-1] == "configuration OK"
    assert "source.poll_interval = 30;" in out
    assert 'clocks[1].limits = { high = "1 working day"; medium = ' \
        '"1 working day"; standard = "3 working days"; };' in out


def test_three_mistakes_three_lines(tmp_path):
    path = write(tmp_path, """source: {
	pol_interval = 30;
};
clocks = (
	{ name = "contact_decision"; limit = "1 working dya"; }
);
caseloads: { amber = 25; red = 20; };
""")
    r = run("-t", "-c", str(path))
    assert r.returncode == EX_CONFIG
    assert r.stdout == ""
    assert error_lines(r.stderr, path) == [2, 5, 7]
    assert "did you mean 'source.poll_interval'?" in r.stderr


def test_syntax_error_one_line(tmp_path):
    path = write(tmp_path, "source: {\n\tpoll_interval = 30\n\tschema = ;\n};\n")
    r = run("-t", "-c", str(path))
    assert r.returncode == EX_CONFIG
    assert len(error_lines(r.stderr, path)) == 1


def test_world_readable_password_refused(tmp_path):
    text = 'source: { conninfo = "host=db user=mw password=hunter2"; };\n'
    path = write(tmp_path, text, 0o644)
    r = run("-t", "-c", str(path))
    assert r.returncode == EX_CONFIG
    assert error_lines(r.stderr, path) == [1]
    assert "readable by others" in r.stderr
    assert "hunter2" not in r.stderr

    # At 0600 it loads; -t also reads the holiday file, so name a real one.
    holidays = pathlib.Path(__file__).resolve().parents[2] / "etc" / \
        "bank-holidays-england-and-wales.txt"
    path.write_text(text + 'calendar: { holidays = "%s"; };\n' % holidays)
    path.chmod(0o600)
    r = run("-t", "-d", "-c", str(path))
    assert r.returncode == 0, r.stderr
    assert "hunter2" not in r.stdout


def test_missing_file(tmp_path):
    r = run("-t", "-c", str(tmp_path / "nope.conf"))
    assert r.returncode == EX_CONFIG
    assert "No such file or directory" in r.stderr


@pytest.mark.parametrize("args", [["-x"], ["-t", "extra"], ["--at", "2022-04-27T07:00Z"]])
def test_bad_usage(args):
    assert run(*args).returncode == EX_USAGE


def test_help_and_version():
    assert run("-h").returncode == 0
    r = run("-V")
    assert r.returncode == 0 and r.stdout.startswith("mashwatchd ")
