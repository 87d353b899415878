"""Files Excel opens (db/files/csv_out.py) and a console that cannot show every character."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT, cli


def test_results_csv_out_for_excel(example_db: Callable[[str], Path], tmp_path: Path) -> None:
    db = example_db("decrypted")
    out = tmp_path / "GJQG.csv"
    assert cli("results", "--event", "GJQG", "--csv", "--out", out, "--db", db, who="admin") == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert rows[0] == ["名次 place", "工位号 station", "参赛编号 candidate", "姓名 name",
                       "单位 unit", "理论成绩 theory", "实操成绩 practical", "总成绩 total",
                       "用时 time_used", "状态 status", "奖项 award", "称号 title", "等级 grade"]
    first = next(r for r in rows[1:] if r[1] == '="02"')  # kept as text: Excel shows 02
    assert first[2] == "GJQG-002" and first[3] == "史凤伟"
    assert first[8] == "3:34:12"  # 12852 seconds
    assert first[9] == "正常" and first[10] == "二等奖"
    assert len(rows) == 13


def test_results_csv_on_stdout_keeps_its_form(example_db: Callable[[str], Path],
                                              capsys: object) -> None:
    db = example_db("decrypted")
    assert cli("results", "--event", "GJQG", "--csv", "--db", db, who="admin") == 0
    text = capsys.readouterr().out  # type: ignore[attr-defined]
    assert text.startswith("place,station,candidate,name,unit,theory,practical,total,"
                           "time_used_s,status,")
    assert ",02,GJQG-002,史凤伟," in text and ",12852,ok," in text


def test_out_without_csv_is_a_usage_error(example_db: Callable[[str], Path],
                                          tmp_path: Path) -> None:
    db = example_db("decrypted")
    assert cli("results", "--event", "GJQG", "--out", tmp_path / "x.csv", "--db", db,
               who="admin") == 2
    assert not (tmp_path / "x.csv").exists()


def test_a_gbk_console_gets_replacements_not_a_traceback(tmp_path: Path) -> None:
    sheet = tmp_path / "s.csv"
    sheet.write_text("模块,评分项,类型,配分,评分内容\nA,A1,M,100,𠮷字检查\n", encoding="utf-8")
    env = dict(os.environ, PYTHONIOENCODING="gbk", QT_QPA_PLATFORM="offscreen")
    got = subprocess.run([sys.executable, str(ROOT / "main.py"), "scheme", "toml", str(sheet)],
                         env=env, capture_output=True, cwd=ROOT)
    assert got.returncode == 0, got.stderr.decode("gbk", "replace")
    assert b"Traceback" not in got.stderr
    text = got.stdout.decode("gbk")
    assert '"?字检查"' in text  # 𠮷 is not in GBK: replaced, the rest printed
    bad = tmp_path / "bad.csv"
    bad.write_text("模块,评分项,类型,配分,评分内容\nA,A1,M,90,𠮷\n", encoding="utf-8")
    got = subprocess.run([sys.executable, str(ROOT / "main.py"), "scheme", "toml", str(bad)],
                         env=env, capture_output=True, cwd=ROOT)
    assert got.returncode == 2 and b"Traceback" not in got.stderr
    assert "90" in got.stderr.decode("gbk")
