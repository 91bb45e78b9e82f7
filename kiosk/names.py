"""Which of an item's (or a part's) names a screen shows in a language.

Items are named in Korean (required) and optionally in English, Chinese and
Vietnamese. A language without its own name falls back to the Korean one:
residents reading Chinese or Vietnamese in a Seoul sharing centre are more
likely to match the Korean name on the shelf than an English one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: the optional names, by language, and the record field holding each
NAME_FIELDS = {"en": "name_en", "zh": "name_zh", "vi": "name_vi"}


def shown_name(lang: str, name_ko: str, name_en: str = "", name_zh: str = "", name_vi: str = "") -> str:
    """The name in ``lang`` if it has one, else the Korean name (never another language's)."""
    own = {"en": name_en, "zh": name_zh, "vi": name_vi}.get(lang, "")
    return own or name_ko


def shown_name_of(lang: str, record: Mapping[str, Any]) -> str:
    """:func:`shown_name` of a stored record (an item's parts list entry, a feed body)."""
    field = NAME_FIELDS.get(lang)
    own = record.get(field) if field else None
    return str(own or record.get("name_ko") or "")
