"""Labels: every item, or the items scanned or typed, on a label sheet; print or save."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QVBoxLayout

from kiosk.codes import AliasRef, ItemRef, Scan, Unreadable, item_label_payload, normalise_item_code
from kiosk.domain import ItemStatus
from kiosk.errors import BadInput
from ui.staffmode.base import RowList, StaffPage, Stepper, checked, choice_row
from ui.text import N_, tr
from ui.widgets.common import button, card, label

LAYOUT_NAMES = {"a4-24": N_("A4, 24 labels"), "a4-65": N_("A4, 65 small labels"),
                "62mm": N_("62 mm label printer")}


def label_specs(kiosk, codes: list[str] | None):
    """The labels of ``codes`` (None: every item not retired), for the background worker."""
    from hardware.labels import LabelSpec

    items = ([kiosk.catalogue.get(c) for c in codes] if codes is not None
             else [i for i in kiosk.catalogue.list() if i.status != ItemStatus.RETIRED])
    if not items:
        raise BadInput(N_("There are no labels to print."))
    return [LabelSpec(i.code, i.name_ko, item_label_payload(i.code, kiosk.base_url, i.home_site)) for i in items]


class LabelsPage(StaffPage):
    name = "labels"
    permission = "labels"
    title_msgid = N_("Labels")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.codes: list[str] = []
        which, self.which = choice_row([("chosen", tr(N_("Items I scan or type"))),
                                        ("all", tr(N_("Every item")))], "LabelsWhich")
        for b in self.which.values():
            b.toggled.connect(lambda _on: self._update())
        self.code = QLineEdit()
        self.code.setObjectName("LabelsCode")
        self.code.setPlaceholderText(tr(N_("Item code, e.g. T-00042")))
        self.code.returnPressed.connect(self._add_typed)
        add = button(tr(N_("Add")), None, "LabelsAdd")
        add.clicked.connect(self._add_typed)
        clear = button(tr(N_("Clear the list")), None, "LabelsClear")
        clear.clicked.connect(self._clear_codes)
        typed = QHBoxLayout()
        typed.addWidget(self.code, 2)
        typed.addWidget(add)
        typed.addWidget(clear)
        self.list = RowList(N_("Scan the labels to reprint, or type their codes."))

        options = card()
        o = QVBoxLayout(options)
        o.addWidget(label(tr(N_("Label sheet")), "title"))
        layout_row, self.layout_buttons = choice_row([(k, tr(v)) for k, v in LAYOUT_NAMES.items()],
                                                     "LabelsLayout", vertical=True)
        o.addWidget(layout_row)
        o.addWidget(label(tr(N_("Labels already used on the first sheet:")), "muted"))
        self.skip = Stepper(0, 64, "LabelsSkip")
        o.addWidget(self.skip)
        o.addStretch(1)
        self.count = label("", "title")
        self.count.setObjectName("LabelsCount")
        o.addWidget(self.count)
        self.print_ = button(tr(N_("Print")), "primary", "LabelsPrint")
        self.print_.clicked.connect(lambda: self._make(save=False))
        self.save = button(tr(N_("Save as PDF")), None, "LabelsSave")
        self.save.clicked.connect(lambda: self._make(save=True))
        acts = QHBoxLayout()
        acts.addWidget(self.save)
        acts.addWidget(self.print_)
        o.addLayout(acts)

        left = QVBoxLayout()
        left.addWidget(which)
        left.addLayout(typed)
        left.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addLayout(left, 3)
        row.addWidget(options, 2)
        self.col.addLayout(row, 1)
        self.last_file = None

    def enter(self, codes: list[str] | None = None, **_kw: Any) -> None:
        if codes:
            for c in codes:
                if c not in self.codes:
                    self.codes.append(c)
            self.which["chosen"].setChecked(True)
        self._update()

    def _clear_codes(self) -> None:
        self.codes.clear()
        self._update()

    def _remove_code(self, code: str) -> None:
        self.codes.remove(code)
        self._update()

    def _update(self) -> None:
        everything = checked(self.which) == "all"
        self.code.setEnabled(not everything)
        self.list.clear()
        if not everything:
            for c in self.codes:
                self.list.add(c, "", [(tr(N_("Remove")), f"remove_{c}",
                                       partial(self._remove_code, c))])
            self.list.finish()
            self.count.setText(tr(N_("{count} label(s)"), count=len(self.codes)))
        else:
            self.count.setText(tr(N_("Every item that is not retired")))

    def _add(self, code: str | None, typed: str) -> None:
        if code is None:
            self.fail(tr(N_("Not an item code: {code}"), code=typed))
            return
        self.banner.clear()
        self.which["chosen"].setChecked(True)
        if code not in self.codes:
            self.codes.append(code)
        self._update()

    def _add_typed(self) -> None:
        text = self.code.text()
        self._add(normalise_item_code(text), text)
        self.code.clear()

    def handle_scan(self, ref: Scan) -> bool:
        if isinstance(ref, Unreadable):
            self.fail(ref.error())
        elif isinstance(ref, ItemRef):
            self._add(ref.code, ref.code)
        elif isinstance(ref, AliasRef):
            self._add(None, ref.text)
        else:  # a member card: never show its secret on screen
            self.fail(tr(N_("Please scan an item's label.")))
        return True

    def _make(self, save: bool) -> None:
        from hardware.documents import print_pdf, save_pdf
        from hardware.labels import render_labels

        codes = None if checked(self.which) == "all" else list(self.codes)
        if codes == []:
            self.fail(tr(N_("There are no labels to print.")))
            return
        k, ctx = self.ctx.kiosk, self.ctx
        layout, skip, site = checked(self.layout_buttons), self.skip.value(), ctx.site_name
        if layout == "62mm":
            skip = 0

        def make(specs):
            render = lambda path: render_labels(specs, path, layout, skip=skip, site_name=site)  # noqa: E731
            path = save_pdf(render, ctx.documents_dir, "labels") if save else print_pdf(ctx.printer, render, "labels")
            return len(specs), path
        # What to print comes from the database; drawing and printing it is slow work.
        self.run(lambda: label_specs(k, codes), lambda specs: self.run_slow(lambda: make(specs), self._made))

    def _made(self, result) -> None:
        n, path = result
        self.last_file = path
        where = tr(N_("Saved to {path}."), path=str(path)) if path else ""
        self.ok(tr(N_("{count} label(s) ready."), count=n), where)
