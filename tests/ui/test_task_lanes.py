"""Background work in two lanes: a printer that does not answer never delays a scan,
and a result whose screen or dialog has gone is dropped without an error."""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QEvent, Qt

from hardware.printing import Receipt
from ui.tasks import run_task, runner


class HeldPrinter:
    """A printer that takes the receipt and holds on to it until the test lets go."""

    name = "held"

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.printed: list[Receipt] = []

    def print_receipt(self, receipt: Receipt) -> None:
        self.started.set()
        self.release.wait(60)
        self.printed.append(receipt)

    def check(self) -> str:
        return "ok"


def _click(qtbot, window, name: str) -> None:
    """Touch a button without waiting for the background work it starts."""
    from PySide6.QtWidgets import QPushButton

    b = window.findChild(QPushButton, name)
    assert b is not None and b.isVisible(), name
    qtbot.mouseClick(b, Qt.MouseButton.LeftButton)


def test_a_scan_reaches_the_screen_while_the_printer_is_stuck(window, ui, cards, qtbot):
    printer = HeldPrinter()
    window.ctx.printer = printer
    ui.scan(cards["윤지우"])
    assert ui.scan(ui.label("T-00002"))
    ui.tap("BorrowDone")
    assert window.current.name == "receipt"
    _click(qtbot, window, "ReceiptPrint")
    assert printer.started.wait(10), "the receipt never reached the printer"
    try:
        # The resident walks away from the stuck printer; the next one shows their card.
        window.end_session()
        window.handle_scan(cards["김민준"])
        qtbot.waitUntil(lambda: window.session.member is not None and window.current.name == "borrow",
                        timeout=100)
        borrow = window.screens["borrow"]
        window.handle_scan(ui.label("T-00003"))
        qtbot.waitUntil(lambda: len(borrow.entries) == 1, timeout=100)
        (outcome, _view, _row), = borrow.entries
        assert outcome.item == "T-00003" and outcome.ok
        assert not printer.printed  # all of that while the first receipt was still held
    finally:
        printer.release.set()
    dropped = runner().dropped
    ui.settle()
    # The first resident's print finished after their visit ended: its "go to thanks" is dropped.
    assert len(printer.printed) == 1 and runner().dropped == dropped + 1
    assert window.current.name == "borrow" and window.session.member.display_name == "김민준"


def test_an_answer_for_a_closed_dialog_is_dropped_without_error(window, ui, demo, qtbot):
    from kiosk.services.staff import Staff
    from ui.staff import StaffPin

    Staff(demo).create_first_manager("김관리", "2580")
    window.staff_mode_hook = None
    ui.tap("StaffDoor")
    [door] = [w for w in window.findChildren(StaffPin) if w.is_open]
    [name] = [b for b in door.findChildren(type(ui.button("StaffDoor"))) if b.text() == "김관리"]
    ui.tap(name.objectName())
    for d in "1111":
        ui.tap(f"staffkey_{d}")
    # The database lane is busy with something else: the PIN check waits its turn.
    gate = threading.Event()
    run_task(lambda: gate.wait(30))
    try:
        _click(qtbot, window, "staffkey_ok")
        window.end_session()  # the idle reset closes the door meanwhile
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        import shiboken6

        assert not shiboken6.isValid(door)
    finally:
        gate.set()
    ui.settle()  # the wrong-PIN answer arrives for a dialog that no longer exists
    assert window.current.name == "home" and not window.findChildren(StaffPin)
    assert window.staff_member is None
