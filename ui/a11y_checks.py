"""The accessibility checks of one rendered screen, from its real widgets and pixels.

:func:`check_screen` looks at what a resident can see and touch in a
:class:`ui.app.KioskWindow` (the open dialog, when there is one) and at a
screenshot of it, and returns what fails:

``text-size``     text whose em size is under 7.25 mm (12 mm with large text) at the panel's DPI
``touch-target``  a button smaller than 9 mm on a side
``contrast``      text whose ink against the background around it, measured on the
                  screenshot, is under 4.5:1 (WCAG 2); a drawn icon under 3:1 against what
                  it is drawn on
``clipped``       text cut off: a label taller or wider than its box, a button's text
                  wider than the button, a widget outside the window
``overlap``       two texts or controls drawn over each other
``tofu``          a character that none of the widget's fonts has
``reach``         (low-reach layout) a control above 120 cm for the panel as mounted
``name``          a control without an accessible name (or one that is just a symbol)
``spoken``        a control the voice guide never names
``untranslated``  English catalogue text on a screen in another language, or (Korean and Chinese
                  screens) an English word on it at all: a string not yet in the catalogue
``particle``      a Korean particle left unresolved: "(는)", "(가)", "(를)", "(와)", "(으)로"
``layout``        the screen needs more room than the window has
``h-scroll``      something would need scrolling sideways: a scroll area whose content is wider
                  than its view (only up and down may scroll, with the 200 % zoom too)
``newest``        the newest result (a scanned item's row) not wholly in view
``primary``       not exactly one primary action (a screen waiting for a scan may have none;
                  the home tiles and a question's answers count as one choice)
``signed-in``     a member screen that does not show who is signed in (name, masked number)
``keys``          a control the keypad (ui.keypad) never reaches, or announces without a name
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAccessible, QFont, QFontInfo, QFontMetrics, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QScrollBar,
    QWidget,
)

from kiosk.i18n import catalogue
from ui.text import tr
from ui.theme import MIN_TOUCH_MM, contrast_ratio
from ui.voice import GROUP_NAMES, accessible_name
from ui.widgets.common import Icon
from ui.widgets.overlay import open_overlays

if TYPE_CHECKING:
    from ui.app import KioskWindow

MIN_CONTRAST = 4.5
MIN_ICON_CONTRAST = 3.0
#: languages whose screens carry no English word (codes and acronyms are not words)
LATIN_FREE = ("ko", "zh")
ENGLISH_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z][a-z]{2,}")
QUOTED = re.compile(r"'[^']*'|‘[^’]*’|“[^”]*”|`[^`]*`")
#: texts that are rightly in their own script: a member's name, each language's own name
OWN_WORDS = frozenset({"SignedInMember"})
#: the alternations a Korean sentence must never show (kiosk.josa picks the particle)
UNRESOLVED_PARTICLES = ("(은)", "(는)", "(이)", "(가)", "(을)", "(를)", "(과)", "(와)", "(으)로", "(이)나")


@dataclass
class Finding:
    check: str
    widget: str
    detail: str


@dataclass
class Measures:
    """The smallest figures met on one screen (for the summary table)."""

    widgets: int = 0
    text_mm: float = 99.0
    target_mm: float = 99.0
    contrast: float = 21.0


def _name(w: QWidget) -> str:
    shown = w.text() if isinstance(w, (QLabel, QAbstractButton, QLineEdit, QAbstractSpinBox, QProgressBar)) else ""
    return w.objectName() or (shown[:24] if shown else type(w).__name__)


def _text(w: QWidget) -> str:
    if isinstance(w, QLabel) and w.pixmap() is not None and not w.pixmap().isNull():
        return ""
    if isinstance(w, (QLabel, QAbstractButton, QLineEdit)):
        return w.text()
    return ""


def shown_rect(w: QWidget, root: QWidget) -> QRect:
    """The part of ``w`` that is on screen, in ``root``'s coordinates (scroll areas clip)."""
    rect = QRect(w.mapTo(root, w.rect().topLeft()), w.size())
    parent = w.parentWidget()
    while parent is not None and parent is not root:
        rect = rect.intersected(QRect(parent.mapTo(root, parent.rect().topLeft()), parent.size()))
        parent = parent.parentWidget()
    return rect.intersected(root.rect())


def _in_scroll_area(w: QWidget) -> bool:
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


@cache
def _covered(family: str, char: str) -> bool:
    return QFontMetrics(QFont(family)).inFontUcs4(ord(char))


def missing_glyphs(font: QFont, text: str) -> str:
    """Characters of ``text`` that none of ``font``'s families can draw."""
    families = tuple(font.families()) or (font.family(),)
    return "".join(sorted({c for c in text if not c.isspace() and c.isprintable()
                           and not any(_covered(f, c) for f in families)}))


def _text_rect(w: QWidget) -> QRect:
    """Where the widget's text is drawn, in its own coordinates."""
    fm = QFontMetrics(w.font())
    box = w.contentsRect()
    if isinstance(w, QLabel):
        flags = int(w.alignment())
        if w.wordWrap():
            flags |= int(Qt.TextFlag.TextWordWrap)
        inner = box.adjusted(w.margin(), w.margin(), -w.margin(), -w.margin())
        return fm.boundingRect(inner, flags, w.text()).intersected(box)
    if isinstance(w, QLineEdit):
        return box
    text = w.text() if isinstance(w, QAbstractButton) else ""
    return fm.boundingRect(box, int(Qt.AlignmentFlag.AlignCenter), text).intersected(box)


def _luminance(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def measured_contrast(pixels: np.ndarray) -> float | None:
    """The contrast of text in a region of a screenshot: its ink against its background.

    The background is the region's most common colour; the ink is the colour
    that stands out most from it (the third strongest pixel, so one stray
    pixel cannot decide). None when nothing is drawn there.
    """
    flat = pixels.reshape(-1, 3)
    if len(flat) < 9:
        return None
    packed = (flat[:, 0].astype(np.int64) << 16) | (flat[:, 1].astype(np.int64) << 8) | flat[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    bg = values[np.argmax(counts)]
    bg_rgb = np.array([(bg >> 16) & 255, (bg >> 8) & 255, bg & 255])
    lum = _luminance(flat)
    bg_lum = float(_luminance(bg_rgb[None, :])[0])
    hi, lo = np.maximum(lum, bg_lum), np.minimum(lum, bg_lum)
    ratios = np.sort((hi + 0.05) / (lo + 0.05))
    if ratios[-1] < 1.05:
        return None
    return float(ratios[-3] if len(ratios) >= 3 else ratios[-1])


def image_array(image: QImage) -> np.ndarray:
    """A screenshot as an (h, w, 3) RGB array."""
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = img.height(), img.width(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)
    return buf[:, :w * 3].reshape(h, w, 3).copy()


def _english_msgids(lang: str) -> frozenset[str]:
    """English texts that have a translation in ``lang`` (seen on screen: untranslated)."""
    return frozenset(k for k, v in catalogue(lang).items() if v != k and "{" not in k)


def check_screen(window: KioskWindow, pixels: np.ndarray, lang: str, low_reach: bool) -> tuple[list[Finding], Measures]:
    """Every check of the screen shown now (pixels: ``window.grab()`` as an array)."""
    theme = window.theme
    out: list[Finding] = []
    m = Measures()
    overlays = open_overlays(window)
    scope: QWidget = overlays[-1].panel if overlays else window
    under = tuple(overlays[:-1])
    widgets = [w for w in scope.findChildren(QWidget)
               if w.isVisible() and not any(o.isAncestorOf(w) for o in under)]
    english = _english_msgids(lang) if lang != "en" else frozenset()
    guide = " ".join(window.guide_text().split())
    intro = " ".join(window.intro_text().split())
    reach_px = window.config.reach_line(window.height()) if low_reach else 0
    min_text, min_touch = theme.min_text_px, theme.mm(MIN_TOUCH_MM)
    boxes: list[tuple[QWidget, QRect]] = []

    lay = window.layout()
    need = lay.totalMinimumSize() if lay is not None else window.minimumSize()
    if need.height() > window.height() or need.width() > window.width():
        out.append(Finding("layout", "window", f"needs {need.width()}x{need.height()}"))
    out += sideways(scope, under)

    for w in widgets:
        text = _text(w)
        rect = shown_rect(w, window)
        if rect.isEmpty():
            continue  # scrolled out of view
        full = QRect(w.mapTo(window, w.rect().topLeft()), w.size())
        button = isinstance(w, QAbstractButton)
        if isinstance(w, Icon) and rect == full:
            _icon_contrast(w, rect, pixels, out)
            continue
        if not (text or button):
            if isinstance(w, QScrollBar) and min(w.width(), w.height()) < min_touch:
                out.append(Finding("touch-target", _name(w), f"scroll bar {w.width()}x{w.height()} px"))
            continue
        m.widgets += 1
        boxes.append((w, rect))
        if rect != full and not _in_scroll_area(w):
            out.append(Finding("clipped", _name(w), "partly outside its container"))
        if text:
            px = QFontInfo(w.font()).pixelSize()
            m.text_mm = min(m.text_mm, px * 25.4 / theme.dpi)
            if px < min_text:
                out.append(Finding("text-size", _name(w), f"{px * 25.4 / theme.dpi:.1f} mm"))
            gone = missing_glyphs(w.font(), text)
            if gone:
                out.append(Finding("tofu", _name(w), f"no glyph for {gone!r}"))
            if text in english:
                out.append(Finding("untranslated", _name(w), text[:40]))
            elif lang in LATIN_FREE and w.objectName() not in OWN_WORDS and not w.objectName().startswith("lang_"):
                word = ENGLISH_WORD.search(QUOTED.sub("", text))  # a quoted command is not prose
                if word:
                    out.append(Finding("untranslated", _name(w), f"English word {word.group()!r}"))
            particle = next((pt for pt in UNRESOLVED_PARTICLES if pt in text), None)
            if particle:
                out.append(Finding("particle", _name(w), f"{particle} in {text[:40]!r}"))
            _clip_and_contrast(w, text, window, pixels, rect == full, out, m)
        if button:
            side = min(w.width(), w.height())
            m.target_mm = min(m.target_mm, side * 25.4 / theme.dpi)
            if side < min_touch:
                out.append(Finding("touch-target", _name(w), f"{w.width()}x{w.height()} px"))
            _name_and_voice(w, guide, intro, english, out)
            if reach_px and rect.top() < reach_px:
                cm = window.config.height_cm_at(rect.top(), window.height())
                out.append(Finding("reach", _name(w), f"top at {cm:.0f} cm"))
    _overlaps(boxes, out)
    out += resident_checks(window)
    out += keypad_checks(window, [w for w in widgets if isinstance(w, QAbstractButton) and w.isEnabled()])
    return out, m


def keypad_checks(window: KioskWindow, buttons: list[QWidget]) -> list[Finding]:
    """Every control a resident could touch is reached by the keypad's *next* key, once round
    from the start, and what the voice says on it has a name (ui.keypad)."""
    out: list[Finding] = []
    walked = window.keypad.walk()
    reached = {id(b) for b, _name, _said in walked}
    for b in buttons:
        if id(b) not in reached:
            out.append(Finding("keys", _name(b), "not reachable by the keypad"))
    for b, name, said in walked:
        if not name or not any(c.isalnum() for c in name):
            out.append(Finding("keys", _name(b), f"announced without a name: {said!r}"))
    return out


def sideways(scope: QWidget, under: tuple = ()) -> list[Finding]:
    """Scroll areas shown in ``scope`` whose content is wider than their view: reading it would
    need scrolling sideways (a hidden scroll bar does not count as fitting: the content is cut)."""
    out = []
    areas = [scope] if isinstance(scope, QAbstractScrollArea) else []
    for area in areas + scope.findChildren(QAbstractScrollArea):
        if not area.isVisible() or any(o.isAncestorOf(area) for o in under):
            continue
        bar = area.horizontalScrollBar()
        if bar.maximum() > 0:
            out.append(Finding("h-scroll", _name(area), f"{bar.maximum()} px wider than its view"))
    return out


def _icon_contrast(icon: Icon, rect: QRect, pixels: np.ndarray, out: list[Finding]) -> None:
    """A drawn symbol against what it is drawn on: the most common colour of its box on the
    screenshot (a banner's, a card's or the screen's background)."""
    region = pixels[rect.top():rect.bottom() + 1, rect.left():rect.right() + 1].reshape(-1, 3)
    if len(region) == 0:
        return
    packed = (region[:, 0].astype(np.int64) << 16) | (region[:, 1].astype(np.int64) << 8) | region[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    ground = f"#{int(values[np.argmax(counts)]):06X}"
    ratio = contrast_ratio(icon.ink(), ground)
    if ratio < MIN_ICON_CONTRAST:
        out.append(Finding("contrast", _name(icon), f"icon {icon.kind} {ratio:.2f}:1 on {ground}"))


def resident_checks(window: KioskWindow) -> list[Finding]:
    """The checks of what a resident needs on the screen shown now: the newest result wholly in
    view, exactly one primary action, who is signed in (part of :func:`check_screen`)."""
    out: list[Finding] = []
    overlays = open_overlays(window)
    scope: QWidget = overlays[-1].panel if overlays else window
    if not overlays:
        _newest(window, out)
        _signed_in(window, out)
    _primary(window, scope, overlays, out)
    return out


def _whole(w: QWidget, root: QWidget) -> bool:
    """Whether all of ``w`` is on screen (no scroll area or window edge cuts it)."""
    return shown_rect(w, root) == QRect(w.mapTo(root, w.rect().topLeft()), w.size())


def _newest(window: KioskWindow, out: list[Finding]) -> None:
    row = window.current.newest()
    if row is not None and row.isVisible() and not _whole(row, window):
        shown = shown_rect(row, window)
        out.append(Finding("newest", _name(row), f"{shown.height()} of {row.height()} px in view"))


def _signed_in(window: KioskWindow, out: list[Finding]) -> None:
    from ui.chrome import NO_STRIP, masked_number

    member = window.session.member
    if member is None or window.current.name in NO_STRIP:
        return
    who = window.chrome.strip.who
    if not who.isVisible() or not _whole(who, window):
        out.append(Finding("signed-in", window.current.name, "who is signed in is not on screen"))
    elif member.display_name not in who.text() or masked_number(member.number) not in who.text():
        out.append(Finding("signed-in", window.current.name, f"the strip says {who.text()[:40]!r}"))


def _primary(window: KioskWindow, scope: QWidget, overlays, out: list[Finding]) -> None:
    groups: dict[str, list[str]] = {}
    # The screen's own actions (or the dialog's): the voice bar's and the bar's buttons are
    # always there and never the next step.
    where_buttons = scope if overlays else window.current
    primaries: list[QAbstractButton] = []
    for b in where_buttons.findChildren(QAbstractButton):
        if not b.isVisible() or b.isCheckable():
            continue
        role, accent = b.property("role"), bool(b.property("accent"))
        if role in ("tile", "answer"):
            groups.setdefault(role, []).append(_name(b))  # a menu or a question's answers: one choice
        elif role == "primary" or accent:
            groups[_name(b)] = [_name(b)]
            primaries.append(b)
    if len(groups) == 1:
        # The next step is in view as the screen opens (the 200 % zoom's page scrolls by design).
        away = [_name(b) for b in primaries if not _whole(b, window)]
        if away and not window.session.zoom:
            out.append(Finding("next-step", where_buttons.objectName() or window.current.name,
                               f"{away[0]} is out of view"))
        return
    camera = None if overlays else window.current.camera
    if not groups and camera is not None and camera.isVisible():
        return  # the action is to show a code to the camera
    where = "dialog" if overlays else window.current.name
    out.append(Finding("primary", where, f"{len(groups)} primary actions: {', '.join(groups)[:80]}"
                       if groups else "no primary action"))


def _clip_and_contrast(w, text, window, pixels, whole, out, m) -> None:
    if isinstance(w, QLabel):
        if w.wordWrap() and w.heightForWidth(w.width()) > w.height() + 2:
            out.append(Finding("clipped", _name(w), "cut at the bottom"))
        elif not w.wordWrap() and w.sizeHint().width() > w.width() + 1:
            out.append(Finding("clipped", _name(w), "cut at the side"))
    elif isinstance(w, QAbstractButton):
        # A long answer may take two lines with the 200 % zoom (ui.zoom): its widest line, all its lines.
        fm = QFontMetrics(w.font())
        if max(fm.horizontalAdvance(line) for line in text.split("\n")) > w.contentsRect().width():
            out.append(Finding("clipped", _name(w), f"text wider than the button: {text[:30]!r}"))
        elif "\n" in text and fm.size(0, text).height() > w.contentsRect().height():
            out.append(Finding("clipped", _name(w), f"lines taller than the button: {text[:30]!r}"))
    if not whole:
        return
    local = _text_rect(w)
    box = QRect(w.mapTo(window, local.topLeft()), local.size()).intersected(window.rect())
    if box.width() < 3 or box.height() < 3:
        return
    ratio = measured_contrast(pixels[box.top():box.bottom() + 1, box.left():box.right() + 1])
    if ratio is None:
        out.append(Finding("contrast", _name(w), "no text drawn where it should be"))
        return
    m.contrast = min(m.contrast, ratio)
    if ratio < MIN_CONTRAST:
        out.append(Finding("contrast", _name(w), f"{ratio:.2f}:1"))


def _name_and_voice(w, guide, intro, english, out) -> None:
    if not w.isEnabled():
        return
    iface = QAccessible.queryAccessibleInterface(w)
    name = iface.text(QAccessible.Text.Name) if iface is not None else accessible_name(w)
    if not name or not any(c.isalnum() for c in name):
        out.append(Finding("name", _name(w), f"accessible name {name!r}"))
        return
    if name in english:
        out.append(Finding("untranslated", _name(w), f"accessible name {name!r}"))
    group = w.property("a11yGroup")
    spoken = tr(GROUP_NAMES[group]) if group in GROUP_NAMES else accessible_name(w)
    if spoken not in guide and spoken not in intro:
        out.append(Finding("spoken", _name(w), f"the voice guide never says {spoken!r}"))


def _overlaps(boxes: list[tuple[QWidget, QRect]], out: list[Finding]) -> None:
    for i, (a, ra) in enumerate(boxes):
        for b, rb in boxes[i + 1:]:
            if a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            hit = ra.intersected(rb)
            if hit.width() > 2 and hit.height() > 2:
                out.append(Finding("overlap", _name(a), f"over {_name(b)}"))
