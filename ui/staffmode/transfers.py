"""Items between centres: to send home from here, and this centre's items coming home."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk.codes import ItemKey, ItemRef, Scan, item_key
from kiosk.domain import Condition, Destination
from kiosk.errors import KioskError
from kiosk.services.transfers import OpenTransfers, TransferView, open_transfers
from kiosk.services.views import ReturnOutcome
from ui.staffmode.base import RowList, StaffPage
from ui.text import N_, tr
from ui.widgets.common import label

_CONDITION: dict[str, str] = {Condition.DAMAGED: N_("damaged"), Condition.MISSING_PARTS: N_("parts missing")}


class TransfersPage(StaffPage):
    name = "transfers"
    permission = "inspection"
    title_msgid = N_("Items between centres")
    nav_msgid = N_("Transfers")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.found = OpenTransfers([], [])
        self.to_send = RowList(N_("Nothing to send: every item returned here belongs here."))
        self.to_send.setObjectName("TransfersToSend")
        self.to_expect = RowList(N_("No item of this centre is on its way back."))
        self.to_expect.setObjectName("TransfersToExpect")
        self.hint = label(tr(N_("Scan an item that has come home to put it back in circulation.")), "muted")
        self.col.addWidget(self.hint)
        row = QHBoxLayout()
        for heading, rows in ((N_("To send to their home centres"), self.to_send),
                              (N_("Coming home from other centres"), self.to_expect)):
            col = QVBoxLayout()
            title = label(tr(heading))
            font = title.font()
            font.setBold(True)
            title.setFont(font)
            col.addWidget(title)
            col.addWidget(rows, 1)
            row.addLayout(col, 1)
        self.col.addLayout(row, 1)

    def enter(self, **_kw: Any) -> None:
        kiosk = self.ctx.kiosk
        self.run(lambda: open_transfers(kiosk), self._listed)

    def _detail(self, t: TransferView, where: str) -> str:
        bits = [where, t.started_at[:10]]
        if t.condition in _CONDITION:
            bits.append(tr(_CONDITION[t.condition]))
        return " · ".join(bits)

    def _listed(self, found: OpenTransfers) -> None:
        self.found = found
        self.to_send.clear()
        for t in found.to_send:
            self.to_send.add(f"{t.item.home_site}/{t.item.code} {t.item.name_ko}",
                             self._detail(t, tr(N_("to {site}"), site=t.to_site)))
        self.to_send.finish()
        self.to_expect.clear()
        for i, t in enumerate(found.to_expect):
            self.to_expect.add(f"{t.item.code} {t.item.name_ko}",
                               self._detail(t, tr(N_("returned at {site}"), site=t.from_site)),
                               [(tr(N_("It is here")), f"receive_{i}",
                                 partial(self._receive_transfer, t))])
        self.to_expect.finish()

    def _receive_transfer(self, t: TransferView) -> None:
        self._receive(ItemRef(t.item.code, t.item.home_site))

    def _receive(self, payload: ItemKey | str) -> None:
        circulation = self.ctx.kiosk.circulation
        self.run(lambda: circulation.receive_transfer(payload), self._received)

    def _received(self, r: ReturnOutcome) -> None:
        name = f"{r.item.code} {r.item.name_ko}"
        if r.destination == Destination.RESERVATION_SHELF:
            self.ok(tr(N_("{name}: put it on the reservation shelf."), name=name),
                    tr(N_("Held for member {member}."), member=r.held_for))
        elif r.destination == Destination.STAFF:
            self.ok(tr(N_("{name} is home: it waits for a check."), name=name))
        else:
            self.ok(tr(N_("{name} is home: back on the shelf."), name=name))
        self.enter()

    def handle_scan(self, ref: Scan) -> bool:
        try:
            self._receive(item_key(ref))
        except KioskError as exc:  # not an item: refused as read
            self.fail(exc)
        return True
