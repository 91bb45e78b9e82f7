"""The low-vision zoom's page: with everything at 200 %, the whole window scrolls up and down.

With the zoom on (:data:`ui.theme.ZOOM_SCALE`), a 1280x800 panel holds what a 640x400 one
would at the default size. The bars that normally stay in place (the top bar with the signed-in
strip, the bar's buttons, the voice bar) would leave the screen itself no room, so
:class:`ZoomPage` moves them into the screen area's scrolling page, above and below the screen
shown: one column the resident scrolls up and down, never sideways. The bar's buttons go into
their wrapping row at the bottom (as in the low-reach layout), and the screens take their
narrow (portrait) arrangement.

Two things stay in place above the scrolling page (its *head*): who is signed in (the name and
the masked number, one or two lines), so it is on screen however far the page scrolls, and, in
the low-reach layout, the band out of reach, so that all of the scrolling page is below the
reach line and no control can scroll above it. Turned off, everything goes back where it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from ui.widgets.common import layout_of, reveal

if TYPE_CHECKING:
    from ui.app import KioskWindow


#: a button's text broken into lines by :meth:`ZoomPage.wrap_buttons`: the whole text, and the lines set
WHOLE, WRAPPED = "zoomWholeText", "zoomWrappedText"


def broken(text: str, fm: QFontMetrics, room: int) -> str:
    """``text`` broken between words into lines no wider than ``room`` where the words allow,
    as few as can be, and as even as can be (the last line no longer than it must be)."""
    words = text.split(" ")

    def greedy(width: int) -> list[str]:
        lines: list[str] = []
        for word in words:
            if lines and fm.horizontalAdvance(f"{lines[-1]} {word}") <= width:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        return lines
    lines = greedy(room)
    # As even as can be: the narrowest width that still gives as many lines.
    low, high = 1, room
    while low < high:
        mid = (low + high) // 2
        if len(greedy(mid)) <= len(lines):
            high = mid
        else:
            low = mid + 1
    return "\n".join(greedy(high))


class ZoomPage:
    """Moves the window's bars into its scrolling screen area while the zoom is on."""

    def __init__(self, window: KioskWindow) -> None:
        self.window = window
        self.on = False
        self.page: QWidget | None = None
        #: above the page: who is signed in, and in low reach the band out of reach
        self.head: QWidget | None = None
        self.band_px = 0

    def _bars(self) -> tuple[QWidget, QWidget, QWidget]:
        w = self.window
        return w.top, w.chrome.bottom, w.voice_bar

    def set(self, on: bool) -> None:
        if on == self.on:
            return
        self.on = on
        w = self.window
        col = cast(QVBoxLayout, layout_of(w))
        top, bottom, voice_bar = self._bars()
        body = w.body
        strip = w.chrome.strip
        who = strip.who
        # Who is signed in may take two lines at 200 % (a narrow panel, a long name): never cut.
        who.setWordWrap(on)
        if not on:
            self.wrap_buttons()  # every button's text on one line again
        if on:
            stack = body.takeWidget()  # the screens: kept, and put on the page
            page = QWidget()
            page.setObjectName("ZoomPage")
            rows = QVBoxLayout(page)
            rows.setContentsMargins(0, 0, 0, 0)
            rows.setSpacing(col.spacing())
            for bar in self._bars():
                col.removeWidget(bar)
            rows.addWidget(top)
            rows.addWidget(stack, 1)
            rows.addWidget(bottom)
            rows.addWidget(voice_bar)
            self.page = page
            body.setWidget(page)
            # Who is signed in stays above the page, in view while the page scrolls to the newest result.
            head = QWidget()
            head.setObjectName("ZoomHead")
            head_col = QVBoxLayout(head)
            head_col.setContentsMargins(0, 0, 0, 0)
            head_col.setAlignment(Qt.AlignmentFlag.AlignBottom)
            strip.row.removeWidget(who)
            head_col.addWidget(who)
            col.insertWidget(col.indexOf(body), head)
            self.head = head
        else:
            page = body.takeWidget()
            assert page is not None
            rows = cast(QVBoxLayout, layout_of(page))
            for x in (top, w.stack, bottom, voice_bar):
                rows.removeWidget(x)
            body.setWidget(w.stack)
            at = col.indexOf(body)
            col.insertWidget(at, top)
            col.insertWidget(at + 2, bottom)
            col.insertWidget(at + 3, voice_bar)
            self.page = None
            page.deleteLater()
            assert self.head is not None
            gone = self.head
            layout_of(gone).removeWidget(who)
            strip.row.insertWidget(0, who, 1)
            who.setVisible(True)  # shown and hidden with the strip again
            col.removeWidget(gone)
            gone.deleteLater()
            self.head = None
        self.place()

    def set_band(self, band_px: int) -> None:
        """``band_px``: how far down from the window's top is out of reach (0: none, or the
        standard layout); the scrolling page starts below it."""
        self.band_px = band_px
        self.place()

    def place(self) -> None:
        """Who is signed in shown with the strip; the head as tall as the band out of reach."""
        if self.head is None:
            return
        w = self.window
        who = w.chrome.strip.who
        who.setVisible(not w.chrome.strip.isHidden())
        col = layout_of(w)
        band = max(0, self.band_px - col.contentsMargins().top() - col.spacing()) if self.band_px else 0
        self.head.setMinimumHeight(band)
        self.head.setVisible(bool(band) or not who.isHidden())

    def wrap_buttons(self) -> None:
        """Zoomed, a button whose text is wider than the button (a long answer in English or
        Vietnamese on a portrait panel) takes it on two or more lines, broken between words; back
        on one line when it fits again or the zoom is off. The voice and the keypad name it by its
        words (:func:`ui.voice.accessible_name` joins the lines)."""
        for b in self.window.findChildren(QPushButton):
            text = b.text()
            whole = b.property(WHOLE)
            if whole is None or text != b.property(WRAPPED):
                whole = text  # a new text (another language): this is the whole of it
            want = whole
            if self.on and b.isVisible() and " " in whole:
                fm = QFontMetrics(b.font())
                room = b.contentsRect().width()
                if fm.horizontalAdvance(whole) > room:
                    want = broken(whole, fm, room)
            if want != text:
                b.setText(want)
            b.setProperty(WHOLE, whole if want != whole else None)
            b.setProperty(WRAPPED, want if want != whole else None)

    def fit(self) -> bool:
        """Give the page the height its rows need at this width (the screen area then scrolls);
        False when the zoom is off (the screen area fits the screens itself)."""
        if self.page is None:
            return False
        self.place()
        self.wrap_buttons()
        rows = layout_of(self.page)
        rows.invalidate()
        need = rows.totalMinimumSize().height()
        if self.page.minimumHeight() != need:
            self.page.setMinimumHeight(need)
            # The newest result was brought into view on a page of another height: again, on this one.
            row = self.window.current.newest()
            if row is not None:
                QTimer.singleShot(0, row, lambda: reveal(row))
        return True
