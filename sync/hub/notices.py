"""Notices that reach residents: by e-mail and by text message, with consent.

A notice (``notices``: ready for pickup, moved to another copy, expired...)
is delivered on every channel the resident agreed to on their page, outside
quiet hours, once. Each (notice, channel) has a delivery row whose ``key``
is the message's idempotency key: the e-mail's Message-ID and the text
provider's ``Idempotency-Key`` header. A worker killed after a provider took
the message retries with the same key, so the provider (and our test fakes)
can tell a repeat. Delivery runs in the job queue (:mod:`sync.hub.jobs`).

Channels are configured by environment: ``NANUM_SMTP_HOST``, ``NANUM_SMTP_PORT``,
``NANUM_SMTP_FROM`` (and ``NANUM_SMTP_USER``/``NANUM_SMTP_PASSWORD``,
``NANUM_SMTP_STARTTLS=1``) for e-mail; ``NANUM_SMS_URL``, ``NANUM_SMS_KEY``,
``NANUM_SMS_SECRET``, ``NANUM_SMS_FROM`` for text messages through a provider
with SOLAPI's message API (``POST {url}/messages/v4/send``, HMAC-SHA256
``Authorization``). ``NANUM_QUIET_HOURS`` is ``21-8`` by default (Seoul time;
empty: none). Logs name notices and channels, never addresses or texts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import secrets
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import httpx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kiosk.calendar import SEOUL
from kiosk.clock import from_iso, to_iso
from kiosk.i18n import N_, translate
from kiosk.names import shown_name
from sync.hub.db import Database
from sync.hub.models import Item, Kiosk, Loan, Member, Notice, NoticeContact, NoticeDelivery

log = logging.getLogger(__name__)

SUBJECT = N_("Notice from your sharing centre")
DUE_SOON = N_("{item} is due back on {due}. If nobody is waiting for it, you can renew it at the kiosk.")
OVERDUE = N_("{item} was due back on {due}. Please bring it back to the centre, or renew it at the kiosk.")
DUE_SOON_DAYS = 2
CONSENT_VERSION = "2026-12"  # the wording of the consent on the resident page
MAX_ATTEMPTS = 6  # then the delivery is listed for staff (``nanum hub notices --failed``)


class Channel(Protocol):
    name: str

    def send(self, to: str, subject: str, text: str, key: str) -> None:
        """Hand one message to the channel; raise when it was not taken."""


@dataclass
class EmailChannel:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    name: str = "email"

    def send(self, to: str, subject: str, text: str, key: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        msg["Message-ID"] = f"<{key}@nanum-kiosk>"  # the same on a retry: a repeat is visible
        msg.set_content(text)
        with smtplib.SMTP(self.host, self.port, timeout=20) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(msg)


@dataclass
class SmsChannel:
    """A Korean SMS / KakaoTalk provider with SOLAPI's message API."""

    url: str
    api_key: str
    api_secret: str
    sender: str
    name: str = "sms"

    def _authorization(self) -> str:
        date = to_iso(dt.datetime.now(dt.UTC))
        salt = secrets.token_hex(16)
        signature = hmac.new(self.api_secret.encode(), (date + salt).encode(), hashlib.sha256).hexdigest()
        return f"HMAC-SHA256 apiKey={self.api_key}, date={date}, salt={salt}, signature={signature}"

    def send(self, to: str, subject: str, text: str, key: str) -> None:
        resp = httpx.post(self.url.rstrip("/") + "/messages/v4/send", timeout=20,
                          headers={"Authorization": self._authorization(), "Idempotency-Key": key},
                          json={"message": {"to": to, "from": self.sender, "text": text}})
        if resp.status_code >= 300:
            raise RuntimeError(f"provider answered {resp.status_code}")


def channels_from_env(env: Mapping[str, str] | None = None) -> dict[str, Channel]:
    """The channels this platform is configured for (none: notices stay on the page)."""
    env = os.environ if env is None else env
    out: dict[str, Channel] = {}
    if env.get("NANUM_SMTP_HOST"):
        out["email"] = EmailChannel(env["NANUM_SMTP_HOST"], int(env.get("NANUM_SMTP_PORT") or 25),
                                    env.get("NANUM_SMTP_FROM") or "nanum@localhost",
                                    env.get("NANUM_SMTP_USER"), env.get("NANUM_SMTP_PASSWORD"),
                                    env.get("NANUM_SMTP_STARTTLS") == "1")
    if env.get("NANUM_SMS_URL"):
        out["sms"] = SmsChannel(env["NANUM_SMS_URL"], env.get("NANUM_SMS_KEY", ""),
                                env.get("NANUM_SMS_SECRET", ""), env.get("NANUM_SMS_FROM", ""))
    return out


def quiet_until(now: dt.datetime, hours: str | None = None) -> dt.datetime | None:
    """The end of the quiet hours ``now`` falls in (Seoul time), or None."""
    hours = os.environ.get("NANUM_QUIET_HOURS", "21-8") if hours is None else hours
    if not hours:
        return None
    start, end = (int(x) for x in hours.split("-", 1))
    local = now.astimezone(SEOUL)
    quiet = (start <= local.hour or local.hour < end) if start > end else (start <= local.hour < end)
    if not quiet:
        return None
    day = local.date() + dt.timedelta(days=1) if local.hour >= end and start > end else local.date()
    return dt.datetime.combine(day, dt.time(end), SEOUL)


def readable(s: Session, params: object, lang: str) -> dict[str, object]:
    """A notice's parameters as a resident reads them: an item by its code and name,
    not by its city-wide key (``GN01/T-00002`` -> ``T-00002 사다리``)."""
    out = dict(params) if isinstance(params, dict) else {}
    for field in ("item", "copy"):
        key = out.get(field)
        if isinstance(key, str) and "/" in key:
            item = s.get(Item, key)
            code = key.partition("/")[2]
            if item is not None:
                name = shown_name(lang, item.name_ko, item.name_en, item.name_zh or "", item.name_vi or "")
                out[field] = f"{code} {name}"
            else:
                out[field] = code
    return out


@dataclass
class Outcome:
    sent: list[str]
    later: dt.datetime | None = None  # quiet hours: deliver then
    reason: str = ""


def deliver(db: Database, notice_id: int, channels: Mapping[str, Channel], now: dt.datetime) -> Outcome:
    """Deliver one notice on every channel its member agreed to, each at most once.

    Raises when a channel fails (the job queue retries with backoff); what was
    sent before stays sent.
    """
    with db.transaction() as s:
        notice = s.get(Notice, notice_id)
        if notice is None:
            return Outcome([], reason="no such notice")
        contact = s.get(NoticeContact, notice.member_number)
        member = s.get(Member, notice.member_number)
        wanted = {}
        if contact is not None and member is not None and not member.deleted:
            from sync.hub.lifecycle import contact_key  # addresses are stored encrypted

            sealed = contact_key()
            if contact.email and contact.email_consent_at:
                wanted["email"] = sealed.open(contact.email) or ""
            if contact.phone and contact.sms_consent_at:
                wanted["sms"] = sealed.open(contact.phone) or ""
            wanted = {channel: address for channel, address in wanted.items() if address}
        if not wanted:
            return Outcome([], reason="no consent")
        later = quiet_until(now)
        if later is not None:
            return Outcome([], later=later)
        lang = member.language if member is not None else "ko"
        text = translate(notice.msgid, lang, **readable(s, notice.params, lang))
        subject = translate(SUBJECT, lang)
    sent = []
    for name, to in wanted.items():
        channel = channels.get(name)
        if channel is None:
            continue  # consented, but this platform has no such channel configured
        key = f"nanum-notice-{notice_id}-{name}"
        with db.transaction() as s:
            d = s.execute(select(NoticeDelivery).where(NoticeDelivery.key == key)).scalar_one_or_none()
            if d is not None and d.status == "sent":
                continue
            if d is None:
                d = NoticeDelivery(notice_id=notice_id, channel=name, key=key, status="sending",
                                   attempts=0, created_at=to_iso(now))
                s.add(d)
            d.attempts += 1
        try:
            channel.send(to, subject, text, key)
        except Exception as exc:
            with db.transaction() as s:
                d = s.execute(select(NoticeDelivery).where(NoticeDelivery.key == key)).scalar_one()
                d.error = f"{type(exc).__name__}"[:200]  # the kind of failure, nothing personal
            log.warning("notice %s: %s failed (%s)", notice_id, name, type(exc).__name__)
            raise
        with db.transaction() as s:
            d = s.execute(select(NoticeDelivery).where(NoticeDelivery.key == key)).scalar_one()
            d.status, d.sent_at, d.error = "sent", to_iso(now), None
        log.info("notice %s: sent by %s", notice_id, name)
        sent.append(name)
    return Outcome(sent)


def _synced_since(k: Kiosk, since: dt.datetime) -> bool:
    """Whether kiosk ``k`` has sent everything it had since ``since`` (a push then, or a
    heartbeat then with nothing waiting to be sent)."""
    if k.last_push_at and from_iso(k.last_push_at) >= since:
        return True
    beat = k.heartbeat if isinstance(k.heartbeat, dict) else {}
    at = beat.get("received_at")
    return isinstance(at, str) and from_iso(at) >= since and str(beat.get("outbox_depth")) == "0"


def loan_notices(db: Database, now: dt.datetime) -> int:
    """Write "due in two days" and "overdue" notices, once per loan each.

    A loan is called overdue only when every kiosk of its centre has synced
    since the end of its due day: a return recorded at a kiosk that has not
    synced yet must never earn the resident an overdue notice.
    """
    today = now.astimezone(SEOUL).date()
    soon = (today + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
    written = 0
    with db.transaction() as s:
        loans = s.execute(select(Loan).where(
            Loan.returned_at.is_(None), Loan.member_number.is_not(None),
            or_(Loan.due_on == soon, Loan.due_on < today.isoformat()))).scalars().all()
        if not loans:
            return 0
        told = {(n.msgid, (n.params or {}).get("loan")) for n in s.execute(select(Notice).where(
            Notice.msgid.in_((DUE_SOON, OVERDUE)),
            Notice.member_number.in_({ln.member_number for ln in loans}))).scalars()
            if isinstance(n.params, dict)}
        kiosks: dict[str, list[Kiosk]] = {}
        for k in s.execute(select(Kiosk).where(Kiosk.revoked_at.is_(None))).scalars():
            kiosks.setdefault(k.site, []).append(k)
        for ln in loans:
            due = ln.due_on or ""
            item = ln.item_key.partition("/")[2]
            if due == soon:
                msgid = DUE_SOON
            else:
                end = dt.datetime.combine(dt.date.fromisoformat(due) + dt.timedelta(days=1), dt.time(0), SEOUL)
                if not all(_synced_since(k, end) for k in kiosks.get(ln.site or "", [])):
                    continue
                msgid = OVERDUE
            if (msgid, ln.uid) in told:
                continue
            s.add(Notice(member_number=ln.member_number, reservation_uid=None, msgid=msgid,
                         params={"item": item, "due": due, "loan": ln.uid}, created_at=to_iso(now)))
            told.add((msgid, ln.uid))
            written += 1
    return written


def failed(db: Database) -> list[dict[str, object]]:
    """Deliveries not sent after every retry: the list staff look at (no addresses)."""
    with db.transaction() as s:
        rows = s.execute(select(NoticeDelivery, Notice.member_number, Notice.msgid)
                         .join(Notice, Notice.id == NoticeDelivery.notice_id)
                         .where(NoticeDelivery.status != "sent", NoticeDelivery.attempts >= MAX_ATTEMPTS)
                         .order_by(NoticeDelivery.id)).all()
        return [{"notice": d.notice_id, "member": number, "channel": d.channel, "attempts": d.attempts,
                 "error": d.error, "notice_type": msgid[:60]} for d, number, msgid in rows]
