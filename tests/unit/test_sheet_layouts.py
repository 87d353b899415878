"""Every layout organisers save, as LibreOffice wrote it (fixtures/spreadsheets/make_sheets.py).

Each test asserts what was imported, row by row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from db.files.competitor_file import CompetitorRow, event_lookup, match_event, read_competitors
from db.files.scheme_sheet import read_scheme_sheet
from db.files.tables import parse_seconds, read_table
from judging.errors import InputError, InputErrors
from tests.conftest import cli

S = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"
EVENTS = {"工具钳工": "GJQG", "焊工": "HG"}

UNITS = ["哈尔滨汽轮机厂有限责任公司"] * 3 + ["哈尔滨电机厂有限责任公司"] * 2 + [
    "大庆沃尔沃汽车制造有限公司"] * 2 + ["哈尔滨东安汽车发动机制造有限公司"] * 2 + [
    "中国第一重型机械集团"] + ["东北轻合金有限责任公司"] * 2
NAMES = ["史红霞", "史凤伟", "何\u3000犇", "范海军", "黎海军", "汪丽娟", "廖丽娟", "贺占鹏", "夏鑫",
         "谭洪吉", "苏伯鸣", "龙同原"]
IDS = ["230202199908163780", "231002198504146875", "231002199410258360", "230102198008286371",
       "230602197602085831", "230602198302275451", "230402198512085831", "230102198908083158",
       "230202200106224532", "230202197306089027", "230102200010288480", "230102199002279351"]
GENDERS = ["女", "男", "女", "女", "男", "男", "女", "女", "男", "女", "女", "女"]


@pytest.mark.parametrize("ext", ["xlsx", "xls", "et", "ods"])
def test_competitors_merged_units_and_events_on_the_second_sheet(ext: str) -> None:
    rows = read_competitors(S / f"competitors_merged.{ext}", EVENTS)
    expected = [CompetitorRow(row=3 + i, name=NAMES[i], id_number=IDS[i], gender=GENDERS[i],
                              unit=UNITS[i], region=None, event="GJQG" if i < 6 else "HG")
                for i in range(12)]
    assert rows == expected  # every unit filled down its merged cells, events by name
    assert rows[2].name == "何\u3000犇"  # the full-width space kept as typed


def test_the_sheet_read_is_named_when_not_the_first() -> None:
    table = read_table(S / "competitors_merged.xlsx", columns={"name": ["姓名"]},
                       required=["name"])
    assert table.sheet == "报名表"
    assert "报名表" in table.file
    with pytest.raises(InputErrors) as info:  # a bad row's message names the sheet
        read_competitors(S / "competitors_merged.xlsx", {"工具钳工": "GJQG"})
    assert all("报名表" in (e.file or "") for e in info.value.errors)


@pytest.mark.parametrize("ext", ["xlsx", "ods"])
def test_a_merge_across_two_columns_is_named(ext: str) -> None:
    path = S / f"competitors_bad_merge.{ext}"
    with pytest.raises(InputErrors) as info:
        read_competitors(path, EVENTS)
    [error] = info.value.errors
    assert (error.row, error.field) == (3, "工作单位")
    assert "C3:D3" in error.detail and "merged" in error.detail and "参赛项目" in error.detail


def test_event_by_id_name_or_unique_prefix() -> None:
    lookup = event_lookup({"工具钳工": "GJQG", "焊工": "HG", "焊工技师": "HGJS"})
    assert match_event("GJQG", lookup) == ("GJQG", None)
    assert match_event("gjqg", lookup) == ("GJQG", None)
    assert match_event("工具钳工", lookup) == ("GJQG", None)
    assert match_event("工具", lookup) == ("GJQG", None)
    assert match_event("焊工", lookup) == ("HG", None)  # exact beats prefix
    event, why = match_event("焊", lookup)
    assert event is None and why is not None and "HG, HGJS" in why
    event, why = match_event("车工", lookup)
    assert event is None and why is not None and "unknown" in why


def test_one_name_two_groups_needs_the_group() -> None:
    from types import SimpleNamespace

    from db.files.competitor_file import event_spellings

    lookup = event_lookup(event_spellings([
        SimpleNamespace(id="A", name="工具钳工", group="职工组"),
        SimpleNamespace(id="B", name="工具钳工", group="学生组")]))
    assert match_event("工具钳工 (学生组)", lookup) == ("B", None)
    assert match_event("工具钳工职工组", lookup) == ("A", None)
    event, why = match_event("工具钳工", lookup)
    assert event is None and why is not None and "A, B" in why


# ---- theory ------------------------------------------------------------------------------------
def _theory(db: Path) -> dict[str, str]:
    con = sqlite3.connect(db)
    try:
        return dict(con.execute(
            "SELECT c.id_number, t.score FROM theory t JOIN competitors c ON c.uid = t.competitor"
        ).fetchall())
    finally:
        con.close()


@pytest.mark.parametrize("ext", ["xlsx", "xls"])
def test_theory_by_id_when_the_ticket_numbers_are_the_exam_systems_own(
        ext: str, example_db: Callable[[str], Path]) -> None:
    db = example_db("drawn")
    assert cli("theory", "import", S / f"theory_ticket.{ext}", "--db", db, who="admin") == 0
    assert _theory(db) == {
        "230202199908163780": "85", "231002198504146875": "85",
        "231002199410258360": "80.3",  # 80.300000000000011 in the cell: the decimal it shows
        "230102198008286371": "65.5", "230602197602085831": "70.25",
        "230602198302275451": "90"}


def test_theory_by_candidate_when_the_ids_were_stored_as_numbers(
        example_db: Callable[[str], Path]) -> None:
    db = example_db("drawn")
    assert cli("theory", "import", S / "theory_ids_as_numbers.xlsx", "--db", db,
               who="admin") == 0
    scores = ["85", "85", "80.3", "65.5", "70.25", "90"]
    # keyed by candidate number while the draw is sealed: the scores are sealed too (they
    # join their people at decryption); the officer's key reads them
    from decimal import Decimal

    from db.keys.officer import passphrase_from_env, unlock_officer_key
    from db.ops.blind import open_payloads
    from db.store.contest import Contest

    assert _theory(db) == {}
    c = Contest.open(db)
    try:
        (sealed,) = open_payloads(c, unlock_officer_key(c, passphrase_from_env()), "GJQG",
                                  "theory")
    finally:
        c.close()
    got = {r["candidate"]: Decimal(r["score"]) for r in sealed["rows"]}
    assert got == {f"GJQG-{i + 1:03d}": Decimal(s) for i, s in enumerate(scores)}


def test_theory_refused_only_when_nothing_identifies(tmp_path: Path,
                                                     example_db: Callable[[str], Path]) -> None:
    db = example_db("drawn")
    path = tmp_path / "t.csv"
    path.write_text("准考证号,身份证号,成绩\n2026000001,230202199908163780,80\n"
                    "2026000002,231002198504146875,81\n2026000003,110101199003074258,82\n",
                    encoding="utf-8")
    from db.files.theory_file import match_theory, read_theory_table
    from db.ops.people import competitors
    from db.store.contest import Contest

    c = Contest.open(db)
    try:
        table, rows = read_theory_table(path, {"GJQG"})
        with pytest.raises(InputErrors) as info:
            match_theory(table, rows, {"GJQG": competitors(c, "GJQG")})
    finally:
        c.close()
    first, *rest = info.value.errors
    assert "no column identifies every row" in first.detail
    assert [(e.row, e.field) for e in rest] == [(4, "身份证号")]
    assert _theory(db) == {}


# ---- times --------------------------------------------------------------------------------------
@pytest.mark.parametrize("ext", ["xlsx", "ods", "csv"])
def test_times_as_h_mm_ss(ext: str, example_db: Callable[[str], Path]) -> None:
    db = example_db("drawn")
    assert cli("times", "import", S / f"times_hms.{ext}", "--db", db, who="chief") == 0
    con = sqlite3.connect(db)
    got = con.execute("SELECT station, used_seconds, extra_seconds FROM times ORDER BY rowid"
                      ).fetchall()
    con.close()
    assert got == [("05", 12852, 0), ("02", 12852, 0), ("08", 12545, 0), ("10", 12658, 0),
                   ("07", 13520, 0), ("03", 11839, 0)]


def test_parse_seconds() -> None:
    assert parse_seconds("12852") == 12852
    assert parse_seconds("3:34:12") == 12852
    assert parse_seconds("３：３４：１２") == 12852
    assert parse_seconds("0.14875") == 12852  # an Excel time serial: a fraction of a day
    for bad in ("3:61:00", "-5", "1.5", "三小时", ""):
        with pytest.raises(ValueError):
            parse_seconds(bad)


def test_a_bad_time_names_the_files_header(tmp_path: Path,
                                           example_db: Callable[[str], Path]) -> None:
    db = example_db("drawn")
    path = tmp_path / "t.csv"
    path.write_text("赛项,工位号,用时\n工具钳工,05,三小时\n", encoding="utf-8")
    from db.ops.timing import import_times
    from db.store.contest import Contest

    c = Contest.open(db)
    try:
        c.sign_in("李裁判长", "2000")
        with pytest.raises(InputErrors) as info:
            import_times(c, path)
    finally:
        c.close()
    [e] = info.value.errors
    assert (e.row, e.field) == (2, "用时") and "h:mm:ss" in e.detail


# ---- schemes ------------------------------------------------------------------------------------
CN_MODULES = {"module": [
    {"id": "A", "name": "凹凸配合件加工", "aspect": [
        {"id": "A1", "kind": "M", "max": 30, "text": "外形尺寸 60±0.02 (超差0.01扣2分)"},
        {"id": "A2", "kind": "M", "max": 20, "text": "凸件宽度 20±0.02 (超差不得分)"}]},
    {"id": "B", "name": "工艺与操作规范", "aspect": [
        {"id": "B1", "kind": "P", "max": 20, "text": "加工工艺顺序合理 (五人评分, 去掉最高最低)"}]},
    {"id": "C", "name": "外观质量", "aspect": [
        {"id": "C1", "kind": "J", "max": 15, "text": "锉削纹理整齐一致 (0-3分)"},
        {"id": "C2", "kind": "J", "max": 15, "text": "无磕碰划伤 (0-3分)"}]},
    {"id": "D", "name": "安全文明生产", "aspect": [
        {"id": "D1", "kind": "D", "max": 10, "text": "违反安全操作规程 (每次扣2分, 最多扣10分)"}]},
]}


@pytest.mark.parametrize("ext", ["xlsx", "xls", "ods"])
def test_chinese_scheme_merged_modules_spacer_and_total_rows(ext: str) -> None:
    assert read_scheme_sheet(S / f"scheme_cn.{ext}") == CN_MODULES


def test_chinese_scheme_sum_not_100_named_with_the_sum() -> None:
    with pytest.raises(InputErrors) as info:
        read_scheme_sheet(S / "scheme_cn_bad.xlsx")
    found = [(e.row, e.field, e.detail) for e in info.value.errors]
    # its 合计 row says 100: the 90 of the scored aspects and the 10 of the deduction
    assert found == [(None, "配分", "the maxima of the M, J and P aspects add up to 90, not 100 "
                                  "(测量、评价、评分类配分合计为90, 应为100)")]


def test_cis_with_spacer_rows_and_a_total() -> None:
    assert read_scheme_sheet(S / "scheme_cis_spacers.xlsx") == {"module": [
        {"id": "A1", "name": "Dimensions", "aspect": [
            {"id": "A1.1", "kind": "M", "text": "Overall length (60.00 ±0.02)", "max": 30},
            {"id": "A1.2", "kind": "M", "text": "Slot width (20.00 ±0.02)", "max": 30}]},
        {"id": "B1", "name": "Finish", "aspect": [
            {"id": "B1.1", "kind": "J", "text": "Filing pattern even", "max": 40}]}]}


def test_our_layout_total_row_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("模块,评分项,类型,配分\nA,A1,M,60\nA,A2,M,40\n合计,,,100\n", encoding="utf-8")
    assert [a["id"] for a in read_scheme_sheet(path)["module"][0]["aspect"]] == ["A1", "A2"]
    path.write_text("模块,评分项,类型,配分\nA,A1,M,60\nA,A2,M,40\n合计,,,95\n", encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        read_scheme_sheet(path)
    assert [(e.row, e.field) for e in info.value.errors] == [(4, "配分")]


def test_merged_title_row_is_not_a_problem() -> None:
    # the title merged across every column sits above the header: nothing to report
    table = read_table(S / "theory_ticket.xlsx", columns={"theory": ["理论成绩"]},
                       required=["theory"])
    assert table.header_row == 3 and [r.number for r in table.rows] == [4, 5, 6, 7, 8, 9]
    with pytest.raises(InputError):
        read_table(S / "theory_ticket.xlsx", sheet="nope")
