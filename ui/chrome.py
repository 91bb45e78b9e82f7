"""The frame around the resident screens: the bar, the voice bar, and the low-reach layout.

Standard layout: a bar at the top with the screen's heading and the buttons
that are always there (type the code, home, staff). Low-reach layout (one
touch on home): everything a resident touches sits below 120 cm above the
floor for the panel as mounted (``ui_panel_mount_cm``, ``ui_panel_height_cm``):
the top of the screen keeps only the heading and what to do now, and the
bar's buttons move to the bottom, next to the voice bar.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from ui.text import N_, tr
from ui.widgets.common import button, label, layout_of
from ui.widgets.flow import FlowLayout


class Chrome:
    """Builds the bars into the window's column and moves their buttons between layouts."""

    def __init__(self, window: QWidget, on_type_code, on_home, on_staff) -> None:
        self.window = window
        self.top = QFrame()
        self.top.setObjectName("TopBar")
        self.heading = label("", "title", wrap=False)
        self.heading.setObjectName("Heading")
        self.caption = label("")
        self.caption.setObjectName("Caption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.caption.hide()
        self.camera_state = label("", "muted")
        self.camera_state.setObjectName("CameraState")
        self.camera_state.hide()
        self.type_code = button("", None, "TypeCode")
        self.type_code.clicked.connect(on_type_code)
        self.home_button = button("", None, "StartOver")
        self.home_button.clicked.connect(on_home)
        self.staff_door = button("", "quiet", "StaffDoor")
        self.staff_door.clicked.connect(on_staff)
        for b in (self.type_code, self.home_button, self.staff_door):
            b.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.top_row = QHBoxLayout()
        self.top_row.setContentsMargins(0, 0, 0, 0)
        self.top_row.addWidget(self.heading, 1)
        top_col = QVBoxLayout(self.top)
        top_col.setContentsMargins(0, 0, 0, 0)
        top_col.setAlignment(Qt.AlignmentFlag.AlignTop)
        top_col.addLayout(self.top_row)
        top_col.addWidget(self.caption)
        # Low reach: the same buttons, at the bottom, wrapping if the row is too narrow.
        self.bottom = QWidget()
        self.bottom.setObjectName("BottomBar")
        self.bottom_flow = FlowLayout(self.bottom)
        self.bottom.hide()
        self.low_reach = False
        self._instructions_shown = True
        self._place(False)

    @property
    def standing(self) -> tuple[QWidget, ...]:
        """The bar's buttons: there on every screen."""
        return (self.type_code, self.home_button, self.staff_door)

    def retranslate(self) -> None:
        self.type_code.setText(tr(N_("Type the code")))
        self.home_button.setText(tr(N_("Home")))
        self.staff_door.setText(tr(N_("Staff")))
        self.camera_state.setText(tr(N_("Camera not available: touch Type the code.")))

    def _place(self, low: bool) -> None:
        widgets = (self.camera_state, *self.standing)
        for w in widgets:
            self.top_row.removeWidget(w)
            self.bottom_flow.removeWidget(w)
        policy = QSizePolicy.Policy.Preferred if low else QSizePolicy.Policy.Maximum
        for w in self.standing:  # at the bottom they share the row's width; at the top, no more than needed
            w.setSizePolicy(policy, QSizePolicy.Policy.Fixed)
        for w in widgets:
            (self.bottom_flow if low else self.top_row).addWidget(w)

    def set_low_reach(self, low: bool, band_px: int, spacing: int) -> None:
        """Switch layouts; ``band_px`` is how far down from the window's top is out of reach."""
        if low != self.low_reach:
            self.low_reach = low
            self._place(low)
        self.bottom.setVisible(low)
        self.bottom_flow.setSpacing(spacing)
        margin = layout_of(self.window).contentsMargins().top()
        band = max(0, band_px - margin - spacing) if low else 0
        if band:
            # Never more than the room the screens leave: a band that made the window taller
            # would push the reach line down with it, and again. (The audit reports a control
            # left above the line.)
            self.top.setMinimumHeight(0)
            need = layout_of(self.window).totalMinimumSize().height() - self.top.minimumSizeHint().height()
            band = min(band, self.window.height() - need)
        self.top.setMinimumHeight(max(0, band))
        self.fit_caption()

    def set_caption(self, text: str) -> None:
        self.caption.setText(text)
        self.fit_caption()

    def fit_caption(self) -> None:
        """In low reach, say what to do in the room above the controls, when it fits whole."""
        if not self.low_reach or not self.caption.text():
            self.caption.hide()
            self.restore_instructions()
            return
        room = self.top.minimumHeight() - self.heading.sizeHint().height() - layout_of(self.top).spacing()
        width = max(1, self.top.width())
        self.caption.setVisible(self.caption.heightForWidth(width) <= room)
        # What to do is said once: up here, where the screen's own line would repeat it.
        self._show_instructions(self.caption.isHidden())

    def restore_instructions(self) -> None:
        self._show_instructions(True)

    def _show_instructions(self, shown: bool) -> None:
        if shown == self._instructions_shown:
            return  # called on every change of screen: only walk the widgets when it changes
        self._instructions_shown = shown
        for w in self.window.findChildren(QWidget):
            if w.property("instruction"):
                w.setVisible(shown)
