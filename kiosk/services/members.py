"""Members: registration with minimal personal data, cards, PINs."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.orm import Session

from kiosk import throttle
from kiosk.clock import from_iso, to_iso
from kiosk.codes import CardRef, MemberKey, MemberNumber, card_key, card_payload, hash_card_token, new_card_token
from kiosk.errors import BadInput, NotFound, Refused
from kiosk.i18n import LANGUAGES, N_, Message
from kiosk.limits import CONTACT_MAX, MEMBER_NAME_MAX, MEMBER_NUMBER_MAX, clean_text, echo, is_pin
from kiosk.secrets_hash import check_pin, hash_pin
from kiosk.services.views import MemberView
from kiosk.store.models import Member, Setting
from kiosk.store.staff_models import PinThrottle
from kiosk.throttle import TooManyTries

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

log = logging.getLogger("nanum.pin")

#: where a PIN typed at this kiosk's own keypad counts its wrong tries
KIOSK_ADDRESS = "kiosk"
WRONG_NUMBER_OR_PIN = N_("The number or PIN is not right.")
PIN_WAIT = N_("Too many wrong PINs. Please wait {seconds} seconds and try again, or show your member card.")
PIN_LOCKED = N_("Too many wrong PINs. Signing in with this number and a PIN is locked for {minutes} minutes. "
                "Your member card still works.")

#: status of another centre's member whose cards this centre does not honour (the
#: platform's card policy): the card is recognised only to say so
NOT_HONOURED = "not_honoured"
CARD_NOT_HONOURED = N_("This card is from another centre ({site}), which this centre does not lend to yet. "
                       "Please ask staff.")

OTHER_CENTRES_MEMBER = N_("This member is registered at another centre ({site}). Only that centre can change "
                          "their card, PIN or membership.")

MEMBER_TYPES = ("standard", "family", "senior", "organisation")
# Built once: every card scan runs it.
# the plastic card, or the member card on the resident's phone
_BY_CARD = select(Member).where(or_(Member.card_hash == bindparam("card_hash"),
                                    Member.phone_card_hash == bindparam("card_hash")))

_TYPE_ALIASES = {"일반": "standard", "가족": "family", "어르신": "senior", "경로": "senior",
                 "단체": "organisation", "organization": "organisation"}


def normalise_member_type(text: str) -> str:
    t = (text or "standard").strip()
    t = _TYPE_ALIASES.get(t, t.lower())
    if t not in MEMBER_TYPES:
        raise BadInput("Unknown membership type: {type}", type=echo(text))
    return t


def member_name(text: object) -> str:
    """A member's name as registered: required, one line, at most MEMBER_NAME_MAX characters."""
    name = clean_text(str(text or ""), MEMBER_NAME_MAX, Message(N_("The name")))
    if not name:
        raise BadInput("A member needs a name.")
    return name


#: setting: the block of membership numbers the platform gave this kiosk
MEMBER_BLOCK = "member_block"


class Members:
    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    def resolve(self, session: Session, payload: MemberKey | str) -> Member:
        """The member a card or a membership number names: for staff screens only.

        A number alone is not proof of who someone is (numbers are short and
        given out in order), so resident screens identify with
        :meth:`resolve_card` or :meth:`identify_by_pin`, never with this.
        """
        if isinstance(payload, CardRef):
            return self.resolve_card(session, payload)
        text = (payload.number if isinstance(payload, MemberNumber) else payload or "").strip()
        if text.upper().startswith("M-") or text.isdigit():
            member = session.execute(select(Member).where(Member.number == self._norm_number(text))
                                     ).scalar_one_or_none()
            if member is None:
                raise NotFound("No member with number {number}.", number=echo(text))
            return member
        return self.resolve_card(session, text)

    def resolve_card(self, session: Session, payload: CardRef | str) -> Member:
        """The member whose card was scanned; anything else (a bare number too) is refused."""
        ref = card_key(payload or "", self.k.base_url)
        member = session.execute(_BY_CARD, {"card_hash": hash_card_token(ref.token)}).scalar_one_or_none()
        if member is None:
            raise NotFound("This card is no longer valid. Please ask staff for a new card.")
        if member.status == NOT_HONOURED:
            raise Refused("card_policy", CARD_NOT_HONOURED, site=member.home_site or "?")
        return member

    def _own(self, session: Session, number: str) -> Member:
        """A member of this kiosk's site, for a change to their record: the platform
        accepts member changes only from the member's own site."""
        member = self.resolve(session, self._norm_number(number))
        if member.home_site:
            raise Refused("other_centre", OTHER_CENTRES_MEMBER, site=member.home_site)
        return member

    @staticmethod
    def _norm_number(text: str) -> str:
        digits = (text or "").strip().upper().removeprefix("M-")
        if len(digits) > MEMBER_NUMBER_MAX or not (digits.isascii() and digits.isdigit()):
            raise BadInput("Not a membership number: {number}", number=echo(text))
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
        name = member_name(display_name)
        contact = clean_text(str(contact or ""), CONTACT_MAX, Message(N_("The contact"))) or None
        member_type = normalise_member_type(member_type)
        if language not in LANGUAGES:
            language = "ko"
        if pin is not None and not is_pin(pin):
            raise BadInput("A PIN has 4 to 8 digits.")
        expires_on = expires_on or self.k.today().replace(year=self.k.today().year + 1)
        token = new_card_token()
        from kiosk.services.lifecycle import contact_key  # contacts are stored encrypted

        sealed = contact_key(self.k).seal(contact)
        with self.k.transaction() as s:
            member = Member(number=self._next_number(s), display_name=name,
                            contact=sealed, card_hash=hash_card_token(token),
                            pin_hash=hash_pin(pin) if pin else None, member_type=member_type,
                            expires_on=expires_on.isoformat(), status="active", language=language,
                            created_at=to_iso(self.k.clock()))
            s.add(member)
            s.flush()
            # Events carry the membership number, never the name or contact; the
            # hashes let the platform accept this member's card and PIN online.
            payload = {"member": member.number, "type": member_type, "expires_on": member.expires_on,
                       "card_hash": member.card_hash}
            if member.pin_hash:
                payload["pin_hash"] = member.pin_hash
            self.k.record(s, "member.registered", payload, actor)
            return MemberView.of(member), card_payload(token)

    def identify(self, payload: CardRef | str) -> MemberView:
        """Who is at the kiosk, from their card (a membership number alone is refused)."""
        with self.k.reading() as s:
            return MemberView.of(self.resolve_card(s, payload))

    def identify_by_pin(self, number: str, pin: str, address: str = KIOSK_ADDRESS) -> MemberView:
        """Fallback when a card is forgotten: membership number + PIN.

        Wrong PINs are counted per (number, ``address``) whether or not the
        number exists, and the PIN hash runs either way: neither the wait nor
        the time taken tells which numbers exist. While a wait is running the
        PIN is not checked (:class:`~kiosk.throttle.TooManyTries`); a card
        scan (:meth:`identify`) never waits.
        """
        try:
            subject = self._norm_number(number)
        except BadInput:
            raise BadInput(WRONG_NUMBER_OR_PIN) from None
        address = (address or KIOSK_ADDRESS)[:64]
        now = self.k.clock()
        with self.k.transaction() as s:  # BEGIN IMMEDIATE: count before checking
            row = s.get(PinThrottle, (subject, address))
            last = from_iso(row.last_failure) if row is not None and row.last_failure else None
            verdict = throttle.reserve(throttle.MEMBER_PIN, row.failures if row else 0, last, now)
            if not verdict.allowed:
                log.warning("member PIN refused unchecked: %s at %s must wait %d s",
                            subject, address, verdict.retry_after_s)
                raise TooManyTries(verdict.retry_after_s, PIN_LOCKED if verdict.locked_out else PIN_WAIT)
            if row is None:
                row = PinThrottle(subject=subject, address=address)
                s.add(row)
            row.failures, row.last_failure = verdict.failures, to_iso(now)
        with self.k.reading() as s:
            member = s.execute(select(Member).where(Member.number == subject)).scalar_one_or_none()
            stored = member.pin_hash if member is not None else None
            view = MemberView.of(member) if member is not None else None
        ok = check_pin(pin or "", stored)  # scrypt for unknown numbers too
        if ok and view is not None:
            with self.k.transaction() as s:
                s.execute(delete(PinThrottle).where(PinThrottle.subject == subject,
                                                    PinThrottle.address == address))
            log.info("member %s signed in with number and PIN at %s", subject, address)
            return view
        log.warning("wrong member PIN for %s at %s (%d in a row)", subject, address, verdict.failures)
        wait = throttle.MEMBER_PIN.wait_s(verdict.failures)
        if wait:
            raise TooManyTries(wait, PIN_LOCKED if verdict.locked_out else PIN_WAIT)
        raise BadInput(WRONG_NUMBER_OR_PIN)

    def reissue_card(self, number: str, actor: str | None = None) -> str:
        """A lost card is replaced by a new token; the old card stops working."""
        token = new_card_token()
        with self.k.transaction() as s:
            member = self._own(s, number)
            member.card_hash = hash_card_token(token)
            self.k.record(s, "member.card_reissued", {"member": member.number,
                                                      "card_hash": member.card_hash}, actor)
        return card_payload(token)

    def set_pin(self, number: str, pin: str, actor: str | None = None) -> None:
        """Set or replace a member's PIN (number + PIN at a kiosk, reservations online).

        The PIN's hash travels to the platform in the event, never the PIN.
        """
        if not is_pin(pin):
            raise BadInput("A PIN has 4 to 8 digits.")
        with self.k.transaction() as s:
            member = self._own(s, number)
            member.pin_hash = hash_pin(pin)
            self.k.record(s, "member.pin_set", {"member": member.number, "pin_hash": member.pin_hash},
                          actor)

    def set_status(self, number: str, status: str, actor: str | None = None) -> MemberView:
        if status not in ("active", "suspended"):
            raise BadInput("Unknown member status: {status}", status=status)
        with self.k.transaction() as s:
            member = self._own(s, number)
            member.status = status
            self.k.record(s, "member.status_changed", {"member": member.number, "status": status}, actor)
            return MemberView.of(member)

    def renew(self, number: str, until: dt.date, actor: str | None = None) -> MemberView:
        with self.k.transaction() as s:
            member = self._own(s, number)
            member.expires_on = until.isoformat()
            self.k.record(s, "member.renewed", {"member": member.number, "expires_on": member.expires_on}, actor)
            return MemberView.of(member)

    def list(self) -> list[MemberView]:
        with self.k.reading() as s:
            return [MemberView.of(m) for m in s.execute(select(Member).order_by(Member.number)).scalars()]
