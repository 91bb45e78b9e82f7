"""What the kiosk window says: the guide of the screen shown, spoken when it changes.

:class:`SpokenWindow` is the voice half of :class:`ui.app.KioskWindow`. The
guide of a screen is what just happened and what to do (the screen's or the
open dialog's ``prompt()``), then the buttons there are, by their accessible
names (:func:`ui.voice.choices`). The buttons that are on every screen are
named once, when voice is turned on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from ui.text import N_, tr
from ui.voice import accessible_name, buttons_sentence, choices, join_names
from ui.widgets.overlay import open_overlays

if TYPE_CHECKING:
    from ui.chrome import Chrome
    from ui.screens.base import Screen
    from ui.session import Session
    from ui.voice import VoiceBar, VoiceGuide


class SpokenWindow(QWidget):
    """The voice half of the kiosk window (which makes ``session``, ``voice``, ``chrome``, ``voice_bar``)."""

    session: Session
    voice: VoiceGuide
    chrome: Chrome
    voice_bar: VoiceBar
    screens: dict[str, Screen]

    @property
    def current(self) -> Screen:
        """The screen shown now."""
        raise NotImplementedError

    def setup_speech(self) -> None:
        # Speech waits for the event loop's next turn: by then new rows and buttons are shown
        # (a widget added to a shown layout appears a moment later), and several changes in one
        # go are said once.
        self._speak_timer = QTimer(self)
        self._speak_timer.setSingleShot(True)
        self._speak_timer.setInterval(0)
        self._speak_timer.timeout.connect(self._speak_guide)
        self._intro_due = False

    def guide_text(self) -> str:
        """What the voice says about the screen now: what happened, what to do, the buttons."""
        overlays = open_overlays(self)
        if overlays:
            top = overlays[-1]
            sentences = [*top.prompt(), buttons_sentence(choices(top.panel))]
        else:
            screen = self.current
            # Who is signed in and what they should know, then the screen; sign-out with its buttons.
            sentences = [*self.chrome.said(), *screen.prompt(),
                         buttons_sentence(choices(screen) + [accessible_name(b) for b in self.chrome.member_choices()]
                                          + [accessible_name(b) for b in self.private_choices()])]
        return " ".join(s.strip() for s in sentences if s and s.strip())

    def intro_text(self) -> str:
        """Said when voice is turned on: the buttons that are on every screen."""
        names = [accessible_name(b) for b in self.chrome.standing if b.isVisible()] + choices(self.voice_bar)
        return " ".join([tr(N_("Voice guidance is on.")),
                         tr(N_("These buttons are always there: {names}."), names=join_names(names)),
                         *self.intro_extra()])

    def intro_extra(self) -> list[str]:
        """More for the introduction (the keypad's keys, when a key turned voice on)."""
        return []

    def announce(self) -> None:
        """Speak the guide of what is on screen (only while voice is on), once things settle."""
        self.chrome.set_caption(self.current.instruction(), compact=self.current.strip_compact())
        if self.session.voice:
            self._speak_timer.start()

    def _speak_guide(self) -> None:
        if not self.session.voice:
            return
        text = self.guide_text()
        if self._intro_due:
            self._intro_due = False
            text = self.intro_text() + " " + text
        self.voice.speak(text)

    def repeat(self) -> None:
        self.voice.speak(self.guide_text())

    def private_choices(self) -> list[QWidget]:
        """The voice bar's "Say my name" while it is offered (a member is signed in, no earphones)."""
        details = self.voice_bar.details
        return [details] if details.isVisibleTo(self) and self.voice_bar.isVisibleTo(self) else []

    def say_details(self) -> None:
        """The resident asked: the guide again, with their name and number, on the loudspeaker too."""
        self.voice.speak(self.guide_text_with_member(), details=True)

    def guide_text_with_member(self) -> str:
        """The guide with who is signed in first (said when the resident asks for it)."""
        said = self.chrome.strip.said() if self.session.member is not None else []
        text = self.guide_text()
        return " ".join([*(s for s in said if s not in text), text])

    def show_private_choices(self) -> None:
        """Offer "Say my name" while a member is signed in and speech is on the loudspeaker."""
        shown = self.session.member is not None and not self.voice.private
        if shown != self.voice_bar.details.isVisibleTo(self.voice_bar):
            self.voice_bar.details.setVisible(shown)

    def _voice_changed(self, on: bool) -> None:
        self.voice_bar.setVisible(on)
        self.screens["home"].retranslate()
        if on:
            self._intro_due = True
            self._speak_timer.start()
        else:
            self._speak_timer.stop()
            self.voice.stop()
