"""A small server-rendered site for residents: find an item at a centre and reserve it.

An item's QR label encodes ``{platform}/i/<SITE>/<CODE>``, so a phone camera
opens the item's page here. No JavaScript; plain forms; Korean by default.
Pages come from the Jinja2 templates in ``templates/`` (see sync.hub.pages).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kiosk.clock import to_iso, utcnow
from kiosk.codes import normalise_item_code
from kiosk.errors import KioskError
from kiosk.i18n import N_, translate
from kiosk.names import shown_name, shown_name_of
from kiosk.pictograms import NAMES as PICTOGRAMS
from kiosk.pictograms import pictogram_for
from kiosk.throttle import TooManyTries
from sync.hub import feed, pages, photos
from sync.hub import reservations as resv
from sync.hub.db import Database
from sync.hub.models import Item, Site

_PICTOGRAM_DIR = Path(__file__).resolve().parents[2] / "assets" / "pictograms"

STATUS_LABELS = {
    "available": N_("on the shelf"), "on_loan": N_("on loan"), "held": N_("held for a member"),
    "inspection": N_("being checked"), "repair": N_("in repair"), "retired": N_("no longer lent"),
    "in_transit": N_("on its way home"),
}
# Every text of the pages, declared here so the message extractor finds them
# (it does not look inside f-strings).
CENTRES = N_("Sharing centres")
NOT_FOUND = N_("Not found")
NO_CENTRE = N_("No such centre.")
FIND = N_("Find an item at {centre}")
SEARCH = N_("Search")
CODE, ITEM, STATUS = N_("Code"), N_("Item"), N_("Status")
NO_ITEMS = N_("No items found.")
WAITING = N_("{count} waiting")
CENTRE = N_("Centre: {centre}")
PARTS = N_("Parts: {parts}")
SAFE_USE = N_("Safe use")
NUMBER = N_("Membership number")
SECRET = N_("Card code or PIN")
RESERVE = N_("Reserve")
RESERVED = N_("Reserved: {item} at {centre}. It is a request until the centre's kiosk confirms it; "
              "any change is sent to your notices.")
NOT_RESERVED = N_("Could not reserve: {reason}")
BACK = N_("Back")
ELSEWHERE = N_("On the shelf now at other centres")
#: the words of the page templates, by the names the templates use
TEXTS = {"search": SEARCH, "code": CODE, "item": ITEM, "state": STATUS, "no_items": NO_ITEMS,
         "safe_use": SAFE_USE, "number": NUMBER, "secret": SECRET, "reserve": RESERVE, "back": BACK,
         "elsewhere": ELSEWHERE}


def _page(name: str, lang: str, title: str, status: int = 200, **context: Any) -> HTMLResponse:
    return pages.render(name, lang, title, status, texts=TEXTS, **context)


def _name(lang: str, ko: str, en: str) -> str:
    return en if lang == "en" and en else ko


def _item_name(lang: str, item: Item) -> str:
    """The item's name in ``lang``, else its Korean name (kiosk.names)."""
    return shown_name(lang, item.name_ko, item.name_en, item.name_zh or "", item.name_vi or "")


def _centre_name(s: Session, site: str) -> str:
    row = s.get(Site, site)
    return row.name if row is not None else site


def register_pages(app: FastAPI, db: Database) -> None:
    """Add the resident pages to ``app``."""

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        lang = pages.page_language(request)
        with db.transaction() as s:
            centres = [(x.code, x.name) for x in s.query(Site).order_by(Site.code)]
        return _page("centres.html", lang, translate(CENTRES, lang), centres=centres)

    @app.get("/centres/{site}", response_class=HTMLResponse, include_in_schema=False)
    def centre(site: str, request: Request, q: str = "") -> HTMLResponse:
        from sync.hub.app import list_items

        lang = pages.page_language(request)
        with db.transaction() as s:
            row = s.get(Site, site)
            if row is None:
                return _page("message.html", lang, translate(NOT_FOUND, lang), 404,
                             message=translate(NO_CENTRE, lang), error=True)
            items, name = list_items(s, site, q), row.name
        shown = []
        for it in items:
            state = translate(STATUS_LABELS.get(it["status"], it["status"]), lang)
            if it["waiting"]:
                state += " · " + translate(WAITING, lang, count=it["waiting"])
            shown.append({"code": it["code"], "name": shown_name_of(lang, it),
                          "state": state, "available": it["available"]})
        return _page("centre.html", lang, translate(FIND, lang, centre=name), site=site, q=q[:60], items=shown)

    @app.get("/i/{code}", response_class=HTMLResponse, include_in_schema=False)
    def item_by_code(code: str, request: Request) -> Response:
        """A label printed before sites were in the URL: to the item's own address, or
        a list of each centre's item of that code when several centres number one alike.
        (A temporary redirect: another centre may number an item alike later.)"""
        lang = pages.page_language(request)
        norm = normalise_item_code(code)
        with db.transaction() as s:
            found = resv.items_with_code(s, norm) if norm else []
            if len(found) > 1:
                choices = [(f"/i/{quote(i.home_site)}/{quote(i.code)}?lang={lang}",
                            f"{_centre_name(s, i.home_site)}: {_item_name(lang, i)}")
                           for i in found]
                return _page("choose.html", lang, norm or code, choices=choices)
        if found:
            return RedirectResponse(f"/i/{quote(found[0].home_site)}/{quote(found[0].code)}?lang={lang}",
                                    status_code=307)
        return item_page(code, request)

    @app.get("/i/{site}/{code}", response_class=HTMLResponse, include_in_schema=False)
    def item_at_site(site: str, code: str, request: Request) -> HTMLResponse:
        return item_page(f"{site}/{code}", request)

    def item_page(code: str, request: Request) -> HTMLResponse:
        lang = pages.page_language(request)
        with db.transaction() as s:
            try:
                item = resv.resolve_item(s, code)
            except KioskError as exc:
                return _page("message.html", lang, translate(NOT_FOUND, lang), 404,
                             message=exc.render(lang), error=True)
            waiting = resv.active_count(s, item.key)
            status = "retired" if item.retired else item.status
            state = translate(STATUS_LABELS.get(status, status), lang)
            if waiting:
                state += " · " + translate(WAITING, lang, count=waiting)
            parts = ", ".join(f"{shown_name_of(lang, p)} × {p.get('count')}"
                              for p in item.parts or [])
            # The same thing on the shelf at other centres (same name and category).
            elsewhere = [(f"/i/{quote(o.home_site)}/{quote(o.code)}?lang={lang}", _centre_name(s, o.home_site))
                         for o in s.execute(select(Item).where(
                             Item.name_ko == item.name_ko, Item.category == item.category,
                             Item.home_site != item.home_site, Item.status == "available",
                             Item.retired.is_(False), Item.origin != "placeholder")
                             .order_by(Item.home_site, Item.code).limit(20)).scalars()]
            photo = photos.photo_for_page(s, item.key, _item_name(lang, item), lang)
            return _page("item.html", lang, f"{item.code} {_item_name(lang, item)}",
                         elsewhere=elsewhere, photo=photo,
                         # no photo yet: the kind of thing it is, drawn as the kiosk draws it
                         pictogram=None if photo else pictogram_for(item.category, item.name_en, item.name_ko),
                         centre=translate(CENTRE, lang, centre=_centre_name(s, item.home_site)), state=state,
                         parts=translate(PARTS, lang, parts=parts) if parts else "",
                         safe_use=_name(lang, item.safe_use_ko, item.safe_use_en),
                         reserve_key=None if item.retired else item.key)

    @app.get("/pictograms/{name}.svg", include_in_schema=False)
    def pictogram(name: str) -> Response:
        """An item kind's pictogram (the kiosk's own, Tabler Icons, MIT), for items without a photo."""
        if name not in PICTOGRAMS:  # only the known names: never a path built from the address
            return Response(status_code=404)
        return Response((_PICTOGRAM_DIR / f"{name}.svg").read_bytes(), media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})

    @app.post("/i/{site}/{code}/reserve", response_class=HTMLResponse, include_in_schema=False)
    async def reserve_at_site(site: str, code: str, request: Request) -> HTMLResponse:
        return await reserve(f"{site}/{code}", request)

    @app.post("/i/{code}/reserve", response_class=HTMLResponse, include_in_schema=False)
    async def reserve(code: str, request: Request) -> HTMLResponse:
        lang = pages.page_language(request)
        form = await pages.read_form(request)

        from sync.hub.app import client_address

        address, now = client_address(request), request.app.state.clock()

        def run() -> tuple[int, str]:
            try:
                number = resv.sign_in(db, form.get("member", ""), form.get("secret", ""), address, now)
                with db.transaction() as s:
                    member = resv.member_of(s, number)
                    item = resv.resolve_item(s, code)
                    res = resv.create(s, member, item, to_iso(utcnow()), feed.Notifier(s))
                    site = s.get(Site, res.site)
                    return 201, translate(RESERVED, lang,
                                                 item=f"{item.code} {_item_name(lang, item)}",
                                                 centre=site.name if site else res.site)
            except TooManyTries as exc:
                retry["after"] = exc.seconds
                return 429, translate(NOT_RESERVED, lang, reason=exc.render(lang))
            except KioskError as exc:
                return 409, translate(NOT_RESERVED, lang, reason=exc.render(lang))

        retry: dict[str, int] = {}
        status, text = await run_in_threadpool(run)
        page = _page("message.html", lang, translate(RESERVE, lang), status, message=text, error=status != 201,
                     back=f"/i/{quote(code)}?lang={lang}")
        if retry:
            page.headers["Retry-After"] = str(retry["after"])
        return page
