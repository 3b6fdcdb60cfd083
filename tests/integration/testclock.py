"""The integration tests' clock: one instant that the tests, PostgreSQL and
the mashwatch binaries agree on.

By default it is the wall clock.  With MASHWATCH_TEST_NOW set to a local
time in Europe/London ("2026-11-30T08:29:00"), the whole session runs at
that instant instead: every PostgreSQL server and every mashwatch binary
the tests start runs under Debian's libfaketime with the same offset
(faketime's "+Ns" form, so time still passes), and now() here returns the
same shifted time.  The daemon's clock, the database's now() and the rows a
test writes then never disagree, and CI can run the suite at the instants
that matter (a Monday at 08:29 and 08:31, a Saturday night, the night the
clocks change) whatever the hour it really is.

    now()           aware UTC datetime of the test clock
    hours_ago(h)    now() - h hours
    local_now()     now() in Europe/London
    env(base)       base (default os.environ) plus what makes a child
                    process run on the test clock
    offset_for(t)   the offset of another pinned local time, for env(offset=)
"""

import glob
import os
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
# Debian's faketime package, whatever the architecture.
LIBFAKETIME = (glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1") or [""])[0]


def _offset():
    return offset_for(os.environ.get("MASHWATCH_TEST_NOW", "").strip())


def offset_for(pinned):
    """Seconds from the wall clock to pinned, a local time in Europe/London
    ("2026-12-05T14:00:00"), or 0 for ""."""
    if not pinned:
        return 0
    at = datetime.fromisoformat(pinned)
    if at.tzinfo is None:
        at = at.replace(tzinfo=LONDON)
    if not LIBFAKETIME:
        raise RuntimeError("MASHWATCH_TEST_NOW needs libfaketime (apt-get install faketime)")
    return int(at.timestamp() - datetime.now(timezone.utc).timestamp())


# Fixed for the session, so every process started later shares it.
OFFSET = _offset()


def now():
    return datetime.now(timezone.utc) + timedelta(seconds=OFFSET)


def hours_ago(h):
    return now() - timedelta(hours=h)


def local_now():
    return now().astimezone(LONDON)


def timestamp():
    """time.time() on the test clock."""
    return now().timestamp()


def env(base=None, offset=None):
    """offset: another pinned instant's (offset_for), for one child only."""
    e = dict(os.environ if base is None else base)
    offset = OFFSET if offset is None else offset
    if offset:
        e["LD_PRELOAD"] = LIBFAKETIME
        e["FAKETIME"] = "%+ds" % offset
        # Timers and timeouts keep running on the real monotonic clock.
        e["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
        # libfaketime is preloaded before an ASan build's runtime.
        opts = e.get("ASAN_OPTIONS", "")
        e["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "verify_asan_link_order=0"
    return e
