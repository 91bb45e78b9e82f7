"""The one way the UI does background work (DESIGN.md section 4).

``runner().run(func, on_done, on_error, scope=..., slow=...)`` runs ``func()``
off the GUI thread and delivers its result (or exception) back on the GUI
thread through a queued Qt signal.

Two lanes, so nothing slow can delay a scan:

* the **database lane**, one thread: every service call goes here. One thread
  serialises the database work, which suits SQLite (one writer) and keeps
  results in the order the resident caused them;
* the **slow lane**, a small pool: printing (``lp`` may wait 20 s for a
  printer that does not answer), PDF rendering and photos. Slow work never
  touches the database; a job that needs both runs its database part on the
  database lane and starts the slow part from its ``on_done``.

Stale results are dropped one way: every task belongs to a :class:`Scope`
(a resident session, an open dialog, staff mode). A result is delivered only
while its scope is the one the task started in: not closed, not renewed
since (the session ended, staff mode closed, the dialog was answered) and its
widget not deleted. A dropped result is simply not delivered; nobody is told.

Widgets are never touched from a worker: ``func`` must only call services
and return plain values; ``on_done`` and ``on_error`` run on the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]

#: threads of the slow lane: a receipt and a report can print side by side
SLOW_THREADS = 2


class Scope:
    """What background results belong to; they are delivered only while it is unchanged.

    ``renew()`` drops what is still on its way and keeps accepting new work
    (a resident session that ended: the next one starts at once);
    ``close()`` drops everything, now and later (a dialog answered, staff
    mode closed). With a ``widget``, results are also dropped once that
    widget has been deleted.
    """

    def __init__(self, widget: QObject | None = None) -> None:
        self._epoch = 0
        self._closed = False
        self._widget = widget

    def ticket(self) -> int:
        """What a task started now remembers of its scope."""
        return self._epoch

    def renew(self) -> None:
        """Everything started so far is superseded."""
        self._epoch += 1

    def close(self) -> None:
        """Nothing started before or after this is delivered."""
        self._closed = True
        self._epoch += 1

    @property
    def closed(self) -> bool:
        return self._closed

    def current(self, ticket: int) -> bool:
        """Whether a task holding ``ticket`` may still deliver its result."""
        if self._closed or ticket != self._epoch:
            return False
        return self._widget is None or shiboken6.isValid(self._widget)


@dataclass
class _Pending:
    on_done: Done | None
    on_error: Failed | None
    scope: Scope | None
    ticket: int


class _Relay(QObject):
    """Lives on the GUI thread; the workers emit, Qt queues the call over."""

    finished = Signal(int, bool, object)
    #: emitted (on the GUI thread) whenever no task is queued or running
    idle = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[int, _Pending] = {}
        self.dropped = 0  # results whose scope had moved on (tests read it)
        self.finished.connect(self._deliver)

    @Slot(int, bool, object)
    def _deliver(self, task_id: int, ok: bool, value: object) -> None:
        task = self.pending.pop(task_id, None)
        try:
            if task is None:
                return
            if task.scope is not None and not task.scope.current(task.ticket):
                self.dropped += 1
                return
            if ok:
                if task.on_done is not None:
                    task.on_done(value)
            elif task.on_error is not None:
                task.on_error(value)  # type: ignore[arg-type]
            else:
                log.error("background task failed with nobody to tell: %r", value)
        finally:
            if not self.pending:
                self.idle.emit()


class _Job(QRunnable):
    def __init__(self, relay: _Relay, task_id: int, func: Callable[[], Any]) -> None:
        super().__init__()
        self.relay, self.task_id, self.func = relay, task_id, func
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            value = self.func()
        except BaseException as exc:  # delivered to on_error on the GUI thread
            if not _expected(exc):
                log.error("background task raised:\n%s", "".join(traceback.format_exception(exc)))
            self.relay.finished.emit(self.task_id, False, exc)
        else:
            self.relay.finished.emit(self.task_id, True, value)


def _expected(exc: BaseException) -> bool:
    from kiosk.errors import KioskError

    return isinstance(exc, KioskError)


class TaskRunner:
    """The database lane, the slow lane and the relay that brings results home."""

    def __init__(self, slow_threads: int = SLOW_THREADS) -> None:
        self.pool = QThreadPool()  # the database lane
        self.pool.setMaxThreadCount(1)
        self.pool.setExpiryTimeout(-1)  # keep the thread warm: no start-up cost per scan
        self.slow_pool = QThreadPool()
        self.slow_pool.setMaxThreadCount(slow_threads)
        self.relay = _Relay()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def run(self, func: Callable[[], Any], on_done: Done | None = None,
            on_error: Failed | None = None, *, scope: Scope | None = None, slow: bool = False) -> int:
        """Run ``func`` in the background; ``on_done(result)`` or ``on_error(exc)`` follow on the GUI thread.

        ``slow`` puts it on the slow lane (printing, PDFs, photos: never the
        database). With a ``scope`` the result is dropped once the scope has
        moved on.
        """
        with self._lock:
            task_id = next(self._ids)
        ticket = scope.ticket() if scope is not None else 0
        self.relay.pending[task_id] = _Pending(on_done, on_error, scope, ticket)
        (self.slow_pool if slow else self.pool).start(_Job(self.relay, task_id, func))
        return task_id

    @property
    def busy(self) -> bool:
        return bool(self.relay.pending)

    @property
    def dropped(self) -> int:
        """How many results were dropped because their scope had moved on."""
        return self.relay.dropped

    def wait(self, timeout_s: float = 10.0) -> bool:
        """Block until every queued task ran and its callback was delivered.

        For tests, benchmarks and shutdown only: it spins the event loop.
        """
        from PySide6.QtCore import QCoreApplication

        deadline = time.monotonic() + timeout_s
        while self.busy:
            if time.monotonic() > deadline:
                return False
            self.pool.waitForDone(5)
            QCoreApplication.processEvents()
        return True

    def shutdown(self) -> None:
        self.pool.waitForDone(5000)
        self.slow_pool.waitForDone(5000)


_runner: TaskRunner | None = None


def runner() -> TaskRunner:
    """The process-wide task runner (created on first use, on the GUI thread)."""
    global _runner
    if _runner is None:
        _runner = TaskRunner()
    return _runner


def run_task(func: Callable[[], Any], on_done: Done | None = None,
             on_error: Failed | None = None, *, scope: Scope | None = None, slow: bool = False) -> int:
    """Run ``func`` in the background; call ``on_done(result)`` or ``on_error(exc)`` on the GUI thread."""
    return runner().run(func, on_done, on_error, scope=scope, slow=slow)
