"""检录: scan or type a number and Enter; late arrivals past the limit are marked absent."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QDateTime, Qt

from db.ops.people import competitors, entrants
from tests.conftest import USERS
from ui.checkin import CheckinScreen, late_minutes
from ui.state import AppState

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def open_checkin(qtbot, path: Path, who: str) -> tuple[AppState, CheckinScreen]:
    state = AppState()
    state.open(path)
    state.sign_in(*USERS[who])
    screen = CheckinScreen(state)
    state.changed.connect(screen.refresh)  # as the main window does
    qtbot.addWidget(screen)
    screen.resize(1200, 700)
    screen.show()
    return state, screen


def scan(qtbot, screen: CheckinScreen, text: str) -> None:
    """What a USB barcode scanner does: types the text, then Enter."""
    screen.search.clear()
    qtbot.keyClicks(screen.search, text)
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)


@pytest.fixture
def drawn(example_db: Callable[[str], Path]) -> Path:
    return example_db("drawn")


def person(state: AppState, candidate: str):
    """The workstation a candidate number has (the draw is sealed: no person behind it)."""
    return next(p for p in entrants(state.contest, "GJQG") if p.candidate == candidate)


def test_scan_a_candidate_number_checks_in(qtbot, drawn: Path, qtmodeltester) -> None:
    state, screen = open_checkin(qtbot, drawn, "admin")
    qtmodeltester.check(screen.model)
    assert "尚未开钟" in screen.start_label.text()
    p = person(state, "GJQG-003")
    with qtbot.waitSignal(screen.checked_in) as sig:
        scan(qtbot, screen, "gjqg-003")  # the case a scanner sends does not matter
    assert sig.args == [p.uid]
    assert person(state, "GJQG-003").checked_in
    # the draw is sealed: a candidate number names nobody until decryption
    names = {x.name for x in competitors(state.contest, "GJQG")}
    assert screen.name.text() not in names and not p.name
    assert "已签到" in screen.verdict.text()
    assert "已签到 1 / 12" in screen.counts.text()
    row = next(i for i, r in enumerate(screen.model.rows) if r.uid == p.uid)
    assert "已签到" in screen.model.index(row, 4).data()
    assert screen.search.hasSelectedText()  # the next scan replaces the text


def test_an_id_number_finds_the_person_too(qtbot, drawn: Path) -> None:
    state, screen = open_checkin(qtbot, drawn, "admin")
    with qtbot.waitSignal(screen.checked_in):
        scan(qtbot, screen, "230202199908163780")
    # the organiser sees who it is, to compare with the ID card (no number: sealed)
    p = screen.current
    assert p is not None and p.name == "史红霞" and p.candidate is None
    assert screen.name.text() == p.name and p.unit in screen.unit.text()
    assert p.id_number not in screen.unit.text()  # masked on screen
    # scanning the same person again changes nothing and says so
    with qtbot.waitSignal(screen.competitor_found):
        scan(qtbot, screen, "230202199908163780")
    assert "已签到" in screen.verdict.text()
    assert sum(p.checked_in for p in competitors(state.contest, "GJQG")) == 1


def test_unknown_number_is_said_plainly(qtbot, drawn: Path) -> None:
    _state, screen = open_checkin(qtbot, drawn, "admin")
    with qtbot.waitSignal(screen.competitor_found) as sig:
        scan(qtbot, screen, "GJQG-999")
    assert sig.args == [None]
    assert "没有找到" in screen.verdict.text()
    assert not screen.checkin_btn.isEnabled()


def test_late_beyond_the_limit_asks_then_marks_absent(qtbot, drawn: Path) -> None:
    state, screen = open_checkin(qtbot, drawn, "admin")
    screen.use_scheduled.setChecked(True)
    screen.scheduled.setDateTime(QDateTime.currentDateTime().addSecs(-30 * 60))
    assert screen.late_now() in (29, 30, 31)
    assert "缺考" in screen.late_label.text()
    with qtbot.waitSignal(screen.competitor_found):
        scan(qtbot, screen, "GJQG-004")
    assert not person(state, "GJQG-004").checked_in  # no automatic check-in when late
    assert "记缺考" in screen.checkin_btn.text()
    with qtbot.waitSignal(screen.checked_in):
        screen.checkin_btn.click()
    p = person(state, "GJQG-004")
    assert p.checked_in and p.status == "absent"
    assert "缺考" in screen.verdict.text()


def test_the_chief_judge_sees_numbers_only_and_marks_absent(qtbot, drawn: Path) -> None:
    state, screen = open_checkin(qtbot, drawn, "chief")
    headers = [screen.model.headerData(i, Qt.Orientation.Horizontal)
               for i in range(screen.model.columnCount())]
    assert "姓名" not in headers and "单位" not in headers
    p = person(state, "GJQG-006")
    screen.auto.setChecked(False)
    with qtbot.waitSignal(screen.competitor_found):
        scan(qtbot, screen, p.station)  # a workstation number of the chosen event
    assert screen.current.uid == p.uid
    names = {x.name for x in competitors(state.contest, "GJQG")}
    assert not any(n in screen.name.text() or n in screen.unit.text() for n in names)
    assert not screen.photo.isVisible()
    assert not screen.absent_btn.isEnabled()  # a reason first
    screen.absent_reason.insert("未到场，电话联系不上")  # typed through the input method
    with qtbot.waitSignal(state.changed):
        screen.absent_btn.click()
    assert person(state, "GJQG-006").status == "absent"


def test_late_minutes() -> None:
    assert late_minutes(None, 1000.0) == 0
    assert late_minutes(1000.0, 900.0) == 0
    assert late_minutes(1000.0, 1000.0 + 15 * 60 + 59) == 15
