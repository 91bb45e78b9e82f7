"""Notices reach residents by e-mail and text message, once, through the job queue.

Real worker processes (``python -m sync.hub.jobs``) on the platform's
PostgreSQL, a local SMTP server (aiosmtpd) and a local fake of the text
provider's API. Two workers run; one is killed in the middle of a delivery,
before or after the provider took the message: the other finishes it, and
each fake records the notice once (a retry carries the same key).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import select, text

from sync.hub.models import Notice, NoticeDelivery

from pg import free_port
from platformkit import drain, stock


class FakeSmtp:
    """An SMTP server that keeps each message once by its Message-ID, and can hold
    a delivery before or after taking it (while the test kills the sender)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: dict[str, bytes] = {}
        self.attempts: list[str] = []
        self.hold: str | None = None  # "before" | "after": the next delivery waits for release
        self.holding = threading.Event()
        self.release = threading.Event()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.controller.start()
        self.port = self.controller.port

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        key = message_from_bytes(envelope.content)["Message-ID"]
        self.attempts.append(key)
        hold, self.hold = self.hold, None
        if hold == "before":
            self.holding.set()
            await asyncio.to_thread(self.release.wait, 60)
        self.messages.setdefault(key, envelope.content)
        if hold == "after":
            self.holding.set()
            await asyncio.to_thread(self.release.wait, 60)
        return "250 OK"

    def stop(self) -> None:
        self.release.set()
        self.controller.stop()


class FakeProvider:
    """The text provider's message API: one message per Idempotency-Key."""

    def __init__(self) -> None:
        received: dict[str, dict] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                assert self.path == "/messages/v4/send"
                assert self.headers["Authorization"].startswith("HMAC-SHA256 apiKey=test-key")
                received.setdefault(self.headers["Idempotency-Key"], body["message"])
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.received = received
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture
def fakes():
    smtp, sms = FakeSmtp(), FakeProvider()
    yield smtp, sms
    smtp.stop()
    sms.stop()


def _worker(platform, smtp, sms):
    env = {**os.environ, "NANUM_SMTP_HOST": "127.0.0.1", "NANUM_SMTP_PORT": str(smtp.port),
           "NANUM_SMTP_FROM": "nanum@example.org", "NANUM_SMS_URL": sms.url, "NANUM_SMS_KEY": "test-key",
           "NANUM_SMS_SECRET": "test-secret", "NANUM_SMS_FROM": "0212345678", "NANUM_QUIET_HOURS": "",
           "NANUM_NOTICE_SWEEP_CRON": "* * * * * */1", "NANUM_WORKER_HEARTBEAT_S": "0.5",
           "NANUM_WORKER_STALLED_S": "3"}
    return subprocess.Popen([sys.executable, "-m", "sync.hub.jobs", "--db", platform.db_url()], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _until(what, timeout=60.0, procs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return
        for p in procs:
            if p.poll() is not None and p.returncode not in (-signal.SIGKILL,):
                raise AssertionError(p.stderr.read().decode()[-2000:])
        time.sleep(0.1)
    raise AssertionError("timed out")


def _sent(platform):
    with platform.session() as s:
        return sorted((d.channel, d.status) for d in s.execute(select(NoticeDelivery)).scalars())


def _member_with_contact(platform, k, client, name, email, phone, consent=True):
    member, card = k.members.add(name)
    k.members.set_pin(member.number, "2468")
    drain(k, client)
    with httpx.Client(base_url=platform.url) as web:
        web.post("/me/signin?lang=ko", data={"member": member.number, "secret": "2468"})
        page = web.get("/me").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        form = {"csrf": csrf, "email": email, "phone": phone}
        if consent:
            form.update(email_ok="1", sms_ok="1")
        saved = web.post("/me/notices?lang=en", data=form)
        assert saved.status_code == 200 and "saved" in saved.text
    return member


def _reserve_on_the_page(platform, member, code):
    made = httpx.post(platform.url + f"/i/GN01/{code}/reserve?lang=en",
                      data={"member": member.number, "secret": "2468"})
    assert made.status_code == 201, made.text


@pytest.mark.parametrize("killed", ["before", "after"])
def test_a_ready_reservation_is_told_once_by_mail_and_text_even_when_a_worker_dies(platform, fakes, killed):
    smtp, sms = fakes
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    codes, _ = stock(k, items=3, members=0)
    member = _member_with_contact(platform, k, client, "김나눔", "nanum@example.org", "010-1234-5678")
    quiet = _member_with_contact(platform, k, client, "이조용", "quiet@example.org", "01099998888",
                                 consent=False)
    _reserve_on_the_page(platform, member, codes[0])
    _reserve_on_the_page(platform, quiet, codes[1])
    drain(k, client)  # the kiosk holds both: the platform writes a "ready" notice for each
    with platform.session() as s:
        assert len(s.execute(select(Notice)).scalars().all()) == 2

    smtp.hold = killed
    first = _worker(platform, smtp, sms)
    second = None
    try:
        _until(smtp.holding.is_set, procs=[first])
        second = _worker(platform, smtp, sms)  # two workers share the queue
        first.send_signal(signal.SIGKILL)  # killed in the middle of the e-mail
        first.wait(10)
        smtp.release.set()
        _until(lambda: _sent(platform) == [("email", "sent"), ("sms", "sent")], procs=[second])
        time.sleep(0.5)  # nothing more arrives, though both sweeps keep running
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.terminate()
                p.wait(10)
    assert list(smtp.messages) == [f"<nanum-notice-{_notice_of(platform, member)}-email@nanum-kiosk>"]
    assert len(sms.received) == 1
    [text] = sms.received.values()
    assert text["to"] == "01012345678" and "T-00001" in text["text"]
    mail = message_from_bytes(next(iter(smtp.messages.values())))
    assert mail["To"] == "nanum@example.org"
    if killed == "after":
        assert len(smtp.attempts) == 2 and len(set(smtp.attempts)) == 1  # the retry used the same key
    # the member who did not agree got nothing
    assert all("quiet@" not in m.decode(errors="replace") for m in smtp.messages.values())
    assert all(t["to"] != "01099998888" for t in sms.received.values())


def _notice_of(platform, member):
    with platform.session() as s:
        return s.execute(select(Notice.id).where(Notice.member_number == member.number)).scalar_one()


def test_quiet_hours_hold_a_notice_until_the_morning(platform):
    from sync.hub import notices
    from sync.hub.models import NoticeContact

    with platform.session() as s:
        s.add(NoticeContact(member_number="M-900001", email="a@example.org", email_consent_at="2026-12-01",
                            consent_version=notices.CONSENT_VERSION, updated_at="2026-12-01"))
    from sync.hub import admin

    platform.site("GN01", "강남")
    number, _card = admin.add_member(platform.db, "GN01", "김")
    assert number == "M-900001"
    with platform.session() as s:
        n = Notice(member_number=number, msgid=notices.SUBJECT, params={}, created_at="2026-12-06")
        s.add(n)
        s.flush()
        notice_id = n.id
    seoul = dt.timezone(dt.timedelta(hours=9))
    sent: list[str] = []

    class Recorder:
        name = "email"

        def send(self, to, subject, text, key):
            sent.append(key)

    night = dt.datetime(2026, 12, 6, 23, 30, tzinfo=seoul)
    out = notices.deliver(platform.db, notice_id, {"email": Recorder()}, night)
    assert out.later == dt.datetime(2026, 12, 7, 8, 0, tzinfo=seoul) and sent == []
    early = dt.datetime(2026, 12, 7, 6, 0, tzinfo=seoul)
    assert notices.deliver(platform.db, notice_id, {"email": Recorder()}, early).later == \
        dt.datetime(2026, 12, 7, 8, 0, tzinfo=seoul)
    morning = dt.datetime(2026, 12, 7, 8, 0, tzinfo=seoul)
    assert notices.deliver(platform.db, notice_id, {"email": Recorder()}, morning).sent == ["email"]
    assert notices.deliver(platform.db, notice_id, {"email": Recorder()}, morning).sent == []  # once
    assert sent == [f"nanum-notice-{notice_id}-email"]


def test_due_soon_and_overdue_notices_wait_for_every_kiosk_of_the_centre(platform):
    """"Overdue" only once every kiosk of the centre has synced since the due day ended,
    so an item returned at a kiosk that is still offline is never called overdue."""
    from sync.hub import notices
    from sync.round import sync_round

    k, client, _ = platform.kiosk("GN01", "GN01-a")
    other, other_client, _ = platform.kiosk("GN01", "GN01-b")  # registered, never synced yet
    codes, cards = stock(k, items=2, members=1)
    done = k.circulation.checkout(cards[0], codes[:1]).outcomes[0]
    assert done.ok
    drain(k, client)
    due = done.due  # a date in March 2026: long past by the platform's clock
    seoul = dt.timezone(dt.timedelta(hours=9))

    two_days_before = dt.datetime.combine(due - dt.timedelta(days=2), dt.time(10), seoul)
    assert notices.loan_notices(platform.db, two_days_before) == 1
    assert notices.loan_notices(platform.db, two_days_before) == 0  # once
    late = dt.datetime.now(dt.UTC)
    assert notices.loan_notices(platform.db, late) == 0  # GN01-b has never synced: it may hold the return
    sync_round(other, other_client, heartbeat=True)  # now it has, with nothing left to send
    assert notices.loan_notices(platform.db, late) == 1
    assert notices.loan_notices(platform.db, late) == 0
    with platform.session() as s:
        told = [(n.msgid, n.params["item"], n.params["due"]) for n in s.execute(
            select(Notice).order_by(Notice.id)).scalars()]
    assert told == [(notices.DUE_SOON, codes[0], due.isoformat()), (notices.OVERDUE, codes[0], due.isoformat())]


def test_a_worker_holds_a_notice_in_quiet_hours_until_they_end(platform, fakes):
    smtp, sms = fakes
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    codes, _ = stock(k, items=1, members=0)
    member = _member_with_contact(platform, k, client, "김나눔", "nanum@example.org", "01012345678")
    _reserve_on_the_page(platform, member, codes[0])
    drain(k, client)
    seoul = dt.timezone(dt.timedelta(hours=9))
    hour = dt.datetime.now(seoul).hour
    quiet = f"{hour}-{(hour + 1) % 24}"  # the hour we are in is quiet
    end = dt.datetime.now(seoul).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    worker = subprocess.Popen(
        [sys.executable, "-m", "sync.hub.jobs", "--db", platform.db_url()],
        env={**os.environ, "NANUM_SMTP_HOST": "127.0.0.1", "NANUM_SMTP_PORT": str(smtp.port),
             "NANUM_QUIET_HOURS": quiet, "NANUM_NOTICE_SWEEP_CRON": "* * * * * */1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def waiting_for_morning():
            with platform.db.engine.connect() as conn:
                return conn.execute(text(
                    "SELECT scheduled_at FROM procrastinate_jobs WHERE task_name = 'notices.deliver' "
                    "AND status = 'todo' AND scheduled_at IS NOT NULL")).scalars().all()
        _until(lambda: waiting_for_morning(), procs=[worker])
        [when] = waiting_for_morning()
        assert when == end
        assert smtp.attempts == [] and sms.received == {}
    finally:
        worker.terminate()
        worker.wait(10)
