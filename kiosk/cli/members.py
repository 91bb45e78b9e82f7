"""Members and staff accounts: ``nanum member add``, ``nanum members``, ``nanum staff ...``."""

from __future__ import annotations

import argparse

from kiosk.cli.base import Commands, arg, date_arg, open_kiosk
from kiosk.errors import BadInput
from kiosk.i18n import LANGUAGES, N_

commands = Commands()
commands.group("member", "members")

ROLE_NAMES = {"manager": N_("manager"), "volunteer": N_("volunteer")}


@commands.add(
    "member add", "register a member who agreed to the sign-up consent (prints the card code once)",
    arg("name"),
    arg("--type", default="standard"),
    arg("--contact"),
    arg("--pin"),
    arg("--language", default="ko", choices=sorted(LANGUAGES)),
    arg("--consent-version", metavar="VERSION",
        help="the version of the consent wording the member agreed to (default: the current one); "
             "the date recorded is today's"),
    arg("--child", action="store_true",
        help="the member is under 14: their guardian's consent is needed (--guardian-name, "
             "--guardian-relation)"),
    arg("--guardian-name"),
    arg("--guardian-relation", choices=["parent", "grandparent", "legal_guardian", "other"]),
    arg("--guardian-agreed-on", type=date_arg, metavar="YYYY-MM-DD",
        help="the day the guardian agreed (default: today)"))
def cmd_member_add(args: argparse.Namespace) -> int:
    from kiosk.services.lifecycle import CONSENT_VERSION, Guardian, Lifecycle

    kiosk = open_kiosk(args)
    life = Lifecycle(kiosk)
    guardian = None
    if args.guardian_name is not None or args.guardian_relation is not None:
        if not args.child:
            raise BadInput(N_("Guardian details are for a member under 14: add --child."))
        guardian = Guardian(args.guardian_name or "", args.guardian_relation or "",
                            args.guardian_agreed_on or kiosk.today())
    version = (args.consent_version or CONSENT_VERSION).strip()
    if not version or len(version) > 16 or not version.isprintable():
        raise BadInput(N_("A consent version is up to 16 characters, like {example}."), example=CONSENT_VERSION)
    # Checked before the member exists, so a refused child leaves nothing behind.
    life.check_guardian(args.child, guardian)
    member, card = life.register(args.name, args.type, child=args.child, guardian=guardian, version=version,
                                 contact=args.contact, pin=args.pin, language=args.language)
    consent = life.consent(member.number)
    data = member.to_json() | {"card": card, "consent": consent.to_json() if consent else None}
    args.out.emit(data, [args.out.t("Member {number} registered. Card code (shown once): {card}",
                                    number=member.number, card=card),
                         args.out.t("Consent {version} recorded on {date}.", version=version,
                                    date=kiosk.today().isoformat())])
    return 0


@commands.add("members", "list members")
def cmd_members(args: argparse.Namespace) -> int:
    members = open_kiosk(args, read_only=True).members.list()
    args.out.emit([m.to_json() for m in members],
                  [f"{m.number}\t{m.member_type}\t{m.status}\t{m.expires_on}\t{m.display_name}"
                   for m in members])
    return 0


commands.group("staff", "staff accounts")


@commands.add(
    "staff add", "add a staff member (the first one must be a manager)",
    arg("name"),
    arg("--role", choices=["manager", "volunteer"], required=True),
    arg("--pin", help="4 to 8 digits (asked for when left out)"))
def cmd_staff_add(args: argparse.Namespace) -> int:
    from kiosk.services.staff import MANAGER, Staff

    kiosk = open_kiosk(args)
    pin = args.pin
    if pin is None:
        import getpass

        pin = getpass.getpass(args.out.t("PIN (4 to 8 digits): "))
        if getpass.getpass(args.out.t("The same PIN again: ")) != pin:
            raise BadInput(N_("The two PINs are not the same."))
    staff = Staff(kiosk)
    if staff.needs_first_manager():
        if args.role != MANAGER:
            raise BadInput(N_("The first staff account must be a manager."))
        who = staff.create_first_manager(args.name, pin)
    else:
        who = staff.add(args.name, args.role, pin, by=None)
    args.out.emit(who.to_json(), [args.out.t("Staff member {name} added as {role}.",
                                             name=who.name, role=args.out.t(ROLE_NAMES[who.role]))])
    return 0


@commands.add("staff setup-code", "print a new set-up code for creating the first manager on the screen")
def cmd_staff_setup_code(args: argparse.Namespace) -> int:
    from kiosk.cli.install import SETUP_CODE_LINE
    from kiosk.services.staff import Staff

    code = Staff(open_kiosk(args)).issue_setup_code()
    args.out.emit({"setup_code": code}, [args.out.t(SETUP_CODE_LINE, code=code)])
    return 0


@commands.add("staff list", "list staff accounts")
def cmd_staff_list(args: argparse.Namespace) -> int:
    from kiosk.services.staff import Staff

    people = Staff(open_kiosk(args)).list(include_inactive=True)
    args.out.emit([p.to_json() for p in people],
                  [f"{p.name}\t{p.role}\t{'active' if p.active else 'off'}" for p in people])
    return 0
