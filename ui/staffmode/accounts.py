"""Staff accounts: add a volunteer or manager, set a PIN, switch off, print a staff card."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout

from kiosk.services.staff import MANAGER, VOLUNTEER, StaffView
from ui.staff import ROLE_NAMES
from ui.staffmode.base import RowList, StaffPage, checked, choice_row
from ui.text import N_, tr
from ui.widgets.common import button, card, label


class AccountsPage(StaffPage):
    name = "accounts"
    permission = "staff"
    title_msgid = N_("Staff accounts")
    nav_msgid = N_("Staff")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.people: list[StaffView] = []
        self.pin_for: str | None = None  # set a PIN for this person instead of adding one
        self.list = RowList(N_("No staff account."))

        self.form = card()
        f = QVBoxLayout(self.form)
        self.form_title = label("", "title")
        grid = QGridLayout()
        self.name_field = QLineEdit()
        self.name_field.setObjectName("StaffName")
        self.pin = QLineEdit()
        self.pin.setObjectName("StaffNewPin")
        self.again = QLineEdit()
        self.again.setObjectName("StaffNewPinAgain")
        for w in (self.pin, self.again):
            w.setEchoMode(QLineEdit.EchoMode.Password)
            w.setMaxLength(8)
        self.role_row, self.role = choice_row([(VOLUNTEER, tr(ROLE_NAMES[VOLUNTEER])),
                                               (MANAGER, tr(ROLE_NAMES[MANAGER]))], "StaffRole")
        self.name_label = label(tr(N_("Name")))
        self.role_label = label(tr(N_("Role")))
        # Labels above their fields: the form is narrow.
        for r, part in enumerate((self.name_label, self.name_field, self.role_label, self.role_row,
                                  label(tr(N_("PIN (4 to 8 digits)"))), self.pin,
                                  label(tr(N_("The same PIN again"))), self.again)):
            grid.addWidget(part, r, 0)
        self.save = button(tr(N_("Add")), "primary", "StaffSave")
        self.save.clicked.connect(self._save)
        f.addWidget(self.form_title)
        f.addLayout(grid)
        f.addStretch(1)
        f.addWidget(self.save)

        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addWidget(self.form, 1)
        self.col.addLayout(row, 1)
        self._adding()

    def enter(self, **_kw: Any) -> None:
        accounts = self.ctx.accounts
        self.run(lambda: accounts.list(include_inactive=True), self._listed)

    def _listed(self, people: list[StaffView]) -> None:
        self.people = people
        self.list.clear()
        for i, p in enumerate(people):
            state = tr(ROLE_NAMES.get(p.role, p.role)) + ("" if p.active else " · " + tr(N_("switched off")))
            acts = [(tr(N_("New PIN")), f"pin_{i}", lambda p=p: self._setting_pin(p))]
            if p.active:
                acts.append((tr(N_("Staff card")), f"card_{i}", lambda p=p: self._card(p)))
            if p.name != self.ctx.staff.name:
                acts.append((tr(N_("Switch off")) if p.active else tr(N_("Switch on")), f"active_{i}",
                             lambda p=p: self._toggle(p)))
            self.list.add(p.name, state, acts)
        self.list.finish()

    def _adding(self) -> None:
        self.pin_for = None
        self.form_title.setText(tr(N_("Add a staff member")))
        self.save.setText(tr(N_("Add")))
        for w in (self.name_field, self.pin, self.again):
            w.clear()
        for part in (self.name_field, self.name_label, self.role_row, self.role_label):
            part.show()

    def _setting_pin(self, p: StaffView) -> None:
        self.pin_for = p.name
        self.form_title.setText(tr(N_("New PIN for {name}"), name=p.name))
        self.save.setText(tr(N_("Save the PIN")))
        for w in (self.pin, self.again):
            w.clear()
        for part in (self.name_field, self.name_label, self.role_row, self.role_label):
            part.hide()

    def _save(self) -> None:
        if self.pin.text() != self.again.text():
            self.fail(tr(N_("The two PINs are not the same.")))
            return
        accounts, who, pin = self.ctx.accounts, self.ctx.staff, self.pin.text()
        if self.pin_for is not None:
            name = self.pin_for
            self.run(lambda: accounts.set_pin(name, pin, by=who),
                     lambda _r: self._done(tr(N_("New PIN saved for {name}."), name=name)))
        else:
            name, role = self.name_field.text(), checked(self.role)
            self.run(lambda: accounts.add(name, role, pin, by=who),
                     lambda v: self._done(tr(N_("{name} added as {role}."), name=v.name,
                                             role=tr(ROLE_NAMES[v.role]))))

    def _done(self, message: str) -> None:
        self.ok(message)
        self._adding()
        self.enter()

    def _toggle(self, p: StaffView) -> None:
        accounts, who = self.ctx.accounts, self.ctx.staff
        self.run(lambda: accounts.set_active(p.name, not p.active, by=who),
                 lambda v: self._done(tr(N_("{name} can use staff mode again."), name=v.name) if v.active
                                      else tr(N_("{name} can no longer use staff mode."), name=v.name)))

    def _card(self, p: StaffView) -> None:
        from hardware.card_pdf import CardSpec, render_card
        from hardware.documents import print_pdf

        accounts, who, ctx = self.ctx.accounts, self.ctx.staff, self.ctx
        role = tr(ROLE_NAMES.get(p.role, p.role))

        site = ctx.site_name

        def printed(payload: str) -> None:
            spec = CardSpec(p.name, role, payload, site, kind="staff")
            self.run_slow(lambda: print_pdf(ctx.printer, lambda path: render_card(spec, path), "staff-card"),
                          lambda _r: self._done(tr(N_("Staff card printed for {name}. Their old card no longer works."),
                                                   name=p.name)))
        # The new card is database work; printing it is slow work beside it.
        self.run(lambda: accounts.issue_card(p.name, by=who), printed)
