"""Where the kiosk's bundled files live (fonts, sounds) and loading them.

The kiosk never depends on system fonts. Two OFL fonts are bundled and
registered with Qt at start: NanumGothic for Korean and English (see
``assets/fonts/OFL.txt``) and a subset of Noto Sans SC for Chinese and
Vietnamese (``assets/fonts/OFL-NotoSansSC.txt``; made by
``assets/fonts/make_noto_sc_subset.py``). Each language names its fonts in
order (:func:`font_families`), so a language button like "中文" or
"Tiếng Việt" draws whole in every session language.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

ASSETS = Path(os.environ.get("NANUM_ASSETS") or Path(__file__).resolve().parent.parent / "assets")
FONT_FILES = ("NanumGothic.ttf", "NanumGothicBold.ttf")
FONT_FAMILY = "NanumGothic"
CJK_FONT_FILES = ("NotoSansSC-Regular.ttf", "NotoSansSC-Bold.ttf")
CJK_FAMILY = "Noto Sans SC"
#: the fonts of each language, first choice first; Noto Sans SC has every Vietnamese letter
_FAMILIES = {"zh": (CJK_FAMILY, FONT_FAMILY), "vi": (CJK_FAMILY, FONT_FAMILY)}


def font_path(name: str = FONT_FILES[0]) -> Path:
    return ASSETS / "fonts" / name


def sound_path(cue: str) -> Path:
    return ASSETS / "sounds" / f"{cue}.wav"


def font_families(lang: str) -> tuple[str, ...]:
    """The bundled font families for text in ``lang``, in the order Qt should try them."""
    return _FAMILIES.get(lang, (FONT_FAMILY, CJK_FAMILY))


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the bundled fonts with Qt (once) and return the Hangul family's name.

    Raises RuntimeError when a font is missing: a kiosk that would draw Korean,
    Chinese or Vietnamese as empty boxes must not start.
    """
    from PySide6.QtGui import QFontDatabase

    family = None
    for name in FONT_FILES + CJK_FONT_FILES:
        path = font_path(name)
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            raise RuntimeError(f"cannot load the bundled font {path}")
        if name in FONT_FILES:
            families = QFontDatabase.applicationFontFamilies(font_id)
            family = family or (families[0] if families else None)
    return family or FONT_FAMILY
