"""Cameras and codes from the command line: ``nanum scan`` and ``nanum cameras``."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli.base import Commands, arg, open_kiosk

commands = Commands()


@commands.add("scan", "decode codes in image files", arg("files", nargs="+"))
def cmd_scan(args: argparse.Namespace) -> int:
    from hardware.commands import scan_files
    from kiosk.codes import DEFAULT_BASE_URL

    base = DEFAULT_BASE_URL
    if Path(args.data_dir).exists():
        kiosk = open_kiosk(args, need_init=False)
        base = kiosk.base_url
    found = scan_files(args.files, base)
    args.out.emit(found, [f"{f['file']}\t{f['kind']}\t{f['format']}\t"
                          f"{'{:.0f},{:.0f}'.format(*f['centre'])}\t{f['text']}" for f in found])
    return 0 if found else 1


@commands.add("cameras", "list cameras with their frame rate and decode time")
def cmd_cameras(args: argparse.Namespace) -> int:
    from hardware.commands import list_cameras

    cams = list_cameras()
    args.out.emit(cams, [f"{c['device']}\t{c['width']}x{c['height']}\t{c['fps']:.1f} fps\t"
                         f"{c['decode_ms']:.1f} ms" for c in cams] or [args.out.t("No camera found.")])
    return 0
