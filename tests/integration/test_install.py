"""make install with PREFIX and DESTDIR puts every file in place, and every
man page renders without warnings; mashwatch.conf(5) names every setting."""
import os
import pathlib
import re
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(build, tmp_path_factory):
    dest = tmp_path_factory.mktemp("destdir")
    p = subprocess.run(["make", "-C", str(REPO), "--no-print-directory", "BUILD=%s" % build,
                        "PREFIX=/usr", "DESTDIR=%s" % dest, "install"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return dest


FILES = [
    ("usr/sbin/mashwatchd", 0o755),
    ("usr/bin/mashwatchctl", 0o755),
    ("etc/mashwatch/mashwatch.conf", 0o640),
    ("etc/mashwatch/bank-holidays-england-and-wales.txt", 0o644),
    ("usr/share/mashwatch/mashwatch.conf.example", 0o644),
    ("usr/share/mashwatch/sql/cms.sql", 0o644),
    ("usr/share/mashwatch/sql/mash.sql", 0o644),
    ("usr/share/mashwatch/sql/ssd.sql", 0o644),
    ("usr/share/mashwatch/sql/ssd.md", 0o644),
    ("usr/share/man/man5/mashwatch.conf.5", 0o644),
    ("usr/share/man/man8/mashwatchd.8", 0o644),
    ("usr/share/man/man1/mashwatchctl.1", 0o644),
    ("usr/share/mashwatch/bank-holidays-england-and-wales.txt", 0o644),
    ("usr/share/mashwatch/operations.md", 0o644),
    ("usr/lib/systemd/system/mashwatch.service", 0o644),
    ("usr/lib/systemd/system/mashwatch@.service", 0o644),
    ("usr/lib/sysusers.d/mashwatch.conf", 0o644),
]


@pytest.mark.parametrize("path,mode", FILES)
def test_file_in_place(installed, path, mode):
    f = installed / path
    assert f.is_file(), path
    assert f.stat().st_mode & 0o777 == mode, "%s: %o" % (path, f.stat().st_mode & 0o777)


def test_every_migration_installed(installed):
    for sql in sorted((REPO / "etc" / "sql" / "state").glob("*.sql")):
        assert (installed / "usr/share/mashwatch/sql/state" / sql.name).read_text() == sql.read_text()


def test_installed_daemon_checks_installed_config(installed, tmp_path):
    import testclock
    etc = installed / "etc/mashwatch"
    conf = tmp_path / "mashwatch.conf"
    # -t finds what the example names and a site has not yet made.
    shutil.copy(etc / "mashwatch.conf", conf)
    conf.chmod(0o600)
    text = conf.read_text().replace('"bank-holidays-england-and-wales.txt"',
                                    '"%s"' % (etc / "bank-holidays-england-and-wales.txt"))
    conf.write_text(text)
    env = testclock.env({**os.environ, "PGSERVICEFILE": str(tmp_path / "none.conf")})
    p = subprocess.run([str(installed / "usr/sbin/mashwatchd"), "-t", "-c", str(conf)],
                       capture_output=True, text=True, timeout=30, env=env)
    assert p.returncode == 78
    assert "notify.password_file: /etc/mashwatch/smtp-password: No such file" in p.stderr
    assert 'source.conninfo: service "mash" is not defined in %s' % (tmp_path / "none.conf") \
        in p.stderr
    # Made as the README says, in place: the installed config, which names
    # the holiday file relative to its own folder, passes.  The holiday
    # list is rewritten to cover the years ahead, so the outcome does not
    # depend on the date.
    year = testclock.local_now().year
    (etc / "bank-holidays-england-and-wales.txt").write_text(
        "".join("%d-12-25\n" % y for y in (year, year + 1, year + 2)))
    password = tmp_path / "smtp-password"
    password.write_text("secret\n")
    password.chmod(0o600)
    installed_conf = etc / "mashwatch.conf"
    installed_conf.write_text(installed_conf.read_text().replace(
        '"/etc/mashwatch/smtp-password"', '"%s"' % password))
    (tmp_path / "pg_service.conf").write_text("[mash]\ndbname=mash\n[mashwatch]\ndbname=m\n")
    env["PGSERVICEFILE"] = str(tmp_path / "pg_service.conf")
    p = subprocess.run([str(installed / "usr/sbin/mashwatchd"), "-t", "-c", str(installed_conf)],
                       capture_output=True, text=True, timeout=30, env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "configuration OK\n"


def test_unit_points_at_prefix(installed):
    unit = (installed / "usr/lib/systemd/system/mashwatch.service").read_text()
    assert "ExecStart=/usr/sbin/mashwatchd -f -c /etc/mashwatch/mashwatch.conf" in unit
    template = (installed / "usr/lib/systemd/system/mashwatch@.service").read_text()
    assert "ExecStart=/usr/sbin/mashwatchd -f -c /etc/mashwatch/%i.conf" in template
    assert not (installed / "lib/systemd/system").exists()


def make(build, dest, *args):
    p = subprocess.run(["make", "-C", str(REPO), "--no-print-directory", "BUILD=%s" % build,
                        "DESTDIR=%s" % dest] + list(args) + ["CONFGROUP=root"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def test_unit_under_prefix_unless_systemd_unitdir_says(build, tmp_path):
    make(build, tmp_path / "a", "PREFIX=/opt/mw", "install")
    assert (tmp_path / "a/opt/mw/lib/systemd/system/mashwatch.service").is_file()
    unit = (tmp_path / "a/opt/mw/lib/systemd/system/mashwatch.service").read_text()
    assert "ExecStart=/opt/mw/sbin/mashwatchd " in unit
    template = (tmp_path / "a/opt/mw/lib/systemd/system/mashwatch@.service").read_text()
    assert "ExecStart=/opt/mw/sbin/mashwatchd -f -c /etc/mashwatch/%i.conf" in template
    make(build, tmp_path / "b", "PREFIX=/opt/mw", "SYSTEMD_UNITDIR=/etc/systemd/system",
         "install")
    assert (tmp_path / "b/etc/systemd/system/mashwatch.service").is_file()
    assert (tmp_path / "b/etc/systemd/system/mashwatch@.service").is_file()
    assert not (tmp_path / "b/opt/mw/lib/systemd").exists()


def test_install_never_overwrites_an_edited_holiday_file(build, tmp_path):
    hol = tmp_path / "etc/mashwatch/bank-holidays-england-and-wales.txt"
    shipped = (REPO / "etc/bank-holidays-england-and-wales.txt").read_text()
    make(build, tmp_path, "install")
    assert hol.read_text() == shipped
    # Not edited: a later install may replace it (it is still the shipped copy).
    make(build, tmp_path, "install")
    assert hol.read_text() == shipped
    edited = shipped + "2030-06-03 a local day off\n"
    hol.write_text(edited)
    p = make(build, tmp_path, "install")
    assert hol.read_text() == edited
    assert "was edited: kept" in p.stdout


def test_uninstall_removes_what_install_put_and_keeps_etc_and_data(build, tmp_path):
    make(build, tmp_path, "PREFIX=/usr", "install")
    installed = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    data = tmp_path / "var/lib/mashwatch/reports/2026-12-01.html"
    data.parent.mkdir(parents=True)
    data.write_text("archive")
    make(build, tmp_path, "PREFIX=/usr", "uninstall")
    left = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    assert left == {pathlib.Path("etc/mashwatch/mashwatch.conf"),
                    pathlib.Path("etc/mashwatch/bank-holidays-england-and-wales.txt"),
                    data.relative_to(tmp_path)}, sorted(map(str, left))
    assert len(installed) > 15


def test_install_keeps_an_existing_config(build, tmp_path):
    conf = tmp_path / "etc/mashwatch/mashwatch.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("# mine\n")
    p = subprocess.run(["make", "-C", str(REPO), "--no-print-directory", "BUILD=%s" % build,
                        "DESTDIR=%s" % tmp_path, "install"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert conf.read_text() == "# mine\n"
    assert (tmp_path / "usr/local/sbin/mashwatchd").is_file()


def test_config_readable_by_the_service_group(build, tmp_path):
    """root:GROUP 0640, so the service user reads it and others cannot.
    (The real install creates the mashwatch group; here an existing group
    stands in for it, so the test changes nothing outside tmp_path.)"""
    import grp
    if os.getuid() != 0:
        pytest.skip("only root can give a file to another group")
    group = "daemon"
    p = subprocess.run(["make", "-C", str(REPO), "--no-print-directory", "BUILD=%s" % build,
                        "DESTDIR=%s" % tmp_path, "CONFGROUP=%s" % group, "install"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    st = (tmp_path / "etc/mashwatch/mashwatch.conf").stat()
    assert (st.st_uid, st.st_gid) == (0, grp.getgrnam(group).gr_gid)
    assert st.st_mode & 0o777 == 0o640


PAGES = ["usr/share/man/man5/mashwatch.conf.5", "usr/share/man/man8/mashwatchd.8",
         "usr/share/man/man1/mashwatchctl.1"]


@pytest.mark.parametrize("page", PAGES)
def test_man_page_renders_without_warnings(installed, page):
    if shutil.which("man") is None:
        pytest.skip("man is not installed (scripts/bootstrap installs man-db)")
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    p = subprocess.run(["man", "--warnings", "-l", str(installed / page)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stderr == "", p.stderr
    assert len(p.stdout.splitlines()) > 20


def test_conf_page_names_every_setting(installed, build):
    """Every setting `mashwatchd -t -d` prints is described in the page."""
    env = dict(os.environ, MANWIDTH="200", LC_ALL="C.UTF-8")
    page = subprocess.run(["man", "-l", str(installed / PAGES[0])], capture_output=True,
                          text=True, env=env, timeout=60).stdout
    p = subprocess.run([str(build / "mashwatchd"), "-t", "-d", "-c",
                        str(REPO / "etc" / "mashwatch.conf")],
                       capture_output=True, text=True, timeout=30)
    names = set()
    for line in p.stdout.splitlines():
        m = re.match(r"^([\w.\[\]]+) = ", line)
        if m:
            name = re.sub(r"\[\d+\]", "[]", m.group(1))
            name = re.sub(r"^routes\.teams\.[^.]+\.", "routes.teams.TEAM.", name)
            name = re.sub(r"^routes\.(?!teams\.)[^.]+\.(to|escalation)$", r"routes.NAME.\1", name)
            names.add(name)
    assert len(names) > 30
    missing = sorted(n for n in names if n not in page)
    assert not missing, missing
