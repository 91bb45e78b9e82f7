"""Render every resident screen and state to PNG, offscreen (``nanum screenshots``).

Each size, language and theme gets its own copy of a demo centre (the flows
lend and return things), a clock that stands still, and the real window driven
through its widgets: the same taps a resident makes. Files are named
``{size}-{lang}-{theme}-{nn}-{state}.png`` so a folder sorts by screen.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ui.widgets.common import qapp

SIZES = {"1920x1080": (1920, 1080), "1280x800": (1280, 800), "1080x1920": (1080, 1920)}
LANGS = ("ko", "en", "zh", "vi")
THEMES = ("default", "contrast", "large")
#: a fixed moment (Tuesday 10:00 in Seoul) so due dates in the pictures never change
FIXED_NOW = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)


def _choices(value: Any, every: Sequence[Any]) -> list[Any]:
    """``"all"``/None: every choice; one value (a name, or a (w, h) pair); or a list of them."""
    if value is None or value == "all":
        return list(every)
    if isinstance(value, str) or (isinstance(value, tuple) and len(value) == 2
                                  and all(isinstance(v, int) for v in value)):
        return [value]
    return list(value)


def _size_name(size: tuple[int, int] | str) -> tuple[str, tuple[int, int]]:
    if isinstance(size, str):
        w, h = (int(v) for v in size.lower().split("x"))
    else:
        w, h = size
    return f"{w}x{h}", (w, h)


class Driver:
    """Taps through a :class:`~ui.app.KioskWindow` and waits for its background work."""

    def __init__(self, window) -> None:

        self.window = window
        self.app = qapp()
        self.cards = {c["name"]: c["card"] for c in window.ctx.kiosk.setting("demo_cards", []) or []}

    def settle(self) -> None:
        from PySide6.QtCore import QEvent

        from ui.tasks import runner

        for _ in range(3):
            self.app.processEvents()
            runner().wait()
        self.app.processEvents()
        # No event loop runs here, so deleteLater() needs a push.
        self.app.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def tap(self, name: str) -> None:
        from PySide6.QtWidgets import QPushButton

        b = self.window.findChild(QPushButton, name)
        if b is None:
            raise LookupError(f"no button {name!r} on screen")
        b.click()
        self.settle()

    def scan(self, payload: str) -> None:
        self.window.handle_scan(payload)
        self.settle()

    def label(self, code: str) -> str:
        from kiosk.codes import item_label_payload

        return item_label_payload(code, self.window.ctx.kiosk.base_url)

    def show_frame(self, payload: str | None = None, card: bool = False) -> None:
        """Put a synthetic camera picture (with a code in view) on the preview."""
        from hardware import synth
        from ui.scanbridge import bgr_to_qimage

        frame = synth.background(640, 480, seed=3)
        if payload:
            frame, _quad = synth.compose(frame, payload, synth.Placement(330, 235, 4.0, 8.0, 6.0, -9.0),
                                         card=card)
        self.window.on_frame(bgr_to_qimage(frame))
        self.settle()

    def sign_in(self, name: str, next_screen: str = "borrow") -> None:
        self.window.go(next_screen)
        self.settle()
        self.scan(self.cards[name])


def _states(d: Driver) -> Iterable[tuple[str, Callable[[], object]]]:
    """(state name, what to do to reach it from the previous state)."""
    w = d.window
    yield "home", lambda: None
    yield "identify-card", lambda: (w.go("borrow"), d.show_frame(d.cards["윤지우"], card=True))

    def pin_error():
        d.tap("UsePin")
        for key in ("key_1", "key_2", "key_ok", "key_9", "key_9", "key_9", "key_9", "key_ok"):
            d.tap(key)
    yield "identify-pin-refused", pin_error
    yield "borrow-empty", lambda: (w.end_session(), d.sign_in("윤지우"), d.show_frame(d.label("T-00002")))

    def three():
        for code in ("T-00002", "T-00003", "K-00001"):
            d.scan(d.label(code))
    yield "borrow-items-and-refusal", three
    yield "borrow-limit-refused", lambda: (d.scan(d.label("G-00002")), d.scan(d.label("T-00005")))
    yield "borrow-foreign-code", lambda: d.scan("https://example.com/coupon/1234")
    yield "borrow-overdue-member", lambda: (w.end_session(), d.sign_in("정우진"), d.scan(d.label("T-00012")))
    yield "borrow-held-for-other", lambda: d.scan(d.label("C-00003"))
    yield "home-signed-in", lambda: w.go("home")
    # A member whose reservation waits on the shelf: told so right after the card.
    yield "borrow-reservation-waiting", lambda: (w.end_session(), d.sign_in("조현우"))
    yield "return-scan", lambda: (w.end_session(), w.go("return"), d.show_frame(d.label("K-00001")))
    yield "return-parts", lambda: d.scan(d.label("K-00001"))

    def count():
        d.tap("SomeMissing")
        for _ in range(3):
            d.tap("part_0_minus")
    yield "return-count", count
    yield "return-condition", lambda: d.tap("CountConfirm")
    yield "return-damage", lambda: d.tap("ConditionDamaged")
    yield "return-to-staff", lambda: d.tap("damage_broken")
    yield "return-reservation-shelf", lambda: (d.tap("ReturnAnother"), d.scan(d.label("T-00011")),
                                               d.tap("AllPartsHere"), d.tap("ConditionFine"))
    yield "return-not-on-loan", lambda: (d.tap("ReturnAnother"), d.scan(d.label("T-00013")))
    yield "receipt", lambda: (d.scan(d.label("T-00001")), d.tap("AllPartsHere"), d.tap("ConditionFine"),
                              d.tap("ReturnDone"))
    yield "receipt-qr", lambda: d.tap("ReceiptQr")
    yield "thanks", lambda: d.tap("ReceiptNone")
    yield "loans", lambda: (w.end_session(), d.sign_in("김민준", "loans"))
    yield "loans-renewed", lambda: d.tap("renew_T-00008")
    yield "setpin", lambda: d.tap("SetPin")

    def setpin_mismatch():
        for key in ("2", "5", "8", "0", "ok", "2", "5", "8", "1", "ok"):
            d.tap(f"newpin_{key}")
    yield "setpin-mismatch", setpin_mismatch
    yield "idle-warning", lambda: (w.idle._quiet_elapsed(), d.settle())
    yield "keyboard", lambda: (w.end_session(), w.go("return"), d.settle(), d.tap("TypeCode"),
                               [d.tap(f"type_{c}") for c in "T-42"])
    yield "staff-pin", lambda: (w.end_session(), d.tap("StaffDoor"))
    yield "help-called", lambda: (w.end_session(), w.go("return"), d.settle(), d.tap("CallHelp"))
    # No camera: the scan screens offer typing in their main area and say so.
    yield "no-camera-identify", lambda: (w.end_session(), w.devices.set("camera", "missing"), w.go("borrow"))
    yield "no-camera-borrow", lambda: (d.sign_in("김민준"), [d.tap(f"borrowpad_{c}") for c in "T-00002"],
                                       d.tap("borrowpad_ok"))
    yield "no-camera-return", lambda: (w.end_session(), w.go("return"))


def demo_copy(folder: Path, now: dt.datetime = FIXED_NOW):
    """A fresh demo centre in ``folder``, its clock standing at ``now``."""
    from kiosk.demo import load_demo_data
    from kiosk.services import open_kiosk

    k = open_kiosk(folder, clock=lambda: now)
    k.initialise("DEMO", "나눔 데모 센터", kiosk_id="DEMO-shots")
    load_demo_data(k)
    return k


def render_all(kiosk: Any, out_dir: Path, lang: Any = "ko", theme: Any = "default",
               size: Any = (1920, 1080), staff: bool = False) -> list[Path]:
    """Render every state for each size, language and theme ("all" or a list for several).

    With ``staff`` the staff-mode screens follow the resident ones.

    ``kiosk`` is not changed: the flows run on throwaway demo centres (a real
    centre's data has no demo cards to sign in with).
    """
    from PySide6.QtWidgets import QApplication

    from kiosk.i18n import DEFAULT_LANGUAGE, set_language
    from ui.app import build_window
    from ui.tasks import runner

    del kiosk
    app = QApplication.instance() or QApplication([])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="nanum-shots-") as tmp:
        n = 0
        for size_ in _choices(size, list(SIZES)):
            size_name, (w, h) = _size_name(size_)
            for lang_ in _choices(lang, LANGS):
                for theme_ in _choices(theme, THEMES):
                    n += 1
                    k = demo_copy(Path(tmp) / f"k{n}")
                    try:
                        window = build_window(k, open_camera=False, printer=_NullPrinter())
                        window.resize(w, h)
                        window.show()
                        d = Driver(window)
                        states = _states(d)
                        if staff:
                            from ui.staffmode.shots import staff_states

                            states = itertools.chain(states, staff_states(d))
                        for i, (state, act) in enumerate(states, 1):
                            act()
                            d.settle()
                            window.session.set_language(lang_)
                            window.session.set_display(large_text=theme_ == "large",
                                                       high_contrast=theme_ == "contrast")
                            d.settle()
                            path = out_dir / f"{size_name}-{lang_}-{theme_}-{i:02d}-{state}.png"
                            window.grab().save(str(path))
                            written.append(path)
                        window.may_close = True
                        window.close()
                        window.deleteLater()
                        app.processEvents()
                    finally:
                        runner().wait()
                        k.close()
    set_language(DEFAULT_LANGUAGE)
    return written


class _NullPrinter:
    """Shows the "print" choice without printing anything."""

    name = "screenshots"

    def print_receipt(self, receipt) -> None:
        pass

    def check(self) -> str:
        return "ok"
