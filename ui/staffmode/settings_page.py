"""Settings: language, idle time, the centre's name and closed days, printer, platform, backup.

Saved settings take effect at once in the running kiosk (the window's
language, idle time and printer); each save is one event naming the manager.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from babel.dates import get_day_names
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QWidget

from kiosk.errors import BadInput
from kiosk.i18n import LANGUAGES, current_language
from kiosk.services.desk import SETTINGS
from kiosk.services.staff import Staff
from ui.staffmode.base import StaffPage, Stepper, checked, choice_row, scroll
from ui.staffmode.import_page import SEARCH_ROOTS
from ui.text import N_, tr
from ui.widgets.common import button, card, label
from ui.widgets.overlay import Confirm


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
        self.idle = Stepper(int(k.setting("ui_idle_quiet_s")), 3600, "SettingsIdle", minimum=10, step=10)
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
        self.sync_url = QLineEdit()
        self.sync_url.setObjectName("SettingsSyncUrl")
        self.sync_url.setPlaceholderText(tr(N_("Empty: the address set at installation, if any")))
        rows: tuple[tuple[str, QWidget | QHBoxLayout], ...] = ((N_("Start screen language"), lang_row),
                (N_("Seconds without a touch before a resident's screen resets"), self.idle),
                (N_("Centre name"), self.site), (N_("Closed every week"), days_row),
                (N_("Closed days"), self.extra), (N_("Printer"), printer_row), ("", self.printer_arg),
                (N_("City platform address"), self.sync_url))
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
        self.restore = button(tr(N_("Restore a backup")), None, "SettingsRestore")
        self.restore.clicked.connect(self._list_backups)
        acts = QHBoxLayout()
        for b in (self.backup, self.restore, self.test_page, self.save):
            acts.addWidget(b)
        self.col.addWidget(scroll(form), 1)
        self.col.addLayout(acts)
        self.last_backup = None
        self.restored_before: Path | None = None

    def enter(self, **_kw: Any) -> None:
        k = self.ctx.kiosk
        lang = k.setting("ui_language")
        if lang in self.language:
            self.language[lang].setChecked(True)
        spec = k.setting("printer") or "none"  # not set: the system printer if there is one
        kind, _, arg = spec.partition(":")
        self.printer[kind if kind in self.printer else "none"].setChecked(True)
        self.printer_arg.setText(arg)
        cal = k.calendar()
        for d, b in self.weekdays.items():
            b.setChecked(d in cal.closed_weekdays)
        self.extra.setText(", ".join(d.isoformat() for d in sorted(cal.extra_closed)))
        self.sync_url.setText(k.setting("sync_url") or "")  # not set: the config file's
        self.site.setText(self.ctx.site_name)

    def _printer_spec(self) -> str:
        kind, arg = checked(self.printer), self.printer_arg.text().strip()
        return f"{kind}:{arg}" if kind in ("lp", "pdf") and arg else kind

    def _save(self) -> None:
        k, desk, who = self.ctx.kiosk, self.ctx.desk, self.ctx.staff
        changes = {"ui_language": checked(self.language), "ui_idle_quiet_s": self.idle.value(),
                   "site_name": self.site.text(), "printer": self._printer_spec(),
                   "sync_url": self.sync_url.text()}
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
            self.ctx.forget_site_name()
        self.ok(tr(N_("Settings saved.")) if changed else tr(N_("Nothing changed.")))

    def _test_page(self) -> None:
        from hardware.documents import print_pdf, render_test_page

        ctx = self.ctx
        lang = ctx.kiosk.setting("ui_language")
        self.run_slow(lambda: print_pdf(ctx.printer, lambda path: render_test_page(path, ctx.site_name, lang),
                                        "test-page"),
                 lambda path: self.ok(tr(N_("The test page went to the printer.")),
                                      tr(N_("Saved to {path}."), path=str(path)) if path else ""))

    def _backup(self) -> None:
        desk, folder, who = self.ctx.desk, self.ctx.documents_dir, self.ctx.staff
        self.run(lambda: desk.backup(folder, by=who), self._backed_up)

    def _backed_up(self, path) -> None:
        self.last_backup = path
        self.ok(tr(N_("Backup written to {path}."), path=path.name), str(path.parent))

    # -- restore --------------------------------------------------------------------------------
    def _list_backups(self) -> None:
        """Ask which backup to go back to: the newest ones here and on USB sticks."""
        self.banner.clear()
        folders = [self.ctx.documents_dir, *map(Path, SEARCH_ROOTS)]
        found = self.ctx.desk.backups(folders)
        if not found:
            self.fail(tr(N_("No backup found here or on a USB stick.")))
            return
        answers: list[tuple[str, str, str | None]] = []
        for n, (path, when) in enumerate(found):
            answers.append((f"{when:%Y-%m-%d %H:%M} · {path.name}", str(n), None))
        answers.append((tr(N_("Cancel")), "no", None))
        ask = Confirm(self.ctx.host, "RestoreFile", tr(N_("Tap the backup to go back to:")), "", answers)
        ask.closed.connect(lambda r: self._confirm_restore(*found[int(r)]) if r.isdigit() else None)
        ask.open()

    def _confirm_restore(self, path: Path, when: dt.datetime) -> None:
        stamp = f"{when:%Y-%m-%d %H:%M}"
        ask = Confirm(self.ctx.host, "ConfirmRestore", tr(N_("Go back to the data of {when}?"), when=stamp),
                      tr(N_("Loans and changes made since then are replaced. A copy of today's data "
                            "is saved first, so this can be undone.")),
                      [(tr(N_("Restore")), "yes", "danger"), (tr(N_("Cancel")), "no", None)])
        ask.closed.connect(lambda r: self._restore(path) if r == "yes" else None)
        ask.open()

    def _restore(self, path: Path) -> None:
        desk, folder, who = self.ctx.desk, self.ctx.documents_dir, self.ctx.staff
        maintenance = self.ctx.kiosk.maintenance

        def restore() -> tuple[Path, bool]:
            return desk.restore(path, by=who, safety_dir=folder), maintenance.recovery_pending
        self.run(restore, lambda done: self._restored(path, *done))

    def _restored(self, path: Path, before: Path, recovery_pending: bool = False) -> None:
        self.restored_before = before
        self.ctx.apply_settings({key: True for key in SETTINGS})  # the backup's settings, in effect now
        self.ctx.forget_site_name()
        self.enter()
        self.ok(tr(N_("Restored from {file}."), file=path.name),
                tr(N_("The data from before was saved to {path}."), path=str(before))
                + ("\n" + tr(N_("The kiosk will fetch what it had sent since this backup at its next sync."))
                   if recovery_pending else ""))
