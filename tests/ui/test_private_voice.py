"""Private voice: the member's name and number are said into earphones, never on the loudspeaker
unless the resident asks.

A resident signs in with their card, borrows an item, finishes and gets the receipt, with voice
guidance on; every utterance the speech engine was given is checked for the member's name, their
membership number and the masked number the screen shows.
"""

from __future__ import annotations

from ui.chrome import masked_number
from ui.earphones import EarphoneWatcher
from ui.private_voice import is_marked, personal, resolve

NAME = "윤지우"


def _number(demo) -> str:
    return next(c["number"] for c in demo.setting("demo_cards") if c["name"] == NAME)


def _visit(window, ui, cards) -> None:
    """Sign in, borrow one item, finish with the receipt (voice on)."""
    ui.scan(cards[NAME])
    ui.settle()
    assert window.session.member is not None and window.current.name == "borrow"
    assert ui.scan(ui.label("T-00002"))
    ui.tap("BorrowDone")
    assert window.current.name == "receipt"
    window.repeat()  # the resident asks the screen to be said again
    ui.settle()


def _personal(demo) -> tuple[str, ...]:
    number = _number(demo)
    return NAME, number, number.split("-")[-1], masked_number(number)


def test_nothing_personal_is_said_on_the_loudspeaker(window, ui, cards, demo):
    ui.tap("VoiceGuide")
    assert window.session.voice and not window.voice.private
    _visit(window, ui, cards)
    heard = window.voice.speech.utterances
    assert heard and not any(u.private for u in heard)
    said = " ".join(u.text for u in heard)
    for secret in _personal(demo):
        assert secret not in said, f"{secret!r} was said on the loudspeaker"
    # Told that they are signed in, without the name; and the screen still shows who it is.
    assert "회원 확인이 됐어요." in said  # "You are signed in." in its place
    assert NAME in window.chrome.strip.who.text()


def test_earphones_in_the_name_is_said_into_them(qtbot, make_ui, cards, demo):
    watcher = EarphoneWatcher(lambda: True, interval_ms=50)
    window, ui = make_ui(earphones=watcher)
    qtbot.waitUntil(lambda: window.session.voice, timeout=2000)
    assert window.voice.private
    _visit(window, ui, cards)
    heard = window.voice.speech.utterances
    assert heard and all(u.private for u in heard)
    said = " ".join(u.text for u in heard)
    assert NAME in said
    assert masked_number(_number(demo)) in said
    assert not window.voice_bar.details.isVisible()  # nothing to ask for: it is said already


def test_on_the_loudspeaker_the_name_is_said_when_the_resident_asks(window, ui, cards):
    ui.tap("VoiceGuide")
    ui.scan(cards[NAME])
    ui.settle()
    assert window.voice_bar.details.isVisible()
    assert window.voice_bar.details.text() == "내 이름 듣기"
    assert "내 이름 듣기" in window.guide_text()  # offered among the buttons
    assert NAME not in " ".join(window.voice.speech.spoken)
    ui.tap("VoiceDetails")
    assert NAME in window.voice.speech.spoken[-1]
    assert not window.voice.speech.last.private
    window.repeat()  # asked once: the next time it is private again
    ui.settle()
    assert NAME not in window.voice.speech.spoken[-1]
    ui.tap("SignOut")
    assert not window.voice_bar.details.isVisible()  # nobody signed in


def test_a_personal_part_resolves_to_its_public_text():
    text = f"Hello {personal('Kim', 'there')}. {personal('M-***123')} Next."
    assert is_marked(text)
    assert resolve(text, private=True) == "Hello Kim. M-***123 Next."
    assert resolve(text, private=False) == "Hello there.  Next."
    assert not is_marked(resolve(text, private=False))
