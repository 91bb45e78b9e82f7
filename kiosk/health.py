"""The kiosk's heartbeat: what the city platform's fleet view shows per kiosk.

``heartbeat()`` builds the JSON document the sync client posts with each
round (``sync.protocol.Heartbeat`` reads its first seven keys; the rest are
extra detail the platform keeps as they come). It reads, never writes, and
needs no Qt and no network, so it is cheap to call every round.
"""

from __future__ import annotations

import datetime as dt
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from kiosk import __version__
from kiosk.devices import DEVICE_STATES
from kiosk.runtime import CRASH_DIR
from kiosk.services import syncstate
from kiosk.store.models import Event, Setting

_STARTED = time.monotonic()  # when this process imported the module: close enough to its start


def _state(value: str | None) -> str:
    return value if value in DEVICE_STATES else "unknown"


def _recent_crashes(data_dir: Path, now: dt.datetime, hours: int = 24) -> int:
    since = (now - dt.timedelta(hours=hours)).timestamp()
    folder = data_dir / CRASH_DIR
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.glob("crash-*.txt") if p.stat().st_mtime >= since)


def heartbeat(kiosk: Any, *, camera: str | None = None, printer: str | None = None,
              uptime_s: float | None = None, last_error: str | None = None,
              data_dir: str | Path | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """The heartbeat of ``kiosk``.

    ``camera`` and ``printer`` are one of :data:`DEVICE_STATES` (the UI
    knows them); ``uptime_s`` defaults to the time since this process loaded
    the module; the outbox depth and the last successful sync come from the
    sync state in the database. With ``data_dir`` it also counts the crash
    files of the last day and the free disk space there.
    """
    now = now or kiosk.clock()
    acked = syncstate.acked_seq(kiosk)
    with kiosk.reading() as s:
        head = s.execute(select(func.max(Event.seq))).scalar_one() or 0
        depth = s.execute(select(func.count()).select_from(Event).where(Event.seq > acked)).scalar_one()
        row = s.get(Setting, syncstate.LAST_SUCCESS)  # read fresh: the sync thread writes it
        last_sync = row.value if row is not None else None
    beat: dict[str, Any] = {
        "version": __version__,
        "uptime_s": round(time.monotonic() - _STARTED if uptime_s is None else uptime_s, 1),
        "camera": _state(camera),
        "printer": _state(printer),
        "outbox_depth": int(depth),
        "last_sync": last_sync,
        "last_error": (last_error or None) and last_error[:300],
        # extra detail for the fleet view
        "kiosk_id": kiosk.kiosk_id,
        "site": kiosk.site,
        "head_seq": int(head),
        "acked_seq": acked,
        "os": f"{platform.system()} {platform.release()}",
        "python": ".".join(map(str, sys.version_info[:3])),
        "frozen": bool(getattr(sys, "frozen", False)),
    }
    if data_dir is not None:
        folder = Path(data_dir)
        beat["crashes_24h"] = _recent_crashes(folder, now)
        try:
            beat["disk_free_mb"] = shutil.disk_usage(folder).free // 1_000_000
        except OSError:
            beat["disk_free_mb"] = None
    return beat
