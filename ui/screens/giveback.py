"""Return: scan, count the parts, say how it is, then where the item goes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.codes import ItemKey, Scan, item_key
from kiosk.domain import Destination, ItemStatus
from kiosk.errors import KioskError
from kiosk.services.circulation import returnable
from kiosk.services.views import ItemView, ReturnOutcome
from ui.condition_photo import keep_condition_photo
from ui.screens.base import Screen, ScreenScroll
from ui.text import N_, error_text, tr
from ui.widgets.camera_view import CameraView
from ui.widgets.common import Banner, Icon, ItemPhoto, TypingKeys, button, discard, label
from ui.widgets.keyboard import CameraWatch, CodePad, devices_of

#: what a resident can say is wrong, kept short on purpose (staff inspect anyway)
DAMAGE_CHOICES = (
    ("broken", N_("Broken or cracked")),
    ("not_working", N_("Does not work")),
    ("dirty", N_("Dirty or worn")),
    ("other", N_("Something else")),
)

DESTINATIONS: dict[str, tuple[str, str, str]] = {
    Destination.SHELF: (N_("Please put it on the return shelf."),
                        N_("Thank you! It is ready for the next neighbour."), "shelf"),
    Destination.RESERVATION_SHELF: (N_("Please put it on the reservation shelf."),
                          N_("Someone has reserved it: it will wait there for them."), "shelf"),
    Destination.STAFF: (N_("Please hand it to staff."), N_("Staff will check it before it is lent again."), "info"),
    Destination.TRANSFER: (N_("Please put it on the shelf for other centres' items."),
                 N_("It belongs to another centre; staff will send it home."), "info"),
}

SCAN, PARTS, COUNT, CONDITION, DAMAGE, RESULT = range(6)


#: the item's picture above the return's steps, and while its parts are counted (mm, before
#: large text enlarges it)
PHOTO_MM, COUNT_PHOTO_MM = 30.0, 15.0


class _ShownPageLayout(QStackedLayout):
    """A stacked layout measured by its shown page only: Qt's asks each page for its height
    for a width and takes the tallest (a layout inside a screen is asked directly, so the
    widget's own answers would not be heard)."""

    def _page(self) -> QWidget | None:
        return self.currentWidget()

    def sizeHint(self) -> QSize:
        page = self._page()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSize(self) -> QSize:
        page = self._page()
        return page.minimumSizeHint() if page is not None else super().minimumSize()

    def hasHeightForWidth(self) -> bool:
        page = self._page()
        return page is not None and page.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:
        page = self._page()
        return page.heightForWidth(width) if page is not None else -1

    def minimumHeightForWidth(self, width: int) -> int:
        page = self._page()
        inner = page.layout() if page is not None else None
        if inner is None:
            return self.heightForWidth(width)
        return inner.minimumHeightForWidth(width)


class PageStack(QWidget):
    """The return's steps, one shown at a time; it needs only the room the shown step needs
    (a plain stacked widget asks for its tallest page's, and a short step would scroll its
    Done button out of view)."""

    def __init__(self) -> None:
        super().__init__()
        self.pages = _ShownPageLayout(self)
        self.pages.setContentsMargins(0, 0, 0, 0)
        self.pages.currentChanged.connect(lambda _i: self.updateGeometry())

    def addWidget(self, page: QWidget) -> int:
        return self.pages.addWidget(page)

    def currentIndex(self) -> int:
        return self.pages.currentIndex()

    def setCurrentIndex(self, index: int) -> None:
        self.pages.setCurrentIndex(index)

    def currentWidget(self) -> QWidget | None:
        return self.pages.currentWidget()


class CountPad(TypingKeys, QWidget):
    """Large number keys for a count: 0-9 and Erase, laid as a phone's."""

    def __init__(self, typed, erased) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        self.keys: dict[str, QPushButton] = {}
        for i, d in enumerate("1234567890"):
            b = button(d, "typekey", f"countkey_{d}")
            b.clicked.connect(lambda _=False, k=d: typed(k))
            self.keys[d] = b
            grid.addWidget(b, i // 3, i % 3 if d != "0" else 1)
        self.erase = button("", "typekey", "countkey_erase")
        self.erase.clicked.connect(erased)
        grid.addWidget(self.erase, 3, 2)
        for b in (*self.keys.values(), self.erase):
            b.setProperty("a11yGroup", "typekeys")  # the voice names the keys, not each one
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def erase_button(self) -> QPushButton:
        return self.erase

    def retranslate(self) -> None:
        self.erase.setText(tr(N_("Erase")))


class PartCounter(QWidget):
    """One line of the parts list: name, expected count, and - / + to say how many are here.

    Touching the name chooses the line the number keys type into, so 80 pieces of
    120 is two keys, not forty taps on -."""

    def __init__(self, index: int, name: str, expected: int, say=lambda text: None) -> None:
        super().__init__()
        self.say = say
        self.expected = expected
        self.count = expected
        self.fresh = True  # the next key starts a new number instead of adding a digit
        self.name = button(name, None, f"part_{index}_pick")
        self.name.setCheckable(True)  # checked: the line the keys type into (not a next step)
        self.value = label("", "title", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        self.value.setObjectName(f"part_{index}_value")
        self.minus = button("-", None, f"part_{index}_minus")
        self.plus = button("+", None, f"part_{index}_plus")
        self.minus.clicked.connect(lambda: self.set_count(self.count - 1, speak=True))
        self.plus.clicked.connect(lambda: self.set_count(self.count + 1, speak=True))
        row = QHBoxLayout(self)
        row.addWidget(self.name, 2)
        row.addWidget(self.minus, 1)
        row.addWidget(self.value, 2)
        row.addWidget(self.plus, 1)
        self.set_name(name)
        self.set_count(expected)

    def type_digit(self, digit: str) -> bool:
        """The count with ``digit`` typed after it (or instead of it, on a fresh line);
        False and unchanged when that is more than the list has."""
        n = int(digit if self.fresh else f"{self.count}{digit}")
        if n > self.expected:
            return False
        self.fresh = False
        self.set_count(n, speak=True)
        return True

    def set_name(self, name: str) -> None:
        self.name.setText(name)
        # "-" and "+" are what the eye reads; these are what a screen reader and the voice say.
        self.minus.setAccessibleName(tr(N_("One less: {part}"), part=name))
        self.plus.setAccessibleName(tr(N_("One more: {part}"), part=name))

    def spoken(self) -> str:
        return tr(N_("{part}: {count} of {expected}"), part=self.name.text(), count=self.count,
                  expected=self.expected)

    def set_count(self, n: int, speak: bool = False) -> None:
        self.count = max(0, min(self.expected, n))
        self.value.setText(f"{self.count} / {self.expected}")
        self.value.setAccessibleName(self.spoken())
        self.minus.setEnabled(self.count > 0)
        self.plus.setEnabled(self.count < self.expected)
        if speak:
            self.say(self.spoken())


def _step_page(content: QLayout, footer: QLayout, name: str) -> QWidget:
    """A step of the return: what it says, which scrolls on a short panel, over its answers,
    which stay in view."""
    page = QWidget()
    col = QVBoxLayout(page)
    col.addWidget(ScreenScroll(content, name), 1)
    col.addLayout(footer)
    return page


class ReturnScreen(Screen):
    name = "return"
    wants_camera = True

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.ref: ItemKey | None = None  # the item being returned, as scanned
        self.item: ItemView | None = None
        self.counted: int | None = None
        self.uncounted = False  # "I could not count them": staff count, nobody is blamed
        self.selected = 0  # the parts line the number keys type into
        self.outcome: ReturnOutcome | None = None
        #: the camera frame where the item's label was read, and the label's corners in it
        self.snap: tuple[Any, tuple] | None = None
        self.busy = False
        self.banner = Banner()
        self.stack = PageStack()
        self.item_photo = ItemPhoto(PHOTO_MM)
        self.item_name = label("", "title")
        self.item_name.setObjectName("ReturnItemName")
        # A step back while the item is not returned yet (an answer touched by mistake); at the
        # first step it puts the item aside, to be scanned again.
        self.back = button("", None, "ReturnBack")
        self.back.clicked.connect(self._back)
        self.trail: list[int] = []  # the steps this item went through, the last one last
        head = QHBoxLayout()
        head.addWidget(self.item_photo)
        head.addWidget(self.item_name, 1)
        head.addWidget(self.back, 0, Qt.AlignmentFlag.AlignTop)
        self.head = QWidget()
        self.head.setLayout(head)
        self.head.hide()

        # scan
        page = QWidget()
        self.scan_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, page)
        self.camera = self.view = CameraView()
        self.scan_hint = label("", "title")
        self.scan_hint.setProperty("instruction", True)  # the low-reach caption says it instead
        self.scan_hint.setObjectName("ScanHint")
        # Without a camera the keys take its place, and the hint above them says so. Typing the
        # code is then the next step: its OK is the screen's primary action (nothing else is).
        self.pad = CodePad(ctx.say, "returnpad", primary=True)
        self.pad.typed.connect(self._typed)
        self.scan_layout.addWidget(self.camera, 3)
        self.scan_layout.addWidget(self.pad, 3)
        self.scan_layout.addWidget(self.scan_hint, 2)
        self._portrait = False
        self.watch = CameraWatch(devices_of(ctx.host), self)
        self.watch.changed.connect(lambda _state: self._camera_changed())
        self.stack.addWidget(page)
        self.pad.hide()

        # parts: the list with expected counts, confirm or say what is missing
        col = QVBoxLayout()
        self.parts_question = label("", "title")
        self.parts_list = label("")
        self.parts_list.setObjectName("PartsList")
        self.all_here = button("", "primary", "AllPartsHere")
        self.some_missing = button("", None, "SomeMissing")
        self.all_here.clicked.connect(self._all_here)
        self.some_missing.clicked.connect(self._some_missing)
        # Counting a box of 120 pieces at the kiosk is not fair to ask: this answer is
        # always there and sends the item to staff to count, with no blame and no fee.
        self.not_counted = button("", None, "CouldNotCount")
        self.not_counted.clicked.connect(self._could_not_count)
        for w in (self.parts_question, self.parts_list):
            col.addWidget(w)
        col.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.all_here)
        row.addWidget(self.some_missing)
        foot = QVBoxLayout()
        foot.addLayout(row)
        foot.addWidget(self.not_counted)
        self.stack.addWidget(_step_page(col, foot, "PartsStep"))

        # count: a counter per part
        page = QWidget()
        col = QVBoxLayout(page)
        self.count_question = label("", "title")
        self.counters_box = QVBoxLayout()
        inner = QWidget()
        inner.setLayout(self.counters_box)
        self.counters_box.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.count_ok = button("", "primary", "CountConfirm")
        self.count_ok.clicked.connect(self._count_confirmed)
        self.count_pad = CountPad(self._count_key, self._count_erase)
        self.count_gave_up = button("", None, "CountGaveUp")
        self.count_gave_up.clicked.connect(self._could_not_count)
        col.addWidget(self.count_question)
        # The number keys beside the parts, or under them where both do not fit side by side (each
        # part's line then has the whole width for its name, - and +).
        self.count_body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.counters_scroll = scroll
        self.count_body.addWidget(scroll, 3)
        self.count_body.addWidget(self.count_pad, 2)
        col.addLayout(self.count_body, 1)
        row = QHBoxLayout()
        row.addWidget(self.count_gave_up)
        row.addWidget(self.count_ok)
        col.addLayout(row)
        self.counters: list[PartCounter] = []
        # (Not a scrolling step: the parts' lines and the number keys are no use seen through a slot.)
        self.stack.addWidget(page)

        # condition
        page = QWidget()
        col = QVBoxLayout(page)
        self.condition_question = label("", "title")
        self.fine = button("", "primary", "ConditionFine")
        self.damaged = button("", None, "ConditionDamaged")
        self.fine.clicked.connect(lambda: self._submit(None))
        self.damaged.clicked.connect(lambda: self._step(DAMAGE))
        col.addWidget(self.condition_question)
        col.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.fine)
        row.addWidget(self.damaged)
        col.addLayout(row)
        col.addStretch(1)
        self.stack.addWidget(page)

        # damage: a short choice
        page = QWidget()
        col = QVBoxLayout(page)
        self.damage_question = label("", "title")
        col.addWidget(self.damage_question)
        grid = QGridLayout()
        self.damage_buttons = {}
        for i, (key, _msgid) in enumerate(DAMAGE_CHOICES):
            b = button("", None, f"damage_{key}")
            b.clicked.connect(lambda _=False, k=key: self._submit(k))
            grid.addWidget(b, i // 2, i % 2)
            self.damage_buttons[key] = b
        col.addLayout(grid)
        col.addStretch(1)
        self.stack.addWidget(page)

        # result: where it goes
        col = QVBoxLayout()
        self.where_icon = Icon("shelf", 22.0)
        self.where = label("", "huge")
        self.where.setObjectName("Destination")
        self.where_detail = label("")
        self.another = button("", None, "ReturnAnother")
        self.finish = button("", "primary", "ReturnDone")
        self.another.clicked.connect(self._another)
        self.finish.clicked.connect(lambda: self.ctx.go("receipt"))
        top = QHBoxLayout()
        top.addWidget(self.where_icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.addWidget(self.where)
        text.addWidget(self.where_detail)
        top.addLayout(text, 1)
        col.addLayout(top)
        col.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.another)
        row.addWidget(self.finish)
        self.stack.addWidget(_step_page(col, row, "ResultStep"))

        for b in (self.all_here, self.some_missing, self.not_counted, self.fine, self.damaged,
                  *self.damage_buttons.values()):
            b.setProperty("role", "answer")
        self.all_here.setProperty("accent", True)
        self.fine.setProperty("accent", True)
        outer = QVBoxLayout(self)
        outer.addWidget(self.banner)
        outer.addWidget(self.head)
        outer.addWidget(self.stack, 1)

    @property
    def step(self) -> int:
        return self.stack.currentIndex()

    def _step(self, step: int, back: bool = False) -> None:
        if not back and step != self.step:
            self.trail.append(self.step)
        if step == RESULT:
            self.trail.clear()  # returned: there is no step back from it
        # Counting needs the number keys' four rows: the item, named beside it, is known by
        # then, and its picture gives them the room (large text on a low-reach panel).
        self.item_photo.set_size_mm(COUNT_PHOTO_MM if step == COUNT else PHOTO_MM)
        self.stack.setCurrentIndex(step)
        self.back.setVisible(step in (PARTS, COUNT, CONDITION, DAMAGE))
        self.ctx.announce()

    def _back(self) -> None:
        """One step back; from the first question, the item is put aside (scan it again)."""
        if self.busy or not self.trail:
            return
        previous = self.trail.pop()
        if previous == SCAN:
            self._restart()
            self.ctx.announce()
            return
        self._step(previous, back=True)

    def instruction(self) -> str:
        step = self.step
        if step == SCAN:
            return self._scan_step()
        page = {PARTS: self.parts_question, COUNT: self.count_question, CONDITION: self.condition_question,
                DAMAGE: self.damage_question, RESULT: self.where}[step]
        return page.text()

    def prompt(self) -> list[str]:
        step = self.step
        said = self.banner.spoken()
        if step == PARTS:
            said += [self.item_name.text(), self.instruction(), *self.parts_list.text().splitlines()]
        elif step == COUNT:
            said += [self.instruction(), *(c.spoken() for c in self.counters)]
        elif step == RESULT:
            said += [self.where.text(), *self.where_detail.text().splitlines()]
        elif step in (CONDITION, DAMAGE):
            said += [self.item_name.text(), self.instruction()]
        else:
            said.append(self.instruction())
        return said

    def set_portrait(self, portrait: bool) -> None:
        self._portrait = portrait
        self._arrange()

    def _arrange(self) -> None:
        # The camera beside (or, tall, above) what to do. Without it, what to do is read first,
        # above the keys, which take the whole width (the hint is the box's last widget).
        D = QBoxLayout.Direction
        if self.watch.missing:
            self.scan_layout.setDirection(D.BottomToTop)
        else:
            self.scan_layout.setDirection(D.TopToBottom if self._portrait else D.LeftToRight)
        self.scan_layout.setStretchFactor(self.scan_hint, 0 if self.watch.missing else 2)

    def title(self) -> str:
        return tr(N_("Return"))

    def _scan_step(self) -> str:
        if self.watch.missing:
            return tr(N_("The camera is not working now. Type the code printed under the label "
                         "with the keys on the screen, then touch OK."))
        return tr(N_("Hold the label of the item you are bringing back inside the frame."))

    def _camera_changed(self) -> None:
        missing = self.watch.missing
        self.view.setVisible(not missing)
        self.pad.setVisible(missing)
        self._arrange()
        self.scan_hint.setText(self._scan_step())
        if self.isVisible() and self.step == SCAN:
            self.ctx.announce()

    def _typed(self, text: str) -> None:
        if self.ctx.camera is not None:  # classified as a scanned code is, in one place
            self.handle_scan(self.ctx.camera.classify(text))

    def retranslate(self) -> None:
        self.scan_hint.setText(self._scan_step())
        self.all_here.setText(tr(N_("Yes, all here")))
        self.some_missing.setText(tr(N_("Some are missing")))
        self.not_counted.setText(tr(N_("I could not count them")))
        self.count_question.setText(tr(N_("How many are here? Touch a part, then type the number.")))
        self.count_ok.setText(tr(N_("Confirm")))
        self.count_gave_up.setText(tr(N_("I could not count them")))
        self.count_pad.retranslate()
        self.pad.retranslate()
        self.condition_question.setText(tr(N_("Is it in good condition?")))
        self.fine.setText(tr(N_("Yes, it is fine")))
        self.damaged.setText(tr(N_("It is damaged")))
        self.damage_question.setText(tr(N_("What is wrong with it?")))
        for key, msgid in DAMAGE_CHOICES:
            self.damage_buttons[key].setText(tr(msgid))
        self.another.setText(tr(N_("Return another item")))
        self.back.setText(tr(N_("Previous step")))
        self.finish.setText(tr(N_("Done")))
        self._show_item()
        if self.outcome is not None:
            self._show_result(self.outcome)

    # -- flow ----------------------------------------------------------------------
    def enter(self, ref: Scan | None = None, **_kw) -> None:
        if self.step != RESULT:
            self._restart()
        if ref is not None:
            self._restart()
            self.handle_scan(ref)

    def reset(self) -> None:
        self._restart()

    def _restart(self) -> None:
        self.ref, self.item, self.counted, self.outcome, self.busy = None, None, None, None, False
        self.snap = None
        self.uncounted = False
        self.banner.clear()
        self.head.hide()
        self.item_photo.set_size_mm(PHOTO_MM)
        self.stack.setCurrentIndex(SCAN)
        self.trail = []
        self.back.hide()

    def _another(self) -> None:
        self._restart()

    def handle_scan(self, ref: Scan) -> bool:
        if self.step not in (SCAN, RESULT) or self.busy:
            return self.step != SCAN  # mid-return: a stray scan is ignored
        self._restart()
        try:
            item = item_key(ref)
        except KioskError as exc:
            self._failed(exc)  # not an item: refused as read, nothing to look up
            return True
        self.busy = True
        self.ref = item
        # The frame is taken now, while the item is still in front of the camera.
        self.snap = self.ctx.camera.snapshot(ref) if self.ctx.camera is not None else None
        self.ctx.run(lambda: self.ctx.kiosk.catalogue.get(item), self._found, self._failed)
        return True

    def _found(self, item: ItemView) -> None:
        self.busy = False
        if not returnable(item, self.ctx.kiosk.site):
            self.ref = None
            self.ctx.sound.play("refused")
            why = (N_("{name} is not on loan. To borrow it, go back and touch Borrow.")
                   if item.status in (ItemStatus.AVAILABLE, ItemStatus.HELD)
                   else N_("{name} is not on loan. Please hand it to staff."))
            self.banner.show_message("refused", lambda: tr(why, name=item.name(self.session.lang)))
            self.ctx.announce()
            return
        self.item = item
        self.banner.clear()
        self._show_item()
        self.ctx.sound.play("ok")
        if item.parts_total > 1 or len(item.parts) > 1:
            self._step(PARTS)
        else:
            self.counted = None
            self._step(CONDITION)

    def _show_item(self) -> None:
        item = self.item
        self.head.setVisible(item is not None)
        if item is None:
            return
        lang = self.session.lang
        self.item_photo.show_item(item)
        self.item_name.setText(f"{item.name(lang)}  ({item.code})")
        self.parts_question.setText(tr(N_("This item has {count} parts. Are they all here?"),
                                       count=item.parts_total))
        lines = [tr(N_("{part}: {count}"), part=self._part_name(p), count=p.count) for p in item.parts]
        self.parts_list.setText("\n".join(lines))
        for counter, part in zip(self.counters, item.parts):
            counter.set_name(self._part_name(part))
            counter.set_count(counter.count)

    def _part_name(self, part) -> str:
        # Chinese and Vietnamese screens show the part's own name, else its Korean one, like the item's.
        return part.name(self.session.lang) or part.name_en

    def _all_here(self) -> None:
        assert self.item is not None  # the count step shows only with an item found
        self.counted = self.item.parts_total
        self._step(CONDITION)

    def _could_not_count(self) -> None:
        self.counted, self.uncounted = None, True
        self._step(CONDITION)

    def _select_part(self, index: int) -> None:
        self.selected = index
        for i, c in enumerate(self.counters):
            c.fresh = True
            c.name.setChecked(i == index)  # the line the keys type into stands out

    def _count_key(self, digit: str) -> None:
        if not self.counters:
            return
        counter = self.counters[self.selected]
        if not counter.type_digit(digit):
            self.ctx.sound.play("refused")
            self.ctx.say(tr(N_("There are only {expected}."), expected=counter.expected))

    def _count_erase(self) -> None:
        if self.counters:
            counter = self.counters[self.selected]
            counter.fresh = True
            counter.set_count(0, speak=True)

    def _some_missing(self) -> None:
        for c in self.counters:
            discard(c)
        self.counters = []
        assert self.item is not None  # the count step shows only with an item found
        for i, part in enumerate(self.item.parts):
            c = PartCounter(i, self._part_name(part), part.count, self.ctx.say)
            c.name.clicked.connect(lambda _=False, n=i: self._select_part(n))
            self.counters.append(c)
            self.counters_box.insertWidget(i, c)
        self._select_part(0)
        self._fit_count()
        self._step(COUNT)

    def _fit_count(self) -> None:
        """The number keys beside the parts' lines where both fit at their size, else under them."""
        # The list takes three fifths of the row (and its scroll bar and frame come off that).
        line = max((c.sizeHint().width() for c in self.counters), default=0) + self.theme_scroll_width() + 4
        need = max(line * 5 // 3, line + self.count_pad.sizeHint().width()) + self.count_body.spacing()
        direction = QBoxLayout.Direction.LeftToRight if self.width() >= need else QBoxLayout.Direction.TopToBottom
        if self.count_body.direction() != direction:
            self.count_body.setDirection(direction)

    def theme_scroll_width(self) -> int:
        """The parts list's scroll bar's width."""
        return self.counters_scroll.verticalScrollBar().sizeHint().width()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.counters:
            self._fit_count()

    def _count_confirmed(self) -> None:
        self.counted, self.uncounted = sum(c.count for c in self.counters), False
        self._step(CONDITION)

    def _submit(self, damage: str | None) -> None:
        if self.busy or self.item is None:
            return
        self.busy = True
        note = None
        if damage is not None:
            # The note is kept for staff in the centre's language (Korean), whatever the resident reads.
            note = dict(DAMAGE_CHOICES)[damage]
            from kiosk.i18n import translate
            note = translate(note, "ko")
        ref, counted, uncounted = self.ref, self.counted, self.uncounted
        assert ref is not None  # set with the item, before any step that submits
        self.ctx.run(lambda: self.ctx.kiosk.circulation.return_item(ref, counted, note, uncounted=uncounted),
                     self._returned, self._failed)

    def _returned(self, outcome: ReturnOutcome) -> None:
        self.busy = False
        self.outcome = outcome
        self.session.visit.returned.append(outcome)
        self._keep_condition_photo()
        self.ctx.sound.play("ok")
        self._show_result(outcome)
        self._step(RESULT)

    def _keep_condition_photo(self) -> None:
        """Keep the picture of the item as it came back (cropped to the counter, faces
        blurred) in the background; it outlives the resident's session."""
        snap, ref, self.snap = self.snap, self.ref, None
        if ref is not None:
            keep_condition_photo(self.ctx.kiosk, ref, snap, "return")

    def _show_result(self, outcome: ReturnOutcome) -> None:
        title, detail, icon = DESTINATIONS.get(outcome.destination, DESTINATIONS["staff"])
        self.where_icon.set_kind(icon, "ok" if icon == "shelf" else "text")
        self.where.setText(tr(title))
        missing = outcome.parts_expected - outcome.parts_counted
        extra = []
        if self.uncounted:
            extra.append(tr(N_("Staff will count the parts later. Nothing more is needed from you.")))
        elif missing > 0:
            extra.append(tr(N_("{count} part(s) missing: staff will contact you if needed."), count=missing))
        if outcome.late_days > 0:
            extra.append(tr(N_("It came back {days} day(s) late."), days=outcome.late_days))
        self.where_detail.setText("\n".join([tr(detail), *extra]))

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.ctx.sound.play("refused")
        self.banner.show_message("refused", lambda: error_text(exc))
        self.item = None
        self.head.hide()
        self._step(SCAN)
