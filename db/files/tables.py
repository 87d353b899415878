"""Reading CSV and XLSX tables as organisers save them, and writing simple XLSX tables."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from judging.decimals import to_decimal
from judging.errors import InputError

CellType = Literal["text", "number", "date", "bool", "empty"]

HEADER_SEARCH_ROWS = 10
"""A header may sit below a few title rows; it is looked for in this many non-empty rows."""

_SPACES = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")


@dataclass(frozen=True)
class TableRow:
    """One non-empty data row. ``number`` is the spreadsheet row (header row 1, data from 2).

    ``types`` says what kind of cell each value came from: an ID number or candidate number
    that was a ``number`` cell has been through a spreadsheet's number conversion.
    """

    number: int
    values: dict[str, str]
    types: dict[str, CellType] = field(default_factory=dict)

    def get(self, key: str) -> str:
        """The value of a column, or ``""`` when the column is absent or the cell empty."""
        return self.values.get(key, "")

    def is_number(self, key: str) -> bool:
        """True when the cell was stored as a number (not text) in the spreadsheet."""
        return self.types.get(key) == "number"


@dataclass
class Table:
    """A read table: the header as written and the non-empty rows below it.

    With a column alias table, ``values`` are keyed by canonical names and ``labels`` maps each
    canonical name to the header text the file used (for messages).
    """

    file: str
    header: list[str]
    rows: list[TableRow]
    header_row: int = 1
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, key: str) -> str:
        """The header text the file used for a canonical column (the key itself if absent)."""
        return self.labels.get(key, key)

    def has(self, key: str) -> bool:
        """True when the file has this (canonical) column."""
        return key in self.labels if self.labels else key in self.header


def normalise_text(text: str) -> str:
    """Trim spaces and turn full-width digits, letters and punctuation into their ASCII forms.

    Only characters whose NFKC form is plain ASCII are changed, so Chinese text is left alone
    (apart from full-width punctuation such as ``（`` becoming ``(``).
    """
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if folded.isascii() else ch)
    joined = "".join(out).replace("\r\n", "\n")
    return _SPACES.sub(lambda m: "\n" if "\n" in m.group() else " ", joined).strip()


def header_key(text: str) -> str:
    """How headers are compared: case, spaces, ``_``/``-``/``*`` and a trailing note ignored."""
    s = normalise_text(text).casefold()
    s = re.sub(r"\s*[(\[][^()\[\]]*[)\]]\s*$", "", s) or s
    return re.sub(r"[\s_\-*:.]+", "", s)


def number_text(value: int | float | Decimal) -> str:
    """A spreadsheet number as text without binary noise: ``85.1`` stays ``85.1``.

    Floats go through their shortest repr, so a value typed as 85.1 (stored as the nearest
    double) becomes ``"85.1"``; integral values lose the ``.0`` and never use exponents.
    """
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        dec = Decimal(repr(value))
    else:
        dec = value
    if dec == dec.to_integral_value():
        return str(int(dec))
    text = format(dec.normalize(), "f")
    return text


def parse_decimal(text: str) -> Decimal:
    """An exact Decimal from cell text (full-width digits, spaces and thousands commas allowed)."""
    try:
        return to_decimal(normalise_text(text).replace(",", "").replace(" ", ""))
    except ValueError:
        raise ValueError(f"“{text}” is not a number (不是数字)") from None


def _cell(value: object) -> tuple[str, CellType]:
    if value is None:
        return "", "empty"
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), "bool"
    if isinstance(value, (int, float, Decimal)):
        return number_text(value), "number"
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0, 0):
            return value.date().isoformat(), "date"
        return value.isoformat(sep=" "), "date"
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat(), "date"
    if isinstance(value, _dt.timedelta):
        return str(int(value.total_seconds())), "number"
    text = normalise_text(str(value))
    return text, ("text" if text else "empty")


def _decode(data: bytes, file: str) -> str:
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


def _csv_rows(path: Path, file: str) -> Iterator[list[tuple[str, CellType]]]:
    text = _decode(path.read_bytes(), file)
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count) if first else ","
    for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [_cell(c) for c in cells]


def _xlsx_rows(path: Path, file: str, sheet: int | str) -> Iterator[list[tuple[str, CellType]]]:
    import openpyxl  # db/ may use openpyxl; imported here to keep CSV reading light

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(
            f"cannot open the spreadsheet ({type(exc).__name__}: {exc}) (无法打开表格文件)",
            file=file,
        ) from None
    try:
        if isinstance(sheet, int):
            if sheet >= len(wb.sheetnames):
                raise InputError(f"the workbook has no sheet {sheet + 1} (没有该工作表)", file=file)
            ws = wb[wb.sheetnames[sheet]]
        else:
            if sheet not in wb.sheetnames:
                raise InputError(f"the workbook has no sheet “{sheet}” (没有该工作表)", file=file)
            ws = wb[sheet]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # some writers record a wrong size; read what is there
        for values in ws.iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    finally:
        wb.close()


def _raw_rows(path: Path, file: str, sheet: int | str) -> Iterator[list[tuple[str, CellType]]]:
    with path.open("rb") as f:
        magic = f.read(8)
    if magic.startswith(b"PK\x03\x04"):
        if path.suffix.lower() == ".ods":
            raise InputError(
                "ODS files are not read; save the sheet as .xlsx or CSV (请另存为.xlsx或CSV)",
                file=file,
            )
        return _xlsx_rows(path, file, sheet)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            "this is an old Excel 97-2003 (.xls) file; save it as .xlsx (请另存为.xlsx格式)",
            file=file,
        )
    return _csv_rows(path, file)


def _match_columns(
    header: Sequence[str], columns: Mapping[str, Sequence[str]]
) -> dict[str, int]:
    """Canonical name → header index. Earlier aliases win; long ASCII aliases may match a prefix.

    The prefix rule is for headers with notes appended, such as WorldSkills CIS's
    "Aspect Type M = Meas J = Judg".
    """
    keys = [header_key(h) for h in header]
    found: dict[str, int] = {}
    taken: set[int] = set()
    for canonical, aliases in columns.items():
        alias_keys = [header_key(a) for a in [canonical, *aliases]]
        for ak in alias_keys:
            hits = [i for i, k in enumerate(keys) if k == ak and i not in taken]
            if hits:
                found[canonical] = hits[0]
                break
        else:
            for ak in alias_keys[1:]:
                if len(ak) < 8 or not ak.isascii():
                    continue
                hits = [i for i, k in enumerate(keys) if k.startswith(ak) and i not in taken]
                if hits:
                    found[canonical] = hits[0]
                    break
        if canonical in found:
            taken.add(found[canonical])
    return found


def read_table(
    path: str | Path,
    *,
    sheet: int | str = 0,
    columns: Mapping[str, Sequence[str]] | None = None,
    required: Iterable[str] = (),
) -> Table:
    """Read a CSV or XLSX file (by its content, not its extension) into a ``Table``.

    CSV may be UTF-8 (with or without BOM), GBK/GB18030 or UTF-16, comma-, tab- or
    semicolon-separated. XLSX is read from ``sheet`` (the first by default). Cells are
    trimmed and full-width characters folded (see ``normalise_text``); fully empty rows are
    skipped but row numbers stay the spreadsheet's own.

    With ``columns`` (canonical name → header aliases, in order of preference), the header is
    the first of the first few non-empty rows that names every ``required`` column (title rows
    above it are skipped), values are keyed by canonical name and other columns are ignored.
    A missing required column raises InputError naming the file and the column.
    """
    p = Path(path)
    file = str(path)
    if not p.is_file():
        raise InputError("file not found (找不到文件)", file=file)
    required = list(required)
    rows = [(n, cells) for n, cells in enumerate(_raw_rows(p, file, sheet), start=1)]
    rows = [(n, cells) for n, cells in rows if any(t != "empty" for _, t in cells)]
    if not rows:
        raise InputError("the file is empty (文件为空)", file=file)

    header_index = 0
    mapping: dict[str, int] = {}
    if columns is not None:
        best: tuple[int, int, dict[str, int]] | None = None
        for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
            found = _match_columns([v for v, _ in cells], columns)
            score = sum(1 for r in required if r in found)
            if best is None or (score, len(found)) > (best[1], len(best[2])):
                best = (i, score, found)
            if score == len(required) and found:
                break
        assert best is not None
        header_index, _, mapping = best
    header_number, header_cells = rows[header_index]
    header = [v for v, _ in header_cells]

    if columns is not None:
        missing = [r for r in required if r not in mapping]
        if missing:
            names = "; ".join(" / ".join(dict.fromkeys([r, *columns.get(r, ())])) for r in missing)
            raise _missing_columns_error(file, missing, names)
        labels = {k: header[i] for k, i in mapping.items()}
    else:
        mapping = {h: i for i, h in enumerate(header) if h}
        labels = {}

    out: list[TableRow] = []
    for number, cells in rows[header_index + 1 :]:
        values: dict[str, str] = {}
        types: dict[str, CellType] = {}
        for key, i in mapping.items():
            value, kind = cells[i] if i < len(cells) else ("", "empty")
            values[key] = value
            types[key] = kind
        if columns is not None and all(t == "empty" for t in types.values()):
            continue  # a row with data only in ignored columns
        out.append(TableRow(number, values, types))
    return Table(file=file, header=header, rows=out, header_row=header_number, labels=labels)


def _missing_columns_error(file: str, missing: list[str], names: str) -> InputError:
    return InputError(
        f"missing column(s) {names} (缺少列: {names})", file=file, field=", ".join(missing)
    )


def write_table_xlsx(
    path: str | Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str = "Sheet1",
    widths: Sequence[float] | None = None,
) -> None:
    """Write one sheet: a bold frozen header and the rows as given (numbers stay numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths or (), start=1):
        ws.column_dimensions[_column_letter(i)].width = width
    wb.save(path)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    letter: str = get_column_letter(index)
    return letter
