"""Imported, not only read: the LibreOffice-written lists through `competitors import` into a
two-event contest (工具钳工 GJQG, 焊工 HG), each competitor's row as stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, cli

S = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"

HG = '''
[[event]]
id = "HG"
name = "焊工"
group = "职工组"
stations = 12
duration_min = 240

  [[event.module]]
  id = "A"
  name = "焊缝"

    [[event.module.aspect]]
    id = "A1"
    kind = "M"
    max = 100
    text = "焊缝外观"
'''


@pytest.fixture
def two_events(tmp_path: Path) -> Path:
    toml = tmp_path / "two.toml"
    toml.write_text((EXAMPLES / "competition.toml").read_text(encoding="utf-8") + HG,
                    encoding="utf-8")
    db = tmp_path / "two.jxdb"
    assert cli("init", toml, "--db", db, who="admin") == 0
    return db


@pytest.mark.parametrize("ext", ["xlsx", "xls", "et", "ods"])
def test_merged_units_imported_row_by_row(two_events: Path, ext: str) -> None:
    path = S / f"competitors_merged.{ext}"
    assert cli("competitors", "check", path, "--db", two_events, who="admin") == 0
    assert cli("competitors", "import", path, "--db", two_events, who="admin") == 0
    con = sqlite3.connect(two_events)
    rows = con.execute("SELECT name, unit, event FROM competitors ORDER BY rowid").fetchall()
    con.close()
    assert rows == [
        ("史红霞", "哈尔滨汽轮机厂有限责任公司", "GJQG"),
        ("史凤伟", "哈尔滨汽轮机厂有限责任公司", "GJQG"),
        ("何\u3000犇", "哈尔滨汽轮机厂有限责任公司", "GJQG"),
        ("范海军", "哈尔滨电机厂有限责任公司", "GJQG"),
        ("黎海军", "哈尔滨电机厂有限责任公司", "GJQG"),
        ("汪丽娟", "大庆沃尔沃汽车制造有限公司", "GJQG"),
        ("廖丽娟", "大庆沃尔沃汽车制造有限公司", "HG"),
        ("贺占鹏", "哈尔滨东安汽车发动机制造有限公司", "HG"),
        ("夏鑫", "哈尔滨东安汽车发动机制造有限公司", "HG"),
        ("谭洪吉", "中国第一重型机械集团", "HG"),
        ("苏伯鸣", "东北轻合金有限责任公司", "HG"),
        ("龙同原", "东北轻合金有限责任公司", "HG"),
    ]


def test_a_merge_across_columns_refused_nothing_added(two_events: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = S / "competitors_bad_merge.xlsx"
    assert cli("competitors", "import", path, "--db", two_events, who="admin") == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "C3:D3" in err and "工作单位" in err
    con = sqlite3.connect(two_events)
    assert con.execute("SELECT COUNT(*) FROM competitors").fetchone()[0] == 0
    con.close()
