"""The staff door: who is there (name or staff card), their PIN, then the staff menu.

Each volunteer and manager has their own PIN (kiosk.services.staff). The
door offers their names as large buttons, or takes a staff card held to the
camera; then a PIN on a large keypad. Five wrong PINs lock that person's
account (not the keypad: the others can still sign in) with a countdown that
grows each time. On first run, with no staff account yet, the
door asks for the kiosk's set-up code (printed by ``nanum init`` or
``nanum staff setup-code``) and then to create the first manager; without a
code it only says how to get one, so a resident cannot make themselves manager.

The window calls ``StaffPin(window)``; on "ok" the staff member is
in its ``signed_in`` (the window keeps it as ``window.staff_member``) and
:class:`StaffMenu` offers staff mode (which plugs in through
``KioskWindow.staff_mode_hook``), closing the kiosk, or going back to
residents (a logout).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QStackedWidget, QVBoxLayout, QWidget

from kiosk.codes import CardRef, Scan
from kiosk.services.staff import LOCKED_MSG, NO_SETUP_CODE, Staff, StaffLocked, StaffView
from ui.tasks import run_task
from ui.text import N_, error_text, tr
from ui.widgets.common import Keypad, button, label, restyle
from ui.widgets.overlay import Overlay

if TYPE_CHECKING:
    from ui.app import KioskWindow

ROLE_NAMES = {"manager": N_("Manager"), "volunteer": N_("Volunteer")}
MAX_NAMES = 12  # more staff than this: scan the staff card


class StaffPin(Overlay):
    """Asks who is there and their PIN; closes with "ok" and the staff member in :attr:`signed_in`."""

    def __init__(self, host: KioskWindow) -> None:
        super().__init__(host, "StaffPin")
        self.host = host
        self.kiosk = host.app.kiosk
        #: who signed in (set when it closes with "ok")
        self.signed_in: StaffView | None = None
        self.staff = Staff(self.kiosk)
        self.mode = "loading"  # loading | names | pin | legacy | first | no_code
        #: the set-up code typed on a fresh kiosk, checked again when the first manager is made
        self.setup_code = ""
        self.who: str | None = None
        self.card: CardRef | None = None
        self.checking = False
        self.lock_left = 0
        self.error = ""
        self.pages = QStackedWidget()
        self.pages.setObjectName("StaffPinPages")
        self.pages.setStyleSheet("#StaffPinPages { background: transparent; }")  # the dialog's own colour

        # -- names ----------------------------------------------------------------
        self.names_page = QWidget()
        self.names_grid = QGridLayout(self.names_page)
        self.names_grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.pages.addWidget(self.names_page)

        # -- PIN (a staff member's, or the kiosk's set-up PIN) -----------------------
        pin_page = QWidget()
        self.field = QLineEdit()
        self.field.setObjectName("StaffPinField")
        self.field.setReadOnly(True)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.keypad = Keypad()
        for key, b in self.keypad.keys.items():
            b.setObjectName(f"staffkey_{key}")  # the resident keypads have key_N too
        self.keypad.digit.connect(lambda d: self.field.setText((self.field.text() + d)[:8]))
        self.keypad.erase.connect(lambda: self.field.setText(self.field.text()[:-1]))
        self.keypad.confirm.connect(self._check)
        self.other = button("", None, "StaffPinOther")
        self.other.clicked.connect(self._show_names)
        left = QVBoxLayout()
        left.addWidget(self.field)
        left.addStretch(1)
        left.addWidget(self.other)
        row = QHBoxLayout(pin_page)
        row.addLayout(left, 1)
        row.addWidget(self.keypad, 1)
        self.pages.addWidget(pin_page)
        self.pin_page = pin_page

        # -- first run: the first manager -------------------------------------------
        # Labels beside their fields (three rows, not six) so the form fits a
        # 1280x800 panel in large text; the labels wrap when the panel is narrow.
        first = QWidget()
        form = QGridLayout(first)
        form.setContentsMargins(0, 0, 0, 0)
        self.first_name_label, self.first_pin_label, self.first_again_label = label(""), label(""), label("")
        self.first_name = QLineEdit()
        self.first_name.setObjectName("FirstManagerName")
        self.first_pin = QLineEdit()
        self.first_pin.setObjectName("FirstManagerPin")
        self.first_again = QLineEdit()
        self.first_again.setObjectName("FirstManagerPinAgain")
        for f in (self.first_pin, self.first_again):
            f.setEchoMode(QLineEdit.EchoMode.Password)
            f.setMaxLength(8)
        for line, (lab, field) in enumerate(((self.first_name_label, self.first_name),
                                             (self.first_pin_label, self.first_pin),
                                             (self.first_again_label, self.first_again))):
            form.addWidget(lab, line, 0)
            form.addWidget(field, line, 1)
            lab.setBuddy(field)
        form.setColumnStretch(0, 1)
        form.setColumnStretch(1, 1)
        form.setRowStretch(3, 1)
        self.pages.addWidget(first)
        self.first_page = first

        self.body.insertWidget(2, self.pages, 1)
        # The form's own button sits in the dialog's button row: one row less to fit.
        self.create_button = button("", "primary", "CreateFirstManager")
        self.create_button.clicked.connect(self._create_first)
        self.create_button.hide()
        self.buttons.addWidget(self.create_button)
        self.cancel = self.add_button("", "cancel")
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._tick)
        self.bridge = host.bridge
        self.bridge.code.connect(self._scanned)
        self.retranslate()
        svc = self.staff
        run_task(lambda: (svc.list(), svc.has_setup_code()), self._loaded, self._failed, scope=self.scope)

    # -- texts ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(tr(N_("Staff only")))
        self.keypad.retranslate(tr(N_("Erase")), tr(N_("OK")))
        self.cancel.setText(tr(N_("Cancel")))
        self.other.setText(tr(N_("Someone else")))
        self.first_name_label.setText(tr(N_("Your name")))
        self.first_pin_label.setText(tr(N_("Choose a PIN (4 to 8 digits)")))
        self.first_again_label.setText(tr(N_("The same PIN again")))
        self.create_button.setText(tr(N_("Create the manager account")))
        self._update_message()

    def _update_message(self) -> None:
        if self.lock_left:
            text = tr(LOCKED_MSG, seconds=self.lock_left)
        elif self.error:
            text = self.error
        elif self.mode == "names":
            text = tr(N_("Scan your staff card, or touch your name."))
        elif self.mode == "pin":
            text = tr(N_("{name}: type your PIN."), name=self.who or "")
        elif self.mode == "legacy":
            text = tr(N_("Staff setting up this kiosk: type the set-up code printed when it was installed."))
        elif self.mode == "no_code":
            text = tr(NO_SETUP_CODE)
        elif self.mode == "first":
            text = tr(N_("No staff account yet. Create the first manager: they can add everyone else."))
        else:
            text = ""
        self.message.setText(text)
        self.create_button.setVisible(self.mode == "first")
        self.keypad.setEnabled(not self.lock_left and not self.checking)
        # The keypad's OK is the one primary action; with no keypad (no set-up code), Cancel is.
        role = "primary" if self.mode == "no_code" else None
        if self.cancel.property("role") != role:
            self.cancel.setProperty("role", role)
            restyle(self.cancel)

    # -- loading and choosing -----------------------------------------------------------
    def _loaded(self, loaded: tuple[list[StaffView], bool]) -> None:
        people, has_code = loaded
        self.people = [p for p in people if p.active]
        if not self.people:
            # A fresh kiosk: only someone with the set-up code ``nanum init`` printed may make
            # the first manager, never a resident who tapped the staff door.
            self.mode = "legacy" if has_code else "no_code"
            self.pages.setCurrentWidget(self.pin_page)
            self.keypad.setVisible(has_code)
            self.other.hide()
        else:
            self._fill_names()
            self._show_names()
        self._update_message()
        self._announce()

    def _announce(self) -> None:
        self.host.announce()

    def _fill_names(self) -> None:
        for i, person in enumerate(self.people[:MAX_NAMES]):
            b = button(person.name, None, f"staff_{i}")
            b.clicked.connect(lambda _=False, name=person.name: self._choose(name, None))
            self.names_grid.addWidget(b, i // 3, i % 3)

    def _show_names(self) -> None:
        self.mode, self.who, self.card, self.error = "names", None, None, ""
        self._lock(0)  # a lock belongs to the account: someone else may try
        self.field.clear()
        self.pages.setCurrentWidget(self.names_page)
        self._update_message()

    def _choose(self, name: str, card: CardRef | None) -> None:
        self.mode, self.who, self.card, self.error = "pin", name, card, ""
        self.field.clear()
        self.pages.setCurrentWidget(self.pin_page)
        self.other.show()
        self._update_message()
        svc, chosen = self.staff, (name, card)
        run_task(lambda: svc.lock_state(name=None if card else name, card=card),
                 lambda lock: self._lock_known(chosen, lock), self._failed, scope=self.scope)

    def _lock_known(self, chosen: tuple[str, CardRef | None], lock) -> None:
        # Still the same person's PIN page: show how long their account waits.
        if self.mode == "pin" and (self.who, self.card) == chosen and lock.locked:
            self._lock(lock.wait_s)
            self._update_message()

    def _scanned(self, ref: Scan) -> None:
        if self.result_ is not None or self.mode not in ("names", "pin") or not isinstance(ref, CardRef):
            return
        svc = self.staff
        # Results travel as text, not bool: PySide6 6.12 drops a reference to
        # True/False sent through a queued signal.
        run_task(lambda: "staff" if svc.is_staff_card(ref) else "",
                 lambda ok: self._choose(tr(N_("Staff card")), ref) if ok else None, scope=self.scope)

    # -- checking --------------------------------------------------------------------------
    def _check(self) -> None:
        pin = self.field.text()
        if self.checking or not pin or self.lock_left:
            return
        self.checking = True
        self._update_message()
        if self.mode == "legacy":
            svc = self.staff
            run_task(lambda: pin if svc.check_setup_code(pin) else "", self._legacy_checked,
                     self._refused, scope=self.scope)
            return
        svc, name, card = self.staff, self.who, self.card
        # scrypt takes a noticeable moment: off the GUI thread.
        run_task(lambda: svc.unlock(pin, name=None if card else name, card=card),
                 self._unlocked, self._refused, scope=self.scope)

    def _legacy_checked(self, ok: str) -> None:
        self.checking = False
        self.field.clear()
        if ok:
            self.mode, self.error, self.setup_code = "first", "", ok
            self.pages.setCurrentWidget(self.first_page)
        else:
            self.error = tr(N_("That PIN is not right."))
        self._update_message()

    def _unlocked(self, who: StaffView) -> None:
        self.checking = False
        self.signed_in = who
        self.finish("ok")

    def _refused(self, exc: BaseException) -> None:
        self.checking = False
        self.field.clear()
        if isinstance(exc, StaffLocked):
            self.error = ""
            self._lock(exc.seconds)
        else:
            self.error = error_text(exc)
        self._update_message()

    def _failed(self, exc: BaseException) -> None:
        self.checking = False
        self.error = error_text(exc)
        self._update_message()

    def _lock(self, seconds: int) -> None:
        self.lock_left = seconds
        if seconds:
            self.tick.start()
        else:
            self.tick.stop()

    def _tick(self) -> None:
        self.lock_left = max(0, self.lock_left - 1)
        if not self.lock_left:
            self.tick.stop()
        self._update_message()

    def _create_first(self) -> None:
        if self.checking:
            return
        if self.first_pin.text() != self.first_again.text():
            self.error = tr(N_("The two PINs are not the same."))
            self._update_message()
            return
        self.checking = True
        svc, name, pin, code = self.staff, self.first_name.text(), self.first_pin.text(), self.setup_code

        def create() -> StaffView:
            svc.create_first_manager_with_code(name, pin, code)
            return svc.unlock(pin, name=" ".join(name.split()))
        run_task(create, self._unlocked, self._refused, scope=self.scope)

    def finish(self, result: str = "") -> None:
        if self.result_ is None:
            self.bridge.code.disconnect(self._scanned)
        self.tick.stop()
        super().finish(result)


class StaffMenu(Overlay):
    """What the signed-in staff member can do from the resident screen."""

    def __init__(self, host: KioskWindow, who: StaffView | None, has_staff_mode: bool) -> None:
        super().__init__(host, "StaffMenu")
        self.kiosk = host.app.kiosk
        self.who = who
        self.title.setText(tr(N_("Staff")))
        if self.who is not None:
            self.message.setText(tr(N_("Signed in: {name} ({role}). The resident screen is paused."),
                                    name=self.who.name, role=tr(ROLE_NAMES.get(self.who.role, self.who.role))))
        else:
            self.message.setText(tr(N_("The resident screen is paused.")))
        if has_staff_mode and self.who is not None:
            self.add_button(tr(N_("Staff mode")), "staff_mode", "primary")
        self.add_button(tr(N_("Close the kiosk")), "exit", "danger")
        self.add_button(tr(N_("Back to residents")), "back")

    def finish(self, result: str = "") -> None:
        who, svc = self.who, Staff(self.kiosk)
        if who is not None and self.result_ is None:
            if result == "exit":
                run_task(lambda: svc.note(who, "staff.closed_kiosk", {}))
            elif result != "staff_mode":
                run_task(lambda: svc.logout(who, "back" if result == "back" else "reset"))
        super().finish(result)
