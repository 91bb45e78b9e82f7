"""The one way the UI does background work (DESIGN.md section 4).

``run_task(func, on_done, on_error)`` runs ``func()`` on a single worker
thread and delivers its result (or exception) back on the GUI thread through a
queued Qt signal. One worker thread serialises all database work, which suits
SQLite (one writer) and keeps results in the order the resident caused them.

Widgets are never touched from the worker: ``func`` must only call services
and return plain values; ``on_done`` and ``on_error`` run on the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues the call over."""

    finished = Signal(int, bool, object)
    #: emitted (on the GUI thread) whenever no task is queued or running
    idle = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.callbacks: dict[int, tuple[Done | None, Failed | None]] = {}
        self.finished.connect(self._deliver)

    @Slot(int, bool, object)
    def _deliver(self, task_id: int, ok: bool, value: object) -> None:
        on_done, on_error = self.callbacks.pop(task_id, (None, None))
        try:
            if ok:
                if on_done is not None:
                    on_done(value)
            elif on_error is not None:
                on_error(value)  # type: ignore[arg-type]
            else:
                log.error("background task failed with nobody to tell: %r", value)
        finally:
            if not self.callbacks:
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
    """A single-thread pool plus the relay that brings results home."""

    def __init__(self) -> None:
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(1)
        self.pool.setExpiryTimeout(-1)  # keep the thread warm: no start-up cost per scan
        self.relay = _Relay()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def run(self, func: Callable[[], Any], on_done: Done | None = None,
            on_error: Failed | None = None) -> int:
        with self._lock:
            task_id = next(self._ids)
        self.relay.callbacks[task_id] = (on_done, on_error)
        self.pool.start(_Job(self.relay, task_id, func))
        return task_id

    @property
    def busy(self) -> bool:
        return bool(self.relay.callbacks)

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


_runner: TaskRunner | None = None


def runner() -> TaskRunner:
    """The process-wide task runner (created on first use, on the GUI thread)."""
    global _runner
    if _runner is None:
        _runner = TaskRunner()
    return _runner


def run_task(func: Callable[[], Any], on_done: Done | None = None,
             on_error: Failed | None = None) -> int:
    """Run ``func`` in the background; call ``on_done(result)`` or ``on_error(exc)`` on the GUI thread."""
    return runner().run(func, on_done, on_error)
