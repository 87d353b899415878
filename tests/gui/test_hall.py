"""赛场大屏: station numbers and time left, never names; every station fits on the screen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from db.ops.people import competitors
from db.ops.timing import clock_action
from tests.conftest import USERS
from ui.board import ClockModel, ClockRole, NoteRole, StateRole
from ui.hall import HallScreen
from ui.state import AppState

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def running(example_db: Callable[[str], Path]) -> tuple[AppState, float]:
    state = AppState()
    state.open(example_db("drawn"))
    state.sign_in(*USERS["chief"])
    t0 = 1_800_000_000.0
    state.apply(clock_action, "GJQG", ["01", "02", "03", "04", "05", "06"], "start", at=t0)
    state.apply(clock_action, "GJQG", ["02"], "pause", reason="停电", at=t0 + 60)
    return state, t0


def test_shows_numbers_and_time_left_never_names(qtbot, running) -> None:
    state, t0 = running
    hall = HallScreen(state)
    state.changed.connect(hall.refresh)  # as the main window does
    qtbot.addWidget(hall)
    hall.resize(1280, 720)
    hall.show()
    qtbot.waitExposed(hall)
    m = hall.model
    assert [r.station for r in m.rows] == [f"{i:02d}" for i in range(1, 13)]
    m.tick(t0 + 90)
    assert m.shown("01") == "running" and m.shown("02") == "paused" and m.shown("07") == "idle"
    assert m.index(0, ClockModel.REMAINING).data() == "3:58:30"
    # nothing a competitor could be recognised by, in any role the hall paints from
    people = competitors(state.contest, "GJQG")
    secrets = {p.name for p in people} | {p.unit for p in people} | \
        {p.candidate for p in people if p.candidate}
    for row in range(m.rowCount()):
        for col in range(m.columnCount()):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, NoteRole,
                         StateRole):
                text = str(m.index(row, col).data(role) or "")
                assert not any(s and s in text for s in secrets), text
        assert m.index(row, 0).data(ClockRole) is not None
    # every tile fits in the view: no scrolling on a projector
    view = hall.view
    for row in range(m.rowCount()):
        rect = view.visualRect(m.index(row, 0))
        assert view.viewport().rect().contains(rect), (row, rect)
    # the digits grow with the screen
    small = hall.view.tile.size
    hall.resize(1920, 1080)
    qtbot.waitUntil(lambda: hall.view.tile.size.height() > small.height())


def test_follows_clock_changes_and_ticks(qtbot, running) -> None:
    state, t0 = running
    hall = HallScreen(state)
    state.changed.connect(hall.refresh)  # as the main window does
    qtbot.addWidget(hall)
    hall.show()
    with qtbot.waitSignal(hall.model.dataChanged):
        state.apply(clock_action, "GJQG", ["01"], "stop", at=t0 + 100)
    assert hall.model.shown("01") == "stopped"
    assert hall.timer.isActive()
    with qtbot.waitSignal(hall.timer.timeout, timeout=3000):
        pass
    assert hall.wall_clock.text().count(":") == 2
    hall.hide()
    assert not hall.timer.isActive()  # hidden: no repaint work at all


def test_escape_closes_the_full_screen_window(qtbot, running) -> None:
    state, _ = running
    hall = HallScreen(state)
    state.changed.connect(hall.refresh)  # as the main window does
    qtbot.addWidget(hall)
    hall.showFullScreen()
    qtbot.waitExposed(hall)
    qtbot.keyClick(hall, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not hall.isVisible())
