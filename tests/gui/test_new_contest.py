"""新建赛事: the wizard builds a contest from a workbook or on screen, never asking for TOML."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from db.files.workbook import write_workbook
from db.store.contest import Contest
from ui.new_contest import NewContestWizard

EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "example" / "competition.toml"
PASSPHRASE = "wizard passphrase 2026"


@pytest.fixture(autouse=True)
def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIANGXIN_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr("ui.new_contest.QMessageBox.information", lambda *a, **k: None)
    monkeypatch.setattr("ui.new_contest.QMessageBox.warning", lambda *a, **k: None)


def example_book(tmp_path: Path) -> Path:
    import tomllib
    from decimal import Decimal

    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)
    path = tmp_path / "赛事.xlsx"
    write_workbook(data, path)
    pins = {u["name"]: u["pin"] for u in data["user"]}
    wb = openpyxl.load_workbook(path)
    for row in wb["人员"].iter_rows(min_row=2):
        if row[0].value != "王组委":
            row[4].value = pins[row[0].value]
    wb.save(path)
    return path


def finish(qtbot, wizard: NewContestWizard, target: Path, admin: str, pin: str) -> None:  # type: ignore[no-untyped-def]
    wizard.next()
    assert wizard.currentPage() is wizard.create_page, wizard.sheets.problems.text()
    wizard.create_page.admin.setCurrentText(admin)
    wizard.create_page.pin.setText(pin)
    wizard.create_page.target.setText(str(target))
    assert wizard.validateCurrentPage(), wizard.sheets.problems.text()


def test_from_a_workbook(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = NewContestWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.sheets.load_file(example_book(tmp_path))
    assert list(wizard.sheets.tables) == ["赛事", "赛项", "评分表-GJQG", "人员"]
    people = wizard.sheets.tables["人员"]
    delegate = people.itemDelegateForColumn(people.header.index("PIN"))
    assert delegate.displayText("2000", None) == "••••"  # PINs shown as dots
    target = tmp_path / "c.jxdb"
    finish(qtbot, wizard, target, "王组委", "1000")
    c = Contest.open(target)
    try:
        assert c.competition.name == "2020年黑龙江省职工职业技能大赛工具钳工决赛"
        assert len(c.competition.users) == 12
        assert [a.id for a in c.event("GJQG").aspects.values()][:3] == ["A1", "A2", "A3"]
        c.sign_in("李裁判长", "2000")  # the PIN its owner typed into 人员
    finally:
        c.close()


def test_on_screen_with_problems_shown_in_their_cells(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = NewContestWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    sheets = wizard.sheets
    wizard.next()  # the blank tables: refused, every problem named
    assert wizard.currentPage() is sheets
    text = sheets.problems.text()
    assert "人员" in text and "PIN" in text
    competition = sheets.tables["赛事"]
    values = {"赛事编号 id": "T-1", "赛事名称 name": "测试赛", "主办单位 organiser": "总工会",
              "比赛地点 venue": "实训中心", "赛事级别 level": "市级", "比赛日期 date": "2026-05-01"}
    for r in range(competition.rowCount()):
        label = competition.item(r, 0).text()
        if label in values:
            competition.item(r, 1).setText(values[label])
    events = sheets.tables["赛项"]
    events.item(0, 0).setText("CG")
    events.item(0, 1).setText("车工")
    scheme = sheets.tables["评分表-"]  # the blank event's scheme sheet
    scheme.set_rows([["A", "零件加工", "A1", "外圆尺寸", "测量", "60"],
                     ["A", "零件加工", "A2", "长度", "测量", "30"]])  # 60 + 30: not 100
    sheets.tables["人员"].set_rows([["张组委", "组委会/赛务", "市总工会", "", ""],
                                   ["李裁判长", "主裁", "技能中心", "", "246810"]])
    wizard.next()
    assert wizard.currentPage() is sheets
    text = sheets.problems.text()
    assert "add up to 90, not 100" in text
    scheme.item(1, 5).setText("40")
    wizard.next()  # then the competition file's own checks, each in its cell
    assert wizard.currentPage() is sheets
    role = sheets.tables["人员"].item(1, 1)
    assert "主裁" in sheets.problems.text()
    assert role.background().color().name() == "#f4c7c3"  # the cell in red
    role.setText("裁判长")
    target = tmp_path / "screen.jxdb"
    finish(qtbot, wizard, target, "张组委", "135790")
    c = Contest.open(target)
    try:
        assert c.competition.name == "测试赛" and c.competition.level == "city"
        assert c.event("CG").name == "车工"
        c.sign_in("张组委", "135790")
    finally:
        c.close()


def test_the_file_menu_offers_the_wizard(qtbot, state) -> None:  # type: ignore[no-untyped-def]
    from ui.main_window import MainWindow
    from ui.settings import Settings

    w = MainWindow(state, Settings())
    qtbot.addWidget(w)
    assert w.m_file.actions()[0] is w.a_wizard and w.a_wizard.text() == "新建赛事…"
