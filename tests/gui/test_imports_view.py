"""导入: every row's problems before anything is imported; imports and exports through the app."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt

from db.ops.people import competitors, theory_scores
from tests.conftest import EXAMPLES, USERS, dump
from ui.imports import PROBLEM_BG, ImportsScreen
from ui.main_window import MainWindow
from ui.settings import Settings
from ui.state import AppState

SHEETS = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def open_imports(qtbot, path: Path, who: str = "admin") -> tuple[AppState, ImportsScreen]:
    state = AppState()
    state.open(path)
    state.sign_in(*USERS[who])
    screen = ImportsScreen(state)
    state.changed.connect(screen.refresh)  # as the main window does
    qtbot.addWidget(screen)
    screen.show()
    return state, screen


def preview(qtbot, screen: ImportsScreen, kind: str, path: Path):
    screen.set_kind(kind)
    with qtbot.waitSignal(screen.previewed, timeout=20000) as got:
        screen.set_file(path)
    return got.args[0]


def cells(screen: ImportsScreen) -> list[list[str]]:
    m = screen.model
    return [[m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())]


def test_a_bad_id_row_is_shown_red_and_nothing_can_be_imported(
        qtbot, example_db: Callable[[str], Path], tmp_path: Path, qtmodeltester) -> None:
    db = example_db("init")
    bad = tmp_path / "list.csv"
    lines = (EXAMPLES / "competitors.csv").read_text(encoding="utf-8-sig").splitlines()
    lines[3] = lines[3].replace("230102198008286371", "230102198008286372")  # check digit
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = dump(db)
    state, screen = open_imports(qtbot, db)
    assert [screen.kind.itemData(i) for i in range(screen.kind.count())] == [
        "competitors", "theory"]  # the organiser's kinds
    p = preview(qtbot, screen, "competitors", bad)
    assert len(p.rows) == 12 and not p.ok
    assert [(x.row, x.field) for x in p.problems] == [(4, "id_number")]
    qtmodeltester.check(screen.model)
    qtmodeltester.check(screen.problem_model)
    rows = cells(screen)
    assert len(rows) == 12
    assert rows[2][0] == "4" and rows[2][1] == "有问题" and "校验位" in rows[2][-1]
    assert rows[0][1] == "正常" and rows[0][-1] == ""
    assert rows[2][3] == "2301**********6372"  # ID numbers are shown masked
    red = screen.model.index(2, 3).data(Qt.ItemDataRole.BackgroundRole)
    assert red is not None and red.name() == PROBLEM_BG
    assert screen.model.index(0, 3).data(Qt.ItemDataRole.BackgroundRole) is None
    problem = [screen.problem_model.index(0, c).data() for c in range(4)]
    assert problem[:3] == ["list.csv", "4", "id_number"]
    assert not screen.import_btn.isEnabled()
    assert "1 行有问题" in screen.summary.text()
    assert screen.do_import() is None
    assert dump(db) == before  # the preview wrote nothing
    assert competitors(state.contest, "GJQG") == []


def test_a_libreoffice_file_with_many_problems_names_every_row(
        qtbot, example_db: Callable[[str], Path]) -> None:
    _state, screen = open_imports(qtbot, example_db("init"))
    p = preview(qtbot, screen, "competitors", SHEETS / "competitors_bad.xlsx")
    assert sorted({x.row for x in p.problems}) == [2, 3, 4, 5, 6, 7]
    assert {x.field for x in p.problems} >= {"身份证号", "姓名", "赛项"}  # as the file says
    assert not screen.import_btn.isEnabled()


def test_a_good_file_imports_and_the_people_appear(
        qtbot, example_db: Callable[[str], Path]) -> None:
    state, screen = open_imports(qtbot, example_db("init"))
    p = preview(qtbot, screen, "competitors", SHEETS / "competitors_example.xlsx")
    assert p.ok and p.outcome == 12 and not p.problems
    assert screen.import_btn.isEnabled()
    assert "添加 12 名选手" in screen.summary.text()
    assert competitors(state.contest, "GJQG") == []  # still nothing before Import
    with qtbot.waitSignal(state.changed) as changed, \
            qtbot.waitSignal(screen.imported) as done:
        qtbot.mouseClick(screen.import_btn, Qt.MouseButton.LeftButton)
    assert "people" in changed.args[0]
    assert done.args == ["competitors", 12]
    people = competitors(state.contest, "GJQG")
    assert len(people) == 12 and "史红霞" in {x.name for x in people}
    assert not screen.import_btn.isEnabled() and screen.model.rowCount() == 0
    # the same file again: every row is already entered
    p = preview(qtbot, screen, "competitors", SHEETS / "competitors_example.xlsx")
    assert not p.ok and len({x.row for x in p.problems}) == 12
    assert "已报名" in p.problems[0].message


def test_theory_preview_then_import(qtbot, example_db: Callable[[str], Path],
                                   tmp_path: Path) -> None:
    state, screen = open_imports(qtbot, example_db("drawn"))
    p = preview(qtbot, screen, "theory", SHEETS / "theory_bad.csv")
    assert not p.ok and {x.row for x in p.problems} >= {3, 4, 5, 7, 8}
    assert not screen.import_btn.isEnabled()
    unknown = tmp_path / "theory.csv"
    shutil.copy(EXAMPLES / "theory.csv", unknown)
    with unknown.open("a", encoding="utf-8") as f:
        f.write("GJQG,11010519491231002X,70\n")  # a valid ID of nobody in the contest
    p = preview(qtbot, screen, "theory", unknown)
    assert [(x.row, x.field) for x in p.problems] == [(14, "id_number")]
    assert "无此选手" in p.problems[0].message  # the engine's check, not only the reader's
    assert not screen.import_btn.isEnabled()
    p = preview(qtbot, screen, "theory", EXAMPLES / "theory.csv")
    assert p.ok and p.outcome == 12
    assert theory_scores(state.contest, "GJQG") == {}
    with qtbot.waitSignal(screen.imported):
        qtbot.mouseClick(screen.import_btn, Qt.MouseButton.LeftButton)
    assert len(theory_scores(state.contest, "GJQG")) == 12


def test_recorder_previews_marks_typed_from_paper(qtbot, example_db: Callable[[str], Path],
                                                   tmp_path: Path) -> None:
    _state, screen = open_imports(qtbot, example_db("drawn"), who="recorder")
    assert [screen.kind.itemData(i) for i in range(screen.kind.count())] == ["marks"]
    assert not screen.export_btns["marks"].isEnabled()  # the chief judge's file
    bad = tmp_path / "marks.csv"
    lines = (EXAMPLES / "marks.csv").read_text(encoding="utf-8").splitlines()
    i = next(i for i, line in enumerate(lines) if line.endswith(",7.0,"))
    lines[i] = lines[i].replace("7.0", "70")  # above the aspect's maximum
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = preview(qtbot, screen, "marks", bad)
    assert [(x.row, x.field) for x in p.problems] == [(i + 1, "score")]
    assert not screen.import_btn.isEnabled()
    p = preview(qtbot, screen, "marks", EXAMPLES / "marks.csv")
    assert p.ok and p.outcome["entered"] == len(lines) - 1
    with qtbot.waitSignal(screen.imported):
        screen.import_btn.click()
    assert "新录入" in screen.summary.text()


def test_exports_write_workbooks_on_a_worker(qtbot, example_db: Callable[[str], Path],
                                             tmp_path: Path) -> None:
    _state, screen = open_imports(qtbot, example_db("verified"), who="chief")
    assert all(b.isEnabled() for b in screen.export_btns.values())
    for what in ("results", "marks", "scheme"):
        target = tmp_path / f"{what}.xlsx"
        with qtbot.waitSignal(screen.exported, timeout=20000) as done:
            screen.export(what, target)
        assert done.args == [what, target]
        assert openpyxl.load_workbook(target).sheetnames
    wb = openpyxl.load_workbook(tmp_path / "marks.xlsx")
    assert wb.sheetnames[0] == "明细" and wb["明细"].max_row > 100


def test_the_main_window_offers_the_import_screen(qtbot, state) -> None:
    w = MainWindow(state, Settings())
    qtbot.addWidget(w)
    w.open_contest(state.contest.path)
    state.sign_in("记分员甲", "3001")
    w.signin.signed_in_done.emit("记分员甲")
    titles = [w.nav.item(i).text() for i in range(w.nav.count())]
    assert "导入" in titles
    screen = w.show_screen("imports")
    assert isinstance(screen, ImportsScreen)
    assert screen.kinds() == ["marks"]
