"""Unattended running: instance lock, crash files, watchdog protocol."""

import socket
import subprocess
import sys

import pytest

from kiosk.errors import BadInput
from kiosk.runtime import CrashReporter, InstanceLock, Watchdog, setup_logging


def test_second_instance_on_the_same_data_dir_is_refused(tmp_path):
    with InstanceLock(tmp_path):
        code = ("import sys; from kiosk.runtime import InstanceLock\n"
                "from kiosk.errors import BadInput\n"
                f"try:\n    InstanceLock({str(tmp_path)!r}).acquire()\n"
                "except BadInput as e:\n    print(e.render('en')); sys.exit(3)\n")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert proc.returncode == 3
        assert "already running" in proc.stdout
    # released: a new instance may start
    InstanceLock(tmp_path).acquire().release()


def test_lock_dies_with_its_process(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c",
                             f"from kiosk.runtime import InstanceLock; lock = InstanceLock({str(tmp_path)!r}).acquire();"
                             "print('locked', flush=True); import time; time.sleep(60)"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    with pytest.raises(BadInput):
        InstanceLock(tmp_path).acquire()
    proc.kill()
    proc.wait()
    InstanceLock(tmp_path).acquire().release()


def test_crash_reporter_writes_a_crash_file_and_calls_the_screen(tmp_path):
    shown = []
    rep = CrashReporter(tmp_path, on_crash=shown.append)
    rep.dir.mkdir(parents=True)
    try:
        raise RuntimeError("camera driver exploded")
    except RuntimeError as exc:
        rep.handle(type(exc), exc, exc.__traceback__)
    files = rep.crash_files()
    assert len(files) == 1 and shown == files
    assert "camera driver exploded" in files[0].read_text()


def test_uncaught_exception_in_a_process_leaves_a_crash_file(tmp_path):
    code = (f"from kiosk.runtime import CrashReporter; CrashReporter({str(tmp_path)!r}).install();"
            "raise ValueError('boom at start')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode != 0
    files = sorted((tmp_path / "crashes").glob("crash-*.txt"))
    assert files and "boom at start" in files[0].read_text()


def test_watchdog_speaks_sd_notify(tmp_path):
    path = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(path))
    server.settimeout(2)
    dog = Watchdog({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "20000000"})
    assert dog.enabled and dog.interval_s == 10
    assert dog.ready() and dog.feed()
    assert server.recv(100) == b"READY=1"
    assert server.recv(100) == b"WATCHDOG=1"
    server.close()
    assert not Watchdog({}).feed()


def test_log_file_is_size_capped(tmp_path):
    import logging

    path = setup_logging(tmp_path / "logs", max_bytes=2000, backups=2)
    lg = logging.getLogger("nanum.test")
    for i in range(500):
        lg.info("line %d %s", i, "x" * 50)
    files = list((tmp_path / "logs").glob("nanum.log*"))
    assert path.exists() and len(files) == 3
    assert all(f.stat().st_size <= 2200 for f in files)
    for h in list(logging.getLogger().handlers):
        if isinstance(h, logging.FileHandler):
            logging.getLogger().removeHandler(h)
            h.close()


def test_crash_reporter_gives_the_hooks_back(tmp_path):
    import threading

    before = (sys.excepthook, threading.excepthook)
    rep = CrashReporter(tmp_path).install()
    assert sys.excepthook == rep.handle
    rep.uninstall()
    assert (sys.excepthook, threading.excepthook) == before


def test_exception_in_a_worker_thread_leaves_a_crash_file(tmp_path):
    import threading

    rep = CrashReporter(tmp_path).install()
    try:
        t = threading.Thread(target=lambda: 1 / 0)
        t.start()
        t.join()
    finally:
        rep.uninstall()
    files = rep.crash_files()
    assert len(files) == 1 and "ZeroDivisionError" in files[0].read_text()


def test_ctrl_c_is_not_a_crash(tmp_path, capsys):
    rep = CrashReporter(tmp_path, on_crash=lambda p: pytest.fail("no crash screen for Ctrl+C"))
    rep.dir.mkdir(parents=True)
    rep.handle(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert rep.crash_files() == []


def test_logging_to_the_same_folder_twice_adds_one_handler(tmp_path):
    import logging

    root = logging.getLogger()
    try:
        setup_logging(tmp_path / "logs")
        setup_logging(tmp_path / "logs")
        handlers = [h for h in root.handlers if isinstance(h, logging.FileHandler)
                    and h.baseFilename == str(tmp_path / "logs" / "nanum.log")]
        assert len(handlers) == 1
    finally:
        for h in list(root.handlers):
            if isinstance(h, logging.FileHandler):
                root.removeHandler(h)
                h.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc tuning")
def test_freed_frame_buffers_go_back_to_the_system_when_a_session_ends():
    # In a fresh process. Once one frame-sized block is freed, glibc serves the
    # next ones from the heap, where a live block allocated after them keeps
    # them resident until the heap is trimmed.
    code = """
import numpy as np
from kiosk.runtime import limit_heap_growth, release_free_memory
assert limit_heap_growth()
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 // 2**20
warm = np.ones((720, 1280, 3), np.uint8)
del warm
base = rss()
keep = []
for _ in range(3):
    frames = [np.ones((720, 1280, 3), np.uint8) for _ in range(20)]  # 55 MB of frames
    keep.append(np.ones(20000))
    del frames
held = rss() - base
assert release_free_memory()
print(held, rss() - base)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    held, after = map(int, out.stdout.split())
    assert held > 40, held  # what glibc keeps on its own
    assert after < 10, after
