"""工位看板: start all, pause with a reason, resume, extra time, hand-in, overtime, reopening."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.conftest import USERS
from ui.board import BoardScreen, ClockModel, ClockRole, ReasonDialog, StationRole, hms
from ui.state import AppState

# the offscreen platform says this of every top-level window; it is not ours
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def drawn(example_db: Callable[[str], Path]) -> Path:
    """The example contest (GJQG, 12 stations, 240 min, overtime deducted), drawn, no clock
    started yet."""
    return example_db("drawn")


def open_board(qtbot, path: Path, who: str = "chief") -> tuple[AppState, BoardScreen]:
    state = AppState()
    state.open(path)
    state.sign_in(*USERS[who])
    board = BoardScreen(state)
    state.changed.connect(board.refresh)  # as the main window does
    qtbot.addWidget(board)
    board.resize(1200, 700)
    board.show()
    qtbot.waitExposed(board)
    return state, board


def shown(board: BoardScreen) -> dict[str, str]:
    return {r.station: r.shown for r in board.model.rows}


def test_start_all_pause_resume_extra_and_hand_in(qtbot, drawn: Path) -> None:
    state, board = open_board(qtbot, drawn)
    assert board.event_id == "GJQG"
    assert set(shown(board).values()) == {"idle"}
    assert board.start_all_btn.isEnabled() and not board.pause_btn.isEnabled()

    # start all: asks first, then starts every clock
    board.start_all_btn.click()
    box = board.findChild(QMessageBox)
    assert box is not None and "12" in box.text()
    with qtbot.waitSignal(state.changed) as changed:
        box.button(QMessageBox.StandardButton.Yes).click()
    assert "clocks" in changed.args[0]
    assert set(shown(board).values()) == {"running"}
    assert not board.start_all_btn.isEnabled()

    # pause station 02 for an equipment failure: the reason is required
    board.select(["02"])
    assert board.pause_btn.isEnabled()
    board.pause_btn.click()
    dlg = board.findChild(ReasonDialog)
    assert dlg is not None and dlg.isVisible()
    assert not dlg.ok.isEnabled()  # no reason yet
    dlg.reason.setEditText("设备故障：台钻主轴卡死")
    with qtbot.waitSignal(board.clock_recorded) as rec:
        dlg.ok.click()
    assert rec.args == ["pause", ["02"]]
    assert shown(board)["02"] == "paused"
    row = board.model.rows[board.model.row_of("02")]
    assert row.note == "设备故障：台钻主轴卡死"
    assert board.resume_btn.isEnabled() and not board.pause_btn.isEnabled()

    with qtbot.waitSignal(board.clock_recorded):
        board.resume_btn.click()
    assert shown(board)["02"] == "running"

    # ten minutes of extra time with a reason
    board.extra_btn.click()
    dlg = next(d for d in board.findChildren(ReasonDialog) if d.isVisible())
    dlg.minutes.setValue(10)
    dlg.reason.setEditText("设备故障补时")
    with qtbot.waitSignal(board.clock_recorded):
        dlg.ok.click()
    cs = board.model.clock("02")
    assert cs is not None and cs.extra_seconds == 600
    assert cs.limit_seconds == 240 * 60 + 600

    # competitors of 05 and 07 hand in
    board.select(["05", "07"])
    board.stop_btn.click()  # several clocks: it asks first (issue 17)
    box = board._dialog
    assert isinstance(box, QMessageBox) and "2 个工位" in box.text()
    assert shown(board)["05"] == "running"
    with qtbot.waitSignal(board.clock_recorded) as rec:
        box.button(QMessageBox.StandardButton.Yes).click()
    assert rec.args == ["stop", ["05", "07"]]
    assert shown(board)["05"] == shown(board)["07"] == "stopped"
    assert "已交卷 2" in board.summary.text()


def test_clocks_survive_closing_and_reopening(qtbot, drawn: Path) -> None:
    _state, board = open_board(qtbot, drawn)
    board.select(["03"])
    with qtbot.waitSignal(board.clock_recorded):
        board.start_btn.click()
    started = board.model.clock("03").started_at
    assert started is not None
    # the app goes away without closing anything (as in a crash) ...
    board.close()
    # ... and a new one on the same file shows the same clock, still running
    _state2, board2 = open_board(qtbot, drawn)
    assert shown(board2)["03"] == "running"
    assert shown(board2)["01"] == "idle"
    board2.model.tick(started + 125)
    i = board2.model.row_of("03")
    assert board2.model.index(i, ClockModel.USED).data() == "0:02:05"
    assert board2.model.index(i, ClockModel.REMAINING).data() == hms(240 * 60 - 125)


def test_overtime_is_warned_in_words(qtbot, drawn: Path) -> None:
    _state, board = open_board(qtbot, drawn)
    board.select(["01", "04"])
    with qtbot.waitSignal(board.clock_recorded):
        board.start_btn.click()
    t0 = board.model.clock("01").started_at
    board.model.tick(t0 + 240 * 60 - 300)  # five minutes left
    board._update_labels()
    assert shown(board)["01"] == "ending"
    assert "01" in board.warning.text() and board.warning.isVisible()
    board.model.tick(t0 + 240 * 60 + 75)  # 1:15 over (this event deducts points, no stop)
    board._update_labels()
    assert shown(board)["04"] == "overtime"
    i = board.model.row_of("04")
    # 超时 with the time over, never "剩余 +0:01:15"; the deduction (2 started minutes × 1
    # point, the event's rule) beside it, on the tile, in the table and in the warning
    assert board.model.index(i, ClockModel.REMAINING).data() == "超时 0:01:15"
    assert board.model.index(i, ClockModel.STATE).data() == "超时 −2"
    assert board.model.penalty("04") == "−2"
    assert "已到时" in board.warning.text() and "04（−2）" in board.warning.text()
    board.model.tick(t0 + 240 * 60 + 601)  # over max_min: the rule zeroes the practical
    assert board.model.penalty("04") == "实操计0分"
    painted = tile_image(board, "04")
    board.model.tick(t0 + 240 * 60 - 60)  # back in time: no deduction shown
    assert board.model.penalty("04") == ""
    assert board.model.index(i, ClockModel.STATE).data() == "即将到时"
    assert tile_image(board, "04") != painted


def tile_image(board: BoardScreen, station: str) -> bytes:
    """The pixels the board painted for one station's tile."""
    board.view.viewport().repaint()
    rect = board.view.visualRect(board.model.index(board.model.row_of(station), 0))
    img = board.view.viewport().grab(rect).toImage()
    return bytes(img.constBits())


def test_a_judge_sees_the_board_but_cannot_run_the_clocks(qtbot, drawn: Path) -> None:
    _state, board = open_board(qtbot, drawn, who="judge")
    board.select(["01"])
    for b in (board.start_all_btn, board.start_btn, board.pause_btn, board.stop_btn):
        assert not b.isEnabled()
    assert "裁判长" in board.selection_label.text()


def test_a_tick_repaints_rows_without_resetting_the_model(qtbot, drawn: Path,
                                                           qtmodeltester) -> None:
    _state, board = open_board(qtbot, drawn)
    board.select([r.station for r in board.model.rows])
    with qtbot.waitSignal(board.clock_recorded):
        board.start_btn.click()
    qtmodeltester.check(board.model)
    resets: list[int] = []
    board.model.modelReset.connect(lambda: resets.append(1))
    t0 = board.model.clock("01").started_at
    with qtbot.waitSignal(board.model.dataChanged) as sig:
        changed = board.model.tick(t0 + 61)
    assert len(changed) == 12
    top, bottom = sig.args[0], sig.args[1]
    assert (top.row(), bottom.row()) == (0, 11)  # one contiguous run, one signal
    assert top.column() == ClockModel.STATION and bottom.column() == ClockModel.EXTRA
    assert board.model.tick(t0 + 61) == []  # nothing moved: nothing repainted
    assert resets == []
    # the timer ticks on its own while the board is shown
    assert board.timer.isActive()
    with qtbot.waitSignal(board.timer.timeout, timeout=3000):
        pass


def painted_remaining(monkeypatch: pytest.MonkeyPatch, delegate: type) -> list[tuple[str, int]]:
    """(station, seconds left) of every tile the delegate actually paints."""
    seen: list[tuple[str, int]] = []
    real = delegate.paint

    def spy(self: object, painter: object, option: object, index: object) -> None:
        cs = index.data(ClockRole)  # type: ignore[attr-defined]
        if cs is not None:
            seen.append((index.data(StationRole), cs.remaining_seconds))  # type: ignore[attr-defined]
        real(self, painter, option, index)

    monkeypatch.setattr(delegate, "paint", spy)
    return seen


def painted(seen: list[tuple[str, int]], station: str) -> list[int]:
    return [s for st, s in seen if st == station]


def wait_for_a_new_time(qtbot, seen: list[tuple[str, int]], station: str,
                        timer: object) -> None:
    """The tile's time left as last painted, then: painted anew, different, by the next tick
    of the screen's own one-second timer and nothing else (no input). Waits on the ticks, not
    on wall time: under load a tick can come late, but the new time must come with it (within
    two ticks: a tick may land just before the second changes)."""
    assert timer.interval() <= 1000 and timer.isActive()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(painted(seen, station)), timeout=60_000)
    ticks: list[int] = []
    timer.timeout.connect(lambda: ticks.append(len(ticks)))  # type: ignore[attr-defined]
    last = painted(seen, station)[-1]
    seen.clear()
    qtbot.waitUntil(lambda: any(s != last for s in painted(seen, station)), timeout=60_000)
    # (0 when a tick had just come and its repaint was still on its way)
    assert len(ticks) <= 2, f"painted anew only after {len(ticks)} ticks"


def test_the_boards_tiles_repaint_by_themselves_while_a_clock_runs(
        qtbot, drawn: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.board import TileDelegate

    seen = painted_remaining(monkeypatch, TileDelegate)
    _state, board = open_board(qtbot, drawn)
    board.select(["02"])
    with qtbot.waitSignal(board.clock_recorded):
        board.start_btn.click()
    # no input from here on: the tile's time left must be painted anew within 1.5 s
    wait_for_a_new_time(qtbot, seen, "02", board.timer)
    assert len(set(painted(seen, "01"))) <= 1  # an idle clock shows no new times


def test_the_projectors_tiles_repaint_by_themselves_while_a_clock_runs(
        qtbot, drawn: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.hall import HallDelegate, HallScreen

    seen = painted_remaining(monkeypatch, HallDelegate)
    state, board = open_board(qtbot, drawn)
    board.select(["05"])
    with qtbot.waitSignal(board.clock_recorded):
        board.start_btn.click()
    hall = HallScreen(state)
    qtbot.addWidget(hall)
    hall.resize(1280, 720)
    hall.show()
    qtbot.waitExposed(hall)
    wait_for_a_new_time(qtbot, seen, "05", hall.timer)
