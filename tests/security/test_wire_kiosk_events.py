"""Every event a real kiosk writes fits the wire schema the platform enforces.

The platform quarantines what does not fit; a kiosk whose ordinary work did
not fit would lose it to the city. So the kiosk's services are driven through
their usual operations and each event of its log is checked against the
schema of its type (sync.events), with the platform's clock at the kiosk's.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from kiosk.services.desk import Desk
from kiosk.services.staff import Staff
from kiosk.store.models import Event
from sync import events as schema


def test_a_kiosks_ordinary_work_fits_the_wire_schema(demo, cards, tmp_path):
    k = demo
    staff = Staff(k)
    boss = staff.create_first_manager("김관리", "2580")
    staff.logout(staff.unlock("2580", name="김관리"), "idle")
    staff.add("이봉사", "volunteer", "1357", by=boss)
    staff.set_pin("이봉사", "2468", by=boss)
    staff.set_role("이봉사", "manager", by=boss)
    staff.set_active("이봉사", False, by=boss)
    staff.set_active("이봉사", True, by=boss)
    staff.issue_card("이봉사", by=boss)
    desk = Desk(k)
    items = [i.code for i in k.catalogue.list(status="available")]
    member, lent = None, []
    for card in cards.values():  # a member who may borrow two of them now
        outcomes = k.circulation.checkout(card, items[:6]).outcomes
        lent = [o.item for o in outcomes if o.ok]
        if len(lent) >= 2:
            member = card
            break
    assert member is not None
    number = k.members.identify(member).number
    k.circulation.renew(lent[0], member)
    other = next(c for c in cards.values() if c != member)
    k.circulation.reserve(other, lent[0])
    k.circulation.cancel_reservation(other, lent[0], actor="김관리")
    k.circulation.reserve(other, lent[0])
    k.circulation.return_item(lent[0])  # onto the reservation shelf for the other member
    k.circulation.return_item(lent[1], parts_counted=0, damaged_note="부품이 없음\n확인 필요")
    desk.resolve_inspection(lent[1], "repair", by=boss, note="수리 맡김")
    desk.resolve_inspection(lent[1], "shelf", by=boss)
    for code in lent[2:]:
        k.circulation.return_item(code)
    items = [i.code for i in k.catalogue.list(status="available")]
    desk.retire_item(items[3], by=boss, note="망가짐")
    desk.edit_item(items[4], by=boss, name_en="Drill (big)")
    k.catalogue.add_alias(items[4], "8801234567890", actor="김관리")
    k.catalogue.set_status(items[5], "repair", actor="김관리", note="점검")
    desk.save_settings({"ui_language": "en", "site_name": "강남 나눔센터 본점"}, by=boss)
    k.set_closed_days([0, 6], [dt.date(2026, 5, 5)], actor="김관리")
    k.members.set_pin(number, "1234", actor="김관리")
    k.members.reissue_card(number, actor="김관리")
    k.members.set_status(number, "suspended", actor="김관리")
    k.members.set_status(number, "active", actor="김관리")
    k.members.renew(number, dt.date(2027, 12, 31), actor="김관리")
    k.members.add("새 회원")
    staff.note(boss, "report.made", {"from": "2026-03-01", "to": "2026-03-31"})
    desk.backup(tmp_path, by=boss)

    with k.reading() as s:
        log = s.execute(select(Event).order_by(Event.seq)).scalars().all()
    newest = max(int(e.hlc.split(".")[0]) for e in log)
    refused = []
    for e in log:
        fields = {c: getattr(e, c) for c in ("event_id", "kiosk_id", "seq", "type", "at", "hlc", "actor",
                                             "payload", "prev_hash", "hash")}
        try:
            schema.check_event(fields, newest)
        except schema.EventRefused as exc:
            refused.append((e.seq, e.type, exc.detail))
    types = {e.type for e in log}
    assert refused == []
    assert types - set(schema.MODELS) == set()  # every type has its own model
    assert len(types) >= 25, sorted(types)
