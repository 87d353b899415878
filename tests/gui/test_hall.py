"""赛场大屏: station numbers and time left, never names; every station fits on the screen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from db.ops.people import competitors
from db.ops.timing import clock_action
from tests.conftest import USERS
from ui.board import ClockModel, ClockRole, NoteRole, StateRole, TileDelegate
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


class RecordingPainter(QPainter):
    """A real painter on an image that also keeps every text it was asked to draw."""

    def __init__(self, image: QImage) -> None:
        super().__init__(image)
        self.texts: list[str] = []

    def drawText(self, *args) -> None:  # noqa: N802 - Qt's name
        self.texts.extend(a for a in args if isinstance(a, str))
        super().drawText(*args)


def painted_texts(delegate, model, station: str) -> list[str]:
    image = QImage(QSize(320, 200), QImage.Format.Format_ARGB32)
    painter = RecordingPainter(image)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 320, 200)
    delegate.paint(painter, option, model.index(model.row_of(station), 0))
    painter.end()
    return painter.texts


def test_overtime_reads_as_such_with_its_deduction_on_both_screens(qtbot, running) -> None:
    # issue 17: "剩余 +0:09:29" with no word of the −10 the practical loses
    state, t0 = running
    hall = HallScreen(state)
    qtbot.addWidget(hall)
    hall.model.tick(t0 + 240 * 60 + 9 * 60 + 29)  # 01 runs 9:29 over: 10 started minutes
    assert hall.model.shown("01") == "overtime"
    projector = painted_texts(hall.view.itemDelegate(), hall.model, "01")
    assert "超时 −10" in projector and "0:09:29" in projector
    assert not any("+" in x or "剩余" in x for x in projector), projector
    tile = painted_texts(TileDelegate(), hall.model, "01")
    assert "超时 −10" in tile and "超时" in tile and "0:09:29" in tile
    assert not any("+" in x or "剩余" in x for x in tile), tile
    hall.model.tick(t0 + 60)  # 03 started too, a minute ago
    in_time = painted_texts(TileDelegate(), hall.model, "03")
    assert "剩余" in in_time and "3:59:00" in in_time and not any("−" in x for x in in_time)
