"""Hostile wire events against the real platform on PostgreSQL, over HTTP.

Each probe is a push from a kiosk credential whose hash chain is valid, so
it reaches the per-event checks: a malformed or far-future clock stamp,
another site's records, an injection-shaped item code, values no column can
hold. Each must be quarantined (or, for circulation, accepted and flagged),
leave nothing stored that fails the schema, let the same kiosk's later
events through, and leave another kiosk's pulls as they were.
"""

from __future__ import annotations

import time
import uuid

import httpx
from sqlalchemy import select, text

from kiosk.services import syncstate
from sync.client import SyncClient
from sync.hub import admin
from sync.hub.models import Conflict, Event, Item, Loan, Member
from sync.worker import SyncWorker

from platformkit import drain, stock
from wirekit import HLC_RE, Forger, pull_all, schema_violations, site_rows


def _loan(item: str, member: str | None = None, **extra) -> dict:
    return {"loan": str(uuid.uuid4()), "item": item, "member": member, "due": "2026-12-31", **extra}


def _setup(platform):
    """GN02's real kiosk with items and a member, synced; GN01's forger."""
    gn02, client2, _ = platform.kiosk("GN02", "GN02-a")
    codes, _cards = stock(gn02, items=2, members=1, prefix="B")
    drain(gn02, client2)
    number = gn02.members.list()[0].number
    forger = Forger(platform, "GN01", "GN01-x")
    return gn02, client2, codes, number, forger


def _quarantined(answer) -> dict[int, str]:
    return {q["seq"]: q["reason"] for q in answer["quarantined"]}


def test_a_malformed_clock_stamp_is_quarantined_and_pulls_keep_working(platform):
    from sync.hub.models import Quarantined

    gn02, client2, codes, _number, f = _setup(platform)
    before = site_rows(pull_all(client2), "GN02")
    events = [f.event("item.added", {"item": "A-00001", "name_ko": "망치", "home_site": "GN01"}),
              f.event("item.status_changed", {"item": "A-00001", "to": "retired"},
                      hlc="zzzz-not-an-hlc"),
              f.event("loan.checked_out", _loan("A-00001"))]
    resp = f.push(events)
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert answer["held"] == 3 and _quarantined(answer) == {2: "invalid"}
    assert HLC_RE.match(answer["server_hlc"])
    with platform.session() as s:
        assert sorted(s.execute(select(Event.seq).where(Event.kiosk_id == f.kiosk_id)).scalars()) == [1, 3]
        assert s.get(Item, "GN01/" + "A-00001").status == "on_loan"  # the later loan went through
        assert s.get(Quarantined, (f.kiosk_id, 2)).hash == events[1]["hash"]
    assert schema_violations(platform.db) == []
    assert site_rows(pull_all(client2), "GN02") == before
    admin.update_item(platform.db, "A-00001", name_en="hammer")  # admin functions still work
    assert admin.stats(platform.db)["events"] >= 3
    # Sending the batch again changes nothing and names the quarantined event again.
    again = f.push(events).json()
    assert again["held"] == 3 and again["duplicates"] == 3 and _quarantined(again) == {2: "invalid"}


def test_a_far_future_stamp_cannot_freeze_a_member(platform):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    stock(k, items=1, members=1)
    drain(k, client)
    number = k.members.list()[0].number
    f = Forger(platform, "GN01", "GN01-x")
    answer = f.push([f.event("member.status_changed", {"member": number, "status": "suspended"},
                             hlc="999999999999999.99999")]).json()
    assert _quarantined(answer) == {1: "clock"} and HLC_RE.match(answer["server_hlc"])
    k.members.set_status(number, "suspended")  # a legitimate edit made later
    drain(k, client)
    with platform.session() as s:
        assert s.get(Member, number).status == "suspended"
        assert not s.execute(select(Conflict).where(Conflict.kind == "stale_member_edit")).first()
    page = client.pull(None, 500)
    assert HLC_RE.match(page["server_hlc"]) and page["server_hlc"] < "100000000000000"


def test_stored_bad_stamps_do_not_break_pulls_or_admin_functions(platform):
    """Rows written before stamps were checked (here: directly in the database)."""
    gn02, client2, codes, number, _f = _setup(platform)
    with platform.session() as s:
        s.execute(text("UPDATE items SET updated_hlc = 'zzzz-not-an-hlc', aliases = '{\"a\": 1}' "
                       "WHERE code = :c"), {"c": codes[0]})
        s.execute(text("UPDATE members SET updated_hlc = '999999999999999.99999' WHERE number = :n"),
                  {"n": number})
        s.execute(text("INSERT INTO changes (txid, site, kind, key) VALUES (0, NULL, 'item', :c), "
                       "(0, 'GN02', 'member', :n), (0, 'GN02', 'weird', 'x')"),
                  {"c": codes[0], "n": number})
        s.execute(text("UPDATE kiosks SET heartbeat = '[1, 2]' WHERE kiosk_id = 'GN02-a'"))
        s.execute(text("INSERT INTO loans (uid, item_key, renewals, transfer, checked_out_at) "
                       "VALUES ('stray', :c, 0, false, '2026-01-01T00:00:00.000000Z')"), {"c": codes[0]})
    rows = pull_all(client2)
    assert {r["key"] for r in rows} >= {codes[0], number}
    admin.update_member(platform.db, number, status="suspended")
    admin.update_item(platform.db, codes[0], retired=True)
    assert admin.stats(platform.db)["sites"] == 2
    token = admin.add_admin(platform.db, "probe")
    answer = httpx.get(platform.url + "/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json()["loans_by_site"] == {}
    with platform.session() as s:
        assert HLC_RE.match(s.get(Member, number).updated_hlc)
        assert s.get(Member, number).updated_hlc < "100000000000000"
    drain(gn02, client2)  # the kiosk applies what it pulled
    assert gn02.members.list()[0].status == "suspended"


def test_a_kiosk_cannot_change_another_sites_records(platform):
    gn02, client2, codes, number, f = _setup(platform)
    with platform.session() as s:
        card_before = s.get(Member, number).card_hash
    # GN02's items, named with their site (without it an item means the sender's own site)
    events = [f.event("item.status_changed", {"item": codes[0], "item_site": "GN02", "from": "available",
                                              "to": "retired"}),
              f.event("member.status_changed", {"member": number, "status": "suspended"}),
              f.event("member.renewed", {"member": number, "expires_on": "2000-01-01"}),
              f.event("member.card_reissued", {"member": number}),
              f.event("member.pin_set", {"member": number}),
              f.event("item.alias_added", {"item": codes[1], "item_site": "GN02", "alias": "880123456789"}),
              f.event("item.added", {"item": "C-00001", "name_ko": "남의 물품", "home_site": "GN02"}),
              f.event("loan.checked_out", _loan("A-00009"))]
    answer = f.push(events).json()
    assert answer["held"] == 8
    assert _quarantined(answer) == {n: "forbidden" for n in range(1, 8)}
    with platform.session() as s:
        item = s.get(Item, "GN02/" + codes[0])
        assert not item.retired and item.status == "available" and not s.get(Item, "GN02/" + codes[1]).aliases
        m = s.get(Member, number)
        assert (m.status, m.card_hash) == ("active", card_before) and m.expires_on > "2020"
        assert s.get(Item, "GN02/C-00001") is None and s.get(Item, "GN01/C-00001") is None
        flags = s.execute(select(Conflict.kind).where(Conflict.kiosk_id == f.kiosk_id)).scalars().all()
        assert flags.count("foreign_site_refused") == 7
    drain(gn02, client2)
    mine = gn02.members.list()[0]
    assert mine.status == "active" and gn02.catalogue.get(codes[0]).status == "available"


def test_circulation_of_another_centres_item_is_accepted_and_flagged(platform):
    gn02, client2, codes, number, f = _setup(platform)
    out = _loan(codes[0], number, site="GN02", item_site="GN02")  # a loan "at GN02" from a GN01 kiosk
    back = {"loan": out["loan"], "item": codes[0], "item_site": "GN02", "member": number, "site": "GN01",
            "destination": "shelf", "condition": "ok"}
    answer = f.push([f.event("loan.checked_out", out), f.event("loan.returned", back)]).json()
    assert answer["held"] == 2 and answer["quarantined"] == []
    with platform.session() as s:
        loan = s.get(Loan, out["loan"])
        assert loan.site == "GN01" and loan.return_site == "GN01" and loan.transfer
        assert s.get(Item, "GN02/" + codes[0]).status == "in_transit"
        kinds = set(s.execute(select(Conflict.kind).where(Conflict.kiosk_id == f.kiosk_id)).scalars())
        assert {"foreign_site_claimed", "foreign_item_lent", "transfer"} <= kinds
    assert schema_violations(platform.db) == []


def test_injection_codes_and_values_no_column_holds_are_quarantined(platform):
    gn02, client2, _codes, _number, f = _setup(platform)
    before = site_rows(pull_all(client2), "GN02")
    bad = [{"item": '" OR 1=1 --', "name_ko": "주입"},
           {"item": "T-0٣٣٣٣", "name_ko": "아랍 숫자"},
           {"item": "A-00002", "name_ko": "긴" * 201},
           {"item": "A-00003", "name_ko": "널\x00문자"},
           {"item": "A-00004", "name_ko": "비싼", "replacement_value": 2 ** 31},
           {"item": "A-00005", "name_ko": "방향\u202e"},
           {"item": "A-00006", "name_ko": "부품", "parts": [{"name_ko": "x", "count": 10 ** 30}]}]
    events = [f.event("item.added", p) for p in bad]
    events.append(f.event("item.added", {"item": "A-00007", "name_ko": "정상"}))
    events.append(f.event("loan.checked_out", _loan("A-00007")))
    resp = f.push(events)
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert answer["held"] == 9 and _quarantined(answer) == {n: "invalid" for n in range(1, 8)}
    with platform.session() as s:
        assert sorted(s.execute(select(Item.code).where(Item.home_site == "GN01")).scalars()) == ["A-00007"]
        assert s.get(Item, "GN01/" + "A-00007").status == "on_loan"
    assert schema_violations(platform.db) == []
    assert site_rows(pull_all(client2), "GN02") == before


def test_a_refused_event_is_shown_to_staff_and_later_loans_still_reach_the_city(platform):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    codes, cards = stock(k, items=2, members=1)
    drain(k, client)
    with k.transaction() as s:  # what an older kiosk let through: a name no column holds
        bad = k.record(s, "item.added", {"item": "T-00500", "name_ko": "긴" * 300})
    k.circulation.checkout(cards[0], [codes[0]])
    cred = admin.add_kiosk(platform.db, k.kiosk_id, "GN01", rotate=True)
    worker = SyncWorker(k, lambda: SyncClient(platform.url, cred))
    worker.run_once()
    assert syncstate.outbox_depth(k) == 0  # nothing left to retry
    (entry,) = syncstate.refused(k)
    assert (entry["seq"], entry["type"], entry["reason"]) == (bad.seq, "item.added", "invalid")
    shown = worker.status().to_json("en")["refused"]
    assert len(shown) == 1 and f"Event {bad.seq} (item.added)" in shown[0] and "name_ko" in shown[0]
    with platform.session() as s:
        assert s.get(Item, "GN01/" + codes[0]).status == "on_loan"
    worker.run_once()  # a later round neither fails nor counts it twice
    assert len(syncstate.refused(k)) == 1


def test_a_malformed_batch_is_refused_whole_and_a_malformed_event_alone(platform):
    f = Forger(platform, "GN01", "GN01-x")
    e = f.event("item.added", {"item": "A-00001", "name_ko": "망치"})
    assert f.push([dict(e, seq="one")]).status_code == 422
    assert f.push([dict(e, hash="0" * 64)]).status_code == 422  # the chain does not continue
    assert f.http.post(f.url + "/push", json={"kiosk_id": f.kiosk_id, "events": "x"}).status_code == 422
    assert f.push([e]).json()["held"] == 1
    # One event's envelope out of shape (an id of 200 characters) is that event's problem only.
    odd = f.event("item.added", {"item": "A-00002", "name_ko": "톱"}, event_id="x" * 200)
    after = f.event("item.added", {"item": "A-00003", "name_ko": "끌"})
    answer = f.push([odd, after]).json()
    assert answer["held"] == 3 and _quarantined(answer) == {2: "invalid"}


def test_a_refused_batch_is_shown_and_not_retried_in_a_loop(platform):
    k, _client, _ = platform.kiosk("GN01", "GN01-a")
    stock(k, items=1, members=0)
    cred = admin.add_kiosk(platform.db, k.kiosk_id, "GN01", rotate=True)
    admin.revoke_kiosk(platform.db, k.kiosk_id)
    worker = SyncWorker(k, lambda: SyncClient(platform.url, cred), backoff_cap_s=3600.0)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while worker.rounds == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the worker thread, not standing in for a clock
        status = worker.status()
    finally:
        worker.stop()
    assert worker.rounds == 1
    assert status.state == "refused" and status.next_attempt_s == 3600.0
    assert "credential" in status.last_error.render("en")


def test_a_heartbeat_cannot_carry_terminal_escapes_or_infinity(platform):
    f = Forger(platform, "GN01", "GN01-x")
    beat = {"version": "1.0\x1b[2J", "uptime_s": 5, "camera": "ok\u202e", "outbox_depth": 0}
    assert f.http.post(f.url + "/heartbeat", json=beat).status_code == 200
    raw = '{"version": "1.0", "uptime_s": Infinity, "outbox_depth": 0}'
    answer = f.http.post(f.url + "/heartbeat", content=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422
    kiosk = next(k for k in admin.stats(platform.db)["kiosks"] if k["kiosk_id"] == f.kiosk_id)
    assert kiosk["heartbeat"]["version"] == "1.0\ufffd[2J" and kiosk["heartbeat"]["camera"] == "ok\ufffd"


def test_a_forged_cursor_is_expired_not_a_server_error(platform):
    f = Forger(platform, "GN01", "GN01-x")
    epoch = f.http.get(f.url + "/changes").json()["cursor"].split(".")[1]
    for cursor in (f"v1.{epoch}.{10 ** 30}.1", f"v1.{epoch}.1.-{10 ** 30}", f"v1.{epoch}.٣.1", "v1..."):
        answer = f.http.get(f.url + "/changes", params={"cursor": cursor})
        assert answer.status_code == 410, (cursor, answer.text)
