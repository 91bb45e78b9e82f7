"""The lending rules themselves, for managers: a member type's annual fee and what a lapsed
fee does at the kiosk, and an item's or a category's deposit, qualification, adults-only
flag, months of membership and maintenance schedule (``nanum rules`` does the same)."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout

from ui.staffmode.base import StaffPage, Stepper
from ui.staffmode.rules_page import _field
from ui.text import N_, tr
from ui.widgets.common import button, label


class RuleSettingsPage(StaffPage):
    name = "rule_settings"
    permission = "settings"
    title_msgid = N_("Set the lending rules")
    nav_msgid = N_("Rule settings")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.col.addWidget(label(tr(N_("Membership fee")), "title"))
        fee = QGridLayout()
        self.fee_type = _field("RulesFeeType", tr(N_("e.g. standard")))
        self.fee_amount = Stepper(0, 10_000_000, "RulesFeeAmount", step=1000)
        self.fee_months = Stepper(12, 120, "RulesFeeMonths", minimum=1)
        self.block = QCheckBox(tr(N_("A lapsed fee blocks borrowing")))
        self.block.setObjectName("RulesFeeBlocks")
        save_fee = button(tr(N_("Set the fee")), name="RulesSetFee")
        save_fee.clicked.connect(lambda _=False: self._set_fee())
        for i, (caption, widget) in enumerate(((N_("Member type"), self.fee_type),
                                               (N_("Fee (won, 0: none)"), self.fee_amount),
                                               (N_("Paid for (months)"), self.fee_months))):
            fee.addWidget(label(tr(caption)), i // 2, (i % 2) * 2)
            fee.addWidget(widget, i // 2, (i % 2) * 2 + 1)
        fee.addWidget(self.block, 1, 2)
        fee.addWidget(save_fee, 1, 3)
        self.col.addLayout(fee)
        self.col.addWidget(label(tr(N_("An item's or a category's rule")), "title"))
        grid = QGridLayout()
        self.target = _field("RulesTarget", tr(N_("Item code, or category:NAME")))
        self.rule_deposit = Stepper(0, 10_000_000, "RulesRuleDeposit", step=1000)
        self.rule_qualification = _field("RulesRuleQualification", tr(N_("Qualification (e.g. 안전교육 이수)")))
        self.rule_adults = QCheckBox(tr(N_("Adults only")))
        self.rule_adults.setObjectName("RulesRuleAdults")
        self.rule_months = Stepper(0, 600, "RulesRuleMonths")
        self.rule_loans = Stepper(0, 10_000, "RulesRuleLoans")
        self.rule_days = Stepper(0, 10_000, "RulesRuleDays")
        self.rule_battery = Stepper(0, 10_000, "RulesRuleBattery")
        self.rule_task = _field("RulesRuleTask", tr(N_("Maintenance task (e.g. 날 점검)")))
        cells = ((N_("Item or category"), self.target), (N_("Deposit (won)"), self.rule_deposit),
                 (N_("Qualification"), self.rule_qualification), (N_("Months of membership"), self.rule_months),
                 (N_("Upkeep every N loans"), self.rule_loans), (N_("Upkeep every N days"), self.rule_days),
                 (N_("Battery check every N weeks"), self.rule_battery), (N_("Task"), self.rule_task))
        for i, (caption, widget) in enumerate(cells):
            grid.addWidget(label(tr(caption)), i // 2, (i % 2) * 2)
            grid.addWidget(widget, i // 2, (i % 2) * 2 + 1)
        self.col.addLayout(grid)
        row = QHBoxLayout()
        row.addWidget(self.rule_adults)
        for msgid, name, slot in ((N_("Show the rule"), "RulesLoadRule", self._load_rule),
                                  (N_("Save the rule"), "RulesSaveRule", self._save_rule),
                                  (N_("Remove the rule"), "RulesClearRule", self._clear_rule)):
            b = button(tr(msgid), name=name)
            b.clicked.connect(lambda _=False, f=slot: f())
            row.addWidget(b)
        self.col.addLayout(row)
        self.col.addStretch(1)

    def _manager(self) -> bool:
        if self.ctx.staff is None or not self.ctx.staff.can("settings"):
            self.fail(tr(N_("Only a manager can change the lending rules.")))
            return False
        return True

    def _set_fee(self) -> None:
        if not self._manager():
            return
        k, who = self.ctx.kiosk, self.ctx.staff.name
        kind, amount, months = self.fee_type.text(), self.fee_amount.value(), self.fee_months.value()
        policy = "block" if self.block.isChecked() else "warn"

        def save() -> None:
            k.rules.set_fee_plan(kind, amount, months, actor=who)
            with k.transaction() as s:
                k.set_setting(s, "fee_policy", policy)

        self.run(save, partial(self._saved, tr(N_("Fee of {type} set: {amount} won every {months} months."),
                                              type=kind.strip(), amount=f"{amount:,}", months=months)))

    def _load_rule(self) -> None:
        rules, target = self.ctx.kiosk.rules, self.target.text().strip()
        self.run(lambda: rules.rule_of(target), self._show_rule)

    def _show_rule(self, rule: Any) -> None:
        if rule is None:
            self.ok(tr(N_("{target} has no rule of its own."), target=self.target.text().strip()))
        for stepper, value in ((self.rule_deposit, rule.deposit if rule else 0),
                               (self.rule_months, rule.min_membership_months if rule else 0),
                               (self.rule_loans, rule.every_loans if rule else 0),
                               (self.rule_days, rule.every_days if rule else 0),
                               (self.rule_battery, rule.battery_weeks if rule else 0)):
            stepper.setValue(value)
        self.rule_qualification.setText(rule.qualification if rule else "")
        self.rule_task.setText(rule.task if rule else "")
        self.rule_adults.setChecked(bool(rule and rule.adults_only))

    def _save_rule(self) -> None:
        if not self._manager():
            return
        rules, who, target = self.ctx.kiosk.rules, self.ctx.staff.name, self.target.text().strip()
        deposit, qualification = self.rule_deposit.value(), self.rule_qualification.text()
        adults, months = self.rule_adults.isChecked(), self.rule_months.value()
        loans, days, weeks = self.rule_loans.value(), self.rule_days.value(), self.rule_battery.value()
        task = self.rule_task.text()
        self.run(lambda: rules.set_rule(target, deposit=deposit, qualification=qualification, adults_only=adults,
                                        min_membership_months=months, every_loans=loans, every_days=days,
                                        battery_weeks=weeks, task=task, actor=who),
                 partial(self._saved, tr(N_("The rule of {target} is saved."), target=target)))

    def _clear_rule(self) -> None:
        if not self._manager():
            return
        rules, who, target = self.ctx.kiosk.rules, self.ctx.staff.name, self.target.text().strip()
        self.run(lambda: rules.clear_rule(target, actor=who),
                 partial(self._saved, tr(N_("The rule of {target} was removed."), target=target)))

    def _saved(self, message: str, _result: object = None) -> None:
        self.ok(message)
