"""Helpers for the notification tests: a real SMTP server (aiosmtpd) that
collects what arrives, a config that sends to it, and cms rows to alert on."""

import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller

import mw
import testclock


class Collector:
    """aiosmtpd handler: every message that arrives, parsed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), msg, envelope.content))
        return "250 OK queued as test"

    def all(self):
        with self.lock:
            return list(self.messages)


class SmtpServer:
    """A real SMTP server on a fixed port that can be stopped and started
    again (the outage test)."""

    def __init__(self, port=None):
        self.port = port or mw.free_port()
        self.collector = Collector()
        self.controller = None

    def start(self):
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


def write_config(tmp_path, db, smtp_port, clocks=None, notify="", calendar=None):
    """A test config whose notify group sends to the SMTP server at smtp_port."""
    notify_group = ('notify: { transport = "smtp"; smtp_url = "smtp://127.0.0.1:%d"; '
                    'require_starttls = false; from = "mashwatch@example.org"; '
                    'group_wait = 2; group_interval = 0; retry_max = 60; '
                    'link = "https://cms.example.org/child/{child}"; %s%s };'
                    % (smtp_port, notify, "" if "reminder_at" in notify else
                       ' reminder_at = "%s";' % mw.quiet_reminder_at()))
    return mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, clocks=clocks,
                           poll_interval=1, notify=notify_group, calendar=calendar)


def hours_ago(h):
    return testclock.hours_ago(h)


def add_team(db, team, name, manager, escalation=None):
    db.execute("insert into cms.teams (team_id, name, manager_email, escalation_email) "
               "values (%s, %s, %s, %s)", (team, name, manager, escalation))


def add_contacts(db, rows):
    """rows: (contact_id, child_id, team_id, received_at)."""
    conn = db.connect(autocommit=False)
    try:
        with conn, conn.cursor() as cur:
            for cid, child, team, received in rows:
                cur.execute("insert into cms.children (child_id) values (%s) "
                            "on conflict do nothing", (child,))
                cur.execute("insert into cms.contacts (contact_id, child_id, team_id, "
                            "received_at, source) values (%s, %s, %s, %s, 'school')",
                            (cid, child, team, received))
    finally:
        conn.close()


def add_findings(db, n, prefix="", team="T1"):
    """n data-quality findings of team, as the store writes them for
    invalid source rows (alert and 'raised' outbox row), and a NOTIFY to
    the notifier; instance ids row:PREFIX1 ... row:PREFIXn."""
    db.execute("""
        with a as (
          insert into mashwatch.alerts (rule, instance_id, level, team_id, fired_at)
          select 'invalid', 'row:' || %s || g, 'data_quality', %s, now()
          from generate_series(1, %s) g returning alert_id)
        insert into mashwatch.notifications (alert_id, event)
        select alert_id, 'raised' from a""", (prefix, team, n))
    db.execute("notify mashwatch_outbox")


def body_text(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def without_handover(text):
    """A digest's text without its "Arrived out of hours" section (which
    lists every clock that started while the office was closed, acknowledged
    or not): what the rest of the digest says, whatever the hour a test ran."""
    start = text.find("\n== Arrived out of hours (")
    if start < 0:
        return text
    ends = [i for i in (text.find("\n== ", start + 1), text.find("\n-- \n", start + 1))
            if i >= 0]
    return text[:start] + (text[min(ends):] if ends else "")


def body_html(msg):
    return msg.get_body(preferencelist=("html",)).get_content()


def wait_messages(server, n, timeout=60):
    return mw.wait_for(lambda: len(server.collector.all()) >= n and server.collector.all(),
                       timeout=timeout, what="%d messages" % n)


def settle(seconds):
    time.sleep(seconds)
