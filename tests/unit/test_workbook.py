"""The competition as a workbook (db/files/workbook.py, workbook_read.py: `template` and
`init FILE.xlsx`)."""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from db.files.workbook import write_workbook
from db.files.workbook_read import parse_titles, read_workbook, to_toml
from judging.errors import InputErrors
from judging.scheme import load_competition
from tests.conftest import EXAMPLES, USERS, build_example, cli

PINS = {"王组委": "1000", "李裁判长": "2000", "赵一": "3001", "钱二": "3002", "孙三": "3003",
        "周四": "3004", "吴五": "3005", "郑六": "3006", "冯记录": "4001", "于记录": "4002",
        "陈保密": "5000", "褚监督": "6000"}


def example_data() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((EXAMPLES / "competition.toml").read_text(encoding="utf-8"),
                         parse_float=Decimal)


def type_pins(path: Path, skip: str | None = "王组委") -> None:
    """Each person types their own PIN into the 人员 sheet (the admin running init may not)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["人员"]
    for row in ws.iter_rows(min_row=2):
        name = row[0].value
        if name in PINS and name != skip:
            row[4].value = PINS[name]
    wb.save(path)


def test_template_from_the_example_has_every_sheet_and_no_pins(tmp_path: Path) -> None:
    out = tmp_path / "c.xlsx"
    assert cli("template", "--from", EXAMPLES / "competition.toml", "--out", out) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["赛事", "赛项", "评分表-GJQG", "人员", "说明"]
    assert [c.value for c in wb["人员"][1]] == ["姓名", "角色", "单位", "负责赛项", "PIN"]
    assert all(r[4].value is None for r in wb["人员"].iter_rows(min_row=2))  # no PIN written
    assert "1000" not in out.read_bytes().decode("latin-1")
    scheme = wb["评分表-GJQG"]
    assert [c.value for c in scheme[1]][:6] == ["模块", "考核项目", "评分项", "考核内容及要求",
                                                "类型", "配分"]
    assert "A2:A9" in {str(r) for r in scheme.merged_cells.ranges}  # module A merged down
    assert [c.value for c in wb["赛项"][2]][:4] == ["GJQG", "工具钳工", "职工组", 12]
    assert cli("template", "--out", tmp_path / "blank.xlsx") == 0  # without --from


def test_workbook_reads_back_as_the_competition_file(tmp_path: Path) -> None:
    out = tmp_path / "c.xlsx"
    write_workbook(example_data(), out)
    type_pins(out, skip=None)
    read = read_workbook(out)
    got = load_competition(read.toml)
    want = load_competition((EXAMPLES / "competition.toml").read_text(encoding="utf-8"))
    assert got == want


def test_round_trip_competition_workbook_init_gives_the_expected_results(
        tmp_path: Path) -> None:
    book = tmp_path / "competition.xlsx"
    assert cli("template", "--from", EXAMPLES / "competition.toml", "--out", book) == 0
    type_pins(book)
    db = tmp_path / "c.jxdb"
    assert cli("init", book, "--db", db, who="admin") == 0  # 王组委's PIN: the one given here
    build_example(db, stage="decrypted", start="init")
    import subprocess
    import sys

    got = subprocess.run([sys.executable, str(Path(__file__).resolve().parents[2] / "main.py"),
                          "results", "--event", "GJQG", "--json", "--db", str(db),
                          "--user", USERS["admin"][0], "--pin", USERS["admin"][1]],
                         capture_output=True, text=True)
    assert got.returncode == 0, got.stderr
    rows = json.loads(got.stdout)["rows"]
    expected = json.loads((EXAMPLES / "expected-results.json").read_text(encoding="utf-8"))
    keys = [k for k in expected["rows"][0] if k != "id_number"]
    by_station = {r["station"]: {k: r.get(k) for k in keys} for r in rows}
    assert by_station == {r["station"]: {k: r.get(k) for k in keys} for r in expected["rows"]}


def test_every_problem_named_by_sheet_row_and_column(tmp_path: Path) -> None:
    out = tmp_path / "c.xlsx"
    write_workbook(example_data(), out)
    type_pins(out, skip="褚监督")
    wb = openpyxl.load_workbook(out)
    wb["赛项"]["D2"] = 0  # stations
    wb["赛项"]["T2"] = "1-3 黑龙江省技术能手"  # titles without the colon
    ws = wb["评分表-GJQG"]
    ws["F2"] = 9  # A1 max: the M, J and P maxima now sum to 101
    ws["E11"] = "打分"  # an unknown kind (B1)
    wb["人员"]["B3"] = "主裁"  # an unknown role (李裁判长)
    wb.save(out)
    from cli.workbook_commands import competition_text

    with pytest.raises(InputErrors) as info:
        competition_text(out, "王组委", "1000")
    found = {(e.file.split("sheet “")[-1].split("”")[0] if e.file else None, e.row, e.field)
             for e in info.value.errors}
    assert ("赛项", 2, "称号与等级") in found
    assert ("评分表-GJQG", 11, "类型") in found
    assert ("评分表-GJQG", None, "配分") in found  # the sum, named with the sum found
    assert any("add up to 91, not 100" in e.detail for e in info.value.errors)  # B1 unread
    assert ("人员", 13, "PIN") in found  # 褚监督 typed no PIN
    # fixed those, the competition file's own validation names the rest
    wb = openpyxl.load_workbook(out)
    wb["赛项"]["T2"] = None
    wb["评分表-GJQG"]["F2"] = 8
    wb["评分表-GJQG"]["E11"] = "评分"
    wb["人员"]["E13"] = "6000"
    wb.save(out)
    with pytest.raises(InputErrors) as info:
        competition_text(out, "王组委", "1000")
    found = {(e.file.split("sheet “")[-1].split("”")[0] if e.file else None, e.row, e.field)
             for e in info.value.errors}
    assert found == {("赛项", 2, "工位数"), ("人员", 3, "角色")}
    db = tmp_path / "x.jxdb"
    assert cli("init", out, "--db", db, who="admin") == 2
    assert not db.exists() or db.stat().st_size == 0


def test_titles_text() -> None:
    assert parse_titles("1-3: 称号 黑龙江省技术能手, 等级 技师; 4-6: 等级 高级工") == [
        {"places": [1, 3], "title": "黑龙江省技术能手", "grade": "技师"},
        {"places": [4, 6], "grade": "高级工"}]
    assert parse_titles("第1名：称号 状元") == [{"places": [1, 1], "title": "状元"}]
    with pytest.raises(ValueError):
        parse_titles("1-3 技能手")


def test_to_toml_is_loadable() -> None:
    data = example_data()
    assert tomllib.loads(to_toml(data), parse_float=Decimal)["event"][0]["module"][0][
        "aspect"][0]["bands"] == [[Decimal("0.02"), 8], [Decimal("0.04"), 4]]
