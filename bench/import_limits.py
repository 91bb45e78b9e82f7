"""What refusing a hostile spreadsheet costs, next to importing an ordinary one.

    .venv/bin/python bench/import_limits.py            # 5 runs of each file
    .venv/bin/python bench/import_limits.py --runs 3

Each file goes through the real ``nanum import items`` command in a child
process, which reports its own peak resident memory (VmHWM, so nothing of this
process counts). Printed: exit code, median wall time and median peak memory
per file, and the growth over importing a small three-row file. The ordinary
1,000-row file is imported into a fresh kiosk each run; the bombs must be
refused (exit 2) in time and memory set by kiosk.limits, not by the file.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from kiosk.limits import IMPORT_FILE_MAX, IMPORT_ROWS_MAX, IMPORT_XML_MAX  # noqa: E402

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = ["code", "name", "category"]

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


def _row(n: int, values: list[str]) -> str:
    return f'<row r="{n}">' + "".join(
        f'<c r="{"ABC"[i]}{n}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values)) + "</row>"


def sheet(rows: list[list[str]], dimension: str = "A1:C3", tail: str = "", prolog: str = "") -> str:
    body = "".join(_row(n, r) for n, r in enumerate(rows, start=1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}<worksheet xmlns="{SHEET_NS}">'
            f'<dimension ref="{dimension}"/><sheetData>{body}{tail}</sheetData></worksheet>')


def workbook(path: Path, sheet_xml: str) -> Path:
    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            data = sheet_xml if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename)
            out.writestr(info.filename, data)
    return path


def csv_file(path: Path, rows: list[list[str]], tail: str = "") -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_text(buf.getvalue() + tail, encoding="utf-8")
    return path


def files(folder: Path) -> dict[str, Path]:
    bomb = [HEADER, ["T-00005", "망치", "tool"]]
    ordinary = [HEADER] + [[f"T-{n:05d}", f"물품 {n}", "tool"] for n in range(1, 1001)]
    return {
        "small (3 rows, xlsx)": workbook(folder / "small.xlsx", sheet([HEADER, ["T-00001", "드릴", "tool"]])),
        "ordinary 1,000 rows (xlsx)": workbook(folder / "ordinary.xlsx", sheet(ordinary, "A1:C1001")),
        "ordinary 1,000 rows (csv)": csv_file(folder / "ordinary.csv", ordinary),
        "lying dimension A1:XFD1048576": workbook(folder / "dimension.xlsx", sheet(
            bomb, "A1:XFD1048576", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')),
        "zip bomb (sheet > IMPORT_XML_MAX)": workbook(folder / "zipbomb.xlsx", sheet(
            bomb, tail=" " * (IMPORT_XML_MAX + 1024))),
        "50 MB item name": workbook(folder / "name.xlsx", sheet(
            [HEADER, ["T-00009", "가" * ((IMPORT_XML_MAX - 10_000) // 3), "tool"]])),
        "DTD / external entity": workbook(folder / "xxe.xlsx", sheet(
            [HEADER, ["T-00009", "&xxe;", "tool"]],
            prolog='<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>')),
        "CSV over IMPORT_FILE_MAX": csv_file(folder / "big.csv", bomb, "\r\n" * (IMPORT_FILE_MAX // 2 + 1)),
        "CSV over IMPORT_ROWS_MAX": csv_file(folder / "rows.csv",
                                             [HEADER] + [["T-00001", "드릴", "tool"]] * (IMPORT_ROWS_MAX + 1)),
    }


def _cap() -> None:
    # A kiosk without the limits would take the whole machine: stop it at 3 GB.
    resource.setrlimit(resource.RLIMIT_AS, (3 * 1024 ** 3, 3 * 1024 ** 3))


def run(data: Path, file: Path) -> tuple[int, float, float]:
    start = time.monotonic()
    child = subprocess.run([sys.executable, "-c", _CHILD, "--data-dir", str(data), "--lang", "en",
                            "--json", "import", "items", str(file)],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_cap,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    seconds = time.monotonic() - start
    peak = [line for line in child.stderr.decode(errors="replace").splitlines() if line.startswith("PEAK_KB ")]
    return child.returncode, seconds, int(peak[-1].split()[1]) / 1024 if peak else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nanum-bench-import-") as tmp:
        folder = Path(tmp)
        inputs = files(folder)
        results: dict[str, tuple[int, float, float]] = {}
        for index, (label, path) in enumerate(inputs.items()):
            codes, times, peaks = [], [], []
            for n in range(args.runs):
                data = folder / f"kiosk-{index}-{n}"
                subprocess.run([sys.executable, "-m", "kiosk.cli", "--data-dir", str(data), "init"],
                               cwd=ROOT, capture_output=True, check=True)
                code, seconds, peak = run(data, path)
                codes.append(code), times.append(seconds), peaks.append(peak)
            results[label] = (max(codes), statistics.median(times), statistics.median(peaks))
        base = results["small (3 rows, xlsx)"][2]
        print(f"{'file':36} {'size':>9} {'exit':>4} {'median s':>9} {'peak MB':>8} {'growth MB':>9}")
        for label, (code, seconds, peak) in results.items():
            size = inputs[label].stat().st_size
            print(f"{label:36} {size / 1024:8.0f}k {code:>4} {seconds:9.2f} {peak:8.0f} {peak - base:9.0f}")


if __name__ == "__main__":
    main()
