"""Members: register with minimal data and consent, print the card, suspend, renew, new card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout

from kiosk.i18n import LANGUAGES
from kiosk.limits import CONTACT_MAX, MEMBER_NAME_MAX
from kiosk.services.lifecycle import GUARDIAN_RELATIONS, RELATION_NAMES, Guardian, Lifecycle
from kiosk.services.members import MEMBER_TYPES
from kiosk.services.staff import Staff
from kiosk.services.views import MemberView
from ui.staffmode.base import RowList, StaffPage
from ui.text import N_, date_text, tr
from ui.widgets.common import button, card, label

TYPE_NAMES = {"standard": N_("Standard"), "family": N_("Family"), "senior": N_("Senior"),
              "organisation": N_("Organisation")}
LIST_LIMIT = 60


def card_printing(ctx, member: MemberView, payload: str) -> Callable[[], Any]:
    """The slow work of rendering the member's card and sending it to the printer.

    Built on the GUI thread (it reads the centre's name), run on the slow lane.
    """
    from hardware.card_pdf import CardSpec, render_card
    from hardware.documents import print_pdf

    spec = CardSpec(member.display_name, member.number, payload, ctx.site_name,
                    member.expires_on.isoformat(), lang=member.language)
    printer = ctx.printer
    return lambda: print_pdf(printer, lambda path: render_card(spec, path), f"card-{member.number}")


class MembersPage(StaffPage):
    name = "members"
    permission = "members"
    title_msgid = N_("Members")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.members: list[MemberView] = []
        self.member: MemberView | None = None
        self.last_card: str | None = None  # the payload just printed (never stored in clear)

        self.search = QLineEdit()
        self.search.setObjectName("MemberSearch")
        self.search.setPlaceholderText(tr(N_("Search by name or membership number")))
        self.search.textChanged.connect(lambda _t: self._fill())
        self.new = button(tr(N_("Register a member")), "primary", "MemberNew")
        self.new.clicked.connect(self.show_form)
        self.list = RowList(N_("No member matches."))
        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.new)
        left.addWidget(self.list, 1)

        # registration: only what lending needs
        self.form = card()
        f = QVBoxLayout(self.form)
        grid = QGridLayout()
        self.name_field = QLineEdit()
        self.name_field.setObjectName("MemberName")
        # Early, friendly limits; the members service enforces the same ones.
        self.name_field.setMaxLength(MEMBER_NAME_MAX)
        self.contact = QLineEdit()
        self.contact.setObjectName("MemberContact")
        self.contact.setMaxLength(CONTACT_MAX)
        self.contact.setPlaceholderText(tr(N_("Optional: a phone number to call about overdue items")))
        self.type = QComboBox()
        self.type.setObjectName("MemberType")
        for t in MEMBER_TYPES:
            self.type.addItem(tr(TYPE_NAMES.get(t, t)), t)
        self.language = QComboBox()
        self.language.setObjectName("MemberLanguage")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        for r, (text, w) in enumerate(((N_("Name"), self.name_field), (N_("Contact"), self.contact),
                                       (N_("Membership"), self.type), (N_("Language"), self.language))):
            grid.addWidget(label(tr(text)), r, 0)
            grid.addWidget(w, r, 1)
        f.addLayout(grid)
        f.addWidget(label(tr(N_("Ask first: the centre keeps the name and contact only for lending, "
                                "and deletes them a year after the last return."))))
        self.consent = button(tr(N_("The member agrees")), None, "MemberConsent")
        self.consent.setCheckable(True)
        f.addWidget(self.consent)
        # A member under 14 needs a guardian's consent (no birth date is kept, only this tick).
        self.child = button(tr(N_("Under 14: a guardian agrees for them")), None, "MemberChild")
        self.child.setCheckable(True)
        f.addWidget(self.child)
        self.guardian_box = card()
        self.child.toggled.connect(self.guardian_box.setVisible)
        g = QGridLayout(self.guardian_box)
        self.guardian_name = QLineEdit()
        self.guardian_name.setObjectName("GuardianName")
        self.guardian_name.setMaxLength(MEMBER_NAME_MAX)
        self.guardian_relation = QComboBox()
        self.guardian_relation.setObjectName("GuardianRelation")
        for rel in GUARDIAN_RELATIONS:
            self.guardian_relation.addItem(tr(RELATION_NAMES[rel]), rel)
        for r, (text, w) in enumerate(((N_("Guardian's name"), self.guardian_name),
                                       (N_("Relationship"), self.guardian_relation))):
            g.addWidget(label(tr(text)), r, 0)
            g.addWidget(w, r, 1)
        self.guardian_box.hide()
        f.addWidget(self.guardian_box)
        f.addStretch(1)
        self.register = button(tr(N_("Register and print the card")), "primary", "MemberRegister")
        self.register.clicked.connect(self._register)
        f.addWidget(self.register)
        self.form.hide()

        # one member
        self.detail = card()
        d = QVBoxLayout(self.detail)
        self.who = label("", "title")
        self.who.setObjectName("MemberWho")
        self.state = label("")
        self.state.setObjectName("MemberState")
        acts = QHBoxLayout()
        self.suspend = button("", None, "MemberSuspend")
        self.suspend.clicked.connect(self._toggle_suspend)
        self.renew = button(tr(N_("Renew for a year")), None, "MemberRenew")
        self.renew.clicked.connect(self._renew)
        self.reissue = button(tr(N_("New card")), "primary", "MemberReissue")
        self.reissue.clicked.connect(self._reissue)
        # the member's rights: a copy of their data, erasure (pressed twice: it cannot be undone)
        self.export = button(tr(N_("Export their data")), None, "MemberExport")
        self.export.clicked.connect(self._export)
        self.erase = button(tr(N_("Erase member")), None, "MemberErase")
        self.erase.clicked.connect(self._erase)
        self.erase_armed = False
        for b in (self.suspend, self.renew, self.reissue, self.export, self.erase):
            acts.addWidget(b)
        d.addWidget(self.who)
        d.addWidget(self.state)
        d.addStretch(1)
        d.addLayout(acts)
        self.detail.hide()

        right = QVBoxLayout()
        right.addWidget(self.form, 1)
        right.addWidget(self.detail, 1)
        row = QHBoxLayout()
        row.addLayout(left, 2)
        row.addLayout(right, 3)
        self.col.addLayout(row, 1)

    # -- list ----------------------------------------------------------------------------------
    def enter(self, **_kw: Any) -> None:
        members = self.ctx.kiosk.members
        self.run(members.list, self._listed)

    def _listed(self, members: list[MemberView]) -> None:
        self.members = members
        self._fill()

    def _fill(self) -> None:
        q = self.search.text().strip().lower()
        shown = [m for m in self.members if not q or q in m.display_name.lower() or q in m.number.lower()]
        self.list.clear()
        for m in shown[:LIST_LIMIT]:
            self.list.add(f"{m.display_name} ({m.number})", self._state_text(m),
                          [(tr(N_("Open")), f"member_{m.number}", partial(self.show_member, m))])
        self.list.finish()

    def _state_text(self, m: MemberView) -> str:
        bits = [tr(TYPE_NAMES.get(m.member_type, m.member_type)),
                tr(N_("valid until {date}"), date=date_text(m.expires_on))]
        if m.status == "suspended":
            bits.append(tr(N_("suspended")))
        elif m.expires_on < self.ctx.kiosk.today():
            bits.append(tr(N_("expired")))
        return " · ".join(bits)

    # -- registration -----------------------------------------------------------------------------
    def show_form(self) -> None:
        self.banner.clear()
        self.detail.hide()
        for w in (self.name_field, self.contact, self.guardian_name):
            w.clear()
        self.consent.setChecked(False)
        self.child.setChecked(False)
        self.form.show()

    def _register(self) -> None:
        if not self.name_field.text().strip():
            self.fail(tr(N_("A member needs a name.")))
            return
        if not self.consent.isChecked():
            self.fail(tr(N_("Please ask for the member's agreement and tick the box first.")))
            return
        k, who, ctx = self.ctx.kiosk, self.ctx.staff, self.ctx
        name, contact = self.name_field.text(), self.contact.text().strip() or None
        mtype, lang = self.type.currentData(), self.language.currentData()
        child = self.child.isChecked()
        guardian = Guardian(self.guardian_name.text(), self.guardian_relation.currentData(), k.today()) \
            if child else None

        def register():
            Staff.require(who, "members")
            # the consent (and a child's guardian's) is recorded with its version and date
            return Lifecycle(k).register(name, mtype, child=child, guardian=guardian, contact=contact,
                                         language=lang, actor=who.name)

        def registered(result) -> None:
            member, payload = result
            # The member is registered even when printing fails.
            self.run_slow(card_printing(ctx, member, payload),
                          lambda _r: self._registered(member, payload, None),
                          lambda exc: self._registered(member, payload, exc))
        self.run(register, registered)

    def _registered(self, member: MemberView, payload: str, failure: BaseException | None) -> None:
        self.last_card = payload
        self.form.hide()
        self.enter()
        self.show_member(member)
        if failure is None:
            self.ok(tr(N_("{name} is member {number}. The card is printing."),
                       name=member.display_name, number=member.number))
        else:
            self.fail(tr(N_("{name} is member {number}, but the card did not print. Touch New card to try again."),
                         name=member.display_name, number=member.number))

    # -- one member -------------------------------------------------------------------------------
    def show_member(self, m: MemberView) -> None:
        self.member = m
        self.form.hide()
        self.who.setText(f"{m.display_name} ({m.number})")
        self.state.setText(self._state_text(m))
        self.suspend.setText(tr(N_("Reactivate")) if m.status == "suspended" else tr(N_("Suspend")))
        self.erase_armed = False
        self.erase.setText(tr(N_("Erase member")))
        self.detail.show()

    def _changed(self, m: MemberView, message: str) -> None:
        self.ok(message)
        self.show_member(m)
        self.enter()

    def _shown(self) -> MemberView:
        """The member shown (the buttons that act on one show only with one)."""
        assert self.member is not None
        return self.member

    def _toggle_suspend(self) -> None:
        k, who, m = self.ctx.kiosk, self.ctx.staff, self._shown()
        status = "active" if m.status == "suspended" else "suspended"

        def change():
            Staff.require(who, "members")
            return k.members.set_status(m.number, status, actor=who.name)
        self.run(change, lambda v: self._changed(v, tr(N_("{name}: membership suspended."), name=v.display_name)
                                                 if v.status == "suspended" else
                                                 tr(N_("{name}: membership active again."), name=v.display_name)))

    def _renew(self) -> None:
        k, who, m = self.ctx.kiosk, self.ctx.staff, self._shown()
        start = max(m.expires_on, k.today())
        until = start.replace(year=start.year + 1) if not (start.month == 2 and start.day == 29) \
            else start + dt.timedelta(days=365)

        def renew():
            Staff.require(who, "members")
            return k.members.renew(m.number, until, actor=who.name)
        self.run(renew, lambda v: self._changed(v, tr(N_("{name}: valid until {date}."), name=v.display_name,
                                                      date=date_text(v.expires_on))))

    def _reissue(self) -> None:
        k, who, m, ctx = self.ctx.kiosk, self.ctx.staff, self._shown(), self.ctx

        def reissue():
            Staff.require(who, "members")
            return k.members.reissue_card(m.number, actor=who.name)
        self.run(reissue, lambda payload: self.run_slow(card_printing(ctx, m, payload),
                                                        lambda _r: self._reissued(payload)))

    def _reissued(self, payload: str) -> None:
        self.last_card = payload
        self.ok(tr(N_("New card printed. The old card no longer works.")))

    def _export(self) -> None:
        k, who, m, folder = self.ctx.kiosk, self.ctx.staff, self._shown(), self.ctx.documents_dir

        def export():
            return Lifecycle(k).export_to(m.number, folder, by=who)
        self.run(export, lambda path: self.ok(tr(N_("{name}'s data is saved as {path}. Give it to them, "
                                                    "then delete the file."), name=m.display_name,
                                                 path=str(path))))

    def _erase(self) -> None:
        k, who, m = self.ctx.kiosk, self.ctx.staff, self._shown()
        if not self.erase_armed:
            self.erase_armed = True
            self.erase.setText(tr(N_("Press again to erase {name} for good"), name=m.display_name))
            return
        self.erase_armed = False

        def erase():
            Lifecycle(k).erase(m.number, by=who)
            return m

        def erased(_m: MemberView) -> None:
            self.detail.hide()
            self.member = None
            self.ok(tr(N_("Member {number} is erased here; the other kiosks and the platform forget them "
                          "at their next sync."), number=m.number))
            self.enter()
        self.run(erase, erased)
