"""Three authorities' sources for the regional benchmark, October 2022,
every figure known by construction: the rows are generated from a few
numbers per authority, and `expected()` works each figure out from the
rows themselves by the definitions of mashwatch-report(5) (repeat contact
and re-referral: an earlier one dated within the 12 months before), not
from the numbers.

    seed(db, AUTHORITIES["north"])      rows into a fresh cms database
    expected(AUTHORITIES["north"])      the figures of its extract

Every day is a working day (mw.EVERY_DAY), so durations are whole days.
"""

import datetime as dt
import statistics
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
MONTH = "2022-10"
FIRST = dt.date(2022, 10, 1)
LAST = dt.date(2022, 10, 31)
RED = 20

# Per authority: children contacted once in the month, twice (the second
# a repeat), once in the month after one in July (a repeat) or after one
# 13 months before (not a repeat); contacts decided late (4 days) among
# the once-contacted; police DA notifications received in time (2 hours
# after the incident) and late (5 days after); children referred once in
# the month, and re-referred (a referral in July and one in the month);
# workers above red (21 children each) and others (5 each).
AUTHORITIES = {
    "north": dict(once=60, twice=12, recent=4, old=6, late=9, da_ok=14, da_late=3,
                  ref=40, reref=9, red=2, workers=8),
    # Three re-referrals and one worker above red: primary suppression.
    "south": dict(once=45, twice=3, recent=2, old=3, late=40, da_ok=8, da_late=6,
                  ref=33, reref=3, red=1, workers=6),
    "east": dict(once=90, twice=20, recent=7, old=2, late=8, da_ok=14, da_late=20,
                 ref=70, reref=12, red=0, workers=11),
}


def at(d, hh, mm=0):
    return dt.datetime(d.year, d.month, d.day, hh, mm, tzinfo=LONDON)


def rows(spec):
    """contacts (id, child, received, decided, da, incident), referrals
    (id, child, received), workers (id, cases)."""
    contacts, referrals = [], []
    n = 0

    def contact(child, d, late=False, da=None):
        nonlocal n
        n += 1
        received = at(d, 10)
        decided = received + (dt.timedelta(days=4) if late else dt.timedelta(hours=1))
        incident = None
        if da is not None:
            incident = received - (dt.timedelta(days=5) if da == "late" else dt.timedelta(hours=2))
        contacts.append(("K%05d" % n, child, received, decided, da is not None, incident))

    def day(i):
        return FIRST + dt.timedelta(days=i % 24)     # 1..24 Oct: decided in the month

    c = 0
    for i in range(spec["once"]):
        c += 1
        contact("C%05d" % c, day(i), late=i < spec["late"])
    for i in range(spec["twice"]):
        c += 1
        contact("C%05d" % c, day(i))
        contact("C%05d" % c, day(i) + dt.timedelta(days=3))
    for i in range(spec["recent"]):
        c += 1
        contact("C%05d" % c, dt.date(2022, 7, 5 + i))
        contact("C%05d" % c, day(i))
    for i in range(spec["old"]):
        c += 1
        contact("C%05d" % c, dt.date(2021, 9, 1 + i))
        contact("C%05d" % c, day(i))
    for i in range(spec["da_ok"] + spec["da_late"]):
        c += 1
        contact("C%05d" % c, day(i), da="late" if i < spec["da_late"] else "ok")
    r = 0
    for i in range(spec["ref"]):
        c += 1
        r += 1
        referrals.append(("R%05d" % r, "C%05d" % c, at(day(i), 14)))
    for i in range(spec["reref"]):
        c += 1
        r += 1
        referrals.append(("R%05d" % r, "C%05d" % c, at(dt.date(2022, 7, 1 + i), 14)))
        r += 1
        referrals.append(("R%05d" % r, "C%05d" % c, at(day(i), 15)))
    workers = [("W%02d" % w, 21 if w < spec["red"] else 5) for w in range(spec["workers"])]
    return contacts, referrals, workers


def seed(db, spec):
    contacts, referrals, workers = rows(spec)
    conn = db.connect(autocommit=False)
    with conn, conn.cursor() as cur:
        children = {x[1] for x in contacts} | {x[1] for x in referrals}
        children |= {"X%02d%03d" % (w, k) for w in range(len(workers)) for k in range(21)}
        for child in sorted(children):
            cur.execute("insert into cms.children (child_id) values (%s)", (child,))
        cur.execute("insert into cms.teams (team_id, name) values ('MASH', 'Front door')")
        for k in contacts:
            da = k[4]
            cur.execute("insert into cms.contacts (contact_id, child_id, team_id, received_at,"
                        " decision_at, source, is_da_notification, risk_level, incident_at,"
                        " screened_at) values (%s, %s, 'MASH', %s, %s, %s, %s, %s, %s, %s)",
                        (k[0], k[1], k[2], k[3], "police" if da else "school", da,
                         "standard" if da else None, k[5],
                         k[2] + dt.timedelta(hours=1) if da else None))
        for x in referrals:
            cur.execute("insert into cms.referrals (referral_id, child_id, team_id, received_at)"
                        " values (%s, %s, 'MASH', %s)", x)
        # Caseloads: cases allocated in 2019, before anything the report reads.
        for w, (worker, cases) in enumerate(workers):
            cur.execute("insert into cms.workers (worker_id, team_id, name) values"
                        " (%s, 'MASH', 'x')", (worker,))
            for k in range(cases):
                cur.execute("insert into cms.referrals (referral_id, child_id, team_id, worker_id,"
                            " received_at, allocated_at) values (%s, %s, 'MASH', %s,"
                            " '2019-01-01', '2019-01-02')",
                            ("WR%02d%03d" % (w, k), "X%02d%03d" % (w, k), worker))
    conn.close()


def _local_date(t):
    return t.astimezone(LONDON).date()


def _within_12_months(earlier, later):
    """earlier dated in (later - 12 months, later]."""
    first = later.replace(year=later.year - 1) + dt.timedelta(days=1)
    return first <= earlier <= later


def _repeats(events, first, last):
    """Events (child, instant) dated in [first, last] whose child had an
    earlier one dated within the 12 months before."""
    n = 0
    for child, t in events:
        d = _local_date(t)
        if not first <= d <= last:
            continue
        if any(c == child and u < t and _within_12_months(_local_date(u), d)
               for c, u in events):
            n += 1
    return n


def expected(spec):
    """The extract's figures, from the rows."""
    contacts, referrals, workers = rows(spec)
    in_month = [k for k in contacts if FIRST <= _local_date(k[2]) <= LAST]
    refs = [(x[1], x[2]) for x in referrals]
    year_first = dt.date(2021, 11, 1)

    def clock(pairs, limit_days):
        """Stopped in the month; in time when stopped by the end of the
        limit's last working day (every day is one here)."""
        stopped = [(s, e) for s, e in pairs if FIRST <= _local_date(e) <= LAST]
        days = [(_local_date(e) - _local_date(s)).days for s, e in stopped]
        return dict(stopped=len(stopped),
                    within_limit=sum(1 for d in days if d <= limit_days),
                    median_working_days=statistics.median(days) if days else None)

    return dict(
        contacts=len(in_month),
        repeat_contacts=_repeats([(k[1], k[2]) for k in contacts], FIRST, LAST),
        referrals=sum(1 for x in referrals if FIRST <= _local_date(x[2]) <= LAST),
        referrals_12_months=sum(1 for x in referrals if year_first <= _local_date(x[2]) <= LAST),
        rereferrals_12_months=_repeats(refs, year_first, LAST),
        workers=len(workers), red=sum(1 for _, n in workers if n > RED),
        contact_decision=clock([(k[2], k[3]) for k in contacts], 1),
        police_notification_lag=clock([(k[5], k[2]) for k in contacts if k[4]], 1),
    )
