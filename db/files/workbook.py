"""The competition as a workbook an organiser edits in Excel or WPS (``template`` / ``init``).

Sheets (docs/spreadsheets.md shows each):

- **赛事**: one row per setting, ``项目 | 内容 | 说明``: 赛事编号 id, 赛事名称 name, 主办单位
  organiser, 比赛地点 venue, 赛事级别 level, 比赛日期 date, 核验网址 verify_url.
- **赛项**: one row per event with its rules (stations, time limit and overtime rule, weights,
  tie break, award rule and quotas, titles and grades, scale).
- **评分表-ID**: one per event, the marking scheme in the Chinese layout with our columns
  (模块, 考核项目, 评分项, 考核内容及要求, 类型, 配分, 名义值, 公差带, 裁判人数, 去掉最高最低,
  分差上限), modules merged down their rows, a 合计 row.
- **人员**: users and roles, 单位, the events a user is limited to, and a PIN column that the
  template leaves empty: each person types their own PIN into their row before the contest is
  created (the admin running ``init`` may leave theirs empty: the PIN given to ``init`` is
  theirs). A template never carries PINs, even when made from a competition file that has them.

:func:`read_workbook` turns the workbook into the text of a competition file (TOML, the
canonical form) and the place of every value, so that ``init FILE.xlsx`` runs the same
validation as ``init FILE.toml`` and names every problem by sheet, row and column.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from db.files.scheme_sheet import format_bands, read_scheme_sheet
from db.files.tables import Table, parse_decimal, read_table, save_workbook
from judging.errors import InputError, InputErrors

COMPETITION_SHEET, EVENTS_SHEET, USERS_SHEET, SCHEME_PREFIX = "赛事", "赛项", "人员", "评分表"

LEVEL_WORDS = {"企业": "enterprise", "企业级": "enterprise", "县级": "county", "区县级": "county",
               "市级": "city", "地市级": "city", "省级": "provincial", "国家级": "national",
               "全国": "national"}
LEVEL_LABELS = {"enterprise": "企业级", "county": "县级", "city": "市级", "provincial": "省级",
                "national": "国家级"}
ROLE_WORDS = {"组委会": "admin", "赛务": "admin", "组委会/赛务": "admin", "管理员": "admin",
              "裁判长": "chief", "裁判员": "judge", "裁判": "judge", "记分员": "recorder",
              "记录员": "recorder", "加密裁判": "encryption", "加密": "encryption",
              "监督仲裁": "supervisor", "监督": "supervisor", "仲裁": "supervisor"}
ROLE_LABELS = {"admin": "组委会/赛务", "chief": "裁判长", "judge": "裁判员", "recorder": "记分员",
               "encryption": "加密裁判", "supervisor": "监督仲裁"}
OVERTIME_WORDS = {"停止": "stop", "停止作业": "stop", "扣分": "deduct", "零分": "zero",
                  "记零分": "zero"}
OVERTIME_LABELS = {"stop": "停止", "deduct": "扣分", "zero": "零分"}
AWARD_WORDS = {"比例": "quota", "按比例": "quota", "名次": "places", "按名次": "places",
               "世赛": "worldskills"}
AWARD_LABELS = {"quota": "比例", "places": "名次", "worldskills": "世赛"}
TIE_WORDS = {"用时": "time_used", "实操": "practical", "实操成绩": "practical", "理论": "theory",
             "理论成绩": "theory"}
TIE_LABELS = {"time_used": "用时", "practical": "实操", "theory": "理论"}
KIND_LABELS = {"M": "测量", "J": "评价", "P": "评分", "D": "扣分"}

# 赛事: (key, Chinese label)
COMPETITION_ROWS = [("id", "赛事编号"), ("name", "赛事名称"), ("organiser", "主办单位"),
                    ("venue", "比赛地点"), ("level", "赛事级别"), ("date", "比赛日期"),
                    ("verify_url", "核验网址")]
COMPETITION_NOTES = {
    "id": "总工会的赛事编号 / headquarters' number", "level": "企业级 县级 市级 省级 国家级",
    "date": "YYYY-MM-DD",
    "verify_url": "总部提供；不填则不能打印证书 / from headquarters: certificates need it"}

# 赛项: (key, header)
EVENT_COLUMNS: list[tuple[str, str]] = [
    ("id", "赛项编号"), ("name", "赛项名称"), ("group", "组别"), ("stations", "工位数"),
    ("duration_min", "比赛时长(分钟)"), ("late_limit_min", "迟到限时(分钟)"),
    ("decimals", "小数位数"), ("theory", "理论权重"), ("practical", "实操权重"),
    ("tie_break", "并列时比较"), ("overtime", "超时规则"), ("points_per_min", "超时每分钟扣分"),
    ("max_min", "超时最多(分钟)"), ("min_total_for_award", "获奖最低总分"),
    ("award_rule", "奖项规则"), ("levels", "奖项"), ("shares", "比例"),
    ("honourable", "优胜奖"), ("honourable_share", "优胜奖比例"), ("titles", "称号与等级"),
    ("scale", "评分等级制"),
]
USER_COLUMNS: list[tuple[str, str]] = [("name", "姓名"), ("role", "角色"), ("unit", "单位"),
                                       ("events", "负责赛项"), ("pin", "PIN")]
SCHEME_HEADER = ["模块", "考核项目", "评分项", "考核内容及要求", "类型", "配分", "名义值", "公差带",
                 "裁判人数", "去掉最高最低", "分差上限"]


# ---- writing -----------------------------------------------------------------------------------
def _list_text(values: Sequence[Any]) -> str:
    return ", ".join(_plain(v) for v in values)


def _plain(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def titles_text(titles: Sequence[Mapping[str, Any]]) -> str:
    """``1-3: 称号 黑龙江省技术能手, 等级 技师; 4-6: 等级 高级工``."""
    parts = []
    for t in titles:
        places = t.get("places", [0, 0])
        bits = []
        if t.get("title"):
            bits.append(f"称号 {t['title']}")
        if t.get("grade"):
            bits.append(f"等级 {t['grade']}")
        parts.append(f"{places[0]}-{places[1]}: {', '.join(bits)}")
    return "; ".join(parts)


def _event_cells(e: Mapping[str, Any]) -> dict[str, Any]:
    weights = e.get("weights", {})
    overtime = e.get("overtime") or {}
    awards = e.get("awards") or {}
    return {
        "id": e.get("id"), "name": e.get("name"), "group": e.get("group"),
        "stations": e.get("stations"), "duration_min": e.get("duration_min"),
        "late_limit_min": e.get("late_limit_min"), "decimals": e.get("decimals"),
        "theory": weights.get("theory"), "practical": weights.get("practical"),
        "tie_break": ", ".join(TIE_LABELS.get(t, t) for t in e["tie_break"])
        if "tie_break" in e else None,
        "overtime": OVERTIME_LABELS.get(str(overtime.get("rule")), overtime.get("rule")),
        "points_per_min": overtime.get("points_per_min"), "max_min": overtime.get("max_min"),
        "min_total_for_award": e.get("min_total_for_award"),
        "award_rule": AWARD_LABELS.get(str(awards.get("rule")), awards.get("rule")),
        "levels": _list_text(awards["levels"]) if "levels" in awards else None,
        "shares": _list_text(awards["shares"]) if "shares" in awards else None,
        "honourable": awards.get("honourable"),
        "honourable_share": awards.get("honourable_share"),
        "titles": titles_text(e["titles"]) if e.get("titles") else None,
        "scale": e.get("scale"),
    }


def _number_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) \
            else float(value)
    return value


def blank_competition() -> dict[str, Any]:
    """What ``template`` writes without ``--from``: one event and one user of each role."""
    return {
        "format": 1,
        "competition": {"id": "", "name": "", "organiser": "", "venue": "",
                        "level": "provincial", "date": _dt.date.today().isoformat()},
        "user": [{"name": "", "role": r, "unit": ""} for r in
                 ("admin", "chief", "judge", "judge", "judge", "recorder", "recorder",
                  "encryption", "supervisor")],
        "event": [{
            "id": "", "name": "", "group": "", "stations": 10, "duration_min": 240,
            "late_limit_min": 15, "decimals": 2,
            "weights": {"theory": Decimal("0.3"), "practical": Decimal("0.7")},
            "tie_break": ["time_used", "practical", "theory"],
            "overtime": {"rule": "deduct", "points_per_min": 1, "max_min": 10},
            "awards": {"rule": "quota", "levels": ["一等奖", "二等奖", "三等奖"],
                       "shares": [Decimal("0.1"), Decimal("0.2"), Decimal("0.3")]},
            "module": [{"id": "A", "name": "", "aspect": [
                {"id": "A1", "kind": "M", "max": 100, "text": ""}]}],
        }],
    }


def write_workbook(data: Mapping[str, Any], path: str | Path) -> None:
    """The competition (a parsed competition file, ``tomllib`` with Decimal) as a workbook.

    PINs are never written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = COMPETITION_SHEET
    ws.append(["项目", "内容", "说明"])
    comp = data.get("competition", {})
    for key, label in COMPETITION_ROWS:
        value = comp.get(key)
        if key == "level":
            value = LEVEL_LABELS.get(str(value), value)
        if isinstance(value, (_dt.date, _dt.datetime)):
            value = value.isoformat()
        ws.append([f"{label} {key}", value, COMPETITION_NOTES.get(key, "")])
    _style(ws, [22, 46, 40], bold, fill)
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        for cell in row:
            cell.number_format = "@"

    ws = wb.create_sheet(EVENTS_SHEET)
    ws.append([h for _, h in EVENT_COLUMNS])
    for e in data.get("event", []):
        cells = _event_cells(e)
        ws.append([_number_cell(cells[k]) for k, _ in EVENT_COLUMNS])
    _style(ws, [10, 14, 10, 7, 9, 9, 7, 7, 7, 16, 8, 9, 9, 9, 8, 18, 14, 8, 8, 40, 9],
           bold, fill)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.number_format = "@"

    for e in data.get("event", []):
        _scheme_sheet(wb, e, bold, fill, wrap)

    ws = wb.create_sheet(USERS_SHEET)
    ws.append([f"{h}" for _, h in USER_COLUMNS])
    for u in data.get("user", []):
        events = u.get("events")
        ws.append([u.get("name"), ROLE_LABELS.get(u.get("role", ""), u.get("role")),
                   u.get("unit"), ", ".join(events) if events else None, None])
    _style(ws, [12, 12, 30, 14, 10], bold, fill)
    for row in ws.iter_rows(min_row=2, min_col=5, max_col=5):
        for cell in row:
            cell.number_format = "@"  # a PIN such as 0123 keeps its zero
    notes = wb.create_sheet("说明")
    for line in NOTES:
        notes.append(list(line))
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 90
    save_workbook(wb, path)


NOTES = [
    ("工作表 sheet", "说明 notes"),
    ("赛事", "赛事编号、名称、主办单位、地点、级别 (企业级 县级 市级 省级 国家级)、"
     "日期 (YYYY-MM-DD)"),
    ("赛项", "每行一个赛项。超时规则: 停止/扣分/零分; 奖项规则: 比例 (奖项与比例一一对应) "
     "或 名次; 并列时比较: 用时, 实操, 理论; "
     "称号与等级: 1-3: 称号 某某技术能手, 等级 技师; 4-6: 等级 高级工"),
    ("评分表-编号", "每个赛项一张。类型: 测量 评价(0–3分, 三人) 评分(多人, 去掉最高最低) "
     "扣分(配分为扣分上限); 测量、评价、评分类配分合计应为100; "
     "公差带: 公差:得分, 从小到大, 例如 0.02:8; 0.04:4"),
    ("人员", "角色: 组委会/赛务 裁判长 裁判员 记分员 加密裁判 监督仲裁; 负责赛项留空表示全部赛项; "
     "PIN 由本人在创建赛事前填写 (至少4位数字), 创建赛事的组委会成员可留空, 以创建时输入的PIN为准"),
    ("PIN", "Each person types their own PIN (at least 4 digits) into their row before the "
     "contest is created; the organiser who runs init may leave theirs empty."),
]


def _style(ws: Any, widths: Sequence[float], bold: Any, fill: Any) -> None:
    from openpyxl.utils import get_column_letter

    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = "landscape"  # printed: one page wide, grid lines shown
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True


def scheme_sheet_name(event_id: str) -> str:
    name = f"{SCHEME_PREFIX}-{event_id}"
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31]


def _scheme_sheet(wb: Any, e: Mapping[str, Any], bold: Any, fill: Any, wrap: Any) -> None:
    from openpyxl.styles import Alignment

    ws = wb.create_sheet(scheme_sheet_name(str(e.get("id") or "")))
    ws.append(SCHEME_HEADER)
    total = Decimal(0)
    for m in e.get("module", []):
        first = ws.max_row + 1
        for a in m.get("aspect", []):
            if a.get("kind") in ("M", "J", "P") and a.get("max") is not None:
                total += Decimal(str(a["max"]))
            ws.append([m.get("id"), m.get("name"), a.get("id"),
                       a.get("text"), KIND_LABELS.get(a.get("kind", ""), a.get("kind")),
                       _number_cell(a.get("max")), _number_cell(a.get("nominal")),
                       format_bands(a["bands"]) if a.get("bands") else None,
                       a.get("judges"), a.get("trim"), a.get("spread_limit")])
            ws.cell(ws.max_row, 8).number_format = "@"
            ws.cell(ws.max_row, 4).alignment = wrap
            if a.get("nominal") is not None:
                ws.cell(ws.max_row, 7).number_format = _decimals_format(a["nominal"])
        last = ws.max_row
        if last > first:
            for col in (1, 2):
                ws.merge_cells(start_row=first, start_column=col, end_row=last, end_column=col)
                ws.cell(first, col).alignment = Alignment(vertical="center", wrap_text=True)
    ws.append(["合计", None, None, None, None, _number_cell(total)])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=5)
    _style(ws, [6, 22, 7, 36, 6, 6, 8, 16, 8, 10, 8], bold, fill)


def _decimals_format(value: Any) -> str:
    text = _plain(value)
    places = len(text.split(".", 1)[1]) if "." in text else 0
    return "0." + "0" * places if places else "0"


# ---- reading -----------------------------------------------------------------------------------
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


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if "." in text else text + ".0"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()  # a TOML date
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {value!r}")


def to_toml(data: Mapping[str, Any]) -> str:
    """A competition dict as competition-file text (the layout of the shared example)."""
    lines = [f"format = {data.get('format', 1)}", "", "[competition]"]
    for key, value in data.get("competition", {}).items():
        lines.append(f"{key} = {_toml_value(value)}")
    for u in data.get("user", []):
        lines += ["", "[[user]]"] + [f"{k} = {_toml_value(v)}" for k, v in u.items()]
    for e in data.get("event", []):
        lines += ["", "[[event]]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in e.items() if k != "module"]
        for m in e.get("module", []):
            lines += ["", "  [[event.module]]"]
            lines += [f"  {k} = {_toml_value(v)}" for k, v in m.items() if k != "aspect"]
            for a in m.get("aspect", []):
                lines += ["", "    [[event.module.aspect]]"]
                lines += [f"    {k} = {_toml_value(v)}" for k, v in a.items()]
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
