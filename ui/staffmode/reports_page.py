"""Reports: choose a period, see the main figures, print or save the PDF and CSV."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QGridLayout, QHBoxLayout, QVBoxLayout

from kiosk.services.reports import Report
from kiosk.services.staff import Staff
from ui.staffmode.base import StaffPage, checked, choice_row
from ui.text import N_, tr
from ui.widgets.common import button, card, label


def period(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days of a preset period, both ends included."""
    if preset == "last_month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if preset == "last_30":
        return today - dt.timedelta(days=29), today
    if preset == "this_year":
        return today.replace(month=1, day=1), today
    return today.replace(day=1), today  # this month


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class ReportsPage(StaffPage):
    name = "reports"
    permission = "reports"
    title_msgid = N_("Reports")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.report: Report | None = None
        self.last_files: list[Any] = []
        presets, self.presets = choice_row([("this_month", tr(N_("This month"))),
                                            ("last_month", tr(N_("Last month"))),
                                            ("last_30", tr(N_("Last 30 days"))),
                                            ("this_year", tr(N_("This year")))], "ReportPeriod")
        for b in self.presets.values():
            b.clicked.connect(self._preset)
        self.start, self.end = QDateEdit(), QDateEdit()
        self.start.setObjectName("ReportFrom")
        self.end.setObjectName("ReportTo")
        dates = QHBoxLayout()
        for text, w in ((N_("From"), self.start), (N_("To"), self.end)):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd")
            dates.addWidget(label(tr(text)))
            dates.addWidget(w, 1)
        self.make = button(tr(N_("Make the report")), "primary", "ReportMake")
        self.make.clicked.connect(self._build)
        dates.addWidget(self.make, 1)

        self.summary = card()
        grid = QGridLayout(self.summary)
        self.figures: dict[str, Any] = {}
        for i, (key, caption) in enumerate((
                ("loans", N_("Loans")), ("members", N_("Members served")), ("overdue", N_("Overdue loans")),
                ("lost", N_("Lost items")), ("shared", N_("Resources shared")),
                ("value", N_("Their replacement value")), ("repeat", N_("Repeat participants")),
                ("parts", N_("Parts lost")))):
            figure = label("–", "huge")
            figure.setObjectName(f"report_{key}")
            self.figures[key] = figure
            cell = QVBoxLayout()
            cell.addWidget(figure)
            cell.addWidget(label(tr(caption), "muted"))
            grid.addLayout(cell, i // 4, i % 4)
        self.summary.hide()
        acts = QHBoxLayout()
        self.save_pdf = button(tr(N_("Save as PDF and CSV")), None, "ReportSave")
        self.save_pdf.clicked.connect(lambda: self._write(save=True))
        self.print_ = button(tr(N_("Print")), "primary", "ReportPrint")
        self.print_.clicked.connect(lambda: self._write(save=False))
        acts.addWidget(self.save_pdf)
        acts.addWidget(self.print_)
        self.col.addWidget(presets)
        self.col.addLayout(dates)
        self.col.addWidget(self.summary)
        self.col.addStretch(1)
        self.col.addLayout(acts)
        for b in (self.save_pdf, self.print_):
            b.setEnabled(False)
        self._preset()

    def _preset(self) -> None:
        start, end = period(checked(self.presets) or "this_month", self.ctx.kiosk.today())
        self.start.setDate(_qdate(start))
        self.end.setDate(_qdate(end))

    def _build(self) -> None:
        reports, who = self.ctx.reports, self.ctx.staff
        start, end = _pydate(self.start.date()), _pydate(self.end.date())

        def build() -> Report:
            Staff.require(who, "reports")
            return reports.build(start, end)
        self.run(build, self._show)

    def _show(self, r: Report) -> None:
        self.report = r
        sh = r.sharing
        assert sh is not None  # a built report always measures sharing
        for key, text in (("loans", f"{r.total_loans:,}"), ("members", f"{r.members_served:,}"),
                          ("overdue", f"{len(r.overdue):,}"), ("lost", f"{len(r.lost):,}"),
                          ("shared", f"{sh.resources_shared:,}"), ("value", f"₩{sh.resources_value:,}"),
                          ("repeat", f"{sh.repeat_participants:,} ({sh.repeat_pct:.0f}%)"),
                          ("parts", f"{r.parts_lost:,}")):
            self.figures[key].setText(text)
        self.summary.show()
        for b in (self.save_pdf, self.print_):
            b.setEnabled(True)
        self.ok(tr(N_("Report for {start} to {end}."), start=r.start.isoformat(), end=r.end.isoformat()))

    def _write(self, save: bool) -> None:
        from hardware.documents import print_pdf, save_pdf
        from hardware.report_pdf import render_report_pdf, write_report_csv

        if self.report is None:
            return
        r, ctx, accounts, who = self.report, self.ctx, self.ctx.accounts, self.ctx.staff
        lang = self.ctx.kiosk.setting("ui_language")
        stem = f"report-{r.start.isoformat()}-{r.end.isoformat()}"

        site = ctx.site_name  # read here: the slow lane never touches the database

        def write():
            render = lambda path: render_report_pdf(r, path, lang, site)  # noqa: E731
            files = []
            if save:
                pdf = save_pdf(render, ctx.documents_dir, stem)
                csv_path = pdf.with_suffix(".csv")
                write_report_csv(r, csv_path)
                files = [pdf, csv_path]
            else:
                got = print_pdf(ctx.printer, render, stem)
                files = [got] if got else []
            return files

        def noted(files) -> None:
            self.run(lambda: accounts.note(who, "report.made", {"from": r.start.isoformat(), "to": r.end.isoformat(),
                                                                "saved": save}),
                     lambda _r: self._written(files))
        # Drawing and printing are slow work; the note in the event log is database work.
        self.run_slow(write, noted)

    def _written(self, files) -> None:
        self.last_files = files
        self.ok(tr(N_("The report is ready.")),
                tr(N_("Saved to {path}."), path=", ".join(str(f) for f in files)) if files else "")
