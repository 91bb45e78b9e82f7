"""Staff mode is drawn in the kiosk's theme, not the platform's default widget look."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox

from kiosk.services.staff import Staff
from ui.theme import contrast_ratio
from ui.widgets.common import theme_of


@pytest.fixture
def mode(window, ui, demo):
    Staff(demo).create_first_manager("김관리", "2580")
    return ui.enter_staff_mode()


def _arrow_pixels(combo: QComboBox, colour: str) -> int:
    """Pixels of ``colour`` inside the combo box's drop-down button."""
    opt = QStyleOptionComboBox()
    combo.initStyleOption(opt)
    rect = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                        QStyle.SubControl.SC_ComboBoxArrow, combo)
    image = combo.grab().toImage()
    want = QColor(colour)
    return sum(1 for x in range(rect.left(), rect.right()) for y in range(rect.top(), rect.bottom())
               if image.pixelColor(x, y).rgb() == want.rgb())


@pytest.mark.parametrize("contrast", [False, True])
def test_drop_downs_have_a_large_arrow_in_the_theme_colour(window, ui, mode, contrast):
    ui.tap("nav_catalogue")
    ui.tap("edit_T-00001")
    window.session.high_contrast = contrast
    window.apply_theme()  # what a change of display does in the window
    ui.settle()
    theme = theme_of(mode)
    combos = [c for c in mode.findChildren(QComboBox) if c.isVisible()]
    assert combos, "the catalogue form has a category drop-down"
    for combo in combos:
        # The platform's arrow is a few pixels; the theme's is a solid triangle about 4.5 mm wide.
        assert _arrow_pixels(combo, theme.palette.text) >= theme.arrow_px ** 2 // 4
    # Staff mode follows the window's theme: its background is the theme's.
    assert mode.grab().toImage().pixelColor(2, mode.height() - 2).name().upper() == theme.palette.bg.upper()


def test_table_headers_are_drawn_in_the_theme_with_readable_text(window, ui, mode):
    from PySide6.QtWidgets import QTableWidget

    theme = theme_of(mode)
    sheet = mode.styleSheet()
    assert "QHeaderView::section" in sheet and theme.palette.secondary in sheet
    assert contrast_ratio(theme.palette.on_secondary, theme.palette.secondary) >= 4.5
    ui.tap("nav_import")
    table = mode.findChild(QTableWidget, "ImportPreview")
    table.setColumnCount(1)
    table.setHorizontalHeaderLabels(["물품코드"])
    table.show()
    ui.settle()
    header = table.horizontalHeader()
    image = header.grab().toImage()
    assert image.pixelColor(3, 3).name().upper() == theme.palette.secondary.upper()


def test_staff_text_has_its_own_sizes_none_under_the_staff_minimum(window, ui, mode):
    from PySide6.QtGui import QFontInfo
    from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit

    from ui.theme import MIN_STAFF_TEXT_MM, STAFF_TEXT_MM

    theme = theme_of(mode)
    least = theme.staff_font_px("small")
    assert least * 25.4 / theme.dpi >= MIN_STAFF_TEXT_MM - 1e-9
    # Volunteers at the desk read smaller text than a resident alone at the kiosk.
    assert theme.staff_font_px("body") < theme.font_px("body")
    for page in ("dashboard", "lending", "catalogue"):
        ui.tap(f"nav_{page}")
        ui.settle()
        shown = [w for cls in (QLabel, QAbstractButton, QLineEdit) for w in mode.findChildren(cls)
                 if w.isVisible() and w.text()]
        sizes = {QFontInfo(w.font()).pixelSize() for w in shown}
        assert min(sizes) >= least, page
        # No text keeps the resident size: staff mode's own sheet sets every role.
        assert max(sizes) <= theme.staff_font_px("huge"), page
    body = [w for w in mode.findChildren(QLabel) if w.isVisible() and w.text() and not w.property("role")]
    assert body and {QFontInfo(w.font()).pixelSize() for w in body} == {theme.mm(STAFF_TEXT_MM["body"])}
