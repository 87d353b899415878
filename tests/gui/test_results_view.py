"""成绩: ranking by station before decryption and by name after, publishing numbered
snapshots, the difference between two, and the re-check sample with its seed recorded."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from db.ops.locking import lock, unlock
from db.ops.people import set_status
from db.ops.results import snapshot_count
from db.store.audit import records
from tests.conftest import USERS
from ui.results import ResultsScreen
from ui.state import AppState

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def open_results(qtbot, path: Path, who: str = "chief") -> tuple[AppState, ResultsScreen]:
    state = AppState()
    state.open(path)
    state.sign_in(*USERS[who])
    screen = ResultsScreen(state)
    state.changed.connect(screen.refresh)  # as the main window does
    qtbot.addWidget(screen)
    screen.show()
    return state, screen


def headers(model) -> list[str]:
    return [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]


def test_provisional_ranking_publish_and_compare(qtbot, example_db, qtmodeltester) -> None:
    state, screen = open_results(qtbot, example_db("locked"))  # published once locked
    qtmodeltester.check(screen.model)
    assert "临时排名" in screen.status.text() and "尚未公示" in screen.status.text()
    assert "姓名" not in headers(screen.model)  # not decrypted: stations only
    assert screen.model.rowCount() == 12
    assert screen.model.index(0, 0).data() == "1"
    assert screen.publish_btn.text() == "发布公示（第 1 版）"

    screen.note.insert("第一次公示")
    with qtbot.waitSignal(screen.published) as sig:
        screen.publish_btn.click()
    assert sig.args == ["GJQG", 1]
    assert snapshot_count(state.contest, "GJQG") == 1
    assert "已公示 1 版" in screen.status.text()
    # the same results again: no second snapshot, and the screen says why
    with qtbot.assertNotEmitted(screen.published), qtbot.assertNotEmitted(state.changed):
        screen.publish_btn.click()
    assert snapshot_count(state.contest, "GJQG") == 1
    assert "与第1版相同" in screen.publish_note.text()

    # the chief judge disqualifies the winner (through the doors: unlock with a reason,
    # change, lock again): the current results differ from snapshot 1
    winner = screen.model.index(0, 1).data()
    state.apply(unlock, "GJQG", None, "申诉成立：作品上做标记")
    state.apply(set_status, "GJQG", winner, "disqualified", "作品上做标记")
    with qtbot.waitSignal(state.changed):
        state.apply(lock, "GJQG")
    screen.tabs.setCurrentIndex(1)
    assert screen.old_pick.currentData() == 1 and screen.new_pick.currentData() == 0
    qtmodeltester.check(screen.diff_model)
    changes = screen.compare()
    by_station = {c.station: c for c in changes}
    assert by_station[winner].field("status").new == "disqualified"
    assert by_station[winner].field("place").new is None
    row = next(i for i, c in enumerate(screen.diff_model.rows) if c.station == winner)
    assert screen.diff_model.index(row, 5).data() == "ok → disqualified"
    assert "个工位有变化" in screen.diff_summary.text()

    # publish the correction as snapshot 2: comparing 1 with 2 shows the same changes
    with qtbot.waitSignal(screen.published):
        screen.publish_btn.click()
    assert screen.old_pick.currentData() == 1 and screen.new_pick.currentData() == 2
    assert [c.station for c in screen.compare()] == [c.station for c in changes]
    screen.old_pick.setCurrentIndex(screen.old_pick.findData(2))
    assert screen.compare() == []
    assert screen.diff_summary.text() == "没有变化"


def test_names_after_decryption(qtbot, example_db) -> None:
    _state, screen = open_results(qtbot, example_db("decrypted"), who="supervisor")
    assert "已解密" in screen.status.text()
    assert "姓名" in headers(screen.model)
    assert not screen.publish_btn.isEnabled()  # a supervisor does not publish


def test_recheck_sample_is_drawn_with_its_seed_recorded(qtbot, example_db) -> None:
    # theory joins the ranking at decryption
    state, screen = open_results(qtbot, example_db("decrypted"), who="supervisor")
    screen.tabs.setCurrentIndex(2)
    screen.seed.setText("")
    qtbot.keyClicks(screen.seed, "4242")
    with qtbot.waitSignal(screen.sample_drawn) as sig:
        screen.sample_btn.click()
    sample = sig.args[0]
    # 30 % of 12 is 3.6 -> 4, but places 4 and 4 are tied (stations 02 and 05): both in
    assert sample.top == ("04", "10", "12", "02", "05")
    assert len(sample.random) == 2  # 15 % of the other 7, rounded up
    assert screen.top_label.text() == ", ".join(sample.top)
    rec = records(state.contest.db, action="recheck.sample")[0]
    assert json.loads(rec["after"])["seed"] == 4242
    assert json.loads(rec["after"])["stations"] == list(sample.stations)
    assert screen.checked.value() == 7
    screen.errors.setValue(1)  # 1 of 7 is above 5 %
    assert "须全部复核" in screen.rule_label.text()
    screen.checked.setValue(20)  # 1 of 20 is exactly 5 %: not above
    assert "无需全部复核" in screen.rule_label.text()


def test_the_encryption_officer_decrypts_in_the_app(qtbot, example_db) -> None:
    import os

    from tests.conftest import dump

    _state, before_lock = open_results(qtbot, example_db("final"), who="encryption")
    assert before_lock.decrypt_btn.isVisible() and not before_lock.decrypt_btn.isEnabled()
    assert "锁定" in before_lock.decrypt_btn.toolTip()
    path = example_db("locked")
    state, screen = open_results(qtbot, path, who="encryption")
    assert screen.decrypt_btn.isEnabled() and "未解密" in screen.status.text()
    box = screen.confirm_decrypt()
    assert box is not None and "不能撤销" in box.message.text() and "保密口令" in box.message.text()
    assert not box.ok_btn.isEnabled()  # no passphrase typed: nothing to submit
    box.reject()  # cancelled: nothing happens
    assert "未解密" in screen.status.text()
    untouched = dump(path)

    # a wrong passphrase: refused in the dialog (the command line's exit 5), nothing written
    box = screen.confirm_decrypt()
    assert box is not None
    box.passphrase.setText("not-the-officer-passphrase")
    box.ok_btn.click()
    qtbot.waitUntil(lambda: box.error.isVisible(), timeout=10_000)
    assert "保密口令错误" in box.error.text() and box.isVisible()
    assert box.passphrase.text() == "" and "未解密" in screen.status.text()
    assert dump(path) == untouched

    # the officer's own passphrase opens the sealed draw: names shown
    with qtbot.waitSignal(screen.decrypted, timeout=10_000):
        box.passphrase.setText(os.environ["JIANGXIN_OFFICER_PASSPHRASE"])
        box.ok_btn.click()
    assert not box.isVisible()
    assert "已解密" in screen.status.text() and "姓名" in headers(screen.model)
    assert not screen.decrypt_btn.isEnabled()
    assert any(r["action"] == "decrypt" for r in records(state.contest.db))


def test_publish_waits_for_the_lock_and_says_why(qtbot, example_db) -> None:
    _state, screen = open_results(qtbot, example_db("final"))  # everything typed, not locked
    assert not screen.publish_btn.isEnabled()
    assert screen.publish_reason.isVisible() and "锁定" in screen.publish_reason.text()
    assert "暂定" in screen.publish_btn.toolTip()
    _state, locked = open_results(qtbot, example_db("locked"))
    assert locked.publish_btn.isEnabled() and not locked.publish_reason.isVisible()


def test_only_the_encryption_officer_sees_the_decrypt_button(qtbot, example_db) -> None:
    _state, screen = open_results(qtbot, example_db("locked"), who="chief")
    assert not screen.decrypt_btn.isVisible()


def test_the_practical_shows_the_overtime_deduction_beside_it(qtbot, example_db,
                                                             tmp_path: Path) -> None:
    from db.ops.timing import import_times

    state, screen = open_results(qtbot, example_db("verified"))
    col = headers(screen.model).index("实操")

    def practical(station: str) -> str:
        row = next(i for i, r in enumerate(screen.model.rows) if r.station == station)
        return str(screen.model.index(row, col).data())

    assert practical("07") == "88.90" and "超时" not in practical("08")  # all in time
    # 07 handed in 2:05 over the 240 minutes (3 started minutes, 1 point each); 08 12 minutes
    # over, past the rule's max_min of 10: its practical is 0
    times = tmp_path / "late.csv"
    times.write_text("event,station,used_seconds,extra_seconds\n"
                     f"GJQG,07,{240 * 60 + 125},0\nGJQG,08,{240 * 60 + 720},0\n"
                     f"GJQG,09,{240 * 60 + 125},300\n", encoding="utf-8")
    with qtbot.waitSignal(state.changed):
        state.apply(import_times, times)
    assert practical("07") == "85.90（超时 −3）"
    assert practical("08") == "0.00（超时 实操计0分）"
    assert practical("09") == "70.66"  # 5 minutes extra granted: in time, nothing off
