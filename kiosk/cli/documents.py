"""Printed matter: item label sheets and the lending report, as PDF."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli.base import Commands, arg, date_arg, open_kiosk, writing

commands = Commands()


@commands.add(
    "labels", "QR label sheets for items as PDF",
    arg("--out", dest="out_file", type=Path, required=True, help="PDF file to write"),
    arg("--codes", nargs="+", metavar="CODE", help="item codes (default: every item not retired)"),
    arg("--layout", default="a4-24", choices=["a4-24", "a4-65", "62mm"]),
    arg("--skip", type=int, default=0, help="label positions already used on the first sheet"),
    arg("--outlines", action="store_true", help="draw each label's edge (plain paper)"))
def cmd_labels(args: argparse.Namespace) -> int:
    from hardware.labels import LabelSpec, render_labels
    from kiosk.codes import item_label_payload
    from kiosk.services.reports import site_name

    kiosk = open_kiosk(args)
    items = ([kiosk.catalogue.get(code) for code in args.codes] if args.codes
             else [i for i in kiosk.catalogue.list() if i.status != "retired"])
    specs = [LabelSpec(i.code, i.name_ko, item_label_payload(i.code, kiosk.base_url, i.home_site)) for i in items]
    with writing(args.out_file):
        pages = render_labels(specs, args.out_file, args.layout, skip=args.skip,
                              site_name=site_name(kiosk), outlines=args.outlines)
    args.out.emit({"file": str(args.out_file), "labels": len(specs), "pages": pages, "layout": args.layout},
                  [args.out.t("{count} labels on {pages} page(s) written to {path}.",
                              count=len(specs), pages=pages, path=str(args.out_file))])
    return 0


@commands.add(
    "report", "lending report with the city's sharing indicators as PDF",
    arg("--from", dest="start", required=True, metavar="DATE", help="first day, YYYY-MM-DD"),
    arg("--to", dest="end", required=True, metavar="DATE", help="last day, YYYY-MM-DD"),
    arg("--out", dest="out_file", type=Path, required=True, help="PDF file to write"),
    arg("--csv", type=Path, help="also write every figure as CSV"))
def cmd_report(args: argparse.Namespace) -> int:
    from hardware.report_pdf import render_report_pdf, write_report_csv
    from kiosk.services.reports import Reports, site_name

    kiosk = open_kiosk(args, read_only=True)
    report = Reports(kiosk).build(date_arg(args.start), date_arg(args.end))
    with writing(args.out_file):
        render_report_pdf(report, args.out_file, args.lang, site_name(kiosk))
    if args.csv:
        with writing(args.csv):
            write_report_csv(report, args.csv)
    sh = report.sharing
    assert sh is not None  # build() always measures the sharing indicators
    args.out.emit({"file": str(args.out_file), "csv": str(args.csv) if args.csv else None,
                   "loans": report.total_loans, "returns": report.returns,
                   "members_served": report.members_served, "overdue": len(report.overdue),
                   "lost": len(report.lost), "parts_lost": report.parts_lost,
                   "resources_shared": sh.resources_shared, "resources_value": sh.resources_value,
                   "participants": sh.participants, "repeat_participants": sh.repeat_participants},
                  [args.out.t("Report written to {path}.", path=str(args.out_file))])
    return 0
