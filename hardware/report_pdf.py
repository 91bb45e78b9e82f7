"""The lending report as an A4 PDF: key figures, the city's sharing indicators,
charts drawn with reportlab graphics and the lists behind them.

Every text is in the reader's language; Hangul is embedded from the bundled
font (:mod:`hardware.pdf_fonts`). The figures come from
:class:`kiosk.services.reports.Report`; this module only lays them out.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from hardware.pdf_fonts import hangul_font
from kiosk.i18n import N_, translate
from kiosk.limits import printable, spreadsheet_cell
from kiosk.services.reports import CATEGORY_LABELS, LOST_AFTER_DAYS, Report

BLUE = "#0A58A8"
GREEN = "#1C6B33"
GREY = "#8A8A8A"


def _n(value: int | float) -> str:
    return f"{value:,.0f}" if isinstance(value, int) or float(value).is_integer() else f"{value:,.1f}"


def _won(value: int) -> str:
    return f"₩{value:,}"


class _Styles:
    def __init__(self) -> None:
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle

        self.regular, self.bold = hangul_font(), hangul_font(bold=True)
        self.title = ParagraphStyle("title", fontName=self.bold, fontSize=18, leading=24, spaceAfter=4)
        self.sub = ParagraphStyle("sub", fontName=self.regular, fontSize=10, leading=14,
                                  textColor=colors.HexColor("#474747"), spaceAfter=8)
        self.h2 = ParagraphStyle("h2", fontName=self.bold, fontSize=13, leading=18, spaceBefore=10,
                                 spaceAfter=4, textColor=colors.HexColor(BLUE))
        self.body = ParagraphStyle("body", fontName=self.regular, fontSize=9.5, leading=13)
        self.note = ParagraphStyle("note", fontName=self.regular, fontSize=8, leading=11,
                                   textColor=colors.HexColor("#474747"))


def _table(rows: list[list[Any]], widths: list[float], st: _Styles, header: bool = True,
           numeric_cols: tuple[int, ...] = ()) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    t = Table([[printable(c) for c in r] for r in rows], colWidths=widths, repeatRows=1 if header else 0)
    style = [("FONT", (0, 0), (-1, -1), st.regular, 9), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#D0D0D0")),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    for col in numeric_cols:
        style.append(("ALIGN", (col, 0), (col, -1), "RIGHT"))
    if header:
        style += [("FONT", (0, 0), (-1, 0), st.bold, 9),
                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E2E6ED"))]
    t.setStyle(TableStyle(style))  # type: ignore[arg-type]
    return t


def _bar_chart(values: list[list[int]], labels: list[str], names: list[str], colours: list[str],
               st: _Styles, width: float, height: float, label_every: int = 1) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 28
    chart.width, chart.height = width - 40, height - 48  # type: ignore[assignment]
    chart.data = values
    chart.groupSpacing = 1 if len(labels) > 40 else 3
    chart.barSpacing = 0
    chart.categoryAxis.categoryNames = [lab if i % label_every == 0 else "" for i, lab in enumerate(labels)]
    chart.categoryAxis.labels.fontName = st.regular
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 0
    chart.valueAxis.labels.fontName = st.regular
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max([max(v) if v else 0 for v in values] + [1])
    step = max(1, -(-top // 5))
    chart.valueAxis.valueStep = step
    chart.valueAxis.valueMax = step * (-(-top // step))
    chart.valueAxis.gridStrokeColor = colors.HexColor("#E0E0E0")
    chart.valueAxis.visibleGrid = True
    for i, colour in enumerate(colours):
        chart.bars[i].fillColor = colors.HexColor(colour)
        chart.bars[i].strokeColor = None
    d.add(chart)
    if len(names) > 1:
        legend = Legend()
        legend.fontName = st.regular
        legend.fontSize = 8
        legend.x, legend.y = width - 150, height - 6  # type: ignore[assignment]
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.dx = legend.dy = 7
        legend.deltax = 70
        legend.colorNamePairs = [(colors.HexColor(c), n) for c, n in zip(colours, names)]
        d.add(legend)
    return d


def _hbar_chart(values: list[float], labels: list[str], st: _Styles, width: float) -> Any:
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    height = 24 + 16 * max(1, len(values))
    d = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 70, 18
    chart.width, chart.height = width - 90, height - 24  # type: ignore[assignment]
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = st.regular
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = st.regular
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(100.0, max(values or [0]))
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.bars[0].fillColor = colors.HexColor(GREEN)
    chart.bars[0].strokeColor = None
    d.add(chart)
    return d


def render_report_pdf(report: Report, target: str | Path | BinaryIO, lang: str = "ko",
                      site_name: str = "") -> None:
    """Lay the report out on A4 pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    def t(msgid: str, **params: Any) -> str:
        return translate(msgid, lang, **params)

    st = _Styles()
    width = A4[0] - 36 * mm
    doc = SimpleDocTemplate(str(target) if isinstance(target, (str, Path)) else target, pagesize=A4,
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=t(N_("Lending report")),
                            author=printable(site_name or report.site))
    story: list[Any] = [
        # Paragraph reads markup: the centre's name is text, never tags.
        Paragraph(t(N_("Lending report")) + f" · {escape(printable(site_name or report.site))}", st.title),
        Paragraph(t(N_("{start} to {end} ({days} days). Overdue and lost as of {as_of}."),
                    start=report.start.isoformat(), end=report.end.isoformat(), days=report.days,
                    as_of=report.as_of.isoformat()), st.sub)]

    key = [[t(N_("Figure")), t(N_("Value"))],
           [t(N_("Loans")), _n(report.total_loans)],
           [t(N_("Returns")), _n(report.returns)],
           [t(N_("Late returns")), _n(report.late_returns)],
           [t(N_("Members served")), _n(report.members_served)],
           [t(N_("Overdue loans")), _n(len(report.overdue))],
           [t(N_("Lost items (over {days} days overdue)"), days=LOST_AFTER_DAYS), _n(len(report.lost))],
           [t(N_("Replacement value of lost items")), _won(report.lost_value)],
           [t(N_("Parts missing at return")), _n(report.parts_missing)],
           [t(N_("Parts found at the staff check")), _n(report.parts_found)],
           [t(N_("Parts lost")), _n(report.parts_lost)]]
    sh = report.sharing
    assert sh is not None  # a built report always measures sharing
    city = [[t(N_("Sharing indicator")), t(N_("Value"))],
            [t(N_("Resources shared (items lent)")), _n(sh.resources_shared)],
            [t(N_("Replacement value of resources shared")), _won(sh.resources_value)],
            [t(N_("Value of all loans (purchases avoided)")), _won(sh.loans_value)],
            [t(N_("Participants (members who borrowed)")), _n(sh.participants)],
            [t(N_("Repeat participants (2 loans or more)")), f"{_n(sh.repeat_participants)} ({sh.repeat_pct:.1f}%)"],
            [t(N_("Loans per item shared")), f"{sh.loans_per_item:.2f}"],
            [t(N_("New members")), _n(sh.new_members)]]
    story += [Paragraph(t(N_("Key figures")), st.h2), _table(key, [width * 0.7, width * 0.3], st, numeric_cols=(1,)),
              Paragraph(t(N_("The city's sharing indicators")), st.h2),
              _table(city, [width * 0.7, width * 0.3], st, numeric_cols=(1,))]

    days = report.loans_per_day
    every = max(1, len(days) // 10)
    story += [Paragraph(t(N_("Loans and returns per day")), st.h2),
              _bar_chart([[n for _d, n, _r in days], [r for _d, _n, r in days]],
                         [d.strftime("%m-%d") for d, _n, _r in days],
                         [t(N_("Loans")), t(N_("Returns"))], [BLUE, GREY], st, width, 170, every)]
    busiest = ", ".join(f"{h:02d}:00" for h in report.busiest_hours()) or "-"
    story += [KeepTogether([
        Paragraph(t(N_("Busiest hours")), st.h2),
        Paragraph(t(N_("Loans and returns by hour of the day. Busiest: {hours}."), hours=busiest), st.body),
        _bar_chart([report.hours], [f"{h:02d}" for h in range(24)], [t(N_("Activity"))], [BLUE], st,
                   width, 140)])]

    cats = [[t(N_("Category")), t(N_("Items")), t(N_("Loans")), t(N_("Days on loan")), t(N_("Utilisation"))]]
    for c in report.categories:
        cats.append([t(CATEGORY_LABELS.get(c.category, c.category)), _n(c.items), _n(c.loans),
                     f"{c.loan_days:,.1f}", f"{c.utilisation_pct:.1f}%"])
    story += [KeepTogether([
        Paragraph(t(N_("Utilisation per category")), st.h2),
        Paragraph(t(N_("Days on loan in the period over the days the category's items could be lent.")), st.note),
        _table(cats, [width * 0.32] + [width * 0.17] * 4, st, numeric_cols=(1, 2, 3, 4)),
        # reportlab draws the first bar at the bottom: reversed, the chart reads like the table.
        _hbar_chart([c.utilisation_pct for c in reversed(report.categories)],
                    [t(CATEGORY_LABELS.get(c.category, c.category)) for c in reversed(report.categories)],
                    st, width)])]

    top = [[t(N_("Rank")), t(N_("Code")), t(N_("Item")), t(N_("Loans"))]]
    top += [[str(i + 1), c.code, c.name, _n(c.count)] for i, c in enumerate(report.top_items)]
    story += [Paragraph(t(N_("Most borrowed items")), st.h2),
              _table(top, [width * 0.1, width * 0.18, width * 0.57, width * 0.15], st, numeric_cols=(3,))
              if report.top_items else Paragraph(t(N_("Nothing was lent in this period.")), st.body)]

    story += [Paragraph(t(N_("Never borrowed ({count} items)"), count=len(report.never_borrowed)), st.h2)]
    if report.never_borrowed:
        rows = [[t(N_("Code")), t(N_("Item")), t(N_("Category"))]]
        rows += [[c.code, c.name, t(CATEGORY_LABELS.get(c.category, c.category))] for c in report.never_borrowed]
        story.append(_table(rows, [width * 0.18, width * 0.57, width * 0.25], st))
    else:
        story.append(Paragraph(t(N_("Every item has been borrowed at least once.")), st.body))

    story += [Paragraph(t(N_("Overdue and lost on {date}"), date=report.as_of.isoformat()), st.h2)]
    if report.overdue:
        rows = [[t(N_("Code")), t(N_("Item")), t(N_("Member")), t(N_("Due")), t(N_("Days late"))]]
        rows += [[o.code, o.name, o.member_number or "-", o.due_on.isoformat(), _n(o.days_overdue)]
                 for o in report.overdue]
        story.append(_table(rows, [width * 0.15, width * 0.37, width * 0.18, width * 0.16, width * 0.14],
                            st, numeric_cols=(4,)))
    else:
        story.append(Paragraph(t(N_("No loan is overdue.")), st.body))

    if report.parts_lost_items:
        rows = [[t(N_("Code")), t(N_("Item")), t(N_("Parts lost"))]]
        rows += [[c.code, c.name, _n(c.count)] for c in report.parts_lost_items]
        story += [Paragraph(t(N_("Parts lost by item")), st.h2),
                  _table(rows, [width * 0.18, width * 0.62, width * 0.2], st, numeric_cols=(2,))]

    fig = report.rules
    if fig is not None:
        money = [[t(N_("Fees and deposits")), t(N_("Value"))],
                 [t(N_("Membership fees paid")), f"{_n(fig.fees_paid)} ({_won(fig.fees_amount)})"],
                 [t(N_("Members exempt from the fee")), _n(fig.members_exempt)],
                 [t(N_("Members whose fee is due")), _n(fig.members_due)],
                 [t(N_("Deposits taken")), f"{_n(fig.deposits_taken)} ({_won(fig.deposits_amount)})"],
                 [t(N_("Deposits kept")), f"{_n(fig.deposits_kept)} ({_won(fig.deposits_kept_amount)})"],
                 [t(N_("Deposits held now")), _n(fig.deposits_held)]]
        story += [Paragraph(t(N_("Fees and deposits")), st.h2),
                  _table(money, [width * 0.7, width * 0.3], st, numeric_cols=(1,))]
        story += [Paragraph(t(N_("Most wanted, not on the shelf")), st.h2)]
        if fig.demand:
            rows = [[t(N_("Code")), t(N_("Item")), t(N_("Refused scans")), t(N_("Waiting list")),
                     t(N_("Not met"))]]
            rows += [[d.code, d.name, _n(d.unavailable), _n(d.waitlist), _n(d.unmet)] for d in fig.demand]
            story.append(_table(rows, [width * 0.15, width * 0.37, width * 0.16, width * 0.16, width * 0.16],
                                st, numeric_cols=(2, 3, 4)))
        else:
            story.append(Paragraph(t(N_("Nobody asked for an item that was not on the shelf.")), st.body))

    made = dt.datetime.now().strftime("%Y-%m-%d %H:%M")

    def footer(canvas, _doc) -> None:
        canvas.saveState()
        canvas.setFont(st.regular, 7.5)
        canvas.setFillColorRGB(0.35, 0.35, 0.35)
        canvas.drawString(18 * mm, 9 * mm, t(N_("Made by the Nanum kiosk on {when}"), when=made))
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, str(canvas.getPageNumber()))
        canvas.restoreState()

    story.append(Spacer(1, 6))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def write_report_csv(report: Report, target: str | Path) -> None:
    """Every figure as ``section,key,value`` rows (UTF-8 with BOM, so Excel reads Hangul).

    Text cells that a spreadsheet would run as a formula (an item named
    ``=HYPERLINK(...)``) are written as text; numbers stay numbers.
    """
    with open(target, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["section", "key", "value"])
        w.writerows([spreadsheet_cell(c) for c in row] for row in report.rows())
