"""Voice guidance: every prompt, result, refusal, due date and receipt, spoken.

Voice is off until a resident turns it on with one touch on the home screen
or plugs in earphones. While it is on, the window speaks the guide of what is
on screen whenever it changes (:meth:`VoiceGuide.speak`): what just happened,
what to do, and the buttons there are, in the session's language, from the
one catalogue. The voice bar at the bottom repeats, stops, and sets volume
and speed; both go back to normal when the session ends.

What is said goes through a :class:`ui.speech.Speech` engine, so tests hear
it with a recording engine.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QFrame, QHBoxLayout, QSizePolicy, QWidget

from kiosk.i18n import current_language
from ui.private_voice import resolve
from ui.session import Session
from ui.speech import RecordingSpeech, Speech, Utterance
from ui.text import N_, tr
from ui.widgets.common import Icon, button, label
from ui.widgets.flow import FlowLayout

VOLUME_STEPS = (0.4, 0.6, 0.8, 1.0, 1.3, 1.6, 2.0)
RATE_STEPS = (0.6, 0.75, 0.9, 1.0, 1.15, 1.3, 1.5)
NORMAL_STEP = 3
#: buttons spoken as one group ("a11yGroup" property) instead of one by one
GROUP_NAMES = {
    "keypad": N_("the number keypad: 0 to 9, Erase and OK"),
    "typekeys": N_("the letter and number keys"),
}
_SEPARATOR = {"zh": "、"}


def accessible_name(widget: QWidget) -> str:
    """What assistive technology (and the voice guide) calls a control."""
    name = widget.accessibleName()
    if not name and isinstance(widget, QAbstractButton):
        name = widget.text()
    return " ".join(name.split())


def join_names(names: list[str]) -> str:
    """Names as a spoken list in the current language."""
    return _SEPARATOR.get(current_language(), ", ").join(names)


def choices(container: QWidget, skip: tuple[QWidget, ...] = ()) -> list[str]:
    """The names of the buttons a resident can touch in ``container``, top to bottom, left to right.

    Buttons of a group (the keypad's keys) are named once, by the group.
    """
    found = []
    for b in container.findChildren(QAbstractButton):
        if not (b.isVisibleTo(container) and b.isEnabled()) or any(s is b or s.isAncestorOf(b) for s in skip):
            continue
        pos = b.mapTo(container, b.rect().topLeft())
        group = b.property("a11yGroup")
        found.append((pos.y() // 8, pos.x(), tr(GROUP_NAMES[group]) if group in GROUP_NAMES else accessible_name(b)))
    names: list[str] = []
    for _y, _x, name in sorted(found):
        if name and name not in names:
            names.append(name)
    return names


def buttons_sentence(names: list[str]) -> str:
    return tr(N_("Buttons: {names}."), names=join_names(names)) if names else ""


class VoiceGuide(QObject):
    """Speaks in the session's language while voice is on; volume and speed per session."""

    #: volume or speed changed (the voice bar shows the level)
    levels_changed = Signal()

    def __init__(self, session: Session, speech: Speech | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.speech: Speech = speech if speech is not None else RecordingSpeech()
        self.volume_step = NORMAL_STEP
        self.rate_step = NORMAL_STEP
        self.last_text = ""

    @property
    def on(self) -> bool:
        return self.session.voice

    @property
    def volume(self) -> float:
        return VOLUME_STEPS[self.volume_step]

    @property
    def rate(self) -> float:
        return RATE_STEPS[self.rate_step]

    @property
    def private(self) -> bool:
        """Whether speech reaches the resident's ears alone (earphones are plugged in)."""
        return self.session.earphones_in

    def speak(self, text: str, force: bool = False, details: bool = False) -> None:
        """Say ``text`` now (cutting off what was being said) if voice is on, or ``force``.

        Its personal parts (:func:`ui.private_voice.personal`) are said only into earphones, or
        when the resident asked for them (``details``); on the loudspeaker their public text is.
        """
        text = " ".join(resolve(text, self.private or details).split())
        if not text or not (self.on or force):
            return
        self.last_text = text
        self.speech.say(Utterance(text, self.session.lang, self.volume, self.rate, private=self.private))

    def stop(self) -> None:
        self.speech.stop()

    def change_volume(self, step: int) -> None:
        self.volume_step = max(0, min(len(VOLUME_STEPS) - 1, self.volume_step + step))
        self.levels_changed.emit()
        self.speak(self.volume_text())

    def change_rate(self, step: int) -> None:
        self.rate_step = max(0, min(len(RATE_STEPS) - 1, self.rate_step + step))
        self.levels_changed.emit()
        self.speak(self.rate_text())

    def volume_text(self) -> str:
        return tr(N_("Volume {level} of {top}"), level=self.volume_step + 1, top=len(VOLUME_STEPS))

    def rate_text(self) -> str:
        return tr(N_("Speed {level} of {top}"), level=self.rate_step + 1, top=len(RATE_STEPS))

    def reset(self) -> None:
        """Normal volume and speed, nothing to repeat: the next resident starts afresh."""
        self.stop()
        self.volume_step = self.rate_step = NORMAL_STEP
        self.last_text = ""
        self.levels_changed.emit()


class VoiceBar(QFrame):
    """Repeat, stop, volume and speed: shown at the bottom of the screen while voice is on."""

    def __init__(self, guide: VoiceGuide, repeat, details=None) -> None:
        super().__init__()
        self.setObjectName("VoiceBar")
        self.guide = guide
        self.repeat = button("", "primary", "VoiceRepeat")
        self.repeat.clicked.connect(repeat)
        # On the loudspeaker the member's name and number are not said unless asked: this asks.
        self.details = button("", None, "VoiceDetails")
        self.details.hide()
        if details is not None:
            self.details.clicked.connect(details)
        self.stop = button("", None, "VoiceStop")
        self.stop.clicked.connect(guide.stop)
        # Each level is a drawn symbol and "4/7" between its - and + keys: short in every
        # language (the words are the label's accessible name, and the voice says them).
        self.volume_label = label("", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        self.volume_label.setObjectName("VoiceVolume")
        self.softer = self._step_button("VoiceSofter", lambda: guide.change_volume(-1))
        self.louder = self._step_button("VoiceLouder", lambda: guide.change_volume(+1))
        self.rate_label = label("", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        self.rate_label.setObjectName("VoiceSpeed")
        self.slower = self._step_button("VoiceSlower", lambda: guide.change_rate(-1))
        self.faster = self._step_button("VoiceFaster", lambda: guide.change_rate(+1))
        self.volume_icon, self.rate_icon = Icon("volume", 8.0), Icon("speed", 8.0)
        self.volume_icon.setObjectName("VoiceVolumeIcon")
        self.rate_icon.setObjectName("VoiceSpeedIcon")
        # Compact: thin margins and square -/+ keys, so the bar stays one row on a landscape
        # panel even with large text and takes little height from the screen above it.
        flow = FlowLayout(self, spacing=6)
        flow.setContentsMargins(4, 4, 4, 4)
        self.flow = flow
        for w in (self.repeat, self.stop, self.details,
                  self._group(self.volume_icon, self.softer, self.volume_label, self.louder),
                  self._group(self.rate_icon, self.slower, self.rate_label, self.faster)):
            flow.addWidget(w)
        guide.levels_changed.connect(self._levels)

    @staticmethod
    def _step_button(name: str, action) -> QAbstractButton:
        b = button("", None, name)
        b.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        b.clicked.connect(action)
        return b

    @staticmethod
    def _group(*widgets: QWidget) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        for w in widgets:
            row.addWidget(w)
        return box

    def retranslate(self) -> None:
        self.repeat.setText(tr(N_("Repeat")))
        self.stop.setText(tr(N_("Stop")))
        self.details.setText(tr(N_("Say my name")))
        # The symbols are what the eye reads; the names are what the voice says.
        for b, symbol, name in ((self.softer, "−", N_("Softer")), (self.louder, "+", N_("Louder")),
                                (self.slower, "−", N_("Slower")), (self.faster, "+", N_("Faster"))):
            b.setText(symbol)
            b.setAccessibleName(tr(name))
        self._levels()

    def _levels(self) -> None:
        g = self.guide
        self.volume_label.setText(f"{g.volume_step + 1}/{len(VOLUME_STEPS)}")
        self.volume_label.setAccessibleName(g.volume_text())
        self.rate_label.setText(f"{g.rate_step + 1}/{len(RATE_STEPS)}")
        self.rate_label.setAccessibleName(g.rate_text())
        self.softer.setEnabled(g.volume_step > 0)
        self.louder.setEnabled(g.volume_step < len(VOLUME_STEPS) - 1)
        self.slower.setEnabled(g.rate_step > 0)
        self.faster.setEnabled(g.rate_step < len(RATE_STEPS) - 1)
