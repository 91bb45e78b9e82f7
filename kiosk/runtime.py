"""Running unattended for months: one instance per data folder, size-capped
logs, crash files, and the systemd watchdog.

Everything here is standard library only, so it also works in the frozen
bundle and in a bare self-test.
"""

from __future__ import annotations

import datetime as dt
import faulthandler
import logging
import logging.handlers
import os
import socket
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from kiosk.errors import BadInput

if TYPE_CHECKING:
    import ctypes

log = logging.getLogger(__name__)
LOCK_NAME = "kiosk.lock"
CRASH_DIR = "crashes"
#: the kiosk's folders and files are the nanum user's alone, whatever the umask:
#: they hold members' data, credentials and keys
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def _tighten(path: Path, mode: int) -> None:
    """Take group and other access away from a folder or file this user owns
    (made by an older version, or under a loose umask)."""
    st = path.stat()
    if st.st_mode & 0o077 and hasattr(os, "getuid") and st.st_uid == os.getuid():
        try:
            os.chmod(path, st.st_mode & mode & 0o7777)
        except PermissionError:  # a file system without modes (a FAT USB stick)
            pass


def private_dir(path: str | Path) -> Path:
    """The folder ``path`` (created with its parents as needed), for this user only (0700)."""
    path = Path(path)
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)  # mode applies to the last part
    _tighten(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: str | Path) -> Path:
    """The file ``path``, created empty with mode 0600 when missing (so e.g. SQLite, which
    gives a database's -wal and -shm files the database's mode, never makes a readable one)."""
    path = Path(path)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE_MODE))
    _tighten(path, PRIVATE_FILE_MODE)
    return path


def open_private(path: str | Path, mode: str = "a", encoding: str | None = "utf-8") -> IO[Any]:
    """``open(path, mode)`` for ``"a"``, ``"a+"`` or ``"w"``, creating the file 0600 from the start."""
    flags = {"a": os.O_WRONLY | os.O_APPEND, "a+": os.O_RDWR | os.O_APPEND,
             "w": os.O_WRONLY | os.O_TRUNC}[mode.replace("b", "")]
    fd = os.open(path, flags | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE_MODE)
    try:
        _tighten(Path(path), PRIVATE_FILE_MODE)
        return os.fdopen(fd, mode, encoding=None if "b" in mode else encoding)
    except BaseException:
        os.close(fd)
        raise


def write_private(path: str | Path, data: str | bytes) -> Path:
    """Replace ``path`` with ``data`` atomically; the file is 0600 from its first byte
    (written beside it under a temporary name, then renamed over it)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A size-capped log whose files (the current one and each new one after a
    rotation) are created 0600."""

    def _open(self):  # type: ignore[no-untyped-def]
        return open_private(self.baseFilename, "a", encoding=self.encoding)


class InstanceLock:
    """An exclusive lock on the data folder: a second kiosk on it refuses to start.

    The lock is an OS file lock (released by the kernel if the process dies),
    so a crash never leaves a stale lock behind.
    """

    def __init__(self, data_dir: str | Path) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self._fh: IO[str] | None = None

    def acquire(self) -> InstanceLock:
        private_dir(self.path.parent)
        fh = open_private(self.path, "a+")
        try:
            if sys.platform == "win32":  # pragma: no cover - Windows kiosks
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise BadInput("Another Nanum Kiosk is already running on {path}.",
                           path=str(self.path.parent)) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def setup_logging(log_dir: str | Path | None, level: str = "INFO",
                  max_bytes: int = 2_000_000, backups: int = 5) -> Path | None:
    """Log to stderr and, when ``log_dir`` is given, to a size-capped file."""
    root = logging.getLogger()
    root.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not any(isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
               for h in root.handlers):
        stream = logging.StreamHandler()
        stream.setFormatter(fmt)
        stream.setLevel(logging.WARNING)
        root.addHandler(stream)
    if log_dir is None:
        return None
    path = private_dir(log_dir)
    target = os.path.abspath(path / "nanum.log")
    if any(isinstance(h, logging.FileHandler) and h.baseFilename == target for h in root.handlers):
        return path / "nanum.log"  # already logging there: one handler, one cap
    handler = PrivateRotatingFileHandler(path / "nanum.log", maxBytes=max_bytes,
                                                   backupCount=backups, encoding="utf-8")
    handler.setFormatter(fmt)
    root.addHandler(handler)
    return path / "nanum.log"


_ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]
_ThreadHook = Callable[[threading.ExceptHookArgs], Any]


class CrashReporter:
    """Write a crash file (and the log) for any uncaught exception.

    ``on_crash`` lets the UI show a calm "please ask staff" screen; the
    service manager then restarts the app. faulthandler covers hard crashes
    in native code (Qt, OpenCV) that never reach Python's hook.
    """

    def __init__(self, data_dir: str | Path, on_crash: Callable[[Path], None] | None = None) -> None:
        self.dir = Path(data_dir) / CRASH_DIR
        self.on_crash = on_crash
        self._fault_file: IO[str] | None = None
        self._previous: tuple[_ExceptHook, _ThreadHook] | None = None

    def install(self) -> CrashReporter:
        private_dir(self.dir)
        self._fault_file = open_private(self.dir / "native-faults.txt", "a")
        faulthandler.enable(self._fault_file)
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.handle
        threading.excepthook = self._thread_hook
        return self

    def uninstall(self) -> None:
        """Give the hooks back (tests, and a kiosk that shuts down cleanly)."""
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None
        if self._fault_file is not None:
            faulthandler.disable()
            self._fault_file.close()
            self._fault_file = None

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    def handle(self, exc_type: type[BaseException], exc: BaseException | None,
               tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):  # Ctrl+C in development is no crash
            sys.__excepthook__(exc_type, exc if exc is not None else exc_type(), tb)
            return
        path = self.write(exc_type, exc, tb)
        log.critical("uncaught %s; crash file %s", exc_type.__name__, path,
                     exc_info=(exc_type, exc, tb))  # type: ignore[arg-type]
        if self.on_crash is not None:
            try:
                self.on_crash(path)
            except Exception:  # the crash screen itself must not crash the handler
                log.exception("crash screen failed")

    def write(self, exc_type: type[BaseException], exc: BaseException | None,
              tb: TracebackType | None) -> Path:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.dir / f"crash-{stamp}.txt"
        write_private(path, "".join(traceback.format_exception(exc_type, exc, tb)))
        return path

    def crash_files(self) -> list[Path]:
        return sorted(self.dir.glob("crash-*.txt"))


class Watchdog:
    """Feeds systemd's watchdog (sd_notify protocol) when run as a service.

    Without ``NOTIFY_SOCKET`` every call is a no-op, so the same code runs in
    development and tests.
    """

    def __init__(self, env: dict[str, str] | None = None) -> None:
        env = dict(os.environ if env is None else env)
        self.address = env.get("NOTIFY_SOCKET")
        usec = env.get("WATCHDOG_USEC")
        self.interval_s = int(usec) / 2_000_000 if usec and usec.isdigit() else None

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def notify(self, message: str) -> bool:
        if not self.address:
            return False
        addr = self.address
        if addr.startswith("@"):  # abstract namespace socket
            addr = "\0" + addr[1:]
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(addr)
                sock.sendall(message.encode())
            return True
        except OSError as exc:
            log.warning("watchdog notify failed: %s", exc)
            return False

    def ready(self) -> bool:
        return self.notify("READY=1")

    def feed(self) -> bool:
        return self.notify("WATCHDOG=1")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")


# glibc's mallopt parameter (malloc.h)
_M_ARENA_MAX = -8


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (None elsewhere: musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):
        return None
    return libc


def limit_heap_growth(arenas: int = 2) -> bool:
    """Two malloc heaps for the whole process instead of one per busy thread (glibc).

    The camera's capture and decoder threads and the database helper each
    allocate frame-sized buffers; with a heap per thread, each keeps its own
    high-water mark resident. Two heaps are plenty for the kiosk's few threads.
    """
    libc = _glibc()
    return libc is not None and libc.mallopt(_M_ARENA_MAX, arenas) == 1


def release_free_memory() -> bool:
    """Hand freed heap pages back to the system (glibc's ``malloc_trim``).

    Camera frames are a few megabytes each; once freed they stay in the heap,
    resident, until something returns them. The kiosk calls this when a
    resident's session ends, a quiet moment, so months of frames never add up.
    Returns whether anything was released.
    """
    libc = _glibc()
    return libc is not None and libc.malloc_trim(0) == 1
