"""doc/operations.md and the README's first steps, run as written on a
fresh PostgreSQL (a throwaway cluster standing in for the machine's):

- the SQL of "Roles, databases and grants", then README step 1 (the SSD
  mapping), leave a `mashwatch` role that can migrate its state database
  and read the mash views, and nothing else;
- "Try it by hand" from a fresh checkout works line by line;
- the backup and restore of operations.md, and a restore re-sends nothing
  already sent.

Only the environment differs from a real machine: PGHOST and PGPORT name
the throwaway cluster, and `sudo -u USER` runs through runuser (keeping
those two variables, as sudo on a real machine needs not), since the
cluster's superuser is `postgres` like Debian's.  Paths under
/usr/local/share/mashwatch are the source tree's etc/sql."""

import os
import pathlib
import re
import shutil
import subprocess
import time

import pytest

import mw
import testclock

REPO = mw.REPO
HERE = pathlib.Path(__file__).resolve().parent


def section(text, title):
    m = re.search(r"^## %s\n(.*?)(?=^## )" % re.escape(title), text, re.M | re.S)
    assert m, title
    return m.group(1)


def commands(block, indent):
    """The shell commands of an indented code block: continuation lines
    joined, comments after # kept (the shell ignores them)."""
    lines = [l[indent:] for l in block.splitlines() if l.startswith(" " * indent) and l.strip()]
    out, cur = [], ""
    for l in lines:
        if l.rstrip().endswith("\\"):
            cur += l.rstrip()[:-1] + " "
            continue
        out.append(cur + l)
        cur = ""
    return out


@pytest.fixture
def machine(tmp_path):
    """A shell environment whose PostgreSQL is a fresh throwaway cluster,
    whose sudo runs through runuser, and whose share/mashwatch is etc/."""
    from pgcluster import PgCluster
    cluster = PgCluster()
    cluster.start()
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sudo").write_text('#!/bin/sh\n# sudo -u USER CMD...: as USER, PG* kept\n'
                               '[ "$1" = -u ] || exit 64\nu=$2; shift 2\n'
                               'exec runuser -u "$u" -- env PGHOST="$PGHOST" '
                               'PGPORT="$PGPORT" "$@"\n')
    (shim / "sudo").chmod(0o755)
    env = testclock.env()
    for k in list(env):
        if k.startswith("PG"):
            del env[k]
    env.update(PGHOST=cluster.host, PGPORT=str(cluster.port),
               PATH="%s:%s" % (shim, env["PATH"]))
    os.chmod(tmp_path, 0o755)
    yield cluster, env
    cluster.cleanup()


def sh(cmd, env, cwd=REPO, check=True, timeout=120):
    p = subprocess.run(["bash", "-c", cmd], env=env, cwd=cwd, capture_output=True, text=True,
                       timeout=timeout)
    if check:
        assert p.returncode == 0, "%s\nstdout:\n%s\nstderr:\n%s" % (cmd, p.stdout, p.stderr)
    return p


def as_written(cmd):
    return cmd.replace("/usr/local/share/mashwatch/sql/", str(REPO / "etc" / "sql") + "/")


def test_roles_sql_and_readme_step_1(machine, build, tmp_path):
    cluster, env = machine
    ops = (REPO / "doc" / "operations.md").read_text()
    sql = re.search(r"```sql\n(.*?)```", section(ops, "Roles, databases and grants"),
                    re.S).group(1)
    # The site's source database, with its SSD extract in schema ssd.
    cluster.create_database("safeguarding")
    src = tmp_path / "ssd.sql"
    src.write_text("create schema ssd;\nset search_path = ssd;\n%s\n%s" % (
        (HERE / "ssd" / "ssd_core.sql").read_text(), (HERE / "ssd" / "fixture.sql").read_text()))
    sh("sudo -u postgres psql -X -q -v ON_ERROR_STOP=1 -d safeguarding < %s" % src, env)
    # operations.md, as written, from the command it names.
    (tmp_path / "roles.sql").write_text(sql)
    sh("sudo -u postgres psql -X -v ON_ERROR_STOP=1 -d safeguarding < %s"
       % (tmp_path / "roles.sql"), env)
    # README step 1, as written.
    readme = (REPO / "README.md").read_text()
    step1 = re.search(r"^1\. \*\*Map your source\.\*\*(.*?)^   For another system", readme,
                      re.M | re.S).group(1)
    cmds = commands(step1, 8)
    assert len(cmds) == 2 and all("safeguarding" in c for c in cmds), cmds
    for c in cmds:
        sh(as_written(c), env)
    # mashwatch can migrate its state database and read the views...
    at = "host=%s port=%d " % (cluster.host, cluster.port)
    conf = mw.write_config(tmp_path / "mw.conf", at + "dbname=safeguarding user=mashwatch",
                           state_conninfo=at + "dbname=mashwatch user=mashwatch")
    p = mw.run(build, "mashwatchctl", "-c", conf, "migrate", check=False)
    assert p.returncode == 0, p.stderr
    p = sh("psql -X -At -U mashwatch -d safeguarding -c 'select count(*) > 0 from mash.clocks'",
           env)
    assert p.stdout.strip() == "t"
    # ... and nothing else: not the SSD's tables, not another database.
    p = sh("psql -X -U mashwatch -d safeguarding -c 'select 1 from ssd.ssd_person'", env,
           check=False)
    assert p.returncode != 0 and "permission denied" in p.stderr
    p = sh("psql -X -U mashwatch -d postgres -c 'create table x (i int)'", env, check=False)
    assert p.returncode != 0
    cluster.create_database("other")
    p = sh("psql -X -U postgres -d mashwatch -c 'select 1'", env)  # the superuser may
    p = sh("psql -X -U mashwatch -d other -c 'select 1'", env)  # PUBLIC's default CONNECT
    # Nobody but mashwatch (and the superuser) connects to the state database.
    sh("sudo -u postgres psql -X -q -d postgres -c 'create role someone login'", env)
    p = sh("psql -X -U someone -d mashwatch -c 'select 1'", env, check=False)
    assert p.returncode != 0 and "permission denied" in p.stderr


def test_try_it_by_hand_from_a_fresh_checkout(machine, build, tmp_path):
    cluster, env = machine
    if os.getuid() != 0:
        pytest.skip("creates a PostgreSQL role named after the user running it, as root")
    # A fresh checkout, built: the tree as git has it, plus the build.
    tree = tmp_path / "mashwatch"
    shutil.copytree(REPO, tree, ignore=shutil.ignore_patterns("build", ".git", "try.conf",
                                                              "__pycache__"))
    shutil.copytree(build, tree / "build", symlinks=True,
                    ignore=shutil.ignore_patterns("*.o", "asan", "analyze", "fuzz", "*.a"))
    readme = (tree / "README.md").read_text()
    cmds = commands(section(readme, "Try it by hand"), 4)
    *first, run = cmds
    assert run.startswith("build/mashwatchd -c etc/try.conf -f -d")
    shutil.rmtree("/tmp/mashwatch-try", ignore_errors=True)
    for c in first:
        p = sh(c, env, cwd=tree)
        if "due --clock" in c:
            assert p.stdout == "2022-04-20T00:00:00+01:00\n", p.stdout
    # The last runs until stopped: started, seen to load, stopped.
    log = open(tmp_path / "run.log", "w")
    d = subprocess.Popen(["bash", "-c", "exec " + run.split("#")[0]], env=env, cwd=tree,
                         stdout=log, stderr=subprocess.STDOUT)
    try:
        mw.wait_for(lambda: "loaded " in (tmp_path / "run.log").read_text(), timeout=60,
                    what="the daemon's first load")
        assert d.poll() is None
    finally:
        d.terminate()
        assert d.wait(30) == 0
        log.close()
        shutil.rmtree("/tmp/mashwatch-try", ignore_errors=True)


def test_backup_and_restore_resend_nothing_already_sent(machine, build, tmp_path):
    cluster, env = machine
    user = "postgres"
    ops = (REPO / "doc" / "operations.md").read_text()
    backup = section(ops, "Backup and restore of the state database")
    dump_cmd = [c for c in commands(backup, 4) if "pg_dump" in c]
    restore = [c for c in commands(backup, 4) if c.startswith("sudo -u")
               and "pg_dump" not in c]
    assert len(dump_cmd) == 1 and len(restore) == 4, (dump_cmd, restore)
    # A site: the role and databases as operations.md makes them, a source
    # with one overdue contact, the state migrated and the alert mailed.
    cluster.create_database("safeguarding")
    sql = re.search(r"```sql\n(.*?)```", section(ops, "Roles, databases and grants"),
                    re.S).group(1)
    (tmp_path / "roles.sql").write_text(sql)
    sh("sudo -u postgres psql -X -q -v ON_ERROR_STOP=1 -d safeguarding < %s"
       % (tmp_path / "roles.sql"), env)
    cluster.psql("safeguarding", REPO / "etc" / "sql" / "cms.sql", REPO / "etc" / "sql" / "mash.sql",
                 variables={"reader": "mashwatch"})
    at = "host=%s port=%d " % (cluster.host, cluster.port)
    conf = mw.write_config(tmp_path / "mw.conf", at + "dbname=safeguarding user=mashwatch",
                           state_conninfo=at + "dbname=mashwatch user=mashwatch", poll_interval=1,
                           clocks={"contact_decision": dict(limit="1 hours")})
    env_conf = None
    mw.run(build, "mashwatchctl", "-c", conf, "migrate")
    db = cluster.connect("safeguarding")
    with db.cursor() as c:
        c.execute("insert into cms.teams (team_id, name) values ('T1', 'Front door')")
        c.execute("insert into cms.children (child_id) values ('P1')")
        c.execute("insert into cms.contacts (contact_id, child_id, team_id, received_at, source)"
                  " values ('C1', 'P1', 'T1', %s, 'school')", (testclock.hours_ago(3),))
    outbox = tmp_path / "outbox"

    def run_daemon(name):
        d = mw.Daemon(build, conf, tmp_path / name, env=env_conf)
        try:
            d.wait_log("notifier: active")
            mw.wait_for(lambda: outbox.exists() and len(list(outbox.glob("*.eml"))) >= 1,
                        timeout=30, what="the alert email")
            time.sleep(4)
        finally:
            assert d.stop() == 0

    run_daemon("d1.log")
    sent = sorted(p.name for p in outbox.glob("*.eml"))
    assert sent
    # The backup as written (pg_dump as the mashwatch OS user: here the
    # postgres one, which can write the dump's folder).
    import tempfile
    backups = pathlib.Path(tempfile.mkdtemp(prefix="mashwatch-backups-"))
    dump = backups / "mashwatch-state.dump"
    shutil.chown(backups, user=user)
    sh(dump_cmd[0].replace("-u mashwatch", "-u " + user).replace(
        "/var/backups/mashwatch-state.dump", str(dump)) + " -U mashwatch", env)
    for p in outbox.glob("*.eml"):
        p.unlink()
    # The restore as written, daemons stopped.
    for c in restore:
        c = c.replace("/var/backups/mashwatch-state.dump", str(dump))
        if "mashwatchctl migrate" in c:
            mw.run(build, "mashwatchctl", "-c", conf, "migrate")
            continue
        sh(c.replace("-u mashwatch pg_restore", "-u %s pg_restore -U mashwatch" % user), env)
    # Back up: the alert and its email are remembered; nothing goes again.
    d = mw.Daemon(build, conf, tmp_path / "d2.log", env=env_conf)
    try:
        d.wait_log("notifier: active")
        time.sleep(8)
    finally:
        assert d.stop() == 0
    shutil.rmtree(backups)
    assert not outbox.exists() or list(outbox.glob("*.eml")) == []
    assert "items for route" not in d.text() and "loaded " in d.text()
