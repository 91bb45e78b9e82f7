"""Scans reach the screens classified once, as typed references, whatever input they came from."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import event

from kiosk.codes import FOREIGN, CardRef, ItemRef, Unreadable, item_label_payload
from kiosk.i18n import translate
from ui.scanbridge import install_wedge


def _spy_on_scans(screen) -> list:
    """What ``screen.handle_scan`` is given, handed on to the screen's own handler unchanged."""
    seen: list = []
    handle = screen.handle_scan

    def record(ref):
        seen.append(ref)
        return handle(ref)
    screen.handle_scan = record
    return seen


class Statements:
    """Counts the SQL statements the kiosk's database runs."""

    def __init__(self, engine) -> None:
        self.engine, self.sql = engine, []

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        self.sql.append(statement)


def test_camera_wedge_and_typed_codes_reach_the_screen_as_the_same_item_ref(qtbot, camera_window, cards):
    pytest.importorskip("hardware.wedge")
    window, ui = camera_window
    ui.sign_in(cards["윤지우"])
    borrow = window.screens["borrow"]
    seen = _spy_on_scans(borrow)
    # A label printed before sites were in its URL: the camera and a wedge read the same text,
    # a resident types the code under it.
    label = item_label_payload("T-00002", window.ctx.kiosk.base_url)

    window.bridge.present(label)  # the camera
    qtbot.waitUntil(lambda: len(seen) >= 1, timeout=8000)
    ui.settle()
    assert install_wedge(window, window.bridge) is not None
    window.setFocus()
    qtbot.keyClicks(window, label)  # a keyboard-wedge scanner types the label's text
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=3000)
    ui.settle()
    kb = window.open_keyboard()  # typed on the on-screen keyboard
    kb.type_text("T2")
    kb.ok.click()
    ui.settle()

    assert len(seen) >= 3
    camera, wedge, typed = seen[0], seen[1], seen[-1]
    assert camera == wedge == typed == ItemRef("T-00002")
    assert [o.item for o, _v, _r in borrow.entries] == ["T-00002"]  # lent once, the rest seen again


@pytest.mark.parametrize("lang", ["ko", "en", "zh", "vi"])
def test_a_foreign_code_is_refused_as_read_without_a_database_query(window, ui, cards, demo, lang):
    ui.sign_in(cards["윤지우"])
    window.session.set_language(lang)
    borrow = window.screens["borrow"]
    seen = _spy_on_scans(borrow)
    with Statements(demo.engine) as db:
        window.handle_scan("WIFI:S:cafe;T:WPA;P:secret;;")
        # Shown at once: nothing went to the background.
        assert translate(FOREIGN, lang) in ui.visible_texts()
        window.bridge.inject("https://www.youtube.com/watch?v=nanum")  # a wedge, the queued path
        ui.settle()
    assert db.sql == []
    assert all(isinstance(r, Unreadable) and r.foreign for r in seen) and len(seen) == 2
    assert borrow.entries == []
    assert window.sound.played[-2:] == ["refused", "refused"]
    if lang != "en":
        assert translate(FOREIGN, lang) != FOREIGN


def test_a_card_on_the_return_screen_is_refused_without_a_query(window, ui, cards, demo):
    window.go("return")
    with Statements(demo.engine) as db:
        window.handle_scan(cards["윤지우"])
        # Refused at once, as read: nothing went to the background.
        assert translate("That is a member card. Please scan an item's label.", "ko") in ui.visible_texts()
        ui.settle()
    assert db.sql == []


def test_a_refused_item_is_shown_from_the_checkout_alone(window, ui, cards, demo):
    # T-00002 goes to one member; another member scanning it is refused and sees its name and
    # photo from that same checkout: the catalogue is not asked a second time.
    demo.circulation.checkout(cards["김민준"], [ui.label("T-00002")])
    ui.sign_in(cards["윤지우"])
    with Statements(demo.engine) as db:
        ui.scan(ui.label("T-00002"))
    [(outcome, view, _row)] = window.screens["borrow"].entries
    assert not outcome.ok and outcome.reason == "on_loan"
    assert view is not None and view.code == "T-00002"
    # One read for the checkout; the other is the demand count, written in its own transaction
    # because the refused checkout rolled back. The screen itself asks for nothing.
    reads = [q for q in db.sql if "FROM items" in q]
    assert len(reads) == 2 and any(q.startswith("INSERT INTO demand") for q in db.sql)


def test_a_card_shown_at_home_signs_in_with_its_card_ref(window, ui, cards):
    seen = _spy_on_scans(window.screens["identify"])
    ui.scan(cards["윤지우"])
    assert window.current.name == "borrow"
    assert isinstance(seen[0], CardRef) and window.session.member_ref == seen[0]
