"""``nanum a11y-audit``: every resident screen in every language, theme and layout, checked.

The audit drives the real kiosk window through every state of
:func:`ui.screenshots._states` (the taps a resident makes, on a throwaway
demo centre) with voice guidance on, and renders each state in every
language (ko, en, zh, vi), theme (default, large text, the 200 % zoom, high contrast) and
layout (standard, low reach). Each rendering is checked from its widgets and
its pixels (:mod:`ui.a11y_checks`) at the configured panel: its DPI, and how
high it is mounted for the reach rule. It prints a summary table and exits
non-zero on any failure; ``--json`` gives every finding.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ui.a11y_checks import Finding, Measures, check_screen, image_array
from ui.text import N_, tr

LANGS = ("ko", "en", "zh", "vi")
THEMES = ("default", "large", "zoom", "contrast")
LAYOUTS = ("standard", "low-reach")
DEFAULT_SIZE = (1920, 1080)


@dataclass
class Variant:
    """One language x theme x layout: how its screens did."""

    lang: str
    theme: str
    layout: str
    states: int = 0
    widgets: int = 0
    text_mm: float = 99.0
    target_mm: float = 99.0
    contrast: float = 21.0
    failures: int = 0

    def add(self, m: Measures, failed: int) -> None:
        self.states += 1
        self.widgets += m.widgets
        self.text_mm = min(self.text_mm, m.text_mm)
        self.target_mm = min(self.target_mm, m.target_mm)
        self.contrast = min(self.contrast, m.contrast)
        self.failures += failed


@dataclass
class AuditReport:
    size: tuple[int, int]
    dpi: float
    mount_cm: float
    reach_line_px: int
    variants: list[Variant] = field(default_factory=list)
    findings: list[dict[str, str]] = field(default_factory=list)
    shots: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "size": f"{self.size[0]}x{self.size[1]}", "dpi": self.dpi,
                "panel_mount_cm": self.mount_cm, "reach_line_px": self.reach_line_px,
                "variants": [asdict(v) for v in self.variants], "findings": self.findings,
                "screenshots": self.shots}

    def table(self) -> list[str]:
        """The summary: one line per language x theme x layout."""
        head = f"{'lang':4} {'theme':8} {'layout':9} {'states':>6} {'widgets':>7} {'text mm':>7} " \
               f"{'touch mm':>8} {'contrast':>8} {'fails':>5}"
        lines = [head, "-" * len(head)]
        for v in self.variants:
            lines.append(f"{v.lang:4} {v.theme:8} {v.layout:9} {v.states:6d} {v.widgets:7d} {v.text_mm:7.1f} "
                         f"{v.target_mm:8.1f} {v.contrast:7.1f}:1 {v.failures:5d}")
        lines.append(tr(N_("{variants} variants, {screens} screens rendered at {size} and {dpi} dpi: "
                           "{problems} problem(s)."), variants=len(self.variants),
                        screens=sum(v.states for v in self.variants), size=f"{self.size[0]}x{self.size[1]}",
                        dpi=f"{self.dpi:g}", problems=len(self.findings)))
        for f in self.findings[:200]:
            lines.append(f"FAIL {f['state']} [{f['lang']}/{f['theme']}/{f['layout']}] {f['check']}: "
                         f"{f['widget']}: {f['detail']}")
        if len(self.findings) > 200:
            lines.append(tr(N_("... and {count} more (see --json)"), count=len(self.findings) - 200))
        return lines


def _freeze(window) -> None:
    """Stop the timers that would move on by themselves while a state is being checked."""
    window.idle.quiet.stop()
    window.idle.tick.stop()
    window.screens["thanks"].timer.stop()


def run_audit(config=None, size: tuple[int, int] = DEFAULT_SIZE, langs=LANGS, themes=THEMES,
              layouts=LAYOUTS, shots_dir: Path | None = None, states: set[str] | None = None) -> AuditReport:
    """Render and check every state; ``config`` is the kiosk's :class:`ui.config.UiConfig` (its DPI
    and panel mounting count), default when None."""
    from PySide6.QtWidgets import QApplication

    from kiosk.i18n import DEFAULT_LANGUAGE, set_language
    from ui.app import KioskWindow
    from ui.config import UiConfig
    from ui.scanbridge import ScanBridge
    from ui.screenshots import Driver, _NullPrinter, _states, demo_copy
    from ui.sound import RecordingSound
    from ui.speech import RecordingSpeech
    from ui.tasks import runner

    app = QApplication.instance() or QApplication([])
    base = config or UiConfig()
    variants = {(lang, theme, layout): Variant(lang, theme, layout)
                for theme in themes for layout in layouts for lang in langs}
    report = AuditReport(size=size, dpi=base.dpi, mount_cm=base.panel_mount_cm,
                         reach_line_px=base.reach_line(size[1]), variants=list(variants.values()))
    if shots_dir is not None:
        shots_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nanum-audit-") as tmp:
        kiosk = demo_copy(Path(tmp) / "k")
        try:
            cfg = replace(UiConfig.from_settings(kiosk.setting), dpi=base.dpi, panel_mount_cm=base.panel_mount_cm,
                          panel_height_cm=base.panel_height_cm, idle_quiet_ms=3_600_000)
            bridge = ScanBridge()
            window = KioskWindow(kiosk, cfg, sound=RecordingSound(), printer=_NullPrinter(), bridge=bridge,
                                 speech=RecordingSpeech())
            bridge.setParent(window)
            window.resize(*size)
            window.show()
            d = Driver(window)
            for n, (state, act) in enumerate(_states(d), 1):
                act()
                d.settle()
                _freeze(window)
                if states is not None and state not in states:
                    continue
                for (lang, theme, layout), variant in variants.items():
                    window.session.set_display(large_text=theme == "large", high_contrast=theme == "contrast",
                                               low_reach=layout == "low-reach", zoom=theme == "zoom")
                    window.session.set_language(lang)
                    window.session.set_voice(True)
                    d.settle()
                    if (window.width(), window.height()) != size:
                        # Grown by the previous rendering, or by this one: back to the panel's size;
                        # what still does not fit is reported by the checks ("layout").
                        window.resize(*size)
                        d.settle()
                    image = window.grab().toImage()
                    found, measures = check_screen(window, image_array(image), lang, layout == "low-reach")
                    variant.add(measures, len(found))
                    report.findings += [_row(state, lang, theme, layout, f) for f in found]
                    if shots_dir is not None and (found or lang in ("zh", "vi")):
                        path = shots_dir / f"{size[0]}x{size[1]}-{lang}-{theme}-{layout}-{n:02d}-{state}.png"
                        image.save(str(path))
                        report.shots.append(str(path))
            window.may_close = True
            window.close()
            window.deleteLater()
            app.processEvents()
        finally:
            runner().wait()
            kiosk.close()
    set_language(DEFAULT_LANGUAGE)
    return report


def _row(state: str, lang: str, theme: str, layout: str, f: Finding) -> dict[str, str]:
    return {"state": state, "lang": lang, "theme": theme, "layout": layout, "check": f.check,
            "widget": f.widget, "detail": f.detail}

