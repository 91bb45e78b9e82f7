"""The ``nanum`` command: the composition root that wires the wings.

Each module of this package declares its commands with their arguments
(:mod:`kiosk.cli.base`); only this package may import ``ui``, ``hardware``
and ``sync`` from ``kiosk`` (the import contracts in pyproject.toml).

Exit status: 0 done, 1 refused by a lending rule, 2 bad usage or bad input,
3 storage failure (disk full, read-only, locked, damaged). Messages go to
stderr in the chosen language; ``--json`` prints machine-readable results.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk import __version__
from kiosk.cli import catalogue, desk, documents, hub, install, maintenance, members, rules, run, scan
from kiosk.cli.base import CommandParser, Commands, Handler, Output, default_data_dir
from kiosk.cli.run import _camera_spec, _start_sync
from kiosk.errors import KioskError, Refused
from kiosk.i18n import DEFAULT_LANGUAGE, LANGUAGES, set_language
from kiosk.limits import printable

__all__ = ["Output", "_camera_spec", "_start_sync", "build_parser", "default_data_dir", "main"]

log = logging.getLogger("nanum")

#: the kiosk's commands, wing by wing, in the order ``nanum --help`` lists them
WINGS: tuple[Commands, ...] = (install.commands, catalogue.commands, members.commands, desk.commands,
                               rules.commands, maintenance.commands, scan.commands, documents.commands,
                               run.commands)


def build_parser(handlers: dict[str, Handler] | None = None) -> argparse.ArgumentParser:
    """The ``nanum`` parser; ``handlers`` receives each command's handler by name ("item add")."""
    handlers = {} if handlers is None else handlers
    p = argparse.ArgumentParser(prog="nanum", description="Nanum Kiosk: self-service lending for sharing centres")
    p.add_argument("--version", action="version", version=f"nanum {__version__}")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="data folder (default: $NANUM_DATA_DIR or the user data folder)")
    p.add_argument("--config", type=Path, default=None,
                   help="configuration file (default: $NANUM_CONFIG or /etc/nanum-kiosk/config.toml)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.add_argument("--lang", choices=sorted(LANGUAGES), default=os.environ.get("NANUM_LANG", DEFAULT_LANGUAGE),
                   help="language of messages (default ko)")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND", parser_class=CommandParser)
    for wing in WINGS:
        wing.add_to(sub)
        handlers.update(wing.handlers())
    hub.add_to(sub, handlers)  # nanum hub ..., nanum sync
    return p


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("NANUM_LOG", "WARNING"))
    handlers: dict[str, Handler] = {}
    parser = build_parser(handlers)
    # Argument checks already speak the chosen language.
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang", default=os.environ.get("NANUM_LANG", DEFAULT_LANGUAGE))
    lang = early.parse_known_args(argv)[0].lang
    set_language(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    args = parser.parse_args(argv)
    set_language(args.lang)
    args.out = Output(args.json, args.lang)
    name = args.cmd + (f" {args.sub}" if getattr(args, "sub", None) else "")
    try:
        from kiosk.config import load_config

        args.config = load_config(args.config)
        args.data_dir = args.data_dir or default_data_dir(args.config.get("kiosk", "data_dir"))
        return handlers[name](args)
    except Refused as exc:
        print(exc.render(args.lang), file=sys.stderr)
        return 1
    except KioskError as exc:
        print(printable(exc.render(args.lang), multiline=True), file=sys.stderr)
        return exc.exit_code
