"""Bad input that exhausted or broke the loaders (issue 16): every read stays bounded.

The zip bomb: a 1 MB .xlsx whose sheet XML, once inflated, spans millions of rows (the kind that
used 12.5 GB). It is read in a subprocess and the peak memory measured with getrusage.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from db.files.competitor_file import read_competitors
from db.files.readers import MAX_FILE_BYTES
from db.files.tables import read_table
from judging.errors import InputError, InputErrors, VerificationFailed
from judging.scheme import load_competition
from tests.conftest import EXAMPLES, ROOT, cli, dump

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                 b'openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
                 b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 b'<Default Extension="xml" ContentType="application/xml"/><Override '
                 b'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                 b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
                 b'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
                 b'officedocument.spreadsheetml.worksheet+xml"/></Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        b'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        b'Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxml'
            b'formats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" '
            b'r:id="rId1"/></sheets></workbook>')
WB_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
           b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
           b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           b'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def xlsx(path: Path, sheet_xml: Callable[[zipfile.ZipFile], None]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        sheet_xml(z)
    return path


def bomb(path: Path) -> Path:
    """About 1 MB: a million rows once inflated (~50 MB of XML; rows and cells without ``r``)."""
    def write(z: zipfile.ZipFile) -> None:
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            f.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>')
            chunk = b"".join(b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
                             for _ in range(10_000))
            for _ in range(100):
                f.write(chunk)
            f.write(b"</sheetData></worksheet>")
    return xlsx(path, write)


def far_cell(path: Path) -> Path:
    """Two cells, A1 and XFD1048576: a dense reader would allocate 17 billion cells."""
    def write(z: zipfile.ZipFile) -> None:
        z.writestr("xl/worksheets/sheet1.xml",
                   b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                   b'openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/>'
                   b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
                   b'</row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
                   b'</worksheet>')
    return xlsx(path, write)


PROBE = """
import sys
from db.files.tables import read_table
from judging.errors import JiangxinError
try:
    read_table(sys.argv[1], columns={"name": ["name"]}, required=["name"])
    print("READ")
except JiangxinError as exc:
    print("REFUSED", exc)
# this process's own peak (VmHWM, kB): ru_maxrss would carry the parent's peak over the exec
print(next(int(line.split()[1]) for line in open("/proc/self/status")
           if line.startswith("VmHWM:")))
"""


@pytest.mark.parametrize("make", [bomb, far_cell])
def test_zip_bomb_is_refused_within_bounded_memory(tmp_path: Path,
                                                   make: Callable[[Path], Path]) -> None:
    path = make(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 2 * 1024 * 1024
    got = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert got.returncode == 0, got.stderr
    verdict, peak_kb = got.stdout.strip().rsplit("\n", 1)
    assert verdict.startswith("REFUSED") and "too large" in verdict, verdict
    assert int(peak_kb) < 500 * 1024, f"peak RSS {int(peak_kb) // 1024} MB"


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written, nothing should be read
    with pytest.raises(InputError) as info:
        read_table(path)
    assert "too large" in str(info.value) and "64 MB" in str(info.value)


def test_a_row_of_too_many_columns(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("姓名," + ",".join("x" * 1 for _ in range(5000)) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_table(path)
    assert "columns" in str(info.value)


def test_deeply_nested_results_file_is_refused_not_a_crash(tmp_path: Path) -> None:
    from db.files.exchange import read_results_file

    nested = b'{"format": 1, "body": ' + b"[" * 200_000 + b"]" * 200_000 + b"}\n"
    with pytest.raises(VerificationFailed):
        read_results_file(nested, name="nested.json")


@pytest.mark.parametrize(("name", "char"), [("王\x00伟", "0000"), ("王\u202e伟", "202E"),
                                            ("王\u2066伟", "2066"), ("王\x1b伟", "001B")])
def test_control_and_bidi_characters_refused_with_row_and_field(tmp_path: Path, name: str,
                                                                char: str) -> None:
    path = tmp_path / "c.csv"
    path.write_text(f"姓名,身份证号\n张三,230202199908163780\n{name},231002198504146875\n",
                    encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        read_competitors(path, {"GJQG"})
    [e] = info.value.errors
    assert (e.row, e.field) == (3, "姓名") and f"U+{char}" in e.detail


def test_names_too_long_refused_at_import(tmp_path: Path,
                                          example_db: Callable[[str], Path]) -> None:
    path = tmp_path / "c.csv"
    lines = ["姓名,身份证号,单位",
             "王" * 5000 + ",230202199908163780,某厂",
             "𠮷" * 40 + ",231002198504146875,某厂",  # 40 characters, 160 bytes: no QR code
             "李四,230102198008286371," + "单" * 65]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        read_competitors(path, {"GJQG"})
    found = [(e.row, e.field) for e in info.value.errors]
    assert found == [(2, "姓名"), (3, "姓名"), (4, "单位")]
    assert "5000 characters" in info.value.errors[0].detail
    assert "certificate" in info.value.errors[1].detail
    db = example_db("init")
    before = dump(db)
    assert cli("competitors", "import", path, "--db", db, who="admin") == 2
    assert dump(db) == before


def test_stations_and_counts_bounded_in_the_competition_file() -> None:
    text = (EXAMPLES / "competition.toml").read_text(encoding="utf-8")
    bad = text.replace("stations = 12", "stations = 1000000000").replace(
        "judges = 5", "judges = 100000000", 1)
    with pytest.raises(InputErrors) as info:
        load_competition(bad)
    fields = {e.field for e in info.value.errors}
    assert "event[0].stations" in fields or any("stations" in (f or "") for f in fields)
    assert any("judges" in (f or "") for f in fields)
    evil = text.replace('name = "王组委"', 'name = "王\\u202e组委"')
    with pytest.raises(InputErrors) as info:
        load_competition(evil)
    assert any("U+202E" in e.detail for e in info.value.errors)
    json.dumps([e.detail for e in info.value.errors], ensure_ascii=False)
