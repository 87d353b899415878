"""The raw cells of every spreadsheet organisers save, read within bounds.

``.xlsx``, ``.xls`` (Excel 97-2003), ``.et`` (WPS, the same compound file as ``.xls``) and
``.ods`` are read by python-calamine (one well-kept reader for all of them); CSV by the standard
library. Which one is decided by the file's content, not its name.

Merged cells: calamine gives the merged ranges of ``.xlsx``, ``.xls`` and ``.et``; for ``.ods``
it gives none, so they are read here from the file's ``content.xml`` (``number-rows-spanned``,
``number-columns-spanned``). A merged range is filled with its top-left value, as a person reads
it (see tables.py for the ranges that cannot be read that way).

Bounds, checked before anything is parsed (a 1 MB zip can hold gigabytes of XML): the file's size
(:data:`MAX_FILE_BYTES`), the uncompressed size of the zip members that are read
(:data:`MAX_UNZIPPED_BYTES`), the rows (:data:`MAX_ROWS`), the columns (:data:`MAX_COLUMNS`)
and the extent of a sheet, rows × columns (:data:`MAX_CELLS`): a sheet with one cell in A1 and
one in XFD1048576 is refused, not allocated.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse

from judging.errors import InputError

MAX_FILE_BYTES = 64 * 1024 * 1024
"""No spreadsheet or CSV above 64 MB is read (a marks file of 300,000 rows is about 15 MB)."""
MAX_XLS_BYTES = 32 * 1024 * 1024
"""The old binary formats are not compressed but are read whole: a lower limit."""
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
"""The zip members read from an .xlsx or .ods, uncompressed, together."""
MAX_ROWS = 500_000
"""Rows of a CSV (a marks file of 1,000 competitors × 60 aspects × 5 judges has 300,000)."""
MAX_SHEET_ROWS = 100_000
"""Rows of a workbook's sheet (competitor lists, theory, times and schemes are far shorter)."""
MAX_COLUMNS = 512
MAX_CELLS = 4_000_000
"""A sheet's extent (rows × columns from A1 to its last cell)."""

Merge = tuple[int, int, int, int]
"""A merged range: first row, first column, last row, last column (0-based, inclusive)."""


@dataclass
class RawSheet:
    """One sheet as stored: its name, position, cell values (Python objects) and merged ranges."""

    name: str
    index: int
    rows: list[list[Any]]
    merges: list[Merge] = field(default_factory=list)


def _too_big(file: str, what: str) -> InputError:
    return InputError(f"the file is too large to read: {what} (文件过大, 无法读取)", file=file)


def kind_of(path: Path, file: str) -> str:
    """``zip`` (xlsx/ods), ``ole`` (xls/et) or ``text``, from the first bytes; size checked."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _too_big(file, f"{size // (1024 * 1024)} MB, the limit is "
                       f"{MAX_FILE_BYTES // (1024 * 1024)} MB")
    with path.open("rb") as f:
        magic = f.read(8)
    if magic.startswith(b"PK\x03\x04"):
        return "zip"
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        if size > MAX_XLS_BYTES:
            raise _too_big(file, f"{size // (1024 * 1024)} MB, the limit for .xls/.et is "
                           f"{MAX_XLS_BYTES // (1024 * 1024)} MB")
        return "ole"
    return "text"


# ---- zip containers: sizes, xlsx extents, ods merges --------------------------------------------
def _check_zip(path: Path, file: str) -> zipfile.ZipFile:
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"cannot open the spreadsheet ({exc}) (无法打开表格文件)",
                         file=file) from None
    infos = z.infolist()
    if len(infos) > 10_000:
        raise _too_big(file, f"{len(infos)} parts in the zip")
    total = sum(i.file_size for i in infos if i.filename.endswith(".xml"))
    if total > MAX_UNZIPPED_BYTES:
        raise _too_big(file, f"{total // (1024 * 1024)} MB of XML inside, the limit is "
                       f"{MAX_UNZIPPED_BYTES // (1024 * 1024)} MB")
    return z


_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _bounded_extent(file: str, sheet: str, rows: int, cols: int) -> None:
    if rows > MAX_SHEET_ROWS + 100:
        raise _too_big(file, f"sheet “{sheet}” has more than {MAX_SHEET_ROWS} rows")
    if cols > MAX_COLUMNS:
        raise _too_big(file, f"sheet “{sheet}” has {cols} columns, the limit is {MAX_COLUMNS}")
    if rows * cols > MAX_CELLS:
        raise _too_big(file, f"sheet “{sheet}” spans {rows} rows × {cols} columns, the limit is "
                       f"{MAX_CELLS} cells")


def _scan_xlsx(z: zipfile.ZipFile, file: str) -> None:
    """Stream every worksheet's XML once (bounded memory) and refuse a sheet too large to load."""
    for info in z.infolist():
        name = info.filename
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        sheet = name.rsplit("/", 1)[-1]
        max_row = max_col = 0
        row = col = 0  # rows and cells without an ``r`` follow the one before
        try:
            with z.open(info) as f:
                for event, elem in iterparse(f, events=("start", "end")):
                    tag = elem.tag.rsplit("}", 1)[-1]
                    if event == "start":
                        if tag == "row":
                            r = elem.get("r")
                            row = int(r) if r and r.isdigit() else row + 1
                            col = 0
                            max_row = max(max_row, row)
                            _bounded_extent(file, sheet, max_row, max_col)
                        elif tag == "c":
                            m = _REF.fullmatch(elem.get("r") or "")
                            col = _col_index(m.group(1)) + 1 if m else col + 1
                            if m:
                                max_row = max(max_row, int(m.group(2)))
                            max_col = max(max_col, col)
                            _bounded_extent(file, sheet, max_row, max_col)
                    elif tag == "row":
                        elem.clear()
        except InputError:
            raise
        except Exception as exc:  # damaged XML or zip (a CRC error: a member lying about its size)
            raise InputError(f"cannot read the spreadsheet ({type(exc).__name__}: {exc}) "
                             "(表格文件已损坏)", file=file) from None


_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_merges(z: zipfile.ZipFile, file: str) -> dict[str, list[Merge]]:
    """The merged ranges of every sheet of an .ods, from content.xml (streamed)."""
    out: dict[str, list[Merge]] = {}
    try:
        f = z.open("content.xml")
    except KeyError:
        raise InputError("not a spreadsheet: content.xml is missing (不是表格文件)",
                         file=file) from None
    sheet = ""
    row = col = 0
    with f:
        try:
            for event, elem in iterparse(f, events=("start", "end")):
                tag = elem.tag
                if event == "start":
                    if tag == _T + "table":
                        sheet = elem.get(_T + "name") or ""
                        out[sheet] = []
                        row = 0
                    elif tag == _T + "table-row":
                        col = 0
                    continue
                if tag in (_T + "table-cell", _T + "covered-table-cell"):
                    repeat = int(elem.get(_T + "number-columns-repeated") or 1)
                    rs = int(elem.get(_T + "number-rows-spanned") or 1)
                    cs = int(elem.get(_T + "number-columns-spanned") or 1)
                    if tag == _T + "table-cell" and (rs > 1 or cs > 1):
                        out[sheet].append((row, col, row + rs - 1, col + cs - 1))
                        if len(out[sheet]) > MAX_ROWS:
                            raise _too_big(file, f"sheet “{sheet}” has too many merged cells")
                    col += repeat
                    elem.clear()
                elif tag == _T + "table-row":
                    row += int(elem.get(_T + "number-rows-repeated") or 1)
                    elem.clear()
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"cannot read the spreadsheet ({type(exc).__name__}: {exc}) "
                             "(表格文件已损坏)", file=file) from None
    return out


# ---- workbooks through calamine ---------------------------------------------------------------
def workbook_sheets(path: Path, file: str, kind: str) -> tuple[list[str], Any]:
    """The sheet names and a loader ``load(index) -> RawSheet`` of a workbook."""
    ods_merges: dict[str, list[Merge]] | None = None
    if kind == "zip":
        with _check_zip(path, file) as z:
            names = set(z.namelist())
            if "content.xml" in names:
                ods_merges = _ods_merges(z, file)
            elif any(n.startswith("xl/") for n in names):
                _scan_xlsx(z, file)
            else:
                raise InputError("not a spreadsheet (a zip file that is neither .xlsx nor .ods) "
                                 "(不是表格文件)", file=file)
    from python_calamine import CalamineWorkbook

    try:
        with path.open("rb") as fh:
            wb = CalamineWorkbook.from_filelike(fh)
    except Exception as exc:  # calamine raises its own kinds for a damaged file
        what = "Excel 97-2003 / WPS (.xls/.et)" if kind == "ole" else ".xlsx/.ods"
        raise InputError(f"cannot open this {what} spreadsheet ({type(exc).__name__}: {exc}); "
                         "is it damaged? (无法打开表格文件, 文件可能已损坏)", file=file) from None
    names_list = list(wb.sheet_names)

    def load(index: int) -> RawSheet:
        try:
            sh = wb.get_sheet_by_index(index)
            if sh.total_height > MAX_SHEET_ROWS + 100 or sh.total_width > MAX_COLUMNS:
                _bounded_extent(file, sh.name, sh.total_height, sh.total_width)
            r0, c0 = sh.start or (0, 0)
            rows: list[list[Any]] = []
            if r0 or c0:  # calamine starts at the first used cell; keep spreadsheet positions
                rows = [[] for _ in range(r0)]
            for values in sh.iter_rows():
                rows.append([None] * c0 + list(values) if c0 else list(values))
            if ods_merges is not None:
                merges = ods_merges.get(sh.name, [])
            else:
                merges = [(a[0], a[1], b[0], b[1]) for a, b in (sh.merged_cell_ranges or [])]
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"cannot read sheet {index + 1} ({type(exc).__name__}: {exc}) "
                             "(无法读取工作表)", file=file) from None
        return RawSheet(sh.name, index, rows, merges)

    return names_list, load


# ---- CSV ------------------------------------------------------------------------------------
def decode(data: bytes, file: str) -> str:
    encodings = ["utf-16"] if data.startswith((b"\xff\xfe", b"\xfe\xff")) else []
    for encoding in encodings or ["utf-8-sig", "gb18030"]:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(
        "the file is neither UTF-8 nor GBK text; save it as CSV UTF-8 or as .xlsx "
        "(文件既不是UTF-8也不是GBK编码, 请另存为“CSV UTF-8”或.xlsx)",
        file=file,
    )


def csv_rows(path: Path, file: str) -> Iterator[list[str]]:
    text = decode(path.read_bytes(), file)  # a NUL is named by row and field (tables.py)
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for n, cells in enumerate(reader, start=1):
            if n > MAX_ROWS + 100:
                raise _too_big(file, f"more than {MAX_ROWS} rows")
            if len(cells) > MAX_COLUMNS:
                raise _too_big(file, f"row {n} has {len(cells)} columns, the limit is "
                               f"{MAX_COLUMNS}")
            yield cells
    except csv.Error as exc:
        raise InputError(f"not a readable CSV: {exc} (CSV格式错误)", file=file) from None


def time_of_day_seconds(value: _dt.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second
