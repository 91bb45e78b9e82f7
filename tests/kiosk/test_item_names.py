"""Item and part names in Chinese and Vietnamese: optional, and the Korean name otherwise.

A resident reading Chinese or Vietnamese sees the item's name in that language
when the centre gave one, else the Korean name on the shelf, never the English.
"""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import create_engine, text

from kiosk.errors import BadInput
from kiosk.limits import ITEM_NAME_MAX, PART_NAME_MAX
from kiosk.services.desk import Desk
from kiosk.services.importer import import_items
from kiosk.services.staff import Staff

PARTS = [{"name_ko": "배터리", "name_en": "battery", "name_zh": "电池", "name_vi": "pin", "count": 2},
         {"name_ko": "충전기", "name_en": "charger", "count": 1}]


def test_each_language_shows_its_own_name_else_the_korean_one(kiosk):
    kiosk.catalogue.add_item("T-1", "전동드릴", name_en="Power drill", name_zh="电钻", name_vi="Máy khoan điện",
                             parts=PARTS)
    kiosk.catalogue.add_item("T-2", "수평계", name_en="Spirit level")
    drill, level = kiosk.catalogue.get("T-00001"), kiosk.catalogue.get("T-00002")
    assert [drill.name(lang) for lang in ("ko", "en", "zh", "vi")] == \
        ["전동드릴", "Power drill", "电钻", "Máy khoan điện"]
    # No Chinese or Vietnamese name: the Korean one, not the English.
    assert [level.name(lang) for lang in ("ko", "en", "zh", "vi")] == ["수평계", "Spirit level", "수평계", "수평계"]
    battery, charger = drill.parts
    assert [battery.name(lang) for lang in ("ko", "en", "zh", "vi")] == ["배터리", "battery", "电池", "pin"]
    assert [charger.name(lang) for lang in ("ko", "en", "zh", "vi")] == ["충전기", "charger", "충전기", "충전기"]
    kiosk.catalogue.add_item("T-3", "사다리")  # no English name either: Korean in English too
    assert kiosk.catalogue.get("T-00003").name("en") == "사다리"


def test_the_names_travel_in_the_item_added_event_only_when_given(kiosk):
    kiosk.catalogue.add_item("T-1", "전동드릴", name_zh="电钻", name_vi="Máy khoan điện", parts=PARTS)
    kiosk.catalogue.add_item("T-2", "수평계")
    with kiosk.reading() as s:
        payloads = list(s.execute(text(
            "SELECT payload FROM events WHERE type = 'item.added' ORDER BY seq")).scalars())
    first, second = (json.loads(p) if isinstance(p, str) else p for p in payloads)
    assert (first["name_zh"], first["name_vi"]) == ("电钻", "Máy khoan điện")
    assert first["parts"][0]["name_zh"] == "电池" and "name_zh" not in first["parts"][1]
    assert "name_zh" not in second and "name_vi" not in second


@pytest.mark.parametrize("field", ["name_zh", "name_vi"])
def test_a_name_too_long_or_with_control_characters_is_refused_and_nothing_changes(kiosk, field):
    events = kiosk.maintenance.verify_log().count
    for bad in ("가" * (ITEM_NAME_MAX + 1), "드릴\x1b[31m"):
        with pytest.raises(BadInput):
            kiosk.catalogue.add_item("T-1", "전동드릴", **{field: bad})
    with pytest.raises(BadInput):
        kiosk.catalogue.add_item("T-1", "전동드릴", parts=[{"name_ko": "배터리", field: "x" * (PART_NAME_MAX + 1),
                                                           "count": 1}])
    assert kiosk.catalogue.list() == []
    assert kiosk.maintenance.verify_log().count == events


def test_staff_edit_the_names_and_the_other_fields_stay(kiosk):
    boss = Staff(kiosk).create_first_manager("김관리", "2580")
    kiosk.catalogue.add_item("T-1", "전동드릴", name_en="Power drill", parts=PARTS)
    view = Desk(kiosk).edit_item("T-00001", by=boss, name_zh="电钻", name_vi="Máy khoan điện")
    assert (view.name("zh"), view.name("vi"), view.name("en")) == ("电钻", "Máy khoan điện", "Power drill")
    assert kiosk.catalogue.get("T-00001").name_zh == "电钻"
    with pytest.raises(BadInput):
        Desk(kiosk).edit_item("T-00001", by=boss, name_vi="x" * (ITEM_NAME_MAX + 1))
    assert kiosk.catalogue.get("T-00001").name_vi == "Máy khoan điện"


def _csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_the_spreadsheet_columns_are_read_by_their_english_or_korean_header(kiosk, tmp_path):
    path = _csv(tmp_path / "items.csv", [
        ["코드", "물품명", "분류", "영문명", "중국어명", "베트남어명"],
        ["T-1", "전동드릴", "tool", "Power drill", "电钻", "Máy khoan điện"],
        ["T-2", "수평계", "tool", "Spirit level", "", ""],
    ])
    report = import_items(kiosk, path)
    assert report.ok and report.imported == 2
    drill, level = kiosk.catalogue.get("T-00001"), kiosk.catalogue.get("T-00002")
    assert (drill.name_zh, drill.name_vi) == ("电钻", "Máy khoan điện")
    assert (level.name("zh"), level.name("vi")) == ("수평계", "수평계")
    english = _csv(tmp_path / "en.csv", [["code", "name", "category", "name_zh", "Vietnamese name"],
                                         ["T-3", "사다리", "tool", "梯子", "Thang"]])
    assert import_items(kiosk, english).imported == 1
    assert kiosk.catalogue.get("T-00003").name("vi") == "Thang"


def test_a_bad_name_in_the_spreadsheet_is_reported_by_row_and_nothing_is_imported(kiosk, tmp_path):
    path = _csv(tmp_path / "items.csv", [
        ["code", "name", "category", "name_zh"],
        ["T-1", "전동드릴", "tool", "电钻"],
        ["T-2", "수평계", "tool", "水" * (ITEM_NAME_MAX + 1)],
    ])
    report = import_items(kiosk, path)
    assert [e.row for e in report.errors] == [3] and report.imported == 0
    assert "Chinese name" in report.errors[0].message.render("en")
    assert kiosk.catalogue.list() == []


def test_an_older_database_gets_empty_names_and_keeps_its_items(tmp_path):
    from alembic import command

    from kiosk.services import open_kiosk
    from kiosk.store.db import DB_FILENAME
    from kiosk.store.migrate import alembic_config

    folder = tmp_path / "kiosk"
    folder.mkdir()
    engine = create_engine(f"sqlite:///{folder / DB_FILENAME}")
    command.upgrade(alembic_config(engine), "0007")
    with engine.begin() as c:
        c.execute(text("INSERT INTO items (code, name_ko, name_en, category, home_site, safe_use_ko, safe_use_en,"
                       " parts, replacement_value, status, created_at) VALUES ('T-00001', '전동드릴', 'Power drill',"
                       " 'tool', 'GN01', '', '', '[]', 0, 'available', '2026-03-10T01:00:00.000000Z')"))
    engine.dispose()
    k = open_kiosk(folder)  # migrated on start
    try:
        with k.reading() as s:
            row = s.execute(text("SELECT name_ko, name_zh, name_vi FROM items")).one()
        assert tuple(row) == ("전동드릴", "", "")
    finally:
        k.close()


def test_every_demo_item_and_part_has_chinese_and_vietnamese_names(make_kiosk):
    from kiosk.demo import load_demo_data

    k, _clock = make_kiosk()
    load_demo_data(k)
    items = k.catalogue.list()
    assert items and all(i.name_zh and i.name_vi for i in items)
    parts = [p for i in items for p in i.parts]
    assert parts and all(p.name_zh and p.name_vi for p in parts)
    assert k.catalogue.get("T-00002").name("zh") == "充电钻"


def test_a_held_item_is_announced_by_its_name_in_the_members_language(kiosk):
    from kiosk.services.member_state import member_state

    kiosk.catalogue.add_item("T-1", "전동드릴", name_en="Power drill", name_zh="电钻")
    _member, card = kiosk.members.add("김하나")
    _other, borrower = kiosk.members.add("이두리")
    assert kiosk.circulation.checkout(borrower, ["T-00001"]).outcomes[0].ok
    assert kiosk.circulation.reserve(card, "T-00001") == "waiting"
    assert kiosk.circulation.return_item("T-00001").destination == "reservation_shelf"
    [held] = member_state(kiosk, card).held
    assert (held.name("zh"), held.name("vi"), held.name("en")) == ("电钻", "전동드릴", "Power drill")


def test_nanum_item_add_takes_the_names(nanum):
    assert nanum("init", "--site", "GN01")[0] == 0
    code, out, err = nanum("item", "add", "T-1", "전동드릴", "--name-zh", "电钻", "--name-vi", "Máy khoan điện",
                           "--json")
    assert code == 0, err
    assert (json.loads(out)["name_zh"], json.loads(out)["name_vi"]) == ("电钻", "Máy khoan điện")
    code, _out, err = nanum("item", "add", "T-2", "수평계", "--name-zh", "水" * (ITEM_NAME_MAX + 1))
    assert code == 2 and "Chinese name" in err
    assert json.loads(nanum("items", "--json")[1])[0]["code"] == "T-00001"
    assert len(json.loads(nanum("items", "--json")[1])) == 1
