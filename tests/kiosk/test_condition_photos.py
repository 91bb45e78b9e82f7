"""Condition photos at a return, in the kiosk's services: kept in the photo store as
``condition`` photos, linked to the loan the return closed, and deleted with their
row when the store's retention for them ends (injected clock)."""

from __future__ import annotations

import io

from PIL import Image

from kiosk.photos import CONDITION
from kiosk.services.condition import ConditionPhotos
from kiosk.services.desk import Desk


def _jpeg(colour=(120, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")
    return out.getvalue()


def _returned(k):
    k.catalogue.add_item("T-1", "전동드릴", category="tool")
    _, card = k.members.add("주민")
    k.circulation.checkout(card, ["T-1"])
    k.circulation.return_item("T-1")
    [loan] = [ln for ln in k.circulation.loans() if ln.item_code == "T-00001"]
    return loan


def test_a_return_photo_is_kept_linked_to_its_loan(make_kiosk):
    k, _clock = make_kiosk()
    loan = _returned(k)
    kept = ConditionPhotos(k).keep("T-1", _jpeg(), faces_blurred=1)
    assert kept.loan_uid == loan.uid and kept.display.parent.name == CONDITION.name
    assert kept.display.is_file() and kept.thumb.is_file()
    assert ConditionPhotos(k).of_item("T-1") == [kept]
    assert ConditionPhotos(k).of_loan(loan.uid) == [kept]


def test_a_photo_is_deleted_when_its_retention_ends(make_kiosk):
    k, clock = make_kiosk()
    _returned(k)
    photos = ConditionPhotos(k)
    kept = photos.keep("T-1", _jpeg())
    clock.advance(days=CONDITION.keep_days - 1)
    newer = photos.keep("T-1", _jpeg((10, 200, 10)))
    assert Desk(k).collect_photos() == 0  # not yet
    assert photos.of_item("T-1") == [newer, kept]
    clock.advance(days=2)  # the first is past its 180 days, the second not
    assert Desk(k).collect_photos() == 1
    assert not kept.display.exists() and not kept.thumb.exists()
    assert photos.of_item("T-1") == [newer]
    assert photos.forget_expired() == 0  # its row went at the same run
    clock.advance(days=CONDITION.keep_days)
    Desk(k).collect_photos()
    assert photos.of_item("T-1") == [] and not newer.display.exists()


def test_nanum_retention_deletes_expired_condition_photos(nanum):
    import datetime as dt

    from kiosk.services import open_kiosk

    assert nanum("init")[0] == 0
    k = open_kiosk(nanum.data, clock=lambda: dt.datetime.now(dt.UTC) - dt.timedelta(days=200))
    try:
        _returned(k)
        kept = ConditionPhotos(k).keep("T-1", _jpeg())
    finally:
        k.close()
    code, out, _err = nanum("retention")
    assert code == 0 and not kept.display.exists()


def test_staff_choose_how_long_condition_photos_are_kept(make_kiosk, nanum):
    k, clock = make_kiosk()
    _returned(k)
    with k.transaction() as s:
        k.set_setting(s, "condition_photo_days", 30)
    kept = ConditionPhotos(k).keep("T-1", _jpeg())
    clock.advance(days=29)
    assert Desk(k).collect_photos() == 0 and kept.display.exists()
    clock.advance(days=2)
    assert Desk(k).collect_photos() == 1 and not kept.display.exists()
    # 'nanum rules photo-days' sets it.
    assert nanum("init")[0] == 0
    code, out, _err = nanum("rules", "photo-days", "90")
    assert code == 0 and "Condition photos are kept 90 days." in out
    code, out, _err = nanum("--json", "rules", "list")
    assert '"condition_photo_days": 90' in out


def test_the_checkout_photo_and_the_return_photo_of_a_loan_are_paired(make_kiosk):
    k, clock = make_kiosk()
    k.catalogue.add_item("T-1", "전동드릴", category="tool")
    _, card = k.members.add("주민")
    photos = ConditionPhotos(k)
    k.circulation.checkout(card, ["T-1"])
    out = photos.keep("T-1", _jpeg((200, 200, 200)), moment="checkout")
    [loan] = [ln for ln in k.circulation.loans() if ln.item_code == "T-00001"]
    assert out.loan_uid == loan.uid and out.moment == "checkout"
    assert photos.pair("T-1") == (None, None)  # not back yet
    clock.advance(days=3)
    k.circulation.return_item("T-1", damaged_note="부러짐")
    back = photos.keep("T-1", _jpeg((30, 30, 30)), faces_blurred=1)
    assert photos.pair("T-1") == (back, out)
