"""The integrity check at open: a damaged contest is reported with the way forward, and the
newest good backup can be restored from the app."""

from __future__ import annotations

from pathlib import Path

from db.store.backups import BackupPolicy, take_backup
from tests.unit.test_backup import _damage
from ui.main_window import MainWindow
from ui.settings import Settings


def test_damaged_file_is_reported_and_restored(qtbot, state, tmp_path: Path) -> None:
    path = state.contest.path
    backup = take_backup(path, BackupPolicy(path.parent / "jiangxin-backups"), "auto")
    state.contest.close()
    state.contest = None
    _damage(path)
    w = MainWindow(state, Settings())
    w.quiet_dialogs = True
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.health_checked, timeout=30_000) as sig:
        w.open_contest(path)  # damage in the middle of the file: it opens, the check finds it
    health = sig.args[0]
    assert not health.ok and health.good_backup == backup
    assert "损坏" in w.statusBar().currentMessage()
    with qtbot.waitSignal(w.health_checked, timeout=30_000) as sig2:
        kept = w.restore_backup(backup, "裁判长", "1111")
    assert sig2.args[0].ok and kept is not None and kept.exists()


def test_a_good_file_says_nothing(qtbot, state) -> None:
    w = MainWindow(state, Settings())
    w.quiet_dialogs = True
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.health_checked, timeout=30_000) as sig:
        w.open_contest(state.contest.path)
    assert sig.args[0].ok
