"""Results and marks as XLSX: the list for public posting (公示), the chief judge's marks file."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from db.files.tables import save_workbook
from judging.decimals import to_decimal

STATUS_TEXT = {
    "ok": "",
    "absent": "缺考",
    "withdrawn": "弃权",
    "terminated": "终止比赛",
    "disqualified": "取消资格",
}
"""How each status of docs/formats.md#results is printed; ``ok`` is left blank."""

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_UNVERIFIED_FILL = PatternFill("solid", fgColor="FFF2CC")

# (key in the results row, Chinese heading, column width, kind)
_RESULT_COLUMNS: list[tuple[str, str, float, str]] = [
    ("place", "名次", 6, "int"),
    ("station", "工位号", 7, "text"),
    ("candidate", "参赛编号", 12, "text"),
    ("name", "姓名", 10, "text"),
    ("unit", "单位", 30, "wrap"),
    ("theory", "理论成绩", 9, "score"),
    ("practical", "实操成绩", 9, "score"),
    ("total", "总成绩", 9, "score"),
    ("time_used_s", "用时", 9, "time"),
    ("status", "状态", 8, "status"),
    ("award", "奖项", 9, "text"),
    ("title", "称号", 18, "wrap"),
    ("grade", "等级", 8, "text"),
    ("scale", "标准分", 7, "int"),
]


def _natural(text: object) -> tuple[int, int, str]:
    """Sort key for station and candidate numbers: numeric where they are numbers."""
    s = "" if text is None else str(text)
    digits = re.sub(r"\D", "", s)
    return (0, int(digits), s) if digits else (1, 0, s)


def _decimal(value: object) -> Decimal | None:
    try:
        return None if value is None or value == "" else to_decimal(value)
    except ValueError:
        return None


def _places_format(values: Sequence[object]) -> str:
    """A number format with as many decimals as the decimal strings carry (``90.28`` → 0.00)."""
    places = 0
    for v in values:
        if isinstance(v, str) and "." in v:
            places = max(places, len(v.split(".", 1)[1]))
        elif isinstance(v, Decimal):
            exponent = v.as_tuple().exponent
            if isinstance(exponent, int):
                places = max(places, -exponent)
    return "0." + "0" * places if places else "0"


def _setup_print(ws: Worksheet, header_row: int, landscape: bool) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.8
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.oddFooter.center.text = "第 &P 页, 共 &N 页"


def _order_results(rows: Sequence[Mapping[str, Any]], decrypted: bool) -> list[Mapping[str, Any]]:
    if not decrypted:
        return sorted(rows, key=lambda r: _natural(r.get("station")))
    big = 1 << 30
    return sorted(rows, key=lambda r: (
        r.get("place") if isinstance(r.get("place"), int) else big,
        str(r.get("name") or ""),
        _natural(r.get("station")),
    ))


def write_results_xlsx(
    results: Mapping[str, Any],
    path: str | Path,
    *,
    competition_name: str,
    event_name: str,
    decrypted: bool,
    date: _dt.date | None = None,
) -> None:
    """Write the results of one event (docs/formats.md#results) laid out for public posting.

    Three title rows (competition; event and publication; snapshot, date and state), a frozen
    header with Chinese column names, numbers stored as numbers with the event's decimals, time
    used as h:mm:ss, A4 landscape fitted to the page width with the header repeated on every
    page. Before decryption the rows go by workstation and the name and unit columns are left
    out (they would be empty); after it, by place, then name. ``标准分`` appears only when the
    rows carry a WorldSkills ``scale``.
    """
    rows = list(results.get("rows", []))
    snapshot = results.get("snapshot") or 0
    locked = bool(results.get("locked"))
    columns = [c for c in _RESULT_COLUMNS
               if (decrypted or c[0] not in ("name", "unit"))
               and (c[0] != "scale" or any("scale" in r for r in rows))]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "成绩公示"
    width = len(columns)
    last = get_column_letter(width)

    publication = f"第{snapshot}次公示 (公示编号 {snapshot})" if snapshot else "草稿, 未公示"
    state = "已锁定" if locked else "未锁定, 仅供核对"
    state += ", 已解密" if decrypted else ", 未解密 (仅显示工位号和参赛编号)"
    when = (date or _dt.date.today()).isoformat()
    titles = [
        (competition_name, 16),
        (f"{event_name} 成绩{'公示' if snapshot else '表'}", 14),
        (f"{publication} · 日期 {when} · {state}", 10),
    ]
    for i, (text, size) in enumerate(titles, start=1):
        ws.merge_cells(f"A{i}:{last}{i}")
        cell = ws.cell(i, 1, text)
        cell.font = Font(name=TITLE_FONT if i < 3 else BODY_FONT, size=size, bold=i < 3)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.row_dimensions[i].height = size * 1.8
    header_row = len(titles) + 1
    for j, (_, heading, col_width, _) in enumerate(columns, start=1):
        cell = ws.cell(header_row, j, heading)
        cell.font = Font(name=BODY_FONT, bold=True, size=11)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = col_width

    formats = {key: _places_format([r.get(key) for r in rows])
               for key, _, _, kind in columns if kind == "score"}
    for i, row in enumerate(_order_results(rows, decrypted), start=header_row + 1):
        for j, (key, _, _, kind) in enumerate(columns, start=1):
            value = row.get(key)
            cell = ws.cell(i, j)
            cell.border = _BORDER
            cell.font = Font(name=BODY_FONT, size=10)
            cell.alignment = Alignment(horizontal="center", vertical="center")
            if value is None:
                continue
            if kind == "score":
                number = _decimal(value)
                cell.value = number if number is not None else str(value)
                cell.number_format = formats[key]
            elif kind == "int":
                cell.value = int(value) if isinstance(value, (int, str)) and str(value).isdigit() \
                    else value
            elif kind == "time":
                cell.value = _dt.timedelta(seconds=int(value))
                cell.number_format = "[h]:mm:ss"
            elif kind == "status":
                cell.value = STATUS_TEXT.get(str(value), str(value))
            else:
                cell.value = str(value)
                cell.number_format = "@"
                if kind == "wrap":
                    cell.alignment = Alignment(horizontal="left", vertical="center",
                                               wrap_text=True)
    end = header_row + len(rows)
    ws.cell(end + 2, 1, "裁判长签字:                    监督仲裁签字:                    "
                        "公示期内如有异议, 请于规定时间内书面提出。"
            ).font = Font(name=BODY_FONT, size=10)
    ws.merge_cells(f"A{end + 2}:{last}{end + 2}")
    ws.freeze_panes = f"A{header_row + 1}"
    _setup_print(ws, header_row, landscape=width > 10)
    ws.print_area = f"A1:{last}{end + 2}"
    save_workbook(wb, path)


_MARK_COLUMNS: list[tuple[str, str, float]] = [
    ("station", "工位号", 7),
    ("module", "模块", 6),
    ("aspect", "评分项", 8),
    ("kind", "类型", 6),
    ("judge", "裁判", 10),
    ("score", "分数", 8),
    ("measured", "实测值", 10),
    ("points", "折算分", 8),
    ("mark", "得分", 8),
    ("verified", "已核对", 7),
    ("typed_by", "录入人", 10),
    ("verified_by", "核对人", 10),
]


_NUMBERS = ("score", "measured", "points", "mark")


def _number_or_text(value: object) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return value
    number = _decimal(value)
    return number if number is not None else str(value)


def _put_number(cell: Any, value: object) -> None:
    """A typed value as a number showing the decimals it was typed with (40.030 stays 40.030)."""
    cell.value = _number_or_text(value)
    if isinstance(cell.value, Decimal):
        cell.number_format = _places_format([cell.value])


def write_marks_xlsx(
    marks_rows: Sequence[Mapping[str, Any]], path: str | Path, *, title: str | None = None
) -> None:
    """Write every mark for the chief judge's file: one long sheet plus one matrix per module.

    Each input row is one judge's entry: ``station, module, aspect, kind, judge, score,
    measured, points, mark, verified, typed_by, verified_by`` (``points``: the entry's points,
    e.g. a measured value through its bands; optional); ``mark`` is the aspect's mark (the same
    on every row of that station and aspect; where the rows disagree the matrix leaves it
    blank). ``明细`` lists every entry, filterable. Each module sheet has a row per station and,
    per aspect, a column per judge (the score, or the measured value) and the aspect's mark;
    unverified entries are shaded yellow.
    """
    rows = sorted(marks_rows, key=lambda r: (_natural(r.get("station")), str(r.get("module")),
                                              _natural(r.get("aspect")), str(r.get("judge"))))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "明细"
    first = 1
    if title:
        ws.cell(1, 1, title).font = Font(name=TITLE_FONT, size=14, bold=True)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(_MARK_COLUMNS))
        first = 2
    for j, (_, heading, width) in enumerate(_MARK_COLUMNS, start=1):
        cell = ws.cell(first, j, heading)
        cell.font = Font(name=BODY_FONT, bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        ws.column_dimensions[get_column_letter(j)].width = width
    for i, row in enumerate(rows, start=first + 1):
        for j, (key, _, _) in enumerate(_MARK_COLUMNS, start=1):
            value = row.get(key)
            if key == "verified":
                value = "是" if value else "否"
            elif value is not None and key not in _NUMBERS:
                value = str(value)
            cell = ws.cell(i, j)
            if key in _NUMBERS:
                _put_number(cell, value)
            else:
                cell.value = value
            cell.border = _BORDER
            if key in ("station", "aspect", "judge", "module"):
                cell.number_format = "@"
            if not row.get("verified"):
                cell.fill = _UNVERIFIED_FILL
    ws.freeze_panes = ws.cell(first + 1, 1).coordinate
    last_row = max(first + len(rows), first + 1)
    ws.auto_filter.ref = f"A{first}:{get_column_letter(len(_MARK_COLUMNS))}{last_row}"
    _setup_print(ws, first, landscape=True)

    modules: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        modules.setdefault(str(row.get("module")), []).append(row)
    for module, module_rows in modules.items():
        _write_module_matrix(wb, module, module_rows)
    save_workbook(wb, path)


def _write_module_matrix(wb: Workbook, module: str, rows: Sequence[Mapping[str, Any]]) -> None:
    ws = wb.create_sheet(re.sub(r"[\[\]:*?/\\]", "_", f"模块{module}")[:31])
    aspects: dict[str, list[str]] = {}
    for row in rows:
        judges = aspects.setdefault(str(row.get("aspect")), [])
        if str(row.get("judge")) not in judges:
            judges.append(str(row.get("judge")))
    ordered = sorted(aspects, key=_natural)
    ws.cell(1, 1, "工位号")
    ws.merge_cells(start_row=1, start_column=1, end_row=2, end_column=1)
    column = 2
    positions: dict[tuple[str, str], int] = {}
    mark_column: dict[str, int] = {}
    for aspect in ordered:
        judges = aspects[aspect]
        ws.cell(1, column, aspect)
        ws.merge_cells(start_row=1, start_column=column, end_row=1,
                       end_column=column + len(judges))
        for k, judge in enumerate(judges):
            ws.cell(2, column + k, judge)
            positions[(aspect, judge)] = column + k
        ws.cell(2, column + len(judges), "得分")
        mark_column[aspect] = column + len(judges)
        column += len(judges) + 1
    for r in (1, 2):
        for c in range(1, column):
            cell = ws.cell(r, c)
            cell.font = Font(name=BODY_FONT, bold=True)
            cell.fill = _HEADER_FILL
            cell.border = _BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center")
    stations = sorted({str(r.get("station")) for r in rows}, key=_natural)
    line = {s: 3 + i for i, s in enumerate(stations)}
    for s, i in line.items():
        cell = ws.cell(i, 1, s)
        cell.number_format = "@"
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center")
    marks: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        station, aspect = str(row.get("station")), str(row.get("aspect"))
        value = row.get("measured") if row.get("measured") not in (None, "") else row.get("score")
        cell = ws.cell(line[station], positions[(aspect, str(row.get("judge")))])
        _put_number(cell, value)
        cell.border = _BORDER
        if not row.get("verified"):
            cell.fill = _UNVERIFIED_FILL
        if row.get("mark") not in (None, ""):
            marks.setdefault((station, aspect), set()).add(str(row.get("mark")))
    for (station, aspect), values in marks.items():
        if len(values) == 1:
            cell = ws.cell(line[station], mark_column[aspect])
            _put_number(cell, values.pop())
            cell.font = Font(name=BODY_FONT, bold=True)
    for c in range(2, column):
        ws.column_dimensions[get_column_letter(c)].width = 8
        for i in line.values():
            ws.cell(i, c).border = _BORDER
    ws.freeze_panes = "B3"
    _setup_print(ws, 2, landscape=True)
    ws.print_title_rows = "1:2"
    ws.print_title_cols = "A:A"
    ws.oddHeader.center.text = f"模块 {module} 评分明细 (黄色: 未核对)"
