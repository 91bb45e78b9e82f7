"""The resident's own pages: sign in with number + PIN, loans, reservations with cancel, notices."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select, text

from sync.hub.models import Reservation as HubReservation

from platformkit import drain, stock


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_a_resident_signs_in_sees_loans_and_reservations_cancels_one_and_signs_out(platform):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    codes, _ = stock(k, items=3, members=0)
    member, card = k.members.add("김나눔")
    k.members.set_pin(member.number, "2468")
    assert k.circulation.checkout(card, [codes[0]]).outcomes[0].ok
    drain(k, client)
    for code in codes[1:]:
        made = httpx.post(platform.url + "/api/v1/reservations",
                          json={"member": member.number, "secret": "2468", "item": code})
        assert made.status_code == 201, made.text
    drain(k, client)  # the kiosk holds both

    with httpx.Client(base_url=platform.url) as web:
        form = web.get("/me", params={"lang": "ko"})
        assert form.status_code == 200 and 'name="secret"' in form.text and "<script" not in form.text
        wrong = web.post("/me/signin?lang=en", data={"member": member.number, "secret": "1111"})
        assert wrong.status_code == 401 and "Could not sign in" in wrong.text and not web.cookies
        ok = web.post("/me/signin?lang=en", data={"member": member.number, "secret": "2468"})
        assert ok.status_code == 303
        cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        page = web.get("/me", params={"lang": "en"})
        assert page.status_code == 200 and f"Signed in as member {member.number}" in page.text
        assert codes[0] in page.text and "Due" in page.text  # the loan with its due date
        assert page.text.count("Cancel the reservation of") == 2
        assert "ready for pickup until" in page.text

        # a cancel without the page's token is refused and changes nothing
        forged = web.post(f"/me/reservations/{_uid(platform, codes[1])}/cancel?lang=en", data={"csrf": "x"})
        assert forged.status_code == 403
        assert _status(platform, codes[1]) == "held"
        done = web.post(f"/me/reservations/{_uid(platform, codes[1])}/cancel?lang=en",
                        data={"csrf": _csrf(page.text)})
        assert done.status_code == 200 and "is cancelled" in done.text
        assert _status(platform, codes[1]) == "cancelled"
        assert done.text.count("Cancel the reservation of") == 1
        drain(k, client)
        assert k.catalogue.get(codes[1]).status == "available"  # the kiosk released the hold

        vi = web.get("/me", params={"lang": "vi"})
        assert vi.status_code == 200 and 'lang="vi"' in vi.text and "Đăng xuất" in vi.text
        token = web.cookies["nanum_resident"]
        with platform.session() as s:
            stored = "\n".join(str(r) for r in s.execute(text("SELECT * FROM resident_sessions")).all())
        assert token not in stored and member.number in stored  # only the token's hash is kept

        out = web.post("/me/signout?lang=en", data={"csrf": _csrf(vi.text)})
        assert out.status_code == 303
        assert 'name="secret"' in web.get("/me").text
    # the old cookie signs nobody in any more
    again = httpx.get(platform.url + "/me", cookies={"nanum_resident": token})
    assert 'name="secret"' in again.text and member.number not in again.text


def _uid(platform, code):
    with platform.session() as s:
        return s.execute(select(HubReservation.uid).where(HubReservation.item_key == f"GN01/{code}")).scalar_one()


def _status(platform, code):
    with platform.session() as s:
        return s.execute(select(HubReservation.status).where(HubReservation.item_key == f"GN01/{code}")).scalar_one()


def _card_in(page: str) -> str:
    """The payload of the QR code on the phone-card page, read the way a kiosk reads it."""
    import base64

    import cv2
    import numpy as np
    import zxingcpp

    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1))
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    [found] = zxingcpp.read_barcodes(img)
    return found.text


def test_a_phone_card_signs_in_at_the_kiosk_and_a_new_or_blocked_one_stops_the_old(platform):
    from kiosk.errors import NotFound

    k, client, _ = platform.kiosk("GN01", "GN01-a")
    member, plastic = k.members.add("김나눔")
    k.members.set_pin(member.number, "2468")
    drain(k, client)
    with httpx.Client(base_url=platform.url) as web:
        web.post("/me/signin?lang=ko", data={"member": member.number, "secret": "2468"})
        page = web.get("/me", params={"lang": "ko"}).text
        shown = web.post("/me/card?lang=ko", data={"csrf": _csrf(page)})
        assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
        phone = _card_in(shown.text)
        assert phone != plastic and phone.upper().startswith("NKC")
        assert web.post("/me/card?lang=ko", data={"csrf": "forged"}).status_code == 403
        drain(k, client)
        assert k.members.identify(phone).number == member.number  # the phone card
        assert k.members.identify(plastic).number == member.number  # and the plastic one

        again = _card_in(web.post("/me/card?lang=ko", data={"csrf": _csrf(page)}).text)
        drain(k, client)
        assert k.members.identify(again).number == member.number
        with pytest.raises(NotFound):  # the phone card shown before stops working
            k.members.identify(phone)

        blocked = web.post("/me/card/block?lang=en", data={"csrf": _csrf(page)})
        assert blocked.status_code == 200 and "phone card is blocked" in blocked.text
        drain(k, client)
        with pytest.raises(NotFound):  # a blocked phone card no longer works
            k.members.identify(again)
        assert k.members.identify(plastic).number == member.number
        # staff block a card the member lost along with their phone (and cannot sign in to block)
        third = _card_in(web.post("/me/card?lang=ko", data={"csrf": _csrf(page)}).text)
        drain(k, client)
        assert k.members.identify(third).number == member.number
    from kiosk.cli import main

    assert main(["hub", "block-phone-card", member.number.lower(), "--db", platform.db_url()]) == 0
    drain(k, client)
    with pytest.raises(NotFound):  # nor one staff blocked
        k.members.identify(third)
    with platform.session() as s:
        dump = "\n".join(str(r) for r in s.execute(text("SELECT * FROM members")).all())
    assert phone[3:] not in dump and again[3:] not in dump  # only hashes are kept


def test_an_item_page_names_the_centres_that_have_one_on_the_shelf_now(platform):
    from sync.hub import admin

    for site, name in (("GN01", "강남"), ("MP01", "마포"), ("SD01", "성동")):
        platform.site(site, f"{name} 나눔센터")
        admin.add_item(platform.db, "T-00001", "전동드릴", site, category="tool")
    admin.add_item(platform.db, "T-00002", "전동드릴", "SD01", category="toy")  # another kind of thing
    with platform.session() as s:
        from sync.hub.models import Item as HubItem
        s.get(HubItem, "SD01/T-00001").status = "on_loan"
    page = httpx.get(platform.url + "/i/GN01/T-00001", params={"lang": "ko"})
    assert page.status_code == 200 and "지금 다른 센터 선반에 있어요" in page.text
    assert "/i/MP01/T-00001" in page.text and "마포 나눔센터" in page.text
    assert "/i/SD01/" not in page.text  # on loan there, or not the same kind of thing
