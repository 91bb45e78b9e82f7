"""One sync round: push the outbox, then pull the platform's changes.

Push comes first so the platform has judged every loan the kiosk made before
the kiosk takes anything from it (an online request displaced by an offline
loan reaches the kiosk already moved). A failure anywhere ends the round;
everything done so far is committed and the next round carries on from there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.clock import to_iso
from kiosk.services import recovery, syncstate
from sync.client import FORKED, INVALID, SERVER, CursorExpired, Forked, SyncClient, SyncError, SyncRefused, TooLarge
from sync.photos import send_photos
from sync.recover import recover

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

BATCH = 500
PAGE = 500
_STARTED = time.monotonic()
log = logging.getLogger(__name__)


@dataclass
class RoundReport:
    pushed: int = 0
    duplicates: int = 0
    quarantined: int = 0
    gaps: int = 0
    pulled: int = 0
    pages: int = 0
    full_download: bool = False
    changed: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    outbox: int = 0
    recovered: int = 0  # own events fetched back after a restore
    renumbered: int = 0  # own events numbered after them (a forked log)
    platform_held: int = 0  # the platform's count of this kiosk's events, from pulls
    pulled_held: int | None = None  # the same from this round's first page (None: not told)
    photos: int = 0  # item photos sent or removed (sync.photos)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def push_outbox(k: Kiosk, client: SyncClient, report: RoundReport, batch: int = BATCH) -> None:
    """Send events until the platform holds them all.

    Events the platform refused one by one (quarantined, named in its answer)
    are recorded for staff; their sequence numbers count as received, so the
    events after them still go. A batch too large for the platform is sent
    in smaller ones.
    """
    stalls = 0
    while True:
        events = syncstate.outbox(k, batch)
        if not events:
            return
        try:
            answer = client.push(k.kiosk_id, events)
        except TooLarge:
            if batch == 1:
                raise
            batch = max(1, batch // 2)
            continue
        refused = answer.get("quarantined") or []
        if refused:
            report.quarantined += syncstate.record_refused(k, refused, to_iso(k.clock()))
        before = syncstate.acked_seq(k)
        try:
            syncstate.acknowledge(k, int(answer["held"]))
        except syncstate.ForkError as exc:
            raise Forked(FORKED, str(exc)) from exc
        report.pushed += int(answer.get("accepted", 0))
        report.duplicates += int(answer.get("duplicates", 0))
        if answer.get("status") == "gap":
            report.gaps += 1
        if int(answer["held"]) <= before:
            stalls += 1
            if stalls > 3:  # the platform keeps answering without taking anything
                raise SyncError(SERVER, f"no progress past seq {before}")
        else:
            stalls = 0


OnApplied = Callable[[syncstate.ApplyReport], None]


def pull_changes(k: Kiosk, client: SyncClient, report: RoundReport, page: int = PAGE,
                 on_applied: OnApplied | None = None) -> None:
    """Apply pages until the platform has nothing newer; re-download all on an
    expired cursor. ``on_applied`` hears of every page that changed something."""
    cursor = syncstate.cursor(k)
    if cursor is not None:
        try:
            while True:
                answer = client.pull(cursor, page)
                _keep_member_block(k, answer, report)
                _apply(k, report, answer["rows"], answer["cursor"], answer.get("server_hlc"),
                       on_applied=on_applied)
                cursor = answer["cursor"]
                if not answer["more"]:
                    return
        except CursorExpired:
            pass
    # First sync or an expired cursor: the whole site, applied in one transaction.
    report.full_download = True
    rows: list[dict[str, Any]] = []
    cursor, hlc = None, None
    while True:
        answer = client.pull(cursor, page)
        _keep_member_block(k, answer, report)
        rows += answer["rows"]
        cursor, hlc = answer["cursor"], answer.get("server_hlc")
        report.pages += 1
        if not answer["more"]:
            break
    _apply(k, report, rows, cursor, hlc, full=True, count_page=False, on_applied=on_applied)


def _keep_member_block(k: Kiosk, answer: dict[str, Any], report: RoundReport | None = None) -> None:
    held = answer.get("held")
    if report is not None and isinstance(held, int):
        report.platform_held = max(report.platform_held, held)
        if report.pulled_held is None:
            report.pulled_held = held
    block = answer.get("member_block")
    if isinstance(block, int) and block > 0 and syncstate.set_member_block(k, block):
        log.info("membership numbers from now on in block %d", block)


def _apply(k: Kiosk, report: RoundReport, rows: list[dict[str, Any]], cursor: str,
           server_hlc: str | None, full: bool = False, count_page: bool = True,
           on_applied: OnApplied | None = None) -> None:
    if count_page:
        report.pages += 1
    if not rows and not full and cursor == syncstate.cursor(k):
        return
    try:
        applied = syncstate.apply_page(k, rows, cursor, server_hlc, full=full)
    except syncstate.BadPage as exc:
        raise SyncRefused(INVALID, str(exc), reason=str(exc)[:200]) from exc
    if applied.any_change and on_applied is not None:
        on_applied(applied)
    report.pulled += applied.rows
    report.conflicts += len(applied.conflicts)
    for kind, n in applied.changed.items():
        report.changed[kind] = report.changed.get(kind, 0) + n


def _recover(k: Kiosk, client: SyncClient, report: RoundReport) -> None:
    record = recover(k, client)
    report.recovered += int(record["fetched"])
    report.renumbered += int(record["renumbered"])


#: what the heartbeat takes from ``health()`` besides the devices (sync.protocol.Heartbeat)
HEALTH_EXTRA = ("last_error", "last_error_at", "crashes_24h", "disk_free_mb")


def sync_round(k: Kiosk, client: SyncClient, *, health: Callable[[], dict[str, Any]] | None = None,
               heartbeat: bool = True, on_applied: OnApplied | None = None,
               batch: int = BATCH, page: int = PAGE) -> RoundReport:
    """Push, pull and (with ``heartbeat``) report health. Raises SyncError;
    what was done stays done."""
    report = RoundReport()
    if recovery.pending(k):  # restored from a backup: take back what was sent since
        _recover(k, client, report)
    try:
        push_outbox(k, client, report, batch)
    except Forked:
        # The platform holds events this kiosk lost (restored from a backup):
        # take them back, keep the kiosk's own later ones after them, push again.
        _recover(k, client, report)
        push_outbox(k, client, report, batch)
    pull_changes(k, client, report, page, on_applied)
    if report.platform_held > recovery.local_head(k)[1]:
        _recover(k, client, report)  # restored behind the platform without a word (a copied file)
    elif report.pulled_held is not None and report.pulled_held < syncstate.acked_seq(k):
        # The platform holds fewer of this kiosk's events than it once acknowledged: it
        # was restored from a backup. Send again what it lost (nothing else will).
        syncstate.acknowledge(k, report.pulled_held)
        push_outbox(k, client, report, batch)
    if report.changed or report.pulled or report.recovered:
        # Applying pages records events (reservations taken on): send them now so
        # the platform stops treating those reservations as mere requests.
        push_outbox(k, client, report, batch)
    report.photos = send_photos(k, client)  # after the push: the platform knows the items by now
    now = to_iso(k.clock())
    syncstate.mark_success(k, now)
    report.outbox = syncstate.outbox_depth(k)
    if heartbeat:
        beat = {"version": __version__, "uptime_s": round(time.monotonic() - _STARTED, 1),
                "camera": "unknown", "printer": "unknown", "outbox_depth": report.outbox,
                "last_sync": now}
        if health is not None:
            told = health()
            beat.update({key: str(v) for key, v in told.items() if key in ("camera", "printer")})
            beat.update({key: v for key, v in told.items() if key in HEALTH_EXTRA and v is not None})
        client.heartbeat(beat)
    return report
