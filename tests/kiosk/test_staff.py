"""Staff accounts, the PIN keypad guard, the inspection queue and the dashboard."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from kiosk.errors import BadInput, Refused
from kiosk.services import open_kiosk
from kiosk.services.dashboard import Dashboard, mask_contact
from kiosk.services.desk import Desk
from kiosk.services.staff import MANAGER, VOLUNTEER, Staff, StaffLocked, lock_seconds


@pytest.fixture
def staff(kiosk):
    return Staff(kiosk)


@pytest.fixture
def boss(staff):
    return staff.create_first_manager("김관리", "2580")


def _events(kiosk, type_=None):
    db = sqlite3.connect(kiosk.engine.url.database)
    q = "SELECT type, actor, payload FROM events" + (" WHERE type = ?" if type_ else "") + " ORDER BY seq"
    rows = db.execute(q, (type_,) if type_ else ()).fetchall()
    db.close()
    return [(t, a, json.loads(p)) for t, a, p in rows]


def test_first_run_asks_for_a_manager_once(staff):
    assert staff.needs_first_manager()
    boss = staff.create_first_manager("김관리", "2580")
    assert boss.role == MANAGER and boss.can("reports") and boss.can("staff")
    assert not staff.needs_first_manager()
    with pytest.raises(Refused) as exc:
        staff.create_first_manager("침입자", "1357")
    assert exc.value.reason == "not_first"
    assert [s.name for s in staff.list()] == ["김관리"]


def test_pins_are_stored_only_as_scrypt_hashes(kiosk, staff, boss):
    staff.add("이봉사", VOLUNTEER, "7391", by=boss)
    db = sqlite3.connect(kiosk.engine.url.database)
    hashes = [h for (h,) in db.execute("SELECT pin_hash FROM staff_accounts")]
    db.close()
    assert len(hashes) == 2
    assert all(h.startswith("scrypt$16384$8$1$") for h in hashes)
    assert not any("7391" in h or "2580" in h for h in hashes)


@pytest.mark.parametrize("pin", ["", "12", "123456789", "12a4", "1111", "1234", "9876"])
def test_weak_or_malformed_pins_are_refused_and_nothing_changes(kiosk, staff, boss, pin):
    before = len(_events(kiosk))
    with pytest.raises(BadInput):
        staff.add("이봉사", VOLUNTEER, pin, by=boss)
    assert len(_events(kiosk)) == before
    assert [s.name for s in staff.list()] == ["김관리"]


def test_roles_limit_what_a_volunteer_may_do(staff, boss):
    vol = staff.add("이봉사", VOLUNTEER, "7391", by=boss)
    assert vol.can("inspection") and vol.can("override") and vol.can("circulation")
    for manager_only in ("catalogue", "members", "settings", "staff", "reports", "import"):
        assert not vol.can(manager_only)
    with pytest.raises(Refused) as exc:
        staff.add("박봉사", VOLUNTEER, "4826", by=vol)
    assert exc.value.reason == "not_allowed"
    with pytest.raises(Refused):
        staff.set_pin("김관리", "4826", by=vol)
    staff.set_pin("이봉사", "4826", by=vol)  # their own PIN is theirs to change
    assert staff.unlock("4826", name="이봉사").name == "이봉사"


def test_unlock_names_the_staff_member_in_the_log(kiosk, staff, boss):
    who = staff.unlock("2580", name="김관리")
    assert who == boss
    staff.logout(who, "idle")
    types = [(t, a) for t, a, _ in _events(kiosk) if t.startswith("staff.")]
    assert types == [("staff.added", "김관리"), ("staff.login", "김관리"), ("staff.logout", "김관리")]
    assert kiosk.maintenance.verify_log().ok


def test_five_wrong_pins_lock_the_keypad_with_growing_delays(kiosk, clock, staff, boss):
    for tries_left in (4, 3, 2, 1):
        with pytest.raises(BadInput) as exc:
            staff.unlock("0000", name="김관리")
        assert exc.value.message.params == {"tries": tries_left}
    with pytest.raises(StaffLocked) as exc:
        staff.unlock("0000", name="김관리")
    assert exc.value.seconds == 30
    # While locked even the right PIN is not checked.
    clock.advance(seconds=20)
    with pytest.raises(StaffLocked) as exc:
        staff.unlock("2580", name="김관리")
    assert exc.value.seconds == 10
    assert staff.lock_state(name="김관리").failures == 5
    # After the wait, one more wrong PIN locks for twice as long.
    clock.advance(seconds=10)
    with pytest.raises(StaffLocked) as exc:
        staff.unlock("1357", name="김관리")
    assert exc.value.seconds == 60
    clock.advance(seconds=60)
    with pytest.raises(StaffLocked) as exc:
        staff.unlock("1357", name="김관리")
    assert exc.value.seconds == 120
    clock.advance(seconds=120)
    assert staff.unlock("2580", name="김관리") == boss
    assert staff.lock_state(name="김관리").failures == 0 and not staff.lock_state(name="김관리").locked
    failed = _events(kiosk, "staff.pin_failed")
    assert [p["failures"] for _, _, p in failed] == [1, 2, 3, 4, 5, 6, 7]
    assert [lock_seconds(n) for n in (4, 5, 6, 7, 8, 20)] == [0, 30, 60, 120, 240, 900]


def test_the_lock_survives_switching_the_kiosk_off(tmp_path, make_kiosk):
    k, clock = make_kiosk(name="lock")
    Staff(k).create_first_manager("김관리", "2580")
    for _ in range(4):
        with pytest.raises(BadInput):
            Staff(k).unlock("0000", name="김관리")
    k.close()
    again = open_kiosk(tmp_path / "lock", clock=clock)
    try:
        with pytest.raises(StaffLocked):
            Staff(again).unlock("0000", name="김관리")
    finally:
        again.close()


def test_an_unknown_name_is_just_a_wrong_pin(staff, boss):
    with pytest.raises(BadInput) as exc:
        staff.unlock("2580", name="아무개")
    assert exc.value.msgid.startswith("That PIN is not right.")


def test_a_staff_card_opens_the_pin_door_until_the_account_is_switched_off(kiosk, staff, boss):
    vol = staff.add("이봉사", VOLUNTEER, "7391", by=boss)
    card = staff.issue_card("이봉사", by=boss)
    assert staff.is_staff_card(card)
    assert not staff.is_staff_card("T-00001")
    assert staff.unlock("7391", card=card) == staff.list()[1]
    with pytest.raises(BadInput):
        staff.unlock("2580", card=card)  # the manager's PIN does not open a volunteer's card
    staff.set_active("이봉사", False, by=boss)
    assert not staff.is_staff_card(card)
    with pytest.raises(BadInput):
        staff.unlock("7391", name="이봉사")
    assert vol.name not in [s.name for s in staff.list()]


def test_the_last_manager_cannot_be_switched_off_or_demoted(staff, boss):
    with pytest.raises(Refused) as exc:
        staff.set_active("김관리", False, by=boss)
    assert exc.value.reason == "last_manager"
    with pytest.raises(Refused):
        staff.set_role("김관리", VOLUNTEER, by=boss)
    staff.add("최관리", MANAGER, "4826", by=boss)
    assert staff.set_role("김관리", VOLUNTEER, by=boss).role == VOLUNTEER


# -- inspection queue -----------------------------------------------------------------
@pytest.fixture
def lent_set(kiosk, staff, boss):
    """A 10-piece block set lent and returned 3 pieces short, with a member waiting."""
    kiosk.catalogue.add_item("K-00001", "블록 세트", category="toy",
                             parts=[{"name_ko": "블록", "name_en": "blocks", "count": 8},
                                    {"name_ko": "바퀴", "name_en": "wheels", "count": 2}],
                             replacement_value=30000)
    _, card_a = kiosk.members.add("가나다", "family")
    _, card_b = kiosk.members.add("라마바", "family")
    assert kiosk.circulation.checkout(card_a, ["K-00001"]).outcomes[0].ok
    assert kiosk.circulation.reserve(card_b, "K-00001") == "waiting"
    out = kiosk.circulation.return_item("K-00001", parts_counted=7)
    assert out.destination == "staff"
    return card_a, card_b


def test_inspection_back_to_the_shelf_records_found_parts_and_holds_for_the_next(kiosk, staff, boss, lent_set):
    vol = staff.add("이봉사", VOLUNTEER, "7391", by=boss)
    desk = Desk(kiosk)
    [case] = desk.inspection_queue()
    assert (case.item.code, case.missing, case.condition, case.waiting) == ("K-00001", 3, "missing_parts", 1)
    # Two blocks turned up; one wheel is gone for good.
    result = desk.resolve_inspection("K-00001", "shelf", by=vol, parts=[8, 1], note="바퀴 1개 분실")
    assert result.parts_found == 2
    assert result.held_for == "M-000002"
    assert result.item.status == "held" and result.item.parts_total == 9
    assert desk.inspection_queue() == []
    [(_, actor, payload)] = _events(kiosk, "item.inspected")
    assert actor == "이봉사" and payload["parts_found"] == 2 and payload["held_for"] == "M-000002"
    # The next return counts against the 9 pieces really there.
    assert kiosk.circulation.checkout(lent_set[1], ["K-00001"]).outcomes[0].ok
    assert kiosk.circulation.return_item("K-00001").parts_expected == 9


def test_inspection_to_repair_then_retired_cancels_the_waiting_list(kiosk, staff, boss, lent_set):
    desk = Desk(kiosk)
    with pytest.raises(BadInput):
        desk.resolve_inspection("K-00001", "repair", by=boss, note="  ")  # a note is needed
    r = desk.resolve_inspection("K-00001", "repair", by=boss, note="바퀴 축 부러짐")
    assert r.item.status == "repair" and r.held_for is None and r.cancelled == 0
    [case] = desk.inspection_queue()
    assert case.status == "repair"
    r = desk.resolve_inspection("K-00001", "retired", by=boss, note="수리 불가")
    assert r.item.status == "retired" and r.cancelled == 1
    with pytest.raises(BadInput):
        desk.resolve_inspection("K-00001", "shelf", by=boss)  # not waiting any more
    db = sqlite3.connect(kiosk.engine.url.database)
    assert db.execute("SELECT status FROM reservations").fetchall() == [("cancelled",)]
    assert db.execute("SELECT outcome, staff FROM inspections ORDER BY id").fetchall() == [
        ("repair", "김관리"), ("retired", "김관리")]
    db.close()


def test_volunteers_inspect_but_do_not_edit_the_catalogue(kiosk, staff, boss, lent_set):
    vol = staff.add("이봉사", VOLUNTEER, "7391", by=boss)
    desk = Desk(kiosk)
    with pytest.raises(Refused):
        desk.edit_item("K-00001", by=vol, name_ko="바뀐 이름")
    item = desk.edit_item("K-00001", by=boss, name_ko="큰 블록 세트", replacement_value=35000)
    assert (item.name_ko, item.replacement_value) == ("큰 블록 세트", 35000)
    [(_, actor, payload)] = _events(kiosk, "item.edited")
    assert actor == "김관리" and payload["changes"] == {"name_ko": "큰 블록 세트", "replacement_value": 35000}
    with pytest.raises(BadInput):
        desk.edit_item("K-00001", by=boss, category="spaceship")
    with pytest.raises(BadInput):
        desk.edit_item("K-00001", by=boss, name_ko=" ")


def test_a_photo_is_attached_by_path(kiosk, tmp_path, staff, boss, lent_set):
    from PIL import Image

    photo = tmp_path / "k1.jpg"
    Image.new("RGB", (40, 30), (200, 80, 20)).save(photo)
    stored = Desk(kiosk).set_photo("K-00001", photo, by=boss).photo
    # The item refers to the store's copy, named for its content; the original stays.
    assert stored is not None and stored.startswith(str(kiosk.data_dir / "photos" / "item"))
    assert Path(stored).is_file() and photo.is_file()
    with pytest.raises(BadInput):
        Desk(kiosk).set_photo("K-00001", tmp_path / "none.jpg", by=boss)


# -- dashboard ----------------------------------------------------------------------
def test_dashboard_lists_today_overdue_and_pickups(kiosk, clock, staff, boss):
    kiosk.catalogue.add_item("T-00001", "전동드릴", parts=3)
    kiosk.catalogue.add_item("T-00002", "사다리", parts=1)
    m, card = kiosk.members.add("홍길동", contact="010-1234-5678")
    _, other = kiosk.members.add("성춘향")
    kiosk.circulation.checkout(card, ["T-00001", "T-00002"])
    kiosk.circulation.reserve(other, "T-00002")
    clock.advance(days=9)
    kiosk.circulation.return_item("T-00002")
    view = Dashboard(kiosk).view()
    assert (view.loans_today, view.returns_today, view.open_loans) == (0, 1, 1)
    [call] = view.overdue
    assert (call.item_code, call.member_name, call.contact_masked) == ("T-00001", "홍길동", "010-****-5678")
    assert call.days_overdue == (view.today - call.due_on).days > 0
    [pickup] = view.pickups
    assert (pickup.item_code, pickup.member_name) == ("T-00002", "성춘향")
    assert Dashboard(kiosk).reveal_contact(m.number, by=boss) == "010-1234-5678"
    [(_, actor, payload)] = _events(kiosk, "member.contact_viewed")
    assert actor == "김관리" and payload == {"member": m.number, "why": "overdue"}


@pytest.mark.parametrize("raw, masked", [("010-1234-5678", "010-****-5678"), ("01012345678", "010****5678"),
                                          ("", ""), ("1234", "****"), ("02-123-4567", "02-1**-4567")])
def test_contacts_are_masked(raw, masked):
    assert mask_contact(raw) == masked


def test_today_is_seoul_time(make_kiosk):
    # 23:30 UTC on the 9th is 08:30 on the 10th in Seoul.
    k, _ = make_kiosk(now=dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC))
    assert Dashboard(k).view().today == dt.date(2026, 3, 10)


def test_retiring_from_the_catalogue_cancels_the_hold(kiosk, staff, boss):
    kiosk.catalogue.add_item("T-00001", "전동드릴", parts=3)
    _, a = kiosk.members.add("가")
    _, b = kiosk.members.add("나")
    kiosk.circulation.checkout(a, ["T-00001"])
    kiosk.circulation.reserve(b, "T-00001")
    with pytest.raises(BadInput):
        Desk(kiosk).retire_item("T-00001", by=boss)  # on loan
    kiosk.circulation.return_item("T-00001")  # now held for 나
    vol = staff.add("이봉사", VOLUNTEER, "7391", by=boss)
    with pytest.raises(Refused):
        Desk(kiosk).retire_item("T-00001", by=vol)
    assert Desk(kiosk).retire_item("T-00001", by=boss, note="고장").status == "retired"
    db = sqlite3.connect(kiosk.engine.url.database)
    assert db.execute("SELECT status FROM reservations").fetchall() == [("cancelled",)]
    db.close()
    [(_, actor, payload)] = _events(kiosk, "item.retired")
    assert actor == "김관리" and payload["reservations_cancelled"] == 1


# -- the command line ---------------------------------------------------------------
def test_staff_and_labels_commands(kiosk, tmp_path, capsys):
    from kiosk.cli import main

    data = str(tmp_path / "dir")
    kiosk.catalogue.add_item("T-00001", "전동드릴", parts=3)
    kiosk.catalogue.add_item("T-00002", "사다리", parts=1)
    args = ["--data-dir", data, "--json", "--lang", "en"]
    assert main([*args, "staff", "add", "이봉사", "--role", "volunteer", "--pin", "7391"]) == 2
    assert "must be a manager" in capsys.readouterr().err
    assert main([*args, "staff", "add", "김관리", "--role", "manager", "--pin", "2580"]) == 0
    assert main([*args, "staff", "add", "이봉사", "--role", "volunteer", "--pin", "1111"]) == 2
    assert main([*args, "staff", "add", "이봉사", "--role", "volunteer", "--pin", "7391"]) == 0
    capsys.readouterr()
    assert main([*args, "staff", "list"]) == 0
    assert [(p["name"], p["role"]) for p in json.loads(capsys.readouterr().out)] == [
        ("김관리", "manager"), ("이봉사", "volunteer")]
    assert [a for _t, a, _p in _events(kiosk, "staff.added")] == ["김관리", "command line"]
    out = tmp_path / "labels.pdf"
    assert main([*args, "labels", "--out", str(out), "--layout", "62mm"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert (got["labels"], got["pages"]) == (2, 2) and out.read_bytes().startswith(b"%PDF")
    assert main([*args, "labels", "--out", str(out), "--codes", "T-00002", "T-00404"]) == 2
    assert main([*args, "labels", "--out", str(tmp_path / "no" / "dir.pdf"), "--codes", "T-00001"]) == 2


@pytest.mark.parametrize("key, bad", [("camera_device", "rm -rf /"), ("camera_device", ""),
                                      ("sync_url", "ftp://platform.example/"), ("sync_url", "https://"),
                                      ("sync_url", "https://platform example/")])
def test_camera_and_platform_settings_refuse_what_they_could_not_use(kiosk, boss, key, bad):
    from kiosk.errors import BadInput
    from kiosk.services.desk import Desk

    with pytest.raises(BadInput):
        Desk(kiosk).save_settings({key: bad}, by=boss)
    kiosk.forget_cached_settings()
    assert kiosk.setting(key) is None and _events(kiosk, "settings.changed") == []


def test_a_volunteer_can_neither_back_up_nor_restore(kiosk, tmp_path, staff, boss):
    from kiosk.errors import Refused
    from kiosk.services.desk import Desk

    volunteer = staff.add("이봉사", "volunteer", "1357", by=boss)
    desk = Desk(kiosk)
    good = desk.backup(tmp_path / "b", by=boss)
    with pytest.raises(Refused):
        desk.backup(tmp_path / "v", by=volunteer)
    with pytest.raises(Refused):
        desk.restore(good, by=volunteer, safety_dir=tmp_path / "s")
    assert not (tmp_path / "v").exists() and not (tmp_path / "s").exists()
    assert [p for p, _when in desk.backups([tmp_path / "b"])] == [good]
