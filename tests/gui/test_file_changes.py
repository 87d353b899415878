"""One writer's truth: the app open on a contest while `jiangxin` commands change the file.

At a venue a confirmed publication was lost (issue 17): a Qt file dialog showing the contest's
folder opened the contest file to guess its type, which dropped the app's POSIX locks; the
next `jiangxin decrypt` from a terminal then believed it was the file's last user, deleted its
-wal and -shm, and the app's later writes went into a deleted file. These tests run the real
command line against the file while the app has it open.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from db.ops.locking import event_locked, unlock
from db.store.contest import Contest
from db.store.identity import FileChanged
from tests.conftest import copy_db
from tests.gui.conftest import DEMO_PINS
from ui import files
from ui.state import AppState

ROOT = Path(__file__).resolve().parents[2]


def jiangxin(*args: str, user: str = "裁判长") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JIANGXIN_USER": user, "JIANGXIN_PIN": DEMO_PINS[user]}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def unlocks_seen_by_another_process(db: Path, event: str) -> int:
    """What a program opening the file now reads (not this process's view of it).

    (Unlocking with a reason is a write that always commits; publishing the same results
    again writes nothing.)"""
    code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute("
            "\"SELECT COUNT(*) FROM locks WHERE action = 'unlock' AND event = ?\", "
            "[sys.argv[2]]).fetchone()[0])")
    out = subprocess.run([sys.executable, "-c", code, str(db), event], capture_output=True,
                         text=True, timeout=60, check=True)
    return int(out.stdout)


def my_locks_on(path: Path) -> int:
    ino = os.stat(path).st_ino
    with open("/proc/locks", encoding="ascii") as fh:
        return sum(1 for line in fh if f":{ino} " in line and f" {os.getpid()} " in line)


@pytest.fixture
def app_state(qapp: object, demo_db: Path) -> AppState:
    s = AppState(watch_ms=100)
    s.open(demo_db)
    s.sign_in("裁判长", DEMO_PINS["裁判长"])
    yield s
    s.watch_timer.stop()
    if s.contest is not None:
        s.contest.close()


def test_a_commit_from_the_command_line_refreshes_the_open_app(qtbot, app_state) -> None:
    before = app_state.contest
    with qtbot.waitSignal(app_state.changed, timeout=5000,
                          check_params_cb=lambda flags, *_: "outside" in flags):
        jiangxin("unlock", "--event", "HL", "--reason", "终端解锁", "--db",
                 str(before.path))
    assert app_state.contest is before  # the same file: refreshed, not reopened
    assert not event_locked(app_state.contest, "HL")


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads the Linux lock table")
def test_the_apps_file_dialogs_never_drop_the_contest_files_locks(qtbot, app_state) -> None:
    db = app_state.contest.path
    assert my_locks_on(db) >= 1  # SQLite holds a shared lock while the contest is open
    seen: list[str] = []
    real_icon = files.NameOnlyIcons.icon

    def spy(self: files.NameOnlyIcons, what: object) -> object:
        if hasattr(what, "fileName"):
            seen.append(what.fileName())
        return real_icon(self, what)

    files.NameOnlyIcons.icon = spy  # type: ignore[method-assign]
    try:
        dialog = files.make_dialog(None, "x", "test", "Jiangxin (*.jxdb);;All (*)")
        qtbot.addWidget(dialog)
        dialog.setDirectory(str(db.parent))
        dialog.show()
        qtbot.waitUntil(lambda: db.name in seen, timeout=10000)  # it has looked at the file
    finally:
        files.NameOnlyIcons.icon = real_icon  # type: ignore[method-assign]
    assert dialog.directory().absolutePath() == str(db.parent)
    assert my_locks_on(db) >= 1
    # the attack this guards against: Qt's own dialog opens the file and the locks are gone
    from PySide6.QtWidgets import QFileDialog

    plain = QFileDialog(None, "x", str(db.parent), "All (*)")
    plain.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(plain)
    plain.show()
    qtbot.waitUntil(lambda: my_locks_on(db) == 0, timeout=10000)


def test_journal_deleted_under_the_app_is_noticed_and_nothing_is_lost(qtbot, app_state
                                                                       ) -> None:
    db = app_state.contest.path
    # what Qt's file dialog did at the venue: any descriptor of the file closed in this
    # process drops SQLite's locks on it (POSIX); the command line then thinks it is alone
    open(db, "rb").close()
    with qtbot.waitSignal(app_state.file_reopened, timeout=10000) as reopened:
        jiangxin("unlock", "--event", "HL", "--reason", "终端解锁", "--db", str(db))
    if sys.platform.startswith("linux"):
        assert "-wal" in reopened.args[0] or "-shm" in reopened.args[0]
    assert app_state.session is not None and app_state.session.user == "裁判长"
    assert app_state.apply(unlock, "HG", None, "大厅解锁")
    # on disk now, for any program: not in a deleted journal of this process
    assert unlocks_seen_by_another_process(db, "HG") > 0  # a row a module
    assert unlocks_seen_by_another_process(db, "HL") > 0
    app_state.contest.close()
    app_state.contest = None
    again = Contest.open(db)
    assert not event_locked(again, "HG") and not event_locked(again, "HL")
    again.close()


def test_a_restore_from_the_command_line_reopens_the_app_on_the_new_file(
        qtbot, app_state, tmp_path: Path) -> None:
    db = app_state.contest.path
    out = jiangxin("backup", "--db", str(db), "--to", str(tmp_path / "copies"), user="admin")
    backup = next((tmp_path / "copies").glob("*.jxdb"))
    assert backup.name in out.stdout or out.stdout
    app_state.apply(unlock, "HL", None, "恢复之前")  # in the file, not in the backup
    with qtbot.waitSignal(app_state.file_reopened, timeout=10000) as reopened:
        jiangxin("restore", str(backup), "--db", str(db), user="admin")
    assert "替换" in reopened.args[0]
    assert event_locked(app_state.contest, "HL")  # the restored file's truth
    assert app_state.apply(unlock, "HL", None, "恢复之后")
    assert unlocks_seen_by_another_process(db, "HL") > 0


def test_a_write_after_the_file_was_replaced_is_refused(demo_db: Path, tmp_path: Path
                                                        ) -> None:
    c = Contest.open(demo_db)
    c.sign_in("裁判长", DEMO_PINS["裁判长"])
    copy = tmp_path / "other.jxdb"
    copy_db(demo_db, copy)
    os.replace(copy, demo_db)  # someone copies a file over the open contest
    with pytest.raises(FileChanged) as refused:
        unlock(c, "HL", None, "写到旧文件")
    assert refused.value.saved is False and "替换" in str(refused.value)
    c.close()
    fresh = Contest.open(demo_db)
    assert event_locked(fresh, "HL")  # nothing written anywhere
    fresh.close()


def test_every_file_dialog_of_the_app_goes_through_ui_files() -> None:
    """A plain QFileDialog (or the platform's) opens the files it lists: see ui/files.py."""
    import re

    offenders = []
    for path in sorted((ROOT / "ui").glob("*.py")):
        if path.name in ("files.py", "qt.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"QFileDialog\.get\w+\(|QFileDialog\(", text):
            offenders.append(path.name)
    assert offenders == []
