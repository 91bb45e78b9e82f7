"""Three centres with two kiosks each, every centre numbering its ledger from T-00001.

Centres work offline and never coordinate, so their codes coincide; an item is
named in the city by (home site, code) and no centre's item ever takes another's
place: on the kiosks, on the platform, or through a pull.
"""

from __future__ import annotations

import csv
import os
import random

import httpx
from sqlalchemy import select

from kiosk.services import syncstate
from kiosk.services.importer import import_items
from kiosk.store.models import Item
from sync.hub.models import Conflict
from sync.hub.models import Item as HubItem
from sync.hub.models import Loan as HubLoan

from platformkit import drain

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


# -- the whole city through a faulty network ----------------------------------------------
def _credential(client):
    return client._http.headers["Authorization"].split()[1]


def _until(what, weather, tries=40):
    for _ in range(tries):
        if what():
            return
        weather()
    raise AssertionError("the city did not get there through the faulty network")


def _own_loans(k):
    """Uids of the loans this kiosk made (its checkout events)."""
    import json

    from kiosk.store.models import Event
    with k.reading() as s:
        return {json.loads(p)["loan"] for p in s.execute(
            select(Event.payload).where(Event.type == "loan.checked_out")).scalars()}


def _waits(k, number):
    """Whether kiosk ``k`` knows that member ``number`` waits for its T-00001."""
    from kiosk.store.models import Member, Reservation
    with k.reading() as s:
        return s.execute(select(Reservation.id).join(Member, Reservation.member_id == Member.id)
                         .join(Item, Reservation.item_id == Item.id)
                         .where(Member.number == number, Item.code == "T-00001",
                                Reservation.status == "waiting")).first() is not None


def _states(k, site):
    with k.reading() as s:
        return {i.code: (i.name_ko, i.parts_total, i.status) for i in s.execute(
            select(Item).where(Item.home_site == site)).scalars()}


def test_three_centres_converge_through_a_faulty_network(platform, tmp_path):
    """Every centre imports T-00001.., lends at both kiosks, a new member reserves online
    (API and web page) and borrows by card, a GN01 item returned at MP01 goes home, and
    an SD01 kiosk restored from the day before rejoins: through a network that drops,
    cuts, delays and fails one request in four, with kiosks going offline at random."""
    from kiosk.codes import item_label_payload
    from kiosk.services import recovery
    from kiosk.services.transfers import open_transfers
    from sync.client import SyncClient, SyncError
    from sync.hub.models import Member as HubMember
    from sync.hub.models import Reservation as HubReservation
    from sync.round import sync_round

    from faultproxy import FaultProxy
    from test_restore_recovery import assert_logs_agree

    rng = random.Random(int(os.environ.get("NANUM_CITY_SEED", "15")))
    proxy = FaultProxy(platform.server.port, rate=0.25, seed=rng.randrange(10_000), delay_s=(0.01, 0.3))
    kiosks, faulty, clocks = {}, {}, {}
    for site in CENTRES:
        platform.site(site, f"{site} 나눔센터")
        kiosks[site] = []
        for suffix in "ab":
            k, direct, clock = platform.kiosk(site, f"{site}-{suffix}")
            kiosks[site].append((k, direct))
            faulty[k.kiosk_id] = SyncClient(proxy.url, _credential(direct), timeout=0.5, keepalive=False)
            clocks[k.kiosk_id] = clock
    everyone = [kc for pairs in kiosks.values() for kc in pairs]
    failures = []

    def weather(rounds=1):
        """Each kiosk that is online this round (two in three) syncs through the faulty network."""
        for _ in range(rounds):
            for k, _direct in rng.sample(everyone, len(everyone)):
                if rng.random() < 1 / 3:
                    continue
                try:
                    sync_round(k, faulty[k.kiosk_id])
                except SyncError:
                    failures.append(k.kiosk_id)

    (gn_a, _), (gn_b, _) = kiosks["GN01"]
    (mp_a, _), (mp_b, _) = kiosks["MP01"]
    (sd_a, _), (sd_b, sd_b_direct) = kiosks["SD01"]
    for site, rows in CENTRES.items():
        assert import_items(kiosks[site][0][0], _ledger(tmp_path / f"{site}.csv", rows)).imported == 3
    weather(3)
    for k, direct in everyone:  # installation day: every kiosk has been online once
        drain(k, direct)
    cards = {}
    for site in CENTRES:
        (a, _), (b, _) = kiosks[site]
        _, cards[a.kiosk_id] = a.members.add("주민 가")
        _, cards[b.kiosk_id] = b.members.add("주민 나")
        assert a.circulation.checkout(cards[a.kiosk_id], ["T-00001"]).outcomes[0].ok
        assert b.circulation.checkout(cards[b.kiosk_id], ["T-00002"]).outcomes[0].ok
    backup = sd_b.maintenance.backup(tmp_path / "sd01-b-yesterday.sqlite3")
    weather(2)

    # A resident joins at MP01's first kiosk and sets a PIN there ...
    newcomer, newcomer_card = mp_a.members.add("새 주민")
    mp_a.members.set_pin(newcomer.number, "2468")

    def pin_known():
        with platform.session() as s:
            m = s.get(HubMember, newcomer.number)
            return m is not None and m.pin_hash is not None
    _until(pin_known, weather)
    # ... reserves the free board game through the API and the train set (on loan) on the web page
    made = httpx.post(platform.url + "/api/v1/reservations",
                      json={"member": newcomer.number, "secret": "2468", "item": "T-00003"})
    assert made.status_code == 201, made.text
    page = httpx.post(platform.url + "/i/MP01/T-00001/reserve?lang=en",
                      data={"member": newcomer.number, "secret": "2468"})
    assert page.status_code == 201 and "Reserved" in page.text
    mine = httpx.post(platform.url + "/api/v1/members/reservations",
                      json={"member": newcomer.number, "secret": "2468"}).json()
    assert sorted((r["item"], r["status"]) for r in mine)[0][0] == "T-00001"

    # A day at SD01's second kiosk: a return and a loan, then it is restored from the day before.
    clocks["SD01-b"].advance(hours=8)
    assert sd_b.circulation.return_item("T-00002").destination == "shelf"
    assert sd_b.circulation.checkout(cards["SD01-b"], ["T-00003"]).outcomes[0].ok
    _until(lambda: not syncstate.outbox_depth(sd_b), weather)
    clocks["SD01-b"].advance(hours=16)
    sd_b.maintenance.restore(backup)
    assert recovery.status(sd_b)["state"] == "pending"

    # MP01's first kiosk holds the board game for the newcomer, who borrows it by card.
    _until(lambda: mp_a.catalogue.get("T-00003").status == "held", weather)
    assert mp_a.circulation.checkout(newcomer_card, ["T-00003"]).outcomes[0].ok
    # The train set comes back at MP01's second kiosk (lent at the first): held for the newcomer.
    _until(lambda: mp_b.catalogue.get("T-00001").status == "on_loan" and _waits(mp_b, newcomer.number),
           weather)
    back = mp_b.circulation.return_item("T-00001", parts_counted=24)
    assert back.destination == "reservation_shelf", back
    assert mp_b.circulation.checkout(newcomer_card, ["T-00001"]).outcomes[0].ok

    # GN01's hammer is handed in at MP01's second kiosk; it travels home.
    hammer = item_label_payload("T-00001", mp_b.base_url, site="GN01")
    assert mp_b.circulation.return_item(hammer).destination == "transfer"
    _until(lambda: [t.item.code for t in open_transfers(gn_b).to_expect] == ["T-00001"], weather)
    assert gn_b.circulation.return_item(item_label_payload("T-00001", gn_b.base_url, site="GN01")
                                        ).destination == "shelf"
    weather(3)

    proxy.close()
    for _ in range(2):
        for k, direct in everyone:
            drain(k, direct)
    assert failures, "the network never failed"
    assert recovery.status(sd_b)["state"] == "done"
    assert_logs_agree(platform, sd_b)

    want_status = {"GN01": ["available", "on_loan", "available"],
                   "MP01": ["on_loan", "on_loan", "on_loan"],
                   "SD01": ["on_loan", "available", "on_loan"]}
    with platform.session() as s:
        hub_items = {(i.home_site, i.code): (i.name_ko, i.status) for i in s.execute(select(HubItem)).scalars()}
        hub_loans = [ln.uid for ln in s.execute(select(HubLoan)).scalars()]
        kinds = set(s.execute(select(Conflict.kind)).scalars())
        reservations = {r.item_key: r.status for r in s.execute(
            select(HubReservation).where(HubReservation.member_number == newcomer.number)).scalars()}
    for site, rows in CENTRES.items():
        want = {f"T-{n:05d}": (name, parts, status) for n, ((name, parts), status)
                in enumerate(zip(rows, want_status[site]), start=1)}
        for k, _direct in kiosks[site]:
            assert _states(k, site) == want, k.kiosk_id
            assert k.maintenance.verify_log().ok
            check = k.maintenance.check()
            assert check.ok, (k.kiosk_id, check.problems)
        assert {code: hub_items[(site, code)] for code in want} == \
            {code: (name, status) for code, (name, _parts, status) in want.items()}
    assert len(hub_items) == 9
    made_at_kiosks = set().union(*(_own_loans(k) for k, _ in everyone))
    assert sorted(hub_loans) == sorted(made_at_kiosks)  # every loan once
    assert reservations == {"MP01/T-00003": "fulfilled", "MP01/T-00001": "fulfilled"}
    assert "catalogue_differs" not in kinds and not {k for k in kinds if "clash" in k}, kinds
    assert open_transfers(mp_b).to_send == [] and open_transfers(gn_a).to_expect == []
