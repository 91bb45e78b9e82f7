"""Setting a kiosk up: ``nanum init`` and ``nanum demo-data``."""

from __future__ import annotations

import argparse

from kiosk.cli.base import Commands, arg, open_kiosk
from kiosk.errors import BadInput
from kiosk.i18n import N_

SETUP_CODE_LINE = N_("Set-up code for the first staff account on the screen: {code}. "
                     "Keep it until a manager account exists.")

commands = Commands()


@commands.add(
    "init", "set up this kiosk for a site",
    arg("--site", default="DEMO"),
    arg("--site-name", default="나눔 데모 센터"),
    arg("--kiosk-id"),
    arg("--base-url", help="city platform address printed in item labels"),
    arg("--replacing", action="store_true",
        help="this computer replaces kiosk --kiosk-id, whose data was lost: configure sync "
             "with that kiosk's credential and sync before lending"))
def cmd_init(args: argparse.Namespace) -> int:
    kiosk = open_kiosk(args, need_init=False)
    if args.replacing and not args.kiosk_id:
        raise BadInput("Name the kiosk this one replaces with --kiosk-id.")
    kiosk.initialise(args.site, args.site_name, kiosk_id=args.kiosk_id, base_url=args.base_url,
                     replacing=args.replacing)
    if args.replacing:
        from kiosk.services import recovery

        recovery.mark_pending(kiosk, "replacement")
    lines = [args.out.t("Kiosk {kiosk} set up for site {site} in {path}.",
                        kiosk=kiosk.kiosk_id, site=kiosk.site, path=str(args.data_dir))]
    result = {"site": kiosk.site, "kiosk_id": kiosk.kiosk_id, "data_dir": str(args.data_dir)}
    from kiosk.services.staff import Staff

    staff = Staff(kiosk)
    if staff.needs_first_manager():
        # The staff door of a fresh kiosk asks for this code before anyone can become manager.
        result["setup_code"] = code = staff.issue_setup_code()
        lines.append(args.out.t(SETUP_CODE_LINE, code=code))
    args.out.emit(result, lines)
    return 0


@commands.add("demo-data", "load a realistic demo centre")
def cmd_demo_data(args: argparse.Namespace) -> int:
    from kiosk.demo import load_demo_data

    kiosk = open_kiosk(args)
    summary = load_demo_data(kiosk)
    args.out.emit(summary.to_json(), [args.out.t("Demo data loaded: {items} items, {members} members.",
                                                 items=len(summary.items), members=len(summary.members))])
    return 0
