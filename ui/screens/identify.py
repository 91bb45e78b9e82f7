"""Identify: show the member card, or type the membership number and PIN."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QLineEdit, QStackedWidget, QVBoxLayout, QWidget

from kiosk.codes import MemberKey, MemberNumber, Scan, card_key
from kiosk.errors import KioskError
from ui.private_voice import personal
from ui.screens.base import Screen, ScreenScroll
from ui.text import N_, error_text, tr
from ui.widgets.camera_view import CameraView
from ui.widgets.common import Banner, Keypad, button, label, restyle, reveal
from ui.widgets.keyboard import CameraWatch, devices_of


class IdentifyScreen(Screen):
    name = "identify"
    wants_camera = True
    accepts_typed = False  # no card: the number and PIN keypad is the typed way in

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.next = "borrow"
        self.busy = False
        self.banner = Banner()
        self.stack = QStackedWidget()

        # -- card ------------------------------------------------------------------
        card_page = QWidget()
        page_col = QVBoxLayout(card_page)
        page_col.setContentsMargins(0, 0, 0, 0)
        self.card_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.camera = CameraView()
        self.card_hint = label("", "title")
        self.card_hint.setProperty("instruction", True)  # the low-reach caption says it instead
        self.card_hint.setObjectName("CardHint")
        self.card_hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # The way without a card is a full-width button: its text stays whole in large text.
        self.use_pin = button("", None, "UsePin")
        self.use_pin.clicked.connect(self.show_pin)
        self.card_layout.addWidget(self.camera, 3)
        self.card_layout.addWidget(self.card_hint, 2)
        page_col.addLayout(self.card_layout, 1)
        page_col.addWidget(self.use_pin)
        self.stack.addWidget(card_page)

        # -- number and PIN -----------------------------------------------------------
        pin_page = QWidget()
        self.pin_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, pin_page)
        # The message and the fields scroll where the panel is short; the keypad with its OK stays in view.
        fields = QVBoxLayout()
        self.number_label = label("")
        self.number = QLineEdit()
        self.number.setObjectName("MemberNumber")
        self.number.setReadOnly(True)
        self.pin_label = label("")
        self.pin = QLineEdit()
        self.pin.setObjectName("MemberPin")
        self.pin.setReadOnly(True)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_hint = label("", "muted")
        self.pin_hint.setProperty("instruction", True)  # the low-reach caption says it instead
        self.back_to_card = button("", None, "UseCard")
        self.back_to_card.clicked.connect(self.show_card)
        for w in (self.number_label, self.number, self.pin_label, self.pin, self.pin_hint):
            fields.addWidget(w)
        fields.addStretch(1)
        fields.addWidget(self.back_to_card)
        self.fields = fields
        self.keypad = Keypad()
        self.keypad.digit.connect(self._digit)
        self.keypad.erase.connect(self._erase)
        self.keypad.confirm.connect(self._confirm)
        self.pin_layout.addWidget(ScreenScroll(fields, "PinFields"), 1)
        self.pin_layout.addWidget(self.keypad, 1)
        self.stack.addWidget(pin_page)

        self.col = QVBoxLayout(self)
        self.col.addWidget(self.banner)
        self.col.addWidget(self.stack, 1)
        self.stack.currentChanged.connect(self._place_banner)
        # Without a camera a card cannot be read: the number and PIN keypad is the way in.
        self.watch = CameraWatch(devices_of(ctx.host), self)
        self.watch.changed.connect(lambda _state: self._camera_changed())

    def _place_banner(self, page: int) -> None:
        # Over the camera for a card; with the number and PIN, in their column (which scrolls on a
        # short panel) so that the keypad with its OK stays in view under a message.
        if page == 1:
            self.fields.insertWidget(0, self.banner)
        else:
            self.col.insertWidget(0, self.banner)

    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        self.card_layout.setDirection(d)
        self.pin_layout.setDirection(d)

    def title(self) -> str:
        return tr(N_("Sign in"))

    def retranslate(self) -> None:
        self.card_hint.setText(tr(N_("Show your member card to the camera.")))
        self.use_pin.setText(tr(N_("No card? Use your number and PIN")))
        self.number_label.setText(tr(N_("Membership number")))
        self.pin_label.setText(tr(N_("PIN")))
        self.pin_hint.setText(self._pin_step())
        self.back_to_card.setText(tr(N_("Use my card instead")))
        self.keypad.retranslate(tr(N_("Erase")), tr(N_("OK")))

    def _pin_step(self) -> str:
        if self.number.property("done"):
            return tr(N_("Now type your PIN, then touch OK."))
        if self.watch.missing:
            return tr(N_("The camera is not working now, so a card cannot be read. Type your "
                         "membership number, then touch OK."))
        return tr(N_("Type your membership number, then touch OK."))

    def _camera_changed(self) -> None:
        missing = self.watch.missing
        self.back_to_card.setVisible(not missing)  # no card can be read: no way back to it
        # Why the card cannot be used is the main instruction then, in full-contrast text.
        self.pin_hint.setProperty("role", None if missing else "muted")
        restyle(self.pin_hint)
        if missing and not self.pin_mode:
            self.show_pin()
        elif not missing and self.pin_mode and not self.number.text():
            self.show_card()  # the camera is back and nothing was typed yet
        else:
            self.pin_hint.setText(self._pin_step())

    def said(self) -> list[str]:
        return self.banner.spoken()

    def instruction(self) -> str:
        if self.pin_mode:
            return self._pin_step()
        return tr(N_("Show your member card to the camera."))

    @property
    def pin_mode(self) -> bool:
        return self.stack.currentIndex() == 1

    def show_card(self) -> None:
        if self.watch.missing:
            self.show_pin()
            return
        self.stack.setCurrentIndex(0)
        self.ctx.announce()

    def show_pin(self) -> None:
        self.number.clear()
        self.pin.clear()
        self.number.setProperty("done", False)
        self.pin_hint.setText(self._pin_step())
        self.stack.setCurrentIndex(1)
        self.ctx.announce()

    def _field(self) -> QLineEdit:
        return self.pin if self.number.property("done") else self.number

    def _digit(self, d: str) -> None:
        f = self._field()
        if len(f.text()) < 8:
            f.setText(f.text() + d)
            # The number is read back into earphones; on the loudspeaker each key is only
            # acknowledged ("digit"), as the number is personal. A PIN digit is always "star".
            self.ctx.say(personal(d, tr(N_("digit"))) if f is self.number else tr(N_("star")))

    def _erase(self) -> None:
        f = self._field()
        if not f.text() and f is self.pin:
            self.number.setProperty("done", False)
            self.pin_hint.setText(self._pin_step())
            self.ctx.announce()
            return
        f.setText(f.text()[:-1])

    def _confirm(self) -> None:
        if not self.number.property("done"):
            if self.number.text():
                self.number.setProperty("done", True)
                self.pin_hint.setText(self._pin_step())
                reveal(self.pin)  # where the fields scroll on a short panel: the PIN's field in view
                self.ctx.announce()
            return
        if not self.pin.text() or self.busy:
            return
        number, pin = self.number.text(), self.pin.text()
        self.busy = True
        self.ctx.run(lambda: self.ctx.kiosk.members.identify_by_pin(number, pin),
                     lambda m: self._identified(m, MemberNumber(m.number)), self._failed)

    def enter(self, next: str = "borrow", ref: Scan | None = None, **_kw) -> None:
        self.next = next
        self.busy = False
        self.banner.clear()
        self.stack.setCurrentIndex(0)
        self.number.setProperty("done", False)
        self._camera_changed()
        if ref is not None:
            self.handle_scan(ref)

    def reset(self) -> None:
        self.banner.clear()
        self.number.clear()
        self.pin.clear()
        self.number.setProperty("done", False)
        self.stack.setCurrentIndex(0)
        self._camera_changed()

    def handle_scan(self, ref: Scan) -> bool:
        if self.busy:
            return True
        try:
            card = card_key(ref)
        except KioskError as exc:
            self._failed(exc)  # not a card: refused as read, nothing to look up
            return True
        self.busy = True
        self.ctx.run(lambda: self.ctx.kiosk.members.identify(card),
                     lambda m: self._identified(m, card), self._failed)
        return True

    def _identified(self, member, ref: MemberKey) -> None:
        self.busy = False
        self.session.identify(member, ref)
        self.ctx.sound.play("ok")
        self.ctx.go(self.next)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.ctx.sound.play("refused")
        self.banner.show_message("refused", lambda: error_text(exc))
        if self.pin_mode:
            self.pin.clear()
            reveal(self.banner)  # above the fields, which may have scrolled to the PIN's
        self.ctx.announce()
