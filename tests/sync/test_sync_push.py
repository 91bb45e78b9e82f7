"""Push: idempotent batches, the highest contiguous sequence, gaps, all or nothing."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from kiosk.services import syncstate
from sync.client import Forked, SyncRefused
from sync.hub.models import Event, Kiosk

from platformkit import stock


def server_events(platform, kiosk_id):
    with platform.session() as s:
        rows = s.execute(select(Event.seq, Event.event_id).where(Event.kiosk_id == kiosk_id)
                         .order_by(Event.seq)).all()
        held = s.get(Kiosk, kiosk_id).held_seq
    return rows, held


def test_a_batch_pushed_twice_is_stored_once(any_platform):
    k, client, _ = any_platform.kiosk()
    stock(k)
    batch = syncstate.outbox(k, 100)
    first = client.push(k.kiosk_id, batch)
    again = client.push(k.kiosk_id, batch)
    assert first["status"] == again["status"] == "ok"
    assert first["accepted"] == len(batch) and first["held"] == batch[-1]["seq"]
    assert again["accepted"] == 0 and again["duplicates"] == len(batch)
    rows, held = server_events(any_platform, k.kiosk_id)
    assert [r.seq for r in rows] == list(range(1, len(batch) + 1))
    assert held == len(batch)


def test_batches_replayed_three_times_out_of_order_add_no_rows(any_platform):
    k, client, _ = any_platform.kiosk()
    stock(k, items=8, members=4)
    events = syncstate.outbox(k, 100)
    batches = [events[i:i + 3] for i in range(0, len(events), 3)]
    for b in batches:  # first delivery, in order
        client.push(k.kiosk_id, b)
    rows_before, _ = server_events(any_platform, k.kiosk_id)
    replays = batches * 3
    random.Random(7).shuffle(replays)
    for b in replays:
        answer = client.push(k.kiosk_id, b)
        assert answer["accepted"] == 0 and answer["held"] == len(events)
    rows_after, held = server_events(any_platform, k.kiosk_id)
    assert rows_after == rows_before and held == len(events)


def test_a_gap_is_refused_and_asks_for_a_resend(any_platform):
    k, client, _ = any_platform.kiosk()
    stock(k)
    events = syncstate.outbox(k, 100)
    answer = client.push(k.kiosk_id, events[3:])
    assert answer == {**answer, "status": "gap", "held": 0, "resend_from": 1, "accepted": 0}
    assert server_events(any_platform, k.kiosk_id) == ([], 0)
    client.push(k.kiosk_id, events[:2])
    answer = client.push(k.kiosk_id, events[3:])
    assert (answer["status"], answer["held"], answer["resend_from"]) == ("gap", 2, 3)
    # The kiosk's loop resends from there on its own.
    from sync.round import RoundReport, push_outbox

    syncstate.acknowledge(k, 2)
    report = RoundReport()
    push_outbox(k, client, report, batch=4)
    assert server_events(any_platform, k.kiosk_id)[1] == len(events)
    assert syncstate.outbox_depth(k) == 0


def test_overlapping_batches_store_only_the_new_events(any_platform):
    k, client, _ = any_platform.kiosk()
    stock(k, items=5)
    events = syncstate.outbox(k, 100)
    client.push(k.kiosk_id, events[:4])
    answer = client.push(k.kiosk_id, events[2:7])
    assert (answer["accepted"], answer["duplicates"], answer["held"]) == (3, 2, 7)


def test_a_batch_applies_completely_or_not_at_all(any_platform):
    k, client, _ = any_platform.kiosk()
    stock(k, items=3, members=1)
    events = syncstate.outbox(k, 100)
    tampered = [dict(e) for e in events]
    tampered[-1]["payload"] = tampered[-1]["payload"][:-1] + ',"edited":true}'
    with pytest.raises(SyncRefused):
        client.push(k.kiosk_id, tampered)
    assert server_events(any_platform, k.kiosk_id) == ([], 0)
    with any_platform.session() as s:
        from sync.hub.models import Item

        assert s.execute(select(func.count()).select_from(Item)).scalar_one() == 0
    # An event id another kiosk already used would fail the database insert half-way
    # (and again on every resend): that event is quarantined, the rest is kept.
    # (A database failure half-way keeps nothing: test_sync_ingest_fast.py.)
    other, other_client, _ = any_platform.kiosk("MP02")
    other_client.push(other.kiosk_id, syncstate.outbox(other, 100))
    with any_platform.session() as s:
        taken = s.execute(select(Event.event_id).where(Event.kiosk_id == other.kiosk_id)).scalars().first()
    clash = [dict(e) for e in events]
    clash[2]["event_id"] = taken
    from kiosk.store.events import event_hash

    prev = clash[1]["hash"]
    for e in clash[2:]:  # keep the chain valid so only the event id can object
        e["prev_hash"] = prev
        e["hash"] = event_hash(prev, e["seq"], e["event_id"], e["kiosk_id"], e["type"], e["at"],
                               e["hlc"], e["actor"], e["payload"])
        prev = e["hash"]
    answer = client.push(k.kiosk_id, clash)
    assert answer["held"] == len(events) and answer["accepted"] == len(events) - 1
    assert [(q["seq"], q["reason"]) for q in answer["quarantined"]] == [(clash[2]["seq"], "invalid")]
    rows, held = server_events(any_platform, k.kiosk_id)
    assert held == len(events) and [seq for seq, _id in rows] == [e["seq"] for e in events if e is not events[2]]


def test_a_forked_log_is_refused(any_platform, tmp_path):
    k, client, _ = any_platform.kiosk()
    stock(k, items=2, members=0)
    client.push(k.kiosk_id, syncstate.outbox(k, 100))
    forked = [dict(e) for e in syncstate.outbox(k, 100)]
    forked[1]["event_id"] = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(Forked):
        client.push(k.kiosk_id, forked)


def test_the_outbox_is_what_the_platform_does_not_hold(any_platform):
    k, client, _ = any_platform.kiosk()
    stock(k)
    total = syncstate.outbox_depth(k)
    client.push(k.kiosk_id, syncstate.outbox(k, 3))
    assert syncstate.outbox_depth(k) == total  # not acknowledged yet: still in the outbox
    syncstate.acknowledge(k, 3)
    assert syncstate.outbox_depth(k) == total - 3
    assert syncstate.outbox(k, 1)[0]["seq"] == 4
    # The platform restored from an older backup holds less: those events go again.
    syncstate.acknowledge(k, 1)
    assert syncstate.outbox_depth(k) == total - 1
    with pytest.raises(syncstate.ForkError):
        syncstate.acknowledge(k, total + 5)


def test_an_event_the_platform_cannot_read_is_quarantined_and_flagged_not_refused(any_platform):
    from sync.hub.models import Conflict, Event, Quarantined

    k, client, _ = any_platform.kiosk()
    with k.transaction() as s:  # a payload that does not fit its type's schema
        k.record(s, "loan.checked_out", {"loan": "c0ffee", "borrower_v2": "M-000001"})
    stock(k, items=1, members=0)
    answer = client.push(k.kiosk_id, syncstate.outbox(k, 100))
    assert answer["status"] == "ok" and answer["held"] == 3  # later events still flow
    assert [(q["seq"], q["type"], q["reason"]) for q in answer["quarantined"]] == [
        (2, "loan.checked_out", "invalid")]
    with any_platform.session() as s:
        (flag,) = s.execute(select(Conflict).where(Conflict.kind == "event_quarantined")).scalars()
        assert flag.subject == "seq 2" and flag.detail["type"] == "loan.checked_out"
        assert s.get(Quarantined, (k.kiosk_id, 2)).reason == "invalid"
        assert sorted(s.execute(select(Event.seq)).scalars()) == [1, 3]
