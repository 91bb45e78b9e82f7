"""Settings: language, idle time, the centre's name and closed days, printer, backup.

Saved settings take effect at once in the running kiosk (the window's
language, idle time and printer); each save is one event naming the manager.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import get_day_names
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout

from kiosk.errors import BadInput
from kiosk.i18n import LANGUAGES, current_language
from kiosk.services.staff import Staff
from ui.staffmode.base import StaffPage, Stepper, checked, choice_row, scroll
from ui.text import N_, tr
from ui.widgets.common import button, card, label


def parse_days(text: str) -> list[dt.date]:
    """``2026-12-24, 2026-12-31`` -> dates; BadInput names the first that is not one."""
    days = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            days.append(dt.date.fromisoformat(part))
        except ValueError:
            raise BadInput("Not a date: {value}. Write it like 2026-12-31.", value=part) from None
    return days


class SettingsPage(StaffPage):
    name = "settings"
    permission = "settings"
    title_msgid = N_("Settings")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        k = ctx.kiosk
        form = card()
        grid = QGridLayout(form)
        lang_row, self.language = choice_row(list(LANGUAGES.items()), "SettingsLanguage")
        self.idle = Stepper(int(k.setting("ui_idle_quiet_s", 60) or 60), 3600, "SettingsIdle", minimum=10, step=10)
        self.site = QLineEdit(ctx.site_name)
        self.site.setObjectName("SettingsSiteName")
        names = get_day_names("abbreviated", locale=current_language())
        days_row = QHBoxLayout()
        self.weekdays = {}
        for d in range(7):
            b = button(names[d], None, f"closed_{d}")
            b.setCheckable(True)
            days_row.addWidget(b)
            self.weekdays[d] = b
        self.extra = QLineEdit()
        self.extra.setObjectName("SettingsClosedDays")
        self.extra.setPlaceholderText(tr(N_("Other closed days, e.g. 2026-12-24, 2026-12-31")))
        printer_row, self.printer = choice_row([("none", tr(N_("No printer"))), ("lp", tr(N_("System printer"))),
                                                ("pdf", tr(N_("Save as PDF files")))], "SettingsPrinter")
        self.printer_arg = QLineEdit()
        self.printer_arg.setObjectName("SettingsPrinterArg")
        self.printer_arg.setPlaceholderText(tr(N_("Printer queue, or the folder for PDF files")))
        rows = ((N_("Start screen language"), lang_row),
                (N_("Seconds without a touch before a resident's screen resets"), self.idle),
                (N_("Centre name"), self.site), (N_("Closed every week"), days_row),
                (N_("Closed days"), self.extra), (N_("Printer"), printer_row), ("", self.printer_arg))
        for r, (text, w) in enumerate(rows):
            grid.addWidget(label(tr(text) if text else ""), r, 0)
            if isinstance(w, QHBoxLayout):
                grid.addLayout(w, r, 1)
            else:
                grid.addWidget(w, r, 1)
        grid.setColumnStretch(1, 1)
        self.save = button(tr(N_("Save")), "primary", "SettingsSave")
        self.save.clicked.connect(self._save)
        self.test_page = button(tr(N_("Print a test page")), None, "SettingsTestPage")
        self.test_page.clicked.connect(self._test_page)
        self.backup = button(tr(N_("Back up now")), None, "SettingsBackup")
        self.backup.clicked.connect(self._backup)
        acts = QHBoxLayout()
        for b in (self.backup, self.test_page, self.save):
            acts.addWidget(b)
        self.col.addWidget(scroll(form), 1)
        self.col.addLayout(acts)
        self.last_backup = None

    def enter(self, **_kw: Any) -> None:
        k = self.ctx.kiosk
        lang = k.setting("ui_language", "ko") or "ko"
        if lang in self.language:
            self.language[lang].setChecked(True)
        spec = str(k.setting("printer", "none") or "none")
        kind, _, arg = spec.partition(":")
        self.printer.get(kind if kind in self.printer else "none").setChecked(True)
        self.printer_arg.setText(arg)
        cal = k.calendar()
        for d, b in self.weekdays.items():
            b.setChecked(d in cal.closed_weekdays)
        self.extra.setText(", ".join(d.isoformat() for d in sorted(cal.extra_closed)))

    def _printer_spec(self) -> str:
        kind, arg = checked(self.printer), self.printer_arg.text().strip()
        return f"{kind}:{arg}" if kind in ("lp", "pdf") and arg else kind

    def _save(self) -> None:
        k, desk, who = self.ctx.kiosk, self.ctx.desk, self.ctx.staff
        changes = {"ui_language": checked(self.language), "ui_idle_quiet_s": self.idle.value(),
                   "site_name": self.site.text(), "printer": self._printer_spec()}
        weekdays = [d for d, b in self.weekdays.items() if b.isChecked()]
        extra_text = self.extra.text()

        def save() -> dict[str, Any]:
            Staff.require(who, "settings")
            extra = parse_days(extra_text)
            changed = desk.save_settings(changes, by=who)
            cal = k.calendar()
            if set(weekdays) != set(cal.closed_weekdays) or set(extra) != set(cal.extra_closed):
                k.set_closed_days(weekdays, extra, actor=who.name)
                changed["closed_days"] = True
            return changed
        self.run(save, self._saved)

    def _saved(self, changed: dict[str, Any]) -> None:
        self.ctx.apply_settings(changed)
        if "site_name" in changed:
            self.ctx._site_name = None
        self.ok(tr(N_("Settings saved.")) if changed else tr(N_("Nothing changed.")))

    def _test_page(self) -> None:
        from hardware.documents import print_pdf, render_test_page

        ctx = self.ctx
        lang = ctx.kiosk.setting("ui_language", "ko") or "ko"
        self.run(lambda: print_pdf(ctx.printer, lambda path: render_test_page(path, ctx.site_name, lang), "test-page"),
                 lambda path: self.ok(tr(N_("The test page went to the printer.")),
                                      tr(N_("Saved to {path}."), path=str(path)) if path else ""))

    def _backup(self) -> None:
        k, ctx, accounts, who = self.ctx.kiosk, self.ctx, self.ctx.accounts, self.ctx.staff

        def backup():
            Staff.require(who, "backup")
            ctx.documents_dir.mkdir(parents=True, exist_ok=True)
            path = k.maintenance.backup(ctx.documents_dir / f"nanum-backup-{dt.datetime.now():%Y%m%d-%H%M%S}.sqlite3")
            accounts.note(who, "backup.made", {"file": path.name})
            return path
        self.run(backup, self._backed_up)

    def _backed_up(self, path) -> None:
        self.last_backup = path
        self.ok(tr(N_("Backup written to {path}."), path=str(path)))
