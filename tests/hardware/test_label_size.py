"""Every label layout prints its QR with modules the kiosk camera reads at its working distance."""

from __future__ import annotations

import pytest

from hardware import labels
from hardware.labels import LAYOUTS, qr_matrix
from kiosk.codes import item_label_payload


def _module_mm(name: str, payload: str) -> float:
    lay = LAYOUTS[name]
    under = 0 if lay.code_beside else lay.code_h
    side = min(lay.label_h - 2 * lay.padding - under, lay.label_w * 0.55)  # as _draw_label sizes it
    return side / (len(qr_matrix(payload)) + 2 * labels.QUIET_MODULES)


def test_the_minimum_module_is_the_one_the_camera_bench_measured():
    # 2.75 px at 720p (bench/scan.py --module-sweep) at 20 cm: 0.43 mm, more than the printer needs
    assert labels.MIN_MODULE_MM == pytest.approx(2.75 / (1280 / 200.0))
    assert labels.MIN_MODULE_MM > labels.PRINT_MIN_MODULE_MM


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_layout_meets_the_minimum_module_with_a_real_label(layout):
    # The longest label text a centre prints: a site code and a five-digit item code.
    payload = item_label_payload("T-99999", site="GN01")
    module = _module_mm(layout, payload)
    assert module >= labels.MIN_MODULE_MM
    # ...which the camera sees at its working distance as at least the measured minimum
    assert module * labels.CAMERA_PX_PER_MM >= labels.CAMERA_MIN_MODULE_PX
