"""Conflict rules: possession decides, online requests, transfers, platform-owned
records, and ordering by sequence and hybrid logical clock."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select

from kiosk.codes import item_label_payload
from kiosk.services import syncstate
from kiosk.store.models import Item, Member, Reservation
from sync.client import SyncClient, SyncError
from sync.hub import admin
from sync.hub.models import Conflict, Loan
from sync.hub.models import Item as HubItem
from sync.hub.models import Member as HubMember
from sync.hub.models import Reservation as HubReservation
from sync.round import sync_round

from faultproxy import FaultProxy
from platformkit import Clock, digests_agree, drain, stock


def flags(platform, kind):
    with platform.session() as s:
        return list(s.execute(select(Conflict).where(Conflict.kind == kind)).scalars())


def reserve_online(platform, member, pin, item):
    r = httpx.post(platform.url + "/api/v1/reservations",
                   json={"member": member, "secret": pin, "item": item})
    assert r.status_code == 201, r.text
    return r.json()


def notices(platform, member, pin, lang="en"):
    r = httpx.post(platform.url + "/api/v1/members/notices", json={"member": member, "secret": pin},
                   headers={"Accept-Language": lang})
    assert r.status_code == 200, r.text
    return [n["message"] for n in r.json()]


def local(k, model, **where):
    with k.reading() as s:
        q = select(model)
        for key, value in where.items():
            q = q.where(getattr(model, key) == value)
        return s.execute(q).scalars().first()


def test_a_loan_or_return_that_happened_is_never_rejected_only_flagged(platform):
    a, client_a, _ = platform.kiosk("GN01", "GN01-a")
    b, client_b, _ = platform.kiosk("GN01", "GN01-b")
    codes, cards = stock(a, items=2, members=1)
    drain(a, client_a)
    drain(b, client_b)
    # The platform withdraws T-00001 while the kiosk is offline; the kiosk lends it anyway.
    admin.update_item(platform.db, codes[0], retired=True)
    assert a.circulation.checkout(cards[0], [codes[0]]).outcomes[0].ok
    drain(a, client_a)
    assert flags(platform, "retired_item_lent")
    assert [c["kind"] for c in syncstate.conflicts(a)] == ["retire_on_loan"]
    assert local(a, Item, code=codes[0]).status == "on_loan"  # the loan stands
    assert a.circulation.return_item(codes[0]).item.code == codes[0]
    # Kiosk b of the same centre never heard of a's loan of T-00002 and lends it too:
    # the item is in b's member's hands, so that is what the platform records.
    assert a.circulation.checkout(cards[0], [codes[1]]).outcomes[0].ok
    drain(a, client_a)
    _, card_b = b.members.add("다른 회원")
    assert b.circulation.checkout(card_b, [codes[1]]).outcomes[0].ok
    drain(b, client_b)
    (flag,) = flags(platform, "checkout_while_on_loan")
    with platform.session() as s:
        loans = {x.kiosk_id: x for x in s.execute(select(Loan).where(Loan.item_key == "GN01/" + codes[1])).scalars()}
        assert loans["GN01-a"].condition == "unrecorded" and loans["GN01-a"].returned_at
        assert loans["GN01-b"].returned_at is None
        assert s.get(HubItem, "GN01/" + codes[1]).status == "on_loan"


def test_an_online_reservation_is_a_request_until_the_kiosk_has_pulled_it(platform):
    k, client, _ = platform.kiosk()
    codes, _ = stock(k, items=1, members=1)
    number, _card = admin.add_member(platform.db, "GN01", "온라인 회원", pin="4321")
    drain(k, client)
    made = reserve_online(platform, number, "4321", codes[0])
    assert made["status"] == "requested" and made["site"] == "GN01"
    listing = httpx.get(platform.url + "/api/v1/sites/GN01/items", params={"available": "false"}).json()
    assert [(i["code"], i["waiting"]) for i in listing] == [(codes[0], 1)]
    assert local(k, Item, code=codes[0]).status == "available"  # the kiosk has not heard of it
    drain(k, client)
    item = local(k, Item, code=codes[0])
    assert item.status == "held"
    with platform.session() as s:
        res = s.get(HubReservation, made["uid"])
        assert (res.status, res.hold_until) == ("held", local(k, Reservation, uid=made["uid"]).hold_until)
    assert any("is ready for pickup" in n for n in notices(platform, number, "4321"))
    walk_in = k.members.add("지나가던 회원")[1]
    refused = k.circulation.checkout(walk_in, [codes[0]]).outcomes[0]
    assert not refused.ok and refused.reason == "held_for_other"


def _copies(platform, k, client):
    for code in ("T-00011", "T-00012"):
        k.catalogue.add_item(code, "접이식 사다리", parts=1)
    number, _ = admin.add_member(platform.db, "GN01", "온라인 회원", pin="4321")
    walk_in = k.members.add("현장 회원")[1]
    drain(k, client)
    return number, walk_in


def test_a_request_displaced_by_an_offline_loan_moves_to_another_copy(platform):
    k, client, _ = platform.kiosk()
    number, walk_in = _copies(platform, k, client)
    made = reserve_online(platform, number, "4321", "T-00011")
    # Offline, before the request arrives, a resident takes that very copy home.
    assert k.circulation.checkout(walk_in, ["T-00011"]).outcomes[0].ok
    drain(k, client)
    with platform.session() as s:
        res = s.get(HubReservation, made["uid"])
        assert (res.item_key, res.moved_from, res.status) == ("GN01/T-00012", "GN01/T-00011", "held")
    assert flags(platform, "reservation_displaced")
    assert local(k, Item, code="T-00012").status == "held"
    told = notices(platform, number, "4321")
    assert any("moved to another copy, T-00012" in n for n in told)


def test_a_displaced_request_without_another_copy_waits_for_the_return(platform):
    k, client, clock = platform.kiosk()
    codes, _ = stock(k, items=1, members=0)
    number, _ = admin.add_member(platform.db, "GN01", "온라인 회원", pin="4321")
    walk_in = k.members.add("현장 회원")[1]
    drain(k, client)
    made = reserve_online(platform, number, "4321", codes[0])
    due = k.circulation.checkout(walk_in, [codes[0]]).outcomes[0].due
    drain(k, client)
    assert any(f"due back on {due.isoformat()}" in n for n in notices(platform, number, "4321"))
    assert local(k, Reservation, uid=made["uid"]).status == "waiting"
    clock.advance(days=3)
    assert k.circulation.return_item(codes[0]).destination == "reservation_shelf"
    drain(k, client)
    with platform.session() as s:
        assert s.get(HubReservation, made["uid"]).status == "held"


def test_push_comes_before_pull(platform):
    k, client, _ = platform.kiosk()
    codes, _ = stock(k, items=1, members=0)
    number, _ = admin.add_member(platform.db, "GN01", "온라인 회원", pin="4321")
    walk_in = k.members.add("현장 회원")[1]
    drain(k, client)
    cursor = syncstate.cursor(k)
    made = reserve_online(platform, number, "4321", codes[0])
    assert k.circulation.checkout(walk_in, [codes[0]]).outcomes[0].ok
    proxy = FaultProxy(platform.server.port, rate=1.0, modes=("drop",), only="/push")
    cred = client._http.headers["Authorization"].split()[1]
    with SyncClient(proxy.url, cred, keepalive=False) as broken, pytest.raises(SyncError):
        sync_round(k, broken)
    proxy.close()
    # No push, no pull: the kiosk did not take a request its own loan already beat.
    assert syncstate.cursor(k) == cursor and local(k, Reservation, uid=made["uid"]) is None
    drain(k, client)
    assert local(k, Reservation, uid=made["uid"]).status == "waiting"
    assert local(k, Item, code=codes[0]).status == "on_loan"


def test_a_return_at_a_centre_other_than_the_items_home_is_a_transfer(platform):
    k, client, _ = platform.kiosk("GN01")
    codes, cards = stock(k, items=1, members=1)
    platform.site("MP02", "마포 나눔센터")
    assert k.circulation.checkout(cards[0], [codes[0]]).outcomes[0].ok
    drain(k, client)
    # While it is out, the platform gives the item to the Mapo centre.
    admin.update_item(platform.db, codes[0], home_site="MP02")
    drain(k, client)
    # its home centre is part of its name in the city: its label now names MP02
    back = k.circulation.return_item(item_label_payload(codes[0], k.base_url, "MP02"))
    assert back.destination == "transfer"
    drain(k, client)
    (flag,) = flags(platform, "transfer")
    assert flag.detail == {"from_site": "GN01", "to_site": "MP02"}
    with platform.session() as s:
        item = s.get(HubItem, "MP02/" + codes[0])  # its new name in the city
        assert (item.status, item.location, item.home_site) == ("in_transit", "GN01", "MP02")
    assert admin.stats(platform.db)["transfers"] == 1


def test_member_and_catalogue_records_belong_to_the_platform(platform):
    k, client, _ = platform.kiosk()
    number, _ = admin.add_member(platform.db, "GN01", "플랫폼 회원")
    admin.add_item(platform.db, "T-00099", "사다리", "GN01")
    # Offline, staff create T-00099 as something else and suspend the member.
    k.catalogue.add_item("T-00099", "망치")
    drain(k, client)
    assert flags(platform, "catalogue_differs")
    assert local(k, Item, code="T-00099").name_ko == "사다리"
    # A card lost and replaced at the kiosk keeps working after the platform's next edit.
    new_card = k.members.reissue_card(number)
    drain(k, client)
    admin.update_member(platform.db, number, expires_on="2030-12-31", member_type="family")
    admin.update_item(platform.db, "T-00099", name_ko="알루미늄 사다리", parts=[{"name_ko": "사다리",
                                                                             "name_en": "ladder", "count": 1}])
    drain(k, client)
    m = local(k, Member, number=number)
    assert (m.expires_on, m.member_type) == ("2030-12-31", "family")
    assert k.members.identify(new_card).number == number
    assert local(k, Item, code="T-00099").parts_total == 1
    local_d, server_d = digests_agree(platform, k)
    assert local_d == server_d


def test_order_is_by_sequence_and_hybrid_clock_never_by_wall_clock(platform):
    real_now = dt.datetime.now(dt.UTC)
    behind = Clock(real_now - dt.timedelta(hours=24))
    k, client, clock = platform.kiosk("GN01", clock=behind)
    number, _ = admin.add_member(platform.db, "GN01", "회원")
    drain(k, client)
    admin.update_member(platform.db, number, expires_on="2027-01-01")
    drain(k, client)  # the kiosk has seen the platform's edit...
    k.members.renew(number, dt.date(2028, 1, 1))  # ...so its renewal comes after it,
    drain(k, client)  # although its clock says a day earlier
    with platform.session() as s:
        assert s.get(HubMember, number).expires_on == "2028-01-01"
        assert not s.execute(select(Conflict).where(Conflict.kind == "stale_member_edit")).first()
    # A kiosk a day ahead cannot outvote what the platform decides after hearing from it.
    ahead, client2, _ = platform.kiosk("GN01", "GN01-ahead", clock=Clock(real_now + dt.timedelta(hours=24)))
    drain(ahead, client2)
    ahead.members.renew(number, dt.date(2029, 1, 1))
    drain(ahead, client2)
    admin.update_member(platform.db, number, expires_on="2026-12-31")
    drain(ahead, client2)
    assert local(ahead, Member, number=number).expires_on == "2026-12-31"
    # Within one kiosk the sequence decides: its clock jumps back a day between
    # a checkout and the return, and the platform still ends with the item returned.
    codes, cards = stock(k, items=1, members=1)
    assert k.circulation.checkout(cards[0], [codes[0]]).outcomes[0].ok
    clock.advance(hours=-24)
    k.circulation.return_item(codes[0])
    drain(k, client)
    with platform.session() as s:
        loan = s.execute(select(Loan).where(Loan.item_key == "GN01/" + codes[0])).scalar_one()
        assert loan.returned_at < loan.checked_out_at  # the wall clock went backwards
        assert s.get(HubItem, "GN01/" + codes[0]).status == "available"


def test_two_kiosks_of_one_centre_registering_members_offline_never_share_a_number(platform):
    # Before its first sync a kiosk numbers members on its own (M-000001...): two kiosks
    # of one centre would give out the same numbers. The platform gives each a block.
    first, c1, _ = platform.kiosk("GN01", "GN01-front")
    second, c2, _ = platform.kiosk("GN01", "GN01-back")
    drain(first, c1)
    drain(second, c2)
    blocks = (first.setting("member_block"), second.setting("member_block"))
    assert blocks[0] != blocks[1] and all(10 <= b <= 899 and not str(b).startswith("9") for b in blocks)
    numbers = {k: [k.members.add(f"오프라인{i}")[0].number for i in range(3)] for k in (first, second)}
    for k, block in zip((first, second), blocks):
        assert numbers[k] == [f"M-{block}{i:05d}" for i in (1, 2, 3)]
    drain(first, c1)
    drain(second, c2)
    assert flags(platform, "member_number_clash") == []
    with platform.session() as s:
        held = set(s.execute(select(HubMember.number).where(HubMember.origin.like("kiosk:%"))).scalars())
    assert set(numbers[first]) | set(numbers[second]) <= held
    # A member types the number on the PIN screen as digits: it finds them.
    with first.reading() as s:
        assert first.members.resolve(s, numbers[first][1].removeprefix("M-")).number == numbers[first][1]
    # Platform numbers stay six digits and are not confused with a kiosk's block.
    assert admin.add_member(platform.db, "GN01", "온라인")[0] == "M-900001"


def test_kiosks_registered_before_blocks_existed_get_one_each_on_upgrade(tmp_path):
    from alembic import command
    from sqlalchemy import create_engine, text

    from sync.hub.db import alembic_config, upgrade

    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as c:
        c.execute(text("INSERT INTO sites (code, name, created_at) VALUES ('GN01', '강남', '2026-11-01T00:00:00Z')"))
        for n, kiosk_id in enumerate(("GN01-b", "GN01-a")):
            c.execute(text("INSERT INTO kiosks (kiosk_id, site, credential_hash, created_at, held_seq, head_hash) "
                           "VALUES (:k, 'GN01', :h, :t, 0, :z)"),
                      {"k": kiosk_id, "h": f"{n:064d}", "t": f"2026-11-0{n + 1}T00:00:00Z", "z": "0" * 64})
    upgrade(engine)
    with engine.connect() as c:
        got = dict(c.execute(text("SELECT kiosk_id, member_block FROM kiosks")).all())
    engine.dispose()
    assert got == {"GN01-b": 10, "GN01-a": 11}  # in the order they were registered
