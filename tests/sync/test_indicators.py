"""The city's sharing indicators and the public-data export, on PostgreSQL over HTTP.

A small city whose figures are counted by hand below: three centres in two districts,
a handful of items, members and loans (one across a month's end in Seoul's time).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import httpx
import pytest

from sync.hub.models import Item, Loan, Member

NOW = dt.datetime(2026, 3, 20, 0, 0, tzinfo=dt.UTC)

ITEMS = [("GN01", "T-1", 10000, "tool", False), ("GN01", "T-2", 20000, "toy", False),
         ("GN01", "T-3", 99999, "tool", True), ("GN02", "T-1", 50000, "kitchen", False),
         ("MP01", "T-1", 30000, "tool", False)]
MEMBERS = [("M-1", "GN01", "standard"), ("M-2", "GN01", "senior"), ("M-3", "GN02", "standard"),
           ("M-4", "MP01", "standard")] + [(f"M-{n}", "MP01", "standard") for n in range(5, 11)]
#: uid, item, member, site, out (UTC), back (UTC or None), condition
LOANS = [
    ("L1", "GN01/T-1", "M-1", "GN01", "2026-01-05T01:00:00", "2026-01-08T01:00:00", "ok"),
    ("L2", "GN01/T-1", "M-1", "GN01", "2026-02-10T01:00:00", "2026-02-11T00:00:00", "missing_parts"),
    # 1 March 01:00 in Seoul: a March loan
    ("L3", "GN01/T-2", "M-2", "GN01", "2026-02-28T16:00:00", "2026-03-02T16:00:00", "damaged"),
    ("L4", "GN02/T-1", "M-3", "GN02", "2026-03-10T00:00:00", None, None),
    ("L5", "MP01/T-1", "M-4", "MP01", "2025-12-20T00:00:00", "2025-12-25T00:00:00", "ok"),
    ("L6", "MP01/T-1", "M-4", "MP01", "2026-01-15T00:00:00", "2026-01-16T00:00:00", "ok"),
    ("L7", "GN01/T-2", "M-1", "GN01", "2026-03-05T00:00:00", "2026-03-06T00:00:00", "ok"),
] + [(f"N{n}", "MP01/T-1", f"M-{n}", "MP01", f"2025-11-{n:02d}T00:00:00", f"2025-11-{n:02d}T08:00:00", "ok")
     for n in range(5, 11)]


def build_city(platform) -> dict[str, str]:
    """The small city, its summaries, and one account of each role: their tokens."""
    from sync.hub import admin, indicators, roles

    for site, district in (("GN01", "강남구"), ("GN02", "강남구"), ("MP01", "마포구")):
        platform.site(site)
        roles.set_district(platform.db, site, district)
    with platform.session() as s:
        for site, code, value, category, retired in ITEMS:
            s.add(Item(code=code, home_site=site, name_ko=code, category=category, replacement_value=value,
                       retired=retired, location=site))
        for number, site, kind in MEMBERS:
            s.add(Member(number=number, home_site=site, member_type=kind, expires_on="2030-01-01",
                         display_name="홍길동"))
        for uid, item, member, site, out, back, condition in LOANS:
            s.add(Loan(uid=uid, item_key=item, member_number=member, member_type=dict(
                (m, k) for m, _, k in MEMBERS)[member], site=site, checked_out_at=out + ".000000Z",
                returned_at=back + ".000000Z" if back else None, condition=condition))
    indicators.refresh(platform.db, NOW)
    return {"city": admin.add_admin(platform.db, "city", role="city"),
            "gangnam": admin.add_admin(platform.db, "gangnam", role="district", district="강남구"),
            "mapo": admin.add_admin(platform.db, "mapo-centre", role="centre", site="MP01")}


def get(platform, token: str | None, path: str, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(platform.url + path, params=params, headers=headers, timeout=30)


def test_a_districts_figures_are_the_hand_counted_ones(platform):
    tokens = build_city(platform)
    r = get(platform, tokens["city"], "/api/v1/indicators", **{"from": "2026-01", "to": "2026-03",
                                                                "district": "강남"})
    assert r.status_code == 200, r.text
    f = r.json()
    assert f["scope"] == {"districts": ["강남구"], "sites": []}
    assert f["period"] == {"from": "2026-01", "to": "2026-03", "days": 90}
    # 3 items (T-3 is retired), all lent; loan days 3 + 1 + 2 + 10 (still out on 20 March) + 1
    assert f["resources"] == {"items": 3, "collection_value_won": 80000, "items_lent": 3,
                              "value_in_use_won": 80000, "idle_items": 0, "loan_days": 17,
                              "utilisation_pct": round(100 * 17 / (3 * 90), 1)}
    assert f["participants"] == {"members": 3, "active": 3, "new": 3, "repeat": 0, "age_bands": None}
    # M-1 borrowed T-1 twice: one purchase avoided; waste: tool 3 kg + toy 1 + kitchen 2.5 + toy 1
    assert f["outcomes"] == {"loans": 5, "returned": 4, "purchases_avoided": 4,
                             "purchases_avoided_won": 100000, "parts_lost": 1, "repairs": 1,
                             "waste_avoided_kg": 7.5}
    assert f["monthly"] == [{"month": "2026-01", "loans": 1, "active": 1},
                            {"month": "2026-02", "loans": 1, "active": 1},
                            {"month": "2026-03", "loans": 3, "active": 3}]
    assert [(r["key"], r["loans"], r["active"]) for r in f["breakdown"]] == [("GN01", 4, 2), ("GN02", 1, 1)]
    assert {t["member_type"]: (t["members"], t["active"]) for t in f["by_member_type"]} == {
        "standard": (2, 2), "senior": (1, 1)}

    # From February on M-1 is a returning member (first loan in January), M-2 and M-3 new
    later = get(platform, tokens["city"], "/api/v1/indicators",
                **{"from": "2026-02", "to": "2026-03", "district": "강남구"}).json()
    assert later["participants"] == {"members": 3, "active": 3, "new": 2, "repeat": 1, "age_bands": None}
    assert later["outcomes"]["loans"] == 4
    assert later["resources"]["items_lent"] == 3


def test_the_whole_city_counts_each_member_once_and_returning_ones(platform):
    tokens = build_city(platform)
    f = get(platform, tokens["city"], "/api/v1/indicators", **{"from": "2026-01", "to": "2026-03"}).json()
    assert f["scope"] == {"districts": [], "sites": []}
    assert f["participants"] == {"members": 10, "active": 4, "new": 3, "repeat": 1, "age_bands": None}
    assert f["outcomes"]["loans"] == 6
    assert f["resources"]["items"] == 4
    assert {r["key"]: r["loans"] for r in f["breakdown"]} == {"강남구": 5, "마포구": 1}
    # One centre named beside nothing else: that centre only
    one = get(platform, tokens["city"], "/api/v1/indicators",
              **{"from": "2025-11", "to": "2025-11", "site": "MP01"}).json()
    assert one["participants"]["active"] == 6 and one["outcomes"]["loans"] == 6
    assert one["resources"] == {"items": 1, "collection_value_won": 30000, "items_lent": 1,
                                "value_in_use_won": 30000, "idle_items": 0, "loan_days": 6,
                                "utilisation_pct": round(100 * 6 / 30, 1)}


def test_a_district_officer_sees_only_their_district(platform):
    tokens = build_city(platform)
    mine = get(platform, tokens["gangnam"], "/api/v1/indicators", **{"from": "2026-01", "to": "2026-03"})
    assert mine.status_code == 200
    assert mine.json()["scope"]["districts"] == ["강남구"]
    assert mine.json()["outcomes"]["loans"] == 5
    for params in ({"district": "마포구"}, {"site": "MP01"}, {"district": ["강남구", "마포구"]}):
        other = get(platform, tokens["gangnam"], "/api/v1/indicators", **params)
        assert other.status_code == 403, params
        assert other.json()["error"] == "forbidden"
    assert get(platform, tokens["gangnam"], "/api/v1/indicators", site="GN02").status_code == 200
    # a centre manager: their centre by default, nothing else
    assert get(platform, tokens["mapo"], "/api/v1/indicators",
               **{"from": "2025-11", "to": "2025-11"}).json()["outcomes"]["loans"] == 6
    assert get(platform, tokens["mapo"], "/api/v1/indicators", site="GN01").status_code == 403
    assert get(platform, None, "/api/v1/indicators").status_code == 401
    # the page itself: another district is refused there too, and nobody signed in goes to sign in
    page = get(platform, tokens["gangnam"], "/indicators", district="마포구")
    assert page.status_code == 403
    assert get(platform, None, "/indicators").status_code == 303


def test_bad_periods_and_places_are_refused_clearly(platform):
    tokens = build_city(platform)
    for params in ({"from": "2026-13"}, {"from": "2026-03", "to": "2026-01"}, {"district": "부산진구"},
                   {"site": "XX99"}, {"from": "1900-01", "to": "2026-01"}):
        r = get(platform, tokens["city"], "/api/v1/indicators", **params)
        assert r.status_code == 422, params
        assert r.json()["error"] == "invalid" and r.json()["message"], params


def test_the_page_pdf_and_csv_carry_the_figures(platform):
    tokens = build_city(platform)
    q = {"from": "2026-01", "to": "2026-03", "district": "강남구"}
    page = get(platform, tokens["city"], "/indicators", **q)
    assert page.status_code == 200
    assert 'id="loans">5<' in page.text and "<svg" in page.text and "GN01" in page.text
    assert "MP01" not in page.text
    pdf = get(platform, tokens["city"], "/indicators.pdf", **q)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    rows = list(csv.DictReader(io.StringIO(get(platform, tokens["city"], "/indicators.csv", **q).text)))
    assert {(r["section"], r["indicator"]): r["value"] for r in rows if r["key"] == ""}[
        ("outcomes", "purchases_avoided_won")] == "100000"


def test_the_public_export_suppresses_small_counts_and_holds_no_personal_data(platform):
    build_city(platform)
    r = httpx.get(platform.url + "/api/v1/open-data/indicators.json", timeout=30)
    assert r.status_code == 200
    doc = r.json()
    assert doc["schema"] == "nanum-sharing-monthly/1" and doc["suppressed_below"] == 5
    rows = {(x["month"], x["site_code"]): x for x in doc["rows"]}
    busy = rows[("2025-11", "MP01")]  # six members borrowed the one item
    assert (busy["loans"], busy["active_members"], busy["new_members"]) == (6, 6, 6)
    assert busy["items_lent"] == "<5" and busy["district"] == "마포구"
    quiet = rows[("2026-03", "GN01")]  # two loans, two members
    assert quiet["loans"] == "<5" and quiet["active_members"] == "<5"
    assert quiet["purchases_avoided"] == "<5" and quiet["purchases_avoided_won"] == "<5"
    assert quiet["waste_avoided_kg"] == "<5"
    assert set(busy) == set(doc["fields"])
    text = r.text + httpx.get(platform.url + "/api/v1/open-data/indicators.csv", timeout=30).text
    for personal in ["M-1", "M-4", "홍길동", "L1", "T-1"]:
        assert personal not in text
    every = [v for x in doc["rows"] for v in x.values() if isinstance(v, int)]
    assert not [v for v in every if 0 < v < 5]

    csv_rows = list(csv.DictReader(io.StringIO(
        httpx.get(platform.url + "/api/v1/open-data/indicators.csv", params={"from": "2025-11", "to": "2025-11"},
                  timeout=30).text)))
    assert [(x["site_code"], x["loans"], x["items_lent"]) for x in csv_rows] == [("MP01", "6", "<5")]
    assert httpx.get(platform.url + "/api/v1/open-data/indicators.json", params={"from": "2025-99"},
                     timeout=30).status_code == 422


@pytest.mark.parametrize("when", [NOW])
def test_the_refresh_job_rebuilds_the_summaries_from_the_loans(platform, when):
    from sync.hub import indicators

    tokens = build_city(platform)
    with platform.session() as s:
        s.add(Loan(uid="L8", item_key="GN02/T-1", member_number="M-3", member_type="standard", site="GN02",
                   checked_out_at="2026-03-15T00:00:00.000000Z"))
    before = get(platform, tokens["city"], "/api/v1/indicators", **{"from": "2026-03"}).json()
    indicators.refresh(platform.db, when)
    after = get(platform, tokens["city"], "/api/v1/indicators", **{"from": "2026-03"}).json()
    assert after["outcomes"]["loans"] == before["outcomes"]["loans"] + 1
    assert after["participants"]["active"] == before["participants"]["active"]  # M-3 already counted
    assert json.dumps(after["refreshed_at"]).startswith('"2026-03-20')
