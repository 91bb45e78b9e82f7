"""Spreadsheet import of items and members (kiosk.services.importer)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from kiosk import i18n
from kiosk.errors import BadInput
from kiosk.services import importer
from kiosk.services.importer import ImportedMember, import_items, import_members, preview

FRAGMENT = i18n.LOCALE_DIR / "ko" / "LC_MESSAGES" / "_import.po"
LIMITS_FRAGMENT = i18n.LOCALE_DIR / "ko" / "LC_MESSAGES" / "_sec_input.po"
ITEM_HEADERS = ["code", "name", "category", "parts"]
GOOD = ["T-00001", "전동드릴", "tool", "4"]


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def state(k) -> tuple[int, int, int]:
    """What an import may change: items, members and events."""
    return len(k.catalogue.list()), len(k.members.list()), k.maintenance.verify_log().count


def errors_en(report) -> list[tuple[int, str]]:
    return [(e.row, e.message.render("en")) for e in report.errors]


# -- reading each kind of file -------------------------------------------------
def test_csv_utf8_english_headers(kiosk, tmp_path):
    path = write_csv(tmp_path / "items.csv", [
        ["code", "name", "name_en", "category", "parts", "replacement_value",
         "age_min_months", "age_max_months", "alias"],
        ["T-1", "전동드릴", "Power drill", "tool", "4", "120,000", "", "", "8801234567893"],
        ["k7", "블록 장난감", "Building blocks", "장난감", "120", "35000", "36", "120", ""],
        ["G-00003", "전지가위", "", "원예", "", "", "", "", ""],
    ])
    before = state(kiosk)
    report = import_items(kiosk, path)
    assert report.ok and report.imported == 3 and report.total_rows == 3
    assert [i.code for i in report.created] == ["T-00001", "K-00007", "G-00003"]
    drill = kiosk.catalogue.get("8801234567893")  # the legacy barcode resolves
    assert (drill.code, drill.name_en, drill.parts_total, drill.replacement_value) == \
        ("T-00001", "Power drill", 4, 120000)
    blocks = kiosk.catalogue.get("K-00007")
    assert (blocks.category, blocks.age_min_months, blocks.age_max_months) == ("toy", 36, 120)
    assert kiosk.catalogue.get("G-00003").parts_total == 0
    assert state(kiosk) == (before[0] + 3, before[1], before[2] + 3)  # one event per item
    assert kiosk.maintenance.check().ok


def test_csv_utf8_with_bom_korean_headers(kiosk, tmp_path):
    path = write_csv(tmp_path / "물품.csv", [["코드", "물품명", "분류", "구성품", "영문명"],
                                            ["T-00010", "사다리", "공구", "1", "Ladder"]],
                     encoding="utf-8-sig")
    report = import_items(kiosk, path)
    assert report.ok, errors_en(report)
    assert kiosk.catalogue.get("T-00010").name_en == "Ladder"


def test_csv_cp949_as_korean_excel_writes_it(kiosk, tmp_path):
    path = write_csv(tmp_path / "items.csv", [["코드", "물품명", "분류", "구성품"],
                                              ["C-00001", "캠핑의자", "캠핑", "1"],
                                              ["C-00002", "텐트 (4인용)", "캠핑", "18"]],
                     encoding="cp949")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # really CP949, not UTF-8
    report = import_items(kiosk, path)
    assert report.imported == 2
    assert kiosk.catalogue.get("C-00002").name_ko == "텐트 (4인용)"


def test_neither_utf8_nor_cp949_is_refused(kiosk, tmp_path):
    path = tmp_path / "items.csv"
    path.write_bytes(b"code,name,category\r\nT-1,\x80\xff\x80,tool\r\n")
    with pytest.raises(BadInput) as exc:
        import_items(kiosk, path)
    assert exc.value.render("en") == ("items.csv is neither UTF-8 nor CP949 text. "
                                      "Save it again from Excel as CSV (UTF-8).")


def test_xlsx_numbers_dates_and_row_numbers_after_blank_rows(kiosk, tmp_path):
    path = write_xlsx(tmp_path / "items.xlsx", [
        ["코드", "물품명", "분류", "구성품", "대체가격"],
        ["T-00001", "충전드릴", "tool", 3.0, 90000],
        [],
        ["T-00002", "공구세트", "tool", "many", 50000],
    ])
    before = state(kiosk)
    report = import_items(kiosk, path)
    assert errors_en(report) == [(4, "The number of parts must be a whole number, not many.")]
    assert state(kiosk) == before

    members = write_xlsx(tmp_path / "members.xlsx", [
        ["이름", "유형", "만료일"], ["김민준", "일반", dt.datetime(2027, 2, 28)]])
    report = import_members(kiosk, members)
    assert report.created[0].member.expires_on == dt.date(2027, 2, 28)


def test_other_files_are_refused_clearly(kiosk, tmp_path):
    cases = {
        "items.xls": (b"\xd0\xcf\x11\xe0", "Cannot import items.xls: please use a .csv or .xlsx file."),
        "items.xlsx": (b"not a zip", "items.xlsx is not a readable Excel workbook."),
        "empty.csv": (b"\r\n,,\r\n", "empty.csv is empty."),
        "header.csv": (b"code,name,category\r\n", "header.csv has a header row but no rows to import."),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(BadInput) as exc:
            import_items(kiosk, tmp_path / name)
        assert exc.value.render("en") == message
    with pytest.raises(BadInput, match="There is no file"):
        import_items(kiosk, tmp_path / "missing.csv")


def test_missing_required_columns_is_one_error(kiosk, tmp_path):
    path = write_csv(tmp_path / "items.csv", [["code", "name", "parts"], GOOD[:2] + ["4"]])
    with pytest.raises(BadInput) as exc:
        import_items(kiosk, path)
    assert exc.value.render("en") == ("The file has no column for: category/분류. "
                                      "The first row must hold the column names.")
    path = write_csv(tmp_path / "members.csv", [["연락처"], ["010-0000-0000"]])
    with pytest.raises(BadInput, match="name/이름, type/유형"):
        import_members(kiosk, path)


def test_two_columns_for_one_field_are_refused(kiosk, tmp_path):
    path = write_csv(tmp_path / "items.csv", [ITEM_HEADERS + ["물품명"], GOOD + ["드릴"]])
    with pytest.raises(BadInput, match="Two columns are for the same thing: name and 물품명"):
        import_items(kiosk, path)
    assert preview(path, "items").mapping["name"] == 1  # the preview shows the first


# -- bad rows -------------------------------------------------------------------
BAD_ITEM_ROWS = [
    (["T-00002", "", "tool", "1"], "An item needs a name."),
    (["", "드릴", "tool", "1"], "The item code is missing."),
    (["drill", "드릴", "tool", "1"], "Not an item code: drill"),
    (["t1", "드릴", "tool", "1"], "Item code T-00001 is also on row 2."),
    (["T-00009", "드릴", "tool", "1"], "Item code T-00009 is already in the catalogue."),
    (["T-00002", "드릴", "tool", "three"], "The number of parts must be a whole number, not three."),
    (["T-00002", "드릴", "tool", "-2"], "The number of parts cannot be negative."),
    (["T-00002", "드릴", "요리", "1"], "Unknown category: 요리"),
    (["T-00002", "드릴", "", "1"], "The category is missing."),
]


@pytest.mark.parametrize("row,message", BAD_ITEM_ROWS, ids=[m for _, m in BAD_ITEM_ROWS])
def test_bad_item_row_is_reported_and_nothing_imported(kiosk, tmp_path, row, message):
    kiosk.catalogue.add_item("T-00009", "기존 드릴")
    path = write_csv(tmp_path / "items.csv", [ITEM_HEADERS, GOOD, row])
    before = state(kiosk)
    report = import_items(kiosk, path)
    assert errors_en(report) == [(3, message)]
    assert report.imported == 0 and report.created == [] and report.bad_rows == [3]
    assert state(kiosk) == before


def test_bad_optional_columns_and_several_problems_in_one_row(kiosk, tmp_path):
    kiosk.catalogue.add_item("T-00009", "기존 드릴", aliases=("8801234567893",))
    headers = ITEM_HEADERS + ["replacement_value", "age_min_months", "age_max_months", "alias"]
    path = write_csv(tmp_path / "items.csv", [
        headers,
        GOOD + ["", "", "", "12345678"],
        ["T-00002", "블록", "toy", "10", "비쌈", "60", "12", ""],
        ["T-00003", "블록", "toy", "10", "-5", "x", "", "12"],
        ["T-00004", "블록", "toy", "10", "", "", "", "12345678"],
        ["T-00005", "", "toy", "", "", "-1", "", "8801234567893"],
    ])
    before = state(kiosk)
    assert errors_en(import_items(kiosk, path)) == [
        (3, "The replacement value must be a whole number of won, not 비쌈."),
        (3, "The youngest age (60) is above the oldest (12)."),
        (4, "The replacement value cannot be negative."),
        (4, "An age must be a whole number of months, not x."),
        (4, "Not a usable legacy barcode: 12"),
        (5, "Barcode 12345678 is also on row 2."),
        (6, "An item needs a name."),
        (6, "An age in months cannot be negative."),
        (6, "Barcode 8801234567893 already belongs to another item."),
    ]
    assert state(kiosk) == before


def test_skip_invalid_imports_good_rows_and_reports_bad_ones(kiosk, tmp_path):
    path = write_csv(tmp_path / "items.csv", [
        ITEM_HEADERS, GOOD, ["T-00002", "", "tool", "1"], ["T-00003", "사다리", "tool", "1"],
        ["T-00004", "텐트", "별자리", "1"]])
    before = state(kiosk)
    calls = []
    report = import_items(kiosk, path, skip_invalid=True, progress=lambda *a: calls.append(a))
    assert report.imported == 2 and report.total_rows == 4 and report.bad_rows == [3, 5]
    assert [i.code for i in kiosk.catalogue.list()] == ["T-00001", "T-00003"]
    assert state(kiosk) == (before[0] + 2, before[1], before[2] + 2)
    assert calls == [(0, 2), (1, 2), (2, 2)]
    out = report.to_json("en")
    assert out["errors"] == [{"row": 3, "message": "An item needs a name."},
                             {"row": 5, "message": "Unknown category: 별자리"}]
    assert [c["code"] for c in out["created"]] == ["T-00001", "T-00003"]


def test_preview_and_explicit_mapping(kiosk, tmp_path):
    rows = [["품번", "제품", "종류", "메모"]] + [[f"T-{n}", f"드릴 {n}", "tool", ""] for n in range(1, 16)]
    path = write_xlsx(tmp_path / "odd.xlsx", rows)
    headers, first_rows, mapping = preview(path, "items", limit=5)
    assert headers == ["품번", "제품", "종류", "메모"]
    assert first_rows[0] == ["T-1", "드릴 1", "tool", ""] and len(first_rows) == 5
    assert mapping == {}
    with pytest.raises(BadInput, match="no column for: code/코드, name/물품명, category/분류"):
        import_items(kiosk, path)
    with pytest.raises(BadInput, match="no column number 9"):
        import_items(kiosk, path, mapping={"code": 0, "name": 1, "category": 8})
    report = import_items(kiosk, path, mapping={"code": 0, "name": 1, "category": 2})
    assert report.imported == 15
    assert kiosk.catalogue.get("T-00015").name_ko == "드릴 15"


# -- members ----------------------------------------------------------------------
def test_members_import_gives_cards_that_identify(kiosk, tmp_path):
    path = write_csv(tmp_path / "members.csv", [
        ["이름", "유형", "연락처", "만료일", "언어"],
        ["박순자", "어르신", "010-1234-5678", "2027.3.1", ""],
        ["Emily Carter", "가족", "", "2027-01-31", "영어"],
        ["역삼동 주민자치회", "organisation", "02-555-0000", "", "ko"],
    ], encoding="cp949")
    before = state(kiosk)
    report = import_members(kiosk, path)
    assert report.ok and report.imported == 3
    assert state(kiosk) == (before[0], before[1] + 3, before[2] + 3)
    for created in report.created:
        assert isinstance(created, ImportedMember)
        assert kiosk.members.identify(created.card).number == created.member.number
    soonja, emily, org = (c.member for c in report.created)
    assert (soonja.member_type, soonja.expires_on) == ("senior", dt.date(2027, 3, 1))
    assert (emily.member_type, emily.language) == ("family", "en")
    assert org.expires_on == dt.date(2027, 3, 10)  # the default: a year from today
    assert report.to_json()["created"][1]["card"] == report.created[1].card


def test_bad_member_rows(kiosk, tmp_path):
    kiosk.members.add("김민준", contact="010-1111-2222")
    path = write_csv(tmp_path / "members.csv", [
        ["name", "type", "contact", "expires_on", "language"],
        ["", "standard", "", "", ""],
        ["이서연", "학생", "", "", ""],
        ["박지훈", "standard", "", "31/12/2027", ""],
        ["최수아", "standard", "", "", "日本語"],
        ["김민준", "standard", "010-1111-2222", "", ""],
        ["정우진", "family", "010-3333-4444", "", ""],
        ["정우진", "family", "010-3333-4444", "", ""],
    ])
    before = state(kiosk)
    report = import_members(kiosk, path)
    assert errors_en(report) == [
        (2, "A member needs a name."),
        (3, "Unknown membership type: 학생"),
        (4, "Not a date: 31/12/2027. Write it like 2026-12-31."),
        (5, "Unknown language: 日本語. Use ko or en."),
        (6, "김민준 with this contact is already member M-000001."),
        (8, "정우진 with this contact is also on row 7."),
    ]
    assert state(kiosk) == before


# -- translations ------------------------------------------------------------------
def _fragment() -> dict[str, str]:
    out = {}
    for fragment in (FRAGMENT, LIMITS_FRAGMENT):  # the import's own, and the input limits'
        with fragment.open("rb") as fh:
            out.update({m.id: m.string for m in read_po(fh, locale="ko") if m.id})
    return out


def test_every_new_message_has_a_korean_translation_with_the_same_placeholders():
    translations = _fragment()
    msgids = {msg for _, msg, _, _ in extract_from_file(
        "python", importer.__file__, keywords={"N_": None})}
    assert msgids and msgids <= translations.keys(), msgids - translations.keys()
    for msgid, text in translations.items():
        assert text, msgid
        assert set(re.findall(r"{\w+}", msgid)) == set(re.findall(r"{\w+}", text)), msgid


def test_row_errors_render_in_korean(kiosk, tmp_path, monkeypatch):
    locale = tmp_path / "locale" / "ko" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    (locale / "nanum.po").write_bytes(FRAGMENT.read_bytes())
    # The fragment stands in for the merged catalogue.
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    i18n.catalogue.cache_clear()
    try:
        path = write_csv(tmp_path / "items.csv", [ITEM_HEADERS, GOOD, ["t1", "드릴", "tool", "x"]])
        report = import_items(kiosk, path)
        assert [e.message.render("ko") for e in report.errors] == [
            "물품 코드 T-00001이 2행에도 있습니다.",
            "구성품 수는 정수로 적어 주세요: x",
        ]
    finally:
        i18n.catalogue.cache_clear()
