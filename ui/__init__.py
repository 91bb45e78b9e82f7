"""ui wing of Nanum Kiosk (see DESIGN.md section 1)."""

from __future__ import annotations

import sys


def _lighter_feature_check() -> None:
    """Make PySide6's per-import source scan cheap.

    After PySide6 loads, every module imported is checked for the text
    "PySide6" (for its ``__feature__`` switches, which this app does not use)
    through ``inspect.getsource``, which keeps the whole source of every
    module in ``linecache``: about 10 MB held for nothing and slower imports.
    Reading the file's bytes answers the same question and keeps nothing.
    """
    import PySide6.QtCore  # noqa: F401  (loads the feature module)

    feature = sys.modules.get("shibokensupport.feature")
    upstream = getattr(feature, "_mod_uses_pyside", None)
    if upstream is None or getattr(upstream, "lighter", False):
        return

    def uses_pyside(module) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return upstream(module)
        try:
            with open(path, "rb") as f:
                return b"PySide6" in f.read()
        except OSError:
            return upstream(module)

    uses_pyside.lighter = True  # type: ignore[attr-defined]
    setattr(feature, "_mod_uses_pyside", uses_pyside)  # noqa: B010 (a private hook, set by name)


_lighter_feature_check()
