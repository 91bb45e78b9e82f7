"""Lend with an override: a volunteer lends to a member a kiosk checkout refused.

Four large steps: the member's card, the items, the reason, "Lend". Only the
member rules in :data:`kiosk.services.circulation.OVERRIDABLE` (expired
membership, overdue items, loan limit) give way; an item on loan or held for
someone else stays refused, and so does a suspended membership. The service
records every override as an ``override.granted`` event naming the staff
member and the reason.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.codes import AliasRef, CardRef, ItemKey, ItemRef, MemberKey, Scan, Unreadable, normalise_item_code
from kiosk.errors import BadInput, Refused
from kiosk.i18n import current_language
from kiosk.services.circulation import OVERRIDABLE, CheckoutResult, Override
from kiosk.services.views import ItemOutcome, ItemView, MemberView
from ui.staffmode.base import RowList, StaffPage, scroll
from ui.text import N_, date_text, tr
from ui.widgets.common import button, card, label, restyle

#: the reasons volunteers give most; anything else is typed
REASONS = (("renewal", N_("Membership renewal in progress")),
           ("returned", N_("Overdue item already returned by hand")),
           ("family", N_("Staff decision: family need")))
SUSPENDED_NOTE = N_("A suspended membership cannot be overridden. A manager can lift it on the "
                    "Members page.")
REASON_MAX = 120  # a short reason: it is read in the event log, not an essay


@dataclass(frozen=True)
class Standing:
    """Who a card names and the member rules a kiosk checkout would refuse now."""

    member: MemberView
    open_loans: int
    refusals: tuple[Refused, ...]

    @property
    def overridable(self) -> tuple[Refused, ...]:
        return tuple(r for r in self.refusals if r.reason in OVERRIDABLE)

    @property
    def blocked(self) -> bool:
        """A rule no override lifts (a suspended membership)."""
        return any(r.reason not in OVERRIDABLE for r in self.refusals)


def member_standing(kiosk, payload: MemberKey | str) -> Standing:
    """The member and the member-level refusals, in the resident's wording (background work)."""
    member, open_loans, refusals = kiosk.circulation.member_refusals(payload)
    return Standing(member, open_loans, tuple(refusals))


def lend(kiosk, member_payload: MemberKey | str, item_payloads: Sequence[ItemKey | str],
         override: Override) -> tuple[CheckoutResult, Standing]:
    """Lend with the override, then read the member's standing again (background work)."""
    result = kiosk.circulation.checkout(member_payload, item_payloads, override=override)
    return result, member_standing(kiosk, member_payload)


def _narrow(b: QPushButton) -> None:
    b.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)


def _step(title: str) -> tuple[Any, QVBoxLayout]:
    box = card()
    col = QVBoxLayout(box)
    col.addWidget(label(title, "title"))
    return box, col


class LendingPage(StaffPage):
    name = "lending"
    permission = "override"
    title_msgid = N_("Lend with an override")
    nav_msgid = N_("Override lending")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        #: the member's card as scanned, or the number (or card text) typed
        self.member_payload: MemberKey | str | None = None
        self.standing: Standing | None = None
        self.items: list[ItemView] = []
        self.outcomes: list[ItemOutcome] = []  # the last lending, until the next item

        # 1. the member
        who_box, w = _step(tr(N_("1. The member's card")))
        self.member_field = QLineEdit()
        self.member_field.setObjectName("LendMemberNumber")
        self.member_field.setPlaceholderText(tr(N_("Card or membership number")))
        self.member_field.returnPressed.connect(self._find_typed)
        find = button(tr(N_("Find")), None, "LendFindMember")
        find.clicked.connect(self._find_typed)
        again = button(tr(N_("Start again")), None, "LendClear")
        again.clicked.connect(self.reset)
        row = QHBoxLayout()
        row.addWidget(self.member_field, 1)
        for b in (find, again):
            _narrow(b)
            row.addWidget(b)
        w.addLayout(row)
        self.who = label("", "title")
        self.who.setObjectName("LendWho")
        self.why = label("")
        self.why.setObjectName("LendWhy")
        about = QWidget()
        a = QVBoxLayout(about)
        a.setContentsMargins(0, 0, 0, 0)
        a.addWidget(self.who)
        a.addWidget(self.why)
        a.addStretch(1)
        about.setObjectName("LendAbout")
        area = scroll(about)  # three refusals and a note still fit: they scroll
        area.setObjectName("LendAboutArea")
        area.viewport().setObjectName("LendAboutView")
        area.setStyleSheet("#LendAboutArea, #LendAboutView, #LendAbout { background: transparent; }")
        w.addWidget(area, 1)

        # 2. the items
        items_box, i = _step(tr(N_("2. The items")))
        self.item_field = QLineEdit()
        self.item_field.setObjectName("LendItemCode")
        self.item_field.setPlaceholderText(tr(N_("Label or item code")))
        self.item_field.returnPressed.connect(self._add_typed)
        add = button(tr(N_("Add")), None, "LendAddItem")
        add.clicked.connect(self._add_typed)
        _narrow(add)
        row = QHBoxLayout()
        row.addWidget(self.item_field, 1)
        row.addWidget(add)
        i.addLayout(row)
        self.list = RowList(N_("No items yet."))
        self.list.setObjectName("LendItems")
        i.addWidget(self.list, 1)

        # 3. the reason, and 4. lend
        self.reason_box, r = _step(tr(N_("3. Why lend anyway?")))
        self.reason_box.setObjectName("LendReasonStep")
        grid = QGridLayout()
        self.presets: dict[str, QPushButton] = {}
        for n, (key, msgid) in enumerate(REASONS):
            b = button(tr(msgid), None, f"LendReason_{key}")
            b.setCheckable(True)
            b.setAutoExclusive(True)
            b.clicked.connect(self._clear_typed_reason)
            grid.addWidget(b, n // 2, n % 2)
            self.presets[key] = b
        self.reason_field = QLineEdit()
        self.reason_field.setObjectName("LendReasonText")
        self.reason_field.setMaxLength(REASON_MAX)
        self.reason_field.setPlaceholderText(tr(N_("Or type a short reason")))
        self.reason_field.textEdited.connect(lambda text: self._uncheck_presets() if text else None)
        grid.addWidget(self.reason_field, 1, 1)
        self.go_button = button(tr(N_("4. Lend")), "primary", "LendGo")
        self.go_button.clicked.connect(self.lend)
        self.go_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        grid.addWidget(self.go_button, 0, 2, 2, 1)
        for c in range(3):
            grid.setColumnStretch(c, 1)
        r.addLayout(grid)

        top = QHBoxLayout()
        top.addWidget(who_box, 1)
        top.addWidget(items_box, 1)
        self.col.addLayout(top, 1)
        self.col.addWidget(self.reason_box)
        self._show_items()

    # -- state -----------------------------------------------------------------------------
    def enter(self, **_kw: Any) -> None:
        if self.member_payload is not None:  # loans may have changed since
            k, payload = self.ctx.kiosk, self.member_payload
            self.run(lambda: member_standing(k, payload), self._show_member)

    def reset(self) -> None:
        """Forget the member, the items and the reason: the next lending starts at step 1."""
        self.member_payload, self.standing = None, None
        self.items, self.outcomes = [], []
        self.member_field.clear()
        self.item_field.clear()
        self.who.clear()
        self.why.clear()
        self._clear_reason()
        self.banner.clear()
        self._show_items()

    def reason(self) -> str:
        """The reason typed, or the one chosen ("" when none)."""
        typed = self.reason_field.text().strip()
        if typed:
            return typed
        chosen = next((k for k, b in self.presets.items() if b.isChecked()), None)
        return tr(dict(REASONS)[chosen]) if chosen else ""

    def _uncheck_presets(self) -> None:
        for b in self.presets.values():
            b.setAutoExclusive(False)  # an exclusive button refuses to be unchecked
            b.setChecked(False)
            b.setAutoExclusive(True)

    def _clear_typed_reason(self) -> None:
        self.reason_field.clear()

    def _clear_reason(self) -> None:
        self._uncheck_presets()
        self.reason_field.clear()

    # -- scans and typing ----------------------------------------------------------------
    def handle_scan(self, ref: Scan) -> bool:
        if isinstance(ref, Unreadable):
            self.fail(ref.error())
        elif isinstance(ref, CardRef):
            self.find_member(ref)
        elif isinstance(ref, ItemRef | AliasRef):
            self.add_item(ref)
        return True

    def _find_typed(self) -> None:
        text = self.member_field.text().strip()
        if not text:
            self.fail(tr(N_("Scan the member's card, or type the membership number.")))
            return
        self.find_member(text)

    def _add_typed(self) -> None:
        text = self.item_field.text().strip()
        if not text:
            self.fail(tr(N_("Scan the item's label, or type its code.")))
            return
        self.add_item(normalise_item_code(text) or text)

    def find_member(self, payload: MemberKey | str) -> None:
        """Step 1: who the card names and why the kiosk would refuse them."""
        k = self.ctx.kiosk
        self.run(lambda: member_standing(k, payload), lambda st: self._member_found(payload, st))

    def _member_found(self, payload: MemberKey | str, standing: Standing) -> None:
        if payload != self.member_payload:  # another member: start their lending afresh
            self.items, self.outcomes = [], []
            self._clear_reason()
            self._show_items()
        self.member_payload = payload
        self.member_field.clear()
        self.banner.clear()
        self._show_member(standing)

    def _show_member(self, standing: Standing) -> None:
        self.standing = standing
        m = standing.member
        self.who.setText(f"{m.number} {m.display_name}")
        lines = [tr(N_("{count} item(s) on loan now."), count=standing.open_loans)]
        if not standing.refusals:
            lines.append(tr(N_("Nothing to override: this member can borrow at the kiosk.")))
        else:
            lines.append(tr(N_("The kiosk refuses a checkout:")))
            lines += [f"• {r.render(current_language())}" for r in standing.refusals]
        if standing.blocked:
            lines.append(tr(SUSPENDED_NOTE))
        self.why.setText("\n".join(lines))

    def add_item(self, payload: ItemKey | str) -> None:
        """Step 2: an item to lend (scanned, or typed)."""
        if self.member_payload is None:
            self.fail(tr(N_("Scan the member's card first.")))
            return
        k = self.ctx.kiosk
        self.run(lambda: k.catalogue.get(payload), self._item_found)

    def _item_found(self, item: ItemView) -> None:
        self.item_field.clear()
        self.banner.clear()
        if self.outcomes:  # a new lending starts: the last one's results go
            self.outcomes = []
        if all(i.code != item.code for i in self.items):
            self.items.append(item)
        self._show_items()

    def _remove(self, code: str) -> None:
        self.items = [i for i in self.items if i.code != code]
        self._show_items()

    def _show_items(self) -> None:
        # The answers of a lending take the room of steps 3 and 4 until the next item.
        self.reason_box.setVisible(not self.outcomes)
        self.list.clear()
        if self.outcomes:
            names = {i.code: i.name_ko for i in self.items}
            for o in self.outcomes:
                name = o.item_view.name_ko if o.item_view else names.get(o.item, "")
                if o.ok and o.due is not None:
                    said = tr(N_("Lent. Due back {date}."), date=date_text(o.due))
                else:
                    said = o.error.render(current_language()) if o.error else ""
                row = self.list.add(f"{o.item} {name}".strip(), said)
                row.setObjectName(f"result_{o.item}")
                detail = row.findChild(QLabel, "RowDetail")
                if detail is not None:
                    detail.setProperty("role", "ok" if o.ok else "refused")
                    restyle(detail)
        else:
            for item in self.items:
                self.list.add(f"{item.code} {item.name_ko}", "",
                              [(tr(N_("Remove")), f"remove_{item.code}",
                                functools.partial(self._remove, item.code))])
        self.list.finish()

    # -- lending ---------------------------------------------------------------------------
    def lend(self) -> None:
        """Step 4: lend every item with the override; a missing step changes nothing."""
        if self.member_payload is None:
            self.fail(tr(N_("Scan the member's card first.")))
            return
        if not self.items:
            self.fail(tr(N_("Scan the items to lend first.")))
            return
        reason = self.reason()
        if not reason:
            self.fail(tr(N_("Please choose or type the reason for lending anyway.")))
            return
        try:
            override = Override(staff=self.ctx.staff.name, reason=reason)
        except BadInput as exc:
            self.fail(exc)
            return
        k, member = self.ctx.kiosk, self.member_payload
        payloads = [ItemRef(i.code, i.home_site) for i in self.items]
        self.go_button.setEnabled(False)  # one tap, one lending
        self.ctx.run(lambda: lend(k, member, payloads, override), self._lent, self._lend_failed)

    def _lend_failed(self, exc: BaseException) -> None:
        self.go_button.setEnabled(True)
        self.fail(exc)

    def _lent(self, done: tuple[CheckoutResult, Standing]) -> None:
        result, standing = done
        self.go_button.setEnabled(True)
        overridden = bool(self.standing and self.standing.overridable)
        blocked = bool(self.standing and self.standing.blocked)
        self.outcomes = result.outcomes
        self._show_items()
        self.items = []
        self._clear_reason()
        self._show_member(standing)
        lent = sum(o.ok for o in result.outcomes)
        refused = len(result.outcomes) - lent
        member = result.member.number
        if refused:
            if lent:
                detail = tr(N_("{count} item(s) lent to {member}."), count=lent, member=member)
            elif blocked:
                detail = tr(SUSPENDED_NOTE)
            else:
                detail = tr(N_("An override lifts only the member's rules, not an item's."))
            self.banner.show_message(
                "refused", tr(N_("{count} item(s) could not be lent."), count=refused), detail)
        else:
            self.ok(tr(N_("{count} item(s) lent to {member}."), count=lent, member=member),
                    tr(N_("The override is recorded under your name.")) if overridden else "")
