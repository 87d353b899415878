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

:func:`db.files.workbook_read.read_workbook` reads it back as the text of a competition file
(TOML, the canonical form), naming every problem by sheet, row and column.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from db.files.scheme_sheet import format_bands
from db.files.tables import save_workbook

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
