"""The resident UI: cold start, scan-to-screen latency and memory.

    .venv/bin/python bench/ui.py            # 5 cold starts, 40 scans
    .venv/bin/python bench/ui.py --quick    # 2 cold starts, 12 scans

Runs offscreen (``QT_QPA_PLATFORM=offscreen``) on a demo centre.

- cold start: a new process from launch until the kiosk window's first paint
  (Python start, imports, database open, window build, first frame drawn);
- scan-to-screen: a label is presented at the virtual camera (30 fps, the
  production scan path: capture thread, decoder worker, the UI's background
  helper and a database transaction) until its row is painted in the borrow
  list;
- memory: resident set size of the process after the scans.
Goals: cold start <= 1.5 s, scan-to-screen p95 <= 50 ms, memory <= 250 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The order of ``nanum run``: the services, then the ui wing (which loads Qt).
CHILD = r"""
import sys
from kiosk.services import open_kiosk
from ui.app import build_window
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("PAINTED", flush=True)
            app.exit(0)
        return False

app = QApplication([])
k = open_kiosk(sys.argv[1])
w = build_window(k, camera_spec="virtual", open_camera=True)
w.resize(1920, 1080)
watcher = FirstPaint()
w.installEventFilter(watcher)
w.show()
w.bridge.start()
app.exec()
w.bridge.stop()
"""


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def demo_centre(folder: Path):
    from kiosk.demo import load_demo_data
    from kiosk.services import open_kiosk

    k = open_kiosk(folder)
    k.initialise("DEMO", "나눔 데모 센터", kiosk_id="DEMO-bench")
    load_demo_data(k)
    return k


def cold_starts(folder: Path, runs: int) -> list[float]:
    times = []
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(folder)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env, text=True)
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - t0
        proc.wait(timeout=60)
        if line.strip() != "PAINTED":
            raise SystemExit("the kiosk did not paint its first screen")
        times.append(elapsed)
    return times


def scan_latency(k, scans: int) -> tuple[list[float], list[float], float]:
    # The ui wing first, as ``nanum run`` loads it (it sets up Qt's import hook).
    from ui.app import build_window
    from ui.widgets.item_row import ItemRow

    # isort: split
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from hardware.frames import VirtualCamera
    from hardware.scanning import ScanService
    from kiosk.codes import item_label_payload

    app = QApplication.instance() or QApplication([])
    w = build_window(k, open_camera=False)
    bridge = w.bridge
    # What ScanBridge.open does, with the frame rate of a real USB camera.
    bridge.source = VirtualCamera(fps=30)
    bridge.service = ScanService(bridge.source, on_code=bridge._on_code, on_status=bridge._on_status,
                                 base_url=k.base_url)
    # When the first frame showing the presented label leaves the camera: the
    # moment a real camera would hand it over (the virtual camera spends ~12 ms
    # drawing each frame, which a real camera does not).
    captured: dict[str, float] = {}
    source_read = bridge.source.read

    def read_and_note():
        frame = source_read()
        shown = bridge.source.shown  # what this frame shows, not what was presented meanwhile
        if frame is not None and shown and shown not in captured:
            captured[shown] = time.perf_counter()
        return frame

    bridge.source.read = read_and_note
    w.resize(1920, 1080)
    w.show()
    bridge.start()

    painted: dict[str, float] = {}

    class RowPaints(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and isinstance(obj, ItemRow):
                painted.setdefault(obj.code, time.perf_counter())
            return False

    watcher = RowPaints()
    app.installEventFilter(watcher)

    def wait(cond, timeout=10.0):
        end = time.perf_counter() + timeout
        while not cond():
            if time.perf_counter() > end:
                raise SystemExit("timed out waiting for the kiosk")
            app.processEvents()
            time.sleep(0.0005)

    cards = [c["card"] for c in k.setting("demo_cards", [])]
    available = [v.code for v in k.catalogue.list(status="available") if v.home_site == k.site]
    latencies, from_present = [], []
    member_index = 0
    done = 0
    while done < scans:
        # a new resident every few items keeps within the lending limits
        w.end_session()
        w.go("borrow")
        w.handle_scan(cards[member_index % len(cards)])
        member_index += 1
        wait(lambda: getattr(w.session, "member", None) is not None)
        for _ in range(3):
            if done >= scans or not available:
                break
            code = available.pop(0)
            bridge._clear.stop()
            payload = item_label_payload(code, k.base_url)
            t0 = time.perf_counter()
            bridge.source.present(payload)
            wait(lambda code=code: code in painted)
            latencies.append((painted[code] - captured[payload]) * 1000)
            from_present.append((painted[code] - t0) * 1000)
            bridge.source.clear()
            time.sleep(0.6)  # the label leaves the view before the next one comes
            app.processEvents()
            done += 1
    memory = rss_mb()
    bridge.stop()
    w.close()
    return latencies, from_present, memory


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--make-centre", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.make_centre:
        demo_centre(Path(args.make_centre)).close()
        return 0
    runs, scans = (2, 12) if args.quick else (5, 40)
    with tempfile.TemporaryDirectory(prefix="nanum-ui-bench-") as tmp:
        # Built in another process, like a kiosk that was set up once: this
        # process then opens it as a started kiosk does (no migration code loaded).
        subprocess.run([sys.executable, __file__, "--make-centre", tmp], check=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
        starts = cold_starts(Path(tmp), runs)
        from kiosk.services import open_kiosk

        k = open_kiosk(tmp)
        latencies, from_present, memory = scan_latency(k, scans)
        k.close()
    print(f"cold start to first paint  n={len(starts)}  median {statistics.median(starts):.2f} s  "
          f"max {max(starts):.2f} s   (goal <= 1.5 s)")
    print(f"scan-to-screen  n={len(latencies)}  p50 {statistics.median(latencies):.1f} ms  "
          f"p95 {pct(latencies, 95):.1f} ms   (goal p95 <= 50 ms; from the frame leaving the camera)")
    print(f"  counted from present() (adds the wait for the next 30 fps frame and drawing it): "
          f"p50 {statistics.median(from_present):.1f} ms  p95 {pct(from_present, 95):.1f} ms")
    print(f"resident memory after the scans  {memory:.0f} MB   (goal <= 250 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
