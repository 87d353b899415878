"""Marking schemes as spreadsheets, in and out: our one-row-per-aspect layout and WorldSkills CIS.

Our layout (first sheet; Chinese or English headers, any order)::

    模块 module | 模块名称 module_name | 评分项 aspect | 类型 kind | 配分 max | 评分内容 text |
    名义值 nominal | 公差带 bands | 裁判人数 judges | 去掉最高最低 trim | 分差上限 spread_limit |
    评分等级 scale

A blank module cell continues the module above (as merged cells read). ``kind`` is M, J, P or D,
or 测量/客观 (M), 评价/主观 (J), 评分/主观评分 (P), 扣分/安全文明 (D). ``bands`` is
``tolerance:points`` pairs separated by ``;`` (``0.02:8; 0.04:4``). ``scale`` is only checked:
a J aspect must be scored 0–3.

The WorldSkills CIS import layout (``Sub Criterion ID``, ``Sub Criterion Name or Description``,
``Aspect Type M = Meas J = Judg``, ``Aspect - Description``, ``Judg Score``, ``Extra Aspect
Description``, ``Requirement or Nominal Size``, ``Max Mark``) is recognised by its headers: each
sub criterion becomes a module (its id and name), each aspect row an aspect numbered within it
(``A1.1``, ``A1.2`` …) with the requirement appended to its text, and the ``Judg Score`` rows
under a J aspect must be exactly 0, 1, 2 and 3. Type O (the old "objective") is read as M; S
(the old "subjective") is refused. Criteria (A, B …) and WSSS sections are not kept.

The result is the dict of docs/formats.md as ``tomllib.loads(..., parse_float=Decimal)`` would give
it: ``{"module": [{"id", "name", "aspect": [{"id", "kind", "max", "text", ...}]}]}``, numbers as
int or Decimal, only the keys the sheet gives (defaults stay the engine's).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from db.files.tables import Table, TableRow, parse_decimal, read_table, save_workbook
from judging.errors import InputError, InputErrors

COLUMNS: dict[str, list[str]] = {
    "module": ["模块", "模块编号", "模块号", "模块代码", "评分模块", "module id"],
    "module_name": ["模块名称", "模块名", "考核项目", "考核模块", "项目名称", "module name"],
    "seq": ["序号", "编号", "no"],
    "aspect": ["评分项", "评分项编号", "评分项号", "评分点", "评分点编号", "aspect id"],
    "kind": ["类型", "评分类型", "评分方式", "方式", "type", "aspect kind"],
    "max": ["配分", "分值", "满分", "最高分", "max mark", "maximum", "max marks"],
    "criteria": ["评分标准", "评分细则", "扣分标准", "评分方法", "criteria"],
    "text": ["评分内容", "考核内容及要求", "考核内容", "内容", "评分要求", "技术要求", "考核要求",
             "考核要点", "描述", "description"],
    "nominal": ["名义值", "基本尺寸", "公称尺寸", "标准值", "nominal size"],
    "bands": ["公差带", "评分区间", "公差分档", "误差分档", "tolerance bands"],
    "judges": ["裁判人数", "评分人数", "裁判数"],
    "trim": ["去掉最高最低", "去掉最高最低分", "去尾"],
    "spread_limit": ["分差上限", "最大分差", "spread limit"],
    "scale": ["评分等级", "分值范围", "打分范围", "score scale", "judgement scale"],
}
"""Accepted header names of our layout, in order of preference."""

CIS_COLUMNS: dict[str, list[str]] = {
    "sub_id": ["sub criterion id", "sub criteria id", "subcriterion id", "sub-criterion id"],
    "sub_name": [
        "sub criterion name or description", "sub criteria name or description",
        "sub criterion name", "sub criteria name",
    ],
    "type": ["aspect type"],
    "desc": ["aspect - description", "aspect description"],
    "judg_score": ["judg score", "judgement score", "judgment score"],
    "extra": ["extra aspect description"],
    "requirement": ["requirement or nominal size", "requirement"],
    "max": ["max mark", "max marks", "maximum mark"],
}
"""Headers of the WorldSkills CIS marking-scheme import sheet."""

KINDS: dict[str, str] = {
    "m": "M", "测量": "M", "客观": "M", "测量/客观": "M", "客观评分": "M", "measurement": "M",
    "j": "J", "评价": "J", "主观": "J", "评价/主观": "J", "judgement": "J", "judgment": "J",
    "p": "P", "评分": "P", "主观评分": "P", "评分/主观": "P", "panel": "P",
    "d": "D", "扣分": "D", "安全文明": "D", "安全文明生产": "D", "deduction": "D",
}
"""Kind spellings accepted in the kind column (case-folded)."""

HEADER = ["模块", "模块名称", "评分项", "类型", "配分", "评分内容", "名义值", "公差带",
          "裁判人数", "去掉最高最低", "分差上限"]
KEYS = ["module", "module_name", "aspect", "kind", "max", "text", "nominal", "bands",
        "judges", "trim", "spread_limit"]


@dataclass
class _Item:
    """An aspect being read, with the row it came from and what only validation needs."""

    row: int
    module: str
    module_name: str
    aspect: dict[str, Any]
    scale: list[int] | None = None
    scale_key: str = "scale"


class _Problems:
    def __init__(self, table: Table) -> None:
        self.table = table
        self.errors: list[InputError] = []

    def add(self, message: str, row: int | None, key: str) -> None:
        label = self.table.label(key)
        self.errors.append(InputError(message, file=self.table.file, row=row, field=label))


def _number(text: str) -> int | Decimal:
    """Like TOML with parse_float=Decimal: an integer stays int, anything else is Decimal."""
    value = parse_decimal(text)
    if "." not in text and "e" not in text.lower() and value == value.to_integral_value():
        return int(value)
    return value


def parse_bands(text: str) -> list[list[int | Decimal]]:
    """``0.02:8; 0.04:4`` (or ``±0.02=8，±0.04=4`` or ``[[0.02, 8], [0.04, 4]]``) → pairs."""
    s = text.strip()
    if s.startswith("["):
        numbers = re.findall(r"-?[0-9]+(?:\.[0-9]+)?", s)
        if len(numbers) % 2:
            raise ValueError(f"bands “{text}”: expected pairs [tolerance, points] (公差带格式错误)")
        return [[_number(numbers[i]), _number(numbers[i + 1])] for i in range(0, len(numbers), 2)]
    bands: list[list[int | Decimal]] = []
    for part in re.split(r"[;；,，\n]+", s):
        part = part.strip()
        if not part:
            continue
        pieces = re.split(r"\s*(?::|：|=|->|→)\s*", part.replace("±", ""))
        if len(pieces) != 2:
            raise ValueError(
                f"band “{part}”: expected tolerance:points, e.g. 0.02:8 (公差带应写成 公差:得分)"
            )
        bands.append([_number(pieces[0]), _number(pieces[1])])
    return bands


def _parse_scale(text: str) -> list[int] | None:
    numbers = re.findall(r"[0-9]+", text)
    if not numbers:
        return None
    if len(numbers) == 2 and re.search(r"[-–—~～至到]", text):
        lo, hi = int(numbers[0]), int(numbers[1])
        return list(range(lo, hi + 1))
    return sorted({int(n) for n in numbers})


def _check_aspect(item: _Item, problems: _Problems) -> None:
    """Rules of one aspect, as docs/formats.md gives them, named by row."""
    a, row = item.aspect, item.row
    kind, mx = a["kind"], a.get("max")
    if kind == "P":
        judges, trim = a.get("judges", 5), a.get("trim", 1)
        if judges <= 2 * trim:
            problems.add(f"a P aspect needs more than 2 × trim = {2 * trim} judges, has {judges} "
                         f"(去掉最高最低各{trim}个需要多于{2 * trim}名裁判)", row, "judges")
    for key, only in (("trim", "P"), ("spread_limit", "J"), ("nominal", "M"), ("bands", "M")):
        if key in a and kind != only:
            problems.add(f"only {only} aspects have {key}, this one is {kind} "
                         f"(只有{only}类评分项可填写此列)", row, key)
    if kind == "J" and item.scale is not None and item.scale != [0, 1, 2, 3]:
        shown = ", ".join(str(s) for s in item.scale)
        problems.add(f"a J aspect is scored 0, 1, 2, 3; this one has {shown} "
                     f"(评价类评分项只能打0–3分)", row, item.scale_key)
    if "nominal" in a and "bands" not in a and kind == "M":
        problems.add("a nominal value needs tolerance bands (填写了名义值但没有公差带)", row,
                     "nominal")
    bands = a.get("bands")
    if kind == "M" and bands and isinstance(mx, (int, Decimal)):
        previous: list[int | Decimal] | None = None
        for tol, pts in bands:
            if tol < 0:
                problems.add(f"band {tol}:{pts}: a tolerance cannot be negative (公差不能为负)",
                             row, "bands")
            if not 0 <= pts <= mx:
                problems.add(f"band {tol}:{pts}: points must be within 0..{mx} "
                             f"(得分超出0到{mx})", row, "bands")
            if previous is not None:
                if tol == previous[0]:
                    problems.add(f"bands overlap: tolerance {tol} appears twice (公差带重叠)",
                                 row, "bands")
                elif tol < previous[0]:
                    problems.add(f"bands out of order: {previous[0]} before {tol}; list the "
                                 f"narrowest tolerance first (公差带应从小到大排列)", row, "bands")
                elif pts > previous[1]:
                    problems.add(f"a wider tolerance {tol} gives more points ({pts}) than "
                                 f"{previous[0]} ({previous[1]}) (公差越大得分不应越高)",
                                 row, "bands")
            previous = [tol, pts]


def _check_scheme(items: list[_Item], problems: _Problems) -> None:
    """Rules across rows: unique aspect ids, M/J/P maxima summing to 100."""
    rows_by_id: dict[str, list[int]] = {}
    for item in items:
        rows_by_id.setdefault(item.aspect["id"], []).append(item.row)
    for aspect_id, rows in rows_by_id.items():
        if len(rows) > 1:
            for r in rows:
                others = ", ".join(str(o) for o in rows if o != r)
                problems.add(f"aspect id {aspect_id} is used again in row {others} "
                             f"(评分项编号{aspect_id}重复, 见第{others}行)", r, "aspect")
    total = sum((Decimal(i.aspect["max"]) for i in items
                 if i.aspect["kind"] in ("M", "J", "P") and "max" in i.aspect), Decimal(0))
    if items and total != 100:
        problems.add(f"the maxima of the M, J and P aspects add up to {total}, not 100 "
                     f"(测量、评价、评分类配分合计为{total}, 应为100)", None, "max")


def _assemble(items: list[_Item]) -> dict[str, Any]:
    modules: dict[str, dict[str, Any]] = {}
    for item in items:
        module = modules.setdefault(
            item.module, {"id": item.module, "name": item.module_name or item.module, "aspect": []}
        )
        module["aspect"].append(item.aspect)
    return {"module": list(modules.values())}


def _our_layout(table: Table, problems: _Problems) -> tuple[list[_Item], list[tuple[int, str]]]:
    items: list[_Item] = []
    totals: list[tuple[int, str]] = []
    module, module_name = "", ""
    for row in table.rows:
        if _total_row(row, ("seq", "module", "module_name", "aspect", "text")):
            if not _subtotal(row):
                totals.append((row.number, row.get("max")))
            continue
        if row.get("module") and row.get("module") != module:
            module, module_name = row.get("module"), row.get("module_name")
        elif row.get("module_name") and not module_name:
            module_name = row.get("module_name")
        if not module:
            problems.add("no module for this aspect (缺少模块编号)", row.number, "module")
            continue
        item = _read_row(table, row, module, module_name, problems)
        if item is not None:
            items.append(item)
    return items, totals


def _read_row(
    table: Table, row: TableRow, module: str, module_name: str, problems: _Problems
) -> _Item | None:
    n = row.number
    aspect_id = row.get("aspect")
    if not aspect_id:
        problems.add("the aspect id is empty (评分项编号为空)", n, "aspect")
        return None
    raw_kind = row.get("kind")
    kind = KINDS.get(raw_kind.casefold().replace(" ", ""))
    if kind is None:
        problems.add(f"unknown kind “{raw_kind}”; use M, J, P or D (测量, 评价, 评分, 扣分) "
                     f"(评分类型“{raw_kind}”无法识别)", n, "kind")
        return None
    aspect: dict[str, Any] = {"id": aspect_id, "kind": kind}
    ok = True
    try:
        mx = _number(row.get("max"))
        if mx <= 0:
            raise ValueError(f"the maximum must be above 0, not {mx} (配分应大于0)")
        aspect["max"] = mx
    except ValueError as exc:
        problems.add(str(exc) if row.get("max") else "the maximum is empty (配分为空)", n, "max")
        ok = False
    aspect["text"] = _text(row)
    if row.get("nominal"):
        try:
            aspect["nominal"] = _number(row.get("nominal"))
        except ValueError as exc:
            problems.add(str(exc), n, "nominal")
    if row.get("bands"):
        try:
            aspect["bands"] = parse_bands(row.get("bands"))
        except ValueError as exc:
            problems.add(str(exc), n, "bands")
            ok = False
    for key, minimum in (("judges", 1), ("trim", 0), ("spread_limit", 0)):
        if row.get(key):
            try:
                value = _number(row.get(key))
                if not isinstance(value, int) or value < minimum:
                    raise ValueError
                aspect[key] = value
            except ValueError:
                problems.add(f"“{row.get(key)}” is not a whole number ≥ {minimum} "
                             f"(应为不小于{minimum}的整数)", n, key)
                ok = False
    scale = _parse_scale(row.get("scale")) if row.get("scale") else None
    item = _Item(n, module, module_name, aspect, scale)
    if ok:
        _check_aspect(item, problems)
    return item


def _text(row: TableRow) -> str:
    """考核内容及要求, with the 评分标准 beside it when the sheet gives both."""
    text, criteria = row.get("text"), row.get("criteria")
    if text and criteria:
        return f"{text} ({criteria})"
    return text or criteria


_TOTAL = re.compile(r"^(合计|总计|总分|小计|共计|total|subtotal|sum)$", re.IGNORECASE)


def _total_row(row: TableRow, keys: Sequence[str]) -> bool:
    """A 合计 / 小计 row: one of the label cells says so (spaces ignored)."""
    return any(_TOTAL.match(re.sub(r"[\s:：]+", "", row.get(k))) for k in keys if row.get(k))


def _subtotal(row: TableRow) -> bool:
    """A 小计 row: a module's own sum, not checked against the whole scheme."""
    labels = "".join(row.values.values()).casefold()
    return "小计" in labels or "subtotal" in labels


def _check_totals(totals: list[tuple[int, str]], items: list[_Item], problems: _Problems) -> None:
    """A 合计 row's figure must be the sum of the 配分 above it (with or without deductions)."""
    scored = sum((Decimal(i.aspect["max"]) for i in items
                  if i.aspect["kind"] in ("M", "J", "P") and "max" in i.aspect), Decimal(0))
    every = sum((Decimal(i.aspect["max"]) for i in items if "max" in i.aspect), Decimal(0))
    for row, text in totals:
        if not text:
            continue
        try:
            stated = parse_decimal(text)
        except ValueError:
            continue
        if stated not in (scored, every):
            problems.add(f"the 合计 row says {text}, but the 配分 above add up to {scored} "
                         f"(合计行为{text}, 但各项配分之和为{scored})", row, "max")


def _cn_layout(table: Table, problems: _Problems) -> tuple[list[_Item], list[tuple[int, str]]]:
    """The Chinese 评分表: 序号 / 考核项目 / 考核内容及要求 / 配分 / 评分标准.

    考核项目 (merged down its rows, or written once above them) is the module; modules are
    numbered A, B, C … and their aspects A1, A2 … in the order of the sheet; a missing 类型
    column means M (points as typed). 合计 rows are checked, not read as aspects.
    """
    items: list[_Item] = []
    totals: list[tuple[int, str]] = []
    module_ids: dict[str, str] = {}
    counts: dict[str, int] = {}
    current = ""
    for row in table.rows:
        if _total_row(row, ("seq", "module_name", "text", "aspect")):
            if not _subtotal(row):
                totals.append((row.number, row.get("max")))
            continue
        name = row.get("module_name")
        if name and not row.get("text") and not row.get("max"):
            current = name  # a module heading row
            continue
        name = name or current
        if not name:
            problems.add("no 考核项目 (module) for this row (缺少考核项目)", row.number,
                         "module_name")
            continue
        current = name
        module = row.get("module") or module_ids.setdefault(
            name, chr(ord("A") + len(module_ids)) if len(module_ids) < 26
            else f"M{len(module_ids) + 1}")
        module_ids.setdefault(name, module)
        counts[module] = counts.get(module, 0) + 1
        values = dict(row.values)
        values.setdefault("aspect", "")
        if not values["aspect"]:
            values["aspect"] = f"{module}{counts[module]}"
        if not values.get("kind"):
            values["kind"] = "M"
        item = _read_row(table, TableRow(row.number, values, row.types), module, name, problems)
        if item is not None:
            items.append(item)
    return items, totals


def _cis_layout(table: Table, problems: _Problems) -> list[_Item]:
    items: list[_Item] = []
    module, module_name, count = "", "", 0
    current: _Item | None = None
    for row in table.rows:
        n = row.number
        if row.get("sub_id"):
            module, module_name, count = row.get("sub_id"), row.get("sub_name"), 0
            current = None
        raw_type = row.get("type").upper()
        if raw_type:
            current = None
            if not module:
                problems.add("an aspect before any sub criterion (评分项前缺少子标准)", n, "type")
                continue
            kind = {"M": "M", "O": "M", "J": "J"}.get(raw_type)
            if kind is None:
                problems.add(f"aspect type “{raw_type}” is not M or J (评分类型应为M或J)", n,
                             "type")
                continue
            count += 1
            text = row.get("desc")
            if row.get("requirement"):
                text = f"{text} ({row.get('requirement')})" if text else row.get("requirement")
            aspect: dict[str, Any] = {"id": f"{module}.{count}", "kind": kind, "text": text}
            try:
                mx = _number(row.get("max"))
                if mx <= 0:
                    raise ValueError(f"the maximum must be above 0, not {mx} (配分应大于0)")
                aspect["max"] = mx
            except ValueError as exc:
                problems.add(str(exc) if row.get("max") else "Max Mark is empty (配分为空)",
                             n, "max")
            current = _Item(n, module, module_name, aspect, [] if kind == "J" else None,
                            "judg_score")
            items.append(current)
        if row.get("judg_score"):
            if current is None or current.scale is None:
                problems.add("a judgement score outside a J aspect (评价分数不属于任何J评分项)",
                             n, "judg_score")
                continue
            try:
                current.scale.append(int(_number(row.get("judg_score"))))
            except (ValueError, TypeError):
                problems.add(f"judgement score “{row.get('judg_score')}” is not 0–3",
                             n, "judg_score")
    for item in items:
        if item.scale == []:
            item.scale = None  # no score descriptions given: nothing to check
        elif item.scale is not None:
            item.scale = sorted(item.scale)
        if "max" in item.aspect:
            _check_aspect(item, problems)
    return items


def read_scheme_sheet(path: str | Path, *, sheet: int | str | None = None) -> dict[str, Any]:
    """The modules and aspects of a marking-scheme sheet; InputErrors names every bad row.

    The layout is told by the headers: WorldSkills CIS, ours (模块 / 评分项 / 类型 / 配分) or
    the Chinese 评分表 (考核项目 / 考核内容及要求 / 配分). Without ``sheet``, the first sheet
    with such headers is read.
    """
    totals: list[tuple[int, str]] = []
    try:
        table = read_table(path, sheet=sheet, columns=CIS_COLUMNS, required=["type", "desc", "max"])
        layout = "cis"
    except InputError:
        try:
            table = read_table(path, sheet=sheet, columns=COLUMNS,
                               required=["module", "aspect", "kind", "max"])
            layout = "ours"
        except InputError as exc:
            try:
                table = read_table(path, sheet=sheet, columns=COLUMNS,
                                   required=["module_name", "text", "max"])
                layout = "cn"
            except InputError:
                raise exc from None
    problems = _Problems(table)
    if layout == "cis":
        items = _cis_layout(table, problems)
    elif layout == "ours":
        items, totals = _our_layout(table, problems)
    else:
        items, totals = _cn_layout(table, problems)
    if not items and not problems.errors:
        problems.add("the sheet has no aspects (没有评分项)", None, "aspect")
    _check_scheme(items, problems)
    _check_totals(totals, items, problems)
    if problems.errors:
        problems.errors.sort(key=lambda e: (e.row is None, e.row or 0))
        raise InputErrors(problems.errors)
    return _assemble(items)


def format_bands(bands: Sequence[Sequence[Any]]) -> str:
    """Pairs back to ``0.02:8; 0.04:4``."""
    return "; ".join(f"{tol}:{pts}" for tol, pts in bands)


def write_scheme_xlsx(modules: Mapping[str, Any] | Sequence[Mapping[str, Any]],
                      path: str | Path) -> None:
    """Write modules (the §2 dict, or its ``module`` list) in our layout; it reads back equal."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    module_list = modules["module"] if isinstance(modules, Mapping) else modules
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "评分表"
    ws.append(HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    total = Decimal(0)
    for m in module_list:
        for a in m.get("aspect", []):
            values: dict[str, Any] = {
                "module": m.get("id"), "module_name": m.get("name", ""),
                "aspect": a.get("id"), "kind": a.get("kind"), "max": a.get("max"),
                "text": a.get("text", ""), "nominal": a.get("nominal"),
                "bands": format_bands(a["bands"]) if a.get("bands") else None,
                "judges": a.get("judges"), "trim": a.get("trim"),
                "spread_limit": a.get("spread_limit"),
            }
            if a.get("kind") in ("M", "J", "P") and a.get("max") is not None:
                total += Decimal(str(a["max"]))
            ws.append([values[k] for k in KEYS])
            row = ws.max_row
            ws.cell(row, 8).number_format = "@"  # bands are text
            ws.cell(row, 6).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFGHIJK", (6, 28, 8, 6, 7, 40, 9, 18, 9, 12, 9)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    for line in (
        ["类型 kind", "M 测量/客观; J 评价(0–3分, 三人); P 评分(多人, 去掉最高最低); "
                      "D 扣分(配分为扣分上限)"],
        ["公差带 bands", "公差:得分, 从小到大, 用分号隔开, 例如 0.02:8; 0.04:4"],
        ["模块 module", "空白表示与上一行同一模块"],
        ["合计 total", f"测量、评价、评分类配分合计 {total} (应为100)"],
    ):
        notes.append(line)
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 80
    save_workbook(wb, path)
