"""Lending rules a centre runs on: membership fees and exemptions, deposits,
qualifications (trust tiers), maintenance by use and by date, and demand.

Circulation asks this service at the refusal checks of a checkout and when an
item comes back; staff record fees, deposits, qualifications and maintenance
here. Every change appends its event in the same transaction. A member's
exemption reason stays at the centre: events say only that a member is exempt.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.clock import to_iso
from kiosk.codes import ItemKey, MemberKey
from kiosk.errors import BadInput, Refused
from kiosk.i18n import N_, Message
from kiosk.limits import (
    ACTOR_MAX,
    CATEGORY_MAX,
    FEE_MAX,
    MEMBER_TYPE_MAX,
    MEMBERSHIP_MONTHS_MAX,
    NOTE_MAX,
    QUALIFICATION_MAX,
    REASON_MAX,
    RULE_INTERVAL_MAX,
    check_int,
    clean_text,
)
from kiosk.store.models import Item, Loan, Member, Reservation
from kiosk.store.rules_models import (
    Demand,
    Deposit,
    FeePayment,
    FeePlan,
    ItemRule,
    MaintenanceTask,
    MemberFee,
    Qualification,
)

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

#: the qualification staff record once they have confirmed a member is an adult
ADULT = "adult"
FEE_POLICIES = ("block", "warn")
PAYMENT_METHODS = ("cash", "transfer")
DEPOSIT_OUTCOMES = ("returned", "kept")
#: refusals of a scanned item that show someone wants it while it is not on the shelf
DEMAND_REASONS = frozenset({"on_loan", "not_available", "held_for_other"})
BATTERY_TASK = N_("Battery check")


class FeeState:
    FREE = "free"  # no fee for this member type
    PAID = "paid"
    DUE = "due"
    EXEMPT = "exempt"


@dataclass(frozen=True)
class FeeStatus:
    member: str
    state: str
    amount: int
    paid_until: dt.date | None = None
    exempt_reason: str | None = None


@dataclass(frozen=True)
class FeeReceipt:
    """What the receipt of a fee payment says."""

    member: str
    member_name: str
    amount: int
    method: str
    reference: str
    paid_at: str
    paid_until: dt.date
    staff: str


@dataclass(frozen=True)
class RuleView:
    scope: str
    deposit: int = 0
    qualification: str = ""
    adults_only: bool = False
    min_membership_months: int = 0
    every_loans: int = 0
    every_days: int = 0
    battery_weeks: int = 0
    task: str = ""


@dataclass(frozen=True)
class DepositView:
    uid: str
    item_code: str
    item_name: str
    member: str | None
    amount: int
    taken_at: str
    settled_at: str | None
    outcome: str | None
    reason: str | None


@dataclass(frozen=True)
class TaskView:
    item_code: str
    kind: str
    task: str
    due_at: str
    done_at: str | None
    done_by: str | None
    note: str | None


@dataclass(frozen=True)
class DemandRow:
    """Demand for one item (or one category, ``code`` empty) that the shelf did not meet."""

    code: str
    name: str
    category: str
    unavailable: int
    waitlist: int
    unmet: int

    @property
    def total(self) -> int:
        return self.unavailable + self.waitlist + self.unmet


@dataclass(frozen=True)
class RuleFigures:
    """The report's figures of the lending rules for a period (``lo`` to ``hi``, UTC stamps)."""

    fees_paid: int = 0  # payments in the period
    fees_amount: int = 0  # won
    members_exempt: int = 0  # now
    members_due: int = 0  # now: a fee asked, not paid, not exempt
    deposits_taken: int = 0
    deposits_amount: int = 0
    deposits_kept: int = 0
    deposits_kept_amount: int = 0
    deposits_held: int = 0  # now
    demand: tuple[DemandRow, ...] = ()
    demand_by_category: tuple[DemandRow, ...] = ()


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months (the 31st becomes the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _whole(value: int, high: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadInput(N_("{field} must be a whole number."), field=Message(what))
    return check_int(value, 0, high, Message(what))


def _amount(value: int, what: str) -> int:
    return _whole(value, FEE_MAX, what)


def _interval(value: int, what: str) -> int:
    return _whole(value, RULE_INTERVAL_MAX, what)


def _staff(name: str) -> str:
    if not name or not name.strip():
        raise BadInput(N_("Please give the staff member's name."))
    return clean_text(name, ACTOR_MAX, Message(N_("The staff member's name")))


class LendingRules:
    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    # -- fees ------------------------------------------------------------------
    def set_fee_plan(self, member_type: str, amount: int, period_months: int = 12,
                     actor: str | None = None) -> None:
        """The annual fee of a member type at this centre (0: no fee)."""
        kind = clean_text(member_type, MEMBER_TYPE_MAX, Message(N_("The member type")))
        amount = _amount(amount, N_("The fee"))
        period = check_int(period_months, 1, 120, Message(N_("The fee's period in months")))
        with self.k.transaction() as s:
            plan = s.get(FeePlan, kind) or FeePlan(member_type=kind)
            plan.amount, plan.period_months = amount, period
            s.add(plan)
            self.k.record(s, "fee.plan_set", {"member_type": kind, "amount": amount,
                                              "period_months": period}, actor)

    def fee_plans(self) -> dict[str, tuple[int, int]]:
        """member type -> (annual fee, period in months)."""
        with self.k.reading() as s:
            return {p.member_type: (p.amount, p.period_months) for p in s.execute(select(FeePlan)).scalars()}

    def _fee(self, s: Session, member: Member, today: dt.date) -> FeeStatus:
        plan = s.get(FeePlan, member.member_type)
        row = s.get(MemberFee, member.id)
        paid = dt.date.fromisoformat(row.paid_until) if row and row.paid_until else None
        amount = plan.amount if plan else 0
        if row is not None and row.exempt_reason:
            return FeeStatus(member.number, FeeState.EXEMPT, amount, paid, row.exempt_reason)
        if amount == 0:
            return FeeStatus(member.number, FeeState.FREE, 0, paid)
        state = FeeState.PAID if paid is not None and paid >= today else FeeState.DUE
        return FeeStatus(member.number, state, amount, paid)

    def fee_status(self, member_ref: MemberKey | str) -> FeeStatus:
        """Whether the member's fee is paid (until when), due, exempt or not asked."""
        with self.k.reading() as s:
            return self._fee(s, self.k.members.resolve(s, member_ref), self.k.today())

    def record_payment(self, member_ref: MemberKey | str, amount: int, method: str,
                       reference: str = "", *, staff: str) -> FeeReceipt:
        """Staff took the fee in cash or by bank transfer (no card in the kiosk): the fee is
        paid for one more period from the later of today and the date paid until."""
        staff = _staff(staff)
        amount = _amount(amount, N_("The amount paid"))
        if method not in PAYMENT_METHODS:
            raise BadInput(N_("Say how it was paid: cash or transfer."))
        reference = clean_text(reference or "", REASON_MAX, Message(N_("The transfer reference")))
        if method == "transfer" and not reference:
            raise BadInput(N_("A bank transfer needs its reference."))
        today = self.k.today()
        with self.k.transaction() as s:
            member = self.k.members.resolve(s, member_ref)
            plan = s.get(FeePlan, member.member_type)
            if plan is None or plan.amount == 0:
                raise BadInput(N_("Members of type {type} pay no fee here."), type=member.member_type)
            if amount < plan.amount:
                raise BadInput(N_("The fee is {amount} won."), amount=plan.amount)
            row = s.get(MemberFee, member.id) or MemberFee(member_id=member.id)
            start = max(today, dt.date.fromisoformat(row.paid_until)) if row.paid_until else today
            until = add_months(start, plan.period_months)
            row.paid_until = until.isoformat()
            s.add(row)
            now = to_iso(self.k.clock())
            s.add(FeePayment(uid=str(uuid.uuid4()), member_id=member.id, amount=amount, method=method,
                             reference=reference, paid_at=now, paid_until=row.paid_until, staff=staff))
            self.k.record(s, "fee.paid", {"member": member.number, "amount": amount, "method": method,
                                          "paid_until": row.paid_until}, staff)
            return FeeReceipt(member.number, member.display_name, amount, method, reference, now,
                              until, staff)

    def set_exemption(self, member_ref: MemberKey | str, reason: str | None, *, staff: str) -> None:
        """Exempt a member from the fee with a reason (e.g. 기초생활수급자, 다자녀), or end
        the exemption (``reason`` None). The reason stays at this centre."""
        staff = _staff(staff)
        if reason is not None:
            reason = clean_text(reason, REASON_MAX, Message(N_("The reason")))
            if not reason:
                raise BadInput(N_("An exemption needs its reason."))
        with self.k.transaction() as s:
            member = self.k.members.resolve(s, member_ref)
            row = s.get(MemberFee, member.id) or MemberFee(member_id=member.id)
            row.exempt_reason = reason
            s.add(row)
            self.k.record(s, "fee.exempted", {"member": member.number, "exempt": reason is not None},
                          staff)

    def member_refusals(self, s: Session, member: Member, today: dt.date) -> list[Refused]:
        """Member rules of this service a checkout refuses (a lapsed fee where the site blocks)."""
        if self.k.setting("fee_policy") != "block":
            return []
        if self._fee(s, member, today).state != FeeState.DUE:
            return []
        return [Refused("fee_due", N_("Your annual membership fee is due. Please see staff to pay it "
                                      "(cash or bank transfer); then you can borrow."))]

    # -- item rules ------------------------------------------------------------
    @staticmethod
    def _scope(s: Session, kiosk: Kiosk, target: str) -> str:
        """``category:NAME`` or an item reference (its code) -> the stored scope."""
        if target.startswith("category:"):
            name = clean_text(target.removeprefix("category:"), CATEGORY_MAX, Message(N_("The category")))
            if not name:
                raise BadInput(N_("Please name the category."))
            return "category:" + name
        return f"item:{kiosk.catalogue.resolve(s, target).id}"

    def set_rule(self, target: str, *, deposit: int = 0, qualification: str = "",
                 adults_only: bool = False, min_membership_months: int = 0, every_loans: int = 0,
                 every_days: int = 0, battery_weeks: int = 0, task: str = "",
                 actor: str | None = None) -> RuleView:
        """Set the rule of an item (its code) or a category (``category:tool``): deposit,
        qualification, adults only, minimum months of membership, maintenance schedule."""
        view = RuleView(
            scope="", deposit=_amount(deposit, N_("The deposit")),
            qualification=clean_text(qualification or "", QUALIFICATION_MAX, Message(N_("The qualification"))),
            adults_only=bool(adults_only),
            min_membership_months=_whole(min_membership_months, MEMBERSHIP_MONTHS_MAX,
                                         N_("The months of membership")),
            every_loans=_interval(every_loans, N_("The number of loans")),
            every_days=_interval(every_days, N_("The number of days")),
            battery_weeks=_interval(battery_weeks, N_("The number of weeks")),
            task=clean_text(task or "", REASON_MAX, Message(N_("The maintenance task"))))
        if (view.every_loans or view.every_days) and not view.task:
            raise BadInput(N_("Please name the maintenance task (e.g. sharpen the blade)."))
        with self.k.transaction() as s:
            scope = self._scope(s, self.k, target)
            row = s.get(ItemRule, scope) or ItemRule(scope=scope)
            for name in ("deposit", "qualification", "adults_only", "min_membership_months",
                         "every_loans", "every_days", "battery_weeks", "task"):
                setattr(row, name, getattr(view, name))
            s.add(row)
            self.k.record(s, "item.rule_set", {"scope": scope.split(":", 1)[0],
                                               "category": scope.split(":", 1)[1]
                                               if scope.startswith("category:") else None,
                                               "deposit": view.deposit, "adults_only": view.adults_only,
                                               "qualification": view.qualification}, actor)
            return RuleView(scope=scope, **{k: v for k, v in view.__dict__.items() if k != "scope"})

    def rule_for(self, s: Session, item: Item) -> ItemRule | None:
        """The item's own rule, else its category's."""
        return s.get(ItemRule, f"item:{item.id}") or s.get(ItemRule, f"category:{item.category}")

    @staticmethod
    def _view(row: ItemRule, scope: str | None = None) -> RuleView:
        return RuleView(**{c.key: getattr(row, c.key) for c in ItemRule.__table__.columns
                           if c.key != "scope"}, scope=scope or row.scope)

    def rule_of(self, target: str) -> RuleView | None:
        """The rule written for exactly ``target`` (an item's code or ``category:NAME``; an
        item's category rule is not its own), its scope named as staff write it."""
        with self.k.reading() as s:
            row = s.get(ItemRule, self._scope(s, self.k, target))
            return self._view(row, self._target(s, row.scope)) if row is not None else None

    def rules(self) -> list[RuleView]:
        """Every rule written, categories first; scopes named as staff write them."""
        with self.k.reading() as s:
            rows = s.execute(select(ItemRule).order_by(ItemRule.scope)).scalars().all()
            return [self._view(r, self._target(s, r.scope)) for r in rows]

    @staticmethod
    def _target(s: Session, scope: str) -> str:
        """``item:<id>`` -> the item's code; a category's scope as it is."""
        kind, _, rest = scope.partition(":")
        if kind == "item" and rest.isdigit():
            code = s.execute(select(Item.code).where(Item.id == int(rest))).scalar()
            return code or scope
        return scope

    def update_rule(self, target: str, *, actor: str | None = None, **changes: object) -> RuleView:
        """Change some settings of ``target``'s own rule (see :meth:`set_rule`); the others
        keep their value (an item with no rule of its own starts from none, not its category's)."""
        before = self.rule_of(target)
        values = {k: v for k, v in (before.__dict__.items() if before else ()) if k != "scope"}
        values.update({k: v for k, v in changes.items() if v is not None})
        view = self.set_rule(target, actor=actor, **values)
        return self.rule_of(target) or view  # the scope named as staff write it

    def clear_rule(self, target: str, *, actor: str | None = None) -> bool:
        """Remove ``target``'s own rule (an item then follows its category's); False when it had none."""
        with self.k.transaction() as s:
            scope = self._scope(s, self.k, target)
            row = s.get(ItemRule, scope)
            if row is None:
                return False
            s.delete(row)
            self.k.record(s, "item.rule_set", {"scope": scope.split(":", 1)[0],
                                               "category": scope.split(":", 1)[1]
                                               if scope.startswith("category:") else None,
                                               "deposit": 0, "adults_only": False, "qualification": ""}, actor)
            return True

    def item_rule(self, item_ref: ItemKey | str) -> RuleView | None:
        with self.k.reading() as s:
            rule = self.rule_for(s, self.k.catalogue.resolve(s, item_ref))
            if rule is None:
                return None
            return RuleView(**{c.key: getattr(rule, c.key) for c in ItemRule.__table__.columns})

    def item_refusal(self, s: Session, item: Item, member: Member, today: dt.date) -> None:
        """Raise the refusal an item's rule gives this member at the kiosk, if any.

        Each message tells the resident how to get what the item asks for."""
        rule = self.rule_for(s, item)
        if rule is None:
            return

        def refuse(r: Refused) -> Refused:
            r.item_code = item.code
            return r

        if rule.adults_only and not self._qualified(s, member, ADULT, today):
            raise refuse(Refused("adults_only", N_("This item is lent to adults only. Please ask staff "
                                                   "to confirm it once; then you can borrow it here.")))
        if rule.qualification and not self._qualified(s, member, rule.qualification, today):
            raise refuse(Refused("qualification", N_("This item needs “{name}”. Please ask staff how to "
                                                     "get it: once it is recorded, you can borrow this "
                                                     "item."), name=rule.qualification))
        if rule.min_membership_months:
            since = dt.date.fromisoformat(member.created_at[:10])
            ready = add_months(since, rule.min_membership_months)
            if today < ready:
                raise refuse(Refused("membership_months",
                                     N_("This item is lent to members of at least {months} months. You "
                                        "can borrow it from {date}."),
                                     months=rule.min_membership_months, date=ready.isoformat()))
        if rule.deposit and self._pending_deposit(s, item, member) is None:
            raise refuse(Refused("deposit", N_("This item is lent with a deposit of {amount} won. "
                                               "Please ask staff: they lend it to you."),
                                 amount=rule.deposit))

    # -- qualifications ----------------------------------------------------------
    def _qualified(self, s: Session, member: Member, name: str, today: dt.date) -> bool:
        row = s.execute(select(Qualification).where(Qualification.member_id == member.id,
                                                    Qualification.name == name)).scalars().first()
        return row is not None and (row.expires_on is None or row.expires_on >= today.isoformat())

    def record_qualification(self, member_ref: MemberKey | str, name: str, obtained_on: dt.date,
                             expires_on: dt.date | None = None, *, staff: str) -> None:
        """Staff record a member's qualification (e.g. 안전교육 이수) with its date and expiry;
        ``name`` ``adult`` records that staff confirmed the member is an adult."""
        staff = _staff(staff)
        name = clean_text(name, QUALIFICATION_MAX, Message(N_("The qualification")))
        if not name:
            raise BadInput(N_("Please name the qualification."))
        if expires_on is not None and expires_on < obtained_on:
            raise BadInput(N_("The expiry date is before the date it was obtained."))
        if obtained_on > self.k.today():
            raise BadInput(N_("The date it was obtained is in the future."))
        with self.k.transaction() as s:
            member = self.k.members.resolve(s, member_ref)
            row = s.execute(select(Qualification).where(Qualification.member_id == member.id,
                                                        Qualification.name == name)).scalars().first()
            row = row or Qualification(member_id=member.id, name=name)
            row.obtained_on = obtained_on.isoformat()
            row.expires_on = expires_on.isoformat() if expires_on else None
            row.recorded_by = staff
            s.add(row)
            self.k.record(s, "member.qualified", {"member": member.number, "qualification": name,
                                                  "obtained_on": row.obtained_on,
                                                  "expires_on": row.expires_on}, staff)

    def confirm_adult(self, member_ref: MemberKey | str, *, staff: str) -> None:
        """Staff saw that the member is an adult (no birth date is kept)."""
        self.record_qualification(member_ref, ADULT, self.k.today(), staff=staff)

    def qualifications(self, member_ref: MemberKey | str) -> list[tuple[str, str, str | None]]:
        """(name, obtained on, expires on) of each of the member's qualifications."""
        with self.k.reading() as s:
            member = self.k.members.resolve(s, member_ref)
            return [(q.name, q.obtained_on, q.expires_on) for q in s.execute(
                select(Qualification).where(Qualification.member_id == member.id)
                .order_by(Qualification.name)).scalars()]

    # -- deposits ----------------------------------------------------------------
    def _pending_deposit(self, s: Session, item: Item, member: Member) -> Deposit | None:
        return s.execute(select(Deposit).where(
            Deposit.item_id == item.id, Deposit.member_id == member.id, Deposit.loan_uid.is_(None),
            Deposit.settled_at.is_(None))).scalars().first()

    def attach_deposit(self, s: Session, item: Item, member: Member, loan_uid: str) -> None:
        """Tie the deposit staff took for this item and member to the loan just made."""
        deposit = self._pending_deposit(s, item, member)
        if deposit is not None:
            deposit.loan_uid = loan_uid

    def lend_with_deposit(self, member_ref: MemberKey | str, item_ref: ItemKey | str, amount: int,
                          *, staff: str) -> DepositView:
        """Staff lend an item that asks for a deposit: they take it, then the checkout runs.
        When the checkout is refused the deposit is handed back (settled as returned)."""
        staff = _staff(staff)
        amount = _amount(amount, N_("The deposit"))
        with self.k.transaction() as s:
            member = self.k.members.resolve(s, member_ref)
            item = self.k.catalogue.resolve(s, item_ref)
            rule = self.rule_for(s, item)
            if rule is None or not rule.deposit:
                raise BadInput(N_("{code} is lent without a deposit."), code=item.code)
            if amount < rule.deposit:
                raise BadInput(N_("The deposit for {code} is {amount} won."), code=item.code,
                               amount=rule.deposit)
            uid = str(uuid.uuid4())
            if self._pending_deposit(s, item, member) is None:
                s.add(Deposit(uid=uid, item_id=item.id, member_id=member.id, amount=amount,
                              taken_at=to_iso(self.k.clock()), taken_by=staff))
                self.k.record(s, "deposit.taken", {**item.event_ref(), "deposit": uid,
                                                   "member": member.number, "amount": amount}, staff)
            code, number = item.code, member.number
        result = self.k.circulation.checkout(number, [code])
        outcome = result.outcomes[0]
        if not outcome.ok:
            self.settle_deposit(code, "returned", N_("The loan was refused"), staff=staff)
            raise Refused(outcome.reason or "refused", outcome.error.msgid if outcome.error else
                          N_("The loan was refused"), **(outcome.error.params if outcome.error else {}))
        return next(d for d in self.deposits(open_only=True) if d.item_code == code)

    def settle_deposit(self, item_ref: ItemKey | str, outcome: str, reason: str = "", *,
                       staff: str) -> DepositView:
        """On return: the deposit given back, or kept with a reason (damage, a part missing)."""
        staff = _staff(staff)
        if outcome not in DEPOSIT_OUTCOMES:
            raise BadInput(N_("Say whether the deposit was returned or kept."))
        reason = clean_text(reason or "", NOTE_MAX, Message(N_("The reason")), multiline=True)
        if outcome == "kept" and not reason:
            raise BadInput(N_("Keeping a deposit needs a reason."))
        with self.k.transaction() as s:
            item = self.k.catalogue.resolve(s, item_ref)
            deposit = s.execute(select(Deposit).where(Deposit.item_id == item.id,
                                                      Deposit.settled_at.is_(None))
                                .order_by(Deposit.id.desc())).scalars().first()
            if deposit is None:
                raise BadInput(N_("No deposit is held for {code}."), code=item.code)
            deposit.settled_at, deposit.outcome = to_iso(self.k.clock()), outcome
            deposit.reason, deposit.settled_by = reason or None, staff
            self.k.record(s, "deposit.settled", {**item.event_ref(), "deposit": deposit.uid,
                                                 "outcome": outcome, "amount": deposit.amount}, staff)
            s.flush()
            return self._deposit_view(s, deposit)

    def _deposit_view(self, s: Session, d: Deposit) -> DepositView:
        item = s.get_one(Item, d.item_id)
        member = s.get(Member, d.member_id) if d.member_id else None
        return DepositView(d.uid, item.code, item.name_ko, member.number if member else None, d.amount,
                           d.taken_at, d.settled_at, d.outcome, d.reason)

    def deposits(self, *, open_only: bool = False) -> list[DepositView]:
        """Deposits held (``open_only``) or all, newest first, for staff."""
        with self.k.reading() as s:
            q = select(Deposit).order_by(Deposit.id.desc())
            if open_only:
                q = q.where(Deposit.settled_at.is_(None))
            return [self._deposit_view(s, d) for d in s.execute(q).scalars()]

    # -- maintenance -------------------------------------------------------------
    def maintenance_due(self, s: Session, item: Item, today: dt.date) -> list[str]:
        """At a return: the tasks the item's schedule makes due now (each opened as a task,
        with its event). The caller sends the item to inspection when any is due."""
        rule = self.rule_for(s, item)
        if rule is None or not (rule.every_loans or rule.every_days or rule.battery_weeks):
            return []
        due: list[tuple[str, str]] = []
        open_kinds = set(s.execute(select(MaintenanceTask.kind).where(
            MaintenanceTask.item_id == item.id, MaintenanceTask.done_at.is_(None))).scalars())

        def last_done(kind: str) -> str:
            return s.execute(select(func.max(MaintenanceTask.done_at)).where(
                MaintenanceTask.item_id == item.id, MaintenanceTask.kind == kind)).scalar() or item.created_at

        if rule.every_loans and "loans" not in open_kinds:
            loans = s.execute(select(func.count()).select_from(Loan).where(
                Loan.item_id == item.id, Loan.checked_out_at >= last_done("loans"))).scalar_one()
            if loans >= rule.every_loans:
                due.append(("loans", rule.task))
        if rule.every_days and "days" not in open_kinds:
            if (today - dt.date.fromisoformat(last_done("days")[:10])).days >= rule.every_days:
                due.append(("days", rule.task))
        if rule.battery_weeks and "battery" not in open_kinds:
            if (today - dt.date.fromisoformat(last_done("battery")[:10])).days >= 7 * rule.battery_weeks:
                due.append(("battery", BATTERY_TASK))
        now = to_iso(self.k.clock())
        for kind, task in due:
            s.add(MaintenanceTask(item_id=item.id, kind=kind, task=task, due_at=now))
            self.k.record(s, "maintenance.due", {**item.event_ref(), "kind": kind, "task": task})
        return [task for _, task in due]

    def open_tasks(self, item_ref: ItemKey | str) -> list[TaskView]:
        """The item's maintenance tasks not yet done (the inspection queue names them)."""
        return [t for t in self.history(item_ref) if t.done_at is None]

    def open_task_names(self) -> dict[str, list[str]]:
        """Item code -> the maintenance tasks open for it (the inspection queue names them)."""
        with self.k.reading() as s:
            out: dict[str, list[str]] = {}
            for code, task in s.execute(select(Item.code, MaintenanceTask.task).join(
                    Item, Item.id == MaintenanceTask.item_id).where(MaintenanceTask.done_at.is_(None))
                    .order_by(MaintenanceTask.id)):
                out.setdefault(code, []).append(task)
            return out

    def record_maintenance(self, item_ref: ItemKey | str, note: str = "", *, staff: str) -> int:
        """Staff did the item's open maintenance tasks: each is closed with the note.
        Returns how many; the item then goes back through the inspection as usual."""
        staff = _staff(staff)
        note = clean_text(note or "", NOTE_MAX, Message(N_("The note")), multiline=True)
        with self.k.transaction() as s:
            item = self.k.catalogue.resolve(s, item_ref)
            tasks = s.execute(select(MaintenanceTask).where(
                MaintenanceTask.item_id == item.id, MaintenanceTask.done_at.is_(None))).scalars().all()
            if not tasks:
                raise BadInput(N_("{code} has no maintenance task open."), code=item.code)
            now = to_iso(self.k.clock())
            for t in tasks:
                t.done_at, t.done_by, t.note = now, staff, note or None
                self.k.record(s, "maintenance.done", {**item.event_ref(), "kind": t.kind,
                                                      "task": t.task, "note": note}, staff)
            return len(tasks)

    def history(self, item_ref: ItemKey | str) -> list[TaskView]:
        """Every maintenance task of the item, oldest first."""
        with self.k.reading() as s:
            item = self.k.catalogue.resolve(s, item_ref)
            return [TaskView(item.code, t.kind, t.task, t.due_at, t.done_at, t.done_by, t.note)
                    for t in s.execute(select(MaintenanceTask).where(MaintenanceTask.item_id == item.id)
                                       .order_by(MaintenanceTask.id)).scalars()]

    # -- reports -----------------------------------------------------------------
    def figures(self, lo: str, hi: str, today: dt.date) -> RuleFigures:
        """Fees, deposits and demand for the report of the period from ``lo`` to ``hi``."""
        with self.k.reading() as s:
            paid = s.execute(select(func.count(), func.coalesce(func.sum(FeePayment.amount), 0)).where(
                FeePayment.paid_at >= lo, FeePayment.paid_at < hi)).one()
            taken = s.execute(select(func.count(), func.coalesce(func.sum(Deposit.amount), 0)).where(
                Deposit.taken_at >= lo, Deposit.taken_at < hi)).one()
            kept = s.execute(select(func.count(), func.coalesce(func.sum(Deposit.amount), 0)).where(
                Deposit.settled_at >= lo, Deposit.settled_at < hi, Deposit.outcome == "kept")).one()
            held = s.execute(select(func.count()).select_from(Deposit)
                             .where(Deposit.settled_at.is_(None))).scalar_one()
            exempt = due = 0
            priced = {p.member_type for p in s.execute(select(FeePlan).where(FeePlan.amount > 0)).scalars()}
            if priced:
                for member in s.execute(select(Member).where(Member.member_type.in_(priced))).scalars():
                    state = self._fee(s, member, today).state
                    exempt += state == FeeState.EXEMPT
                    due += state == FeeState.DUE
            exempt += s.execute(select(func.count()).select_from(MemberFee).join(
                Member, Member.id == MemberFee.member_id).where(
                MemberFee.exempt_reason.is_not(None), Member.member_type.not_in(priced))).scalar_one()
        return RuleFigures(paid[0], paid[1], exempt, due, taken[0], taken[1], kept[0], kept[1], held,
                           tuple(self._demand(lo, hi, False, 20)), tuple(self._demand(lo, hi, True, 20)))

    # -- demand ------------------------------------------------------------------
    def count_demand(self, s: Session, item: Item, kind: str) -> None:
        """One sign that someone wanted ``item`` when it was not on the shelf."""
        s.add(Demand(item_id=item.id, category=item.category, kind=kind, at=to_iso(self.k.clock())))
        self.k.record(s, "demand.recorded", {**item.event_ref(), "kind": kind,
                                             "category": item.category})

    def count_refused_scan(self, item_ref: ItemKey | str) -> None:
        """A resident scanned an item that was not on the shelf (its own transaction: the
        refused checkout rolled its own back)."""
        with self.k.transaction() as s:
            self.count_demand(s, self.k.catalogue.resolve(s, item_ref), "unavailable")

    def demand(self, *, since: dt.date | None = None, by_category: bool = False,
               limit: int = 20) -> list[DemandRow]:
        """Most wanted, not on the shelf: refused scans, waiting-list entries and reservations
        that ended without a loan (cancelled or expired), per item or per category."""
        return self._demand(since.isoformat() if since else "", "~", by_category, limit)

    def _demand(self, lo: str, hi: str, by_category: bool, limit: int) -> list[DemandRow]:
        with self.k.reading() as s:
            counts: dict[int, list[int]] = {}
            for item_id, kind, n in s.execute(select(Demand.item_id, Demand.kind, func.count())
                                              .where(Demand.at >= lo, Demand.at < hi)
                                              .group_by(Demand.item_id, Demand.kind)):
                row = counts.setdefault(item_id, [0, 0, 0])
                row[0 if kind == "unavailable" else 1] += n
            for item_id, n in s.execute(select(Reservation.item_id, func.count())
                                        .where(Reservation.status.in_(("cancelled", "expired")),
                                               Reservation.created_at >= lo,
                                               Reservation.created_at < hi)
                                        .group_by(Reservation.item_id)):
                counts.setdefault(item_id, [0, 0, 0])[2] += n
            items = {i.id: i for i in s.execute(select(Item).where(Item.id.in_(counts))).scalars()}
        rows = [DemandRow(items[i].code, items[i].name_ko, items[i].category, *c) for i, c in counts.items()]
        if by_category:
            merged: dict[str, list[int]] = {}
            for r in rows:
                m = merged.setdefault(r.category, [0, 0, 0])
                m[0] += r.unavailable
                m[1] += r.waitlist
                m[2] += r.unmet
            rows = [DemandRow("", "", cat, *c) for cat, c in merged.items()]
        rows.sort(key=lambda r: (-r.total, r.category, r.code))
        return rows[:limit]
