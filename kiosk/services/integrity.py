"""Tamper evidence: the event log against its seal, the platform's acknowledgement and the data.

Three checks, each catching what the one before cannot:

1. the hash chain (:func:`kiosk.store.events.verify_chain`): an event edited,
   removed from the middle or reordered;
2. the anchors: the *seal* (:mod:`kiosk.store.seal`, a MAC under the kiosk key
   held outside the database) catches the last events deleted and a chain
   recomputed after an edit; the *platform anchor* (the sequence and hash of
   the last event the platform acknowledged, kept by sync) catches the same
   for everything already synced, even by someone who also holds the key;
3. the replay (:func:`replay_problems`): the events folded into the state
   they describe (open loans with item, member and due date; item status;
   member status and expiry), compared with the tables, so a row changed
   behind the log's back is named.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.i18n import N_, Message
from kiosk.store import migrate
from kiosk.store.db import DB_FILENAME, make_engine, storage_errors
from kiosk.store.events import verify_chain
from kiosk.store.models import Event, Item, ItemStatus, Loan, Member, Setting
from kiosk.store.seal import SEAL_KEY, LogKey, seal_matches, seal_value

if TYPE_CHECKING:
    from kiosk.clock import Clock
    from kiosk.services.core import Kiosk

log = logging.getLogger(__name__)
ACKED_SEQ = "sync_acked_seq"  # kiosk.services.syncstate keeps both
ACKED_HASH = "sync_acked_hash"


@dataclass
class LogReport:
    """What verifying the event log found; ``problems`` are translatable messages."""

    ok: bool
    count: int
    first_bad_seq: int | None = None
    reason: str | None = None  # the first problem: a msgid (chain) or its text (anchors)
    problems: list[Message] = field(default_factory=list)


# -- opening ------------------------------------------------------------------
def open_read_only(data_dir: Path, clock: Clock, defaults: dict[str, Any] | None) -> Kiosk | None:
    """The kiosk in ``data_dir`` opened for reading only, or None when it must be opened
    normally (no database yet, or one that needs migrating first)."""
    from kiosk.services.core import Kiosk

    db = Path(data_dir) / DB_FILENAME
    if not db.is_file() or db.stat().st_size == 0:
        return None
    engine = make_engine(db, read_only=True)
    with storage_errors():
        try:
            at_head = migrate.current_revision(engine) == migrate.newest_revision_file()
        except BaseException:
            engine.dispose()
            raise
    if not at_head:
        engine.dispose()
        return None
    return Kiosk(engine, clock, defaults)


def start_seal(k: Kiosk) -> None:
    """Seal the log of a kiosk set up before logs were sealed (first normal open).

    Only when there is neither a key file nor a seal: a seal without its key
    is a finding for :func:`verify_log`, never a reason to make a new key.
    """
    if k.log_key.exists:
        return
    with k.reading() as s:
        if s.get(Setting, "kiosk_id") is None or s.get(Setting, SEAL_KEY) is not None:
            return
    try:
        with k.transaction() as s:
            if s.get(Setting, SEAL_KEY) is not None:
                return
            kiosk_id = s.get_one(Setting, "kiosk_id").value
            head = s.execute(select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)).first()
            key = k.log_key.create()
            seq, head_hash = (head.seq, head.hash) if head else (0, "")
            s.add(Setting(key=SEAL_KEY, value=seal_value(key, kiosk_id, seq, head_hash)))
    except OSError as exc:  # a folder the kiosk cannot write: verify_log will say so
        log.warning("cannot create the log key %s: %s", k.log_key.path, exc)


# -- verifying ----------------------------------------------------------------
def verify_log(s: Session, log_key: LogKey) -> LogReport:
    """The hash chain, then the seal and the platform anchor (see the module docstring)."""
    chain = verify_chain(s)
    if not chain.ok:
        msg = Message(N_("Event log broken at event {seq}: {reason}"),
                      {"seq": chain.first_bad_seq, "reason": Message(chain.reason or "")})
        return LogReport(False, chain.count, chain.first_bad_seq, chain.reason, [msg])
    problems: list[tuple[int, Message]] = []
    head = s.execute(select(Event.seq, Event.hash, Event.kiosk_id)
                     .order_by(Event.seq.desc()).limit(1)).first()
    count = head.seq if head else 0
    settings: dict[str, Any] = dict(s.execute(select(Setting.key, Setting.value).where(
        Setting.key.in_((SEAL_KEY, ACKED_SEQ, ACKED_HASH, "kiosk_id")))).all())
    problems += _seal_problems(settings, head, log_key)
    problems += _platform_problems(s, settings, count)
    if not problems:
        return LogReport(True, chain.count)
    first_seq, first = problems[0]
    return LogReport(False, chain.count, first_seq, str(first), [m for _seq, m in problems])


def _seal_problems(settings: dict[str, Any], head: Any, log_key: LogKey) -> list[tuple[int, Message]]:
    count = head.seq if head else 0
    seal = settings.get(SEAL_KEY)
    if settings.get("kiosk_id") is None and head is None:
        return []  # not set up: nothing to seal yet
    if seal is None:
        return [(count + 1, Message(N_("The event log has no seal: it was removed, or the log "
                                       "was replaced.")))]
    key = log_key.key
    if key is None:
        return [(count + 1, Message(N_("The kiosk key file {path} is missing or unreadable, so the "
                                       "event log's seal cannot be checked."), {"path": str(log_key.path)}))]
    sealed = seal.get("seq") if isinstance(seal, dict) else None
    if isinstance(sealed, int) and sealed > count:
        return [(count + 1, Message(N_("The seal covers {sealed} events but the log has only {count}: "
                                       "the last events were removed."), {"sealed": sealed, "count": count}))]
    if isinstance(sealed, int) and sealed < count:
        return [(sealed + 1, Message(N_("The log has {count} events but its seal covers only {sealed}: "
                                        "events were added without the kiosk key."),
                                     {"sealed": sealed, "count": count}))]
    kiosk_id: str = head.kiosk_id if head else settings["kiosk_id"]  # set up: see above
    if not seal_matches(key, kiosk_id, seal, count, head.hash if head else ""):
        return [(count, Message(N_("The seal does not match the log: the log was rewritten, or it "
                                   "was sealed with another kiosk's key.")))]
    return []


def _platform_problems(s: Session, settings: dict[str, Any], count: int) -> list[tuple[int, Message]]:
    try:
        acked = int(settings.get(ACKED_SEQ) or 0)
    except (TypeError, ValueError):
        acked = 0
    if acked > count:
        return [(count + 1, Message(N_("The platform acknowledged {acked} events but the log has only "
                                       "{count}: events were removed."), {"acked": acked, "count": count}))]
    want = settings.get(ACKED_HASH)
    if acked and isinstance(want, str):
        have = s.execute(select(Event.hash).where(Event.seq == acked)).scalar()
        if have != want:
            return [(acked, Message(N_("Event {seq} is not the one the platform acknowledged: the log "
                                       "was rewritten."), {"seq": acked}))]
    return []


# -- replay -------------------------------------------------------------------
@dataclass
class _Expected:
    # Keys and values as the (sealed, but free-form) payloads name them.
    loans: dict[Any, dict[str, Any]] = field(default_factory=dict)  # uid -> item, member, due
    # item key -> (status, seq); the key is the code for this site's items, SITE/CODE otherwise
    items: dict[Any, tuple[str | None, int]] = field(default_factory=dict)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # number -> status/expiry + seqs
    member_pull: int = 0  # seq of the last pull that changed members
    item_pull: int = 0  # ... that changed items or reservations


#: an item's status after a return, by where the resident was asked to put it
RETURN_STATUS: dict[object, str] = {"shelf": ItemStatus.AVAILABLE, "reservation_shelf": ItemStatus.HELD,
                  "staff": ItemStatus.INSPECTION, "transfer": ItemStatus.IN_TRANSIT}


def _item_key(code: Any, site: Any, own_site: str | None) -> Any:
    """An item as the replay names it: its code, prefixed by its site when not this kiosk's."""
    return code if not site or site == own_site else f"{site}/{code}"


def _fold(x: _Expected, seq: int, type_: str, p: dict[str, Any], own_site: str | None = None) -> None:
    """One event's effect on the state the replay tracks."""
    item = _item_key(p.get("item"), p.get("item_site"), own_site)
    if type_ == "loan.checked_out":
        x.loans[p["loan"]] = {"item": item, "member": p.get("member"), "due": p.get("due")}
        x.items[item] = (ItemStatus.ON_LOAN, seq)
    elif type_ == "loan.renewed" and p.get("loan") in x.loans:
        x.loans[p["loan"]]["due"] = p.get("due")
    elif type_ == "loan.returned":
        x.loans.pop(p.get("loan"), None)
        x.items[item] = (RETURN_STATUS.get(p.get("destination")), seq)
    elif type_ == "transfer.started":
        x.loans.pop(p.get("loan"), None)
        x.items[item] = (ItemStatus.IN_TRANSIT, seq)
    elif type_ == "transfer.received":
        x.items[item] = (RETURN_STATUS.get(p.get("destination")), seq)
    elif type_ == "item.added":
        x.items[item] = (ItemStatus.AVAILABLE, seq)
    elif type_ in ("item.status_changed", "item.inspected"):
        x.items[item] = (p.get("to"), seq)
    elif type_ == "item.retired":
        x.items[item] = (ItemStatus.RETIRED, seq)
    elif type_ == "reservation.created" and p.get("status") == "held":
        x.items[item] = (ItemStatus.HELD, seq)
    elif type_ == "reservation.expired":
        x.items[item] = (ItemStatus.HELD if p.get("next") else ItemStatus.AVAILABLE, seq)
    elif type_ == "reservation.cancelled":
        x.items[item] = (None, seq)  # a held item goes to the next member or the shelf: not logged
    elif type_ == "member.registered":
        x.members[p["member"]] = {"status": "active", "status_seq": seq,
                                  "expires_on": p.get("expires_on"), "expiry_seq": seq}
    elif type_ == "member.status_changed":
        x.members.setdefault(p["member"], {}).update(status=p.get("status"), status_seq=seq)
    elif type_ == "member.erased":  # the member's row keeps only the number, suspended
        x.members.setdefault(p["member"], {}).update(status="suspended", status_seq=seq)
    elif type_ == "member.renewed":
        x.members.setdefault(p["member"], {}).update(expires_on=p.get("expires_on"), expiry_seq=seq)
    elif type_ == "sync.pulled":
        changed = p.get("changed") or {}
        if changed.get("member"):
            x.member_pull = seq
        if changed.get("item") or changed.get("reservation") or changed.get("transfer") \
                or changed.get("loan") or p.get("accepted") or p.get("cancelled"):
            x.item_pull = seq
        for ln in p.get("loans") or []:
            # the centre's other kiosks' loans, and this kiosk's loans ended elsewhere
            if not isinstance(ln, dict):
                continue
            if ln.get("state") == "closed":
                x.loans.pop(ln.get("loan"), None)
            else:
                x.loans[ln.get("loan")] = {"item": _item_key(ln.get("item"), ln.get("item_site"), own_site),
                                           "member": ln.get("member"), "due": ln.get("due")}
        for acc in p.get("accepted") or []:
            if isinstance(acc, dict) and acc.get("status") == "held":
                x.items[_item_key(acc.get("item"), acc.get("item_site"), own_site)] = (
                    ItemStatus.HELD, seq)


def replay(s: Session, batch: int = 5000) -> _Expected:
    """Fold the whole log into the state it describes."""
    import json

    x = _Expected()
    own = s.get(Setting, "site")
    own_site = own.value if own is not None else None
    last = 0
    while True:
        rows = s.execute(select(Event.seq, Event.type, Event.payload).where(Event.seq > last)
                         .order_by(Event.seq).limit(batch)).all()
        if not rows:
            return x
        for seq, type_, payload in rows:
            try:
                p = json.loads(payload)
                if isinstance(p, dict):
                    _fold(x, seq, type_, p, own_site)
            except (ValueError, KeyError, TypeError):
                pass  # an event the replay cannot read changes nothing it tracks
            last = seq


def replay_problems(s: Session, limit: int = 50) -> list[Message]:
    """Differences between the tables and what the event log replays to, each named."""
    x = replay(s)
    own = s.get(Setting, "site")
    own_site = own.value if own is not None else None
    out: list[Message] = []
    open_rows = s.execute(select(Loan.uid, Item.code, Item.home_site, Member.number, Loan.due_on)
                          .join(Item, Loan.item_id == Item.id)
                          .outerjoin(Member, Loan.member_id == Member.id)
                          .where(Loan.returned_at.is_(None))).all()
    seen = set()
    for uid, code, home, number, due in open_rows:
        code = _item_key(code, home, own_site)
        seen.add(uid)
        want = x.loans.get(uid)
        if want is None:
            out.append(Message(N_("The open loan of {item} to {member} is not in the event log."),
                               {"item": code, "member": number or "-"}))
            continue
        if want["item"] != code:
            out.append(Message(N_("The open loan of {item} was logged for item {logged}."),
                               {"item": code, "logged": want["item"]}))
        if want["member"] != number:
            out.append(Message(N_("The loan of {item} is to member {member}, but the event log lent it "
                                  "to {logged}."), {"item": code, "member": number or "-",
                                                    "logged": want["member"]}))
        if want["due"] != due:
            out.append(Message(N_("The loan of {item} is due {due}, but the event log says {logged}."),
                               {"item": code, "due": due, "logged": want["due"]}))
    for uid, want in x.loans.items():
        if uid not in seen:
            out.append(Message(N_("The event log has {item} on loan to {member}, but the database has "
                                  "no such open loan."), {"item": want["item"], "member": want["member"]}))
    for code, home, status in s.execute(select(Item.code, Item.home_site, Item.status)).all():
        code = _item_key(code, home, own_site)
        logged, seq = x.items.get(code, (None, 0))
        on_loan_logged = any(w["item"] == code for w in x.loans.values())
        if (status == ItemStatus.ON_LOAN) != on_loan_logged:
            if status == ItemStatus.ON_LOAN or logged == ItemStatus.ON_LOAN:
                out.append(Message(N_("Item {item} is {status}, but the event log says {logged}."),
                                   {"item": code, "status": status,
                                    "logged": ItemStatus.ON_LOAN if on_loan_logged else logged or "-"}))
            continue
        if logged is not None and seq > x.item_pull and logged != status:
            out.append(Message(N_("Item {item} is {status}, but the event log says {logged}."),
                               {"item": code, "status": status, "logged": logged}))
    for number, status, expires in s.execute(select(Member.number, Member.status, Member.expires_on)).all():
        want = x.members.get(number)
        if want is None:
            if not x.member_pull:
                out.append(Message(N_("Member {member} is not in the event log."), {"member": number}))
            continue
        if want.get("status_seq", 0) > x.member_pull and want.get("status") != status:
            out.append(Message(N_("Member {member} is {status}, but the event log says {logged}."),
                               {"member": number, "status": status, "logged": want.get("status")}))
        if want.get("expiry_seq", 0) > x.member_pull and want.get("expires_on") != expires:
            out.append(Message(N_("Member {member}'s membership ends {date}, but the event log says "
                                  "{logged}."), {"member": number, "date": expires,
                                                 "logged": want.get("expires_on")}))
    return out[:limit]
