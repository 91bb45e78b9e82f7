"""``nanum hub rollout ACTION``: staged updates of the kiosks in rings (sync.hub.rollout).

    nanum hub rollout start 0.2.0 --canary GN01,MP01 --districts 강남구 --soak-hours 24 --by it-kim
    nanum hub rollout status
    nanum hub rollout advance --by it-kim        # refused until the open ring is healthy
    nanum hub rollout halt --by it-kim --why "printer errors at GN01"
    nanum hub rollout rollback --by it-kim --why "..."   # kiosks go back to the previous version
    nanum hub rollout resume --by it-kim
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from sync.cli import Handler, _db

ACTIONS = ("start", "status", "advance", "halt", "rollback", "resume")


def register(hub: argparse._SubParsersAction[Any], command: Callable[[str], Callable[[Handler], Handler]]) -> None:
    """Add ``nanum hub rollout`` (docs/updates.md)."""
    p = hub.add_parser("rollout", help="staged updates: which kiosks install which version, ring by ring")
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("version", nargs="?", help="start: the package version to roll out")
    p.add_argument("--db", default=os.environ.get("NANUM_HUB_DB"), help="platform database (default $NANUM_HUB_DB)")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.add_argument("--canary", default="", metavar="SITE,SITE", help="start: the canary centres (ring 0)")
    p.add_argument("--districts", default="", metavar="DISTRICT,DISTRICT",
                   help="start: the districts of ring 1 (every other kiosk is ring 2)")
    p.add_argument("--previous", metavar="VERSION",
                   help="start: the version kiosks run now (rollback sends them back to it; default: the "
                        "previous rollout's version)")
    p.add_argument("--soak-hours", type=int, default=24,
                   help="start: hours every kiosk of a ring runs the version without a problem before the "
                        "next ring may follow (default 24)")
    p.add_argument("--force", action="store_true", help="advance: open the next ring although the open one "
                                                        "is not healthy (recorded in the history)")
    p.add_argument("--by", default=os.environ.get("USER", "admin"), help="who does it (recorded)")
    p.add_argument("--why", default="", help="halt, rollback: why (recorded)")
    command("hub rollout")(hub_rollout)


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def hub_rollout(args: argparse.Namespace) -> int:
    from kiosk.errors import BadInput
    from sync.hub import rollout

    db = _db(args)
    now = dt.datetime.now(dt.UTC)
    if args.action == "start":
        if not args.version:
            raise BadInput("Name the version to roll out: nanum hub rollout start VERSION --canary SITE.")
        rid = rollout.start(db, args.version, canary=_names(args.canary), districts=_names(args.districts),
                            now=now, by=args.by, previous=args.previous, soak_hours=args.soak_hours)
        args.out.emit({"rollout": rid, "version": args.version, "ring": rollout.CANARY},
                      [args.out.t("Rollout {id} of {version} started: the canary centres install it first.",
                                  id=rid, version=args.version)])
        return 0
    if args.action == "advance":
        ring = rollout.advance(db, now, by=args.by, force=args.force)
        args.out.emit({"ring": ring}, [args.out.t("Ring {ring} is open: its kiosks install the version now.",
                                                  ring=ring)])
        return 0
    if args.action in ("halt", "rollback", "resume"):
        new = {"halt": rollout.HALTED, "rollback": rollout.ROLLED_BACK, "resume": rollout.ROLLING}[args.action]
        rollout.set_status(db, now, new, by=args.by, why=args.why)
    state = rollout.status(db, now)
    lines = [args.out.t("Rollout {id}: {version} ({status}), ring {ring} open since {since}.",
                        id=state["id"], version=state["version"], status=state["status"], ring=state["ring"],
                        since=state["ring_opened_at"])]
    lines += [f"  {k['kiosk_id']}\t{k['site']}\t{k['version'] or '-'}\t"
              f"{'healthy' if k['healthy'] else k['blocker']}" for k in state["kiosks"]]
    lines.append(args.out.t("The next ring may follow.") if state["can_advance"] else
                 args.out.t("The next ring may not follow yet."))
    args.out.emit(state, lines)
    return 0


# -- the kiosk's side --------------------------------------------------------------------------
#: what a package version may hold (Debian's characters): nothing else reaches apt-get
_VERSION = re.compile(r"^[0-9][A-Za-z0-9.+~:-]{0,39}$")


def sync_update_check(args: argparse.Namespace) -> int:
    """``nanum sync update-check``: the version the platform says this kiosk should install
    (``GET /api/v1/update``); packaging/debian/nanum-update installs it."""
    from kiosk import __version__
    from sync.cli import _kiosk, sync_settings
    from sync.client import SyncClient, SyncError

    k = _kiosk(args)
    conf = sync_settings(args, k)
    try:
        with SyncClient(conf["url"], conf["credential"], ca_bundle=conf["ca_bundle"],
                        allow_insecure_http=conf["allow_insecure_http"]) as client:
            told = client.update_advice()
    except SyncError as exc:
        print(args.out.t("Sync failed: {reason}", reason=exc.message.render(args.lang)), file=sys.stderr)
        return 1
    install = told.get("install")
    if install is not None and not (isinstance(install, str) and _VERSION.match(install)):
        install = None  # not a package version: never handed to apt-get
    due = install is not None and install != __version__
    if args.version_only:
        if due:
            print(install)
        return 0
    data = {"install": install, "due": due, "running": __version__,
            **{key: told.get(key) for key in ("rollout", "version", "status", "ring", "open_ring")}}
    args.out.emit(data, [args.out.t("Install {version} (the platform's staged update).", version=install)
                         if due else args.out.t("Nothing to install: keep {version}.", version=__version__)])
    return 0
