"""``nanum self-test``: prove in under a minute that this installation works.

In a throwaway data folder it migrates a database, lends and returns an item
through the services, verifies the event log, decodes the bundled sample
camera frame, starts the kiosk window, renders every resident screen
offscreen and writes a label PDF. It also loads every Qt plugin the kiosk
needs (a missing system library shows up here, not on the first resident's
scan). ``hardware=True`` adds the configured camera (frame rate, decode time)
and printer. Nothing touches the kiosk's real data.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.domain import Destination
from kiosk.i18n import translate
from ui.text import N_

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication

    from kiosk.services.core import Kiosk

SAMPLE_CODE = "T-00042"  # the label in assets/samples/selftest-frame.jpg
#: Qt plugins the kiosk loads: its screens (X11 and Wayland, or Windows), the
#: offscreen test screen, item photos, and the shell protocol cage speaks
QT_PLUGINS: dict[str, tuple[str, ...]] = (
    {"platforms": ("qwindows", "qoffscreen"), "imageformats": ("qjpeg",)} if sys.platform == "win32" else
    {"platforms": ("qxcb", "qwayland", "qoffscreen"), "imageformats": ("qjpeg",),
     "wayland-shell-integration": ("xdg-shell",)})
SCREEN_SIZE = (1280, 800)


class CheckFailed(Exception):
    """A check found a problem: a msgid and its parameters."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


@dataclass
class Check:
    name: str
    title: str  # msgid
    ok: bool
    detail: str  # msgid
    params: dict[str, Any] = field(default_factory=dict)
    ms: float = 0.0

    def to_json(self, lang: str) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "ms": round(self.ms, 1),
                "title": translate(self.title, lang),
                "detail": translate(self.detail, lang, **self.params), "data": self.params}


@dataclass
class Report:
    checks: list[Check]
    version: str = __version__

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {"ok": self.ok, "version": self.version, "frozen": _frozen(),
                "checks": [c.to_json(lang) for c in self.checks]}

    def lines(self, lang: str = "ko") -> list[str]:
        """The readable report: one line per check, then the verdict."""
        out = [translate(N_("Nanum Kiosk {version} self-test"), lang, version=self.version)]
        for c in self.checks:
            mark = "[ OK ]" if c.ok else "[FAIL]"
            out.append(f"{mark} {translate(c.title, lang)}: {translate(c.detail, lang, **c.params)}"
                       f" ({c.ms:.0f} ms)")
        failed = sum(not c.ok for c in self.checks)
        out.append(translate(N_("All {count} checks passed."), lang, count=len(self.checks)) if not failed
                   else translate(N_("{failed} of {count} checks failed."), lang,
                                  failed=failed, count=len(self.checks)))
        return out


def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


class _Run:
    """State shared by the checks of one run: the scratch folder and its kiosk."""

    def __init__(self, folder: Path, config: Any) -> None:
        self.folder = folder
        self.config = config
        self._kiosk: Kiosk | None = None
        self.app: QCoreApplication | None = None
        self.lent = False

    @property
    def kiosk(self):
        if self._kiosk is None:
            from kiosk.services import open_kiosk

            self._kiosk = open_kiosk(self.folder / "data")
            self._kiosk.initialise("SELFTEST", "Self-test centre", kiosk_id="SELFTEST-1")
        return self._kiosk

    def qt(self):
        """The QApplication, created offscreen when there is none yet."""
        from PySide6.QtWidgets import QApplication

        if self.app is None:
            from PySide6.QtCore import qInstallMessageHandler

            if QApplication.instance() is None:
                os.environ["QT_QPA_PLATFORM"] = "offscreen"
            self.app = QApplication.instance() or QApplication(["nanum-self-test"])
            # The offscreen screen's chatter goes to the log, not into the report.
            self._previous_handler = qInstallMessageHandler(_qt_to_log)
        return self.app

    def close(self) -> None:
        if self._kiosk is not None:
            self._kiosk.close()
        if self.app is not None:
            from PySide6.QtCore import qInstallMessageHandler

            qInstallMessageHandler(self._previous_handler)


def _qt_to_log(_mode, context, message: str) -> None:
    import logging

    logging.getLogger("nanum.selftest.qt").debug("%s (%s)", message, context.category)


# -- the checks ------------------------------------------------------------------------
def check_bundle(run: _Run) -> tuple[str, dict]:
    """Bundled files are there and every Qt plugin loads with its libraries."""
    from PySide6.QtCore import QCoreApplication, QLibraryInfo, QPluginLoader

    from kiosk.i18n import catalogue
    from ui.assets import FONT_FILES, font_path, sound_path
    from ui.sound import CUES

    files = [font_path(n) for n in FONT_FILES] + [sound_path(c) for c in CUES] + [_sample_frame()]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise CheckFailed(N_("Missing bundled files: {files}"), files=", ".join(missing))
    if not catalogue("ko"):
        raise CheckFailed(N_("The Korean message catalogue is missing or empty."))
    run.qt()
    dirs = [Path(p) for p in QCoreApplication.libraryPaths()]
    dirs.append(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)))
    loaded = []
    for kind, names in QT_PLUGINS.items():
        for name in names:
            found = [f for d in dirs for pattern in (f"lib{name}.*", f"{name}.dll")
                     for f in (d / kind).glob(pattern) if f.is_file()]
            if not found:
                raise CheckFailed(N_("Qt plugin {plugin} is not installed."), plugin=f"{kind}/{name}")
            loader = QPluginLoader(str(found[0]))
            if not loader.load():
                raise CheckFailed(N_("Qt plugin {plugin} does not load: {reason}"),
                                  plugin=f"{kind}/{name}", reason=loader.errorString())
            loaded.append(f"{kind}/{name}")
    return N_("{files} files and {plugins} Qt plugins load"), {"files": len(files), "plugins": len(loaded)}


def check_database(run: _Run) -> tuple[str, dict]:
    report = run.kiosk.maintenance.check()
    if not report.ok:
        raise CheckFailed(N_("Database check failed: {problems}"), problems="; ".join(report.problems))
    return N_("new database migrated, integrity and invariants hold"), {}


def check_loan(run: _Run) -> tuple[str, dict]:
    k = run.kiosk
    k.catalogue.add_item(SAMPLE_CODE, "자가진단 드릴", name_en="Self-test drill", parts=2)
    _member, card = k.members.add("자가진단", "standard")
    result = k.circulation.checkout(card, [SAMPLE_CODE])
    if not all(o.ok for o in result.outcomes):
        raise CheckFailed(N_("The test loan was refused: {reason}"),
                          reason="; ".join(o.error.render("en") for o in result.outcomes if o.error))
    back = k.circulation.return_item(SAMPLE_CODE, parts_counted=2)
    if back.destination != Destination.SHELF or k.circulation.loans(open_only=True):
        raise CheckFailed(N_("The test return did not close the loan."))
    run.lent = True
    return N_("lent {item} and took it back"), {"item": SAMPLE_CODE}


def check_event_log(run: _Run) -> tuple[str, dict]:
    chain = run.kiosk.maintenance.verify_log()
    if not chain.ok:
        raise CheckFailed(N_("Event log broken at event {seq}: {reason}"),
                          seq=chain.first_bad_seq, reason=chain.reason)
    if chain.count < (5 if run.lent else 1):  # set-up, then item, member, checkout, return
        raise CheckFailed(N_("Only {count} events were logged."), count=chain.count)
    return N_("{count} events, chain intact"), {"count": chain.count}


def check_decode(run: _Run) -> tuple[str, dict]:
    import cv2

    from hardware.decoders import make_decoder
    from kiosk.codes import item_label_payload

    frame = cv2.imread(str(_sample_frame()))
    if frame is None:
        raise CheckFailed(N_("The sample frame {path} cannot be read."), path=str(_sample_frame()))
    want = item_label_payload(SAMPLE_CODE)
    timings = {}
    for name in ("zxing", "pyzbar"):
        t = time.perf_counter()
        texts = [d.text for d in make_decoder(name).decode(frame)]
        timings[name] = round((time.perf_counter() - t) * 1000, 1)
        if want not in texts:
            raise CheckFailed(N_("Decoder {decoder} did not read the sample frame."), decoder=name)
    return (N_("{code} read by zxing ({zxing} ms) and pyzbar ({pyzbar} ms)"),
            {"code": SAMPLE_CODE, **timings})


def check_startup(run: _Run) -> tuple[str, dict]:
    """The real kiosk window on a set-up kiosk, up to its first painted frame."""
    app = run.qt()
    from ui.app import build_window
    from ui.tasks import runner

    t = time.perf_counter()
    window = build_window(run.kiosk, open_camera=False, printer=None)
    window.resize(*SCREEN_SIZE)
    window.show()
    app.processEvents()
    image = window.grab().toImage()
    ms = (time.perf_counter() - t) * 1000
    runner().wait()
    window.may_close = True
    window.close()
    window.deleteLater()
    app.processEvents()
    if image.isNull() or _blank(image):
        raise CheckFailed(N_("The kiosk window drew nothing."))
    return N_("first screen drawn in {ms} ms"), {"ms": round(ms)}


def check_screens(run: _Run) -> tuple[str, dict]:
    """Every resident screen and state (ui.screenshots), and the crash screen."""
    run.qt()
    from PySide6.QtGui import QImage

    from ui.crashscreen import CrashScreen
    from ui.screenshots import render_all

    out = run.folder / "screens"
    paths = render_all(run.kiosk, out, "ko", "default", SCREEN_SIZE)
    crash = CrashScreen("selftest")
    crash.resize(*SCREEN_SIZE)
    paths.append(out / "crash-screen.png")
    crash.grab().save(str(paths[-1]))
    crash.deleteLater()
    blank = [p.name for p in paths if _blank(QImage(str(p)))]
    if not paths or blank:
        raise CheckFailed(N_("Screens drew nothing: {screens}"), screens=", ".join(blank) or "-")
    return N_("{count} screens and states rendered"), {"count": len(paths)}


def check_label_pdf(run: _Run) -> tuple[str, dict]:
    from hardware.labels import LabelSpec, render_labels
    from kiosk.codes import item_label_payload

    path = run.folder / "labels.pdf"
    pages = render_labels([LabelSpec(SAMPLE_CODE, "자가진단 드릴", item_label_payload(SAMPLE_CODE))],
                          path, site_name="자가진단 센터")
    data = path.read_bytes() if path.is_file() else b""
    if not data.startswith(b"%PDF") or b"NanumGothic" not in data:
        raise CheckFailed(N_("The label PDF is not valid or lacks the Hangul font."))
    return N_("{pages} page(s), {kb} kB, Hangul font embedded"), {"pages": pages, "kb": len(data) // 1024}


def check_camera(run: _Run) -> tuple[str, dict]:
    from hardware.decoders import make_decoder
    from hardware.frames import EncodedFrame, list_cameras, open_source

    spec = str(run.config.get("camera", "device")) if run.config else "auto"
    if spec == "auto":
        cams = list_cameras()
        if not cams:
            raise CheckFailed(N_("No camera is attached."))
        spec = cams[0]["device"]
    decoder = make_decoder(run.config.get("camera", "decoder") if run.config else "zxing")
    source = open_source(spec)
    frames, decode_ms = 0, []
    try:
        source.open()
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 3.0:
            read = source.read()
            # A V4L2 camera in MJPEG mode hands its frames over compressed.
            frame = read.decode() if isinstance(read, EncodedFrame) else read
            if frame is None:
                continue
            frames += 1
            t = time.perf_counter()
            decoder.decode(frame)
            decode_ms.append((time.perf_counter() - t) * 1000)
        seconds = time.perf_counter() - t0
    except OSError as exc:
        raise CheckFailed(N_("The camera {device} cannot be opened: {reason}"),
                          device=spec, reason=str(exc)) from exc
    finally:
        source.close()
    fps = frames / seconds if seconds else 0.0
    if frames < 5:
        raise CheckFailed(N_("The camera {device} gave only {frames} frames in 3 seconds."),
                          device=spec, frames=frames)
    return (N_("{device}: {fps} frames/s, decode {decode_ms} ms per frame (median)"),
            {"device": spec, "fps": round(fps, 1), "decode_ms": round(statistics.median(decode_ms), 1)})


def check_printer(run: _Run) -> tuple[str, dict]:
    import shutil
    import subprocess

    from hardware.printing import system_has_printer

    kind = run.config.get("printer", "kind") if run.config else "auto"
    name = run.config.get("printer", "name") if run.config else ""
    if kind == "none":
        return N_("no printer configured"), {}
    if kind == "pdf":
        folder = Path(run.config.get("printer", "pdf_dir") or "")
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise CheckFailed(N_("The receipt folder {path} is not writable."), path=str(folder))
        return N_("receipts are saved in {path}"), {"path": str(folder)}
    if not system_has_printer() and not (name and shutil.which("lpstat")):
        if kind == "auto":
            return N_("no printer found; receipts are offered on screen only"), {}
        raise CheckFailed(N_("No system printer is set up (CUPS)."))
    args = ["lpstat", "-p"] + ([name] if name else [])
    done = subprocess.run(args, capture_output=True, text=True, timeout=10)
    status = (done.stdout or done.stderr).strip().splitlines()
    if done.returncode != 0 or not status or "disabled" in status[0]:
        raise CheckFailed(N_("The printer is not ready: {status}"), status=" ".join(status)[:200])
    return N_("printer ready: {status}"), {"status": status[0][:200]}


def _sample_frame() -> Path:
    from ui.assets import ASSETS

    return ASSETS / "samples" / "selftest-frame.jpg"


def _blank(image) -> bool:
    """True when an image is empty or one flat colour (nothing was drawn)."""
    if image.isNull() or image.width() == 0:
        return True
    w, h = image.width(), image.height()
    seen = {image.pixel(x * w // 16, y * h // 16) for x in range(16) for y in range(16)}
    return len(seen) < 2


CHECKS: tuple[tuple[str, str, Callable[[_Run], tuple[str, dict]]], ...] = (
    ("bundle", N_("Bundled files and Qt plugins"), check_bundle),
    ("database", N_("Database"), check_database),
    ("loan", N_("Lending and returning"), check_loan),
    ("event-log", N_("Event log"), check_event_log),
    ("decode", N_("Sample camera frame"), check_decode),
    ("startup", N_("Kiosk window"), check_startup),
    ("screens", N_("Screens"), check_screens),
    ("label-pdf", N_("Label PDF"), check_label_pdf),
)
HARDWARE_CHECKS: tuple[tuple[str, str, Callable[[_Run], tuple[str, dict]]], ...] = (
    ("camera", N_("Camera"), check_camera),
    ("printer", N_("Printer"), check_printer),
)


def run_self_test(*, hardware: bool = False, config: Any = None,
                  only: list[str] | None = None) -> Report:
    """Run the checks (``only``: a subset by name) and return the report.

    A failing check never stops the others; only unknown names in ``only`` raise.
    """
    import logging

    from kiosk.errors import BadInput

    every = CHECKS + (HARDWARE_CHECKS if hardware else ())
    unknown = sorted(set(only or ()) - {c[0] for c in every})
    if unknown:
        raise BadInput(N_("Unknown self-test check {names}. Choose from: {choices}."),
                       names=", ".join(unknown), choices=", ".join(c[0] for c in every))
    chosen = [c for c in every if not only or c[0] in only]
    checks = []
    with tempfile.TemporaryDirectory(prefix="nanum-selftest-") as tmp:
        run = _Run(Path(tmp), config)
        try:
            for name, title, fn in chosen:
                t = time.perf_counter()
                try:
                    detail, params = fn(run)
                    ok = True
                except CheckFailed as exc:
                    ok, detail, params = False, exc.msgid, exc.params
                except Exception as exc:  # a bug or a broken bundle: report it, run the rest
                    logging.getLogger(__name__).exception("self-test check %s", name)
                    ok, detail, params = False, N_("Error: {error}"), {"error": f"{type(exc).__name__}: {exc}"}
                checks.append(Check(name, title, ok, detail, params, (time.perf_counter() - t) * 1000))
        finally:
            run.close()
    return Report(checks)
