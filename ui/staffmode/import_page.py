"""Import from a spreadsheet: pick the file, check the columns, see bad rows, import.

Centres move from handwritten ledgers through Excel: the file comes on a USB
stick. Step 1 picks the kind and the file, step 2 shows the first rows and
which column holds what (detected from the headers, changeable), step 3
imports with a progress bar; bad rows are listed with their row number and
nothing goes in until they are fixed, or skipped on purpose.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QProgressBar,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
)

from kiosk.services import importer
from kiosk.services.staff import Staff
from ui.staffmode.base import RowList, StaffPage, checked, choice_row
from ui.text import N_, tr
from ui.widgets.common import button, card, label

SEARCH_ROOTS = ("/media", "/run/media", "/mnt")
FIELD_NAMES = {"code": N_("Item code"), "name": N_("Name"), "category": N_("Category"),
               "parts": N_("Number of parts"), "name_en": N_("English name"),
               "name_zh": N_("Chinese name"), "name_vi": N_("Vietnamese name"),
               "replacement_value": N_("Replacement value"), "age_min_months": N_("Youngest age (months)"),
               "age_max_months": N_("Oldest age (months)"), "alias": N_("Old barcode"),
               "type": N_("Membership"), "contact": N_("Contact"), "expires_on": N_("Valid until"),
               "language": N_("Language")}


def spreadsheets(extra: list[Path], limit: int = 20) -> list[Path]:
    """CSV and XLSX files on USB sticks and in the kiosk's documents folder."""
    found: list[Path] = []
    for root in [*map(Path, SEARCH_ROOTS), *extra]:
        if not root.is_dir():
            continue
        for depth in ("*", "*/*", "*/*/*"):
            for suffix in (".csv", ".xlsx"):
                try:
                    found += sorted(root.glob(depth + suffix))
                except OSError:
                    continue
    return found[:limit]


class Progress(QObject):
    """Carries the importer's progress from the worker thread to the GUI thread."""

    changed = Signal(int, int)


class ImportPage(StaffPage):
    name = "import"
    permission = "import"
    title_msgid = N_("Import a spreadsheet")
    nav_msgid = N_("Import")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.preview: importer.Preview | None = None
        self.report: importer.ImportReport | None = None
        self.progress = Progress()
        self.path = QLineEdit()
        kinds, self.kind = choice_row([("items", tr(N_("Items"))), ("members", tr(N_("Members")))],
                                      "ImportKind")
        for b in self.kind.values():
            b.toggled.connect(lambda on: self._load() if on and self.path.text() else None)
        self.path.setObjectName("ImportPath")
        self.path.setPlaceholderText(tr(N_("The file: .csv or .xlsx")))
        self.open_ = button(tr(N_("Open")), "primary", "ImportOpen")
        self.open_.clicked.connect(self._load)
        pick = QHBoxLayout()
        pick.addWidget(self.path, 3)
        pick.addWidget(self.open_, 1)
        self.files = RowList(N_("No spreadsheet found on a USB stick. Type the file's path."))

        self.mapping_box = card()
        self.mapping_grid = QGridLayout(self.mapping_box)
        self.mapping: dict[str, QComboBox] = {}
        self.table = QTableWidget()
        self.table.setObjectName("ImportPreview")
        self.bar = QProgressBar()
        self.bar.setObjectName("ImportProgress")
        self.bar.hide()
        self.progress.changed.connect(self._progressed)
        self.errors = RowList(N_("No problems found."))
        self.errors.hide()
        self.go_ = button(tr(N_("Import")), "primary", "ImportRun")
        self.go_.clicked.connect(lambda: self._import(skip=False))
        self.skip_bad = button(tr(N_("Import the good rows, skip the bad ones")), None, "ImportSkipBad")
        self.skip_bad.clicked.connect(lambda: self._import(skip=True))
        self.cards = button(tr(N_("Print the new members' cards")), None, "ImportPrintCards")
        self.cards.clicked.connect(self._print_cards)
        acts = QHBoxLayout()
        for b in (self.skip_bad, self.cards, self.go_):
            acts.addWidget(b)

        self.col.addWidget(kinds)
        self.col.addLayout(pick)
        self.col.addWidget(self.files, 1)
        # The columns' choices keep their full size and scroll when a short screen has no room.
        self.mapping_area = QScrollArea()
        self.mapping_area.setObjectName("ImportMappingArea")
        self.mapping_area.setWidgetResizable(True)
        self.mapping_area.setFrameShape(QFrame.Shape.NoFrame)
        self.mapping_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.mapping_area.setWidget(self.mapping_box)
        self.col.addWidget(self.mapping_area, 2)
        self.col.addWidget(self.table, 2)
        self.col.addWidget(self.bar)
        self.col.addWidget(self.errors, 1)
        self.col.addLayout(acts)
        self._step(1)

    def _step(self, n: int) -> None:
        self.files.setVisible(n == 1)
        for w in (self.mapping_area, self.table, self.go_):
            w.setVisible(n >= 2)
        self.skip_bad.setVisible(n == 3 and self.report is not None and bool(self.report.errors)
                                 and not self.report.imported)
        self.cards.setVisible(n == 3 and self.report is not None and self.report.kind == "members"
                              and bool(self.report.created))
        self.errors.setVisible(n == 3)

    def enter(self, **_kw: Any) -> None:
        docs = self.ctx.documents_dir
        self.run(lambda: spreadsheets([docs, Path.home()]), self._found)

    def _choose(self, path: Path) -> None:
        self.path.setText(str(path))
        self._load()

    def _found(self, files: list[Path]) -> None:
        self.files.clear()
        for i, f in enumerate(files):
            self.files.add(f.name, str(f.parent), [(tr(N_("Choose")), f"file_{i}",
                                                    partial(self._choose, f))])
        self.files.finish()

    # -- step 2: preview and columns ----------------------------------------------------------
    def _load(self) -> None:
        path, kind = self.path.text().strip(), checked(self.kind)
        self.report = None
        self.run(lambda: importer.preview(path, kind), self._previewed)

    def _previewed(self, p: importer.Preview) -> None:
        self.preview = p
        self.banner.clear()
        while self.mapping_grid.count():
            item = self.mapping_grid.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        self.mapping = {}
        for i, spec in enumerate(importer.FIELDS[checked(self.kind)]):
            text = tr(FIELD_NAMES.get(spec.key, spec.key)) + (" *" if spec.required else "")
            box = QComboBox()
            box.setObjectName(f"map_{spec.key}")
            box.addItem(tr(N_("(none)")), -1)
            for col, header in enumerate(p.headers):
                box.addItem(f"{col + 1}. {header}", col)
            box.setCurrentIndex(box.findData(p.mapping.get(spec.key, -1)))
            self.mapping[spec.key] = box
            self.mapping_grid.addWidget(label(text), i // 2, (i % 2) * 2)
            self.mapping_grid.addWidget(box, i // 2, (i % 2) * 2 + 1)
        self.table.clear()
        self.table.setColumnCount(len(p.headers))
        self.table.setRowCount(len(p.rows))
        self.table.setHorizontalHeaderLabels(p.headers)
        # Row numbers as in the spreadsheet (the header is row 1), like the error list.
        self.table.setVerticalHeaderLabels([str(r + 2) for r in range(len(p.rows))])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for r, row in enumerate(p.rows):
            for c, cell in enumerate(row[:len(p.headers)]):
                self.table.setItem(r, c, QTableWidgetItem(cell))
        self._step(2)

    # -- step 3: import ------------------------------------------------------------------------
    def _import(self, skip: bool) -> None:
        if self.preview is None:
            return
        k, who, kind, path = self.ctx.kiosk, self.ctx.staff, checked(self.kind), self.path.text().strip()
        mapping = {key: box.currentData() for key, box in self.mapping.items() if box.currentData() >= 0}
        emit = self.progress.changed.emit
        self.bar.setValue(0)
        self.bar.show()

        def run() -> importer.ImportReport:
            Staff.require(who, "import")
            return importer.import_file(k, kind, path, skip_invalid=skip, mapping=mapping,
                                        progress=emit, actor=who.name)
        self.run(run, self._imported)

    def _progressed(self, done: int, total: int) -> None:
        self.bar.setMaximum(max(1, total))
        self.bar.setValue(done)

    def _imported(self, report: importer.ImportReport) -> None:
        self.report = report
        self.errors.clear()
        for e in report.errors:
            self.errors.add(tr(N_("Row {row}"), row=e.row), str(e.message))
        self.errors.finish()
        self.bar.setVisible(bool(report.imported))
        if report.imported:
            self.ok(tr(N_("Imported {imported} of {total} rows."), imported=report.imported,
                       total=report.total_rows),
                    tr(N_("{count} bad row(s) skipped."), count=len(report.bad_rows)) if report.errors else "")
        else:
            self.fail(tr(N_("Nothing was imported: {count} row(s) need fixing."), count=len(report.bad_rows)))
        self._step(3)

    def _print_cards(self) -> None:
        from hardware.card_pdf import CardSpec, render_cards
        from hardware.documents import print_pdf

        created = [c for c in (self.report.created if self.report else []) if isinstance(c, importer.ImportedMember)]
        ctx = self.ctx
        specs = [CardSpec(c.member.display_name, c.member.number, c.card, ctx.site_name,
                          c.member.expires_on.isoformat(), lang=c.member.language) for c in created]
        self.run_slow(lambda: print_pdf(ctx.printer, lambda path: render_cards(specs, path), "cards"),
                      lambda _p: self.ok(tr(N_("{count} card(s) printed."), count=len(specs))))
