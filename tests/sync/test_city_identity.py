"""Three centres with two kiosks each, every centre numbering its ledger from T-00001.

Centres work offline and never coordinate, so their codes coincide; an item is
named in the city by (home site, code) and no centre's item ever takes another's
place: on the kiosks, on the platform, or through a pull.
"""

from __future__ import annotations

import csv
import random

import httpx
from sqlalchemy import select

from platformkit import drain
from kiosk.services.importer import import_items
from kiosk.store.models import Item
from sync.hub.models import Conflict
from sync.hub.models import Item as HubItem
from sync.hub.models import Loan as HubLoan

CENTRES = {
    "GN01": [("망치", 0), ("전동드릴", 4), ("사다리", 1)],
    "MP01": [("원목 기차 세트", 24), ("텐트", 6), ("보드게임", 120)],
    "SD01": [("전지가위", 1), ("캠핑 의자", 2), ("그림책 묶음", 5)],
}


def _ledger(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "category", "parts"])
        for n, (name, parts) in enumerate(rows, start=1):
            w.writerow([f"T-{n:05d}", name, "tool", parts])
    return path


def _catalogue(k, site):
    with k.reading() as s:
        return {i.code: (i.name_ko, i.parts_total) for i in s.execute(
            select(Item).where(Item.home_site == site)).scalars()}


def test_three_centres_with_the_same_codes_never_touch_each_others_items(platform, tmp_path):
    rng = random.Random(15)
    kiosks = {}
    for site in CENTRES:
        platform.site(site, f"{site} 나눔센터")
        kiosks[site] = [platform.kiosk(site, f"{site}-a")[:2], platform.kiosk(site, f"{site}-b")[:2]]
    lent = {}
    for site, rows in CENTRES.items():
        (a, ca), (b, cb) = kiosks[site]
        report = import_items(a, _ledger(tmp_path / f"{site}.csv", rows))
        assert report.ok and report.imported == 3
        drain(a, ca)
        drain(b, cb)  # the second kiosk of the centre gets the ledger by pull
        # lending at both kiosks of the centre, each with a member of its own
        _, card_a = a.members.add("주민 가")
        _, card_b = b.members.add("주민 나")
        assert a.circulation.checkout(card_a, ["T-00001"]).outcomes[0].ok
        assert b.circulation.checkout(card_b, ["T-00002"]).outcomes[0].ok
        lent[site] = {"T-00001": a, "T-00002": b}
    # every kiosk syncs, in a random order, several times (some stay offline a while)
    everyone = [pair for pairs in kiosks.values() for pair in pairs]
    for _ in range(3):
        for k, client in rng.sample(everyone, len(everyone)):
            if rng.random() < 0.7:
                drain(k, client)
    for k, client in everyone:
        drain(k, client)

    for site, rows in CENTRES.items():
        want = {f"T-{n:05d}": (name, parts) for n, (name, parts) in enumerate(rows, start=1)}
        for k, _client in kiosks[site]:
            assert _catalogue(k, site) == want  # its centre's items, as imported
        for code, k in lent[site].items():
            with k.reading() as s:
                item = s.execute(select(Item).where(Item.home_site == site, Item.code == code)).scalar_one()
            assert item.status == "on_loan"
        assert kiosks[site][0][0].catalogue.get("T-00003").status == "available"
    with platform.session() as s:
        items = {(i.home_site, i.code): i.name_ko for i in s.execute(select(HubItem)).scalars()}
        assert items == {(site, f"T-{n:05d}"): name for site, rows in CENTRES.items()
                         for n, (name, _parts) in enumerate(rows, start=1)}
        loans = sorted(ln.item_key for ln in s.execute(select(HubLoan)).scalars())
        assert loans == sorted(f"{site}/T-0000{n}" for site in CENTRES for n in (1, 2))
        kinds = set(s.execute(select(Conflict.kind)).scalars())
    assert "catalogue_differs" not in kinds and not {k for k in kinds if "clash" in k}, kinds

    # the item's page names one centre's item; an old label's URL lists the centres
    page = httpx.get(platform.url + "/i/MP01/T-00001", params={"lang": "ko"})
    assert page.status_code == 200 and "원목 기차 세트" in page.text and "망치" not in page.text
    listing = httpx.get(platform.url + "/i/T-00001", params={"lang": "ko"})
    assert listing.status_code == 200
    assert all(f"/i/{site}/T-00001" in listing.text for site in CENTRES)
