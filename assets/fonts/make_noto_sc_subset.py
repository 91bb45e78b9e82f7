#!/usr/bin/env python3
"""Make the bundled Noto Sans SC subset (Chinese and Vietnamese on the kiosk).

The full Noto Sans SC is 10 MB a weight. The kiosk needs Latin with every
Vietnamese letter, CJK punctuation, the 3,755 most common hanzi (GB 2312
level 1) and every character the Chinese and Vietnamese catalogues use:
about 1.3 MB a weight.

    python -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools
    npm pack @expo-google-fonts/noto-sans-sc     # OFL 1.1, static TTFs
    tar xzf expo-google-fonts-noto-sans-sc-*.tgz
    /tmp/ft/bin/python assets/fonts/make_noto_sc_subset.py package

Run it again after adding Chinese translations (tests/ui/test_fonts.py fails
when a character of the catalogue is missing from the bundled fonts).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
LOCALE = HERE.parent.parent / "kiosk" / "locale"
WEIGHTS = {"400Regular/NotoSansSC_400Regular.ttf": "NotoSansSC-Regular.ttf",
           "700Bold/NotoSansSC_700Bold.ttf": "NotoSansSC-Bold.ttf"}
RANGES = ((0x20, 0x250), (0x300, 0x370), (0x1EA0, 0x1EFA), (0x2000, 0x2070), (0x20A0, 0x20C0),
          (0x2190, 0x2200), (0x2460, 0x2500), (0x3000, 0x3040), (0xFF00, 0xFFF0))


def characters() -> str:
    chars = {chr(c) for lo, hi in RANGES for c in range(lo, hi)}
    for row in range(0xB0, 0xD8):  # GB 2312 level 1: rows 16 to 55
        for col in range(0xA1, 0xFF):
            try:
                chars.add(bytes([row, col]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for lang in ("zh", "vi"):
        po = LOCALE / lang / "LC_MESSAGES" / "nanum.po"
        if po.exists():
            chars |= set(po.read_text(encoding="utf-8"))
    return "".join(sorted(c for c in chars if c.isprintable()))


def main(package: Path) -> None:
    text = characters()
    for src, dst in WEIGHTS.items():
        font = TTFont(package / src)
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        sub = subset.Subsetter(options)
        sub.populate(text=text)
        sub.subset(font)
        font.save(HERE / dst)
        print(HERE / dst, (HERE / dst).stat().st_size)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "package"))
