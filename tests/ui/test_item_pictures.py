"""Items show their photo, or the pictogram of their kind: never a grey box repeating the code."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage

from kiosk.demo import ITEMS
from kiosk.pictograms import BY_CATEGORY, FALLBACK, NAMES, pictogram_for
from kiosk.services.desk import Desk
from kiosk.services.staff import Staff
from ui.assets import ASSETS
from ui.theme import THEMES, Theme, contrast_ratio
from ui.widgets.picture import pictogram_colours, pictogram_pixmap


def _colours(image: QImage) -> list[QColor]:
    step = max(1, image.width() // 60)
    return [image.pixelColor(x, y) for y in range(0, image.height(), step) for x in range(0, image.width(), step)]


def _hex(c: QColor) -> str:
    return c.name()


def test_a_resident_borrow_list_shows_pictograms_for_items_without_photos(window, ui, cards):
    ui.sign_in(cards["윤지우"])
    for code in ("T-00002", "K-00010"):
        ui.scan(ui.label(code))
    rows = {row.code: row for _o, _v, row in window.screens["borrow"].entries}
    assert rows["T-00002"].photo.shows == "pictogram" and rows["T-00002"].photo.pictogram == "hammer-drill"
    assert rows["K-00010"].photo.pictogram == "puzzle"
    # Drawn in the theme's primary colour on the tile: the pictogram's strokes are there.
    image = rows["T-00002"].photo.pixmap().toImage()
    primary = QColor(window.theme.palette.primary)
    assert any(abs(c.red() - primary.red()) + abs(c.green() - primary.green()) + abs(c.blue() - primary.blue()) < 30
               for c in _colours(image))


def test_an_item_photo_from_staff_mode_appears_in_the_resident_list(window, ui, cards, demo, tmp_path):
    from PIL import Image

    shot = tmp_path / "drill.jpg"
    Image.new("RGB", (640, 480), (200, 40, 160)).save(shot)  # magenta: nothing else on screen is
    boss = Staff(demo).create_first_manager("김관리", "2580")
    Desk(demo).set_photo("T-00003", shot, by=boss)
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00003"))
    [(_o, _v, row)] = window.screens["borrow"].entries
    assert row.photo.shows == "photo"
    image = row.photo.pixmap().toImage()
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    assert abs(centre.red() - 200) < 25 and abs(centre.green() - 40) < 25 and abs(centre.blue() - 160) < 25


@pytest.mark.parametrize("theme_name", THEMES)
@pytest.mark.parametrize("large", [False, True])
def test_pictograms_stand_out_at_3_to_1_in_every_theme(qapp, theme_name, large):
    theme = Theme.make(theme_name, large_text=large)
    fg, bg = pictogram_colours(theme)
    assert contrast_ratio(fg, bg) >= 3.0
    for name in sorted(NAMES):
        image = pictogram_pixmap(name, theme.mm(20), theme).toImage()
        tile = image.pixelColor(image.width() // 2, image.height() // 8)  # margin above the icon
        assert _hex(tile) == QColor(bg).name(), name
        # The strongest stroke pixel against the tile, as drawn (antialiasing included).
        best = max(contrast_ratio(_hex(c), bg) for c in _colours(image) if c.alpha() == 255)
        assert best >= 3.0, (theme_name, name, best)


def test_every_pictogram_ships_with_its_licence_and_every_demo_item_has_one():
    folder = ASSETS / "pictograms"
    assert (folder / "LICENSE-tabler-icons.txt").read_text().startswith("MIT License")
    for name in NAMES:
        svg = (folder / f"{name}.svg").read_text()
        assert "currentColor" in svg and "<script" not in svg, name
    chosen = {pictogram_for(cat, en, ko) for _c, ko, en, cat, *_ in ITEMS}
    assert FALLBACK not in chosen and set(BY_CATEGORY.values()) - chosen != set(BY_CATEGORY.values())
    assert len(chosen) >= 25  # a drill looks like a drill, a puzzle like a puzzle
    assert pictogram_for("toy", "Jigsaw puzzle (48 pieces)") == "puzzle"
    assert pictogram_for("tool", "Jigsaw") == "blade"
    assert pictogram_for("toy", "Ride-on car") == "car" and pictogram_for("household", "Carpet cleaner") != "car"
    assert pictogram_for("toy", "", "곰 인형") == "mood-kid"
    assert pictogram_for("spaceship") == FALLBACK


def test_the_staff_catalogue_lists_items_with_their_pictures(window, ui, demo, tmp_path):
    from PIL import Image
    from PySide6.QtWidgets import QPushButton

    from ui.staffmode import open_staff_mode
    from ui.widgets.common import ItemPhoto

    boss = Staff(demo).create_first_manager("김관리", "2580")
    shot = tmp_path / "saw.jpg"
    Image.new("RGB", (300, 200), (240, 120, 0)).save(shot)
    Desk(demo).set_photo("T-00004", shot, by=boss)
    window.staff_mode_hook = open_staff_mode
    ui.tap("StaffDoor")
    [b] = [b for b in window.findChildren(QPushButton) if b.text() == "김관리" and b.isVisible()]
    ui.tap(b.objectName())
    for d in "2580":
        ui.tap(f"staffkey_{d}")
    ui.tap("staffkey_ok")
    ui.tap("StaffMenu_staff_mode")
    ui.tap("nav_catalogue")
    ui.settle()
    pictures = {}
    for pic in window.staff_mode.findChildren(ItemPhoto):
        if pic.isVisible() and pic.code:
            pictures[pic.code] = (pic.shows, pic.pictogram)
    assert pictures["T-00004"][0] == "photo"
    assert pictures["T-00001"] == ("pictogram", "hammer-drill") and pictures["T-00009"] == ("pictogram", "ladder")


def test_large_text_enlarges_the_pictures_too(window, ui, cards):
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00002"))
    [(_o, _v, row)] = window.screens["borrow"].entries
    small = row.photo.width()
    window.session.set_display(large_text=True, high_contrast=True)
    ui.settle()
    assert row.photo.width() >= small * 1.45  # enlarged with the text (barrier-free: everything visual)
    # Redrawn in the contrast theme's colours: the yellow primary on black.
    image = row.photo.pixmap().toImage()
    assert image.pixelColor(image.width() // 2, image.height() // 8).name() == "#000000"
