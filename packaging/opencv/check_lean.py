"""Check the bundle's lean OpenCV against the code the kiosk runs.

    build/bundle-venv/bin/python packaging/opencv/check_lean.py

1. Every ``cv2.<name>`` in the kiosk's code (hardware/, ui/, kiosk/) exists in
   this OpenCV. The QR detectors are the exception: only the comparison
   decoder uses them, and it refuses by name when they are missing.
2. The hardware tests (cameras, video files, the scan pipeline, decoders,
   labels) pass on it, with the test tools of the project's .venv.

Exit 0 when both hold. ``build-bundle.sh`` builds the environment; ``ci.sh``
runs this after it.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPTIONAL = {"QRCodeDetector", "QRCodeDetectorAruco"}


def names_used(root: Path = ROOT) -> dict[str, list[str]]:
    """Every ``cv2.<name>`` the code under ``root`` uses (``from cv2 import`` too); a name
    only a docstring or a comment mentions is not used."""
    used: dict[str, list[str]] = {}
    for package in ("hardware", "ui", "kiosk"):
        for path in sorted((root / package).rglob("*.py")):
            where = str(path.relative_to(root))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), where)):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "cv2":
                    used.setdefault(node.attr, []).append(where)
                elif isinstance(node, ast.ImportFrom) and node.module == "cv2":
                    for alias in node.names:
                        used.setdefault(alias.name, []).append(where)
    return used


def main() -> int:
    import cv2

    print(f"OpenCV {cv2.__version__} from {Path(cv2.__file__).parent}")
    if hasattr(cv2, "dnn"):
        print("This is the full OpenCV, not the lean build of packaging/opencv/.")
        return 1
    used = names_used()
    missing = {n: files for n, files in used.items() if n not in OPTIONAL and not hasattr(cv2, n)}
    for name, files in sorted(missing.items()):
        print(f"missing: cv2.{name} (used in {', '.join(sorted(set(files)))})")
    print(f"{len(used)} cv2 names used by the kiosk's code, {len(missing)} missing")
    if missing:
        return 1
    # The test tools live in the project's .venv; this environment's packages come first.
    dev = ROOT / ".venv" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    sys.path.insert(0, str(ROOT))
    sys.path.append(str(dev))
    import pytest

    return pytest.main(["-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "hardware")])


if __name__ == "__main__":
    sys.exit(main())
