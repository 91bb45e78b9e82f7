"""Catalogue: find an item (search or scan its label), add or edit it, photo, retire."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kiosk.codes import ItemRef, Scan, Unreadable
from kiosk.domain import ItemStatus
from kiosk.limits import ITEM_CODE_MAX, ITEM_NAME_MAX, PART_COUNT_MAX, PART_NAME_MAX, REPLACEMENT_VALUE_MAX
from kiosk.services.catalogue import CATEGORIES
from kiosk.services.desk import photo_dir
from kiosk.services.staff import Staff
from kiosk.services.views import ItemView
from ui.staffmode.base import CATEGORY_NAMES, STATUS_NAMES, RowList, StaffPage, Stepper, scroll
from ui.text import N_, tr
from ui.widgets.common import ItemPhoto, button, card, label
from ui.widgets.overlay import Confirm

LIST_LIMIT = 60  # rows shown at once: type to narrow the list


class CataloguePage(StaffPage):
    name = "catalogue"
    permission = "catalogue"
    title_msgid = N_("Catalogue")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.items: list[ItemView] = []
        self.item: ItemView | None = None  # the item in the form; None: a new one
        self.photo_path: str | None = None
        self.last_frame: QImage | None = None
        self.part_rows: list[tuple[QLineEdit, Stepper, QWidget]] = []

        self.search = QLineEdit()
        self.search.setObjectName("ItemSearch")
        self.search.setPlaceholderText(tr(N_("Search by code or name, or scan a label")))
        self.search.textChanged.connect(lambda _t: self._fill())
        self.add = button(tr(N_("Add an item")), "primary", "ItemAdd")
        self.add.clicked.connect(lambda: self.edit(None))
        self.list = RowList(N_("No item matches."))
        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.add)
        left.addWidget(self.list, 1)

        self.form = card()
        f = QVBoxLayout(self.form)
        grid = QGridLayout()
        self.code = QLineEdit()
        self.code.setObjectName("ItemCode")
        # Early, friendly limits; the catalogue service enforces the same ones.
        self.code.setMaxLength(ITEM_CODE_MAX)
        self.name_ko = QLineEdit()
        self.name_ko.setObjectName("ItemNameKo")
        self.name_ko.setMaxLength(ITEM_NAME_MAX)
        self.name_en = QLineEdit()
        self.name_en.setObjectName("ItemNameEn")
        self.name_en.setMaxLength(ITEM_NAME_MAX)
        # Optional: a resident screen in Chinese or Vietnamese shows the Korean name without them.
        self.name_zh = QLineEdit()
        self.name_zh.setObjectName("ItemNameZh")
        self.name_zh.setMaxLength(ITEM_NAME_MAX)
        self.name_vi = QLineEdit()
        self.name_vi.setObjectName("ItemNameVi")
        self.name_vi.setMaxLength(ITEM_NAME_MAX)
        self.category = QComboBox()
        self.category.setObjectName("ItemCategory")
        for cat in CATEGORIES:
            self.category.addItem(tr(CATEGORY_NAMES.get(cat, cat)), cat)
        self.value = QSpinBox()
        self.value.setObjectName("ItemValue")
        self.value.setRange(0, REPLACEMENT_VALUE_MAX)
        self.value.setSingleStep(1000)
        self.value.setSuffix(" 원")
        self.value.setGroupSeparatorShown(True)
        for r, (text, w) in enumerate(((N_("Code"), self.code), (N_("Name (Korean)"), self.name_ko),
                                       (N_("Name (English)"), self.name_en),
                                       (N_("Name (Chinese)"), self.name_zh),
                                       (N_("Name (Vietnamese)"), self.name_vi), (N_("Category"), self.category),
                                       (N_("Replacement value"), self.value))):
            grid.addWidget(label(tr(text)), r, 0)
            grid.addWidget(w, r, 1)
        self.photo = ItemPhoto(16.0)
        self.take_photo = button(tr(N_("Take a photo")), None, "ItemPhotoTake")
        self.take_photo.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.take_photo.clicked.connect(self._take_photo)
        grid.addWidget(label(tr(N_("Photo"))), 7, 0)
        prow = QHBoxLayout()
        prow.addWidget(self.photo)
        prow.addWidget(self.take_photo)
        prow.addStretch(1)
        grid.addLayout(prow, 7, 1)
        f.addLayout(grid)
        f.addWidget(label(tr(N_("Parts (what the resident counts at the return):")), "muted"))
        self.parts_box = QWidget()
        self.parts_col = QVBoxLayout(self.parts_box)
        f.addWidget(scroll(self.parts_box), 1)
        self.add_part = button(tr(N_("Add a part")), None, "ItemAddPart")
        self.add_part.clicked.connect(lambda: self._part_row("", 1))
        self.save = button(tr(N_("Save")), "primary", "ItemSave")
        self.save.clicked.connect(self._save)
        self.retire = button(tr(N_("Retire")), "danger", "ItemRetire")
        self.retire.clicked.connect(self._confirm_retire)
        self.labels = button(tr(N_("Print its label")), None, "ItemLabel")
        self.labels.clicked.connect(lambda: self.ctx.go("labels", codes=[self.item.code]) if self.item else None)
        actions = QHBoxLayout()
        for b in (self.add_part, self.labels, self.retire, self.save):
            actions.addWidget(b)
        f.addLayout(actions)
        self.form.hide()

        row = QHBoxLayout()
        row.addLayout(left, 2)
        row.addWidget(self.form, 3)
        self.col.addLayout(row, 1)
        if ctx.bridge is not None:
            ctx.bridge.frame.connect(self._frame)

    # -- list -------------------------------------------------------------------------------
    def enter(self, **_kw: Any) -> None:
        cat = self.ctx.kiosk.catalogue
        self.run(cat.list, self._listed)

    def _listed(self, items: list[ItemView]) -> None:
        self.items = items
        self._fill()

    def _fill(self) -> None:
        q = self.search.text().strip().lower()
        shown = [i for i in self.items if not q or q in i.code.lower() or q in i.name_ko.lower()
                 or q in i.name_en.lower()]
        self.list.clear()
        for item in shown[:LIST_LIMIT]:
            self.list.add(f"{item.code} {item.name_ko}",
                          f"{tr(CATEGORY_NAMES.get(item.category, item.category))} · "
                          f"{tr(STATUS_NAMES.get(item.status, item.status))}",
                          [(tr(N_("Edit")), f"edit_{item.code}", partial(self.edit, item))], item=item)
        if len(shown) > LIST_LIMIT:
            self.list.rows.addWidget(label(tr(N_("{count} more: type to narrow the list."),
                                              count=len(shown) - LIST_LIMIT), "muted"))
        self.list.finish()

    def handle_scan(self, ref: Scan) -> bool:
        if isinstance(ref, Unreadable):
            self.fail(ref.error())
            return True
        code = ref.code if isinstance(ref, ItemRef) else None
        if code is None:
            self.fail(tr(N_("Please scan an item's label.")))
            return True
        known = next((i for i in self.items if i.code == code), None)
        self.edit(known)
        if known is None:  # a label printed ahead: start the new item with its code
            self.code.setText(code)
        return True

    # -- form --------------------------------------------------------------------------------
    def edit(self, item: ItemView | None) -> None:
        """Show the form for ``item``, or an empty one for a new item."""
        self.banner.clear()
        self.item = item
        self.photo_path = item.photo if item else None
        self.code.setText(item.code if item else "")
        self.code.setReadOnly(item is not None)
        self.name_ko.setText(item.name_ko if item else "")
        self.name_en.setText(item.name_en if item else "")
        self.name_zh.setText(item.name_zh if item else "")
        self.name_vi.setText(item.name_vi if item else "")
        self.category.setCurrentIndex(max(0, self.category.findData(item.category if item else "tool")))
        self.value.setValue(item.replacement_value if item else 0)
        for _n, _s, row in self.part_rows:
            row.deleteLater()
        self.part_rows = []
        for p in (item.parts if item else ()):
            self._part_row(p.name_ko or p.name_en, p.count)
        self.photo.show_item(item, "?")
        self.retire.setVisible(item is not None and item.status not in (ItemStatus.RETIRED, ItemStatus.ON_LOAN))
        self.labels.setVisible(item is not None)
        self.form.show()

    def _part_row(self, name: str, count: int) -> None:
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        n = len(self.part_rows)
        field = QLineEdit(name)
        field.setObjectName(f"part_name_{n}")
        field.setPlaceholderText(tr(N_("Part name")))
        field.setMaxLength(PART_NAME_MAX)
        stepper = Stepper(count, PART_COUNT_MAX, f"part_count_{n}")
        remove = button("×", None, f"part_remove_{n}")
        remove.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        entry = (field, stepper, row)
        def drop() -> None:
            self.part_rows.remove(entry)
            row.deleteLater()
        remove.clicked.connect(drop)
        h.addWidget(field, 3)
        h.addWidget(stepper, 2)
        h.addWidget(remove)
        self.parts_col.addWidget(row)
        self.part_rows.append(entry)

    def _parts(self) -> list[dict[str, Any]]:
        # The form edits Korean part names; a part keeps its other names while its Korean one stays.
        known = {p.name_ko: p for p in (self.item.parts if self.item else ())}
        parts = []
        for f, s, _r in self.part_rows:
            name = f.text().strip()
            if s.value() or name:
                old = known.get(name)
                parts.append({"name_ko": name, "name_en": old.name_en if old else "",
                              "name_zh": old.name_zh if old else "", "name_vi": old.name_vi if old else "",
                              "count": s.value()})
        return parts

    def _save(self) -> None:
        k, desk, who = self.ctx.kiosk, self.ctx.desk, self.ctx.staff
        fields = {"name_ko": self.name_ko.text(), "name_en": self.name_en.text(),
                  "name_zh": self.name_zh.text(), "name_vi": self.name_vi.text(),
                  "category": self.category.currentData(), "parts": self._parts(),
                  "replacement_value": self.value.value()}
        photo, item, code = self.photo_path, self.item, self.code.text()

        def save() -> ItemView:
            Staff.require(who, "catalogue")
            if item is None:
                view = k.catalogue.add_item(code, fields["name_ko"], name_en=fields["name_en"],
                                            name_zh=fields["name_zh"], name_vi=fields["name_vi"],
                                            category=fields["category"], parts=fields["parts"],
                                            replacement_value=fields["replacement_value"], actor=who.name)
            else:
                view = desk.edit_item(item.code, by=who, **fields)
            if photo and photo != view.photo:
                view = desk.set_photo(view.code, photo, by=who)
            return view
        self.run(save, self._saved)

    def _saved(self, view: ItemView) -> None:
        self.ok(tr(N_("{code} {name} saved."), code=view.code, name=view.name_ko))
        self.edit(view)
        self.enter()

    # -- photo --------------------------------------------------------------------------------
    def _frame(self, image: QImage) -> None:
        if self.isVisible():
            self.last_frame = image

    def _take_photo(self) -> None:
        if self.last_frame is None or self.last_frame.isNull():
            self.fail(tr(N_("The camera shows no picture. Check the camera, then try again.")))
            return
        code = self.code.text().strip() or "new"
        folder = photo_dir(self.ctx.kiosk)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{code}-{int(time.time())}.jpg"
        frame = self.last_frame

        def save() -> str:
            # Scaling and JPEG encoding take a moment: slow work, off the GUI thread.
            image = frame.scaled(800, 800, Qt.AspectRatioMode.KeepAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
            return "saved" if image.save(str(path), "JPG", 85) else ""  # type: ignore[call-overload]

        def saved(ok: str) -> None:
            if not ok:
                self.fail(tr(N_("The photo could not be saved.")))
                return
            self.photo_path = str(path)
            self.photo.set_item(code, self.photo_path)
            self.ok(tr(N_("Photo taken. Save to keep it.")))
        self.run_slow(save, saved)

    # -- retire ---------------------------------------------------------------------------------
    def _confirm_retire(self) -> None:
        if self.item is None:
            return
        ask = Confirm(self.ctx.host, "ConfirmRetireItem", tr(N_("Retire {name}?"), name=self.item.name_ko),
                      tr(N_("It will not be lent again, and its waiting list is cancelled.")),
                      [(tr(N_("Retire")), "yes", "danger"), (tr(N_("Cancel")), "no", None)])
        ask.closed.connect(lambda r: self._retire() if r == "yes" else None)
        ask.open()

    def _retire(self) -> None:
        assert self.item is not None  # the retire button shows only with an item open
        desk, who, code = self.ctx.desk, self.ctx.staff, self.item.code
        self.run(lambda: desk.retire_item(code, by=who), self._saved)
