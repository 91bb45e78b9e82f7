"""``nanum self-test`` in-process, offscreen: everything passes on a good
installation, and a broken one is reported, not hidden."""

import json
import shutil

import pytest

from kiosk.cli import main
from ui import selftest
from ui.selftest import CHECKS, run_self_test


def test_every_check_passes_on_this_installation(qapp):
    report = run_self_test()
    failed = [c.to_json("en") for c in report.checks if not c.ok]
    assert not failed
    assert [c.name for c in report.checks] == [name for name, _t, _f in CHECKS]
    lines = report.lines("en")
    assert lines[-1] == f"All {len(CHECKS)} checks passed."
    assert all(line.startswith("[ OK ]") for line in lines[1:-1])


def test_a_missing_bundled_file_fails_the_bundle_check(qapp, tmp_path, monkeypatch):
    assets = tmp_path / "assets"
    shutil.copytree(selftest._sample_frame().parents[1], assets)
    (assets / "sounds" / "ok.wav").unlink()
    monkeypatch.setattr("ui.assets.ASSETS", assets)
    report = run_self_test(only=["bundle", "decode"])
    bundle, decode = report.checks
    assert not bundle.ok and "ok.wav" in bundle.to_json("en")["detail"]
    assert decode.ok  # the other checks still run
    assert not report.ok and report.lines("en")[-1] == "1 of 2 checks failed."


def test_an_unreadable_sample_frame_fails_the_decode_check(qapp, tmp_path, monkeypatch):
    assets = tmp_path / "assets"
    shutil.copytree(selftest._sample_frame().parents[1], assets)
    (assets / "samples" / "selftest-frame.jpg").write_bytes(b"not a picture")
    monkeypatch.setattr("ui.assets.ASSETS", assets)
    (check,) = run_self_test(only=["decode"]).checks
    assert not check.ok and "cannot be read" in check.to_json("en")["detail"]


def test_cli_prints_json_and_exit_status(qapp, capsys):
    assert main(["--lang", "en", "self-test", "--only", "database,loan,event-log", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] and [c["name"] for c in data["checks"]] == ["database", "loan", "event-log"]
    assert data["checks"][2]["detail"] == "5 events, chain intact"


def test_cli_refuses_unknown_check_names(capsys):
    assert main(["--lang", "en", "self-test", "--only", "toaster"]) == 2
    assert "Unknown self-test check toaster" in capsys.readouterr().err


def test_camera_check_measures_frames_and_decode_time_on_a_file_camera(qapp, tmp_path):
    from kiosk.config import load_config

    conf = tmp_path / "c.toml"
    conf.write_text(f'[camera]\ndevice = "file:{selftest._sample_frame()}"\n[printer]\nkind = "none"\n')
    report = run_self_test(hardware=True, config=load_config(conf), only=["camera", "printer"])
    camera, printer = report.checks
    assert camera.ok, camera.to_json("en")
    assert camera.params["fps"] > 1 and camera.params["decode_ms"] > 0
    assert printer.ok and printer.detail == "no printer configured"


def test_hardware_check_fails_clearly_without_a_camera(qapp, tmp_path):
    from kiosk.config import load_config

    conf = tmp_path / "c.toml"
    conf.write_text('[camera]\ndevice = "/dev/video-none"\n[printer]\nkind = "pdf"\n'
                    f'pdf_dir = "{tmp_path / "absent"}"\n')
    camera, printer = run_self_test(hardware=True, config=load_config(conf),
                                    only=["camera", "printer"]).checks
    assert not camera.ok and "/dev/video-none" in camera.to_json("en")["detail"]
    assert not printer.ok and "not writable" in printer.to_json("en")["detail"]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_report_reads_in_each_language(qapp, lang):
    report = run_self_test(only=["event-log"])
    assert report.ok and len(report.lines(lang)) == 3
