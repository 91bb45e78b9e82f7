"""The low-vision zoom's page: with everything at 200 %, the whole window scrolls up and down.

With the zoom on (:data:`ui.theme.ZOOM_SCALE`), a 1280x800 panel holds what a 640x400 one
would at the default size. The bars that normally stay in place (the top bar with the signed-in
strip, the bar's buttons, the voice bar) would leave the screen itself no room, so
:class:`ZoomPage` moves them into the screen area's scrolling page, above and below the screen
shown: one column the resident scrolls up and down, never sideways. The bar's buttons go into
their wrapping row at the bottom (as in the low-reach layout), and the screens take their
narrow (portrait) arrangement. Turned off, everything goes back where it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.widgets.common import layout_of

if TYPE_CHECKING:
    from ui.app import KioskWindow


class ZoomPage:
    """Moves the window's bars into its scrolling screen area while the zoom is on."""

    def __init__(self, window: KioskWindow) -> None:
        self.window = window
        self.on = False
        self.page: QWidget | None = None

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
        # Who is signed in may take two lines at 200 % (a narrow panel, a long name): never cut.
        w.chrome.strip.who.setWordWrap(on)
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

    def fit(self) -> bool:
        """Give the page the height its rows need at this width (the screen area then scrolls);
        False when the zoom is off (the screen area fits the screens itself)."""
        if self.page is None:
            return False
        rows = layout_of(self.page)
        rows.invalidate()
        need = rows.totalMinimumSize().height()
        if self.page.minimumHeight() != need:
            self.page.setMinimumHeight(need)
        return True
