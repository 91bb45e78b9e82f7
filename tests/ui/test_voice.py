"""Voice guidance: what a resident hears on each screen, in their language, and its controls.

The window speaks through a recording engine here, so each test asserts the
sentences themselves: the prompt, the scan result, the refusal and what to
do, the due date, the receipt.
"""

from __future__ import annotations

from kiosk.i18n import translate
from ui.earphones import EarphoneWatcher
from ui.voice import NORMAL_STEP, RATE_STEPS, VOLUME_STEPS


def _heard(window) -> list[str]:
    return window.voice.speech.spoken


def _last(window) -> str:
    return window.voice.speech.last.text


def _voice_on(ui, window):
    ui.tap("VoiceGuide")
    assert window.session.voice and window.voice_bar.isVisible()


def test_voice_is_off_until_one_touch_on_home(window, ui, cards):
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00002"))
    assert _heard(window) == []  # nothing is said while voice is off
    window.end_session()
    assert not window.voice_bar.isVisible()
    _voice_on(ui, window)
    said = _last(window)
    assert said.startswith(translate("Voice guidance is on.", "ko"))
    # Home's prompt and the buttons there are, by the names on them
    assert "회원카드를 카메라에 비추거나, 원하는 일을 선택해 주세요." in said
    for name in ("빌리기", "반납하기", "내 대여 목록", "English", "中文", "Tiếng Việt"):
        assert name in said
    assert window.voice.speech.last.lang == "ko"


def test_borrowing_speaks_each_result_with_its_due_date_and_each_refusal_with_what_to_do(window, ui, cards):
    _voice_on(ui, window)
    window.go("borrow")
    ui.settle()
    assert "회원카드를 카메라에 비춰 주세요." in _last(window)  # asked for the card first
    ui.scan(cards["윤지우"])
    assert "물품의 라벨을 하나씩 네모 칸 안에 비춰 주세요." in _last(window)
    ui.scan(ui.label("T-00002"))
    said = _last(window)
    assert said.startswith("충전드릴: 대여 완료")
    assert "대여했어요. 3월 17일 (화)까지 반납해 주세요." in said
    ui.scan(ui.label("K-00001"))  # on loan to someone else
    said = _last(window)
    assert "블록 장난감: 대여 불가" in said
    assert "대기 명단에 이름을 올릴 수 있어요" in said  # what they can do
    assert translate("Join the waiting list", "ko") in said  # and the button to do it
    ui.scan("https://example.com/coupon/1234")
    assert _last(window).startswith("나눔센터의 코드가 아니에요.")


def test_the_return_flow_is_spoken_step_by_step(window, ui):
    _voice_on(ui, window)
    window.go("return")
    ui.scan(ui.label("K-00001"))
    said = _last(window)
    assert "이 물품의 구성품은 120개예요. 모두 있나요?" in said
    ui.tap("SomeMissing")
    ui.tap("part_0_minus")
    part = window.screens["return"].counters[0]
    assert _last(window) == translate("{part}: {count} of {expected}", "ko", part=part.name.text(),
                                      count=part.count, expected=part.expected)
    ui.tap("CountConfirm")
    assert "상태가 괜찮은가요?" in _last(window)
    ui.tap("ConditionFine")
    said = _last(window)
    assert "직원에게 전달해 주세요." in said  # where the item goes
    assert "구성품 1개가 빠졌어요" in said


def test_my_loans_and_the_receipt_are_read_out(window, ui, cards):
    _voice_on(ui, window)
    ui.sign_in(cards["김민준"], "loans")
    said = _last(window)
    assert "대여 중인 물품이" in said and "반납일" in said
    ui.tap("renew_T-00008")
    assert "연장했어요. 새 반납일은" in _last(window)
    ui.tap("LoansDone")
    assert window.current.name == "receipt"
    said = _last(window)
    assert "영수증이 필요하신가요?" in said
    receipt = window.screens["receipt"].receipt
    title, lines = receipt.sections[0]
    assert translate("{section}: {item}, {detail}", "ko", section=title, item=lines[0].title,
                     detail=lines[0].detail) in said


def test_repeat_stop_volume_and_speed_and_all_back_to_normal_after_the_session(window, ui):
    _voice_on(ui, window)
    guide = window.guide_text()
    ui.tap("VoiceRepeat")
    assert _last(window) == " ".join(guide.split())
    stops = window.voice.speech.stops
    ui.tap("VoiceStop")
    assert window.voice.speech.stops == stops + 1
    ui.tap("VoiceLouder")
    ui.tap("VoiceLouder")
    ui.tap("VoiceSlower")
    ui.tap("VoiceRepeat")
    u = window.voice.speech.last
    assert u.volume == VOLUME_STEPS[NORMAL_STEP + 2] and u.rate == RATE_STEPS[NORMAL_STEP - 1]
    assert translate("Volume {level} of {top}", "ko", level=NORMAL_STEP + 3, top=len(VOLUME_STEPS)) == \
        window.voice_bar.volume_label.accessibleName()
    assert window.voice_bar.volume_label.text() == f"{NORMAL_STEP + 3}/{len(VOLUME_STEPS)}"
    window.end_session()
    assert not window.session.voice and not window.voice_bar.isVisible()
    assert window.voice.volume == VOLUME_STEPS[NORMAL_STEP] and window.voice.rate == RATE_STEPS[NORMAL_STEP]


def test_switching_to_chinese_and_vietnamese_mid_session_speaks_them_and_idle_reset_returns_to_korean(
        qtbot, make_ui, cards):
    # The quiet time is long while the resident acts (a loaded machine may take seconds between
    # steps) and made short once they stop, so the idle reset comes only then.
    window, ui = make_ui(idle_quiet_ms=60_000, idle_warning_ms=700)
    _voice_on(ui, window)
    ui.tap("lang_zh")
    u = window.voice.speech.last
    assert u.lang == "zh" and "请把会员卡对准摄像头，或选择您要办理的事项。" in u.text
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00002"))
    u = window.voice.speech.last
    assert u.lang == "zh" and "充电钻：借用成功" in u.text and "3月17日（周二）" in u.text
    window.session.set_language("vi")
    ui.settle()
    u = window.voice.speech.last
    assert u.lang == "vi" and "Xin đưa nhãn của từng đồ dùng vào trong khung." in u.text
    assert "ngày 17 tháng 3" in u.text  # the due date, in words
    window.idle.quiet_ms = 300
    window.idle.poke()
    qtbot.waitUntil(lambda: window.session.member is None, timeout=4000)
    assert window.session.lang == "ko" and not window.session.voice
    assert window.screens["home"].borrow.text() == "빌리기"


def test_the_idle_warning_is_spoken_even_with_voice_off(qtbot, make_ui, cards):
    window, ui = make_ui(idle_quiet_ms=300, idle_warning_ms=20_000)
    ui.sign_in(cards["윤지우"])
    assert _heard(window) == []
    qtbot.waitUntil(lambda: window.idle.warning is not None, timeout=3000)
    said = _last(window)
    assert said.startswith("계속 이용하시나요?") and "20초 후에" in said
    assert "시간 연장" in said  # the button that keeps the session
    window.idle.warning.finish("more")


def test_earphones_plugged_in_turn_voice_on_and_keep_it_between_sessions(qtbot, make_ui, cards):
    jack = {"plugged": False}
    watcher = EarphoneWatcher(lambda: jack["plugged"], interval_ms=50)
    window, ui = make_ui(earphones=watcher)
    assert not window.session.voice
    jack["plugged"] = True
    qtbot.waitUntil(lambda: window.session.voice, timeout=2000)
    # Spoken once the screen has settled, a moment after the switch.
    qtbot.waitUntil(lambda: window.voice.speech.last is not None, timeout=2000)
    assert _last(window).startswith(translate("Voice guidance is on.", "ko"))
    ui.sign_in(cards["윤지우"])
    window.end_session()
    assert window.session.voice and window.session.pristine  # still plugged in: still on, nothing to reset
    jack["plugged"] = False
    qtbot.waitUntil(lambda: not window.session.voice_default, timeout=2000)
    window.end_session()
    assert not window.session.voice
    ui.settle()


def test_a_jack_that_cannot_be_read_changes_nothing(qtbot):
    watcher = EarphoneWatcher(lambda: None, interval_ms=20)
    seen = []
    watcher.changed.connect(seen.append)
    watcher.start()
    qtbot.wait(100)
    watcher.stop()
    assert seen == [] and watcher.plugged is None
