"""A dataset for the nightly report whose every figure is known by
construction (mashwatch-report(5)), for D = Wednesday 27 April 2022, the
week after Easter.

    rows, expected = build()
    load(db, rows)

Contacts: 2,527 children contacted in (D - 3 months, D] = 28 Jan .. 27 Apr,
of whom 365 twice, 88 three times, 28 four times, 6 five times and 2 seven
times; 300 of the once-contacted also had a contact before the window.
Referrals: 1,000 in the 12 months to D of which 150 are re-referrals.
A handful of hand-placed clocks, strategy discussions, workers and
alerts give the rest; `expected` holds each figure with the reason.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from psycopg2.extras import execute_values

LONDON = ZoneInfo("Europe/London")
D = dt.date(2022, 4, 27)
WINDOW_FIRST = dt.date(2022, 1, 28)      # D - 3 months + 1 day


def local(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=LONDON)


def on(date, hh=10, mm=0):
    return local(date.year, date.month, date.day, hh, mm)


def days_before(n):
    return D - dt.timedelta(days=n)


# Contacts per child in the three months, and how many children have each.
COUNTS = {2: 365, 3: 88, 4: 28, 5: 6, 7: 2}
CHILDREN = 2527
# Hand-placed single contacts of the children C00001..C00007.
SPECIAL = {
    "O1": dict(at=local(2022, 4, 25), stop=None),             # age 2, overdue
    "O2": dict(at=local(2022, 4, 27), stop=None),             # age 0
    "O3": dict(at=local(2022, 4, 26), stop=local(2022, 4, 28, 9)),  # open at end of D, age 1, overdue
    "O4": dict(at=local(2022, 4, 6), stop=None),              # age 13, overdue, oldest
    "L1": dict(at=local(2022, 4, 14), stop=local(2022, 4, 20, 9)),  # 2 working days, late
    "L2": dict(at=local(2022, 4, 20), stop=local(2022, 4, 25, 15)),  # 3 working days, late
    "X1": dict(at=local(2022, 4, 22), stop=local(2022, 4, 22, 9)),  # decided before received: invalid
}


def contacts():
    """(contact_id, child_id, received_at, decision_at, is_da) rows."""
    rows = []
    sizes = [1] * (CHILDREN - sum(COUNTS.values()))
    for k, n in sorted(COUNTS.items()):
        sizes += [k] * n
    specials = list(SPECIAL.items())
    n = 0
    for i, k in enumerate(sizes):
        child = "C%05d" % (i + 1)
        if i < len(specials):
            name, s = specials[i]
            rows.append((name, child, s["at"], s["stop"], False))
            continue
        for j in range(k):
            day = WINDOW_FIRST + dt.timedelta(days=(i * 7 + j * 23) % 90)
            at = on(day, 10 + i % 6)
            n += 1
            # One police DA notification in 97: screened the same day.
            rows.append(("K%06d" % n, child, at, at + dt.timedelta(hours=1),
                         k == 1 and i % 97 == 0))
        # 300 of the once-contacted had a contact before the window.
        if k == 1 and 100 <= i < 400:
            day = WINDOW_FIRST - dt.timedelta(days=1 + i % 80)
            n += 1
            rows.append(("K%06d" % n, child, on(day, 11), on(day, 12), False))
    # The edges of the window: 27 Jan 23:59 is out, 28 Jan 00:00 is in.
    rows.append(("E1", "C00500", local(2022, 1, 27, 23, 59), local(2022, 1, 28, 9), False))
    return rows


def referrals():
    """(referral_id, child_id, received_at) rows: 1,000 in the 12 months
    to D (28 Apr 2021 .. 27 Apr 2022), 150 of them re-referrals."""
    rows = []
    first = dt.date(2021, 4, 28)

    def add(child, date):
        rows.append(("R%05d" % (len(rows) + 1), child, on(date, 14)))

    for i in range(720):                       # once, nothing before
        add("P%04d" % i, first + dt.timedelta(days=i % 365))
    for i in range(100):                       # twice within the year: 1 re-referral
        add("Q%04d" % i, first + dt.timedelta(days=i))
        add("Q%04d" % i, first + dt.timedelta(days=i + 200))
    for i in range(50):                        # once, after one 8 months before
        d = dt.date(2021, 11, 1) + dt.timedelta(days=i)
        add("S%04d" % i, d - dt.timedelta(days=240))
        add("S%04d" % i, d)
    for i in range(30):                        # once, after one 15 months before
        d = dt.date(2021, 9, 1) + dt.timedelta(days=i)
        add("T%04d" % i, d - dt.timedelta(days=460))
        add("T%04d" % i, d)
    # The edges: exactly 12 months before is not within; a day less is.
    add("U0001", dt.date(2021, 4, 27))         # the day before the period
    return rows


def count_periods(dates):
    periods = {"day": (0, 0), "previous_day": (1, 1), "days_7": (6, 0),
               "previous_7": (13, 7), "days_28": (27, 0), "previous_28": (55, 28),
               "same_day_previous_week": (7, 7)}
    return {k: sum(1 for d in dates if days_before(a) <= d <= days_before(b))
            for k, (a, b) in periods.items()}


def build():
    cs = contacts()
    rs = referrals()
    ex = {}

    # Demand, straight from the dates.
    cdates = [c[2].astimezone(LONDON).date() for c in cs]
    ex["demand"] = {
        "contacts": count_periods(cdates),
        "da_notifications": count_periods([c[2].astimezone(LONDON).date() for c in cs if c[4]]),
        "referrals": count_periods([r[2].astimezone(LONDON).date() for r in rs]),
    }

    # Repeat contacts: per child, contacts dated in the window.
    per = {}
    for c in cs:
        if WINDOW_FIRST <= c[2].astimezone(LONDON).date() <= D:
            per[c[1]] = per.get(c[1], 0) + 1
    dist = {"1": 0, "2": 0, "3": 0, "4": 0, "5+": 0}
    for n in per.values():
        dist["5+" if n >= 5 else str(n)] += 1
    ex["contacts_dist"] = dist
    ex["contacts_children"] = len(per)
    top = sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    ex["contacts_most"] = [{"child": c, "count": n} for c, n in top]

    # Stops of the mass contacts: decided an hour later, 0 working days.
    def stopped(first_day, last_day, rows):
        return sum(1 for c in rows if c[3] is not None and c[0] not in SPECIAL
                   and first_day <= c[3].astimezone(LONDON).date() <= last_day)
    mass_now = stopped(days_before(27), D, cs)
    mass_week = stopped(days_before(34), days_before(7), cs)
    da = [c for c in cs if c[4]]
    ex["contact_decision"] = dict(
        stopped=mass_now + 2, within_limit=mass_now, median=0.0, p90=0.0,
        open=4, overdue=3, bands={"0": 1, "1": 1, "2-4": 1, "5-9": 0, "10+": 1},
        oldest=("O4", "C00004", 13),
        # a week earlier: O4 (overdue) and L2 (not yet due) open; L1 stopped
        week=dict(open=2, overdue=1, stopped=mass_week + 1, within_limit=mass_week))
    for name in ("da_screening", "police_notification_lag"):
        n = stopped(days_before(27), D, da)
        w = stopped(days_before(34), days_before(7), da)
        ex[name] = dict(stopped=n, within_limit=n, median=0.0 if n else None,
                        p90=0.0 if n else None, open=0, overdue=0,
                        bands={"0": 0, "1": 0, "2-4": 0, "5-9": 0, "10+": 0},
                        oldest=None, week=dict(open=0, overdue=0, stopped=w,
                                               within_limit=w))
    ex["strategy_discussion"] = dict(
        stopped=2, within_limit=1, median=1.5, p90=1.9, open=1, overdue=0,
        bands={"0": 1, "1": 0, "2-4": 0, "5-9": 0, "10+": 0},
        oldest=("S3", "G3", 0),
        week=dict(open=1, overdue=0, stopped=0, within_limit=0))
    ex["strategy_record"] = dict(
        stopped=1, within_limit=1, median=0.0, p90=0.0, open=1, overdue=1,
        bands={"0": 0, "1": 1, "2-4": 0, "5-9": 0, "10+": 0},
        oldest=("S2", "G2", 1),
        week=dict(open=0, overdue=0, stopped=0, within_limit=0))

    # Re-referrals: 720 + 200 + 50 + 30 referrals in the period.
    ex["rereferrals"] = dict(referrals=1000, rereferrals=150, rate=0.15)
    rdist = {"1": 800, "2": 100, "3": 0, "4": 0, "5+": 0}
    ex["referrals_dist"] = rdist
    return dict(contacts=cs, referrals=rs), ex


STRATEGY = [
    # id, child, identified, urgent, held, circulated, police, health
    ("S1", "G1", local(2022, 4, 19), False, local(2022, 4, 21), local(2022, 4, 21, 15), True, True),
    ("S2", "G2", local(2022, 4, 25), True, local(2022, 4, 26, 14), None, True, False),
    ("S3", "G3", local(2022, 4, 27, 9), False, None, None, False, False),
]

ALERTS = [
    # rule, instance, level, fired, resolved, acked
    ("contact_decision", "A1", "overdue", local(2022, 4, 27, 9), None, None),
    ("contact_decision", "A2", "escalated", local(2022, 4, 27, 10), None, None),
    ("contact_decision", "A3", "due_soon", local(2022, 4, 27, 11), local(2022, 4, 27, 15), None),
    ("contact_decision", "A4", "overdue", local(2022, 4, 20), None, local(2022, 4, 27, 12)),
    ("contact_decision", "A5", "escalated", local(2022, 4, 25), None, None),
    ("contact_decision", "A6", "escalated", local(2022, 4, 20), local(2022, 4, 26), None),
    ("contact_decision", "A7", "overdue", local(2022, 4, 28), None, None),
]


def load(db, data):
    conn = db.connect(autocommit=False)
    with conn, conn.cursor() as cur:
        children = sorted({c[1] for c in data["contacts"]} | {r[1] for r in data["referrals"]}
                          | {s[1] for s in STRATEGY} | {"W%03d" % i for i in range(45)})
        execute_values(cur, "insert into cms.children (child_id) values %s",
                       [(c,) for c in children], page_size=5000)
        cur.execute("insert into cms.teams (team_id, name) values ('MASH', 'Front door')")
        execute_values(cur, "insert into cms.contacts (contact_id, child_id, team_id, received_at,"
                       " decision_at, source, is_da_notification, risk_level, incident_at,"
                       " screened_at) values %s",
                       [(c[0], c[1], "MASH", c[2], c[3], "police" if c[4] else "school", c[4],
                         "standard" if c[4] else None,
                         c[2] - dt.timedelta(hours=3) if c[4] else None,
                         c[2] + dt.timedelta(hours=2) if c[4] else None)
                        for c in data["contacts"]], page_size=5000)
        execute_values(cur, "insert into cms.referrals (referral_id, child_id, team_id,"
                       " received_at) values %s",
                       [(r[0], r[1], "MASH", r[2]) for r in data["referrals"]], page_size=5000)
        # Caseloads: W1 19 children (amber), W2 21 (red), W3 5; allocated
        # long ago and never accepted, so they make no clocks or events
        # the report reads.
        cur.execute("insert into cms.workers (worker_id, team_id, name) values"
                    " ('W1', 'MASH', 'x'), ('W2', 'MASH', 'y'), ('W3', 'MASH', 'z')")
        n = 0
        for worker, k in (("W1", 19), ("W2", 21), ("W3", 5)):
            for _ in range(k):
                cur.execute("insert into cms.referrals (referral_id, child_id, team_id, worker_id,"
                            " received_at, allocated_at) values (%s, %s, 'MASH', %s,"
                            " '2019-01-01', '2019-01-02')",
                            ("WR%03d" % n, "W%03d" % (n % 45), worker))
                n += 1
        for s in STRATEGY:
            cur.execute("insert into cms.strategy_discussions (strategy_id, child_id, team_id,"
                        " identified_at, urgent, held_at, record_circulated_at, police_attended,"
                        " health_attended) values (%s, %s, 'MASH', %s, %s, %s, %s, %s, %s)", s)
    conn.close()


def load_alerts(db):
    for a in ALERTS:
        db.execute("insert into mashwatch.alerts (rule, instance_id, level, fired_at,"
                   " resolved_at, resolution, acked_at, acked_by) values"
                   " (%s, %s, %s, %s, %s, %s, %s, %s)",
                   (a[0], a[1], a[2], a[3], a[4], "met" if a[4] else None, a[5],
                    "tester" if a[5] else None))
