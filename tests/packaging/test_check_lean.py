"""packaging/opencv/check_lean.py finds the OpenCV names the kiosk's code uses, not the
ones its docstrings and comments mention (a note that a name is *not* in the bundle's
OpenCV must not fail the check)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _check_lean():
    spec = importlib.util.spec_from_file_location("check_lean", ROOT / "packaging" / "opencv" / "check_lean.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_names_the_code_uses_count(tmp_path):
    (tmp_path / "hardware").mkdir()
    (tmp_path / "hardware" / "faces.py").write_text(
        '"""The bundle has no objdetect, so ``cv2.CascadeClassifier`` is not there."""\n'
        "import cv2\n"
        "from cv2 import resize\n"
        "# cv2.dnn is not used either\n"
        "def f(img):\n"
        "    return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)\n")
    for package in ("ui", "kiosk"):
        (tmp_path / package).mkdir()
    used = _check_lean().names_used(tmp_path)
    assert set(used) == {"cvtColor", "COLOR_BGR2GRAY", "resize"}
    assert used["cvtColor"] == ["hardware/faces.py"]


def test_the_kiosks_code_uses_opencv():
    assert {"VideoCapture", "cvtColor"} <= set(_check_lean().names_used())
