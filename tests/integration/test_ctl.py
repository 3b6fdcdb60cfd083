"""mashwatchctl: due, migrate and status, run for real."""

import mw


def test_due(build, tmp_path, db):
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    cases = [
        # doc/contract.md, "Working days, exactly": Thursday before Easter, 1 working day.
        (["--clock", "contact_decision", "--from", "2022-04-14T10:00:00+01:00"],
         "2022-04-20T00:00:00+01:00"),
        # The same instant written in UTC.
        (["--clock", "contact_decision", "--from", "2022-04-14T09:00:00Z"],
         "2022-04-20T00:00:00+01:00"),
        # The one time syntax: no offset is local time, a date is local midnight.
        (["--clock", "contact_decision", "--from", "2022-04-14 10:00"],
         "2022-04-20T00:00:00+01:00"),
        (["--clock", "contact_decision", "--from", "2022-04-14"],
         "2022-04-20T00:00:00+01:00"),
        # Urgent strategy discussion: 24 elapsed hours across the spring change.
        (["--clock", "strategy_discussion", "--priority", "urgent",
          "--from", "2022-03-26T12:00:00Z"], "2022-03-27T13:00:00+01:00"),
        # High-risk DA notification on a Friday before the Christmas 2020
        # substitute day: Monday 28 December is a holiday.
        (["--clock", "da_screening", "--priority", "high",
          "--from", "2020-12-24T16:00:00Z"], "2020-12-30T00:00:00+00:00"),
    ]
    for args, want in cases:
        p = mw.run(build, "mashwatchctl", "-c", config, "due", *args)
        assert p.stdout == want + "\n", args
        assert p.stderr == ""
    # Beyond the holiday file: computed, and warned about.  Friday 2 May
    # 2031: Monday 5 May will be a bank holiday, but the file cannot know.
    p = mw.run(build, "mashwatchctl", "-c", config, "due", "--clock", "contact_decision",
               "--from", "2031-05-02T10:00:00+01:00")
    assert p.stdout == "2031-05-06T00:00:00+01:00\n"
    assert "warning: 2031-05-02 is beyond 2027" in p.stderr
    # Bad input: a clear message and a usage or data exit code.
    for args, code, words in [
            (["--clock", "contact_decision", "--from", "2022-04-14 25:00"], 64,
             "mashwatchctl: --from '2022-04-14 25:00' is not an ISO 8601 date or time"),
            (["--clock", "contact_decision", "--from", "14/04/2022"], 64, "not an ISO 8601"),
            (["--clock", "nope", "--from", "2022-04-14T10:00:00Z"], 65, "no clock 'nope'"),
            (["--clock", "da_screening", "--priority", "low", "--from",
              "2022-04-14T10:00:00Z"], 65, "no priority 'low'"),
            (["--from", "2022-04-14T10:00:00Z"], 64, "usage")]:
        p = mw.run(build, "mashwatchctl", "-c", config, "due", *args, check=False)
        assert p.returncode == code, (args, p.stderr)
        assert words in p.stderr, (args, p.stderr)
        assert p.stdout == ""


def test_migrate_is_idempotent(build, tmp_path, db):
    config = mw.write_config(tmp_path / "mw.conf", db.conninfo)
    first = mw.migrate(build, config).stdout
    assert "applied 001_alerts" in first
    second = mw.migrate(build, config).stdout
    assert "applied" not in second and "nothing to do" in second
    versions = [v for (v,) in db.query("select version from mashwatch.schema_migrations "
                                       "order by version")]
    # Every migration in etc/sql/state, in order (numbers may skip while
    # branches are merged).
    files = sorted(mw.REPO.glob("etc/sql/state/*.sql"))
    assert versions == [int(f.name.split("_")[0]) for f in files]
    # No daemon has run: degraded (exit 1), and says why.
    p = mw.run(build, "mashwatchctl", "-c", config, "status", check=False)
    assert p.returncode == 1 and "no daemon holds the leader's lease" in p.stdout
    status = p.stdout
    assert "state schema: version %d" % versions[-1] in status


def test_unreachable_database_is_69(build, tmp_path):
    config = mw.write_config(tmp_path / "mw.conf", "host=/nonexistent port=1 dbname=x")
    p = mw.run(build, "mashwatchctl", "-c", config, "migrate", check=False)
    assert p.returncode == 69
    assert "state database unavailable" in p.stderr
