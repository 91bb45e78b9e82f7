"""Crash survival: the watchdog is fed from the GUI thread, and an uncaught
exception leaves a crash file, shows the calm crash screen and restarts."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kiosk.runtime import Watchdog
from ui.crashscreen import BODY, EXIT_CODE, CrashScreen, KioskGuard

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(path))
    server.setblocking(False)
    yield server, str(path)
    server.close()


def _received(server) -> list[str]:
    out = []
    while True:
        try:
            out.append(server.recv(200).decode())
        except BlockingIOError:
            return out


def test_guard_reports_ready_and_feeds_the_watchdog_while_the_loop_runs(qtbot, tmp_path, notify_socket):
    server, path = notify_socket
    # WATCHDOG_USEC of 0.2 s: feeding every 0.1 s
    guard = KioskGuard(tmp_path, watchdog=Watchdog({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"}))
    guard.install()
    try:
        qtbot.wait(650)
        got = _received(server)
        assert got[0] == "READY=1"
        assert got.count("WATCHDOG=1") >= 4
        # A blocked GUI thread stops the feeding: that is what lets systemd restart a frozen kiosk.
        time.sleep(0.5)
        assert "WATCHDOG=1" not in _received(server)
    finally:
        guard.uninstall()


@pytest.mark.qt_no_exception_capture
def test_uncaught_exception_shows_crash_screen_writes_crash_file_and_restarts(qtbot, tmp_path, make_kiosk):
    from ui.app import build_window

    kiosk, _clock = make_kiosk()
    window = build_window(kiosk, open_camera=False, printer=None)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    guard = KioskGuard(tmp_path / "data", restart_after_ms=300, watchdog=Watchdog({}))
    guard.install()
    app = QApplication.instance()

    def boom():
        raise RuntimeError("scan handler exploded")

    QTimer.singleShot(0, boom)
    # A safety net, never the expected way out. Stopped afterwards: left pending,
    # it would end some later test's event loop.
    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(lambda: app.exit(-1))
    safety.start(5000)
    try:
        code = app.exec()
    finally:
        safety.stop()
        guard.uninstall()
    assert code == EXIT_CODE
    files = guard.reporter.crash_files()
    assert len(files) == 1 and "scan handler exploded" in files[0].read_text()
    screen = guard.screen
    assert screen is not None and screen.isVisible()
    assert not window.isEnabled()  # nothing under the crash screen stays touchable
    assert "staff" in screen.other.text() or "staff" in screen.body.text()
    assert files[0].stem.removeprefix("crash-")[:15] in screen.reference.text()  # e.g. 20260310T010203
    screen.close()


def test_crash_screen_speaks_the_session_language_with_english_beneath(qtbot):
    from kiosk.i18n import translate

    screen = CrashScreen("20260310T010000Z", lang="ko")
    qtbot.addWidget(screen)
    screen.resize(1920, 1080)
    assert screen.body.text() == translate(BODY, "ko")
    assert "Please ask a staff member" in screen.other.text()
    image = screen.grab().toImage()
    assert len({image.pixel(x, 540) for x in range(0, 1920, 40)}) > 1  # something is drawn


def test_nanum_run_feeds_systemd_and_refuses_a_second_instance(tmp_path, notify_socket):
    server, path = notify_socket
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NOTIFY_SOCKET=path, WATCHDOG_USEC="1000000",
               NANUM_CONFIG=str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").write_text("")
    data = tmp_path / "data"
    cmd = [sys.executable, "-m", "kiosk.cli", "--data-dir", str(data), "--lang", "en",
           "run", "--demo", "--windowed", "--camera", "virtual"]
    first = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        got: list[str] = []
        deadline = time.monotonic() + 60
        while got.count("WATCHDOG=1") < 2 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.1)
            got += _received(server)
        assert got and got[0] == "READY=1", first.stderr.read1().decode() if first.poll() else got
        assert got.count("WATCHDOG=1") >= 2
        second = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert "already running" in second.stderr
        assert (data / "logs" / "nanum.log").exists()
    finally:
        first.terminate()
        first.wait(timeout=20)
