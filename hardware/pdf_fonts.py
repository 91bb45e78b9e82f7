"""The bundled Hangul font, registered with reportlab for every PDF we print.

Labels, member cards and reports must never depend on the fonts of the machine
that prints them: reportlab's built-in fonts have no Hangul, so Korean would
come out as empty boxes. The kiosk ships NanumGothic (SIL OFL 1.1, see
``assets/fonts/OFL.txt``); reportlab embeds the subset of glyphs a document
uses, so the PDF prints the same anywhere.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

# The same folder and override the resident UI reads its fonts from.
ASSETS = Path(os.environ.get("NANUM_ASSETS") or Path(__file__).resolve().parent.parent / "assets")
FONT_FILES = {"NanumGothic": "NanumGothic.ttf", "NanumGothic-Bold": "NanumGothicBold.ttf"}


@lru_cache(maxsize=2)
def hangul_font(bold: bool = False) -> str:
    """Register the bundled Hangul TTF with reportlab (once) and return its font name.

    Both weights are registered together as the family ``NanumGothic`` so that
    ``<b>`` in a platypus paragraph picks the bold file. Raises RuntimeError
    when the font file is missing: a PDF with Korean drawn as boxes must not
    be produced silently.
    """
    # Imported here: the kiosk loads reportlab on its first print, not at start.
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, filename in FONT_FILES.items():
        if name in pdfmetrics.getRegisteredFontNames():
            continue
        path = ASSETS / "fonts" / filename
        if not path.is_file():
            raise RuntimeError(f"the bundled Hangul font is missing: {path}")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily("NanumGothic", normal="NanumGothic", bold="NanumGothic-Bold",
                                  italic="NanumGothic", boldItalic="NanumGothic-Bold")
    return "NanumGothic-Bold" if bold else "NanumGothic"
