"""The public-data export for the city's open-data portal (docs/open-data.md).

One row per centre and month, from the indicator summaries (sync.hub.indicators).
It holds no personal data: no member, no loan, no item, only counts per centre and
month, and every count of 1 to 4 (and every figure derived from so few) is shown
as ``"<5"`` so nobody can be singled out in a small centre's quiet month.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import Response
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kiosk.clock import to_iso, utcnow
from kiosk.errors import KioskError
from sync.hub.db import Database
from sync.hub.indicators import MONTH_PATTERN, Period, loan_months, reach, refreshed_at
from sync.hub.models import Site

SCHEMA = "nanum-sharing-monthly/1"
SUPPRESS_BELOW = 5
SMALL = "<5"
#: the columns, in order (docs/open-data.md describes each)
FIELDS = ("month", "site_code", "site_name", "district", "loans", "returns", "active_members",
          "new_members", "items_lent", "purchases_avoided", "purchases_avoided_won", "waste_avoided_kg",
          "returns_short_of_parts", "returns_needing_repair")
#: counts that are suppressed when small, and the figures that go with each
_COUNTS = {"loans": (), "returns": (), "active_members": (), "new_members": (), "items_lent": (),
           "purchases_avoided": ("purchases_avoided_won", "waste_avoided_kg"),
           "returns_short_of_parts": (), "returns_needing_repair": ()}


def suppress(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with every count from 1 to SUPPRESS_BELOW - 1 (and its derived figures) as "<5"."""
    out = dict(row)
    for count, derived in _COUNTS.items():
        if 0 < int(row[count]) < SUPPRESS_BELOW:
            out[count] = SMALL
            for d in derived:
                out[d] = SMALL
    return out


def monthly_rows(s: Session, period: Period | None = None) -> list[dict[str, Any]]:
    """Every centre's figures per month (suppressed), oldest month first."""
    lm = loan_months.c
    q = select(lm.month, lm.site, func.sum(lm.loans), func.sum(lm.returned), func.sum(lm.avoided),
               func.sum(lm.avoided_won), func.sum(lm.waste_g), func.sum(lm.parts_lost),
               func.sum(lm.damaged)).group_by(lm.month, lm.site)
    r = reach.c
    rq = select(r.kind, r.scope, r.month, func.sum(r.n),
                func.sum(case((r.prev_month == "", r.n), else_=0))).where(
        r.kind.in_(("member", "item")), r.scope >= "site:", r.scope < "site;").group_by(r.kind, r.scope, r.month)
    if period is not None:
        q = q.where(lm.month >= period.first, lm.month <= period.last)
        rq = rq.where(r.month >= period.first, r.month <= period.last)
    sites = {code: (name, district or "") for code, name, district in
             s.execute(select(Site.code, Site.name, Site.district))}
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(month: str, site: str) -> dict[str, Any]:
        if (month, site) not in rows:
            name, district = sites.get(site, (site, ""))
            rows[(month, site)] = {"month": month, "site_code": site, "site_name": name, "district": district,
                                   **{k: 0 for k in FIELDS[4:]}}
        return rows[(month, site)]

    for month, site, loans, returned, avoided, won, grams, parts, damaged in s.execute(q):
        row(month, site).update(loans=int(loans), returns=int(returned), purchases_avoided=int(avoided),
                                purchases_avoided_won=int(won), waste_avoided_kg=round(int(grams) / 1000, 1),
                                returns_short_of_parts=int(parts), returns_needing_repair=int(damaged))
    for kind, scope, month, n, new in s.execute(rq):
        site = scope.removeprefix("site:")
        if site not in sites:
            continue
        if kind == "member":
            row(month, site).update(active_members=int(n), new_members=int(new))
        else:
            row(month, site)["items_lent"] = int(n)
    return [suppress(rows[k]) for k in sorted(rows)]


def to_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def to_json(rows: list[dict[str, Any]], refreshed: str | None) -> str:
    return json.dumps({"schema": SCHEMA, "generated_at": to_iso(utcnow()), "figures_as_of": refreshed,
                       "suppressed_below": SUPPRESS_BELOW, "suppressed_as": SMALL, "fields": list(FIELDS),
                       "rows": rows}, ensure_ascii=False, separators=(",", ":"))


def register_open_data(app: FastAPI, db: Database) -> None:
    """``/api/v1/open-data/indicators.csv`` and ``.json``: public, no sign-in."""
    from sync.hub.app import ApiError
    from sync.protocol import API_PREFIX, INVALID, ErrorBody

    def export(fmt: str, first: str | None, last: str | None) -> Response:
        with db.transaction() as s:
            try:
                period = Period.parse(first, last, utcnow().date()) if first or last else None
            except KioskError as exc:
                raise ApiError(422, INVALID, exc.msgid, **exc.message.params) from exc
            rows = monthly_rows(s, period)
            refreshed = refreshed_at(s)
        if fmt == "csv":
            return Response(to_csv(rows), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="nanum-sharing-monthly.csv"'})
        return Response(to_json(rows, refreshed), media_type="application/json")

    doc = ("Monthly sharing figures of every centre for the city's open-data portal (schema in "
           "docs/open-data.md): no personal data; counts of 1 to 4 are given as \"<5\". "
           "``from``/``to`` (``YYYY-MM``) limit the months.")

    @app.get(API_PREFIX + "/open-data/indicators.csv", tags=["open data"], description=doc,
             responses={200: {"content": {"text/csv": {}}}, 422: {"model": ErrorBody}},
             response_class=Response)
    def open_csv(request: Request, from_: str | None = Query(None, alias="from", max_length=7, pattern=MONTH_PATTERN),
                 to: str | None = Query(None, max_length=7, pattern=MONTH_PATTERN)) -> Response:
        return export("csv", from_, to)

    @app.get(API_PREFIX + "/open-data/indicators.json", tags=["open data"], description=doc,
             responses={200: {"content": {"application/json": {}}}, 422: {"model": ErrorBody}},
             response_class=Response)
    def open_json(request: Request, from_: str | None = Query(None, alias="from", max_length=7, pattern=MONTH_PATTERN),
                  to: str | None = Query(None, max_length=7, pattern=MONTH_PATTERN)) -> Response:
        return export("json", from_, to)
