"""Recovery after a restore: a kiosk restored from an older backup takes its own
events back from the platform, loses none and duplicates none on either side."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from kiosk.services import recovery
from kiosk.store.models import Event, Item, Loan
from sync.hub.models import Conflict, Quarantined
from sync.hub.models import Event as HubEvent

from platformkit import drain, stock


def platform_log(platform, kiosk_id):
    """(seq, event_id) of every event the platform holds for the kiosk, quarantined ones too."""
    with platform.session() as s:
        rows = list(s.execute(select(HubEvent.seq, HubEvent.event_id)
                              .where(HubEvent.kiosk_id == kiosk_id)).all())
        rows += [(q.seq, json.loads(q.raw)["event_id"]) for q in s.execute(
            select(Quarantined).where(Quarantined.kiosk_id == kiosk_id)).scalars()]
    return sorted(tuple(r) for r in rows)


def kiosk_log(k):
    with k.reading() as s:
        return sorted(tuple(r) for r in s.execute(select(Event.seq, Event.event_id)).all())


def open_loans(k):
    with k.reading() as s:
        return sorted(tuple(r) for r in s.execute(
            select(Loan.uid, Item.code).join(Item, Loan.item_id == Item.id)
            .where(Loan.returned_at.is_(None))).all())


def flags(platform, kind):
    with platform.session() as s:
        return list(s.execute(select(Conflict).where(Conflict.kind == kind)).scalars())


def refused_by_platform(k):
    """An event the platform quarantines (its payload does not fit the schema)."""
    with k.transaction() as s:
        k.record(s, "settings.changed", {"changes": "not a mapping"})


def a_day_of_lending(k, client, clock, codes, cards):
    """Loans, a return and a renewal through a (simulated) day, syncing every hour."""
    for hour in range(8):
        clock.advance(hours=1)
        if hour < 4:
            assert k.circulation.checkout(cards[1 + hour % 2], [codes[2 + hour]]).outcomes[0].ok
        elif hour == 4:
            assert k.circulation.return_item(codes[0]).destination == "shelf"
            refused_by_platform(k)
        elif hour == 5:
            assert k.circulation.renew(codes[1]).ok
        drain(k, client)


def assert_logs_agree(platform, k):
    mine, theirs = kiosk_log(k), platform_log(platform, k.kiosk_id)
    assert mine == theirs  # same events, same sequence numbers, nothing missing or twice
    assert len({e for _s, e in mine}) == len(mine)
    assert [s for s, _e in mine] == list(range(1, len(mine) + 1))


def test_a_restored_kiosk_takes_back_its_events_and_keeps_its_own_later_ones(platform, tmp_path):
    k, client, clock = platform.kiosk("GN01", "GN01-a")
    codes, cards = stock(k, items=8, members=3)
    drain(k, client)
    assert k.circulation.checkout(cards[0], codes[:2]).outcomes[0].ok
    drain(k, client)
    backup = k.maintenance.backup(tmp_path / "yesterday.sqlite3")
    a_day_of_lending(k, client, clock, codes, cards)
    before = open_loans(k)
    assert len(before) == 5  # T-00002 .. T-00006
    held = platform_log(platform, k.kiosk_id)

    clock.advance(hours=12)
    k.maintenance.restore(backup)
    assert recovery.status(k)["state"] == "pending"
    assert len(open_loans(k)) == 2  # the backup's
    # Lent while the kiosk does not know yet what it had sent since the backup:
    # the log forks from the platform's copy.
    assert k.circulation.checkout(cards[0], [codes[6]]).outcomes[0].ok
    drain(k, client)

    rec = recovery.status(k)
    assert rec["state"] == "done" and rec["fetched"] > 0 and rec["renumbered"] == 1
    assert rec["fork_seq"] is not None and rec["skipped"] == []
    after = open_loans(k)
    assert sorted(code for _u, code in after) == sorted([c for _u, c in before] + [codes[6]])
    assert set(before) <= set(after)
    assert set(held) <= set(platform_log(platform, k.kiosk_id))
    assert_logs_agree(platform, k)
    assert k.maintenance.verify_log().ok
    check = k.maintenance.check()
    assert check.ok, check.problems
    assert len(flags(platform, "log_forked")) == 1

    # ... and it goes on syncing as before.
    clock.advance(hours=1)
    assert k.circulation.checkout(cards[0], [codes[7]]).outcomes[0].ok
    drain(k, client)
    assert_logs_agree(platform, k)
    assert k.maintenance.check().ok


def test_a_kiosk_only_behind_the_platform_appends_what_it_lacks(platform, tmp_path):
    k, client, clock = platform.kiosk("GN01", "GN01-a")
    codes, cards = stock(k, items=4, members=1)
    drain(k, client)
    backup = k.maintenance.backup(tmp_path / "b.sqlite3")
    assert k.circulation.checkout(cards[0], codes[:3]).outcomes[0].ok
    drain(k, client)
    before = open_loans(k)
    k.maintenance.restore(backup)
    drain(k, client)
    rec = recovery.status(k)
    assert rec["fork_seq"] is None and rec["renumbered"] == 0 and rec["fetched"] == 3
    assert open_loans(k) == before
    assert_logs_agree(platform, k)
    assert k.maintenance.check().ok
    assert len(flags(platform, "log_recovered")) == 1 and not flags(platform, "log_forked")


def test_a_kiosk_reads_only_its_own_events_quarantined_ones_included(platform):
    k, client, _clock = platform.kiosk("GN01", "GN01-a")
    other, other_client, _ = platform.kiosk("GN01", "GN01-b")
    stock(k, items=2, members=0)
    refused_by_platform(k)
    stock(other, items=1, members=0, start=50)
    drain(k, client)
    drain(other, other_client)
    with platform.session() as s:
        assert s.execute(select(Quarantined.seq).where(
            Quarantined.kiosk_id == k.kiosk_id)).scalars().all() == [4]
    page = client.own_events(0, 1)
    assert [e["seq"] for e in page["events"]] == [1] and page["more"] is True
    everything = client.own_events(0, 500)
    assert [(e["seq"], e["event_id"]) for e in everything["events"]] == kiosk_log(k)
    assert {e["kiosk_id"] for e in everything["events"]} == {k.kiosk_id}
    with k.reading() as s:
        assert everything["events"][3]["hash"] == s.get(Event, 4).hash  # the chain runs through it
    r = httpx.get(platform.url + "/api/v1/events", params={"after": 0})
    assert r.status_code == 401
    r = httpx.get(platform.url + "/api/v1/events", params={"after": -1},
                  headers={"Authorization": "Bearer x"})
    assert r.status_code in (401, 422)


def test_restore_and_recovery_from_the_command_line(platform, tmp_path, monkeypatch, capsys):
    from platform_fixtures import nanum_in_env

    nanum = nanum_in_env(tmp_path, monkeypatch, capsys)
    assert nanum("init", "--site", "GN01", "--kiosk-id", "GN01-c")[0] == 0
    for code in ("T-00001", "T-00002"):
        assert nanum("item", "add", code, "전동드릴", "--parts", "1")[0] == 0
    card = json.loads(nanum("--json", "member", "add", "회원")[1])["card"]
    cred = tmp_path / "cred.txt"
    cred.write_text(platform.credential("GN01-c", "GN01") + "\n")
    assert nanum("sync", "configure", "--url", platform.url, "--kiosk-id", "GN01-c",
                 "--credential-file", str(cred), "--allow-insecure-http")[0] == 0
    assert nanum("sync")[0] == 0
    assert nanum("backup", str(tmp_path / "b.sqlite3"))[0] == 0
    assert nanum("checkout", card, "T-00001")[0] == 0
    assert nanum("sync")[0] == 0

    code, out, _ = nanum("--lang", "en", "restore", str(tmp_path / "b.sqlite3"))
    assert code == 0 and "fetch what it had sent since this backup at its next sync" in out
    code, out, _ = nanum("--lang", "en", "sync", "status")
    assert "Restored from a backup" in out
    code, out, _ = nanum("--json", "sync")
    assert code == 0 and json.loads(out)["recovered"] == 1
    code, out, _ = nanum("--lang", "en", "sync", "status")
    assert "1 events fetched from the platform, 0 of this kiosk's own renumbered" in out
    assert nanum("verify-log")[0] == 0
    code, out, _ = nanum("check")
    assert code == 0, out
    assert "T-00001" in nanum("loans")[1]


def test_a_database_put_back_by_hand_is_noticed_at_the_next_pull(platform, tmp_path):
    import shutil

    from kiosk.services import open_kiosk
    from kiosk.store.db import DB_FILENAME

    k, client, clock = platform.kiosk("GN01", "GN01-a")
    codes, cards = stock(k, items=3, members=1)
    drain(k, client)
    backup = k.maintenance.backup(tmp_path / "b.sqlite3")
    assert k.circulation.checkout(cards[0], codes[:2]).outcomes[0].ok
    drain(k, client)
    before = open_loans(k)
    folder = tmp_path / "kiosk-GN01-a"
    k.close()
    for suffix in ("-wal", "-shm"):
        (folder / (DB_FILENAME + suffix)).unlink(missing_ok=True)
    shutil.copyfile(backup, folder / DB_FILENAME)  # no restore command: nothing marked pending
    k = open_kiosk(folder, clock=clock)
    try:
        assert recovery.status(k) is None and open_loans(k) == []
        drain(k, client)
        assert recovery.status(k)["fetched"] == 2 and open_loans(k) == before
        assert_logs_agree(platform, k)
        assert k.maintenance.check().ok
    finally:
        k.close()


def test_a_backup_with_events_never_sent_is_no_fork(platform, tmp_path):
    k, client, clock = platform.kiosk("GN01", "GN01-a")
    codes, cards = stock(k, items=2, members=1)
    drain(k, client)
    assert k.circulation.checkout(cards[0], codes[:1]).outcomes[0].ok  # not synced yet
    backup = k.maintenance.backup(tmp_path / "b.sqlite3")
    k.maintenance.restore(backup)
    drain(k, client)
    rec = recovery.status(k)
    assert (rec["fetched"], rec["fork_seq"], rec["renumbered"]) == (0, None, 0)
    assert_logs_agree(platform, k)
    assert len(flags(platform, "log_recovered")) == 1 and not flags(platform, "log_forked")


def test_a_member_registered_after_the_backup_borrows_with_their_card_after_recovery(platform, tmp_path):
    k, client, clock = platform.kiosk("GN01", "GN01-a")
    codes, _cards = stock(k, items=2, members=0)
    drain(k, client)
    backup = k.maintenance.backup(tmp_path / "b.sqlite3")
    member, card = k.members.add("새 회원")
    drain(k, client)
    with k.reading() as s:
        registered = json.loads(s.execute(select(Event.payload).where(
            Event.type == "member.registered")).scalar())
    if "card_hash" not in registered:
        pytest.skip("this kiosk does not share members' card hashes with the platform")
    k.maintenance.restore(backup)
    drain(k, client)
    assert k.circulation.checkout(card, [codes[0]]).outcomes[0].ok
    drain(k, client)
    assert_logs_agree(platform, k)
    assert k.maintenance.check().ok
