"""Competitor lists (docs/formats.md): every bad row named, nothing partial (db/files)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from db.files.competitor_file import CompetitorRow, preview_competitors, read_competitors
from judging.errors import InputError, InputErrors

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"
EVENTS = {"GJQG"}


def errors_of(path: Path, events: object = EVENTS) -> list[InputError]:
    with pytest.raises(InputErrors) as info:
        read_competitors(path, events)  # type: ignore[arg-type]
    return info.value.errors


@pytest.mark.parametrize("name", ["competitors_bom.csv", "competitors_example.xlsx"])
def test_example_contest_list(name: str) -> None:
    rows = read_competitors(FIXTURES / name, EVENTS)
    assert len(rows) == 12
    assert rows[0] == CompetitorRow(
        row=2, name="史红霞", id_number="230202199908163780", gender="女",
        unit="哈尔滨汽轮机厂有限责任公司", region="齐齐哈尔", event="GJQG",
    )
    assert [r.row for r in rows] == list(range(2, 14))


@pytest.mark.parametrize(
    "name", ["competitors_cn.xlsx", "competitors_cn_gbk.csv", "competitors_cn_utf8.csv"]
)
def test_chinese_headers_other_order_extra_columns(name: str) -> None:
    rows = read_competitors(FIXTURES / name, EVENTS)
    assert [r.row for r in rows] == [3, 4, 5, 6, 8, 9]
    by_row = {r.row: r for r in rows}
    assert by_row[3].name == "史红霞"  # spaces trimmed
    assert by_row[6].id_number == "230602198302275451"  # full-width digits
    assert by_row[6].event == "GJQG"  # full-width letters
    assert by_row[9].id_number == "23010219870512102X"  # lower-case x
    assert by_row[5].region == "哈尔滨"


def test_every_bad_row_is_named() -> None:
    path = FIXTURES / "competitors_bad.xlsx"
    errors = errors_of(path)
    found = {(e.row, e.field) for e in errors}
    assert found == {
        (2, "身份证号"),  # duplicate of row 6
        (3, "身份证号"),  # check character
        (4, "姓名"),  # empty name
        (5, "赛项"),  # unknown event
        (6, "身份证号"),  # duplicate of row 2
        (7, "身份证号"),  # 17 digits
    }
    assert all(e.file == str(path) for e in errors)
    text = {e.row: e.detail for e in errors}
    assert "row 6" in text[2] and "row 2" in text[6]
    assert "校验位" in text[3]
    assert "焊工" in text[5]


def test_ids_stored_as_numbers_are_refused_by_row() -> None:
    errors = errors_of(FIXTURES / "competitors_id_as_number.xlsx")
    assert [e.row for e in errors] == [2, 3, 5]  # row 4 ends in X and stayed text
    assert all("as a number" in e.detail for e in errors)


def test_ids_mangled_then_saved_as_csv() -> None:
    errors = errors_of(FIXTURES / "competitors_id_as_number.csv")
    assert [e.row for e in errors] == [2, 3, 5]
    assert all("scientific notation" in e.detail for e in errors)


def test_many_ids_ending_in_000_are_suspected(tmp_path: Path) -> None:
    # A CSV saved from a number-formatted column: both IDs ending in 000 pass the check by chance.
    path = tmp_path / "c.csv"
    path.write_text(
        "姓名,身份证号,赛项\n甲,230202199908163000,GJQG\n乙,230102198811118000,GJQG\n"
        "丙,231002198504146875,GJQG\n",
        encoding="utf-8",
    )
    errors = errors_of(path)
    assert [e.row for e in errors] == [2, 3]
    assert "000" in errors[0].detail


def test_one_id_ending_in_000_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "姓名,身份证号,赛项\n甲,230202199908163000,GJQG\n丙,231002198504146875,GJQG\n"
        "丁,230102198008286371,GJQG\n",
        encoding="utf-8",
    )
    assert len(read_competitors(path, EVENTS)) == 3


def test_preview_shows_every_row_with_its_problems() -> None:
    preview = preview_competitors(FIXTURES / "competitors_bad.xlsx", EVENTS)
    assert [n for n, _, _ in preview] == [2, 3, 4, 5, 6, 7]
    good, bad = preview[0], preview[1]
    assert good[1] is not None and good[1].name == "史红霞"
    assert len(good[2]) == 1  # the duplicate
    assert bad[1] is None and "校验位" in bad[2][0].detail
    clean = preview_competitors(FIXTURES / "competitors_example.xlsx", EVENTS)
    assert all(c is not None and not p for _, c, p in clean)


def test_single_event_needs_no_event_column(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["身份证号", "姓名", "性别"])
    ws.append(["230202199908163780", "史红霞", "female"])
    wb.save(path)
    rows = read_competitors(path, {"GJQG"})
    assert rows[0].event == "GJQG" and rows[0].gender == "女" and rows[0].unit is None
    with pytest.raises(InputError) as info:
        read_competitors(path, {"GJQG", "HG"})
    assert "event" in str(info.value) and info.value.file == str(path)


def test_events_by_name(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("姓名,身份证号,比赛项目\n史红霞,230202199908163780,工具钳工\n"
                    "史凤伟,231002198504146875,gjqg\n", encoding="utf-8")
    rows = read_competitors(path, {"工具钳工": "GJQG", "焊工": "HG"})
    assert [r.event for r in rows] == ["GJQG", "GJQG"]


def test_same_person_in_two_events_is_allowed_but_not_twice_in_one(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("姓名,身份证号,赛项\n史红霞,230202199908163780,GJQG\n"
                    "史红霞,230202199908163780,HG\n", encoding="utf-8")
    assert len(read_competitors(path, {"GJQG", "HG"})) == 2


def test_one_id_two_names(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("姓名,身份证号,赛项\n史红霞,230202199908163780,GJQG\n"
                    "史红,230202199908163780,HG\n", encoding="utf-8")
    errors = errors_of(path, {"GJQG", "HG"})
    assert [e.row for e in errors] == [2, 3]


def test_bad_gender(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("姓名,身份证号,性别\n史红霞,230202199908163780,妇\n", encoding="utf-8")
    errors = errors_of(path)
    assert errors[0].field == "性别"


def test_header_only(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("姓名,身份证号,赛项\n", encoding="utf-8")
    with pytest.raises(InputError, match="no competitors"):
        read_competitors(path, EVENTS)
