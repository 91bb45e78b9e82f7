"""The kiosk's configuration file, declared once with defaults.

Deployment options (where data and logs go, which camera and printer, the
sync server) live in a TOML file, by default ``/etc/nanum-kiosk/config.toml``
or the file named by ``NANUM_CONFIG``. Centre choices that staff change on the
screen live in the database's settings; ``[defaults]`` in the file gives their
starting values (e.g. ``ui_panel_dpi``). Every option and setting is declared
in :mod:`kiosk.settings`, whose checks apply here: a bad option stops the
kiosk with a message naming it; a bad ``[defaults]`` entry is logged and left
out, so the kiosk starts on the built-in default (a typo in a starting value
must not keep a centre's kiosk dark, and staff can set the value on the
screen). ``render_default_config()`` writes the documented file the Debian
package installs, so the documentation can never drift from the code.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.errors import BadInput
from kiosk.i18n import N_, Message
from kiosk.settings import DEFAULTS, REGISTRY, file_options, starting_values

log = logging.getLogger(__name__)

DEFAULT_PATH = Path("/etc/nanum-kiosk/config.toml")


@dataclass(frozen=True)
class Option:
    section: str
    key: str
    default: Any
    doc: str


#: the file's options, declared in :mod:`kiosk.settings`
OPTIONS: tuple[Option, ...] = tuple(Option(s.file[0], s.file[1], s.default, s.doc)
                                    for s in file_options() if s.file is not None)


@dataclass(frozen=True)
class Config:
    values: dict[str, dict[str, Any]]
    defaults: dict[str, Any]  # starting values of database settings, checked (kiosk.settings)
    path: Path | None = None
    problems: tuple[Message, ...] = ()  # [defaults] entries left out, each with why

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
    table = data.pop("defaults", {})
    if not isinstance(table, dict):
        raise BadInput("Unknown section [{section}] in {path}.", section="defaults", path=str(p))
    for section, table_ in data.items():
        if section not in values or not isinstance(table_, dict):
            raise BadInput("Unknown section [{section}] in {path}.", section=section, path=str(p))
        for key, value in table_.items():
            if key not in values[section]:
                raise BadInput("Unknown option {key} in [{section}] of {path}.",
                               key=key, section=section, path=str(p))
            want = type(values[section][key])
            if want is int and isinstance(value, bool) or not isinstance(value, want):
                raise BadInput("Option {key} in [{section}] must be a {type}.",
                               key=key, section=section, type=want.__name__)
            try:
                value = REGISTRY[f"{section}.{key}"].clean(value)
            except BadInput as exc:
                raise BadInput(N_("Option {key} in [{section}] of {path}: {reason}"),
                               key=key, section=section, path=str(p), reason=exc.message) from None
            values[section][key] = value
    # A bad starting value changes nothing: the kiosk starts on the built-in default
    # (staff can set it on the screen), and the log says which entry and why.
    defaults, problems = starting_values(values, table)
    for problem in problems:
        log.warning("%s (%s)", problem.render("en"), p)
    return Config(values, defaults, p, tuple(problems))


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
    lines += ["", "# Starting values of settings staff can change on the screen (docs/settings.md).",
              "# A value that does not fit is logged and the built-in default used.", "[defaults]"]
    for s in REGISTRY.values():
        if DEFAULTS in s.sources and s.default is not None:
            lines.append(f"# {s.key} = {_toml_value(s.default)}")
    return "\n".join(lines + [""])
