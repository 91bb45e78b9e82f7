"""The demo strip: member cards and item labels to "show" to the virtual camera.

Only in demo mode (``nanum run --demo`` or no camera). Tapping an entry puts
its code in front of the virtual camera, so the frame goes through the real
scan pipeline (decode, dedup, bridge) exactly like a code held up by a
resident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QSizePolicy, QWidget

from kiosk.codes import item_label_payload
from ui.text import N_, tr
from ui.widgets.common import button, label

#: items that show each flow with the demo centre's story (kiosk/demo.py)
DEMO_ITEMS = (
    "T-00002",   # on the shelf: borrow it
    "T-00003",
    "G-00002",
    "K-00001",   # 120 blocks, on loan and overdue: return with missing pieces
    "T-00011",   # on loan, someone waiting: the return goes to the reservation shelf
    "C-00003",   # held for 조현우: lent to them, refused to anyone else
    "BG-00002",  # held for Emily Carter
    "T-00006",   # in repair: refused
)
FOREIGN_SAMPLE = "https://example.com/coupon/1234"


@dataclass(frozen=True)
class DemoEntry:
    text: str
    payload: str
    kind: str  # card | item | foreign


def demo_entries(kiosk) -> list[DemoEntry]:
    """What the strip offers, from the demo data (call before the event loop starts)."""
    entries = []
    for card in kiosk.setting("demo_cards", []) or []:
        situation = f" ({card['situation']})" if card.get("situation") else ""
        entries.append(DemoEntry(f"{card['name']}{situation}", card["card"], "card"))
    base = kiosk.base_url
    known = {i.code: i for i in kiosk.catalogue.list()}
    for code in DEMO_ITEMS:
        if code in known:
            entries.append(DemoEntry(f"{code} {known[code].name_ko}", item_label_payload(code, base), "item"))
    entries.append(DemoEntry("foreign QR", FOREIGN_SAMPLE, "foreign"))
    return entries


class DemoStrip(QFrame):
    """A scrolling row of demo cards and labels; ``present(payload)`` is called on a tap."""

    def __init__(self, entries: list[DemoEntry], present: Callable[[str], None]) -> None:
        super().__init__()
        self.setObjectName("DemoStrip")
        self.setProperty("role", "card")
        self.heading = label("", "muted", wrap=False)
        row = QHBoxLayout()
        self.buttons = []
        for i, e in enumerate(entries):
            b = button(e.text, None, f"demo_{i}")
            b.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            b.setProperty("demoKind", e.kind)
            b.clicked.connect(lambda _=False, p=e.payload: present(p))
            row.addWidget(b)
            self.buttons.append(b)
        row.addStretch(1)
        inner = QWidget()
        inner.setLayout(row)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        self.inner = inner
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller = scroll
        outer = QHBoxLayout(self)
        outer.addWidget(self.heading)
        outer.addWidget(scroll, 1)

    def retranslate(self) -> None:
        self.heading.setText(tr(N_("Demo: show to the camera")))

    def fit_height(self) -> None:
        """As tall as one row of buttons plus the horizontal scroll bar."""
        for b in self.buttons:  # the style sheet sets the font: measure again
            b.ensurePolished()
            b.setFixedSize(b.sizeHint())
        self.inner.adjustSize()
        h = max((b.sizeHint().height() for b in self.buttons), default=0)
        self.scroller.setFixedHeight(h + self.scroller.horizontalScrollBar().sizeHint().height() + 12)
