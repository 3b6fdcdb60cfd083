"""The programs' manners on stderr: a syslog "<N>" prefix only when stderr
is the journal ($JOURNAL_STREAM names stderr's device and inode), never on
a terminal, a file or a pipe; there every line starts with the program's
name; and a command that exits never says it is "retrying"."""

import os
import pathlib
import re
import subprocess

import mw
import testclock

DOWN = "host=/nonexistent port=1 dbname=x"


def run_to_file(build, path, args, journal=None):
    """Run a program with stderr to a file; journal: True for a
    JOURNAL_STREAM naming that file, a string for one naming something else."""
    path = pathlib.Path(path)
    with open(path, "w") as err:
        env = testclock.env()
        env.pop("JOURNAL_STREAM", None)
        if journal is True:
            st = os.fstat(err.fileno())
            env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        elif journal:
            env["JOURNAL_STREAM"] = journal
        p = subprocess.run([str(build / args[0])] + [str(a) for a in args[1:]],
                           stdout=subprocess.PIPE, stderr=err, text=True, env=env,
                           timeout=60)
    return p.returncode, path.read_text()


def test_no_syslog_prefix_off_the_journal_and_the_name_on_every_line(build, tmp_path, db):
    down = mw.write_config(tmp_path / "down.conf", DOWN)
    good = mw.write_config(tmp_path / "good.conf", db.conninfo)
    cases = [
        (["mashwatchd", "-c", down, "--once"], "mashwatchd", 69),
        (["mashwatchctl", "-c", down, "check-source"], "mashwatchctl", 69),
        (["mashwatchctl", "-c", down, "status"], "mashwatchctl", 69),
        (["mashwatchctl", "-c", good, "due", "--clock", "nope", "--from", "2026-12-08"],
         "mashwatchctl", 65),
        (["mashwatchctl", "-c", good, "due", "--clock", "contact_decision", "--from",
          "2040-01-02"], "mashwatchctl", 0),  # a warning: beyond the holiday list
        (["mashwatchd", "--bogus"], "mashwatchd", 64),
        (["mashwatchctl", "--bogus"], "mashwatchctl", 64),
        (["mashwatchctl", "-c", good, "ack", "1", "--bogus"], "mashwatchctl", 64),
    ]
    for args, prog, code in cases:
        for journal in (None, "1:2"):  # no journal, or a journal that is not stderr
            rc, err = run_to_file(build, tmp_path / "err.txt", args, journal)
            assert rc == code, (args, err)
            lines = err.splitlines()
            assert lines, args
            # A usage text after the error is the usage, not an error line.
            usage = [i for i, l in enumerate(lines) if l.startswith("usage: ")]
            if usage:
                assert usage[0] > 0, (args, err)
                lines = lines[:usage[0]]
            for line in lines:
                assert not re.match(r"<\d>", line), (args, line)
                # "mashwatchctl: ..." or, from a command's options, "mashwatchctl ack: ..."
                assert re.match(r"%s( [a-z-]+)?: " % prog, line), (args, line)
            # A command that exits does not say it will try again.
            assert "retrying" not in err, (args, err)


def test_config_errors_start_with_the_program_name(build, tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("source: { conninfo = 12; };\n")
    for prog in ("mashwatchd", "mashwatchctl"):
        args = [prog, "-c", conf] + (["-t"] if prog == "mashwatchd" else ["status"])
        rc, err = run_to_file(build, tmp_path / "err.txt", args)
        assert rc == 78, err
        for line in err.splitlines():
            assert line.startswith("%s: %s:" % (prog, conf)), line


def test_the_journal_gets_priorities(build, tmp_path):
    down = mw.write_config(tmp_path / "down.conf", DOWN)
    rc, err = run_to_file(build, tmp_path / "err.txt", ["mashwatchd", "-c", down, "--once"],
                          journal=True)
    assert rc == 69
    lines = err.splitlines()
    assert lines and all(re.match(r"<[0-7]>", l) for l in lines), err
    assert any(l.startswith("<3>source database unavailable") for l in lines), err


def test_in_the_journal_every_line_has_a_priority(build, tmp_path, db):
    """What mashwatchctl prints itself (its errors, as the report child or
    by hand under systemd-run) carries a priority in the journal too."""
    good = mw.write_config(tmp_path / "good.conf", db.conninfo)
    bad = tmp_path / "bad.conf"
    bad.write_text("source: { conninfo = 12; };\n")
    for args, want in [
            (["mashwatchctl", "-c", good, "due", "--clock", "nope", "--from", "2026-12-08"],
             "<3>mashwatchctl: "),
            (["mashwatchctl", "-c", good, "due", "--clock", "contact_decision", "--from",
              "2040-01-02"], "<4>warning: 2040-01-02 is beyond"),
            (["mashwatchd", "-c", bad, "-t"], "<3>%s:1: " % bad)]:
        rc, err = run_to_file(build, tmp_path / "err.txt", args, journal=True)
        lines = err.splitlines()
        assert lines and all(re.match(r"<[0-7]>", l) for l in lines), (args, err)
        assert lines[0].startswith(want), (args, err)
