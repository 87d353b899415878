"""The contest file's own work, for the main window: the integrity check at open, backups
(rolling, on demand, restore), the results file for headquarters and merging another laptop's.

Everything long runs on a worker (ui/worker.py): the window only starts it and shows what came
back. :class:`ContestFileActions` is the main window's base class (ui/main_window.py), which
gives it ``state``, ``settings``, the progress bar and ``open_contest``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from db.store.backups import AutoBackup
from db.store.changes import Done
from db.store.contest import Contest
from judging.errors import JiangxinError
from ui import files
from ui.errors import show_error
from ui.i18n import t
from ui.qt import (
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    Signal,
    qvalid,
)
from ui.settings import Settings, data_dir
from ui.state import AppState

if TYPE_CHECKING:
    from db.files.merge import MergeReport


class ContestFileActions(QMainWindow):
    """Backups, health, export and merge of the open contest (the main window's base)."""

    backup_written = Signal(object)  # Path
    exported = Signal(str, str)  # file, SHA-256
    health_checked = Signal(object)  # db.store.backups.Health of the contest just opened
    merged = Signal(object)  # db.files.merge.MergeReport

    state: AppState
    settings: Settings
    progress: QProgressBar
    status_export: QLabel  # the last export's SHA-256, kept in sight
    quiet_dialogs: bool
    auto_backup: AutoBackup | None
    last_export: tuple[Path, str] | None

    def open_contest(self, path: str | Path) -> None:
        raise NotImplementedError  # the main window opens contests

    def _clear_screens(self) -> None:
        raise NotImplementedError  # the main window holds the screens

    def _check_health(self, path: Path) -> None:
        """The integrity check at open, on a worker (a big file takes seconds; it opens its
        own connection); a damaged file is reported with the way forward and the newest good
        backup. A check that cannot run (the file went away) says nothing: opening reported
        what matters."""
        from db.store.backups import backup_folder_for, check_file
        from ui.worker import run_work

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, JiangxinError):
                show_error(exc, self)

        run_work(lambda _progress: check_file(path, quick=True,
                                              backup_folder=backup_folder_for(path)),
                 self.health_checked.emit, on_error=failed, owner=self)

    def _health_result(self, health: object) -> None:
        from db.store.backups import Health

        assert isinstance(health, Health)
        if health.ok:
            return
        self.statusBar().showMessage(t("赛事文件已损坏！", "The contest file is damaged!"), 0)
        if self.quiet_dialogs:
            return
        box = QMessageBox(QMessageBox.Icon.Critical, t("赛事文件已损坏", "Contest file damaged"),
                          health.advice, parent=self)
        restore = None
        if health.good_backup is not None:
            restore = box.addButton(t("从该备份恢复…", "Restore that backup…"),
                                    QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.exec()
        if restore is not None and box.clickedButton() is restore:
            self.restore_dialog(health.good_backup)

    def restore_dialog(self, backup: Path | None = None) -> None:
        """Put a checked backup in place of the open contest (admin or chief of that backup)."""
        if self.state.contest is None:
            return
        if backup is None:
            from db.store.backups import backup_folder_for

            files.remember("backup", str(backup_folder_for(self.state.contest.path)) + "/")
            file = files.open_file(self, t("选择备份", "Choose a backup"),
                                   "Jiangxin contest (*.jxdb)", purpose="backup")
            if not file:
                return
            backup = Path(file)
        user, ok = QInputDialog.getText(self, t("恢复备份", "Restore"), t("用户名：", "User:"))
        if not ok or not user:
            return
        pin, ok = QInputDialog.getText(self, t("恢复备份", "Restore"), t("PIN：", "PIN:"),
                                       QLineEdit.EchoMode.Password)
        if ok and pin:
            try:
                self.restore_backup(backup, user, pin)
            except JiangxinError as exc:
                show_error(exc)

    def restore_backup(self, backup: Path, user: str, pin: str) -> Path | None:
        """Close the contest, restore the backup over it (the old file kept aside), reopen."""
        from db.store.backups import authorise_restore, restore_from_backup

        assert self.state.contest is not None
        path = self.state.contest.path
        authorise_restore(backup, user, pin)
        self._clear_screens()
        self.auto_backup = None
        self.state.contest.close()
        self.state.contest = None
        kept = restore_from_backup(backup, path)
        self.open_contest(path)
        self.statusBar().showMessage(t(f"已从备份恢复：{backup.name}", f"Restored: {backup.name}"),
                                     0)
        return kept

    def is_demo(self) -> bool:
        c = self.state.contest
        return c is not None and c.meta("competition_file") == "demo-competition.toml"

    def backup_now(self) -> None:
        from db.store.backups import backup_to
        from ui.worker import run_task

        if self.state.contest is None:
            return
        target = data_dir() / "backups"

        def work(c: Contest, progress: object) -> Path:
            c.require("backup")
            return backup_to(c, target)

        self.progress.setRange(0, 0)
        self.progress.show()
        task = run_task(self.state, work, self._backup_done, owner=self)
        task.on_finished(self.progress.hide)

    # ---- results file, laptops ------------------------------------------------------------

    def export_results(self, out: str | Path, pin: str) -> None:
        """Write the signed results file on a worker; its SHA-256 is shown when done (it is
        also printed on the posted results list)."""
        from db.files.exchange import export
        from ui.passphrase_dialog import signing_passphrase
        from ui.worker import run_task

        passphrase = signing_passphrase(self, demo=self.is_demo())
        if passphrase is None:
            return

        def work(c: Contest, progress: object) -> Done[str]:
            return export(c, out, pin, passphrase=passphrase)

        self.progress.setRange(0, 0)
        self.progress.show()
        task = run_task(self.state, work, lambda done: self._exported(Path(out), done.value),
                        owner=self)
        task.on_finished(self.progress.hide)

    def _exported(self, out: Path, sha256: str) -> None:
        self.last_export = (out, sha256)
        text = t(f"成绩文件已导出：{out}\nSHA-256：{sha256}\n"
                 "请将此校验值抄写在签字的成绩汇总表上。",
                 f"Results file written: {out}\nSHA-256: {sha256}\n"
                 "Write this checksum on the signed results summary.")
        self.statusBar().showMessage(f"SHA-256 {sha256}", 0)
        self.status_export.setText(t(f"已导出 {out.name} · SHA-256 {sha256}",
                                     f"Exported {out.name} · SHA-256 {sha256}"))
        self.status_export.show()
        self.exported.emit(str(out), sha256)
        if not self.quiet_dialogs:
            QMessageBox.information(self, t("导出完成", "Exported"), text)

    def export_dialog(self) -> None:
        s = self.state.session
        if s is None or self.state.contest is None:
            return
        out = files.save_file(self, t("导出成绩文件", "Export results file"),
                              f"{self.state.contest.path.stem}.jxr", "Jiangxin results (*.jxr)",
                              purpose="results-file")
        if not out:
            return
        pin, ok = QInputDialog.getText(self, t("确认身份", "Confirm"),
                                       t("输入您的PIN以签名成绩文件：",
                                         "Your PIN, to sign the file:"),
                                       QLineEdit.EchoMode.Password)
        if ok and pin:
            self.export_results(out, pin)

    def merge_file(self, path: str | Path) -> None:
        """Merge another laptop's results file on a worker (a backup first, then one
        transaction); the screens refresh from the merge's Changes, ``merged`` follows."""
        from db.files.merge import merge_file
        from ui.worker import run_task

        def work(c: Contest, _progress: object) -> MergeReport:
            return merge_file(c, path)

        self.progress.setRange(0, 0)
        self.progress.show()
        task = run_task(self.state, work, self._merged, initiator=self, owner=self)
        task.on_finished(self.progress.hide)

    def _merged(self, report: MergeReport) -> None:
        msg = t(f"已合并：新增 {sum(report.added.values())} 条，已有 {report.already} 条，"
                f"需裁判长处理的不一致 {report.disagreements} 处",
                f"Merged: {sum(report.added.values())} new rows, {report.already} already here, "
                f"{report.disagreements} disagreements for the chief judge")
        self.statusBar().showMessage(msg, 0)
        self.merged.emit(report)

    def merge_dialog(self) -> None:
        path = files.open_file(self, t("选择另一台电脑的成绩文件", "Choose the file"),
                               "Jiangxin results (*.jxr);;All (*)", purpose="results-file")
        if path:
            try:
                self.merge_file(path)
            except JiangxinError as exc:
                show_error(exc)

    def new_laptop_dialog(self) -> None:
        from db.files.merge import new_laptop
        from ui.passphrase_dialog import signing_passphrase

        if self.state.contest is None:
            return
        # the copy's device key is wrapped under it (attributable merges, docs/keys.md)
        passphrase = signing_passphrase(self, demo=self.is_demo())
        if passphrase is None:
            return
        dest = files.save_file(self, t("复制到", "Copy to"),
                               f"{self.state.contest.path.stem}-2.jxdb",
                               "Jiangxin contest (*.jxdb)", purpose="contest")
        if dest:
            try:
                path = new_laptop(self.state.contest, dest, passphrase=passphrase)
            except JiangxinError as exc:
                show_error(exc)
                return
            self.statusBar().showMessage(t(f"已复制（新设备号）：{path}",
                                           f"Copied with its own device id: {path}"), 0)

    def _backup_done(self, path: Path) -> None:
        self.statusBar().showMessage(t(f"已备份到 {path}", f"Backed up to {path}"), 15000)
        self.backup_written.emit(path)

    # ---- sign-in, lock -------------------------------------------------------------------

    def _take_backup(self, b: AutoBackup, label: str) -> None:
        """A rolling backup (every few minutes while marks change, at every lock) copied on
        a worker, never inside the operation that made it due. A failed backup (the stick
        was pulled, it is full) is shown, never stops the work."""
        from db.store.backups import take_backup
        from ui.worker import run_task

        # the copy may finish after this window is gone (closed, a test over): then only
        # the backup's own record is updated
        def done(path: Path) -> None:
            b.taken(path)
            if not qvalid(self):
                return
            self.statusBar().showMessage(t(f"已自动备份到 {path}", f"Backed up to {path}"), 8000)
            self.backup_written.emit(str(path))

        def failed(exc: BaseException) -> None:
            b.failed()
            if not qvalid(self):
                return
            self.statusBar().showMessage(t(f"自动备份失败：{exc}",
                                           f"Automatic backup failed: {exc}"), 30000)
            if not isinstance(exc, JiangxinError | OSError):
                show_error(exc, self)

        run_task(self.state, lambda _c, _p: take_backup(b.db_path, b.policy, label), done,
                 on_error=failed)

    def _finish_backups(self) -> None:
        """The copy on closing a contest is taken here and now, on the GUI thread: the file
        is about to be closed (or the app to quit), so nothing may wait for a worker."""
        b, self.auto_backup = self.auto_backup, None
        if b is None:
            return
        try:
            b.on_exit()
        except (JiangxinError, OSError) as exc:
            self.statusBar().showMessage(t(f"自动备份失败：{exc}",
                                           f"Automatic backup failed: {exc}"), 30000)
