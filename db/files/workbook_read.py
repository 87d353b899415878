"""Reading the competition workbook (db/files/workbook.py writes it) back as a competition file.

:func:`read_workbook` turns the workbook into the text of a competition file (TOML, the
canonical form, :func:`to_toml`) and the place of every value, so that ``init FILE.xlsx`` runs
the same validation as ``init FILE.toml`` and names every problem by sheet, row and column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from db.files.scheme_sheet import read_scheme_sheet
from db.files.tables import Table, parse_decimal, read_table
from db.files.toml_text import toml_value
from db.files.workbook import (
    AWARD_WORDS,
    COMPETITION_ROWS,
    COMPETITION_SHEET,
    EVENT_COLUMNS,
    EVENTS_SHEET,
    LEVEL_WORDS,
    OVERTIME_WORDS,
    ROLE_WORDS,
    SCHEME_PREFIX,
    TIE_WORDS,
    USER_COLUMNS,
    USERS_SHEET,
    scheme_sheet_name,
)
from judging.errors import InputError, InputErrors


@dataclass
class Where:
    """The place of a value: sheet, row and column header."""

    sheet: str
    row: int | None
    column: str


@dataclass
class ReadWorkbook:
    """A workbook read as a competition file: its TOML text and where each field came from."""

    toml: str
    places: dict[str, Where] = field(default_factory=dict)
    admins_without_pin: list[str] = field(default_factory=list)

    def locate(self, error: InputError, file: str) -> InputError:
        """A competition-file error (``event.GJQG.stations``) named by sheet, row and column."""
        key = error.field or ""
        where = None
        probe = key
        while probe:
            if probe in self.places:
                where = self.places[probe]
                break
            probe = probe.rsplit(".", 1)[0] if "." in probe else ""
        if where is None:
            return InputError(error.detail, file=file, field=key or None)
        return InputError(f"{error.detail} ({key})", file=f"{file}, sheet “{where.sheet}” "
                          f"(工作表“{where.sheet}”)", row=where.row, field=where.column)


_SPLIT = re.compile(r"\s*[,，、;；]\s*")


def _items(text: str) -> list[str]:
    return [t for t in _SPLIT.split(text.strip()) if t]




def to_toml(data: Mapping[str, Any]) -> str:
    """A competition dict as competition-file text (the layout of the shared example)."""
    lines = [f"format = {data.get('format', 1)}", "", "[competition]"]
    for key, value in data.get("competition", {}).items():
        lines.append(f"{key} = {toml_value(value)}")
    for u in data.get("user", []):
        lines += ["", "[[user]]"] + [f"{k} = {toml_value(v)}" for k, v in u.items()]
    for e in data.get("event", []):
        lines += ["", "[[event]]"]
        lines += [f"{k} = {toml_value(v)}" for k, v in e.items() if k != "module"]
        for m in e.get("module", []):
            lines += ["", "  [[event.module]]"]
            lines += [f"  {k} = {toml_value(v)}" for k, v in m.items() if k != "aspect"]
            for a in m.get("aspect", []):
                lines += ["", "    [[event.module.aspect]]"]
                lines += [f"    {k} = {toml_value(v)}" for k, v in a.items()]
    return "\n".join(lines) + "\n"


def _number(text: str) -> int | Decimal:
    value = parse_decimal(text)
    if "." not in text and value == value.to_integral_value():
        return int(value)
    return value


class _Errors:
    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[InputError] = []

    def add(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.errors.append(InputError(message, file=f"{self.file}, sheet “{sheet}” "
                                      f"(工作表“{sheet}”)", row=row, field=column))


def _sheet_table(path: Path, sheet: str, columns: Mapping[str, Sequence[str]],
                 required: list[str]) -> Table:
    return read_table(path, sheet=sheet, columns=columns, required=required)


def read_workbook(path: str | Path, *, admin: str | None = None,
                  admin_pin: str | None = None,
                  any_admin_pin: str | None = None) -> ReadWorkbook:
    """The workbook as competition-file text; InputErrors names every problem by sheet and row.

    ``admin`` and ``admin_pin``: the organiser running ``init``; an empty PIN cell of theirs
    takes that PIN. Any other user without a PIN is named (each types their own before init).
    ``any_admin_pin``: a check before anyone has chosen who creates the contest (the wizard's
    sheets page): every admin without a PIN is taken to have this one.
    """
    p = Path(path)
    file = str(path)
    from db.files.readers import kind_of, workbook_sheets

    if not p.is_file():
        raise InputError("file not found (找不到文件)", file=file)
    kind = kind_of(p, file)
    if kind == "text":
        raise InputError("a competition workbook is an .xlsx (or .xls, .et, .ods) file "
                         "(赛事工作簿应为.xlsx等表格文件)", file=file)
    names, _ = workbook_sheets(p, file, kind)
    errors = _Errors(file)
    for needed in (COMPETITION_SHEET, EVENTS_SHEET, USERS_SHEET):
        if needed not in names:
            raise InputError(f"the workbook has no sheet “{needed}”; start from `jiangxin "
                             f"template` (缺少工作表“{needed}”)", file=file, field=needed)
    out = ReadWorkbook("")
    data: dict[str, Any] = {"format": 1}

    # 赛事
    comp: dict[str, Any] = {}
    table = _sheet_table(p, COMPETITION_SHEET, {"item": ["项目", "item"],
                                                "value": ["内容", "value"]}, ["item", "value"])
    labels = {k: label for k, label in COMPETITION_ROWS}
    for row in table.rows:
        item = row.get("item")
        key = next((k for k, label in COMPETITION_ROWS
                    if item.split(" ")[-1].casefold() == k or item.startswith(label)), None)
        if key is None:
            if item:
                errors.add(COMPETITION_SHEET, row.number, table.label("item"),
                           f"unknown item “{item}” (无法识别的项目)")
            continue
        value = row.get("value")
        if key == "level":
            value = LEVEL_WORDS.get(value, value)
        if value or key in ("id", "name", "date"):
            comp[key] = value
        out.places[f"competition.{key}"] = Where(COMPETITION_SHEET, row.number,
                                                 f"{labels[key]} {table.label('value')}")
    data["competition"] = comp
    out.places["competition"] = Where(COMPETITION_SHEET, None, "")

    # 人员 first (TOML order: users before events)
    user_cols = {"name": ["姓名", "name"], "role": ["角色", "role"], "unit": ["单位", "unit"],
                 "events": ["负责赛项", "赛项", "events"], "pin": ["PIN", "pin", "密码"]}
    table = _sheet_table(p, USERS_SHEET, user_cols, ["name", "role"])
    users: list[dict[str, Any]] = []
    for row in table.rows:
        i = len(users) + 1  # as the competition loader counts them: from 1
        u: dict[str, Any] = {"name": row.get("name")}
        raw_role = row.get("role")
        u["role"] = ROLE_WORDS.get(raw_role, raw_role.casefold())
        u["unit"] = row.get("unit")
        if row.get("events"):
            u["events"] = _items(row.get("events"))
        pin = row.get("pin")
        if not pin and u["role"] == "admin" and admin is not None and u["name"] == admin:
            pin = admin_pin or ""
            out.admins_without_pin.append(u["name"])
        elif not pin and u["role"] == "admin" and any_admin_pin is not None:
            pin = any_admin_pin
        if not pin:
            errors.add(USERS_SHEET, row.number, table.label("pin") if table.has("pin") else "PIN",
                       f"{u['name'] or 'this user'} has no PIN: each person types their own "
                       f"PIN (at least 6 digits; 4 for a competition dated before 2027) here "
                       f"before the contest is created (请本人在此填写PIN, 至少6位数字)")
        u["pin"] = pin
        for key in ("name", "role", "unit", "events", "pin"):
            column = table.label(key) if table.has(key) else dict(USER_COLUMNS)[key]
            out.places[f"user[{i}].{key}"] = Where(USERS_SHEET, row.number, column)
        out.places[f"user[{i}]"] = Where(USERS_SHEET, row.number, table.label("name"))
        users.append(u)
    data["user"] = users

    # 赛项
    event_cols = {k: [h, k] for k, h in EVENT_COLUMNS}
    event_cols["theory"] += ["理论"]
    event_cols["practical"] += ["实操"]
    table = _sheet_table(p, EVENTS_SHEET, event_cols, ["id", "name"])
    events: list[dict[str, Any]] = []
    for row in table.rows:
        e = _read_event(table, row, errors, out, len(events) + 1)
        events.append(e)
    data["event"] = events

    # 评分表 per event
    schemes = [n for n in names if n.startswith(SCHEME_PREFIX)]
    by_event: dict[str, str] = {}
    for n in schemes:
        rest = n[len(SCHEME_PREFIX):].lstrip("-_ ")
        match = [e["id"] for e in events if rest and rest in (e["id"], e.get("name"))]
        if not match and len(events) == 1 and len(schemes) == 1:
            match = [events[0]["id"]]
        if len(match) != 1:
            errors.add(n, None, "", f"the sheet “{n}” names no event; call it "
                       f"{SCHEME_PREFIX}-<赛项编号> (评分表工作表名应为“评分表-赛项编号”)")
            continue
        by_event[match[0]] = n
    for e in events:
        sheet = by_event.get(e["id"])
        if sheet is None:
            errors.add(EVENTS_SHEET, None, "赛项编号", f"event {e['id']} has no marking-scheme "
                       f"sheet {scheme_sheet_name(e['id'])} (赛项{e['id']}缺少评分表)")
            continue
        out.places[f"event.{e['id']}.module"] = Where(sheet, None, "配分")
        try:
            modules = read_scheme_sheet(p, sheet=sheet)
        except InputErrors as exc:
            errors.errors.extend(exc.errors)
            continue
        except InputError as exc:
            errors.errors.append(exc)
            continue
        e["module"] = modules["module"]
        _scheme_places(p, sheet, e["id"], out)
    if errors.errors:
        raise InputErrors(errors.errors)
    out.toml = to_toml(data)
    return out


def _scheme_places(p: Path, sheet: str, event_id: str, out: ReadWorkbook) -> None:
    """Where each module and aspect of a scheme sheet is (for the competition file's errors)."""
    from db.files.scheme_sheet import COLUMNS

    table = read_table(p, sheet=sheet, columns=COLUMNS, required=["module", "aspect"])
    module = ""
    for row in table.rows:
        module = row.get("module") or module
        aspect = row.get("aspect")
        if not aspect:
            continue
        base = f"event.{event_id}.module.{module}"
        out.places.setdefault(base, Where(sheet, row.number, table.label("module")))
        for key in ("kind", "max", "judges", "trim", "spread_limit", "nominal", "bands", "text"):
            column = table.label(key) if table.has(key) else key
            out.places[f"{base}.aspect.{aspect}.{key}"] = Where(sheet, row.number, column)
        out.places[f"{base}.aspect.{aspect}"] = Where(sheet, row.number, table.label("aspect"))


_TITLE = re.compile(r"^\s*第?\s*(\d+)\s*(?:[-–—~～至到]\s*(\d+))?\s*名?\s*[:：]\s*(.*)$")


def parse_titles(text: str) -> list[dict[str, Any]]:
    """``1-3: 称号 黑龙江省技术能手, 等级 技师; 4-6: 等级 高级工`` → the TOML ``titles`` list."""
    out: list[dict[str, Any]] = []
    for part in re.split(r"\s*[;；\n]\s*", text.strip()):
        if not part:
            continue
        m = _TITLE.match(part)
        if not m:
            raise ValueError(f"“{part}”: expected 1-3: 称号 …, 等级 … (称号格式错误)")
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        entry: dict[str, Any] = {"places": [first, last]}
        for bit in re.split(r"\s*[,，、]\s*", m.group(3)):
            kv = re.match(r"^(称号|title|等级|grade)\s*[:：]?\s*(.+)$", bit.strip(), re.I)
            if not bit.strip():
                continue
            if not kv:
                raise ValueError(f"“{bit}”: write 称号 … or 等级 … (应写“称号 …”或“等级 …”)")
            key = "title" if kv.group(1).casefold() in ("称号", "title") else "grade"
            entry[key] = kv.group(2).strip()
        out.append(entry)
    return out


def _read_event(table: Table, row: Any, errors: _Errors, out: ReadWorkbook,
                i: int) -> dict[str, Any]:
    n = row.number
    e: dict[str, Any] = {}

    def cell(key: str) -> str:
        return str(row.get(key))

    def place(key: str, *paths: str) -> None:
        column = table.label(key) if table.has(key) else dict(EVENT_COLUMNS)[key]
        for path in paths:
            out.places[path] = Where(EVENTS_SHEET, n, column)

    def bad(key: str, message: str) -> None:
        column = table.label(key) if table.has(key) else dict(EVENT_COLUMNS)[key]
        errors.add(EVENTS_SHEET, n, column, message)

    eid = cell("id")
    where = f"event.{eid or i}"
    place("id", f"event[{i}].id", where)
    for key in ("id", "name", "group"):
        if cell(key) or key != "group":
            e[key] = cell(key)
        place(key, f"{where}.{key}")
    for key in ("stations", "duration_min", "late_limit_min", "decimals"):
        place(key, f"{where}.{key}")
        if cell(key):
            try:
                e[key] = _number(cell(key))
            except ValueError as exc:
                bad(key, str(exc))
    if cell("theory") or cell("practical"):
        weights: dict[str, Any] = {}
        for key in ("theory", "practical"):
            if cell(key):
                try:
                    weights[key] = parse_decimal(cell(key))
                except ValueError as exc:
                    bad(key, str(exc))
        e["weights"] = weights
    place("theory", f"{where}.weights")
    if cell("tie_break"):
        e["tie_break"] = [TIE_WORDS.get(t, t) for t in _items(cell("tie_break"))]
    place("tie_break", f"{where}.tie_break")
    if cell("overtime"):
        rule = OVERTIME_WORDS.get(cell("overtime"), cell("overtime").casefold())
        overtime: dict[str, Any] = {"rule": rule}
        for key in ("points_per_min", "max_min"):
            if cell(key):
                try:
                    overtime[key] = _number(cell(key))
                except ValueError as exc:
                    bad(key, str(exc))
        e["overtime"] = overtime
    place("overtime", f"{where}.overtime")
    place("points_per_min", f"{where}.overtime.points_per_min")
    place("max_min", f"{where}.overtime.max_min")
    if cell("min_total_for_award"):
        try:
            e["min_total_for_award"] = _number(cell("min_total_for_award"))
        except ValueError as exc:
            bad("min_total_for_award", str(exc))
    place("min_total_for_award", f"{where}.min_total_for_award")
    if cell("award_rule") or cell("levels"):
        rule = AWARD_WORDS.get(cell("award_rule"), cell("award_rule").casefold() or "quota")
        awards: dict[str, Any] = {"rule": rule}
        if cell("levels"):
            awards["levels"] = _items(cell("levels"))
        if cell("shares"):
            try:
                awards["shares"] = [parse_decimal(s) for s in _items(cell("shares"))]
            except ValueError as exc:
                bad("shares", str(exc))
        if cell("honourable"):
            awards["honourable"] = cell("honourable")
        if cell("honourable_share"):
            try:
                awards["honourable_share"] = parse_decimal(cell("honourable_share"))
            except ValueError as exc:
                bad("honourable_share", str(exc))
        e["awards"] = awards
    place("award_rule", f"{where}.awards")
    place("levels", f"{where}.awards.levels")
    place("shares", f"{where}.awards.shares")
    place("honourable_share", f"{where}.awards.honourable_share")
    if cell("titles"):
        try:
            e["titles"] = parse_titles(cell("titles"))
        except ValueError as exc:
            bad("titles", str(exc))
    place("titles", f"{where}.titles")
    if cell("scale"):
        e["scale"] = cell("scale").casefold()
    place("scale", f"{where}.scale")
    return e
