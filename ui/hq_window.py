"""Headquarters' window: import venue results files, see the submissions with their receipts,
the province-wide report, and one person's history (``jiangxin hq``).

Imports run on a worker thread with its own connection (db/hq/bulk.py's folder and wildcard
expansion, one transaction per file), with a progress bar; refusals are summed up in one
message at the end, and each newer export that would replace a held one waits, unwritten,
until the operator has seen its difference and confirmed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from db.hq.store import Headquarters, Receipt, diff_text
from judging.errors import JiangxinError, StorageError
from ui import files
from ui.errors import show_error
from ui.i18n import t
from ui.models import Column, RowsModel
from ui.qt import (
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSortFilterProxyModel,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
    Signal,
    qconnect,
    qvalid,
)
from ui.worker import Progress, Task, run_work

Row = dict[str, Any]

SUBMISSION_COLUMNS: list[Column[Row]] = [
    Column("编号", "No.", lambda r: r["id"]),
    Column("赛事编号", "Competition id", lambda r: r["competition_id"]),
    Column("赛事", "Competition", lambda r: r["competition"]),
    Column("状态", "State", lambda r: t("有效", "current") if r["state"] == "current"
           else t(f"已被{r['replaced_by']}替换", f"replaced by {r['replaced_by']}")),
    Column("参赛人次", "Participations",
           lambda r: json.loads(r["counts"]).get("participations")),
    Column("文件", "File", lambda r: r["file"]),
    Column("SHA-256", "SHA-256", lambda r: r["sha256"][:16] + "…",
           tooltip=lambda r: r["sha256"]),
    Column("接收时间", "Received", lambda r: r["received_at"]),
]
METRIC_COLUMNS: list[Column[tuple[str, Any]]] = [
    Column("项目", "Item", lambda r: r[0]),
    Column("数量", "Count", lambda r: r[1]),
]
BREAKDOWN_COLUMNS: list[Column[tuple[str, dict[str, Any]]]] = [
    Column("分组", "Group", lambda r: r[0] or "-"),
    Column("赛事", "Competitions", lambda r: r[1]["competitions"]),
    Column("参赛人次", "Participations", lambda r: r[1]["participations"]),
    Column("人数", "Persons", lambda r: r[1]["persons"]),
    Column("单位", "Units", lambda r: r[1]["units"]),
    Column("获奖", "Awards", lambda r: r[1]["awarded"]),
    Column("晋级", "Promotions", lambda r: r[1]["promotions"]),
]
HISTORY_COLUMNS: list[Column[Row]] = [
    Column("日期", "Date", lambda r: r["date"]),
    Column("赛事", "Competition", lambda r: r["competition"]),
    Column("级别", "Level", lambda r: r["level"]),
    Column("工种", "Trade", lambda r: r["trade"]),
    Column("名次", "Place", lambda r: r["place"]),
    Column("总分", "Total", lambda r: r["total"]),
    Column("奖项", "Award", lambda r: r["award"]),
    Column("称号/等级", "Title / grade", lambda r: " ".join(x for x in (r["title"], r["grade"])
                                                         if x)),
]
DIMENSIONS = (("by_year", "按年份", "By year"), ("by_region", "按地区", "By region"),
              ("by_level", "按级别", "By level"), ("by_trade", "按工种", "By trade"))


def default_hq_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("Jiangxin", appauthor=False)) / "headquarters.db"


class Outcome:
    """What one import on the worker gave: receipts, refusals, replacements to confirm."""

    def __init__(self) -> None:
        self.receipts: list[Receipt] = []
        self.refused: list[tuple[str, JiangxinError]] = []
        self.to_confirm: list[tuple[str, Receipt]] = []


def import_work(hq: Headquarters, paths: Sequence[str | Path], *, accept_key: bool,
                replace: bool, operator: str, progress: Any) -> Outcome:
    """The worker's part (no widget touched): each file in its own transaction; a file that
    would replace a held export is only checked, unless ``replace``."""
    out = Outcome()
    for i, path in enumerate(paths, start=1):
        try:
            r = hq.import_file(path, accept_key=accept_key, replace=replace, operator=operator)
        except StorageError:
            raise
        except JiangxinError as exc:
            out.refused.append((str(path), exc))
        else:
            if r.dry_run:
                out.to_confirm.append((str(path), r))
            else:
                out.receipts.append(r)
        progress(i, len(paths), Path(path).name)
    return out


def sort_key(text: Any) -> tuple[int, Any]:
    """How a cell sorts: numbers as numbers (10 after 9), before any text; text as text."""
    value = "" if text is None else str(text)
    try:
        number = Decimal(value.replace(",", "").strip())
    except ArithmeticError:
        return (1, value)
    return (0, number) if number.is_finite() else (1, value)


class NumericSort(QSortFilterProxyModel):
    """Sorts the columns that hold numbers (No., counts) by their value, not as text."""

    def lessThan(self, left: Any, right: Any) -> bool:  # noqa: N802 (Qt's name)
        a, b = sort_key(left.data()), sort_key(right.data())
        if a[0] != b[0]:
            return a[0] < b[0]
        return bool(a[1] < b[1])


def _table(model: RowsModel[Any]) -> QTableView:
    view = QTableView()
    proxy = NumericSort(view)
    proxy.setSourceModel(model)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    # columns as wide as what they hold (a competition's name, its id), up to a third of a
    # 1366-wide screen each, every time the rows are filled again
    qconnect(model.modelReset, lambda: _fit_columns(view))
    return view


def _fit_columns(view: QTableView, widest: int = 450) -> None:
    if not qvalid(view):
        return
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for i in range(header.count()):
        if header.sectionSize(i) > widest:
            header.resizeSection(i, widest)


class HqWindow(QMainWindow):
    """Headquarters: one database, its submissions, its report."""

    files_imported = Signal(object)  # list[Receipt]
    file_refused = Signal(str, str)  # file, message

    def __init__(self, hq_path: str | Path, parent: QWidget | None = None) -> None:
        hq = Headquarters.open(hq_path)  # before Qt: a refusal leaves no half-made window
        super().__init__(parent)
        self.hq = hq
        self.target = hq_path
        self.task: Task | None = None
        where = hq.db.location
        self.setWindowTitle(t(f"匠心 · 总部 — {where}", f"Jiangxin · Headquarters — {where}"))
        self.submissions = RowsModel(SUBMISSION_COLUMNS, self)
        self.metrics = RowsModel(METRIC_COLUMNS, self)
        self.breakdown = RowsModel(BREAKDOWN_COLUMNS, self)
        self.history = RowsModel(HISTORY_COLUMNS, self)
        self._report: dict[str, Any] = {}

        bar = QToolBar(self)
        self.addToolBar(bar)
        self.import_action = bar.addAction(t("导入结果文件…", "Import results files…"))
        self.trust_action = bar.addAction(t("发布信任文件…", "Publish trust file…"))
        self.accept_key = QCheckBox(t("接受未知的赛事密钥（将记录）",
                                      "Accept unknown contest keys (recorded)"))
        bar.addWidget(self.accept_key)

        tabs = QTabWidget(self)
        self.tabs = tabs
        sub = QWidget()
        lay = QVBoxLayout(sub)
        self.submission_view = _table(self.submissions)
        lay.addWidget(self.submission_view, 3)
        lay.addWidget(QLabel(t("回执", "Receipts")))
        self.receipts = QPlainTextEdit()
        self.receipts.setReadOnly(True)
        lay.addWidget(self.receipts, 2)
        tabs.addTab(sub, t("提交记录", "Submissions"))

        rep = QWidget()
        split = QHBoxLayout(rep)
        split.addWidget(_table(self.metrics), 1)
        right = QVBoxLayout()
        self.dimension = QComboBox()
        for key, zh, en in DIMENSIONS:
            self.dimension.addItem(t(zh, en), key)
        right.addWidget(self.dimension)
        right.addWidget(_table(self.breakdown))
        split.addLayout(right, 2)
        tabs.addTab(rep, t("统计", "Report"))

        person = QWidget()
        lay = QVBoxLayout(person)
        row = QHBoxLayout()
        self.person_id = QLineEdit()
        self.person_id.setPlaceholderText(t("身份证号", "Resident ID number"))
        self.person_button = QPushButton(t("查询", "Look up"))
        self.person_name = QLabel()
        row.addWidget(self.person_id)
        row.addWidget(self.person_button)
        row.addWidget(self.person_name, 1)
        lay.addLayout(row)
        lay.addWidget(_table(self.history))
        tabs.addTab(person, t("个人履历", "Person"))
        self.setCentralWidget(tabs)
        self.progress = QProgressBar()
        self.progress_label = QLabel()
        self.statusBar().addWidget(self.progress_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.progress.hide()

        self.import_action.triggered.connect(self._choose_files)
        self.trust_action.triggered.connect(self._choose_trust_file)
        self.dimension.currentIndexChanged.connect(self._show_breakdown)
        self.person_button.clicked.connect(self._look_up)
        self.person_id.returnPressed.connect(self._look_up)
        self.refresh()

    # ---- actions ------------------------------------------------------------------------------
    def import_paths(self, paths: Sequence[str | Path], *, replace: bool = False,
                     carried: list[Receipt] | None = None) -> Task:
        """Import files (folders and wildcards expanded) on a worker thread, with progress.

        Emits ``file_refused`` per refused file and, once every confirmed replacement is in
        too, ``files_imported`` with all receipts; refusals are shown in one message.
        """
        from db.hq.bulk import expand

        try:
            chosen = expand(paths)
        except JiangxinError as exc:
            show_error(exc, self)
            chosen = []
        accept, operator, target = self.accept_key.isChecked(), _operator(), self.target
        self.import_action.setEnabled(False)
        self.progress.setRange(0, max(len(chosen), 1))
        self.progress.setValue(0)
        self.progress.show()

        def work(progress: Progress) -> Outcome:  # pool thread: its own connection
            hq = Headquarters.open(target)
            try:
                return import_work(hq, chosen, accept_key=accept, replace=replace,
                                   operator=operator, progress=progress)
            finally:
                hq.close()
        task = run_work(work, lambda out: self._imported(out, carried or []),
                        on_error=self._import_failed, on_progress=self._progressed,
                        owner=self)
        self.task = task
        return task

    def _progressed(self, done: int, total: int, name: str) -> None:
        self.progress.setValue(done)
        self.progress_label.setText(t(f"导入 {done}/{total}：{name}",
                                      f"importing {done}/{total}: {name}"))

    def _import_failed(self, exc: BaseException) -> None:
        self._finish_import()
        show_error(exc, self)

    def _finish_import(self) -> None:
        self.progress.hide()
        self.import_action.setEnabled(True)
        self.task = None

    def _imported(self, out: Outcome, carried: list[Receipt]) -> None:
        for r in out.receipts:
            self.receipts.appendPlainText(r.text() + "\n")
        for path, exc in out.refused:
            self.file_refused.emit(path, str(exc))
            self.receipts.appendPlainText(f"✗ {exc}\n")
        self.refresh()
        self._finish_import()
        done = carried + out.receipts
        self.progress_label.setText(t(
            f"导入 {len(out.receipts)} 个，拒绝 {len(out.refused)} 个",
            f"{len(out.receipts)} imported, {len(out.refused)} refused"))
        if out.refused:
            lines = [f"{len(out.refused)} of the files were refused / 共{len(out.refused)}个"
                     "文件被拒绝:"] + [f"• {exc}" for _, exc in out.refused]
            show_error(JiangxinError("\n".join(lines)), self)
        confirmed = [path for path, check in out.to_confirm if self.confirm_replace(check)]
        if confirmed:
            self.import_paths(confirmed, replace=True, carried=done)
            return
        self.files_imported.emit(done)

    def confirm_replace(self, check: Receipt) -> bool:
        """Show what a newer export changes before it replaces the one held."""
        text = t(f"该赛事已有提交 {check.replaces}。新文件将整体替换它：\n\n",
                 f"Submission {check.replaces} holds this competition. The new file replaces "
                 "it as a whole:\n\n") + diff_text(check.diff or {"added": [], "removed": [],
                                                                   "changed": [], "tables": {}})
        answer = QMessageBox.question(self, t("替换旧版本？", "Replace the older export?"), text)
        return answer == QMessageBox.StandardButton.Yes

    def publish_trust(self, out: str | Path) -> dict[str, Any] | None:
        from ui.passphrase_dialog import hq_passphrase

        secret = hq_passphrase(self)  # the root key signs the file
        if secret is None:
            return None
        info = self.hq.publish_trust(out, secret)
        self.receipts.appendPlainText(t(f"信任文件已写入 {out}：{info['keys']}个密钥，"
                                        f"{info['records']}张登记证书，{info['revoked']}项撤销",
                                        f"trust file written to {out}: {info['keys']} keys, "
                                        f"{info['records']} certificates on record, "
                                        f"{info['revoked']} revocations"))
        return info

    def look_up(self, id_number: str) -> dict[str, Any]:
        data = self.hq.person_history(id_number)
        self.history.set_rows(data["participations"])
        self.person_name.setText(data["name"] or t("无记录", "no record"))
        return data

    def refresh(self) -> None:
        self.submissions.set_rows(self.hq.submissions())
        self._report = self.hq.report()
        keys = (("competitions", "赛事", "Competitions"), ("events", "赛项", "Events"),
                ("participations", "参赛人次", "Participations"),
                ("persons", "人数（按身份证号）", "Persons (by ID number)"),
                ("units", "单位", "Units"), ("awarded", "获奖人次", "Awards"),
                ("titles_given", "称号", "Titles"), ("promotions", "技能等级晋升", "Promotions"))
        rows: list[tuple[str, Any]] = [(t(zh, en), self._report[k]) for k, zh, en in keys]
        rows += [(f"{t('奖项', 'Award')}: {a}", n) for a, n in self._report["awards"].items()]
        self.metrics.set_rows(rows)
        self._show_breakdown()

    # ---- slots ---------------------------------------------------------------------------------
    def _choose_files(self) -> None:
        paths = files.open_files(self, t("选择结果文件", "Choose results files"),
                                 t("结果文件 (*.jxr *.json);;所有文件 (*)",
                                   "Results files (*.jxr *.json);;All (*)"), purpose="hq-import")
        if paths:
            self.import_paths(paths)

    def _choose_trust_file(self) -> None:
        path = files.save_file(self, t("信任文件", "Trust file"), "jiangxin-trust.json",
                               "JSON (*.json)", purpose="trust")
        if path:
            try:
                self.publish_trust(path)
            except JiangxinError as exc:  # e.g. a wrong headquarters passphrase (exit 5)
                show_error(exc, self)

    def _show_breakdown(self) -> None:
        key = self.dimension.currentData() or "by_year"
        self.breakdown.set_rows(sorted(self._report.get(key, {}).items()))

    def _look_up(self) -> None:
        if self.person_id.text().strip():
            self.look_up(self.person_id.text())

    def closeEvent(self, event: Any) -> None:
        self.hq.close()
        super().closeEvent(event)


def _operator() -> str:
    import getpass

    return getpass.getuser()


def run_hq_window(hq_path: str | Path | None) -> int:
    """`jiangxin hq`: the headquarters window on ``hq_path`` (default: the user's data folder)."""
    from db.hq.store import is_server_url

    path: str | Path = hq_path if hq_path and is_server_url(hq_path) else (
        Path(hq_path) if hq_path else default_hq_path())
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DISPLAY") and sys.platform.startswith("linux") \
            and "QT_QPA_PLATFORM" not in os.environ and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from ui.errors import install_excepthook

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "jiangxin"])
    install_excepthook()
    window = HqWindow(path)
    window.resize(1200, 760)
    window.show()
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return 0  # nothing to show on; used by tests and headless checks
    return int(app.exec())
