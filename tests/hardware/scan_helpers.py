"""Generated camera frames for the scanning tests (hardware.synth, seeded).

Imported by the ``test_scan_*`` modules (pytest puts this folder on the path)."""

from __future__ import annotations

import numpy as np

from hardware import synth
from kiosk.codes import card_payload, item_label_payload

ITEM = item_label_payload("T-00042")
HANGUL = "https://nanum.example.org/i/T-00042?name=전동드릴 세트"


def valid_card() -> str:
    """A card payload with a correct check character (found, not hard-coded)."""
    from kiosk.codes import CardRef, parse_payload

    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567":
        p = card_payload("ABCDEFGHIJKLMNOPQRSTUVWX" + c)
        try:
            if isinstance(parse_payload(p), CardRef):
                return p
        except Exception:
            continue
    raise AssertionError("no check character")


def camera_frame(payload: str | None, size=(640, 480), module_px: float = 5.0, invert=False,
                 card=False, seed: int = 1, angle: float = 8.0, at=None) -> tuple[np.ndarray, np.ndarray | None]:
    """A webcam-like frame with ``payload`` held in view (or an empty desk when None)."""
    rng = np.random.default_rng(seed)
    bg = synth.background(*size, seed=seed)
    if payload is None:
        return synth.camera_look(bg, rng), None
    cx, cy = at or (size[0] / 2, size[1] / 2)
    frame, quad = synth.compose(bg, payload, synth.Placement(cx, cy, module_px, angle, 6.0, -5.0),
                                invert=invert, card=card)
    return synth.camera_look(frame, rng), quad
