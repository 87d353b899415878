"""Theory scores from exam systems' files (docs/formats.md; db/files/theory_file.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from db.files.theory_file import TheoryRow, read_theory
from judging.errors import InputError, InputErrors

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"
EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "example" / "theory.csv"


def test_exam_export_written_by_libreoffice() -> None:
    rows = read_theory(FIXTURES / "theory_exam.xlsx", {"GJQG"})
    assert rows[0] == TheoryRow(3, "GJQG", "GJQG-001", "230202199908163780", Decimal("85.1"))
    assert [r.theory for r in rows] == [Decimal(s) for s in
                                        ("85.1", "85", "80.3", "65.5", "83.9", "87.6")]
    assert all(type(r.theory) is Decimal for r in rows)


def test_our_format_by_id_number(tmp_path: Path) -> None:
    path = tmp_path / "theory.csv"
    path.write_text("event,id_number,theory\nGJQG,230202199908163780,85.0\n"
                    "GJQG,231002198504146875,80.3\n", encoding="utf-8")
    rows = read_theory(path, {"GJQG", "HG"})
    assert rows[0] == TheoryRow(2, "GJQG", None, "230202199908163780", Decimal("85.0"))


def test_the_example_contest_theory_file() -> None:
    rows = read_theory(EXAMPLE, {"GJQG"})
    assert len(rows) == 12 and rows[2].theory == Decimal("80.3")


def test_float_cells_come_back_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["考号", "成绩"])
    for i, v in enumerate([85.1, 72.35, 99.99, 100, 0], start=1):
        ws.append([f"A{i:03d}", v])
    wb.save(path)
    rows = read_theory(path, {"GJQG"})
    assert [r.theory for r in rows] == [Decimal("85.1"), Decimal("72.35"),
                                        Decimal("99.99"), Decimal(100), Decimal(0)]
    assert rows[0].candidate == "A001" and rows[0].event == "GJQG"


def test_every_bad_row_is_named() -> None:
    path = FIXTURES / "theory_bad.csv"
    with pytest.raises(InputErrors) as info:
        read_theory(path, {"GJQG"})
    found = [(e.row, e.field) for e in info.value.errors]
    assert found == [
        (2, "candidate"), (3, "theory"), (4, "theory"), (5, "candidate"), (6, "candidate"),
        (7, "event"), (8, "theory"),
    ]
    assert all(e.file == str(path) for e in info.value.errors)


def test_absent_candidate(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("准考证号,理论成绩\nA1,缺考\nA2,60\n", encoding="gbk")
    rows = read_theory(path, {"GJQG"})
    assert rows[0].theory is None and rows[1].theory == 60


def test_id_number_stored_as_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["身份证号", "成绩"])
    ws.append([230202199908163780, 80])
    wb.save(path)
    with pytest.raises(InputErrors) as info:
        read_theory(path, {"GJQG"})
    assert info.value.errors[0].row == 2 and "number" in info.value.errors[0].detail


def test_needs_a_key_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("姓名,成绩\n张三,80\n", encoding="utf-8")
    with pytest.raises(InputError, match="参赛编号"):
        read_theory(path, {"GJQG"})


def test_needs_event_column_with_several_events(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("candidate,theory\nA1,80\n", encoding="utf-8")
    with pytest.raises(InputError, match="event"):
        read_theory(path, {"GJQG", "HG"})
