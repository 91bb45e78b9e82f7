"""The kiosk's configuration file, declared once with defaults.

Deployment options (where data and logs go, which camera and printer, the
sync server) live in a TOML file, by default ``/etc/nanum-kiosk/config.toml``
or the file named by ``NANUM_CONFIG``. Centre choices that staff change on the
screen live in the database's settings; ``[defaults]`` in the file gives their
starting values (e.g. ``ui_panel_dpi``). ``render_default_config()`` writes the
documented file the Debian package installs, so the documentation can never
drift from the code.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.errors import BadInput

DEFAULT_PATH = Path("/etc/nanum-kiosk/config.toml")


@dataclass(frozen=True)
class Option:
    section: str
    key: str
    default: Any
    doc: str


OPTIONS: tuple[Option, ...] = (
    Option("kiosk", "data_dir", "", "Data folder (database, crash files). Empty: the user data folder."),
    Option("kiosk", "log_dir", "", "Log folder. Empty: <data_dir>/logs."),
    Option("kiosk", "log_max_bytes", 2_000_000, "Size of one log file before it rotates."),
    Option("kiosk", "log_backups", 5, "How many rotated log files to keep."),
    Option("kiosk", "windowed", False, "Run in a window instead of fullscreen (development only)."),
    Option("camera", "device", "auto",
           "Camera: 'auto' (the first camera attached; with none, codes are typed), an index like 0, "
           "a device path like /dev/video0, a video or image file, or 'virtual'."),
    Option("camera", "width", 1280, "Capture width in pixels."),
    Option("camera", "height", 720, "Capture height in pixels."),
    Option("camera", "fps", 30, "Capture frame rate."),
    Option("camera", "decoder", "zxing", "QR decoder: 'zxing' (default, fastest) or 'pyzbar'."),
    Option("printer", "kind", "auto",
           "Receipt printer: 'auto' (system printer when CUPS is present), 'system', 'pdf' or 'none'."),
    Option("printer", "name", "", "System printer name (empty: the default printer)."),
    Option("printer", "pdf_dir", "", "Folder for receipts when kind = 'pdf'."),
    Option("sync", "url", "", "City platform address, e.g. https://platform.example/ (empty: offline only)."),
    Option("sync", "kiosk_id", "", "This kiosk's id on the platform."),
    Option("sync", "credential_file", "", "File holding this kiosk's credential (readable by the nanum user only)."),
    Option("sync", "ca_bundle", "", "CA bundle to verify the platform's TLS certificate (empty: system CAs)."),
    Option("sync", "interval_s", 60, "Seconds between sync rounds when idle."),
)


@dataclass(frozen=True)
class Config:
    values: dict[str, dict[str, Any]]
    defaults: dict[str, Any]  # starting values of database settings
    path: Path | None = None

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]


def load_config(path: str | Path | None = None) -> Config:
    """Read the config file (missing file: all defaults); unknown keys are refused."""
    explicit = path is not None or "NANUM_CONFIG" in os.environ
    p = Path(path or os.environ.get("NANUM_CONFIG") or DEFAULT_PATH)
    values: dict[str, dict[str, Any]] = {}
    for opt in OPTIONS:
        values.setdefault(opt.section, {})[opt.key] = opt.default
    if not p.exists():
        if explicit:
            raise BadInput("No configuration file at {path}.", path=str(p))
        return Config(values, {}, None)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput("The configuration file {path} is not valid TOML: {reason}",
                       path=str(p), reason=str(exc)) from exc
    defaults = data.pop("defaults", {})
    for section, table in data.items():
        if section not in values or not isinstance(table, dict):
            raise BadInput("Unknown section [{section}] in {path}.", section=section, path=str(p))
        for key, value in table.items():
            if key not in values[section]:
                raise BadInput("Unknown option {key} in [{section}] of {path}.",
                               key=key, section=section, path=str(p))
            want = type(values[section][key])
            if want is int and isinstance(value, bool) or not isinstance(value, want):
                raise BadInput("Option {key} in [{section}] must be a {type}.",
                               key=key, section=section, type=want.__name__)
            values[section][key] = value
    return Config(values, dict(defaults), p)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_default_config(overrides: dict[tuple[str, str], Any] | None = None) -> str:
    """The documented configuration file with every option at its default.

    ``overrides`` sets some options for an installation (the Debian package
    puts data and logs under /var); each such line also names the built-in
    default, which applies when the line is removed.
    """
    overrides = dict(overrides or {})
    unknown = set(overrides) - {(o.section, o.key) for o in OPTIONS}
    if unknown:
        raise ValueError(f"unknown options {sorted(unknown)}")
    lines = ["# Nanum Kiosk configuration. Every option is shown with its default.",
             "# Restart the kiosk after a change: systemctl restart nanum-kiosk", ""]
    section = None
    for opt in OPTIONS:
        if opt.section != section:
            section = opt.section
            lines += ["", f"[{section}]"]
        lines.append(f"# {opt.doc}")
        if (opt.section, opt.key) in overrides:
            lines += [f"# (built-in default: {_toml_value(opt.default)})",
                      f"{opt.key} = {_toml_value(overrides[(opt.section, opt.key)])}"]
        else:
            lines.append(f"{opt.key} = {_toml_value(opt.default)}")
    lines += ["", "# Starting values of settings staff can change on the screen.",
              "[defaults]", "# ui_panel_dpi = 102        # pixel density of the panel (21.5\" 1080p)",
              "# ui_idle_quiet_s = 60      # quiet seconds before the idle warning",
              "# ui_idle_warning_s = 20    # seconds the idle warning counts down (at least 20)", ""]
    return "\n".join(lines)
