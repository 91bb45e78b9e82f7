"""Dashboard: today's loans and returns, who to call, what waits for staff, sync."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout

from kiosk.calendar import SEOUL
from kiosk.services.dashboard import DashboardView
from kiosk.services.help import HelpCall, answer_help, open_calls
from ui.staffmode.base import RowList, StaffPage, big_number
from ui.text import N_, date_text, tr
from ui.widgets.common import button, card, label

#: the resident screens a call for help may come from, by the names their headings have
SCREENS = {"home": N_("Home"), "identify": N_("Sign in"), "borrow": N_("Borrow"), "return": N_("Return"),
           "loans": N_("My loans"), "receipt": N_("Receipt"), "thanks": N_("Thank you"),
           "setpin": N_("Set a PIN")}


class DashboardPage(StaffPage):
    name = "dashboard"
    permission = "dashboard"
    title_msgid = N_("Today")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.view: DashboardView | None = None
        tiles = QGridLayout()
        self.figures = {}
        for i, (key, caption) in enumerate((
                ("loans", N_("Loans today")), ("returns", N_("Returns today")),
                ("open", N_("On loan now")), ("check", N_("Waiting for a check")),
                ("pickup", N_("Waiting for pickup")))):
            tile, figure = big_number("–", tr(caption), f"tile_{key}")
            self.figures[key] = figure
            tiles.addWidget(tile, 0, i)
        self.to_inspection = button(tr(N_("Check returned items")), "primary", "GoInspection")
        self.to_inspection.clicked.connect(lambda: self.ctx.go("inspection"))
        self.sync = label("", "muted")
        self.sync.setObjectName("SyncState")
        sync_box = card()
        sync_col = QHBoxLayout(sync_box)
        sync_col.addWidget(self.sync, 1)
        sync_col.addWidget(self.to_inspection)

        self.overdue = RowList(N_("No loan is overdue."))
        self.pickups = RowList(N_("Nothing is waiting for pickup."))
        lists = QHBoxLayout()
        for title, widget in ((N_("Overdue: who to call"), self.overdue),
                              (N_("On the reservation shelf"), self.pickups)):
            box = QVBoxLayout()
            box.addWidget(label(tr(title), "title"))
            box.addWidget(widget, 1)
            lists.addLayout(box, 1)
        # A resident asked for help at the kiosk: first on the page, until staff answer it.
        self.help_alert = label("", "title")
        self.help_alert.setObjectName("HelpAlert")
        self.help_alert.setProperty("role", "refused")
        self.help_calls = RowList(N_("Nobody is waiting for help."))
        self.help_calls.setObjectName("HelpCalls")
        self.help_alert.hide()
        self.help_calls.hide()
        self.col.addWidget(self.help_alert)
        self.col.addWidget(self.help_calls)
        self.col.addLayout(tiles)
        self.col.addWidget(sync_box)
        self.col.addLayout(lists, 1)

    def enter(self, **_kw: Any) -> None:
        dash, sync = self.ctx.dashboard, self.ctx.sync_status
        self.run(lambda: dash.view(sync() if sync else None), self._show)
        kiosk = self.ctx.kiosk
        self.run(lambda: open_calls(kiosk), self._show_help)

    def _show_help(self, calls: list[HelpCall]) -> None:
        self.help_alert.setText(tr(N_("A resident at the kiosk asked for help: {count}. Please go to the "
                                      "kiosk."), count=len(calls)))
        self.help_alert.setVisible(bool(calls))
        self.help_calls.setVisible(bool(calls))
        self.help_calls.clear()
        for c in calls:
            at = c.at.astimezone(SEOUL).strftime("%H:%M")
            self.help_calls.add(tr(N_("Help asked for at {time}"), time=at),
                                tr(N_("From the screen: {screen}"), screen=tr(SCREENS.get(c.screen, c.screen))),
                                [(tr(N_("I am there")), f"answer_{c.call_id}", partial(self._answer, c.call_id))],
                                role="refused")
        self.help_calls.finish()

    def _answer(self, call_id: str) -> None:
        kiosk, who = self.ctx.kiosk, self.ctx.staff.name

        def answer() -> list[HelpCall]:
            answer_help(kiosk, call_id, by=who)
            return open_calls(kiosk)
        self.run(answer, self._show_help)

    def _show(self, v: DashboardView) -> None:
        self.view = v
        for key, n in (("loans", v.loans_today), ("returns", v.returns_today), ("open", v.open_loans),
                       ("check", v.inspection + v.repair), ("pickup", len(v.pickups))):
            self.figures[key].setText(str(n))
        self.to_inspection.setVisible(bool(v.inspection + v.repair))
        self.sync.setText(self._sync_text(v.sync))
        self.overdue.clear()
        for i, o in enumerate(v.overdue):
            who = f"{o.member_name} ({o.member_number})" if o.member_number else tr(N_("Former member"))
            detail = " · ".join(x for x in (who, o.contact_masked,
                                            tr(N_("due {date}"), date=date_text(o.due_on))) if x)
            actions = ([(tr(N_("Show number")), f"reveal_{i}", lambda n=o.member_number, m=o.member_name:
                         self._reveal(n, m))] if o.member_number and o.contact_masked else [])
            self.overdue.add(tr(N_("{code} {name}: {days} days late"), code=o.item_code, name=o.item_name,
                                days=o.days_overdue), detail, actions)
        self.overdue.finish()
        self.pickups.clear()
        for p in v.pickups:
            until = tr(N_("until {date}"), date=date_text(p.hold_until)) if p.hold_until else ""
            self.pickups.add(f"{p.item_code} {p.item_name}",
                             " · ".join(x for x in (f"{p.member_name} ({p.member_number})", until) if x))
        self.pickups.finish()

    @staticmethod
    def _sync_text(sync: dict[str, Any] | None) -> str:
        if not sync:
            return tr(N_("Sync with the city platform is not set up on this kiosk."))
        parts = [tr(N_("Waiting to send: {count}"), count=sync.get("queue_depth", sync.get("pending", 0)))]
        last = sync.get("last_success") or sync.get("last_ok")
        parts.append(tr(N_("Last sync: {when}"), when=last) if last else tr(N_("Not synced yet.")))
        if sync.get("last_error"):
            parts.append(tr(N_("Last error: {error}"), error=sync["last_error"]))
        text = " · ".join(parts)
        refused = sync.get("refused") or []
        if refused:
            # Each event the platform kept aside, named, so staff can act on it.
            text += "\n" + tr(N_("Events refused by the city platform: {count}"),
                              count=sync.get("refused_count", len(refused)))
            text += "".join("\n" + line for line in refused)
        return text

    def _reveal(self, number: str, name: str) -> None:
        dash, who = self.ctx.dashboard, self.ctx.staff
        self.run(lambda: dash.reveal_contact(number, by=who),
                 lambda contact: self.ok(tr(N_("{name}: {contact}"), name=name, contact=contact),
                                         tr(N_("Looking up a number is recorded with your name."))))
