"""The configuration file: defaults, validation, the documented default file."""

import tomllib

import pytest

from kiosk.config import OPTIONS, load_config, render_default_config
from kiosk.errors import BadInput


def test_missing_default_file_means_all_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("NANUM_CONFIG", raising=False)
    monkeypatch.setattr("kiosk.config.DEFAULT_PATH", tmp_path / "none.toml")
    cfg = load_config()
    assert cfg.get("camera", "device") == "auto" and cfg.get("kiosk", "log_backups") == 5


def test_values_and_defaults_are_read(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[camera]\ndevice = "/dev/video2"\nfps = 15\n[defaults]\nui_panel_dpi = 96\n')
    cfg = load_config(p)
    assert cfg.get("camera", "device") == "/dev/video2" and cfg.get("camera", "fps") == 15
    # starting values of database settings: [defaults], and the camera the file names
    assert cfg.defaults == {"ui_panel_dpi": 96, "camera_device": "/dev/video2"}


@pytest.mark.parametrize("text,msg", [
    ("[camera]\nfps = 'fast'\n", "Option fps in [camera] must be a int."),
    ("[camera]\nzoom = 2\n", "Unknown option zoom in [camera]"),
    ("[telemetry]\nx = 1\n", "Unknown section [telemetry]"),
    ("[camera\n", "is not valid TOML"),
])
def test_bad_config_is_refused_clearly(tmp_path, text, msg):
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(BadInput) as exc:
        load_config(p)
    assert msg in exc.value.render("en")


def test_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(BadInput):
        load_config(tmp_path / "absent.toml")


def test_default_file_documents_every_option_and_parses_to_the_defaults(tmp_path):
    text = render_default_config()
    data = tomllib.loads(text)
    for opt in OPTIONS:
        assert data[opt.section][opt.key] == opt.default
        assert f"# {opt.doc}" in text
    p = tmp_path / "c.toml"
    p.write_text(text)
    assert load_config(p).values == {s: data[s] for s in data if s != "defaults"}


def test_installation_overrides_are_set_and_name_the_builtin_default(tmp_path):
    text = render_default_config({("kiosk", "data_dir"): "/var/lib/nanum-kiosk"})
    assert '# (built-in default: "")\ndata_dir = "/var/lib/nanum-kiosk"' in text
    p = tmp_path / "c.toml"
    p.write_text(text)
    cfg = load_config(p)
    assert cfg.get("kiosk", "data_dir") == "/var/lib/nanum-kiosk"
    assert cfg.get("camera", "device") == "auto"
    with pytest.raises(ValueError):
        render_default_config({("kiosk", "colour"): "blue"})
