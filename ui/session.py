"""One resident's visit: who they are, their language and display choices.

A session starts when someone touches the home screen and ends on "done",
"cancel" or the idle reset. Ending it forgets the member and everything shown
about them, and puts language, display, layout and voice back to the kiosk's
defaults (voice stays on while earphones are plugged in).
Background results that arrive after the session they belong to has ended are
dropped (the session's :class:`ui.tasks.Scope` is renewed when it ends), so a
slow query can never paint one resident's data on the next resident's screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from kiosk.codes import MemberKey
from kiosk.i18n import DEFAULT_LANGUAGE, LANGUAGES, set_language
from kiosk.services.views import ItemOutcome, MemberView, ReturnOutcome
from ui.tasks import Scope


@dataclass
class Visit:
    """What happened in this session, for the receipt."""

    borrowed: list[ItemOutcome] = field(default_factory=list)
    returned: list[ReturnOutcome] = field(default_factory=list)
    renewed: list[ItemOutcome] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.borrowed or self.returned or self.renewed)


class Session(QObject):
    #: the language changed (retranslate every screen)
    language_changed = Signal(str)
    #: large text, contrast or the low-reach layout changed (restyle)
    display_changed = Signal()
    #: voice guidance was turned on or off
    voice_changed = Signal(bool)
    #: the member was identified or forgotten
    member_changed = Signal()
    #: the session ended (idle reset, thank-you, cancel)
    ended = Signal()

    def __init__(self, default_language: str = DEFAULT_LANGUAGE) -> None:
        super().__init__()
        self.default_language = default_language
        #: what background work started for this visit belongs to
        self.scope = Scope()
        self.lang = default_language
        self.large_text = False
        #: low-vision zoom: everything on screen at 200 %
        self.zoom = False
        self.high_contrast = False
        self.low_reach = False
        self.voice = False
        #: what voice is between sessions: on while earphones are plugged in
        self.voice_default = False
        #: earphones are plugged in: speech is private (ui.private_voice)
        self.earphones_in = False
        self.member: MemberView | None = None
        #: what the services take to name the member: their card, or the
        #: membership number when they identified with number and PIN
        self.member_ref: MemberKey | None = None
        self.visit = Visit()
        self._lang_chosen = False
        set_language(self.lang)

    # -- language and display ---------------------------------------------------
    def set_language(self, lang: str, chosen: bool = True) -> None:
        if lang not in LANGUAGES:
            raise ValueError(lang)
        self._lang_chosen = self._lang_chosen or chosen
        if lang != self.lang:
            self.lang = lang
            set_language(lang)
            self.language_changed.emit(lang)

    def set_display(self, *, large_text: bool | None = None, high_contrast: bool | None = None,
                    low_reach: bool | None = None, zoom: bool | None = None) -> None:
        changed = False
        if large_text is not None and large_text != self.large_text:
            self.large_text, changed = large_text, True
        if zoom is not None and zoom != self.zoom:
            self.zoom, changed = zoom, True
        if high_contrast is not None and high_contrast != self.high_contrast:
            self.high_contrast, changed = high_contrast, True
        if low_reach is not None and low_reach != self.low_reach:
            self.low_reach, changed = low_reach, True
        if changed:
            self.display_changed.emit()

    def set_voice(self, on: bool) -> None:
        if on != self.voice:
            self.voice = on
            self.voice_changed.emit(on)

    def earphones(self, plugged: bool) -> None:
        """Earphones plugged in turn voice on (and keep it on between sessions until unplugged)."""
        self.voice_default = plugged
        self.earphones_in = plugged
        if plugged:
            self.set_voice(True)

    @property
    def pristine(self) -> bool:
        """Nothing to reset: no member, defaults everywhere, nothing done."""
        return (self.member is None and self.lang == self.default_language
                and not self.large_text and not self.zoom and not self.high_contrast and not self.low_reach
                and self.voice == self.voice_default and self.visit.empty)

    # -- the member -------------------------------------------------------------
    def identify(self, member: MemberView, ref: MemberKey) -> None:
        """Remember who is here; adopt their saved preferences unless chosen already."""
        self.member, self.member_ref = member, ref
        if not self._lang_chosen and member.language in LANGUAGES:
            self.set_language(member.language, chosen=False)
        if member.large_text or member.high_contrast:
            self.set_display(large_text=self.large_text or member.large_text,
                             high_contrast=self.high_contrast or member.high_contrast)
        self.member_changed.emit()

    def end(self) -> None:
        """Forget the member and the visit; back to the kiosk's defaults."""
        self.scope.renew()
        self.member = None
        self.member_ref = None
        self.visit = Visit()
        self._lang_chosen = False
        self.set_language(self.default_language, chosen=False)
        self.set_display(large_text=False, high_contrast=False, low_reach=False, zoom=False)
        self.set_voice(self.voice_default)
        self.member_changed.emit()
        self.ended.emit()
