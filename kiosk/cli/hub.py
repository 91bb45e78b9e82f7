"""``nanum hub ...`` (the reference platform) and ``nanum sync ...``: declared by the sync wing.

Only the parsers are built here; FastAPI, uvicorn and httpx load when a command runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from kiosk.cli.base import Handler, Parser


def add_to(sub: argparse._SubParsersAction[Parser], handlers: dict[str, Handler]) -> None:
    """Add the sync wing's commands to ``sub``; their handlers go into ``handlers``."""
    from sync.cli import register

    def command(name: str) -> Callable[[Handler], Handler]:
        def keep(fn: Handler) -> Handler:
            handlers[name] = fn
            return fn
        return keep
    register(sub, command)
