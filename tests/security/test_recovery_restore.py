"""A restore explains what the next sync does, and a recovery refuses events that
do not continue the kiosk's own chain (changing nothing)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from kiosk.i18n import translate
from kiosk.services import recovery
from kiosk.services.staff import Staff
from kiosk.store.models import Event
from sync.client import SyncRefused
from sync.hub.models import Event as HubEvent
from sync.round import sync_round

from platformkit import drain, stock

FETCH_NEXT_SYNC = "The kiosk will fetch what it had sent since this backup at its next sync."


@pytest.fixture
def mode(window, ui, demo):
    Staff(demo).create_first_manager("김관리", "2580")
    return ui.enter_staff_mode()


def test_a_staff_restore_of_a_synced_kiosk_says_the_next_sync_fetches_what_was_sent(window, ui, mode, demo):
    with demo.transaction() as s:
        demo.set_setting(s, "sync_url", "https://platform.example/")
    ui.tap("nav_settings")
    page = mode.current
    ui.tap("SettingsBackup")
    ui.tap("SettingsRestore")
    ui.tap("RestoreFile_0")
    ui.tap("ConfirmRestore_yes")
    assert page.banner.kind == "ok", page.banner.title.text()
    assert translate(FETCH_NEXT_SYNC, "ko") in page.banner.detail.text()
    assert recovery.pending(demo)


def test_a_restore_of_a_kiosk_that_never_synced_says_nothing_of_the_platform(window, ui, mode, demo):
    ui.tap("nav_settings")
    page = mode.current
    ui.tap("SettingsBackup")
    ui.tap("SettingsRestore")
    ui.tap("RestoreFile_0")
    ui.tap("ConfirmRestore_yes")
    assert page.banner.kind == "ok"
    assert translate(FETCH_NEXT_SYNC, "ko") not in page.banner.detail.text()
    assert not recovery.pending(demo)


def test_events_from_the_platform_that_break_the_chain_are_refused_and_change_nothing(platform, tmp_path):
    k, client, _clock = platform.kiosk("GN01", "GN01-a")
    codes, cards = stock(k, items=2, members=1)
    drain(k, client)
    backup = k.maintenance.backup(tmp_path / "b.sqlite3")
    assert k.circulation.checkout(cards[0], codes[:1]).outcomes[0].ok
    drain(k, client)
    with platform.session() as s:  # someone edits the platform's copy of the kiosk's loan
        s.execute(update(HubEvent).where(HubEvent.kiosk_id == k.kiosk_id,
                                         HubEvent.type == "loan.checked_out")
                  .values(payload=HubEvent.payload + " "))
    k.maintenance.restore(backup)
    with k.reading() as s:
        before = s.execute(select(Event.seq, Event.hash)).all()
    with pytest.raises(SyncRefused) as refused:
        sync_round(k, client)
    assert "do not fit its log" in str(refused.value.message.render("en"))
    with k.reading() as s:
        assert s.execute(select(Event.seq, Event.hash)).all() == before
    assert recovery.pending(k) and k.maintenance.verify_log().ok
