"""Reading CSV and XLSX tables as organisers save them (db/files/tables.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from db.files.tables import (
    header_key,
    normalise_text,
    number_text,
    parse_decimal,
    read_table,
    write_table_xlsx,
)
from judging.errors import InputError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"
PEOPLE = {
    "name": ["姓名"],
    "id_number": ["身份证号", "身份证号码"],
    "event": ["赛项"],
    "unit": ["单位", "工作单位"],
}


def test_bom_csv_as_excel_writes_it() -> None:
    table = read_table(FIXTURES / "competitors_bom.csv")
    assert table.header[:2] == ["name", "id_number"]  # no BOM glued to the first header
    assert [r.number for r in table.rows] == list(range(2, 14))
    assert table.rows[0].values["name"] == "史红霞"
    assert table.rows[0].types["id_number"] == "text"


def test_gbk_utf8_and_xlsx_give_the_same_rows() -> None:
    tables = [read_table(FIXTURES / f, columns=PEOPLE, required=["name", "id_number"])
              for f in ("competitors_cn_gbk.csv", "competitors_cn_utf8.csv", "competitors_cn.xlsx")]
    gbk, utf8, xlsx = ([(r.number, r.values) for r in t.rows] for t in tables)
    assert gbk == utf8 == xlsx
    assert (FIXTURES / "competitors_cn_gbk.csv").read_bytes() != (
        FIXTURES / "competitors_cn_utf8.csv").read_bytes()


def test_title_row_blank_row_and_real_row_numbers() -> None:
    table = read_table(FIXTURES / "competitors_cn.xlsx", columns=PEOPLE,
                       required=["name", "id_number"])
    assert table.header_row == 2
    # data from row 3; row 7 is blank in the sheet and skipped, numbering unchanged
    assert [r.number for r in table.rows] == [3, 4, 5, 6, 8, 9]
    assert table.label("id_number") == "身份证号码"
    assert table.label("unit") == "工作单位"
    assert set(table.rows[0].values) == {"name", "id_number", "event", "unit"}  # extras ignored


def test_spaces_trimmed_and_full_width_folded() -> None:
    table = read_table(FIXTURES / "competitors_cn.xlsx", columns=PEOPLE,
                       required=["name", "id_number"])
    rows = {r.number: r.values for r in table.rows}
    assert rows[3]["name"] == "史红霞"
    assert rows[4]["id_number"] == "231002198504146875"
    assert rows[6]["id_number"] == "230602198302275451"
    assert rows[6]["event"] == "GJQG"
    assert rows[8]["unit"] == "哈尔滨东安汽车发动机制造有限公司(集团)"


def test_number_cells_keep_their_type() -> None:
    table = read_table(FIXTURES / "competitors_id_as_number.xlsx")
    first, x_row = table.rows[0], table.rows[2]
    assert first.is_number("id_number")
    assert first.values["id_number"] == "230202199908164000"  # what LibreOffice kept: 15 digits
    assert not x_row.is_number("id_number")
    assert x_row.values["id_number"] == "23010219870512102X"


def test_numbers_as_text_without_binary_noise() -> None:
    assert number_text(85.1) == "85.1"
    assert number_text(2.3020219990816378e17) == "230202199908163780"
    assert number_text(60.0) == "60"
    assert number_text(1e-7) == "0.0000001"
    assert number_text(0.1 + 0.2) == "0.3"  # the decimal the cell shows
    assert number_text(80.300000000000011) == "80.3"
    assert number_text(12) == "12"


def test_parse_decimal() -> None:
    assert parse_decimal("８５.１") == Decimal("85.1")
    assert parse_decimal(" 1,234.5 ") == Decimal("1234.5")
    with pytest.raises(ValueError):
        parse_decimal("八十")
    with pytest.raises(ValueError):
        parse_decimal("NaN")


def test_normalise_text_leaves_chinese_alone() -> None:
    assert normalise_text("\u3000ＡＢＣ１２３　张三（一）：") == "ABC123　张三(一):"
    assert normalise_text(" 王\u3000伟\u3000") == "王\u3000伟"  # kept as typed
    assert normalise_text("a \u00a0 b") == "a b"


def test_header_keys() -> None:
    assert header_key("ID_Number") == header_key("id number") == "idnumber"
    assert header_key("姓名*") == "姓名"
    assert header_key("理论成绩（分）") == "理论成绩"


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("姓名,单位\n张三,某厂\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_table(path, columns=PEOPLE, required=["name", "id_number"])
    assert info.value.file == str(path)
    assert info.value.field == "id_number"
    assert "身份证号" in str(info.value)


def test_preferred_alias_wins(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("总分,理论成绩\n90,80\n", encoding="utf-8")
    table = read_table(path, columns={"theory": ["理论成绩", "总分"]}, required=["theory"])
    assert table.rows[0].values["theory"] == "80"


def test_tab_separated_and_utf16(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes("姓名\t身份证号\n张三\t230202199908163780\n".encode("utf-16"))
    table = read_table(path, columns=PEOPLE, required=["name", "id_number"])
    assert table.rows[0].values == {"name": "张三", "id_number": "230202199908163780"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", ".xls"),
        (b"\xff\xfe\x00", None),
        (b"", "empty"),
        (b"\x81\x20\xff\xff,\n", "UTF-8"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, message: str | None) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_table(path)
    if message:
        assert message in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_table(tmp_path / "nope.xlsx")


def test_other_sheets(tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["a"])
    second = wb.create_sheet("名单")
    second.append(["姓名"])
    second.append(["张三"])
    wb.save(path)
    assert read_table(path, sheet="名单").rows[0].values == {"姓名": "张三"}
    assert read_table(path, sheet=1).rows[0].values == {"姓名": "张三"}
    with pytest.raises(InputError, match="no sheet"):
        read_table(path, sheet="other")


def test_write_table_xlsx_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_table_xlsx(path, ["站", "分"], [["01", Decimal("85.10")], ["02", 7]], title="结果")
    table = read_table(path)
    assert [r.values for r in table.rows] == [{"站": "01", "分": "85.1"}, {"站": "02", "分": "7"}]
    assert table.rows[0].types == {"站": "text", "分": "number"}
