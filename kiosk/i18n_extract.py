"""Find every user-visible msgid in the code (Babel's Python extractor).

Used by ``scripts/i18n.py`` to update the catalogue and by the tests that fail
on an untranslated or format-breaking string.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kiosk", "ui", "hardware", "sync")
# Callables whose first (or given) argument is a msgid.
KEYWORDS = {
    "translate": None, "_": None, "N_": None, "t": None, "tr": None, "Message": None,
    "KioskError": None, "BadInput": None, "ForeignCode": None, "NotFound": None,
    "StorageError": None, "Refused": (2,),
}


def extract(root: Path = ROOT) -> Catalog:
    cat = Catalog(project="nanum-kiosk", charset="utf-8")
    for pkg in PACKAGES:
        base = root / pkg
        if not base.is_dir():
            continue
        for filename, lineno, message, comments, _ctx in extract_from_dir(
                str(base), method_map=[("**.py", "python")], keywords=KEYWORDS,
                comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
            if isinstance(message, tuple):  # plural forms are not used
                message = message[0]
            if not message or not isinstance(message, str):
                continue
            cat.add(message, locations=[(f"{pkg}/{filename}", lineno)], auto_comments=comments)
    return cat
