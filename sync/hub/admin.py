"""Running the platform: sites, kiosks and their credentials, the catalogue and
members the platform owns, closed days, statistics and housekeeping.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, cast

from sqlalchemy import CursorResult, delete, distinct, func, or_, select, update
from sqlalchemy.orm import Session

from kiosk.clock import to_iso, utcnow
from kiosk.codes import card_payload, hash_card_token, new_card_token, normalise_item_code
from kiosk.errors import BadInput, NotFound
from kiosk.limits import has_forbidden_chars
from kiosk.secrets_hash import hash_pin
from kiosk.store.events import HybridClock
from kiosk.throttle import MEMBER_PIN
from sync.events import sane_hlc
from sync.hub import feed
from sync.hub.db import Database
from sync.hub.feed import Notifier
from sync.hub.models import (
    Administrator,
    CardPolicy,
    ClosedDay,
    Conflict,
    Event,
    Item,
    Kiosk,
    Loan,
    Member,
    PinAttempt,
    Reservation,
    Site,
    item_key,
)

CREDENTIAL_PREFIX = "nkc1_"
ADMIN_TOKEN_PREFIX = "nka1_"
PLATFORM_MEMBER_BASE = 900000  # platform numbers M-900001... (six digits)
#: kiosks number their members M-<block><5 digits>: block 10 gives M-1000001, block 123
#: M-12300001. Blocks starting with 9 are skipped, so a kiosk's numbers never sort
#: among the platform's; 800 blocks before the first eight-digit block past 899.
FIRST_MEMBER_BLOCK, LAST_MEMBER_BLOCK = 10, 899


def next_member_block(s: Session) -> int:
    """The lowest block no kiosk has yet."""
    used = set(s.execute(select(Kiosk.member_block).where(Kiosk.member_block.is_not(None))).scalars())
    n = FIRST_MEMBER_BLOCK
    while n in used or str(n).startswith("9"):
        n += 1
    if n > LAST_MEMBER_BLOCK:
        raise BadInput("Every block of membership numbers is taken.")
    return n


def hash_credential(credential: str) -> str:
    return hashlib.sha256(credential.encode("utf-8")).hexdigest()


def now_iso() -> str:
    return to_iso(utcnow())


def _stamp(previous: str | None) -> str:
    """A platform edit's HLC: after the record's last stamp, whatever the clocks say.

    A stored stamp that is malformed or far ahead counts as none: the edit
    then carries the platform's clock instead of raising or freezing the record.
    """
    now_ms = int(utcnow().timestamp() * 1000)
    return HybridClock.tick(sane_hlc(previous, now_ms) or None, now_ms)


def init(db: Database) -> str:
    """Create the schema (if needed) and the feed epoch; returns the epoch."""
    from sync.hub.db import upgrade

    upgrade(db.engine)
    with db.transaction() as s:
        return feed.ensure_epoch(s)


def restored(db: Database) -> str:
    """After the platform's database was put back from a backup: a new feed epoch.

    The restored change feed numbers its rows again from the backup's point, so
    a kiosk's cursor could lie past rows written from now on; with a new epoch
    every cursor is expired and each kiosk downloads the feed whole once. The
    kiosks also send again their events the platform lost (sync.round).
    Returns the new epoch.
    """
    with db.transaction() as s:
        epoch = secrets.token_hex(4)
        feed.set_meta(s, "epoch", epoch)
    return epoch


def add_site(db: Database, code: str, name: str) -> None:
    code = (code or "").strip()
    if not code or len(code) > 32 or not name.strip():
        raise BadInput("A site needs a code (up to 32 characters) and a name.")
    with db.transaction() as s:
        if s.get(Site, code) is not None:
            raise BadInput("Site {site} exists already.", site=code)
        s.add(Site(code=code, name=name.strip(), created_at=now_iso()))


def add_kiosk(db: Database, kiosk_id: str, site: str, rotate: bool = False) -> str:
    """Register a kiosk for a site and return its new credential (shown once).

    With ``rotate`` an existing kiosk gets a new credential; the old one stops working.
    """
    credential = CREDENTIAL_PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as s:
        if s.get(Site, site) is None:
            raise NotFound("No site {site} on the platform.", site=site)
        k = s.get(Kiosk, kiosk_id)
        if k is not None and not rotate:
            raise BadInput("Kiosk {kiosk} is registered already; use --rotate for a new credential.",
                           kiosk=kiosk_id)
        if k is None:
            s.add(Kiosk(kiosk_id=kiosk_id, site=site, credential_hash=hash_credential(credential),
                        created_at=now_iso(), held_seq=0, head_hash="0" * 64,
                        member_block=next_member_block(s)))
        else:
            if k.site != site:
                raise BadInput("Kiosk {kiosk} belongs to site {site}.", kiosk=kiosk_id, site=k.site)
            k.credential_hash = hash_credential(credential)
            k.revoked_at = None
    return credential


def revoke_kiosk(db: Database, kiosk_id: str) -> None:
    with db.transaction() as s:
        k = s.get(Kiosk, kiosk_id)
        if k is None:
            raise NotFound("No kiosk {kiosk} on the platform.", kiosk=kiosk_id)
        k.revoked_at = now_iso()


def add_admin(db: Database, name: str, rotate: bool = False, role: str | None = None,
              district: str | None = None, site: str | None = None) -> str:
    """Create an administrator and return their new token (shown once, stored hashed).

    ``role`` is ``city`` (the default for a new account), ``district`` (with
    ``district``) or ``centre`` (with ``site``): see :mod:`sync.hub.roles`. With
    ``rotate`` a known administrator gets a new token (and ``role``, if given);
    the old token stops working.
    """
    from sync.hub.roles import check_role

    name = (name or "").strip()
    if not name or len(name) > 64 or has_forbidden_chars(name):
        raise BadInput("An administrator needs a name of up to 64 printable characters.")
    token = ADMIN_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as s:
        a = s.get(Administrator, name)
        if a is not None and not rotate:
            raise BadInput("Administrator {name} exists already; use --rotate for a new token.", name=name)
        bound = check_role(s, role or "city", district, site) if role or a is None else None
        if a is None:
            a = Administrator(name=name, token_hash=hash_credential(token), created_at=now_iso())
            s.add(a)
        else:
            a.token_hash, a.revoked_at = hash_credential(token), None
        if bound is not None:
            a.role, a.district, a.site = bound
    return token


def revoke_admin(db: Database, name: str) -> None:
    with db.transaction() as s:
        a = s.get(Administrator, name)
        if a is None:
            raise NotFound("No administrator {name} on the platform.", name=name)
        a.revoked_at = now_iso()


def authenticate_admin(s: Session, token: str | None) -> str | None:
    """The administrator's name for this token, or None (unknown, revoked or a kiosk's)."""
    if not token or not token.startswith(ADMIN_TOKEN_PREFIX):
        return None
    a = s.execute(select(Administrator).where(
        Administrator.token_hash == hash_credential(token))).scalar_one_or_none()
    return None if a is None or a.revoked_at is not None else a.name


def authenticate_kiosk(s: Session, credential: str | None, lock: bool = False) -> Kiosk | None:
    """The kiosk this credential belongs to, or None (unknown or revoked)."""
    if not credential:
        return None
    q = select(Kiosk).where(Kiosk.credential_hash == hash_credential(credential))
    if lock:
        q = q.with_for_update()
    k = s.execute(q).scalar_one_or_none()
    if k is None or k.revoked_at is not None:
        return None
    return k


# -- the platform's own records --------------------------------------------------------
def add_item(db: Database, code: str, name_ko: str, site: str, **fields: Any) -> str:
    """Add an item of centre ``site``; its code must be new at that centre (other
    centres may use it). Returns the code."""
    norm = normalise_item_code(code or "")
    if norm is None:
        raise BadInput("Not an item code: {code}", code=code)
    with db.transaction() as s:
        if s.get(Site, site) is None:
            raise NotFound("No site {site} on the platform.", site=site)
        if s.get(Item, item_key(site, norm)) is not None:
            raise BadInput("Item code {code} is already in the catalogue.", code=norm)
        item = Item(key=item_key(site, norm), code=norm, name_ko=name_ko, home_site=site, location=site,
                    status="available", retired=False, origin="platform", parts=[], aliases=[],
                    updated_hlc=_stamp(None))
        for key, value in fields.items():
            setattr(item, key, value)
        s.add(item)
        Notifier(s)("item", item.key, None)
    return norm


def update_item(db: Database, code: str, site: str | None = None, **fields: Any) -> None:
    """Change catalogue fields (name, parts, home_site, retired...) of item ``code`` of
    centre ``site`` (None: the one centre that has an item of that code).

    A new ``home_site`` renames the item (``NEW/CODE``): its loans and reservations
    follow, and kiosks re-home their row of it.
    """
    from sync.hub.reservations import resolve_item

    with db.transaction() as s:
        item = resolve_item(s, code, site)
        home = fields.pop("home_site", item.home_site)
        for key, value in fields.items():
            setattr(item, key, value)
        item.origin = "platform"  # from now on the platform's record is complete
        item.updated_hlc = _stamp(item.updated_hlc)
        if home != item.home_site:
            new_key = item_key(home, item.code)
            if s.get(Site, home) is None:
                raise NotFound("No site {site} on the platform.", site=home)
            if s.get(Item, new_key) is not None:
                raise BadInput("Item code {code} is already in the catalogue.", code=item.code)
            old_key = item.key
            s.execute(update(Loan).where(Loan.item_key == old_key).values(item_key=new_key))
            s.execute(update(Reservation).where(Reservation.item_key == old_key)
                      .values(item_key=new_key))
            item.moved_from, item.home_site, item.key = item.home_site, home, new_key
        Notifier(s)("item", item.key, None)


def add_member(db: Database, site: str, display_name: str, member_type: str = "standard",
               expires_on: dt.date | None = None, pin: str | None = None,
               language: str = "ko") -> tuple[str, str]:
    """Register a resident on the platform; returns (number, card payload shown once)."""
    token = new_card_token()
    expires = (expires_on or (dt.date.today() + dt.timedelta(days=365))).isoformat()
    with db.transaction() as s:
        if s.get(Site, site) is None:
            raise NotFound("No site {site} on the platform.", site=site)
        top = s.execute(select(func.max(Member.number)).where(
            Member.number >= "M-900000", func.length(Member.number) == 8)).scalar()
        n = int(top[2:]) + 1 if top else PLATFORM_MEMBER_BASE + 1
        number = f"M-{n:06d}"
        s.add(Member(number=number, home_site=site, display_name=display_name,
                     card_hash=hash_card_token(token), pin_hash=hash_pin(pin) if pin else None,
                     member_type=member_type, expires_on=expires, status="active", language=language,
                     origin="platform", deleted=False, updated_hlc=_stamp(None)))
        Notifier(s)("member", number, site)
        Notifier(s)("member", number, None)  # other centres: a guest row (sync.hub.feed)
    return number, card_payload(token)


def register_member(db: Database, site: str, display_name: str, member_type: str = "standard",
                    expires_on: dt.date | None = None, pin: str | None = None,
                    language: str = "ko") -> tuple[str, str]:
    """:func:`add_member` for input from people (a command, a file): checked with
    the kiosk's rules first, and a clear message for anything wrong."""
    from kiosk.i18n import LANGUAGES
    from kiosk.limits import is_pin
    from kiosk.services.members import member_name, normalise_member_type

    name = member_name(display_name)
    member_type = normalise_member_type(member_type)
    if pin is not None and not is_pin(pin):
        raise BadInput("A PIN has 4 to 8 digits.")
    if language not in LANGUAGES:
        language = "ko"
    return add_member(db, site, name, member_type, expires_on=expires_on, pin=pin, language=language)


def import_members(db: Database, site: str, path: str) -> dict[str, Any]:
    """Register every row of a members file (CSV or XLSX, the kiosk's columns) at ``site``.

    Every row is checked first (kiosk.services.importer's rules and limits);
    with any bad row nothing is registered. Contacts in the file are not kept:
    the platform holds only what reservations and lending need.
    """
    from kiosk.services.importer import check_member_file

    with db.transaction() as s:
        if s.get(Site, site) is None:
            raise NotFound("No site {site} on the platform.", site=site)
    total, good, errors = check_member_file(path)
    if errors:
        return {"rows": total, "errors": errors, "members": []}
    made = []
    for row, fields in good:
        number, card = add_member(db, site, fields["display_name"], fields["member_type"],
                                  expires_on=fields["expires_on"], language=fields["language"] or "ko")
        made.append({"row": row, "number": number, "card": card})
    return {"rows": total, "errors": [], "members": made}


def update_member(db: Database, number: str, **fields: Any) -> None:
    """Change a member (status, expires_on, member_type, home_site...)."""
    with db.transaction() as s:
        m = s.get(Member, number)
        if m is None or m.deleted:
            raise NotFound("No member with number {number}.", number=number)
        old_site = m.home_site
        for key, value in fields.items():
            setattr(m, key, value)
        m.updated_hlc = _stamp(m.updated_hlc)
        notify = Notifier(s)
        for site in {old_site, m.home_site, None, *feed.member_sites(s, number)}:
            notify("member", number, site)


def remove_member(db: Database, number: str) -> None:
    """Forget a resident: kiosks drop or anonymise them on their next pull."""
    with db.transaction() as s:
        m = s.get(Member, number)
        if m is None:
            raise NotFound("No member with number {number}.", number=number)
        m.deleted = True
        m.display_name = None
        m.card_hash = None
        m.pin_hash = None
        m.updated_hlc = _stamp(m.updated_hlc)
        notify = Notifier(s)
        for site in {m.home_site, None, *feed.member_sites(s, number)}:
            notify("member", number, site)


def card_policy(db: Database, site: str) -> dict[str, Any]:
    """``site``'s card policy (see :func:`set_card_policy`)."""
    with db.transaction() as s:
        if s.get(Site, site) is None:
            raise NotFound("No site {site} on the platform.", site=site)
        honours = feed.honoured_sites(s, site)
        if honours is None:
            return {"site": site, "honour": "all", "sites": []}
        return {"site": site, "honour": "list" if honours else "none", "sites": sorted(honours)}


def set_card_policy(db: Database, site: str, honour: str) -> dict[str, Any]:
    """Which other centres' cards ``site`` lends to: ``all``, ``none`` or ``SITE,SITE``.

    Every member of another centre is sent to ``site``'s kiosks again, so they
    learn the change on their next pull (lending there works offline).
    """
    text = (honour or "").strip()
    with db.transaction() as s:
        if s.get(Site, site) is None:
            raise NotFound("No site {site} on the platform.", site=site)
        if text.lower() in ("all", "none"):
            mode, sites = text.lower(), []
        else:
            sites = sorted({x.strip().upper() for x in text.split(",") if x.strip()} - {site})
            unknown = [x for x in sites if s.get(Site, x) is None]
            if not sites or unknown:
                raise BadInput("No site {site} on the platform.", site=",".join(unknown) or text[:40])
            mode = "list"
        policy = s.get(CardPolicy, site)
        if policy is None:
            policy = CardPolicy(site=site)
            s.add(policy)
        policy.honour, policy.sites, policy.updated_at = mode, sites, now_iso()
        notify = Notifier(s)
        for number in s.execute(select(Member.number).where(Member.home_site != site,
                                                            Member.deleted.is_(False))).scalars():
            notify("member", number, site)
        return {"site": site, "honour": mode, "sites": sites}


def set_closed_day(db: Database, site: str, day: dt.date, closed: bool = True, reason: str = "") -> None:
    with db.transaction() as s:
        row = s.get(ClosedDay, (site, day.isoformat()))
        if closed and row is None:
            s.add(ClosedDay(site=site, day=day.isoformat(), reason=reason))
        elif not closed and row is not None:
            s.delete(row)
        Notifier(s)("closed_day", day.isoformat(), site)


def compact(db: Database, purge_days: int | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Shrink the change feed, purge ended reservations older than ``purge_days``, and
    forget wrong-PIN counts the throttle no longer counts (kiosk.throttle)."""
    now = now or utcnow()
    cutoff = None
    if purge_days is not None:
        cutoff = to_iso(now - dt.timedelta(days=purge_days))
    forgotten = to_iso(now - dt.timedelta(seconds=MEMBER_PIN.forget_after_s))
    with db.transaction() as s:
        done = feed.compact(s, cutoff)
        forget = cast(CursorResult[Any], s.execute(delete(PinAttempt).where(or_(
            PinAttempt.last_failure.is_(None), PinAttempt.last_failure < forgotten))))  # DML: a cursor result
        done["pin_attempts"] = forget.rowcount
        return done


# -- statistics ------------------------------------------------------------------------
def stats(db: Database, sites: set[str] | None = None) -> dict[str, Any]:
    """City-wide sharing indicators, events per kiosk and conflict counts; with ``sites``
    (sync.hub.roles.visible_sites) only those sites' kiosks, loans and reservations."""
    with db.transaction() as s:
        per_kiosk = dict(s.execute(select(Event.kiosk_id, func.count()).group_by(Event.kiosk_id)).all())
        mine: set[str] = set()  # the kiosks of ``sites``
        if sites is not None:
            mine = set(s.execute(select(Kiosk.kiosk_id).where(Kiosk.site.in_(sites))).scalars())
            per_kiosk = {k: n for k, n in per_kiosk.items() if k in mine}
        lent = Loan.checked_out_at.is_not(None) if sites is None else \
            Loan.checked_out_at.is_not(None) & Loan.site.in_(sites)
        kiosks = [{"kiosk_id": k.kiosk_id, "site": k.site, "events": per_kiosk.get(k.kiosk_id, 0),
                   "held_seq": k.held_seq, "last_push_at": k.last_push_at,
                   "last_seen_at": k.last_seen_at, "revoked": k.revoked_at is not None,
                   "heartbeat": k.heartbeat if isinstance(k.heartbeat, dict) else None}
                  for k in s.execute(select(Kiosk).order_by(Kiosk.kiosk_id)).scalars()
                  if sites is None or k.site in sites]

        def mine_only(column: Any) -> list[Any]:
            return [] if sites is None else [column.in_(sites)]
        value = s.execute(select(func.coalesce(func.sum(Item.replacement_value), 0))
                          .select_from(Loan).join(Item, Item.key == Loan.item_key).where(lent)).scalar_one()
        return {
            "sites": s.execute(select(func.count()).select_from(Site)).scalar_one() if sites is None
            else len(sites),
            "kiosks": kiosks,
            "events": sum(per_kiosk.values()),
            "loans": s.execute(select(func.count()).select_from(Loan).where(lent)).scalar_one(),
            "open_loans": s.execute(select(func.count()).select_from(Loan).where(
                lent, Loan.returned_at.is_(None))).scalar_one(),
            "returns": s.execute(select(func.count()).select_from(Loan).where(
                Loan.returned_at.is_not(None), *mine_only(Loan.site))).scalar_one(),
            "members_reached": s.execute(select(func.count(distinct(Loan.member_number))).where(
                lent)).scalar_one(),
            "items_lent": s.execute(select(func.count(distinct(Loan.item_key))).where(lent)).scalar_one(),
            "value_shared_krw": int(value),
            "transfers": s.execute(select(func.count()).select_from(Loan).where(
                Loan.transfer.is_(True), *mine_only(Loan.site))).scalar_one(),
            "reservations": dict(s.execute(select(Reservation.status, func.count())
                                           .where(*mine_only(Reservation.site))
                                           .group_by(Reservation.status)).all()),
            "conflicts": dict(s.execute(select(Conflict.kind, func.count())
                                        .where(*([] if sites is None else [Conflict.kiosk_id.in_(mine)]))
                                        .group_by(Conflict.kind)).all()),
            "loans_by_site": dict(s.execute(select(Loan.site, func.count()).where(
                lent, Loan.site.is_not(None)).group_by(Loan.site)).all()),
            "loans_by_category": dict(s.execute(select(Item.category, func.count()).select_from(Loan)
                                                .join(Item, Item.key == Loan.item_key).where(lent)
                                                .group_by(Item.category)).all()),
        }
