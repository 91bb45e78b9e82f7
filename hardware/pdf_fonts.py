"""The bundled Hangul font, registered with reportlab for every PDF we print.

Labels, member cards and reports must never depend on the fonts of the machine
that prints them: reportlab's built-in fonts have no Hangul, so Korean would
come out as empty boxes. The kiosk ships NanumGothic (SIL OFL 1.1, see
``assets/fonts/OFL.txt``); reportlab embeds the subset of glyphs a document
uses, so the PDF prints the same anywhere.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

# The same folder and override the resident UI reads its fonts from.
ASSETS = Path(os.environ.get("NANUM_ASSETS") or Path(__file__).resolve().parent.parent / "assets")
FONT_FILES = {"NanumGothic": "NanumGothic.ttf", "NanumGothic-Bold": "NanumGothicBold.ttf"}
#: Chinese and every Vietnamese letter (a subset of Noto Sans SC, OFL 1.1)
WIDE_FONT_FILES = {"NotoSansSC": "NotoSansSC-Regular.ttf", "NotoSansSC-Bold": "NotoSansSC-Bold.ttf"}
#: languages whose text is drawn in Noto Sans SC first (Hangul in it still uses NanumGothic)
WIDE_FIRST = frozenset({"zh", "vi"})


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

    for name, filename in FONT_FILES.items():
        _register(name, filename)
    pdfmetrics.registerFontFamily("NanumGothic", normal="NanumGothic", bold="NanumGothic-Bold",
                                  italic="NanumGothic", boldItalic="NanumGothic-Bold")
    return "NanumGothic-Bold" if bold else "NanumGothic"


def _register(name: str, filename: str) -> None:
    """Register a bundled TTF with reportlab once; a missing file is an error, never boxes."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if name in pdfmetrics.getRegisteredFontNames():
        return
    path = ASSETS / "fonts" / filename
    if not path.is_file():
        raise RuntimeError(f"the bundled font is missing: {path}")
    pdfmetrics.registerFont(TTFont(name, str(path)))


@lru_cache(maxsize=8)
def _covered(name: str) -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    return frozenset(pdfmetrics.getFont(name).face.charToGlyph)  # type: ignore[attr-defined]


class MixedFont:
    """Text in any of the kiosk's languages, each character in a bundled font that has it.

    NanumGothic has Hangul and basic Latin but not Chinese or most Vietnamese
    letters; Noto Sans SC (subset) has those but no Hangul. A Vietnamese
    receipt naming a Korean item needs both, so text is drawn in runs.
    """

    def __init__(self, lang: str = "ko", bold: bool = False) -> None:
        hangul_font(bold)
        wide = "NotoSansSC-Bold" if bold else "NotoSansSC"
        _register(wide, WIDE_FONT_FILES[wide])
        nanum = "NanumGothic-Bold" if bold else "NanumGothic"
        self.fonts = (wide, nanum) if lang in WIDE_FIRST else (nanum, wide)

    def runs(self, text: str) -> list[tuple[str, str]]:
        """``text`` as (font name, run) pairs, first choice font where it has the character."""
        out: list[tuple[str, str]] = []
        first, second = self.fonts
        have_first, have_second = _covered(first), _covered(second)
        for ch in text:
            code = ord(ch)
            font = first if code in have_first or code not in have_second else second
            if out and out[-1][0] == font:
                out[-1] = (font, out[-1][1] + ch)
            else:
                out.append((font, ch))
        return out

    def width(self, text: str, size: float) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        return sum(stringWidth(run, font, size) for font, run in self.runs(text))

    def wrap(self, text: str, size: float, max_width: float) -> list[str]:
        """Lines no wider than ``max_width``: break at spaces, or between CJK characters."""
        tokens = re.findall(r"[\u3000-\u9fff\uff00-\uffef]|[^\s\u3000-\u9fff\uff00-\uffef]+|\s+", text)
        lines, line = [], ""
        for tok in tokens:
            candidate = line + tok
            if line and not tok.isspace() and self.width(candidate.rstrip(), size) > max_width:
                lines.append(line.rstrip())
                line = tok
            else:
                line = candidate
        lines.append(line.rstrip())
        return lines

    def draw(self, canvas, x: float, y: float, text: str, size: float) -> None:
        """Draw one line at (x, y), switching fonts between runs."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        for font, run in self.runs(text):
            canvas.setFont(font, size)
            canvas.drawString(x, y, run)
            x += stringWidth(run, font, size)
