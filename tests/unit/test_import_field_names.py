"""Refused imports name the organiser's own column headers (身份证号码, 准考证号, 工位号), never
our internal names (``id_number``, ``candidate``), and write nothing (issue 10)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import cli, dump

INTERNAL = ("id_number", "candidate", "field station", "field event")


def refused(db: Path, capsys: pytest.CaptureFixture[str], *argv: object, who: str) -> str:
    before = dump(db)
    capsys.readouterr()
    assert cli(*argv, "--db", db, who=who) == 2
    err = capsys.readouterr().err
    assert dump(db) == before  # nothing written: no row, no audit record
    return err


def test_competitor_already_entered_is_named_by_the_files_header(
        example_db: Callable[[str], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("competitors")
    f = tmp_path / "报名表.csv"
    f.write_text("姓名,身份证号码,单位,赛项\n史红霞,230202199908163780,哈汽,GJQG\n",
                 encoding="utf-8")
    err = refused(db, capsys, "competitors", "import", f, who="admin")
    assert "field 身份证号码" in err and "已报名" in err
    assert not any(word in err for word in INTERNAL), err


@pytest.mark.parametrize(("text", "said"), [
    # an exam system's ticket number that names nobody: the file's own header
    ("准考证号,姓名,理论成绩\nGJQG-999,某人,80\n", ["field 准考证号", "GJQG-999"]),
    # no column names the competitor: the organiser's headers, never ours
    ("姓名,理论成绩\n某人,80\n", ["field 参赛编号/准考证号/身份证号", "缺少"]),
])
def test_a_refused_theory_file_names_the_organisers_headers(
        text: str, said: list[str], example_db: Callable[[str], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("timed")
    f = tmp_path / "理论成绩.csv"
    f.write_text(text, encoding="utf-8")
    err = refused(db, capsys, "theory", "import", f, who="admin")
    assert all(s in err for s in said), err
    assert "field candidate" not in err and "field id_number" not in err


def test_a_paper_draw_names_the_files_headers(
        example_db: Callable[[str], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("competitors")
    f = tmp_path / "抽签.csv"
    f.write_text("身份证号,参赛编号,工位号\n230202199908163781,GJQG-001,1\n", encoding="utf-8")
    err = refused(db, capsys, "draw", "--event", "GJQG", "--from", f, who="admin")
    assert "field 身份证号" in err
    assert not any(word in err for word in INTERNAL), err
