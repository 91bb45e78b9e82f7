"""What every ``nanum`` command shares: how it declares itself, its output, its kiosk.

A command is a handler and the arguments it reads, declared together::

    commands = Commands()

    @commands.add("renew", "renew a loan", arg("item"))
    def cmd_renew(args: argparse.Namespace) -> int: ...

:mod:`kiosk.cli` puts every wing's :class:`Commands` on one parser.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kiosk.errors import BadInput
from kiosk.i18n import LANGUAGES, N_, translate
from kiosk.limits import echo, printable

if TYPE_CHECKING:
    import datetime as dt

    from kiosk.services.core import Kiosk

#: a command's handler: parsed arguments in, exit status out
Handler = Callable[[argparse.Namespace], int]
Parser = TypeVar("Parser", bound=argparse.ArgumentParser)


@dataclass(frozen=True)
class Arg:
    """One ``add_argument`` call, kept until the parser is built."""

    flags: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


def arg(*flags: str, **options: Any) -> Arg:
    """An argument of a command, written as for ``ArgumentParser.add_argument``."""
    return Arg(flags, options)


@dataclass(frozen=True)
class Command:
    name: str  # "renew", or "item add" inside the group "item"
    help: str
    handler: Handler
    arguments: tuple[Arg, ...]


@dataclass(frozen=True)
class Group:
    name: str
    help: str


class Commands:
    """One wing's commands, in the order ``nanum --help`` lists them."""

    def __init__(self) -> None:
        self.entries: list[Command | Group] = []

    def group(self, name: str, help: str) -> None:
        """A command that only holds sub-commands (``nanum item add``)."""
        self.entries.append(Group(name, help))

    def add(self, name: str, help: str, *arguments: Arg) -> Callable[[Handler], Handler]:
        """Register the decorated handler as ``nanum NAME`` with these arguments."""
        def register(fn: Handler) -> Handler:
            self.entries.append(Command(name, help, fn, arguments))
            return fn
        return register

    def handlers(self) -> dict[str, Handler]:
        return {c.name: c.handler for c in self.entries if isinstance(c, Command)}

    def add_to(self, sub: argparse._SubParsersAction[Parser]) -> None:
        """Add these commands' parsers to ``nanum``'s sub-commands."""
        groups: dict[str, argparse._SubParsersAction[Parser]] = {}
        for entry in self.entries:
            if isinstance(entry, Group):
                groups[entry.name] = sub.add_parser(entry.name, help=entry.help).add_subparsers(
                    dest="sub", required=True)
                continue
            head, _, tail = entry.name.partition(" ")
            p = groups[head].add_parser(tail, help=entry.help) if tail else sub.add_parser(head, help=entry.help)
            for a in entry.arguments:
                p.add_argument(*a.flags, **a.options)


class CommandParser(argparse.ArgumentParser):
    """A command's parser: ``--json`` and ``--lang`` are taken after the command too.

    Users type ``nanum scan photo.png --json`` as often as ``nanum --json scan
    photo.png``. The defaults are suppressed so the value given before the
    command stands unless the command repeats it. A command may still declare
    its own ``--lang`` (screenshots: the screens' language): it replaces this one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("conflict_handler", "resolve")
        super().__init__(*args, **kwargs)
        self.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print machine-readable JSON")
        self.add_argument("--lang", choices=sorted(LANGUAGES), default=argparse.SUPPRESS,
                          help="language of messages")


class Output:
    """Where results go: JSON on stdout, or readable lines."""

    def __init__(self, as_json: bool, lang: str) -> None:
        self.json = as_json
        self.lang = lang

    def emit(self, data: Any, lines: Sequence[str] = ()) -> None:
        if self.json:
            json.dump(data, sys.stdout, ensure_ascii=False, indent=1, default=str)
            sys.stdout.write("\n")
        else:
            for line in lines:
                # Names come from people and files: no escape sequence reaches the terminal.
                print(printable(line, multiline=True))

    def t(self, msgid: str, **params: Any) -> str:
        return translate(msgid, self.lang, **params)


def default_data_dir(config_dir: str = "") -> Path:
    """--data-dir, else $NANUM_DATA_DIR, else the config file's, else the user data folder."""
    env = os.environ.get("NANUM_DATA_DIR")
    if env:
        return Path(env)
    if config_dir:
        return Path(config_dir)
    import platformdirs

    return Path(platformdirs.user_data_dir("nanum-kiosk", appauthor=False))


def open_kiosk(args: argparse.Namespace, need_init: bool = True, read_only: bool = False) -> Kiosk:
    """The kiosk of --data-dir; ``read_only`` for listings (they work on a read-only disk)."""
    from kiosk.services import open_kiosk as open_data_dir

    kiosk = open_data_dir(args.data_dir, defaults=args.config.defaults, read_only=read_only)
    if need_init and not kiosk.initialised:
        raise BadInput("This kiosk is not set up yet. Run 'nanum init' first.")
    return kiosk


def whole(low: int, high: int) -> Callable[[str], int]:
    """An argument type: a whole number in [low, high], ASCII digits only (exit 2 otherwise)."""
    def parse(text: str) -> int:
        t = text.strip()
        if not re.fullmatch(r"-?[0-9]{1,20}", t) or not low <= int(t) <= high:
            raise argparse.ArgumentTypeError(
                translate(N_("{value} is not a whole number from {low} to {high}."),
                          value=echo(text), low=low, high=high))
        return int(t)
    return parse


def date_arg(text: str) -> dt.date:
    """A YYYY-MM-DD argument as a date (bad input otherwise)."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput("Not a date: {value}. Write it like 2026-12-31.", value=text) from None


def screen_size(text: str) -> tuple[int, int]:
    """``1920x1080`` as (width, height); anything else is bad input."""
    size = text.lower()
    if not (size.count("x") == 1 and all(v.isascii() and v.isdigit() for v in size.split("x"))):
        raise BadInput("Not a screen size: {size}. Write it like 1920x1080.", size=text)
    width, height = (int(v) for v in size.split("x"))
    return width, height


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """A file that cannot be written is bad input, not a crash."""
    try:
        yield
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
        raise BadInput("Cannot write {path}: {reason}", path=echo(path), reason=reason) from exc
