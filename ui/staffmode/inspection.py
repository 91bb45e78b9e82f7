"""Inspection queue: count the parts of a returned item, then shelf, repair or retire."""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.clock import from_iso
from kiosk.codes import CardRef, ItemRef, Scan, Unreadable
from kiosk.domain import Condition, InspectionOutcome
from kiosk.services.condition import ConditionPhotos, ConditionPhotoView
from kiosk.services.desk import InspectionCase, InspectionResult
from ui.staffmode.base import STATUS_NAMES, RowList, StaffPage, Stepper, scroll
from ui.text import N_, tr
from ui.widgets.common import ItemPhoto, button, card, label
from ui.widgets.overlay import Confirm


def prefill(case: InspectionCase) -> list[int]:
    """Per-line counts that add up to what was counted at the return.

    The resident counted only a total; the shortfall is taken from the
    lines with the most pieces (small pieces are the ones that go missing),
    so a check that changes nothing records no part as found.
    """
    counts = [p.count for p in case.item.parts]
    short = case.missing
    for i in sorted(range(len(counts)), key=lambda i: -counts[i]):
        take = min(short, counts[i])
        counts[i] -= take
        short -= take
    return counts


def _caption(msgid: str, photo: ConditionPhotoView) -> str:
    """When a condition photo was taken (the kiosk's local time), and how many faces it blurred."""
    when = from_iso(photo.taken_at).astimezone().strftime("%Y-%m-%d %H:%M")
    text = tr(msgid, time=when)
    if photo.faces_blurred:
        text += "\n" + tr(N_("{count} face(s) blurred"), count=photo.faces_blurred)
    return text


class InspectionPage(StaffPage):
    name = "inspection"
    permission = "inspection"
    title_msgid = N_("Check returned items")
    nav_msgid = N_("Checks")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.cases: list[InspectionCase] = []
        self.case: InspectionCase | None = None
        self.steppers: list[Stepper] = []
        #: maintenance tasks due, by item code (filled with the queue)
        self.tasks: dict[str, list[str]] = {}
        self.list = RowList(N_("Nothing is waiting for a check."))

        self.detail = card()
        d = QVBoxLayout(self.detail)
        self.item_title = label("", "title")
        self.item_title.setObjectName("InspectItem")
        self.said = label("")
        self.said.setObjectName("InspectSaid")
        # The photo the kiosk kept at the return (faces blurred), beside the catalogue's.
        self.return_photo = ItemPhoto(36.0)
        self.return_photo.setObjectName("InspectReturnPhoto")
        self.shelf_photo = ItemPhoto(36.0)
        self.return_caption = label("", "muted")
        self.return_caption.setObjectName("InspectReturnCaption")
        self.shelf_caption = label("", "muted")
        photos = QGridLayout()
        photos.addWidget(self.return_photo, 0, 0)
        photos.addWidget(self.shelf_photo, 0, 1)
        photos.addWidget(self.return_caption, 1, 0)
        photos.addWidget(self.shelf_caption, 1, 1)
        self.photos = QWidget()
        self.photos.setLayout(photos)
        self.photos.hide()
        self.parts_box = QWidget()
        self.parts_grid = QGridLayout(self.parts_box)
        self.note = QLineEdit()
        self.note.setObjectName("InspectionNote")
        self.note.setPlaceholderText(tr(N_("Note: what did you find? (needed for repair or retire)")))
        actions = QHBoxLayout()
        self.shelf = button(tr(N_("Back to the shelf")), "primary", "InspectShelf")
        self.repair = button(tr(N_("To repair")), None, "InspectRepair")
        self.retire = button(tr(N_("Retire")), "danger", "InspectRetire")
        self.shelf.clicked.connect(lambda: self._resolve(InspectionOutcome.SHELF))
        self.repair.clicked.connect(lambda: self._resolve(InspectionOutcome.REPAIR))
        self.retire.clicked.connect(self._confirm_retire)
        for b in (self.shelf, self.repair, self.retire):
            actions.addWidget(b)
        d.addWidget(self.item_title)
        d.addWidget(self.said)
        d.addWidget(self.photos)
        d.addWidget(label(tr(N_("Count the parts that are really there:")), "muted"))
        d.addWidget(scroll(self.parts_box), 1)
        d.addWidget(self.note)
        d.addLayout(actions)
        self.detail.hide()
        self.hint = label(tr(N_("Scan an item's label, or touch it in the list.")), "muted")

        row = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.hint)
        left.addWidget(self.list, 1)
        row.addLayout(left, 2)
        row.addWidget(self.detail, 3)
        self.col.addLayout(row, 1)

    def enter(self, **_kw: Any) -> None:
        desk, rules = self.ctx.desk, self.ctx.kiosk.rules
        self.run(lambda: (desk.inspection_queue(), rules.open_task_names()), self._listed_with_tasks)

    def _listed_with_tasks(self, found: tuple[list[InspectionCase], dict[str, list[str]]]) -> None:
        self.tasks = found[1]  # maintenance its schedule made due, named
        self._listed(found[0])

    def _listed(self, cases: list[InspectionCase]) -> None:
        self.cases = cases
        self.list.clear()
        for i, c in enumerate(cases):
            why = " · ".join([self._why(c), *(tr(N_("Maintenance: {task}"), task=task)
                                             for task in self.tasks.get(c.item.code, []))])
            self.list.add(f"{c.item.code} {c.item.name_ko}", why,
                          [(tr(N_("Check")), f"case_{i}", functools.partial(self.show_case, c))], item=c.item)
        self.list.finish()
        shown = self.case
        if shown is not None and not any((c.item.home_site, c.item.code) == (shown.item.home_site, shown.item.code)
                                         for c in cases):
            self.case = None
            self.detail.hide()

    @staticmethod
    def _why(c: InspectionCase) -> str:
        bits = [tr(STATUS_NAMES.get(c.status, c.status))]
        if c.missing:
            bits.append(tr(N_("{missing} of {expected} parts missing"), missing=c.missing,
                           expected=c.parts_expected))
        if c.condition == Condition.DAMAGED:
            bits.append(tr(N_("damaged")))
        if c.transfer:
            bits.append(tr(N_("belongs to {site}"), site=c.item.home_site))
        if c.waiting:
            bits.append(tr(N_("{count} waiting"), count=c.waiting))
        return " · ".join(bits)

    def show_case(self, case: InspectionCase) -> None:
        self.case = case
        self.item_title.setText(f"{case.item.code} {case.item.name_ko}")
        said = [self._why(case)]
        if case.member_number:
            said.append(tr(N_("Returned by {member}."), member=case.member_number))
        if case.note:
            said.append(tr(N_("Their note: {note}"), note=case.note))
        self.said.setText("\n".join(said))
        while self.parts_grid.count():
            taken = self.parts_grid.takeAt(0)
            w = taken.widget() if taken is not None else None
            if w is not None:
                w.deleteLater()
        self.steppers = []
        for i, (part, value) in enumerate(zip(case.item.parts, prefill(case))):
            name = part.name_ko or part.name_en or tr(N_("Parts"))
            self.parts_grid.addWidget(label(tr(N_("{name} (of {count})"), name=name, count=part.count)), i, 0)
            s = Stepper(value, max(part.count * 10, 1), f"part_{i}")
            self.parts_grid.addWidget(s, i, 1)
            self.steppers.append(s)
        self.note.clear()
        self.photos.hide()
        self.detail.show()
        kiosk, code = self.ctx.kiosk, case.item.code
        self.run(lambda: ConditionPhotos(kiosk).pair(code), functools.partial(self._show_photos, case))

    def _show_photos(self, case: InspectionCase,
                     pair: tuple[ConditionPhotoView | None, ConditionPhotoView | None]) -> None:
        back, out = pair
        if self.case is not case or back is None:
            return
        self.return_photo.set_item(case.item.code, str(back.display))
        self.return_caption.setText(_caption(N_("At the return, {time}"), back))
        if out is not None:  # how it left on this loan, to compare with how it came back
            self.shelf_photo.set_item(case.item.code, str(out.display))
            self.shelf_caption.setText(_caption(N_("At the checkout, {time}"), out))
        else:
            self.shelf_photo.show_item(case.item)
            self.shelf_caption.setText(tr(N_("In the catalogue")))
        self.photos.show()

    def handle_scan(self, ref: Scan) -> bool:
        if isinstance(ref, Unreadable):
            self.fail(ref.error())
            return True
        if isinstance(ref, CardRef):
            self.fail(tr(N_("Please scan an item's label.")))
            return True
        # a label names its centre; a typed code or an old label, this one
        key = ref.at(self.ctx.kiosk.site) if isinstance(ref, ItemRef) else None
        match = next((c for c in self.cases if (c.item.home_site, c.item.code) == key), None)
        if match is None:
            self.fail(tr(N_("{code} is not waiting for a check."),
                         code=ref.code if isinstance(ref, ItemRef) else ref.text))
        else:
            self.banner.clear()
            self.show_case(match)
        return True

    def _confirm_retire(self) -> None:
        if self.case is None:
            return
        ask = Confirm(self.ctx.host, "ConfirmRetire", tr(N_("Retire {name}?"), name=self.case.item.name_ko),
                      tr(N_("It will not be lent again, and its waiting list is cancelled.")),
                      [(tr(N_("Retire")), "yes", "danger"), (tr(N_("Cancel")), "no", None)])
        ask.closed.connect(lambda r: self._resolve(InspectionOutcome.RETIRED) if r == "yes" else None)
        ask.open()

    def _resolve(self, outcome: str) -> None:
        if self.case is None:
            return
        desk, who, code = self.ctx.desk, self.ctx.staff, self.case.item.code
        parts = [s.value() for s in self.steppers] if self.steppers else None
        note = self.note.text()
        self.run(lambda: desk.resolve_inspection(code, outcome, by=who, parts=parts, note=note),
                 self._resolved)

    def _resolved(self, r: InspectionResult) -> None:
        name = f"{r.item.code} {r.item.name_ko}"
        found = tr(N_("{count} part(s) found."), count=r.parts_found) if r.parts_found else ""
        if r.outcome == InspectionOutcome.SHELF and r.held_for:
            self.ok(tr(N_("{name}: put it on the reservation shelf."), name=name),
                    " ".join(x for x in (tr(N_("Held for member {member}."), member=r.held_for), found) if x))
        elif r.outcome == InspectionOutcome.SHELF:
            self.ok(tr(N_("{name}: back on the shelf."), name=name), found)
        elif r.outcome == InspectionOutcome.REPAIR:
            self.ok(tr(N_("{name}: sent to repair."), name=name), found)
        else:
            self.ok(tr(N_("{name}: retired."), name=name),
                    tr(N_("{count} reservation(s) cancelled."), count=r.cancelled) if r.cancelled else "")
        self.case = None
        self.detail.hide()
        self.enter()
