"""The ``nanum`` command: the composition root that wires the wings.

Exit status: 0 done, 1 refused by a lending rule, 2 bad usage or bad input,
3 storage failure (disk full, read-only, locked, damaged). Messages go to
stderr in the chosen language; ``--json`` prints machine-readable results.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.devices import DeviceStatus
from kiosk.errors import BadInput, KioskError, Refused
from kiosk.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, set_language, translate
from kiosk.limits import PART_COUNT_MAX, REPLACEMENT_VALUE_MAX, RETENTION_DAYS_MAX, echo, printable

if TYPE_CHECKING:
    import datetime as dt

    from kiosk.services.core import Kiosk
    from kiosk.services.views import ItemOutcome
    from sync.worker import SyncWorker

log = logging.getLogger("nanum")
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


Handler = Callable[[argparse.Namespace], int]


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn
    return register


def default_data_dir(config_dir: str = "") -> Path:
    """--data-dir, else $NANUM_DATA_DIR, else the config file's, else the user data folder."""
    env = os.environ.get("NANUM_DATA_DIR")
    if env:
        return Path(env)
    if config_dir:
        return Path(config_dir)
    import platformdirs

    return Path(platformdirs.user_data_dir("nanum-kiosk", appauthor=False))


class Output:
    """Where results go: JSON on stdout, or readable lines."""

    def __init__(self, as_json: bool, lang: str) -> None:
        self.json = as_json
        self.lang = lang

    def emit(self, data: Any, lines: Sequence[str] = ()) -> None:
        if self.json:
            json.dump(data, sys.stdout, ensure_ascii=False, indent=1, default=str)
            sys.stdout.write("\n")
        else:
            for line in lines:
                # Names come from people and files: no escape sequence reaches the terminal.
                print(printable(line, multiline=True))

    def t(self, msgid: str, **params: Any) -> str:
        return translate(msgid, self.lang, **params)


def _open(args: argparse.Namespace, need_init: bool = True, read_only: bool = False) -> Kiosk:
    """The kiosk of --data-dir; ``read_only`` for listings (they work on a read-only disk)."""
    from kiosk.services import open_kiosk

    kiosk = open_kiosk(args.data_dir, defaults=args.config.defaults, read_only=read_only)
    if need_init and not kiosk.initialised:
        raise BadInput("This kiosk is not set up yet. Run 'nanum init' first.")
    return kiosk


# -- set-up ---------------------------------------------------------------------
@command("init")
def cmd_init(args: argparse.Namespace) -> int:
    kiosk = _open(args, need_init=False)
    if args.replacing and not args.kiosk_id:
        raise BadInput("Name the kiosk this one replaces with --kiosk-id.")
    kiosk.initialise(args.site, args.site_name, kiosk_id=args.kiosk_id, base_url=args.base_url,
                     replacing=args.replacing)
    if args.replacing:
        from kiosk.services import recovery

        recovery.mark_pending(kiosk, "replacement")
    args.out.emit({"site": kiosk.site, "kiosk_id": kiosk.kiosk_id, "data_dir": str(args.data_dir)},
                  [args.out.t("Kiosk {kiosk} set up for site {site} in {path}.",
                              kiosk=kiosk.kiosk_id, site=kiosk.site, path=str(args.data_dir))])
    return 0


@command("demo-data")
def cmd_demo_data(args: argparse.Namespace) -> int:
    from kiosk.demo import load_demo_data

    kiosk = _open(args)
    summary = load_demo_data(kiosk)
    args.out.emit(summary.to_json(), [args.out.t("Demo data loaded: {items} items, {members} members.",
                                                 items=len(summary.items), members=len(summary.members))])
    return 0


# -- catalogue and members ------------------------------------------------------
@command("item add")
def cmd_item_add(args: argparse.Namespace) -> int:
    kiosk = _open(args)
    item = kiosk.catalogue.add_item(args.code, args.name, name_en=args.name_en or "",
                                    category=args.category, parts=args.parts,
                                    replacement_value=args.value,
                                    aliases=tuple(args.alias or ()))
    args.out.emit(item.to_json(), [args.out.t("Added {code} {name}.", code=item.code, name=item.name_ko)])
    return 0


@command("member add")
def cmd_member_add(args: argparse.Namespace) -> int:
    kiosk = _open(args)
    member, card = kiosk.members.add(args.name, args.type, contact=args.contact, pin=args.pin,
                                     language=args.language)
    data = member.to_json() | {"card": card}
    args.out.emit(data, [args.out.t("Member {number} registered. Card code (shown once): {card}",
                                    number=member.number, card=card)])
    return 0


@command("import")
def cmd_import(args: argparse.Namespace) -> int:
    from kiosk.services import importer

    kiosk = _open(args)
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


@command("items")
def cmd_items(args: argparse.Namespace) -> int:
    items = _open(args, read_only=True).catalogue.list(status=args.status)
    args.out.emit([i.to_json() for i in items],
                  [f"{i.code}\t{i.status}\t{i.parts_total}\t{i.name_ko}" for i in items])
    return 0


@command("members")
def cmd_members(args: argparse.Namespace) -> int:
    members = _open(args, read_only=True).members.list()
    args.out.emit([m.to_json() for m in members],
                  [f"{m.number}\t{m.member_type}\t{m.status}\t{m.expires_on}\t{m.display_name}"
                   for m in members])
    return 0


# -- circulation ----------------------------------------------------------------
@command("checkout")
def cmd_checkout(args: argparse.Namespace) -> int:
    from kiosk.services.circulation import Override

    kiosk = _open(args)
    override = Override(args.override_by, args.reason or "") if args.override_by else None
    result = kiosk.circulation.checkout(args.member, args.items, override=override)
    lines = []
    for o in result.outcomes:
        lines.append(_outcome_line(args, o, N_("{item}: lent, due {due}.")))
    args.out.emit([o.to_json(args.lang) for o in result.outcomes], lines)
    return 0 if all(o.ok for o in result.outcomes) else 1


def _outcome_line(args: argparse.Namespace, o: ItemOutcome, done_msgid: str) -> str:
    """One line for a loan or a renewal: the due date, or why it was refused."""
    if o.ok and o.due is not None:
        return str(args.out.t(done_msgid, item=o.item, due=o.due.isoformat()))
    reason = o.error.render(args.lang) if o.error is not None else (o.reason or "")
    return str(args.out.t("{item}: refused. {reason}", item=o.item, reason=reason))


@command("return")
def cmd_return(args: argparse.Namespace) -> int:
    kiosk = _open(args)
    r = kiosk.circulation.return_item(args.item, parts_counted=args.parts, damaged_note=args.damaged)
    where = {"shelf": N_("Put it on the return shelf."),
             "reservation_shelf": N_("Put it on the reservation shelf: someone is waiting for it."),
             "staff": N_("Please hand it to staff for a check."),
             "transfer": N_("It belongs to {site}: put it on the shelf for other centres' items; "
                            "staff send it home.")}[r.destination]
    args.out.emit(r.to_json(args.lang), [args.out.t("{item} returned.", item=r.item.code),
                                         args.out.t(where, site=r.item.home_site)])
    return 0


@command("renew")
def cmd_renew(args: argparse.Namespace) -> int:
    o = _open(args).circulation.renew(args.item)
    args.out.emit(o.to_json(args.lang), [_outcome_line(args, o, N_("{item}: renewed, due {due}."))])
    return 0 if o.ok else 1


@command("reserve")
def cmd_reserve(args: argparse.Namespace) -> int:
    status = _open(args).circulation.reserve(args.member, args.item)
    args.out.emit({"item": args.item, "status": status},
                  [args.out.t("Held for pickup.") if status == "held" else args.out.t("Added to the waiting list.")])
    return 0


@command("loans")
def cmd_loans(args: argparse.Namespace) -> int:
    loans = _open(args, read_only=True).circulation.loans(open_only=args.open, overdue_only=args.overdue)
    args.out.emit([loan.to_json() for loan in loans],
                  [f"{loan.item_code}\t{loan.member_number or '-'}\t{loan.due_on}\t"
                   f"{loan.returned_at or ''}\t{loan.item_name}" for loan in loans])
    return 0


@command("transfers")
def cmd_transfers(args: argparse.Namespace) -> int:
    from kiosk.services.transfers import open_transfers

    found = open_transfers(_open(args, read_only=True))
    lines = [args.out.t("To send to their home centres: {count}", count=len(found.to_send))]
    lines += [f"  {t.item.home_site}/{t.item.code}\t{t.item.name_ko}\t{t.started_at}" for t in found.to_send]
    lines.append(args.out.t("Coming home from other centres: {count}", count=len(found.to_expect)))
    lines += [f"  {t.item.code}\t{t.item.name_ko}\t{t.from_site}\t{t.started_at}" for t in found.to_expect]
    args.out.emit(found.to_json(), lines)
    return 0


# -- maintenance ----------------------------------------------------------------
@command("verify-log")
def cmd_verify_log(args: argparse.Namespace) -> int:
    report = _open(args, read_only=True).maintenance.verify_log()
    if report.ok:
        args.out.emit({"ok": True, "events": report.count},
                      [args.out.t("Event log verified: {count} events, chain intact.", count=report.count)])
        return 0
    problems = [m.render(args.lang) for m in report.problems]
    args.out.emit({"ok": False, "events": report.count, "first_bad_seq": report.first_bad_seq,
                   "reason": report.reason, "problems": problems}, [])
    for line in problems:
        print(line, file=sys.stderr)
    return 1


@command("check")
def cmd_check(args: argparse.Namespace) -> int:
    report = _open(args, read_only=True).maintenance.check()
    args.out.emit({"ok": report.ok, "problems": report.problems},
                  [args.out.t("Database checked: no problems.")] if report.ok else report.problems)
    return 0 if report.ok else 1


@command("backup")
def cmd_backup(args: argparse.Namespace) -> int:
    path = _open(args, read_only=True).maintenance.backup(args.file)  # also rescues a read-only disk
    args.out.emit({"backup": str(path)}, [args.out.t("Backup written to {path}.", path=str(path))])
    return 0


@command("restore")
def cmd_restore(args: argparse.Namespace) -> int:
    from kiosk.errors import StorageError
    from kiosk.services.restore import DAMAGED, open_for_restore

    try:
        kiosk = _open(args, need_init=False)
    except StorageError as exc:
        if exc.msgid != DAMAGED:
            raise
        kiosk = open_for_restore(args.data_dir)  # a restore is what cures a damaged database
    done = kiosk.maintenance.restore(args.file, reseal=args.reseal)
    args.out.emit({"restored": str(args.file), "events": done.events, "saved_before": str(done.aside)},
                  [args.out.t("Restored from {path}.", path=str(args.file)),
                   args.out.t("The data from before was saved to {path}.", path=str(done.aside))]
                  + ([args.out.t("The kiosk will fetch what it had sent since this backup at its next sync.")]
                     if kiosk.maintenance.recovery_pending else []))
    return 0


@command("retention")
def cmd_retention(args: argparse.Namespace) -> int:
    n = _open(args).maintenance.retention(args.days)
    args.out.emit({"pseudonymised": n}, [args.out.t("{count} old loans pseudonymised.", count=n)])
    return 0


@command("config")
def cmd_config(args: argparse.Namespace) -> int:
    """Print the configuration file with every option, its default and its meaning."""
    from kiosk.config import render_default_config

    sys.stdout.write(render_default_config())
    return 0


# -- hardware -------------------------------------------------------------------
@command("scan")
def cmd_scan(args: argparse.Namespace) -> int:
    from hardware.commands import scan_files
    from kiosk.codes import DEFAULT_BASE_URL

    base = DEFAULT_BASE_URL
    if Path(args.data_dir).exists():
        kiosk = _open(args, need_init=False)
        base = kiosk.base_url
    found = scan_files(args.files, base)
    args.out.emit(found, [f"{f['file']}\t{f['kind']}\t{f['format']}\t"
                          f"{'{:.0f},{:.0f}'.format(*f['centre'])}\t{f['text']}" for f in found])
    return 0 if found else 1


@command("cameras")
def cmd_cameras(args: argparse.Namespace) -> int:
    from hardware.commands import list_cameras

    cams = list_cameras()
    args.out.emit(cams, [f"{c['device']}\t{c['width']}x{c['height']}\t{c['fps']:.1f} fps\t"
                         f"{c['decode_ms']:.1f} ms" for c in cams] or [args.out.t("No camera found.")])
    return 0


# -- staff documents and accounts -------------------------------------------------
def _date_arg(text: str) -> dt.date:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput("Not a date: {value}. Write it like 2026-12-31.", value=text) from None


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A file that cannot be written is bad input, not a crash."""
    try:
        yield
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
        raise BadInput("Cannot write {path}: {reason}", path=echo(path), reason=reason) from exc


@command("labels")
def cmd_labels(args: argparse.Namespace) -> int:
    from hardware.labels import LabelSpec, render_labels
    from kiosk.codes import item_label_payload
    from kiosk.services.reports import site_name

    kiosk = _open(args)
    items = ([kiosk.catalogue.get(code) for code in args.codes] if args.codes
             else [i for i in kiosk.catalogue.list() if i.status != "retired"])
    specs = [LabelSpec(i.code, i.name_ko, item_label_payload(i.code, kiosk.base_url, i.home_site)) for i in items]
    with _writing(args.out_file):
        pages = render_labels(specs, args.out_file, args.layout, skip=args.skip,
                              site_name=site_name(kiosk), outlines=args.outlines)
    args.out_.emit({"file": str(args.out_file), "labels": len(specs), "pages": pages, "layout": args.layout},
                   [args.out_.t("{count} labels on {pages} page(s) written to {path}.",
                                count=len(specs), pages=pages, path=str(args.out_file))])
    return 0


@command("report")
def cmd_report(args: argparse.Namespace) -> int:
    from hardware.report_pdf import render_report_pdf, write_report_csv
    from kiosk.services.reports import Reports, site_name

    kiosk = _open(args, read_only=True)
    report = Reports(kiosk).build(_date_arg(args.start), _date_arg(args.end))
    with _writing(args.out_file):
        render_report_pdf(report, args.out_file, args.lang, site_name(kiosk))
    if args.csv:
        with _writing(args.csv):
            write_report_csv(report, args.csv)
    sh = report.sharing
    assert sh is not None  # build() always measures the sharing indicators
    args.out_.emit({"file": str(args.out_file), "csv": str(args.csv) if args.csv else None,
                    "loans": report.total_loans, "returns": report.returns,
                    "members_served": report.members_served, "overdue": len(report.overdue),
                    "lost": len(report.lost), "parts_lost": report.parts_lost,
                    "resources_shared": sh.resources_shared, "resources_value": sh.resources_value,
                    "participants": sh.participants, "repeat_participants": sh.repeat_participants},
                   [args.out_.t("Report written to {path}.", path=str(args.out_file))])
    return 0


@command("staff add")
def cmd_staff_add(args: argparse.Namespace) -> int:
    from kiosk.services.staff import MANAGER, Staff

    kiosk = _open(args)
    pin = args.pin
    if pin is None:
        import getpass

        pin = getpass.getpass(args.out_.t("PIN (4 to 8 digits): "))
        if getpass.getpass(args.out_.t("The same PIN again: ")) != pin:
            raise BadInput(N_("The two PINs are not the same."))
    staff = Staff(kiosk)
    if staff.needs_first_manager():
        if args.role != MANAGER:
            raise BadInput(N_("The first staff account must be a manager."))
        who = staff.create_first_manager(args.name, pin)
    else:
        who = staff.add(args.name, args.role, pin, by=None)
    args.out_.emit(who.to_json(), [args.out_.t("Staff member {name} added as {role}.",
                                               name=who.name, role=args.out_.t(ROLE_NAMES[who.role]))])
    return 0


@command("staff list")
def cmd_staff_list(args: argparse.Namespace) -> int:
    from kiosk.services.staff import Staff

    people = Staff(_open(args)).list(include_inactive=True)
    args.out_.emit([p.to_json() for p in people],
                   [f"{p.name}\t{p.role}\t{'active' if p.active else 'off'}" for p in people])
    return 0


ROLE_NAMES = {"manager": N_("manager"), "volunteer": N_("volunteer")}


# -- the kiosk itself -----------------------------------------------------------
def _demo_kiosk(args: argparse.Namespace) -> Kiosk:
    """The embedded default: a set-up kiosk with demo data on first start."""
    kiosk = _open(args, need_init=False)
    if not kiosk.initialised:
        from kiosk.demo import load_demo_data

        kiosk.initialise("DEMO", "나눔 데모 센터")
        load_demo_data(kiosk)
    return kiosk


@command("run")
def cmd_run(args: argparse.Namespace) -> int:
    from kiosk.runtime import InstanceLock

    with InstanceLock(args.data_dir):  # a second kiosk on the same data folder refuses to start
        kiosk = _demo_kiosk(args) if args.demo else _open(args)
        from ui.app import run_kiosk
        from ui.crashscreen import guard_kiosk

        # capped log file, crash files + the "please ask staff" screen, systemd watchdog
        guard_kiosk(args.data_dir, args.config)
        camera = _camera_spec(args, kiosk)
        devices = DeviceStatus()  # the window writes it, the heartbeat reads it
        worker = None if args.demo else _start_sync(args, kiosk, devices)
        try:
            return run_kiosk(kiosk, windowed=args.windowed or args.config.get("kiosk", "windowed"),
                             camera_spec=camera, demo_panel=args.demo or camera in (None, "virtual"),
                             sync_status=(lambda: worker.status().to_json(args.lang)) if worker else None,
                             devices=devices)
        finally:
            if worker is not None:
                worker.stop()


def _start_sync(args: argparse.Namespace, kiosk: Kiosk,
                devices: DeviceStatus | None = None) -> SyncWorker | None:
    """The background sync worker when sync is set up (else None: the kiosk works offline).

    Its heartbeat carries the camera's and the printer's state from ``devices``
    (a :class:`kiosk.devices.DeviceStatus`), sent again as soon as one changes.
    """
    from kiosk.health import heartbeat
    from kiosk.services import open_kiosk
    from sync.cli import sync_settings, sync_url
    from sync.client import SyncClient
    from sync.worker import SyncWorker

    own = open_kiosk(args.data_dir, defaults=args.config.defaults)  # its own sessions and caches
    try:
        conf = sync_settings(args, own)
    except BadInput:
        own.close()
        return None

    def client() -> SyncClient:
        # Each round reads the address again: staff may change it in the settings.
        own.forget_cached_settings()
        # emptied on the screen and none in the config: the address it started with
        return SyncClient(sync_url(args, own) or conf["url"], conf["credential"], ca_bundle=conf["ca_bundle"],
                          allow_insecure_http=conf["allow_insecure_http"])

    def health() -> dict[str, Any]:
        states = devices.snapshot() if devices is not None else {}
        return heartbeat(own, camera=states.get("camera"), printer=states.get("printer"), data_dir=args.data_dir)
    worker = SyncWorker(own, client, interval_s=conf["interval_s"], health=health,
                        on_change=lambda _report: kiosk.forget_cached_settings())
    if devices is not None:
        devices.subscribe(lambda _device, _state: worker.beat_soon())
    worker.start()
    return worker


def _camera_spec(args: argparse.Namespace, kiosk: Kiosk) -> str | None:
    """The camera to scan from: the command line, then the one staff chose on the screen,
    then an installed kiosk's config file; None is the virtual camera of the demo."""
    camera = args.camera or kiosk.setting("camera_device")
    if camera is None and args.config.path is not None:
        camera = args.config.get("camera", "device")
    return None if camera is None else _configured_camera(camera)


def _configured_camera(device: str) -> str:
    """The config's camera; 'auto' is the first camera attached (none: codes are typed)."""
    if device != "auto":
        return device
    from hardware.frames import list_cameras

    cams = list_cameras()
    return cams[0]["device"] if cams else "/dev/video0"


@command("screenshots")
def cmd_screenshots(args: argparse.Namespace) -> int:
    # The flows run on throwaway demo centres: this kiosk's own data is never touched.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # pictures, not a window
    from ui.screenshots import render_all

    size = args.size.lower()
    if size != "all" and not (size.count("x") == 1 and all(v.isascii() and v.isdigit() for v in size.split("x"))):
        raise BadInput("Not a screen size: {size}. Write it like 1920x1080.", size=args.size)
    paths = render_all(None, args.out_dir, args.shot_lang or args.lang, args.theme, size,
                       staff=not args.resident_only)
    args.out_.emit([str(p) for p in paths], [str(p) for p in paths])
    return 0


@command("a11y-audit")
def cmd_a11y_audit(args: argparse.Namespace) -> int:
    # Every resident screen in every language, theme and layout, rendered on a throwaway demo
    # centre and checked at this kiosk's panel (its DPI and mounting height, when it is set up).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from dataclasses import replace

    from kiosk.store.db import DB_FILENAME
    from ui.a11y_audit import run_audit
    from ui.config import UiConfig

    size = args.size.lower()
    if not (size.count("x") == 1 and all(v.isascii() and v.isdigit() for v in size.split("x"))):
        raise BadInput("Not a screen size: {size}. Write it like 1920x1080.", size=args.size)
    config = UiConfig()
    if (Path(args.data_dir) / DB_FILENAME).exists():
        kiosk = _open(args, need_init=False)
        try:
            config = UiConfig.from_settings(kiosk.setting)
        finally:
            kiosk.close()
    changes = {k: v for k, v in (("dpi", args.dpi), ("panel_mount_cm", args.mount_cm),
                                 ("panel_height_cm", args.panel_height_cm)) if v is not None}
    from ui.a11y_audit import LANGS, LAYOUTS, THEMES

    def pick(value: str | None, every: tuple[str, ...]) -> tuple[str, ...]:
        return every if value in (None, "all") else (str(value),)
    width, height = (int(v) for v in size.split("x"))
    report = run_audit(replace(config, **changes), (width, height),
                       langs=pick(args.audit_lang, LANGS), themes=pick(args.theme, THEMES),
                       layouts=pick(args.layout, LAYOUTS), shots_dir=args.shots)
    args.out_.emit(report.to_json(), report.table())
    return 0 if report.passed else 1


@command("migrate")
def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring an existing database to this version's schema (the Debian package runs it on upgrade)."""
    from kiosk.store import migrate
    from kiosk.store.db import DB_FILENAME, make_engine, storage_errors

    path = Path(args.data_dir) / DB_FILENAME
    if not path.exists():
        args.out_.emit({"database": None}, [args.out_.t("No database in {path}: nothing to migrate.",
                                                        path=str(args.data_dir))])
        return 0
    engine = make_engine(path)
    try:
        with storage_errors():
            old = migrate.current_revision(engine)
            migrate.upgrade(engine)
            new = migrate.current_revision(engine)
    finally:
        engine.dispose()
    args.out_.emit({"database": str(path), "from": old, "to": new},
                   [args.out_.t("Database schema {old} -> {new}.", old=old or "-", new=new or "-")])
    return 0


@command("self-test")
def cmd_self_test(args: argparse.Namespace) -> int:
    from ui.selftest import run_self_test

    only = [n.strip() for n in args.only.split(",")] if args.only else None
    report = run_self_test(hardware=args.hardware, config=args.config, only=only)
    args.out_.emit(report.to_json(args.lang), report.lines(args.lang))
    return 0 if report.ok else 1


def _whole(low: int, high: int) -> Callable[[str], int]:
    """An argument type: a whole number in [low, high], ASCII digits only (exit 2 otherwise)."""
    def parse(text: str) -> int:
        t = text.strip()
        if not re.fullmatch(r"-?[0-9]{1,20}", t) or not low <= int(t) <= high:
            raise argparse.ArgumentTypeError(
                translate(N_("{value} is not a whole number from {low} to {high}."),
                          value=echo(text), low=low, high=high))
        return int(t)
    return parse


class _CommandParser(argparse.ArgumentParser):
    """A command's parser: ``--json`` and ``--lang`` are taken after the command too.

    Users type ``nanum scan photo.png --json`` as often as ``nanum --json scan
    photo.png``. The defaults are suppressed so the value given before the
    command stands unless the command repeats it. A command may still declare
    its own ``--lang`` (screenshots: the screens' language): it replaces this one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("conflict_handler", "resolve")
        super().__init__(*args, **kwargs)
        self.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print machine-readable JSON")
        self.add_argument("--lang", choices=sorted(LANGUAGES), default=argparse.SUPPRESS,
                          help="language of messages")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nanum", description="Nanum Kiosk: self-service lending for sharing centres")
    p.add_argument("--version", action="version", version=f"nanum {__version__}")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="data folder (default: $NANUM_DATA_DIR or the user data folder)")
    p.add_argument("--config", type=Path, default=None,
                   help="configuration file (default: $NANUM_CONFIG or /etc/nanum-kiosk/config.toml)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.add_argument("--lang", choices=sorted(LANGUAGES), default=os.environ.get("NANUM_LANG", DEFAULT_LANGUAGE),
                   help="language of messages (default ko)")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND", parser_class=_CommandParser)

    s = sub.add_parser("init", help="set up this kiosk for a site")
    s.add_argument("--site", default="DEMO")
    s.add_argument("--site-name", default="나눔 데모 센터")
    s.add_argument("--kiosk-id")
    s.add_argument("--base-url", help="city platform address printed in item labels")
    s.add_argument("--replacing", action="store_true",
                   help="this computer replaces kiosk --kiosk-id, whose data was lost: configure sync "
                        "with that kiosk's credential and sync before lending")
    sub.add_parser("demo-data", help="load a realistic demo centre")

    item = sub.add_parser("item", help="catalogue items").add_subparsers(dest="sub", required=True)
    s = item.add_parser("add", help="add an item")
    s.add_argument("code")
    s.add_argument("name")
    s.add_argument("--name-en")
    s.add_argument("--category", default="tool")
    s.add_argument("--parts", type=_whole(0, PART_COUNT_MAX), default=0)
    s.add_argument("--value", type=_whole(0, REPLACEMENT_VALUE_MAX), default=0,
                   help="replacement value in KRW")
    s.add_argument("--alias", action="append", help="legacy barcode on the item (repeatable)")

    member = sub.add_parser("member", help="members").add_subparsers(dest="sub", required=True)
    s = member.add_parser("add", help="register a member (prints the card code once)")
    s.add_argument("name")
    s.add_argument("--type", default="standard")
    s.add_argument("--contact")
    s.add_argument("--pin")
    s.add_argument("--language", default="ko", choices=sorted(LANGUAGES))

    s = sub.add_parser("import", help="import items or members from CSV/XLSX")
    s.add_argument("kind", choices=["items", "members"])
    s.add_argument("file", type=Path)
    s.add_argument("--skip-invalid", action="store_true", help="import good rows even when some are bad")

    s = sub.add_parser("items", help="list items")
    s.add_argument("--status")
    sub.add_parser("members", help="list members")

    s = sub.add_parser("checkout", help="lend items to a member")
    s.add_argument("member", help="member card payload (or membership number)")
    s.add_argument("items", nargs="+", help="item label payloads or codes")
    s.add_argument("--override-by", help="staff member overriding a member rule")
    s.add_argument("--reason", help="reason for the override")
    s = sub.add_parser("return", help="take an item back")
    s.add_argument("item")
    s.add_argument("--parts", type=int, help="parts counted")
    s.add_argument("--damaged", metavar="NOTE", help="what is damaged")
    s = sub.add_parser("renew", help="renew a loan")
    s.add_argument("item")
    s = sub.add_parser("reserve", help="hold an item for a member or join its waiting list")
    s.add_argument("member")
    s.add_argument("item")
    s = sub.add_parser("loans", help="list loans")
    s.add_argument("--open", action="store_true")
    s.add_argument("--overdue", action="store_true")
    sub.add_parser("transfers", help="items to send to their home centres and items coming home")

    sub.add_parser("verify-log", help="verify the event log's hash chain")
    sub.add_parser("check", help="check database integrity and lending invariants")
    s = sub.add_parser("backup", help="write a backup of the database")
    s.add_argument("file", type=Path)
    s = sub.add_parser("restore", help="restore the database from a backup (checked first; "
                       "the data from before is kept next to the database)")
    s.add_argument("file", type=Path)
    s.add_argument("--reseal", action="store_true",
                   help="accept a backup whose log is sealed with another key (this kiosk's key file was "
                        "lost) and seal it with this kiosk's key")
    sub.add_parser("config", help="print the default configuration file, every option explained")
    s = sub.add_parser("retention", help="pseudonymise old returned loans")
    s.add_argument("--days", type=_whole(0, RETENTION_DAYS_MAX))

    s = sub.add_parser("scan", help="decode codes in image files")
    s.add_argument("files", nargs="+")
    sub.add_parser("cameras", help="list cameras with their frame rate and decode time")

    s = sub.add_parser("labels", help="QR label sheets for items as PDF")
    s.add_argument("--out", dest="out_file", type=Path, required=True, help="PDF file to write")
    s.add_argument("--codes", nargs="+", metavar="CODE", help="item codes (default: every item not retired)")
    s.add_argument("--layout", default="a4-24", choices=["a4-24", "a4-65", "62mm"])
    s.add_argument("--skip", type=int, default=0, help="label positions already used on the first sheet")
    s.add_argument("--outlines", action="store_true", help="draw each label's edge (plain paper)")
    s = sub.add_parser("report", help="lending report with the city's sharing indicators as PDF")
    s.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    s.add_argument("--to", dest="end", required=True, metavar="DATE", help="last day, YYYY-MM-DD")
    s.add_argument("--out", dest="out_file", type=Path, required=True, help="PDF file to write")
    s.add_argument("--csv", type=Path, help="also write every figure as CSV")
    staff = sub.add_parser("staff", help="staff accounts").add_subparsers(dest="sub", required=True)
    s = staff.add_parser("add", help="add a staff member (the first one must be a manager)")
    s.add_argument("name")
    s.add_argument("--role", choices=["manager", "volunteer"], required=True)
    s.add_argument("--pin", help="4 to 8 digits (asked for when left out)")
    staff.add_parser("list", help="list staff accounts")

    s = sub.add_parser("run", help="start the kiosk")
    s.add_argument("--windowed", action="store_true", help="a window instead of fullscreen (development)")
    s.add_argument("--camera", help="camera: index, device path, video/image file, or 'virtual'")
    s.add_argument("--demo", action="store_true", help="set up a demo centre on first start")
    s = sub.add_parser("screenshots", help="render every resident screen to PNG")
    s.add_argument("--out", dest="out_dir", type=Path, required=True, help="folder for the PNG files")
    s.add_argument("--lang", dest="shot_lang", choices=[*sorted(LANGUAGES), "all"],
                   help="language of the screens (default: --lang)")
    s.add_argument("--theme", choices=["default", "contrast", "large", "all"], default="default")
    s.add_argument("--size", default="1920x1080", help="WxH, or all (1920x1080, 1280x800, 1080x1920)")
    s.add_argument("--resident-only", action="store_true", help="leave out the staff-mode screens")
    s = sub.add_parser("a11y-audit", help="check every resident screen in every language, theme and layout")
    s.add_argument("--size", default="1920x1080", help="the panel in pixels, WxH (default 1920x1080)")
    s.add_argument("--dpi", type=float, help="the panel's DPI (default: this kiosk's ui_panel_dpi)")
    s.add_argument("--mount-cm", type=float, help="height of the screen's bottom edge above the floor")
    s.add_argument("--panel-height-cm", type=float, help="height of the screen's picture in cm")
    s.add_argument("--shots", type=Path, help="also save the screenshots (Chinese, Vietnamese, failures)")
    s.add_argument("--lang", dest="audit_lang", choices=[*sorted(LANGUAGES), "all"], help="only this language")
    s.add_argument("--theme", choices=["default", "large", "contrast", "all"], help="only this theme")
    s.add_argument("--layout", choices=["standard", "low-reach", "all"], help="only this layout")
    s.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    sub.add_parser("migrate", help="bring the database to this version's schema")
    s = sub.add_parser("self-test", help="check this installation end to end (exit 0 when all pass)")
    s.add_argument("--hardware", action="store_true", help="also test the configured camera and printer")
    s.add_argument("--only", metavar="CHECK[,CHECK]", help="run only these checks (e.g. startup)")
    s.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    from sync.cli import register as register_sync  # nanum hub ..., nanum sync
    register_sync(sub, command)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("NANUM_LOG", "WARNING"))
    parser = build_parser()
    # Argument checks already speak the chosen language.
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang", default=os.environ.get("NANUM_LANG", DEFAULT_LANGUAGE))
    lang = early.parse_known_args(argv)[0].lang
    set_language(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    args = parser.parse_args(argv)
    set_language(args.lang)
    args.out = Output(args.json, args.lang)
    args.out_ = args.out
    name = args.cmd + (f" {args.sub}" if getattr(args, "sub", None) else "")
    try:
        from kiosk.config import load_config

        args.config = load_config(args.config)
        args.data_dir = args.data_dir or default_data_dir(args.config.get("kiosk", "data_dir"))
        return COMMANDS[name](args)
    except Refused as exc:
        print(exc.render(args.lang), file=sys.stderr)
        return 1
    except KioskError as exc:
        print(printable(exc.render(args.lang), multiline=True), file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
