"""The catalogue: ``nanum item add``, ``nanum import``, ``nanum items``."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli.base import Commands, arg, open_kiosk, whole
from kiosk.limits import PART_COUNT_MAX, REPLACEMENT_VALUE_MAX

commands = Commands()
commands.group("item", "catalogue items")


@commands.add(
    "item add", "add an item",
    arg("code"),
    arg("name"),
    arg("--name-en"),
    arg("--name-zh", help="name in Chinese (default: the Korean name is shown)"),
    arg("--name-vi", help="name in Vietnamese (default: the Korean name is shown)"),
    arg("--category", default="tool"),
    arg("--parts", type=whole(0, PART_COUNT_MAX), default=0),
    arg("--value", type=whole(0, REPLACEMENT_VALUE_MAX), default=0, help="replacement value in KRW"),
    arg("--alias", action="append", help="legacy barcode on the item (repeatable)"))
def cmd_item_add(args: argparse.Namespace) -> int:
    kiosk = open_kiosk(args)
    item = kiosk.catalogue.add_item(args.code, args.name, name_en=args.name_en or "",
                                    name_zh=args.name_zh or "", name_vi=args.name_vi or "",
                                    category=args.category, parts=args.parts,
                                    replacement_value=args.value,
                                    aliases=tuple(args.alias or ()))
    args.out.emit(item.to_json(), [args.out.t("Added {code} {name}.", code=item.code, name=item.name_ko)])
    return 0


@commands.add(
    "import", "import items or members from CSV/XLSX",
    arg("kind", choices=["items", "members"]),
    arg("file", type=Path),
    arg("--skip-invalid", action="store_true", help="import good rows even when some are bad"))
def cmd_import(args: argparse.Namespace) -> int:
    from kiosk.services import importer

    kiosk = open_kiosk(args)
    run = importer.import_items if args.kind == "items" else importer.import_members
    report = run(kiosk, args.file, skip_invalid=args.skip_invalid)
    lines = [args.out.t("Row {row}: {message}", row=e.row, message=e.message.render(args.lang))
             for e in report.errors]
    lines.append(args.out.t("Imported {imported} of {total} rows.", imported=report.imported,
                            total=report.total_rows))
    args.out.emit(report.to_json(args.lang), lines)
    if report.errors and not args.skip_invalid:
        return 2
    return 0


@commands.add("items", "list items", arg("--status"))
def cmd_items(args: argparse.Namespace) -> int:
    items = open_kiosk(args, read_only=True).catalogue.list(status=args.status)
    args.out.emit([i.to_json() for i in items],
                  [f"{i.code}\t{i.status}\t{i.parts_total}\t{i.name_ko}" for i in items])
    return 0
