"""mashwatchctl report against a dataset whose every figure is known by
construction (reportdata.py): each figure of the JSON is asserted, the CSV
and the text agree, and the HTML is rendered by headless Chromium to a PNG
kept under tests/artefacts/.
"""

import csv
import io
import json

import pytest

import mw
import reportdata
import reporthelp


@pytest.fixture
def loaded(db, build, tmp_path):
    config = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, extra="""
report: { at = "07:00"; archive = "%s";
          comparators = { statistical_neighbours = 0.21; england = 0.24; }; };
""" % (tmp_path / "archive"))
    mw.migrate(build, config)
    data, expected = reportdata.build()
    reportdata.load(db, data)
    reportdata.load_alerts(db)
    return config, expected


def report(build, config, fmt):
    p = mw.run(build, "mashwatchctl", "-c", config, "report", "--date", "2022-04-27",
               "--format", fmt)
    return p


def test_every_json_figure(loaded, build):
    config, ex = loaded
    p = report(build, config, "json")
    assert "report: read" in p.stderr          # progress is logged
    r = json.loads(p.stdout)

    assert r["date"] == "2022-04-27"
    assert r["timezone"] == "Europe/London"
    assert r["generated_at"][-6:] in ("+01:00", "+00:00")
    assert r["headline"][0] == "4 items overdue at the end of the day (a week earlier: 1)."

    demand = {d["measure"]: d for d in r["demand"]}
    assert set(demand) == {"contacts", "da_notifications", "referrals"}
    for m, want in ex["demand"].items():
        got = {k: v for k, v in demand[m].items() if k not in ("measure", "label")}
        assert got == want, m

    clocks = {c["clock"]: c for c in r["clocks"]}
    assert list(clocks) == list(mw.CLOCKS)
    for name, c in clocks.items():
        want = ex.get(name)
        if want is None:        # no rows at all
            want = dict(stopped=0, within_limit=0, median=None, p90=None, open=0,
                        overdue=0, bands={"0": 0, "1": 0, "2-4": 0, "5-9": 0, "10+": 0},
                        oldest=None, week=dict(open=0, overdue=0, stopped=0,
                                               within_limit=0))
        assert c["label"] == name      # the config defaults a label to the name
        assert c["limit"] == mw.CLOCKS[name]["limit"]
        assert c["stopped"] == want["stopped"], name
        assert c["within_limit"] == want["within_limit"], name
        share = round(want["within_limit"] / want["stopped"], 4) if want["stopped"] else None
        assert c["share_within_limit"] == share, name
        assert c["median_working_days"] == want["median"], name
        assert c["p90_working_days"] == pytest.approx(want["p90"]) if want["p90"] \
            else c["p90_working_days"] == want["p90"], name
        assert c["open"] == want["open"], name
        assert c["overdue"] == want["overdue"], name
        assert c["age_bands"] == want["bands"], name
        if want["oldest"] is None:
            assert c["oldest"] is None, name
        else:
            assert (c["oldest"]["instance"], c["oldest"]["child"],
                    c["oldest"]["age_working_days"]) == want["oldest"], name
        w = c["week_ago"]
        assert w["open"] == want["week"]["open"], name
        assert w["overdue"] == want["week"]["overdue"], name
        assert w["stopped"] == want["week"]["stopped"], name
        assert w["within_limit"] == want["week"]["within_limit"], name
    assert clocks["contact_decision"]["oldest"]["started_at"] == "2022-04-06T10:00:00+01:00"
    assert clocks["contact_decision"]["stopped"] > 500     # the dataset is not trivial

    rep = {x["rule"]: x for x in r["repeats"]}
    rc = rep["repeat_contacts"]
    assert (rc["kind"], rc["window"]) == ("contact", "3 months")
    assert rc["children"] == 2527 == ex["contacts_children"]
    assert rc["distribution"] == {"1": 2038, "2": 365, "3": 88, "4": 28, "5+": 8}
    assert rc["distribution"] == ex["contacts_dist"]
    assert rc["most"] == ex["contacts_most"]
    assert [m["count"] for m in rc["most"]] == [7, 7, 5, 5, 5, 5, 5, 5, 4, 4]
    rr = rep["re_referral"]
    assert (rr["kind"], rr["window"], rr["children"]) == ("referral", "12 months", 900)
    assert rr["distribution"] == ex["referrals_dist"]

    assert r["rereferrals"] == dict(ex["rereferrals"], comparators={
        "statistical_neighbours": 0.21, "england": 0.24})

    assert r["checks"] == [
        {"check": "strategy_attendance", "label": "strategy_attendance", "window": "28 days",
         "total": 2, "failed": 1},
        {"check": "s47_without_strategy", "label": "s47_without_strategy", "window": "28 days",
         "total": 0, "failed": 0}]
    assert r["caseloads"] == {"workers": 3, "amber": 1, "red": 1,
                              "amber_threshold": 18, "red_threshold": 20,
                              # issue 18: named by reference, highest first
                              "listed": [
                                  {"worker": "W2", "team": "MASH", "open_cases": 21,
                                   "level": "red"},
                                  {"worker": "W1", "team": "MASH", "open_cases": 19,
                                   "level": "amber"}]}
    assert r["alerts"] == {"raised": 3, "resolved": 1, "escalated": 1,
                           "acknowledged": 1, "escalations_open": 2}
    assert r["invalid"] == 1


def flatten(prefix, v, out):
    if isinstance(v, dict):
        for k, x in v.items():
            flatten(prefix + [k], x, out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            name = next((x[k] for k in ("clock", "rule", "check", "measure", "child",
                                        "team", "worker", "end", "agency", "month",
                                        "source")
                         if isinstance(x, dict) and isinstance(x.get(k), str)), str(i + 1))
            # An exception: one clock and one reason (none: no reason).
            if isinstance(x, dict) and "reason" in x and isinstance(x.get("clock"), str):
                name = "%s.%s" % (x["clock"], x["reason"] or "none")
            flatten(prefix + name.split("."), x, out)
    else:
        out[tuple(prefix)] = v


def test_csv_and_text_agree_with_json(loaded, build):
    config, _ = loaded
    r = json.loads(report(build, config, "json").stdout)
    rows = list(csv.reader(io.StringIO(report(build, config, "csv").stdout, newline="")))
    assert rows[0] == ["section", "key", "value"]
    flat = {}
    flatten([], r, flat)
    got = {}
    for section, key, value in rows[1:]:
        got[(section,) + tuple(key.split(".")) if section != "report" else (key,)] = value
    # One row per figure; generated_at differs between the two runs.
    assert set(got) == set(flat)
    for k, v in flat.items():
        if k == ("generated_at",):
            continue
        want = "" if v is None else ("%.10g" % v if isinstance(v, float) else str(v))
        assert got[k] == want, k

    text = report(build, config, "text").stdout
    assert "MASH front door report for 2022-04-27" in text
    assert "2527 children in 3 months: 1: 2038, 2: 365, 3: 88, 4: 28, 5+: 8" in text
    assert "150 of 1000 referrals: 15.00%" in text


def test_html_renders(loaded, build):
    config, _ = loaded
    html = report(build, config, "html").stdout
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "http://" not in html and "https://" not in html
    assert html.index("overdue now") < html.index("1. Demand")
    reporthelp.render(html, "report", (("report.png", "1000,2600"),
                                       ("report-phone.png", "400,3600")))
