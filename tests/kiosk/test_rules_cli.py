"""``nanum rules``: staff set the lending rules from the command line, through main()."""

from __future__ import annotations

import json

import pytest

from kiosk.services import open_kiosk


def _json(nanum, *args):
    code, out, err = nanum("--json", *args)
    assert code == 0, err
    return json.loads(out)


def test_fees_policy_and_item_rules_are_set_and_listed(nanum):
    assert nanum("init")[0] == 0
    assert nanum("item", "add", "T-00001", "전동드릴", "--category", "tool")[0] == 0
    assert _json(nanum, "rules", "fee", "standard", "10000") == {
        "member_type": "standard", "amount": 10000, "period_months": 12}
    assert nanum("rules", "policy", "block")[0] == 0
    rule = _json(nanum, "rules", "set", "category:tool", "--qualification", "안전교육 이수",
                 "--every-days", "90", "--task", "날 점검")
    assert (rule["qualification"], rule["every_days"], rule["task"]) == ("안전교육 이수", 90, "날 점검")
    # An item's own rule; a second call changes one setting and keeps the others.
    _json(nanum, "rules", "set", "T-00001", "--deposit", "30000", "--adults-only", "yes")
    rule = _json(nanum, "rules", "set", "T-00001", "--min-months", "3")
    assert (rule["target"], rule["deposit"], rule["adults_only"], rule["min_membership_months"]) == (
        "T-00001", 30000, True, 3)
    listed = _json(nanum, "rules", "list")
    assert listed["fees"] == {"standard": {"amount": 10000, "period_months": 12}}
    assert listed["fee_policy"] == "block"
    assert [r["target"] for r in listed["rules"]] == ["category:tool", "T-00001"]
    code, out, _err = nanum("rules", "list")
    assert "Membership fee of standard: 10000 won every 12 months" in out
    assert "T-00001\tdeposit 30000 won; adults only; after 3 months of membership" in out
    assert "category:tool\tneeds “안전교육 이수”; 날 점검 every 90 days" in out
    # The kiosk lends by what was set.
    k = open_kiosk(nanum.data)
    try:
        assert k.setting("fee_policy") == "block"
        assert k.rules.fee_plans() == {"standard": (10000, 12)}
        assert k.rules.item_rule("T-00001").deposit == 30000
    finally:
        k.close()
    assert _json(nanum, "rules", "clear", "T-00001")["cleared"]
    assert not _json(nanum, "rules", "clear", "T-00001")["cleared"]  # nothing left to clear
    assert [r["target"] for r in _json(nanum, "rules", "list")["rules"]] == ["category:tool"]


def test_bad_rules_are_refused_with_exit_2_and_change_nothing(nanum):
    assert nanum("init")[0] == 0
    for bad in (("fee", "standard", "-5"), ("policy", "sometimes"), ("set", "T-1", "--adults-only", "maybe")):
        with pytest.raises(SystemExit) as exit_:  # argparse refuses it before anything is opened
            nanum("rules", *bad)
        assert exit_.value.code == 2
    assert nanum("rules", "set", "category:tool")[0] == 2  # nothing to set
    code, _out, err = nanum("rules", "set", "category:tool", "--every-loans", "5")
    assert code == 2 and "maintenance task" in err
    assert nanum("rules", "set", "T-09999", "--deposit", "1")[0] != 0  # no such item
    assert _json(nanum, "rules", "list")["rules"] == [] and _json(nanum, "rules", "list")["fees"] == {}
