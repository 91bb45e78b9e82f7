"""Keeping a condition photo of an item from the camera frame where its label was read:
at a checkout (how it left) and at a return (how it came back). The picture is
cropped and its faces blurred on the slow lane (hardware.condition), then kept by
the kiosk (kiosk.services.condition); both outlive the resident's session."""

from __future__ import annotations

import logging
from typing import Any

from kiosk.codes import ItemKey
from kiosk.services.condition import ConditionPhotos
from ui.tasks import run_task

log = logging.getLogger(__name__)


def keep_condition_photo(kiosk: Any, ref: ItemKey, snap: tuple[Any, tuple] | None, moment: str) -> None:
    """Crop, blur and keep ``snap`` (a frame and the label's corners in it) as the photo of
    ``ref`` at ``moment`` (``checkout`` or ``return``); nothing when there is no frame."""
    if snap is None:
        return

    def shoot() -> Any:
        from hardware.condition import condition_shot

        return condition_shot(*snap)

    def keep(shot: Any) -> None:
        run_task(lambda: ConditionPhotos(kiosk).keep(ref, shot.jpeg, shot.faces_blurred, moment=moment), None,
                 lambda exc: log.warning("condition photo not kept: %s", exc))

    run_task(shoot, keep, lambda exc: log.warning("condition photo not taken: %s", exc), slow=True)
