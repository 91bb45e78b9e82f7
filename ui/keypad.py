"""Working every resident screen from a physical keypad, with the voice alone.

A barrier-free kiosk keypad (arrows, OK, back, help, volume, speed, repeat) or a
plain numeric USB keypad appears to the computer as keyboard keys; the
``keypad_keys`` setting (:mod:`kiosk.keymap`) says which key does what.
:class:`KeypadNavigator` watches the kiosk window's keys:

* *next* / *previous* move a focus through the buttons of the screen (or of the
  open dialog, which comes first) in reading order, top to bottom and left to
  right, wrapping around; the focused button gets a thick two-colour ring
  (:class:`FocusRing`) and the voice says its role, name, state and place:
  "버튼, 빌리기, 1 / 4";
* *ok* presses it; *back* does what the screen's own way back does (its cancel,
  "use my card instead", or Home); *erase* deletes the last digit typed;
* *help* says what to do here and what the keys do; pressed again within
  :data:`HELP_AGAIN_MS` it calls staff (the Help button's call);
* *louder* / *softer*, *faster* / *slower* / *speed* set the voice; *repeat*
  says the screen's guide again.

Where a number or code is typed (member number and PIN, an item code, a count),
digit keys type: each goes through the on-screen key it stands for, so it is
echoed as a touch is (a PIN digit as "star").

The first keypad key turns voice guidance on, as plugging in earphones does,
and is taken for that alone: the resident hears where they are and which keys
do what. A keyboard-wedge scanner types too, but a whole code within a few tens
of milliseconds: every printable key waits that long (the rule of
:class:`hardware.wedge.WedgeParser`) and a key that comes that fast after
another marks a scanner's burst, which is never taken for keypad presses.
The navigator never swallows a key, so the wedge filter sees all of them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QApplication, QLineEdit, QWidget

from kiosk.errors import BadInput
from kiosk.keymap import KeyMap, parse
from ui.text import N_, tr
from ui.voice import accessible_name
from ui.widgets.common import TypingKeys, reveal
from ui.widgets.overlay import Overlay, open_overlays

if TYPE_CHECKING:
    from ui.app import KioskWindow

#: a second press of Help within this time calls staff
HELP_AGAIN_MS = 5000
#: how often the ring follows its button (scrolling, a new layout) while one is focused
FOLLOW_MS = 200
#: the ring's two bands, outer then inner, per theme: whichever the button and the ground are,
#: one band stands out from each by 3:1 or more (tests/ui/test_keypad.py checks every pair)
RING_COLOURS = {"default": ("#000000", "#FFD400"), "contrast": ("#FFFFFF", "#000000")}
#: the smallest width of one band, in pixels
RING_MIN_PX = 3
#: the screens' own ways back, first found wins; Home when none is there
BACK_BUTTONS = ("UseCard", "SetPinCancel", "ReturnBack", "ThanksHome", "StartOver")
#: a dialog's ways back, by the result its button closes with
BACK_RESULTS = ("close", "back", "more", "cancel")


def qt_key(name: str) -> tuple[int, bool]:
    """A key name of the map as (Qt key, numeric keypad only)."""
    keypad = name.startswith("Num") and len(name) > 3
    base = name[3:] if keypad else name
    return int(getattr(Qt.Key, f"Key_{base}").value), keypad


def bindings(keys: KeyMap) -> dict[tuple[int, bool], str]:
    """(Qt key, pressed on the numeric keypad) -> action. A plain name works from either
    place; a ``Num`` name only from the keypad, and wins there."""
    out: dict[tuple[int, bool], str] = {}
    for action, names in keys.items():
        for name in names:
            key, keypad = qt_key(name)
            if not keypad:
                out.setdefault((key, False), action)
                out.setdefault((key, True), action)
    for action, names in keys.items():
        for name in names:
            key, keypad = qt_key(name)
            if keypad:
                out[(key, True)] = action
    return out


@dataclass
class TypingPad:
    """The on-screen keys a typed digit or letter goes through."""

    keys: dict[str, QAbstractButton]
    erase: QAbstractButton | None
    ok: QAbstractButton | None


def typing_pad(root: QWidget) -> TypingPad | None:
    """The keys shown in ``root`` for typing a number or code (a keypad, the code keys), if any."""
    for w in (root, *root.findChildren(QWidget)):
        if not isinstance(w, TypingKeys) or not w.isVisible():
            continue
        buttons: dict[str, QAbstractButton] = {k: b for k, b in w.keys.items() if len(k) == 1}
        if not any(b.isVisible() for b in buttons.values()):
            continue
        return TypingPad(buttons, w.erase_button(), w.ok_button())
    return None


class FocusRing(QWidget):
    """The keypad's focus: a thick two-colour ring drawn around the focused button."""

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("KeypadFocus")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.target: QWidget | None = None
        self.hide()

    def band(self) -> int:
        """One band's width in pixels (1.2 mm, at least 3 px)."""
        return max(RING_MIN_PX, self.window_.theme.mm(1.2))

    def colours(self) -> tuple[str, str]:
        return RING_COLOURS.get(self.window_.theme.name, RING_COLOURS["default"])

    def follow(self, target: QWidget | None) -> None:
        """Ring ``target`` (None: no ring), where it is now."""
        self.target = target
        if target is None or not target.isVisible():
            self.hide()
            return
        w = self.band()
        box = QRect(target.mapTo(self.window_, target.rect().topLeft()), target.size())
        self.setGeometry(box.adjusted(-2 * w, -2 * w, 2 * w, 2 * w))
        self.show()
        self.raise_()
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w = self.band()
        radius = self.window_.theme.mm(2.5)
        for n, colour in enumerate(self.colours()):
            inset = w * n + w / 2
            p.setPen(QPen(QColor(colour), w))
            p.setBrush(Qt.BrushStyle.NoBrush)
            r = QRectF(self.rect()).adjusted(inset, inset, -inset, -inset)
            p.drawRoundedRect(r, radius + w * (2 - n), radius + w * (2 - n))
        p.end()


class KeypadNavigator(QObject):
    """The keypad on the resident window: focus, announce, press, back, help, voice."""

    def __init__(self, window: KioskWindow, keys: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        from hardware.wedge import WedgeParser

        self.window = window
        self.voice = window.voice
        self.clock = clock
        #: the scanner rule: keys within its interval of each other are a wedge's burst
        self.wedge = WedgeParser()
        self.keys: KeyMap = {}
        self.bindings: dict[tuple[int, bool], str] = {}
        self.set_keys(keys)
        self.focused: QAbstractButton | None = None
        self._context: QWidget | None = None
        self._before_dialog: tuple[QWidget, QAbstractButton] | None = None
        #: voice guidance was turned on by a key in this session: its introduction names the keys
        self.woke = False
        self._pending: tuple[str, str] | None = None
        self._defer = QTimer(self)
        self._defer.setSingleShot(True)
        self._defer.setInterval(math.ceil(self.wedge.max_interval_s * 1000) + 15)
        self._defer.timeout.connect(self._act_pending)
        self.help_again = QTimer(self)
        self.help_again.setSingleShot(True)
        self.help_again.setInterval(HELP_AGAIN_MS)
        self.ring = FocusRing(window)
        self._follow = QTimer(self)
        self._follow.setInterval(FOLLOW_MS)
        self._follow.timeout.connect(self._keep_ring)
        window.installEventFilter(self)
        window.stack.currentChanged.connect(lambda _i: self.clear())
        window.session.ended.connect(self._session_ended)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    # -- the map ---------------------------------------------------------------------
    def set_keys(self, text: str) -> None:
        """Use the key map ``text`` (a bad one leaves the keypad off; the setting's check
        refuses it before it is stored)."""
        try:
            self.keys = parse(text or "")
        except BadInput:
            self.keys = {}
        self.bindings = bindings(self.keys)

    @property
    def waiting(self) -> bool:
        """A printable key is held back for the scanner rule's interval."""
        return self._defer.isActive()

    @property
    def enabled(self) -> bool:
        staff = self.window.staff_mode
        return bool(self.bindings) and not (staff is not None and staff.isVisible())

    # -- keys ------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.window and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress
                and not event.isAutoRepeat() and self.enabled):
            self.key_pressed(event)
        return False  # never swallowed: the wedge filter reads every key too

    def key_pressed(self, event: QKeyEvent) -> None:
        mods = event.modifiers()
        if mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                   | Qt.KeyboardModifier.MetaModifier):
            return
        t = self.clock()
        key = event.key()
        enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        text = "\n" if enter else event.text()
        burst = self.wedge.in_burst(t)  # this key came as fast after the last as a scanner types
        if text:
            self.wedge.feed(text, t)
        if burst:
            self._pending = None  # the key held back was the burst's first: a scan, not a press
            self._defer.stop()
            return
        keypad = bool(mods & Qt.KeyboardModifier.KeypadModifier)
        action = self.bindings.get((int(key), keypad))
        char = text if len(text) == 1 and text.isprintable() else ""
        if action is None and not char:
            return
        if char:
            # A printable key may be a scanner's first: act once no second one followed it.
            self._pending = (action or "", char)
            self._defer.start()
        else:
            self.perform(action or "", "", keypad)

    def _act_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            self.perform(*pending, keypad=False)

    def perform(self, action: str, char: str = "", keypad: bool = False) -> None:
        """Do what a key means here: type ``char`` where a code is typed, else ``action``."""
        pad = self._pad()
        typed = char.upper() if char else ""
        types = pad is not None and typed in pad.keys and (typed.isdigit() or not action)
        if not (types or action):
            return
        if not self.window.session.voice:
            # The first key turns voice on (like earphones): the resident hears where they are.
            self.woke = True
            self.window.session.set_voice(True)
            return
        self._sync_context()
        if types and pad is not None:
            self.type_key(pad, typed)
            return
        getattr(self, f"do_{action}")()

    # -- where the focus moves ---------------------------------------------------------
    def _scope(self) -> tuple[QWidget, QWidget]:
        """(where the buttons are, the context they belong to): the open dialog, else the screen."""
        overlays = open_overlays(self.window)
        if overlays:
            return overlays[-1].panel, overlays[-1]
        return self.window, self.window.current

    def elements(self) -> list[QAbstractButton]:
        """The buttons a key can reach now, in reading order."""
        scope, _context = self._scope()
        found = []
        for b in scope.findChildren(QAbstractButton):
            if not (b.isVisible() and b.isEnabled()):
                continue
            if scope is self.window and self._covered(b):
                continue
            pos = b.mapTo(self.window, b.rect().topLeft())
            found.append((pos.y() // 8, pos.x(), b))
        return [b for _y, _x, b in sorted(found, key=lambda f: (f[0], f[1]))]

    def _covered(self, b: QWidget) -> bool:
        """In a dialog, or in staff mode: not one of the screen's buttons."""
        w = b.parentWidget()
        staff = self.window.staff_mode
        while w is not None and w is not self.window:
            if isinstance(w, Overlay) or w is staff:
                return True
            w = w.parentWidget()
        return False

    def _sync_context(self) -> None:
        scope, context = self._scope()
        if context is self._context:
            return
        before, self._context = self._context, context
        if isinstance(context, Overlay):
            if before is not None and not isinstance(before, Overlay) and self.focused is not None:
                self._before_dialog = (before, self.focused)  # back here when the dialog closes
            self.set_focus(None)
        elif self._before_dialog is not None and self._before_dialog[0] is context:
            _ctx, button = self._before_dialog
            self._before_dialog = None
            self.set_focus(button if button in self.elements() else None)
        else:
            self.set_focus(None)

    def clear(self) -> None:
        """Another screen: nothing focused on it yet."""
        self._before_dialog = None
        self._context = None
        self.set_focus(None)

    def _session_ended(self) -> None:
        self.woke = False
        self.help_again.stop()
        self.clear()

    def set_focus(self, button: QAbstractButton | None) -> None:
        self.focused = button
        if button is not None:
            reveal(button)
        self.ring.follow(button)
        if button is None:
            self._follow.stop()
        else:
            self._follow.start()

    def _keep_ring(self) -> None:
        b = self.focused
        try:
            alive = b is not None and b.isVisible()
        except RuntimeError:  # deleted with its row or dialog
            alive = False
        if not alive:
            self.focused = None
            self.ring.follow(None)
            self._follow.stop()
            return
        self.ring.follow(b)

    def next_focus(self, step: int) -> tuple[QAbstractButton, int, int] | None:
        """Where ``step`` (+1 next, -1 previous) moves the focus: (button, place, count)."""
        els = self.elements()
        if not els:
            return None
        if self.focused in els:
            i = (els.index(self.focused) + step) % len(els)
        else:
            i = 0 if step > 0 else len(els) - 1
        return els[i], i + 1, len(els)

    def move(self, step: int) -> str:
        """Move the focus and say what it is on; returns what was said."""
        found = self.next_focus(step)
        if found is None:
            text = tr(N_("There are no buttons here."))
        else:
            button, place, count = found
            self.set_focus(button)
            text = self.describe(button, place, count)
        self.voice.speak(text)
        return text

    @staticmethod
    def name_of(button: QAbstractButton) -> str:
        """The button's name; an item row's button ("Renew") with the item it is for."""
        from ui.widgets.item_row import ItemRow

        name = accessible_name(button)
        w = button.parentWidget()
        while w is not None and not isinstance(w, ItemRow):
            w = w.parentWidget()
        item = " ".join(w.name.text().split()) if isinstance(w, ItemRow) else ""
        return tr(N_("{action}: {item}"), action=name, item=item) if name and item else name

    def describe(self, button: QAbstractButton, place: int, count: int) -> str:
        """Role, name, state and place: "버튼, 빌리기, 1 / 4"."""
        role, name = tr(N_("button")), self.name_of(button)
        if button.isCheckable():
            state = tr(N_("selected")) if button.isChecked() else tr(N_("not selected"))
            return tr(N_("{role}, {name}, {state}, {position} of {count}"), role=role, name=name,
                      state=state, position=place, count=count)
        return tr(N_("{role}, {name}, {position} of {count}"), role=role, name=name, position=place,
                  count=count)

    def walk(self) -> list[tuple[QAbstractButton, str, str]]:
        """Every button *next* reaches from the start, once round, with its name and what is
        said on it (the accessibility audit's check); the focus is left as it was."""
        saved = self.focused
        out: list[tuple[QAbstractButton, str, str]] = []
        self.focused = None
        try:
            while True:
                found = self.next_focus(+1)
                if found is None or (out and found[0] is out[0][0]) or len(out) > 500:
                    break
                button, place, count = found
                self.focused = button
                out.append((button, self.name_of(button), self.describe(button, place, count)))
        finally:
            self.focused = saved
        return out

    # -- actions ---------------------------------------------------------------------------
    def do_next(self) -> None:
        self.move(+1)

    def do_previous(self) -> None:
        self.move(-1)

    def do_ok(self) -> None:
        b = self.focused
        if b is None or b not in self.elements():
            self.set_focus(None)
            self.voice.speak(tr(N_("Nothing is chosen yet. Move to a button with the arrow keys first.")))
            return
        b.click()
        try:
            still = b.isCheckable() and b.isVisible()
        except RuntimeError:
            return
        if still:
            # A toggle: its new state (a new guide, when the screen changed with it, comes after).
            self.voice.speak(tr(N_("selected")) if b.isChecked() else tr(N_("not selected")))

    def do_back(self) -> None:
        target = self.back_button()
        if target is None:
            self.voice.speak(tr(N_("This is the first screen.")))
            return
        target.click()

    def back_button(self) -> QAbstractButton | None:
        """What *back* presses here: the dialog's way out, or the screen's way back, or Home."""
        overlays = open_overlays(self.window)
        if overlays:
            top = overlays[-1]
            for result in BACK_RESULTS:
                b = top.panel.findChild(QAbstractButton, f"{top.objectName()}_{result}")
                if b is not None and b.isVisible() and b.isEnabled():
                    return b
            return None
        shown = {b.objectName(): b for b in self.elements()}
        return next((shown[name] for name in BACK_BUTTONS if name in shown), None)

    def do_erase(self) -> None:
        overlays = open_overlays(self.window)
        root = overlays[-1] if overlays else self.window.current
        pad = typing_pad(root)
        fields = [f for f in root.findChildren(QLineEdit) if f.isVisible()]
        if pad is None or pad.erase is None or not pad.erase.isVisible() or (
                fields and not any(f.text() for f in fields)):
            self.do_back()  # nothing typed to erase: the previous step
            return
        self.voice.speak(tr(N_("Erased.")))  # a pad that says more (a count) speaks over it
        pad.erase.click()

    def type_key(self, pad: TypingPad, char: str) -> None:
        b = pad.keys[char]
        if not (b.isVisible() and b.isEnabled()):
            return
        b.click()  # echoed as a touch of the key is (a PIN digit as "star")
        if pad.ok is not None and pad.ok.isVisible() and pad.ok.isEnabled():
            self.set_focus(pad.ok)  # OK now sends what was typed

    def _pad(self) -> TypingPad | None:
        overlays = open_overlays(self.window)
        return typing_pad(overlays[-1] if overlays else self.window.current)

    def do_help(self) -> None:
        from ui.widgets.help_call import HelpCallDialog

        calling = any(isinstance(o, HelpCallDialog) for o in open_overlays(self.window))
        if self.help_again.isActive() and not calling:
            self.help_again.stop()
            self.window.chrome.call_help()
            return
        parts = [self.window.guide_text(), self.keys_help()]
        if not calling:
            parts.append(tr(N_("To call staff, press Help again now.")))
        self.voice.speak(" ".join(p for p in parts if p))
        self.help_again.start()

    def do_repeat(self) -> None:
        self.window.repeat()

    def do_louder(self) -> None:
        self.voice.change_volume(+1)

    def do_softer(self) -> None:
        self.voice.change_volume(-1)

    def do_faster(self) -> None:
        self.voice.change_rate(+1)

    def do_slower(self) -> None:
        self.voice.change_rate(-1)

    def do_speed(self) -> None:
        from ui.voice import RATE_STEPS

        top = len(RATE_STEPS) - 1
        self.voice.change_rate(-top if self.voice.rate_step >= top else +1)

    # -- what the keys do, said -------------------------------------------------------------
    def keys_help(self) -> str:
        """What the keys do, in a sentence or two."""
        said = [tr(N_("Keys: up and down move between the buttons, OK chooses, Back returns to the "
                      "previous step, Repeat says it again, and the volume and speed keys change the "
                      "voice. Where a number is asked for, type it with the number keys."))]
        k = self.keys
        numeric = ("Num8" in k.get("previous", ()) and "Num2" in k.get("next", ())
                   and "Num5" in k.get("ok", ()) and "NumSlash" in k.get("help", ())
                   and "NumPeriod" in (*k.get("erase", ()), *k.get("back", ())))
        if numeric:
            said.append(tr(N_("On a number keypad: 8 and 2 move, 5 or Enter chooses, the dot goes "
                              "back, the slash is Help and the star repeats.")))
        return " ".join(said)

    def intro_sentences(self) -> list[str]:
        """Added to voice guidance's introduction when a key turned it on."""
        return [self.keys_help()] if self.woke and self.bindings else []

    # -- keys meant for the window ---------------------------------------------------------------
    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """A touched read-only field or list would keep the keys from the window: give them back."""
        if new is None or new is self.window or not self.window.isAncestorOf(new) or not self.enabled:
            return
        if (isinstance(new, QLineEdit) and new.isReadOnly()) or isinstance(new, QAbstractScrollArea):
            self.window.setFocus()
