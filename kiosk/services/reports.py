"""Report figures for a period, as plain data read from the database.

A period is a range of calendar days in Seoul, both ends included. The
figures (all computed from the loans, items, members and inspections tables):

* loans per day and returns per day;
* busiest hours: checkouts plus returns by hour of the day (Seoul time);
* top items (most loans) and items never borrowed by the end of the period;
* utilisation per category: days on loan within the period over the days the
  category's items could have been lent (items not retired x days);
* unique members served: members who borrowed or returned in the period;
* overdue and lost: loans still open at the end of the period (or today, when
  the period reaches past today) and past their due date; *lost* ones are
  more than :data:`LOST_AFTER_DAYS` days overdue; late returns;
* parts lost: parts missing at returns in the period, less those found at
  the staff check afterwards;
* the city's sharing-value indicators: resources shared (distinct items lent)
  and their replacement value, the value of all loans (purchases avoided),
  participants (distinct borrowers), repeat use (borrowers with two loans or
  more), new members.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from kiosk.calendar import SEOUL, local_date
from kiosk.clock import from_iso, to_iso
from kiosk.errors import BadInput
from kiosk.i18n import N_
from kiosk.services.catalogue import CATEGORIES
from kiosk.services.rules import RuleFigures
from kiosk.store.models import Item, ItemStatus, Loan, Member
from kiosk.store.staff_models import Inspection

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

LOST_AFTER_DAYS = 30
CATEGORY_LABELS = {"tool": N_("Tools"), "garden": N_("Garden"), "camping": N_("Camping"),
                   "household": N_("Household"), "toy": N_("Toys"), "game": N_("Games"),
                   "book": N_("Books")}
TOP_ITEMS = 10
LONGEST_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class ItemCount:
    code: str
    name: str
    category: str
    count: int
    value: int = 0  # replacement value in won


@dataclass(frozen=True)
class CategoryUse:
    category: str
    items: int
    loans: int
    loan_days: float
    utilisation_pct: float


@dataclass(frozen=True)
class OverdueLoan:
    code: str
    name: str
    member_number: str | None
    due_on: dt.date
    days_overdue: int
    value: int


@dataclass(frozen=True)
class SharingIndicators:
    """The figures the city asks of every sharing centre."""

    loans: int
    resources_shared: int  # distinct items lent
    resources_value: int  # their replacement value, once each (won)
    loans_value: int  # replacement value summed over loans: purchases avoided (won)
    participants: int  # distinct borrowers
    repeat_participants: int  # borrowers with two loans or more
    new_members: int

    @property
    def repeat_pct(self) -> float:
        return 100.0 * self.repeat_participants / self.participants if self.participants else 0.0

    @property
    def loans_per_item(self) -> float:
        return self.loans / self.resources_shared if self.resources_shared else 0.0


@dataclass
class Report:
    site: str
    start: dt.date
    end: dt.date
    as_of: dt.date  # the day overdue and lost are measured on
    loans_per_day: list[tuple[dt.date, int, int]] = field(default_factory=list)  # day, loans, returns
    hours: list[int] = field(default_factory=lambda: [0] * 24)  # activity by hour, Seoul time
    top_items: list[ItemCount] = field(default_factory=list)
    never_borrowed: list[ItemCount] = field(default_factory=list)
    categories: list[CategoryUse] = field(default_factory=list)
    members_served: int = 0
    returns: int = 0
    late_returns: int = 0
    overdue: list[OverdueLoan] = field(default_factory=list)
    lost: list[OverdueLoan] = field(default_factory=list)
    parts_missing: int = 0
    parts_found: int = 0
    parts_lost_items: list[ItemCount] = field(default_factory=list)  # count = parts lost
    sharing: SharingIndicators | None = None
    rules: RuleFigures | None = None  # fees, deposits and demand (kiosk.services.rules)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def total_loans(self) -> int:
        return sum(n for _d, n, _r in self.loans_per_day)

    @property
    def parts_lost(self) -> int:
        return self.parts_missing - self.parts_found

    @property
    def lost_value(self) -> int:
        return sum(o.value for o in self.lost)

    def busiest_hours(self, n: int = 3) -> list[int]:
        """The ``n`` hours with the most activity (none when there was none)."""
        ranked = sorted(range(24), key=lambda h: (-self.hours[h], h))
        return [h for h in ranked[:n] if self.hours[h]]

    def rows(self) -> list[tuple[str, str, Any]]:
        """Every figure as (section, key, value): the CSV export."""
        out: list[tuple[str, str, Any]] = [
            ("period", "from", self.start.isoformat()), ("period", "to", self.end.isoformat()),
            ("period", "as_of", self.as_of.isoformat()), ("period", "site", self.site)]
        for day, loans, returns in self.loans_per_day:
            out += [("loans_per_day", day.isoformat(), loans), ("returns_per_day", day.isoformat(), returns)]
        out += [("activity_by_hour", f"{h:02d}", n) for h, n in enumerate(self.hours)]
        out += [("top_items", i.code, i.count) for i in self.top_items]
        out += [("never_borrowed", i.code, i.name) for i in self.never_borrowed]
        for c in self.categories:
            out += [(f"category:{c.category}", "items", c.items), (f"category:{c.category}", "loans", c.loans),
                    (f"category:{c.category}", "loan_days", round(c.loan_days, 1)),
                    (f"category:{c.category}", "utilisation_pct", round(c.utilisation_pct, 1))]
        out += [("members", "served", self.members_served), ("returns", "total", self.returns),
                ("returns", "late", self.late_returns), ("overdue", "count", len(self.overdue)),
                ("lost", "count", len(self.lost)), ("lost", "value", self.lost_value),
                ("parts", "missing_at_return", self.parts_missing), ("parts", "found", self.parts_found),
                ("parts", "lost", self.parts_lost)]
        out += [("overdue_loan", o.code, o.days_overdue) for o in self.overdue]
        if self.sharing is not None:
            sh = asdict(self.sharing)
            out += [("sharing", k, v) for k, v in sh.items()]
            out += [("sharing", "repeat_pct", round(self.sharing.repeat_pct, 1)),
                    ("sharing", "loans_per_item", round(self.sharing.loans_per_item, 2))]
        if self.rules is not None:
            fig = self.rules
            out += [("fees", "payments", fig.fees_paid), ("fees", "amount", fig.fees_amount),
                    ("fees", "members_exempt", fig.members_exempt), ("fees", "members_due", fig.members_due),
                    ("deposits", "taken", fig.deposits_taken), ("deposits", "amount", fig.deposits_amount),
                    ("deposits", "kept", fig.deposits_kept),
                    ("deposits", "kept_amount", fig.deposits_kept_amount),
                    ("deposits", "held", fig.deposits_held)]
            out += [("demand", d.code, d.total) for d in fig.demand]
            out += [("demand_category", d.category, d.total) for d in fig.demand_by_category]
        return out


def _day_start(day: dt.date) -> str:
    """The UTC stamp of 00:00 in Seoul on ``day`` (stamps sort as text)."""
    return to_iso(dt.datetime.combine(day, dt.time(), tzinfo=SEOUL))


def _local(stamp: str) -> dt.datetime:
    return from_iso(stamp).astimezone(SEOUL)


class Reports:
    """Report figures. Create one per kiosk: ``Reports(kiosk)``."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    def build(self, start: dt.date, end: dt.date) -> Report:
        """Every figure for the days ``start`` to ``end`` (both included)."""
        if end < start:
            raise BadInput(N_("The report ends before it starts: {start} to {end}."),
                           start=start.isoformat(), end=end.isoformat())
        if (end - start).days >= LONGEST_PERIOD_DAYS:
            raise BadInput(N_("A report covers at most three years."))
        now = self.k.clock()
        today = local_date(now)
        lo, hi = _day_start(start), _day_start(end + dt.timedelta(days=1))
        as_of = min(end, today)
        as_of_end = min(_day_start(as_of + dt.timedelta(days=1)), to_iso(now))
        r = Report(site=self.k.site, start=start, end=end, as_of=as_of)
        with self.k.reading() as s:
            items = {i.id: i for i in s.execute(select(Item)).scalars()}
            numbers = dict(s.execute(select(Member.id, Member.number)).all())
            # Every loan touching the period: lent before its end and not back before its start.
            loans = s.execute(select(Loan).where(
                Loan.checked_out_at < hi,
                or_(Loan.returned_at.is_(None), Loan.returned_at >= lo))).scalars().all()
            borrowed_before_end = set(s.execute(select(Loan.item_id).where(
                Loan.checked_out_at < hi).distinct()).scalars())
            new_members = s.execute(select(func.count()).select_from(Member).where(
                Member.created_at >= lo, Member.created_at < hi)).scalar_one()
            found_by_loan = dict(s.execute(select(Inspection.loan_id, func.sum(Inspection.parts_found))
                                           .where(Inspection.loan_id.is_not(None))
                                           .group_by(Inspection.loan_id)).all())

        def who(loan: Loan) -> str | None:
            return f"m{loan.member_id}" if loan.member_id else loan.member_pseudonym

        per_day_loans: Counter[dt.date] = Counter()
        per_day_returns: Counter[dt.date] = Counter()
        per_item: Counter[int] = Counter()
        per_member: Counter[str] = Counter()
        served: set[str] = set()
        loan_days: defaultdict[str, float] = defaultdict(float)
        loans_in_cat: Counter[str] = Counter()
        parts_lost_by_item: Counter[int] = Counter()
        period_lo, period_hi = from_iso(lo), min(from_iso(hi), now)
        for loan in loans:
            item = items[loan.item_id]
            out_local = _local(loan.checked_out_at)
            if lo <= loan.checked_out_at < hi:
                per_day_loans[out_local.date()] += 1
                r.hours[out_local.hour] += 1
                per_item[item.id] += 1
                loans_in_cat[item.category] += 1
                if person := who(loan):
                    per_member[person] += 1
                    served.add(person)
            if loan.returned_at and lo <= loan.returned_at < hi:
                back = _local(loan.returned_at)
                per_day_returns[back.date()] += 1
                r.hours[back.hour] += 1
                r.returns += 1
                if back.date() > dt.date.fromisoformat(loan.due_on):
                    r.late_returns += 1
                if person := who(loan):
                    served.add(person)
                if loan.parts_expected is not None and loan.parts_counted is not None:
                    missing = max(0, loan.parts_expected - loan.parts_counted)
                    found = min(missing, int(found_by_loan.get(loan.id) or 0))
                    r.parts_missing += missing
                    r.parts_found += found
                    if missing - found:
                        parts_lost_by_item[item.id] += missing - found
            # Time on loan inside the period.
            a = max(from_iso(loan.checked_out_at), period_lo)
            b = min(from_iso(loan.returned_at) if loan.returned_at else now, period_hi)
            if b > a:
                loan_days[item.category] += (b - a).total_seconds() / 86400
            # Still out at the end of the period, and late by then.
            still_out = loan.checked_out_at < as_of_end and (
                loan.returned_at is None or loan.returned_at >= as_of_end)
            due = dt.date.fromisoformat(loan.due_on)
            if still_out and due < as_of:
                number = numbers.get(loan.member_id) if loan.member_id is not None else None
                o = OverdueLoan(item.code, item.name_ko, number,
                                due, (as_of - due).days, item.replacement_value)
                r.overdue.append(o)
                if o.days_overdue > LOST_AFTER_DAYS:
                    r.lost.append(o)

        r.loans_per_day = [(start + dt.timedelta(days=i),
                            per_day_loans[start + dt.timedelta(days=i)],
                            per_day_returns[start + dt.timedelta(days=i)]) for i in range(r.days)]
        r.top_items = [ItemCount(items[i].code, items[i].name_ko, items[i].category, n,
                                 items[i].replacement_value)
                       for i, n in sorted(per_item.items(),
                                          key=lambda kv: (-kv[1], items[kv[0]].code))[:TOP_ITEMS]]
        lendable = [i for i in items.values() if i.status != ItemStatus.RETIRED and i.created_at < hi]
        r.never_borrowed = sorted((ItemCount(i.code, i.name_ko, i.category, 0, i.replacement_value)
                                   for i in lendable if i.id not in borrowed_before_end),
                                  key=lambda c: c.code)
        counts = Counter(i.category for i in lendable)
        r.categories = [CategoryUse(cat, counts[cat], loans_in_cat[cat], loan_days[cat],
                                    100.0 * loan_days[cat] / (counts[cat] * r.days) if counts[cat] else 0.0)
                        for cat in CATEGORIES if counts[cat] or loans_in_cat[cat]]
        r.members_served = len(served)
        r.overdue.sort(key=lambda o: (-o.days_overdue, o.code))
        r.lost.sort(key=lambda o: (-o.days_overdue, o.code))
        r.parts_lost_items = [ItemCount(items[i].code, items[i].name_ko, items[i].category, n)
                              for i, n in sorted(parts_lost_by_item.items(),
                                                 key=lambda kv: (-kv[1], items[kv[0]].code))]
        shared = list(per_item)
        r.sharing = SharingIndicators(
            loans=sum(per_item.values()), resources_shared=len(shared),
            resources_value=sum(items[i].replacement_value for i in shared),
            loans_value=sum(items[i].replacement_value * n for i, n in per_item.items()),
            participants=len(per_member),
            repeat_participants=sum(1 for n in per_member.values() if n >= 2),
            new_members=new_members)
        r.rules = self.k.rules.figures(lo, hi, today)
        return r


def site_name(kiosk: Kiosk) -> str:
    """The centre's name for headings on reports, labels and cards."""
    from kiosk.store.models import Site

    override = kiosk.setting("site_name")
    if override:
        return str(override)
    with kiosk.reading() as s:
        site = s.get(Site, kiosk.site)
        return site.name if site is not None else kiosk.site
