"""Residents' reservations on the platform.

A reservation made online is a *request* until the item's kiosk has pulled
it: only the kiosk knows whether the item is on the shelf. When a loan made
offline at the kiosk takes the item first, the request moves to another copy
of the same item at the centre, or waits for the item's return, and the
member gets a notice saying which.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Executable, delete, func, select
from sqlalchemy.orm import Session

from kiosk.clock import from_iso, to_iso
from kiosk.codes import CardRef, ItemRef, hash_card_token, normalise_item_code, parse_payload
from kiosk.errors import BadInput, ForeignCode, NotFound, Refused
from kiosk.i18n import N_
from kiosk.limits import MEMBER_NUMBER_MAX, echo
from kiosk.secrets_hash import check_pin
from kiosk.throttle import MEMBER_PIN, TooManyTries, reserve
from sync.hub.feed import ACTIVE_RESERVATION, honoured_sites
from sync.hub.models import Item, Loan, Member, Notice, PinAttempt, Reservation, item_key

if TYPE_CHECKING:
    from sync.hub.db import Database

log = logging.getLogger("nanum.pin")

MAX_ACTIVE_PER_MEMBER = 5
NOT_LENT_TO_YOUR_CENTRE = N_("The {site} centre does not lend to members of your centre yet. "
                             "Please reserve at your own centre or ask its staff.")
Notify = Callable[[str, str, "str | None"], None]

MOVED_TO_COPY = N_("Your reservation of {item} moved to another copy, {copy}: the first one was lent "
                   "at the centre before your request arrived.")
MOVED_LATER = N_("{item} was lent at the centre before your request arrived. Your reservation "
                 "stays on the list; it is due back on {due}.")
CANCELLED_AT_CENTRE = N_("Your reservation of {item} was cancelled at the centre.")
EXPIRED = N_("Your reservation of {item} expired: it was not picked up in time.")
READY = N_("{item} is ready for pickup until {until}.")
WRONG_SECRET = N_("The membership number or card code is not right.")
PIN_WAIT = N_("Too many wrong PINs. Please wait {seconds} seconds and try again, "
              "or use the code of your member card.")
PIN_LOCKED = N_("Too many wrong PINs. Signing in with this number and a PIN is locked for {minutes} minutes. "
                "The code of your member card still works.")


def norm_number(text: str) -> str:
    digits = (text or "").strip().upper().removeprefix("M-")
    if len(digits) > MEMBER_NUMBER_MAX or not (digits.isascii() and digits.isdigit()):
        raise BadInput("Not a membership number: {number}", number=echo(text))
    return f"M-{int(digits):06d}"


def _is_pin(secret: str) -> bool:
    return secret.isascii() and secret.isdigit()


def _secret_matches(member: Member | None, secret: str) -> bool:
    """Card code or PIN; a PIN runs the same scrypt whether or not the member exists."""
    if _is_pin(secret):
        stored = member.pin_hash if member is not None and not member.deleted else None
        return check_pin(secret, stored)
    try:
        ref = parse_payload(secret)
    except (BadInput, ForeignCode):
        ref = None
    return (isinstance(ref, CardRef) and member is not None and not member.deleted
            and member.card_hash == hash_card_token(ref.token))


def authenticate_member(s: Session, number: str, secret: str) -> Member:
    """The member whose number and card code (or PIN) these are (no throttling: see :func:`sign_in`)."""
    member = s.get(Member, norm_number(number))
    if not _secret_matches(member, (secret or "").strip()) or member is None:
        raise BadInput(WRONG_SECRET)
    return member


def _attempts_row(s: Session, subject: str, address: str) -> PinAttempt:
    """The (number, address) row, created if new and locked until the transaction ends."""
    add: Executable
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        add = pg_insert(PinAttempt).values(subject=subject, address=address, failures=0).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        add = sqlite_insert(PinAttempt).values(subject=subject, address=address, failures=0).on_conflict_do_nothing()
    s.execute(add)
    return s.execute(select(PinAttempt).where(PinAttempt.subject == subject, PinAttempt.address == address)
                     .with_for_update()).scalar_one()


def sign_in(db: Database, number: str, secret: str, address: str, now: dt.datetime) -> str:
    """Check a resident's membership number and PIN or card code; returns the number.

    PIN tries are counted per (number, client ``address``) before the PIN is
    checked, in their own committed transaction, whether or not the number
    exists (see :data:`kiosk.throttle.MEMBER_PIN`); while a wait runs the PIN
    is not checked and :class:`~kiosk.throttle.TooManyTries` says for how
    long. A card code is a long random secret, never throttled: guessing
    PINs cannot keep a member from using their card.
    """
    subject = norm_number(number)
    secret = (secret or "").strip()
    address = (address or "unknown")[:64]
    verdict = None
    if _is_pin(secret):
        with db.transaction() as s:
            row = _attempts_row(s, subject, address)
            last = from_iso(row.last_failure) if row.last_failure else None
            verdict = reserve(MEMBER_PIN, row.failures, last, now)
            if not verdict.allowed:
                log.warning("member PIN refused unchecked: %s from %s must wait %d s",
                            subject, address, verdict.retry_after_s)
                raise TooManyTries(verdict.retry_after_s, PIN_LOCKED if verdict.locked_out else PIN_WAIT)
            row.failures, row.last_failure = verdict.failures, to_iso(now)
    with db.transaction() as s:
        member = s.get(Member, subject)
        ok = _secret_matches(member, secret) and member is not None
    if ok:
        if verdict is not None:
            with db.transaction() as s:
                s.execute(delete(PinAttempt).where(PinAttempt.subject == subject,
                                                   PinAttempt.address == address))
        log.info("member %s signed in from %s", subject, address)
        return subject
    if verdict is None:
        log.warning("wrong card code for %s from %s", subject, address)
        raise BadInput(WRONG_SECRET)
    log.warning("wrong member PIN for %s from %s (%d in a row)", subject, address, verdict.failures)
    wait = MEMBER_PIN.wait_s(verdict.failures)
    if wait:
        raise TooManyTries(wait, PIN_LOCKED if verdict.locked_out else PIN_WAIT)
    raise BadInput(WRONG_SECRET)


def member_of(s: Session, number: str) -> Member:
    """The member :func:`sign_in` named, in the caller's transaction."""
    member = s.get(Member, number)
    if member is None or member.deleted:
        raise BadInput(WRONG_SECRET)
    return member


def items_with_code(s: Session, code: str) -> list[Item]:
    """Every centre's item numbered ``code`` (centres number their items independently)."""
    return list(s.execute(select(Item).where(Item.code == code, Item.origin != "placeholder")
                          .order_by(Item.home_site)).scalars())


def resolve_item(s: Session, text: str, site: str | None = None, prefer: str | None = None) -> Item:
    """The item ``text`` names: ``SITE/CODE``, a label URL, or a code (with ``site``,
    or when only one centre has an item of that code, or else centre ``prefer``'s:
    a member's bare code means their own centre's item)."""
    text = text or ""
    ref: ItemRef | None = None
    head, _, tail = text.rpartition("/")
    if "://" not in text and head and normalise_item_code(tail):
        ref = ItemRef(normalise_item_code(tail) or "", head)
    elif normalise_item_code(text):
        ref = ItemRef(normalise_item_code(text) or "")
    else:
        try:
            parsed = parse_payload(text)
        except (BadInput, ForeignCode):
            parsed = None
        ref = parsed if isinstance(parsed, ItemRef) else None
    item = None
    if ref is not None and (ref.site or site):
        item = s.get(Item, item_key(ref.site or site or "", ref.code))
    elif ref is not None:
        found = items_with_code(s, ref.code)
        if len(found) > 1 and prefer:
            found = [i for i in found if i.home_site == prefer]
        item = found[0] if len(found) == 1 else None
    if item is None:
        raise NotFound("No item with code {code}.", code=text)
    return item


def active_count(s: Session, item_key: str) -> int:
    return s.execute(select(func.count()).select_from(Reservation).where(
        Reservation.item_key == item_key, Reservation.status.in_(ACTIVE_RESERVATION))).scalar_one()


def is_available(s: Session, item: Item) -> bool:
    return item.status == "available" and not item.retired and active_count(s, item.key) == 0


def notify_reservation(s: Session, res: Reservation, notify: Notify) -> None:
    """Feed rows for the reservation, and for its member where they are not at home."""
    member = s.get(Member, res.member_number)
    if member is not None and member.home_site != res.site:
        notify("member", member.number, res.site)
    notify("reservation", res.uid, res.site)


def tell(s: Session, member: str, res: Reservation | None, msgid: str, now: str, **params: Any) -> None:
    s.add(Notice(member_number=member, reservation_uid=res.uid if res else None, msgid=msgid,
                 params=params, created_at=now))


def create(s: Session, member: Member, item: Item, now: str, notify: Notify) -> Reservation:
    """A resident's request to pick ``item`` up at its home centre."""
    if member.status != "active":
        raise Refused("member_suspended", "Your membership is suspended. Please see staff.")
    if member.expires_on < now[:10]:
        raise Refused("member_expired",
                      "Your membership expired on {date}. Please see staff to renew it.",
                      date=member.expires_on)
    if item.retired:
        raise Refused("retired", "This item is no longer lent.")
    if item.home_site != member.home_site:
        honours = honoured_sites(s, item.home_site)
        if honours is not None and member.home_site not in honours:
            raise Refused("card_policy", NOT_LENT_TO_YOUR_CENTRE, site=item.home_site)
    mine = s.execute(select(Reservation.status).where(
        Reservation.member_number == member.number,
        Reservation.status.in_(ACTIVE_RESERVATION))).scalars().all()
    if len(mine) >= MAX_ACTIVE_PER_MEMBER:
        raise Refused("too_many", "You can hold up to {count} reservations at a time.",
                      count=MAX_ACTIVE_PER_MEMBER)
    same = s.execute(select(Reservation.uid).where(
        Reservation.member_number == member.number, Reservation.item_key == item.key,
        Reservation.status.in_(ACTIVE_RESERVATION))).first()
    if same:
        raise Refused("already_reserved", "You are already on the list for this item.")
    res = Reservation(uid=str(uuid.uuid4()), item_key=item.key, member_number=member.number,
                      site=item.home_site, status="requested", source="platform",
                      created_at=now, updated_at=now)
    s.add(res)
    s.flush()
    notify_reservation(s, res, notify)
    return res


def cancel(s: Session, member: Member, uid: str, now: str, notify: Notify) -> Reservation:
    res = s.get(Reservation, uid)
    if res is None or res.member_number != member.number:
        raise NotFound("No such reservation.")
    if res.status not in ACTIVE_RESERVATION:
        raise Refused("not_active", "This reservation has already ended.")
    res.status = "cancelled"
    res.updated_at = now
    notify_reservation(s, res, notify)
    return res


def find_copy(s: Session, item: Item) -> Item | None:
    """Another copy of the same thing at the same centre, free now."""
    candidates = s.execute(select(Item).where(
        Item.home_site == item.home_site, Item.name_ko == item.name_ko,
        Item.category == item.category, Item.key != item.key,
        Item.status == "available", Item.retired.is_(False)).order_by(Item.code)).scalars().all()
    for c in candidates:
        if active_count(s, c.key) == 0:
            return c
    return None


def displace(s: Session, res: Reservation, item: Item, loan: Loan, now: str, notify: Notify) -> None:
    """A loan the kiosk made offline took the item this request wanted."""
    copy = find_copy(s, item)
    if copy is not None:
        res.moved_from = res.item_key
        res.item_key = copy.key
        tell(s, res.member_number, res, MOVED_TO_COPY, now, item=item.code, copy=copy.code)
    else:
        tell(s, res.member_number, res, MOVED_LATER, now, item=item.code, due=loan.due_on or "")
    res.updated_at = now
    notify_reservation(s, res, notify)


def requests_for(s: Session, item_key: str) -> list[Reservation]:
    return list(s.execute(select(Reservation).where(
        Reservation.item_key == item_key, Reservation.status == "requested")
        .order_by(Reservation.created_at, Reservation.uid)).scalars())
