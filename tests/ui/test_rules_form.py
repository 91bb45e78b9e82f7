"""Managers set the lending rules on the Rule settings page: a member type's fee and what a
lapsed fee does, and a category's or an item's deposit, conditions and upkeep; a volunteer
cannot."""

from __future__ import annotations

import pytest

from kiosk.services.staff import Staff

pytestmark = pytest.mark.usefixtures("demo")


def test_a_manager_sets_fees_and_rules_on_the_page(window, ui, demo):
    Staff(demo).create_first_manager("김관리", "2580")
    page = ui.enter_staff_mode().go("rule_settings")
    ui.settle()
    page.fee_type.setText("standard")
    page.fee_amount.setValue(10_000)
    page.block.setChecked(True)
    ui.tap("RulesSetFee")
    assert demo.rules.fee_plans()["standard"] == (10_000, 12)
    assert demo.setting("fee_policy") == "block"

    page.target.setText("category:tool")
    page.rule_qualification.setText("안전교육 이수")
    page.rule_days.setValue(90)
    page.rule_task.setText("날 점검")
    ui.tap("RulesSaveRule")
    rule = demo.rules.rule_of("category:tool")
    assert (rule.qualification, rule.every_days, rule.task, rule.deposit) == ("안전교육 이수", 90, "날 점검", 0)

    page.target.setText("T-00004")
    page.rule_deposit.setValue(30_000)
    page.rule_qualification.clear()
    page.rule_days.setValue(0)
    page.rule_task.clear()
    page.rule_adults.setChecked(True)
    ui.tap("RulesSaveRule")
    assert demo.rules.item_rule("T-00004").deposit == 30_000  # its own rule, not the category's
    # Shown again from what is stored, then removed.
    page.target.setText("category:tool")
    ui.tap("RulesLoadRule")
    ui.settle()
    assert (page.rule_qualification.text(), page.rule_days.value(), page.rule_adults.isChecked()) == (
        "안전교육 이수", 90, False)
    page.target.setText("T-00004")
    ui.tap("RulesClearRule")
    assert demo.rules.rule_of("T-00004") is None


def test_a_volunteer_cannot_change_the_rules(window, ui, demo):
    boss = Staff(demo).create_first_manager("김관리", "2580")
    Staff(demo).add("이봉사", "volunteer", "1357", by=boss)
    mode = ui.enter_staff_mode("이봉사", "1357")
    assert "rule_settings" not in mode.nav and mode.go("rule_settings") is None
    # Even reached some other way, saving is refused.
    from ui.staffmode.rule_settings import RuleSettingsPage

    page = RuleSettingsPage(mode.ctx)
    page.target.setText("category:tool")
    page.rule_deposit.setValue(5_000)
    page._save_rule()
    assert demo.rules.rule_of("category:tool") is None
    assert page.banner.isVisibleTo(page)
