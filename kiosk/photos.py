"""The kiosk's one photo store: item photos now, condition and contents photos later.

A photo given to the store is decoded, turned upright, re-encoded from its pixels
alone in two sizes (display and thumbnail) and kept under its SHA-256, so:

- nothing but pixels is kept: EXIF (GPS position, camera serial, time, owner),
  XMP, IPTC, ICC profiles and comments are gone, and the platform gets the same;
- the same picture is stored once, and a file's name proves its content;
- what is not a JPEG, PNG or WebP image, or is larger than the limits in
  :mod:`kiosk.limits`, is refused with a translated message and nothing is written.

Each kind has a retention. Item photos stay while an item refers to them and
go at the next :meth:`PhotoStore.collect` after that. Condition photos (taken at
a return) and contents photos (a many-piece toy's contents, checked later by
staff) are evidence for a short time only, then expire whatever refers to them.

Layout under the kiosk's data folder::

    photos/<kind>/<sha256>.jpg          display size (the longest side PHOTO_DISPLAY_PX)
    photos/<kind>/<sha256>.thumb.jpg    thumbnail (PHOTO_THUMB_PX)
    photos/incoming/                    camera captures waiting for staff to save them

A file's modification time is when the store took it (on the kiosk's clock),
which is what retention counts from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from kiosk.errors import BadInput, StorageError
from kiosk.i18n import N_
from kiosk.limits import PHOTO_DISPLAY_PX, PHOTO_FILE_MAX, PHOTO_PIXELS_MAX, PHOTO_THUMB_PX


@dataclass(frozen=True)
class PhotoKind:
    """What a photo shows, and how long the store keeps it."""

    name: str
    #: days kept after it was taken; None: kept while something refers to it
    keep_days: int | None


#: item photos: shown wherever the item appears, kept while the item refers to them
ITEM = PhotoKind("item", None)
#: condition at a return: evidence for a damage question, which is settled well within
#: a loan period or two; after half a year it only holds people's belongings and homes
CONDITION = PhotoKind("condition", 180)
#: a many-piece toy's contents at a return, for staff to count later (within days)
CONTENTS = PhotoKind("contents", 30)
KINDS = {k.name: k for k in (ITEM, CONDITION, CONTENTS)}

#: camera captures not saved to an item within a day are dropped
INCOMING_KEEP = dt.timedelta(days=1)
JPEG_QUALITY = 85
#: formats a photo may come in (what a camera, a phone or a screenshot gives)
FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
_NAME = re.compile(r"^[0-9a-f]{64}\.jpg$")

NOT_AN_IMAGE = N_("This file is not a photo the kiosk can read (JPEG, PNG or WebP).")
TOO_LARGE = N_("The photo is too large: {size} MB; at most {limit} MB.")
TOO_MANY_PIXELS = N_("The photo has too many pixels: {pixels} million; at most {limit} million.")
UNKNOWN_KIND = N_("Unknown kind of photo: {kind}")
NOT_SAVED = N_("The photo could not be saved: the disk is full or cannot be written.")


@dataclass(frozen=True)
class StoredPhoto:
    """A photo in the store: its content name and the files of its two sizes."""

    kind: str
    digest: str  # SHA-256 of the display file, hex
    display: Path
    thumb: Path
    width: int
    height: int

    @property
    def name(self) -> str:
        """The display file's name, which is what events and the platform carry."""
        return f"{self.digest}.jpg"


def is_photo_name(name: str) -> bool:
    """True for a store file name (``<sha256>.jpg``): nothing else may name a photo."""
    return bool(_NAME.match(name))


def read_limited(path: Path) -> bytes:
    """The bytes of ``path``, refused before reading when larger than the limit."""
    try:
        size = path.stat().st_size
        if size > PHOTO_FILE_MAX:
            raise _too_large(size)
        with path.open("rb") as f:
            data = f.read(PHOTO_FILE_MAX + 1)
    except OSError as exc:
        raise BadInput(NOT_AN_IMAGE) from exc
    if len(data) > PHOTO_FILE_MAX:  # grew while read
        raise _too_large(len(data))
    return data


def _too_large(size: int) -> BadInput:
    return BadInput(TOO_LARGE, size=f"{size / 1024 / 1024:.1f}", limit=PHOTO_FILE_MAX // 1024 // 1024)


def normalise(data: bytes) -> tuple[bytes, bytes, tuple[int, int]]:
    """The display and thumbnail JPEGs of an image, from its pixels only.

    Raises BadInput for anything that is not a readable JPEG, PNG or WebP
    within the size and pixel limits.
    """
    if len(data) > PHOTO_FILE_MAX:
        raise _too_large(len(data))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data))
            if img.format not in FORMATS:
                raise BadInput(NOT_AN_IMAGE)
            w, h = img.size
            # Checked on the header, before the pixels are decoded.
            if w * h > PHOTO_PIXELS_MAX:
                raise BadInput(TOO_MANY_PIXELS, pixels=f"{w * h / 1e6:.0f}", limit=PHOTO_PIXELS_MAX // 1_000_000)
            # A JPEG decodes straight at a fraction of its size (DCT scaling): a phone's
            # 12-megapixel photo is read at half size, still larger than the display size.
            img.draft("RGB", (PHOTO_DISPLAY_PX, PHOTO_DISPLAY_PX))
            img.load()
            upright = ImageOps.exif_transpose(img) or img
    except BadInput:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise BadInput(NOT_AN_IMAGE) from exc
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    else:
        flat = upright.convert("RGB")
    # A new image from the pixels alone: no metadata of the original can ride along.
    clean = Image.new("RGB", flat.size)
    clean.paste(flat)
    display = _jpeg(clean, PHOTO_DISPLAY_PX)
    thumb = _jpeg(clean, PHOTO_THUMB_PX)
    return display[0], thumb[0], display[1]


def _jpeg(img: Image.Image, side: int) -> tuple[bytes, tuple[int, int]]:
    copy = img.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), copy.size


class PhotoStore:
    """Content-addressed photo files under ``root`` (the kiosk's ``photos`` folder)."""

    def __init__(self, root: Path, clock: Callable[[], dt.datetime]) -> None:
        self.root = Path(root)
        self.clock = clock

    @property
    def incoming(self) -> Path:
        """Where the staff screen puts a camera capture until the item is saved."""
        return self.root / "incoming"

    def folder(self, kind: str) -> Path:
        return self.root / _kind(kind).name

    def add(self, source: bytes | Path, kind: str) -> StoredPhoto:
        """Store a photo (its bytes or a file) as ``kind``; the same picture twice is one file.

        Raises BadInput for a file that is not a photo or is over the limits,
        StorageError when the disk refuses the write.
        """
        _kind(kind)
        data = read_limited(Path(source)) if isinstance(source, Path) else source
        display, thumb, (w, h) = normalise(data)
        digest = hashlib.sha256(display).hexdigest()
        photo = self._photo(kind, digest, w, h)
        stamp = self.clock().timestamp()
        try:
            photo.display.parent.mkdir(parents=True, exist_ok=True)
            for path, body in ((photo.thumb, thumb), (photo.display, display)):
                if not path.is_file():
                    _write_atomic(path, body)
                os.utime(path, (stamp, stamp))  # retention counts from the latest taking
        except OSError as exc:
            raise StorageError(NOT_SAVED) from exc
        return photo

    def get(self, kind: str, name: str) -> StoredPhoto | None:
        """The stored photo named ``name`` (``<sha256>.jpg``), or None."""
        if not is_photo_name(name):
            return None
        photo = self._photo(kind, name[:-4], 0, 0)
        return photo if photo.display.is_file() else None

    def names(self, kind: str) -> set[str]:
        """The names of every stored photo of ``kind``."""
        folder = self.folder(kind)
        if not folder.is_dir():
            return set()
        return {p.name for p in folder.iterdir() if is_photo_name(p.name)}

    def collect(self, referenced: Iterable[str] = (), keep_days: Mapping[str, int] | None = None) -> int:
        """Delete what nothing keeps: item photos no item names (``referenced``: their
        names or paths), photos past their kind's retention (``keep_days``: days per kind
        name where a setting changed the kind's own) and stale captures.
        Returns how many photos (or captures) were deleted."""
        keep = {Path(r).name for r in referenced}
        days = dict(keep_days or {})
        now = self.clock().timestamp()
        removed = 0
        for kind in KINDS.values():
            for name in sorted(self.names(kind.name)):
                path = self.folder(kind.name) / name
                kept_for = days.get(kind.name, kind.keep_days)
                if kept_for is None:
                    expired = name not in keep
                else:
                    expired = now - _mtime(path, now) > kept_for * 86400
                if expired:
                    removed += 1
                    for p in (path, path.with_name(name[:-4] + ".thumb.jpg")):
                        p.unlink(missing_ok=True)
        if self.incoming.is_dir():
            for p in self.incoming.iterdir():
                if p.is_file() and now - _mtime(p, now) > INCOMING_KEEP.total_seconds():
                    p.unlink(missing_ok=True)
                    removed += 1
        return removed

    def _photo(self, kind: str, digest: str, w: int, h: int) -> StoredPhoto:
        folder = self.folder(kind)
        return StoredPhoto(kind, digest, folder / f"{digest}.jpg", folder / f"{digest}.thumb.jpg", w, h)


def thumb_of(display: str | Path) -> Path:
    """The thumbnail beside a display file of the store."""
    p = Path(display)
    return p.with_name(p.name.removesuffix(".jpg") + ".thumb.jpg")


def _kind(kind: str) -> PhotoKind:
    try:
        return KINDS[kind]
    except KeyError:
        raise BadInput(UNKNOWN_KIND, kind=kind[:40]) from None


def _mtime(path: Path, default: float) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return default


def _write_atomic(path: Path, body: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        f.write(body)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
