"""Receipt: print it, show it as a QR code for the resident's phone, or finish without one.

One primary action in every state: "Finish" (printing also finishes), so the
step always has an obvious way on, with or without a printer.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QScrollArea, QVBoxLayout, QWidget

from hardware.printing import Receipt
from ui.receipt import build_receipt, receipt_text
from ui.screens.base import Screen, ScreenScroll
from ui.text import N_, error_text, tr
from ui.widgets.common import Banner, QrView, button, label, qr_image, theme_of
from ui.widgets.flow import FlowLayout


class ReceiptScreen(Screen):
    name = "receipt"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.receipt: Receipt | None = None
        self.printing = False
        self.banner = Banner()
        self.question = label("", "title")
        self.question.setProperty("instruction", True)  # the low-reach caption says it instead
        self.summary = label("")
        self.summary.setObjectName("ReceiptSummary")
        self.print_ = button("", None, "ReceiptPrint")
        self.qr = button("", None, "ReceiptQr")
        self.none = button("", "primary", "ReceiptNone")
        self.print_.clicked.connect(self._print)
        self.qr.clicked.connect(self._show_qr)
        self.none.clicked.connect(lambda: self.ctx.go("thanks"))
        self.qr_view = QrView()
        self.qr_view.setObjectName("ReceiptQrCode")
        self.qr_hint = label("", align=Qt.AlignmentFlag.AlignCenter)
        self.qr_hint.setProperty("instruction", True)
        self.qr_box = QWidget()
        qcol = QVBoxLayout(self.qr_box)
        qcol.addWidget(self.qr_view, 1)
        qcol.addWidget(self.qr_hint)
        self.qr_box.hide()

        # One row when it fits; wordy languages and large text wrap onto more lines, uncut.
        self.choices_box = QWidget()
        self.choices = FlowLayout(self.choices_box)
        self.choices.setContentsMargins(0, 0, 0, 0)
        for b in (self.print_, self.qr, self.none):
            self.choices.addWidget(b)
        self.main = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        left = QVBoxLayout()
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # A long visit (or large text) scrolls instead of being cut off.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.summary)
        left.addWidget(self.question)
        left.addWidget(scroll, 1)
        self.main.addLayout(left, 1)
        self.main.addWidget(self.qr_box, 1)
        # The choices stay in view; what is above them scrolls on a short panel.
        content = QVBoxLayout()
        content.addWidget(self.banner)
        content.addLayout(self.main, 1)
        col = QVBoxLayout(self)
        col.addWidget(ScreenScroll(content, "ReceiptContent"), 1)
        col.addWidget(self.choices_box)

    def set_portrait(self, portrait: bool) -> None:
        self.main.setDirection(QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight)

    def title(self) -> str:
        return tr(N_("Receipt"))

    def retranslate(self) -> None:
        self.question.setText(tr(N_("Would you like a receipt?")))
        self.print_.setText(tr(N_("Print")))
        self.qr.setText(tr(N_("QR code for my phone")))
        self.qr_hint.setText(tr(N_("Point your phone's camera at the code to keep this receipt.")))
        self._build()

    def instruction(self) -> str:
        if self.qr_box.isVisibleTo(self):
            return self.qr_hint.text()
        return self.question.text()

    def prompt(self) -> list[str]:
        said = self.banner.spoken()
        if self.qr_box.isVisibleTo(self):
            return [*said, self.instruction()]
        # The receipt itself, read out: what was borrowed and when it is due, what came back.
        sections = self.receipt.sections if self.receipt else ()
        for title, entries in sections:
            said += [tr(N_("{section}: {item}, {detail}"), section=title, item=e.title, detail=e.detail)
                     for e in entries]
        return [*said, self.instruction()]

    def enter(self, **_kw) -> None:
        self.banner.clear()
        self.qr_box.hide()
        self.printing = False
        self._build()

    def reset(self) -> None:
        self.receipt = None
        self.summary.clear()
        self.qr_view.clear()
        self.qr_box.hide()
        self.banner.clear()

    def _build(self) -> None:
        visit = self.session.visit
        self.receipt = build_receipt(visit, self.session.lang, self.ctx.kiosk.clock(),
                                     self.ctx.config.site_name)
        lines = []
        for title, entries in self.receipt.sections:
            lines.append(title)
            lines += [f"  {e.title}\n    {e.detail}" for e in entries]
        self.summary.setText("\n".join(lines))
        self.print_.setVisible(self.ctx.printer is not None)
        self.qr.setVisible(self.ctx.config.receipt_qr)
        self._finish_text()
        if self.qr_box.isVisible():
            self._show_qr()

    def _finish_text(self) -> None:
        # "Finish" says what happens; without a receipt chosen yet it says that too.
        kept = self.qr_box.isVisibleTo(self)
        self.none.setText(tr(N_("Finish")) if kept or not (self.print_.isVisibleTo(self) or self.qr.isVisibleTo(self))
                          else tr(N_("Finish without a receipt")))

    def _show_qr(self) -> None:
        if self.receipt is None:
            return
        theme = theme_of(self)
        img = qr_image(receipt_text(self.receipt), module_px=max(4, theme.mm(1.2)))
        self.qr_view.set_image(img)
        shown = self.qr_box.isVisibleTo(self)
        self.qr_box.show()
        self.qr.hide()  # it is on screen now
        self._finish_text()
        if not shown:
            self.ctx.announce()

    def _print(self) -> None:
        if self.printing or self.ctx.printer is None or self.receipt is None:
            return
        self.printing = True
        printer, receipt = self.ctx.printer, self.receipt
        self.banner.show_message("info", lambda: tr(N_("Printing...")))

        def failed(exc: BaseException) -> None:
            self.printing = False
            self.ctx.sound.play("refused")
            self.banner.show_message("refused", lambda: tr(N_("The receipt could not be printed.")),
                                     lambda: error_text(exc) + "\n" + tr(N_("You can use the QR code instead.")))
            self.ctx.announce()
        self.ctx.run(lambda: printer.print_receipt(receipt), lambda _r: self.ctx.go("thanks"), failed, slow=True)
