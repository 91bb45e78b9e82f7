"""Two kiosks at one centre share its loans through the platform.

A resident borrows at one kiosk and returns or renews at the other; the loan
limit counts loans made at either. Each kiosk's event log still replays to
its tables (the pulls that brought the other kiosk's loans name them).
"""

from __future__ import annotations

from sqlalchemy import select

from kiosk.store.models import Item, Loan
from sync.hub.models import Loan as HubLoan

from platformkit import drain, stock


def _status(k, code):
    with k.reading() as s:
        return s.execute(select(Item.status).where(Item.code == code, Item.home_site == k.site)).scalar_one()


def _open(k):
    with k.reading() as s:
        return sorted(s.execute(select(Loan.uid).where(Loan.returned_at.is_(None))).scalars())


def _sound(k):
    assert k.maintenance.verify_log().ok
    report = k.maintenance.check()
    assert report.ok, report.problems


def test_a_loan_made_at_one_kiosk_is_returned_at_the_other(platform):
    a, ac, _ = platform.kiosk("GN01", "GN01-a")
    b, bc, b_clock = platform.kiosk("GN01", "GN01-b")
    codes, cards = stock(a, items=5, members=1)
    drain(a, ac)
    drain(b, bc)
    assert a.circulation.checkout(cards[0], codes[:2]).outcomes[1].ok
    drain(a, ac)
    drain(b, bc)
    assert _open(b) == _open(a) and len(_open(b)) == 2
    assert [_status(b, c) for c in codes[:3]] == ["on_loan", "on_loan", "available"]
    assert sorted(v.item_code for v in b.circulation.loans(open_only=True, member_payload=cards[0])) == codes[:2]

    # the member's third loan at the other kiosk reaches the limit of 3; a fourth is refused
    assert b.circulation.checkout(cards[0], [codes[2]]).outcomes[0].ok
    refused = b.circulation.checkout(cards[0], [codes[3]]).outcomes[0]
    assert not refused.ok and refused.reason == "limit"

    # returned and renewed at b
    assert b.circulation.return_item(codes[0]).destination == "shelf"
    b_clock.advance(days=5)
    assert b.circulation.renew(codes[1]).ok
    for k, c in ((b, bc), (a, ac), (b, bc)):
        drain(k, c)
    with platform.session() as s:
        hub = {ln.item_key: ln for ln in s.execute(select(HubLoan)).scalars()}
    assert hub[f"GN01/{codes[0]}"].returned_at is not None
    assert hub[f"GN01/{codes[1]}"].renewals == 1
    assert _status(a, codes[0]) == "available" and _status(a, codes[2]) == "on_loan"
    assert _open(a) == _open(b) and len(_open(a)) == 2
    with a.reading() as s:
        due = dict(s.execute(select(Loan.uid, Loan.due_on).where(Loan.returned_at.is_(None))).all())
    with b.reading() as s:
        assert due == dict(s.execute(select(Loan.uid, Loan.due_on).where(Loan.returned_at.is_(None))).all())
    for k in (a, b):
        _sound(k)
