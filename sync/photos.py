"""Sending item photos to the platform, after the events that name them.

Staff set a photo with ``Desk.set_photo``, which records ``item.photo_set``.
Each sync round, after the push, the photos of the items named by such events
since the last round go up (``PUT /v1/photos/{site}/{code}``), or are removed
when the item's photo was taken away. Only the item's photo as it is now is
sent: an item whose photo changed three times since the last round sends one.

Where the sending got to is the setting ``sync_photos_seq`` (the highest
``item.photo_set`` event dealt with). A network failure ends the round and the
next one sends again (an upload replaces, so sending twice is harmless); a
photo the platform refuses (not its site's item, not a picture) is logged and
not sent again until it changes.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from kiosk.errors import BadInput
from kiosk.photos import read_limited
from kiosk.store.models import Event, Item, Setting
from sync.client import SyncClient, SyncRefused

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

SENT = "sync_photos_seq"
log = logging.getLogger(__name__)


def pending(k: Kiosk) -> tuple[int, dict[tuple[str, str], str | None]]:
    """(the newest photo event, {(site, code): photo file or None}) of this kiosk's own
    items whose photo changed since the last photos were sent."""
    with k.reading() as s:
        row = s.get(Setting, SENT)
        after = int(row.value) if row is not None else 0
        events = s.execute(select(Event.seq, Event.payload).where(
            Event.type == "item.photo_set", Event.seq > after).order_by(Event.seq)).all()
        last = events[-1].seq if events else after
        changed: dict[tuple[str, str], str | None] = {}
        for e in events:
            body = json.loads(e.payload)
            site, code = str(body.get("item_site") or k.site), str(body.get("item", ""))
            if site != k.site:
                continue  # another centre's item: that centre sends its photo
            item = s.execute(select(Item).where(Item.code == code, Item.home_site == site)).scalar()
            if item is not None:
                changed[(site, code)] = item.photo
    return last, changed


def send_photos(k: Kiosk, client: SyncClient) -> int:
    """Upload (or remove) the photos changed since the last round; returns how many were sent.

    Raises SyncError when the platform cannot be reached (the next round sends them).
    """
    last, changed = pending(k)
    sent = 0
    for (site, code), photo in changed.items():
        try:
            if photo and Path(photo).is_file():
                client.upload_photo(site, code, read_limited(Path(photo)))
            else:
                client.delete_photo(site, code)
            sent += 1
        except SyncRefused as exc:  # this photo, not the connection: the others still go
            log.warning("the platform refused the photo of %s/%s: %s", site, code, exc.detail)
        except BadInput as exc:  # the file went bad on the kiosk's disk
            log.warning("the photo of %s/%s cannot be read: %s", site, code, exc)
    with k.transaction() as s:
        k.set_setting(s, SENT, last)
    return sent
