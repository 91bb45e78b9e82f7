"""The photo store: metadata stripped, two sizes, limits, garbage collection, retention."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from PIL import Image

from kiosk.errors import BadInput
from kiosk.limits import PHOTO_DISPLAY_PX, PHOTO_FILE_MAX, PHOTO_PIXELS_MAX, PHOTO_THUMB_PX
from kiosk.photos import CONDITION, CONTENTS, PhotoStore
from kiosk.services.desk import Desk, photo_store
from kiosk.services.staff import Staff

SERIAL = "CAMSERIAL-0042317"


def camera_jpeg(size=(3000, 2000), orientation: int | None = None) -> bytes:
    """A JPEG as a phone writes it: GPS position, camera serial, owner, a comment."""
    img = Image.new("RGB", size, (30, 120, 200))
    img.paste((240, 200, 10), (0, 0, size[0] // 3, size[1] // 3))  # a corner to tell the rotation by
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x013B] = "Kim Owner"  # Artist
    exif[0xA431] = SERIAL  # BodySerialNumber
    if orientation:
        exif[0x0112] = orientation
    exif.get_ifd(0x8825).update({1: "N", 2: (37.0, 30.0, 0.0), 3: "E", 4: (127.0, 2.0, 0.0)})  # GPS
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


@pytest.fixture
def store(tmp_path, make_kiosk):
    kiosk, clock = make_kiosk()
    return PhotoStore(tmp_path / "photos", clock), clock


def test_metadata_is_stripped_from_both_sizes(store):
    photos, _ = store
    raw = camera_jpeg()
    assert SERIAL.encode() in raw and b"PhoneMaker" in raw  # the input does carry them
    photo = photos.add(raw, "item")
    for path in (photo.display, photo.thumb):
        data = path.read_bytes()
        img = Image.open(path)
        assert not img.getexif(), path.name
        assert "exif" not in img.info and "comment" not in img.info and "icc_profile" not in img.info
        for secret in (SERIAL.encode(), b"PhoneMaker", b"Kim Owner", b"taken at home", b"GPS"):
            assert secret not in data


def test_sizes_and_the_content_name(store):
    photos, _ = store
    photo = photos.add(camera_jpeg((3000, 2000)), "item")
    assert Image.open(photo.display).size == (PHOTO_DISPLAY_PX, round(PHOTO_DISPLAY_PX * 2 / 3))
    assert max(Image.open(photo.thumb).size) == PHOTO_THUMB_PX
    assert photo.display.name == photo.name == hashlib.sha256(photo.display.read_bytes()).hexdigest() + ".jpg"
    # The same picture again is the same file.
    assert photos.add(camera_jpeg((3000, 2000)), "item") == photo
    assert photos.names("item") == {photo.name}


def test_a_sideways_phone_photo_is_stored_upright(store):
    photos, _ = store
    # Orientation 6: the camera was turned; viewers rotate 90 degrees clockwise.
    photo = photos.add(camera_jpeg((1200, 800), orientation=6), "item")
    img = Image.open(photo.display)
    assert img.size == (round(800 * PHOTO_DISPLAY_PX / 1200), PHOTO_DISPLAY_PX)
    r, g, b = img.getpixel((img.width - 5, 5))  # the yellow corner is now top right
    assert r > 180 and g > 150 and b < 100


def test_a_small_png_with_transparency_is_kept_small_and_flattened(store):
    photos, _ = store
    out = io.BytesIO()
    Image.new("RGBA", (100, 60), (0, 0, 0, 0)).save(out, "PNG")
    photo = photos.add(out.getvalue(), "item")
    img = Image.open(photo.display)
    assert img.size == (100, 60) and img.mode == "RGB" and img.getpixel((5, 5)) == (255, 255, 255)


@pytest.mark.parametrize("data", [b"", b"\xff\xd8\xff", b"%PDF-1.7 not a photo", b"GIF89a" + b"\0" * 40,
                                  b"<svg xmlns='http://www.w3.org/2000/svg'/>"])
def test_what_is_not_a_photo_is_refused_and_nothing_is_written(store, data):
    photos, _ = store
    with pytest.raises(BadInput) as info:
        photos.add(data, "item")
    assert info.value.msgid.startswith("This file is not a photo")
    assert not photos.root.exists() or not any(photos.root.rglob("*.jpg"))


def test_a_gif_is_refused(store):
    photos, _ = store
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(BadInput, match="not a photo"):
        photos.add(out.getvalue(), "item")


def test_oversize_files_and_pixel_bombs_are_refused(store, tmp_path):
    photos, _ = store
    big = tmp_path / "big.jpg"
    big.write_bytes(camera_jpeg((64, 64)) + b"\0" * PHOTO_FILE_MAX)
    with pytest.raises(BadInput) as info:
        photos.add(big, "item")
    assert info.value.msgid.startswith("The photo is too large")
    # Small on disk, huge once decoded: refused on the header, before decoding.
    side = int(PHOTO_PIXELS_MAX ** 0.5) + 10
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    assert len(out.getvalue()) < 2_000_000
    with pytest.raises(BadInput) as info:
        photos.add(out.getvalue(), "item")
    assert info.value.msgid.startswith("The photo has too many pixels")
    assert not any(photos.root.rglob("*.jpg")) if photos.root.exists() else True


def test_garbage_collection_keeps_referenced_item_photos_only(store):
    photos, clock = store
    kept = photos.add(camera_jpeg((300, 200)), "item")
    dropped = photos.add(camera_jpeg((200, 300)), "item")
    clock.advance(days=3650)  # item photos do not expire while referenced
    assert photos.collect([str(kept.display)]) == 1
    assert kept.display.is_file() and kept.thumb.is_file()
    assert not dropped.display.exists() and not dropped.thumb.exists()
    assert photos.collect([]) == 1 and not kept.display.exists()


def test_condition_and_contents_photos_expire_after_their_retention(store):
    photos, clock = store
    condition = photos.add(camera_jpeg((300, 200)), "condition")
    contents = photos.add(camera_jpeg((200, 300)), "contents")
    clock.advance(days=CONTENTS.keep_days - 1)
    assert photos.collect() == 0
    clock.advance(days=2)
    assert photos.collect() == 1
    assert not contents.display.exists() and condition.display.is_file()
    # Referring to an expiring photo does not keep it: privacy wins.
    clock.advance(days=CONDITION.keep_days - CONTENTS.keep_days)
    assert photos.collect([condition.name]) == 1 and not condition.display.exists()


def test_an_unknown_kind_is_refused(store):
    photos, _ = store
    with pytest.raises(BadInput, match="Unknown kind"):
        photos.add(camera_jpeg((10, 10)), "selfie")


def test_the_desk_stores_an_item_photo_and_collects_the_replaced_one(make_kiosk, tmp_path):
    kiosk, clock = make_kiosk()
    kiosk.catalogue.add_item("T-1", "드릴")
    boss = Staff(kiosk).create_first_manager("김관리", "2580")
    first, second = tmp_path / "a.jpg", tmp_path / "b.jpg"
    first.write_bytes(camera_jpeg((400, 300)))
    second.write_bytes(camera_jpeg((300, 400)))
    desk = Desk(kiosk)
    one = desk.set_photo("T-1", first, by=boss).photo
    two = desk.set_photo("T-1", second, by=boss).photo
    assert one != two and SERIAL.encode() not in open(two, "rb").read()
    store = photo_store(kiosk)
    capture = store.incoming / "T-1-capture.jpg"
    capture.parent.mkdir(parents=True)
    capture.write_bytes(camera_jpeg((10, 10)))
    assert desk.collect_photos() == 1  # the first photo; the capture is younger than a day
    os.utime(capture, (clock().timestamp() - 2 * 86400,) * 2)  # taken two days ago
    assert desk.collect_photos() == 1 and not capture.exists()
    assert store.names("item") == {os.path.basename(two)}
    # A file that is not a photo changes nothing.
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(BadInput, match="not a photo"):
        desk.set_photo("T-1", bad, by=boss)
    assert kiosk.catalogue.get("T-1").photo == two


def test_nanum_retention_deletes_the_photos_nothing_keeps(nanum, tmp_path):
    import json
    from pathlib import Path

    from kiosk.services import open_kiosk

    assert nanum("init")[0] == 0
    assert nanum("item", "add", "T-1", "사다리")[0] == 0
    shot = tmp_path / "ladder.jpg"
    shot.write_bytes(camera_jpeg((120, 90)))
    k = open_kiosk(nanum.data)
    try:
        boss = Staff(k).create_first_manager("김관리", "2580")
        stray = photo_store(k).add(camera_jpeg((90, 120)), "item")  # an item's former photo
        kept = Path(Desk(k).set_photo("T-00001", shot, by=boss).photo)
    finally:
        k.close()
    code, out, err = nanum("--json", "retention")
    assert code == 0, err
    assert json.loads(out)["photos_removed"] == 1
    assert kept.is_file() and not stray.display.exists()
