"""审计日志 The audit log: every write with who, when, what and why, filtered by user, action,
table and time; and a button that checks the hash chain end to end (on a worker thread).

Each record reads in words (db/ops/audit_log.py describe): what was done, to which event and
workstation, before → after, and why; the recorded row itself stays in the last column for
the roles that may see it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from db.ops.audit_log import (
    AuditLine,
    AuditReport,
    Words,
    action_words,
    check_chain,
    describe,
    filters,
    log_records,
    table_words,
)
from db.store.changes import Changes, Kind
from ui.i18n import role_label, t
from ui.models import Column, RowsModel
from ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTime,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.state import AppState

Row = AuditLine
LIMIT = 5000
OK_BG, BAD_BG = "#dcf2dc", "#f9c0c0"


def local_time(iso: str) -> str:
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%m-%d %H:%M:%S")
    except ValueError:
        return iso


def content(row: Row) -> str:
    """The recorded row, compact: key=value without the bookkeeping fields."""
    text = row.record.after
    if not text:
        return ""
    try:
        value = json.loads(text)
    except ValueError:
        return str(text)
    if isinstance(value, dict):
        skip = {"uid", "at", "by", "device"}
        return ", ".join(f"{k}={v}" for k, v in value.items() if k not in skip)
    return str(value)


def words(w: Words) -> str:
    return t(w.zh, w.en)


def columns(show_content: bool) -> list[Column[Row]]:
    cols: list[Column[Row]] = [
        Column("序号", "No.", lambda r: r.record.seq,
               align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
        Column("时间", "Time", lambda r: local_time(r.record.at), tooltip=lambda r: r.record.at),
        Column("用户", "User", lambda r: r.record.user, bold=True),
        Column("角色", "Role", lambda r: role_label(r.record.role)),
        Column("操作", "Action", lambda r: words(r.action), bold=True,
               tooltip=lambda r: r.record.action),
        Column("对象", "On", lambda r: words(r.target), tooltip=lambda r: words(r.target)),
        Column("变化（前 → 后）", "Change (before → after)", lambda r: words(r.change),
               tooltip=lambda r: words(r.change)),
        Column("原因", "Reason", lambda r: r.why, tooltip=lambda r: r.why),
    ]
    if show_content:
        cols.append(Column("内容", "Content", content, tooltip=content))
    return cols


class AuditScreen(QWidget):
    """The log, newest first, and the chain check."""

    verified = Signal(object)  # db.store.audit.AuditReport

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.report: AuditReport | None = None
        self.task: Any = None
        self._stale = False  # a change came while hidden: reload when shown

        self.user = QComboBox()
        self.action = QComboBox()
        self.table_pick = QComboBox()
        self.use_since = QCheckBox(t("从", "From"))
        self.since = QDateTimeEdit(QDateTime.currentDateTime().addDays(-1))
        self.use_until = QCheckBox(t("到", "to"))
        self.until = QDateTimeEdit(QDateTime.currentDateTime())
        for w in (self.since, self.until):
            w.setDisplayFormat("yyyy-MM-dd HH:mm")
            w.setCalendarPopup(True)
            w.setEnabled(False)
        self.clear_btn = QPushButton(t("清除筛选", "Clear filters"))
        self.count = QLabel()
        self.verify_btn = QPushButton(t("校验审计链", "Verify the audit chain"))
        self.verify_btn.setMinimumHeight(34)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict.hide()

        self.model: RowsModel[Row] = RowsModel(columns(self._shows_content()), self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)

        filters = QHBoxLayout()
        for label, combo in ((t("用户", "User"), self.user), (t("操作", "Action"), self.action),
                             (t("数据表", "Table"), self.table_pick)):
            filters.addWidget(QLabel(label))
            filters.addWidget(combo)
        filters.addWidget(self.use_since)
        filters.addWidget(self.since)
        filters.addWidget(self.use_until)
        filters.addWidget(self.until)
        filters.addWidget(self.clear_btn)
        filters.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.verify_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addWidget(self.verdict)
        lay.addWidget(self.view, 1)
        lay.addLayout(bottom)

        for combo in (self.user, self.action, self.table_pick):
            combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.use_since.toggled.connect(self.since.setEnabled)
        self.use_until.toggled.connect(self.until.setEnabled)
        for box in (self.use_since, self.use_until):
            box.toggled.connect(lambda _on: self.reload())
        self.since.dateTimeChanged.connect(lambda _d: self.reload())
        self.until.dateTimeChanged.connect(lambda _d: self.reload())
        self.clear_btn.clicked.connect(self.clear_filters)
        self.verify_btn.clicked.connect(self.start_verify)
        state.contest_opened.connect(self._contest_opened)
        self.reload(refill=True)

    def _contest_opened(self, _contest: object) -> None:
        # a bound method, not a lambda: the connection ends with this widget
        self.reload(refill=True)

    def _shows_content(self) -> bool:
        # judges and recorders see who did what and why, not the recorded rows (which name
        # candidate numbers next to workstations)
        s = self.state.session
        return s is not None and s.role not in ("judge", "recorder")

    # ---- filters -------------------------------------------------------------------------
    def _fill_filters(self) -> None:
        c = self.state.contest
        values = filters(c) if c else {"user": [], "action": [], "table": []}
        for combo, key in ((self.user, "user"), (self.action, "action"),
                           (self.table_pick, "table")):
            keep = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(t("全部", "All"), None)
            for v in values[key]:
                # actions and tables in words, the recorded name as the item's data
                label = words(action_words(v)) if key == "action" else \
                    words(table_words(v)) if key == "table" else v
                combo.addItem(label, v)
            i = combo.findData(keep) if keep else 0
            combo.setCurrentIndex(max(i, 0))
            combo.blockSignals(False)

    def clear_filters(self) -> None:
        for combo in (self.user, self.action, self.table_pick):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        for box in (self.use_since, self.use_until):
            box.blockSignals(True)
            box.setChecked(False)
            box.blockSignals(False)
        self.since.setEnabled(False)
        self.until.setEnabled(False)
        self.reload()

    @staticmethod
    def _iso(w: QDateTimeEdit) -> str:
        secs = w.dateTime().toSecsSinceEpoch()
        return dt.datetime.fromtimestamp(secs, dt.UTC).isoformat()

    def reload(self, refill: bool = False) -> None:
        c = self.state.contest
        if c is None:
            self.model.set_rows([])
            return
        if refill:
            self._fill_filters()
        cols = columns(self._shows_content())
        if len(cols) != len(self.model.columns):
            self.model.beginResetModel()
            self.model.columns = cols
            self.model.endResetModel()
        records = log_records(c, user=self.user.currentData(),
                              action=self.action.currentData(),
                              table=self.table_pick.currentData(),
                              since=self._iso(self.since) if self.use_since.isChecked() else None,
                              until=self._iso(self.until) if self.use_until.isChecked() else None,
                              limit=LIMIT)
        # judges and recorders read which workstation, never which candidate
        rows = describe(c, records, identities=self._shows_content())
        self.model.set_rows(rows)
        self._stale = False
        if self.model.rowCount() and not getattr(self, "_sized", False):
            # size columns from the first rows only: measuring 5,000 rows takes a second
            self.view.horizontalHeader().setResizeContentsPrecision(200)
            # no column wider than a third of the screen: what changed and why stay in sight
            # (the full text is in each cell's tooltip)
            self.view.resizeColumnsToContents()
            header = self.view.horizontalHeader()
            for i in range(self.model.columnCount() - 1):
                header.resizeSection(i, min(header.sectionSize(i), 340))
            self._sized = True
        more = t(f"（仅显示最新 {LIMIT} 条）", f" (newest {LIMIT} shown)") \
            if len(rows) >= LIMIT else ""
        self.count.setText(t(f"{len(rows)} 条记录{more}", f"{len(rows)} records{more}"))

    def refresh(self, changes: Changes, initiator: object = None) -> None:
        # every write adds audit records
        if changes.touches(Kind.AUDIT, Kind.USERS, Kind.SESSION):
            if self.isVisible():
                self.reload(refill=True)
            else:  # every write adds records: while hidden, read them once when shown
                self._stale = True

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        if self._stale:
            self.reload(refill=True)
        super().showEvent(event)  # type: ignore[arg-type]

    # ---- verification --------------------------------------------------------------------
    def start_verify(self) -> None:
        """Check the chain on a worker thread (its own connection); the result comes back
        as ``verified``."""
        if self.state.contest is None:
            return
        from ui.worker import run_task

        self.verify_btn.setEnabled(False)
        self.verify_btn.setText(t("正在校验…", "Verifying…"))
        self.task = run_task(self.state, lambda c, _progress: check_chain(c),
                             self._verified, on_error=self._failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        self._reset_button()
        from ui.errors import show_error

        show_error(exc, self)

    def _reset_button(self) -> None:
        self.verify_btn.setEnabled(True)
        self.verify_btn.setText(t("校验审计链", "Verify the audit chain"))

    def _verified(self, report: AuditReport) -> None:
        self._reset_button()
        self.report = report
        now = dt.datetime.now().strftime("%H:%M:%S")
        if report.ok:
            self.verdict.setText(t(f"✓ 审计链完整（{now}）：{report.records} 条记录，所有数据行"
                                   f"与记录一致。末端哈希 {report.head[:16]}…",
                                   f"✓ The audit chain is intact ({now}): {report.records} "
                                   f"records, every data row matches. Head {report.head[:16]}…"))
            bg = OK_BG
        else:
            lines = [t(f"✗ 发现 {len(report.problems)} 处问题（{now}）：数据可能在本程序之外"
                       "被改动。请保留此文件并报告组委会。",
                       f"✗ {len(report.problems)} problems found ({now}): the data may have "
                       "been changed outside this program. Keep this file and tell the "
                       "organiser.")]
            lines += [f"  • {p}" for p in report.problems[:20]]
            if len(report.problems) > 20:
                lines.append(t(f"  …另有 {len(report.problems) - 20} 处", f"  …and "
                               f"{len(report.problems) - 20} more"))
            self.verdict.setText("\n".join(lines))
            bg = BAD_BG
        self.verdict.setStyleSheet(f"background: {bg}; padding: 8px; border-radius: 4px; "
                                   "font-size: 14px;")
        self.verdict.show()
        self.verified.emit(report)
