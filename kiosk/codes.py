"""What a scanned or typed payload means (DESIGN.md section 3).

Payloads are ASCII and versioned:

* item label: ``{base_url}/i/{SITE}/{CODE}``, e.g.
  ``https://nanum.example.org/i/GN01/T-00042`` -- a phone opens the item's
  page on the city platform, the kiosk keeps the site and code at its end.
  An item is named city-wide by (home site, code): two centres may both
  number an item T-00042. Labels printed before sites were part of the URL,
  ``{base_url}/i/{CODE}``, keep working and mean the scanning kiosk's site;
* bare item code typed on screen: ``T-00042`` (``t42`` and ``T00042`` too),
  also meaning the kiosk's own site;
* member card: ``NKC1-`` + 24 base32 characters of a random token (120 bits)
  + one check character, so a damaged card is told apart from a foreign code;
* legacy barcodes already stuck on items (EAN-8/13, UPC-A, Code 128 text):
  reported as an alias candidate that the catalogue resolves.

Anything else is a :class:`~kiosk.errors.ForeignCode`.

A scan is classified once, where its text arrives (camera, keyboard wedge,
on-screen keyboard): :func:`classify` turns it into a typed reference
(:data:`Scan`) that travels unchanged to the screens and the services, so
nothing downstream parses the text again. Services take :data:`ItemKey` and
:data:`MemberKey`; a card where an item is expected is a type error.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from kiosk.errors import BadInput, ForeignCode
from kiosk.i18n import N_, Message
from kiosk.limits import SITE_CODE_MAX, SITE_CODE_PATTERN

DEFAULT_BASE_URL = "https://nanum.example.org"
CARD_PREFIX = "NKC1-"
LABEL_PATH = "/i/"
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TOKEN_CHARS = 24  # 24 x 5 bits = 120 bits of randomness

# [0-9], not \d: \d also matches other scripts' digits ('٣'), which int() reads.
_ITEM_RE = re.compile(r"^([A-Z]{1,3})-?([0-9]{1,6})$")
_SITE_RE = re.compile(SITE_CODE_PATTERN)
_CARD_RE = re.compile(r"^NKC([0-9]+)-([A-Z2-7]+)$")
LEGACY_BARCODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{3,47}$")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemRef:
    """A reference to an item by its printed code (``T-00042``) and home site.

    ``site`` is None when the payload did not name one (a typed code or a
    label printed before sites were in the URL): it then means the site of
    the kiosk that reads it.
    """

    code: str
    site: str | None = None

    def at(self, own_site: str) -> tuple[str, str]:
        """(home site, code), reading a missing site as ``own_site``."""
        return (self.site or own_site, self.code)


@dataclass(frozen=True)
class CardRef:
    """A member card's secret token (never the membership number)."""

    token: str

    def __repr__(self) -> str:  # keep tokens out of logs
        return "CardRef(<hidden>)"


@dataclass(frozen=True)
class AliasRef:
    """A legacy barcode that may be registered as an alias of an item."""

    text: str


@dataclass(frozen=True)
class MemberNumber:
    """A membership number (``M-000042``) typed by staff, or given with a PIN.

    A number alone never identifies a resident at the kiosk (section 6): only
    staff screens and the PIN sign-in make one.
    """

    number: str


@dataclass(frozen=True)
class Unreadable:
    """A scan that names nothing here, refused where it was read.

    ``message`` is what to tell the person, translated when shown;
    ``foreign`` is True for someone else's code and False for input of ours
    that cannot be used (a damaged label or card, an empty code);
    ``looks_like`` is ``"item"`` or ``"card"`` for a damaged label or card of
    ours (the advice differs), ``"foreign"`` otherwise.
    """

    message: Message
    foreign: bool = True
    looks_like: str = "foreign"

    def error(self) -> BadInput:
        """The refusal as a domain error (a foreign code is a :class:`ForeignCode`)."""
        cls = ForeignCode if self.foreign else BadInput
        return cls(self.message.msgid, **self.message.params)


Code = ItemRef | CardRef | AliasRef
#: what names an item: its printed code (with its site when the label says it) or a legacy barcode
ItemKey = ItemRef | AliasRef
#: what names a member: their card, or (staff screens, PIN sign-in) their number
MemberKey = CardRef | MemberNumber
#: what a scan or a typed code is, classified once where it arrived
Scan = ItemRef | AliasRef | CardRef | Unreadable

FOREIGN = N_("This code is not from a sharing centre.")
NOT_AN_ITEM = N_("That is a member card. Please scan an item's label.")
NOT_A_CARD = N_("This is not a member card. Please show your member card.")


def normalise_item_code(text: str) -> str | None:
    """``t42`` -> ``T-00042``; None when the text is not an item code."""
    m = _ITEM_RE.match(text.strip().upper()) if text.isascii() else None
    if not m:
        return None
    prefix, digits = m.groups()
    if len(digits) > 5 and digits.startswith("0"):
        digits = digits.lstrip("0") or "0"
    return f"{prefix}-{int(digits):05d}" if len(digits) <= 5 else f"{prefix}-{digits}"


def is_site_code(text: str) -> bool:
    """Whether ``text`` can be a centre's site code (``GN01``)."""
    return (isinstance(text, str) and text.isascii() and 0 < len(text) <= SITE_CODE_MAX
            and _SITE_RE.match(text) is not None)


def item_label_payload(code: str, base_url: str = DEFAULT_BASE_URL,
                       site: str | None = None) -> str:
    """The text encoded in an item's QR label: ``{base}/i/{SITE}/{CODE}``.

    Without ``site`` the older form ``{base}/i/{CODE}`` is made (kept for
    callers that know no site; a kiosk reads it as its own site's item).
    """
    norm = normalise_item_code(code)
    if norm is None:
        raise BadInput("Not an item code: {code}", code=code)
    if site is None:
        return base_url.rstrip("/") + LABEL_PATH + norm
    if not is_site_code(site):
        raise BadInput("Not a site code: {site}", site=site)
    return base_url.rstrip("/") + LABEL_PATH + site + "/" + norm


def _check_char(body: str) -> str:
    """Luhn mod 32 over the base32 alphabet.

    Unlike a hash byte, it catches every single misread character and every
    swap of two neighbouring characters, so a scuffed card is always told
    apart from a valid one.
    """
    n = len(_B32)
    total, factor = 0, 2
    for ch in reversed(body):
        addend = factor * _B32.index(ch)
        total += addend // n + addend % n
        factor = 3 - factor
    return _B32[(n - total % n) % n]


def new_card_token() -> str:
    """A fresh random card token (120 bits) with its check character."""
    body = "".join(secrets.choice(_B32) for _ in range(_TOKEN_CHARS))
    return body + _check_char(body)


def card_payload(token: str) -> str:
    """The text encoded in a member card's QR."""
    return CARD_PREFIX + token


def hash_card_token(token: str) -> str:
    """What the database keeps of a card token: its SHA-256.

    The token has 120 random bits, so a fast hash does not make it guessable.
    """
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _is_gtin(text: str) -> bool:
    if not (text.isascii() and text.isdigit()) or len(text) not in (8, 12, 13):
        return False
    digits = [int(c) for c in text]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def parse_payload(payload: str, base_url: str = DEFAULT_BASE_URL,
                  extra_bases: tuple[str, ...] = ()) -> Code:
    """Tell what a scanned or typed payload is.

    Raises :class:`ForeignCode` for anything that is not ours, and
    :class:`BadInput` for a label or card of ours that is damaged.
    """
    if not isinstance(payload, str):
        raise ForeignCode("This code is not from a sharing centre.")
    text = payload.strip()
    if not text:
        raise BadInput("The code is empty.")
    if not text.isascii() or any(ord(c) < 0x20 for c in text):
        raise ForeignCode("This code is not from a sharing centre.")

    if "://" in text:
        return _parse_label_url(text, (base_url, *extra_bases))

    upper = text.upper()
    if upper.startswith("NKC"):
        m = _CARD_RE.match(upper)
        if not m:
            raise BadInput("This member card could not be read. Please ask staff for a new card.")
        version, token = m.groups()
        if version != "1":
            raise BadInput("This member card is from a newer system. Please ask staff.")
        if len(token) != _TOKEN_CHARS + 1 or _check_char(token[:-1]) != token[-1]:
            raise BadInput("This member card could not be read. Please ask staff for a new card.")
        return CardRef(token)

    code = normalise_item_code(upper)
    if code is not None:
        return ItemRef(code)
    if _is_gtin(text) or LEGACY_BARCODE_RE.match(text):
        return AliasRef(text)
    raise ForeignCode("This code is not from a sharing centre.")


def _parse_label_url(text: str, bases: tuple[str, ...]) -> ItemRef:
    try:
        url = urlsplit(text)
    except ValueError:
        raise ForeignCode("This code is not from a sharing centre.") from None
    for base in bases:
        b = urlsplit(base.rstrip("/"))
        if url.netloc.lower() != b.netloc.lower():
            continue
        prefix = b.path.rstrip("/") + LABEL_PATH
        if not url.path.lower().startswith(prefix.lower()):
            continue
        tail = url.path[len(prefix):].strip("/")
        site, _, rest = tail.rpartition("/")
        code = normalise_item_code(rest)
        if code is None or (site and not is_site_code(site)):
            raise BadInput("This label is damaged. Please type the code printed under it.")
        return ItemRef(code, site or None)
    raise ForeignCode("This code is not from a sharing centre.")


def classify(payload: object, base_url: str = DEFAULT_BASE_URL,
             extra_bases: tuple[str, ...] = ()) -> Scan:
    """What a scanned or typed payload is; never raises.

    The one classifier of every input (camera, keyboard wedge, typed code):
    a foreign or damaged code becomes an :class:`Unreadable` carrying its
    message, so it is refused without asking the database.
    """
    try:
        return parse_payload(payload, base_url, extra_bases)  # type: ignore[arg-type]
    except ForeignCode as exc:
        return Unreadable(exc.message)
    except BadInput as exc:
        # Ours but damaged (a card with a bad check character, a label URL
        # without a valid code): keep what it looks like for the right advice.
        text = payload.strip().upper() if isinstance(payload, str) else ""
        looks = "card" if text.startswith("NKC") else ("item" if "://" in text else "foreign")
        return Unreadable(exc.message, False, looks)
    except Exception:  # a scanner can deliver anything; it must never crash the kiosk
        log.exception("unexpected payload %r", payload[:80] if isinstance(payload, str) else type(payload))
        return Unreadable(Message(FOREIGN))


def item_key(ref: Scan | MemberNumber | str, base_url: str = DEFAULT_BASE_URL) -> ItemKey:
    """The item a reference names, or the refusal to show (for text, parsed here once).

    Raises :class:`BadInput` for a member card, the unreadable code's own
    error otherwise.
    """
    if isinstance(ref, str):
        ref = classify(ref, base_url)
    if isinstance(ref, ItemRef | AliasRef):
        return ref
    if isinstance(ref, Unreadable):
        raise ref.error()
    raise BadInput(NOT_AN_ITEM)


def card_key(ref: Scan | str, base_url: str = DEFAULT_BASE_URL) -> CardRef:
    """The member card a reference is, or the refusal to show (for text, parsed here once)."""
    if isinstance(ref, str):
        ref = classify(ref.strip(), base_url)
    if isinstance(ref, CardRef):
        return ref
    if isinstance(ref, Unreadable) and not ref.foreign:
        raise ref.error()  # ours but damaged (or empty): its own advice
    raise ForeignCode(NOT_A_CARD)
