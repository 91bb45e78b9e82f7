"""The kiosk itself: ``nanum run`` wires storage, window, camera and sync; the screen
checks (screenshots, accessibility audit, self-test) render the same window."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.cli.base import Commands, arg, open_kiosk, screen_size
from kiosk.devices import DeviceStatus
from kiosk.errors import BadInput
from kiosk.i18n import LANGUAGES

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk
    from sync.worker import SyncWorker

commands = Commands()


def _demo_kiosk(args: argparse.Namespace) -> Kiosk:
    """The embedded default: a set-up kiosk with demo data on first start."""
    kiosk = open_kiosk(args, need_init=False)
    if not kiosk.initialised:
        from kiosk.demo import load_demo_data

        kiosk.initialise("DEMO", "나눔 데모 센터")
        load_demo_data(kiosk)
    return kiosk


@commands.add(
    "run", "start the kiosk",
    arg("--windowed", action="store_true", help="a window instead of fullscreen (development)"),
    arg("--camera", help="camera: index, device path, video/image file, or 'virtual'"),
    arg("--demo", action="store_true", help="set up a demo centre on first start"))
def cmd_run(args: argparse.Namespace) -> int:
    from kiosk.runtime import InstanceLock

    with InstanceLock(args.data_dir):  # a second kiosk on the same data folder refuses to start
        kiosk = _demo_kiosk(args) if args.demo else open_kiosk(args)
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
    from kiosk.services import open_kiosk as open_data_dir
    from sync.cli import sync_settings, sync_url
    from sync.client import SyncClient
    from sync.worker import SyncWorker

    own = open_data_dir(args.data_dir, defaults=args.config.defaults)  # its own sessions and caches
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
    # Kiosk objects on one database share their settings cache, and the worker's writes drop
    # it: the screen reads what a sync changed without being told.
    worker = SyncWorker(own, client, interval_s=conf["interval_s"], health=health)
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


@commands.add(
    "screenshots", "render every resident screen to PNG",
    arg("--out", dest="out_dir", type=Path, required=True, help="folder for the PNG files"),
    arg("--lang", dest="shot_lang", choices=[*sorted(LANGUAGES), "all"],
        help="language of the screens (default: --lang)"),
    arg("--theme", choices=["default", "contrast", "large", "all"], default="default"),
    arg("--size", default="1920x1080", help="WxH, or all (1920x1080, 1280x800, 1080x1920)"),
    arg("--resident-only", action="store_true", help="leave out the staff-mode screens"))
def cmd_screenshots(args: argparse.Namespace) -> int:
    # The flows run on throwaway demo centres: this kiosk's own data is never touched.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # pictures, not a window
    from ui.screenshots import render_all

    size = args.size.lower()
    if size != "all":
        screen_size(args.size)
    paths = render_all(None, args.out_dir, args.shot_lang or args.lang, args.theme, size,
                       staff=not args.resident_only)
    args.out.emit([str(p) for p in paths], [str(p) for p in paths])
    return 0


@commands.add(
    "a11y-audit", "check every resident screen in every language, theme and layout",
    arg("--size", default="1920x1080", help="the panel in pixels, WxH (default 1920x1080)"),
    arg("--dpi", type=float, help="the panel's DPI (default: this kiosk's ui_panel_dpi)"),
    arg("--mount-cm", type=float, help="height of the screen's bottom edge above the floor"),
    arg("--panel-height-cm", type=float, help="height of the screen's picture in cm"),
    arg("--shots", type=Path, help="also save the screenshots (Chinese, Vietnamese, failures)"),
    arg("--lang", dest="audit_lang", choices=[*sorted(LANGUAGES), "all"], help="only this language"),
    arg("--theme", choices=["default", "large", "zoom", "contrast", "all"], help="only this theme"),
    arg("--layout", choices=["standard", "low-reach", "all"], help="only this layout"),
    arg("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON"))
def cmd_a11y_audit(args: argparse.Namespace) -> int:
    # Every resident screen in every language, theme and layout, rendered on a throwaway demo
    # centre and checked at this kiosk's panel (its DPI and mounting height, when it is set up).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from dataclasses import replace

    from kiosk.store.db import DB_FILENAME
    from ui.a11y_audit import LANGS, LAYOUTS, THEMES, run_audit
    from ui.config import UiConfig

    width, height = screen_size(args.size)
    config = UiConfig()
    if (Path(args.data_dir) / DB_FILENAME).exists():
        kiosk = open_kiosk(args, need_init=False)
        try:
            config = UiConfig.from_settings(kiosk.setting)
        finally:
            kiosk.close()
    changes = {k: v for k, v in (("dpi", args.dpi), ("panel_mount_cm", args.mount_cm),
                                 ("panel_height_cm", args.panel_height_cm)) if v is not None}

    def pick(value: str | None, every: tuple[str, ...]) -> tuple[str, ...]:
        return every if value in (None, "all") else (str(value),)
    report = run_audit(replace(config, **changes), (width, height),
                       langs=pick(args.audit_lang, LANGS), themes=pick(args.theme, THEMES),
                       layouts=pick(args.layout, LAYOUTS), shots_dir=args.shots)
    args.out.emit(report.to_json(), report.table())
    return 0 if report.passed else 1


@commands.add(
    "self-test", "check this installation end to end (exit 0 when all pass)",
    arg("--hardware", action="store_true", help="also test the configured camera and printer"),
    arg("--only", metavar="CHECK[,CHECK]", help="run only these checks (e.g. startup)"),
    arg("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON"))
def cmd_self_test(args: argparse.Namespace) -> int:
    from ui.selftest import run_self_test

    only = [n.strip() for n in args.only.split(",")] if args.only else None
    report = run_self_test(hardware=args.hardware, config=args.config, only=only)
    args.out.emit(report.to_json(args.lang), report.lines(args.lang))
    return 0 if report.ok else 1
