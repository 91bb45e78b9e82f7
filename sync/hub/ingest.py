"""Applying a kiosk's events to the platform's records (called by sync.hub.push).

Physical possession decides: a loan or return that happened is never
rejected, only flagged in ``conflicts``. One kiosk's events are applied in
sequence order; records edited from several places (members, retirement)
keep the edit with the newest hybrid-logical-clock stamp.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kiosk.clock import from_iso
from sync.events import sane_hlc
from sync.hub import reservations as resv
from sync.hub.feed import ACTIVE_RESERVATION, FINAL_RESERVATION, Notifier
from sync.hub.models import Change, ClosedDay, Conflict, Item, Kiosk, Loan, Member, Reservation, Transfer, item_key
from sync.protocol import WireEvent


def handler_name(event_type: str) -> str:
    """The Applier method for an event type ("loan.returned" -> "on_loan_returned")."""
    return "on_" + event_type.replace(".", "_")


def parse_payloads(events: list[WireEvent]) -> list[tuple[WireEvent, dict[str, Any]]]:
    """Each event with its payload as a dict ({} when it is not a JSON object)."""
    parsed = []
    for e in events:
        try:
            payload = json.loads(e.payload)
        except ValueError:
            payload = None
        parsed.append((e, payload if isinstance(payload, dict) else {}))
    return parsed


class Applier:
    """Applies one batch of a kiosk's events to the platform's records."""

    def __init__(self, s: Session, kiosk: Kiosk, now: str) -> None:
        self.s = s
        self.kiosk = kiosk
        self.now = now
        self.now_ms = int(from_iso(now).timestamp() * 1000)
        self.notify = Notifier(s)
        self.items: dict[str, Item | None] = {}
        self.loans: dict[str, Loan | None] = {}
        self.members: dict[str, Member | None] = {}
        self.open_loans: dict[str, list[Loan]] = defaultdict(list)
        self.requested: dict[str, list[Reservation]] = {}
        self.loans_changed: set[tuple[str, str]] = set()  # (uid, site) of loans this batch changed

    # -- loading --------------------------------------------------------------
    def _preload(self, parsed: list[tuple[WireEvent, dict[str, Any]]]) -> None:
        codes, uids, numbers = batch_keys(self, parsed)
        for chunk in _chunks(sorted(codes)):
            for i in self.s.execute(select(Item).where(Item.key.in_(chunk))).scalars():
                self.items[i.key] = i
            for loan in self.s.execute(select(Loan).where(Loan.item_key.in_(chunk),
                                                          Loan.returned_at.is_(None))).scalars():
                self.open_loans[loan.item_key].append(loan)
                self.loans[loan.uid] = loan
            for code in chunk:
                self.requested[code] = []
            for res in self.s.execute(select(Reservation).where(
                    Reservation.item_key.in_(chunk), Reservation.status == "requested")
                    .order_by(Reservation.created_at, Reservation.uid)).scalars():
                self.requested[res.item_key].append(res)
        for chunk in _chunks(sorted(uids)):
            for loan in self.s.execute(select(Loan).where(Loan.uid.in_(chunk))).scalars():
                self.loans[loan.uid] = loan
        for chunk in _chunks(sorted(numbers)):
            for m in self.s.execute(select(Member).where(Member.number.in_(chunk))).scalars():
                self.members[m.number] = m

    def item(self, code: str) -> Item | None:
        if code not in self.items:
            self.items[code] = self.s.get(Item, code)
        return self.items[code]

    def member(self, number: str | None) -> Member | None:
        if not number:
            return None
        if number not in self.members:
            self.members[number] = self.s.get(Member, number)
        return self.members[number]

    def requests(self, code: str) -> list[Reservation]:
        if code not in self.requested:
            self.requested[code] = resv.requests_for(self.s, code)
        return self.requested[code]

    def loan(self, uid: str) -> Loan | None:
        if uid not in self.loans:
            self.loans[uid] = self.s.get(Loan, uid)
        return self.loans[uid]

    def loan_changed(self, loan: Loan) -> None:
        """The kiosks of the loan's centre learn of it (each shares the centre's loans)."""
        if loan.site:
            self.loans_changed.add((loan.uid, loan.site))

    def write_loan_changes(self) -> None:
        """The batch's loan rows of the feed, once each, in one order whichever path wrote them."""
        if self.loans_changed:
            # One statement for the batch: a week offline can hold thousands of loans.
            self.s.execute(insert(Change), [{"kind": "loan", "key": uid, "site": site}
                                            for uid, site in sorted(self.loans_changed)])
        self.loans_changed = set()

    def flag(self, ev: WireEvent, kind: str, subject: str, **detail: Any) -> None:
        self.s.add(Conflict(at=self.now, kiosk_id=self.kiosk.kiosk_id, event_id=ev.event_id,
                            kind=kind, subject=subject, detail=detail))

    # -- applying -------------------------------------------------------------
    def apply_all(self, events: list[WireEvent]) -> None:
        """Apply ``events`` one by one with ORM objects (sync.hub.fastapply does
        the common loan events set-based and falls back to this for the rest)."""
        self.apply_parsed(name_items(parse_payloads(events), self.kiosk.site))

    def apply_parsed(self, parsed: list[tuple[WireEvent, dict[str, Any]]]) -> None:
        """Apply events with their payloads (as sync.hub.push validated them)."""
        self._preload(parsed)
        for ev, payload in parsed:
            self.apply_one(ev, payload)
        self.write_loan_changes()
        self.s.flush()

    def apply_one(self, ev: WireEvent, payload: dict[str, Any]) -> None:
        handler = getattr(self, handler_name(ev.type), None)
        if handler is None:
            return  # kept in the log; nothing for the platform to do (staff logins...)
        try:
            handler(ev, payload)
        except (KeyError, TypeError, ValueError) as exc:
            # An event this platform cannot read (a newer kiosk?) must not block
            # the kiosk's outbox: keep it, flag it, go on.
            self.flag(ev, "unreadable_event", ev.type, error=str(exc)[:200])

    def on_item_added(self, ev: WireEvent, p: dict[str, Any]) -> None:
        code = p["item"]
        item = self.item(code)
        if item is None or item.origin == "placeholder":
            if item is None:
                item = Item(key=code, code=code.partition("/")[2],
                            location=p.get("home_site") or self.kiosk.site)
                self.s.add(item)
                self.items[code] = item
            item.name_ko = p.get("name_ko", code)
            item.name_en = p.get("name_en", "")
            item.name_zh = p.get("name_zh", "")
            item.name_vi = p.get("name_vi", "")
            item.category = p.get("category", "tool")
            item.home_site = code.partition("/")[0]  # the key's site (sync.hub.push checked it)
            item.parts = p.get("parts") or []
            item.aliases = sorted(set(p.get("aliases") or []))
            item.replacement_value = int(p.get("replacement_value") or 0)
            item.safe_use_ko = item.safe_use_ko or ""
            item.safe_use_en = item.safe_use_en or ""
            item.retired = False
            item.status = item.status or "available"
            item.origin = f"kiosk:{self.kiosk.kiosk_id}"
            item.updated_hlc = ev.hlc
            self.notify("item", code, None)
        elif item.name_ko != p.get("name_ko") or item.home_site != (p.get("home_site") or self.kiosk.site):
            # The catalogue belongs to the platform: keep its record, report the difference.
            self.flag(ev, "catalogue_differs", code, kiosk_name=p.get("name_ko"))

    def on_item_alias_added(self, ev: WireEvent, p: dict[str, Any]) -> None:
        item = self.item(p["item"])
        if item is None:
            self.flag(ev, "unknown_item", p["item"])
            return
        if p["alias"] not in (item.aliases or []):
            item.aliases = sorted({*(item.aliases or []), p["alias"]})
            self.notify("item", item.key, None)

    # -- calls for help ---------------------------------------------------------------
    def on_help_requested(self, ev: WireEvent, p: dict[str, Any]) -> None:
        """A resident asked for help: the centre's duty volunteer is e-mailed (sync.hub.fleet)."""
        from sync.hub import fleet

        fleet.open_help_call(self.s, self.kiosk.kiosk_id, p["call_id"], self.now)

    def on_help_cancelled(self, ev: WireEvent, p: dict[str, Any]) -> None:
        from sync.hub import fleet

        fleet.close_help_call(self.s, self.kiosk.kiosk_id, p["call_id"], self.now)

    on_help_answered = on_help_cancelled

    def on_item_status_changed(self, ev: WireEvent, p: dict[str, Any]) -> None:
        self._item_moved(ev, p)

    def on_item_retired(self, ev: WireEvent, p: dict[str, Any]) -> None:
        """Retired at the desk: out of lending on the platform too, its waiting list cancelled."""
        item = self.item(p["item"])
        if item is None:
            self.flag(ev, "unknown_item", p["item"])
            return
        self._set_status(ev, item, "retired")

    def on_item_inspected(self, ev: WireEvent, p: dict[str, Any]) -> None:
        """Staff decided after a check: shelf (perhaps held for the next member), repair
        or retirement."""
        self._item_moved(ev, p)

    def _item_moved(self, ev: WireEvent, p: dict[str, Any]) -> None:
        """An item's new status (``to``), held for ``held_for`` when it names a member."""
        item = self.item(p["item"])
        if item is None:
            self.flag(ev, "unknown_item", p["item"])
            return
        self._set_status(ev, item, p["to"])
        if isinstance(p.get("held_for"), str):
            self._hold_for(item.key, p["held_for"])

    def _set_status(self, ev: WireEvent, item: Item, status: str) -> None:
        """The status the kiosk gave the item. Whether it is retired is also edited on the
        platform: the newest stamp wins. A retirement that holds cancels what is left of
        its waiting list (online requests the kiosk had not taken yet): the members are
        told, as for any cancellation at the centre."""
        item.status = status
        retired = status == "retired"
        if retired != bool(item.retired) and ev.hlc > sane_hlc(item.updated_hlc, self.now_ms):
            item.retired = retired
            item.updated_hlc = ev.hlc
            self.notify("item", item.key, None)
        if retired and item.retired:
            for uid in self.s.execute(select(Reservation.uid).where(
                    Reservation.item_key == item.key, Reservation.status.in_(ACTIVE_RESERVATION))
                    .order_by(Reservation.created_at, Reservation.uid)).scalars().all():
                self._end_reservation(ev, uid, "cancelled", resv.CANCELLED_AT_CENTRE)
            self.requested[item.key] = []

    def on_member_registered(self, ev: WireEvent, p: dict[str, Any]) -> None:
        number = p["member"]
        m = self.member(number)
        if m is not None:
            if m.origin != f"kiosk:{self.kiosk.kiosk_id}":
                self.flag(ev, "member_number_clash", number, home_site=m.home_site)
            return
        m = Member(number=number, home_site=self.kiosk.site, display_name=None,
                   card_hash=self._free_card(ev, number, p.get("card_hash")), pin_hash=p.get("pin_hash"),
                   member_type=p.get("type", "standard"), expires_on=p.get("expires_on", "9999-12-31"),
                   status="active", language="ko", origin=f"kiosk:{self.kiosk.kiosk_id}",
                   deleted=False, updated_hlc=ev.hlc)
        self.s.add(m)
        self.members[number] = m
        self.notify("member", number, self.kiosk.site)
        self.notify("member", number, None)  # other centres: a guest row (sync.hub.feed)

    def _member_edit(self, ev: WireEvent, p: dict[str, Any], field: str, value: Any) -> None:
        m = self.member(p["member"])
        if m is None:
            self.flag(ev, "unknown_member", p["member"])
            return
        # Order by hybrid logical clock, never by the kiosk's wall clock. A stored
        # stamp that is malformed or far ahead (kept from before stamps were
        # checked) counts as none, so it cannot freeze the member.
        if ev.hlc <= sane_hlc(m.updated_hlc, self.now_ms):
            self.flag(ev, "stale_member_edit", m.number, field=field, platform_hlc=m.updated_hlc)
            return
        setattr(m, field, value)
        m.updated_hlc = ev.hlc
        for site in {m.home_site, self.kiosk.site, None}:
            self.notify("member", m.number, site)

    def on_member_renewed(self, ev: WireEvent, p: dict[str, Any]) -> None:
        self._member_edit(ev, p, "expires_on", p["expires_on"])

    def on_member_status_changed(self, ev: WireEvent, p: dict[str, Any]) -> None:
        self._member_edit(ev, p, "status", p["status"])

    def _free_card(self, ev: WireEvent, number: str, card_hash: str | None) -> str | None:
        """``card_hash`` unless another member holds it (then flagged, and None)."""
        if card_hash is None:
            return None
        self.s.flush()
        holder = self.s.execute(select(Member.number).where(Member.card_hash == card_hash)).scalar()
        if holder is not None and holder != number:
            self.flag(ev, "card_clash", number, other=holder)
            return None
        return card_hash

    def on_member_card_reissued(self, ev: WireEvent, p: dict[str, Any]) -> None:
        m = self.member(p["member"])
        if m is None:
            self.flag(ev, "unknown_member", p["member"])
            return
        if p.get("card_hash") is None:
            # A kiosk that does not share card hashes: the platform stops
            # vouching for the old card rather than keep it working.
            if m.card_hash is not None:
                m.card_hash = None
                for site in {m.home_site, self.kiosk.site, None}:
                    self.notify("member", m.number, site)
            return
        self._member_edit(ev, p, "card_hash", self._free_card(ev, m.number, p["card_hash"]))

    def on_member_erased(self, ev: WireEvent, p: dict[str, Any]) -> None:
        """The member's own centre erased them: the platform and every kiosk forget them."""
        from sync.hub.lifecycle import erase

        if self.member(p["member"]) is None:
            self.flag(ev, "unknown_member", p["member"])
            return
        erase(self.s, p["member"], self.notify, hlc=ev.hlc, now=from_iso(self.now))

    def on_member_pin_set(self, ev: WireEvent, p: dict[str, Any]) -> None:
        if p.get("pin_hash") is not None:
            self._member_edit(ev, p, "pin_hash", p["pin_hash"])

    def on_loan_checked_out(self, ev: WireEvent, p: dict[str, Any]) -> None:
        code, uid = p["item"], p["loan"]
        item = self.item(code)
        if item is None:
            self.flag(ev, "unknown_item", code)
            item = Item(key=code, code=code.partition("/")[2], name_ko=code.partition("/")[2],
                        home_site=code.partition("/")[0], location=self.kiosk.site,
                        origin="placeholder", parts=[], aliases=[], retired=False, status="available")
            self.s.add(item)
            self.items[code] = item
        elif item.retired:
            self.flag(ev, "retired_item_lent", code)
        if self.member(p.get("member")) is None:
            self.flag(ev, "unknown_member", p.get("member") or "")
        others = [o for o in self.open_loans[code] if o.uid != uid]
        for other in others:
            # The item is in someone's hands here: the older loan's return was never recorded.
            self.flag(ev, "checkout_while_on_loan", code, open_loan=other.uid)
            other.returned_at = ev.at
            other.condition = "unrecorded"
            self.loan_changed(other)
        loan = self.loan(uid)
        member = self.member(p.get("member"))
        if loan is None:
            loan = Loan(uid=uid, item_key=code, renewals=0, transfer=False)
            self.s.add(loan)
            self.loans[uid] = loan
        loan.member_number = p.get("member")
        loan.member_type = member.member_type if member else None
        loan.site = p.get("site") or self.kiosk.site
        loan.kiosk_id = self.kiosk.kiosk_id
        loan.checked_out_at = ev.at
        loan.checkout_hlc = ev.hlc
        loan.due_on = p.get("due")
        self.loan_changed(loan)
        if loan.returned_at is None:
            item.status = "on_loan"
            item.location = loan.site
            self.open_loans[code] = [loan]
        fulfilled = p.get("reservation")
        if fulfilled:
            res = self.s.get(Reservation, fulfilled)
            if res is not None:
                if res.status not in ACTIVE_RESERVATION:
                    self.flag(ev, "ended_reservation_fulfilled", res.uid, status=res.status)
                res.status = "fulfilled"
                res.updated_at = self.now
                resv.notify_reservation(self.s, res, self.notify)
        waiting, self.requested[code] = self.requests(code), []
        for res in waiting:
            if res.member_number == p.get("member"):
                res.status = "fulfilled"  # the member picked it up before the request arrived
                res.updated_at = self.now
                resv.notify_reservation(self.s, res, self.notify)
            else:
                self.flag(ev, "reservation_displaced", res.uid, item=code)
                resv.displace(self.s, res, item, loan, self.now, self.notify)
                if res.item_key != code:
                    self.requests(res.item_key).append(res)
                else:
                    self.requested[code].append(res)  # still wants this item, later

    def on_loan_renewed(self, ev: WireEvent, p: dict[str, Any]) -> None:
        loan = self.loan(p["loan"])
        if loan is None:
            self.flag(ev, "unknown_loan", p["loan"])
            return
        loan.due_on = p.get("due") or loan.due_on  # a renewal never takes the due day away
        loan.renewals = int(p.get("renewals", loan.renewals + 1))
        self.loan_changed(loan)

    def on_loan_returned(self, ev: WireEvent, p: dict[str, Any]) -> None:
        code, uid = p["item"], p["loan"]
        site = p.get("site") or self.kiosk.site
        loan = self.loan(uid)
        if loan is None:
            # The return arrived before its checkout: keep it; the checkout fills in the rest.
            self.flag(ev, "unknown_loan", uid, item=code)
            loan = Loan(uid=uid, item_key=code, member_number=p.get("member"), renewals=0,
                        transfer=False)
            self.s.add(loan)
            self.loans[uid] = loan
        loan.returned_at = ev.at
        self.open_loans[code] = [o for o in self.open_loans[code] if o.uid != uid]
        loan.return_site = site
        loan.condition = p.get("condition")
        self.loan_changed(loan)
        item = self.item(code)
        if item is None:
            self.flag(ev, "unknown_item", code)
            return
        item.location = site
        destination = p.get("destination")
        if site != item.home_site:
            loan.transfer = True
            item.status = "in_transit"
            self.flag(ev, "transfer", code, from_site=site, to_site=item.home_site)
            return
        self._arrived(ev, code)  # taken back at home: any transfer of it has ended
        self._shelve(item, code, destination, p.get("held_for"))

    # -- transfers: an item returned at a centre that is not its home -----------
    def on_transfer_started(self, ev: WireEvent, p: dict[str, Any]) -> None:
        code, uid = p["item"], p["transfer"]
        site = p.get("site") or self.kiosk.site
        item = self.item(code)
        if item is None:
            self.flag(ev, "unknown_item", code)
        home = item.home_site if item is not None else code.partition("/")[0]
        t = self.s.get(Transfer, uid)
        if t is None:
            t = Transfer(uid=uid, item_key=code, from_site=site, to_site=home,
                         kiosk_id=self.kiosk.kiosk_id)
            self.s.add(t)
        t.started_at = ev.at
        t.parts_expected = p.get("parts_expected")
        t.parts_counted = p.get("parts_counted")
        t.condition = p.get("condition")
        # The loan ends here, whichever kiosk lent the item: the resident gave it back.
        for loan in self.open_loans[code]:
            loan.returned_at = ev.at
            loan.return_site = site
            loan.condition = p.get("condition")
            loan.transfer = True
            t.loan_uid = loan.uid
            self.loan_changed(loan)
        self.open_loans[code] = []
        if t.loan_uid is None and p.get("loan"):
            t.loan_uid = p["loan"]
        if t.received_at is None and item is not None:
            back = self.s.execute(select(Loan.returned_at).where(
                Loan.item_key == code, Loan.return_site == home, Loan.returned_at > ev.at)
                .order_by(Loan.returned_at).limit(1)).scalar()
            if back is not None:
                t.received_at = back  # it was home again before this return reached the platform
            else:
                item.status = "in_transit"
                item.location = site
        if not p.get("loan"):  # else its loan.returned has flagged it already
            self.flag(ev, "transfer", code, from_site=site, to_site=home)
        self.notify("transfer", uid, site)
        self.notify("transfer", uid, home)

    def on_transfer_received(self, ev: WireEvent, p: dict[str, Any]) -> None:
        code, uid = p["item"], p["transfer"]
        t = self.s.get(Transfer, uid)
        if t is None:
            self.flag(ev, "unknown_transfer", uid, item=code)
            return
        self._arrived(ev, code)
        item = self.item(code)
        if item is None:
            return
        item.location = item.home_site
        self._shelve(item, code, p.get("destination"), p.get("held_for"))

    def _shelve(self, item: Item, code: str, destination: object, held_for: object) -> None:
        """An item taken back at home goes where the kiosk told the resident to put it."""
        if destination == "reservation_shelf":
            item.status = "held"
            self._hold_for(code, held_for if isinstance(held_for, str) else None)
        elif destination == "shelf":
            item.status = "available"
        else:
            item.status = "inspection"

    def _arrived(self, ev: WireEvent, code: str) -> None:
        """The item is back at its home centre: its open transfers end now."""
        for t in self.s.execute(select(Transfer).where(Transfer.item_key == code,
                                                       Transfer.received_at.is_(None))).scalars():
            t.received_at = ev.at
            self.notify("transfer", t.uid, t.from_site)
            self.notify("transfer", t.uid, t.to_site)

    def _hold_for(self, code: str, member: str | None) -> None:
        if not member:
            return
        res = self.s.execute(select(Reservation).where(
            Reservation.item_key == code, Reservation.member_number == member,
            Reservation.status.in_(("waiting", "requested")))).scalars().first()
        if res is not None:
            res.status = "held"
            res.updated_at = self.now
            item = self.item(code)
            if item is not None:
                item.status = "held"
            if res.source == "platform":
                resv.tell(self.s, member, res, resv.READY, self.now, item=code,
                          until=res.hold_until or "")
                resv.notify_reservation(self.s, res, self.notify)

    def on_reservation_created(self, ev: WireEvent, p: dict[str, Any]) -> None:
        uid = p["reservation"]
        res = self.s.get(Reservation, uid)
        item = self.item(p["item"])
        if p.get("status") == "held" and item is not None:
            item.status = "held"
        if res is None:
            self.s.add(Reservation(uid=uid, item_key=p["item"], member_number=p["member"],
                                   site=item.home_site if item else self.kiosk.site,
                                   status=p.get("status", "waiting"), source=p.get("source", "kiosk"),
                                   created_at=ev.at, hold_until=p.get("hold_until"),
                                   accepted_at=self.now, updated_at=self.now))
        elif res.status == "requested":
            self._accept(res, p.get("status", "waiting"), p.get("hold_until"))

    def _accept(self, res: Reservation, status: str, hold_until: str | None) -> None:
        res.status = status
        res.hold_until = hold_until
        res.accepted_at = self.now
        res.updated_at = self.now
        if status == "held":
            item = self.item(res.item_key)
            if item is not None:
                item.status = "held"
            resv.tell(self.s, res.member_number, res, resv.READY, self.now, item=res.item_key,
                      until=hold_until or "")
        resv.notify_reservation(self.s, res, self.notify)

    def _end_reservation(self, ev: WireEvent, uid: str | None, status: str, msgid: str) -> None:
        res = self.s.get(Reservation, uid) if uid else None
        if res is None or res.status not in ACTIVE_RESERVATION:
            return
        item = self.item(res.item_key)
        if res.status == "held" and item is not None and item.status == "held":
            item.status = "available"
        res.status = status
        res.updated_at = self.now
        if res.source == "platform":
            resv.tell(self.s, res.member_number, res, msgid, self.now, item=res.item_key)
        resv.notify_reservation(self.s, res, self.notify)

    def on_reservation_cancelled(self, ev: WireEvent, p: dict[str, Any]) -> None:
        self._end_reservation(ev, p.get("reservation"), "cancelled", resv.CANCELLED_AT_CENTRE)

    def on_reservation_requeued(self, ev: WireEvent, p: dict[str, Any]) -> None:
        """Staff took the held item off the reservation shelf: the member waits again,
        in their place, and is held for again when the item is back."""
        res = self.s.get(Reservation, p["reservation"])
        if res is None or res.status != "held":
            return
        res.status = "waiting"
        res.hold_until = None
        res.updated_at = self.now
        item = self.item(res.item_key)
        if item is not None and item.status == "held" and isinstance(p.get("to"), str):
            item.status = p["to"]
        resv.notify_reservation(self.s, res, self.notify)

    def on_reservation_expired(self, ev: WireEvent, p: dict[str, Any]) -> None:
        self._end_reservation(ev, p.get("reservation"), "expired", resv.EXPIRED)
        if p.get("next"):
            self._hold_for(p["item"], p["next"])

    def on_sync_recovered(self, ev: WireEvent, p: dict[str, Any]) -> None:
        """A kiosk restored from a backup took its events back: administrators see it
        (``log_forked`` when it also had events the platform lacked, renumbered)."""
        kind = "log_forked" if p.get("fork_seq") else "log_recovered"
        self.flag(ev, kind, f"seq {p.get('after', 0)}-{p.get('held', 0)}",
                  fetched=p.get("fetched", 0), fork_seq=p.get("fork_seq"),
                  renumbered=p.get("renumbered", 0), skipped=list(p.get("skipped") or [])[:20])

    def on_sync_pulled(self, ev: WireEvent, p: dict[str, Any]) -> None:
        """The kiosk applied a page: platform requests it took became real reservations."""
        for r in p.get("accepted", []):
            res = self.s.get(Reservation, r["reservation"])
            if res is None:
                continue
            if res.site != self.kiosk.site:
                # Only the item's home centre takes on its requests.
                self.flag(ev, "foreign_site_refused", res.uid, site=res.site)
                continue
            if res.status == "requested":
                self._accept(res, r.get("status", "waiting"), r.get("hold_until"))
            elif res.status in FINAL_RESERVATION and r.get("status") in ACTIVE_RESERVATION:
                self.flag(ev, "ended_reservation_accepted", res.uid, status=res.status)

    def on_calendar_changed(self, ev: WireEvent, p: dict[str, Any]) -> None:
        site = self.kiosk.site
        want = set(p.get("closed_days") or [])
        have = {d.day: d for d in self.s.execute(select(ClosedDay).where(ClosedDay.site == site)).scalars()}
        for day in want - set(have):
            self.s.add(ClosedDay(site=site, day=day, reason=""))
            self.notify("closed_day", day, site)
        for day in set(have) - want:
            self.s.delete(have[day])
            self.notify("closed_day", day, site)



def name_items(parsed: list[tuple[WireEvent, dict[str, Any]]], site: str
               ) -> list[tuple[WireEvent, dict[str, Any]]]:
    """Name the item of each payload by its city-wide key ``SITE/CODE`` (in place).

    ``item_site`` missing means the sending kiosk's site, what every kiosk of
    before sites meant. The stored event keeps the payload as the kiosk sent it.
    """
    for _e, p in parsed:
        if isinstance(p.get("item"), str) and "/" not in p["item"]:
            home = p.get("item_site") or site
            p["item"] = item_key(home if isinstance(home, str) else site, p["item"])
    return parsed


def batch_keys(applier: Any, parsed: list[tuple[WireEvent, dict[str, Any]]]
               ) -> tuple[set[str], set[str], set[str]]:
    """The item codes, loan ids and member numbers a batch names.

    They are entered in the applier's caches as missing (None) until loaded,
    so a batch of new loans costs no query per event.
    """
    codes, uids, numbers = set(), set(), set()
    for _e, p in parsed:
        if isinstance(p.get("item"), str):
            codes.add(p["item"])
        if isinstance(p.get("loan"), str):
            uids.add(p["loan"])
        if isinstance(p.get("member"), str):
            numbers.add(p["member"])
    applier.items.update(dict.fromkeys(codes))
    applier.loans.update(dict.fromkeys(uids))
    applier.members.update(dict.fromkeys(numbers))
    return codes, uids, numbers


def _chunks(seq: list[str], n: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]
