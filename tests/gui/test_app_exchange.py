"""From the app: export the signed results file (its SHA-256 shown), merge a laptop's file."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from db.files.merge import new_laptop
from db.ops.marking import enter_mark
from db.store.contest import Contest
from ui.main_window import MainWindow
from ui.settings import Settings


def window(qtbot, state, user: str, pin: str) -> MainWindow:
    w = MainWindow(state, Settings())
    w.quiet_dialogs = True
    qtbot.addWidget(w)
    w.open_contest(state.contest.path)
    state.sign_in(user, pin)
    w.signin.signed_in_done.emit(user)
    return w


def test_export_shows_the_files_sha256(qtbot, state, tmp_path: Path) -> None:
    w = window(qtbot, state, "admin", "0000")
    out = tmp_path / "results.jxr"
    with qtbot.waitSignal(w.exported, timeout=30_000) as sig:
        w.export_results(out, "0000")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert sig.args == [str(out), digest]
    # shown in the status bar where it stays: not the transient message an automatic backup
    # right after the export's own write replaces (the flake under load)
    assert not w.status_export.isHidden() and digest in w.status_export.text()
    w.statusBar().showMessage("已自动备份到 …", 8000)  # what a backup says a moment later
    assert not w.status_export.isHidden() and digest in w.status_export.text()


def test_merge_another_laptops_marks(qtbot, state, tmp_path: Path) -> None:
    # a second laptop, made from this contest, types a mark and exports
    state.sign_in("admin", "0000")
    second = new_laptop(state.contest, tmp_path / "laptop2.jxdb")
    c2 = Contest.open(second)
    c2.sign_in("记分员乙", "3002")
    enter_mark(c2, "KD", "06", "A1", "赵一", Decimal("41"))
    from db.files.exchange import export
    c2.sign_in("admin", "0000")
    export(c2, tmp_path / "laptop2.jxr", "0000")
    c2.close()
    w = window(qtbot, state, "裁判长", "1111")
    with qtbot.waitSignal(w.merged, timeout=30_000) as sig:
        w.merge_file(tmp_path / "laptop2.jxr")
    assert sum(sig.args[0].added.values()) >= 1
    row = state.contest.db.execute(
        "SELECT score FROM slots WHERE event='KD' AND station='06' AND aspect='A1'").fetchone()
    assert row[0] == "41"


def test_copy_to_a_new_laptop_from_the_app_and_merge_back(qtbot, state, tmp_path: Path,
                                                          monkeypatch) -> None:
    """文件 → 复制到新设备: the copy gets its own device key (the session's passphrase, here
    JIANGXIN_PASSPHRASE); a mark typed there by a signed-in user merges back, and the merge on
    the app's worker connection records the chief judge's sign-in on this laptop."""
    from ui import files

    w = window(qtbot, state, "admin", "0000")
    dest = tmp_path / "laptop2.jxdb"
    monkeypatch.setattr(files, "save_file", lambda *a, **k: str(dest))
    w.new_laptop_dialog()
    assert dest.exists()
    c2 = Contest.open(dest)
    devices = {r[0] for r in state.contest.db.execute("SELECT device_id FROM devices")}
    assert c2.device_id in devices and state.contest.device_id in devices
    c2.sign_in("记分员乙", "3002")
    enter_mark(c2, "KD", "06", "A1", "赵一", Decimal("41"))
    from db.files.exchange import export
    c2.sign_in("admin", "0000")
    export(c2, tmp_path / "laptop2.jxr", "0000")
    c2.close()
    state.sign_in("裁判长", "1111")
    with qtbot.waitSignal(w.merged, timeout=30_000) as sig:
        w.merge_file(tmp_path / "laptop2.jxr")
    assert sig.args[0].attributed and sig.args[0].added["marks"] == 1
    assert state.contest.db.execute(
        "SELECT 1 FROM signins WHERE user = '裁判长' AND device = ?",
        [state.contest.device_id]).fetchone() is not None


def test_a_write_on_the_apps_worker_connection_records_the_sign_in(qtbot, state) -> None:
    """The app writes on worker connections (ui/worker.py run_task): they carry the sign-in
    the app's own connection checked, so the user's rows are attributable in a merge."""
    from ui.worker import run_task

    w = window(qtbot, state, "赵一", "2001")

    def work(c: Contest, _progress: object) -> None:
        with c.write("note") as wr:
            wr.log(after={"note": "typed on a worker"})

    errors: list[BaseException] = []
    task = run_task(state, work, on_error=errors.append, owner=w)
    with qtbot.waitSignal(task.succeeded, timeout=30_000):
        pass
    assert not errors
    assert state.contest.db.execute(
        "SELECT 1 FROM signins WHERE user = '赵一' AND device = ?",
        [state.contest.device_id]).fetchone() is not None
