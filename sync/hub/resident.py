"""A resident's own pages on the platform: sign in with membership number and PIN,
see loans with due dates, reservations (with cancel) and notices, sign out.

Server-rendered from Jinja2 templates (``sync/hub/templates``, autoescaped), no
JavaScript. A signed-in resident holds a random token in an HttpOnly,
SameSite=Strict cookie; the platform keeps only its SHA-256 with the member's
number and an expiry (``resident_sessions``). Every form carries the session's
own CSRF token. Wrong PINs are counted and slowed down exactly as for the API
(:func:`sync.hub.reservations.sign_in`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import re
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import delete, select
from starlette.concurrency import run_in_threadpool

from kiosk.calendar import SEOUL
from kiosk.clock import from_iso, to_iso
from kiosk.codes import card_payload, hash_card_token, new_card_token
from kiosk.errors import BadInput, KioskError
from kiosk.i18n import N_, translate
from kiosk.limits import EMAIL_MAX, PHONE_MAX
from kiosk.names import shown_name
from kiosk.throttle import TooManyTries
from sync.hub import feed, lifecycle, notices, pages, retention
from sync.hub import reservations as resv
from sync.hub.db import Database
from sync.hub.models import Item, Loan, Member, Notice, NoticeContact, Reservation, ResidentSession, Site
from sync.hub.notices import CONSENT_VERSION

COOKIE = "nanum_resident"
#: serves the card page the phone keeps (see card.html), from the phone's cache, offline too
SERVICE_WORKER = """
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.pathname === "/me/card/saved") {
    event.respondWith(caches.match("/me/card/saved").then((kept) => kept || fetch(event.request)));
  }
});
"""
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[A-Za-z]{2,}")
SESSION_HOURS = 2  # a phone left signed in on a bus signs itself out

TEXTS = {
    "signin_title": N_("Sign in"), "signin": N_("Sign in"),
    "signin_why": N_("See your loans, reservations and notices with your membership number and PIN."),
    "number": N_("Membership number"), "pin": N_("Card code or PIN"),
    "no_pin": N_("No PIN yet? Set one at a sharing centre's kiosk: show your member card, then "
                 "My loans, then Set a PIN."),
    "account_title": N_("My page"), "signed_in_as": N_("Signed in as member {number}."),
    "loans": N_("My loans"), "no_loans": N_("You have nothing on loan."),
    "fee": N_("Membership fee"),
    "item": N_("Item"), "centre": N_("Centre"), "due": N_("Due"), "overdue": N_("overdue"),
    "reservations": N_("My reservations"), "no_reservations": N_("You have no reservations."),
    "state": N_("Status"), "cancel": N_("Cancel"),
    "notices": N_("My notices"), "no_notices": N_("No notices."),
    "signout": N_("Sign out"), "back": N_("Back"),
    "card_title": N_("My member card on this phone"),
    "card_why": N_("Show it at a kiosk's camera instead of the plastic card. Opening it again makes a new "
                   "one: the one shown before stops working."),
    "card_show": N_("Show my member card"),
    "card_how": N_("Hold the phone up to the kiosk's camera, screen brightness up."),
    "card_alt": N_("Member card code"),
    "card_keep": N_("Lost this phone? Block the phone card here or ask staff; your plastic card keeps working."),
    "card_block": N_("Block this phone card"),
    "card_saved": N_("This card is now kept on this phone: add this page to the home screen to open it "
                     "without a connection."),
    "card_not_kept": N_("No member card is kept on this phone yet. Sign in on My page and show your member "
                        "card once: it is kept here from then on."),
    "settings": N_("Notice settings"),
    "settings_why": N_("We send notices (a reservation ready for pickup, moved or ended) only where you "
                       "agree, never between 9 pm and 8 am. Untick a box or clear an address to stop."),
    "email": N_("E-mail address"), "phone": N_("Mobile phone number"),
    "email_ok": N_("I agree to receive notices by e-mail at this address."),
    "sms_ok": N_("I agree to receive notices by text message (or KakaoTalk) at this number."),
    "save": N_("Save"),
    "my_data": N_("My data"),
    "my_data_why": N_("Download everything kept about you, including who looked at it and why. You can also "
                      "erase your membership: it cannot be undone, and items on loan must be returned first."),
    "export": N_("Download my data (JSON)"), "erase": N_("Erase my membership"),
    "erase_confirm": N_("I understand that my membership, cards and notice settings are erased for good."),
}
SAVED = N_("Your notice settings are saved.")
BAD_EMAIL = N_("That e-mail address does not look right.")
BAD_PHONE = N_("Please write the mobile number with digits only, like 01012345678.")
STATES = {"requested": N_("sent to the centre"), "waiting": N_("on the waiting list"),
          "held": N_("ready for pickup until {day}")}
CARD_NUMBER = N_("Membership number {number}")
CARD_BLOCKED = N_("Your phone card is blocked. Kiosks stop taking it after their next sync.")
CANCEL_LABEL = N_("Cancel the reservation of {item}")
CANCELLED = N_("Your reservation of {item} is cancelled.")
NOT_CANCELLED = N_("Could not cancel: {reason}")
NOT_SIGNED_IN = N_("Could not sign in: {reason}")
EXPIRED = N_("Please sign in again.")
ERASED = N_("Your membership is erased. Thank you for sharing with us.")
ERASE_UNCONFIRMED = N_("Please tick the box to confirm, then erase your membership.")
ERASE_AFTER_LOANS = N_("Please return the {count} items on loan first; then your membership can be erased.")

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def render(name: str, lang: str, title_msgid: str, status: int = 200, *, message: str = "",
           error: bool = False, **context: Any) -> HTMLResponse:
    return pages.render(name, lang, translate(title_msgid, lang), status, texts=TEXTS, message=message,
                        error=error, **context)


def _item_name(item: Item | None, key: str, lang: str) -> str:
    if item is None:
        return key.partition("/")[2]
    name = shown_name(lang, item.name_ko, item.name_en, item.name_zh or "", item.name_vi or "")
    return f"{item.code} {name}"


class Sessions:
    """Sign-in sessions of residents, kept as token hashes."""

    def __init__(self, db: Database, clock: Any) -> None:
        self.db, self.clock = db, clock

    def open(self, number: str) -> tuple[str, str]:
        """A new session for ``number``: (cookie token, CSRF token)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.transaction() as s:
            # Expired sessions go as new ones come: the table never grows without bound.
            s.execute(delete(ResidentSession).where(ResidentSession.expires_at < to_iso(now)))
            s.add(ResidentSession(token_hash=_hash(token), member_number=number, csrf=csrf,
                                  created_at=to_iso(now),
                                  expires_at=to_iso(now + dt.timedelta(hours=SESSION_HOURS))))
            retention.signed_in(s, number, now)  # active: answers a question to re-consent
        return token, csrf

    def current(self, request: Request) -> ResidentSession | None:
        token = request.cookies.get(COOKIE)
        if not token or len(token) > 100:
            return None
        with self.db.transaction() as s:
            row = s.get(ResidentSession, _hash(token))
            if row is None or from_iso(row.expires_at) <= self.clock():
                return None
            s.expunge(row)
            return row

    def close(self, row: ResidentSession) -> None:
        with self.db.transaction() as s:
            s.execute(delete(ResidentSession).where(ResidentSession.token_hash == row.token_hash))


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def _to_account(lang: str) -> RedirectResponse:
    return RedirectResponse(f"/me?lang={lang}", status_code=303)


def account_page(db: Database, row: ResidentSession, lang: str, today: str, message: str = "",
                 error: bool = False, status: int = 200, forget_card: bool = False) -> HTMLResponse:
    """The signed-in resident's loans, reservations and notices (``today``: ISO date in Seoul)."""
    number = row.member_number
    with db.transaction() as s:
        loans = s.execute(select(Loan).where(Loan.member_number == number, Loan.returned_at.is_(None))
                          .order_by(Loan.due_on)).scalars().all()
        res = s.execute(select(Reservation).where(
            Reservation.member_number == number, Reservation.status.in_(feed.ACTIVE_RESERVATION))
            .order_by(Reservation.created_at)).scalars().all()
        told = s.execute(select(Notice).where(Notice.member_number == number)
                         .order_by(Notice.id.desc()).limit(50)).scalars().all()
        keys = {ln.item_key for ln in loans} | {r.item_key for r in res}
        items = {i.key: i for i in s.execute(select(Item).where(Item.key.in_(keys))).scalars()} if keys else {}
        sites = {x.code: x.name for x in s.execute(select(Site)).scalars()}

        def centre(key: str, fallback: str | None = None) -> str:
            site = items[key].home_site if key in items else (fallback or key.partition("/")[0])
            return sites.get(site, site)
        loan_rows = [{"item": _item_name(items.get(ln.item_key), ln.item_key, lang),
                      "centre": sites.get(ln.site or "", ln.site or ""), "due": ln.due_on or "",
                      "late": bool(ln.due_on and ln.due_on < today)} for ln in loans]
        res_rows = []
        for r in res:
            name = _item_name(items.get(r.item_key), r.item_key, lang)
            res_rows.append({"uid": r.uid, "item": name, "centre": centre(r.item_key, r.site),
                             "state": translate(STATES.get(r.status, r.status), lang, day=r.hold_until or ""),
                             "cancel_label": translate(CANCEL_LABEL, lang, item=name)})
        notice_rows = [{"at": n.created_at, "day": n.created_at[:10],
                        "text": translate(n.msgid, lang, **notices.readable(s, n.params, lang))}
                       for n in told]
        c = s.get(NoticeContact, number)
        key = lifecycle.contact_key()  # addresses are stored encrypted
        contact = {"email": key.open(c.email) or "" if c else "", "phone": key.open(c.phone) or "" if c else "",
                   "email_ok": bool(c and c.email_consent_at), "sms_ok": bool(c and c.sms_consent_at)}
        from sync.hub.partners import account_links

        linked = account_links(s, number, lang)  # partners the member let act for them
        from sync.hub.fees import fee_state

        fee = fee_state(s, number, today)
    return render("account.html", lang, TEXTS["account_title"], status, message=message, error=error,
                  loans=loan_rows, reservations=res_rows, notices=notice_rows, csrf=row.csrf, contact=contact,
                  limits={"email": EMAIL_MAX, "phone": PHONE_MAX}, forget_card=forget_card, partners=linked,
                  fee={"state": fee.state, "text": fee.text(lang)} if fee is not None else None,
                  txt={"signed_in_as": translate(TEXTS["signed_in_as"], lang, number=number)})


def expired(lang: str) -> HTMLResponse:
    """The answer to a form without a live session (or with another session's token)."""
    return render("signin.html", lang, TEXTS["signin_title"], 403, error=True, message=translate(EXPIRED, lang))


def set_phone_card(db: Database, number: str, token: str | None) -> str | None:
    """Issue (``token``) or block (None) the member's phone card; the kiosks of the
    member's centre and of every centre get the member's row again."""
    with db.transaction() as s:
        m = s.get(Member, number)
        if m is None or m.deleted:
            raise BadInput(resv.WRONG_SECRET)
        m.phone_card_hash = hash_card_token(token) if token else None
        notify = feed.Notifier(s)
        notify("member", number, m.home_site)
        notify("member", number, None)
    return token


def qr_png(payload: str) -> str:
    """``payload`` as a QR code, a base64 PNG with a wide quiet zone."""
    import qrcode

    # The highest error correction: a reflection across a glossy screen hides a band of
    # modules (bench/scan.py --phone, hardware.synth.PHONE_ECC).
    from qrcode.image.pil import PilImage

    img = qrcode.make(payload, image_factory=PilImage, box_size=10, border=4,
                      error_correction=qrcode.constants.ERROR_CORRECT_H)
    out = io.BytesIO()
    img.save(out)  # PilImage writes PNG
    return base64.b64encode(out.getvalue()).decode("ascii")


def register_resident_pages(app: FastAPI, db: Database) -> None:
    """Add /me (sign in, loans, reservations, notices, sign out) to ``app``."""
    sessions = Sessions(db, app.state.clock)

    def today() -> str:
        now: dt.datetime = app.state.clock()
        return now.astimezone(SEOUL).date().isoformat()

    @app.get("/me", response_class=HTMLResponse, include_in_schema=False)
    def me(request: Request) -> HTMLResponse:
        lang = pages.page_language(request)
        row = sessions.current(request)
        if row is None:
            return render("signin.html", lang, TEXTS["signin_title"])
        return account_page(db, row, lang, today())

    @app.post("/me/signin", response_class=HTMLResponse, include_in_schema=False)
    async def sign_in(request: Request) -> Response:
        from sync.hub.app import client_address

        lang = pages.page_language(request)
        form = await pages.read_form(request)
        address, now = client_address(request), app.state.clock()

        def check() -> str:
            return resv.sign_in(db, form.get("member", "")[:16], form.get("secret", "")[:64], address, now)
        try:
            number = await run_in_threadpool(check)
        except TooManyTries as exc:
            page = render("signin.html", lang, TEXTS["signin_title"], 429, error=True,
                          message=translate(NOT_SIGNED_IN, lang, reason=exc.render(lang)))
            page.headers["Retry-After"] = str(exc.seconds)
            return page
        except KioskError as exc:
            return render("signin.html", lang, TEXTS["signin_title"], 401, error=True,
                          message=translate(NOT_SIGNED_IN, lang, reason=exc.render(lang)))
        token, _csrf = await run_in_threadpool(sessions.open, number)
        out = _to_account(lang)
        out.set_cookie(COOKIE, token, max_age=SESSION_HOURS * 3600, httponly=True, samesite="strict",
                       secure=_secure(request), path="/")
        return out

    async def _signed(request: Request) -> tuple[ResidentSession | None, dict[str, str]]:
        form = await pages.read_form(request)
        row = sessions.current(request)
        if row is None or not secrets.compare_digest(form.get("csrf", ""), row.csrf):
            return None, form
        return row, form

    @app.post("/me/reservations/{uid}/cancel", response_class=HTMLResponse, include_in_schema=False)
    async def cancel(uid: str, request: Request) -> Response:
        lang = pages.page_language(request)
        row, _form_data = await _signed(request)
        if row is None:
            return expired(lang)
        number = row.member_number

        def run() -> str:
            with db.transaction() as s:
                member = resv.member_of(s, number)
                res = resv.cancel(s, member, uid[:64], to_iso(app.state.clock()), feed.Notifier(s))
                return _item_name(s.get(Item, res.item_key), res.item_key, lang)
        try:
            name = await run_in_threadpool(run)
        except KioskError as exc:
            return account_page(db, row, lang, today(), translate(NOT_CANCELLED, lang, reason=exc.render(lang)),
                                error=True, status=409)
        return account_page(db, row, lang, today(), translate(CANCELLED, lang, item=name))

    @app.post("/me/notices", response_class=HTMLResponse, include_in_schema=False)
    async def notice_settings(request: Request) -> Response:
        lang = pages.page_language(request)
        row, form = await _signed(request)
        if row is None:
            return expired(lang)
        email = form.get("email", "").strip()[:EMAIL_MAX + 1]
        phone = "".join(ch for ch in form.get("phone", "") if ch not in " -")[:PHONE_MAX + 1]
        if email and (len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email)):
            return account_page(db, row, lang, today(), translate(BAD_EMAIL, lang), error=True, status=400)
        if phone and not (phone.isascii() and phone.isdigit() and 10 <= len(phone) <= PHONE_MAX):
            return account_page(db, row, lang, today(), translate(BAD_PHONE, lang), error=True, status=400)
        now = to_iso(app.state.clock())

        def save() -> None:
            with db.transaction() as s:
                c = s.get(NoticeContact, row.member_number)
                if c is None:
                    c = NoticeContact(member_number=row.member_number, consent_version=CONSENT_VERSION,
                                      updated_at=now)
                    s.add(c)
                # consent is given for one address: a new address needs the box ticked again
                key = lifecycle.contact_key()  # addresses are stored encrypted
                was_email, was_phone = key.open(c.email), key.open(c.phone)
                c.email_consent_at = (c.email_consent_at if was_email == email else None) or now \
                    if email and form.get("email_ok") else None
                c.sms_consent_at = (c.sms_consent_at if was_phone == phone else None) or now \
                    if phone and form.get("sms_ok") else None
                c.email, c.phone = key.seal(email), key.seal(phone)
                c.consent_version, c.updated_at = CONSENT_VERSION, now
        await run_in_threadpool(save)
        return account_page(db, row, lang, today(), translate(SAVED, lang))

    @app.post("/me/card", response_class=HTMLResponse, include_in_schema=False)
    async def phone_card(request: Request) -> Response:
        """A new member card for this phone: the one issued before stops working."""
        lang = pages.page_language(request)
        row, _form_data = await _signed(request)
        if row is None:
            return expired(lang)
        token = await run_in_threadpool(set_phone_card, db, row.member_number, new_card_token())
        page = render("card.html", lang, TEXTS["card_title"], qr_png=qr_png(card_payload(token or "")), keep=True,
                      csrf=row.csrf, txt={"card_number": translate(CARD_NUMBER, lang, number=row.member_number)})
        page.headers["Cache-Control"] = "no-store"  # the card's code is a secret of this phone
        return page

    @app.get("/me/card/saved", response_class=HTMLResponse, include_in_schema=False)
    def saved_card(request: Request) -> HTMLResponse:
        """Where the phone keeps its card (served by the service worker from the phone's
        cache); the platform itself never has the card's code to show."""
        lang = pages.page_language(request)
        return render("message.html", lang, TEXTS["card_title"], message=translate(TEXTS["card_not_kept"], lang))

    @app.get("/me/card/sw.js", include_in_schema=False)
    def service_worker() -> Response:
        return Response(SERVICE_WORKER, media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})

    @app.get("/me/card/manifest.webmanifest", include_in_schema=False)
    def manifest(request: Request) -> Response:
        lang = pages.page_language(request)
        body = {"name": translate(TEXTS["card_title"], lang), "short_name": translate(TEXTS["card_title"], lang),
                "start_url": "/me/card/saved", "scope": "/me/card/", "display": "standalone",
                "background_color": "#ffffff", "theme_color": "#0b57a4", "lang": lang}
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/manifest+json")

    @app.post("/me/card/block", response_class=HTMLResponse, include_in_schema=False)
    async def block_phone_card(request: Request) -> Response:
        lang = pages.page_language(request)
        row, _form_data = await _signed(request)
        if row is None:
            return expired(lang)
        await run_in_threadpool(set_phone_card, db, row.member_number, None)
        return account_page(db, row, lang, today(), translate(CARD_BLOCKED, lang), forget_card=True)

    @app.get("/me/export", include_in_schema=False)
    def export_my_data(request: Request) -> Response:
        """Everything the platform keeps about the signed-in member, as JSON (the right of access)."""
        lang = pages.page_language(request)
        row = sessions.current(request)
        if row is None:
            return expired(lang)
        with db.transaction() as s:
            data = lifecycle.export(s, row.member_number)
        data["exported_at"] = to_iso(app.state.clock())
        return Response(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True),
                        media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="my-data.json"',
                                 "Cache-Control": "no-store"})

    @app.post("/me/erase", response_class=HTMLResponse, include_in_schema=False)
    async def erase_me(request: Request) -> Response:
        """Erase the signed-in member on their request: every kiosk forgets them at its next pull."""
        lang = pages.page_language(request)
        row, form = await _signed(request)
        if row is None:
            return expired(lang)
        if not form.get("confirm"):
            return account_page(db, row, lang, today(), translate(ERASE_UNCONFIRMED, lang), error=True, status=400)

        def run() -> int:
            with db.transaction() as s:
                out = lifecycle.open_loans(s, row.member_number)
                if not out:
                    lifecycle.erase(s, row.member_number, feed.Notifier(s), now=app.state.clock())
                return out
        out = await run_in_threadpool(run)
        if out:
            return account_page(db, row, lang, today(), translate(ERASE_AFTER_LOANS, lang, count=out),
                                error=True, status=409)
        page = render("message.html", lang, TEXTS["my_data"], message=translate(ERASED, lang))
        page.delete_cookie(COOKIE, path="/")
        return page

    @app.post("/me/signout", response_class=HTMLResponse, include_in_schema=False)
    async def sign_out(request: Request) -> Response:
        lang = pages.page_language(request)
        row, _form_data = await _signed(request)
        if row is not None:
            await run_in_threadpool(sessions.close, row)
        out = RedirectResponse(f"/me?lang={lang}", status_code=303)
        out.delete_cookie(COOKIE, path="/")
        return out
