"""The kiosk's sync worker: its own thread, its own database sessions, no Qt.

It runs a sync round every ``interval_s`` (or at once when :meth:`trigger`
is called), and after a failure waits with exponential backoff and jitter so
that hundreds of kiosks coming back online do not hit the platform together.
The UI polls :meth:`status` (a copied snapshot, safe from any thread).

Give the worker its own :class:`~kiosk.services.core.Kiosk` opened on the same
data folder (``open_kiosk(data_dir)``): its own engine and
connections, so nothing is shared with the GUI thread but the SQLite file
(WAL mode lets both work at once) and the settings cache that every kiosk
object on that file shares: a setting the worker writes drops it, so the
screen reads the new value without being told. ``on_change`` is called from
the worker thread with each applied page that changed something (for a caller
that wants to react to the change itself).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from kiosk.clock import to_iso, utcnow
from kiosk.i18n import N_, Message
from kiosk.services import syncstate
from sync.client import SyncClient, SyncError
from sync.round import RoundReport, sync_round

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

log = logging.getLogger(__name__)
UNEXPECTED = N_("Sync failed unexpectedly; the details are in the log.")


SHOWN_REFUSALS = 5


@dataclass(frozen=True)
class SyncStatus:
    state: str = "idle"  # idle | syncing | retrying | refused | stopped
    last_success: str | None = None
    last_attempt: str | None = None
    last_error: Message | None = None
    failures: int = 0
    queue_depth: int = 0
    next_attempt_s: float | None = None
    last_report: RoundReport | None = None
    #: events the platform quarantined (the latest few), each naming the event and why
    refused: tuple[Message, ...] = ()
    refused_count: int = 0

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        return {"state": self.state, "last_success": self.last_success,
                "last_attempt": self.last_attempt,
                "last_error": self.last_error.render(lang) if self.last_error else None,
                "failures": self.failures, "queue_depth": self.queue_depth,
                "next_attempt_s": self.next_attempt_s,
                "last_report": self.last_report.to_json() if self.last_report else None,
                "refused": [m.render(lang) for m in self.refused], "refused_count": self.refused_count}


def backoff_delay(failures: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random."""
    ceiling = min(cap, base * (2.0 ** max(0, failures - 1)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


class SyncWorker(threading.Thread):
    """Background sync for one kiosk."""

    def __init__(self, kiosk: Kiosk, client_factory: Callable[[], SyncClient], *,
                 interval_s: float = 60.0, backoff_base_s: float = 2.0, backoff_cap_s: float = 600.0,
                 heartbeat_s: float = 300.0,
                 health: Callable[[], dict[str, Any]] | None = None,
                 on_change: Callable[[syncstate.ApplyReport], None] | None = None,
                 rng: random.Random | None = None) -> None:
        super().__init__(name="nanum-sync", daemon=True)
        self.kiosk = kiosk
        self.client_factory = client_factory
        self.interval_s = interval_s
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.health = health
        self.on_change = on_change
        self.heartbeat_s = heartbeat_s
        self._last_beat = float("-inf")
        self._beat_due = threading.Event()
        self.rng = rng or random.Random()
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._status = SyncStatus()
        self.rounds = 0

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)

    def trigger(self) -> None:
        """Sync now (e.g. right after a loan), without waiting for the interval."""
        self._wake.set()

    def beat_soon(self) -> None:
        """Send a heartbeat with the next round, now (e.g. a device's state changed):
        the fleet view learns of a lost camera without waiting for the heartbeat interval."""
        self._beat_due.set()
        self._wake.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._halt.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout)
        self._set(state="stopped", next_attempt_s=None)

    def run_once(self) -> RoundReport:
        """One round in the caller's thread (also what the thread does each time)."""
        before = self.status()
        self._set(state="syncing", last_attempt=to_iso(utcnow()))
        due = self._beat_due.is_set()
        self._beat_due.clear()  # a change from now on asks for another beat
        # after a failed round, the first good one tells the platform's fleet view what failed
        beat = due or before.last_error is not None or time.monotonic() - self._last_beat >= self.heartbeat_s
        client = self.client_factory()
        try:
            report = sync_round(self.kiosk, client, health=self._health_after(before), heartbeat=beat,
                                on_applied=self.on_change)
        except BaseException:
            if due:
                self._beat_due.set()  # still owed: the next round sends it
            raise
        finally:
            client.close()
            self._show_refused()
        if beat:
            self._last_beat = time.monotonic()
        return report

    def _health_after(self, before: SyncStatus) -> Callable[[], dict[str, Any]]:
        """``health()`` plus the error of the last failed round, if any (a heartbeat goes
        only with a round that worked, so the error is told once the kiosk is back)."""
        def told() -> dict[str, Any]:
            out = dict(self.health() if self.health is not None else {})
            if before.last_error is not None:
                out.update(last_error=before.last_error.render("ko")[:300], last_error_at=before.last_attempt)
            return out
        return told

    def run(self) -> None:
        failures = 0
        while not self._halt.is_set():
            try:
                report = self.run_once()
                failures = 0
                delay = self.interval_s
                self._set(state="idle", last_success=to_iso(utcnow()), last_error=None, failures=0,
                          queue_depth=report.outbox, last_report=report, next_attempt_s=delay)
            except SyncError as exc:
                failures += 1
                if exc.transient:
                    delay = backoff_delay(failures, self.backoff_base_s, self.backoff_cap_s, self.rng)
                    state = "retrying"
                else:
                    # A refusal (credential, fork, a malformed batch) needs a person:
                    # shown to staff, tried again only at the longest interval or when nudged.
                    delay, state = self.backoff_cap_s, "refused"
                log.info("sync failed (%d in a row), retry in %.1f s: %s", failures, delay, exc)
                self._set(state=state, last_error=exc.message, failures=failures,
                          next_attempt_s=delay, queue_depth=self._depth())
            except Exception:  # a bug: log it with its traceback, keep the kiosk running
                failures += 1
                delay = backoff_delay(failures, self.backoff_base_s, self.backoff_cap_s, self.rng)
                log.exception("sync round crashed")
                self._set(state="retrying", last_error=Message(UNEXPECTED), failures=failures,
                          next_attempt_s=delay, queue_depth=self._depth())
            self.rounds += 1
            self._wake.wait(delay)
            self._wake.clear()

    def _show_refused(self) -> None:
        """Put the events the platform quarantined in the status staff see."""
        try:
            refused = syncstate.refused(self.kiosk)
        except Exception:  # storage trouble must not kill the worker
            log.exception("cannot read the refused events")
            return
        self._set(refused=tuple(syncstate.refusal_message(e) for e in refused[-SHOWN_REFUSALS:]),
                  refused_count=len(refused))

    def _depth(self) -> int:
        try:
            return syncstate.outbox_depth(self.kiosk)
        except Exception:  # storage trouble must not kill the worker
            log.exception("cannot read the outbox depth")
            return self._status.queue_depth
