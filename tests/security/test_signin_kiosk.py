"""Signing in at the kiosk: a number alone never names a resident, PIN guessing
slows down and locks, a card always works, and staff PIN locks are atomic and
per account."""

from __future__ import annotations

import threading

import pytest

from kiosk.demo import DEMO_PIN
from kiosk.errors import BadInput, KioskError
from kiosk.i18n import translate
from kiosk.throttle import MEMBER_PIN, TooManyTries

NOT_A_CARD = "This is not a member card. Please show your member card."


# -- a number alone, scanned at the resident identify screen -----------------------
def _a_demo_member(demo, cards):
    name = next(iter(cards))
    return demo.members.identify(cards[name])


@pytest.mark.parametrize("code", ["M-000004", "4", "000004", " m-4 ", "M-4"])
def test_a_scanned_number_does_not_sign_a_resident_in(window, ui, code):
    window.go("borrow")
    assert window.current.name == "identify"
    ui.scan(code)
    identify = window.screens["identify"]
    assert window.session.member is None and window.session.member_ref is None
    assert window.current.name == "identify"
    assert identify.banner.kind == "refused"
    assert identify.banner.title.text() == translate(NOT_A_CARD, window.session.lang)
    assert identify.banner.title.text() != NOT_A_CARD  # shown in Korean, not the English msgid


def test_the_number_of_a_real_member_does_not_sign_in_but_their_card_does(window, ui, demo, cards):
    member = _a_demo_member(demo, cards)
    for code in (member.number, member.number.removeprefix("M-").lstrip("0")):
        window.go("borrow")
        ui.scan(code)
        assert window.session.member is None, code
        assert window.screens["identify"].banner.kind == "refused"
    name = next(iter(cards))
    ui.scan(cards[name])
    assert window.session.member is not None and window.session.member.number == member.number
    assert window.current.name == "borrow"


def test_the_service_identifies_residents_by_card_only(demo, cards):
    member = _a_demo_member(demo, cards)
    for code in (member.number, member.number[2:], str(int(member.number[2:]))):
        with pytest.raises(KioskError) as exc:
            demo.members.identify(code)
        assert exc.value.msgid == NOT_A_CARD
    # Staff screens still find a member by number.
    with demo.reading() as s:
        assert demo.members.resolve(s, member.number).number == member.number


# -- number + PIN: growing waits, lockout, card bypass ---------------------------------
def _pin_holder(demo):
    # The demo gives the first member a PIN (kiosk/demo.py).
    for m in demo.members.list():
        try:
            return demo.members.identify_by_pin(m.number, DEMO_PIN)
        except BadInput:
            continue
    raise AssertionError("no demo member has the demo PIN")


def test_wrong_pins_wait_longer_and_longer_then_lock(demo, cards):
    clock = demo.test_clock
    holder = _pin_holder(demo)
    number = holder.number
    for _ in range(MEMBER_PIN.free_tries - 1):
        with pytest.raises(BadInput):
            demo.members.identify_by_pin(number, "9999")
    waits, msgids = [], []
    for _ in range(MEMBER_PIN.lockout_after - MEMBER_PIN.free_tries + 1):
        if waits:
            clock.advance(seconds=waits[-1])
        with pytest.raises(TooManyTries) as exc:
            demo.members.identify_by_pin(number, "9999")
        waits.append(exc.value.seconds)
        msgids.append(exc.value.msgid)
        # During the wait even the right PIN is not checked.
        clock.advance(seconds=1)
        with pytest.raises(TooManyTries) as held:
            demo.members.identify_by_pin(number, DEMO_PIN)
        assert held.value.seconds == exc.value.seconds - 1
        clock.advance(seconds=-1)
    assert waits == sorted(waits) and waits[0] < waits[-2] < waits[-1]
    assert waits[-1] >= 3600  # the lockout
    from kiosk.services.members import PIN_LOCKED, PIN_WAIT

    assert set(msgids[:-1]) == {PIN_WAIT} and msgids[-1] == PIN_LOCKED  # the lockout says the card works
    # A card always works, even while the PIN is locked out.
    card = next(c for c in cards.values() if demo.members.identify(c).number == number)
    assert demo.members.identify(card).number == number
    assert demo.circulation.checkout(card, []).member.number == number
    # After the lockout the right PIN opens and clears the count.
    clock.advance(seconds=waits[-1])
    assert demo.members.identify_by_pin(number, DEMO_PIN).number == number
    with pytest.raises(BadInput):
        demo.members.identify_by_pin(number, "9999")


def test_unknown_numbers_wait_like_known_ones(demo):
    # Otherwise the wait itself would tell which numbers exist.
    outcomes = {}
    for number in (_pin_holder(demo).number, "M-999999"):
        seen = []
        for _ in range(MEMBER_PIN.free_tries + 1):
            try:
                demo.members.identify_by_pin(number, "9999")
                seen.append("ok")
            except TooManyTries as exc:
                seen.append(("wait", exc.seconds))
            except BadInput as exc:
                seen.append(exc.msgid)
        outcomes[number] = seen
    a, b = outcomes.values()
    assert a == b and a[-1] == ("wait", MEMBER_PIN.first_wait_s)


def test_the_pin_keypad_shows_the_wait_translated(window, ui, demo):
    holder = _pin_holder(demo)
    digits = holder.number.removeprefix("M-").lstrip("0")
    window.go("borrow")
    ui.tap("UsePin")
    for d in digits:
        ui.tap(f"key_{d}")
    ui.tap("key_ok")
    identify = window.screens["identify"]
    for _ in range(MEMBER_PIN.free_tries):
        for d in "9999":
            ui.tap(f"key_{d}")
        ui.tap("key_ok")
    assert window.session.member is None and identify.banner.kind == "refused"
    assert identify.banner.title.text() != translate("The number or PIN is not right.", window.session.lang)
    from kiosk.services.members import PIN_WAIT

    wait = MEMBER_PIN.first_wait_s
    assert identify.banner.title.text() == translate(PIN_WAIT, window.session.lang, seconds=wait, minutes=1)


# -- staff: atomic counting, per-account lock ---------------------------------------------
def test_concurrent_wrong_staff_pins_check_at_most_max_tries(make_kiosk, tmp_path):
    from kiosk.services import open_kiosk
    from kiosk.services.staff import MAX_TRIES, Staff, StaffLocked

    k, clock = make_kiosk(name="race")
    Staff(k).create_first_manager("김관리", "2580")
    kiosks = [open_kiosk(tmp_path / "race", clock=clock) for _ in range(21)]
    start = threading.Barrier(len(kiosks))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(kiosk) -> None:
        start.wait()
        try:
            Staff(kiosk).unlock("1357", name="김관리")
            result = "opened"
        except StaffLocked:
            result = "locked"
        except BadInput:
            result = "wrong"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(x,)) for x in kiosks]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        for x in kiosks:
            x.close()
    assert len(outcomes) == 21 and "opened" not in outcomes
    # Every checked PIN is a failure event; those refused unchecked are not.
    with k.reading() as s:
        from sqlalchemy import func, select

        from kiosk.store.models import Event

        checked = s.execute(select(func.count()).select_from(Event).where(
            Event.type == "staff.pin_failed")).scalar_one()
    assert checked <= MAX_TRIES
    assert outcomes.count("wrong") + outcomes.count("locked") == 21
    assert outcomes.count("wrong") <= MAX_TRIES - 1


def test_one_locked_staff_account_leaves_the_others_able_to_sign_in(make_kiosk):
    from kiosk.services.staff import MANAGER, MAX_TRIES, Staff, StaffLocked

    k, _clock = make_kiosk()
    staff = Staff(k)
    boss = staff.create_first_manager("김관리", "2580")
    staff.add("이봉사", MANAGER, "7391", by=boss)
    for _ in range(MAX_TRIES - 1):
        with pytest.raises(BadInput):
            staff.unlock("1111", name="김관리")
    with pytest.raises(StaffLocked):
        staff.unlock("1111", name="김관리")
    with pytest.raises(StaffLocked):
        staff.unlock("2580", name="김관리")
    assert staff.unlock("7391", name="이봉사").name == "이봉사"
    assert staff.lock_state(name="김관리").locked
    assert not staff.lock_state(name="이봉사").locked


def test_the_staff_door_locks_one_name_and_lets_another_sign_in(window, ui, demo):
    from PySide6.QtWidgets import QPushButton

    from kiosk.services.staff import MANAGER, MAX_TRIES, Staff
    from ui.staff import StaffPin

    boss = Staff(demo).create_first_manager("김관리", "2580")
    Staff(demo).add("이봉사", MANAGER, "7391", by=boss)
    window.end_session()
    ui.tap("StaffDoor")
    [door] = [w for w in window.findChildren(StaffPin) if w.is_open]

    def pick(name: str) -> None:
        [b] = [b for b in door.findChildren(QPushButton) if b.text() == name]
        ui.tap(b.objectName())
        ui.settle()

    def type_pin(pin: str) -> None:
        for d in pin:
            ui.tap(f"staffkey_{d}")
        ui.tap("staffkey_ok")

    pick("김관리")
    for _ in range(MAX_TRIES):
        type_pin("1111")
    assert door.lock_left > 0 and not door.keypad.isEnabled()
    ui.tap("StaffPinOther")
    pick("이봉사")
    assert door.lock_left == 0 and door.keypad.isEnabled()
    type_pin("7391")
    assert window.staff_member is not None and window.staff_member.name == "이봉사"


def test_the_set_up_pin_of_a_new_kiosk_is_counted_like_a_staff_pin(make_ui, demo):
    from kiosk.services.staff import MAX_TRIES, Staff
    from ui.staff import StaffPin

    code = Staff(demo).issue_setup_code()
    window, ui = make_ui()
    window.end_session()
    ui.tap("StaffDoor")
    [door] = [w for w in window.findChildren(StaffPin) if w.is_open]
    assert door.mode == "legacy"
    for _ in range(MAX_TRIES):
        for d in "11111111" if code != "11111111" else "22222222":
            ui.tap(f"staffkey_{d}")
        ui.tap("staffkey_ok")
    assert door.lock_left > 0 and not door.keypad.isEnabled()
    # Even the right set-up PIN waits until the lock is over.
    door.lock_left = 0
    door._update_message()
    for d in code:
        ui.tap(f"staffkey_{d}")
    ui.tap("staffkey_ok")
    assert door.mode == "legacy" and door.lock_left > 0
    demo.test_clock.advance(seconds=door.lock_left)
    door._lock(0)
    door._update_message()
    for d in code:
        ui.tap(f"staffkey_{d}")
    ui.tap("staffkey_ok")
    assert door.mode == "first"
