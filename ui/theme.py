"""Colours, sizes and the style sheet of the resident screens.

Sizes are declared in millimetres and converted at the panel's DPI (a setting,
``ui_panel_dpi``; a 21.5" 1080p panel is about 102 dpi) so the physical rules
hold on any panel: every touch target at least 9 mm, every resident text at
least 7.25 mm, and in large-text mode at least 12 mm for every text role, with
icons, pictures and the camera frame enlarged by :data:`LARGE_TEXT_SCALE`.

A text's "character size" is taken as the font's em size (its pixel size,
``QFontInfo.pixelSize()``), converted to millimetres at the panel's DPI; the
accessibility audit measures the same figure. Every text colour is listed with the background it is drawn on, so a
test can check each pair's contrast (WCAG 2 ratio >= 4.5:1) in every theme.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

DEFAULT_DPI = 102.0
MIN_TOUCH_MM = 9.0
MIN_TEXT_MM = 7.25  # every resident text, default mode
MIN_LARGE_TEXT_MM = 12.0  # every resident text, large-text mode
# Each text role's em size in millimetres: (default mode, large-text mode).
TEXT_MM: dict[str, tuple[float, float]] = {
    "body": (7.5, 12.0), "small": (7.25, 12.0), "button": (7.5, 12.0),
    "title": (10.0, 12.5), "huge": (11.0, 13.0), "keypad": (10.0, 12.5),
}
# Large text enlarges everything visual (icons, pictures, the camera frame) as much as body text.
LARGE_TEXT_SCALE = TEXT_MM["body"][1] / TEXT_MM["body"][0]
# Low-vision zoom: every length of the default look (text, icons, pictures, the camera frame,
# buttons, spacing) at 200 %; the screens reflow to the panel's width and scroll up and down.
ZOOM_SCALE = 2.0
# Staff mode is read by volunteers at the desk, not by a resident alone at the kiosk: its own sizes,
# none under KS X 9211's minimum character size for kiosk screens (4.8 mm).
MIN_STAFF_TEXT_MM = 4.8
STAFF_TEXT_MM: dict[str, float] = {
    "body": 5.0, "small": 4.8, "button": 5.0, "title": 6.5, "huge": 7.5, "keypad": 6.5,
}

THEMES = ("default", "contrast")


@dataclass(frozen=True)
class Palette:
    bg: str
    surface: str
    text: str
    muted: str
    border: str
    primary: str
    on_primary: str
    secondary: str
    on_secondary: str
    ok: str
    on_ok: str
    refused: str
    on_refused: str
    warning: str
    on_warning: str
    scrim: str  # the dimming behind an open dialog (rgba)
    guide: str  # the camera guide frame


PALETTES: dict[str, Palette] = {
    "default": Palette(
        bg="#F4F2EC", surface="#FFFFFF", text="#1A1A1A", muted="#474747", border="#8A8A8A",
        primary="#0A58A8", on_primary="#FFFFFF", secondary="#E2E6ED", on_secondary="#111111",
        ok="#1C6B33", on_ok="#FFFFFF", refused="#B0261D", on_refused="#FFFFFF",
        warning="#FFF1C2", on_warning="#4A2F00", scrim="rgba(0, 0, 0, 150)", guide="#FFD400"),
    "contrast": Palette(
        bg="#000000", surface="#000000", text="#FFFFFF", muted="#F0F0F0", border="#FFFFFF",
        primary="#FFE000", on_primary="#000000", secondary="#000000", on_secondary="#FFFFFF",
        ok="#7CFF8A", on_ok="#000000", refused="#FF8C8C", on_refused="#000000",
        warning="#FFE000", on_warning="#000000", scrim="rgba(0, 0, 0, 210)", guide="#FFE000"),
}


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    a, b = luminance(fg), luminance(bg)
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


@dataclass(frozen=True)
class Theme:
    """One look of the kiosk: a palette, the panel's DPI and a text scale."""

    name: str = "default"
    dpi: float = DEFAULT_DPI
    large_text: bool = False
    palette: Palette = field(default=PALETTES["default"])
    #: low-vision zoom: the default look's every length at :data:`ZOOM_SCALE`
    zoom: bool = False

    @classmethod
    def make(cls, name: str = "default", dpi: float = DEFAULT_DPI, large_text: bool = False,
             zoom: bool = False) -> Theme:
        # The zoom doubles the default sizes, more than large text's: large text adds nothing to it.
        return cls(name=name, dpi=dpi, large_text=large_text and not zoom, palette=PALETTES[name], zoom=zoom)

    def with_(self, **changes) -> Theme:
        if "name" in changes:
            changes["palette"] = PALETTES[changes["name"]]
        return replace(self, **changes)

    # -- physical sizes --------------------------------------------------------
    @property
    def scale(self) -> float:
        """How much the zoom enlarges every length (1.0 without it)."""
        return ZOOM_SCALE if self.zoom else 1.0

    def mm(self, millimetres: float) -> int:
        """Pixels for a length in millimetres at this panel's DPI (enlarged by the zoom)."""
        return max(1, round(millimetres * self.scale * self.dpi / 25.4))

    @property
    def text_scale(self) -> float:
        return LARGE_TEXT_SCALE if self.large_text else 1.0

    @property
    def min_text_mm(self) -> float:
        """The smallest em size any resident text may have in this mode."""
        return MIN_LARGE_TEXT_MM if self.large_text else MIN_TEXT_MM

    @property
    def min_text_px(self) -> int:
        """The smallest em size in whole pixels that is still :attr:`min_text_mm` (rounded up)."""
        return math.ceil(self.min_text_mm * self.scale * self.dpi / 25.4 - 1e-9)

    def font_px(self, role: str = "body") -> int:
        """Pixel (em) size of a text role; never under :attr:`min_text_mm`."""
        size_mm = TEXT_MM[role][1 if self.large_text else 0]
        return max(self.min_text_px, self.mm(size_mm))

    def staff_font_px(self, role: str = "body") -> int:
        """Pixel (em) size of a text role in staff mode; never under :data:`MIN_STAFF_TEXT_MM`."""
        least = math.ceil(MIN_STAFF_TEXT_MM * self.dpi / 25.4 - 1e-9)
        return max(least, self.mm(STAFF_TEXT_MM[role]))

    def visual_mm(self, millimetres: float) -> int:
        """Pixels for an icon, picture or frame: enlarged with the text in large-text mode."""
        return self.mm(millimetres * self.text_scale)

    @property
    def touch(self) -> int:
        """The smallest side of any touch target, in pixels (>= 9 mm)."""
        return self.mm(max(MIN_TOUCH_MM, 14.0 if not self.large_text else 16.0))

    @property
    def typekey_width(self) -> int:
        """The narrowest a key of the letter keyboard may be: a touch target, and with the zoom
        twice the smallest one (ten keys a row still fit a small panel; their letters are doubled)."""
        return self.mm(MIN_TOUCH_MM) if self.zoom else self.touch

    @property
    def gap(self) -> int:
        return self.mm(4.0)

    def colour_pairs(self) -> list[tuple[str, str, str]]:
        """Every (what, text colour, background) drawn by the style sheet."""
        p = self.palette
        return [
            ("body text", p.text, p.bg),
            ("body text on a panel", p.text, p.surface),
            ("secondary text", p.muted, p.bg),
            ("secondary text on a panel", p.muted, p.surface),
            ("primary button", p.on_primary, p.primary),
            ("secondary button", p.on_secondary, p.secondary),
            ("confirmation", p.on_ok, p.ok),
            ("refusal", p.on_refused, p.refused),
            ("warning", p.on_warning, p.warning),
            ("ok text on a panel", p.ok if self.name == "contrast" else p.ok, p.surface),
            ("refusal text on a panel", p.refused, p.surface),
            ("input field", p.text, p.surface),
        ]

    # -- style sheet -------------------------------------------------------------
    def stylesheet(self, family: str | tuple[str, ...]) -> str:
        """The window's style sheet; ``family`` is one font family or several, first choice first."""
        p = self.palette
        families = ", ".join(f'"{f}"' for f in ((family,) if isinstance(family, str) else family))
        body, small, button = self.font_px("body"), self.font_px("small"), self.font_px("button")
        title, huge, keypad = self.font_px("title"), self.font_px("huge"), self.font_px("keypad")
        radius = self.mm(2.5)
        border = max(2, self.mm(0.6))
        pad = self.mm(3)
        # With large text the keys laid in a scan screen are 13 mm wide (16 mm tall): ten in a row
        # leave the list beside them its room on a small panel.
        codepad = (f'QWidget[role="codepad"] QPushButton[role="typekey"] {{ min-width: {self.mm(13)}px; }}'
                   if self.large_text else "")
        return f"""
* {{ font-family: {families}; font-size: {body}px; color: {p.text}; }}
#KioskRoot, QStackedWidget, QScrollArea, QScrollArea > QWidget > QWidget {{ background: {p.bg}; }}
QLabel {{ background: transparent; }}
QLabel[role="title"] {{ font-size: {title}px; font-weight: bold; }}
QLabel[role="huge"] {{ font-size: {huge}px; font-weight: bold; }}
QLabel[role="muted"] {{ color: {p.muted}; font-size: {small}px; }}
QLabel[role="ok"] {{ color: {p.ok}; font-weight: bold; }}
QLabel[role="refused"] {{ color: {p.refused}; font-weight: bold; }}
QFrame[role="card"] {{ background: {p.surface}; border: {border}px solid {p.border};
                        border-radius: {radius}px; }}
QFrame[role="card"] QLabel[role="muted"] {{ color: {p.muted}; }}
QFrame[role="banner-ok"] {{ background: {p.ok}; border-radius: {radius}px; }}
QFrame[role="banner-ok"] QLabel {{ color: {p.on_ok}; }}
QFrame[role="banner-refused"] {{ background: {p.refused}; border-radius: {radius}px; }}
QFrame[role="banner-refused"] QLabel {{ color: {p.on_refused}; }}
QFrame[role="banner-info"] {{ background: {p.warning}; border-radius: {radius}px; }}
QFrame[role="banner-info"] QLabel {{ color: {p.on_warning}; }}
QFrame[role="dialog"] {{ background: {p.surface}; border: {border}px solid {p.border};
                          border-radius: {radius}px; }}
QWidget[role="scrim"] {{ background: {p.scrim}; }}
QPushButton {{ font-size: {button}px; font-weight: bold; min-height: {self.touch}px;
               min-width: {self.touch}px; padding: {pad // 2}px {self.mm(2)}px; border-radius: {radius}px;
               background: {p.secondary}; color: {p.on_secondary};
               border: {border}px solid {p.border}; }}
QPushButton:pressed {{ background: {p.border}; }}
QPushButton:checked {{ background: {p.primary}; color: {p.on_primary}; }}
QPushButton[role="primary"] {{ background: {p.primary}; color: {p.on_primary};
                               border-color: {p.primary}; }}
QPushButton[role="danger"] {{ background: {p.refused}; color: {p.on_refused};
                              border-color: {p.refused}; }}
QPushButton[role="tile"] {{ font-size: {title}px; min-height: {self.mm(18 if self.large_text else 24)}px; }}
QPushButton[role="answer"] {{ min-height: {self.mm(20)}px; }}
QPushButton[role="answer"][accent="true"], QPushButton[role="tile"][accent="true"] {{
    background: {p.primary}; color: {p.on_primary}; border-color: {p.primary}; }}
QPushButton:disabled {{ background: {p.bg}; color: {p.muted}; }}
QPushButton[role="quiet"] {{ background: {p.bg}; color: {p.muted}; border-color: {p.border};
                             font-size: {small}px; }}
QPushButton[role="typekey"] {{ min-height: {self.touch}px; min-width: {self.typekey_width}px; padding: 0; }}
{codepad}
QPushButton[role="key"] {{ font-size: {keypad}px; min-height: {self.mm(16)}px;
                           min-width: {self.mm(16)}px; }}
QLineEdit {{ font-size: {keypad}px; background: {p.surface}; color: {p.text};
             border: {border}px solid {p.border}; border-radius: {radius}px;
             min-height: {self.touch}px; padding: 0 {pad}px; }}
#VoiceBar {{ background: {p.surface}; border: {border}px solid {p.border}; border-radius: {radius}px; }}
#VoiceBar QPushButton {{ padding: 0 {self.mm(2)}px; }}
#VoiceBar QPushButton#VoiceSofter, #VoiceBar QPushButton#VoiceLouder, #VoiceBar QPushButton#VoiceSlower,
#VoiceBar QPushButton#VoiceFaster {{ padding: 0; }}
#TopBar QLabel#Caption {{ color: {p.text}; }}
QScrollBar:vertical {{ width: {self.mm(MIN_TOUCH_MM)}px; background: {p.bg}; border: none;
                      margin: 0; }}
QScrollBar::handle:vertical {{ background: {p.muted}; min-height: {self.touch}px;
                               border-radius: {radius}px; margin: {self.mm(1)}px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; width: 0; border: none; background: none; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}
"""

    @property
    def arrow_px(self) -> int:
        """Width of the arrows in drop-downs and number fields."""
        return self.mm(4.5)

    def staff_stylesheet(self, arrows: dict[str, str]) -> str:
        """Staff mode's own rules on top of :meth:`stylesheet`: its own text sizes (:data:`STAFF_TEXT_MM`),
        form fields, lists and tables drawn in the theme (no platform-default arrows, grey headers or
        hairline scroll bars).

        ``arrows`` are the paths of the "up" and "down" arrow images in this theme's text colour
        and :attr:`arrow_px` wide (``ui.style.arrows`` makes them)."""
        p = self.palette
        body, small, button = self.staff_font_px("body"), self.staff_font_px("small"), self.staff_font_px("button")
        title, huge, keypad = self.staff_font_px("title"), self.staff_font_px("huge"), self.staff_font_px("keypad")
        radius, border = self.mm(1.5), max(2, self.mm(0.5))
        drop = self.mm(10)  # the drop-down button: a finger's width
        # A widget's own style sheet wins over its window's, so these sizes replace the resident ones.
        return f"""
#StaffMode {{ background: {p.bg}; }}
#StaffMode, #StaffMode QWidget {{ font-size: {body}px; }}
#StaffMode QLabel[role="title"] {{ font-size: {title}px; }}
#StaffMode QLabel[role="huge"] {{ font-size: {huge}px; }}
#StaffMode QLabel[role="muted"] {{ font-size: {small}px; }}
#StaffMode QPushButton {{ font-size: {button}px; }}
#StaffMode QPushButton[role="tile"] {{ font-size: {title}px; }}
#StaffMode QPushButton[role="quiet"] {{ font-size: {small}px; }}
#StaffMode QPushButton[role="key"] {{ font-size: {keypad}px; }}
#StaffMode QLineEdit, #StaffMode QComboBox, #StaffMode QAbstractSpinBox,
#StaffMode QTableWidget, #StaffMode QPlainTextEdit {{
    font-size: {body}px; min-height: {self.touch}px; background: {p.surface};
    color: {p.text}; border: {border}px solid {p.border}; border-radius: {radius}px;
    selection-background-color: {p.primary}; selection-color: {p.on_primary}; }}
#StaffMode QLineEdit, #StaffMode QComboBox {{ padding: 0 {self.mm(2)}px; }}
#StaffMode QLineEdit:focus, #StaffMode QComboBox:focus, #StaffMode QAbstractSpinBox:focus,
#StaffMode QPlainTextEdit:focus {{ border-color: {p.primary}; }}
#StaffMode QAbstractSpinBox QLineEdit {{ min-height: 0; padding: 0 0 0 {self.mm(2)}px; border: none;
    font-size: {body}px; background: transparent; }}
#StaffMode QComboBox::drop-down, #StaffMode QDateEdit::drop-down {{
    subcontrol-origin: padding; subcontrol-position: center right; width: {drop}px;
    border: none; border-left: {border}px solid {p.border}; }}
#StaffMode QComboBox::down-arrow, #StaffMode QDateEdit::down-arrow,
#StaffMode QAbstractSpinBox::down-arrow {{ image: url({arrows["down"]}); width: {self.arrow_px}px;
    height: {self.arrow_px}px; }}
#StaffMode QAbstractSpinBox::up-arrow {{ image: url({arrows["up"]}); width: {self.arrow_px}px;
    height: {self.arrow_px}px; }}
#StaffMode QAbstractSpinBox::up-button, #StaffMode QAbstractSpinBox::down-button {{
    subcontrol-origin: border; width: {drop}px; background: {p.secondary};
    border: none; border-left: {border}px solid {p.border}; }}
#StaffMode QAbstractSpinBox::up-button:pressed, #StaffMode QAbstractSpinBox::down-button:pressed {{
    background: {p.border}; }}
#StaffMode QComboBox QAbstractItemView {{ background: {p.surface}; color: {p.text};
    border: {border}px solid {p.border}; selection-background-color: {p.primary};
    selection-color: {p.on_primary}; outline: none; }}
#StaffMode QTableWidget {{ min-height: {self.mm(40)}px; gridline-color: {p.border}; padding: 0; }}
#StaffMode QHeaderView::section {{ background: {p.secondary}; color: {p.on_secondary};
    font-size: {small}px; font-weight: bold; padding: {self.mm(1)}px {self.mm(2)}px;
    border: none; border-right: 1px solid {p.border}; border-bottom: {border}px solid {p.border}; }}
#StaffMode QTableCornerButton::section {{ background: {p.secondary}; border: none; }}
#StaffMode QCheckBox {{ spacing: {self.mm(2)}px; }}
#StaffMode QCheckBox::indicator {{ width: {self.mm(7)}px; height: {self.mm(7)}px;
    border: {border}px solid {p.border}; border-radius: {radius}px; background: {p.surface}; }}
#StaffMode QCheckBox::indicator:checked {{ background: {p.primary}; border-color: {p.primary}; }}
#StaffMode QPushButton[role="nav"] {{ text-align: left; padding-left: {self.mm(4)}px; }}
#StaffMode QFrame[role="navcol"] {{ background: {p.surface}; border-right: 2px solid {p.border}; }}
#StaffMode QProgressBar {{ min-height: {self.mm(8)}px; font-size: {small}px; color: {p.text};
    background: {p.surface}; border: {border}px solid {p.border}; border-radius: {radius}px;
    text-align: center; }}
#StaffMode QProgressBar::chunk {{ background: {p.ok}; border-radius: {radius}px; }}
#StaffMode QScrollBar:vertical {{ background: {p.surface}; border-left: 1px solid {p.border}; }}
#StaffMode QScrollBar:horizontal {{ height: {self.mm(MIN_TOUCH_MM)}px; background: {p.surface}; }}
#StaffMode QScrollBar::handle:horizontal {{ background: {p.border}; min-width: {self.touch}px;
    border-radius: {radius}px; }}
"""

