"""The kiosk's bundle leaves the platform (sync.hub) out (packaging/nanum.spec): every
``nanum`` command line must still build and run there."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCK = """
import importlib.abc, sys
class NoPlatform(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "sync.hub" or name.startswith("sync.hub."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, NoPlatform())
from kiosk.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_nanum_runs_without_the_platform_modules(tmp_path):
    for argv in (["--help"], ["--data-dir", str(tmp_path), "--json", "migrate"]):
        done = subprocess.run([sys.executable, "-c", BLOCK, *argv], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]


def test_the_bundle_keeps_every_qt_module_the_kiosk_imports():
    """A Qt module left out of the bundle (packaging/nanum.spec) breaks the installed kiosk
    at its first screen; the tests here run from source, where it is always there."""
    import ast
    import re

    spec = (ROOT / "packaging" / "nanum.spec").read_text()
    excludes = set(re.findall(r'"(PySide6\.\w+)"', spec.split("EXCLUDES = [", 1)[1].split("]", 1)[0]))
    used = set()
    for package in ("kiosk", "ui", "hardware", "sync"):
        for path in (ROOT / package).rglob("*.py"):
            if "sync/hub" in path.as_posix():
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("PySide6."):
                    used.add(".".join(node.module.split(".")[:2]))
                elif isinstance(node, ast.Import):
                    used |= {".".join(a.name.split(".")[:2]) for a in node.names if a.name.startswith("PySide6.")}
    assert used and not used & excludes, sorted(used & excludes)
