"""The chief judge's matrix and actions, and appeals."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from db.ops import marking
from db.ops.appeals import appeals
from db.ops.people import by_station, competitors
from ui.appeals import AppealsScreen
from ui.chief import ChiefScreen
from ui.confirm import press_yes


def make_disagreement(state) -> tuple[str, str]:
    """记分员乙 re-keys a KD mark of 记分员甲 with another value."""
    c = state.contest
    slot = next(s for s in marking.slot_rows(c, "KD") if s.aspect == "A1")
    c.sign_in("记分员乙", "3002")
    marking.enter_mark(c, "KD", slot.station, "A1", slot.judge, Decimal(slot.score) - 2)
    return slot.station, slot.judge


def chief_screen(qtbot, state, event: str) -> ChiefScreen:
    screen = ChiefScreen(state)
    qtbot.addWidget(screen)
    state.changed.connect(screen.refresh)
    screen.event_box.setCurrentIndex(screen.event_box.findData(event))
    return screen


def test_matrix_shows_states_in_words_and_colours(qtbot, signed_in, qtmodeltester) -> None:
    state = signed_in("裁判长")
    screen = chief_screen(qtbot, state, "GJQG")
    qtmodeltester.check(screen.matrix)
    qtmodeltester.check(screen.detail)
    texts = {screen.matrix.index(r, 1).data() for r in range(screen.matrix.rowCount())}
    assert all(t.startswith("已锁定") for t in texts)
    screen.event_box.setCurrentIndex(screen.event_box.findData("KD"))
    col = [screen.matrix.index(r, 1).data() for r in range(screen.matrix.rowCount())]
    assert any(t.startswith("已录") for t in col) and any(t.startswith("未录") for t in col)
    for name in (p.name for p in competitors(state.contest, "KD")):
        assert all(name not in (t or "") for t in col)


def test_resolve_a_disagreement_with_a_reason(qtbot, state) -> None:
    station, judge = make_disagreement(state)
    state.sign_in("裁判长", "1111")
    screen = chief_screen(qtbot, state, "KD")
    assert screen.matrix.index(
        [r.station for r in screen.matrix.rows].index(station), 1).data().startswith("不一致")
    screen.select(station, "A")
    line = screen.current_line()
    assert line is not None and line.state == "disagreement"
    assert screen.candidate_box.count() == 2  # one value per typist
    qtbot.mouseClick(screen.resolve_btn, Qt.MouseButton.LeftButton)
    assert "原因" in screen.message.text()  # no reason: refused, said in place
    screen.candidate_box.setCurrentIndex(1)
    kept = screen.candidate_box.currentData()
    screen.reason.insert("核对纸质评分表")  # Chinese comes from an IME, not key clicks
    with qtbot.waitSignal(screen.action_done):
        qtbot.mouseClick(screen.resolve_btn, Qt.MouseButton.LeftButton)
    slot = marking.slot_state(state.contest, ("KD", station, "A1", judge))
    assert slot.status == "resolved" and str(slot.score) == kept[0]


def test_lock_shows_problems_and_unlock_needs_a_reason(qtbot, signed_in) -> None:
    state = signed_in("裁判长")
    screen = chief_screen(qtbot, state, "KD")
    screen.select(screen.matrix.rows[0].station, "A")
    assert screen.problems.count() > 0
    qtbot.mouseClick(screen.lock_btn, Qt.MouseButton.LeftButton)
    assert screen.confirm_box is not None and "锁定" in screen.confirm_box.text()
    assert not screen.message.text()  # nothing done before the answer
    press_yes(screen.confirm_box)
    assert "不能锁定" in screen.message.text()
    assert not marking.locked_modules(state.contest, "KD")
    screen.event_box.setCurrentIndex(screen.event_box.findData("HG"))
    screen.select(screen.matrix.rows[0].station, "B")
    qtbot.mouseClick(screen.unlock_btn, Qt.MouseButton.LeftButton)
    assert "B" in marking.locked_modules(state.contest, "HG")
    screen.reason.insert("申诉复核")  # Chinese comes from an IME, not key clicks
    with qtbot.waitSignal(screen.action_done):
        qtbot.mouseClick(screen.unlock_btn, Qt.MouseButton.LeftButton)
    assert "B" not in marking.locked_modules(state.contest, "HG")
    assert screen.matrix.index(0, 2).data().startswith("已复核")


def test_set_a_status(qtbot, signed_in) -> None:
    state = signed_in("裁判长")
    screen = chief_screen(qtbot, state, "KD")
    station = screen.matrix.rows[-1].station
    screen.select(station, "A")
    screen.status_box.setCurrentIndex(screen.status_box.findData("withdrawn"))
    screen.reason.insert("选手身体不适")  # Chinese comes from an IME, not key clicks
    with qtbot.waitSignal(screen.action_done):
        qtbot.mouseClick(screen.status_btn, Qt.MouseButton.LeftButton)
    assert by_station(state.contest, "KD")[station].status == "withdrawn"
    assert "弃权" in screen.matrix.index(len(screen.matrix.rows) - 1, 0).data()


def test_file_and_rule_an_appeal(qtbot, signed_in, qtmodeltester) -> None:
    state = signed_in("裁判长")
    screen = AppealsScreen(state)
    qtbot.addWidget(screen)
    state.changed.connect(screen.refresh)
    screen.event_box.setCurrentIndex(screen.event_box.findData("KD"))
    assert "尚未结束" in screen.window_label.text()
    station = min(by_station(state.contest, "KD"))
    qtbot.keyClicks(screen.station, station)
    screen.text.insert("封装评分有误")  # Chinese comes from an IME, not key clicks
    qtbot.mouseClick(screen.file_btn, Qt.MouseButton.LeftButton)
    assert screen.model.rowCount() == 1
    qtmodeltester.check(screen.model)
    assert not screen.rule_btn.isEnabled()  # the chief records; arbitration rules
    state.sign_in("监督员", "5000")
    screen.view.setCurrentIndex(screen.model.index(0, 0))
    assert screen.groups["rule"].isEnabled()
    screen.outcome.setCurrentIndex(screen.outcome.findData("rejected"))
    screen.ruling.insert("复核无误")  # Chinese comes from an IME, not key clicks
    qtbot.mouseClick(screen.rule_btn, Qt.MouseButton.LeftButton)
    [a] = appeals(state.contest, "KD")
    assert a.outcome == "rejected" and a.ruled_by == "监督员"
    assert screen.model.index(0, 4).data() == "驳回"
    screen.event_box.setCurrentIndex(screen.event_box.findData("GJQG"))
    assert "截止" in screen.window_label.text()


def test_lock_asks_and_cancel_does_nothing(qtbot, signed_in) -> None:
    state = signed_in("裁判长")
    screen = chief_screen(qtbot, state, "HG")
    screen.select(screen.matrix.rows[0].station, "B")
    screen.reason.insert("申诉复核")
    screen.unlock(module_only=True)
    assert "B" not in marking.locked_modules(state.contest, "HG")
    box = screen.confirm_lock(module_only=True)
    assert box is not None and "HG" in box.text() and "原因" in box.text()
    box.reject()
    assert "B" not in marking.locked_modules(state.contest, "HG")
    box = screen.confirm_lock(module_only=True)
    with qtbot.waitSignal(screen.action_done):
        press_yes(box)
    assert "B" in marking.locked_modules(state.contest, "HG")


def test_the_chief_panel_fits_1366_by_768_with_the_reason_beside_the_actions(
        qtbot, state) -> None:
    from ui.main_window import MainWindow
    from ui.settings import Settings

    w = MainWindow(state, Settings())
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.open_contest(state.contest.path)
    state.sign_in("裁判长", "1111")
    w.signin.signed_in_done.emit("裁判长")
    screen = w.show_screen("chief")
    qtbot.waitExposed(w)
    for button in (screen.lock_btn, screen.unlock_btn, screen.lock_event_btn,
                   screen.unlock_event_btn, screen.resolve_btn):
        assert not button.visibleRegion().isEmpty(), f"{button.objectName()} is below the fold"
    gap = abs(screen.reason.mapTo(screen, screen.reason.rect().center()).y()
              - screen.lock_btn.mapTo(screen, screen.lock_btn.rect().center()).y())
    assert gap < 160  # the reason is right above the buttons, not at the top of the screen


def test_messages_name_fields_in_chinese_first() -> None:
    from judging.errors import InputError
    from ui.errors import plain_message

    text = plain_message(InputError("需填写原因", field="reason"))
    assert "字段：原因（reason）" in text  # Chinese first, English beside it
