"""Text on screen: every string comes from the one catalogue (kiosk.i18n).

``tr`` translates into the session's language (set on the GUI thread by
:class:`ui.session.Session`). Dates are shown in the resident's language on the
centre's (Seoul) calendar.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from kiosk.i18n import N_, current_language, translate

__all__ = ["N_", "tr", "date_text", "error_text"]

# Short enough for a list line, whole enough to be read aloud by the voice guide.
_DATE_FORMATS = {"ko": "M월 d일 (E)", "en": "EEE d MMM", "zh": "M月d日（E）", "vi": "EEEE, 'ngày' d 'tháng' M"}


def tr(msgid: str, /, **params) -> str:
    """``msgid`` in the current session language, with ``params`` filled in."""
    return translate(msgid, None, **params)


def date_text(day: dt.date, lang: str | None = None) -> str:
    """A due date as a resident reads it: "11월 29일 (토)", "Sat 29 Nov", "11月29日（周六）"."""
    lang = lang or current_language()
    return format_date(day, _DATE_FORMATS.get(lang, "yyyy-MM-dd"), locale=lang)


def error_text(exc: BaseException) -> str:
    """What to tell the resident about a failed action."""
    from kiosk.errors import KioskError

    if isinstance(exc, KioskError):
        return exc.render(current_language())
    return tr("Something went wrong. Please ask staff for help.")
