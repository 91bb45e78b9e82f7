"""Where the kiosk's bundled files live (fonts, sounds) and loading them.

The kiosk never depends on system fonts: the bundled Hangul font (NanumGothic,
SIL OFL 1.1, see ``assets/fonts/OFL.txt``) is registered with Qt at start and
used for every widget.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

ASSETS = Path(os.environ.get("NANUM_ASSETS") or Path(__file__).resolve().parent.parent / "assets")
FONT_FILES = ("NanumGothic.ttf", "NanumGothicBold.ttf")
FONT_FAMILY = "NanumGothic"


def font_path(name: str = FONT_FILES[0]) -> Path:
    return ASSETS / "fonts" / name


def sound_path(cue: str) -> Path:
    return ASSETS / "sounds" / f"{cue}.wav"


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the bundled fonts with Qt (once) and return their family name.

    Raises RuntimeError when a font is missing: a kiosk that would draw Korean
    as empty boxes must not start.
    """
    from PySide6.QtGui import QFontDatabase

    family = None
    for name in FONT_FILES:
        path = font_path(name)
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            raise RuntimeError(f"cannot load the bundled font {path}")
        families = QFontDatabase.applicationFontFamilies(font_id)
        family = family or (families[0] if families else None)
    return family or FONT_FAMILY
