"""What every staff page has: the context it is fed and a few plain building blocks."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kiosk.codes import Scan
from kiosk.domain import STATUS_LABELS
from kiosk.services.dashboard import Dashboard
from kiosk.services.desk import Desk
from kiosk.services.reports import CATEGORY_LABELS as CATEGORY_NAMES  # noqa: F401 (the pages' import)
from kiosk.services.reports import Reports, site_name
from kiosk.services.staff import Staff, StaffView
from ui.tasks import Scope, run_task
from ui.text import error_text, tr
from ui.widgets.common import Banner, ItemPhoto, button, card, label

if TYPE_CHECKING:
    from hardware.printing import Printer
    from kiosk.services.core import Kiosk
    from kiosk.services.views import ItemView
    from ui.scanbridge import ScanBridge

#: an item status's name on staff pages (declared with the statuses, kiosk.domain)
STATUS_NAMES = STATUS_LABELS


@dataclass
class StaffContext:
    """What staff mode hands every page."""

    kiosk: Kiosk
    staff: StaffView
    host: QWidget  # where dialogs open (the staff mode widget)
    printer: Printer | None = None
    bridge: ScanBridge | None = None
    sync_status: Callable[[], dict[str, Any]] | None = None
    go: Callable[..., object] = field(default=lambda name, **kw: None)
    #: puts saved settings into effect in the running window
    apply_settings: Callable[[dict[str, Any]], None] = field(default=lambda changes: None)
    #: what background work started in staff mode belongs to (closed when staff mode closes)
    scope: Scope = field(default_factory=Scope)

    def __post_init__(self) -> None:
        k = self.kiosk
        self.accounts, self.desk = Staff(k), Desk(k)
        self.dashboard, self.reports = Dashboard(k), Reports(k)
        self._site_name: str | None = None

    @property
    def site_name(self) -> str:
        if self._site_name is None:
            self._site_name = site_name(self.kiosk)
        return self._site_name

    def forget_site_name(self) -> None:
        """The centre's name changed (saved or restored): read it again when next asked."""
        self._site_name = None

    @property
    def documents_dir(self) -> Path:
        """Where saved PDFs go when nothing else is chosen: next to the database."""
        return Path(self.kiosk.engine.url.database or ".").parent / "documents"

    def run(self, func: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None, *, slow: bool = False) -> None:
        """Background work whose result is dropped once staff mode has closed.

        ``slow`` is for printing, PDFs and photos (never the database): it runs
        beside the database work instead of queueing in front of a scan.
        """
        run_task(func, on_done, on_error, scope=self.scope, slow=slow)


class StaffPage(QWidget):
    """One staff page. Pages never touch each other; ``ctx.go`` switches pages."""

    name = "page"
    permission = "dashboard"
    title_msgid = ""
    nav_msgid = ""  # a shorter name for the menu, when the title is long

    def __init__(self, ctx: StaffContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName(f"staff_{self.name}")
        self.banner = Banner()
        self.col = QVBoxLayout(self)
        self.col.setContentsMargins(0, 0, 0, 0)
        self.heading = label("", "title")
        self.col.addWidget(self.heading)
        self.col.addWidget(self.banner)

    def title(self) -> str:
        return tr(self.title_msgid)

    def enter(self, **kwargs: Any) -> None:
        """The page is shown: refresh what it lists."""

    def leave(self) -> None:
        """Another page is shown, or staff mode closes: stop what only this page needs."""

    def retranslate(self) -> None:
        self.heading.setText(self.title())

    def handle_scan(self, ref: Scan) -> bool:
        """A code was scanned while the page is shown, classified once where it arrived."""
        return False

    # -- feedback ------------------------------------------------------------------
    def ok(self, title: str, detail: str = "") -> None:
        self.banner.show_message("ok", title, detail)

    def fail(self, exc: BaseException | str) -> None:
        self.banner.show_message("refused", exc if isinstance(exc, str) else error_text(exc))

    def run(self, func: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        """Database work in the background; a failure is shown on the page's banner."""
        self.ctx.run(func, on_done, self.fail)

    def run_slow(self, func: Callable[[], Any], on_done: Callable[[Any], None],
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        """Printing, rendering a PDF or saving a photo in the background (never the database);
        a failure is shown on the page's banner unless ``on_error`` takes it."""
        self.ctx.run(func, on_done, on_error or self.fail, slow=True)


def scroll(inner: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(inner)
    return area


class RowList(QWidget):
    """A vertical list of card rows inside a scroll area, rebuilt on each refresh."""

    def __init__(self, empty_msgid: str) -> None:
        super().__init__()
        self.empty_msgid = empty_msgid
        self.inner = QWidget()
        self.rows = QVBoxLayout(self.inner)
        self.rows.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.area = scroll(self.inner)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.area)
        self.count = 0

    def clear(self) -> None:
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.count = 0

    def add(self, title: str, detail: str = "", actions: Sequence[tuple[str, str, Callable[[], object]]] = (),
            role: str | None = None, item: ItemView | None = None) -> QFrame:
        """A row: a bold title, a detail line and buttons (text, object name, action);
        with ``item``, its photo or pictogram first."""
        row = card()
        if role:
            row.setProperty("state", role)
        h = QHBoxLayout(row)
        if item is not None:
            picture = ItemPhoto(12.0)
            picture.show_item(item)
            h.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        t = label(title)
        t.setObjectName("RowTitle")
        f = t.font()
        f.setBold(True)
        t.setFont(f)
        text.addWidget(t)
        if detail:
            d = label(detail, "muted")
            d.setObjectName("RowDetail")
            text.addWidget(d)
        h.addLayout(text, 1)
        for text_, name, act in actions:
            b = button(text_, None, name)
            b.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            b.clicked.connect(lambda _=False, a=act: a())
            h.addWidget(b)
        self.rows.addWidget(row)
        self.count += 1
        return row

    def finish(self) -> None:
        if not self.count:
            self.rows.addWidget(label(tr(self.empty_msgid), "muted"))


class Stepper(QWidget):
    """A count with large minus and plus keys (spin boxes are too small to touch)."""

    _ids = itertools.count()

    def __init__(self, value: int = 0, maximum: int = 9999, name: str = "", minimum: int = 0,
                 step: int = 1) -> None:
        super().__init__()
        self.box = QSpinBox()
        self.box.setRange(minimum, maximum)
        self.box.setSingleStep(step)
        self.box.setValue(value)
        self.box.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
        self.box.setAlignment(Qt.AlignmentFlag.AlignCenter)
        name = name or f"stepper{next(self._ids)}"
        self.box.setObjectName(name)
        self.minus = button("−", None, f"{name}_minus")
        self.plus = button("+", None, f"{name}_plus")
        for b in (self.minus, self.plus):
            b.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.minus.clicked.connect(self.box.stepDown)
        self.plus.clicked.connect(self.box.stepUp)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.minus)
        row.addWidget(self.box)
        row.addWidget(self.plus)

    def value(self) -> int:
        return self.box.value()

    def setValue(self, value: int) -> None:  # noqa: N802 (Qt naming)
        self.box.setValue(value)


def choice_row(options: list[tuple[str, str]], name: str,
               vertical: bool = False) -> tuple[QWidget, dict[str, QPushButton]]:
    """Large toggle buttons, exactly one checked: (value, label) pairs."""
    box = QWidget()
    row = QVBoxLayout(box) if vertical else QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    buttons: dict[str, QPushButton] = {}
    for value, text in options:
        b = button(text, None, f"{name}_{value}")
        b.setCheckable(True)
        b.setAutoExclusive(True)
        row.addWidget(b)
        buttons[value] = b
    if options:
        buttons[options[0][0]].setChecked(True)
    return box, buttons


def checked(buttons: dict[str, QPushButton]) -> str:
    return next((v for v, b in buttons.items() if b.isChecked()), "")


def big_number(value: str, caption: str, name: str) -> tuple[QFrame, QLabel]:
    """A dashboard tile: a big figure and what it counts."""
    tile = card()
    tile.setObjectName(name)
    col = QVBoxLayout(tile)
    figure = label(value, "huge")
    figure.setObjectName(f"{name}_value")
    col.addWidget(figure)
    col.addWidget(label(caption, "muted"))
    return tile, figure
