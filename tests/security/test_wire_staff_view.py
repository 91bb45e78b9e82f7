"""Staff see an event the platform refused, named, on the real staff dashboard."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from kiosk.services import syncstate
from kiosk.services.staff import Staff
from sync.client import SyncClient
from sync.worker import SyncWorker


def test_the_staff_dashboard_names_each_refused_event(platform, window, ui, demo):
    cred = platform.credential(demo.kiosk_id, demo.site)
    with demo.transaction() as s:  # what an older kiosk let through: a name no column holds
        bad = demo.record(s, "item.added", {"item": "T-00900", "name_ko": "긴" * 300})
    worker = SyncWorker(demo, lambda: SyncClient(platform.url, cred))
    worker.run_once()
    assert syncstate.outbox_depth(demo) == 0 and len(syncstate.refused(demo)) == 1, [e["detail"] for e in syncstate.refused(demo)]
    window.sync_status = lambda: worker.status().to_json("en")

    Staff(demo).create_first_manager("김관리", "2580")
    mode = ui.enter_staff_mode()
    assert mode.current.name == "dashboard"
    label = mode.current.findChild(QLabel, "SyncState")
    ui.qtbot.waitUntil(lambda: f"Event {bad.seq} (item.added)" in label.text(), timeout=5000)
    assert "name_ko" in label.text() and label.isVisible()
