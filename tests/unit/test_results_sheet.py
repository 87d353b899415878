"""Results for public posting and the chief judge's marks workbook (db/files/results_sheet.py)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from db.files.results_sheet import write_marks_xlsx, write_results_xlsx

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "example"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"
COMPETITION = "2020年黑龙江省职工职业技能大赛工具钳工决赛"
UNITS = {
    row["name"]: row["unit"]
    for row in csv.DictReader((FIXTURES / "src" / "competitors_example.csv")
                              .open(encoding="utf-8-sig"))
}


def results(decrypted: bool = True) -> dict[str, Any]:
    """The example contest's expected results as the §6 JSON, with one disqualification."""
    path = EXAMPLES / "expected-results.json"
    rows = []
    for r in json.loads(path.read_text(encoding="utf-8"))["rows"]:
        row = {k: v for k, v in r.items() if k != "id_number"}
        row["unit"] = UNITS[row["name"]] if decrypted else None
        if not decrypted:
            row["name"] = None
        rows.append(row)
    rows[2].update(status="disqualified", place=None, award=None, total="64.91")
    return {"competition": "HLJ-2020-GJQG-F", "event": "GJQG", "snapshot": 2 if decrypted else 0,
            "locked": True, "decrypted": decrypted, "rows": rows}


def write(tmp_path: Path, decrypted: bool) -> Path:
    path = tmp_path / ("public.xlsx" if decrypted else "draft.xlsx")
    write_results_xlsx(results(decrypted), path, competition_name=COMPETITION,
                       event_name="工具钳工 职工组", decrypted=decrypted, date=dt.date(2020, 9, 25))
    return path


def table(ws: Any, header_row: int) -> list[dict[str, Any]]:
    header = [c.value for c in ws[header_row]]
    out = []
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if row[1] is None:
            break
        out.append(dict(zip(header, row)))
    return out


def test_public_list_after_decryption(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path, True)).active
    assert ws["A1"].value == COMPETITION
    assert "工具钳工 职工组" in ws["A2"].value and "公示" in ws["A2"].value
    assert "第2次公示" in ws["A3"].value and "2020-09-25" in ws["A3"].value
    assert [c.value for c in ws[4]] == ["名次", "工位号", "参赛编号", "姓名", "单位", "理论成绩",
                                        "实操成绩", "总成绩", "用时", "状态", "奖项", "称号",
                                        "等级"]
    assert ws.freeze_panes == "A5"
    rows = table(ws, 4)
    assert [r["名次"] for r in rows] == [1, 2, 3, 4, 4, 6, 7, 8, 9, 10, 11, None]
    assert [r["姓名"] for r in rows[3:5]] == sorted(["史凤伟", "史红霞"])  # shared 4th: by name
    assert rows[0]["姓名"] == "夏鑫" and rows[0]["单位"] == UNITS["夏鑫"]
    assert rows[0]["总成绩"] == pytest.approx(91.05) and isinstance(rows[0]["总成绩"], float)
    assert rows[-1]["状态"] == "取消资格" and rows[-1]["名次"] is None
    assert rows[0]["称号"] == "黑龙江省技术能手" and rows[0]["等级"] == "技师"
    assert rows[0]["工位号"] == "04"  # text: the leading zero stays
    total = ws.cell(5, 8)
    assert total.number_format == "0.00"
    assert ws.cell(5, 9).number_format == "[h]:mm:ss"
    assert ws.cell(5, 9).value == dt.timedelta(seconds=11786) or round(
        ws.cell(5, 9).value.total_seconds()) == 11786


def test_before_decryption_by_station_without_names(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path, False)).active
    header = [c.value for c in ws[4]]
    assert "姓名" not in header and "单位" not in header
    rows = table(ws, 4)
    assert [r["工位号"] for r in rows] == [f"{i:02d}" for i in range(1, 13)]
    assert "草稿" in ws["A3"].value and "未解密" in ws["A3"].value


def test_print_setup(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path, True)).active
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$4:$4"


def test_scale_column_only_when_present(tmp_path: Path) -> None:
    data = results(True)
    for i, row in enumerate(data["rows"]):
        row["scale"] = 700 + i
    path = tmp_path / "ws.xlsx"
    write_results_xlsx(data, path, competition_name="C", event_name="E", decrypted=True)
    ws = openpyxl.load_workbook(path).active
    assert ws.cell(4, 14).value == "标准分"
    assert isinstance(ws.cell(5, 14).value, int)


def marks() -> list[dict[str, Any]]:
    path = EXAMPLES / "marks.csv"
    out = []
    for i, m in enumerate(csv.DictReader(path.open(encoding="utf-8"))):
        out.append({
            "station": m["station"], "module": m["aspect"][0], "aspect": m["aspect"],
            "kind": {"A": "M", "B": "P", "C": "J", "S": "D"}[m["aspect"][0]],
            "judge": m["judge"], "score": m["score"] or None, "measured": m["measured"] or None,
            "mark": "8.00" if m["aspect"] == "A1" else None, "verified": i % 5 != 0,
            "typed_by": "冯记录", "verified_by": "于记录" if i % 5 else None,
        })
    return out


def test_marks_workbook(tmp_path: Path) -> None:
    path = tmp_path / "marks.xlsx"
    rows = marks()
    write_marks_xlsx(rows, path, title="工具钳工 评分明细")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["明细", "模块A", "模块B", "模块C", "模块S"]
    long = wb["明细"]
    assert [c.value for c in long[2]][:5] == ["工位号", "模块", "评分项", "类型", "裁判"]
    assert long.max_row == 2 + len(rows)
    assert long["A3"].value == "01"
    b = wb["模块B"]
    assert b["A3"].value == "01" and b["B1"].value == "B1"
    judges = [b.cell(2, c).value for c in range(2, 9)]
    # six judges scored B1 over all stations (郑六 replaced 周四 at station 01)
    assert judges[-1] == "得分"
    assert set(judges[:-1]) == {"赵一", "钱二", "孙三", "周四", "吴五", "郑六"}
    zheng = 2 + judges.index("郑六")
    assert b.cell(3, zheng).value == 7.5 and b.cell(4, zheng).value is None
    a = wb["模块A"]
    assert a.cell(3, 2).value == pytest.approx(60.021)  # measured value of station 01, A1
    assert a.cell(3, 2).number_format == "0.000"
    assert a.cell(3, 3).value == 8  # the aspect mark


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_results_convert_to_pdf_in_libreoffice(tmp_path: Path) -> None:
    xlsx = write(tmp_path, True)
    profile = tmp_path / "profile"
    done = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{profile}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(xlsx)],
        capture_output=True, text=True, timeout=180,
    )
    pdf = tmp_path / "public.pdf"
    assert done.returncode == 0, done.stderr
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    assert b"/Count 1" in pdf.read_bytes()  # one A4 page: fitted to width, 12 rows


def test_decimal_inputs_are_accepted(tmp_path: Path) -> None:
    data = {"snapshot": 1, "locked": True, "rows": [
        {"place": 1, "station": "1", "candidate": "X-1", "name": "甲", "unit": "厂",
         "theory": Decimal("88.5"), "practical": "91.250", "total": "90.28", "time_used_s": None,
         "status": "ok", "award": None, "title": None, "grade": None}]}
    path = tmp_path / "d.xlsx"
    write_results_xlsx(data, path, competition_name="C", event_name="E", decrypted=True)
    ws = openpyxl.load_workbook(path).active
    assert ws.cell(5, 7).number_format == "0.000"
    assert ws.cell(5, 9).value is None
