"""The app's rolling backups: at a lock, while marks change, and on exit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from db.ops.marking import enter_mark, unlock
from db.store.backups import list_backups
from ui.main_window import MainWindow
from ui.settings import Settings


def labels(folder: Path) -> list[str]:
    return sorted(b.label for d in folder.iterdir() for b in list_backups(d))


def test_lock_marks_and_exit_each_leave_a_backup(qtbot, state) -> None:
    w = MainWindow(state, Settings())
    qtbot.addWidget(w)
    w.open_contest(state.contest.path)
    folder = state.contest.path.parent / "jiangxin-backups"
    state.sign_in("裁判长", "1111")
    w.signin.signed_in_done.emit("裁判长")
    now = [1000.0]
    w.auto_backup.clock = lambda: now[0]
    state.apply(unlock, "GJQG", "A", "复核")  # a lock change
    assert labels(folder) == ["lock"]
    state.sign_in("记分员甲", "3001")
    state.apply(enter_mark, "KD", "04", "A1", "赵一", Decimal("30"))  # within the interval
    assert labels(folder) == ["lock"]
    now[0] += 301  # five minutes later, marks still changing: a rolling copy
    state.apply(enter_mark, "KD", "04", "A2", "赵一", Decimal("31"))
    assert labels(folder) == ["auto", "lock"]
    state.apply(enter_mark, "KD", "04", "A1", "赵一", Decimal("20"))
    w.close()  # unsaved changes since the last copy: one more on exit
    assert labels(folder) == ["auto", "exit", "lock"]
