"""The events of the lending rules (fees, deposits, qualifications, maintenance,
demand) fit the platform's wire schema as the kiosk writes them, and a demand
event that does not fit is refused."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kiosk.store.models import Event
from sync.events import EventRefused, check_event

RULE_EVENTS = {"fee.plan_set", "fee.paid", "fee.exempted", "item.rule_set", "deposit.taken",
               "deposit.settled", "member.qualified", "maintenance.due", "maintenance.done",
               "demand.recorded"}


def wire(ev: Event) -> dict:
    return {"event_id": ev.event_id, "kiosk_id": ev.kiosk_id, "seq": ev.seq, "type": ev.type,
            "at": ev.at, "hlc": ev.hlc, "actor": ev.actor, "payload": ev.payload,
            "prev_hash": ev.prev_hash, "hash": ev.hash}


def test_every_lending_rule_event_fits_the_wire_schema(make_kiosk):
    k, clock = make_kiosk()
    k.catalogue.add_item("T-1", "전동드릴", category="tool")
    k.catalogue.add_item("T-2", "톱", category="tool")
    number = k.members.add("주민")[0].number
    _, card = k.members.add("이웃")
    k.rules.set_fee_plan("standard", 10_000)
    k.rules.record_payment(number, 10_000, "cash", staff="박지원")
    k.rules.set_exemption(number, "다자녀", staff="박지원")
    k.rules.set_rule("category:tool", qualification="안전교육 이수", every_loans=1, task="점검")
    k.rules.set_rule("T-2", deposit=30_000, every_loans=1, task="날 점검")  # its own rule wins
    k.rules.record_qualification(number, "안전교육 이수", k.today(), staff="박지원")
    k.rules.record_qualification(card, "안전교육 이수", k.today(), staff="박지원")
    k.rules.lend_with_deposit(number, "T-2", 30_000, staff="박지원")
    assert k.circulation.checkout(card, ["T-2"]).outcomes[0].reason == "on_loan"
    k.circulation.return_item("T-2")
    k.rules.settle_deposit("T-2", "returned", staff="박지원")
    k.rules.record_maintenance("T-2", "ok", staff="박지원")
    now_ms = int(clock().timestamp() * 1000)
    with k.reading() as s:
        rows = [wire(e) for e in s.execute(select(Event).order_by(Event.seq)).scalars()]
    seen = set()
    for row in rows:
        _env, payload = check_event(row, now_ms)
        if row["type"] in RULE_EVENTS:
            assert payload, row["type"]  # validated by its own model, not stored unread
            seen.add(row["type"])
    assert seen == RULE_EVENTS
    # The exemption's reason never leaves the centre.
    assert all("다자녀" not in r["payload"] for r in rows)

    bad = next(r for r in rows if r["type"] == "demand.recorded")
    payload = json.loads(bad["payload"])
    bad = dict(bad, payload=json.dumps({**payload, "kind": "wished"}))
    with pytest.raises(EventRefused):
        check_event(bad, now_ms)
