"""Write assets/samples/selftest-frame.jpg: the camera frame ``nanum self-test`` decodes.

A synthetic 720p webcam picture (hardware/synth.py) of an item label held a
little tilted over a cluttered desk, saved as JPEG like a camera delivers it.
The self-test proves the bundle's decoders work on it. Run again only when
the label payload or the synthetic scene changes:

    .venv/bin/python packaging/make_sample_frame.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hardware import synth  # noqa: E402
from kiosk.codes import item_label_payload  # noqa: E402

SAMPLE_CODE = "T-00042"
OUT = ROOT / "assets" / "samples" / "selftest-frame.jpg"


def main() -> None:
    rng = np.random.default_rng(7)
    bg = synth.background(1280, 720, seed=11)
    frame, _quad = synth.compose(bg, item_label_payload(SAMPLE_CODE),
                                 synth.Placement(700, 380, 5.0, angle=-12.0, tilt_x=10.0, tilt_y=-8.0))
    frame = synth.camera_look(frame, rng)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(OUT), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    print(OUT, OUT.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
