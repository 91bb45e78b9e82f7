"""``nanum hub retention`` and ``nanum hub retention-policy``: how long the platform keeps
what names a member (sync.hub.retention, docs/privacy.md).

    nanum hub retention                      # what the workers run daily; --days overrides the period
    nanum hub retention-policy GN01 --inactive re-consent --months 12
    nanum hub retention-policy               # every centre's policy
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable
from typing import Any

from sync.cli import Handler, _db


def register(hub: argparse._SubParsersAction[Any], command: Callable[[str], Callable[[Handler], Handler]]) -> None:
    """Add the retention commands to ``nanum hub``."""
    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", default=os.environ.get("NANUM_HUB_DB"),
                       help="platform database (default $NANUM_HUB_DB)")
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        return p

    s = with_db(hub.add_parser("retention", help="returned loans and notices past the retention period lose "
                                                 "their member; inactive members follow their centre's policy"))
    s.add_argument("--days", type=int, default=None,
                   help="the retention period in days (default $NANUM_HUB_RETENTION_DAYS, else 365)")
    s = with_db(hub.add_parser("retention-policy", help="what a centre does with inactive members: keep, "
                                                        "re-consent (ask, then erase) or expire (erase)"))
    s.add_argument("site", nargs="?", help="the centre (without it: every centre's policy)")
    s.add_argument("--inactive", choices=("keep", "re-consent", "expire"))
    s.add_argument("--months", type=int, default=12, help="months without activity (default 12)")
    command("hub retention")(hub_retention)
    command("hub retention-policy")(hub_retention_policy)


def hub_retention(args: argparse.Namespace) -> int:
    from sync.hub import retention

    report = retention.run(_db(args), dt.datetime.now(dt.UTC), days=args.days)
    lines = [args.out.t("Returned loans older than {days} days that lost their member: {count}",
                        days=report.days, count=report.loans),
             args.out.t("Old notices deleted: {count}", count=report.notices),
             args.out.t("Inactive members asked to re-consent: {count}", count=len(report.asked)),
             args.out.t("Inactive members erased: {count}", count=len(report.expired))]
    if report.kept_on_loan:
        lines.append(args.out.t("Inactive members kept because they still have items on loan: {members}",
                                members=", ".join(report.kept_on_loan)))
    args.out.emit(report.as_dict(), lines)
    return 0


def hub_retention_policy(args: argparse.Namespace) -> int:
    from sync.hub import retention

    db = _db(args)
    if args.site and args.inactive:
        retention.set_policy(db, args.site, args.inactive, args.months, dt.datetime.now(dt.UTC))
    rows = retention.policies(db)
    if args.site:
        rows = {args.site: rows[args.site]} if args.site in rows else {}
    data = [{"site": site, "inactive": policy, "months": months} for site, (policy, months) in rows.items()]
    args.out.emit(data, [f"{r['site']}\t{r['inactive']}\t{r['months']}" for r in data])
    return 0
