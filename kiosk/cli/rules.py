"""The lending rules staff set: ``nanum rules list|fee|policy|set|clear|photo-days``.

Fees per member type, what a lapsed fee does at the kiosk (block or warn), and per
item or category (``category:tool``) a deposit, a qualification, adults only, a
minimum of months of membership and a maintenance schedule.
"""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli.base import Commands, arg, open_kiosk, whole
from kiosk.errors import BadInput
from kiosk.i18n import N_
from kiosk.limits import FEE_MAX, MEMBERSHIP_MONTHS_MAX, RULE_INTERVAL_MAX

commands = Commands()
commands.group("rules", "lending rules: fees, deposits, qualifications, maintenance")

#: the item rule's settings, in the order they are shown
FIELDS = ("deposit", "qualification", "adults_only", "min_membership_months", "every_loans", "every_days",
          "battery_weeks", "task")


def _rule(view: Any) -> dict[str, Any]:
    return {"target": view.scope, **{f: getattr(view, f) for f in FIELDS}}


def _describe(args: argparse.Namespace, rule: dict[str, Any]) -> str:
    t = args.out.t
    bits = []
    if rule["deposit"]:
        bits.append(t("deposit {amount} won", amount=rule["deposit"]))
    if rule["qualification"]:
        bits.append(t("needs “{name}”", name=rule["qualification"]))
    if rule["adults_only"]:
        bits.append(t("adults only"))
    if rule["min_membership_months"]:
        bits.append(t("after {months} months of membership", months=rule["min_membership_months"]))
    if rule["every_loans"]:
        bits.append(t("{task} every {count} loans", task=rule["task"], count=rule["every_loans"]))
    if rule["every_days"]:
        bits.append(t("{task} every {count} days", task=rule["task"], count=rule["every_days"]))
    if rule["battery_weeks"]:
        bits.append(t("battery check every {count} weeks", count=rule["battery_weeks"]))
    return f"{rule['target']}\t" + ("; ".join(bits) or t("no rule"))


@commands.add("rules list", "show the fees per member type, the lapsed-fee policy and the item rules")
def cmd_rules_list(args: argparse.Namespace) -> int:
    kiosk = open_kiosk(args, read_only=True)
    plans = kiosk.rules.fee_plans()
    policy = kiosk.setting("fee_policy")
    photo_days = kiosk.setting("condition_photo_days")
    rules = [_rule(v) for v in kiosk.rules.rules()]
    t = args.out.t
    lines = [t("Membership fee of {type}: {amount} won every {months} months", type=kind, amount=amount,
               months=months) for kind, (amount, months) in sorted(plans.items())]
    lines.append(t("A lapsed fee: {policy}", policy=t(N_("blocks borrowing")) if policy == "block"
                   else t(N_("only warns"))))
    lines.append(t("Condition photos are kept {days} days.", days=photo_days))
    lines += [_describe(args, r) for r in rules]
    args.out.emit({"fees": {k: {"amount": a, "period_months": m} for k, (a, m) in plans.items()},
                   "fee_policy": policy, "condition_photo_days": photo_days, "rules": rules}, lines)
    return 0


@commands.add("rules fee", "set the membership fee of a member type (0: no fee)",
              arg("member_type", metavar="MEMBER_TYPE"),
              arg("amount", type=whole(0, FEE_MAX), metavar="WON"),
              arg("--months", type=whole(1, 120), default=12, help="the period one payment covers (default 12)"))
def cmd_rules_fee(args: argparse.Namespace) -> int:
    kiosk = open_kiosk(args)
    kiosk.rules.set_fee_plan(args.member_type, args.amount, args.months, actor="cli")
    args.out.emit({"member_type": args.member_type, "amount": args.amount, "period_months": args.months},
                  [args.out.t("Membership fee of {type}: {amount} won every {months} months",
                              type=args.member_type, amount=args.amount, months=args.months)])
    return 0


@commands.add("rules policy", "what a lapsed membership fee does at the kiosk",
              arg("policy", choices=["block", "warn"]))
def cmd_rules_policy(args: argparse.Namespace) -> int:
    from kiosk import settings

    kiosk = open_kiosk(args)
    value = settings.validate("fee_policy", args.policy)
    with kiosk.transaction() as s:
        kiosk.set_setting(s, "fee_policy", value)
    args.out.emit({"fee_policy": value},
                  [args.out.t("A lapsed fee: {policy}", policy=args.out.t(N_("blocks borrowing"))
                              if value == "block" else args.out.t(N_("only warns")))])
    return 0


def _flag(value: str) -> bool:
    if value not in ("yes", "no"):
        raise argparse.ArgumentTypeError("yes or no")
    return value == "yes"


@commands.add(
    "rules set", "set the rule of an item (its code) or a category (category:NAME); "
                 "settings left out keep their value",
    arg("target", metavar="ITEM|category:NAME"),
    arg("--deposit", type=whole(0, FEE_MAX), metavar="WON", help="staff take it at checkout (0: none)"),
    arg("--qualification", metavar="NAME", help="e.g. 안전교육 이수 ('' : none)"),
    arg("--adults-only", type=_flag, metavar="yes|no"),
    arg("--min-months", type=whole(0, MEMBERSHIP_MONTHS_MAX), metavar="N",
        help="months of membership before it is lent"),
    arg("--every-loans", type=whole(0, RULE_INTERVAL_MAX), metavar="N", help="maintenance after every N loans"),
    arg("--every-days", type=whole(0, RULE_INTERVAL_MAX), metavar="N", help="maintenance every N days"),
    arg("--battery-weeks", type=whole(0, RULE_INTERVAL_MAX), metavar="N", help="battery check every N weeks"),
    arg("--task", metavar="TEXT", help="the maintenance task (e.g. 날 점검)"))
def cmd_rules_set(args: argparse.Namespace) -> int:
    kiosk = open_kiosk(args)
    given = {"deposit": args.deposit, "qualification": args.qualification, "adults_only": args.adults_only,
             "min_membership_months": args.min_months, "every_loans": args.every_loans,
             "every_days": args.every_days, "battery_weeks": args.battery_weeks, "task": args.task}
    if all(v is None for v in given.values()):
        raise BadInput(N_("Say what to set: --deposit, --qualification, --adults-only, --min-months, "
                          "--every-loans, --every-days, --battery-weeks or --task."))
    view = kiosk.rules.update_rule(args.target, actor="cli", **given)
    rule = _rule(view)
    args.out.emit(rule, [_describe(args, rule)])
    return 0


@commands.add("rules clear", "remove the rule of an item or a category",
              arg("target", metavar="ITEM|category:NAME"))
def cmd_rules_clear(args: argparse.Namespace) -> int:
    kiosk = open_kiosk(args)
    cleared = kiosk.rules.clear_rule(args.target, actor="cli")
    args.out.emit({"target": args.target, "cleared": cleared},
                  [args.out.t("The rule of {target} was removed.", target=args.target) if cleared
                   else args.out.t("{target} has no rule of its own.", target=args.target)])
    return 0


@commands.add("rules photo-days", "how many days a condition photo taken at a return is kept",
              arg("days", type=whole(1, 3650), metavar="DAYS"))
def cmd_rules_photo_days(args: argparse.Namespace) -> int:
    from kiosk import settings

    kiosk = open_kiosk(args)
    days = settings.validate("condition_photo_days", args.days)
    with kiosk.transaction() as s:
        kiosk.set_setting(s, "condition_photo_days", days)
    args.out.emit({"condition_photo_days": days},
                  [args.out.t("Condition photos are kept {days} days.", days=days)])
    return 0
