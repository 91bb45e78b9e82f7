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
