"""Lending rules at the desk: fees and exemptions, deposits, qualifications, maintenance
done, and the items most wanted while not on the shelf."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout

from hardware.printing import Receipt, ReceiptLine
from kiosk.services.rules import add_months
from ui.staffmode.base import RowList, StaffPage, Stepper
from ui.text import N_, tr
from ui.widgets.common import button, label

#: what staff record for a member confirmed an adult (kiosk.services.rules.ADULT)
ADULT = "adult"


def _field(name: str, placeholder: str) -> QLineEdit:
    box = QLineEdit()
    box.setObjectName(name)
    box.setPlaceholderText(placeholder)
    return box


def fee_receipt(paid: Any, site_name: str, lang: str) -> Receipt:
    """The receipt of a membership fee payment, printed by the receipt printer."""
    how = tr(N_("Cash")) if paid.method == "cash" else tr(N_("Bank transfer {reference}"),
                                                          reference=paid.reference)
    lines = (ReceiptLine(tr(N_("Annual membership fee: {amount} won"), amount=f"{paid.amount:,}"), how),
             ReceiptLine(tr(N_("Paid until {date}"), date=paid.paid_until.isoformat()),
                         tr(N_("Member {number}"), number=paid.member)))
    return Receipt(heading=site_name, when=paid.paid_at[:16].replace("T", " "), lines=lines,
                   footer=tr(N_("Received by {staff}"), staff=paid.staff), lang=lang)


class RulesPage(StaffPage):
    name = "rules"
    permission = "circulation"
    title_msgid = N_("Fees, deposits, qualifications and upkeep")
    nav_msgid = N_("Lending rules")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        grid = QGridLayout()
        self.member = _field("RulesMember", tr(N_("Membership number")))
        self.item = _field("RulesItem", tr(N_("Item code")))
        self.text = _field("RulesText", tr(N_("Reference, reason, qualification or note")))
        self.amount = Stepper(0, 10_000_000, "RulesAmount", step=1000)
        self.months = Stepper(0, 120, "RulesMonths")  # a qualification's validity (0: no expiry)
        for row, (caption, widget) in enumerate(((N_("Member"), self.member), (N_("Item"), self.item),
                                                 (N_("Text"), self.text), (N_("Amount (won)"), self.amount),
                                                 (N_("Valid for months (0: no expiry)"), self.months))):
            grid.addWidget(label(tr(caption)), row, 0)
            grid.addWidget(widget, row, 1)
        self.col.addLayout(grid)
        actions = QGridLayout()
        for i, (msgid, name, slot) in enumerate((
                (N_("Fee paid in cash"), "RulesPayCash", partial(self._pay, "cash")),
                (N_("Fee paid by transfer"), "RulesPayTransfer", partial(self._pay, "transfer")),
                (N_("Exempt (reason)"), "RulesExempt", self._exempt),
                (N_("Record qualification"), "RulesQualify", self._qualify),
                (N_("Confirm an adult"), "RulesAdult", self._adult),
                (N_("Lend with deposit"), "RulesDeposit", self._lend_with_deposit),
                (N_("Maintenance done"), "RulesMaintained", self._maintained))):
            b = button(tr(msgid), name=name)
            b.clicked.connect(lambda _=False, s=slot: s())
            actions.addWidget(b, i // 4, i % 4)
        self.col.addLayout(actions)
        lists = QHBoxLayout()
        self.deposits = RowList(N_("No deposit is held."))
        self.deposits.setObjectName("RulesDeposits")
        self.wanted = RowList(N_("Nobody asked for an item that was not on the shelf."))
        self.wanted.setObjectName("RulesWanted")
        for heading, rows in ((N_("Deposits held"), self.deposits),
                              (N_("Most wanted, not on the shelf"), self.wanted)):
            col = QVBoxLayout()
            col.addWidget(label(tr(heading)))
            col.addWidget(rows, 1)
            lists.addLayout(col, 1)
        self.col.addLayout(lists, 1)

    # -- lists ----------------------------------------------------------------------------
    def enter(self, **_kw: Any) -> None:
        rules = self.ctx.kiosk.rules
        self.run(lambda: (rules.deposits(open_only=True), rules.demand()), self._listed)

    def _listed(self, found: tuple[list[Any], list[Any]]) -> None:
        deposits, wanted = found
        self.deposits.clear()
        for d in deposits:
            self.deposits.add(f"{d.item_code} {d.item_name}",
                              tr(N_("{amount} won from member {member}"), amount=f"{d.amount:,}",
                                 member=d.member or "-"),
                              [(tr(N_("Returned")), f"deposit_back_{d.item_code}",
                                partial(self._settle, d.item_code, "returned")),
                               (tr(N_("Kept (reason)")), f"deposit_kept_{d.item_code}",
                                partial(self._settle, d.item_code, "kept"))])
        self.deposits.finish()
        self.wanted.clear()
        for w in wanted:
            self.wanted.add(f"{w.code} {w.name}",
                            tr(N_("Refused scans {scans} · waiting {waiting} · not met {unmet}"),
                               scans=w.unavailable, waiting=w.waitlist, unmet=w.unmet))
        self.wanted.finish()

    # -- actions --------------------------------------------------------------------------
    def _done(self, message: str, _result: object = None) -> None:
        self.ok(message)
        self.enter()

    def _pay(self, method: str) -> None:
        rules, staff = self.ctx.kiosk.rules, self.ctx.staff.name
        member, amount, ref = self.member.text(), self.amount.value(), self.text.text()
        self.run(lambda: rules.record_payment(member, amount, method, ref, staff=staff), self._paid)

    def _paid(self, paid: Any) -> None:
        self.ok(tr(N_("Fee recorded: paid until {date}."), date=paid.paid_until.isoformat()))
        printer = self.ctx.printer
        if printer is not None:  # the receipt goes through the receipt printer, as residents' do
            receipt = fee_receipt(paid, self.ctx.site_name, self.ctx.kiosk.setting("ui_language"))
            self.run_slow(lambda: printer.print_receipt(receipt), lambda _r: None)

    def _exempt(self) -> None:
        rules, staff = self.ctx.kiosk.rules, self.ctx.staff.name
        member, reason = self.member.text(), self.text.text()
        self.run(lambda: rules.set_exemption(member, reason, staff=staff),
                 partial(self._done, tr(N_("The member is exempt from the fee."))))

    def _qualify(self) -> None:
        rules, staff = self.ctx.kiosk.rules, self.ctx.staff.name
        member, name, months = self.member.text(), self.text.text(), self.months.value()
        today = self.ctx.kiosk.today()
        until = None
        if months:
            until = add_months(today, months) - dt.timedelta(days=1)
        self.run(lambda: rules.record_qualification(member, name, today, until, staff=staff),
                 partial(self._done, tr(N_("Qualification recorded."))))

    def _adult(self) -> None:
        rules, staff = self.ctx.kiosk.rules, self.ctx.staff.name
        member = self.member.text()
        self.run(lambda: rules.record_qualification(member, ADULT, self.ctx.kiosk.today(), staff=staff),
                 partial(self._done, tr(N_("Confirmed: an adult."))))

    def _lend_with_deposit(self) -> None:
        rules, staff = self.ctx.kiosk.rules, self.ctx.staff.name
        member, item, amount = self.member.text(), self.item.text(), self.amount.value()
        self.run(lambda: rules.lend_with_deposit(member, item, amount, staff=staff),
                 partial(self._done, tr(N_("Lent with its deposit."))))

    def _settle(self, code: str, outcome: str) -> None:
        rules, staff, reason = self.ctx.kiosk.rules, self.ctx.staff.name, self.text.text()
        self.run(lambda: rules.settle_deposit(code, outcome, reason, staff=staff),
                 partial(self._done, tr(N_("Deposit settled."))))

    def _maintained(self) -> None:
        rules, staff = self.ctx.kiosk.rules, self.ctx.staff.name
        item, note = self.item.text(), self.text.text()
        self.run(lambda: rules.record_maintenance(item, note, staff=staff),
                 partial(self._done, tr(N_("Maintenance recorded."))))
