"""The fleet heartbeat: built from the database and the device states, in the
shape the platform's heartbeat endpoint accepts."""

import datetime as dt

from kiosk import __version__
from kiosk.health import heartbeat
from kiosk.services import syncstate


def test_heartbeat_reports_version_uptime_devices_outbox_and_last_sync(make_kiosk, tmp_path):
    k, clock = make_kiosk()
    k.catalogue.add_item("T-00001", "드릴")
    beat = heartbeat(k, camera="ok", printer="missing", uptime_s=3600.04, data_dir=tmp_path)
    assert beat["version"] == __version__ and beat["uptime_s"] == 3600.0
    assert beat["camera"] == "ok" and beat["printer"] == "missing"
    assert beat["outbox_depth"] == 2 == beat["head_seq"]  # set-up and the new item, nothing sent yet
    assert beat["last_sync"] is None and beat["acked_seq"] == 0
    assert beat["kiosk_id"] == "GN01-test" and beat["site"] == "GN01"
    assert beat["crashes_24h"] == 0 and beat["disk_free_mb"] > 0

    with k.transaction() as s:
        k.set_setting(s, syncstate.ACKED, 1)
    syncstate.mark_success(k, "2026-03-10T01:05:00.000000Z")
    beat = heartbeat(k, camera="sideways")
    assert beat["outbox_depth"] == 1 and beat["acked_seq"] == 1
    assert beat["last_sync"] == "2026-03-10T01:05:00.000000Z"
    assert beat["camera"] == "unknown"  # only known states go out
    assert "crashes_24h" not in beat


def test_heartbeat_counts_recent_crash_files(make_kiosk, tmp_path):
    import os

    k, clock = make_kiosk(now=dt.datetime.now(dt.UTC))
    crashes = tmp_path / "crashes"
    crashes.mkdir()
    (crashes / "crash-new.txt").write_text("x")
    old = crashes / "crash-old.txt"
    old.write_text("x")
    two_days = (clock.now - dt.timedelta(days=2)).timestamp()
    os.utime(old, (two_days, two_days))
    assert heartbeat(k, data_dir=tmp_path)["crashes_24h"] == 1


def test_heartbeat_is_accepted_by_the_platform_protocol(make_kiosk):
    from sync.protocol import Heartbeat

    k, _clock = make_kiosk()
    beat = heartbeat(k, camera="ok", printer="none", last_error="x" * 500)
    model = Heartbeat.model_validate(beat)
    assert model.outbox_depth == 1 and model.camera == "ok" and len(model.last_error) == 300
