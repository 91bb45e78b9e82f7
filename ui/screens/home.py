"""Home: borrow, return, my loans, language, display, voice and low reach, each one touch away."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QVBoxLayout

from kiosk.codes import CardRef, Scan, Unreadable
from kiosk.i18n import LANGUAGES
from ui.private_voice import personal
from ui.screens.base import Screen
from ui.text import N_, tr
from ui.widgets.common import Banner, button, label
from ui.widgets.flow import flow_box


class HomeScreen(Screen):
    name = "home"
    wants_camera = True  # a member card shown here starts borrowing
    shows_member_state = True

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.welcome = label("", "title", align=Qt.AlignmentFlag.AlignCenter)
        self.hint = label("", align=Qt.AlignmentFlag.AlignCenter)
        self.hint.setProperty("instruction", True)  # the low-reach caption says it instead
        self.banner = Banner()
        # The greeting by name; the strip under the bar says who it is and offers to sign out.
        self.member_line = label("", "title", align=Qt.AlignmentFlag.AlignCenter)
        self.member_line.setObjectName("MemberLine")

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
        for code, native in LANGUAGES.items():
            b = button(native, None, f"lang_{code}")
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, c=code: self.session.set_language(c))
            self.lang_buttons[code] = b
        self.large = self._toggle("LargeText", lambda on: self.session.set_display(large_text=on))
        self.contrast = self._toggle("HighContrast", lambda on: self.session.set_display(high_contrast=on))
        self.voice = self._toggle("VoiceGuide", self.session.set_voice)
        self.low_reach = self._toggle("LowReach", lambda on: self.session.set_display(low_reach=on))
        self.zoom = self._toggle("Zoom", lambda on: self.session.set_display(zoom=on))
        # Rows that wrap rather than cut a word: four languages and four aids, in any text size.
        self.lang_box = flow_box(list(self.lang_buttons.values()))
        self.access_box = flow_box([self.large, self.zoom, self.contrast, self.voice, self.low_reach])

        col = QVBoxLayout(self)
        col.addWidget(self.welcome)
        col.addWidget(self.member_line)
        col.addWidget(self.hint)
        col.addWidget(self.banner)
        col.addStretch(1)
        col.addLayout(self.tiles, 4)
        col.addStretch(1)
        col.addWidget(self.lang_box)
        col.addWidget(self.access_box)
        self._portrait = False
        self.set_portrait(False)
        self.session.member_changed.connect(self._show_member)
        self.session.display_changed.connect(self._sync_toggles)
        self.session.display_changed.connect(self._arrange_tiles)
        self.session.voice_changed.connect(lambda _on: self._sync_toggles())
        self.session.language_changed.connect(lambda _l: self._sync_toggles())

    @staticmethod
    def _toggle(name: str, action: Callable[[bool], None]) -> QPushButton:
        b = button("", None, name)
        b.setCheckable(True)
        b.clicked.connect(action)
        return b

    def set_portrait(self, portrait: bool) -> None:
        self._portrait = portrait
        self._arrange_tiles()

    def _arrange_tiles(self) -> None:
        for b in (self.borrow, self.give_back, self.loans):
            self.tiles.removeWidget(b)
        if self._portrait or self.session.zoom:  # zoomed, the panel is as narrow as a portrait one
            self.tiles.addWidget(self.borrow, 0, 0)
            self.tiles.addWidget(self.give_back, 1, 0)
            self.tiles.addWidget(self.loans, 2, 0)
        elif self.session.large_text:  # one row: large text needs the height for the choices below
            self.tiles.addWidget(self.borrow, 0, 0)
            self.tiles.addWidget(self.give_back, 0, 1)
            self.tiles.addWidget(self.loans, 0, 2)
        else:
            self.tiles.addWidget(self.borrow, 0, 0)
            self.tiles.addWidget(self.give_back, 0, 1)
            self.tiles.addWidget(self.loans, 1, 0, 1, 2)

    def title(self) -> str:
        return tr(N_("Sharing centre"))

    def retranslate(self) -> None:
        self.welcome.setText(tr(N_("Welcome")))
        self.hint.setText(self.instruction())
        self.borrow.setText(tr(N_("Borrow")))
        self.give_back.setText(tr(N_("Return")))
        self.loans.setText(tr(N_("My loans")))
        self.large.setText(tr(N_("Large text")))
        self.contrast.setText(tr(N_("High contrast")))
        self.voice.setText(tr(N_("Voice guide")))
        self.low_reach.setText(tr(N_("Low reach")))
        self.zoom.setText(tr(N_("Zoom 200%")))
        self._show_member()
        self._sync_toggles()

    def _sync_toggles(self) -> None:
        for code, b in self.lang_buttons.items():
            b.setChecked(code == self.session.lang)
        self.large.setChecked(self.session.large_text)
        self.contrast.setChecked(self.session.high_contrast)
        self.voice.setChecked(self.session.voice)
        self.low_reach.setChecked(self.session.low_reach)
        self.zoom.setChecked(self.session.zoom)

    def instruction(self) -> str:
        if self.session.member is not None:  # the card was shown already
            return tr(N_("Choose what you would like to do."))
        return tr(N_("Show your member card to the camera, or choose what you would like to do."))

    def prompt(self) -> list[str]:
        m = self.session.member
        said = self.banner.spoken()
        if m is not None:  # the greeting by name: only where nobody else hears it (ui.private_voice)
            said.append(personal(self.member_line.text(), tr(N_("You are signed in."))))
        else:
            said.append(tr(N_("Welcome to the sharing centre.")))
        return [*said, self.instruction()]

    def _show_member(self) -> None:
        m = self.session.member
        self.member_line.setVisible(m is not None)
        self.welcome.setVisible(m is None)  # the greeting by name takes its place
        if m is not None:
            self.member_line.setText(tr(N_("Signed in as {name}."), name=m.display_name))
        self.hint.setText(self.instruction())

    def enter(self, **kwargs) -> None:
        self.banner.clear()
        self._show_member()
        self._sync_toggles()

    def reset(self) -> None:
        self.banner.clear()
        self._show_member()

    def handle_scan(self, ref: Scan) -> bool:
        if isinstance(ref, Unreadable):
            message = ref.message  # rendered again on a language switch

            def text() -> str:
                return message.render(self.session.lang)
            self.banner.show_message("refused", text)
            self.ctx.sound.play("refused")
            self.ctx.announce()
            return True
        if isinstance(ref, CardRef):
            # Showing the card is the quickest start: identify, then borrow.
            self.ctx.go("identify", next="borrow", ref=ref)
        else:
            # An item shown at home is most often being brought back.
            self.ctx.go("return", ref=ref)
        return True
