"""The eight resident tasks done without sight: key events only, in Korean and English, in the
real window with the virtual camera, asserting on what the voice says at each step.

A resident who cannot see the screen presses a key (voice guidance comes on and names the
keys), moves through the buttons with the arrow keys, listening, and presses OK on the one
they want; codes are shown to the camera as a sighted resident shows them; numbers are typed
on the numeric keypad. An event filter counts every mouse and touch event the application
receives: none may be sent.
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from task_helpers import borrowed, guest_card, member_number

from kiosk.demo import DEMO_PIN
from kiosk.i18n import translate
from ui.widgets.common import qapp
from ui.widgets.overlay import open_overlays

NO = Qt.KeyboardModifier.NoModifier
KP = Qt.KeyboardModifier.KeypadModifier
#: how a focused button is said, per language: role, name, [state,] place
PLACE = {"ko": re.compile(r"^버튼, .+, \d+ / \d+$"), "en": re.compile(r"^button, .+, \d+ of \d+$")}
_POINTER = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                      QEvent.Type.MouseButtonDblClick, QEvent.Type.TouchBegin, QEvent.Type.TouchEnd})


class PointerCount(QObject):
    """Counts the mouse and touch events any widget receives."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _watched, event) -> bool:
        if event.type() in _POINTER:
            self.count += 1
        return False


class Blind:
    """A resident working the kiosk with keys and ears alone."""

    def __init__(self, window, ui, lang: str = "ko") -> None:
        self.window, self.ui, self.lang = window, ui, lang
        self.keys = 0
        self._mark = 0

    def t(self, msgid: str, **kw) -> str:
        return translate(msgid, self.lang, **kw)

    @property
    def heard(self) -> str:
        last = self.window.voice.speech.last
        return last.text if last is not None else ""

    def press(self, key, mods=NO) -> None:
        self.ui.qtbot.keyClick(self.window, key, mods)
        self.keys += 1
        self.ui.qtbot.waitUntil(lambda: not self.window.keypad.waiting, timeout=2000)
        self.ui.settle()

    def start(self) -> None:
        """The first key: voice comes on, says where they are and what the keys do."""
        assert not self.window.session.voice
        self.press(Qt.Key.Key_Down)
        assert self.window.session.voice
        assert self.heard.startswith(translate("Voice guidance is on.", "ko"))
        assert "위아래 키로 버튼 사이를 움직이고" in self.heard
        if self.lang != "ko":
            self.choose("English" if self.lang == "en" else self.lang, lang="ko")
            assert self.heard.endswith(" ".join(self.window.guide_text().split()))
            assert self.t("Show your member card to the camera, or choose what you would like to do.") in self.heard

    def choose(self, name: str, lang: str | None = None) -> None:
        """Down, listening, until ``name`` is said; then OK."""
        lang = lang or self.lang
        role = translate("button", lang)
        for _ in range(80):
            self.press(Qt.Key.Key_Down)
            assert PLACE[lang].match(self.heard) or re.match(
                rf"^{role}, .+, .+, \d+ (/|of) \d+$", self.heard), self.heard
            if self.heard.startswith(f"{role}, {name}, "):
                break
        else:
            pytest.fail(f"no button {name!r} reached")
        self.press(Qt.Key.Key_Return)
        if lang != self.lang:
            self.lang = {"English": "en"}.get(name, name)

    def type_digits(self, digits: str, echo: str | None = None) -> None:
        for d in digits:
            self.press(getattr(Qt.Key, f"Key_{d}"), KP)
            assert self.heard == (echo or d)

    def said_since_scan(self, start: str) -> bool:
        """Whether something said since the last scan starts with ``start`` (the camera's advice
        on holding still may follow the result)."""
        return any(u.text.startswith(start) for u in self.window.voice.speech.utterances[self._mark:])

    def told_since_scan(self, text: str) -> bool:
        """Whether ``text`` was in something said since the last scan."""
        return any(text in u.text for u in self.window.voice.speech.utterances[self._mark:])

    def scan(self, payload: str) -> None:
        """The card or label held up to the camera (the virtual one)."""
        self._mark = len(self.window.voice.speech.utterances)
        played = len(self.window.sound.played)
        self.window.bridge.present(payload)
        self.ui.qtbot.waitUntil(lambda: len(self.window.sound.played) > played, timeout=10000)
        self.window.bridge.source.clear()  # read: the resident lowers it (it is not read twice)
        self.ui.settle()

    def item(self, code: str) -> str:
        return self.window.ctx.kiosk.catalogue.get(code).name(self.lang)

    def finish(self) -> None:
        """Done was pressed: no receipt, and thanks."""
        assert self.t("Would you like a receipt?") in self.heard
        self.choose(self.t("Finish without a receipt"))
        assert self.window.current.name == "thanks"
        assert self.heard.startswith(self.t("Thank you!"))


def task_borrow_two(r: Blind, cards, demo) -> None:
    r.scan(cards["윤지우"])
    assert r.told_since_scan(r.t("Hold each item's label inside the frame."))
    for code in ("T-00002", "T-00003"):
        r.scan(r.ui.label(code))
        assert r.said_since_scan(r.t("{name}: borrowed", name=r.item(code)))
    assert borrowed(r.window) == [("T-00002", True), ("T-00003", True)]
    r.choose(r.t("Done"))
    r.finish()


def task_borrow_one_refused(r: Blind, cards, demo) -> None:
    r.scan(cards["윤지우"])
    r.scan(r.ui.label("T-00002"))
    r.scan(r.ui.label("C-00003"))  # held for another member
    assert r.said_since_scan(r.t("{name}: not lent", name=r.item("C-00003")))
    assert borrowed(r.window) == [("T-00002", True), ("C-00003", False)]
    r.choose(r.t("Done"))
    r.finish()


def task_return_120_pieces(r: Blind, cards, demo) -> None:
    r.choose(r.t("Return"))
    assert r.t("Hold the label of the item you are bringing back inside the frame.") in r.heard
    r.scan(r.ui.label("K-00001"))
    assert r.told_since_scan(r.t("This item has {count} parts. Are they all here?", count=120))
    r.choose(r.t("Yes, all here"))
    assert r.t("Is it in good condition?") in r.heard
    r.choose(r.t("Yes, it is fine"))
    assert r.window.screens["return"].where.text() in r.heard  # where it goes
    r.choose(r.t("Done"))
    r.finish()
    assert demo.catalogue.get("K-00001").status == "available"


def task_pick_up_reservation(r: Blind, cards, demo) -> None:
    r.scan(cards["조현우"])
    alerts = r.window.chrome.strip.alerts.text()
    assert r.item("C-00003") in alerts and r.told_since_scan(alerts)  # the waiting item, said after the card
    r.scan(r.ui.label("C-00003"))
    assert r.said_since_scan(r.t("{name}: borrowed", name=r.item("C-00003")))
    r.choose(r.t("Done"))
    r.finish()
    assert demo.catalogue.get("C-00003").status == "on_loan"


def task_sign_in_without_camera(r: Blind, cards, demo) -> None:
    w = r.window
    w.bridge.switch("/dev/video-not-there")  # unplugged: the number and PIN are the way in
    r.ui.qtbot.waitUntil(lambda: w.devices.camera == "missing", timeout=10000)
    r.ui.settle()
    r.choose(r.t("Borrow"))
    assert r.t("The camera is not working now, so a card cannot be read. Type your membership "
               "number, then touch OK.") in r.heard
    number = member_number(demo, "김민준")
    r.type_digits(number.split("-")[1], echo=r.t("digit"))  # the loudspeaker does not say the number
    r.press(Qt.Key.Key_Enter, KP)
    assert r.t("Now type your PIN, then touch OK.") in r.heard
    r.type_digits(DEMO_PIN, echo=r.t("star"))
    r.press(Qt.Key.Key_Enter, KP)
    assert w.session.member is not None and w.session.member.number == number
    assert w.current.name == "borrow"
    assert r.t("The camera is not working now. Type the code printed under the label with the keys on "
               "the screen, then touch OK.") in r.heard


def task_card_not_valid_here(r: Blind, cards, demo) -> None:
    r.scan(guest_card(demo))
    assert r.window.session.member is None
    assert r.told_since_scan(r.t("This card is from another centre ({site}), which this centre does not "
                                 "lend to yet. Please ask staff.", site="MP01"))
    assert r.window.sound.played[-1] == "refused"


def task_renew(r: Blind, cards, demo) -> None:
    r.choose(r.t("My loans"))
    assert r.t("Show your member card to the camera.") in r.heard
    r.scan(cards["김민준"])
    assert r.window.current.name == "loans"
    r.press(Qt.Key.Key_F2)  # repeat: the loans as they are shown now
    assert r.t("To renew an item, touch Renew under it.") in r.heard
    before = {loan.item_code: loan.due_on for loan in demo.circulation.loans(open_only=True)}
    r.choose(r.t("{action}: {item}", action=r.t("Renew"), item=r.item("T-00008")))
    after = {loan.item_code: loan.due_on for loan in demo.circulation.loans(open_only=True)}
    assert after["T-00008"] > before["T-00008"]
    assert r.heard.startswith(r.t("{name}: {status}", name=r.item("T-00008"), status=""))
    r.choose(r.t("Done"))
    r.finish()


def task_ask_for_help(r: Blind, cards, demo) -> None:
    r.press(Qt.Key.Key_F1)
    assert r.t("Show your member card to the camera, or choose what you would like to do.") in r.heard
    assert r.heard.endswith(r.t("To call staff, press Help again now."))
    r.press(Qt.Key.Key_F1)
    r.ui.qtbot.waitUntil(lambda: "help" in r.window.sound.played, timeout=10000)
    r.ui.settle()
    assert r.t("We have called staff. Please wait a moment.") in r.heard
    r.press(Qt.Key.Key_Escape)  # back to the screen; the call stays
    assert not open_overlays(r.window)


#: keys pressed for each task and language (printed with -s, like the touch tasks' table)
PRESSES: dict[tuple[str, str], int] = {}


@pytest.fixture(scope="module", autouse=True)
def presses_table():
    yield
    if PRESSES:
        lines = [f"{'task':<24}{'lang':<6}{'keys':>5}"]
        lines += [f"{task:<24}{lang:<6}{n:>5}" for (task, lang), n in PRESSES.items()]
        print("\nkeys pressed per task (the first turns voice on)\n" + "\n".join(lines))


TASKS = {
    "borrow_two": task_borrow_two,
    "borrow_one_refused": task_borrow_one_refused,
    "return_120_pieces": task_return_120_pieces,
    "pick_up_reservation": task_pick_up_reservation,
    "sign_in_without_camera": task_sign_in_without_camera,
    "card_not_valid_here": task_card_not_valid_here,
    "renew": task_renew,
    "ask_for_help": task_ask_for_help,
}


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("task", list(TASKS))
def test_resident_task_by_keys_and_voice(task, lang, camera_window, demo, cards):
    window, ui = camera_window
    ui.qtbot.waitUntil(lambda: window.devices.camera == "ok", timeout=10000)
    pointer = PointerCount()
    qapp().installEventFilter(pointer)
    try:
        resident = Blind(window, ui, lang)
        resident.start()
        TASKS[task](resident, cards, demo)
    finally:
        qapp().removeEventFilter(pointer)
    assert pointer.count == 0, "a pointer event was sent"
    PRESSES[(task, lang)] = resident.keys
