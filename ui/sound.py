"""Short sound cues for each scan: one for "done", another for "refused".

Behind a small interface so the kiosk works with no audio device and tests can
assert which cue played: :class:`RecordingSound` plays nothing and remembers,
:class:`CommandSound` hands the bundled WAV to the system's player (``aplay``
or ``paplay``) without waiting. The WAVs in ``assets/sounds`` are made by
:func:`write_cue_files` (``python -m ui.sound``).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import wave
from pathlib import Path
from typing import Protocol

from ui.assets import sound_path

log = logging.getLogger(__name__)

#: the aiming tone's steps, lowest first: a code fills more of the camera's view (ui.aim_tone)
AIM_CUES = ("aim1", "aim2", "aim3", "aim4", "aim5")
#: the cues the kiosk plays
CUES = ("ok", "refused", "warning", "help", *AIM_CUES)
#: pitch of each aiming step (Hz): a pentatonic rise from A4, below the "ok" chime's top note
AIM_HZ = (440.0, 523.3, 659.3, 784.0, 987.8)


class Sound(Protocol):
    def play(self, cue: str) -> None:
        """Start playing ``cue`` and return at once."""


class RecordingSound:
    """Silent: remembers the cues asked for (tests, kiosks without speakers)."""

    def __init__(self) -> None:
        self.played: list[str] = []

    def play(self, cue: str) -> None:
        if cue not in CUES:
            raise ValueError(f"unknown cue {cue!r}")
        self.played.append(cue)


class CommandSound(RecordingSound):
    """Plays the cue's WAV with the system player in a child process."""

    def __init__(self, player: str) -> None:
        super().__init__()
        self.player = player
        self._last: subprocess.Popen | None = None

    def play(self, cue: str) -> None:
        super().play(cue)
        if self._last is not None and self._last.poll() is None:
            self._last.kill()  # a new scan cuts the previous cue short
        try:
            self._last = subprocess.Popen([self.player, "-q", str(sound_path(cue))]
                                          if self.player.endswith("aplay") else
                                          [self.player, str(sound_path(cue))],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as exc:
            log.warning("cannot play %s: %s", cue, exc)


def system_sound() -> Sound:
    """The best sound output this machine has, or a silent one."""
    for player in ("paplay", "aplay"):
        path = shutil.which(player)
        if path:
            return CommandSound(path)
    return RecordingSound()


def write_cue_files(out_dir: Path, rate: int = 22050) -> list[Path]:
    """Synthesise the cue WAVs (16-bit mono): short, soft-edged, distinct."""
    import numpy as np

    def tone(freqs: list[float], dur: float, shape: str = "sine") -> np.ndarray:
        t = np.arange(int(rate * dur)) / rate
        wave_ = sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs)
        if shape == "buzz":  # a few odd harmonics: unmistakably not the "ok" chime
            wave_ = wave_ + sum(np.sin(2 * np.pi * f * k * t) / k for f in freqs for k in (3, 5)) / 2
        env = np.minimum(1, np.minimum(t / 0.01, (dur - t) / 0.04))  # no clicks
        return wave_ * env

    gap = np.zeros(int(rate * 0.04))
    cues = {
        "ok": np.concatenate([tone([880], 0.09), tone([1318.5], 0.14)]),  # rising: done
        "refused": np.concatenate([tone([220], 0.16, "buzz"), gap, tone([185], 0.22, "buzz")]),
        "warning": np.concatenate([tone([660], 0.12), gap, tone([660], 0.12), gap, tone([660], 0.12)]),
        # staff were called: a falling three-note door chime, longer than any scan cue
        "help": np.concatenate([tone([1046.5], 0.25), tone([830.6], 0.25), tone([659.3], 0.45)]),
    }
    # the aiming tone: one short, soft pip per step, repeated by ui.aim_tone
    cues.update({name: tone([hz], 0.07) for name, hz in zip(AIM_CUES, AIM_HZ, strict=True)})
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, samples in cues.items():
        level = 0.3 if name in AIM_CUES else 0.6  # soft: it repeats under the voice
        pcm = (samples / max(1e-9, np.abs(samples).max()) * level * 32767).astype("<i2")
        path = out_dir / f"{name}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm.tobytes())
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write_cue_files(sound_path("ok").parent):
        print(p)
