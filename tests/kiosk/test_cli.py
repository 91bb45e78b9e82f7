"""The ``nanum`` command: exit codes, JSON keys, translated messages."""

import json
import sqlite3

import pytest


def _json(nanum, *args):
    code, out, err = nanum("--json", *args)
    assert code == 0, err
    return json.loads(out)


def test_lending_round_trip_with_json(nanum):
    assert nanum("init", "--site", "GN01", "--site-name", "강남")[0] == 0
    item = _json(nanum, "item", "add", "T-42", "블록 장난감", "--category", "toy", "--parts", "120")
    assert {"code", "name", "status", "parts"} <= item.keys() and item["parts"] == 120
    member = _json(nanum, "member", "add", "김하늘", "--type", "family")
    assert member["number"] == "M-000001" and member["card"].startswith("NKC1-")
    results = _json(nanum, "checkout", member["card"], "https://nanum.example.org/i/T-00042")
    assert results[0].keys() >= {"item", "ok", "due", "error"} and results[0]["ok"]
    loans = _json(nanum, "loans", "--open")
    assert loans[0].keys() >= {"item", "member", "due", "returned_at"}
    assert loans[0]["member"] == "M-000001" and loans[0]["returned_at"] is None
    back = _json(nanum, "return", "T-42", "--parts", "117")
    assert back["destination"] == "staff" and back["missing"] == 3
    assert _json(nanum, "items")[0]["status"] == "inspection"
    assert _json(nanum, "loans")[0]["returned_at"] is not None
    assert _json(nanum, "verify-log")["ok"] is True
    assert _json(nanum, "check")["ok"] is True


def test_refusal_exits_1_with_translated_message(nanum):
    nanum("init")
    nanum("item", "add", "T-1", "사다리")
    card = _json(nanum, "member", "add", "김")["card"]
    card2 = _json(nanum, "member", "add", "이")["card"]
    assert nanum("checkout", card, "T-1")[0] == 0
    code, out, _ = nanum("checkout", card2, "T-1", lang="ko")
    assert code == 1
    assert "대여할 수 없습니다" in out and "대기 명단" in out
    code, out, _ = nanum("checkout", card2, "T-1", lang="en")
    assert code == 1 and "on loan now" in out


def test_bad_input_exits_2_and_changes_nothing(nanum):
    nanum("init")
    nanum("item", "add", "T-1", "사다리")
    before = _json(nanum, "verify-log")["events"]
    code, _, err = nanum("checkout", "WIFI:S:x;;", "T-1", lang="ko")
    assert code == 2 and "회원카드가 아니에요" in err
    code, _, err = nanum("item", "add", "T-00001", "또 사다리")
    assert code == 2 and "already in the catalogue" in err
    code, _, err = nanum("return", "T-1")
    assert code == 2 and "not on loan" in err
    assert _json(nanum, "verify-log")["events"] == before
    with pytest.raises(SystemExit) as exc:
        nanum("checkout")
    assert exc.value.code == 2


def test_commands_before_init_say_what_to_do(nanum):
    code, _, err = nanum("items")
    assert code == 2 and "nanum init" in err


def test_verify_log_names_the_first_bad_event(nanum):
    nanum("init")
    nanum("item", "add", "T-1", "사다리")
    nanum("item", "add", "T-2", "텐트", "--category", "camping")
    con = sqlite3.connect(nanum.data / "nanum.sqlite3")
    con.execute("UPDATE events SET payload = replace(payload, '사다리', '드릴') WHERE seq = 2")
    con.commit()
    con.close()
    code, _, err = nanum("verify-log")
    assert code == 1 and "event 2" in err
    assert nanum("check")[0] == 1


def test_backup_restore_and_retention_commands(nanum, tmp_path):
    nanum("init")
    nanum("item", "add", "T-1", "사다리")
    assert nanum("backup", str(tmp_path / "b.db"))[0] == 0
    nanum("item", "add", "T-2", "텐트", "--category", "camping")
    assert nanum("restore", str(tmp_path / "b.db"))[0] == 0
    assert [i["code"] for i in _json(nanum, "items")] == ["T-00001"]
    assert _json(nanum, "retention")["pseudonymised"] == 0
    code, _, err = nanum("restore", str(tmp_path / "missing.db"))
    assert code == 2 and "No backup file" in err


def test_config_prints_a_file_the_kiosk_reads_back(nanum, tmp_path):
    import tomllib

    from kiosk.config import OPTIONS, load_config

    code, out, _ = nanum("config")
    assert code == 0
    parsed = tomllib.loads(out)
    assert sum(len(v) for v in parsed.values()) == len(OPTIONS)  # every option, once
    path = tmp_path / "config.toml"
    path.write_text(out, encoding="utf-8")
    assert load_config(str(path)) is not None


def test_the_camera_staff_chose_wins_over_the_config_file(tmp_path, make_kiosk):
    from argparse import Namespace

    from kiosk.cli import _camera_spec
    from kiosk.config import load_config

    conf = tmp_path / "config.toml"
    conf.write_text('[camera]\ndevice = "video:/srv/desk.mp4"\n', encoding="utf-8")
    k, _clock = make_kiosk()
    installed = Namespace(camera=None, config=load_config(conf))
    assert _camera_spec(installed, k) == "video:/srv/desk.mp4"
    no_file = Namespace(path=None)  # no config file: the demo, on its virtual camera
    assert _camera_spec(Namespace(camera=None, config=no_file), k) is None
    with k.transaction() as s:
        k.set_setting(s, "camera_device", "/dev/video2")
    k.forget_cached_settings()
    assert _camera_spec(installed, k) == "/dev/video2"
    assert _camera_spec(Namespace(camera="virtual", config=installed.config), k) == "virtual"
