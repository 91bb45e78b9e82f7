"""The running kiosk tells the platform how its camera and its printer are.

``nanum run`` is started as an installed kiosk is (its own process, a config
file, sync set up) on the virtual camera with a printer queue that does not
exist; the platform's stored heartbeat must say so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sync.hub.models import Kiosk

ROOT = Path(__file__).resolve().parents[2]


def _beat(platform, kiosk_id: str) -> dict:
    with platform.session() as s:
        row = s.get(Kiosk, kiosk_id)
        return dict(row.heartbeat or {}) if row is not None else {}


def test_the_heartbeat_carries_the_camera_and_the_printer_the_window_sees(platform, tmp_path):
    from kiosk.services import open_kiosk

    kiosk_id = "GN01-dev"
    credential = platform.credential(kiosk_id, "GN01")
    data = tmp_path / "kiosk"
    k = open_kiosk(data)
    k.initialise("GN01", "GN01 나눔센터", kiosk_id=kiosk_id)
    with k.transaction() as s:
        k.set_setting(s, "printer", "lp:no-such-queue")  # configured, but not there
    k.close()
    (tmp_path / "credential.txt").write_text(credential + "\n")
    config = tmp_path / "config.toml"
    config.write_text("")
    env = dict(os.environ, NANUM_CONFIG=str(config), NANUM_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(ROOT))
    nanum = [sys.executable, "-m", "kiosk.cli"]
    subprocess.run([*nanum, "sync", "configure", "--url", platform.url, "--kiosk-id", kiosk_id,
                    "--credential-file", str(tmp_path / "credential.txt"), "--allow-insecure-http"],
                   env=env, cwd=tmp_path, check=True, capture_output=True, timeout=120)

    proc = subprocess.Popen([*nanum, "run", "--windowed", "--camera", "virtual"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        beat = _beat(platform, kiosk_id)
        while (beat.get("camera"), beat.get("printer")) != ("ok", "missing"):
            assert proc.poll() is None, proc.stderr.read().decode(errors="replace")[-3000:]
            assert time.monotonic() < deadline, f"the platform still has {beat}"
            time.sleep(0.2)  # polling the platform's database for the kiosk's next round
            beat = _beat(platform, kiosk_id)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    assert beat["version"] and beat["outbox_depth"] == 0

    # The city's statistics show the same.
    stats = subprocess.run([*nanum, "--json", "hub", "stats", "--db", platform.db_url()], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    (seen,) = [row for row in json.loads(stats.stdout)["kiosks"] if row["kiosk_id"] == kiosk_id]
    assert seen["heartbeat"]["camera"] == "ok" and seen["heartbeat"]["printer"] == "missing"
