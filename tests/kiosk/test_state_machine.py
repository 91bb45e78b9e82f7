"""The invariants of DESIGN.md section 2, under random sequences of lending.

A Hypothesis state machine checks out, returns, renews, reserves, overrides
and moves time on one kiosk, predicting each outcome from the stored state and
the policy, and after every step asserts that

* an item has at most one open loan (and the database itself refuses a second);
* every state change has exactly one event of its kind;
* the hash chain verifies;
* a member never holds more than the policy allows except by staff override,
  and every override is an event naming the loan it allowed.

The tampering tests show that verify_log names the first bad event.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import text

from kiosk.calendar import SEOUL
from kiosk.errors import BadInput, Refused
from kiosk.policy import LoanPolicy
from kiosk.services import open_kiosk
from kiosk.services.circulation import Override
from kiosk.store.db import DB_FILENAME

START = dt.datetime.combine(dt.date(2026, 9, 14), dt.time(10), SEOUL).astimezone(dt.UTC)
CODES = ["T-00001", "T-00002", "T-00003", "T-00004", "T-00005"]
PARTS = 3
POLICY = LoanPolicy(max_open_loans={"standard": 2, "family": 3, "senior": 2},
                    max_renewals=1, hold_days=2)
# (type, days until membership expires, suspended)
MEMBERS = [("standard", 365, False), ("standard", 365, False), ("family", 365, False),
           ("senior", 12, False), ("standard", 365, True)]
STAFF = Override("최은영", "Known resident; card renewal pending")


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


_template: dict = {}


def template() -> dict:
    """One set-up database, copied for each example (set-up is the slow part)."""
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="nanum-template-"))
        k = open_kiosk(folder, clock=Clock(START))
        k.initialise("GN01", "강남 나눔센터")
        with k.transaction() as s:
            k.set_setting(s, "policy", POLICY.to_dict())
        for n, code in enumerate(CODES):
            k.catalogue.add_item(code, f"물품 {n}", category="toy" if n == 4 else "tool", parts=PARTS)
        cards, numbers = [], []
        for member_type, days, suspended in MEMBERS:
            view, card = k.members.add("주민", member_type,
                                       expires_on=START.date() + dt.timedelta(days=days))
            if suspended:
                k.members.set_status(view.number, "suspended")
            cards.append(card)
            numbers.append(view.number)
        with k.reading() as s:
            setup_events = dict(s.execute(text("SELECT type, COUNT(*) FROM events GROUP BY type")).all())
        k.close()
        _template.update(folder=folder, cards=cards, numbers=numbers, setup_events=setup_events)
    return _template


def loan_uid_counts(rows, key="loan"):
    return collections.Counter(json.loads(p)[key] for (p,) in rows)


class Lending(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        t = template()
        self.folder = Path(tempfile.mkdtemp(prefix="nanum-sm-"))
        shutil.copy(t["folder"] / DB_FILENAME, self.folder / DB_FILENAME)
        shutil.copy(t["folder"] / "kiosk.key", self.folder / "kiosk.key")  # the log's seal key goes with it
        self.cards, self.numbers = t["cards"], t["numbers"]
        self.clock = Clock(START)
        self.k = open_kiosk(self.folder, clock=self.clock)
        self.expected_events = collections.Counter()  # by type, beyond the set-up
        self.setup_events = t["setup_events"]
        self.number_of = dict(self.sql("SELECT id, number FROM members"))

    def teardown(self) -> None:
        self.k.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- reading the stored state to predict outcomes ------------------------------
    def sql(self, query, **params):
        with self.k.reading() as s:
            return s.execute(text(query), params).all()

    def items(self) -> dict[str, dict]:
        rows = self.sql("SELECT i.code, i.status, i.held_for_member_id, i.hold_until, "
                        "l.member_id, l.renewals, l.due_on FROM items i LEFT JOIN loans l "
                        "ON l.item_id = i.id AND l.returned_at IS NULL")
        out = {}
        for code, status, held_for, hold_until, holder, renewals, due in rows:
            waiting = [m for (m,) in self.sql(
                "SELECT r.member_id FROM reservations r JOIN items i ON i.id = r.item_id "
                "WHERE i.code = :c AND r.status = 'waiting' ORDER BY r.created_at, r.id", c=code)]
            out[code] = dict(status=status, held_for=held_for, hold_until=hold_until,
                             holder=holder, renewals=renewals, due=due, waiting=waiting)
        return out

    def member(self, index: int) -> dict:
        today = self.k.today().isoformat()
        (mid, status, expires), = self.sql(
            "SELECT id, status, expires_on FROM members WHERE number = :n", n=self.numbers[index])
        (open_, overdue), = self.sql(
            "SELECT COUNT(*), COALESCE(SUM(due_on < :t), 0) FROM loans "
            "WHERE member_id = :m AND returned_at IS NULL", m=mid, t=today)
        return dict(id=mid, status=status, expired=expires < today, open=open_, overdue=overdue,
                    limit=POLICY.limit_for(MEMBERS[index][0]))

    def member_refusals(self, m: dict) -> list[str]:
        found = []
        if m["status"] != "active":
            found.append("member_suspended")
        if m["expired"]:
            found.append("member_expired")
        if m["overdue"]:
            found.append("overdue")
        if m["open"] >= m["limit"]:
            found.append("limit")
        return found

    # -- rules ------------------------------------------------------------------------
    @rule(who=st.integers(0, len(MEMBERS) - 1),
          picks=st.lists(st.sampled_from(CODES), min_size=1, max_size=3),
          override=st.booleans())
    def checkout(self, who, picks, override):
        items, m = self.items(), self.member(who)
        today = self.k.today().isoformat()
        predicted = []
        for code in picks:
            it = items[code]
            if it["status"] == "held" and it["hold_until"] < today:
                # the expired hold is released first, to the next member waiting
                nxt = it["waiting"][0] if it["waiting"] else None
                it = dict(it, status="held" if nxt else "available", held_for=nxt,
                          waiting=it["waiting"][1:])
                released = True
            else:
                released = False
            if it["status"] == "on_loan":
                reason = "already_yours" if it["holder"] == m["id"] else "on_loan"
            elif it["status"] == "retired":
                reason = "retired"
            elif it["status"] in ("inspection", "repair"):
                reason = "not_available"
            elif it["status"] == "held" and it["held_for"] != m["id"]:
                reason = "held_for_other"
            else:
                refusals = self.member_refusals(m)
                overridable = {"member_expired", "overdue", "limit"}
                if refusals and not (override and set(refusals) <= overridable):
                    reason = refusals[0]
                else:
                    reason = None
                    if refusals:
                        self.expected_events["override.granted"] += 1
                    self.expected_events["loan.checked_out"] += 1
                    self.expected_events["reservation.expired"] += released
                    items[code] = dict(it, status="on_loan", holder=m["id"])
                    m["open"] += 1
            predicted.append(reason)
            # a refused scan of an item not on the shelf counts as demand
            self.expected_events["demand.recorded"] += reason in ("on_loan", "not_available",
                                                                 "held_for_other")
        result = self.k.circulation.checkout(self.cards[who], picks,
                                             override=STAFF if override else None)
        assert [o.reason for o in result.outcomes] == predicted
        assert [o.ok for o in result.outcomes] == [r is None for r in predicted]
        for reason in predicted:  # shown by --hypothesis-show-statistics
            event(f"checkout: {reason or 'lent'}{' (override)' if override else ''}")

    @rule(code=st.sampled_from(CODES), missing=st.sampled_from([0, 0, 0, 1]),
          damaged=st.sampled_from([False, False, False, True]))
    def return_item(self, code, missing, damaged):
        it = self.items()[code]
        if it["holder"] is None:
            with pytest.raises(BadInput):
                self.k.circulation.return_item(code)
            return
        back = self.k.circulation.return_item(code, parts_counted=PARTS - missing,
                                              damaged_note="고장" if damaged else None)
        self.expected_events["loan.returned"] += 1
        event(f"return: {back.destination}")
        if missing or damaged:
            assert (back.destination, back.held_for) == ("staff", None)
        elif it["waiting"]:
            assert back.destination == "reservation_shelf"
            assert back.held_for == self.number_of[it["waiting"][0]]
        else:
            assert (back.destination, back.held_for) == ("shelf", None)

    @rule(code=st.sampled_from(CODES), who=st.none() | st.integers(0, len(MEMBERS) - 1))
    def renew(self, code, who):
        it = self.items()[code]
        if it["holder"] is None:
            with pytest.raises(BadInput):
                self.k.circulation.renew(code)
            return
        outcome = self.k.circulation.renew(code, None if who is None else self.cards[who])
        event(f"renew: {outcome.reason or 'renewed'}")
        if who is not None and self.member(who)["id"] != it["holder"]:
            assert outcome.reason == "not_yours"
        elif it["renewals"] >= POLICY.max_renewals:
            assert outcome.reason == "renewals_used"
        elif it["waiting"]:
            assert outcome.reason == "reserved"
        else:
            base = max(dt.date.fromisoformat(it["due"]), self.k.today())
            assert outcome.ok and outcome.due == self.k.calendar().due_date(base, 7 if code != CODES[4]
                                                                           else 14)
            self.expected_events["loan.renewed"] += 1

    @rule(who=st.integers(0, len(MEMBERS) - 1), code=st.sampled_from(CODES),
          source=st.sampled_from(["kiosk", "platform"]))
    def reserve(self, who, code, source):
        it, m = self.items()[code], self.member(who)
        mine = self.sql("SELECT 1 FROM reservations r JOIN items i ON i.id = r.item_id WHERE "
                        "i.code = :c AND r.member_id = :m AND r.status IN ('waiting', 'held')",
                        c=code, m=m["id"])
        try:
            status = self.k.circulation.reserve(self.cards[who], code, source=source)
        except Refused as exc:
            status = exc.reason
        event(f"reserve: {status}")
        if mine:
            assert status == "already_reserved"
        elif it["holder"] == m["id"]:
            assert status == "already_yours"
        elif it["status"] == "available":
            assert status == ("available" if source == "kiosk" else "held")
        else:
            assert status == "waiting"
        self.expected_events["reservation.created"] += status in ("held", "waiting")
        self.expected_events["demand.recorded"] += status == "waiting"

    @rule(who=st.integers(0, len(MEMBERS) - 1), code=st.sampled_from(CODES))
    def cancel(self, who, code):
        try:
            self.k.circulation.cancel_reservation(self.cards[who], code)
        except BadInput:
            return
        self.expected_events["reservation.cancelled"] += 1

    @rule(code=st.sampled_from(CODES))
    def staff_shelves_after_inspection(self, code):
        if self.items()[code]["status"] == "inspection":
            self.k.catalogue.set_status(code, "available", actor="staff", note="checked")
            self.expected_events["item.status_changed"] += 1

    @rule(days=st.integers(0, 9), expire=st.booleans())
    def time_passes(self, days, expire):
        self.clock.now += dt.timedelta(days=days, hours=1)
        if expire:
            self.expected_events["reservation.expired"] += self.k.circulation.expire_holds()

    # -- invariants --------------------------------------------------------------------
    @invariant()
    def at_most_one_open_loan_per_item(self):
        assert self.sql("SELECT item_id FROM loans WHERE returned_at IS NULL "
                        "GROUP BY item_id HAVING COUNT(*) > 1") == []
        assert self.sql("SELECT i.code FROM items i LEFT JOIN loans l ON l.item_id = i.id "
                        "AND l.returned_at IS NULL GROUP BY i.id "
                        "HAVING (i.status = 'on_loan') != (COUNT(l.id) = 1)") == []

    @invariant()
    def every_state_change_has_exactly_one_event(self):
        by_type = dict(self.sql("SELECT type, COUNT(*) FROM events GROUP BY type"))
        n = lambda q: self.sql(q)[0][0]  # noqa: E731
        expected = {  # event type -> the state it must match
            "loan.checked_out": n("SELECT COUNT(*) FROM loans"),
            "loan.returned": n("SELECT COUNT(*) FROM loans WHERE returned_at IS NOT NULL"),
            "loan.renewed": n("SELECT COALESCE(SUM(renewals), 0) FROM loans"),
            "override.granted": n("SELECT COUNT(*) FROM loans WHERE override_by IS NOT NULL"),
            "reservation.created": n("SELECT COUNT(*) FROM reservations"),
            "reservation.cancelled": n("SELECT COUNT(*) FROM reservations WHERE status = 'cancelled'"),
            "reservation.expired": n("SELECT COUNT(*) FROM reservations WHERE status = 'expired'"),
            "demand.recorded": n("SELECT COUNT(*) FROM demand"),
        }
        for type_, count in expected.items():
            assert by_type.get(type_, 0) == count, type_
        # ... and the events are the ones the steps caused, no more
        for type_ in set(by_type) | set(self.expected_events) | set(self.setup_events):
            assert by_type.get(type_, 0) == self.setup_events.get(type_, 0) + \
                self.expected_events[type_], type_
        # per loan: one checkout, at most one return, one renewal event per renewal
        loans = {uid: (returned, renewals) for uid, returned, renewals in
                 self.sql("SELECT uid, returned_at IS NOT NULL, renewals FROM loans")}
        out = loan_uid_counts(self.sql("SELECT payload FROM events WHERE type='loan.checked_out'"))
        back = loan_uid_counts(self.sql("SELECT payload FROM events WHERE type='loan.returned'"))
        renewed = loan_uid_counts(self.sql("SELECT payload FROM events WHERE type='loan.renewed'"))
        assert out == collections.Counter(loans.keys())
        assert back == collections.Counter(uid for uid, (r, _) in loans.items() if r)
        assert renewed == collections.Counter({uid: k for uid, (_, k) in loans.items() if k})
        fulfilled = sum(json.loads(p)["reservation"] is not None for (p,) in
                        self.sql("SELECT payload FROM events WHERE type='loan.checked_out'"))
        assert fulfilled == n("SELECT COUNT(*) FROM reservations WHERE status = 'fulfilled'")
        # a held item is held for the member of its one held reservation
        assert self.sql("SELECT i.id, i.held_for_member_id FROM items i WHERE i.status = 'held'") == \
            self.sql("SELECT r.item_id, r.member_id FROM reservations r WHERE r.status = 'held' "
                     "ORDER BY r.item_id")

    @invariant()
    def limits_hold_except_by_recorded_override(self):
        overrides = {json.loads(p)["loan"]: (actor, json.loads(p)) for actor, p in
                     self.sql("SELECT actor, payload FROM events WHERE type='override.granted'")}
        rows = self.sql("SELECT l.uid, l.override_by, l.returned_at IS NULL, m.member_type, m.id "
                        "FROM loans l JOIN members m ON m.id = l.member_id")
        open_plain = collections.Counter()
        limit_of = {}
        for uid, by, is_open, member_type, mid in rows:
            limit_of[mid] = POLICY.limit_for(member_type)
            if by is None:
                assert uid not in overrides
                open_plain[mid] += is_open
            else:
                actor, payload = overrides[uid]
                assert actor == by == STAFF.staff and payload["reason"] == STAFF.reason
                assert payload["rules"] and set(payload["rules"]) <= {"member_expired", "overdue",
                                                                      "limit"}
                open_plain[mid] += is_open and "limit" not in payload["rules"]
        for mid, count in open_plain.items():
            assert count <= limit_of[mid]

    @invariant()
    def the_chain_verifies(self):
        report = self.k.maintenance.verify_log()
        assert report.ok, report
        assert report.count == self.sql("SELECT COUNT(*) FROM events")[0][0]
        check = self.k.maintenance.check()
        assert check.ok, check.problems


Lending.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
test_lending_keeps_the_invariants = Lending.TestCase
