"""DESIGN.md section 1 as a test: the import contracts in pyproject.toml hold."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is not installed"
    proc = subprocess.run([exe, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "broken" not in proc.stdout.lower().replace("0 broken", "")


def test_a_forbidden_import_would_fail(tmp_path):
    # The contract is live: a copy of the tree where kiosk/ imports PySide6 fails.
    tree = tmp_path / "tree"
    for pkg in ("kiosk", "ui", "hardware", "sync"):
        shutil.copytree(ROOT / pkg, tree / pkg, ignore=shutil.ignore_patterns("__pycache__", "locale"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    (tree / "kiosk" / "leak.py").write_text("import PySide6.QtCore\n")
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    proc = subprocess.run([exe, "--config", str(tree / "pyproject.toml")], cwd=tree,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})
    assert proc.returncode != 0
    assert "kiosk.leak -> PySide6" in proc.stdout
