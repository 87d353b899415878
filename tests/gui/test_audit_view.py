"""审计日志: filters by user, action, table and time; the chain check and its problems."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QDateTime

from tests.conftest import USERS
from ui.audit_view import AuditScreen
from ui.state import AppState

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def open_audit(qtbot, path: Path, who: str = "supervisor") -> tuple[AppState, AuditScreen]:
    state = AppState()
    state.open(path)
    state.sign_in(*USERS[who])
    screen = AuditScreen(state)
    state.changed.connect(screen.refresh)  # as the main window does
    qtbot.addWidget(screen)
    screen.show()
    return state, screen


def column(screen: AuditScreen, zh: str) -> list[str]:
    i = [c.zh for c in screen.model.columns].index(zh)
    return [screen.model.index(r, i).data() for r in range(screen.model.rowCount())]


def test_filters(qtbot, example_db, qtmodeltester) -> None:
    _state, screen = open_audit(qtbot, example_db("timed"))
    qtmodeltester.check(screen.model)
    total = screen.model.rowCount()
    assert total > 50 and f"{total} 条记录" in screen.count.text()
    seqs = [int(s) for s in column(screen, "序号")]
    assert seqs == sorted(seqs, reverse=True)  # newest first

    chief = USERS["chief"][0]
    screen.user.setCurrentIndex(screen.user.findData(chief))
    assert set(column(screen, "用户")) == {chief}
    # besides the times: the record that the chief judge signed in here (attributable merges)
    signin = "在本电脑首次用 PIN 登录后操作"
    ops = column(screen, "操作")
    assert set(ops) == {"导入用时", signin}  # in words, not "times.import"
    assert ops.count(signin) == 1
    times = [i for i, x in enumerate(ops) if x != signin]
    assert all(column(screen, "对象")[i].startswith("GJQG · 工位 ") for i in times)
    assert all(column(screen, "变化（前 → 后）")[i].startswith("用时 ") for i in times)

    screen.clear_filters()
    screen.action.setCurrentIndex(screen.action.findData("marks.enter"))
    assert screen.action.currentText() == "录入分数"  # the filter lists words too
    marks = screen.model.rowCount()
    assert 0 < marks < total and set(column(screen, "操作")) == {"录入分数", "复核录入"}
    screen.table_pick.setCurrentIndex(screen.table_pick.findData("draws"))
    assert screen.model.rowCount() == 0  # both filters apply

    screen.clear_filters()
    screen.use_since.setChecked(True)
    screen.since.setDateTime(QDateTime.currentDateTime().addSecs(3600))
    assert screen.model.rowCount() == 0  # nothing written in the future
    screen.since.setDateTime(QDateTime.currentDateTime().addDays(-1))
    assert screen.model.rowCount() == total


def test_verify_an_intact_chain(qtbot, example_db) -> None:
    _state, screen = open_audit(qtbot, example_db("drawn"))
    with qtbot.waitSignal(screen.verified, timeout=10_000) as sig:
        screen.verify_btn.click()
    assert not screen.verify_btn.isEnabled() or sig.args  # busy until the result is back
    report = sig.args[0]
    assert report.ok
    assert screen.verdict.isVisible() and screen.verdict.text().startswith("✓")
    assert screen.verify_btn.isEnabled()


def test_verify_shows_tampering_plainly(qtbot, example_db) -> None:
    path = example_db("drawn")
    con = sqlite3.connect(path)  # someone edits the file behind the application's back
    con.execute("DROP TRIGGER lots_no_update")
    con.execute("UPDATE lots SET candidate = 'GJQG-099' WHERE station = '01'")
    con.commit()
    con.close()
    _state, screen = open_audit(qtbot, path)
    with qtbot.waitSignal(screen.verified, timeout=10_000) as sig:
        screen.verify_btn.click()
    assert not sig.args[0].ok
    text = screen.verdict.text()
    assert text.startswith("✗") and "lots row" in text and "differs" in text


def test_judges_do_not_see_recorded_rows(qtbot, example_db) -> None:
    _state, screen = open_audit(qtbot, example_db("drawn"), who="judge")
    assert "内容" not in [c.zh for c in screen.model.columns]


def test_the_supervisor_reads_who_did_what_to_which_station_and_why(qtbot, example_db) -> None:
    from db.ops.marking import clear_mark

    state, screen = open_audit(qtbot, example_db("verified"))
    chief = AppState()
    chief.open(state.contest.path)
    chief.sign_in(*USERS["chief"])
    chief.apply(clear_mark, "GJQG", "05", "A4", "赵一", "记分员看错了行")
    screen.reload(refill=True)
    row = {c.zh: screen.model.index(0, i).data() for i, c in enumerate(screen.model.columns)}
    assert row["用户"] == USERS["chief"][0] and row["角色"] == "裁判长"
    assert row["操作"] == "清除分数"
    assert row["对象"] == "GJQG · 工位 05 · 评分项 A4 · 裁判 赵一"
    assert row["变化（前 → 后）"] == "7 → —"
    assert row["原因"] == "记分员看错了行"


def test_a_judge_reads_stations_never_candidate_numbers(qtbot, example_db) -> None:
    _state, screen = open_audit(qtbot, example_db("drawn"), who="judge")
    texts = [str(screen.model.index(r, c).data()) for r in range(screen.model.rowCount())
             for c in range(screen.model.columnCount())]
    assert any("工位 05" in x for x in texts)
    assert not any("GJQG-0" in x for x in texts)
