"""mashwatchctl region on three authorities' real regional extracts: each
made by the real `mashwatchctl report --month 2022-10 --format region` (one
through `--send`, from its archive) against its own seeded source
(regiondata.py), then laid side by side with disclosure control; the full
report JSON (child and worker ids) is refused; and an authority's report
shows the region's median re-referral rate when report.comparators names
the region's file.
"""

import csv
import email
import email.policy
import io
import json

import pytest

import mw
import regiondata
import reporthelp
from conftest import TEMPLATE, Database

MONTH = regiondata.MONTH


def config_for(tmp_path, db, name, extra_report=""):
    d = tmp_path / name
    d.mkdir(exist_ok=True)
    config = mw.write_config(d / "mashwatch.conf", db.conninfo,
                             calendar=mw.EVERY_DAY % mw.HOLIDAYS, extra="""
report: { archive = "%s"; authority = "%s"; %s };
""" % (d / "archive", name, extra_report))
    # The monthly extract also goes to the region's own address.
    config.write_text(config.read_text().replace(
        'report = [ "leaders@example.org" ];',
        'report = [ "leaders@example.org" ]; region = [ "region@example.org" ];'))
    return config


@pytest.fixture
def region(pg, build, tmp_path):
    """name -> (Database, config, extract path), the extracts written."""
    out = {}
    try:
        for i, (name, spec) in enumerate(regiondata.AUTHORITIES.items()):
            dbname = "region_%s" % name
            pg.create_database(dbname, template=TEMPLATE)
            db = Database(pg, dbname)
            out[name] = [db, None, None]
            regiondata.seed(db, spec)
            config = config_for(tmp_path, db, name)
            mw.migrate(build, config)
            path = tmp_path / name / "extract.json"
            if i == 0:
                # As the daemon does on the 1st: archived beside the pack.
                mw.run(build, "mashwatchctl", "-c", config, "report", "--month", MONTH,
                       "--send")
                path = tmp_path / name / "archive" / ("mashwatch-month-%s-region.json" % MONTH)
            else:
                p = mw.run(build, "mashwatchctl", "-c", config, "report", "--month", MONTH,
                           "--format", "region")
                path.write_text(p.stdout)
            out[name][1:] = [config, path]
        yield out
    finally:
        for name, (db, _, _) in out.items():
            db.close()
            pg.drop_database(db.name)


def region_cmd(build, paths, fmt="json", check=True):
    return mw.run(build, "mashwatchctl", "region", "--month", MONTH, "--format", fmt,
                  *paths, check=check)


def id_keys(v, path=""):
    """Every key that could carry an id, by the rule the command applies."""
    found = []
    if isinstance(v, dict):
        for k, x in v.items():
            if (k in ("child", "worker", "instance", "oldest", "listed", "most", "id")
                    or k.endswith(("_id", "-id")) or
                    (k.startswith("child") and k != "children") or
                    (k.startswith("worker") and k != "workers")):
                found.append(path + k)
            found += id_keys(x, path + k + ".")
    elif isinstance(v, list):
        for x in v:
            found += id_keys(x, path)
    return found


def test_extracts_hold_the_figures_and_no_ids(region, build):
    for name, (_, _, path) in region.items():
        x = json.loads(path.read_text())
        want = regiondata.expected(regiondata.AUTHORITIES[name])
        assert x["format"] == "mashwatch-region-extract" and x["version"] == 1
        assert (x["authority"], x["kind"], x["first"], x["end"]) == \
            (name, "month", "2022-10-01", "2022-10-31")
        for k in ("contacts", "repeat_contacts", "referrals", "referrals_12_months",
                  "rereferrals_12_months"):
            assert x[k] == want[k], (name, k)
        assert x["caseloads"] == {"workers": want["workers"], "red": want["red"],
                                  "red_threshold": regiondata.RED}
        clocks = {c["clock"]: c for c in x["clocks"]}
        assert list(clocks) == list(mw.CLOCKS)
        for clock in ("contact_decision", "police_notification_lag"):
            got = {k: clocks[clock][k] for k in ("stopped", "within_limit",
                                                 "median_working_days")}
            assert got == want[clock], (name, clock)
        assert id_keys(x) == [], name
        # The same figures are in the monthly pack's own JSON (its period).
        _, config, _ = region[name]
        full = json.loads(mw.run(build, "mashwatchctl", "-c", config, "report", "--month",
                                 MONTH, "--format", "json").stdout)
        assert full["period"]["repeat_contacts"] == want["repeat_contacts"]
        assert full["period"]["repeat_contacts_per_10000"] == \
            round(want["repeat_contacts"] / want["contacts"] * 10000, 1)
        assert (full["period"]["contacts"], full["period"]["referrals"]) == \
            (want["contacts"], want["referrals"])
        assert (full["rereferrals"]["referrals"], full["rereferrals"]["rereferrals"]) == \
            (want["referrals_12_months"], want["rereferrals_12_months"])


def test_send_archives_the_extract_and_mails_it_alone_to_the_region(region, tmp_path):
    _, _, archived = region["north"]
    sent = {}
    for eml in sorted((tmp_path / "north" / "outbox").glob("*.eml")):
        msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        sent[msg["To"]] = msg
    assert set(sent) == {"leaders@example.org", "region@example.org"}
    region_mail = sent["region@example.org"]
    assert region_mail["Subject"] == "MASH front door regional extract 2022-10: north"
    parts = list(region_mail.iter_attachments())
    assert [(p.get_filename(), p.get_content_type()) for p in parts] == \
        [("mashwatch-month-2022-10-region.json", "application/json")]
    assert json.loads(parts[0].get_content()) == json.loads(archived.read_text())
    # The leaders' pack (with its caseload table of workers) never goes
    # to the region, and the extract is not in the leaders' email.
    leaders = [p.get_filename() for p in sent["leaders@example.org"].iter_attachments()]
    assert leaders and "mashwatch-month-2022-10-region.json" not in leaders


def test_region_side_by_side_with_disclosure_control(region, build):
    paths = [region[n][2] for n in ("north", "south", "east")]
    b = json.loads(region_cmd(build, paths).stdout)
    assert b["format"] == "mashwatch-region-benchmark"
    assert (b["month"], b["authorities"]) == (MONTH, ["north", "south", "east"])
    m = {x["measure"]: x for x in b["measures"]}
    ex = {n: regiondata.expected(s) for n, s in regiondata.AUTHORITIES.items()}

    def by(measure):
        return {a["authority"]: a for a in m[measure]["authorities"]}

    # Re-referrals: south's 3 is c; north's 9, the next smallest of the
    # column, is c too, or the region's total would give south away; and
    # in each of those rows a second cell goes, so their rates are c.
    rr = by("rereferral_rate")
    assert rr["south"] == {"authority": "south", "numerator": "c", "denominator": 40,
                           "value": "c", "rank": None}
    assert rr["north"] == {"authority": "north", "numerator": "c", "denominator": 60,
                           "value": "c", "rank": None}
    assert rr["east"] == {"authority": "east", "numerator": 12, "denominator": 95,
                          "value": round(12 / 94, 4), "rank": 1}
    assert m["rereferral_rate"]["region"] == {"numerator": 25, "denominator": 190,
                                              "value": round(24 / 191, 4)}
    assert m["rereferral_rate"]["median"] == round(12 / 94, 4)
    assert m["rereferral_rate"]["better"] == "lower"

    # Caseloads above red: 2 and 1 and their total 3 are c; the region's
    # row needs a second c, its workers not above red.
    red = by("caseloads_above_red")
    assert (red["north"]["numerator"], red["north"]["value"]) == ("c", "c")
    assert (red["south"]["numerator"], red["south"]["value"]) == ("c", "c")
    assert (red["east"]["numerator"], red["east"]["denominator"], red["east"]["value"],
            red["east"]["rank"]) == (0, 10, 0.0, 1)
    assert m["caseloads_above_red"]["region"] == {"numerator": "c", "denominator": 25,
                                                  "value": "c"}
    # A total of 6 (south's workers) is shown rounded, as 5.
    assert red["south"]["denominator"] == 5

    # Nothing small: shown, totals rounded to 5, ranked, with quartiles.
    cd = by("share_within_limit.contact_decision")
    shares = {n: round(ex[n]["contact_decision"]["within_limit"] /
                       ex[n]["contact_decision"]["stopped"], 4) for n in ex}
    for n in ex:
        assert cd[n]["numerator"] == ex[n]["contact_decision"]["within_limit"]
        assert cd[n]["denominator"] == 5 * round(ex[n]["contact_decision"]["stopped"] / 5)
        assert cd[n]["value"] == shares[n]
    assert [cd[n]["rank"] for n in ("east", "north", "south")] == [1, 2, 3]
    s = sorted(shares.values())
    q = m["share_within_limit.contact_decision"]
    assert (q["lower_quartile"], q["median"], q["upper_quartile"]) == pytest.approx(
        ((s[0] + s[1]) / 2, s[1], (s[1] + s[2]) / 2))
    med = by("median_working_days.contact_decision")
    assert {n: med[n]["value"] for n in med} == {"north": 0, "south": 4, "east": 0}
    assert {n: med[n]["rank"] for n in med} == {"north": 1, "south": 3, "east": 1}

    # Police notification lag and repeat contacts are there, by authority.
    lag = by("median_working_days.police_notification_lag")
    assert lag["east"]["value"] == 5 and lag["east"]["rank"] == 3
    rc = by("repeat_contacts_per_10000")
    assert rc["east"]["value"] == round(27 / 173 * 10000, 1)
    assert rc["south"]["value"] == "c"          # 5 repeat contacts

    # Whatever the measure: no count from 1 to 5 is shown, and no line of
    # an authority or the region is left with a single c.
    for x in b["measures"]:
        for a in x["authorities"] + [x["region"]]:
            assert not (isinstance(a["numerator"], int) and 1 <= a["numerator"] <= 5), \
                (x["measure"], a)
            # Totals are rounded to 5 (never small: a total of 1 to 5 is c).
            assert a["denominator"] in ("c", None) or a["denominator"] % 5 == 0
            if a["numerator"] == "c" or a["denominator"] == "c":
                assert a["value"] == "c", (x["measure"], a)
        col = [a["numerator"] for a in x["authorities"]] + [x["region"]["numerator"]]
        if x["numerator"] is not None:
            assert col.count("c") != 1, x["measure"]


def test_csv_and_html_agree_with_json(region, build):
    paths = [region[n][2] for n in ("north", "south", "east")]
    b = json.loads(region_cmd(build, paths).stdout)
    rows = list(csv.DictReader(io.StringIO(region_cmd(build, paths, "csv").stdout,
                                           newline="")))
    got = {(r["measure"], r["authority"]): r for r in rows}
    for x in b["measures"]:
        for a in x["authorities"]:
            r = got[(x["measure"], a["authority"])]
            v = a["value"]
            assert r["value"] == ("c" if v == "c" else "" if v is None else
                                  ("%.4f" % v if "share" in x["measure"] or
                                   x["measure"] in ("rereferral_rate", "caseloads_above_red")
                                   else "%.1f" % v)), (x["measure"], a)
            assert r["rank"] == ("" if a["rank"] is None else str(a["rank"]))
        assert got[(x["measure"], "Region")]["denominator"] == str(x["region"]["denominator"])
    html = region_cmd(build, paths, "html").stdout
    assert html.startswith("<!DOCTYPE html>")
    for name in ("north", "south", "east"):
        assert "<th style=\"padding:4px 8px\">%s</th>" % name in html
    assert "rank 1 of 1" in html and ">c<br>" in html
    # As a person sees it (tests/artefacts/region.png).
    reporthelp.render(html, "region", [("region.png", "1400,1100")])


def test_refuses_ids_and_bad_extracts(region, build, tmp_path):
    db, config, north = region["north"]
    # The full report JSON names children and workers: refused, nothing out.
    full = tmp_path / "full.json"
    full.write_text(mw.run(build, "mashwatchctl", "-c", config, "report", "--month", MONTH,
                           "--format", "json").stdout)
    p = region_cmd(build, [north, full], check=False)
    assert p.returncode == 65 and p.stdout == ""
    assert p.stderr.startswith("mashwatchctl: region: %s: refused: " % full)
    assert "child, worker or case id" in p.stderr
    # One id-bearing key added anywhere in an extract is enough.
    x = json.loads(north.read_text())
    for where, key in ((x, "child_id"), (x["clocks"][0], "worker"), (x["caseloads"], "childRef")):
        bad = tmp_path / "bad.json"
        where[key] = "C00001"
        bad.write_text(json.dumps(x))
        p = region_cmd(build, [bad], check=False)
        assert p.returncode == 65 and key in p.stderr and p.stdout == "", key
        del where[key]
    # Another month, the same authority twice, not JSON, no such file.
    other = tmp_path / "other.json"
    other.write_text(north.read_text().replace('"2022-10-01"', '"2022-09-01"'))
    for files, code, why in (([other], 65, "not the extract of the month 2022-10"),
                             ([north, north], 65, 'the authority "north" is already'),
                             ([config], 65, "not JSON"),
                             ([tmp_path / "missing.json"], 66, "No such file")):
        p = region_cmd(build, files, check=False)
        assert p.returncode == code and why in p.stderr and p.stdout == "", why
    p = mw.run(build, "mashwatchctl", "region", "--month", "2022-13", north, check=False)
    assert p.returncode == 64 and "not a month" in p.stderr


def test_report_shows_the_regions_median(region, build, tmp_path):
    paths = [region[n][2] for n in ("north", "south", "east")]
    bench = tmp_path / "region.json"
    bench.write_text(region_cmd(build, paths).stdout)
    median = json.loads(bench.read_text())
    median = {x["measure"]: x for x in median["measures"]}["rereferral_rate"]["median"]
    db, _, _ = region["south"]
    config = config_for(tmp_path, db, "south", 'comparators = { region = "%s"; '
                        'missing = "%s"; england = 0.24; };' % (bench, tmp_path / "none.json"))
    p = mw.run(build, "mashwatchctl", "-c", config, "report", "--month", MONTH,
               "--format", "json")
    r = json.loads(p.stdout)
    assert r["rereferrals"]["comparators"] == {"region": median, "missing": None,
                                               "england": 0.24}
    assert "report.comparators.missing" in p.stderr and "shown as null" in p.stderr
    text = mw.run(build, "mashwatchctl", "-c", config, "report", "--month", MONTH).stdout
    assert "region %.2f%%" % (median * 100) in text
    # -t prints the path back as it was given.
    t = mw.run(build, "mashwatchd", "-t", "-d", "-c", config).stdout
    assert 'region = "%s";' % bench in t
