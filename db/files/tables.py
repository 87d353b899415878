"""Reading CSV and XLSX tables as organisers save them, and writing simple XLSX tables."""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from judging.decimals import to_decimal
from judging.errors import InputError, InputErrors

CellType = Literal["text", "number", "date", "time", "bool", "empty"]

HEADER_SEARCH_ROWS = 10
"""A header may sit below a few title rows; it is looked for in this many non-empty rows."""

_SPACES = re.compile(r"(?:[^\S\u3000]|[\u200b\ufeff])+")
# runs of spaces, tabs and line breaks; a full-width space (U+3000) inside a name is kept as typed

_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                        r"\u2066-\u2069\u2028\u2029]")
"""Control characters and bidirectional overrides: refused in any cell that is read."""

TOTAL_LABEL = re.compile(r"^(合计|总计|总分|小计|共计|total|subtotal|sum)[:：]?$", re.IGNORECASE)
"""A 合计 (total) label, often merged across the first columns of its row."""

MAX_PROBLEMS = 200
"""A file refused for more problems than this lists the first ones and says how many more."""


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
    sheet: str = ""

    def label(self, key: str) -> str:
        """The header text the file used for a canonical column (the key itself if absent)."""
        return self.labels.get(key, key)

    def has(self, key: str) -> bool:
        """True when the file has this (canonical) column."""
        return key in self.labels if self.labels else key in self.header


def normalise_text(text: str) -> str:
    """Trim spaces and turn full-width digits, letters and punctuation into their ASCII forms.

    Only characters whose NFKC form is plain ASCII are changed, so Chinese text is left alone
    (apart from full-width punctuation such as ``（`` becoming ``(``). A full-width space inside
    the text (``王　伟``) is kept as typed; at either end it is trimmed like any space.
    """
    out = []
    for ch in text:
        if ch.isascii() or ch == "\u3000":
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
    """A spreadsheet number as the decimal the cell shows: ``80.300000000000011`` is ``80.3``.

    A fractional float is read to 15 significant digits, the precision Excel and WPS show and
    keep (so binary noise such as ``0.1 + 0.2`` reads ``0.3``); integral values lose the ``.0``,
    keep every digit (an ID number turned into a number is recognised as such elsewhere) and
    never use exponents.
    """
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value == int(value):
            dec = Decimal(repr(value))  # the shortest repr: 2.3020219990816378e17 keeps its 80
        else:
            dec = Decimal(format(value, ".15g"))
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


_HMS = re.compile(r"^(\d{1,3}):([0-5]?\d)(?::([0-5]?\d))?$")


def parse_seconds(text: str) -> int:
    """Whole seconds from a time as people type it: ``12852``, ``3:34:12``, ``3:34`` (h:mm),
    or an Excel time serial (a fraction of a day below 1, e.g. ``0.14875``). ValueError else."""
    s = normalise_text(text).replace("：", ":")
    m = _HMS.match(s)
    if m:
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        return h * 3600 + mi * 60 + sec
    if s.isdigit():
        return int(s)
    try:
        value = Decimal(s)
    except ArithmeticError:
        raise ValueError(s) from None
    if value.is_finite() and 0 < value < 1:  # a serial: the day's fraction
        seconds = value * 86400
        whole = int(seconds.to_integral_value())
        if abs(seconds - whole) < Decimal("0.01"):
            return whole
    raise ValueError(s)


def hms(seconds: int) -> str:
    """Seconds as ``h:mm:ss`` (``12852`` → ``3:34:12``)."""
    h, rest = divmod(int(seconds), 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}"


def _cell(value: object) -> tuple[str, CellType]:
    if value is None:
        return "", "empty"
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), "bool"
    if isinstance(value, (int, float, Decimal)):
        return number_text(value), "number"
    if isinstance(value, _dt.datetime):
        if value.date() in _TIME_BASES:  # a time of day stored as a date-time
            return hms(value.hour * 3600 + value.minute * 60 + value.second), "time"
        if value.time() == _dt.time(0, 0):
            return value.date().isoformat(), "date"
        return value.isoformat(sep=" "), "date"
    if isinstance(value, _dt.time):
        return hms(value.hour * 3600 + value.minute * 60 + value.second), "time"
    if isinstance(value, _dt.date):
        return value.isoformat(), "date"
    if isinstance(value, _dt.timedelta):
        return hms(int(value.total_seconds())), "time"
    text = normalise_text(str(value))
    return text, ("text" if text else "empty")


_TIME_BASES = {_dt.date(1899, 12, 30), _dt.date(1899, 12, 31), _dt.date(1900, 1, 1)}


@dataclass
class _Sheet:
    name: str
    index: int
    rows: list[list[tuple[str, CellType]]]
    merges: list[tuple[int, int, int, int]]


def _load_sheets(path: Path, file: str, sheet: int | str | None
                 ) -> Iterator[tuple[_Sheet, bool]]:
    """The sheets to look at, in order, each with True when it is the one asked for by name."""
    from db.files.readers import csv_rows, kind_of, workbook_sheets

    kind = kind_of(path, file)
    if kind == "text":
        rows = [[_cell(c) for c in cells] for cells in csv_rows(path, file)]
        yield _Sheet("", 0, rows, []), True
        return
    names, load = workbook_sheets(path, file, kind)
    if isinstance(sheet, str):
        if sheet not in names:
            raise InputError(f"the workbook has no sheet “{sheet}” (没有该工作表)", file=file)
        order = [names.index(sheet)]
    elif isinstance(sheet, int):
        if sheet >= len(names):
            raise InputError(f"the workbook has no sheet {sheet + 1} (没有该工作表)", file=file)
        order = [sheet]
    else:
        order = list(range(len(names)))
    for i in order:
        raw = load(i)
        yield _Sheet(raw.name, i, [[_cell(v) for v in r] for r in raw.rows], raw.merges), True


def _fill_merges(sheet: _Sheet) -> None:
    """Every cell of a merged range takes the range's top-left value, as a person reads it."""
    rows = sheet.rows
    for r0, c0, r1, c1 in sheet.merges:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        if value[1] == "empty":
            continue
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([("", "empty")] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if row[c][1] == "empty":
                    row[c] = value


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


def _a1(row: int, col: int) -> str:
    return f"{_column_letter(col + 1)}{row + 1}"


def _header_search(rows: list[tuple[int, list[tuple[str, CellType]]]],
                   columns: Mapping[str, Sequence[str]], required: list[str]
                   ) -> tuple[int, int, dict[str, int]]:
    best: tuple[int, int, dict[str, int]] | None = None
    for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = _match_columns([v for v, _ in cells], columns)
        score = sum(1 for r in required if r in found)
        if best is None or (score, len(found)) > (best[1], len(best[2])):
            best = (i, score, found)
        if score == len(required) and found:
            break
    assert best is not None
    return best


def read_table(
    path: str | Path,
    *,
    sheet: int | str | None = None,
    columns: Mapping[str, Sequence[str]] | None = None,
    required: Iterable[str] = (),
) -> Table:
    """Read a spreadsheet or CSV file (by its content, not its extension) into a ``Table``.

    CSV may be UTF-8 (with or without BOM), GBK/GB18030 or UTF-16, comma-, tab- or
    semicolon-separated. ``.xlsx``, ``.xls``, ``.et`` and ``.ods`` are read through
    db/files/readers.py. Without ``sheet``, the sheet is the first whose header names every
    ``required`` column (the first sheet when no columns are given); a sheet other than the
    first is named in ``Table.file`` and so in every message. Merged cells are filled with their
    top-left value. Cells are trimmed and full-width characters folded (see ``normalise_text``);
    fully empty rows are skipped but row numbers stay the spreadsheet's own.

    With ``columns`` (canonical name → header aliases, in order of preference), the header is
    the first of the first few non-empty rows that names every ``required`` column (title rows
    above it are skipped; a header of two rows whose cells are merged down is read as one),
    values are keyed by canonical name and other columns are ignored. A missing required column
    raises InputError naming the file and the column; a merged range across two read columns
    of a data row, and a control or bidirectional-override character, raise InputErrors naming
    the row and field.
    """
    p = Path(path)
    file = str(path)
    if not p.is_file():
        raise InputError("file not found (找不到文件)", file=file)
    required = list(required)
    first_failure: InputError | None = None
    seen_sheets: list[str] = []
    for candidate, _ in _load_sheets(p, file, sheet):
        try:
            table = _read_sheet(candidate, file, columns, required,
                                named=candidate.index > 0)
        except InputError as exc:
            if sheet is not None or columns is None:
                raise
            first_failure = first_failure or exc
            seen_sheets.append(candidate.name)
            continue
        return table
    assert first_failure is not None
    if len(seen_sheets) > 1:
        listed = ", ".join(f"“{n}”" for n in seen_sheets)
        first_failure = InputError(f"{first_failure.detail}; no sheet has these columns "
                                   f"(sheets read: {listed}) (所有工作表都没有这些列)",
                                   file=file, field=first_failure.field)
    raise first_failure


def _read_sheet(sheet: _Sheet, file: str, columns: Mapping[str, Sequence[str]] | None,
                required: list[str], *, named: bool) -> Table:
    if named:
        file = f"{file}, sheet “{sheet.name}” (工作表“{sheet.name}”)"
    _fill_merges(sheet)
    rows = [(n, cells) for n, cells in enumerate(sheet.rows, start=1)
            if any(t != "empty" for _, t in cells)]
    if not rows:
        raise InputError("the file is empty (文件为空)", file=file)

    header_index = 0
    mapping: dict[str, int] = {}
    if columns is not None:
        header_index, _, mapping = _header_search(rows, columns, required)
    header_number, header_cells = rows[header_index]
    header = [v for v, _ in header_cells]
    data_from = header_index + 1
    if columns is not None and data_from < len(rows):
        # a header of two rows: cells merged down from the header row into the next one
        below_number, below = rows[data_from]
        if below_number == header_number + 1 and any(
                r0 <= header_number - 1 < r1 for r0, _, r1, _ in sheet.merges):
            two = _match_columns([v for v, _ in below], columns)
            if sum(1 for r in required if r in two) >= sum(1 for r in required if r in mapping):
                mapping, header, data_from = two, [v for v, _ in below], data_from + 1
                header_number = below_number

    if columns is not None:
        missing = [r for r in required if r not in mapping]
        if missing:
            names = "; ".join(" / ".join(dict.fromkeys([r, *columns.get(r, ())])) for r in missing)
            raise _missing_columns_error(file, missing, names)
        labels = {k: header[i] for k, i in mapping.items()}
    else:
        mapping = {h: i for i, h in enumerate(header) if h}
        labels = {}

    problems: list[InputError] = []
    by_index = {i: k for k, i in mapping.items()}
    for r0, c0, r1, c1 in sheet.merges:
        if r0 + 1 <= header_number:
            continue
        keys = [by_index[c] for c in range(c0, c1 + 1) if c in by_index]
        value = sheet.rows[r0][c0][0] if c0 < len(sheet.rows[r0]) else ""
        if len(keys) > 1 and not TOTAL_LABEL.match(re.sub(r"\s+", "", value)):
            names = ", ".join(labels.get(k, k) for k in keys)
            problems.append(InputError(
                f"cells {_a1(r0, c0)}:{_a1(r1, c1)} are merged across the columns {names}: it "
                f"cannot be told which column the value belongs to; unmerge them "
                f"(单元格{_a1(r0, c0)}:{_a1(r1, c1)}跨列合并, 无法判断属于哪一列, 请取消合并)",
                file=file, row=r0 + 1, field=labels.get(keys[0], keys[0])))

    out: list[TableRow] = []
    for number, cells in rows[data_from:]:
        values: dict[str, str] = {}
        types: dict[str, CellType] = {}
        for key, i in mapping.items():
            value, kind = cells[i] if i < len(cells) else ("", "empty")
            values[key] = value
            types[key] = kind
            bad = _FORBIDDEN.search(value)
            if bad and len(problems) < MAX_PROBLEMS:
                problems.append(InputError(
                    f"the cell holds the invisible control character U+{ord(bad.group()):04X}; "
                    f"retype it (单元格含有不可见的控制字符, 请重新输入)",
                    file=file, row=number, field=labels.get(key, key)))
        if columns is not None and all(t == "empty" for t in types.values()):
            continue  # a row with data only in ignored columns
        out.append(TableRow(number, values, types))
    if problems:
        raise InputErrors(problems)
    return Table(file=file, header=header, rows=out, header_row=header_number, labels=labels,
                 sheet=sheet.name)


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
    save_workbook(wb, path)


def save_workbook(wb: Any, path: str | Path) -> None:
    """Save an openpyxl workbook so that no cell runs: every formula cell becomes text.

    openpyxl takes any string starting with ``=`` for a formula; a competitor named
    ``=HYPERLINK(…)`` or ``=cmd|' /C calc'!A0`` would be written as a live formula. The
    product writes no formulas of its own, so every such cell is stored as a string cell with
    its value kept (OWASP, CSV/formula injection).
    """
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    wb.save(path)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    letter: str = get_column_letter(index)
    return letter
