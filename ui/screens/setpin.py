"""Set a PIN: a signed-in member chooses a PIN on the keypad, typed twice.

With a PIN a member can sign in here without their card (number + PIN) and
reserve on the city platform's pages; the PIN's hash reaches the platform by sync.
"""

from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QLineEdit, QVBoxLayout

from ui.screens.base import Screen, ScreenScroll
from ui.text import N_, error_text, tr
from ui.widgets.common import Banner, Keypad, button, label

PIN_LONGEST = 8


class SetPinScreen(Screen):
    name = "setpin"
    needs_member = True
    accepts_typed = False  # the keypad is the way in; a scanned card changes nothing here

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.busy = False
        self.first = ""  # the PIN as typed the first time
        self.banner = Banner()
        self.step = label("", "title")
        self.step.setObjectName("SetPinStep")
        self.step.setProperty("instruction", True)  # the low-reach caption says it instead
        self.pin = QLineEdit()
        self.pin.setObjectName("NewPin")
        self.pin.setReadOnly(True)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.cancel = button("", None, "SetPinCancel")
        self.cancel.clicked.connect(lambda: self.ctx.go("loans"))
        # The message and the fields scroll where the panel is short; the keypad with its OK stays in view.
        fields = QVBoxLayout()
        fields.addWidget(self.banner)
        fields.addWidget(self.step)
        fields.addWidget(self.pin)
        fields.addStretch(1)
        fields.addWidget(self.cancel)
        self.keypad = Keypad()
        for key, b in self.keypad.keys.items():  # apart from the sign-in keypad's keys
            b.setObjectName(f"newpin_{key}")
        self.keypad.digit.connect(self._digit)
        self.keypad.erase.connect(lambda: self.pin.setText(self.pin.text()[:-1]))
        self.keypad.confirm.connect(self._confirm)
        self.fields = ScreenScroll(fields, "SetPinFields")
        self.layout_ = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.layout_.addWidget(self.fields, 1)
        self.layout_.addWidget(self.keypad, 1)

    def set_portrait(self, portrait: bool) -> None:
        self.layout_.setDirection(QBoxLayout.Direction.TopToBottom if portrait
                                  else QBoxLayout.Direction.LeftToRight)

    def title(self) -> str:
        return tr(N_("Set a PIN"))

    def retranslate(self) -> None:
        self.step.setText(self.instruction())
        self.cancel.setText(tr(N_("Cancel")))
        self.keypad.retranslate(tr(N_("Erase")), tr(N_("OK")))

    def instruction(self) -> str:
        if self.first:
            return tr(N_("Type the same PIN again, then touch OK."))
        return tr(N_("Choose a PIN of 4 to 8 digits, then touch OK."))

    def prompt(self) -> list[str]:
        return [*self.banner.spoken(), self.instruction()]

    def enter(self, **_kw) -> None:
        self.reset()

    def reset(self) -> None:
        self.busy = False
        self.first = ""
        self.pin.clear()
        self.banner.clear()
        self.step.setText(self.instruction())

    def _digit(self, d: str) -> None:
        if len(self.pin.text()) < PIN_LONGEST:
            self.pin.setText(self.pin.text() + d)
            # A PIN is never read back (someone may be standing close by): each digit is a "star".
            self.ctx.say(tr(N_("star")))

    def _confirm(self) -> None:
        typed = self.pin.text()
        if self.busy or not typed:
            return
        self.pin.clear()
        if not self.first:
            self.first = typed
            self.banner.clear()
            self.step.setText(self.instruction())
            self.ctx.announce()
            return
        if typed != self.first:
            self.first = ""
            self.step.setText(self.instruction())
            self.ctx.sound.play("refused")
            self.banner.show_message("refused", lambda: tr(N_("The two PINs are not the same. "
                                                              "Please choose your PIN again.")))
            self.ctx.announce()
            return
        member = self.session.member
        if member is None:
            return
        self.busy = True
        number = member.number
        self.ctx.run(lambda: self.ctx.kiosk.members.set_pin(number, typed, actor=None),
                     self._done, self._failed)

    def _done(self, _result) -> None:
        self.busy = False
        self.first = ""
        self.ctx.sound.play("ok")
        self.banner.show_message("ok", lambda: tr(N_("Your PIN is set. You can now sign in with your "
                                                     "number and PIN, here and on the city's website.")))
        self.step.setText("")
        self.ctx.announce()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.first = ""
        self.step.setText(self.instruction())
        self.ctx.sound.play("refused")
        self.banner.show_message("refused", lambda: error_text(exc))
        self.ctx.announce()
