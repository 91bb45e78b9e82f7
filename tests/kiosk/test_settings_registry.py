"""Settings are declared once (kiosk/settings.py): every source is checked the same way,
the config file and the database give the same typed value, and nobody repeats a default."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from kiosk import settings
from kiosk.config import load_config
from kiosk.errors import BadInput
from kiosk.services import open_kiosk
from kiosk.services.desk import Desk
from kiosk.services.staff import Staff

ROOT = Path(__file__).resolve().parents[2]

#: a value each setting must refuse (every declared setting has one here)
BAD = {
    "kiosk.data_dir": 3, "kiosk.log_dir": False, "kiosk.log_max_bytes": "big", "kiosk.log_backups": 2.5,
    "kiosk.windowed": "yes", "camera.device": "rm -rf /", "camera.width": "wide", "camera.height": True,
    "camera.fps": [30], "camera.decoder": "zbar9", "printer.kind": "laser", "printer.name": 7,
    "printer.pdf_dir": 0, "sync.url": "ftp://platform.example/", "sync.kiosk_id": 1,
    "sync.credential_file": None, "sync.ca_bundle": 2, "sync.interval_s": "often",
    "privacy.key_file": 4,
    "keypad_keys": "next=Down; ok=Return",
    "ui_language": "fr", "ui_idle_quiet_s": 5, "ui_idle_warning_s": 10, "ui_thanks_s": 600,
    "ui_panel_dpi": "dense", "ui_panel_mount_cm": 400, "ui_panel_height_cm": -1, "ui_receipt_qr": "no",
    "ui_earphone_voice": 1, "site_name": "  ", "staff_pin_hash": "", "printer": "laser",
    "camera_device": "webcam please", "camera_controls": "power_line=61", "sync_url": "https://platform example/", "sync_ca_bundle": 5,
    "closed_weekdays": [0, 1, 2, 3, 4, 5, 6], "fee_policy": "sometimes", "condition_photo_days": 0,
}


@pytest.fixture
def boss(kiosk):
    return Staff(kiosk).create_first_manager("김관리", "2580")


def test_every_setting_has_a_bad_value_in_this_test():
    assert set(BAD) == set(settings.REGISTRY)


@pytest.mark.parametrize("key", sorted(BAD))
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_each_setting_refuses_a_bad_value_naming_the_key(key, lang):
    with pytest.raises(BadInput) as exc:
        settings.validate(key, BAD[key])
    text = exc.value.render(lang)
    assert key in text
    assert "{" not in text  # every placeholder filled, in every language
    if settings.default(key) not in (None, ""):  # not a "not set" marker: the default passes its own check
        assert settings.validate(key, settings.default(key)) == settings.default(key)


def test_old_forms_are_upgraded_to_the_one_form():
    assert settings.validate("printer", "system") == "lp"
    assert settings.validate("printer", "auto") is None
    assert settings.validate("camera_device", 2) == "2"
    assert settings.validate("ui_idle_quiet_s", "90") == 90
    assert settings.printer_from_file("system", "Office", "") == "lp:Office"
    assert settings.printer_from_file("pdf", "", "/srv/receipts") == "pdf:/srv/receipts"


def test_a_bad_defaults_value_is_logged_by_name_and_the_kiosk_starts_on_the_default(tmp_path, caplog):
    conf = tmp_path / "config.toml"
    conf.write_text('[defaults]\nui_panel_dpi = "dense"\nui_idle_quiet_s = 5\nui_thanks_s = 9\n'
                    'ui_langauge = "en"\ncamera_device = "/dev/video3"\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="kiosk.config"):
        cfg = load_config(conf)  # not refused: a typo in a starting value must not keep the kiosk dark
    # with a file, its [camera] device ("auto" when not written) is the camera's starting value
    assert cfg.defaults == {"ui_thanks_s": 9, "camera_device": "auto"}
    named = [m.params["key"] for m in cfg.problems]
    assert named == ["ui_panel_dpi", "ui_idle_quiet_s", "ui_langauge", "camera_device"]
    for key in named:
        assert any(key in r.getMessage() for r in caplog.records)
    assert "[camera] device" in cfg.problems[-1].render("en")
    ko = cfg.problems[0].render("ko")
    assert "ui_panel_dpi" in ko and "{" not in ko
    k = open_kiosk(tmp_path / "data", defaults=cfg.defaults)
    try:
        assert k.setting("ui_panel_dpi") == 102.0 and k.setting("ui_idle_quiet_s") == 60
        assert k.setting("ui_thanks_s") == 9
    finally:
        k.close()


def test_a_bad_value_in_a_file_section_is_refused_naming_the_option(tmp_path):
    conf = tmp_path / "config.toml"
    conf.write_text('[sync]\nurl = "platform.example"\n', encoding="utf-8")
    with pytest.raises(BadInput) as exc:
        load_config(conf)
    assert "url" in exc.value.render("en") and "[sync]" in exc.value.render("en")


def test_the_config_file_and_the_database_give_the_same_typed_value(tmp_path, kiosk, boss):
    conf = tmp_path / "config.toml"
    conf.write_text('[camera]\ndevice = "/dev/video2"\n[printer]\nkind = "system"\nname = "Office"\n'
                    '[sync]\nurl = "https://platform.example/"\n[defaults]\nui_idle_quiet_s = 90\n'
                    'ui_language = "en"\n', encoding="utf-8")
    from_file = open_kiosk(tmp_path / "file", defaults=load_config(conf).defaults)
    stored = kiosk
    Desk(stored).save_settings({"camera_device": "/dev/video2", "printer": "lp:Office",
                                "sync_url": "https://platform.example/", "ui_idle_quiet_s": "90",
                                "ui_language": "en"}, by=boss)
    try:
        for key in ("camera_device", "printer", "sync_url", "ui_idle_quiet_s", "ui_language"):
            assert from_file.setting(key) == stored.setting(key), key
            assert type(from_file.setting(key)) is type(stored.setting(key)), key
        assert stored.setting("ui_idle_quiet_s") == 90 and stored.setting("printer") == "lp:Office"
    finally:
        from_file.close()


def test_a_stored_value_in_an_old_form_or_out_of_range_is_read_in_the_one_form(kiosk, caplog):
    with kiosk.transaction() as s:
        kiosk.set_setting(s, "printer", "system")
        kiosk.set_setting(s, "camera_device", 0)
        kiosk.set_setting(s, "ui_idle_warning_s", 5)
        kiosk.set_setting(s, "ui_language", "tlh")
    assert kiosk.setting("printer") == "lp" and kiosk.setting("camera_device") == "0"
    assert kiosk.setting("ui_idle_warning_s") == 20  # residents need time to answer the warning
    with caplog.at_level(logging.WARNING, logger="kiosk.settings"):
        assert kiosk.setting("ui_language") == "ko"
    assert any("ui_language" in r.getMessage() for r in caplog.records)


def test_a_setting_written_by_another_kiosk_object_is_read_without_being_told(kiosk):
    # The sync worker opens its own kiosk object on the same file; what it writes is
    # seen by the screen's object through the one cache, nobody reaching into the other.
    kiosk.setting("ui_language")  # cached
    worker = open_kiosk(kiosk.data_dir, clock=kiosk.clock)
    try:
        with worker.transaction() as s:
            worker.set_setting(s, "ui_language", "vi")
            worker.set_setting(s, "closed_weekdays", [0, 6])
        assert kiosk.setting("ui_language") == "vi"
        assert kiosk.calendar().closed_weekdays == frozenset({0, 6})
    finally:
        worker.close()


def test_no_caller_repeats_a_declared_default():
    call = re.compile(r"""setting\(\s*["'](\w+)["']\s*,""")
    repeated = []
    for wing in ("kiosk", "ui", "sync", "hardware"):
        for path in (ROOT / wing).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for m in call.finditer(line):
                    if m.group(1) in settings.REGISTRY and "set_setting" not in line[:m.end()]:
                        repeated.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert repeated == []


def test_the_settings_document_is_generated_from_the_registry():
    assert (ROOT / "docs" / "settings.md").read_text(encoding="utf-8") == settings.document(), \
        "run: python -m kiosk.settings > docs/settings.md"
