"""The one message catalogue every layer uses.

Messages are written in English in the code (the msgid) and translated from
gettext ``.po`` files under ``kiosk/locale``. Korean is the default language.
Domain errors carry a msgid and parameters; they are translated only where they
are shown, in the language of whoever is looking.

Every language covers every msgid: Korean, Chinese (Simplified) and
Vietnamese (the languages of Seoul's largest migrant communities), for the
resident screens and for staff mode, reports and the command line alike, so a
volunteer who reads Chinese or Vietnamese never meets a screen in three
languages. English is the source language. Each language keeps one register
and one set of terms, written down in ``docs/glossary-<lang>.md`` and checked
by the catalogue tests. Korean particles after a placeholder are written as an
alternation (``{item}을(를)``) and resolved by :mod:`kiosk.josa` once the
message is formatted.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from kiosk import josa

DEFAULT_LANGUAGE = "ko"
#: each language's own name, as its speakers look for it on the home screen
LANGUAGES: dict[str, str] = {"ko": "한국어", "en": "English", "zh": "中文", "vi": "Tiếng Việt"}
#: languages complete for every msgid (a language added later may first cover
#: only the residents' msgids, :data:`RESIDENT_SOURCES`)
FULL_LANGUAGES = ("ko", "en", "zh", "vi")
#: where the msgids a resident can meet come from: the resident screens and
#: dialogs, receipts, the refusals and errors of the services they use, and the
#: platform's public item pages a label's QR opens on a phone
RESIDENT_SOURCES = (
    "ui/app.py", "ui/chrome.py", "ui/guide.py", "ui/idle.py", "ui/receipt.py", "ui/text.py", "ui/voice.py",
    "ui/crashscreen.py", "ui/staff.py", "ui/screens/", "ui/widgets/",
    "kiosk/codes.py", "kiosk/services/circulation.py", "kiosk/services/members.py",
    "kiosk/services/catalogue.py", "kiosk/services/staff.py", "kiosk/store/db.py",
    "hardware/printing.py", "sync/hub/web.py", "sync/hub/reservations.py", "sync/hub/resident.py",
)
DOMAIN = "nanum"
LOCALE_DIR = Path(__file__).with_name("locale")

_state = threading.local()


def is_resident_source(path: str) -> bool:
    """Whether a source file (relative to the repository) shows text to residents."""
    return path.startswith(RESIDENT_SOURCES)


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it now."""
    return msgid


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The msgid -> translation table of one language (empty for English)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return {}
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    # Plural entries (tuple ids) are not used; only singular ids are looked up.
    return {m.id: m.string for m in cat
            if isinstance(m.id, str) and isinstance(m.string, str) and m.id and m.string and not m.fuzzy}


def translate(msgid: str, lang: str | None = None, /, **params: Any) -> str:
    """Translate ``msgid`` into ``lang`` (default: current language) and fill in ``params``."""
    lang = lang or current_language()
    text = catalogue(lang).get(msgid, msgid)
    if params:
        try:
            text = text.format(**params)
        except (KeyError, IndexError, ValueError):
            # A broken translation must never hide the message itself.
            return msgid.format(**params)
    if lang == "ko":
        # Particles after a placeholder fit the word it now holds: 드릴을, 텐트를.
        text = josa.resolve(text)
    return text


def current_language() -> str:
    return getattr(_state, "lang", DEFAULT_LANGUAGE)


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    _state.lang = lang


_ = translate


@dataclass(frozen=True)
class Message:
    """A translatable message: an English msgid plus its parameters."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str | None = None) -> str:
        # A parameter that is itself a message (a field's name) speaks the same language.
        params = {k: v.render(lang) if isinstance(v, Message) else v for k, v in self.params.items()}
        return translate(self.msgid, lang, **params)

    def __str__(self) -> str:  # the current language
        return self.render()
