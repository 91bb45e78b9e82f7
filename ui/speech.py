"""Speech engines behind one small interface: say a sentence in a language, or stop.

:class:`QtSpeech` uses Qt's text-to-speech module (the platform's speech
engine) when PySide6 ships it and it has a voice for the language;
:class:`EspeakSpeech` runs ``espeak-ng`` (Debian package ``espeak-ng``: Korean,
English, Mandarin and Vietnamese voices) in a child process;
:class:`RecordingSpeech` speaks nothing and remembers every utterance, so tests
can assert what a resident would hear. :func:`system_speech` picks the best
the machine has, language by language.

Volume and rate are given per utterance as factors (1.0 = the engine's
normal), so an engine keeps no session state.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

#: espeak-ng's voice for each kiosk language
ESPEAK_VOICES = {"ko": "ko", "en": "en-gb", "zh": "cmn", "vi": "vi"}
_ESPEAK_WPM = 165  # a little slower than espeak's 175: short prompts, often older listeners


@dataclass(frozen=True)
class Utterance:
    text: str
    lang: str
    volume: float = 1.0
    rate: float = 1.0
    #: said into earphones only (True), or on the loudspeaker where others hear it
    private: bool = False


class Speech(Protocol):
    def say(self, utterance: Utterance) -> None:
        """Start speaking (stopping what was being said) and return at once."""

    def stop(self) -> None:
        """Stop speaking now."""

    def speaks(self, lang: str) -> bool:
        """Whether there is a voice for ``lang``."""


class RecordingSpeech:
    """Silent: remembers what it was asked to say (tests, kiosks without speakers)."""

    def __init__(self, langs: tuple[str, ...] = tuple(ESPEAK_VOICES)) -> None:
        self.utterances: list[Utterance] = []
        self.stops = 0
        self.langs = langs

    def say(self, utterance: Utterance) -> None:
        self.utterances.append(utterance)

    def stop(self) -> None:
        self.stops += 1

    def speaks(self, lang: str) -> bool:
        return lang in self.langs

    @property
    def spoken(self) -> list[str]:
        """The texts said so far, oldest first."""
        return [u.text for u in self.utterances]

    @property
    def last(self) -> Utterance | None:
        return self.utterances[-1] if self.utterances else None

    def clear(self) -> None:
        self.utterances.clear()


class EspeakSpeech:
    """``espeak-ng`` in a child process; a new sentence cuts the previous one short."""

    def __init__(self, program: str) -> None:
        self.program = program
        self._proc: subprocess.Popen | None = None

    @staticmethod
    def command(program: str, utterance: Utterance) -> list[str]:
        """The espeak-ng command line for one utterance (amplitude 0-200, words a minute)."""
        voice = ESPEAK_VOICES.get(utterance.lang, "en-gb")
        amplitude = max(0, min(200, round(100 * utterance.volume)))
        wpm = max(80, min(450, round(_ESPEAK_WPM * utterance.rate)))
        return [program, "-v", voice, "-a", str(amplitude), "-s", str(wpm), "--", utterance.text]

    def say(self, utterance: Utterance) -> None:
        self.stop()
        try:
            self._proc = subprocess.Popen(self.command(self.program, utterance),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as exc:
            log.warning("cannot speak: %s", exc)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=2)
        self._proc = None

    def speaks(self, lang: str) -> bool:
        return lang in ESPEAK_VOICES


class QtSpeech:
    """Qt's text-to-speech module (speech-dispatcher on Linux), for the languages it has voices for."""

    def __init__(self) -> None:
        from PySide6.QtCore import QLocale
        from PySide6.QtTextToSpeech import QTextToSpeech  # PySide6-Addons; absent from Essentials

        self._engine = QTextToSpeech()
        if self._engine.state() == QTextToSpeech.State.Error:
            raise RuntimeError("no text-to-speech engine")
        self._locales = {QLocale(loc).name().split("_")[0]: loc for loc in self._engine.availableLocales()}

    def speaks(self, lang: str) -> bool:
        return lang in self._locales

    def say(self, utterance: Utterance) -> None:
        e = self._engine
        e.stop()
        e.setLocale(self._locales[utterance.lang])
        e.setVolume(max(0.0, min(1.0, 0.7 * utterance.volume)))
        e.setRate(max(-1.0, min(1.0, utterance.rate - 1.0)))
        e.say(utterance.text)

    def stop(self) -> None:
        self._engine.stop()


class BestSpeech:
    """Each language on the first engine that has a voice for it."""

    def __init__(self, engines: list) -> None:
        self.engines = engines
        self._last = None

    def speaks(self, lang: str) -> bool:
        return any(e.speaks(lang) for e in self.engines)

    def say(self, utterance: Utterance) -> None:
        self.stop()
        for engine in self.engines:
            if engine.speaks(utterance.lang):
                self._last = engine
                engine.say(utterance)
                return
        log.info("no voice for %s", utterance.lang)

    def stop(self) -> None:
        if self._last is not None:
            self._last.stop()
            self._last = None


def system_speech() -> Speech:
    """Qt's speech engine where it has a voice, then espeak-ng; silent when there is neither."""
    engines: list = []
    try:
        engines.append(QtSpeech())
    except (ImportError, RuntimeError, AttributeError) as exc:
        log.info("Qt text-to-speech not available: %s", exc)
    program = shutil.which("espeak-ng") or shutil.which("espeak")
    if program:
        engines.append(EspeakSpeech(program))
    if not engines:
        log.warning("no speech engine: install espeak-ng for voice guidance")
        return RecordingSpeech(langs=())
    return BestSpeech(engines)
