"""An item's status changed at the kiosk reaches the platform with its reservations.

Retired at the desk or after an inspection: the platform's item page and API
say it is no longer lent and its waiting list is cancelled, online requests the
kiosk had not taken yet included, each member told. Taken off the reservation
shelf by staff: the held member waits again, in their place, on the platform too.

PostgreSQL over HTTP (tests/sync/platformkit.py).
"""

from __future__ import annotations

import httpx
from sqlalchemy import select

from kiosk.services.desk import Desk
from kiosk.services.staff import Staff
from kiosk.store.models import Item as KioskItem
from kiosk.store.models import Reservation as KioskReservation
from sync.hub import reservations as resv
from sync.hub.models import Item as HubItem
from sync.hub.models import Notice
from sync.hub.models import Reservation as HubReservation

from platformkit import drain

CODE = "T-00001"
KEY = f"GN01/{CODE}"


def _setup(platform):
    k, client, clock = platform.kiosk("GN01", "GN01-a")
    k.catalogue.add_item(CODE, "전동 드릴", parts=2)
    members = []
    for name in ("김대여", "이예약", "박대기", "최늦음"):
        view, card = k.members.add(name)
        k.members.set_pin(view.number, "2468")
        members.append((view.number, card))
    boss = Staff(k).create_first_manager("김관리", "2580")
    return k, client, clock, members, boss


def _reserve(platform, number):
    made = httpx.post(platform.url + "/api/v1/reservations",
                      json={"member": number, "secret": "2468", "item": CODE})
    assert made.status_code == 201, made.text


def _reservations(platform):
    with platform.session() as s:
        return [(r.member_number, r.status, r.hold_until) for r in s.execute(
            select(HubReservation).where(HubReservation.item_key == KEY)
            .order_by(HubReservation.created_at, HubReservation.uid)).scalars()]


def _told(platform, msgid):
    with platform.session() as s:
        return sorted(s.execute(select(Notice.member_number).where(Notice.msgid == msgid)).scalars())


def _shown(platform):
    """(status on the API, whether the item page offers to reserve, the page's status text)."""
    [row] = [r for r in httpx.get(platform.url + "/api/v1/sites/GN01/items").json() if r["code"] == CODE]
    page = httpx.get(platform.url + f"/i/GN01/{CODE}", params={"lang": "en"})
    assert page.status_code == 200
    return row["status"], "/reserve" in page.text, page.text


def _waiting_list(platform, k, client, members):
    """Lent to the first member; the second and third reserve online; back, held for the second."""
    (a, a_card), (b, _), (c, _), _ = members
    assert k.circulation.checkout(a_card, [CODE]).outcomes[0].ok
    drain(k, client)
    _reserve(platform, b)
    _reserve(platform, c)
    drain(k, client)  # the kiosk takes both requests: a waiting list
    assert k.circulation.return_item(CODE).held_for == b
    drain(k, client)
    assert [(m, st) for m, st, _ in _reservations(platform)] == [(b, "held"), (c, "waiting")]


def test_a_desk_retirement_retires_the_item_on_the_platform_and_cancels_its_waiting_list(platform):
    k, client, _, members, boss = _setup(platform)
    _waiting_list(platform, k, client, members)
    _, (b, _), (c, _), (d, _) = members
    assert _shown(platform)[:2] == ("held", True)
    _reserve(platform, d)  # online, after the kiosk's last pull: the kiosk has not taken it yet

    Desk(k).retire_item(CODE, by=boss, note="모터 고장")
    drain(k, client)

    status, reservable, page = _shown(platform)
    assert (status, reservable) == ("retired", False) and "no longer lent" in page
    with platform.session() as s:
        item = s.get(HubItem, KEY)
        assert (item.retired, item.status) == (True, "retired")
    assert [(m, st) for m, st, _ in _reservations(platform)] == [
        (b, "cancelled"), (c, "cancelled"), (d, "cancelled")]
    # each member hears of it, as of any cancellation at the centre
    assert _told(platform, resv.CANCELLED_AT_CENTRE) == sorted([b, c, d])
    # the kiosk took nothing back onto the list of a retired item
    assert k.catalogue.get(CODE).status == "retired"
    with k.reading() as s:
        local = s.execute(select(KioskReservation.status).join(
            KioskItem, KioskReservation.item_id == KioskItem.id).where(KioskItem.code == CODE)).scalars().all()
    assert sorted(local) == ["cancelled", "cancelled"]


def test_a_retirement_after_inspection_reaches_the_platform(platform):
    k, client, _, members, boss = _setup(platform)
    (a, a_card), (b, _), _, _ = members
    assert k.circulation.checkout(a_card, [CODE]).outcomes[0].ok
    drain(k, client)
    _reserve(platform, b)
    drain(k, client)
    k.circulation.return_item(CODE, parts_counted=1, damaged_note="손잡이 부러짐")
    drain(k, client)
    assert _shown(platform)[0] == "inspection"

    Desk(k).resolve_inspection(CODE, "retired", by=boss, note="수리 불가")
    drain(k, client)

    assert _shown(platform)[:2] == ("retired", False)
    assert [(m, st) for m, st, _ in _reservations(platform)] == [(b, "cancelled")]
    assert _told(platform, resv.CANCELLED_AT_CENTRE) == [b]


def test_a_held_item_taken_off_the_shelf_puts_its_member_back_in_the_queue_on_the_platform(platform):
    k, client, _, members, _boss = _setup(platform)
    _waiting_list(platform, k, client, members)
    _, (b, _), (c, _), _ = members

    k.catalogue.set_status(CODE, "inspection", actor="김관리", note="배터리 점검")
    drain(k, client)
    assert _reservations(platform) == [(b, "waiting", None), (c, "waiting", None)]
    assert _shown(platform)[0] == "inspection"

    # checked and back on the shelf: held for b again, here and on the platform
    k.catalogue.set_status(CODE, "available", actor="김관리")
    drain(k, client)
    assert [(m, st) for m, st, _ in _reservations(platform)] == [(b, "held"), (c, "waiting")]
    assert _shown(platform)[0] == "held"
    assert _told(platform, resv.READY).count(b) == 2  # ready when returned, and ready again
