"""The lending desk: checkout, return, renew, reserve, and the loan and transfer lists."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kiosk.cli.base import Commands, arg, open_kiosk
from kiosk.i18n import N_

if TYPE_CHECKING:
    from kiosk.services.views import ItemOutcome

commands = Commands()


def _outcome_line(args: argparse.Namespace, o: ItemOutcome, done_msgid: str) -> str:
    """One line for a loan or a renewal: the due date, or why it was refused."""
    if o.ok and o.due is not None:
        return str(args.out.t(done_msgid, item=o.item, due=o.due.isoformat()))
    reason = o.error.render(args.lang) if o.error is not None else (o.reason or "")
    return str(args.out.t("{item}: refused. {reason}", item=o.item, reason=reason))


@commands.add(
    "checkout", "lend items to a member",
    arg("member", help="member card payload (or membership number)"),
    arg("items", nargs="+", help="item label payloads or codes"),
    arg("--override-by", help="staff member overriding a member rule"),
    arg("--reason", help="reason for the override"))
def cmd_checkout(args: argparse.Namespace) -> int:
    from kiosk.services.circulation import Override

    kiosk = open_kiosk(args)
    override = Override(args.override_by, args.reason or "") if args.override_by else None
    result = kiosk.circulation.checkout(args.member, args.items, override=override)
    lines = [_outcome_line(args, o, N_("{item}: lent, due {due}.")) for o in result.outcomes]
    args.out.emit([o.to_json(args.lang) for o in result.outcomes], lines)
    return 0 if all(o.ok for o in result.outcomes) else 1


@commands.add(
    "return", "take an item back",
    arg("item"),
    arg("--parts", type=int, help="parts counted"),
    arg("--damaged", metavar="NOTE", help="what is damaged"))
def cmd_return(args: argparse.Namespace) -> int:
    kiosk = open_kiosk(args)
    r = kiosk.circulation.return_item(args.item, parts_counted=args.parts, damaged_note=args.damaged)
    where = {"shelf": N_("Put it on the return shelf."),
             "reservation_shelf": N_("Put it on the reservation shelf: someone is waiting for it."),
             "staff": N_("Please hand it to staff for a check."),
             "transfer": N_("It belongs to {site}: put it on the shelf for other centres' items; "
                            "staff send it home.")}[r.destination]
    args.out.emit(r.to_json(args.lang), [args.out.t("{item} returned.", item=r.item.code),
                                         args.out.t(where, site=r.item.home_site)])
    return 0


@commands.add("renew", "renew a loan", arg("item"))
def cmd_renew(args: argparse.Namespace) -> int:
    o = open_kiosk(args).circulation.renew(args.item)
    args.out.emit(o.to_json(args.lang), [_outcome_line(args, o, N_("{item}: renewed, due {due}."))])
    return 0 if o.ok else 1


@commands.add("reserve", "hold an item for a member or join its waiting list", arg("member"), arg("item"))
def cmd_reserve(args: argparse.Namespace) -> int:
    status = open_kiosk(args).circulation.reserve(args.member, args.item)
    args.out.emit({"item": args.item, "status": status},
                  [args.out.t("Held for pickup.") if status == "held" else args.out.t("Added to the waiting list.")])
    return 0


@commands.add("loans", "list loans", arg("--open", action="store_true"), arg("--overdue", action="store_true"))
def cmd_loans(args: argparse.Namespace) -> int:
    loans = open_kiosk(args, read_only=True).circulation.loans(open_only=args.open, overdue_only=args.overdue)
    args.out.emit([loan.to_json() for loan in loans],
                  [f"{loan.item_code}\t{loan.member_number or '-'}\t{loan.due_on}\t"
                   f"{loan.returned_at or ''}\t{loan.item_name}" for loan in loans])
    return 0


@commands.add("transfers", "items to send to their home centres and items coming home")
def cmd_transfers(args: argparse.Namespace) -> int:
    from kiosk.services.transfers import open_transfers

    found = open_transfers(open_kiosk(args, read_only=True))
    lines = [args.out.t("To send to their home centres: {count}", count=len(found.to_send))]
    lines += [f"  {t.item.home_site}/{t.item.code}\t{t.item.name_ko}\t{t.started_at}" for t in found.to_send]
    lines.append(args.out.t("Coming home from other centres: {count}", count=len(found.to_expect)))
    lines += [f"  {t.item.code}\t{t.item.name_ko}\t{t.from_site}\t{t.started_at}" for t in found.to_expect]
    args.out.emit(found.to_json(), lines)
    return 0
