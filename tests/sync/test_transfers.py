"""An item returned at a centre that is not its home travels home.

GN01 lends its item; the resident hands it in at MP01. MP01 takes it back
offline, lists it to send and tells the resident where to put it; the platform
closes the loan and tells GN01, which lists it to expect and receives it with
a scan. Both ends converge whichever syncs first, and each kiosk's event log
still replays to its tables.
"""

from __future__ import annotations

from sqlalchemy import select

from kiosk.codes import item_label_payload
from kiosk.services.transfers import open_transfers
from kiosk.store.models import Item, Loan
from sync.hub.models import Item as HubItem
from sync.hub.models import Loan as HubLoan
from sync.hub.models import Transfer as HubTransfer

from platformkit import drain


def _centres(platform):
    platform.site("GN01", "강남 나눔센터")
    platform.site("MP01", "마포 나눔센터")
    gn, gnc, gn_clock = platform.kiosk("GN01", "GN01-a")
    gn2, gn2c, _ = platform.kiosk("GN01", "GN01-b")
    mp, mpc, _ = platform.kiosk("MP01", "MP01-a")
    gn.catalogue.add_item("T-00001", "전동드릴", parts=3)
    mp.catalogue.add_item("T-00001", "원목 기차 세트", parts=24)  # the same code at MP01
    for k, c in ((gn, gnc), (gn2, gn2c), (mp, mpc)):
        drain(k, c)
    _, card = gn.members.add("주민 가")
    assert gn.circulation.checkout(card, ["T-00001"]).outcomes[0].ok
    drain(gn, gnc)
    return (gn, gnc, gn_clock), (gn2, gn2c), (mp, mpc)


def _status(k, site, code="T-00001"):
    with k.reading() as s:
        return s.execute(select(Item.status).where(Item.home_site == site, Item.code == code)).scalar_one()


def _open_loans(k):
    with k.reading() as s:
        return s.execute(select(Loan.uid).where(Loan.returned_at.is_(None))).scalars().all()


def _sound(k):
    assert k.maintenance.verify_log().ok
    report = k.maintenance.check()
    assert report.ok, report.problems


def test_an_item_returned_at_another_centre_reaches_its_home_shelf(platform):
    (gn, gnc, gn_clock), (gn2, gn2c), (mp, mpc) = _centres(platform)
    label = item_label_payload("T-00001", mp.base_url, site="GN01")

    # MP01, offline: it takes GN01's drill back, not its own train set of the same code
    out = mp.circulation.return_item(label)
    assert out.destination == "transfer" and out.item.home_site == "GN01"
    assert _status(mp, "MP01") == "available"
    sending = open_transfers(mp)
    assert [(t.item.home_site, t.item.code, t.to_site) for t in sending.to_send] == [("GN01", "T-00001", "GN01")]
    assert sending.to_expect == []
    # scanned a second time: still one transfer
    assert mp.circulation.return_item(label).destination == "transfer"
    assert len(open_transfers(mp).to_send) == 1

    drain(mp, mpc)
    with platform.session() as s:
        item = s.get(HubItem, "GN01/T-00001")
        assert (item.status, item.location) == ("in_transit", "MP01")
        loan = s.execute(select(HubLoan).where(HubLoan.item_key == "GN01/T-00001")).scalar_one()
        assert loan.returned_at is not None and loan.return_site == "MP01" and loan.transfer
        assert s.get(HubItem, "MP01/T-00001").status == "available"

    # GN01 learns it: the loan ends, the drill is expected at both of its kiosks
    drain(gn, gnc)
    drain(gn2, gn2c)
    assert _open_loans(gn) == []
    for k in (gn, gn2):
        assert _status(k, "GN01") == "in_transit"
        assert [t.from_site for t in open_transfers(k).to_expect] == ["MP01"]
        assert open_transfers(k).to_send == []

    # it arrives: a scan at home puts it back on the shelf
    back = gn.circulation.return_item(item_label_payload("T-00001", gn.base_url, site="GN01"))
    assert back.destination == "shelf"
    assert _status(gn, "GN01") == "available"
    assert open_transfers(gn).to_expect == []
    for k, c in ((gn, gnc), (mp, mpc), (gn2, gn2c)):
        drain(k, c)
    with platform.session() as s:
        item = s.get(HubItem, "GN01/T-00001")
        assert (item.status, item.location) == ("available", "GN01")
        t = s.execute(select(HubTransfer)).scalar_one()
        assert t.received_at is not None and (t.from_site, t.to_site) == ("MP01", "GN01")
    assert open_transfers(mp).to_send == []
    assert _status(gn2, "GN01") == "available" and open_transfers(gn2).to_expect == []
    # and it can be lent again at home
    _, card = gn.members.add("주민 나")
    assert gn.circulation.checkout(card, ["T-00001"]).outcomes[0].ok
    for k in (gn, gn2, mp):
        _sound(k)


def test_home_before_the_platform_hears_of_the_transfer(platform):
    """Staff carry the drill home while MP01 is still offline: nothing goes back in transit."""
    (gn, gnc, gn_clock), (gn2, gn2c), (mp, mpc) = _centres(platform)
    out = mp.circulation.return_item(item_label_payload("T-00001", mp.base_url, site="GN01"))
    assert out.destination == "transfer"
    # an hour later GN01, which still has the loan open, takes it back: a plain return at home
    gn_clock.advance(hours=1)
    home = gn.circulation.return_item("T-00001")
    assert home.destination == "shelf"
    drain(gn, gnc)
    drain(mp, mpc)
    drain(gn, gnc)
    drain(gn2, gn2c)
    with platform.session() as s:
        item = s.get(HubItem, "GN01/T-00001")
        assert (item.status, item.location) == ("available", "GN01")
        assert s.execute(select(HubTransfer.received_at)).scalar_one() is not None
    assert _status(gn, "GN01") == "available"
    assert open_transfers(gn).to_expect == [] and open_transfers(gn2).to_expect == []
    drain(mp, mpc)
    assert open_transfers(mp).to_send == []
    for k in (gn, gn2, mp):
        _sound(k)


def test_only_the_home_centre_receives_its_item(platform):
    (gn, gnc, gn_clock), (gn2, gn2c), (mp, mpc) = _centres(platform)
    mp.circulation.return_item(item_label_payload("T-00001", mp.base_url, site="GN01"))
    drain(mp, mpc)
    drain(gn, gnc)
    # MP01 cannot mark GN01's drill as received, and a third centre's scan starts a new transfer
    import pytest

    from kiosk.errors import BadInput
    with pytest.raises(BadInput):
        mp.circulation.receive_transfer(item_label_payload("T-00001", mp.base_url, site="GN01"))
    got = gn.circulation.receive_transfer(item_label_payload("T-00001", gn.base_url, site="GN01"))
    assert got.destination == "shelf" and _status(gn, "GN01") == "available"
