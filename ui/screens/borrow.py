"""Borrow: scan items one by one; each joins the list with its due date or the reason it can't."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFontInfo, QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.codes import CardRef, ItemKey, ItemRef, MemberKey, Scan, Unreadable
from kiosk.services.views import ItemOutcome, ItemView
from ui.condition_photo import keep_condition_photo
from ui.screens.base import Screen, ScreenScroll
from ui.text import N_, date_text, error_text, tr
from ui.widgets.camera_view import CameraView
from ui.widgets.common import Banner, Text, button, discard, label, reveal
from ui.widgets.item_row import ItemRow
from ui.widgets.keyboard import CameraWatch, CodePad, devices_of

#: the list goes under the camera or the code keys where they leave it fewer characters' widths
NARROW_LIST_EM = 16


def borrow_job(kiosk, member_ref: MemberKey, ref: ItemKey) -> ItemOutcome:
    """Background: lend one item. A refusal of an item that was found carries its view
    (name, photo), so nothing is looked up twice."""
    return kiosk.circulation.checkout(member_ref, [ref]).outcomes[0]


#: a refusal a member can do something about at the desk, and how
NEXT_STEPS = {
    "qualification": N_("Please go to the staff desk and ask for it (for power tools, the safety "
                        "briefing). Staff record it here; then scan this item again and it is yours."),
    "adults_only": N_("Please go to the staff desk: staff confirm it once, with no papers kept. Then "
                      "scan this item again."),
    "deposit": N_("Please bring the item to the staff desk: staff take the deposit and lend it to you. "
                  "You get the deposit back when you return it in good order."),
    "fee_due": N_("Please go to the staff desk to pay the annual fee in cash or by bank transfer. "
                  "Then you can borrow straight away."),
}


class BorrowScreen(Screen):
    name = "borrow"
    wants_camera = True
    needs_member = True
    shows_member_state = True

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.entries: list[tuple[ItemOutcome, ItemView | None, ItemRow]] = []
        self.pending: set[str] = set()
        self.last_row: ItemRow | None = None

        self.camera = self.view = CameraView()
        self.hint = label("", "title")
        self.hint.setProperty("instruction", True)  # the low-reach caption says it instead
        self.hint.setObjectName("ScanHint")
        # The message about the last scan sits by the camera, where the resident looks while
        # scanning; the list's whole height is left for the rows, the newest on top.
        self.banner = Banner()
        cam_col = QVBoxLayout()
        cam_col.addWidget(self.banner)
        cam_col.addWidget(self.hint)
        cam_col.addWidget(self.camera, 1)
        # Without a camera the keys take its place, and the hint above says so.
        self.pad = CodePad(ctx.say, "borrowpad")
        self.pad.typed.connect(self._typed)
        cam_col.addWidget(self.pad, 1)
        self.watch = CameraWatch(devices_of(ctx.host), self)
        self.watch.changed.connect(lambda _state: self._camera_changed())

        self.list_title = label("")
        self.empty = label("", "muted")
        self.rows = QVBoxLayout()
        self.rows.addWidget(self.empty)
        self.rows.addStretch(1)
        inner = QWidget()
        inner.setLayout(self.rows)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setWidget(inner)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.viewport().installEventFilter(self)  # narrower or wider: the newest row measured again
        self.done = button("", "primary", "BorrowDone")
        self.done.clicked.connect(self._done)
        self.list_col = QVBoxLayout()
        self.list_col.addWidget(self.list_title)
        self.list_col.addWidget(self.scroller, 1)

        # Side by side with the camera's picture, Done goes under the picture, which gives up room
        # for it, and the list has the whole height for its newest row. Under the keys typed with
        # in the camera's place it would not fit (they do not shrink): then it is under the list.
        # One above the other, Done is at the bottom. The picture and the keys are never scrolled
        # out of view to make room: the camera's column asks for all of its height.
        self.cam_area = ScreenScroll(cam_col, "BorrowCamera")
        self.cam_area.whole = True
        self.left = QVBoxLayout()
        self.left.addWidget(self.cam_area, 1)
        self.left.addWidget(self.done)
        self.layout_ = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.layout_.addLayout(self.left, 2)
        self.layout_.addLayout(self.list_col, 3)
        self.col = QVBoxLayout(self)
        self.col.addLayout(self.layout_, 1)
        self._portrait = False
        self._camera_changed()

    def set_portrait(self, portrait: bool) -> None:
        self._portrait = portrait
        self._arrange()

    def _arrange(self) -> None:
        # Where the camera's picture (two thirds of the width to the list) or the code keys (wide)
        # leave the list beside them fewer than NARROW_LIST_EM characters' widths (large text on a
        # small panel), the list goes under them as on a tall panel, and its rows have the whole width.
        em = max(1, QFontInfo(self.list_title.font()).pixelSize())
        beside = self.width() - self.pad.minimumSizeHint().width() if self.watch.missing else self.width() * 2 // 3
        narrow = self.isVisible() and beside < NARROW_LIST_EM * em  # (hidden, it has no width of its own yet)
        stacked = self._portrait or narrow
        if self.layout_.direction() != (QBoxLayout.Direction.TopToBottom if stacked
                                        else QBoxLayout.Direction.LeftToRight):
            self.layout_.setDirection(QBoxLayout.Direction.TopToBottom if stacked
                                      else QBoxLayout.Direction.LeftToRight)
            self._show_newest()  # the list moved: its newest row into view again
        # Side by side, the list gets two thirds: its rows (the newest on top) stay short.
        self.layout_.setStretch(0, 1 if not stacked else 2)
        self.layout_.setStretch(1, 2 if not stacked else 3)
        home = self.col if stacked else self.list_col if self.watch.missing else self.left
        if home.indexOf(self.done) < 0:
            for place in (self.col, self.left, self.list_col):
                place.removeWidget(self.done)
            home.addWidget(self.done)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The list laid out at another width (the 200 % zoom's page settles after the screen was
        # rendered): its newest row has another height, which the list makes room for again.
        if (watched is self.scroller.viewport() and isinstance(event, QResizeEvent)
                and event.size().width() != event.oldSize().width() and self.last_row is not None):
            row = self.last_row
            self._fit_list(row)  # at once: the page around it is measured on the next turn
            self.layout_.activate()
            self.updateGeometry()
            QTimer.singleShot(0, row, lambda: reveal(row))
        return super().eventFilter(watched, event)

    def title(self) -> str:
        return tr(N_("Borrow"))

    def instruction(self) -> str:
        if self.watch.missing:
            return tr(N_("The camera is not working now. Type the code printed under the label "
                         "with the keys on the screen, then touch OK."))
        return tr(N_("Hold each item's label inside the frame."))

    def _camera_changed(self) -> None:
        missing = self.watch.missing
        self.view.setVisible(not missing)
        self.pad.setVisible(missing)
        self.cam_area.updateGeometry()  # the keys need more room than the picture, and the picture less
        self._arrange()
        self.hint.setText(self.instruction())
        if self.isVisible():
            self.ctx.announce()

    def _typed(self, text: str) -> None:
        if self.ctx.camera is not None:  # classified as a scanned code is, in one place
            self.handle_scan(self.ctx.camera.classify(text))

    def prompt(self) -> list[str]:
        said = self.banner.spoken()
        if self.last_row is not None and not self.banner.isHidden():
            # The banner is about the last item: add its line, the due date or why not and what to do.
            said.append(self.last_row.status.text())
        return [*said, self.instruction()]

    def retranslate(self) -> None:
        self.hint.setText(self.instruction())
        self.list_title.setText(tr(N_("Your items")))
        self.empty.setText(tr(N_("Nothing scanned yet.")))
        self.done.setText(tr(N_("Done")))
        self.pad.retranslate()
        for outcome, view, row in self.entries:
            self._render(row, outcome, view)
        if self.entries:
            self._announce(*self.entries[-1][:2], play=False)
        self._show_newest()  # another language or text size: another height

    def enter(self, **_kw) -> None:
        self.banner.clear()
        self.last_row = None
        member_ref = self.session.member_ref
        if member_ref is not None:  # where the site only warns, a lapsed fee is said, kindly
            rules = self.ctx.kiosk.rules
            self.ctx.run(lambda: rules.fee_status(member_ref), self._fee_known, lambda _exc: None)

    def _fee_known(self, fee) -> None:
        if fee.state == "due" and not self.entries:
            self.banner.show_message("info", lambda: tr(N_(
                "Your annual membership fee is due. Please see staff to pay it (cash or bank transfer).")))

    def reset(self) -> None:
        for _o, _v, row in self.entries:
            discard(row)
        self.entries.clear()
        self.pending.clear()
        self.last_row = None
        self.banner.clear()
        self.empty.show()
        self.scroller.setMinimumHeight(0)

    # -- scanning -------------------------------------------------------------------
    def handle_scan(self, ref: Scan) -> bool:
        if isinstance(ref, Unreadable):
            # Not one of our items (foreign or damaged): refused as read, nothing to look up.
            message = ref.message
            self._refuse_message(lambda: message.render(self.session.lang))
            return True
        if isinstance(ref, CardRef):
            self._refuse_message(tr(N_("That is a member card. Please show an item's label.")))
            return True
        key = ref.code if isinstance(ref, ItemRef) else ref.text
        if key in self.pending:
            return True  # still being looked at
        if isinstance(ref, ItemRef) and any(o.ok and o.item == key for o, _v, _r in self.entries):
            return True  # the same label seen again: it is already in the list
        self.pending.add(key)
        member_ref = self.session.member_ref
        assert member_ref is not None  # the borrow screen needs a member (the window asks first)
        # The frame is taken now, while the item is in front of the camera: lent, it is kept
        # as the photo of how the item left (cropped to the counter, faces blurred).
        snap = self.ctx.camera.snapshot(ref) if self.ctx.camera is not None else None
        kiosk = self.ctx.kiosk

        def done(outcome: ItemOutcome) -> None:
            if outcome.ok:
                keep_condition_photo(kiosk, ref, snap, "checkout")
            self._borrowed(key, outcome, outcome.item_view)

        self.ctx.run(lambda: borrow_job(self.ctx.kiosk, member_ref, ref), done,
                     lambda exc: self._failed(key, exc))
        return True

    def _borrowed(self, key: str, outcome: ItemOutcome, view: ItemView | None) -> None:
        self.pending.discard(key)
        if not outcome.ok and view is None:
            # Not one of our items (foreign code, unknown code): say so, list nothing.
            self._refuse_message(outcome.error.render(self.session.lang) if outcome.error
                                 else tr(N_("This code is not from a sharing centre.")))
            return
        row = ItemRow(outcome.item, view.name(self.session.lang) if view else outcome.item, item=view)
        self.entries.append((outcome, view, row))
        self._render(row, outcome, view)
        self.empty.hide()
        self.rows.insertWidget(0, row)  # the newest on top, beside the message about it
        if outcome.ok:
            self.session.visit.borrowed.append(outcome)
        self._announce(outcome, view)
        self.last_row = row
        self.ctx.announce()
        self._show_newest()

    def _show_newest(self) -> None:
        # The list is at least as tall as its newest row, so all of it can be in view (the
        # screen area scrolls on a small panel); once laid out, every scroll area shows it.
        row = self.last_row
        if row is None:
            return
        self._fit_list(row)

        def settled() -> None:
            # Measured again once the new language's fonts and widths are laid out, then shown.
            self._fit_list(row)
            QTimer.singleShot(0, row, lambda: reveal(row))
        # Tied to the row: a session that ends first (idle, sign-out) deletes it, and the call goes too.
        QTimer.singleShot(0, row, lambda: QTimer.singleShot(0, row, settled))

    def _fit_list(self, row: ItemRow) -> None:
        frame = 2 * self.scroller.frameWidth()
        width = self.scroller.viewport().width()
        need = row.heightForWidth(width) if row.hasHeightForWidth() else -1
        # With the list's margin above the row: the row stays whole however the list was scrolled
        # to it (the 200 % zoom's page may settle its height after the list showed its newest row).
        above = self.rows.contentsMargins().top()
        self.scroller.setMinimumHeight(max(need, row.sizeHint().height()) + frame + above)

    def _failed(self, key: str, exc: BaseException) -> None:
        self.pending.discard(key)
        self._refuse_message(lambda: error_text(exc))

    def _refuse_message(self, text: Text) -> None:
        self.last_row = None
        self.banner.show_message("refused", text)
        self.ctx.sound.play("refused")
        self.ctx.announce()

    def _render(self, row: ItemRow, outcome: ItemOutcome, view: ItemView | None) -> None:
        if view is not None:
            row.set_name(view.name(self.session.lang))
        row.clear_actions()
        if outcome.ok:
            row.set_status(tr(N_("Borrowed. Please bring it back by {date}."),
                              date=date_text(outcome.due) if outcome.due else ""), True)
        else:
            row.set_status(outcome.error.render(self.session.lang) if outcome.error
                           else tr(N_("This item cannot be lent now.")), False)
            if outcome.reason in NEXT_STEPS:  # what the item asks for, offered as the next step
                b = row.add_action(tr(N_("How do I get it?")), f"howto_{outcome.item}")
                b.clicked.connect(lambda _=False, r=row, why=outcome.reason: self._how_to(r, why))
            if outcome.reason == "on_loan":
                b = row.add_action(tr(N_("Join the waiting list")), f"wait_{outcome.item}")
                # The item's own site: another centre's T-00042 is not this one's.
                c = ItemRef(view.code, view.home_site) if view is not None else ItemRef(outcome.item)
                b.clicked.connect(lambda _=False, r=row, c=c: self._join_waitlist(r, c))

    def _name(self, outcome: ItemOutcome, view: ItemView | None) -> str:
        return view.name(self.session.lang) if view else outcome.item

    def _announce(self, outcome: ItemOutcome, view: ItemView | None, play: bool = True) -> None:
        # The big line says what happened; the item's row just below says the due date or
        # the reason and what to do, so the list keeps its room in large text.
        if outcome.ok:
            self.banner.show_message("ok", lambda: tr(N_("{name}: borrowed"), name=self._name(outcome, view)))
        else:
            # The item's row, on top of the list right beside this message, says why and what to do.
            self.banner.show_message("refused", lambda: tr(N_("{name}: not lent"), name=self._name(outcome, view)))
        if play:
            self.ctx.sound.play("ok" if outcome.ok else "refused")

    def newest(self) -> ItemRow | None:
        return self.last_row if self.last_row is not None and self.last_row.isVisible() else None

    def strip_compact(self) -> bool:
        # Once items are in the list (or one is on its way into it), what the member had on loan
        # at sign-in is out of date, and the list needs the room.
        return bool(self.entries) or self.last_row is not None

    def _how_to(self, row: ItemRow, why: str) -> None:
        row.clear_actions()
        row.set_status(tr(NEXT_STEPS[why]), None)
        self.ctx.say(row.status.text())

    def _join_waitlist(self, row: ItemRow, code: ItemRef) -> None:
        member_ref = self.session.member_ref

        def done(status: str) -> None:
            row.clear_actions()
            row.set_status(tr(N_("You are on the waiting list. We will keep it for you when it comes back.")),
                           None)
            self.ctx.sound.play("ok")
            self.ctx.say(row.status.text())

        def failed(exc: BaseException) -> None:
            row.clear_actions()
            row.set_status(error_text(exc), False)
            self.ctx.sound.play("refused")
            self.ctx.say(row.status.text())
        assert member_ref is not None  # the borrow screen needs a member (the window asks first)
        self.ctx.run(lambda: self.ctx.kiosk.circulation.reserve(member_ref, code), done, failed)

    def _done(self) -> None:
        self.ctx.go("receipt" if not self.session.visit.empty else "thanks")
