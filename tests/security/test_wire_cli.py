"""``nanum sync status`` names each event the platform refused, and sync goes on past it."""

from __future__ import annotations

import json

import pytest

from platform_fixtures import nanum_in_env
from platformkit import Server


@pytest.fixture
def nanum(tmp_path, monkeypatch, capsys):
    return nanum_in_env(tmp_path, monkeypatch, capsys)


def test_sync_status_names_the_refused_event_and_later_events_arrive(nanum, tmp_path):
    from kiosk.services import open_kiosk
    from sync.hub import admin
    from sync.hub.app import create_app
    from sync.hub.db import Database
    from sync.hub.models import Item

    db = f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    assert nanum("hub", "init", "--db", db)[0] == 0
    assert nanum("hub", "add-site", "GN01", "강남 나눔센터", "--db", db)[0] == 0
    code, out, _ = nanum("--json", "hub", "add-kiosk", "GN01-a", "--site", "GN01", "--db", db)
    given = tmp_path / "credential.txt"
    given.write_text(json.loads(out)["credential"] + "\n")
    assert nanum("init", "--site", "GN01", "--kiosk-id", "GN01-a")[0] == 0
    k = open_kiosk(tmp_path / "kiosk")
    with k.transaction() as s:  # what an older kiosk let through: a value no column holds
        bad = k.record(s, "item.added", {"item": "T-00009", "name_ko": "비싼 물품",
                                         "replacement_value": 2 ** 31})
    k.close()
    assert nanum("item", "add", "T-00001", "전동드릴", "--parts", "3")[0] == 0
    server = Server(create_app(Database.open(db)))
    try:
        assert nanum("sync", "configure", "--url", server.url, "--kiosk-id", "GN01-a",
                     "--credential-file", str(given), "--allow-insecure-http")[0] == 0
        code, out, _ = nanum("sync", "--json")
        report = json.loads(out)
        assert code == 0 and report["outbox"] == 0 and report["quarantined"] == 1
        code, out, _ = nanum("--lang", "en", "sync", "status")
        assert code == 0 and "Events refused by the city platform: 1" in out
        assert f"Event {bad.seq} (item.added) was refused" in out and "replacement_value" in out
        code, out, _ = nanum("--json", "sync", "status")
        (entry,) = json.loads(out)["refused"]
        assert (entry["seq"], entry["type"], entry["reason"]) == (bad.seq, "item.added", "invalid")
    finally:
        server.stop()
    platform = Database.open(db)
    try:
        with platform.transaction() as s:  # the item added after it arrived, the refused one did not
            assert s.get(Item, "GN01/" + "T-00001") is not None and s.get(Item, "GN01/" + "T-00009") is None
        assert admin.stats(platform)["kiosks"][0]["held_seq"] > bad.seq
    finally:
        platform.close()
