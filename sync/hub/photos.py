"""Item photos on the platform: kiosks upload them, the public item page shows them.

A kiosk uploads the display-size photo of an item of its own site
(``PUT /v1/photos/{site}/{code}``, its credential as for every kiosk call, at
most ``PHOTO_UPLOAD_MAX`` bytes: the guard refuses more before reading it). The
platform trusts no kiosk: it decodes the picture itself and keeps only its
pixels, re-encoded by the kiosk's own photo store code (kiosk.photos), so no
metadata a kiosk let through can reach the public page. One photo per item;
a new upload replaces it, ``DELETE`` removes it.

Photos are served at ``/photos/<sha256>.jpg``: the name is the content's hash,
so the answer may be cached for good.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kiosk.clock import to_iso, utcnow
from kiosk.i18n import N_, translate
from kiosk.limits import ITEM_CODE_MAX, KIOSK_ID_MAX, PHOTO_UPLOAD_MAX, SITE_CODE_MAX, STAMP_MAX
from kiosk.photos import is_photo_name, normalise
from sync.hub.db import Database
from sync.hub.models import Base, Item, Kiosk, item_key
from sync.hub.pages import page_language
from sync.protocol import API_PREFIX, FORBIDDEN, NOT_FOUND, TOO_LARGE, ErrorBody

PHOTO_PATH = API_PREFIX + "/photos/"
#: the public address of a photo
PUBLIC = "/photos/{name}"
OTHER_SITE = N_("A kiosk can only change the photos of its own site's items.")
NO_ITEM = N_("No item {code} at {site} on the platform.")
UPLOAD_TOO_LARGE = N_("The photo is too large: at most {limit} bytes.")
NO_PHOTO = N_("There is no such photo.")
#: the item page's description of the photo, for screen readers and when it cannot load
PHOTO_ALT = N_("Photo of {item}")


#: the upload's body as the OpenAPI document describes it (read raw, not by a model)
UPLOAD_BODY: dict[str, Any] = {"requestBody": {
    "required": True, "description": f"the photo, at most {PHOTO_UPLOAD_MAX} bytes",
    "content": {media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("image/jpeg", "image/png", "image/webp")}}}


class ItemPhoto(Base):
    """The one photo of an item, as the platform re-encoded it."""

    __tablename__ = "item_photos"
    item_key: Mapped[str] = mapped_column(String(64), ForeignKey("items.key", ondelete="CASCADE"),
                                          primary_key=True)
    name: Mapped[str] = mapped_column(String(68), index=True)  # <sha256>.jpg
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    kiosk_id: Mapped[str] = mapped_column(String(KIOSK_ID_MAX))
    uploaded_at: Mapped[str] = mapped_column(String(STAMP_MAX))


class PhotoRefused(Exception):
    def __init__(self, status: int, error: str, msgid: str, /, **params: Any) -> None:
        self.status, self.error, self.msgid, self.params = status, error, msgid, params


def photo_of(s: Session, key: str) -> ItemPhoto | None:
    """An item's photo (``key`` is ``SITE/CODE``), or None."""
    return s.get(ItemPhoto, key)


def photo_for_page(s: Session, key: str, item_name: str, lang: str) -> dict[str, Any] | None:
    """An item's photo as its page shows it (address, size, alt text), or None."""
    row = s.execute(select(ItemPhoto.name, ItemPhoto.width, ItemPhoto.height)
                    .where(ItemPhoto.item_key == key)).first()
    if row is None:
        return None
    return {"src": PUBLIC.format(name=row.name), "width": row.width, "height": row.height,
            "alt": translate(PHOTO_ALT, lang, item=item_name)}


def _own_item(s: Session, kiosk: Kiosk, site: str, code: str) -> Item:
    if len(site) > SITE_CODE_MAX or len(code) > ITEM_CODE_MAX:
        raise PhotoRefused(404, NOT_FOUND, NO_ITEM, code=code[:ITEM_CODE_MAX], site=site[:SITE_CODE_MAX])
    if site != kiosk.site:
        raise PhotoRefused(403, FORBIDDEN, OTHER_SITE)
    item = s.get(Item, item_key(site, code))
    if item is None or item.origin == "placeholder":
        raise PhotoRefused(404, NOT_FOUND, NO_ITEM, code=code, site=site)
    if item.home_site != kiosk.site:  # given to another centre: that centre's now
        raise PhotoRefused(403, FORBIDDEN, OTHER_SITE)
    return item


KioskOf = Callable[[Session, HTTPAuthorizationCredentials | None], Kiosk]


def register_photos(app: FastAPI, db: Database, kiosk_of: KioskOf, bearer: Callable[..., Any]) -> None:
    """Add the photo routes to the platform application."""
    from sync.hub.app import ERRORS

    # another site's item (403), no such item (404)
    REFUSALS: dict[int | str, dict[str, Any]] = {**ERRORS, 404: {"model": ErrorBody}}  # noqa: N806

    def answer(exc: PhotoRefused, request: Request) -> JSONResponse:
        # The same body as the platform's other refusals (sync.protocol.ErrorBody).
        return JSONResponse(status_code=exc.status, content={
            "error": exc.error, "message": translate(exc.msgid, page_language(request), **exc.params),
            "detail": exc.params})

    @app.put(PHOTO_PATH + "{site}/{code}", tags=["sync"], status_code=200, openapi_extra=UPLOAD_BODY,
             responses=REFUSALS)
    async def upload_photo(site: str, code: str, request: Request,
                           creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Response:
        """A kiosk's photo of one of its site's items (image/jpeg, png or webp)."""
        def check() -> str:
            with db.transaction() as s:
                kiosk = kiosk_of(s, creds)
                _own_item(s, kiosk, site, code)
                return kiosk.kiosk_id

        try:
            kiosk_id = await run_in_threadpool(check)
            body = await request.body()
            if len(body) > PHOTO_UPLOAD_MAX:  # the guard's limit may be set higher
                raise PhotoRefused(413, TOO_LARGE, UPLOAD_TOO_LARGE, limit=PHOTO_UPLOAD_MAX)
            display, _thumb, (w, h) = await run_in_threadpool(normalise, body)
        except PhotoRefused as exc:
            return answer(exc, request)
        name = hashlib.sha256(display).hexdigest() + ".jpg"

        def store() -> None:
            with db.transaction() as s:
                item = _own_item(s, kiosk_of(s, creds), site, code)
                row = s.get(ItemPhoto, item.key)
                if row is None:
                    row = ItemPhoto(item_key=item.key)
                    s.add(row)
                row.name, row.data, row.width, row.height = name, display, w, h
                row.kiosk_id, row.uploaded_at = kiosk_id, to_iso(utcnow())

        try:
            await run_in_threadpool(store)
        except PhotoRefused as exc:
            return answer(exc, request)
        return JSONResponse({"photo": name, "width": w, "height": h, "url": PUBLIC.format(name=name)})

    @app.delete(PHOTO_PATH + "{site}/{code}", tags=["sync"], responses=REFUSALS)
    def delete_photo(site: str, code: str, request: Request,
                     creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Response:
        """Remove the photo of one of the kiosk's site's items (nothing to remove is fine)."""
        try:
            with db.transaction() as s:
                item = _own_item(s, kiosk_of(s, creds), site, code)
                row = s.get(ItemPhoto, item.key)
                if row is not None:
                    s.delete(row)
        except PhotoRefused as exc:
            return answer(exc, request)
        return JSONResponse({"photo": None})

    @app.get("/photos/{name}", include_in_schema=False)
    def public_photo(name: str) -> Response:
        """A photo on an item page: public, as the page is; named by its content, cached for good."""
        if not is_photo_name(name):
            return Response(translate(NO_PHOTO, "ko"), status_code=404, media_type="text/plain; charset=utf-8")
        with db.transaction() as s:
            data = s.execute(select(ItemPhoto.data).where(ItemPhoto.name == name).limit(1)).scalar()
        if data is None:
            return Response(translate(NO_PHOTO, "ko"), status_code=404, media_type="text/plain; charset=utf-8")
        return Response(data, media_type="image/jpeg", headers={
            "Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"})
