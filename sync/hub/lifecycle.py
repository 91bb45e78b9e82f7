"""A member's personal data on the platform: erasure, the member's own export, the
log of who looked at it, and notice contacts encrypted at rest.

Erasure comes from the member's kiosk (a ``member.erased`` event) or from the
resident page. The member's row becomes a tombstone (``deleted``; no name, card,
phone card or PIN), notice contacts, notices, sessions, wrong-PIN counts, the
activity record (sync.hub.retention) and partner grants go, and waiting
reservations are cancelled; every kiosk that holds the member drops them on its
next pull. Loans keep the number and type the city's
statistics count, and the kiosks' events are never edited, so the chains the
platform checks still verify (docs/privacy.md).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from kiosk.clock import to_iso
from kiosk.contactkey import KEY_FILENAME, ContactKey
from kiosk.errors import BadInput, NotFound, Refused
from kiosk.i18n import N_, Message
from kiosk.limits import ACTOR_MAX, REASON_MAX, clean_text
from kiosk.store.events import HybridClock
from sync.events import sane_hlc
from sync.hub import feed
from sync.hub.models import (
    Base,
    BigId,
    Event,
    Item,
    Loan,
    Member,
    Notice,
    NoticeContact,
    NoticeDelivery,
    PinAttempt,
    Reservation,
    ResidentSession,
)

#: where the platform's contact key lives (a file outside the database; created 0600 at first use)
KEY_ENV = "NANUM_HUB_CONTACT_KEY"
ACTIVE = ("requested", "waiting", "held")
_KEYS: dict[str, ContactKey] = {}


class PersonalDataView(Base):
    """An administrator's (or partner's) look at a member's personal data: who, when, why.

    Shown to the member in their export; erased with the member.
    """

    __tablename__ = "personal_data_views"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    member_number: Mapped[str] = mapped_column(String(16), index=True)
    viewer: Mapped[str] = mapped_column(String(100))
    at: Mapped[str] = mapped_column(String(32))
    why: Mapped[str] = mapped_column(String(200))
    what: Mapped[str] = mapped_column(String(40))


def contact_key() -> ContactKey:
    """The platform's contact key: ``$NANUM_HUB_CONTACT_KEY``, else ``contact.key`` in the
    platform's configuration folder (``nanum-hub``)."""
    path = os.environ.get(KEY_ENV) or ""
    if not path:
        import platformdirs

        path = str(Path(platformdirs.user_config_dir("nanum-hub")) / KEY_FILENAME)
    key = _KEYS.get(path)
    if key is None:
        key = _KEYS[path] = ContactKey(path)
    return key


def seal_existing(s: Session) -> int:
    """Encrypt notice contacts an older version stored in clear; the number of rows."""
    key = contact_key()
    rows = s.execute(select(NoticeContact)).scalars().all()
    done = 0
    for c in rows:
        for field in ("email", "phone"):
            value = getattr(c, field)
            if value and not value.startswith("enc1:"):
                setattr(c, field, key.seal(value))
                done += 1
    return done


def log_view(s: Session, number: str, viewer: str, why: str, what: str, at: str) -> None:
    """Record that ``viewer`` looked at ``what`` of member ``number`` (shown in the member's export)."""
    s.add(PersonalDataView(member_number=number, viewer=viewer[:100], at=at, why=why[:200], what=what[:40]))


def erase(s: Session, number: str, notify: feed.Notifier, *, hlc: str | None = None,
          now: dt.datetime | None = None) -> bool:
    """Erase member ``number`` in the caller's transaction; False when there was nobody to erase.

    ``hlc``: the erasing event's stamp (from a kiosk); else the platform's own, after
    the member's last change, on the clock ``now``.
    """
    m = s.get(Member, number)
    if m is None or m.deleted:
        return False
    if hlc is None:
        now_ms = int((now or dt.datetime.now(dt.UTC)).timestamp() * 1000)
        hlc = HybridClock.tick(sane_hlc(m.updated_hlc, now_ms) or None, now_ms)
    stamp = to_iso(now) if now is not None else hlc
    for res in s.execute(select(Reservation).where(Reservation.member_number == number,
                                                   Reservation.status.in_(ACTIVE))).scalars():
        res.status = "cancelled"
        notify("reservation", res.uid, res.site)
    s.execute(delete(NoticeContact).where(NoticeContact.member_number == number))
    s.execute(delete(ResidentSession).where(ResidentSession.member_number == number))
    s.execute(delete(PinAttempt).where(PinAttempt.subject == number))
    s.execute(delete(PersonalDataView).where(PersonalDataView.member_number == number))
    from sync.hub.retention import MemberActivity

    s.execute(delete(MemberActivity).where(MemberActivity.member_number == number))
    told = select(Notice.id).where(Notice.member_number == number).scalar_subquery()
    s.execute(delete(NoticeDelivery).where(NoticeDelivery.notice_id.in_(told)))
    s.execute(delete(Notice).where(Notice.member_number == number))  # what they were told, and when
    from sync.hub.partners_models import OAuthCode, OAuthToken, PartnerGrant

    s.execute(delete(OAuthCode).where(OAuthCode.member_number == number))
    s.execute(delete(OAuthToken).where(OAuthToken.member_number == number))
    s.execute(update(PartnerGrant).where(PartnerGrant.member_number == number, PartnerGrant.revoked_at.is_(None))
              .values(revoked_at=stamp))
    m.deleted = True
    m.display_name = None
    m.card_hash = None
    m.phone_card_hash = None
    m.pin_hash = None
    m.status = "suspended"
    if hlc > (m.updated_hlc or ""):
        m.updated_hlc = hlc
    for site in {m.home_site, None, *feed.member_sites(s, number)}:
        notify("member", number, site)
    return True


def open_loans(s: Session, number: str) -> int:
    return len(s.execute(select(Loan.uid).where(Loan.member_number == number,
                                                Loan.returned_at.is_(None))).all())


def export(s: Session, number: str) -> dict[str, Any]:
    """Everything the platform keeps about member ``number``, and nothing about anyone else."""
    m = s.get(Member, number)
    if m is None or m.deleted:
        return {}
    key = contact_key()
    c = s.get(NoticeContact, number)
    items = {i.key: i for i in s.execute(select(Item).join(Loan, Loan.item_key == Item.key)
                                         .where(Loan.member_number == number)).scalars()}
    loans = [{"loan": ln.uid, "item": ln.item_key.partition("/")[2],
              "item_name": items[ln.item_key].name_ko if ln.item_key in items else "",
              "site": ln.site, "checked_out_at": ln.checked_out_at, "due_on": ln.due_on,
              "returned_at": ln.returned_at, "renewals": ln.renewals, "condition": ln.condition}
             for ln in s.execute(select(Loan).where(Loan.member_number == number)
                                 .order_by(Loan.checked_out_at)).scalars()]
    reservations = [{"reservation": r.uid, "item": r.item_key.partition("/")[2], "site": r.site,
                     "status": r.status, "created_at": r.created_at, "hold_until": r.hold_until}
                    for r in s.execute(select(Reservation).where(Reservation.member_number == number)
                                       .order_by(Reservation.created_at)).scalars()]
    told = [{"at": n.created_at, "msgid": n.msgid}
            for n in s.execute(select(Notice).where(Notice.member_number == number)
                               .order_by(Notice.id)).scalars()]
    views: list[dict[str, Any]] = [{"at": v.at, "by": v.viewer, "why": v.why, "what": v.what}
             for v in s.execute(select(PersonalDataView).where(PersonalDataView.member_number == number)
                                .order_by(PersonalDataView.id)).scalars()]
    events = []
    for ev in s.execute(select(Event).where(Event.payload.contains(json.dumps(number)))
                        .order_by(Event.hlc)).scalars():
        payload = json.loads(ev.payload)
        if not isinstance(payload, dict) or number not in {payload.get(k) for k in ("member", "held_for", "next")}:
            continue
        shown = {k: (v if k not in ("member", "held_for", "next") or v == number else None)
                 for k, v in payload.items()}
        events.append({"type": ev.type, "at": ev.at, "kiosk": ev.kiosk_id, "by": ev.actor, "payload": shown})
        if ev.type in ("member.contact_viewed", "member.exported"):
            views.append({"at": ev.at, "by": ev.actor, "why": payload.get("why"),
                          "what": "export" if ev.type == "member.exported" else "contact",
                          "kiosk": ev.kiosk_id})
    from sync.hub.retention import MemberActivity

    seen = s.get(MemberActivity, number)
    return {
        "activity": None if seen is None else {"signed_in_at": seen.signed_in_at,
                                               "asked_to_reconsent_at": seen.asked_at},
        "member": {"number": m.number, "name": m.display_name, "home_site": m.home_site,
                   "type": m.member_type, "expires_on": m.expires_on, "status": m.status,
                   "language": m.language, "has_card": m.card_hash is not None,
                   "has_phone_card": m.phone_card_hash is not None, "has_pin": m.pin_hash is not None},
        "notice_contact": None if c is None else {
            "email": key.open(c.email), "email_consent_at": c.email_consent_at,
            "phone": key.open(c.phone), "sms_consent_at": c.sms_consent_at,
            "consent_version": c.consent_version},
        "loans": loans, "reservations": reservations, "notices": told,
        "personal_data_views": views, "events": events,
    }


# -- an administrator's requests (``nanum hub export-member`` / ``erase-member``) ----------------------
def _check_request(number: str, by: str, why: str) -> tuple[str, str, str]:
    who = clean_text(by or "", ACTOR_MAX, Message(N_("The administrator's name")))
    reason = clean_text(why or "", REASON_MAX, Message(N_("The reason")))
    if not who or not reason:
        raise BadInput("Say who asks and why (--by and --why): every look at a member's data is logged.")
    return number.strip().upper()[:16], who, reason


def export_for_admin(db: Any, number: str, *, by: str, why: str, now: dt.datetime) -> dict[str, Any]:
    """A member's export for an administrator (a request by letter or at a centre); the look is
    logged with who and why, and the member sees it in their next export."""
    number, who, reason = _check_request(number, by, why)
    with db.transaction() as s:
        data = export(s, number)
        if not data:
            raise NotFound("No member with number {number}.", number=number)
        log_view(s, number, who, reason, "export", to_iso(now))
    data["personal_data_views"].append({"at": to_iso(now), "by": who, "why": reason, "what": "export"})
    return data


def erase_for_admin(db: Any, number: str, *, by: str, why: str, now: dt.datetime) -> None:
    """Erase a member on their request made to the city (not at a centre or on their page)."""
    number, _who, _reason = _check_request(number, by, why)
    with db.transaction() as s:
        out = open_loans(s, number)
        if out:
            raise Refused("on_loan", "Member {number} still has {count} items on loan. "
                          "Erase the member once they are back.", number=number, count=out)
        if not erase(s, number, feed.Notifier(s), now=now):
            raise NotFound("No member with number {number}.", number=number)

