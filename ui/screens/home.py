"""Home: borrow, return, my loans, language and display, each one touch away."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.codes import CardRef, parse_payload
from kiosk.errors import KioskError
from kiosk.i18n import LANGUAGES
from ui.screens.base import Screen
from ui.text import N_, tr
from ui.widgets.common import Banner, button, label


class HomeScreen(Screen):
    name = "home"
    wants_camera = True  # a member card shown here starts borrowing

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.welcome = label("", "title", align=Qt.AlignmentFlag.AlignCenter)
        self.hint = label("", align=Qt.AlignmentFlag.AlignCenter)
        self.banner = Banner()
        self.member_line = label("", align=Qt.AlignmentFlag.AlignCenter)
        self.member_line.setObjectName("MemberLine")
        self.finish = button("", None, "FinishSession")
        self.finish.clicked.connect(self._finish)

        self.borrow = button("", "primary", "Borrow")
        self.give_back = button("", "primary", "Return")
        self.loans = button("", None, "MyLoans")
        for b in (self.borrow, self.give_back, self.loans):
            b.setProperty("role", "tile")
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        for b in (self.borrow, self.give_back):
            b.setProperty("accent", True)
        self.borrow.clicked.connect(lambda: self.ctx.go("borrow"))
        self.give_back.clicked.connect(lambda: self.ctx.go("return"))
        self.loans.clicked.connect(lambda: self.ctx.go("loans"))
        self.tiles = QGridLayout()
        self.tiles.setSpacing(16)

        self.lang_buttons = {}
        lang_row = QHBoxLayout()
        for code, native in LANGUAGES.items():
            b = button(native, None, f"lang_{code}")
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, c=code: self.session.set_language(c))
            self.lang_buttons[code] = b
            lang_row.addWidget(b)
        self.large = button("", None, "LargeText")
        self.large.setCheckable(True)
        self.large.clicked.connect(lambda on: self.session.set_display(large_text=on))
        self.contrast = button("", None, "HighContrast")
        self.contrast.setCheckable(True)
        self.contrast.clicked.connect(lambda on: self.session.set_display(high_contrast=on))
        self.options = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.options.addLayout(lang_row, 1)
        access_row = QHBoxLayout()
        access_row.addWidget(self.large)
        access_row.addWidget(self.contrast)
        self.options.addLayout(access_row, 1)

        col = QVBoxLayout(self)
        col.addWidget(self.welcome)
        col.addWidget(self.hint)
        col.addWidget(self.banner)
        member_row = QHBoxLayout()
        member_row.addWidget(self.member_line, 1)
        member_row.addWidget(self.finish)
        self.member_box = QWidget()
        self.member_box.setLayout(member_row)
        col.addWidget(self.member_box)
        col.addStretch(1)
        col.addLayout(self.tiles, 4)
        col.addStretch(1)
        col.addLayout(self.options)
        self.set_portrait(False)
        self.session.member_changed.connect(self._show_member)
        self.session.display_changed.connect(self._sync_toggles)
        self.session.language_changed.connect(lambda _l: self._sync_toggles())

    def set_portrait(self, portrait: bool) -> None:
        for b in (self.borrow, self.give_back, self.loans):
            self.tiles.removeWidget(b)
        if portrait:
            self.tiles.addWidget(self.borrow, 0, 0)
            self.tiles.addWidget(self.give_back, 1, 0)
            self.tiles.addWidget(self.loans, 2, 0)
            self.options.setDirection(QBoxLayout.Direction.TopToBottom)
        else:
            self.tiles.addWidget(self.borrow, 0, 0)
            self.tiles.addWidget(self.give_back, 0, 1)
            self.tiles.addWidget(self.loans, 1, 0, 1, 2)
            self.options.setDirection(QBoxLayout.Direction.LeftToRight)

    def title(self) -> str:
        return tr(N_("Sharing centre"))

    def retranslate(self) -> None:
        self.welcome.setText(tr(N_("Welcome")))
        self.hint.setText(tr(N_("Show your member card to the camera, or choose what you would like to do.")))
        self.borrow.setText(tr(N_("Borrow")))
        self.give_back.setText(tr(N_("Return")))
        self.loans.setText(tr(N_("My loans")))
        self.large.setText(tr(N_("Large text")))
        self.contrast.setText(tr(N_("High contrast")))
        self.finish.setText(tr(N_("Finish")))
        self._show_member()
        self._sync_toggles()

    def _sync_toggles(self) -> None:
        for code, b in self.lang_buttons.items():
            b.setChecked(code == self.session.lang)
        self.large.setChecked(self.session.large_text)
        self.contrast.setChecked(self.session.high_contrast)

    def _show_member(self) -> None:
        m = self.session.member
        self.member_box.setVisible(m is not None)
        if m is not None:
            self.member_line.setText(tr(N_("Signed in as {name}."), name=m.display_name))

    def _finish(self) -> None:
        self.ctx.go("receipt") if not self.session.visit.empty else self.ctx.go("home", end=True)

    def enter(self, **kwargs) -> None:
        self.banner.clear()
        self._show_member()
        self._sync_toggles()

    def reset(self) -> None:
        self.banner.clear()
        self._show_member()

    def handle_scan(self, payload: str) -> bool:
        try:
            ref = parse_payload(payload, self.ctx.kiosk.base_url)
        except KioskError as exc:
            self.banner.show_message("refused", exc.render(self.session.lang))
            self.ctx.sound.play("refused")
            return True
        if isinstance(ref, CardRef):
            # Showing the card is the quickest start: identify, then borrow.
            self.ctx.go("identify", next="borrow", payload=payload)
        else:
            # An item shown at home is most often being brought back.
            self.ctx.go("return", payload=payload)
        return True
