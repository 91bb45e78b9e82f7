"""The indicator page, its PDF and CSV, and the JSON API (see sync.hub.indicators).

The page draws its charts as SVG on the server (no script, no chart library): a
column per month and a bar per district or centre, each with the table it shows
beside it for screen readers and for copying.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from kiosk.clock import utcnow
from kiosk.errors import KioskError
from kiosk.i18n import N_, translate
from sync.hub import indicators as ind
from sync.hub import pages, roles
from sync.hub.db import Database

TITLE = N_("Sharing indicators")
TEXTS = {
    "period": N_("Period"), "from": N_("From month"), "to": N_("To month"), "district": N_("District"),
    "site": N_("Centre code"), "show": N_("Show"), "all_city": N_("Whole city"),
    "resources": N_("Resources"), "participants": N_("Participants"), "outcomes": N_("Outcomes"),
    "n_items": N_("Items"), "collection_value": N_("Value of the collection (won)"),
    "items_lent": N_("Items lent at least once"), "value_in_use": N_("Value in use (won)"),
    "utilisation": N_("Utilisation (%)"), "idle": N_("Idle items"),
    "members": N_("Registered members"), "active": N_("Active members"), "new": N_("New members"),
    "repeat": N_("Returning members"), "member_type": N_("Member type"),
    "no_age": N_("Age bands are not recorded on the platform."),
    "loans": N_("Loans"), "returned": N_("Returned"), "avoided": N_("Purchases avoided"),
    "avoided_won": N_("Purchases avoided (won)"), "parts_lost": N_("Returns short of parts"),
    "repairs": N_("Returns needing repair"), "waste": N_("Waste avoided (kg, estimate)"),
    "by_month": N_("Loans by month"), "by_district": N_("Loans by district"),
    "by_site": N_("Loans by centre"), "month": N_("Month"), "name": N_("Name"),
    "partners": N_("O2O partner platforms"), "partner": N_("Partner"),
    "reservations": N_("Reservations"), "pickups": N_("Picked up"), "cancelled": N_("Cancelled"),
    "expired": N_("Expired"), "no_partners": N_("No partner platform is registered."),
    "demand": N_("Unmet demand by category"), "category": N_("Category"),
    "unavailable": N_("Scanned, not on the shelf"), "waitlist": N_("Waiting-list entries"),
    "reservations_unmet": N_("Reservations not met"), "total": N_("Total"),
    "no_demand": N_("No unmet demand was recorded in this period."),
    "fees": N_("Membership fees"), "fee_payments": N_("Fees paid"), "fee_paid_won": N_("Fees paid (won)"),
    "fee_exempt": N_("Members exempt from the fee"),
    "download": N_("Download"), "refreshed": N_("Figures as of {when}"),
    "not_refreshed": N_("The figures have not been computed yet."), "method": N_("How each figure is computed"),
}
CHART_MAX = 30  # bars in the breakdown chart; the table lists them all
_FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"


def _t(key: str, lang: str, **params: Any) -> str:
    return translate(TEXTS[key], lang, **params)


# -- charts -------------------------------------------------------------------------------
def month_chart(rows: list[dict[str, Any]], label: str) -> str:
    """Columns of loans per month, as an SVG element."""
    w, h, pad = 720, 220, 30
    top = max([r["loans"] for r in rows] + [1])
    n = max(len(rows), 1)
    step = (w - 2 * pad) / n
    bars = []
    for i, r in enumerate(rows):
        bh = (h - 2 * pad) * r["loans"] / top
        x = pad + i * step
        bars.append(f'<rect x="{x + step * 0.1:.1f}" y="{h - pad - bh:.1f}" width="{step * 0.8:.1f}" '
                    f'height="{bh:.1f}" fill="#0b57a4"><title>{r["month"]}: {r["loans"]:,}</title></rect>')
        if n <= 12 or i % max(1, n // 10) == 0:
            bars.append(f'<text x="{x + step / 2:.1f}" y="{h - pad + 14}" font-size="10" '
                        f'text-anchor="middle">{r["month"]}</text>')
    return (f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{_esc(label)}">'
            f'<text x="{pad}" y="16" font-size="11">{top:,}</text>'
            f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#1d2b36"/>'
            + "".join(bars) + "</svg>")


def bar_chart(rows: list[dict[str, Any]], label: str) -> str:
    """Horizontal bars of loans per district or centre, as an SVG element."""
    rows = rows[:CHART_MAX]
    w, bar, left = 720, 18, 150
    h = bar * len(rows) + 10
    top = max([r["loans"] for r in rows] + [1])
    out = []
    for i, r in enumerate(rows):
        bw = (w - left - 90) * r["loans"] / top
        y = 5 + i * bar
        out.append(f'<text x="{left - 6}" y="{y + 13}" font-size="12" text-anchor="end">{_esc(r["name"])[:18]}</text>'
                   f'<rect x="{left}" y="{y + 2}" width="{bw:.1f}" height="{bar - 5}" fill="#2e7d4f"/>'
                   f'<text x="{left + bw + 4:.1f}" y="{y + 13}" font-size="12">{r["loans"]:,}</text>')
    return (f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{_esc(label)}">'
            + "".join(out) + "</svg>")


def _num(v: Any) -> str:
    return f"{v:,}" if isinstance(v, int) else f"{v:,.1f}" if isinstance(v, float) else str(v)


def _esc(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


# -- CSV and PDF ----------------------------------------------------------------------------
def rows_of(f: ind.Figures) -> list[tuple[str, str, str, Any]]:
    """(section, key, indicator, value) rows: the CSV's body and the PDF's tables."""
    out: list[tuple[str, str, str, Any]] = []
    for section, figures in (("resources", f.resources), ("participants", f.participants),
                             ("outcomes", f.outcomes)):
        out += [(section, "", name, value) for name, value in figures.items() if value is not None]
    for r in f.by_type:
        out += [("member_type", r["member_type"], k, v) for k, v in r.items() if k != "member_type"]
    for r in f.monthly:
        out += [("month", r["month"], k, v) for k, v in r.items() if k != "month"]
    for r in f.breakdown:
        out += [("breakdown", r["key"], k, v) for k, v in r.items() if k in ("loans", "active")]
    for r in f.partners:
        out += [("partner", r["client_id"], k, v) for k, v in r.items() if k not in ("client_id", "partner")]
    for r in f.demand:
        out += [("demand", r["category"], k, v) for k, v in r.items() if k != "category"]
    out += [("fees", "", k, v) for k, v in f.fees.items()]
    return out


def to_csv(f: ind.Figures) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["period_from", "period_to", "scope", "section", "key", "indicator", "value"])
    scope = " ".join(f.scope.districts + f.scope.sites) or "city"
    for row in rows_of(f):
        w.writerow([f.period.first, f.period.last, scope, *row])
    return buf.getvalue()


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    # Each name on its own: the kiosk's report code may have registered "NanumGothic" (with its
    # bold as "NanumGothic-Bold") in this process first.
    for name in ("NanumGothic", "NanumGothicBold"):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(_FONT_DIR / f"{name}.ttf")))
    return "NanumGothic", "NanumGothicBold"


def to_pdf(f: ind.Figures, lang: str, scope_label: str) -> bytes:
    """The city report: the three families, loans by month, the breakdown and the partners."""
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _fonts()
    h1 = ParagraphStyle("h1", fontName=bold, fontSize=16, leading=22, spaceAfter=4)
    h2 = ParagraphStyle("h2", fontName=bold, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=13)
    style = TableStyle([("FONT", (0, 0), (-1, -1), regular, 9), ("FONT", (0, 0), (-1, 0), bold, 9),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#d5dde3")),
                        ("ALIGN", (1, 0), (-1, -1), "RIGHT")])
    plain = TableStyle([("FONT", (0, 0), (-1, -1), regular, 9), ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#d5dde3"))])

    def table(head: list[str] | None, rows: list[list[Any]], widths: list[float]) -> Table:
        cells = ([head] if head else []) + [[_num(v) for v in r] for r in rows]
        return Table(cells, colWidths=[w * mm for w in widths], style=style if head else plain, hAlign="LEFT")

    story: list[Any] = [Paragraph(translate(TITLE, lang), h1),
                        Paragraph(f"{scope_label} · {f.period.label}", body)]
    if f.refreshed_at:
        story.append(Paragraph(_t("refreshed", lang, when=f.refreshed_at[:16].replace("T", " ") + " UTC"), body))
    fam = [("resources", [("n_items", "items"), ("collection_value", "collection_value_won"),
                          ("items_lent", "items_lent"), ("value_in_use", "value_in_use_won"),
                          ("utilisation", "utilisation_pct"), ("idle", "idle_items")], f.resources),
           ("participants", [("members", "members"), ("active", "active"), ("new", "new"),
                             ("repeat", "repeat")], f.participants),
           ("outcomes", [("loans", "loans"), ("avoided", "purchases_avoided"),
                         ("avoided_won", "purchases_avoided_won"), ("parts_lost", "parts_lost"),
                         ("repairs", "repairs"), ("waste", "waste_avoided_kg")], f.outcomes)]
    for title, keys, figures in fam:
        story.append(Paragraph(_t(title, lang), h2))
        story.append(table(None, [[_t(k, lang), figures[v]] for k, v in keys], [90, 50]))
    story.append(Paragraph(_t("no_age", lang), body))
    story.append(Paragraph(_t("by_month", lang), h2))
    d = Drawing(170 * mm, 55 * mm)
    top = max([r["loans"] for r in f.monthly] + [1])
    n = max(len(f.monthly), 1)
    width, height = 160 * mm, 45 * mm
    d.add(Line(5 * mm, 8 * mm, 5 * mm + width, 8 * mm))
    for i, r in enumerate(f.monthly):
        bh = height * r["loans"] / top
        bar = Rect(5 * mm + i * width / n + 1, 8 * mm, width / n - 2, bh)
        bar.fillColor, bar.strokeColor = colors.HexColor("#0b57a4"), None  # reportlab's stubs type no colours
        d.add(bar)
        if n <= 12 or i % max(1, n // 8) == 0:
            d.add(String(5 * mm + i * width / n, 3 * mm, r["month"], fontName=regular, fontSize=6))
    d.add(String(5 * mm, 8 * mm + height + 2, f"{top:,}", fontName=regular, fontSize=7))
    story.append(d)
    story.append(Paragraph(_t("by_district" if f.scope.city else "by_site", lang), h2))
    story.append(table([_t("name", lang), _t("loans", lang), _t("active", lang)],
                       [[r["name"], r["loans"], r["active"]] for r in f.breakdown[:40]], [70, 35, 35]))
    story.append(Paragraph(_t("partners", lang), h2))
    if f.partners:
        story.append(table([_t("partner", lang), _t("reservations", lang), _t("pickups", lang),
                            _t("cancelled", lang), _t("expired", lang)],
                           [[p["partner"], p["reservations"], p["pickups"], p["cancelled"], p["expired"]]
                            for p in f.partners], [60, 28, 28, 28, 28]))
    else:
        story.append(Paragraph(_t("no_partners", lang), body))
    story.append(Paragraph(_t("fees", lang), h2))
    story.append(table([_t("fee_payments", lang), _t("fee_paid_won", lang), _t("fee_exempt", lang)],
                       [[f.fees.get("payments", 0), f.fees.get("paid_won", 0), f.fees.get("members_exempt", 0)]],
                       [45, 45, 50]))
    story.append(Paragraph(_t("demand", lang), h2))
    if f.demand:
        story.append(table([_t("category", lang), _t("unavailable", lang), _t("waitlist", lang),
                            _t("reservations_unmet", lang), _t("total", lang)],
                           [[d["category"], d["unavailable"], d["waitlist"], d["reservations_unmet"], d["total"]]
                            for d in f.demand[:40]], [40, 34, 34, 34, 28]))
    else:
        story.append(Paragraph(_t("no_demand", lang), body))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(_t("method", lang) + ": docs/indicators.md", body))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=translate(TITLE, lang), leftMargin=18 * mm, rightMargin=18 * mm,
                      topMargin=16 * mm, bottomMargin=16 * mm).build(story)
    return buf.getvalue()


# -- HTTP ------------------------------------------------------------------------------------
def register_indicators(app: FastAPI, db: Database) -> None:
    """The indicator page (``/indicators``, ``.pdf``, ``.csv``), ``/api/v1/indicators`` and
    the public-data export (sync.hub.opendata)."""
    from sync.hub.app import ERRORS, ApiError
    from sync.protocol import API_PREFIX, INVALID, UNAUTHORISED, ErrorBody

    bearer = roles.bearer  # the administrators' token scheme (not the kiosks')

    def who_of(request: Request, creds: HTTPAuthorizationCredentials | None) -> roles.Principal | None:
        if creds is not None:
            with db.transaction() as s:
                return roles.principal_of_token(s, creds.credentials)
        return roles.page_principal(request)

    def compute(who: roles.Principal, first: str | None, last: str | None, districts: list[str],
                sites: list[str]) -> tuple[ind.Figures, str]:
        """Figures for what ``who`` may see: their own district or centre unless they name one."""
        today = (utcnow() + dt.timedelta(hours=9)).date()
        with db.transaction() as s:
            try:
                period = ind.Period.parse(first, last, today)
                if not districts and not sites:
                    districts = [who.district] if who.role == "district" and who.district else []
                    sites = [who.site] if who.role == "centre" and who.site else []
                scope = ind.scope_of(s, districts, sites)
            except KioskError as exc:
                raise ApiError(422, INVALID, exc.msgid, **exc.message.params) from exc
            roles.allow(who, s, sites=scope.sites, districts=scope.districts)
            label = " · ".join(scope.districts + scope.sites)
            return ind.figures(s, scope, period), label

    @app.get(API_PREFIX + "/indicators", tags=["statistics"],
             responses={**ERRORS, 422: {"model": ErrorBody}})
    def indicators_api(request: Request, from_: str | None = Query(None, alias="from", max_length=7,
                                                                   pattern=ind.MONTH_PATTERN),
                       to: str | None = Query(None, max_length=7, pattern=ind.MONTH_PATTERN),
                       district: list[str] = Query([], max_length=25, json_schema_extra={
                           "items": {"type": "string", "enum": list(roles.DISTRICTS)}}),
                       site: list[str] = Query([], max_length=100),
                       creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> dict[str, Any]:
        """Sharing-value indicators for whole months ``from``..``to`` (``YYYY-MM``) of the named
        districts and centres (none: everything the account covers). A district officer sees
        their district, a centre manager their centre; anything else is 403."""
        who = who_of(request, creds)
        if who is None:
            raise ApiError(401, UNAUTHORISED, roles.NEEDS_ACCOUNT)
        return compute(who, from_, to, district, site)[0].as_dict()

    def page_args(request: Request) -> tuple[str | None, str | None, list[str], list[str]]:
        q = request.query_params
        return (q.get("from", "")[:7] or None, q.get("to", "")[:7] or None,
                [d[:20] for d in q.getlist("district")[:25]], [c[:32] for c in q.getlist("site")[:100]])

    def page_or_file(request: Request, kind: str) -> Response:
        lang = pages.page_language(request)
        creds = request.headers.get("authorization", "")
        token = creds[7:].strip() if creds.lower().startswith("bearer ") else None
        who = who_of(request, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token) if token else None)
        if who is None:
            return roles.signin_redirect(request)
        first, last, districts, sites = page_args(request)
        try:
            f, label = compute(who, first, last, districts, sites)
        except ApiError as exc:
            return pages.render("message.html", lang, translate(TITLE, lang), exc.status,
                                message=translate(exc.msgid, lang, **exc.params), error=True,
                                back="/indicators?lang=" + lang)
        label = label or translate(TEXTS["all_city"], lang)
        stem = f"indicators-{f.period.first}-{f.period.last}"
        if kind == "csv":
            return Response(to_csv(f), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'})
        if kind == "pdf":
            return Response(to_pdf(f, lang, label), media_type="application/pdf",
                            headers={"Content-Disposition": f'attachment; filename="{stem}.pdf"'})
        query = urlencode([("from", f.period.first), ("to", f.period.last), ("lang", lang)]
                          + [("district", d) for d in f.scope.districts] + [("site", c) for c in f.scope.sites])
        breakdown_title = _t("by_district" if f.scope.city else "by_site", lang)
        return pages.render(
            "indicators.html", lang, translate(TITLE, lang), texts=TEXTS, f=f, scope_label=label,
            who=who, query=query, districts=roles.DISTRICTS,
            month_svg=month_chart(f.monthly, _t("by_month", lang)),
            bar_svg=bar_chart(f.breakdown, breakdown_title), breakdown_title=breakdown_title,
            refreshed=_t("refreshed", lang, when=f.refreshed_at[:16].replace("T", " ") + " UTC")
            if f.refreshed_at else _t("not_refreshed", lang))

    @app.get("/indicators", response_class=HTMLResponse, include_in_schema=False)
    def indicators_page(request: Request) -> Response:
        return page_or_file(request, "html")

    @app.get("/indicators.csv", include_in_schema=False)
    def indicators_csv(request: Request) -> Response:
        return page_or_file(request, "csv")

    @app.get("/indicators.pdf", include_in_schema=False)
    def indicators_pdf(request: Request) -> Response:
        return page_or_file(request, "pdf")

    from sync.hub.opendata import register_open_data

    register_open_data(app, db)
