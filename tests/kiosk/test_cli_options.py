"""``--json`` and ``--lang`` work before the command and after it.

People type ``nanum scan photo.png --json`` as often as ``nanum --json scan
photo.png``; both must work, and a value given after the command wins.
"""

from __future__ import annotations

import json

import pytest
import qrcode

from kiosk.cli import build_parser
from kiosk.codes import item_label_payload


def _label(path):
    qrcode.make(item_label_payload("T-00042"), box_size=8).save(path)
    return str(path)


def test_json_after_the_command(nanum, tmp_path):
    label = _label(tmp_path / "label.png")
    code, out, err = nanum("scan", label, "--json")
    assert code == 0, err
    found = json.loads(out)
    assert [(f["kind"], f["code"], f["file"]) for f in found] == [("item", "T-00042", label)]
    # Before the command it works as it always did, with the same answer.
    assert nanum("--json", "scan", label) == (0, out, "")


def test_json_after_a_nested_command(nanum):
    assert nanum("init", "--site", "GN01", "--json")[0] == 0
    code, out, err = nanum("item", "add", "T-1", "사다리", "--json")
    assert code == 0, err
    assert json.loads(out)["code"] == "T-00001"
    code, out, _ = nanum("items", "--json")
    assert [i["code"] for i in json.loads(out)] == ["T-00001"]


def test_lang_after_the_command_wins(nanum, tmp_path):
    missing = str(tmp_path / "missing.png")
    # The fixture puts --lang en before the command; the one after it wins.
    code, _, err = nanum("scan", missing, "--lang", "ko")
    assert (code, err.strip()) == (2, f"파일이 없습니다: {missing}")
    code, _, err = nanum("scan", missing, "--lang", "en", lang="ko")
    assert (code, err.strip()) == (2, f"No such file: {missing}")
    code, _, err = nanum("scan", missing, "--json", "--lang", "ko")
    assert (code, err.strip()) == (2, f"파일이 없습니다: {missing}")


def test_an_unknown_language_after_the_command_is_refused(nanum, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        nanum("scan", str(tmp_path / "x.png"), "--lang", "xx")
    assert exc.value.code == 2
    assert "argument --lang: invalid choice: 'xx'" in capsys.readouterr().err


def test_a_command_with_its_own_lang_keeps_it():
    # screenshots and a11y-audit have a --lang of their own (the screens'
    # language, or "all"): it is theirs, not the messages' language.
    args = build_parser().parse_args(["--lang", "en", "screenshots", "--out", "shots", "--lang", "all", "--json"])
    assert (args.lang, args.shot_lang, args.json) == ("en", "all", True)
    args = build_parser().parse_args(["a11y-audit", "--lang", "zh"])
    assert (args.audit_lang, args.json) == ("zh", False)
