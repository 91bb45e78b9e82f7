#!/usr/bin/env python3
"""Update the message catalogue from the code.

    python scripts/i18n.py           # refresh kiosk/locale/nanum.pot and merge each
                                     # language's _*.po fragments into nanum.po
    python scripts/i18n.py --check   # list msgids missing a translation; exit 1 if any
    python scripts/i18n.py --drop-fragments   # merge, then delete the _*.po fragments

Translations live in ``kiosk/locale/<lang>/LC_MESSAGES/nanum.po``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kiosk.i18n import LANGUAGES, LOCALE_DIR  # noqa: E402
from kiosk.i18n_extract import extract  # noqa: E402


def main() -> int:
    template = extract()
    with (LOCALE_DIR / "nanum.pot").open("wb") as fh:
        write_po(fh, template, omit_header=True, sort_output=True, width=0)
    missing_total = 0
    for lang in LANGUAGES:
        if lang == "en":
            continue  # msgids are English
        folder = LOCALE_DIR / lang / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        main_po = folder / "nanum.po"
        translations: dict[str, str] = {}
        # nanum.po first, then fragments (newer work) on top of it
        for po in sorted(folder.glob("*.po"), key=lambda p: p.name != "nanum.po"):
            with po.open("rb") as fh:
                for m in read_po(fh, locale=lang):
                    if m.id and m.string:
                        translations[m.id] = m.string
        from babel.messages.catalog import Catalog
        out = Catalog(locale=lang, project="nanum-kiosk", charset="utf-8")
        missing = []
        for m in template:
            if not m.id:
                continue
            text = translations.get(m.id, "")
            if not text:
                missing.append(m.id)
            out.add(m.id, text, locations=m.locations)
        if "--check" not in sys.argv:
            with main_po.open("wb") as fh:
                write_po(fh, out, omit_header=False, sort_output=True, width=0, include_lineno=False)
            if "--drop-fragments" in sys.argv:
                for frag in folder.glob("_*.po"):
                    frag.unlink()
        for mid in missing:
            print(f"{lang}: untranslated: {mid}")
        missing_total += len(missing)
    return 1 if missing_total and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
