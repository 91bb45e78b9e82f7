"""The city's sharing-value indicators, from monthly summaries of the loans.

Three families, for any run of whole months and any set of centres or districts
(docs/indicators.md says how each figure is computed):

- resources: items, value in use, utilisation, idle items;
- participants: members, active, new and returning members, by member type;
- outcomes: loans, purchases avoided (won), parts lost, repairs, waste avoided (kg);

plus the reservations each private O2O partner made for members, and the demand the
shelves did not meet, per category (the kiosks' ``demand.recorded`` events: refused
scans of items not on the shelf and waiting-list entries; and reservations that ended
without a loan), for the city's purchasing.

Figures are read from two summary tables that :func:`refresh` rebuilds from the
loans (a periodic job of the platform's workers, see sync.hub.jobs), so a page over
five years of a whole city reads a few thousand rows, not millions of loans:

- ``indicator_loans``: per month and site, the additive figures;
- ``indicator_reach``: distinct members (by their home centre) and distinct items
  lent, per month, counted with the month the same member or item was last seen
  before (``prev_month``). A member is active in months A..B exactly once: in its
  first month in A..B, the one whose ``prev_month`` is before A. Rows are kept per
  site, per district and for the whole city, so a city or district page sums a
  handful of rows. Rows of kind ``items`` and ``members`` (month ``''``) hold the
  catalogue and the registered members as the rebuild found them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from kiosk.clock import to_iso
from kiosk.errors import BadInput
from kiosk.i18n import N_
from sync.hub import retention
from sync.hub.db import Database
from sync.hub.models import Event, Item, Kiosk, Meta, Reservation, Site
from sync.hub.partners_models import Partner, PartnerReservation

_meta = MetaData()
loan_months = Table(
    "indicator_loans", _meta,
    Column("month", String(7), primary_key=True), Column("site", String(32), primary_key=True),
    Column("loans", Integer),
    Column("returned", Integer), Column("loan_days", BigInteger), Column("avoided", Integer),
    Column("avoided_won", BigInteger), Column("waste_g", BigInteger), Column("parts_lost", Integer),
    Column("damaged", Integer))
reach = Table(
    "indicator_reach", _meta,
    Column("kind", String(8), primary_key=True), Column("scope", String(40), primary_key=True),
    Column("month", String(7), primary_key=True), Column("member_type", String(20), primary_key=True),
    Column("prev_month", String(7), primary_key=True), Column("n", Integer), Column("value", BigInteger))

#: estimated mass of one item of a category, in grams (docs/indicators.md: sources and use)
CATEGORY_MASS_G = {"tool": 3000, "toy": 1000, "kitchen": 2500, "camping": 4500, "appliance": 6000,
                   "electronics": 1500, "sports": 3500, "baby": 5000, "event": 2000, "book": 400}
DEFAULT_MASS_G = 2500
REFRESHED_KEY = "indicators.refreshed_at"
MONTHS_MAX = 240  # twenty years: the longest period one page may ask for

BAD_MONTH = N_("A month is written YYYY-MM: {value}")
BAD_PERIOD = N_("The period ends before it starts: {start} to {end}")
LONG_PERIOD = N_("A period is at most {months} months.")
NO_SUCH_SITE = N_("No site {site} on the platform.")

# years of the calendar the platform reckons with (a year 0000 or 9999 has no neighbours to count on)
_MONTH = re.compile(r"^((?:19|20|21)[0-9]{2})-(0[1-9]|1[0-2])$")
MONTH_PATTERN = _MONTH.pattern  # the same rule in the OpenAPI document


@dataclass(frozen=True)
class Period:
    """Whole months ``first``..``last`` (``YYYY-MM``, Asia/Seoul calendar)."""

    first: str
    last: str

    @classmethod
    def parse(cls, first: str | None, last: str | None, today: dt.date) -> Period:
        """From ``YYYY-MM`` texts (a quarter ending in the current month when none)."""
        if not first and not last:
            q = (today.month - 1) // 3 * 3 + 1
            return cls(f"{today.year:04d}-{q:02d}", f"{today.year:04d}-{q + 2:02d}")
        a = _check_month(first or last or "")
        b = _check_month(last or a)
        if b < a:
            raise BadInput(BAD_PERIOD, start=a, end=b)
        if len(months_between(a, b)) > MONTHS_MAX:
            raise BadInput(LONG_PERIOD, months=MONTHS_MAX)
        return cls(a, b)

    @property
    def months(self) -> list[str]:
        return months_between(self.first, self.last)

    @property
    def days(self) -> int:
        return sum(calendar.monthrange(int(m[:4]), int(m[5:]))[1] for m in self.months)

    @property
    def label(self) -> str:
        return self.first if self.first == self.last else f"{self.first} – {self.last}"


def _check_month(value: str) -> str:
    value = (value or "").strip()
    if not _MONTH.match(value):
        raise BadInput(BAD_MONTH, value=value[:20])
    return value


def months_between(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out: list[str] = []
    while f"{y:04d}-{m:02d}" <= last and len(out) <= MONTHS_MAX:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@dataclass(frozen=True)
class Scope:
    """Which centres: the whole city (nothing named), whole districts, and/or single sites."""

    districts: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()

    @property
    def city(self) -> bool:
        return not self.districts and not self.sites

    def reach_keys(self) -> list[str] | None:
        """The ``indicator_reach`` scopes that add up to this one (None: the city row)."""
        if self.city:
            return None
        return [f"district:{d}" for d in self.districts] + [f"site:{c}" for c in self.sites]

    def site_filter(self, column: Any) -> ColumnElement[bool] | None:
        """A condition on a site-code column (None for the whole city)."""
        if self.city:
            return None
        in_districts: ColumnElement[bool] = column.in_(select(Site.code).where(Site.district.in_(self.districts)))
        in_sites: ColumnElement[bool] = column.in_(self.sites)
        if self.districts and self.sites:
            return in_districts | in_sites
        return in_districts if self.districts else in_sites


def scope_of(s: Session, districts: Iterable[str], sites: Iterable[str]) -> Scope:
    """A checked scope: districts are Seoul's (``강남`` is read as ``강남구``), sites exist;
    a site inside a named district is dropped so nothing is counted twice."""
    from sync.hub.roles import normalise_district

    ds = tuple(sorted({normalise_district(d) for d in districts if d and d.strip()}))
    codes = sorted({c.strip() for c in sites if c and c.strip()})
    known = dict(s.execute(select(Site.code, Site.district).where(Site.code.in_(codes))).all()) if codes else {}
    for c in codes:
        if c not in known:
            raise BadInput(NO_SUCH_SITE, site=c[:40])
    return Scope(ds, tuple(c for c in codes if known[c] not in ds))


# -- the summaries --------------------------------------------------------------------------
def _sql_month(postgres: bool, col: str) -> str:
    """The Asia/Seoul month (``YYYY-MM``) of a stored UTC timestamp (Korea keeps no summer time)."""
    if postgres:
        return f"to_char(CAST(substr({col}, 1, 19) AS timestamp) + interval '9 hours', 'YYYY-MM')"
    return f"strftime('%Y-%m', substr({col}, 1, 19), '+9 hours')"


def _sql_days(postgres: bool, start: str, end: str) -> str:
    """Whole days from ``start`` to ``end`` (a started day counts), at least one."""
    if postgres:
        return (f"GREATEST(1, CAST(ceil(extract(epoch FROM CAST(substr({end}, 1, 19) AS timestamp) - "
                f"CAST(substr({start}, 1, 19) AS timestamp)) / 86400.0) AS bigint))")
    return (f"MAX(1, CAST(julianday(substr({end}, 1, 19)) - julianday(substr({start}, 1, 19)) "
            f"+ 0.999999 AS INTEGER))")


def _mass_case() -> str:
    whens = " ".join(f"WHEN '{cat}' THEN {grams}" for cat, grams in sorted(CATEGORY_MASS_G.items()))
    return f"CASE i.category {whens} ELSE {DEFAULT_MASS_G} END"


def refresh(db: Database, now: dt.datetime) -> dict[str, int]:
    """Rebuild both summaries from the loans in one transaction (readers see the old
    figures until it commits). Returns the rows written."""
    pg = db.postgres
    month, days = _sql_month(pg, "l.checked_out_at"), _sql_days(pg, "l.checked_out_at",
                                                              "COALESCE(l.returned_at, :now)")
    # a member counts by their pseudonym, the same before and after the retention period
    # took their number off old loans (sync.hub.retention)
    who = retention.who_sql(pg)
    loans_sql = f"""
        INSERT INTO indicator_loans (month, site, loans, returned, loan_days, avoided, avoided_won, waste_g,
                                     parts_lost, damaged)
        WITH l AS (
            SELECT l.site, {month} AS month, l.returned_at,
                   l.condition, COALESCE(i.replacement_value, 0) AS v, {_mass_case()} AS grams,
                   {days} AS days,
                   CASE WHEN l.member_number IS NULL AND l.member_pseudonym IS NULL THEN 1 ELSE row_number() OVER (
                       PARTITION BY {who}, l.item_key ORDER BY l.checked_out_at) END AS nth
            FROM loans l LEFT JOIN items i ON i.key = l.item_key
            WHERE l.checked_out_at IS NOT NULL AND l.site IS NOT NULL)
        SELECT month, site, COUNT(*), COUNT(returned_at), SUM(days),
               SUM(CASE WHEN nth = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN nth = 1 THEN v ELSE 0 END),
               SUM(CASE WHEN nth = 1 THEN grams ELSE 0 END),
               SUM(CASE WHEN condition = 'missing_parts' THEN 1 ELSE 0 END),
               SUM(CASE WHEN condition = 'damaged' THEN 1 ELSE 0 END)
        FROM l GROUP BY month, site"""
    with db.transaction() as s:
        s.execute(delete(loan_months))
        s.execute(delete(reach))
        keyed = retention.sql_params(s, pg)
        s.execute(text(loans_sql), {"now": to_iso(now), **keyed})
        s.execute(text(_reach_sql(pg, "member")), keyed)
        s.execute(text(_reach_sql(pg, "item")))
        s.execute(text(_STOCK_SQL))
        stamp = to_iso(now)
        row = s.get(Meta, REFRESHED_KEY)
        if row is None:
            s.add(Meta(key=REFRESHED_KEY, value=stamp))
        else:
            row.value = stamp
        return {"loans": s.execute(select(func.count()).select_from(loan_months)).scalar_one(),
                "reach": s.execute(select(func.count()).select_from(reach)).scalar_one()}


def _reach_sql(pg: bool, kind: str) -> str:
    month = _sql_month(pg, "l.checked_out_at")
    if kind == "member":
        # by pseudonym (sync.hub.retention); the member's type and centre from their row, or from
        # the loan once the retention period took the member off it
        mm = f"""SELECT who, month, MAX(mt) AS mt, MAX(site) AS site FROM (
                    SELECT {retention.who_sql(pg)} AS who, {month} AS month,
                           COALESCE(x.member_type, l.member_type) AS mt, COALESCE(x.home_site, l.member_site) AS site
                    FROM loans l LEFT JOIN members x ON x.number = l.member_number
                    WHERE l.checked_out_at IS NOT NULL
                      AND (x.number IS NOT NULL OR l.member_pseudonym IS NOT NULL)) w GROUP BY who, month"""
        join = "JOIN mm m ON m.who = p.who AND m.month = p.month"
        cols = "m.mt AS mt, m.site AS site, 0 AS v"
    else:
        mm = f"""SELECT DISTINCT l.item_key AS who, {month} AS month FROM loans l
                    WHERE l.checked_out_at IS NOT NULL AND l.item_key IS NOT NULL"""
        join = "JOIN items m ON m.key = p.who"
        cols = "'' AS mt, m.home_site AS site, m.replacement_value AS v"
    return f"""
        INSERT INTO indicator_reach (kind, scope, month, member_type, prev_month, n, value)
        WITH mm AS ({mm}),
             p AS (SELECT who, month,
                          COALESCE(LAG(month) OVER (PARTITION BY who ORDER BY month), '') AS prev
                   FROM mm),
             j AS (SELECT p.month, p.prev, {cols}, s.district
                   FROM p {join} LEFT JOIN sites s ON s.code = {"m.site" if kind == "member" else "m.home_site"})
        SELECT '{kind}', 'site:' || site, month, mt, prev, COUNT(*), SUM(v) FROM j
            GROUP BY site, month, mt, prev
        UNION ALL
        SELECT '{kind}', 'district:' || district, month, mt, prev, COUNT(*), SUM(v) FROM j
            WHERE district IS NOT NULL GROUP BY district, month, mt, prev
        UNION ALL
        SELECT '{kind}', 'city', month, mt, prev, COUNT(*), SUM(v) FROM j GROUP BY month, mt, prev"""


# The catalogue and the members now, per site, district and city (what the page shows as
# items and registered members), so a city page does not count 200,000 members each time.
_STOCK_SQL = """
    INSERT INTO indicator_reach (kind, scope, month, member_type, prev_month, n, value)
    WITH j AS (SELECT 'items' AS kind, x.home_site AS site, '' AS mt, x.replacement_value AS v
               FROM items x WHERE x.retired = false AND x.origin <> 'placeholder'
               UNION ALL
               SELECT 'members', m.home_site, m.member_type, 0 FROM members m WHERE m.deleted = false),
         k AS (SELECT j.*, s.district FROM j LEFT JOIN sites s ON s.code = j.site)
    SELECT kind, 'site:' || site, '', mt, '', COUNT(*), SUM(v) FROM k GROUP BY kind, site, mt
    UNION ALL
    SELECT kind, 'district:' || district, '', mt, '', COUNT(*), SUM(v) FROM k
        WHERE district IS NOT NULL GROUP BY kind, district, mt
    UNION ALL
    SELECT kind, 'city', '', mt, '', COUNT(*), SUM(v) FROM k GROUP BY kind, mt"""


def refreshed_at(s: Session) -> str | None:
    row = s.get(Meta, REFRESHED_KEY)
    return str(row.value) if row is not None and row.value else None


# -- reading them ---------------------------------------------------------------------------
@dataclass
class Figures:
    """Everything the page, the PDF and the CSV show."""

    period: Period
    scope: Scope
    resources: dict[str, Any] = field(default_factory=dict)
    participants: dict[str, Any] = field(default_factory=dict)
    outcomes: dict[str, Any] = field(default_factory=dict)
    by_type: list[dict[str, Any]] = field(default_factory=list)
    monthly: list[dict[str, Any]] = field(default_factory=list)
    breakdown: list[dict[str, Any]] = field(default_factory=list)
    partners: list[dict[str, Any]] = field(default_factory=list)
    demand: list[dict[str, Any]] = field(default_factory=list)
    fees: dict[str, Any] = field(default_factory=dict)
    refreshed_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"period": {"from": self.period.first, "to": self.period.last, "days": self.period.days},
                "scope": {"districts": list(self.scope.districts), "sites": list(self.scope.sites)},
                "resources": self.resources, "participants": self.participants, "outcomes": self.outcomes,
                "by_member_type": self.by_type, "monthly": self.monthly, "breakdown": self.breakdown,
                "partners": self.partners, "demand": self.demand, "fees": self.fees,
                "refreshed_at": self.refreshed_at}


def _scope_where(scope: Scope) -> ColumnElement[bool]:
    keys = scope.reach_keys()
    return reach.c.scope == "city" if keys is None else reach.c.scope.in_(keys)


def _reach_where(kind: str, scope: Scope, period: Period) -> list[ColumnElement[bool]]:
    return [reach.c.kind == kind, reach.c.month >= period.first, reach.c.month <= period.last,
            _scope_where(scope)]


def figures(s: Session, scope: Scope, period: Period) -> Figures:
    """The indicators of ``scope`` over ``period`` (see docs/indicators.md)."""
    f = Figures(period, scope, refreshed_at=refreshed_at(s))
    in_period = [loan_months.c.month >= period.first, loan_months.c.month <= period.last]
    site_cond = scope.site_filter(loan_months.c.site)
    if site_cond is not None:
        in_period.append(site_cond)
    lm = loan_months.c
    by_month = {row[0]: [int(x) for x in row[1:]] for row in s.execute(select(lm.month, *(func.sum(c) for c in (
        lm.loans, lm.returned, lm.loan_days, lm.avoided, lm.avoided_won, lm.waste_g, lm.parts_lost,
        lm.damaged))).where(*in_period).group_by(lm.month))}
    sums = [sum(col) for col in zip(*by_month.values(), strict=True)] if by_month else [0] * 8
    loans, returned, loan_days, avoided, avoided_won, waste_g, parts_lost, damaged = sums

    first = reach.c.prev_month < period.first  # '' (never before) sorts first
    member_w = _reach_where("member", scope, period)
    active = dict(s.execute(select(reach.c.member_type, func.sum(reach.c.n)).where(*member_w, first)
                            .group_by(reach.c.member_type)).all())
    new = dict(s.execute(select(reach.c.member_type, func.sum(reach.c.n)).where(
        *member_w, reach.c.prev_month == "").group_by(reach.c.member_type)).all())
    item_w = _reach_where("item", scope, period)
    lent, value_in_use = (int(x) for x in s.execute(select(
        func.coalesce(func.sum(reach.c.n), 0), func.coalesce(func.sum(reach.c.value), 0))
        .where(*item_w, first)).one())

    stock = _scope_where(scope)
    items, collection_value = (int(x) for x in s.execute(select(
        func.coalesce(func.sum(reach.c.n), 0), func.coalesce(func.sum(reach.c.value), 0))
        .where(reach.c.kind == "items", stock)).one())
    members = {t: int(n) for t, n in s.execute(select(reach.c.member_type, func.sum(reach.c.n)).where(
        reach.c.kind == "members", stock).group_by(reach.c.member_type))}

    item_days = items * period.days
    f.resources = {"items": items, "collection_value_won": collection_value, "items_lent": lent,
                   "value_in_use_won": value_in_use, "idle_items": max(0, items - lent),
                   "loan_days": loan_days,
                   "utilisation_pct": round(min(100.0, 100.0 * loan_days / item_days), 1) if item_days else 0.0}
    n_active, n_new = sum(int(v) for v in active.values()), sum(int(v) for v in new.values())
    f.participants = {"members": sum(members.values()), "active": n_active, "new": n_new,
                      "repeat": n_active - n_new, "age_bands": None}
    f.by_type = [{"member_type": t, "members": int(members.get(t, 0)), "active": int(active.get(t, 0)),
                  "new": int(new.get(t, 0)), "repeat": int(active.get(t, 0)) - int(new.get(t, 0))}
                 for t in sorted(set(members) | set(active))]
    f.outcomes = {"loans": loans, "returned": returned, "purchases_avoided": avoided,
                  "purchases_avoided_won": avoided_won, "parts_lost": parts_lost, "repairs": damaged,
                  "waste_avoided_kg": round(waste_g / 1000, 1)}
    f.monthly = _monthly(s, scope, period, {m: v[0] for m, v in by_month.items()})
    f.breakdown = _breakdown(s, scope, period, in_period)
    f.partners = partner_figures(s, scope, period)
    f.demand = demand_figures(s, scope, period)
    f.fees = fee_figures(s, scope, period)
    return f


def _monthly(s: Session, scope: Scope, period: Period, loans: dict[str, int]) -> list[dict[str, Any]]:
    active = dict(s.execute(select(reach.c.month, func.sum(reach.c.n)).where(
        *_reach_where("member", scope, period)).group_by(reach.c.month)).all())
    return [{"month": m, "loans": loans.get(m, 0), "active": int(active.get(m, 0))} for m in period.months]


def _breakdown(s: Session, scope: Scope, period: Period, in_period: list[ColumnElement[bool]]) -> list[dict[str, Any]]:
    """Per district for the whole city, per centre otherwise: loans and active members."""
    lm = loan_months.c
    first = reach.c.prev_month < period.first
    loans: dict[str, int]
    if scope.city:
        district_of = dict(s.execute(select(Site.code, func.coalesce(Site.district, ""))).all())
        loans = {}
        for site, n in s.execute(select(lm.site, func.sum(lm.loans)).where(*in_period).group_by(lm.site)):
            key = district_of.get(site, "")
            loans[key] = loans.get(key, 0) + int(n)
        # a range, not LIKE: the primary key's index serves it whatever the collation
        active = {k.removeprefix("district:"): n for k, n in s.execute(
            select(reach.c.scope, func.sum(reach.c.n)).where(
                reach.c.kind == "member", reach.c.scope >= "district:", reach.c.scope < "district;",
                reach.c.month >= period.first, reach.c.month <= period.last, first).group_by(reach.c.scope)).all()}
        names = {k: k for k in set(loans) | set(active)}
    else:
        loans = dict(s.execute(select(lm.site, func.sum(lm.loans)).where(*in_period).group_by(lm.site)).all())
        site_q = select(Site.code, Site.name)
        cond = scope.site_filter(Site.code)
        names = dict(s.execute(site_q.where(cond) if cond is not None else site_q).all())
        keys = [f"site:{c}" for c in names]
        active = {k.removeprefix("site:"): n for k, n in s.execute(
            select(reach.c.scope, func.sum(reach.c.n)).where(
                reach.c.kind == "member", reach.c.scope.in_(keys), reach.c.month >= period.first,
                reach.c.month <= period.last, first).group_by(reach.c.scope)).all()} if keys else {}
    return [{"key": k, "name": names.get(k) or k, "loans": int(loans.get(k, 0)), "active": int(active.get(k, 0))}
            for k in sorted(names, key=lambda k: (-int(loans.get(k, 0)), k))]


def partner_figures(s: Session, scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Per O2O partner: reservations it made for members in the period at centres in scope,
    and how they ended (as sync.hub.partners.usage counts them, limited to the period)."""
    start, end = period_bounds(period)
    q = (select(PartnerReservation.partner_id, Reservation.status, func.count())
         .join(Reservation, Reservation.uid == PartnerReservation.reservation_uid)
         .where(Reservation.created_at >= start, Reservation.created_at < end)
         .group_by(PartnerReservation.partner_id, Reservation.status))
    cond = scope.site_filter(Reservation.site)
    if cond is not None:
        q = q.where(cond)
    by_status: dict[str, dict[str, int]] = {}
    for pid, status, n in s.execute(q):
        by_status.setdefault(pid, {})[status] = int(n)
    out = []
    for p in s.execute(select(Partner).order_by(Partner.name)).scalars():
        st = by_status.get(p.client_id, {})
        out.append({"partner": p.name, "client_id": p.client_id, "reservations": sum(st.values()),
                    "pickups": st.get("fulfilled", 0), "cancelled": st.get("cancelled", 0),
                    "expired": st.get("expired", 0)})
    return out


def demand_figures(s: Session, scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Unmet demand per category at centres in scope over the period, most wanted first:
    ``unavailable`` (a resident scanned an item that was not on the shelf), ``waitlist``
    (joined an item's waiting list at a kiosk), both from the kiosks' ``demand.recorded``
    events, and ``reservations_unmet`` (reservations that were cancelled or expired)."""
    import json

    start, end = period_bounds(period)
    counts: dict[str, list[int]] = {}
    q = (select(Event.payload).join(Kiosk, Kiosk.kiosk_id == Event.kiosk_id)
         .where(Event.type == "demand.recorded", Event.at >= start, Event.at < end))
    cond = scope.site_filter(Kiosk.site)
    if cond is not None:
        q = q.where(cond)
    for (payload,) in s.execute(q):
        try:
            p = json.loads(payload)
        except ValueError:
            continue
        row = counts.setdefault(str(p.get("category") or ""), [0, 0, 0])
        row[0 if p.get("kind") == "unavailable" else 1] += 1
    r = (select(func.coalesce(Item.category, ""), func.count())
         .select_from(Reservation).outerjoin(Item, Item.key == Reservation.item_key)
         .where(Reservation.status.in_(("cancelled", "expired")), Reservation.created_at >= start,
                Reservation.created_at < end)
         .group_by(Item.category))
    cond = scope.site_filter(Reservation.site)
    if cond is not None:
        r = r.where(cond)
    for category, n in s.execute(r):
        counts.setdefault(str(category or ""), [0, 0, 0])[2] += int(n)
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    return [{"category": c, "unavailable": a, "waitlist": b, "reservations_unmet": u, "total": a + b + u}
            for c, (a, b, u) in ranked]


def fee_figures(s: Session, scope: Scope, period: Period) -> dict[str, Any]:
    """Membership fees at centres in scope: the payments staff recorded in the period (how
    many, how much) and the members exempt at the period's end (by each member's latest
    ``fee.exempted``; the reasons stay at the centres), from the kiosks' fee events."""
    import json

    start, end = period_bounds(period)
    cond = scope.site_filter(Kiosk.site)
    q = (select(Event.type, Event.payload, Event.at).join(Kiosk, Kiosk.kiosk_id == Event.kiosk_id)
         .where(Event.type.in_(("fee.paid", "fee.exempted")), Event.at < end).order_by(Event.hlc))
    if cond is not None:
        q = q.where(cond)
    paid = amount = 0
    exempt: dict[str, bool] = {}
    for type_, payload, at in s.execute(q):
        try:
            p = json.loads(payload)
        except ValueError:
            continue
        if type_ == "fee.paid" and at >= start:
            paid += 1
            amount += int(p.get("amount") or 0)
        elif type_ == "fee.exempted":
            exempt[str(p.get("member"))] = bool(p.get("exempt"))
    return {"payments": paid, "paid_won": amount, "members_exempt": sum(exempt.values())}


def period_bounds(period: Period) -> tuple[str, str]:
    """The period as stored UTC timestamps [start, end) (Asia/Seoul midnights)."""
    kst = dt.timezone(dt.timedelta(hours=9))
    y, m = int(period.first[:4]), int(period.first[5:])
    ly, lm = int(period.last[:4]), int(period.last[5:])
    ny, nm = (ly + 1, 1) if lm == 12 else (ly, lm + 1)
    return (to_iso(dt.datetime(y, m, 1, tzinfo=kst)), to_iso(dt.datetime(ny, nm, 1, tzinfo=kst)))


def city_months(s: Session) -> tuple[str, str] | None:
    """The first and last month with loans in the summaries."""
    lo, hi = s.execute(select(func.min(loan_months.c.month), func.max(loan_months.c.month))).one()
    return (lo, hi) if lo else None

