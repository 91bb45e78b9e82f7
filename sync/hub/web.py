"""A small server-rendered site for residents: find an item at a centre and reserve it.

An item's QR label encodes ``{platform}/i/<code>``, so a phone camera opens
the item's page here. No JavaScript; plain forms; Korean by default.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kiosk.clock import to_iso, utcnow
from kiosk.codes import normalise_item_code
from kiosk.errors import KioskError
from kiosk.i18n import LANGUAGES, N_, translate
from kiosk.throttle import TooManyTries
from sync.hub import feed
from sync.hub import reservations as resv
from sync.hub.db import Database
from sync.hub.models import Site

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
STYLE = ("body{font-family:'NanumGothic','Nanum Gothic',sans-serif;max-width:52rem;margin:1.5rem auto;"
         "padding:0 1rem;color:#1d2b36;line-height:1.5}h1{font-size:1.6rem}table{border-collapse:collapse;"
         "width:100%}td,th{padding:.45rem;border-bottom:1px solid #d5dde3;text-align:left}"
         ".ok{color:#17692d;font-weight:bold}.no{color:#8a4b00}.msg{padding:.8rem;border-radius:.4rem;"
         "background:#e8f3ea}.err{background:#fbeaea}input,button{font-size:1rem;padding:.4rem}"
         "label{display:block;margin:.5rem 0}")


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.headers.get("accept-language", "ko")[:2]
    return lang if lang in LANGUAGES else "ko"


def _h(lang: str, msgid: str, **params: Any) -> str:
    """Translated and HTML-escaped."""
    return escape(translate(msgid, lang, **params))


def _page(lang: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    other = "en" if lang == "ko" else "ko"
    html = (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<p><a href='/?lang={lang}'>{_h(lang, CENTRES)}</a> · "
            f"<a href='?lang={other}'>{escape(LANGUAGES[other])}</a></p>"
            f"<h1>{escape(title)}</h1>{body}</body></html>")
    return HTMLResponse(html, status_code=status)


def _name(lang: str, ko: str, en: str) -> str:
    return en if lang == "en" and en else ko


def _centre_name(s, site: str) -> str:
    row = s.get(Site, site)
    return row.name if row is not None else site


def _reserve_form(code: str, lang: str) -> str:
    return (f"<form method='post' action='/i/{quote(code)}/reserve?lang={lang}'>"
            f"<label>{_h(lang, NUMBER)} <input name='member' required maxlength='16' "
            "autocomplete='username'></label>"
            f"<label>{_h(lang, SECRET)} <input name='secret' type='password' required "
            "maxlength='64' autocomplete='current-password'></label>"
            f"<button type='submit'>{_h(lang, RESERVE)}</button></form>")


def register_pages(app: FastAPI, db: Database) -> None:
    """Add the resident pages to ``app``."""

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        lang = _lang(request)
        with db.transaction() as s:
            rows = "".join(f"<li><a href='/centres/{quote(x.code)}?lang={lang}'>{escape(x.name)}</a></li>"
                           for x in s.query(Site).order_by(Site.code))
        return _page(lang, translate(CENTRES, lang), f"<ul>{rows}</ul>")

    @app.get("/centres/{site}", response_class=HTMLResponse, include_in_schema=False)
    def centre(site: str, request: Request, q: str = "") -> HTMLResponse:
        from sync.hub.app import list_items

        lang = _lang(request)
        with db.transaction() as s:
            row = s.get(Site, site)
            if row is None:
                return _page(lang, translate(NOT_FOUND, lang), f"<p>{_h(lang, NO_CENTRE)}</p>", 404)
            items, name = list_items(s, site, q), row.name
        lines = []
        for it in items:
            state = _h(lang, STATUS_LABELS.get(it["status"], it["status"]))
            if it["waiting"]:
                state += " · " + _h(lang, WAITING, count=it["waiting"])
            cls = "ok" if it["available"] else "no"
            lines.append(f"<tr><td><a href='/i/{quote(site)}/{quote(it['code'])}?lang={lang}'>"
                         f"{escape(it['code'])}</a></td>"
                         f"<td>{escape(_name(lang, it['name_ko'], it['name_en']))}</td>"
                         f"<td class='{cls}'>{state}</td></tr>")
        head = f"<tr><th>{_h(lang, CODE)}</th><th>{_h(lang, ITEM)}</th><th>{_h(lang, STATUS)}</th></tr>"
        table = f"<table>{head}{''.join(lines)}</table>" if lines else f"<p>{_h(lang, NO_ITEMS)}</p>"
        search = (f"<form method='get'><input type='hidden' name='lang' value='{lang}'>"
                  f"<input name='q' value='{escape(q)}' maxlength='60'> "
                  f"<button type='submit'>{_h(lang, SEARCH)}</button></form>")
        return _page(lang, translate(FIND, lang, centre=name), search + table)

    @app.get("/i/{code}", response_class=HTMLResponse, include_in_schema=False)
    def item_by_code(code: str, request: Request) -> Response:
        """A label printed before sites were in the URL: to the item's own address, or
        a list of each centre's item of that code when several centres number one alike.
        (A temporary redirect: another centre may number an item alike later.)"""
        lang = _lang(request)
        norm = normalise_item_code(code)
        with db.transaction() as s:
            found = resv.items_with_code(s, norm) if norm else []
            if len(found) > 1:
                rows = "".join(
                    f"<li><a href='/i/{quote(i.home_site)}/{quote(i.code)}?lang={lang}'>"
                    f"{escape(_centre_name(s, i.home_site))}: {escape(_name(lang, i.name_ko, i.name_en))}"
                    "</a></li>" for i in found)
                return _page(lang, escape(norm or code), f"<ul>{rows}</ul>")
        if found:
            return RedirectResponse(f"/i/{quote(found[0].home_site)}/{quote(found[0].code)}?lang={lang}",
                                    status_code=307)
        return item_page(code, request)

    @app.get("/i/{site}/{code}", response_class=HTMLResponse, include_in_schema=False)
    def item_at_site(site: str, code: str, request: Request) -> HTMLResponse:
        return item_page(f"{site}/{code}", request)

    def item_page(code: str, request: Request) -> HTMLResponse:
        lang = _lang(request)
        with db.transaction() as s:
            try:
                item = resv.resolve_item(s, code)
            except KioskError as exc:
                return _page(lang, translate(NOT_FOUND, lang), f"<p>{escape(exc.render(lang))}</p>", 404)
            site = s.get(Site, item.home_site)
            waiting = resv.active_count(s, item.key)
            status = "retired" if item.retired else item.status
            line = _h(lang, STATUS_LABELS.get(status, status))
            if waiting:
                line += " · " + _h(lang, WAITING, count=waiting)
            body = [f"<p>{_h(lang, CENTRE, centre=site.name if site else item.home_site)}</p>",
                    f"<p>{line}</p>"]
            parts = ", ".join(f"{_name(lang, p.get('name_ko', ''), p.get('name_en', ''))} × {p.get('count')}"
                              for p in item.parts or [])
            if parts:
                body.append(f"<p>{_h(lang, PARTS, parts=parts)}</p>")
            safe = _name(lang, item.safe_use_ko, item.safe_use_en)
            if safe:
                body.append(f"<p><b>{_h(lang, SAFE_USE)}:</b> {escape(safe)}</p>")
            if not item.retired:
                body.append(_reserve_form(item.key, lang))
            title = f"{item.code} {_name(lang, item.name_ko, item.name_en)}"
        return _page(lang, title, "".join(body))

    @app.post("/i/{site}/{code}/reserve", response_class=HTMLResponse, include_in_schema=False)
    async def reserve_at_site(site: str, code: str, request: Request) -> HTMLResponse:
        return await reserve(f"{site}/{code}", request)

    @app.post("/i/{code}/reserve", response_class=HTMLResponse, include_in_schema=False)
    async def reserve(code: str, request: Request) -> HTMLResponse:
        lang = _lang(request)
        raw = (await request.body())[:4096].decode("utf-8", "replace")
        form = {k: v[0] for k, v in parse_qs(raw).items() if v}

        from sync.hub.app import client_address

        address, now = client_address(request), request.app.state.clock()

        def run() -> tuple[int, str, str]:
            try:
                number = resv.sign_in(db, form.get("member", ""), form.get("secret", ""), address, now)
                with db.transaction() as s:
                    member = resv.member_of(s, number)
                    item = resv.resolve_item(s, code)
                    res = resv.create(s, member, item, to_iso(utcnow()), feed.Notifier(s))
                    site = s.get(Site, res.site)
                    return 201, "msg", translate(RESERVED, lang,
                                                 item=f"{item.code} {_name(lang, item.name_ko, item.name_en)}",
                                                 centre=site.name if site else res.site)
            except TooManyTries as exc:
                retry["after"] = exc.seconds
                return 429, "msg err", translate(NOT_RESERVED, lang, reason=exc.render(lang))
            except KioskError as exc:
                return 409, "msg err", translate(NOT_RESERVED, lang, reason=exc.render(lang))

        retry: dict[str, int] = {}
        status, cls, text = await run_in_threadpool(run)
        back = f"<p><a href='/i/{quote(code)}?lang={lang}'>{_h(lang, BACK)}</a></p>"
        page = _page(lang, translate(RESERVE, lang), f"<p class='{cls}'>{escape(text)}</p>{back}", status)
        if retry:
            page.headers["Retry-After"] = str(retry["after"])
        return page
