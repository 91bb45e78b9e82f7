"""Members: registration with minimal personal data, cards, PINs."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from kiosk.clock import to_iso
from kiosk.codes import CardRef, card_payload, hash_card_token, new_card_token, parse_payload
from kiosk.errors import BadInput, ForeignCode, NotFound, Refused
from kiosk.i18n import LANGUAGES
from kiosk.secrets_hash import check_pin, hash_pin
from kiosk.services.views import MemberView
from kiosk.store.models import Member, Setting

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

MEMBER_TYPES = ("standard", "family", "senior", "organisation")
# Built once: every card scan runs it.
_BY_CARD = select(Member).where(Member.card_hash == bindparam("card_hash"))

_TYPE_ALIASES = {"일반": "standard", "가족": "family", "어르신": "senior", "경로": "senior",
                 "단체": "organisation", "organization": "organisation"}


def normalise_member_type(text: str) -> str:
    t = (text or "standard").strip()
    t = _TYPE_ALIASES.get(t, t.lower())
    if t not in MEMBER_TYPES:
        raise BadInput("Unknown membership type: {type}", type=text)
    return t


#: setting: the block of membership numbers the platform gave this kiosk
MEMBER_BLOCK = "member_block"


class Members:
    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    def resolve(self, session: Session, payload: str) -> Member:
        """The member a scanned card (or, for staff, a membership number) names."""
        text = (payload or "").strip()
        if text.upper().startswith("M-") or text.isdigit():
            member = session.execute(select(Member).where(Member.number == self._norm_number(text))
                                     ).scalar_one_or_none()
            if member is None:
                raise NotFound("No member with number {number}.", number=text)
            return member
        try:
            ref = parse_payload(text, self.k.base_url)
        except ForeignCode:
            ref = None
        if not isinstance(ref, CardRef):
            raise ForeignCode("This is not a member card. Please show your member card.")
        member = session.execute(_BY_CARD, {"card_hash": hash_card_token(ref.token)}).scalar_one_or_none()
        if member is None:
            raise NotFound("This card is no longer valid. Please ask staff for a new card.")
        return member

    @staticmethod
    def _norm_number(text: str) -> str:
        digits = text.upper().removeprefix("M-")
        if not digits.isdigit():
            raise BadInput("Not a membership number: {number}", number=text)
        return f"M-{int(digits):06d}"

    @staticmethod
    def _next_number(s: Session) -> str:
        """The next membership number: in this kiosk's block once the platform gave it one.

        Kiosks register members offline; a block per kiosk (``M-<block><5 digits>``)
        keeps two kiosks from giving out the same number. Before the first sync
        (or without a platform) numbers are the kiosk's own count, ``M-000001``.
        """
        row = s.get(Setting, MEMBER_BLOCK)
        block = row.value if row is not None else None
        if not block:
            return f"M-{(s.execute(select(func.max(Member.id))).scalar() or 0) + 1:06d}"
        prefix = f"M-{int(block)}"
        top = s.execute(select(func.max(Member.number)).where(
            Member.number.like(prefix + "_____"), func.length(Member.number) == len(prefix) + 5)).scalar()
        seq = int(top[len(prefix):]) + 1 if top else 1
        if seq > 99_999:
            raise Refused("numbers", "This kiosk has given out every membership number of its block. "
                          "Ask the platform's administrator for a new block.")
        return f"{prefix}{seq:05d}"

    def add(self, display_name: str, member_type: str = "standard", *,
            expires_on: dt.date | None = None, contact: str | None = None,
            language: str = "ko", pin: str | None = None,
            actor: str | None = None) -> tuple[MemberView, str]:
        """Register a member; returns the member and the card payload (shown once)."""
        name = (display_name or "").strip()
        if not name:
            raise BadInput("A member needs a name.")
        if len(name) > 100:
            raise BadInput("The name is too long.")
        member_type = normalise_member_type(member_type)
        if language not in LANGUAGES:
            language = "ko"
        if pin is not None and not (pin.isdigit() and 4 <= len(pin) <= 8):
            raise BadInput("A PIN has 4 to 8 digits.")
        expires_on = expires_on or self.k.today().replace(year=self.k.today().year + 1)
        token = new_card_token()
        with self.k.transaction() as s:
            member = Member(number=self._next_number(s), display_name=name,
                            contact=(contact or None), card_hash=hash_card_token(token),
                            pin_hash=hash_pin(pin) if pin else None, member_type=member_type,
                            expires_on=expires_on.isoformat(), status="active", language=language,
                            created_at=to_iso(self.k.clock()))
            s.add(member)
            s.flush()
            # Events carry the membership number, never the name or contact.
            self.k.record(s, "member.registered", {"member": member.number, "type": member_type,
                                                   "expires_on": member.expires_on}, actor)
            return MemberView.of(member), card_payload(token)

    def identify(self, payload: str) -> MemberView:
        """Who is at the kiosk, from their card."""
        with self.k.reading() as s:
            return MemberView.of(self.resolve(s, payload))

    def identify_by_pin(self, number: str, pin: str) -> MemberView:
        """Fallback when a card is forgotten: membership number + PIN."""
        with self.k.reading() as s:
            try:
                member = self.resolve(s, self._norm_number(number))
            except (NotFound, BadInput):
                member = None
            if member is None or not check_pin(pin, member.pin_hash):
                raise BadInput("The number or PIN is not right.")
            return MemberView.of(member)

    def reissue_card(self, number: str, actor: str | None = None) -> str:
        """A lost card is replaced by a new token; the old card stops working."""
        token = new_card_token()
        with self.k.transaction() as s:
            member = self.resolve(s, self._norm_number(number))
            member.card_hash = hash_card_token(token)
            self.k.record(s, "member.card_reissued", {"member": member.number}, actor)
        return card_payload(token)

    def set_pin(self, number: str, pin: str, actor: str | None = None) -> None:
        if not (pin.isdigit() and 4 <= len(pin) <= 8):
            raise BadInput("A PIN has 4 to 8 digits.")
        with self.k.transaction() as s:
            member = self.resolve(s, self._norm_number(number))
            member.pin_hash = hash_pin(pin)
            self.k.record(s, "member.pin_set", {"member": member.number}, actor)

    def set_status(self, number: str, status: str, actor: str | None = None) -> MemberView:
        if status not in ("active", "suspended"):
            raise BadInput("Unknown member status: {status}", status=status)
        with self.k.transaction() as s:
            member = self.resolve(s, self._norm_number(number))
            member.status = status
            self.k.record(s, "member.status_changed", {"member": member.number, "status": status}, actor)
            return MemberView.of(member)

    def renew(self, number: str, until: dt.date, actor: str | None = None) -> MemberView:
        with self.k.transaction() as s:
            member = self.resolve(s, self._norm_number(number))
            member.expires_on = until.isoformat()
            self.k.record(s, "member.renewed", {"member": member.number, "expires_on": member.expires_on}, actor)
            return MemberView.of(member)

    def list(self) -> list[MemberView]:
        with self.k.reading() as s:
            return [MemberView.of(m) for m in s.execute(select(Member).order_by(Member.number)).scalars()]
