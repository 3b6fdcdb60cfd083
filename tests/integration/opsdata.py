"""A small, unambiguous data set for the operations tests.

Every open item is either an hour old (on time under any limit) or at least
20 days old (overdue under a limit of a few working days, on time under 45
working days), so the counts /metrics must show can be read straight from
mash.clocks.  Child and instance ids carry a marker that must never appear
in /metrics or in the log.
"""
import re
import urllib.request

SECRET = "SECRET"
# A team id with a quote and a backslash: /metrics must escape it.
ODD_TEAM = 'EAST "1"\\x'


def load(db):
    db.execute("insert into cms.teams (team_id, name) values ('MASH', 'MASH'), (%s, 'East')",
               (ODD_TEAM,))
    for i in range(1, 11):
        db.execute("insert into cms.children (child_id, name) values (%s, %s)",
                   ("CHILD-%s-%d" % (SECRET, i), "Name %s %d" % (SECRET, i)))

    def contact(n, child, team, age, decided=None, da=False):
        db.execute(
            "insert into cms.contacts (contact_id, child_id, team_id, received_at, source,"
            " decision_at, is_da_notification, incident_at, risk_level) values"
            " (%s, %s, %s, now() - %s::interval, %s, now() - %s::interval, %s,"
            "  case when %s then now() - %s::interval - interval '1 day' end,"
            "  case when %s then 'standard' end)",
            ("CONTACT-%s-%d" % (SECRET, n), "CHILD-%s-%d" % (SECRET, child), team, age,
             "police" if da else "school", decided, da, da, age, da))

    contact(1, 1, "MASH", "30 days")
    contact(2, 2, "MASH", "30 days")
    contact(3, 3, "MASH", "25 days")
    contact(4, 4, "MASH", "1 hour")
    contact(5, 5, "MASH", "1 hour")
    contact(6, 6, ODD_TEAM, "27 days", decided="26 days")
    contact(7, 7, ODD_TEAM, "20 days")
    contact(8, 8, ODD_TEAM, "30 days", da=True)
    contact(9, 9, ODD_TEAM, "30 days", da=True)
    contact(10, 10, ODD_TEAM, "1 hour", da=True)


def expected(db, clocks=("contact_decision", "da_screening")):
    """{(clock, team): (open, overdue)} from the database."""
    rows = db.query(
        "select clock, team_id, count(*),"
        " count(*) filter (where started_at < now() - interval '10 days')"
        " from mash.clocks where stopped_at is null and clock = any(%s)"
        " group by clock, team_id", (list(clocks),))
    return {(c, t): (o, d) for c, t, o, d in rows}


def http_port(daemon, port):
    daemon.wait_log("http: listening on 127.0.0.1:%d" % port)
    return port


def get(port, path):
    """(status, body) of GET path."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


SAMPLE = re.compile(r'^(?P<name>[a-z_]+)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{name: {frozenset(labels): value}} from the text format; checks every
    sample has HELP and TYPE lines before it."""
    out, helped, typed = {}, set(), set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split()[2])
        elif line.startswith("# TYPE "):
            typed.add(line.split()[2])
        else:
            m = SAMPLE.match(line)
            assert m, "not a sample line: %r" % line
            name = m["name"]
            assert name in helped and name in typed, "no HELP/TYPE for %s" % name
            labels = frozenset((k, unescape(v)) for k, v in LABEL.findall(m["labels"] or ""))
            out.setdefault(name, {})[labels] = float(m["value"])
    return out


def per_clock(metrics, name):
    """{(clock, team): value} of a per-clock series, team '' read as None."""
    return {(dict(k)["clock"], dict(k)["team"] or None): int(v)
            for k, v in metrics.get(name, {}).items()}
