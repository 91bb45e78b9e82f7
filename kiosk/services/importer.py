"""Importing items and members from a spreadsheet (CSV or XLSX).

A centre usually starts with a list kept in Excel. Every row is checked
first and each bad row reported with its spreadsheet row number (header =
row 1) and a translatable reason; nothing is imported while any row is bad,
unless the caller asks to skip bad rows. Records are created through the
catalogue and members services, one transaction and one event per row, as if
staff had typed them in; a row that fails only then (another writer took the
code meanwhile) is reported and the rest still go in.

CSV may be UTF-8 (with or without BOM) or CP949, as Korean Excel writes it.
Columns are found by their English or Korean header, or by a staff screen's
own mapping (field key -> 0-based column index) after :func:`preview`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import logging
import re
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from sqlalchemy import select

from kiosk.codes import normalise_item_code
from kiosk.errors import BadInput
from kiosk.i18n import N_, Message
from kiosk.limits import (
    AGE_MONTHS_MAX,
    CONTACT_MAX,
    IMPORT_CELL_MAX,
    IMPORT_COLUMNS_MAX,
    IMPORT_FILE_MAX,
    IMPORT_PART_MAX,
    IMPORT_PARTS_MAX,
    IMPORT_ROWS_MAX,
    IMPORT_UNZIPPED_MAX,
    IMPORT_XML_MAX,
    clean_text,
    echo,
)
from kiosk.services.catalogue import check_alias, check_item_field, item_name, normalise_category, parts_list
from kiosk.services.lifecycle import contact_key
from kiosk.services.members import member_name, normalise_member_type
from kiosk.services.views import ItemView, MemberView
from kiosk.store.models import Item, ItemAlias, Member

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FieldSpec:
    """One column the import understands, and the headers that name it."""

    key: str
    headers: tuple[str, ...]  # accepted header texts, English and Korean
    required: bool = False

    @property
    def label(self) -> str:
        """``code/코드``: the English and the Korean header, for messages."""
        korean = next((h for h in self.headers if not h.isascii()), "")
        return f"{self.headers[0]}/{korean}" if korean else self.headers[0]


FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "items": (
        FieldSpec("code", ("code", "item code", "코드", "물품코드"), True),
        FieldSpec("name", ("name", "name_ko", "물품명", "품명"), True),
        FieldSpec("category", ("category", "분류", "카테고리"), True),
        FieldSpec("parts", ("parts", "구성품", "구성품 수")),
        FieldSpec("name_en", ("name_en", "english name", "영문명")),
        FieldSpec("name_zh", ("name_zh", "chinese name", "중국어명", "중문명")),
        FieldSpec("name_vi", ("name_vi", "vietnamese name", "베트남어명")),
        FieldSpec("replacement_value", ("replacement_value", "value", "대체가격")),
        FieldSpec("age_min_months", ("age_min_months", "최소월령")),
        FieldSpec("age_max_months", ("age_max_months", "최대월령")),
        FieldSpec("alias", ("alias", "barcode", "바코드")),
    ),
    "members": (
        FieldSpec("name", ("name", "display_name", "이름", "성명"), True),
        FieldSpec("type", ("type", "member_type", "유형", "회원유형"), True),
        FieldSpec("contact", ("contact", "phone", "연락처", "전화번호")),
        FieldSpec("expires_on", ("expires_on", "expiry", "만료일")),
        FieldSpec("language", ("language", "lang", "언어")),
    ),
}

_LANGUAGE_NAMES = {"ko": "ko", "korean": "ko", "한국어": "ko", "한국말": "ko",
                   "en": "en", "english": "en", "영어": "en"}


def _norm_header(text: str) -> str:
    # "Item code", "item_code" and "물품 코드" all name the same column.
    return re.sub(r"[\s_\-]+", "", str(text)).lower()


# -- results ------------------------------------------------------------------
@dataclass(frozen=True)
class RowError:
    """Why one spreadsheet row cannot be imported (header = row 1)."""

    row: int
    message: Message


@dataclass(frozen=True)
class ImportedMember:
    """A member created by an import, with the card payload shown only now."""

    row: int
    member: MemberView
    card: str

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, **self.member.to_json(), "card": self.card}


@dataclass
class ImportReport:
    kind: str
    total_rows: int
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: list[ItemView | ImportedMember] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {"kind": self.kind, "total_rows": self.total_rows, "imported": self.imported,
                "bad_rows": self.bad_rows,
                "errors": [{"row": e.row, "message": e.message.render(lang)} for e in self.errors],
                "created": [c.to_json() for c in self.created]}


class Preview(NamedTuple):
    headers: list[str]
    rows: list[list[str]]
    mapping: dict[str, int]  # field key -> 0-based column index


# -- reading files ------------------------------------------------------------
class _Table(NamedTuple):
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 3 as 3.0
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _decode_csv(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadInput(N_("{name} is neither UTF-8 nor CP949 text. "
                      "Save it again from Excel as CSV (UTF-8)."), name=name)


# -- limits before parsing ----------------------------------------------------
# A spreadsheet is untrusted: it may declare a million rows, hide a gigabyte
# behind a few kilobytes of zip, or carry an XML entity bomb. Every size is
# checked against kiosk.limits before the data it describes is read, so the
# time and memory an import takes are bounded by the limits, not by the file.
def _too_big(name: str) -> BadInput:
    return BadInput(N_("{name} is too big to import: at most {limit} MB. "
                       "Split the list into smaller files."),
                    name=name, limit=IMPORT_FILE_MAX // (1024 * 1024))


def _too_many_rows(name: str) -> BadInput:
    return BadInput(N_("{name} has more than {limit} rows. Split the list into smaller files."),
                    name=name, limit=IMPORT_ROWS_MAX)


def _cell_too_long(name: str, row: int) -> BadInput:
    return BadInput(N_("{name}: a cell on row {row} holds more than {limit} characters."),
                    name=name, row=row, limit=IMPORT_CELL_MAX)


def _not_a_workbook(name: str) -> BadInput:
    return BadInput(N_("{name} is not a readable Excel workbook."), name=name)


def _read_limited(path: Path) -> bytes:
    if path.stat().st_size > IMPORT_FILE_MAX:
        raise _too_big(path.name)
    with path.open("rb") as fh:
        data = fh.read(IMPORT_FILE_MAX + 1)  # the file may grow after the check
    if len(data) > IMPORT_FILE_MAX:
        raise _too_big(path.name)
    return data


class _Rows:
    """Collects the non-blank rows of a sheet, refusing as soon as a limit is passed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[tuple[int, list[str]]] = []

    def add(self, number: int, values: Any) -> None:
        if number > IMPORT_ROWS_MAX + 1:  # + the header row
            raise _too_many_rows(self.name)
        cells = [_cell_text(v) for v in values]
        if any(cells[IMPORT_COLUMNS_MAX:]):  # empty cells past the limit are harmless
            raise BadInput(N_("{name} has more than {limit} columns (row {row})."),
                           name=self.name, limit=IMPORT_COLUMNS_MAX, row=number)
        del cells[IMPORT_COLUMNS_MAX:]
        if any(len(c) > IMPORT_CELL_MAX for c in cells):
            raise _cell_too_long(self.name, number)
        if any(cells):  # blank rows are dropped but keep their numbers
            self.rows.append((number, cells))


@contextlib.contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    # csv keeps one process-wide limit; put back what was there.
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _read_csv(path: Path) -> list[tuple[int, list[str]]]:
    text = _decode_csv(_read_limited(path), path.name)
    rows = _Rows(path.name)
    reader = csv.reader(io.StringIO(text, newline=""))
    with _csv_field_limit(IMPORT_CELL_MAX):
        try:
            for number, cells in enumerate(reader, start=1):
                rows.add(number, cells)
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise _cell_too_long(path.name, reader.line_num) from None
            raise BadInput(N_("{name} is not a readable CSV file."), name=path.name) from exc
    return rows.rows


# Parts that hold the cells: streamed, so they may be large. Every other part
# (styles, workbook, relations) is parsed whole by openpyxl and stays small.
_CELL_PARTS = re.compile(r"^xl/(worksheets/[^/]+|sharedStrings)\.xml$", re.IGNORECASE)
# Pictures and macros pasted into a workbook: openpyxl's read-only mode never opens them.
_BINARY_PARTS = re.compile(r"\.(png|jpe?g|gif|bmp|tiff?|emf|wmf|bin)$", re.IGNORECASE)
# Elements holding a cell's text: a value, or a (shared or inline) string run.
_TEXT_ELEMENTS = frozenset({"v", "t"})


def _check_zip(z: zipfile.ZipFile, name: str) -> None:
    """Refuse a workbook whose parts would unpack too large (sizes from the zip's directory)."""
    infos = z.infolist()
    if len(infos) > IMPORT_PARTS_MAX:
        raise _not_a_workbook(name)
    total = 0
    for info in infos:
        big = _CELL_PARTS.match(info.filename) or _BINARY_PARTS.search(info.filename)
        limit = IMPORT_XML_MAX if big else IMPORT_PART_MAX
        total += info.file_size
        if info.file_size > limit or total > IMPORT_UNZIPPED_MAX:
            limit = limit if info.file_size > limit else IMPORT_UNZIPPED_MAX
            raise BadInput(N_("{name} unpacks to more than {limit} MB: "
                              "it is not an ordinary list. Nothing was imported."),
                           name=name, limit=limit // (1024 * 1024))


def _scan_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Stream one part through expat: refuse DTDs (entities, XXE) and over-long cell text.

    zipfile stops at the size the directory declares, so a part cannot unpack
    beyond what :func:`_check_zip` allowed.
    """
    parser = xml.parsers.expat.ParserCreate()
    depth_text = [0]  # characters in the current text element
    in_text = [False]

    def refuse_dtd(*_args: Any) -> NoReturn:
        raise BadInput(N_("{name} declares a document type or entities, which workbooks never "
                          "need. Save it again from Excel. Nothing was imported."), name=name)

    def start(tag: str, _attrs: Any) -> None:
        depth_text[0] = 0
        in_text[0] = tag.rpartition(":")[2] in _TEXT_ELEMENTS

    def end(_tag: str) -> None:
        in_text[0] = False

    def text(data: str) -> None:
        if not in_text[0]:
            return  # whitespace between rows
        depth_text[0] += len(data)
        if depth_text[0] > IMPORT_CELL_MAX:
            raise BadInput(N_("{name}: a cell holds more than {limit} characters."),
                           name=name, limit=IMPORT_CELL_MAX)

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if _CELL_PARTS.match(info.filename):
        parser.CharacterDataHandler = text
    try:
        with z.open(info) as fh:
            while chunk := fh.read(64 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError:
        return  # not XML (a picture, a macro): openpyxl reads what it needs and says so


def _read_xlsx(path: Path) -> list[tuple[int, list[str]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    data = _read_limited(path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            _check_zip(z, path.name)
            for info in z.infolist():
                if not _BINARY_PARTS.search(info.filename):
                    _scan_part(z, info, path.name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            zlib.error, ValueError, LookupError, RuntimeError) as exc:
        # RuntimeError: an encrypted part; LookupError: an XML encoding nobody knows.
        raise _not_a_workbook(path.name) from exc
    rows = _Rows(path.name)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = wb.worksheets[0]
            # The <dimension> a file declares may lie (A1:XFD1048576): read what is there.
            sheet.reset_dimensions()
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                rows.add(number, values)
        finally:
            wb.close()
    except BadInput:
        raise
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError,
            IndexError, AttributeError, SyntaxError, EOFError, zlib.error, LookupError) as exc:
        # openpyxl reports a malformed workbook with many kinds of error; the
        # file, not our code, is at fault here (ET.ParseError is a SyntaxError).
        log.info("unreadable workbook %s", path.name, exc_info=True)
        raise _not_a_workbook(path.name) from exc
    return rows.rows


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise BadInput(N_("Cannot import {name}: please use a .csv or .xlsx file."), name=path.name)


def _read_table(path: str | Path) -> _Table:
    path = Path(path)
    try:
        is_file = path.is_file()
    except (OSError, ValueError):  # a name too long for the system, a NUL in it
        is_file = False
    if not is_file:
        raise BadInput(N_("There is no file at {path}."), path=echo(path))
    try:
        numbered = _read_rows(path)
    except OSError as exc:
        raise BadInput("Cannot read {path}: {reason}", path=echo(path),
                       reason=exc.strerror or str(exc)) from exc
    if not numbered:
        raise BadInput(N_("{name} is empty."), name=path.name)
    (_, headers), rows = numbered[0], numbered[1:]
    if not rows:
        raise BadInput(N_("{name} has a header row but no rows to import."), name=path.name)
    return _Table(headers, rows)


def detect_mapping(kind: str, headers: list[str], *, strict: bool = False) -> dict[str, int]:
    """Which column holds each field, from the header texts (field -> index).

    When two columns name the same field the first one is taken, or with
    ``strict`` (an import relying on the headers) the file is refused.
    """
    by_header = {_norm_header(h): spec.key for spec in _fields(kind) for h in spec.headers}
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = by_header.get(_norm_header(header))
        if key in mapping and strict:
            raise BadInput(N_("Two columns are for the same thing: {first} and {second}."),
                           first=headers[mapping[key]], second=header)
        if key is not None:
            mapping.setdefault(key, index)
    return mapping


def _fields(kind: str) -> tuple[FieldSpec, ...]:
    if kind not in FIELDS:
        raise BadInput(N_("Unknown kind of import: {kind}"), kind=kind)
    return FIELDS[kind]


def _check_mapping(kind: str, mapping: dict[str, int], width: int) -> None:
    known = {spec.key for spec in _fields(kind)}
    for key, index in mapping.items():
        if key not in known:
            raise BadInput(N_("Unknown kind of column: {column}"), column=key)
        if not 0 <= index < width:
            raise BadInput(N_("The file has no column number {number}."), number=index + 1)
    missing = [spec for spec in _fields(kind) if spec.required and spec.key not in mapping]
    if missing:
        names = ", ".join(spec.label for spec in missing)
        raise BadInput(N_("The file has no column for: {columns}. "
                          "The first row must hold the column names."), columns=names)


def preview(path: str | Path, kind: str, limit: int = 10) -> Preview:
    """The headers, the first ``limit`` rows and the detected column mapping."""
    table = _read_table(path)
    return Preview(table.headers, [cells for _, cells in table.rows[:limit]],
                   detect_mapping(kind, table.headers))


# -- checking rows ------------------------------------------------------------
def _whole_number(text: str, msgid: str) -> int | None:
    t = text.replace(",", "").replace("원", "").strip()
    if not t:
        return None
    # [0-9], not \d: int() would also read other scripts' digits.
    if not re.fullmatch(r"-?[0-9]{1,18}", t):
        raise BadInput(msgid, value=echo(text))
    return int(t)


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    # Korean spreadsheets often write dates as 2026.12.31 or 2026. 12. 31.
    t = re.sub(r"[./]", "-", re.sub(r"\s+", "", text).rstrip("."))
    try:
        return dt.date.fromisoformat("-".join(p.zfill(2) for p in t.split("-")))
    except ValueError:
        raise BadInput(N_("Not a date: {value}. Write it like 2026-12-31."), value=text) from None


class _RowChecker:
    """Turns one row's cells into service arguments, collecting every problem."""

    def __init__(self, row: int, cells: list[str], mapping: dict[str, int]) -> None:
        self.row, self.cells, self.mapping = row, cells, mapping
        self.errors: list[RowError] = []

    def text(self, key: str) -> str:
        index = self.mapping.get(key)
        return self.cells[index].strip() if index is not None and index < len(self.cells) else ""

    def check(self, parse: Callable[[], Any]) -> Any:
        """The parsed value, or None with the problem noted."""
        try:
            return parse()
        except BadInput as exc:  # ours and the services' own rules alike
            self.errors.append(RowError(self.row, exc.message))
            return None

    def reject(self, msgid: str, **params: Any) -> None:
        self.errors.append(RowError(self.row, Message(msgid, params)))

    def unique(self, value: Any, known: dict[Any, Any], seen: dict[Any, int],
               known_msgid: str, seen_msgid: str, **params: Any) -> None:
        """Refuse a value already stored (``known``) or on an earlier row (``seen``)."""
        if value in known:
            number = known[value]  # the member an earlier import registered, if any
            self.reject(known_msgid, **params, **({"number": number} if number else {}))
        elif value in seen:
            self.reject(seen_msgid, **params, row=seen[value])
        elif value:
            seen[value] = self.row


def _required(text: str, msgid: str) -> str:
    if not text:
        raise BadInput(msgid)
    return text


def _item_code(text: str) -> str:
    code = normalise_item_code(_required(text, N_("The item code is missing.")))
    if code is None:
        raise BadInput("Not an item code: {code}", code=echo(text))
    return code


def _alias(text: str) -> str | None:
    return check_alias(text) if text else None


def _check_items(kiosk: Kiosk, rows: list[tuple[int, list[str]]], mapping: dict[str, int]
                 ) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    with kiosk.reading() as s:
        # imported items are this centre's: other centres' codes do not clash
        known_codes = dict.fromkeys(s.execute(select(Item.code).where(
            Item.home_site == kiosk.site)).scalars())
        known_aliases = dict.fromkeys(s.execute(select(ItemAlias.alias)).scalars())
    seen_codes: dict[str, int] = {}
    seen_aliases: dict[str, int] = {}
    good, errors = [], []
    for n, cells in rows:
        c = _RowChecker(n, cells, mapping)
        code = c.check(lambda: _item_code(c.text("code")))
        c.unique(code, known_codes, seen_codes, "Item code {code} is already in the catalogue.",
                 N_("Item code {code} is also on row {row}."), code=code)
        name = c.check(lambda: item_name(c.text("name")))
        name_en = c.check(lambda: check_item_field("name_en", c.text("name_en")))
        name_zh = c.check(lambda: check_item_field("name_zh", c.text("name_zh")))
        name_vi = c.check(lambda: check_item_field("name_vi", c.text("name_vi")))
        category = c.check(lambda: normalise_category(
            _required(c.text("category"), N_("The category is missing."))))
        parts = c.check(lambda: _whole_number(
            c.text("parts"), N_("The number of parts must be a whole number, not {value}.")))
        c.check(lambda: parts_list(parts))
        value = c.check(lambda: _whole_number(
            c.text("replacement_value"),
            N_("The replacement value must be a whole number of won, not {value}.")))
        if value is not None:
            c.check(lambda: check_item_field("replacement_value", value))
        ages = [c.check(partial(_whole_number, c.text(k),
                                N_("An age must be a whole number of months, not {value}.")))
                for k in ("age_min_months", "age_max_months")]
        if any(a is not None and a < 0 for a in ages):
            c.reject(N_("An age in months cannot be negative."))
        elif any(a is not None and a > AGE_MONTHS_MAX for a in ages):
            c.check(lambda: [check_item_field("age_min_months", a) for a in ages])
        elif None not in ages and ages[0] > ages[1]:
            c.reject(N_("The youngest age ({min}) is above the oldest ({max})."),
                     min=ages[0], max=ages[1])
        alias = c.check(lambda: _alias(c.text("alias")))
        c.unique(alias, known_aliases, seen_aliases,
                 "Barcode {alias} already belongs to another item.",
                 N_("Barcode {alias} is also on row {row}."), alias=alias)
        if c.errors:
            errors.extend(c.errors)
            continue
        good.append((n, {"code": code, "name_ko": name, "name_en": name_en,
                         "name_zh": name_zh, "name_vi": name_vi,
                         "category": category, "parts": parts, "replacement_value": value or 0,
                         "age_min_months": ages[0], "age_max_months": ages[1],
                         "aliases": (alias,) if alias else ()}))
    return good, errors


def _language(text: str) -> str:
    lang = _LANGUAGE_NAMES.get(text.lower()) if text else "ko"
    if lang is None:
        raise BadInput(N_("Unknown language: {value}. Use ko or en."), value=text)
    return lang


def _contact(text: str) -> str:
    return clean_text(text, CONTACT_MAX, Message(N_("The contact")))


def _check_members(kiosk: Kiosk, rows: list[tuple[int, list[str]]], mapping: dict[str, int]
                   ) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    # Re-importing the same list must not register people twice: a name with
    # the same contact already registered (or earlier in the file) is refused.
    key = contact_key(kiosk)  # contacts are stored encrypted: compare them in clear
    with kiosk.reading() as s:
        known = {(name, key.open(contact)): number for name, contact, number in s.execute(
            select(Member.display_name, Member.contact, Member.number)
            .where(Member.contact.is_not(None)))}
    return _check_member_rows(rows, mapping, known)


def check_member_file(path: str | Path) -> tuple[int, list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Read and check a members file with the kiosk's rules, for a register kept
    elsewhere (the city platform): (rows in the file, good rows, errors)."""
    table = _read_table(path)
    mapping = detect_mapping("members", table.headers, strict=True)
    _check_mapping("members", mapping, max(len(table.headers), *(len(c) for _, c in table.rows)))
    good, errors = _check_member_rows(table.rows, mapping, {})
    return len(table.rows), good, errors


def _check_member_rows(rows: list[tuple[int, list[str]]], mapping: dict[str, int],
                       known: dict[tuple[str, str | None], str]
                       ) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    seen: dict[tuple[str, str], int] = {}
    good, errors = [], []
    for n, cells in rows:
        c = _RowChecker(n, cells, mapping)
        name = c.check(lambda: member_name(c.text("name")))
        member_type = c.check(lambda: normalise_member_type(c.text("type") or "standard"))
        contact = c.check(lambda: _contact(c.text("contact")))
        if name and contact:
            c.unique((name, contact), known, seen,
                     N_("{name} with this contact is already member {number}."),
                     N_("{name} with this contact is also on row {row}."), name=name)
        expires_on = c.check(lambda: _date(c.text("expires_on")))
        language = c.check(lambda: _language(c.text("language")))
        if c.errors:
            errors.extend(c.errors)
            continue
        good.append((n, {"display_name": name, "member_type": member_type,
                         "contact": contact or None, "expires_on": expires_on,
                         "language": language}))
    return good, errors


# -- importing ----------------------------------------------------------------
def import_file(kiosk: Kiosk, kind: str, path: str | Path, *, skip_invalid: bool = False,
                mapping: dict[str, int] | None = None, progress: Progress | None = None,
                actor: str | None = None) -> ImportReport:
    """Import ``kind`` ("items" or "members") from a CSV or XLSX file.

    Every row is checked first; with any bad row nothing is imported, unless
    ``skip_invalid`` (then the good rows go in and the bad ones are reported).
    ``mapping`` (field key -> 0-based column index) overrides the headers;
    ``progress(done, total)`` is called as rows are imported.
    """
    table = _read_table(path)
    if mapping is None:
        mapping = detect_mapping(kind, table.headers, strict=True)
    _check_mapping(kind, mapping, max(len(table.headers), *(len(c) for _, c in table.rows)))
    checker = _check_items if kind == "items" else _check_members
    good, errors = checker(kiosk, table.rows, mapping)
    report = ImportReport(kind, total_rows=len(table.rows), errors=errors)
    if errors and not skip_invalid:
        return report
    if progress:
        progress(0, len(good))
    for done, (n, args) in enumerate(good, start=1):
        try:
            if kind == "items":
                report.created.append(kiosk.catalogue.add_item(**args, actor=actor))
            else:
                member, card = kiosk.members.add(**args, actor=actor)
                report.created.append(ImportedMember(n, member, card))
            report.imported += 1
        except BadInput as exc:  # changed by another writer since the check
            report.errors.append(RowError(n, exc.message))
        if progress:
            progress(done, len(good))
    return report


def import_items(kiosk: Kiosk, path: str | Path, **options: Any) -> ImportReport:
    """Add the items listed in a file to the catalogue (options: :func:`import_file`)."""
    return import_file(kiosk, "items", path, **options)


def import_members(kiosk: Kiosk, path: str | Path, **options: Any) -> ImportReport:
    """Register the members listed in a file (options: :func:`import_file`).

    The report's ``created`` holds each new member's number and card payload,
    which is shown only this once.
    """
    return import_file(kiosk, "members", path, **options)
