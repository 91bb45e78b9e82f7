"""Item photos reach the platform: uploaded by the kiosk's sync, shown on the public item page."""

from __future__ import annotations

import hashlib
import io
import re

import httpx
from PIL import Image

from kiosk.limits import PHOTO_UPLOAD_MAX
from kiosk.services.desk import Desk
from kiosk.services.staff import Staff
from sync.hub.photos import ItemPhoto

from platformkit import drain, stock

SERIAL = b"CAMSERIAL-77"


def _photo(tmp_path, colour=(20, 160, 90), name="shot.jpg"):
    exif = Image.Exif()
    exif[0xA431] = SERIAL.decode()
    path = tmp_path / name
    Image.new("RGB", (1600, 1200), colour).save(path, exif=exif.tobytes())
    return path


def _img(page: str) -> re.Match:
    found = re.search(r'<img src="(/photos/[0-9a-f]{64}\.jpg)" alt="([^"]+)" width="(\d+)" height="(\d+)"', page)
    assert found, page
    return found


def test_a_photo_taken_in_staff_mode_reaches_the_item_page_with_alt_text(platform, tmp_path):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    codes, _ = stock(k, items=2, members=0)
    drain(k, client)
    page = httpx.get(f"{platform.url}/i/GN01/{codes[0]}", params={"lang": "ko"})
    assert page.status_code == 200 and "/photos/" not in page.text, page.text  # no photo yet:
    icon = re.search(r'<img class="pictogram" src="(/pictograms/[a-z0-9-]+\.svg)" alt=""', page.text)
    assert icon, page.text  # the kind of thing it is, as the kiosk draws it
    svg = httpx.get(platform.url + icon.group(1))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<svg")
    for bad in ("no-such-icon", "..%2F..%2Fpyproject", "%2Fetc%2Fpasswd"):
        assert httpx.get(f"{platform.url}/pictograms/{bad}.svg").status_code == 404

    boss = Staff(k).create_first_manager("김관리", "2580")
    Desk(k).set_photo(codes[0], _photo(tmp_path), by=boss)
    drain(k, client)
    assert platform_has_photo(platform, codes[0])

    for lang, alt in (("ko", "물품 T1"), ("en", "물품 T1")):
        page = httpx.get(f"{platform.url}/i/GN01/{codes[0]}", params={"lang": lang})
        src, alt_text, width, height = _img(page.text).groups()
        assert alt in alt_text and (int(width), int(height)) == (1024, 768)
    image = httpx.get(platform.url + src)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert "immutable" in image.headers["cache-control"]
    assert src.endswith(hashlib.sha256(image.content).hexdigest() + ".jpg")  # named by its content
    assert SERIAL not in image.content and not Image.open(io.BytesIO(image.content)).getexif()
    assert Image.open(io.BytesIO(image.content)).getpixel((10, 10))[1] > 120  # the green photo
    # The other item still has none; nothing is sent again on a quiet round.
    assert "/photos/" not in httpx.get(f"{platform.url}/i/GN01/{codes[1]}").text
    assert drain(k, client).photos == 0

    # A new photo replaces it; taking it away removes it from the page.
    Desk(k).set_photo(codes[0], _photo(tmp_path, (200, 30, 30), "red.jpg"), by=boss)
    drain(k, client)
    new_src = _img(httpx.get(f"{platform.url}/i/GN01/{codes[0]}").text).group(1)
    assert new_src != src and httpx.get(platform.url + src).status_code == 404
    Desk(k).set_photo(codes[0], None, by=boss)
    drain(k, client)
    page = httpx.get(f"{platform.url}/i/GN01/{codes[0]}").text
    assert "/photos/" not in page and 'class="pictogram"' in page


def platform_has_photo(platform, code):
    with platform.session() as s:
        return s.get(ItemPhoto, f"GN01/{code}") is not None


def _upload(platform, credential, site, code, body, content_type="image/jpeg"):
    return httpx.put(f"{platform.url}/api/v1/photos/{site}/{code}", content=body,
                     headers={"Authorization": f"Bearer {credential}", "Content-Type": content_type})


def _jpeg(size=(200, 150)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 200)).save(out, "JPEG")
    return out.getvalue()


def test_uploads_are_authenticated_limited_in_size_and_only_for_the_kiosks_own_items(platform, tmp_path):
    gn, gn_client, _ = platform.kiosk("GN01", "GN01-a")
    mp, mp_client, _ = platform.kiosk("MP01", "MP01-a")
    gn_codes, _ = stock(gn, items=1, members=0)
    mp_codes, _ = stock(mp, items=1, members=0, prefix="K")
    drain(gn, gn_client)
    drain(mp, mp_client)
    gn_cred = platform.credential("GN01-b", "GN01")

    assert _upload(platform, gn_cred, "GN01", gn_codes[0], _jpeg()).status_code == 200
    # Another centre's item: refused, whatever code it names, and nothing stored.
    other = _upload(platform, gn_cred, "MP01", mp_codes[0], _jpeg())
    assert other.status_code == 403 and other.json()["error"] == "forbidden"
    assert not platform_has_photo_key(platform, f"MP01/{mp_codes[0]}")
    # No credential, or a wrong one.
    assert _upload(platform, "nonsense", "GN01", gn_codes[0], _jpeg()).status_code == 401
    assert httpx.put(f"{platform.url}/api/v1/photos/GN01/{gn_codes[0]}", content=_jpeg()).status_code == 401
    # Over the limit: refused before the body is read.
    big = _upload(platform, gn_cred, "GN01", gn_codes[0], b"\xff\xd8" + b"\0" * PHOTO_UPLOAD_MAX)
    assert big.status_code == 413
    # Not a picture, and an unknown item.
    bad = _upload(platform, gn_cred, "GN01", gn_codes[0], b"%PDF-1.7 hello")
    assert bad.status_code == 400 and "사진" in bad.json()["message"]  # the platform answers in Korean by default
    assert _upload(platform, gn_cred, "GN01", "T-09999", _jpeg()).status_code == 404
    assert httpx.get(f"{platform.url}/photos/not-a-name.jpg").status_code == 404


def platform_has_photo_key(platform, key):
    with platform.session() as s:
        return s.get(ItemPhoto, key) is not None
