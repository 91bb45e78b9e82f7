"""A member's personal data through its life: consent at sign-up (a guardian's for a
child), staff views that are logged, the member's own export, and erasure.

Personal fields never enter the hashed event log: events name a member by
membership number only, and the name, contact, card and PIN hashes, consent and
guardian live in rows outside the log (see docs/privacy.md). Erasing a member
empties those rows on this kiosk and records ``member.erased``; the platform
forgets the member and every other kiosk drops them on its next pull. The log
is never edited, so ``nanum verify-log`` still passes; loans keep the member's
type and the now meaningless number, which is what the city's statistics need.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from kiosk.clock import to_iso
from kiosk.contactkey import KEY_FILENAME, ContactKey
from kiosk.domain import ACTIVE_RESERVATIONS, Cause, ItemStatus, ReservationStatus
from kiosk.errors import BadInput, NotFound, Refused
from kiosk.i18n import N_, Message
from kiosk.limits import MEMBER_NAME_MAX, REASON_MAX, clean_text
from kiosk.services.staff import Staff, StaffView
from kiosk.services.views import MemberView
from kiosk.store.models import Event, Item, Loan, Member, Reservation
from kiosk.store.privacy_models import MemberConsent
from kiosk.store.staff_models import PinThrottle

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

#: the version of the sign-up consent wording staff read out or show (docs/privacy.md)
CONSENT_VERSION = "2026-12"
#: who may consent for a member under 14 (PIPA art. 22-2: a legal representative)
GUARDIAN_RELATIONS = ("parent", "grandparent", "legal_guardian", "other")
RELATION_NAMES = {"parent": N_("Parent"), "grandparent": N_("Grandparent"),
                  "legal_guardian": N_("Legal guardian"), "other": N_("Other legal representative")}

GUARDIAN_NEEDED = N_("A member under 14 needs their guardian's consent: enter the guardian's name, "
                     "relationship and the date they agreed.")
STILL_ON_LOAN = N_("Member {number} still has {count} items on loan. Erase the member once they are back.")

_KEYS: dict[str, ContactKey] = {}


def contact_key(kiosk: Kiosk) -> ContactKey:
    """The kiosk's contact key: ``[privacy] key_file``, else ``contact.key`` in the data folder."""
    path = str(kiosk.setting("privacy.key_file") or "") or str(Path(kiosk.data_dir) / KEY_FILENAME)
    key = _KEYS.get(path)
    if key is None:
        key = _KEYS[path] = ContactKey(path)
    return key


def seal_existing(kiosk: Kiosk) -> int:
    """Encrypt contacts stored in clear by an older version; the number encrypted.

    Runs at start-up (idempotent and cheap once every contact is sealed).
    """
    key = contact_key(kiosk)
    with kiosk.transaction() as s:
        rows = s.execute(select(Member).where(Member.contact.is_not(None), Member.contact != "",
                                              Member.contact.not_like("enc1:%"))).scalars().all()
        for m in rows:
            m.contact = key.seal(m.contact)
        return len(rows)


@dataclass(frozen=True)
class Guardian:
    """A guardian's consent for a member under 14: who, how related, when they agreed."""

    name: str
    relation: str
    agreed_on: dt.date


@dataclass(frozen=True)
class ConsentView:
    version: str
    agreed_at: str
    child: bool
    guardian_name: str | None
    guardian_relation: str | None
    guardian_agreed_on: str | None

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "agreed_at": self.agreed_at, "under_14": self.child,
                "guardian": None if not self.guardian_name else {
                    "name": self.guardian_name, "relationship": self.guardian_relation,
                    "agreed_on": self.guardian_agreed_on}}


@dataclass(frozen=True)
class PersonalData:
    number: str
    name: str
    contact: str | None


def _reason(why: str) -> str:
    text = clean_text(str(why or ""), REASON_MAX, Message(N_("The reason")))
    if not text:
        raise BadInput("Say why you need this member's personal data.")
    return text


def _member_values(payload: dict[str, Any]) -> set[str]:
    """The membership numbers an event's payload names, at its top level."""
    return {v for k, v in payload.items() if k in ("member", "held_for", "next") and isinstance(v, str)}


class Lifecycle:
    """Consent, logged views, export and erasure of one kiosk's members."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    # -- sign-up -----------------------------------------------------------------------------
    def check_guardian(self, child: bool, guardian: Guardian | None) -> Guardian | None:
        """The guardian's consent, checked; refused for a child without one."""
        if not child:
            return None
        if guardian is None:
            raise BadInput(GUARDIAN_NEEDED)
        name = clean_text(str(guardian.name or ""), MEMBER_NAME_MAX, Message(N_("The guardian's name")))
        if not name or guardian.relation not in GUARDIAN_RELATIONS:
            raise BadInput(GUARDIAN_NEEDED)
        if not isinstance(guardian.agreed_on, dt.date) or guardian.agreed_on > self.k.today():
            raise BadInput("The guardian's consent cannot be dated after today.")
        return Guardian(name, guardian.relation, guardian.agreed_on)

    def register(self, display_name: str, member_type: str = "standard", *, child: bool = False,
                 guardian: Guardian | None = None, version: str = CONSENT_VERSION,
                 contact: str | None = None, language: str = "ko", pin: str | None = None,
                 actor: str | None = None) -> tuple[MemberView, str]:
        """Register a member who agreed to the consent ``version`` (a child: with their
        guardian's consent); returns the member and the card payload, as
        :meth:`kiosk.services.members.Members.add` does."""
        checked = self.check_guardian(child, guardian)
        member, card = self.k.members.add(display_name, member_type, contact=contact, language=language,
                                          pin=pin, actor=actor)
        self.record_consent(member.number, child=child, guardian=checked, version=version, actor=actor)
        return member, card

    def record_consent(self, number: str, *, child: bool = False, guardian: Guardian | None = None,
                       version: str = CONSENT_VERSION, actor: str | None = None) -> ConsentView:
        """Record (or renew) a member's consent; the event says which version and
        whether a guardian agreed, never who."""
        checked = self.check_guardian(child, guardian)
        with self.k.transaction() as s:
            member = self.k.members._own(s, number)
            row = s.get(MemberConsent, member.id) or MemberConsent(member_id=member.id)
            row.version, row.agreed_at, row.child = version[:16], to_iso(self.k.clock()), child
            row.guardian_name = checked.name if checked else None
            row.guardian_relation = checked.relation if checked else None
            row.guardian_agreed_on = checked.agreed_on.isoformat() if checked else None
            row.recorded_by = actor
            s.add(row)
            self.k.record(s, "member.consent_recorded", {"member": member.number, "version": row.version,
                                                         "child": child, "staff": actor}, actor)
            return _consent(row)

    def consent(self, number: str) -> ConsentView | None:
        with self.k.reading() as s:
            member = self.k.members.resolve(s, number)
            row = s.get(MemberConsent, member.id)
            return _consent(row) if row is not None else None

    # -- logged views --------------------------------------------------------------------------
    def personal_data(self, number: str, *, by: StaffView, why: str) -> PersonalData:
        """A member's name and contact for staff; logged (who, when, why) as
        ``member.contact_viewed``, which the member sees in their export."""
        Staff.require(by, "members")
        reason = _reason(why)
        with self.k.transaction() as s:
            member = self.k.members.resolve(s, number)
            self.k.record(s, "member.contact_viewed", {"member": member.number, "why": reason}, by.name)
            return PersonalData(member.number, member.display_name, contact_key(self.k).open(member.contact))

    # -- the right of access ---------------------------------------------------------------------
    def export(self, number: str, *, by: StaffView, why: str = "requested by the member") -> dict[str, Any]:
        """Everything this kiosk keeps about one member, as JSON-ready data.

        The export itself is logged (``member.exported``). Events are those that
        name this member; another member named in one of them is left out.
        """
        Staff.require(by, "members")
        reason = _reason(why)
        with self.k.transaction() as s:
            member = self.k.members.resolve(s, number)
            self.k.record(s, "member.exported", {"member": member.number, "why": reason}, by.name)
            return self._export(s, member)

    def export_json(self, number: str, *, by: StaffView, why: str = "requested by the member") -> str:
        return json.dumps(self.export(number, by=by, why=why), ensure_ascii=False, indent=2, sort_keys=True)

    def export_to(self, number: str, folder: str | Path, *, by: StaffView,
                  why: str = "requested by the member") -> Path:
        """Write the member's export into ``folder`` (readable by the kiosk's user only)."""
        text = self.export_json(number, by=by, why=why)
        out = Path(folder)
        stamp = self.k.clock().strftime("%Y%m%d-%H%M%S")
        try:
            out.mkdir(parents=True, exist_ok=True)
            path = out / f"member-{self.k.members._norm_number(number)}-{stamp}.json"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text + "\n")
        except OSError as exc:
            raise BadInput("The export could not be saved: {reason}", reason=exc.strerror or str(exc)) from exc
        return path

    def _export(self, s: Session, m: Member) -> dict[str, Any]:
        consent = s.get(MemberConsent, m.id)
        loans = [{"loan": ln.uid, "item": code, "item_name": name, "checked_out_at": ln.checked_out_at,
                  "due_on": ln.due_on, "returned_at": ln.returned_at, "renewals": ln.renewals,
                  "condition": ln.condition, "site": ln.site}
                 for ln, code, name in s.execute(
                     select(Loan, Item.code, Item.name_ko).join(Item, Loan.item_id == Item.id)
                     .where(Loan.member_id == m.id).order_by(Loan.checked_out_at))]
        reservations = [{"reservation": r.uid, "item": code, "status": r.status, "source": r.source,
                         "created_at": r.created_at, "hold_until": r.hold_until}
                        for r, code in s.execute(select(Reservation, Item.code)
                                                 .join(Item, Reservation.item_id == Item.id)
                                                 .where(Reservation.member_id == m.id)
                                                 .order_by(Reservation.created_at))]
        events, views = [], []
        quoted = json.dumps(m.number)
        for ev in s.execute(select(Event).where(Event.payload.contains(quoted)).order_by(Event.seq)).scalars():
            payload = json.loads(ev.payload)
            if not isinstance(payload, dict) or m.number not in _member_values(payload):
                continue
            # another member named in the same event (the next on a waiting list) is not theirs
            shown = {k: (v if k not in ("member", "held_for", "next") or v == m.number else None)
                     for k, v in payload.items()}
            events.append({"type": ev.type, "at": ev.at, "by": ev.actor, "payload": shown})
            if ev.type in ("member.contact_viewed", "member.exported"):
                views.append({"at": ev.at, "by": ev.actor, "why": payload.get("why"),
                              "what": "export" if ev.type == "member.exported" else "contact"})
        return {
            "member": {"number": m.number, "name": m.display_name,
                       "contact": contact_key(self.k).open(m.contact), "type": m.member_type,
                       "expires_on": m.expires_on, "status": m.status, "language": m.language,
                       "large_text": m.large_text, "high_contrast": m.high_contrast,
                       "registered_at": m.created_at, "has_card": m.card_hash is not None,
                       "has_pin": m.pin_hash is not None, "home_site": m.home_site or self.k.site},
            "consent": _consent(consent).to_json() if consent is not None else None,
            "loans": loans, "reservations": reservations,
            "staff_views": views, "events": events,
            "kept_at": {"kiosk": self.k.kiosk_id, "site": self.k.site, "exported_at": to_iso(self.k.clock())},
        }

    # -- erasure -----------------------------------------------------------------------------
    def erase(self, number: str, *, by: StaffView, why: str = "requested by the member") -> None:
        """Erase a member on request: name, contact, cards, PIN, consent and guardian go;
        waiting reservations are cancelled; loans stay for the statistics with the
        member's type only. Refused while the member has items on loan.

        Records ``member.erased``: the platform forgets the member and every
        other kiosk drops them when it next syncs.
        """
        Staff.require(by, "members")
        reason = _reason(why)
        with self.k.transaction() as s:
            m = self.k.members._own(s, number)
            if not m.display_name and m.card_hash is None and m.status == "suspended":
                raise NotFound("No member with number {number}.", number=m.number)
            out = s.execute(select(func.count()).select_from(Loan).where(
                Loan.member_id == m.id, Loan.returned_at.is_(None))).scalar_one()
            if out:
                raise Refused("on_loan", STILL_ON_LOAN, number=m.number, count=out)
            for res, item in s.execute(select(Reservation, Item).join(Item, Reservation.item_id == Item.id)
                                       .where(Reservation.member_id == m.id,
                                              Reservation.status.in_(ACTIVE_RESERVATIONS))).all():
                res.status = ReservationStatus.CANCELLED
                if item.status == ItemStatus.HELD and item.held_for_member_id == m.id:
                    self.k.circulation.move_item(s, item, ItemStatus.AVAILABLE, Cause.HOLD, actor=by.name)
                self.k.record(s, "reservation.cancelled", {"reservation": res.uid, **item.event_ref(),
                                                           "member": m.number}, by.name)
            forget_personal(s, m)
            self.k.record(s, "member.erased", {"member": m.number, "why": reason}, by.name)
        wipe_old_pages(self.k)


def forget_personal(s: Session, m: Member) -> None:
    """Drop everything that identifies ``m`` from this kiosk's rows, keeping the
    number and type that loans and statistics point at (also used when the
    platform says a member was erased elsewhere)."""
    s.execute(text("PRAGMA secure_delete = ON"))  # the cells that held them are zeroed, not only freed
    s.execute(delete(MemberConsent).where(MemberConsent.member_id == m.id))
    s.execute(delete(PinThrottle).where(PinThrottle.subject == m.number))
    s.execute(Item.__table__.update().where(Item.held_for_member_id == m.id, Item.status != ItemStatus.HELD)
              .values(held_for_member_id=None))
    m.display_name = ""
    m.contact = None
    m.card_hash = None
    m.phone_card_hash = None
    m.pin_hash = None
    m.status = "suspended"
    m.language = "ko"
    m.large_text = m.high_contrast = False


def wipe_old_pages(kiosk: Kiosk) -> bool:
    """Copy the write-ahead log into the database and empty it, so the erased values'
    old page images do not linger there; False when a reader kept it (the next
    checkpoint does it)."""
    with kiosk.engine.connect() as conn:
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
    return busy is not None and busy[0] == 0


def _consent(row: MemberConsent) -> ConsentView:
    return ConsentView(row.version, row.agreed_at, bool(row.child), row.guardian_name, row.guardian_relation,
                       row.guardian_agreed_on)


def open_contact(kiosk: Kiosk, stored: str | None) -> str | None:
    """A stored contact in clear (for code that reads ``Member.contact``)."""
    return contact_key(kiosk).open(stored)


__all__ = ["CONSENT_VERSION", "GUARDIAN_RELATIONS", "ConsentView", "Guardian", "Lifecycle", "PersonalData",
           "contact_key", "forget_personal", "open_contact", "seal_existing"]
