"""The ko, zh and vi catalogues with the resident-screen fragment merged in.

Once the fragment has been merged into nanum.po this changes nothing; until
then the tests read merged copies, as the release's catalogues will be.
"""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po, write_po

from kiosk import i18n

FRAGMENT = "_resident.po"


@pytest.fixture(scope="module")
def resident_catalogues(tmp_path_factory):
    root = tmp_path_factory.mktemp("locale")
    pending = False
    for lang in ("ko", "zh", "vi"):
        folder = i18n.LOCALE_DIR / lang / "LC_MESSAGES"
        with (folder / FRAGMENT).open("rb") as fh:
            fragment = read_po(fh, locale=lang)
        with (folder / "nanum.po").open("rb") as fh:
            merged = read_po(fh, locale=lang)
        for m in fragment:
            if m.id:
                pending = pending or i18n.catalogue(lang).get(m.id) != m.string
                merged.add(m.id, m.string)
        out = root / lang / "LC_MESSAGES"
        out.mkdir(parents=True)
        with (out / "nanum.po").open("wb") as fh:
            write_po(fh, merged)
    if not pending:
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(i18n, "LOCALE_DIR", root)
        i18n.catalogue.cache_clear()
        yield
    i18n.catalogue.cache_clear()
