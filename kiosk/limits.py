"""Limits on what the kiosk and the platform accept, declared once.

Every entry point checks against these: the CLI, the importer, the staff
screens, the sync client and the platform's wire schema (sync.protocol builds
its models from them). A value that fits here fits every column it is stored
in, on SQLite and on PostgreSQL alike, so one kiosk can never send what the
platform cannot store.

:func:`clean_text` is the one rule for free text typed or imported by people:
it refuses control characters, escape sequences and bidirectional overrides,
which would otherwise reach a terminal, a PDF, a label or a spreadsheet.
"""

from __future__ import annotations

import re
import unicodedata

from kiosk.errors import BadInput
from kiosk.i18n import N_, Message

# -- text fields (characters) --------------------------------------------------
ITEM_CODE_MAX = 16
ITEM_NAME_MAX = 200
CATEGORY_MAX = 40
SITE_CODE_MAX = 32
SITE_NAME_MAX = 200
ALIAS_MAX = 48
SAFE_USE_MAX = 2000
NOTE_MAX = 1000
PART_NAME_MAX = 100
MEMBER_NUMBER_MAX = 16
MEMBER_NAME_MAX = 100
CONTACT_MAX = 100
EMAIL_MAX = 254  # a notice address a resident gives on their page (RFC 5321's path limit)
PHONE_MAX = 11  # a Korean mobile number, digits only (010 and eight digits; older 01X ten)
MEMBER_TYPE_MAX = 20
LANGUAGE_MAX = 8
STATUS_MAX = 16
REASON_MAX = 200
PIN_MIN = 4
PIN_MAX = 8
UUID_MAX = 36
KIOSK_ID_MAX = 64
ACTOR_MAX = 100
EVENT_TYPE_MAX = 40
STAMP_MAX = 32  # ISO times and hybrid-clock stamps
PAYLOAD_MAX = 16_000  # one event's canonical JSON, in characters

#: a site code and a kiosk id as the platform's wire schema accepts them (ASCII)
SITE_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
KIOSK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"

# -- numbers -------------------------------------------------------------------
#: KRW; fits a 32-bit column with room to spare (100 million won)
REPLACEMENT_VALUE_MAX = 100_000_000
PARTS_ENTRIES_MAX = 100
# Lending rules: a fee or deposit in KRW, a qualification's name, a rule's interval
FEE_MAX = 10_000_000
QUALIFICATION_MAX = 60
RULE_INTERVAL_MAX = 10_000  # loans, days or weeks between maintenance tasks
MEMBERSHIP_MONTHS_MAX = 600
PART_COUNT_MAX = 10_000
AGE_MONTHS_MAX = 240
ALIASES_MAX = 20
RENEWALS_MAX = 100
#: what an event reports in passing (the sync wire schema, sync/events.py)
EVENT_COUNT_MAX = 10_000_000  # rows pulled, loans pseudonymised, PIN failures, seconds locked
EVENT_LIST_MAX = 10_000  # entries of one list in an event (reservations taken on, closed days)
EVENT_DAYS_MAX = 100_000  # days late, days kept
SETTING_KEY_MAX = 64
SCREEN_NAME_MAX = 20  # the resident screen a call for help came from
CURSOR_MAX = 200
#: the largest event sequence number: the largest integer JSON readers agree on (2**53 - 1)
SEQ_MAX = 2**53 - 1
#: how old a returned loan may be before it is pseudonymised (days)
RETENTION_DAYS_MAX = 100 * 366
#: a photo's full path on the kiosk (its file name alone goes to the platform)
PHOTO_PATH_MAX = 1024
#: a photo given to the photo store (kiosk.photos): the file as taken, and its pixels
#: (a small compressed file can still decode to gigabytes)
PHOTO_FILE_MAX = 15 * 1024 * 1024
PHOTO_PIXELS_MAX = 40_000_000
#: the longest side of the two sizes the store keeps (pixels)
PHOTO_DISPLAY_PX = 1024
PHOTO_THUMB_PX = 256
#: a display-size photo a kiosk uploads to the platform
PHOTO_UPLOAD_MAX = 2 * 1024 * 1024

# -- clocks --------------------------------------------------------------------
#: how far ahead of the platform's clock a kiosk's hybrid-clock stamp may be
CLOCK_AHEAD_MAX_MS = 24 * 3600 * 1000
#: the earliest physical time a stamp may carry (2020-01-01 UTC)
CLOCK_MIN_MS = 1_577_836_800_000

# -- files and requests (bytes unless named otherwise) -------------------------
IMPORT_FILE_MAX = 5 * 1024 * 1024
IMPORT_ROWS_MAX = 10_000
IMPORT_COLUMNS_MAX = 40
IMPORT_CELL_MAX = 2000
#: an XLSX part (sheet XML, shared strings) once uncompressed
IMPORT_XML_MAX = 50 * 1024 * 1024
#: any other XLSX part (styles, workbook, relations), which openpyxl parses whole
IMPORT_PART_MAX = 2 * 1024 * 1024
#: every part of an XLSX together, once uncompressed, and how many parts it may have
IMPORT_UNZIPPED_MAX = 2 * IMPORT_XML_MAX
IMPORT_PARTS_MAX = 500
PUSH_BODY_MAX = 4 * 1024 * 1024
REQUEST_BODY_MAX = 64 * 1024
#: the first characters of a refused value echoed back in an error answer
ECHO_MAX = 80

# -- the platform's connections (seconds) and request rates --------------------
#: longest pause between two parts of a request body, and the whole body's time
BODY_CHUNK_TIMEOUT_S = 10
BODY_READ_TIMEOUT_S = 30
#: time to send a request's headers once the connection is open
HEADER_TIMEOUT_S = 10
#: an idle kept-alive connection is closed after this
KEEP_ALIVE_TIMEOUT_S = 5
#: requests in any RATE_WINDOW_S: per kiosk or administrator credential (a kiosk
#: makes a handful a minute), and per client address (a centre's kiosks and its
#: residents' phones may share one)
RATE_WINDOW_S = 60
RATE_PER_CREDENTIAL = 300
RATE_PER_ADDRESS = 1200
#: addresses and credentials whose requests are counted at once (the least recently
#: seen are forgotten first, so made-up credentials cannot fill the memory)
RATE_KEYS_MAX = 100_000
#: characters of a kiosk credential or administrator token read from a file
CREDENTIAL_MAX = 200

# Characters that change how text is shown rather than what it says:
# C0/C1 controls (ESC starts terminal escape sequences), DEL, and the
# bidirectional embeddings, overrides and isolates (the "Trojan source" marks).
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Lone surrogates too: undecodable bytes in a file name or a command-line
# argument arrive as them, and no database or terminal can encode them.
_SURROGATES = "\ud800-\udfff"
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + _SURROGATES + "]")
_FORBIDDEN_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f" + _BIDI + _SURROGATES + "]")


def has_forbidden_chars(text: str, *, multiline: bool = False) -> bool:
    """True when ``text`` holds a control character or a bidirectional mark."""
    pattern = _FORBIDDEN if multiline else _FORBIDDEN_ONE_LINE
    return pattern.search(text) is not None


def clean_text(value: str, limit: int, field: str | Message, *, multiline: bool = False,
               required: bool = False) -> str:
    """``value`` stripped and NFC-normalised, or :class:`BadInput` naming ``field``.

    Refused: control characters (tab and newline only where ``multiline``),
    bidirectional overrides, and more than ``limit`` characters.
    """
    text = unicodedata.normalize("NFC", value).strip()
    if has_forbidden_chars(text, multiline=multiline):
        raise BadInput(N_("{field} contains control characters or hidden direction marks."),
                       field=field)
    if len(text) > limit:
        raise BadInput(N_("{field} is too long: at most {limit} characters."),
                       field=field, limit=limit)
    if required and not text:
        raise BadInput(N_("{field} cannot be empty."), field=field)
    return text


def is_pin(text: str) -> bool:
    """A PIN is PIN_MIN to PIN_MAX ASCII digits (never other scripts' digits, which
    ``str.isdigit`` accepts and a keypad cannot type)."""
    return PIN_MIN <= len(text) <= PIN_MAX and text.isascii() and text.isdigit()


def check_int(value: int, low: int, high: int, field: str | Message) -> int:
    """``value`` when ``low <= value <= high``, else :class:`BadInput` naming ``field``."""
    if not low <= value <= high:
        raise BadInput(N_("{field} must be between {low} and {high}."),
                       field=field, low=low, high=high)
    return value


def echo(value: object) -> str:
    """A short, printable excerpt of a refused value, safe to put in a message."""
    text = _FORBIDDEN_ONE_LINE.sub("?", str(value))
    return text if len(text) <= ECHO_MAX else text[:ECHO_MAX] + "…"


def printable(text: object, *, multiline: bool = False) -> str:
    """``text`` with control characters and direction marks shown as U+FFFD.

    For what goes out to a terminal, a PDF, a label or a receipt: names that
    were stored before the entry rules, or came from the platform, must not
    move the cursor, clear a screen or reverse the text around them.
    Tabs and newlines are kept where ``multiline``.
    """
    return (_FORBIDDEN if multiline else _FORBIDDEN_ONE_LINE).sub("\ufffd", str(text))


#: first characters that make a spreadsheet treat a cell as a formula
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text, never runs as a formula.

    Numbers stay numbers (so ``-3`` is still a negative figure); text starting
    with ``= + - @``, a tab or a carriage return gets a leading single quote,
    as OWASP recommends for CSV files opened in Excel or LibreOffice.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return ("'" if text.startswith(_FORMULA_START) else "") + printable(text)
