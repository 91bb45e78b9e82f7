"""My loans: what the member has, when each is due, and renew where allowed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from kiosk.codes import MemberKey
from kiosk.errors import KioskError
from kiosk.services.views import ItemOutcome, ItemView, LoanView
from ui.screens.base import Screen, ScreenScroll
from ui.text import N_, date_text, error_text, tr
from ui.widgets.common import Banner, button, discard, label
from ui.widgets.item_row import ItemRow


def loans_job(kiosk, member_ref: MemberKey) -> tuple[list[tuple[LoanView, ItemView | None]], int]:
    """Background: the member's open loans with each item's view, and the renewals allowed."""
    out = []
    for loan in kiosk.circulation.loans(open_only=True, member_payload=member_ref):
        try:
            view = kiosk.catalogue.get(loan.item_code)
        except KioskError:
            view = None
        out.append((loan, view))
    out.sort(key=lambda lv: lv[0].due_on)
    return out, kiosk.policy.max_renewals


class LoansScreen(Screen):
    name = "loans"
    needs_member = True

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.loans: list[tuple[LoanView, ItemView | None]] = []
        self.max_renewals = 0
        self.renewed: dict[str, ItemOutcome] = {}
        self.rows: dict[str, ItemRow] = {}
        self.banner = Banner()
        self.summary = label("")
        self.summary.setObjectName("LoansSummary")
        self.summary.setProperty("instruction", True)  # the low-reach caption says it instead
        self.box = QVBoxLayout()
        self.box.addStretch(1)
        inner = QWidget()
        inner.setLayout(self.box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.done = button("", "primary", "LoansDone")
        self.done.clicked.connect(lambda: self.ctx.go("receipt" if not self.session.visit.empty else "home"))
        # A member may choose a PIN here, after showing their card: for signing
        # in without the card and for reserving on the city's website.
        self.set_pin = button("", None, "SetPin")
        self.set_pin.clicked.connect(lambda: self.ctx.go("setpin"))
        # The two ways on stay in view; what is above them scrolls on a short panel.
        content = QVBoxLayout()
        content.addWidget(self.banner)
        content.addWidget(self.summary)
        content.addWidget(scroll, 1)
        col = QVBoxLayout(self)
        col.addWidget(ScreenScroll(content, "LoansContent"), 1)
        col.addWidget(self.set_pin)
        col.addWidget(self.done)

    def title(self) -> str:
        return tr(N_("My loans"))

    def retranslate(self) -> None:
        self.done.setText(tr(N_("Done")))
        self.set_pin.setText(tr(N_("Set a PIN")))
        self._render()

    def instruction(self) -> str:
        return self.summary.text()

    def prompt(self) -> list[str]:
        said = [*self.banner.spoken(), self.summary.text()]
        # Each loan: its name and its line (due date, overdue, renewed or why not).
        said += [tr(N_("{name}: {status}"), name=row.name.text(), status=row.status.text())
                 for row in self.rows.values()]
        if any(row.actions_box.isVisibleTo(self) for row in self.rows.values()):
            said.append(tr(N_("To renew an item, touch Renew under it.")))
        return said

    def enter(self, **_kw) -> None:
        self.banner.clear()
        self.summary.setText(tr(N_("Looking up your loans...")))
        ref = self.session.member_ref
        if ref is None:  # nobody signed in (the session ended as the screen opened)
            return
        self.ctx.run(lambda: loans_job(self.ctx.kiosk, ref), self._loaded, self._failed)

    def reset(self) -> None:
        self.loans, self.renewed = [], {}
        self.banner.clear()
        self._render()

    def _loaded(self, result) -> None:
        self.loans, self.max_renewals = result
        self.renewed = {}
        self._render()
        self.ctx.announce()

    def _failed(self, exc: BaseException) -> None:
        self.banner.show_message("refused", lambda: error_text(exc))
        self.ctx.announce()

    def _render(self) -> None:
        for row in self.rows.values():
            discard(row)
        self.rows = {}
        lang = self.session.lang
        if not self.loans:
            self.summary.setText(tr(N_("You have nothing on loan.")) if self.session.member else "")
            return
        self.summary.setText(tr(N_("You have {count} item(s) on loan."), count=len(self.loans)))
        for i, (loan, view) in enumerate(self.loans):
            row = ItemRow(loan.item_code, view.name(lang) if view else loan.item_name, item=view)
            self.rows[loan.item_code] = row
            result = self.renewed.get(loan.item_code)
            if result is not None and result.ok and result.due is not None:
                row.set_status(tr(N_("Renewed. Now due {date}."), date=date_text(result.due)), True)
            elif result is not None:
                row.set_status(result.error.render(lang) if result.error else "", False)
            elif loan.overdue:
                row.set_status(tr(N_("Overdue since {date}. Please bring it back."),
                                  date=date_text(loan.due_on)), False)
            else:
                row.set_status(tr(N_("Due {date}"), date=date_text(loan.due_on)), None)
            if result is None and loan.renewals < self.max_renewals:
                b = row.add_action(tr(N_("Renew")), f"renew_{loan.item_code}")  # "Done" is the one primary
                b.clicked.connect(lambda _=False, c=loan.item_code: self._renew(c))
            self.box.insertWidget(i, row)

    def _renew(self, code: str) -> None:
        ref = self.session.member_ref

        def done(outcome: ItemOutcome) -> None:
            self.renewed[code] = outcome
            if outcome.ok:
                self.session.visit.renewed.append(outcome)
            self.ctx.sound.play("ok" if outcome.ok else "refused")
            self._render()
            row = self.rows.get(code)
            self.ctx.say(tr(N_("{name}: {status}"), name=row.name.text(), status=row.status.text())
                         if row is not None else "")
        self.ctx.run(lambda: self.ctx.kiosk.circulation.renew(code, ref), done, self._failed)
