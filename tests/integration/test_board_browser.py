"""The board in a real browser: headless Chromium driven by chromedriver
(Debian's chromium-driver and python3-selenium) against a live daemon on
PostgreSQL.  The proxy's identity header is added by the browser itself
(DevTools Network.setExtraHTTPHeaders), as the council's proxy would."""

import email
import email.policy
import shutil
import re
import signal
import tempfile

import pytest

import boardhelp as bh
import mw
import notifyhelp as nh

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service as ChromeService  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402


def wait(drv, cond):
    """Until cond(drv), for 15 s.  The page redraws the board when the
    data changes, so an element found a moment ago can be gone: look
    again rather than fail."""
    return WebDriverWait(drv, 15, ignored_exceptions=(
        StaleElementReferenceException,)).until(cond)


def browser(user, profile):
    o = webdriver.ChromeOptions()
    o.binary_location = shutil.which("chromium")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--user-data-dir=%s" % profile):
        o.add_argument(arg)
    service = ChromeService(executable_path=shutil.which("chromedriver"))
    d = webdriver.Chrome(options=o, service=service)
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"X-Remote-User": user,
                                                             bh.PROXY_HEADER: bh.SECRET}})
    return d


def teams_on(d):
    return [s.get_attribute("data-team") for s in d.find_elements(By.CSS_SELECTOR, "section.team")]


def test_board_in_chromium(db, build, tmp_path):
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.skip("chromium and chromium-driver are not installed (scripts/bootstrap)")
    bh.teams(db)
    bh.contacts(db, [("C1", "P-OLD", "T1", 30), ("C2", bh.HOSTILE, "T1", 5),
                     ("C3", "P-WEST", "T2", 10)])
    d, port, conf = bh.start(db, build, tmp_path,
                             notify='reminder_at = "%s";' % mw.quiet_reminder_at(),
                             calendar=mw.every_day_calendar(tmp_path))
    url = "http://127.0.0.1:%d" % port
    drivers = []
    try:
        mw.wait_for(lambda: db.query("select count(*) from mashwatch.alerts "
                                     "where level = 'escalated'")[0][0] >= 3,
                    timeout=30, what="escalations")
        # The right teams in the right order: an admin sees T1, T2, T3.
        admin = browser("admin@example.org", tempfile.mkdtemp(dir=tmp_path))
        drivers.append(admin)
        admin.get(url + "/board")
        assert teams_on(admin) == ["T1", "T2", "T3"]
        m1 = browser("m1@example.org", tempfile.mkdtemp(dir=tmp_path))
        drivers.append(m1)
        m1.get(url + "/board")
        assert teams_on(m1) == ["T1"]
        cases = [e.text for e in m1.find_elements(By.CSS_SELECTOR, "section.team span.case")]
        # Oldest due first; the HTML in a reference is shown as text.
        assert cases == ["P-OLD", bh.HOSTILE]
        assert m1.execute_script("return document.querySelectorAll('img').length") == 0

        # A new overdue contact appears without a reload.
        m1.execute_script("window.notReloaded = true;")
        bh.contacts(db, [("C9", "P-NEW", "T1", 20)])
        wait(m1, lambda drv: "P-NEW" in drv.find_element(
            By.ID, "board").text)
        assert m1.execute_script("return window.notReloaded === true")
        cases = [e.text for e in m1.find_elements(By.CSS_SELECTOR, "section.team span.case")]
        assert cases == ["P-OLD", "P-NEW", bh.HOSTILE]

        # A forged POST without the token is refused.
        status = m1.execute_async_script(
            "var done = arguments[0];"
            "fetch('/ack', {method: 'POST', headers: {'Content-Type': "
            "'application/x-www-form-urlencoded'}, body: 'alert=1&note=forged'})"
            ".then(function (r) { done(r.status); });")
        assert status == 403
        assert db.query("select count(*) from mashwatch.alerts where acked_at is not null")[0][0] == 0

        # Acknowledge P-OLD from the page.
        wait(m1, lambda drv: drv.find_elements(
            By.CSS_SELECTOR, "tr[data-instance='C1'] form.ack"))
        for attempt in range(3):
            # A redraw between finding the row and clicking makes it stale
            # (typing a note stops the redraws): find it again.
            try:
                row = m1.find_element(By.CSS_SELECTOR, "tr[data-instance='C1']")
                note = row.find_element(By.NAME, "note")
                note.clear()
                note.send_keys("rang the school")
                row.find_element(By.CSS_SELECTOR, "button").click()
                break
            except StaleElementReferenceException:
                if attempt == 2:
                    raise
        wait(m1, lambda drv: "acknowledged." in drv.find_element(
            By.ID, "board").text)
        acked = db.query("select alert_id, acked_by, ack_note from mashwatch.alerts "
                         "where child_id = 'P-OLD' and acked_at is not null")
        assert acked and all(a[1:] == ("m1@example.org", "rang the school") for a in acked)
        wait(m1, lambda drv: "by m1@example.org" in drv.find_element(
            By.CSS_SELECTOR, "tr[data-instance='C1']").text)
        hist = mw.run(build, "mashwatchctl", "-c", conf, "history", "--child", "P-OLD").stdout
        assert "by m1@example.org" in hist and "rang the school" in hist

        # ... and the morning reminder leaves it out: the alerts were raised
        # yesterday (a digest lists what was raised before its instant);
        # move reminder_at to now.
        db.execute("update mashwatch.alerts set created_at = created_at - interval '1 day'")
        outbox = tmp_path / "outbox"
        before = set(outbox.glob("*.eml")) if outbox.exists() else set()
        conf.write_text(re.sub(r'reminder_at = "[0-9:]+";', 'reminder_at = "00:00";',
                                  conf.read_text()))
        d.proc.send_signal(signal.SIGHUP)

        def digests():
            found = []
            for p in set(outbox.glob("*.eml")) - before:
                text = p.read_text(errors="replace")
                if "morning digest" in text and "To: m1@example.org" in text:
                    found.append(text)
            return found
        digest = mw.wait_for(digests, timeout=30, what="the morning digest to m1")[0]
        # P-OLD may have arrived out of hours: the handover lists it.
        text = nh.without_handover(nh.body_text(email.message_from_string(
            digest, policy=email.policy.default)))
        assert "P-NEW" in text and "P-OLD" not in text
    finally:
        for drv in drivers:
            drv.quit()
        assert d.stop() == 0
