"""The app's rolling backups: at a lock, while marks change, and on exit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from db.ops.locking import unlock
from db.ops.marking import enter_mark
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
    with qtbot.waitSignal(w.backup_written, timeout=10000):
        state.apply(unlock, "GJQG", "A", "复核")  # a lock change
    assert labels(folder) == ["lock"]
    state.sign_in("记分员甲", "3001")
    with qtbot.assertNotEmitted(w.backup_written, wait=200):
        state.apply(enter_mark, "KD", "04", "A1", "赵一", Decimal("30"))  # within the interval
    assert labels(folder) == ["lock"]
    now[0] += 301  # five minutes later, marks still changing: a rolling copy
    with qtbot.waitSignal(w.backup_written, timeout=10000):
        state.apply(enter_mark, "KD", "04", "A2", "赵一", Decimal("31"))
    assert labels(folder) == ["auto", "lock"]
    state.apply(enter_mark, "KD", "04", "A1", "赵一", Decimal("20"))
    w.close()  # unsaved changes since the last copy: one more on exit
    assert labels(folder) == ["auto", "exit", "lock"]


def test_the_first_mark_after_opening_copies_no_file_on_the_gui_thread(
        qtbot, state, monkeypatch) -> None:
    import threading

    from db.store import backups

    copies: list[bool] = []  # True: on the GUI thread
    real = backups.backup_to

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        copies.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(backups, "backup_to", watched)
    w = MainWindow(state, Settings())
    qtbot.addWidget(w)
    w.open_contest(state.contest.path)
    state.sign_in("记分员甲", "3001")
    w.signin.signed_in_done.emit("记分员甲")
    with qtbot.waitSignal(w.backup_written, timeout=10000):
        state.apply(enter_mark, "KD", "04", "A1", "赵一", Decimal("30"))  # due at once
        assert copies == []  # the mark returned before any copy began
    assert copies == [False]  # one copy, taken on a worker
