"""packaging/debian/nanum-update installs what the platform's rollout names, and only a
package version: run with stand-ins for nanum, dpkg-query and apt-get."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "packaging" / "debian" / "nanum-update"


def _run(where: Path, told: str, installed: str = "0.1.0", nanum_fails: bool = False):
    where.mkdir()
    bin_dir = where / "bin"
    bin_dir.mkdir()
    log = where / "apt.log"
    answer = "exit 1" if nanum_fails else f"printf '%s\\n' '{told}'"
    tools = {
        "nanum": f'[ "$*" = "--lang en sync update-check --version-only" ] || exit 9\n{answer}\n',
        "dpkg-query": f'echo "{installed}"\n',
        "apt-get": f'echo "$*" >> "{log}"\n',
    }
    for name, body in tools.items():
        path = bin_dir / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755)
    done = subprocess.run(["sh", str(SCRIPT)], env={"NANUM_UPDATE_PATH": f"{bin_dir}:/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=30)
    return done, (log.read_text().splitlines() if log.exists() else [])


@pytest.mark.parametrize("told", ["0.2.0", "0.0.9+city1"])
def test_the_named_version_is_installed_an_upgrade_or_a_rollback(tmp_path, told):
    done, apt = _run(tmp_path / "k", told)
    assert done.returncode == 0, done.stderr
    assert apt == ["update -q", f"install -y -q --no-install-recommends --allow-downgrades nanum-kiosk={told}"]


@pytest.mark.parametrize("told,installed,fails", [("", "0.1.0", False), ("0.1.0", "0.1.0", False),
                                                  ("0.2.0", "0.1.0", True)])
def test_nothing_due_the_same_version_or_no_platform_installs_nothing(tmp_path, told, installed, fails):
    done, apt = _run(tmp_path / "k", told, installed, fails)
    assert done.returncode == 0, done.stderr
    assert apt == []


@pytest.mark.parametrize("told", ["0.2.0 nanum-kiosk=evil", "0.2.0;reboot", "-o=APT::x", "nanum-kiosk"])
def test_anything_but_a_package_version_never_reaches_apt(tmp_path, told):
    done, apt = _run(tmp_path / "k", told)
    assert done.returncode == 1 and "not a package version" in done.stderr
    assert apt == []
