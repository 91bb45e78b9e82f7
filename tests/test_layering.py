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


def _lint_copy(tmp_path, added):
    """lint-imports on a copy of the tree with the ``added`` modules ({path: source})."""
    tree = tmp_path / "tree"
    for pkg in ("kiosk", "ui", "hardware", "sync"):
        shutil.copytree(ROOT / pkg, tree / pkg, ignore=shutil.ignore_patterns("__pycache__", "locale"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    for path, source in added.items():
        (tree / path).write_text(source)
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    return subprocess.run([exe, "--config", str(tree / "pyproject.toml")], cwd=tree,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})


def test_a_forbidden_import_would_fail(tmp_path):
    # The contract is live: a copy of the tree where kiosk/ imports PySide6 fails.
    proc = _lint_copy(tmp_path, {"kiosk/leak.py": "import PySide6.QtCore\n"})
    assert proc.returncode != 0
    assert "kiosk.leak -> PySide6" in proc.stdout


def test_only_the_cli_package_wires_the_wings(tmp_path):
    # A new command module may import the other wings; a module merely named like the
    # package (kiosk.clinic) may not, nor may the CLI reach Qt itself.
    proc = _lint_copy(tmp_path, {"kiosk/cli/extra.py": "import hardware.frames\nimport sync.cli\nimport ui.app\n",
                                 "kiosk/clinic.py": "import sync.cli\n",
                                 "kiosk/cli/qt.py": "import PySide6.QtCore\n"})
    assert proc.returncode != 0
    assert "kiosk.clinic -> sync.cli" in proc.stdout
    assert "kiosk.cli.qt -> PySide6" in proc.stdout
    assert "kiosk.cli.extra" not in proc.stdout
