"""The platform's other endpoints: residents' reservations, the resident pages,
heartbeats, city-wide statistics and the OpenAPI document."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from sync.hub import admin
from sync.hub.models import Kiosk, Reservation

from platformkit import drain


@pytest.fixture
def centre(platform):
    k, client, _ = platform.kiosk("GN01")
    k.catalogue.add_item("T-00001", "전동드릴", name_en="Power drill", parts=4)
    k.catalogue.add_item("T-00002", "원형톱", name_en="Circular saw")
    k.catalogue.add_item("T-00003", "사다리", name_en="Ladder")
    walk_in = k.members.add("현장 회원")[1]
    assert k.circulation.checkout(walk_in, ["T-00002"]).outcomes[0].ok
    number, card = admin.add_member(platform.db, "GN01", "온라인 회원", pin="2468")
    drain(k, client)
    return k, client, number, card


def api(platform, method, path, **kw):
    return httpx.request(method, platform.url + "/api/v1" + path, **kw)


def test_reservations_are_created_listed_by_site_and_availability_and_cancelled(platform, centre):
    k, client, number, card = centre
    items = api(platform, "GET", "/sites/GN01/items").json()
    assert {i["code"]: i["available"] for i in items} == {"T-00001": True, "T-00002": False, "T-00003": True}
    free = api(platform, "GET", "/sites/GN01/items", params={"available": "true", "q": "drill"}).json()
    assert [i["code"] for i in free] == ["T-00001"]
    made = api(platform, "POST", "/reservations", json={"member": number, "secret": card,
                                                        "item": "https://nanum.example.org/i/T-00001"})
    assert made.status_code == 201 and made.json()["status"] == "requested"
    uid = made.json()["uid"]
    twice = api(platform, "POST", "/reservations", json={"member": number, "secret": "2468", "item": "T-00001"},
                headers={"Accept-Language": "en"})
    assert twice.status_code == 409 and twice.json()["message"] == "You are already on the list for this item."
    assert [i["code"] for i in api(platform, "GET", "/sites/GN01/items",
                                   params={"available": "true"}).json()] == ["T-00003"]
    auth = {"Authorization": client._http.headers["Authorization"]}
    listed = api(platform, "GET", "/sites/GN01/reservations", headers=auth).json()
    assert [(r["uid"], r["status"]) for r in listed] == [(uid, "requested")]
    mine = api(platform, "POST", "/members/reservations", json={"member": number, "secret": "2468"}).json()
    assert [r["item"] for r in mine] == ["T-00001"]
    gone = api(platform, "POST", f"/reservations/{uid}/cancel", json={"member": number, "secret": "2468"})
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    again = api(platform, "POST", f"/reservations/{uid}/cancel", json={"member": number, "secret": "2468"})
    assert again.status_code == 409


def test_reservation_mistakes_get_a_clear_message_and_change_nothing(platform, centre):
    k, client, number, card = centre
    wrong = api(platform, "POST", "/reservations", json={"member": number, "secret": "0000", "item": "T-00001"},
                headers={"Accept-Language": "en"})
    assert wrong.status_code == 401 and "card code is not right" in wrong.json()["message"]
    unknown = api(platform, "POST", "/reservations", json={"member": number, "secret": "2468", "item": "T-99999"})
    assert unknown.status_code == 404
    admin.update_item(platform.db, "T-00003", retired=True)
    retired = api(platform, "POST", "/reservations", json={"member": number, "secret": "2468", "item": "T-00003"})
    assert retired.status_code == 409 and retired.json()["detail"]["reason"] == "retired"
    with platform.session() as s:
        assert s.execute(select(Reservation)).first() is None


def test_a_resident_finds_an_item_at_a_centre_and_reserves_it_on_the_page(platform, centre):
    k, client, number, card = centre
    page = httpx.get(platform.url + "/centres/GN01", params={"q": "사다리"})
    assert page.status_code == 200 and "T-00003" in page.text and "T-00001" not in page.text
    old_label = httpx.get(platform.url + "/i/T-00001", params={"lang": "en"})
    assert old_label.status_code == 307 and old_label.headers["location"] == "/i/GN01/T-00001?lang=en"
    item = httpx.get(platform.url + "/i/T-00001", params={"lang": "en"}, follow_redirects=True)
    assert str(item.url).endswith("/i/GN01/T-00001?lang=en")
    assert "Power drill" in item.text and '<form method="post"' in item.text
    bad = httpx.post(platform.url + "/i/T-00001/reserve?lang=en", data={"member": number, "secret": "1111"})
    assert bad.status_code == 409 and "Could not reserve" in bad.text
    ok = httpx.post(platform.url + "/i/T-00001/reserve?lang=en", data={"member": number, "secret": "2468"})
    assert ok.status_code == 201 and "Reserved: T-00001 Power drill" in ok.text
    drain(k, client)  # the kiosk takes the request: held on the shelf
    with platform.session() as s:
        assert s.execute(select(Reservation.status)).scalar_one() == "held"
    assert httpx.get(platform.url + "/").status_code == 200
    assert httpx.get(platform.url + "/centres/XX99").status_code == 404


def test_the_heartbeat_tells_the_platform_how_the_kiosk_is(platform, centre):
    k, client, number, card = centre
    from sync.round import sync_round

    k.catalogue.add_item("T-00004", "망치")
    sync_round(k, client, health=lambda: {"camera": "ok", "printer": "paper_out"})
    with platform.session() as s:
        beat = s.get(Kiosk, k.kiosk_id).heartbeat
    assert beat["camera"] == "ok" and beat["printer"] == "paper_out"
    assert beat["outbox_depth"] == 0 and beat["version"] and beat["uptime_s"] >= 0
    assert beat["last_sync"].startswith("2026-03-10")
    bad = api(platform, "POST", "/heartbeat", json={"version": "x"})
    assert bad.status_code in (401, 422)


def test_city_wide_indicators(platform, centre):
    k, client, number, card = centre
    token = platform.admin_token()
    stats = api(platform, "GET", "/stats", headers={"Authorization": f"Bearer {token}"}).json()
    assert (stats["loans"], stats["open_loans"], stats["members_reached"], stats["items_lent"]) == (1, 1, 1, 1)
    assert stats["loans_by_site"] == {"GN01": 1} and stats["loans_by_category"] == {"tool": 1}
    (kiosk,) = stats["kiosks"]
    assert kiosk["events"] == kiosk["held_seq"] > 0 and kiosk["heartbeat"]["outbox_depth"] == 0


def test_the_openapi_document_in_docs_is_current():
    from sync.hub.openapi import DEFAULT_PATH, document

    committed = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(document())), \
        "docs/openapi.json is stale: run python -m sync.hub.openapi"
    assert "/api/v1/push" in committed["paths"] and "/api/v1/changes" in committed["paths"]
