"""Hostile spreadsheets: every one is refused with a clear message, imports
nothing, and costs time and memory bounded by kiosk.limits, not by the file.

The files are built here, by hand where a library would refuse to write them
(a lying <dimension>, a zip bomb, a DTD). Memory and time are measured on the
real ``nanum import`` command in a child process (its own peak RSS from
``os.wait4``), against the same command importing a small ordinary file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kiosk.cli import main
from kiosk.errors import BadInput
from kiosk.limits import IMPORT_CELL_MAX, IMPORT_COLUMNS_MAX, IMPORT_FILE_MAX, IMPORT_ROWS_MAX, IMPORT_XML_MAX
from kiosk.services.importer import import_items, import_members

ROOT = Path(__file__).resolve().parents[2]
#: growth of peak memory over importing a small file that a refusal may cost
MEMORY_BOUND_MB = 100
#: wall time a refusal may take (generous: CI machines are shared)
TIME_BOUND_S = 20
#: a child that ignores the limits must not take the machine down with it
CHILD_ADDRESS_SPACE = 3 * 1024 ** 3

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# -- building hostile workbooks ---------------------------------------------------
def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row(n: int, values: list[str]) -> str:
    cols = "ABCDEFGHIJ"
    return f'<row r="{n}">' + "".join(_cell(f"{cols[i]}{n}", v) for i, v in enumerate(values)) + "</row>"


GOOD_ROWS = [["code", "name", "category"], ["T-00001", "전동드릴", "tool"], ["T-00002", "사다리", "tool"]]
#: what a bomb carries besides its payload: a row that would import if it got through
BOMB_ROWS = [GOOD_ROWS[0], ["T-00005", "망치", "tool"]]


def sheet_xml(rows: list[list[str]] = GOOD_ROWS, *, dimension: str = "A1:C3", tail: str = "",
              prolog: str = "") -> str:
    body = "".join(_row(n, r) for n, r in enumerate(rows, start=1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
            f'<worksheet xmlns="{SHEET_NS}"><dimension ref="{dimension}"/>'
            f"<sheetData>{body}{tail}</sheetData></worksheet>")


def write_workbook(path: Path, sheet: str | bytes, extra: dict[str, bytes] | None = None) -> Path:
    """A real workbook written by openpyxl whose first sheet's XML is replaced by ``sheet``."""
    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                                                       compresslevel=9) as out:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, sheet)
            elif extra and info.filename in extra:
                out.writestr(info.filename, extra[info.filename])
            else:
                out.writestr(info, src.read(info.filename))
    return path


# -- running the real command in a child, measured ------------------------------------
def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE))


# The command run in-process in the child, which then reports its own peak RSS
# (VmHWM belongs to the process's memory map, so nothing of the parent's counts,
# unlike ru_maxrss, which a child inherits across fork and exec).
_CHILD = """
import sys
from kiosk.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
with open("/proc/self/status") as fh:
    peak = next(line.split()[1] for line in fh if line.startswith("VmHWM"))
sys.stderr.write(f"\\nPEAK_KB {peak}\\n")
sys.exit(code)
"""


def run_import(data: Path, file: Path, kind: str = "items") -> dict:
    """``nanum import`` in a child: exit code, stderr, seconds, peak RSS in MB."""
    start = time.monotonic()
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, "--data-dir", str(data), "--lang", "en", "--json",
         "import", kind, str(file)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_limit_child,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    seconds = time.monotonic() - start
    stderr = child.stderr.decode(errors="replace")
    peak = [line for line in stderr.splitlines() if line.startswith("PEAK_KB ")]
    return {"code": child.returncode, "stderr": stderr, "seconds": seconds,
            "peak_mb": int(peak[-1].split()[1]) / 1024 if peak else float("inf")}


@pytest.fixture
def centre(tmp_path, capsys):
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "--lang", "en", "init", "--site", "GN01"]) == 0
    capsys.readouterr()
    return data


@pytest.fixture
def baseline(centre, tmp_path):
    """Peak memory of the same command importing an ordinary three-row workbook."""
    ok = run_import(centre, write_workbook(tmp_path / "ordinary.xlsx", sheet_xml()))
    assert ok["code"] == 0, ok["stderr"]
    return ok


def _items(data: Path) -> list:
    from kiosk.services import open_kiosk

    k = open_kiosk(data)
    try:
        return k.catalogue.list()
    finally:
        k.close()


def assert_refused(result: dict, baseline: dict, message: str) -> None:
    assert result["code"] == 2, result["stderr"][-2000:]
    assert "Traceback" not in result["stderr"]
    assert message in result["stderr"], result["stderr"][-2000:]
    growth = result["peak_mb"] - baseline["peak_mb"]
    assert growth < MEMORY_BOUND_MB, f"peak memory grew by {growth:.0f} MB"
    assert result["seconds"] < TIME_BOUND_S, f"refusal took {result['seconds']:.1f} s"


# -- the bombs ------------------------------------------------------------------------
def test_a_lying_dimension_allocates_nothing(centre, baseline, tmp_path):
    # A 4.7 kB file that declares A1:XFD1048576 and fills the very last cell
    # used to make openpyxl pad a million rows to 16,384 columns (3 GB in 7.5 s).
    bomb = write_workbook(tmp_path / "dimension.xlsx", sheet_xml(
        BOMB_ROWS, dimension="A1:XFD1048576",
        tail='<row r="1048576">' + _cell("XFD1048576", "x") + "</row>"))
    assert bomb.stat().st_size < 10_000
    result = run_import(centre, bomb)
    assert_refused(result, baseline, f"has more than {IMPORT_ROWS_MAX} rows")
    assert [i.code for i in _items(centre)] == ["T-00001", "T-00002"]  # the baseline's, no more
    # The same lie over ordinary rows costs nothing either: the rows are read as they are.
    liar = run_import(centre, write_workbook(tmp_path / "liar.xlsx", sheet_xml(BOMB_ROWS, dimension="A1:XFD1048576")))
    assert liar["code"] == 0 and liar["peak_mb"] - baseline["peak_mb"] < MEMORY_BOUND_MB
    assert [i.code for i in _items(centre)] == ["T-00001", "T-00002", "T-00005"]


def test_a_cell_far_to_the_right_is_refused(make_kiosk, tmp_path):
    k, _clock = make_kiosk()
    path = write_workbook(tmp_path / "wide.xlsx", sheet_xml(tail='<row r="4">' + _cell("XFD4", "x") + "</row>"))
    with pytest.raises(BadInput) as exc:
        import_items(k, path)
    assert exc.value.render("en") == f"wide.xlsx has more than {IMPORT_COLUMNS_MAX} columns (row 4)."
    assert k.catalogue.list() == []


def test_a_zip_bomb_is_refused_from_the_zip_directory(centre, baseline, tmp_path):
    # Whitespace between rows is valid XML and compresses about 1000:1.
    padding = " " * (IMPORT_XML_MAX + 1024)
    bomb = write_workbook(tmp_path / "bomb.xlsx", sheet_xml(BOMB_ROWS, tail=padding))
    assert bomb.stat().st_size < 200_000
    result = run_import(centre, bomb)
    assert_refused(result, baseline, "bomb.xlsx unpacks to more than 50 MB")
    assert len(_items(centre)) == 2


def test_a_50_mb_item_name_is_refused_while_streaming(centre, baseline, tmp_path):
    # Just under the part limit, so only the streamed cell-length check stops it.
    name = "가" * ((IMPORT_XML_MAX - 10_000) // 3)  # 3 bytes each in UTF-8
    bomb = write_workbook(tmp_path / "name.xlsx", sheet_xml([GOOD_ROWS[0], ["T-00009", name, "tool"]]))
    result = run_import(centre, bomb)
    assert_refused(result, baseline, f"a cell holds more than {IMPORT_CELL_MAX} characters")
    assert len(_items(centre)) == 2


def test_a_name_longer_than_a_cell_may_be_is_refused(make_kiosk, tmp_path):
    k, _clock = make_kiosk()
    path = write_workbook(tmp_path / "long.xlsx", sheet_xml([GOOD_ROWS[0], ["T-00009", "x" * 2001, "tool"]]))
    with pytest.raises(BadInput, match="a cell holds more than"):
        import_items(k, path)
    assert k.catalogue.list() == []


@pytest.mark.parametrize("prolog", [
    # XXE: an external entity naming a local file
    '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>',
    # billion laughs
    '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
], ids=["xxe", "laughs"])
def test_a_workbook_with_a_dtd_is_refused(centre, capsys, tmp_path, prolog):
    entity = "&xxe;" if "xxe" in prolog else "&d;"
    path = write_workbook(tmp_path / "dtd.xlsx", sheet_xml(
        [GOOD_ROWS[0], ["T-00009", entity, "tool"]], prolog=prolog))
    code = main(["--data-dir", str(centre), "--lang", "en", "import", "items", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "dtd.xlsx declares a document type or entities" in err
    assert _items(centre) == []


def test_damaged_workbooks_exit_2_without_a_traceback(centre, capsys, tmp_path):
    # Found by fuzzing: an XML encoding nobody knows, and a part flagged as encrypted.
    strange = write_workbook(tmp_path / "encoding.xlsx", sheet_xml().replace('encoding="UTF-8"', 'encoding="U1F-8"'))
    data = bytearray(write_workbook(tmp_path / "plain.xlsx", sheet_xml()).read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local, central headers
        at = data.find(signature)
        while at >= 0:
            data[at + flags_at] |= 0x1  # "encrypted"
            at = data.find(signature, at + 4)
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(bytes(data))
    for path in (strange, locked):
        code = main(["--data-dir", str(centre), "--lang", "en", "import", "items", str(path)])
        assert code == 2 and f"{path.name} is not a readable Excel workbook." in capsys.readouterr().err
    assert _items(centre) == []


# -- CSV ----------------------------------------------------------------------------------
def write_csv(path: Path, rows: list[list[str]], tail: str = "") -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_text(buf.getvalue() + tail, encoding="utf-8")
    return path


def test_a_csv_over_the_size_limit_is_refused_before_reading(make_kiosk, tmp_path):
    k, _clock = make_kiosk()
    # Two good rows and blank lines to pass the limit: once read, it would import.
    path = write_csv(tmp_path / "big.csv", GOOD_ROWS, tail="\r\n" * (IMPORT_FILE_MAX // 2 + 1))
    assert path.stat().st_size > IMPORT_FILE_MAX
    with pytest.raises(BadInput) as exc:
        import_items(k, path)
    assert exc.value.render("en").startswith("big.csv is too big to import: at most 5 MB.")
    assert k.catalogue.list() == []


def test_a_csv_with_too_many_rows_is_refused(make_kiosk, tmp_path):
    k, _clock = make_kiosk()
    rows = [GOOD_ROWS[0]] + [["T-00001", "드릴", "tool"]] * (IMPORT_ROWS_MAX + 1)
    path = write_csv(tmp_path / "rows.csv", rows)
    started = time.monotonic()
    with pytest.raises(BadInput) as exc:
        import_items(k, path)
    assert exc.value.render("en") == (f"rows.csv has more than {IMPORT_ROWS_MAX} rows. "
                                      "Split the list into smaller files.")
    assert time.monotonic() - started < TIME_BOUND_S
    assert k.catalogue.list() == []


def test_a_csv_with_too_many_columns_is_refused(make_kiosk, tmp_path):
    k, _clock = make_kiosk()
    extra = [f"note {n}" for n in range(IMPORT_COLUMNS_MAX)]
    path = write_csv(tmp_path / "cols.csv", [GOOD_ROWS[0] + extra, GOOD_ROWS[1] + extra])
    with pytest.raises(BadInput, match=f"has more than {IMPORT_COLUMNS_MAX} columns"):
        import_items(k, path)
    assert k.catalogue.list() == []


@pytest.mark.parametrize("size", [IMPORT_CELL_MAX + 1, 200_000], ids=["over-cell", "over-csv-field"])
def test_a_csv_cell_over_the_limit_is_refused(make_kiosk, tmp_path, size):
    k, _clock = make_kiosk()
    path = write_csv(tmp_path / "cell.csv", [GOOD_ROWS[0], ["T-00001", "x" * size, "tool"]])
    field_limit = csv.field_size_limit()
    with pytest.raises(BadInput) as exc:
        import_items(k, path)
    assert exc.value.render("en") == f"cell.csv: a cell on row 2 holds more than {IMPORT_CELL_MAX} characters."
    assert k.catalogue.list() == []
    assert csv.field_size_limit() == field_limit  # csv's limit is process-wide: put back


def test_nul_and_direction_marks_in_imported_names_are_refused(make_kiosk, tmp_path):
    k, _clock = make_kiosk()
    path = write_csv(tmp_path / "marks.csv", [
        GOOD_ROWS[0], ["T-00001", "드릴\x00", "tool"], ["T-00002", "\u202e릴드", "tool"],
        ["T-00003", "a\x1b[2Jb", "tool"], ["T-00004", "x" * 201, "tool"]])
    report = import_items(k, path)
    assert report.imported == 0 and k.catalogue.list() == []
    assert [(e.row, e.message.render("en")) for e in report.errors] == [
        (2, "The item's name contains control characters or hidden direction marks."),
        (3, "The item's name contains control characters or hidden direction marks."),
        (4, "The item's name contains control characters or hidden direction marks."),
        (5, "The item's name is too long: at most 200 characters."),
    ]


def test_imported_values_the_platform_cannot_store_are_refused(make_kiosk, tmp_path):
    k, _clock = make_kiosk()
    path = write_csv(tmp_path / "values.csv", [
        ["code", "name", "category", "value", "parts"],
        ["T-00001", "드릴", "tool", str(2 ** 31), "1"],
        ["T-00002", "사다리", "tool", "1", str(10 ** 6)],
        ["T-٠٠٠٤٢", "톱", "tool", "1", "1"]])
    report = import_items(k, path)
    assert report.imported == 0 and k.catalogue.list() == []
    assert report.bad_rows == [2, 3, 4]
    assert "The replacement value must be between 0 and 100000000." in report.errors[0].message.render("en")


def test_imported_members_with_hidden_marks_or_long_contacts_are_refused(make_kiosk, tmp_path):
    k, _clock = make_kiosk()
    path = write_csv(tmp_path / "members.csv", [
        ["name", "type", "contact"], ["김\u2066하늘", "standard", ""], ["이", "standard", "0" * 101]])
    report = import_members(k, path)
    assert report.imported == 0 and k.members.list() == []
    assert report.bad_rows == [2, 3]


def test_a_binary_file_a_folder_and_a_missing_file_exit_2(centre, capsys, tmp_path):
    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 40)
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    for target in (binary, fake, tmp_path, tmp_path / "none.csv", "x" * 5000, "a\x00b.csv"):
        code = main(["--data-dir", str(centre), "--lang", "en", "import", "items", str(target)])
        err = capsys.readouterr().err
        assert code == 2 and err.strip(), target
    assert _items(centre) == []


def test_the_refusal_is_translated(centre, capsys, tmp_path, monkeypatch):
    from kiosk import i18n

    # The fragment stands in for the merged catalogue.
    locale = tmp_path / "locale" / "ko" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    (locale / "nanum.po").write_bytes((i18n.LOCALE_DIR / "ko" / "LC_MESSAGES" / "_sec_input.po").read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    i18n.catalogue.cache_clear()
    try:
        path = write_csv(tmp_path / "cols.csv", [GOOD_ROWS[0] + ["x"] * IMPORT_COLUMNS_MAX])
        assert main(["--data-dir", str(centre), "--lang", "ko", "import", "items", str(path)]) == 2
        assert f"cols.csv: 열이 {IMPORT_COLUMNS_MAX}개를 넘습니다(1행)." in capsys.readouterr().err
    finally:
        i18n.catalogue.cache_clear()


def test_json_output_reports_nothing_imported(centre, capsys, tmp_path):
    path = write_csv(tmp_path / "marks.csv", [GOOD_ROWS[0], ["T-00001", "드릴\x00", "tool"]])
    assert main(["--data-dir", str(centre), "--lang", "en", "--json", "import", "items", str(path)]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["imported"] == 0 and out["bad_rows"] == [2]
