"""Field limits shared with the platform hold at every kiosk entry point:
the services (the rule), the command line and the staff forms (early limits
from the same constants). Nothing the platform cannot store gets in."""

from __future__ import annotations

import contextlib
import io
import json
import re
import sqlite3

import pytest

from kiosk.cli import main
from kiosk.codes import normalise_item_code, parse_payload
from kiosk.errors import BadInput, ForeignCode
from kiosk.limits import (
    ALIASES_MAX,
    CONTACT_MAX,
    ITEM_NAME_MAX,
    MEMBER_NAME_MAX,
    PART_COUNT_MAX,
    PARTS_ENTRIES_MAX,
    REPLACEMENT_VALUE_MAX,
    SAFE_USE_MAX,
)
from kiosk.services.desk import Desk
from kiosk.services.staff import Staff

HIDDEN = ["\x00", "\x1b[2J", "\u202e", "\u2066", "\x85", "\udcff"]


@pytest.fixture
def kiosk(make_kiosk):
    return make_kiosk()[0]


@pytest.fixture
def boss(kiosk):
    return Staff(kiosk).create_first_manager("김관리", "2580")


# -- the services -------------------------------------------------------------------
def test_item_names_fit_the_platform(kiosk):
    assert kiosk.catalogue.add_item("T-1", "가" * ITEM_NAME_MAX).name_ko == "가" * ITEM_NAME_MAX
    with pytest.raises(BadInput) as exc:
        kiosk.catalogue.add_item("T-2", "가" * (ITEM_NAME_MAX + 1))
    assert exc.value.render("en") == f"The item's name is too long: at most {ITEM_NAME_MAX} characters."
    with pytest.raises(BadInput, match="too long"):
        kiosk.catalogue.add_item("T-3", "드릴", name_en="x" * (ITEM_NAME_MAX + 1))
    with pytest.raises(BadInput, match="too long"):
        kiosk.catalogue.add_item("T-4", "드릴", safe_use_ko="x" * (SAFE_USE_MAX + 1))
    assert [i.code for i in kiosk.catalogue.list()] == ["T-00001"]


@pytest.mark.parametrize("mark", HIDDEN, ids=["nul", "esc", "rlo", "lri", "nel", "surrogate"])
def test_hidden_characters_are_refused_in_names(kiosk, mark):
    with pytest.raises(BadInput) as exc:
        kiosk.catalogue.add_item("T-1", f"드{mark}릴")
    assert exc.value.render("en") == "The item's name contains control characters or hidden direction marks."
    with pytest.raises(BadInput, match="control characters"):
        kiosk.members.add(f"김{mark}하늘")
    with pytest.raises(BadInput, match="control characters"):
        kiosk.members.add("김하늘", contact=f"010{mark}1234")
    assert kiosk.catalogue.list() == [] and kiosk.members.list() == []


def test_safe_use_notes_may_hold_lines_but_not_escapes(kiosk):
    item = kiosk.catalogue.add_item("T-1", "드릴", safe_use_ko="보안경을 쓰세요.\n장갑을 끼세요.")
    assert item.safe_use_ko == "보안경을 쓰세요.\n장갑을 끼세요."
    with pytest.raises(BadInput, match="control characters"):
        kiosk.catalogue.add_item("T-2", "톱", safe_use_ko="\x1b]8;;http://x\x07link")


@pytest.mark.parametrize("value", [2 ** 31, REPLACEMENT_VALUE_MAX + 1, 10 ** 30, True, 1.5, "1e400", "NaN"])
def test_replacement_values_the_platform_cannot_store_are_refused(kiosk, value):
    with pytest.raises(BadInput):
        kiosk.catalogue.add_item("T-1", "드릴", replacement_value=value)
    assert kiosk.catalogue.list() == []


def test_parts_lists_and_barcodes_are_bounded(kiosk):
    with pytest.raises(BadInput, match=f"at most {PARTS_ENTRIES_MAX} parts"):
        kiosk.catalogue.add_item("T-1", "블록", parts=[{"name_ko": "블록", "count": 1}] * (PARTS_ENTRIES_MAX + 1))
    with pytest.raises(BadInput, match="between 0 and"):
        kiosk.catalogue.add_item("T-1", "블록", parts=PART_COUNT_MAX + 1)
    with pytest.raises(BadInput, match="between"):
        kiosk.catalogue.add_item("T-1", "블록", parts=[{"name_ko": "블록", "count": 2 ** 31}])
    with pytest.raises(BadInput, match="too long"):
        kiosk.catalogue.add_item("T-1", "블록", parts=[{"name_ko": "x" * 101, "count": 1}])
    with pytest.raises(BadInput, match=f"at most {ALIASES_MAX} barcodes"):
        kiosk.catalogue.add_item("T-1", "블록", aliases=tuple(f"LEG{n:04d}" for n in range(ALIASES_MAX + 1)))
    with pytest.raises(BadInput, match="between"):
        kiosk.catalogue.add_item("T-1", "블록", age_min_months=10 ** 12)
    assert kiosk.catalogue.list() == []


def test_staff_edits_follow_the_same_rules(kiosk, boss):
    kiosk.catalogue.add_item("T-1", "드릴")
    desk = Desk(kiosk)
    for change in ({"name_ko": "x" * (ITEM_NAME_MAX + 1)}, {"name_en": "a\u202eb"},
                   {"replacement_value": 2 ** 31}, {"parts": [{"name_ko": "\x00", "count": 1}]},
                   {"age_max_months": 10 ** 9}, {"safe_use_en": "\x1b[31m"}):
        with pytest.raises(BadInput):
            desk.edit_item("T-1", by=boss, **change)
    item = kiosk.catalogue.get("T-1")
    assert (item.name_ko, item.name_en, item.replacement_value) == ("드릴", "", 0)
    # The centre's name goes on every label, card and receipt.
    with pytest.raises(BadInput, match="control characters"):
        desk.save_settings({"site_name": "강남\u202e센터"}, by=boss)


def test_notes_and_reasons_fit_the_platform(kiosk, boss):
    from kiosk.services.circulation import Override

    kiosk.catalogue.add_item("T-1", "드릴")
    kiosk.catalogue.add_item("T-2", "사다리")
    _member, card = kiosk.members.add("김하늘")
    kiosk.circulation.checkout(card, ["T-1"])
    for note in ("x" * 1001, "깨짐\x1b[2J", "\u202e깨짐"):
        with pytest.raises(BadInput):
            kiosk.circulation.return_item("T-1", damaged_note=note)
    assert kiosk.catalogue.get("T-1").status == "on_loan"  # the return did not happen
    with pytest.raises(BadInput, match="too long"):
        Override("김관리", "x" * 201)
    with pytest.raises(BadInput, match="control characters"):
        kiosk.catalogue.set_status("T-2", "repair", actor="김관리", note="손잡이\x00")
    with pytest.raises(BadInput, match="control characters"):
        Desk(kiosk).retire_item("T-2", by=boss, note="\u2066폐기")
    assert kiosk.catalogue.get("T-2").status == "available"
    kiosk.circulation.return_item("T-1", damaged_note="손잡이가 흔들림\n나사 확인")
    with pytest.raises(BadInput, match="control characters"):
        Desk(kiosk).resolve_inspection("T-1", "repair", by=boss, note="수리\x1b]0;x\x07")
    assert kiosk.catalogue.get("T-1").status == "inspection"


def test_a_photo_file_name_never_reaches_the_platform(kiosk, boss, tmp_path):
    from PIL import Image

    kiosk.catalogue.add_item("T-1", "드릴")
    photo = tmp_path / ("p" * 60 + ".jpg")
    Image.new("RGB", (20, 20)).save(photo)
    Desk(kiosk).set_photo("T-1", photo, by=boss)
    # The event names the photo by its content (the store's name), whatever the file was called.
    [payload] = [json.loads(p) for (p,) in sqlite3.connect(kiosk.engine.url.database).execute(
        "SELECT payload FROM events WHERE type = 'item.photo_set'")]
    assert re.fullmatch(r"[0-9a-f]{64}\.jpg", payload["photo"])
    with pytest.raises(BadInput, match="photo's file name"):
        Desk(kiosk).set_photo("T-1", tmp_path / "p\x1b[2J.jpg", by=boss)


def test_staff_names_fit_the_platform(kiosk, boss):
    for name in ("x" * 101, "관리\u202e자", "a\x1b[2Jb"):
        with pytest.raises(BadInput):
            Staff(kiosk).add(name, "volunteer", "7391", by=boss)
    assert [s.name for s in Staff(kiosk).list()] == ["김관리"]


def test_member_fields_fit_the_platform(kiosk):
    kiosk.members.add("가" * MEMBER_NAME_MAX, contact="0" * CONTACT_MAX)
    with pytest.raises(BadInput, match="too long"):
        kiosk.members.add("가" * (MEMBER_NAME_MAX + 1))
    with pytest.raises(BadInput, match="too long"):
        kiosk.members.add("김", contact="0" * (CONTACT_MAX + 1))
    assert len(kiosk.members.list()) == 1


# -- item codes: ASCII digits only ------------------------------------------------------
@pytest.mark.parametrize("text", ["T-٠٠٠٤٢", "T-٣", "T-４２", "T-𝟒𝟐"])
def test_unicode_digits_are_not_item_codes(kiosk, text):
    assert normalise_item_code(text) is None
    with pytest.raises(ForeignCode):
        parse_payload(text)
    with pytest.raises(BadInput, match="Not an item code"):
        kiosk.catalogue.add_item(text, "드릴")
    assert kiosk.catalogue.list() == []


# -- the command line ---------------------------------------------------------------------
def nanum(data, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--data-dir", str(data), "--lang", "en", *args])
    except SystemExit as exc:  # argparse refuses an argument
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("value", [str(10 ** 30), "-1", "1e400", "NaN", "٣", str(2 ** 31), "--5", ""])
def test_item_add_refuses_hostile_values_with_exit_2(tmp_path, value):
    assert nanum(tmp_path, "init")[0] == 0
    code, _out, err = nanum(tmp_path, "item", "add", "T-1", "드릴", f"--value={value}")
    assert code == 2 and "Traceback" not in err
    assert f"is not a whole number from 0 to {REPLACEMENT_VALUE_MAX}" in err
    assert nanum(tmp_path, "--json", "items")[1].strip() == "[]"


@pytest.mark.parametrize("args", [
    ("item", "add", "T-1", "x" * 201), ("item", "add", "T-1", "a\x1b[2Jb"), ("item", "add", "T-1", "\udcff\udcfe"),
    ("item", "add", "T-٣", "드릴"), ("item", "add", "T-1", "드릴", "--parts", str(2 ** 31)),
    ("member", "add", "\udcff"), ("member", "add", "김", "--contact", "1" * 101),
    ("items", "--status", "\udcff"), ("retention", "--days", str(10 ** 40)),
    ("report", "--from", "2026-01-01", "--to", "2026-01-31", "--out", "a\x00b.pdf"),
    ("labels", "--out", "a\x00b.pdf"), ("import", "items", "x" * 5000),
], ids=lambda a: " ".join(a)[:40].encode("ascii", "backslashreplace").decode())
def test_hostile_arguments_exit_2_without_a_traceback(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)  # whatever a command writes stays here
    assert nanum(tmp_path / "d", "init")[0] == 0
    nanum(tmp_path / "d", "item", "add", "T-9", "사다리")
    code, out, err = nanum(tmp_path / "d", *args)
    assert code == 2, (out, err)
    assert err.strip() and "Traceback" not in err
    assert "\x1b" not in out + err
    (out + err).encode("utf-8")  # printable on any terminal
    assert [i.code for i in _items(tmp_path / "d")] == ["T-00009"]


def _items(data):
    from kiosk.services import open_kiosk

    k = open_kiosk(data)
    try:
        return k.catalogue.list()
    finally:
        k.close()


@pytest.mark.parametrize("args", [("--site", "GN 01"), ("--site", "' OR 1=1 --"), ("--site", "G" * 33),
                                  ("--site", "GN٠١"), ("--site-name", "강남\x1b[2J"),
                                  ("--kiosk-id", "GN01/../x")])
def test_a_kiosk_is_set_up_only_with_what_the_platform_accepts(tmp_path, args):
    code, _out, err = nanum(tmp_path, "init", *args)
    assert code == 2 and err.strip() and "Traceback" not in err
    assert nanum(tmp_path, "init", "--site", "GN01")[0] == 0  # nothing was set up before


@pytest.mark.parametrize("pin", ["٣٧٩١", "３７９１", "7391\u0663"])
def test_pins_take_ascii_digits_only(make_kiosk, pin):
    from kiosk.services.staff import Staff

    k, _clock = make_kiosk()
    with pytest.raises(BadInput):
        Staff(k).create_first_manager("김관리", pin)
    with pytest.raises(BadInput):
        k.members.add("김하늘", pin=pin)
