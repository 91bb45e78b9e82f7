"""Typing a code on screen: for a label the camera cannot read, or no camera at all.

Item codes are letters, a dash and digits (``T-00042``, ``BG-00001``), so the
keyboard has exactly those keys, each a full touch target. The typed text goes
the same way as a scanned code. :class:`CodeKeyboard` is a dialog for one code;
:class:`CodePad` sits in a scan screen in the camera's place while the camera
is missing (:class:`CameraWatch` tells when).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.devices import DeviceStatus
from ui.text import N_, tr
from ui.widgets.common import TypingKeys, button
from ui.widgets.host import WindowHost
from ui.widgets.overlay import Overlay

_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM")
MAX_LENGTH = 24


class CodeKeyboard(TypingKeys, Overlay):
    """Closes with "ok" and the typed text in :attr:`text`, or "cancel"."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host, "CodeKeyboard")
        self.field = QLineEdit()
        self.field.setObjectName("TypedCode")
        self.field.setReadOnly(True)  # typed with the keys below, never a system keyboard
        self.body.insertWidget(2, self.field)
        grid = QGridLayout()
        grid.setSpacing(6)
        self.keys = {}
        for r, row in enumerate(_ROWS):
            for c, ch in enumerate(row):
                b = button(ch, "key", f"type_{ch}")
                b.setProperty("role", "typekey")
                b.setProperty("a11yGroup", "typekeys")
                b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
                b.clicked.connect(lambda _=False, k=ch: self.type_text(k))
                grid.addWidget(b, r, c)
                self.keys[ch] = b
        self.erase = button("", "typekey", "type_erase")
        self.erase.setProperty("role", "typekey")
        self.erase.setProperty("a11yGroup", "typekeys")
        self.erase.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.erase.clicked.connect(lambda: self.field.setText(self.field.text()[:-1]))
        grid.addWidget(self.erase, 3, 7, 1, 3)
        self.body.insertLayout(3, grid)
        self.ok = self.add_button("", "ok", "primary")
        self.cancel = self.add_button("", "cancel")
        self.retranslate()

    def erase_button(self) -> QPushButton:
        return self.erase

    def ok_button(self) -> QPushButton:
        return self.ok

    @property
    def text(self) -> str:
        return self.field.text()

    def type_text(self, chars: str) -> None:
        self.field.setText((self.field.text() + chars)[:MAX_LENGTH])
        host = self.parentWidget()
        if isinstance(host, WindowHost):
            host.say(chars)  # each key read back while voice guidance is on

    def prompt(self) -> list[str]:
        said = super().prompt()
        if self.field.text():
            said.append(tr(N_("Typed so far: {code}"), code=" ".join(self.field.text())))
        return said

    def finish(self, result: str = "") -> None:
        if result == "ok" and not self.field.text():
            return  # nothing typed: stay open
        super().finish(result)

    def retranslate(self) -> None:
        self.title.setText(tr(N_("Type the code")))
        self.message.setText(tr(N_("Type the code printed under the QR label, for example T-00042.")))
        self.erase.setText(tr(N_("Erase")))
        self.keys["-"].setAccessibleName(tr(N_("Dash")))
        self.ok.setText(tr(N_("OK")))
        self.cancel.setText(tr(N_("Cancel")))


class CodePad(TypingKeys, QWidget):
    """The same keys as :class:`CodeKeyboard`, laid in the screen itself: the typed way in
    while the camera is missing. Emits :attr:`typed` with the text when OK is touched."""

    typed = Signal(str)

    def __init__(self, say=None, prefix: str = "pad", primary: bool = False) -> None:
        super().__init__()
        self.setObjectName(f"{prefix}CodePad")
        self.setProperty("role", "codepad")  # (its keys are narrower with large text: ui.theme)
        self._say = say
        self.field = QLineEdit()
        self.field.setObjectName(f"{prefix}_code")
        self.field.setReadOnly(True)  # typed with the keys below, never a system keyboard
        grid = QGridLayout()
        grid.setSpacing(6)
        self.keys: dict[str, QPushButton] = {}
        for r, row in enumerate(_ROWS):
            for c, ch in enumerate(row):
                b = self._key(ch, f"{prefix}_{ch}")
                b.clicked.connect(lambda _=False, k=ch: self.type_text(k))
                grid.addWidget(b, r, c)
                self.keys[ch] = b
        self.erase = self._key("", f"{prefix}_erase")
        self.erase.clicked.connect(lambda: self.field.setText(self.field.text()[:-1]))
        grid.addWidget(self.erase, 3, 7, 1, 3)
        # Not "primary" where the screen has its own next step (Done): that stays its one primary action.
        self.ok = self._key("", f"{prefix}_ok")
        if primary:
            self.ok.setProperty("role", "primary")
        self.ok.clicked.connect(self._ok)
        # OK beside what was typed, not on a row of its own: the keys fit a small panel with large text.
        self.ok.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.field, 3)
        top.addWidget(self.ok, 1)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(top)
        col.addLayout(grid, 1)
        self.retranslate()

    @staticmethod
    def _key(text: str, name: str) -> QPushButton:
        b = button(text, "typekey", name)
        b.setProperty("a11yGroup", "typekeys")  # the voice names the keyboard, not each key
        b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        return b

    def erase_button(self) -> QPushButton:
        return self.erase

    def ok_button(self) -> QPushButton:
        return self.ok

    @property
    def text(self) -> str:
        return self.field.text()

    def type_text(self, chars: str) -> None:
        self.field.setText((self.field.text() + chars)[:MAX_LENGTH])
        if self._say is not None:
            self._say(chars)  # each key read back while voice guidance is on

    def _ok(self) -> None:
        text = self.field.text()
        if text:  # nothing typed: nothing to look up
            self.field.clear()
            self.typed.emit(text)

    def retranslate(self) -> None:
        self.erase.setText(tr(N_("Erase")))
        self.keys["-"].setAccessibleName(tr(N_("Dash")))
        self.ok.setText(tr(N_("OK")))


#: camera states in which scanning cannot work: typing takes the camera's place
NO_CAMERA = frozenset({"missing", "degraded", "off"})


class CameraWatch(QObject):
    """Follows the camera's state in the device-status holder, on the GUI thread.

    The holder calls its listeners on whichever thread changed it; the signal
    carries the change to this object's thread.
    """

    changed = Signal(str)

    def __init__(self, devices: DeviceStatus | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.devices = devices
        if devices is not None:
            devices.subscribe(self._heard)

    def _heard(self, device: str, state: str) -> None:
        if device != "camera":
            return
        try:
            self.changed.emit(state)
        except RuntimeError:
            pass  # the window it belonged to is gone; the holder outlives it

    @property
    def missing(self) -> bool:
        """True while the camera cannot scan (missing, failing or switched off)."""
        return self.devices is not None and self.devices.camera in NO_CAMERA


def devices_of(host: QWidget | None) -> DeviceStatus | None:
    """The device-status holder of the window a screen is shown in (None: none known)."""
    from ui.widgets.host import WindowHost

    return host.devices if isinstance(host, WindowHost) else None
