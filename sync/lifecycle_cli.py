"""``nanum hub export-member | erase-member``: a resident's right of access and erasure,
asked of the city rather than at a centre or on the resident page (sync.hub.lifecycle)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from collections.abc import Callable
from typing import Any

from sync.cli import Handler, _check_new_file, _db, _write_secret


def register(hub: argparse._SubParsersAction[Any], command: Callable[[str], Callable[[Handler], Handler]]) -> None:
    """Add the member-lifecycle commands to ``nanum hub``."""
    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", default=os.environ.get("NANUM_HUB_DB"),
                       help="platform database (default $NANUM_HUB_DB)")
        p.add_argument("member", help="membership number")
        p.add_argument("--by", required=True, help="the administrator asking (logged)")
        p.add_argument("--why", required=True, help="why (logged; the member sees it)")
        return p

    s = with_db(hub.add_parser("export-member", help="everything the platform keeps about a member, as JSON "
                                                     "(the look is logged and shown to the member)"))
    s.add_argument("--file", required=True, metavar="FILE", help="a new file (mode 0600) for the export")
    with_db(hub.add_parser("erase-member", help="erase a member on their request: every kiosk forgets "
                                                "them at its next sync"))
    for name, fn in (("hub export-member", hub_export_member), ("hub erase-member", hub_erase_member)):
        command(name)(fn)


def hub_export_member(args: argparse.Namespace) -> int:
    from sync.hub import lifecycle

    _check_new_file(args.file)
    data = lifecycle.export_for_admin(_db(args), args.member, by=args.by, why=args.why,
                                      now=dt.datetime.now(dt.UTC))
    _write_secret(args.file, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
    number = data["member"]["number"]
    args.out.emit({"member": number, "file": args.file},
                  [args.out.t("The data kept about member {member} is in {path}. Give it to them, then delete "
                              "the file.", member=number, path=args.file)])
    return 0


def hub_erase_member(args: argparse.Namespace) -> int:
    from sync.hub import lifecycle

    lifecycle.erase_for_admin(_db(args), args.member, by=args.by, why=args.why, now=dt.datetime.now(dt.UTC))
    number = args.member.strip().upper()
    args.out.emit({"ok": True, "member": number},
                  [args.out.t("Member {member} is erased on the platform; every kiosk forgets them at its "
                              "next sync.", member=number)])
    return 0
