"""Spreadsheet commands: scheme toml/export, marks export, file checks, results --xlsx to PDF."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from db.files.scheme_sheet import write_scheme_xlsx
from judging.scheme import load_competition
from tests.conftest import EXAMPLES, cli, dump

SHEETS = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"


def competition_text() -> str:
    return (EXAMPLES / "competition.toml").read_text(encoding="utf-8")


def without_modules(text: str) -> str:
    """The example competition file up to its first [[event.module]] (the event stays)."""
    return text[:text.index("[[event.module]]")].rstrip(" ")


def example_modules() -> dict[str, object]:
    import tomllib

    data = tomllib.loads(competition_text(), parse_float=Decimal)
    return {"module": data["event"][0]["module"]}


def test_scheme_toml_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "scheme.xlsx"
    write_scheme_xlsx(example_modules(), sheet)
    assert cli("scheme", "toml", sheet, "--event-id", "GJQG") == 0
    toml = capsys.readouterr().out
    assert toml.startswith("# marking scheme of event GJQG")
    rebuilt = load_competition(without_modules(competition_text()) + toml)
    original = load_competition(competition_text())
    assert rebuilt.events[0].modules == original.events[0].modules
    assert rebuilt.events[0].aspects["A1"].bands == ((Decimal("0.02"), 8), (Decimal("0.04"), 4))


def test_scheme_toml_of_libreoffice_and_cis_sheets(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("scheme", "toml", SHEETS / "scheme.xlsx") == 0
    rebuilt = load_competition(without_modules(competition_text()) + capsys.readouterr().out)
    assert rebuilt.events[0].modules == load_competition(competition_text()).events[0].modules
    assert cli("scheme", "toml", SHEETS / "scheme_cis.xlsx") == 0
    assert "[[event.module.aspect]]" in capsys.readouterr().out


def test_scheme_toml_names_row_and_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("scheme", "toml", SHEETS / "scheme_bad.xlsx") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "scheme_bad.xlsx, row 6 (第6行), field judges" in captured.err
    assert "add up to 95, not 100" in captured.err


def test_scheme_export_reads_back(example_db: Callable[[str], Path], tmp_path: Path) -> None:
    from db.files.scheme_sheet import read_scheme_sheet

    db, out = example_db("init"), tmp_path / "scheme.xlsx"
    assert cli("scheme", "export", "--event", "GJQG", "--out", out, "--db", db) == 5  # sign in
    assert cli("scheme", "export", "--event", "GJQG", "--out", out, "--db", db,
               who="judge") == 0
    assert read_scheme_sheet(out) == example_modules()


def test_marks_export_has_every_mark(example_db: Callable[[str], Path], tmp_path: Path) -> None:
    db, out = example_db("verified"), tmp_path / "marks.xlsx"
    for who in ("recorder", "judge"):
        assert cli("marks", "export", "--event", "GJQG", "--out", out, "--db", db,
                   who=who) == 5
    assert not out.exists()
    assert cli("marks", "export", "--event", "GJQG", "--out", out, "--db", db,
               who="chief") == 0
    ws = openpyxl.load_workbook(out)["明细"]
    header = [c.value for c in ws[2]]
    assert header[:11] == ["工位号", "模块", "评分项", "类型", "裁判", "分数", "实测值", "折算分",
                           "得分", "已核对", "录入人"]
    got = {}
    for row in ws.iter_rows(min_row=3, values_only=True):
        rec = dict(zip(header, row))
        got[(rec["工位号"], rec["评分项"], rec["裁判"])] = rec
    expected = list(csv.DictReader((EXAMPLES / "marks.csv").open(encoding="utf-8")))
    assert len(got) == len(expected)
    for m in expected:
        rec = got[(m["station"], m["aspect"], m["judge"])]
        typed = m["score"] or m["measured"]
        shown = rec["分数"] if m["score"] else rec["实测值"]
        assert Decimal(str(shown)) == Decimal(typed)
        assert rec["已核对"] == "是" and rec["录入人"] == "冯记录" and rec["核对人"] == "于记录"
        assert rec["得分"] is not None and rec["折算分"] is not None
    a1 = got[("05", "A1", "赵一")]  # 59.985 measured against 60 ± 0.02: the full 8 points
    assert a1["折算分"] == 8 and a1["得分"] == 8
    assert out.stat().st_size > 0


def test_competitors_check_writes_nothing(example_db: Callable[[str], Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("init")
    before = dump(db)
    assert cli("competitors", "check", SHEETS / "competitors_bad.xlsx", "--db", db,
               who="admin") == 2
    err = capsys.readouterr().err
    for row in range(2, 8):
        assert f"competitors_bad.xlsx, row {row} (第{row}行), field " in err
    assert cli("competitors", "check", SHEETS / "competitors_cn.xlsx", "--db", db,
               who="admin") == 0
    assert "no problems" in capsys.readouterr().out
    assert cli("competitors", "check", EXAMPLES / "competitors.csv", "--db", db,
               who="chief") == 5
    assert dump(db) == before
    assert cli("competitors", "import", EXAMPLES / "competitors.csv", "--db", db,
               who="admin") == 0
    assert cli("competitors", "check", EXAMPLES / "competitors.csv", "--db", db,
               who="admin") == 2
    assert "already entered" in capsys.readouterr().err


def test_marks_check_shows_the_engines_refusal(example_db: Callable[[str], Path],
                                               tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("drawn")
    bad = tmp_path / "marks.csv"
    bad.write_text("event,station,aspect,judge,score,measured\nGJQG,05,A4,赵一,7,\n"
                   "GJQG,99,A4,赵一,7,\n", encoding="utf-8")
    before = dump(db)
    assert cli("marks", "check", bad, "--db", db, who="recorder") == 2
    assert "row 3 (第3行), field station" in capsys.readouterr().err
    assert dump(db) == before


FONTS = Path(__file__).resolve().parents[2] / "assets" / "fonts"


def _pdf(xlsx: Path, outdir: Path) -> Path:
    """LibreOffice headless to PDF. The bundled Noto SC fonts are added to fontconfig so that a
    machine without Chinese fonts renders glyphs, not boxes (look: pdftoppm -r 60 -png)."""
    profile = outdir / "profile"
    fonts = outdir / "fonts.conf"
    fonts.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{FONTS}</dir>\n  <cachedir>{outdir / 'fc-cache'}</cachedir>\n"
        "</fontconfig>\n", encoding="utf-8")
    done = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{profile}",
         "--convert-to", "pdf", "--outdir", str(outdir), str(xlsx)],
        capture_output=True, text=True, timeout=180, check=False,
        env={**os.environ, "FONTCONFIG_FILE": str(fonts)})
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr, done.stderr
    pdf = outdir / (xlsx.stem + ".pdf")
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    return pdf


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_results_xlsx_converts_to_pdf(example_db: Callable[[str], Path], tmp_path: Path) -> None:
    db = example_db("decrypted")
    xlsx = tmp_path / "results.xlsx"
    assert cli("results", "--event", "GJQG", "--xlsx", xlsx, "--db", db, who="chief") == 0
    ws = openpyxl.load_workbook(xlsx).active
    assert ws["A4"].value == "名次" and ws.freeze_panes == "A5"
    names = [ws.cell(r, 4).value for r in range(5, 17)]
    assert all(names) and ws.cell(5, 1).value == 1
    pdf = _pdf(xlsx, tmp_path)
    assert b"/Count 1" in pdf.read_bytes()  # one A4 page for 12 competitors
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, timeout=60, check=False).stdout
        assert "成绩公示" in text or "成绩表" in text
        assert names[0] in text
