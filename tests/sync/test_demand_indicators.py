"""Unmet demand and membership fees in the city's indicators: the kiosks' demand events
(refused scans of items not on the shelf, waiting-list entries) synced to the platform and
counted per category, and their fee events (payments, exemptions), over HTTP, for the city
and for a district; in the CSV and the page too."""

from __future__ import annotations

import httpx

from platformkit import drain


def get(platform, token: str, path: str, **params) -> httpx.Response:
    return httpx.get(platform.url + path, params=params, headers={"Authorization": f"Bearer {token}"},
                     timeout=30)


def test_demand_per_category_reaches_the_city_indicators(platform):
    from sync.hub import admin, indicators, roles

    gn, gn_client, clock = platform.kiosk("GN01", "GN01-a")
    mp, mp_client, _ = platform.kiosk("MP01", "MP01-a", clock=clock)
    roles.set_district(platform.db, "GN01", "강남구")
    roles.set_district(platform.db, "MP01", "마포구")
    drill = gn.catalogue.add_item("T-00001", "전동드릴", category="tool").code
    saw = gn.catalogue.add_item("T-00002", "톱", category="tool").code
    blocks = mp.catalogue.add_item("K-00001", "블록", category="toy").code
    _, card = gn.members.add("주민")
    _, other = gn.members.add("이웃")
    gn.circulation.checkout(card, [drill])
    gn.rules.set_fee_plan("standard", 10_000)
    gn.rules.record_payment(card, 10_000, "cash", staff="김관리")
    gn.rules.record_payment(other, 12_000, "transfer", "국민 123", staff="김관리")
    gn.rules.set_exemption(other, "다자녀", staff="김관리")
    _, third = mp.members.add("마포주민")
    mp.rules.set_exemption(third, "기초생활수급자", staff="박관리")
    mp.rules.set_exemption(third, None, staff="박관리")  # ended: not exempt any more
    # Two residents scanned the drill while it was out, one the saw; one joined the drill's list.
    gn.rules.count_refused_scan(drill)
    gn.rules.count_refused_scan(drill)
    gn.rules.count_refused_scan(saw)
    gn.circulation.reserve(other, drill)
    mp.rules.count_refused_scan(blocks)
    drain(gn, gn_client)
    drain(mp, mp_client)
    indicators.refresh(platform.db, clock())
    city = admin.add_admin(platform.db, "city", role="city")

    r = get(platform, city, "/api/v1/indicators", **{"from": "2026-03", "to": "2026-03"})
    assert r.status_code == 200, r.text
    assert r.json()["demand"] == [
        {"category": "tool", "unavailable": 3, "waitlist": 1, "reservations_unmet": 0, "total": 4},
        {"category": "toy", "unavailable": 1, "waitlist": 0, "reservations_unmet": 0, "total": 1}]
    assert r.json()["fees"] == {"payments": 2, "paid_won": 22_000, "members_exempt": 1}
    r = get(platform, city, "/api/v1/indicators", **{"from": "2026-03", "to": "2026-03", "district": "마포"})
    assert [d["category"] for d in r.json()["demand"]] == ["toy"]
    assert r.json()["fees"] == {"payments": 0, "paid_won": 0, "members_exempt": 0}
    # Another month: none.
    r = get(platform, city, "/api/v1/indicators", **{"from": "2026-01", "to": "2026-02"})
    assert r.json()["demand"] == [] and r.json()["fees"]["payments"] == 0
    csv_text = get(platform, city, "/indicators.csv", **{"from": "2026-03", "to": "2026-03"}).text
    assert "demand,tool,unavailable,3" in csv_text and "demand,toy,total,1" in csv_text
    assert "fees,,paid_won,22000" in csv_text
    assert "다자녀" not in csv_text
    page = get(platform, city, "/indicators", **{"from": "2026-03", "to": "2026-03", "lang": "en"}).text
    assert "Unmet demand by category" in page and '<table id="demand">' in page
    assert "Membership fees" in page and '<table id="fees">' in page
    pdf = get(platform, city, "/indicators.pdf", **{"from": "2026-03", "to": "2026-03"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
